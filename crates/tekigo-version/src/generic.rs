//! The lenient scheme, for firmware and for ecosystems without rules of their own.
//!
//! A version is cut into runs of ASCII digits and runs of ASCII letters (lowercased); everything
//! else separates runs and does not count, except `~`, which marks what follows as a pre-release
//! (as in Debian). The runs are compared in turn, a missing run counting as "the end":
//!
//! `~` < pre-release word < *end* < other word < number
//!
//! - Numbers compare as numbers, words alphabetically, so OpenSSL's `1.1.1t` < `1.1.1w` <
//!   `1.1.1za` < `3.0.0`, and `5.15.0-91` > `5.15.0`.
//! - A letter run after a number makes a later version (`1.1.1w` > `1.1.1`), unless it is a
//!   pre-release word: `dev`, `alpha`, `beta`, `pre`, `preview`, `rc`, `cr`, `snapshot`
//!   (in that order), as in `2.0.0-rc1` < `2.0.0`.
//! - A leading `v` before a digit does not count: `v1.2` = `1.2`.
//! - Zero runs directly before the end, a pre-release word or `~` do not count: `1.0` = `1.0.0`,
//!   `1.0-rc1` = `1.0.0-rc1`.

use std::cmp::Ordering;

use crate::num::cmp_digits;
use crate::{Scheme, VersionError};

const PRE_WORDS: [&str; 8] = ["dev", "alpha", "beta", "pre", "preview", "rc", "cr", "snapshot"];

/// One run, in the order runs sort (the end of a version sorts between `Pre` and `Word`).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
enum Run {
    Tilde,
    /// A pre-release word, by rank.
    Pre(usize),
    Word(String),
    Num(Digits),
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Digits(String);

impl Ord for Digits {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_digits(&self.0, &other.0)
    }
}

impl PartialOrd for Digits {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// A version read leniently.
#[derive(Debug, Clone)]
pub struct GenericVersion {
    runs: Vec<Run>,
}

impl GenericVersion {
    /// Reads any text that has at least one ASCII letter or digit.
    ///
    /// # Errors
    /// Text without any ASCII letter or digit (empty, `-`, `*`).
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        // A leading `v` before a digit is a spelling, not part of the version: `v1.2` = `1.2`.
        let trimmed = text.trim_start();
        let body = match trimmed.strip_prefix(['v', 'V']) {
            Some(rest) if rest.starts_with(|c: char| c.is_ascii_digit()) => rest,
            _ => trimmed,
        };
        let b = body.as_bytes();
        let mut raw = Vec::new();
        let mut i = 0;
        while i < b.len() {
            let c = b[i];
            if c.is_ascii_digit() {
                let end = i + b[i..].iter().take_while(|c| c.is_ascii_digit()).count();
                raw.push(Run::Num(Digits(body[i..end].trim_start_matches('0').to_owned())));
                i = end;
            } else if c.is_ascii_alphabetic() {
                let end = i + b[i..].iter().take_while(|c| c.is_ascii_alphabetic()).count();
                let word = body[i..end].to_ascii_lowercase();
                raw.push(match PRE_WORDS.iter().position(|w| *w == word) {
                    Some(rank) => Run::Pre(rank),
                    None => Run::Word(word),
                });
                i = end;
            } else {
                if c == b'~' {
                    raw.push(Run::Tilde);
                }
                i += 1;
            }
        }
        if !raw.iter().any(|r| matches!(r, Run::Num(_) | Run::Word(_) | Run::Pre(_))) {
            return Err(VersionError::new(Scheme::Generic, text, "no letters or digits"));
        }
        // Drop zero runs that stand directly before the end, a pre-release word or '~'.
        let mut runs: Vec<Run> = Vec::with_capacity(raw.len());
        for run in raw {
            if matches!(run, Run::Tilde | Run::Pre(_)) {
                drop_trailing_zeros(&mut runs);
            }
            runs.push(run);
        }
        drop_trailing_zeros(&mut runs);
        Ok(Self { runs })
    }
}

fn drop_trailing_zeros(runs: &mut Vec<Run>) {
    while matches!(runs.last(), Some(Run::Num(Digits(d))) if d.is_empty()) {
        runs.pop();
    }
}

/// How a run orders against the end of the other version.
fn end_vs(run: &Run) -> Ordering {
    match run {
        Run::Tilde | Run::Pre(_) => Ordering::Less,
        Run::Word(_) | Run::Num(_) => Ordering::Greater,
    }
}

impl Ord for GenericVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        for k in 0..self.runs.len().max(other.runs.len()) {
            let ord = match (self.runs.get(k), other.runs.get(k)) {
                (Some(a), Some(b)) => a.cmp(b),
                (Some(a), None) => end_vs(a),
                (None, Some(b)) => end_vs(b).reverse(),
                (None, None) => Ordering::Equal,
            };
            if ord != Ordering::Equal {
                return ord;
            }
        }
        Ordering::Equal
    }
}

impl PartialOrd for GenericVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for GenericVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for GenericVersion {}
