//! Receiving a file: stored under `<data>/files/imports/`, checked from end to end (a file that
//! cannot be read is refused with its row and column, and deleted), its header row found by
//! the kind's header synonyms; then the preview with the suggested (or a saved) mapping.
//!
//! The file is streamed from disk on every pass (upload check, preview, dry run, commit), so
//! memory does not grow with it.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::auth::Principal;
use crate::domain::Kontor;
use crate::error::{AppError, AppResult, ErrorCode, Msg};

use super::access::{ImportView, import_for, may_import, may_import_any, view};
use super::mapping::{self, FieldView};
use super::reader::{self, FileError, Format, Layout, RawRow, TextEncoding};
use super::record::{Import, ImportStatus};
use super::saved::{saved_mappings, unknown_mapping};
use super::target::{Column, TARGETS, target};

/// The largest upload.
pub const MAX_UPLOAD: u64 = 100 * 1024 * 1024;
const PREVIEW_ROWS: usize = 20;
/// Rows looked at to find the header row.
const HEADER_SEARCH: usize = 10;

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

pub(super) fn file_path(k: &Kontor, i: &Import) -> PathBuf {
    imports_dir(k).join(&i.file)
}

fn io_error(e: &std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        AppError::new(ErrorCode::StorageFull)
    } else {
        AppError::internal(e)
    }
}

/// A file that cannot be read, naming the file, row and column.
pub(super) fn file_error(filename: &str, e: FileError) -> AppError {
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

/// Which of the first non-blank rows is the header: the first with the most recognised
/// headers (so a title row such as “2026 广交会名单” above the table is skipped), else the
/// first row.
fn pick_header(columns: &[Column], rows: &[RawRow]) -> usize {
    let mut best = (0usize, 0usize);
    for (i, r) in rows.iter().enumerate() {
        let known = r
            .cells
            .iter()
            .filter(|c| mapping::guess(columns, c).is_some())
            .count();
        if known > best.1 {
            best = (i, known);
        }
    }
    best.0
}

fn scan(
    columns: &[Column],
    path: &Path,
    layout: &Layout,
    preview: &mut Vec<RawRow>,
) -> Result<Scanned, FileError> {
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
        let at = pick_header(columns, first);
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

/// A kind no target imports, naming those that can be.
fn unknown_kind(kind: &str) -> AppError {
    let zh: Vec<String> = TARGETS
        .iter()
        .map(|t| format!("{}（{}）", t.noun.zh, t.kind))
        .collect();
    let en: Vec<&str> = TARGETS.iter().map(|t| t.noun.en_plural).collect();
    AppError::invalid(
        "kind",
        Msg::new(
            format!("不能导入“{kind}”，目前只能导入{}。", zh.join("、")),
            format!(
                "Cannot import “{kind}”; only {} can be imported so far.",
                en.join(", ")
            ),
        ),
    )
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
    let Some(target) = target(kind) else {
        may_import_any(p)?;
        return Err(unknown_kind(kind));
    };
    may_import(p, target)?;
    let filename = clean_filename(filename);
    let size = std::fs::metadata(path).map_err(|e| io_error(&e))?.len();
    let layout = reader::sniff(path, &filename, encoding).map_err(|e| file_error(&filename, e))?;
    let mut preview = Vec::new();
    let scanned =
        scan(target.columns, path, &layout, &mut preview).map_err(|e| file_error(&filename, e))?;
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
    pub fields: Vec<FieldView>,
    /// The caller's saved mappings.
    pub saved: Vec<String>,
}

/// The headers, the first rows and the mapping the commit would use without one.
pub fn preview(k: &Kontor, p: &Principal, id: u64, saved: Option<&str>) -> AppResult<Preview> {
    let (r, saved_mappings) = k
        .store
        .read(|tx| Ok::<_, AppError>((import_for(tx, p, id)?, saved_mappings(tx, p)?)))?;
    let target = target(&r.data.kind).ok_or_else(AppError::not_found)?;
    let saved_mappings: Vec<_> = saved_mappings
        .into_iter()
        .filter(|m| m.kind == target.kind)
        .collect();
    let mut rows = Vec::new();
    scan(
        target.columns,
        &file_path(k, &r.data),
        &r.data.layout,
        &mut rows,
    )
    .map_err(|e| file_error(&r.data.filename, e))?;
    let headers = r.data.headers.clone();
    let columns = mapping::visible(target, p);
    let mapping = match saved {
        Some(name) => {
            let m = saved_mappings
                .iter()
                .find(|m| m.name == name)
                .ok_or_else(|| unknown_mapping(name))?;
            mapping::apply_saved(&columns, &headers, &m.columns)
        }
        None => mapping::suggest(&columns, &headers),
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
        fields: mapping::field_views(target, p),
        saved: saved_mappings.into_iter().map(|m| m.name).collect(),
    })
}
