//! The steps of a request once it is given to someone: accept, decline,
//! take over, reassign, resolve, and the resident's confirmation and rating.

use chrono::{DateTime, Utc};

use super::routing::{authority_over, reload, route_and_assign};
use crate::app::clock::{self, Policy};
use crate::domain::events::Event;
use crate::domain::routing::Assignment;
use crate::domain::{PersonId, RequestId, Status};
use crate::store::{RequestView, StoreError, Tx, millis};

#[derive(Debug, Clone, PartialEq)]
pub enum AcceptOutcome {
    Accepted(RequestView),
    /// Someone pressed a button of a request that is not theirs.
    NotYours,
    AlreadyAccepted(RequestView),
    /// Closed, cancelled or resolved: too late for that button.
    NoLongerOpen(RequestView),
    Missing,
}
/// Accepts a request on behalf of its assignee. Of two taps at the same
/// moment, exactly one accepts.
pub async fn accept(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<AcceptOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(AcceptOutcome::Missing) };
    if view.assignee != Some(actor) {
        return Ok(AcceptOutcome::NotYours);
    }
    let now_ms = millis(now);
    if view.status != Status::Open
        || !tx.transition_as_assignee(request, actor, Status::Open, Status::Accepted, now_ms).await?
    {
        let current = tx.request_view(request).await?.unwrap_or(view);
        return Ok(match current.status {
            Status::Accepted => AcceptOutcome::AlreadyAccepted(current),
            _ => AcceptOutcome::NoLongerOpen(current),
        });
    }
    tx.record_event(Some(request), Some(actor), &Event::Accepted, now_ms).await?;
    // Accepting also ends any escalation: the resolve clock starts at the
    // assignee's own level.
    let accepted = reload(tx, request).await?;
    let level = tx.level_in_chain(&accepted, actor, now_ms).await?.unwrap_or(accepted.escalation_level);
    tx.set_escalation(request, level, None, now_ms).await?;
    tx.set_reminders_sent(request, 0).await?;
    let accepted = reload(tx, request).await?;
    Ok(AcceptOutcome::Accepted(clock::restart(tx, &accepted, policy, now).await?))
}
#[derive(Debug, Clone, PartialEq)]
pub enum DeclineOutcome {
    /// Declined and routed on; `assignment` is who has it now, if anyone.
    Rerouted {
        request: RequestView,
        assignment: Option<Assignment>,
    },
    NotYours,
    NoLongerOpen(RequestView),
    Missing,
}
/// The assignee passes a request on, saying why. They are not asked again
/// for it.
pub async fn decline(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    reason: &str,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<DeclineOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(DeclineOutcome::Missing) };
    if view.assignee != Some(actor) {
        return Ok(DeclineOutcome::NotYours);
    }
    if view.status.apply(crate::domain::Action::Decline).is_err() {
        return Ok(DeclineOutcome::NoLongerOpen(view));
    }
    let now_ms = millis(now);
    if !tx.transition_as_assignee(request, actor, view.status, Status::Open, now_ms).await? {
        return Ok(DeclineOutcome::NotYours);
    }
    tx.record_event(Some(request), Some(actor), &Event::Declined { reason: reason.to_string() }, now_ms).await?;
    let building = tx.request_building(request).await?;
    let assignment = route_and_assign(tx, request, building, view.category, now_ms).await?;
    let rerouted = reload(tx, request).await?;
    Ok(DeclineOutcome::Rerouted { request: clock::restart(tx, &rerouted, policy, now).await?, assignment })
}
#[derive(Debug, Clone, PartialEq)]
pub enum TakeOverOutcome {
    Taken(RequestView),
    /// Only someone above the assignee in the chain may take over.
    NotAllowed,
    NoLongerOpen(RequestView),
    Missing,
}
/// Someone above the assignee takes the request on: it becomes theirs,
/// accepted, with a fresh resolve clock.
pub async fn take_over(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<TakeOverOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(TakeOverOutcome::Missing) };
    if !view.status.is_active() {
        return Ok(TakeOverOutcome::NoLongerOpen(view));
    }
    let now_ms = millis(now);
    let Some((level, role)) = authority_over(tx, &view, actor, now_ms).await? else {
        return Ok(TakeOverOutcome::NotAllowed);
    };
    if !tx.take_over(request, actor, role, level, now_ms).await? {
        return Ok(TakeOverOutcome::NoLongerOpen(reload(tx, request).await?));
    }
    tx.record_event(Some(request), Some(actor), &Event::TakenOver, now_ms).await?;
    let taken = reload(tx, request).await?;
    Ok(TakeOverOutcome::Taken(clock::restart(tx, &taken, policy, now).await?))
}
/// Whether `actor` stands above the request's assignee on its chain (or was
/// alerted about it), so that [`take_over`] would give it to them.
pub async fn may_take_over(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<bool, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(false) };
    if !view.status.is_active() || view.assignee == Some(actor) {
        return Ok(false);
    }
    Ok(authority_over(tx, &view, actor, millis(now)).await?.is_some())
}

/// A responder the request can be reassigned to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReassignOption {
    pub person: PersonId,
    pub role: crate::domain::Role,
    pub unit_name: String,
}
/// The available responders of the chain at or below the actor's level, to
/// reassign to; `None` if the actor may not reassign.
pub async fn reassign_options(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<Option<Vec<ReassignOption>>, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(None) };
    let now_ms = millis(now);
    let Some((level, _)) = authority_over(tx, &view, actor, now_ms).await? else { return Ok(None) };
    let building = tx.request_building(request).await?;
    let units = tx.ancestry(building).await?;
    let chain = tx.routing_chain(building, Some(request), now_ms).await?;
    let mut options = Vec::new();
    for (index, (unit, candidates)) in units.iter().zip(chain.iter().map(|l| &l.candidates)).enumerate() {
        if index as i64 > level {
            break;
        }
        for candidate in candidates {
            let available =
                candidate.bound && candidate.reachable && !candidate.away && !candidate.declined_this_request;
            let covers = candidate.categories.as_ref().is_none_or(|categories| categories.contains(&view.category));
            if available && covers && candidate.role.routing_rank().is_some() && candidate.person != actor {
                options.push(ReassignOption {
                    person: candidate.person,
                    role: candidate.role,
                    unit_name: unit.name.clone(),
                });
            }
        }
    }
    Ok(Some(options))
}
#[derive(Debug, Clone, PartialEq)]
pub enum ReassignOutcome {
    Reassigned { request: RequestView, to: PersonId },
    NotAllowed,
    NoLongerOpen(RequestView),
    Missing,
}
/// Gives the request to one of the [`reassign_options`]; it is open again
/// for them, with a fresh accept clock.
pub async fn reassign(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    to: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<ReassignOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(ReassignOutcome::Missing) };
    if !view.status.is_active() {
        return Ok(ReassignOutcome::NoLongerOpen(view));
    }
    let Some(options) = reassign_options(tx, request, actor, now).await? else {
        return Ok(ReassignOutcome::NotAllowed);
    };
    let Some(option) = options.into_iter().find(|o| o.person == to) else { return Ok(ReassignOutcome::NotAllowed) };
    let now_ms = millis(now);
    let level = tx.level_in_chain(&view, to, now_ms).await?.unwrap_or(0);
    let building = tx.request_building(request).await?;
    let unit = tx.ancestry(building).await?.get(level as usize).map(|u| u.id);
    let assignment = Assignment {
        person: to,
        role: option.role,
        unit: unit.unwrap_or(crate::domain::UnitId(0)),
        level: u8::try_from(level).unwrap_or(0),
    };
    tx.assign(request, &assignment, None, now_ms).await?;
    tx.record_event(Some(request), Some(actor), &Event::Reassigned { to: to.0 }, now_ms).await?;
    let reassigned = reload(tx, request).await?;
    Ok(ReassignOutcome::Reassigned { request: clock::restart(tx, &reassigned, policy, now).await?, to })
}
/// How a step of the "handle – evaluate" half went.
#[derive(Debug, Clone, PartialEq)]
pub enum StepOutcome {
    Done(RequestView),
    /// The actor is not the one who may take this step.
    NotYours,
    /// The request is not in a state where this step applies.
    NoLongerApplies(RequestView),
    Missing,
}
/// The assignee says the request is done, with a note of what was done. The
/// resident is then asked whether it is fixed; without an answer it closes
/// by itself.
pub async fn resolve(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    note: &str,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.assignee != Some(actor) {
        return Ok(StepOutcome::NotYours);
    }
    let now_ms = millis(now);
    if view.status.apply(crate::domain::Action::Resolve).is_err()
        || !tx.transition_as_assignee(request, actor, view.status, Status::Resolved, now_ms).await?
    {
        return Ok(StepOutcome::NoLongerApplies(reload(tx, request).await?));
    }
    tx.record_event(Some(request), Some(actor), &Event::Resolved { note: note.to_string() }, now_ms).await?;
    tx.cancel_timers(request, now_ms).await?;
    let (timer, at) = crate::domain::escalation::plan_auto_close(view.escalation_level, now);
    tx.schedule_timer(&crate::domain::escalation::Timer { request, ..timer }, at, now_ms).await?;
    Ok(StepOutcome::Done(reload(tx, request).await?))
}
/// The resident answers "is it fixed?". Yes closes the request; no reopens it
/// to the same responder with a fresh resolve clock, and counts against the
/// service level (the reopening is an event).
pub async fn confirm(
    tx: &mut Tx,
    request: RequestId,
    resident: PersonId,
    fixed: bool,
    reason: &str,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.resident != Some(resident) {
        return Ok(StepOutcome::NotYours);
    }
    let now_ms = millis(now);
    let (action, to) = if fixed {
        (crate::domain::Action::Confirm, Status::Closed)
    } else {
        (crate::domain::Action::Reopen, Status::Accepted)
    };
    // A closed request that is still fixed (the answer to the follow-up)
    // needs nothing more.
    if view.status == Status::Closed && fixed {
        return Ok(StepOutcome::Done(view));
    }
    let answerable = matches!(view.status, Status::Resolved | Status::Closed);
    if !answerable
        || view.status.apply(action).is_err()
        || !tx.transition_by_resident(request, resident, view.status, to, now_ms).await?
    {
        return Ok(StepOutcome::NoLongerApplies(reload(tx, request).await?));
    }
    tx.cancel_timers(request, now_ms).await?;
    if fixed {
        tx.record_event(Some(request), Some(resident), &Event::Confirmed, now_ms).await?;
        clock::schedule_follow_up(tx, &view, now).await?;
    } else {
        tx.record_event(Some(request), Some(resident), &Event::Reopened { reason: reason.to_string() }, now_ms).await?;
        let reopened = reload(tx, request).await?;
        clock::restart(tx, &reopened, policy, now).await?;
    }
    Ok(StepOutcome::Done(reload(tx, request).await?))
}
/// The resident rates a closed request, once, 1 to 5.
pub async fn rate(
    tx: &mut Tx,
    request: RequestId,
    resident: PersonId,
    stars: u8,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.resident != Some(resident) {
        return Ok(StepOutcome::NotYours);
    }
    if view.status != Status::Closed || !(1..=5).contains(&stars) || !tx.set_rating(request, stars).await? {
        return Ok(StepOutcome::NoLongerApplies(view));
    }
    tx.record_event(Some(request), Some(resident), &Event::Rated { stars }, millis(now)).await?;
    Ok(StepOutcome::Done(reload(tx, request).await?))
}
