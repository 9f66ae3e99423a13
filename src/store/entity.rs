//! How a record type is declared to the store: a struct plus one `Entity` impl naming its kind,
//! schema version, indexes, title and search document. The generic store does the rest (ids,
//! versions, audit, recycle bin, outbox, migrations).

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, de::DeserializeOwned};

use super::{IndexKey, StoreError};
use crate::search::SearchDoc;

/// A declared record type.
pub trait Entity: Serialize + DeserializeOwned + Clone + Send + Sync + 'static {
    /// Stable name of the collection (table names, audit, outbox, recycle bin, API paths).
    const KIND: &'static str;
    /// Bumped whenever the struct's layout changes; `upgrade` converts older payloads.
    const SCHEMA_VERSION: u16 = 1;
    /// Fields whose values never reach the audit log (only "changed" is recorded), e.g. hashes.
    const SECRET_FIELDS: &'static [&'static str] = &[];
    /// Fields that belong to a hidden-field class (`cost`, `profit`, `supplier_price`), stripped
    /// from every answer, audit entry and search hit for roles that must not see that class.
    const SENSITIVE_FIELDS: &'static [(&'static str, &'static str)] = &[];

    /// Whether its records are in the search index (`search_doc` gives a document).
    const SEARCHABLE: bool = false;

    /// Secondary indexes, declared once.
    fn indexes() -> Vec<IndexDef<Self>> {
        Vec::new()
    }
    /// A short human title, shown in the recycle bin and the audit log.
    fn title(&self) -> String;
    /// The user who owns the record, for own/team data scope (None: unowned or not scoped).
    fn owner(&self) -> Option<u64> {
        None
    }
    /// The full-text document for this record, if the kind is searchable.
    fn search_doc(&self, _meta: &Meta) -> Option<SearchDoc> {
        None
    }
    /// Converts a payload written under an older schema version into the current struct.
    fn upgrade(from_version: u16, _payload: &[u8]) -> Result<Self, StoreError> {
        Err(StoreError::Corrupt(format!(
            "{} records of schema version {from_version} cannot be read by this version of Kontor",
            Self::KIND
        )))
    }
}

/// One secondary index of an entity.
pub struct IndexDef<T> {
    pub name: &'static str,
    /// A unique index refuses a second live record with the same key; the error names `field`.
    pub unique: bool,
    /// The field named in a uniqueness error.
    pub field: &'static str,
    /// Whether deleted records (in the recycle bin) stay in this index.
    pub keep_deleted: bool,
    /// Whether the store keeps counts per key (totals and pages without a walk; see
    /// `store::counts`). Only for non-unique indexes.
    pub counted: bool,
    /// The keys of one record (none, one or several).
    pub keys: fn(&T) -> Vec<IndexKey>,
}

impl<T> IndexDef<T> {
    pub fn unique(name: &'static str, field: &'static str, keys: fn(&T) -> Vec<IndexKey>) -> Self {
        IndexDef {
            name,
            unique: true,
            field,
            keep_deleted: false,
            counted: false,
            keys,
        }
    }
    pub fn many(name: &'static str, keys: fn(&T) -> Vec<IndexKey>) -> Self {
        IndexDef {
            name,
            unique: false,
            field: name,
            keep_deleted: false,
            counted: false,
            keys,
        }
    }
    pub fn keep_deleted(mut self) -> Self {
        self.keep_deleted = true;
        self
    }
    pub fn counted(mut self) -> Self {
        debug_assert!(!self.unique, "a unique index needs no counts");
        self.counted = true;
        self
    }
}

/// The bookkeeping every record carries.
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct Meta {
    pub version: u64,
    pub created_at: DateTime<Utc>,
    pub created_by: Option<u64>,
    pub updated_at: DateTime<Utc>,
    pub updated_by: Option<u64>,
    pub deleted_at: Option<DateTime<Utc>>,
    pub deleted_by: Option<u64>,
}

impl Meta {
    pub fn is_deleted(&self) -> bool {
        self.deleted_at.is_some()
    }
}

/// A stored record: id, bookkeeping and the entity's data.
#[derive(Clone, Debug)]
pub struct Record<T> {
    pub id: u64,
    pub meta: Meta,
    pub data: T,
}

/// Who makes a change (for `created_by`, `updated_by` and the audit log).
#[derive(Clone, Debug, Default)]
pub struct Actor {
    pub user: Option<u64>,
    pub ip: Option<String>,
}

impl Actor {
    pub fn system() -> Actor {
        Actor::default()
    }
    pub fn user(id: u64) -> Actor {
        Actor {
            user: Some(id),
            ip: None,
        }
    }
}
