//! Signed tree heads as C2SP checkpoints (c2sp.org/tlog-checkpoint): the note text is the origin,
//! the tree size in decimal and the base64 root hash, one per line, then optional extension lines.

use jiff::Timestamp;

use crate::hash::Hash;
use crate::note::{Keyring, NoteError, NoteSigner, SignedNote, check_text};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checkpoint {
    /// The log's identity, e.g. `registry.example/translog`; also the signing key's name.
    pub origin: String,
    pub size: u64,
    pub root: Hash,
    /// Opaque lines after the root; tlog-checkpoint §Note text advises against them.
    pub extensions: Vec<String>,
}

impl Checkpoint {
    pub fn new(origin: impl Into<String>, size: u64, root: Hash) -> Checkpoint {
        Checkpoint { origin: origin.into(), size, root, extensions: Vec::new() }
    }

    /// The note text.
    pub fn to_text(&self) -> String {
        let mut text = format!("{}\n{}\n{}\n", self.origin, self.size, self.root.to_base64());
        for line in &self.extensions {
            text.push_str(line);
            text.push('\n');
        }
        text
    }

    /// Reads a checkpoint note text (not yet verified: see [`Checkpoint::open`]).
    pub fn parse(text: &str) -> Result<Checkpoint, NoteError> {
        check_text(text)?;
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        let bad = |line: usize, reason: &str| NoteError::MalformedLine { line, reason: reason.to_owned() };
        // tlog-checkpoint §Note text: at least three non-empty lines.
        if lines.len() < 3 {
            return Err(NoteError::Malformed("a checkpoint has at least three lines: origin, size, root hash"));
        }
        if let Some(i) = lines.iter().position(|line| line.is_empty()) {
            return Err(bad(i + 1, "empty line in a checkpoint"));
        }
        let size = parse_decimal(lines[1])
            .ok_or_else(|| bad(2, "the tree size is not a decimal number without leading zeros"))?;
        let root = Hash::from_base64(lines[2]).map_err(|_| bad(3, "the root hash is not 32 bytes of base64"))?;
        Ok(Checkpoint {
            origin: lines[0].to_owned(),
            size,
            root,
            extensions: lines[3..].iter().map(|line| (*line).to_owned()).collect(),
        })
    }

    /// Signs this checkpoint. The key's name should be the origin (tlog-checkpoint §Signatures).
    pub fn sign(&self, signer: &NoteSigner) -> Result<SignedNote, NoteError> {
        if self.origin != signer.name() {
            return Err(NoteError::OriginMismatch { origin: self.origin.clone(), key_name: signer.name().to_owned() });
        }
        if Checkpoint::parse(&self.to_text())? != *self {
            return Err(NoteError::Malformed("a field does not read back as written (a newline in it?)"));
        }
        signer.sign(&self.to_text())
    }

    /// Verifies `note` against `keyring` and reads its checkpoint. The key that vouches for it
    /// must be named as the origin, so one log's key cannot stand in for another log's head.
    pub fn open(note: &SignedNote, keyring: &Keyring, at: Option<Timestamp>) -> Result<Checkpoint, NoteError> {
        let checkpoint = Checkpoint::parse(&note.text)?;
        let key = keyring.verify(note, at)?;
        if key.name() != checkpoint.origin {
            return Err(NoteError::OriginMismatch { origin: checkpoint.origin, key_name: key.name().to_owned() });
        }
        Ok(checkpoint)
    }
}

/// ASCII decimal with no leading zeros, except `0` itself (tlog-checkpoint §Note text).
pub(crate) fn parse_decimal(text: &str) -> Option<u64> {
    let canonical =
        !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) && (text == "0" || !text.starts_with('0'));
    if canonical { text.parse().ok() } else { None }
}
