//! Supplier invoices and payables (FIN-2, payables half). A supplier invoice carries the
//! supplier's own number, the purchase orders it bills (of that supplier, in its currency), the
//! amount, the invoice date and the due date — entered, or taken from the first purchase
//! order's payment terms: the first number of days in them ("T/T 30 days", "月结 60 天",
//! "net 45") counted from the invoice date; terms without one need the due date entered.
//!
//! Payments (date, amount in the invoice's currency, the rate of their date unless given) make
//! it partly paid, then paid; paying more than is outstanding is refused, naming the amount.
//! The invoice's amount is shared over its purchase orders by their totals with
//! `Money::allocate` (whole cents that add up to the amount exactly).
//!
//! Invoices are finance's (the finance module, scope `all`: they have no owner); amounts are
//! supplier prices, left out for roles that hide them. The daily job `payables.remind` tells the
//! finance users (active, non-admin, finance create with scope `all`) of each open invoice
//! falling due within the inventory settings' `payable_reminder_days` (3 by default), once per
//! invoice and due date, in the reader's language.

use std::collections::BTreeMap;

use chrono::{DateTime, Days, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::purchase::{PoStatus, PurchaseOrder};
use super::suppliers::Supplier;
use super::{conflict, invalid, settings};
use crate::auth::{Action, FieldClass, Module, Principal, Scope};
use crate::domain::Kontor;
use crate::domain::accounts;
use crate::domain::crm::company_today;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard};
use crate::domain::money::{Currency, Money};
use crate::domain::notify::{self, Message, NotifyKind, RecordRef};
use crate::domain::sales::lines;
use crate::domain::sales::rates::{self, RateUsed};
use crate::domain::validate;
use crate::error::{AppError, AppResult};
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Payment {
    pub date: NaiveDate,
    /// In the invoice's currency (a supplier price).
    pub amount: Money,
    /// The rate of the payment's date (or the one given).
    pub rate: RateUsed,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct SupplierInvoice {
    /// The supplier's own invoice number.
    pub number: String,
    pub supplier_id: u64,
    pub po_ids: Vec<u64>,
    pub amount: Money,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    pub payments: Vec<Payment>,
    pub note: Option<String>,
}

impl SupplierInvoice {
    pub fn paid(&self) -> Decimal {
        self.payments.iter().map(|p| p.amount.amount).sum()
    }
    pub fn outstanding(&self) -> Decimal {
        self.amount.amount - self.paid()
    }
    pub fn status(&self) -> InvoiceStatus {
        let paid = self.paid();
        if paid.is_zero() {
            InvoiceStatus::Open
        } else if paid < self.amount.amount {
            InvoiceStatus::PartlyPaid
        } else {
            InvoiceStatus::Paid
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum InvoiceStatus {
    Open,
    PartlyPaid,
    Paid,
}

impl Entity for SupplierInvoice {
    const KIND: &'static str = "supplier_invoice";
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] =
        &[("amount", "supplier_price"), ("payments", "supplier_price")];
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("supplier", |i: &SupplierInvoice| {
                vec![IndexKey::new().u64(i.supplier_id)]
            }),
            // One supplier's number once.
            IndexDef::unique("number", "number", |i: &SupplierInvoice| {
                vec![
                    IndexKey::new()
                        .u64(i.supplier_id)
                        .str(&i.number.to_lowercase()),
                ]
            }),
        ]
    }
    fn title(&self) -> String {
        self.number.clone()
    }
}

impl Guarded for SupplierInvoice {
    const MODULE: Module = Module::Finance;
    const OWNER: Owner = Owner::Own;
    const HIDDEN: &'static [(&'static str, FieldClass)] = &[
        ("amount", FieldClass::SupplierPrice),
        ("paid", FieldClass::SupplierPrice),
        ("outstanding", FieldClass::SupplierPrice),
        ("payments", FieldClass::SupplierPrice),
        ("po_shares", FieldClass::SupplierPrice),
    ];
    /// Finance's, with scope `all` (no owner).
    fn readable_unowned(&self, _tx: &Tx, p: &Principal) -> AppResult<bool> {
        Ok(p.scope(Module::Finance, Action::Read) == Scope::All)
    }
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PoShare {
    pub po_id: u64,
    pub po_number: String,
    pub amount: Money,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct InvoiceView {
    pub id: u64,
    pub number: String,
    pub supplier_id: u64,
    pub supplier_name: String,
    pub po_ids: Vec<u64>,
    /// The amount shared over the purchase orders by their totals (exact to the cent).
    pub po_shares: Vec<PoShare>,
    pub amount: Money,
    pub paid: Money,
    pub outstanding: Money,
    pub status: InvoiceStatus,
    pub invoice_date: NaiveDate,
    pub due_date: NaiveDate,
    /// Days past the due date (negative: days left).
    pub days_overdue: i64,
    pub payments: Vec<Payment>,
    pub note: Option<String>,
    pub version: u64,
}

fn view_of(tx: &Tx, r: &Record<SupplierInvoice>, today: NaiveDate) -> AppResult<InvoiceView> {
    let i = &r.data;
    let mut pos = Vec::new();
    for id in &i.po_ids {
        if let Some(po) = tx.get::<PurchaseOrder>(*id)? {
            pos.push((*id, po.data.number.clone(), po.data.total().amount));
        }
    }
    let weights: Vec<Decimal> = pos.iter().map(|p| p.2).collect();
    let po_shares = i
        .amount
        .allocate(&weights)
        .into_iter()
        .zip(&pos)
        .map(|(amount, (id, number, _))| PoShare {
            po_id: *id,
            po_number: number.clone(),
            amount,
        })
        .collect();
    Ok(InvoiceView {
        id: r.id,
        number: i.number.clone(),
        supplier_id: i.supplier_id,
        supplier_name: tx
            .get::<Supplier>(i.supplier_id)?
            .map(|s| s.data.name)
            .unwrap_or_default(),
        po_ids: i.po_ids.clone(),
        po_shares,
        amount: i.amount,
        paid: Money::new(i.paid(), i.amount.currency),
        outstanding: Money::new(i.outstanding(), i.amount.currency),
        status: i.status(),
        invoice_date: i.invoice_date,
        due_date: i.due_date,
        days_overdue: (today - i.due_date).num_days(),
        payments: i.payments.clone(),
        note: i.note.clone(),
        version: r.meta.version,
    })
}

fn view(tx: &Tx, p: &Principal, r: &Record<SupplierInvoice>) -> AppResult<serde_json::Value> {
    let today = company_today(tx, tx.now())?;
    guard::show(p, SupplierInvoice::HIDDEN, &view_of(tx, r, today)?)
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InvoiceInput {
    /// The supplier's invoice number.
    pub number: String,
    pub supplier_id: u64,
    /// Purchase orders of that supplier, in the invoice's currency (at least one).
    pub po_ids: Vec<u64>,
    pub amount: Money,
    pub invoice_date: NaiveDate,
    /// From the first purchase order's payment terms when not given.
    pub due_date: Option<NaiveDate>,
    pub note: Option<String>,
}

/// The first number of days in payment terms: "T/T 30 days" → 30, "月结60天" → 60, "net 45" → 45.
pub fn terms_days(terms: &str) -> Option<u32> {
    let digits: String = terms
        .chars()
        .skip_while(|c| !c.is_ascii_digit())
        .take_while(char::is_ascii_digit)
        .collect();
    digits.parse().ok().filter(|d| *d <= 365)
}

fn positive(field: &str, m: &Money) -> AppResult<()> {
    if m.amount <= Decimal::ZERO || m.amount.scale() > m.currency.minor_units() {
        return Err(invalid(
            field,
            format!("金额应大于 0，最多 {} 位小数。", m.currency.minor_units()),
            format!(
                "The amount must be more than 0, with at most {} decimals.",
                m.currency.minor_units()
            ),
        ));
    }
    Ok(())
}

pub fn create(k: &Kontor, p: &Principal, input: InvoiceInput) -> AppResult<serde_json::Value> {
    p.require_all(Module::Finance, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let number = validate::text("number", &input.number, 100)?;
        let supplier = tx.get_live::<Supplier>(input.supplier_id).map_err(|_| {
            invalid(
                "supplier_id",
                format!("供应商 #{} 不存在。", input.supplier_id),
                format!("Supplier #{} does not exist.", input.supplier_id),
            )
        })?;
        positive("amount", &input.amount)?;
        if input.po_ids.is_empty() {
            return Err(AppError::required("po_ids"));
        }
        let mut terms = None;
        for (i, id) in input.po_ids.iter().enumerate() {
            let f = format!("po_ids[{i}]");
            let po = tx.get_live::<PurchaseOrder>(*id).map_err(|_| {
                invalid(
                    &f,
                    format!("采购订单 #{id} 不存在。"),
                    format!("Purchase order #{id} does not exist."),
                )
            })?;
            if input.po_ids[..i].contains(id) {
                return Err(invalid(
                    &f,
                    "同一采购订单列了两次。".into(),
                    "The same purchase order is listed twice.".into(),
                ));
            }
            if po.data.supplier_id != input.supplier_id
                || po.data.currency != input.amount.currency
                || matches!(po.data.status, PoStatus::Draft | PoStatus::Cancelled)
            {
                return Err(invalid(
                    &f,
                    format!(
                        "采购订单 {} 须是供应商“{}”已确认的 {} 订单。",
                        po.data.number, supplier.data.name, input.amount.currency
                    ),
                    format!(
                        "Purchase order {} must be a confirmed {} order of “{}”.",
                        po.data.number, input.amount.currency, supplier.data.name
                    ),
                ));
            }
            if i == 0 {
                terms = po.data.payment_terms.clone();
            }
        }
        let due_date = match input.due_date {
            Some(d) => d,
            None => {
                let days = terms.as_deref().and_then(terms_days).ok_or_else(|| {
                    invalid(
                        "due_date",
                        "采购订单的付款条件里没有天数：请填写到期日。".into(),
                        "The purchase order's payment terms give no number of days: enter the due date."
                            .into(),
                    )
                })?;
                input
                    .invoice_date
                    .checked_add_days(Days::new(days.into()))
                    .unwrap_or(input.invoice_date)
            }
        };
        if due_date < input.invoice_date {
            return Err(invalid(
                "due_date",
                "到期日不能早于发票日期。".into(),
                "The due date cannot be before the invoice date.".into(),
            ));
        }
        let key = IndexKey::new()
            .u64(input.supplier_id)
            .str(&number.to_lowercase());
        if !tx
            .ids_by_index::<SupplierInvoice>("number", &key, false)?
            .is_empty()
        {
            return Err(conflict(
                "number",
                format!("供应商“{}”的发票 {number} 已登记。", supplier.data.name),
                format!(
                    "Invoice {number} of “{}” is already recorded.",
                    supplier.data.name
                ),
            ));
        }
        let inv = SupplierInvoice {
            number,
            supplier_id: input.supplier_id,
            po_ids: input.po_ids.clone(),
            amount: input.amount.rounded(),
            invoice_date: input.invoice_date,
            due_date,
            payments: Vec::new(),
            note: validate::optional_text("note", input.note.as_deref(), 2000)?,
        };
        let r = guard::insert(tx, p, inv)?;
        view(tx, p, &r)
    })
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<serde_json::Value> {
    p.require_all(Module::Finance, Action::Read)?;
    k.store.read(|tx| {
        let r = guard::open::<SupplierInvoice>(tx, p, id, Action::Read)?;
        view(tx, p, &r)
    })
}

/// An invoice without payments may be deleted (to the recycle bin).
pub fn delete(k: &Kontor, p: &Principal, id: u64, version: Option<u64>) -> AppResult<()> {
    p.require_all(Module::Finance, Action::Delete)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let r = guard::open::<SupplierInvoice>(tx, &principal, id, Action::Delete)?;
        if !r.data.payments.is_empty() {
            return Err(conflict(
                "payments",
                "已有付款的发票不能删除。".into(),
                "An invoice with payments cannot be deleted.".into(),
            ));
        }
        guard::delete::<SupplierInvoice>(tx, &principal, id, Action::Delete, version)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentInput {
    pub date: NaiveDate,
    /// In the invoice's currency.
    pub amount: Money,
    /// Base currency per unit; the rate of the date when not given.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "7.1")]
    pub rate: Option<Decimal>,
    pub note: Option<String>,
    pub version: Option<u64>,
}

/// Records a payment; more than is outstanding is refused (409 on `amount`).
pub fn pay(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: PaymentInput,
) -> AppResult<serde_json::Value> {
    p.require_all(Module::Finance, Action::Update)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::open::<SupplierInvoice>(tx, p, id, Action::Update)?;
        let inv = &r.data;
        positive("amount", &input.amount)?;
        if input.amount.currency != inv.amount.currency {
            return Err(invalid(
                "amount",
                format!("付款币种应为发票币种 {}。", inv.amount.currency),
                format!(
                    "The payment must be in the invoice's currency, {}.",
                    inv.amount.currency
                ),
            ));
        }
        let outstanding = inv.outstanding();
        if input.amount.amount > outstanding {
            let open = Money::new(outstanding, inv.amount.currency);
            return Err(conflict(
                "amount",
                format!("付款超过未付金额 {open}。"),
                format!("The payment is more than the {open} outstanding."),
            ));
        }
        let rate = match input.rate {
            Some(r) if r > Decimal::ZERO => RateUsed {
                base: rates::base_currency(tx)?,
                rate: r,
                date: Some(input.date),
            },
            Some(_) => {
                return Err(invalid(
                    "rate",
                    "汇率应大于 0。".into(),
                    "The rate must be more than 0.".into(),
                ));
            }
            None => rates::rate_on(tx, inv.amount.currency, input.date, "rate")?,
        };
        let payment = Payment {
            date: input.date,
            amount: input.amount,
            rate,
            note: validate::optional_text("note", input.note.as_deref(), 500)?,
        };
        let r = tx.update::<SupplierInvoice, AppError>(&p.actor(), id, input.version, |i| {
            i.payments.push(payment);
            Ok(())
        })?;
        view(tx, p, &r)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct InvoiceQuery {
    pub supplier_id: Option<u64>,
    pub status: Option<InvoiceStatus>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

pub fn list(k: &Kontor, p: &Principal, q: InvoiceQuery) -> AppResult<List<serde_json::Value>> {
    p.require_all(Module::Finance, Action::Read)?;
    k.store.read(|tx| {
        let source = match q.supplier_id {
            Some(s) => Source::key("supplier", IndexKey::new().u64(s)),
            None => Source::All,
        };
        let query = Query::<SupplierInvoice>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.status.is_some(), |r| Some(r.data.status()) == q.status);
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, p, &r))
    })
}

/// Open amounts of one currency by age (days past due).
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
#[schema(as = PayableAgingRow)]
pub struct AgingRow {
    pub currency: Currency,
    pub not_due: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
    pub total: Money,
    pub invoices: u64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Aging {
    pub date: NaiveDate,
    /// One row per currency (amounts of different currencies are never added).
    pub rows: Vec<AgingRow>,
}

/// Open payables by age as of today, per currency.
pub fn aging(k: &Kontor, p: &Principal) -> AppResult<serde_json::Value> {
    p.require_all(Module::Finance, Action::Read)?;
    if p.hides(FieldClass::SupplierPrice) {
        return Err(AppError::forbidden());
    }
    k.store.read(|tx| {
        let today = company_today(tx, tx.now())?;
        let mut rows: BTreeMap<String, AgingRow> = BTreeMap::new();
        tx.for_each::<SupplierInvoice>(false, &mut |r| {
            if r.meta.is_deleted() || r.data.outstanding() <= Decimal::ZERO {
                return Ok(true);
            }
            let c = r.data.amount.currency;
            let zero = Money::new(Decimal::ZERO, c);
            let row = rows.entry(c.code().to_string()).or_insert(AgingRow {
                currency: c,
                not_due: zero,
                days_1_30: zero,
                days_31_60: zero,
                days_61_90: zero,
                over_90: zero,
                total: zero,
                invoices: 0,
            });
            let open = r.data.outstanding();
            let slot = match (today - r.data.due_date).num_days() {
                d if d <= 0 => &mut row.not_due,
                1..=30 => &mut row.days_1_30,
                31..=60 => &mut row.days_31_60,
                61..=90 => &mut row.days_61_90,
                _ => &mut row.over_90,
            };
            slot.amount += open;
            row.total.amount += open;
            row.invoices += 1;
            Ok(true)
        })?;
        let view = Aging {
            date: today,
            rows: rows.into_values().collect(),
        };
        serde_json::to_value(view).map_err(AppError::internal)
    })
}

/// Who is told of payables: active users who record finance for the whole company,
/// administrators excepted.
fn finance_users(tx: &Tx) -> AppResult<Vec<u64>> {
    accounts::users_where(tx, |p| {
        !p.is_admin
            && p.scope(Module::Finance, Action::Create) == Scope::All
            && !p.hides(FieldClass::SupplierPrice)
    })
}

/// The daily reminders as of `now` (see the module's note); remembered per invoice and due
/// date, so a run after downtime tells once.
pub fn remind(k: &Kontor, now: DateTime<Utc>) -> AppResult<()> {
    k.store.write(move |tx| {
        tx.set_now(now);
        let today = company_today(tx, now)?;
        let days = i64::from(settings::current(tx)?.payable_reminder_days);
        let mut due = Vec::new();
        tx.for_each::<SupplierInvoice>(false, &mut |r| {
            let left = (r.data.due_date - today).num_days();
            if !r.meta.is_deleted()
                && r.data.outstanding() > Decimal::ZERO
                && (0..=days).contains(&left)
            {
                due.push(r);
            }
            Ok(true)
        })?;
        if due.is_empty() {
            return Ok(());
        }
        let finance = finance_users(tx)?;
        for r in due {
            let mark = format!("{}:{}", r.id, r.data.due_date);
            if tx.kv_get("payable_reminders", mark.as_bytes())?.is_some() {
                continue;
            }
            tx.kv_put("payable_reminders", mark.as_bytes(), b"1")?;
            let open = Money::new(
                lines::round(r.data.outstanding(), r.data.amount.currency),
                r.data.amount.currency,
            );
            let supplier = tx
                .get::<Supplier>(r.data.supplier_id)?
                .map(|s| s.data.name)
                .unwrap_or_default();
            for user in &finance {
                notify::notify(
                    tx,
                    *user,
                    NotifyKind::PayableDue,
                    Some(RecordRef::of::<SupplierInvoice>(r.id)),
                    Message::new("payable.due")
                        .text("invoice", r.data.number.clone())
                        .text("supplier", supplier.clone())
                        .text("amount", format!("{} {}", open.currency, open.amount))
                        .text("due", r.data.due_date.to_string()),
                )?;
            }
        }
        Ok(())
    })
}
