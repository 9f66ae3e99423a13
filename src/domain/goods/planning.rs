//! Purchase planning (INV-3): reorder rules per product and warehouse, a planning run that
//! suggests what to buy with the formula and its numbers on every line, and chosen lines turned
//! into draft purchase orders (one per supplier, currency of its price and warehouse, at the
//! supplier's price) in one
//! transaction.
//!
//! ## The formula, exactly
//!
//! For a rule of product P in warehouse W, run on day T (the company's today):
//!
//! - **lead time** L: the rule's override, else the chosen supplier's quoted lead time for P
//!   (its price's, else the supplier's), else 0; the **horizon** is T + L.
//! - **demand** D: only for the main warehouse (sales orders ship from it first; a rule of
//!   another warehouse plans from its own stock levels, with D = 0). The sum, over sales orders
//!   that are confirmed or in production and whose promised date is on or before the horizon
//!   (or that have none: due now), of each order's still-uncovered quantity of P: its lines'
//!   quantity of P − what was shipped for it (shipments less returns) − what it holds reserved
//!   from stock (any warehouse), never below 0 per order.
//! - **safety stock** S: the rule's.
//! - **on hand** H and **reserved** R: W's balance. Reserved stock belongs to orders, so what
//!   counts is H − R (an order's reserved part is already out of D).
//! - **incoming** I: what purchase orders still bring to W (confirmed or partly received: the
//!   open quantity; drafts: their quantity; an order without a warehouse counts for the main
//!   one). Drafts count so that a second run, or a purchase request raised by an order's
//!   shortfall at order entry (`availability::raise_requests`, a draft linked to that order),
//!   is not bought twice: the order's uncovered quantity is in D and the request's in I.
//! - **net** N = D + S − H + R − I.
//!
//! The suggested quantity Q then goes through these steps, each shown on the line when it
//! changes something:
//!
//! 1. Q = max(N, 0).
//! 2. **min**: when the position after ordering (H − R + I − D + Q) is below the rule's min,
//!    Q is raised to reach it.
//! 3. **max**: Q is cut so that the position does not go above the rule's max (never below 0).
//! 4. **pass rate** (when the inventory settings enable it and the supplier has inspected
//!    receipts with a pass rate under 100 %): Q = ⌈Q ÷ pass rate⌉ (rejects expected).
//! 5. **order multiple**: Q rounded up to a multiple of the rule's.
//! 6. **MOQ**: a Q above 0 below the supplier's minimum order quantity is raised to it (and
//!    to the multiple again). Rounding may take the position above max: the supplier's terms win.
//!
//! A line is suggested when Q > 0.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::purchase::{self, PoInput, PoLineInput, PoStatus, PurchaseOrder};
use super::stock::{self, MoveType, SourceRef};
use super::suppliers::{self, Supplier};
use super::warehouses::{self, Warehouse};
use super::{conflict, invalid, qty, quantity, settings};
use crate::auth::{Action, FieldClass, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::money::Money;
use crate::domain::sales::orders::{OrderStatus, SalesOrder};
use crate::domain::sales::products::Product;
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

/// A reorder rule: when and how much of a product to buy for a warehouse.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct ReorderRule {
    pub product_id: u64,
    pub warehouse_id: u64,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub min: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str_option")]
    pub max: Option<Decimal>,
    /// Quantities are rounded up to a multiple of this.
    #[serde(with = "rust_decimal::serde::str_option")]
    pub multiple: Option<Decimal>,
    #[serde(with = "rust_decimal::serde::str")]
    pub safety_stock: Decimal,
    /// The supplier to buy from; else the product's supplier with the shortest lead time.
    pub supplier_id: Option<u64>,
    /// Overrides the supplier's quoted lead time.
    pub lead_days: Option<u32>,
    pub active: bool,
}

impl Entity for ReorderRule {
    const KIND: &'static str = "reorder_rule";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::unique("product_warehouse", "product_id", |r: &ReorderRule| {
                vec![IndexKey::new().u64(r.product_id).u64(r.warehouse_id)]
            }),
            IndexDef::many("warehouse", |r: &ReorderRule| {
                vec![IndexKey::new().u64(r.warehouse_id)]
            }),
        ]
    }
    fn title(&self) -> String {
        format!("reorder rule #{}@{}", self.product_id, self.warehouse_id)
    }
}

impl Guarded for ReorderRule {
    const MODULE: Module = Module::Purchasing;
    const OWNER: Owner = Owner::Own;
    /// The buyers' business: read and changed with purchasing scope `all` only (never by the
    /// supplier's portal login, whose scope is its own); the operations require it first.
    fn readable_unowned(&self, _tx: &Tx, p: &Principal) -> AppResult<bool> {
        Ok(p.scope(Module::Purchasing, Action::Read) == Scope::All)
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RuleView {
    pub id: u64,
    pub product_id: u64,
    pub sku: String,
    pub warehouse_id: u64,
    pub warehouse_code: String,
    #[schema(value_type = Option<String>)]
    pub min: Option<String>,
    #[schema(value_type = Option<String>)]
    pub max: Option<String>,
    #[schema(value_type = Option<String>)]
    pub multiple: Option<String>,
    #[schema(value_type = String)]
    pub safety_stock: String,
    pub supplier_id: Option<u64>,
    pub supplier_name: Option<String>,
    pub lead_days: Option<u32>,
    pub active: bool,
    pub version: u64,
}

fn rule_view(tx: &Tx, r: Record<ReorderRule>) -> AppResult<RuleView> {
    let d = r.data;
    Ok(RuleView {
        id: r.id,
        product_id: d.product_id,
        sku: tx
            .get::<Product>(d.product_id)?
            .map(|p| p.data.sku)
            .unwrap_or_default(),
        warehouse_id: d.warehouse_id,
        warehouse_code: tx
            .get::<Warehouse>(d.warehouse_id)?
            .map(|w| w.data.code)
            .unwrap_or_default(),
        min: d.min.map(qty),
        max: d.max.map(qty),
        multiple: d.multiple.map(qty),
        safety_stock: qty(d.safety_stock),
        supplier_name: match d.supplier_id {
            Some(s) => tx.get::<Supplier>(s)?.map(|s| s.data.name),
            None => None,
        },
        supplier_id: d.supplier_id,
        lead_days: d.lead_days,
        active: d.active,
        version: r.meta.version,
    })
}

/// A rule's fields; `product_id` and `warehouse_id` required on create. An empty string clears
/// `min`, `max` or `multiple`; `supplier_id: 0` clears the supplier.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RuleInput {
    pub product_id: Option<u64>,
    pub warehouse_id: Option<u64>,
    #[schema(example = "100")]
    pub min: Option<String>,
    #[schema(example = "1000")]
    pub max: Option<String>,
    #[schema(example = "50")]
    pub multiple: Option<String>,
    #[schema(example = "20")]
    pub safety_stock: Option<String>,
    pub supplier_id: Option<u64>,
    #[schema(maximum = 365)]
    pub lead_days: Option<u32>,
    pub active: Option<bool>,
    pub version: Option<u64>,
}

/// A quantity field: empty → none; else a number ≥ 0 (> 0 when `positive`).
fn opt_qty(field: &str, v: &str, positive: bool) -> AppResult<Option<Decimal>> {
    let v = v.trim();
    if v.is_empty() {
        return Ok(None);
    }
    let d: Decimal = v.parse().map_err(|_| {
        invalid(
            field,
            format!("“{v}”不是数量。"),
            format!("“{v}” is not a quantity."),
        )
    })?;
    if d.is_zero() && !positive {
        return Ok(Some(Decimal::ZERO));
    }
    quantity(field, d).map(Some)
}

fn apply_rule(tx: &Tx, r: &mut ReorderRule, input: &RuleInput) -> AppResult<()> {
    if let Some(v) = &input.min {
        r.min = opt_qty("min", v, false)?;
    }
    if let Some(v) = &input.max {
        r.max = opt_qty("max", v, true)?;
    }
    if let Some(v) = &input.multiple {
        r.multiple = opt_qty("multiple", v, true)?;
    }
    if let Some(v) = &input.safety_stock {
        r.safety_stock = opt_qty("safety_stock", v, false)?.unwrap_or_default();
    }
    if let Some(s) = input.supplier_id {
        if s == 0 {
            r.supplier_id = None;
        } else {
            let sup = tx.get_live::<Supplier>(s).map_err(|_| {
                invalid(
                    "supplier_id",
                    format!("供应商 #{s} 不存在。"),
                    format!("Supplier #{s} does not exist."),
                )
            })?;
            if sup.data.price_for(r.product_id).is_none() {
                return Err(invalid(
                    "supplier_id",
                    format!("供应商“{}”没有这个产品的报价。", sup.data.name),
                    format!(
                        "Supplier “{}” has no price for this product.",
                        sup.data.name
                    ),
                ));
            }
            r.supplier_id = Some(s);
        }
    }
    if let Some(d) = input.lead_days {
        if d > 365 {
            return Err(invalid(
                "lead_days",
                "交期不能超过 365 天。".into(),
                "The lead time cannot be more than 365 days.".into(),
            ));
        }
        r.lead_days = Some(d);
    }
    if let Some(a) = input.active {
        r.active = a;
    }
    if let (Some(min), Some(max)) = (r.min, r.max)
        && max < min
    {
        return Err(invalid(
            "max",
            format!("最高库存 {} 不能低于最低库存 {}。", qty(max), qty(min)),
            format!("The max {} cannot be below the min {}.", qty(max), qty(min)),
        ));
    }
    Ok(())
}

pub fn create_rule(k: &Kontor, p: &Principal, input: RuleInput) -> AppResult<RuleView> {
    p.require_all(Module::Purchasing, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let product_id = input
            .product_id
            .ok_or_else(|| AppError::required("product_id"))?;
        let warehouse_id = input
            .warehouse_id
            .ok_or_else(|| AppError::required("warehouse_id"))?;
        stock::product(tx, "product_id", product_id)?;
        let wh = warehouses::find(tx, "warehouse_id", warehouse_id)?;
        let key = IndexKey::new().u64(product_id).u64(warehouse_id);
        if !tx
            .ids_by_index::<ReorderRule>("product_warehouse", &key, false)?
            .is_empty()
        {
            return Err(conflict(
                "product_id",
                format!("这个产品在仓库 {} 已有补货规则。", wh.data.code),
                format!(
                    "This product already has a reorder rule in warehouse {}.",
                    wh.data.code
                ),
            ));
        }
        let mut r = ReorderRule {
            product_id,
            warehouse_id,
            min: None,
            max: None,
            multiple: None,
            safety_stock: Decimal::ZERO,
            supplier_id: None,
            lead_days: None,
            active: true,
        };
        apply_rule(tx, &mut r, &input)?;
        let rec = guard::insert(tx, &principal, r)?;
        rule_view(tx, rec)
    })
}

pub fn get_rule(k: &Kontor, p: &Principal, id: u64) -> AppResult<RuleView> {
    p.require_all(Module::Purchasing, Action::Read)?;
    k.store.read(|tx| {
        let r = guard::open::<ReorderRule>(tx, p, id, Action::Read)?;
        rule_view(tx, r)
    })
}

/// Changes the fields given (the product and warehouse stay).
pub fn update_rule(k: &Kontor, p: &Principal, id: u64, input: RuleInput) -> AppResult<RuleView> {
    p.require_all(Module::Purchasing, Action::Update)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let current = guard::open::<ReorderRule>(tx, &principal, id, Action::Update)?;
        for (field, given, now) in [
            ("product_id", input.product_id, current.data.product_id),
            (
                "warehouse_id",
                input.warehouse_id,
                current.data.warehouse_id,
            ),
        ] {
            if given.is_some_and(|g| g != now) {
                return Err(invalid(
                    field,
                    "补货规则的产品和仓库不能更改；请新建一条规则。".into(),
                    "A reorder rule's product and warehouse cannot change; add a new rule.".into(),
                ));
            }
        }
        let mut next = current.data.clone();
        apply_rule(tx, &mut next, &input)?;
        let r = tx.update::<ReorderRule, AppError>(&principal.actor(), id, input.version, |x| {
            *x = next;
            Ok(())
        })?;
        rule_view(tx, r)
    })
}

pub fn delete_rule(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    p.require_all(Module::Purchasing, Action::Delete)?;
    let principal = p.clone();
    k.store
        .write(move |tx| guard::delete::<ReorderRule>(tx, &principal, id, Action::Delete, version))
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct RuleQuery {
    pub product_id: Option<u64>,
    pub warehouse_id: Option<u64>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub fn list_rules(k: &Kontor, p: &Principal, q: RuleQuery) -> AppResult<List<RuleView>> {
    p.require_all(Module::Purchasing, Action::Read)?;
    k.store.read(|tx| {
        let source = match q.warehouse_id {
            Some(w) => Source::key("warehouse", IndexKey::new().u64(w)),
            None => Source::All,
        };
        let query = Query::<ReorderRule>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.product_id.is_some(), |r| {
                Some(r.data.product_id) == q.product_id
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| rule_view(tx, r))
    })
}

// ---- the planning run -----------------------------------------------------------------------

/// A text in both languages (the line carries both; `text` is rendered in the viewer's).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Label {
    pub zh: String,
    pub en: String,
}

fn label(zh: &str, en: &str) -> Label {
    Label {
        zh: zh.into(),
        en: en.into(),
    }
}

/// One term of the formula: `+` adds, `-` subtracts.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Term {
    /// `demand`, `safety_stock`, `on_hand`, `reserved`, `incoming`.
    pub key: String,
    pub label: Label,
    #[schema(value_type = String)]
    pub value: String,
    /// `+` or `-`.
    pub sign: String,
}

/// One step after the net quantity: what changed it and to what.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Step {
    /// `min`, `max`, `pass_rate`, `multiple`, `moq`.
    pub key: String,
    pub label: Label,
    /// The rule's or supplier's figure (the min, the multiple, the pass rate in percent …).
    #[schema(value_type = String)]
    pub by: String,
    /// The quantity after this step.
    #[schema(value_type = String)]
    pub quantity: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestion {
    pub rule_id: u64,
    pub product_id: u64,
    pub sku: String,
    pub warehouse_id: u64,
    pub warehouse_code: String,
    pub supplier_id: Option<u64>,
    pub supplier_name: Option<String>,
    pub lead_days: u32,
    /// Sales orders due on or before this day make the demand.
    pub horizon: NaiveDate,
    /// The sales orders whose demand counts (ids).
    pub orders: Vec<u64>,
    pub terms: Vec<Term>,
    #[schema(value_type = String)]
    pub net: String,
    pub steps: Vec<Step>,
    #[schema(value_type = String)]
    pub quantity: String,
    /// The supplier's price (absent for roles that hide supplier prices).
    pub unit_price: Option<Money>,
    /// The formula with its numbers, in the viewer's language.
    pub text: String,
    #[serde(skip)]
    pub qty: Decimal,
}

const HIDDEN: &[(&str, FieldClass)] = &[("lines[].unit_price", FieldClass::SupplierPrice)];

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PlanView {
    pub date: NaiveDate,
    /// Whether quantities are inflated by the suppliers' pass rates.
    pub pass_rate_enabled: bool,
    pub lines: Vec<Suggestion>,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct PlanQuery {
    pub warehouse_id: Option<u64>,
    pub product_id: Option<u64>,
    /// Also the rules that need nothing (quantity 0).
    pub all: Option<bool>,
}

/// What the run reads once: demand per product with its orders, incoming per
/// (product, warehouse), the main warehouse.
pub struct Inputs {
    today: NaiveDate,
    main: u64,
    /// Product → [(order id, promised date, uncovered quantity)].
    demand: BTreeMap<u64, Vec<(u64, Option<NaiveDate>, Decimal)>>,
    incoming: BTreeMap<(u64, u64), Decimal>,
    pass_rate: bool,
    figures: BTreeMap<u64, Decimal>,
}

fn inputs(tx: &Tx, now: DateTime<Utc>) -> AppResult<Inputs> {
    let today = company_today(tx, now)?;
    let main = warehouses::all(tx)?
        .into_iter()
        .find(|w| w.data.main)
        .map(|w| w.id)
        .unwrap_or(0);
    let mut open = Vec::new();
    tx.for_each::<SalesOrder>(false, &mut |r| {
        if !r.meta.is_deleted()
            && matches!(
                r.data.status,
                OrderStatus::Confirmed | OrderStatus::InProduction
            )
        {
            open.push((r.id, r.data));
        }
        Ok(true)
    })?;
    let mut demand: BTreeMap<u64, Vec<(u64, Option<NaiveDate>, Decimal)>> = BTreeMap::new();
    for (id, o) in open {
        let mut need: BTreeMap<u64, Decimal> = BTreeMap::new();
        for l in &o.lines {
            if let Some(pid) = l.product_id {
                *need.entry(pid).or_default() += l.quantity;
            }
        }
        if need.is_empty() {
            continue;
        }
        for m in stock::moves_of(tx, SalesOrder::KIND, id)? {
            let d = match m.move_type {
                MoveType::Shipment => m.quantity,
                MoveType::Return => -m.quantity,
                _ => continue,
            };
            if let Some(n) = need.get_mut(&m.product_id) {
                *n -= d;
            }
        }
        let src = SourceRef::new(SalesOrder::KIND, id, None);
        for ((pid, _), q) in stock::reserved_by(tx, &src)? {
            if let Some(n) = need.get_mut(&pid) {
                *n -= q;
            }
        }
        for (pid, q) in need {
            if q > Decimal::ZERO {
                demand
                    .entry(pid)
                    .or_default()
                    .push((id, o.promised_date, q));
            }
        }
    }
    let mut incoming: BTreeMap<(u64, u64), Decimal> = BTreeMap::new();
    tx.for_each::<PurchaseOrder>(false, &mut |r| {
        if r.meta.is_deleted() {
            return Ok(true);
        }
        let o = &r.data;
        let draft = o.status == PoStatus::Draft;
        if !(draft || o.status.is_open()) {
            return Ok(true);
        }
        let w = o.warehouse_id.unwrap_or(main);
        for l in &o.lines {
            let q = if draft { l.quantity } else { l.open_quantity() };
            if q > Decimal::ZERO {
                *incoming.entry((l.product_id, w)).or_default() += q;
            }
        }
        Ok(true)
    })?;
    Ok(Inputs {
        today,
        main,
        demand,
        incoming,
        pass_rate: settings::current(tx)?.plan_with_pass_rate,
        figures: BTreeMap::new(),
    })
}

fn ceil_to(q: Decimal, multiple: Decimal) -> Decimal {
    if multiple <= Decimal::ZERO {
        return q;
    }
    ((q / multiple).ceil() * multiple).normalize()
}

/// A figure as people read it, signed when negative.
fn n(d: Decimal) -> String {
    qty(d)
}

/// One rule's line (see the module's note for the formula).
fn suggest(
    tx: &Tx,
    lang: Lang,
    inp: &mut Inputs,
    id: u64,
    rule: &ReorderRule,
) -> AppResult<Suggestion> {
    let sku = tx
        .get::<Product>(rule.product_id)?
        .map(|p| p.data.sku)
        .unwrap_or_default();
    let wh_code = tx
        .get::<Warehouse>(rule.warehouse_id)?
        .map(|w| w.data.code)
        .unwrap_or_default();
    // The supplier: the rule's, else the shortest quoted lead time.
    let supplier: Option<Record<Supplier>> = match rule.supplier_id {
        Some(s) => tx.get_live::<Supplier>(s).ok(),
        None => match suppliers::choices(tx, None, rule.product_id)?.first() {
            Some(c) => tx.get_live::<Supplier>(c.supplier_id).ok(),
            None => None,
        },
    };
    let entry = supplier
        .as_ref()
        .and_then(|s| s.data.price_for(rule.product_id).cloned());
    let lead = rule
        .lead_days
        .or_else(|| {
            supplier
                .as_ref()
                .and_then(|s| s.data.lead_for(rule.product_id))
        })
        .unwrap_or(0);
    let horizon = inp
        .today
        .checked_add_days(Days::new(lead.into()))
        .unwrap_or(inp.today);
    let mut orders = Vec::new();
    let mut demand = Decimal::ZERO;
    if rule.warehouse_id == inp.main {
        for (oid, promised, q) in inp.demand.get(&rule.product_id).into_iter().flatten() {
            if promised.is_none_or(|d| d <= horizon) {
                orders.push(*oid);
                demand += *q;
            }
        }
    }
    let bal = stock::balance(tx, rule.product_id, rule.warehouse_id)?;
    let incoming = inp
        .incoming
        .get(&(rule.product_id, rule.warehouse_id))
        .copied()
        .unwrap_or_default();
    let safety = rule.safety_stock;
    let net = demand + safety - bal.on_hand + bal.reserved - incoming;
    let term = |key: &str, l: Label, v: Decimal, sign: &str| Term {
        key: key.into(),
        label: l,
        value: qty(v),
        sign: sign.into(),
    };
    let terms = vec![
        term(
            "demand",
            label(
                "提前期内未备货的订单需求",
                "open orders' demand within the lead time",
            ),
            demand,
            "+",
        ),
        term(
            "safety_stock",
            label("安全库存", "safety stock"),
            safety,
            "+",
        ),
        term("on_hand", label("现有库存", "on hand"), bal.on_hand, "-"),
        term(
            "reserved",
            label("已被订单预留", "reserved for orders"),
            bal.reserved,
            "+",
        ),
        term("incoming", label("在途采购", "incoming"), incoming, "-"),
    ];
    let mut steps = Vec::new();
    let mut q = net.max(Decimal::ZERO);
    // Position after demand, before this order.
    let position = bal.on_hand - bal.reserved + incoming - demand;
    if let Some(min) = rule.min
        && position + q < min
    {
        q = min - position;
        steps.push(Step {
            key: "min".into(),
            label: label("补到最低库存", "raised to the min"),
            by: qty(min),
            quantity: qty(q),
        });
    }
    if let Some(max) = rule.max
        && position + q > max
        && q > Decimal::ZERO
    {
        q = (max - position).max(Decimal::ZERO);
        steps.push(Step {
            key: "max".into(),
            label: label("不超过最高库存", "cut to the max"),
            by: qty(max),
            quantity: qty(q),
        });
    }
    if inp.pass_rate
        && q > Decimal::ZERO
        && let Some(s) = &supplier
    {
        let ratio = match inp.figures.get(&s.id) {
            Some(r) => *r,
            None => {
                let r = purchase::figures(tx, s.id)?.pass_ratio;
                inp.figures.insert(s.id, r);
                r
            }
        };
        if ratio > Decimal::ZERO && ratio < Decimal::ONE {
            q = (q / ratio).ceil();
            let pct = (ratio * Decimal::ONE_HUNDRED)
                .round_dp_with_strategy(1, rust_decimal::RoundingStrategy::MidpointAwayFromZero)
                .normalize();
            steps.push(Step {
                key: "pass_rate".into(),
                label: label("按供应商合格率放大", "divided by the supplier's pass rate"),
                by: format!("{pct}%"),
                quantity: qty(q),
            });
        }
    }
    if let Some(m) = rule.multiple
        && q > Decimal::ZERO
    {
        let r = ceil_to(q, m);
        if r != q {
            q = r;
            steps.push(Step {
                key: "multiple".into(),
                label: label("按订货倍数取整", "rounded up to the order multiple"),
                by: qty(m),
                quantity: qty(q),
            });
        }
    }
    if let Some(moq) = entry.as_ref().and_then(|e| e.moq)
        && q > Decimal::ZERO
        && q < moq
    {
        q = ceil_to(moq, rule.multiple.unwrap_or(Decimal::ZERO));
        steps.push(Step {
            key: "moq".into(),
            label: label("提到供应商起订量", "raised to the supplier's MOQ"),
            by: qty(moq),
            quantity: qty(q),
        });
    }
    let text = render(lang, &terms, net, &steps, q, &sku, &wh_code, horizon);
    Ok(Suggestion {
        rule_id: id,
        product_id: rule.product_id,
        sku,
        warehouse_id: rule.warehouse_id,
        warehouse_code: wh_code,
        supplier_id: supplier.as_ref().map(|s| s.id),
        supplier_name: supplier.as_ref().map(|s| s.data.name.clone()),
        lead_days: lead,
        horizon,
        orders,
        terms,
        net: n(net),
        steps,
        quantity: qty(q),
        unit_price: entry.map(|e| e.price),
        text,
        qty: q,
    })
}

/// "LAMP-1 @ NB: demand 500 (due by 2026-03-20) + safety stock 50 − on hand 120 + reserved 20 −
/// incoming 100 = 350; raised to the min 400 → 400; … → order 450."
#[allow(clippy::too_many_arguments)]
fn render(
    lang: Lang,
    terms: &[Term],
    net: Decimal,
    steps: &[Step],
    q: Decimal,
    sku: &str,
    wh: &str,
    horizon: NaiveDate,
) -> String {
    let mut s = String::new();
    for (i, t) in terms.iter().enumerate() {
        let name = lang.pick(&t.label.zh, &t.label.en);
        match (i, t.sign.as_str()) {
            (0, _) => {}
            (_, "-") => s.push_str(" − "),
            _ => s.push_str(" + "),
        }
        s.push_str(&format!("{name} {}", t.value));
    }
    let mut out = match lang {
        Lang::Zh => format!("{sku} @ {wh}（需求截至 {horizon}）：{s} = {}", qty(net)),
        Lang::En => format!("{sku} @ {wh} (demand due by {horizon}): {s} = {}", qty(net)),
    };
    for st in steps {
        let name = lang.pick(&st.label.zh, &st.label.en);
        out.push_str(&format!("; {name} {} → {}", st.by, st.quantity));
    }
    out.push_str(&match lang {
        Lang::Zh => format!("；建议采购 {}", qty(q)),
        Lang::En => format!("; suggested {}", qty(q)),
    });
    out
}

/// Every active rule the query picks, in rule order.
pub fn compute(
    tx: &Tx,
    lang: Lang,
    now: DateTime<Utc>,
    q: &PlanQuery,
) -> AppResult<(Inputs, Vec<Suggestion>)> {
    let mut inp = inputs(tx, now)?;
    let mut rules = Vec::new();
    tx.for_each::<ReorderRule>(false, &mut |r| {
        if !r.meta.is_deleted()
            && r.data.active
            && q.warehouse_id.is_none_or(|w| w == r.data.warehouse_id)
            && q.product_id.is_none_or(|p| p == r.data.product_id)
        {
            rules.push((r.id, r.data));
        }
        Ok(true)
    })?;
    let mut out = Vec::with_capacity(rules.len());
    for (id, rule) in rules {
        let s = suggest(tx, lang, &mut inp, id, &rule)?;
        if s.qty > Decimal::ZERO || q.all == Some(true) {
            out.push(s);
        }
    }
    Ok((inp, out))
}

/// The planning run as of now, for buyers (purchasing read with scope all).
pub fn run(k: &Kontor, p: &Principal, q: PlanQuery) -> AppResult<serde_json::Value> {
    p.require_all(Module::Purchasing, Action::Read)?;
    k.store.read(|tx| {
        let (inp, lines) = compute(tx, p.lang, tx.now(), &q)?;
        let view = PlanView {
            date: inp.today,
            pass_rate_enabled: inp.pass_rate,
            lines,
        };
        guard::show(p, HIDDEN, &view)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChosenLine {
    pub rule_id: u64,
    /// The suggested quantity when not given.
    #[schema(example = "450")]
    pub quantity: Option<String>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanOrderInput {
    pub lines: Vec<ChosenLine>,
}

/// Chosen lines → draft purchase orders, one per supplier and currency of its price, at the
/// supplier's prices, into the rule's warehouse; all or nothing. The plan is computed again
/// inside the transaction (what the caller saw may have changed).
pub fn order(
    k: &Kontor,
    p: &Principal,
    input: PlanOrderInput,
) -> AppResult<Vec<serde_json::Value>> {
    p.require_all(Module::Purchasing, Action::Create)?;
    if input.lines.is_empty() {
        return Err(AppError::required("lines"));
    }
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let mut inp = inputs(tx, tx.now())?;
        // (supplier, currency, warehouse) → lines.
        let mut groups: BTreeMap<(u64, String, u64), Vec<PoLineInput>> = BTreeMap::new();
        let mut seen = BTreeMap::new();
        for (i, c) in input.lines.iter().enumerate() {
            let f = |x: &str| format!("lines[{i}].{x}");
            if seen.insert(c.rule_id, i).is_some() {
                return Err(invalid(
                    &f("rule_id"),
                    "同一条规则选了两次。".into(),
                    "The same rule is chosen twice.".into(),
                ));
            }
            let rule = guard::open::<ReorderRule>(tx, p, c.rule_id, Action::Read)
                .map_err(|e| e.on_field(f("rule_id")))?;
            let s = suggest(tx, p.lang, &mut inp, rule.id, &rule.data)?;
            let q = match c.quantity.as_deref() {
                Some(v) => opt_qty(&f("quantity"), v, true)?
                    .ok_or_else(|| AppError::required(&f("quantity")))?,
                None => s.qty,
            };
            if q <= Decimal::ZERO {
                return Err(conflict(
                    &f("quantity"),
                    format!(
                        "{} @ {} 现在不需要补货；请填写数量。",
                        s.sku, s.warehouse_code
                    ),
                    format!(
                        "{} @ {} needs nothing now; give a quantity.",
                        s.sku, s.warehouse_code
                    ),
                ));
            }
            let (Some(supplier), Some(price)) = (s.supplier_id, s.unit_price) else {
                return Err(invalid(
                    &f("rule_id"),
                    format!("{} 没有供应商报价：请先录入。", s.sku),
                    format!("No supplier has a price for {}: enter one first.", s.sku),
                ));
            };
            groups
                .entry((
                    supplier,
                    price.currency.code().to_string(),
                    rule.data.warehouse_id,
                ))
                .or_default()
                .push(PoLineInput {
                    product_id: rule.data.product_id,
                    quantity: q,
                    unit_price: None,
                    description: None,
                });
        }
        let mut out = Vec::new();
        for ((supplier_id, currency, warehouse), lines) in groups {
            let po = PoInput {
                supplier_id: Some(supplier_id),
                currency: Some(currency),
                lines: Some(lines),
                warehouse_id: Some(warehouse),
                ..PoInput::default()
            };
            let r = purchase::insert_new(tx, p, &po)?;
            out.push(purchase::view(tx, p, r)?);
        }
        Ok(out)
    })
}
