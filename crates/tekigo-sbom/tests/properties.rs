//! Properties of every reader: no input makes `read` panic, and a JSON SBOM re-serialised (keys
//! in another order, pretty or compact) reads to the same model.

use std::path::Path;

use proptest::prelude::*;
use serde_json::{Map, Value};

fn fixture(name: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name);
    std::fs::read(path).unwrap()
}

/// One small valid document per reader (CycloneDX JSON and XML, SPDX JSON and tag-value, SPDX 3).
const SMALL: [&str; 8] = [
    "firmware/router-fw.cdx.json",
    "firmware/router-fw.cdx.xml",
    "cyclonedx/vex-bom.json",
    "cyclonedx/hbom-pcie-sata-adapter.bom.json",
    "spdx/oss-na-2023-04-SBOMwSecurity.spdx.json",
    "spdx/example1-c.spdx",
    "spdx/example6-go-bin.spdx",
    "spdx/example11-rust.spdx3.json",
];

/// Every JSON example.
const JSON: [&str; 16] = [
    "firmware/router-fw.cdx.json",
    "cyclonedx/cbom-protocol.bom.json",
    "cyclonedx/cern-lhc-vdm-editor.bom.json",
    "cyclonedx/cisa-vex-case2.json",
    "cyclonedx/cisa-vex-case4.json",
    "cyclonedx/dropwizard-1.3.15.bom.json",
    "cyclonedx/hbom-pcie-sata-adapter.bom.json",
    "cyclonedx/laravel-7.12.0.bom.1.4.json",
    "cyclonedx/proton-bridge-v1.8.0.bom.json",
    "cyclonedx/vex-bom.json",
    "cyclonedx/vex.json",
    "spdx/example11-rust.spdx.json",
    "spdx/example11-rust.spdx3.json",
    "spdx/example14-maven-enriched.spdx.json",
    "spdx/example7-go-bin.spdx.json",
    "spdx/oss-na-2023-04-SBOMwSecurity.spdx.json",
];

/// Starts that lead arbitrary text into each reader.
const PREFIXES: [&str; 5] = [
    "{\"bomFormat\": \"CycloneDX\", \"specVersion\": \"1.6\", ",
    "<bom xmlns=\"http://cyclonedx.org/schema/bom/1.6\">",
    "{\"spdxVersion\": \"SPDX-2.3\", ",
    "SPDXVersion: SPDX-2.3\n",
    "{\"@context\": \"https://spdx.org/rdf/3.0.1/spdx-context.jsonld\", \"@graph\": [",
];

#[derive(Debug, Clone)]
enum Mutation {
    Flip { at: usize, byte: u8 },
    Delete { at: usize, len: usize },
    Insert { at: usize, bytes: Vec<u8> },
    Truncate { at: usize },
}

fn mutation() -> impl Strategy<Value = Mutation> {
    // Inserted bytes favour the characters that matter to the syntaxes.
    let syntax = prop::sample::select(b"{}[]<>/:,\"'\\\n&;#! -=0aZ\xC3\xA9\xFF".to_vec());
    prop_oneof![
        (any::<usize>(), any::<u8>()).prop_map(|(at, byte)| Mutation::Flip { at, byte }),
        (any::<usize>(), 1..64usize).prop_map(|(at, len)| Mutation::Delete { at, len }),
        (any::<usize>(), prop::collection::vec(syntax, 1..8)).prop_map(|(at, bytes)| Mutation::Insert { at, bytes }),
        any::<usize>().prop_map(|at| Mutation::Truncate { at }),
    ]
}

fn apply(bytes: &mut Vec<u8>, mutation: &Mutation) {
    let at = |at: usize, len: usize| if len == 0 { 0 } else { at % (len + 1) };
    match mutation {
        Mutation::Flip { at: i, byte } => {
            if !bytes.is_empty() {
                let i = i % bytes.len();
                bytes[i] = *byte;
            }
        }
        Mutation::Delete { at: i, len } => {
            let start = at(*i, bytes.len());
            let end = (start + len).min(bytes.len());
            bytes.drain(start..end);
        }
        Mutation::Insert { at: i, bytes: new } => {
            let start = at(*i, bytes.len());
            bytes.splice(start..start, new.iter().copied());
        }
        Mutation::Truncate { at: i } => bytes.truncate(at(*i, bytes.len())),
    }
}

/// The same JSON with every object's keys in an order drawn from `seed`.
fn shuffle_keys(value: Value, seed: &mut u64) -> Value {
    match value {
        Value::Object(map) => {
            let mut entries: Vec<(String, Value)> = map.into_iter().collect();
            for i in (1..entries.len()).rev() {
                *seed = seed.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
                let j = usize::try_from((*seed >> 33) % (i as u64 + 1)).unwrap();
                entries.swap(i, j);
            }
            let mut out = Map::new();
            for (key, value) in entries {
                let value = shuffle_keys(value, seed);
                out.insert(key, value);
            }
            Value::Object(out)
        }
        Value::Array(items) => Value::Array(items.into_iter().map(|v| shuffle_keys(v, seed)).collect()),
        other => other,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 1024, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..512)) {
        let _ = tekigo_sbom::read(&bytes, "arbitrary");
    }

    #[test]
    fn arbitrary_text_after_each_format_start_never_panics(
        prefix in prop::sample::select(&PREFIXES[..]),
        text in ".{0,300}",
    ) {
        let _ = tekigo_sbom::read(format!("{prefix}{text}").as_bytes(), "arbitrary");
    }

    #[test]
    fn mutated_valid_files_never_panic(
        file in prop::sample::select(&SMALL[..]),
        mutations in prop::collection::vec(mutation(), 1..6),
    ) {
        let mut bytes = fixture(file);
        for m in &mutations {
            apply(&mut bytes, m);
        }
        if let Err(e) = tekigo_sbom::read(&bytes, file) {
            // A failure always says which file it was.
            prop_assert!(e.to_string().starts_with(file), "{e}");
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    #[test]
    fn json_reserialised_reads_the_same(
        file in prop::sample::select(&JSON[..]),
        seed in any::<u64>(),
        pretty in any::<bool>(),
    ) {
        let bytes = fixture(file);
        let original = tekigo_sbom::read(&bytes, file).unwrap();
        let value: Value = serde_json::from_slice(&bytes).unwrap();
        let mut seed = seed;
        let value = shuffle_keys(value, &mut seed);
        let again = if pretty {
            serde_json::to_vec_pretty(&value).unwrap()
        } else {
            serde_json::to_vec(&value).unwrap()
        };
        let reread = tekigo_sbom::read(&again, file).unwrap();
        prop_assert_eq!(reread.components.len(), original.components.len());
        prop_assert_eq!(reread, original);
    }
}
