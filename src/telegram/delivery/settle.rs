//! Recording how sends ended, many in one transaction. Each delivery hands
//! its outcome to one settler task, which records everything that finished
//! since its last transaction together, so under load one commit serves
//! many messages; a message unrecorded in a crash is sent again.

use std::sync::Arc;
use std::time::Duration;

use tokio::sync::mpsc::UnboundedReceiver;

use super::outgoing::Outbox;
use crate::app::App;
use crate::domain::TelegramId;
use crate::store::ClaimedJob;
use crate::telegram::notify;
use crate::telegram::render::CardFor;

/// The most outcomes recorded in one transaction.
const MOST_AT_ONCE: usize = 256;

/// A finished delivery, waiting to be recorded.
pub struct Settlement {
    pub job: ClaimedJob,
    pub outcome: Settle,
    /// The notice and chat, when the message was a copy of a notice.
    pub notice: Option<(i64, i64)>,
    /// Whether its record goes once it is settled for good (see
    /// `Outbox::erase_when_sent`).
    pub erase: bool,
}

/// What to record about a claimed outbox job.
pub enum Settle {
    Done(Option<String>),
    Retry { after: Duration, reason: String },
    Unreachable { chat: Option<i64>, reason: String },
    Failed(String),
}

/// Records outcomes as they arrive until every delivery has stopped, and
/// wakes the sender when a recorded message's chat has another waiting.
pub async fn settler(app: Arc<App>, mut receiver: UnboundedReceiver<Settlement>) {
    let mut batch = Vec::with_capacity(MOST_AT_ONCE);
    while receiver.recv_many(&mut batch, MOST_AT_ONCE).await > 0 {
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

/// Records how sends ended, in one transaction, with what that changes
/// (`app::delivery`): an unreachable recipient's requests move on, a
/// notice's copies are counted. Returns whether there is more to send: a
/// recorded message's chat has another waiting behind it, or the outcomes
/// caused new messages.
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
                    let moved =
                        crate::app::delivery::recipient_unreachable(&mut tx, TelegramId(chat), &policy, now).await?;
                    for (request, assignment) in moved {
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
    // What the outcomes caused (a card passed on, a notice's progress) must
    // survive; the records of sends alone need not wait for the disk.
    if out.is_empty() {
        tx.commit_lazily().await?;
    } else {
        more |= out.write(&mut tx, now_ms).await?;
        tx.commit().await?;
    }
    if !erased.is_empty() {
        app.wake.erased.notify_one();
    }
    Ok(more)
}
