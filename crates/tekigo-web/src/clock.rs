//! The registry's clock. Label statuses change by date (SCHEME §5.1), so tests and demos must be
//! able to move time; production reads the system clock. Days are counted in Japan time (UTC+9,
//! no daylight saving), where the scheme runs.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::civil::Date;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Seconds added to the system clock.
    offset: Arc<AtomicI64>,
}

impl Clock {
    pub fn system() -> Clock {
        Clock::default()
    }

    /// Unix seconds.
    pub fn now(&self) -> i64 {
        jiff::Timestamp::now().as_second() + self.offset.load(Ordering::Relaxed)
    }

    pub fn today(&self) -> Date {
        let timestamp = jiff::Timestamp::from_second(self.now()).unwrap_or_else(|_| jiff::Timestamp::now());
        timestamp.to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(9))).date()
    }

    /// Moves this clock (and every copy of it) forward or back.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Moves the clock so that `today()` is `day` (at noon, Japan time).
    pub fn set_today(&self, day: Date) {
        let noon = day.at(12, 0, 0, 0).to_zoned_datetime(jiff::tz::TimeZone::fixed(jiff::tz::offset(9)));
        if let Ok(noon) = noon {
            let target = noon.timestamp().as_second();
            self.offset.store(target - jiff::Timestamp::now().as_second(), Ordering::Relaxed);
        }
    }
}
