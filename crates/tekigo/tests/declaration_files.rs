//! `tekigo declaration verify` reads only regular files within a size limit: a symbolic link to
//! `/dev/zero` or a FIFO, as the declaration or in place of a file issued with it, is refused at
//! once with a message that names it (it used to read /dev/zero until memory ran out, or wait
//! forever on the FIFO).

#![cfg(unix)]

use std::path::Path;
use std::process::{Command, Output};
use std::time::{Duration, Instant};

use ed25519_dalek::SigningKey;

fn verify(declaration: &Path, public: &Path) -> (Output, Duration) {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_tekigo"))
        .env_remove("TEKIGO_LANG")
        .env_remove("TEKIGO_CRITERIA")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C.UTF-8")
        .args(["declaration", "verify"])
        .arg(declaration)
        .arg("--pubkey")
        .arg(public)
        .output()
        .expect("the tekigo binary runs");
    (output, started.elapsed())
}

fn text(output: &Output) -> String {
    format!("{}{}", String::from_utf8_lossy(&output.stdout), String::from_utf8_lossy(&output.stderr))
}

fn mkfifo(path: &Path) {
    assert!(Command::new("mkfifo").arg(path).status().expect("mkfifo runs").success());
}

#[test]
fn links_and_fifos_are_refused_fast_as_the_declaration_and_as_its_files() {
    let work = tempfile::tempdir().unwrap();
    let key = SigningKey::from_bytes(&[3; 32]);
    let public = work.path().join("vendor.pub");
    std::fs::write(&public, tekigo_testkit::public_pem(&key)).unwrap();
    let (declaration, sbom) = tekigo_testkit::signed_sample_files(&key, "2.4.1", work.path());
    let sbom_name = sbom.file_name().unwrap().to_string_lossy().into_owned();

    let (output, _) = verify(&declaration, &public);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
    assert!(text(&output).trim_end().ends_with("VALID"), "{}", text(&output));

    // In place of the SBOM issued with it: not "absent", a problem; exit 1.
    let original = std::fs::read(&sbom).unwrap();
    std::fs::remove_file(&sbom).unwrap();
    std::os::unix::fs::symlink("/dev/zero", &sbom).unwrap();
    let (output, took) = verify(&declaration, &public);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(
        text(&output).contains(&format!("{sbom_name}: is a symbolic link, not a regular file")),
        "{}",
        text(&output)
    );
    assert!(text(&output).contains("NOT VALID"), "{}", text(&output));
    assert!(took < Duration::from_secs(10), "took {took:?}");

    std::fs::remove_file(&sbom).unwrap();
    mkfifo(&sbom);
    let (output, took) = verify(&declaration, &public);
    assert_eq!(output.status.code(), Some(1), "{}", text(&output));
    assert!(text(&output).contains("is a FIFO, not a regular file"), "{}", text(&output));
    assert!(took < Duration::from_secs(10), "took {took:?}");
    std::fs::remove_file(&sbom).unwrap();
    std::fs::write(&sbom, &original).unwrap();

    // As the declaration itself: unreadable, exit 2.
    let zero = work.path().join("zero.json");
    std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
    let fifo = work.path().join("fifo.json");
    mkfifo(&fifo);
    for (path, kind) in [(&zero, "a symbolic link"), (&fifo, "a FIFO"), (&"/dev/zero".into(), "a device")] {
        let (output, took) = verify(path, &public);
        assert_eq!(output.status.code(), Some(2), "{}", text(&output));
        assert!(text(&output).contains(&format!("is {kind}, not a regular file")), "{}", text(&output));
        assert!(took < Duration::from_secs(10), "took {took:?}");
    }

    // A declaration past the size limit is refused before it is read.
    let big = work.path().join("big.json");
    let file = std::fs::File::create(&big).unwrap();
    file.set_len(tekigo_assess::input::MAX_DECLARATION_BYTES + 1).unwrap();
    let (output, _) = verify(&big, &public);
    assert_eq!(output.status.code(), Some(2), "{}", text(&output));
    assert!(text(&output).contains("over the limit of 4194304 bytes"), "{}", text(&output));

    // The untouched declaration still verifies.
    let (output, _) = verify(&declaration, &public);
    assert_eq!(output.status.code(), Some(0), "{}", text(&output));
}
