//! What a vendor types that others read, checked in one place: the store's account and product
//! writes and an application's checks call these, so a web form, the API and a signed declaration
//! meet the same rules. Pure.
//!
//! Names (organisation, person, product, model, firmware version) are shown to the public on the
//! label page and in search. A bidirectional control (U+202A–U+202E, U+2066–U+2069, U+200E/U+200F,
//! U+061C) can make a name display as another ("Trojan Source", CVE-2021-42574); an invisible
//! character (general categories Cc and Cf: U+200B–U+200D, U+FEFF, U+2060–U+2064, the tag
//! characters U+E0000–U+E007F, ...) or a line separator makes two names that look the same
//! differ. Such names are refused, naming the field and the code point.
//!
//! The vulnerability contact is where anyone reports a vulnerability (SCHEME §1: the vendor
//! discloses vulnerabilities; requirement S1.1-05: the policy names "a contact (an e-mail address
//! or a form)"). A form is accepted only over `https://`, which a reporter can trust not to be
//! read or altered on the way; an e-mail address as `mailto:ADDRESS` or bare. `http://` and any
//! other scheme are refused.

use tekigo_base::Text;
use unicode_general_category::{GeneralCategory, get_general_category};

/// At most this much SBOM, with an application or sent later for a label's monitoring; large
/// firmware SBOMs are a few megabytes.
pub const MAX_SBOM_BYTES: usize = 64 * 1024 * 1024;

/// Longest name accepted, in characters.
pub const MAX_NAME_CHARS: usize = 500;

/// Why a character may not appear in a name, if it may not.
fn forbidden(c: char) -> Option<(&'static str, &'static str)> {
    let bidi = matches!(c, '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}');
    if bidi {
        return Some(("a bidirectional control", "双方向テキストの制御文字"));
    }
    if matches!(c, '\u{E0000}'..='\u{E007F}') {
        return Some(("an invisible tag character", "不可視のタグ文字"));
    }
    match get_general_category(c) {
        GeneralCategory::Control => Some(("a control character", "制御文字")),
        GeneralCategory::Format => Some(("an invisible formatting character", "不可視の書式制御文字")),
        GeneralCategory::LineSeparator | GeneralCategory::ParagraphSeparator => {
            Some(("a line separator", "行区切り文字"))
        }
        _ => None,
    }
}

/// A name others read: not empty, at most [`MAX_NAME_CHARS`], and no bidirectional control,
/// invisible or control character. `field` names it in both languages (`("product name", "製品名")`).
pub fn name(field: (&str, &str), value: &str) -> Result<(), Text> {
    let (en, ja) = field;
    if value.trim().is_empty() {
        return Err(Text::new(format!("{en}: required"), format!("{ja}: 入力してください")));
    }
    if value.chars().count() > MAX_NAME_CHARS {
        return Err(Text::new(
            format!("{en}: at most {MAX_NAME_CHARS} characters"),
            format!("{ja}: {MAX_NAME_CHARS}文字以内にしてください"),
        ));
    }
    for (position, c) in value.chars().enumerate() {
        if let Some((what_en, what_ja)) = forbidden(c) {
            let at = position + 1;
            let code = format!("U+{:04X}", u32::from(c));
            return Err(Text::new(
                format!(
                    "{en}: character {at} is {code}, {what_en}; names may not contain bidirectional controls or invisible characters, which can make one name display as another"
                ),
                format!(
                    "{ja}: {at}文字目が {code}（{what_ja}）です。名前には、別の名前に見せかけられる双方向制御文字や不可視の文字を使えません"
                ),
            ));
        }
    }
    Ok(())
}

/// A vulnerability contact: an `https://` address with a host, `mailto:ADDRESS`, or an e-mail
/// address.
pub fn vulnerability_contact(value: &str) -> Result<(), Text> {
    let field = ("vulnerability contact", "脆弱性の連絡先");
    name(field, value)?;
    let contact = value.trim();
    let refused = |why_en: &str, why_ja: &str| {
        Err(Text::new(
            format!(
                "vulnerability contact `{contact}`: {why_en}; give an https:// address or an e-mail address (mailto:)"
            ),
            format!(
                "脆弱性の連絡先 `{contact}`: {why_ja}。https:// のアドレスかメールアドレス（mailto:）を指定してください"
            ),
        ))
    };
    let lower = contact.to_ascii_lowercase();
    if lower.starts_with("https://") {
        return match url::Url::parse(contact) {
            Ok(parsed) if parsed.host_str().is_some_and(|h| !h.is_empty()) => Ok(()),
            _ => refused("not a web address with a host", "ホスト名のある URL ではありません"),
        };
    }
    if lower.starts_with("http://") {
        return refused(
            "http:// is not accepted: a report would travel unencrypted and could be altered",
            "http:// は使えません（報告が暗号化されず、改ざんされるおそれがあります）",
        );
    }
    let address = if lower.starts_with("mailto:") { &contact["mailto:".len()..] } else { contact };
    if is_email(address) {
        return Ok(());
    }
    if contact.contains(':') {
        return refused("only https:// and mailto: addresses are accepted", "https:// と mailto: 以外は使えません");
    }
    refused("neither an https:// address nor an e-mail address", "https:// の URL でもメールアドレスでもありません")
}

/// `local@domain.tld`, without spaces: enough to tell an address from anything else.
fn is_email(text: &str) -> bool {
    let Some((local, domain)) = text.split_once('@') else { return false };
    !local.is_empty()
        && domain.contains('.')
        && !domain.starts_with('.')
        && !domain.ends_with('.')
        && !domain.contains('@')
        && !text.chars().any(|c| c.is_whitespace() || matches!(c, '<' | '>' | '"' | ',' | ';'))
}

#[cfg(test)]
mod tests {
    use super::*;

    const PRODUCT: (&str, &str) = ("product name", "製品名");

    #[test]
    fn ordinary_names_in_any_script_pass() {
        for ok in
            ["EXC-100 network camera", "ネットワークカメラ EXC-100", "Caméra réseau", "كاميرا", "Ünïcødé (v2.4.1)"]
        {
            assert_eq!(name(PRODUCT, ok), Ok(()), "{ok}");
        }
    }

    #[test]
    fn bidi_controls_are_refused_with_field_and_code_point() {
        for c in ['\u{202A}', '\u{202E}', '\u{2066}', '\u{2069}', '\u{200E}', '\u{200F}', '\u{061C}'] {
            let error = name(PRODUCT, &format!("EXC{c}-100")).unwrap_err();
            let code = format!("U+{:04X}", u32::from(c));
            assert!(error.en.starts_with("product name: character 4 is"), "{}", error.en);
            assert!(error.en.contains(&code) && error.en.contains("bidirectional"), "{}", error.en);
            assert!(error.ja.starts_with("製品名: 4文字目が") && error.ja.contains(&code), "{}", error.ja);
        }
    }

    #[test]
    fn invisible_and_control_characters_are_refused() {
        for c in [
            '\u{200B}',
            '\u{200C}',
            '\u{200D}',
            '\u{FEFF}',
            '\u{2060}',
            '\u{2064}',
            '\u{E0001}',
            '\u{E0041}',
            '\u{E007F}',
        ] {
            let error = name(("model", "型番"), &format!("EXC{c}")).unwrap_err();
            assert!(error.en.contains(&format!("U+{:04X}", u32::from(c))), "{}", error.en);
            assert!(error.en.contains("invisible"), "{}", error.en);
        }
        for c in ['\u{0}', '\u{7}', '\n', '\u{1B}', '\u{85}', '\u{2028}', '\u{2029}'] {
            assert!(name(PRODUCT, &format!("a{c}b")).is_err(), "{:?}", c);
        }
        assert!(name(PRODUCT, "   ").is_err());
        assert!(name(PRODUCT, &"x".repeat(MAX_NAME_CHARS + 1)).is_err());
    }

    #[test]
    fn contacts_are_https_or_e_mail() {
        for ok in
            ["https://example.com/security", "HTTPS://example.com", "mailto:psirt@example.com", "psirt@example.com"]
        {
            assert_eq!(vulnerability_contact(ok), Ok(()), "{ok}");
        }
        let error = vulnerability_contact("http://example.com/security").unwrap_err();
        assert!(error.en.contains("http:// is not accepted"), "{}", error.en);
        assert!(error.ja.contains("http:// は使えません"), "{}", error.ja);
        for bad in
            ["ftp://example.com", "javascript:alert(1)", "https://", "call us", "mailto:nobody", "tel:+81300000000"]
        {
            assert!(vulnerability_contact(bad).is_err(), "{bad}");
        }
        assert!(vulnerability_contact("https://exa\u{202E}mple.com").unwrap_err().en.contains("U+202E"));
    }
}
