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
pub mod kinds;
pub mod leads;
pub mod model;
pub mod pool;
pub mod tasks;
pub mod timeline;
pub mod transfer;
pub mod wording;

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::{AppError, AppResult};
use crate::store::{Actor, IndexKey, Tx};

use crate::domain::kit::{Job, ModuleDef, Participant};
use model::{Contact, Customer, Lead, Opportunity, Pool, Task};

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
    // Contacts and timeline entries carry the customer's owner; open deals and open tasks
    // that were the old owner's go with it (each kind's `Guarded::moves_with_parent`).
    crate::domain::modules::owner_changed(tx, actor, "customer", id, before, owner)
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

/// The CRM module: customers, contacts, timeline, leads, deals, tasks, pools and cadence.
pub fn module() -> ModuleDef {
    ModuleDef {
        areas,
        seed,
        jobs,
        handover: handover_participants,
        ..ModuleDef::new("crm", kinds::KINDS, kinds::register)
    }
}

fn areas(p: &Principal, areas: &mut Vec<&'static str>) {
    if p.scope(Module::Crm, Action::Read) != Scope::None {
        areas.extend([
            "crm.my_day",
            "crm.customers",
            "crm.pool",
            "crm.leads",
            "crm.opportunities",
        ]);
    }
    if p.scope(Module::Crm, Action::Import) != Scope::None {
        areas.push("crm.import");
    }
    if p.scope(Module::Crm, Action::Assign) == Scope::All {
        areas.push("crm.handover");
    }
    if p.scope(Module::Settings, Action::Update) == Scope::All {
        areas.push("crm.settings");
    }
}

/// A default public pool and the cadence rules of seed 002, when the company has none.
fn seed(tx: &mut Tx) -> AppResult<()> {
    if tx.count_all::<Pool>()? == 0 {
        tx.insert(
            &Actor::system(),
            Pool {
                name: wording::Text::Preset(wording::Preset::PublicPool),
                return_no_followup_days: Some(30),
                return_no_deal_days: Some(90),
                protection_days: None,
                warn_days: 3,
                max_held_per_rep: Some(200),
                max_claims_per_day: Some(20),
                cooldown_days: 7,
                team_ids: Vec::new(),
                is_default: true,
            },
        )?;
    }
    if tx.count_all::<model::CadenceRule>()? == 0 {
        for rule in tasks::preset_rules() {
            tx.insert(&Actor::system(), rule)?;
        }
    }
    Ok(())
}

fn jobs() -> Vec<Job> {
    vec![
        Job {
            name: "pool-rules",
            every: std::time::Duration::from_secs(600),
            run: |k, now| pool::run_rules(k, now).map(|_| ()),
        },
        Job {
            name: "cadence",
            every: std::time::Duration::from_secs(3600),
            run: |k, now| tasks::run_cadence(k, now).map(|_| ()),
        },
    ]
}

/// The CRM's part in handovers: customers (with contacts and timeline), leads, open
/// opportunities and open tasks.
fn handover_participants() -> Vec<Participant> {
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
