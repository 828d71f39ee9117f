//! Debian (and Ubuntu) versions, ordered as dpkg orders them.
//!
//! A version is `[epoch:]upstream[-revision]`: the epoch is a number (0 when absent), the revision
//! is what follows the last `-` ("" when absent, which orders like "0"). Upstream and revision are
//! compared by dpkg's algorithm: alternately a run of non-digits, compared character by character
//! with letters before other characters and `~` before everything (even the end), then a run of
//! digits, compared as a number. So `1.0~rc1` < `1.0` < `1.0+b1` < `1.0a`.

use std::cmp::Ordering;

use crate::num::{cmp_digits, is_digits};
use crate::{Scheme, VersionError};

/// A Debian version, split into its three parts.
#[derive(Debug, Clone)]
pub struct DebianVersion {
    epoch: String,
    upstream: String,
    revision: String,
}

impl DebianVersion {
    /// Reads `[epoch:]upstream[-revision]`.
    ///
    /// # Errors
    /// A non-numeric epoch, an empty upstream version or revision, or a character dpkg does not allow
    /// (upstream: letters, digits and `.+-~:`; revision: letters, digits and `.+~`).
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let err = |message: &str| VersionError::new(Scheme::Debian, text, message);
        let v = text.trim();
        if v.is_empty() {
            return Err(err("empty version"));
        }
        let (epoch, rest) = match v.split_once(':') {
            Some((epoch, rest)) => {
                if !is_digits(epoch) {
                    return Err(err("the epoch before ':' must be a number"));
                }
                (epoch, rest)
            }
            None => ("0", v),
        };
        let (upstream, revision) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(err("empty revision after '-'")),
            Some((upstream, revision)) => (upstream, revision),
            None => (rest, ""),
        };
        if upstream.is_empty() {
            return Err(err("empty upstream version"));
        }
        if let Some(c) = upstream.chars().find(|c| !(c.is_ascii_alphanumeric() || ".+-~:".contains(*c))) {
            return Err(err(&format!("character {c:?} is not allowed in the upstream version")));
        }
        if let Some(c) = revision.chars().find(|c| !(c.is_ascii_alphanumeric() || ".+~".contains(*c))) {
            return Err(err(&format!("character {c:?} is not allowed in the revision")));
        }
        Ok(Self { epoch: epoch.to_owned(), upstream: upstream.to_owned(), revision: revision.to_owned() })
    }
}

impl Ord for DebianVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| verrevcmp(self.upstream.as_bytes(), other.upstream.as_bytes()))
            .then_with(|| verrevcmp(self.revision.as_bytes(), other.revision.as_bytes()))
    }
}

impl PartialOrd for DebianVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for DebianVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for DebianVersion {}

/// The weight of one character in a non-digit run; the end of the string weighs 0.
fn weight(c: Option<u8>) -> i32 {
    match c {
        None => 0,
        Some(b'~') => -1,
        Some(c) if c.is_ascii_digit() => 0,
        Some(c) if c.is_ascii_alphabetic() => i32::from(c),
        Some(c) => i32::from(c) + 256,
    }
}

/// dpkg's comparison of an upstream version or a revision.
fn verrevcmp(a: &[u8], b: &[u8]) -> Ordering {
    let digit_at = |s: &[u8], i: usize| s.get(i).is_some_and(u8::is_ascii_digit);
    let (mut i, mut j) = (0, 0);
    while i < a.len() || j < b.len() {
        while (i < a.len() && !digit_at(a, i)) || (j < b.len() && !digit_at(b, j)) {
            let (wa, wb) = (weight(a.get(i).copied()), weight(b.get(j).copied()));
            if wa != wb {
                return wa.cmp(&wb);
            }
            // Equal weights of a non-digit: both strings have a character here.
            i += 1;
            j += 1;
        }
        while a.get(i) == Some(&b'0') {
            i += 1;
        }
        while b.get(j) == Some(&b'0') {
            j += 1;
        }
        let mut first_diff = Ordering::Equal;
        while digit_at(a, i) && digit_at(b, j) {
            if first_diff == Ordering::Equal {
                first_diff = a[i].cmp(&b[j]);
            }
            i += 1;
            j += 1;
        }
        if digit_at(a, i) {
            return Ordering::Greater;
        }
        if digit_at(b, j) {
            return Ordering::Less;
        }
        if first_diff != Ordering::Equal {
            return first_diff;
        }
    }
    Ordering::Equal
}
