//! A short-lived cache of the labels the public reads most: the product page a QR code leads to
//! and the API's lookup. A label changes rarely, but its page is read by every scan; a cached row
//! lives two seconds, so a decision made in any process sharing the database shows within two
//! seconds everywhere. The status is recomputed from the cached state and dates on every read, so
//! expiry and end of support never wait for the cache (SCHEME §5.1).

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use jiff::civil::Date;
use tekigo_registry::cases::Case;
use tekigo_registry::cases::lifecycle::Lifecycle;
use tekigo_registry::labels::rules;
use tekigo_registry::{Label, LabelEvent};
use tekigo_registry::{Registry, RegistryError};

const TTL: Duration = Duration::from_secs(2);
/// Beyond this many entries the cache starts afresh (a cheap bound on memory).
const MAX_ENTRIES: usize = 100_000;

/// Values by label number, with when each was read.
type Timed<T> = Mutex<HashMap<String, (Instant, T)>>;

#[derive(Default)]
pub struct LabelCache {
    labels: Timed<Label>,
    events: Timed<Arc<Vec<LabelEvent>>>,
    proceedings: Timed<Arc<Proceedings>>,
}

/// What is open against a label: its lifecycle state, its cases (newest first) and the failing
/// findings monitoring last saw, as the product page and the API show them.
#[derive(Debug, Clone)]
pub struct Proceedings {
    pub lifecycle: Lifecycle,
    pub cases: Vec<Case>,
    pub findings: Vec<serde_json::Value>,
}

impl Proceedings {
    /// The case in progress (grace period or hearing running), if any.
    pub fn open_case(&self) -> Option<&Case> {
        self.cases.iter().find(|case| matches!(case.status.as_str(), "open" | "suspended"))
    }
}

fn fresh<T: Clone>(map: &Timed<T>, key: &str) -> Option<T> {
    let map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    map.get(key).filter(|(at, _)| at.elapsed() < TTL).map(|(_, value)| value.clone())
}

fn keep<T>(map: &Timed<T>, key: &str, value: T) {
    let mut map = map.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
    if map.len() >= MAX_ENTRIES {
        map.clear();
    }
    map.insert(key.to_owned(), (Instant::now(), value));
}

impl LabelCache {
    /// The label with its status on `today`; unknown labels are not cached.
    pub async fn label(&self, registry: &Registry, number: &str, today: Date) -> Result<Option<Label>, RegistryError> {
        if let Some(mut label) = fresh(&self.labels, number)
            && let (Ok(expires), Ok(support_end)) = (label.expires.parse(), label.support_end.parse())
        {
            label.status = rules::status_on(label.state, today, expires, support_end);
            return Ok(Some(label));
        }
        let label = registry.label(number, today).await?;
        if let Some(label) = &label {
            keep(&self.labels, number, label.clone());
        }
        Ok(label)
    }

    /// The label's lifecycle, cases and findings, read together and kept as long as the label.
    pub async fn proceedings(&self, registry: &Registry, number: &str) -> Result<Arc<Proceedings>, RegistryError> {
        if let Some(proceedings) = fresh(&self.proceedings, number) {
            return Ok(proceedings);
        }
        let proceedings = Arc::new(Proceedings {
            lifecycle: registry.lifecycle(number).await?.unwrap_or(Lifecycle::Active),
            cases: registry.label_cases(number).await?,
            findings: registry.label_findings(number).await?,
        });
        keep(&self.proceedings, number, Arc::clone(&proceedings));
        Ok(proceedings)
    }

    /// Drops what is kept of `number`: a decision taken in this process shows on the next read
    /// (other processes, such as a monitoring run from the command line, show within the TTL).
    pub fn forget(&self, number: &str) {
        for map in [&self.labels as &dyn Forget, &self.events, &self.proceedings] {
            map.forget(number);
        }
    }

    pub async fn events(&self, registry: &Registry, number: &str) -> Result<Arc<Vec<LabelEvent>>, RegistryError> {
        if let Some(events) = fresh(&self.events, number) {
            return Ok(events);
        }
        let events = Arc::new(registry.label_events(number).await?);
        keep(&self.events, number, Arc::clone(&events));
        Ok(events)
    }
}

trait Forget {
    fn forget(&self, key: &str);
}

impl<T> Forget for Timed<T> {
    fn forget(&self, key: &str) {
        self.lock().unwrap_or_else(|poisoned| poisoned.into_inner()).remove(key);
    }
}
