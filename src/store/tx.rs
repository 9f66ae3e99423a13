//! One transaction over the store: generic record operations (create, read, update with version
//! check, soft delete, restore, purge), secondary indexes, audit, outbox, sequences and plain
//! key-value tables, written once for every entity.

use std::cell::RefCell;
use std::collections::HashMap;
use std::ops::Bound;
use std::rc::Rc;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use redb::{ReadTransaction, ReadableTable, TableDefinition, WriteTransaction};
use serde::{Deserialize, Serialize};

use super::counts::count_table;
use super::key::{id_of_entry, prefix_end, with_id};
use super::{Actor, Entity, IndexDef, IndexKey, Meta, Record, Registry, StoreError, StoreResult};

/// Visits one key-value entry; returns whether to go on.
pub(crate) type Visitor<'a> = &'a mut dyn FnMut(&[u8], &[u8]) -> StoreResult<bool>;

/// What reading needs of a table, whether opened for reading or for writing.
trait ReadOnlyView {
    fn get_value(&self, key: &[u8]) -> StoreResult<Option<Vec<u8>>>;
    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        f: Visitor<'_>,
    ) -> StoreResult<()>;
    fn entries(&self) -> StoreResult<u64>;
}

impl<T> ReadOnlyView for T
where
    T: ReadableTable<&'static [u8], &'static [u8]>,
{
    fn get_value(&self, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        Ok(self.get(key)?.map(|v| v.value().to_vec()))
    }
    fn visit(
        &self,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        f: Visitor<'_>,
    ) -> StoreResult<()> {
        let range = self.range::<&[u8]>((start, end))?;
        if reverse {
            for item in range.rev() {
                let (k, v) = item?;
                if !f(k.value(), v.value())? {
                    break;
                }
            }
        } else {
            for item in range {
                let (k, v) = item?;
                if !f(k.value(), v.value())? {
                    break;
                }
            }
        }
        Ok(())
    }
    fn entries(&self) -> StoreResult<u64> {
        Ok(self.len()?)
    }
}

fn table(name: &str) -> TableDefinition<'_, &'static [u8], &'static [u8]> {
    TableDefinition::new(name)
}

const AUDIT: &str = "audit";
const AUDIT_BY_RECORD: &str = "audit_by_record";
const OUTBOX: &str = "outbox";
const SEQ: &str = "seq";
const META: &str = "meta";
const TRASH: &str = "trash";

pub(crate) fn records_table(kind: &str) -> String {
    format!("rec:{kind}")
}
pub(crate) fn index_table(kind: &str, index: &str) -> String {
    format!("idx:{kind}:{index}")
}

pub fn encode<T: Serialize>(value: &T) -> StoreResult<Vec<u8>> {
    bincode::serde::encode_to_vec(value, bincode::config::standard())
        .map_err(|e| StoreError::Internal(format!("encode: {e}")))
}

pub fn decode<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> StoreResult<T> {
    bincode::serde::decode_from_slice(bytes, bincode::config::standard())
        .map(|(v, _)| v)
        .map_err(|e| StoreError::Corrupt(format!("decode: {e}")))
}

/// Splits a stored envelope into (schema version, meta, payload bytes).
pub fn open_envelope(bytes: &[u8]) -> StoreResult<(u16, Meta, &[u8])> {
    let bad = || StoreError::Corrupt("truncated record envelope".into());
    let schema = u16::from_le_bytes(
        bytes
            .get(0..2)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    );
    let meta_len = u32::from_le_bytes(
        bytes
            .get(2..6)
            .ok_or_else(bad)?
            .try_into()
            .map_err(|_| bad())?,
    ) as usize;
    let meta_end = 6usize.checked_add(meta_len).ok_or_else(bad)?;
    let meta: Meta = decode(bytes.get(6..meta_end).ok_or_else(bad)?)?;
    Ok((schema, meta, &bytes[meta_end..]))
}

fn seal_envelope<T: Entity>(meta: &Meta, data: &T) -> StoreResult<Vec<u8>> {
    let meta_bytes = encode(meta)?;
    let payload = encode(data)?;
    let mut out = Vec::with_capacity(6 + meta_bytes.len() + payload.len());
    out.extend_from_slice(&T::SCHEMA_VERSION.to_le_bytes());
    out.extend_from_slice(&(meta_bytes.len() as u32).to_le_bytes());
    out.extend_from_slice(&meta_bytes);
    out.extend_from_slice(&payload);
    Ok(out)
}

pub(crate) fn decode_record<T: Entity>(id: u64, bytes: &[u8]) -> StoreResult<Record<T>> {
    let (schema, meta, payload) = open_envelope(bytes)?;
    let data = if schema == T::SCHEMA_VERSION {
        decode(payload)?
    } else {
        T::upgrade(schema, payload)?
    };
    Ok(Record { id, meta, data })
}

/// One changed field in the audit log; values are JSON text (`None`: absent).
#[derive(Clone, Debug, Serialize, Deserialize, PartialEq, Eq)]
pub struct Change {
    pub field: String,
    pub old: Option<String>,
    pub new: Option<String>,
}

/// The value recorded for secret fields instead of their content.
pub const SECRET_MARK: &str = "\"******\"";

/// One audit-log entry.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at: DateTime<Utc>,
    pub user: Option<u64>,
    pub ip: Option<String>,
    pub action: String,
    pub kind: String,
    pub record_id: Option<u64>,
    pub title: String,
    pub changes: Vec<Change>,
}

/// An audit entry that is not a record change (login, refused access, claim …).
#[derive(Clone, Debug, Default)]
pub struct AuditEvent {
    pub action: String,
    pub kind: String,
    pub record_id: Option<u64>,
    pub title: String,
    pub changes: Vec<Change>,
}

/// A page of a list, with the total number of matches.
#[derive(Clone, Debug)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
}

/// One record in the recycle bin.
#[derive(Clone, Debug)]
pub struct TrashItem {
    pub kind: String,
    pub id: u64,
    pub title: String,
    pub deleted_at: DateTime<Utc>,
    pub deleted_by: Option<u64>,
    pub owner: Option<u64>,
}

type WriteTable<'t> = redb::Table<'t, &'static [u8], &'static [u8]>;
type ReadTable = redb::ReadOnlyTable<&'static [u8], &'static [u8]>;

// Tables stay open for the length of the transaction: opening one costs a lookup in redb's table
// of tables (and, when writing, storing its root back on close), which a create or an import row
// would otherwise pay for each of its dozen index entries.
enum Inner<'t> {
    Read {
        rtx: ReadTransaction,
        // `None`: the table does not exist in this snapshot.
        open: RefCell<HashMap<String, Option<Rc<ReadTable>>>>,
    },
    Write {
        wtx: &'t WriteTransaction,
        open: RefCell<HashMap<String, Rc<RefCell<WriteTable<'t>>>>>,
    },
}

/// A read snapshot or a write transaction.
pub struct Tx<'t> {
    inner: Inner<'t>,
    registry: Arc<Registry>,
    now: DateTime<Utc>,
    outbox_written: u64,
    signals: Vec<Signal>,
}

/// A note that something changed, sent to `Store::subscribe` listeners once the transaction
/// that raised it is durable (never for one that failed). Listeners re-read what they need.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signal {
    /// What changed, e.g. `"notifications"`.
    pub topic: &'static str,
    /// Whose or which, e.g. a user id.
    pub key: u64,
}

impl<'t> Tx<'t> {
    pub(crate) fn read(rtx: ReadTransaction, registry: Arc<Registry>) -> Tx<'static> {
        Tx {
            inner: Inner::Read {
                rtx,
                open: RefCell::default(),
            },
            registry,
            now: Utc::now(),
            outbox_written: 0,
            signals: Vec::new(),
        }
    }
    /// Works in `wtx`, which the caller commits or aborts once this is dropped (dropping closes
    /// the tables).
    pub(crate) fn write(wtx: &'t WriteTransaction, registry: Arc<Registry>) -> Tx<'t> {
        Tx {
            inner: Inner::Write {
                wtx,
                open: RefCell::default(),
            },
            registry,
            now: Utc::now(),
            outbox_written: 0,
            signals: Vec::new(),
        }
    }
    pub(crate) fn outbox_written(&self) -> u64 {
        self.outbox_written
    }
    /// Tells `Store::subscribe` listeners about `topic`/`key` once this transaction is durable.
    pub fn signal(&mut self, topic: &'static str, key: u64) {
        let s = Signal { topic, key };
        if !self.signals.contains(&s) {
            self.signals.push(s);
        }
    }
    pub(crate) fn take_signals(&mut self) -> Vec<Signal> {
        std::mem::take(&mut self.signals)
    }
    pub fn registry(&self) -> &Registry {
        &self.registry
    }
    /// The registry, detached from this transaction's borrow (for erased operations on it).
    pub fn registry_arc(&self) -> Arc<Registry> {
        self.registry.clone()
    }
    /// The time stamped on changes in this transaction.
    pub fn now(&self) -> DateTime<Utc> {
        self.now
    }
    /// Moves this transaction's clock (scheduled jobs run "as of" a given time).
    pub fn set_now(&mut self, now: DateTime<Utc>) {
        self.now = now;
    }

    // ---- raw tables -------------------------------------------------------------------------

    /// The snapshot's table `name`, or `None` when it has no such table.
    fn read_table(
        rtx: &ReadTransaction,
        open: &RefCell<HashMap<String, Option<Rc<ReadTable>>>>,
        name: &str,
    ) -> StoreResult<Option<Rc<ReadTable>>> {
        if let Some(t) = open.borrow().get(name) {
            return Ok(t.clone());
        }
        let t = match rtx.open_table(table(name)) {
            Ok(t) => Some(Rc::new(t)),
            Err(redb::TableError::TableDoesNotExist(_)) => None,
            Err(e) => return Err(e.into()),
        };
        open.borrow_mut().insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// The write transaction's table `name`, created if missing.
    fn write_table(
        wtx: &'t WriteTransaction,
        open: &RefCell<HashMap<String, Rc<RefCell<WriteTable<'t>>>>>,
        name: &str,
    ) -> StoreResult<Rc<RefCell<WriteTable<'t>>>> {
        if let Some(t) = open.borrow().get(name) {
            return Ok(t.clone());
        }
        let t = Rc::new(RefCell::new(wtx.open_table(table(name))?));
        open.borrow_mut().insert(name.to_string(), t.clone());
        Ok(t)
    }

    /// Runs `f` on the writable table `name`.
    fn with_write_table<R>(
        &mut self,
        name: &str,
        f: impl FnOnce(&mut WriteTable<'t>) -> StoreResult<R>,
    ) -> StoreResult<R> {
        let Inner::Write { wtx, open } = &self.inner else {
            return Err(StoreError::Internal("write in a read transaction".into()));
        };
        let t = Self::write_table(wtx, open, name)?;
        let mut t = t.try_borrow_mut().map_err(|_| {
            StoreError::Internal(format!("table {name} changed while it is being read"))
        })?;
        f(&mut t)
    }

    /// Runs `f` on the table `name` for reading; `None` when a snapshot has no such table.
    fn with_table<R>(
        &self,
        name: &str,
        f: impl FnOnce(Option<&dyn ReadOnlyView>) -> StoreResult<R>,
    ) -> StoreResult<R> {
        match &self.inner {
            Inner::Read { rtx, open } => {
                let t = Self::read_table(rtx, open, name)?;
                f(t.as_deref().map(|t| t as &dyn ReadOnlyView))
            }
            Inner::Write { wtx, open } => {
                let t = Self::write_table(wtx, open, name)?;
                let t = t.try_borrow().map_err(|_| {
                    StoreError::Internal(format!("table {name} read while it is being changed"))
                })?;
                f(Some(&*t as &dyn ReadOnlyView))
            }
        }
    }

    pub(crate) fn raw_get(&self, name: &str, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.with_table(name, |t| match t {
            Some(t) => t.get_value(key),
            None => Ok(None),
        })
    }

    pub(crate) fn raw_put(&mut self, name: &str, key: &[u8], value: &[u8]) -> StoreResult<()> {
        self.with_write_table(name, |t| {
            t.insert(key, value)?;
            Ok(())
        })
    }

    /// Inserts an entry; whether the key was not there before.
    pub(crate) fn raw_put_new(
        &mut self,
        name: &str,
        key: &[u8],
        value: &[u8],
    ) -> StoreResult<bool> {
        self.with_write_table(name, |t| Ok(t.insert(key, value)?.is_none()))
    }

    pub(crate) fn raw_remove(&mut self, name: &str, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.with_write_table(name, |t| Ok(t.remove(key)?.map(|v| v.value().to_vec())))
    }

    /// Visits entries with `start <= key < end` in order (or reverse) until `f` returns false.
    pub(crate) fn raw_scan(
        &self,
        name: &str,
        start: Bound<&[u8]>,
        end: Bound<&[u8]>,
        reverse: bool,
        f: Visitor<'_>,
    ) -> StoreResult<()> {
        self.with_table(name, |t| match t {
            Some(t) => t.visit(start, end, reverse, f),
            None => Ok(()),
        })
    }

    pub(crate) fn raw_len(&self, name: &str) -> StoreResult<u64> {
        self.with_table(name, |t| match t {
            Some(t) => t.entries(),
            None => Ok(0),
        })
    }

    /// Names of every table in the file.
    pub(crate) fn table_names(&self) -> StoreResult<Vec<String>> {
        use redb::TableHandle;
        let names: Vec<String> = match &self.inner {
            Inner::Read { rtx, .. } => rtx.list_tables()?.map(|h| h.name().to_string()).collect(),
            Inner::Write { wtx, .. } => wtx.list_tables()?.map(|h| h.name().to_string()).collect(),
        };
        Ok(names)
    }

    /// Deletes the table `name` (closing it first if this transaction has it open).
    fn delete_table(&mut self, name: &str) -> StoreResult<()> {
        let Inner::Write { wtx, open } = &self.inner else {
            return Err(StoreError::Internal("write in a read transaction".into()));
        };
        open.borrow_mut().remove(name);
        wtx.delete_table(table(name))
            .map_err(|e| StoreError::Internal(e.to_string()))?;
        Ok(())
    }

    pub(crate) fn scan_prefix(
        &self,
        name: &str,
        prefix: &[u8],
        reverse: bool,
        f: Visitor<'_>,
    ) -> StoreResult<()> {
        let end = prefix_end(prefix);
        let end_bound = end.as_deref().map_or(Bound::Unbounded, Bound::Excluded);
        self.raw_scan(name, Bound::Included(prefix), end_bound, reverse, f)
    }

    // ---- plain key-value tables (sessions, settings; no audit, no versions) ------------------

    pub fn kv_get(&self, name: &str, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.raw_get(&format!("kv:{name}"), key)
    }
    pub fn kv_put(&mut self, name: &str, key: &[u8], value: &[u8]) -> StoreResult<()> {
        self.raw_put(&format!("kv:{name}"), key, value)
    }
    pub fn kv_remove(&mut self, name: &str, key: &[u8]) -> StoreResult<Option<Vec<u8>>> {
        self.raw_remove(&format!("kv:{name}"), key)
    }
    /// Keys (with values) of a kv table starting with `prefix`.
    pub fn kv_prefix(&self, name: &str, prefix: &[u8]) -> StoreResult<Vec<(Vec<u8>, Vec<u8>)>> {
        let mut out = Vec::new();
        self.scan_prefix(&format!("kv:{name}"), prefix, false, &mut |k, v| {
            out.push((k.to_vec(), v.to_vec()));
            Ok(true)
        })?;
        Ok(out)
    }

    pub fn meta_u64(&self, key: &str) -> StoreResult<Option<u64>> {
        Ok(self
            .raw_get(META, key.as_bytes())?
            .and_then(|v| v.try_into().ok())
            .map(u64::from_be_bytes))
    }
    pub fn set_meta_u64(&mut self, key: &str, value: u64) -> StoreResult<()> {
        self.raw_put(META, key.as_bytes(), &value.to_be_bytes())
    }

    // ---- sequences ----------------------------------------------------------------------------

    /// The next value of a named sequence (1, 2, 3 …), in this transaction.
    pub fn next_seq(&mut self, name: &str) -> StoreResult<u64> {
        let current = self
            .raw_get(SEQ, name.as_bytes())?
            .and_then(|v| v.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0);
        let next = current + 1;
        self.raw_put(SEQ, name.as_bytes(), &next.to_be_bytes())?;
        Ok(next)
    }

    /// The next human document number of a type in a year: `QT-2026-0001`.
    pub fn next_document_number(&mut self, prefix: &str, year: i32) -> StoreResult<String> {
        let n = self.next_seq(&format!("doc:{prefix}:{year}"))?;
        Ok(format!("{prefix}-{year}-{n:04}"))
    }

    // ---- records ------------------------------------------------------------------------------

    /// A record by id, deleted or not.
    pub fn get<T: Entity>(&self, id: u64) -> StoreResult<Option<Record<T>>> {
        match self.raw_get(&records_table(T::KIND), &id.to_be_bytes())? {
            Some(bytes) => Ok(Some(decode_record(id, &bytes)?)),
            None => Ok(None),
        }
    }

    /// A record that exists and is not in the recycle bin.
    pub fn get_live<T: Entity>(&self, id: u64) -> StoreResult<Record<T>> {
        match self.get::<T>(id)? {
            Some(r) if !r.meta.is_deleted() => Ok(r),
            _ => Err(StoreError::NotFound),
        }
    }

    /// Creates a record: new id, version 1, indexes, audit entry, outbox entry.
    pub fn insert<T: Entity>(&mut self, actor: &Actor, data: T) -> StoreResult<Record<T>> {
        if self.registry.get(T::KIND).is_none() {
            // Undeclared kinds would miss migrations, search and the recycle bin.
            return Err(StoreError::Internal(format!(
                "kind {} is not declared in the registry",
                T::KIND
            )));
        }
        let id = self.next_seq(&format!("id:{}", T::KIND))?;
        let meta = Meta {
            version: 1,
            created_at: self.now,
            created_by: actor.user,
            updated_at: self.now,
            updated_by: actor.user,
            deleted_at: None,
            deleted_by: None,
        };
        let record = Record { id, meta, data };
        self.add_index_entries(&record, true)?;
        self.raw_put(
            &records_table(T::KIND),
            &id.to_be_bytes(),
            &seal_envelope(&record.meta, &record.data)?,
        )?;
        let changes = diff_fields::<T>(None, Some(&record.data));
        self.audit_record::<T>(actor, "create", &record, changes)?;
        self.bump_live(T::KIND, 1)?;
        self.outbox_push(T::KIND, id)?;
        Ok(record)
    }

    /// Changes a live record. `expected_version`, when given, must equal the stored version
    /// (otherwise `VersionConflict` and nothing changes). A change that alters no field keeps
    /// the version and writes no audit entry.
    pub fn update<T: Entity, E: From<StoreError>>(
        &mut self,
        actor: &Actor,
        id: u64,
        expected_version: Option<u64>,
        change: impl FnOnce(&mut T) -> Result<(), E>,
    ) -> Result<Record<T>, E> {
        let old = self.get_live::<T>(id)?;
        if let Some(expected) = expected_version
            && expected != old.meta.version
        {
            return Err(StoreError::VersionConflict {
                current: old.meta.version,
            }
            .into());
        }
        let mut data = old.data.clone();
        change(&mut data)?;
        let changes = diff_fields::<T>(Some(&old.data), Some(&data));
        if changes.is_empty() {
            return Ok(old);
        }
        let mut meta = old.meta.clone();
        meta.version += 1;
        meta.updated_at = self.now;
        meta.updated_by = actor.user;
        let record = Record { id, meta, data };
        self.reindex_changed(&old, &record)?;
        self.raw_put(
            &records_table(T::KIND),
            &id.to_be_bytes(),
            &seal_envelope(&record.meta, &record.data)?,
        )?;
        self.audit_record::<T>(actor, "update", &record, changes)?;
        self.outbox_push(T::KIND, id)?;
        Ok(record)
    }

    /// Moves a live record to the recycle bin.
    pub fn delete<T: Entity>(
        &mut self,
        actor: &Actor,
        id: u64,
        expected_version: Option<u64>,
    ) -> StoreResult<Record<T>> {
        let old = self.get_live::<T>(id)?;
        if let Some(expected) = expected_version
            && expected != old.meta.version
        {
            return Err(StoreError::VersionConflict {
                current: old.meta.version,
            });
        }
        let mut record = old.clone();
        record.meta.version += 1;
        record.meta.deleted_at = Some(self.now);
        record.meta.deleted_by = actor.user;
        record.meta.updated_at = self.now;
        record.meta.updated_by = actor.user;
        self.remove_index_entries(&old, false)?;
        self.raw_put(
            &records_table(T::KIND),
            &id.to_be_bytes(),
            &seal_envelope(&record.meta, &record.data)?,
        )?;
        self.raw_put(TRASH, &trash_key(self.now, T::KIND, id), &[])?;
        self.audit_record::<T>(actor, "delete", &record, Vec::new())?;
        self.bump_live(T::KIND, -1)?;
        self.outbox_push(T::KIND, id)?;
        Ok(record)
    }

    /// Brings a record back from the recycle bin (its unique keys must still be free).
    pub fn restore<T: Entity>(&mut self, actor: &Actor, id: u64) -> StoreResult<Record<T>> {
        let old = self.get::<T>(id)?.ok_or(StoreError::NotFound)?;
        let Some(deleted_at) = old.meta.deleted_at else {
            return Err(StoreError::NotFound);
        };
        let mut record = old.clone();
        record.meta.version += 1;
        record.meta.deleted_at = None;
        record.meta.deleted_by = None;
        record.meta.updated_at = self.now;
        record.meta.updated_by = actor.user;
        self.add_index_entries(&record, false)?;
        self.raw_put(
            &records_table(T::KIND),
            &id.to_be_bytes(),
            &seal_envelope(&record.meta, &record.data)?,
        )?;
        self.raw_remove(TRASH, &trash_key(deleted_at, T::KIND, id))?;
        self.audit_record::<T>(actor, "restore", &record, Vec::new())?;
        self.bump_live(T::KIND, 1)?;
        self.outbox_push(T::KIND, id)?;
        Ok(record)
    }

    /// Removes a record from the recycle bin for good (the audit log keeps its history).
    pub fn purge<T: Entity>(&mut self, actor: &Actor, id: u64) -> StoreResult<()> {
        let old = self.get::<T>(id)?.ok_or(StoreError::NotFound)?;
        let Some(deleted_at) = old.meta.deleted_at else {
            return Err(StoreError::Internal("purge of a live record".into()));
        };
        self.remove_index_entries(&old, true)?;
        self.raw_remove(&records_table(T::KIND), &id.to_be_bytes())?;
        self.raw_remove(TRASH, &trash_key(deleted_at, T::KIND, id))?;
        self.audit_record::<T>(actor, "purge", &old, Vec::new())?;
        self.outbox_push(T::KIND, id)?;
        Ok(())
    }

    /// The id of the live record holding `key` in a unique index.
    pub fn find_unique<T: Entity>(&self, index: &str, key: &IndexKey) -> StoreResult<Option<u64>> {
        Ok(self
            .raw_get(&index_table(T::KIND, index), key.as_bytes())?
            .and_then(|v| v.try_into().ok())
            .map(u64::from_be_bytes))
    }

    /// Ids in a non-unique index whose key starts with `prefix`, in key order (or reverse).
    pub fn ids_by_index<T: Entity>(
        &self,
        index: &str,
        prefix: &IndexKey,
        reverse: bool,
    ) -> StoreResult<Vec<u64>> {
        let mut ids = Vec::new();
        self.scan_prefix(
            &index_table(T::KIND, index),
            prefix.as_bytes(),
            reverse,
            &mut |k, _| {
                if let Some(id) = id_of_entry(k) {
                    ids.push(id);
                }
                Ok(true)
            },
        )?;
        Ok(ids)
    }

    /// Like `ids_by_index`, but gives up (None) past `max` entries: a key that common says little.
    pub fn ids_by_index_at_most<T: Entity>(
        &self,
        index: &str,
        prefix: &IndexKey,
        max: usize,
    ) -> StoreResult<Option<Vec<u64>>> {
        let mut ids = Vec::new();
        let mut too_many = false;
        self.scan_prefix(
            &index_table(T::KIND, index),
            prefix.as_bytes(),
            false,
            &mut |k, _| {
                if ids.len() >= max {
                    too_many = true;
                    return Ok(false);
                }
                if let Some(id) = id_of_entry(k) {
                    ids.push(id);
                }
                Ok(true)
            },
        )?;
        Ok((!too_many).then_some(ids))
    }

    /// Visits live records by id (newest first when `reverse`) until `f` returns false.
    pub fn for_each<T: Entity>(
        &self,
        reverse: bool,
        f: &mut dyn FnMut(Record<T>) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        self.records_in_order(T::KIND, reverse, &mut |id, v| {
            let record = decode_record::<T>(id, v)?;
            if record.meta.is_deleted() {
                Ok(true)
            } else {
                f(record)
            }
        })
    }

    /// A page of live records matching `filter`, newest first, with the total.
    pub fn list<T: Entity>(
        &self,
        filter: &dyn Fn(&Record<T>) -> bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Page<Record<T>>> {
        let mut items = Vec::new();
        let mut total = 0u64;
        self.for_each::<T>(true, &mut |r| {
            if filter(&r) {
                if total >= offset && (items.len() as u64) < limit {
                    items.push(r);
                }
                total += 1;
            }
            Ok(true)
        })?;
        Ok(Page { items, total })
    }

    /// Number of live records (not in the recycle bin) of a kind, kept as records come and go.
    pub fn count_live<T: Entity>(&self) -> StoreResult<u64> {
        self.meta_u64(&format!("live:{}", T::KIND))
            .map(|n| n.unwrap_or(0))
    }

    fn bump_live(&mut self, kind: &str, delta: i64) -> StoreResult<()> {
        let key = format!("live:{kind}");
        let n = self
            .meta_u64(&key)?
            .unwrap_or(0)
            .saturating_add_signed(delta);
        self.set_meta_u64(&key, n)
    }

    /// Format step 1 → 2: counts the live records of every kind.
    pub(crate) fn count_live_records(&mut self) -> StoreResult<()> {
        for table in self.table_names()? {
            let Some(kind) = table.strip_prefix("rec:") else {
                continue;
            };
            let mut live = 0u64;
            self.records_in_order(kind, false, &mut |_, v| {
                live += u64::from(!open_envelope(v)?.1.is_deleted());
                Ok(true)
            })?;
            self.set_meta_u64(&format!("live:{kind}"), live)?;
        }
        Ok(())
    }

    /// Live records matching `filter`, newest first (by id), skipping `offset`: a page that
    /// reads only as far as it needs, not the whole collection.
    pub fn newest<T: Entity>(
        &self,
        filter: &dyn Fn(&Record<T>) -> bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Vec<Record<T>>> {
        let mut skipped = 0u64;
        let mut out = Vec::new();
        self.records_in_order(T::KIND, true, &mut |id, v| {
            if open_envelope(v)?.1.is_deleted() {
                return Ok(true);
            }
            let record = decode_record::<T>(id, v)?;
            if !filter(&record) {
                return Ok(true);
            }
            if skipped < offset {
                skipped += 1;
                return Ok(true);
            }
            out.push(record);
            Ok((out.len() as u64) < limit)
        })?;
        Ok(out)
    }

    /// Live records, newest first, skipping `offset` of them by their envelopes alone (page N
    /// of an unfiltered list decodes only its own page).
    pub fn newest_live<T: Entity>(&self, offset: u64, limit: u64) -> StoreResult<Vec<Record<T>>> {
        let mut skipped = 0u64;
        let mut out = Vec::new();
        self.records_in_order(T::KIND, true, &mut |id, v| {
            if open_envelope(v)?.1.is_deleted() {
                return Ok(true);
            }
            if skipped < offset {
                skipped += 1;
                return Ok(true);
            }
            out.push(decode_record::<T>(id, v)?);
            Ok((out.len() as u64) < limit)
        })?;
        Ok(out)
    }

    /// Number of records (live and deleted) of a kind.
    pub fn count_all<T: Entity>(&self) -> StoreResult<u64> {
        self.raw_len(&records_table(T::KIND))
    }

    fn add_index_entries<T: Entity>(&mut self, record: &Record<T>, all: bool) -> StoreResult<()> {
        self.each_index_entry(record, all, Self::add_index_entry)
    }

    /// Runs `op` on each index entry of `record`: a deleted record has entries only in the
    /// indexes that keep deleted records; without `all`, those indexes are left out.
    fn each_index_entry<T: Entity>(
        &mut self,
        record: &Record<T>,
        all: bool,
        op: fn(&mut Self, &IndexDef<T>, &IndexKey, u64) -> StoreResult<()>,
    ) -> StoreResult<()> {
        let deleted = record.meta.is_deleted();
        for def in T::indexes() {
            if (deleted && !def.keep_deleted) || (!all && def.keep_deleted) {
                continue;
            }
            for key in (def.keys)(&record.data) {
                op(self, &def, &key, record.id)?;
            }
        }
        Ok(())
    }

    fn add_index_entry<T: Entity>(
        &mut self,
        def: &IndexDef<T>,
        key: &IndexKey,
        id: u64,
    ) -> StoreResult<()> {
        let name = index_table(T::KIND, def.name);
        if def.unique {
            if let Some(existing) = self.raw_get(&name, key.as_bytes())? {
                let existing = u64::from_be_bytes(existing.try_into().unwrap_or([0; 8]));
                if existing != id {
                    return Err(StoreError::Unique {
                        index: def.name.to_string(),
                        field: def.field.to_string(),
                        existing,
                    });
                }
            }
            self.raw_put(&name, key.as_bytes(), &id.to_be_bytes())?;
        } else {
            let fresh = self.raw_put_new(&name, &with_id(key, id), &id.to_be_bytes())?;
            if def.counted && fresh {
                self.bump_index_count(&count_table(T::KIND, def.name), key.as_bytes(), id, 1)?;
            }
        }
        Ok(())
    }

    fn remove_index_entries<T: Entity>(
        &mut self,
        record: &Record<T>,
        all: bool,
    ) -> StoreResult<()> {
        self.each_index_entry(record, all, Self::remove_index_entry)
    }

    fn remove_index_entry<T: Entity>(
        &mut self,
        def: &IndexDef<T>,
        key: &IndexKey,
        id: u64,
    ) -> StoreResult<()> {
        let name = index_table(T::KIND, def.name);
        if def.unique {
            self.raw_remove(&name, key.as_bytes())?;
        } else {
            let gone = self.raw_remove(&name, &with_id(key, id))?.is_some();
            if def.counted && gone {
                self.bump_index_count(&count_table(T::KIND, def.name), key.as_bytes(), id, -1)?;
            }
        }
        Ok(())
    }

    /// Moves a live record's index entries from its old data to its new data, touching only
    /// the keys that changed (an edit of the notes leaves a dozen duplicate keys alone).
    fn reindex_changed<T: Entity>(&mut self, old: &Record<T>, new: &Record<T>) -> StoreResult<()> {
        for def in T::indexes() {
            let before = (def.keys)(&old.data);
            let after = (def.keys)(&new.data);
            for key in before.iter().filter(|k| !after.contains(k)) {
                self.remove_index_entry(&def, key, old.id)?;
            }
            for key in after.iter().filter(|k| !before.contains(k)) {
                self.add_index_entry(&def, key, new.id)?;
            }
        }
        Ok(())
    }

    /// Re-encodes every record of a kind under the current schema (after `Entity::upgrade`),
    /// rebuilding its indexes.
    pub(crate) fn rewrite_kind_typed<T: Entity>(&mut self) -> StoreResult<()> {
        let mut records = Vec::new();
        self.raw_records(T::KIND, &mut |id, v| {
            records.push(decode_record::<T>(id, v)?);
            Ok(true)
        })?;
        for def in T::indexes() {
            for name in [
                index_table(T::KIND, def.name),
                count_table(T::KIND, def.name),
            ] {
                self.delete_table(&name)?;
            }
        }
        for record in records {
            self.add_index_entries(&record, true)?;
            self.raw_put(
                &records_table(T::KIND),
                &record.id.to_be_bytes(),
                &seal_envelope(&record.meta, &record.data)?,
            )?;
        }
        Ok(())
    }

    pub(crate) fn rewrite_kind(&mut self, kind: &str) -> StoreResult<()> {
        let registry = self.registry.clone();
        let ops = registry
            .get(kind)
            .ok_or_else(|| StoreError::Internal(format!("unknown kind {kind}")))?;
        ops.rewrite(self)
    }

    /// The recycle bin, newest deletion first, limited to items `visible(kind, owner)` allows.
    pub fn trash(
        &self,
        visible: &dyn Fn(&str, Option<u64>) -> bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Page<TrashItem>> {
        let mut keys = Vec::new();
        self.raw_scan(
            TRASH,
            Bound::Unbounded,
            Bound::Unbounded,
            true,
            &mut |k, _| {
                keys.push(parse_trash_key(k)?);
                Ok(true)
            },
        )?;
        let mut items = Vec::new();
        let mut total = 0u64;
        for (kind, id) in keys {
            let Some(bytes) = self.raw_get(&records_table(&kind), &id.to_be_bytes())? else {
                continue;
            };
            let Some(ops) = self.registry.get(&kind) else {
                continue;
            };
            let owner = ops.owner(id, &bytes)?;
            if !visible(&kind, owner) {
                continue;
            }
            if total >= offset && (items.len() as u64) < limit {
                let (_, meta, _) = open_envelope(&bytes)?;
                items.push(TrashItem {
                    title: ops.title(id, &bytes)?,
                    kind,
                    id,
                    deleted_at: meta.deleted_at.unwrap_or(meta.updated_at),
                    deleted_by: meta.deleted_by,
                    owner,
                });
            }
            total += 1;
        }
        Ok(Page { items, total })
    }

    // ---- audit --------------------------------------------------------------------------------

    fn audit_record<T: Entity>(
        &mut self,
        actor: &Actor,
        action: &str,
        record: &Record<T>,
        changes: Vec<Change>,
    ) -> StoreResult<()> {
        let entry = AuditEntry {
            at: self.now,
            user: actor.user,
            ip: actor.ip.clone(),
            action: action.to_string(),
            kind: T::KIND.to_string(),
            record_id: Some(record.id),
            title: record.data.title(),
            changes,
        };
        self.append_audit(&entry)
    }

    /// Appends an audit entry that is not a record change (login, refused access, claim …).
    pub fn audit_event(&mut self, actor: &Actor, event: AuditEvent) -> StoreResult<()> {
        let entry = AuditEntry {
            at: self.now,
            user: actor.user,
            ip: actor.ip.clone(),
            action: event.action,
            kind: event.kind,
            record_id: event.record_id,
            title: event.title,
            changes: event.changes,
        };
        self.append_audit(&entry)
    }

    fn append_audit(&mut self, entry: &AuditEntry) -> StoreResult<()> {
        let id = self.next_seq(AUDIT)?;
        self.raw_put(AUDIT, &id.to_be_bytes(), &encode(entry)?)?;
        if let Some(record_id) = entry.record_id {
            let key = IndexKey::new().str(&entry.kind).u64(record_id).u64(id);
            self.raw_put(AUDIT_BY_RECORD, key.as_bytes(), &id.to_be_bytes())?;
        }
        Ok(())
    }

    /// Audit entries, newest first, matching `filter`; `record` narrows to one record's history.
    pub fn audit(
        &self,
        record: Option<(&str, u64)>,
        filter: &dyn Fn(&AuditEntry) -> bool,
        offset: u64,
        limit: u64,
    ) -> StoreResult<Page<(u64, AuditEntry)>> {
        let mut items = Vec::new();
        let mut total = 0u64;
        let mut consider = |id: u64, entry: AuditEntry| {
            if filter(&entry) {
                if total >= offset && (items.len() as u64) < limit {
                    items.push((id, entry));
                }
                total += 1;
            }
        };
        match record {
            Some((kind, record_id)) => {
                let mut ids = Vec::new();
                let prefix = IndexKey::new().str(kind).u64(record_id);
                self.scan_prefix(AUDIT_BY_RECORD, prefix.as_bytes(), true, &mut |_, v| {
                    ids.push(u64::from_be_bytes(v.try_into().unwrap_or([0; 8])));
                    Ok(true)
                })?;
                for id in ids {
                    if let Some(bytes) = self.raw_get(AUDIT, &id.to_be_bytes())? {
                        consider(id, decode(&bytes)?);
                    }
                }
            }
            None => {
                self.raw_scan(
                    AUDIT,
                    Bound::Unbounded,
                    Bound::Unbounded,
                    true,
                    &mut |k, v| {
                        let id = u64::from_be_bytes(k.try_into().unwrap_or([0; 8]));
                        consider(id, decode(v)?);
                        Ok(true)
                    },
                )?;
            }
        }
        Ok(Page { items, total })
    }

    /// When the newest audit entry was written (`kontor doctor` compares it with the clock).
    pub fn last_audit_at(&self) -> StoreResult<Option<DateTime<Utc>>> {
        let mut at = None;
        self.raw_scan(
            AUDIT,
            Bound::Unbounded,
            Bound::Unbounded,
            true,
            &mut |_, v| {
                at = Some(decode::<AuditEntry>(v)?.at);
                Ok(false)
            },
        )?;
        Ok(at)
    }

    // ---- outbox (for the search indexer) --------------------------------------------------------

    /// Records that a record changed, for the search indexer.
    pub fn outbox_push(&mut self, kind: &str, id: u64) -> StoreResult<()> {
        let seq = self.next_seq(OUTBOX)?;
        self.raw_put(OUTBOX, &seq.to_be_bytes(), &encode(&(kind, id))?)?;
        self.outbox_written = seq;
        Ok(())
    }

    /// Outbox entries after `after`, oldest first, at most `limit`.
    pub fn outbox_since(&self, after: u64, limit: usize) -> StoreResult<Vec<(u64, String, u64)>> {
        let mut out = Vec::new();
        let start = (after + 1).to_be_bytes();
        self.raw_scan(
            OUTBOX,
            Bound::Included(&start),
            Bound::Unbounded,
            false,
            &mut |k, v| {
                let seq = u64::from_be_bytes(k.try_into().unwrap_or([0; 8]));
                let (kind, id): (String, u64) = decode(v)?;
                out.push((seq, kind, id));
                Ok(out.len() < limit)
            },
        )?;
        Ok(out)
    }

    /// The last outbox id ever assigned.
    pub fn outbox_last(&self) -> StoreResult<u64> {
        Ok(self
            .raw_get(SEQ, OUTBOX.as_bytes())?
            .and_then(|v| v.try_into().ok())
            .map(u64::from_be_bytes)
            .unwrap_or(0))
    }

    /// Drops outbox entries up to and including `upto` (already applied to the index).
    pub fn outbox_trim(&mut self, upto: u64) -> StoreResult<usize> {
        let mut keys = Vec::new();
        let end = (upto + 1).to_be_bytes();
        self.raw_scan(
            OUTBOX,
            Bound::Unbounded,
            Bound::Excluded(&end),
            false,
            &mut |k, _| {
                keys.push(k.to_vec());
                Ok(keys.len() < 10_000)
            },
        )?;
        for k in &keys {
            self.raw_remove(OUTBOX, k)?;
        }
        Ok(keys.len())
    }

    /// Visits the raw bytes of every record of a kind (for erased operations).
    pub(crate) fn raw_records(
        &self,
        kind: &str,
        f: &mut dyn FnMut(u64, &[u8]) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        self.records_in_order(kind, false, f)
    }

    /// Visits the raw bytes of the records of a kind with ids above `after`, in order.
    pub(crate) fn raw_records_after(
        &self,
        kind: &str,
        after: u64,
        f: &mut dyn FnMut(u64, &[u8]) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        let start = after.saturating_add(1).to_be_bytes();
        self.raw_scan(
            &records_table(kind),
            Bound::Included(&start),
            Bound::Unbounded,
            false,
            &mut |k, v| f(u64::from_be_bytes(k.try_into().unwrap_or([0; 8])), v),
        )
    }

    /// Visits the raw bytes of every record of a kind by id, in order or reverse.
    fn records_in_order(
        &self,
        kind: &str,
        reverse: bool,
        f: &mut dyn FnMut(u64, &[u8]) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        self.raw_scan(
            &records_table(kind),
            Bound::Unbounded,
            Bound::Unbounded,
            reverse,
            &mut |k, v| {
                let id = u64::from_be_bytes(
                    k.try_into()
                        .map_err(|_| StoreError::Corrupt("record key".into()))?,
                );
                f(id, v)
            },
        )
    }

    pub fn raw_record(&self, kind: &str, id: u64) -> StoreResult<Option<Vec<u8>>> {
        self.raw_get(&records_table(kind), &id.to_be_bytes())
    }

    /// Visits every entry of an index table.
    pub(crate) fn raw_index(
        &self,
        kind: &str,
        index: &str,
        f: &mut dyn FnMut(&[u8], u64) -> StoreResult<bool>,
    ) -> StoreResult<()> {
        self.raw_scan(
            &index_table(kind, index),
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            &mut |k, v| f(k, u64::from_be_bytes(v.try_into().unwrap_or([0; 8]))),
        )
    }
}

fn trash_key(at: DateTime<Utc>, kind: &str, id: u64) -> Vec<u8> {
    IndexKey::new()
        .i64(at.timestamp_micros())
        .str(kind)
        .u64(id)
        .0
}

fn parse_trash_key(k: &[u8]) -> StoreResult<(String, u64)> {
    let bad = || StoreError::Corrupt("recycle-bin key".into());
    // 1 tag + 8 bytes of time, then 0x02 kind 0x00, then 0x15 + 8 bytes of id
    let rest = k.get(9..).ok_or_else(bad)?;
    let rest = rest.strip_prefix(&[0x02]).ok_or_else(bad)?;
    let end = rest.iter().position(|&b| b == 0).ok_or_else(bad)?;
    let kind = String::from_utf8(rest[..end].to_vec()).map_err(|_| bad())?;
    let id = id_of_entry(k).ok_or_else(bad)?;
    Ok((kind, id))
}

/// Field-by-field changes between two versions of a record (JSON paths, nested objects dotted).
pub(crate) fn diff_fields<T: Entity>(old: Option<&T>, new: Option<&T>) -> Vec<Change> {
    let to_value = |v: Option<&T>| {
        v.map(|v| serde_json::to_value(v).unwrap_or_default())
            .unwrap_or_default()
    };
    let mut out = Vec::new();
    diff_values(
        "",
        &to_value(old),
        &to_value(new),
        T::SECRET_FIELDS,
        &mut out,
    );
    out
}

fn diff_values(
    path: &str,
    old: &serde_json::Value,
    new: &serde_json::Value,
    secret: &[&str],
    out: &mut Vec<Change>,
) {
    use serde_json::Value;
    if old == new {
        return;
    }
    let join = |k: &str| {
        if path.is_empty() {
            k.to_string()
        } else {
            format!("{path}.{k}")
        }
    };
    match (old, new) {
        (Value::Object(a), Value::Object(b)) => {
            let mut keys: Vec<&String> = a.keys().chain(b.keys()).collect();
            keys.sort();
            keys.dedup();
            for k in keys {
                let (x, y) = (
                    a.get(k).unwrap_or(&Value::Null),
                    b.get(k).unwrap_or(&Value::Null),
                );
                diff_values(&join(k), x, y, secret, out);
            }
        }
        (Value::Null, Value::Object(b)) => {
            for (k, y) in b {
                diff_values(&join(k), &Value::Null, y, secret, out);
            }
        }
        _ => {
            let render = |v: &Value| (!v.is_null()).then(|| v.to_string());
            let is_secret = secret.contains(&path);
            out.push(Change {
                field: path.to_string(),
                old: if is_secret {
                    render(old).map(|_| SECRET_MARK.into())
                } else {
                    render(old)
                },
                new: if is_secret {
                    render(new).map(|_| SECRET_MARK.into())
                } else {
                    render(new)
                },
            });
        }
    }
}
