//! Ed25519 signing keys in the files everyone else reads: PKCS#8 PEM for the private key (mode
//! 0600), SubjectPublicKeyInfo PEM for the public one, so `openssl pkey` can read both.

use std::fs::OpenOptions;
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

use ed25519_dalek::pkcs8::spki::der::pem::LineEnding;
use ed25519_dalek::pkcs8::{DecodePrivateKey, DecodePublicKey, EncodePrivateKey, EncodePublicKey};
use ed25519_dalek::{SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

#[derive(Debug, thiserror::Error)]
pub enum KeyError {
    #[error("{0}: already exists; tekigo never overwrites a key (move it away or choose another --out)")]
    Exists(PathBuf),
    #[error("{path}: {error}")]
    Io { path: PathBuf, error: std::io::Error },
    #[error("{path}: not an Ed25519 {what} in PEM ({error})")]
    Format { path: PathBuf, what: &'static str, error: String },
    #[error("the system's random number generator failed: {0}")]
    Random(String),
}

/// The path of the public key beside a private key: `KEY.pub`.
pub fn public_path(private: &Path) -> PathBuf {
    let mut name = private.as_os_str().to_owned();
    name.push(".pub");
    PathBuf::from(name)
}

/// Writes a new key pair to `private` and `private.pub`; refuses to overwrite either.
pub fn generate(private: &Path) -> Result<VerifyingKey, KeyError> {
    let public = public_path(private);
    for path in [private, public.as_path()] {
        if path.exists() {
            return Err(KeyError::Exists(path.to_owned()));
        }
    }
    let mut seed = [0u8; 32];
    getrandom::fill(&mut seed).map_err(|error| KeyError::Random(error.to_string()))?;
    let key = SigningKey::from_bytes(&seed);
    let private_pem = key.to_pkcs8_pem(LineEnding::LF).map_err(|error| KeyError::Format {
        path: private.to_owned(),
        what: "private key",
        error: error.to_string(),
    })?;
    let public_pem = key.verifying_key().to_public_key_pem(LineEnding::LF).map_err(|error| KeyError::Format {
        path: public.clone(),
        what: "public key",
        error: error.to_string(),
    })?;
    write_new(private, private_pem.as_bytes(), 0o600)?;
    write_new(&public, public_pem.as_bytes(), 0o644)?;
    Ok(key.verifying_key())
}

fn write_new(path: &Path, bytes: &[u8], mode: u32) -> Result<(), KeyError> {
    let io = |error| KeyError::Io { path: path.to_owned(), error };
    let mut file = OpenOptions::new().write(true).create_new(true).mode(mode).open(path).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)
}

pub fn read_private(path: &Path) -> Result<SigningKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|error| KeyError::Io { path: path.to_owned(), error })?;
    SigningKey::from_pkcs8_pem(&text).map_err(|error| KeyError::Format {
        path: path.to_owned(),
        what: "private key (PKCS#8)",
        error: error.to_string(),
    })
}

pub fn read_public(path: &Path) -> Result<VerifyingKey, KeyError> {
    let text = std::fs::read_to_string(path).map_err(|error| KeyError::Io { path: path.to_owned(), error })?;
    VerifyingKey::from_public_key_pem(&text).map_err(|error| KeyError::Format {
        path: path.to_owned(),
        what: "public key (SubjectPublicKeyInfo)",
        error: error.to_string(),
    })
}

/// `sha256:` and the hex SHA-256 of the raw public key: how documents name the key that signed.
pub fn key_id(key: &VerifyingKey) -> String {
    format!("sha256:{}", hex(&Sha256::digest(key.as_bytes())))
}

pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_generated_pair_reads_back_and_is_never_overwritten() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("vendor.key");
        let public = generate(&path).unwrap();
        assert_eq!(read_private(&path).unwrap().verifying_key(), public);
        assert_eq!(read_public(&public_path(&path)).unwrap(), public);
        let mode = std::fs::metadata(&path).unwrap().permissions();
        assert_eq!(std::os::unix::fs::PermissionsExt::mode(&mode) & 0o777, 0o600);
        assert!(matches!(generate(&path), Err(KeyError::Exists(_))));
        assert!(key_id(&public).starts_with("sha256:") && key_id(&public).len() == 71);
    }

    #[test]
    fn a_public_key_is_not_taken_for_a_private_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("k");
        generate(&path).unwrap();
        let error = read_private(&public_path(&path)).unwrap_err();
        assert!(error.to_string().contains("not an Ed25519 private key"), "{error}");
    }
}
