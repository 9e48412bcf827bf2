//! Something typed (or a photo, voice note or document sent) while no
//! dialogue step waits for an answer: passed to the one conversation in
//! progress, or kept while the person chooses among several, or answered
//! with what they can do — never dropped.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::conversations::{self, Addressee};
use crate::app::requests;
use crate::domain::{Attachment, RequestId, Role};
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, clear_buttons};
use crate::telegram::notify;
use crate::telegram::render;

type Answer = anyhow::Result<String>;

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
        Addressee::One(request) => relay(turn, request, text, attachment).await?,
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

/// A request was chosen for the kept message: it is passed on now.
pub async fn chosen(
    turn: &mut Turn<'_>,
    id: RequestId,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    match turn.dialogue() {
        Some(Dialogue::ReplyChoice { requests, text, attachment }) if requests.contains(&id.0) => {
            clear_buttons(turn, message);
            relay(turn, id, &text, attachment).await?;
            Ok(None)
        }
        _ => Ok(Some(fl!(turn.l(), "button-expired"))),
    }
}

/// Starts a message to the other side of a request.
pub async fn talk_start(turn: &mut Turn<'_>, id: RequestId) -> Answer {
    let l = turn.l();
    if requests::relay_target(&mut turn.tx, id, turn.person.id).await?.is_none() {
        return Ok(fl!(l, "not-yours"));
    }
    let dialogue = Dialogue::Relay { request: id.0 };
    turn.set_dialogue(&dialogue)?;
    turn.prompt(&dialogue).await?;
    Ok(String::new())
}

/// Passes a message between resident and responder, signed with the
/// responder's role rather than their account; neither sees the other's
/// account or phone. Every relayed message is an event.
pub async fn relay(
    turn: &mut Turn<'_>,
    id: RequestId,
    text: &str,
    attachment: Option<crate::domain::Attachment>,
) -> anyhow::Result<()> {
    let l = turn.l();
    turn.end_dialogue();
    let Some((request, to, from_resident)) = requests::relay_target(&mut turn.tx, id, turn.person.id).await? else {
        turn.say(fl!(l, "not-yours"));
        return Ok(());
    };
    let event = crate::domain::events::Event::Relayed {
        from_resident,
        text: text.to_string(),
        attachment: attachment.as_ref().map(|a| a.kind().to_string()),
    };
    let now = turn.now_ms();
    turn.tx.record_event(Some(id), Some(turn.person.id), &event, now).await?;
    let number = request.number.to_string();
    let role = request.assignee_role.unwrap_or(Role::Liaison);
    let words = text.to_string();
    notify::ask(turn.app, &mut turn.tx, &mut turn.out, to, |l| {
        let from = if from_resident { fl!(l, "from-resident") } else { render::role(l, role) };
        let text = fl!(l, "relayed", number = number.clone(), from = from, text = words.clone());
        (text, vec![vec![Button::new(fl!(l, "button-reply"), CallbackData::Talk(id).encode())]])
    })
    .await?;
    if let Some(attachment) = attachment
        && let Some(chat) = turn.tx.person(to).await?.and_then(|p| p.telegram_id)
    {
        turn.send(Outgoing::Attachment { chat, attachment, caption: Some(request.number.to_string()) });
    }
    turn.say(if from_resident {
        fl!(l, "relay-sent-to-responder", number = number, responder = render::role(l, role))
    } else {
        fl!(l, "relay-sent-to-resident", number = number)
    });
    Ok(())
}
