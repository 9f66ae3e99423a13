//! The list of declared kinds, for operations that know a kind only by name: the recycle bin,
//! migrations, the search indexer and the consistency check.

use std::collections::BTreeMap;
use std::marker::PhantomData;

use super::tx::{decode_record, index_table, records_table};
use super::{Actor, Entity, StoreError, StoreResult, Tx};
use crate::search::SearchDoc;

/// What the store can do with a kind it knows only by name.
pub trait KindOps: Send + Sync {
    fn kind(&self) -> &'static str;
    fn schema_version(&self) -> u16;
    fn title(&self, id: u64, bytes: &[u8]) -> StoreResult<String>;
    fn owner(&self, id: u64, bytes: &[u8]) -> StoreResult<Option<u64>>;
    /// The search document of a live record, or `None` (deleted, purged or not searchable).
    fn search_doc(&self, tx: &Tx, id: u64) -> StoreResult<Option<SearchDoc>>;
    fn sensitive_fields(&self) -> &'static [(&'static str, &'static str)];
    fn restore(&self, tx: &mut Tx, actor: &Actor, id: u64) -> StoreResult<()>;
    fn purge(&self, tx: &mut Tx, actor: &Actor, id: u64) -> StoreResult<()>;
    fn rewrite(&self, tx: &mut Tx) -> StoreResult<()>;
    /// Problems found: records that do not decode, index entries that disagree with records.
    fn check(&self, tx: &Tx) -> StoreResult<(u64, Vec<String>)>;
}

struct Ops<T>(PhantomData<fn() -> T>);

impl<T: Entity> KindOps for Ops<T> {
    fn kind(&self) -> &'static str {
        T::KIND
    }
    fn schema_version(&self) -> u16 {
        T::SCHEMA_VERSION
    }
    fn title(&self, id: u64, bytes: &[u8]) -> StoreResult<String> {
        Ok(decode_record::<T>(id, bytes)?.data.title())
    }
    fn owner(&self, id: u64, bytes: &[u8]) -> StoreResult<Option<u64>> {
        Ok(decode_record::<T>(id, bytes)?.data.owner())
    }
    fn search_doc(&self, tx: &Tx, id: u64) -> StoreResult<Option<SearchDoc>> {
        Ok(match tx.get::<T>(id)? {
            Some(r) if !r.meta.is_deleted() => {
                let doc = r.data.search_doc(&r.meta);
                debug_assert!(
                    T::SEARCHABLE || doc.is_none(),
                    "{} gives search documents: declare SEARCHABLE",
                    T::KIND
                );
                doc
            }
            _ => None,
        })
    }
    fn sensitive_fields(&self) -> &'static [(&'static str, &'static str)] {
        T::SENSITIVE_FIELDS
    }
    fn restore(&self, tx: &mut Tx, actor: &Actor, id: u64) -> StoreResult<()> {
        tx.restore::<T>(actor, id).map(|_| ())
    }
    fn purge(&self, tx: &mut Tx, actor: &Actor, id: u64) -> StoreResult<()> {
        tx.purge::<T>(actor, id)
    }
    fn rewrite(&self, tx: &mut Tx) -> StoreResult<()> {
        tx.rewrite_kind_typed::<T>()
    }
    fn check(&self, tx: &Tx) -> StoreResult<(u64, Vec<String>)> {
        let mut problems = Vec::new();
        let mut count = 0u64;
        let mut expected: BTreeMap<String, BTreeMap<Vec<u8>, u64>> = BTreeMap::new();
        let defs = T::indexes();
        tx.raw_records(T::KIND, &mut |id, bytes| {
            count += 1;
            match decode_record::<T>(id, bytes) {
                Ok(record) => {
                    for def in &defs {
                        if record.meta.is_deleted() && !def.keep_deleted {
                            continue;
                        }
                        let entries = expected.entry(def.name.to_string()).or_default();
                        for key in (def.keys)(&record.data) {
                            let stored_key = if def.unique {
                                key.0
                            } else {
                                super::key::with_id(&key, id)
                            };
                            entries.insert(stored_key, id);
                        }
                    }
                }
                Err(e) => problems.push(format!("{} {id}: {e}", records_table(T::KIND))),
            }
            Ok(problems.len() < 100)
        })?;
        for def in &defs {
            let want = expected.remove(def.name).unwrap_or_default();
            let mut found = 0usize;
            tx.raw_index(T::KIND, def.name, &mut |key, id| {
                found += 1;
                if want.get(key) != Some(&id) {
                    problems.push(format!(
                        "{}: stray entry for record {id}",
                        index_table(T::KIND, def.name)
                    ));
                }
                Ok(problems.len() < 100)
            })?;
            if found != want.len() {
                problems.push(format!(
                    "{}: {} entries, {} expected",
                    index_table(T::KIND, def.name),
                    found,
                    want.len()
                ));
            }
            if def.counted {
                let stored_keys = want.keys().map(|k| &k[..k.len() - 8]);
                let expected_counts =
                    super::counts::expected_counts(stored_keys.zip(want.values()));
                let stored_counts = tx.raw_counts(T::KIND, def.name)?;
                if stored_counts != expected_counts {
                    problems.push(format!(
                        "{}: the counts do not match the index",
                        super::counts::count_table(T::KIND, def.name)
                    ));
                }
            }
        }
        Ok((count, problems))
    }
}

/// Every declared kind, by name.
#[derive(Default)]
pub struct Registry {
    kinds: BTreeMap<&'static str, Box<dyn KindOps>>,
}

impl Registry {
    pub fn new() -> Registry {
        Registry::default()
    }
    /// Declares a kind. Each kind is declared once, at start-up.
    pub fn with<T: Entity>(mut self) -> Registry {
        let previous = self.kinds.insert(T::KIND, Box::new(Ops::<T>(PhantomData)));
        assert!(previous.is_none(), "kind {} declared twice", T::KIND);
        self
    }
    pub fn get(&self, kind: &str) -> Option<&dyn KindOps> {
        self.kinds.get(kind).map(|b| b.as_ref())
    }
    pub fn all(&self) -> impl Iterator<Item = &dyn KindOps> {
        self.kinds.values().map(|b| b.as_ref())
    }
    pub fn require(&self, kind: &str) -> StoreResult<&dyn KindOps> {
        self.get(kind).ok_or(StoreError::NotFound)
    }
}
