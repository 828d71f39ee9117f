//! A label's public status: what a consumer is told when reading the label (SCHEME §5.2, see
//! `docs/scheme.md`). The one type for it: the registry computes it, the signed status note
//! carries its `name`, pages and the API show it.

use std::fmt;

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
}
