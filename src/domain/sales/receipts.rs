//! Receipts and matching (回款核销): finance records the money that came in (payer, amount,
//! currency, date, the rate of that day, the bank fee deducted, the remittance text); Kontor
//! proposes how it pays the customer's open instalments — by an order number in the
//! remittance text, else by an amount that settles an instalment or an order exactly, else
//! the oldest open instalment first — and finance confirms. A receipt keeps its own
//! allocations: received amounts everywhere are sums of the active receipts' allocations, so
//! cancelling a receipt reverses exactly its own and nothing is counted twice. What a receipt
//! has not paid out is the customer's credit, used on a later order or refunded. Credit notes
//! are receipts without money (a price reduction granted), allocated the same way.
//!
//! Exchange gain/loss (FIN-3): each allocation of a receipt in a foreign currency records
//! amount × (receipt-date rate − order-date rate) in the base currency, dated the later of the
//! receipt and the order.

use chrono::{DateTime, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lines;
use super::orders::{self, OrderStatus, SalesOrder, number_key};
use super::rates::{self, RateUsed};
use crate::auth::{Action, Module, Principal};
use crate::domain::crm::model::Customer;
use crate::domain::kit::{Guarded, List, Owner, Paging, Query, Source, guard, names};
use crate::domain::money::{Currency, Money};
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{Entity, IndexDef, IndexKey, Record, Tx};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptKind {
    /// Money received in the bank.
    Payment,
    /// A reduction granted to the customer (a claim, a discount after the fact): pays
    /// instalments without money and without exchange difference.
    CreditNote,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReceiptStatus {
    Active,
    /// Entered in error and cancelled: its allocations no longer count.
    Cancelled,
}

/// Part of a receipt paying an instalment of an order.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Allocation {
    pub order_id: u64,
    pub instalment: usize,
    /// In the receipt's (and the order's) currency.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    /// Exchange gain (+) or loss (−) in the base currency.
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub fx: Decimal,
    /// The later of the receipt's and the order's date.
    pub fx_date: NaiveDate,
    pub at: DateTime<Utc>,
    pub by: Option<u64>,
}

/// Credit paid back to the customer.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, utoipa::ToSchema)]
pub struct Refund {
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String)]
    pub amount: Decimal,
    pub date: NaiveDate,
    pub note: Option<String>,
}

#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Receipt {
    /// RC-YYYY-NNNN (CN-YYYY-NNNN for credit notes).
    pub number: String,
    pub kind: ReceiptKind,
    pub customer_id: u64,
    /// The customer's owner (kept in step with the customer).
    pub owner_id: Option<u64>,
    pub payer: Option<String>,
    /// What reached the bank account.
    pub amount: Money,
    /// Deducted by the banks on the way (the customer paid `amount + bank_fee`).
    #[serde(with = "rust_decimal::serde::str")]
    pub bank_fee: Decimal,
    pub date: NaiveDate,
    /// The rate of the receipt's date (entered, or from the rate table).
    pub rate: RateUsed,
    pub remittance: Option<String>,
    pub allocations: Vec<Allocation>,
    pub refunds: Vec<Refund>,
    pub status: ReceiptStatus,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
}

impl Receipt {
    /// What the customer paid: the amount received plus the bank fee.
    pub fn gross(&self) -> Decimal {
        self.amount.amount + self.bank_fee
    }
    pub fn allocated(&self) -> Decimal {
        self.allocations.iter().map(|a| a.amount).sum()
    }
    /// Not yet allocated or refunded: the customer's credit.
    pub fn available(&self) -> Decimal {
        if self.status == ReceiptStatus::Cancelled {
            return Decimal::ZERO;
        }
        self.gross() - self.allocated() - self.refunds.iter().map(|r| r.amount).sum::<Decimal>()
    }
    /// The bank fee's share of each allocation (in the receipt's currency), the parts summing
    /// exactly to the fee; the share of what is still credit is kept back.
    fn fee_shares(&self) -> Vec<Decimal> {
        if self.bank_fee.is_zero() || self.allocations.is_empty() {
            return vec![Decimal::ZERO; self.allocations.len()];
        }
        let mut weights: Vec<Decimal> = self.allocations.iter().map(|a| a.amount).collect();
        weights.push(self.gross() - self.allocated());
        Money::new(self.bank_fee, self.amount.currency)
            .allocate(&weights)
            .into_iter()
            .take(self.allocations.len())
            .map(|m| m.amount)
            .collect()
    }
}

impl Entity for Receipt {
    const KIND: &'static str = "receipt";
    const SEARCHABLE: bool = false;
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("customer", |r: &Receipt| {
                vec![IndexKey::new().u64(r.customer_id)]
            })
            .keep_deleted(),
            IndexDef::many("order", |r: &Receipt| {
                let mut ids: Vec<u64> = r.allocations.iter().map(|a| a.order_id).collect();
                ids.sort_unstable();
                ids.dedup();
                ids.into_iter().map(|id| IndexKey::new().u64(id)).collect()
            }),
            IndexDef::many("owner", |r: &Receipt| {
                vec![IndexKey::new().u64(r.owner_id.unwrap_or(0))]
            })
            .counted(),
            IndexDef::unique("number", "number", |r: &Receipt| {
                vec![IndexKey::new().str(&r.number)]
            }),
        ]
    }
    fn title(&self) -> String {
        format!("{} {}", self.number, self.amount)
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

impl Guarded for Receipt {
    const MODULE: Module = Module::Finance;
    const OWNER: Owner = Owner::Parent("customer");
    fn readable_unowned(&self, tx: &Tx, p: &Principal) -> AppResult<bool> {
        super::unowned_readable(tx, p, self.customer_id, Self::MODULE)
    }
    const PARENT_INDEX: &'static str = "customer";
    fn moves_with_parent(&self, previous: Option<u64>) -> bool {
        self.owner_id == previous
    }
    fn set_owner(&mut self, owner: Option<u64>) {
        self.owner_id = owner;
    }
}

// ---- what orders read ------------------------------------------------------------------------

/// An allocation to an order, as the order shows it.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct OrderAllocation {
    pub receipt_id: u64,
    pub receipt_number: String,
    pub credit_note: bool,
    pub date: NaiveDate,
    pub instalment: usize,
    pub amount: Money,
    /// The receipt's rate.
    #[schema(value_type = String)]
    pub rate: String,
    pub fx: Money,
    pub fx_date: NaiveDate,
    /// This allocation's share of the receipt's bank fee, and the same in the base currency.
    pub fee: Money,
    pub fee_base: Money,
}

/// The active receipts' allocations to an order, oldest first.
pub fn allocations_to(tx: &Tx, order_id: u64) -> AppResult<Vec<OrderAllocation>> {
    let mut out = Vec::new();
    for id in tx.ids_by_index::<Receipt>("order", &IndexKey::new().u64(order_id), false)? {
        let Ok(r) = tx.get_live::<Receipt>(id) else {
            continue;
        };
        if r.data.status != ReceiptStatus::Active {
            continue;
        }
        let fees = r.data.fee_shares();
        for (a, fee) in r.data.allocations.iter().zip(fees) {
            if a.order_id != order_id {
                continue;
            }
            let currency = r.data.amount.currency;
            out.push(OrderAllocation {
                receipt_id: id,
                receipt_number: r.data.number.clone(),
                credit_note: r.data.kind == ReceiptKind::CreditNote,
                date: r.data.date,
                instalment: a.instalment,
                amount: Money::new(a.amount, currency),
                rate: r.data.rate.rate.to_string(),
                fx: Money::new(a.fx, r.data.rate.base),
                fx_date: a.fx_date,
                fee: Money::new(fee, currency),
                fee_base: Money::new(r.data.rate.to_base(fee), r.data.rate.base),
            });
        }
    }
    out.sort_by_key(|a| (a.date, a.receipt_id));
    Ok(out)
}

/// Whether nothing is left to collect on the order (cancelled orders are settled).
pub fn is_settled(tx: &Tx, order_id: u64, o: &SalesOrder) -> AppResult<bool> {
    if o.status == OrderStatus::Cancelled {
        return Ok(true);
    }
    let allocs = allocations_to(tx, order_id)?;
    Ok(orders::receivable(o, &allocs).settled)
}

/// An open instalment: (index in the plan, due date if dated, amount still open).
type OpenInstalment = (usize, Option<NaiveDate>, Decimal);

/// Outstanding per instalment of an order, as (index, due, outstanding).
fn open_instalments(tx: &Tx, order_id: u64, o: &SalesOrder) -> AppResult<Vec<OpenInstalment>> {
    let allocs = allocations_to(tx, order_id)?;
    Ok(o.plan
        .iter()
        .enumerate()
        .map(|(i, inst)| {
            let paid: Decimal = allocs
                .iter()
                .filter(|a| a.instalment == i)
                .map(|a| a.amount.amount)
                .sum();
            (i, inst.due, inst.amount - paid)
        })
        .filter(|(_, _, left)| *left > Decimal::ZERO)
        .collect())
}

// ---- recording -------------------------------------------------------------------------------

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReceiptInput {
    /// The paying customer; found from an order number in the remittance text when absent.
    pub customer_id: Option<u64>,
    #[serde(default = "payment")]
    pub kind: ReceiptKind,
    pub payer: Option<String>,
    /// What reached the bank account.
    pub amount: Money,
    /// Deducted on the way (0 when not given).
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "25.00")]
    pub bank_fee: Option<Decimal>,
    pub date: NaiveDate,
    /// The rate of the day; from the rate table when not given.
    #[serde(default, with = "rust_decimal::serde::str_option")]
    #[schema(value_type = Option<String>, example = "7.1234")]
    pub rate: Option<Decimal>,
    pub remittance: Option<String>,
}

fn payment() -> ReceiptKind {
    ReceiptKind::Payment
}

/// One allocation as finance confirms it.
#[derive(Clone, Debug, Deserialize, Serialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocationInput {
    pub order_id: u64,
    pub instalment: usize,
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "3000.00")]
    pub amount: Decimal,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AllocateInput {
    pub allocations: Vec<AllocationInput>,
    pub version: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RefundInput {
    #[serde(with = "rust_decimal::serde::str")]
    #[schema(value_type = String, example = "100.00")]
    pub amount: Decimal,
    pub date: NaiveDate,
    pub note: Option<String>,
    pub version: Option<u64>,
}

/// Takes back one allocation of a receipt, by its index in `allocations`.
#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UnallocateInput {
    pub index: usize,
    pub version: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CancelInput {
    pub reason: Option<String>,
    pub version: Option<u64>,
}

/// Why Kontor proposes an allocation.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MatchReason {
    /// The order's number is in the remittance text.
    Reference,
    /// The amount settles this instalment (or this order) exactly.
    Amount,
    /// The oldest open instalment.
    Oldest,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Proposal {
    pub order_id: u64,
    pub order_number: String,
    pub instalment: usize,
    pub label: String,
    pub due: Option<NaiveDate>,
    /// Outstanding on the instalment before this receipt.
    pub outstanding: Money,
    pub amount: Money,
    pub reason: MatchReason,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ReceiptView {
    pub id: u64,
    pub number: String,
    pub kind: ReceiptKind,
    pub customer_id: u64,
    pub customer_name: String,
    pub owner_name: Option<String>,
    pub payer: Option<String>,
    pub amount: Money,
    pub bank_fee: Money,
    /// What the customer paid (amount + bank fee): what the instalments are paid with.
    pub gross: Money,
    pub date: NaiveDate,
    pub rate: RateUsed,
    pub remittance: Option<String>,
    pub allocations: Vec<AllocationRow>,
    pub refunds: Vec<Refund>,
    pub allocated: Money,
    /// Not yet allocated or refunded: the customer's credit.
    pub available: Money,
    pub fx: Money,
    pub status: ReceiptStatus,
    pub cancelled_at: Option<DateTime<Utc>>,
    pub cancel_reason: Option<String>,
    /// For an active receipt with money left: how Kontor would allocate it.
    pub proposals: Vec<Proposal>,
    pub created_at: DateTime<Utc>,
    pub version: u64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AllocationRow {
    pub index: usize,
    pub order_id: u64,
    pub order_number: String,
    pub instalment: usize,
    pub amount: Money,
    pub fx: Money,
    pub fx_date: NaiveDate,
}

fn invalid(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

fn conflict(field: &str, zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict)
        .on_field(field)
        .with_msg(Msg::new(zh, en))
}

fn order_number(tx: &Tx, id: u64) -> AppResult<String> {
    Ok(tx
        .get::<SalesOrder>(id)?
        .map(|o| o.data.number)
        .unwrap_or_default())
}

fn view(tx: &Tx, r: Record<Receipt>, lang: Lang) -> AppResult<ReceiptView> {
    let d = &r.data;
    let currency = d.amount.currency;
    let proposals = if d.status == ReceiptStatus::Active && d.available() > Decimal::ZERO {
        propose(tx, d, lang)?
    } else {
        Vec::new()
    };
    let allocations = d
        .allocations
        .iter()
        .enumerate()
        .map(|(i, a)| {
            Ok(AllocationRow {
                index: i,
                order_id: a.order_id,
                order_number: order_number(tx, a.order_id)?,
                instalment: a.instalment,
                amount: Money::new(a.amount, currency),
                fx: Money::new(a.fx, d.rate.base),
                fx_date: a.fx_date,
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    Ok(ReceiptView {
        id: r.id,
        number: d.number.clone(),
        kind: d.kind,
        customer_id: d.customer_id,
        customer_name: tx
            .get::<Customer>(d.customer_id)?
            .map(|c| c.data.name)
            .unwrap_or_default(),
        owner_name: names(tx, d.owner_id)?.into_values().next(),
        payer: d.payer.clone(),
        amount: d.amount,
        bank_fee: Money::new(d.bank_fee, currency),
        gross: Money::new(d.gross(), currency),
        date: d.date,
        rate: d.rate,
        remittance: d.remittance.clone(),
        allocations,
        refunds: d.refunds.clone(),
        allocated: Money::new(d.allocated(), currency),
        available: Money::new(d.available(), currency),
        fx: Money::new(
            if d.status == ReceiptStatus::Active {
                d.allocations.iter().map(|a| a.fx).sum()
            } else {
                Decimal::ZERO
            },
            d.rate.base,
        ),
        status: d.status,
        cancelled_at: d.cancelled_at,
        cancel_reason: d.cancel_reason.clone(),
        proposals,
        created_at: r.meta.created_at,
        version: r.meta.version,
    })
}

/// Order numbers written in a remittance text (`SO-2026-0012`, `so2026 0012`, `SO20260012`):
/// the orders they name.
fn referenced_orders(tx: &Tx, text: &str) -> AppResult<Vec<u64>> {
    let folded: Vec<char> = number_key(text).chars().collect();
    let mut found = Vec::new();
    let mut i = 0;
    while i + 2 < folded.len() {
        if folded[i] == 'S' && folded[i + 1] == 'O' {
            let digits: String = folded[i + 2..]
                .iter()
                .take_while(|c| c.is_ascii_digit())
                .collect();
            // Year and a sequence of at least four digits; try the longest first.
            for len in (8..=digits.len()).rev() {
                let key = format!("SO{}", &digits[..len]);
                if let Some(id) =
                    tx.find_unique::<SalesOrder>("number", &IndexKey::new().str(&key))?
                {
                    if !found.contains(&id) {
                        found.push(id);
                    }
                    break;
                }
            }
            i += 2 + digits.len();
        } else {
            i += 1;
        }
    }
    Ok(found)
}

/// The customer's orders in `currency` with money to collect, their open instalments in the
/// order they fall due (undated ones last), oldest order first.
fn open_of_customer(
    tx: &Tx,
    customer_id: u64,
    currency: Currency,
) -> AppResult<Vec<(Record<SalesOrder>, Vec<OpenInstalment>)>> {
    let mut out = Vec::new();
    for id in tx.ids_by_index::<SalesOrder>("customer", &IndexKey::new().u64(customer_id), false)? {
        let Ok(o) = tx.get_live::<SalesOrder>(id) else {
            continue;
        };
        if o.data.status == OrderStatus::Cancelled || o.data.currency != currency {
            continue;
        }
        let open = open_instalments(tx, id, &o.data)?;
        if !open.is_empty() {
            out.push((o, open));
        }
    }
    out.sort_by_key(|(o, open)| {
        (
            open.iter()
                .filter_map(|i| i.1)
                .min()
                .unwrap_or(NaiveDate::MAX),
            o.data.order_date(),
            o.id,
        )
    });
    Ok(out)
}

/// How the receipt's available amount would pay the customer's open instalments.
pub fn propose(tx: &Tx, r: &Receipt, lang: Lang) -> AppResult<Vec<Proposal>> {
    let mut left = r.available();
    let currency = r.amount.currency;
    let orders = open_of_customer(tx, r.customer_id, currency)?;
    let mut out = Vec::new();
    let mut take = |o: &Record<SalesOrder>,
                    i: usize,
                    due: Option<NaiveDate>,
                    open: Decimal,
                    reason: MatchReason,
                    left: &mut Decimal| {
        if *left <= Decimal::ZERO {
            return;
        }
        let amount = open.min(*left);
        *left -= amount;
        out.push(Proposal {
            order_id: o.id,
            order_number: o.data.number.clone(),
            instalment: i,
            label: o.data.plan[i].part.label(lang).to_string(),
            due,
            outstanding: Money::new(open, currency),
            amount: Money::new(amount, currency),
            reason,
        });
    };
    // 1. The orders named in the remittance text.
    let named = match &r.remittance {
        Some(text) => referenced_orders(tx, text)?,
        None => Vec::new(),
    };
    let by_reference: Vec<_> = orders
        .iter()
        .filter(|(o, _)| named.contains(&o.id))
        .collect();
    if !by_reference.is_empty() {
        for (o, open) in by_reference {
            let mut open = open.clone();
            open.sort_by_key(|(i, due, _)| (due.unwrap_or(NaiveDate::MAX), *i));
            for (i, due, amount) in open {
                take(o, i, due, amount, MatchReason::Reference, &mut left);
            }
        }
        return Ok(out);
    }
    // 2. An instalment, or else an order, that the amount settles exactly.
    let exact_instalment = orders
        .iter()
        .find_map(|(o, open)| open.iter().find(|(_, _, a)| *a == left).map(|i| (o, *i)));
    if let Some((o, (i, due, amount))) = exact_instalment {
        take(o, i, due, amount, MatchReason::Amount, &mut left);
        return Ok(out);
    }
    if let Some((o, open)) = orders
        .iter()
        .find(|(_, open)| open.iter().map(|i| i.2).sum::<Decimal>() == left)
    {
        for (i, due, amount) in open.clone() {
            take(o, i, due, amount, MatchReason::Amount, &mut left);
        }
        return Ok(out);
    }
    // 3. Oldest open instalment first.
    let mut all: Vec<_> = orders
        .iter()
        .flat_map(|(o, open)| open.iter().map(move |i| (o, *i)))
        .collect();
    all.sort_by_key(|(o, (i, due, _))| {
        (due.unwrap_or(NaiveDate::MAX), o.data.order_date(), o.id, *i)
    });
    for (o, (i, due, amount)) in all {
        take(o, i, due, amount, MatchReason::Oldest, &mut left);
    }
    Ok(out)
}

/// Records a receipt (or a credit note). Nothing is allocated yet: the answer carries the
/// proposals for finance to confirm.
pub fn create(k: &Kontor, p: &Principal, input: ReceiptInput) -> AppResult<ReceiptView> {
    p.require(Module::Finance, Action::Create)?;
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let currency = input.amount.currency;
        if input.amount.amount <= Decimal::ZERO {
            return Err(invalid("amount.amount", "金额应大于 0。".into(), "The amount must be more than 0.".into()));
        }
        let amount = input.amount.rounded();
        if amount.amount != input.amount.amount {
            return Err(invalid(
                "amount.amount",
                format!("{currency} 金额最多 {} 位小数。", currency.minor_units()),
                format!("A {currency} amount has at most {} decimals.", currency.minor_units()),
            ));
        }
        let bank_fee = input.bank_fee.unwrap_or_default();
        if bank_fee < Decimal::ZERO || lines::round(bank_fee, currency) != bank_fee {
            return Err(invalid(
                "bank_fee",
                "银行费用应为不小于 0 的金额。".into(),
                "The bank fee must be an amount of 0 or more.".into(),
            ));
        }
        if input.kind == ReceiptKind::CreditNote && !bank_fee.is_zero() {
            return Err(invalid("bank_fee", "贷项通知单没有银行费用。".into(), "A credit note has no bank fee.".into()));
        }
        let remittance = validate::optional_text("remittance", input.remittance.as_deref(), 1000)?;
        let customer_id = match input.customer_id {
            Some(c) => c,
            None => {
                let named = match &remittance {
                    Some(text) => referenced_orders(tx, text)?,
                    None => Vec::new(),
                };
                let customers: std::collections::BTreeSet<u64> = named
                    .iter()
                    .filter_map(|id| tx.get_live::<SalesOrder>(*id).ok().map(|o| o.data.customer_id))
                    .collect();
                match customers.into_iter().collect::<Vec<_>>()[..] {
                    [one] => one,
                    _ => return Err(AppError::required("customer_id")),
                }
            }
        };
        let customer = guard::open::<Customer>(tx, p, customer_id, Action::Read).map_err(|e| e.on_field("customer_id"))?;
        let base = rates::base_currency(tx)?;
        let rate = match (input.kind, input.rate) {
            (ReceiptKind::CreditNote, _) => RateUsed { base, rate: Decimal::ONE, date: None },
            (_, _) if currency == base => RateUsed { base, rate: Decimal::ONE, date: None },
            (_, Some(rate)) => {
                if rate <= Decimal::ZERO {
                    return Err(invalid("rate", "汇率应大于 0。".into(), "The rate must be more than 0.".into()));
                }
                RateUsed { base, rate: rate.normalize(), date: Some(input.date) }
            }
            (_, None) => {
                let r = rates::rate_on(tx, currency, input.date, "rate")?;
                if r.date != Some(input.date) {
                    return Err(invalid(
                        "rate",
                        format!("没有 {currency} 在 {} 当天的汇率：请填写当天汇率，或先在汇率表中录入。", input.date),
                        format!(
                            "There is no {currency} rate for {}: enter the day's rate, or add it to the rate table first.",
                            input.date
                        ),
                    ));
                }
                r
            }
        };
        let prefix = match input.kind {
            ReceiptKind::Payment => "RC",
            ReceiptKind::CreditNote => "CN",
        };
        use chrono::Datelike;
        let number = tx.next_document_number(prefix, input.date.year())?;
        let receipt = Receipt {
            number,
            kind: input.kind,
            customer_id,
            owner_id: customer.data.owner_id,
            payer: validate::optional_text("payer", input.payer.as_deref(), 200)?,
            amount,
            bank_fee,
            date: input.date,
            rate,
            remittance,
            allocations: Vec::new(),
            refunds: Vec::new(),
            status: ReceiptStatus::Active,
            cancelled_at: None,
            cancel_reason: None,
        };
        let r = insert_receipt(tx, p, receipt)?;
        view(tx, r, p.lang)
    })
}

/// Saves a receipt: its owner follows the customer even where the caller (finance) does not
/// own the customer.
fn insert_receipt(tx: &mut Tx, p: &Principal, r: Receipt) -> AppResult<Record<Receipt>> {
    p.require(Module::Finance, Action::Create)?;
    if !guard::may(tx, p, &r, Action::Create)? {
        return Err(AppError::forbidden());
    }
    Ok(tx.insert(&p.actor(), r)?)
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<ReceiptView> {
    k.store.read(|tx| {
        let r = guard::open::<Receipt>(tx, p, id, Action::Read)?;
        view(tx, r, p.lang)
    })
}

/// Confirms allocations of a receipt: each to an open instalment of an order of the same
/// customer and currency, no more than the instalment still holds, together no more than the
/// receipt has left. All or nothing.
pub fn allocate(
    k: &Kontor,
    p: &Principal,
    id: u64,
    input: AllocateInput,
) -> AppResult<ReceiptView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::open::<Receipt>(tx, p, id, Action::Update)?;
        if r.data.status != ReceiptStatus::Active {
            return Err(conflict(
                "status",
                "该收款已作废。".into(),
                "This receipt is cancelled.".into(),
            ));
        }
        if input.allocations.is_empty() {
            return Err(AppError::required("allocations"));
        }
        let now = tx.now();
        let currency = r.data.amount.currency;
        let mut left = r.data.available();
        let mut added = Vec::new();
        // Outstanding per (order, instalment), less what this request already gives it.
        let mut given: std::collections::BTreeMap<(u64, usize), Decimal> = Default::default();
        for (n, a) in input.allocations.iter().enumerate() {
            let f = |name: &str| format!("allocations[{n}].{name}");
            let order = orders::open(tx, p, a.order_id, Action::Read)
                .map_err(|e| e.on_field(f("order_id")))?;
            let o = &order.data;
            if o.customer_id != r.data.customer_id {
                return Err(invalid(
                    &f("order_id"),
                    format!("订单 {} 属于其他客户。", o.number),
                    format!("Order {} belongs to another customer.", o.number),
                ));
            }
            if o.status == OrderStatus::Cancelled {
                return Err(conflict(
                    &f("order_id"),
                    format!("订单 {} 已取消。", o.number),
                    format!("Order {} is cancelled.", o.number),
                ));
            }
            if o.currency != currency {
                return Err(invalid(
                    &f("order_id"),
                    format!(
                        "订单 {} 的币种是 {}，收款是 {currency}。",
                        o.number, o.currency
                    ),
                    format!(
                        "Order {} is in {}, the receipt in {currency}.",
                        o.number, o.currency
                    ),
                ));
            }
            let Some(inst) = o.plan.get(a.instalment) else {
                return Err(invalid(
                    &f("instalment"),
                    format!("订单 {} 没有第 {} 期。", o.number, a.instalment + 1),
                    format!("Order {} has no instalment {}.", o.number, a.instalment + 1),
                ));
            };
            if a.amount <= Decimal::ZERO || lines::round(a.amount, currency) != a.amount {
                return Err(invalid(
                    &f("amount"),
                    "核销金额应大于 0，且不超过币种的小数位。".into(),
                    format!(
                        "The amount must be above 0 with at most {} decimals.",
                        currency.minor_units()
                    ),
                ));
            }
            let paid: Decimal = allocations_to(tx, a.order_id)?
                .iter()
                .filter(|x| x.instalment == a.instalment)
                .map(|x| x.amount.amount)
                .sum();
            let already = given.entry((a.order_id, a.instalment)).or_default();
            let open = inst.amount - paid - *already;
            if a.amount > open {
                return Err(invalid(
                    &f("amount"),
                    format!(
                        "订单 {} 第 {} 期只剩 {currency} {open} 未收，不能核销 {}。",
                        o.number,
                        a.instalment + 1,
                        a.amount
                    ),
                    format!(
                        "Instalment {} of order {} holds only {currency} {open}; {} is more.",
                        a.instalment + 1,
                        o.number,
                        a.amount
                    ),
                ));
            }
            if a.amount > left {
                return Err(invalid(
                    &f("amount"),
                    format!("该收款只剩 {currency} {left} 可核销。"),
                    format!("The receipt has only {currency} {left} left to allocate."),
                ));
            }
            *already += a.amount;
            left -= a.amount;
            let fx = if r.data.kind == ReceiptKind::Payment && currency != r.data.rate.base {
                lines::round(
                    a.amount * (r.data.rate.rate - o.rate.rate),
                    r.data.rate.base,
                )
            } else {
                lines::round(Decimal::ZERO, r.data.rate.base)
            };
            added.push(Allocation {
                order_id: a.order_id,
                instalment: a.instalment,
                amount: a.amount,
                fx,
                fx_date: r.data.date.max(o.order_date()),
                at: now,
                by: Some(p.user_id),
            });
        }
        let touched: Vec<u64> = added.iter().map(|a| a.order_id).collect();
        let r = tx.update::<Receipt, AppError>(&p.actor(), id, input.version, |r| {
            r.allocations.extend(added);
            Ok(())
        })?;
        super::nodes::receipts_changed(tx, &touched)?;
        view(tx, r, p.lang)
    })
}

/// Takes back one allocation of a receipt (a wrong match).
pub fn unallocate(
    k: &Kontor,
    p: &Principal,
    id: u64,
    index: usize,
    version: Option<u64>,
) -> AppResult<ReceiptView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::open::<Receipt>(tx, p, id, Action::Update)?;
        if r.data.status != ReceiptStatus::Active {
            return Err(conflict(
                "status",
                "该收款已作废。".into(),
                "This receipt is cancelled.".into(),
            ));
        }
        if index >= r.data.allocations.len() {
            return Err(invalid(
                "index",
                format!("该收款没有第 {} 条核销。", index + 1),
                format!("The receipt has no allocation {}.", index + 1),
            ));
        }
        let order = r.data.allocations[index].order_id;
        let r = tx.update::<Receipt, AppError>(&p.actor(), id, version, |r| {
            r.allocations.remove(index);
            Ok(())
        })?;
        super::nodes::receipts_changed(tx, &[order])?;
        view(tx, r, p.lang)
    })
}

/// Pays credit back to the customer.
pub fn refund(k: &Kontor, p: &Principal, id: u64, input: RefundInput) -> AppResult<ReceiptView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::open::<Receipt>(tx, p, id, Action::Update)?;
        let currency = r.data.amount.currency;
        if r.data.kind != ReceiptKind::Payment || r.data.status != ReceiptStatus::Active {
            return Err(conflict(
                "status",
                "只有有效的收款才能退款。".into(),
                "Only an active payment can be refunded.".into(),
            ));
        }
        let left = r.data.available();
        if input.amount <= Decimal::ZERO
            || lines::round(input.amount, currency) != input.amount
            || input.amount > left
        {
            return Err(invalid(
                "amount",
                format!("退款金额应大于 0 且不超过可用余额 {currency} {left}。"),
                format!("A refund must be above 0 and at most the credit left, {currency} {left}."),
            ));
        }
        let refund = Refund {
            amount: input.amount,
            date: input.date,
            note: validate::optional_text("note", input.note.as_deref(), 200)?,
        };
        let r = tx.update::<Receipt, AppError>(&p.actor(), id, input.version, |r| {
            r.refunds.push(refund);
            Ok(())
        })?;
        view(tx, r, p.lang)
    })
}

/// Cancels a receipt entered in error: its allocations stop counting (each instalment it
/// paid is open again by exactly that much); refunds must be taken back first.
pub fn cancel(k: &Kontor, p: &Principal, id: u64, input: CancelInput) -> AppResult<ReceiptView> {
    let principal = p.clone();
    k.store.write(move |tx| {
        let p = &principal;
        let r = guard::open::<Receipt>(tx, p, id, Action::Update)?;
        if r.data.status == ReceiptStatus::Cancelled {
            return Err(conflict(
                "status",
                "该收款已作废。".into(),
                "This receipt is already cancelled.".into(),
            ));
        }
        if !r.data.refunds.is_empty() {
            return Err(conflict(
                "refunds",
                "该收款已有退款，不能作废。".into(),
                "This receipt has refunds; it cannot be cancelled.".into(),
            ));
        }
        let reason = validate::optional_text("reason", input.reason.as_deref(), 200)?;
        let now = tx.now();
        let r = tx.update::<Receipt, AppError>(&p.actor(), id, input.version, |r| {
            r.status = ReceiptStatus::Cancelled;
            r.cancelled_at = Some(now);
            r.cancel_reason = reason;
            Ok(())
        })?;
        let touched: Vec<u64> = r.data.allocations.iter().map(|a| a.order_id).collect();
        super::nodes::receipts_changed(tx, &touched)?;
        view(tx, r, p.lang)
    })
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct ReceiptQuery {
    pub customer_id: Option<u64>,
    /// Only receipts with money not yet allocated.
    pub unallocated: Option<bool>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

/// Receipts the caller reads, newest first.
pub fn list(k: &Kontor, p: &Principal, q: ReceiptQuery) -> AppResult<List<ReceiptView>> {
    k.store.read(|tx| {
        let source = match q.customer_id {
            Some(c) => Source::key("customer", IndexKey::new().u64(c)),
            None => Source::All,
        };
        let query = Query::<Receipt>::new(source, Paging::new(q.page, q.per_page))
            .filter_if(q.unallocated.is_some(), |r| {
                q.unallocated == Some(r.data.available() > Decimal::ZERO)
            });
        guard::readable(tx, p, query)?
            .run(tx)?
            .try_map(|r| view(tx, r, p.lang))
    })
}

/// The customer's credit per currency: what active receipts have not paid out.
pub fn credit_of(tx: &Tx, customer_id: u64) -> AppResult<Vec<Money>> {
    let mut by: std::collections::BTreeMap<&'static str, Money> = Default::default();
    for id in tx.ids_by_index::<Receipt>("customer", &IndexKey::new().u64(customer_id), false)? {
        let Ok(r) = tx.get_live::<Receipt>(id) else {
            continue;
        };
        let left = r.data.available();
        if left > Decimal::ZERO {
            let c = r.data.amount.currency;
            let e = by.entry(c.code()).or_insert(Money::zero(c));
            e.amount += left;
        }
    }
    Ok(by.into_values().collect())
}
