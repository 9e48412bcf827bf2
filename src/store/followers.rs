//! Many reporters of one problem: followers of a request, merges of
//! duplicates, known outages, estate-wide categories and recurring problems.

use super::directory::chain_cte;
use super::{Result, StoreError, Tx, exec, on};
use crate::domain::reporters::{Occurrence, RecurringRule};
use crate::domain::{Category, PersonId, RequestId, Status, UnitId};

/// Counts the households among people (`p.person_id`): residents of one
/// room of one building are one household, anyone else a household of
/// their own.
macro_rules! households_of {
    ($people:literal) => {
        concat!(
            "SELECT COUNT(DISTINCT COALESCE(CAST(r.building_id AS TEXT) || '/' || r.room, \
               '#' || CAST(p.person_id AS TEXT))) FROM (",
            $people,
            ") p LEFT JOIN residents r ON r.person_id = p.person_id"
        )
    };
}

pub(super) use households_of;

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
    /// Makes `person` a follower of `request` (`via` the merged request that
    /// brought them); returns whether they were not one already.
    pub async fn follow(
        &mut self,
        request: RequestId,
        person: PersonId,
        via: Option<RequestId>,
        now: i64,
    ) -> Result<bool> {
        let added = exec!(self, |c| sqlx::query(
            "INSERT INTO followers (request_id, person_id, via_request, since) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (request_id, person_id) DO NOTHING"
        )
        .bind(request.0)
        .bind(person.0)
        .bind(via.map(|v| v.0))
        .bind(now)
        .execute(c)
        .await)?;
        Ok(added == 1)
    }

    /// The followers of a request, in the order they came.
    pub async fn followers_of(&mut self, request: RequestId) -> Result<Vec<PersonId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM followers WHERE request_id = $1 ORDER BY since, person_id"
        )
        .bind(request.0)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(PersonId).collect())
    }

    pub async fn is_follower(&mut self, request: RequestId, person: PersonId) -> Result<bool> {
        let found: Option<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM followers WHERE request_id = $1 AND person_id = $2"
        )
        .bind(request.0)
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(found.is_some())
    }

    /// Records a follower's rating, once; returns whether it was the first.
    pub async fn set_follower_rating(&mut self, request: RequestId, person: PersonId, stars: u8) -> Result<bool> {
        let rated = exec!(self, |c| sqlx::query(
            "UPDATE followers SET rating = $3 WHERE request_id = $1 AND person_id = $2 AND rating IS NULL"
        )
        .bind(request.0)
        .bind(person.0)
        .bind(i64::from(stars))
        .execute(c)
        .await)?;
        Ok(rated == 1)
    }

    /// Moves a request from `from` to `to` if it is still in `from`, for a
    /// follower's answer, which no column of the request guards.
    pub async fn transition_for_follower(
        &mut self,
        request: RequestId,
        from: Status,
        to: Status,
        now: i64,
    ) -> Result<bool> {
        let changed = exec!(self, |c| sqlx::query(
            "UPDATE requests SET status = $3, updated_at = $4 WHERE id = $1 AND status = $2"
        )
        .bind(request.0)
        .bind(from.as_str())
        .bind(to.as_str())
        .bind(now)
        .execute(c)
        .await)?;
        Ok(changed == 1)
    }

    /// When the request's cards were last edited for new followers, or are
    /// due to be.
    pub async fn cards_edited_at(&mut self, request: RequestId) -> Result<Option<i64>> {
        Ok(on!(self, |c| sqlx::query_scalar("SELECT cards_edited_at FROM requests WHERE id = $1")
            .bind(request.0)
            .fetch_optional(c)
            .await)?
        .flatten())
    }

    pub async fn set_cards_edited_at(&mut self, request: RequestId, at: i64) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE requests SET cards_edited_at = $2 WHERE id = $1")
            .bind(request.0)
            .bind(at)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Open or accepted requests of `category` in the building `unit`, or in
    /// the buildings of the estate `unit`, that `person` neither reported
    /// nor follows, oldest first.
    pub async fn open_requests_like(
        &mut self,
        unit: UnitId,
        category: Category,
        person: PersonId,
        limit: i64,
    ) -> Result<Vec<RequestId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT q.id FROM requests q JOIN units b ON b.id = q.building_id \
             WHERE (q.building_id = $1 OR b.parent_id = $1) AND q.category = $2 \
               AND q.status IN ('open', 'accepted') AND (q.resident_id IS NULL OR q.resident_id <> $3) \
               AND NOT EXISTS (SELECT 1 FROM followers f WHERE f.request_id = q.id AND f.person_id = $3) \
             ORDER BY q.id LIMIT $4 + 0"
        )
        .bind(unit.0)
        .bind(category.as_str())
        .bind(person.0)
        .bind(limit)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(RequestId).collect())
    }

    /// Marks an open or accepted request a duplicate of `into`, keeping the
    /// status it had for an unmerge; returns whether it was still active.
    pub async fn mark_merged(&mut self, duplicate: RequestId, into: RequestId, now: i64) -> Result<bool> {
        let merged = exec!(self, |c| {
            sqlx::query(
            "UPDATE requests SET status_before_merge = status, status = 'merged', merged_into = $2, merged_at = $3, \
             updated_at = $3 WHERE id = $1 AND status IN ('open', 'accepted')"
        )
        .bind(duplicate.0)
        .bind(into.0)
        .bind(now)
        .execute(c)
        .await
        })?;
        Ok(merged == 1)
    }

    /// Where and when a merged request was merged.
    pub async fn merge_of(&mut self, duplicate: RequestId) -> Result<Option<(RequestId, i64)>> {
        let row: Option<(Option<i64>, Option<i64>)> =
            on!(self, |c| sqlx::query_as("SELECT merged_into, merged_at FROM requests WHERE id = $1")
                .bind(duplicate.0)
                .fetch_optional(c)
                .await)?;
        Ok(match row {
            Some((Some(into), Some(at))) => Some((RequestId(into), at)),
            _ => None,
        })
    }

    /// The reporter and the followers of `duplicate` follow `into` as well,
    /// as having come with it (but for `into`'s own reporter). Returns them
    /// all, those who followed `into` already included.
    pub async fn move_followers(&mut self, duplicate: RequestId, into: RequestId, now: i64) -> Result<Vec<PersonId>> {
        let people: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM (SELECT resident_id AS person_id, 0 AS n FROM requests \
               WHERE id = $1 AND resident_id IS NOT NULL \
             UNION ALL SELECT person_id, 1 FROM followers WHERE request_id = $1) p \
             WHERE NOT EXISTS (SELECT 1 FROM requests q WHERE q.id = $2 AND q.resident_id = p.person_id) \
             ORDER BY n, person_id"
        )
        .bind(duplicate.0)
        .bind(into.0)
        .fetch_all(c)
        .await)?;
        let mut moved = Vec::new();
        for person in people.into_iter().map(PersonId) {
            self.follow(into, person, Some(duplicate), now).await?;
            if !moved.contains(&person) {
                moved.push(person);
            }
        }
        Ok(moved)
    }

    /// Undoes a merge: the request takes back the status it had and those
    /// who came with it stop following the original. Returns the restored
    /// status, or `None` if it was not merged.
    pub async fn unmark_merged(&mut self, duplicate: RequestId, now: i64) -> Result<Option<Status>> {
        let restored: Option<String> = on!(self, |c| sqlx::query_scalar(
            "UPDATE requests SET status = status_before_merge, status_before_merge = NULL, merged_into = NULL, \
             merged_at = NULL, updated_at = $2 WHERE id = $1 AND status = 'merged' RETURNING status"
        )
        .bind(duplicate.0)
        .bind(now)
        .fetch_optional(c)
        .await)?;
        let Some(restored) = restored else { return Ok(None) };
        exec!(self, |c| sqlx::query("DELETE FROM followers WHERE via_request = $1")
            .bind(duplicate.0)
            .execute(c)
            .await)?;
        Status::parse(&restored).map(Some).ok_or_else(|| StoreError::Corrupt(format!("status {restored}")))
    }

    /// The categories whose open requests are offered estate-wide.
    pub async fn estate_wide_categories(&mut self) -> Result<Vec<Category>> {
        let names: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT category FROM estate_wide_categories ORDER BY category")
                .fetch_all(c)
                .await)?;
        Ok(names.iter().filter_map(|name| Category::parse(name)).collect())
    }

    /// Marks a category estate-wide or not; returns whether that changed
    /// anything.
    pub async fn set_estate_wide(&mut self, category: Category, estate_wide: bool) -> Result<bool> {
        let changed = if estate_wide {
            exec!(self, |c| sqlx::query(
                "INSERT INTO estate_wide_categories (category) VALUES ($1) ON CONFLICT (category) DO NOTHING"
            )
            .bind(category.as_str())
            .execute(c)
            .await)?
        } else {
            exec!(self, |c| sqlx::query("DELETE FROM estate_wide_categories WHERE category = $1")
                .bind(category.as_str())
                .execute(c)
                .await)?
        };
        Ok(changed == 1)
    }

    /// Declares `request` a known outage of each of `units` for its
    /// category.
    pub async fn declare_outage(
        &mut self,
        request: RequestId,
        units: &[UnitId],
        category: Category,
        by: PersonId,
        now: i64,
    ) -> Result<()> {
        for unit in units {
            exec!(self, |c| sqlx::query(
                "INSERT INTO outages (request_id, unit_id, category, declared_by, declared_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (request_id, unit_id) DO UPDATE SET ended_at = NULL, declared_by = excluded.declared_by, \
                 declared_at = excluded.declared_at"
            )
            .bind(request.0)
            .bind(unit.0)
            .bind(category.as_str())
            .bind(by.0)
            .bind(now)
            .execute(c)
            .await)?;
        }
        Ok(())
    }

    /// Ends the outage a request was declared; returns the units it covered.
    pub async fn end_outage(&mut self, request: RequestId, now: i64) -> Result<Vec<UnitId>> {
        let units: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "UPDATE outages SET ended_at = $2 WHERE request_id = $1 AND ended_at IS NULL RETURNING unit_id"
        )
        .bind(request.0)
        .bind(now)
        .fetch_all(c)
        .await)?;
        Ok(units.into_iter().map(UnitId).collect())
    }

    /// The units a request is a known outage of, while it is one.
    pub async fn outage_units(&mut self, request: RequestId) -> Result<Vec<UnitId>> {
        let units: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT unit_id FROM outages WHERE request_id = $1 AND ended_at IS NULL ORDER BY unit_id"
        )
        .bind(request.0)
        .fetch_all(c)
        .await)?;
        Ok(units.into_iter().map(UnitId).collect())
    }

    /// The still active request declared a known outage of `category` for
    /// `building` or a unit above it, the closest first.
    pub async fn outage_for(&mut self, building: UnitId, category: Category) -> Result<Option<RequestId>> {
        let id: Option<i64> = on!(self, |c| sqlx::query_scalar(concat!(
            chain_cte!(),
            "SELECT o.request_id FROM chain c JOIN outages o ON o.unit_id = c.id \
             JOIN requests q ON q.id = o.request_id \
             WHERE o.category = $2 AND o.ended_at IS NULL AND q.status IN ('open', 'accepted') \
             ORDER BY c.depth, o.request_id LIMIT 1"
        ))
        .bind(building.0)
        .bind(category.as_str())
        .fetch_optional(c)
        .await)?;
        Ok(id.map(RequestId))
    }

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
