//! Where a person stands towards a request they were shown: what its card
//! may still offer them.

use chrono::{DateTime, Utc};

use crate::domain::events::Event;
use crate::domain::{PersonId, RequestId, Status};
use crate::store::{RequestView, StoreError, Tx, millis};

/// What a reader of a request's card can still do with it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Standing {
    /// They hold it: accept or decline, reply or resolve.
    Holder,
    /// They are above its holder in its chain, or were alerted to it: take
    /// over or reassign.
    Above,
    /// A volunteer it is offered to, while it is open: claim it.
    Offered,
    /// Nothing any more: someone else has it, or it is finished.
    Onlooker,
}

/// Where `person` stands towards `request` as it is now.
pub async fn standing(
    tx: &mut Tx,
    request: &RequestView,
    person: PersonId,
    now: DateTime<Utc>,
) -> Result<Standing, StoreError> {
    if request.assignee == Some(person) {
        return Ok(Standing::Holder);
    }
    if !request.status.is_active() {
        return Ok(Standing::Onlooker);
    }
    if request.status == Status::Open && offered_to(tx, request.id).await?.contains(&person) {
        return Ok(Standing::Offered);
    }
    Ok(match super::requests::routing::authority_over(tx, request, person, millis(now)).await? {
        Some(_) => Standing::Above,
        None => Standing::Onlooker,
    })
}

/// The volunteers a request was offered to.
pub async fn offered_to(tx: &mut Tx, request: RequestId) -> Result<Vec<PersonId>, StoreError> {
    Ok(tx
        .events_of(request)
        .await?
        .into_iter()
        .flat_map(|event| match event {
            Event::OfferedToVolunteers { persons } => persons,
            _ => Vec::new(),
        })
        .map(PersonId)
        .collect())
}
