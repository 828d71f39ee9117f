//! CVSS: scores from vector strings, and which score the level rule reads.
//!
//! SCHEME §2 states the threshold as a CVSS v3 base score. When a vulnerability has several v3
//! scores, the rule reads, in order: the NVD's primary score, then a CNA's, then any other
//! source's; within one origin v3.1 before v3.0; within the same rank the highest score.

use std::str::FromStr;

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

/// One stored score, for choosing.
#[derive(Debug, Clone, serde::Serialize)]
pub struct Score {
    pub kind: String,
    pub vector: Option<String>,
    pub score: Option<f64>,
    pub origin: String,
}

fn rank(score: &Score) -> (u8, u8) {
    let origin = if score.origin == "nvd:Primary" {
        0
    } else if score.origin.starts_with("nvd:") || score.origin.starts_with("cna") {
        1
    } else {
        2
    };
    let version = match score.vector.as_deref() {
        Some(v) if v.starts_with("CVSS:3.1") => 0,
        _ => 1,
    };
    (origin, version)
}

/// The CVSS v3 base score the level rule reads (see the module comment), with its vector.
pub fn rule_score(scores: &[Score]) -> Option<&Score> {
    scores
        .iter()
        .filter(|s| s.kind == "CVSS_V3" && s.score.is_some())
        .min_by(|a, b| rank(a).cmp(&rank(b)).then(b.score.partial_cmp(&a.score).unwrap_or(std::cmp::Ordering::Equal)))
}

#[cfg(test)]
mod tests {
    use super::*;

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
        let score = |origin: &str, vector: &str, value: f64| Score {
            kind: "CVSS_V3".into(),
            vector: Some(vector.into()),
            score: Some(value),
            origin: origin.into(),
        };
        let scores = vec![
            score("osv", "CVSS:3.1/x", 9.8),
            score("nvd:Secondary", "CVSS:3.1/x", 8.1),
            score("nvd:Primary", "CVSS:3.0/x", 7.5),
            score("nvd:Primary", "CVSS:3.1/x", 6.5),
        ];
        assert_eq!(rule_score(&scores).unwrap().score, Some(6.5));
        assert_eq!(rule_score(&scores[..2]).unwrap().score, Some(8.1));
        assert!(rule_score(&[]).is_none());
    }
}
