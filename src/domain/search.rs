//! The one search box: every searchable kind the caller may read, within their data scope; and
//! the text filter of lists ([`matching_ids`]), answered by the same index.

use std::collections::{BTreeSet, HashSet};

use serde::Serialize;

use crate::auth::{Action, Principal};
use crate::error::{AppError, AppResult};
use crate::search::{KindFilter, TextQuery, Visibility};
use crate::store::{Entity, Tx};

use super::crm::model::{Activity, Contact, Customer, Lead};
use super::kit::Owner;
use super::{Kontor, kinds};

/// What a hit belongs to: a contact's company, a timeline entry's customer or lead.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct HitParent {
    pub kind: String,
    pub id: u64,
    /// Its name (a contact's company name).
    pub title: String,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHitView {
    pub kind: String,
    pub kind_name: String,
    pub id: u64,
    pub title: String,
    pub subtitle: String,
    /// For contacts their company, for timeline entries their customer or lead.
    pub parent: Option<HitParent>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResults {
    pub items: Vec<SearchHitView>,
}

/// Refuses search texts longer than 200 characters (naming `q`).
pub fn check_query(q: &str) -> AppResult<()> {
    if q.chars().count() > 200 {
        return Err(AppError::invalid(
            "q",
            crate::error::Msg::new(
                "搜索内容不能超过 200 个字符。",
                "A search may have at most 200 characters.",
            ),
        ));
    }
    Ok(())
}

pub fn search(k: &Kontor, p: &Principal, q: &str, limit: usize) -> AppResult<SearchResults> {
    check_query(q)?;
    let filters: Vec<KindFilter> = super::modules::kinds()
        .filter_map(|info| {
            let scope = p.scope(info.module, Action::Read);
            // The company's records without an owner (products) are read by the module's
            // right alone.
            let owners = match info.owner {
                Owner::Nobody if scope != crate::auth::Scope::None => None,
                _ => p.owners_in(scope),
            };
            let visibility = match owners {
                None => Visibility::All,
                Some(owners) if owners.is_empty() => return None,
                Some(owners) => Visibility::Owners(owners),
            };
            Some(KindFilter {
                kind: info.kind.to_string(),
                visibility,
            })
        })
        .collect();
    let hits = k
        .search
        .search(q, &filters, limit.clamp(1, 50))
        .map_err(AppError::internal)?;
    k.store
        .read(|tx| {
            let mut items = Vec::with_capacity(hits.len());
            for h in hits {
                let mut view = SearchHitView {
                    kind_name: kinds::name(&h.kind, p.lang),
                    kind: h.kind,
                    id: h.id,
                    title: h.title,
                    subtitle: h.subtitle,
                    parent: None,
                };
                // A hit the index still has for a record deleted a moment ago is left out.
                if with_parent(tx, p, &mut view)? {
                    items.push(view);
                }
            }
            Ok(items)
        })
        .map(|items| SearchResults { items })
}

/// Names what a contact or timeline hit belongs to (read now, so a renamed company shows its
/// new name) and tells a system timeline entry in the viewer's language. `false`: the record
/// is gone.
fn with_parent(tx: &Tx, p: &Principal, hit: &mut SearchHitView) -> AppResult<bool> {
    let customer = |id: u64| -> AppResult<Option<HitParent>> {
        Ok(tx.get::<Customer>(id)?.map(|c| HitParent {
            kind: Customer::KIND.into(),
            id,
            title: c.data.name,
        }))
    };
    match hit.kind.as_str() {
        Contact::KIND => {
            let Some(contact) = tx.get::<Contact>(hit.id)?.filter(|c| !c.meta.is_deleted()) else {
                return Ok(false);
            };
            hit.parent = customer(contact.data.customer_id)?;
        }
        Activity::KIND => {
            let Some(entry) = tx.get::<Activity>(hit.id)?.filter(|a| !a.meta.is_deleted()) else {
                return Ok(false);
            };
            let a = entry.data;
            if let Some(event) = &a.event {
                hit.title = event.text(p.lang);
            }
            let tz: chrono_tz::Tz = p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
            hit.subtitle = a
                .occurred_at
                .with_timezone(&tz)
                .format("%Y-%m-%d")
                .to_string();
            hit.parent = match (a.customer_id, a.lead_id) {
                (Some(c), _) => customer(c)?,
                (None, Some(l)) => tx.get::<Lead>(l)?.map(|lead| HitParent {
                    kind: Lead::KIND.into(),
                    id: l,
                    title: lead.data.company,
                }),
                (None, None) => None,
            };
        }
        _ => {}
    }
    Ok(true)
}

/// Outbox entries after the index's position read by [`matching_ids`]; beyond this many (a
/// long bulk write the indexer has not caught up with), later changes count as the index has
/// them.
const FRESH_LIMIT: usize = 20_000;

/// The records of kind `E` that the search text `q` matches among those `visibility` lets
/// through: by the index's rules (words, pinyin, a prefix for the last word, exact keys; words
/// one typo away only when nothing matches as typed), for lists that filter, sort, page and
/// count on their own.
///
/// Exact as of one read of the store, without waiting for the indexer: the index answers for
/// the changes it has applied (it commits about once a second), and the records changed since
/// (the outbox after its position) are matched on the records themselves by the same rules,
/// so a customer created or renamed a moment ago is found, or no longer found, at once. Only
/// when more than [`FRESH_LIMIT`] changes wait for the index (a large import under way) do the
/// later ones count as the index has them.
pub fn matching_ids<E: Entity>(
    k: &Kontor,
    q: &str,
    visibility: Visibility,
) -> AppResult<BTreeSet<u64>> {
    check_query(q)?;
    let query = TextQuery::new(q);
    let filter = KindFilter {
        kind: E::KIND.to_string(),
        visibility,
    };
    let mut found = BTreeSet::new();
    for typos in [false, true] {
        if typos && !query.may_have_typos() {
            break;
        }
        let indexed = k
            .search
            .matching(&query, &filter, typos)
            .map_err(AppError::internal)?;
        found = k.store.read(|tx| {
            let mut ids: BTreeSet<u64> = indexed.ids.into_iter().collect();
            let mut seen = HashSet::new();
            for (_, kind, id) in tx.outbox_since(indexed.applied, FRESH_LIMIT)? {
                if kind != E::KIND || !seen.insert(id) {
                    continue;
                }
                let now = tx
                    .get::<E>(id)?
                    .filter(|r| !r.meta.is_deleted())
                    .and_then(|r| r.data.search_doc(&r.meta));
                let hit = now.is_some_and(|doc| {
                    filter.visibility.allows(doc.owner.unwrap_or(0)) && query.matches(&doc, typos)
                });
                if hit {
                    ids.insert(id);
                } else {
                    ids.remove(&id);
                }
            }
            Ok::<_, AppError>(ids)
        })?;
        if !found.is_empty() {
            break;
        }
    }
    Ok(found)
}
