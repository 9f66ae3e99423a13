//! Reading the audit trail (PLT-6): who changed what and when, logins and refused accesses.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::AppResult;

use super::accounts::Named;
use super::users::{List, names};
use super::{Kontor, Paging, kinds};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub field: String,
    /// The old value as JSON (null: absent).
    #[schema(value_type = Object)]
    pub old: serde_json::Value,
    #[schema(value_type = Object)]
    pub new: serde_json::Value,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct AuditView {
    pub id: u64,
    pub at: DateTime<Utc>,
    pub user: Option<Named>,
    pub action: String,
    pub kind: String,
    pub kind_name: String,
    pub record_id: Option<u64>,
    pub title: String,
    pub changes: Vec<ChangeView>,
    pub ip: Option<String>,
}

#[derive(Clone, Debug, Default)]
pub struct AuditQuery {
    pub kind: Option<String>,
    pub record_id: Option<u64>,
    pub user_id: Option<u64>,
    pub action: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
}

/// Audit entries the caller may read: all with scope `all`, their own actions with `own`/`team`
/// (team: their team's actions). Changed fields of a hidden class never appear.
pub fn list(
    k: &Kontor,
    p: &Principal,
    q: AuditQuery,
    paging: Paging,
) -> AppResult<List<AuditView>> {
    let scope = p.require(Module::Audit, Action::Read)?;
    let registry = k.store.registry();
    let record = match (&q.kind, q.record_id) {
        (Some(kind), Some(id)) => Some((kind.as_str(), id)),
        _ => None,
    };
    let filter = |e: &crate::store::AuditEntry| {
        let in_scope = match scope {
            Scope::All => true,
            s => p.reaches(s, e.user),
        };
        in_scope
            && q.kind.as_deref().is_none_or(|k| k == e.kind)
            && q.user_id.is_none_or(|u| e.user == Some(u))
            && q.action.as_deref().is_none_or(|a| a == e.action)
            && q.from.is_none_or(|f| e.at >= f)
            && q.to.is_none_or(|t| e.at <= t)
    };
    k.store.read(|tx| {
        let page = tx.audit(record, &filter, paging.offset(), paging.per_page)?;
        let who = names(tx, page.items.iter().filter_map(|(_, e)| e.user))?;
        let items = page
            .items
            .into_iter()
            .map(|(id, e)| {
                let sensitive = registry
                    .get(&e.kind)
                    .map(|o| o.sensitive_fields())
                    .unwrap_or(&[]);
                let hidden = |field: &str| {
                    sensitive.iter().any(|(f, class)| {
                        (field == *f || field.starts_with(&format!("{f}."))) && p.perms.hides(class)
                    })
                };
                let parse = |v: Option<String>| {
                    v.and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or(serde_json::Value::Null)
                };
                AuditView {
                    id,
                    at: e.at,
                    user: e.user.map(|u| Named {
                        id: u,
                        name: who.get(&u).cloned().unwrap_or_default(),
                    }),
                    kind_name: kinds::name(&e.kind, p.lang),
                    changes: e
                        .changes
                        .into_iter()
                        .filter(|c| !hidden(&c.field))
                        .map(|c| ChangeView {
                            field: c.field,
                            old: parse(c.old),
                            new: parse(c.new),
                        })
                        .collect(),
                    action: e.action,
                    kind: e.kind,
                    record_id: e.record_id,
                    title: e.title,
                    ip: e.ip,
                }
            })
            .collect();
        Ok(List {
            items,
            total: page.total,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}
