use std::collections::BTreeMap;

use super::*;

const GOOD: &str = r#"
demo = true
logo = "logo.svg"

[name]
en = "Example Certification Body"
ja = "例示認証機関"

[contact]
email = "registry@example.org"
url = "https://example.org/contact"

[address]
en = "1-2-3 Example, Chiyoda-ku, Tokyo"
ja = "東京都千代田区例示1-2-3"

[privacy]
en = """
We keep the e-mail addresses of accounts.

We share nothing."""
ja_file = "privacy-ja.txt"

[terms]
en = "Use at your own risk."
ja = "自己責任でご利用ください。"
"#;

const SVG: &[u8] =
    br#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><rect width="10" height="10"/></svg>"#;

fn files() -> BTreeMap<&'static str, Vec<u8>> {
    BTreeMap::from([
        ("logo.svg", SVG.to_vec()),
        ("privacy-ja.txt", "アカウントのメールアドレスを保管します。\n\n何も共有しません。\n".as_bytes().to_vec()),
    ])
}

fn parse_with(text: &str, files: &BTreeMap<&'static str, Vec<u8>>) -> Result<Operator, OperatorErrors> {
    let mut read = |name: &str, _limit: u64| {
        files
            .get(name)
            .cloned()
            .ok_or_else(|| Text::new(format!("{name}: not found"), format!("{name}: 見つかりません")))
    };
    parse("operator.toml", text, &mut read)
}

/// The one problem of `text` (GOOD with a change), which must name `field`.
#[track_caller]
fn only_problem(text: &str) -> OperatorError {
    let errors = parse_with(text, &files()).expect_err("the file should be refused");
    assert_eq!(errors.0.len(), 1, "{errors}");
    errors.0.into_iter().next().unwrap()
}

#[track_caller]
fn refuses(text: &str, field: &str) -> OperatorError {
    let error = only_problem(text);
    assert_eq!(error.field, field, "{error}");
    assert!(!error.message.en.is_empty() && !error.message.ja.is_empty());
    error
}

#[test]
fn a_good_file_reads_whole() {
    let operator = parse_with(GOOD, &files()).unwrap();
    assert_eq!(operator.name, Text::new("Example Certification Body", "例示認証機関"));
    assert_eq!(operator.email.as_deref(), Some("registry@example.org"));
    assert_eq!(operator.url.as_deref(), Some("https://example.org/contact"));
    assert_eq!(operator.address.as_ref().map(|a| a.ja.as_str()), Some("東京都千代田区例示1-2-3"));
    assert_eq!(operator.privacy.en, ["We keep the e-mail addresses of accounts.", "We share nothing."]);
    assert_eq!(operator.privacy.ja, ["アカウントのメールアドレスを保管します。", "何も共有しません。"]);
    assert_eq!(operator.terms.paragraphs(Lang::Ja), ["自己責任でご利用ください。"]);
    let logo = operator.logo.unwrap();
    assert_eq!((logo.kind, &*logo.bytes), (LogoKind::Svg, SVG));
    assert!(operator.demo && operator.configured);
}

#[test]
fn the_built_in_operator_names_no_one() {
    let operator = Operator::not_configured();
    assert!(!operator.configured && !operator.demo);
    assert!(operator.name.en.contains("operator not configured"));
    assert!(operator.name.ja.contains("運営者未設定"));
    assert!(operator.email.is_none() && operator.url.is_none() && operator.logo.is_none());
    assert!(operator.clone().or_demo(true).demo);
    assert!(!operator.or_demo(false).demo);
}

#[test]
fn optional_fields_may_be_left_out() {
    let text =
        GOOD.replace("demo = true\nlogo = \"logo.svg\"\n", "").replace("url = \"https://example.org/contact\"\n", "");
    let text =
        text.replace("[address]\nen = \"1-2-3 Example, Chiyoda-ku, Tokyo\"\nja = \"東京都千代田区例示1-2-3\"\n", "");
    let operator = parse_with(&text, &files()).unwrap();
    assert!(!operator.demo && operator.logo.is_none() && operator.url.is_none() && operator.address.is_none());
}

#[test]
fn each_bad_field_is_named_with_its_line() {
    let error = refuses(&GOOD.replace(r#"en = "Example Certification Body""#, r#"en = "  ""#), "name.en");
    assert_eq!((error.line, error.column), (6, 6));
    refuses(&GOOD.replace("ja = \"例示認証機関\"\n", ""), "name.ja");
    refuses(&GOOD.replace("registry@example.org", "registry.example.org"), "contact.email");
    refuses(&GOOD.replace("registry@example.org", "a b@example.org"), "contact.email");
    refuses(&GOOD.replace("https://example.org/contact", "ftp://example.org/"), "contact.url");
    refuses(&GOOD.replace("https://example.org/contact", "https://example.org/\"onclick"), "contact.url");
    refuses(&GOOD.replace("東京都千代田区例示1-2-3", ""), "address.ja");
    refuses(&GOOD.replace("Use at your own risk.", "line one\\u0007"), "terms.en");
    refuses(
        &GOOD.replace("ja = \"自己責任でご利用ください。\"", "ja = \"自己責任\"\nja_file = \"terms.txt\""),
        "terms.ja_file",
    );
    refuses(&GOOD.replace("ja_file = \"privacy-ja.txt\"\n", ""), "privacy.ja");
    refuses(&GOOD.replace("privacy-ja.txt", "missing.txt"), "privacy.ja_file");
    refuses(&GOOD.replace("privacy-ja.txt", "/etc/passwd"), "privacy.ja_file");
    refuses(&GOOD.replace("logo.svg", "missing.svg"), "logo");
    let error = refuses(&GOOD.replace("demo = true", "demo = \"yes\""), "demo");
    assert_eq!((error.line, error.column), (2, 8));
}

#[test]
fn a_missing_table_is_named() {
    let text = GOOD.replace("[contact]\nemail = \"registry@example.org\"\nurl = \"https://example.org/contact\"\n", "");
    let error = refuses(&text, "contact");
    assert_eq!((error.line, error.column), (1, 1));
    refuses(&GOOD.replace("email = \"registry@example.org\"\nurl = \"https://example.org/contact\"\n", ""), "contact");
}

#[test]
fn an_unknown_field_is_refused() {
    let error = refuses(&GOOD.replace("[contact]\n", "[contact]\nphone = \"03-0000-0000\"\n"), "contact.phone");
    assert!(error.message.en.contains("unknown field"), "{error}");
    assert_eq!(error.line, 10);
    refuses(&GOOD.replace("demo = true", "demo = true\nissuer = \"IPA\""), "issuer");
}

#[test]
fn the_logo_is_checked() {
    let mut big = files();
    let mut svg = SVG.to_vec();
    svg.resize(usize::try_from(MAX_LOGO_BYTES).unwrap() + 1, b' ');
    big.insert("logo.svg", svg);
    let error = parse_with(GOOD, &big).unwrap_err();
    assert_eq!(error.0.len(), 1);
    assert_eq!(error.0[0].field, "logo");
    assert!(error.0[0].message.en.contains("over the limit of 262144 bytes"), "{error}");

    let mut png = files();
    png.insert("logo.png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec());
    let operator = parse_with(&GOOD.replace("logo.svg", "logo.png"), &png).unwrap();
    assert_eq!(operator.logo.map(|l| l.kind.content_type()), Some("image/png"));

    let mut wrong = files();
    wrong.insert("logo.svg", b"GIF89a".to_vec());
    assert_eq!(parse_with(GOOD, &wrong).unwrap_err().0[0].field, "logo");
    wrong.insert("logo.png", SVG.to_vec());
    let error = parse_with(&GOOD.replace("logo.svg", "logo.png"), &wrong).unwrap_err();
    assert!(error.0[0].message.en.contains("extension"), "{error}");
    for hostile in [
        r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
        r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"></svg>"#,
    ] {
        wrong.insert("logo.svg", hostile.as_bytes().to_vec());
        let error = parse_with(GOOD, &wrong).unwrap_err();
        assert!(error.0[0].message.en.contains("script"), "{error}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let text = GOOD
        .replace("Example Certification Body", "")
        .replace("registry@example.org", "nobody")
        .replace("ja_file = \"privacy-ja.txt\"\n", "");
    let errors = parse_with(&text, &files()).unwrap_err();
    let fields: Vec<&str> = errors.0.iter().map(|e| e.field.as_str()).collect();
    assert_eq!(fields, ["name.en", "contact.email", "privacy.ja"]);
    insta::assert_snapshot!("operator_errors", format!("{}\n---\n{}", errors.text().en, errors.text().ja));
}

#[test]
fn a_file_that_is_not_toml_names_its_place() {
    let errors = parse_with("[name\nen = 1", &files()).unwrap_err();
    assert_eq!(errors.0.len(), 1);
    assert_eq!((errors.0[0].file.as_str(), errors.0[0].line), ("operator.toml", 1));
    assert!(errors.0[0].message.ja.starts_with("TOML として読めません"));
}

#[test]
fn paragraphs_are_split_on_blank_lines() {
    assert_eq!(paragraphs("one\ntwo\n\n  \nthree\r\n\r\nfour  "), ["one\ntwo", "three", "four"]);
    assert!(paragraphs(" \n\n").is_empty());
}

#[test]
fn contacts_are_checked() {
    for good in ["a@example.org", "first.last+tag@mail.example.co.jp"] {
        assert!(is_email(good), "{good}");
    }
    for bad in ["", "a@b", "@example.org", "a@@example.org", "a@example..org", "a <a@example.org>", "a@example.org."] {
        assert!(!is_email(bad), "{bad}");
    }
    for good in ["https://example.org", "http://example.org:8080/contact?x=1", "https://[::1]/"] {
        assert!(is_web_url(good), "{good}");
    }
    for bad in ["example.org", "https://", "javascript:alert(1)", "https://exa mple.org", "https://example.org/<x>"] {
        assert!(!is_web_url(bad), "{bad}");
    }
}

#[test]
fn load_reads_files_beside_the_configuration() {
    let folder = tempfile::tempdir().unwrap();
    std::fs::write(folder.path().join("operator.toml"), GOOD).unwrap();
    for (name, bytes) in files() {
        std::fs::write(folder.path().join(name), bytes).unwrap();
    }
    let operator = load(&folder.path().join("operator.toml")).unwrap();
    assert_eq!(operator.privacy.ja.len(), 2);
    let missing = load(&folder.path().join("nothing.toml")).unwrap_err();
    assert_eq!(missing.0[0].line, 1);
    assert!(missing.0[0].file.ends_with("nothing.toml"));
}

#[test]
fn the_example_file_loads() {
    let example = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../examples/operator.toml");
    let operator = load(&example).unwrap_or_else(|errors| panic!("{errors}"));
    assert!(operator.configured && operator.demo);
    assert!(operator.logo.is_some());
    assert!(!operator.privacy.en.is_empty() && !operator.terms.ja.is_empty());
}

proptest::proptest! {
    /// Whatever the file holds, the answer is an operator or errors that each say where.
    #[test]
    fn any_text_is_answered_never_a_panic(text in "\\PC{0,300}") {
        assert_answers(&text);
    }

    #[test]
    fn any_edit_of_a_good_file_is_answered_never_a_panic(at in 0usize..700, junk in "\\PC{0,12}") {
        let mut text = GOOD.to_owned();
        let at = (0..=at.min(text.len())).rev().find(|i| text.is_char_boundary(*i)).unwrap_or(0);
        text.insert_str(at, &junk);
        assert_answers(&text);
    }
}

fn assert_answers(text: &str) {
    if let Err(errors) = parse_with(text, &files()) {
        assert!(!errors.0.is_empty());
        for error in &errors.0 {
            let lines = text.lines().count().max(1);
            assert!(error.line >= 1 && error.line <= lines + 1 && error.column >= 1, "{error}");
            assert!(!error.field.is_empty() && !error.message.en.is_empty() && !error.message.ja.is_empty());
        }
    }
}
