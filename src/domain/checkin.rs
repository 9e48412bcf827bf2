//! The daily check-in ladder of a resident who turned check-ins on: a
//! greeting an hour before their hour, a reminder at it, a second 30 minutes
//! later, the building's liaison (and the family) at 60 minutes, and up the
//! chain like an emergency if no liaison takes it within 30 minutes more.
//! It runs every day at the resident's local hour: neither the
//! service-hours calendar nor holidays apply, and a day of a DST change
//! keeps the hour on the wall clock.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

/// Whether a resident's check-ins run, by their own choice.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Enrolment {
    /// Checked in by `hour` (local) every day.
    On {
        hour: NaiveTime,
    },
    /// Nothing is sent up to and including `until` (staying with family).
    Paused {
        hour: NaiveTime,
        until: NaiveDate,
    },
    Off,
}

/// One rung of the ladder.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Rung {
    Greeting,
    Reminder,
    SecondReminder,
    /// "Please knock on room 301's door", to the liaison; the family is
    /// alerted at the same time.
    Liaison,
    /// No liaison took it: every level above, like an emergency.
    UpTheChain,
}

/// Who a rung, or an outcome, is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Recipient {
    Resident,
    Liaison,
    Family,
    GroupLeader,
    /// Every level above the building, as an emergency alerts them.
    Chain,
}

/// How an alert ended, so that false alarms are counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AlertOutcome {
    Late,
    Away,
    NeededHelp,
    Hospital,
    NobodyAnswered,
}

impl Rung {
    /// How long after the deadline the rung is due.
    pub fn offset(self) -> Duration {
        match self {
            Rung::Greeting => Duration::minutes(-60),
            Rung::Reminder => Duration::zero(),
            Rung::SecondReminder => Duration::minutes(30),
            Rung::Liaison => Duration::minutes(60),
            Rung::UpTheChain => Duration::minutes(90),
        }
    }

    pub fn recipients(self) -> &'static [Recipient] {
        match self {
            Rung::Greeting | Rung::Reminder | Rung::SecondReminder => &[Recipient::Resident],
            Rung::Liaison => &[Recipient::Liaison, Recipient::Family],
            Rung::UpTheChain => &[Recipient::Chain],
        }
    }

    pub const ALL: [Rung; 5] = [Rung::Greeting, Rung::Reminder, Rung::SecondReminder, Rung::Liaison, Rung::UpTheChain];

    /// The rung after this one, if the ladder goes on.
    pub fn next(self) -> Option<Rung> {
        Rung::ALL.into_iter().find(|rung| *rung > self)
    }

    /// The name stored with a day's ladder.
    pub fn as_str(self) -> &'static str {
        match self {
            Rung::Greeting => "greeting",
            Rung::Reminder => "reminder",
            Rung::SecondReminder => "second",
            Rung::Liaison => "liaison",
            Rung::UpTheChain => "chain",
        }
    }

    pub fn parse(name: &str) -> Option<Rung> {
        Rung::ALL.into_iter().find(|rung| rung.as_str() == name)
    }

    /// Whether the rung still fires when its time comes: not once taken or
    /// checked in, and up the chain only while no liaison is going.
    pub fn fires(self, taken: &[Rung], checked_in: bool, liaison_going: bool) -> bool {
        !checked_in && !taken.contains(&self) && (self != Rung::UpTheChain || !liaison_going)
    }
}

/// What a check-in timer job carries: whose ladder, the deadline of its
/// day (which a change of hour makes stale) and the rung.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckinTimer {
    pub checkin: i64,
    pub deadline: i64,
    pub rung: Rung,
}

impl AlertOutcome {
    pub const ALL: [AlertOutcome; 5] = [
        AlertOutcome::Late,
        AlertOutcome::Away,
        AlertOutcome::NeededHelp,
        AlertOutcome::Hospital,
        AlertOutcome::NobodyAnswered,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            AlertOutcome::Late => "late",
            AlertOutcome::Away => "away",
            AlertOutcome::NeededHelp => "needed_help",
            AlertOutcome::Hospital => "hospital",
            AlertOutcome::NobodyAnswered => "nobody_answered",
        }
    }

    pub fn parse(name: &str) -> Option<AlertOutcome> {
        AlertOutcome::ALL.into_iter().find(|o| o.as_str() == name)
    }
}

/// The first local day from `from` on whose ladder runs, with its
/// deadline: `from` itself unless paused over it (nothing when off).
pub fn next_day(enrolment: Enrolment, from: NaiveDate, timezone: Tz) -> Option<(NaiveDate, DateTime<Utc>)> {
    let start = match enrolment {
        Enrolment::Off => return None,
        Enrolment::Paused { until, .. } if until >= from => until.succ_opt()?,
        _ => from,
    };
    // A day whose hour the clocks skip still has a deadline; two days cover
    // any oddity of a timezone.
    [start, start.succ_opt()?].into_iter().find_map(|day| deadline(enrolment, day, timezone).map(|at| (day, at)))
}

/// The deadline of `date` for `enrolment`, or `None` when nothing runs that
/// day. On a day the clocks skip the hour, the deadline is the first
/// instant after the gap; on a day they repeat it, the first of the two.
pub fn deadline(enrolment: Enrolment, date: NaiveDate, timezone: Tz) -> Option<DateTime<Utc>> {
    let hour = match enrolment {
        Enrolment::On { hour } => hour,
        Enrolment::Paused { hour, until } if date > until => hour,
        Enrolment::Paused { .. } | Enrolment::Off => return None,
    };
    let local = date.and_time(hour);
    let at = timezone
        .from_local_datetime(&local)
        .earliest()
        .or_else(|| timezone.from_local_datetime(&(local + Duration::hours(1))).earliest())?;
    Some(at.with_timezone(&Utc))
}

/// The rungs of one day's ladder due by `now` and not yet taken: none once
/// the resident checked in; `UpTheChain` only while no liaison has taken
/// the alert.
pub fn due(
    deadline: DateTime<Utc>,
    taken: &[Rung],
    checked_in: bool,
    liaison_going: bool,
    now: DateTime<Utc>,
) -> Vec<Rung> {
    if checked_in {
        return Vec::new();
    }
    Rung::ALL
        .into_iter()
        .filter(|rung| rung.fires(taken, checked_in, liaison_going) && deadline + rung.offset() <= now)
        .collect()
}

/// Who hears "all clear" when the resident checks in late: everyone who was
/// alerted about them, each once, the resident aside.
pub fn all_clear(taken: &[Rung], nobody_answered: bool) -> Vec<Recipient> {
    let mut alerted: Vec<Recipient> = taken
        .iter()
        .flat_map(|rung| rung.recipients().iter().copied())
        .chain(nobody_answered.then_some(nobody_answers()).into_iter().flatten().copied())
        .filter(|r| *r != Recipient::Resident)
        .collect();
    alerted.sort();
    alerted.dedup();
    alerted
}

/// "Nobody answers" at the door alerts the family and the group leader at
/// once.
pub fn nobody_answers() -> &'static [Recipient] {
    &[Recipient::Family, Recipient::GroupLeader]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::clock::{Clock, FakeClock};

    fn nine() -> NaiveTime {
        NaiveTime::from_hms_opt(9, 0, 0).unwrap()
    }

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    /// Walks the ladder minute by minute with a fake clock, taking each rung
    /// as it comes due, and returns the rungs in the order they fired with
    /// the minutes after the deadline.
    fn walk(
        deadline: DateTime<Utc>,
        clock: &FakeClock,
        until: Duration,
        liaison_going_from: Option<i64>,
    ) -> Vec<(Rung, i64)> {
        let mut taken = Vec::new();
        let mut fired = Vec::new();
        while clock.now() <= deadline + until {
            let minute = (clock.now() - deadline).num_minutes();
            let going = liaison_going_from.is_some_and(|from| minute >= from);
            for rung in due(deadline, &taken, false, going, clock.now()) {
                taken.push(rung);
                fired.push((rung, minute));
            }
            clock.advance(Duration::minutes(1));
        }
        fired
    }

    #[test]
    fn a_missed_day_climbs_every_rung_at_its_time() {
        let deadline = deadline(Enrolment::On { hour: nine() }, day("2026-12-04"), chrono_tz::Asia::Shanghai).unwrap();
        assert_eq!(deadline.to_rfc3339(), "2026-12-04T01:00:00+00:00");
        let clock = FakeClock::at(deadline - Duration::hours(2));
        let fired = walk(deadline, &clock, Duration::hours(3), None);
        assert_eq!(
            fired,
            [
                (Rung::Greeting, -60),
                (Rung::Reminder, 0),
                (Rung::SecondReminder, 30),
                (Rung::Liaison, 60),
                (Rung::UpTheChain, 90)
            ]
        );
        assert_eq!(Rung::Liaison.recipients(), [Recipient::Liaison, Recipient::Family]);
        assert_eq!(Rung::UpTheChain.recipients(), [Recipient::Chain]);
    }

    #[test]
    fn a_liaison_who_is_going_keeps_the_alert_from_going_up() {
        let deadline = deadline(Enrolment::On { hour: nine() }, day("2026-12-04"), chrono_tz::Asia::Shanghai).unwrap();
        let clock = FakeClock::at(deadline);
        let fired = walk(deadline, &clock, Duration::hours(3), Some(70));
        assert_eq!(fired.last(), Some(&(Rung::Liaison, 60)), "{fired:?}");
    }

    #[test]
    fn checking_in_stops_the_ladder_and_late_sends_all_clear_to_everyone_alerted() {
        let deadline = deadline(Enrolment::On { hour: nine() }, day("2026-12-04"), chrono_tz::Asia::Shanghai).unwrap();
        let later = deadline + Duration::hours(5);
        assert!(due(deadline, &[], true, false, later).is_empty());
        let taken = [Rung::Greeting, Rung::Reminder, Rung::SecondReminder, Rung::Liaison];
        assert_eq!(all_clear(&taken, false), [Recipient::Liaison, Recipient::Family]);
        assert_eq!(all_clear(&taken, true), [Recipient::Liaison, Recipient::Family, Recipient::GroupLeader]);
        assert!(all_clear(&[Rung::Greeting, Rung::Reminder], false).is_empty(), "only the resident was written to");
    }

    #[test]
    fn pause_and_off_are_respected() {
        let tz = chrono_tz::Asia::Shanghai;
        let paused = Enrolment::Paused { hour: nine(), until: day("2026-12-24") };
        assert_eq!(deadline(paused, day("2026-12-24"), tz), None);
        assert!(deadline(paused, day("2026-12-25"), tz).is_some(), "the day after the pause runs again");
        assert_eq!(deadline(Enrolment::Off, day("2026-12-25"), tz), None);
    }

    #[test]
    fn the_next_day_skips_a_pause_and_a_timer_names_its_rung() {
        let tz = chrono_tz::Asia::Shanghai;
        let paused = Enrolment::Paused { hour: nine(), until: day("2026-12-24") };
        assert_eq!(next_day(paused, day("2026-12-20"), tz).map(|(d, _)| d), Some(day("2026-12-25")));
        assert_eq!(
            next_day(Enrolment::On { hour: nine() }, day("2026-12-20"), tz).map(|(d, _)| d),
            Some(day("2026-12-20"))
        );
        assert_eq!(next_day(Enrolment::Off, day("2026-12-20"), tz), None);
        assert_eq!(Rung::Liaison.next(), Some(Rung::UpTheChain));
        assert_eq!(Rung::UpTheChain.next(), None);
        let timer = CheckinTimer { checkin: 7, deadline: 1, rung: Rung::SecondReminder };
        let json = serde_json::to_string(&timer).unwrap();
        assert_eq!(json, r#"{"checkin":7,"deadline":1,"rung":"second_reminder"}"#);
        assert!(Rung::ALL.iter().all(|r| Rung::parse(r.as_str()) == Some(*r)));
        assert!(AlertOutcome::ALL.iter().all(|o| AlertOutcome::parse(o.as_str()) == Some(*o)));
    }

    #[test]
    fn the_hour_holds_on_the_wall_clock_across_dst_and_on_holidays() {
        let berlin = chrono_tz::Europe::Berlin;
        let on = Enrolment::On { hour: nine() };
        // The day before and the day of the spring change: 08:00 and 07:00 UTC.
        assert_eq!(deadline(on, day("2026-03-28"), berlin).unwrap().to_rfc3339(), "2026-03-28T08:00:00+00:00");
        assert_eq!(deadline(on, day("2026-03-29"), berlin).unwrap().to_rfc3339(), "2026-03-29T07:00:00+00:00");
        // An hour the clocks skip is taken as the first instant after it.
        let half_past_two = Enrolment::On { hour: NaiveTime::from_hms_opt(2, 30, 0).unwrap() };
        assert_eq!(
            deadline(half_past_two, day("2026-03-29"), berlin).unwrap().to_rfc3339(),
            "2026-03-29T01:30:00+00:00"
        );
        // National Day is a holiday for the service-hours calendar, not here.
        assert!(deadline(on, day("2026-10-01"), chrono_tz::Asia::Shanghai).is_some());
    }
}
