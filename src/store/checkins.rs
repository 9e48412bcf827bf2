//! Daily check-ins: each resident's enrolment, their liaison's proposals,
//! each day's ladder with its alert, and the relatives linked by `/family`.

use chrono::{NaiveDate, NaiveTime, Timelike};

use super::{Result, StoreError, Tx, exec, on};
use crate::domain::checkin::{AlertOutcome, Enrolment, Rung};
use crate::domain::{PersonId, UnitId};

/// One day's ladder of one resident.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckinDay {
    pub id: i64,
    pub person: PersonId,
    pub deadline: i64,
    pub rungs: Vec<Rung>,
    pub checked_in_at: Option<i64>,
    pub going: Option<PersonId>,
    pub nobody_answered: bool,
    pub alerted: Vec<PersonId>,
    pub outcome: Option<AlertOutcome>,
}

impl CheckinDay {
    /// Whether anyone besides the resident was alerted and the alert has
    /// not closed.
    pub fn alert_open(&self) -> bool {
        self.rungs.contains(&Rung::Liaison) && self.outcome.is_none()
    }
}

type DayRow = (i64, i64, i64, String, Option<i64>, Option<i64>, bool, String, Option<String>);

fn day_of(row: DayRow) -> CheckinDay {
    let (id, person, deadline, rungs, checked_in_at, going, nobody_answered, alerted, outcome) = row;
    CheckinDay {
        id,
        person: PersonId(person),
        deadline,
        rungs: rungs.split(',').filter_map(Rung::parse).collect(),
        checked_in_at,
        going: going.map(PersonId),
        nobody_answered,
        alerted: alerted.split(',').filter_map(|id| id.parse().ok()).map(PersonId).collect(),
        outcome: outcome.as_deref().and_then(AlertOutcome::parse),
    }
}

fn minute_of(hour: NaiveTime) -> i64 {
    i64::from(hour.hour() * 60 + hour.minute())
}

fn hour_of(minute: i64) -> Result<NaiveTime> {
    u32::try_from(minute)
        .ok()
        .and_then(|m| NaiveTime::from_hms_opt(m / 60, m % 60, 0))
        .ok_or_else(|| StoreError::Corrupt(format!("check-in minute {minute}")))
}

impl Tx {
    pub async fn enrolment(&mut self, person: PersonId) -> Result<Option<Enrolment>> {
        let row: Option<(i64, String, Option<String>)> =
            on!(self, |c| sqlx::query_as("SELECT minute, state, paused_until FROM checkins WHERE person_id = $1")
                .bind(person.0)
                .fetch_optional(c)
                .await)?;
        let Some((minute, state, until)) = row else { return Ok(None) };
        let hour = hour_of(minute)?;
        Ok(Some(match (state.as_str(), until) {
            ("on", _) => Enrolment::On { hour },
            ("paused", Some(until)) => Enrolment::Paused {
                hour,
                until: NaiveDate::parse_from_str(&until, "%Y-%m-%d").map_err(|e| StoreError::Corrupt(e.to_string()))?,
            },
            _ => Enrolment::Off,
        }))
    }

    /// The hour of an enrolment that was ever on, off included.
    pub async fn enrolled_hour(&mut self, person: PersonId) -> Result<Option<NaiveTime>> {
        let minute: Option<i64> =
            on!(self, |c| sqlx::query_scalar("SELECT minute FROM checkins WHERE person_id = $1")
                .bind(person.0)
                .fetch_optional(c)
                .await)?;
        minute.map(hour_of).transpose()
    }

    pub async fn set_enrolment(
        &mut self,
        person: PersonId,
        hour: NaiveTime,
        enrolment: Enrolment,
        now: i64,
    ) -> Result<()> {
        let (state, until) = match enrolment {
            Enrolment::On { .. } => ("on", None),
            Enrolment::Paused { until, .. } => ("paused", Some(until.format("%Y-%m-%d").to_string())),
            Enrolment::Off => ("off", None),
        };
        exec!(self, |c| sqlx::query(
            "INSERT INTO checkins (person_id, minute, state, paused_until, updated_at) VALUES ($1, $2, $3, $4, $5) \
             ON CONFLICT (person_id) DO UPDATE SET minute = $2, state = $3, paused_until = $4, updated_at = $5"
        )
        .bind(person.0)
        .bind(minute_of(hour))
        .bind(state)
        .bind(until)
        .bind(now)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn propose_checkin(&mut self, person: PersonId, by: PersonId, hour: NaiveTime, now: i64) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "INSERT INTO checkin_proposals (person_id, proposed_by, minute, at) VALUES ($1, $2, $3, $4) \
             ON CONFLICT (person_id) DO UPDATE SET proposed_by = $2, minute = $3, at = $4"
        )
        .bind(person.0)
        .bind(by.0)
        .bind(minute_of(hour))
        .bind(now)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// Takes a resident's pending proposal away: who made it, and its hour.
    pub async fn take_proposal(&mut self, person: PersonId) -> Result<Option<(Option<PersonId>, NaiveTime)>> {
        let row: Option<(Option<i64>, i64)> = on!(self, |c| sqlx::query_as(
            "DELETE FROM checkin_proposals WHERE person_id = $1 RETURNING proposed_by, minute"
        )
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        row.map(|(by, minute)| Ok((by.map(PersonId), hour_of(minute)?))).transpose()
    }

    /// The day of `deadline`, made if it is not there yet.
    pub async fn checkin_day_at(&mut self, person: PersonId, deadline: i64) -> Result<CheckinDay> {
        exec!(self, |c| {
            sqlx::query(
            "INSERT INTO checkin_days (person_id, deadline) VALUES ($1, $2) ON CONFLICT (person_id, deadline) DO NOTHING"
        )
        .bind(person.0)
        .bind(deadline)
        .execute(c)
        .await
        })?;
        let row: DayRow = on!(self, |c| sqlx::query_as(
            "SELECT id, person_id, deadline, rungs, checked_in_at, going_id, nobody_answered, alerted, outcome \
             FROM checkin_days WHERE person_id = $1 AND deadline = $2"
        )
        .bind(person.0)
        .bind(deadline)
        .fetch_one(c)
        .await)?;
        Ok(day_of(row))
    }

    pub async fn checkin_day(&mut self, id: i64) -> Result<Option<CheckinDay>> {
        let row: Option<DayRow> = on!(self, |c| sqlx::query_as(
            "SELECT id, person_id, deadline, rungs, checked_in_at, going_id, nobody_answered, alerted, outcome \
             FROM checkin_days WHERE id = $1"
        )
        .bind(id)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(day_of))
    }

    /// The resident's latest day still waiting for them: greeted, not
    /// checked in, its alert (if any) not closed.
    pub async fn waiting_checkin_day(&mut self, person: PersonId) -> Result<Option<CheckinDay>> {
        let row: Option<DayRow> = on!(self, |c| sqlx::query_as(
            "SELECT id, person_id, deadline, rungs, checked_in_at, going_id, nobody_answered, alerted, outcome \
             FROM checkin_days WHERE person_id = $1 AND checked_in_at IS NULL AND outcome IS NULL \
             ORDER BY deadline DESC LIMIT 1"
        )
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(day_of))
    }

    /// Saves what changed of a day's ladder.
    pub async fn save_checkin_day(&mut self, day: &CheckinDay, now: i64) -> Result<()> {
        let rungs: Vec<&str> = day.rungs.iter().map(|r| r.as_str()).collect();
        let alerted: Vec<String> = day.alerted.iter().map(|p| p.0.to_string()).collect();
        exec!(self, |c| sqlx::query(
            "UPDATE checkin_days SET rungs = $2, checked_in_at = $3, going_id = $4, nobody_answered = $5, \
             alerted = $6, outcome = $7, closed_at = CASE WHEN $7 IS NULL THEN NULL ELSE COALESCE(closed_at, $8) END \
             WHERE id = $1"
        )
        .bind(day.id)
        .bind(rungs.join(","))
        .bind(day.checked_in_at)
        .bind(day.going.map(|p| p.0))
        .bind(day.nobody_answered)
        .bind(alerted.join(","))
        .bind(day.outcome.map(AlertOutcome::as_str))
        .bind(now)
        .execute(c)
        .await)?;
        Ok(())
    }

    /// A person's days, newest first, for `/mydata`.
    pub async fn checkin_history(&mut self, person: PersonId) -> Result<Vec<CheckinDay>> {
        let rows: Vec<DayRow> = on!(self, |c| sqlx::query_as(
            "SELECT id, person_id, deadline, rungs, checked_in_at, going_id, nobody_answered, alerted, outcome \
             FROM checkin_days WHERE person_id = $1 ORDER BY deadline DESC"
        )
        .bind(person.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(day_of).collect())
    }

    /// The households of a building with a check-in alert open about one
    /// of their residents, for the building map's mark.
    pub async fn households_with_checkin_alert(&mut self, building: UnitId) -> Result<Vec<i64>> {
        let rows: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT r.household_id FROM checkin_days d JOIN residents r ON r.person_id = d.person_id \
             WHERE r.building_id = $1 AND r.household_id IS NOT NULL AND d.outcome IS NULL \
             AND d.checked_in_at IS NULL AND d.rungs LIKE '%liaison%' ORDER BY r.household_id"
        )
        .bind(building.0)
        .fetch_all(c)
        .await)?;
        Ok(rows)
    }

    /// How many alerts closed with each outcome since `since`, by the
    /// resident's building.
    pub async fn checkin_outcomes(&mut self, since: i64) -> Result<Vec<(UnitId, AlertOutcome, i64)>> {
        let rows: Vec<(i64, String, i64)> = on!(self, |c| {
            sqlx::query_as(
                "SELECT r.building_id, d.outcome, CAST(COUNT(*) AS BIGINT) FROM checkin_days d \
                 JOIN residents r ON r.person_id = d.person_id \
                 WHERE d.outcome IS NOT NULL AND d.closed_at >= $1 \
                 GROUP BY r.building_id, d.outcome ORDER BY r.building_id, d.outcome",
            )
            .bind(since)
            .fetch_all(c)
            .await
        })?;
        Ok(rows.into_iter().filter_map(|(b, o, n)| Some((UnitId(b), AlertOutcome::parse(&o)?, n))).collect())
    }

    pub async fn create_family_link(&mut self, resident: PersonId, token: &str, now: i64) -> Result<()> {
        exec!(self, |c| sqlx::query("INSERT INTO family_links (resident_id, token, created_at) VALUES ($1, $2, $3)")
            .bind(resident.0)
            .bind(token)
            .bind(now)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Uses a family link once: the resident it links `relative` to.
    pub async fn use_family_link(&mut self, token: &str, relative: PersonId, now: i64) -> Result<Option<PersonId>> {
        let resident: Option<i64> = on!(self, |c| sqlx::query_scalar(
            "UPDATE family_links SET relative_id = $2, linked_at = $3, token = NULL \
             WHERE token = $1 AND resident_id <> $2 RETURNING resident_id"
        )
        .bind(token)
        .bind(relative.0)
        .bind(now)
        .fetch_optional(c)
        .await)?;
        Ok(resident.map(PersonId))
    }

    /// The relatives linked to a resident.
    pub async fn relatives(&mut self, resident: PersonId) -> Result<Vec<PersonId>> {
        let rows: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT relative_id FROM family_links WHERE resident_id = $1 AND relative_id IS NOT NULL \
             ORDER BY relative_id"
        )
        .bind(resident.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(PersonId).collect())
    }

    /// The residents a relative is linked to.
    pub async fn family_of(&mut self, relative: PersonId) -> Result<Vec<PersonId>> {
        let rows: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT DISTINCT resident_id FROM family_links WHERE relative_id = $1 ORDER BY resident_id"
        )
        .bind(relative.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(PersonId).collect())
    }

    /// The residents registered in a room of a building.
    pub async fn residents_in_room(&mut self, building: UnitId, room: &str) -> Result<Vec<PersonId>> {
        let rows: Vec<i64> = on!(self, |c| sqlx::query_scalar(
            "SELECT person_id FROM residents WHERE building_id = $1 AND room = $2 ORDER BY person_id"
        )
        .bind(building.0)
        .bind(room)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(PersonId).collect())
    }

    /// Erases a person's check-ins and family links, either side.
    pub async fn forget_checkins(&mut self, person: PersonId) -> Result<()> {
        for statement in [
            "DELETE FROM checkins WHERE person_id = $1",
            "DELETE FROM checkin_proposals WHERE person_id = $1 OR proposed_by = $1",
            "DELETE FROM checkin_days WHERE person_id = $1",
            "DELETE FROM family_links WHERE resident_id = $1 OR relative_id = $1",
        ] {
            exec!(self, |c| sqlx::query(statement).bind(person.0).execute(c).await)?;
        }
        Ok(())
    }

    /// Deletes the days whose deadline is before `before` (retention).
    pub async fn delete_checkin_days_before(&mut self, before: i64) -> Result<u64> {
        Ok(exec!(self, |c| sqlx::query("DELETE FROM checkin_days WHERE deadline < $1").bind(before).execute(c).await)?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_is_stored_as_minutes_and_read_back() {
        let hour = NaiveTime::from_hms_opt(7, 30, 0).unwrap();
        assert_eq!(minute_of(hour), 450);
        assert_eq!(hour_of(450).unwrap(), hour);
        assert!(hour_of(24 * 60).is_err());
    }
}
