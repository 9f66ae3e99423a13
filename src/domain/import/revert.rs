//! Undoing a commit, in the background and in batches like the commit: each written row's undo
//! entry goes back to its kind ([`ImportTarget::revert`]), which moves what the row created to
//! the recycle bin and gives what it updated its previous values back — unless someone changed
//! the record since, which is left alone and reported. An interrupted revert continues.

use std::sync::{Arc, Weak};

use crate::auth::Principal;
use crate::domain::Kontor;
use crate::error::{AppError, AppResult, Msg};

use super::access::{ImportView, find, may_import_any, view};
use super::commit::{BATCH, KV_UNDO};
use super::record::{Import, ImportStatus, entry_key, progress, put_progress};
use super::report::{Issue, store_issues};
use super::target::{ImportTarget, Undo};
use super::workers::{live, spawn, state_conflict};

/// Starts (or continues) undoing a commit in the background.
pub fn revert(k: Arc<Kontor>, p: &Principal, id: u64) -> AppResult<ImportView> {
    may_import_any(p)?;
    let target = k.store.read(|tx| find(tx, p, id))?.target;
    let start = || {
        let (record, last_row) = k.store.read(|tx| {
            let r = find(tx, p, id)?.record;
            Ok::<_, AppError>((r, progress(tx, id)?.last_row))
        })?;
        match record.data.status {
            ImportStatus::Done
            | ImportStatus::Failed
            | ImportStatus::Reverting
            | ImportStatus::Running => {}
            _ => {
                return Err(state_conflict(
                    "只能撤销已提交的导入。",
                    "Only a committed import can be reverted.",
                ));
            }
        }
        let actor = p.actor();
        let r = k.store.write(move |tx| {
            tx.update::<Import, AppError>(&actor, id, None, |i| {
                i.status = ImportStatus::Reverting;
                i.failure = None;
                Ok(())
            })
        })?;
        Ok((r, last_row))
    };
    let run = target.revert;
    let record = spawn(
        &k,
        p,
        id,
        "revert",
        ImportStatus::Reverted,
        start,
        move |weak, p, last_row| run(weak, p, id, last_row),
    )?;
    k.store.read(|tx| view(&k, tx, record, p.lang))
}

/// The revert's work (the worker thread): the rows of import `id` up to `last_row`, from where
/// an earlier revert stopped.
pub(super) fn run<T: ImportTarget>(
    weak: &Weak<Kontor>,
    p: &Principal,
    id: u64,
    last_row: u64,
) -> AppResult<()> {
    let mut from = live(weak)?
        .store
        .read(|tx| progress(tx, id))?
        .revert_last_row
        + 1;
    while from <= last_row {
        let k = live(weak)?;
        let to = (from + BATCH as u64 * 2).min(last_row);
        let actor = p.actor();
        k.store.write(move |tx| {
            let mut progress = progress(tx, id)?;
            for row in from..=to {
                let Some(v) = tx.kv_get(KV_UNDO, &entry_key(id, row))? else {
                    continue;
                };
                let undo: T::Undo = serde_json::from_slice(&v).map_err(AppError::internal)?;
                if T::revert(tx, &actor, &undo)? {
                    progress.reverted += 1;
                } else {
                    progress.revert_skipped += 1;
                    let (noun, no) = (T::NOUN, undo.record());
                    let issue = Issue::new(
                        row,
                        None,
                        None,
                        "changed_since",
                        Msg::new(
                            format!("{}（编号 {no}）在导入后又被修改过，未撤销。", noun.zh),
                            format!(
                                "The {} (no. {no}) was changed after the import; left as it is.",
                                noun.en
                            ),
                        ),
                    )
                    .warning();
                    store_issues(tx, id, &mut progress, &[issue])?;
                }
            }
            progress.revert_last_row = to;
            put_progress(tx, id, &progress)?;
            Ok::<_, AppError>(())
        })?;
        from = to + 1;
    }
    Ok(())
}
