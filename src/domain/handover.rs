//! Handover (离职交接, CRM-6): one action moves everything a rep owns to another rep, with a
//! preview, an audit entry and undo. Each module joins through its `ModuleDef::handover`; the
//! handover itself never changes.

use chrono::Utc;
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, User};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{AuditEvent, Entity, Tx};

use super::Kontor;
use super::crm::model::{Handover, Moved};
use super::kit::Participant;

/// Every module's part in handovers (`kit::ModuleDef::handover`).
pub fn participants() -> Vec<Participant> {
    super::modules::handover_participants()
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HandoverInput {
    pub from_user: u64,
    pub to_user: u64,
    /// Only count what would move.
    #[serde(default)]
    pub dry_run: bool,
    /// Move only these kinds (default: all).
    pub kinds: Option<Vec<String>>,
    /// Move only these records, as `{"customer": [1, 2]}` (default: all of the kinds).
    #[schema(value_type = Option<Object>)]
    pub only: Option<std::collections::BTreeMap<String, Vec<u64>>>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HandoverCount {
    pub kind: String,
    pub name: String,
    pub count: u64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HandoverResult {
    /// The handover's id (null for a dry run); undo with `POST /api/v1/handover/{id}/undo`.
    pub id: Option<u64>,
    pub dry_run: bool,
    pub counts: Vec<HandoverCount>,
}

fn require(p: &Principal) -> AppResult<()> {
    p.require_all(Module::Crm, Action::Assign)
}

fn active_user(tx: &Tx, id: u64, field: &str) -> AppResult<crate::store::Record<User>> {
    match tx.get_live::<User>(id) {
        Ok(u) if u.data.active => Ok(u),
        Ok(_) => Err(AppError::invalid(
            field,
            Msg::new(
                format!("用户 {id} 已停用，不能接收交接。"),
                format!("User {id} is disabled and cannot take over."),
            ),
        )),
        Err(_) => Err(AppError::invalid(
            field,
            Msg::new(
                format!("用户 {id} 不存在。"),
                format!("User {id} does not exist."),
            ),
        )),
    }
}

fn selected(input: &HandoverInput, kind: &str, ids: Vec<u64>) -> Vec<u64> {
    if input
        .kinds
        .as_ref()
        .is_some_and(|k| !k.iter().any(|x| x == kind))
    {
        return Vec::new();
    }
    match input.only.as_ref().and_then(|o| o.get(kind)) {
        Some(only) => ids.into_iter().filter(|id| only.contains(id)).collect(),
        None if input.only.is_some() => Vec::new(),
        None => ids,
    }
}

fn counts(moved: &[(String, u64)], lang: Lang) -> Vec<HandoverCount> {
    participants()
        .iter()
        .map(|p| HandoverCount {
            kind: p.kind.into(),
            name: lang.pick(p.zh, p.en).into(),
            count: moved.iter().filter(|(k, _)| k == p.kind).count() as u64,
        })
        .collect()
}

type Plan = (
    crate::store::Record<User>,
    crate::store::Record<User>,
    Vec<(String, u64)>,
);

/// What a handover would move, after checking both users.
fn plan(tx: &Tx, input: &HandoverInput) -> AppResult<Plan> {
    let from = tx.get_live::<User>(input.from_user).map_err(|_| {
        AppError::invalid(
            "from_user",
            Msg::new(
                format!("用户 {} 不存在。", input.from_user),
                format!("User {} does not exist.", input.from_user),
            ),
        )
    })?;
    let to = active_user(tx, input.to_user, "to_user")?;
    let mut planned = Vec::new();
    for part in participants() {
        for id in selected(input, part.kind, (part.owned)(tx, input.from_user)?) {
            planned.push((part.kind.to_string(), id));
        }
    }
    Ok((from, to, planned))
}

/// Previews (dry run) or performs a handover in one transaction.
pub fn run(k: &Kontor, p: &Principal, input: HandoverInput) -> AppResult<HandoverResult> {
    require(p)?;
    if input.from_user == input.to_user {
        return Err(AppError::invalid(
            "to_user",
            Msg::new("交接双方不能是同一人。", "Hand over to someone else."),
        ));
    }
    let (actor, lang) = (p.actor(), p.lang);
    if input.dry_run {
        let (_, _, planned) = k.store.read(|tx| plan(tx, &input))?;
        return Ok(HandoverResult {
            id: None,
            dry_run: true,
            counts: counts(&planned, lang),
        });
    }
    k.store.write(move |tx| {
        let (from, to, planned) = plan(tx, &input)?;
        let parts = participants();
        let mut moved = Vec::new();
        for (kind, id) in &planned {
            let part = parts
                .iter()
                .find(|p| p.kind == kind)
                .expect("planned from the same list");
            (part.set_owner)(tx, &actor, *id, Some(input.to_user))?;
            moved.push(Moved {
                kind: kind.clone(),
                id: *id,
                from: Some(input.from_user),
            });
        }
        let record = tx.insert(
            &actor,
            Handover {
                from_user: input.from_user,
                to_user: input.to_user,
                moved,
                undone_at: None,
            },
        )?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "handover".into(),
                kind: Handover::KIND.into(),
                record_id: Some(record.id),
                title: format!(
                    "{} → {} ({} records)",
                    from.data.display_name,
                    to.data.display_name,
                    planned.len()
                ),
                ..Default::default()
            },
        )?;
        if !planned.is_empty() && actor.user != Some(input.to_user) {
            use crate::domain::notify::{Message, NotifyKind, notify};
            notify(
                tx,
                input.to_user,
                NotifyKind::HandoverReceived,
                None,
                Message::new("handover.received")
                    .user("actor", actor.user.unwrap_or_default())
                    .user("from", input.from_user)
                    .text("count", planned.len().to_string()),
            )?;
        }
        Ok(HandoverResult {
            id: Some(record.id),
            dry_run: false,
            counts: counts(&planned, lang),
        })
    })
}

/// Moves back what a handover moved (records moved again since then stay where they are).
pub fn undo(k: &Kontor, p: &Principal, id: u64) -> AppResult<HandoverResult> {
    require(p)?;
    let (actor, lang) = (p.actor(), p.lang);
    k.store.write(move |tx| {
        let record = tx.get_live::<Handover>(id)?;
        if record.data.undone_at.is_some() {
            return Err(AppError::new(ErrorCode::Conflict).with_msg(Msg::new(
                "这次交接已撤销。",
                "This handover was already undone.",
            )));
        }
        let parts = participants();
        let mut back = Vec::new();
        for m in record.data.moved.iter().rev() {
            let Some(part) = parts.iter().find(|p| p.kind == m.kind) else {
                continue;
            };
            if (part.owner_of)(tx, m.id)? == Some(record.data.to_user) {
                (part.set_owner)(tx, &actor, m.id, m.from)?;
                back.push((m.kind.clone(), m.id));
            }
        }
        tx.update::<Handover, AppError>(&actor, id, None, |h| {
            h.undone_at = Some(Utc::now());
            Ok(())
        })?;
        tx.audit_event(
            &actor,
            AuditEvent {
                action: "handover_undo".into(),
                kind: Handover::KIND.into(),
                record_id: Some(id),
                title: record.data.title(),
                ..Default::default()
            },
        )?;
        Ok(HandoverResult {
            id: Some(id),
            dry_run: false,
            counts: counts(&back, lang),
        })
    })
}
