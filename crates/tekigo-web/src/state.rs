//! What every handler shares.

use std::sync::Arc;

use tekigo_registry::Registry;

use crate::auth::LoginThrottle;
use crate::cache::LabelCache;
use crate::clock::Clock;
use crate::reports::RateLimiter;

#[derive(Clone)]
pub struct AppState {
    pub registry: Registry,
    pub clock: Clock,
    /// The public address of the registry (`https://registry.example`), without a trailing
    /// slash: QR codes and API links are built from it.
    pub base_url: Arc<str>,
    /// Failed log-ins per e-mail, against password guessing.
    pub logins: Arc<LoginThrottle>,
    /// The labels the public reads most, for two seconds.
    pub labels: Arc<LabelCache>,
    /// The vulnerability database the hourly sweep re-checks labeled products against.
    pub vulndb: Option<Arc<std::path::Path>>,
    /// Reports to the desk per client IP (form and API together).
    pub report_limit: Arc<RateLimiter>,
}

impl AppState {
    pub fn new(registry: Registry, clock: Clock, base_url: &str) -> AppState {
        AppState {
            registry,
            clock,
            base_url: Arc::from(base_url.trim_end_matches('/')),
            logins: Arc::default(),
            labels: Arc::default(),
            vulndb: None,
            report_limit: Arc::default(),
        }
    }

    /// Monitors the labeled products against the vulnerability database in `dir`.
    /// The registry checks applications against it too.
    pub fn with_vulndb(mut self, dir: &std::path::Path) -> AppState {
        self.vulndb = Some(Arc::from(dir));
        self.registry = self.registry.with_vulndb(dir);
        self
    }

    /// The product page of a label: what its QR code encodes.
    pub fn label_url(&self, number: &str) -> String {
        format!("{}/labels/{number}", self.base_url)
    }
}
