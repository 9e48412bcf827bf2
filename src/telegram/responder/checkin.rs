//! Daily check-ins from the liaison's side: the steps at a resident's door
//! after a missed check-in, and proposing check-ins to a resident
//! (`/checkin propose ROOM HOUR`, or a household's button in `/building`).

use chrono::NaiveTime;
use i18n_embed_fl::fl;
use teloxide::types::MessageId;

use crate::app::admin::Authority;
use crate::app::care::CareReach;
use crate::app::checkins::{self, Door, DoorDone};
use crate::domain::{Description, PersonId, TelegramId};
use crate::telegram::callback::{CallbackData, CheckinButton};
use crate::telegram::checkin::{deliver, door as door_data, outcome_name, place};
use crate::telegram::delivery::outgoing::{Button, Keyboard};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::clear_buttons;
use crate::telegram::notify::ask;

/// A step at the door: going, then what was found.
pub async fn door(
    turn: &mut Turn<'_>,
    day: i64,
    step: Door,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    let l = turn.l();
    let policy = turn.app.policy(&mut turn.tx).await?;
    let help = Description::parse(&fl!(l, "checkin-help-description"))?;
    let (responder, now) = (turn.person.id, turn.now);
    let done = checkins::at_the_door(&mut turn.tx, responder, day, step, &help, &policy, now).await?;
    clear_buttons(turn, message);
    match done {
        DoorDone::Stale => return Ok(Some(fl!(l, "checkin-stale"))),
        DoorDone::Going { home } => {
            let (room, building) = place(&home);
            let buttons = vec![
                vec![
                    Button::new(fl!(l, "button-checkin-well"), door_data(day, Door::AllWell)),
                    Button::new(fl!(l, "button-checkin-help"), door_data(day, Door::NeedsHelp)),
                ],
                vec![Button::new(fl!(l, "button-checkin-nobody"), door_data(day, Door::NobodyAnswers))],
            ];
            turn.reply(fl!(l, "checkin-going", room = room, building = building), Some(Keyboard::Inline(buttons)));
        }
        DoorDone::NobodyAnswered { home, notices } => {
            deliver(turn.app, &mut turn.tx, &mut turn.out, notices).await?;
            let (room, building) = place(&home);
            let buttons = vec![
                vec![
                    Button::new(fl!(l, "button-checkin-hospital"), door_data(day, Door::Hospital)),
                    Button::new(fl!(l, "button-checkin-away"), door_data(day, Door::Away)),
                ],
                vec![
                    Button::new(fl!(l, "button-checkin-well"), door_data(day, Door::AllWell)),
                    Button::new(fl!(l, "button-checkin-help"), door_data(day, Door::NeedsHelp)),
                ],
            ];
            turn.reply(
                fl!(l, "checkin-nobody-answered", room = room, building = building),
                Some(Keyboard::Inline(buttons)),
            );
        }
        DoorDone::Closed { home, outcome, notices, request } => {
            deliver(turn.app, &mut turn.tx, &mut turn.out, notices).await?;
            turn.say(fl!(l, "checkin-closed", outcome = outcome_name(l, outcome)));
            if let Some(submitted) = request {
                let (room, _) = place(&home);
                turn.say(fl!(l, "visit-request-made", number = submitted.request.number.to_string(), room = room));
                crate::telegram::resident::report::dispatch(turn, &submitted).await?;
            }
        }
    }
    Ok(None)
}

async fn care_reach(turn: &mut Turn<'_>) -> anyhow::Result<CareReach> {
    let admins = turn.app.config.admin_ids.clone();
    let authority = Authority::of(&mut turn.tx, turn.person.id, TelegramId(turn.chat), &admins).await?;
    Ok(CareReach::of(&mut turn.tx, turn.person.id, authority.scope).await?)
}

/// Asks a resident a liaison proposed check-ins to: yes or no.
async fn ask_resident(turn: &mut Turn<'_>, resident: PersonId, hour: NaiveTime) -> anyhow::Result<()> {
    let time = hour.format("%H:%M").to_string();
    ask(turn.app, &mut turn.tx, &mut turn.out, resident, |l| {
        let buttons = vec![vec![
            Button::new(fl!(l, "button-checkin-accept"), CallbackData::Checkin(CheckinButton::Proposal(true)).encode()),
            Button::new(
                fl!(l, "button-checkin-decline"),
                CallbackData::Checkin(CheckinButton::Proposal(false)).encode(),
            ),
        ]];
        (fl!(l, "checkin-proposal", time = time.clone()), buttons)
    })
    .await?;
    Ok(())
}

/// `/checkin propose ROOM HOUR`: the liaison proposes check-ins to the
/// residents of a room of a building they visit.
pub async fn propose(turn: &mut Turn<'_>, room: &str, hour: &str) -> anyhow::Result<()> {
    let l = turn.l();
    let Some(hour) = hour.parse::<u32>().ok().and_then(|h| NaiveTime::from_hms_opt(h, 0, 0)) else {
        turn.say(fl!(l, "checkin-propose-usage"));
        return Ok(());
    };
    let reach = care_reach(turn).await?;
    let buildings: Vec<_> = reach.visited_buildings().into_iter().map(|u| u.id).collect();
    let mut proposed = false;
    for building in buildings {
        for resident in turn.tx.residents_in_room(building, room).await? {
            let (liaison, now) = (turn.person.id, turn.now);
            if checkins::propose(&mut turn.tx, liaison, &reach, resident, hour, now).await? {
                proposed = true;
                ask_resident(turn, resident, hour).await?;
            }
        }
    }
    let room = room.to_string();
    turn.say(if proposed {
        fl!(l, "checkin-proposed", room = room)
    } else {
        fl!(l, "checkin-propose-nobody", room = room)
    });
    Ok(())
}

/// The building list's "Propose daily check-ins" on a household: the hour
/// is asked.
pub async fn propose_ask_hour(turn: &mut Turn<'_>, household: i64) -> anyhow::Result<Option<String>> {
    let reach = care_reach(turn).await?;
    let l = turn.l();
    let Some(found) = turn.tx.household(household).await? else { return Ok(Some(fl!(l, "visit-gone"))) };
    if !reach.visits(found.building) {
        return Ok(Some(fl!(l, "visit-not-yours")));
    }
    if checkins::unenrolled_of_household(&mut turn.tx, household).await?.is_empty() {
        return Ok(Some(fl!(l, "checkin-propose-none-left", room = found.room.to_string())));
    }
    let buttons = PROPOSED_HOURS
        .iter()
        .map(|h| Button::new(format!("{h:02}:00"), CallbackData::ProposeCheckinsAt(household, *h).encode()))
        .collect();
    turn.reply(fl!(l, "checkin-propose-hour", room = found.room.to_string()), Some(Keyboard::Inline(vec![buttons])));
    Ok(None)
}

/// The hours a liaison may propose with a button, as a resident may choose.
const PROPOSED_HOURS: [u8; 6] = [7, 8, 9, 10, 11, 12];

/// The hour of a proposal from the building list chosen: each resident of
/// the household without check-ins is asked.
pub async fn propose_household(
    turn: &mut Turn<'_>,
    household: i64,
    hour: u8,
    message: Option<(i64, MessageId)>,
) -> anyhow::Result<Option<String>> {
    let reach = care_reach(turn).await?;
    let l = turn.l();
    let Some(hour) = NaiveTime::from_hms_opt(u32::from(hour), 0, 0) else { return Ok(None) };
    let Some(found) = turn.tx.household(household).await? else { return Ok(Some(fl!(l, "visit-gone"))) };
    if !reach.visits(found.building) {
        return Ok(Some(fl!(l, "visit-not-yours")));
    }
    let (liaison, now) = (turn.person.id, turn.now);
    let proposed = checkins::propose_to_household(&mut turn.tx, liaison, &reach, household, hour, now).await?;
    clear_buttons(turn, message);
    let room = found.room.to_string();
    if proposed.is_empty() {
        turn.say(fl!(l, "checkin-propose-none-left", room = room));
        return Ok(None);
    }
    for resident in proposed {
        ask_resident(turn, resident, hour).await?;
    }
    turn.say(fl!(l, "checkin-proposed", room = room));
    Ok(None)
}

/// `/stats`: how the check-in alerts of the period in the admin's units
/// ended, so that false alarms (a late check-in) are counted; `None` when
/// there were none.
pub async fn alerts_line(turn: &mut Turn<'_>, authority: &Authority, since: i64) -> anyhow::Result<Option<String>> {
    let outcomes = checkins::alert_outcomes(&mut turn.tx, |b| authority.covers(b), since).await?;
    if outcomes.is_empty() {
        return Ok(None);
    }
    let l = turn.l();
    let total: i64 = outcomes.iter().map(|(_, n)| n).sum();
    let text = outcomes.iter().map(|(o, n)| format!("{}: {n}", outcome_name(l, *o))).collect::<Vec<_>>().join(", ");
    Ok(Some(fl!(l, "checkin-alerts-stats", total = total, text = text)))
}
