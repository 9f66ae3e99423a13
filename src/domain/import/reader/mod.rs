//! Reading an uploaded file row by row, in bounded memory: CSV/TSV text in UTF-8 (with or without
//! BOM), GB18030 (GBK) or UTF-16 (with BOM, as Excel's "Unicode text" writes it), and XLSX.
//!
//! Every pass streams the file from disk: text through an `encoding_rs` decoder and a small
//! CSV state machine (quotes, doubled quotes, CR/LF, multi-line cells), XLSX through calamine's
//! cell reader (cached values of formula cells, never evaluated). Limits are checked as bytes
//! arrive, so no input makes a pass hold more than one row (at most [`MAX_ROW_BYTES`]) plus
//! a read buffer — and, for XLSX, the workbook's shared-string table, which the zip check
//! bounds before calamine opens the file.
//!
//! Row numbers are those a spreadsheet shows: the n-th record of the file is row n (a cell
//! spanning several lines is still one row), and XLSX rows keep their sheet row numbers.

mod text;
mod xlsx;

use std::fs::File;
use std::io::Read;
use std::path::Path;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

use crate::error::Msg;

use text::{CsvRows, detect_delimiter, is_utf8};
use xlsx::{check_zip, first_sheet, read_xlsx};

/// The most columns a row may have.
pub const MAX_COLUMNS: usize = 200;
/// The longest row, in bytes of UTF-8 text.
pub const MAX_ROW_BYTES: usize = 1024 * 1024;
/// XLSX: the most uncompressed bytes of one zip entry, of all entries, and the shared strings.
pub const MAX_ENTRY_BYTES: u64 = 1024 * 1024 * 1024;
pub const MAX_TOTAL_BYTES: u64 = 2 * 1024 * 1024 * 1024;
pub const MAX_SHARED_STRINGS_BYTES: u64 = 256 * 1024 * 1024;
/// XLSX: the highest compression ratio accepted for an entry larger than 10 MB.
pub const MAX_RATIO: u64 = 200;
const CHUNK: usize = 64 * 1024;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    Csv,
    Xlsx,
}

/// The character encoding of a text file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub enum TextEncoding {
    #[serde(rename = "utf-8")]
    Utf8,
    /// GB18030, a superset of GBK and GB2312.
    #[serde(rename = "gb18030")]
    Gb18030,
    #[serde(rename = "utf-16le")]
    Utf16Le,
    #[serde(rename = "utf-16be")]
    Utf16Be,
}

impl TextEncoding {
    fn encoding(self) -> &'static Encoding {
        match self {
            TextEncoding::Utf8 => encoding_rs::UTF_8,
            TextEncoding::Gb18030 => encoding_rs::GB18030,
            TextEncoding::Utf16Le => encoding_rs::UTF_16LE,
            TextEncoding::Utf16Be => encoding_rs::UTF_16BE,
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            TextEncoding::Utf8 => "UTF-8",
            TextEncoding::Gb18030 => "GB18030/GBK",
            TextEncoding::Utf16Le => "UTF-16LE",
            TextEncoding::Utf16Be => "UTF-16BE",
        }
    }
}

/// How to read a stored file (found on upload, kept with the import).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Layout {
    pub format: Format,
    pub encoding: Option<TextEncoding>,
    /// Bytes to skip at the start (a BOM).
    pub skip: u64,
    /// `,`, `;` or tab.
    pub delimiter: u8,
    pub sheet: Option<String>,
}

/// A problem with the file itself; the caller adds the file name.
#[derive(Clone, Debug, PartialEq)]
pub struct FileError {
    pub row: Option<u64>,
    /// 1-based.
    pub column: Option<usize>,
    pub msg: Msg,
}

impl FileError {
    fn new(msg: Msg) -> FileError {
        FileError {
            row: None,
            column: None,
            msg,
        }
    }
    fn at(row: u64, column: Option<usize>, msg: Msg) -> FileError {
        FileError {
            row: Some(row),
            column,
            msg,
        }
    }
    fn io(e: &std::io::Error) -> FileError {
        FileError::new(Msg::new(
            format!("读取文件失败：{e}"),
            format!("Cannot read the file: {e}"),
        ))
    }
}

/// One row as read: its row number in the file and its cells (trailing empty cells kept).
#[derive(Clone, Debug, PartialEq)]
pub struct RawRow {
    pub row: u64,
    pub cells: Vec<String>,
}

impl RawRow {
    pub fn is_blank(&self) -> bool {
        self.cells.iter().all(|c| c.trim().is_empty())
    }
}

/// Spreadsheet column letters: 1 → A, 27 → AA.
pub fn column_letter(mut n: usize) -> String {
    let mut out = Vec::new();
    while n > 0 {
        let rem = (n - 1) % 26;
        out.push(b'A' + rem as u8);
        n = (n - 1) / 26;
    }
    out.reverse();
    String::from_utf8(out).unwrap_or_default()
}

/// A row wider than [`MAX_COLUMNS`], refused at its first column too many.
fn too_many_columns(row: u64) -> FileError {
    FileError::at(
        row,
        Some(MAX_COLUMNS + 1),
        Msg::new(
            format!("这一行超过 {MAX_COLUMNS} 列。"),
            format!("This row has more than {MAX_COLUMNS} columns."),
        ),
    )
}

// ---- sniffing ------------------------------------------------------------------------------

/// Finds the format, encoding and delimiter of a stored file. `filename` only helps with
/// messages (an `.xlsx` that is not a zip). `forced` overrides the detected text encoding.
pub fn sniff(
    path: &Path,
    filename: &str,
    forced: Option<TextEncoding>,
) -> Result<Layout, FileError> {
    let mut file = File::open(path).map_err(|e| FileError::io(&e))?;
    let mut head = vec![0u8; CHUNK];
    let n = read_full(&mut file, &mut head).map_err(|e| FileError::io(&e))?;
    head.truncate(n);
    if head.is_empty() {
        return Err(FileError::new(Msg::new(
            "文件是空的。",
            "The file is empty.",
        )));
    }
    let lower = filename.to_lowercase();
    if head.starts_with(b"PK\x03\x04") || head.starts_with(b"PK\x05\x06") {
        check_zip(path)?;
        let sheet = first_sheet(path)?;
        return Ok(Layout {
            format: Format::Xlsx,
            encoding: None,
            skip: 0,
            delimiter: b',',
            sheet: Some(sheet),
        });
    }
    if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0]) {
        return Err(FileError::new(Msg::new(
            "这是旧版 Excel（.xls）或加密的文件，请在 Excel 中另存为 .xlsx 或 CSV 后再导入。",
            "This is an old Excel file (.xls) or an encrypted one; save it as .xlsx or CSV in Excel and import that.",
        )));
    }
    if lower.ends_with(".xlsx") || lower.ends_with(".xlsm") {
        return Err(FileError::new(Msg::new(
            "文件扩展名是 .xlsx，但内容不是 XLSX（不是 zip 压缩包）。请在 Excel 中重新保存。",
            "The file is named .xlsx but is not an XLSX workbook (not a zip archive); save it again from Excel.",
        )));
    }
    if lower.ends_with(".xls") {
        return Err(FileError::new(Msg::new(
            "不支持旧版 Excel（.xls），请另存为 .xlsx 或 CSV。",
            "Old Excel files (.xls) are not supported; save as .xlsx or CSV.",
        )));
    }
    let (encoding, skip) = if head.starts_with(&[0xEF, 0xBB, 0xBF]) {
        (TextEncoding::Utf8, 3)
    } else if head.starts_with(&[0xFF, 0xFE]) {
        (TextEncoding::Utf16Le, 2)
    } else if head.starts_with(&[0xFE, 0xFF]) {
        (TextEncoding::Utf16Be, 2)
    } else if is_utf8(path)? {
        (TextEncoding::Utf8, 0)
    } else {
        (TextEncoding::Gb18030, 0)
    };
    let encoding = forced.unwrap_or(encoding);
    let delimiter = detect_delimiter(path, encoding, skip)?;
    Ok(Layout {
        format: Format::Csv,
        encoding: Some(encoding),
        skip,
        delimiter,
        sheet: None,
    })
}

fn read_full(r: &mut impl Read, buf: &mut [u8]) -> std::io::Result<usize> {
    let mut n = 0;
    while n < buf.len() {
        match r.read(&mut buf[n..])? {
            0 => break,
            k => n += k,
        }
    }
    Ok(n)
}

/// Streams every row of the file to `visit` (blank rows included for text files) until it
/// returns false.
pub fn read_rows(
    path: &Path,
    layout: &Layout,
    visit: &mut dyn FnMut(RawRow) -> Result<bool, FileError>,
) -> Result<(), FileError> {
    match layout.format {
        Format::Xlsx => read_xlsx(path, layout.sheet.as_deref().unwrap_or("Sheet1"), visit),
        Format::Csv => {
            let mut rows = CsvRows::open(path, layout)?;
            while let Some(row) = rows.next()? {
                if !visit(row)? {
                    break;
                }
            }
            Ok(())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rows_of(bytes: &[u8], name: &str) -> Result<(Layout, Vec<RawRow>), FileError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join(name);
        std::fs::write(&path, bytes).unwrap();
        let layout = sniff(&path, name, None)?;
        let mut out = Vec::new();
        read_rows(&path, &layout, &mut |r| {
            out.push(r);
            Ok(true)
        })?;
        Ok((layout, out))
    }

    #[test]
    fn csv_quotes_newlines_and_row_numbers() {
        let (layout, rows) = rows_of(
            b"a,b\r\n\"x, \"\"y\"\"\",\"two\nlines\"\r\n\r\nlast,1",
            "t.csv",
        )
        .unwrap();
        assert_eq!(layout.delimiter, b',');
        assert_eq!(layout.encoding, Some(TextEncoding::Utf8));
        assert_eq!(rows[1].cells, vec!["x, \"y\"", "two\nlines"]);
        assert_eq!(rows[1].row, 2);
        assert!(rows[2].is_blank());
        assert_eq!(
            (rows[3].row, rows[3].cells.clone()),
            (4, vec!["last".into(), "1".into()])
        );
    }

    #[test]
    fn encodings_and_delimiters() {
        let (gbk, _, _) = encoding_rs::GBK.encode("公司名称;国家\n华信电子;中国\n");
        let (layout, rows) = rows_of(&gbk, "g.csv").unwrap();
        assert_eq!(layout.encoding, Some(TextEncoding::Gb18030));
        assert_eq!(layout.delimiter, b';');
        assert_eq!(rows[1].cells, vec!["华信电子", "中国"]);
        let mut utf16 = vec![0xFF, 0xFE];
        for u in "名称\t国家\r\n華信\tCN\r\n".encode_utf16() {
            utf16.extend_from_slice(&u.to_le_bytes());
        }
        let (layout, rows) = rows_of(&utf16, "u.txt").unwrap();
        assert_eq!(
            (layout.encoding, layout.delimiter),
            (Some(TextEncoding::Utf16Le), b'\t')
        );
        assert_eq!(rows[1].cells, vec!["華信", "CN"]);
        let (layout, rows) = rows_of("\u{FEFF}Name\nÄpfel GmbH\n".as_bytes(), "b.csv").unwrap();
        assert_eq!(layout.skip, 3);
        assert_eq!(rows[0].cells, vec!["Name"]);
    }

    #[test]
    fn bad_text_is_refused_with_row_and_column() {
        let e = rows_of(b"a,b\n1,\"open\n2,3\n", "q.csv").unwrap_err();
        assert_eq!((e.row, e.column), (Some(2), Some(2)));
        let e = rows_of(b"a,b\n1,x\0y\n", "n.csv").unwrap_err();
        assert_eq!((e.row, e.column), (Some(2), Some(2)));
        let wide = vec!["c"; 10_000].join(",");
        let e = rows_of(wide.as_bytes(), "w.csv").unwrap_err();
        assert_eq!(e.row, Some(1));
        // One cell too many, the last one on a last line without a line end (found by fuzzing).
        let wide = vec!["c"; MAX_COLUMNS + 1].join(",");
        let e = rows_of(wide.as_bytes(), "w.csv").unwrap_err();
        assert_eq!((e.row, e.column), (Some(1), Some(MAX_COLUMNS + 1)));
        let long = format!("a\n{}\n", "x".repeat(MAX_ROW_BYTES + 10));
        let e = rows_of(long.as_bytes(), "l.csv").unwrap_err();
        assert_eq!(e.row, Some(2));
        assert!(rows_of(b"", "e.csv").is_err());
        assert!(rows_of(b"not a zip", "x.xlsx").is_err());
        // Bytes that are neither UTF-8 nor GB18030.
        let e = rows_of(b"name\nok\n\x81\x20bad\n", "b.csv").unwrap_err();
        assert_eq!((e.row, e.column), (Some(3), Some(1)), "{e:?}");
    }

    #[test]
    fn letters() {
        assert_eq!(column_letter(1), "A");
        assert_eq!(column_letter(26), "Z");
        assert_eq!(column_letter(27), "AA");
    }
}
