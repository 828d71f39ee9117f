//! Alpine (apk) versions: `digits{.digits}[letter]{_suffix[digits]}[~hash][-rN]`, ordered as apk
//! orders them.
//!
//! Token by token: numbers compare as numbers (a `.` component with a leading zero compares as a
//! string, as in Gentoo), the letter by its character, suffixes by rank (`_alpha` < `_beta` <
//! `_pre` < `_rc` < *none* < `_cvs` < `_svn` < `_git` < `_hg` < `_p`). Where one version has a
//! token the other lacks, a pre-release suffix makes it older; otherwise the one whose next token
//! comes *earlier* in the grammar is newer, so
//! `1.2.3_rc1` < `1.2.3` < `1.2.3-r1` < `1.2.3_p1` < `1.2.3a` < `1.2.3.1`.

use std::cmp::Ordering;

use crate::num::cmp_digits;
use crate::{Scheme, VersionError};

/// Token kinds in grammar order; `End` stands for "no more tokens".
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Kind {
    InitialDigit,
    Digit,
    Letter,
    Suffix,
    SuffixNo,
    Hash,
    Revision,
    End,
}

const PRE_SUFFIXES: [&str; 4] = ["alpha", "beta", "pre", "rc"];
const POST_SUFFIXES: [&str; 5] = ["cvs", "svn", "git", "hg", "p"];
/// The rank of "no suffix": pre-release suffixes rank below it, post-release ones above.
const NO_SUFFIX: u8 = 4;

#[derive(Debug, Clone)]
struct Token {
    kind: Kind,
    text: String,
    /// For `Kind::Suffix`: its rank (0..=3 pre-release, 5.. post-release).
    rank: u8,
}

/// A validated apk version.
#[derive(Debug, Clone)]
pub struct AlpineVersion {
    tokens: Vec<Token>,
}

impl AlpineVersion {
    /// Reads an apk version; surrounding spaces are ignored.
    ///
    /// # Errors
    /// Anything apk itself would reject (`apk version -c`): it must start with a digit, letters are
    /// lowercase, a suffix is one of the ten known, `-` only as `-rN` at the end, and so on.
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let err = |message: &str| VersionError::new(Scheme::Alpine, text, message);
        let s = text.trim();
        let b = s.as_bytes();
        let digits_end = |from: usize| from + b[from..].iter().take_while(|c| c.is_ascii_digit()).count();

        let mut tokens = Vec::new();
        let first = digits_end(0);
        if first == 0 {
            return Err(err("must start with a digit"));
        }
        tokens.push(Token { kind: Kind::InitialDigit, text: s[..first].to_owned(), rank: 0 });
        let mut i = first;
        let mut prev = Kind::InitialDigit;
        while i < b.len() {
            let token = match b[i] {
                b'a'..=b'z' if prev <= Kind::Digit => {
                    i += 1;
                    Token { kind: Kind::Letter, text: s[i - 1..i].to_owned(), rank: 0 }
                }
                b'.' if prev <= Kind::Digit => {
                    let end = digits_end(i + 1);
                    if end == i + 1 {
                        return Err(err("'.' must be followed by digits"));
                    }
                    let t = Token { kind: Kind::Digit, text: s[i + 1..end].to_owned(), rank: 0 };
                    i = end;
                    t
                }
                b'0'..=b'9' if prev == Kind::Suffix => {
                    let end = digits_end(i);
                    let t = Token { kind: Kind::SuffixNo, text: s[i..end].to_owned(), rank: 0 };
                    i = end;
                    t
                }
                b'_' if prev <= Kind::SuffixNo => {
                    let start = i + 1;
                    let end = start + b[start..].iter().take_while(|c| c.is_ascii_lowercase()).count();
                    let word = &s[start..end];
                    let rank = suffix_rank(word).ok_or_else(|| err(&format!("unknown suffix _{word}")))?;
                    i = end;
                    Token { kind: Kind::Suffix, text: word.to_owned(), rank }
                }
                b'~' if prev < Kind::Hash => {
                    let start = i + 1;
                    let end = start + b[start..].iter().take_while(|c| c.is_ascii_hexdigit()).count();
                    if end == start {
                        return Err(err("'~' must be followed by a commit hash"));
                    }
                    i = end;
                    Token { kind: Kind::Hash, text: s[start..end].to_owned(), rank: 0 }
                }
                b'-' if prev < Kind::Revision && b.get(i + 1) == Some(&b'r') => {
                    let end = digits_end(i + 2);
                    if end == i + 2 {
                        return Err(err("'-r' must be followed by digits"));
                    }
                    let t = Token { kind: Kind::Revision, text: s[i + 2..end].to_owned(), rank: 0 };
                    i = end;
                    t
                }
                _ => {
                    let rest: String = s[i..].chars().take(8).collect();
                    return Err(err(&format!("unexpected {rest:?}")));
                }
            };
            prev = token.kind;
            tokens.push(token);
        }
        Ok(Self { tokens })
    }
}

fn suffix_rank(word: &str) -> Option<u8> {
    if let Some(i) = PRE_SUFFIXES.iter().position(|s| *s == word) {
        return u8::try_from(i).ok();
    }
    POST_SUFFIXES.iter().position(|s| *s == word).and_then(|i| u8::try_from(i).ok()).map(|i| i + NO_SUFFIX + 1)
}

fn cmp_tokens(a: &Token, b: &Token) -> Ordering {
    match a.kind {
        Kind::Digit if a.text.starts_with('0') || b.text.starts_with('0') => a.text.cmp(&b.text),
        Kind::InitialDigit | Kind::Digit | Kind::SuffixNo | Kind::Revision => cmp_digits(&a.text, &b.text),
        Kind::Suffix => a.rank.cmp(&b.rank),
        Kind::Letter | Kind::Hash | Kind::End => a.text.cmp(&b.text),
    }
}

impl Ord for AlpineVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        let mut k = 0;
        loop {
            let (a, b) = (self.tokens.get(k), other.tokens.get(k));
            let kind_a = a.map_or(Kind::End, |t| t.kind);
            let kind_b = b.map_or(Kind::End, |t| t.kind);
            match (a, b) {
                (Some(a), Some(b)) if kind_a == kind_b => {
                    let ord = cmp_tokens(a, b);
                    if ord != Ordering::Equal {
                        return ord;
                    }
                    k += 1;
                    continue;
                }
                (None, None) => return Ordering::Equal,
                _ => {}
            }
            // The versions part here. A pre-release suffix is older than anything else;
            // otherwise the token earlier in the grammar is newer.
            if a.is_some_and(|t| t.kind == Kind::Suffix && t.rank < NO_SUFFIX) {
                return Ordering::Less;
            }
            if b.is_some_and(|t| t.kind == Kind::Suffix && t.rank < NO_SUFFIX) {
                return Ordering::Greater;
            }
            return kind_b.cmp(&kind_a);
        }
    }
}

impl PartialOrd for AlpineVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for AlpineVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for AlpineVersion {}
