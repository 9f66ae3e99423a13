//! The public pool (公海, CRM-4): customers without an owner, claimed by reps within caps, and
//! returned by rule when an owner lets them go cold.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::{Actor, AuditEvent, Entity, IndexKey, Record, Tx};

use super::customers::{CustomerView, default_pool, view};
use super::model::{
    Customer, CustomerStatus, Pool, PoolEvent, PoolEventKind, ReturnReason, SystemEvent, Task,
    TaskTitle,
};
use super::wording::{Preset, Text};
use super::{sees_pool, set_customer_owner};
use crate::domain::kit::{self, guard};
use crate::domain::kit::{List, names};
use crate::domain::{Kontor, Paging, validate};
use crate::i18n::Lang;

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PoolView {
    pub id: u64,
    /// In the viewer's language (the default pool's preset name) or as typed.
    pub name: String,
    pub return_no_followup_days: Option<u32>,
    pub return_no_deal_days: Option<u32>,
    pub protection_days: Option<u32>,
    pub warn_days: u32,
    pub max_held_per_rep: Option<u32>,
    pub max_claims_per_day: Option<u32>,
    pub cooldown_days: u32,
    pub team_ids: Vec<u64>,
    pub is_default: bool,
    pub customer_count: u64,
    pub version: u64,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PoolInput {
    /// Required when changing a pool.
    pub version: Option<u64>,
    pub name: String,
    pub return_no_followup_days: Option<u32>,
    pub return_no_deal_days: Option<u32>,
    pub protection_days: Option<u32>,
    #[serde(default)]
    pub warn_days: u32,
    pub max_held_per_rep: Option<u32>,
    pub max_claims_per_day: Option<u32>,
    #[serde(default)]
    pub cooldown_days: u32,
    #[serde(default)]
    pub team_ids: Vec<u64>,
    #[serde(default)]
    pub is_default: bool,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PoolQuery {
    pub pool_id: Option<u64>,
    pub q: Option<String>,
    pub country: Option<String>,
    pub page: Option<u64>,
    pub per_page: Option<u64>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReleaseInput {
    /// Why the rep gives the customer up.
    pub note: Option<String>,
}

fn check_pool(input: PoolInput) -> AppResult<Pool> {
    let days = |field: &str, v: Option<u32>| -> AppResult<Option<u32>> {
        match v {
            Some(d) if d == 0 || d > 3650 => Err(AppError::invalid(
                field,
                Msg::new(
                    "天数须在 1 到 3650 之间。",
                    "Days must be between 1 and 3650.",
                ),
            )),
            other => Ok(other),
        }
    };
    Ok(Pool {
        name: Text::from_input(validate::text("name", &input.name, 60)?, Preset::POOL_NAMES),
        return_no_followup_days: days("return_no_followup_days", input.return_no_followup_days)?,
        return_no_deal_days: days("return_no_deal_days", input.return_no_deal_days)?,
        protection_days: days("protection_days", input.protection_days)?,
        warn_days: input.warn_days.min(365),
        max_held_per_rep: input.max_held_per_rep,
        max_claims_per_day: input.max_claims_per_day,
        cooldown_days: input.cooldown_days.min(3650),
        team_ids: input.team_ids,
        is_default: input.is_default,
    })
}

fn pool_view(tx: &Tx, r: Record<Pool>, lang: Lang) -> AppResult<PoolView> {
    let customer_count = tx
        .ids_by_index::<Customer>("pool", &IndexKey::new().u64(r.id), false)?
        .len() as u64;
    let p = r.data;
    Ok(PoolView {
        id: r.id,
        name: p.name.render(lang),
        return_no_followup_days: p.return_no_followup_days,
        return_no_deal_days: p.return_no_deal_days,
        protection_days: p.protection_days,
        warn_days: p.warn_days,
        max_held_per_rep: p.max_held_per_rep,
        max_claims_per_day: p.max_claims_per_day,
        cooldown_days: p.cooldown_days,
        team_ids: p.team_ids,
        is_default: p.is_default,
        customer_count,
        version: r.meta.version,
    })
}

pub fn pools(k: &Kontor, p: &Principal) -> AppResult<Vec<PoolView>> {
    p.require(Module::Crm, Action::Read)?;
    k.store.read(|tx| {
        let all = tx.list::<Pool>(&|r| sees_pool(p, &r.data), 0, u64::MAX)?;
        all.items
            .into_iter()
            .map(|r| pool_view(tx, r, p.lang))
            .collect()
    })
}

fn unset_other_defaults(tx: &mut Tx, actor: &Actor, keep: u64) -> AppResult<()> {
    let others = tx.list::<Pool>(&|r| r.id != keep && r.data.is_default, 0, u64::MAX)?;
    for r in others.items {
        tx.update::<Pool, AppError>(actor, r.id, None, |p| {
            p.is_default = false;
            Ok(())
        })?;
    }
    Ok(())
}

pub fn create_pool(k: &Kontor, p: &Principal, input: PoolInput) -> AppResult<PoolView> {
    p.require_all(Module::Settings, Action::Update)?;
    let pool = check_pool(input)?;
    let (actor, lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let first = tx.list::<Pool>(&|_| true, 0, 1)?.total == 0;
        let r = tx.insert(
            &actor,
            Pool {
                is_default: pool.is_default || first,
                ..pool
            },
        )?;
        if r.data.is_default {
            unset_other_defaults(tx, &actor, r.id)?;
        }
        pool_view(tx, r, lang)
    })
}

pub fn update_pool(k: &Kontor, p: &Principal, id: u64, input: PoolInput) -> AppResult<PoolView> {
    p.require_all(Module::Settings, Action::Update)?;
    let version = input.version.ok_or_else(|| AppError::required("version"))?;
    let pool = check_pool(input)?;
    let (actor, lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let r = tx.update::<Pool, AppError>(&actor, id, Some(version), |p| {
            let keep_default = p.is_default;
            *p = pool;
            p.is_default |= keep_default;
            Ok(())
        })?;
        if r.data.is_default {
            unset_other_defaults(tx, &actor, r.id)?;
        }
        pool_view(tx, r, lang)
    })
}

/// Customers in the pools the caller sees.
pub fn list(k: &Kontor, p: &Principal, q: PoolQuery) -> AppResult<List<CustomerView>> {
    p.require(Module::Crm, Action::Read)?;
    let paging = Paging::new(q.page, q.per_page);
    let needle = kit::needle(q.q.as_deref());
    let digits: String =
        q.q.as_deref()
            .unwrap_or("")
            .chars()
            .filter(|c| c.is_ascii_digit())
            .collect();
    k.store.read(|tx| {
        let visible: Vec<u64> = tx
            .list::<Pool>(&|r| sees_pool(p, &r.data), 0, u64::MAX)?
            .items
            .into_iter()
            .map(|r| r.id)
            .collect();
        let mut ids = Vec::new();
        for pool in visible
            .iter()
            .filter(|id| q.pool_id.is_none_or(|want| want == **id))
        {
            ids.extend(tx.ids_by_index::<Customer>("pool", &IndexKey::new().u64(*pool), false)?);
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        let mut rows = Vec::new();
        for id in ids {
            let Ok(r) = tx.get_live::<Customer>(id) else {
                continue;
            };
            if r.data.owner_id.is_none()
                && q.country
                    .as_deref()
                    .is_none_or(|c| r.data.country.as_deref() == Some(&c.to_ascii_uppercase()))
                && needle
                    .as_deref()
                    .is_none_or(|n| super::customers::matches_text(&r.data, n, &digits))
            {
                rows.push(r);
            }
        }
        let total = rows.len() as u64;
        let page: Vec<_> = rows
            .into_iter()
            .skip(paging.offset() as usize)
            .take(paging.per_page as usize)
            .collect();
        let owners = names(tx, std::iter::empty())?;
        Ok(List {
            items: page.into_iter().map(|r| view(r, &owners, p.lang)).collect(),
            total,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}

pub(super) fn log_event(
    tx: &mut Tx,
    actor: &Actor,
    customer_id: u64,
    kind: PoolEventKind,
    user_id: u64,
    reason: Option<ReturnReason>,
) -> AppResult<()> {
    let at = tx.now();
    tx.insert(
        actor,
        PoolEvent {
            customer_id,
            kind,
            user_id,
            at,
            reason,
        },
    )?;
    Ok(())
}

fn pool_of(tx: &Tx, c: &Customer) -> AppResult<Option<Record<Pool>>> {
    let id = match c.pool_id {
        Some(id) => Some(id),
        None => default_pool(tx)?,
    };
    Ok(match id {
        Some(id) => tx.get_live::<Pool>(id).ok(),
        None => None,
    })
}

/// The start of the caller's day in the company's time zone.
fn start_of_day(tx: &Tx, now: DateTime<Utc>) -> AppResult<DateTime<Utc>> {
    let tz: chrono_tz::Tz = crate::domain::company::company(tx)?
        .and_then(|c| c.data.time_zone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    let local = now.with_timezone(&tz).date_naive();
    Ok(tz
        .from_local_datetime(&local.and_hms_opt(0, 0, 0).unwrap_or_default())
        .earliest()
        .map(|t| t.with_timezone(&Utc))
        .unwrap_or(now))
}

fn cap_error(zh: String, en: String) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
}

/// Takes a customer out of the pool for the caller, within the pool's caps and cooldown.
pub fn claim(k: &Kontor, p: &Principal, id: u64, now: DateTime<Utc>) -> AppResult<CustomerView> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        tx.set_now(now);
        principal.require(Module::Crm, Action::Create)?;
        // Someone may have claimed it a moment ago: say who, as the owner-conflict check does.
        let current = tx.get_live::<Customer>(id)?;
        if let Some(owner) = current.data.owner_id {
            if owner == principal.user_id {
                return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new("该客户已在您名下。", "You already own this customer.")));
            }
            let who = names(tx, [owner])?.remove(&owner).unwrap_or_default();
            return Err(AppError::new(ErrorCode::OwnedByOther).with_msg(Msg::new(
                format!("该客户已被 {who} 领取。"),
                format!("{who} already owns this customer."),
            )));
        }
        let c = guard::open::<Customer>(tx, &principal, id, Action::Read)?;
        let pool = pool_of(tx, &c.data)?;
        if let Some(pool) = &pool {
            let rules = &pool.data;
            if let Some(max) = rules.max_held_per_rep {
                let held = tx
                    .ids_by_index::<Customer>("owner", &IndexKey::new().u64(principal.user_id), false)?
                    .into_iter()
                    .filter(|cid| tx.get_live::<Customer>(*cid).is_ok_and(|c| c.data.status != CustomerStatus::Customer))
                    .count() as u32;
                if held >= max {
                    return Err(cap_error(
                        format!("您已持有 {held} 个未成交客户，达到上限 {max}，不能再领取。"),
                        format!("You hold {held} customers without a deal, the limit is {max}; you cannot claim more."),
                    ));
                }
            }
            if let Some(max) = rules.max_claims_per_day {
                let since = start_of_day(tx, now)?;
                let prefix = IndexKey::new().u64(principal.user_id).str("claim");
                let today = tx
                    .ids_by_index::<PoolEvent>("user_kind", &prefix, false)?
                    .into_iter()
                    .filter(|eid| tx.get::<PoolEvent>(*eid).ok().flatten().is_some_and(|e| e.data.at >= since))
                    .count() as u32;
                if today >= max {
                    return Err(cap_error(
                        format!("今天已领取 {today} 个客户，达到每日上限 {max}。"),
                        format!("You claimed {today} customers today; the daily limit is {max}."),
                    ));
                }
            }
            if rules.cooldown_days > 0 {
                let cutoff = now - Duration::days(rules.cooldown_days as i64);
                let lost_recently = tx
                    .ids_by_index::<PoolEvent>("customer", &IndexKey::new().u64(id), true)?
                    .into_iter()
                    .filter_map(|eid| tx.get::<PoolEvent>(eid).ok().flatten())
                    .any(|e| e.data.kind == PoolEventKind::Return && e.data.user_id == principal.user_id && e.data.at > cutoff);
                if lost_recently {
                    return Err(cap_error(
                        format!("该客户刚从您名下退回公海，{} 天内不能再次领取。", rules.cooldown_days),
                        format!("This customer just left you for the pool; you may claim it again after {} days.", rules.cooldown_days),
                    ));
                }
            }
        }
        set_customer_owner(tx, &actor, id, Some(principal.user_id))?;
        log_event(tx, &actor, id, PoolEventKind::Claim, principal.user_id, None)?;
        let claimed = tx.get_live::<Customer>(id)?;
        tx.audit_event(&actor, AuditEvent { action: "claim".into(), kind: Customer::KIND.into(), record_id: Some(id), title: claimed.data.name.clone(), ..Default::default() })?;
        super::timeline::system_entry(
            tx,
            &actor,
            &claimed,
            SystemEvent::ClaimedFromPool {
                by: principal.display_name.clone(),
            },
        )?;
        let owners = names(tx, [principal.user_id])?;
        Ok(view(claimed, &owners, principal.lang))
    })
}

/// Sends a customer back to the pool, recording why.
fn return_to_pool(
    tx: &mut Tx,
    actor: &Actor,
    c: &Record<Customer>,
    reason: ReturnReason,
    note: Option<String>,
) -> AppResult<()> {
    let Some(owner) = c.data.owner_id else {
        return Ok(());
    };
    let pool = match c.data.pool_id {
        Some(p) => Some(p),
        None => default_pool(tx)?,
    };
    set_customer_owner(tx, actor, c.id, None)?;
    if pool != c.data.pool_id {
        tx.update::<Customer, AppError>(actor, c.id, None, |x| {
            x.pool_id = pool;
            Ok(())
        })?;
    }
    log_event(tx, actor, c.id, PoolEventKind::Return, owner, Some(reason))?;
    let reason_key = serde_json::to_value(reason)
        .ok()
        .and_then(|v| v.as_str().map(String::from))
        .unwrap_or_default();
    tx.audit_event(
        actor,
        AuditEvent {
            action: "return_to_pool".into(),
            kind: Customer::KIND.into(),
            record_id: Some(c.id),
            title: c.data.name.clone(),
            changes: vec![
                crate::store::Change {
                    field: "owner_id".into(),
                    old: Some(owner.to_string()),
                    new: None,
                },
                crate::store::Change {
                    field: "reason".into(),
                    old: None,
                    new: Some(format!("\"{reason_key}\"")),
                },
            ],
        },
    )?;
    let returned = tx.get_live::<Customer>(c.id)?;
    super::timeline::system_entry(
        tx,
        actor,
        &returned,
        SystemEvent::ReturnedToPool { reason, note },
    )?;
    Ok(())
}

pub fn release(k: &Kontor, p: &Principal, id: u64, input: ReleaseInput) -> AppResult<CustomerView> {
    let note = validate::optional_text("note", input.note.as_deref(), 500)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let c = guard::open::<Customer>(tx, &principal, id, Action::Update)?;
        if c.data.owner_id.is_none() {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "该客户已在公海中。",
                "This customer is already in the pool.",
            )));
        }
        if c.data.owner_id != Some(principal.user_id)
            && principal.scope(Module::Crm, Action::Assign) == Scope::None
        {
            return Err(AppError::forbidden());
        }
        return_to_pool(tx, &actor, &c, ReturnReason::Released, note)?;
        let r = tx.get_live::<Customer>(id)?;
        Ok(view(r, &Default::default(), principal.lang))
    })
}

/// When a customer is due back in the pool under its pool's rules, and why. Locked customers,
/// key accounts and customers with a deal are exempt.
pub fn due_return(c: &Customer, pool: &Pool) -> Option<(DateTime<Utc>, ReturnReason)> {
    if c.owner_id.is_none() || c.locked || c.key_account || c.status == CustomerStatus::Customer {
        return None;
    }
    let since = c.owned_since?;
    let mut due: Vec<(DateTime<Utc>, ReturnReason)> = Vec::new();
    if let Some(d) = pool.return_no_followup_days {
        let base = c.last_followup_at.map_or(since, |f| f.max(since));
        due.push((base + Duration::days(d as i64), ReturnReason::NoFollowup));
    }
    if let Some(d) = pool.return_no_deal_days {
        let base = c.last_deal_at.map_or(since, |f| f.max(since));
        due.push((base + Duration::days(d as i64), ReturnReason::NoDeal));
    }
    if let Some(d) = pool.protection_days {
        due.push((
            since + Duration::days(d as i64),
            ReturnReason::ProtectionEnded,
        ));
    }
    due.into_iter().min_by_key(|(t, _)| *t)
}

/// Job: returns customers whose time is up and warns owners before. Runs "as of" `now`; a
/// warning is one task per customer and due date, so reruns and catch-up do it exactly once.
pub fn run_rules(k: &Kontor, now: DateTime<Utc>) -> AppResult<(usize, usize)> {
    let candidates = k.store.read(|tx| {
        let mut out = Vec::new();
        tx.for_each::<Customer>(false, &mut |r| {
            if r.data.owner_id.is_some() {
                out.push(r.id);
            }
            Ok(true)
        })?;
        Ok::<_, AppError>(out)
    })?;
    let mut returned = 0;
    let mut warned = 0;
    for chunk in candidates.chunks(500) {
        let chunk = chunk.to_vec();
        let (r, w) = k.store.write(move |tx| {
            tx.set_now(now);
            let actor = Actor::system();
            let (mut r, mut w) = (0, 0);
            for id in chunk {
                let Ok(c) = tx.get_live::<Customer>(id) else {
                    continue;
                };
                let Some(pool) = pool_of(tx, &c.data)? else {
                    continue;
                };
                let Some((due, reason)) = due_return(&c.data, &pool.data) else {
                    continue;
                };
                if due <= now {
                    return_to_pool(tx, &actor, &c, reason, None)?;
                    r += 1;
                } else if pool.data.warn_days > 0
                    && due - Duration::days(pool.data.warn_days as i64) <= now
                {
                    let due_day: NaiveDate = due.date_naive();
                    let source = format!("pool_warn:{id}:{due_day}");
                    if tx
                        .find_unique::<Task>("source", &IndexKey::new().str(&source))?
                        .is_none()
                    {
                        tx.insert(
                            &actor,
                            Task {
                                owner_id: c.data.owner_id,
                                customer_id: Some(id),
                                lead_id: None,
                                title: TaskTitle::PoolWarning,
                                due_on: due_day,
                                done_at: None,
                                source,
                            },
                        )?;
                        w += 1;
                    }
                }
            }
            Ok::<_, AppError>((r, w))
        })?;
        returned += r;
        warned += w;
    }
    Ok((returned, warned))
}
