//! `tekigo serve` run as a user would: it makes its data folder, fills it with demo labels,
//! prints where it listens, and answers HTTP there.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Output, Stdio};

fn command(dir: &Path, args: &[&str]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tekigo"));
    command
        .arg("serve")
        .args(args)
        .current_dir(dir)
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("TEKIGO_DATABASE_URL")
        .env_remove("TEKIGO_ADMIN_PASSWORD")
        .env_remove("TEKIGO_OPERATOR")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8");
    command
}

/// A running server, stopped when dropped.
struct Server {
    child: Child,
    /// What it printed before it listened.
    said: Vec<String>,
    /// host:port
    addr: String,
    /// What it prints after its address.
    rest: std::io::Lines<BufReader<std::process::ChildStdout>>,
}

impl Server {
    fn start(dir: &Path, args: &[&str]) -> Server {
        let mut child = command(dir, args).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn().unwrap();
        let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
        let mut said = Vec::new();
        let addr = loop {
            let line = lines.next().expect("the server prints its address").unwrap();
            said.push(line.clone());
            if let Some(rest) = line.split_once("(listening on ").map(|(_, rest)| rest)
                && let Some((addr, _)) = rest.split_once(',')
            {
                break addr.to_owned();
            }
            if let Some(rest) = line.split_once("（").map(|(_, rest)| rest)
                && let Some((addr, _)) = rest.split_once(" で待ち受け中")
            {
                break addr.to_owned();
            }
        };
        Server { child, said, addr, rest: lines }
    }

    /// A GET over a plain socket: status line and body.
    fn get(&self, path: &str) -> (String, String) {
        let mut stream = TcpStream::connect(&self.addr).unwrap();
        write!(stream, "GET {path} HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n", self.addr).unwrap();
        let mut response = String::new();
        stream.read_to_string(&mut response).unwrap();
        let (head, body) = response.split_once("\r\n\r\n").unwrap_or((&response, ""));
        (head.lines().next().unwrap_or("").to_owned(), body.to_owned())
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn serve_makes_its_data_folder_fills_demo_labels_and_answers() {
    let dir = tempfile::tempdir().unwrap();
    let mut server = Server::start(dir.path(), &["--addr", "127.0.0.1:0", "--demo", "40", "--lang", "en"]);
    assert!(dir.path().join("tekigo-data/registry.sqlite").is_file());
    assert!(server.said[0].starts_with("Made 40 demo labels (fictional) in "), "{:?}", server.said);
    assert!(server.said[1].starts_with(&format!("tekigo registry: http://{}/", server.addr)), "{:?}", server.said);
    let said: Vec<String> = server.rest.by_ref().take(2).map(Result::unwrap).collect();
    assert_eq!(said[1], "No operator configured: every page says so; name who runs the registry with --operator FILE.");
    let (status, body) = server.get("/healthz");
    assert_eq!((status.as_str(), body.as_str()), ("HTTP/1.1 200 OK", "ok"));
    let (status, body) = server.get("/api/v1/labels?limit=1");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let list: serde_json::Value = serde_json::from_str(&body).unwrap();
    assert_eq!(list["total"], 40);
    let number = list["labels"][0]["number"].as_str().unwrap();
    assert_eq!(list["labels"][0]["page_url"], format!("http://{}/labels/{number}", server.addr));
    let (status, page) = server.get(&format!("/labels/{number}?lang=ja"));
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("<html lang=\"ja\">"));
    // Demo labels make a demo registry, and without --operator no one is named.
    assert!(page.contains("これはデモ用の登録簿です。ここのラベルは本物ではありません"), "{page}");
    assert!(page.contains("tekigo 登録簿（運営者未設定）"), "{page}");
    drop(server);

    // Started again on the same folder, in Japanese: the labels are kept, --demo adds none.
    let again = Server::start(
        dir.path(),
        &["--addr", "127.0.0.1:0", "--demo", "40", "--lang", "ja", "--base-url", "https://labels.example/"],
    );
    assert_eq!(again.said[0], "登録簿にはすでに 40 件のラベルがあります。--demo は何も追加しません。");
    assert!(again.said[1].starts_with("tekigo 登録簿: https://labels.example/ （"), "{:?}", again.said);
    let (_, body) = again.get("/api/v1/labels?limit=1");
    assert!(body.contains("\"page_url\":\"https://labels.example/labels/"), "{body}");
}

fn run(dir: &Path, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = command(dir, args);
    for (name, value) in env {
        command.env(name, value);
    }
    command.output().unwrap()
}

#[test]
fn an_admin_account_needs_a_password_from_the_environment() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--addr", "127.0.0.1:0", "--admin", "admin@registry.example", "--lang", "en"], &[]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("set TEKIGO_ADMIN_PASSWORD"), "{stderr}");

    let output = run(
        dir.path(),
        &["--addr", "127.0.0.1:0", "--admin", "admin@registry.example", "--lang", "en"],
        &[("TEKIGO_ADMIN_PASSWORD", "short")],
    );
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("at least 10 characters"));

    // With a password, the account is made once; later starts find it and need no password.
    let mut child =
        command(dir.path(), &["--addr", "127.0.0.1:0", "--admin", "Admin@Registry.example", "--lang", "en"])
            .env("TEKIGO_ADMIN_PASSWORD", "correct horse battery")
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
    let first = BufReader::new(child.stdout.take().unwrap()).lines().next().unwrap().unwrap();
    let _ = child.kill();
    let _ = child.wait();
    assert_eq!(first, "Admin account admin@registry.example: made.");
    let server =
        Server::start(dir.path(), &["--addr", "127.0.0.1:0", "--admin", "admin@registry.example", "--lang", "en"]);
    assert_eq!(server.said[0], "Admin account admin@registry.example: exists.");
}

#[test]
fn bad_options_are_refused_before_starting() {
    let dir = tempfile::tempdir().unwrap();
    let output = run(dir.path(), &["--base-url", "registry.example", "--lang", "en"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("--base-url must start with http:// or https://"));
    let output = run(dir.path(), &["--database", "mysql://db/x", "--lang", "en"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("must start with sqlite: or postgres://"));
    let output = run(dir.path(), &["--demo", "0"], &[]);
    assert_eq!(output.status.code(), Some(2), "clap refuses --demo 0");
    let output = run(dir.path(), &["--addr", "not-an-address", "--lang", "en"], &[]);
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("cannot listen on not-an-address"));
    let help = run(dir.path(), &["--help"], &[]);
    let help = String::from_utf8_lossy(&help.stdout);
    assert!(help.contains("--demo <N>") && help.contains("架空のデモ用ラベル"), "{help}");
    assert!(
        help.contains("--operator <FILE>") && help.contains("TEKIGO_OPERATOR") && help.contains("運営者未設定"),
        "{help}"
    );
}

#[test]
fn a_sqlite_url_to_a_new_path_makes_the_database_and_its_folder() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("registry/data/new.sqlite");
    let url = format!("sqlite://{}", file.display());
    let server = Server::start(dir.path(), &["--addr", "127.0.0.1:0", "--database", &url, "--lang", "en"]);
    assert!(file.is_file(), "{:?}", server.said);
    assert!(server.said[0].contains(&format!("database {url}")), "{:?}", server.said);
    assert_eq!(server.get("/healthz"), ("HTTP/1.1 200 OK".to_owned(), "ok".to_owned()));
}

#[test]
fn the_operator_file_is_read_at_start_and_shown() {
    let dir = tempfile::tempdir().unwrap();
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/operator.toml");
    let example = example.to_str().unwrap();
    let server = Server::start(dir.path(), &["--addr", "127.0.0.1:0", "--operator", example, "--lang", "en"]);
    let (status, page) = server.get("/privacy?lang=en");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(page.contains("Example Certification Body (fictional)"), "{page}");
    assert!(page.contains("This is a demo registry: labels here are not real"), "{page}");
    assert!(page.contains("Nothing is shared with anyone."), "{page}");
    let (status, _) = server.get("/operator/logo");
    assert_eq!(status, "HTTP/1.1 200 OK");
    drop(server);

    // A mistake is named with its file, line and field, before anything is served.
    let bad = dir.path().join("operator.toml");
    let text = std::fs::read_to_string(example).unwrap().replace("registry@example.org\"", "registry at example.org\"");
    std::fs::write(&bad, text).unwrap();
    for (lang, said) in [("en", "is not an e-mail address"), ("ja", "はメールアドレスではありません")] {
        let output =
            run(dir.path(), &["--addr", "127.0.0.1:0", "--lang", lang], &[("TEKIGO_OPERATOR", "operator.toml")]);
        assert_eq!(output.status.code(), Some(2));
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("operator.toml:17:9: `contact.email`:") && stderr.contains(said), "{stderr}");
    }
}
