//! The outbox sender: claims outgoing messages from the outbox and hands
//! them to Telegram at Telegram's pace, one at a time per chat, retrying what
//! can be retried and recording the id of what was sent.

use std::sync::Arc;
use std::time::Duration;

use teloxide::prelude::*;

use super::outgoing::{Outbox, Outgoing};
use crate::app::App;
use crate::app::people;
use crate::config::Tuning;
use crate::domain::TelegramId;
use crate::store::{ClaimedJob, Queue, StoreError};
use crate::telegram::notify;
use crate::telegram::render::CardFor;
use crate::work::{Backoff, RetryPolicy, Shutdown};

mod bot_api;
mod errors;
mod pacing;

use bot_api::send;
pub use errors::{Verdict, classify};
pub use pacing::Pacer;

/// The most outcomes recorded in one transaction.
const SETTLE_BATCH: usize = 256;
/// How long the sender may take over a message before another may retry it.
const LEASE_MS: i64 = 30_000;
/// The most answers claimed at once beyond the sender's room (see
/// [`claim`]); a batch of turns answers at most this many chats.
const MAX_INTERACTIVE_CLAIM: i64 = 64;

/// Claims as many messages as the sender has `room` for, the most urgent
/// first. The answers to whoever is talking to the bot are claimed even
/// when there is no room: they never wait for a place behind bulk claimed
/// earlier (and are few, as they come one at a time from people typing).
async fn claim(app: &App, room: usize) -> Result<Vec<ClaimedJob>, StoreError> {
    let (owner, now) = (&app.config.instance, app.now_ms());
    let mut tx = app.store.begin().await?;
    let jobs = match room {
        0 => tx.claim_interactive(Queue::Outbox, owner, now, LEASE_MS, MAX_INTERACTIVE_CLAIM).await?,
        room => tx.claim(Queue::Outbox, owner, now, LEASE_MS, room as i64).await?,
    };
    tx.commit().await?;
    Ok(jobs)
}

pub async fn run(app: Arc<App>, bot: Bot, tuning: Tuning, shutdown: Shutdown) {
    let pacer = Arc::new(Pacer::new(tuning));
    let (settlements, receiver) = tokio::sync::mpsc::unbounded_channel();
    let settler = tokio::spawn(settler(app.clone(), receiver));
    let mut in_flight = tokio::task::JoinSet::new();
    let mut failures = 0u32;
    // Claim no more than about two seconds of sending, so that a claimed
    // message never waits in the pacer for longer than its lease. Claims
    // come most urgent first; what is claimed holds a slot of the pacer only
    // once it is near (see `Pacer`), so the answer to someone talking to the
    // bot, claimed later, still goes before the bulk claimed earlier.
    let max_in_flight = if tuning.global_rate == 0 { 64 } else { (tuning.global_rate as usize * 2).clamp(1, 64) };
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while in_flight.try_join_next().is_some() {}
        let capacity = max_in_flight.saturating_sub(in_flight.len());
        match claim(&app, capacity).await {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                for job in jobs {
                    let (app, bot, pacer, settlements) = (app.clone(), bot.clone(), pacer.clone(), settlements.clone());
                    in_flight.spawn(async move {
                        let settlement = deliver(&app, &bot, &pacer, job).await;
                        // The settler outlives every delivery; if it is gone,
                        // the process is stopping and the lease will expire.
                        let _ = settlements.send(settlement);
                    });
                }
                continue;
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
    let _ = tokio::time::timeout(Duration::from_secs(5), settler).await;
}

/// Records the outcomes of sends, as many as have finished since the last
/// transaction in one: a message's outcome is written as soon as the
/// connection is free, and under load one commit serves many messages.
async fn settler(app: Arc<App>, mut receiver: tokio::sync::mpsc::UnboundedReceiver<Settlement>) {
    let mut batch = Vec::with_capacity(SETTLE_BATCH);
    while receiver.recv_many(&mut batch, SETTLE_BATCH).await > 0 {
        let more = match record(&app, &batch).await {
            Ok(more) => more,
            Err(error) if batch.len() > 1 => {
                // One outcome that cannot be recorded must not hold up the
                // others: each is tried on its own.
                tracing::warn!(%error, "could not record a batch of sends; recording them one by one");
                let mut more = false;
                for settlement in &batch {
                    match record(&app, std::slice::from_ref(settlement)).await {
                        Ok(then) => more |= then,
                        Err(error) => {
                            tracing::warn!(job = settlement.job.id, %error, "could not record the outcome of a send; it will be retried")
                        }
                    }
                }
                more
            }
            Err(error) => {
                tracing::warn!(job = batch[0].job.id, %error, "could not record the outcome of a send; it will be retried");
                false
            }
        };
        batch.clear();
        if more {
            app.wake.outbox.notify_one();
        }
    }
}

/// Sends one claimed message and says how it ended.
async fn deliver(app: &App, bot: &Bot, pacer: &Pacer, job: ClaimedJob) -> Settlement {
    let erase = super::outgoing::erased_when_sent(&job.payload);
    if RetryPolicy::OUTBOX.abandoned(job.attempts) {
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
        tokio::time::sleep_until(pacer.take_slot(chat, job.priority).await).await;
        pacer.admit(chat).await;
    }
    let verdict = match send(bot, &outgoing).await {
        Ok(id) => Verdict::Sent(id),
        Err(error) => classify(&error),
    };
    let outcome = match verdict {
        Verdict::Sent(id) => Settle::Done(id.map(|id| id.to_string())),
        Verdict::Retry { after, reason } => match RetryPolicy::OUTBOX.after_failure(job.attempts) {
            Some(backoff) => {
                let wait = after.unwrap_or(backoff);
                tracing::info!(job = job.id, attempt = job.attempts, ?wait, reason, "sending failed, will retry");
                Settle::Retry { after: wait, reason }
            }
            None => Settle::Failed(format!("gave up after {} attempts: {reason}", job.attempts)),
        },
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

/// A finished delivery, waiting to be recorded.
struct Settlement {
    job: ClaimedJob,
    outcome: Settle,
    /// The notice and chat, when the message was a copy of a notice.
    notice: Option<(i64, i64)>,
    /// Whether its record goes once it is settled for good (see
    /// `Outbox::erase_when_sent`).
    erase: bool,
}

/// What to record about a claimed outbox job.
pub enum Settle {
    Done(Option<String>),
    Retry { after: Duration, reason: String },
    Unreachable { chat: Option<i64>, reason: String },
    Failed(String),
}

async fn card_message(app: &App, chat: i64, request: i64) -> Result<Option<i32>, crate::store::StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.card_message(&format!("chat:{chat}"), request).await?;
    tx.commit().await?;
    Ok(id)
}

async fn progress_message(app: &App, notice: i64) -> Result<Option<i32>, crate::store::StoreError> {
    let mut tx = app.store.begin().await?;
    let id = tx.progress_message(notice).await?;
    tx.commit().await?;
    Ok(id)
}

/// Records how sends ended, in one transaction. A recipient found
/// unreachable is marked so, and the requests waiting on them move on to the
/// next responder. The copy of a notice is counted once it is settled.
/// Returns whether there is more to send: a recorded message's chat has
/// another waiting behind it, or the outcomes caused new messages.
async fn record(app: &App, batch: &[Settlement]) -> anyhow::Result<bool> {
    let now = app.now();
    let now_ms = crate::store::millis(now);
    let mut tx = app.store.begin().await?;
    let mut out = Outbox::default();
    let mut more = false;
    let mut sent = Vec::new();
    let mut erased = Vec::new();
    for Settlement { job, outcome, notice, erase } in batch {
        if *erase && !matches!(outcome, Settle::Retry { .. }) {
            erased.push(job.id);
        }
        let delivered = match outcome {
            Settle::Done(_) => Some(true),
            Settle::Unreachable { .. } | Settle::Failed(_) => Some(false),
            Settle::Retry { .. } => None,
        };
        if let (Some((notice, chat)), Some(delivered)) = (*notice, delivered) {
            crate::telegram::office::progress::settled(app, &mut tx, &mut out, notice, chat, delivered, now_ms).await?;
        }
        match outcome {
            Settle::Done(result) => sent.push((job.id, job.lease_token.as_str(), result.as_deref())),
            Settle::Retry { after, reason } => {
                tx.retry_later(job.id, &job.lease_token, reason, now_ms + after.as_millis() as i64).await?;
            }
            Settle::Failed(reason) => {
                // Rare enough that whatever waited behind it is simply
                // looked for.
                more = true;
                tx.fail(job.id, &job.lease_token, reason, now_ms).await?;
            }
            Settle::Unreachable { chat, reason } => {
                if let Some(chat) = *chat {
                    let policy = app.policy(&mut tx).await?;
                    for (request, assignment) in people::unreachable(&mut tx, TelegramId(chat), &policy, now).await? {
                        crate::telegram::responder::cards::refresh(app, &mut tx, &mut out, &request).await?;
                        if let Some(next) = assignment {
                            notify::card(app, &mut tx, &mut out, next.person, &request, CardFor::Assignee, |_| None)
                                .await?;
                        }
                    }
                }
                more = true;
                tx.fail(job.id, &job.lease_token, reason, now_ms).await?;
            }
        }
    }
    more |= tx.finish_all(&sent, now_ms).await?.contains(&true);
    if !erased.is_empty() {
        tx.delete_jobs(&erased).await?;
    }
    more |= out.write(&mut tx, now_ms).await?;
    tx.commit().await?;
    if !erased.is_empty() {
        app.wake.erased.notify_one();
    }
    Ok(more)
}
