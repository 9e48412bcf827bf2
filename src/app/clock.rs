//! The escalation clock as use cases: starting a request's clock, and what
//! happens when one of its timers fires.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::domain::calendar::ServiceCalendar;
use crate::domain::escalation::{self, ClockState, Firing, Timer};
use crate::domain::events::Event;
use crate::domain::routing::{ChainLevel, route};
use crate::domain::{PersonId, Role, ServiceLevel, Status, Urgency};
use crate::store::{RequestView, StoreError, Tx, millis};

/// The service levels and the calendar in force, read from the database.
#[derive(Debug, Clone)]
pub struct Policy {
    pub levels: HashMap<Urgency, ServiceLevel>,
    pub calendar: ServiceCalendar,
}

impl Policy {
    pub async fn load(tx: &mut Tx, timezone: Tz) -> Result<Policy, StoreError> {
        let levels = tx.service_levels().await?;
        let calendar = ServiceCalendar::new(timezone).with_holidays(tx.holidays().await?);
        Ok(Policy { levels, calendar })
    }

    pub fn level(&self, urgency: Urgency) -> ServiceLevel {
        self.levels.get(&urgency).copied().unwrap_or_else(|| ServiceLevel::default_for(urgency))
    }
}

/// Someone to tell something, as a result of the clock.
#[derive(Debug, Clone, PartialEq)]
pub enum Notice {
    /// The assignee's deadline is near.
    Warn { to: PersonId, request: RequestView },
    /// A responder above is asked to take over or reassign.
    Escalated { to: PersonId, request: RequestView, why: Why },
    /// The resident learns their request went up a level.
    ResidentEscalated { request: RequestView },
    /// A top-level reminder.
    Remind { to: PersonId, request: RequestView, n: i64 },
    /// A resolved request closed without the resident's answer.
    AutoClosed { request: RequestView },
    /// The resident is asked whether a closed request is still fixed.
    FollowUp { request: RequestView },
    /// The request's cards are to show it as it is now (new followers).
    CardsChanged { request: RequestView },
}

/// Why a responder above the assignee is alerted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Why {
    /// Whoever held it last (in this role) let a deadline pass.
    Missed(Option<Role>),
    /// An emergency alerts every level at once.
    Emergency,
}

/// Cancels the request's timers and starts the clock its status calls for.
pub async fn restart(
    tx: &mut Tx,
    request: &RequestView,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<RequestView, StoreError> {
    tx.cancel_timers(request.id, millis(now)).await?;
    start(tx, request, policy, now).await
}

/// Starts the clock the request's status calls for, on a request that has
/// none running: the accept clock while open, the resolve clock once
/// accepted. Returns the request as it now stands, with the deadlines it
/// was given, so that the caller need not read it again.
async fn start(
    tx: &mut Tx,
    request: &RequestView,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<RequestView, StoreError> {
    let now_ms = millis(now);
    let service = policy.level(request.urgency);
    let timers = escalation::plan(request.status, request.escalation_level, &service, &policy.calendar, now);
    schedule(tx, request, &timers, now_ms).await?;
    let deadline = deadline_of(&timers);
    let (accept_due_at, resolve_due_at) = match request.status {
        Status::Open => (deadline, None),
        Status::Accepted => (request.accept_due_at, deadline),
        _ => (request.accept_due_at, request.resolve_due_at),
    };
    tx.set_due(request.id, accept_due_at, resolve_due_at).await?;
    Ok(RequestView { accept_due_at, resolve_due_at, ..request.clone() })
}

/// The clock of a request about to be created, open and routed to a level:
/// the timers it starts with, and the deadline to accept it, which the
/// request is created with.
pub struct NewClock {
    timers: Vec<(Timer, DateTime<Utc>)>,
    pub accept_due_at: Option<i64>,
}

pub fn plan_new(urgency: Urgency, level: i64, policy: &Policy, now: DateTime<Utc>) -> NewClock {
    let timers = escalation::plan(Status::Open, level, &policy.level(urgency), &policy.calendar, now);
    let accept_due_at = deadline_of(&timers);
    NewClock { timers, accept_due_at }
}

/// Starts the planned clock of a request just created with its deadline.
pub async fn start_new(tx: &mut Tx, request: &RequestView, clock: &NewClock, now_ms: i64) -> Result<(), StoreError> {
    schedule(tx, request, &clock.timers, now_ms).await
}

fn deadline_of(timers: &[(Timer, DateTime<Utc>)]) -> Option<i64> {
    timers.iter().find(|(t, _)| t.kind == escalation::TimerKind::Deadline).map(|(_, at)| millis(*at))
}

async fn schedule(
    tx: &mut Tx,
    request: &RequestView,
    timers: &[(Timer, DateTime<Utc>)],
    now_ms: i64,
) -> Result<(), StoreError> {
    let timers: Vec<_> = timers.iter().map(|(timer, at)| (Timer { request: request.id, ..*timer }, *at)).collect();
    tx.schedule_timers(&timers, now_ms).await
}

/// Acts on a timer that came due, if the request is still where the timer
/// expected it.
pub async fn fire(tx: &mut Tx, timer: &Timer, policy: &Policy, now: DateTime<Utc>) -> Result<Vec<Notice>, StoreError> {
    let Some(request) = tx.request_view(timer.request).await? else { return Ok(Vec::new()) };
    let now_ms = millis(now);
    let building = tx.request_building(request.id).await?;
    let chain = tx.routing_chain(building, Some(request.id), now_ms).await?;
    let top_level = chain.len().saturating_sub(1) as i64;
    let state = ClockState {
        status: request.status,
        level: request.escalation_level,
        top_level,
        reminders_sent: request.reminders_sent,
    };
    let mut notices = Vec::new();
    match escalation::fire(timer, state) {
        Firing::Stale => {}
        Firing::WarnAssignee => {
            if let Some(to) = request.assignee {
                tx.record_event(Some(request.id), None, &Event::Warned { to: to.0 }, now_ms).await?;
                notices.push(Notice::Warn { to, request });
            }
        }
        Firing::Escalate { to_level } => {
            // Whoever had it last: the one alerted by the previous escalation,
            // or else the assignee.
            let missed_by = match request.escalated_to {
                Some(previous) => chain
                    .get(request.escalation_level as usize)
                    .and_then(|level| level.candidates.iter().find(|c| c.person == previous))
                    .map(|c| c.role),
                None => request.assignee_role,
            };
            let decision = route(&chain, request.category, to_level as usize);
            match decision.assignment.clone() {
                Some(next) => {
                    let level = i64::from(next.level);
                    let seen = (request.status, request.escalation_level);
                    if !tx.escalate_if(request.id, seen, level, next.person, now_ms).await? {
                        return Ok(Vec::new());
                    }
                    let event =
                        Event::Escalated { level, to: next.person.0, missed: timer.status, decision: decision.clone() };
                    tx.record_event(Some(request.id), None, &event, now_ms).await?;
                    let service = policy.level(request.urgency);
                    let timers = escalation::plan_escalated(request.status, level, &service, &policy.calendar, now);
                    schedule(tx, &request, &timers, now_ms).await?;
                    let request = reload(tx, &request).await?;
                    notices.push(Notice::Escalated {
                        to: next.person,
                        request: request.clone(),
                        why: Why::Missed(missed_by),
                    });
                    notices.push(Notice::ResidentEscalated { request });
                }
                // Nobody is available above: the request stays where it is
                // and the top of the chain is reminded instead.
                None => notices.extend(remind(tx, &request, top_level, 1, &office(&chain), now).await?),
            }
        }
        Firing::Remind { n } => {
            notices.extend(remind(tx, &request, request.escalation_level, n, &office(&chain), now).await?);
        }
        Firing::GiveUp => tx.record_event(Some(request.id), None, &Event::RemindersExhausted, now_ms).await?,
        Firing::AutoClose => {
            if tx.close_resolved(request.id, now_ms).await? {
                tx.record_event(Some(request.id), None, &Event::AutoClosed, now_ms).await?;
                schedule_follow_up(tx, &request, now).await?;
                notices.push(Notice::AutoClosed { request: reload(tx, &request).await? });
            }
        }
        Firing::FollowUp => {
            tx.record_event(Some(request.id), None, &Event::FollowedUp, now_ms).await?;
            notices.push(Notice::FollowUp { request });
        }
        Firing::RefreshCards => notices.push(Notice::CardsChanged { request }),
    }
    Ok(notices)
}

async fn remind(
    tx: &mut Tx,
    request: &RequestView,
    level: i64,
    n: i64,
    office: &[PersonId],
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, StoreError> {
    let now_ms = millis(now);
    tx.set_reminders_sent(request.id, n).await?;
    tx.record_event(Some(request.id), None, &Event::Reminded { n }, now_ms).await?;
    if level != request.escalation_level {
        tx.set_escalation(request.id, level, request.escalated_to, now_ms).await?;
    }
    let (timer, at) = escalation::plan_reminder(request.status, level, now);
    schedule(tx, request, &[(timer, at)], now_ms).await?;
    let request = reload(tx, request).await?;
    let mut targets: Vec<PersonId> = request.escalated_to.into_iter().chain(request.assignee).collect();
    targets.dedup();
    // A request nobody holds is never reminded into the void: the community
    // office hears of it, whether or not its people are marked available.
    if targets.is_empty() {
        targets = office.to_vec();
    }
    Ok(targets.into_iter().map(|to| Notice::Remind { to, request: request.clone(), n }).collect())
}

/// The admins of the community at the top of a chain who have a Telegram
/// account, available or not: the last resort for a request nobody can take.
pub fn office(chain: &[ChainLevel]) -> Vec<PersonId> {
    let mut admins: Vec<PersonId> = chain
        .last()
        .into_iter()
        .flat_map(|level| &level.candidates)
        .filter(|c| c.role == Role::Admin && c.bound)
        .map(|c| c.person)
        .collect();
    admins.dedup();
    admins
}

/// Tells the community office, found at the top of the request's routing
/// chain, about a request routing found nobody for.
pub fn alert_office(request: &RequestView, chain: &[ChainLevel]) -> Vec<Notice> {
    office(chain)
        .into_iter()
        .map(|to| Notice::Escalated { to, request: request.clone(), why: Why::Missed(None) })
        .collect()
}

/// Asks the resident, a week after closing, whether it is still fixed.
pub async fn schedule_follow_up(tx: &mut Tx, request: &RequestView, now: DateTime<Utc>) -> Result<(), StoreError> {
    let (timer, at) = escalation::plan_follow_up(request.escalation_level, now);
    tx.schedule_timer(&Timer { request: request.id, ..timer }, at, millis(now)).await
}

async fn reload(tx: &mut Tx, request: &RequestView) -> Result<RequestView, StoreError> {
    tx.request_view(request.id).await?.ok_or_else(|| StoreError::Corrupt("request vanished".into()))
}

/// An emergency alerts every level of the chain at once: the first available
/// responder of each level above the assignee gets the card.
pub async fn alert_every_level(
    tx: &mut Tx,
    request: &RequestView,
    now: DateTime<Utc>,
) -> Result<Vec<Notice>, StoreError> {
    let now_ms = millis(now);
    let building = tx.request_building(request.id).await?;
    let chain = tx.routing_chain(building, Some(request.id), now_ms).await?;
    let mut alerted: Vec<PersonId> = request.assignee.into_iter().collect();
    let mut notices = Vec::new();
    for level in (request.escalation_level as usize + 1)..chain.len() {
        let Some(next) = route(&chain[..=level], request.category, level).assignment else { continue };
        if alerted.contains(&next.person) {
            continue;
        }
        alerted.push(next.person);
        notices.push(Notice::Escalated { to: next.person, request: request.clone(), why: Why::Emergency });
    }
    let persons = alerted.iter().skip(usize::from(request.assignee.is_some())).map(|p| p.0).collect();
    tx.record_event(Some(request.id), None, &Event::AlertedEveryLevel { persons }, now_ms).await?;
    Ok(notices)
}
