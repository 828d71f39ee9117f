//! A criteria folder is someone else's (`--criteria DIR`): links that loop, folders nested without
//! end, FIFOs and devices named `*.toml`, and TOML nested to overflow a parser's stack are each
//! an error that names the place and the limit, never a hang, a crash or a stack overflow.

use std::path::Path;
use std::time::{Duration, Instant};

use tekigo_criteria::Catalog;
use tekigo_criteria::source::{MAX_FOLDER_DEPTH, builtin_sources, read_dir};

/// The built-in catalog written out as a folder.
fn builtin_folder(dir: &Path) {
    for file in builtin_sources() {
        let path = dir.join(file.path.strip_prefix("criteria/").unwrap());
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, file.text).unwrap();
    }
}

fn on_small_stack(check: impl FnOnce() + Send + 'static) {
    std::thread::Builder::new().stack_size(512 * 1024).spawn(check).unwrap().join().unwrap();
}

#[cfg(unix)]
#[test]
fn a_link_back_up_is_not_followed() {
    let dir = tempfile::tempdir().unwrap();
    builtin_folder(dir.path());
    std::os::unix::fs::symlink(dir.path(), dir.path().join("loop")).unwrap();
    std::os::unix::fs::symlink("..", dir.path().join("jc-star").join("up")).unwrap();
    let files = read_dir(dir.path()).unwrap();
    assert_eq!(files.len(), builtin_sources().len());
    Catalog::load(&files).unwrap();
}

#[test]
fn folders_nested_past_the_limit_are_an_error() {
    let dir = tempfile::tempdir().unwrap();
    builtin_folder(dir.path());
    let mut deep = dir.path().to_path_buf();
    for _ in 0..=MAX_FOLDER_DEPTH {
        deep.push("d");
    }
    std::fs::create_dir_all(&deep).unwrap();
    let error = read_dir(dir.path()).unwrap_err();
    assert!(error.to_string().contains(&format!("folders nest deeper than {MAX_FOLDER_DEPTH} levels")), "{error}");
}

#[cfg(unix)]
#[test]
fn fifos_and_devices_named_toml_are_refused_without_reading() {
    for make in ["fifo", "link to /dev/zero"] {
        let dir = tempfile::tempdir().unwrap();
        builtin_folder(dir.path());
        let path = dir.path().join("extra.toml");
        if make == "fifo" {
            assert!(std::process::Command::new("mkfifo").arg(&path).status().unwrap().success());
        } else {
            std::os::unix::fs::symlink("/dev/zero", &path).unwrap();
        }
        let started = Instant::now();
        let error = read_dir(dir.path()).unwrap_err();
        assert!(
            error.to_string().contains("extra.toml: is a") && error.to_string().contains("not a regular file"),
            "{make}: {error}"
        );
        assert!(started.elapsed() < Duration::from_secs(2), "{make}: refused without waiting");
    }
}

#[test]
fn toml_nested_without_end_is_an_error_not_a_stack_overflow() {
    on_small_stack(|| {
        let depth = 100_000;
        for hostile in [
            format!("x = {}{}\n", "[".repeat(depth), "]".repeat(depth)),
            format!("x = {}1{}\n", "{ a = ".repeat(depth), " }".repeat(depth)),
            format!("{} = 1\n", vec!["a"; depth].join(".")),
            format!("[{}]\n", vec!["a"; depth].join(".")),
        ] {
            let mut files = builtin_sources();
            files[0].text.push_str(&hostile);
            let errors = Catalog::load(&files).unwrap_err();
            assert!(errors.to_string().contains(&files[0].path), "{errors}");
        }
    });
}
