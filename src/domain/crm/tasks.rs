//! Follow-up cadence and tiered care (CRM-5): rules that produce due tasks for the owner, and
//! "My day": overdue, due today, upcoming, and pool warnings.

use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use rust_decimal::Decimal;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, IndexKey, Record, Tx};

use super::model::{
    Activity, ActivityKind, CadenceRule, CadenceTrigger, Customer, Task, TaskTitle,
};
use super::wording::{Preset, Text};
use crate::domain::kit::guard;
use crate::domain::{Kontor, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TaskView {
    pub id: u64,
    pub title: String,
    pub due_on: NaiveDate,
    pub done_at: Option<DateTime<Utc>>,
    pub customer_id: Option<u64>,
    pub customer_name: Option<String>,
    pub lead_id: Option<u64>,
    /// `follow_up`, `cadence`, `pool_warning` or `manual`.
    pub source: String,
    pub version: u64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct MyDay {
    /// The viewer's date today (in their time zone).
    pub today: NaiveDate,
    pub overdue: Vec<TaskView>,
    pub due_today: Vec<TaskView>,
    pub upcoming: Vec<TaskView>,
    pub pool_warnings: Vec<TaskView>,
}

fn source_kind(source: &str) -> &'static str {
    match source.split(':').next() {
        Some("follow_up") => "follow_up",
        Some("cadence") => "cadence",
        Some("pool_warn") => "pool_warning",
        _ => "manual",
    }
}

fn task_view(tx: &Tx, r: Record<Task>, lang: Lang) -> AppResult<TaskView> {
    let customer_name = match r.data.customer_id {
        Some(c) => tx.get::<Customer>(c)?.map(|c| c.data.name),
        None => None,
    };
    // Kontor's own words (cadence and pool warning titles) in the viewer's language.
    let title = r
        .data
        .title
        .render(lang, customer_name.as_deref(), r.data.due_on);
    Ok(TaskView {
        id: r.id,
        title,
        due_on: r.data.due_on,
        done_at: r.data.done_at,
        customer_id: r.data.customer_id,
        customer_name,
        lead_id: r.data.lead_id,
        source: source_kind(&r.data.source).into(),
        version: r.meta.version,
    })
}

fn today_for(p: &Principal, now: DateTime<Utc>) -> NaiveDate {
    let tz: chrono_tz::Tz = p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    now.with_timezone(&tz).date_naive()
}

/// The caller's open tasks, as of `now`.
pub fn my_day(k: &Kontor, p: &Principal, now: DateTime<Utc>) -> AppResult<MyDay> {
    p.require(Module::Crm, Action::Read)?;
    let today = today_for(p, now);
    k.store.read(|tx| {
        let mut day = MyDay {
            today,
            overdue: vec![],
            due_today: vec![],
            upcoming: vec![],
            pool_warnings: vec![],
        };
        for id in
            tx.ids_by_index::<Task>("open_by_owner", &IndexKey::new().u64(p.user_id), false)?
        {
            let Ok(r) = tx.get_live::<Task>(id) else {
                continue;
            };
            let v = task_view(tx, r, p.lang)?;
            if v.source == "pool_warning" {
                day.pool_warnings.push(v);
            } else if v.due_on < today {
                day.overdue.push(v);
            } else if v.due_on == today {
                day.due_today.push(v);
            } else if v.due_on <= today + Duration::days(14) {
                day.upcoming.push(v);
            }
        }
        Ok(day)
    })
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TaskPatch {
    pub version: u64,
    pub done: Option<bool>,
    pub due_on: Option<NaiveDate>,
    pub title: Option<String>,
}

pub fn update_task(k: &Kontor, p: &Principal, id: u64, patch: TaskPatch) -> AppResult<TaskView> {
    let title = patch
        .title
        .as_deref()
        .map(|t| validate::text("title", t, 200))
        .transpose()?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        guard::open::<Task>(tx, &principal, id, Action::Update)?;
        let now = tx.now();
        let r = tx.update::<Task, AppError>(&actor, id, Some(patch.version), |t| {
            if let Some(done) = patch.done {
                t.done_at = done.then_some(now);
            }
            if let Some(d) = patch.due_on {
                t.due_on = d;
            }
            if let Some(x) = title {
                t.title = TaskTitle::Typed(x);
            }
            Ok(())
        })?;
        task_view(tx, r, principal.lang)
    })
}

/// Creates a cadence task unless one with the same source exists (exactly once per due item).
fn cadence_task(
    tx: &mut Tx,
    actor: &Actor,
    rule: &Record<CadenceRule>,
    customer: &Record<Customer>,
    due: NaiveDate,
    key: &str,
    // Written in this transaction: it has no tasks yet, nothing to look up.
    fresh: bool,
) -> AppResult<bool> {
    let source = format!("cadence:{}:{}:{key}", rule.id, customer.id);
    if !fresh
        && tx
            .find_unique::<Task>("source", &IndexKey::new().str(&source))?
            .is_some()
    {
        return Ok(false);
    }
    tx.insert(
        actor,
        Task {
            owner_id: customer.data.owner_id,
            customer_id: Some(customer.id),
            lead_id: None,
            title: TaskTitle::Cadence(rule.data.task_title.clone()),
            due_on: due,
            done_at: None,
            source,
        },
    )?;
    Ok(true)
}

fn active_rules(tx: &Tx) -> AppResult<Vec<Record<CadenceRule>>> {
    Ok(tx
        .list::<CadenceRule>(&|r| r.data.active, 0, u64::MAX)?
        .items)
}

/// The cadence rules a new customer triggers and the company's date, read once per
/// transaction (an import creates a thousand customers in one).
pub(super) struct NewCustomerRules {
    rules: Vec<Record<CadenceRule>>,
    today: NaiveDate,
}

impl NewCustomerRules {
    pub(super) fn load(tx: &Tx) -> AppResult<NewCustomerRules> {
        Ok(NewCustomerRules {
            rules: active_rules(tx)?
                .into_iter()
                .filter(|r| r.data.trigger == CadenceTrigger::NewCustomer)
                .collect(),
            today: super::company_today(tx, tx.now())?,
        })
    }
}

/// The tasks the cadence rules give a new customer's owner.
pub(super) fn on_new_customer(
    tx: &mut Tx,
    actor: &Actor,
    rules: &NewCustomerRules,
    c: &Record<Customer>,
) -> AppResult<()> {
    for rule in &rules.rules {
        let due = rules.today + Duration::days(rule.data.days as i64);
        cadence_task(tx, actor, rule, c, due, "new", true)?;
    }
    Ok(())
}

pub(super) fn on_activity(tx: &mut Tx, actor: &Actor, a: &Record<Activity>) -> AppResult<()> {
    let Some(customer_id) = a.data.customer_id else {
        return Ok(());
    };
    let customer = tx.get_live::<Customer>(customer_id)?;
    for rule in active_rules(tx)? {
        if let CadenceTrigger::Activity { kind } = rule.data.trigger
            && kind == a.data.kind
        {
            let due = super::company_today(tx, a.data.occurred_at)?
                + Duration::days(rule.data.days as i64);
            cadence_task(
                tx,
                actor,
                &rule,
                &customer,
                due,
                &format!("activity{}", a.id),
                false,
            )?;
        }
    }
    Ok(())
}

pub(super) fn on_deal_won(
    tx: &mut Tx,
    actor: &Actor,
    customer_id: u64,
    opportunity_id: u64,
) -> AppResult<()> {
    let customer = tx.get_live::<Customer>(customer_id)?;
    let today = super::company_today(tx, tx.now())?;
    for rule in active_rules(tx)? {
        if rule.data.trigger == CadenceTrigger::AfterDeal {
            cadence_task(
                tx,
                actor,
                &rule,
                &customer,
                today + Duration::days(rule.data.days as i64),
                &format!("deal{opportunity_id}"),
                false,
            )?;
        }
    }
    Ok(())
}

/// Job: the periodic rules (tiered care for big buyers, reactivation of dormant customers).
/// Each period gets one task per customer, keyed by the period, so catch-up is exactly once.
pub fn run_cadence(k: &Kontor, now: DateTime<Utc>) -> AppResult<usize> {
    let rules = k.store.read(active_rules)?;
    let periodic: Vec<_> = rules
        .into_iter()
        .filter(|r| {
            matches!(
                r.data.trigger,
                CadenceTrigger::AnnualPurchasesOver { .. } | CadenceTrigger::Dormant
            )
        })
        .collect();
    if periodic.is_empty() {
        return Ok(0);
    }
    let ids = k.store.read(|tx| {
        let mut ids = Vec::new();
        tx.for_each::<Customer>(false, &mut |r| {
            if r.data.owner_id.is_some() {
                ids.push(r.id);
            }
            Ok(true)
        })?;
        Ok::<_, AppError>(ids)
    })?;
    let mut created = 0;
    for chunk in ids.chunks(500) {
        let chunk = chunk.to_vec();
        let rules = periodic.clone();
        created += k.store.write(move |tx| {
            tx.set_now(now);
            let actor = Actor::system();
            let today = super::company_today(tx, now)?;
            let mut n = 0;
            for id in chunk {
                let Ok(c) = tx.get_live::<Customer>(id) else {
                    continue;
                };
                for rule in &rules {
                    let days = rule.data.days.max(1) as i64;
                    let due = match &rule.data.trigger {
                        CadenceTrigger::AnnualPurchasesOver { amount } => {
                            (c.data.annual_purchases.unwrap_or(Decimal::ZERO) >= *amount)
                                .then_some(today)
                        }
                        CadenceTrigger::Dormant => {
                            let last = c.data.last_followup_at.or(c.data.owned_since);
                            last.filter(|l| now - *l >= Duration::days(days))
                                .map(|_| today)
                        }
                        _ => None,
                    };
                    if let Some(due) = due {
                        // The period this task belongs to: every `days` days since the epoch.
                        let period = today.num_days_from_ce() as i64 / days;
                        if cadence_task(tx, &actor, rule, &c, due, &format!("p{period}"), false)? {
                            n += 1;
                        }
                    }
                }
            }
            Ok::<_, AppError>(n)
        })?;
    }
    Ok(created)
}

// ---- rules ----------------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct CadenceRuleView {
    pub id: u64,
    /// In the viewer's language (a preset's) or as typed.
    pub name: String,
    pub trigger: CadenceTrigger,
    pub days: u32,
    pub task_title: String,
    pub active: bool,
    /// Whether name or task title are Kontor's preset words (saved unchanged, they stay so).
    pub preset: bool,
    pub version: u64,
}

fn rule_view(r: Record<CadenceRule>, lang: Lang) -> CadenceRuleView {
    let rule = r.data;
    CadenceRuleView {
        id: r.id,
        name: rule.name.render(lang),
        preset: rule.name.preset().is_some() || rule.task_title.preset().is_some(),
        trigger: rule.trigger,
        days: rule.days,
        task_title: rule.task_title.render(lang),
        active: rule.active,
        version: r.meta.version,
    }
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CadenceRuleInput {
    pub version: Option<u64>,
    pub name: String,
    pub trigger: CadenceTrigger,
    pub days: u32,
    pub task_title: String,
    #[serde(default = "yes")]
    pub active: bool,
}

fn yes() -> bool {
    true
}

fn check_rule(input: CadenceRuleInput) -> AppResult<CadenceRule> {
    if input.days == 0 || input.days > 3650 {
        return Err(AppError::invalid(
            "days",
            Msg::new(
                "天数须在 1 到 3650 之间。",
                "Days must be between 1 and 3650.",
            ),
        ));
    }
    Ok(CadenceRule {
        name: Text::from_input(validate::text("name", &input.name, 80)?, Preset::RULE_NAMES),
        trigger: input.trigger,
        days: input.days,
        task_title: Text::from_input(
            validate::text("task_title", &input.task_title, 120)?,
            Preset::TASK_TITLES,
        ),
        active: input.active,
    })
}

pub fn rules(k: &Kontor, p: &Principal) -> AppResult<Vec<CadenceRuleView>> {
    p.require(Module::Crm, Action::Read)?;
    k.store.read(|tx| {
        Ok(tx
            .list::<CadenceRule>(&|_| true, 0, u64::MAX)?
            .items
            .into_iter()
            .rev()
            .map(|r| rule_view(r, p.lang))
            .collect())
    })
}

pub fn save_rule(
    k: &Kontor,
    p: &Principal,
    id: Option<u64>,
    input: CadenceRuleInput,
) -> AppResult<CadenceRuleView> {
    p.require_all(Module::Settings, Action::Update)?;
    let version = input.version;
    let rule = check_rule(input)?;
    let (actor, actor_lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let r = match id {
            None => tx.insert(&actor, rule)?,
            Some(id) => {
                let v = version.ok_or_else(|| AppError::required("version"))?;
                tx.update::<CadenceRule, AppError>(&actor, id, Some(v), |r| {
                    *r = rule;
                    Ok(())
                })?
            }
        };
        Ok(rule_view(r, actor_lang))
    })
}

/// The rules of seed 002, offered to every new company.
pub fn preset_rules() -> Vec<CadenceRule> {
    let rule = |name, trigger, days, task| CadenceRule {
        name: Text::Preset(name),
        trigger,
        days,
        task_title: Text::Preset(task),
        active: true,
    };
    vec![
        rule(
            Preset::RuleNewCustomer,
            CadenceTrigger::NewCustomer,
            3,
            Preset::TaskIntroduction,
        ),
        rule(
            Preset::RuleSampleFeedback,
            CadenceTrigger::Activity {
                kind: ActivityKind::Sample,
            },
            7,
            Preset::TaskSampleFeedback,
        ),
        rule(
            Preset::RuleAfterDeal,
            CadenceTrigger::AfterDeal,
            30,
            Preset::TaskSatisfaction,
        ),
        rule(
            Preset::RuleQuarterlyCall,
            CadenceTrigger::AnnualPurchasesOver {
                amount: Decimal::from(1_000_000),
            },
            91,
            Preset::TaskQuarterlyCall,
        ),
        rule(
            Preset::RuleDormant,
            CadenceTrigger::Dormant,
            365,
            Preset::TaskReactivation,
        ),
    ]
}
