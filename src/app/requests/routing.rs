//! Giving a request to someone, and who stands above whoever has it: what
//! the steps of a request share.

use crate::domain::events::Event;
use crate::domain::routing::{Assignment, RoutingDecision, route};
use crate::domain::{Category, PersonId, RequestId};
use crate::store::{RequestView, StoreError, Tx};

/// Routes a request from its building and records the decision; an open
/// request nobody can take is left unassigned. Returns the assignment.
pub(super) async fn route_and_assign(
    tx: &mut Tx,
    request: RequestId,
    building: crate::domain::UnitId,
    category: Category,
    now_ms: i64,
) -> Result<Option<Assignment>, StoreError> {
    let decision = route_again(tx, request, building, category, now_ms).await?;
    apply_routing(tx, request, &decision, now_ms).await?;
    Ok(decision.assignment)
}
/// Routes an existing request from its building, passing over whoever
/// declined it.
pub(super) async fn route_again(
    tx: &mut Tx,
    request: RequestId,
    building: crate::domain::UnitId,
    category: Category,
    now_ms: i64,
) -> Result<RoutingDecision, StoreError> {
    let chain = tx.routing_chain(building, Some(request), now_ms).await?;
    Ok(route(&chain, category, 0))
}
/// Gives a request to whom `decision` chose, or to nobody, and records why.
pub(super) async fn apply_routing(
    tx: &mut Tx,
    request: RequestId,
    decision: &RoutingDecision,
    now_ms: i64,
) -> Result<(), StoreError> {
    match &decision.assignment {
        Some(assignment) => tx.assign(request, assignment, None, now_ms).await?,
        None => tx.unassign(request, now_ms).await?,
    }
    tx.record_event(Some(request), None, &routing_event(decision), now_ms).await
}
/// The event that records a routing decision: routed, or nobody to take it.
pub(super) fn routing_event(decision: &RoutingDecision) -> Event {
    match decision.assignment {
        Some(_) => Event::Routed { decision: decision.clone() },
        None => Event::Unroutable { decision: decision.clone() },
    }
}
pub(super) async fn reload(tx: &mut Tx, request: RequestId) -> Result<RequestView, StoreError> {
    tx.request_view(request)
        .await?
        .ok_or_else(|| StoreError::Corrupt("a request vanished inside its own transaction".into()))
}
/// The level and role from which `actor` may act on a request above its
/// assignee: they were alerted by its escalation, or they hold a role higher
/// up its chain than the assignee does.
pub(in crate::app) async fn authority_over(
    tx: &mut Tx,
    request: &RequestView,
    actor: PersonId,
    now_ms: i64,
) -> Result<Option<(i64, crate::domain::Role)>, StoreError> {
    let building = tx.request_building(request.id).await?;
    let chain = tx.routing_chain(building, Some(request.id), now_ms).await?;
    // Only responder roles count (not volunteers), and only those that cover
    // the request's category: a mediator for disputes has no say over a
    // water leak, nor a volunteer over an elderly person's request.
    let covers = |c: &crate::domain::routing::Candidate| {
        c.person == actor
            && c.role.routing_rank().is_some()
            && c.categories.as_ref().is_none_or(|categories| categories.contains(&request.category))
    };
    let highest = chain
        .iter()
        .enumerate()
        .rev()
        .find_map(|(index, level)| level.candidates.iter().find(|c| covers(c)).map(|c| (index as i64, c.role)));
    let Some((actor_level, role)) = highest else { return Ok(None) };
    let assignee_level = match request.assignee {
        Some(assignee) => tx.level_in_chain(request, assignee, now_ms).await?.unwrap_or(request.escalation_level),
        None => -1,
    };
    let alerted = request.escalated_to == Some(actor);
    Ok((alerted || actor_level > assignee_level).then_some((actor_level, role)))
}
