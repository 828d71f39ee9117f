//! `tekigo log verify` and `tekigo log monitor` against a real `tekigo serve`: a label verifies online and,
//! from its QR code's URL, offline with no network; the monitor pins keys and follows the log; an
//! event changed in the database afterwards, or a rewritten history, is caught and named.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};

fn tekigo(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tekigo"));
    command
        .current_dir(dir)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("TEKIGO_DATABASE_URL")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    command
}

/// A running `tekigo serve`, stopped when dropped.
struct Server {
    child: Child,
    addr: String,
}

impl Server {
    fn start(dir: &Path, addr: &str) -> Server {
        let mut child = tekigo(dir)
            .args(["serve", "--demo", "200", "--addr", addr, "--data-dir", "data", "--lang", "en"])
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let addr = loop {
            let line = lines.next().expect("the server prints its address").unwrap();
            if let Some(rest) = line.split_once("(listening on ").map(|(_, rest)| rest)
                && let Some((addr, _)) = rest.split_once(',')
            {
                break addr.to_owned();
            }
        };
        Server { child, addr }
    }

    fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    fn get_json(&self, path: &str) -> serde_json::Value {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap();
        assert!(head.starts_with("HTTP/1.1 200"), "{path}: {head}");
        serde_json::from_str(body).unwrap()
    }

    fn stop(mut self) -> String {
        let _ = self.child.kill();
        let _ = self.child.wait();
        self.addr.clone()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs tekigo; the exit code and stdout (stderr appended).
fn run(dir: &Path, args: &[&str]) -> (i32, String) {
    let output = tekigo(dir).args(args).args(["--lang", "en"]).output().unwrap();
    let mut text = String::from_utf8_lossy(&output.stdout).into_owned();
    text.push_str(&String::from_utf8_lossy(&output.stderr));
    (output.status.code().unwrap_or(-1), text)
}

fn sqlite(dir: &Path) -> rusqlite::Connection {
    rusqlite::Connection::open(dir.join("data/registry.sqlite")).unwrap()
}

#[test]
fn verify_and_monitor_catch_tampering() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let server = Server::start(d, "127.0.0.1:0");
    let registry = server.url();
    let labels = server.get_json("/api/v1/labels?status=valid&limit=20");
    let number = labels["labels"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["status"] == "valid")
        .expect("a valid demo label")["number"]
        .as_str()
        .unwrap()
        .to_owned();

    // Online: every entry of the label verified against the signed head.
    let (code, said) = run(d, &["log", "verify", &number, "--registry", &registry]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("checkpoint verified"), "{said}");
    assert!(said.contains("trust on first use"), "{said}");
    assert!(!said.contains("FAILED"), "{said}");
    assert!(said.contains("Verified: every entry is in the signed log, and the label is valid."), "{said}");
    let (code, json) = run(d, &["log", "verify", &number, "--registry", &registry, "--format", "json"]);
    assert_eq!(code, 0, "{json}");
    let report: serde_json::Value = serde_json::from_str(&json).unwrap();
    let entries = report["entries"].as_array().unwrap();
    assert!(!entries.is_empty() && entries.iter().all(|e| e["verified"] == true), "{json}");
    let log = server.get_json(&format!("/api/v1/labels/{number}/log"));
    let first_entry = log["entries"][0].clone();

    // Offline, from the QR code's URL and the published keys; --registry points nowhere.
    let status = server.get_json(&format!("/api/v1/labels/{number}/status"));
    let url = status["url"].as_str().unwrap().to_owned();
    let keys = d.join("keys.json");
    std::fs::write(&keys, server.get_json("/api/v1/log/keys").to_string()).unwrap();
    let keys = keys.to_str().unwrap();
    let (code, said) =
        run(d, &["log", "verify", &url, "--offline", "--pubkey", keys, "--registry", "http://127.0.0.1:9"]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains(&number) && said.contains("not the label's status today"), "{said}");
    // The URL with its fragment, online: the fragment's tree is consistent with today's.
    let (code, said) = run(d, &["log", "verify", &url, "--pubkey", keys]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("URL's signed status"), "{said}");
    // Offline needs a fragment.
    let (code, said) =
        run(d, &["log", "verify", &format!("{registry}/labels/{number}"), "--offline", "--pubkey", keys]);
    assert_eq!(code, 2, "{said}");
    // A fragment changed after signing, and a key that is not the registry's: exit 3.
    let fragment = status["fragment"].as_str().unwrap();
    let mut note = tekigo_translog::decode_from_url(fragment).unwrap();
    note.text = note.text.replacen("\nvalid\n", "\nrevoked\n", 1);
    let forged = format!("{registry}/labels/{number}#s={}", tekigo_translog::encode_for_url(&note));
    let (code, said) = run(d, &["log", "verify", &forged, "--offline", "--pubkey", keys]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("ALERT") && said.contains("bad signature"), "{said}");
    let stranger =
        tekigo_translog::NoteSigner::new("tekigo-log-stranger", ed25519_dalek::SigningKey::from_bytes(&[7; 32]))
            .unwrap()
            .verifier()
            .to_string();
    let (code, said) = run(d, &["log", "verify", &url, "--offline", "--pubkey", &stranger]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("no key in the keyring signed this note"), "{said}");
    let (code, said) = run(d, &["log", "verify", &number, "--registry", &registry, "--pubkey", &stranger]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("checkpoint (signed tree head) does not verify"), "{said}");

    // The monitor: the first run pins the key and verifies every entry; a second run is quiet.
    let state = d.join("monitor.json");
    let state_arg = state.to_str().unwrap();
    let (code, said) = run(d, &["log", "monitor", &registry, "--state", state_arg]);
    assert_eq!(code, 0, "{said}");
    assert!(said.contains("FIRST RUN: pinned the registry's key"), "{said}");
    let (code, said) = run(d, &["log", "monitor", &registry, "--state", state_arg]);
    assert_eq!(code, 0, "{said}");
    assert!(!said.contains("FIRST RUN") && said.contains("log ok"), "{said}");
    let pinned: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&state).unwrap()).unwrap();
    assert_eq!(pinned["keys"].as_array().unwrap().len(), 1);

    // An old event changed in the database: an incremental run sees nothing new, the audit and
    // `verify` name the entry.
    let addr = server.stop();
    let seq = first_entry["seq"].as_i64().unwrap();
    let index = first_entry["index"].as_u64().unwrap();
    let changed = sqlite(d).execute("UPDATE label_events SET status = 'revoked' WHERE seq = ?1", [seq]).unwrap();
    assert_eq!(changed, 1);
    let server = Server::start(d, &addr);
    let (code, said) = run(d, &["log", "monitor", &registry, "--state", state_arg]);
    assert_eq!(code, 0, "an incremental run only reads new entries: {said}");
    let (code, said) = run(d, &["log", "monitor", &registry, "--state", state_arg, "--audit"]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains(&format!("entry {index} (event {seq}, label {number}")), "{said}");
    assert!(said.contains("do not hash to the checkpoint's root"), "{said}");
    let (code, said) = run(d, &["log", "verify", &number, "--registry", &registry]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains(&format!("entry {index} (event {seq}")) && said.contains("inclusion proof"), "{said}");

    // History rewritten: the log rebuilt from the changed events, with one event more, under the
    // same key. A plain run catches it by the consistency proof and keeps its state.
    let addr = server.stop();
    {
        let db = sqlite(d);
        db.execute_batch(
            "DELETE FROM log_nodes; UPDATE log_state SET size = 0, frontier = '';
             INSERT INTO label_events (seq, label_number, kind, status, at, detail)
               SELECT seq + 1, label_number, kind, status, at + 1, detail FROM label_events
               WHERE seq = (SELECT MAX(seq) FROM label_events);",
        )
        .unwrap();
    }
    let before = std::fs::read(&state).unwrap();
    let server = Server::start(d, &addr);
    let (code, said) = run(d, &["log", "monitor", &registry, "--state", state_arg]);
    assert_eq!(code, 3, "{said}");
    assert!(said.contains("history rewritten") && said.contains("consistency proof"), "{said}");
    assert!(said.contains("The state file was not updated."), "{said}");
    assert_eq!(std::fs::read(&state).unwrap(), before, "the state file is unchanged");
    drop(server);
}

#[test]
fn usage_errors_are_exit_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, said) = run(dir.path(), &["log", "verify", "JC1-2026-000123"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("--registry"), "{said}");
    let (code, said) = run(dir.path(), &["log", "verify", "not-a-label", "--registry", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{said}");
    // Nothing listens there: a network error names the URL.
    let (code, said) = run(dir.path(), &["log", "verify", "JC1-2026-000123", "--registry", "http://127.0.0.1:9"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("http://127.0.0.1:9/api/v1/log/keys"), "{said}");
    let (code, said) = run(dir.path(), &["log", "monitor", "http://127.0.0.1:9", "--state", "s.json"]);
    assert_eq!(code, 2, "{said}");
    assert!(!dir.path().join("s.json").exists());
}

#[test]
fn the_former_command_names_still_run() {
    // Scripts written for `tekigo verify` / `tekigo monitor` keep working (hidden aliases).
    let dir = tempfile::tempdir().unwrap();
    let (code, said) = run(dir.path(), &["verify", "JC1-2026-000123"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("--registry"), "{said}");
    let (code, said) = run(dir.path(), &["monitor", "http://127.0.0.1:9", "--state", "s.json"]);
    assert_eq!(code, 2, "{said}");
    assert!(said.contains("http://127.0.0.1:9/api/v1/log/keys"), "{said}");
}
