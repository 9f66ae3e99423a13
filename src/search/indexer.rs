//! Feeds the search index from the store's outbox: batches, at most about one commit a second,
//! replaying whatever the index missed (after a crash or restart) before serving.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use super::{SearchDoc, SearchIndex};
use crate::store::{Store, StoreError};

const BATCH: usize = 5_000;
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
    while applied < upto {
        let batch: Vec<(String, u64, Option<SearchDoc>)>;
        let last;
        {
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
            if entries.is_empty() {
                // Trimmed entries below `upto` (or a gap): nothing left to apply.
                index.apply(&[], upto)?;
                return Ok(upto);
            }
            last = entries.last().map(|e| e.0).unwrap_or(upto);
            batch = docs;
        }
        index.apply(&batch, last)?;
        applied = last;
    }
    Ok(applied)
}

/// Rebuilds the index from every record in the store. `progress` gets the count so far.
pub fn rebuild(
    store: &Store,
    index: &SearchIndex,
    progress: &mut dyn FnMut(u64),
) -> Result<u64, IndexerError> {
    let (docs, head) = store.read(|tx| {
        let head = tx.outbox_last()?;
        let mut docs = Vec::new();
        for ops in tx.registry().all() {
            let mut ids = Vec::new();
            tx.raw_records(ops.kind(), &mut |id, _| {
                ids.push(id);
                Ok(true)
            })?;
            for id in ids {
                if let Some(doc) = ops.search_doc(tx, id)? {
                    docs.push((ops.kind().to_string(), id, doc));
                }
            }
        }
        Ok::<_, StoreError>((docs, head))
    })?;
    Ok(index.replace_all(&mut docs.into_iter(), head, progress)?)
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
