//! Every SBOM format `tekigo_sbom::read` detects: CycloneDX JSON/XML, SPDX 2 JSON and tag-value,
//! SPDX 3 JSON-LD. An error is fine; a panic, a stack overflow or a runaway allocation is not.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(sbom) = tekigo_sbom::read(data, "fuzz") {
        // What the reader returns holds its own promises: unique ids, edges between them.
        let ids: std::collections::HashSet<&str> = sbom.components.iter().map(|c| c.id.as_str()).collect();
        assert_eq!(ids.len(), sbom.components.len(), "component ids are unique");
        for edge in &sbom.dependencies {
            assert!(ids.contains(edge.from.as_str()) && ids.contains(edge.to.as_str()), "{edge:?}");
        }
    }
});
