//! Bulk import of customers (CRM-8): upload, preview with a suggested column mapping, a dry run
//! that writes nothing, a commit in the background with progress, a report, and a revert.
//!
//! The file is kept under `<data>/files/imports/` and streamed from disk on every pass (upload
//! check, dry run, commit), so memory does not grow with the file: per pass one row and the
//! within-file duplicate keys (two 64-bit words per key and row).
//!
//! Duplicates: a row that would create a customer goes through the duplicate check of the
//! customer form (`dedup::check`: legal forms, pinyin, E.164 phones, registrable domains, fuzzy
//! names, contacts, leads, the pool, the recycle bin) under the admin's rules: what the form
//! would refuse (a rule says `block`, another rep owns the firm, it sits in the pool) is an
//! error of the row, `warn` is a warning and a listed duplicate, `ignore` says nothing. Rows
//! repeating an earlier row's key (the same keys the check reads) follow the same rules; on the
//! match key of an update they are errors. Rows that update match their customer by the exact
//! key of the duplicate index.
//!
//! Commit policy: rows with errors (invalid values, duplicates the rules block, customers that
//! exist or that the caller may not change) are skipped and listed in the report; the valid
//! rows are written in batches of [`BATCH`] rows, one transaction per batch, each batch with
//! its progress and its undo entries, so a batch is written whole or not at all. A row is
//! planned inside its batch's transaction, so it is checked against every customer written
//! before it, this import's earlier rows included (a near-spelling of an earlier row that the
//! dry run could not know of is caught then). New customers get what the form gives them
//! (`crm::customers::insert_new`: team, pool, owned-since, contacts, cadence tasks). If the server stops during a commit, the import shows `interrupted`; committing it
//! again continues after the last written batch. A revert moves the customers the import created
//! to the recycle bin and gives updated customers their previous values back, unless someone
//! changed them since (those are listed and left alone); it also runs in batches.

pub mod dup;
pub mod mapping;
pub mod reader;

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::{Arc, LazyLock, Mutex, Weak};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::{Action, Module, Principal, Scope, User};
use crate::domain::accounts::Named;
use crate::domain::crm::customers::{
    ContactInput, CustomerInput, NewCustomer, NewCustomerDefaults, insert_new, name_key,
};
use crate::domain::crm::model::{Contact, Customer};
use crate::domain::dedup::check::{self, Probe, ProbeKeys, RuleAction, Rules};
use crate::domain::dedup::evidence::Level;
use crate::domain::kit::guard;
use crate::domain::kit::{List, names};
use crate::domain::{Kontor, Paging, countries, validate};
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::search::text::fold;
use crate::store::{Actor, Entity, IndexDef, IndexKey, Tx};

use dup::{InFile, MatchKey};
use reader::{FileError, Format, Layout, RawRow, TextEncoding};

/// Rows written per transaction.
pub const BATCH: usize = 1000;
/// Possible duplicates in the database listed per row.
const MAX_DB_DUPLICATES: usize = 3;
/// The largest upload.
pub const MAX_UPLOAD: u64 = 100 * 1024 * 1024;
/// Issues kept per import for the report (counts are always complete).
pub const MAX_STORED_ISSUES: u64 = 10_000;
/// Issues and duplicates listed in a dry-run answer.
pub const MAX_LISTED: usize = 1000;
const PREVIEW_ROWS: usize = 20;

const KV_PROGRESS: &str = "import_progress";
const KV_ISSUES: &str = "import_issues";
const KV_UNDO: &str = "import_undo";
const KV_MAPPINGS: &str = "import_mappings";

// ---- the import record ----------------------------------------------------------------------

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ImportStatus {
    /// Checked and waiting for a dry run or a commit.
    Uploaded,
    /// The commit is writing.
    Running,
    Done,
    /// The commit stopped on an error (the batches before it stay; revert or commit again).
    Failed,
    /// The server stopped during a commit or revert; committing (or reverting) again continues.
    Interrupted,
    Reverting,
    Reverted,
}

/// create: new customers only; upsert: update the customer with the same key, else create;
/// update: update only, rows without a match are errors.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Mode {
    #[default]
    Create,
    Upsert,
    Update,
}

/// Who gets the rows that name no owner.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub enum DefaultOwner {
    User(u64),
    /// The team's active members in turn, in file order (the list is fixed when the import
    /// starts, so a dry run and its commit give each row the same owner).
    RoundRobin {
        team_id: u64,
        members: Vec<u64>,
    },
    /// The public pool (公海).
    Pool,
}

/// The options a commit ran with.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Resolved {
    pub mode: Mode,
    pub key: MatchKey,
    pub mapping: Vec<Option<String>>,
    pub default_owner: DefaultOwner,
}

/// Imports stored before the default owner could be a team or the pool (schema 1).
#[derive(Deserialize)]
struct ResolvedV1 {
    mode: Mode,
    key: MatchKey,
    mapping: Vec<Option<String>>,
    owner_id: u64,
}

#[derive(Deserialize)]
struct ImportV1 {
    kind: String,
    filename: String,
    file: String,
    size: u64,
    layout: Layout,
    header_row: u64,
    headers: Vec<String>,
    rows: u64,
    owner_id: Option<u64>,
    status: ImportStatus,
    options: Option<ResolvedV1>,
    started_at: Option<DateTime<Utc>>,
    finished_at: Option<DateTime<Utc>>,
    reverted_at: Option<DateTime<Utc>>,
    failure: Option<(String, String)>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Import {
    /// What is imported: `customers`.
    pub kind: String,
    pub filename: String,
    /// The stored file's name under `files/imports/`.
    pub file: String,
    pub size: u64,
    pub layout: Layout,
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Data rows (not blank, after the header).
    pub rows: u64,
    pub owner_id: Option<u64>,
    pub status: ImportStatus,
    pub options: Option<Resolved>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    /// Why a commit or revert failed.
    pub failure: Option<(String, String)>,
}

impl Entity for Import {
    const KIND: &'static str = "import";
    /// 2: the default owner may be a team's round robin or the pool.
    const SCHEMA_VERSION: u16 = 2;
    fn upgrade(from: u16, payload: &[u8]) -> Result<Self, crate::store::StoreError> {
        if from != 1 {
            return Err(crate::store::StoreError::Internal(format!(
                "import records of schema {from} cannot be read"
            )));
        }
        let i: ImportV1 = crate::store::decode(payload)?;
        Ok(Import {
            kind: i.kind,
            filename: i.filename,
            file: i.file,
            size: i.size,
            layout: i.layout,
            header_row: i.header_row,
            headers: i.headers,
            rows: i.rows,
            owner_id: i.owner_id,
            status: i.status,
            options: i.options.map(|o| Resolved {
                mode: o.mode,
                key: o.key,
                mapping: o.mapping,
                default_owner: DefaultOwner::User(o.owner_id),
            }),
            started_at: i.started_at,
            finished_at: i.finished_at,
            reverted_at: i.reverted_at,
            failure: i.failure,
        })
    }
    fn indexes() -> Vec<IndexDef<Self>> {
        vec![IndexDef::many("owner", |i: &Import| {
            vec![IndexKey::new().u64(i.owner_id.unwrap_or(0))]
        })]
    }
    fn title(&self) -> String {
        self.filename.clone()
    }
    fn owner(&self) -> Option<u64> {
        self.owner_id
    }
}

/// Progress and counts of a commit (and of a revert), kept beside the import and written in the
/// same transaction as each batch.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Progress {
    /// Data rows handled so far (written or skipped).
    pub rows_done: u64,
    /// Data rows in the file.
    pub total: u64,
    pub created: u64,
    pub updated: u64,
    /// Rows not written because of an error.
    pub skipped: u64,
    /// Rows written with a warning (e.g. a possible duplicate on another key).
    pub warnings: u64,
    /// The file row number of the last row handled (resume point).
    pub last_row: u64,
    /// Revert: customers moved to the recycle bin or given their previous values back.
    pub reverted: u64,
    /// Revert: customers changed since the import and left alone.
    pub revert_skipped: u64,
    pub revert_last_row: u64,
    #[serde(default)]
    pub issues_stored: u64,
}

// ---- issues -----------------------------------------------------------------------------------

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
    fn new(row: u64, column: Option<usize>, field: Option<&str>, code: &str, msg: Msg) -> Issue {
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
    fn warning(mut self) -> Issue {
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
    /// The customer field concerned.
    pub field: Option<String>,
    /// `invalid`, `required`, `duplicate_in_file`, `exists`, `owned_by_other`, `not_found`,
    /// `ambiguous`, `scope`, `possible_duplicate`, `extra_cell`, `changed_since`.
    pub code: String,
    pub severity: Severity,
    pub message: String,
}

fn issue_view(i: &Issue, headers: &[String], lang: Lang) -> RowIssue {
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

// ---- views ----------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct ImportView {
    pub id: u64,
    pub kind: String,
    pub filename: String,
    pub format: Format,
    /// Text files: the encoding found (`utf-8`, `gb18030`, `utf-16le`, `utf-16be`).
    pub encoding: Option<TextEncoding>,
    /// Text files: `,`, `;` or `\t`.
    pub delimiter: Option<String>,
    /// XLSX: the sheet read.
    pub sheet: Option<String>,
    pub size: u64,
    pub header_row: u64,
    pub headers: Vec<String>,
    /// Data rows in the file.
    pub rows: u64,
    pub status: ImportStatus,
    pub mode: Option<Mode>,
    pub key: Option<MatchKey>,
    pub mapping: Option<Vec<Option<String>>>,
    pub progress: Progress,
    pub owner: Option<Named>,
    pub created_at: DateTime<Utc>,
    pub started_at: Option<DateTime<Utc>>,
    pub finished_at: Option<DateTime<Utc>>,
    pub reverted_at: Option<DateTime<Utc>>,
    /// Why the commit or revert failed.
    pub failure: Option<String>,
}

/// Live workers of this process, by data directory and import id. An import whose stored
/// status says running but which has no worker here was interrupted.
static WORKERS: LazyLock<Mutex<HashSet<(PathBuf, u64)>>> = LazyLock::new(Default::default);

fn worker_key(k: &Kontor, id: u64) -> (PathBuf, u64) {
    (k.data_dir.clone(), id)
}

fn is_working(k: &Kontor, id: u64) -> bool {
    WORKERS
        .lock()
        .map(|w| w.contains(&worker_key(k, id)))
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

fn status_of(k: &Kontor, id: u64, stored: ImportStatus) -> ImportStatus {
    match stored {
        ImportStatus::Running | ImportStatus::Reverting if !is_working(k, id) => {
            ImportStatus::Interrupted
        }
        s => s,
    }
}

fn progress(tx: &Tx, id: u64) -> AppResult<Progress> {
    Ok(tx
        .kv_get(KV_PROGRESS, &id.to_be_bytes())?
        .and_then(|v| serde_json::from_slice(&v).ok())
        .unwrap_or_default())
}

fn put_progress(tx: &mut Tx, id: u64, p: &Progress) -> AppResult<()> {
    let v = serde_json::to_vec(p).map_err(AppError::internal)?;
    tx.kv_put(KV_PROGRESS, &id.to_be_bytes(), &v)?;
    Ok(())
}

fn view(k: &Kontor, tx: &Tx, r: crate::store::Record<Import>, lang: Lang) -> AppResult<ImportView> {
    let owners = names(tx, r.data.owner_id)?;
    let mut progress = progress(tx, r.id)?;
    progress.total = r.data.rows;
    let i = r.data;
    Ok(ImportView {
        id: r.id,
        status: status_of(k, r.id, i.status),
        kind: i.kind,
        filename: i.filename,
        format: i.layout.format,
        encoding: i.layout.encoding,
        delimiter: (i.layout.format == Format::Csv)
            .then(|| (i.layout.delimiter as char).to_string()),
        sheet: i.layout.sheet,
        size: i.size,
        header_row: i.header_row,
        headers: i.headers,
        rows: i.rows,
        mode: i.options.as_ref().map(|o| o.mode),
        key: i.options.as_ref().map(|o| o.key),
        mapping: i.options.map(|o| o.mapping),
        progress,
        owner: i.owner_id.map(|id| Named {
            id,
            name: owners.get(&id).cloned().unwrap_or_default(),
        }),
        created_at: r.meta.created_at,
        started_at: i.started_at,
        finished_at: i.finished_at,
        reverted_at: i.reverted_at,
        failure: i.failure.map(|(zh, en)| lang.pick(&zh, &en).to_string()),
    })
}

// ---- permission and files -------------------------------------------------------------------

/// The caller's import scope; 403 without the right. Checked before an upload is read.
pub fn may_import(p: &Principal) -> AppResult<Scope> {
    p.require(Module::Crm, Action::Import)
}

pub fn imports_dir(k: &Kontor) -> PathBuf {
    k.data_dir.join("files").join("imports")
}

/// A fresh path for an upload being received.
pub fn new_upload_path(k: &Kontor) -> AppResult<PathBuf> {
    let dir = imports_dir(k);
    std::fs::create_dir_all(&dir).map_err(|e| io_error(&e))?;
    let name: u128 = rand::random();
    Ok(dir.join(format!("{name:032x}.upload")))
}

fn io_error(e: &std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        AppError::new(ErrorCode::StorageFull)
    } else {
        AppError::internal(e)
    }
}

fn file_error(filename: &str, e: FileError) -> AppError {
    let (zh, en) = match (e.row, e.column) {
        (Some(r), Some(c)) => (
            format!(
                "文件“{filename}”第 {r} 行第 {} 列：",
                reader::column_letter(c)
            ),
            format!(
                "File “{filename}”, row {r}, column {}: ",
                reader::column_letter(c)
            ),
        ),
        (Some(r), None) => (
            format!("文件“{filename}”第 {r} 行："),
            format!("File “{filename}”, row {r}: "),
        ),
        _ => (
            format!("文件“{filename}”："),
            format!("File “{filename}”: "),
        ),
    };
    AppError::invalid("file", Msg::new(zh + &e.msg.zh, en + &e.msg.en))
}

fn clean_filename(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base.chars().filter(|c| !c.is_control()).take(200).collect();
    if clean.trim().is_empty() {
        "upload".to_string()
    } else {
        clean.trim().to_string()
    }
}

// ---- upload ---------------------------------------------------------------------------------

/// What the upload check found.
struct Scanned {
    header_row: u64,
    headers: Vec<String>,
    rows: u64,
}

fn header_cells(cells: Vec<String>) -> Vec<String> {
    let mut headers: Vec<String> = cells.into_iter().map(|c| c.trim().to_string()).collect();
    while headers.last().is_some_and(|h| h.is_empty()) {
        headers.pop();
    }
    headers
}

/// Rows looked at to find the header row.
const HEADER_SEARCH: usize = 10;

/// Which of the first non-blank rows is the header: the first with the most recognised
/// headers (so a title row such as “2026 广交会名单” above the table is skipped), else the
/// first row.
fn pick_header(rows: &[RawRow]) -> usize {
    let mut best = (0usize, 0usize);
    for (i, r) in rows.iter().enumerate() {
        let known = r
            .cells
            .iter()
            .filter(|c| mapping::guess(c).is_some())
            .count();
        if known > best.1 {
            best = (i, known);
        }
    }
    best.0
}

fn scan(path: &Path, layout: &Layout, preview: &mut Vec<RawRow>) -> Result<Scanned, FileError> {
    let mut first: Vec<RawRow> = Vec::new();
    let mut header: Option<(u64, Vec<String>)> = None;
    let mut rows = 0u64;
    let data = |r: RawRow, rows: &mut u64, preview: &mut Vec<RawRow>| {
        *rows += 1;
        if preview.len() < PREVIEW_ROWS {
            preview.push(r);
        }
    };
    let decide = |first: &mut Vec<RawRow>, rows: &mut u64, preview: &mut Vec<RawRow>| {
        let at = pick_header(first);
        let mut rest = first.drain(..).skip(at);
        let h = rest.next()?;
        for r in rest {
            data(r, rows, preview);
        }
        Some((h.row, header_cells(h.cells)))
    };
    reader::read_rows(path, layout, &mut |r| {
        if r.is_blank() {
            return Ok(true);
        }
        if header.is_none() {
            first.push(r);
            if first.len() >= HEADER_SEARCH {
                header = decide(&mut first, &mut rows, preview);
            }
            return Ok(true);
        }
        data(r, &mut rows, preview);
        Ok(true)
    })?;
    if header.is_none() {
        header = decide(&mut first, &mut rows, preview);
    }
    let Some((header_row, headers)) = header else {
        return Err(FileError {
            row: None,
            column: None,
            msg: Msg::new("文件中没有任何内容。", "The file has no content."),
        });
    };
    if rows == 0 {
        return Err(FileError {
            row: Some(header_row),
            column: None,
            msg: Msg::new(
                "只有表头，没有数据行。",
                "There is only a header row and no data.",
            ),
        });
    }
    Ok(Scanned {
        header_row,
        headers,
        rows,
    })
}

/// Checks an uploaded file (stored at `path` by the API) from end to end and records the
/// import. A file that cannot be read is deleted and refused with the file, row and column.
pub fn upload(
    k: &Kontor,
    p: &Principal,
    kind: &str,
    filename: &str,
    path: PathBuf,
    encoding: Option<TextEncoding>,
) -> AppResult<ImportView> {
    let result = upload_inner(k, p, kind, filename, &path, encoding);
    if result.is_err() {
        let _ = std::fs::remove_file(&path);
    }
    result
}

fn upload_inner(
    k: &Kontor,
    p: &Principal,
    kind: &str,
    filename: &str,
    path: &Path,
    encoding: Option<TextEncoding>,
) -> AppResult<ImportView> {
    may_import(p)?;
    if kind != "customers" {
        return Err(AppError::invalid(
            "kind",
            Msg::new(
                format!("不能导入“{kind}”，目前只能导入客户（customers）。"),
                format!("Cannot import “{kind}”; only customers can be imported so far."),
            ),
        ));
    }
    let filename = clean_filename(filename);
    let size = std::fs::metadata(path).map_err(|e| io_error(&e))?.len();
    let layout = reader::sniff(path, &filename, encoding).map_err(|e| file_error(&filename, e))?;
    let mut preview = Vec::new();
    let scanned = scan(path, &layout, &mut preview).map_err(|e| file_error(&filename, e))?;
    let ext = match layout.format {
        Format::Xlsx => "xlsx",
        Format::Csv => "csv",
    };
    let stored = path.with_extension(ext);
    std::fs::rename(path, &stored).map_err(|e| io_error(&e))?;
    let file = stored
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let import = Import {
        kind: kind.to_string(),
        filename,
        file,
        size,
        layout,
        header_row: scanned.header_row,
        headers: scanned.headers,
        rows: scanned.rows,
        owner_id: Some(p.user_id),
        status: ImportStatus::Uploaded,
        options: None,
        started_at: None,
        finished_at: None,
        reverted_at: None,
        failure: None,
    };
    let actor = p.actor();
    let record = k
        .store
        .write(move |tx| Ok::<_, AppError>(tx.insert(&actor, import)?));
    let record = match record {
        Ok(r) => r,
        Err(e) => {
            let _ = std::fs::remove_file(&stored);
            return Err(e);
        }
    };
    k.store.read(|tx| view(k, tx, record, p.lang))
}

fn import_for(tx: &Tx, p: &Principal, id: u64) -> AppResult<crate::store::Record<Import>> {
    let scope = may_import(p)?;
    let r = tx.get_live::<Import>(id)?;
    if !p.reaches(scope, r.data.owner_id) {
        return Err(AppError::not_found());
    }
    Ok(r)
}

pub fn get(k: &Kontor, p: &Principal, id: u64) -> AppResult<ImportView> {
    k.store.read(|tx| {
        let r = import_for(tx, p, id)?;
        view(k, tx, r, p.lang)
    })
}

/// The caller's imports (within scope), newest first.
pub fn list(k: &Kontor, p: &Principal, paging: Paging) -> AppResult<List<ImportView>> {
    let scope = may_import(p)?;
    k.store.read(|tx| {
        let page = tx.list::<Import>(
            &|r: &crate::store::Record<Import>| p.reaches(scope, r.data.owner_id),
            paging.offset(),
            paging.per_page,
        )?;
        let items = page
            .items
            .into_iter()
            .map(|r| view(k, tx, r, p.lang))
            .collect::<AppResult<Vec<_>>>()?;
        Ok(List {
            items,
            total: page.total,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}

fn file_path(k: &Kontor, i: &Import) -> PathBuf {
    imports_dir(k).join(&i.file)
}

// ---- preview --------------------------------------------------------------------------------

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct PreviewRow {
    pub row: u64,
    pub cells: Vec<String>,
}

#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Preview {
    pub header_row: u64,
    pub headers: Vec<String>,
    /// The first 20 data rows.
    pub rows: Vec<PreviewRow>,
    /// Field per column (aligned with `headers`; null: not imported): the saved mapping named
    /// in the query applied to these headers, else the one recognised from the headers.
    pub mapping: Vec<Option<String>>,
    /// The fields a column can fill (besides `custom:<name>`).
    pub fields: Vec<mapping::FieldView>,
    /// The caller's saved mappings.
    pub saved: Vec<String>,
}

pub fn preview(k: &Kontor, p: &Principal, id: u64, saved: Option<&str>) -> AppResult<Preview> {
    let r = k.store.read(|tx| import_for(tx, p, id))?;
    let mut rows = Vec::new();
    scan(&file_path(k, &r.data), &r.data.layout, &mut rows)
        .map_err(|e| file_error(&r.data.filename, e))?;
    let headers = r.data.headers.clone();
    let saved_mappings = k.store.read(|tx| saved_mappings(tx, p))?;
    let mapping = match saved {
        Some(name) => {
            let m = saved_mappings
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| unknown_mapping(name))?;
            mapping::apply_saved(&headers, &m.columns)
        }
        None => mapping::suggest(&headers),
    };
    Ok(Preview {
        header_row: r.data.header_row,
        rows: rows
            .into_iter()
            .map(|r| PreviewRow {
                row: r.row,
                cells: r.cells,
            })
            .collect(),
        headers,
        mapping,
        fields: mapping::field_views(p.lang),
        saved: saved_mappings.into_iter().map(|m| m.name).collect(),
    })
}

// ---- options --------------------------------------------------------------------------------

/// How to import: the body of a dry run and of a commit.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ImportOptions {
    /// `create` (default), `upsert` or `update`.
    #[serde(default)]
    pub mode: Mode,
    /// What matches a row to an existing customer: `name` (default), `email`, `website`, `phone`.
    #[serde(default)]
    pub key: MatchKey,
    /// Field per column, aligned with the headers (`name`, `country`, … `custom:<name>`; null:
    /// skip the column). Absent: the saved mapping `mapping_name`, else the suggestion.
    pub mapping: Option<Vec<Option<String>>>,
    pub mapping_name: Option<String>,
    /// Owner of rows without an owner column value (default: the caller).
    pub owner_id: Option<u64>,
    /// Instead of `owner_id`: `{"team_id": N}` gives rows without an owner to the team's
    /// active members in turn; `{"pool": true}` puts them in the public pool.
    pub default_owner: Option<DefaultOwnerInput>,
}

/// Who gets rows without an owner, as asked.
#[derive(Clone, Debug, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultOwnerInput {
    pub user_id: Option<u64>,
    pub team_id: Option<u64>,
    #[serde(default)]
    pub pool: bool,
}

fn unknown_mapping(name: &str) -> AppError {
    AppError::invalid(
        "mapping_name",
        Msg::new(
            format!("没有名为“{name}”的映射。"),
            format!("No saved mapping is called “{name}”."),
        ),
    )
}

fn resolve(
    tx: &Tx,
    p: &Principal,
    scope: Scope,
    i: &Import,
    o: ImportOptions,
) -> AppResult<Resolved> {
    let mapping = match (o.mapping, o.mapping_name) {
        (Some(m), _) => m,
        (None, Some(name)) => {
            let saved = saved_mappings(tx, p)?;
            let m = saved
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| unknown_mapping(&name))?;
            mapping::apply_saved(&i.headers, &m.columns)
        }
        (None, None) => mapping::suggest(&i.headers),
    };
    let mapping = mapping::check(&mapping, i.headers.len())?;
    if o.mode != Mode::Create && !mapping.iter().any(|m| m.as_deref() == Some(o.key.field())) {
        return Err(AppError::invalid(
            "key",
            Msg::new(
                format!("按“{}”匹配，但没有映射这一列。", o.key.label(Lang::Zh)),
                format!(
                    "Rows are matched by {}, but no column is mapped to it.",
                    o.key.label(Lang::En)
                ),
            ),
        ));
    }
    let choice = o.default_owner.unwrap_or_default();
    let default_owner = if choice.pool {
        // Only who may reach everyone's customers fills the pool.
        if scope != Scope::All {
            return Err(AppError::forbidden().on_field("default_owner"));
        }
        DefaultOwner::Pool
    } else if let Some(team_id) = choice.team_id {
        let members = crate::domain::users::active_members(tx, team_id)?;
        if members.is_empty() {
            return Err(AppError::invalid(
                "default_owner",
                Msg::new(
                    "这个团队没有在职成员，无法轮流分配。",
                    "This team has no active members to take turns.",
                ),
            ));
        }
        if !members.iter().all(|m| p.reaches(scope, Some(*m))) {
            return Err(AppError::forbidden().on_field("default_owner"));
        }
        DefaultOwner::RoundRobin { team_id, members }
    } else {
        let owner_id = choice.user_id.or(o.owner_id).unwrap_or(p.user_id);
        if !p.reaches(scope, Some(owner_id)) {
            return Err(AppError::forbidden().on_field("owner_id"));
        }
        crate::domain::crm::active_owner(tx, "owner_id", owner_id)?;
        DefaultOwner::User(owner_id)
    };
    Ok(Resolved {
        mode: o.mode,
        key: o.key,
        mapping,
        default_owner,
    })
}

// ---- rows -----------------------------------------------------------------------------------

#[derive(Clone, Debug)]
enum Target {
    Field(&'static str),
    Custom(String),
}

/// Everything a pass needs besides the store.
struct Ctx {
    principal: Principal,
    scope: Scope,
    options: Resolved,
    headers: Vec<String>,
    targets: Vec<Option<Target>>,
    /// Column (1-based) of each field.
    columns: HashMap<String, usize>,
    /// Folded username or display name → user id (None: two users share the name).
    users: HashMap<String, Option<u64>>,
    /// The admin's duplicate rules, read once per pass.
    rules: Rules,
    /// The company's country, for phone numbers of rows without one.
    region: String,
    /// Rows without an owner so far (the round robin's turn).
    ownerless: std::sync::atomic::AtomicU64,
}

impl Ctx {
    fn new(tx: &Tx, p: &Principal, scope: Scope, i: &Import, options: Resolved) -> AppResult<Ctx> {
        let mut users: HashMap<String, Option<u64>> = HashMap::new();
        tx.for_each::<User>(false, &mut |u| {
            if u.data.active {
                users.insert(fold(u.data.username.trim()), Some(u.id));
                let dn = fold(u.data.display_name.trim());
                let e = users.entry(dn).or_insert(Some(u.id));
                if *e != Some(u.id) {
                    *e = None;
                }
            }
            Ok(true)
        })?;
        let targets: Vec<Option<Target>> = options
            .mapping
            .iter()
            .map(|m| {
                let m = m.as_deref()?;
                Some(match m.strip_prefix("custom:") {
                    Some(c) => Target::Custom(c.trim().to_string()),
                    None => Target::Field(mapping::field(m)?.key),
                })
            })
            .collect();
        let columns = options
            .mapping
            .iter()
            .enumerate()
            .filter_map(|(i, m)| Some((m.clone()?, i + 1)))
            .collect();
        Ok(Ctx {
            principal: p.clone(),
            scope,
            headers: i.headers.clone(),
            targets,
            columns,
            users,
            options,
            rules: check::rules(tx)?,
            region: crate::domain::company::default_country(tx)?,
            ownerless: Default::default(),
        })
    }
    fn column(&self, field: &str) -> Option<usize> {
        self.columns.get(field).copied()
    }

    /// The owner of the next row without one (`None`: the pool). Rows are prepared in file
    /// order, in the dry run as in the commit, so each row gets the same one.
    fn next_default_owner(&self) -> Option<u64> {
        match &self.options.default_owner {
            DefaultOwner::User(id) => Some(*id),
            DefaultOwner::RoundRobin { members, .. } => {
                let turn = self
                    .ownerless
                    .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                members
                    .get((turn % members.len().max(1) as u64) as usize)
                    .copied()
            }
            DefaultOwner::Pool => None,
        }
    }
}

/// One row's values, checked.
#[derive(Clone, Debug, Default)]
struct Fields {
    name: Option<String>,
    name_alt: Option<String>,
    country: Option<String>,
    time_zone: Option<String>,
    address: Option<String>,
    website: Option<String>,
    email: Option<String>,
    phone: Option<String>,
    source: Option<String>,
    tier: Option<String>,
    tags: Vec<String>,
    owner: Option<u64>,
    contact: Option<String>,
    contact_title: Option<String>,
    contact_email: Option<String>,
    contact_phone: Option<String>,
    purchase_preferences: Option<String>,
    payment_behaviour: Option<String>,
    custom: BTreeMap<String, String>,
}

struct Prepared {
    row: u64,
    f: Fields,
    /// What the duplicate check and the within-file check compare.
    keys: ProbeKeys,
    /// The customer a create would write (not for update-only imports).
    new: Option<NewCustomer>,
    issues: Vec<Issue>,
}

impl Prepared {
    fn has_errors(&self) -> bool {
        self.issues.iter().any(|i| i.severity == Severity::Error)
    }
}

fn find_country(v: &str) -> Option<&'static str> {
    if let Some(c) = countries::find(v.trim()) {
        return Some(c.code);
    }
    let f = mapping::normalise(v);
    let alias = match f.as_str() {
        "usa" | "unitedstatesofamerica" | "america" | "美国" => "US",
        "uk" | "england" | "greatbritain" | "britain" | "unitedkingdom" => "GB",
        "deutschland" => "DE",
        "中国大陆" | "prc" | "peoplesrepublicofchina" => "CN",
        "香港" | "hongkong" => "HK",
        "台湾" => "TW",
        "uae" => "AE",
        "korea" | "southkorea" | "韩国" => "KR",
        "russia" | "russianfederation" => "RU",
        _ => "",
    };
    if !alias.is_empty() {
        return countries::find(alias).map(|c| c.code);
    }
    static NAMES: std::sync::LazyLock<std::collections::HashMap<String, &'static str>> =
        std::sync::LazyLock::new(|| countries::name_index(mapping::normalise));
    NAMES.get(&f).copied()
}

fn split_tags(v: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for t in v.split([',', ';', '，', '；', '、', '|', '\n']) {
        let t = t.trim();
        if !t.is_empty() && !out.iter().any(|x| x == t) {
            out.push(t.to_string());
        }
    }
    out
}

fn prepare(ctx: &Ctx, raw: RawRow) -> Prepared {
    let row = raw.row;
    let mut f = Fields::default();
    let mut issues = Vec::new();
    let bad = |issues: &mut Vec<Issue>, col: usize, field: &str, e: AppError| {
        let code = if e.msg.en.ends_with("is required.") {
            "required"
        } else {
            "invalid"
        };
        issues.push(Issue::new(row, Some(col), Some(field), code, e.msg));
    };
    for (i, cell) in raw.cells.into_iter().enumerate() {
        // Cells may hold line breaks (Alt+Enter in Excel); customer fields are single-line.
        let joined;
        let v = if cell.contains(['\n', '\r', '\t']) {
            joined = cell
                .split(['\n', '\r', '\t'])
                .map(str::trim)
                .filter(|s| !s.is_empty())
                .collect::<Vec<_>>()
                .join(" ");
            joined.as_str()
        } else {
            cell.trim()
        };
        if v.is_empty() {
            continue;
        }
        let col = i + 1;
        let Some(target) = ctx.targets.get(i) else {
            if i >= ctx.headers.len() {
                issues.push(
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
        let Some(target) = target else { continue };
        let text = |max: usize, field: &str| validate::optional_text(field, Some(v), max);
        match target {
            Target::Custom(key) => match text(500, key) {
                Ok(Some(v)) => {
                    f.custom.insert(key.clone(), v);
                }
                Ok(None) => {}
                Err(e) => bad(&mut issues, col, key, e),
            },
            Target::Field(field) => {
                let field = *field;
                let r: AppResult<()> = (|| {
                    match field {
                        "name" => f.name = Some(validate::text("name", v, 200)?),
                        "name_alt" => f.name_alt = text(200, field)?,
                        "country" => {
                            f.country = Some(find_country(v).map(str::to_string).ok_or_else(|| {
                                AppError::invalid(
                                    "country",
                                    Msg::new(
                                        format!("不认识的国家：{v}（可填国家名或代码，如 德国、DE）"),
                                        format!("Unknown country: {v} (a name or code such as Germany, DE)"),
                                    ),
                                )
                            })?)
                        }
                        "time_zone" => f.time_zone = Some(validate::time_zone(field, v)?),
                        "address" => f.address = text(500, field)?,
                        "website" => f.website = validate::optional_website(field, Some(v))?,
                        "email" => f.email = validate::optional_email(field, Some(v))?,
                        "phone" => f.phone = text(40, field)?,
                        "source" => f.source = text(60, field)?,
                        "tier" => f.tier = text(20, field)?,
                        "tags" => {
                            let tags = split_tags(v);
                            for t in &tags {
                                validate::optional_text("tags", Some(t), 30)?;
                            }
                            if tags.len() > 30 {
                                return Err(AppError::invalid(
                                    "tags",
                                    Msg::new("标签不能超过 30 个。", "At most 30 tags."),
                                ));
                            }
                            f.tags = tags;
                        }
                        "owner" => f.owner = Some(owner_of(ctx, v)?),
                        "contact" => f.contact = text(100, field)?,
                        "contact_title" => f.contact_title = text(100, field)?,
                        "contact_email" => f.contact_email = validate::optional_email(field, Some(v))?,
                        "contact_phone" => f.contact_phone = text(40, field)?,
                        "notes" => {
                            if let Some(n) = text(500, field)? {
                                f.custom.insert(mapping::NOTES_KEY.to_string(), n);
                            }
                        }
                        "purchase_preferences" => f.purchase_preferences = text(1000, field)?,
                        "payment_behaviour" => f.payment_behaviour = text(1000, field)?,
                        _ => {}
                    }
                    Ok(())
                })();
                if let Err(e) = r {
                    bad(&mut issues, col, field, e);
                }
            }
        }
    }
    if f.name.is_none() && !issues.iter().any(|i| i.field.as_deref() == Some("name")) {
        issues.push(Issue::new(
            row,
            ctx.column("name"),
            Some("name"),
            "required",
            Msg::new("公司名称不能为空。", "The company name is required."),
        ));
    }
    if (f.contact_email.is_some() || f.contact_phone.is_some() || f.contact_title.is_some())
        && f.contact.is_none()
    {
        issues.push(Issue::new(
            row,
            ctx.column("contact"),
            Some("contact"),
            "required",
            Msg::new(
                "填写了联系人的邮箱、电话或职位，但没有联系人姓名。",
                "A contact e-mail, phone or title is given without the contact's name.",
            ),
        ));
    }
    // The owner a new customer would get: the row's, else the import's choice.
    let owner = match f.owner {
        Some(o) => Some(o),
        None => ctx.next_default_owner(),
    };
    let probe = Probe {
        name: f.name.clone(),
        name_alt: f.name_alt.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        website: f.website.clone(),
        country: f.country.clone(),
        exclude_customer: None,
        owner_id: owner,
    };
    let mut keys = ProbeKeys::new(&probe, &ctx.region);
    keys.owner = owner;
    // The customer form's own checks and defaults, so both make the same customers.
    let mut new = None;
    if ctx.options.mode != Mode::Update && !issues.iter().any(|i| i.severity == Severity::Error) {
        match NewCustomer::check(customer_input(&f, owner), owner.unwrap_or_default()) {
            Ok(mut n) => {
                // A row for the pool has no owner.
                n.customer.owner_id = owner;
                new = Some(n)
            }
            Err(e) => {
                let field = e.field.as_deref().map(import_field);
                let col = field.as_deref().and_then(|f| ctx.column(f));
                issues.push(Issue::new(row, col, field.as_deref(), "invalid", e.msg));
            }
        }
    }
    Prepared {
        row,
        f,
        keys,
        new,
        issues,
    }
}

fn customer_input(f: &Fields, owner: Option<u64>) -> CustomerInput {
    CustomerInput {
        name: f.name.clone().unwrap_or_default(),
        name_alt: f.name_alt.clone(),
        country: f.country.clone(),
        time_zone: f.time_zone.clone(),
        address: f.address.clone(),
        website: f.website.clone(),
        email: f.email.clone(),
        phone: f.phone.clone(),
        source: f.source.clone(),
        tier: f.tier.clone(),
        tags: f.tags.clone(),
        owner_id: owner,
        purchase_preferences: f.purchase_preferences.clone(),
        payment_behaviour: f.payment_behaviour.clone(),
        custom: f.custom.clone(),
        contacts: f
            .contact
            .iter()
            .map(|name| ContactInput {
                name: name.clone(),
                title: f.contact_title.clone(),
                phones: f.contact_phone.iter().cloned().collect(),
                emails: f.contact_email.iter().cloned().collect(),
                ..Default::default()
            })
            .collect(),
        ..Default::default()
    }
}

/// The import field of a field named by the customer checks (`contacts[0].emails[0]` →
/// `contact_email`, `custom.行业` → `custom:行业`).
fn import_field(field: &str) -> String {
    if let Some(f) = field.strip_prefix("contacts[0].") {
        return match f.split('[').next().unwrap_or(f) {
            "emails" => "contact_email",
            "phones" => "contact_phone",
            "title" => "contact_title",
            _ => "contact",
        }
        .to_string();
    }
    match field.strip_prefix("custom.") {
        Some(k) if k == mapping::NOTES_KEY => "notes".to_string(),
        Some(k) => format!("custom:{k}"),
        None => field.to_string(),
    }
}

fn owner_of(ctx: &Ctx, v: &str) -> AppResult<u64> {
    let id = match ctx.users.get(&fold(v.trim())) {
        Some(Some(id)) => *id,
        Some(None) => {
            return Err(AppError::invalid(
                "owner",
                Msg::new(
                    format!("有多个用户叫“{v}”，请填写用户名。"),
                    format!("Several users are called “{v}”; give the username."),
                ),
            ));
        }
        None => {
            return Err(AppError::invalid(
                "owner",
                Msg::new(
                    format!("没有叫“{v}”的在职用户（可填用户名或显示名）。"),
                    format!("No active user is called “{v}” (a username or display name)."),
                ),
            ));
        }
    };
    if !ctx.principal.reaches(ctx.scope, Some(id)) {
        return Err(AppError::invalid(
            "owner",
            Msg::new(
                format!("您只能为自己权限范围内的人导入客户，不能指定“{v}”。"),
                format!(
                    "You may import customers only for people within your scope, not for “{v}”."
                ),
            ),
        ));
    }
    Ok(id)
}

// ---- planning a row ---------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq)]
enum Plan {
    Create,
    Update(u64),
    Skip,
}

/// A duplicate found for a row.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct Duplicate {
    pub row: u64,
    /// The key they share (for the database: the field of the strongest reason).
    pub key: MatchKey,
    /// The row's value of that key.
    pub value: String,
    /// An earlier row of the file with the same key.
    pub of_row: Option<u64>,
    /// An existing customer: its id when the caller may see it.
    pub customer_id: Option<u64>,
    /// An existing lead: its id when the caller may see it.
    pub lead_id: Option<u64>,
    /// The existing record's name, when the caller may see it.
    pub customer_name: Option<String>,
    /// Its owner's name (also told to a rep who may not see the record).
    pub owner: Option<String>,
    /// Why it may be the same firm, in the caller's language.
    pub reasons: Vec<String>,
    /// Whether the row is skipped because of it (else it is a warning).
    pub blocking: bool,
}

struct Planned {
    plan: Plan,
    issues: Vec<Issue>,
    dups: Vec<Duplicate>,
}

/// State carried from row to row of a pass.
#[derive(Default)]
struct PassState {
    in_file: InFile,
    memo: check::CheckMemo,
    /// Customers updated by earlier rows, with the row.
    updated: HashMap<u64, u64>,
}

fn key_value(p: &Prepared, key: MatchKey) -> Option<String> {
    match key {
        MatchKey::Name => p.f.name.clone(),
        MatchKey::Email => p.f.email.clone(),
        MatchKey::Website => p.f.website.clone(),
        MatchKey::Phone => p.f.phone.clone(),
    }
}

fn owner_name(tx: &Tx, owner: Option<u64>) -> AppResult<Option<String>> {
    Ok(match owner {
        Some(o) => names(tx, [o])?.remove(&o),
        None => None,
    })
}

/// The customer a row would update, as a duplicate of the row.
fn matched_dup(
    tx: &Tx,
    ctx: &Ctx,
    p: &Prepared,
    key: MatchKey,
    c: &Customer,
    id: u64,
) -> AppResult<Duplicate> {
    let visible = guard::may::<Customer>(tx, &ctx.principal, c, Action::Read)?;
    Ok(Duplicate {
        row: p.row,
        key,
        value: key_value(p, key).unwrap_or_default(),
        of_row: None,
        customer_id: visible.then_some(id),
        lead_id: None,
        customer_name: visible.then(|| c.name.clone()),
        owner: owner_name(tx, c.owner_id)?,
        reasons: Vec::new(),
        blocking: true,
    })
}

/// A candidate of the duplicate check, as a duplicate of the row (it tells only what the check
/// lets the caller see).
fn candidate_dup(p: &Prepared, c: &check::Candidate, blocking: bool) -> Duplicate {
    let key = MatchKey::from(c.field);
    let seen = |kind: &str| c.id.filter(|_| c.kind == kind);
    Duplicate {
        row: p.row,
        key,
        value: key_value(p, key).unwrap_or_default(),
        of_row: None,
        customer_id: seen("customer"),
        lead_id: seen("lead"),
        customer_name: c.title.clone(),
        owner: c.owner.as_ref().map(|o| o.name.clone()),
        reasons: c.reasons.clone(),
        blocking,
    }
}

/// The warning for a possible duplicate in the database, naming it only as far as the caller
/// may see it.
fn possible_duplicate(c: &check::Candidate) -> Msg {
    let (zh_reason, en_reason) = (c.reason_in(Lang::Zh), c.reason_in(Lang::En));
    let no = c.id.unwrap_or_default();
    let lead = c.kind == "lead";
    let (zh_kind, en_kind) = if lead {
        ("线索", "lead")
    } else {
        ("客户", "customer")
    };
    match (&c.title, &c.owner) {
        (Some(title), _) => Msg::new(
            format!("可能与已有{zh_kind}“{title}”（编号 {no}）重复：{zh_reason}"),
            format!("May duplicate the existing {en_kind} “{title}” (no. {no}): {en_reason}"),
        ),
        (None, Some(owner)) => Msg::new(
            format!("可能与 {} 负责的一个{zh_kind}重复：{zh_reason}", owner.name),
            format!(
                "May duplicate a {en_kind} owned by {}: {en_reason}",
                owner.name
            ),
        ),
        (None, None) => Msg::new(
            format!("可能与公海中的一个{zh_kind}重复：{zh_reason}"),
            format!("May duplicate a {en_kind} in the pool: {en_reason}"),
        ),
    }
}

fn key_column(ctx: &Ctx, key: MatchKey) -> Option<usize> {
    ctx.column(key.field())
}

fn plan(tx: &Tx, ctx: &Ctx, st: &mut PassState, p: &Prepared) -> AppResult<Planned> {
    let mut issues = p.issues.clone();
    let mut dups = Vec::new();
    if p.has_errors() {
        return Ok(Planned {
            plan: Plan::Skip,
            issues,
            dups,
        });
    }
    let (mode, key) = (ctx.options.mode, ctx.options.key);
    let row = p.row;
    let key_col = key_column(ctx, key);
    let err = |code: &str, field: Option<&str>, col: Option<usize>, msg: Msg| {
        Issue::new(row, col, field, code, msg)
    };
    // 1. Updates: the existing customer with the same key (exact, as the duplicate index
    // keeps it).
    let mut plan = Plan::Create;
    if mode != Mode::Create {
        let matched = if key_value(p, key).is_some() {
            check::customers_by_key(tx, key.into(), &p.keys)?
        } else {
            if mode == Mode::Update {
                issues.push(err(
                    "required",
                    Some(key.field()),
                    key_col,
                    Msg::new(
                        format!("按{}匹配，但这一行没有填写。", key.label(Lang::Zh)),
                        format!(
                            "Rows are matched by {}, but this row has none.",
                            key.label(Lang::En)
                        ),
                    ),
                ));
                plan = Plan::Skip;
            }
            Vec::new()
        };
        if matched.len() > 1 {
            issues.push(err(
                "ambiguous",
                Some(key.field()),
                key_col,
                Msg::new(
                    format!(
                        "有 {} 个客户的{}相同，无法确定更新哪一个。",
                        matched.len(),
                        key.label(Lang::Zh)
                    ),
                    format!(
                        "{} customers share this {}; cannot tell which to update.",
                        matched.len(),
                        key.label(Lang::En)
                    ),
                ),
            ));
            plan = Plan::Skip;
        } else if let Some(&id) = matched.first() {
            let c = tx.get_live::<Customer>(id)?;
            if !ctx.principal.reaches(ctx.scope, c.data.owner_id) {
                dups.push(matched_dup(tx, ctx, p, key, &c.data, id)?);
                let who = owner_name(tx, c.data.owner_id)?.unwrap_or_default();
                issues.push(err(
                    "owned_by_other",
                    Some(key.field()),
                    key_col,
                    match c.data.owner_id {
                        Some(_) => Msg::new(
                            format!("该客户已由其他业务员（{who}）跟进，您不能更新。"),
                            format!("This customer is owned by another rep ({who}); you may not update it."),
                        ),
                        None => Msg::new(
                            "该客户在公海中，不能通过导入更新，请先领取。",
                            "This customer is in the public pool; claim it before updating it by import.",
                        ),
                    },
                ));
                plan = Plan::Skip;
            } else if let Some(new_owner) = p.f.owner.filter(|o| c.data.owner_id != Some(*o)) {
                let assign = ctx.principal.scope(Module::Crm, Action::Assign);
                if !(ctx.principal.reaches(assign, c.data.owner_id)
                    && ctx.principal.reaches(assign, Some(new_owner)))
                {
                    issues.push(err(
                        "scope",
                        Some("owner"),
                        ctx.column("owner"),
                        Msg::new(
                            "更换负责人需要分配权限。",
                            "Changing the owner needs the assign permission.",
                        ),
                    ));
                    plan = Plan::Skip;
                } else {
                    plan = Plan::Update(id);
                }
            } else {
                plan = Plan::Update(id);
            }
        } else if mode == Mode::Update && plan != Plan::Skip {
            issues.push(err(
                "not_found",
                Some(key.field()),
                key_col,
                Msg::new(
                    format!("没有{}相同的客户可更新。", key.label(Lang::Zh)),
                    format!("No customer has this {} to update.", key.label(Lang::En)),
                ),
            ));
            plan = Plan::Skip;
        }
    }
    // 2. Two rows for one customer are errors on an update's match key.
    if let Plan::Update(id) = plan {
        if let Some(&first) = st.updated.get(&id) {
            issues.push(err(
                "duplicate_in_file",
                Some(key.field()),
                key_col,
                Msg::new(
                    format!("与第 {first} 行的{}相同。", key.label(Lang::Zh)),
                    format!("Same {} as row {first}.", key.label(Lang::En)),
                ),
            ));
            plan = Plan::Skip;
        } else {
            st.updated.insert(id, row);
        }
    }
    // 3. A new customer: the duplicate check of the customer form under the same rules, for
    // the owner the row would have, without this import's own earlier rows (step 4 weighs
    // those, the same way in the dry run and the commit). It also counts how many records
    // carry the row's name words, for step 4.
    let mut counts = check::Counts::of_file(
        p.keys
            .name_terms()
            .into_iter()
            .filter_map(|t| st.in_file.counts.get(&t).map(|n| (t, *n)))
            .collect(),
        st.in_file.len(),
    );
    let mut db_result = None;
    if plan == Plan::Create {
        let (result, used) = check::candidates_counted(
            tx,
            &ctx.principal,
            &p.keys,
            &ctx.rules,
            &mut st.memo,
            counts,
        )?;
        counts = used;
        db_result = Some(result);
    }
    // 4. Earlier rows of the file that may be the same firm.
    if plan != Plan::Skip {
        for hit in st
            .in_file
            .check(&p.keys, &counts, &ctx.rules)
            .into_iter()
            .take(3)
        {
            let k = hit.key;
            let same = hit.judgement.level == Level::Same;
            let other_owner = same && hit.owner != p.keys.owner;
            let blocking = plan == Plan::Create && (hit.action == RuleAction::Block || other_owner);
            let why: Vec<(String, String)> = hit
                .judgement
                .evidence
                .iter()
                .map(|(_, e)| {
                    (
                        check::evidence_text(e, Lang::Zh),
                        check::evidence_text(e, Lang::En),
                    )
                })
                .collect();
            let (zh, en) = (
                why.iter()
                    .map(|w| w.0.clone())
                    .collect::<Vec<_>>()
                    .join("；"),
                why.iter()
                    .map(|w| w.1.clone())
                    .collect::<Vec<_>>()
                    .join("; "),
            );
            dups.push(Duplicate {
                row,
                key: k,
                value: key_value(p, k).unwrap_or_default(),
                of_row: Some(hit.row),
                customer_id: None,
                lead_id: None,
                customer_name: None,
                owner: owner_name(tx, hit.owner)?,
                reasons: why
                    .iter()
                    .map(|w| ctx.principal.lang.pick(&w.0, &w.1).to_string())
                    .collect(),
                blocking,
            });
            let first = hit.row;
            let msg = if other_owner {
                let (who_zh, who_en) = match owner_name(tx, hit.owner)? {
                    Some(n) => (n.clone(), n),
                    None => ("公海".to_string(), "the public pool".to_string()),
                };
                Msg::new(
                    format!(
                        "与第 {first} 行是同一家公司，但那一行属于另一位负责人（{who_zh}）：{zh}"
                    ),
                    format!(
                        "The same firm as row {first}, which is for another owner ({who_en}): {en}"
                    ),
                )
            } else if same {
                Msg::new(
                    format!("与第 {first} 行是同一家公司：{zh}"),
                    format!("The same firm as row {first}: {en}"),
                )
            } else {
                Msg::new(
                    format!("可能与第 {first} 行是同一家公司：{zh}"),
                    format!("May be the same firm as row {first}: {en}"),
                )
            };
            let issue = err(
                "duplicate_in_file",
                Some(k.field()),
                ctx.column(k.field()),
                msg,
            );
            if blocking {
                issues.push(issue);
                plan = Plan::Skip;
                break;
            } else {
                issues.push(issue.warning());
            }
        }
    }
    if plan == Plan::Create
        && let Some(result) = db_result
    {
        if let Some(refused) = check::refusal(&result) {
            let c = refused.candidate;
            let k = MatchKey::from(c.field);
            dups.push(candidate_dup(p, c, true));
            let code = match refused.code {
                ErrorCode::OwnedByOther => "owned_by_other",
                _ => "exists",
            };
            issues.push(err(
                code,
                Some(k.field()),
                ctx.column(k.field()),
                refused.msg,
            ));
            plan = Plan::Skip;
        } else {
            for c in result.candidates.iter().take(MAX_DB_DUPLICATES) {
                let k = MatchKey::from(c.field);
                dups.push(candidate_dup(p, c, false));
                issues.push(
                    err(
                        "possible_duplicate",
                        Some(k.field()),
                        ctx.column(k.field()),
                        possible_duplicate(c),
                    )
                    .warning(),
                );
            }
        }
    }
    if plan != Plan::Skip {
        st.in_file.add(row, &p.keys, p.keys.owner);
    }
    Ok(Planned { plan, issues, dups })
}

// ---- dry run --------------------------------------------------------------------------------

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
        let scope = may_import(p)?;
        let r = import_for(tx, p, id)?;
        let resolved = resolve(tx, p, scope, &r.data, options)?;
        let ctx = Ctx::new(tx, p, scope, &r.data, resolved)?;
        let mut st = PassState {
            memo: check::CheckMemo::for_import(),
            ..Default::default()
        };
        let mut counts = DryRunCounts::default();
        let (mut issues, mut duplicates, mut truncated) = (Vec::new(), Vec::new(), false);
        let mut failure: Option<AppError> = None;
        let header_row = r.data.header_row;
        reader::read_rows(&file_path(k, &r.data), &r.data.layout, &mut |raw| {
            if raw.row <= header_row || raw.is_blank() {
                return Ok(true);
            }
            let prepared = prepare(&ctx, raw);
            let planned = match plan(tx, &ctx, &mut st, &prepared) {
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
                    issues.push(issue_view(i, &ctx.headers, p.lang));
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
        .map_err(|e| file_error(&r.data.filename, e))?;
        if let Some(e) = failure {
            return Err(e);
        }
        Ok(DryRun {
            counts,
            mapping: ctx.options.mapping.clone(),
            mode: ctx.options.mode,
            key: ctx.options.key,
            issues,
            duplicates,
            truncated,
        })
    })
}

// ---- commit ---------------------------------------------------------------------------------

/// What undoes one written row.
#[derive(Clone, Debug, Serialize, Deserialize)]
struct Undo {
    customer_id: u64,
    created: bool,
    /// Updates: the customer as it was, and the version the import left.
    before: Option<Customer>,
    version_after: u64,
    contact_ids: Vec<u64>,
}

fn undo_key(id: u64, row: u64) -> Vec<u8> {
    let mut k = id.to_be_bytes().to_vec();
    k.extend_from_slice(&row.to_be_bytes());
    k
}

fn store_issues(tx: &mut Tx, id: u64, progress: &mut Progress, issues: &[Issue]) -> AppResult<()> {
    for i in issues {
        if progress.issues_stored >= MAX_STORED_ISSUES {
            break;
        }
        let v = serde_json::to_vec(i).map_err(AppError::internal)?;
        tx.kv_put(KV_ISSUES, &undo_key(id, progress.issues_stored), &v)?;
        progress.issues_stored += 1;
    }
    Ok(())
}

/// Starts (or continues) the commit in the background and returns at once; follow it with
/// [`get`]. Options are those of the dry run; a continued commit keeps its first options.
pub fn commit(
    k: Arc<Kontor>,
    p: &Principal,
    id: u64,
    options: ImportOptions,
) -> AppResult<ImportView> {
    let scope = may_import(p)?;
    let principal = p.clone();
    let key = worker_key(&k, id);
    {
        let mut workers = WORKERS.lock().map_err(AppError::internal)?;
        if !workers.insert(key.clone()) {
            return Err(busy());
        }
    }
    let started = (|| {
        let resolved = k.store.read(|tx| {
            let r = import_for(tx, p, id)?;
            match r.data.status {
                ImportStatus::Uploaded => resolve(tx, p, scope, &r.data, options).map(Some),
                ImportStatus::Running | ImportStatus::Failed => Ok(None),
                _ => Err(state_conflict(
                    "这次导入已完成或已撤销，不能再提交。",
                    "This import is already done or reverted; it cannot be committed again.",
                )),
            }
        })?;
        let actor = p.actor();
        k.store.write(move |tx| {
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
        })
    })();
    let record = match started {
        Ok(r) => r,
        Err(e) => {
            release(&key);
            return Err(e);
        }
    };
    // The worker holds the application only while it writes, so a server that stops closes
    // its data file at once; the import then shows as interrupted.
    let weak = Arc::downgrade(&k);
    let worker = key.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("kontor-import-{id}"))
        .spawn(move || {
            let result = run_commit(&weak, &principal, scope, id);
            if let Some(k) = weak.upgrade() {
                finish(&k, &principal, id, result, ImportStatus::Done);
            }
            release(&worker);
        });
    if let Err(e) = spawned {
        release(&key);
        return Err(AppError::internal(e));
    }
    k.store.read(|tx| view(&k, tx, record, p.lang))
}

fn release(key: &(PathBuf, u64)) {
    if let Ok(mut w) = WORKERS.lock() {
        w.remove(key);
    }
}

fn busy() -> AppError {
    state_conflict(
        "这次导入正在处理中。",
        "This import is being processed right now.",
    )
}

fn state_conflict(zh: &'static str, en: &'static str) -> AppError {
    AppError::new(ErrorCode::Conflict).with_msg(Msg::new(zh, en))
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

/// A batch planned on a read snapshot, to be written.
struct PlannedBatch {
    rows: Vec<(Prepared, Planned)>,
    /// The last change the snapshot had seen.
    as_of: u64,
    /// Customers this import wrote before an interruption, learnt since the last batch.
    resumed_own: Vec<u64>,
}

/// Plans a batch on a snapshot, outside the one writer thread: the duplicate check is most of
/// an import's work, and the writer is busy writing the previous batch meanwhile.
fn plan_batch(
    k: &Kontor,
    ctx: &Ctx,
    st: &mut PassState,
    batch: Vec<Prepared>,
    resumed_own: Vec<u64>,
) -> AppResult<PlannedBatch> {
    k.store.read(|tx| {
        st.memo.new_transaction();
        let as_of = tx.outbox_last()?;
        let mut rows = Vec::with_capacity(batch.len());
        for p in batch {
            let planned = plan(tx, ctx, st, &p)?;
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
struct WriterState {
    /// For checking again when someone else wrote since a batch was planned (its `own`: the
    /// customers this import created).
    memo: check::CheckMemo,
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
/// batch was planned, its new customers are checked again against the database first, so a
/// customer created a moment ago still counts.
fn write_batch(
    k: &Kontor,
    ctx: &Arc<Ctx>,
    ws: &Arc<Mutex<WriterState>>,
    id: u64,
    batch: PlannedBatch,
    created: std::sync::mpsc::Sender<u64>,
) -> AppResult<()> {
    let (ctx, ws) = (ctx.clone(), ws.clone());
    k.store.write(move |tx| {
        let mut ws = ws.lock().map_err(AppError::internal)?;
        let start = tx.outbox_last()?;
        let foreign = !only_ours(&ws.ours, batch.as_of, start);
        ws.memo.new_transaction();
        ws.memo.own.extend(batch.resumed_own.iter().copied());
        let mut progress = progress(tx, id)?;
        let actor = ctx.principal.actor();
        let mut defaults = NewCustomerDefaults::load(tx)?;
        for (p, mut planned) in batch.rows {
            if foreign && planned.plan == Plan::Create {
                recheck(tx, &ctx, &mut ws.memo, &p, &mut planned)?;
            }
            let undo = match planned.plan {
                Plan::Create => Some(create_row(tx, &actor, &mut defaults, p.new)?),
                Plan::Update(cid) => Some(update_row(tx, &actor, cid, &p)?),
                Plan::Skip => None,
            };
            if let Some(u) = &undo {
                if u.created {
                    ws.memo.own.insert(u.customer_id);
                    // Told before the commit, so a plan on any later snapshot leaves it out.
                    let _ = created.send(u.customer_id);
                    progress.created += 1;
                } else {
                    progress.updated += 1;
                }
                if !planned.issues.is_empty() {
                    progress.warnings += 1;
                }
                let v = serde_json::to_vec(u).map_err(AppError::internal)?;
                tx.kv_put(KV_UNDO, &undo_key(id, p.row), &v)?;
            } else {
                progress.skipped += 1;
            }
            store_issues(tx, id, &mut progress, &planned.issues)?;
            progress.rows_done += 1;
            progress.last_row = p.row;
        }
        put_progress(tx, id, &progress)?;
        let end = tx.outbox_last()?;
        ws.ours.push((start, end));
        Ok(())
    })
}

/// Checks a planned new customer again in the writing transaction (someone else wrote since
/// it was planned): a refusal now skips the row.
fn recheck(
    tx: &Tx,
    ctx: &Ctx,
    memo: &mut check::CheckMemo,
    p: &Prepared,
    planned: &mut Planned,
) -> AppResult<()> {
    let result = check::candidates_for(tx, &ctx.principal, &p.keys, &ctx.rules, memo)?;
    if let Some(refused) = check::refusal(&result) {
        let c = refused.candidate;
        let k = MatchKey::from(c.field);
        planned.dups.push(candidate_dup(p, c, true));
        let code = match refused.code {
            ErrorCode::OwnedByOther => "owned_by_other",
            _ => "exists",
        };
        planned.issues.push(Issue::new(
            p.row,
            ctx.column(k.field()),
            Some(k.field()),
            code,
            refused.msg,
        ));
        planned.plan = Plan::Skip;
    }
    Ok(())
}

/// The application, while it runs.
fn live(k: &Weak<Kontor>) -> AppResult<Arc<Kontor>> {
    k.upgrade()
        .ok_or_else(|| AppError::new(ErrorCode::Unavailable))
}

fn run_commit(weak: &Weak<Kontor>, p: &Principal, scope: Scope, id: u64) -> AppResult<()> {
    let k = live(weak)?;
    let (import, done) = k.store.read(|tx| {
        let r = tx.get_live::<Import>(id)?;
        Ok::<_, AppError>((r.data, progress(tx, id)?.last_row))
    })?;
    let options = import
        .options
        .clone()
        .ok_or_else(|| AppError::internal("import without options"))?;
    let ctx = Arc::new(
        k.store
            .read(|tx| Ctx::new(tx, p, scope, &import, options))?,
    );
    // The reader plans batches on snapshots; a writer thread writes them, one batch behind.
    let mut st = PassState {
        memo: check::CheckMemo::for_import(),
        ..Default::default()
    };
    let (to_writer, batches) = std::sync::mpsc::sync_channel::<PlannedBatch>(1);
    let (created_tx, created) = std::sync::mpsc::channel::<u64>();
    let writer = {
        let (weak, ctx) = (weak.clone(), ctx.clone());
        std::thread::Builder::new()
            .name(format!("kontor-import-write-{id}"))
            .spawn(move || -> AppResult<()> {
                let ws = Arc::new(Mutex::new(WriterState {
                    memo: check::CheckMemo::default(),
                    ours: Vec::new(),
                }));
                for batch in batches {
                    let k = live(&weak)?;
                    write_batch(&k, &ctx, &ws, id, batch, created_tx.clone())?;
                }
                Ok(())
            })
            .map_err(AppError::internal)?
    };
    let mut batch: Vec<Prepared> = Vec::with_capacity(BATCH);
    let mut resumed_own: Vec<u64> = Vec::new();
    let mut failure: Option<AppError> = None;
    let header_row = import.header_row;
    let path = file_path(&k, &import);
    drop(k);
    let send =
        |st: &mut PassState, batch: Vec<Prepared>, resumed_own: Vec<u64>| -> AppResult<bool> {
            // What the writer created so far is the import's own, not a duplicate in the database.
            st.memo.own.extend(created.try_iter());
            let planned = plan_batch(&*live(weak)?, &ctx, st, batch, resumed_own)?;
            // A closed channel: the writer stopped on an error, which it returns.
            Ok(to_writer.send(planned).is_ok())
        };
    reader::read_rows(&path, &import.layout, &mut |raw| {
        if raw.row <= header_row || raw.is_blank() {
            return Ok(true);
        }
        let prepared = prepare(&ctx, raw);
        if prepared.row <= done {
            // Written before an interruption: it counts as an earlier row, as it did then.
            let written = live(weak).and_then(|k| {
                k.store
                    .read(|tx| tx.kv_get(KV_UNDO, &undo_key(id, prepared.row)))
                    .map_err(AppError::from)
            });
            match written {
                Ok(Some(undo)) => {
                    st.in_file
                        .add(prepared.row, &prepared.keys, prepared.keys.owner);
                    if let Ok(u) = serde_json::from_slice::<Undo>(&undo) {
                        if u.created {
                            st.memo.own.insert(u.customer_id);
                            resumed_own.push(u.customer_id);
                        } else {
                            st.updated.insert(u.customer_id, prepared.row);
                        }
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

fn contact_of(
    f: &Fields,
    customer: &Customer,
    customer_id: u64,
    primary: bool,
    region: String,
) -> Option<Contact> {
    Some(Contact {
        customer_id,
        name: f.contact.clone()?,
        role: None,
        title: f.contact_title.clone(),
        phones: f.contact_phone.iter().cloned().collect(),
        emails: f.contact_email.iter().cloned().collect(),
        whatsapp: None,
        wechat: None,
        skype: None,
        birthday: None,
        notes: None,
        primary,
        owner_id: customer.owner_id,
        region: Some(region),
    })
}

/// Writes a new customer as the customer form would (team, pool, owned-since, contacts,
/// cadence tasks).
fn create_row(
    tx: &mut Tx,
    actor: &Actor,
    defaults: &mut NewCustomerDefaults,
    new: Option<NewCustomer>,
) -> AppResult<Undo> {
    let new = new
        .ok_or_else(|| AppError::internal("import row planned as a create without its customer"))?;
    let (r, contact_ids) = insert_new(tx, actor, defaults, new)?;
    Ok(Undo {
        customer_id: r.id,
        created: true,
        before: None,
        version_after: r.meta.version,
        contact_ids,
    })
}

fn set<T: Clone>(target: &mut Option<T>, v: &Option<T>) {
    if v.is_some() {
        target.clone_from(v);
    }
}

fn update_row(tx: &mut Tx, actor: &Actor, id: u64, p: &Prepared) -> AppResult<Undo> {
    let before = tx.get_live::<Customer>(id)?;
    let f = &p.f;
    if let Some(o) = f.owner
        && before.data.owner_id != Some(o)
    {
        crate::domain::crm::active_owner(tx, "owner", o)?;
        crate::domain::crm::set_customer_owner(tx, actor, id, Some(o))?;
    }
    let r = tx.update::<Customer, AppError>(actor, id, None, |c| {
        if let Some(n) = &f.name {
            c.name_key = name_key(n);
            c.name = n.clone();
        }
        set(&mut c.name_alt, &f.name_alt);
        set(&mut c.country, &f.country);
        set(&mut c.time_zone, &f.time_zone);
        set(&mut c.address, &f.address);
        set(&mut c.website, &f.website);
        set(&mut c.email, &f.email);
        set(&mut c.phone, &f.phone);
        set(&mut c.source, &f.source);
        set(&mut c.tier, &f.tier);
        set(&mut c.purchase_preferences, &f.purchase_preferences);
        set(&mut c.payment_behaviour, &f.payment_behaviour);
        for t in &f.tags {
            if !c.tags.contains(t) && c.tags.len() < 30 {
                c.tags.push(t.clone());
            }
        }
        for (key, v) in &f.custom {
            if c.custom.len() < 50 || c.custom.contains_key(key) {
                c.custom.insert(key.clone(), v.clone());
            }
        }
        Ok(())
    })?;
    if r.data.country != before.data.country {
        crate::domain::crm::sync_contact_regions(tx, actor, id)?;
    }
    let mut contact_ids = Vec::new();
    if let Some(name) = &f.contact {
        let existing = tx.ids_by_index::<Contact>("customer", &IndexKey::new().u64(id), false)?;
        let mut known = false;
        for cid in &existing {
            if tx
                .get_live::<Contact>(*cid)
                .is_ok_and(|c| fold(&c.data.name) == fold(name))
            {
                known = true;
            }
        }
        let region = crate::domain::crm::contact_region(tx, &r.data)?;
        if !known && let Some(c) = contact_of(f, &r.data, id, existing.is_empty(), region) {
            contact_ids.push(tx.insert(actor, c)?.id);
        }
    }
    Ok(Undo {
        customer_id: id,
        created: false,
        before: Some(before.data),
        version_after: r.meta.version,
        contact_ids,
    })
}

// ---- report ---------------------------------------------------------------------------------

/// The issues a commit recorded (errors and warnings, at most 10,000 per import), in file order.
pub fn issues(k: &Kontor, p: &Principal, id: u64, paging: Paging) -> AppResult<List<RowIssue>> {
    k.store.read(|tx| {
        let r = import_for(tx, p, id)?;
        let progress = progress(tx, id)?;
        let mut items = Vec::new();
        let end = (paging.offset() + paging.per_page).min(progress.issues_stored);
        for seq in paging.offset()..end {
            if let Some(v) = tx.kv_get(KV_ISSUES, &undo_key(id, seq))?
                && let Ok(i) = serde_json::from_slice::<Issue>(&v)
            {
                items.push(issue_view(&i, &r.data.headers, p.lang));
            }
        }
        Ok(List {
            items,
            total: progress.issues_stored,
            page: paging.page,
            per_page: paging.per_page,
        })
    })
}

// ---- revert ---------------------------------------------------------------------------------

/// Starts (or continues) undoing a commit in the background.
pub fn revert(k: Arc<Kontor>, p: &Principal, id: u64) -> AppResult<ImportView> {
    may_import(p)?;
    let key = worker_key(&k, id);
    {
        let mut workers = WORKERS.lock().map_err(AppError::internal)?;
        if !workers.insert(key.clone()) {
            return Err(busy());
        }
    }
    let started = (|| {
        let (record, last_row) = k.store.read(|tx| {
            let r = import_for(tx, p, id)?;
            Ok::<_, AppError>((r, progress(tx, id)?.last_row))
        })?;
        match record.data.status {
            ImportStatus::Done | ImportStatus::Failed | ImportStatus::Reverting => {}
            ImportStatus::Running => {}
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
    })();
    let (record, last_row) = match started {
        Ok(x) => x,
        Err(e) => {
            release(&key);
            return Err(e);
        }
    };
    let principal = p.clone();
    let weak = Arc::downgrade(&k);
    let worker = key.clone();
    let spawned = std::thread::Builder::new()
        .name(format!("kontor-revert-{id}"))
        .spawn(move || {
            let result = run_revert(&weak, &principal, id, last_row);
            if let Some(k) = weak.upgrade() {
                finish(&k, &principal, id, result, ImportStatus::Reverted);
            }
            release(&worker);
        });
    if let Err(e) = spawned {
        release(&key);
        return Err(AppError::internal(e));
    }
    k.store.read(|tx| view(&k, tx, record, p.lang))
}

fn run_revert(weak: &Weak<Kontor>, p: &Principal, id: u64, last_row: u64) -> AppResult<()> {
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
                let Some(v) = tx.kv_get(KV_UNDO, &undo_key(id, row))? else {
                    continue;
                };
                let undo: Undo = serde_json::from_slice(&v).map_err(AppError::internal)?;
                if revert_row(tx, &actor, &undo)? {
                    progress.reverted += 1;
                } else {
                    progress.revert_skipped += 1;
                    let issue = Issue::new(
                        row,
                        None,
                        None,
                        "changed_since",
                        Msg::new(
                            format!("客户（编号 {}）在导入后又被修改过，未撤销。", undo.customer_id),
                            format!(
                                "The customer (no. {}) was changed after the import; left as it is.",
                                undo.customer_id
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

/// Undoes one row; false when the customer changed since the import (left alone).
fn revert_row(tx: &mut Tx, actor: &Actor, u: &Undo) -> AppResult<bool> {
    let Some(current) = tx.get::<Customer>(u.customer_id)? else {
        return Ok(true);
    };
    let changed = !u.created && current.meta.version != u.version_after;
    if changed && !current.meta.is_deleted() {
        return Ok(false);
    }
    for cid in &u.contact_ids {
        if tx.get_live::<Contact>(*cid).is_ok() {
            tx.delete::<Contact>(actor, *cid, None)?;
        }
    }
    if current.meta.is_deleted() {
        return Ok(true);
    }
    if u.created {
        tx.delete::<Customer>(actor, u.customer_id, None)?;
        return Ok(true);
    }
    let Some(before) = u.before.clone() else {
        return Ok(true);
    };
    if current.data.owner_id != before.owner_id {
        crate::domain::crm::set_customer_owner(tx, actor, u.customer_id, before.owner_id)?;
    }
    tx.update::<Customer, AppError>(actor, u.customer_id, None, |c| {
        let (owner, team, since) = (c.owner_id, c.team_id, c.owned_since);
        *c = before;
        c.owner_id = owner;
        c.team_id = team;
        c.owned_since = since;
        Ok(())
    })?;
    Ok(true)
}

// ---- saved mappings -------------------------------------------------------------------------

/// A mapping saved by a user: header → field (null: skip the column).
#[derive(Clone, Debug, Serialize, Deserialize, utoipa::ToSchema)]
pub struct SavedMapping {
    pub name: String,
    pub kind: String,
    pub columns: BTreeMap<String, Option<String>>,
    pub updated_at: DateTime<Utc>,
}

#[derive(Clone, Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MappingInput {
    pub name: String,
    /// `customers` (default).
    pub kind: Option<String>,
    /// Header → field (`name`, `country`, … `custom:<name>`, or null to skip the column).
    pub columns: BTreeMap<String, Option<String>>,
}

fn saved_mappings(tx: &Tx, p: &Principal) -> AppResult<Vec<SavedMapping>> {
    let mut out: Vec<SavedMapping> = tx
        .kv_prefix(KV_MAPPINGS, &p.user_id.to_be_bytes())?
        .into_iter()
        .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
        .collect();
    out.sort_by_key(|m| std::cmp::Reverse(m.updated_at));
    Ok(out)
}

pub fn mappings(k: &Kontor, p: &Principal) -> AppResult<Vec<SavedMapping>> {
    may_import(p)?;
    k.store.read(|tx| saved_mappings(tx, p))
}

/// Saves (or replaces) one of the caller's mappings by name.
pub fn save_mapping(k: &Kontor, p: &Principal, input: MappingInput) -> AppResult<SavedMapping> {
    may_import(p)?;
    let name = validate::text("name", &input.name, 60)?;
    let kind = input.kind.unwrap_or_else(|| "customers".into());
    if kind != "customers" {
        return Err(AppError::invalid(
            "kind",
            Msg::new(
                "目前只能导入客户。",
                "Only customers can be imported so far.",
            ),
        ));
    }
    if input.columns.len() > reader::MAX_COLUMNS {
        return Err(AppError::invalid(
            "columns",
            Msg::new(
                format!("最多 {} 列。", reader::MAX_COLUMNS),
                format!("At most {} columns.", reader::MAX_COLUMNS),
            ),
        ));
    }
    let mut seen = BTreeSet::new();
    for (h, f) in &input.columns {
        validate::text("columns", h, 200)?;
        if let Some(f) = f {
            if !mapping::is_target(f) {
                return Err(AppError::invalid(
                    format!("columns.{h}"),
                    Msg::new(format!("未知的字段：{f}"), format!("Unknown field: {f}")),
                ));
            }
            if !seen.insert(f.clone()) {
                return Err(AppError::invalid(
                    format!("columns.{h}"),
                    Msg::new(
                        format!("字段“{f}”被映射了两次。"),
                        format!("The field “{f}” is mapped twice."),
                    ),
                ));
            }
        }
    }
    let saved = SavedMapping {
        name,
        kind,
        columns: input.columns,
        updated_at: Utc::now(),
    };
    let mut key = p.user_id.to_be_bytes().to_vec();
    key.extend_from_slice(saved.name.as_bytes());
    let v = serde_json::to_vec(&saved).map_err(AppError::internal)?;
    let out = saved.clone();
    k.store.write(move |tx| {
        tx.kv_put(KV_MAPPINGS, &key, &v)?;
        Ok::<_, AppError>(())
    })?;
    Ok(out)
}

/// Deletes one of the caller's mappings.
pub fn delete_mapping(k: &Kontor, p: &Principal, name: String) -> AppResult<()> {
    may_import(p)?;
    let mut key = p.user_id.to_be_bytes().to_vec();
    key.extend_from_slice(name.as_bytes());
    k.store
        .write(move |tx| match tx.kv_remove(KV_MAPPINGS, &key)? {
            Some(_) => Ok(()),
            None => Err(AppError::not_found()),
        })
}

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
mod country_tests {
    #[test]
    fn country_names_in_either_language() {
        for (v, code) in [
            ("爱沙尼亚", "EE"),
            ("Estonia", "EE"),
            ("ee", "EE"),
            ("德国", "DE"),
            ("Deutschland", "DE"),
            ("USA", "US"),
            ("阿联酋", "AE"),
            ("Czech Republic", "CZ"),
            ("Hong Kong", "HK"),
            ("中国台湾", "TW"),
        ] {
            assert_eq!(super::find_country(v), Some(code), "{v}");
        }
        assert_eq!(super::find_country("Atlantis"), None);
    }
}
