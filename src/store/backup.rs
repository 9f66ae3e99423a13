//! Online backup (a consistent snapshot while writers go on), restore into an empty directory,
//! and the consistency check.

use std::collections::BTreeMap;
use std::fs::File;
use std::io::Write;
use std::ops::Bound;
use std::path::{Path, PathBuf};

use redb::{Database, ReadableDatabase, TableDefinition};

use super::{Store, StoreError, StoreResult, Tx};

/// What a backup holds.
#[derive(Debug, Clone)]
pub struct BackupSummary {
    pub path: PathBuf,
    pub tables: usize,
    pub entries: u64,
    pub files: u64,
    pub bytes: u64,
}

/// The name of the database inside a backup archive and a data directory.
pub const DB_FILE: &str = "kontor.redb";
const FILES_DIR: &str = "files";

fn io(e: std::io::Error) -> StoreError {
    StoreError::from_io(&e)
}

pub(super) fn backup(
    store: &Store,
    to: &Path,
    progress: Option<&dyn Fn(&str)>,
) -> StoreResult<BackupSummary> {
    let work = to.with_extension("partial.d");
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work).map_err(io)?;
    let result = write_backup(store, to, &work, progress);
    let _ = std::fs::remove_dir_all(&work);
    result
}

fn write_backup(
    store: &Store,
    to: &Path,
    work: &Path,
    progress: Option<&dyn Fn(&str)>,
) -> StoreResult<BackupSummary> {
    // A read snapshot: writers go on, the copy sees one instant.
    let snapshot = Tx::read(store.database().begin_read()?, store.inner.registry.clone());
    // The copy is written once and never read back here: a small cache keeps the server's
    // memory flat while it runs.
    let copy = Database::builder()
        .set_cache_size(16 * 1024 * 1024)
        .create(work.join(DB_FILE))?;
    let mut entries = 0u64;
    let names = snapshot.table_names()?;
    for name in &names {
        if let Some(p) = progress {
            p(name);
        }
        let mut batch: Vec<(Vec<u8>, Vec<u8>)> = Vec::new();
        let flush = |batch: &mut Vec<(Vec<u8>, Vec<u8>)>| -> StoreResult<()> {
            let wtx = copy.begin_write()?;
            {
                let mut t = wtx.open_table(TableDefinition::<&[u8], &[u8]>::new(name))?;
                for (k, v) in batch.drain(..) {
                    t.insert(k.as_slice(), v.as_slice())?;
                }
            }
            wtx.commit()?;
            Ok(())
        };
        snapshot.raw_scan(
            name,
            Bound::Unbounded,
            Bound::Unbounded,
            false,
            &mut |k, v| {
                batch.push((k.to_vec(), v.to_vec()));
                entries += 1;
                if batch.len() >= 20_000 {
                    flush(&mut batch)?;
                }
                Ok(true)
            },
        )?;
        flush(&mut batch)?;
    }
    drop(snapshot);
    drop(copy);

    let partial = to.with_extension("partial");
    if let Some(parent) = to.parent() {
        std::fs::create_dir_all(parent).map_err(io)?;
    }
    let file = File::create(&partial).map_err(io)?;
    let mut archive = tar::Builder::new(file);
    archive
        .append_path_with_name(work.join(DB_FILE), DB_FILE)
        .map_err(io)?;
    let mut files = 0u64;
    let files_dir = store.path().parent().map(|d| d.join(FILES_DIR));
    if let Some(dir) = files_dir.filter(|d| d.is_dir()) {
        for entry in walk(&dir).map_err(io)? {
            let rel = entry.strip_prefix(&dir).unwrap_or(&entry);
            archive
                .append_path_with_name(&entry, Path::new(FILES_DIR).join(rel))
                .map_err(io)?;
            files += 1;
        }
    }
    let mut file = archive.into_inner().map_err(io)?;
    file.flush().map_err(io)?;
    file.sync_all().map_err(io)?;
    std::fs::rename(&partial, to).map_err(io)?;
    let bytes = std::fs::metadata(to).map_err(io)?.len();
    Ok(BackupSummary {
        path: to.to_path_buf(),
        tables: names.len(),
        entries,
        files,
        bytes,
    })
}

fn walk(dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir)? {
        let path = entry?.path();
        if path.is_dir() {
            out.extend(walk(&path)?);
        } else {
            out.push(path);
        }
    }
    out.sort();
    Ok(out)
}

/// Unpacks a backup into `data_dir`, which must be empty or absent. Returns the database path.
pub fn restore_backup(from: &Path, data_dir: &Path) -> Result<PathBuf, String> {
    if data_dir.exists() {
        let mut entries = std::fs::read_dir(data_dir)
            .map_err(|e| format!("cannot read {}: {e}", data_dir.display()))?;
        if entries.next().is_some() {
            return Err(format!(
                "{} is not empty; restore only into an empty or new directory, so nothing is overwritten",
                data_dir.display()
            ));
        }
    }
    std::fs::create_dir_all(data_dir)
        .map_err(|e| format!("cannot create {}: {e}", data_dir.display()))?;
    let file =
        File::open(from).map_err(|e| format!("cannot open the backup {}: {e}", from.display()))?;
    let mut archive = tar::Archive::new(file);
    let mut has_db = false;
    let entries = archive
        .entries()
        .map_err(|e| format!("{} is not a Kontor backup: {e}", from.display()))?;
    for entry in entries {
        let mut entry = entry.map_err(|e| format!("the backup is damaged: {e}"))?;
        let path = entry
            .path()
            .map_err(|e| format!("the backup is damaged: {e}"))?
            .into_owned();
        let allowed = path == Path::new(DB_FILE) || path.starts_with(FILES_DIR);
        if !allowed {
            return Err(format!(
                "the backup holds an unexpected entry {}",
                path.display()
            ));
        }
        has_db |= path == Path::new(DB_FILE);
        let unpacked = entry
            .unpack_in(data_dir)
            .map_err(|e| format!("cannot unpack {}: {e}", path.display()))?;
        if !unpacked {
            return Err(format!(
                "the backup entry {} points outside the data directory",
                path.display()
            ));
        }
    }
    if !has_db {
        return Err(format!(
            "{} holds no {DB_FILE}; it is not a Kontor backup",
            from.display()
        ));
    }
    Ok(data_dir.join(DB_FILE))
}

/// The result of `kontor check` for the store.
#[derive(Debug, Clone, Default)]
pub struct CheckReport {
    pub records: BTreeMap<String, u64>,
    pub problems: Vec<String>,
    /// Findings that need no repair (e.g. unreferenced files), printed but not failing.
    pub notes: Vec<String>,
}

pub(super) fn check(store: &Store) -> StoreResult<CheckReport> {
    store.read(|tx| {
        let mut report = CheckReport::default();
        for ops in tx.registry().all() {
            let (count, problems) = ops.check(tx)?;
            report.records.insert(ops.kind().to_string(), count);
            report.problems.extend(problems);
        }
        Ok(report)
    })
}
