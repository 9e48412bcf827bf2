//! Service levels, holidays and the timers of the escalation clock.

use std::collections::HashMap;
use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};

use super::jobs::{NewJob, Priority, Queue};
use super::{Result, StoreError, Tx, exec, millis, on};
use crate::domain::escalation::Timer;
use crate::domain::{Category, RequestId, ServiceLevel, Urgency};

/// Which deadline of a service level to change.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Deadline {
    Accept,
    Resolve,
}

/// The settings a transaction has read — service levels, holidays and the
/// pool's categories — kept until it ends or changes them: most turns want
/// them, and the turns of a batch then share one read.
#[derive(Default)]
pub(crate) struct Settings {
    levels: Option<HashMap<Urgency, ServiceLevel>>,
    holidays: Option<Vec<NaiveDate>>,
    pool: Option<Vec<Category>>,
}

impl Tx {
    pub async fn service_levels(&mut self) -> Result<HashMap<Urgency, ServiceLevel>> {
        if let Some(levels) = &self.settings.levels {
            return Ok(levels.clone());
        }
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
        self.settings.levels = Some(levels.clone());
        Ok(levels)
    }

    pub async fn set_service_level(&mut self, urgency: Urgency, deadline: Deadline, within: Duration) -> Result<()> {
        self.settings.levels = None;
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
        if let Some(days) = &self.settings.holidays {
            return Ok(days.clone());
        }
        let days: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT day FROM holidays ORDER BY day").fetch_all(c).await)?;
        let days: Vec<NaiveDate> = days.iter().filter_map(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").ok()).collect();
        self.settings.holidays = Some(days.clone());
        Ok(days)
    }

    /// Adds a holiday; returns whether it was new.
    pub async fn add_holiday(&mut self, day: NaiveDate) -> Result<bool> {
        self.settings.holidays = None;
        let added =
            exec!(self, |c| sqlx::query("INSERT INTO holidays (day) VALUES ($1) ON CONFLICT (day) DO NOTHING")
                .bind(day.format("%Y-%m-%d").to_string())
                .execute(c)
                .await)?;
        Ok(added == 1)
    }

    /// Removes a holiday; returns whether there was one.
    pub async fn remove_holiday(&mut self, day: NaiveDate) -> Result<bool> {
        self.settings.holidays = None;
        let removed = exec!(self, |c| sqlx::query("DELETE FROM holidays WHERE day = $1")
            .bind(day.format("%Y-%m-%d").to_string())
            .execute(c)
            .await)?;
        Ok(removed == 1)
    }

    /// The categories offered to the volunteer pool as well as routed.
    pub async fn pool_categories(&mut self) -> Result<Vec<Category>> {
        if let Some(pool) = &self.settings.pool {
            return Ok(pool.clone());
        }
        let names: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT category FROM pool_categories ORDER BY category")
                .fetch_all(c)
                .await)?;
        let pool: Vec<Category> = names.iter().filter_map(|name| Category::parse(name)).collect();
        self.settings.pool = Some(pool.clone());
        Ok(pool)
    }

    /// Adds a category to the pool or takes it out; returns whether that
    /// changed anything.
    pub async fn set_pool_category(&mut self, category: Category, pooled: bool) -> Result<bool> {
        self.settings.pool = None;
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
            "UPDATE jobs SET status = 'cancelled', finished_at = $1, lease_token = NULL \
             WHERE queue = 'timer' AND request_id = $2 AND status = 'pending'"
        )
        .bind(now)
        .bind(request.0)
        .execute(c)
        .await)?)
    }

    pub async fn schedule_timer(&mut self, timer: &Timer, at: DateTime<Utc>, now: i64) -> Result<()> {
        self.schedule_timers(&[(*timer, at)], now).await
    }

    /// Schedules several timers in one statement.
    pub async fn schedule_timers(&mut self, timers: &[(Timer, DateTime<Utc>)], now: i64) -> Result<()> {
        let payloads = timers
            .iter()
            .map(|(timer, _)| serde_json::to_string(timer).map_err(|e| StoreError::Corrupt(e.to_string())))
            .collect::<Result<Vec<_>>>()?;
        let jobs: Vec<NewJob> = timers
            .iter()
            .zip(&payloads)
            .map(|((timer, at), payload)| NewJob {
                queue: Queue::Timer,
                lane: None,
                dedupe_key: None,
                payload,
                due_at: millis(*at),
                request_id: Some(timer.request.0),
                priority: Priority::default(),
            })
            .collect();
        self.enqueue_all(&jobs, now).await?;
        Ok(())
    }
}
