//! `tekigo vulndb import` of one file, recognised by its content: OSV (a record or a list, or a
//! zip of them), NVD CVE 2.0, CISA KEV JSON, CSAF 2.0 (and the CSV targets for EPSS and KEV).
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tekigo_fuzz_support::import_one(data, b"");
});

#[path = "../support.rs"]
mod tekigo_fuzz_support;
