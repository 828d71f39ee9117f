//! `tekigo assess`, `tekigo keys` and `tekigo declaration` end to end: init, answers, a real probe
//! of a real daemon on loopback, a real SBOM check, the signed declaration and its verification.

use std::io::Write;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

fn command() -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tekigo"));
    command
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_VULNDB")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    command
}

fn tekigo(args: &[&str]) -> Output {
    command().args(args).output().expect("the tekigo binary runs")
}

fn tekigo_with_input(args: &[&str], input: &str) -> Output {
    let mut child = command()
        .args(args)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the tekigo binary runs");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    child.wait_with_output().unwrap()
}

fn ok(output: &Output) -> String {
    assert!(
        output.status.success(),
        "exit {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").join(path)
}

fn vuln_fixture(name: &str) -> String {
    repo("crates/tekigo-vuln/tests/fixtures").join(name).display().to_string()
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn firmware_db(dir: &Path) -> String {
    let db = dir.join("vulndb").display().to_string();
    ok(&tekigo(&[
        "vulndb",
        "import",
        "--db",
        &db,
        &vuln_fixture("nvd-firmware.json"),
        &vuln_fixture("epss.csv"),
        &vuln_fixture("kev-subset.json"),
    ]));
    db
}

const CAMERA_SBOM: &str = r#"{"bomFormat":"CycloneDX","specVersion":"1.5","version":1,
"metadata":{"component":{"type":"firmware","name":"exc-100-firmware","version":"2.4.1"}},
"components":[
 {"type":"operating-system","name":"linux","version":"6.1.90","cpe":"cpe:2.3:o:linux:linux_kernel:6.1.90:*:*:*:*:*:*:*"},
 {"type":"application","name":"busybox","version":"1.36.1","cpe":"cpe:2.3:a:busybox:busybox:1.36.1:*:*:*:*:*:*:*"},
 {"type":"library","name":"openssl","version":"3.0.15","cpe":"cpe:2.3:a:openssl:openssl:3.0.15:*:*:*:*:*:*:*"},
 {"type":"application","name":"lighttpd","version":"1.4.76","cpe":"cpe:2.3:a:lighttpd:lighttpd:1.4.76:*:*:*:*:*:*:*"},
 {"type":"library","name":"zlib","version":"1.3.1","cpe":"cpe:2.3:a:zlib:zlib:1.3.1:*:*:*:*:*:*:*"}]}"#;

/// A real HTTP daemon (Python's http.server) on a free loopback port.
struct HttpServer {
    child: Child,
    port: u16,
}

impl HttpServer {
    fn start(root: &Path) -> HttpServer {
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let child = Command::new("python3")
            .args(["-m", "http.server", "--bind", "127.0.0.1", &port.to_string()])
            .current_dir(root)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("python3 runs http.server");
        let deadline = Instant::now() + Duration::from_secs(10);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(Instant::now() < deadline, "http.server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        HttpServer { child, port }
    }
}

impl Drop for HttpServer {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Documents a vendor keeps, and an answers file that names them.
fn write_vendor_documents(dir: &Path) -> PathBuf {
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    std::fs::write(
        dir.join("docs/manual.txt"),
        "EXC-100 user manual\n4.1 Login\n4.2 Changing the password\n7 Updates\n",
    )
    .unwrap();
    std::fs::write(
        dir.join("docs/design.txt"),
        "Interfaces: HTTPS 443 (web UI), RTSP 554.\nKeys in the secure element.\n",
    )
    .unwrap();
    let mut answers = String::from("# answers of the EXC-100 assessment\n");
    for (id, items, evidence, note) in [
        ("S1.1-01", &["1"][..], "docs/manual.txt", "manual 4.1"),
        ("S1.1-02", &["1"], "docs/manual.txt", "unique password on the label"),
        ("S1.1-03", &["1"], "docs/manual.txt", "manual 4.2"),
        ("S1.1-05", &["1"], "https://example.com/security", "published policy"),
        ("S1.1-06", &["1"], "docs/design.txt", "component list"),
        ("S1.1-07", &["1"], "docs/manual.txt", "automatic updates, manual 7"),
        ("S1.1-08", &["1"], "docs/design.txt", "signed images"),
        ("S1.1-09", &["1"], "https://example.com/support", "support policy"),
        ("S1.1-10", &["1", "2"], "docs/manual.txt", "model on the label and in the web UI"),
        ("S1.1-11", &["1"], "docs/design.txt", "secure element"),
        ("S1.1-12", &["1"], "docs/design.txt", "TLS 1.2+ everywhere"),
        ("S1.1-13", &["1"], "docs/design.txt", "interface list"),
        ("S1.1-14", &["1"], "docs/design.txt", "settings kept on power loss"),
        ("S1.1-16", &["1"], "https://example.com/support", "support end and contact"),
    ] {
        for item in items {
            answers.push_str(&format!(
                "[requirements.\"{id}\".items.\"{item}\"]\nanswer = \"yes\"\nevidence = [\"{evidence}\"]\nnote = \"{note}\"\n\n"
            ));
        }
    }
    answers
        .push_str("[requirements.\"S1.1-15\"]\nnot_applicable = \"The camera stores no user data on the device.\"\n");
    let path = dir.join("answers-input.toml");
    std::fs::write(&path, answers).unwrap();
    path
}

fn init(dir: &Path) {
    ok(&tekigo(&[
        "assess",
        "init",
        "--scheme",
        "jc-star",
        "--level",
        "1",
        "--product",
        "EXC-100 network camera",
        "--product-type",
        "network-camera",
        "--vendor",
        "Example Devices K.K.",
        "--model",
        "EXC-100",
        "--firmware",
        "2.4.1",
        "--support-end",
        "2030-03-31",
        "--contact",
        "https://example.com/security",
        "--declarant",
        "Hanako Sato",
        s(dir),
    ]));
}

fn status_json(dir: &Path) -> (Option<i32>, Value) {
    let output = tekigo(&["assess", "status", s(dir), "--format", "json"]);
    (output.status.code(), serde_json::from_slice(&output.stdout).unwrap())
}

fn requirement<'v>(status: &'v Value, id: &str) -> &'v Value {
    status["requirements"].as_array().unwrap().iter().find(|r| r["id"] == id).unwrap()
}

fn schema_validator(path: &Path) -> jsonschema::Validator {
    let schema: Value = serde_json::from_str(&std::fs::read_to_string(path).unwrap()).unwrap();
    jsonschema::validator_for(&schema).unwrap()
}

/// A finished, ready assessment with probe and SBOM evidence, and a key pair.
fn finished_assessment(work: &Path) -> (PathBuf, PathBuf) {
    let dir = work.join("assessment");
    init(&dir);
    let answers = write_vendor_documents(work);
    ok(&tekigo(&["assess", "answer", s(&dir), "--answers", s(&answers)]));

    let site = work.join("site");
    std::fs::create_dir_all(&site).unwrap();
    std::fs::write(site.join("index.html"), "<h1>EXC-100</h1>").unwrap();
    let server = HttpServer::start(&site);
    let probe = tekigo(&["probe", "127.0.0.1", "--ports", &server.port.to_string(), "--format", "json"]);
    drop(server);
    let probe_report = work.join("probe.json");
    std::fs::write(&probe_report, &probe.stdout).unwrap();
    assert_eq!(probe.status.code(), Some(0), "{}", String::from_utf8_lossy(&probe.stderr));

    let db = firmware_db(work);
    let sbom = work.join("camera.cdx.json");
    std::fs::write(&sbom, CAMERA_SBOM).unwrap();
    let check = tekigo(&["sbom", "check", s(&sbom), "--level", "1", "--db", &db, "--format", "json"]);
    assert_eq!(check.status.code(), Some(0), "{}", String::from_utf8_lossy(&check.stderr));
    let check_report = work.join("sbom-check.json");
    std::fs::write(&check_report, &check.stdout).unwrap();

    ok(&tekigo(&[
        "assess",
        "import",
        s(&dir),
        "--probe",
        s(&probe_report),
        "--sbom-check",
        s(&check_report),
        "--sbom",
        s(&sbom),
    ]));
    let key = work.join("keys/vendor.key");
    std::fs::create_dir_all(key.parent().unwrap()).unwrap();
    ok(&tekigo(&["keys", "generate", "--out", s(&key)]));
    (dir, key)
}

#[test]
fn init_answers_probe_and_sbom_evidence_to_a_signed_declaration_that_verifies() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("fresh");
    init(&dir);
    for file in ["assessment.toml", "answers.toml", "evidence.toml", "checklist.en.md", "checklist.ja.md"] {
        assert!(dir.join(file).is_file(), "{file} is missing");
    }
    let checklist = std::fs::read_to_string(dir.join("checklist.ja.md")).unwrap();
    assert!(checklist.contains("S1.1-04") && checklist.contains("評価の手引き"), "{checklist}");
    let (code, status) = status_json(&dir);
    assert_eq!(code, Some(1), "a new assessment is not ready");
    assert_eq!(status["counts"]["pending"], 16);

    let (dir, key) = finished_assessment(work.path());
    let (code, status) = status_json(&dir);
    assert_eq!(code, Some(0), "{status:#}");
    assert_eq!(status["ready_to_declare"], true);
    // The probe decided the device-test items: no login service on the web server's port.
    let brute_force = requirement(&status, "S1.1-04");
    assert_eq!(brute_force["verdict"], "not-applicable");
    assert_eq!(brute_force["items"][0]["decided_by"], "probe");
    let interfaces = requirement(&status, "S1.1-13");
    assert_eq!(interfaces["verdict"], "conformant");
    assert_eq!(interfaces["items"][1]["decided_by"], "probe");
    assert_eq!(status["vulnerabilities"]["decided_by"], "sbom-check");
    assert_eq!(status["vulnerabilities"]["verdict"], "conformant");
    assert_eq!(requirement(&status, "S1.1-15")["verdict"], "not-applicable");

    let out = work.path().join("declaration");
    let printed = ok(&tekigo(&[
        "assess",
        "declare",
        s(&dir),
        "--key",
        s(&key),
        "--out",
        s(&out),
        "--declarant",
        "Hanako Sato",
        "--role",
        "Product security manager",
    ]));
    assert!(printed.contains("Signed self-declaration for jc-star:1"), "{printed}");
    for file in [
        "declaration.json",
        "declaration.oscal-ar.json",
        "checklist.xlsx",
        "declaration.ja.html",
        "declaration.en.html",
    ] {
        assert!(out.join(file).is_file(), "{file} is missing");
    }
    let declaration: Value = serde_json::from_slice(&std::fs::read(out.join("declaration.json")).unwrap()).unwrap();
    let schema = schema_validator(&repo("schemas/declaration-1.schema.json"));
    let errors: Vec<String> =
        schema.iter_errors(&declaration).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "declaration.json against its schema: {errors:#?}");
    assert_eq!(declaration["outcome"]["conformant"], true);
    let attachments = declaration["attachments"].as_array().unwrap();
    assert!(attachments.iter().any(|a| a["name"].as_str().unwrap().starts_with("sbom-")), "the SBOM travels with it");

    let public = format!("{}.pub", key.display());
    let verified = ok(&tekigo(&["declaration", "verify", s(&out.join("declaration.json")), "--pubkey", &public]));
    assert!(verified.trim_end().ends_with("VALID") && !verified.contains("NOT VALID"), "{verified}");

    // One byte flipped inside a value: the JSON still reads, the signature no longer holds.
    let original = std::fs::read(out.join("declaration.json")).unwrap();
    let at = original.windows(5).position(|w| w == b"2.4.1").unwrap() + 4;
    let mut flipped = original.clone();
    flipped[at] ^= 0x01;
    std::fs::write(out.join("declaration.json"), &flipped).unwrap();
    let output = tekigo(&["declaration", "verify", s(&out.join("declaration.json")), "--pubkey", &public]);
    assert_ne!(output.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&output.stderr).contains("does not match the content"), "{output:?}");
    std::fs::write(out.join("declaration.json"), &original).unwrap();

    // One byte flipped in a file issued with it: the declaration names it as changed.
    let html = out.join("declaration.ja.html");
    let mut bytes = std::fs::read(&html).unwrap();
    bytes[100] ^= 0x01;
    std::fs::write(&html, &bytes).unwrap();
    let output = tekigo(&["declaration", "verify", s(&out.join("declaration.json")), "--pubkey", &public]);
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).contains("declaration.ja.html: changed after signing"));

    // Another key is not the declarant's.
    let other = work.path().join("keys/other.key");
    ok(&tekigo(&["keys", "generate", "--out", s(&other)]));
    let output = tekigo(&[
        "declaration",
        "verify",
        s(&out.join("declaration.json")),
        "--pubkey",
        &format!("{}.pub", other.display()),
    ]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("signed by key sha256:"));

    // A declaration is never overwritten.
    let again = tekigo(&["assess", "declare", s(&dir), "--key", s(&key), "--out", s(&out), "--declarant", "H. Sato"]);
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("holds a declaration already"));
}

#[test]
fn the_oscal_assessment_results_validate_against_the_oscal_schema() {
    let work = tempfile::tempdir().unwrap();
    let (dir, key) = finished_assessment(work.path());
    let out = work.path().join("out");
    ok(&tekigo(&["assess", "declare", s(&dir), "--key", s(&key), "--out", s(&out), "--declarant", "H. Sato"]));
    let results: Value =
        serde_json::from_slice(&std::fs::read(out.join("declaration.oscal-ar.json")).unwrap()).unwrap();
    let schema =
        schema_validator(&repo("crates/tekigo-assess/tests/fixtures/oscal-1.2.3/oscal_assessment-results_schema.json"));
    let errors: Vec<String> = schema.iter_errors(&results).map(|e| format!("{} at {}", e, e.instance_path())).collect();
    assert!(errors.is_empty(), "{errors:#?}");
}

#[test]
fn a_vulnerable_sbom_blocks_the_declaration_and_nothing_is_written() {
    let work = tempfile::tempdir().unwrap();
    let (dir, key) = finished_assessment(work.path());
    let db = work.path().join("vulndb").display().to_string();
    let check = tekigo(&[
        "sbom",
        "check",
        &vuln_fixture("router-old.cdx.json"),
        "--level",
        "1",
        "--db",
        &db,
        "--format",
        "json",
        "--today",
        "2026-11-26",
    ]);
    assert_eq!(check.status.code(), Some(1));
    let report = work.path().join("old-check.json");
    std::fs::write(&report, &check.stdout).unwrap();
    ok(&tekigo(&[
        "assess",
        "import",
        s(&dir),
        "--sbom-check",
        s(&report),
        "--sbom",
        &vuln_fixture("router-old.cdx.json"),
    ]));
    let (code, status) = status_json(&dir);
    assert_eq!(code, Some(1));
    assert_eq!(status["vulnerabilities"]["verdict"], "not-conformant");
    assert!(status["vulnerabilities"]["failing"].as_array().unwrap().iter().any(|id| id == "CVE-2022-0778"));

    let out = work.path().join("never");
    let output = tekigo(&["assess", "declare", s(&dir), "--key", s(&key), "--out", s(&out), "--declarant", "H. Sato"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not ready to declare") && stderr.contains("CVE-2022-0778"), "{stderr}");
    assert!(!out.exists(), "a refused declaration leaves nothing behind");
}

#[test]
fn bad_input_is_named_and_changes_nothing() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("a");
    init(&dir);
    let before = std::fs::read(dir.join("answers.toml")).unwrap();

    let bad = work.path().join("bad.toml");
    std::fs::write(&bad, "[requirements.\"S1.1-01\".items.\"1\"]\nanswer = \"yes\"\n\n[requirements.\"S1.1-99\".items.\"1\"]\nanswer = \"yes\"\n").unwrap();
    let output = tekigo(&["assess", "answer", s(&dir), "--answers", s(&bad)]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("bad.toml:4") && stderr.contains("unknown requirement `S1.1-99`"), "{stderr}");
    assert_eq!(std::fs::read(dir.join("answers.toml")).unwrap(), before, "nothing changed");

    std::fs::write(&bad, "[requirements.\"S1.1-01\".items.\"1\"]\nanswer = \"maybe\"\n").unwrap();
    let stderr =
        String::from_utf8_lossy(&tekigo(&["assess", "answer", s(&dir), "--answers", s(&bad)]).stderr).into_owned();
    assert!(stderr.contains("bad.toml:2:10") && stderr.contains("maybe"), "{stderr}");

    std::fs::write(
        &bad,
        "[requirements.\"S1.1-01\".items.\"1\"]\nanswer = \"yes\"\nevidence = [\"docs/nowhere.pdf\"]\n",
    )
    .unwrap();
    let stderr =
        String::from_utf8_lossy(&tekigo(&["assess", "answer", s(&dir), "--answers", s(&bad)]).stderr).into_owned();
    assert!(
        stderr.contains("docs/nowhere.pdf") && stderr.contains("neither an evidence ID, a URL, nor a file"),
        "{stderr}"
    );
    assert_eq!(std::fs::read(dir.join("answers.toml")).unwrap(), before, "nothing changed");

    let output = tekigo(&["assess", "init", "--product", "X", s(&dir)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("exists and is not empty"));

    // ★2 is set per product type: without one, or for a type without criteria, nothing to assess.
    let output = tekigo(&["assess", "init", "--level", "2", "--product", "X", s(&work.path().join("b"))]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("criteria per product type"), "{output:?}");
    let output = tekigo(&[
        "assess",
        "init",
        "--level",
        "2",
        "--product-type",
        "drone",
        "--product",
        "X",
        s(&work.path().join("b")),
    ]);
    assert!(String::from_utf8_lossy(&output.stderr).contains("no criteria for product type `drone`"), "{output:?}");
    assert!(!work.path().join("b").exists(), "a refused init leaves no folder");

    // An evidence file changed after it was registered is caught on the next read.
    let doc = work.path().join("policy.txt");
    std::fs::write(&doc, "policy v1").unwrap();
    ok(&tekigo(&["assess", "evidence", s(&dir), s(&doc), "--for", "S1.1-05"]));
    let stored = std::fs::read_dir(dir.join("evidence")).unwrap().next().unwrap().unwrap().path();
    std::fs::write(&stored, "policy v2").unwrap();
    let output = tekigo(&["assess", "status", s(&dir)]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("changed after it was added"));
}

#[test]
fn the_questionnaire_asks_saves_every_answer_and_resumes() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("a");
    init(&dir);
    let doc = work.path().join("manual.txt");
    std::fs::write(&doc, "manual").unwrap();
    // S1.1-01 yes with a file and a place in words, a typo, S1.1-02 no, then stop.
    let input = format!("y\n{}\nmanual p. 12\n\nyes please\nn\nnot yet\nq\n", doc.display());
    let output = tekigo_with_input(&["--lang", "en", "assess", "answer", s(&dir)], &input);
    let printed = ok(&output);
    assert!(printed.contains("[0/21] S1.1-01 Authenticated access over IP"), "{printed}");
    assert!(printed.contains("Guidance:"), "{printed}");
    let answers = std::fs::read_to_string(dir.join("answers.toml")).unwrap();
    assert!(answers.contains("# [document] Every way into the product over IP"), "comments are kept:\n{answers}");
    let (_, status) = status_json(&dir);
    assert_eq!(requirement(&status, "S1.1-01")["verdict"], "conformant");
    assert_eq!(requirement(&status, "S1.1-01")["items"][0]["note"], "manual p. 12");
    assert_eq!(requirement(&status, "S1.1-02")["verdict"], "not-conformant");

    // The next run starts at the first open item, in Japanese.
    let output = tekigo_with_input(&["--lang", "ja", "assess", "answer", s(&dir)], "a\n該当なし\n");
    let printed = ok(&output);
    assert!(printed.contains("[2/21] S1.1-03"), "{printed}");
    assert!(printed.contains("手引き:"), "{printed}");
    let (_, status) = status_json(&dir);
    assert_eq!(requirement(&status, "S1.1-03")["verdict"], "not-applicable");
}

#[test]
fn one_assessment_declares_for_uk_psti_and_prefills_singapore_cls() {
    let work = tempfile::tempdir().unwrap();
    let (dir, key) = finished_assessment(work.path());
    let out = work.path().join("psti");
    let printed = ok(&tekigo(&[
        "assess",
        "declare",
        s(&dir),
        "--key",
        s(&key),
        "--out",
        s(&out),
        "--as",
        "uk-psti",
        "--declarant",
        "H. Sato",
    ]));
    assert!(printed.contains("Signed statement for uk-psti"), "{printed}");
    let statement: Value = serde_json::from_slice(&std::fs::read(out.join("declaration.json")).unwrap()).unwrap();
    assert_eq!(statement["kind"], "derived-statement");
    assert_eq!(statement["assessed_against"]["id"], "jc-star");
    let requirements = statement["requirements"].as_array().unwrap();
    assert_eq!(requirements.len(), 3);
    assert!(requirements.iter().all(|r| r["verdict"] == "conformant"), "{requirements:#?}");
    ok(&tekigo(&[
        "declaration",
        "verify",
        s(&out.join("declaration.json")),
        "--pubkey",
        &format!("{}.pub", key.display()),
    ]));

    let cls = work.path().join("cls");
    let printed = ok(&tekigo(&[
        "assess",
        "init",
        "--scheme",
        "sg-cls",
        "--level",
        "1",
        "--product",
        "EXC-100 network camera",
        "--from",
        s(&dir),
        s(&cls),
    ]));
    assert!(printed.contains("requirements carried over through the mappings"), "{printed}");
    let (_, status) = status_json(&cls);
    let carried = status["requirements"].as_array().unwrap().iter().filter(|r| r["verdict"] == "conformant").count();
    assert!(carried > 0, "{status:#}");
    assert!(status["counts"]["pending"].as_u64().unwrap() > 0, "CLS tier 1 is not all covered by ★1");
}

#[test]
fn the_sample_camera_declares_as_it_stands() {
    let work = tempfile::tempdir().unwrap();
    let example = repo("examples/sample-camera");
    let (code, status) = status_json(&example);
    assert_eq!(code, Some(0), "the example is a finished assessment: {status:#}");
    let key = work.path().join("vendor.key");
    ok(&tekigo(&["keys", "generate", "--out", s(&key)]));
    let out = work.path().join("declaration");
    ok(&tekigo(&["assess", "declare", s(&example), "--key", s(&key), "--out", s(&out)]));
    ok(&tekigo(&[
        "declaration",
        "verify",
        s(&out.join("declaration.json")),
        "--pubkey",
        &format!("{}.pub", key.display()),
    ]));
}

/// Copies a folder (files and one level of subfolders), as the example assessment is laid out.
fn copy_folder(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_folder(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

/// ★2 (SCHEME §2): the example camera taken to ★2 with tekigo's provisional network-camera
/// criteria. A self-declaration without a co-signing evaluator is refused; with one, both
/// signatures verify offline, the document says its criteria are provisional, and changing the
/// evaluator's name breaks it. ★3 cannot be self-declared at all.
#[test]
fn a_star_two_declaration_is_co_signed_by_a_skilled_evaluator() {
    let work = tempfile::tempdir().unwrap();
    let dir = work.path().join("camera-2");
    copy_folder(&repo("examples/sample-camera"), &dir);
    let facts = std::fs::read_to_string(dir.join("assessment.toml")).unwrap().replace("level = \"1\"", "level = \"2\"");
    std::fs::write(dir.join("assessment.toml"), facts).unwrap();
    // Answer what ★2 adds: documents cite the design notes, device tests the probe's report.
    let evidence = std::fs::read_to_string(dir.join("evidence.toml")).unwrap();
    let probe = evidence
        .split("[[evidence]]")
        .find(|entry| entry.contains("kind = \"probe\""))
        .and_then(|entry| entry.lines().find_map(|line| line.strip_prefix("id = ")))
        .map(|id| id.trim_matches('"').to_owned())
        .expect("the example imported a probe report");
    let listed: Value = serde_json::from_str(&ok(&tekigo(&[
        "criteria",
        "list",
        "--scheme",
        "jc-star",
        "--level",
        "2",
        "--product-type",
        "network-camera",
        "--format",
        "json",
    ])))
    .unwrap();
    assert_eq!(listed["notice"]["en"], "provisional criteria, not the scheme's published text");
    // ★1's device test was answered from the vendor's own final tests; at ★2 it rests on the probe.
    let mut answers = std::fs::read_to_string(dir.join("answers.toml"))
        .unwrap()
        .replace("evidence = [\"E3\", \"E1\"]", &format!("evidence = [\"E3\", \"E1\", \"{probe}\"]"));
    for requirement in listed["requirements"].as_array().unwrap().iter().filter(|r| r["scheme"] == "tekigo-pt") {
        let id = format!("tekigo-pt/{}", requirement["id"].as_str().unwrap());
        for item in requirement["items"].as_array().unwrap() {
            let evidence = if item["method"] == "document" { "E2".to_owned() } else { probe.clone() };
            answers.push_str(&format!(
                "\n[requirements.\"{id}\".items.\"{}\"]\nanswer = \"yes\"\nevidence = [\"{evidence}\"]\n",
                item["id"].as_str().unwrap()
            ));
        }
    }
    std::fs::write(dir.join("answers.toml"), answers).unwrap();
    let (code, status) = status_json(&dir);
    assert_eq!(code, Some(0), "everything answered: {status:#}");

    let vendor = work.path().join("vendor.key");
    let evaluator = work.path().join("evaluator.key");
    ok(&tekigo(&["keys", "generate", "--out", s(&vendor)]));
    ok(&tekigo(&["keys", "generate", "--out", s(&evaluator)]));
    let out = work.path().join("declaration");
    let refused = tekigo(&["assess", "declare", s(&dir), "--key", s(&vendor), "--out", s(&out)]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("needs a skilled evaluator who co-signs"), "{stderr}");
    assert!(!out.exists(), "nothing is issued");

    ok(&tekigo(&[
        "assess",
        "declare",
        s(&dir),
        "--key",
        s(&vendor),
        "--out",
        s(&out),
        "--evaluator",
        "Hanako Sato",
        "--evaluator-org",
        "Example Evaluation Co.",
        "--evaluator-key",
        s(&evaluator),
    ]));
    let declaration_path = out.join("declaration.json");
    let pubkey = format!("{}.pub", vendor.display());
    let verified = ok(&tekigo(&["declaration", "verify", s(&declaration_path), "--pubkey", &pubkey]));
    assert!(verified.contains("co-signed by evaluator: Hanako Sato (Example Evaluation Co.)"), "{verified}");
    assert!(verified.contains("provisional criteria, not the scheme's published text"), "{verified}");
    let declaration: Value = serde_json::from_slice(&std::fs::read(&declaration_path).unwrap()).unwrap();
    assert_eq!(declaration["scheme"]["product_type"], "network-camera");
    assert_eq!(declaration["scheme"]["criteria_status"], "provisional");
    assert!(declaration["evaluator_signature"]["value"].as_str().is_some_and(|v| !v.is_empty()));
    let validator = schema_validator(&repo("schemas/declaration-1.schema.json"));
    let errors: Vec<String> = validator.iter_errors(&declaration).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "{errors:#?}");
    let html = std::fs::read_to_string(out.join("declaration.ja.html")).unwrap();
    assert!(html.contains("暫定基準であり、制度の公表された基準文書ではありません"), "the Japanese page says so");

    // Another evaluator's name in the signed document breaks both signatures.
    let mut forged = declaration.clone();
    forged["evaluator"]["name"] = Value::from("Someone Else");
    let forged_path = work.path().join("forged.json");
    std::fs::write(&forged_path, serde_json::to_vec(&forged).unwrap()).unwrap();
    let output = tekigo(&["declaration", "verify", s(&forged_path), "--pubkey", &pubkey]);
    assert!(!output.status.success(), "a changed evaluator does not verify");
    // Without the evaluator's signature, the declaration does not hold.
    let mut unsigned = declaration.clone();
    unsigned.as_object_mut().unwrap().remove("evaluator_signature");
    std::fs::write(&forged_path, serde_json::to_vec(&unsigned).unwrap()).unwrap();
    let output = tekigo(&["declaration", "verify", s(&forged_path), "--pubkey", &pubkey]);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(!output.status.success() && stdout.contains("has not signed"), "{stdout}");

    // ★3 is a lab's to evaluate: a self-declaration is refused whatever its answers.
    let facts = std::fs::read_to_string(dir.join("assessment.toml")).unwrap().replace("level = \"2\"", "level = \"3\"");
    std::fs::write(dir.join("assessment.toml"), facts).unwrap();
    let refused = tekigo(&[
        "assess",
        "declare",
        s(&dir),
        "--key",
        s(&vendor),
        "--out",
        s(&work.path().join("three")),
        "--evaluator",
        "H",
        "--evaluator-org",
        "O",
        "--evaluator-key",
        s(&evaluator),
    ]);
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(!refused.status.success() && stderr.contains("evaluated by an accredited lab"), "{stderr}");
}

/// The UK PSTI route: a PSTI statement of compliance decides the requirements the catalog deems
/// met by it (IPA's recognition: S1.1-02, S1.1-05, S1.1-16), as a file or a URL; anything else
/// is refused with the reason.
#[test]
fn a_psti_statement_deems_three_requirements_met() {
    let work = tempfile::tempdir().unwrap();
    let statement = work.path().join("psti-statement.pdf");
    std::fs::write(&statement, "%PDF-1.4 UK PSTI statement of compliance").unwrap();
    let dir = work.path().join("psti");
    let deemed = format!("uk-psti={}", statement.display());
    let output = tekigo(&["assess", "init", "--product", "EXC-100", "--deemed", &deemed, s(&dir), "--lang", "en"]);
    ok(&output);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("uk-psti (S1.1-02, S1.1-05, S1.1-16 E1)"), "{stdout}");
    let (_, status) = status_json(&dir);
    for id in ["S1.1-02", "S1.1-05", "S1.1-16"] {
        let result = requirement(&status, id);
        assert_eq!(result["verdict"], "conformant", "{id}: {result}");
        assert!(result["items"].as_array().unwrap().iter().all(|i| i["decided_by"] == "recognition"), "{result}");
    }
    assert_eq!(requirement(&status, "S1.1-01")["verdict"], "pending");

    let by_url = work.path().join("by-url");
    ok(&tekigo(&["assess", "init", "--product", "X", "--deemed", "uk-psti=https://example.com/psti", s(&by_url)]));
    let missing =
        tekigo(&["assess", "init", "--product", "X", "--deemed", "uk-psti=nowhere.pdf", s(&work.path().join("m"))]);
    assert_eq!(missing.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&missing.stderr).contains("must be a file or an http(s) URL"), "{missing:?}");
    let other = tekigo(&[
        "assess",
        "init",
        "--product",
        "X",
        "--deemed",
        "sg-cls=https://x.example",
        s(&work.path().join("o")),
    ]);
    assert!(
        String::from_utf8_lossy(&other.stderr).contains("the catalog deems nothing of jc-star met by sg-cls"),
        "{other:?}"
    );
    let shape = tekigo(&["assess", "init", "--product", "X", "--deemed", "uk-psti", s(&work.path().join("p"))]);
    assert!(String::from_utf8_lossy(&shape.stderr).contains("write SCHEME=FILE or SCHEME=URL"), "{shape:?}");
}
