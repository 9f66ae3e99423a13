//! CSV/TSV text read row by row: decoded chunk by chunk (`encoding_rs`) through a small CSV
//! state machine (quotes, doubled quotes, CR/LF, multi-line cells), with the limits checked as
//! bytes arrive; and the checks sniffing needs (whole-file UTF-8, the delimiter).

use std::fs::File;
use std::io::{Read, Seek};
use std::path::Path;

use encoding_rs::{Decoder, DecoderResult};

use crate::error::Msg;

use super::{
    CHUNK, FileError, Layout, MAX_COLUMNS, MAX_ROW_BYTES, RawRow, TextEncoding, read_full,
    too_many_columns,
};

/// Whether the whole file is valid UTF-8 (streamed; a sequence cut by a chunk edge is carried).
pub(super) fn is_utf8(path: &Path) -> Result<bool, FileError> {
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
pub(super) fn detect_delimiter(
    path: &Path,
    encoding: TextEncoding,
    skip: u64,
) -> Result<u8, FileError> {
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
pub(super) struct CsvRows {
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
    pub(super) fn open(path: &Path, layout: &Layout) -> Result<CsvRows, FileError> {
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

    pub(super) fn next(&mut self) -> Result<Option<RawRow>, FileError> {
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
