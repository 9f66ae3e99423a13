//! Purchase orders (INV-4), numbered PO-YYYY-NNNN: a supplier, lines (product, quantity, unit
//! price in the PO's currency), the rate of the order date, due date, payment terms, an
//! optional destination warehouse and an optional sales order they are bought for.
//! Status: draft → confirmed → partially_received → received, or cancelled (before anything
//! was received). Receipts with inspection are in `receiving`.
//!
//! A purchase order follows its supplier's portal login once confirmed (a draft is the
//! buyer's business, read with scope `all` only), so the supplier sees its own confirmed
//! orders and nothing else. Prices and amounts are supplier prices: hidden from roles that
//! hide that class (warehouse, logistics and sales reps).

use std::collections::BTreeMap;

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::receiving::{self, PoReceipt};
use super::suppliers::{self, Supplier};
use super::{conflict, invalid, quantity, warehouses};
use crate::auth::{Action, FieldClass, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, needle};
use crate::domain::money::{Currency, Money};
use crate::domain::sales::lines;
use crate::domain::sales::orders::SalesOrder;
use crate::domain::sales::products::Product;
use crate::domain::sales::rates::{self, RateUsed};
use crate::domain::validate;
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta, Record, Tx};

pub use receiving::{SupplierFigures, figures};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum PoStatus {
    Draft,
    Confirmed,
    PartiallyReceived,
    Received,
    Cancelled,
}

impl PoStatus {
    /// Goods still to come in.
    pub fn is_open(self) -> bool {
        matches!(self, PoStatus::Confirmed | PoStatus::PartiallyReceived)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct PoLine {
    pub product_id: u64,
    pub sku: String,
    pub description: String,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "500")]
    pub quantity: Decimal,
    /// Per unit in the order's currency (a supplier price).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "12.35")]
    pub unit_price: Decimal,
    /// Quantity × unit price, rounded (a supplier price).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Passed inspection and taken into stock.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub received: Decimal,
    /// Refused at inspection (sent back, not in stock).
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub rejected: Decimal,
}

impl PoLine {
    /// Still to come (never below zero).
    pub fn open_quantity(&self) -> Decimal {
        (self.quantity - self.received).max(Decimal::ZERO)
    }
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct PurchaseOrder {
    pub number: String,
    pub supplier_id: u64,
    /// The supplier's portal login while the order is past draft.
    pub owner_id: Option<u64>,
    pub status: PoStatus,
    pub currency: Currency,
    pub lines: Vec<PoLine>,
    pub order_date: NaiveDate,
    /// The rate of the order date, frozen.
    pub rate: RateUsed,
    /// When the goods are due in the warehouse.
    pub due_date: Option<NaiveDate>,
    pub payment_terms: Option<String>,
    /// Where the goods are to be received (incoming stock is counted there).
    pub warehouse_id: Option<u64>,
    /// The sales order the goods are bought for (demand); its actual costs get the received value.
    pub sales_order_id: Option<u64>,
    /// For a purchase request raised by a shortfall: the latest day to order and still meet
    /// the customer's delivery date.
    pub latest_order_date: Option<NaiveDate>,
    pub note: Option<String>,
    pub receipts: Vec<PoReceipt>,
}

impl PurchaseOrder {
    pub fn total(&self) -> Money {
        Money::new(self.lines.iter().map(|l| l.amount).sum(), self.currency)
    }
}

impl Entity for PurchaseOrder {
    const KIND: &'static str = "purchase_order";
    const SEARCHABLE: bool = true;
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] = &[
        ("lines[].unit_price", "supplier_price"),
        ("lines[].amount", "supplier_price"),
    ];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("supplier", |o: &PurchaseOrder| {
                vec![IndexKey::new().u64(o.supplier_id)]
            })
            .keep_deleted(),
            IndexDef::many("owner", |o: &PurchaseOrder| {
                vec![IndexKey::new().u64(o.owner_id.unwrap_or(0))]
            })
            .counted(),
            IndexDef::unique("number", "number", |o: &PurchaseOrder| {
                vec![IndexKey::new().str(&o.number)]
            }),
            // Products still to come in (open orders only): incoming stock.
            IndexDef::many("incoming", |o: &PurchaseOrder| {
                if !o.status.is_open() {
                    return Vec::new();
                }
                let mut keys: Vec<IndexKey> = o
                    .lines
                    .iter()
                    .filter(|l| l.open_quantity() > Decimal::ZERO)
                    .map(|l| IndexKey::new().u64(l.product_id))
                    .collect();
                keys.sort();
                keys.dedup();
                keys
            }),
            IndexDef::many("sales_order", |o: &PurchaseOrder| {
                o.sales_order_id
                    .map(|s| IndexKey::new().u64(s))
                    .into_iter()
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
    /// The number and the lines' SKUs and descriptions; never prices.
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        Some(SearchDoc {
            title: self.number.clone(),
            subtitle: String::new(),
            text: self.lines.iter().map(|l| l.description.clone()).collect(),
            exact: vec![self.number.clone()],
            owner: self.owner_id,
        })
    }
}

impl Guarded for PurchaseOrder {
    const MODULE: Module = Module::Purchasing;
    const OWNER: Owner = Owner::Parent("supplier");
    const PARENT_INDEX: &'static str = "supplier";
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[
        ("lines[].unit_price", FieldClass::SupplierPrice),
        ("lines[].amount", FieldClass::SupplierPrice),
        ("total", FieldClass::SupplierPrice),
        ("total_base", FieldClass::SupplierPrice),
    ];
    fn readable_unowned(&self, _tx: &Tx, p: &Principal) -> AppResult<bool> {
        Ok(p.scope(Module::Purchasing, Action::Read) == Scope::All)
    }
    /// Confirmed orders follow the supplier's portal login; drafts stay the buyers'.
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.status != PoStatus::Draft && self.owner_id == previous
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PoView {
    pub id: u64,
    pub number: String,
    pub supplier_id: u64,
    pub supplier_name: String,
    pub status: PoStatus,
    pub currency: Currency,
    pub lines: Vec<PoLine>,
    /// Absent for roles that hide supplier prices.
    pub total: Money,
    /// The total in the base currency at the order date's rate (hidden with the prices).
    pub total_base: Money,
    pub rate: RateUsed,
    pub order_date: NaiveDate,
    pub due_date: Option<NaiveDate>,
    pub payment_terms: Option<String>,
    pub warehouse_id: Option<u64>,
    pub sales_order_id: Option<u64>,
    /// Its number, when the caller reads that order.
    pub sales_order_number: Option<String>,
    pub latest_order_date: Option<NaiveDate>,
    pub note: Option<String>,
    pub receipts: Vec<PoReceipt>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

pub fn view(tx: &Tx, p: &Principal, r: Record<PurchaseOrder>) -> AppResult<serde_json::Value> {
    let o = r.data;
    let supplier_name = tx
        .get::<Supplier>(o.supplier_id)?
        .map(|s| s.data.name)
        .unwrap_or_default();
    let sales_order_number = match o.sales_order_id {
        Some(id) => guard::open::<SalesOrder>(tx, p, id, Action::Read)
            .ok()
            .map(|r| r.data.number),
        None => None,
    };
    let total = o.total();
    let v = PoView {
        id: r.id,
        number: o.number,
        supplier_id: o.supplier_id,
        supplier_name,
        status: o.status,
        currency: o.currency,
        total,
        total_base: Money::new(o.rate.to_base(total.amount), o.rate.base),
        rate: o.rate,
        lines: o.lines,
        order_date: o.order_date,
        due_date: o.due_date,
        payment_terms: o.payment_terms,
        warehouse_id: o.warehouse_id,
        sales_order_id: o.sales_order_id,
        sales_order_number,
        latest_order_date: o.latest_order_date,
        note: o.note,
        receipts: o.receipts,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    };
    guard::show(p, PurchaseOrder::HIDDEN, &v)
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoLineInput {
    pub product_id: u64,
    #[schema(value_type = String, example = "500")]
    #[serde(with = "rust_decimal::serde::str")]
    pub quantity: Decimal,
    /// The supplier's price for the product (in the order's currency) when not given.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "12.35")]
    pub unit_price: Option<Decimal>,
    pub description: Option<String>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoInput {
    /// Required on create; cannot change.
    pub supplier_id: Option<u64>,
    /// The supplier's currency when not given.
    pub currency: Option<String>,
    pub lines: Option<Vec<PoLineInput>>,
    /// Today when not given.
    pub order_date: Option<NaiveDate>,
    pub due_date: Option<NaiveDate>,
    /// The supplier's when not given.
    pub payment_terms: Option<String>,
    pub warehouse_id: Option<u64>,
    pub sales_order_id: Option<u64>,
    pub note: Option<String>,
    /// `confirmed` (from draft) or `cancelled` (before anything was received).
    pub status: Option<PoStatus>,
    pub version: Option<u64>,
}

/// A role that hides supplier prices may not set them.
fn refuse_hidden(p: &Principal, input: &PoInput) -> AppResult<()> {
    let priced = input.lines.iter().flatten().any(|l| l.unit_price.is_some());
    if priced && p.hides(FieldClass::SupplierPrice) {
        let class = FieldClass::SupplierPrice;
        return Err(AppError::forbidden().on_field("lines").with_msg(Msg::new(
            format!("你的角色看不到“{}”，不能修改它。", class.name(Lang::Zh)),
            format!(
                "Your role does not see “{}” and cannot change it.",
                class.name(Lang::En)
            ),
        )));
    }
    Ok(())
}

fn build_lines(
    tx: &Tx,
    supplier: &Supplier,
    currency: Currency,
    inputs: &[PoLineInput],
) -> AppResult<Vec<PoLine>> {
    if inputs.is_empty() {
        return Err(AppError::required("lines"));
    }
    let mut out = Vec::with_capacity(inputs.len());
    for (i, l) in inputs.iter().enumerate() {
        let f = |x: &str| format!("lines[{i}].{x}");
        let product: Record<Product> = super::stock::product(tx, &f("product_id"), l.product_id)?;
        let q = quantity(&f("quantity"), l.quantity)?;
        let unit_price = match l.unit_price {
            Some(p) => p,
            None => match supplier.price_for(l.product_id) {
                Some(e) if e.price.currency == currency => e.price.amount,
                _ => {
                    return Err(invalid(
                        &f("unit_price"),
                        format!(
                            "供应商没有 {} 的 {currency} 报价：请填写单价。",
                            product.data.sku
                        ),
                        format!(
                            "The supplier has no {currency} price for {}: give the unit price.",
                            product.data.sku
                        ),
                    ));
                }
            },
        };
        if unit_price.is_sign_negative() {
            return Err(invalid(
                &f("unit_price"),
                "单价不能为负数。".into(),
                "The unit price cannot be negative.".into(),
            ));
        }
        let description = match &l.description {
            Some(d) => validate::text(&f("description"), d, 500)?,
            None => product.data.name(Lang::En).to_string(),
        };
        out.push(PoLine {
            product_id: l.product_id,
            sku: product.data.sku.clone(),
            description,
            quantity: q,
            unit_price,
            amount: lines::round(q * unit_price, currency),
            received: Decimal::ZERO,
            rejected: Decimal::ZERO,
        });
    }
    Ok(out)
}

fn apply(
    tx: &Tx,
    p: &Principal,
    o: &mut PurchaseOrder,
    supplier: &Supplier,
    input: &PoInput,
    new: bool,
) -> AppResult<()> {
    let draft = o.status == PoStatus::Draft;
    let money_change = [
        ("currency", input.currency.is_some()),
        ("lines", input.lines.is_some()),
        ("order_date", input.order_date.is_some() && !new),
    ];
    if !draft && let Some((field, _)) = money_change.iter().find(|(_, set)| *set) {
        return Err(conflict(
            field,
            "采购订单已确认，行项目、币种和日期不能再改。".into(),
            "The purchase order is confirmed: its lines, currency and date cannot change.".into(),
        ));
    }
    if let Some(c) = &input.currency {
        o.currency = lines::currency("currency", c)?;
    }
    if let Some(d) = input.order_date {
        o.order_date = d;
    }
    if let Some(ls) = &input.lines {
        o.lines = build_lines(tx, supplier, o.currency, ls)?;
    } else if input.currency.is_some() {
        let again: Vec<PoLineInput> = o
            .lines
            .iter()
            .map(|l| PoLineInput {
                product_id: l.product_id,
                quantity: l.quantity,
                unit_price: Some(l.unit_price),
                description: Some(l.description.clone()),
            })
            .collect();
        o.lines = build_lines(tx, supplier, o.currency, &again)?;
    }
    if new || input.currency.is_some() || input.order_date.is_some() {
        o.rate = rates::rate_on(tx, o.currency, o.order_date, "currency")?;
    }
    if let Some(d) = input.due_date {
        if d < o.order_date {
            return Err(invalid(
                "due_date",
                "到货日期不能早于下单日期。".into(),
                "The due date cannot be before the order date.".into(),
            ));
        }
        o.due_date = Some(d);
    }
    if let Some(t) = &input.payment_terms {
        o.payment_terms = validate::optional_text("payment_terms", Some(t), 200)?;
    }
    if let Some(w) = input.warehouse_id {
        warehouses::find(tx, "warehouse_id", w)?;
        o.warehouse_id = Some(w);
    }
    if let Some(so) = input.sales_order_id {
        guard::open::<SalesOrder>(tx, p, so, Action::Read)
            .map_err(|e| e.on_field("sales_order_id"))?;
        o.sales_order_id = Some(so);
    }
    if let Some(n) = &input.note {
        o.note = validate::optional_text("note", Some(n), 2000)?;
    }
    Ok(())
}

/// The status change asked for, checked: draft → confirmed, draft/confirmed → cancelled.
fn step(o: &mut PurchaseOrder, supplier: &Supplier, to: PoStatus) -> AppResult<()> {
    let from = o.status;
    match (from, to) {
        (a, b) if a == b => Ok(()),
        (PoStatus::Draft, PoStatus::Confirmed) => {
            o.status = PoStatus::Confirmed;
            o.owner_id = supplier.portal_user_id;
            Ok(())
        }
        (PoStatus::Draft | PoStatus::Confirmed, PoStatus::Cancelled) if o.receipts.is_empty() => {
            o.status = PoStatus::Cancelled;
            Ok(())
        }
        _ => Err(conflict(
            "status",
            format!("采购订单 {} 不能从“{from:?}”改为“{to:?}”。", o.number),
            format!(
                "Purchase order {} cannot go from {from:?} to {to:?}.",
                o.number
            ),
        )),
    }
}

fn year_of(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year()
}

/// A supplier the caller reads and whose owner their create scope reaches (else 404/403).
fn supplier_for(tx: &Tx, p: &Principal, id: u64) -> AppResult<Record<Supplier>> {
    p.require(Module::Purchasing, Action::Create)?;
    let s = suppliers::open(tx, p, id, Action::Read)?;
    let scope = p.scope(Module::Purchasing, Action::Create);
    let reached = match s.data.portal_user_id {
        Some(owner) => p.reaches(scope, Some(owner)),
        None => scope == Scope::All,
    };
    if !reached {
        return Err(AppError::forbidden().on_field("supplier_id"));
    }
    Ok(s)
}

/// A new purchase order (a draft unless `status: confirmed` is given).
pub fn insert_new(tx: &mut Tx, p: &Principal, input: &PoInput) -> AppResult<Record<PurchaseOrder>> {
    let supplier_id = input
        .supplier_id
        .ok_or_else(|| AppError::required("supplier_id"))?;
    let supplier = supplier_for(tx, p, supplier_id)?;
    refuse_hidden(p, input)?;
    if input.lines.is_none() {
        return Err(AppError::required("lines"));
    }
    let today = company_today(tx, tx.now())?;
    let mut o = PurchaseOrder {
        number: String::new(),
        supplier_id,
        owner_id: None,
        status: PoStatus::Draft,
        currency: supplier.data.currency,
        lines: Vec::new(),
        order_date: today,
        rate: RateUsed {
            base: supplier.data.currency,
            rate: Decimal::ONE,
            date: None,
        },
        due_date: None,
        payment_terms: supplier.data.payment_terms.clone(),
        warehouse_id: None,
        sales_order_id: None,
        latest_order_date: None,
        note: None,
        receipts: Vec::new(),
    };
    apply(tx, p, &mut o, &supplier.data, input, true)?;
    if let Some(status) = input.status {
        step(&mut o, &supplier.data, status)?;
    }
    o.number = tx.next_document_number("PO", year_of(o.order_date))?;
    let r = guard::insert(tx, p, o)?;
    placed(tx, &r.data)?;
    Ok(r)
}

/// A placed (confirmed) purchase order for a sales order tells its follow-up nodes (SAL-5).
fn placed(tx: &mut Tx, o: &PurchaseOrder) -> AppResult<()> {
    match o.sales_order_id {
        Some(so) if o.status.is_open() => crate::domain::sales::order_events::happened(
            tx,
            so,
            crate::domain::sales::order_events::OrderEvent::MaterialsBought,
            o.order_date,
        ),
        _ => Ok(()),
    }
}

pub fn create(k: &Kontor, p: &Principal, input: PoInput) -> AppResult<serde_json::Value> {
    p.require(Module::Purchasing, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = insert_new(tx, &principal, &input)?;
        view(tx, &principal, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<PurchaseOrder>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

pub fn update(k: &Kontor, p: &Principal, id: u64, input: PoInput) -> AppResult<serde_json::Value> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<PurchaseOrder>(tx, p, id, Action::Update)?;
        refuse_hidden(p, &input)?;
        if input
            .supplier_id
            .is_some_and(|s| s != current.data.supplier_id)
        {
            return Err(invalid(
                "supplier_id",
                "采购订单的供应商不能更改。".into(),
                "A purchase order's supplier cannot change.".into(),
            ));
        }
        let supplier = tx.get_live::<Supplier>(current.data.supplier_id)?;
        let mut next = current.data.clone();
        if matches!(next.status, PoStatus::Received | PoStatus::Cancelled) {
            return Err(conflict(
                "status",
                format!("采购订单 {} 已结束，不能再改。", next.number),
                format!(
                    "Purchase order {} is closed and cannot change.",
                    next.number
                ),
            ));
        }
        apply(tx, p, &mut next, &supplier.data, &input, false)?;
        if let Some(status) = input.status {
            step(&mut next, &supplier.data, status)?;
        }
        let r = tx.update::<PurchaseOrder, AppError>(&p.actor(), id, input.version, |o| {
            *o = next;
            Ok(())
        })?;
        if r.data.status != current.data.status
            || r.data.sales_order_id != current.data.sales_order_id
        {
            placed(tx, &r.data)?;
        }
        view(tx, p, r)
    })
}

/// Drafts and cancelled orders without receipts may be deleted.
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let o = guard::open::<PurchaseOrder>(tx, &principal, id, Action::Delete)?;
        if !o.data.receipts.is_empty() || o.data.status.is_open() {
            return Err(conflict(
                "status",
                "已确认或已收货的采购订单不能删除；请先取消。".into(),
                "A confirmed or received purchase order cannot be deleted; cancel it first.".into(),
            ));
        }
        guard::delete::<PurchaseOrder>(tx, &principal, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PoQuery {
    pub supplier_id: Option<u64>,
    pub status: Option<PoStatus>,
    pub sales_order_id: Option<u64>,
    /// Number or a line's SKU or description contains this text.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub fn list(k: &Kontor, p: &Principal, q: PoQuery) -> AppResult<List<serde_json::Value>> {
    p.require(Module::Purchasing, Action::Read)?;
    let needle = needle(q.q.as_deref());
    k.store.read(|tx| {
        let source = match (q.supplier_id, q.sales_order_id) {
            (Some(s), _) => Source::key("supplier", IndexKey::new().u64(s)),
            (None, Some(so)) => Source::key("sales_order", IndexKey::new().u64(so)),
            (None, None) => Source::owners(
                "owner",
                match p.scope(Module::Purchasing, Action::Read) {
                    Scope::All => None,
                    scope => p.owners_in(scope),
                },
            ),
        };
        let query = Query::<PurchaseOrder>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.status.is_some(), |r| Some(r.data.status) == q.status)
            .filter_if(q.sales_order_id.is_some(), |r| {
                r.data.sales_order_id == q.sales_order_id
            })
            .filter_if(needle.is_some(), |r| {
                needle.as_deref().is_none_or(|n| {
                    let fold = crate::search::text::fold;
                    fold(&r.data.number).contains(n)
                        || r.data
                            .lines
                            .iter()
                            .any(|l| fold(&l.sku).contains(n) || fold(&l.description).contains(n))
                })
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, r))
    })
}

pub fn has_orders(tx: &Tx, supplier: u64) -> AppResult<bool> {
    Ok(!tx
        .ids_by_index::<PurchaseOrder>("supplier", &IndexKey::new().u64(supplier), false)?
        .is_empty())
}

/// Incoming stock: open purchase orders' quantities still to come, per (product, warehouse)
/// (the order's warehouse, else the main one, else 0 for "not yet assigned").
pub fn incoming(tx: &Tx, product: Option<u64>) -> AppResult<BTreeMap<(u64, u64), Decimal>> {
    let prefix = match product {
        Some(pid) => IndexKey::new().u64(pid),
        None => IndexKey::new(),
    };
    let mut ids = tx.ids_by_index::<PurchaseOrder>("incoming", &prefix, false)?;
    ids.sort_unstable();
    ids.dedup();
    let main = warehouses::all(tx)?
        .into_iter()
        .find(|w| w.data.main)
        .map(|w| w.id)
        .unwrap_or(0);
    let mut out: BTreeMap<(u64, u64), Decimal> = BTreeMap::new();
    for id in ids {
        let Ok(o) = tx.get_live::<PurchaseOrder>(id) else {
            continue;
        };
        let w = o.data.warehouse_id.unwrap_or(main);
        for l in &o.data.lines {
            if product.is_none_or(|p| p == l.product_id) && l.open_quantity() > Decimal::ZERO {
                *out.entry((l.product_id, w)).or_default() += l.open_quantity();
            }
        }
    }
    Ok(out)
}
