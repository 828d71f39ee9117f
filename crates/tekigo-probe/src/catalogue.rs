//! The check catalogue, as data: every `data/checks-*.toml` (embedded at build time by
//! `build.rs`, so a file another check adds is picked up without a list kept by hand). Per check
//! id: severity, the requirements it bears on, the threats, a title in both languages, and the
//! verdict at each JC-STAR level (`verdicts`: this table IS the per-level policy).
//!
//! Loading validates everything at once and reports every problem with `file:line`: unknown keys,
//! duplicate ids (also across files), requirement IDs that the criteria catalog does not have,
//! unknown threats, levels or verdicts. `--policy FILE` overrides verdicts per check
//! ([`Catalogue::apply_policy`]).

use std::collections::BTreeMap;
use std::fmt;

use serde::Deserialize;
use tekigo_base::Text;
use toml::Spanned;

use crate::finding::{Severity, Verdict};

mod files {
    include!(concat!(env!("OUT_DIR"), "/check_files.rs"));
}

/// The JC-STAR levels every check must give a verdict for.
pub const LEVELS: [&str; 4] = ["1", "2", "3", "4"];

#[derive(Debug, Clone, PartialEq)]
pub struct Check {
    pub id: String,
    pub severity: Severity,
    /// `SCHEME/ID`, each known to the criteria catalog.
    pub requirements: Vec<String>,
    pub threats: Vec<String>,
    pub title: Text,
    /// Level ("1".."4") → verdict.
    pub verdicts: BTreeMap<String, Verdict>,
    /// Where it is defined: `data/checks-core.toml:42`.
    pub origin: String,
}

impl Check {
    /// The verdict at `level`; info for a level the catalogue does not know.
    pub fn verdict(&self, level: &str) -> Verdict {
        self.verdicts.get(level).copied().unwrap_or(Verdict::Info)
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    checks: BTreeMap<String, Check>,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{file}:{line}: {message}")]
pub struct CatalogueError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct CatalogueErrors(pub Vec<CatalogueError>);

impl fmt::Display for CatalogueErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let lines: Vec<String> = self.0.iter().map(ToString::to_string).collect();
        write!(f, "{}", lines.join("\n"))
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    check: Vec<RawCheck>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheck {
    id: Spanned<String>,
    severity: Severity,
    requirements: Vec<Spanned<String>>,
    threats: Vec<Spanned<String>>,
    title: Text,
    verdicts: Spanned<BTreeMap<String, Verdict>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPolicy {
    #[serde(default)]
    verdicts: BTreeMap<Spanned<String>, BTreeMap<String, Verdict>>,
}

fn line_of(text: &str, offset: usize) -> usize {
    text[..offset.min(text.len())].bytes().filter(|b| *b == b'\n').count() + 1
}

fn parse_error(file: &str, text: &str, error: &toml::de::Error) -> CatalogueError {
    CatalogueError {
        file: file.to_owned(),
        line: error.span().map_or(1, |span| line_of(text, span.start)),
        message: error.message().to_owned(),
    }
}

fn is_threat(id: &str) -> bool {
    id.strip_prefix('T').and_then(|n| n.parse::<u8>().ok()).is_some_and(|n| (1..=12).contains(&n))
}

impl Catalogue {
    /// The catalogue built into the binary, with requirement IDs checked against the built-in
    /// criteria catalog.
    ///
    /// # Errors
    /// Only if the built-in files are invalid, which the test suite rules out.
    pub fn builtin() -> Result<Catalogue, CatalogueErrors> {
        let criteria = tekigo_criteria::builtin().map_err(|errors| {
            CatalogueErrors(vec![CatalogueError {
                file: "criteria".into(),
                line: 1,
                message: format!("the criteria catalog does not load: {errors}"),
            }])
        })?;
        Catalogue::load(files::CHECK_FILES, |id| id.contains('/') && criteria.find_requirement(id).is_ok())
    }

    /// The names of the embedded files, for `--help` and tests.
    pub fn builtin_files() -> Vec<&'static str> {
        files::CHECK_FILES.iter().map(|(name, _)| *name).collect()
    }

    /// Loads `(file name, text)` pairs; `known_requirement` says whether a `SCHEME/ID` exists.
    ///
    /// # Errors
    /// Every problem found, each with file and line.
    pub fn load(
        files: &[(&str, &str)],
        known_requirement: impl Fn(&str) -> bool,
    ) -> Result<Catalogue, CatalogueErrors> {
        let mut errors = Vec::new();
        let mut checks: BTreeMap<String, Check> = BTreeMap::new();
        for (file, text) in files {
            let raw: RawFile = match toml::from_str(text) {
                Ok(raw) => raw,
                Err(error) => {
                    errors.push(parse_error(file, text, &error));
                    continue;
                }
            };
            for check in raw.check {
                let line = line_of(text, check.id.span().start);
                let mut error = |line: usize, message: String| {
                    errors.push(CatalogueError { file: (*file).to_owned(), line, message })
                };
                let id = check.id.get_ref().clone();
                if id.is_empty() || !id.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-') {
                    error(line, format!("check id `{id}`: use lowercase letters, digits and `-`"));
                }
                if let Some(previous) = checks.get(&id) {
                    error(line, format!("duplicate check id `{id}` (first defined at {})", previous.origin));
                    continue;
                }
                if check.requirements.is_empty() {
                    error(line, format!("check `{id}` names no requirement"));
                }
                for requirement in &check.requirements {
                    if !known_requirement(requirement.get_ref()) {
                        error(
                            line_of(text, requirement.span().start),
                            format!(
                                "check `{id}`: unknown requirement `{}` (write SCHEME/ID as in the criteria catalog, e.g. jc-star/S1.1-02)",
                                requirement.get_ref()
                            ),
                        );
                    }
                }
                for threat in &check.threats {
                    if !is_threat(threat.get_ref()) {
                        error(
                            line_of(text, threat.span().start),
                            format!("check `{id}`: unknown threat `{}` (T1..T12)", threat.get_ref()),
                        );
                    }
                }
                let verdicts_line = line_of(text, check.verdicts.span().start);
                let verdicts = check.verdicts.into_inner();
                for level in verdicts.keys().filter(|level| !LEVELS.contains(&level.as_str())) {
                    error(
                        verdicts_line,
                        format!("check `{id}`: unknown level `{level}` in verdicts (levels: 1, 2, 3, 4)"),
                    );
                }
                for level in LEVELS.iter().filter(|level| !verdicts.contains_key(**level)) {
                    error(verdicts_line, format!("check `{id}`: no verdict for level {level}"));
                }
                checks.insert(
                    id.clone(),
                    Check {
                        id,
                        severity: check.severity,
                        requirements: check.requirements.into_iter().map(Spanned::into_inner).collect(),
                        threats: check.threats.into_iter().map(Spanned::into_inner).collect(),
                        title: check.title,
                        verdicts,
                        origin: format!("{file}:{line}"),
                    },
                );
            }
        }
        if errors.is_empty() { Ok(Catalogue { checks }) } else { Err(CatalogueErrors(errors)) }
    }

    pub fn get(&self, id: &str) -> Option<&Check> {
        self.checks.get(id)
    }

    pub fn checks(&self) -> impl Iterator<Item = &Check> {
        self.checks.values()
    }

    /// Overrides verdicts from a policy file (see `policy.rs` for the format).
    ///
    /// # Errors
    /// A file that does not parse, an unknown check id or level, with file and line.
    pub fn apply_policy(&mut self, text: &str, file: &str) -> Result<(), CatalogueErrors> {
        let raw: RawPolicy =
            toml::from_str(text).map_err(|error| CatalogueErrors(vec![parse_error(file, text, &error)]))?;
        let mut errors = Vec::new();
        for (id, verdicts) in raw.verdicts {
            let line = line_of(text, id.span().start);
            let Some(check) = self.checks.get_mut(id.get_ref()) else {
                errors.push(CatalogueError {
                    file: file.into(),
                    line,
                    message: format!("unknown check id `{}`", id.get_ref()),
                });
                continue;
            };
            for (level, verdict) in verdicts {
                if LEVELS.contains(&level.as_str()) {
                    check.verdicts.insert(level, verdict);
                } else {
                    errors.push(CatalogueError {
                        file: file.into(),
                        line,
                        message: format!("check `{}`: unknown level `{level}` (levels: 1, 2, 3, 4)", id.get_ref()),
                    });
                }
            }
        }
        if errors.is_empty() { Ok(()) } else { Err(CatalogueErrors(errors)) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const GOOD: &str = r#"
[[check]]
id = "telnet-open"
severity = "high"
requirements = ["jc-star/S1.1-13"]
threats = ["T6"]
title = { en = "Telnet", ja = "Telnet" }
verdicts = { "1" = "fail", "2" = "fail", "3" = "fail", "4" = "fail" }
"#;

    fn known(id: &str) -> bool {
        id == "jc-star/S1.1-13"
    }

    #[test]
    fn the_builtin_catalogue_loads_and_every_requirement_exists() {
        let catalogue = Catalogue::builtin().unwrap_or_else(|errors| panic!("{errors}"));
        let criteria = tekigo_criteria::builtin().unwrap();
        for check in catalogue.checks() {
            for requirement in &check.requirements {
                assert!(criteria.find_requirement(requirement).is_ok(), "{}: {requirement}", check.id);
            }
            assert_eq!(check.verdicts.len(), 4, "{}", check.id);
        }
        assert!(Catalogue::builtin_files().contains(&"data/checks-core.toml"));
        for id in [
            "service-open",
            "telnet-open",
            "ftp-cleartext",
            "http-login-cleartext",
            "default-credential",
            "ftp-anonymous",
            "mqtt-anonymous",
            "no-brute-force-protection",
            "brute-force-protection",
        ] {
            assert!(catalogue.get(id).is_some(), "{id}");
        }
        let default = catalogue.get("default-credential").unwrap();
        assert!(default.requirements.contains(&"jc-star/S1.1-02".to_owned()));
        assert_eq!(default.verdict("1"), Verdict::Fail);
    }

    #[test]
    fn duplicates_across_files_are_reported_with_both_places() {
        let errors = Catalogue::load(&[("a.toml", GOOD), ("b.toml", GOOD)], known).unwrap_err();
        assert_eq!(errors.0.len(), 1);
        assert_eq!(errors.0[0].to_string(), "b.toml:3: duplicate check id `telnet-open` (first defined at a.toml:3)");
    }

    #[test]
    fn unknown_requirements_threats_and_levels_are_reported_with_lines() {
        let bad = GOOD
            .replace("jc-star/S1.1-13", "jc-star/S9.9-99")
            .replace("\"T6\"", "\"T13\"")
            .replace("\"4\" = \"fail\"", "\"5\" = \"fail\"");
        let errors = Catalogue::load(&[("bad.toml", &bad)], known).unwrap_err();
        let text = errors.to_string();
        assert!(text.contains("bad.toml:5: check `telnet-open`: unknown requirement `jc-star/S9.9-99`"), "{text}");
        assert!(text.contains("bad.toml:6: check `telnet-open`: unknown threat `T13`"), "{text}");
        assert!(text.contains("bad.toml:8: check `telnet-open`: unknown level `5`"), "{text}");
        assert!(text.contains("no verdict for level 4"), "{text}");
    }

    #[test]
    fn unknown_keys_and_verdicts_are_parse_errors_with_lines() {
        let errors = Catalogue::load(&[("x.toml", &GOOD.replace("severity", "sevrity"))], known).unwrap_err();
        assert_eq!(errors.0[0].file, "x.toml");
        let errors =
            Catalogue::load(&[("y.toml", &GOOD.replace("\"1\" = \"fail\"", "\"1\" = \"bad\""))], known).unwrap_err();
        assert_eq!(errors.0[0].line, 8, "{errors}");
    }

    #[test]
    fn a_policy_overrides_verdicts_per_level() {
        let mut catalogue = Catalogue::load(&[("a.toml", GOOD)], known).unwrap();
        catalogue.apply_policy("[verdicts]\ntelnet-open = { \"1\" = \"warn\" }\n", "p.toml").unwrap();
        let check = catalogue.get("telnet-open").unwrap();
        assert_eq!(check.verdict("1"), Verdict::Warn);
        assert_eq!(check.verdict("2"), Verdict::Fail);
        let errors = catalogue.apply_policy("[verdicts]\n\nnope = { \"1\" = \"warn\" }\n", "p.toml").unwrap_err();
        assert_eq!(errors.to_string(), "p.toml:3: unknown check id `nope`");
        assert!(catalogue.apply_policy("[verdicts]\ntelnet-open = { \"9\" = \"warn\" }\n", "p.toml").is_err());
    }
}
