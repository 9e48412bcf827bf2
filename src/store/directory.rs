//! Units and roles: the directory.

use sqlx::FromRow;

use super::{Backend, Result, StoreError, Tx, exec, on};
use crate::domain::directory::{PlannedPerson, UnitLine};
use crate::domain::events::Event;
use crate::domain::{BuildingCode, PersonId, Role, TelegramId, Unit, UnitId, UnitLevel};

/// The ids of a unit (`$1`) and its ancestors, each with its distance from
/// the unit. The walk stops after 16 steps (`MAX_DEPTH`, which a literal in
/// SQL cannot name), so a cycle in the tree cannot make it run for ever;
/// `check_chain` then reports it.
macro_rules! chain_cte {
    () => {
        "WITH RECURSIVE chain (id, depth) AS ( \
           SELECT id, 0 FROM units WHERE id = $1 \
           UNION ALL \
           SELECT u.parent_id, c.depth + 1 FROM chain c JOIN units u ON u.id = c.id \
           WHERE u.parent_id IS NOT NULL AND c.depth < 16) "
    };
}
pub(super) use chain_cte;

/// How many ancestors a unit may have (see `chain_cte!`).
const MAX_DEPTH: usize = 16;

/// A chain read with `chain_cte!` starts at `id` and climbs parent by parent
/// to a unit without one; anything else means the tree is broken.
fn check_chain(id: UnitId, chain: &[Unit]) -> Result<()> {
    if chain.len() > MAX_DEPTH {
        return Err(StoreError::Corrupt("the unit tree has a cycle".into()));
    }
    let mut expected = Some(id);
    for unit in chain {
        if expected != Some(unit.id) {
            break;
        }
        expected = unit.parent;
    }
    match expected {
        None => Ok(()),
        Some(missing) => Err(StoreError::Corrupt(format!("missing unit {}", missing.0))),
    }
}

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

    /// The unit and its ancestors, from the unit itself up to its community,
    /// in one statement: this is wanted several times for every request, and
    /// on SQLite each statement costs far more than the rows it reads. A
    /// chain read once is kept for the rest of the transaction.
    pub async fn ancestry(&mut self, id: UnitId) -> Result<Vec<Unit>> {
        if let Some(chain) = self.chains.get(&id) {
            return Ok(chain.clone());
        }
        let rows: Vec<UnitRow> = on!(self, |c| sqlx::query_as(concat!(
            chain_cte!(),
            "SELECT u.id, u.parent_id, u.level, u.name, u.code, u.households \
             FROM chain c JOIN units u ON u.id = c.id ORDER BY c.depth"
        ))
        .bind(id.0)
        .fetch_all(c)
        .await)?;
        let chain = rows.into_iter().map(Unit::try_from).collect::<Result<Vec<_>>>()?;
        check_chain(id, &chain)?;
        self.chains.insert(id, chain.clone());
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
        // The only change to the tree: the chains read so far may no longer
        // be true.
        self.chains.clear();
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

    /// Grants a role; returns whether it was new, or held until now only
    /// through `ADMIN_IDS` (it is now given, and outlasts that listing).
    pub async fn grant_role(&mut self, person: PersonId, role: Role, unit: UnitId) -> Result<bool> {
        let result = exec!(self, |c| {
            sqlx::query(
                "INSERT INTO roles (person_id, role, unit_id) VALUES ($1, $2, $3) \
                 ON CONFLICT (person_id, role, unit_id) DO UPDATE SET from_config = FALSE WHERE roles.from_config",
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

    /// Makes the people of `ADMIN_IDS` admins of every community. A role
    /// someone already holds stays as it was given.
    pub async fn ensure_admins(&mut self, admins: &[TelegramId], now: i64) -> Result<()> {
        let communities: Vec<i64> =
            on!(self, |c| sqlx::query_scalar("SELECT id FROM units WHERE parent_id IS NULL").fetch_all(c).await)?;
        for admin in admins {
            let person = self.touch_person(*admin, None, None, now).await?;
            for community in &communities {
                exec!(self, |c| sqlx::query(
                    "INSERT INTO roles (person_id, role, unit_id, from_config) VALUES ($1, 'admin', $2, TRUE) \
                     ON CONFLICT (person_id, role, unit_id) DO NOTHING"
                )
                .bind(person.id.0)
                .bind(community)
                .execute(c)
                .await)?;
            }
        }
        Ok(())
    }

    /// Takes back the admin roles that [`Tx::ensure_admins`] granted to people
    /// `ADMIN_IDS` no longer lists, each with an event; a role the directory
    /// or an admin also gave them stays. Returns who lost roles, each once.
    pub async fn revoke_unlisted_admins(&mut self, admins: &[TelegramId], now: i64) -> Result<Vec<PersonId>> {
        let listed = serde_json::to_string(&admins.iter().map(|id| id.0).collect::<Vec<_>>())
            .map_err(|e| StoreError::Corrupt(e.to_string()))?;
        let statement = match self.backend() {
            Backend::Sqlite => {
                "DELETE FROM roles WHERE from_config AND role = 'admin' AND person_id NOT IN \
                   (SELECT id FROM people WHERE telegram_id IN (SELECT value FROM json_each($1))) \
                 RETURNING person_id, unit_id"
            }
            Backend::Postgres => {
                "DELETE FROM roles WHERE from_config AND role = 'admin' AND person_id NOT IN \
                   (SELECT id FROM people WHERE telegram_id IN \
                     (SELECT (jsonb_array_elements_text($1::JSONB))::BIGINT)) \
                 RETURNING person_id, unit_id"
            }
        };
        let revoked: Vec<(i64, i64)> = on!(self, |c| sqlx::query_as(statement).bind(&listed).fetch_all(c).await)?;
        let events: Vec<Event> =
            revoked.iter().map(|&(person, unit)| Event::RoleRevoked { person, role: Role::Admin, unit }).collect();
        let rows: Vec<_> = events.iter().map(|event| (None, None, event)).collect();
        self.record_events(&rows, now).await?;
        let mut people: Vec<PersonId> = revoked.iter().map(|&(person, _)| PersonId(person)).collect();
        people.sort_by_key(|person| person.0);
        people.dedup();
        Ok(people)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unit(id: i64, parent: Option<i64>) -> Unit {
        Unit {
            id: UnitId(id),
            parent: parent.map(UnitId),
            level: UnitLevel::Building,
            name: format!("unit {id}"),
            code: None,
            households: None,
        }
    }

    #[test]
    fn a_chain_that_climbs_to_a_root_is_whole() {
        assert!(check_chain(UnitId(3), &[unit(3, Some(2)), unit(2, Some(1)), unit(1, None)]).is_ok());
    }

    #[test]
    fn a_chain_that_stops_below_a_root_names_the_missing_unit() {
        let error = check_chain(UnitId(3), &[unit(3, Some(2))]).unwrap_err();
        assert_eq!(error.to_string(), "stored data is inconsistent: missing unit 2");
        let error = check_chain(UnitId(3), &[]).unwrap_err();
        assert_eq!(error.to_string(), "stored data is inconsistent: missing unit 3");
    }

    #[test]
    fn a_chain_longer_than_any_tree_is_a_cycle() {
        let cycle: Vec<Unit> = (0..=MAX_DEPTH).map(|i| unit(1 + (i as i64 % 2), Some(2 - (i as i64 % 2)))).collect();
        let error = check_chain(UnitId(1), &cycle).unwrap_err();
        assert_eq!(error.to_string(), "stored data is inconsistent: the unit tree has a cycle");
    }
}
