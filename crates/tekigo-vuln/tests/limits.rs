//! Hostile inputs to `vulndb import` and the VEX reader: nesting built to overflow a reader's
//! stack, folders that link back up, a link to a device. Each is an error that names the file,
//! or (for the folder loop) is simply not followed; none crashes or hangs.

use std::path::Path;

use tekigo_vuln::{VulnDb, import_paths};

const OSV: &str = r#"{"id":"GHSA-aaaa-bbbb-cccc","modified":"2024-01-01T00:00:00Z","aliases":["CVE-2024-0001"],
"affected":[{"package":{"ecosystem":"npm","name":"left-pad"},"ranges":[{"type":"SEMVER","events":[{"introduced":"0"},{"fixed":"1.3.0"}]}]}]}"#;

fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(512 * 1024).spawn(check).unwrap().join().unwrap();
}

fn import_file(dir: &Path, name: &str, content: &str) -> Result<(), String> {
    let path = dir.join(name);
    std::fs::write(&path, content).unwrap();
    let mut db = VulnDb::create_or_open(&dir.join(format!("db-{name}"))).unwrap();
    import_paths(&mut db, &[path], &mut |_| {}).map(|_| ()).map_err(|e| e.to_string())
}

#[test]
fn nesting_past_json_limits_is_an_error_in_every_importer() {
    on_small_stack(|| {
        let dir = tempfile::tempdir().unwrap();
        let depth = 50_000;
        let deep_array = format!("{}{}", "[".repeat(depth), "]".repeat(depth));
        let branches = format!("{}{}", r#"{"branches":["#.repeat(depth), "]}".repeat(depth));
        for (name, document) in [
            ("osv.json", format!(r#"{{"id":"X","modified":"2024-01-01T00:00:00Z","affected":{deep_array}}}"#)),
            ("osv-list.json", deep_array.clone()),
            ("nvd.json", format!(r#"{{"format":"NVD_CVE","vulnerabilities":{deep_array}}}"#)),
            ("kev.json", format!(r#"{{"catalogVersion":"1","vulnerabilities":{deep_array}}}"#)),
            ("csaf.json", format!(r#"{{"document":{{}},"product_tree":{branches}}}"#)),
        ] {
            // Refused by the depth limit or by the shape first: either way an error naming the
            // file, not a crash.
            let error = import_file(dir.path(), name, &document).unwrap_err();
            assert!(error.contains(name) && error.contains("not valid JSON"), "{name}: {error}");
        }
    });
}

#[test]
fn nesting_past_json_limits_is_an_error_in_the_vex_reader() {
    on_small_stack(|| {
        let depth = 50_000;
        for document in [
            format!("{}{}", "[".repeat(depth), "]".repeat(depth)),
            format!(
                r#"{{"document":{{"category":"csaf_vex"}},"product_tree":{}{}}}"#,
                r#"{"branches":["#.repeat(depth),
                "]}".repeat(depth)
            ),
            format!(
                r#"{{"bomFormat":"CycloneDX","vulnerabilities":[{{"affects":{}{}}}]}}"#,
                "[".repeat(depth),
                "]".repeat(depth)
            ),
        ] {
            assert!(tekigo_vuln::vex::read(document.as_bytes(), "deep-vex.json").is_err());
        }
    });
}

#[cfg(unix)]
#[test]
fn a_folder_that_links_back_up_imports_once_and_a_device_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let feed = dir.path().join("feed");
    std::fs::create_dir_all(feed.join("npm")).unwrap();
    std::fs::write(feed.join("npm/GHSA-aaaa-bbbb-cccc.json"), OSV).unwrap();
    std::os::unix::fs::symlink(&feed, feed.join("npm/loop")).unwrap();
    std::os::unix::fs::symlink("..", feed.join("npm/up")).unwrap();
    let mut db = VulnDb::create_or_open(&dir.path().join("db")).unwrap();
    let summary = import_paths(&mut db, std::slice::from_ref(&feed), &mut |_| {}).unwrap();
    assert_eq!(summary.files, 1);
    assert_eq!(summary.sources["osv"].inserted, 1);

    std::os::unix::fs::symlink("/dev/zero", feed.join("zero.json")).unwrap();
    let started = std::time::Instant::now();
    let error = import_paths(&mut db, &[feed], &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("zero.json") && error.contains("not a regular file"), "{error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}

#[cfg(unix)]
#[test]
fn a_fifo_named_as_input_is_refused_at_once_not_waited_on() {
    // Opening a FIFO for reading blocks until a writer comes: the import must refuse it by type.
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("advisories.json");
    assert!(std::process::Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let mut db = VulnDb::create_or_open(&dir.path().join("db")).unwrap();
    let started = std::time::Instant::now();
    let error = import_paths(&mut db, &[fifo], &mut |_| {}).unwrap_err().to_string();
    assert!(error.contains("advisories.json") && error.contains("a FIFO"), "{error}");
    assert!(started.elapsed() < std::time::Duration::from_secs(5));
}
