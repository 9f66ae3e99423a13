//! A text upload: sniffed (BOM, UTF-8 or GB18030, delimiter) and read, then read again with an
//! encoding a user can force (picked by the input's length, so the fuzzer reaches each).
//! Zip-looking inputs go the XLSX way, as an upload would.
#![no_main]

use kontor::domain::import::reader::TextEncoding;
use kontor_fuzz::{only_escaping_panics, read_upload};
use libfuzzer_sys::fuzz_target;

const FORCED: [TextEncoding; 4] = [
    TextEncoding::Utf8,
    TextEncoding::Gb18030,
    TextEncoding::Utf16Le,
    TextEncoding::Utf16Be,
];

fuzz_target!(init: only_escaping_panics(), |data: &[u8]| {
    read_upload(data, "fuzz.csv", None);
    if !data.starts_with(b"PK") {
        read_upload(data, "fuzz.csv", Some(FORCED[data.len() % FORCED.len()]));
    }
});
