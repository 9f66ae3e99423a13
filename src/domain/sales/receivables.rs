//! Receivables (FIN-2, the receivables half): what each customer and rep still has to
//! collect, by age (current, 1–30, 31–60, 61–90, over 90 days past due); reminders N days
//! before an instalment is due (default 7) and once it is overdue — a task and a notification
//! for the order's owner and for finance — and the dunning letter in the customer's language.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use super::lines::DocLang;
use super::orders::{self, OrderStatus, SalesOrder};
use super::receipts;
use crate::auth::{Action, Module, Principal};
use crate::domain::crm::company_today;
use crate::domain::crm::model::{Customer, Task, TaskTitle};
use crate::domain::kit::{guard, names};
use crate::domain::money::Money;
use crate::domain::notify::{self, Message, NotifyKind, RecordRef};
use crate::domain::{Kontor, accounts};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, Record, Tx};

/// Days before the due date that the first reminder goes out.
pub const REMIND_DAYS_BEFORE: i64 = 7;

/// Outstanding by age, in one currency.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AgingRow {
    /// The customer's or the rep's id (0: no owner).
    pub key: u64,
    pub name: String,
    /// Not yet due, or not yet dated (waiting for the B/L date).
    pub current: Money,
    pub days_1_30: Money,
    pub days_31_60: Money,
    pub days_61_90: Money,
    pub over_90: Money,
    pub total: Money,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
#[serde(deny_unknown_fields)]
pub struct AgingQuery {
    /// `customer` (default) or `owner`.
    pub by: Option<String>,
}

fn bucket(row: &mut AgingRow, overdue_days: i64, amount: Decimal) {
    let slot = match overdue_days {
        d if d <= 0 => &mut row.current,
        1..=30 => &mut row.days_1_30,
        31..=60 => &mut row.days_31_60,
        61..=90 => &mut row.days_61_90,
        _ => &mut row.over_90,
    };
    slot.amount += amount;
    row.total.amount += amount;
}

/// The open instalments of the orders the caller reads, by customer or by rep, one row per
/// key and currency, largest total first.
pub fn aging(k: &Kontor, p: &Principal, q: AgingQuery) -> AppResult<Vec<AgingRow>> {
    let by_owner = match q.by.as_deref() {
        None | Some("customer") => false,
        Some("owner") => true,
        Some(other) => {
            return Err(AppError::invalid(
                "by",
                Msg::new(
                    format!("未知的分组：{other}"),
                    format!("Unknown grouping: {other}"),
                ),
            ));
        }
    };
    p.require(Module::Sales, Action::Read)?;
    k.store.read(|tx| {
        let today = company_today(tx, tx.now())?;
        let mut rows: std::collections::BTreeMap<(u64, &'static str), AgingRow> =
            Default::default();
        let mut failure = None;
        tx.for_each::<SalesOrder>(false, &mut |r| {
            if r.data.status == OrderStatus::Cancelled
                || !guard::may(tx, p, &r.data, Action::Read).unwrap_or(false)
            {
                return Ok(true);
            }
            let allocs = match receipts::allocations_to(tx, r.id) {
                Ok(a) => a,
                Err(e) => {
                    failure = Some(e);
                    return Ok(false);
                }
            };
            let key = if by_owner {
                r.data.owner_id.unwrap_or(0)
            } else {
                r.data.customer_id
            };
            let currency = r.data.currency;
            for s in orders::instalment_states(&r.data, &allocs, today, p.lang) {
                if s.outstanding.amount <= Decimal::ZERO {
                    continue;
                }
                let row = rows
                    .entry((key, currency.code()))
                    .or_insert_with(|| AgingRow {
                        key,
                        name: String::new(),
                        current: Money::zero(currency),
                        days_1_30: Money::zero(currency),
                        days_31_60: Money::zero(currency),
                        days_61_90: Money::zero(currency),
                        over_90: Money::zero(currency),
                        total: Money::zero(currency),
                    });
                bucket(row, s.overdue_days, s.outstanding.amount);
            }
            Ok(true)
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        let mut out: Vec<AgingRow> = rows.into_values().collect();
        let owners = names(tx, out.iter().map(|r| r.key))?;
        for row in &mut out {
            row.name = if by_owner {
                owners.get(&row.key).cloned().unwrap_or_default()
            } else {
                tx.get::<Customer>(row.key)?
                    .map(|c| c.data.name)
                    .unwrap_or_default()
            };
        }
        out.sort_by(|a, b| b.total.amount.cmp(&a.total.amount).then(a.key.cmp(&b.key)));
        Ok(out)
    })
}

/// A customer's money at a glance: open orders and credit.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CustomerMoney {
    pub open_orders: Vec<orders::OrderRow>,
    /// Outstanding per currency.
    pub outstanding: Vec<Money>,
    /// Received but not yet allocated, per currency.
    pub credit: Vec<Money>,
}

pub fn of_customer(k: &Kontor, p: &Principal, customer_id: u64) -> AppResult<CustomerMoney> {
    k.store.read(|tx| {
        p.require(Module::Sales, Action::Read)?;
        guard::open::<Customer>(tx, p, customer_id, Action::Read)?;
        let today = company_today(tx, tx.now())?;
        let mut open_orders = Vec::new();
        let mut outstanding: std::collections::BTreeMap<&'static str, Money> = Default::default();
        for id in tx.ids_by_index::<SalesOrder>(
            "customer",
            &crate::store::IndexKey::new().u64(customer_id),
            false,
        )? {
            let Ok(r) = tx.get_live::<SalesOrder>(id) else {
                continue;
            };
            if !guard::may(tx, p, &r.data, Action::Read)? {
                continue;
            }
            let row = orders::row(tx, p, &r, today)?;
            if r.data.status != OrderStatus::Cancelled && row.outstanding.amount > Decimal::ZERO {
                outstanding
                    .entry(row.outstanding.currency.code())
                    .or_insert(Money::zero(row.outstanding.currency))
                    .amount += row.outstanding.amount;
                open_orders.push(row);
            }
        }
        let credit = if p.scope(Module::Finance, Action::Read) != crate::auth::Scope::None {
            receipts::credit_of(tx, customer_id)?
        } else {
            Vec::new()
        };
        Ok(CustomerMoney {
            open_orders,
            outstanding: outstanding.into_values().collect(),
            credit,
        })
    })
}

/// A reminder letter for an open instalment, in the order's document language.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DunningLetter {
    pub lang: DocLang,
    pub subject: String,
    pub body: String,
}

fn money_text(m: Money) -> String {
    format!(
        "{} {}",
        m.currency,
        super::lines::round(m.amount, m.currency)
    )
}

/// The dunning letter for the order's open instalments (to copy now, to send once mail
/// exists).
pub fn dunning(k: &Kontor, p: &Principal, order_id: u64) -> AppResult<DunningLetter> {
    k.store.read(|tx| {
        let r = orders::open(tx, p, order_id, Action::Read)?;
        let today = company_today(tx, tx.now())?;
        let allocs = receipts::allocations_to(tx, order_id)?;
        let customer = tx
            .get::<Customer>(r.data.customer_id)?
            .map(|c| c.data.name)
            .unwrap_or_default();
        let company = crate::domain::company::company(tx)?
            .map(|c| c.data.name)
            .unwrap_or_default();
        let o = &r.data;
        let zh = o.lang == DocLang::Zh;
        let open: Vec<_> = orders::instalment_states(o, &allocs, today, if zh { Lang::Zh } else { Lang::En })
            .into_iter()
            .filter(|s| s.outstanding.amount > Decimal::ZERO)
            .collect();
        let lines_zh: Vec<String> = open
            .iter()
            .map(|s| {
                format!(
                    "- {}：{}，{}",
                    s.label,
                    money_text(s.outstanding),
                    s.due.map(|d| format!("{d} 到期")).unwrap_or_else(|| "日期待定".into())
                )
            })
            .collect();
        let lines_en: Vec<String> = open
            .iter()
            .map(|s| {
                format!(
                    "- {}: {}, {}",
                    s.label,
                    money_text(s.outstanding),
                    s.due.map(|d| format!("due {d}")).unwrap_or_else(|| "date to follow".into())
                )
            })
            .collect();
        let zh_letter = (
            format!("付款提醒：订单 {}", o.number),
            format!(
                "尊敬的 {customer}：\n\n感谢您的订单 {}。根据我们的记录，以下款项尚未收到：\n{}\n\n如您已付款，请将水单发给我们以便核对；如有疑问请随时联系。\n\n此致\n{company}",
                o.number,
                lines_zh.join("\n")
            ),
        );
        let en_letter = (
            format!("Payment reminder: order {}", o.number),
            format!(
                "Dear {customer},\n\nThank you for your order {}. Our records show the following still open:\n{}\n\nIf you have already paid, please send us the bank slip so we can match it. Do not hesitate to contact us with any question.\n\nBest regards,\n{company}",
                o.number,
                lines_en.join("\n")
            ),
        );
        let (subject, body) = match o.lang {
            DocLang::Zh => zh_letter,
            DocLang::En => en_letter,
            DocLang::Both => (
                format!("{} / {}", zh_letter.0, en_letter.0),
                format!("{}\n\n----\n\n{}", zh_letter.1, en_letter.1),
            ),
        };
        Ok(DunningLetter {
            lang: o.lang,
            subject,
            body,
        })
    })
}

/// Who hears about an order's receivables besides its owner: active users who record
/// receipts for the whole company (finance), administrators excepted.
fn finance_users(tx: &Tx) -> AppResult<Vec<u64>> {
    accounts::users_where(tx, |p| {
        !p.is_admin && p.scope(Module::Finance, Action::Create) == crate::auth::Scope::All
    })
}

/// Sends the reminders that are due as of `now`: each instalment once `REMIND_DAYS_BEFORE`
/// days before it falls due and once when it is overdue. Remembered per instalment, so a run
/// after downtime catches up once.
pub fn remind(k: &Kontor, now: DateTime<Utc>) -> AppResult<()> {
    k.store.write(move |tx| {
        tx.set_now(now);
        let today = company_today(tx, now)?;
        let mut due: Vec<(Record<SalesOrder>, usize, Money, NaiveDate, bool)> = Vec::new();
        let mut failure = None;
        tx.for_each::<SalesOrder>(false, &mut |r| {
            if r.data.status == OrderStatus::Cancelled {
                return Ok(true);
            }
            let allocs = match receipts::allocations_to(tx, r.id) {
                Ok(a) => a,
                Err(e) => {
                    failure = Some(e);
                    return Ok(false);
                }
            };
            for s in orders::instalment_states(&r.data, &allocs, today, Lang::En) {
                let Some(day) = s.due else { continue };
                if s.outstanding.amount <= Decimal::ZERO {
                    continue;
                }
                if day < today {
                    due.push((r.clone(), s.index, s.outstanding, day, true));
                } else if day - today <= Duration::days(REMIND_DAYS_BEFORE) {
                    due.push((r.clone(), s.index, s.outstanding, day, false));
                }
            }
            Ok(true)
        })?;
        if let Some(e) = failure {
            return Err(e);
        }
        if due.is_empty() {
            return Ok(());
        }
        let finance = finance_users(tx)?;
        for (r, index, amount, day, overdue) in due {
            let mark = format!(
                "{}:{}:{}:{}",
                r.id,
                index,
                day,
                if overdue { "overdue" } else { "due" }
            );
            if tx
                .kv_get("receivable_reminders", mark.as_bytes())?
                .is_some()
            {
                continue;
            }
            tx.kv_put("receivable_reminders", mark.as_bytes(), b"1")?;
            let part = &r.data.plan[index].part;
            let mut people: Vec<u64> = r.data.owner_id.into_iter().collect();
            for f in &finance {
                if !people.contains(f) {
                    people.push(*f);
                }
            }
            let amount_text = money_text(amount);
            for user in people {
                tx.insert(
                    &Actor::system(),
                    Task {
                        owner_id: Some(user),
                        customer_id: Some(r.data.customer_id),
                        lead_id: None,
                        title: TaskTitle::Collect {
                            order: r.data.number.clone(),
                            label_zh: part.label_zh.clone(),
                            label_en: part.label_en.clone(),
                            amount: amount_text.clone(),
                            overdue,
                        },
                        due_on: if overdue { today } else { day },
                        done_at: None,
                        // Unique per task: the instalment, its due date, the kind of reminder
                        // and the person told.
                        source: format!("receivable:{mark}:{user}"),
                    },
                )?;
                let (kind, key) = if overdue {
                    (NotifyKind::ReceivableOverdue, "receivable.overdue")
                } else {
                    (NotifyKind::ReceivableDue, "receivable.due")
                };
                notify::notify(
                    tx,
                    user,
                    kind,
                    Some(RecordRef::of::<SalesOrder>(r.id)),
                    Message::new(key)
                        .text("order", r.data.number.clone())
                        .text("n", (index + 1).to_string())
                        .text("amount", amount_text.clone())
                        .text("due", day.to_string()),
                )?;
            }
        }
        Ok(())
    })
}

/// Realised exchange gain/loss of one month, in the base currency.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct FxMonth {
    /// `2026-11`: the month of the allocations' dates (the later of receipt and order).
    pub month: String,
    pub gain: Money,
    pub loss: Money,
    pub net: Money,
    /// Allocations counted.
    pub allocations: u64,
}

/// Exchange gain and loss per month over the receipts the caller reads, newest month first.
pub fn fx_by_month(k: &Kontor, p: &Principal) -> AppResult<Vec<FxMonth>> {
    p.require(Module::Finance, Action::Read)?;
    k.store.read(|tx| {
        let base = super::rates::base_currency(tx)?;
        let mut months: std::collections::BTreeMap<String, FxMonth> = Default::default();
        let mut receipts = Vec::new();
        tx.for_each::<receipts::Receipt>(false, &mut |r| {
            receipts.push(r);
            Ok(true)
        })?;
        for r in receipts {
            if r.data.status != receipts::ReceiptStatus::Active
                || !guard::may(tx, p, &r.data, Action::Read)?
            {
                continue;
            }
            for a in &r.data.allocations {
                let month = a.fx_date.format("%Y-%m").to_string();
                let m = months.entry(month.clone()).or_insert_with(|| FxMonth {
                    month,
                    gain: Money::zero(base),
                    loss: Money::zero(base),
                    net: Money::zero(base),
                    allocations: 0,
                });
                if a.fx > Decimal::ZERO {
                    m.gain.amount += a.fx;
                } else {
                    m.loss.amount += a.fx;
                }
                m.net.amount += a.fx;
                m.allocations += 1;
            }
        }
        Ok(months.into_values().rev().collect())
    })
}
