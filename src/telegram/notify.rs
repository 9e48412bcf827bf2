//! Messages to people other than the sender of an update: cards for
//! responders, news for residents. Each is rendered in its recipient's
//! language and goes to the outbox of the current transaction.

use i18n_embed::fluent::FluentLanguageLoader;

use super::render::{self, CardFor};
use crate::app::App;
use crate::domain::PersonId;
use crate::i18n::Locale;
use crate::store::{RequestView, StoreError, Tx};
use crate::telegram::delivery::outgoing::{Keyboard, Outbox, Outgoing};

/// A person's chat and language, if they can be written to.
pub async fn recipient<'a>(
    app: &'a App,
    tx: &mut Tx,
    person: PersonId,
) -> Result<Option<(i64, &'a FluentLanguageLoader)>, StoreError> {
    let Some(person) = tx.person(person).await? else { return Ok(None) };
    let Some(chat) = person.telegram_id else { return Ok(None) };
    let locale = person.locale.as_deref().and_then(Locale::from_code).unwrap_or_default();
    Ok(Some((chat, app.i18n.get(locale))))
}

/// Sends a request's card, with a heading when there is one, followed by the
/// resident's attachments re-sent by file id.
pub async fn card(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    to: PersonId,
    request: &RequestView,
    card_for: CardFor,
    heading: impl Fn(&FluentLanguageLoader) -> Option<String>,
) -> Result<(), StoreError> {
    let Some((chat, l)) = recipient(app, tx, to).await? else { return Ok(()) };
    let mut text = render::card_text(l, request);
    if let Some(heading) = heading(l) {
        text = format!("{heading}\n\n{text}");
    }
    let buttons = render::card_buttons(l, request, card_for);
    let text: String = text.chars().take(4000).collect();
    out.push(Outgoing::Card { chat, request: request.id.0, text, buttons });
    for attachment in &request.attachments {
        out.push(Outgoing::Attachment {
            chat,
            attachment: attachment.clone(),
            caption: Some(request.number.to_string()),
        });
    }
    Ok(())
}

/// Tells a person something, in their language.
pub async fn tell(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    to: PersonId,
    text: impl Fn(&FluentLanguageLoader) -> String,
) -> Result<(), StoreError> {
    if let Some((chat, l)) = recipient(app, tx, to).await? {
        out.text(chat, text(l), None);
    }
    Ok(())
}

/// Asks a person something with buttons, both in their language.
pub async fn ask(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    to: PersonId,
    question: impl Fn(&FluentLanguageLoader) -> (String, Vec<Vec<crate::telegram::delivery::outgoing::Button>>),
) -> Result<(), StoreError> {
    if let Some((chat, l)) = recipient(app, tx, to).await? {
        let (text, buttons) = question(l);
        out.text(chat, text, Some(Keyboard::Inline(buttons)));
    }
    Ok(())
}

/// Tells the resident of a request something, in their language.
pub async fn tell_resident(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    text: impl Fn(&FluentLanguageLoader) -> String,
) -> Result<(), StoreError> {
    match request.resident {
        Some(resident) => tell(app, tx, out, resident, text).await,
        None => Ok(()),
    }
}
