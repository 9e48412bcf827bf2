//! What every background loop shares: when to retry a job and when to give
//! it up, and a shutdown signal.

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

/// When a loop gives a failed job up: after `max_attempts` failed attempts,
/// and also, before it runs again, a job claimed more often than that
/// without finishing (its worker panicked or hung, so its lease ran out).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    pub max_attempts: i64,
}

impl RetryPolicy {
    /// Updates: a handler that fails five times will not do better later,
    /// and the person's later updates wait behind it.
    pub const UPDATES: RetryPolicy = RetryPolicy { max_attempts: 5 };
    /// Sends: Telegram or the network may be down for a while; ten attempts
    /// with backoff span about eight minutes.
    pub const SENDS: RetryPolicy = RetryPolicy { max_attempts: 10 };
    /// Timers: as for sends, since a timer's firing only reads and writes
    /// the database.
    pub const TIMERS: RetryPolicy = RetryPolicy { max_attempts: 10 };

    /// Whether the attempt that just failed was the last.
    pub fn exhausted(self, attempts: i64) -> bool {
        attempts >= self.max_attempts
    }

    /// Whether a job claimed for the `attempts`th time never finished its
    /// earlier attempts and is to be given up before it runs again.
    pub fn abandoned(self, attempts: i64) -> bool {
        attempts > self.max_attempts
    }

    /// How long after the `attempts`th failure the job is tried again.
    pub fn delay(self, attempts: i64) -> Duration {
        Backoff::after_failures(u32::try_from(attempts).unwrap_or(u32::MAX))
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_a_ceiling() {
        assert_eq!(Backoff::after_failures(1), Duration::from_millis(500));
        assert_eq!(Backoff::after_failures(2), Duration::from_secs(1));
        assert_eq!(Backoff::after_failures(4), Duration::from_secs(4));
        assert_eq!(Backoff::after_failures(40), Duration::from_secs(300));
    }

    #[test]
    fn a_job_is_given_up_after_its_last_attempt_or_before_one_past_it() {
        let policy = RetryPolicy::UPDATES;
        assert!(!policy.exhausted(4));
        assert!(policy.exhausted(5));
        assert!(!policy.abandoned(5), "the fifth attempt still runs");
        assert!(policy.abandoned(6), "a sixth claim means the fifth never finished");
        assert_eq!(policy.delay(2), Duration::from_secs(1));
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
