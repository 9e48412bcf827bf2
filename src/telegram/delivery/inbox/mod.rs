//! The inbox worker: claims recorded updates — one at a time per chat, many
//! chats at once — and runs them through the handler tree. A handler marks
//! its update done in the same transaction as its effects.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use teloxide::Bot;
use teloxide::dispatching::UpdateHandler;
use teloxide::types::{Me, Update, UpdateKind};
use tokio::task::JoinSet;

use super::commit::Batch;
use super::outgoing::Outbox;
use super::turn::InboxJob;
use crate::app::App;
use crate::store::{Backend, ClaimedJob, Queue};
use crate::work::{Backoff, RetryPolicy, Shutdown};

mod outcomes;

pub use outcomes::FLOOD_LIMIT;
use outcomes::{FLOOD_WINDOW_MS, Flood, finish_flooded, finish_unhandled, flood, give_up};

/// How long a worker may take over one update before another may retry it.
const LEASE_MS: i64 = 60_000;
/// How updates are handled on a backend: how many batches at once, and at
/// most how many updates share one transaction.
///
/// SQLite has one connection, so batches cannot run side by side: one runs
/// at a time, and the updates that arrive meanwhile wait for it to commit
/// and go together as the next, up to thirty-two paying for one commit, one
/// claim and one write of the outbox (a second batch started beside the
/// first only waited for the connection with the few updates that had
/// arrived by then; BENCHMARKS.md). PostgreSQL runs
/// transactions side by side, and a commit waits for the disk, so there
/// four batches run at once and sixteen turns share each wait. A batch holds the row locks its turns take (a community's request
/// counter, say) until it commits; in the benchmark (BENCHMARKS.md)
/// that costs less than the commits it saves, on a machine with
/// slow and one with fast commits.
fn batching(backend: Backend) -> (usize, usize) {
    match backend {
        Backend::Sqlite => (1, 32),
        Backend::Postgres => (4, 16),
    }
}

/// What handling an update needs besides the update.
#[derive(Clone)]
struct Handling {
    app: Arc<App>,
    bot: Bot,
    me: Me,
    handler: Arc<UpdateHandler<anyhow::Error>>,
}

pub async fn run(app: Arc<App>, bot: Bot, me: Me, shutdown: Shutdown) {
    let handling = Handling { app: app.clone(), bot, me, handler: Arc::new(crate::telegram::handlers::schema()) };
    let (mut running, mut loners) = (JoinSet::new(), JoinSet::new());
    let mut failures = 0u32;
    let (at_once, batch_size) = batching(app.store.backend());
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while running.try_join_next().is_some() {}
        while loners.try_join_next().is_some() {}
        let free = at_once.saturating_sub(running.len());
        let claimed = if free == 0 {
            Ok(Vec::new())
        } else {
            let limit = (free * batch_size) as i64;
            app.claim(Queue::Inbox, LEASE_MS, limit, Some(app.now_ms() - FLOOD_WINDOW_MS)).await
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                start(&handling, jobs, batch_size, &mut running, &mut loners);
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
            // A finished batch frees a place; when every place was taken,
            // that is worth a claim. Otherwise whoever has work wakes this
            // loop: the poller, or an update whose person sent more.
            Some(_) = running.join_next(), if running.len() >= at_once => {}
            _ = tokio::time::sleep(pause) => {}
            _ = shutdown.triggered() => {}
        }
    }
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while running.join_next().await.is_some() {}
        while loners.join_next().await.is_some() {}
    })
    .await;
}

/// Starts the claimed updates: those that can share a transaction in
/// batches of up to `batch_size`, oldest first in each (`batches`), the
/// others each in a task of its own (`loners`), so that one that takes long
/// — a directory downloaded for `/import` — holds up no batch. The claim
/// takes one update per person, so no batch holds two of the same person.
fn start(
    handling: &Handling,
    jobs: Vec<ClaimedJob>,
    batch_size: usize,
    batches: &mut JoinSet<()>,
    loners: &mut JoinSet<()>,
) {
    let mut together = Vec::new();
    for job in jobs {
        match batchable(&job) {
            Some(update) => together.push((job, update)),
            None => {
                let Handling { app, bot, me, handler } = handling.clone();
                loners.spawn(async move { handle(app, bot, me, &handler, InboxJob::alone(job)).await });
            }
        }
    }
    let mut together = together.into_iter().peekable();
    while together.peek().is_some() {
        let batch: Vec<_> = together.by_ref().take(batch_size.max(1)).collect();
        let Handling { app, bot, me, handler } = handling.clone();
        batches.spawn(async move { handle_batch(app, bot, me, &handler, batch).await });
    }
}

/// Handles a batch of updates in one transaction. If any update of the
/// batch fails, or the commit does, the batch is rolled back and every
/// update of it handled alone, so that one update's failure costs the
/// others nothing but time. A batch of one is handled alone as it is.
async fn handle_batch(
    app: Arc<App>,
    bot: Bot,
    me: Me,
    handler: &UpdateHandler<anyhow::Error>,
    mut batch: Vec<(ClaimedJob, Update)>,
) {
    if batch.len() == 1 {
        let (job, update) = batch.remove(0);
        handle_update(app, bot, me, handler, InboxJob::alone(job), update).await;
        return;
    }
    if let Err(mut undone) = handle_together(&app, &bot, &me, handler, batch).await {
        undone.sort_by_key(|job| job.id);
        for job in undone {
            handle(app.clone(), bot.clone(), me.clone(), handler, InboxJob::alone(job)).await;
        }
    }
}

/// The update of a job that can share a transaction: a first attempt, from
/// someone within the flood limit, that is not a document.
fn batchable(job: &ClaimedJob) -> Option<Update> {
    let update: Update = serde_json::from_str(&job.payload).ok()?;
    let within = matches!(flood(job, update.from()), Flood::Within);
    let document = matches!(&update.kind, UpdateKind::Message(message) if message.document().is_some());
    (job.attempts == 1 && within && !document).then_some(update)
}

/// Runs the updates through the handler tree in one transaction and
/// commits it; on failure hands back every job, none of them done.
async fn handle_together(
    app: &Arc<App>,
    bot: &Bot,
    me: &Me,
    handler: &UpdateHandler<anyhow::Error>,
    updates: Vec<(ClaimedJob, Update)>,
) -> Result<(), Vec<ClaimedJob>> {
    let batch = match Batch::open(app).await {
        Ok(batch) => Arc::new(batch),
        Err(error) => {
            tracing::warn!(%error, "could not open a batch's transaction; its updates are handled one by one");
            return Err(updates.into_iter().map(|(job, _)| job).collect());
        }
    };
    let jobs = || updates.iter().map(|(job, _)| job.clone()).collect::<Vec<_>>();
    for (job, update) in &updates {
        let job = InboxJob::in_batch(job.clone(), batch.clone());
        let deps = teloxide::dptree::deps![update.clone(), bot.clone(), me.clone(), app.clone(), job.clone()];
        let failed = match handler.dispatch(deps).await {
            ControlFlow::Break(Ok(())) => false,
            ControlFlow::Continue(_) => {
                // Nothing handles it: it is done as it is, with the batch.
                batch.done(&job.0, Outbox::default());
                false
            }
            ControlFlow::Break(Err(error)) => {
                tracing::debug!(error = %error, "an update of a batch failed; its batch is handled one by one");
                true
            }
        };
        // Dropping the batch, and with it its transaction, rolls it back.
        if failed {
            return Err(jobs());
        }
    }
    let Ok(batch) = Arc::try_unwrap(batch) else {
        tracing::error!("a turn kept hold of its batch");
        return Err(jobs());
    };
    if let Err(error) = batch.commit(app).await {
        tracing::warn!(%error, "could not commit a batch; its updates are handled one by one");
        return Err(jobs());
    }
    Ok(())
}

/// Handles one update in a transaction of its own.
async fn handle(app: Arc<App>, bot: Bot, me: Me, handler: &UpdateHandler<anyhow::Error>, job: InboxJob) {
    match serde_json::from_str(&job.0.payload) {
        Ok(update) => handle_update(app, bot, me, handler, job, update).await,
        // A kind of update teloxide does not know (Telegram adds kinds) is
        // recorded as it came, which reads back as JSON but not as an
        // update: nothing here can handle it, and nobody is owed an answer.
        Err(_) if let Some(update_id) = update_id_of(&job.0.payload) => {
            tracing::warn!(update_id, "an update of a kind this bot does not know; marked done");
            finish_unhandled(&app, &job).await;
        }
        Err(error) => {
            tracing::error!(
                job = job.0.id,
                line = error.line(),
                column = error.column(),
                "unreadable update in the inbox"
            );
            give_up(&app, &job, None, "unreadable update").await;
        }
    }
}

/// The id of a stored update that reads as JSON, whatever its kind. teloxide
/// keeps an unknown kind whole, id included, so its payload names the id
/// twice, which only a JSON value takes as it is.
fn update_id_of(payload: &str) -> Option<i64> {
    serde_json::from_str::<serde_json::Value>(payload).ok()?.get("update_id")?.as_i64()
}

async fn handle_update(
    app: Arc<App>,
    bot: Bot,
    me: Me,
    handler: &UpdateHandler<anyhow::Error>,
    job: InboxJob,
    update: Update,
) {
    let user = update.from().cloned();
    let update_id = update.id.0;
    // An update whose handler panicked never returned an error; its lease
    // simply ran out. Past the attempt limit it is given up before it can
    // panic again and hold up everything its sender writes after it.
    if RetryPolicy::INBOX.abandoned(job.0.attempts) {
        tracing::error!(update_id, attempts = job.0.attempts, "giving up on an update that never finished");
        give_up(&app, &job, user.as_ref(), "never finished").await;
        return;
    }
    if let Flood::Over { tell } = flood(&job.0, user.as_ref()) {
        let pressed = match &update.kind {
            UpdateKind::CallbackQuery(query) => Some(query.id.0.clone()),
            _ => None,
        };
        finish_flooded(&app, &job, user.as_ref(), tell, pressed).await;
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
    let Some(wait) = RetryPolicy::INBOX.after_failure(job.0.attempts) else {
        tracing::error!(update_id, attempts = job.0.attempts, error = %error, "giving up on an update");
        give_up(&app, &job, user.as_ref(), "handler kept failing").await;
        return;
    };
    let retry_at = app.now_ms() + wait.as_millis() as i64;
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
    app.wake.inbox.notify_one();
}

#[cfg(test)]
mod tests;
