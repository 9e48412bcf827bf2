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
