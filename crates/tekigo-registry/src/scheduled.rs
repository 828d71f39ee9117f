//! The one scheduled job, run every hour by `tekigo serve`: monitoring re-checks the labels
//! against the vulnerability database (when one is configured), the CSAF advisories are exported
//! from what monitoring found, then the lifecycle sweep records the calendar's changes and moves
//! grace periods and hearings. Monitoring runs first so that a case it opens is on the same
//! calendar as the sweep. Each step's result is kept; a failed step is logged and does not stop
//! the ones after it.

use std::path::PathBuf;

use jiff::civil::Date;
use tekigo_base::Text;

use crate::advisories::{self, CsafFile};
use crate::cases::SweptEvent;
use crate::db::{Registry, RegistryError};
use crate::monitoring::{MonitorRun, Scope};

/// What the hourly job is given beside the registry.
#[derive(Debug, Clone, Default)]
pub struct HourlyJob {
    /// The vulnerability database monitoring reads; without one monitoring is skipped.
    pub vulndb: Option<PathBuf>,
    /// What monitoring re-checks: what the imports since the last run touched (every hour), or
    /// everything (`tekigo registry monitor --full`).
    pub scope: Scope,
    /// The address the registry is published at: the advisories' namespace. Without one the
    /// advisory export is skipped.
    pub base_url: Option<String>,
}

/// How one step went.
#[derive(Debug, Clone)]
pub enum Step<T> {
    Ran(T),
    Failed(String),
    /// Not run, and why (the job was not given what the step needs).
    Skipped(Text),
}

impl<T> Step<T> {
    fn of(name: &str, result: Result<T, RegistryError>) -> Step<T> {
        match result {
            Ok(value) => Step::Ran(value),
            Err(error) => Step::failed(name, error.to_string()),
        }
    }

    fn failed(name: &str, error: String) -> Step<T> {
        tracing::error!(step = name, error = %error, "hourly job: step failed");
        Step::Failed(error)
    }

    /// The same outcome with what a step that ran produced turned by `f` (a report's own shape).
    pub fn map<U>(&self, f: impl FnOnce(&T) -> U) -> Step<U> {
        match self {
            Step::Ran(value) => Step::Ran(f(value)),
            Step::Failed(error) => Step::Failed(error.clone()),
            Step::Skipped(reason) => Step::Skipped(reason.clone()),
        }
    }

    /// `Some(true)` ran, `Some(false)` failed, `None` skipped.
    pub fn outcome(&self) -> Option<bool> {
        match self {
            Step::Ran(_) => Some(true),
            Step::Failed(_) => Some(false),
            Step::Skipped(_) => None,
        }
    }

    pub fn failure(&self) -> Option<&str> {
        match self {
            Step::Failed(error) => Some(error),
            _ => None,
        }
    }
}

/// What one run of the hourly job did, step by step.
#[derive(Debug, Clone)]
pub struct HourlyReport {
    pub monitoring: Step<MonitorRun>,
    /// The advisories written.
    pub advisories: Step<Vec<CsafFile>>,
    /// The events the sweep recorded.
    pub sweep: Step<Vec<SweptEvent>>,
}

impl HourlyReport {
    /// Each step by name, and whether it ran (`Some(true)`), failed (`Some(false)`) or was
    /// skipped (`None`): what a server counts in its metrics.
    pub fn outcomes(&self) -> [(&'static str, Option<bool>); 3] {
        [
            ("monitoring", self.monitoring.outcome()),
            ("advisories", self.advisories.outcome()),
            ("sweep", self.sweep.outcome()),
        ]
    }

    /// The failed steps, by name, with their errors.
    pub fn failures(&self) -> Vec<(&'static str, &str)> {
        [
            ("monitoring", self.monitoring.failure()),
            ("advisories", self.advisories.failure()),
            ("sweep", self.sweep.failure()),
        ]
        .into_iter()
        .filter_map(|(name, failure)| failure.map(|f| (name, f)))
        .collect()
    }
}

/// Runs the hourly job once: monitoring, advisories, sweep, in that order, each whatever the
/// others did. `now` is Unix seconds.
pub async fn run_hourly(registry: &Registry, job: &HourlyJob, today: Date, now: i64) -> HourlyReport {
    let monitoring = match &job.vulndb {
        None => Step::Skipped(Text::new(
            "no vulnerability database is configured",
            "脆弱性データベースが設定されていません",
        )),
        Some(dir) => match tekigo_vuln::VulnDb::open(dir) {
            Err(error) => {
                Step::failed("monitoring", format!("cannot open the vulnerability database {}: {error}", dir.display()))
            }
            Ok(mut db) => Step::of("monitoring", registry.monitor(&mut db, job.scope, today, now).await),
        },
    };
    let advisories = match &job.base_url {
        None => Step::Skipped(Text::new(
            "no public address (--base-url) is configured",
            "公開 URL (--base-url) が設定されていません",
        )),
        Some(base_url) => match jiff::Timestamp::from_second(now) {
            Err(error) => Step::failed("advisories", format!("{now} is not a time: {error}")),
            Ok(at) => {
                Step::of("advisories", registry.export_csaf(&advisories::publisher(base_url), base_url, at).await)
            }
        },
    };
    let sweep = Step::of("sweep", registry.sweep(today, now).await);
    HourlyReport { monitoring, advisories, sweep }
}
