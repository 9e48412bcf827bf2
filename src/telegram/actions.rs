//! What responders and residents do to a request: submit it, accept,
//! decline, take over, reassign. Each is a use case call, a reply to the
//! actor and messages to the others involved.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use super::callback::{CallbackData, DeclineReason};
use super::dates;
use super::dialogue::{Dialogue, Draft};
use super::notify::{self, CardFor};
use super::outgoing::{Button, Keyboard, Outgoing};
use super::render;
use super::turn::Turn;
use crate::app::requests::{
    self, AcceptOutcome, DeclineOutcome, ReassignOutcome, StepOutcome, SubmitRefusal, TakeOverOutcome,
};
use crate::domain::{Description, PersonId, RequestId, Role};
use crate::store::{RequestView, from_millis};

type Answer = anyhow::Result<String>;

/// Sends the composed report, tells the resident what happens next and
/// sends the card to whoever routing chose.
pub async fn submit(turn: &mut Turn<'_>, draft: &Draft) -> anyhow::Result<()> {
    let l = turn.l();
    let (Some(category), Some(urgency)) = (draft.category, draft.urgency) else { return Ok(()) };
    let Ok(description) = Description::parse(&draft.text) else {
        turn.say(fl!(l, "description-too-long", max = Description::MAX_CHARS));
        return Ok(());
    };
    let complete = requests::Draft { category, urgency, description, attachments: draft.attachments.clone() };
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    let outcome = requests::submit(&mut turn.tx, turn.person.id, &complete, &policy, now).await?;
    turn.end_dialogue();
    let submitted = match outcome {
        Ok(submitted) => submitted,
        Err(SubmitRefusal::NotRegistered) => {
            turn.say(fl!(l, "register-first"));
            return Ok(());
        }
        Err(SubmitRefusal::TooManyOpen { max }) => {
            turn.say(fl!(l, "too-many-open", max = max));
            return Ok(());
        }
    };
    turn.say(received(l, &submitted, now, turn.app.config.timezone));
    dispatch(turn, &submitted).await
}

/// Sends a new request's card to whoever routing chose, the alerts it
/// caused, and its offer to the volunteers.
pub async fn dispatch(turn: &mut Turn<'_>, submitted: &requests::Submitted) -> anyhow::Result<()> {
    let now = turn.now;
    if let Some(assignee) = submitted.request.assignee {
        notify::card(turn.app, &mut turn.tx, &mut turn.out, assignee, &submitted.request, CardFor::Assignee, |_| None)
            .await?;
    }
    notify::deliver(turn.app, &mut turn.tx, &mut turn.out, submitted.alerts.clone()).await?;
    for volunteer in requests::offer_to_volunteers(&mut turn.tx, &submitted.request, now).await? {
        if Some(volunteer) != submitted.request.assignee {
            notify::card(
                turn.app,
                &mut turn.tx,
                &mut turn.out,
                volunteer,
                &submitted.request,
                CardFor::Volunteer,
                |l| Some(fl!(l, "volunteer-offer")),
            )
            .await?;
        }
    }
    Ok(())
}

/// What the resident is told of a request just received: the deadline its
/// clock was given (which, out of service hours, counts from the opening),
/// or when it will be looked at if nobody could take it.
fn received(l: &FluentLanguageLoader, submitted: &requests::Submitted, now: DateTime<Utc>, timezone: Tz) -> String {
    let request = &submitted.request;
    let number = request.number.to_string();
    let deadline = request.accept_due_at.map(from_millis);
    match (request.assignee_role, deadline) {
        (Some(role), Some(deadline)) => {
            let responder = render::role(l, role);
            let deadline = dates::moment(l, deadline, now, timezone);
            if submitted.looked_at_from.is_some() {
                fl!(l, "report-received-closed", number = number, responder = responder, deadline = deadline)
            } else {
                fl!(l, "report-received", number = number, responder = responder, deadline = deadline)
            }
        }
        _ => {
            let mut text = fl!(l, "report-received-unassigned", number = number);
            if let Some(from) = submitted.looked_at_from {
                text.push('\n');
                text.push_str(&fl!(l, "looked-at-from", at = dates::moment(l, from, now, timezone)));
            }
            text
        }
    }
}

/// A volunteer claims a request from the pool: the first tap wins; the
/// others learn it was taken.
pub async fn claim(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    Ok(match requests::claim(&mut turn.tx, id, turn.person.id, &policy, now).await? {
        requests::ClaimOutcome::Claimed { request, others, holder } => {
            super::cards::refresh_pressed(turn, &request, message).await?;
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
            super::cards::show_pressed(turn, &request, message).await?;
            fl!(l, "claimed-by-another", number = request.number.to_string())
        }
        requests::ClaimOutcome::NotOffered => fl!(l, "not-yours"),
        requests::ClaimOutcome::Missing => fl!(l, "button-unknown"),
    })
}

async fn tell_resident_handled(turn: &mut Turn<'_>, request: &RequestView) -> anyhow::Result<()> {
    let role = request.assignee_role.unwrap_or(Role::Liaison);
    let number = request.number.to_string();
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
            super::cards::refresh_pressed(turn, &request, message).await?;
            tell_resident_handled(turn, &request).await?;
            fl!(l, "accepted")
        }
        AcceptOutcome::AlreadyAccepted(request) => {
            super::cards::show_pressed(turn, &request, message).await?;
            fl!(l, "already-accepted")
        }
        AcceptOutcome::NoLongerOpen(request) => {
            super::cards::show_pressed(turn, &request, message).await?;
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
    super::handlers::clear_buttons(turn, message);
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
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
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
            super::cards::show_pressed(turn, &request, message).await?;
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
            super::cards::refresh_pressed(turn, &request, message).await?;
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
            super::cards::show_pressed(turn, &request, message).await?;
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
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            super::handlers::clear_buttons(turn, message);
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

/// The resident withdraws a request; everyone it was given to is told.
pub async fn cancel(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let involved = requests::involved(&mut turn.tx, id).await?;
    Ok(match requests::cancel(&mut turn.tx, id, turn.person.id, now).await? {
        StepOutcome::Done(request) => {
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            super::handlers::clear_buttons(turn, message);
            let number = request.number.to_string();
            for person in involved {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, person, |l| {
                    fl!(l, "request-cancelled-by-resident", number = number.clone())
                })
                .await?;
            }
            turn.say(fl!(l, "request-cancelled", number = number));
            fl!(l, "cancelled")
        }
        StepOutcome::NoLongerApplies(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        StepOutcome::NotYours | StepOutcome::Missing => fl!(l, "button-unknown"),
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
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            let number = request.number.to_string();
            let note = note.to_string();
            if let Some(resident) = request.resident {
                let yes = Button::new(String::new(), CallbackData::Fixed(id, true).encode());
                let no = Button::new(String::new(), CallbackData::Fixed(id, false).encode());
                notify::ask(turn.app, &mut turn.tx, &mut turn.out, resident, |l| {
                    let text = fl!(l, "ask-fixed", number = number.clone(), note = note.clone());
                    let buttons = vec![vec![
                        Button { text: fl!(l, "button-fixed-yes"), ..yes.clone() },
                        Button { text: fl!(l, "button-fixed-no"), ..no.clone() },
                    ]];
                    (text, buttons)
                })
                .await?;
            }
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

/// The resident answers "is it fixed?": yes asks for a rating, no asks
/// what is still wrong.
pub async fn fixed(turn: &mut Turn<'_>, id: RequestId, fixed: bool, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    if !fixed {
        let Some(request) = turn.tx.request_view(id).await? else { return Ok(fl!(l, "button-unknown")) };
        if request.resident != Some(turn.person.id) {
            return Ok(fl!(l, "button-unknown"));
        }
        if !matches!(request.status, crate::domain::Status::Resolved | crate::domain::Status::Closed) {
            return Ok(fl!(l, "no-longer-open", status = render::status(l, request.status)));
        }
        super::handlers::clear_buttons(turn, message);
        let dialogue = Dialogue::ReopenReason { request: id.0 };
        turn.set_dialogue(&dialogue)?;
        turn.prompt(&dialogue).await?;
        return Ok(String::new());
    }
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    let was = turn.tx.request_view(id).await?.map(|r| r.status);
    Ok(match requests::confirm(&mut turn.tx, id, turn.person.id, true, "", &policy, now).await? {
        // The answer to the follow-up of a closed request: nothing changes.
        StepOutcome::Done(_) if was == Some(crate::domain::Status::Closed) => {
            super::handlers::clear_buttons(turn, message);
            fl!(l, "thanks")
        }
        StepOutcome::Done(request) => {
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            super::handlers::clear_buttons(turn, message);
            let stars = (1..=5u8)
                .map(|n| Button::new("⭐".repeat(usize::from(n)), CallbackData::Rate(id, n).encode()))
                .collect::<Vec<_>>();
            let rows = vec![stars[..3].to_vec(), stars[3..].to_vec()];
            turn.reply(fl!(l, "ask-rating", number = request.number.to_string()), Some(Keyboard::Inline(rows)));
            if let Some(assignee) = request.assignee {
                let number = request.number.to_string();
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, assignee, |l| {
                    fl!(l, "resident-confirmed", number = number.clone())
                })
                .await?;
            }
            fl!(l, "thanks")
        }
        StepOutcome::NoLongerApplies(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        StepOutcome::NotYours | StepOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// The resident said what is still wrong: the request goes back to its
/// responder.
pub async fn reopen(turn: &mut Turn<'_>, id: RequestId, reason: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let now = turn.now;
    turn.end_dialogue();
    let policy = turn.app.policy(&mut turn.tx).await?;
    match requests::confirm(&mut turn.tx, id, turn.person.id, false, reason, &policy, now).await? {
        StepOutcome::Done(request) => {
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            if let Some(assignee) = request.assignee {
                let reason = reason.to_string();
                notify::card(turn.app, &mut turn.tx, &mut turn.out, assignee, &request, CardFor::Assignee, |l| {
                    Some(fl!(l, "reopened-heading", reason = reason.clone()))
                })
                .await?;
            }
            turn.say(fl!(l, "reopened", number = request.number.to_string()));
        }
        StepOutcome::NoLongerApplies(request) => {
            turn.say(fl!(l, "no-longer-open", status = render::status(l, request.status)));
        }
        StepOutcome::NotYours | StepOutcome::Missing => turn.say(fl!(l, "button-unknown")),
    }
    Ok(())
}

pub async fn rate(turn: &mut Turn<'_>, id: RequestId, stars: u8, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    Ok(match requests::rate(&mut turn.tx, id, turn.person.id, stars, now).await? {
        StepOutcome::Done(request) => {
            super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            super::handlers::clear_buttons(turn, message);
            if let Some(assignee) = request.assignee {
                let number = request.number.to_string();
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, assignee, |l| {
                    fl!(l, "resident-rated", number = number.clone(), stars = stars)
                })
                .await?;
            }
            turn.say(fl!(l, "rated"));
            fl!(l, "thanks")
        }
        StepOutcome::NoLongerApplies(_) => fl!(l, "already-rated"),
        StepOutcome::NotYours | StepOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// `/tasks`: the requests I hold, overdue first, each as its card.
pub async fn tasks(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let now = turn.now;
    let tasks = requests::tasks_of(&mut turn.tx, turn.person.id, now).await?;
    if tasks.is_empty() {
        turn.say(fl!(l, "tasks-none"));
        return Ok(());
    }
    turn.say(fl!(l, "tasks-header", count = tasks.len()));
    // Each is a card like the one first sent, and is kept true like it.
    for request in tasks.iter().take(20) {
        let (text, buttons) = super::cards::view(l, request, crate::app::cards::Standing::Holder);
        turn.send(Outgoing::Card { chat: turn.chat, request: request.id.0, text, buttons });
    }
    Ok(())
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

/// `/away`, `/away 3` (days) or `/away 2026-12-01` (until the end of that
/// day): new requests pass the responder by and waiting ones go to cover.
pub async fn away(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    if !turn.tx.roles_of(turn.person.id).await?.iter().any(|r| r.role.routing_rank().is_some()) {
        turn.say(fl!(l, "responders-only"));
        return Ok(());
    }
    let now = turn.now;
    let timezone = turn.app.config.timezone;
    let args = args.trim();
    let until = if args.is_empty() {
        Some(now + chrono::Duration::days(365))
    } else if let Ok(days) = args.trim_end_matches(['d', 'D']).parse::<i64>() {
        (1..=365).contains(&days).then(|| now + chrono::Duration::days(days))
    } else if let Ok(date) = chrono::NaiveDate::parse_from_str(args, "%Y-%m-%d") {
        use chrono::TimeZone;
        date.succ_opt()
            .and_then(|next| timezone.from_local_datetime(&next.and_time(chrono::NaiveTime::MIN)).earliest())
            .map(|at| at.with_timezone(&chrono::Utc))
            .filter(|at| *at > now)
    } else {
        None
    };
    let Some(until) = until else {
        turn.say(fl!(l, "away-usage"));
        return Ok(());
    };
    let policy = turn.app.policy(&mut turn.tx).await?;
    let moved = requests::go_away(&mut turn.tx, turn.person.id, until, &policy, now).await?;
    for (request, assignment) in &moved {
        super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, request).await?;
        if let Some(next) = assignment {
            notify::card(turn.app, &mut turn.tx, &mut turn.out, next.person, request, CardFor::Assignee, |_| None)
                .await?;
        }
    }
    let until = dates::moment(l, until, now, timezone);
    turn.say(fl!(l, "away-set", until = until, moved = moved.len()));
    Ok(())
}

pub async fn back(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    turn.tx.set_away(turn.person.id, None).await?;
    turn.say(fl!(l, "back-set"));
    route_waiting(turn, turn.person.id).await
}

/// `person` has just become available to take requests: the requests nobody
/// could take under their units go to the first available responder of each
/// chain, who gets the card, and every card of it shown before (the
/// office's first alert among them) says who has it now.
pub async fn route_waiting(turn: &mut Turn<'_>, person: PersonId) -> anyhow::Result<()> {
    let policy = turn.app.policy(&mut turn.tx).await?;
    for (request, assignment) in requests::route_waiting(&mut turn.tx, person, &policy, turn.now).await? {
        super::cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
        notify::card(turn.app, &mut turn.tx, &mut turn.out, assignment.person, &request, CardFor::Assignee, |_| None)
            .await?;
    }
    Ok(())
}
