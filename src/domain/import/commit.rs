//! The commit: in the background, rows planned exactly as the dry run plans them and written in
//! batches of [`BATCH`] rows, one transaction per batch with its progress, its report entries
//! and its undo entries, so a batch is written whole or not at all.
//!
//! A reader thread plans each batch on a read snapshot (the duplicate check is most of an
//! import's work) while a writer thread writes the batch before it. When someone else wrote
//! since a batch was planned, its new records are checked again in the writing transaction, so a
//! record created a moment ago still counts. Rows with errors are skipped and reported. If the
//! server stops, the import shows `interrupted`; committing again continues after the last
//! written batch, the rows written before counting as earlier rows as they did then.

use std::sync::mpsc::{Receiver, Sender};
use std::sync::{Arc, Mutex, Weak};

use crate::auth::{Principal, Scope};
use crate::domain::Kontor;
use crate::error::{AppError, AppResult};
use crate::store::Tx;

use super::access::{ImportView, find, may_import_any, view};
use super::options::{ImportOptions, resolve};
use super::plan::{PassState, Plan, Planned, plan};
use super::reader;
use super::record::{Import, ImportStatus, entry_key, progress, put_progress};
use super::report::store_issues;
use super::row::{Pass, Prepared, prepare};
use super::target::{ImportTarget, Memory, Undo};
use super::upload::{file_error, file_path};
use super::workers::{live, spawn, state_conflict};

/// Rows written per transaction.
pub const BATCH: usize = 1000;

pub(super) const KV_UNDO: &str = "import_undo";

/// Starts (or continues) the commit in the background and returns at once; follow it with
/// [`get`](super::get). Options are those of the dry run; a continued commit keeps its first
/// options.
pub fn commit(
    k: Arc<Kontor>,
    p: &Principal,
    id: u64,
    options: ImportOptions,
) -> AppResult<ImportView> {
    may_import_any(p)?;
    let found = k.store.read(|tx| find(tx, p, id))?;
    let (target, scope) = (found.target, found.scope);
    let start = || {
        let resolved = k.store.read(|tx| {
            let r = find(tx, p, id)?.record;
            match r.data.status {
                ImportStatus::Uploaded => resolve(tx, p, scope, target, &r.data, options).map(Some),
                ImportStatus::Running | ImportStatus::Failed => Ok(None),
                _ => Err(state_conflict(
                    "这次导入已完成或已撤销，不能再提交。",
                    "This import is already done or reverted; it cannot be committed again.",
                )),
            }
        })?;
        let actor = p.actor();
        let r = k.store.write(move |tx| {
            let now = tx.now();
            tx.update::<Import, AppError>(&actor, id, None, |i| {
                if let Some(o) = resolved {
                    i.options = Some(o);
                    i.started_at = Some(now);
                }
                i.status = ImportStatus::Running;
                i.failure = None;
                Ok(())
            })
        })?;
        Ok((r, ()))
    };
    let run = target.commit;
    let record = spawn(
        &k,
        p,
        id,
        "import",
        ImportStatus::Done,
        start,
        move |weak, p, ()| run(weak, p, scope, id),
    )?;
    k.store.read(|tx| view(&k, tx, record, p.lang))
}

/// A batch planned on a read snapshot, to be written.
struct PlannedBatch<T: ImportTarget> {
    rows: Vec<(Prepared<T>, Planned)>,
    /// The last change the snapshot had seen.
    as_of: u64,
    /// Records this import created before an interruption, learnt since the last batch.
    resumed_own: Vec<u64>,
}

/// Plans a batch on a snapshot, outside the one writer thread.
fn plan_batch<T: ImportTarget>(
    k: &Kontor,
    pass: &Pass<T>,
    st: &mut PassState<T>,
    batch: Vec<Prepared<T>>,
    resumed_own: Vec<u64>,
) -> AppResult<PlannedBatch<T>> {
    k.store.read(|tx| {
        st.memory.new_snapshot();
        let as_of = tx.outbox_last()?;
        let mut rows = Vec::with_capacity(batch.len());
        for p in batch {
            let planned = plan(tx, pass, st, &p)?;
            rows.push((p, planned));
        }
        Ok(PlannedBatch {
            rows,
            as_of,
            resumed_own,
        })
    })
}

/// What the writer keeps from batch to batch.
struct WriterState<T: ImportTarget> {
    /// For checking again when someone else wrote since a batch was planned.
    memory: T::Memory,
    /// The outbox ranges (after, up to] of this import's own transactions.
    ours: Vec<(u64, u64)>,
}

/// Whether every change in (`after`, `upto`] is one of `ours`.
fn only_ours(ours: &[(u64, u64)], after: u64, upto: u64) -> bool {
    let mut cursor = after;
    for &(from, to) in ours {
        if from <= cursor && to > cursor {
            cursor = to;
        }
    }
    cursor >= upto
}

/// Writes one planned batch in one transaction. When someone else changed records since the
/// batch was planned, its creates are checked again first.
fn write_batch<T: ImportTarget>(
    k: &Kontor,
    pass: &Arc<Pass<T>>,
    ws: &Arc<Mutex<WriterState<T>>>,
    id: u64,
    batch: PlannedBatch<T>,
    created: Sender<u64>,
) -> AppResult<()> {
    let (pass, ws) = (pass.clone(), ws.clone());
    k.store.write(move |tx| {
        let mut ws = ws.lock().map_err(AppError::internal)?;
        let ws = &mut *ws;
        let start = tx.outbox_last()?;
        let foreign = !only_ours(&ws.ours, batch.as_of, start);
        ws.memory.new_snapshot();
        for own in &batch.resumed_own {
            ws.memory.own(*own);
        }
        let mut progress = progress(tx, id)?;
        let actor = pass.principal.actor();
        let mut shared = T::batch(tx)?;
        for (p, mut planned) in batch.rows {
            if foreign && planned.plan == Plan::Create {
                T::recheck(tx, &pass, &mut ws.memory, &p, &mut planned)?;
            }
            let row = p.row;
            match planned.plan {
                Plan::Create | Plan::Update(_) => {
                    let undo = T::write(tx, &actor, &mut shared, p, planned.plan)?;
                    if undo.created() {
                        ws.memory.own(undo.record());
                        // Told before the commit, so a plan on any later snapshot leaves it out.
                        let _ = created.send(undo.record());
                        progress.created += 1;
                    } else {
                        progress.updated += 1;
                    }
                    if !planned.issues.is_empty() {
                        progress.warnings += 1;
                    }
                    let v = serde_json::to_vec(&undo).map_err(AppError::internal)?;
                    tx.kv_put(KV_UNDO, &entry_key(id, row), &v)?;
                }
                Plan::Skip => progress.skipped += 1,
            }
            store_issues(tx, id, &mut progress, &planned.issues)?;
            progress.rows_done += 1;
            progress.last_row = row;
        }
        put_progress(tx, id, &progress)?;
        let end = tx.outbox_last()?;
        ws.ours.push((start, end));
        Ok(())
    })
}

/// The undo entry of a row written before an interruption, if it was written.
fn written<T: ImportTarget>(k: &Kontor, id: u64, row: u64) -> AppResult<Option<T::Undo>> {
    let v = k
        .store
        .read(|tx: &Tx| tx.kv_get(KV_UNDO, &entry_key(id, row)))?;
    Ok(v.and_then(|v| serde_json::from_slice(&v).ok()))
}

/// Writes the planned batches that arrive, one transaction each.
fn writer<T: ImportTarget>(
    weak: &Weak<Kontor>,
    pass: &Arc<Pass<T>>,
    id: u64,
    batches: Receiver<PlannedBatch<T>>,
    created: Sender<u64>,
) -> AppResult<()> {
    let ws = Arc::new(Mutex::new(WriterState::<T> {
        memory: T::memory(false),
        ours: Vec::new(),
    }));
    for batch in batches {
        let k = live(weak)?;
        write_batch(&k, pass, &ws, id, batch, created.clone())?;
    }
    Ok(())
}

/// The commit's work (the worker thread): the kind `T`'s rows of import `id`.
pub(super) fn run<T: ImportTarget>(
    weak: &Weak<Kontor>,
    p: &Principal,
    scope: Scope,
    id: u64,
) -> AppResult<()> {
    let k = live(weak)?;
    let (import, done) = k.store.read(|tx| {
        let r = tx.get_live::<Import>(id)?;
        Ok::<_, AppError>((r.data, progress(tx, id)?.last_row))
    })?;
    let options = import
        .options
        .clone()
        .ok_or_else(|| AppError::internal("import without options"))?;
    let pass = Arc::new(
        k.store
            .read(|tx| Pass::<T>::new(tx, p, scope, &import, options))?,
    );
    // The reader plans batches on snapshots; a writer thread writes them, one batch behind.
    let mut st = PassState::<T>::default();
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<PlannedBatch<T>>(1);
    let (created_tx, created) = std::sync::mpsc::channel::<u64>();
    let writer = {
        let (weak, pass) = (weak.clone(), pass.clone());
        std::thread::Builder::new()
            .name(format!("kontor-import-write-{id}"))
            .spawn(move || writer(&weak, &pass, id, batches, created_tx))
            .map_err(AppError::internal)?
    };
    let mut batch: Vec<Prepared<T>> = Vec::with_capacity(BATCH);
    let mut resumed_own: Vec<u64> = Vec::new();
    let mut failure: Option<AppError> = None;
    let header_row = import.header_row;
    let path = file_path(&k, &import);
    drop(k);
    let send = |st: &mut PassState<T>,
                batch: Vec<Prepared<T>>,
                resumed_own: Vec<u64>|
     -> AppResult<bool> {
        // What the writer created so far is the import's own, not a duplicate in the book.
        for own in created.try_iter() {
            st.memory.own(own);
        }
        let planned = plan_batch(&*live(weak)?, &pass, st, batch, resumed_own)?;
        // A closed channel: the writer stopped on an error, which it returns.
        Ok(to_writer.send(planned).is_ok())
    };
    reader::read_rows(&path, &import.layout, &mut |raw| {
        if raw.row <= header_row || raw.is_blank() {
            return Ok(true);
        }
        let prepared = prepare(&pass, raw);
        if prepared.row <= done {
            // Written before an interruption: it counts as an earlier row, as it did then.
            match live(weak).and_then(|k| written::<T>(&k, id, prepared.row)) {
                Ok(Some(undo)) => {
                    T::resumed(&mut st.memory, &prepared);
                    if undo.created() {
                        st.memory.own(undo.record());
                        resumed_own.push(undo.record());
                    } else {
                        st.updated.insert(undo.record(), prepared.row);
                    }
                }
                Ok(None) => {}
                Err(e) => {
                    failure = Some(e);
                    return Ok(false);
                }
            }
            return Ok(true);
        }
        batch.push(prepared);
        if batch.len() >= BATCH {
            match send(
                &mut st,
                std::mem::take(&mut batch),
                std::mem::take(&mut resumed_own),
            ) {
                Ok(true) => {}
                Ok(false) => return Ok(false),
                Err(e) => {
                    failure = Some(e);
                    return Ok(false);
                }
            }
        }
        Ok(true)
    })
    .map_err(|e| file_error(&import.filename, e))?;
    if failure.is_none()
        && !batch.is_empty()
        && let Err(e) = send(&mut st, batch, resumed_own)
    {
        failure = Some(e);
    }
    drop(to_writer);
    let written = writer
        .join()
        .unwrap_or_else(|_| Err(AppError::internal("the import's writer stopped")));
    // The writer's error explains a planner that stopped because the writer was gone.
    written?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    #[test]
    fn own_ranges_cover_only_this_imports_changes() {
        use super::only_ours;
        assert!(only_ours(&[], 5, 5));
        assert!(!only_ours(&[], 5, 6));
        assert!(only_ours(&[(5, 8), (8, 9)], 5, 9));
        assert!(!only_ours(&[(5, 8), (9, 10)], 5, 10));
    }
}
