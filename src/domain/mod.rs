//! Business rules, one module per area. Knows nothing of HTTP: operations take a `Principal`
//! (the caller's capabilities) and typed input, and return views or `AppError`s.

pub mod accounts;
pub mod audit_log;
pub mod backups;
pub mod company;
pub mod countries;
pub mod crm;
pub mod dedup;
pub mod demo;
pub mod export;
pub mod files;
pub mod goods;
pub mod handover;
pub mod import;
pub mod kinds;
pub mod kit;
pub mod logistics;
pub mod modules;
pub mod money;
pub mod notify;
pub mod operations;
pub mod projects;
pub mod recycle;
pub mod roles;
pub mod sales;
pub mod search;
pub mod users;
pub mod validate;

use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use crate::auth::throttle::Throttle;
use crate::search::{Indexer, SearchIndex};
use crate::store::{OpenError, OpenOptions, Registry, Store};

pub use kit::{List, Paging};

/// Every declared record kind (the modules' kinds, see `modules`).
pub fn registry() -> Registry {
    modules::registry()
}

/// A demo account shown on the login page in demo mode.
#[derive(Clone, Debug, serde::Serialize, utoipa::ToSchema)]
pub struct DemoAccount {
    pub username: String,
    pub password: String,
    pub role: String,
}

/// The running application: the store, the search index and in-memory guards.
pub struct Kontor {
    pub store: Store,
    pub search: Arc<SearchIndex>,
    pub throttle: Throttle,
    pub data_dir: PathBuf,
    /// The attachments' blobs under `files/` and the upload limit.
    pub files: files::Blobs,
    /// Demo accounts, when started with `--demo`.
    pub demo: Option<Vec<DemoAccount>>,
    indexer: Mutex<Option<Indexer>>,
}

/// The data directory's layout.
pub fn db_path(data_dir: &Path) -> PathBuf {
    data_dir.join(crate::store::DB_FILE)
}
pub fn index_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("index")
}
pub fn backup_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("backups")
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error(transparent)]
    Open(#[from] OpenError),
    #[error("search index: {0}")]
    Search(String),
    #[error("{0}")]
    Setup(String),
}

impl Kontor {
    /// Opens the data directory: the store (migrating after a backup), the search index
    /// (rebuilt if missing or damaged, caught up otherwise), and starts the indexer.
    pub fn open(data_dir: &Path) -> Result<Kontor, StartError> {
        std::fs::create_dir_all(data_dir)
            .map_err(|e| StartError::Setup(format!("cannot create {}: {e}", data_dir.display())))?;
        let store = Store::open(
            &db_path(data_dir),
            registry(),
            OpenOptions {
                verify: true,
                backup_dir: Some(backup_dir(data_dir)),
                ..OpenOptions::default()
            },
        )?;
        let (index, must_rebuild) = SearchIndex::open(&index_dir(data_dir))
            .map_err(|e| StartError::Search(e.to_string()))?;
        let search = Arc::new(index);
        let indexer = Indexer::start(store.clone(), search.clone(), must_rebuild)
            .map_err(|e| StartError::Search(e.to_string()))?;
        let k = Kontor {
            store,
            search,
            throttle: Throttle::default(),
            data_dir: data_dir.to_path_buf(),
            files: files::Blobs::new(data_dir),
            demo: None,
            indexer: Mutex::new(Some(indexer)),
        };
        // Made now, so the first unknown-user login costs what every other one does.
        std::sync::LazyLock::force(&crate::auth::password::DUMMY_HASH);
        k.store
            .write(crate::domain::crm::transfer::ensure_secret)
            .map_err(|e| StartError::Setup(e.to_string()))?;
        if !company::setup_required(&k).map_err(|e| StartError::Setup(e.to_string()))? {
            k.store
                .write(modules::seed)
                .map_err(|e| StartError::Setup(e.to_string()))?;
            crm::fill_contact_regions(&k).map_err(|e| StartError::Setup(e.to_string()))?;
        }
        Ok(k)
    }

    /// Stops the indexer and the writer, after the work already queued, and waits until the
    /// background imports have let go of the data file.
    pub fn shutdown(&self) {
        self.close();
        import::wait_for_workers(self, std::time::Duration::from_secs(30));
    }

    fn close(&self) {
        if let Some(mut indexer) = self.indexer.lock().ok().and_then(|mut i| i.take()) {
            indexer.stop();
        }
        self.store.close();
    }

    /// Applies every committed change to the search index now (tests, `kontor check`).
    pub fn index_now(&self) -> Result<u64, String> {
        let head = self
            .store
            .read(|tx| tx.outbox_last())
            .map_err(|e| e.to_string())?;
        crate::search::catch_up(&self.store, &self.search, head).map_err(|e| e.to_string())
    }

    /// Rebuilds the search index from the store.
    pub fn reindex(&self, progress: &mut dyn FnMut(u64)) -> Result<u64, String> {
        crate::search::rebuild(&self.store, &self.search, progress).map_err(|e| e.to_string())
    }

    /// Verifies the store, the attachments' blobs (present, hash intact), the stock balances
    /// against their ledger, and that the search index holds exactly the searchable records.
    ///
    /// The server may be writing meanwhile, so the comparison is made a few times, each against
    /// one snapshot with the index caught up to it; only differences seen every time count.
    pub fn check(&self) -> Result<crate::store::CheckReport, String> {
        let mut report = self.store.check().map_err(|e| e.to_string())?;
        files::check(self, &mut report)?;
        // Stock balances are kept beside the ledger: they must equal its sum.
        let stock = self
            .store
            .read(goods::stock::verify)
            .map_err(|e| e.to_string())?;
        report.problems.extend(
            stock
                .into_iter()
                .map(|p| format!("stock balance differs from its ledger: {p}")),
        );
        let mut persistent: Option<std::collections::BTreeSet<(String, u64, bool)>> = None;
        for _ in 0..3 {
            let diff = self.index_differences()?;
            persistent = Some(match persistent {
                None => diff,
                Some(before) => before.intersection(&diff).cloned().collect(),
            });
            if persistent.as_ref().is_some_and(|p| p.is_empty()) {
                break;
            }
        }
        let diff = persistent.unwrap_or_default();
        if !diff.is_empty() {
            let missing = diff.iter().filter(|d| d.2).count();
            report.problems.push(format!(
                "search index disagrees with the database: {missing} records missing, {} extra (run `kontor reindex`)",
                diff.len() - missing
            ));
        }
        Ok(report)
    }

    /// (kind, id, missing?) for every record the index lacks or has in excess, against one
    /// snapshot of the store.
    fn index_differences(&self) -> Result<std::collections::BTreeSet<(String, u64, bool)>, String> {
        let (expected, head) = self
            .store
            .read(|tx| {
                let mut keys = std::collections::BTreeSet::new();
                for ops in tx.registry().all() {
                    let mut ids = Vec::new();
                    tx.raw_records(ops.kind(), &mut |id, _| {
                        ids.push(id);
                        Ok(true)
                    })?;
                    for id in ids {
                        if ops.search_doc(tx, id)?.is_some() {
                            keys.insert((ops.kind().to_string(), id));
                        }
                    }
                }
                Ok::<_, crate::store::StoreError>((keys, tx.outbox_last()?))
            })
            .map_err(|e| e.to_string())?;
        crate::search::catch_up(&self.store, &self.search, head).map_err(|e| e.to_string())?;
        let indexed: std::collections::BTreeSet<(String, u64)> = self
            .search
            .all_keys()
            .map_err(|e| e.to_string())?
            .into_iter()
            .collect();
        let missing = expected
            .difference(&indexed)
            .map(|(k, id)| (k.clone(), *id, true));
        let extra = indexed
            .difference(&expected)
            .map(|(k, id)| (k.clone(), *id, false));
        Ok(missing.chain(extra).collect())
    }
}

impl Drop for Kontor {
    fn drop(&mut self) {
        // Not `shutdown`: the last holder may be an import worker itself.
        self.close();
    }
}

/// For PATCH bodies: an absent field is `None`, `null` is `Some(None)`, a value is `Some(Some(v))`.
pub mod patch_option {
    use serde::{Deserialize, Deserializer};

    pub fn deserialize<'de, D, T>(d: D) -> Result<Option<Option<T>>, D::Error>
    where
        D: Deserializer<'de>,
        T: Deserialize<'de>,
    {
        Option::<T>::deserialize(d).map(Some)
    }
}
