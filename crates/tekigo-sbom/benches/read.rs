//! Reading a large SBOM: a synthetic CycloneDX 1.6 JSON document with 10,000 components (purl,
//! CPE, hashes) and a dependency entry for each, about the size of a full firmware image's SBOM.

use serde_json::json;

fn main() {
    divan::main();
}

fn synthetic_cyclonedx(components: usize) -> Vec<u8> {
    let component = |i: usize| {
        json!({
            "type": "library",
            "bom-ref": format!("pkg:generic/component-{i}@1.{i}"),
            "name": format!("component-{i}"),
            "version": format!("1.{i}"),
            "supplier": { "name": format!("Supplier {}", i % 50) },
            "purl": format!("pkg:generic/component-{i}@1.{i}"),
            "cpe": format!("cpe:2.3:a:vendor{}:component-{i}:1.{i}:*:*:*:*:*:*:*", i % 50),
            "hashes": [{ "alg": "SHA-256", "content": format!("{i:064x}") }],
            "licenses": [{ "license": { "id": "MIT" } }]
        })
    };
    let dependency = |i: usize| {
        json!({
            "ref": format!("pkg:generic/component-{i}@1.{i}"),
            "dependsOn": (1..=3)
                .map(|k| (i + k) % components)
                .map(|j| format!("pkg:generic/component-{j}@1.{j}"))
                .collect::<Vec<_>>()
        })
    };
    let bom = json!({
        "bomFormat": "CycloneDX",
        "specVersion": "1.6",
        "version": 1,
        "metadata": { "component": { "type": "firmware", "bom-ref": "fw", "name": "firmware" } },
        "components": (0..components).map(component).collect::<Vec<_>>(),
        "dependencies": (0..components).map(dependency).collect::<Vec<_>>()
    });
    serde_json::to_vec(&bom).expect("serialisable")
}

#[divan::bench]
fn read_cyclonedx_json_10k_components(bencher: divan::Bencher) {
    let bytes = synthetic_cyclonedx(10_000);
    bencher.counter(divan::counter::BytesCount::new(bytes.len())).bench_local(|| {
        let sbom = tekigo_sbom::read(divan::black_box(&bytes), "synthetic.json").expect("valid");
        assert_eq!(sbom.components.len(), 10_001);
        sbom
    });
}
