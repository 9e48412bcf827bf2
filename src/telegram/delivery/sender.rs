//! The outbox sender: claims outgoing messages, the most urgent first, and
//! hands them to Telegram at Telegram's pace (`pacing.rs`), one at a time per
//! chat, retrying what can be retried (`verdict.rs`) and recording the
//! outcomes (`settle.rs`).

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;

use super::outgoing::{Outgoing, Priority};
use super::pacing::Pacer;
use super::settle::{Settle, Settlement, settler};
use super::verdict::{Verdict, classify};
use crate::app::App;
use crate::config::Tuning;
use crate::store::{ClaimedJob, Queue, StoreError};
use crate::work::{Backoff, RetryPolicy, Shutdown};

/// How long the sender may take over a message before another may retry it.
const LEASE_MS: i64 = 30_000;

pub async fn run(app: Arc<App>, bot: Bot, tuning: Tuning, shutdown: Shutdown) {
    let pacer = Arc::new(Pacer::new(tuning));
    let dispatcher = tokio::spawn({
        let pacer = pacer.clone();
        async move { pacer.run().await }
    });
    let (settlements, receiver) = tokio::sync::mpsc::unbounded_channel();
    let settler = tokio::spawn(settler(app.clone(), receiver));
    let mut in_flight = tokio::task::JoinSet::new();
    let mut failures = 0u32;
    // Claim no more than about two seconds of sending, so that a claimed
    // message never waits in the pacer for longer than its lease.
    let max_in_flight = if tuning.global_rate == 0 { 64 } else { (tuning.global_rate as usize * 2).clamp(1, 64) };
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while in_flight.try_join_next().is_some() {}
        let capacity = max_in_flight.saturating_sub(in_flight.len());
        let claimed = if capacity == 0 {
            Ok(Vec::new())
        } else {
            app.claim(Queue::Outbox, LEASE_MS, capacity as i64, None).await
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                // A full claim may have left more behind; otherwise whoever
                // adds work wakes this loop.
                let full = jobs.len() == capacity;
                for job in jobs {
                    let (app, bot, pacer, settlements) = (app.clone(), bot.clone(), pacer.clone(), settlements.clone());
                    in_flight.spawn(async move {
                        let settlement = deliver(&app, &bot, &pacer, job).await;
                        // The settler outlives every delivery; if it is gone,
                        // the process is stopping and the lease will expire.
                        let _ = settlements.send(settlement);
                    });
                }
                if full {
                    continue;
                }
            }
            Ok(_) => failures = 0,
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, "could not claim outgoing messages");
            }
        }
        let pause = Backoff::after_failures(failures).min(Duration::from_secs(1));
        tokio::select! {
            _ = app.wake.outbox.notified() => {}
            // A finished send frees a place, which matters only when every
            // place was taken; its chat's next message waits for the settler,
            // which wakes this loop once the outcome is recorded.
            Some(_) = in_flight.join_next(), if in_flight.len() >= max_in_flight => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
    // Messages already handed to Telegram are allowed to finish; anything
    // unfinished is left to its lease and sent after the restart.
    let _ =
        tokio::time::timeout(Duration::from_secs(5), async { while in_flight.join_next().await.is_some() {} }).await;
    // What was sent is recorded before the process stops.
    in_flight.abort_all();
    drop(settlements);
    dispatcher.abort();
    let _ = tokio::time::timeout(Duration::from_secs(5), settler).await;
}

/// Sends one claimed message and says how it ended.
async fn deliver(app: &App, bot: &Bot, pacer: &Pacer, job: ClaimedJob) -> Settlement {
    let erase = super::outgoing::erased_when_sent(&job.payload);
    if RetryPolicy::SENDS.abandoned(job.attempts) {
        // A send that panicked or hung never settled; past the limit it stops
        // holding up the chat's later messages.
        return Settlement { job, outcome: Settle::Failed("never finished".into()), notice: None, erase };
    }
    let outgoing: Outgoing = match serde_json::from_str(&job.payload) {
        Ok(outgoing) => outgoing,
        Err(error) => {
            tracing::error!(job = job.id, line = error.line(), column = error.column(), "unreadable outbox entry");
            return Settlement { job, outcome: Settle::Failed("unreadable outbox entry".into()), notice: None, erase };
        }
    };
    // An edit of a card needs the id the card was sent under; the card went
    // first in the same lane, so it is known by now (or was never sent).
    let outgoing = match outgoing {
        Outgoing::EditCard { chat, request, text, buttons } => match card_message(app, chat, request).await {
            Ok(Some(message_id)) => Outgoing::EditText { chat, message_id, text, buttons },
            Ok(None) => return Settlement { job, outcome: Settle::Done(None), notice: None, erase },
            Err(error) => {
                tracing::warn!(job = job.id, %error, "could not look up a card to edit");
                let retry = Settle::Retry { after: Backoff::after_failures(1), reason: "lookup failed".into() };
                return Settlement { job, outcome: retry, notice: None, erase };
            }
        },
        Outgoing::EditProgress { chat, notice, text, buttons } => match progress_message(app, notice).await {
            Ok(Some(message_id)) => Outgoing::EditText { chat, message_id, text, buttons },
            Ok(None) => return Settlement { job, outcome: Settle::Done(None), notice: None, erase },
            Err(error) => {
                tracing::warn!(job = job.id, %error, "could not look up a progress message to edit");
                let retry = Settle::Retry { after: Backoff::after_failures(1), reason: "lookup failed".into() };
                return Settlement { job, outcome: retry, notice: None, erase };
            }
        },
        other => other,
    };
    let notice = match &outgoing {
        Outgoing::Notice { notice, chat, .. } => Some((*notice, *chat)),
        _ => None,
    };
    if let Some(chat) = outgoing.chat().filter(|_| outgoing.is_new_message()) {
        pacer.wait_turn(chat, Priority::from_rank(job.priority)).await;
    }
    let verdict = match super::bot_api::send(bot, &outgoing).await {
        Ok(id) => Verdict::Sent(id),
        Err(error) => classify(&error),
    };
    let outcome = match verdict {
        Verdict::Sent(id) => Settle::Done(id.map(|id| id.to_string())),
        Verdict::Retry { after, reason } if !RetryPolicy::SENDS.exhausted(job.attempts) => {
            let wait = after.unwrap_or_else(|| RetryPolicy::SENDS.delay(job.attempts));
            tracing::info!(job = job.id, attempt = job.attempts, ?wait, reason, "sending failed, will retry");
            Settle::Retry { after: wait, reason }
        }
        Verdict::Retry { reason, .. } => Settle::Failed(format!("gave up after {} attempts: {reason}", job.attempts)),
        Verdict::Unreachable(reason) => {
            tracing::info!(job = job.id, reason, "recipient unreachable");
            Settle::Unreachable { chat: outgoing.chat(), reason }
        }
        Verdict::Rejected(reason) => {
            tracing::warn!(job = job.id, reason, "Telegram refused a message");
            Settle::Failed(reason)
        }
    };
    Settlement { job, outcome, notice, erase }
}

async fn card_message(app: &App, chat: i64, request: i64) -> Result<Option<i32>, StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.card_message(&format!("chat:{chat}"), request).await?;
    tx.commit().await?;
    Ok(id)
}

async fn progress_message(app: &App, notice: i64) -> Result<Option<i32>, StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.progress_message(notice).await?;
    tx.commit().await?;
    Ok(id)
}
