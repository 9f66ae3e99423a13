//! Export of lists (CRM-8): customers, as filtered on the list screen, to CSV (UTF-8 with BOM so
//! Excel opens it, or GBK) or XLSX.
//!
//! Export is its own permission (`crm` × `export`) and reaches only what both the export and the
//! read scope reach. A column's header and hidden-field class come from the kind's import column
//! of the same key where there is one ([`Head::Import`]), so an exported file imports back and a
//! field hidden from a role is hidden the same way in both; columns only an export has (id,
//! status, dates) declare their own. Columns pass through [`visible_columns`], which drops every
//! column of a field class the caller's roles hide. A cell starting with `=`, `+`, `-`, `@`, tab or CR could
//! run as a formula when a spreadsheet opens the file: in CSV it gets a leading apostrophe; in
//! XLSX every value is written as a string (never a formula) and such cells also carry Excel's
//! quote prefix (the apostrophe shown in the formula bar), so the text stays exactly as stored.
//!
//! Memory: one pass collects the id and sort key of each matching customer, then the rows are
//! written one at a time to a temporary file under `<data>/tmp/` (XLSX in rust_xlsxwriter's
//! constant-memory mode), which the API streams and the OS removes once it is closed.

use std::collections::{BTreeSet, HashMap};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::{Action, FieldClass, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::customers::{CustomerFilter, CustomerQuery};
use crate::domain::crm::model::{Customer, CustomerStatus};
use crate::domain::import::customers::columns as customer_columns;
use crate::domain::import::{Column as ImportColumn, OWNER};
use crate::domain::kit::names;
use crate::error::{AppError, AppResult, ErrorCode, Msg};
use crate::i18n::Lang;
use crate::store::{IndexKey, Record};

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

/// What a column reads from.
struct Row<'a> {
    r: &'a Record<Customer>,
    owners: &'a HashMap<u64, String>,
    lang: Lang,
    tz: chrono_tz::Tz,
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

struct Column {
    head: Head,
    get: fn(&Row) -> String,
}

impl Column {
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

const fn own(zh: &'static str, en: &'static str, get: fn(&Row) -> String) -> Column {
    Column {
        head: Head::Own {
            zh,
            en,
            class: None,
        },
        get,
    }
}

const fn import(key: &'static str, get: fn(&Row) -> String) -> Column {
    Column {
        head: Head::Import(key),
        get,
    }
}

fn opt(v: &Option<String>) -> String {
    v.clone().unwrap_or_default()
}

fn time(row: &Row, t: Option<DateTime<Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&row.tz)
            .format("%Y-%m-%d %H:%M")
            .to_string()
    })
    .unwrap_or_default()
}

/// The customer columns: those the import also has take its headers (so the file imports back).
const COLUMNS: &[Column] = &[
    own("编号", "ID", |r| r.r.id.to_string()),
    import("name", |r| r.r.data.name.clone()),
    import("name_alt", |r| opt(&r.r.data.name_alt)),
    import("country", |r| opt(&r.r.data.country)),
    import("address", |r| opt(&r.r.data.address)),
    import("website", |r| opt(&r.r.data.website)),
    import("email", |r| opt(&r.r.data.email)),
    import("phone", |r| opt(&r.r.data.phone)),
    import("source", |r| opt(&r.r.data.source)),
    import("tier", |r| opt(&r.r.data.tier)),
    import("tags", |r| r.r.data.tags.join("; ")),
    import(OWNER, |r| {
        r.r.data
            .owner_id
            .and_then(|o| r.owners.get(&o).cloned())
            .unwrap_or_default()
    }),
    own("状态", "Status", |r| {
        match r.r.data.status {
            CustomerStatus::Prospect => r.lang.pick("潜在客户", "Prospect"),
            CustomerStatus::Customer => r.lang.pick("成交客户", "Customer"),
            CustomerStatus::Dormant => r.lang.pick("沉睡客户", "Dormant"),
        }
        .to_string()
    }),
    own("重点客户", "Key account", |r| {
        if r.r.data.key_account {
            r.lang.pick("是", "yes").to_string()
        } else {
            String::new()
        }
    }),
    import("purchase_preferences", |r| {
        opt(&r.r.data.purchase_preferences)
    }),
    import("payment_behaviour", |r| opt(&r.r.data.payment_behaviour)),
    own("年采购额", "Annual purchases", |r| {
        r.r.data
            .annual_purchases
            .map(|d| d.to_string())
            .unwrap_or_default()
    }),
    own("最近跟进", "Last follow-up", |r| {
        time(r, r.r.data.last_followup_at)
    }),
    own("创建时间", "Created", |r| {
        time(r, Some(r.r.meta.created_at))
    }),
    own("更新时间", "Updated", |r| {
        time(r, Some(r.r.meta.updated_at))
    }),
];

/// The columns the caller may see, with their headers in the caller's language: every column of
/// a hidden field class is dropped here, the one place exports choose columns.
fn visible_columns<'a>(
    p: &Principal,
    columns: &'a [Column],
    import: &[ImportColumn],
) -> Vec<(String, &'a Column)> {
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

#[derive(Clone, PartialEq, Eq, PartialOrd, Ord)]
enum SortKey {
    Time(Option<DateTime<Utc>>),
    Text(String),
}

fn unknown(field: &str, zh: String, en: String) -> AppError {
    AppError::invalid(field, Msg::new(zh, en))
}

/// The customers a list query matches, in its order (same semantics as the list endpoint:
/// scope, filters, search text, sort), as ids.
fn matching_ids(
    tx: &crate::store::Tx,
    p: &Principal,
    q: &CustomerQuery,
    filter: &CustomerFilter,
) -> AppResult<(Vec<u64>, BTreeSet<String>)> {
    let sort = q.sort.as_deref().unwrap_or("updated");
    if !["updated", "created", "name", "last_followup"].contains(&sort) {
        return Err(unknown(
            "sort",
            format!("不能按 {sort} 排序。"),
            format!("Cannot sort by {sort}."),
        ));
    }
    let mut keyed: Vec<(SortKey, u64)> = Vec::new();
    let mut custom = BTreeSet::new();
    let mut visit = |r: Record<Customer>| {
        let c = &r.data;
        let hit = filter.matches(p, &r);
        if hit {
            let key = match sort {
                "created" => SortKey::Time(Some(r.meta.created_at)),
                "name" => SortKey::Text(c.name_key.clone()),
                "last_followup" => SortKey::Time(c.last_followup_at),
                _ => SortKey::Time(Some(r.meta.updated_at)),
            };
            keyed.push((key, r.id));
            for k in c.custom.keys() {
                if custom.len() < 50 || custom.contains(k) {
                    custom.insert(k.clone());
                }
            }
        }
    };
    // As the list does: a search text reads what the index found, own or team scope reads the
    // owner index, "all" scans newest first.
    match (filter.found(), p.owners_in(filter.wanted)) {
        (Some(found), _) => {
            for id in found {
                if let Some(r) = tx.get::<Customer>(*id)?
                    && !r.meta.is_deleted()
                {
                    visit(r);
                }
            }
        }
        (None, Some(owners)) => {
            for owner in owners {
                for id in
                    tx.ids_by_index::<Customer>("owner", &IndexKey::new().u64(owner), false)?
                {
                    visit(tx.get_live::<Customer>(id)?);
                }
            }
        }
        (None, None) => tx.for_each::<Customer>(true, &mut |r| {
            visit(r);
            Ok(true)
        })?,
    }
    keyed.sort_by(|a, b| a.0.cmp(&b.0));
    if q.order.as_deref() != Some("asc") {
        keyed.reverse();
    }
    Ok((keyed.into_iter().map(|k| k.1).collect(), custom))
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

/// Exports the customers a list query matches (paging ignored) as a file.
pub fn customers(
    k: &Kontor,
    p: &Principal,
    q: CustomerQuery,
    params: ExportParams,
) -> AppResult<ExportFile> {
    let export = p.require(Module::Crm, Action::Export)?;
    let read = p.require(Module::Crm, Action::Read)?;
    let scope = export.min(read);
    let (format, encoding) = format_of(&params)?;
    let tz = time_zone(p);
    let columns = visible_columns(p, COLUMNS, customer_columns::COLUMNS);
    let filter = CustomerFilter::new(k, p, &q, scope)?;
    export_file(k, p, "customers", format, encoding, |path| {
        k.store.read(|tx| {
            let (ids, custom) = matching_ids(tx, p, &q, &filter)?;
            if format == ExportFormat::Xlsx && ids.len() >= 1_048_576 {
                return Err(unknown(
                    "format",
                    "超过 XLSX 的行数上限（1,048,575 行），请导出为 CSV。".into(),
                    "More rows than XLSX allows (1,048,575); export CSV instead.".into(),
                ));
            }
            let mut headers: Vec<String> = columns.iter().map(|(h, _)| h.clone()).collect();
            headers.extend(custom.iter().cloned());
            let mut owners: HashMap<u64, String> = HashMap::new();
            let mut rows = 0u64;
            let sheet = p.lang.pick("客户", "Customers");
            write_table(path, format, encoding, sheet, &mut |out| {
                out(&headers)?;
                let mut cells = Vec::with_capacity(headers.len());
                for id in &ids {
                    let Ok(r) = tx.get_live::<Customer>(*id) else {
                        continue;
                    };
                    if let Some(o) = r.data.owner_id
                        && !owners.contains_key(&o)
                    {
                        owners.extend(names(tx, [o])?);
                    }
                    let row = Row {
                        r: &r,
                        owners: &owners,
                        lang: p.lang,
                        tz,
                    };
                    cells.clear();
                    cells.extend(columns.iter().map(|(_, c)| (c.get)(&row)));
                    cells.extend(
                        custom
                            .iter()
                            .map(|key| r.data.custom.get(key).cloned().unwrap_or_default()),
                    );
                    out(&cells)?;
                    rows += 1;
                }
                Ok(())
            })?;
            Ok(rows)
        })
    })
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
    }

    #[test]
    fn shared_columns_take_the_import_columns_headers() {
        for c in COLUMNS {
            if let Head::Import(key) = c.head {
                let i = customer_columns::COLUMNS.iter().find(|i| i.key == key);
                assert!(i.is_some(), "{key} is an import column");
            }
        }
        let p = crate::domain::import::tests::admin();
        let heads: Vec<String> = visible_columns(&p, COLUMNS, customer_columns::COLUMNS)
            .into_iter()
            .map(|(h, _)| h)
            .collect();
        assert_eq!(heads[..3], ["ID", "Company", "Second name"]);
        assert!(heads.contains(&"Owner".to_string()));
        // What the import reads back: every shared header is recognised as its column.
        for c in COLUMNS {
            if let Head::Import(key) = c.head {
                let (zh, en, _) = c.head(customer_columns::COLUMNS);
                for h in [zh, en] {
                    let guessed =
                        crate::domain::import::mapping::guess(customer_columns::COLUMNS, h);
                    assert_eq!(guessed, Some(key), "{h}");
                }
            }
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
        let columns = [own("编号", "ID", |r| r.r.id.to_string()), cost];
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
