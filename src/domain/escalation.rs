//! The escalation clock: what each timer of a request means when it fires.
//!
//! A request carries timers for its current clock: a warning before the
//! deadline and the deadline itself. Each timer remembers the status and
//! escalation level it was set for; if the request has moved on (accepted,
//! escalated, closed) the timer is stale and does nothing. A missed deadline
//! escalates one level up the chain; at the top, reminders repeat every two
//! hours, at most three times.

use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::calendar::ServiceCalendar;
use super::ids::RequestId;
use super::request::{ServiceLevel, Status};

/// At the top of the chain a missed deadline is repeated this often…
pub const REMINDER_EVERY: Duration = Duration::from_secs(2 * 60 * 60);
/// …at most this many times.
pub const MAX_REMINDERS: i64 = 3;
/// The assignee is warned this long before an accept deadline.
pub const ACCEPT_WARNING_BEFORE: Duration = Duration::from_secs(15 * 60);
/// The assignee is warned when this share of the resolve time has passed.
pub const RESOLVE_WARNING_SHARE: f64 = 0.8;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TimerKind {
    Warning,
    Deadline,
    Reminder,
    /// A resolved request the resident has not confirmed closes by itself.
    AutoClose,
    /// A week after closing, the resident is asked once whether it is still
    /// fixed.
    FollowUp,
    /// The request's cards show the followers who joined since their last
    /// edit (see [`super::reporters::card_edit`]).
    CardCount,
}

/// What a timer job carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Timer {
    pub request: RequestId,
    pub kind: TimerKind,
    /// The status and level the timer was set for.
    pub status: Status,
    pub level: i64,
}

/// The request as the clock sees it when a timer fires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ClockState {
    pub status: Status,
    pub level: i64,
    /// The highest level the chain of this request's building has.
    pub top_level: i64,
    pub reminders_sent: i64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Firing {
    /// The request moved on since the timer was set.
    Stale,
    WarnAssignee,
    Escalate {
        to_level: i64,
    },
    /// At the top already: remind again (the `n`th reminder).
    Remind {
        n: i64,
    },
    /// At the top, and reminded as often as we do.
    GiveUp,
    /// The resident never answered "is it fixed?": the request closes.
    AutoClose,
    /// Ask the resident whether a closed request is still fixed.
    FollowUp,
    /// Show the current number of households on the request's cards.
    RefreshCards,
}

/// Decides what a firing timer does.
pub fn fire(timer: &Timer, state: ClockState) -> Firing {
    if timer.kind == TimerKind::CardCount {
        return Firing::RefreshCards;
    }
    if timer.kind == TimerKind::FollowUp {
        let still_closed = state.status == Status::Closed && timer.status == Status::Closed;
        return if still_closed { Firing::FollowUp } else { Firing::Stale };
    }
    if timer.kind == TimerKind::AutoClose {
        return if state.status == Status::Resolved && timer.status == Status::Resolved {
            Firing::AutoClose
        } else {
            Firing::Stale
        };
    }
    if timer.status != state.status || timer.level != state.level || !state.status.is_active() {
        return Firing::Stale;
    }
    match timer.kind {
        TimerKind::AutoClose | TimerKind::FollowUp | TimerKind::CardCount => Firing::Stale,
        TimerKind::Warning => Firing::WarnAssignee,
        TimerKind::Deadline if state.level < state.top_level => Firing::Escalate { to_level: state.level + 1 },
        TimerKind::Deadline | TimerKind::Reminder if state.reminders_sent < MAX_REMINDERS => {
            Firing::Remind { n: state.reminders_sent + 1 }
        }
        TimerKind::Deadline | TimerKind::Reminder => Firing::GiveUp,
    }
}

/// The timers of a fresh clock started `now` for a request in `status` at
/// `level`: the deadline and the warning before it. An open request is on
/// its accept clock, an accepted one on its resolve clock.
pub fn plan(
    status: Status,
    level: i64,
    service: &ServiceLevel,
    calendar: &ServiceCalendar,
    now: DateTime<Utc>,
) -> Vec<(Timer, DateTime<Utc>)> {
    let timer = |kind| Timer { request: RequestId(0), kind, status, level };
    let hours_only = service.service_hours_only;
    match status {
        Status::Open => {
            let deadline = calendar.deadline(now, service.accept_within, hours_only);
            let mut timers = vec![(timer(TimerKind::Deadline), deadline)];
            if let Some(warning) = chrono::Duration::from_std(ACCEPT_WARNING_BEFORE)
                .ok()
                .map(|before| deadline - before)
                .filter(|at| *at > now)
            {
                timers.push((timer(TimerKind::Warning), warning));
            }
            timers
        }
        Status::Accepted => {
            let deadline = calendar.deadline(now, service.resolve_within, hours_only);
            let share = service.resolve_within.mul_f64(RESOLVE_WARNING_SHARE);
            let warning = calendar.deadline(now, share, hours_only);
            vec![(timer(TimerKind::Deadline), deadline), (timer(TimerKind::Warning), warning)]
        }
        Status::Resolved | Status::Closed | Status::Cancelled | Status::Merged => Vec::new(),
    }
}

/// The clock of someone alerted by an escalation: they have the accept time
/// to take over or reassign before it goes further up.
pub fn plan_escalated(
    status: Status,
    level: i64,
    service: &ServiceLevel,
    calendar: &ServiceCalendar,
    now: DateTime<Utc>,
) -> Vec<(Timer, DateTime<Utc>)> {
    let deadline = calendar.deadline(now, service.accept_within, service.service_hours_only);
    vec![(Timer { request: RequestId(0), kind: TimerKind::Deadline, status, level }, deadline)]
}

/// A resolved request closes by itself this long after it was resolved, if
/// the resident does not answer.
pub const AUTO_CLOSE_AFTER: Duration = Duration::from_secs(3 * 24 * 60 * 60);

/// The timer that closes a resolved request nobody confirmed.
pub fn plan_auto_close(level: i64, now: DateTime<Utc>) -> (Timer, DateTime<Utc>) {
    let at = now + chrono::Duration::from_std(AUTO_CLOSE_AFTER).unwrap_or_default();
    (Timer { request: RequestId(0), kind: TimerKind::AutoClose, status: Status::Resolved, level }, at)
}

/// Closed requests are followed up this long after closing.
pub const FOLLOW_UP_AFTER: Duration = Duration::from_secs(7 * 24 * 60 * 60);

pub fn plan_follow_up(level: i64, now: DateTime<Utc>) -> (Timer, DateTime<Utc>) {
    let at = now + chrono::Duration::from_std(FOLLOW_UP_AFTER).unwrap_or_default();
    (Timer { request: RequestId(0), kind: TimerKind::FollowUp, status: Status::Closed, level }, at)
}

/// The next reminder at the top of the chain.
pub fn plan_reminder(status: Status, level: i64, now: DateTime<Utc>) -> (Timer, DateTime<Utc>) {
    let at = now + chrono::Duration::from_std(REMINDER_EVERY).unwrap_or_default();
    (Timer { request: RequestId(0), kind: TimerKind::Reminder, status, level }, at)
}

/// The longest duration admins may write: a year (and a leap day).
const LONGEST: Duration = Duration::from_secs(366 * 24 * 60 * 60);

/// Why what an admin wrote is not a duration a clock can use.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum DurationError {
    #[error("not a duration")]
    Malformed,
    /// Well written, but a deadline of nothing is no deadline.
    #[error("the duration is zero")]
    Zero,
    #[error("the duration is longer than a year")]
    TooLong,
}

/// Reads a duration as admins write it: `45m`, `3d`, `1h30m`, `90s`. More
/// than zero and at most a year.
pub fn parse_duration(input: &str) -> Result<Duration, DurationError> {
    let mut total: u64 = 0;
    let mut digits = String::new();
    let mut parts = 0;
    for c in input.trim().chars() {
        if c.is_ascii_digit() {
            digits.push(c);
            continue;
        }
        let unit = match c.to_ascii_lowercase() {
            's' => 1,
            'm' => 60,
            'h' => 60 * 60,
            'd' => 24 * 60 * 60,
            _ => return Err(DurationError::Malformed),
        };
        if digits.is_empty() {
            return Err(DurationError::Malformed);
        }
        // Digits too many for a u64 are far more than a year.
        let amount: u64 = digits.parse().map_err(|_| DurationError::TooLong)?;
        total = amount.checked_mul(unit).and_then(|n| total.checked_add(n)).ok_or(DurationError::TooLong)?;
        digits.clear();
        parts += 1;
    }
    if !digits.is_empty() || parts == 0 {
        return Err(DurationError::Malformed);
    }
    match Duration::from_secs(total) {
        Duration::ZERO => Err(DurationError::Zero),
        long if long > LONGEST => Err(DurationError::TooLong),
        duration => Ok(duration),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::{Clock, FakeClock};
    use crate::domain::request::Urgency;
    use chrono::TimeZone;

    fn timer(kind: TimerKind, status: Status, level: i64) -> Timer {
        Timer { request: RequestId(1), kind, status, level }
    }

    fn state(status: Status, level: i64, reminders_sent: i64) -> ClockState {
        ClockState { status, level, top_level: 3, reminders_sent }
    }

    /// Walks a request nobody answers through the whole chain, with a fake
    /// clock, the way the timer worker does.
    #[test]
    fn a_silent_chain_escalates_to_the_top_and_stops_after_three_reminders() {
        let clock = FakeClock::at(Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap());
        let calendar = ServiceCalendar::new(chrono_tz::Asia::Shanghai);
        // 10:00 in Shanghai: a normal request's 30-minute clock runs at once.
        let service = ServiceLevel::default_for(Urgency::Normal);
        let mut current = state(Status::Open, 0, 0);
        let mut due = plan(Status::Open, 0, &service, &calendar, clock.now());
        let mut story = Vec::new();
        while let Some(index) = due.iter().enumerate().min_by_key(|(_, (_, at))| *at).map(|(i, _)| i) {
            let (timer, at) = due.remove(index);
            let wait = (at - clock.now()).to_std().unwrap_or_default();
            clock.advance(chrono::Duration::from_std(wait).unwrap());
            match fire(&timer, current) {
                Firing::Stale => {}
                Firing::WarnAssignee => story.push("warn".to_string()),
                Firing::Escalate { to_level } => {
                    story.push(format!("escalate to {to_level}"));
                    current.level = to_level;
                    due = plan_escalated(current.status, to_level, &service, &calendar, clock.now());
                }
                Firing::Remind { n } => {
                    story.push(format!("remind {n}"));
                    current.reminders_sent = n;
                    due.push(plan_reminder(current.status, current.level, clock.now()));
                }
                Firing::GiveUp => story.push("give up".to_string()),
                Firing::AutoClose => story.push("close".to_string()),
                Firing::FollowUp => story.push("follow up".to_string()),
                Firing::RefreshCards => story.push("cards".to_string()),
            }
        }
        assert_eq!(
            story,
            ["warn", "escalate to 1", "escalate to 2", "escalate to 3", "remind 1", "remind 2", "remind 3", "give up"]
        );
        let elapsed = clock.now() - Utc.with_ymd_and_hms(2026, 11, 27, 2, 0, 0).unwrap();
        assert_eq!(elapsed, chrono::Duration::minutes(4 * 30 + 3 * 120), "30 min per level, then 2 h per reminder");
    }

    #[test]
    fn durations_read_as_admins_write_them() {
        assert_eq!(parse_duration("45m"), Ok(Duration::from_secs(45 * 60)));
        assert_eq!(parse_duration("3d"), Ok(Duration::from_secs(3 * 86_400)));
        assert_eq!(parse_duration("1h30m"), Ok(Duration::from_secs(5_400)));
        assert_eq!(parse_duration("2s"), Ok(Duration::from_secs(2)));
        for bad in ["", "45", "m", "5x", "-5m", "1h30"] {
            assert_eq!(parse_duration(bad), Err(DurationError::Malformed), "{bad:?}");
        }
        for long in ["400d", "99999999999999999999d", "366d1s"] {
            assert_eq!(parse_duration(long), Err(DurationError::TooLong), "{long:?}");
        }
    }

    #[test]
    fn zero_is_a_duration_but_not_one_a_clock_can_use() {
        for zero in ["0s", "0m", "0h0m", "00d"] {
            assert_eq!(parse_duration(zero), Err(DurationError::Zero), "{zero:?}");
        }
    }

    #[test]
    fn an_accept_at_any_point_stops_the_chain() {
        for level in 0..=3 {
            let accepted = state(Status::Accepted, level, 0);
            assert_eq!(fire(&timer(TimerKind::Deadline, Status::Open, level), accepted), Firing::Stale);
            assert_eq!(fire(&timer(TimerKind::Reminder, Status::Open, level), accepted), Firing::Stale);
        }
    }

    #[test]
    fn a_timer_of_an_earlier_level_is_stale() {
        assert_eq!(fire(&timer(TimerKind::Deadline, Status::Open, 0), state(Status::Open, 1, 0)), Firing::Stale);
        assert_eq!(
            fire(&timer(TimerKind::Deadline, Status::Open, 1), state(Status::Open, 1, 0)),
            Firing::Escalate { to_level: 2 }
        );
    }

    #[test]
    fn an_unconfirmed_resolution_closes_after_three_days_unless_reopened() {
        let (timer, _) = plan_auto_close(0, Utc::now());
        assert_eq!(fire(&timer, state(Status::Resolved, 0, 0)), Firing::AutoClose);
        assert_eq!(fire(&timer, state(Status::Accepted, 0, 0)), Firing::Stale, "reopened meanwhile");
        assert_eq!(fire(&timer, state(Status::Closed, 0, 0)), Firing::Stale, "confirmed meanwhile");
    }

    #[test]
    fn a_closed_request_is_followed_up_once_unless_it_was_reopened() {
        let (timer, at) = plan_follow_up(0, Utc.with_ymd_and_hms(2026, 11, 1, 0, 0, 0).unwrap());
        assert_eq!(at, Utc.with_ymd_and_hms(2026, 11, 8, 0, 0, 0).unwrap());
        assert_eq!(fire(&timer, state(Status::Closed, 0, 0)), Firing::FollowUp);
        assert_eq!(fire(&timer, state(Status::Accepted, 0, 0)), Firing::Stale);
    }

    #[test]
    fn closed_and_cancelled_requests_fire_nothing() {
        for status in [Status::Closed, Status::Cancelled, Status::Resolved] {
            assert_eq!(fire(&timer(TimerKind::Warning, status, 0), state(status, 0, 0)), Firing::Stale);
        }
    }

    #[test]
    fn a_card_count_timer_refreshes_the_cards_whatever_happened_since() {
        for status in [Status::Open, Status::Accepted, Status::Resolved, Status::Merged] {
            assert_eq!(fire(&timer(TimerKind::CardCount, Status::Open, 0), state(status, 1, 0)), Firing::RefreshCards);
        }
    }

    #[test]
    fn a_missed_resolve_deadline_escalates_like_an_accept_deadline() {
        let fired = fire(&timer(TimerKind::Deadline, Status::Accepted, 0), state(Status::Accepted, 0, 0));
        assert_eq!(fired, Firing::Escalate { to_level: 1 });
    }

    #[test]
    fn the_resolve_warning_comes_at_eighty_percent() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
        let calendar = ServiceCalendar::new(chrono_tz::Asia::Shanghai);
        let service = ServiceLevel::default_for(Urgency::Urgent);
        let timers = plan(Status::Accepted, 0, &service, &calendar, now);
        let warning = timers.iter().find(|(t, _)| t.kind == TimerKind::Warning).unwrap().1;
        assert_eq!(warning - now, chrono::Duration::minutes(24 * 60 * 8 / 10));
    }

    #[test]
    fn a_fifteen_minute_clock_has_no_warning_at_its_start() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
        let calendar = ServiceCalendar::new(chrono_tz::Asia::Shanghai);
        let timers = plan(Status::Open, 0, &ServiceLevel::default_for(Urgency::Urgent), &calendar, now);
        assert_eq!(timers.iter().map(|(t, _)| t.kind).collect::<Vec<_>>(), [TimerKind::Deadline]);
    }

    #[test]
    fn an_emergency_has_no_warning_before_its_ten_minute_deadline() {
        let now = Utc.with_ymd_and_hms(2026, 11, 27, 0, 0, 0).unwrap();
        let calendar = ServiceCalendar::new(chrono_tz::Asia::Shanghai);
        let timers = plan(Status::Open, 0, &ServiceLevel::default_for(Urgency::Emergency), &calendar, now);
        assert_eq!(timers.len(), 1);
        assert_eq!(timers[0].1 - now, chrono::Duration::minutes(10));
    }
}
