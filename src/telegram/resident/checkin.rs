//! Daily check-ins from the resident's side: `/checkin` (its state, the
//! hour, pause and off), "I'm fine" and anything written that checks in,
//! the answer to a liaison's proposal, and `/family` with its link; and
//! from a relative's: opening that link, "I spoke to them".

use chrono::{Duration, NaiveDate, NaiveTime};
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::checkins::{self, CheckinRefusal};
use crate::domain::PersonId;
use crate::domain::checkin::Enrolment;
use crate::telegram::callback::{CallbackData, CheckinButton};
use crate::telegram::checkin::deliver;
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::clear_buttons;
use crate::telegram::notify::tell;

/// The hours a resident may choose with a button.
const HOURS: [u8; 6] = [7, 8, 9, 10, 11, 12];

fn hour_text(hour: NaiveTime) -> String {
    hour.format("%H:%M").to_string()
}

fn hour_buttons() -> Vec<Vec<Button>> {
    vec![
        HOURS
            .iter()
            .map(|h| Button::new(format!("{h:02}:00"), CallbackData::Checkin(CheckinButton::Hour(*h)).encode()))
            .collect(),
    ]
}

/// `/checkin [pause N | pause DATE | off | propose ROOM HOUR]`.
pub async fn command(turn: &mut Turn<'_>, args: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let words: Vec<&str> = args.split_whitespace().collect();
    let (now, timezone) = (turn.now, turn.app.config.timezone);
    let person = turn.person.id;
    match words.as_slice() {
        [] => {
            let text = match turn.tx.enrolment(person).await? {
                None => fl!(l, "checkin-state-none"),
                Some(Enrolment::On { hour }) => fl!(l, "checkin-state-on", time = hour_text(hour)),
                Some(Enrolment::Paused { hour, until }) => {
                    fl!(l, "checkin-state-paused", time = hour_text(hour), until = until.to_string())
                }
                Some(Enrolment::Off) => fl!(l, "checkin-state-off"),
            };
            if turn.tx.resident(person).await?.is_none() {
                turn.say(fl!(l, "checkin-not-resident"));
            } else {
                turn.reply(text, Some(Keyboard::Inline(hour_buttons())));
            }
        }
        ["off"] => {
            let done = checkins::turn_off(&mut turn.tx, person, now, timezone).await?;
            say_done(turn, done);
        }
        ["pause", when] => {
            let today = crate::app::care::local_date(now, timezone);
            let until = match when.parse::<i64>() {
                Ok(days) if (1..=366).contains(&days) => Some(today + Duration::days(days - 1)),
                Ok(_) => None,
                Err(_) => NaiveDate::parse_from_str(when, "%Y-%m-%d").ok(),
            };
            let done = match until {
                Some(until) => checkins::pause(&mut turn.tx, person, until, now, timezone).await?,
                None => Err(CheckinRefusal::BadPause),
            };
            say_done(turn, done);
        }
        ["propose", room, hour] => crate::telegram::responder::checkin::propose(turn, room, hour).await?,
        ["propose", ..] => turn.say(fl!(l, "checkin-propose-usage")),
        _ => turn.say(fl!(l, "checkin-bad-pause")),
    }
    Ok(())
}

fn say_done(turn: &mut Turn<'_>, done: Result<Enrolment, CheckinRefusal>) {
    let l = turn.l();
    turn.say(match done {
        Ok(Enrolment::On { hour }) => fl!(l, "checkin-on", time = hour_text(hour)),
        Ok(Enrolment::Paused { until, .. }) => fl!(l, "checkin-paused", until = until.to_string()),
        Ok(Enrolment::Off) => fl!(l, "checkin-off"),
        Err(CheckinRefusal::NotAResident) => fl!(l, "checkin-not-resident"),
        Err(CheckinRefusal::NotOn) => fl!(l, "checkin-not-on"),
        Err(CheckinRefusal::BadPause) => fl!(l, "checkin-bad-pause"),
    });
}

/// A check-in button of the resident's or a relative's.
pub async fn button(
    turn: &mut Turn<'_>,
    button: CheckinButton,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    let (now, timezone) = (turn.now, turn.app.config.timezone);
    let person = turn.person.id;
    let l = turn.l();
    match button {
        CheckinButton::Hour(hour) => {
            let Some(hour) = NaiveTime::from_hms_opt(u32::from(hour), 0, 0) else { return Ok(None) };
            clear_buttons(turn, message);
            let done = checkins::turn_on(&mut turn.tx, person, hour, now, timezone).await?;
            say_done(turn, done);
            Ok(None)
        }
        CheckinButton::Fine => {
            clear_buttons(turn, message);
            Ok(Some(check_in(turn).await?.unwrap_or_else(|| fl!(l, "checkin-nothing"))))
        }
        CheckinButton::Proposal(accepted) => {
            clear_buttons(turn, message);
            match checkins::answer_proposal(&mut turn.tx, person, accepted, now, timezone).await? {
                None => Ok(Some(fl!(l, "checkin-proposal-gone"))),
                Some(_) if !accepted => {
                    turn.say(fl!(l, "checkin-declined"));
                    Ok(None)
                }
                Some(enrolment) => {
                    say_done(turn, Ok(enrolment));
                    Ok(None)
                }
            }
        }
        CheckinButton::Spoke(resident) => {
            match checkins::check_in_for(&mut turn.tx, person, PersonId(resident), now).await? {
                Some(done) => {
                    clear_buttons(turn, message);
                    deliver(turn.app, &mut turn.tx, &mut turn.out, done.all_clear).await?;
                    turn.say(fl!(l, "checkin-spoke-done"));
                    Ok(None)
                }
                None => Ok(Some(fl!(l, "checkin-stale"))),
            }
        }
        CheckinButton::Door(day, door) => crate::telegram::responder::checkin::door(turn, day, door, message).await,
    }
}

/// Checks the sender in for the day waiting for them, telling everyone
/// alerted "all clear"; the thanks to say, or `None` when nothing waited.
async fn check_in(turn: &mut Turn<'_>) -> anyhow::Result<Option<String>> {
    let person = turn.person.id;
    let Some(done) = checkins::check_in(&mut turn.tx, person, person, turn.now).await? else { return Ok(None) };
    deliver(turn.app, &mut turn.tx, &mut turn.out, done.all_clear).await?;
    Ok(Some(fl!(turn.l(), "checkin-thanks")))
}

/// Anything the resident sends checks them in when a day waits for them;
/// says thanks and returns whether it did.
pub async fn any_message(turn: &mut Turn<'_>) -> anyhow::Result<bool> {
    match check_in(turn).await? {
        Some(thanks) => {
            turn.say(thanks);
            Ok(true)
        }
        None => Ok(false),
    }
}

/// `/family`: a single-use link for one relative.
pub async fn family(turn: &mut Turn<'_>, bot_username: &str) -> anyhow::Result<()> {
    let l = turn.l();
    if turn.tx.resident(turn.person.id).await?.is_none() {
        turn.say(fl!(l, "checkin-not-resident"));
        return Ok(());
    }
    let token = uuid::Uuid::new_v4().simple().to_string();
    checkins::family_link(&mut turn.tx, turn.person.id, &token, turn.now).await?;
    turn.say(fl!(l, "family-link", link = format!("https://t.me/{bot_username}?start=f_{token}")));
    Ok(())
}

/// A relative opened a `/family` link (`/start f_<token>`).
pub async fn family_start(turn: &mut Turn<'_>, token: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let relative = turn.person.id;
    match checkins::link_family(&mut turn.tx, token, relative, turn.now).await? {
        Some(resident) => {
            let name = turn.tx.person(resident).await?.map(|p| p.name).unwrap_or_default();
            turn.say(fl!(l, "family-linked", name = name));
            let relative_name = turn.person.name.clone();
            tell(turn.app, &mut turn.tx, &mut turn.out, resident, |l| {
                fl!(l, "family-linked-resident", name = relative_name.clone())
            })
            .await?;
        }
        None => turn.say(fl!(l, "family-link-invalid")),
    }
    Ok(())
}
