//! The store's clock, injectable so that tests control time (record `time`,
//! checkpoint intervals, reports). It must not be used for timeouts: those use tokio's
//! monotonic clock.

use std::sync::{Arc, Mutex};

use jiff::{SignedDuration, Timestamp};

/// Where the store reads the time of day.
pub trait Clock: Send + Sync + std::fmt::Debug {
    fn now(&self) -> Timestamp;
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

/// `time` as records hold it: RFC 3339 UTC with exactly six fractional digits.
pub fn format_time(t: Timestamp) -> String {
    t.strftime("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

/// Parse a record `time`, insisting on the exact form [`format_time`] writes.
pub fn parse_time(s: &str) -> Option<Timestamp> {
    let t: Timestamp = s.parse().ok()?;
    (format_time(t) == s).then_some(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn time_has_microseconds_and_z() {
        let t: Timestamp = "2026-11-23T10:00:00.123456789Z".parse().unwrap();
        assert_eq!(format_time(t), "2026-11-23T10:00:00.123456Z");
        let t: Timestamp = "2026-11-23T10:00:00Z".parse().unwrap();
        assert_eq!(format_time(t), "2026-11-23T10:00:00.000000Z");
        assert!(parse_time("2026-11-23T10:00:00.000000Z").is_some());
        assert!(parse_time("2026-11-23T10:00:00Z").is_none());
    }
}
