//! A person's rights over their data: to see it, to have it erased, and to
//! have it kept no longer than needed.

use chrono::{DateTime, Utc};
use serde_json::json;

use crate::domain::PersonId;
use crate::domain::events::Event;
use crate::store::{Store, StoreError, Tx, from_millis, millis};

/// Closed requests are anonymised this long after they were closed, unless
/// configured otherwise.
pub const DEFAULT_RETENTION_DAYS: u32 = 180;

/// Everything stored about a person, as a JSON document for them to keep.
pub async fn my_data(tx: &mut Tx, person: PersonId) -> Result<serde_json::Value, StoreError> {
    let who = tx.person(person).await?;
    let phone = tx.phone_of(person).await?;
    let home = match tx.resident(person).await? {
        Some(resident) => {
            let units = tx.ancestry(resident.building).await?;
            let path: Vec<String> = units.iter().rev().map(|u| u.name.clone()).collect();
            json!({ "building": path.join(" / "), "room": resident.room })
        }
        None => serde_json::Value::Null,
    };
    let roles: Vec<serde_json::Value> = tx
        .roles_of(person)
        .await?
        .into_iter()
        .map(|r| json!({ "role": r.role.as_str(), "unit": r.unit_name }))
        .collect();
    let requests: Vec<serde_json::Value> = tx
        .own_requests(person)
        .await?
        .into_iter()
        .map(|r| {
            json!({
                "number": format!("#{}", r.number),
                "category": r.category,
                "urgency": r.urgency,
                "status": r.status,
                "description": r.description,
                "room": r.room,
                "created_at": from_millis(r.created_at).to_rfc3339(),
            })
        })
        .collect();
    Ok(json!({
        "telegram_id": who.as_ref().and_then(|p| p.telegram_id),
        "name": who.as_ref().map(|p| p.name.clone()),
        "language": who.as_ref().and_then(|p| p.locale.clone()),
        "phone": phone,
        "home": home,
        "roles": roles,
        "requests": requests,
    }))
}

/// Erases a person's identity, leaving their requests anonymised.
pub async fn forget(tx: &mut Tx, person: PersonId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let now_ms = millis(now);
    tx.forget_person(person, now_ms).await?;
    tx.record_event(None, Some(person), &Event::Forgotten, now_ms).await
}

/// The daily clean-up: anonymises requests finished longer than
/// `retention_days` ago and prunes finished work from the job queue.
pub async fn daily_cleanup(store: &Store, retention_days: u32, now: DateTime<Utc>) -> Result<u64, StoreError> {
    let now_ms = millis(now);
    let day = 24 * 60 * 60 * 1000;
    let mut tx = store.begin().await?;
    let anonymised = tx.anonymise_finished_before(now_ms - i64::from(retention_days) * day).await?;
    // Updates are kept a week (Telegram re-sends for at most a day); sent
    // messages a month, for edits of the cards they carry.
    tx.prune_finished(crate::store::Queue::Inbox, now_ms - 7 * day).await?;
    tx.prune_finished(crate::store::Queue::Timer, now_ms - 7 * day).await?;
    tx.prune_finished(crate::store::Queue::Outbox, now_ms - 30 * day).await?;
    tx.commit().await?;
    Ok(anonymised)
}
