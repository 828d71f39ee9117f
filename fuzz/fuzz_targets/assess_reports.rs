//! The tool reports `assess import` reads as evidence: `tekigo probe` and `tekigo sbom check` JSON.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(report) = tekigo_assess::automated::read_probe("fuzz", data) {
        let _ = tekigo_assess::automated::check_probe_level("fuzz", &report, "jc-star", "star-1");
    }
    if let Ok(report) = tekigo_assess::automated::read_sbom_check("fuzz", data) {
        let _ = tekigo_assess::automated::check_sbom_level("fuzz", &report, "jc-star:star-1");
        let _ = tekigo_assess::automated::sbom_decision(&report, &[]);
    }
});
