//! The scheme's calendar. Label statuses change by date (SCHEME §5.1, see `docs/scheme.md`), and
//! the scheme runs in Japan: a day is a day in Japan time (UTC+9, no daylight saving), whoever
//! reads it and wherever. Tests and demos must be able to move time, so the clock can be shifted;
//! production reads the system clock.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use jiff::civil::Date;
use jiff::tz::TimeZone;

fn japan() -> TimeZone {
    TimeZone::fixed(jiff::tz::offset(9))
}

/// The record of a dated history in effect on `day`: the last that took effect on or before it,
/// where `effective` reads a record's day. Records are in the order they were written, so a later
/// record for the same day (or back-dated before another) overrides an earlier one; `None` before
/// the first. A register's standing over time (an evaluator's, a lab's accreditation) reads so.
pub fn in_effect_on<T>(history: &[T], day: Date, effective: impl Fn(&T) -> Date) -> Option<&T> {
    let mut found: Option<&T> = None;
    for record in history.iter().filter(|r| effective(r) <= day) {
        if found.is_none_or(|f| effective(record) >= effective(f)) {
            found = Some(record);
        }
    }
    found
}

/// The scheme's day (Japan time) at `timestamp`.
pub fn scheme_day(timestamp: jiff::Timestamp) -> Date {
    scheme_time(timestamp).date()
}

/// `timestamp` on the scheme's clock (Japan time), for showing a moment to a person.
pub fn scheme_time(timestamp: jiff::Timestamp) -> jiff::ZonedDateTime {
    timestamp.to_zoned_datetime(japan())
}

#[derive(Debug, Clone, Default)]
pub struct Clock {
    /// Seconds added to the system clock; shared by every copy of this clock.
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

    /// [`Clock::now`] as a timestamp (the system's own time if the offset took it out of range).
    pub fn timestamp(&self) -> jiff::Timestamp {
        jiff::Timestamp::from_second(self.now()).unwrap_or_else(|_| jiff::Timestamp::now())
    }

    pub fn today(&self) -> Date {
        scheme_day(self.timestamp())
    }

    /// Moves this clock (and every copy of it) forward or back.
    pub fn advance(&self, seconds: i64) {
        self.offset.fetch_add(seconds, Ordering::Relaxed);
    }

    /// Moves the clock so that `today()` is `day` (at noon, Japan time).
    pub fn set_today(&self, day: Date) {
        if let Ok(noon) = day.at(12, 0, 0, 0).to_zoned_datetime(japan()) {
            let target = noon.timestamp().as_second();
            self.offset.store(target - jiff::Timestamp::now().as_second(), Ordering::Relaxed);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_day_turns_at_midnight_in_japan() {
        let before: jiff::Timestamp = "2026-03-31T14:59:59Z".parse().unwrap();
        let after: jiff::Timestamp = "2026-03-31T15:00:00Z".parse().unwrap();
        assert_eq!(scheme_day(before), jiff::civil::date(2026, 3, 31));
        assert_eq!(scheme_day(after), jiff::civil::date(2026, 4, 1));
    }

    #[test]
    fn a_moved_clock_reads_the_day_it_was_set_to_in_every_copy() {
        let clock = Clock::system();
        let copy = clock.clone();
        clock.set_today(jiff::civil::date(2031, 12, 31));
        assert_eq!(copy.today(), jiff::civil::date(2031, 12, 31));
        clock.advance(86_400);
        assert_eq!(copy.today(), jiff::civil::date(2032, 1, 1));
    }
}
