//! How a product series is named: its model numbers and the identifiers sellers use (GTIN, which
//! covers JAN, EAN-8/13 and UPC-A; the vendor's SKU). One registration covers a series of models
//! (docs/scheme.md, "Registration"), so a label is found by any of them.
//!
//! Model numbers are compared by [`model_key`], never as typed: sellers' listings spell the same
//! model `EXC-100`, `exc 100` or `ＥＸＣ－１００` (full-width, as Japanese catalogues often do).
//! GTINs are compared as 14 digits, the form GS1 defines every GTIN length to extend to
//! (GS1 General Specifications §3.3.2), so a UPC-A `036000291452` and the EAN-13
//! `0036000291452` are the same trade item.

use serde::{Deserialize, Serialize};

use crate::Text;

/// One model of a series, as the vendor states it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelEntry {
    /// The model number as the vendor prints it.
    pub model: String,
    /// A GTIN (JAN / EAN-13, EAN-8, UPC-A or GTIN-14), digits as printed under the barcode.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gtin: Option<String>,
    /// The vendor's own stock-keeping unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sku: Option<String>,
}

/// The longest model number or SKU accepted, in bytes.
pub const MAX_MODEL_BYTES: usize = 200;

/// The most models one series may hold. IPA's first ★1 labels averaged 18 models per
/// application, the largest well under a thousand; the limit stops a runaway upload, not a vendor.
pub const MAX_MODELS_PER_SERIES: usize = 2000;

/// The form two spellings of one model number share: full-width ASCII folded to ASCII (NFKC's
/// effect on the characters model numbers use), letters upper-cased, and spaces, hyphens, dashes
/// and the full-width space dropped.
pub fn model_key(model: &str) -> String {
    model
        .chars()
        .map(fold_full_width)
        .filter(|c| !c.is_whitespace() && !is_dash(*c))
        .flat_map(char::to_uppercase)
        .collect()
}

fn fold_full_width(c: char) -> char {
    match c {
        // U+FF01..U+FF5E mirror U+0021..U+007E.
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    }
}

fn is_dash(c: char) -> bool {
    matches!(c, '-' | '\u{2010}'..='\u{2015}' | '\u{2212}' | '\u{30fc}' | '\u{ff70}')
}

/// A GTIN whose check digit holds.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Gtin {
    digits: String,
}

impl Gtin {
    /// Reads a GTIN of 8, 12, 13 or 14 digits; spaces and hyphens between digits are ignored.
    pub fn parse(text: &str) -> Result<Gtin, Text> {
        let digits: String = text.chars().map(fold_full_width).filter(|c| !c.is_whitespace() && !is_dash(*c)).collect();
        if digits.is_empty() {
            return Err(Text::new("GTIN: empty", "GTIN: 空です"));
        }
        if let Some(bad) = digits.chars().find(|c| !c.is_ascii_digit()) {
            return Err(Text::new(
                format!("GTIN `{text}`: `{bad}` is not a digit"),
                format!("GTIN `{text}`: `{bad}` は数字ではありません"),
            ));
        }
        if ![8, 12, 13, 14].contains(&digits.len()) {
            return Err(Text::new(
                format!(
                    "GTIN `{text}`: {} digits; a GTIN has 8 (EAN-8), 12 (UPC-A), 13 (JAN/EAN-13) or 14",
                    digits.len()
                ),
                format!(
                    "GTIN `{text}`: {} 桁です。GTIN は 8 桁（EAN-8）、12 桁（UPC-A）、13 桁（JAN/EAN-13）または 14 桁です",
                    digits.len()
                ),
            ));
        }
        let expected = check_digit(&digits[..digits.len() - 1]);
        let given = digits.as_bytes()[digits.len() - 1] - b'0';
        if expected != given {
            return Err(Text::new(
                format!("GTIN `{text}`: the check digit is {given}, the digits before it give {expected}"),
                format!("GTIN `{text}`: チェックデジットが {given} ですが、計算上は {expected} です"),
            ));
        }
        Ok(Gtin { digits })
    }

    /// The digits as printed (8, 12, 13 or 14 of them).
    pub fn as_str(&self) -> &str {
        &self.digits
    }

    /// The 14-digit form every length extends to, for comparing.
    pub fn key(&self) -> String {
        format!("{:0>14}", self.digits)
    }
}

/// The GS1 check digit of the digits before it: weights 3 and 1 alternating from the right.
pub fn check_digit(body: &str) -> u8 {
    let sum: u32 = body
        .bytes()
        .rev()
        .enumerate()
        .map(|(place, digit)| u32::from(digit.wrapping_sub(b'0') % 10) * if place % 2 == 0 { 3 } else { 1 })
        .sum();
    ((10 - sum % 10) % 10) as u8
}

/// Every problem with a series' models at once: an empty or over-long model number, a model
/// listed twice (by [`model_key`]), a GTIN that does not check or is given to two models, an
/// over-long SKU, too many models. `primary` is the series' representative model, which must be
/// among them.
pub fn check_series(primary: &str, models: &[ModelEntry]) -> Vec<Text> {
    let mut problems = Vec::new();
    if models.len() > MAX_MODELS_PER_SERIES {
        problems.push(Text::new(
            format!("{} models; a series holds at most {MAX_MODELS_PER_SERIES}", models.len()),
            format!("型番が {} 件あります。1 シリーズの上限は {MAX_MODELS_PER_SERIES} 件です", models.len()),
        ));
        return problems;
    }
    let mut keys = std::collections::BTreeMap::new();
    let mut gtins = std::collections::BTreeMap::new();
    for (place, entry) in models.iter().enumerate() {
        let number = place + 1;
        let key = model_key(&entry.model);
        if key.is_empty() {
            problems.push(Text::new(
                format!("model {number}: the model number is empty"),
                format!("{number} 件目の型番が空です"),
            ));
            continue;
        }
        if entry.model.len() > MAX_MODEL_BYTES || entry.model.chars().any(char::is_control) {
            problems.push(Text::new(
                format!("model {number}: at most {MAX_MODEL_BYTES} bytes, no control characters"),
                format!("{number} 件目の型番: {MAX_MODEL_BYTES} バイト以内で、制御文字を含めないでください"),
            ));
        }
        if let Some(first) = keys.insert(key, number) {
            problems.push(Text::new(
                format!("model {number} (`{}`) is model {first} again", entry.model.trim()),
                format!("{number} 件目の型番（`{}`）は {first} 件目と同じです", entry.model.trim()),
            ));
        }
        if let Some(gtin) = entry.gtin.as_deref().filter(|g| !g.trim().is_empty()) {
            match Gtin::parse(gtin) {
                Ok(gtin) => {
                    if let Some(first) = gtins.insert(gtin.key(), number) {
                        problems.push(Text::new(
                            format!("model {number}: GTIN {} is given to model {first} too", gtin.as_str()),
                            format!("{number} 件目の GTIN {} は {first} 件目にも使われています", gtin.as_str()),
                        ));
                    }
                }
                Err(problem) => problems.push(Text::new(
                    format!("model {number}: {}", problem.en),
                    format!("{number} 件目: {}", problem.ja),
                )),
            }
        }
        if let Some(sku) = &entry.sku
            && (sku.len() > MAX_MODEL_BYTES || sku.chars().any(char::is_control))
        {
            problems.push(Text::new(
                format!("model {number}: the SKU has at most {MAX_MODEL_BYTES} bytes, no control characters"),
                format!("{number} 件目の SKU: {MAX_MODEL_BYTES} バイト以内で、制御文字を含めないでください"),
            ));
        }
    }
    let primary_key = model_key(primary);
    if !models.is_empty() && !primary_key.is_empty() && !keys.contains_key(&primary_key) {
        problems.push(Text::new(
            format!("the series' model `{}` is not among its models", primary.trim()),
            format!("代表型番 `{}` が型番の一覧にありません", primary.trim()),
        ));
    }
    problems
}

/// The models a series covers: `models` when given, otherwise the primary model alone (what a
/// declaration or registration made before series existed means).
pub fn series_models(primary: &str, models: &[ModelEntry]) -> Vec<ModelEntry> {
    if models.is_empty() {
        vec![ModelEntry { model: primary.trim().to_owned(), gtin: None, sku: None }]
    } else {
        models.to_vec()
    }
}

/// Reads a series typed or pasted as lines, one model per line: `model`, `model, GTIN` or
/// `model, GTIN, SKU`, the fields separated by commas or tabs (a spreadsheet's columns pasted);
/// blank lines are skipped. A line with more than three fields is refused with its number.
pub fn models_from_lines(text: &str) -> Result<Vec<ModelEntry>, Text> {
    let mut models = Vec::new();
    for (place, line) in text.lines().enumerate() {
        if line.trim().is_empty() {
            continue;
        }
        let fields: Vec<&str> = line.split([',', '\t']).map(str::trim).collect();
        if fields.len() > 3 {
            return Err(Text::new(
                format!("line {}: {} fields; give model, GTIN, SKU", place + 1, fields.len()),
                format!("{} 行目: 項目が {} 個あります。型番、GTIN、SKU の順に書いてください", place + 1, fields.len()),
            ));
        }
        let optional = |i: usize| fields.get(i).filter(|f| !f.is_empty()).map(|f| (*f).to_owned());
        models.push(ModelEntry { model: fields[0].to_owned(), gtin: optional(1), sku: optional(2) });
    }
    Ok(models)
}

/// A series from the representative model and a list of models, the representative first: its
/// entry in the list (found by [`model_key`]) keeps its GTIN and SKU; absent, it is added bare.
pub fn with_representative(primary: &str, models: Vec<ModelEntry>) -> Vec<ModelEntry> {
    let key = model_key(primary);
    let (mut first, rest): (Vec<ModelEntry>, Vec<ModelEntry>) =
        models.into_iter().partition(|m| model_key(&m.model) == key);
    if first.is_empty() {
        first.push(ModelEntry { model: primary.trim().to_owned(), gtin: None, sku: None });
    }
    first.into_iter().chain(rest).collect()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn model_keys_ignore_case_spacing_hyphens_and_full_width() {
        assert_eq!(model_key("EXC-100"), "EXC100");
        assert_eq!(model_key(" exc 100 "), "EXC100");
        assert_eq!(model_key("ＥＸＣ－１００"), "EXC100");
        assert_eq!(model_key("exc–100"), "EXC100");
        assert_eq!(model_key("カメラ-1"), "カメラ1");
    }

    #[test]
    fn gtins_check_and_compare_across_lengths() {
        // Published examples: a JAN (EAN-13) and a UPC-A.
        assert_eq!(Gtin::parse("4901234567894").unwrap().as_str(), "4901234567894");
        let upc = Gtin::parse("036000291452").unwrap();
        let ean = Gtin::parse("0036000291452").unwrap();
        assert_eq!(upc.key(), ean.key());
        assert_eq!(Gtin::parse("4-901234-56789 4").unwrap().as_str(), "4901234567894");
        assert_eq!(Gtin::parse("96385074").unwrap().key(), "00000096385074");
        let wrong = Gtin::parse("4901234567895").unwrap_err();
        assert!(wrong.en.contains("check digit is 5") && wrong.en.contains("give 4"), "{}", wrong.en);
        assert!(Gtin::parse("490123456789").unwrap_err().en.contains("check digit"));
        assert!(Gtin::parse("12345").unwrap_err().en.contains("5 digits"));
        assert!(Gtin::parse("49012345678X4").unwrap_err().en.contains("`X` is not a digit"));
    }

    #[test]
    fn a_series_reports_every_problem() {
        let models = vec![
            ModelEntry { model: "EXC-100".into(), gtin: Some("4901234567894".into()), sku: None },
            ModelEntry { model: "exc 100".into(), gtin: None, sku: None },
            ModelEntry { model: "EXC-200".into(), gtin: Some("4901234567895".into()), sku: None },
            ModelEntry { model: "EXC-300".into(), gtin: Some("4 901234 567894".into()), sku: None },
            ModelEntry { model: " ".into(), gtin: None, sku: None },
        ];
        let problems: Vec<String> = check_series("EXC-900", &models).into_iter().map(|p| p.en).collect();
        assert_eq!(
            problems,
            [
                "model 2 (`exc 100`) is model 1 again",
                "model 3: GTIN `4901234567895`: the check digit is 5, the digits before it give 4",
                "model 4: GTIN 4901234567894 is given to model 1 too",
                "model 5: the model number is empty",
                "the series' model `EXC-900` is not among its models",
            ]
        );
        assert!(check_series("EXC-100", &models[..1]).is_empty());
        assert!(check_series("EXC-100", &[]).is_empty());
    }

    #[test]
    fn pasted_lines_become_models() {
        let models = models_from_lines("EXC-100, 4901234567894\n\nEXC-100W\t\tSKU-9\n").unwrap();
        assert_eq!(
            models,
            [
                ModelEntry { model: "EXC-100".into(), gtin: Some("4901234567894".into()), sku: None },
                ModelEntry { model: "EXC-100W".into(), gtin: None, sku: Some("SKU-9".into()) },
            ]
        );
        assert_eq!(models_from_lines("a,b,c,d").unwrap_err().en, "line 1: 4 fields; give model, GTIN, SKU");
        let series = with_representative("exc 100w", models);
        assert_eq!(series.iter().map(|m| m.model.as_str()).collect::<Vec<_>>(), ["EXC-100W", "EXC-100"]);
        assert_eq!(with_representative("X-1", Vec::new())[0].model, "X-1");
    }

    proptest! {
        #[test]
        fn parsing_never_panics(text in "\\PC{0,40}") {
            let _ = Gtin::parse(&text);
            let _ = model_key(&text);
            let _ = models_from_lines(&text);
        }

        #[test]
        fn a_computed_check_digit_is_accepted_and_any_other_refused(
            body in "[0-9]{7}|[0-9]{11}|[0-9]{12}|[0-9]{13}",
            other in 0u8..10,
        ) {
            let digit = check_digit(&body);
            let good = format!("{body}{digit}");
            let parsed = Gtin::parse(&good).unwrap();
            prop_assert_eq!(parsed.as_str(), good.as_str());
            prop_assume!(other != digit);
            let bad = format!("{body}{other}");
            prop_assert!(Gtin::parse(&bad).is_err());
        }

        #[test]
        fn one_changed_digit_is_always_caught(body in "[0-9]{12}", place in 0usize..12, delta in 1u8..10) {
            let good = format!("{body}{}", check_digit(&body));
            let mut bytes = good.into_bytes();
            bytes[place] = b'0' + (bytes[place] - b'0' + delta) % 10;
            prop_assert!(Gtin::parse(std::str::from_utf8(&bytes).unwrap()).is_err());
        }

        #[test]
        fn model_keys_are_idempotent(text in "\\PC{0,40}") {
            prop_assert_eq!(model_key(&model_key(&text)), model_key(&text));
        }
    }
}
