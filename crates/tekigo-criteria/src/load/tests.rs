use proptest::prelude::*;

use super::*;
use crate::source::builtin_sources;

fn file(path: &str, text: &str) -> SourceFile {
    SourceFile { path: path.to_owned(), text: text.to_owned() }
}

/// A small valid catalog: one scheme with a threat, a level and a requirement, and a second
/// scheme mapped to it. Tests break one thing at a time.
const SCHEME_A: &str = r#"
[scheme]
id = "alpha"
version = "1"
published = "2024-12"
title = { en = "Alpha", ja = "アルファ" }
publisher = { en = "P", ja = "P" }
source = "test"

[[threats]]
id = "T1"
title = { en = "Weak auth", ja = "弱い認証" }
summary = { en = "s", ja = "s" }

[[categories]]
id = "auth"
title = { en = "Auth", ja = "認証" }

[[requirements]]
id = "A-01"
category = "auth"
title = { en = "One", ja = "一" }
summary = { en = "s", ja = "s" }
evaluation = "document"
threats = ["T1"]
provenance = { status = "confirmed", source = "test" }

[[levels]]
id = "1"
name = { en = "L1", ja = "L1" }
requirements = ["A-01"]
threats = ["T1"]
"#;

const SCHEME_B: &str = r#"
[scheme]
id = "beta"
version = "1"
published = "2020"
title = { en = "Beta", ja = "ベータ" }
publisher = { en = "P", ja = "P" }
source = "test"

[[categories]]
id = "c"
title = { en = "C", ja = "C" }

[[requirements]]
id = "B-1"
category = "c"
title = { en = "B one", ja = "B一" }
summary = { en = "s", ja = "s" }
evaluation = "device"
provenance = { status = "provisional", note = "test" }
"#;

const MAPPING: &str = r#"
[mapping]
from = "beta"
to = "alpha"
title = { en = "m", ja = "m" }

[[entries]]
from = "B-1"
to = "A-01"
relationship = "equal"
provenance = "derived"
rationale = { en = "r", ja = "r" }
"#;

fn load_with(a: &str, b: &str, mapping: &str) -> Result<Catalog, LoadErrors> {
    Catalog::load(&[file("c/alpha.toml", a), file("c/beta.toml", b), file("c/mappings/beta--alpha.toml", mapping)])
}

fn single_error(a: &str, b: &str, mapping: &str) -> LoadError {
    let errors = load_with(a, b, mapping).expect_err("the catalog should be rejected").0;
    assert_eq!(errors.len(), 1, "expected exactly one problem, got: {errors:#?}");
    errors.into_iter().next().unwrap()
}

fn line_of(text: &str, needle: &str) -> usize {
    text.lines().position(|line| line.contains(needle)).expect("needle in text") + 1
}

#[test]
fn the_test_catalog_is_valid() {
    let catalog = load_with(SCHEME_A, SCHEME_B, MAPPING).expect("valid");
    assert_eq!(catalog.schemes.len(), 2);
    assert_eq!(catalog.mappings[0].entries.len(), 1);
}

#[test]
fn a_dangling_mapping_names_file_and_line() {
    let broken = MAPPING.replace("to = \"A-01\"", "to = \"A-99\"");
    let error = single_error(SCHEME_A, SCHEME_B, &broken);
    assert_eq!(error.file, "c/mappings/beta--alpha.toml");
    assert_eq!(error.line, line_of(&broken, "A-99"));
    assert!(error.message.contains("dangling mapping") && error.message.contains("A-99"), "{error}");
}

#[test]
fn a_duplicate_requirement_id_is_reported_at_the_second_one() {
    let extra = "\n[[requirements]]\nid = \"A-01\"\ncategory = \"auth\"\ntitle = { en = \"x\", ja = \"x\" }\nsummary = { en = \"x\", ja = \"x\" }\nevaluation = \"document\"\nprovenance = { status = \"confirmed\", source = \"t\" }\n";
    let broken = format!("{SCHEME_A}{extra}");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.line, broken.lines().count() - 5);
    assert!(error.message.contains("defined twice"), "{error}");
}

#[test]
fn an_unknown_category_is_an_error() {
    let broken = SCHEME_A.replace("category = \"auth\"", "category = \"nope\"");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.line, line_of(&broken, "\"nope\""));
    assert!(error.message.contains("unknown category `nope`"), "{error}");
}

#[test]
fn a_published_level_threat_that_nothing_counters_is_an_error() {
    let broken = SCHEME_A.replace("threats = [\"T1\"]\nprovenance", "threats = []\nprovenance");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.file, "c/alpha.toml");
    assert_eq!(error.line, broken.lines().count());
    assert!(error.message.contains("no requirement of the level counters threat `T1`"), "{error}");
}

#[test]
fn a_draft_level_may_name_threats_not_countered_yet() {
    let draft = SCHEME_A
        .replace("threats = [\"T1\"]\nprovenance", "threats = []\nprovenance")
        .replace("threats = [\"T1\"]\n", "threats = [\"T1\"]\nstatus = \"draft\"\n");
    load_with(&draft, SCHEME_B, MAPPING).expect("a draft level is exempt");
}

#[test]
fn a_toml_syntax_error_names_the_line() {
    let broken = SCHEME_A.replace("version = \"1\"", "version = \"1");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.line, line_of(&broken, "version = \"1"));
}

#[test]
fn an_unknown_field_is_rejected() {
    let broken = SCHEME_A.replace("evaluation = \"document\"", "evaluation = \"document\"\nevalution_items = 3");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.line, line_of(&broken, "evalution_items"));
    assert!(error.message.contains("evalution_items"), "{error}");
}

#[test]
fn a_missing_japanese_text_is_rejected() {
    let broken = SCHEME_A.replace("title = { en = \"One\", ja = \"一\" }", "title = { en = \"One\", ja = \"\" }");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert_eq!(error.line, line_of(&broken, "title = { en = \"One\""));
    assert!(error.message.contains("`ja`"), "{error}");
}

#[test]
fn a_derived_mapping_needs_a_rationale_and_an_official_one_a_source() {
    let no_rationale = MAPPING.replace("rationale = { en = \"r\", ja = \"r\" }\n", "");
    assert!(single_error(SCHEME_A, SCHEME_B, &no_rationale).message.contains("needs a `rationale`"));
    let official = MAPPING.replace("provenance = \"derived\"", "provenance = \"official\"");
    assert!(single_error(SCHEME_A, SCHEME_B, &official).message.contains("needs a `source`"));
}

#[test]
fn two_files_for_one_scheme_are_rejected() {
    let errors = Catalog::load(&[file("a.toml", SCHEME_A), file("b.toml", SCHEME_A)]).unwrap_err().0;
    assert!(errors.iter().any(|e| e.file == "b.toml" && e.message.contains("also defined in a.toml")), "{errors:#?}");
}

#[test]
fn a_level_inheritance_cycle_is_rejected() {
    let cyclic = format!(
        "{SCHEME_A}\n[[levels]]\nid = \"2\"\nname = {{ en = \"L2\", ja = \"L2\" }}\ninherits = \"3\"\n\n[[levels]]\nid = \"3\"\nname = {{ en = \"L3\", ja = \"L3\" }}\ninherits = \"2\"\n"
    );
    let errors = load_with(&cyclic, SCHEME_B, MAPPING).unwrap_err().0;
    assert!(errors.iter().all(|e| e.message.contains("inherits from itself")), "{errors:#?}");
    assert_eq!(errors.len(), 2);
}

#[test]
fn all_problems_are_reported_at_once() {
    let broken_a = SCHEME_A.replace("category = \"auth\"", "category = \"nope\"");
    let broken_mapping = MAPPING.replace("to = \"A-01\"", "to = \"A-99\"");
    let errors = load_with(&broken_a, SCHEME_B, &broken_mapping).unwrap_err().0;
    assert_eq!(errors.len(), 2, "{errors:#?}");
}

#[test]
fn errors_display_as_file_line_column() {
    let broken = MAPPING.replace("to = \"A-01\"", "to = \"A-99\"");
    let text = load_with(SCHEME_A, SCHEME_B, &broken).unwrap_err().to_string();
    let line = line_of(&broken, "A-99");
    assert!(text.contains(&format!("c/mappings/beta--alpha.toml:{line}:6: dangling mapping")), "{text}");
}

// ---------------------------------------------------------------------------------------------
// The built-in catalog.

fn builtin() -> Catalog {
    Catalog::load(&builtin_sources()).unwrap_or_else(|errors| panic!("{errors}"))
}

#[test]
fn the_builtin_catalog_loads() {
    let catalog = builtin();
    let ids: Vec<&str> = catalog.schemes.iter().map(|s| s.id.as_str()).collect();
    for expected in ["jc-star", "etsi-en-303-645", "sg-cls", "uk-psti", "nistir-8425", "eu-cra"] {
        assert!(ids.contains(&expected), "missing scheme {expected}");
    }
}

#[test]
fn jc_star_level_1_is_s1_1_01_to_16() {
    let catalog = builtin();
    let members = catalog.select(&LevelSelector::parse("jc-star:1").unwrap()).unwrap();
    let expected: Vec<ReqRef> = (1..=16).map(|n| ReqRef::new("jc-star", format!("S1.1-{n:02}"))).collect();
    assert_eq!(members, expected);
    // ★1 is common to every level and product type (SCHEME §2), and levels nest: ★2 ⊂ ★3 ⊂ ★4.
    for product_type in ["network-camera", "industrial-camera", "router", "industrial-router-firewall"] {
        let mut lower = expected.clone();
        for level in ["2", "3", "4"] {
            let selector = LevelSelector::parse(&format!("jc-star:{level}/{product_type}")).unwrap();
            let higher = catalog.select(&selector).unwrap();
            assert!(lower.iter().all(|r| higher.contains(r)), "{selector} does not contain the level below");
            assert!(higher.len() > lower.len(), "{selector} adds nothing");
            lower = higher;
        }
    }
}

#[test]
fn a_level_set_per_product_type_needs_one_with_criteria() {
    let catalog = builtin();
    let scheme = catalog.scheme("jc-star").unwrap();
    let needed = scheme.level_for("3", None).unwrap_err();
    assert!(matches!(needed, LookupError::ProductTypeNeeded { .. }), "{needed}");
    assert!(needed.to_string().contains("network-camera"), "{needed}");
    let none = scheme.level_for("3", Some("drone")).unwrap_err();
    assert!(matches!(none, LookupError::NoProductTypeCriteria { .. }), "{none}");
    let unknown = scheme.level_for("3", Some("toaster")).unwrap_err();
    assert!(matches!(unknown, LookupError::UnknownProductType { .. }), "{unknown}");
    // ★1 is common: a product type changes nothing.
    assert_eq!(scheme.level_for("1", Some("drone")).unwrap().requirements.len(), 16);
    let etsi = catalog.scheme("etsi-en-303-645").unwrap();
    assert!(etsi.level_for("mandatory", Some("network-camera")).is_ok());
    let camera = scheme.level_for("3", Some("network-camera")).unwrap();
    assert_eq!(camera.status, LevelStatus::Provisional);
    assert_eq!(camera.product_type.as_deref(), Some("network-camera"));
    assert_eq!(catalog.countered_threats(&camera).len(), camera.threats.len());
}

/// What `SCHEME_A` gains to have a level set per product type, for the profile checks.
const PER_TYPE_ADDITIONS: &str = r#"
[[threats]]
id = "T2"
title = { en = "t", ja = "t" }
summary = { en = "s", ja = "s" }

[[requirements]]
id = "CAM-01"
category = "auth"
title = { en = "Cam", ja = "カメラ" }
summary = { en = "s", ja = "s" }
evaluation = "penetration-test"
threats = ["T2"]
derived_from = ["beta/B-1"]
provenance = { status = "provisional", note = "ours" }

[[requirements.items]]
id = "1"
method = "binary-analysis"
text = { en = "x", ja = "x" }

[[levels]]
id = "2"
name = { en = "L2", ja = "L2" }
status = "provisional"
per_product_type = true
inherits = "1"
threats = ["T1", "T2"]

[[product_types]]
id = "camera"
sector = "consumer"
title = { en = "Camera", ja = "カメラ" }

[[product_types]]
id = "drone"
sector = "consumer"
title = { en = "Drone", ja = "ドローン" }

[[profiles]]
id = "camera"
product_types = ["camera"]
levels = ["2"]
status = "provisional"
title = { en = "Camera", ja = "カメラ" }
note = { en = "n", ja = "n" }
provenance = { status = "provisional", note = "n" }

[[profiles.criteria]]
level = "2"
adds = ["CAM-01"]
"#;

/// `SCHEME_A` with a second level whose criteria are set per product type.
fn per_type() -> String {
    format!("{SCHEME_A}{PER_TYPE_ADDITIONS}")
}

#[test]
fn a_profile_resolves_its_levels_and_derivations() {
    let catalog = load_with(&per_type(), SCHEME_B, MAPPING).expect("valid");
    let alpha = catalog.scheme("alpha").unwrap();
    let camera = alpha.level_for("2", Some("camera")).unwrap();
    assert_eq!(camera.requirements, vec![ReqRef::new("alpha", "A-01"), ReqRef::new("alpha", "CAM-01")]);
    assert_eq!(alpha.requirement("CAM-01").unwrap().derived_from, vec![ReqRef::new("beta", "B-1")]);
    assert_eq!(alpha.requirement("CAM-01").unwrap().assessed_items()[0].method, Method::BinaryAnalysis);
    // The level's common part alone is not assessable, and is never exported as a profile.
    assert_eq!(alpha.assessable_levels().len(), 2);
}

#[test]
fn a_profile_level_whose_threat_nothing_counters_is_an_error() {
    let broken = per_type().replace("threats = [\"T2\"]\nderived_from", "threats = [\"T1\"]\nderived_from");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert!(error.message.contains("profile `camera`") && error.message.contains("threat `T2`"), "{error}");
    assert_eq!(error.line, line_of(&broken, "level = \"2\""));
}

#[test]
fn a_derivation_from_something_not_in_the_catalog_is_an_error() {
    let broken = per_type().replace("beta/B-1", "beta/B-9");
    let error = single_error(&broken, SCHEME_B, MAPPING);
    assert!(error.message.contains("derived from `beta/B-9`"), "{error}");
    let bare = per_type().replace("\"beta/B-1\"", "\"B-1\"");
    let error = single_error(&bare, SCHEME_B, MAPPING);
    assert!(error.message.contains("SCHEME/ID"), "{error}");
}

#[test]
fn criteria_for_a_common_level_or_a_type_in_two_profiles_are_errors() {
    let common = per_type().replace("per_product_type = true\n", "");
    let errors = load_with(&common, SCHEME_B, MAPPING).unwrap_err().0;
    assert!(errors.iter().any(|e| e.message.contains("per_product_type = true")), "{errors:#?}");
    let twice = format!(
        "{}\n[[profiles]]\nid = \"camera-2\"\nproduct_types = [\"camera\"]\nlevels = [\"2\"]\nstatus = \"provisional\"\ntitle = {{ en = \"c\", ja = \"c\" }}\nnote = {{ en = \"n\", ja = \"n\" }}\nprovenance = {{ status = \"provisional\", note = \"n\" }}\n\n[[profiles.criteria]]\nlevel = \"2\"\nadds = [\"CAM-01\"]\n",
        per_type()
    );
    let errors = load_with(&twice, SCHEME_B, MAPPING).unwrap_err().0;
    assert!(errors.iter().any(|e| e.message.contains("in profiles `camera` and `camera-2`")), "{errors:#?}");
    let empty = per_type().replace("[[profiles.criteria]]\nlevel = \"2\"\nadds = [\"CAM-01\"]\n", "");
    let errors = load_with(&empty, SCHEME_B, MAPPING).unwrap_err().0;
    assert!(errors.iter().any(|e| e.message.contains("lists no criteria")), "{errors:#?}");
}

#[test]
fn jc_star_levels_carry_the_threats_and_cvss_rule_of_scheme_section_2() {
    let catalog = builtin();
    let scheme = catalog.scheme("jc-star").unwrap();
    let threats = |level: &str| scheme.level(level).unwrap().threats.len();
    assert_eq!((threats("1"), threats("2"), threats("3"), threats("4")), (7, 9, 12, 12));
    let cvss = |level: &str| scheme.level(level).unwrap().vulnerability_cvss_min;
    assert_eq!((cvss("1"), cvss("2"), cvss("3"), cvss("4")), (Some(7.0), Some(7.0), Some(4.0), Some(4.0)));
}

#[test]
fn etsi_has_every_provision_of_clauses_5_and_6() {
    let catalog = builtin();
    let etsi = catalog.scheme("etsi-en-303-645").unwrap();
    let per_category = [
        ("5.1", 5),
        ("5.2", 3),
        ("5.3", 16),
        ("5.4", 4),
        ("5.5", 8),
        ("5.6", 9),
        ("5.7", 2),
        ("5.8", 3),
        ("5.9", 3),
        ("5.10", 1),
        ("5.11", 4),
        ("5.12", 3),
        ("5.13", 1),
    ];
    for (category, count) in per_category {
        for n in 1..=count {
            let id = format!("{category}-{n}");
            assert!(etsi.requirement(&id).is_some(), "missing ETSI provision {id}");
        }
    }
    for n in 1..=5 {
        assert!(etsi.requirement(&format!("6-{n}")).is_some(), "missing ETSI provision 6-{n}");
    }
    let mandatory = catalog.select(&LevelSelector::parse("etsi-en-303-645:mandatory").unwrap()).unwrap();
    let all = catalog.select(&LevelSelector::parse("etsi-en-303-645:all").unwrap()).unwrap();
    assert_eq!((mandatory.len(), all.len(), etsi.requirements.len()), (33, 68, 68));
    for requirement in &etsi.requirements {
        let status = requirement.status.as_deref().unwrap_or_default();
        assert!(["M", "R", "M C", "R C"].contains(&status), "{}: status {status}", requirement.id);
    }
}

#[test]
fn cls_levels_are_profiles_over_etsi() {
    let catalog = builtin();
    let level = |n: &str| catalog.select(&LevelSelector::parse(&format!("sg-cls:{n}")).unwrap()).unwrap();
    let mandatory = catalog.select(&LevelSelector::parse("etsi-en-303-645:mandatory").unwrap()).unwrap();
    assert!(mandatory.iter().all(|r| level("2").contains(r)), "CLS 2 holds every ETSI mandatory provision");
    assert!(level("1").iter().all(|r| level("2").contains(r)));
    assert!(level("3").len() > level("2").len() && level("4").len() > level("3").len());
}

#[test]
fn the_other_schemes_have_their_published_structure() {
    let catalog = builtin();
    let ids = |scheme: &str| -> Vec<String> {
        catalog.scheme(scheme).unwrap().requirements.iter().map(|r| r.id.clone()).collect()
    };
    assert_eq!(ids("uk-psti"), ["1", "2", "3"]);
    assert_eq!(ids("nistir-8425").len(), 10);
    let mut cra: Vec<String> = vec!["I.1".into()];
    cra.extend(('a'..='m').map(|c| format!("I.2({c})")));
    cra.extend((1..=8).map(|n| format!("II.{n}")));
    assert_eq!(ids("eu-cra"), cra);
}

#[test]
fn every_builtin_text_is_given_in_both_languages() {
    // The loader enforces it; this pins that no requirement slipped through with a copy of the
    // English text in the Japanese field.
    let catalog = builtin();
    for scheme in &catalog.schemes {
        for requirement in &scheme.requirements {
            assert_ne!(requirement.title.en, requirement.title.ja, "{}/{} title", scheme.id, requirement.id);
            assert_ne!(requirement.summary.en, requirement.summary.ja, "{}/{} summary", scheme.id, requirement.id);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Outside data: a criteria folder given with --criteria may hold anything.

fn mutate(text: &str, cut_at: usize, insert: &str) -> String {
    let mut cut = cut_at.min(text.len());
    while !text.is_char_boundary(cut) {
        cut -= 1;
    }
    format!("{}{insert}{}", &text[..cut], &text[cut..])
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    /// Whatever is inserted wherever, loading never panics, and every error points inside the file.
    #[test]
    fn loading_a_mangled_file_never_panics(position in 0usize..1500, insert in "[\\[\\]=\"{}a-zA-Z0-9 ,.\\n#-]{0,12}") {
        let mangled = mutate(SCHEME_A, position, &insert);
        if let Err(errors) = load_with(&mangled, SCHEME_B, MAPPING) {
            for error in errors.0 {
                let text = match error.file.as_str() { "c/alpha.toml" => &mangled, "c/beta.toml" => SCHEME_B, _ => MAPPING };
                prop_assert!(error.line <= text.lines().count() + 1, "{error} beyond the end");
                prop_assert!(!error.message.is_empty());
            }
        }
    }

    /// Deleting any line of a mapping file gives a clean result or clean errors.
    #[test]
    fn deleting_a_line_never_panics(line in 0usize..20) {
        let kept: Vec<&str> = MAPPING.lines().enumerate().filter(|(i, _)| *i != line).map(|(_, l)| l).collect();
        let _ = load_with(SCHEME_A, SCHEME_B, &kept.join("\n"));
    }

    #[test]
    fn line_column_is_within_the_text(text in "(\\PC|\\n){0,80}", offset in 0usize..100) {
        let (line, column) = line_column(&text, offset);
        prop_assert!(line >= 1 && line <= text.lines().count().max(1) + 1);
        prop_assert!(column >= 1);
    }
}

#[test]
fn a_bare_id_in_two_schemes_must_be_qualified() {
    let twin = SCHEME_B.replace("id = \"B-1\"", "id = \"A-01\"");
    let mapping = MAPPING.replace("from = \"B-1\"", "from = \"A-01\"");
    let catalog = load_with(SCHEME_A, &twin, &mapping).expect("valid");
    let error = catalog.find_requirement("A-01").unwrap_err();
    assert_eq!(error.to_string(), "`A-01` is ambiguous: it names alpha/A-01, beta/A-01; write SCHEME/ID");
    assert_eq!(catalog.find_requirement("beta/A-01").unwrap().scheme, "beta");
}
