//! Embeds every file under the workspace's `criteria/` folder into the library, so that the
//! `tekigo` binary carries its default catalog and works from any folder.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

fn main() {
    let manifest_dir = PathBuf::from(std::env::var_os("CARGO_MANIFEST_DIR").expect("cargo sets it"));
    let criteria_dir = manifest_dir.join("../../criteria");
    println!("cargo:rerun-if-changed={}", criteria_dir.display());

    let mut files = Vec::new();
    collect_toml_files(&criteria_dir, &mut files);
    files.sort();

    let mut generated = String::from("/// Files of the built-in catalog: (path relative to `criteria/`, contents).\n");
    generated.push_str("pub(crate) static EMBEDDED_FILES: &[(&str, &str)] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let relative = file.strip_prefix(&criteria_dir).expect("collected under criteria_dir");
        let relative = relative.to_string_lossy().replace('\\', "/");
        let absolute = file.canonicalize().expect("file exists");
        writeln!(generated, "    ({relative:?}, include_str!({:?})),", absolute.display().to_string())
            .expect("writing to a String");
    }
    generated.push_str("];\n");

    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets it")).join("embedded.rs");
    std::fs::write(out, generated).expect("OUT_DIR is writable");
}

fn collect_toml_files(dir: &Path, files: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            println!("cargo:rerun-if-changed={}", path.display());
            collect_toml_files(&path, files);
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            files.push(path);
        }
    }
}
