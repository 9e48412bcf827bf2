//! The storm's peer (`loadgen storm-peer`): a bare teloxide bot whose every
//! call goes through teloxide's `Throttle`, which keeps Telegram's limits by
//! serving requests in the order they were made. It answers each update of
//! a resident with a next question carrying every button the report flow
//! presses, and, on the admin's `/broadcast`, sends a notice to every
//! household through the same `Throttle`.

use teloxide::adaptors::Throttle;
use teloxide::adaptors::throttle::Limits;
use teloxide::prelude::*;
use teloxide::types::{InlineKeyboardButton, InlineKeyboardMarkup};

use crate::broadcast::HOUSEHOLD_BASE;
use crate::storm::ADMIN_ID;

type PeerBot = Throttle<Bot>;

pub async fn run(households: usize) -> anyhow::Result<()> {
    anyhow::ensure!(
        std::env::var("TELOXIDE_TOKEN").is_ok(),
        "storm-peer is started by loadgen with TELOXIDE_TOKEN set"
    );
    let bot = Bot::from_env().throttle(Limits::default());
    let handler = dptree::entry()
        .branch(Update::filter_message().endpoint(move |bot: PeerBot, msg: Message| async move {
            if msg.chat.id.0 == ADMIN_ID {
                if msg.text() == Some("/broadcast") {
                    notice(&bot, households);
                }
                return anyhow::Ok(());
            }
            bot.send_message(msg.chat.id, "Next question").reply_markup(next_question()).await?;
            anyhow::Ok(())
        }))
        .branch(Update::filter_callback_query().endpoint(|bot: PeerBot, press: CallbackQuery| async move {
            bot.answer_callback_query(press.id.clone()).await?;
            bot.send_message(press.from.id, "Next question").reply_markup(next_question()).await?;
            anyhow::Ok(())
        }));
    Dispatcher::builder(bot, handler).build().dispatch().await;
    Ok(())
}

/// Every button the report flow presses, so that any step finds its own.
fn next_question() -> InlineKeyboardMarkup {
    let buttons = ["d:cat:property", "d:desc-done", "d:urg:normal", "d:ok"];
    InlineKeyboardMarkup::new(buttons.map(|data| vec![InlineKeyboardButton::callback(data, data)]))
}

/// One copy to each household, all asked of `Throttle` at once: it sends
/// them, and whatever is asked after them, in turn.
fn notice(bot: &PeerBot, households: usize) {
    for n in 0..households {
        let bot = bot.clone();
        tokio::spawn(async move {
            let chat = ChatId(HOUSEHOLD_BASE + n as i64);
            if let Err(error) = bot.send_message(chat, "📢 Water is off today in every building.").await {
                eprintln!("a copy failed: {error}");
            }
        });
    }
}
