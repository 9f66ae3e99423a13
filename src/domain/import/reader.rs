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

use std::fs::File;
use std::io::{BufReader, Read, Seek};
use std::path::Path;

use calamine::{DataRef, Reader, Xlsx};
use encoding_rs::{Decoder, DecoderResult, Encoding};
use serde::{Deserialize, Serialize};

use crate::error::Msg;

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

/// Whether the whole file is valid UTF-8 (streamed; a sequence cut by a chunk edge is carried).
fn is_utf8(path: &Path) -> Result<bool, FileError> {
    let mut file = File::open(path).map_err(|e| FileError::io(&e))?;
    let mut buf = vec![0u8; CHUNK + 4];
    let mut carry = 0usize;
    loop {
        let n = file
            .read(&mut buf[carry..carry + CHUNK])
            .map_err(|e| FileError::io(&e))?;
        let len = carry + n;
        if n == 0 {
            return Ok(carry == 0);
        }
        match std::str::from_utf8(&buf[..len]) {
            Ok(_) => carry = 0,
            Err(e) if e.error_len().is_none() => {
                let valid = e.valid_up_to();
                buf.copy_within(valid..len, 0);
                carry = len - valid;
            }
            Err(_) => return Ok(false),
        }
    }
}

/// The delimiter that splits the header row most: `,`, `;` or tab (tab wins ties, as Excel's
/// "Unicode text" uses it; a single-column file gets `,`).
fn detect_delimiter(path: &Path, encoding: TextEncoding, skip: u64) -> Result<u8, FileError> {
    let mut file = File::open(path).map_err(|e| FileError::io(&e))?;
    file.seek(std::io::SeekFrom::Start(skip))
        .map_err(|e| FileError::io(&e))?;
    let mut raw = vec![0u8; CHUNK];
    let n = read_full(&mut file, &mut raw).map_err(|e| FileError::io(&e))?;
    raw.truncate(n);
    let (text, _) = encoding.encoding().decode_without_bom_handling(&raw);
    let mut counts = [(b'\t', 0usize), (b',', 0), (b';', 0)];
    let mut quoted = false;
    for b in text.bytes() {
        match b {
            b'"' => quoted = !quoted,
            b'\n' | b'\r' if !quoted => break,
            _ if !quoted => {
                for c in counts.iter_mut() {
                    if c.0 == b {
                        c.1 += 1;
                    }
                }
            }
            _ => {}
        }
    }
    let best = counts
        .iter()
        .max_by_key(|c| c.1)
        .filter(|c| c.1 > 0)
        .map_or(b',', |c| c.0);
    Ok(best)
}

// ---- text rows -----------------------------------------------------------------------------

/// Decoded UTF-8 text from a file, chunk by chunk, remembering where bytes could not be decoded.
struct Decoded {
    file: File,
    decoder: Decoder,
    raw: Vec<u8>,
    raw_pos: usize,
    raw_len: usize,
    eof: bool,
    out: Vec<u8>,
    /// Offsets (in the decoded stream) of undecodable input, in order.
    bad: std::collections::VecDeque<u64>,
    out_total: u64,
    finished: bool,
}

impl Decoded {
    fn open(path: &Path, layout: &Layout) -> Result<Decoded, FileError> {
        let mut file = File::open(path).map_err(|e| FileError::io(&e))?;
        file.seek(std::io::SeekFrom::Start(layout.skip))
            .map_err(|e| FileError::io(&e))?;
        let encoding = layout.encoding.unwrap_or(TextEncoding::Utf8).encoding();
        Ok(Decoded {
            file,
            decoder: encoding.new_decoder_without_bom_handling(),
            raw: vec![0u8; CHUNK],
            raw_pos: 0,
            raw_len: 0,
            eof: false,
            out: Vec::with_capacity(CHUNK * 3 + 16),
            bad: Default::default(),
            out_total: 0,
            finished: false,
        })
    }

    /// The next piece of decoded text; empty at the end.
    fn next_chunk(&mut self) -> Result<&[u8], FileError> {
        self.out.clear();
        loop {
            if self.finished {
                return Ok(&self.out);
            }
            if self.raw_pos == self.raw_len && !self.eof {
                self.raw_len = self
                    .file
                    .read(&mut self.raw)
                    .map_err(|e| FileError::io(&e))?;
                self.raw_pos = 0;
                self.eof = self.raw_len == 0;
            }
            let last = self.eof;
            let input = &self.raw[self.raw_pos..self.raw_len];
            self.out.resize(CHUNK * 3 + 16, 0);
            let (result, read, written) =
                self.decoder
                    .decode_to_utf8_without_replacement(input, &mut self.out, last);
            self.raw_pos += read;
            self.out.truncate(written);
            match result {
                DecoderResult::Malformed(_, _) => {
                    self.bad.push_back(self.out_total + written as u64);
                    self.out.extend_from_slice("\u{FFFD}".as_bytes());
                }
                DecoderResult::InputEmpty if last => self.finished = true,
                _ => {}
            }
            self.out_total += self.out.len() as u64;
            if !self.out.is_empty() {
                return Ok(&self.out);
            }
        }
    }
}

#[derive(Clone, Copy, PartialEq)]
enum State {
    FieldStart,
    Unquoted,
    Quoted,
    QuoteInQuoted,
}

/// Reads CSV records from decoded text with the limits of this module.
struct CsvRows {
    src: Decoded,
    buf: Vec<u8>,
    pos: usize,
    /// Offset of `buf[0]` in the decoded stream.
    base: u64,
    delimiter: u8,
    encoding: TextEncoding,
    row: u64,
    skip_lf: bool,
    done: bool,
}

impl CsvRows {
    fn open(path: &Path, layout: &Layout) -> Result<CsvRows, FileError> {
        Ok(CsvRows {
            src: Decoded::open(path, layout)?,
            buf: Vec::new(),
            pos: 0,
            base: 0,
            delimiter: layout.delimiter,
            encoding: layout.encoding.unwrap_or(TextEncoding::Utf8),
            row: 0,
            skip_lf: false,
            done: false,
        })
    }

    fn refill(&mut self) -> Result<bool, FileError> {
        self.base += self.buf.len() as u64;
        let chunk = self.src.next_chunk()?;
        self.buf.clear();
        self.buf.extend_from_slice(chunk);
        self.pos = 0;
        Ok(!self.buf.is_empty())
    }

    fn field_string(bytes: &mut Vec<u8>) -> String {
        let v = std::mem::take(bytes);
        String::from_utf8(v).unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned())
    }

    fn next(&mut self) -> Result<Option<RawRow>, FileError> {
        if self.done {
            return Ok(None);
        }
        let mut fields: Vec<String> = Vec::new();
        let mut field: Vec<u8> = Vec::new();
        let mut state = State::FieldStart;
        let mut size = 0usize;
        let mut any = false;
        let row = self.row + 1;
        loop {
            if self.pos == self.buf.len() && !self.refill()? {
                self.done = true;
                if state == State::Quoted {
                    return Err(FileError::at(
                        row,
                        Some(fields.len() + 1),
                        Msg::new(
                            "引号没有闭合（从这一格开始直到文件结束）。",
                            "A quote opened in this cell is never closed (it runs to the end of the file).",
                        ),
                    ));
                }
                if !any {
                    return Ok(None);
                }
                self.row = row;
                fields.push(Self::field_string(&mut field));
                // The last row has no line end: its last cell is counted here.
                if fields.len() > MAX_COLUMNS {
                    return Err(too_many_columns(row));
                }
                return Ok(Some(RawRow { row, cells: fields }));
            }
            let b = self.buf[self.pos];
            let offset = self.base + self.pos as u64;
            self.pos += 1;
            if self.skip_lf {
                self.skip_lf = false;
                if b == b'\n' {
                    continue;
                }
            }
            any = true;
            if let Some(&bad) = self.src.bad.front()
                && bad <= offset
            {
                self.src.bad.pop_front();
                return Err(FileError::at(
                    row,
                    Some(fields.len() + 1),
                    Msg::new(
                        format!(
                            "这里的内容不是有效的 {} 文字（编码不对？请另存为“CSV UTF-8”）。",
                            self.encoding.label()
                        ),
                        format!(
                            "The text here is not valid {} (wrong encoding? Save the file as “CSV UTF-8”).",
                            self.encoding.label()
                        ),
                    ),
                ));
            }
            if b == 0 {
                return Err(FileError::at(
                    row,
                    Some(fields.len() + 1),
                    Msg::new(
                        "文件含有空字符（NUL），不是文本文件，或是没有 BOM 的 UTF-16 文件。",
                        "The file contains NUL bytes: it is not a text file, or UTF-16 without a byte-order mark.",
                    ),
                ));
            }
            size += 1;
            if size > MAX_ROW_BYTES {
                return Err(FileError::at(
                    row,
                    Some(fields.len() + 1),
                    Msg::new(
                        format!(
                            "这一行超过 {} MB（引号没有闭合？）。",
                            MAX_ROW_BYTES / (1024 * 1024)
                        ),
                        format!(
                            "This row is longer than {} MB (an unclosed quote?).",
                            MAX_ROW_BYTES / (1024 * 1024)
                        ),
                    ),
                ));
            }
            let end_field = |fields: &mut Vec<String>, field: &mut Vec<u8>| {
                fields.push(Self::field_string(field));
                if fields.len() > MAX_COLUMNS {
                    Err(too_many_columns(row))
                } else {
                    Ok(())
                }
            };
            match state {
                State::FieldStart | State::Unquoted | State::QuoteInQuoted
                    if b == self.delimiter =>
                {
                    end_field(&mut fields, &mut field)?;
                    state = State::FieldStart;
                }
                State::FieldStart | State::Unquoted | State::QuoteInQuoted
                    if b == b'\n' || b == b'\r' =>
                {
                    self.skip_lf = b == b'\r';
                    end_field(&mut fields, &mut field)?;
                    self.row = row;
                    return Ok(Some(RawRow { row, cells: fields }));
                }
                State::FieldStart if b == b'"' => state = State::Quoted,
                State::Quoted if b == b'"' => state = State::QuoteInQuoted,
                State::QuoteInQuoted if b == b'"' => {
                    field.push(b'"');
                    state = State::Quoted;
                }
                State::Quoted => field.push(b),
                // Lenient like Excel: text after a closing quote, or a quote inside an
                // unquoted cell, is kept as it is.
                State::FieldStart | State::Unquoted | State::QuoteInQuoted => {
                    field.push(b);
                    state = State::Unquoted;
                }
            }
        }
    }
}

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

// ---- XLSX ----------------------------------------------------------------------------------

/// Refuses a zip that is damaged or would expand beyond the limits (a zip bomb): the central
/// directory's declared sizes first, then every entry is inflated into a counter (nothing kept)
/// so that sizes that lie are caught too, and no text run between tags is longer than a row.
fn check_zip(path: &Path) -> Result<(), FileError> {
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

fn first_sheet(path: &Path) -> Result<String, FileError> {
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

fn read_xlsx(
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
