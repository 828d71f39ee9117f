//! RPM versions (`[epoch:]version[-release]`), ordered as `rpmvercmp` orders them.
//!
//! The epoch is a number (0 when absent); version and release are each compared by `rpmvercmp`: the
//! string is cut into runs of ASCII digits and runs of ASCII letters, anything else separates runs
//! and does not count; digits are compared as numbers and beat letters; `~` sorts before anything,
//! even the end (`1.0~rc1` < `1.0`), and `^` after the end but before anything else
//! (`1.0` < `1.0^git1` < `1.0.1`).
//!
//! A version without a release orders before the same version with any release (`1.2` <
//! `1.2-1.el9`), which is the cautious reading when matching a component against a fixed version.

use std::cmp::Ordering;

use crate::num::{cmp_digits, is_digits};
use crate::{Scheme, VersionError};

/// An RPM version, split into epoch, version and release.
#[derive(Debug, Clone)]
pub struct RpmVersion {
    epoch: String,
    version: Vec<Segment>,
    release: Vec<Segment>,
}

/// One unit of `rpmvercmp`, in the order it sorts: tilde < (end) < caret < letters < digits.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Segment {
    Tilde,
    Caret,
    Alpha(String),
    Num(NumRun),
}

/// A run of digits, ordered as a number.
#[derive(Debug, Clone, PartialEq, Eq)]
struct NumRun(String);

impl Ord for NumRun {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.0, &other.0)
    }
}

impl PartialOrd for NumRun {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl RpmVersion {
    /// Reads `[epoch:]version[-release]`.
    ///
    /// # Errors
    /// A non-numeric epoch, or an empty version or release.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let err = |message: &str| VersionError::new(Scheme::Rpm, text, message);
        let v = text.trim();
        let (epoch, rest) = match v.split_once(':') {
            Some((epoch, rest)) if is_digits(epoch) => (epoch, rest),
            Some(_) => return Err(err("the epoch before ':' must be a number")),
            None => ("0", v),
        };
        let (version, release) = match rest.rsplit_once('-') {
            Some((_, "")) => return Err(err("empty release after '-'")),
            Some((version, release)) => (version, release),
            None => (rest, ""),
        };
        if version.is_empty() {
            return Err(err("empty version"));
        }
        Ok(Self { epoch: epoch.to_owned(), version: segments(version), release: segments(release) })
    }
}

/// Cuts a version or release into `rpmvercmp` units.
fn segments(s: &str) -> Vec<Segment> {
    let bytes = s.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        let run_end = |pred: fn(&u8) -> bool| i + bytes[i..].iter().take_while(|b| pred(b)).count();
        if c == b'~' {
            out.push(Segment::Tilde);
            i += 1;
        } else if c == b'^' {
            out.push(Segment::Caret);
            i += 1;
        } else if c.is_ascii_digit() {
            let end = run_end(u8::is_ascii_digit);
            out.push(Segment::Num(NumRun(s[i..end].to_owned())));
            i = end;
        } else if c.is_ascii_alphabetic() {
            let end = run_end(u8::is_ascii_alphabetic);
            out.push(Segment::Alpha(s[i..end].to_owned()));
            i = end;
        } else {
            i += 1;
        }
    }
    out
}

/// `rpmvercmp` on segment lists: lexicographic, where the end sorts after `~` and before the rest.
fn rpmvercmp(a: &[Segment], b: &[Segment]) -> Ordering {
    for k in 0..a.len().max(b.len()) {
        let ord = match (a.get(k), b.get(k)) {
            (Some(x), Some(y)) => x.cmp(y),
            (Some(x), None) => end_vs(x),
            (None, Some(y)) => end_vs(y).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// How a segment orders against the end of the other string.
fn end_vs(segment: &Segment) -> Ordering {
    if *segment == Segment::Tilde { Ordering::Less } else { Ordering::Greater }
}

impl Ord for RpmVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.epoch, &other.epoch)
            .then_with(|| rpmvercmp(&self.version, &other.version))
            .then_with(|| rpmvercmp(&self.release, &other.release))
    }
}

impl PartialOrd for RpmVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for RpmVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for RpmVersion {}
