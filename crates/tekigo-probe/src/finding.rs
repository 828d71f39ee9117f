//! What the probe reports: one uniform finding per observation.

use serde::{Deserialize, Serialize};
use tekigo_base::Text;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Critical,
    High,
    Medium,
    Low,
    Info,
}

/// Decided by the level's policy (`policy.rs`), never by the check that observed it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Verdict {
    Fail,
    Warn,
    Pass,
    Info,
}

/// What was sent and what was seen. A credential that worked is reported in full: the owner must
/// change it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evidence {
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub sent: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty", default)]
    pub seen: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub credential: Option<Credential>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Credential {
    pub username: String,
    pub password: String,
}

/// One observation. `id` names the kind of check result (`telnet-open`, `default-credential`,
/// `tls-protocol-weak`, ...); its requirements, threats and title come from the check catalogue
/// (`data/checks.toml`), its verdict from the level's policy.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Finding {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub port: Option<u16>,
    /// `tcp` or `udp`.
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub protocol: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none", default)]
    pub service: Option<String>,
    pub severity: Severity,
    /// `jc-star/S1.1-02`, `etsi-en-303-645/5.1-1`, ...
    pub requirements: Vec<String>,
    /// SCHEME §3 threats: `T1`...
    pub threats: Vec<String>,
    pub title: Text,
    /// What this instance found, in both languages.
    pub detail: Text,
    pub evidence: Evidence,
    pub verdict: Verdict,
}
