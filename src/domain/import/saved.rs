//! Column mappings a user saves by name (header → column of a kind), to apply to the next file
//! from the same source. Kept per user, without audit, in the store's key-value table.

use std::collections::{BTreeMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::domain::{Kontor, validate};
use crate::error::{AppError, AppResult, Msg};
use crate::store::Tx;

use super::access::{may_import, may_import_any};
use super::mapping;
use super::reader;
use super::target::{TARGETS, target};

const KV_MAPPINGS: &str = "import_mappings";

/// A mapping saved by a user: header → field (null: skip the column).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedMapping {
    pub name: String,
    pub kind: String,
    pub columns: BTreeMap<String, Option<String>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingInput {
    pub name: String,
    /// `customers` (default).
    pub kind: Option<String>,
    /// Header → field (`name`, `country`, … `custom:<name>`, or null to skip the column).
    pub columns: BTreeMap<String, Option<String>>,
}

pub(super) fn unknown_mapping(name: &str) -> AppError {
    AppError::invalid(
        "mapping_name",
        Msg::new(
            format!("没有名为“{name}”的映射。"),
            format!("No saved mapping is called “{name}”."),
        ),
    )
}

/// The caller's saved mappings of every kind, newest first.
pub(super) fn saved_mappings(tx: &Tx, p: &Principal) -> AppResult<Vec<SavedMapping>> {
    let mut out: Vec<SavedMapping> = tx
        .kv_prefix(KV_MAPPINGS, &p.user_id.to_be_bytes())?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.updated_at));
    Ok(out)
}

/// The caller's saved mapping `name` for `kind`.
pub(super) fn saved_mapping(
    tx: &Tx,
    p: &Principal,
    kind: &str,
    name: &str,
) -> AppResult<SavedMapping> {
    saved_mappings(tx, p)?
        .into_iter()
        .find(|m| m.kind == kind && m.name == name)
        .ok_or_else(|| unknown_mapping(name))
}

pub fn mappings(k: &Kontor, p: &Principal) -> AppResult<Vec<SavedMapping>> {
    may_import_any(p)?;
    k.store.read(|tx| saved_mappings(tx, p))
}

/// Saves (or replaces) one of the caller's mappings by name.
pub fn save_mapping(k: &Kontor, p: &Principal, input: MappingInput) -> AppResult<SavedMapping> {
    may_import_any(p)?;
    let name = validate::text("name", &input.name, 60)?;
    let kind = input.kind.unwrap_or_else(|| "customers".into());
    let Some(target) = target(&kind) else {
        let zh: Vec<&str> = TARGETS.iter().map(|t| t.noun.zh).collect();
        let en: Vec<&str> = TARGETS.iter().map(|t| t.noun.en_plural).collect();
        return Err(AppError::invalid(
            "kind",
            Msg::new(
                format!("目前只能导入{}。", zh.join("、")),
                format!("Only {} can be imported so far.", en.join(", ")),
            ),
        ));
    };
    may_import(p, target)?;
    if input.columns.len() > reader::MAX_COLUMNS {
        return Err(AppError::invalid(
            "columns",
            Msg::new(
                format!("最多 {} 列。", reader::MAX_COLUMNS),
                format!("At most {} columns.", reader::MAX_COLUMNS),
            ),
        ));
    }
    let mut seen = HashSet::new();
    for (h, f) in &input.columns {
        validate::text("columns", h, 200)?;
        if let Some(f) = f {
            mapping::check_one(target, p, &mut seen, format!("columns.{h}"), f)?;
        }
    }
    let saved = SavedMapping {
        name,
        kind,
        columns: input.columns,
        updated_at: Utc::now(),
    };
    let mut key = p.user_id.to_be_bytes().to_vec();
    key.extend_from_slice(saved.name.as_bytes());
    let v = serde_json::to_vec(&saved).map_err(AppError::internal)?;
    let out = saved.clone();
    k.store.write(move |tx| {
        tx.kv_put(KV_MAPPINGS, &key, &v)?;
        Ok::<_, AppError>(())
    })?;
    Ok(out)
}

/// Deletes one of the caller's mappings.
pub fn delete_mapping(k: &Kontor, p: &Principal, name: String) -> AppResult<()> {
    may_import_any(p)?;
    let mut key = p.user_id.to_be_bytes().to_vec();
    key.extend_from_slice(name.as_bytes());
    k.store
        .write(move |tx| match tx.kv_remove(KV_MAPPINGS, &key)? {
            Some(_) => Ok(()),
            None => Err(AppError::not_found()),
        })
}
