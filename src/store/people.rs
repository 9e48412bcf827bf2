//! People, residents and their dialogue state.

use sqlx::FromRow;

use super::{Result, Tx, exec, on};
use crate::domain::households::HouseholdRoom;
use crate::domain::{PersonId, Phone, Room, TelegramId, UnitId};

#[derive(Debug, Clone, PartialEq, Eq, FromRow)]
pub struct Person {
    #[sqlx(try_from = "i64")]
    pub id: PersonId,
    pub telegram_id: Option<i64>,
    pub name: String,
    pub locale: Option<String>,
    pub reachable: bool,
    pub has_phone: bool,
}

/// A person as their update found them, with the state of their dialogue
/// (`None` when they are not in one).
#[derive(Debug, Clone, FromRow)]
pub struct Sender {
    #[sqlx(flatten)]
    pub person: Person,
    pub dialogue: Option<String>,
}

impl From<i64> for PersonId {
    fn from(id: i64) -> Self {
        PersonId(id)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Resident {
    pub person: PersonId,
    pub building: UnitId,
    pub room: Option<String>,
}

/// What sharing a phone number did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BindOutcome {
    /// The number is now this person's; `roles_gained` roles came with it from
    /// the directory.
    Bound { roles_gained: u64 },
    /// Another Telegram account already has this number.
    TakenByAnother,
}

/// How touching a sender changes someone already known, and what it reads
/// back: they wrote, so they can be reached; a name and a language they have
/// are kept.
macro_rules! touch_upsert {
    () => {
        "ON CONFLICT (telegram_id) DO UPDATE SET reachable = TRUE, \
         name = CASE WHEN people.name = '' THEN excluded.name ELSE people.name END, \
         locale = COALESCE(people.locale, excluded.locale) \
         RETURNING id, telegram_id, name, locale, reachable, phone IS NOT NULL AS has_phone, \
         (SELECT state FROM dialogues WHERE person_id = people.id) AS dialogue"
    };
}

impl Tx {
    pub async fn person_by_telegram(&mut self, telegram: TelegramId) -> Result<Option<Person>> {
        Ok(on!(self, |c| {
            sqlx::query_as(
            "SELECT id, telegram_id, name, locale, reachable, phone IS NOT NULL AS has_phone FROM people WHERE telegram_id = $1"
        )
        .bind(telegram.0)
        .fetch_optional(c)
        .await
        })?)
    }

    pub async fn person(&mut self, id: PersonId) -> Result<Option<Person>> {
        Ok(on!(self, |c| {
            sqlx::query_as(
            "SELECT id, telegram_id, name, locale, reachable, phone IS NOT NULL AS has_phone FROM people WHERE id = $1"
        )
        .bind(id.0)
        .fetch_optional(c)
        .await
        })?)
    }

    /// Finds or creates the person behind a Telegram account. Someone who
    /// writes to the bot can be reached again, so they are marked reachable;
    /// someone known before they wrote (an admin from `ADMIN_IDS`) gets their
    /// client's language unless they chose one.
    pub async fn touch_person(
        &mut self,
        telegram: TelegramId,
        name: Option<&str>,
        locale: Option<&str>,
        now: i64,
    ) -> Result<Person> {
        Ok(self.touch_sender(telegram, name, locale, now).await?.person)
    }

    /// [`Tx::touch_person`] for the sender of an update, which also reads
    /// where their dialogue stands: every update handled starts here, so both
    /// come from one statement.
    pub async fn touch_sender(
        &mut self,
        telegram: TelegramId,
        name: Option<&str>,
        locale: Option<&str>,
        now: i64,
    ) -> Result<Sender> {
        Ok(on!(self, |c| sqlx::query_as(concat!(
            "INSERT INTO people (telegram_id, name, locale, created_at) VALUES ($1, $2, $3, $4) ",
            touch_upsert!()
        ))
        .bind(telegram.0)
        .bind(name.unwrap_or_default())
        .bind(locale)
        .bind(now)
        .fetch_one(c)
        .await)?)
    }

    pub async fn set_locale(&mut self, person: PersonId, locale: &str) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE people SET locale = $1 WHERE id = $2")
            .bind(locale)
            .bind(person.0)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Sets or clears (with `None`) the moment a responder is away until.
    pub async fn set_away(&mut self, person: PersonId, until: Option<i64>) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE people SET away_until = $1 WHERE id = $2")
            .bind(until)
            .bind(person.0)
            .execute(c)
            .await)?;
        Ok(())
    }

    pub async fn set_reachable(&mut self, person: PersonId, reachable: bool) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE people SET reachable = $1 WHERE id = $2")
            .bind(reachable)
            .bind(person.0)
            .execute(c)
            .await)?;
        Ok(())
    }

    /// Gives `person` the phone they shared. If the directory listed someone
    /// with that phone who had no Telegram account yet, that entry is merged
    /// into this person: its roles become theirs.
    pub async fn bind_phone(&mut self, person: PersonId, phone: &Phone) -> Result<BindOutcome> {
        let holder: Option<(i64, Option<i64>, String)> =
            on!(self, |c| sqlx::query_as("SELECT id, telegram_id, name FROM people WHERE phone = $1")
                .bind(phone.as_str())
                .fetch_optional(c)
                .await)?;
        let roles_gained = match holder {
            Some((id, _, _)) if id == person.0 => 0,
            Some((_, Some(_), _)) => return Ok(BindOutcome::TakenByAnother),
            Some((listed, None, name)) => {
                let moved = exec!(self, |c| sqlx::query(
                    "INSERT INTO roles (person_id, role, unit_id, categories) \
                     SELECT $1, role, unit_id, categories FROM roles WHERE person_id = $2 \
                     ON CONFLICT (person_id, role, unit_id) DO UPDATE SET from_config = FALSE WHERE roles.from_config"
                )
                .bind(person.0)
                .bind(listed)
                .execute(c)
                .await)?;
                exec!(self, |c| sqlx::query("DELETE FROM people WHERE id = $1").bind(listed).execute(c).await)?;
                // The directory's spelling of the name is what the community
                // office knows this person by.
                exec!(self, |c| sqlx::query("UPDATE people SET phone = $1, name = $2 WHERE id = $3")
                    .bind(phone.as_str())
                    .bind(name)
                    .bind(person.0)
                    .execute(c)
                    .await)?;
                moved
            }
            None => {
                exec!(self, |c| sqlx::query("UPDATE people SET phone = $1 WHERE id = $2")
                    .bind(phone.as_str())
                    .bind(person.0)
                    .execute(c)
                    .await)?;
                0
            }
        };
        Ok(BindOutcome::Bound { roles_gained })
    }

    pub async fn resident(&mut self, person: PersonId) -> Result<Option<Resident>> {
        let row: Option<(i64, i64, Option<String>)> =
            on!(self, |c| sqlx::query_as("SELECT person_id, building_id, room FROM residents WHERE person_id = $1")
                .bind(person.0)
                .fetch_optional(c)
                .await)?;
        Ok(row.map(|(person, building, room)| Resident { person: PersonId(person), building: UnitId(building), room }))
    }

    /// Where `person` lives as a resident, with how many of their requests
    /// are open or accepted: what deciding whether they may report needs,
    /// in one statement.
    pub async fn resident_with_active_requests(&mut self, person: PersonId) -> Result<Option<(Resident, i64)>> {
        let row: Option<(i64, i64, Option<String>, i64)> = on!(self, |c| sqlx::query_as(
            "SELECT r.person_id, r.building_id, r.room, \
             (SELECT COUNT(*) FROM requests q WHERE q.resident_id = r.person_id AND q.status IN ('open', 'accepted')) \
             FROM residents r WHERE r.person_id = $1"
        )
        .bind(person.0)
        .fetch_optional(c)
        .await)?;
        Ok(row.map(|(person, building, room, active)| {
            (Resident { person: PersonId(person), building: UnitId(building), room }, active)
        }))
    }

    pub async fn register_resident(
        &mut self,
        person: PersonId,
        building: UnitId,
        room: Option<&Room>,
        now: i64,
    ) -> Result<()> {
        // A room written the way households.csv writes it links the
        // resident to that household of the building.
        let household_room = room.and_then(|r| HouseholdRoom::parse(r.as_str())).map(|r| r.to_string());
        exec!(self, |c| {
            sqlx::query(
                "INSERT INTO residents (person_id, building_id, room, registered_at, household_id) \
                 VALUES ($1, $2, $3, $4, (SELECT id FROM households WHERE building_id = $2 AND room = $5)) \
                 ON CONFLICT (person_id) DO UPDATE SET building_id = excluded.building_id, room = excluded.room, \
                 household_id = excluded.household_id",
            )
            .bind(person.0)
            .bind(building.0)
            .bind(room.map(Room::as_str))
            .bind(now)
            .bind(household_room)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    pub async fn dialogue(&mut self, person: PersonId) -> Result<Option<String>> {
        Ok(on!(self, |c| sqlx::query_scalar("SELECT state FROM dialogues WHERE person_id = $1")
            .bind(person.0)
            .fetch_optional(c)
            .await)?)
    }

    pub async fn set_dialogue(&mut self, person: PersonId, state: &str, now: i64) -> Result<()> {
        exec!(self, |c| {
            sqlx::query(
                "INSERT INTO dialogues (person_id, state, updated_at) VALUES ($1, $2, $3) \
             ON CONFLICT (person_id) DO UPDATE SET state = excluded.state, updated_at = excluded.updated_at",
            )
            .bind(person.0)
            .bind(state)
            .bind(now)
            .execute(c)
            .await
        })?;
        Ok(())
    }

    pub async fn clear_dialogue(&mut self, person: PersonId) -> Result<()> {
        exec!(self, |c| sqlx::query("DELETE FROM dialogues WHERE person_id = $1").bind(person.0).execute(c).await)?;
        Ok(())
    }
}
