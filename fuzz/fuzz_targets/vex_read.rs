//! VEX as the registry and `sbom check --vex` read it: CycloneDX VEX, CSAF VEX, OpenVEX.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tekigo_vuln::vex::read(data, "fuzz");
});
