//! Liaisons' visits to households: outcomes, which households are due, and
//! coverage against the target. A household whose tags carry a visit
//! interval of `n` months should be visited once in each period of `n`
//! calendar months (monthly: each month; quarterly: January–March, April–June
//! …), counted in the community's local dates.

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum VisitOutcome {
    AllWell,
    /// A request is made on the household's behalf.
    NeedsHelp,
    NobodyHome,
    MovedOut,
}

impl VisitOutcome {
    pub const ALL: [VisitOutcome; 4] =
        [VisitOutcome::AllWell, VisitOutcome::NeedsHelp, VisitOutcome::NobodyHome, VisitOutcome::MovedOut];

    pub fn as_str(self) -> &'static str {
        match self {
            VisitOutcome::AllWell => "all_well",
            VisitOutcome::NeedsHelp => "needs_help",
            VisitOutcome::NobodyHome => "nobody_home",
            VisitOutcome::MovedOut => "moved_out",
        }
    }

    pub fn parse(input: &str) -> Option<VisitOutcome> {
        Self::ALL.into_iter().find(|o| o.as_str() == input)
    }

    /// Whether the visit meets the target: someone was seen, or the
    /// household is found gone. A closed door does not.
    pub fn counts(self) -> bool {
        self != VisitOutcome::NobodyHome
    }
}

/// Months since year 0, so that periods of any length line up the same way
/// every year.
fn month_index(date: NaiveDate) -> i64 {
    i64::from(date.year()) * 12 + i64::from(date.month0())
}

/// The first day of the visit period of `every_months` that holds `date`.
pub fn period_start(date: NaiveDate, every_months: u32) -> NaiveDate {
    let every = i64::from(every_months.max(1));
    let index = month_index(date);
    let start = index - index.rem_euclid(every);
    let year = i32::try_from(start.div_euclid(12)).unwrap_or(date.year());
    let month = u32::try_from(start.rem_euclid(12)).unwrap_or(0) + 1;
    NaiveDate::from_ymd_opt(year, month, 1).unwrap_or(date)
}

/// The last day of the period that holds `date`.
pub fn period_end(date: NaiveDate, every_months: u32) -> NaiveDate {
    let start = period_start(date, every_months);
    start.checked_add_months(Months::new(every_months.max(1))).and_then(|d| d.pred_opt()).unwrap_or(date)
}

/// What deciding whether one household is due needs: its interval (from its
/// tags) and the local date of its last visit that counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CareFacts {
    pub every_months: Option<u32>,
    pub last_visit: Option<NaiveDate>,
}

impl CareFacts {
    /// Whether the household still needs its visit in the period that holds
    /// `today`.
    pub fn is_due(&self, today: NaiveDate) -> bool {
        match self.every_months {
            None => false,
            Some(every) => self.last_visit.is_none_or(|last| last < period_start(today, every)),
        }
    }
}

/// Households visited of those that should have been.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Coverage {
    pub visited: u32,
    pub target: u32,
}

impl Coverage {
    pub fn add(&mut self, other: Coverage) {
        self.visited += other.visited;
        self.target += other.target;
    }

    pub fn percent(&self) -> u32 {
        (self.visited * 100).checked_div(self.target).unwrap_or(100)
    }

    pub fn under_target(&self) -> bool {
        self.visited < self.target
    }

    /// Coverage so far in the periods that hold `today`.
    pub fn on(households: &[CareFacts], today: NaiveDate) -> Coverage {
        let mut coverage = Coverage::default();
        for facts in households.iter().filter(|f| f.every_months.is_some()) {
            coverage.target += 1;
            coverage.visited += u32::from(!facts.is_due(today));
        }
        coverage
    }

    /// Coverage of the periods that ended on `month_end` (the last day of a
    /// month): monthly households always, quarterly ones at a quarter's end.
    /// A period still running is not judged.
    pub fn at_month_end(households: &[CareFacts], month_end: NaiveDate) -> Coverage {
        let ending: Vec<CareFacts> = households
            .iter()
            .copied()
            .filter(|f| f.every_months.is_some_and(|every| period_end(month_end, every) == month_end))
            .collect();
        Coverage::on(&ending, month_end)
    }
}

/// The order a liaison is offered households in: due first, then the others
/// with a visit target, then the rest; within each, those never visited,
/// then the longest since their last visit.
pub fn due_order(facts: &CareFacts, today: NaiveDate) -> (bool, bool, Option<NaiveDate>) {
    (!facts.is_due(today), facts.every_months.is_none(), facts.last_visit)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn day(text: &str) -> NaiveDate {
        NaiveDate::parse_from_str(text, "%Y-%m-%d").unwrap()
    }

    fn facts(every: Option<u32>, last: Option<&str>) -> CareFacts {
        CareFacts { every_months: every, last_visit: last.map(day) }
    }

    #[test]
    fn periods_are_calendar_months_and_quarters() {
        assert_eq!(period_start(day("2026-12-04"), 1), day("2026-12-01"));
        assert_eq!(period_end(day("2026-12-04"), 1), day("2026-12-31"));
        assert_eq!(period_start(day("2026-05-20"), 3), day("2026-04-01"));
        assert_eq!(period_end(day("2026-05-20"), 3), day("2026-06-30"));
        assert_eq!(period_end(day("2028-02-03"), 1), day("2028-02-29"));
        assert_eq!(period_start(day("2026-12-31"), 12), day("2026-01-01"));
    }

    #[test]
    fn a_household_is_due_until_a_visit_in_its_period() {
        let today = day("2026-12-04");
        assert!(facts(Some(1), None).is_due(today));
        assert!(facts(Some(1), Some("2026-11-30")).is_due(today));
        assert!(!facts(Some(1), Some("2026-12-01")).is_due(today));
        assert!(!facts(Some(3), Some("2026-10-02")).is_due(today), "quarterly: October counts for Q4");
        assert!(facts(Some(3), Some("2026-09-30")).is_due(today));
        assert!(!facts(None, None).is_due(today), "a household without an interval is never due");
    }

    #[test]
    fn only_a_visit_that_saw_someone_or_found_them_gone_counts() {
        assert!(VisitOutcome::AllWell.counts());
        assert!(VisitOutcome::NeedsHelp.counts());
        assert!(VisitOutcome::MovedOut.counts());
        assert!(!VisitOutcome::NobodyHome.counts());
        for outcome in VisitOutcome::ALL {
            assert_eq!(VisitOutcome::parse(outcome.as_str()), Some(outcome));
        }
    }

    #[test]
    fn coverage_at_a_month_end_judges_only_the_periods_that_ended() {
        let households =
            [facts(Some(1), Some("2026-11-12")), facts(Some(1), None), facts(Some(3), None), facts(None, None)];
        let november = Coverage::at_month_end(&households, day("2026-11-30"));
        assert_eq!(november, Coverage { visited: 1, target: 2 }, "the quarter is still running");
        assert!(november.under_target());
        assert_eq!(november.percent(), 50);
        let december = Coverage::at_month_end(&households, day("2026-12-31"));
        assert_eq!(december, Coverage { visited: 0, target: 3 });
        assert_eq!(Coverage::on(&households, day("2026-11-20")), Coverage { visited: 1, target: 3 });
        assert_eq!(Coverage::default().percent(), 100);
    }

    #[test]
    fn households_due_come_first_and_the_longest_unvisited_first_among_them() {
        let today = day("2026-12-04");
        let mut list = [
            facts(Some(1), Some("2026-12-02")),
            facts(Some(1), Some("2026-10-01")),
            facts(Some(1), None),
            facts(Some(3), Some("2026-11-01")),
            facts(None, None),
        ];
        list.sort_by_key(|f| due_order(f, today));
        let lasts: Vec<Option<NaiveDate>> = list.iter().map(|f| f.last_visit).collect();
        assert_eq!(lasts, [None, Some(day("2026-10-01")), Some(day("2026-11-01")), Some(day("2026-12-02")), None]);
    }
}
