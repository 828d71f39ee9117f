//! Embeds every `data/checks-*.toml` (the check catalogue; other checks add their own file) so
//! the catalogue loader sees them all without a list kept by hand.

use std::fmt::Write as _;
use std::path::Path;

fn main() {
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("data");
    println!("cargo:rerun-if-changed={}", data.display());
    let mut names: Vec<String> = std::fs::read_dir(&data)
        .expect("data/ exists")
        .filter_map(|entry| entry.ok()?.file_name().into_string().ok())
        .filter(|name| name.starts_with("checks-") && name.ends_with(".toml"))
        .collect();
    names.sort();
    let mut code = String::from("pub(crate) const CHECK_FILES: &[(&str, &str)] = &[\n");
    for name in &names {
        let path = data.join(name);
        println!("cargo:rerun-if-changed={}", path.display());
        writeln!(code, "    ({:?}, include_str!({:?})),", format!("data/{name}"), path.display().to_string())
            .expect("write to a String");
    }
    code.push_str("];\n");
    let out = Path::new(&std::env::var("OUT_DIR").expect("cargo sets OUT_DIR")).join("check_files.rs");
    std::fs::write(out, code).expect("write OUT_DIR/check_files.rs");
}
