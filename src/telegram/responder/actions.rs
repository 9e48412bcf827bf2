//! What a responder does to a request on its card: claim it from the pool,
//! accept, decline, take over, reassign, resolve. Each is a use case call,
//! a reply to the actor and messages to the others involved.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use super::cards;
use crate::app::requests::{self, AcceptOutcome, DeclineOutcome, ReassignOutcome, StepOutcome, TakeOverOutcome};
use crate::domain::{PersonId, RequestId, Role};
use crate::store::RequestView;
use crate::telegram::callback::{CallbackData, DeclineReason};
use crate::telegram::delivery::outgoing::{Button, Keyboard, Outgoing};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, clear_buttons};
use crate::telegram::notify;
use crate::telegram::render::{self, CardFor};

type Answer = anyhow::Result<String>;

/// A volunteer claims a request from the pool: the first tap wins; the
/// others learn it was taken.
pub async fn claim(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::claim(&mut turn.tx, id, turn.person.id, &policy, now).await? {
        requests::ClaimOutcome::Claimed { request, others, holder } => {
            refresh_pressed(turn, &request, message).await?;
            let number = request.number.to_string();
            for other in others {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, other, |l| {
                    fl!(l, "claimed-by-another", number = number.clone())
                })
                .await?;
            }
            if let Some(holder) = holder {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, holder, |l| {
                    fl!(l, "claimed-from-you", number = number.clone())
                })
                .await?;
            }
            tell_resident_handled(turn, &request).await?;
            fl!(l, "claimed")
        }
        requests::ClaimOutcome::Taken(request) => {
            show_pressed(turn, &request, message).await?;
            fl!(l, "claimed-by-another", number = request.number.to_string())
        }
        requests::ClaimOutcome::NotOffered => fl!(l, "not-yours"),
        requests::ClaimOutcome::Missing => fl!(l, "button-unknown"),
    })
}

async fn tell_resident_handled(turn: &mut Turn<'_>, request: &RequestView) -> anyhow::Result<()> {
    let role = request.assignee_role.unwrap_or(Role::Liaison);
    let number = request.number.to_string();
    notify::tell_followers(turn.app, &mut turn.tx, &mut turn.out, request).await?;
    notify::tell_resident(turn.app, &mut turn.tx, &mut turn.out, request, |l| {
        fl!(l, "resident-accepted", number = number.clone(), responder = render::role(l, role))
    })
    .await?;
    Ok(())
}

pub async fn accept(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::accept(&mut turn.tx, id, turn.person.id, &policy, now).await? {
        AcceptOutcome::Accepted(request) => {
            refresh_pressed(turn, &request, message).await?;
            tell_resident_handled(turn, &request).await?;
            fl!(l, "accepted")
        }
        AcceptOutcome::AlreadyAccepted(request) => {
            show_pressed(turn, &request, message).await?;
            fl!(l, "already-accepted")
        }
        AcceptOutcome::NoLongerOpen(request) => {
            show_pressed(turn, &request, message).await?;
            fl!(l, "no-longer-open", status = render::status(l, request.status))
        }
        AcceptOutcome::NotYours => fl!(l, "not-yours"),
        AcceptOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// Asks the assignee why they decline.
pub async fn decline_menu(turn: &mut Turn<'_>, id: RequestId) -> Answer {
    let l = turn.l();
    let Some(request) = turn.tx.request_view(id).await? else { return Ok(fl!(l, "button-unknown")) };
    if request.assignee != Some(turn.person.id) {
        return Ok(fl!(l, "not-yours"));
    }
    if !request.status.is_active() {
        return Ok(fl!(l, "no-longer-open", status = render::status(l, request.status)));
    }
    let buttons = DeclineReason::ALL
        .iter()
        .map(|reason| {
            let label = match reason {
                DeclineReason::NotMyBuilding => fl!(l, "decline-not-my-building"),
                DeclineReason::NotMyKind => fl!(l, "decline-not-my-kind"),
                DeclineReason::Away => fl!(l, "decline-away"),
                DeclineReason::Other => fl!(l, "decline-other"),
            };
            vec![Button::new(label, CallbackData::DeclineWith(id, *reason).encode())]
        })
        .collect();
    turn.reply(fl!(l, "ask-decline-reason", number = request.number.to_string()), Some(Keyboard::Inline(buttons)));
    Ok(String::new())
}

/// A reason was chosen: decline, or first ask for the reason in words.
pub async fn decline_with(
    turn: &mut Turn<'_>,
    id: RequestId,
    reason: DeclineReason,
    message: Option<(i64, MessageId)>,
) -> Answer {
    clear_buttons(turn, message);
    if reason == DeclineReason::Other {
        let dialogue = Dialogue::DeclineNote { request: id.0 };
        turn.set_dialogue(&dialogue)?;
        turn.prompt(&dialogue).await?;
        return Ok(String::new());
    }
    decline(turn, id, reason.as_str(), None).await
}

pub async fn decline(turn: &mut Turn<'_>, id: RequestId, reason: &str, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::decline(&mut turn.tx, id, turn.person.id, reason, &policy, now).await? {
        DeclineOutcome::Rerouted { request, assignment } => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            notify::tell_followers_passed(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            if let Some((chat, message_id)) = message {
                let text = fl!(l, "card-declined", number = request.number.to_string());
                turn.send(Outgoing::EditText { chat, message_id: message_id.0, text, buttons: Vec::new() });
            }
            if let Some(assignment) = assignment {
                notify::card(
                    turn.app,
                    &mut turn.tx,
                    &mut turn.out,
                    assignment.person,
                    &request,
                    CardFor::Assignee,
                    |_| None,
                )
                .await?;
            }
            fl!(l, "declined")
        }
        DeclineOutcome::NoLongerOpen(request) => {
            show_pressed(turn, &request, message).await?;
            fl!(l, "no-longer-open", status = render::status(l, request.status))
        }
        DeclineOutcome::NotYours => fl!(l, "not-yours"),
        DeclineOutcome::Missing => fl!(l, "button-unknown"),
    })
}

pub async fn take_over(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    // The assignee and everyone alerted before are told it is off their hands.
    let previous = requests::involved(&mut turn.tx, id).await?;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::take_over(&mut turn.tx, id, turn.person.id, &policy, now).await? {
        TakeOverOutcome::Taken(request) => {
            refresh_pressed(turn, &request, message).await?;
            for previous in previous.into_iter().filter(|p| *p != turn.person.id) {
                let number = request.number.to_string();
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, previous, |l| {
                    fl!(l, "taken-over-from-you", number = number.clone())
                })
                .await?;
            }
            tell_resident_handled(turn, &request).await?;
            fl!(l, "taken-over")
        }
        TakeOverOutcome::NoLongerOpen(request) => {
            show_pressed(turn, &request, message).await?;
            fl!(l, "no-longer-open", status = render::status(l, request.status))
        }
        TakeOverOutcome::NotAllowed => fl!(l, "not-yours"),
        TakeOverOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// Offers the responders the request can be reassigned to, as buttons.
pub async fn reassign_menu(turn: &mut Turn<'_>, id: RequestId) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let Some(options) = requests::reassign_options(&mut turn.tx, id, turn.person.id, now).await? else {
        return Ok(fl!(l, "not-yours"));
    };
    if options.is_empty() {
        return Ok(fl!(l, "reassign-nobody"));
    }
    let mut buttons = Vec::new();
    for option in options.into_iter().take(20) {
        let name = turn.tx.person(option.person).await?.map(|p| p.name).unwrap_or_default();
        let label = format!("{} · {} · {}", render::role(l, option.role), option.unit_name, name);
        buttons.push(vec![Button::new(label, CallbackData::ReassignTo(id, option.person).encode())]);
    }
    let number = turn.tx.request_view(id).await?.map(|r| r.number.to_string()).unwrap_or_default();
    turn.reply(fl!(l, "reassign-choose", number = number), Some(Keyboard::Inline(buttons)));
    Ok(String::new())
}

pub async fn reassign(turn: &mut Turn<'_>, id: RequestId, to: PersonId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::reassign(&mut turn.tx, id, turn.person.id, to, &policy, now).await? {
        ReassignOutcome::Reassigned { request, to } => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            notify::tell_followers_passed(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            clear_buttons(turn, message);
            notify::card(turn.app, &mut turn.tx, &mut turn.out, to, &request, CardFor::Assignee, |l| {
                Some(fl!(l, "reassigned-to-you"))
            })
            .await?;
            fl!(l, "reassigned")
        }
        ReassignOutcome::NoLongerOpen(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        ReassignOutcome::NotAllowed => fl!(l, "not-yours"),
        ReassignOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// The assignee starts resolving: a note of what was done is asked first.
pub async fn resolve_start(turn: &mut Turn<'_>, id: RequestId) -> Answer {
    let l = turn.l();
    let Some(request) = turn.tx.request_view(id).await? else { return Ok(fl!(l, "button-unknown")) };
    if request.assignee != Some(turn.person.id) {
        return Ok(fl!(l, "not-yours"));
    }
    if request.status != crate::domain::Status::Accepted {
        return Ok(fl!(l, "no-longer-open", status = render::status(l, request.status)));
    }
    let dialogue = Dialogue::ResolveNote { request: id.0 };
    turn.set_dialogue(&dialogue)?;
    turn.prompt(&dialogue).await?;
    Ok(String::new())
}

/// The note arrived: the request is resolved and the resident asked whether
/// it is fixed.
pub async fn resolve(turn: &mut Turn<'_>, id: RequestId, note: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let now = turn.now;
    turn.end_dialogue();
    match requests::resolve(&mut turn.tx, id, turn.person.id, note, now).await? {
        StepOutcome::Done(request) => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            // The reporter and every follower are asked.
            notify::ask_fixed(turn.app, &mut turn.tx, &mut turn.out, &request, note).await?;
            turn.say(fl!(l, "resolved", number = request.number.to_string()));
        }
        StepOutcome::NoLongerApplies(request) => {
            turn.say(fl!(l, "no-longer-open", status = render::status(l, request.status)));
        }
        StepOutcome::NotYours => turn.say(fl!(l, "not-yours")),
        StepOutcome::Missing => turn.say(fl!(l, "button-unknown")),
    }
    Ok(())
}

/// After a button was pressed on one of them: shows the request as it is
/// now on every card of it, the pressed message once.
async fn refresh_pressed(
    turn: &mut Turn<'_>,
    request: &RequestView,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<()> {
    cards::refresh_others(turn.app, &mut turn.tx, &mut turn.out, request, message).await?;
    show_pressed(turn, request, message).await
}

/// Shows the request as it is now on the message a button was pressed on.
async fn show_pressed(
    turn: &mut Turn<'_>,
    request: &RequestView,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<()> {
    let Some((chat, id)) = message else { return Ok(()) };
    let standing = crate::app::cards::standing(&mut turn.tx, request, turn.person.id, turn.now).await?;
    let (text, buttons) = cards::view(turn.l(), request, standing);
    turn.send(Outgoing::EditText { chat, message_id: id.0, text, buttons });
    Ok(())
}
