//! What the escalation clock decided, told to the people it concerns: a
//! warning or a reminder to the holder, a card to whoever is above, news or
//! a question to the resident.

use i18n_embed_fl::fl;

use crate::app::App;
use crate::app::clock::{Notice, Why};
use crate::store::{StoreError, Tx};
use crate::telegram::callback::CallbackData;
use crate::telegram::delivery::outgoing::{Button, Outbox};
use crate::telegram::notify::{ask, card, tell, tell_followers_that, tell_resident};
use crate::telegram::render::{self, CardFor};
use crate::telegram::responder::cards;

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
                tell_followers_that(app, tx, out, &request, |l, number| {
                    fl!(l, "follower-escalated", number = number.to_string())
                })
                .await?;
            }
            Notice::FollowUp { request } => {
                let number = request.number.to_string();
                let id = request.id;
                // Followers answer "still fixed?" like the reporter, as bulk.
                let mut bulk = Outbox::bulk();
                for person in crate::app::followers::audience(tx, &request).await? {
                    let reporter = request.resident == Some(person);
                    let out = if reporter { &mut *out } else { &mut bulk };
                    ask(app, tx, out, person, |l| {
                        let buttons = vec![vec![
                            Button::new(fl!(l, "button-fixed-yes"), CallbackData::Fixed(id, true).encode()),
                            Button::new(fl!(l, "button-fixed-no"), CallbackData::Fixed(id, false).encode()),
                        ]];
                        let text = if reporter {
                            fl!(l, "ask-still-fixed", number = number.clone())
                        } else {
                            fl!(l, "ask-still-fixed-follower", number = number.clone())
                        };
                        (text, buttons)
                    })
                    .await?;
                }
                out.append(bulk);
            }
            Notice::AutoClosed { request } => {
                cards::refresh(app, tx, out, &request).await?;
                super::notify::tell_followers(app, tx, out, &request).await?;
                let number = request.number.to_string();
                tell_resident(app, tx, out, &request, |l| fl!(l, "auto-closed", number = number.clone())).await?;
            }
            Notice::CardsChanged { request } => cards::refresh(app, tx, out, &request).await?,
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
