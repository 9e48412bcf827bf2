//! What every background loop shares: backoff between retries and a
//! shutdown signal.

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

#[cfg(test)]
mod tests {
    use super::*;

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
