//! End-to-end: every example SBOM reads, with its component count pinned against the format's
//! reference library; the firmware fixture; malformed input; snapshots of the normalized JSON.

use std::path::{Path, PathBuf};

use tekigo_sbom::{Position, Sbom, SbomFormat, read, read_file};

fn fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures").join(name)
}

fn load(name: &str) -> Sbom {
    read_file(&fixture(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Component counts as the format's reference library reports them, obtained once (2025) in a
/// scratch venv outside the repository: `pip install cyclonedx-python-lib spdx-tools`
/// (cyclonedx-python-lib 11.12.0, spdx-tools 0.8.5).
///
/// - CycloneDX: `len(bom.components)` after `Bom.from_json(json.load(f))` or
///   `Bom.from_xml(ElementTree.fromstring(f.read()))`. That is the top-level `components` only;
///   counting nested `component.components` recursively gives the same numbers (no example nests
///   components). The library keeps `metadata.component` apart; tekigo-sbom makes it the first
///   component, so tekigo's count is this number plus one when `metadata.component` is present
///   (the `product` column: `bom.metadata.component is not None`).
/// - SPDX 2: `len(document.packages)` after `spdx_tools.spdx.parser.parse_anything.parse_file(f)`.
/// - SPDX 3: spdx-tools 0.8.5 cannot parse SPDX 3 JSON-LD ("CreationInfo does not exist"), so the
///   count is the number of `@graph` elements with `"type": "software_Package"`, counted with
///   Python's `json` module.
const REFERENCE_COUNTS: [(&str, usize, bool); 18] = [
    // (file, reference count, has a metadata.component)
    ("cyclonedx/cbom-protocol.bom.json", 8, true),
    ("cyclonedx/cern-lhc-vdm-editor.bom.json", 43, true),
    ("cyclonedx/cern-lhc-vdm-editor.bom.xml", 43, true),
    ("cyclonedx/cisa-vex-case2.json", 0, true),
    ("cyclonedx/cisa-vex-case4.json", 0, true),
    ("cyclonedx/dropwizard-1.3.15.bom.json", 167, true),
    ("cyclonedx/hbom-pcie-sata-adapter.bom.json", 6, true),
    ("cyclonedx/laravel-7.12.0.bom.1.4.json", 62, true),
    ("cyclonedx/proton-bridge-v1.8.0.bom.json", 201, true),
    ("cyclonedx/vex-bom.json", 3, true),
    ("cyclonedx/vex.json", 0, false),
    ("spdx/example1-c.spdx", 1, false),
    ("spdx/example11-rust.spdx.json", 4, false),
    ("spdx/example11-rust.spdx3.json", 4, false),
    ("spdx/example14-maven-enriched.spdx.json", 6, false),
    ("spdx/example6-go-bin.spdx", 1, false),
    ("spdx/example7-go-bin.spdx.json", 1, false),
    ("spdx/oss-na-2023-04-SBOMwSecurity.spdx.json", 2, false),
];

#[test]
fn every_example_reads_with_the_reference_component_count() {
    let mut seen = Vec::new();
    for folder in ["cyclonedx", "spdx"] {
        for entry in std::fs::read_dir(fixture(folder)).unwrap() {
            seen.push(format!("{folder}/{}", entry.unwrap().file_name().to_string_lossy()));
        }
    }
    seen.sort();
    let pinned: Vec<&str> = REFERENCE_COUNTS.iter().map(|(f, _, _)| *f).collect();
    assert_eq!(seen, pinned, "every fixture has a pinned count");

    for (file, reference, product) in REFERENCE_COUNTS {
        let sbom = load(file);
        assert_eq!(sbom.components.len(), reference + usize::from(product), "{file}: {:#?}", sbom.diagnostics);
        assert!(sbom.diagnostics.is_empty(), "{file}: {:#?}", sbom.diagnostics);
        let mut ids: Vec<&str> = sbom.components.iter().map(|c| c.id.as_str()).collect();
        ids.sort_unstable();
        ids.dedup();
        assert_eq!(ids.len(), sbom.components.len(), "{file}: ids are unique");
        for d in &sbom.dependencies {
            assert!(ids.binary_search(&d.from.as_str()).is_ok(), "{file}: {d:?}");
            assert!(ids.binary_search(&d.to.as_str()).is_ok(), "{file}: {d:?}");
        }
    }
}

#[test]
fn formats_are_detected_by_content() {
    let cases = [
        ("cyclonedx/laravel-7.12.0.bom.1.4.json", SbomFormat::CycloneDxJson { spec_version: "1.4".into() }),
        ("cyclonedx/cern-lhc-vdm-editor.bom.xml", SbomFormat::CycloneDxXml { spec_version: "1.2".into() }),
        ("spdx/example7-go-bin.spdx.json", SbomFormat::SpdxJson { version: "SPDX-2.2".into() }),
        ("spdx/example1-c.spdx", SbomFormat::SpdxTagValue { version: "SPDX-2.2".into() }),
        ("spdx/example11-rust.spdx3.json", SbomFormat::Spdx3JsonLd),
    ];
    for (file, format) in cases {
        let bytes = std::fs::read(fixture(file)).unwrap();
        // The origin is only a label: a misleading name changes nothing.
        let sbom = read(&bytes, "sbom.txt").unwrap();
        assert_eq!(sbom.format, format, "{file}");
    }
}

#[test]
fn dependencies_are_read() {
    // dropwizard: the reference library reports 167 `dependencies` entries (one per ref).
    let sbom = load("cyclonedx/dropwizard-1.3.15.bom.json");
    assert!(!sbom.dependencies.is_empty());
    let sbom = load("spdx/example11-rust.spdx.json");
    let edges: Vec<(&str, &str)> = sbom.dependencies.iter().map(|d| (d.from.as_str(), d.to.as_str())).collect();
    assert!(!edges.is_empty(), "{:#?}", sbom.diagnostics);
}

#[test]
fn firmware_components_keep_their_cpes() {
    let sbom = load("firmware/router-fw.cdx.json");
    assert_eq!(sbom.name.as_deref(), Some("example-router-firmware"));
    let got: Vec<(&str, Option<&str>, &[String])> =
        sbom.components.iter().map(|c| (c.name.as_str(), c.kind.as_deref(), c.cpes.as_slice())).collect();
    let cpe = |s: &str| vec![s.to_owned()];
    assert_eq!(
        got,
        [
            (
                "example-router-firmware",
                Some("firmware"),
                &cpe("cpe:2.3:o:example:router_firmware:2.4.1:*:*:*:*:*:*:*")[..]
            ),
            ("linux", Some("operating-system"), &cpe("cpe:2.3:o:linux:linux_kernel:5.10.176:*:*:*:*:*:*:*")[..]),
            ("busybox", Some("application"), &cpe("cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*")[..]),
            ("openssl", Some("library"), &cpe("cpe:2.3:a:openssl:openssl:1.1.1w:*:*:*:*:*:*:*")[..]),
            (
                "dropbear",
                Some("application"),
                &cpe("cpe:2.3:a:dropbear_ssh_project:dropbear_ssh:2022.83:*:*:*:*:*:*:*")[..]
            ),
            ("lighttpd", Some("application"), &cpe("cpe:2.3:a:lighttpd:lighttpd:1.4.69:*:*:*:*:*:*:*")[..]),
        ]
    );
    assert!(sbom.components.iter().all(|c| c.purl.is_none()));
    assert_eq!(sbom.dependencies.len(), 5);
    assert!(sbom.diagnostics.is_empty(), "{:#?}", sbom.diagnostics);

    // The XML form of the same firmware normalizes to the same model.
    let xml = load("firmware/router-fw.cdx.xml");
    assert_eq!(xml.components, sbom.components);
    assert_eq!(xml.dependencies, sbom.dependencies);
    assert_eq!(xml.name, sbom.name);
}

fn error(bytes: &[u8], origin: &str) -> tekigo_sbom::SbomError {
    match read(bytes, origin) {
        Ok(sbom) => panic!("{origin} read: {sbom:?}"),
        Err(e) => e,
    }
}

#[test]
fn truncated_json_names_origin_line_and_column() {
    let bytes = std::fs::read(fixture("firmware/router-fw.cdx.json")).unwrap();
    let text = std::str::from_utf8(&bytes).unwrap();
    let cut = text.find("\"busybox\"").unwrap();
    let e = error(&bytes[..cut], "fw.json");
    let line = text[..cut].lines().count();
    assert_eq!(e.position.map(|p| p.line), Some(line), "{e}");
    assert!(e.to_string().starts_with(&format!("fw.json:{line}:")), "{e}");
    assert!(e.message.contains("EOF"), "{e}");
}

#[test]
fn bad_xml_names_origin_line_and_column() {
    let xml = "<?xml version=\"1.0\"?>\n<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n  <components>\n    <component type=\"library\"><name>a</nam>\n";
    let e = error(xml.as_bytes(), "bad.xml");
    assert_eq!(e.position, Some(Position { line: 4, column: 38 }), "{e}");
    assert!(e.to_string().starts_with("bad.xml:4:38: invalid XML"), "{e}");

    let e = error(b"<bom xmlns=\"http://cyclonedx.org/schema/bom/1.5\">\n<components>\n", "cut.xml");
    assert_eq!(e.position.map(|p| p.line), Some(3), "{e}");
    assert!(e.message.contains("<components> is closed"), "{e}");
}

#[test]
fn a_tag_value_line_without_a_colon_names_origin_line_and_column() {
    let text = "SPDXVersion: SPDX-2.3\nDocumentName: x\n\nPackageName something wrong\n";
    let e = error(text.as_bytes(), "doc.spdx");
    assert_eq!(e.position, Some(Position { line: 4, column: 1 }));
    assert_eq!(
        e.to_string(),
        "doc.spdx:4:1: invalid tag-value line: expected `Tag: value`, found `PackageName something wrong`"
    );
}

#[test]
fn other_documents_are_refused() {
    assert!(error(b"", "empty").message.contains("empty"));
    assert!(error(b"{\"a\": 1}", "a.json").message.starts_with("not an SBOM"));
    assert!(error(b"[1]", "a.json").message.starts_with("not an SBOM"));
    assert!(error(b"<rdf:RDF xmlns:rdf=\"x\"/>", "a.rdf").message.contains("SPDX RDF/XML"));
    assert!(error(b"Hello: world\n", "a.txt").message.contains("SPDXVersion"));
    assert!(error(&[0xff, 0xfe, 0x00], "bin").message.starts_with("not an SBOM"));
}

#[test]
fn leniency_skips_with_diagnostics() {
    let json = r#"{
      "bomFormat": "CycloneDX", "specVersion": "1.6", "unknown": {"x": 1},
      "components": [
        {"type": "library", "bom-ref": "a", "name": "a", "extra": true},
        {"type": "library", "bom-ref": "b", "version": "1"},
        {"type": "library", "name": 42},
        {"type": "library", "name": "c", "cpe": "cpe:/a:acme:c:2.0",
         "components": [{"type": "library", "name": "d", "version": "1"}]}
      ],
      "dependencies": [{"ref": "a", "dependsOn": ["b", "c-missing"]}, {"dependsOn": []}]
    }"#;
    let sbom = read(json.as_bytes(), "lenient.json").unwrap();
    let names: Vec<&str> = sbom.components.iter().map(|c| c.name.as_str()).collect();
    assert_eq!(names, ["a", "c", "d"]);
    assert_eq!(sbom.components[1].cpes, ["cpe:2.3:a:acme:c:2.0:*:*:*:*:*:*:*"]);
    assert_eq!(sbom.components[2].id, "d@1");
    assert_eq!(sbom.dependencies.len(), 1, "c contains d: {:?}", sbom.dependencies);
    let messages: Vec<&str> = sbom.diagnostics.iter().map(|d| d.message.as_str()).collect();
    insta::assert_debug_snapshot!("leniency_diagnostics", messages);
}

#[test]
fn files_over_the_limit_are_refused_before_reading() {
    let dir = std::env::temp_dir().join(format!("tekigo-sbom-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("huge.json");
    let file = std::fs::File::create(&path).unwrap();
    // A sparse file: no disk space is used.
    file.set_len(tekigo_sbom::MAX_SBOM_BYTES + 1).unwrap();
    let e = read_file(&path).unwrap_err();
    std::fs::remove_dir_all(&dir).unwrap();
    assert!(e.message.contains("over the 256 MiB limit"), "{e}");
    assert_eq!(e.origin, path.display().to_string());

    let e = read_file(Path::new("/nonexistent/sbom.json")).unwrap_err();
    assert!(e.to_string().starts_with("/nonexistent/sbom.json: cannot read"), "{e}");
}

#[test]
fn normalized_json_snapshots() {
    for (snapshot, file) in [
        ("cyclonedx_json_firmware", "firmware/router-fw.cdx.json"),
        ("cyclonedx_json_hbom", "cyclonedx/hbom-pcie-sata-adapter.bom.json"),
        ("cyclonedx_xml_firmware", "firmware/router-fw.cdx.xml"),
        ("spdx_json", "spdx/oss-na-2023-04-SBOMwSecurity.spdx.json"),
        ("spdx_tag_value", "spdx/example6-go-bin.spdx"),
        ("spdx3_json_ld", "spdx/example11-rust.spdx3.json"),
    ] {
        insta::assert_json_snapshot!(snapshot, load(file));
    }
}

#[test]
fn prefixed_cyclonedx_xml_reads() {
    let xml = r#"<?xml version="1.0"?>
<cdx:bom xmlns:cdx="http://cyclonedx.org/schema/bom/1.6" version="1">
  <cdx:components>
    <cdx:component type="firmware" bom-ref="a">
      <cdx:name>modem-fw</cdx:name>
      <cdx:cpe>cpe:/o:acme:modem_firmware:3.2</cdx:cpe>
      <cdx:components>
        <cdx:component type="library"><cdx:name>zlib</cdx:name><cdx:version>1.3</cdx:version></cdx:component>
        <cdx:component type="library"><cdx:version>1</cdx:version></cdx:component>
      </cdx:components>
    </cdx:component>
  </cdx:components>
</cdx:bom>"#;
    let sbom = read(xml.as_bytes(), "prefixed.xml").unwrap();
    assert_eq!(sbom.format, SbomFormat::CycloneDxXml { spec_version: "1.6".into() });
    assert_eq!(sbom.components.len(), 2);
    assert_eq!(sbom.components[0].cpes, ["cpe:2.3:o:acme:modem_firmware:3.2:*:*:*:*:*:*:*"]);
    assert_eq!(sbom.dependencies[0].to, "zlib@1.3");
    assert_eq!(sbom.diagnostics.len(), 1);
    assert_eq!(sbom.diagnostics[0].position, Some(Position { line: 9, column: 9 }));
    assert_eq!(sbom.diagnostics[0].message, "component skipped: it has no name");
}

#[test]
fn the_same_bom_as_json_and_xml_reads_the_same() {
    let json = load("cyclonedx/cern-lhc-vdm-editor.bom.json");
    let xml = load("cyclonedx/cern-lhc-vdm-editor.bom.xml");
    assert_eq!(json.name, xml.name);
    assert_eq!(json.components, xml.components);
    assert_eq!(json.dependencies, xml.dependencies);
}

#[test]
fn spdx2_json_security_refs_checksums_and_relationships() {
    let json = r#"{
      "spdxVersion": "SPDX-2.2", "SPDXID": "SPDXRef-DOCUMENT", "name": "camera-fw",
      "documentDescribes": ["SPDXRef-fw"],
      "packages": [
        {"SPDXID": "SPDXRef-fw", "name": "camera-fw", "versionInfo": "1.0",
         "supplier": "Organization: Example Camera Co. (security@example.com)",
         "primaryPackagePurpose": "FIRMWARE"},
        {"SPDXID": "SPDXRef-openssl", "name": "openssl", "versionInfo": "3.0.13",
         "supplier": "NOASSERTION",
         "checksums": [{"algorithm": "SHA256", "checksumValue": "ABCDEF"}],
         "externalRefs": [
           {"referenceCategory": "PACKAGE_MANAGER", "referenceType": "purl", "referenceLocator": "pkg:generic/openssl@3.0.13"},
           {"referenceCategory": "SECURITY", "referenceType": "cpe23Type", "referenceLocator": "cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"},
           {"referenceCategory": "SECURITY", "referenceType": "cpe22Type", "referenceLocator": "cpe:/a:openssl:openssl:3.0.13"},
           {"referenceCategory": "OTHER", "referenceType": "swh", "referenceLocator": "swh:1:cnt:x"}
         ]},
        {"SPDXID": "SPDXRef-zlib", "name": "zlib", "versionInfo": "1.3.1"}
      ],
      "files": [{"SPDXID": "SPDXRef-file", "fileName": "./bin/app"}],
      "relationships": [
        {"spdxElementId": "SPDXRef-DOCUMENT", "relationshipType": "DESCRIBES", "relatedSpdxElement": "SPDXRef-fw"},
        {"spdxElementId": "SPDXRef-fw", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-openssl"},
        {"spdxElementId": "SPDXRef-zlib", "relationshipType": "DEPENDENCY_OF", "relatedSpdxElement": "SPDXRef-openssl"},
        {"spdxElementId": "SPDXRef-fw", "relationshipType": "CONTAINS", "relatedSpdxElement": "SPDXRef-file"},
        {"spdxElementId": "SPDXRef-fw", "relationshipType": "DEPENDS_ON", "relatedSpdxElement": "SPDXRef-gone"}
      ]
    }"#;
    let sbom = read(json.as_bytes(), "fw.spdx.json").unwrap();
    assert_eq!(sbom.name.as_deref(), Some("camera-fw"));
    let fw = &sbom.components[0];
    assert_eq!(fw.supplier.as_deref(), Some("Example Camera Co."));
    assert_eq!(fw.kind.as_deref(), Some("firmware"));
    let openssl = &sbom.components[1];
    assert_eq!(openssl.supplier, None);
    assert_eq!(openssl.purl.as_deref(), Some("pkg:generic/openssl@3.0.13"));
    // The 2.2 URI names the same CPE as the 2.3 string: kept once.
    assert_eq!(openssl.cpes, ["cpe:2.3:a:openssl:openssl:3.0.13:*:*:*:*:*:*:*"]);
    assert_eq!(openssl.hashes, [tekigo_sbom::Hash { algorithm: "SHA-256".into(), value: "abcdef".into() }]);
    let edges: Vec<(&str, &str)> = sbom.dependencies.iter().map(|d| (d.from.as_str(), d.to.as_str())).collect();
    assert_eq!(edges, [("SPDXRef-fw", "SPDXRef-openssl"), ("SPDXRef-openssl", "SPDXRef-zlib")]);
    let messages: Vec<&str> = sbom.diagnostics.iter().map(|d| d.message.as_str()).collect();
    assert_eq!(messages, ["dependency SPDXRef-fw -> SPDXRef-gone skipped: no component has id `SPDXRef-gone`"]);
}

#[test]
fn spdx_tag_value_packages_text_values_and_refs() {
    let text = "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\n\
DocumentName: router\nDocumentComment: <text>line one\nPackageName: not a package\n</text>\n\n\
PackageName: busybox\nSPDXID: SPDXRef-busybox\nPackageVersion: 1.36.1\n\
PackageSupplier: Person: Erik Andersen (erik@example.org)\nPackageChecksum: SHA1: 85E4\n\
ExternalRef: SECURITY cpe22Type cpe:/a:busybox:busybox:1.36.1\n\
PackageComment: <text>multi\nline</text>\nPrimaryPackagePurpose: APPLICATION\n\n\
FileName: ./bin/busybox\nSPDXID: SPDXRef-bin\nFileChecksum: SHA1: 00\n\n\
PackageName:\nSPDXID: SPDXRef-nameless\n\n\
Relationship: SPDXRef-busybox CONTAINS SPDXRef-bin\n\
Relationship: SPDXRef-DOCUMENT DESCRIBES SPDXRef-busybox\n";
    let sbom = read(text.as_bytes(), "router.spdx").unwrap();
    assert_eq!(sbom.format, SbomFormat::SpdxTagValue { version: "SPDX-2.3".into() });
    assert_eq!(sbom.name.as_deref(), Some("router"));
    assert_eq!(sbom.components.len(), 1, "{:#?}", sbom.components);
    let busybox = &sbom.components[0];
    assert_eq!(busybox.id, "SPDXRef-busybox");
    assert_eq!(busybox.version.as_deref(), Some("1.36.1"));
    assert_eq!(busybox.supplier.as_deref(), Some("Erik Andersen"));
    assert_eq!(busybox.cpes, ["cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"]);
    assert_eq!(busybox.hashes[0].algorithm, "SHA-1");
    assert_eq!(busybox.hashes[0].value, "85e4");
    assert_eq!(busybox.kind.as_deref(), Some("application"));
    assert!(sbom.dependencies.is_empty(), "files are not components");
    assert_eq!(sbom.diagnostics.len(), 1);
    assert_eq!(sbom.diagnostics[0].message, "package (SPDXRef-nameless) skipped: it has no name");
    assert_eq!(sbom.diagnostics[0].position, Some(Position { line: 23, column: 1 }));
}

#[test]
fn spdx3_identifiers_hashes_and_suppliers() {
    let json = r#"{
      "@context": "https://spdx.org/rdf/3.0.1/spdx-context.jsonld",
      "@graph": [
        {"type": "Organization", "spdxId": "urn:org:acme", "name": "ACME"},
        {"type": "SpdxDocument", "spdxId": "urn:doc", "name": "gateway"},
        {"type": "software_Package", "spdxId": "urn:pkg:gw", "name": "gateway-fw",
         "software_packageVersion": "4.1", "software_primaryPurpose": "firmware",
         "suppliedBy": "urn:org:acme",
         "externalIdentifier": [
           {"type": "ExternalIdentifier", "externalIdentifierType": "cpe23", "identifier": "cpe:2.3:o:acme:gateway:4.1:*:*:*:*:*:*:*"},
           {"type": "ExternalIdentifier", "externalIdentifierType": "packageUrl", "identifier": "pkg:generic/acme/gateway@4.1"}
         ],
         "verifiedUsing": [{"type": "Hash", "algorithm": "sha256", "hashValue": "00FF"}]},
        {"type": "software_Package", "spdxId": "urn:pkg:lib", "name": "libcurl",
         "software_packageUrl": "pkg:generic/curl@8.6.0", "software_primaryPurpose": "operatingSystem"},
        {"type": "software_File", "spdxId": "urn:file", "name": "curl.so"},
        {"type": "Relationship", "spdxId": "urn:r1", "from": "urn:pkg:gw", "relationshipType": "contains", "to": ["urn:pkg:lib", "urn:file"]},
        {"type": "Relationship", "spdxId": "urn:r2", "from": "urn:doc", "relationshipType": "describes", "to": ["urn:pkg:gw"]}
      ]
    }"#;
    let sbom = read(json.as_bytes(), "gw.spdx3.json").unwrap();
    assert_eq!(sbom.name.as_deref(), Some("gateway"));
    let gw = &sbom.components[0];
    assert_eq!(gw.supplier.as_deref(), Some("ACME"));
    assert_eq!(gw.purl.as_deref(), Some("pkg:generic/acme/gateway@4.1"));
    assert_eq!(gw.cpes, ["cpe:2.3:o:acme:gateway:4.1:*:*:*:*:*:*:*"]);
    assert_eq!(gw.hashes, [tekigo_sbom::Hash { algorithm: "SHA-256".into(), value: "00ff".into() }]);
    assert_eq!(gw.kind.as_deref(), Some("firmware"));
    assert_eq!(sbom.components[1].kind.as_deref(), Some("operating-system"));
    assert_eq!(sbom.dependencies, [tekigo_sbom::Dependency { from: "urn:pkg:gw".into(), to: "urn:pkg:lib".into() }]);
    assert!(sbom.diagnostics.is_empty(), "{:#?}", sbom.diagnostics);
}
