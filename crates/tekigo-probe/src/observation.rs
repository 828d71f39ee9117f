//! What a check returns before the catalogue and the level's policy turn it into a [`Finding`]:
//! the kind of result (a check ID of `data/checks-*.toml`), where, and the evidence.
//!
//! [`Finding`]: crate::Finding

use std::time::Duration;

use serde::Serialize;
use tekigo_base::Text;

use crate::finding::Evidence;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Observation {
    /// A check ID defined in one of the `data/checks-*.toml` files.
    pub check: &'static str,
    pub port: Option<u16>,
    /// `tcp` or `udp`.
    pub protocol: Option<&'static str>,
    pub service: Option<String>,
    /// What this instance found, in both languages.
    pub detail: Text,
    pub evidence: Evidence,
}

/// The bounds every check keeps to. The defaults are what `tekigo probe --help` states.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    pub connect_timeout: Duration,
    pub read_timeout: Duration,
    /// Connections open at once, over the whole probe.
    pub max_concurrency: usize,
    /// Login attempts per service (default credentials and brute-force test together).
    pub max_attempts_per_service: usize,
    /// Pause between two login attempts on one service (the starts of two attempts are at least
    /// this far apart, whatever the number of connections).
    pub attempt_interval: Duration,
    /// How long the scan waits for a service to speak first before probing it.
    pub banner_wait: Duration,
    /// Login connections open at once on one service.
    pub connections_per_service: usize,
    /// Wrong passwords sent in a row by the brute-force test (S1.1-04).
    pub brute_force_failures: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_secs(2),
            read_timeout: Duration::from_secs(5),
            max_concurrency: 32,
            max_attempts_per_service: 100,
            attempt_interval: Duration::from_millis(100),
            banner_wait: Duration::from_millis(1500),
            connections_per_service: 4,
            brute_force_failures: 10,
        }
    }
}
