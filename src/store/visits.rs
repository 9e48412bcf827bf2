//! Visits to households, what the building's care list shows of each
//! household, and the rounds of visit lists already sent.

use sqlx::FromRow;

use super::households::HouseholdRow;
use super::{Household, Result, StoreError, Tx, exec, on};
use crate::domain::visits::VisitOutcome;
use crate::domain::{PersonId, RequestId, Role, UnitId};

/// A household with what its building's liaison wants to know of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HouseholdCare {
    pub household: Household,
    /// The last visit that counted (anything but nobody home), in epoch ms.
    pub last_visit_at: Option<i64>,
    /// Residents registered with the bot and linked to the household.
    pub residents: i64,
    /// Open or accepted requests from the household's room.
    pub open_requests: i64,
}

#[derive(FromRow)]
struct CareRow {
    #[sqlx(flatten)]
    household: HouseholdRow,
    last_visit_at: Option<i64>,
    residents: i64,
    open_requests: i64,
}

impl From<CareRow> for HouseholdCare {
    fn from(row: CareRow) -> HouseholdCare {
        HouseholdCare {
            household: row.household.into(),
            last_visit_at: row.last_visit_at,
            residents: row.residents,
            open_requests: row.open_requests,
        }
    }
}

/// The care columns of a household `h`, for `concat!`; `$1` is the time
/// before which a visit counts as its last (a round judging a month that
/// ended does not count the visits made since).
macro_rules! care_columns {
    () => {
        "SELECT h.id, h.building_id, h.entrance, h.floor, h.position, h.members, h.tags, h.note, \
           (SELECT MAX(v.at) FROM visits v WHERE v.household_id = h.id AND v.outcome <> 'nobody_home' \
             AND v.at < $1) AS last_visit_at, \
           (SELECT COUNT(*) FROM residents r WHERE r.household_id = h.id) AS residents, \
           (SELECT COUNT(*) FROM requests q WHERE q.building_id = h.building_id AND q.room = h.room \
             AND q.status IN ('open', 'accepted')) AS open_requests \
         FROM households h "
    };
}

/// A visit as recorded.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Visit {
    pub household: i64,
    pub visitor: Option<PersonId>,
    pub outcome: VisitOutcome,
    pub note: Option<String>,
    pub request: Option<RequestId>,
    pub at: i64,
}

/// A visit as read: visitor, outcome, note, request, time.
type VisitRow = (Option<i64>, String, Option<String>, Option<i64>, i64);

impl Tx {
    /// Every household of a building with its care facts, in map order.
    pub async fn household_care(&mut self, building: UnitId) -> Result<Vec<HouseholdCare>> {
        let rows: Vec<CareRow> = on!(self, |c| sqlx::query_as(concat!(
            care_columns!(),
            "WHERE h.building_id = $2 ORDER BY COALESCE(h.entrance, 0), h.floor, h.position"
        ))
        .bind(i64::MAX)
        .bind(building.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(HouseholdCare::from).collect())
    }

    /// Every household with tags, in every building, counting the visits
    /// made before `before`: what coverage, the monthly lists and the
    /// digests are computed from.
    pub async fn tagged_household_care(&mut self, before: i64) -> Result<Vec<HouseholdCare>> {
        let rows: Vec<CareRow> = on!(self, |c| sqlx::query_as(concat!(
            care_columns!(),
            "WHERE h.tags <> '' ORDER BY h.building_id, COALESCE(h.entrance, 0), h.floor, h.position"
        ))
        .bind(before)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(HouseholdCare::from).collect())
    }

    pub async fn record_visit(&mut self, visit: &Visit) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "INSERT INTO visits (household_id, visitor_id, outcome, note, request_id, at) \
             VALUES ($1, $2, $3, $4, $5, $6)"
        )
        .bind(visit.household)
        .bind(visit.visitor.map(|p| p.0))
        .bind(visit.outcome.as_str())
        .bind(visit.note.as_deref())
        .bind(visit.request.map(|r| r.0))
        .bind(visit.at)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// The visits of a household, newest first.
    pub async fn visits_of(&mut self, household: i64) -> Result<Vec<Visit>> {
        let rows: Vec<VisitRow> = on!(self, |c| sqlx::query_as(
            "SELECT visitor_id, outcome, note, request_id, at FROM visits WHERE household_id = $1 \
             ORDER BY at DESC, id DESC"
        )
        .bind(household)
        .fetch_all(c)
        .await)?;
        rows.into_iter()
            .map(|(visitor, outcome, note, request, at)| {
                Ok(Visit {
                    household,
                    visitor: visitor.map(PersonId),
                    outcome: VisitOutcome::parse(&outcome)
                        .ok_or_else(|| StoreError::Corrupt(format!("visit outcome {outcome}")))?,
                    note,
                    request: request.map(RequestId),
                    at,
                })
            })
            .collect()
    }

    /// The registered residents linked to a household, first registered first.
    pub async fn residents_of_household(&mut self, household: i64) -> Result<Vec<PersonId>> {
        let ids: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM residents WHERE household_id = $1 ORDER BY registered_at, person_id"
        )
        .bind(household)
        .fetch_all(c)
        .await)?;
        Ok(ids.into_iter().map(PersonId).collect())
    }

    /// Who holds the roles the care rounds write to: liaisons and deputies
    /// of buildings, group leaders of estates.
    pub async fn care_roles(&mut self) -> Result<Vec<(PersonId, Role, UnitId)>> {
        let rows: Vec<(i64, String, i64)> = on!(self, |c| sqlx::query_as(
            "SELECT person_id, role, unit_id FROM roles WHERE role IN ('liaison', 'deputy', 'group_leader') \
             ORDER BY id"
        )
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .filter_map(|(person, role, unit)| Some((PersonId(person), Role::parse(&role)?, UnitId(unit))))
            .collect())
    }

    /// Marks a round (`month`, `2026-12`) as sent; `false` when it already
    /// was, by this instance or another.
    pub async fn start_care_round(&mut self, kind: &str, period: &str) -> Result<bool> {
        let added = exec!(self, |c| sqlx::query(
            "INSERT INTO care_rounds (kind, period) VALUES ($1, $2) ON CONFLICT (kind, period) DO NOTHING"
        )
        .bind(kind)
        .bind(period)
        .execute(c)
        .await)?;
        Ok(added > 0)
    }

    /// Deletes visits older than `before` (the care retention).
    pub async fn delete_visits_before(&mut self, before: i64) -> Result<u64> {
        Ok(exec!(self, |c| sqlx::query("DELETE FROM visits WHERE at < $1").bind(before).execute(c).await)?)
    }
}
