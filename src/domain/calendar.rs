//! The service-hours calendar behind service-level deadlines.
//!
//! A request's clock either runs around the clock (emergencies, urgent
//! requests) or only while the desk is open: every day of the week from
//! `opens` to `closes` local time, except on the holidays that admins declare.
//! Nothing here reads the clock; every instant is passed in, so the rules can
//! be tested with fixed dates.
//!
//! Conventions, so that callers and tests agree on the edges:
//!
//! * A day's open time is the half-open interval `[opening, closing)`: the
//!   desk is open at the opening instant and closed at the closing instant.
//! * A local time that does not exist (it falls into a daylight-saving gap)
//!   or exists twice (it falls into the repeated hour) is read as the earliest
//!   instant whose wall-clock time is at or after it. For a gap that is the
//!   first instant after the gap, for a repeated hour the first occurrence.
//! * A service-hours deadline with a non-zero duration always lies in
//!   `(opening, closing]` of some day. A deadline that uses up exactly the rest
//!   of a day is that day's closing instant, not the next opening, because
//!   that is when the last counted minute ends.
//! * A zero duration is due at once: the deadline is the start itself, even
//!   when the desk is closed.

use std::collections::BTreeSet;
use std::fmt;
use std::time::Duration;

use chrono::{DateTime, LocalResult, NaiveDate, NaiveDateTime, NaiveTime, Offset, TimeDelta, TimeZone, Utc};
use chrono_tz::Tz;

/// The zone the community lives in unless an admin configures another.
pub const DEFAULT_TIMEZONE: Tz = Tz::Asia__Shanghai;

/// When the desk opens unless an admin configures other hours.
pub const DEFAULT_OPENS: NaiveTime = NaiveTime::from_hms_opt(8, 0, 0).unwrap();

/// When the desk closes unless an admin configures other hours.
pub const DEFAULT_CLOSES: NaiveTime = NaiveTime::from_hms_opt(21, 0, 0).unwrap();

/// How many local days in a row without open time a search accepts before it
/// gives up.
///
/// Without this guard, a calendar in which every day is a holiday would make
/// `deadline` and `next_opening` walk towards the end of time. No real
/// community closes for three years, so such a run means the calendar is
/// misconfigured rather than that the deadline is far away.
const CLOSED_RUN_LIMIT_DAYS: usize = 3 * 366;

/// How many local days a deadline search walks at most, closed or not.
///
/// This bounds the work for absurd durations (`Duration::MAX`, say), which
/// would otherwise walk to the last date chrono can represent. A century is
/// far beyond any service level even with an hour of service a day, so no
/// sensible deadline is affected.
const WALK_LIMIT_DAYS: usize = 100 * 366;

/// Why a calendar could not be built.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CalendarError {
    /// The desk must open before it closes on the same day.
    HoursOutOfOrder { opens: NaiveTime, closes: NaiveTime },
}

impl fmt::Display for CalendarError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::HoursOutOfOrder { opens, closes } => {
                write!(f, "service hours must open before they close, got {opens} to {closes}")
            }
        }
    }
}

impl std::error::Error for CalendarError {}

/// When service-hours clocks run.
///
/// The fields are public so that configuration can be read back; a calendar
/// whose `opens` is not before `closes` (possible only by writing the fields
/// directly, since [`ServiceCalendar::with_hours`] refuses it) has no open
/// time at all and behaves like a calendar of holidays.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceCalendar {
    pub timezone: Tz,
    pub opens: NaiveTime,
    pub closes: NaiveTime,
    pub holidays: BTreeSet<NaiveDate>,
}

impl Default for ServiceCalendar {
    fn default() -> Self {
        Self::new(DEFAULT_TIMEZONE)
    }
}

impl ServiceCalendar {
    /// A calendar open 08:00–21:00 every day in `timezone`, with no holidays.
    #[must_use]
    pub fn new(timezone: Tz) -> Self {
        Self { timezone, opens: DEFAULT_OPENS, closes: DEFAULT_CLOSES, holidays: BTreeSet::new() }
    }

    /// The same calendar with other daily hours; `opens` must be before
    /// `closes`, because the desk does not stay open across midnight.
    ///
    /// # Errors
    ///
    /// [`CalendarError::HoursOutOfOrder`] when `opens` is not before `closes`.
    pub fn with_hours(self, opens: NaiveTime, closes: NaiveTime) -> Result<Self, CalendarError> {
        if opens >= closes {
            return Err(CalendarError::HoursOutOfOrder { opens, closes });
        }
        Ok(Self { opens, closes, ..self })
    }

    /// The same calendar with these local dates added as holidays.
    #[must_use]
    pub fn with_holidays(mut self, holidays: impl IntoIterator<Item = NaiveDate>) -> Self {
        self.holidays.extend(holidays);
        self
    }

    /// Whether service-hours clocks run at this instant.
    #[must_use]
    pub fn is_open(&self, at: DateTime<Utc>) -> bool {
        // A clock change at midnight can move either end of a day's open
        // interval onto a neighbouring local date, so the neighbours are asked
        // too.
        let date = self.local_date(at);
        [date.pred_opt(), Some(date), date.succ_opt()]
            .into_iter()
            .flatten()
            .filter_map(|day| self.open_interval(day))
            .any(|(opening, closing)| opening <= at && at < closing)
    }

    /// The first instant at or after `at` at which service-hours clocks run;
    /// `at` itself when the desk is open.
    ///
    /// If there is no open time within three years, the calendar is taken to
    /// be misconfigured and `at` is returned, so that the resident is told
    /// "now" rather than a date years away.
    #[must_use]
    pub fn next_opening(&self, at: DateTime<Utc>) -> DateTime<Utc> {
        self.open_days_from(at).take(CLOSED_RUN_LIMIT_DAYS).flatten().next().map_or(at, |(opening, _)| opening)
    }

    /// The deadline for `duration` of clock time starting at `start`.
    ///
    /// Without `service_hours_only` this is `start + duration`. With it, only
    /// open time counts, so a 30-minute clock started at 20:50 ends at 08:20
    /// on the next open day. See the module documentation for the boundary
    /// conventions.
    ///
    /// If the search meets three years in a row without open time, or walks a
    /// century without using up the duration, the deadline falls back to
    /// `start + duration`. That happens only for a misconfigured calendar
    /// (every day a holiday, say) or an absurd duration, and a deadline that
    /// runs as if the clock were 24/7 makes the request fall overdue, where
    /// someone will notice, instead of hanging or hiding it for years. The
    /// price is that past that point a longer duration can give an earlier
    /// deadline, which no sensible calendar and service level reach.
    #[must_use]
    pub fn deadline(&self, start: DateTime<Utc>, duration: Duration, service_hours_only: bool) -> DateTime<Utc> {
        if !service_hours_only {
            return add_saturating(start, duration);
        }
        let mut remaining = TimeDelta::from_std(duration).unwrap_or(TimeDelta::MAX);
        if remaining.is_zero() {
            return start;
        }
        let mut closed_run = 0;
        for day in self.open_days_from(start).take(WALK_LIMIT_DAYS) {
            let Some((opening, closing)) = day else {
                closed_run += 1;
                if closed_run >= CLOSED_RUN_LIMIT_DAYS {
                    break;
                }
                continue;
            };
            closed_run = 0;
            let available = closing - opening;
            if remaining <= available {
                return opening + remaining;
            }
            remaining -= available;
        }
        add_saturating(start, duration)
    }

    /// The open time between two instants; zero when `to` is not after
    /// `from`. The work grows with the number of days between them.
    #[must_use]
    pub fn open_time_between(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Duration {
        if to <= from {
            return Duration::ZERO;
        }
        // One day of margin on either side catches open intervals that spill
        // over a local midnight because of a daylight-saving gap.
        let first = self.local_date(from).pred_opt().unwrap_or(NaiveDate::MIN);
        let last = self.local_date(to).succ_opt().unwrap_or(NaiveDate::MAX);
        let total = first
            .iter_days()
            .take_while(|day| *day <= last)
            .filter_map(|day| self.open_interval(day))
            .map(|(opening, closing)| closing.min(to) - opening.max(from))
            .filter(|overlap| *overlap > TimeDelta::zero())
            .fold(TimeDelta::zero(), |sum, overlap| sum + overlap);
        total.to_std().unwrap_or(Duration::ZERO)
    }

    /// For each local date from the day before `at` on, the part of its open
    /// interval that lies after `at`, or `None` when there is none.
    fn open_days_from(&self, at: DateTime<Utc>) -> impl Iterator<Item = Option<(DateTime<Utc>, DateTime<Utc>)>> + '_ {
        // The walk starts a day early for the same reason as in
        // `open_time_between`: yesterday's interval may still be running.
        let date = self.local_date(at);
        date.pred_opt().unwrap_or(date).iter_days().map(move |day| {
            self.open_interval(day)
                .filter(|(_, closing)| *closing > at)
                .map(|(opening, closing)| (opening.max(at), closing))
        })
    }

    /// The open interval of one local date, or `None` when the date is a
    /// holiday or has no open time (both ends fall into the same gap).
    fn open_interval(&self, day: NaiveDate) -> Option<(DateTime<Utc>, DateTime<Utc>)> {
        if self.holidays.contains(&day) {
            return None;
        }
        let opening = earliest_at_or_after(self.timezone, day.and_time(self.opens));
        let closing = earliest_at_or_after(self.timezone, day.and_time(self.closes));
        (opening < closing).then_some((opening, closing))
    }

    fn local_date(&self, at: DateTime<Utc>) -> NaiveDate {
        at.with_timezone(&self.timezone).date_naive()
    }
}

/// The earliest instant whose wall-clock time in `tz` is at or after `local`.
///
/// For an ordinary local time that is the instant itself; for one in the
/// repeated hour of a fall-back day it is the first occurrence; for one in the
/// gap of a spring-forward day it is the transition, the first instant after
/// the gap.
fn earliest_at_or_after(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    match tz.from_local_datetime(&local) {
        LocalResult::Single(instant) => instant.to_utc(),
        LocalResult::Ambiguous(first, second) => first.min(second).to_utc(),
        LocalResult::None => end_of_gap(tz, local),
    }
}

/// The instant at which the gap containing `local` ends.
///
/// The offsets a day before and a day after are those on either side of the
/// gap (no zone changes its offset twice within a day). Reading `local` with
/// each offset brackets the transition, and a binary search over whole
/// seconds finds it, because zones change offsets only on whole seconds.
fn end_of_gap(tz: Tz, local: NaiveDateTime) -> DateTime<Utc> {
    let offset_near = |delta: TimeDelta| {
        let probe = local.checked_add_signed(delta).unwrap_or(local);
        TimeDelta::seconds(i64::from(tz.offset_from_utc_datetime(&probe).fix().local_minus_utc()))
    };
    let before = offset_near(TimeDelta::days(-1));
    let after = offset_near(TimeDelta::days(1));
    let read_with = |offset: TimeDelta| (local - offset).and_utc().timestamp();
    // Before the transition the wall clock shows less than `local`, from the
    // transition on it shows more; `low` is before it and `high` at or after.
    let (mut low, mut high) = (read_with(after), read_with(before) + 1);
    let at_second = |second: i64| DateTime::from_timestamp(second, 0).unwrap_or(DateTime::<Utc>::MAX_UTC);
    while high - low > 1 {
        let middle = low + (high - low) / 2;
        if at_second(middle).with_timezone(&tz).naive_local() >= local {
            high = middle;
        } else {
            low = middle;
        }
    }
    at_second(high)
}

/// `start + duration`, or the last representable instant when that overflows,
/// so that an absurd duration gives a deadline that never arrives instead of
/// a panic.
fn add_saturating(start: DateTime<Utc>, duration: Duration) -> DateTime<Utc> {
    TimeDelta::from_std(duration)
        .ok()
        .and_then(|delta| start.checked_add_signed(delta))
        .unwrap_or(DateTime::<Utc>::MAX_UTC)
}

#[cfg(test)]
mod tests {
    use super::*;

    use proptest::prelude::*;

    const MINUTE: Duration = Duration::from_mins(1);
    const HOUR: Duration = Duration::from_hours(1);

    fn time(hour: u32, minute: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(hour, minute, 0).unwrap()
    }

    fn date(year: i32, month: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year, month, day).unwrap()
    }

    /// An unambiguous local wall-clock time in `tz`, as an instant.
    fn local(tz: Tz, year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        local_on(tz, date(year, month, day), time(hour, minute))
    }

    /// The same, for a date and a time of day.
    fn local_on(tz: Tz, day: NaiveDate, wall: NaiveTime) -> DateTime<Utc> {
        tz.from_local_datetime(&day.and_time(wall)).single().expect("the test uses an unambiguous local time").to_utc()
    }

    fn shanghai(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        local(Tz::Asia__Shanghai, year, month, day, hour, minute)
    }

    fn utc(year: i32, month: u32, day: u32, hour: u32, minute: u32) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(year, month, day, hour, minute, 0).unwrap()
    }

    fn golden_week_2026() -> impl Iterator<Item = NaiveDate> {
        (1..=7).map(|day| date(2026, 10, day))
    }

    #[test]
    fn the_default_calendar_is_shanghai_from_eight_to_nine_pm_without_holidays() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.timezone, Tz::Asia__Shanghai);
        assert_eq!((calendar.opens, calendar.closes), (time(8, 0), time(21, 0)));
        assert!(calendar.holidays.is_empty());
    }

    #[test]
    fn hours_that_do_not_open_before_they_close_are_refused() {
        let refused = ServiceCalendar::default().with_hours(time(21, 0), time(8, 0));
        assert_eq!(refused, Err(CalendarError::HoursOutOfOrder { opens: time(21, 0), closes: time(8, 0) }));
        assert_eq!(
            refused.unwrap_err().to_string(),
            "service hours must open before they close, got 21:00:00 to 08:00:00"
        );
        assert!(ServiceCalendar::default().with_hours(time(9, 0), time(9, 0)).is_err());
    }

    #[test]
    fn the_desk_is_open_from_the_opening_instant_until_just_before_closing() {
        let calendar = ServiceCalendar::default();
        assert!(!calendar.is_open(shanghai(2026, 5, 4, 7, 59)));
        assert!(calendar.is_open(shanghai(2026, 5, 4, 8, 0)));
        assert!(calendar.is_open(shanghai(2026, 5, 4, 20, 59)));
        assert!(!calendar.is_open(shanghai(2026, 5, 4, 21, 0)));
    }

    #[test]
    fn the_desk_is_closed_all_day_on_a_holiday() {
        let calendar = ServiceCalendar::default().with_holidays(golden_week_2026());
        assert!(!calendar.is_open(shanghai(2026, 10, 1, 12, 0)));
        assert!(calendar.is_open(shanghai(2026, 9, 30, 12, 0)));
        assert!(calendar.is_open(shanghai(2026, 10, 8, 12, 0)));
    }

    #[test]
    fn a_report_at_eleven_pm_is_looked_at_from_eight_the_next_morning() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.next_opening(shanghai(2026, 5, 4, 23, 0)), shanghai(2026, 5, 5, 8, 0));
    }

    #[test]
    fn the_next_opening_of_an_open_instant_is_that_instant() {
        let calendar = ServiceCalendar::default();
        let at = shanghai(2026, 5, 4, 10, 17);
        assert_eq!(calendar.next_opening(at), at);
    }

    #[test]
    fn the_next_opening_at_closing_time_is_the_next_morning() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.next_opening(shanghai(2026, 5, 4, 21, 0)), shanghai(2026, 5, 5, 8, 0));
    }

    #[test]
    fn the_next_opening_skips_a_week_of_holidays() {
        let calendar = ServiceCalendar::default().with_holidays(golden_week_2026());
        assert_eq!(calendar.next_opening(shanghai(2026, 9, 30, 21, 30)), shanghai(2026, 10, 8, 8, 0));
    }

    #[test]
    fn a_thirty_minute_clock_set_at_ten_to_nine_pm_ends_at_eight_twenty_the_next_day() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.deadline(shanghai(2026, 5, 4, 20, 50), 30 * MINUTE, true), shanghai(2026, 5, 5, 8, 20));
    }

    #[test]
    fn a_clock_across_a_holiday_run_resumes_after_the_last_holiday() {
        let calendar = ServiceCalendar::default().with_holidays(golden_week_2026());
        assert_eq!(calendar.deadline(shanghai(2026, 9, 30, 20, 50), 30 * MINUTE, true), shanghai(2026, 10, 8, 8, 20));
    }

    #[test]
    fn weekends_count_like_any_other_day() {
        let calendar = ServiceCalendar::default();
        // 2026-05-08 is a Friday; two hours from 20:00 run on into Saturday.
        assert_eq!(calendar.deadline(shanghai(2026, 5, 8, 20, 0), 2 * HOUR, true), shanghai(2026, 5, 9, 9, 0));
        assert!(calendar.is_open(shanghai(2026, 5, 10, 12, 0)));
    }

    #[test]
    fn a_seven_day_clock_counts_seven_times_thirteen_open_hours() {
        let calendar = ServiceCalendar::default();
        let start = shanghai(2026, 5, 4, 8, 0);
        let deadline = calendar.deadline(start, 7 * 13 * HOUR, true);
        assert_eq!(deadline, shanghai(2026, 5, 10, 21, 0));
        assert_eq!(calendar.open_time_between(start, deadline), 7 * 13 * HOUR);
    }

    #[test]
    fn a_deadline_that_uses_up_the_rest_of_a_day_is_that_days_closing_instant() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.deadline(shanghai(2026, 5, 4, 20, 0), HOUR, true), shanghai(2026, 5, 4, 21, 0));
        assert_eq!(calendar.deadline(shanghai(2026, 5, 4, 8, 0), 13 * HOUR, true), shanghai(2026, 5, 4, 21, 0));
        assert_eq!(
            calendar.deadline(shanghai(2026, 5, 4, 8, 0), 13 * HOUR + Duration::from_secs(1), true),
            shanghai(2026, 5, 5, 8, 0) + TimeDelta::seconds(1)
        );
    }

    #[test]
    fn a_zero_duration_is_due_at_the_start_even_when_closed() {
        let calendar = ServiceCalendar::default();
        let at_night = shanghai(2026, 5, 4, 23, 0);
        assert_eq!(calendar.deadline(at_night, Duration::ZERO, true), at_night);
        assert_eq!(calendar.deadline(at_night, Duration::ZERO, false), at_night);
    }

    #[test]
    fn a_clock_started_while_closed_begins_at_the_next_opening() {
        let calendar = ServiceCalendar::default();
        assert_eq!(calendar.deadline(shanghai(2026, 5, 4, 3, 0), HOUR, true), shanghai(2026, 5, 4, 9, 0));
    }

    #[test]
    fn a_round_the_clock_deadline_ignores_hours_and_holidays() {
        let calendar = ServiceCalendar::default().with_holidays(golden_week_2026());
        assert_eq!(calendar.deadline(shanghai(2026, 9, 30, 23, 0), 30 * MINUTE, false), shanghai(2026, 9, 30, 23, 30));
        assert_eq!(calendar.deadline(shanghai(2026, 10, 2, 12, 0), 4 * HOUR, false), shanghai(2026, 10, 2, 16, 0));
    }

    #[test]
    fn open_time_between_counts_only_service_hours() {
        let calendar = ServiceCalendar::default().with_holidays([date(2026, 5, 5)]);
        let from = shanghai(2026, 5, 4, 20, 0);
        let to = shanghai(2026, 5, 6, 9, 30);
        assert_eq!(calendar.open_time_between(from, to), 2 * HOUR + 30 * MINUTE);
        assert_eq!(calendar.open_time_between(to, from), Duration::ZERO);
    }

    #[test]
    fn a_calendar_of_nothing_but_holidays_falls_back_to_round_the_clock_time() {
        let start = shanghai(2026, 1, 1, 12, 0);
        let every_day = date(2026, 1, 1).iter_days().take_while(|day| *day < date(2031, 1, 1));
        let calendar = ServiceCalendar::default().with_holidays(every_day);
        assert_eq!(calendar.deadline(start, 30 * MINUTE, true), shanghai(2026, 1, 1, 12, 30));
        assert_eq!(calendar.next_opening(start), start);
        assert!(!calendar.is_open(start));
    }

    #[test]
    fn an_absurd_duration_gives_up_after_a_century_instead_of_walking_forever() {
        let calendar = ServiceCalendar::default();
        let start = shanghai(2026, 5, 4, 12, 0);
        assert_eq!(calendar.deadline(start, Duration::MAX, true), DateTime::<Utc>::MAX_UTC);
        let two_hundred_years = 200 * 366 * 24 * HOUR;
        assert_eq!(
            calendar.deadline(start, two_hundred_years, true),
            start + TimeDelta::from_std(two_hundred_years).unwrap()
        );
    }

    #[test]
    fn a_calendar_with_hours_set_out_of_order_by_hand_has_no_open_time() {
        let calendar = ServiceCalendar { opens: time(21, 0), closes: time(8, 0), ..ServiceCalendar::default() };
        let start = shanghai(2026, 5, 4, 12, 0);
        assert!(!calendar.is_open(start));
        assert_eq!(calendar.deadline(start, HOUR, true), start + TimeDelta::hours(1));
    }

    #[test]
    fn a_fifteen_day_clock_walks_day_by_day_not_minute_by_minute() {
        let calendar = ServiceCalendar::default().with_holidays(golden_week_2026());
        let start = shanghai(2026, 9, 25, 14, 0);
        let fifteen_days = 15 * 24 * HOUR;
        let deadline = calendar.deadline(start, fifteen_days, true);
        assert_eq!(calendar.open_time_between(start, deadline), fifteen_days);
        // 360 open hours: 7 on the first day, 65 in the five days after it,
        // none in the week of holidays, 286 in the 22 days after it and 2 more.
        assert_eq!(deadline, shanghai(2026, 10, 30, 10, 0));
    }

    #[test]
    fn a_clock_across_berlins_spring_forward_night_resumes_at_eight_summer_time() {
        let calendar = ServiceCalendar::new(Tz::Europe__Berlin);
        let start = local(Tz::Europe__Berlin, 2026, 3, 28, 20, 50);
        let deadline = calendar.deadline(start, 30 * MINUTE, true);
        assert_eq!(deadline, local(Tz::Europe__Berlin, 2026, 3, 29, 8, 20));
        assert_eq!(deadline, utc(2026, 3, 29, 6, 20));
    }

    #[test]
    fn an_opening_inside_the_spring_forward_gap_moves_to_the_end_of_the_gap() {
        // On 2026-03-29 Berlin skips from 02:00 to 03:00, so 02:30 never
        // happens and the desk opens at 03:00 summer time, 01:00 UTC.
        let calendar = ServiceCalendar::new(Tz::Europe__Berlin).with_hours(time(2, 30), time(21, 0)).unwrap();
        let midnight = local(Tz::Europe__Berlin, 2026, 3, 29, 0, 0);
        assert_eq!(calendar.next_opening(midnight), utc(2026, 3, 29, 1, 0));
        assert!(!calendar.is_open(utc(2026, 3, 29, 0, 59)));
        assert!(calendar.is_open(utc(2026, 3, 29, 1, 0)));
        let day = calendar.open_time_between(midnight, local(Tz::Europe__Berlin, 2026, 3, 30, 0, 0));
        assert_eq!(day, 18 * HOUR);
        assert_eq!(calendar.deadline(midnight, 30 * MINUTE, true), utc(2026, 3, 29, 1, 30));
    }

    #[test]
    fn a_day_whose_hours_lie_wholly_inside_the_gap_has_no_open_time() {
        let calendar = ServiceCalendar::new(Tz::Europe__Berlin).with_hours(time(2, 10), time(2, 50)).unwrap();
        let midnight = local(Tz::Europe__Berlin, 2026, 3, 29, 0, 0);
        assert_eq!(calendar.next_opening(midnight), local(Tz::Europe__Berlin, 2026, 3, 30, 2, 10));
    }

    #[test]
    fn an_opening_in_the_repeated_fall_back_hour_is_its_first_occurrence() {
        // On 2026-10-25 Berlin goes from 03:00 summer time back to 02:00, so
        // 02:30 happens twice; the desk opens at the first, 00:30 UTC, and the
        // day has an extra hour of service.
        let calendar = ServiceCalendar::new(Tz::Europe__Berlin).with_hours(time(2, 30), time(21, 0)).unwrap();
        let midnight = local(Tz::Europe__Berlin, 2026, 10, 25, 0, 0);
        assert_eq!(calendar.next_opening(midnight), utc(2026, 10, 25, 0, 30));
        assert!(calendar.is_open(utc(2026, 10, 25, 1, 30)));
        let day = calendar.open_time_between(midnight, local(Tz::Europe__Berlin, 2026, 10, 26, 0, 0));
        assert_eq!(day, 19 * HOUR + 30 * MINUTE);
    }

    #[test]
    fn ordinary_hours_on_new_york_change_days_still_give_thirteen_hours() {
        let tz = Tz::America__New_York;
        let calendar = ServiceCalendar::new(tz);
        // Clocks change at 02:00 on 2026-03-08 and 2026-11-01, outside the
        // service hours, so those days keep their thirteen hours.
        for day in [date(2026, 3, 8), date(2026, 11, 1)] {
            let start = local_on(tz, day, time(8, 0));
            assert_eq!(calendar.deadline(start, 13 * HOUR, true), local_on(tz, day, time(21, 0)));
        }
    }

    #[test]
    fn an_opening_inside_a_gap_at_midnight_moves_to_one_am() {
        // Santiago de Chile moves its clocks from 00:00 to 01:00 on
        // 2026-09-06, so that day starts at 01:00 local time (04:00 UTC).
        let tz = Tz::America__Santiago;
        let calendar = ServiceCalendar::new(tz).with_hours(time(0, 30), time(12, 0)).unwrap();
        assert_eq!(calendar.next_opening(local(tz, 2026, 9, 5, 13, 0)), utc(2026, 9, 6, 4, 0));
    }

    #[test]
    fn every_wall_time_of_a_year_is_read_as_the_earliest_instant_showing_it_or_later() {
        // Quarter hours land in every gap and repeated hour of these zones.
        let quarter_hours = date(2026, 1, 1).and_time(time(0, 0)).and_utc().timestamp();
        for zone in ZONES {
            let shows = |t: DateTime<Utc>| t.with_timezone(&zone).naive_local();
            for quarter in 0..366 * 24 * 4 {
                let wall = DateTime::from_timestamp(quarter_hours + quarter * 900, 0).unwrap().naive_utc();
                let instant = earliest_at_or_after(zone, wall);
                assert!(shows(instant) >= wall, "{zone} {wall}");
                assert!(shows(instant - TimeDelta::seconds(1)) < wall, "{zone} {wall}");
            }
        }
    }

    /// Zones with and without daylight saving, including one whose gap is at
    /// midnight.
    const ZONES: [Tz; 5] = [
        Tz::Asia__Shanghai,
        Tz::Europe__Berlin,
        Tz::America__New_York,
        Tz::America__Santiago,
        Tz::Australia__Lord_Howe,
    ];

    /// Calendars with ordinary hours, hours that open inside a gap, and a
    /// week of holidays; no pathological holiday runs.
    fn calendars() -> impl Strategy<Value = ServiceCalendar> {
        let hours = prop::sample::select(vec![
            (time(8, 0), time(21, 0)),
            (time(2, 30), time(21, 0)),
            (time(0, 15), time(23, 45)),
            (time(9, 0), time(10, 0)),
        ]);
        (prop::sample::select(ZONES.to_vec()), hours, any::<bool>()).prop_map(|(zone, (opens, closes), golden_week)| {
            let calendar = ServiceCalendar::new(zone).with_hours(opens, closes).expect("the sample hours are in order");
            if golden_week { calendar.with_holidays(golden_week_2026()) } else { calendar }
        })
    }

    /// Instants between 2024 and 2030, to the second.
    fn instants() -> impl Strategy<Value = DateTime<Utc>> {
        (1_704_067_200_i64..1_893_456_000).prop_map(|second| DateTime::from_timestamp(second, 0).unwrap())
    }

    /// Durations of whole minutes up to twenty days.
    fn durations() -> impl Strategy<Value = Duration> {
        (0_u64..=20 * 24 * 60).prop_map(|minutes| Duration::from_secs(minutes * 60))
    }

    proptest! {
        #[test]
        fn a_deadline_is_never_before_its_start(
            calendar in calendars(), start in instants(), duration in durations()
        ) {
            prop_assert!(calendar.deadline(start, duration, true) >= start);
        }

        #[test]
        fn a_deadline_leaves_exactly_its_duration_of_open_time(
            calendar in calendars(), start in instants(), duration in durations()
        ) {
            let deadline = calendar.deadline(start, duration, true);
            prop_assert_eq!(calendar.open_time_between(start, deadline), duration);
        }

        #[test]
        fn a_longer_duration_never_gives_an_earlier_deadline(
            calendar in calendars(), start in instants(), a in durations(), b in durations()
        ) {
            let (shorter, longer) = (a.min(b), a.max(b));
            prop_assert!(
                calendar.deadline(start, shorter, true) <= calendar.deadline(start, longer, true)
            );
        }

        #[test]
        fn a_round_the_clock_deadline_is_start_plus_duration(
            calendar in calendars(), start in instants(), duration in durations()
        ) {
            let expected = start + TimeDelta::from_std(duration).unwrap();
            prop_assert_eq!(calendar.deadline(start, duration, false), expected);
        }

        #[test]
        fn a_non_zero_deadline_ends_open_time_so_the_instant_before_it_is_open(
            calendar in calendars(), start in instants(), minutes in 1_u64..=20 * 24 * 60
        ) {
            let deadline = calendar.deadline(start, Duration::from_secs(minutes * 60), true);
            prop_assert!(calendar.is_open(deadline - TimeDelta::nanoseconds(1)));
        }

        #[test]
        fn the_next_opening_is_open_and_nothing_before_it_is(
            calendar in calendars(), at in instants()
        ) {
            let opening = calendar.next_opening(at);
            prop_assert!(opening >= at);
            prop_assert!(calendar.is_open(opening));
            prop_assert_eq!(calendar.open_time_between(at, opening), Duration::ZERO);
        }

        #[test]
        fn open_time_adds_up_across_a_midpoint(
            calendar in calendars(), a in instants(), b in instants(), c in instants()
        ) {
            let mut points = [a, b, c];
            points.sort();
            let [from, middle, to] = points;
            prop_assert_eq!(
                calendar.open_time_between(from, to),
                calendar.open_time_between(from, middle) + calendar.open_time_between(middle, to)
            );
        }
    }
}
