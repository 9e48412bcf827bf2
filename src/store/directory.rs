//! Units and roles: the directory.

use sqlx::FromRow;

use super::{Result, StoreError, Tx, exec, on};
use crate::domain::directory::{PlannedPerson, UnitLine};
use crate::domain::{BuildingCode, PersonId, Role, TelegramId, Unit, UnitId, UnitLevel};

#[derive(FromRow)]
struct UnitRow {
    id: i64,
    parent_id: Option<i64>,
    level: String,
    name: String,
    code: Option<String>,
    households: Option<i64>,
}

impl TryFrom<UnitRow> for Unit {
    type Error = StoreError;

    fn try_from(row: UnitRow) -> Result<Unit> {
        let level =
            UnitLevel::parse(&row.level).ok_or_else(|| StoreError::Corrupt(format!("unit level {}", row.level)))?;
        let code = row
            .code
            .map(|c| BuildingCode::parse(&c))
            .transpose()
            .map_err(|_| StoreError::Corrupt("building code".into()))?;
        Ok(Unit {
            id: UnitId(row.id),
            parent: row.parent_id.map(UnitId),
            level,
            name: row.name,
            code,
            households: row.households.and_then(|h| u32::try_from(h).ok()),
        })
    }
}

/// What an import changed, for the report.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub created: u64,
    pub updated: u64,
    pub unchanged: u64,
}

/// A role as shown to the person who holds it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RoleView {
    pub role: Role,
    pub unit: UnitId,
    pub unit_name: String,
    pub level: UnitLevel,
}

impl Tx {
    pub async fn units(&mut self) -> Result<Vec<Unit>> {
        let rows: Vec<UnitRow> = on!(self, |c| sqlx::query_as(
            "SELECT id, parent_id, level, name, code, households FROM units ORDER BY id"
        )
        .fetch_all(c)
        .await)?;
        rows.into_iter().map(Unit::try_from).collect()
    }

    pub async fn unit(&mut self, id: UnitId) -> Result<Option<Unit>> {
        let row: Option<UnitRow> = on!(self, |c| sqlx::query_as(
            "SELECT id, parent_id, level, name, code, households FROM units WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(c)
        .await)?;
        row.map(Unit::try_from).transpose()
    }

    pub async fn building_by_code(&mut self, code: &BuildingCode) -> Result<Option<Unit>> {
        let row: Option<UnitRow> = on!(self, |c| {
            sqlx::query_as(
                "SELECT id, parent_id, level, name, code, households FROM units WHERE code = $1 AND level = 'building'",
            )
            .bind(code.as_str())
            .fetch_optional(c)
            .await
        })?;
        row.map(Unit::try_from).transpose()
    }

    pub async fn building_codes(&mut self) -> Result<Vec<BuildingCode>> {
        let codes: Vec<String> =
            on!(self, |c| sqlx::query_scalar("SELECT code FROM units WHERE level = 'building' ORDER BY code")
                .fetch_all(c)
                .await)?;
        Ok(codes.iter().filter_map(|c| BuildingCode::parse(c).ok()).collect())
    }

    /// The unit and its ancestors, from the unit itself up to its community.
    pub async fn ancestry(&mut self, id: UnitId) -> Result<Vec<Unit>> {
        let mut chain = Vec::new();
        let mut next = Some(id);
        while let Some(id) = next {
            let unit = self.unit(id).await?.ok_or_else(|| StoreError::Corrupt(format!("missing unit {}", id.0)))?;
            next = unit.parent;
            chain.push(unit);
            if chain.len() > 16 {
                return Err(StoreError::Corrupt("the unit tree has a cycle".into()));
            }
        }
        Ok(chain)
    }

    async fn child_unit(&mut self, parent: Option<UnitId>, level: UnitLevel, name: &str) -> Result<(UnitId, bool)> {
        let existing: Option<i64> =
            on!(self, |c| sqlx::query_scalar("SELECT id FROM units WHERE COALESCE(parent_id, 0) = $1 AND name = $2")
                .bind(parent.map_or(0, |p| p.0))
                .bind(name)
                .fetch_optional(c)
                .await)?;
        if let Some(id) = existing {
            return Ok((UnitId(id), false));
        }
        let id: i64 = on!(self, |c| sqlx::query_scalar(
            "INSERT INTO units (parent_id, level, name) VALUES ($1, $2, $3) RETURNING id"
        )
        .bind(parent.map(|p| p.0))
        .bind(level.as_str())
        .bind(name)
        .fetch_one(c)
        .await)?;
        Ok((UnitId(id), true))
    }

    /// Creates whatever of a `units.csv` line's path is missing and updates the
    /// household count. Returns what happened to the building.
    pub async fn upsert_unit_line(&mut self, line: &UnitLine, counts: &mut ImportCounts) -> Result<()> {
        let (community, _) = self.child_unit(None, UnitLevel::Community, &line.community).await?;
        let (grid, _) = self.child_unit(Some(community), UnitLevel::Grid, &line.grid).await?;
        let (estate, _) = self.child_unit(Some(grid), UnitLevel::Estate, &line.estate).await?;
        let households = i64::from(line.households);
        match self.building_by_code(&line.building).await? {
            Some(existing) if existing.households == Some(line.households) => counts.unchanged += 1,
            Some(existing) => {
                exec!(self, |c| sqlx::query("UPDATE units SET households = $1 WHERE id = $2")
                    .bind(households)
                    .bind(existing.id.0)
                    .execute(c)
                    .await)?;
                counts.updated += 1;
            }
            None => {
                exec!(self, |c| {
                    sqlx::query(
                    "INSERT INTO units (parent_id, level, name, code, households) VALUES ($1, 'building', $2, $2, $3)"
                )
                .bind(estate.0)
                .bind(line.building.as_str())
                .bind(households)
                .execute(c)
                .await
                })?;
                counts.created += 1;
            }
        }
        Ok(())
    }

    /// Adds a person of `people.csv` (keyed by phone) and their roles. Roles
    /// already held are left alone, so re-importing changes nothing.
    pub async fn upsert_planned_person(
        &mut self,
        person: &PlannedPerson,
        now: i64,
        counts: &mut ImportCounts,
    ) -> Result<()> {
        let existing: Option<(i64, String)> =
            on!(self, |c| sqlx::query_as("SELECT id, name FROM people WHERE phone = $1")
                .bind(person.phone.as_str())
                .fetch_optional(c)
                .await)?;
        let mut changed = false;
        let known = existing.is_some();
        let id = match existing {
            Some((id, name)) => {
                if name != person.name {
                    exec!(self, |c| sqlx::query("UPDATE people SET name = $1 WHERE id = $2")
                        .bind(&person.name)
                        .bind(id)
                        .execute(c)
                        .await)?;
                    changed = true;
                }
                id
            }
            None => {
                counts.created += 1;
                on!(self, |c| sqlx::query_scalar(
                    "INSERT INTO people (name, phone, created_at) VALUES ($1, $2, $3) RETURNING id"
                )
                .bind(&person.name)
                .bind(person.phone.as_str())
                .bind(now)
                .fetch_one(c)
                .await)?
            }
        };
        let mut added_role = false;
        for (role, unit) in &person.roles {
            added_role |= self.grant_role(PersonId(id), *role, *unit).await?;
        }
        if known {
            if changed || added_role {
                counts.updated += 1;
            } else {
                counts.unchanged += 1;
            }
        }
        Ok(())
    }

    /// Grants a role; returns whether it was new.
    pub async fn grant_role(&mut self, person: PersonId, role: Role, unit: UnitId) -> Result<bool> {
        let result = exec!(self, |c| {
            sqlx::query(
            "INSERT INTO roles (person_id, role, unit_id) VALUES ($1, $2, $3) ON CONFLICT (person_id, role, unit_id) DO NOTHING"
        )
        .bind(person.0)
        .bind(role.as_str())
        .bind(unit.0)
        .execute(c)
        .await
        })?;
        Ok(result > 0)
    }

    pub async fn roles_of(&mut self, person: PersonId) -> Result<Vec<RoleView>> {
        let rows: Vec<(String, i64, String, String)> = on!(self, |c| {
            sqlx::query_as(
                "SELECT r.role, u.id, u.name, u.level FROM roles r JOIN units u ON u.id = r.unit_id \
             WHERE r.person_id = $1 ORDER BY r.id",
            )
            .bind(person.0)
            .fetch_all(c)
            .await
        })?;
        rows.into_iter()
            .map(|(role, unit, unit_name, level)| {
                Ok(RoleView {
                    role: Role::parse(&role).ok_or_else(|| StoreError::Corrupt(format!("role {role}")))?,
                    unit: UnitId(unit),
                    unit_name,
                    level: UnitLevel::parse(&level).ok_or_else(|| StoreError::Corrupt(format!("level {level}")))?,
                })
            })
            .collect()
    }

    /// Makes the people of `ADMIN_IDS` admins of every community.
    pub async fn ensure_admins(&mut self, admins: &[TelegramId], now: i64) -> Result<()> {
        let communities: Vec<i64> =
            on!(self, |c| sqlx::query_scalar("SELECT id FROM units WHERE parent_id IS NULL").fetch_all(c).await)?;
        for admin in admins {
            let person = self.touch_person(*admin, None, None, now).await?;
            for community in &communities {
                self.grant_role(person.id, Role::Admin, UnitId(*community)).await?;
            }
        }
        Ok(())
    }
}
