//! Export of lists (CRM-8): customers, as filtered on the list screen, to CSV (UTF-8 with BOM so
//! Excel opens it, or GBK) or XLSX.
//!
//! Export is its own permission (`crm` × `export`) and reaches only what both the export and the
//! read scope reach. Columns pass through [`visible_columns`], which drops every column of a
//! field class the caller's roles hide. A cell starting with `=`, `+`, `-`, `@`, tab or CR could
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
use std::path::PathBuf;

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::auth::{Action, FieldClass, Module, Principal};
use crate::domain::Kontor;
use crate::domain::crm::customers::{CustomerFilter, CustomerQuery};
use crate::domain::crm::model::{Customer, CustomerStatus};
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

struct Column {
    zh: &'static str,
    en: &'static str,
    /// The hidden-field class the column belongs to, if any.
    class: Option<FieldClass>,
    get: fn(&Row) -> String,
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

/// The customer columns, with headers the import recognises.
const COLUMNS: &[Column] = &[
    Column {
        zh: "编号",
        en: "ID",
        class: None,
        get: |r| r.r.id.to_string(),
    },
    Column {
        zh: "公司名称",
        en: "Company",
        class: None,
        get: |r| r.r.data.name.clone(),
    },
    Column {
        zh: "英文名",
        en: "Second name",
        class: None,
        get: |r| opt(&r.r.data.name_alt),
    },
    Column {
        zh: "国家",
        en: "Country",
        class: None,
        get: |r| opt(&r.r.data.country),
    },
    Column {
        zh: "地址",
        en: "Address",
        class: None,
        get: |r| opt(&r.r.data.address),
    },
    Column {
        zh: "网址",
        en: "Website",
        class: None,
        get: |r| opt(&r.r.data.website),
    },
    Column {
        zh: "邮箱",
        en: "Email",
        class: None,
        get: |r| opt(&r.r.data.email),
    },
    Column {
        zh: "电话",
        en: "Phone",
        class: None,
        get: |r| opt(&r.r.data.phone),
    },
    Column {
        zh: "来源",
        en: "Source",
        class: None,
        get: |r| opt(&r.r.data.source),
    },
    Column {
        zh: "等级",
        en: "Tier",
        class: None,
        get: |r| opt(&r.r.data.tier),
    },
    Column {
        zh: "标签",
        en: "Tags",
        class: None,
        get: |r| r.r.data.tags.join("; "),
    },
    Column {
        zh: "负责人",
        en: "Owner",
        class: None,
        get: |r| {
            r.r.data
                .owner_id
                .and_then(|o| r.owners.get(&o).cloned())
                .unwrap_or_default()
        },
    },
    Column {
        zh: "状态",
        en: "Status",
        class: None,
        get: |r| {
            match r.r.data.status {
                CustomerStatus::Prospect => r.lang.pick("潜在客户", "Prospect"),
                CustomerStatus::Customer => r.lang.pick("成交客户", "Customer"),
                CustomerStatus::Dormant => r.lang.pick("沉睡客户", "Dormant"),
            }
            .to_string()
        },
    },
    Column {
        zh: "重点客户",
        en: "Key account",
        class: None,
        get: |r| {
            if r.r.data.key_account {
                r.lang.pick("是", "yes").to_string()
            } else {
                String::new()
            }
        },
    },
    Column {
        zh: "采购偏好",
        en: "Purchase preferences",
        class: None,
        get: |r| opt(&r.r.data.purchase_preferences),
    },
    Column {
        zh: "付款习惯",
        en: "Payment behaviour",
        class: None,
        get: |r| opt(&r.r.data.payment_behaviour),
    },
    Column {
        zh: "年采购额",
        en: "Annual purchases",
        class: None,
        get: |r| {
            r.r.data
                .annual_purchases
                .map(|d| d.to_string())
                .unwrap_or_default()
        },
    },
    Column {
        zh: "最近跟进",
        en: "Last follow-up",
        class: None,
        get: |r| time(r, r.r.data.last_followup_at),
    },
    Column {
        zh: "创建时间",
        en: "Created",
        class: None,
        get: |r| time(r, Some(r.r.meta.created_at)),
    },
    Column {
        zh: "更新时间",
        en: "Updated",
        class: None,
        get: |r| time(r, Some(r.r.meta.updated_at)),
    },
];

/// The columns the caller may see: every column of a hidden field class is dropped here, the
/// one place exports choose columns.
fn visible_columns(p: &Principal) -> Vec<&'static Column> {
    COLUMNS
        .iter()
        .filter(|c| c.class.is_none_or(|class| !p.hides(class)))
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
    let format = params.format.unwrap_or_default();
    let encoding = params.encoding.unwrap_or_default();
    if format == ExportFormat::Xlsx && encoding != ExportEncoding::Utf8 {
        return Err(unknown(
            "encoding",
            "XLSX 文件没有编码选项，请去掉 encoding。".into(),
            "XLSX files have no encoding; leave encoding out.".into(),
        ));
    }
    let tz: chrono_tz::Tz = p.time_zone.parse().unwrap_or(chrono_tz::Asia::Shanghai);
    let columns = visible_columns(p);
    let ext = match format {
        ExportFormat::Csv => "csv",
        ExportFormat::Xlsx => "xlsx",
    };
    let path = temp_path(k, ext)?;
    let filter = CustomerFilter::new(k, p, &q, scope)?;
    let result = k.store.read(|tx| {
        let (ids, custom) = matching_ids(tx, p, &q, &filter)?;
        if format == ExportFormat::Xlsx && ids.len() >= 1_048_576 {
            return Err(unknown(
                "format",
                "超过 XLSX 的行数上限（1,048,575 行），请导出为 CSV。".into(),
                "More rows than XLSX allows (1,048,575); export CSV instead.".into(),
            ));
        }
        let mut headers: Vec<String> = columns
            .iter()
            .map(|c| p.lang.pick(c.zh, c.en).to_string())
            .collect();
        headers.extend(custom.iter().cloned());
        let mut owners: HashMap<u64, String> = HashMap::new();
        let mut rows = 0u64;
        let mut each = |out: &mut dyn FnMut(&[String]) -> AppResult<()>| -> AppResult<()> {
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
                cells.extend(columns.iter().map(|c| (c.get)(&row)));
                cells.extend(
                    custom
                        .iter()
                        .map(|key| r.data.custom.get(key).cloned().unwrap_or_default()),
                );
                out(&cells)?;
                rows += 1;
            }
            Ok(())
        };
        match format {
            ExportFormat::Csv => {
                let mut out = CsvOut {
                    w: BufWriter::with_capacity(256 * 1024, File::create(&path).map_err(io)?),
                    gbk: (encoding == ExportEncoding::Gbk).then(|| encoding_rs::GBK.new_encoder()),
                    line: String::new(),
                    buf: Vec::new(),
                };
                if encoding == ExportEncoding::Utf8 {
                    out.w.write_all(b"\xEF\xBB\xBF").map_err(io)?;
                }
                each(&mut |cells| out.row(cells))?;
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
                let sheet = book.add_worksheet_with_constant_memory().map_err(xerr)?;
                let name = p.lang.pick("客户", "Customers");
                sheet.set_name(name).map_err(xerr)?;
                let mut line: u32 = 0;
                each(&mut |cells| {
                    for (i, cell) in cells.iter().enumerate() {
                        let col = i as u16;
                        if line == 0 {
                            sheet.write_string_with_format(0, col, cell, &bold)
                        } else if formula_like(cell) {
                            sheet.write_string_with_format(line, col, cell, &quoted)
                        } else if cell.is_empty() {
                            continue;
                        } else {
                            sheet.write_string(line, col, cell)
                        }
                        .map_err(xerr)?;
                    }
                    line += 1;
                    Ok(())
                })?;
                book.save(&path).map_err(xerr)?;
            }
        }
        Ok(rows)
    });
    let rows = match result {
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
    let stamp = Utc::now().with_timezone(&tz).format("%Y%m%d-%H%M");
    Ok(ExportFile {
        file,
        filename: format!("customers-{stamp}.{ext}"),
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
}
