//! What every handler shares.

use std::sync::Arc;

use tekigo_registry::Registry;

use crate::http::auth::LoginThrottle;
use crate::http::cache::LabelCache;
use crate::http::limits::{self, RateLimiter};
use crate::http::metrics::Metrics;
use crate::http::operator::Operator;
use tekigo_base::Clock;

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
    /// Public searches per client IP (the page and the API together; never label verification).
    pub search_limit: Arc<RateLimiter>,
    /// Log-in posts per client IP, besides the per-e-mail lock of `logins`.
    pub login_limit: Arc<RateLimiter>,
    /// Sign-up posts per client IP.
    pub signup_limit: Arc<RateLimiter>,
    /// Reverse proxies whose `X-Forwarded-For` names the client (`--trusted-proxy`).
    pub trusted_proxies: Arc<[std::net::IpAddr]>,
    /// The process's metrics (`/metrics`); the hourly job records its steps here.
    pub metrics: Arc<Metrics>,
    /// When set, `/metrics` asks for `Authorization: Bearer <token>` (the caller reads it, e.g.
    /// from `TEKIGO_METRICS_TOKEN`).
    pub metrics_token: Option<Arc<str>>,
    /// Who runs the registry, shown on every page (`--operator`; a stand-in that names no one
    /// when not configured).
    pub operator: Arc<Operator>,
    /// Days after a label's expiry day that IPA's reading shows as 失効猶予 rather than 失効
    /// (`--expiry-grace-days`; 0, the default, is none). See [`tekigo_base::IpaStatus`].
    pub expiry_grace_days: u32,
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
            search_limit: Arc::new(RateLimiter::with(limits::SEARCH)),
            login_limit: Arc::new(RateLimiter::with(limits::LOGIN)),
            signup_limit: Arc::new(RateLimiter::with(limits::SIGNUP)),
            trusted_proxies: Arc::from(Vec::new()),
            metrics: Arc::default(),
            metrics_token: None,
            operator: Arc::new(Operator::not_configured()),
            expiry_grace_days: 0,
        }
    }

    /// Monitors the labeled products against the vulnerability database in `dir`.
    /// The registry checks applications against it too.
    pub fn with_vulndb(mut self, dir: &std::path::Path) -> AppState {
        self.vulndb = Some(Arc::from(dir));
        self.registry = self.registry.with_vulndb(dir);
        self
    }

    /// Believes `X-Forwarded-For` from these proxies (see `limits.rs`).
    pub fn with_trusted_proxies(mut self, proxies: &[std::net::IpAddr]) -> AppState {
        self.trusted_proxies = Arc::from(proxies.to_vec());
        self
    }

    /// Asks `/metrics` for `Authorization: Bearer <token>` (an empty token asks for nothing).
    pub fn with_metrics_token(mut self, token: &str) -> AppState {
        self.metrics_token = (!token.is_empty()).then(|| Arc::from(token));
        self
    }

    /// Shows `operator` on every page.
    pub fn with_operator(mut self, operator: Operator) -> AppState {
        self.operator = Arc::new(operator);
        self
    }

    /// Reads expired labels as 失効猶予 for `days` after their expiry day.
    pub fn with_expiry_grace_days(mut self, days: u32) -> AppState {
        self.expiry_grace_days = days;
        self
    }

    /// The label's status as IPA's public list reads it, on `today`. A stored expiry day that
    /// does not parse has already failed the label's read, so here it only falls back to today.
    pub fn ipa_status(&self, label: &tekigo_registry::Label, today: jiff::civil::Date) -> tekigo_base::IpaStatus {
        tekigo_base::IpaStatus::of(
            label.status,
            tekigo_base::IpaFacts {
                today,
                expires: label.expires.parse().unwrap_or(today),
                grace_days: self.expiry_grace_days,
                renewal_pending: label.renewal_pending,
            },
        )
    }

    /// The product page of a label: what its QR code encodes.
    pub fn label_url(&self, number: &str) -> String {
        format!("{}/labels/{number}", self.base_url)
    }
}
