//! An XLSX upload as raw bytes: the zip checks (damage, zip bombs) and calamine's reader.
#![no_main]

use kontor_fuzz::{only_escaping_panics, read_upload};
use libfuzzer_sys::fuzz_target;

fuzz_target!(init: only_escaping_panics(), |data: &[u8]| {
    read_upload(data, "fuzz.xlsx", None);
});
