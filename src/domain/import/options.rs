//! How to import, as a dry run or a commit asks for it, checked once into the options stored on
//! the import ([`Resolved`]): the mapping (sent, saved or suggested), the mode and the key rows
//! are matched on, and who gets rows that name no owner.

use serde::Deserialize;

use crate::auth::{Principal, Scope};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::Tx;

use super::mapping;
use super::owners::resolve_default;
use super::record::{DefaultOwner, Import, Mode, Resolved};
use super::saved::saved_mapping;
use super::target::{MatchKey, Target};

/// How to import: the body of a dry run and of a commit.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// `create` (default), `upsert` or `update`.
    #[serde(default)]
    pub mode: Mode,
    /// What matches a row to an existing record: customers by `name` (default), `email`,
    /// `website` or `phone`; products by `sku` (default).
    pub key: Option<MatchKey>,
    /// Field per column, aligned with the headers (`name`, `country`, … `custom:<name>`; null:
    /// skip the column). Absent: the saved mapping `mapping_name`, else the suggestion.
    pub mapping: Option<Vec<Option<String>>>,
    pub mapping_name: Option<String>,
    /// Owner of rows without an owner column value (default: the caller).
    pub owner_id: Option<u64>,
    /// Instead of `owner_id`: `{"team_id": N}` gives rows without an owner to the team's
    /// active members in turn; `{"pool": true}` puts them in the public pool.
    pub default_owner: Option<DefaultOwnerInput>,
}

/// Who gets rows without an owner, as asked.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultOwnerInput {
    pub user_id: Option<u64>,
    pub team_id: Option<u64>,
    #[serde(default)]
    pub pool: bool,
}

/// Checks the options for an import of `target` by the caller (with their import `scope`).
pub(super) fn resolve(
    tx: &Tx,
    p: &Principal,
    scope: Scope,
    target: &Target,
    i: &Import,
    o: ImportOptions,
) -> AppResult<Resolved> {
    let mapping = match (o.mapping, o.mapping_name) {
        (Some(m), _) => m,
        (None, Some(name)) => {
            let m = saved_mapping(tx, p, target.kind, &name)?;
            mapping::apply_saved(&mapping::visible(target, p), &i.headers, &m.columns)
        }
        (None, None) => mapping::suggest(&mapping::visible(target, p), &i.headers),
    };
    let mapping = mapping::check(target, p, &mapping, i.headers.len())?;
    // The kind's first match key unless another is asked for.
    let key = o
        .key
        .or_else(|| target.match_keys.first().copied())
        .unwrap_or_default();
    if o.mode != Mode::Create && !target.match_keys.contains(&key) {
        return Err(AppError::invalid(
            "key",
            Msg::new(
                format!("{}不能按“{}”匹配。", target.noun.zh, key.label(Lang::Zh)),
                format!(
                    "{} cannot be matched by {}.",
                    capitalised(target.noun.en_plural),
                    key.label(Lang::En)
                ),
            ),
        ));
    }
    if o.mode != Mode::Create && !mapping.iter().any(|m| m.as_deref() == Some(key.field())) {
        return Err(AppError::invalid(
            "key",
            Msg::new(
                format!("按“{}”匹配，但没有映射这一列。", key.label(Lang::Zh)),
                format!(
                    "Rows are matched by {}, but no column is mapped to it.",
                    key.label(Lang::En)
                ),
            ),
        ));
    }
    let default_owner = if target.owned {
        resolve_default(
            tx,
            p,
            scope,
            o.default_owner.unwrap_or_default(),
            o.owner_id,
        )?
    } else if o.owner_id.is_some() || o.default_owner.is_some() {
        return Err(AppError::invalid(
            "default_owner",
            Msg::new(
                format!("{}没有负责人。", target.noun.zh),
                format!("{} have no owner.", capitalised(target.noun.en_plural)),
            ),
        ));
    } else {
        // Unused: the kind's records have no owner.
        DefaultOwner::Pool
    };
    Ok(Resolved {
        mode: o.mode,
        key,
        mapping,
        default_owner,
    })
}

/// `the company name` → `The company name`.
pub(super) fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
