//! Recurring problems: the requests of a category in a building the rule
//! looks at, the problems opened for the estate group leader and the
//! requests behind them, and the rule's numbers.

use super::followers::households_of;
use super::{Result, StoreError, Tx, exec, on};
use crate::domain::reporters::{Occurrence, RecurringRule};
use crate::domain::{Category, PersonId, RequestId, UnitId};

/// A recurring problem as `/stats problems` ranks it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecurringProblem {
    pub id: i64,
    pub building_code: String,
    pub category: Category,
    pub opened_at: i64,
    pub requests: i64,
    pub households: i64,
}

/// One request of a category in a building, for the recurring-problem rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PastRequest {
    pub id: RequestId,
    pub occurrence: Occurrence,
}

fn category(name: &str) -> Result<Category> {
    Category::parse(name).ok_or_else(|| StoreError::Corrupt(format!("category {name}")))
}

impl Tx {
    pub async fn recurring_rule(&mut self) -> Result<RecurringRule> {
        let (window, requests, households, after_close): (i64, i64, i64, i64) = on!(self, |c| sqlx::query_as(
            "SELECT window_days, min_requests, min_households, after_close_days FROM recurring_rule WHERE id = 1"
        )
        .fetch_one(c)
        .await)?;
        let days = |n: i64| u32::try_from(n).map_err(|_| StoreError::Corrupt(format!("recurring rule number {n}")));
        Ok(RecurringRule {
            window_days: days(window)?,
            min_requests: days(requests)?,
            min_households: days(households)?,
            after_close_days: days(after_close)?,
        })
    }

    pub async fn set_recurring_rule(&mut self, rule: &RecurringRule) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "UPDATE recurring_rule SET window_days = $1, min_requests = $2, min_households = $3, \
             after_close_days = $4 WHERE id = 1"
        )
        .bind(i64::from(rule.window_days))
        .bind(i64::from(rule.min_requests))
        .bind(i64::from(rule.min_households))
        .bind(i64::from(rule.after_close_days))
        .execute(c)
        .await)?;
        Ok(())
    }

    /// The requests of `category` in `building`, cancelled ones aside,
    /// created or changed since `since`, with when each was closed.
    pub async fn past_requests(
        &mut self,
        building: UnitId,
        category: Category,
        since: i64,
    ) -> Result<Vec<PastRequest>> {
        #[allow(clippy::type_complexity)]
        let rows: Vec<(i64, Option<String>, Option<i64>, i64, Option<i64>)> = on!(self, |c| sqlx::query_as(
            "SELECT q.id, q.room, q.resident_id, q.created_at, \
               CASE WHEN q.status = 'closed' THEN (SELECT MAX(e.at) FROM events e WHERE e.request_id = q.id \
                 AND e.kind IN ('confirmed', 'auto_closed')) END \
             FROM requests q WHERE q.building_id = $1 AND q.category = $2 \
               AND q.status <> 'cancelled' AND (q.created_at >= $3 OR q.updated_at >= $3) ORDER BY q.id"
        )
        .bind(building.0)
        .bind(category.as_str())
        .bind(since)
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, room, resident, created_at, closed_at)| PastRequest {
                id: RequestId(id),
                occurrence: Occurrence { household: household(id, room, resident), created_at, closed_at },
            })
            .collect())
    }

    /// The recurring problem of `category` in `building` whose latest
    /// request was created since `since`, if there is one.
    pub async fn current_recurring_problem(
        &mut self,
        building: UnitId,
        category: Category,
        since: i64,
    ) -> Result<Option<i64>> {
        Ok(on!(self, |c| sqlx::query_scalar(
            "SELECT rp.id FROM recurring_problems rp WHERE rp.building_id = $1 AND rp.category = $2 \
               AND EXISTS (SELECT 1 FROM recurring_problem_requests l JOIN requests q ON q.id = l.request_id \
                 WHERE l.problem_id = rp.id AND q.created_at >= $3) \
             ORDER BY rp.id DESC LIMIT 1"
        )
        .bind(building.0)
        .bind(category.as_str())
        .bind(since)
        .fetch_optional(c)
        .await)?)
    }

    pub async fn open_recurring_problem(
        &mut self,
        building: UnitId,
        category: Category,
        leader: Option<PersonId>,
        reason: &str,
        now: i64,
    ) -> Result<i64> {
        Ok(on!(self, |c| sqlx::query_scalar(
            "INSERT INTO recurring_problems (building_id, category, leader_id, reason, opened_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(building.0)
        .bind(category.as_str())
        .bind(leader.map(|l| l.0))
        .bind(reason)
        .bind(now)
        .fetch_one(c)
        .await)?)
    }

    /// Links requests to a recurring problem; returns those not linked
    /// before.
    pub async fn link_recurring(&mut self, problem: i64, requests: &[RequestId]) -> Result<Vec<RequestId>> {
        let mut linked = Vec::new();
        for request in requests {
            let added = exec!(self, |c| sqlx::query(
                "INSERT INTO recurring_problem_requests (problem_id, request_id) VALUES ($1, $2) \
                 ON CONFLICT (problem_id, request_id) DO NOTHING"
            )
            .bind(problem)
            .bind(request.0)
            .execute(c)
            .await)?;
            if added == 1 {
                linked.push(*request);
            }
        }
        Ok(linked)
    }

    /// The requests behind a recurring problem, in order.
    pub async fn recurring_requests(&mut self, problem: i64) -> Result<Vec<RequestId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT request_id FROM recurring_problem_requests WHERE problem_id = $1 ORDER BY request_id"
        )
        .bind(problem)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RequestId).collect())
    }

    /// The recurring problems opened in `[from, to)` in the buildings under
    /// `unit`, the most households affected first.
    pub async fn recurring_problems(&mut self, unit: UnitId, from: i64, to: i64) -> Result<Vec<RecurringProblem>> {
        let rows: Vec<(i64, String, String, i64, i64)> = on!(self, |c| sqlx::query_as(
            "WITH RECURSIVE below (id) AS ( \
               SELECT id FROM units WHERE id = $1 \
               UNION SELECT u.id FROM units u JOIN below b ON u.parent_id = b.id) \
             SELECT rp.id, b.code, rp.category, rp.opened_at, \
               (SELECT COUNT(*) FROM recurring_problem_requests l WHERE l.problem_id = rp.id) \
             FROM recurring_problems rp JOIN units b ON b.id = rp.building_id \
             WHERE rp.building_id IN (SELECT id FROM below) AND rp.opened_at >= $2 AND rp.opened_at < $3 \
             ORDER BY rp.id"
        )
        .bind(unit.0)
        .bind(from)
        .bind(to)
        .fetch_all(c)
        .await)?;
        let mut problems = Vec::new();
        for (id, building_code, name, opened_at, requests) in rows {
            let households: i64 = on!(self, |c| sqlx::query_scalar(households_of!(
                "SELECT q.resident_id AS person_id FROM recurring_problem_requests l \
                   JOIN requests q ON q.id = l.request_id WHERE l.problem_id = $1 AND q.resident_id IS NOT NULL \
                 UNION SELECT f.person_id FROM recurring_problem_requests l \
                   JOIN followers f ON f.request_id = l.request_id WHERE l.problem_id = $1"
            ))
            .bind(id)
            .fetch_one(c)
            .await)?;
            problems.push(RecurringProblem {
                id,
                building_code,
                category: category(&name)?,
                opened_at,
                requests,
                households,
            });
        }
        problems
            .sort_by(|a, b| b.households.cmp(&a.households).then(b.requests.cmp(&a.requests)).then(a.id.cmp(&b.id)));
        Ok(problems)
    }
}

/// What tells the households of one building apart: the room where it is
/// known, else the reporter, else the request itself.
fn household(id: i64, room: Option<String>, resident: Option<i64>) -> String {
    match (room, resident) {
        (Some(room), _) => format!("room {room}"),
        (None, Some(person)) => format!("person {person}"),
        (None, None) => format!("request {id}"),
    }
}
