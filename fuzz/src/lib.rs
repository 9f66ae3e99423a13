//! What the fuzz targets share: feeding bytes to the import readers exactly as an upload does
//! (a stored file, [`reader::sniff`], then [`reader::read_rows`] with the real limits), and
//! checking what the readers promise on the way. A panic, a broken promise (an `assert!`), an
//! allocation over libFuzzer's `-malloc_limit_mb` or a process over `-rss_limit_mb` is a finding.

use std::io::Write;
use std::path::PathBuf;
use std::sync::{Mutex, OnceLock};

use kontor::domain::import::reader::{
    self, Format, MAX_COLUMNS, MAX_ROW_BYTES, TextEncoding, column_letter,
};

/// For the reader targets' `init`: only a panic that escapes the reader is a finding.
/// libfuzzer-sys's hook aborts on every panic, even one the code under test catches, and the
/// reader catches calamine's panics on purpose (the workbook is refused); an escaping panic still
/// aborts, in libfuzzer-sys's wrapper. The message is printed the first time a place panics.
pub fn only_escaping_panics() {
    static SEEN: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::panic::set_hook(Box::new(|info| {
        let place = info.location().map(|l| l.to_string()).unwrap_or_default();
        let mut seen = SEEN.lock().unwrap_or_else(|e| e.into_inner());
        if !seen.contains(&place) {
            eprintln!("{info}");
            seen.push(place);
        }
    }));
}

/// Writes `data` to a scratch file named `name` (the name matters: `.xlsx` changes the
/// messages) in a directory of this process, under `$TMPDIR` (`make fuzz` points it into the fuzz
/// target directory and removes it afterwards).
pub fn scratch(name: &str, data: &[u8]) -> PathBuf {
    static DIR: OnceLock<PathBuf> = OnceLock::new();
    let dir = DIR.get_or_init(|| {
        let dir = std::env::temp_dir().join(format!("kontor-fuzz-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        dir
    });
    let path = dir.join(name);
    std::fs::write(&path, data).expect("scratch file");
    path
}

/// Reads `data` as the upload of a file called `filename` would: sniff, then every row. Refusals
/// are fine; what the reader returns must keep its limits.
pub fn read_upload(data: &[u8], filename: &str, forced: Option<TextEncoding>) {
    let path = scratch(filename, data);
    let layout = match reader::sniff(&path, filename, forced) {
        Ok(layout) => layout,
        Err(e) => {
            check_error(&e);
            return;
        }
    };
    if layout.format == Format::Csv {
        assert!(layout.encoding.is_some(), "a text file has an encoding");
        assert!(
            [b',', b';', b'\t'].contains(&layout.delimiter),
            "delimiter {:?}",
            layout.delimiter
        );
        assert!(layout.skip <= 3, "skip {}", layout.skip);
    } else {
        assert!(layout.sheet.is_some(), "a workbook has a sheet");
    }
    let mut last: Option<u64> = None;
    let result = reader::read_rows(&path, &layout, &mut |row| {
        assert!(
            row.cells.len() <= MAX_COLUMNS,
            "row {} has {} cells",
            row.row,
            row.cells.len()
        );
        let bytes: usize = row.cells.iter().map(String::len).sum();
        assert!(bytes <= MAX_ROW_BYTES, "row {} has {bytes} bytes", row.row);
        assert!(row.row >= 1, "row numbers start at 1");
        if layout.format == Format::Csv {
            // The n-th record of a text file is row n.
            assert_eq!(
                row.row,
                last.map_or(1, |l| l + 1),
                "row numbers of a text file"
            );
            assert!(
                row.cells.iter().all(|c| !c.contains('\0')),
                "NUL is refused"
            );
        }
        let _ = row.is_blank();
        last = Some(row.row);
        Ok(true)
    });
    if let Err(e) = result {
        check_error(&e);
    }
}

/// A refusal names a plausible place, and its message can be shown.
fn check_error(e: &reader::FileError) {
    if let Some(column) = e.column {
        assert!(
            (1..=MAX_COLUMNS + 1).contains(&column) || e.row.is_some(),
            "column {column}"
        );
        let _ = column_letter(column);
    }
    if let Some(row) = e.row {
        assert!(row >= 1, "row {row}");
    }
    let _ = format!("{:?}", e.msg);
}

/// The parts of a workbook a fuzz input of the `xlsx_parts` target may replace, in input order
/// (parts are separated by NUL bytes, which XML cannot contain). A missing or empty sheet or
/// workbook gets a minimal one; a missing or empty shared-strings or styles part is left out.
pub const PARTS: [&str; 4] = [
    "xl/worksheets/sheet1.xml",
    "xl/sharedStrings.xml",
    "xl/styles.xml",
    "xl/workbook.xml",
];

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/><Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/><Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/></Types>"#;
const ROOT_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Sheet1" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const SHEET: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData/></worksheet>"#;

/// A workbook (zip, entries stored) from the parts in `data` (see [`PARTS`]).
pub fn workbook_from_parts(data: &[u8]) -> Vec<u8> {
    let mut given = data.split(|&b| b == 0);
    let parts: Vec<Option<&[u8]>> = PARTS.iter().map(|_| given.next()).collect();
    let mut out = Vec::new();
    let mut zip = zip::ZipWriter::new(std::io::Cursor::new(&mut out));
    let opts =
        zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Stored);
    let mut add = |name: &str, bytes: &[u8]| {
        zip.start_file(name, opts).expect("zip entry");
        zip.write_all(bytes).expect("zip write");
    };
    add("[Content_Types].xml", CONTENT_TYPES.as_bytes());
    add("_rels/.rels", ROOT_RELS.as_bytes());
    add("xl/_rels/workbook.xml.rels", WORKBOOK_RELS.as_bytes());
    let defaults = [Some(SHEET), None, None, Some(WORKBOOK)];
    for ((name, part), default) in PARTS.iter().zip(parts).zip(defaults) {
        match (part, default) {
            (Some(bytes), _) if !bytes.is_empty() => add(name, bytes),
            (_, Some(text)) => add(name, text.as_bytes()),
            (_, None) => {}
        }
    }
    zip.finish().expect("zip finish");
    out
}
