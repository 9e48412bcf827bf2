//! Messages to people other than the sender of an update: cards for
//! responders, news for residents. Each is rendered in its recipient's
//! language and goes to the outbox of the current transaction.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;

use super::outgoing::{Keyboard, Outbox, Outgoing};
use super::render;
use crate::app::App;
use crate::app::clock::{Notice, Why};
use crate::domain::PersonId;
use crate::i18n::Locale;
use crate::store::{RequestView, StoreError, Tx};

/// Who a card is for decides its buttons.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CardFor {
    /// The assignee: accept or decline.
    Assignee,
    /// Someone above the assignee: take over or reassign.
    Above,
    /// A volunteer offered the request: claim it.
    Volunteer,
}

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
    question: impl Fn(&FluentLanguageLoader) -> (String, Vec<Vec<super::outgoing::Button>>),
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
    let number = request.number.to_string();
    for follower in tx.followers_of(request.id).await? {
        tell(app, tx, out, follower, |l| {
            fl!(l, "follower-status", number = number.clone(), status = render::status(l, request.status))
        })
        .await?;
    }
    Ok(())
}

/// Asks the reporter and every follower of a resolved request whether it
/// is fixed for them.
pub async fn ask_fixed(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    note: &str,
) -> Result<(), StoreError> {
    let number = request.number.to_string();
    for person in crate::app::followers::audience(tx, request).await? {
        let reporter = request.resident == Some(person);
        ask(app, tx, out, person, |l| {
            let text = if reporter {
                fl!(l, "ask-fixed", number = number.clone(), note = note.to_string())
            } else {
                fl!(l, "ask-fixed-follower", number = number.clone(), note = note.to_string())
            };
            let buttons = vec![vec![
                super::outgoing::Button::new(
                    fl!(l, "button-fixed-yes"),
                    super::callback::CallbackData::Fixed(request.id, true).encode(),
                ),
                super::outgoing::Button::new(
                    fl!(l, "button-fixed-no"),
                    super::callback::CallbackData::Fixed(request.id, false).encode(),
                ),
            ]];
            (text, buttons)
        })
        .await?;
    }
    Ok(())
}

/// Renders what the escalation clock decided.
pub async fn deliver(app: &App, tx: &mut Tx, out: &mut Outbox, notices: Vec<Notice>) -> Result<(), StoreError> {
    for notice in notices {
        match notice {
            Notice::Warn { to, request } => {
                let number = request.number.to_string();
                tell(app, tx, out, to, |l| fl!(l, "deadline-warning", number = number.clone())).await?;
            }
            Notice::Escalated { to, request, why } => {
                card(app, tx, out, to, &request, CardFor::Above, |l| {
                    Some(match why {
                        Why::Missed(Some(role)) => fl!(l, "escalated-heading", responder = render::role(l, role)),
                        Why::Missed(None) => fl!(l, "escalated-heading-unassigned"),
                        Why::Emergency => fl!(l, "emergency-heading"),
                    })
                })
                .await?;
            }
            Notice::ResidentEscalated { request } => {
                let number = request.number.to_string();
                tell_resident(app, tx, out, &request, |l| fl!(l, "resident-escalated", number = number.clone()))
                    .await?;
            }
            Notice::FollowUp { request } => {
                let number = request.number.to_string();
                let id = request.id;
                if let Some(resident) = request.resident {
                    ask(app, tx, out, resident, |l| {
                        let buttons = vec![vec![
                            super::outgoing::Button::new(
                                fl!(l, "button-fixed-yes"),
                                super::callback::CallbackData::Fixed(id, true).encode(),
                            ),
                            super::outgoing::Button::new(
                                fl!(l, "button-fixed-no"),
                                super::callback::CallbackData::Fixed(id, false).encode(),
                            ),
                        ]];
                        (fl!(l, "ask-still-fixed", number = number.clone()), buttons)
                    })
                    .await?;
                }
            }
            Notice::AutoClosed { request } => {
                super::cards::refresh(app, tx, out, &request).await?;
                tell_followers(app, tx, out, &request).await?;
                let number = request.number.to_string();
                tell_resident(app, tx, out, &request, |l| fl!(l, "auto-closed", number = number.clone())).await?;
            }
            Notice::CardsChanged { request } => super::cards::refresh(app, tx, out, &request).await?,
            Notice::Remind { to, request, n } => {
                let number = request.number.to_string();
                card(app, tx, out, to, &request, CardFor::Above, |l| {
                    Some(fl!(l, "reminder-heading", number = number.clone(), n = n))
                })
                .await?;
            }
        }
    }
    Ok(())
}
