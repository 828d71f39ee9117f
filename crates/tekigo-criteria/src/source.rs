//! Where catalog files come from: the copies built into the binary, or a folder on disk.

use std::path::{Path, PathBuf};

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

/// The largest catalog file read (the built-in ones are about 100 KiB).
pub const MAX_FILE_BYTES: u64 = 16 * 1024 * 1024;
/// The deepest folder read below the criteria folder.
pub const MAX_FOLDER_DEPTH: usize = 16;
/// The most `*.toml` files read from one criteria folder.
pub const MAX_FILES: usize = 10_000;

/// Reads every `*.toml` file under `dir` (recursively, sorted by path). Files are named by their
/// path as given on the command line, so an error points at the file the user can open.
///
/// The folder is someone else's: links to folders are not followed (a link back up would never
/// end), a `*.toml` that is not a regular file (a FIFO, a device, a link to one) is an error
/// rather than a read that never ends, and depth, file count and file size are limited.
///
/// # Errors
/// When the folder or a file in it cannot be read, passes a limit, or holds no catalog file at
/// all.
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
    paths.into_iter().map(|path| read_file(&path)).collect()
}

fn refused(path: &Path, why: impl std::fmt::Display) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidInput, format!("{}: {why}", path.display()))
}

fn read_file(path: &Path) -> Result<SourceFile, std::io::Error> {
    // A link to a file is read like the file; what it points at must be a regular file.
    let bytes = tekigo_input::read_regular(path, MAX_FILE_BYTES, tekigo_input::Links::Follow).map_err(|error| {
        let kind = match &error {
            tekigo_input::InputError::Io { error, .. } => error.kind(),
            _ => std::io::ErrorKind::InvalidInput,
        };
        std::io::Error::new(kind, format!("cannot read a catalog file: {error}"))
    })?;
    let text = String::from_utf8(bytes).map_err(|_| refused(path, "not UTF-8 text"))?;
    Ok(SourceFile { path: path.display().to_string(), text })
}

/// Every `*.toml` path under `dir`, walked with a list of folders to visit, not by recursion.
fn collect(dir: &Path, paths: &mut Vec<PathBuf>) -> Result<(), std::io::Error> {
    let mut folders = vec![(dir.to_path_buf(), 0)];
    while let Some((folder, depth)) = folders.pop() {
        let entries = std::fs::read_dir(&folder).map_err(|err| {
            std::io::Error::new(err.kind(), format!("cannot read folder {}: {err}", folder.display()))
        })?;
        for entry in entries {
            let entry = entry?;
            let path = entry.path();
            // The entry itself: a link is not followed into a folder.
            let kind = entry.file_type()?;
            if kind.is_dir() {
                if depth + 1 > MAX_FOLDER_DEPTH {
                    return Err(refused(&path, format!("folders nest deeper than {MAX_FOLDER_DEPTH} levels")));
                }
                folders.push((path, depth + 1));
            } else if path.extension().is_some_and(|ext| ext == "toml") {
                if paths.len() == MAX_FILES {
                    return Err(refused(dir, format!("more than {MAX_FILES} *.toml files")));
                }
                paths.push(path);
            }
        }
    }
    Ok(())
}
