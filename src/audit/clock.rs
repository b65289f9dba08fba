//! The record `time` format. The clock itself is [`crate::clock`] (re-exported here for
//! the store's writers).

use jiff::Timestamp;

pub use crate::clock::{Clock, ManualClock, SystemClock};

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
