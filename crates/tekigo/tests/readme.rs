//! Every `tekigo` command in README.md's shell blocks runs as written, in a folder that holds only
//! what a fresh clone holds (the repository's own `examples/` and `crates/`), with `~` a new empty
//! home. A command's expected exit code is 0 unless its line ends with `# exit N` (and why); `tekigo serve`
//! (a server that runs until stopped) and the `cargo` lines (this test is itself built by them) are
//! left out. A README example that stops working fails here.

use std::path::{Path, PathBuf};
use std::process::Command;

fn repository() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..").canonicalize().unwrap()
}

/// The lines of the README's ```sh blocks, in order.
fn shell_lines(readme: &str) -> Vec<String> {
    let mut lines = Vec::new();
    let mut inside = false;
    for line in readme.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            inside = !inside && trimmed == "```sh";
            continue;
        }
        if inside && !trimmed.is_empty() && !trimmed.starts_with('#') {
            lines.push(trimmed.to_owned());
        }
    }
    lines
}

/// A command line split into words the way sh would for the README's simple lines (no quotes
/// with spaces inside them, no variables other than `~`), and the exit code it expects.
fn words_and_exit(line: &str, home: &Path) -> (Vec<String>, i32) {
    let (command, expected) = match line.split_once("# exit ") {
        Some((command, code)) => {
            let digits: String = code.chars().take_while(char::is_ascii_digit).collect();
            (command.trim(), digits.parse().expect("`# exit N` with a number"))
        }
        None => (line, 0),
    };
    assert!(
        !command.contains(['"', '\'', '$', '|', '>', '<', ';', '&']),
        "README line too clever for this test: {line}"
    );
    let words = command
        .split_whitespace()
        .map(|word| match word.strip_prefix("~/") {
            Some(rest) => home.join(rest).display().to_string(),
            None => word.to_owned(),
        })
        .collect();
    (words, expected)
}

#[test]
fn every_readme_command_runs_as_written() {
    let repository = repository();
    let readme = std::fs::read_to_string(repository.join("README.md")).unwrap();
    let work = tempfile::tempdir().unwrap();
    let home = tempfile::tempdir().unwrap();
    for shared in ["examples", "crates", "criteria"] {
        std::os::unix::fs::symlink(repository.join(shared), work.path().join(shared)).unwrap();
    }
    let mut ran = 0;
    for line in shell_lines(&readme) {
        let (words, expected) = words_and_exit(&line, home.path());
        match words.first().map(String::as_str) {
            Some("tekigo") if words.get(1).map(String::as_str) != Some("serve") => {}
            Some("cargo") | Some("alias") | Some("tekigo") => continue,
            _ => panic!("README shell line this test does not know how to run: {line}"),
        }
        let output = Command::new(env!("CARGO_BIN_EXE_tekigo"))
            .args(&words[1..])
            .current_dir(work.path())
            .env("HOME", home.path())
            .env_remove("TEKIGO_LANG")
            .env_remove("TEKIGO_VULNDB")
            .env_remove("TEKIGO_CRITERIA")
            .env("LANG", "C.UTF-8")
            .output()
            .unwrap();
        assert_eq!(
            output.status.code(),
            Some(expected),
            "README: `{line}`\nstdout:\n{}\nstderr:\n{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        ran += 1;
    }
    assert!(ran >= 8, "only {ran} README commands were run: did the blocks move?");
}
