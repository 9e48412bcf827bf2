//! What the desk keeps about a person and how to be forgotten: `/privacy`,
//! `/mydata` and `/forget`.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Keyboard, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::clear_buttons;
use crate::telegram::responder::cards;

/// `/privacy`: what is kept, and for how long.
pub async fn notice(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let keeping = crate::app::privacy::Keeping::with_retention(turn.app.config.retention_days);
    turn.say(fl!(
        l,
        "privacy-notice",
        retention = keeping.requests,
        updates = keeping.updates,
        messages = keeping.messages
    ));
    turn.say(fl!(l, "privacy-care", care = turn.app.config.care_retention_days));
    turn.say(fl!(l, "privacy-checkin", care = turn.app.config.care_retention_days));
    turn.remind().await
}

/// `/mydata`: everything kept about the sender, as a JSON file.
pub async fn my_data(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let data = crate::app::privacy::my_data(&mut turn.tx, turn.person.id).await?;
    let content = serde_json::to_string_pretty(&data)?;
    turn.send(Outgoing::File { chat: turn.chat, name: "my-data.json".into(), content });
    turn.say(fl!(l, "mydata-sent"));
    Ok(())
}

/// `/forget`: asks first.
pub fn ask_forget(turn: &mut Turn<'_>) {
    let l = turn.l();
    let buttons = vec![vec![
        Button::new(fl!(l, "button-forget"), CallbackData::Forget { confirmed: true }.encode()),
        Button::new(fl!(l, "button-keep"), CallbackData::Forget { confirmed: false }.encode()),
    ]];
    turn.reply(fl!(l, "forget-confirm"), Some(Keyboard::Inline(buttons)));
}

/// The answer to `/forget`'s question: erase the person, or keep them.
pub async fn forget(turn: &mut Turn<'_>, confirmed: bool, message: Option<(i64, MessageId)>) -> anyhow::Result<()> {
    clear_buttons(turn, message);
    let l = turn.l();
    if confirmed {
        let now = turn.now;
        let withdrawn = cards::before_erasure(&mut turn.tx, turn.person.id).await?;
        crate::app::privacy::forget(&mut turn.tx, turn.person.id, now).await?;
        cards::after_erasure(turn.app, &mut turn.tx, &mut turn.out, withdrawn).await?;
        // Forgetting erased the dialogue already; the turn must not
        // write back the state it began with.
        turn.end_dialogue();
        turn.reply(fl!(l, "forgotten"), Some(Keyboard::Remove));
        let chat = turn.chat;
        turn.out.erase_when_sent(chat);
    } else {
        turn.say(fl!(l, "forget-kept"));
    }
    Ok(())
}
