//! `tekigo vulndb import` failures and `tekigo vulndb update` from a mirror, as a user runs them.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;

fn tekigo(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .args(args)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_VULNDB")
        .env_remove("NVD_API_KEY")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .output()
        .expect("the tekigo binary runs")
}

fn feeds_fixture(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../tekigo-feeds/tests/fixtures").join(name)
}

#[test]
fn a_failed_import_exits_2_and_leaves_no_database() {
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let db_arg = db.to_str().unwrap();
    let output = tekigo(&["vulndb", "import", "--db", db_arg, "/nonexistent/advisories"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("/nonexistent/advisories"));
    assert!(!db.exists(), "no empty database after a failed import");

    let empty = work.path().join("empty");
    std::fs::create_dir(&empty).unwrap();
    std::fs::write(empty.join("notes.txt"), "nothing to import").unwrap();
    let output = tekigo(&["vulndb", "import", "--db", db_arg, empty.to_str().unwrap()]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{stderr}");
    assert!(stderr.contains(empty.to_str().unwrap()) && stderr.contains("notes.txt"), "{stderr}");
    assert!(!db.exists());
}

/// A one-thread HTTP/1.1 server for the KEV and EPSS files in the mirror layout, answering
/// `If-None-Match` with 304. Returns its root URL.
fn serve_kev_and_epss() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut request_line = String::new();
            reader.read_line(&mut request_line).unwrap();
            let mut if_none_match = None;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap() == 0 || line.trim().is_empty() {
                    break;
                }
                if let Some((name, value)) = line.split_once(':')
                    && name.eq_ignore_ascii_case("if-none-match")
                {
                    if_none_match = Some(value.trim().to_owned());
                }
            }
            let path = request_line.split_whitespace().nth(1).unwrap_or("/").to_owned();
            let file = match path.as_str() {
                "/kev/known_exploited_vulnerabilities.json" => Some("kev/known_exploited_vulnerabilities.json"),
                "/epss/epss_scores-current.csv.gz" => Some("epss/epss_scores-current.csv.gz"),
                _ => None,
            };
            let etag = format!("\"{}\"", path.len());
            let head = match file {
                None => "HTTP/1.1 404 Not Found\r\ncontent-length: 0\r\nconnection: close\r\n\r\n".to_owned(),
                Some(_) if if_none_match.as_deref() == Some(etag.as_str()) => {
                    "HTTP/1.1 304 Not Modified\r\nconnection: close\r\n\r\n".to_owned()
                }
                Some(file) => {
                    let body = std::fs::read(feeds_fixture(file)).unwrap();
                    let head = format!(
                        "HTTP/1.1 200 OK\r\ncontent-length: {}\r\netag: {etag}\r\nconnection: close\r\n\r\n",
                        body.len()
                    );
                    let _ = stream.write_all(head.as_bytes());
                    let _ = stream.write_all(&body);
                    continue;
                }
            };
            let _ = stream.write_all(head.as_bytes());
        }
    });
    url
}

#[test]
fn update_fetches_from_a_mirror_then_asks_conditionally() {
    let mirror = serve_kev_and_epss();
    let work = tempfile::tempdir().unwrap();
    let db = work.path().join("db");
    let db_arg = db.to_str().unwrap();
    let args = ["vulndb", "update", "--db", db_arg, "--source", "kev,epss", "--mirror", &mirror, "--format", "json"];
    let output = tekigo(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let statuses: Vec<&str> =
        report["feeds"].as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["updated", "updated"], "{report}");

    let output = tekigo(&args);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let report: Value = serde_json::from_slice(&output.stdout).unwrap();
    let statuses: Vec<&str> =
        report["feeds"].as_array().unwrap().iter().map(|f| f["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["not_modified", "not_modified"], "{report}");

    let stats = tekigo(&["vulndb", "stats", "--db", db_arg, "--format", "json"]);
    let stats: Value = serde_json::from_slice(&stats.stdout).unwrap();
    assert_eq!((stats["kev"].as_i64(), stats["epss"].as_i64()), (Some(2), Some(7)), "{stats}");

    // OSV without an ecosystem is a usage error that names the way out; nothing changes.
    let output = tekigo(&["vulndb", "update", "--db", db_arg, "--source", "osv", "--mirror", &mirror]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--ecosystem"));
}
