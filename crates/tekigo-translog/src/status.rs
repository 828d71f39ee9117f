//! A label's signed compact status: what a QR code on the product carries, checkable offline
//! against the registry's key and, online, against the log.
//!
//! The statement is a signed note whose text is, one field per line:
//!
//! ```text
//! tekigo-label-status/1
//! <label number>          JC1-2026-000123
//! <product>               the registry's product id (or name; one line)
//! <level>                 1
//! <status>                valid | expired | support-ended | suspended | revoked
//! <valid from>            2026-04-01
//! <valid until>           2028-03-31
//! <tree size>             the log size the status was issued against, decimal
//! <root hash>             that tree's root, base64
//! <issued at>             Unix seconds
//! ```
//!
//! Fields are positional (no keys) to keep the QR code small; the first line names the format
//! and its version, and a reader refuses any other.
//!
//! For a URL, [`encode_for_url`] packs the note without its text-form overhead (the signature
//! raw instead of base64, no em dash) and encodes it base64url without padding: the note text,
//! then per signature `0x00, name length, name, signature length, key ID || signature`. A note
//! text never contains 0x00, so the first 0x00 ends it; a later layout can start with a control
//! byte, which no note text starts with.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD as BASE64URL;
use jiff::Timestamp;
use jiff::civil::Date;

use crate::checkpoint::parse_decimal;
use crate::hash::Hash;
use crate::note::{Keyring, NoteError, NoteSigner, SignedNote, check_text};

/// The first line of a status note.
pub const STATUS_FORMAT: &str = "tekigo-label-status/1";

const STATUS_LINES: usize = 10;

pub use tekigo_base::Status;

/// The statement a status note signs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LabelStatus {
    pub label: String,
    pub product: String,
    pub level: String,
    pub status: Status,
    pub valid_from: Date,
    pub valid_until: Date,
    /// The log's size and root when the status was issued: the label's events up to then are in
    /// that tree, which a consistency proof ties to any later checkpoint.
    pub tree_size: u64,
    pub root: Hash,
    /// Also the time the signing key must have been valid at (see [`Keyring::verify`]).
    pub issued_at: Timestamp,
}

impl LabelStatus {
    pub fn to_text(&self) -> String {
        format!(
            "{STATUS_FORMAT}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n{}\n",
            self.label,
            self.product,
            self.level,
            self.status,
            self.valid_from,
            self.valid_until,
            self.tree_size,
            self.root.to_base64(),
            self.issued_at.as_second(),
        )
    }

    /// Reads a status note text (not yet verified: see [`LabelStatus::open`]).
    pub fn parse(text: &str) -> Result<LabelStatus, NoteError> {
        check_text(text)?;
        let lines: Vec<&str> = text[..text.len() - 1].split('\n').collect();
        if lines[0] != STATUS_FORMAT {
            return Err(NoteError::UnknownFormat { expected: STATUS_FORMAT, found: lines[0].to_owned() });
        }
        if lines.len() != STATUS_LINES {
            return Err(NoteError::Malformed("a tekigo-label-status/1 note has exactly 10 lines"));
        }
        let bad = |line: usize, reason: &str| NoteError::MalformedLine { line, reason: reason.to_owned() };
        let field = |line: usize, what: &str| {
            let text = lines[line - 1];
            if text.is_empty() || text.trim() != text {
                Err(bad(line, &format!("empty or padded {what}")))
            } else {
                Ok(text.to_owned())
            }
        };
        let date = |line: usize, what: &str| {
            // Only the canonical YYYY-MM-DD, so one status has one text and one signature.
            let text = lines[line - 1];
            text.parse::<Date>()
                .ok()
                .filter(|date| date.to_string() == text)
                .ok_or_else(|| bad(line, &format!("{what} is not a YYYY-MM-DD date")))
        };
        let issued = parse_decimal(lines[9])
            .and_then(|seconds| i64::try_from(seconds).ok())
            .and_then(|seconds| Timestamp::from_second(seconds).ok())
            .ok_or_else(|| bad(10, "the issue time is not Unix seconds"))?;
        Ok(LabelStatus {
            label: field(2, "label number")?,
            product: field(3, "product")?,
            level: field(4, "level")?,
            status: Status::parse(lines[4]).ok_or_else(|| bad(5, "unknown status"))?,
            valid_from: date(6, "the start of validity")?,
            valid_until: date(7, "the end of validity")?,
            tree_size: parse_decimal(lines[7]).ok_or_else(|| bad(8, "the tree size is not a decimal number"))?,
            root: Hash::from_base64(lines[8]).map_err(|_| bad(9, "the root hash is not 32 bytes of base64"))?,
            issued_at: issued,
        })
    }

    /// Signs the statement. Its fields must read back as they are (no newline in a field).
    pub fn sign(&self, signer: &NoteSigner) -> Result<SignedNote, NoteError> {
        let text = self.to_text();
        if LabelStatus::parse(&text)? != *self {
            return Err(NoteError::Malformed(
                "a field does not read back as written (a newline or padding in it, or a fraction of a second in the issue time?)",
            ));
        }
        signer.sign(&text)
    }

    /// Verifies `note` against `keyring` at the status's own issue time and reads it: a status
    /// signed by a key since retired stays valid if it was issued before the retirement.
    pub fn open(note: &SignedNote, keyring: &Keyring) -> Result<LabelStatus, NoteError> {
        let status = LabelStatus::parse(&note.text)?;
        keyring.verify(note, Some(status.issued_at))?;
        Ok(status)
    }
}

/// The note packed for a URL fragment or QR code: base64url, no padding (see the module docs).
pub fn encode_for_url(note: &SignedNote) -> String {
    let mut raw = Vec::with_capacity(note.text.len() + 80 * note.signatures.len());
    raw.extend_from_slice(note.text.as_bytes());
    for signature in &note.signatures {
        raw.push(0);
        // Names and Ed25519 signatures are far below 255 bytes; a longer one cannot be packed and
        // is cut, which then fails to verify rather than panicking.
        let name = &signature.name.as_bytes()[..signature.name.len().min(255)];
        raw.push(name.len() as u8);
        raw.extend_from_slice(name);
        let signed = signature.signature.len().min(251);
        raw.push((4 + signed) as u8);
        raw.extend_from_slice(&signature.key_id.to_be_bytes());
        raw.extend_from_slice(&signature.signature[..signed]);
    }
    BASE64URL.encode(raw)
}

/// The reverse of [`encode_for_url`]; the result is checked as [`SignedNote::parse`] checks a note.
pub fn decode_from_url(encoded: &str) -> Result<SignedNote, NoteError> {
    let raw = BASE64URL.decode(encoded.trim()).map_err(|_| NoteError::UrlEncoding("not base64url"))?;
    let end = raw.iter().position(|&b| b == 0).ok_or(NoteError::UrlEncoding("no signature"))?;
    let text = std::str::from_utf8(&raw[..end]).map_err(|_| NoteError::UrlEncoding("the text is not UTF-8"))?;
    let mut note = text.to_owned();
    note.push('\n');
    let mut rest = &raw[end..];
    while let Some((&0, tail)) = rest.split_first() {
        let (name, tail) = take_prefixed(tail).ok_or(NoteError::UrlEncoding("a signature is cut short"))?;
        let (signature, tail) = take_prefixed(tail).ok_or(NoteError::UrlEncoding("a signature is cut short"))?;
        let name = std::str::from_utf8(name).map_err(|_| NoteError::UrlEncoding("a key name is not UTF-8"))?;
        note.push_str("\u{2014} ");
        note.push_str(name);
        note.push(' ');
        note.push_str(&base64::engine::general_purpose::STANDARD.encode(signature));
        note.push('\n');
        rest = tail;
    }
    if !rest.is_empty() {
        return Err(NoteError::UrlEncoding("bytes after the last signature"));
    }
    SignedNote::parse(&note)
}

/// A length byte and that many bytes.
fn take_prefixed(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let (&len, rest) = bytes.split_first()?;
    let len = usize::from(len);
    (rest.len() >= len).then(|| rest.split_at(len))
}
