//! What the office dashboard's page of one building reads beyond the open
//! requests: the requests closed lately and how many households are known
//! and registered.

use super::{Result, StoreError, Tx, on};
use crate::domain::{Category, RequestNumber, Status, UnitId};

/// A request of the building that is no longer open, as the building page
/// lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClosedRequest {
    pub number: RequestNumber,
    pub category: Category,
    pub status: Status,
    pub created_at: i64,
    pub updated_at: i64,
}

/// The households of a building: how many the directory knows, and how
/// many of them have at least one resident registered with the bot.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct HouseholdCounts {
    pub known: i64,
    pub registered: i64,
    /// Residents registered in the building, with or without a household.
    pub residents: i64,
}

impl Tx {
    /// The requests of `building` closed, cancelled or merged since `since`,
    /// the latest first, at most `limit`.
    pub async fn office_closed_requests(
        &mut self,
        building: UnitId,
        since: i64,
        limit: i64,
    ) -> Result<Vec<ClosedRequest>> {
        let rows: Vec<(i64, String, String, i64, i64)> = on!(self, |c| sqlx::query_as(
            "SELECT number, category, status, created_at, updated_at FROM requests \
             WHERE building_id = $1 AND status NOT IN ('open', 'accepted') AND updated_at >= $2 \
             ORDER BY updated_at DESC, id DESC LIMIT $3 + 0"
        )
        .bind(building.0)
        .bind(since)
        .bind(limit)
        .fetch_all(c)
        .await)?;
        rows.into_iter()
            .map(|(number, category, status, created_at, updated_at)| {
                Ok(ClosedRequest {
                    number: RequestNumber(number),
                    category: Category::parse(&category)
                        .ok_or_else(|| StoreError::Corrupt(format!("category {category}")))?,
                    status: Status::parse(&status).ok_or_else(|| StoreError::Corrupt(format!("status {status}")))?,
                    created_at,
                    updated_at,
                })
            })
            .collect()
    }

    pub async fn office_household_counts(&mut self, building: UnitId) -> Result<HouseholdCounts> {
        let (known, registered, residents): (i64, i64, i64) = on!(self, |c| sqlx::query_as(
            "SELECT (SELECT COUNT(*) FROM households WHERE building_id = $1), \
               (SELECT COUNT(DISTINCT r.household_id) FROM residents r \
                  JOIN households h ON h.id = r.household_id WHERE h.building_id = $1), \
               (SELECT COUNT(*) FROM residents WHERE building_id = $1)"
        )
        .bind(building.0)
        .fetch_one(c)
        .await)?;
        Ok(HouseholdCounts { known, registered, residents })
    }
}
