//! End-to-end tests of the `tekigo` binary, run as a user would run it.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

fn tekigo(args: &[&str]) -> Output {
    tekigo_in(std::env::temp_dir().as_path(), args)
}

/// Runs from `dir`, with the locale pinned so output does not depend on the machine.
fn tekigo_in(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(args)
        .current_dir(dir)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the tekigo binary runs")
}

fn stdout(output: &Output) -> String {
    assert!(output.status.success(), "tekigo failed: {}", String::from_utf8_lossy(&output.stderr));
    String::from_utf8(output.stdout.clone()).expect("UTF-8 output")
}

fn json(args: &[&str]) -> Value {
    serde_json::from_str(&stdout(&tekigo(args))).expect("valid JSON")
}

fn ids(list: &Value) -> Vec<String> {
    list.as_array().unwrap().iter().map(|entry| entry["id"].as_str().unwrap().to_owned()).collect()
}

#[test]
fn list_jc_star_level_1_as_json() {
    let list = json(&["criteria", "list", "--scheme", "jc-star", "--level", "1", "--format", "json"]);
    let expected: Vec<String> = (1..=16).map(|n| format!("S1.1-{n:02}")).collect();
    assert_eq!(ids(&list["requirements"]), expected);
    assert_eq!(list["count"], 16);
    let first = &list["requirements"][0];
    for field in ["title", "summary", "category", "evaluation", "threats", "assets", "provenance", "levels", "items"] {
        assert!(!first[field].is_null(), "requirement JSON lacks `{field}`");
    }
    assert_eq!(first["title"]["ja"], "IP経由のアクセスに対する認証");
    assert_eq!(list["requirements"][3]["evaluation"], "device");
}

#[test]
fn list_etsi_gives_every_provision_with_its_status() {
    let list = json(&["criteria", "list", "--scheme", "etsi-en-303-645", "--format", "json"]);
    assert_eq!(list["count"], 68);
    let provision = list["requirements"].as_array().unwrap().iter().find(|r| r["id"] == "5.1-1").unwrap();
    assert_eq!(provision["status"], "M C");
    assert_eq!(provision["conditions"], serde_json::json!([1]));
}

#[test]
fn gap_as_json_has_the_three_lists() {
    let report = json(&["criteria", "gap", "--have", "uk-psti", "--want", "jc-star:1", "--format", "json"]);
    assert_eq!(ids(&report["covered"]), ["S1.1-02", "S1.1-05", "S1.1-16"]);
    assert_eq!(ids(&report["partial"]), Vec::<String>::new());
    assert_eq!(report["remaining"].as_array().unwrap().len(), 13);
    let report = json(&["criteria", "gap", "--have", "sg-cls:2", "--want", "jc-star:1", "--format", "json"]);
    assert_eq!(ids(&report["remaining"]), ["S1.1-14"]);
}

#[test]
fn gap_in_english_and_japanese() {
    let args = ["criteria", "gap", "--have", "uk-psti", "--want", "jc-star:1"];
    insta::assert_snapshot!("gap_uk_psti_to_jc_star_1_en", stdout(&tekigo(&args)));
    let mut ja = args.to_vec();
    ja.extend(["--lang", "ja"]);
    insta::assert_snapshot!("gap_uk_psti_to_jc_star_1_ja", stdout(&tekigo(&ja)));
}

#[test]
fn japanese_is_chosen_from_the_locale() {
    let output = Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(["criteria", "gap", "--have", "sg-cls:2", "--want", "jc-star:1"])
        .env_remove("TEKIGO_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .unwrap();
    insta::assert_snapshot!("gap_sg_cls_2_to_jc_star_1_ja", stdout(&output));
}

#[test]
fn show_a_requirement_in_both_languages() {
    insta::assert_snapshot!("show_s1_1_04_en", stdout(&tekigo(&["criteria", "show", "S1.1-04"])));
    insta::assert_snapshot!("show_s1_1_04_ja", stdout(&tekigo(&["criteria", "show", "S1.1-04", "--lang", "ja"])));
}

#[test]
fn show_takes_scheme_slash_id_and_lists_the_links() {
    let output = tekigo(&["criteria", "show", "uk-psti/1", "--format", "json"]);
    let requirement: Value = serde_json::from_str(&stdout(&output)).unwrap();
    assert_eq!(requirement["scheme"], "uk-psti");
    assert!(requirement["links"].as_array().unwrap().iter().any(|l| l["to"]["id"] == "S1.1-02" && l["deemed"] == true));
}

#[test]
fn recommend_in_both_languages() {
    insta::assert_snapshot!(
        "recommend_government_camera_en",
        stdout(&tekigo(&["criteria", "recommend", "--use", "government", "--product-type", "network-camera"]))
    );
    insta::assert_snapshot!(
        "recommend_home_ja",
        stdout(&tekigo(&["criteria", "recommend", "--use", "home", "--lang", "ja"]))
    );
    let recommendation = json(&["criteria", "recommend", "--use", "critical-infrastructure", "--format", "json"]);
    assert_eq!(recommendation["level"]["level"], "4");
}

#[test]
fn map_reads_an_inverse_mapping() {
    insta::assert_snapshot!(
        "map_uk_psti_to_jc_star_en",
        stdout(&tekigo(&["criteria", "map", "--from", "uk-psti", "--to", "jc-star"]))
    );
    let report = json(&["criteria", "map", "--from", "jc-star", "--to", "etsi-en-303-645", "--format", "json"]);
    let link = report["links"].as_array().unwrap().iter().find(|l| l["from"]["id"] == "S1.1-04").unwrap();
    assert_eq!(link["relationship"], "superset", "ETSI 5.1-5 subset of S1.1-04 reads as superset backwards");
    assert_eq!(link["inverted"], true);
}

#[test]
fn export_writes_oscal_documents() {
    let out = tempfile::tempdir().unwrap();
    let output = tekigo(&["criteria", "export", "--format", "oscal", "--out", out.path().to_str().unwrap()]);
    assert!(stdout(&output).contains("OSCAL 1.2.3"));
    let catalog: Value =
        serde_json::from_str(&std::fs::read_to_string(out.path().join("jc-star.catalog.json")).unwrap()).unwrap();
    assert_eq!(catalog["catalog"]["metadata"]["oscal-version"], "1.2.3");
    assert!(out.path().join("jc-star.profile.1.json").exists());
    assert!(out.path().join("sg-cls.profile.2.json").exists());
    assert!(out.path().join("mappings/uk-psti--jc-star.mapping.json").exists());
    let leftovers: Vec<_> =
        walk(out.path()).into_iter().filter(|p| p.extension().is_some_and(|e| e == "partial")).collect();
    assert!(leftovers.is_empty(), "{leftovers:?}");
}

fn walk(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files.extend(walk(&path));
        } else {
            files.push(path);
        }
    }
    files
}

fn copy_dir(from: &Path, to: &Path) {
    std::fs::create_dir_all(to).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let path = entry.unwrap().path();
        let target = to.join(path.file_name().unwrap());
        if path.is_dir() {
            copy_dir(&path, &target);
        } else {
            std::fs::copy(&path, &target).unwrap();
        }
    }
}

fn repository_criteria() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../criteria")
}

#[test]
fn a_criteria_folder_replaces_the_builtin_catalog() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repository_criteria(), dir.path());
    let jc_star = dir.path().join("jc-star/1.1.toml");
    let text = std::fs::read_to_string(&jc_star).unwrap();
    std::fs::write(&jc_star, text.replace("version = \"1.1\"", "version = \"1.2\"")).unwrap();
    let summary = json(&["--criteria", dir.path().to_str().unwrap(), "criteria", "check", "--format", "json"]);
    let scheme = summary["schemes"].as_array().unwrap().iter().find(|s| s["id"] == "jc-star").unwrap();
    assert_eq!(scheme["version"], "1.2");
}

#[test]
fn a_broken_catalog_names_file_line_and_problem() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repository_criteria(), dir.path());
    let mapping = dir.path().join("mappings/uk-psti--jc-star.toml");
    let text = std::fs::read_to_string(&mapping).unwrap();
    std::fs::write(&mapping, text.replacen("to = \"S1.1-05\"", "to = \"S1.1-50\"", 1)).unwrap();
    let line = text.lines().position(|l| l.contains("to = \"S1.1-05\"")).unwrap() + 1;

    let output = tekigo(&["--criteria", dir.path().to_str().unwrap(), "criteria", "list"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    let expected = format!("{}:{line}:6: dangling mapping: `jc-star` has no requirement `S1.1-50`", mapping.display());
    assert!(stderr.contains(&expected), "stderr was:\n{stderr}");
    assert!(output.stdout.is_empty());
}

#[test]
fn a_level_1_threat_left_uncountered_is_a_load_error() {
    let dir = tempfile::tempdir().unwrap();
    copy_dir(&repository_criteria(), dir.path());
    let jc_star = dir.path().join("jc-star/1.1.toml");
    // Only S1.1-14 counters T5 (an outage leaving an unsafe state): take it away.
    let text = std::fs::read_to_string(&jc_star).unwrap();
    assert_eq!(text.matches("threats = [\"T5\"]").count(), 1);
    std::fs::write(&jc_star, text.replace("threats = [\"T5\"]", "threats = []")).unwrap();
    let output = tekigo(&["--criteria", dir.path().to_str().unwrap(), "criteria", "check"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(
        stderr.contains("jc-star/1.1.toml:")
            && stderr.contains("level `jc-star:1`: no requirement of the level counters threat `T5`"),
        "{stderr}"
    );
}

#[test]
fn unknown_names_get_a_clear_error() {
    let output = tekigo(&["criteria", "gap", "--have", "uk-pst", "--want", "jc-star:1"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("unknown scheme `uk-pst`") && stderr.contains("uk-psti"), "{stderr}");

    let output = tekigo(&["criteria", "list", "--scheme", "jc-star", "--level", "5"]);
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.contains("scheme `jc-star` has no level `5` (levels: 1, 2, 3, 4)"), "{stderr}");

    let output = tekigo(&["criteria", "list", "--format", "oscal"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn the_builtin_catalog_works_from_any_folder() {
    let elsewhere = tempfile::tempdir().unwrap();
    let list = tekigo_in(elsewhere.path(), &["criteria", "list", "--scheme", "uk-psti", "--format", "json"]);
    let list: Value = serde_json::from_str(&stdout(&list)).unwrap();
    assert_eq!(list["count"], 3);
}

#[test]
fn every_command_shows_the_one_exit_code_table() {
    for command in
        [&["--help"][..], &["sbom", "check", "--help"], &["vulndb", "import", "--help"], &["verify", "--help"]]
    {
        let output = tekigo(command);
        assert_eq!(output.status.code(), Some(0), "{command:?}");
        let help = stdout(&output);
        for line in [
            "Exit codes / 終了コード:",
            "  0  done",
            "  1  decided",
            "  2  stopped before deciding",
            "  3  cannot be established",
        ] {
            assert!(help.contains(line), "{command:?} --help lacks {line:?}:\n{help}");
        }
    }
}

#[test]
fn errors_and_usage_mistakes_speak_the_output_language() {
    let missing = std::env::temp_dir().join("tekigo-no-such-sbom.cdx.json");
    let output = tekigo(&["--lang", "ja", "sbom", "components", missing.to_str().unwrap()]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8(output.stderr).unwrap();
    assert!(stderr.starts_with("エラー: ") && stderr.contains("見つかりません"), "{stderr}");

    let english = tekigo(&["sbom", "components", missing.to_str().unwrap()]);
    let stderr = String::from_utf8(english.stderr).unwrap();
    assert!(stderr.starts_with("error: ") && !stderr.contains("見つかりません"), "{stderr}");

    let usage = tekigo(&["--lang", "ja", "sbom", "check"]);
    assert_eq!(usage.status.code(), Some(2));
    let stderr = String::from_utf8(usage.stderr).unwrap();
    assert!(stderr.starts_with("エラー: 必須の引数がありません"), "{stderr}");

    let from_locale = Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(["criteria", "show", "S9.9-99"])
        .env_remove("TEKIGO_LANG")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "ja_JP.UTF-8")
        .output()
        .unwrap();
    assert_eq!(from_locale.status.code(), Some(2));
    assert!(String::from_utf8(from_locale.stderr).unwrap().starts_with("エラー: "));
}
