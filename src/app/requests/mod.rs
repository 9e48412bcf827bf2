//! Reporting a request and acting on it.

use chrono::{DateTime, Utc};

use super::clock::{self, Notice, Policy};
use crate::domain::events::Event;
use crate::domain::request::MAX_OPEN_REQUESTS_PER_RESIDENT;
use crate::domain::routing::{Assignment, route};
use crate::domain::{Attachment, Category, Description, PersonId, RequestId, Status, Urgency};
use crate::store::{NewRequest, RequestView, Resident, StoreError, Tx, millis};

mod acting;
pub(super) mod routing;

pub use acting::{
    AcceptOutcome, DeclineOutcome, ReassignOption, ReassignOutcome, StepOutcome, TakeOverOutcome, accept, confirm,
    decline, may_take_over, rate, reassign, reassign_options, resolve, take_over,
};
use routing::{apply_routing, reload, route_again, route_and_assign, routing_event};

/// A request as the resident composed it, before it exists.
#[derive(Debug, Clone, PartialEq)]
pub struct Draft {
    pub category: Category,
    pub urgency: Urgency,
    pub description: Description,
    pub attachments: Vec<Attachment>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Submitted {
    pub request: RequestView,
    pub assignment: Option<Assignment>,
    /// When the clock of a service-hours request reported out of hours
    /// starts: the resident is told when it will be looked at.
    pub looked_at_from: Option<DateTime<Utc>>,
    /// Responders above the assignee alerted at once (emergencies).
    pub alerts: Vec<Notice>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitRefusal {
    NotRegistered,
    TooManyOpen { max: usize },
}

/// Whether `person` may report a request: they must be registered as a
/// resident and have fewer than the limit open. Returns where they live.
pub async fn may_report(tx: &mut Tx, person: PersonId) -> Result<Result<Resident, SubmitRefusal>, StoreError> {
    Ok(match tx.resident_with_active_requests(person).await? {
        None => Err(SubmitRefusal::NotRegistered),
        Some((_, active)) if active >= MAX_OPEN_REQUESTS_PER_RESIDENT as i64 => {
            Err(SubmitRefusal::TooManyOpen { max: MAX_OPEN_REQUESTS_PER_RESIDENT })
        }
        Some((home, _)) => Ok(home),
    })
}

/// Creates the request, routes it and records both in the event log.
pub async fn submit(
    tx: &mut Tx,
    resident: PersonId,
    draft: &Draft,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Result<Submitted, SubmitRefusal>, StoreError> {
    let home = match may_report(tx, resident).await? {
        Ok(home) => home,
        Err(refusal) => return Ok(Err(refusal)),
    };
    submit_from(tx, resident, &home, draft, policy, now).await.map(Ok)
}

/// Creates and routes a request reported by `resident` from `home`: their
/// own, or a household a liaison visited on its behalf.
pub async fn submit_from(
    tx: &mut Tx,
    resident: PersonId,
    home: &Resident,
    draft: &Draft,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Submitted, StoreError> {
    let ancestry = tx.ancestry(home.building).await?;
    let community = ancestry.last().map(|unit| unit.id).unwrap_or(home.building);
    let now_ms = millis(now);
    let number = tx.next_request_number(community).await?;
    // A new request is routed before it exists, since nobody can have
    // declined it yet, and is created assigned and with the deadline its
    // clock sets: one statement where creating, assigning, setting the
    // deadline and reading the request back took four.
    let chain = tx.routing_chain(home.building, None, now_ms).await?;
    let decision = route(&chain, draft.category, 0);
    let level = decision.assignment.as_ref().map_or(0, |assignment| i64::from(assignment.level));
    let planned = clock::plan_new(draft.urgency, level, policy, now);
    let new = NewRequest {
        community,
        resident,
        building: home.building,
        room: home.room.clone(),
        category: draft.category,
        urgency: draft.urgency,
        description: draft.description.as_str().to_string(),
        attachments: draft.attachments.clone(),
        assignment: decision.assignment.clone(),
        accept_due_at: planned.accept_due_at,
        now: now_ms,
    };
    let request = tx.insert_request(&new, number).await?;
    let created =
        Event::Created { category: draft.category, urgency: draft.urgency, attachments: draft.attachments.len() };
    let routed = routing_event(&decision);
    tx.record_events(&[(Some(request.id), Some(resident), &created), (Some(request.id), None, &routed)], now_ms)
        .await?;
    clock::start_new(tx, &request, &planned, now_ms).await?;

    let assignment = decision.assignment;
    // The chain routing read also names the office.
    let alerts = if assignment.is_none() {
        clock::alert_office(&request, &chain)
    } else if draft.urgency == Urgency::Emergency {
        clock::alert_every_level(tx, &request, now).await?
    } else {
        Vec::new()
    };
    let looked_at_from = (policy.level(draft.urgency).service_hours_only && !policy.calendar.is_open(now))
        .then(|| policy.calendar.next_opening(now));
    Ok(Submitted { request, assignment, looked_at_from, alerts })
}

/// The requests a responder holds, those past a deadline first.
pub async fn tasks_of(tx: &mut Tx, responder: PersonId, now: DateTime<Utc>) -> Result<Vec<RequestView>, StoreError> {
    let now_ms = millis(now);
    let mut tasks = Vec::new();
    for id in tx.active_requests_assigned_to(responder).await? {
        tasks.push(reload(tx, id).await?);
    }
    let due = |r: &RequestView| match r.status {
        Status::Open => r.accept_due_at,
        _ => r.resolve_due_at,
    };
    tasks.sort_by_key(|r| {
        let due = due(r).unwrap_or(i64::MAX);
        (due > now_ms, due, r.id)
    });
    Ok(tasks)
}

/// The resident withdraws a request that is still open or accepted; its
/// timers stop.
pub async fn cancel(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<StepOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(StepOutcome::Missing) };
    if view.resident != Some(actor) {
        return Ok(StepOutcome::NotYours);
    }
    let now_ms = millis(now);
    if view.status.apply(crate::domain::Action::Cancel).is_err()
        || !tx.transition_by_resident(request, actor, view.status, Status::Cancelled, now_ms).await?
    {
        return Ok(StepOutcome::NoLongerApplies(reload(tx, request).await?));
    }
    tx.cancel_timers(request, now_ms).await?;
    tx.record_event(Some(request), Some(actor), &Event::Cancelled, now_ms).await?;
    Ok(StepOutcome::Done(reload(tx, request).await?))
}

/// A responder goes away until `until`: new requests pass them by, and the
/// open requests waiting for them move on to their cover (the deputy or the
/// next level). Requests they already accepted stay theirs.
pub async fn go_away(
    tx: &mut Tx,
    person: PersonId,
    until: DateTime<Utc>,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<(RequestView, Option<Assignment>)>, StoreError> {
    let now_ms = millis(now);
    tx.set_away(person, Some(millis(until))).await?;
    let mut moved = Vec::new();
    for request in tx.active_requests_assigned_to(person).await? {
        let view = reload(tx, request).await?;
        if view.status != Status::Open {
            continue;
        }
        tx.record_event(Some(request), Some(person), &Event::AssigneeAway, now_ms).await?;
        let building = tx.request_building(request).await?;
        let assignment = route_and_assign(tx, request, building, view.category, now_ms).await?;
        let rerouted = reload(tx, request).await?;
        moved.push((clock::restart(tx, &rerouted, policy, now).await?, assignment));
    }
    Ok(moved)
}

/// `person` has just become available to take requests (they came back,
/// bound their account, were given a role): the open requests nobody could
/// take in the buildings under their units are routed again, and go to the
/// first available responder of each chain, who may be them or someone
/// before them. A request that still finds nobody stays with the community
/// office, and nothing is recorded for it. Returns the requests given out.
pub async fn route_waiting(
    tx: &mut Tx,
    person: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<(RequestView, Assignment)>, StoreError> {
    let now_ms = millis(now);
    let mut given = Vec::new();
    for request in tx.unassigned_requests_under_roles_of(person).await? {
        let view = reload(tx, request).await?;
        let building = tx.request_building(request).await?;
        let decision = route_again(tx, request, building, view.category, now_ms).await?;
        let Some(assignment) = decision.assignment.clone() else { continue };
        apply_routing(tx, request, &decision, now_ms).await?;
        let routed = reload(tx, request).await?;
        given.push((clock::restart(tx, &routed, policy, now).await?, assignment));
    }
    Ok(given)
}

/// Who a relayed message goes to, if `sender` may talk about this request:
/// the resident talks to the assignee and the assignee to the resident.
pub async fn relay_target(
    tx: &mut Tx,
    request: RequestId,
    sender: PersonId,
) -> Result<Option<(RequestView, PersonId, bool)>, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(None) };
    let talking = matches!(view.status, Status::Open | Status::Accepted | Status::Resolved);
    let target = match (view.resident, view.assignee) {
        (Some(resident), Some(assignee)) if talking && sender == resident => Some((assignee, true)),
        (Some(resident), Some(assignee)) if talking && sender == assignee => Some((resident, false)),
        _ => None,
    };
    Ok(target.map(|(to, from_resident)| (view, to, from_resident)))
}

/// Offers a request of a pool category (volunteer help, and whatever admins
/// add) to the volunteers of the building's chain at once, besides its
/// assignee; returns whom it was offered to.
pub async fn offer_to_volunteers(
    tx: &mut Tx,
    request: &RequestView,
    now: DateTime<Utc>,
) -> Result<Vec<PersonId>, StoreError> {
    if request.status != Status::Open || !tx.pool_categories().await?.contains(&request.category) {
        return Ok(Vec::new());
    }
    let now_ms = millis(now);
    let building = tx.request_building(request.id).await?;
    let chain = tx.routing_chain(building, Some(request.id), now_ms).await?;
    let mut volunteers: Vec<PersonId> = Vec::new();
    for candidate in chain.iter().flat_map(|level| &level.candidates) {
        let available = candidate.bound && candidate.reachable && !candidate.away;
        if candidate.role == crate::domain::Role::Volunteer && available && !volunteers.contains(&candidate.person) {
            volunteers.push(candidate.person);
        }
    }
    if !volunteers.is_empty() {
        let persons = volunteers.iter().map(|p| p.0).collect();
        tx.record_event(Some(request.id), None, &Event::OfferedToVolunteers { persons }, now_ms).await?;
    }
    Ok(volunteers)
}

#[derive(Debug, Clone, PartialEq)]
pub enum ClaimOutcome {
    /// Claimed; the other volunteers it was offered to are listed, and the
    /// responder who held it.
    Claimed {
        request: RequestView,
        others: Vec<PersonId>,
        holder: Option<PersonId>,
    },
    /// Someone was quicker.
    Taken(RequestView),
    NotOffered,
    Missing,
}

/// A volunteer claims a request offered to them. Of simultaneous claims,
/// exactly one wins.
pub async fn claim(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<ClaimOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(ClaimOutcome::Missing) };
    let offered = super::cards::offered_to(tx, request).await?;
    if !offered.contains(&actor) {
        return Ok(ClaimOutcome::NotOffered);
    }
    let now_ms = millis(now);
    if !tx.claim_open_request(request, actor, now_ms).await? {
        return Ok(ClaimOutcome::Taken(view));
    }
    tx.record_event(Some(request), Some(actor), &Event::Claimed, now_ms).await?;
    let claimed = reload(tx, request).await?;
    let claimed = clock::restart(tx, &claimed, policy, now).await?;
    let others = offered.into_iter().filter(|p| *p != actor).collect();
    Ok(ClaimOutcome::Claimed { request: claimed, others, holder: view.assignee.filter(|a| *a != actor) })
}

/// Moves the active requests assigned to `person`, who cannot be reached,
/// on to the next available responder.
pub async fn reroute_from(
    tx: &mut Tx,
    person: PersonId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<(RequestView, Option<Assignment>)>, StoreError> {
    let now_ms = millis(now);
    let mut moved = Vec::new();
    for request in tx.active_requests_assigned_to(person).await? {
        tx.record_event(Some(request), Some(person), &Event::AssigneeUnreachable, now_ms).await?;
        let view = reload(tx, request).await?;
        let building = tx.request_building(request).await?;
        let assignment = route_and_assign(tx, request, building, view.category, now_ms).await?;
        let rerouted = reload(tx, request).await?;
        moved.push((clock::restart(tx, &rerouted, policy, now).await?, assignment));
    }
    Ok(moved)
}

/// Everyone who has been given the request so far: its assignee and the
/// responders its escalations alerted, in that order, each once.
pub async fn involved(tx: &mut Tx, request: RequestId) -> Result<Vec<PersonId>, StoreError> {
    let Some(view) = tx.request_view(request).await? else { return Ok(Vec::new()) };
    let mut people: Vec<PersonId> = view.assignee.into_iter().collect();
    for event in tx.events_of(request).await? {
        let alerted = match event {
            Event::Escalated { to, .. } => vec![to],
            Event::AlertedEveryLevel { persons } => persons,
            _ => Vec::new(),
        };
        for person in alerted.into_iter().map(PersonId) {
            if !people.contains(&person) {
                people.push(person);
            }
        }
    }
    Ok(people)
}
