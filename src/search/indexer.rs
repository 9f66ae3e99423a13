//! Feeds the search index from the store's outbox: batches, at most about one commit a second,
//! replaying whatever the index missed (after a crash or restart) before serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::SearchIndex;
use crate::store::{Store, StoreError};

const BATCH: usize = 5_000;
/// A long catch-up commits after this many documents (a checkpoint if it is interrupted).
const COMMIT_EVERY: usize = 100_000;
/// A catch-up this long is followed by merging the segments into one.
const COMPACT_AFTER: usize = 50_000;
const COMMIT_INTERVAL: Duration = Duration::from_millis(1_000);
/// Applied outbox entries are trimmed at most this often.
const TRIM_INTERVAL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum IndexerError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Search(#[from] super::SearchError),
}

/// Applies outbox entries after the index's position, up to `upto` (made durable), in batches.
/// Returns the new position.
pub fn catch_up(store: &Store, index: &SearchIndex, upto: u64) -> Result<u64, IndexerError> {
    let mut applied = index.applied()?;
    let mut staged = 0usize;
    let mut total = 0usize;
    while applied < upto {
        let (entries, docs) = store.read(|tx| {
            let entries: Vec<_> = tx
                .outbox_since(applied, BATCH)?
                .into_iter()
                .filter(|(seq, _, _)| *seq <= upto)
                .collect();
            let mut docs = Vec::with_capacity(entries.len());
            for (_, kind, id) in &entries {
                let doc = match tx.registry().get(kind) {
                    Some(ops) => ops.search_doc(tx, *id)?,
                    None => None,
                };
                docs.push((kind.clone(), *id, doc));
            }
            Ok::<_, StoreError>((entries, docs))
        })?;
        let Some(last) = entries.last().map(|e| e.0) else {
            // Trimmed entries below `upto` (or a gap): nothing left to apply.
            applied = upto;
            break;
        };
        index.stage(&docs)?;
        staged += docs.len();
        total += docs.len();
        applied = last;
        if staged >= COMMIT_EVERY {
            index.commit(applied)?;
            staged = 0;
        }
    }
    index.commit(applied)?;
    if total >= COMPACT_AFTER {
        index.compact()?;
    }
    Ok(applied)
}

/// Rebuilds the index from every record in the store. `progress` gets the count so far.
/// Records are read in chunks, each in its own read transaction, so memory stays bounded
/// however large the company; changes made meanwhile are replayed from the outbox after
/// `head`, which is read first.
pub fn rebuild(
    store: &Store,
    index: &SearchIndex,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, IndexerError> {
    let head = store.read(|tx| tx.outbox_last())?;
    index.clear()?;
    let kinds: Vec<String> = store
        .registry()
        .all()
        .map(|ops| ops.kind().to_string())
        .collect();
    let mut n = 0u64;
    for kind in kinds {
        let mut after = 0u64;
        loop {
            let docs = store.read(|tx| {
                let ops = tx.registry().require(&kind)?;
                let mut ids = Vec::new();
                tx.raw_records_after(&kind, after, &mut |id, _| {
                    ids.push(id);
                    Ok(ids.len() < BATCH)
                })?;
                let mut docs = Vec::with_capacity(ids.len());
                for id in &ids {
                    docs.push((kind.clone(), *id, ops.search_doc(tx, *id)?));
                }
                Ok::<_, StoreError>(docs)
            })?;
            let Some(last) = docs.last().map(|d| d.1) else {
                break;
            };
            after = last;
            let found: Vec<_> = docs.into_iter().filter(|d| d.2.is_some()).collect();
            n += found.len() as u64;
            index.stage(&found)?;
            progress(n);
        }
    }
    index.commit(head)?;
    index.compact()?;
    Ok(n)
}

/// The background indexer thread.
pub struct Indexer {
    stop: Arc<AtomicBool>,
    handle: Option<JoinHandle<()>>,
}

impl Indexer {
    /// Brings the index up to date (rebuilding when asked or when it is ahead of the store, as
    /// after a restore), then follows the outbox in the background.
    pub fn start(
        store: Store,
        index: Arc<SearchIndex>,
        must_rebuild: bool,
    ) -> Result<Indexer, IndexerError> {
        let head = store.read(|tx| tx.outbox_last())?;
        if must_rebuild || index.applied()? > head {
            let started = Instant::now();
            let n = rebuild(&store, &index, &mut |n| {
                tracing::info!("search index: {n} records indexed")
            })?;
            tracing::info!(
                "search index rebuilt: {n} records in {:.1}s",
                started.elapsed().as_secs_f32()
            );
        } else {
            let from = index.applied()?;
            if from < head {
                catch_up(&store, &index, head)?;
                tracing::info!("search index caught up from {from} to {head}");
            }
        }
        let stop = Arc::new(AtomicBool::new(false));
        let handle = {
            let stop = stop.clone();
            std::thread::Builder::new()
                .name("kontor-indexer".into())
                .spawn(move || follow(&store, &index, &stop))
                .map_err(|e| IndexerError::Store(StoreError::Internal(e.to_string())))?
        };
        Ok(Indexer {
            stop,
            handle: Some(handle),
        })
    }

    pub fn stop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

impl Drop for Indexer {
    fn drop(&mut self) {
        self.stop();
    }
}

fn follow(store: &Store, index: &SearchIndex, stop: &AtomicBool) {
    let mut last_commit = Instant::now() - COMMIT_INTERVAL;
    let mut last_trim = Instant::now();
    while !stop.load(Ordering::SeqCst) {
        let applied = match index.applied() {
            Ok(a) => a,
            Err(e) => {
                tracing::error!("search index unreadable: {e}");
                std::thread::sleep(COMMIT_INTERVAL);
                continue;
            }
        };
        let head = store.wait_outbox(applied, Duration::from_millis(250));
        if head <= applied {
            continue;
        }
        let since = last_commit.elapsed();
        if since < COMMIT_INTERVAL {
            std::thread::sleep(COMMIT_INTERVAL - since);
        }
        // Read the head again: more may have arrived while waiting, and all of it goes in.
        let head = store.wait_outbox(u64::MAX, Duration::ZERO);
        match catch_up(store, index, head) {
            Ok(done) => {
                last_commit = Instant::now();
                if last_trim.elapsed() >= TRIM_INTERVAL {
                    last_trim = Instant::now();
                    if let Err(e) = store.write(move |tx| tx.outbox_trim(done)) {
                        tracing::warn!("could not trim the search outbox: {e}");
                    }
                }
            }
            Err(e) => {
                tracing::error!("search indexing failed, will retry: {e}");
                std::thread::sleep(COMMIT_INTERVAL);
            }
        }
    }
}
