//! What every background loop shares: backoff between retries, a shutdown
//! signal, and a way to be handed work without claiming it.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::sync::watch;

/// Exponential backoff with a ceiling: 0.5 s, 1 s, 2 s … up to 5 minutes.
pub struct Backoff;

impl Backoff {
    pub fn after_failures(failures: u32) -> Duration {
        if failures == 0 {
            return Duration::from_millis(100);
        }
        let exponent = failures.saturating_sub(1).min(10);
        (Duration::from_millis(500) * 2u32.pow(exponent)).min(Duration::from_secs(300))
    }
}

/// When the inbox, the sender and the timers try a failed job again, and
/// when they give it up. A job's `attempts` counts its claims.
#[derive(Debug, Clone, Copy)]
pub struct RetryPolicy {
    /// A job whose attempt failed this many times is given up.
    pub failures: i64,
    /// A job claimed more than this many times without its attempts ever
    /// settling (a panic, a hang) is given up before it is tried again.
    pub claims: i64,
}

impl RetryPolicy {
    /// An update that keeps failing is apologised for; its sender waits behind it.
    pub const INBOX: RetryPolicy = RetryPolicy { failures: 5, claims: 5 };
    /// Telegram's failures are mostly brief (a restart, a rate limit).
    pub const OUTBOX: RetryPolicy = RetryPolicy { failures: 10, claims: 12 };
    pub const TIMERS: RetryPolicy = RetryPolicy { failures: 10, claims: 12 };

    /// Whether a job just claimed was abandoned too often to try again.
    pub fn abandoned(&self, attempts: i64) -> bool {
        attempts > self.claims
    }

    /// How long to wait before the next attempt after a failed one, or
    /// `None` to give up.
    pub fn after_failure(&self, attempts: i64) -> Option<Duration> {
        (attempts < self.failures).then(|| Backoff::after_failures(attempts.max(0) as u32))
    }
}

/// A signal every loop watches; triggered once on SIGTERM or Ctrl-C.
#[derive(Clone)]
pub struct Shutdown {
    receiver: watch::Receiver<bool>,
}

pub struct ShutdownTrigger(watch::Sender<bool>);

impl Shutdown {
    pub fn new() -> (ShutdownTrigger, Shutdown) {
        let (sender, receiver) = watch::channel(false);
        (ShutdownTrigger(sender), Shutdown { receiver })
    }

    pub fn is_triggered(&self) -> bool {
        *self.receiver.borrow()
    }

    pub async fn triggered(&self) {
        let mut receiver = self.receiver.clone();
        let _ = receiver.wait_for(|stop| *stop).await;
    }
}

impl ShutdownTrigger {
    pub fn trigger(&self) {
        let _ = self.0.send(true);
    }
}

/// Work that another task claimed for a background loop in a transaction it
/// had open anyway, handed over in memory so that the loop does not need a
/// transaction of its own to claim it: the poller claims the updates it
/// records for the inbox worker, a turn the messages it wrote for the
/// sender, and the sender's settler what waited behind the sends it
/// recorded.
///
/// The loop opens the hand-off with how much it takes at a time; a giver
/// claims no more than the room left, so no more waits here than the loop
/// would have claimed itself, and the leases of what waits do not run out.
/// Until the loop opens it, and after it closes it, there is no room, and
/// the work stays in the database for whoever claims it.
pub struct Handoff<T>(Mutex<HandoffState<T>>);

struct HandoffState<T> {
    waiting: VecDeque<T>,
    capacity: usize,
    /// A giver filled the hand-off since the loop last asked
    /// ([`Handoff::look_again`]).
    filled: bool,
}

impl<T> Default for Handoff<T> {
    fn default() -> Self {
        Handoff(Mutex::new(HandoffState { waiting: VecDeque::new(), capacity: 0, filled: false }))
    }
}

impl<T> Handoff<T> {
    /// The loop is running and takes up to `capacity` at a time.
    pub fn open(&self, capacity: usize) {
        self.lock().capacity = capacity;
    }

    /// The loop is stopping: nothing more is handed over. What waits is
    /// dropped; it is still claimed in the database, and this instance takes
    /// it back when it starts again (or another once the lease runs out).
    pub fn close(&self) {
        let mut state = self.lock();
        state.capacity = 0;
        state.waiting.clear();
    }

    /// Whether the loop is running and takes work handed over.
    pub fn is_open(&self) -> bool {
        self.lock().capacity > 0
    }

    /// How much more a giver may claim for the loop now.
    pub fn room(&self) -> usize {
        let state = self.lock();
        state.capacity.saturating_sub(state.waiting.len())
    }

    /// Hands work over, oldest first. Whoever gives also wakes the loop. If
    /// the loop stopped since the work was claimed, the work is left to its
    /// lease, as [`Handoff::close`] leaves what waited.
    pub fn give(&self, work: impl IntoIterator<Item = T>) {
        let mut state = self.lock();
        if state.capacity > 0 {
            state.waiting.extend(work);
            // A giver claims no more than the room left, so one that filled
            // it may have left work in the database.
            state.filled |= state.waiting.len() >= state.capacity;
        }
    }

    /// Hands work over to be taken by `key`, least first, and among equals
    /// oldest first (the outbox: the most urgent message first).
    pub fn give_by<K: Ord>(&self, work: impl IntoIterator<Item = T>, key: impl Fn(&T) -> K) {
        self.give(work);
        self.lock().waiting.make_contiguous().sort_by_key(key);
    }

    /// Takes up to `most` of the waiting work, oldest first.
    pub fn take(&self, most: usize) -> Vec<T> {
        self.take_with(most, |_| false)
    }

    /// Like [`Handoff::take`], and before those `most`, however many there
    /// are, the `urgent` ones waiting at the front (see [`Handoff::give_by`]).
    pub fn take_with(&self, most: usize, urgent: impl Fn(&T) -> bool) -> Vec<T> {
        let mut state = self.lock();
        let urgent = state.waiting.iter().take_while(|work| urgent(work)).count();
        let count = (urgent + most).min(state.waiting.len());
        state.waiting.drain(..count).collect()
    }

    /// Whether the loop, having started what it took, should look for more
    /// at once: work still waits here, or a giver filled the hand-off since
    /// the last time the loop asked and may have left work in the database.
    /// Otherwise what it was handed was all there was, and going round to
    /// claim would find nothing (measured: two empty claims an update at
    /// 100 updates/s, BENCHMARKS.md); whoever leaves work
    /// elsewhere wakes the loop.
    pub fn look_again(&self) -> bool {
        let mut state = self.lock();
        !state.waiting.is_empty() || std::mem::take(&mut state.filled)
    }

    /// The lock is never held across an await or a call that can panic.
    fn lock(&self) -> std::sync::MutexGuard<'_, HandoffState<T>> {
        self.0.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_handoff_has_room_only_while_its_loop_runs_and_only_for_what_it_takes() {
        let handoff = Handoff::default();
        assert_eq!(handoff.room(), 0, "no loop has opened it");
        handoff.open(3);
        handoff.give([1, 2]);
        assert_eq!(handoff.room(), 1);
        assert_eq!(handoff.take(1), vec![1], "oldest first");
        assert_eq!(handoff.room(), 2);
        handoff.give([3]);
        assert_eq!(handoff.take(5), vec![2, 3]);
        handoff.give([4]);
        handoff.close();
        assert_eq!(handoff.room(), 0);
        assert!(handoff.take(5).is_empty(), "what waited is left to its lease");
        handoff.give([5]);
        assert!(handoff.take(5).is_empty(), "so is what is given after the loop stopped");
    }

    #[test]
    fn a_loop_looks_again_after_a_handoff_only_if_work_waits_or_a_giver_filled_it() {
        let handoff = Handoff::default();
        handoff.open(3);
        handoff.give([1, 2]);
        assert_eq!(handoff.take(1), vec![1]);
        assert!(handoff.look_again(), "2 still waits");
        assert_eq!(handoff.take(5), vec![2]);
        assert!(!handoff.look_again(), "what was handed was all there was");
        handoff.give([3, 4, 5]);
        assert_eq!(handoff.take(5), vec![3, 4, 5]);
        assert!(handoff.look_again(), "the giver filled it, so it may have left more in the database");
        assert!(!handoff.look_again(), "said once");
    }

    #[test]
    fn work_given_by_a_key_is_taken_least_first_and_oldest_first_among_equals() {
        let handoff = Handoff::default();
        handoff.open(10);
        handoff.give_by([(2, 'a'), (1, 'b'), (2, 'c')], |work| work.0);
        handoff.give_by([(0, 'd'), (1, 'e')], |work| work.0);
        assert_eq!(handoff.take(10), vec![(0, 'd'), (1, 'b'), (1, 'e'), (2, 'a'), (2, 'c')]);
        handoff.give_by([(2, 'f'), (0, 'g'), (0, 'h'), (1, 'i')], |work| work.0);
        let urgent = |work: &(i32, char)| work.0 == 0;
        assert_eq!(handoff.take_with(0, urgent), vec![(0, 'g'), (0, 'h')], "the urgent whatever the room");
        assert_eq!(handoff.take_with(1, urgent), vec![(1, 'i')]);
    }

    #[test]
    fn a_job_is_retried_with_backoff_until_its_policy_gives_it_up() {
        let policy = RetryPolicy { failures: 3, claims: 4 };
        assert_eq!(policy.after_failure(1), Some(Duration::from_millis(500)));
        assert_eq!(policy.after_failure(2), Some(Duration::from_secs(1)));
        assert_eq!(policy.after_failure(3), None, "the third failure gives it up");
        assert!(!policy.abandoned(4));
        assert!(policy.abandoned(5), "claimed a fifth time without settling");
    }

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert_eq!(Backoff::after_failures(1), Duration::from_millis(500));
        assert_eq!(Backoff::after_failures(2), Duration::from_secs(1));
        assert_eq!(Backoff::after_failures(4), Duration::from_secs(4));
        assert_eq!(Backoff::after_failures(40), Duration::from_secs(300));
    }

    #[tokio::test]
    async fn every_clone_of_shutdown_sees_the_trigger() {
        let (trigger, shutdown) = Shutdown::new();
        let other = shutdown.clone();
        assert!(!other.is_triggered());
        trigger.trigger();
        other.triggered().await;
        assert!(shutdown.is_triggered());
    }
}
