//! Use cases of `/sla`: the service levels, the volunteer pool and the
//! holidays an admin sets, each change recorded as the admin's.

use std::time::Duration;

use chrono::NaiveDate;

use crate::domain::events::Event;
use crate::domain::{Category, PersonId, Urgency};
use crate::store::{Deadline, StoreError, Tx};

pub async fn set_service_level(
    tx: &mut Tx,
    admin: PersonId,
    urgency: Urgency,
    deadline: Deadline,
    within: Duration,
    now: i64,
) -> Result<(), StoreError> {
    tx.set_service_level(urgency, deadline, within).await?;
    let deadline = match deadline {
        Deadline::Accept => "accept",
        Deadline::Resolve => "resolve",
    };
    let event = Event::ServiceLevelChanged { urgency, deadline: deadline.to_string(), seconds: within.as_secs() };
    tx.record_event(None, Some(admin), &event, now).await
}

/// Puts `category` into the volunteer pool or takes it out; says whether
/// that changed anything.
pub async fn set_pooled(
    tx: &mut Tx,
    admin: PersonId,
    category: Category,
    pooled: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = tx.set_pool_category(category, pooled).await?;
    if changed {
        tx.record_event(None, Some(admin), &Event::PoolChanged { category, pooled }, now).await?;
    }
    Ok(changed)
}

/// Adds or removes a holiday; says whether that changed anything.
pub async fn set_holiday(
    tx: &mut Tx,
    admin: PersonId,
    day: NaiveDate,
    added: bool,
    now: i64,
) -> Result<bool, StoreError> {
    let changed = if added { tx.add_holiday(day).await? } else { tx.remove_holiday(day).await? };
    if changed {
        tx.record_event(None, Some(admin), &Event::HolidayChanged { day: day.to_string(), added }, now).await?;
    }
    Ok(changed)
}
