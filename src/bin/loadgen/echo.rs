//! The floor: the smallest teloxide bot that answers every text with a
//! message, run as `loadgen echo-bot` so that loadgen measures its CPU and
//! memory exactly as it measures community-desk's.

use teloxide::prelude::*;

pub async fn run() -> anyhow::Result<()> {
    // `Bot::from_env` panics without a token; loadgen always sets one, but a
    // person starting the hidden subcommand by hand gets a sentence instead.
    anyhow::ensure!(std::env::var("TELOXIDE_TOKEN").is_ok(), "echo-bot is started by loadgen with TELOXIDE_TOKEN set");
    let bot = Bot::from_env();
    teloxide::repl(bot, |bot: Bot, msg: Message| async move {
        if let Some(text) = msg.text() {
            bot.send_message(msg.chat.id, text).await?;
        }
        Ok(())
    })
    .await;
    Ok(())
}
