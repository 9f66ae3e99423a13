//! The in-app inbox (the in-app half of AUT-2): any module tells a user of something with one
//! call, [`notify`], inside its own write transaction. A notification stores a message key and
//! its parameters, never rendered text: it is told in the viewer's language when read, and the
//! records it names are named only if the viewer may read them then.
//!
//! When a transaction that changed someone's inbox is durable, the store signals [`TOPIC`] with
//! their user id; the live stream (`/api/v1/notifications/stream`) listens for it.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Principal};
use crate::error::{AppError, AppResult};
use crate::i18n::Lang;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Record, Tx};

use super::kit::{List, names};
use super::{Kontor, Paging};

/// The store signal raised (keyed by user id) when a user's inbox changes.
pub const TOPIC: &str = "notifications";

/// What a notification is about, for its icon and filters. (Stored by position: add new ones at
/// the end.)
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NotifyKind {
    /// Someone asks for a customer the recipient owns (or may decide on).
    TransferRequested,
    /// The recipient's transfer request was accepted.
    TransferAccepted,
    /// The recipient's transfer request was declined.
    TransferDeclined,
    /// A customer was given to the recipient.
    CustomerAssigned,
    /// A lead was given to the recipient.
    LeadAssigned,
    /// Another user's records were handed over to the recipient.
    HandoverReceived,
    /// An instalment of an order falls due soon.
    ReceivableDue,
    /// An instalment of an order is overdue.
    ReceivableOverdue,
    /// A scheduled backup failed (administrators).
    BackupFailed,
    /// A project task was assigned to the recipient.
    TaskAssigned,
    /// The recipient was mentioned in a task's conversation.
    TaskMentioned,
    /// A supplier invoice falls due soon.
    PayableDue,
    /// A follow-up node of an order is past its planned date and not done.
    NodeLate,
}

/// The record a notification leads to: a kind (`Entity::KIND`) and an id.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct RecordRef {
    pub kind: String,
    pub id: u64,
}

impl RecordRef {
    pub fn of<T: Entity>(id: u64) -> RecordRef {
        RecordRef {
            kind: T::KIND.to_string(),
            id,
        }
    }
}

/// A value put into a message when it is read.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Param {
    /// A user, told by their display name as it is then.
    User(u64),
    /// A record, told by its title if the viewer may read it then; else `fallback` (words the
    /// recipient already knows, e.g. their own label), else `#id`.
    Record {
        kind: String,
        id: u64,
        fallback: Option<String>,
    },
    /// Text kept as given (what a person typed).
    Text(String),
    /// Words the system keeps in both languages (a node's name), told in the reader's.
    Both { zh: String, en: String },
}

/// A message: a key of [`CATALOGUE`] and its named parameters.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    pub key: String,
    pub params: Vec<(String, Param)>,
}

impl Message {
    pub fn new(key: &str) -> Message {
        debug_assert!(template(key, Lang::En).is_some(), "no message {key}");
        Message {
            key: key.to_string(),
            params: Vec::new(),
        }
    }
    pub fn user(mut self, name: &str, id: u64) -> Message {
        self.params.push((name.to_string(), Param::User(id)));
        self
    }
    pub fn record<T: Entity>(mut self, name: &str, id: u64, fallback: Option<String>) -> Message {
        self.params.push((
            name.to_string(),
            Param::Record {
                kind: T::KIND.to_string(),
                id,
                fallback,
            },
        ));
        self
    }
    pub fn both(mut self, name: &str, zh: &str, en: &str) -> Message {
        self.params.push((
            name.to_string(),
            Param::Both {
                zh: zh.to_string(),
                en: en.to_string(),
            },
        ));
        self
    }
    pub fn text(mut self, name: &str, text: impl Into<String>) -> Message {
        self.params
            .push((name.to_string(), Param::Text(text.into())));
        self
    }
}

/// Every message: key, Chinese, English; `{name}` is a parameter. New modules add theirs here.
pub const CATALOGUE: &[(&str, &str, &str)] = &[
    (
        "payable.due",
        "供应商 {supplier} 的发票 {invoice} 未付 {amount}，将于 {due} 到期",
        "Invoice {invoice} of {supplier}, {amount} unpaid, falls due on {due}",
    ),
    (
        "transfer.requested",
        "{requester} 申请接手您的客户 {customer}",
        "{requester} asks to take over your customer {customer}",
    ),
    (
        "transfer.requested_other",
        "{requester} 申请接手 {owner} 的客户 {customer}",
        "{requester} asks to take over {owner}'s customer {customer}",
    ),
    (
        "transfer.accepted",
        "{decider} 同意了您的转移申请，客户 {customer} 已转到您名下",
        "{decider} accepted your transfer request: {customer} is now yours",
    ),
    (
        "transfer.declined",
        "{decider} 拒绝了您对 {customer} 的转移申请：{note}",
        "{decider} declined your request for {customer}: {note}",
    ),
    (
        "customer.assigned",
        "{actor} 将客户 {customer} 转给了您",
        "{actor} gave you the customer {customer}",
    ),
    (
        "lead.assigned",
        "{actor} 将线索 {lead} 分配给了您",
        "{actor} assigned you the lead {lead}",
    ),
    (
        "handover.received",
        "{actor} 将 {from} 的 {count} 条记录交接给了您",
        "{actor} handed {count} of {from}'s records over to you",
    ),
    (
        "receivable.due",
        "订单 {order} 第 {n} 期 {amount} 将于 {due} 到期",
        "Instalment {n} of order {order}, {amount}, falls due on {due}",
    ),
    (
        "receivable.overdue",
        "订单 {order} 第 {n} 期 {amount} 已于 {due} 到期，仍未收到",
        "Instalment {n} of order {order}, {amount}, was due on {due} and is still unpaid",
    ),
    (
        "backup.failed",
        "定时备份失败（{dir}）：{error}。请检查磁盘空间和目录权限。",
        "The scheduled backup into {dir} failed: {error}. Check the disk space and the directory's permissions.",
    ),
    (
        "project_task.assigned",
        "{actor} 将任务 {task} 指派给了您",
        "{actor} assigned you the task {task}",
    ),
    (
        "project_task.mentioned",
        "{actor} 在任务 {task} 的讨论中提到了您",
        "{actor} mentioned you in the conversation on {task}",
    ),
    (
        "node.late",
        "订单 {order} 的节点“{node}”计划于 {planned} 完成，已逾期 {days} 天",
        "Order {order}: \"{node}\" was planned for {planned} and is {days} days late",
    ),
];

fn template(key: &str, lang: Lang) -> Option<&'static str> {
    CATALOGUE
        .iter()
        .find(|(k, _, _)| *k == key)
        .map(|(_, zh, en)| lang.pick(zh, en))
}

/// A user's notification.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq)]
pub struct Notification {
    pub user_id: u64,
    pub kind: NotifyKind,
    pub record: Option<RecordRef>,
    pub message: Message,
    pub read_at: Option<DateTime<Utc>>,
}

impl Entity for Notification {
    const KIND: &'static str = "notification";
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![
            IndexDef::many("user", |n: &Notification| {
                vec![IndexKey::new().u64(n.user_id)]
            })
            .counted(),
            IndexDef::many("unread", |n: &Notification| {
                if n.read_at.is_none() {
                    vec![IndexKey::new().u64(n.user_id)]
                } else {
                    vec![]
                }
            })
            .counted(),
        ]
    }
    /// Never the message: the audit log tells only whose it is.
    fn title(&self) -> String {
        format!("→ #{}", self.user_id)
    }
    fn owner(&self) -> Option<u64> {
        Some(self.user_id)
    }
}

/// Tells `user_id` of something, inside the caller's transaction (it is kept only if the
/// transaction commits). Users that are gone or inactive are not told.
pub fn notify(
    tx: &mut Tx,
    user_id: u64,
    kind: NotifyKind,
    record: Option<RecordRef>,
    message: Message,
) -> AppResult<()> {
    let live = tx
        .get::<crate::auth::User>(user_id)?
        .is_some_and(|u| !u.meta.is_deleted() && u.data.active);
    if !live {
        return Ok(());
    }
    tx.insert(
        &Actor::system(),
        Notification {
            user_id,
            kind,
            record,
            message,
            read_at: None,
        },
    )?;
    tx.signal(TOPIC, user_id);
    Ok(())
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct NotificationView {
    pub id: u64,
    pub kind: NotifyKind,
    /// The record to open; only when the viewer may open it now (a transfer request: always,
    /// the viewer is a party to it).
    pub record: Option<RecordRef>,
    /// The message in the viewer's language.
    pub text: String,
    pub read: bool,
    pub read_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

#[derive(Clone, Copy, Debug, Serialize, utoipa::ToSchema)]
pub struct UnreadCount {
    pub unread: u64,
}

#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationQuery {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub page: Option<u64>,
    /// At most 200 (default 50).
    pub per_page: Option<u64>,
}

/// The title of a record if `p` may read it now (by its kind's module, read scope and owner).
fn readable_title(tx: &Tx, p: &Principal, kind: &str, id: u64) -> AppResult<Option<String>> {
    let Some(info) = super::kinds::info(kind) else {
        return Ok(None);
    };
    let Some(ops) = tx.registry().get(kind) else {
        return Ok(None);
    };
    let Some(bytes) = tx.raw_record(kind, id)? else {
        return Ok(None);
    };
    let (_, meta, _) = crate::store::open_envelope(&bytes)?;
    if meta.is_deleted() {
        return Ok(None);
    }
    let reached = match info.reads {
        // The guard's rule, so kinds held by several people (a project's tasks) name themselves
        // to their members too.
        Some(reads) => reads(tx, p, id)?,
        None => p.reaches(p.scope(info.module, Action::Read), ops.owner(id, &bytes)?),
    };
    if !reached {
        return Ok(None);
    }
    Ok(Some(ops.title(id, &bytes)?))
}

/// The message of `n` in the viewer's language, naming only what the viewer may read.
fn render(tx: &Tx, p: &Principal, lang: Lang, m: &Message) -> AppResult<String> {
    let Some(mut text) = template(&m.key, lang).map(str::to_string) else {
        return Ok(m.key.clone());
    };
    for (name, param) in &m.params {
        let value = match param {
            Param::User(id) => names(tx, [*id])?.remove(id).unwrap_or_default(),
            Param::Text(t) => t.clone(),
            Param::Both { zh, en } => lang.pick(zh, en).to_string(),
            Param::Record { kind, id, fallback } => match readable_title(tx, p, kind, *id)? {
                Some(title) => title,
                // The message's words already name the kind ("your customer …").
                None => fallback.clone().unwrap_or_else(|| format!("#{id}")),
            },
        };
        text = text.replace(&format!("{{{name}}}"), &value);
    }
    Ok(text)
}

fn view(tx: &Tx, p: &Principal, r: Record<Notification>) -> AppResult<NotificationView> {
    let n = r.data;
    let record = match n.record {
        Some(rr) if rr.kind == super::crm::transfer::TransferRequest::KIND => Some(rr),
        Some(rr) => readable_title(tx, p, &rr.kind, rr.id)?.map(|_| rr),
        None => None,
    };
    Ok(NotificationView {
        id: r.id,
        kind: n.kind,
        record,
        text: render(tx, p, p.lang, &n.message)?,
        read: n.read_at.is_some(),
        read_at: n.read_at,
        created_at: r.meta.created_at,
    })
}

/// The caller's notifications, newest first (only unread ones if asked), with the total.
pub fn list(k: &Kontor, p: &Principal, q: NotificationQuery) -> AppResult<List<NotificationView>> {
    let paging = Paging::new(q.page, q.per_page);
    let index = if q.unread == Some(true) {
        "unread"
    } else {
        "user"
    };
    let key = IndexKey::new().u64(p.user_id);
    k.store.read(|tx| {
        let ids =
            tx.newest_ids_by_index::<Notification>(index, &key, paging.offset(), paging.per_page)?;
        let mut items = Vec::with_capacity(ids.len());
        for id in ids {
            items.push(view(tx, p, tx.get_live::<Notification>(id)?)?);
        }
        Ok(List {
            items,
            total: tx.count_index::<Notification>(index, &key)?,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}

/// How many unread notifications a user has.
pub fn unread_of(tx: &Tx, user_id: u64) -> AppResult<u64> {
    Ok(tx.count_index::<Notification>("unread", &IndexKey::new().u64(user_id))?)
}

pub fn unread_count(k: &Kontor, p: &Principal) -> AppResult<UnreadCount> {
    k.store.read(|tx| {
        Ok(UnreadCount {
            unread: unread_of(tx, p.user_id)?,
        })
    })
}

/// The caller's notification `id`, or 404 (another user's is not found either).
fn own(tx: &Tx, p: &Principal, id: u64) -> AppResult<Record<Notification>> {
    match tx.get::<Notification>(id)? {
        Some(r) if r.data.user_id == p.user_id && !r.meta.is_deleted() => Ok(r),
        _ => Err(AppError::not_found()),
    }
}

/// Marks one of the caller's notifications read (again: no change).
pub fn mark_read(k: &Kontor, p: &Principal, id: u64) -> AppResult<NotificationView> {
    let (actor, principal) = (p.actor(), p.clone());
    k.store.write(move |tx| {
        let r = own(tx, &principal, id)?;
        if r.data.read_at.is_none() {
            let now = tx.now();
            tx.update::<Notification, AppError>(&actor, id, None, |n| {
                n.read_at = Some(now);
                Ok(())
            })?;
            tx.signal(TOPIC, principal.user_id);
        }
        let r = tx.get_live::<Notification>(id)?;
        view(tx, &principal, r)
    })
}

/// Marks all the caller's notifications read; answers the unread count (0).
pub fn mark_all_read(k: &Kontor, p: &Principal) -> AppResult<UnreadCount> {
    let (actor, user) = (p.actor(), p.user_id);
    k.store.write(move |tx| {
        let key = IndexKey::new().u64(user);
        let ids = tx.ids_by_index::<Notification>("unread", &key, false)?;
        let now = tx.now();
        for id in &ids {
            tx.update::<Notification, AppError>(&actor, *id, None, |n| {
                n.read_at = Some(now);
                Ok(())
            })?;
        }
        if !ids.is_empty() {
            tx.signal(TOPIC, user);
        }
        Ok(UnreadCount {
            unread: unread_of(tx, user)?,
        })
    })
}

/// The in-app notifications inbox (AUT-2).
pub fn module() -> crate::domain::kit::ModuleDef {
    crate::domain::kit::ModuleDef::new("notify", MODULE_KINDS, |r| r.with::<Notification>())
}

static MODULE_KINDS: &[crate::domain::kit::KindInfo] =
    &[crate::domain::kit::KindInfo::plain::<Notification>(
        crate::auth::Module::Automation,
        "通知",
        "Notification",
    )];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_message_has_both_languages_and_the_same_parameters() {
        let params = |t: &str| {
            let mut v: Vec<String> = t
                .split('{')
                .skip(1)
                .filter_map(|s| s.split_once('}').map(|(n, _)| n.to_string()))
                .collect();
            v.sort();
            v
        };
        for (key, zh, en) in CATALOGUE {
            assert!(!zh.is_empty() && !en.is_empty(), "{key}");
            assert!(en.is_ascii(), "{key}: English text with Chinese in it");
            assert_eq!(params(zh), params(en), "{key}");
        }
    }

    #[test]
    fn the_title_never_tells_the_message() {
        let n = Notification {
            user_id: 4,
            kind: NotifyKind::CustomerAssigned,
            record: None,
            message: Message::new("customer.assigned").text("customer", "Brandt"),
            read_at: None,
        };
        assert_eq!(n.title(), "→ #4");
    }
}
