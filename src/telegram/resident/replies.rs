//! Something typed (or a photo, voice note or document sent) while no
//! dialogue step waits for an answer: passed to the one conversation in
//! progress, or kept while the person chooses among several, or answered
//! with what they can do — never dropped.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::conversations::{self, Addressee};
use crate::domain::{Attachment, RequestId};
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::Dialogue;
use crate::telegram::render;

/// Passes `text` and `attachment` on to the conversation they belong to.
pub async fn unprompted(turn: &mut Turn<'_>, text: &str, attachment: Option<Attachment>) -> anyhow::Result<()> {
    let l = turn.l();
    if text.is_empty() && attachment.is_none() {
        turn.say(fl!(l, "no-dialogue"));
        return Ok(());
    }
    let now = turn.now;
    match conversations::addressee(&mut turn.tx, turn.person.id, now).await? {
        Addressee::Nobody => turn.say(fl!(l, "no-dialogue")),
        Addressee::One(request) => crate::telegram::responder::actions::relay(turn, request, text, attachment).await?,
        Addressee::Several(requests) => {
            let dialogue = Dialogue::ReplyChoice {
                requests: requests.iter().map(|r| r.0).collect(),
                text: text.to_string(),
                attachment,
            };
            turn.set_dialogue(&dialogue)?;
            turn.prompt(&dialogue).await?;
        }
    }
    Ok(())
}

/// Asks which of `requests` a kept message is for, one button each.
pub async fn ask_which(turn: &mut Turn<'_>, requests: &[i64]) -> anyhow::Result<()> {
    let l = turn.l();
    let mut buttons = Vec::new();
    for id in requests {
        let Some(request) = turn.tx.request_view(RequestId(*id)).await? else { continue };
        let label = fl!(
            l,
            "button-reply-to",
            number = request.number.to_string(),
            category = render::category(l, request.category)
        );
        buttons.push(vec![Button::new(label, CallbackData::ReplyTo(request.id).encode())]);
    }
    turn.reply(fl!(l, "reply-which"), Some(Keyboard::Inline(buttons)));
    Ok(())
}

/// A request was chosen for the kept message: it is passed on now.
pub async fn chosen(
    turn: &mut Turn<'_>,
    id: RequestId,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    match turn.dialogue() {
        Some(Dialogue::ReplyChoice { requests, text, attachment }) if requests.contains(&id.0) => {
            crate::telegram::handlers::clear_buttons(turn, message);
            crate::telegram::responder::actions::relay(turn, id, &text, attachment).await?;
            Ok(None)
        }
        _ => Ok(Some(fl!(turn.l(), "button-expired"))),
    }
}
