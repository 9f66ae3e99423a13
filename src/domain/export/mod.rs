//! Export of lists (CRM-8): a kind's list, as filtered on its screen, to CSV (UTF-8 with BOM so
//! Excel opens it, or GBK) or XLSX — customers ([`customers`]) and products ([`products`]).
//!
//! Export is its own permission (the kind's module × `export`) and reaches only what both the
//! export and the read scope reach. A column's header and hidden-field class come from the
//! kind's import column of the same key where there is one ([`Head::Import`]), so an exported
//! file imports back and a field hidden from a role is hidden the same way in both; columns
//! only an export has (id, status, dates) declare their own. Columns pass through
//! [`visible_columns`], which drops every column of a field class the caller's roles hide. A
//! cell starting with `=`, `+`, `-`, `@`, tab or CR could run as a formula when a spreadsheet
//! opens the file: in CSV it gets a leading apostrophe (which the import drops again); in XLSX
//! every value is written as a string (never a formula) and such cells also carry Excel's quote
//! prefix (the apostrophe shown in the formula bar), so the text stays exactly as stored.
//!
//! Memory: one pass collects the ids of the matching records in the list's order, then the
//! rows are written one at a time to a temporary file under `<data>/tmp/` (XLSX in
//! rust_xlsxwriter's constant-memory mode), which the API streams and the OS removes once it is
//! closed.

mod customers;
mod products;

use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::Utc;
use serde::Deserialize;

use crate::auth::{FieldClass, Principal};
use crate::domain::Kontor;
use crate::domain::import::Column as ImportColumn;
use crate::error::{AppError, AppResult, ErrorCode, Msg};

pub use customers::customers;
pub use products::{ProductExportQuery, products};

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    #[default]
    Csv,
    Xlsx,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ExportEncoding {
    /// UTF-8 with a byte-order mark.
    #[default]
    Utf8,
    /// GBK, for old Excel versions set to Chinese (characters outside GBK become `?`).
    Gbk,
}

/// How to export (besides the list's filters).
#[derive(Clone, Debug, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ExportParams {
    /// `csv` (default) or `xlsx`.
    pub format: Option<ExportFormat>,
    /// CSV only: `utf8` (default, with BOM) or `gbk`.
    pub encoding: Option<ExportEncoding>,
}

/// An export ready to send: an open file (already unlinked), its name and type.
pub struct ExportFile {
    pub file: File,
    pub filename: String,
    pub content_type: &'static str,
    pub size: u64,
    pub rows: u64,
}

/// Where a column's header and hidden-field class come from.
enum Head {
    /// The kind's import column of this key.
    Import(&'static str),
    /// A column only the export has.
    Own {
        zh: &'static str,
        en: &'static str,
        class: Option<FieldClass>,
    },
}

/// A column of an export whose rows are `R`s.
struct Column<R> {
    head: Head,
    get: fn(&R) -> String,
}

impl<R> Column<R> {
    /// Header labels and hidden-field class, read from `import` (the kind's import columns).
    fn head(&self, import: &[ImportColumn]) -> (&'static str, &'static str, Option<FieldClass>) {
        match self.head {
            Head::Import(key) => import
                .iter()
                .find(|c| c.key == key)
                .map_or((key, key, None), |c| (c.zh, c.en, c.class)),
            Head::Own { zh, en, class } => (zh, en, class),
        }
    }
}

/// A column only the export has.
const fn own<R>(zh: &'static str, en: &'static str, get: fn(&R) -> String) -> Column<R> {
    Column {
        head: Head::Own {
            zh,
            en,
            class: None,
        },
        get,
    }
}

/// A column the kind's import has too (its headers and hidden class).
const fn import<R>(key: &'static str, get: fn(&R) -> String) -> Column<R> {
    Column {
        head: Head::Import(key),
        get,
    }
}

/// The columns the caller may see, with their headers in the caller's language: every column of
/// a hidden field class is dropped here, the one place exports choose columns.
fn visible_columns<'a, R>(
    p: &Principal,
    columns: &'a [Column<R>],
    import: &[ImportColumn],
) -> Vec<(String, &'a Column<R>)> {
    columns
        .iter()
        .filter_map(|c| {
            let (zh, en, class) = c.head(import);
            class
                .is_none_or(|class| !p.hides(class))
                .then(|| (p.lang.pick(zh, en).to_string(), c))
        })
        .collect()
}

/// Whether a spreadsheet could take the text for a formula.
pub fn formula_like(s: &str) -> bool {
    s.starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// CSV escaping against formula injection: a leading apostrophe.
pub fn escape_formula(s: &str) -> std::borrow::Cow<'_, str> {
    if formula_like(s) {
        format!("'{s}").into()
    } else {
        s.into()
    }
}

/// The cell an export escaped, as it was (the import reads it so, and a file imports back).
pub fn unescape_formula(s: &str) -> &str {
    match s.strip_prefix('\'') {
        Some(rest) if formula_like(rest) => rest,
        _ => s,
    }
}

fn unknown(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

/// XLSX holds at most 1,048,576 lines (the header one of them).
fn fits(format: ExportFormat, rows: usize) -> AppResult<()> {
    if format == ExportFormat::Xlsx && rows >= 1_048_576 {
        return Err(unknown(
            "format",
            "超过 XLSX 的行数上限（1,048,575 行），请导出为 CSV。".into(),
            "More rows than XLSX allows (1,048,575); export CSV instead.".into(),
        ));
    }
    Ok(())
}

fn io(e: std::io::Error) -> AppError {
    if e.kind() == std::io::ErrorKind::StorageFull || e.raw_os_error() == Some(28) {
        AppError::new(ErrorCode::StorageFull)
    } else {
        AppError::internal(e)
    }
}

fn temp_path(k: &Kontor, ext: &str) -> AppResult<PathBuf> {
    let dir = k.data_dir.join("tmp");
    std::fs::create_dir_all(&dir).map_err(io)?;
    let n: u128 = rand::random();
    Ok(dir.join(format!("export-{n:032x}.{ext}")))
}

/// Writes a CSV line in the chosen encoding.
struct CsvOut {
    w: BufWriter<File>,
    gbk: Option<encoding_rs::Encoder>,
    line: String,
    buf: Vec<u8>,
}

impl CsvOut {
    fn row(&mut self, cells: &[String]) -> AppResult<()> {
        self.line.clear();
        for (i, cell) in cells.iter().enumerate() {
            if i > 0 {
                self.line.push(',');
            }
            let cell = escape_formula(cell);
            if cell.contains([',', '"', '\n', '\r']) {
                self.line.push('"');
                self.line.push_str(&cell.replace('"', "\"\""));
                self.line.push('"');
            } else {
                self.line.push_str(&cell);
            }
        }
        self.line.push_str("\r\n");
        match &mut self.gbk {
            None => self.w.write_all(self.line.as_bytes()).map_err(io),
            Some(enc) => {
                let mut src = self.line.as_str();
                self.buf.resize(src.len() * 2 + 16, 0);
                loop {
                    let (result, read, written) =
                        enc.encode_from_utf8_without_replacement(src, &mut self.buf, false);
                    self.w.write_all(&self.buf[..written]).map_err(io)?;
                    src = &src[read..];
                    match result {
                        encoding_rs::EncoderResult::InputEmpty => break,
                        encoding_rs::EncoderResult::OutputFull => {}
                        encoding_rs::EncoderResult::Unmappable(_) => {
                            self.w.write_all(b"?").map_err(io)?
                        }
                    }
                }
                Ok(())
            }
        }
    }
}

/// The format and encoding asked for, checked.
fn format_of(params: &ExportParams) -> AppResult<(ExportFormat, ExportEncoding)> {
    let format = params.format.unwrap_or_default();
    let encoding = params.encoding.unwrap_or_default();
    if format == ExportFormat::Xlsx && encoding != ExportEncoding::Utf8 {
        return Err(unknown(
            "encoding",
            "XLSX 文件没有编码选项，请去掉 encoding。".into(),
            "XLSX files have no encoding; leave encoding out.".into(),
        ));
    }
    Ok((format, encoding))
}

/// Gives each line of a table (the header first) to a writer.
type Lines<'a> = dyn FnMut(&mut dyn FnMut(&[String]) -> AppResult<()>) -> AppResult<()> + 'a;

/// Writes a table to `path` as CSV (UTF-8 with BOM, or GBK) or XLSX (every value a string; the
/// sheet named `sheet`), calling `lines` once.
fn write_table(
    path: &Path,
    format: ExportFormat,
    encoding: ExportEncoding,
    sheet: &str,
    lines: &mut Lines,
) -> AppResult<()> {
    match format {
        ExportFormat::Csv => {
            let mut out = CsvOut {
                w: BufWriter::with_capacity(256 * 1024, File::create(path).map_err(io)?),
                gbk: (encoding == ExportEncoding::Gbk).then(|| encoding_rs::GBK.new_encoder()),
                line: String::new(),
                buf: Vec::new(),
            };
            if encoding == ExportEncoding::Utf8 {
                out.w.write_all(b"\xEF\xBB\xBF").map_err(io)?;
            }
            lines(&mut |cells| out.row(cells))?;
            out.w.flush().map_err(io)?;
        }
        ExportFormat::Xlsx => {
            let mut book = rust_xlsxwriter::Workbook::new();
            let xerr = |e: rust_xlsxwriter::XlsxError| AppError::internal(e);
            if let Some(dir) = path.parent() {
                book.set_tempdir(dir).map_err(xerr)?;
            }
            let bold = rust_xlsxwriter::Format::new().set_bold();
            let quoted = rust_xlsxwriter::Format::new().set_quote_prefix();
            let sheet_out = book.add_worksheet_with_constant_memory().map_err(xerr)?;
            sheet_out.set_name(sheet).map_err(xerr)?;
            let mut line: u32 = 0;
            lines(&mut |cells| {
                for (i, cell) in cells.iter().enumerate() {
                    let col = i as u16;
                    if line == 0 {
                        sheet_out.write_string_with_format(0, col, cell, &bold)
                    } else if formula_like(cell) {
                        sheet_out.write_string_with_format(line, col, cell, &quoted)
                    } else if cell.is_empty() {
                        continue;
                    } else {
                        sheet_out.write_string(line, col, cell)
                    }
                    .map_err(xerr)?;
                }
                line += 1;
                Ok(())
            })?;
            book.save(path).map_err(xerr)?;
        }
    }
    Ok(())
}

/// Writes an export to a temporary file with `write` (which answers the rows written) and
/// opens it for sending as `<stem>-<time>.<ext>`; the file is gone once closed.
fn export_file(
    k: &Kontor,
    p: &Principal,
    stem: &str,
    format: ExportFormat,
    encoding: ExportEncoding,
    write: impl FnOnce(&Path) -> AppResult<u64>,
) -> AppResult<ExportFile> {
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    };
    let path = temp_path(k, ext)?;
    let rows = match write(&path) {
        Ok(rows) => rows,
        Err(e) => {
            let _ = std::fs::remove_file(&path);
            return Err(e);
        }
    };
    let file = File::open(&path).map_err(io);
    let _ = std::fs::remove_file(&path);
    let file = file?;
    let size = file.metadata().map_err(io)?.len();
    let stamp = Utc::now()
        .with_timezone(&time_zone(p))
        .format("%Y%m%d-%H%M");
    Ok(ExportFile {
        file,
        filename: format!("{stem}-{stamp}.{ext}"),
        content_type: match format {
            ExportFormat::Csv => match encoding {
                ExportEncoding::Utf8 => "text/csv; charset=utf-8",
                ExportEncoding::Gbk => "text/csv; charset=gbk",
            },
            ExportFormat::Xlsx => {
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
            }
        },
        size,
        rows,
    })
}

fn time_zone(p: &Principal) -> chrono_tz::Tz {
    p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_escaped() {
        for s in ["=1+1", "+49 30", "-2", "@SUM(A1)", "\tx", "\rx"] {
            assert!(escape_formula(s).starts_with('\''), "{s}");
        }
        assert_eq!(escape_formula("Acme"), "Acme");
        assert_eq!(escape_formula(""), "");
        for s in ["=1+1", "-20 °C", "Acme", "'quoted'", ""] {
            assert_eq!(unescape_formula(&escape_formula(s)), s, "{s}");
        }
    }

    #[test]
    fn hidden_classes_are_left_out() {
        let cost = Column {
            head: Head::Own {
                zh: "成本",
                en: "Cost",
                class: Some(FieldClass::Cost),
            },
            get: |_| String::new(),
        };
        let columns = [own("编号", "ID", |r: &u64| r.to_string()), cost];
        let mut p = crate::domain::import::tests::admin();
        assert_eq!(visible_columns(&p, &columns, &[]).len(), 2);
        p.perms.hidden_fields.push("cost".into());
        let heads: Vec<String> = visible_columns(&p, &columns, &[])
            .into_iter()
            .map(|(h, _)| h)
            .collect();
        assert_eq!(heads, ["ID"]);
    }
}
