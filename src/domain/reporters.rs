//! Many reporters of one problem: when the same category keeps coming back
//! in a building (the recurring-problem rule), and what a merge of a
//! duplicate into its original may do.

use super::request::Status;

const DAY_MS: i64 = 24 * 60 * 60 * 1000;

/// How long after a merge it may still be undone.
pub const UNMERGE_WITHIN_DAYS: i64 = 7;

/// The numbers of the recurring-problem rule, settings an admin sees with
/// `/sla`: `min_requests` or more requests from at least `min_households`
/// households within `window_days`, or a new request within
/// `after_close_days` after the last one was closed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RecurringRule {
    pub window_days: u32,
    pub min_requests: u32,
    pub min_households: u32,
    pub after_close_days: u32,
}

impl Default for RecurringRule {
    fn default() -> Self {
        RecurringRule { window_days: 30, min_requests: 3, min_households: 2, after_close_days: 60 }
    }
}

/// One request of a category in a building, as the rule sees it. Times are
/// epoch milliseconds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Occurrence {
    /// Whatever tells households apart (a room, or the person when the room
    /// is not known); two reports from one flat are one household.
    pub household: String,
    pub created_at: i64,
    /// When it was closed, if it was.
    pub closed_at: Option<i64>,
}

/// Why a new request makes its category a recurring problem in its
/// building.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recurrence {
    /// Enough requests from enough households within the window.
    Cluster { requests: usize, households: usize },
    /// It came back soon after the last one was closed.
    SoonAfterClose { closed_at: i64 },
}

impl Recurrence {
    /// The stable name stored with a recurring problem.
    pub fn as_str(self) -> &'static str {
        match self {
            Recurrence::Cluster { .. } => "cluster",
            Recurrence::SoonAfterClose { .. } => "after_close",
        }
    }
}

impl RecurringRule {
    /// Whether `new`, with the `earlier` requests of its category in its
    /// building, is a recurring problem. A day's boundary counts in: a
    /// request exactly `window_days` older than the new one is within the
    /// window.
    pub fn judge(&self, earlier: &[Occurrence], new: &Occurrence) -> Option<Recurrence> {
        let window = i64::from(self.window_days) * DAY_MS;
        let recent: Vec<&Occurrence> = earlier
            .iter()
            .filter(|o| o.created_at <= new.created_at && new.created_at - o.created_at <= window)
            .chain(std::iter::once(new))
            .collect();
        let mut households: Vec<&str> = recent.iter().map(|o| o.household.as_str()).collect();
        households.sort_unstable();
        households.dedup();
        if recent.len() >= self.min_requests as usize && households.len() >= self.min_households as usize {
            return Some(Recurrence::Cluster { requests: recent.len(), households: households.len() });
        }
        let after_close = i64::from(self.after_close_days) * DAY_MS;
        let last_closed = earlier.iter().filter_map(|o| o.closed_at).filter(|at| *at <= new.created_at).max()?;
        (new.created_at - last_closed <= after_close).then_some(Recurrence::SoonAfterClose { closed_at: last_closed })
    }

    /// How far back the earlier requests the rule looks at reach.
    pub fn look_back_days(&self) -> u32 {
        self.window_days.max(self.after_close_days)
    }
}

/// The shortest time between two edits of a request's cards for new
/// followers: however many join, a responder's card changes at most this
/// often.
pub const CARD_EDIT_EVERY_MS: i64 = 10_000;

/// When a request's cards show a new follower.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardEdit {
    /// The last edit is long enough ago: edit them now.
    Now,
    /// Edit them at this time (epoch ms), the first moment allowed.
    At(i64),
    /// An edit is already due later; it will show this follower too.
    AlreadyDue,
}

/// When to edit the cards for a follower who joined at `now`, the cards
/// having last been edited (or being due to be) at `last`.
pub fn card_edit(last: Option<i64>, now: i64) -> CardEdit {
    match last {
        Some(last) if last > now => CardEdit::AlreadyDue,
        Some(last) if now - last < CARD_EDIT_EVERY_MS => CardEdit::At(last + CARD_EDIT_EVERY_MS),
        _ => CardEdit::Now,
    }
}

/// Why a request may not be merged into another.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MergeRefusal {
    /// A request cannot be a duplicate of itself.
    SameRequest,
    /// Only open or accepted work can be merged away.
    DuplicateFinished,
    /// The original must still be open or accepted, so that its followers
    /// hear of its resolution.
    OriginalFinished,
}

/// Whether a request in status `duplicate` may be merged into one in
/// status `original`.
pub fn check_merge(same: bool, duplicate: Status, original: Status) -> Result<(), MergeRefusal> {
    if same {
        Err(MergeRefusal::SameRequest)
    } else if !duplicate.is_active() {
        Err(MergeRefusal::DuplicateFinished)
    } else if !original.is_active() {
        Err(MergeRefusal::OriginalFinished)
    } else {
        Ok(())
    }
}

/// Why a merge may not be undone.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UnmergeRefusal {
    NotMerged,
    /// More than [`UNMERGE_WITHIN_DAYS`] have passed.
    TooLate,
}

/// Whether a request in `status`, merged at `merged_at`, may be unmerged at
/// `now` (epoch milliseconds).
pub fn check_unmerge(status: Status, merged_at: Option<i64>, now: i64) -> Result<(), UnmergeRefusal> {
    match merged_at {
        Some(at) if status == Status::Merged => {
            if now - at <= UNMERGE_WITHIN_DAYS * DAY_MS {
                Ok(())
            } else {
                Err(UnmergeRefusal::TooLate)
            }
        }
        _ => Err(UnmergeRefusal::NotMerged),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const T0: i64 = 1_800_000_000_000;

    fn at(day: i64, household: &str) -> Occurrence {
        Occurrence { household: household.into(), created_at: T0 + day * DAY_MS, closed_at: None }
    }

    fn rule() -> RecurringRule {
        RecurringRule::default()
    }

    #[test]
    fn two_requests_are_not_a_recurring_problem_but_three_are() {
        assert_eq!(rule().judge(&[at(0, "301")], &at(1, "302")), None);
        assert_eq!(
            rule().judge(&[at(0, "301"), at(1, "302")], &at(2, "303")),
            Some(Recurrence::Cluster { requests: 3, households: 3 })
        );
    }

    #[test]
    fn three_requests_from_one_household_are_not_a_recurring_problem_but_from_two_are() {
        assert_eq!(rule().judge(&[at(0, "301"), at(1, "301")], &at(2, "301")), None);
        assert_eq!(
            rule().judge(&[at(0, "301"), at(1, "301")], &at(2, "502")),
            Some(Recurrence::Cluster { requests: 3, households: 2 })
        );
    }

    #[test]
    fn a_request_thirty_days_old_counts_and_one_thirty_one_days_old_does_not() {
        assert!(rule().judge(&[at(0, "301"), at(10, "302")], &at(30, "303")).is_some());
        assert_eq!(rule().judge(&[at(0, "301"), at(10, "302")], &at(31, "303")), None);
    }

    #[test]
    fn a_new_request_sixty_days_after_the_last_was_closed_recurs_and_sixty_one_days_after_does_not() {
        let closed = Occurrence { closed_at: Some(T0 + 5 * DAY_MS), ..at(0, "301") };
        assert_eq!(
            rule().judge(std::slice::from_ref(&closed), &at(65, "301")),
            Some(Recurrence::SoonAfterClose { closed_at: T0 + 5 * DAY_MS })
        );
        assert_eq!(rule().judge(&[closed], &at(66, "301")), None);
        assert_eq!(rule().judge(&[at(0, "301")], &at(1, "301")), None, "an earlier request still open is not a return");
    }

    #[test]
    fn the_rule_s_numbers_are_its_settings() {
        let strict = RecurringRule { window_days: 7, min_requests: 2, min_households: 1, after_close_days: 0 };
        assert!(strict.judge(&[at(0, "301")], &at(7, "301")).is_some());
        assert_eq!(strict.judge(&[at(0, "301")], &at(8, "301")), None);
        assert_eq!(strict.look_back_days(), 7);
        assert_eq!(rule().look_back_days(), 60);
    }

    #[test]
    fn only_active_work_is_merged_into_another_active_request() {
        assert_eq!(check_merge(true, Status::Open, Status::Open), Err(MergeRefusal::SameRequest));
        assert_eq!(check_merge(false, Status::Open, Status::Accepted), Ok(()));
        assert_eq!(check_merge(false, Status::Accepted, Status::Open), Ok(()));
        for finished in [Status::Resolved, Status::Closed, Status::Cancelled, Status::Merged] {
            assert_eq!(check_merge(false, finished, Status::Open), Err(MergeRefusal::DuplicateFinished));
            assert_eq!(check_merge(false, Status::Open, finished), Err(MergeRefusal::OriginalFinished));
        }
    }

    #[test]
    fn cards_are_edited_for_followers_at_most_every_ten_seconds() {
        assert_eq!(card_edit(None, T0), CardEdit::Now);
        assert_eq!(card_edit(Some(T0), T0 + 10_000), CardEdit::Now);
        assert_eq!(card_edit(Some(T0), T0 + 3_000), CardEdit::At(T0 + 10_000));
        assert_eq!(card_edit(Some(T0 + 10_000), T0 + 4_000), CardEdit::AlreadyDue, "the next one shows it");
        // Two hundred followers joining within a second: one edit now, one
        // ten seconds later, none in between.
        let mut last = None;
        let mut edits = Vec::new();
        for i in 0..200 {
            let now = T0 + i * 5;
            match card_edit(last, now) {
                CardEdit::Now => {
                    edits.push(now);
                    last = Some(now);
                }
                CardEdit::At(at) => {
                    edits.push(at);
                    last = Some(at);
                }
                CardEdit::AlreadyDue => {}
            }
        }
        assert_eq!(edits, [T0, T0 + 10_000]);
    }

    #[test]
    fn a_merge_is_undone_within_seven_days_and_not_after() {
        let merged = Some(T0);
        assert_eq!(check_unmerge(Status::Merged, merged, T0 + 7 * DAY_MS), Ok(()));
        assert_eq!(check_unmerge(Status::Merged, merged, T0 + 7 * DAY_MS + 1), Err(UnmergeRefusal::TooLate));
        assert_eq!(check_unmerge(Status::Open, None, T0), Err(UnmergeRefusal::NotMerged));
        assert_eq!(check_unmerge(Status::Open, merged, T0), Err(UnmergeRefusal::NotMerged), "already unmerged");
    }
}
