//! `/new`: a resident's report, composed step by step (category, words and
//! attachments, urgency, confirmation) and then sent.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use i18n_embed::fluent::FluentLanguageLoader;
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::requests::{self, SubmitRefusal};
use crate::domain::{Attachment, Description};
use crate::store::from_millis;
use crate::telegram::callback::{CallbackData, Field, Step};
use crate::telegram::dates;
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::{Dialogue, Draft, ReportStep, Stepped, clear_buttons};
use crate::telegram::notify;
use crate::telegram::render::{self, CardFor};

/// `/new`: starts a report, if the sender may send one.
pub async fn start(turn: &mut Turn<'_>) -> anyhow::Result<()> {
    let l = turn.l();
    match requests::may_report(&mut turn.tx, turn.person.id).await? {
        Ok(_) => {}
        Err(SubmitRefusal::NotRegistered) => {
            turn.say(fl!(l, "register-first"));
            turn.set_dialogue(&Dialogue::RegBuilding)?;
            return turn.prompt(&Dialogue::RegBuilding).await;
        }
        Err(SubmitRefusal::TooManyOpen { max }) => {
            turn.say(fl!(l, "too-many-open", max = max));
            return Ok(());
        }
    }
    let dialogue = Dialogue::Report { draft: Draft::default() };
    turn.set_dialogue(&dialogue)?;
    turn.prompt(&dialogue).await
}

/// Words or an attachment sent while the description is asked for.
pub async fn add_to_description(
    turn: &mut Turn<'_>,
    draft: &mut Draft,
    words: &str,
    attachment: Option<Attachment>,
) -> anyhow::Result<()> {
    let l = turn.l();
    if attachment.is_none() && words.is_empty() {
        turn.say(fl!(l, "description-unsupported"));
        return Ok(());
    }
    let mut text = draft.text.clone();
    if !words.is_empty() {
        if !text.is_empty() {
            text.push('\n');
        }
        text.push_str(words);
    }
    if Description::parse(&text).is_err() {
        turn.say(fl!(l, "description-too-long", max = Description::MAX_CHARS));
        return Ok(());
    }
    if draft.attachments.len() >= 10 && attachment.is_some() {
        turn.say(fl!(l, "too-many-attachments", max = "10"));
        return Ok(());
    }
    draft.text = text;
    draft.attachments.extend(attachment);
    turn.set_dialogue(&Dialogue::Report { draft: draft.clone() })?;
    let done = Button::new(fl!(l, "button-done"), CallbackData::Step(Step::DescriptionDone).encode());
    turn.reply(fl!(l, "description-added"), Some(Keyboard::Inline(vec![vec![done]])));
    Ok(())
}

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
    if let Some(assignee) = submitted.request.assignee {
        notify::card(turn.app, &mut turn.tx, &mut turn.out, assignee, &submitted.request, CardFor::Assignee, |_| None)
            .await?;
    }
    crate::telegram::escalation::deliver(turn.app, &mut turn.tx, &mut turn.out, submitted.alerts).await?;
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

/// A button of the report being composed, if the draft is at the step that
/// asked it.
pub async fn step(
    turn: &mut Turn<'_>,
    mut draft: Draft,
    step: Step,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Stepped> {
    let l = turn.l();
    Ok(match (draft.step(), step) {
        (ReportStep::Category, Step::Category(category)) => {
            draft.category = Some(category);
            Stepped::Next(Dialogue::Report { draft })
        }
        (ReportStep::Description, Step::DescriptionDone) => {
            if !draft.has_description() {
                return Ok(Stepped::Answered(Some(fl!(l, "description-empty"))));
            }
            draft.description_done = true;
            Stepped::Next(Dialogue::Report { draft })
        }
        (ReportStep::Urgency, Step::Urgency(urgency)) => {
            draft.urgency = Some(urgency);
            if urgency == crate::domain::Urgency::Emergency {
                turn.say(fl!(l, "emergency-numbers"));
            }
            Stepped::Next(Dialogue::Report { draft })
        }
        (ReportStep::Confirm, Step::Confirm) => {
            clear_buttons(turn, message);
            submit(turn, &draft).await?;
            return Ok(Stepped::Answered(None));
        }
        (ReportStep::Confirm, Step::Edit) => {
            draft.editing = true;
            Stepped::Next(Dialogue::Report { draft })
        }
        (ReportStep::Confirm | ReportStep::EditChoice, Step::Abort) => {
            clear_buttons(turn, message);
            turn.end_dialogue();
            turn.say(fl!(l, "report-abandoned"));
            return Ok(Stepped::Answered(None));
        }
        (ReportStep::EditChoice, Step::EditField(field)) => {
            draft.editing = false;
            match field {
                Field::Category => draft.category = None,
                Field::Description => {
                    draft.text.clear();
                    draft.attachments.clear();
                    draft.description_done = false;
                }
                Field::Urgency => draft.urgency = None,
            }
            Stepped::Next(Dialogue::Report { draft })
        }
        _ => Stepped::Stale,
    })
}
