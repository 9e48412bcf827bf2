//! The floors: the smallest teloxide bot that answers every text with a
//! message, run as `loadgen echo-bot` so that loadgen measures its CPU and
//! memory exactly as it measures community-desk's; and the same bot made
//! durable (`echo-bot --durable URL`), which writes every message to SQLite
//! and commits before answering. The second shows what one durable write per
//! update costs through sqlx on this machine, before any of the desk's work.

use std::str::FromStr;

use anyhow::Context;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use teloxide::prelude::*;

pub async fn run(durable: Option<String>) -> anyhow::Result<()> {
    // `Bot::from_env` panics without a token; loadgen always sets one, but a
    // person starting the hidden subcommand by hand gets a sentence instead.
    anyhow::ensure!(std::env::var("TELOXIDE_TOKEN").is_ok(), "echo-bot is started by loadgen with TELOXIDE_TOKEN set");
    let bot = Bot::from_env();
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
