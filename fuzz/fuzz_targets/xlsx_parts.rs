//! An XLSX upload whose XML parts come from the input (sheet, shared strings, styles, workbook,
//! separated by NUL), zipped into a valid archive, so mutations reach calamine's XML reading
//! (entities, formulas, cell references, dates) instead of dying at the zip's checksums.
#![no_main]

use kontor_fuzz::{only_escaping_panics, read_upload, workbook_from_parts};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: only_escaping_panics(), |data: &[u8]| {
    read_upload(&workbook_from_parts(data), "fuzz.xlsx", None);
});
