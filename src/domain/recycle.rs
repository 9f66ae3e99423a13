//! The recycle bin (CRM-9): deleted records of every kind, restore, and purge for admins.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::auth::{Action, Principal, Scope};
use crate::error::{AppError, AppResult};

use super::accounts::Named;
use super::kit::{List, names};
use super::{Kontor, Paging, kinds};

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct TrashView {
    pub kind: String,
    pub kind_name: String,
    pub id: u64,
    pub title: String,
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<Named>,
}

/// Whether the caller may see (and restore) a deleted record: the delete permission of its
/// module, within scope of its owner. Unowned records need scope `all`.
fn may_handle(p: &Principal, kind: &str, owner: Option<u64>) -> bool {
    let Some(info) = kinds::info(kind) else {
        return false;
    };
    match p.scope(info.module, Action::Delete) {
        Scope::None => false,
        Scope::All => true,
        scope => owner.is_some() && p.reaches(scope, owner),
    }
}

pub fn list(
    k: &Kontor,
    p: &Principal,
    kind: Option<&str>,
    paging: Paging,
) -> AppResult<List<TrashView>> {
    let visible = |item_kind: &str, owner: Option<u64>| {
        kind.is_none_or(|want| want == item_kind) && may_handle(p, item_kind, owner)
    };
    k.store.read(|tx| {
        let page = tx.trash(&visible, paging.offset(), paging.per_page)?;
        let who = names(tx, page.items.iter().filter_map(|i| i.deleted_by))?;
        let items = page
            .items
            .into_iter()
            .map(|i| TrashView {
                kind_name: kinds::name(&i.kind, p.lang),
                deleted_by: i.deleted_by.map(|id| Named {
                    id,
                    name: who.get(&id).cloned().unwrap_or_default(),
                }),
                kind: i.kind,
                id: i.id,
                title: i.title,
                deleted_at: i.deleted_at,
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

fn owner_of(tx: &crate::store::Tx, kind: &str, id: u64) -> AppResult<(Option<u64>, bool)> {
    let ops = tx.registry().require(kind)?;
    let bytes = tx.raw_record(kind, id)?.ok_or_else(AppError::not_found)?;
    let (_, meta, _) = crate::store::open_envelope(&bytes)?;
    Ok((ops.owner(id, &bytes)?, meta.is_deleted()))
}

pub fn restore(k: &Kontor, p: &Principal, kind: String, id: u64) -> AppResult<()> {
    let (owner, deleted) = k.store.read(|tx| owner_of(tx, &kind, id))?;
    if !deleted {
        return Err(AppError::not_found());
    }
    if !may_handle(p, &kind, owner) {
        return Err(AppError::forbidden());
    }
    let actor = p.actor();
    k.store.write(move |tx| {
        let registry = tx.registry_arc();
        registry.require(&kind)?.restore(tx, &actor, id)?;
        Ok(())
    })
}

pub fn purge(k: &Kontor, p: &Principal, kind: String, id: u64) -> AppResult<()> {
    if !p.is_admin {
        return Err(AppError::forbidden());
    }
    let (_, deleted) = k.store.read(|tx| owner_of(tx, &kind, id))?;
    if !deleted {
        return Err(AppError::not_found());
    }
    let actor = p.actor();
    let attachment = kind == <super::files::Attachment as crate::store::Entity>::KIND;
    let blobs = k.store.write(move |tx| {
        let mut blobs = if attachment {
            super::files::blobs_of(tx, id)?
        } else {
            Vec::new()
        };
        let registry = tx.registry_arc();
        registry.require(&kind)?.purge(tx, &actor, id)?;
        blobs.extend(super::files::purge_on(tx, &actor, &kind, id)?);
        Ok::<_, AppError>(blobs)
    })?;
    super::files::release(k, &blobs)
}
