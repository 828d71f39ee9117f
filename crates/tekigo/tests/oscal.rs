//! The OSCAL documents of a declaration folder against the criteria `tekigo criteria export
//! --format oscal` writes: every document is valid against the official OSCAL 1.2.3 schema, and
//! every reference in the assessment results and the assessment plan (file `href`s, `#uuid`
//! links, control, statement and objective IDs, party, component and observation UUIDs) resolves,
//! for the sample camera's own declaration and for a derived statement to every other published
//! level of every scheme.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use jsonschema::Validator;
use serde_json::Value;

fn tekigo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .args(args)
        .output()
        .expect("the tekigo binary runs")
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

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn read_json(path: &Path) -> Value {
    let bytes = std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_slice(&bytes).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn validator(path: &str) -> Validator {
    let schema = read_json(&repo(path));
    jsonschema::options().should_validate_formats(true).build(&schema).unwrap_or_else(|e| panic!("{path}: {e}"))
}

struct Schemas {
    catalog: Validator,
    profile: Validator,
    plan: Validator,
    results: Validator,
}

impl Schemas {
    fn load() -> Self {
        Schemas {
            catalog: validator("crates/tekigo-criteria/tests/fixtures/oscal-1.2.3/oscal_catalog_schema.json"),
            profile: validator("crates/tekigo-criteria/tests/fixtures/oscal-1.2.3/oscal_profile_schema.json"),
            plan: validator("crates/tekigo-assess/tests/fixtures/oscal-1.2.3/oscal_assessment-plan_schema.json"),
            results: validator("crates/tekigo-assess/tests/fixtures/oscal-1.2.3/oscal_assessment-results_schema.json"),
        }
    }

    fn assert_valid(&self, path: &Path) -> Value {
        let document = read_json(path);
        let validator = match document.as_object().and_then(|o| o.keys().next()).map(String::as_str) {
            Some("catalog") => &self.catalog,
            Some("profile") => &self.profile,
            Some("assessment-plan") => &self.plan,
            Some("assessment-results") => &self.results,
            other => panic!("{}: not an OSCAL document tekigo writes ({other:?})", path.display()),
        };
        let errors: Vec<String> =
            validator.iter_errors(&document).map(|e| format!("{e} at {}", e.instance_path())).take(8).collect();
        assert!(errors.is_empty(), "{}: not valid OSCAL 1.2.3: {errors:#?}", path.display());
        document
    }
}

/// Every value of `key` anywhere in `value`.
fn all_values<'v>(value: &'v Value, key: &str, found: &mut Vec<&'v Value>) {
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                if k == key {
                    found.push(v);
                }
                all_values(v, key, found);
            }
        }
        Value::Array(list) => list.iter().for_each(|v| all_values(v, key, found)),
        _ => {}
    }
}

fn strings<'v>(value: &'v Value, key: &str) -> Vec<&'v str> {
    let mut found = Vec::new();
    all_values(value, key, &mut found);
    found.into_iter().filter_map(Value::as_str).collect()
}

/// The controls a profile selects, with every part ID and parameter ID they hold, read from the
/// catalogs its imports name in `dir`.
#[derive(Default)]
struct Selected {
    controls: BTreeSet<String>,
    /// Part ID → part name (`statement`, `assessment-objective`, ...).
    parts: BTreeMap<String, String>,
    params: BTreeSet<String>,
}

fn collect_controls<'v>(value: &'v Value, out: &mut Vec<&'v Value>) {
    for key in ["groups", "controls"] {
        for child in value[key].as_array().into_iter().flatten() {
            if key == "controls" {
                out.push(child);
            }
            collect_controls(child, out);
        }
    }
}

fn collect_parts(value: &Value, out: &mut BTreeMap<String, String>) {
    for part in value["parts"].as_array().into_iter().flatten() {
        if let (Some(id), Some(name)) = (part["id"].as_str(), part["name"].as_str()) {
            out.insert(id.to_owned(), name.to_owned());
        }
        collect_parts(part, out);
    }
}

fn resolve_profile(profile_path: &Path) -> Selected {
    let profile = read_json(profile_path);
    let dir = profile_path.parent().unwrap();
    let mut selected = Selected::default();
    for import in profile["profile"]["imports"].as_array().expect("a profile imports") {
        let href = import["href"].as_str().expect("an import href");
        let catalog_path = dir.join(href);
        assert!(catalog_path.is_file(), "{}: import {href} names no file", profile_path.display());
        let catalog = read_json(&catalog_path);
        let mut controls = Vec::new();
        collect_controls(&catalog["catalog"], &mut controls);
        let wanted: BTreeSet<&str> = import["include-controls"]
            .as_array()
            .expect("the profile includes controls by ID")
            .iter()
            .flat_map(|c| c["with-ids"].as_array().into_iter().flatten())
            .filter_map(Value::as_str)
            .collect();
        for id in &wanted {
            let control = controls
                .iter()
                .find(|c| c["id"] == *id)
                .unwrap_or_else(|| panic!("{}: control {id} is not in {href}", profile_path.display()));
            selected.controls.insert((*id).to_owned());
            collect_parts(control, &mut selected.parts);
            for param in control["params"].as_array().into_iter().flatten() {
                selected.params.insert(param["id"].as_str().unwrap().to_owned());
            }
        }
    }
    for param in strings(&profile["profile"]["modify"], "param-id") {
        assert!(
            selected.params.contains(param),
            "{}: sets parameter {param} of no selected control",
            profile_path.display()
        );
    }
    selected
}

/// The UUIDs of a document's back-matter resources.
fn resources(document: &Value) -> BTreeSet<String> {
    let root = document.as_object().unwrap().values().next().unwrap();
    root["back-matter"]["resources"]
        .as_array()
        .into_iter()
        .flatten()
        .map(|r| r["uuid"].as_str().unwrap().to_owned())
        .collect()
}

/// Every `href` of the document: `#uuid` names one of its back-matter resources, a relative one a
/// file of the declaration folder, an absolute one a public web page (evidence).
fn assert_hrefs_resolve(document: &Value, folder: &Path, what: &str) {
    let resources = resources(document);
    for href in strings(document, "href") {
        if let Some(uuid) = href.strip_prefix('#') {
            assert!(resources.contains(uuid), "{what}: {href} is no back-matter resource");
        } else if href.starts_with("https://") || href.starts_with("http://") {
            continue;
        } else {
            let name = href.strip_prefix("./").unwrap_or(href);
            assert!(!name.contains('/') && !name.contains('%'), "{what}: {href} is not a plain file of the folder");
            assert!(folder.join(name).is_file(), "{what}: {href} names no file of {}", folder.display());
        }
    }
}

/// The `uuid`s defined anywhere under `value`.
fn defined_uuids(value: &Value) -> BTreeSet<String> {
    strings(value, "uuid").into_iter().map(str::to_owned).collect()
}

/// Control and objective IDs, and every UUID reference, of the results or the plan.
fn assert_ids_resolve(document: &Value, selected: &Selected, what: &str) {
    let uuids = defined_uuids(document);
    for control in strings(document, "control-id") {
        assert!(selected.controls.contains(control), "{what}: control-id {control} is not selected by the profile");
    }
    for key in
        ["party-uuids", "subject-uuid", "actor-uuid", "observation-uuid", "component-uuid", "member-of-organizations"]
    {
        let mut found = Vec::new();
        all_values(document, key, &mut found);
        for value in found {
            let ids: Vec<&str> = match value {
                Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
                other => other.as_str().into_iter().collect(),
            };
            for id in ids {
                assert!(uuids.contains(id), "{what}: {key} {id} names nothing defined in the document");
            }
        }
    }
    let mut targets = Vec::new();
    all_values(document, "target", &mut targets);
    for target in targets {
        let id = target["target-id"].as_str().unwrap();
        let wanted = match target["type"].as_str().unwrap() {
            "objective-id" => "assessment-objective",
            "statement-id" => "statement",
            other => panic!("{what}: target type {other}"),
        };
        assert_eq!(
            selected.parts.get(id).map(String::as_str),
            Some(wanted),
            "{what}: finding target {id} is no {wanted} of a selected control"
        );
    }
    let mut props = Vec::new();
    all_values(document, "props", &mut props);
    for prop in props.into_iter().flat_map(|p| p.as_array().unwrap()) {
        let value = prop["value"].as_str().unwrap();
        match prop["name"].as_str().unwrap() {
            "control-id" => assert!(selected.controls.contains(value), "{what}: property control-id {value}"),
            "objective-id" => assert_eq!(
                selected.parts.get(value).map(String::as_str),
                Some("assessment-objective"),
                "{what}: property objective-id {value}"
            ),
            _ => {}
        }
    }
}

/// One declaration folder against the export: schemas, files, IDs.
fn check_folder(folder: &Path, export: &Path, schemas: &Schemas) -> usize {
    let declaration = read_json(&folder.join("declaration.json"));
    let what = format!("{} ({})", folder.display(), declaration["scheme"]["id"]);
    // Every OSCAL file issued is valid, and the criteria are the export's, byte for byte.
    let mut checked = 0;
    for attachment in declaration["attachments"].as_array().unwrap() {
        let name = attachment["name"].as_str().unwrap();
        let path = folder.join(name);
        let is_criteria = name.ends_with(".catalog.json") || name.contains(".profile.");
        if is_criteria {
            assert_eq!(
                std::fs::read(&path).unwrap(),
                std::fs::read(export.join(name)).unwrap_or_else(|e| panic!("{what}: {name} is not exported: {e}")),
                "{what}: {name} differs from the export"
            );
        }
        if is_criteria || name == "assessment-plan.json" || name == "declaration.oscal-ar.json" {
            schemas.assert_valid(&path);
            checked += 1;
        }
    }
    let results = schemas.assert_valid(&folder.join("declaration.oscal-ar.json"));
    let ar = &results["assessment-results"];
    // import-ap: the plan of the folder.
    let plan_href = ar["import-ap"]["href"].as_str().unwrap();
    assert_eq!(plan_href, "./assessment-plan.json", "{what}");
    let plan = schemas.assert_valid(&folder.join(plan_href));
    let ap = &plan["assessment-plan"];
    // import-ssp: a back-matter resource of the plan, which names the declaration.
    let ssp = ap["import-ssp"]["href"].as_str().unwrap().strip_prefix('#').expect("import-ssp is a #uuid");
    let system = ap["back-matter"]["resources"].as_array().unwrap().iter().find(|r| r["uuid"] == ssp).unwrap();
    assert_eq!(system["rlinks"][0]["href"], "./declaration.json", "{what}");
    // The profile both name is the level's, exported, and it selects what they reference.
    let profile_name = match declaration["scheme"]["product_type"].as_str() {
        Some(product_type) => format!(
            "{}.profile.{}.{product_type}.json",
            declaration["scheme"]["id"].as_str().unwrap(),
            declaration["scheme"]["level"].as_str().unwrap()
        ),
        None => format!(
            "{}.profile.{}.json",
            declaration["scheme"]["id"].as_str().unwrap(),
            declaration["scheme"]["level"].as_str().unwrap()
        ),
    };
    for document in [ar, ap] {
        let profile_hrefs: Vec<&str> = document["back-matter"]["resources"]
            .as_array()
            .unwrap()
            .iter()
            .flat_map(|r| r["rlinks"].as_array().into_iter().flatten())
            .filter(|l| l["media-type"] == "application/oscal.profile+json")
            .filter_map(|l| l["href"].as_str())
            .collect();
        assert_eq!(profile_hrefs, [format!("./{profile_name}")], "{what}");
    }
    assert!(export.join(&profile_name).is_file(), "{what}: {profile_name} is not exported");
    let selected = resolve_profile(&folder.join(&profile_name));
    assert_hrefs_resolve(&results, folder, &format!("{what} results"));
    assert_hrefs_resolve(&plan, folder, &format!("{what} plan"));
    assert_ids_resolve(&results, &selected, &format!("{what} results"));
    assert_ids_resolve(&plan, &selected, &format!("{what} plan"));
    // Every requirement of the declaration has its finding, on its control's objective.
    let findings = ar["results"][0]["findings"].as_array().unwrap();
    let requirements = declaration["requirements"].as_array().unwrap();
    let vulnerability_rule = usize::from(declaration.get("vulnerabilities").is_some_and(|v| !v.is_null()));
    assert_eq!(findings.len(), requirements.len() + vulnerability_rule, "{what}");
    checked
}

#[test]
fn every_oscal_reference_of_a_declaration_resolves_against_the_exported_criteria() {
    let schemas = Schemas::load();
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    ok(&tekigo(&["criteria", "export", "--format", "oscal", "--out", s(&export)]));
    // The exported criteria are valid too.
    let mut profiles = Vec::new();
    for entry in std::fs::read_dir(&export).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() {
            schemas.assert_valid(&path);
            if let Some(name) = path.file_name().and_then(|n| n.to_str()).filter(|n| n.contains(".profile.")) {
                profiles.push(name.to_owned());
            }
        }
    }
    // A scheme without levels is assessed at `all`: its profile is exported.
    assert!(profiles.iter().any(|p| p == "uk-psti.profile.all.json"), "{profiles:?}");

    let example = repo("examples/sample-camera");
    let key = work.path().join("vendor.key");
    ok(&tekigo(&["keys", "generate", "--out", s(&key)]));
    let own = work.path().join("jc-star");
    ok(&tekigo(&["assess", "declare", s(&example), "--key", s(&key), "--out", s(&own)]));
    let mut folders = vec![own];
    profiles.sort();
    for profile in &profiles {
        let document = read_json(&export.join(profile));
        let props = document["profile"]["metadata"]["props"].as_array().unwrap();
        let prop = |name: &str| props.iter().find(|p| p["name"] == name).and_then(|p| p["value"].as_str());
        let (scheme, level) = (prop("scheme").unwrap(), prop("level").unwrap());
        // Draft levels cannot be declared against; the sample is assessed at jc-star:1 itself;
        // a level set per product type is stated for the sample's own type (a network camera).
        let product_type = prop("product-type");
        if prop("level-status") == Some("draft")
            || (scheme, level) == ("jc-star", "1")
            || product_type.is_some_and(|t| t != "network-camera")
        {
            continue;
        }
        let (out, target) = match product_type {
            Some(product_type) => (
                work.path().join(format!("as-{scheme}-{level}-{product_type}")),
                format!("{scheme}:{level}/{product_type}"),
            ),
            None => (work.path().join(format!("as-{scheme}-{level}")), format!("{scheme}:{level}")),
        };
        ok(&tekigo(&["assess", "declare", s(&example), "--key", s(&key), "--out", s(&out), "--as", &target]));
        folders.push(out);
    }
    let schemes: BTreeSet<String> = folders
        .iter()
        .map(|f| read_json(&f.join("declaration.json"))["scheme"]["id"].as_str().unwrap().to_owned())
        .collect();
    for scheme in ["jc-star", "etsi-en-303-645", "uk-psti", "sg-cls", "eu-cra", "nistir-8425", "en-18031-1"] {
        assert!(schemes.contains(scheme), "no declaration for {scheme}: {schemes:?}");
    }
    // Provisional criteria (★2-★4 per product type) were stated against, and say so.
    let provisional: Vec<&PathBuf> = folders
        .iter()
        .filter(|f| read_json(&f.join("declaration.json"))["scheme"]["criteria_status"] == "provisional")
        .collect();
    assert_eq!(provisional.len(), 3, "jc-star ★2, ★3 and ★4 for a network camera: {folders:?}");
    for folder in &folders {
        let checked = check_folder(folder, &export, &schemas);
        assert!(checked >= 4, "{}: {checked} OSCAL documents", folder.display());
        ok(&tekigo(&[
            "declaration",
            "verify",
            s(&folder.join("declaration.json")),
            "--pubkey",
            &format!("{}.pub", key.display()),
        ]));
    }
}

/// A lab's ★3 evaluation through `tekigo evaluate`: the plan written before any result and the
/// signed report's plan and results are valid OSCAL and every reference in them resolves; the
/// report verifies with the lab's key before the vendor countersigns and with the vendor's after.
#[test]
fn a_labs_evaluation_plan_and_report_are_valid_oscal_whose_references_resolve() {
    let schemas = Schemas::load();
    let work = tempfile::tempdir().unwrap();
    let export = work.path().join("export");
    ok(&tekigo(&["criteria", "export", "--format", "oscal", "--out", s(&export)]));
    let lab_key = work.path().join("lab.key");
    let vendor_key = work.path().join("vendor.key");
    ok(&tekigo(&["keys", "generate", "--out", s(&lab_key)]));
    ok(&tekigo(&["keys", "generate", "--out", s(&vendor_key)]));
    let dir = work.path().join("evaluation");
    ok(&tekigo(&[
        "evaluate",
        "init",
        s(&dir),
        "--level",
        "3/network-camera",
        "--product",
        "EXC-100 network camera",
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
        "--lab",
        "Example Security Lab K.K.",
        "--lead-evaluator",
        "Kenji Mori",
        "--accreditation-body",
        "IAJapan",
        "--accreditation",
        "RTL-04211",
    ]));
    // The plan before any result: which controls by which method, on the product, by the lab.
    let summary = ok(&tekigo(&["evaluate", "plan", s(&dir)]));
    assert!(summary.contains("binary analysis"), "{summary}");
    let plan = schemas.assert_valid(&dir.join("assessment-plan.json"));
    let ap = &plan["assessment-plan"];
    let activities = ap["local-definitions"]["activities"].as_array().unwrap();
    let tasks = ap["tasks"].as_array().unwrap();
    assert_eq!(activities.len(), tasks.len());
    assert!(activities.iter().any(|a| a["title"] == "Binary analysis"), "{activities:?}");
    let activity_ids: BTreeSet<&str> = activities.iter().map(|a| a["uuid"].as_str().unwrap()).collect();
    for task in tasks {
        let id = task["associated-activities"][0]["activity-uuid"].as_str().unwrap();
        assert!(activity_ids.contains(id), "task names activity {id}, which the plan does not define");
    }
    let profile = export.join("jc-star.profile.3.network-camera.json");
    assert_ids_resolve(&plan, &resolve_profile(&profile), "the plan before results");

    // Results: a real probe at ★3 of a device on loopback (an HTTP service standing in for the
    // camera's web UI) and a real SBOM check at ★3's threshold, then every item.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let mut stream = stream;
            let mut buffer = [0u8; 2048];
            let _ = std::io::Read::read(&mut stream, &mut buffer);
            let _ = std::io::Write::write_all(
                &mut stream,
                b"HTTP/1.0 200 OK\r\nContent-Type: text/html\r\nContent-Length: 16\r\n\r\n<h1>EXC-100</h1>",
            );
        }
    });
    let probe_report = work.path().join("probe.json");
    let probed = tekigo(&["probe", "127.0.0.1", "--ports", &port, "--level", "3", "--format", "json"]);
    std::fs::write(&probe_report, &probed.stdout).unwrap();
    let vulndb = work.path().join("vulndb");
    let fixtures = repo("crates/tekigo-vuln/tests/fixtures");
    ok(&tekigo(&[
        "vulndb",
        "import",
        "--db",
        s(&vulndb),
        s(&fixtures.join("nvd-firmware.json")),
        s(&fixtures.join("epss.csv")),
        s(&fixtures.join("kev-subset.json")),
    ]));
    let sbom = repo("examples/sample-camera/source/camera.cdx.json");
    let sbom_check = work.path().join("sbom-check.json");
    let checked_sbom = tekigo(&["sbom", "check", s(&sbom), "--level", "3", "--db", s(&vulndb), "--format", "json"]);
    std::fs::write(&sbom_check, &checked_sbom.stdout).unwrap();
    ok(&tekigo(&[
        "evaluate",
        "record",
        s(&dir),
        "--probe",
        s(&probe_report),
        "--sbom-check",
        s(&sbom_check),
        "--sbom",
        s(&sbom),
    ]));
    let documents = work.path().join("design-review.md");
    std::fs::write(&documents, "Design documents examined on 2026-11-20.\n").unwrap();
    let analysis = work.path().join("binary-analysis.txt");
    std::fs::write(&analysis, "Firmware 2.4.1: no hard-coded credentials.\n").unwrap();
    let status: Value =
        serde_json::from_str(&tekigo_out(&["evaluate", "status", s(&dir), "--format", "json"])).unwrap();
    let probe = status["evidence"].as_array().unwrap().iter().find(|e| e["kind"] == "probe").unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for requirement in status["requirements"].as_array().unwrap() {
        for item in requirement["items"].as_array().unwrap().iter().filter(|i| i["answer"] == "pending") {
            let target = format!("{}/{}", requirement["id"].as_str().unwrap(), item["id"].as_str().unwrap());
            let mut args = vec!["evaluate", "record", s(&dir), "--for", &target, "--result", "pass"];
            match item["method"].as_str().unwrap() {
                "device" => args.extend(["--cite", &probe]),
                "binary-analysis" => args.extend(["--binary-analysis", s(&analysis)]),
                _ => args.extend(["--evidence", s(&documents)]),
            }
            ok(&tekigo(&args));
        }
    }
    ok(&tekigo(&["evaluate", "status", s(&dir)]));

    // The lab signs; the report verifies with the lab's key; the vendor countersigns.
    let report = work.path().join("report");
    ok(&tekigo(&["evaluate", "report", s(&dir), "--lab-key", s(&lab_key), "--out", s(&report)]));
    let declaration = report.join("declaration.json");
    let verified =
        ok(&tekigo(&["declaration", "verify", s(&declaration), "--pubkey", &format!("{}.pub", lab_key.display())]));
    assert!(
        verified.contains("not yet (tekigo declaration countersign)") && verified.contains("IAJapan RTL-04211"),
        "{verified}"
    );
    ok(&tekigo(&["declaration", "countersign", s(&report), "--key", s(&vendor_key)]));
    let refused = tekigo(&["declaration", "countersign", s(&report), "--key", s(&vendor_key)]);
    assert!(!refused.status.success(), "a report is countersigned once");
    ok(&tekigo(&["declaration", "verify", s(&declaration), "--pubkey", &format!("{}.pub", vendor_key.display())]));
    let document = read_json(&declaration);
    assert_eq!(document["kind"], "third-party-evaluation");
    assert_eq!(document["evaluator"]["accreditation"]["number"], "RTL-04211");
    let checked = check_folder(&report, &export, &schemas);
    assert!(checked >= 4, "{checked} OSCAL documents");
    let results = read_json(&report.join("declaration.oscal-ar.json"));
    let parties = results["assessment-results"]["metadata"]["parties"].as_array().unwrap();
    assert!(parties.iter().any(|p| p["name"] == "Example Security Lab K.K."), "the lab is a party: {parties:?}");
}

/// Stdout of a command that may exit 1 (a status that is not ready yet).
fn tekigo_out(args: &[&str]) -> String {
    String::from_utf8_lossy(&tekigo(args).stdout).into_owned()
}
