//! The stock ledger (INV-1): an append-only list of moves per product and warehouse, and the
//! running balances kept beside it in the same transaction, so a balance reads in O(1) and
//! always equals the sum of the ledger (`ledger_sum`; a test compares them after random
//! sequences of moves).
//!
//! Each move type changes one figure (transfers two):
//!
//! | type | effect |
//! |---|---|
//! | receipt, return, adjustment (in) | on hand + |
//! | shipment, adjustment (out) | on hand − |
//! | transfer_out | on hand − at the source; in transit + at the destination |
//! | transfer_in | in transit − and on hand + at the destination |
//! | reserve / release | reserved + / − |
//!
//! Available is on hand − reserved. Unless the inventory settings allow it, a move that takes
//! on hand or available below zero is refused (409, naming the product and the warehouse);
//! reserved and in transit never go below zero. A shipment for a sales order consumes that
//! order's reservation in the warehouse first. A confirmed order reserves its lines
//! (`reservations::sync_order`, called by the order code), picking the main warehouse first and then the
//! others by what they have available; a cancelled or deleted order releases them.

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::warehouses::{self, Warehouse};
use super::{conflict, invalid, qty, quantity, settings};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names};
use crate::domain::sales::orders::SalesOrder;
use crate::domain::sales::products::Product;
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::{Actor, Entity, IndexDef, IndexKey, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveType {
    Receipt,
    Shipment,
    TransferOut,
    TransferIn,
    Adjustment,
    Return,
    Reserve,
    Release,
}

/// What a move was made for: a purchase order's receipt, a sales order, a transfer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct SourceRef {
    /// `purchase_order`, `sales_order` or `stock_transfer`.
    pub kind: String,
    pub id: u64,
    /// Its number (PO-2026-0001 …) when it has one.
    pub label: Option<String>,
}

impl SourceRef {
    pub fn new(kind: &str, id: u64, label: Option<String>) -> SourceRef {
        SourceRef {
            kind: kind.into(),
            id,
            label,
        }
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct StockMove {
    pub move_type: MoveType,
    pub product_id: u64,
    pub warehouse_id: u64,
    /// transfer_out: the destination, whose goods in transit grow.
    pub to_warehouse_id: Option<u64>,
    /// Always more than zero; the type says which way it goes.
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// adjustment: whether it takes stock out.
    pub outward: bool,
    pub source: Option<SourceRef>,
    pub date: NaiveDate,
    pub note: Option<String>,
}

impl Entity for StockMove {
    const KIND: &'static str = "stock_move";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("product", |m: &StockMove| {
                vec![IndexKey::new().u64(m.product_id).u64(m.warehouse_id)]
            }),
            IndexDef::many("warehouse", |m: &StockMove| {
                let mut keys = vec![IndexKey::new().u64(m.warehouse_id)];
                keys.extend(m.to_warehouse_id.map(|w| IndexKey::new().u64(w)));
                keys
            }),
            IndexDef::many("source", |m: &StockMove| {
                m.source
                    .iter()
                    .map(|s| IndexKey::new().str(&s.kind).u64(s.id))
                    .collect()
            }),
        ]
    }
    fn title(&self) -> String {
        format!(
            "{:?} {} #{}",
            self.move_type,
            qty(self.quantity),
            self.product_id
        )
    }
}

impl Guarded for StockMove {
    const MODULE: Module = Module::Inventory;
    const OWNER: Owner = Owner::Nobody;
}

// ---- balances -------------------------------------------------------------------------------

/// The running figures of one product in one warehouse.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Balance {
    #[serde(with = "rust_decimal::serde::str")]
    pub on_hand: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub reserved: Decimal,
    #[serde(with = "rust_decimal::serde::str")]
    pub in_transit: Decimal,
}

impl Balance {
    pub fn available(&self) -> Decimal {
        self.on_hand - self.reserved
    }
}

const BALANCES: &str = "stock_balance";

fn balance_key(product: u64, warehouse: u64) -> Vec<u8> {
    let mut k = product.to_be_bytes().to_vec();
    k.extend(warehouse.to_be_bytes());
    k
}

/// The balance of a product in a warehouse (zero if it never moved there).
pub fn balance(tx: &Tx, product: u64, warehouse: u64) -> AppResult<Balance> {
    match tx.kv_get(BALANCES, &balance_key(product, warehouse))? {
        Some(bytes) => serde_json::from_slice(&bytes).map_err(AppError::internal),
        None => Ok(Balance::default()),
    }
}

/// Every warehouse's balance of a product.
pub fn balances_of(tx: &Tx, product: u64) -> AppResult<BTreeMap<u64, Balance>> {
    let mut out = BTreeMap::new();
    for (k, v) in tx.kv_prefix(BALANCES, &product.to_be_bytes())? {
        let w = u64::from_be_bytes(k[8..16].try_into().map_err(AppError::internal)?);
        out.insert(w, serde_json::from_slice(&v).map_err(AppError::internal)?);
    }
    Ok(out)
}

/// Every balance: (product, warehouse) → figures.
fn all_balances(tx: &Tx) -> AppResult<BTreeMap<(u64, u64), Balance>> {
    let mut out = BTreeMap::new();
    for (k, v) in tx.kv_prefix(BALANCES, &[])? {
        let p = u64::from_be_bytes(k[0..8].try_into().map_err(AppError::internal)?);
        let w = u64::from_be_bytes(k[8..16].try_into().map_err(AppError::internal)?);
        out.insert(
            (p, w),
            serde_json::from_slice(&v).map_err(AppError::internal)?,
        );
    }
    Ok(out)
}

fn put_balance(tx: &mut Tx, product: u64, warehouse: u64, b: &Balance) -> AppResult<()> {
    let bytes = serde_json::to_vec(b).map_err(AppError::internal)?;
    tx.kv_put(BALANCES, &balance_key(product, warehouse), &bytes)?;
    Ok(())
}

/// What a move does to the balances: (warehouse, Δ on hand, Δ reserved, Δ in transit).
fn effects(m: &StockMove) -> Vec<(u64, Decimal, Decimal, Decimal)> {
    let q = m.quantity;
    let z = Decimal::ZERO;
    let w = m.warehouse_id;
    match m.move_type {
        MoveType::Receipt | MoveType::Return => vec![(w, q, z, z)],
        MoveType::Adjustment if m.outward => vec![(w, -q, z, z)],
        MoveType::Adjustment => vec![(w, q, z, z)],
        MoveType::Shipment => vec![(w, -q, z, z)],
        MoveType::TransferOut => {
            let mut v = vec![(w, -q, z, z)];
            v.extend(m.to_warehouse_id.map(|to| (to, z, z, q)));
            v
        }
        MoveType::TransferIn => vec![(w, q, z, -q)],
        MoveType::Reserve => vec![(w, z, q, z)],
        MoveType::Release => vec![(w, z, -q, z)],
    }
}

/// The balances recomputed from the ledger alone (for checks and tests).
pub fn ledger_sum(tx: &Tx) -> AppResult<BTreeMap<(u64, u64), Balance>> {
    let mut out: BTreeMap<(u64, u64), Balance> = BTreeMap::new();
    tx.for_each::<StockMove>(false, &mut |r| {
        for (w, on_hand, reserved, in_transit) in effects(&r.data) {
            let b = out.entry((r.data.product_id, w)).or_default();
            b.on_hand += on_hand;
            b.reserved += reserved;
            b.in_transit += in_transit;
        }
        Ok(true)
    })?;
    Ok(out)
}

/// Differences between the kept balances and the ledger (none when all is well).
pub fn verify(tx: &Tx) -> AppResult<Vec<String>> {
    let kept = all_balances(tx)?;
    let summed = ledger_sum(tx)?;
    let mut problems = Vec::new();
    for key in kept.keys().chain(summed.keys()) {
        let a = kept.get(key).copied().unwrap_or_default();
        let b = summed.get(key).copied().unwrap_or_default();
        let same =
            a.on_hand == b.on_hand && a.reserved == b.reserved && a.in_transit == b.in_transit;
        if !same {
            problems.push(format!(
                "product {} warehouse {}: kept {a:?}, ledger {b:?}",
                key.0, key.1
            ));
        }
    }
    problems.sort();
    problems.dedup();
    Ok(problems)
}

fn sku(tx: &Tx, product: u64) -> AppResult<String> {
    Ok(tx
        .get::<Product>(product)?
        .map(|p| p.data.sku)
        .unwrap_or_else(|| format!("#{product}")))
}

fn code(tx: &Tx, warehouse: u64) -> AppResult<String> {
    Ok(tx
        .get::<Warehouse>(warehouse)?
        .map(|w| w.data.code)
        .unwrap_or_else(|| format!("#{warehouse}")))
}

/// Appends a move and updates the balances it touches, refusing what the rules forbid. The
/// caller has checked the permission; `field` names the input the move came from.
pub fn post(tx: &mut Tx, actor: &Actor, field: &str, m: StockMove) -> AppResult<Record<StockMove>> {
    let field = &match field {
        "" => "quantity".to_string(),
        prefix => format!("{prefix}.quantity"),
    };
    quantity(field, m.quantity)?;
    let allow_negative = settings::current(tx)?.allow_negative;
    for (w, d_on_hand, d_reserved, d_transit) in effects(&m) {
        let mut b = balance(tx, m.product_id, w)?;
        b.on_hand += d_on_hand;
        b.reserved += d_reserved;
        b.in_transit += d_transit;
        let (sku, code) = (sku(tx, m.product_id)?, code(tx, w)?);
        if b.reserved < Decimal::ZERO {
            return Err(conflict(
                field,
                format!(
                    "{sku} 在 {code} 的预留量不足，不能释放 {}。",
                    qty(m.quantity)
                ),
                format!(
                    "{sku} has less reserved in {code} than {} to release.",
                    qty(m.quantity)
                ),
            ));
        }
        if b.in_transit < Decimal::ZERO {
            return Err(conflict(
                field,
                format!("{sku} 发往 {code} 的在途数量不足。"),
                format!("Less of {sku} is in transit to {code} than this move receives."),
            ));
        }
        let takes = d_on_hand < Decimal::ZERO || d_reserved > Decimal::ZERO;
        if takes && !allow_negative && (b.on_hand < Decimal::ZERO || b.available() < Decimal::ZERO)
        {
            let before = balance(tx, m.product_id, w)?;
            return Err(conflict(
                field,
                format!(
                    "库存不足：{sku} 在 {code} 可用 {}，不能出库/预留 {}。",
                    qty(before.available()),
                    qty(m.quantity)
                ),
                format!(
                    "Not enough stock: {sku} in {code} has {} available, {} cannot go out or be reserved.",
                    qty(before.available()),
                    qty(m.quantity)
                ),
            ));
        }
        put_balance(tx, m.product_id, w, &b)?;
    }
    Ok(tx.insert(actor, m)?)
}

// ---- manual moves ---------------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ManualType {
    Receipt,
    Shipment,
    Adjustment,
    Return,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MoveDirection {
    #[default]
    In,
    Out,
}

/// A move entered by hand: a receipt without a purchase order, a shipment (of a sales order:
/// it consumes that order's reservation first), a stock-take adjustment, a customer's return.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct StockMoveInput {
    #[serde(rename = "type")]
    pub move_type: ManualType,
    pub product_id: u64,
    pub warehouse_id: u64,
    #[schema(value_type = String, example = "10")]
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// Adjustments: `in` (default) or `out`.
    pub direction: Option<MoveDirection>,
    /// The sales order shipped or returned.
    pub order_id: Option<u64>,
    /// Today when not given.
    pub date: Option<NaiveDate>,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MoveView {
    pub id: u64,
    #[serde(rename = "type")]
    pub move_type: MoveType,
    pub product_id: u64,
    pub sku: String,
    pub warehouse_id: u64,
    pub warehouse_code: String,
    pub to_warehouse_id: Option<u64>,
    #[schema(value_type = String)]
    pub quantity: String,
    pub outward: bool,
    pub source: Option<SourceRef>,
    pub date: NaiveDate,
    pub note: Option<String>,
    pub actor: Option<String>,
    pub created_at: DateTime<Utc>,
}

fn move_view(tx: &Tx, r: Record<StockMove>) -> AppResult<MoveView> {
    let m = r.data;
    Ok(MoveView {
        id: r.id,
        move_type: m.move_type,
        sku: sku(tx, m.product_id)?,
        product_id: m.product_id,
        warehouse_code: code(tx, m.warehouse_id)?,
        warehouse_id: m.warehouse_id,
        to_warehouse_id: m.to_warehouse_id,
        quantity: qty(m.quantity),
        outward: m.outward,
        source: m.source,
        date: m.date,
        note: m.note,
        actor: names(tx, r.meta.created_by)?.into_values().next(),
        created_at: r.meta.created_at,
    })
}

/// The live product `id` (else an error naming `field`).
pub fn product(tx: &Tx, field: &str, id: u64) -> AppResult<Record<Product>> {
    tx.get_live::<Product>(id).map_err(|_| {
        invalid(
            field,
            format!("产品 {id} 不存在。"),
            format!("Product {id} does not exist."),
        )
    })
}

fn order_ref(tx: &Tx, id: u64) -> AppResult<SourceRef> {
    let o = tx.get_live::<SalesOrder>(id).map_err(|_| {
        invalid(
            "order_id",
            format!("销售订单 {id} 不存在。"),
            format!("Sales order {id} does not exist."),
        )
    })?;
    Ok(SourceRef::new(SalesOrder::KIND, id, Some(o.data.number)))
}

pub fn record(k: &Kontor, p: &Principal, input: StockMoveInput) -> AppResult<MoveView> {
    p.require(Module::Inventory, Action::Create)?;
    let actor = p.actor();
    k.store.write(move |tx| {
        let q = quantity("quantity", input.quantity)?;
        product(tx, "product_id", input.product_id)?;
        warehouses::find(tx, "warehouse_id", input.warehouse_id)?;
        let source = match input.order_id {
            Some(id) => Some(order_ref(tx, id)?),
            None => None,
        };
        let date = match input.date {
            Some(d) => d,
            None => company_today(tx, tx.now())?,
        };
        let (move_type, outward) = match input.move_type {
            ManualType::Receipt => (MoveType::Receipt, false),
            ManualType::Shipment => (MoveType::Shipment, true),
            ManualType::Return => (MoveType::Return, false),
            ManualType::Adjustment => (
                MoveType::Adjustment,
                input.direction.unwrap_or_default() == MoveDirection::Out,
            ),
        };
        if input.direction.is_some() && move_type != MoveType::Adjustment {
            return Err(invalid(
                "direction",
                "只有库存调整才有方向。".into(),
                "Only adjustments take a direction.".into(),
            ));
        }
        let note = validate::optional_text("note", input.note.as_deref(), 500)?;
        let base = StockMove {
            move_type,
            product_id: input.product_id,
            warehouse_id: input.warehouse_id,
            to_warehouse_id: None,
            quantity: q,
            outward: outward && move_type == MoveType::Adjustment,
            source: source.clone(),
            date,
            note,
        };
        // A shipment for an order consumes the order's reservation here first.
        if move_type == MoveType::Shipment
            && let Some(src) = &source
        {
            let held = reserved_by(tx, src)?
                .get(&(input.product_id, input.warehouse_id))
                .copied()
                .unwrap_or_default();
            let consumed = held.min(q);
            if consumed > Decimal::ZERO {
                let release = StockMove {
                    move_type: MoveType::Release,
                    quantity: consumed,
                    outward: false,
                    note: None,
                    ..base.clone()
                };
                post(tx, &actor, "", release)?;
            }
        }
        let r = post(tx, &actor, "", base)?;
        move_view(tx, r)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct MoveQuery {
    pub product_id: Option<u64>,
    pub warehouse_id: Option<u64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The ledger, newest first.
pub fn moves(k: &Kontor, p: &Principal, q: MoveQuery) -> AppResult<List<MoveView>> {
    k.store.read(|tx| {
        let source = match (q.product_id, q.warehouse_id) {
            (Some(pid), Some(w)) => Source::key("product", IndexKey::new().u64(pid).u64(w)),
            (Some(pid), None) => Source::key("product", IndexKey::new().u64(pid)),
            (None, Some(w)) => Source::key("warehouse", IndexKey::new().u64(w)),
            (None, None) => Source::All,
        };
        let query = Query::<StockMove>::new(source, Paging::new(q.page, q.per_page));
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| move_view(tx, r))
    })
}

pub fn has_moves_in(tx: &Tx, warehouse: u64) -> AppResult<bool> {
    Ok(!tx
        .ids_by_index::<StockMove>("warehouse", &IndexKey::new().u64(warehouse), false)?
        .is_empty())
}

/// What a source (a sales order) holds reserved now: (product, warehouse) → quantity.
pub fn reserved_by(tx: &Tx, src: &SourceRef) -> AppResult<BTreeMap<(u64, u64), Decimal>> {
    let mut out: BTreeMap<(u64, u64), Decimal> = BTreeMap::new();
    for m in moves_of(tx, &src.kind, src.id)? {
        let sign = match m.move_type {
            MoveType::Reserve => Decimal::ONE,
            MoveType::Release => -Decimal::ONE,
            _ => continue,
        };
        *out.entry((m.product_id, m.warehouse_id)).or_default() += sign * m.quantity;
    }
    out.retain(|_, q| !q.is_zero());
    Ok(out)
}

/// The moves made for a source, oldest first.
pub fn moves_of(tx: &Tx, kind: &str, id: u64) -> AppResult<Vec<StockMove>> {
    let ids = tx.ids_by_index::<StockMove>("source", &IndexKey::new().str(kind).u64(id), false)?;
    let mut out = Vec::with_capacity(ids.len());
    for id in ids {
        out.push(tx.get_live::<StockMove>(id)?.data);
    }
    Ok(out)
}

// ---- balances as the screens read them -------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct BalanceView {
    pub product_id: u64,
    pub sku: String,
    pub warehouse_id: u64,
    pub warehouse_code: String,
    #[schema(value_type = String)]
    pub on_hand: String,
    #[schema(value_type = String)]
    pub reserved: String,
    /// On hand − reserved.
    #[schema(value_type = String)]
    pub available: String,
    /// Ordered from suppliers (open purchase orders for this warehouse), not yet received.
    #[schema(value_type = String)]
    pub incoming: String,
    /// On its way here from another warehouse.
    #[schema(value_type = String)]
    pub in_transit: String,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct BalanceQuery {
    pub product_id: Option<u64>,
    pub warehouse_id: Option<u64>,
}

/// Stock per product and warehouse: on hand, reserved, available, incoming, in transit.
pub fn balances(k: &Kontor, p: &Principal, q: BalanceQuery) -> AppResult<Vec<BalanceView>> {
    p.require(Module::Inventory, Action::Read)?;
    k.store.read(|tx| {
        let mut rows: BTreeMap<(u64, u64), (Balance, Decimal)> = BTreeMap::new();
        let kept = match q.product_id {
            Some(pid) => balances_of(tx, pid)?
                .into_iter()
                .map(|(w, b)| ((pid, w), b))
                .collect(),
            None => all_balances(tx)?,
        };
        for (key, b) in kept {
            rows.entry(key).or_default().0 = b;
        }
        for ((pid, w), q) in super::purchase::incoming(tx, q.product_id)? {
            rows.entry((pid, w)).or_default().1 += q;
        }
        let mut out = Vec::new();
        for ((pid, w), (b, incoming)) in rows {
            if q.warehouse_id.is_some_and(|x| x != w) {
                continue;
            }
            out.push(BalanceView {
                product_id: pid,
                sku: sku(tx, pid)?,
                warehouse_id: w,
                warehouse_code: code(tx, w)?,
                on_hand: qty(b.on_hand),
                reserved: qty(b.reserved),
                available: qty(b.available()),
                incoming: qty(incoming),
                in_transit: qty(b.in_transit),
            });
        }
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(t: MoveType, outward: bool, to: Option<u64>) -> StockMove {
        StockMove {
            move_type: t,
            product_id: 1,
            warehouse_id: 10,
            to_warehouse_id: to,
            quantity: Decimal::from(5),
            outward,
            source: None,
            date: NaiveDate::from_ymd_opt(2026, 3, 1).unwrap(),
            note: None,
        }
    }

    /// Each move type changes what the table in the module's note says, and nothing else.
    #[test]
    fn each_move_type_changes_its_figures() {
        let (p, m, z) = (Decimal::from(5), Decimal::from(-5), Decimal::ZERO);
        let table = [
            (MoveType::Receipt, false, None, vec![(10, p, z, z)]),
            (MoveType::Return, false, None, vec![(10, p, z, z)]),
            (MoveType::Adjustment, false, None, vec![(10, p, z, z)]),
            (MoveType::Adjustment, true, None, vec![(10, m, z, z)]),
            (MoveType::Shipment, true, None, vec![(10, m, z, z)]),
            (
                MoveType::TransferOut,
                true,
                Some(20),
                vec![(10, m, z, z), (20, z, z, p)],
            ),
            (MoveType::TransferIn, false, None, vec![(10, p, z, m)]),
            (MoveType::Reserve, false, None, vec![(10, z, p, z)]),
            (MoveType::Release, false, None, vec![(10, z, m, z)]),
        ];
        for (t, outward, to, want) in table {
            assert_eq!(effects(&mv(t, outward, to)), want, "{t:?} out={outward}");
        }
    }

    #[test]
    fn balance_keys_order_by_product_then_warehouse() {
        assert!(balance_key(1, 900) < balance_key(2, 1));
        assert_eq!(&balance_key(7, 3)[..8], &7u64.to_be_bytes());
        let b = Balance {
            on_hand: Decimal::from(10),
            reserved: Decimal::from(4),
            in_transit: Decimal::ZERO,
        };
        assert_eq!(b.available(), Decimal::from(6));
    }
}
