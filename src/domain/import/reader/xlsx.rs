//! XLSX read row by row through calamine's cell reader (cached values of formula cells, never
//! evaluated), after a zip check that bounds what inflating the workbook could cost (zip bombs,
//! sizes that lie, the shared-string table).

use std::fs::File;
use std::io::{BufReader, Read};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};

use crate::error::Msg;

use super::{
    CHUNK, FileError, MAX_COLUMNS, MAX_ENTRY_BYTES, MAX_RATIO, MAX_ROW_BYTES,
    MAX_SHARED_STRINGS_BYTES, MAX_TOTAL_BYTES, RawRow, too_many_columns,
};

/// Refuses a zip that is damaged or would expand beyond the limits (a zip bomb): the central
/// directory's declared sizes first, then every entry is inflated into a counter (nothing kept)
/// so that sizes that lie are caught too, and no text run between tags is longer than a row.
pub(super) fn check_zip(path: &Path) -> Result<(), FileError> {
    let file = File::open(path).map_err(|e| FileError::io(&e))?;
    let not_xlsx = |detail: String| {
        FileError::new(Msg::new(
            format!("文件不是有效的 XLSX（zip 压缩包已损坏：{detail}）。"),
            format!("The file is not a valid XLSX workbook (damaged zip archive: {detail})."),
        ))
    };
    let bomb = |name: &str| {
        FileError::new(Msg::new(
            format!("XLSX 文件中的“{name}”解压后过大或压缩比异常（疑似 zip 炸弹），已拒绝。"),
            format!(
                "The part “{name}” of the XLSX file expands too much or has an abnormal compression ratio (a zip bomb?); refused."
            ),
        ))
    };
    let mut zip =
        zip::ZipArchive::new(BufReader::new(file)).map_err(|e| not_xlsx(e.to_string()))?;
    if zip.len() > 10_000 {
        return Err(bomb("[central directory]"));
    }
    let mut total: u64 = 0;
    for i in 0..zip.len() {
        let entry = zip.by_index_raw(i).map_err(|e| not_xlsx(e.to_string()))?;
        let (name, size, packed) = (
            entry.name().map(|n| n.into_owned()).unwrap_or_default(),
            entry.size(),
            entry.compressed_size(),
        );
        total = total.saturating_add(size);
        let limit = entry_limit(&name);
        if size > limit
            || total > MAX_TOTAL_BYTES
            || (size > 10 * 1024 * 1024 && size / packed.max(1) > MAX_RATIO)
        {
            return Err(bomb(&name));
        }
    }
    let mut total: u64 = 0;
    let mut buf = vec![0u8; CHUNK];
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i).map_err(|e| not_xlsx(e.to_string()))?;
        let name = entry.name().map(|n| n.into_owned()).unwrap_or_default();
        if !name.ends_with(".xml") && !name.ends_with(".rels") {
            continue;
        }
        let (limit, packed) = (entry_limit(&name), entry.compressed_size());
        let mut size: u64 = 0;
        let mut run: usize = 0;
        loop {
            let n = match entry.read(&mut buf) {
                Ok(n) => n,
                Err(e) => return Err(not_xlsx(e.to_string())),
            };
            if n == 0 {
                break;
            }
            size += n as u64;
            total += n as u64;
            if size > limit
                || total > MAX_TOTAL_BYTES
                || (size > 10 * 1024 * 1024 && size / packed.max(1) > MAX_RATIO)
            {
                return Err(bomb(&name));
            }
            for &b in &buf[..n] {
                if b == b'<' {
                    run = 0;
                } else {
                    run += 1;
                }
            }
            if run > MAX_ROW_BYTES {
                return Err(bomb(&name));
            }
        }
    }
    Ok(())
}

fn entry_limit(name: &str) -> u64 {
    if name.ends_with("sharedStrings.xml") {
        MAX_SHARED_STRINGS_BYTES
    } else if name.contains("worksheets/") {
        MAX_ENTRY_BYTES
    } else {
        64 * 1024 * 1024
    }
}

fn xlsx_error(e: calamine::XlsxError) -> FileError {
    let detail = e.to_string();
    if matches!(e, calamine::XlsxError::Password) {
        return FileError::new(Msg::new(
            "XLSX 文件有密码保护，请先去掉密码。",
            "The XLSX workbook is password-protected; remove the password first.",
        ));
    }
    FileError::new(Msg::new(
        format!("无法读取 XLSX 文件：{detail}"),
        format!("Cannot read the XLSX workbook: {detail}"),
    ))
}

/// Runs calamine on the file, refusing the file when calamine panics: an absurd cell reference
/// (`r="AAAAAAAAA1"`) overflows its arithmetic, which panics in builds with overflow checks
/// (found by fuzzing). Nothing calamine touched outlives the call.
fn calamine<T>(f: impl FnOnce() -> Result<T, FileError>) -> Result<T, FileError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).unwrap_or_else(|_| {
        Err(FileError::new(Msg::new(
            "无法读取 XLSX 文件：文件内容已损坏。",
            "Cannot read the XLSX workbook: its content is damaged.",
        )))
    })
}

fn open_xlsx(path: &Path) -> Result<Xlsx<BufReader<File>>, FileError> {
    let file = File::open(path).map_err(|e| FileError::io(&e))?;
    calamine(|| Xlsx::new(BufReader::new(file)).map_err(xlsx_error))
}

pub(super) fn first_sheet(path: &Path) -> Result<String, FileError> {
    let book = open_xlsx(path)?;
    book.sheet_names().into_iter().next().ok_or_else(|| {
        FileError::new(Msg::new(
            "XLSX 文件里没有工作表。",
            "The XLSX workbook has no worksheet.",
        ))
    })
}

/// A cell's text: the value Excel shows for numbers and dates (ISO dates), the cached result
/// of a formula (never the formula), TRUE/FALSE, the error text (#N/A) as is.
fn cell_text(v: &DataRef) -> String {
    match v {
        DataRef::Empty => String::new(),
        DataRef::String(s) => s.clone(),
        DataRef::SharedString(s) => s.to_string(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) => number_text(*f),
        DataRef::Bool(b) => if *b { "TRUE" } else { "FALSE" }.to_string(),
        // calamine's conversion panics far outside Excel's dates (1900 to 9999: serial numbers
        // up to 2958466); such a number is shown as the number it is.
        DataRef::DateTime(d) if d.as_f64().abs() > 1e7 || d.as_f64().is_nan() => {
            number_text(d.as_f64())
        }
        DataRef::DateTime(d) => match d.as_datetime() {
            Some(dt) if dt.time() == chrono::NaiveTime::MIN => dt.date().to_string(),
            Some(dt) => dt.format("%Y-%m-%d %H:%M:%S").to_string(),
            None => number_text(d.as_f64()),
        },
        DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::Error(e) => e.to_string(),
    }
}

fn number_text(f: f64) -> String {
    if f.is_finite() && f.fract() == 0.0 && f.abs() < 1e15 {
        format!("{}", f as i64)
    } else {
        format!("{f}")
    }
}

pub(super) fn read_xlsx(
    path: &Path,
    sheet: &str,
    visit: &mut dyn FnMut(RawRow) -> Result<bool, FileError>,
) -> Result<(), FileError> {
    let mut book = open_xlsx(path)?;
    let mut cells = calamine(|| book.worksheet_cells_reader(sheet).map_err(xlsx_error))?;
    let mut current: Option<RawRow> = None;
    let mut size = 0usize;
    loop {
        let cell = calamine(|| {
            let Some(cell) = cells.next_cell().map_err(xlsx_error)? else {
                return Ok(None);
            };
            Ok(Some((cell.get_position(), cell_text(cell.get_value()))))
        })?;
        let Some(((r, c), text)) = cell else { break };
        let (row, col) = (r as u64 + 1, c as usize);
        if current.as_ref().is_some_and(|cur| cur.row != row) {
            if let Some(done) = current.take()
                && !visit(done)?
            {
                return Ok(());
            }
            size = 0;
        }
        if text.is_empty() {
            continue;
        }
        if col >= MAX_COLUMNS {
            return Err(too_many_columns(row));
        }
        size += text.len();
        if size > MAX_ROW_BYTES {
            return Err(FileError::at(
                row,
                Some(col + 1),
                Msg::new(
                    format!("这一行超过 {} MB。", MAX_ROW_BYTES / (1024 * 1024)),
                    format!(
                        "This row is longer than {} MB.",
                        MAX_ROW_BYTES / (1024 * 1024)
                    ),
                ),
            ));
        }
        let cur = current.get_or_insert_with(|| RawRow {
            row,
            cells: Vec::new(),
        });
        if cur.cells.len() <= col {
            cur.cells.resize(col + 1, String::new());
        }
        cur.cells[col] = text;
    }
    if let Some(done) = current {
        visit(done)?;
    }
    Ok(())
}
