//! Availability at order entry (INV-2): "500 needed: 300 in the domestic warehouse, 150
//! overseas, 50 short", per warehouse in the order stock is taken from (the main warehouse
//! first, then the others by what they have available), with what is incoming from suppliers.
//! For an order, what the order itself has reserved counts as available to it, and lines of the
//! same product share the stock.
//!
//! A shortfall raises purchase requests: draft purchase orders (one per supplier: the product's
//! supplier with the shortest quoted lead time, then the best pass rate) linked to the sales
//! order, dated with the latest order date that still meets the customer's delivery date:
//! promised date − transit to the destination warehouse − the supplier's lead time. What open
//! or draft purchase orders of the same sales order already bring counts against the shortfall,
//! so raising twice does not buy twice.

use std::collections::BTreeMap;

use chrono::{Days, NaiveDate};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::purchase::{self, PoInput, PoLineInput, PoStatus, PurchaseOrder};
use super::stock::{self, SourceRef};
use super::transfers::TransportMode;
use super::warehouses::{self, Location, Warehouse};
use super::{conflict, invalid, qty, quantity};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::kit::guard;
use crate::domain::sales::orders::SalesOrder;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Entity, IndexKey, Tx};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct WarehouseTake {
    pub warehouse_id: u64,
    pub code: String,
    pub name: String,
    pub location: Location,
    #[schema(value_type = String)]
    pub available: String,
    /// What this need takes from it.
    #[schema(value_type = String)]
    pub take: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Availability {
    /// The order's line (for an order's availability).
    pub line: Option<usize>,
    pub product_id: u64,
    pub sku: String,
    #[schema(value_type = String)]
    pub needed: String,
    pub warehouses: Vec<WarehouseTake>,
    #[schema(value_type = String)]
    pub covered: String,
    #[schema(value_type = String)]
    pub short: String,
    /// Open purchase orders' quantities still to come, all warehouses.
    #[schema(value_type = String)]
    pub incoming: String,
    /// "500 needed: 300 in the domestic warehouse NB, 150 overseas LA, 50 short".
    pub text: String,
    #[serde(skip)]
    pub short_qty: Decimal,
}

#[derive(Clone, Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AvailabilityQuery {
    pub product_id: u64,
    /// How many are needed (e.g. `500`); none: what there is.
    pub quantity: Option<String>,
}

/// Takes `needed` of a product from the warehouses in pick order. `extra`: what counts as
/// available beyond the balances (the order's own reservations); `used`: what earlier lines
/// took, updated.
fn plan(
    tx: &Tx,
    lang: Lang,
    line: Option<usize>,
    product: u64,
    needed: Decimal,
    extra: &BTreeMap<u64, Decimal>,
    used: &mut BTreeMap<(u64, u64), Decimal>,
) -> AppResult<Availability> {
    let sku = tx
        .get::<crate::domain::sales::products::Product>(product)?
        .map(|p| p.data.sku)
        .unwrap_or_default();
    let mut remaining = needed;
    let mut takes = Vec::new();
    let mut order: Vec<(u64, Decimal)> = super::reservations::pick_order(tx, product)?
        .into_iter()
        .map(|(w, a)| {
            let a = a + extra.get(&w).copied().unwrap_or_default()
                - used.get(&(product, w)).copied().unwrap_or_default();
            (w, a.max(Decimal::ZERO))
        })
        .collect();
    // Own reservations may change the order after the main warehouse.
    if order.len() > 1 {
        let main_first = tx
            .get::<Warehouse>(order[0].0)?
            .is_some_and(|w| w.data.main);
        let rest = if main_first {
            &mut order[1..]
        } else {
            &mut order[..]
        };
        rest.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    }
    for (w, available) in order {
        let take = available.min(remaining.max(Decimal::ZERO));
        remaining -= take;
        *used.entry((product, w)).or_default() += take;
        let wh = tx.get_live::<Warehouse>(w)?.data;
        takes.push(WarehouseTake {
            warehouse_id: w,
            code: wh.code,
            name: wh.name,
            location: wh.location,
            available: qty(available),
            take: qty(take),
        });
    }
    let short = remaining.max(Decimal::ZERO);
    let incoming: Decimal = purchase::incoming(tx, Some(product))?
        .values()
        .copied()
        .sum();
    let parts: Vec<String> = takes
        .iter()
        .filter(|t| t.take != "0")
        .map(|t| {
            let place = match (t.location, lang) {
                (Location::Domestic, Lang::Zh) => "国内仓",
                (Location::Overseas, Lang::Zh) => "海外仓",
                (Location::Domestic, Lang::En) => "in the domestic warehouse",
                (Location::Overseas, Lang::En) => "overseas",
            };
            match lang {
                Lang::Zh => format!("{place} {} {}", t.code, t.take),
                Lang::En => format!("{} {place} {}", t.take, t.code),
            }
        })
        .collect();
    let mut text = match lang {
        Lang::Zh => format!("需要 {}：", qty(needed)),
        Lang::En => format!("{} needed: ", qty(needed)),
    };
    let mut pieces = parts;
    if short > Decimal::ZERO || pieces.is_empty() {
        pieces.push(match lang {
            Lang::Zh => format!("缺 {}", qty(short)),
            Lang::En => format!("{} short", qty(short)),
        });
    }
    text.push_str(&pieces.join(lang.pick("，", ", ")));
    Ok(Availability {
        line,
        product_id: product,
        sku,
        needed: qty(needed),
        covered: qty(needed - short),
        short: qty(short),
        incoming: qty(incoming),
        warehouses: takes,
        text,
        short_qty: short,
    })
}

/// One product: how a need of `quantity` would be met.
pub fn of_product(k: &Kontor, p: &Principal, q: AvailabilityQuery) -> AppResult<Availability> {
    p.require(Module::Inventory, Action::Read)?;
    let needed = match q
        .quantity
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => {
            let d: Decimal = s.parse().map_err(|_| {
                invalid(
                    "quantity",
                    format!("“{s}”不是数量。"),
                    format!("“{s}” is not a quantity."),
                )
            })?;
            quantity("quantity", d)?
        }
        None => Decimal::ZERO,
    };
    k.store.read(|tx| {
        stock::product(tx, "product_id", q.product_id)?;
        plan(
            tx,
            p.lang,
            None,
            q.product_id,
            needed,
            &BTreeMap::new(),
            &mut BTreeMap::new(),
        )
    })
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrderAvailability {
    pub order_id: u64,
    pub number: String,
    pub promised_date: Option<NaiveDate>,
    pub lines: Vec<Availability>,
}

fn order_plan(tx: &Tx, lang: Lang, id: u64, o: &SalesOrder) -> AppResult<Vec<Availability>> {
    let src = SourceRef::new(SalesOrder::KIND, id, None);
    let own = stock::reserved_by(tx, &src)?;
    let mut used = BTreeMap::new();
    let mut out = Vec::new();
    for (i, l) in o.lines.iter().enumerate() {
        let Some(pid) = l.product_id else { continue };
        if tx
            .get_live::<crate::domain::sales::products::Product>(pid)
            .is_err()
        {
            continue;
        }
        let extra: BTreeMap<u64, Decimal> = own
            .iter()
            .filter(|((p, _), _)| *p == pid)
            .map(|((_, w), q)| (*w, *q))
            .collect();
        out.push(plan(tx, lang, Some(i), pid, l.quantity, &extra, &mut used)?);
    }
    Ok(out)
}

/// An order's lines: how each is met from stock, and what is short.
pub fn of_order(k: &Kontor, p: &Principal, id: u64) -> AppResult<OrderAvailability> {
    p.require(Module::Inventory, Action::Read)?;
    k.store.read(|tx| {
        let o = guard::open::<SalesOrder>(tx, p, id, Action::Read)?;
        Ok(OrderAvailability {
            order_id: id,
            lines: order_plan(tx, p.lang, id, &o.data)?,
            number: o.data.number,
            promised_date: o.data.promised_date,
        })
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RequestInput {
    /// Where the goods are needed: the main warehouse when not given.
    pub warehouse_id: Option<u64>,
    /// How they get there from the main warehouse (sea when not given).
    pub mode: Option<TransportMode>,
}

/// Raises draft purchase orders for an order's shortfall (see the module's note).
pub fn raise_requests(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: RequestInput,
) -> AppResult<Vec<serde_json::Value>> {
    p.require(Module::Purchasing, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let o = guard::open::<SalesOrder>(tx, p, id, Action::Read)?;
        let dest = match input.warehouse_id {
            Some(w) => Some(warehouses::find(tx, "warehouse_id", w)?),
            None => warehouses::all(tx)?.into_iter().find(|w| w.data.main),
        };
        let transit = dest
            .as_ref()
            .filter(|w| !w.data.main)
            .and_then(|w| match input.mode.unwrap_or_default() {
                TransportMode::Sea => w.data.transit_days_sea,
                TransportMode::Air => w.data.transit_days_air,
            })
            .unwrap_or(0);
        // Short per product, less what this order's purchase orders already bring.
        let mut short: BTreeMap<u64, (usize, Decimal)> = BTreeMap::new();
        for a in order_plan(tx, p.lang, id, &o.data)? {
            if a.short_qty > Decimal::ZERO {
                let e = short
                    .entry(a.product_id)
                    .or_insert((a.line.unwrap_or(0), Decimal::ZERO));
                e.1 += a.short_qty;
            }
        }
        for po_id in
            tx.ids_by_index::<PurchaseOrder>("sales_order", &IndexKey::new().u64(id), false)?
        {
            let Ok(po) = tx.get_live::<PurchaseOrder>(po_id) else {
                continue;
            };
            if !(po.data.status.is_open() || po.data.status == PoStatus::Draft) {
                continue;
            }
            for l in &po.data.lines {
                if let Some(e) = short.get_mut(&l.product_id) {
                    e.1 -= l.open_quantity();
                }
            }
        }
        short.retain(|_, (_, q)| *q > Decimal::ZERO);
        if short.is_empty() {
            return Err(conflict(
                "lines",
                format!("订单 {} 没有缺货（或已有采购单覆盖）。", o.data.number),
                format!(
                    "Order {} is short of nothing (or its purchase orders cover it).",
                    o.data.number
                ),
            ));
        }
        // Group the lines by (supplier, currency of its price).
        let mut groups: BTreeMap<(u64, String), (Vec<PoLineInput>, Option<u32>)> = BTreeMap::new();
        for (pid, (line, q)) in short {
            let choice = super::suppliers::choices(tx, None, pid)?.into_iter().next();
            let Some(c) = choice else {
                return Err(invalid(
                    &format!("lines[{line}].product_id"),
                    format!(
                        "{} 没有供应商报价：请先给供应商录入价格。",
                        stock::product(tx, "product_id", pid)?.data.sku
                    ),
                    format!(
                        "No supplier has a price for {}: enter one first.",
                        stock::product(tx, "product_id", pid)?.data.sku
                    ),
                ));
            };
            let g = groups
                .entry((c.supplier_id, c.price.currency.code().to_string()))
                .or_insert((Vec::new(), Some(0)));
            g.0.push(PoLineInput {
                product_id: pid,
                quantity: q,
                unit_price: None,
                description: None,
            });
            g.1 = match (g.1, c.lead_days) {
                (Some(a), Some(b)) => Some(a.max(b)),
                _ => None,
            };
        }
        let mut out = Vec::new();
        for ((supplier_id, currency), (lines, lead)) in groups {
            let due = o
                .data
                .promised_date
                .and_then(|d| d.checked_sub_days(Days::new(transit.into())));
            let latest = match (due, lead) {
                (Some(d), Some(l)) => d.checked_sub_days(Days::new(l.into())),
                _ => None,
            };
            let po_input = PoInput {
                supplier_id: Some(supplier_id),
                currency: Some(currency),
                lines: Some(lines),
                warehouse_id: dest.as_ref().map(|w| w.id),
                sales_order_id: Some(id),
                ..PoInput::default()
            };
            let mut r = purchase::insert_new(tx, p, &po_input)?;
            if due.is_some_and(|d| d >= r.data.order_date) || latest.is_some() {
                r = tx.update::<PurchaseOrder, AppError>(&p.actor(), r.id, None, |po| {
                    po.due_date = due.filter(|d| *d >= po.order_date);
                    po.latest_order_date = latest;
                    Ok(())
                })?;
            }
            out.push(purchase::view(tx, p, r)?);
        }
        Ok(out)
    })
}
