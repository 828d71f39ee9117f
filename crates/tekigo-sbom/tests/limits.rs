//! Hostile nesting in every format is refused with an error that names the limit, on a thread
//! with a small stack: no input may overflow the reader's stack (that aborts the whole process,
//! a registry with it).

use tekigo_sbom::{MAX_DEPTH, read};

/// Runs `check` on a thread with a 512 KiB stack, a quarter of a tokio worker's 2 MiB (in a
/// debug build, where frames are largest).
fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(512 * 1024).spawn(check).unwrap().join().unwrap();
}

fn nested_cyclonedx_json(levels: usize) -> String {
    let mut json = String::from(r#"{"bomFormat":"CycloneDX","specVersion":"1.5","components":["#);
    for _ in 0..levels {
        json.push_str(r#"{"type":"library","name":"x","components":["#);
    }
    for _ in 0..levels {
        json.push_str("]}");
    }
    json.push_str("]}");
    json
}

#[test]
fn deeply_nested_cyclonedx_json_is_refused() {
    on_small_stack(|| {
        let error = read(nested_cyclonedx_json(20_000).as_bytes(), "deep.json").unwrap_err();
        assert!(error.message.contains(&format!("deeper than {MAX_DEPTH} levels")), "{error}");
        assert_eq!(error.origin, "deep.json");
        assert!(error.position.is_some(), "{error}");
    });
}

#[test]
fn cyclonedx_json_nested_within_the_limit_is_read() {
    on_small_stack(|| {
        // Each level is an object and an array; the document itself and its list take two.
        let levels = (MAX_DEPTH - 2) / 2;
        let sbom = read(nested_cyclonedx_json(levels).as_bytes(), "ok.json").unwrap();
        assert_eq!(sbom.components.len(), levels);
        assert_eq!(sbom.dependencies.len(), levels - 1);
    });
}

#[test]
fn deeply_nested_cyclonedx_xml_is_refused() {
    on_small_stack(|| {
        let levels = 20_000;
        let mut xml = String::from(r#"<bom xmlns="http://cyclonedx.org/schema/bom/1.6"><components>"#);
        for _ in 0..levels {
            xml.push_str("\n<component type=\"library\"><name>x</name><components>");
        }
        for _ in 0..levels {
            xml.push_str("</components></component>");
        }
        xml.push_str("</components></bom>");
        let error = read(xml.as_bytes(), "deep.xml").unwrap_err();
        assert!(error.message.contains(&format!("deeper than {MAX_DEPTH} levels")), "{error}");
        // The element that went past the limit is named by its line.
        assert_eq!(error.position.map(|p| p.line), Some(64), "{error}");
    });
}

#[test]
fn deeply_nested_spdx_json_is_refused() {
    on_small_stack(|| {
        for head in [
            r#"{"spdxVersion":"SPDX-2.3","packages":[{"SPDXID":"SPDXRef-a","name":"a","x":"#,
            r#"{"@context":"https://spdx.org/rdf/3.0.1/spdx-context.jsonld","@graph":[{"type":"software_Package","x":"#,
        ] {
            let depth = 50_000;
            let document = format!("{head}{}{}]}}", "[".repeat(depth), "]".repeat(depth));
            let error = read(document.as_bytes(), "deep.spdx.json").unwrap_err();
            assert!(error.message.contains("deeper than"), "{error}");
        }
    });
}

#[test]
fn a_long_spdx_relationship_chain_is_read_without_recursion() {
    on_small_stack(|| {
        // Relationships are a graph, not nesting: a chain of 20,000 packages is an ordinary SBOM.
        let count = 20_000;
        let mut text = String::from(
            "SPDXVersion: SPDX-2.3\nDataLicense: CC0-1.0\nSPDXID: SPDXRef-DOCUMENT\nDocumentName: chain\n",
        );
        for i in 0..count {
            text.push_str(&format!("PackageName: p{i}\nSPDXID: SPDXRef-p{i}\nPackageVersion: 1\n"));
        }
        for i in 1..count {
            text.push_str(&format!("Relationship: SPDXRef-p{} DEPENDS_ON SPDXRef-p{i}\n", i - 1));
        }
        let sbom = read(text.as_bytes(), "chain.spdx").unwrap();
        assert_eq!(sbom.components.len(), count);
        assert_eq!(sbom.dependencies.len(), count - 1);
    });
}

#[test]
fn a_document_over_the_size_limit_is_refused_before_parsing() {
    let size = usize::try_from(tekigo_sbom::MAX_SBOM_BYTES).unwrap() + 1;
    let bytes = vec![b' '; size];
    let error = read(&bytes, "big.json").unwrap_err();
    assert!(error.message.contains("MiB limit"), "{error}");
}

#[cfg(unix)]
#[test]
fn a_fifo_or_device_named_as_the_sbom_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("sbom.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let started = std::time::Instant::now();
    for (path, kind) in [(fifo.as_path(), "a FIFO"), (std::path::Path::new("/dev/zero"), "a device")] {
        let error = tekigo_sbom::read_file(path).unwrap_err().to_string();
        assert!(error.contains(kind), "{error}");
    }
    assert!(started.elapsed() < std::time::Duration::from_secs(5), "refused without waiting or reading");
    // A link to a real SBOM is read like the file (a person's `latest.json`).
    let real = dir.path().join("real.json");
    std::fs::write(&real, br#"{"bomFormat":"CycloneDX","specVersion":"1.6","components":[]}"#).unwrap();
    let link = dir.path().join("latest.json");
    std::os::unix::fs::symlink(&real, &link).unwrap();
    assert!(tekigo_sbom::read_file(&link).is_ok());
}
