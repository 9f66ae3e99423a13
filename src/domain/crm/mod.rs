//! CRM (CRM-1 … CRM-6): customers as company property.
//!
//! Data scope: a rep reaches records by owner (own / team / all). Customers without an owner sit
//! in a public pool (公海); who sees a pool is the pool's setting. Contacts and timeline entries
//! carry their customer's owner, kept in step on every change of owner (transfer, claim,
//! release, handover, import), so the same scope rule applies to them and to search. Open
//! opportunities and open tasks that were the old owner's move with the customer; a won or
//! lost deal stays with the rep who closed it, a task given to a colleague stays theirs.

pub mod customers;
pub mod demo;
pub mod leads;
pub mod model;
pub mod pool;
pub mod tasks;
pub mod timeline;
pub mod transfer;
pub mod wording;

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::store::{Actor, IndexKey, Record, Tx};

use super::handover::Participant;
use model::{Activity, Contact, Customer, Lead, Opportunity, Pool, Task};

/// Whether the caller may see a pool's customers.
pub fn sees_pool(p: &Principal, pool: &Pool) -> bool {
    p.scope(Module::Crm, Action::Read) != Scope::None
        && (pool.team_ids.is_empty()
            || p.scope(Module::Crm, Action::Read) == Scope::All
            || pool.team_ids.iter().any(|t| p.team_ids.contains(t)))
}

/// Whether the caller may lock a customer of `owner` (or mark it a key account), which keeps it
/// out of the pool's return rules; `field` names the refused field (403).
pub fn may_lock(p: &Principal, owner: Option<u64>, field: &str) -> AppResult<()> {
    let scope = p.scope(Module::Crm, Action::Lock);
    let reaches = match owner {
        Some(_) => p.reaches(scope, owner),
        None => scope == Scope::All,
    };
    if reaches {
        Ok(())
    } else {
        let msg = if field == "key_account" {
            crate::error::Msg::new(
                "你的角色不能设置或取消“重点客户”（重点客户不退回公海），请联系经理。",
                "Your role may not set or clear “Key account” (key accounts never return to the pool); ask a manager.",
            )
        } else {
            crate::error::Msg::new(
                "你的角色不能锁定或解锁客户（锁定的客户不退回公海），请联系经理。",
                "Your role may not lock or unlock customers (locked customers never return to the pool); ask a manager.",
            )
        };
        Err(AppError::forbidden().on_field(field).with_msg(msg))
    }
}

/// Whether `action` on a customer is within the caller's scope. Pool customers: reading follows
/// the pool's visibility; changing them needs scope `all` (claiming is its own action).
pub fn reaches_customer(tx: &Tx, p: &Principal, c: &Customer, action: Action) -> AppResult<bool> {
    let scope = p.scope(Module::Crm, action);
    if scope == Scope::None {
        return Ok(false);
    }
    match c.owner_id {
        Some(owner) => Ok(p.reaches(scope, Some(owner))),
        None if action == Action::Read => {
            let pool = match c.pool_id {
                Some(id) => tx.get::<Pool>(id)?.map(|p| p.data),
                None => None,
            };
            Ok(pool.is_none_or(|pool| sees_pool(p, &pool)))
        }
        None => Ok(scope == Scope::All),
    }
}

/// A customer the caller may act on, or 404 (so a rep learns nothing of others' customers) /
/// 403 (seen but not changeable). Deleting a customer asks [`Action::DeleteCustomer`]; merging
/// one away into a survivor asks the CRM `delete` (its contacts, timeline and deals move to the
/// survivor, and the merge can be undone).
pub fn customer_for(
    tx: &Tx,
    p: &Principal,
    id: u64,
    action: Action,
) -> AppResult<Record<Customer>> {
    p.require(Module::Crm, action)?;
    let c = tx.get_live::<Customer>(id)?;
    if !reaches_customer(tx, p, &c.data, Action::Read)? {
        return Err(AppError::not_found());
    }
    if action != Action::Read && !reaches_customer(tx, p, &c.data, action)? {
        return Err(AppError::forbidden());
    }
    Ok(c)
}

/// Gives a customer a new owner (or the pool), with everything that hangs off it.
pub fn set_customer_owner(
    tx: &mut Tx,
    actor: &Actor,
    id: u64,
    owner: Option<u64>,
) -> AppResult<()> {
    let team = match owner {
        Some(u) => tx
            .get::<crate::auth::User>(u)?
            .and_then(|u| u.data.team_ids.first().copied()),
        None => None,
    };
    let now = tx.now();
    let before = tx.get_live::<Customer>(id)?.data.owner_id;
    tx.update::<Customer, AppError>(actor, id, None, |c| {
        c.owner_id = owner;
        c.team_id = team;
        c.owned_since = owner.map(|_| now);
        Ok(())
    })?;
    // Open deals and open tasks that were the old owner's go with the customer; a won or lost
    // deal stays with the rep who closed it (their sales record), and what a colleague was
    // given on the customer stays theirs.
    for oid in tx.ids_by_index::<Opportunity>("customer", &IndexKey::new().u64(id), false)? {
        if let Ok(o) = tx.get_live::<Opportunity>(oid)
            && o.data.stage.is_open()
            && o.data.owner_id == before
            && before != owner
        {
            set_opportunity_owner(tx, actor, oid, owner)?;
        }
    }
    if before != owner {
        let open = tx.ids_by_index::<Task>(
            "open_by_owner",
            &IndexKey::new().u64(before.unwrap_or(0)),
            false,
        )?;
        for tid in open {
            if tx
                .get_live::<Task>(tid)
                .is_ok_and(|t| t.data.customer_id == Some(id) && t.data.done_at.is_none())
            {
                set_task_owner(tx, actor, tid, owner)?;
            }
        }
    }
    for cid in tx.ids_by_index::<Contact>("customer", &IndexKey::new().u64(id), false)? {
        if tx.get_live::<Contact>(cid).is_ok() {
            tx.update::<Contact, AppError>(actor, cid, None, |c| {
                c.owner_id = owner;
                Ok(())
            })?;
        }
    }
    for aid in tx.ids_by_index::<Activity>("customer", &IndexKey::new().u64(id), false)? {
        if tx.get_live::<Activity>(aid).is_ok() {
            tx.update::<Activity, AppError>(actor, aid, None, |a| {
                a.owner_id = owner;
                Ok(())
            })?;
            crate::domain::files::follow_owner(tx, actor, "activity", aid, owner)?;
        }
    }
    crate::domain::files::follow_owner(tx, actor, "customer", id, owner)?;
    Ok(())
}

/// Where a customer's contacts read phone numbers without a country code: its country, else
/// the company's.
pub fn contact_region(tx: &Tx, customer: &Customer) -> AppResult<String> {
    match &customer.country {
        Some(c) => Ok(c.clone()),
        None => crate::domain::company::default_country(tx),
    }
}

/// Brings the region of a customer's contacts in step with the customer (after its country
/// changed, or contacts moved to it).
pub fn sync_contact_regions(tx: &mut Tx, actor: &Actor, customer_id: u64) -> AppResult<()> {
    let Some(customer) = tx.get::<Customer>(customer_id)? else {
        return Ok(());
    };
    let region = Some(contact_region(tx, &customer.data)?);
    for cid in tx.ids_by_index::<Contact>("customer", &IndexKey::new().u64(customer_id), false)? {
        if tx
            .get_live::<Contact>(cid)
            .is_ok_and(|c| c.data.region != region)
        {
            tx.update::<Contact, AppError>(actor, cid, None, |c| {
                c.region.clone_from(&region);
                Ok(())
            })?;
        }
    }
    Ok(())
}

/// Gives the contacts saved before contacts carried a region (schema 3) their customer's, once
/// (then recorded in the settings), a thousand per transaction. Contacts in the recycle bin
/// keep theirs until they are restored and saved.
pub fn fill_contact_regions(k: &crate::domain::Kontor) -> AppResult<()> {
    const DONE: &[u8] = b"contact_regions_filled";
    if k.store.read(|tx| tx.kv_get("settings", DONE))?.is_some() {
        return Ok(());
    }
    let ids = k.store.read(|tx| {
        let mut ids = Vec::new();
        tx.for_each::<Contact>(false, &mut |r| {
            if r.data.region.is_none() && !r.meta.is_deleted() {
                ids.push(r.id);
            }
            Ok(true)
        })?;
        Ok::<_, AppError>(ids)
    })?;
    for chunk in ids.chunks(1000) {
        let chunk = chunk.to_vec();
        k.store.write(move |tx| {
            let actor = Actor::system();
            for id in chunk {
                let Ok(contact) = tx.get_live::<Contact>(id) else {
                    continue;
                };
                let Some(customer) = tx.get::<Customer>(contact.data.customer_id)? else {
                    continue;
                };
                let region = contact_region(tx, &customer.data)?;
                tx.update::<Contact, AppError>(&actor, id, None, |c| {
                    c.region = Some(region);
                    Ok(())
                })?;
            }
            Ok::<_, AppError>(())
        })?;
    }
    k.store.write(|tx| {
        tx.kv_put("settings", DONE, b"1")?;
        Ok::<_, AppError>(())
    })
}

fn customer_ids_owned(tx: &Tx, owner: u64) -> AppResult<Vec<u64>> {
    Ok(tx.ids_by_index::<Customer>("owner", &IndexKey::new().u64(owner), false)?)
}

fn lead_ids_owned(tx: &Tx, owner: u64) -> AppResult<Vec<u64>> {
    Ok(tx.ids_by_index::<Lead>("owner", &IndexKey::new().u64(owner), false)?)
}

fn open_opportunities_owned(tx: &Tx, owner: u64) -> AppResult<Vec<u64>> {
    let mut ids = Vec::new();
    for id in tx.ids_by_index::<Opportunity>("owner", &IndexKey::new().u64(owner), false)? {
        if tx
            .get_live::<Opportunity>(id)
            .is_ok_and(|o| o.data.stage.is_open())
        {
            ids.push(id);
        }
    }
    Ok(ids)
}

fn open_tasks_owned(tx: &Tx, owner: u64) -> AppResult<Vec<u64>> {
    Ok(tx.ids_by_index::<Task>("open_by_owner", &IndexKey::new().u64(owner), false)?)
}

macro_rules! owner_field {
    ($name:ident, $owner:ident, $t:ty) => {
        fn $name(tx: &mut Tx, actor: &Actor, id: u64, owner: Option<u64>) -> AppResult<()> {
            tx.update::<$t, AppError>(actor, id, None, |r| {
                r.owner_id = owner;
                Ok(())
            })?;
            Ok(())
        }
        fn $owner(tx: &Tx, id: u64) -> AppResult<Option<u64>> {
            Ok(tx.get_live::<$t>(id)?.data.owner_id)
        }
    };
}
owner_field!(set_lead_owner, lead_owner, Lead);
owner_field!(set_opportunity_owner, opportunity_owner, Opportunity);
owner_field!(set_task_owner, task_owner, Task);

fn customer_owner(tx: &Tx, id: u64) -> AppResult<Option<u64>> {
    Ok(tx.get_live::<Customer>(id)?.data.owner_id)
}

/// The CRM's part in handovers: customers (with contacts and timeline), leads, open
/// opportunities and open tasks.
pub fn handover_participants() -> Vec<Participant> {
    vec![
        Participant {
            kind: "customer",
            zh: "客户",
            en: "Customers",
            owned: customer_ids_owned,
            set_owner: set_customer_owner,
            owner_of: customer_owner,
        },
        Participant {
            kind: "lead",
            zh: "线索",
            en: "Leads",
            owned: lead_ids_owned,
            set_owner: set_lead_owner,
            owner_of: lead_owner,
        },
        Participant {
            kind: "opportunity",
            zh: "商机",
            en: "Opportunities",
            owned: open_opportunities_owned,
            set_owner: set_opportunity_owner,
            owner_of: opportunity_owner,
        },
        Participant {
            kind: "task",
            zh: "待办",
            en: "Open tasks",
            owned: open_tasks_owned,
            set_owner: set_task_owner,
            owner_of: task_owner,
        },
    ]
}

/// Today's date in the company's time zone (due dates of tasks are calendar dates there).
pub fn company_today(tx: &Tx, now: chrono::DateTime<chrono::Utc>) -> AppResult<chrono::NaiveDate> {
    let tz: chrono_tz::Tz = crate::domain::company::company(tx)?
        .and_then(|c| c.data.time_zone.parse().ok())
        .unwrap_or(chrono_tz::Asia::Shanghai);
    Ok(now.with_timezone(&tz).date_naive())
}

/// The data scope a list asks for (`mine` by default, `team`, `all`), never wider than granted.
pub fn list_scope(asked: Option<&str>, granted: Scope) -> AppResult<Scope> {
    let wanted = match asked {
        Some("all") => Scope::All,
        Some("team") => Scope::Team,
        Some("mine") | None => Scope::Own,
        Some(other) => {
            return Err(AppError::invalid(
                "scope",
                crate::error::Msg::new(
                    format!("未知的范围：{other}"),
                    format!("Unknown scope: {other}"),
                ),
            ));
        }
    };
    Ok(wanted.min(granted))
}

/// The folded search text of a list query (None when empty).
pub fn needle(q: Option<&str>) -> Option<String> {
    q.map(crate::search::text::fold)
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
}

/// Checks that a user id names an active user (for owner fields).
pub fn active_owner(tx: &Tx, field: &str, id: u64) -> AppResult<()> {
    match tx.get_live::<crate::auth::User>(id) {
        Ok(u) if u.data.active => Ok(()),
        _ => Err(AppError::invalid(
            field,
            crate::error::Msg::new(
                format!("负责人 {id} 不存在或已停用。"),
                format!("Owner {id} does not exist or is disabled."),
            ),
        )),
    }
}
