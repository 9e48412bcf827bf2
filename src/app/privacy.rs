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
/// Visits to households are deleted this long after they were made, unless
/// configured otherwise.
pub const DEFAULT_CARE_RETENTION_DAYS: u32 = 365;
/// Recorded updates are kept this long after they were handled (Telegram
/// re-sends an update for at most a day).
pub const UPDATE_KEEPING_DAYS: u32 = 7;
/// Sent messages are kept this long, for edits of the cards they carry.
pub const MESSAGE_KEEPING_DAYS: u32 = 30;
/// Fired timers are kept this long; they hold no one's words.
const TIMER_KEEPING_DAYS: u32 = 7;

/// How long what people wrote is kept, in days: the periods `/privacy`
/// states and the daily clean-up applies. Stored updates and messages carry
/// the texts of requests too, so none is kept longer than the retention.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Keeping {
    /// Finished requests, until they are anonymised.
    pub requests: u32,
    /// Updates people sent the bot, once handled.
    pub updates: u32,
    /// Messages the bot sent, once sent.
    pub messages: u32,
}

impl Keeping {
    pub fn with_retention(retention_days: u32) -> Keeping {
        Keeping {
            requests: retention_days,
            updates: UPDATE_KEEPING_DAYS.min(retention_days),
            messages: MESSAGE_KEEPING_DAYS.min(retention_days),
        }
    }
}

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
    let household = match tx.household_of_resident(person).await? {
        Some(household) => {
            let visits: Vec<serde_json::Value> = tx
                .visits_of(household.id)
                .await?
                .into_iter()
                .map(|v| json!({ "at": from_millis(v.at).to_rfc3339(), "outcome": v.outcome.as_str(), "note": v.note }))
                .collect();
            json!({
                "room": household.room.to_string(),
                "members": household.members,
                "tags": household.tags,
                "note": household.note,
                "visits": visits,
            })
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
    let following: Vec<serde_json::Value> = tx
        .followed_requests(person)
        .await?
        .into_iter()
        .map(|f| {
            json!({
                "number": format!("#{}", f.number),
                "category": f.category,
                "status": f.status,
                "since": from_millis(f.since).to_rfc3339(),
                "rating": f.rating,
            })
        })
        .collect();
    let checkins = checkins_of(tx, person).await?;
    Ok(json!({
        "telegram_id": who.as_ref().and_then(|p| p.telegram_id),
        "name": who.as_ref().map(|p| p.name.clone()),
        "language": who.as_ref().and_then(|p| p.locale.clone()),
        "phone": phone,
        "home": home,
        "household": household,
        "roles": roles,
        "requests": requests,
        "following": following,
        "checkins": checkins,
    }))
}

/// A person's daily check-ins: their choice, each day's ladder, and the
/// family links either way.
async fn checkins_of(tx: &mut Tx, person: PersonId) -> Result<serde_json::Value, StoreError> {
    let enrolment = tx.enrolment(person).await?.map(|e| format!("{e:?}"));
    let days: Vec<serde_json::Value> = tx
        .checkin_history(person)
        .await?
        .into_iter()
        .map(|d| {
            json!({
                "deadline": from_millis(d.deadline).to_rfc3339(),
                "steps": d.rungs.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
                "checked_in_at": d.checked_in_at.map(|at| from_millis(at).to_rfc3339()),
                "outcome": d.outcome.map(|o| o.as_str()),
            })
        })
        .collect();
    let relatives: Vec<i64> = tx.relatives(person).await?.into_iter().map(|p| p.0).collect();
    let family_of: Vec<i64> = tx.family_of(person).await?.into_iter().map(|p| p.0).collect();
    Ok(json!({ "enrolment": enrolment, "days": days, "relatives": relatives, "relative_of": family_of }))
}

/// Erases a person's identity, leaving their requests anonymised.
pub async fn forget(tx: &mut Tx, person: PersonId, now: DateTime<Utc>) -> Result<(), StoreError> {
    let now_ms = millis(now);
    tx.forget_checkins(person).await?;
    tx.forget_person(person, now_ms).await?;
    tx.record_event(None, Some(person), &Event::Forgotten, now_ms).await
}

/// The daily clean-up: anonymises requests finished longer than
/// `retention_days` ago, deletes visits and check-in days older than
/// `care_retention_days` and
/// prunes finished work from the job queue, each kind after its [`Keeping`].
pub async fn daily_cleanup(
    store: &Store,
    retention_days: u32,
    care_retention_days: u32,
    now: DateTime<Utc>,
) -> Result<u64, StoreError> {
    let now_ms = millis(now);
    let before = |days: u32| now_ms - i64::from(days) * 24 * 60 * 60 * 1000;
    let keeping = Keeping::with_retention(retention_days);
    let mut tx = store.begin().await?;
    let anonymised = tx.anonymise_finished_before(before(keeping.requests)).await?;
    tx.delete_visits_before(before(care_retention_days)).await?;
    tx.delete_checkin_days_before(before(care_retention_days)).await?;
    tx.prune_finished(crate::store::Queue::Inbox, before(keeping.updates)).await?;
    tx.prune_finished(crate::store::Queue::Timer, before(TIMER_KEEPING_DAYS)).await?;
    tx.prune_sent_messages(before(keeping.messages)).await?;
    tx.commit().await?;
    Ok(anonymised)
}
