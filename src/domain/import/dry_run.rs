//! The dry run: the whole file read and every row planned as the commit will plan it (same
//! options, same order, same owners, same earlier rows), on one read snapshot. Writes nothing.

use serde::Serialize;

use crate::auth::{Principal, Scope};
use crate::domain::Kontor;
use crate::error::{AppError, AppResult};
use crate::store::Tx;

use super::access::find;
use super::options::{ImportOptions, resolve};
use super::plan::{Duplicate, PassState, Plan, plan};
use super::reader;
use super::record::{Import, Mode, Resolved};
use super::report::{RowIssue, issue_view};
use super::row::{Pass, prepare};
use super::target::{ImportTarget, MatchKey};
use super::upload::{file_error, file_path};

/// Issues and duplicates listed in a dry-run answer.
pub const MAX_LISTED: usize = 1000;

#[derive(Clone, Debug, Default, Serialize, utoipa::ToSchema)]
pub struct DryRunCounts {
    /// Data rows in the file.
    pub rows: u64,
    /// Rows that would create a customer.
    pub create: u64,
    /// Rows that would update one.
    pub update: u64,
    /// Rows that would be skipped (with at least one error).
    pub errors: u64,
    /// Rows that would be written with a warning.
    pub warnings: u64,
    /// Rows sharing a key with an earlier row.
    pub duplicates_in_file: u64,
    /// Rows sharing a key with an existing customer.
    pub duplicates_in_db: u64,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DryRun {
    pub counts: DryRunCounts,
    /// The mapping used (aligned with the headers).
    pub mapping: Vec<Option<String>>,
    pub mode: Mode,
    pub key: MatchKey,
    /// Row problems in file order (the first 1000).
    pub issues: Vec<RowIssue>,
    /// Duplicates in file order (the first 1000).
    pub duplicates: Vec<Duplicate>,
    /// Whether more issues or duplicates exist than are listed.
    pub truncated: bool,
}

/// Reads the whole file and says what a commit with these options would do. Writes nothing.
pub fn dry_run(k: &Kontor, p: &Principal, id: u64, options: ImportOptions) -> AppResult<DryRun> {
    k.store.read(|tx| {
        let found = find(tx, p, id)?;
        let (target, scope, import) = (found.target, found.scope, &found.record.data);
        let resolved = resolve(tx, p, scope, target, import, options)?;
        (target.dry_run)(k, tx, p, scope, import, resolved)
    })
}

/// The dry run of the kind `T`'s rows.
pub(super) fn run<T: ImportTarget>(
    k: &Kontor,
    tx: &Tx,
    p: &Principal,
    scope: Scope,
    import: &Import,
    resolved: Resolved,
) -> AppResult<DryRun> {
    let pass = Pass::<T>::new(tx, p, scope, import, resolved)?;
    let mut st = PassState::<T>::default();
    let mut counts = DryRunCounts::default();
    let (mut issues, mut duplicates, mut truncated) = (Vec::new(), Vec::new(), false);
    let mut failure: Option<AppError> = None;
    let header_row = import.header_row;
    reader::read_rows(&file_path(k, import), &import.layout, &mut |raw| {
        if raw.row <= header_row || raw.is_blank() {
            return Ok(true);
        }
        let prepared = prepare(&pass, raw);
        let planned = match plan(tx, &pass, &mut st, &prepared) {
            Ok(pl) => pl,
            Err(e) => {
                failure = Some(e);
                return Ok(false);
            }
        };
        counts.rows += 1;
        match planned.plan {
            Plan::Create => counts.create += 1,
            Plan::Update(_) => counts.update += 1,
            Plan::Skip => counts.errors += 1,
        }
        if planned.plan != Plan::Skip && !planned.issues.is_empty() {
            counts.warnings += 1;
        }
        if planned.dups.iter().any(|d| d.of_row.is_some()) {
            counts.duplicates_in_file += 1;
        }
        if planned.dups.iter().any(|d| d.of_row.is_none()) {
            counts.duplicates_in_db += 1;
        }
        for i in &planned.issues {
            if issues.len() < MAX_LISTED {
                issues.push(issue_view(i, &pass.headers, p.lang));
            } else {
                truncated = true;
            }
        }
        for d in planned.dups {
            if duplicates.len() < MAX_LISTED {
                duplicates.push(d);
            } else {
                truncated = true;
            }
        }
        Ok(true)
    })
    .map_err(|e| file_error(&import.filename, e))?;
    if let Some(e) = failure {
        return Err(e);
    }
    Ok(DryRun {
        counts,
        mapping: pass.options.mapping.clone(),
        mode: pass.options.mode,
        key: pass.options.key,
        issues,
        duplicates,
        truncated,
    })
}
