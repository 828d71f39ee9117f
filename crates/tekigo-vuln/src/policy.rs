//! The policy file: how a check reads "exploitable", and time-boxed exceptions.
//!
//! A policy can only tighten the level's rule (SCHEME §2): a lower CVSS threshold, a lower EPSS
//! threshold, or failing on any scored vulnerability whether exploitable or not. An exception is
//! a reasoned, dated waiver of one vulnerability (optionally for one component) that lapses by itself.
//! A vendor score (`[[scores]]`) places a vulnerability the data leaves unscored against the
//! threshold, with the vendor's reason; it never replaces a CVSS score from the data (see
//! `severity`). `max_age_days` is how old a source's data may be before every report warns.

use serde::{Deserialize, Serialize};

use crate::ImportError;

/// EPSS probability from which a vulnerability counts as exploitable when no policy says otherwise.
/// 0.1 (a 10% chance of exploitation activity within 30 days) is well above the EPSS of most CVEs
/// and is a common triage cut-off; a policy may lower it.
pub const DEFAULT_EPSS_THRESHOLD: f64 = 0.1;

/// Days after which a source's data is reported as stale. The feeds publish daily (NVD, OSV, KEV,
/// EPSS); a week leaves room for a missed update without hiding a forgotten one.
pub const DEFAULT_MAX_AGE_DAYS: u32 = 7;

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    /// Overrides the level's CVSS v3 threshold; only a lower value is accepted.
    #[serde(default)]
    pub cvss_min: Option<f64>,
    #[serde(default = "default_epss")]
    pub epss_threshold: f64,
    /// When false, every vulnerability at or above the threshold fails, exploitable or not.
    #[serde(default = "yes")]
    pub require_exploitable: bool,
    /// When true, a match made on the product name alone (low confidence) can fail the level;
    /// by default it is reported for review.
    #[serde(default)]
    pub fail_on_low_confidence: bool,
    #[serde(default)]
    pub exceptions: Vec<Exception>,
    /// A source whose data is older than this many days is reported as stale (a warning in
    /// every output, not a failure).
    #[serde(default = "default_max_age")]
    pub max_age_days: u32,
    /// The vendor's scores for vulnerabilities the data leaves unscored.
    #[serde(default)]
    pub scores: Vec<PolicyScore>,
}

fn default_max_age() -> u32 {
    DEFAULT_MAX_AGE_DAYS
}

fn default_epss() -> f64 {
    DEFAULT_EPSS_THRESHOLD
}

fn yes() -> bool {
    true
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            cvss_min: None,
            epss_threshold: DEFAULT_EPSS_THRESHOLD,
            require_exploitable: true,
            fail_on_low_confidence: false,
            exceptions: Vec::new(),
            max_age_days: DEFAULT_MAX_AGE_DAYS,
            scores: Vec::new(),
        }
    }
}

/// A vendor's CVSS vector for one vulnerability (any of its IDs), with the reason.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct PolicyScore {
    pub id: String,
    /// A CVSS v3.x or v4.0 vector string (`CVSS:3.1/AV:N/...`).
    pub cvss: String,
    pub reason: String,
}

impl PolicyScore {
    /// The base score of the vector (checked when the policy is read).
    pub fn base_score(&self) -> Option<f64> {
        crate::severity::score_vector("", &self.cvss).1
    }
}

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct Exception {
    /// A vulnerability ID or any of its aliases.
    pub id: String,
    /// Restricts the exception to components whose purl, CPE or name contains this text.
    #[serde(default)]
    pub component: Option<String>,
    pub reason: String,
    /// The last day (YYYY-MM-DD) the exception holds.
    pub expires: String,
}

impl Policy {
    /// Reads a policy file, checking it can only tighten the level's rule.
    pub fn from_toml(text: &str, origin: &str, level_cvss_min: f64) -> Result<Policy, ImportError> {
        let policy: Policy = toml::from_str(text).map_err(|e| {
            let position = e.span().map(|s| {
                let before = &text[..s.start.min(text.len())];
                format!(":{}", before.matches('\n').count() + 1)
            });
            ImportError::input(&format!("{origin}{}", position.unwrap_or_default()), e.message().trim().to_owned())
        })?;
        if let Some(cvss) = policy.cvss_min
            && !(0.0..=level_cvss_min).contains(&cvss)
        {
            return Err(ImportError::input(
                origin,
                format!(
                    "cvss_min {cvss} would loosen the level's threshold of {level_cvss_min}: a policy can only lower it"
                ),
            ));
        }
        if !(0.0..=1.0).contains(&policy.epss_threshold) {
            return Err(ImportError::input(origin, "epss_threshold is a probability between 0 and 1"));
        }
        for exception in &policy.exceptions {
            if jiff::civil::Date::strptime("%Y-%m-%d", &exception.expires).is_err() {
                return Err(ImportError::input(
                    origin,
                    format!(
                        "exception for {}: expires `{}` is not a date (YYYY-MM-DD)",
                        exception.id, exception.expires
                    ),
                ));
            }
            if exception.reason.trim().is_empty() {
                return Err(ImportError::input(
                    origin,
                    format!("exception for {}: a reason is required", exception.id),
                ));
            }
        }
        for score in &policy.scores {
            if score.id.trim().is_empty() {
                return Err(ImportError::input(origin, "a [[scores]] entry needs the vulnerability's id"));
            }
            if score.base_score().is_none() {
                return Err(ImportError::input(
                    origin,
                    format!(
                        "score for {}: `{}` is not a CVSS v3.x or v4.0 vector (CVSS:3.1/AV:N/AC:L/...)",
                        score.id, score.cvss
                    ),
                ));
            }
            if score.reason.trim().is_empty() {
                return Err(ImportError::input(origin, format!("score for {}: a reason is required", score.id)));
            }
        }
        Ok(policy)
    }

    /// The vendor's score for a vulnerability known by any of `aliases`.
    pub fn score_for(&self, aliases: &[String]) -> Option<&PolicyScore> {
        self.scores.iter().find(|s| aliases.iter().any(|a| a.eq_ignore_ascii_case(s.id.trim())))
    }
}
