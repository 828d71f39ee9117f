//! CVSS: scores from vector strings, and which severity the level rule reads.
//!
//! SCHEME §2 states the threshold as a CVSS v3 base score. The rule reads the best severity known
//! for a vulnerability, through all its aliases (a Go advisory merged with the NVD's CVE record
//! reads the NVD's score), in this order:
//!
//! 1. a CVSS v3.x base score: the NVD's primary score, then a CNA's (or the NVD's secondary), then
//!    GitHub's (GHSA), then any other source's; within one origin v3.1 before v3.0; within the same
//!    rank the highest score;
//! 2. a CVSS v4.0 base score, in the same order of origins (v4.0 keeps v3's 0-10 scale and its
//!    qualitative bands, so it places a vulnerability against the threshold where no v3 exists);
//! 3. the vendor's own score from the policy (`[[scores]]`, a CVSS vector with a reason), only
//!    where the data has no CVSS score;
//! 4. a qualitative level (GHSA's `database_specific.severity` LOW/MODERATE/HIGH/CRITICAL, or an
//!    OSV `Ubuntu` severity), read as the CVSS band it names: HIGH is 7.0-8.9, so it is at or above
//!    7.0 and 4.0; MODERATE (4.0-6.9) is below 7.0 but at or above 4.0; a band that straddles a
//!    policy's threshold decides nothing. A policy score lower than the band is not read: a policy
//!    can only tighten the rule.

use std::str::FromStr;

use serde::Serialize;

/// The kind (`CVSS_V3`, `CVSS_V4`, `CVSS_V2`) and base score of a vector, as far as it can be scored.
pub fn score_vector(kind: &str, vector: &str) -> (String, Option<f64>) {
    let vector = vector.trim();
    if vector.starts_with("CVSS:3.") {
        let score = cvss::v3::Vector::from_str(vector).ok().map(|v| v.score().value());
        return ("CVSS_V3".into(), score);
    }
    if vector.starts_with("CVSS:4.") {
        let score = cvss::v4::Vector::from_str(vector).ok().map(|v| v.score().value());
        return ("CVSS_V4".into(), score);
    }
    let kind = match kind {
        "CVSS_V2" | "CVSS_V3" | "CVSS_V4" => kind.to_owned(),
        _ => "CVSS_V2".to_owned(),
    };
    (kind, None)
}

/// The kind under which an import stores a qualitative level (GHSA's `database_specific.severity`).
pub const QUALITATIVE: &str = "QUALITATIVE";

/// One stored score, for choosing.
#[derive(Debug, Clone, Serialize)]
pub struct Score {
    pub kind: String,
    pub vector: Option<String>,
    pub score: Option<f64>,
    pub origin: String,
    /// The advisory the score was read from (`osv GHSA-…`, `nvd CVE-…`), when known.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

/// Which grade of evidence the rule's severity is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Basis {
    /// A CVSS v3.x base score from the data.
    CvssV3,
    /// A CVSS v4.0 base score from the data (no v3 score known).
    CvssV4,
    /// The vendor's score from the policy's `[[scores]]`, with its reason.
    Policy,
    /// A qualitative level (LOW/MODERATE/HIGH/CRITICAL): a band of scores, not a score.
    Qualitative,
}

/// The severity the rule reads, and where it came from.
#[derive(Debug, Clone, Serialize)]
pub struct RuleSeverity {
    pub basis: Basis,
    /// The lowest and highest base score the severity can stand for: equal for a CVSS score, the
    /// qualitative band otherwise (HIGH is 7.0-8.9).
    pub range: [f64; 2],
    /// `nvd:Primary`, `nvd:Secondary`, `cna`, `ghsa`, `osv`, `csaf`, `policy`, ...
    pub origin: String,
    /// The CVSS vector, or the qualitative level's name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vector: Option<String>,
    /// The policy's reason for a vendor score.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// The advisory the severity was read from (`nvd CVE-…`, `osv GHSA-…`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<String>,
}

/// Where a severity stands against a threshold.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Against {
    AtOrAbove,
    Below,
    /// A qualitative band that straddles the threshold.
    Undecided,
}

impl RuleSeverity {
    pub fn against(&self, threshold: f64) -> Against {
        if self.range[0] >= threshold {
            Against::AtOrAbove
        } else if self.range[1] < threshold {
            Against::Below
        } else {
            Against::Undecided
        }
    }

    /// A short name for tables and messages: `CVSS v3.1 9.8 (nvd:Primary)`, `HIGH (7.0-8.9, ghsa)`.
    pub fn describe(&self) -> String {
        let version = |prefix: &str| {
            self.vector.as_deref().and_then(|v| v.split('/').next()).map_or(prefix.to_owned(), |v| v.replace(':', " v"))
        };
        match self.basis {
            Basis::CvssV3 | Basis::CvssV4 | Basis::Policy => {
                format!("{} {:.1} ({})", version("CVSS"), self.range[0], self.origin)
            }
            Basis::Qualitative => format!(
                "{} ({:.1}-{:.1}, {})",
                self.vector.as_deref().unwrap_or_default(),
                self.range[0],
                self.range[1],
                self.origin
            ),
        }
    }
}

/// The CVSS band a qualitative level names (CVSS v3.1 specification §5, "Qualitative Severity
/// Rating Scale"); GHSA's MODERATE is CVSS's Medium.
pub fn qualitative_band(level: &str) -> Option<[f64; 2]> {
    match level.trim().to_ascii_uppercase().as_str() {
        "NONE" => Some([0.0, 0.0]),
        "LOW" | "NEGLIGIBLE" => Some([0.1, 3.9]),
        "MODERATE" | "MEDIUM" => Some([4.0, 6.9]),
        "HIGH" | "IMPORTANT" => Some([7.0, 8.9]),
        "CRITICAL" => Some([9.0, 10.0]),
        _ => None,
    }
}

/// The qualitative level an OSV record's `database_specific` carries (GHSA's `severity`), for an
/// import to store as a [`QUALITATIVE`] severity.
pub fn database_specific_level(database_specific: &serde_json::Value) -> Option<String> {
    let level = database_specific.get("severity")?.as_str()?;
    qualitative_band(level).map(|_| level.trim().to_ascii_uppercase())
}

fn origin_rank(score: &Score) -> u8 {
    if score.origin == "nvd:Primary" {
        0
    } else if score.origin.starts_with("nvd:") || score.origin.starts_with("cna") {
        1
    } else if score.origin == "ghsa" {
        2
    } else {
        3
    }
}

fn rank(score: &Score) -> (u8, u8) {
    let version = match score.vector.as_deref() {
        Some(v) if v.starts_with("CVSS:3.1") => 0,
        _ => 1,
    };
    (origin_rank(score), version)
}

fn best<'a>(scores: &'a [Score], kind: &str) -> Option<&'a Score> {
    scores
        .iter()
        .filter(|s| s.kind == kind && s.score.is_some())
        .min_by(|a, b| rank(a).cmp(&rank(b)).then(b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal)))
}

/// The CVSS v3 base score the level rule reads first (see the module comment), with its vector.
pub fn rule_score(scores: &[Score]) -> Option<&Score> {
    best(scores, "CVSS_V3")
}

/// A vendor's own score for a vulnerability the data leaves unscored (policy `[[scores]]`).
#[derive(Debug, Clone)]
pub struct VendorScore<'a> {
    pub vector: &'a str,
    pub score: f64,
    pub reason: &'a str,
}

/// The severity the rule reads (see the module comment); `None` when nothing scores it.
pub fn rule_severity(scores: &[Score], vendor: Option<VendorScore<'_>>) -> Option<RuleSeverity> {
    let numeric = |score: &Score, basis: Basis| RuleSeverity {
        basis,
        range: [score.score.unwrap_or_default(); 2],
        origin: score.origin.clone(),
        vector: score.vector.clone(),
        reason: None,
        record: score.record.clone(),
    };
    if let Some(score) = best(scores, "CVSS_V3") {
        return Some(numeric(score, Basis::CvssV3));
    }
    if let Some(score) = best(scores, "CVSS_V4") {
        return Some(numeric(score, Basis::CvssV4));
    }
    // The highest band any source names: sources disagreeing is read against the product.
    let qualitative = scores
        .iter()
        .filter_map(|s| {
            let level = s.vector.as_deref()?;
            let band = qualitative_band(level)?;
            (s.kind == QUALITATIVE || s.score.is_none())
                .then(|| (band, level.to_ascii_uppercase(), s.origin.clone(), s.record.clone()))
        })
        .max_by(|a, b| a.0[0].partial_cmp(&b.0[0]).unwrap_or(std::cmp::Ordering::Equal));
    if let Some(vendor) = vendor {
        let below_band = qualitative.as_ref().is_some_and(|(band, ..)| vendor.score < band[0]);
        if !below_band {
            return Some(RuleSeverity {
                basis: Basis::Policy,
                range: [vendor.score; 2],
                origin: "policy".into(),
                vector: Some(vendor.vector.to_owned()),
                reason: Some(vendor.reason.to_owned()),
                record: None,
            });
        }
    }
    qualitative.map(|(range, level, origin, record)| RuleSeverity {
        basis: Basis::Qualitative,
        range,
        origin,
        vector: Some(level),
        reason: None,
        record,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn score(origin: &str, vector: &str, value: f64) -> Score {
        let kind = if vector.starts_with("CVSS:4") { "CVSS_V4" } else { "CVSS_V3" };
        Score {
            kind: kind.into(),
            vector: Some(vector.into()),
            score: Some(value),
            origin: origin.into(),
            record: None,
        }
    }

    fn level(origin: &str, name: &str) -> Score {
        Score { kind: QUALITATIVE.into(), vector: Some(name.into()), score: None, origin: origin.into(), record: None }
    }

    #[test]
    fn scores_v3_vectors() {
        // Log4Shell, CVE-2021-44228: 10.0.
        let (kind, score) = score_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:C/C:H/I:H/A:H");
        assert_eq!((kind.as_str(), score), ("CVSS_V3", Some(10.0)));
        // A medium one: 5.3.
        assert_eq!(score_vector("CVSS_V3", "CVSS:3.1/AV:N/AC:L/PR:N/UI:N/S:U/C:N/I:N/A:L").1, Some(5.3));
        assert_eq!(score_vector("CVSS_V3", "CVSS:3.1/garbage").1, None);
    }

    #[test]
    fn the_rule_prefers_nvd_primary_then_v3_1() {
        let scores = vec![
            score("osv", "CVSS:3.1/x", 9.8),
            score("nvd:Secondary", "CVSS:3.1/x", 8.1),
            score("nvd:Primary", "CVSS:3.0/x", 7.5),
            score("nvd:Primary", "CVSS:3.1/x", 6.5),
        ];
        assert_eq!(rule_score(&scores).unwrap().score, Some(6.5));
        assert_eq!(rule_score(&scores[..2]).unwrap().score, Some(8.1));
        assert!(rule_score(&[]).is_none());
        // GHSA ranks after the NVD and CNAs, before other sources.
        let scores = vec![score("osv", "CVSS:3.1/x", 9.8), score("ghsa", "CVSS:3.1/x", 5.0)];
        assert_eq!(rule_severity(&scores, None).unwrap().range, [5.0, 5.0]);
    }

    #[test]
    fn v4_then_the_policy_then_a_qualitative_level() {
        let v4 = score("cna", "CVSS:4.0/x", 8.7);
        let high = level("ghsa", "HIGH");
        let vendor = VendorScore { vector: "CVSS:3.1/x", score: 5.0, reason: "r" };
        let chosen = rule_severity(&[high.clone(), v4], Some(vendor.clone())).unwrap();
        assert_eq!((chosen.basis, chosen.range), (Basis::CvssV4, [8.7, 8.7]));
        // A vendor score below the band a source names is not read: the band decides.
        let chosen = rule_severity(std::slice::from_ref(&high), Some(vendor.clone())).unwrap();
        assert_eq!(chosen.basis, Basis::Qualitative);
        assert_eq!(chosen.against(7.0), Against::AtOrAbove);
        assert_eq!(chosen.describe(), "HIGH (7.0-8.9, ghsa)");
        let vendor_high = VendorScore { vector: "CVSS:3.1/y", score: 7.5, reason: "r" };
        assert_eq!(rule_severity(std::slice::from_ref(&high), Some(vendor_high)).unwrap().basis, Basis::Policy);
        assert_eq!(rule_severity(&[], Some(vendor)).unwrap().range, [5.0, 5.0]);
        // MODERATE is below ★1's 7.0, at ★3's 4.0, and says nothing against a policy's 6.0.
        let moderate = rule_severity(&[level("ghsa", "MODERATE")], None).unwrap();
        assert_eq!(
            (moderate.against(7.0), moderate.against(4.0), moderate.against(6.0)),
            (Against::Below, Against::AtOrAbove, Against::Undecided)
        );
        assert!(rule_severity(&[level("osv", "whatever")], None).is_none());
        assert!(rule_severity(&[], None).is_none());
    }
}
