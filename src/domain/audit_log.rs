//! Reading the audit trail (PLT-6): who changed what and when, logins and refused accesses.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{Action, Module, Principal, Scope};
use crate::error::AppResult;
use crate::i18n::Lang;
use crate::store::Tx;

use super::accounts::Named;
use super::kit::{List, names};
use super::{Kontor, Paging, kinds};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ChangeView {
    pub field: String,
    /// The old value as JSON (null: absent).
    #[schema(value_type = Value)]
    pub old: serde_json::Value,
    #[schema(value_type = Value)]
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
/// (team: their team's actions). Changed fields of a hidden class never appear; nor do the
/// title and the changes of a record of a module the caller's roles do not read at all (a
/// bookkeeper's full trail shows that a project task changed, not what it is called).
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
                let unread = super::modules::kinds()
                    .find(|k| k.kind == e.kind)
                    .is_some_and(|k| p.scope(k.module, Action::Read) == Scope::None);
                let sensitive = registry
                    .get(&e.kind)
                    .map(|o| o.sensitive_fields())
                    .unwrap_or(&[]);
                let hidden = |field: &str| {
                    sensitive.iter().any(|(f, class)| {
                        (field == *f || field.starts_with(&format!("{f}."))) && p.perms.hides(class)
                    })
                };
                // Hidden fields inside a list (`lines[].unit_cost`): the list's change stays,
                // without them.
                let inner: Vec<(&str, &str)> = sensitive
                    .iter()
                    .filter(|(_, class)| p.perms.hides(class))
                    .filter_map(|(f, _)| f.split_once("[]."))
                    .collect();
                let parse = |field: &str, v: Option<String>| {
                    let mut v = v
                        .and_then(|s| serde_json::from_str(&s).ok())
                        .unwrap_or(serde_json::Value::Null);
                    for (list, rest) in &inner {
                        if field == *list {
                            crate::domain::kit::guard::remove_path(&mut v, rest);
                        }
                    }
                    if e.user.is_none() {
                        viewers_half(&mut v, p.lang);
                    }
                    v
                };
                let other_half = |field: &str| e.user.is_none() && is_other_half(field, p.lang);
                AuditView {
                    id,
                    at: e.at,
                    user: e.user.map(|u| Named {
                        id: u,
                        name: who.get(&u).cloned().unwrap_or_default(),
                    }),
                    kind_name: kind_name(&e.kind, p.lang),
                    title: if unread {
                        e.record_id.map(|r| format!("#{r}")).unwrap_or_default()
                    } else {
                        display_title(tx, &e, p.lang)
                    },
                    changes: e
                        .changes
                        .into_iter()
                        .filter(|c| !unread && !hidden(&c.field) && !other_half(&c.field))
                        .map(|c| ChangeView {
                            old: parse(&c.field, c.old),
                            new: parse(&c.field, c.new),
                            field: c.field,
                        })
                        .collect(),
                    action: e.action,
                    kind: e.kind,
                    record_id: e.record_id,
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

/// Kinds of audit entries that are settings, not records.
fn kind_name(kind: &str, lang: Lang) -> String {
    match kind {
        "dedup_rules" => lang.pick("查重规则", "Duplicate rules").into(),
        _ => kinds::name(kind, lang),
    }
}

/// An entry's title as the viewer reads it: Kontor's own words (preset names, system timeline
/// entries, cadence and pool-warning tasks) in the viewer's language, names instead of ids
/// (claims, handovers, merges), and titles stored as "中文 / English" by older versions halved.
/// Falls back to the stored title.
fn display_title(tx: &Tx, e: &crate::store::AuditEntry, lang: Lang) -> String {
    use crate::domain::crm::model::{
        Activity, CadenceRule, Customer, Handover, Pool, PoolEvent, Task,
    };
    use crate::domain::projects::templates::ProjectTemplate;
    use crate::domain::sales::terms::PaymentTerms;
    let now = e.record_id.and_then(|id| -> Option<String> {
        match e.kind.as_str() {
            "pool" => Some(tx.get::<Pool>(id).ok()??.data.name.render(lang)),
            "cadence_rule" => Some(tx.get::<CadenceRule>(id).ok()??.data.name.render(lang)),
            "payment_terms" => {
                let t = tx.get::<PaymentTerms>(id).ok()??.data;
                Some(lang.pick(&t.name_zh, &t.name_en).to_string())
            }
            "project_template" => {
                let t = tx.get::<ProjectTemplate>(id).ok()??.data;
                Some(lang.pick(&t.name_zh, &t.name_en).to_string())
            }
            "task" => {
                let t = tx.get::<Task>(id).ok()??.data;
                let customer = match t.customer_id {
                    Some(c) => tx.get::<Customer>(c).ok()?.map(|c| c.data.name),
                    None => None,
                };
                Some(t.title.render(lang, customer.as_deref(), t.due_on))
            }
            "activity" => {
                let a = tx.get::<Activity>(id).ok()??.data;
                Some(match a.event {
                    Some(ev) => ev.text(lang),
                    None => a.subject,
                })
            }
            "pool_event" => {
                let ev = tx.get::<PoolEvent>(id).ok()??.data;
                Some(tx.get::<Customer>(ev.customer_id).ok()??.data.name)
            }
            "handover" => {
                let h = tx.get::<Handover>(id).ok()??.data;
                let who = names(tx, [h.from_user, h.to_user]).ok()?;
                Some(format!(
                    "{} → {}",
                    who.get(&h.from_user)?,
                    who.get(&h.to_user)?
                ))
            }
            _ => None,
        }
    });
    if let Some(t) = now {
        return t;
    }
    // Merges (and their undo) stored "Survivor ← [12, 13]".
    if let Some((name, ids)) = e.title.split_once(" ← [") {
        let n = ids.split(',').filter(|s| !s.trim().is_empty()).count();
        return match lang {
            Lang::Zh => format!("{name}（并入 {n} 条）"),
            Lang::En if n == 1 => format!("{name} (1 record merged in)"),
            Lang::En => format!("{name} ({n} records merged in)"),
        };
    }
    legacy_bilingual(&e.title, lang).unwrap_or_else(|| e.title.clone())
}

/// Whether `field` is the half of a pair kept in both languages (`name_zh` / `name_en`) that the
/// viewer does not read.
fn is_other_half(field: &str, lang: Lang) -> bool {
    field.ends_with(lang.pick("_en", "_zh"))
}

/// Kontor's own words (what it seeded: entries without a user) are kept in both languages so
/// documents can use either; the audit shows them to the viewer in the viewer's language only.
fn viewers_half(v: &mut serde_json::Value, lang: Lang) {
    match v {
        serde_json::Value::Object(map) => {
            map.retain(|k, _| !is_other_half(k, lang));
            map.values_mut().for_each(|v| viewers_half(v, lang));
        }
        serde_json::Value::Array(items) => items.iter_mut().for_each(|v| viewers_half(v, lang)),
        _ => {}
    }
}

/// One half of a title older versions stored in both languages ("公海 / Public pool").
fn legacy_bilingual(title: &str, lang: Lang) -> Option<String> {
    let (zh, en) = title.split_once(" / ")?;
    let han = |s: &str| s.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c));
    if !han(zh) || han(en) || !en.starts_with(|c: char| c.is_ascii_alphabetic()) {
        return None;
    }
    Some(match lang {
        Lang::Zh => zh.to_string(),
        Lang::En => {
            let mut en = en.to_string();
            if let Some(first) = en.get(..1) {
                en.replace_range(..1, &first.to_ascii_uppercase());
            }
            en
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kontors_own_words_show_the_viewers_half() {
        let seeded = serde_json::json!({"name_zh": "全款", "name_en": "In advance",
            "parts": [{"label_zh": "定金", "label_en": "Deposit", "percent": "30"}]});
        let mut en = seeded.clone();
        viewers_half(&mut en, Lang::En);
        assert_eq!(
            en,
            serde_json::json!({"name_en": "In advance", "parts": [{"label_en": "Deposit", "percent": "30"}]})
        );
        let mut zh = seeded;
        viewers_half(&mut zh, Lang::Zh);
        assert_eq!(
            zh["parts"][0],
            serde_json::json!({"label_zh": "定金", "percent": "30"})
        );
        assert!(is_other_half("name_zh", Lang::En) && !is_other_half("name_zh", Lang::Zh));
    }

    #[test]
    fn bilingual_titles_of_older_versions_are_halved() {
        assert_eq!(
            legacy_bilingual("公海 / Public pool", Lang::En).as_deref(),
            Some("Public pool")
        );
        assert_eq!(
            legacy_bilingual("查重规则 / duplicate rules", Lang::En).as_deref(),
            Some("Duplicate rules")
        );
        assert_eq!(
            legacy_bilingual("查重规则 / duplicate rules", Lang::Zh).as_deref(),
            Some("查重规则")
        );
        assert_eq!(legacy_bilingual("ACME / Shanghai", Lang::En), None);
        assert_eq!(legacy_bilingual("上海 / 北京", Lang::En), None);
    }
}
