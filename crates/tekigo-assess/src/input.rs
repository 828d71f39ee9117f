//! Files someone else handed over (a declaration to verify and the files issued with it) are read
//! only when they are regular files, not links, within a size limit ([`tekigo_input`] with
//! [`Links::Refuse`]).

use std::io::Read;
use std::path::Path;

use sha2::{Digest, Sha256};
pub use tekigo_input::{InputError, Links, open_regular, read_regular};

/// The largest declaration read: far more than the largest catalog's declaration (~100 KiB).
pub const MAX_DECLARATION_BYTES: u64 = 4 * 1024 * 1024;
/// The largest file issued with a declaration that is hashed (an SBOM or evidence archive).
pub const MAX_ATTACHMENT_BYTES: u64 = 256 * 1024 * 1024;

/// The hex SHA-256 of the regular file `path` of at most `limit` bytes, read in pieces.
///
/// # Errors
/// As [`read_regular`].
pub fn sha256_regular(path: &Path, limit: u64) -> Result<String, InputError> {
    let (file, _) = open_regular(path, limit, Links::Refuse)?;
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
    use super::*;

    #[test]
    fn a_regular_file_is_hashed_in_pieces_within_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.txt");
        std::fs::write(&path, b"abc").unwrap();
        assert_eq!(
            sha256_regular(&path, 3).unwrap(),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
        assert!(matches!(sha256_regular(&path, 2), Err(InputError::TooLarge { .. })));
    }

    #[cfg(unix)]
    #[test]
    fn a_link_handed_over_is_not_hashed() {
        let dir = tempfile::tempdir().unwrap();
        let link = dir.path().join("zero");
        std::os::unix::fs::symlink("/dev/zero", &link).unwrap();
        assert!(matches!(sha256_regular(&link, 1 << 20), Err(InputError::NotRegular { .. })));
    }
}
