//! The floors: the smallest teloxide bot that answers every text with a
//! message, run as `loadgen echo-bot` so that loadgen measures its CPU and
//! memory exactly as it measures community-desk's; the same bot made durable
//! (`echo-bot --durable URL`), which writes every message to SQLite and
//! commits before answering; and the same bot answering with as many Bot API
//! calls as the desk (`echo-bot --calls N`). The second shows what one
//! durable write per update costs through sqlx on this machine, the third
//! what the desk's way of answering costs, both before any of the desk's
//! work.

use std::str::FromStr;
use std::sync::{Arc, Mutex, PoisonError};

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use teloxide::prelude::*;
use teloxide::types::CallbackQueryId;

pub async fn run(durable: Option<String>, calls: Option<f64>) -> anyhow::Result<()> {
    // `Bot::from_env` panics without a token; loadgen always sets one, but a
    // person starting the hidden subcommand by hand gets a sentence instead.
    anyhow::ensure!(std::env::var("TELOXIDE_TOKEN").is_ok(), "echo-bot is started by loadgen with TELOXIDE_TOKEN set");
    let bot = Bot::from_env();
    if let Some(calls) = calls {
        answer_with_calls(bot, calls).await;
        return Ok(());
    }
    let Some(url) = durable else {
        teloxide::repl(bot, |bot: Bot, msg: Message| async move {
            if let Some(text) = msg.text() {
                bot.send_message(msg.chat.id, text).await?;
            }
            Ok(())
        })
        .await;
        return Ok(());
    };
    // The desk's own settings: one connection, a write-ahead log, commits
    // that do not wait for the disk to confirm.
    let options = SqliteConnectOptions::from_str(&url)
        .context("parse the SQLite URL")?
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    let pool = SqlitePoolOptions::new().max_connections(1).connect_with(options).await.context("open SQLite")?;
    sqlx::query("CREATE TABLE IF NOT EXISTS messages (id INTEGER PRIMARY KEY, payload TEXT NOT NULL)")
        .execute(&pool)
        .await
        .context("create the table")?;
    let handler = Update::filter_message().endpoint(|bot: Bot, pool: SqlitePool, msg: Message| async move {
        if let Some(text) = msg.text() {
            let payload = serde_json::to_string(&msg)?;
            let mut tx = pool.begin().await?;
            sqlx::query("INSERT INTO messages (payload) VALUES ($1)").bind(payload).execute(&mut *tx).await?;
            tx.commit().await?;
            bot.send_message(msg.chat.id, text).await?;
        }
        anyhow::Ok(())
    });
    Dispatcher::builder(bot, handler).dependencies(dptree::deps![pool]).build().dispatch().await;
    Ok(())
}

/// Answers every text with `calls` Bot API calls on average, made one after
/// the other as the desk's sender makes a turn's: the reply, and before it
/// as many callback answers and edits, half and half, as make up the rest.
/// The desk answers a button press with the answer to the press, an edit
/// that takes the pressed buttons away and the next question, and a text
/// with the next question alone; the emulator serves these calls as it serves
/// the desk's, so what this bot costs is what answering the desk's way costs
/// with nothing behind it: no database, no dialogue.
async fn answer_with_calls(bot: Bot, calls: f64) {
    let extra_per_update = (calls - 1.0).max(0.0);
    // How many extra calls are owed (a fraction carries over to the next
    // update), and how many have been made, which picks the kind of the next.
    let owed = Arc::new(Mutex::new((0.0_f64, 0_u64)));
    let handler = Update::filter_message().endpoint(move |bot: Bot, msg: Message| {
        let owed = owed.clone();
        async move {
            let Some(text) = msg.text() else { return anyhow::Ok(()) };
            let (first, extras) = {
                let mut state = owed.lock().unwrap_or_else(PoisonError::into_inner);
                state.0 += extra_per_update;
                let extras = state.0.floor();
                state.0 -= extras;
                let first = state.1;
                state.1 += extras as u64;
                (first, extras as u64)
            };
            // The emulator serves each call and refuses it (no such button
            // press; a message of the person's own): the round trip is what
            // is measured, so the refusal does not stop the reply.
            for made in first..first + extras {
                if made % 2 == 0 {
                    let _ = bot.answer_callback_query(CallbackQueryId(made.to_string())).await;
                } else {
                    let _ = bot.edit_message_reply_markup(msg.chat.id, msg.id).await;
                }
            }
            bot.send_message(msg.chat.id, text).await?;
            anyhow::Ok(())
        }
    });
    Dispatcher::builder(bot, handler).build().dispatch().await;
}
