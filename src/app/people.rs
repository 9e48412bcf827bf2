//! Who someone is to the desk: the phone that binds them to the directory's
//! entry and its roles, and the home that makes them a resident.

use crate::domain::events::Event;
use crate::domain::{PersonId, Phone, Room, UnitId};
use crate::store::{BindOutcome, StoreError, Tx};

/// Gives `person` the phone they shared; the roles the directory listed
/// under it become theirs, with an event that says how many.
pub async fn bind_phone(tx: &mut Tx, person: PersonId, phone: &Phone, now: i64) -> Result<BindOutcome, StoreError> {
    let outcome = tx.bind_phone(person, phone).await?;
    if let BindOutcome::Bound { roles_gained } = outcome {
        tx.record_event(None, Some(person), &Event::PhoneBound { roles_gained }, now).await?;
    }
    Ok(outcome)
}

/// Makes `person` a resident of `building`, who has agreed to the privacy
/// notice.
pub async fn register(
    tx: &mut Tx,
    person: PersonId,
    building: UnitId,
    room: Option<&Room>,
    now: i64,
) -> Result<(), StoreError> {
    tx.register_resident(person, building, room, now).await
}
