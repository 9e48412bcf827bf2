//! Messages to people other than the sender of an update: cards for
//! responders, news for residents. Each is rendered in its recipient's
//! language and goes to the outbox of the current transaction.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

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

/// Tells the followers of a request its new status, each in their
/// language (its reporter is told by the caller, in words of their own).
pub async fn tell_followers(app: &App, tx: &mut Tx, out: &mut Outbox, request: &RequestView) -> Result<(), StoreError> {
    tell_followers_that(app, tx, out, request, |l, number| {
        fl!(l, "follower-status", number = number.to_string(), status = render::status(l, request.status))
    })
    .await
}

/// Tells the followers of a request that it passed to another responder
/// (declined, reassigned, assigned by the office), with its status now.
pub async fn tell_followers_passed(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
) -> Result<(), StoreError> {
    tell_followers_that(app, tx, out, request, |l, number| {
        fl!(l, "follower-passed", number = number.to_string(), status = render::status(l, request.status))
    })
    .await
}

/// Tells each follower of a request something about it, in their language,
/// as bulk (after the answers and cards of the moment).
pub async fn tell_followers_that(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    text: impl Fn(&FluentLanguageLoader, &str) -> String,
) -> Result<(), StoreError> {
    let number = request.number.to_string();
    let mut bulk = Outbox::bulk();
    for follower in tx.followers_of(request.id).await? {
        tell(app, tx, &mut bulk, follower, |l| text(l, &number)).await?;
    }
    out.append(bulk);
    Ok(())
}

/// Asks the reporter and every follower of a resolved request whether it
/// is fixed for them; the followers' questions go as bulk.
pub async fn ask_fixed(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    note: &str,
) -> Result<(), StoreError> {
    let number = request.number.to_string();
    let mut bulk = Outbox::bulk();
    for person in crate::app::followers::audience(tx, request).await? {
        let reporter = request.resident == Some(person);
        let out = if reporter { &mut *out } else { &mut bulk };
        ask(app, tx, out, person, |l| {
            let text = if reporter {
                fl!(l, "ask-fixed", number = number.clone(), note = note.to_string())
            } else {
                fl!(l, "ask-fixed-follower", number = number.clone(), note = note.to_string())
            };
            let buttons = vec![vec![
                crate::telegram::delivery::outgoing::Button::new(
                    fl!(l, "button-fixed-yes"),
                    super::callback::CallbackData::Fixed(request.id, true).encode(),
                ),
                crate::telegram::delivery::outgoing::Button::new(
                    fl!(l, "button-fixed-no"),
                    super::callback::CallbackData::Fixed(request.id, false).encode(),
                ),
            ]];
            (text, buttons)
        })
        .await?;
    }
    out.append(bulk);
    Ok(())
}
