//! Every card a request was shown on, kept true for its reader. Who has a
//! card is read from the outbox, which remembers each card's request and
//! chat: the holders and former holders, the leaders alerted, the office's
//! first alert, the volunteers offered it — whoever it was actually sent to.
//! Each card is rewritten for its reader's standing now, with only the
//! buttons they can still use.

use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::App;
use crate::app::cards::{Standing, standing};
use crate::domain::{PersonId, RequestId, TelegramId};
use crate::store::{RequestView, StoreError, Tx};
use crate::telegram::delivery::outgoing::{self, Button, Outbox, Outgoing};
use crate::telegram::notify;
use crate::telegram::render::{self, CardFor};

/// A card of a request that went out: its chat, and its message once sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shown {
    chat: i64,
    message: Option<i32>,
}

/// The cards of a request, as the outbox holds them. Read before a change
/// that forgets them (erasure deletes the sent cards of the erased person's
/// requests).
pub async fn shown(tx: &mut Tx, request: RequestId) -> Result<Vec<Shown>, StoreError> {
    Ok(tx
        .cards_of(request.0)
        .await?
        .into_iter()
        .filter_map(|(lane, message)| outgoing::lane_chat(&lane).map(|chat| Shown { chat, message }))
        .collect())
}

/// Shows the request as it is now on every card of it.
pub async fn refresh(app: &App, tx: &mut Tx, out: &mut Outbox, request: &RequestView) -> Result<(), StoreError> {
    let cards = shown(tx, request.id).await?;
    show(app, tx, out, request, &cards).await
}

/// Shows the request as it is now on every card of it but the message a
/// button was pressed on, which the presser's answer shows.
pub async fn refresh_others(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    pressed: Option<(i64, MessageId)>,
) -> Result<(), StoreError> {
    let pressed = pressed.map(|(chat, id)| (chat, Some(id.0)));
    let cards: Vec<Shown> =
        shown(tx, request.id).await?.into_iter().filter(|c| Some((c.chat, c.message)) != pressed).collect();
    show(app, tx, out, request, &cards).await
}

/// Shows the request as it is now on `cards`, each for its reader.
pub async fn show(
    app: &App,
    tx: &mut Tx,
    out: &mut Outbox,
    request: &RequestView,
    cards: &[Shown],
) -> Result<(), StoreError> {
    for card in cards {
        let Some(reader) = tx.person_by_telegram(TelegramId(card.chat)).await? else { continue };
        let Some((chat, l)) = notify::recipient(app, tx, reader.id).await? else { continue };
        let (text, buttons) = view(l, request, standing(tx, request, reader.id, app.now()).await?);
        // A card already sent is edited by its message id, which needs no
        // record of it later; one still waiting is edited after it, in its
        // chat's lane, once its id is known.
        out.push(match card.message {
            Some(message_id) => Outgoing::EditText { chat, message_id, text, buttons },
            None => Outgoing::EditCard { chat, request: request.id.0, text, buttons },
        });
    }
    Ok(())
}

/// A request's card for a reader who stands where `standing` says: who has
/// it now, when that is not the reader, and only the buttons they can use.
pub fn view(l: &FluentLanguageLoader, request: &RequestView, standing: Standing) -> (String, Vec<Vec<Button>>) {
    let mut text = render::card_text(l, request);
    if matches!(standing, Standing::Above | Standing::Onlooker) && request.status.is_active() {
        let holder = match request.assignee_role {
            Some(role) => fl!(l, "card-now-with", responder = render::role(l, role)),
            None => fl!(l, "card-now-with-nobody"),
        };
        text = format!("{holder}\n\n{text}");
    }
    let buttons = match standing {
        Standing::Holder => render::card_buttons(l, request, CardFor::Assignee),
        Standing::Above => render::card_buttons(l, request, CardFor::Above),
        Standing::Offered => render::card_buttons(l, request, CardFor::Volunteer),
        Standing::Onlooker => Vec::new(),
    };
    (text.chars().take(4000).collect(), buttons)
}

/// The open requests of a person about to be erased, with their cards and
/// the people they were given to, read before the erasure forgets them.
pub struct Withdrawn(Vec<(RequestId, Vec<Shown>, Vec<PersonId>)>);

pub async fn before_erasure(tx: &mut Tx, person: PersonId) -> Result<Withdrawn, StoreError> {
    let mut withdrawn = Vec::new();
    for request in tx.active_requests_of_resident(person).await? {
        let cards = shown(tx, request).await?;
        let involved = crate::app::requests::involved(tx, request).await?;
        withdrawn.push((request, cards, involved));
    }
    Ok(Withdrawn(withdrawn))
}

/// After an erasure cancelled the person's open requests: every card of them
/// shows the request cancelled, without what the erasure removed, and
/// whoever it was given to is told, as when a resident withdraws one.
pub async fn after_erasure(app: &App, tx: &mut Tx, out: &mut Outbox, withdrawn: Withdrawn) -> Result<(), StoreError> {
    for (request, cards, involved) in withdrawn.0 {
        let Some(request) = tx.request_view(request).await? else { continue };
        // The erasure deleted the cards nobody was shown yet; of those
        // waiting, only the ones already on their way are left to edit.
        let waiting = shown(tx, request.id).await?;
        let cards: Vec<Shown> = cards.into_iter().filter(|c| c.message.is_some()).chain(waiting).collect();
        show(app, tx, out, &request, &cards).await?;
        let number = request.number.to_string();
        for person in involved {
            notify::tell(app, tx, out, person, |l| fl!(l, "request-cancelled-by-resident", number = number.clone()))
                .await?;
        }
    }
    Ok(())
}
