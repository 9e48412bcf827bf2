//! Households, the vocabulary of care tags and the residents linked to them.

use sqlx::FromRow;

use super::{ImportCounts, Result, Tx, exec, on};
use crate::domain::households::{CareTag, HouseholdRoom, PlannedHousehold, TagVocabulary, split_tags};
use crate::domain::{PersonId, UnitId};

/// A household as stored, with what the building map and list show of it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Household {
    pub id: i64,
    pub building: UnitId,
    pub room: HouseholdRoom,
    pub members: u32,
    pub tags: Vec<String>,
    pub note: String,
}

#[derive(FromRow)]
pub(super) struct HouseholdRow {
    id: i64,
    building_id: i64,
    entrance: Option<i64>,
    floor: i64,
    position: i64,
    members: i64,
    tags: String,
    note: String,
}

impl From<HouseholdRow> for Household {
    fn from(row: HouseholdRow) -> Household {
        let small = |n: i64| u16::try_from(n).unwrap_or(u16::MAX);
        Household {
            id: row.id,
            building: UnitId(row.building_id),
            room: HouseholdRoom {
                entrance: row.entrance.map(small),
                floor: small(row.floor),
                position: small(row.position),
            },
            members: u32::try_from(row.members).unwrap_or(0),
            tags: split_tags(&row.tags),
            note: row.note,
        }
    }
}

/// The columns a [`HouseholdRow`] reads, for `concat!` (no SQL is built at
/// run time).
macro_rules! household_columns {
    () => {
        "SELECT id, building_id, entrance, floor, position, members, tags, note FROM households "
    };
}

impl Tx {
    pub async fn tag_vocabulary(&mut self) -> Result<TagVocabulary> {
        let rows: Vec<(String, bool, Option<i64>)> = on!(self, |c| sqlx::query_as(
            "SELECT name, sensitive, visit_every_months FROM care_tags ORDER BY position"
        )
        .fetch_all(c)
        .await)?;
        Ok(TagVocabulary(
            rows.into_iter()
                .map(|(name, sensitive, months)| CareTag {
                    name,
                    sensitive,
                    visit_every_months: months.and_then(|m| u32::try_from(m).ok()),
                })
                .collect(),
        ))
    }

    /// Adds or updates the household of one line (keyed by building and
    /// room); a line equal to what is stored changes nothing.
    pub async fn upsert_household(&mut self, planned: &PlannedHousehold, counts: &mut ImportCounts) -> Result<()> {
        let room = planned.room.to_string();
        let tags = planned.tags_text();
        let existing: Option<(i64, i64, String, String)> = on!(self, |c| sqlx::query_as(
            "SELECT id, members, tags, note FROM households WHERE building_id = $1 AND room = $2"
        )
        .bind(planned.building.0)
        .bind(&room)
        .fetch_optional(c)
        .await)?;
        let members = i64::from(planned.members);
        match existing {
            Some((_, m, t, n)) if m == members && t == tags && n == planned.note => counts.unchanged += 1,
            Some((id, ..)) => {
                exec!(self, |c| sqlx::query("UPDATE households SET members = $1, tags = $2, note = $3 WHERE id = $4")
                    .bind(members)
                    .bind(&tags)
                    .bind(&planned.note)
                    .bind(id)
                    .execute(c)
                    .await)?;
                counts.updated += 1;
            }
            None => {
                exec!(self, |c| sqlx::query(
                    "INSERT INTO households (building_id, room, entrance, floor, position, members, tags, note) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
                )
                .bind(planned.building.0)
                .bind(&room)
                .bind(planned.room.entrance.map(i64::from))
                .bind(i64::from(planned.room.floor))
                .bind(i64::from(planned.room.position))
                .bind(members)
                .bind(&tags)
                .bind(&planned.note)
                .execute(c)
                .await)?;
                counts.created += 1;
            }
        }
        Ok(())
    }

    /// Links the residents who registered with a room before its household
    /// was loaded.
    pub async fn link_residents_to_households(&mut self) -> Result<u64> {
        Ok(exec!(self, |c| sqlx::query(
            "UPDATE residents SET household_id = \
               (SELECT h.id FROM households h WHERE h.building_id = residents.building_id AND h.room = residents.room) \
             WHERE household_id IS NULL AND room IS NOT NULL"
        )
        .execute(c)
        .await)?)
    }

    pub async fn households_of(&mut self, building: UnitId) -> Result<Vec<Household>> {
        let rows: Vec<HouseholdRow> = on!(self, |c| sqlx::query_as(concat!(
            household_columns!(),
            "WHERE building_id = $1 ORDER BY COALESCE(entrance, 0), floor, position"
        ))
        .bind(building.0)
        .fetch_all(c)
        .await)?;
        Ok(rows.into_iter().map(Household::from).collect())
    }

    pub async fn household(&mut self, id: i64) -> Result<Option<Household>> {
        let row: Option<HouseholdRow> = on!(self, |c| sqlx::query_as(concat!(household_columns!(), "WHERE id = $1"))
            .bind(id)
            .fetch_optional(c)
            .await)?;
        Ok(row.map(Household::from))
    }

    /// The household `person` is linked to as a resident, if any.
    pub async fn household_of_resident(&mut self, person: PersonId) -> Result<Option<Household>> {
        let row: Option<HouseholdRow> = on!(self, |c| sqlx::query_as(concat!(
            household_columns!(),
            "WHERE id = (SELECT household_id FROM residents WHERE person_id = $1)"
        ))
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(Household::from))
    }
}
