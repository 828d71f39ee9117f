//! C2SP signed notes (c2sp.org/signed-note) with Ed25519 keys, the envelope Go's checksum
//! database, Sigstore and Trillian tessera use for checkpoints, and keyrings with validity
//! windows for key rotation.
//!
//! A signed note is a text ending in a newline, a blank line, then one or more lines
//! `— <key name> <base64(key ID || signature)>`. Keys are written in the verifier key form
//! `<name>+<hex key ID>+<base64(0x01 || public key)>`.

use std::fmt;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use jiff::Timestamp;
use sha2::{Digest, Sha256};

/// signed-note §Signature types: 0x01 is Ed25519.
pub const ALG_ED25519: u8 = 0x01;

/// signed-note §Format: verifiers must accept at least 16 signatures and should cap them; this is
/// the cap Go's note package uses.
pub const MAX_SIGNATURES: usize = 100;

/// signed-note §Signatures: a signature line starts with an em dash (U+2014) and a space.
const SIGNATURE_PREFIX: &str = "\u{2014} ";

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum NoteError {
    #[error("malformed note: {0}")]
    Malformed(&'static str),
    #[error("malformed line {line}: {reason}")]
    MalformedLine { line: usize, reason: String },
    #[error("the note has more than {MAX_SIGNATURES} signatures")]
    TooManySignatures,
    #[error("invalid key name {0:?}: it must be non-empty, without spaces or `+`")]
    InvalidKeyName(String),
    #[error("malformed verifier key {text:?}: {reason}")]
    MalformedVerifierKey { text: String, reason: &'static str },
    #[error("malformed signer key: {0}")]
    MalformedSignerKey(&'static str),
    #[error("unknown signature algorithm {0:#04x} (only Ed25519, 0x01, is supported)")]
    UnknownAlgorithm(u8),
    #[error("key ID {given:08x} does not match key {name} (its ID is {computed:08x})")]
    KeyIdMismatch { name: String, given: u32, computed: u32 },
    #[error("the keyring lists key {name}+{key_id:08x} twice")]
    DuplicateKey { name: String, key_id: u32 },
    #[error("no key in the keyring signed this note (signed by: {signers})")]
    UnknownKey { signers: String },
    #[error("bad signature by key {name}+{key_id:08x}: the note was changed after it was signed, or forged")]
    BadSignature { name: String, key_id: u32 },
    #[error("key {name}+{key_id:08x} was retired at {not_after}, before the note was issued ({issued_at})")]
    KeyRetired { name: String, key_id: u32, not_after: Timestamp, issued_at: Timestamp },
    #[error("key {name}+{key_id:08x} is valid from {not_before}, after the note was issued ({issued_at})")]
    KeyNotYetValid { name: String, key_id: u32, not_before: Timestamp, issued_at: Timestamp },
    #[error("checkpoint origin {origin:?} is not the name of the key that signed it ({key_name})")]
    OriginMismatch { origin: String, key_name: String },
    #[error("not a {expected} note: its first line is {found:?}")]
    UnknownFormat { expected: &'static str, found: String },
    #[error("not a URL-encoded signed note: {0}")]
    UrlEncoding(&'static str),
}

/// signed-note §Format: key names are non-empty, with no Unicode spaces and no `+`.
pub fn is_valid_key_name(name: &str) -> bool {
    !name.is_empty() && !name.chars().any(|c| c.is_whitespace() || c == '+' || c < ' ')
}

fn check_key_name(name: &str) -> Result<(), NoteError> {
    if is_valid_key_name(name) { Ok(()) } else { Err(NoteError::InvalidKeyName(name.to_owned())) }
}

/// signed-note §Ed25519 signatures: key ID = SHA-256(key name || 0x0A || 0x01 || public key)[:4],
/// big-endian.
pub fn key_id(name: &str, key: &VerifyingKey) -> u32 {
    let mut hasher = Sha256::new();
    hasher.update(name.as_bytes());
    hasher.update([b'\n', ALG_ED25519]);
    hasher.update(key.as_bytes());
    let digest = hasher.finalize();
    u32::from_be_bytes([digest[0], digest[1], digest[2], digest[3]])
}

/// One signature line of a note.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteSignature {
    pub name: String,
    pub key_id: u32,
    /// The signature proper, without the key ID (64 bytes for Ed25519).
    pub signature: Vec<u8>,
}

impl NoteSignature {
    /// The line's base64 part: key ID (big-endian) then signature.
    fn to_base64(&self) -> String {
        let mut raw = Vec::with_capacity(4 + self.signature.len());
        raw.extend_from_slice(&self.key_id.to_be_bytes());
        raw.extend_from_slice(&self.signature);
        BASE64.encode(raw)
    }
}

/// A note text and its signatures, verified or not: [`Keyring::verify`] decides.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignedNote {
    /// The signed text, ending in a newline.
    pub text: String,
    pub signatures: Vec<NoteSignature>,
}

impl SignedNote {
    /// Reads a signed note strictly as signed-note §Format describes it.
    pub fn parse(note: &str) -> Result<SignedNote, NoteError> {
        for (i, line) in note.split('\n').enumerate() {
            if line.chars().any(|c| c < ' ') {
                return Err(NoteError::MalformedLine { line: i + 1, reason: "control character".into() });
            }
        }
        // signed-note §Format: the text is separated from the signatures by the last empty line.
        let split = note.rfind("\n\n").ok_or(NoteError::Malformed("no blank line before the signatures"))?;
        let (text, block) = (&note[..=split], &note[split + 2..]);
        if block.is_empty() {
            return Err(NoteError::Malformed("no signatures"));
        }
        if !block.ends_with('\n') {
            return Err(NoteError::Malformed("the last signature line does not end in a newline"));
        }
        let first_line = text.matches('\n').count() + 2;
        let mut signatures = Vec::new();
        for (i, line) in block[..block.len() - 1].split('\n').enumerate() {
            let number = first_line + i;
            let bad = |reason: &str| NoteError::MalformedLine { line: number, reason: reason.to_owned() };
            let rest = line.strip_prefix(SIGNATURE_PREFIX).ok_or_else(|| bad("a signature line starts with \"— \""))?;
            let (name, b64) = rest.split_once(' ').ok_or_else(|| bad("no space between key name and signature"))?;
            if !is_valid_key_name(name) {
                return Err(bad("invalid key name"));
            }
            let raw = BASE64.decode(b64).map_err(|_| bad("the signature is not base64"))?;
            if raw.len() < 5 {
                return Err(bad("the signature is shorter than a key ID and one byte"));
            }
            if signatures.len() == MAX_SIGNATURES {
                return Err(NoteError::TooManySignatures);
            }
            signatures.push(NoteSignature {
                name: name.to_owned(),
                key_id: u32::from_be_bytes([raw[0], raw[1], raw[2], raw[3]]),
                signature: raw[4..].to_vec(),
            });
        }
        Ok(SignedNote { text: text.to_owned(), signatures })
    }
}

impl fmt::Display for SignedNote {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)?;
        f.write_str("\n")?;
        for signature in &self.signatures {
            writeln!(f, "{SIGNATURE_PREFIX}{} {}", signature.name, signature.to_base64())?;
        }
        Ok(())
    }
}

/// Checks a note text before signing: signed-note §Format's rules for the text part.
pub(crate) fn check_text(text: &str) -> Result<(), NoteError> {
    if !text.ends_with('\n') {
        return Err(NoteError::Malformed("the text does not end in a newline"));
    }
    for (i, line) in text.split('\n').enumerate() {
        if line.chars().any(|c| c < ' ') {
            return Err(NoteError::MalformedLine { line: i + 1, reason: "control character".into() });
        }
    }
    Ok(())
}

/// A named Ed25519 key that signs notes.
pub struct NoteSigner {
    name: String,
    key: SigningKey,
    key_id: u32,
}

impl fmt::Debug for NoteSigner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the private key.
        write!(f, "NoteSigner({}+{:08x})", self.name, self.key_id)
    }
}

impl NoteSigner {
    pub fn new(name: impl Into<String>, key: SigningKey) -> Result<NoteSigner, NoteError> {
        let name = name.into();
        check_key_name(&name)?;
        let key_id = key_id(&name, &key.verifying_key());
        Ok(NoteSigner { name, key, key_id })
    }

    /// Go's signer key form `PRIVATE+KEY+<name>+<hex key ID>+<base64(0x01 || seed)>`.
    pub fn from_private_key_text(text: &str) -> Result<NoteSigner, NoteError> {
        let bad = NoteError::MalformedSignerKey;
        let rest = text.trim_end().strip_prefix("PRIVATE+KEY+").ok_or(bad("it does not start with PRIVATE+KEY+"))?;
        let mut parts = rest.splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("it is not PRIVATE+KEY+<name>+<key ID>+<key>"));
        };
        let given = parse_key_id(id).ok_or(bad("the key ID is not 8 hex digits"))?;
        let raw = BASE64.decode(b64).map_err(|_| bad("the key is not base64"))?;
        let (&alg, seed) = raw.split_first().ok_or(bad("the key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm(alg));
        }
        let seed: [u8; 32] = seed.try_into().map_err(|_| bad("an Ed25519 seed is 32 bytes"))?;
        let signer = NoteSigner::new(name, SigningKey::from_bytes(&seed))?;
        if signer.key_id != given {
            return Err(NoteError::KeyIdMismatch { name: signer.name, given, computed: signer.key_id });
        }
        Ok(signer)
    }

    /// The private key in Go's signer key form. Secret: store it as such.
    pub fn to_private_key_text(&self) -> String {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        format!("PRIVATE+KEY+{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(raw))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    /// The matching verifier, with no validity window.
    pub fn verifier(&self) -> NoteVerifier {
        NoteVerifier {
            name: self.name.clone(),
            key_id: self.key_id,
            key: self.key.verifying_key(),
            not_before: None,
            not_after: None,
        }
    }

    /// Signs `text` (which must end in a newline) into a note with this one signature.
    pub fn sign(&self, text: &str) -> Result<SignedNote, NoteError> {
        check_text(text)?;
        // signed-note §Ed25519 signatures: RFC 8032 over the note text, final newline included.
        let signature: Signature = self.key.sign(text.as_bytes());
        Ok(SignedNote {
            text: text.to_owned(),
            signatures: vec![NoteSignature {
                name: self.name.clone(),
                key_id: self.key_id,
                signature: signature.to_bytes().to_vec(),
            }],
        })
    }
}

fn parse_key_id(hex: &str) -> Option<u32> {
    if hex.len() == 8 && hex.bytes().all(|b| b.is_ascii_hexdigit()) { u32::from_str_radix(hex, 16).ok() } else { None }
}

/// A named Ed25519 public key, with the window in which it may sign.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoteVerifier {
    name: String,
    key_id: u32,
    key: VerifyingKey,
    not_before: Option<Timestamp>,
    not_after: Option<Timestamp>,
}

impl NoteVerifier {
    pub fn new(name: impl Into<String>, key: VerifyingKey) -> Result<NoteVerifier, NoteError> {
        let name = name.into();
        check_key_name(&name)?;
        let key_id = key_id(&name, &key);
        Ok(NoteVerifier { name, key_id, key, not_before: None, not_after: None })
    }

    /// The verifier key form `<name>+<hex key ID>+<base64(0x01 || public key)>`; the key ID must
    /// be the one the name and key give.
    pub fn parse(text: &str) -> Result<NoteVerifier, NoteError> {
        let bad = |reason| NoteError::MalformedVerifierKey { text: text.to_owned(), reason };
        let mut parts = text.trim_end().splitn(3, '+');
        let (Some(name), Some(id), Some(b64)) = (parts.next(), parts.next(), parts.next()) else {
            return Err(bad("it is not <name>+<key ID>+<key>"));
        };
        let given = parse_key_id(id).ok_or_else(|| bad("the key ID is not 8 hex digits"))?;
        let raw = BASE64.decode(b64).map_err(|_| bad("the key is not base64"))?;
        let (&alg, key) = raw.split_first().ok_or_else(|| bad("the key is empty"))?;
        if alg != ALG_ED25519 {
            return Err(NoteError::UnknownAlgorithm(alg));
        }
        let key: [u8; 32] = key.try_into().map_err(|_| bad("an Ed25519 public key is 32 bytes"))?;
        let key = VerifyingKey::from_bytes(&key).map_err(|_| bad("not an Ed25519 public key"))?;
        let verifier = NoteVerifier::new(name, key)?;
        if verifier.key_id != given {
            return Err(NoteError::KeyIdMismatch { name: verifier.name, given, computed: verifier.key_id });
        }
        Ok(verifier)
    }

    /// This key signs only notes issued at or after `at`.
    pub fn valid_from(mut self, at: Timestamp) -> NoteVerifier {
        self.not_before = Some(at);
        self
    }

    /// This key was retired at `at`: notes it signed before stay valid, later ones are refused.
    pub fn retired_at(mut self, at: Timestamp) -> NoteVerifier {
        self.not_after = Some(at);
        self
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    pub fn key_id(&self) -> u32 {
        self.key_id
    }

    pub fn key(&self) -> &VerifyingKey {
        &self.key
    }

    pub fn not_before(&self) -> Option<Timestamp> {
        self.not_before
    }

    pub fn not_after(&self) -> Option<Timestamp> {
        self.not_after
    }

    /// Whether `signature` is this key's signature of `text`. Strict verification: no
    /// malleable signatures, no weak keys.
    pub fn verify(&self, text: &str, signature: &NoteSignature) -> bool {
        if signature.name != self.name || signature.key_id != self.key_id {
            return false;
        }
        let Ok(bytes) = <[u8; 64]>::try_from(signature.signature.as_slice()) else {
            return false;
        };
        self.key.verify_strict(text.as_bytes(), &Signature::from_bytes(&bytes)).is_ok()
    }

    fn window_error(&self, issued_at: Timestamp) -> Option<NoteError> {
        let (name, key_id) = (self.name.clone(), self.key_id);
        if let Some(not_after) = self.not_after
            && issued_at > not_after
        {
            return Some(NoteError::KeyRetired { name, key_id, not_after, issued_at });
        }
        if let Some(not_before) = self.not_before
            && issued_at < not_before
        {
            return Some(NoteError::KeyNotYetValid { name, key_id, not_before, issued_at });
        }
        None
    }
}

impl fmt::Display for NoteVerifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut raw = vec![ALG_ED25519];
        raw.extend_from_slice(self.key.as_bytes());
        write!(f, "{}+{:08x}+{}", self.name, self.key_id, BASE64.encode(raw))
    }
}

/// The keys a verifier trusts: the current one and retired ones, each with its window.
#[derive(Debug, Clone, Default)]
pub struct Keyring {
    keys: Vec<NoteVerifier>,
}

impl Keyring {
    /// A keyring; two keys with the same name and key ID would make signatures ambiguous.
    pub fn new(keys: Vec<NoteVerifier>) -> Result<Keyring, NoteError> {
        for (i, key) in keys.iter().enumerate() {
            if keys[..i].iter().any(|other| other.name == key.name && other.key_id == key.key_id) {
                return Err(NoteError::DuplicateKey { name: key.name.clone(), key_id: key.key_id });
            }
        }
        Ok(Keyring { keys })
    }

    pub fn keys(&self) -> &[NoteVerifier] {
        &self.keys
    }

    fn find(&self, name: &str, key_id: u32) -> Option<&NoteVerifier> {
        self.keys.iter().find(|key| key.name == name && key.key_id == key_id)
    }

    /// The key that vouches for `note`. Per signed-note §Signatures: signatures by unknown keys
    /// are ignored; a bad signature by a known key rejects the whole note; at least one known
    /// key's signature must verify. With `issued_at`, that key must also have been valid then, so
    /// a status signed before a key was retired keeps verifying and a later one does not.
    pub fn verify(&self, note: &SignedNote, issued_at: Option<Timestamp>) -> Result<&NoteVerifier, NoteError> {
        let mut accepted = None;
        let mut out_of_window = None;
        for signature in &note.signatures {
            let Some(key) = self.find(&signature.name, signature.key_id) else { continue };
            if !key.verify(&note.text, signature) {
                return Err(NoteError::BadSignature { name: key.name.clone(), key_id: key.key_id });
            }
            match issued_at.and_then(|at| key.window_error(at)) {
                Some(error) => out_of_window = out_of_window.or(Some(error)),
                None => accepted = accepted.or(Some(key)),
            }
        }
        if let Some(key) = accepted {
            return Ok(key);
        }
        Err(out_of_window.unwrap_or_else(|| NoteError::UnknownKey {
            signers: note
                .signatures
                .iter()
                .map(|s| format!("{}+{:08x}", s.name, s.key_id))
                .collect::<Vec<_>>()
                .join(", "),
        }))
    }
}
