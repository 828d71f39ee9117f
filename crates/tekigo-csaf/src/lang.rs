//! Language tags (BCP 47, RFC 5646) for CSAF 2.0 §6.1.12: well-formed, and made of subtags that
//! exist.
//!
//! Existence is checked for the language, extended language, script and region subtags against
//! `data/subtags.txt` (generated from ISO 639, 15924 and 3166-1, which the IANA registry takes
//! them from; see `scripts/csaf-subtags.py`) and the private-use ranges. Variant and extension
//! subtags are only checked for their form: their registry is not available offline.

use std::collections::HashSet;
use std::sync::LazyLock;

const SUBTAGS: &str = include_str!("../data/subtags.txt");

struct Known {
    languages: HashSet<&'static str>,
    scripts: HashSet<String>,
    regions: HashSet<&'static str>,
}

static KNOWN: LazyLock<Known> = LazyLock::new(|| {
    let list = |kind: &str| {
        SUBTAGS
            .lines()
            .find_map(|line| line.strip_prefix(kind).and_then(|rest| rest.strip_prefix(' ')))
            .unwrap_or_default()
            .split(' ')
    };
    Known {
        languages: list("language").collect(),
        scripts: list("script").map(str::to_ascii_lowercase).collect(),
        regions: list("region").collect(),
    }
});

/// Tags of RFC 5646 §2.2.8 that do not follow the grammar but are registered whole.
const GRANDFATHERED: [&str; 26] = [
    "en-gb-oed",
    "i-ami",
    "i-bnn",
    "i-default",
    "i-enochian",
    "i-hak",
    "i-klingon",
    "i-lux",
    "i-mingo",
    "i-navajo",
    "i-pwn",
    "i-tao",
    "i-tay",
    "i-tsu",
    "sgn-be-fr",
    "sgn-be-nl",
    "sgn-ch-de",
    "art-lojban",
    "cel-gaulish",
    "no-bok",
    "no-nyn",
    "zh-guoyu",
    "zh-hakka",
    "zh-min",
    "zh-min-nan",
    "zh-xiang",
];

/// Why `tag` is not a valid language tag, or `None` when it is.
pub(crate) fn problem(tag: &str) -> Option<String> {
    let lower = tag.to_ascii_lowercase();
    if GRANDFATHERED.contains(&lower.as_str()) {
        return None;
    }
    let subtags: Vec<&str> = lower.split('-').collect();
    if subtags.iter().any(|s| s.is_empty() || s.len() > 8 || !s.bytes().all(|b| b.is_ascii_alphanumeric())) {
        return Some("is not a well-formed language tag".into());
    }
    let alpha = |s: &str| s.bytes().all(|b| b.is_ascii_alphabetic());
    let digit = |s: &str| s.bytes().all(|b| b.is_ascii_digit());
    let mut rest = subtags.as_slice();
    if rest[0] == "x" {
        return private_use(&rest[1..]);
    }

    let language = rest[0];
    if !alpha(language) || !(2..=8).contains(&language.len()) {
        return Some(format!("the primary language subtag {language:?} is not 2 to 8 letters"));
    }
    if !language_exists(language) {
        return Some(format!("the language subtag {language:?} does not exist"));
    }
    rest = &rest[1..];
    // Extended language subtags (up to three) only follow a 2–3 letter language.
    let mut extlangs = 0;
    while language.len() <= 3 && extlangs < 3 && rest.first().is_some_and(|s| s.len() == 3 && alpha(s)) {
        if !language_exists(rest[0]) {
            return Some(format!("the extended language subtag {:?} does not exist", rest[0]));
        }
        extlangs += 1;
        rest = &rest[1..];
    }
    if let Some(&script) = rest.first().filter(|s| s.len() == 4 && alpha(s)) {
        if !KNOWN.scripts.contains(script) && !("qaaa"..="qabx").contains(&script) {
            return Some(format!("the script subtag {script:?} does not exist"));
        }
        rest = &rest[1..];
    }
    if let Some(&region) = rest.first().filter(|s| (s.len() == 2 && alpha(s)) || (s.len() == 3 && digit(s))) {
        let upper = region.to_ascii_uppercase();
        let private =
            upper == "AA" || upper == "ZZ" || ("QM"..="QZ").contains(&upper.as_str()) || upper.starts_with('X');
        if !KNOWN.regions.contains(upper.as_str()) && !private {
            return Some(format!("the region subtag {region:?} does not exist"));
        }
        rest = &rest[1..];
    }
    let mut variants = HashSet::new();
    while let Some(&variant) = rest.first() {
        let starts_with_digit = variant.as_bytes()[0].is_ascii_digit();
        if !((5..=8).contains(&variant.len()) || (variant.len() == 4 && starts_with_digit)) {
            break;
        }
        if !variants.insert(variant) {
            return Some(format!("the variant {variant:?} is repeated"));
        }
        rest = &rest[1..];
    }
    let mut singletons = HashSet::new();
    while let Some(&singleton) = rest.first().filter(|s| s.len() == 1 && **s != "x") {
        if !singletons.insert(singleton) {
            return Some(format!("the extension {singleton:?} is repeated"));
        }
        let values = rest[1..].iter().take_while(|s| s.len() >= 2).count();
        if values == 0 {
            return Some(format!("the extension {singleton:?} has no subtags"));
        }
        rest = &rest[1 + values..];
    }
    match rest.first() {
        None => None,
        Some(&"x") => private_use(&rest[1..]),
        Some(other) => Some(format!("the subtag {other:?} is out of place")),
    }
}

fn private_use(subtags: &[&str]) -> Option<String> {
    if subtags.is_empty() { Some("the private use part is empty".into()) } else { None }
}

fn language_exists(code: &str) -> bool {
    KNOWN.languages.contains(code) || (code.len() == 3 && ("qaa"..="qtz").contains(&code))
}

#[cfg(test)]
mod tests {
    use super::problem;

    #[test]
    fn valid_tags() {
        for tag in [
            "en",
            "EN",
            "ja",
            "ja-JP",
            "en-US",
            "de-CH-1996",
            "zh-Hant-TW",
            "zh-yue-HK",
            "sr-Latn-RS",
            "es-419",
            "x-private",
            "en-x-tekigo",
            "i-default",
            "en-GB-oed",
            "qaa",
            "en-a-bbb-x-a-ccc",
            "fil",
            "gsw",
        ] {
            assert_eq!(problem(tag), None, "{tag}");
        }
    }

    #[test]
    fn invalid_tags() {
        for tag in [
            "",
            "e",
            "en-",
            "-en",
            "en--US",
            "EZ",
            "en-EZ",
            "xx",
            "eng",
            "en-Xyzw",
            "en-US-US",
            "de-1996-1996",
            "en-a",
            "en-a-bb-a-cc",
            "abcdefghi",
            "abcde",
            "en_US",
            "日本語",
            "x",
            "en-x",
        ] {
            assert!(problem(tag).is_some(), "{tag}");
        }
    }
}
