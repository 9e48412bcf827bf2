//! Use cases of who people are: binding a phone, registering a home,
//! choosing a language, becoming unreachable, coming back from away, and the
//! roles an admin grants or revokes.

use chrono::{DateTime, Utc};

use super::clock::Policy;
use super::requests::reroute_from;
use crate::domain::events::Event;
use crate::domain::routing::Assignment;
use crate::domain::{PersonId, Phone, Role, Room, TelegramId, UnitId};
use crate::i18n::Locale;
use crate::store::{BindOutcome, RequestView, StoreError, Tx};

/// Binds `phone` to `person`, with the roles the directory lists for it.
pub async fn bind_phone(tx: &mut Tx, person: PersonId, phone: &Phone, now: i64) -> Result<BindOutcome, StoreError> {
    let outcome = tx.bind_phone(person, phone).await?;
    if let BindOutcome::Bound { roles_gained } = outcome {
        tx.record_event(None, Some(person), &Event::PhoneBound { roles_gained }, now).await?;
    }
    Ok(outcome)
}

/// Makes `person` a resident of `building`, who has accepted the privacy
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

pub async fn set_locale(tx: &mut Tx, person: PersonId, locale: Locale) -> Result<(), StoreError> {
    tx.set_locale(person, locale.code()).await
}

/// Telegram said the person of `chat` cannot be reached (they blocked the
/// bot, say): they are marked so, and the requests waiting on them move on
/// to the next available responder, each with where it went.
pub async fn unreachable(
    tx: &mut Tx,
    chat: TelegramId,
    policy: &Policy,
    now: DateTime<Utc>,
) -> Result<Vec<(RequestView, Option<Assignment>)>, StoreError> {
    let Some(person) = tx.person_by_telegram(chat).await? else { return Ok(Vec::new()) };
    tx.set_reachable(person.id, false).await?;
    reroute_from(tx, person.id, policy, now).await
}

/// `person` is available again; the requests waiting for someone are then
/// routed again by [`super::requests::route_waiting`].
pub async fn come_back(tx: &mut Tx, person: PersonId) -> Result<(), StoreError> {
    tx.set_away(person, None).await
}

/// A role an admin grants or revokes, for the person with this phone.
pub struct RoleChange<'a> {
    pub grant: bool,
    pub role: Role,
    pub unit: UnitId,
    pub phone: &'a Phone,
    /// The name of someone granted a role before the bot knows them.
    pub name: &'a str,
}

/// Who the change was for (nobody when revoking from an unknown phone) and
/// whether it changed anything.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RoleChanged {
    pub person: Option<PersonId>,
    pub changed: bool,
}

pub async fn change_role(
    tx: &mut Tx,
    admin: PersonId,
    change: &RoleChange<'_>,
    now: i64,
) -> Result<RoleChanged, StoreError> {
    let RoleChange { grant, role, unit, phone, name } = *change;
    let person =
        if grant { Some(tx.person_with_phone(phone, name, now).await?) } else { tx.person_id_by_phone(phone).await? };
    let changed = match person {
        Some(person) if grant => tx.grant_role(person, role, unit).await?,
        Some(person) => tx.revoke_role(person, role, unit).await?,
        None => false,
    };
    if let (Some(person), true) = (person, changed) {
        let event = if grant {
            Event::RoleGranted { person: person.0, role, unit: unit.0 }
        } else {
            Event::RoleRevoked { person: person.0, role, unit: unit.0 }
        };
        tx.record_event(None, Some(admin), &event, now).await?;
    }
    Ok(RoleChanged { person, changed })
}
