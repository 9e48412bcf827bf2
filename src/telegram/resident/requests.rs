//! A resident's requests after they are sent: `/my`, withdrawing one,
//! answering "is it fixed?", saying what is still wrong, rating.

use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::requests::{self, StepOutcome};
use crate::domain::RequestId;
use crate::store::RequestView;
use crate::telegram::callback::CallbackData;
use crate::telegram::dates;
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, clear_buttons};
use crate::telegram::notify;
use crate::telegram::render::{self, CardFor};
use crate::telegram::responder::cards;

type Answer = anyhow::Result<String>;

/// `/my`: the sender's latest requests and those they follow, with buttons
/// for their own open ones (a followed request is someone else's to add to
/// or withdraw).
pub async fn my(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    let requests = turn.tx.requests_of_resident(turn.person.id, 10).await?;
    if requests.is_empty() {
        turn.say(fl!(l, "my-none"));
        return Ok(());
    }
    let mut text = fl!(l, "my-header");
    let mut buttons = Vec::new();
    for request in requests {
        if request.status.is_active() && !request.following {
            let number = request.number.to_string();
            buttons.push(vec![
                Button::new(
                    fl!(l, "button-add-info", number = number.clone()),
                    CallbackData::Talk(request.id).encode(),
                ),
                Button::new(
                    fl!(l, "button-cancel-request", number = number),
                    CallbackData::CancelRequest(request.id).encode(),
                ),
            ]);
        }
        let created = crate::store::from_millis(request.created_at);
        let status = match request.merged_into {
            Some(into) => fl!(l, "my-merged-into", into = into.to_string()),
            None => render::status(l, request.status),
        };
        let line = fl!(
            l,
            "my-line",
            number = request.number.to_string(),
            category = render::category(l, request.category),
            status = status,
            date = dates::moment(l, created, turn.now, turn.app.config.timezone)
        );
        text.push('\n');
        if request.following {
            text.push_str(&fl!(l, "my-line-following", line = line));
        } else {
            text.push_str(&line);
        }
    }
    let keyboard = (!buttons.is_empty()).then_some(Keyboard::Inline(buttons));
    turn.reply(text, keyboard);
    Ok(())
}

/// The resident withdraws a request; everyone it was given to is told.
pub async fn cancel(turn: &mut Turn<'_>, id: RequestId, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    let involved = requests::involved(&mut turn.tx, id).await?;
    Ok(match requests::cancel(&mut turn.tx, id, turn.person.id, now).await? {
        StepOutcome::Done(request) => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            clear_buttons(turn, message);
            let number = request.number.to_string();
            for person in involved {
                notify::tell(turn.app, &mut turn.tx, &mut turn.out, person, |l| {
                    fl!(l, "request-cancelled-by-resident", number = number.clone())
                })
                .await?;
            }
            notify::tell_followers(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            turn.say(fl!(l, "request-cancelled", number = number));
            fl!(l, "cancelled")
        }
        StepOutcome::NoLongerApplies(request) => fl!(l, "no-longer-open", status = render::status(l, request.status)),
        StepOutcome::NotYours | StepOutcome::Missing => fl!(l, "button-unknown"),
    })
}

/// The resident answers "is it fixed?": yes asks for a rating, no asks
/// what is still wrong.
pub async fn fixed(turn: &mut Turn<'_>, id: RequestId, fixed: bool, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    if !fixed {
        let Some(request) = turn.tx.request_view(id).await? else { return Ok(fl!(l, "button-unknown")) };
        if request.resident != Some(turn.person.id) && !turn.tx.is_follower(id, turn.person.id).await? {
            return Ok(fl!(l, "button-unknown"));
        }
        if !matches!(request.status, crate::domain::Status::Resolved | crate::domain::Status::Closed) {
            return Ok(fl!(l, "no-longer-open", status = render::status(l, request.status)));
        }
        clear_buttons(turn, message);
        let dialogue = Dialogue::ReopenReason { request: id.0 };
        turn.set_dialogue(&dialogue)?;
        turn.prompt(&dialogue).await?;
        return Ok(String::new());
    }
    let now = turn.now;
    let policy = turn.app.policy(&mut turn.tx).await?;
    let was = turn.tx.request_view(id).await?.map(|r| r.status);
    Ok(match crate::app::followers::confirm(&mut turn.tx, id, turn.person.id, true, "", &policy, now).await? {
        // The answer to the follow-up of a closed request: nothing changes.
        StepOutcome::Done(_) if was == Some(crate::domain::Status::Closed) => {
            clear_buttons(turn, message);
            fl!(l, "thanks")
        }
        StepOutcome::Done(request) => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            clear_buttons(turn, message);
            let stars = (1..=5u8)
                .map(|n| Button::new("⭐".repeat(usize::from(n)), CallbackData::Rate(id, n).encode()))
                .collect::<Vec<_>>();
            let rows = vec![stars[..3].to_vec(), stars[3..].to_vec()];
            turn.reply(fl!(l, "ask-rating", number = request.number.to_string()), Some(Keyboard::Inline(rows)));
            // A follower's yes changes nothing for the responder; the
            // reporter's closes the request, which its followers hear.
            let reporter = request.resident == Some(turn.person.id);
            if reporter {
                notify::tell_followers(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            }
            if let Some(assignee) = request.assignee.filter(|_| reporter) {
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
    match crate::app::followers::confirm(&mut turn.tx, id, turn.person.id, false, reason, &policy, now).await? {
        StepOutcome::Done(request) => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            tell_reopened(turn, &request).await?;
            if let Some(assignee) = request.assignee {
                let reason = reason.to_string();
                let by_follower = request.resident != Some(turn.person.id);
                notify::card(turn.app, &mut turn.tx, &mut turn.out, assignee, &request, CardFor::Assignee, |l| {
                    Some(if by_follower {
                        fl!(l, "reopened-heading-follower", reason = reason.clone())
                    } else {
                        fl!(l, "reopened-heading", reason = reason.clone())
                    })
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

/// Tells the reporter and the followers of a request the one who answered
/// just reopened, each but that one: a follower's "not fixed" reopens the
/// reporter's request too.
async fn tell_reopened(turn: &mut Turn<'_>, request: &RequestView) -> anyhow::Result<()> {
    let number = request.number.to_string();
    for person in crate::app::followers::audience(&mut turn.tx, request).await? {
        if person == turn.person.id {
            continue;
        }
        let reporter = request.resident == Some(person);
        notify::tell(turn.app, &mut turn.tx, &mut turn.out, person, |l| {
            if reporter {
                fl!(l, "reopened-by-follower", number = number.clone())
            } else {
                fl!(l, "follower-status", number = number.clone(), status = render::status(l, request.status))
            }
        })
        .await?;
    }
    Ok(())
}

pub async fn rate(turn: &mut Turn<'_>, id: RequestId, stars: u8, message: Option<(i64, MessageId)>) -> Answer {
    let l = turn.l();
    let now = turn.now;
    Ok(match crate::app::followers::rate(&mut turn.tx, id, turn.person.id, stars, now).await? {
        StepOutcome::Done(request) => {
            cards::refresh(turn.app, &mut turn.tx, &mut turn.out, &request).await?;
            clear_buttons(turn, message);
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
