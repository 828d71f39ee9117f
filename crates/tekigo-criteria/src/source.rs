//! Where catalog files come from: the copies built into the binary, or a folder on disk.

use std::path::Path;

/// One catalog file: its path relative to the criteria folder (as errors name it) and its text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SourceFile {
    pub path: String,
    pub text: String,
}

/// The files built into the binary, named `criteria/<relative path>`.
pub fn builtin_sources() -> Vec<SourceFile> {
    crate::embedded::EMBEDDED_FILES
        .iter()
        .map(|(path, text)| SourceFile { path: format!("criteria/{path}"), text: (*text).to_owned() })
        .collect()
}

/// Reads every `*.toml` file under `dir` (recursively, sorted by path). Files are named by their
/// path as given on the command line, so an error points at the file the user can open.
///
/// # Errors
/// When the folder or a file in it cannot be read, or holds no catalog file at all.
pub fn read_dir(dir: &Path) -> Result<Vec<SourceFile>, std::io::Error> {
    let mut paths = Vec::new();
    collect(dir, &mut paths)?;
    paths.sort();
    if paths.is_empty() {
        return Err(std::io::Error::new(
            std::io::ErrorKind::NotFound,
            format!("no *.toml catalog files under {}", dir.display()),
        ));
    }
    paths
        .into_iter()
        .map(|path| {
            let text = std::fs::read_to_string(&path)
                .map_err(|err| std::io::Error::new(err.kind(), format!("cannot read {}: {err}", path.display())))?;
            Ok(SourceFile { path: path.display().to_string(), text })
        })
        .collect()
}

fn collect(dir: &Path, paths: &mut Vec<std::path::PathBuf>) -> Result<(), std::io::Error> {
    let entries = std::fs::read_dir(dir)
        .map_err(|err| std::io::Error::new(err.kind(), format!("cannot read folder {}: {err}", dir.display())))?;
    for entry in entries {
        let path = entry?.path();
        if path.is_dir() {
            collect(&path, paths)?;
        } else if path.extension().is_some_and(|ext| ext == "toml") {
            paths.push(path);
        }
    }
    Ok(())
}
