//! The delivery machinery: the poller (or webhook) records updates in the
//! inbox, the inbox hands each to the handler tree in a turn, the turn's
//! messages go to the outbox, and the sender delivers them; timers fire the
//! escalation clock. This module starts those loops and stops them.

mod commit;
pub mod files;
pub mod inbox;
pub mod outgoing;
pub mod poller;
pub mod sender;
pub mod timers;
pub mod turn;
pub mod webhook;

use std::sync::Arc;
use std::time::Duration;

use anyhow::Context;
use teloxide::prelude::*;
use teloxide::types::{AllowedUpdate, BotCommand, BotCommandScope, Me};

use crate::app::App;
use crate::config::BotConfig;
use crate::i18n::Locale;
use crate::telegram::menus;
use crate::work::{Backoff, Shutdown, ShutdownTrigger};

/// Runs the bot until SIGTERM or Ctrl-C.
pub async fn run(app: Arc<App>, bot_config: BotConfig) -> anyhow::Result<()> {
    let (trigger, shutdown) = Shutdown::new();
    tokio::spawn(watch_signals(trigger));
    run_until(app, bot_config, shutdown).await
}

/// Runs the bot until `shutdown` is triggered, then closes the store.
pub async fn run_until(app: Arc<App>, bot_config: BotConfig, shutdown: Shutdown) -> anyhow::Result<()> {
    let mut bot = Bot::new(bot_config.token.clone());
    if let Some(url) = bot_config.api_url.clone() {
        bot = bot.set_api_url(url);
    }
    let Some(me) = connect(&bot, &shutdown).await else {
        return Ok(());
    };
    tracing::info!(username = me.username(), "connected to Telegram");
    let _ = app.bot_username.set(me.username().to_string());
    let _ = app.files.set(files::fetcher(bot.clone()));
    publish_commands(&app, &bot).await;

    let tuning = bot_config.tuning;
    let receiver = match bot_config.webhook {
        Some(webhook) => {
            let mut request = bot.set_webhook(webhook.url.clone()).secret_token(webhook.secret.clone());
            request = request.allowed_updates(vec![AllowedUpdate::Message, AllowedUpdate::CallbackQuery]);
            request.await.context("Telegram refused the webhook")?;
            let (app, web, shutdown) = (app.clone(), bot_config.web.clone(), shutdown.clone());
            tokio::spawn(async move {
                if let Err(error) = webhook::serve(app, webhook, web, shutdown).await {
                    tracing::error!(%error, "the webhook server stopped");
                }
            })
        }
        None => {
            // A webhook left over from another deployment would make
            // getUpdates fail.
            if let Err(error) = bot.delete_webhook().await {
                tracing::warn!(%error, "could not remove a webhook");
            }
            if bot_config.web.wanted(&app.config) {
                tokio::spawn(crate::web::serve_beside_polling(app.clone(), bot_config.web.clone(), shutdown.clone()));
            }
            tokio::spawn(poller::run(app.clone(), bot.clone(), tuning.poll_timeout, shutdown.clone()))
        }
    };
    let tasks = [
        receiver,
        tokio::spawn(inbox::run(app.clone(), bot.clone(), me, shutdown.clone())),
        tokio::spawn(sender::run(app.clone(), bot.clone(), tuning, shutdown.clone())),
        tokio::spawn(timers::run(app.clone(), shutdown.clone())),
        tokio::spawn(daily_cleanup(app.clone(), shutdown.clone())),
        tokio::spawn(checkpoints(app.clone(), shutdown.clone())),
    ];
    for task in tasks {
        task.await.context("a background task panicked")?;
    }
    app.store.close().await;
    tracing::info!("stopped");
    Ok(())
}

/// What a start-up settles before the loops run: the admins `ADMIN_IDS`
/// lists (and the roles it no longer gives, with their holders' menus), and
/// the work the previous run of this instance left leased.
pub async fn start_up(app: &App) -> anyhow::Result<()> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await?;
    tx.ensure_admins(&app.config.admin_ids, now).await?;
    let revoked = tx.revoke_unlisted_admins(&app.config.admin_ids, now).await?;
    if !revoked.is_empty() {
        tracing::info!(people = revoked.len(), "took back admin roles from people ADMIN_IDS no longer lists");
        menus::refresh_each(app, &mut tx, &revoked, now).await?;
    }
    let released = tx.release_leases_of(&app.config.instance, now).await?;
    tx.commit().await?;
    if released > 0 {
        tracing::info!(released, "took back work left unfinished by the previous run");
    }
    Ok(())
}

/// Checkpoints a SQLite database's write-ahead log four times a second from
/// a connection of its own (nothing to do on PostgreSQL), and empties it
/// after an erasure or the daily clean-up. A checkpoint holds
/// up commits for as long as it takes to copy and sync what the log
/// gathered, so small frequent ones keep the slowest replies fast: the
/// benchmark's p99 at 100 updates/s was 14–20 ms checkpointing every 250 ms,
/// 22–55 ms every second and over 100 ms every five seconds.
async fn checkpoints(app: Arc<App>, shutdown: Shutdown) {
    let mut checkpointer = match app.store.checkpointer().await {
        Ok(Some(checkpointer)) => checkpointer,
        Ok(None) => return,
        Err(error) => {
            tracing::warn!(%error, "no checkpointing connection; SQLite will checkpoint as it commits");
            return;
        }
    };
    let mut erased = false;
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(250)) => {}
            _ = app.wake.erased.notified() => erased = true,
            _ = shutdown.triggered() => return,
        }
        let done = if erased { checkpointer.empty_log().await } else { checkpointer.checkpoint().await.map(|()| true) };
        match done {
            Ok(done) => erased &= !done,
            Err(error) => tracing::warn!(%error, "could not checkpoint the write-ahead log"),
        }
    }
}

/// Asks Telegram who we are, retrying until it answers: the bot may start
/// before the network does.
async fn connect(bot: &Bot, shutdown: &Shutdown) -> Option<Me> {
    let mut failures = 0;
    loop {
        match bot.get_me().await {
            Ok(me) => return Some(me),
            Err(teloxide::RequestError::Api(teloxide::ApiError::InvalidToken)) => {
                tracing::error!("Telegram refused the token: check TELOXIDE_TOKEN");
                return None;
            }
            Err(error) => {
                failures += 1;
                let pause = Backoff::after_failures(failures).min(Duration::from_secs(30));
                tracing::warn!(error = %describe(&error), ?pause, "cannot reach Telegram yet");
                tokio::select! {
                    _ = tokio::time::sleep(pause) => {}
                    _ = shutdown.triggered() => return None,
                }
            }
        }
    }
}

/// The commands everyone may use, in Telegram's menu, in both languages.
async fn publish_commands(app: &App, bot: &Bot) {
    for locale in Locale::ALL {
        let l = app.i18n.get(locale);
        let commands =
            menus::everyone(l).into_iter().map(|(command, description)| BotCommand::new(command, description));
        let mut request = bot.set_my_commands(commands).scope(BotCommandScope::AllPrivateChats);
        if locale != Locale::default() {
            request = request.language_code(locale.code());
        }
        if let Err(error) = request.await {
            tracing::warn!(%error, "could not publish the command menu");
        }
    }
}

/// Once at start-up and then daily: anonymise requests past their retention,
/// prune finished work, and send the visit rounds not sent yet (this month's
/// lists, this week's digests). Running it on several instances is harmless.
async fn daily_cleanup(app: Arc<App>, shutdown: Shutdown) {
    while !shutdown.is_triggered() {
        let (retention, care_retention) = (app.config.retention_days, app.config.care_retention_days);
        match crate::app::privacy::daily_cleanup(&app.store, retention, care_retention, app.now()).await {
            Ok(anonymised) => {
                tracing::info!(anonymised, "daily clean-up done");
                app.wake.erased.notify_one();
            }
            Err(error) => tracing::warn!(%error, "daily clean-up failed; it will run again tomorrow"),
        }
        if let Err(error) = crate::telegram::responder::care::send_rounds(&app).await {
            tracing::warn!(%error, "the visit rounds failed; they will be tried again tomorrow");
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(24 * 60 * 60)) => {}
            _ = shutdown.triggered() => {}
        }
    }
}

/// A request error as it may be logged: teloxide's text of an unreadable
/// answer quotes the whole answer, which for getUpdates holds people's
/// messages and phone numbers, so only the parse error itself is kept.
pub fn describe(error: &teloxide::RequestError) -> String {
    match error {
        teloxide::RequestError::InvalidJson { source, .. } => {
            format!("unreadable answer from Telegram (line {}, column {})", source.line(), source.column())
        }
        other => other.to_string(),
    }
}

/// Triggers `trigger` on SIGTERM or Ctrl-C.
pub async fn watch_signals(trigger: ShutdownTrigger) {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {}
        _ = terminate => {}
    }
    tracing::info!("shutting down");
    trigger.trigger();
}
