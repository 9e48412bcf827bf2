//! Reporting a request and acting on it.

use chrono::{DateTime, Utc};

use crate::domain::events::Event;
use crate::domain::request::MAX_OPEN_REQUESTS_PER_RESIDENT;
use crate::domain::routing::{Assignment, route};
use crate::domain::{
    Attachment, Category, Description, PersonId, RequestId, ServiceLevel, Status, Urgency,
};
use crate::store::{NewRequest, RequestView, StoreError, Tx, millis};

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
    pub service_level: ServiceLevel,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SubmitRefusal {
    NotRegistered,
    TooManyOpen { max: usize },
}

/// Creates the request, routes it and records both in the event log.
pub async fn submit(
    tx: &mut Tx,
    resident: PersonId,
    draft: &Draft,
    now: DateTime<Utc>,
) -> Result<Result<Submitted, SubmitRefusal>, StoreError> {
    let Some(home) = tx.resident(resident).await? else {
        return Ok(Err(SubmitRefusal::NotRegistered));
    };
    if tx.count_active_requests_of(resident).await? >= MAX_OPEN_REQUESTS_PER_RESIDENT as i64 {
        return Ok(Err(SubmitRefusal::TooManyOpen {
            max: MAX_OPEN_REQUESTS_PER_RESIDENT,
        }));
    }
    let ancestry = tx.ancestry(home.building).await?;
    let community = ancestry.last().map(|unit| unit.id).unwrap_or(home.building);
    let now_ms = millis(now);
    let new = NewRequest {
        community,
        resident,
        building: home.building,
        room: home.room.clone(),
        category: draft.category,
        urgency: draft.urgency,
        description: draft.description.as_str().to_string(),
        attachments: draft.attachments.clone(),
        now: now_ms,
    };
    let number = tx.next_request_number(community).await?;
    let id = tx.insert_request(&new, number).await?;
    let created = Event::Created {
        category: draft.category,
        urgency: draft.urgency,
        attachments: draft.attachments.len(),
    };
    tx.record_event(Some(id), Some(resident), &created, now_ms)
        .await?;

    let service_level = ServiceLevel::default_for(draft.urgency);
    let chain = tx.routing_chain(home.building, Some(id), now_ms).await?;
    let decision = route(&chain, draft.category, 0);
    match &decision.assignment {
        Some(assignment) => {
            let accept_due = now_ms + service_level.accept_within.as_millis() as i64;
            tx.assign(id, assignment, Some(accept_due), now_ms).await?;
            tx.record_event(
                Some(id),
                None,
                &Event::Routed {
                    decision: decision.clone(),
                },
                now_ms,
            )
            .await?;
        }
        None => {
            tx.record_event(
                Some(id),
                None,
                &Event::Unroutable {
                    decision: decision.clone(),
                },
                now_ms,
            )
            .await?
        }
    }
    let request = tx.request_view(id).await?.ok_or_else(|| {
        StoreError::Corrupt("a request vanished inside its own transaction".into())
    })?;
    Ok(Ok(Submitted {
        request,
        assignment: decision.assignment,
        service_level,
    }))
}

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
    now: DateTime<Utc>,
) -> Result<AcceptOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else {
        return Ok(AcceptOutcome::Missing);
    };
    if view.assignee != Some(actor) {
        return Ok(AcceptOutcome::NotYours);
    }
    let now_ms = millis(now);
    if view.status != Status::Open
        || !tx
            .transition_as_assignee(request, actor, Status::Open, Status::Accepted, now_ms)
            .await?
    {
        let current = tx.request_view(request).await?.unwrap_or(view);
        return Ok(match current.status {
            Status::Accepted => AcceptOutcome::AlreadyAccepted(current),
            _ => AcceptOutcome::NoLongerOpen(current),
        });
    }
    tx.record_event(Some(request), Some(actor), &Event::Accepted, now_ms)
        .await?;
    let accepted = tx
        .request_view(request)
        .await?
        .ok_or_else(|| StoreError::Corrupt("accepted request vanished".into()))?;
    Ok(AcceptOutcome::Accepted(accepted))
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

/// The assignee passes a request on. They are not asked again for it.
pub async fn decline(
    tx: &mut Tx,
    request: RequestId,
    actor: PersonId,
    now: DateTime<Utc>,
) -> Result<DeclineOutcome, StoreError> {
    let Some(view) = tx.request_view(request).await? else {
        return Ok(DeclineOutcome::Missing);
    };
    if view.assignee != Some(actor) {
        return Ok(DeclineOutcome::NotYours);
    }
    if view.status.apply(crate::domain::Action::Decline).is_err() {
        return Ok(DeclineOutcome::NoLongerOpen(view));
    }
    let now_ms = millis(now);
    if !tx
        .transition_as_assignee(request, actor, view.status, Status::Open, now_ms)
        .await?
    {
        return Ok(DeclineOutcome::NotYours);
    }
    tx.record_event(Some(request), Some(actor), &Event::Declined, now_ms)
        .await?;
    let building = tx.request_building(request).await?;
    let chain = tx.routing_chain(building, Some(request), now_ms).await?;
    let decision = route(&chain, view.category, 0);
    match &decision.assignment {
        Some(assignment) => {
            let accept_due = now_ms
                + ServiceLevel::default_for(view.urgency)
                    .accept_within
                    .as_millis() as i64;
            tx.assign(request, assignment, Some(accept_due), now_ms)
                .await?;
            tx.record_event(
                Some(request),
                None,
                &Event::Routed {
                    decision: decision.clone(),
                },
                now_ms,
            )
            .await?;
        }
        None => {
            tx.unassign(request, now_ms).await?;
            tx.record_event(
                Some(request),
                None,
                &Event::Unroutable {
                    decision: decision.clone(),
                },
                now_ms,
            )
            .await?;
        }
    }
    let request = tx
        .request_view(request)
        .await?
        .ok_or_else(|| StoreError::Corrupt("declined request vanished".into()))?;
    Ok(DeclineOutcome::Rerouted {
        request,
        assignment: decision.assignment,
    })
}
