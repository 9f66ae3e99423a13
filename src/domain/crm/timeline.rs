//! The communication timeline (CRM-2): every e-mail, call, meeting, visit, note, sample,
//! quotation and chat on one line per customer, contact and lead, newest first.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::{Actor, IndexKey, Record, Tx};

use super::model::{Activity, ActivityKind, Contact, Customer, SystemEvent, Task, TaskTitle};
use crate::domain::accounts::Named;
use crate::domain::kit::guard;
use crate::domain::kit::{List, names};
use crate::domain::{Kontor, Paging, validate};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ActivityView {
    pub id: u64,
    pub kind: ActivityKind,
    pub occurred_at: DateTime<Utc>,
    pub author: Option<Named>,
    pub subject: String,
    pub body: Option<String>,
    pub contact: Option<Named>,
    pub customer_id: Option<u64>,
    pub lead_id: Option<u64>,
    pub follow_up_on: Option<NaiveDate>,
    /// Files attached to the entry.
    pub attachments: Vec<crate::domain::files::AttachmentView>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ActivityInput {
    pub kind: ActivityKind,
    pub subject: String,
    pub body: Option<String>,
    pub contact_id: Option<u64>,
    /// When it happened (default: now).
    pub occurred_at: Option<DateTime<Utc>>,
    /// A date to follow up on: becomes a task for the owner, on "My day".
    pub follow_up_on: Option<NaiveDate>,
}

/// Entries as the viewer reads them: system entries in the viewer's language.
pub(super) fn views(
    tx: &Tx,
    records: Vec<Record<Activity>>,
    lang: Lang,
) -> AppResult<Vec<ActivityView>> {
    let people = names(tx, records.iter().filter_map(|r| r.data.author_id))?;
    let mut files = crate::domain::files::on_records(tx, "activity", records.iter().map(|r| r.id))?;
    let mut out = Vec::new();
    for r in records {
        let a = r.data;
        let contact = match a.contact_id {
            Some(cid) => tx.get::<Contact>(cid)?.map(|c| Named {
                id: cid,
                name: c.data.name,
            }),
            None => None,
        };
        out.push(ActivityView {
            id: r.id,
            kind: a.kind,
            occurred_at: a.occurred_at,
            author: a.author_id.map(|id| Named {
                id,
                name: people.get(&id).cloned().unwrap_or_default(),
            }),
            subject: match &a.event {
                Some(e) => e.text(lang),
                None => a.subject,
            },
            body: a.body,
            contact,
            customer_id: a.customer_id,
            lead_id: a.lead_id,
            follow_up_on: a.follow_up_on,
            attachments: files.remove(&r.id).unwrap_or_default(),
        });
    }
    Ok(out)
}

/// Timeline entries under an index prefix, newest first.
pub(super) fn page(
    tx: &Tx,
    index: &str,
    prefix: IndexKey,
    paging: Paging,
    lang: Lang,
) -> AppResult<List<ActivityView>> {
    let ids = tx.ids_by_index::<Activity>(index, &prefix, true)?;
    let mut live = Vec::new();
    for id in ids {
        if let Ok(r) = tx.get_live::<Activity>(id) {
            live.push(r);
        }
    }
    let total = live.len() as u64;
    let records = live
        .into_iter()
        .skip(paging.offset() as usize)
        .take(paging.per_page as usize)
        .collect();
    Ok(List {
        items: views(tx, records, lang)?,
        total,
        page: paging.page,
        per_page: paging.per_page,
    })
}

pub fn for_customer(
    k: &Kontor,
    p: &Principal,
    customer_id: u64,
    contact_id: Option<u64>,
    paging: Paging,
) -> AppResult<List<ActivityView>> {
    k.store.read(|tx| {
        guard::open::<Customer>(tx, p, customer_id, Action::Read)?;
        match contact_id {
            Some(cid) => {
                let contact = tx.get_live::<Contact>(cid)?;
                if contact.data.customer_id != customer_id {
                    return Err(AppError::not_found());
                }
                page(tx, "contact", IndexKey::new().u64(cid), paging, p.lang)
            }
            None => page(
                tx,
                "customer",
                IndexKey::new().u64(customer_id),
                paging,
                p.lang,
            ),
        }
    })
}

pub(super) fn check_input(input: &ActivityInput) -> AppResult<(String, Option<String>)> {
    if input.kind == ActivityKind::System {
        return Err(AppError::invalid(
            "kind",
            Msg::new(
                "系统记录不能手动添加。",
                "System entries cannot be added by hand.",
            ),
        ));
    }
    Ok((
        validate::text("subject", &input.subject, 200)?,
        validate::optional_text("body", input.body.as_deref(), 20_000)?,
    ))
}

/// Adds the follow-up task of an entry with a follow-up date.
pub(super) fn follow_up_task(
    tx: &mut Tx,
    actor: &Actor,
    activity: &Record<Activity>,
) -> AppResult<()> {
    if let Some(due) = activity.data.follow_up_on {
        tx.insert(
            actor,
            Task {
                owner_id: activity.data.owner_id.or(activity.data.author_id),
                customer_id: activity.data.customer_id,
                lead_id: activity.data.lead_id,
                title: TaskTitle::Typed(activity.data.subject.clone()),
                due_on: due,
                done_at: None,
                source: format!("follow_up:{}", activity.id),
            },
        )?;
    }
    Ok(())
}

pub fn add_to_customer(
    k: &Kontor,
    p: &Principal,
    customer_id: u64,
    input: ActivityInput,
) -> AppResult<ActivityView> {
    p.require(Module::Crm, Action::Update)?;
    let (subject, body) = check_input(&input)?;
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let c = guard::open::<Customer>(tx, &principal, customer_id, Action::Update)?;
        if let Some(cid) = input.contact_id
            && tx.get_live::<Contact>(cid).map(|x| x.data.customer_id).ok() != Some(customer_id)
        {
            return Err(AppError::invalid(
                "contact_id",
                Msg::new(
                    "该联系人不属于此客户。",
                    "This contact does not belong to the customer.",
                ),
            ));
        }
        let now = tx.now();
        let occurred_at = input.occurred_at.unwrap_or(now);
        let record = tx.insert(
            &actor,
            Activity {
                customer_id: Some(customer_id),
                contact_id: input.contact_id,
                lead_id: None,
                kind: input.kind,
                occurred_at,
                author_id: Some(principal.user_id),
                subject,
                body,
                follow_up_on: input.follow_up_on,
                owner_id: c.data.owner_id,
                event: None,
            },
        )?;
        if c.data.last_followup_at.is_none_or(|t| t < occurred_at) && occurred_at <= now {
            tx.update::<Customer, AppError>(&actor, customer_id, None, |c| {
                c.last_followup_at = Some(occurred_at);
                Ok(())
            })?;
        }
        follow_up_task(tx, &actor, &record)?;
        super::tasks::on_activity(tx, &actor, &record)?;
        Ok(views(tx, vec![record], principal.lang)?.remove(0))
    })
}

/// A line Kontor writes itself (claims, returns, handovers), in the same transaction: the event,
/// told in each viewer's language (no subject of its own).
pub fn system_entry(
    tx: &mut Tx,
    actor: &Actor,
    customer: &Record<Customer>,
    event: SystemEvent,
) -> AppResult<()> {
    let now = tx.now();
    tx.insert(
        actor,
        Activity {
            customer_id: Some(customer.id),
            contact_id: None,
            lead_id: None,
            kind: ActivityKind::System,
            occurred_at: now,
            author_id: actor.user,
            subject: String::new(),
            body: None,
            follow_up_on: None,
            owner_id: customer.data.owner_id,
            event: Some(event),
        },
    )?;
    Ok(())
}
