//! Many reporters of one problem: followers of a request, merges of
//! duplicates, known outages and estate-wide categories.

use super::directory::chain_cte;
use super::{Result, StoreError, Tx, exec, on};
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
}
