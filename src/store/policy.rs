//! Service levels, holidays and the timers of the escalation clock.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::jobs::{NewJob, Queue};
use super::{Result, StoreError, Tx, exec, millis, on};
use crate::domain::escalation::Timer;
use crate::domain::{RequestId, ServiceLevel, Urgency};

/// Which deadline of a service level to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Accept,
    Resolve,
}

impl Tx {
    pub async fn service_levels(&mut self) -> Result<HashMap<Urgency, ServiceLevel>> {
        let rows: Vec<(String, i64, i64, bool)> = on!(self, |c| sqlx::query_as(
            "SELECT urgency, accept_ms, resolve_ms, service_hours_only FROM service_levels"
        )
        .fetch_all(c)
        .await)?;
        let mut levels: HashMap<Urgency, ServiceLevel> =
            Urgency::ALL.iter().map(|u| (*u, ServiceLevel::default_for(*u))).collect();
        for (urgency, accept, resolve, service_hours_only) in rows {
            let urgency = Urgency::parse(&urgency).ok_or_else(|| StoreError::Corrupt(format!("urgency {urgency}")))?;
            let ms = |v: i64| Duration::from_millis(u64::try_from(v).unwrap_or(0));
            levels.insert(
                urgency,
                ServiceLevel { accept_within: ms(accept), resolve_within: ms(resolve), service_hours_only },
            );
        }
        Ok(levels)
    }

    pub async fn set_service_level(&mut self, urgency: Urgency, deadline: Deadline, within: Duration) -> Result<()> {
        let ms = i64::try_from(within.as_millis()).unwrap_or(i64::MAX);
        match deadline {
            Deadline::Accept => {
                exec!(self, |c| sqlx::query("UPDATE service_levels SET accept_ms = $1 WHERE urgency = $2")
                    .bind(ms)
                    .bind(urgency.as_str())
                    .execute(c)
                    .await)?
            }
            Deadline::Resolve => {
                exec!(self, |c| sqlx::query("UPDATE service_levels SET resolve_ms = $1 WHERE urgency = $2")
                    .bind(ms)
                    .bind(urgency.as_str())
                    .execute(c)
                    .await)?
            }
        };
        Ok(())
    }

    pub async fn holidays(&mut self) -> Result<Vec<NaiveDate>> {
        let days: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT day FROM holidays ORDER BY day").fetch_all(c).await)?;
        Ok(days.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect())
    }

    /// Adds a holiday; returns whether it was new.
    pub async fn add_holiday(&mut self, day: NaiveDate) -> Result<bool> {
        let added =
            exec!(self, |c| sqlx::query("INSERT INTO holidays (day) VALUES ($1) ON CONFLICT (day) DO NOTHING")
                .bind(day.format("%Y-%m-%d").to_string())
                .execute(c)
                .await)?;
        Ok(added == 1)
    }

    /// Removes a holiday; returns whether there was one.
    pub async fn remove_holiday(&mut self, day: NaiveDate) -> Result<bool> {
        let removed = exec!(self, |c| sqlx::query("DELETE FROM holidays WHERE day = $1")
            .bind(day.format("%Y-%m-%d").to_string())
            .execute(c)
            .await)?;
        Ok(removed == 1)
    }

    /// The categories offered to the volunteer pool as well as routed.
    pub async fn pool_categories(&mut self) -> Result<Vec<crate::domain::Category>> {
        let names: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT category FROM pool_categories ORDER BY category")
                .fetch_all(c)
                .await)?;
        Ok(names.iter().filter_map(|name| crate::domain::Category::parse(name)).collect())
    }

    /// Adds a category to the pool or takes it out; returns whether that
    /// changed anything.
    pub async fn set_pool_category(&mut self, category: crate::domain::Category, pooled: bool) -> Result<bool> {
        let changed = if pooled {
            exec!(self, |c| sqlx::query(
                "INSERT INTO pool_categories (category) VALUES ($1) ON CONFLICT (category) DO NOTHING"
            )
            .bind(category.as_str())
            .execute(c)
            .await)?
        } else {
            exec!(self, |c| sqlx::query("DELETE FROM pool_categories WHERE category = $1")
                .bind(category.as_str())
                .execute(c)
                .await)?
        };
        Ok(changed == 1)
    }

    /// Cancels every pending timer of a request, before its clock restarts.
    pub async fn cancel_timers(&mut self, request: RequestId, now: i64) -> Result<u64> {
        Ok(exec!(self, |c| sqlx::query(
            "UPDATE jobs SET status = 'cancelled', finished_at = $1 \
             WHERE queue = 'timer' AND request_id = $2 AND status = 'pending'"
        )
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?)
    }

    pub async fn schedule_timer(&mut self, timer: &Timer, at: DateTime<Utc>, now: i64) -> Result<()> {
        let payload = serde_json::to_string(timer).map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let job = NewJob {
            queue: Queue::Timer,
            lane: None,
            dedupe_key: None,
            payload: &payload,
            due_at: millis(at),
            request_id: Some(timer.request.0),
        };
        self.enqueue(job, now).await?;
        Ok(())
    }
}
