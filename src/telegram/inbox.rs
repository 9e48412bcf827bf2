//! The inbox worker: claims recorded updates — one at a time per chat, many
//! chats at once — and runs them through the handler tree. A handler marks
//! its update done in the same transaction as its effects.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use i18n_embed_fl::fl;
use teloxide::Bot;
use teloxide::dispatching::UpdateHandler;
use teloxide::types::{Me, Update};

use super::turn::InboxJob;
use crate::app::App;
use crate::i18n::Locale;
use crate::store::{NewJob, Queue};
use crate::work::{Backoff, Shutdown};

/// How long a worker may take over one update before another may retry it.
const LEASE_MS: i64 = 60_000;
/// After this many failed attempts an update is given up, with an apology.
const MAX_ATTEMPTS: i64 = 5;
const CONCURRENCY: usize = 16;

pub async fn run(app: Arc<App>, bot: Bot, me: Me, shutdown: Shutdown) {
    let handler = Arc::new(super::handlers::schema());
    let mut running = tokio::task::JoinSet::new();
    let mut failures = 0u32;
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while running.try_join_next().is_some() {}
        let capacity = CONCURRENCY.saturating_sub(running.len()) as i64;
        let claimed = if capacity == 0 {
            Ok(Vec::new())
        } else {
            app.claim(Queue::Inbox, LEASE_MS, capacity, Some(app.now_ms() - FLOOD_WINDOW_MS)).await
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                for job in jobs {
                    let (app, bot, me, handler) = (app.clone(), bot.clone(), me.clone(), handler.clone());
                    running.spawn(async move { handle(app, bot, me, &handler, InboxJob(job)).await });
                }
                continue;
            }
            Ok(_) => failures = 0,
            Err(error) => {
                failures += 1;
                tracing::warn!(%error, "could not claim updates");
            }
        }
        let pause = Backoff::after_failures(failures).min(Duration::from_millis(500));
        tokio::select! {
            _ = app.wake.inbox.notified() => {}
            // A finished update frees a place; when every place was taken,
            // that is worth a claim. Otherwise whoever has work wakes this
            // loop: the poller, or an update whose person sent more.
            Some(_) = running.join_next(), if running.len() >= CONCURRENCY => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), async { while running.join_next().await.is_some() {} }).await;
}

async fn handle(app: Arc<App>, bot: Bot, me: Me, handler: &UpdateHandler<anyhow::Error>, job: InboxJob) {
    let update: Update = match serde_json::from_str(&job.0.payload) {
        Ok(update) => update,
        Err(error) => {
            tracing::error!(
                job = job.0.id,
                line = error.line(),
                column = error.column(),
                "unreadable update in the inbox"
            );
            give_up(&app, &job, None, "unreadable update").await;
            return;
        }
    };
    let user = update.from().cloned();
    let update_id = update.id.0;
    // An update whose handler panicked never returned an error; its lease
    // simply ran out. Past the attempt limit it is given up before it can
    // panic again and hold up everything its sender writes after it.
    if job.0.attempts > MAX_ATTEMPTS {
        tracing::error!(update_id, attempts = job.0.attempts, "giving up on an update that never finished");
        give_up(&app, &job, user.as_ref(), "never finished").await;
        return;
    }
    if let Flood::Over { tell } = flood(&job, user.as_ref()) {
        finish_flooded(&app, &job, user.as_ref().filter(|_| tell)).await;
        return;
    }
    let deps = teloxide::dptree::deps![update, bot, me, app.clone(), job.clone()];
    let outcome = handler.dispatch(deps).await;
    let error = match outcome {
        // The turn woke the worker if this person has more waiting.
        ControlFlow::Break(Ok(())) => return,
        ControlFlow::Continue(_) => {
            // Nothing handles this kind of update (a group message, an edit):
            // it is done as it is.
            finish_unhandled(&app, &job).await;
            return;
        }
        ControlFlow::Break(Err(error)) => error,
    };
    if job.0.attempts >= MAX_ATTEMPTS {
        tracing::error!(update_id, attempts = job.0.attempts, error = %error, "giving up on an update");
        give_up(&app, &job, user.as_ref(), "handler kept failing").await;
    } else {
        let retry_at = app.now_ms() + Backoff::after_failures(job.0.attempts as u32).as_millis() as i64;
        tracing::warn!(update_id, attempt = job.0.attempts, error = %error, "handling an update failed; will retry");
        let result = async {
            let mut tx = app.store.begin().await?;
            tx.retry_later(job.0.id, &job.0.lease_token, "handler failed", retry_at).await?;
            tx.commit().await
        }
        .await;
        if let Err(error) = result {
            tracing::warn!(%error, "could not schedule the retry; the lease will expire instead");
        }
    }
    app.wake.inbox.notify_one();
}

/// At most this many updates a minute are handled per person.
pub const FLOOD_LIMIT: i64 = 20;
const FLOOD_WINDOW_MS: i64 = 60_000;

enum Flood {
    Within,
    /// Over the limit; `tell` for the first update over it, which gets one
    /// polite answer (the rest get none, or the answers would be the flood).
    Over {
        tell: bool,
    },
}

/// Where an update stands against the flood limit, by the count its claim
/// made: the updates of the same person in the minute before, this one
/// included.
fn flood(job: &InboxJob, user: Option<&teloxide::types::User>) -> Flood {
    if job.0.lane.is_none() || user.is_none() {
        return Flood::Within;
    }
    let recent = job.0.recent;
    if recent <= FLOOD_LIMIT { Flood::Within } else { Flood::Over { tell: recent == FLOOD_LIMIT + 1 } }
}

async fn finish_flooded(app: &App, job: &InboxJob, tell: Option<&teloxide::types::User>) {
    let result = async {
        let now = app.now_ms();
        let mut tx = app.store.begin().await?;
        if let Some(user) = tell {
            let person = tx.person_by_telegram(crate::domain::TelegramId(user.id.0 as i64)).await?;
            let locale = person.and_then(|p| p.locale).as_deref().and_then(Locale::from_code).unwrap_or_default();
            let text = fl!(app.i18n.get(locale), "slow-down");
            let mut out = super::outgoing::Outbox::default();
            out.text(user.id.0 as i64, text, None);
            out.write(&mut tx, now).await?;
        }
        tx.finish(job.0.id, &job.0.lease_token, Some("over the flood limit"), now).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not drop a flooding update");
    }
    app.wake.outbox.notify_one();
    app.wake.inbox.notify_one();
}

async fn finish_unhandled(app: &App, job: &InboxJob) {
    let result = async {
        let mut tx = app.store.begin().await?;
        tx.finish(job.0.id, &job.0.lease_token, None, app.now_ms()).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not mark an unhandled update done");
    }
    app.wake.inbox.notify_one();
}

/// Marks an update failed and tells its sender, in their language, that
/// something went wrong — never what.
async fn give_up(app: &App, job: &InboxJob, user: Option<&teloxide::types::User>, reason: &str) {
    let result = async {
        let now = app.now_ms();
        let mut tx = app.store.begin().await?;
        if let Some(user) = user {
            let person = tx.person_by_telegram(crate::domain::TelegramId(user.id.0 as i64)).await?;
            let locale = person.and_then(|p| p.locale).as_deref().and_then(Locale::from_code).unwrap_or_default();
            let text = fl!(app.i18n.get(locale), "internal-error");
            let outgoing = super::outgoing::Outgoing::Text { chat: user.id.0 as i64, text, keyboard: None };
            let payload =
                serde_json::to_string(&outgoing).map_err(|e| crate::store::StoreError::Corrupt(e.to_string()))?;
            let lane = format!("chat:{}", user.id.0);
            let new = NewJob {
                queue: Queue::Outbox,
                lane: Some(&lane),
                dedupe_key: None,
                payload: &payload,
                due_at: now,
                request_id: None,
            };
            tx.enqueue(new, now).await?;
        }
        tx.fail(job.0.id, &job.0.lease_token, reason, now).await?;
        tx.commit().await
    }
    .await;
    if let Err(error) = result {
        tracing::warn!(%error, "could not record a failed update");
    }
    app.wake.outbox.notify_one();
}
