//! The background workers of commits and reverts: at most one per import in this process, each
//! holding the application only while it writes, so a server that stops closes its data file at
//! once. An import whose stored status says running without a worker here was interrupted; its
//! end (done, failed, reverted) is recorded by the worker when it finishes.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex, Weak};

use crate::auth::Principal;
use crate::domain::Kontor;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::store::Record;

use super::record::{Import, ImportStatus};

/// Live workers of this process, by data directory and import id.
static WORKERS: LazyLock<Mutex<HashSet<(PathBuf, u64)>>> = LazyLock::new(Default::default);

fn is_working(k: &Kontor, id: u64) -> bool {
    WORKERS
        .lock()
        .map(|w| w.contains(&(k.data_dir.clone(), id)))
        .unwrap_or(false)
}

/// Waits (at most `timeout`) until this application's import and revert workers have ended.
/// Once the store is closed they stop at their next write, but one may still be finishing a
/// batch and holding the data file, which cannot be opened again until it lets go.
pub fn wait_for_workers(k: &Kontor, timeout: std::time::Duration) {
    let start = std::time::Instant::now();
    while start.elapsed() < timeout {
        let busy = WORKERS
            .lock()
            .map(|w| w.iter().any(|(dir, _)| *dir == k.data_dir))
            .unwrap_or(false);
        if !busy {
            return;
        }
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}

/// The status to show: running or reverting without a worker means interrupted.
pub(super) fn status_of(k: &Kontor, id: u64, stored: ImportStatus) -> ImportStatus {
    match stored {
        ImportStatus::Running | ImportStatus::Reverting if !is_working(k, id) => {
            ImportStatus::Interrupted
        }
        s => s,
    }
}

pub(super) fn state_conflict(zh: &'static str, en: &'static str) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
}

/// The application, while it runs.
pub(super) fn live(k: &Weak<Kontor>) -> AppResult<Arc<Kontor>> {
    k.upgrade()
        .ok_or_else(|| AppError::new(ErrorCode::Unavailable))
}

/// Runs `work` for import `id` on a thread of its own: `start` (in the caller's thread, with the
/// import claimed so no second worker starts) marks the import as running or reverting and says
/// what `work` needs to know; once `work` ends, its outcome is recorded as `done` (or the
/// failure). Answers the started record.
pub(super) fn spawn<S: Send + 'static>(
    k: &Arc<Kontor>,
    p: &Principal,
    id: u64,
    name: &str,
    done: ImportStatus,
    start: impl FnOnce() -> AppResult<(Record<Import>, S)>,
    work: impl FnOnce(&Weak<Kontor>, &Principal, S) -> AppResult<()> + Send + 'static,
) -> AppResult<Record<Import>> {
    let key = (k.data_dir.clone(), id);
    {
        let mut workers = WORKERS.lock().map_err(AppError::internal)?;
        if !workers.insert(key.clone()) {
            return Err(state_conflict(
                "这次导入正在处理中。",
                "This import is being processed right now.",
            ));
        }
    }
    let (record, started) = match start() {
        Ok(r) => r,
        Err(e) => {
            release(&key);
            return Err(e);
        }
    };
    let principal = p.clone();
    let weak = Arc::downgrade(k);
    let worker = key.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("kontor-{name}-{id}"))
        .spawn(move || {
            let result = work(&weak, &principal, started);
            if let Some(k) = weak.upgrade() {
                finish(&k, &principal, id, result, done);
            }
            release(&worker);
        });
    if let Err(e) = spawned {
        release(&key);
        return Err(AppError::internal(e));
    }
    Ok(record)
}

fn release(key: &(PathBuf, u64)) {
    if let Ok(mut w) = WORKERS.lock() {
        w.remove(key);
    }
}

fn finish(k: &Kontor, p: &Principal, id: u64, result: AppResult<()>, done: ImportStatus) {
    let actor = p.actor();
    let outcome = k.store.write(move |tx| {
        let now = tx.now();
        tx.update::<Import, AppError>(&actor, id, None, |i| {
            match &result {
                Ok(()) => {
                    i.status = done;
                    if done == ImportStatus::Reverted {
                        i.reverted_at = Some(now);
                    } else {
                        i.finished_at = Some(now);
                    }
                }
                Err(e) => {
                    i.status = if done == ImportStatus::Reverted {
                        ImportStatus::Done
                    } else {
                        ImportStatus::Failed
                    };
                    i.failure = Some((e.msg.zh.to_string(), e.msg.en.to_string()));
                }
            }
            Ok(())
        })
    });
    if let Err(e) = outcome {
        // The store is closing: the import shows as interrupted and can be continued.
        tracing::warn!("import {id}: could not record its end: {e}");
    }
}
