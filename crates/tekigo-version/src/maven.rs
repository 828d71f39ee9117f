//! Maven versions, ordered as Maven's `ComparableVersion` orders them: the 3.8 algorithm with two
//! corrections of 3.9 (a final `.qualifier` counts as `-qualifier`; a nested list is compared with
//! "nothing" item by item, MNG-6964). 3.9's "combination items" (`alpha1` as one token) are not
//! implemented; they change the order only of unusual versions.
//!
//! Maven's order is not a total order on every string. A qualifier sorts below any nested list,
//! while "nothing" sorts between them, so `sp` > `0` > `0-alpha` and yet `sp` < `0-alpha`.
//! Realistic versions (numbers, then an optional qualifier with a number, a build number,
//! `-SNAPSHOT`) are ordered consistently (property-tested); this module stays faithful to Maven
//! rather than repair such cases, since matching must agree with what Maven itself resolves.
//!
//! The version is lowercased and cut at `.`, at `-` and where digits and letters meet; a `-` or
//! a digit/letter change opens a nested list. Numbers compare as numbers; qualifiers rank
//! `alpha` < `beta` < `milestone` < `rc` = `cr` < `snapshot` < `""` = `ga` = `final` = `release`
//! < `sp` < any other word (those alphabetically). `a`, `b` and `m` directly followed by a digit
//! mean `alpha`, `beta` and `milestone`. Trailing "null" items (`0`, `""`, `ga`, …) are dropped,
//! so `1` = `1.0` = `1.0.0` = `1-ga`. Between kinds: number > nested list > qualifier, so
//! `1-alpha` < `1` < `1-sp` < `1-1` < `1.1`.
//!
//! Only ASCII digits count as digits (Java's `Character.isDigit` also takes other scripts').

use std::cmp::Ordering;

use crate::num::cmp_digits;
use crate::{Scheme, VersionError};

/// Nesting deeper than this is refused, so that no input can exhaust the stack.
const MAX_DEPTH: usize = 64;

/// A parsed Maven version.
#[derive(Debug, Clone)]
pub struct MavenVersion {
    items: Vec<Item>,
}

#[derive(Debug, Clone)]
enum Item {
    /// Digits without leading zeros ("" for zero).
    Int(String),
    /// A qualifier, aliases resolved.
    Str(String),
    List(Vec<Item>),
}

const QUALIFIERS: [&str; 7] = ["alpha", "beta", "milestone", "rc", "snapshot", "", "sp"];
/// The rank of the release qualifier `""`.
const RELEASE: usize = 5;

/// A qualifier's place: known ones by rank, unknown ones after all of them, alphabetically.
fn qualifier_key(q: &str) -> (usize, &str) {
    match QUALIFIERS.iter().position(|k| *k == q) {
        Some(rank) => (rank, ""),
        None => (QUALIFIERS.len(), q),
    }
}

fn string_item(text: &str, followed_by_digit: bool) -> Item {
    let text = match text {
        "a" if followed_by_digit => "alpha",
        "b" if followed_by_digit => "beta",
        "m" if followed_by_digit => "milestone",
        "ga" | "final" | "release" => "",
        "cr" => "rc",
        other => other,
    };
    Item::Str(text.to_owned())
}

fn parse_item(is_digit: bool, text: &str) -> Item {
    if is_digit { Item::Int(text.trim_start_matches('0').to_owned()) } else { string_item(text, false) }
}

impl Item {
    fn is_null(&self) -> bool {
        match self {
            Item::Int(digits) => digits.is_empty(),
            Item::Str(q) => q.is_empty(),
            Item::List(items) => items.is_empty(),
        }
    }

    /// Compares with an item, or with "nothing" (`None`) where the other list ran out.
    fn cmp_item(&self, other: Option<&Item>) -> Ordering {
        match (self, other) {
            (Item::Int(a), None) => {
                if a.is_empty() {
                    Ordering::Equal
                } else {
                    Ordering::Greater
                }
            }
            (Item::Int(a), Some(Item::Int(b))) => cmp_digits(a, b),
            (Item::Int(_), Some(_)) => Ordering::Greater,
            (Item::Str(a), None) => qualifier_key(a).cmp(&(RELEASE, "")),
            (Item::Str(a), Some(Item::Str(b))) => qualifier_key(a).cmp(&qualifier_key(b)),
            (Item::Str(_), Some(_)) => Ordering::Less,
            // Every item against null, not only the first (Maven 3.9, MNG-6964).
            (Item::List(items), None) => cmp_lists(items, &[]),
            (Item::List(_), Some(Item::Int(_))) => Ordering::Less,
            (Item::List(_), Some(Item::Str(_))) => Ordering::Greater,
            (Item::List(a), Some(Item::List(b))) => cmp_lists(a, b),
        }
    }
}

fn cmp_lists(a: &[Item], b: &[Item]) -> Ordering {
    for k in 0..a.len().max(b.len()) {
        let ord = match (a.get(k), b.get(k)) {
            (Some(l), r) => l.cmp_item(r),
            (None, Some(r)) => r.cmp_item(None).reverse(),
            (None, None) => Ordering::Equal,
        };
        if ord != Ordering::Equal {
            return ord;
        }
    }
    Ordering::Equal
}

/// Drops trailing null items, looking past (non-null) nested lists, as Maven does.
fn normalize(items: &mut Vec<Item>) {
    let mut i = items.len();
    while i > 0 {
        i -= 1;
        if items[i].is_null() {
            items.remove(i);
        } else if !matches!(items[i], Item::List(_)) {
            break;
        }
    }
}

/// The lists under construction, outermost first; new items go to the innermost.
struct Builder {
    stack: Vec<Vec<Item>>,
}

impl Builder {
    fn push(&mut self, item: Item) {
        if let Some(top) = self.stack.last_mut() {
            top.push(item);
        }
    }

    fn open(&mut self) {
        self.stack.push(Vec::new());
    }

    /// Closes every list from the innermost out, normalizing each, and returns the root.
    fn finish(mut self) -> Vec<Item> {
        while self.stack.len() > 1 {
            let mut inner = self.stack.pop().unwrap_or_default();
            normalize(&mut inner);
            self.push(Item::List(inner));
        }
        let mut root = self.stack.pop().unwrap_or_default();
        normalize(&mut root);
        root
    }
}

impl MavenVersion {
    /// Reads a Maven version. Almost any text is one.
    ///
    /// # Errors
    /// An empty version, or one that nests lists deeper than 64 (`-` and digit/letter changes).
    pub fn parse(text: &str) -> Result<Self, VersionError> {
        let v = text.trim().to_lowercase();
        if v.is_empty() {
            return Err(VersionError::new(Scheme::Maven, text, "empty version"));
        }
        // Maven builds lists by appending the new (empty) list to its parent before filling it;
        // here each open list is on the stack and is appended to its parent when closed.
        let mut b = Builder { stack: vec![Vec::new()] };
        let mut is_digit = false;
        let mut start = 0; // byte offset
        for (i, c) in v.char_indices() {
            if b.stack.len() > MAX_DEPTH {
                return Err(VersionError::new(Scheme::Maven, text, "too many '-' or digit/letter changes"));
            }
            if c == '.' {
                b.push(if i == start { Item::Int(String::new()) } else { parse_item(is_digit, &v[start..i]) });
                start = i + 1;
            } else if c == '-' {
                b.push(if i == start { Item::Int(String::new()) } else { parse_item(is_digit, &v[start..i]) });
                start = i + 1;
                b.open();
            } else if c.is_ascii_digit() {
                if !is_digit && i > start {
                    b.push(string_item(&v[start..i], true));
                    start = i;
                    b.open();
                }
                is_digit = true;
            } else {
                if is_digit && i > start {
                    b.push(parse_item(true, &v[start..i]));
                    start = i;
                    b.open();
                }
                is_digit = false;
            }
        }
        if v.len() > start {
            // A final qualifier after '.' counts as after '-': 1.foo = 1-foo (Maven 3.9).
            if !is_digit && b.stack.last().is_some_and(|top| !top.is_empty()) {
                b.open();
            }
            b.push(parse_item(is_digit, &v[start..]));
        }
        Ok(Self { items: b.finish() })
    }
}

impl Ord for MavenVersion {
    fn cmp(&self, other: &Self) -> Ordering {
        cmp_lists(&self.items, &other.items)
    }
}

impl PartialOrd for MavenVersion {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl PartialEq for MavenVersion {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}

impl Eq for MavenVersion {}
