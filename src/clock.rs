//! The one clock: "now" for records, reviews and reports, and "today in Europe/London"
//! for agreements (in force by UK calendar days), `age-band` and review dates.
//! Injectable, so that tests control time: the store, the gateway and the admin
//! listener all hold an `Arc<dyn Clock>`.
//!
//! It must not be used for timeouts: those use tokio's monotonic clock.

use std::sync::{Arc, Mutex};

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::{SignedDuration, Timestamp};

/// Where the time of day is read.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;

    /// Today's date in Europe/London at [`Clock::now`].
    fn today(&self) -> Date {
        date_in_london(self.now())
    }
}

/// The date in Europe/London at `t` (UTC if the zone is somehow unknown).
pub fn date_in_london(t: Timestamp) -> Date {
    let tz = TimeZone::get("Europe/London").unwrap_or(TimeZone::UTC);
    t.to_zoned(tz).date()
}

/// A bound of a time range as people type it: `YYYY-MM-DD` (a day in Europe/London; as
/// an `end`, the range includes the whole day) or an RFC 3339 time. For the admin API
/// and the command line alike.
pub fn parse_bound(s: &str, end: bool) -> Option<Timestamp> {
    if let Ok(t) = s.parse::<jiff::Timestamp>() {
        return Some(t);
    }
    if s.len() != 10 {
        return None;
    }
    let date: Date = s.parse().ok()?;
    let date = if end { date.tomorrow().ok()? } else { date };
    let tz = TimeZone::get("Europe/London").ok()?;
    Some(date.to_zoned(tz).ok()?.timestamp())
}

/// Today's date in Europe/London by the system clock (for the command line).
pub fn today_in_london() -> Date {
    SystemClock.today()
}

/// The system clock.
#[derive(Debug, Clone, Copy, Default)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        Timestamp::now()
    }
}

/// A clock that only moves when told to (for tests and reproducible demos).
#[derive(Debug, Clone)]
pub struct ManualClock(Arc<Mutex<Timestamp>>);

impl ManualClock {
    pub fn new(start: Timestamp) -> Self {
        Self(Arc::new(Mutex::new(start)))
    }

    pub fn set(&self, to: Timestamp) {
        if let Ok(mut t) = self.0.lock() {
            *t = to;
        }
    }

    pub fn advance(&self, by: SignedDuration) {
        if let Ok(mut t) = self.0.lock() {
            *t = t.checked_add(by).unwrap_or(*t);
        }
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        self.0.lock().map(|t| *t).unwrap_or_else(|e| *e.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn today_is_the_london_calendar_day() {
        // 23:30 UTC on 30 June is already 1 July in London (BST, UTC+1).
        let clock = ManualClock::new("2026-06-30T23:30:00Z".parse().unwrap());
        assert_eq!(clock.today(), jiff::civil::date(2026, 7, 1));
        // In winter London is on UTC.
        clock.set("2026-12-31T23:30:00Z".parse().unwrap());
        assert_eq!(clock.today(), jiff::civil::date(2026, 12, 31));
        clock.advance(SignedDuration::from_hours(1));
        assert_eq!(clock.today(), jiff::civil::date(2027, 1, 1));
    }

    #[test]
    fn bounds_are_london_days() {
        // 1 July is BST (UTC+1): the day starts at 23:00 UTC the day before.
        assert_eq!(parse_bound("2026-07-01", false).unwrap().to_string(), "2026-06-30T23:00:00Z");
        assert_eq!(parse_bound("2026-07-01", true).unwrap().to_string(), "2026-07-01T23:00:00Z");
        assert_eq!(parse_bound("2026-01-01", false).unwrap().to_string(), "2026-01-01T00:00:00Z");
        assert!(parse_bound("2026-7-1", false).is_none());
        assert_eq!(
            parse_bound("2026-07-01T12:00:00Z", true).unwrap().to_string(),
            "2026-07-01T12:00:00Z"
        );
    }
}
