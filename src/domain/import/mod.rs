//! Bulk import (CRM-8) as one pipeline over any importable kind: upload, preview with a
//! suggested column mapping, a dry run that writes nothing, a commit in the background with
//! progress that follows the dry run row for row, a report, and a revert.
//!
//! A kind becomes importable by implementing [`ImportTarget`] (its columns with header synonyms
//! in both languages, how a row becomes a typed draft, its duplicates, how a row is written and
//! undone) and adding one line to [`TARGETS`]: customers ([`customers`]) and products
//! ([`products`]). The pipeline is the same for every kind:
//!
//! - `upload.rs`: the stored file, the header row, the preview; `reader/` streams rows from
//!   CSV/TSV (UTF-8, GB18030, UTF-16) and XLSX in bounded memory.
//! - `mapping.rs`, `saved.rs`: headers to columns, saved mappings; `options.rs`, `owners.rs`: the
//!   options, checked once and stored; who gets rows without an owner.
//! - `row.rs` → `plan.rs`: a row parsed into the kind's draft, then planned (create, update,
//!   skip) in file order against one snapshot and the file's earlier rows — by the dry run
//!   (`dry_run.rs`) and the commit (`commit.rs`) alike, which is why the dry run is the commit's
//!   promise.
//! - `commit.rs`, `revert.rs`, `workers.rs`: batches of 1,000 rows, one transaction each with its
//!   progress, report entries and undo entries; background workers; continuing after an
//!   interruption. `record.rs`: the job record; `report.rs`: row issues and the report;
//!   `access.rs`: who may see and run which import.

mod access;
mod commit;
pub mod customers;
mod dry_run;
pub mod dup;
pub mod mapping;
mod options;
mod owners;
mod plan;
pub mod products;
pub mod reader;
mod record;
mod report;
mod revert;
mod row;
mod saved;
mod target;
mod upload;
mod workers;

pub use access::{ImportView, get, list, may_upload};
pub use commit::{BATCH, commit};
pub use dry_run::{DryRun, DryRunCounts, MAX_LISTED, dry_run};
pub use mapping::FieldView;
pub use options::{DefaultOwnerInput, ImportOptions};
pub use plan::{Duplicate, Plan, Planned};
pub use record::{DefaultOwner, Import, ImportStatus, Mode, Progress, Resolved};
pub use report::{Issue, MAX_STORED_ISSUES, RowIssue, Severity, issues};
pub use revert::revert;
pub use row::{Pass, Prepared};
pub use saved::{MappingInput, SavedMapping, delete_mapping, mappings, save_mapping};
pub use target::{
    Column, ImportTarget, MatchKey, Memory, Noun, OWNER, TARGETS, Target, Undo, target,
};
pub use upload::{MAX_UPLOAD, Preview, PreviewRow, imports_dir, new_upload_path, preview, upload};
pub use workers::wait_for_workers;

/// Bulk imports, their dry runs and undo.
pub fn module() -> crate::domain::kit::ModuleDef {
    crate::domain::kit::ModuleDef::new("import", MODULE_KINDS, |r| r.with::<Import>())
}

static MODULE_KINDS: &[crate::domain::kit::KindInfo] =
    &[crate::domain::kit::KindInfo::plain::<Import>(
        crate::auth::Module::Crm,
        "导入",
        "Import",
    )];

#[cfg(test)]
pub(crate) mod tests;
