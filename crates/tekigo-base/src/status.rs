//! A label's public status: what a consumer is told when reading the label (SCHEME §5.2, see
//! `docs/scheme.md`). The one type for it: the registry computes it, the signed status note
//! carries its `name`, pages and the API show it.

use std::fmt;

use jiff::civil::Date;
use serde::{Deserialize, Serialize};

use crate::text::Text;

/// Whether the label holds on a day, and if not, why.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    Valid,
    Expired,
    /// The vendor no longer provides security updates: the product should not be used.
    SupportEnded,
    Suspended,
    Revoked,
}

impl Status {
    pub const ALL: [Status; 5] =
        [Status::Valid, Status::Expired, Status::SupportEnded, Status::Suspended, Status::Revoked];

    /// The name in URLs, JSON, the feed and signed notes; a public interface.
    pub fn name(self) -> &'static str {
        match self {
            Status::Valid => "valid",
            Status::Expired => "expired",
            Status::SupportEnded => "support-ended",
            Status::Suspended => "suspended",
            Status::Revoked => "revoked",
        }
    }

    pub fn parse(text: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.name() == text)
    }

    /// What a person reads.
    pub fn label(self) -> Text {
        match self {
            Status::Valid => Text::new("valid", "有効"),
            Status::Expired => Text::new("expired", "有効期限切れ"),
            Status::SupportEnded => Text::new("support ended", "サポート終了"),
            Status::Suspended => Text::new("suspended", "一時停止"),
            Status::Revoked => Text::new("revoked", "取消し"),
        }
    }
}

/// The status as IPA's public list of JC-STAR labels reads it: 有効, 失効猶予, 失効 or 取消し.
///
/// IPA's list has four words where tekigo has five statuses, and one of IPA's words (失効猶予, the
/// label lapsed but is not yet finally gone) depends on facts beyond the status. Our reading,
/// stated here once ([`IpaStatus::of`]) and in `docs/scheme.md`:
/// - valid → 有効; revoked → 取消し;
/// - suspended → 失効猶予: the label neither holds nor has finally ended, a decision is pending;
/// - expired → 失効猶予 while a renewal application submitted on or before the expiry day is
///   still under review, or while the configured grace window (days after the expiry day) runs;
///   otherwise 失効;
/// - support-ended → 失効: no renewal brings back a product the vendor no longer updates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum IpaStatus {
    Valid,
    ExpiryGrace,
    Expired,
    Revoked,
}

/// What [`IpaStatus::of`] reads besides the status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct IpaFacts {
    /// The day the status is read for.
    pub today: Date,
    /// The label's last valid day.
    pub expires: Date,
    /// Days after the expiry day still read as 失効猶予 (0: none).
    pub grace_days: u32,
    /// A renewal application submitted on or before the expiry day is still under review.
    pub renewal_pending: bool,
}

impl IpaStatus {
    pub const ALL: [IpaStatus; 4] = [IpaStatus::Valid, IpaStatus::ExpiryGrace, IpaStatus::Expired, IpaStatus::Revoked];

    /// IPA's reading of `status` (see the type's documentation for the rule).
    pub fn of(status: Status, facts: IpaFacts) -> IpaStatus {
        match status {
            Status::Valid => IpaStatus::Valid,
            Status::Revoked => IpaStatus::Revoked,
            Status::Suspended => IpaStatus::ExpiryGrace,
            Status::SupportEnded => IpaStatus::Expired,
            Status::Expired if facts.renewal_pending => IpaStatus::ExpiryGrace,
            Status::Expired => {
                // A window past the end of the calendar never closes.
                let last =
                    jiff::Span::new().try_days(i64::from(facts.grace_days)).and_then(|s| facts.expires.checked_add(s));
                let in_window = !last.is_ok_and(|last| facts.today > last);
                if facts.grace_days > 0 && in_window { IpaStatus::ExpiryGrace } else { IpaStatus::Expired }
            }
        }
    }

    /// The name in JSON and files; a public interface.
    pub fn name(self) -> &'static str {
        match self {
            IpaStatus::Valid => "valid",
            IpaStatus::ExpiryGrace => "expiry-grace",
            IpaStatus::Expired => "expired",
            IpaStatus::Revoked => "revoked",
        }
    }

    /// IPA's own word, and its English.
    pub fn label(self) -> Text {
        match self {
            IpaStatus::Valid => Text::new("valid", "有効"),
            IpaStatus::ExpiryGrace => Text::new("expiry grace", "失効猶予"),
            IpaStatus::Expired => Text::new("expired", "失効"),
            IpaStatus::Revoked => Text::new("revoked", "取消し"),
        }
    }
}

impl fmt::Display for IpaStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_status_reads_back_from_its_name() {
        for status in Status::ALL {
            assert_eq!(Status::parse(status.name()), Some(status));
        }
        assert_eq!(Status::parse("Valid"), None);
    }

    fn facts(today: Date, grace_days: u32, renewal_pending: bool) -> IpaFacts {
        IpaFacts { today, expires: jiff::civil::date(2028, 11, 26), grace_days, renewal_pending }
    }

    #[test]
    fn decisions_and_validity_read_the_same_whatever_the_facts() {
        let day = jiff::civil::date(2028, 12, 1);
        for (grace, pending) in [(0, false), (0, true), (30, false), (30, true)] {
            let f = facts(day, grace, pending);
            assert_eq!(IpaStatus::of(Status::Valid, f), IpaStatus::Valid);
            assert_eq!(IpaStatus::of(Status::Revoked, f), IpaStatus::Revoked);
            assert_eq!(IpaStatus::of(Status::Suspended, f), IpaStatus::ExpiryGrace);
            assert_eq!(IpaStatus::of(Status::SupportEnded, f), IpaStatus::Expired);
        }
    }

    #[test]
    fn an_expired_label_is_in_grace_while_its_renewal_is_reviewed() {
        let long_after = jiff::civil::date(2031, 1, 1);
        assert_eq!(IpaStatus::of(Status::Expired, facts(long_after, 0, true)), IpaStatus::ExpiryGrace);
        assert_eq!(IpaStatus::of(Status::Expired, facts(long_after, 0, false)), IpaStatus::Expired);
        assert_eq!(IpaStatus::of(Status::Expired, facts(long_after, 30, true)), IpaStatus::ExpiryGrace);
    }

    #[test]
    fn the_grace_window_ends_on_its_last_day() {
        // Expires 2028-11-26: with 5 days of grace the 27th to the 1st of December are in grace.
        let day = |d: i8, m: i8| jiff::civil::date(2028, m, d);
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(27, 11), 5, false)), IpaStatus::ExpiryGrace);
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(1, 12), 5, false)), IpaStatus::ExpiryGrace);
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(2, 12), 5, false)), IpaStatus::Expired);
        // No window: the first day after expiry is already 失効.
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(27, 11), 0, false)), IpaStatus::Expired);
        // One day: exactly the day after expiry.
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(27, 11), 1, false)), IpaStatus::ExpiryGrace);
        assert_eq!(IpaStatus::of(Status::Expired, facts(day(28, 11), 1, false)), IpaStatus::Expired);
    }

    #[test]
    fn a_window_beyond_the_calendar_never_closes_and_never_panics() {
        let f = IpaFacts {
            today: jiff::civil::date(9999, 12, 31),
            expires: jiff::civil::date(9999, 12, 30),
            grace_days: u32::MAX,
            renewal_pending: false,
        };
        assert_eq!(IpaStatus::of(Status::Expired, f), IpaStatus::ExpiryGrace);
    }

    #[test]
    fn ipa_statuses_have_their_public_names_and_words() {
        let names: Vec<String> = IpaStatus::ALL.iter().map(|s| format!("{} {}", s.name(), s.label().ja)).collect();
        assert_eq!(names, ["valid 有効", "expiry-grace 失効猶予", "expired 失効", "revoked 取消し"]);
    }
}
