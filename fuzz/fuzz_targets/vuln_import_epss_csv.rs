//! The EPSS CSV reader of `vulndb import`, kept in it by its header line.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    tekigo_fuzz_support::import_one(
        data,
        b"#model_version:v2025.03.14,score_date:2025-06-01T00:00:00+0000\ncve,epss,percentile\n",
    );
});

#[path = "../support.rs"]
mod tekigo_fuzz_support;
