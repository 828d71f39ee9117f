//! The scheme's rules about labels, each in one place and without I/O: how long a label is valid,
//! what status the public sees on a given day, how label numbers read.

use jiff::ToSpan;
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// Who stands behind a label (SCHEME §2): ★1 and ★2 are self-declared, ★3 and ★4 certified after
/// a third-party evaluation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Assurance {
    SelfDeclared,
    ThirdParty,
}

impl Assurance {
    pub fn for_level(level: &str) -> Assurance {
        match level {
            "1" | "2" => Assurance::SelfDeclared,
            _ => Assurance::ThirdParty,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Assurance::SelfDeclared => "self-declared",
            Assurance::ThirdParty => "third-party",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ValidityError {
    #[error(
        "support ends on {support_end}, not after the issue date {issued}: a label cannot be issued for a product out of support (SCHEME §5.1)"
    )]
    SupportOver { issued: Date, support_end: Date },
    #[error(
        "a third-party label may be extended to at most 5 years from its first evaluation ({first_evaluated}); a new evaluation is needed (SCHEME §5.1)"
    )]
    BeyondFiveYears { first_evaluated: Date },
}

/// The expiry of a label issued (or renewed) on `issued` (SCHEME §5.1): at most two years, and
/// never past the end of the support period, for either kind of label. A third-party label's
/// extensions stop five years after its first evaluation.
pub fn expiry(
    assurance: Assurance,
    issued: Date,
    support_end: Date,
    first_evaluated: Date,
) -> Result<Date, ValidityError> {
    if support_end <= issued {
        return Err(ValidityError::SupportOver { issued, support_end });
    }
    let two_years = issued.checked_add(2.years()).unwrap_or(Date::MAX);
    let mut end = two_years.min(support_end);
    if assurance == Assurance::ThirdParty {
        let five_years = first_evaluated.checked_add(5.years()).unwrap_or(Date::MAX);
        if issued >= five_years {
            return Err(ValidityError::BeyondFiveYears { first_evaluated });
        }
        end = end.min(five_years);
    }
    Ok(end)
}

/// What the registry records about a label; dates decide the rest.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum State {
    Active,
    Suspended,
    Revoked,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Active => "active",
            State::Suspended => "suspended",
            State::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<State> {
        match text {
            "active" => Some(State::Active),
            "suspended" => Some(State::Suspended),
            "revoked" => Some(State::Revoked),
            _ => None,
        }
    }
}

pub use tekigo_base::Status;

/// The status on `today`. A decision of the certification body (revoked, suspended) outranks the
/// calendar; the end of support outranks expiry, because it tells the user to stop using the
/// product, not only that the label lapsed.
pub fn status_on(state: State, today: Date, expires: Date, support_end: Date) -> Status {
    match state {
        State::Revoked => Status::Revoked,
        State::Suspended => Status::Suspended,
        State::Active if today > support_end => Status::SupportEnded,
        State::Active if today > expires => Status::Expired,
        State::Active => Status::Valid,
    }
}

/// The first day on which the status seen on `today` changes by the calendar alone, if it will.
pub fn next_calendar_change(state: State, today: Date, expires: Date, support_end: Date) -> Option<Date> {
    if state != State::Active {
        return None;
    }
    [expires, support_end].into_iter().filter(|d| *d >= today).min().and_then(|d| d.checked_add(1.day()).ok())
}

/// Label numbers' shape is shared with everyone who reads one (tekigo-base).
pub use tekigo_base::{is_label_number, label_number};

/// A firmware release of a series, as the extension rule reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseFact {
    pub version: String,
    pub released: Date,
    pub changes_security: bool,
}

/// The major part of a criteria version (`1` of `1.1`): a new major version is a major update
/// of the criteria (SCHEME §5.1).
fn major(version: &str) -> &str {
    version.split('.').next().unwrap_or(version)
}

/// The new expiry of a third-party label extended on `today` without a new evaluation (SCHEME
/// §5.1): allowed only while the criteria had no major update since the evaluation and no
/// release of the series after it declared a change to security functions (the product's
/// specification changed); never past five years from the first evaluation or past the support
/// end. `Err` names every reason a new evaluation is needed instead.
#[allow(clippy::too_many_arguments)]
pub fn extended_expiry(
    assurance: Assurance,
    first_evaluated: Date,
    today: Date,
    support_end: Date,
    evaluated_criteria: &str,
    current_criteria: &str,
    releases: &[ReleaseFact],
) -> Result<Date, Vec<tekigo_base::Text>> {
    use tekigo_base::Text;
    let mut problems = Vec::new();
    if assurance != Assurance::ThirdParty {
        problems.push(Text::new(
            "only a third-party label is extended; a self-declared one is renewed with a new declaration (SCHEME §5.1)",
            "延長できるのは第三者認証のラベルだけです。自己宣言のラベルは新しい宣言で更新します（SCHEME §5.1）",
        ));
    }
    if major(evaluated_criteria) != major(current_criteria) {
        problems.push(Text::new(
            format!(
                "the criteria had a major update since the evaluation ({evaluated_criteria} → {current_criteria}): a new evaluation is needed (SCHEME §5.1)"
            ),
            format!(
                "評価後に基準の大きな改訂がありました（{evaluated_criteria} → {current_criteria}）。新たな評価が必要です（SCHEME §5.1）"
            ),
        ));
    }
    for release in releases.iter().filter(|r| r.changes_security && r.released > first_evaluated) {
        problems.push(Text::new(
            format!(
                "release {} ({}) changed security functions after the evaluation: a new evaluation is needed (SCHEME §5.1)",
                release.version, release.released
            ),
            format!(
                "評価後のリリース {}（{}）でセキュリティ機能が変更されました。新たな評価が必要です（SCHEME §5.1）",
                release.version, release.released
            ),
        ));
    }
    match expiry(assurance, today, support_end, first_evaluated) {
        Ok(end) if problems.is_empty() => Ok(end),
        Ok(_) => Err(problems),
        Err(error) => {
            problems.push(Text::new(error.to_string(), "有効期間を延長できません（SCHEME §5.1）"));
            Err(problems)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_third_party_label_is_extended_only_while_criteria_and_product_stand() {
        use jiff::civil::date;
        let first = date(2026, 11, 26);
        let support = date(2033, 3, 31);
        let release = |version: &str, released: Date, changes_security: bool| ReleaseFact {
            version: version.into(),
            released,
            changes_security,
        };
        let same_day = [release("2.4.1", first, true)];
        let today = date(2028, 11, 1);
        assert_eq!(
            extended_expiry(Assurance::ThirdParty, first, today, support, "1.1", "1.2", &same_day),
            Ok(date(2030, 11, 1)),
            "a minor criteria update and the evaluated release itself allow it"
        );
        let later = date(2030, 10, 1);
        assert_eq!(
            extended_expiry(Assurance::ThirdParty, first, later, support, "1.1", "1.1", &same_day),
            Ok(date(2031, 11, 26)),
            "never past five years from the first evaluation"
        );
        let problems = extended_expiry(
            Assurance::ThirdParty,
            first,
            today,
            support,
            "1.1",
            "2.0",
            &[release("2.5.0", date(2027, 5, 1), true), release("2.5.1", date(2027, 6, 1), false)],
        )
        .unwrap_err();
        let text: Vec<&str> = problems.iter().map(|p| p.en.as_str()).collect();
        assert_eq!(problems.len(), 2, "{text:?}");
        assert!(text[0].contains("1.1 → 2.0") && text[1].contains("release 2.5.0"), "{text:?}");
        assert!(
            extended_expiry(Assurance::ThirdParty, first, date(2031, 11, 26), support, "1.1", "1.1", &[]).is_err(),
            "five years on: a new evaluation"
        );
        assert!(extended_expiry(Assurance::SelfDeclared, first, today, support, "1.1", "1.1", &[]).is_err());
    }
    use jiff::civil::date;

    #[test]
    fn self_declared_labels_last_two_years_or_until_support_ends() {
        let issued = date(2026, 11, 26);
        assert_eq!(expiry(Assurance::SelfDeclared, issued, date(2035, 1, 1), issued), Ok(date(2028, 11, 26)));
        assert_eq!(expiry(Assurance::SelfDeclared, issued, date(2027, 3, 31), issued), Ok(date(2027, 3, 31)));
        assert!(matches!(
            expiry(Assurance::SelfDeclared, issued, issued, issued),
            Err(ValidityError::SupportOver { .. })
        ));
    }

    #[test]
    fn third_party_extensions_stop_at_five_years() {
        let first = date(2026, 1, 1);
        assert_eq!(expiry(Assurance::ThirdParty, date(2030, 1, 1), date(2040, 1, 1), first), Ok(date(2031, 1, 1)));
        assert!(matches!(
            expiry(Assurance::ThirdParty, date(2031, 1, 1), date(2040, 1, 1), first),
            Err(ValidityError::BeyondFiveYears { .. })
        ));
    }

    #[test]
    fn decisions_outrank_the_calendar_and_support_end_outranks_expiry() {
        let (expires, support) = (date(2028, 1, 1), date(2028, 1, 1));
        assert_eq!(status_on(State::Active, date(2027, 1, 1), expires, support), Status::Valid);
        assert_eq!(status_on(State::Active, date(2028, 1, 1), expires, support), Status::Valid);
        assert_eq!(status_on(State::Active, date(2028, 1, 2), expires, support), Status::SupportEnded);
        assert_eq!(status_on(State::Active, date(2028, 1, 2), expires, date(2030, 1, 1)), Status::Expired);
        assert_eq!(status_on(State::Suspended, date(2027, 1, 1), expires, support), Status::Suspended);
        assert_eq!(status_on(State::Revoked, date(2029, 1, 1), expires, support), Status::Revoked);
        assert_eq!(next_calendar_change(State::Active, date(2027, 1, 1), expires, support), Some(date(2028, 1, 2)));
    }

    proptest::proptest! {
        /// However the dates fall, a label never outlives the support period, two years from issue
        /// (or five from the first evaluation), and the status is never "valid" after either.
        #[test]
        fn validity_never_outlasts_support(
            issued in 0i32..3650, support in 0i32..7300, first_back in 0i32..2000, today in 0i32..9000,
            third_party in proptest::bool::ANY,
        ) {
            let base = date(2025, 1, 1);
            let day = |n: i32| base.checked_add(n.days()).unwrap();
            let (issued, support_end, first) = (day(issued), day(support), day(issued - first_back));
            let assurance = if third_party { Assurance::ThirdParty } else { Assurance::SelfDeclared };
            if let Ok(expires) = expiry(assurance, issued, support_end, first) {
                proptest::prop_assert!(expires <= support_end);
                proptest::prop_assert!(expires <= issued.checked_add(2.years()).unwrap());
                proptest::prop_assert!(expires > issued);
                let today = day(today);
                if status_on(State::Active, today, expires, support_end) == Status::Valid {
                    proptest::prop_assert!(today <= expires && today <= support_end);
                }
            }
        }
    }
}
