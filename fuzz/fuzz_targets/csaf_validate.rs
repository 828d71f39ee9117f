//! CSAF 2.0 validation of any JSON: the official schema and the mandatory tests of §6.1, as
//! imported advisories and CSAF VEX are checked.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(document) = serde_json::from_slice::<serde_json::Value>(data) {
        let _ = tekigo_csaf::validate_schema(&document);
        let _ = tekigo_csaf::mandatory_tests(&document);
    }
});
