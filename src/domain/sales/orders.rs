//! Sales orders / contracts (SAL-3), numbered SO-YYYY-NNNN: made from an accepted quotation or
//! directly, the lines frozen with the exchange rate of the order date, a payment plan from a
//! terms template, the dates instalments hang on (B/L, ETA, delivery), estimated costs and the
//! actual costs as they arrive. What has been received comes from the receipts allocated to it
//! (`receipts::allocations_to`), never from a counter kept beside them. An order follows its
//! customer's owner while it still has money to collect.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lines::{self, DocLang, Line, LineInput};
use super::profit;
use super::quotations::{self, QuoteStatus};
use super::rates::{self, RateUsed};
use super::receipts::{self, OrderAllocation};
use super::terms::{self, Instalment, OrderDates, PaymentTerms, TermPart};
use crate::auth::{Action, FieldClass, Module, Principal};
use crate::domain::crm::company_today;
use crate::domain::crm::model::Customer;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names, needle};
use crate::domain::money::{Currency, Money};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::search::SearchDoc;
use crate::store::{Entity, IndexDef, IndexKey, Meta, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    Confirmed,
    InProduction,
    Shipped,
    Completed,
    Cancelled,
}

impl OrderStatus {
    pub const ALL: [OrderStatus; 5] = [
        OrderStatus::Confirmed,
        OrderStatus::InProduction,
        OrderStatus::Shipped,
        OrderStatus::Completed,
        OrderStatus::Cancelled,
    ];
    pub fn key(self) -> &'static str {
        match self {
            OrderStatus::Confirmed => "confirmed",
            OrderStatus::InProduction => "in_production",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Completed => "completed",
            OrderStatus::Cancelled => "cancelled",
        }
    }
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            OrderStatus::Confirmed => lang.pick("已确认", "confirmed"),
            OrderStatus::InProduction => lang.pick("生产中", "in production"),
            OrderStatus::Shipped => lang.pick("已出运", "shipped"),
            OrderStatus::Completed => lang.pick("已完成", "completed"),
            OrderStatus::Cancelled => lang.pick("已取消", "cancelled"),
        }
    }
}

/// What a cost of an order is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ChargeKind {
    /// Goods bought for the order (purchase orders, factory invoices).
    Purchase,
    Freight,
    /// Duty and tariffs.
    Duty,
    Commission,
    BankFee,
    Other,
}

impl ChargeKind {
    pub fn name(self, lang: Lang) -> &'static str {
        match self {
            ChargeKind::Purchase => lang.pick("采购成本", "Purchase"),
            ChargeKind::Freight => lang.pick("运费", "Freight"),
            ChargeKind::Duty => lang.pick("关税", "Duty"),
            ChargeKind::Commission => lang.pick("佣金", "Commission"),
            ChargeKind::BankFee => lang.pick("银行费用", "Bank fees"),
            ChargeKind::Other => lang.pick("其他", "Other"),
        }
    }
}

/// How a charge is shared over the order's lines.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    Quantity,
    #[default]
    Value,
    Weight,
    Volume,
    Equal,
}

/// A cost of the order, estimated or actual, in its own currency with the rate of its date.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Charge {
    pub kind: ChargeKind,
    pub amount: Money,
    pub date: NaiveDate,
    pub basis: Basis,
    pub note: Option<String>,
    /// The rate of `amount`'s currency on `date`.
    pub rate: RateUsed,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SalesOrder {
    pub number: String,
    pub customer_id: u64,
    pub owner_id: Option<u64>,
    pub quotation_id: Option<u64>,
    /// The customer's own purchase order number.
    pub customer_ref: Option<String>,
    pub status: OrderStatus,
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub incoterm: Option<String>,
    pub named_place: Option<String>,
    pub delivery: Option<String>,
    /// The delivery date promised to the customer.
    pub promised_date: Option<NaiveDate>,
    pub remarks: Option<String>,
    pub lang: DocLang,
    /// The rate of the order date, frozen.
    pub rate: RateUsed,
    pub dates: OrderDates,
    pub terms_id: Option<u64>,
    pub terms_name: Option<String>,
    pub plan: Vec<Instalment>,
    pub estimates: Vec<Charge>,
    pub charges: Vec<Charge>,
    pub cancelled_at: Option<DateTime<Utc>>,
}

impl SalesOrder {
    pub fn total(&self) -> Money {
        lines::total(&self.lines, self.currency)
    }
    pub fn order_date(&self) -> NaiveDate {
        self.dates.order_date.unwrap_or_default()
    }
}

impl Entity for SalesOrder {
    const KIND: &'static str = "sales_order";
    const SEARCHABLE: bool = true;
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] = &[
        ("estimates", "cost"),
        ("charges", "cost"),
        ("lines[].unit_cost", "cost"),
    ];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("customer", |o: &SalesOrder| {
                vec![IndexKey::new().u64(o.customer_id)]
            })
            .keep_deleted(),
            IndexDef::many("owner", |o: &SalesOrder| {
                vec![IndexKey::new().u64(o.owner_id.unwrap_or(0))]
            })
            .counted(),
            IndexDef::unique("number", "number", |o: &SalesOrder| {
                vec![IndexKey::new().str(&number_key(&o.number))]
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
        Some(SearchDoc {
            title: self.number.clone(),
            subtitle: self.total().to_string(),
            text: self
                .lines
                .iter()
                .map(|l| l.description.clone())
                .chain(self.customer_ref.clone())
                .collect(),
            exact: vec![self.number.clone(), number_key(&self.number)],
            owner: self.owner_id,
        })
    }
}

impl Guarded for SalesOrder {
    const MODULE: Module = Module::Sales;
    const OWNER: Owner = Owner::Parent("customer");
    fn readable_unowned(&self, tx: &Tx, p: &Principal) -> AppResult<bool> {
        super::unowned_readable(tx, p, self.customer_id, Self::MODULE)
    }
    const PARENT_INDEX: &'static str = "customer";
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[
        ("lines[].unit_cost", FieldClass::Cost),
        ("estimates", FieldClass::Cost),
        ("charges", FieldClass::Cost),
        ("costing.estimated.costs", FieldClass::Cost),
        ("costing.estimated.cost_total", FieldClass::Cost),
        ("costing.actual.costs", FieldClass::Cost),
        ("costing.actual.cost_total", FieldClass::Cost),
        ("costing.lines[].cost", FieldClass::Cost),
        ("costing.estimated.profit", FieldClass::Profit),
        ("costing.estimated.margin_percent", FieldClass::Profit),
        ("costing.actual.profit", FieldClass::Profit),
        ("costing.actual.margin_percent", FieldClass::Profit),
        ("costing.lines[].profit", FieldClass::Profit),
    ];
    /// An order goes with its customer while money is still owed on it; a settled or
    /// cancelled one stays with the rep who sold it.
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.owner_id == previous && self.status != OrderStatus::Cancelled
    }
    fn under_parent(tx: &Tx, parent: u64, _previous: Option<u64>) -> AppResult<Vec<u64>> {
        let mut ids = Vec::new();
        for id in tx.ids_by_index::<SalesOrder>("customer", &IndexKey::new().u64(parent), false)? {
            let Ok(o) = tx.get_live::<SalesOrder>(id) else {
                continue;
            };
            if !receipts::is_settled(tx, id, &o.data)? {
                ids.push(id);
            }
        }
        Ok(ids)
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

/// Order numbers compare without case, spaces and dashes (`so2026 0012` is `SO-2026-0012`):
/// how they are written in remittance texts.
pub fn number_key(number: &str) -> String {
    number
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase()
}

// ---- views ---------------------------------------------------------------------------------

/// An instalment with what has been received on it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InstalmentState {
    pub index: usize,
    pub label: String,
    pub described: String,
    pub amount: Money,
    pub due: Option<NaiveDate>,
    pub received: Money,
    pub outstanding: Money,
    /// Realised exchange gain (+) or loss (−) on what was received, in the base currency.
    pub fx: Money,
    /// Days past due (0 when not due or paid).
    pub overdue_days: i64,
}

/// Received and outstanding of an order.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Receivable {
    pub total: Money,
    pub received: Money,
    /// Credit notes granted on the order.
    pub credited: Money,
    pub outstanding: Money,
    pub fx: Money,
    pub settled: bool,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrderView {
    pub id: u64,
    pub number: String,
    pub customer_id: u64,
    pub customer_name: String,
    pub owner_id: Option<u64>,
    pub owner_name: Option<String>,
    pub quotation_id: Option<u64>,
    pub customer_ref: Option<String>,
    pub status: OrderStatus,
    pub status_name: String,
    pub currency: Currency,
    pub lines: Vec<Line>,
    pub total: Money,
    pub incoterm: Option<String>,
    pub named_place: Option<String>,
    pub delivery: Option<String>,
    pub promised_date: Option<NaiveDate>,
    pub remarks: Option<String>,
    pub lang: DocLang,
    pub rate: RateUsed,
    pub dates: OrderDates,
    pub terms_id: Option<u64>,
    pub terms_name: Option<String>,
    pub plan: Vec<InstalmentState>,
    pub receivable: Receivable,
    pub allocations: Vec<OrderAllocation>,
    /// Absent for roles that hide costs.
    pub estimates: Vec<Charge>,
    pub charges: Vec<Charge>,
    /// Revenue, costs, exchange gain/loss and profit, estimated and actual (parts hidden from
    /// roles that hide cost or profit).
    pub costing: profit::ProfitView,
    /// The follow-up nodes (SAL-5), for everyone who reads the order.
    pub nodes: Option<super::nodes::NodeLine>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub version: u64,
}

/// A row of the order list: the money at a glance.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrderRow {
    pub id: u64,
    pub number: String,
    pub customer_id: u64,
    pub customer_name: String,
    pub owner_name: Option<String>,
    pub status: OrderStatus,
    pub status_name: String,
    pub order_date: NaiveDate,
    pub total: Money,
    pub received: Money,
    pub outstanding: Money,
    /// The earliest due date of an instalment still open.
    pub next_due: Option<NaiveDate>,
    pub overdue: bool,
    pub version: u64,
}

/// The order's instalments with what was received on each (`allocs`: the active receipts'
/// allocations to it).
pub fn instalment_states(
    o: &SalesOrder,
    allocs: &[OrderAllocation],
    today: NaiveDate,
    lang: Lang,
) -> Vec<InstalmentState> {
    let base = o.rate.base;
    o.plan
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let mine = allocs.iter().filter(|a| a.instalment == i);
            let received: Decimal = mine.clone().map(|a| a.amount.amount).sum();
            let fx: Decimal = mine.map(|a| a.fx.amount).sum();
            let outstanding = inst.amount - received;
            let overdue_days = match inst.due {
                Some(due) if outstanding > Decimal::ZERO && due < today => (today - due).num_days(),
                _ => 0,
            };
            InstalmentState {
                index: i,
                label: inst.part.label(lang).to_string(),
                described: inst.part.describe(lang),
                amount: Money::new(inst.amount, o.currency),
                due: inst.due,
                received: Money::new(lines::round(received, o.currency), o.currency),
                outstanding: Money::new(lines::round(outstanding, o.currency), o.currency),
                fx: Money::new(lines::round(fx, base), base),
                overdue_days,
            }
        })
        .collect()
}

pub fn receivable(o: &SalesOrder, allocs: &[OrderAllocation]) -> Receivable {
    let total = o.total();
    let received: Decimal = allocs
        .iter()
        .filter(|a| !a.credit_note)
        .map(|a| a.amount.amount)
        .sum();
    let credited: Decimal = allocs
        .iter()
        .filter(|a| a.credit_note)
        .map(|a| a.amount.amount)
        .sum();
    let outstanding = if o.status == OrderStatus::Cancelled {
        Decimal::ZERO
    } else {
        total.amount - received - credited
    };
    let c = o.currency;
    Receivable {
        total,
        received: Money::new(lines::round(received, c), c),
        credited: Money::new(lines::round(credited, c), c),
        outstanding: Money::new(lines::round(outstanding, c), c),
        fx: Money::new(
            lines::round(allocs.iter().map(|a| a.fx.amount).sum(), o.rate.base),
            o.rate.base,
        ),
        settled: outstanding <= Decimal::ZERO,
    }
}

fn customer_name(tx: &Tx, id: u64) -> AppResult<String> {
    Ok(tx
        .get::<Customer>(id)?
        .map(|c| c.data.name)
        .unwrap_or_default())
}

pub fn view(tx: &Tx, p: &Principal, r: Record<SalesOrder>) -> AppResult<serde_json::Value> {
    let today = company_today(tx, tx.now())?;
    let allocs = receipts::allocations_to(tx, r.id)?;
    let o = r.data;
    let costing = profit::of(tx, &o, &allocs)?;
    let terms_name = terms_wording(tx, &o, p.lang);
    let nodes = super::nodes::line(tx, p, r.id, &o)?;
    let view = OrderView {
        id: r.id,
        number: o.number.clone(),
        customer_name: customer_name(tx, o.customer_id)?,
        customer_id: o.customer_id,
        owner_id: o.owner_id,
        owner_name: names(tx, o.owner_id)?.into_values().next(),
        quotation_id: o.quotation_id,
        customer_ref: o.customer_ref.clone(),
        status: o.status,
        status_name: o.status.name(p.lang).to_string(),
        currency: o.currency,
        total: o.total(),
        plan: instalment_states(&o, &allocs, today, p.lang),
        receivable: receivable(&o, &allocs),
        lines: o.lines,
        incoterm: o.incoterm,
        named_place: o.named_place,
        delivery: o.delivery,
        promised_date: o.promised_date,
        remarks: o.remarks,
        lang: o.lang,
        rate: o.rate,
        dates: o.dates,
        terms_id: o.terms_id,
        terms_name,
        allocations: allocs,
        estimates: o.estimates,
        charges: o.charges,
        costing,
        nodes,
        created_at: r.meta.created_at,
        updated_at: r.meta.updated_at,
        version: r.meta.version,
    };
    guard::show(p, SalesOrder::HIDDEN, &view)
}

pub fn row(
    tx: &Tx,
    p: &Principal,
    r: &Record<SalesOrder>,
    today: NaiveDate,
) -> AppResult<OrderRow> {
    let o = &r.data;
    let allocs = receipts::allocations_to(tx, r.id)?;
    let rec = receivable(o, &allocs);
    let states = instalment_states(o, &allocs, today, p.lang);
    let open = states
        .iter()
        .filter(|s| s.outstanding.amount > Decimal::ZERO);
    Ok(OrderRow {
        id: r.id,
        number: o.number.clone(),
        customer_id: o.customer_id,
        customer_name: customer_name(tx, o.customer_id)?,
        owner_name: names(tx, o.owner_id)?.into_values().next(),
        status: o.status,
        status_name: o.status.name(p.lang).to_string(),
        order_date: o.order_date(),
        total: rec.total,
        received: rec.received,
        outstanding: rec.outstanding,
        next_due: open.clone().filter_map(|s| s.due).min(),
        overdue: o.status != OrderStatus::Cancelled && open.clone().any(|s| s.overdue_days > 0),
        version: r.meta.version,
    })
}

// ---- input ---------------------------------------------------------------------------------

/// A charge as entered; its rate is looked up for its date.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChargeInput {
    pub kind: ChargeKind,
    pub amount: Money,
    /// The order date when not given.
    pub date: Option<NaiveDate>,
    #[serde(default)]
    pub basis: Basis,
    pub note: Option<String>,
}

/// An order as entered; on a change, absent fields stay.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OrderInput {
    /// For a new order made directly.
    pub customer_id: Option<u64>,
    pub currency: Option<String>,
    pub lines: Option<Vec<LineInput>>,
    /// Today (the company's day) when not given.
    pub order_date: Option<NaiveDate>,
    pub customer_ref: Option<String>,
    pub incoterm: Option<String>,
    pub named_place: Option<String>,
    pub delivery: Option<String>,
    pub promised_date: Option<NaiveDate>,
    pub remarks: Option<String>,
    pub lang: Option<DocLang>,
    /// A payment terms template, or the shares themselves (`terms`).
    pub terms_id: Option<u64>,
    pub terms: Option<Vec<TermPart>>,
    /// `null` clears a date.
    #[serde(default, with = "crate::domain::patch_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub bl_date: Option<Option<NaiveDate>>,
    #[serde(default, with = "crate::domain::patch_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub eta: Option<Option<NaiveDate>>,
    #[serde(default, with = "crate::domain::patch_option")]
    #[schema(value_type = Option<NaiveDate>, nullable)]
    pub delivered: Option<Option<NaiveDate>>,
    /// `confirmed`, `in_production`, `shipped`, `completed`, `cancelled`.
    pub status: Option<OrderStatus>,
    /// Estimated costs (freight, duty, commission, bank fees); replaces the list.
    pub estimates: Option<Vec<ChargeInput>>,
    /// Actual costs as they arrive; replaces the list.
    pub charges: Option<Vec<ChargeInput>>,
    /// The follow-up node template of a new order (the default when not given).
    pub node_template_id: Option<u64>,
    pub version: Option<u64>,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

fn conflict(field: &str, zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict)
        .on_field(field)
        .with_msg(Msg::new(zh, en))
}

/// A role that hides costs may not set the cost lists.
fn refuse_hidden(p: &Principal, input: &OrderInput) -> AppResult<()> {
    for (field, set) in [
        ("estimates", input.estimates.is_some()),
        ("charges", input.charges.is_some()),
    ] {
        if set && p.hides(FieldClass::Cost) {
            return Err(AppError::forbidden().on_field(field).with_msg(Msg::new(
                "你的角色看不到“成本”，不能修改它。",
                "Your role does not see “Cost” and cannot change it.",
            )));
        }
    }
    Ok(())
}

fn charges(tx: &Tx, field: &str, inputs: &[ChargeInput], o: &SalesOrder) -> AppResult<Vec<Charge>> {
    if inputs.len() > 200 {
        return Err(invalid(
            field,
            "最多 200 项费用。".into(),
            "At most 200 charges.".into(),
        ));
    }
    inputs
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let f = |name: &str| format!("{field}[{i}].{name}");
            if c.amount.amount <= Decimal::ZERO {
                return Err(invalid(
                    &f("amount"),
                    "费用金额应大于 0。".into(),
                    "A charge must be more than 0.".into(),
                ));
            }
            let date = c.date.unwrap_or(o.order_date());
            let missing = match c.basis {
                Basis::Weight => o.lines.iter().position(|l| l.weight_kg.is_none()),
                Basis::Volume => o.lines.iter().position(|l| l.volume_cbm.is_none()),
                _ => None,
            };
            if let Some(line) = missing {
                return Err(invalid(
                    &f("basis"),
                    format!("第 {} 行没有重量或体积（产品缺少包装资料），请改用其他分摊方式。", line + 1),
                    format!(
                        "Line {} has no weight or volume (its product lacks packing data); share this charge another way.",
                        line + 1
                    ),
                ));
            }
            Ok(Charge {
                kind: c.kind,
                amount: c.amount.rounded(),
                date,
                basis: c.basis,
                note: validate::optional_text(&f("note"), c.note.as_deref(), 200)?,
                rate: rates::rate_on(tx, c.amount.currency, date, &f("amount.currency"))?,
            })
        })
        .collect()
}

/// The terms an order input asks for: (template id if from a template, its wording, its parts).
type ChosenTerms = (Option<u64>, String, Vec<TermPart>);

fn terms_of(tx: &Tx, input: &OrderInput) -> AppResult<Option<ChosenTerms>> {
    if let Some(parts) = &input.terms {
        let parts = terms::check_parts("terms", parts)?;
        let name = parts
            .iter()
            .map(|p| p.describe(Lang::En))
            .collect::<Vec<_>>()
            .join("; ");
        return Ok(Some((None, name, parts)));
    }
    if let Some(id) = input.terms_id {
        let t = tx.get_live::<PaymentTerms>(id).map_err(|_| {
            invalid(
                "terms_id",
                format!("付款方式 {id} 不存在。"),
                format!("Payment terms {id} do not exist."),
            )
        })?;
        return Ok(Some((Some(id), t.data.name_en.clone(), t.data.parts)));
    }
    Ok(None)
}

/// The order's payment terms in `lang`: the template's name while the order's plan still has the
/// template's parts, else the wording of its own frozen parts (never the language it was saved in).
pub fn terms_wording(tx: &Tx, o: &SalesOrder, lang: Lang) -> Option<String> {
    if o.plan.is_empty() {
        return o.terms_name.clone();
    }
    let parts: Vec<&TermPart> = o.plan.iter().map(|i| &i.part).collect();
    if let Some(t) = o
        .terms_id
        .and_then(|id| tx.get_live::<PaymentTerms>(id).ok())
        && t.data.parts.iter().collect::<Vec<_>>() == parts
    {
        return Some(lang.pick(&t.data.name_zh, &t.data.name_en).to_string());
    }
    let sep = lang.pick("；", "; ");
    Some(
        parts
            .iter()
            .map(|p| p.describe(lang))
            .collect::<Vec<_>>()
            .join(sep),
    )
}

/// Whether any active receipt is allocated to the order.
fn has_receipts(tx: &Tx, id: u64) -> AppResult<bool> {
    Ok(!receipts::allocations_to(tx, id)?.is_empty())
}

/// Applies a change to an order; the plan is made again when the total or the terms change
/// (refused once money was received on it) and dated again when a date changes.
fn apply(tx: &Tx, id: Option<u64>, o: &mut SalesOrder, input: &OrderInput) -> AppResult<()> {
    let received = match id {
        Some(id) => has_receipts(tx, id)?,
        None => false,
    };
    let money_change = [
        ("currency", input.currency.is_some()),
        ("lines", input.lines.is_some()),
        ("order_date", input.order_date.is_some() && id.is_some()),
        ("terms", input.terms.is_some() || input.terms_id.is_some()),
    ];
    if received && let Some((field, _)) = money_change.iter().find(|(_, set)| *set) {
        return Err(conflict(
            field,
            "该订单已有回款核销，不能再改行项目、币种、日期或付款方式；请先撤销相关核销。".into(),
            "Receipts are matched to this order: its lines, currency, date and terms cannot change; cancel those allocations first.".into(),
        ));
    }
    if let Some(c) = &input.currency {
        o.currency = lines::currency("currency", c)?;
    }
    if let Some(lang) = input.lang {
        o.lang = lang;
    }
    if let Some(inputs) = &input.lines {
        o.lines = lines::build(tx, inputs, o.currency, o.lang)?;
    } else if input.currency.is_some() {
        let again: Vec<LineInput> = o.lines.iter().map(Line::input).collect();
        o.lines = lines::build(tx, &again, o.currency, o.lang)?;
    }
    if let Some(d) = input.order_date {
        o.dates.order_date = Some(d);
    }
    if input.currency.is_some() || input.order_date.is_some() || id.is_none() {
        o.rate = rates::rate_on(tx, o.currency, o.order_date(), "currency")?;
    }
    if let Some(v) = &input.customer_ref {
        o.customer_ref = validate::optional_text("customer_ref", Some(v), 60)?;
    }
    if input.incoterm.is_some() {
        o.incoterm = lines::incoterm("incoterm", input.incoterm.as_deref())?;
    }
    if let Some(v) = &input.named_place {
        o.named_place = validate::optional_text("named_place", Some(v), 100)?;
    }
    if let Some(v) = &input.delivery {
        o.delivery = validate::optional_text("delivery", Some(v), 200)?;
    }
    if let Some(v) = input.promised_date {
        o.promised_date = Some(v);
    }
    if let Some(v) = &input.remarks {
        o.remarks = validate::optional_text("remarks", Some(v), 4000)?;
    }
    for (field, value, slot) in [
        ("bl_date", input.bl_date, &mut o.dates.bl_date),
        ("eta", input.eta, &mut o.dates.eta),
        ("delivered", input.delivered, &mut o.dates.delivered),
    ] {
        if let Some(v) = value {
            if let Some(d) = v
                && d < o.dates.order_date.unwrap_or(d)
            {
                return Err(invalid(
                    field,
                    "日期不能早于下单日。".into(),
                    "The date cannot be before the order date.".into(),
                ));
            }
            *slot = v;
        }
    }
    match terms_of(tx, input)? {
        Some((tid, name, parts)) => {
            o.terms_id = tid;
            o.terms_name = Some(name);
            o.plan = terms::plan(o.total(), &parts, &o.dates);
        }
        None if input.lines.is_some() || input.currency.is_some() => {
            let parts: Vec<TermPart> = o.plan.iter().map(|i| i.part.clone()).collect();
            o.plan = terms::plan(o.total(), &parts, &o.dates);
        }
        None => terms::redate(&mut o.plan, &o.dates),
    }
    if o.plan.is_empty() {
        return Err(AppError::required("terms_id"));
    }
    if let Some(status) = input.status {
        if status == OrderStatus::Cancelled && received {
            return Err(conflict(
                "status",
                "该订单已有回款核销，不能取消；请先撤销相关核销。".into(),
                "Receipts are matched to this order; cancel those allocations before cancelling the order.".into(),
            ));
        }
        o.status = status;
    }
    if let Some(list) = &input.estimates {
        o.estimates = charges(tx, "estimates", list, o)?;
    }
    if let Some(list) = &input.charges {
        o.charges = charges(tx, "charges", list, o)?;
    }
    Ok(())
}

fn year_of(d: NaiveDate) -> i32 {
    use chrono::Datelike;
    d.year()
}

/// Saves a new order for a customer the caller may sell to.
fn insert(
    tx: &mut Tx,
    p: &Principal,
    customer_id: u64,
    mut order: SalesOrder,
    input: &OrderInput,
) -> AppResult<Record<SalesOrder>> {
    let customer = super::customer_for_sale(tx, p, customer_id, Module::Sales)?;
    order.owner_id = customer.data.owner_id;
    apply(tx, None, &mut order, input)?;
    order.number = tx.next_document_number("SO", year_of(order.order_date()))?;
    let r = guard::insert(tx, p, order)?;
    // A confirmed order reserves its lines (INV-1).
    crate::domain::goods::reservations::sync_order(tx, &p.actor(), r.id, Some(&r.data))?;
    // Its follow-up nodes, from the template chosen (SAL-5).
    super::nodes::lay_out(tx, &p.actor(), r.id, &r.data, input.node_template_id)?;
    Ok(r)
}

pub(crate) fn blank(customer_id: u64, currency: Currency, today: NaiveDate) -> SalesOrder {
    SalesOrder {
        number: String::new(),
        customer_id,
        owner_id: None,
        quotation_id: None,
        customer_ref: None,
        status: OrderStatus::Confirmed,
        currency,
        lines: Vec::new(),
        incoterm: None,
        named_place: None,
        delivery: None,
        promised_date: None,
        remarks: None,
        lang: DocLang::En,
        rate: RateUsed {
            base: currency,
            rate: Decimal::ONE,
            date: None,
        },
        dates: OrderDates {
            order_date: Some(today),
            ..Default::default()
        },
        terms_id: None,
        terms_name: None,
        plan: Vec::new(),
        estimates: Vec::new(),
        charges: Vec::new(),
        cancelled_at: None,
    }
}

/// An order made directly (no quotation).
pub fn create(k: &Kontor, p: &Principal, input: OrderInput) -> AppResult<serde_json::Value> {
    p.require(Module::Sales, Action::Create)?;
    refuse_hidden(p, &input)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let customer_id = input
            .customer_id
            .ok_or_else(|| AppError::required("customer_id"))?;
        super::customer_for_sale(tx, p, customer_id, Module::Sales)?;
        let currency = lines::currency(
            "currency",
            input
                .currency
                .as_deref()
                .ok_or_else(|| AppError::required("currency"))?,
        )?;
        if input.lines.is_none() {
            return Err(AppError::required("lines"));
        }
        if input.terms.is_none() && input.terms_id.is_none() {
            return Err(AppError::required("terms_id"));
        }
        let today = company_today(tx, tx.now())?;
        let r = insert(
            tx,
            p,
            customer_id,
            blank(customer_id, currency, today),
            &input,
        )?;
        view(tx, p, r)
    })
}

/// The order made from an accepted quotation: its lines, prices, incoterm and terms carried
/// over; `input` may add the order date, the customer's PO number, terms and dates.
pub fn from_quotation(
    k: &Kontor,
    p: &Principal,
    quotation_id: u64,
    input: OrderInput,
) -> AppResult<serde_json::Value> {
    p.require(Module::Sales, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let q = quotations::open(tx, p, quotation_id, Action::Update)?;
        refuse_hidden(p, &input)?;
        if input.customer_id.is_some() || input.lines.is_some() || input.currency.is_some() {
            return Err(invalid(
                "lines",
                "从报价单生成订单时，客户、币种和行项目取自报价单；请先修订报价单。".into(),
                "An order from a quotation takes its customer, currency and lines from it; revise the quotation first.".into(),
            ));
        }
        if q.data.status != QuoteStatus::Accepted {
            return Err(conflict(
                "status",
                "只有客户已接受的报价单才能生成订单。".into(),
                "Only a quotation the customer accepted becomes an order.".into(),
            ));
        }
        if let Some(order) = q.data.order_id
            && tx.get_live::<SalesOrder>(order).is_ok()
        {
            return Err(conflict(
                "quotation_id",
                "该报价单已生成订单。".into(),
                "This quotation already has its order.".into(),
            ));
        }
        let today = company_today(tx, tx.now())?;
        let b = &q.data.body;
        let mut order = blank(q.data.customer_id, b.currency, today);
        order.quotation_id = Some(quotation_id);
        order.lines = b.lines.clone();
        order.incoterm = b.incoterm.clone();
        order.named_place = b.named_place.clone();
        order.delivery = b.delivery.clone();
        order.remarks = b.remarks.clone();
        order.lang = b.lang;
        let mut input = input;
        if input.terms.is_none() && input.terms_id.is_none() {
            input.terms_id = b.payment_terms_id;
        }
        if input.terms.is_none() && input.terms_id.is_none() {
            return Err(AppError::required("terms_id"));
        }
        let r = insert(tx, p, q.data.customer_id, order, &input)?;
        quotations::link_order(tx, &p.actor(), quotation_id, r.id)?;
        view(tx, p, r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    k.store.read(|tx| {
        let r = guard::open::<SalesOrder>(tx, p, id, Action::Read)?;
        view(tx, p, r)
    })
}

/// The order as stored, for documents and receipts.
pub fn open(tx: &Tx, p: &Principal, id: u64, action: Action) -> AppResult<Record<SalesOrder>> {
    guard::open::<SalesOrder>(tx, p, id, action)
}

pub fn update(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: OrderInput,
) -> AppResult<serde_json::Value> {
    p.require(Module::Sales, Action::Update)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let current = guard::open::<SalesOrder>(tx, p, id, Action::Update)?;
        refuse_hidden(p, &input)?;
        if input.customer_id.is_some() {
            return Err(invalid(
                "customer_id",
                "订单的客户不能更改。".into(),
                "An order's customer cannot change.".into(),
            ));
        }
        if input.node_template_id.is_some() {
            return Err(invalid(
                "node_template_id",
                "跟单模板在下单时选定，之后不能更改。".into(),
                "The node template is chosen when the order is made and cannot change.".into(),
            ));
        }
        let mut next = current.data.clone();
        apply(tx, Some(id), &mut next, &input)?;
        if next.status == OrderStatus::Cancelled && current.data.status != OrderStatus::Cancelled {
            next.cancelled_at = Some(tx.now());
        }
        let reservation = next.lines != current.data.lines || next.status != current.data.status;
        let r = tx.update::<SalesOrder, AppError>(&p.actor(), id, input.version, |o| {
            *o = next;
            Ok(())
        })?;
        if reservation {
            // Lines or status changed: reservations follow (cancelling releases them).
            crate::domain::goods::reservations::sync_order(tx, &p.actor(), id, Some(&r.data))?;
        }
        super::nodes::order_changed(tx, id, &current.data, &r.data)?;
        view(tx, p, r)
    })
}

pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    let principal = p.clone();
    k.store.write(move |tx| {
        guard::open::<SalesOrder>(tx, &principal, id, Action::Delete)?;
        if has_receipts(tx, id)? {
            return Err(conflict(
                "id",
                "该订单已有回款核销，不能删除。".into(),
                "Receipts are matched to this order; it cannot be deleted.".into(),
            ));
        }
        guard::delete::<SalesOrder>(tx, &principal, id, Action::Delete, version)?;
        crate::domain::goods::reservations::sync_order(tx, &principal.actor(), id, None)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct OrderQuery {
    pub customer_id: Option<u64>,
    pub status: Option<OrderStatus>,
    /// Only orders with money still to collect.
    pub open: Option<bool>,
    /// Number, customer PO or a line's description contains this text.
    pub q: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Orders the caller reads, newest first, with received and outstanding.
pub fn list(k: &Kontor, p: &Principal, q: OrderQuery) -> AppResult<List<OrderRow>> {
    let needle = needle(q.q.as_deref());
    p.require(Module::Sales, Action::Read)?;
    let scope = p.scope(Module::Sales, Action::Read);
    k.store.read(|tx| {
        let today = company_today(tx, tx.now())?;
        // The owners the caller reaches, through the counted owner index: page N and the
        // total without a scan.
        let source = match q.customer_id {
            Some(c) => Source::key("customer", IndexKey::new().u64(c)),
            None => Source::owners("owner", p.owners_in(scope)),
        };
        let query = Query::<SalesOrder>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.status.is_some(), |r| Some(r.data.status) == q.status)
            .filter_if(q.open.is_some(), |r| {
                let open = r.data.status != OrderStatus::Cancelled
                    && !receipts::is_settled(tx, r.id, &r.data).unwrap_or(false);
                q.open == Some(open)
            })
            .filter_if(needle.is_some(), |r| {
                needle.as_deref().is_none_or(|n| {
                    let fold = crate::search::text::fold;
                    fold(&r.data.number).contains(n)
                        || r.data
                            .customer_ref
                            .as_deref()
                            .is_some_and(|c| fold(c).contains(n))
                        || r.data
                            .lines
                            .iter()
                            .any(|l| fold(&l.description).contains(n))
                })
            });
        let query = if q.customer_id.is_some() {
            guard::readable(tx, p, query)?
        } else {
            query
        };
        query.run(tx)?.try_map(|r| row(tx, p, &r, today))
    })
}
