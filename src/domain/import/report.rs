//! Row problems and the commit's report: an [`Issue`] names the row, the column and what is
//! wrong in both languages (so the report reads in whoever's language opens it); a commit keeps
//! the first [`MAX_STORED_ISSUES`] beside the import, in the transaction of their batch.

use serde::{Deserialize, Serialize};

use crate::auth::Principal;
use crate::domain::kit::List;
use crate::domain::{Kontor, Paging};
use crate::error::{AppError, AppResult, Msg};
use crate::i18n::Lang;
use crate::store::Tx;

use super::access::import_for;
use super::reader;
use super::record::{Progress, entry_key, progress};

/// Issues kept per import for the report (counts are always complete).
pub const MAX_STORED_ISSUES: u64 = 10_000;

const KV_ISSUES: &str = "import_issues";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// The row is not written.
    Error,
    /// The row is written; look at it.
    Warning,
}

/// A problem with one row, in both languages.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Issue {
    pub row: u64,
    /// 1-based column of the file.
    pub column: Option<usize>,
    pub field: Option<String>,
    pub code: String,
    pub severity: Severity,
    pub zh: String,
    pub en: String,
}

impl Issue {
    /// An error of the row (it is not written).
    pub fn new(
        row: u64,
        column: Option<usize>,
        field: Option<&str>,
        code: &str,
        msg: Msg,
    ) -> Issue {
        Issue {
            row,
            column,
            field: field.map(str::to_string),
            code: code.to_string(),
            severity: Severity::Error,
            zh: msg.zh.into_owned(),
            en: msg.en.into_owned(),
        }
    }
    /// The same as a warning (the row is written).
    pub fn warning(mut self) -> Issue {
        self.severity = Severity::Warning;
        self
    }
}

/// A problem with one row, as shown: row number as in the file, column letter and header.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct RowIssue {
    pub row: u64,
    /// Column letter (A, B … AA) in the file.
    pub column: Option<String>,
    /// The column's header.
    pub header: Option<String>,
    /// The field concerned (the key of the import column).
    pub field: Option<String>,
    /// `invalid`, `required`, `duplicate_in_file`, `exists`, `owned_by_other`, `not_found`,
    /// `ambiguous`, `scope`, `possible_duplicate`, `extra_cell`, `changed_since`.
    pub code: String,
    pub severity: Severity,
    pub message: String,
}

pub(super) fn issue_view(i: &Issue, headers: &[String], lang: Lang) -> RowIssue {
    RowIssue {
        row: i.row,
        column: i.column.map(reader::column_letter),
        header: i
            .column
            .and_then(|c| headers.get(c.wrapping_sub(1)))
            .cloned(),
        field: i.field.clone(),
        code: i.code.clone(),
        severity: i.severity,
        message: lang.pick(&i.zh, &i.en).to_string(),
    }
}

/// Keeps a batch's issues for the report (up to [`MAX_STORED_ISSUES`] per import).
pub(super) fn store_issues(
    tx: &mut Tx,
    id: u64,
    progress: &mut Progress,
    issues: &[Issue],
) -> AppResult<()> {
    for i in issues {
        if progress.issues_stored >= MAX_STORED_ISSUES {
            break;
        }
        let v = serde_json::to_vec(i).map_err(AppError::internal)?;
        tx.kv_put(KV_ISSUES, &entry_key(id, progress.issues_stored), &v)?;
        progress.issues_stored += 1;
    }
    Ok(())
}

/// The stored issues numbered `from` up to `to` (exclusive) of import `id`.
pub(super) fn stored_issues(tx: &Tx, id: u64, from: u64, to: u64) -> AppResult<Vec<Issue>> {
    let mut out = Vec::new();
    for seq in from..to {
        if let Some(v) = tx.kv_get(KV_ISSUES, &entry_key(id, seq))?
            && let Ok(i) = serde_json::from_slice::<Issue>(&v)
        {
            out.push(i);
        }
    }
    Ok(out)
}

/// The issues a commit recorded (errors and warnings, at most 10,000 per import), in file order.
pub fn issues(k: &Kontor, p: &Principal, id: u64, paging: Paging) -> AppResult<List<RowIssue>> {
    k.store.read(|tx| {
        let r = import_for(tx, p, id)?;
        let progress = progress(tx, id)?;
        let end = (paging.offset() + paging.per_page).min(progress.issues_stored);
        let items = stored_issues(tx, id, paging.offset(), end)?
            .iter()
            .map(|i| issue_view(i, &r.data.headers, p.lang))
            .collect();
        Ok(List {
            items,
            total: progress.issues_stored,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}
