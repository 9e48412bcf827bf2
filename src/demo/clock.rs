//! The demo's clock: real time plus an offset that the page moves forward.
//! Everything in the bot reads time from its clock and the loops look for
//! due work on their own, so moving the offset does to deadlines, service
//! hours and reminders what the passing of that much real time would.

use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, Utc};

use crate::domain::clock::Clock;

#[derive(Debug, Default)]
pub struct DemoClock {
    offset_ms: AtomicI64,
}

impl DemoClock {
    pub fn with_offset(offset_ms: i64) -> DemoClock {
        DemoClock { offset_ms: AtomicI64::new(offset_ms) }
    }

    /// How far ahead of real time the clock runs.
    pub fn offset_ms(&self) -> i64 {
        self.offset_ms.load(Ordering::SeqCst)
    }

    /// Moves the clock forward; returns the new offset from real time.
    pub fn advance(&self, by: Duration) -> i64 {
        self.offset_ms.fetch_add(by.num_milliseconds(), Ordering::SeqCst) + by.num_milliseconds()
    }
}

impl Clock for DemoClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now() + Duration::milliseconds(self.offset_ms.load(Ordering::SeqCst))
    }
}

/// How far one press of a time-travel button moves the clock.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize)]
pub enum Jump {
    #[serde(rename = "10m")]
    TenMinutes,
    #[serde(rename = "1h")]
    OneHour,
    #[serde(rename = "1d")]
    OneDay,
}

impl Jump {
    pub fn duration(self) -> Duration {
        match self {
            Jump::TenMinutes => Duration::minutes(10),
            Jump::OneHour => Duration::hours(1),
            Jump::OneDay => Duration::days(1),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_jump_moves_the_clock_ahead_of_real_time_by_its_length() {
        let clock = DemoClock::with_offset(5_000);
        let before = clock.now();
        assert_eq!(clock.advance(Jump::OneDay.duration()), 5_000 + 86_400_000);
        let ahead = clock.now() - before;
        assert!(ahead >= Duration::days(1) && ahead < Duration::days(1) + Duration::minutes(1), "{ahead}");
    }
}
