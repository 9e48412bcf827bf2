//! The timer worker: fires due timers of the escalation clock and of the
//! daily check-ins. Each firing
//! is one transaction with the messages it causes, so a timer fires once
//! even with several instances on one database, and fires after a restart.

use std::sync::Arc;
use std::time::Duration;

use super::outgoing::Outbox;
use crate::app::{App, clock};
use crate::domain::checkin::CheckinTimer;
use crate::domain::escalation::Timer;
use crate::store::{ClaimedJob, Queue};
use crate::telegram::{checkin, escalation};
use crate::work::{Backoff, RetryPolicy, Shutdown};

/// What a timer job carries: a request's clock or a check-in ladder's rung.
#[derive(serde::Deserialize)]
#[serde(untagged)]
enum Fired {
    Checkin(CheckinTimer),
    Request(Timer),
}

const LEASE_MS: i64 = 60_000;
/// Timers are looked for at least this often, so that one set by another
/// instance fires on time too.
const POLL: Duration = Duration::from_millis(500);
/// How long a wake waits for more wakes before claiming.
const COALESCE: Duration = Duration::from_millis(100);

pub async fn run(app: Arc<App>, shutdown: Shutdown) {
    let mut failures = 0u32;
    while !shutdown.is_triggered() {
        let claimed = app.claim(Queue::Timer, LEASE_MS, 50, None).await;
        let worked = match claimed {
            Ok(jobs) => {
                failures = 0;
                let any = !jobs.is_empty();
                for job in jobs {
                    fire(&app, job).await;
                }
                any
            }
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, "could not claim timers");
                false
            }
        };
        if worked {
            continue;
        }
        let pause = if failures > 0 { Backoff::after_failures(failures) } else { POLL };
        tokio::select! {
            _ = app.wake.timers.notified() => {
                // Every handled update wakes this loop in case it scheduled a
                // timer; under load that is hundreds of times a second, and
                // nearly every claim would find nothing. Waiting a moment
                // lets one claim answer all the wakes of that moment.
                tokio::select! {
                    _ = tokio::time::sleep(COALESCE) => {}
                    _ = shutdown.triggered() => {}
                }
            }
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
}

async fn fire(app: &App, job: ClaimedJob) {
    if RetryPolicy::TIMERS.abandoned(job.attempts) {
        // A firing that panicked never returned; past the limit it stops.
        let result = async {
            let mut tx = app.store.begin().await?;
            tx.fail(job.id, &job.lease_token, "never finished", app.now_ms()).await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not give up on a timer");
        }
        return;
    }
    let result = async {
        let fired: Fired = serde_json::from_str(&job.payload)?;
        let now = app.now();
        let mut tx = app.store.begin().await?;
        let mut out = Outbox::default();
        match fired {
            Fired::Request(timer) => {
                let policy = app.policy(&mut tx).await?;
                let notices = clock::fire(&mut tx, &timer, &policy, now).await?;
                escalation::deliver(app, &mut tx, &mut out, notices).await?;
            }
            Fired::Checkin(timer) => {
                let notices = crate::app::checkins::fire(&mut tx, &timer, now, app.config.timezone).await?;
                checkin::deliver(app, &mut tx, &mut out, notices).await?;
            }
        }
        let wrote = out.write(&mut tx, crate::store::millis(now)).await?;
        if tx.finish(job.id, &job.lease_token, None, crate::store::millis(now)).await? {
            tx.commit().await?;
            if wrote {
                app.wake.outbox.notify_one();
            }
        }
        anyhow::Ok(())
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(job = job.id, error = %error, "firing a timer failed; it will be retried");
        let retried = async {
            let mut tx = app.store.begin().await?;
            match RetryPolicy::TIMERS.after_failure(job.attempts) {
                Some(wait) => {
                    let retry_at = app.now_ms() + wait.as_millis() as i64;
                    tx.retry_later(job.id, &job.lease_token, "firing failed", retry_at).await?;
                }
                None => _ = tx.fail(job.id, &job.lease_token, "kept failing", app.now_ms()).await?,
            }
            tx.commit().await
        }
        .await;
        if let Err(error) = retried {
            tracing::warn!(%error, "could not reschedule a timer; its lease will expire instead");
        }
    }
}
