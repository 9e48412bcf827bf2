//! Daily check-ins as use cases: a resident's own choice (on at an hour,
//! paused, off, or their answer to their liaison's proposal), checking in,
//! each rung of the ladder as its timer fires, the liaison at the door, and
//! the relatives linked by `/family`. Every change records an event.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;

use super::care::{CareReach, local_date};
use super::clock::Policy;
use super::requests::{self, Draft, Submitted};
use crate::domain::checkin::{self, AlertOutcome, CheckinTimer, Enrolment, Rung};
use crate::domain::events::Event;
use crate::domain::routing::ChainLevel;
use crate::domain::{Category, Description, PersonId, Role, UnitId, Urgency};
use crate::store::{CheckinDay, NewJob, Priority, Queue, Resident, StoreError, Tx, from_millis, millis};

/// Whom a rung, or a step at the door, tells what.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CheckinNotice {
    /// The morning greeting with its "I'm fine" button.
    Greeting {
        to: PersonId,
        deadline: i64,
    },
    Reminder {
        to: PersonId,
        second: bool,
    },
    /// "Please knock on room 301's door", to the liaison; `undelivered`
    /// when the resident could not be written to at all.
    Knock {
        to: PersonId,
        day: i64,
        home: Home,
        undelivered: bool,
    },
    /// The family (at the liaison's step) and everyone above (no liaison
    /// took it) learn that the resident has not checked in.
    Missed {
        to: PersonId,
        day: i64,
        home: Home,
        undelivered: bool,
    },
    /// Nobody answered at the door: the family and the group leader.
    NobodyAnswered {
        to: PersonId,
        home: Home,
    },
    /// The resident checked in after all: everyone alerted.
    AllClear {
        to: PersonId,
        home: Home,
    },
}

/// Where the resident lives, and what their liaison should know at the door.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Home {
    pub resident: PersonId,
    pub building: Option<String>,
    pub room: Option<String>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckinRefusal {
    /// Only a registered resident has check-ins.
    NotAResident,
    /// Pausing or turning off needs check-ins on first.
    NotOn,
    /// A pause ends today or later, within a year.
    BadPause,
}

/// Turns the resident's check-ins on at `hour` (their own choice), and
/// schedules the next greeting.
pub async fn turn_on(
    tx: &mut Tx,
    person: PersonId,
    hour: NaiveTime,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Result<Enrolment, CheckinRefusal>, StoreError> {
    if tx.resident(person).await?.is_none() {
        return Ok(Err(CheckinRefusal::NotAResident));
    }
    let enrolment = Enrolment::On { hour };
    change(tx, person, hour, enrolment, now, timezone).await?;
    Ok(Ok(enrolment))
}

/// Pauses check-ins up to and including `until`.
pub async fn pause(
    tx: &mut Tx,
    person: PersonId,
    until: NaiveDate,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Result<Enrolment, CheckinRefusal>, StoreError> {
    let Some(hour) = tx.enrolled_hour(person).await? else { return Ok(Err(CheckinRefusal::NotOn)) };
    let today = local_date(now, timezone);
    if until < today || until > today + Duration::days(366) {
        return Ok(Err(CheckinRefusal::BadPause));
    }
    let enrolment = Enrolment::Paused { hour, until };
    change(tx, person, hour, enrolment, now, timezone).await?;
    Ok(Ok(enrolment))
}

pub async fn turn_off(
    tx: &mut Tx,
    person: PersonId,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Result<Enrolment, CheckinRefusal>, StoreError> {
    let Some(hour) = tx.enrolled_hour(person).await? else { return Ok(Err(CheckinRefusal::NotOn)) };
    change(tx, person, hour, Enrolment::Off, now, timezone).await?;
    Ok(Ok(Enrolment::Off))
}

async fn change(
    tx: &mut Tx,
    person: PersonId,
    hour: NaiveTime,
    enrolment: Enrolment,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<(), StoreError> {
    let now_ms = millis(now);
    tx.set_enrolment(person, hour, enrolment, now_ms).await?;
    let state = match enrolment {
        Enrolment::On { .. } => "on",
        Enrolment::Paused { .. } => "paused",
        Enrolment::Off => "off",
    };
    let minute = i64::from(chrono::Timelike::num_seconds_from_midnight(&hour) / 60);
    tx.record_event(None, Some(person), &Event::CheckinsChanged { state: state.into(), minute }, now_ms).await?;
    schedule_next_greeting(tx, person, enrolment, local_date(now, timezone), now, timezone).await
}

/// Schedules the greeting of the first day from `from` on whose greeting
/// is still ahead. A timer of an hour since changed finds a deadline that
/// is no longer the enrolment's and does nothing.
async fn schedule_next_greeting(
    tx: &mut Tx,
    person: PersonId,
    enrolment: Enrolment,
    from: NaiveDate,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<(), StoreError> {
    let mut day = from;
    for _ in 0..3 {
        let Some((date, deadline)) = checkin::next_day(enrolment, day, timezone) else { return Ok(()) };
        if deadline + Rung::Greeting.offset() > now {
            return schedule(tx, person, millis(deadline), Rung::Greeting, now).await;
        }
        day = date + Duration::days(1);
    }
    Ok(())
}

async fn schedule(
    tx: &mut Tx,
    person: PersonId,
    deadline: i64,
    rung: Rung,
    now: DateTime<Utc>,
) -> Result<(), StoreError> {
    let timer = CheckinTimer { checkin: person.0, deadline, rung };
    let payload = serde_json::to_string(&timer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
    let key = format!("checkin:{}:{}:{}", person.0, deadline, rung.as_str());
    let due_at = deadline + rung.offset().num_milliseconds();
    let job = NewJob {
        queue: Queue::Timer,
        lane: None,
        dedupe_key: Some(&key),
        payload: &payload,
        due_at,
        request_id: None,
        priority: Priority::default(),
    };
    tx.enqueue_all(&[job], millis(now)).await?;
    Ok(())
}

/// A rung's timer fired: takes the rung if it still applies, schedules the
/// next one (and, with the greeting, the next day's), and says whom to tell.
pub async fn fire(
    tx: &mut Tx,
    timer: &CheckinTimer,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Vec<CheckinNotice>, StoreError> {
    let person = PersonId(timer.checkin);
    let Some(enrolment) = tx.enrolment(person).await? else { return Ok(Vec::new()) };
    let date = local_date(from_millis(timer.deadline), timezone);
    if timer.rung == Rung::Greeting {
        let next = date + Duration::days(1);
        schedule_next_greeting(tx, person, enrolment, next, now, timezone).await?;
        if checkin::deadline(enrolment, date, timezone).map(millis) != Some(timer.deadline) {
            return Ok(Vec::new());
        }
    }
    let mut day = tx.checkin_day_at(person, timer.deadline).await?;
    if !timer.rung.fires(&day.rungs, day.checked_in_at.is_some() || day.outcome.is_some(), day.going.is_some()) {
        return Ok(Vec::new());
    }
    day.rungs.push(timer.rung);
    if let Some(next) = timer.rung.next() {
        schedule(tx, person, timer.deadline, next, now).await?;
    }
    let notices = match timer.rung {
        Rung::Greeting => vec![CheckinNotice::Greeting { to: person, deadline: timer.deadline }],
        Rung::Reminder => vec![CheckinNotice::Reminder { to: person, second: false }],
        Rung::SecondReminder => vec![CheckinNotice::Reminder { to: person, second: true }],
        Rung::Liaison | Rung::UpTheChain => {
            let home = home_of(tx, person).await?;
            let undelivered = !tx.person(person).await?.is_some_and(|p| p.reachable);
            let chain = chain_of(tx, person, now).await?;
            let mut notices = Vec::new();
            if timer.rung == Rung::Liaison {
                for to in holders(&chain, |level, role| level == 0 && role == Role::Liaison) {
                    notices.push(CheckinNotice::Knock { to, day: day.id, home: home.clone(), undelivered });
                }
                for to in tx.relatives(person).await? {
                    notices.push(CheckinNotice::Missed { to, day: day.id, home: home.clone(), undelivered });
                }
            } else {
                for to in holders(&chain, |level, role| level > 0 || role == Role::Deputy) {
                    notices.push(CheckinNotice::Knock { to, day: day.id, home: home.clone(), undelivered });
                }
            }
            for notice in &notices {
                if let CheckinNotice::Knock { to, .. } | CheckinNotice::Missed { to, .. } = notice {
                    alerted(&mut day, *to);
                }
            }
            notices
        }
    };
    tx.save_checkin_day(&day, millis(now)).await?;
    Ok(notices)
}

fn alerted(day: &mut CheckinDay, person: PersonId) {
    if !day.alerted.contains(&person) {
        day.alerted.push(person);
    }
}

async fn chain_of(tx: &mut Tx, person: PersonId, now: DateTime<Utc>) -> Result<Vec<ChainLevel>, StoreError> {
    match tx.resident(person).await? {
        Some(resident) => tx.routing_chain(resident.building, None, millis(now)).await,
        None => Ok(Vec::new()),
    }
}

/// The bound, reachable holders of the roles `wanted` picks, by level of
/// the chain (0 the building), each once.
fn holders(chain: &[ChainLevel], wanted: impl Fn(usize, Role) -> bool) -> Vec<PersonId> {
    let mut people = Vec::new();
    for (level, unit) in chain.iter().enumerate() {
        for candidate in &unit.candidates {
            if candidate.bound
                && candidate.reachable
                && wanted(level, candidate.role)
                && !people.contains(&candidate.person)
            {
                people.push(candidate.person);
            }
        }
    }
    people
}

async fn home_of(tx: &mut Tx, person: PersonId) -> Result<Home, StoreError> {
    let resident = tx.resident(person).await?;
    let household = tx.household_of_resident(person).await?;
    let building = match &resident {
        Some(r) => tx.ancestry(r.building).await?.first().and_then(|u| u.code.as_ref().map(|c| c.to_string())),
        None => None,
    };
    Ok(Home {
        resident: person,
        building,
        room: resident.and_then(|r| r.room),
        note: household.map(|h| h.note).filter(|n| !n.is_empty()),
    })
}

/// What checking in did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedIn {
    pub resident: PersonId,
    /// After the alert went out: everyone alerted hears "all clear".
    pub all_clear: Vec<CheckinNotice>,
}

/// Checks the resident in for the day waiting for them (`by` is the
/// resident or a relative who spoke to them). `None` when no day waits.
pub async fn check_in(
    tx: &mut Tx,
    resident: PersonId,
    by: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<CheckedIn>, StoreError> {
    let Some(mut day) = tx.waiting_checkin_day(resident).await? else { return Ok(None) };
    let now_ms = millis(now);
    day.checked_in_at = Some(now_ms);
    let late = day.alert_open();
    let mut all_clear = Vec::new();
    if late {
        day.outcome = Some(AlertOutcome::Late);
        let home = home_of(tx, resident).await?;
        for to in day.alerted.iter().copied().filter(|to| *to != by) {
            all_clear.push(CheckinNotice::AllClear { to, home: home.clone() });
        }
        let closed = Event::CheckinAlertClosed { person: resident.0, outcome: AlertOutcome::Late.as_str().into() };
        tx.record_event(None, Some(by), &closed, now_ms).await?;
    }
    if late || by != resident {
        tx.record_event(None, Some(by), &Event::CheckedIn { person: resident.0, late }, now_ms).await?;
    }
    tx.save_checkin_day(&day, now_ms).await?;
    Ok(Some(CheckedIn { resident, all_clear }))
}

/// A relative checks in on the resident's behalf after speaking to them;
/// only a linked relative may.
pub async fn check_in_for(
    tx: &mut Tx,
    relative: PersonId,
    resident: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<CheckedIn>, StoreError> {
    if !tx.relatives(resident).await?.contains(&relative) {
        return Ok(None);
    }
    check_in(tx, resident, relative, now).await
}

/// What the liaison found at the door.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Door {
    Going,
    AllWell,
    NeedsHelp,
    NobodyAnswers,
    Hospital,
    Away,
}

#[derive(Debug, Clone, PartialEq)]
pub enum DoorDone {
    /// Someone else took the alert, or it closed.
    Stale,
    Going {
        home: Home,
    },
    Closed {
        home: Home,
        outcome: AlertOutcome,
        notices: Vec<CheckinNotice>,
        request: Option<Box<Submitted>>,
    },
    NobodyAnswered {
        home: Home,
        notices: Vec<CheckinNotice>,
    },
}

/// A step of an alerted responder at the resident's door. Only those
/// alerted may act; "I'm going" keeps the alert from going further up.
pub async fn at_the_door(
    tx: &mut Tx,
    responder: PersonId,
    day: i64,
    door: Door,
    help: &Description,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<DoorDone, StoreError> {
    let Some(mut day) = tx.checkin_day(day).await? else { return Ok(DoorDone::Stale) };
    if !day.alerted.contains(&responder) || !day.alert_open() || day.checked_in_at.is_some() {
        return Ok(DoorDone::Stale);
    }
    let now_ms = millis(now);
    let home = home_of(tx, day.person).await?;
    let done = match door {
        Door::Going => {
            if day.going.is_some_and(|g| g != responder) {
                return Ok(DoorDone::Stale);
            }
            day.going = Some(responder);
            DoorDone::Going { home }
        }
        Door::NobodyAnswers => {
            day.nobody_answered = true;
            let mut notices = Vec::new();
            let chain = chain_of(tx, day.person, now).await?;
            let mut told = tx.relatives(day.person).await?;
            told.extend(holders(&chain, |_, role| role == Role::GroupLeader));
            for to in told {
                if to != responder
                    && !notices.iter().any(|n| matches!(n, CheckinNotice::NobodyAnswered { to: t, .. } if *t == to))
                {
                    alerted(&mut day, to);
                    notices.push(CheckinNotice::NobodyAnswered { to, home: home.clone() });
                }
            }
            DoorDone::NobodyAnswered { home, notices }
        }
        Door::AllWell | Door::NeedsHelp | Door::Hospital | Door::Away => {
            let outcome = match door {
                Door::NeedsHelp => AlertOutcome::NeededHelp,
                Door::Hospital => AlertOutcome::Hospital,
                Door::Away => AlertOutcome::Away,
                _ if day.nobody_answered => AlertOutcome::NobodyAnswered,
                _ => AlertOutcome::Late,
            };
            let request = if door == Door::NeedsHelp {
                match tx.resident(day.person).await? {
                    Some(home) => Some(Box::new(emergency(tx, day.person, &home, help, policy, now).await?)),
                    None => None,
                }
            } else {
                None
            };
            day.outcome = Some(outcome);
            let notices = day
                .alerted
                .iter()
                .copied()
                .filter(|to| *to != responder)
                .map(|to| CheckinNotice::AllClear { to, home: home.clone() })
                .collect::<Vec<_>>();
            let closed = Event::CheckinAlertClosed { person: day.person.0, outcome: outcome.as_str().into() };
            tx.record_event(None, Some(responder), &closed, now_ms).await?;
            DoorDone::Closed {
                home,
                outcome,
                notices: if door == Door::NeedsHelp { Vec::new() } else { notices },
                request,
            }
        }
    };
    tx.save_checkin_day(&day, now_ms).await?;
    Ok(done)
}

/// An emergency request on the resident's behalf, through the usual path.
async fn emergency(
    tx: &mut Tx,
    resident: PersonId,
    home: &Resident,
    help: &Description,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Submitted, StoreError> {
    let draft = Draft {
        category: Category::Elderly,
        urgency: Urgency::Emergency,
        description: help.clone(),
        attachments: Vec::new(),
    };
    requests::submit_from(tx, resident, home, &draft, policy, now).await
}

/// A liaison proposes daily check-ins at `hour` to a resident of a
/// building they visit; nothing runs until the resident accepts.
pub async fn propose(
    tx: &mut Tx,
    liaison: PersonId,
    reach: &CareReach,
    resident: PersonId,
    hour: NaiveTime,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(home) = tx.resident(resident).await? else { return Ok(false) };
    if !reach.visits(home.building) {
        return Ok(false);
    }
    let now_ms = millis(now);
    tx.propose_checkin(resident, liaison, hour, now_ms).await?;
    let minute = i64::from(chrono::Timelike::num_seconds_from_midnight(&hour) / 60);
    tx.record_event(None, Some(liaison), &Event::CheckinsProposed { person: resident.0, minute }, now_ms).await?;
    Ok(true)
}

/// How the check-in alerts closed since `since` ended, counted over the
/// buildings `covers` accepts (an admin's units), by outcome.
pub async fn alert_outcomes(
    tx: &mut Tx,
    covers: impl Fn(UnitId) -> bool,
    since: i64,
) -> Result<Vec<(AlertOutcome, i64)>, StoreError> {
    let mut counts: Vec<(AlertOutcome, i64)> = Vec::new();
    for (building, outcome, n) in tx.checkin_outcomes(since).await? {
        if !covers(building) {
            continue;
        }
        match counts.iter_mut().find(|(o, _)| *o == outcome) {
            Some((_, total)) => *total += n,
            None => counts.push((outcome, n)),
        }
    }
    Ok(counts)
}

/// The registered residents of a household who have no daily check-ins
/// (never enrolled, or turned off): those a liaison may propose them to.
pub async fn unenrolled_of_household(tx: &mut Tx, household: i64) -> Result<Vec<PersonId>, StoreError> {
    let mut unenrolled = Vec::new();
    for resident in tx.residents_of_household(household).await? {
        if matches!(tx.enrolment(resident).await?, None | Some(Enrolment::Off)) {
            unenrolled.push(resident);
        }
    }
    Ok(unenrolled)
}

/// A liaison proposes daily check-ins at `hour` to the residents of a
/// household of a building they visit who have none; the residents it was
/// proposed to (none when the household is not the liaison's). Nothing
/// runs until each resident accepts.
pub async fn propose_to_household(
    tx: &mut Tx,
    liaison: PersonId,
    reach: &CareReach,
    household: i64,
    hour: NaiveTime,
    now: DateTime<Utc>,
) -> Result<Vec<PersonId>, StoreError> {
    let Some(found) = tx.household(household).await? else { return Ok(Vec::new()) };
    if !reach.visits(found.building) {
        return Ok(Vec::new());
    }
    let mut proposed = Vec::new();
    for resident in unenrolled_of_household(tx, household).await? {
        if propose(tx, liaison, reach, resident, hour, now).await? {
            proposed.push(resident);
        }
    }
    Ok(proposed)
}

/// The resident's answer to a proposal: their consent is this event.
pub async fn answer_proposal(
    tx: &mut Tx,
    person: PersonId,
    accepted: bool,
    now: DateTime<Utc>,
    timezone: Tz,
) -> Result<Option<Enrolment>, StoreError> {
    let Some((_, hour)) = tx.take_proposal(person).await? else { return Ok(None) };
    if !accepted {
        tx.record_event(None, Some(person), &Event::CheckinsDeclined, millis(now)).await?;
        return Ok(Some(tx.enrolment(person).await?.unwrap_or(Enrolment::Off)));
    }
    Ok(turn_on(tx, person, hour, now, timezone).await?.ok())
}

/// A relative opened a resident's `/family` link: linked, once.
pub async fn link_family(
    tx: &mut Tx,
    token: &str,
    relative: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<PersonId>, StoreError> {
    let resident = tx.use_family_link(token, relative, millis(now)).await?;
    if let Some(resident) = resident {
        tx.record_event(None, Some(relative), &Event::FamilyLinked { resident: resident.0 }, millis(now)).await?;
    }
    Ok(resident)
}

/// A new single-use family link's token for the resident.
pub async fn family_link(tx: &mut Tx, resident: PersonId, token: &str, now: DateTime<Utc>) -> Result<(), StoreError> {
    tx.create_family_link(resident, token, millis(now)).await
}
