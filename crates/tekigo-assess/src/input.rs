//! Files someone else handed over (a declaration to verify and the files issued with it) are read
//! only when they are regular files within a size limit. A symbolic link is not followed (it could
//! point at `/dev/zero`, or anywhere the reader may read and the sender may not), a FIFO or device
//! is not opened for reading (it may never end, or block forever), and the size is checked on the
//! open file before a byte is read, then enforced while reading (a file may grow meanwhile).

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};
use tekigo_base::Text;

/// The largest declaration read: far more than the largest catalog's declaration (~100 KiB).
pub const MAX_DECLARATION_BYTES: u64 = 4 * 1024 * 1024;
/// The largest file issued with a declaration that is hashed (an SBOM or evidence archive).
pub const MAX_ATTACHMENT_BYTES: u64 = 256 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: is {kind}, not a regular file; only regular files are read (links are not followed)", .path.display())]
    NotRegular { path: PathBuf, kind: &'static str },
    #[error("{}: {size} bytes, over the limit of {limit} bytes", .path.display())]
    TooLarge { path: PathBuf, size: u64, limit: u64 },
    #[error("{}: {error}", .path.display())]
    Io { path: PathBuf, error: std::io::Error },
}

impl InputError {
    /// The error in both languages.
    pub fn text(&self) -> Text {
        match self {
            InputError::NotRegular { path, kind } => Text::new(
                self.to_string(),
                format!(
                    "{}: {}であり通常のファイルではありません。通常のファイルだけを読みます（リンクはたどりません）",
                    path.display(),
                    kind_ja(kind)
                ),
            ),
            InputError::TooLarge { path, size, limit } => Text::new(
                self.to_string(),
                format!("{}: {size} バイトあり、上限の {limit} バイトを超えています", path.display()),
            ),
            InputError::Io { path, error } => {
                Text::new(self.to_string(), format!("{}: 読み取れません（{error}）", path.display()))
            }
        }
    }

    pub fn is_not_found(&self) -> bool {
        matches!(self, InputError::Io { error, .. } if error.kind() == std::io::ErrorKind::NotFound)
    }
}

fn kind_ja(kind: &str) -> &'static str {
    match kind {
        "a symbolic link" => "シンボリックリンク",
        "a folder" => "フォルダー",
        "a FIFO" => "FIFO（名前付きパイプ）",
        "a socket" => "ソケット",
        "a device" => "デバイス",
        _ => "特殊なファイル",
    }
}

fn kind_of(metadata: &Metadata) -> Option<&'static str> {
    let file_type = metadata.file_type();
    if file_type.is_file() {
        return None;
    }
    if file_type.is_symlink() {
        return Some("a symbolic link");
    }
    if file_type.is_dir() {
        return Some("a folder");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if file_type.is_fifo() {
            return Some("a FIFO");
        }
        if file_type.is_socket() {
            return Some("a socket");
        }
        if file_type.is_block_device() || file_type.is_char_device() {
            return Some("a device");
        }
    }
    Some("not a regular file")
}

/// Opens `path` when it is a regular file of at most `limit` bytes; returns it with its size.
fn open_regular(path: &Path, limit: u64) -> Result<(File, u64), InputError> {
    let io = |error| InputError::Io { path: path.to_owned(), error };
    // The link itself, not what it points at.
    let before = std::fs::symlink_metadata(path).map_err(io)?;
    if let Some(kind) = kind_of(&before) {
        return Err(InputError::NotRegular { path: path.to_owned(), kind });
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // Swapped for a link or a FIFO after the check: the open fails instead of following the
        // link or waiting for a writer.
        use std::os::unix::fs::OpenOptionsExt;
        options.custom_flags(libc::O_NOFOLLOW | libc::O_NONBLOCK);
    }
    let file = options.open(path).map_err(|error| match error.raw_os_error() {
        #[cfg(unix)]
        Some(libc::ELOOP) => InputError::NotRegular { path: path.to_owned(), kind: "a symbolic link" },
        _ => io(error),
    })?;
    let metadata = file.metadata().map_err(io)?;
    if let Some(kind) = kind_of(&metadata) {
        return Err(InputError::NotRegular { path: path.to_owned(), kind });
    }
    if metadata.len() > limit {
        return Err(InputError::TooLarge { path: path.to_owned(), size: metadata.len(), limit });
    }
    Ok((file, metadata.len()))
}

/// The bytes of the regular file `path`, at most `limit` of them.
///
/// # Errors
/// When `path` is not a regular file (a link, FIFO, device, folder), is larger than `limit`, or
/// cannot be read.
pub fn read_regular(path: &Path, limit: u64) -> Result<Vec<u8>, InputError> {
    let (file, size) = open_regular(path, limit)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|error| InputError::Io { path: path.to_owned(), error })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { path: path.to_owned(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

/// The hex SHA-256 of the regular file `path` of at most `limit` bytes, read in pieces.
///
/// # Errors
/// As [`read_regular`].
pub fn sha256_regular(path: &Path, limit: u64) -> Result<String, InputError> {
    let (file, _) = open_regular(path, limit)?;
    let io = |error| InputError::Io { path: path.to_owned(), error };
    let mut hasher = Sha256::new();
    let mut reader = file.take(limit + 1);
    let mut buffer = vec![0; 64 * 1024];
    let mut total: u64 = 0;
    loop {
        let read = reader.read(&mut buffer).map_err(io)?;
        if read == 0 {
            break;
        }
        total += read as u64;
        if total > limit {
            return Err(InputError::TooLarge { path: path.to_owned(), size: total, limit });
        }
        hasher.update(&buffer[..read]);
    }
    Ok(crate::keys::hex(&hasher.finalize()))
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_regular_file_within_the_limit_is_read_and_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(read_regular(&path, 3).unwrap(), b"abc");
        assert_eq!(
            sha256_regular(&path, 3).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        let error = read_regular(&path, 2).unwrap_err();
        assert!(matches!(error, InputError::TooLarge { size: 3, limit: 2, .. }), "{error}");
        assert!(matches!(sha256_regular(&path, 2), Err(InputError::TooLarge { .. })));
        assert!(read_regular(&dir.path().join("missing"), 3).unwrap_err().is_not_found());
    }

    #[cfg(unix)]
    #[test]
    fn links_fifos_devices_and_folders_are_refused_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.path().join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let target = dir.path().join("real");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        let started = Instant::now();
        for (path, kind) in [
            (&zero, "a symbolic link"),
            (&link, "a symbolic link"),
            (&fifo, "a FIFO"),
            (&PathBuf::from("/dev/zero"), "a device"),
            (&dir.path().to_path_buf(), "a folder"),
        ] {
            for error in
                [read_regular(path, MAX_ATTACHMENT_BYTES), sha256_regular(path, MAX_ATTACHMENT_BYTES).map(|_| vec![])]
            {
                let error = error.unwrap_err();
                assert!(matches!(&error, InputError::NotRegular { kind: k, .. } if *k == kind), "{path:?}: {error}");
                assert!(error.text().ja.contains("通常のファイルではありません"), "{}", error.text().ja);
            }
        }
        assert!(started.elapsed() < Duration::from_secs(2), "refused without reading or waiting");
    }
}
