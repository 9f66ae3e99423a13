//! A row of the file becomes a kind's typed draft: the pipeline walks the cells by the mapping
//! (joining line breaks, trimming, dropping the apostrophe an export put before a cell a
//! spreadsheet would take for a formula, warning of cells beyond the header), hands each to the kind,
//! turns its errors into issues naming row, column and field, checks the required columns,
//! gives the row its owner and lets the kind check the row as a whole.

use std::collections::HashMap;

use crate::auth::{Principal, Scope};
use crate::domain::validate;
use crate::error::{AppError, AppResult, Msg};
use crate::store::Tx;

use super::options::capitalised;
use super::owners::Owners;
use super::reader::RawRow;
use super::record::{Import, Resolved};
use super::report::{Issue, Severity};
use super::target::{Column, ImportTarget, OWNER};

/// What a file column fills.
#[derive(Clone, Debug)]
enum Slot {
    Column(&'static Column),
    Custom(String),
}

/// Everything a pass over the file (a dry run or a commit) needs besides the store, read once.
pub struct Pass<T: ImportTarget> {
    pub principal: Principal,
    /// The caller's import scope.
    pub scope: Scope,
    pub options: Resolved,
    pub headers: Vec<String>,
    /// What each file column fills (None: skipped).
    slots: Vec<Option<Slot>>,
    /// File column (1-based) of each mapped column.
    columns: HashMap<String, usize>,
    pub owners: Owners,
    /// The kind's own context.
    pub target: T::Context,
}

impl<T: ImportTarget> Pass<T> {
    pub fn new(
        tx: &Tx,
        p: &Principal,
        scope: Scope,
        i: &Import,
        options: Resolved,
    ) -> AppResult<Pass<T>> {
        let slots = options
            .mapping
            .iter()
            .map(|m| {
                let m = m.as_deref()?;
                Some(match m.strip_prefix("custom:") {
                    Some(c) if T::CUSTOM_FIELDS => Slot::Custom(c.trim().to_string()),
                    _ => Slot::Column(T::COLUMNS.iter().find(|c| c.key == m)?),
                })
            })
            .collect();
        let columns = options
            .mapping
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m.clone()?, i + 1)))
            .collect();
        let owners = match T::OWNED {
            true => Owners::load(tx, &options.default_owner)?,
            false => Owners::none(),
        };
        Ok(Pass {
            principal: p.clone(),
            scope,
            headers: i.headers.clone(),
            slots,
            columns,
            owners,
            options,
            target: T::context(tx, p)?,
        })
    }

    /// The file column (1-based) mapped to `key`.
    pub fn column(&self, key: &str) -> Option<usize> {
        self.columns.get(key).copied()
    }
}

/// A row, parsed: the kind's draft, the row's owner and its problems so far.
pub struct Prepared<T: ImportTarget> {
    /// The row number as in the file.
    pub row: u64,
    pub draft: T::Draft,
    /// The owner the row's owner column names.
    pub named_owner: Option<u64>,
    /// The owner the row's record gets: the named one, else the import's default (`None`: the
    /// pool, or a kind without owners).
    pub owner: Option<u64>,
    pub issues: Vec<Issue>,
    /// The columns filled without error.
    filled: Vec<&'static str>,
}

impl<T: ImportTarget> Prepared<T> {
    pub fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
    /// Whether the row filled column `key` (with a valid value).
    pub fn has(&self, key: &str) -> bool {
        self.filled.contains(&key)
    }
    /// An error of this row at the file column mapped to `field`.
    pub fn error(&self, pass: &Pass<T>, field: &str, code: &str, msg: Msg) -> Issue {
        Issue::new(self.row, pass.column(field), Some(field), code, msg)
    }
}

/// `code` of a cell's error: `required` or `invalid`.
fn code_of(e: &AppError) -> &'static str {
    if e.msg.en.ends_with("is required.") {
        "required"
    } else {
        "invalid"
    }
}

/// Cells may hold line breaks (Alt+Enter in Excel); columns are single-line.
fn single_line(cell: &str) -> std::borrow::Cow<'_, str> {
    if cell.contains(['\n', '\r', '\t']) {
        cell.split(['\n', '\r', '\t'])
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(" ")
            .into()
    } else {
        cell.trim().into()
    }
}

/// Parses and checks one row.
pub fn prepare<T: ImportTarget>(pass: &Pass<T>, raw: RawRow) -> Prepared<T> {
    let row = raw.row;
    let mut p = Prepared::<T> {
        row,
        draft: T::Draft::default(),
        named_owner: None,
        owner: None,
        issues: Vec::new(),
        filled: Vec::new(),
    };
    let bad = |issues: &mut Vec<Issue>, col: usize, field: &str, e: AppError| {
        issues.push(Issue::new(row, Some(col), Some(field), code_of(&e), e.msg));
    };
    for (i, cell) in raw.cells.iter().enumerate() {
        let v = single_line(cell);
        // A cell an export escaped (`'=…`, `'-…`) reads as it was exported from.
        let v = crate::domain::export::unescape_formula(v.as_ref());
        if v.is_empty() {
            continue;
        }
        let col = i + 1;
        let Some(slot) = pass.slots.get(i) else {
            if i >= pass.headers.len() {
                p.issues.push(
                    Issue::new(
                        row,
                        Some(col),
                        None,
                        "extra_cell",
                        Msg::new(
                            "这一格在表头之外（多出的列），内容被忽略。",
                            "This cell is beyond the header's columns; its value is ignored.",
                        ),
                    )
                    .warning(),
                );
            }
            continue;
        };
        match slot {
            None => {}
            Some(Slot::Custom(key)) => match validate::optional_text(key, Some(v), 500) {
                Ok(Some(v)) => T::custom(&mut p.draft, key, v),
                Ok(None) => {}
                Err(e) => bad(&mut p.issues, col, key, e),
            },
            Some(Slot::Column(c)) => {
                let r = if T::OWNED && c.key == OWNER {
                    pass.owners
                        .named(&pass.principal, pass.scope, T::NOUN, v)
                        .map(|id| p.named_owner = Some(id))
                } else {
                    T::cell(pass, &mut p.draft, c.key, v)
                };
                match r {
                    Ok(()) => p.filled.push(c.key),
                    Err(e) => bad(&mut p.issues, col, c.key, e),
                }
            }
        }
    }
    for c in T::COLUMNS {
        if let Some((zh, en)) = c.required
            && !p.has(c.key)
            && !p.issues.iter().any(|i| i.field.as_deref() == Some(c.key))
        {
            p.issues.push(Issue::new(
                row,
                pass.column(c.key),
                Some(c.key),
                "required",
                Msg::new(
                    format!("{zh}不能为空。"),
                    format!("{} is required.", capitalised(en)),
                ),
            ));
        }
    }
    if T::OWNED {
        p.owner = match p.named_owner {
            Some(o) => Some(o),
            None => pass.owners.next_default(),
        };
    }
    T::finish(pass, &mut p);
    p
}
