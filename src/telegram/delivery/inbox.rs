//! The inbox worker: claims recorded updates — one at a time per chat, many
//! chats at once — and runs them through the handler tree. A handler marks
//! its update done in the same transaction as its effects.

use std::ops::ControlFlow;
use std::sync::Arc;
use std::time::Duration;

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use teloxide::Bot;
use teloxide::dispatching::UpdateHandler;
use teloxide::types::{Me, Update, UpdateKind};
use tokio::task::JoinSet;

use super::outgoing::{Outbox, Outgoing};
use super::turn::{Batch, InboxJob};
use crate::app::App;
use crate::i18n::Locale;
use crate::store::{Backend, ClaimedJob, Queue, StoreError, Tx};
use crate::telegram::handlers::served_sender;
use crate::work::{Backoff, Shutdown};

/// How long a worker may take over one update before another may retry it.
const LEASE_MS: i64 = 60_000;
/// After this many failed attempts an update is given up, with an apology.
const MAX_ATTEMPTS: i64 = 5;
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
    app.handoff.inbox.open(at_once * batch_size);
    loop {
        if shutdown.is_triggered() {
            break;
        }
        while running.try_join_next().is_some() {}
        while loners.try_join_next().is_some() {}
        let free = at_once.saturating_sub(running.len());
        let handed = app.handoff.inbox.take(free * batch_size);
        let was_handed = !handed.is_empty();
        let claimed = if free == 0 || was_handed {
            Ok(handed)
        } else {
            let limit = (free * batch_size) as i64;
            app.claim(Queue::Inbox, LEASE_MS, limit, Some(app.now_ms() - FLOOD_WINDOW_MS)).await
        };
        match claimed {
            Ok(jobs) if !jobs.is_empty() => {
                failures = 0;
                start(&handling, jobs, batch_size, &mut running, &mut loners);
                if !was_handed || app.handoff.inbox.look_again() {
                    continue;
                }
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
    app.handoff.inbox.close();
    let _ = tokio::time::timeout(Duration::from_secs(10), async {
        while running.join_next().await.is_some() {}
        while loners.join_next().await.is_some() {}
    })
    .await;
}

/// Claims, in a transaction the caller has open, as many updates as the
/// worker has room for, to hand over once that transaction commits: the
/// poller does so as it records them, which spares the worker a
/// transaction of its own for the claim.
pub(super) async fn claim_for_worker(app: &App, tx: &mut Tx, now: i64) -> Result<Vec<ClaimedJob>, StoreError> {
    let room = app.handoff.inbox.room();
    if room == 0 {
        return Ok(Vec::new());
    }
    tx.claim_counting(Queue::Inbox, &app.config.instance, now, LEASE_MS, room as i64, Some(now - FLOOD_WINDOW_MS)).await
}

/// Starts the claimed updates: those that can share a transaction in
/// batches of up to `batch_size`, oldest first in each (`batches`), the
/// others each in a task of its own (`loners`), so that one that takes long
/// — a directory downloaded for `/import` — holds up no batch. Both run on
/// the worker's runtime, which on SQLite is the connection's (see
/// `telegram::run`). The claim takes one update per person, so no batch
/// holds two of the same person.
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
    let batch = match Batch::open(app, updates.iter().filter_map(|(_, update)| served_sender(update))).await {
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
                batch.done(&job.0, Outbox::default(), None);
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
    if job.0.attempts > MAX_ATTEMPTS {
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
fn flood(job: &ClaimedJob, user: Option<&teloxide::types::User>) -> Flood {
    if job.lane.is_none() || user.is_none() {
        return Flood::Within;
    }
    let recent = job.recent;
    if recent <= FLOOD_LIMIT { Flood::Within } else { Flood::Over { tell: recent == FLOOD_LIMIT + 1 } }
}

/// Drops an update over the flood limit. A pressed button is still
/// answered, with a pop-up that costs no message, or it would spin until
/// Telegram gives up on it.
async fn finish_flooded(
    app: &App,
    job: &InboxJob,
    user: Option<&teloxide::types::User>,
    tell: bool,
    pressed: Option<String>,
) {
    let result = async {
        let now = app.now_ms();
        let mut tx = app.store.begin().await?;
        if let Some(user) = user {
            let l = app.i18n.get(sender_locale(&mut tx, user).await?);
            let mut out = Outbox::default();
            if tell {
                out.text(user.id.0 as i64, fl!(l, "slow-down"), None);
            }
            if let Some(callback_id) = pressed {
                out.push(Outgoing::AnswerCallback { callback_id, text: Some(fl!(l, "slow-down-button")) });
            }
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
            tell_sender(app, &mut tx, user, |l| fl!(l, "internal-error"), now).await?;
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

/// Queues a message to the sender of an update handled outside a turn, in
/// the language they chose (or the default one).
async fn tell_sender(
    app: &App,
    tx: &mut Tx,
    user: &teloxide::types::User,
    text: impl FnOnce(&FluentLanguageLoader) -> String,
    now: i64,
) -> Result<(), StoreError> {
    let locale = sender_locale(tx, user).await?;
    let mut out = Outbox::default();
    out.text(user.id.0 as i64, text(app.i18n.get(locale)), None);
    out.write(tx, now).await?;
    Ok(())
}

/// The language the sender of an update chose, or the default one.
async fn sender_locale(tx: &mut Tx, user: &teloxide::types::User) -> Result<Locale, StoreError> {
    let person = tx.person_by_telegram(crate::domain::TelegramId(user.id.0 as i64)).await?;
    Ok(person.and_then(|p| p.locale).as_deref().and_then(Locale::from_code).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use serde_json::json;
    use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
    use teloxide::dptree;
    use teloxide::prelude::*;
    use teloxide::types::Me;

    use super::*;
    use crate::app::App;
    use crate::config::Config;
    use crate::domain::TelegramId;
    use crate::domain::clock::FakeClock;
    use crate::i18n::I18n;
    use crate::store::{JobStatus, NewJob, Store};
    use crate::telegram::delivery::turn::Turn;
    use crate::telegram::dialogue::Dialogue;

    fn handling(app: &Arc<App>, tree: UpdateHandler<anyhow::Error>) -> Handling {
        Handling { app: app.clone(), bot: Bot::new("0:test"), me: me(), handler: Arc::new(tree) }
    }

    /// Starts the claimed updates as the worker does and waits for them.
    async fn handle_claimed(app: &Arc<App>, tree: UpdateHandler<anyhow::Error>, jobs: Vec<ClaimedJob>) {
        let (mut batches, mut loners) = (JoinSet::new(), JoinSet::new());
        start(&handling(app, tree), jobs, 32, &mut batches, &mut loners);
        batches.join_all().await;
        loners.join_all().await;
    }

    #[tokio::test]
    async fn claimed_updates_go_in_batches_of_at_most_the_batch_size_and_retried_ones_alone() {
        let app = app().await;
        let mut jobs = claimed(&app, &["a", "b", "c", "d", "e", "f"]).await;
        jobs[5].attempts = 2;
        let (mut batches, mut loners) = (JoinSet::new(), JoinSet::new());
        start(&handling(&app, tree()), jobs, 2, &mut batches, &mut loners);
        assert_eq!((batches.len(), loners.len()), (3, 1), "a b, c d, e in batches; f alone");
        batches.join_all().await;
        loners.join_all().await;
    }

    async fn app() -> Arc<App> {
        let store = Store::connect("sqlite::memory:").await.unwrap();
        let config = Config {
            database_url: "sqlite::memory:".into(),
            admin_ids: Vec::new(),
            timezone: chrono_tz::Asia::Shanghai,
            instance: "test".into(),
            retention_days: 30,
            care_retention_days: 365,
            send_rate: 30,
            public_url: None,
        };
        let clock = Arc::new(FakeClock::at(chrono::Utc::now()));
        Arc::new(App::new(store, I18n::load().unwrap(), clock, config))
    }

    fn me() -> Me {
        serde_json::from_value(json!({
            "id": 1, "is_bot": true, "first_name": "Desk", "username": "desk_bot",
            "can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false,
            "can_connect_to_business": false, "has_main_web_app": false,
        }))
        .unwrap()
    }

    /// A handler tree that answers every text with a message of its own and
    /// fails, after answering, on the text "fail".
    fn tree() -> UpdateHandler<anyhow::Error> {
        dptree::entry().branch(Update::filter_message().endpoint(
            |app: Arc<App>, job: InboxJob, msg: Message| async move {
                let user = msg.from.clone().expect("a sender");
                let mut turn = Turn::begin(&app, &job, &user).await?;
                let text = msg.text().unwrap_or_default().to_string();
                turn.say(format!("got {text}"));
                anyhow::ensure!(text != "fail", "this update fails");
                turn.finish().await
            },
        ))
    }

    /// Offers one text per person and claims them all, as the worker would.
    async fn claimed(app: &App, texts: &[&str]) -> Vec<ClaimedJob> {
        let offered: Vec<(i64, &str)> = texts.iter().enumerate().map(|(i, text)| (100 + i as i64, *text)).collect();
        claimed_from(app, &offered).await
    }

    /// Offers each (person, text) in a lane of its own and claims them all.
    async fn claimed_from(app: &App, offered: &[(i64, &str)]) -> Vec<ClaimedJob> {
        let now = app.now_ms();
        let mut tx = app.store.begin().await.unwrap();
        for (i, (person, text)) in offered.iter().enumerate() {
            let update = json!({"update_id": i, "message": {
                "message_id": 1, "date": 0, "text": text,
                "chat": {"id": person, "type": "private", "first_name": "Resident"},
                "from": {"id": person, "is_bot": false, "first_name": "Resident"},
            }});
            let (payload, lane) = (update.to_string(), format!("lane:{i}"));
            let new = NewJob {
                queue: Queue::Inbox,
                lane: Some(&lane),
                dedupe_key: None,
                payload: &payload,
                due_at: now,
                request_id: None,
            };
            tx.enqueue(new, now).await.unwrap();
        }
        tx.commit().await.unwrap();
        let jobs = app.claim(Queue::Inbox, LEASE_MS, 16, Some(now - FLOOD_WINDOW_MS)).await.unwrap();
        assert_eq!(jobs.len(), offered.len());
        jobs
    }

    /// The texts waiting in the outbox, and the status of each update.
    async fn outcome(app: &App, jobs: &[ClaimedJob]) -> (Vec<String>, Vec<JobStatus>) {
        let sent = app.claim(Queue::Outbox, LEASE_MS, 100, None).await.unwrap();
        let mut texts: Vec<String> = sent
            .iter()
            .map(|job| serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["text"].to_string())
            .collect();
        texts.sort();
        let mut tx = app.store.begin().await.unwrap();
        let mut statuses = Vec::new();
        for job in jobs {
            statuses.push(tx.job_status(job.id).await.unwrap().unwrap().0);
        }
        (texts, statuses)
    }

    #[tokio::test]
    async fn a_batch_commits_every_update_of_it_once() {
        let app = app().await;
        let jobs = claimed(&app, &["a", "b", "c"]).await;
        handle_claimed(&app, tree(), jobs.clone()).await;
        let (texts, statuses) = outcome(&app, &jobs).await;
        assert_eq!(texts, [r#""got a""#, r#""got b""#, r#""got c""#]);
        assert_eq!(statuses, [JobStatus::Done, JobStatus::Done, JobStatus::Done]);
    }

    #[tokio::test]
    async fn updates_recorded_while_the_worker_runs_are_handed_to_it_already_claimed() {
        let app = app().await;
        let update = |id: i64| -> Update {
            let update = json!({"update_id": id, "message": {
                "message_id": 1, "date": 0, "text": "hi",
                "chat": {"id": id, "type": "private", "first_name": "Resident"},
                "from": {"id": id, "is_bot": false, "first_name": "Resident"},
            }});
            serde_json::from_str(&update.to_string()).unwrap()
        };
        app.handoff.inbox.open(2);
        crate::telegram::delivery::poller::record(&app, &[update(1), update(2), update(3)]).await.unwrap();
        let handed = app.handoff.inbox.take(10);
        assert_eq!(handed.len(), 2, "no more than the worker has room for");
        assert!(
            handed.iter().all(|job| job.attempts == 1 && job.recent == 1),
            "claimed once, counted for the flood limit"
        );
        let left = app.claim(Queue::Inbox, LEASE_MS, 10, None).await.unwrap();
        assert_eq!(left.len(), 1, "the handed ones are claimed; the rest wait in the inbox");

        app.handoff.inbox.close();
        crate::telegram::delivery::poller::record(&app, &[update(4)]).await.unwrap();
        assert!(app.handoff.inbox.take(10).is_empty(), "a stopped worker is handed nothing");
        assert_eq!(app.claim(Queue::Inbox, LEASE_MS, 10, None).await.unwrap().len(), 1);
    }

    #[tokio::test]
    async fn a_batch_hands_the_messages_it_wrote_to_the_sender_already_claimed() {
        let app = app().await;
        let jobs = claimed(&app, &["a", "b", "c"]).await;
        app.handoff.outbox.open(64);
        handle_claimed(&app, tree(), jobs.clone()).await;
        let handed = app.handoff.outbox.take(64);
        assert_eq!(handed.len(), 3, "one answer each, in chats of their own");
        assert!(app.claim(Queue::Outbox, LEASE_MS, 100, None).await.unwrap().is_empty(), "all of them are claimed");
    }

    #[tokio::test]
    async fn a_turn_sees_the_dialogue_an_earlier_turn_of_its_batch_left() {
        // Each text names the step the sender's dialogue moves to; the answer
        // says where it stood before.
        let tree = dptree::entry().branch(Update::filter_message().endpoint(
            |app: Arc<App>, job: InboxJob, msg: Message| async move {
                let user = msg.from.clone().expect("a sender");
                let mut turn = Turn::begin(&app, &job, &user).await?;
                let before = turn.dialogue();
                turn.say(format!("{} after {before:?}", msg.text().unwrap_or_default()));
                match msg.text() {
                    Some("end") => turn.end_dialogue(),
                    Some("building") => turn.set_dialogue(&Dialogue::RegBuilding)?,
                    _ => turn.set_dialogue(&Dialogue::StaffPhone)?,
                }
                turn.finish().await
            },
        ));
        let app = app().await;
        let jobs =
            claimed_from(&app, &[(7, "building"), (8, "phone"), (7, "phone"), (8, "end"), (7, "end"), (7, "building")])
                .await;
        handle_claimed(&app, tree, jobs.clone()).await;
        // Each chat's answers go out one at a time, so they are taken in
        // rounds, each marked sent before the next.
        let mut texts = Vec::new();
        loop {
            let sent = app.claim(Queue::Outbox, LEASE_MS, 100, None).await.unwrap();
            if sent.is_empty() {
                break;
            }
            let mut tx = app.store.begin().await.unwrap();
            for job in sent {
                texts.push(serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["text"].to_string());
                tx.finish_in_lane(job.id, &job.lease_token, None, app.now_ms()).await.unwrap();
            }
            tx.commit().await.unwrap();
        }
        texts.sort();
        assert_eq!(
            texts,
            [
                r#""building after None""#,
                r#""building after None""#,
                r#""end after Some(StaffPhone)""#,
                r#""end after Some(StaffPhone)""#,
                r#""phone after None""#,
                r#""phone after Some(RegBuilding)""#,
            ]
        );
        let mut tx = app.store.begin().await.unwrap();
        for job in &jobs {
            assert_eq!(tx.job_status(job.id).await.unwrap().unwrap().0, JobStatus::Done);
        }
        let seven = tx.touch_sender(TelegramId(7), None, None, 0).await.unwrap();
        let eight = tx.touch_sender(TelegramId(8), None, None, 0).await.unwrap();
        assert_eq!(seven.dialogue.as_deref(), Some(r#"{"step":"reg_building"}"#), "the last state of 7 is written");
        assert_eq!(eight.dialogue, None, "8 ended theirs");
    }

    #[tokio::test]
    async fn a_turn_starts_from_its_sender_as_an_earlier_turn_of_its_batch_left_them() {
        // "en N" switches person N to English; every answer says which
        // language its sender was in as their turn began.
        let tree = dptree::entry().branch(Update::filter_message().endpoint(
            |app: Arc<App>, job: InboxJob, msg: Message| async move {
                let user = msg.from.clone().expect("a sender");
                let mut turn = Turn::begin(&app, &job, &user).await?;
                let text = msg.text().unwrap_or_default().to_string();
                let language = turn.person.locale.clone();
                if let Some(other) = text.strip_prefix("en ") {
                    let other = turn.tx.person_by_telegram(TelegramId(other.parse()?)).await?.expect("touched");
                    turn.tx.set_locale(other.id, "en").await?;
                }
                turn.say(format!("{text} in {language:?}"));
                turn.finish().await
            },
        ));
        let app = app().await;
        let jobs = claimed_from(&app, &[(7, "en 8"), (8, "hi"), (9, "hi")]).await;
        handle_claimed(&app, tree, jobs.clone()).await;
        let (texts, _) = outcome(&app, &jobs).await;
        assert_eq!(texts, [r#""en 8 in None""#, r#""hi in None""#, r#""hi in Some(\"en\")""#]);
    }

    #[tokio::test]
    async fn a_failing_update_costs_the_others_of_its_batch_nothing() {
        let app = app().await;
        let jobs = claimed(&app, &["a", "b", "fail", "d"]).await;
        handle_claimed(&app, tree(), jobs.clone()).await;
        let (texts, statuses) = outcome(&app, &jobs).await;
        // The answers of the updates before the failing one were rolled back
        // with the batch and written again when handled alone: once each.
        assert_eq!(texts, [r#""got a""#, r#""got b""#, r#""got d""#]);
        assert_eq!(statuses, [JobStatus::Done, JobStatus::Done, JobStatus::Pending, JobStatus::Done]);
    }

    #[tokio::test]
    async fn an_update_taken_over_by_another_worker_is_not_answered_by_its_batch() {
        let app = app().await;
        let jobs = claimed(&app, &["a", "b", "c"]).await;
        // Another worker claims "b" once its lease is given back.
        let mut tx = app.store.begin().await.unwrap();
        let now = app.now_ms();
        assert!(tx.retry_later(jobs[1].id, &jobs[1].lease_token, "test", now).await.unwrap());
        let other = tx.claim(Queue::Inbox, "other", now, LEASE_MS, 1).await.unwrap();
        assert_eq!(other.iter().map(|job| job.id).collect::<Vec<_>>(), [jobs[1].id]);
        tx.commit().await.unwrap();

        handle_claimed(&app, tree(), jobs.clone()).await;
        let (texts, statuses) = outcome(&app, &jobs).await;
        assert_eq!(texts, [r#""got a""#, r#""got c""#], "only the other worker answers b");
        assert_eq!(statuses, [JobStatus::Done, JobStatus::Pending, JobStatus::Done]);
    }
}
