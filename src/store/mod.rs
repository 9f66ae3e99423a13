//! The store: every record, index, audit entry, session and setting in one redb file.
//!
//! Declare a record type with [`Entity`]; then `store.write(|tx| tx.insert(&actor, value))` and
//! `store.read(|tx| tx.get::<T>(id))`. All of a domain operation runs in one write transaction:
//! its indexes, audit entries and search-outbox entries commit with it or not at all.
//!
//! Writes go through one writer thread that groups concurrent transactions: each runs in its own
//! redb transaction committed without fsync, then one durable commit makes the whole group
//! durable before any caller is answered (group commit).

mod backup;
mod counts;
mod entity;
mod key;
mod registry;
mod tx;

use std::any::Any;
use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::sync::{Arc, Condvar, Mutex};

use redb::{Database, Durability, ReadableDatabase};

pub use backup::{BackupSummary, CheckReport, DB_FILE, restore_backup};
pub use entity::{Actor, Entity, IndexDef, Meta, Record};
pub use key::IndexKey;
pub use registry::{KindOps, Registry};
pub use tx::{
    AuditEntry, AuditEvent, Change, Page, SECRET_MARK, Signal, TrashItem, Tx, decode, encode,
    open_envelope,
};

/// Errors of the storage layer; converted to API errors once, in `error.rs`.
#[derive(Debug, Clone, thiserror::Error)]
pub enum StoreError {
    #[error("record not found")]
    NotFound,
    #[error("record is in the recycle bin")]
    Deleted,
    #[error("stale version (current {current})")]
    VersionConflict { current: u64 },
    #[error("unique index {index} already holds this key (record {existing})")]
    Unique {
        index: String,
        field: String,
        existing: u64,
    },
    #[error("disk full")]
    DiskFull,
    #[error("the store is closed")]
    Closed,
    #[error("damaged data: {0}")]
    Corrupt(String),
    #[error("storage error: {0}")]
    Internal(String),
}

impl StoreError {
    pub fn from_io(e: &std::io::Error) -> StoreError {
        match e.kind() {
            std::io::ErrorKind::StorageFull | std::io::ErrorKind::QuotaExceeded => {
                StoreError::DiskFull
            }
            _ if e.raw_os_error() == Some(28) => StoreError::DiskFull,
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

impl From<redb::StorageError> for StoreError {
    fn from(e: redb::StorageError) -> StoreError {
        match &e {
            redb::StorageError::Io(io) => StoreError::from_io(io),
            redb::StorageError::Corrupted(m) => StoreError::Corrupt(m.clone()),
            redb::StorageError::DatabaseClosed => StoreError::Closed,
            _ => StoreError::Internal(e.to_string()),
        }
    }
}

macro_rules! via_storage_error {
    ($($t:ty),*) => {$(
        impl From<$t> for StoreError {
            fn from(e: $t) -> StoreError {
                match e.into() {
                    redb::Error::Io(io) => StoreError::from_io(&io),
                    redb::Error::Corrupted(m) => StoreError::Corrupt(m),
                    redb::Error::DatabaseClosed => StoreError::Closed,
                    other => StoreError::Internal(other.to_string()),
                }
            }
        }
    )*};
}
via_storage_error!(
    redb::TableError,
    redb::TransactionError,
    redb::CommitError,
    redb::DatabaseError,
    redb::SetDurabilityError
);

pub type StoreResult<T> = Result<T, StoreError>;

/// Announced (`Store::announce`) when the server stops: live streams end so it can.
pub const STOPPING: &str = "stopping";

type Job = Box<dyn FnOnce(&mut Tx) -> Result<Box<dyn Any + Send>, Box<dyn Any + Send>> + Send>;
type Reply = mpsc::SyncSender<Result<Result<Box<dyn Any + Send>, Box<dyn Any + Send>>, StoreError>>;

/// The handle to the data file, cheap to clone.
#[derive(Clone)]
pub struct Store {
    inner: Arc<Inner>,
}

struct Inner {
    db: Arc<Database>,
    path: PathBuf,
    registry: Arc<Registry>,
    jobs: Mutex<Option<mpsc::Sender<(Job, Reply)>>>,
    writer: Mutex<Option<std::thread::JoinHandle<()>>>,
    /// The highest outbox id made durable, for the search indexer to wait on.
    outbox_head: Arc<(Mutex<u64>, Condvar)>,
    /// Signals of durable transactions (`Tx::signal`), for live listeners.
    signals: tokio::sync::broadcast::Sender<Signal>,
}

impl Drop for Inner {
    fn drop(&mut self) {
        self.jobs.lock().map(|mut j| j.take()).ok();
        if let Some(handle) = self.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

/// Options for opening the data file.
#[derive(Clone, Debug)]
pub struct OpenOptions {
    /// Verify every page's checksum on open (refuses a damaged file instead of trusting it).
    pub verify: bool,
    /// Where automatic backups before migrations go.
    pub backup_dir: Option<PathBuf>,
    /// Writes are refused (disk full) while the data directory's file system has less free
    /// space than this, so a full disk never catches the database in the middle of a commit.
    pub min_free_bytes: u64,
    /// Memory for redb's page cache. redb's own default (1 GiB) would let a large company's
    /// server grow far past what a shared office machine can spare; the upper levels of the
    /// trees, which every lookup touches, fit in much less.
    pub cache_bytes: usize,
}

/// The page cache by default: `KONTOR_CACHE_MB` (megabytes), else 64 MB.
pub fn default_cache_bytes() -> usize {
    std::env::var("KONTOR_CACHE_MB")
        .ok()
        .and_then(|v| v.parse::<usize>().ok())
        .unwrap_or(64)
        * 1024
        * 1024
}

/// The free space kept by default: `KONTOR_MIN_FREE_MB` (megabytes), else 64 MB.
pub fn default_min_free_bytes() -> u64 {
    std::env::var("KONTOR_MIN_FREE_MB")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .unwrap_or(64)
        * 1024
        * 1024
}

impl Default for OpenOptions {
    fn default() -> Self {
        OpenOptions {
            verify: true,
            backup_dir: None,
            min_free_bytes: default_min_free_bytes(),
            cache_bytes: default_cache_bytes(),
        }
    }
}

/// Why the data file could not be opened; each says what to do.
#[derive(Debug, thiserror::Error)]
pub enum OpenError {
    #[error("the data file {0} is in use by another Kontor process (is `kontor serve` running?)")]
    InUse(PathBuf),
    #[error(
        "the data file {path} is damaged ({detail}). Nothing was changed. Restore the latest backup with \
         `kontor restore --from BACKUP --data NEW_DIR` and start Kontor on NEW_DIR"
    )]
    Damaged { path: PathBuf, detail: String },
    #[error(
        "the data file {path} was written by a newer version of Kontor ({what}); install that version or newer"
    )]
    TooNew { path: PathBuf, what: String },
    #[error("cannot open {path}: {detail}")]
    Other { path: PathBuf, detail: String },
}

impl Store {
    /// Opens (or creates) the data file, runs pending migrations after an automatic backup, and
    /// starts the writer thread.
    pub fn open(path: &Path, registry: Registry, options: OpenOptions) -> Result<Store, OpenError> {
        let db = open_database(path, options.verify, options.cache_bytes)?;
        let store = Store::start(db, path, registry, options.min_free_bytes);
        store.migrate(options.backup_dir.as_deref())?;
        Ok(store)
    }

    /// Opens a store on another storage backend (tests simulate power loss with one). `path`
    /// only names the store in messages and places backups.
    pub fn open_with_backend(
        path: &Path,
        backend: impl redb::StorageBackend,
        registry: Registry,
        options: OpenOptions,
    ) -> Result<Store, OpenError> {
        let mut builder = Database::builder();
        builder.set_check_integrity_on_open(options.verify);
        builder.set_cache_size(options.cache_bytes);
        let db = builder
            .create_with_backend(backend)
            .map_err(|e| OpenError::Damaged {
                path: path.to_path_buf(),
                detail: e.to_string(),
            })?;
        // Not a file on a disk: no free-space guard.
        let store = Store::start(db, path, registry, 0);
        store.migrate(options.backup_dir.as_deref())?;
        Ok(store)
    }

    fn start(db: Database, path: &Path, registry: Registry, min_free_bytes: u64) -> Store {
        let db = Arc::new(db);
        let registry = Arc::new(registry);
        let outbox_head = Arc::new((Mutex::new(0u64), Condvar::new()));
        let (signals, _) = tokio::sync::broadcast::channel::<Signal>(1024);
        let (send, recv) = mpsc::channel::<(Job, Reply)>();
        let writer = {
            let db = db.clone();
            let registry = registry.clone();
            let head = outbox_head.clone();
            let signals = signals.clone();
            let guard = SpaceGuard {
                dir: path.parent().map(Path::to_path_buf),
                min_free_bytes,
            };
            std::thread::Builder::new()
                .name("kontor-writer".into())
                .spawn(move || writer_loop(&db, &registry, &recv, &head, &signals, &guard))
                .expect("the OS refused to start the writer thread")
        };
        let store = Store {
            inner: Arc::new(Inner {
                db,
                path: path.to_path_buf(),
                registry,
                jobs: Mutex::new(Some(send)),
                writer: Mutex::new(Some(writer)),
                outbox_head,
                signals,
            }),
        };
        if let Ok(head) = store.read(|tx| tx.outbox_last()) {
            *store
                .inner
                .outbox_head
                .0
                .lock()
                .unwrap_or_else(|p| p.into_inner()) = head;
        }
        store
    }

    pub fn path(&self) -> &Path {
        &self.inner.path
    }

    pub fn registry(&self) -> &Registry {
        &self.inner.registry
    }

    /// Runs `f` in a read snapshot.
    pub fn read<R, E: From<StoreError>>(
        &self,
        f: impl FnOnce(&Tx) -> Result<R, E>,
    ) -> Result<R, E> {
        let rtx = self.inner.db.begin_read().map_err(StoreError::from)?;
        let tx = Tx::read(rtx, self.inner.registry.clone());
        f(&tx)
    }

    /// Runs `f` in one write transaction and returns once its result is durable. If `f` fails,
    /// nothing it did is kept.
    pub fn write<R, E>(
        &self,
        f: impl FnOnce(&mut Tx) -> Result<R, E> + Send + 'static,
    ) -> Result<R, E>
    where
        R: Send + 'static,
        E: From<StoreError> + Send + 'static,
    {
        let job: Job = Box::new(move |tx| match f(tx) {
            Ok(r) => Ok(Box::new(r) as Box<dyn Any + Send>),
            Err(e) => Err(Box::new(e) as Box<dyn Any + Send>),
        });
        let (reply_send, reply_recv) = mpsc::sync_channel(1);
        {
            let jobs = self.inner.jobs.lock().unwrap_or_else(|p| p.into_inner());
            let Some(jobs) = jobs.as_ref() else {
                return Err(StoreError::Closed.into());
            };
            jobs.send((job, reply_send))
                .map_err(|_| StoreError::Closed)?;
        }
        match reply_recv.recv().map_err(|_| StoreError::Closed)? {
            Err(store_err) => Err(store_err.into()),
            Ok(Ok(value)) => Ok(*value
                .downcast::<R>()
                .expect("writer returns the job's own type")),
            Ok(Err(err)) => Err(*err
                .downcast::<E>()
                .expect("writer returns the job's own error type")),
        }
    }

    /// Listens for the signals (`Tx::signal`) of transactions made durable from now on. A
    /// listener that falls behind is told it lagged (and should re-read what it shows).
    pub fn subscribe(&self) -> tokio::sync::broadcast::Receiver<Signal> {
        self.inner.signals.subscribe()
    }

    /// Tells listeners something now, outside any transaction (e.g. [`STOPPING`]).
    pub fn announce(&self, topic: &'static str, key: u64) {
        let _ = self.inner.signals.send(Signal { topic, key });
    }

    /// Waits until the durable outbox head passes `after` or the timeout ends; returns the head.
    pub fn wait_outbox(&self, after: u64, timeout: std::time::Duration) -> u64 {
        let (lock, cvar) = &*self.inner.outbox_head;
        let guard = lock.lock().unwrap_or_else(|p| p.into_inner());
        let (guard, _) = cvar
            .wait_timeout_while(guard, timeout, |head| *head <= after)
            .unwrap_or_else(|p| p.into_inner());
        *guard
    }

    /// Runs store-format and per-kind schema migrations, each in its own transaction, after an
    /// automatic backup. Refuses data written by a newer Kontor.
    fn migrate(&self, backup_dir: Option<&Path>) -> Result<(), OpenError> {
        let path = self.inner.path.clone();
        let other = |e: StoreError| OpenError::Other {
            path: path.clone(),
            detail: e.to_string(),
        };
        let pending = self
            .read(|tx| {
                let mut pending = Vec::new();
                let format = tx.meta_u64("format")?.unwrap_or(0);
                if format > FORMAT_VERSION {
                    return Ok(Err(format!("store format {format}")));
                }
                for ops in self.inner.registry.all() {
                    let stored = tx.meta_u64(&format!("schema:{}", ops.kind()))?.unwrap_or(0);
                    if stored > ops.schema_version() as u64 {
                        return Ok(Err(format!("{} schema {stored}", ops.kind())));
                    }
                    if stored != ops.schema_version() as u64 {
                        pending.push((ops.kind(), stored));
                    }
                }
                Ok::<_, StoreError>(Ok((format, pending)))
            })
            .map_err(other)?;
        let (format, pending) = pending.map_err(|what| OpenError::TooNew {
            path: path.clone(),
            what,
        })?;
        let needs_data_migration = pending.iter().any(|(_, stored)| *stored != 0);
        if needs_data_migration && let Some(dir) = backup_dir {
            let file = dir.join(format!(
                "before-migration-{}.tar",
                chrono::Utc::now().format("%Y%m%d-%H%M%S")
            ));
            std::fs::create_dir_all(dir).map_err(|e| other(StoreError::Internal(e.to_string())))?;
            self.backup_to(&file, None).map_err(other)?;
            tracing::info!("backed up to {} before migrating", file.display());
        }
        for step in format..FORMAT_VERSION {
            self.write(move |tx| {
                FORMAT_MIGRATIONS[step as usize](tx)?;
                tx.set_meta_u64("format", step + 1)
            })
            .map_err(other)?;
        }
        for (kind, stored) in pending {
            self.write(move |tx| {
                if stored != 0 {
                    tracing::info!("migrating {kind} records from schema {stored}");
                    tx.rewrite_kind(kind)?;
                }
                let version = tx
                    .registry()
                    .get(kind)
                    .map(|o| o.schema_version())
                    .unwrap_or(1);
                tx.set_meta_u64(&format!("schema:{kind}"), version as u64)
            })
            .map_err(other)?;
        }
        Ok(())
    }

    /// Writes a consistent snapshot of the whole store (and attachment files) to `to`, while
    /// writers go on. `progress` is told each table as it is copied.
    pub fn backup_to(
        &self,
        to: &Path,
        progress: Option<&dyn Fn(&str)>,
    ) -> StoreResult<backup::BackupSummary> {
        backup::backup(self, to, progress)
    }

    /// Verifies that every record decodes and that every index agrees with the records.
    pub fn check(&self) -> StoreResult<CheckReport> {
        backup::check(self)
    }

    pub(crate) fn database(&self) -> &Database {
        &self.inner.db
    }

    /// Stops the writer after the jobs already queued.
    pub fn close(&self) {
        self.inner.jobs.lock().map(|mut j| j.take()).ok();
        if let Some(handle) = self.inner.writer.lock().ok().and_then(|mut w| w.take()) {
            let _ = handle.join();
        }
    }
}

/// The layout of the store itself (tables, envelope). Bump with a step in `FORMAT_MIGRATIONS`.
const FORMAT_VERSION: u64 = 2;
/// Step `i` migrates format `i` to `i + 1`; step 0 initialises a new file.
const FORMAT_MIGRATIONS: &[fn(&mut Tx) -> StoreResult<()>] =
    &[|_tx| Ok(()), |tx| tx.count_live_records()];

fn open_database(path: &Path, verify: bool, cache_bytes: usize) -> Result<Database, OpenError> {
    if let Some(parent) = path.parent() {
        std::fs::create_dir_all(parent).map_err(|e| OpenError::Other {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
    }
    let path_buf = path.to_path_buf();
    // A damaged file can make redb's debug assertions panic; treat that as damage, not a crash.
    let opened = std::panic::catch_unwind(move || {
        let mut builder = Database::builder();
        builder.set_check_integrity_on_open(verify);
        builder.set_cache_size(cache_bytes);
        builder.create(&path_buf)
    });
    match opened {
        Ok(Ok(db)) => Ok(db),
        Ok(Err(redb::DatabaseError::DatabaseAlreadyOpen)) => {
            Err(OpenError::InUse(path.to_path_buf()))
        }
        Ok(Err(redb::DatabaseError::Storage(redb::StorageError::Corrupted(detail)))) => {
            Err(OpenError::Damaged {
                path: path.to_path_buf(),
                detail,
            })
        }
        Ok(Err(redb::DatabaseError::Storage(redb::StorageError::Io(io))))
            if io.kind() == std::io::ErrorKind::InvalidData =>
        {
            Err(OpenError::Damaged {
                path: path.to_path_buf(),
                detail: io.to_string(),
            })
        }
        Ok(Err(redb::DatabaseError::UpgradeRequired(v))) => Err(OpenError::TooNew {
            path: path.to_path_buf(),
            what: format!("redb file format {v}"),
        }),
        Ok(Err(e)) => Err(OpenError::Other {
            path: path.to_path_buf(),
            detail: e.to_string(),
        }),
        Err(_) => Err(OpenError::Damaged {
            path: path.to_path_buf(),
            detail: "unreadable page".into(),
        }),
    }
}

/// Refuses writes while the data directory's file system is nearly full.
struct SpaceGuard {
    dir: Option<PathBuf>,
    min_free_bytes: u64,
}

impl SpaceGuard {
    fn has_room(&self) -> bool {
        let Some(dir) = &self.dir else { return true };
        if self.min_free_bytes == 0 {
            return true;
        }
        match rustix::fs::statvfs(dir.as_path()) {
            Ok(st) => st.f_bavail.saturating_mul(st.f_frsize) >= self.min_free_bytes,
            // Cannot tell: let the write try.
            Err(_) => true,
        }
    }
}

/// Runs jobs in groups: each in its own non-durable transaction, then one durable commit for the
/// group, then the answers. A lone job commits durably by itself.
fn writer_loop(
    db: &Database,
    registry: &Arc<Registry>,
    jobs: &mpsc::Receiver<(Job, Reply)>,
    head: &(Mutex<u64>, Condvar),
    signals: &tokio::sync::broadcast::Sender<Signal>,
    guard: &SpaceGuard,
) {
    const MAX_GROUP: usize = 128;
    while let Ok(first) = jobs.recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match jobs.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        if !guard.has_room() {
            tracing::warn!(
                "the data directory's disk is nearly full; refusing {} writes",
                group.len()
            );
            for (_, reply) in group {
                let _ = reply.send(Err(StoreError::DiskFull));
            }
            continue;
        }
        let durable_each = group.len() == 1;
        let mut answers = Vec::with_capacity(group.len());
        let mut committed_any = false;
        let mut outbox_last = 0;
        let mut raised = Vec::new();
        for (job, reply) in group {
            let outcome = run_job(db, registry, job, durable_each);
            if let Ok((Ok(_), last, s)) = outcome.as_ref().map(|o| (&o.0, o.1, &o.2)) {
                committed_any = true;
                outbox_last = outbox_last.max(last);
                raised.extend(s.iter().copied());
            }
            answers.push((reply, outcome.map(|(r, _, _)| r)));
        }
        if committed_any && !durable_each {
            let flush = db
                .begin_write()
                .map_err(StoreError::from)
                .and_then(|tx| tx.commit().map_err(StoreError::from));
            if let Err(e) = flush {
                tracing::error!("group commit failed: {e}");
                for (_, answer) in answers.iter_mut() {
                    if matches!(answer, Ok(Ok(_))) {
                        *answer = Err(e.clone());
                    }
                }
                outbox_last = 0;
                raised.clear();
            }
        }
        for s in raised {
            // Nobody listening is fine.
            let _ = signals.send(s);
        }
        if outbox_last > 0 {
            let (lock, cvar) = head;
            let mut h = lock.lock().unwrap_or_else(|p| p.into_inner());
            *h = (*h).max(outbox_last);
            cvar.notify_all();
        }
        for (reply, answer) in answers {
            let _ = reply.send(answer);
        }
    }
}

type JobOutcome = Result<
    (
        Result<Box<dyn Any + Send>, Box<dyn Any + Send>>,
        u64,
        Vec<Signal>,
    ),
    StoreError,
>;

fn run_job(db: &Database, registry: &Arc<Registry>, job: Job, durable: bool) -> JobOutcome {
    let mut wtx = db.begin_write()?;
    if !durable {
        wtx.set_durability(Durability::None)?;
    }
    // The Tx (and the tables it holds open) ends before the commit.
    let (result, outbox_last, signals) = {
        let mut tx = Tx::write(&wtx, registry.clone());
        let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| job(&mut tx)));
        (result, tx.outbox_written(), tx.take_signals())
    };
    match result {
        Ok(Ok(value)) => {
            wtx.commit()?;
            Ok((Ok(value), outbox_last, signals))
        }
        Ok(Err(err)) => {
            let _ = wtx.abort();
            Ok((Err(err), 0, Vec::new()))
        }
        Err(_) => {
            let _ = wtx.abort();
            Err(StoreError::Internal(
                "a write operation panicked; nothing was written".into(),
            ))
        }
    }
}

#[cfg(test)]
mod tests;
