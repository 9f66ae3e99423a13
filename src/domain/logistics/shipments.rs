//! Shipments (LOG-1), numbered SH-YYYY-NNNN: all or part of a confirmed order's lines leaving
//! one warehouse by sea, air, express or rail, with the carrier, booking, containers, ports,
//! planned and actual departure/arrival, the B/L, and each line's cartons, weights and volume
//! computed from the product's packing (`packing::pack`) and editable.
//!
//! A shipment follows its order (`Owner::Parent("sales_order")`), as the order follows its
//! customer. Shipping it posts `shipment` moves out of its warehouse through the ledger
//! (`goods::stock::post`), consuming the order's reservation there first; cancelling a shipped
//! one puts the goods back with `return` moves; the order's reservation is then brought in line
//! (`goods::reservations::sync_order`), so stock is never counted twice. The order hears what
//! happened (`sales::order_events`): booked, loaded, B/L issued, delivered.

use std::collections::BTreeMap;

use chrono::{DateTime, Datelike, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::packing::{self, Packed};
use crate::auth::{Action, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::goods::reservations;
use crate::domain::goods::stock::{self, MoveType, SourceRef, StockMove, reserved_by};
use crate::domain::goods::warehouses;
use crate::domain::goods::{conflict, invalid, qty, quantity};
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names};
use crate::domain::money::Currency;
use crate::domain::sales::order_events::{self, OrderEvent};
use crate::domain::sales::orders::{OrderStatus, SalesOrder};
use crate::domain::sales::products::Product;
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Meta, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ShipmentMode)]
pub enum Mode {
    Sea,
    Air,
    Express,
    Rail,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum ContainerType {
    #[serde(rename = "20GP")]
    Gp20,
    #[serde(rename = "40GP")]
    Gp40,
    #[serde(rename = "40HQ")]
    Hq40,
    #[serde(rename = "45HQ")]
    Hq45,
    #[serde(rename = "LCL")]
    Lcl,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Container {
    /// "MSKU1234565"
    pub number: String,
    #[serde(rename = "type")]
    pub kind: ContainerType,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Being prepared: nothing has left the warehouse.
    Planned,
    /// Loaded and gone: its stock moves are posted.
    Shipped,
    InTransit,
    Arrived,
    Delivered,
    Cancelled,
}

impl ShipmentStatus {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            ShipmentStatus::Planned => lang.pick("待出运", "planned"),
            ShipmentStatus::Shipped => lang.pick("已装运", "shipped"),
            ShipmentStatus::InTransit => lang.pick("运输中", "in transit"),
            ShipmentStatus::Arrived => lang.pick("已到港", "arrived"),
            ShipmentStatus::Delivered => lang.pick("已签收", "delivered"),
            ShipmentStatus::Cancelled => lang.pick("已取消", "cancelled"),
        }
    }
    /// Whether its goods have left (its moves are posted).
    pub fn gone(self) -> bool {
        matches!(
            self,
            ShipmentStatus::Shipped
                | ShipmentStatus::InTransit
                | ShipmentStatus::Arrived
                | ShipmentStatus::Delivered
        )
    }
}

/// One order line (or part of it) on the shipment.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ShipmentLine {
    /// The order line's position (0-based).
    pub order_line: usize,
    pub product_id: Option<u64>,
    pub sku: Option<String>,
    pub description: String,
    pub hs_code: Option<String>,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub quantity: Decimal,
    pub unit: String,
    /// The order's selling price per unit (the commercial invoice prints it).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub unit_price: Decimal,
    /// Quantity × price, less the line's discount, in the order's currency.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub packed: Packed,
    /// Whether the packing figures were entered by hand (else computed).
    pub packed_by_hand: bool,
}

/// A stock move the shipment posted when it shipped.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Posted {
    pub product_id: u64,
    pub warehouse_id: u64,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub quantity: Decimal,
}

/// One tracking event (from a provider's webhook or poll, or entered).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct TrackEvent {
    pub at: DateTime<Utc>,
    /// As the carrier wrote it.
    pub description: String,
    pub location: Option<String>,
    /// "17track", "aftership", "poll:<name>", "manual".
    pub source: String,
    /// Digest of (time, description, location): the same event twice is kept once.
    pub key: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Shipment {
    pub number: String,
    pub order_id: u64,
    pub customer_id: u64,
    /// The order's owner (kept in step with it).
    pub owner_id: Option<u64>,
    pub status: ShipmentStatus,
    pub mode: Mode,
    pub carrier: Option<String>,
    pub booking_no: Option<String>,
    pub containers: Vec<Container>,
    pub port_of_loading: Option<String>,
    pub port_of_discharge: Option<String>,
    pub etd: Option<NaiveDate>,
    pub eta: Option<NaiveDate>,
    /// Actual departure (loaded) and arrival.
    pub atd: Option<NaiveDate>,
    pub ata: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub bl_no: Option<String>,
    pub bl_date: Option<NaiveDate>,
    /// The warehouse it leaves from.
    pub warehouse_id: u64,
    pub currency: Currency,
    pub lines: Vec<ShipmentLine>,
    pub posted: Vec<Posted>,
    /// The carrier's or forwarder's tracking number (B/L, container or parcel number).
    pub tracking_no: Option<String>,
    pub events: Vec<TrackEvent>,
    pub note: Option<String>,
}

fn key_of(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase()
}

impl Shipment {
    /// Every number it may be looked up by (booking, containers, B/L, tracking), folded.
    pub fn references(&self) -> Vec<String> {
        let mut out: Vec<String> = [&self.booking_no, &self.bl_no, &self.tracking_no]
            .into_iter()
            .flatten()
            .map(|s| key_of(s))
            .chain(self.containers.iter().map(|c| key_of(&c.number)))
            .filter(|s| !s.is_empty())
            .collect();
        out.sort();
        out.dedup();
        out
    }
}

impl Entity for Shipment {
    const KIND: &'static str = "shipment";
    const SEARCHABLE: bool = true;
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("order", |s: &Shipment| {
                vec![IndexKey::new().u64(s.order_id)]
            })
            .keep_deleted(),
            IndexDef::many("owner", |s: &Shipment| {
                vec![IndexKey::new().u64(s.owner_id.unwrap_or(0))]
            })
            .counted(),
            IndexDef::many("reference", |s: &Shipment| {
                s.references()
                    .iter()
                    .map(|r| IndexKey::new().str(r))
                    .collect()
            }),
        ]
    }
    fn title(&self) -> String {
        self.number.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        let mut exact = vec![self.number.clone(), key_of(&self.number)];
        exact.extend(self.references());
        exact.extend(
            [&self.booking_no, &self.bl_no, &self.tracking_no]
                .into_iter()
                .flatten()
                .cloned()
                .chain(self.containers.iter().map(|c| c.number.clone())),
        );
        Some(SearchDoc {
            title: self.number.clone(),
            subtitle: [
                &self.carrier,
                &self.port_of_loading,
                &self.port_of_discharge,
            ]
            .into_iter()
            .flatten()
            .cloned()
            .collect::<Vec<_>>()
            .join(" · "),
            text: self
                .lines
                .iter()
                .map(|l| l.description.clone())
                .chain(self.booking_no.clone())
                .chain(self.bl_no.clone())
                .chain(self.containers.iter().map(|c| c.number.clone()))
                .collect(),
            exact,
            owner: self.owner_id,
        })
    }
}

impl Guarded for Shipment {
    const MODULE: Module = Module::Logistics;
    const OWNER: Owner = Owner::Parent("sales_order");
    const PARENT_INDEX: &'static str = "order";
    fn readable_unowned(&self, tx: &Tx, p: &Principal) -> AppResult<bool> {
        crate::domain::sales::unowned_readable(tx, p, self.customer_id, Self::MODULE)
    }
    /// A shipment goes wherever its order goes.
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.owner_id == previous
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

// ---- input -----------------------------------------------------------------------------------

/// A line to ship: an order line and how much of it (all that is still unshipped when not
/// given); the packing figures are computed unless given.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentLineInput {
    /// The order line's position (0-based).
    pub order_line: usize,
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "200")]
    pub quantity: Option<Decimal>,
    /// Overrides the computed cartons, weights and volume.
    pub packed: Option<Packed>,
}

/// A new shipment of a confirmed order, or changes to one (every field optional on a change;
/// `order_id` only on a new one; lines only while it is planned).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipmentInput {
    pub order_id: Option<u64>,
    /// Every line still unshipped when not given (new shipments).
    pub lines: Option<Vec<ShipmentLineInput>>,
    pub mode: Option<Mode>,
    pub carrier: Option<String>,
    pub booking_no: Option<String>,
    pub containers: Option<Vec<Container>>,
    pub port_of_loading: Option<String>,
    pub port_of_discharge: Option<String>,
    pub etd: Option<NaiveDate>,
    pub eta: Option<NaiveDate>,
    pub ata: Option<NaiveDate>,
    pub bl_no: Option<String>,
    pub bl_date: Option<NaiveDate>,
    /// The main warehouse when not given.
    pub warehouse_id: Option<u64>,
    pub tracking_no: Option<String>,
    pub note: Option<String>,
}

/// Shipping it (loaded, actual departure `date`, today when not given).
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ShipInput {
    pub date: Option<NaiveDate>,
}

/// A later step: in transit, arrived or delivered, on `date` (today when not given).
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProgressInput {
    pub status: ShipmentStatus,
    pub date: Option<NaiveDate>,
}

// ---- views -----------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ShipmentView {
    pub id: u64,
    pub number: String,
    pub order_id: u64,
    pub order_number: String,
    pub customer_id: u64,
    pub customer_name: String,
    pub owner_id: Option<u64>,
    pub owner_name: Option<String>,
    pub status: ShipmentStatus,
    pub status_name: String,
    pub mode: Mode,
    pub carrier: Option<String>,
    pub booking_no: Option<String>,
    pub containers: Vec<Container>,
    pub port_of_loading: Option<String>,
    pub port_of_discharge: Option<String>,
    pub etd: Option<NaiveDate>,
    pub eta: Option<NaiveDate>,
    pub atd: Option<NaiveDate>,
    pub ata: Option<NaiveDate>,
    pub delivered_on: Option<NaiveDate>,
    pub bl_no: Option<String>,
    pub bl_date: Option<NaiveDate>,
    pub warehouse_id: u64,
    pub warehouse_code: String,
    pub currency: Currency,
    pub lines: Vec<ShipmentLine>,
    /// The lines' sums (cartons, weights, volume).
    pub totals: Packed,
    #[schema(value_type = String)]
    pub total_amount: String,
    pub posted: Vec<Posted>,
    pub tracking_no: Option<String>,
    pub events: Vec<TrackEvent>,
    pub note: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// The sums of the lines' packing (a figure is left out when a line lacks it).
pub fn totals(lines: &[ShipmentLine]) -> Packed {
    fn sum<T: Copy + std::iter::Sum<T>>(v: Vec<Option<T>>) -> Option<T> {
        v.into_iter().sum::<Option<T>>()
    }
    Packed {
        cartons: sum(lines.iter().map(|l| l.packed.cartons).collect()),
        units_per_carton: None,
        last_carton_units: None,
        gross_kg: sum(lines.iter().map(|l| l.packed.gross_kg).collect()),
        net_kg: sum(lines.iter().map(|l| l.packed.net_kg).collect()),
        cbm: sum(lines.iter().map(|l| l.packed.cbm).collect()),
    }
}

pub fn view(tx: &Tx, p: &Principal, r: Record<Shipment>) -> AppResult<serde_json::Value> {
    let s = r.data;
    let order_number = tx
        .get::<SalesOrder>(s.order_id)?
        .map(|o| o.data.number)
        .unwrap_or_default();
    let customer_name = tx
        .get::<crate::domain::crm::model::Customer>(s.customer_id)?
        .map(|c| c.data.name)
        .unwrap_or_default();
    let warehouse_code = tx
        .get::<warehouses::Warehouse>(s.warehouse_id)?
        .map(|w| w.data.code)
        .unwrap_or_default();
    let v = ShipmentView {
        id: r.id,
        order_number,
        customer_name,
        owner_name: names(tx, s.owner_id)?.into_values().next(),
        status_name: s.status.name(p.lang).to_string(),
        warehouse_code,
        totals: totals(&s.lines),
        total_amount: s
            .lines
            .iter()
            .map(|l| l.amount)
            .sum::<Decimal>()
            .to_string(),
        number: s.number,
        order_id: s.order_id,
        customer_id: s.customer_id,
        owner_id: s.owner_id,
        status: s.status,
        mode: s.mode,
        carrier: s.carrier,
        booking_no: s.booking_no,
        containers: s.containers,
        port_of_loading: s.port_of_loading,
        port_of_discharge: s.port_of_discharge,
        etd: s.etd,
        eta: s.eta,
        atd: s.atd,
        ata: s.ata,
        delivered_on: s.delivered_on,
        bl_no: s.bl_no,
        bl_date: s.bl_date,
        warehouse_id: s.warehouse_id,
        currency: s.currency,
        lines: s.lines,
        posted: s.posted,
        tracking_no: s.tracking_no,
        events: s.events,
        note: s.note,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    };
    guard::show(p, Shipment::HIDDEN, &v)
}

// ---- rules -----------------------------------------------------------------------------------

/// How much of each order line the order's other live shipments (not cancelled) hold.
fn held_by_others(
    tx: &Tx,
    order_id: u64,
    except: Option<u64>,
) -> AppResult<BTreeMap<usize, Decimal>> {
    let mut out: BTreeMap<usize, Decimal> = BTreeMap::new();
    for id in tx.ids_by_index::<Shipment>("order", &IndexKey::new().u64(order_id), false)? {
        if Some(id) == except {
            continue;
        }
        let Ok(s) = tx.get_live::<Shipment>(id) else {
            continue;
        };
        if s.data.status == ShipmentStatus::Cancelled {
            continue;
        }
        for l in &s.data.lines {
            *out.entry(l.order_line).or_default() += l.quantity;
        }
    }
    Ok(out)
}

fn ships(status: OrderStatus) -> bool {
    matches!(status, OrderStatus::Confirmed | OrderStatus::InProduction)
}

/// The lines of a shipment of `order`, checked against what its other shipments hold.
fn make_lines(
    tx: &Tx,
    order_id: u64,
    order: &SalesOrder,
    except: Option<u64>,
    input: Option<Vec<ShipmentLineInput>>,
) -> AppResult<Vec<ShipmentLine>> {
    let held = held_by_others(tx, order_id, except)?;
    let open = |i: usize| order.lines[i].quantity - held.get(&i).copied().unwrap_or_default();
    let input = match input {
        Some(v) => v,
        None => (0..order.lines.len())
            .filter(|i| open(*i) > Decimal::ZERO)
            .map(|i| ShipmentLineInput {
                order_line: i,
                quantity: None,
                packed: None,
            })
            .collect(),
    };
    if input.is_empty() {
        return Err(invalid(
            "lines",
            format!("订单 {} 已没有待出运的数量。", order.number),
            format!("Nothing of order {} is left to ship.", order.number),
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    let mut out = Vec::new();
    for (n, li) in input.into_iter().enumerate() {
        let field = format!("lines[{n}]");
        let Some(ol) = order.lines.get(li.order_line) else {
            return Err(invalid(
                &format!("{field}.order_line"),
                format!("订单 {} 没有第 {} 行。", order.number, li.order_line + 1),
                format!("Order {} has no line {}.", order.number, li.order_line + 1),
            ));
        };
        if !seen.insert(li.order_line) {
            return Err(invalid(
                &format!("{field}.order_line"),
                format!("订单第 {} 行出现了两次。", li.order_line + 1),
                format!("Order line {} is given twice.", li.order_line + 1),
            ));
        }
        let left = open(li.order_line);
        let q = match li.quantity {
            Some(q) => quantity(&format!("{field}.quantity"), q)?,
            None => left,
        };
        if q > left || q <= Decimal::ZERO {
            let name = ol.sku.clone().unwrap_or_else(|| ol.description.clone());
            return Err(conflict(
                &format!("{field}.quantity"),
                format!(
                    "订单第 {} 行（{name}）只剩 {} 未出运，不能出运 {}。",
                    li.order_line + 1,
                    qty(left.max(Decimal::ZERO)),
                    qty(q)
                ),
                format!(
                    "Order line {} ({name}) has only {} left to ship, not {}.",
                    li.order_line + 1,
                    qty(left.max(Decimal::ZERO)),
                    qty(q)
                ),
            ));
        }
        let product = match ol.product_id {
            Some(pid) => tx.get::<Product>(pid)?.map(|p| p.data),
            None => None,
        };
        let computed = product
            .as_ref()
            .map(|p| packing::pack(q, &p.packing))
            .unwrap_or_default();
        let by_hand = li.packed.is_some();
        let packed = li.packed.unwrap_or(computed);
        check_packed(&format!("{field}.packed"), &packed)?;
        let gross = q * ol.unit_price;
        let discount = ol
            .discount_percent
            .map(|d| gross * d / Decimal::from(100))
            .unwrap_or_default();
        out.push(ShipmentLine {
            order_line: li.order_line,
            product_id: ol.product_id,
            sku: ol.sku.clone(),
            description: ol.description.clone(),
            hs_code: ol.hs_code.clone(),
            quantity: q,
            unit: ol.unit.clone(),
            unit_price: ol.unit_price,
            amount: crate::domain::sales::lines::round(gross - discount, order.currency),
            packed,
            packed_by_hand: by_hand,
        });
    }
    Ok(out)
}

fn check_packed(field: &str, p: &Packed) -> AppResult<()> {
    for (name, v) in [
        ("gross_kg", p.gross_kg),
        ("net_kg", p.net_kg),
        ("cbm", p.cbm),
        ("last_carton_units", p.last_carton_units),
    ] {
        if v.is_some_and(|v| v < Decimal::ZERO || v > Decimal::from(stock_max())) {
            return Err(invalid(
                &format!("{field}.{name}"),
                "不能为负数或过大。".into(),
                "It may not be negative or that large.".into(),
            ));
        }
    }
    Ok(())
}

fn stock_max() -> i64 {
    crate::domain::goods::MAX_QUANTITY
}

fn text(field: &str, v: Option<String>) -> AppResult<Option<String>> {
    validate::optional_text(field, v.as_deref(), 200)
}

fn check_containers(containers: &[Container]) -> AppResult<()> {
    for (i, c) in containers.iter().enumerate() {
        let n = c.number.trim();
        if n.is_empty() || n.len() > 20 {
            return Err(invalid(
                &format!("containers[{i}].number"),
                "请填写箱号（最多 20 个字符）。".into(),
                "Give the container number (at most 20 characters).".into(),
            ));
        }
    }
    Ok(())
}

fn check_dates(s: &Shipment) -> AppResult<()> {
    if let (Some(d), Some(a)) = (s.etd, s.eta)
        && a < d
    {
        return Err(invalid(
            "eta",
            "预计到港日不能早于预计离港日。".into(),
            "The ETA cannot be before the ETD.".into(),
        ));
    }
    Ok(())
}

/// Applies the plain fields of `input` (not lines, order or status) and tells the order of a
/// booking number first set and a B/L date entered.
fn apply(
    tx: &mut Tx,
    s: &mut Shipment,
    input: &ShipmentInput,
    today: NaiveDate,
) -> AppResult<Vec<(OrderEvent, NaiveDate)>> {
    let mut events = Vec::new();
    if let Some(m) = input.mode {
        s.mode = m;
    }
    if input.carrier.is_some() {
        s.carrier = text("carrier", input.carrier.clone())?;
    }
    if input.booking_no.is_some() {
        let b = text("booking_no", input.booking_no.clone())?;
        if s.booking_no.is_none() && b.is_some() {
            events.push((OrderEvent::Booked, today));
        }
        s.booking_no = b;
    }
    if let Some(c) = &input.containers {
        check_containers(c)?;
        s.containers = c
            .iter()
            .map(|c| Container {
                number: c.number.trim().to_uppercase(),
                kind: c.kind,
            })
            .collect();
    }
    if input.port_of_loading.is_some() {
        s.port_of_loading = text("port_of_loading", input.port_of_loading.clone())?;
    }
    if input.port_of_discharge.is_some() {
        s.port_of_discharge = text("port_of_discharge", input.port_of_discharge.clone())?;
    }
    if input.etd.is_some() {
        s.etd = input.etd;
    }
    if input.eta.is_some() {
        s.eta = input.eta;
    }
    if input.ata.is_some() {
        s.ata = input.ata;
    }
    if input.bl_no.is_some() {
        s.bl_no = text("bl_no", input.bl_no.clone())?;
    }
    if let Some(d) = input.bl_date {
        if s.bl_date != Some(d) {
            events.push((OrderEvent::BlIssued, d));
        }
        s.bl_date = Some(d);
    }
    if input.tracking_no.is_some() {
        s.tracking_no = text("tracking_no", input.tracking_no.clone())?;
    }
    if input.note.is_some() {
        s.note = validate::optional_text("note", input.note.as_deref(), 2000)?;
    }
    check_dates(s)?;
    let _ = tx;
    Ok(events)
}

/// Tells the order what happened, and keeps the dates its payment plan hangs on (B/L date,
/// ETA, delivery) where the order has none yet.
pub(crate) fn tell_order(
    tx: &mut Tx,
    actor: &Actor,
    s: &Shipment,
    events: &[(OrderEvent, NaiveDate)],
) -> AppResult<()> {
    let Ok(o) = tx.get_live::<SalesOrder>(s.order_id) else {
        return Ok(());
    };
    let dates = &o.data.dates;
    let bl = dates.bl_date.is_none() && s.bl_date.is_some();
    let eta = s.eta.is_some() && dates.eta != s.eta && dates.delivered.is_none();
    let delivered = dates.delivered.is_none() && s.delivered_on.is_some();
    if bl || eta || delivered {
        tx.update::<SalesOrder, AppError>(actor, s.order_id, None, |o| {
            if bl {
                o.dates.bl_date = s.bl_date;
            }
            if eta {
                o.dates.eta = s.eta;
            }
            if delivered {
                o.dates.delivered = s.delivered_on;
            }
            Ok(())
        })?;
    }
    for (e, on) in events {
        order_events::happened(tx, s.order_id, *e, *on)?;
    }
    Ok(())
}

// ---- operations ------------------------------------------------------------------------------

pub fn create(k: &Kontor, p: &Principal, input: ShipmentInput) -> AppResult<serde_json::Value> {
    p.require(Module::Logistics, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let order_id = input
            .order_id
            .ok_or_else(|| AppError::required("order_id"))?;
        let order = guard::open::<SalesOrder>(tx, p, order_id, Action::Read)
            .map_err(|e| e.on_field("order_id"))?;
        if !ships(order.data.status) {
            return Err(conflict(
                "order_id",
                format!(
                    "订单 {} 的状态是「{}」，只有已确认或生产中的订单可以出运。",
                    order.data.number,
                    order.data.status.name(Lang::Zh)
                ),
                format!(
                    "Order {} is {}; only confirmed orders or orders in production are shipped.",
                    order.data.number,
                    order.data.status.name(Lang::En)
                ),
            ));
        }
        let today = company_today(tx, tx.now())?;
        let warehouse_id = match input.warehouse_id {
            Some(w) => warehouses::find(tx, "warehouse_id", w)?.id,
            None => main_warehouse(tx)?,
        };
        let lines = make_lines(tx, order_id, &order.data, None, input.lines.clone())?;
        let number = tx.next_document_number("SH", today.year())?;
        let mut s = Shipment {
            number,
            order_id,
            customer_id: order.data.customer_id,
            owner_id: order.data.owner_id,
            status: ShipmentStatus::Planned,
            mode: input.mode.unwrap_or(Mode::Sea),
            carrier: None,
            booking_no: None,
            containers: vec![],
            port_of_loading: None,
            port_of_discharge: None,
            etd: None,
            eta: None,
            atd: None,
            ata: None,
            delivered_on: None,
            bl_no: None,
            bl_date: None,
            warehouse_id,
            currency: order.data.currency,
            lines,
            posted: vec![],
            tracking_no: None,
            events: vec![],
            note: None,
        };
        let events = apply(tx, &mut s, &input, today)?;
        let r = guard::insert(tx, p, s)?;
        tell_order(tx, &p.actor(), &r.data, &events)?;
        view(tx, p, r)
    })
}

fn main_warehouse(tx: &Tx) -> AppResult<u64> {
    let all = warehouses::all(tx)?;
    all.iter()
        .find(|w| w.data.main && w.data.active)
        .or_else(|| all.iter().find(|w| w.data.active))
        .map(|w| w.id)
        .ok_or_else(|| {
            invalid(
                "warehouse_id",
                "还没有仓库，请先建一个。".into(),
                "There is no warehouse yet: make one first.".into(),
            )
        })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<Shipment>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    version: Option<u64>,
    input: ShipmentInput,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<Shipment>(tx, p, id, Action::Update)?;
        if input.order_id.is_some_and(|o| o != current.data.order_id) {
            return Err(invalid(
                "order_id",
                "出运单不能换到另一个订单。".into(),
                "A shipment cannot move to another order.".into(),
            ));
        }
        if current.data.status == ShipmentStatus::Cancelled {
            return Err(conflict(
                "status",
                "出运单已取消，不能再修改。".into(),
                "The shipment is cancelled and cannot change.".into(),
            ));
        }
        let today = company_today(tx, tx.now())?;
        let mut s = current.data.clone();
        if let Some(w) = input.warehouse_id
            && w != s.warehouse_id
        {
            if s.status.gone() {
                return Err(conflict(
                    "warehouse_id",
                    "货已出库，不能再换仓库。".into(),
                    "The goods have left: the warehouse cannot change.".into(),
                ));
            }
            s.warehouse_id = warehouses::find(tx, "warehouse_id", w)?.id;
        }
        if input.lines.is_some() {
            if s.status != ShipmentStatus::Planned {
                return Err(conflict(
                    "lines",
                    "货已出库，不能再改明细。".into(),
                    "The goods have left: the lines cannot change.".into(),
                ));
            }
            let order = tx.get_live::<SalesOrder>(s.order_id)?;
            s.lines = make_lines(tx, s.order_id, &order.data, Some(id), input.lines.clone())?;
        }
        let events = apply(tx, &mut s, &input, today)?;
        let r = tx.update::<Shipment, AppError>(&p.actor(), id, version, |x| {
            *x = s;
            Ok(())
        })?;
        tell_order(tx, &p.actor(), &r.data, &events)?;
        view(tx, p, r)
    })
}

fn source(tx: &Tx, order_id: u64) -> AppResult<SourceRef> {
    let label = tx.get::<SalesOrder>(order_id)?.map(|o| o.data.number);
    Ok(SourceRef::new(SalesOrder::KIND, order_id, label))
}

/// Ships a planned shipment: its catalogue lines leave its warehouse as `shipment` moves of
/// the order (consuming the order's reservation there first), the order's reservation is
/// brought in line, and the order hears it was loaded. An order all of whose lines have left
/// becomes shipped.
pub fn ship(
    k: &Kontor,
    p: &Principal,
    id: u64,
    version: Option<u64>,
    input: ShipInput,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<Shipment>(tx, p, id, Action::Update)?;
        if current.data.status != ShipmentStatus::Planned {
            return Err(conflict(
                "status",
                format!(
                    "出运单 {} 的状态是「{}」，不能再出运。",
                    current.data.number,
                    current.data.status.name(Lang::Zh)
                ),
                format!(
                    "Shipment {} is {}; it cannot ship again.",
                    current.data.number,
                    current.data.status.name(Lang::En)
                ),
            ));
        }
        let actor = p.actor();
        let today = company_today(tx, tx.now())?;
        let date = input.date.unwrap_or(today);
        let s = &current.data;
        let order = tx.get_live::<SalesOrder>(s.order_id)?;
        let src = source(tx, s.order_id)?;
        let mut posted = Vec::new();
        // An order marked shipped by hand had its reserved stock taken out then
        // (`reservations::sync_order`): its shipments post nothing more.
        if ships(order.data.status) {
            let mut per_product: BTreeMap<u64, (usize, Decimal)> = BTreeMap::new();
            for (n, l) in s.lines.iter().enumerate() {
                if let Some(pid) = l.product_id {
                    let e = per_product.entry(pid).or_insert((n, Decimal::ZERO));
                    e.1 += l.quantity;
                }
            }
            for (pid, (n, q)) in per_product {
                let field = format!("lines[{n}]");
                let base = StockMove {
                    move_type: MoveType::Shipment,
                    product_id: pid,
                    warehouse_id: s.warehouse_id,
                    to_warehouse_id: None,
                    quantity: q,
                    outward: true,
                    source: Some(src.clone()),
                    date,
                    note: Some(s.number.clone()),
                };
                let held = reserved_by(tx, &src)?
                    .get(&(pid, s.warehouse_id))
                    .copied()
                    .unwrap_or_default();
                let consumed = held.min(q);
                if consumed > Decimal::ZERO {
                    let release = StockMove {
                        move_type: MoveType::Release,
                        quantity: consumed,
                        outward: false,
                        ..base.clone()
                    };
                    stock::post(tx, &actor, &field, release)?;
                }
                stock::post(tx, &actor, &field, base)?;
                posted.push(Posted {
                    product_id: pid,
                    warehouse_id: s.warehouse_id,
                    quantity: q,
                });
            }
        }
        let r = tx.update::<Shipment, AppError>(&actor, id, version, |x| {
            x.status = ShipmentStatus::Shipped;
            x.atd = Some(date);
            x.posted = posted;
            Ok(())
        })?;
        // Everything of the order has left: the order is shipped.
        let all_gone = {
            let gone = gone_per_line(tx, s.order_id)?;
            order
                .data
                .lines
                .iter()
                .enumerate()
                .all(|(i, l)| gone.get(&i).copied().unwrap_or_default() >= l.quantity)
        };
        let order = if all_gone && ships(order.data.status) {
            tx.update::<SalesOrder, AppError>(&actor, s.order_id, None, |o| {
                o.status = OrderStatus::Shipped;
                Ok(())
            })?
        } else {
            order
        };
        reservations::sync_order(tx, &actor, s.order_id, Some(&order.data))?;
        tell_order(tx, &actor, &r.data, &[(OrderEvent::Loaded, date)])?;
        view(tx, p, r)
    })
}

/// What of each order line has left on shipments (shipped or later).
fn gone_per_line(tx: &Tx, order_id: u64) -> AppResult<BTreeMap<usize, Decimal>> {
    let mut out: BTreeMap<usize, Decimal> = BTreeMap::new();
    for id in tx.ids_by_index::<Shipment>("order", &IndexKey::new().u64(order_id), false)? {
        let Ok(s) = tx.get_live::<Shipment>(id) else {
            continue;
        };
        if s.data.status.gone() {
            for l in &s.data.lines {
                *out.entry(l.order_line).or_default() += l.quantity;
            }
        }
    }
    Ok(out)
}

/// Cancels a shipment; one whose goods had left puts them back with `return` moves into the
/// warehouse they left, and the order's reservation is brought in line.
pub fn cancel(
    k: &Kontor,
    p: &Principal,
    id: u64,
    version: Option<u64>,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<Shipment>(tx, p, id, Action::Update)?;
        let s = &current.data;
        if matches!(
            s.status,
            ShipmentStatus::Cancelled | ShipmentStatus::Delivered
        ) {
            return Err(conflict(
                "status",
                format!(
                    "出运单 {} 的状态是「{}」，不能取消。",
                    s.number,
                    s.status.name(Lang::Zh)
                ),
                format!(
                    "Shipment {} is {}; it cannot be cancelled.",
                    s.number,
                    s.status.name(Lang::En)
                ),
            ));
        }
        let actor = p.actor();
        let today = company_today(tx, tx.now())?;
        let src = source(tx, s.order_id)?;
        for (n, m) in s.posted.iter().enumerate() {
            stock::post(
                tx,
                &actor,
                &format!("posted[{n}]"),
                StockMove {
                    move_type: MoveType::Return,
                    product_id: m.product_id,
                    warehouse_id: m.warehouse_id,
                    to_warehouse_id: None,
                    quantity: m.quantity,
                    outward: false,
                    source: Some(src.clone()),
                    date: today,
                    note: Some(s.number.clone()),
                },
            )?;
        }
        let r = tx.update::<Shipment, AppError>(&actor, id, version, |x| {
            x.status = ShipmentStatus::Cancelled;
            Ok(())
        })?;
        // An order shipped only by this shipment is open again.
        let mut order = tx.get_live::<SalesOrder>(s.order_id)?;
        if !s.posted.is_empty() && order.data.status == OrderStatus::Shipped {
            order = tx.update::<SalesOrder, AppError>(&actor, s.order_id, None, |o| {
                o.status = OrderStatus::Confirmed;
                Ok(())
            })?;
        }
        reservations::sync_order(tx, &actor, s.order_id, Some(&order.data))?;
        view(tx, p, r)
    })
}

/// Moves a shipped shipment on: in transit, arrived (actual arrival) or delivered.
pub fn progress(
    k: &Kontor,
    p: &Principal,
    id: u64,
    version: Option<u64>,
    input: ProgressInput,
) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        guard::open::<Shipment>(tx, p, id, Action::Update)?;
        let today = company_today(tx, tx.now())?;
        let r = advance(
            tx,
            &p.actor(),
            id,
            version,
            input.status,
            input.date.unwrap_or(today),
        )?;
        view(tx, p, r)
    })
}

/// The shipment moved on to `status` on `on` (from the screens or a tracking event); a step
/// back is ignored, a planned or cancelled shipment refused.
pub(crate) fn advance(
    tx: &mut Tx,
    actor: &Actor,
    id: u64,
    version: Option<u64>,
    status: ShipmentStatus,
    on: NaiveDate,
) -> AppResult<Record<Shipment>> {
    let current = tx.get_live::<Shipment>(id)?;
    let rank = |s: ShipmentStatus| match s {
        ShipmentStatus::Shipped => 1,
        ShipmentStatus::InTransit => 2,
        ShipmentStatus::Arrived => 3,
        ShipmentStatus::Delivered => 4,
        _ => 0,
    };
    if rank(status) < 2 {
        return Err(invalid(
            "status",
            "只能改为运输中、已到港或已签收。".into(),
            "The status can only move to in transit, arrived or delivered.".into(),
        ));
    }
    if !current.data.status.gone() {
        return Err(conflict(
            "status",
            format!("出运单 {} 还没有出运。", current.data.number),
            format!("Shipment {} has not shipped.", current.data.number),
        ));
    }
    if rank(status) <= rank(current.data.status) {
        return Ok(current);
    }
    let mut events = Vec::new();
    let r = tx.update::<Shipment, AppError>(actor, id, version, |s| {
        s.status = status;
        if rank(status) >= 3 && s.ata.is_none() {
            s.ata = Some(on);
        }
        if status == ShipmentStatus::Delivered {
            s.delivered_on = Some(on);
            events.push((OrderEvent::Delivered, on));
        }
        Ok(())
    })?;
    tell_order(tx, actor, &r.data, &events)?;
    Ok(r)
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ShipmentQuery {
    pub order_id: Option<u64>,
    pub status: Option<ShipmentStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// The shipments the caller reads, newest first.
pub fn list(k: &Kontor, p: &Principal, q: ShipmentQuery) -> AppResult<List<serde_json::Value>> {
    k.store.read(|tx| {
        let source = match q.order_id {
            Some(o) => Source::key("order", IndexKey::new().u64(o)),
            None => Source::All,
        };
        let query = Query::<Shipment>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.status.is_some(), |r| Some(r.data.status) == q.status);
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, r))
    })
}

/// The shipments of an order (for the buyer's page and the documents).
pub fn of_order(tx: &Tx, order_id: u64) -> AppResult<Vec<Record<Shipment>>> {
    let mut out = Vec::new();
    for id in tx.ids_by_index::<Shipment>("order", &IndexKey::new().u64(order_id), false)? {
        if let Ok(r) = tx.get_live::<Shipment>(id) {
            out.push(r);
        }
    }
    Ok(out)
}
