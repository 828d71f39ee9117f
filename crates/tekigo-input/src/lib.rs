//! Reading a file that a path names: a person's argument, a file in a folder being imported, a file
//! someone else handed over. Only a regular file within a size limit is read. A FIFO or a device is
//! never opened for reading (it may never end, or block forever): it is refused at once, by the
//! type of what was opened. The size is checked on the open file before a byte is read, then
//! enforced while reading (a file may grow meanwhile).
//!
//! Symbolic links are the caller's choice ([`Links`]): a person's own files may be links (a
//! `latest.json` pointing at the newest build's SBOM); files someone else handed over are read only
//! if they are not (a link could point at `/dev/zero`, or anywhere the reader may read and the
//! sender may not).

use std::fs::{File, Metadata};
use std::io::Read;
use std::path::{Path, PathBuf};

use tekigo_base::Text;

/// Whether a symbolic link is followed to the file it names.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Links {
    /// Read what the link names (which must itself be a regular file).
    Follow,
    /// Refuse a link, even one to a regular file.
    Refuse,
}

#[derive(Debug, thiserror::Error)]
pub enum InputError {
    #[error("{}: is {kind}, not a regular file; only regular files are read", .path.display())]
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
                    "{}: {}であり通常のファイルではありません。通常のファイルだけを読みます",
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
///
/// # Errors
/// As [`read_regular`].
pub fn open_regular(path: &Path, limit: u64, links: Links) -> Result<(File, u64), InputError> {
    let io = |error| InputError::Io { path: path.to_owned(), error };
    if links == Links::Refuse {
        // The link itself, not what it points at.
        let before = std::fs::symlink_metadata(path).map_err(io)?;
        if let Some(kind) = kind_of(&before) {
            return Err(InputError::NotRegular { path: path.to_owned(), kind });
        }
    }
    let mut options = std::fs::OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        // A FIFO opens at once instead of waiting for a writer (and is refused below, by the
        // type of what was opened); with links refused, a file swapped for a link after the check
        // fails to open instead of being followed.
        use std::os::unix::fs::OpenOptionsExt;
        let no_follow = if links == Links::Refuse { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(no_follow | libc::O_NONBLOCK);
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
pub fn read_regular(path: &Path, limit: u64, links: Links) -> Result<Vec<u8>, InputError> {
    let (file, size) = open_regular(path, limit, links)?;
    let mut bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0));
    file.take(limit + 1).read_to_end(&mut bytes).map_err(|error| InputError::Io { path: path.to_owned(), error })?;
    if bytes.len() as u64 > limit {
        return Err(InputError::TooLarge { path: path.to_owned(), size: bytes.len() as u64, limit });
    }
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;

    #[test]
    fn a_regular_file_within_the_limit_is_read() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(read_regular(&path, 3, Links::Refuse).unwrap(), b"abc");
        let error = read_regular(&path, 2, Links::Follow).unwrap_err();
        assert!(matches!(error, InputError::TooLarge { size: 3, limit: 2, .. }), "{error}");
        assert!(read_regular(&dir.path().join("missing"), 3, Links::Follow).unwrap_err().is_not_found());
    }

    #[cfg(unix)]
    fn specials(dir: &Path) -> (PathBuf, PathBuf, PathBuf) {
        let zero = dir.join("zero");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        let fifo = dir.join("fifo");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        let target = dir.join("real");
        std::fs::write(&target, b"x").unwrap();
        let link = dir.join("link");
        std::os::unix::fs::symlink(&target, &link).unwrap();
        (zero, fifo, link)
    }

    #[cfg(unix)]
    #[test]
    fn refusing_links_refuses_links_fifos_devices_and_folders_at_once() {
        let dir = tempfile::tempdir().unwrap();
        let (zero, fifo, link) = specials(dir.path());
        let started = Instant::now();
        for (path, kind) in [
            (&zero, "a symbolic link"),
            (&link, "a symbolic link"),
            (&fifo, "a FIFO"),
            (&PathBuf::from("/dev/zero"), "a device"),
            (&dir.path().to_path_buf(), "a folder"),
        ] {
            let error = read_regular(path, 1 << 20, Links::Refuse).unwrap_err();
            assert!(matches!(&error, InputError::NotRegular { kind: k, .. } if *k == kind), "{path:?}: {error}");
            assert!(error.text().ja.contains("通常のファイルではありません"), "{}", error.text().ja);
        }
        assert!(started.elapsed() < Duration::from_secs(2), "refused without reading or waiting");
    }

    #[cfg(unix)]
    #[test]
    fn following_links_reads_a_linked_file_and_still_never_waits_on_a_fifo() {
        let dir = tempfile::tempdir().unwrap();
        let (zero, fifo, link) = specials(dir.path());
        assert_eq!(read_regular(&link, 10, Links::Follow).unwrap(), b"x");
        let started = Instant::now();
        // A link to a FIFO too: what is opened is checked, not only the name.
        let to_fifo = dir.path().join("to-fifo");
        std::os::unix::fs::symlink(&fifo, &to_fifo).unwrap();
        for (path, kind) in [(&zero, "a device"), (&fifo, "a FIFO"), (&to_fifo, "a FIFO")] {
            let error = read_regular(path, 1 << 20, Links::Follow).unwrap_err();
            assert!(matches!(&error, InputError::NotRegular { kind: k, .. } if *k == kind), "{path:?}: {error}");
        }
        assert!(started.elapsed() < Duration::from_secs(2), "refused without reading or waiting");
    }
}
