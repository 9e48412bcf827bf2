//! What `community-desk demo` keeps in its database beside the product's
//! data: whether it is seeded, its clock's offset, the people on its page;
//! and the lock that keeps a second demo off the same database.

use std::str::FromStr;

use sqlx::Connection;
use sqlx::postgres::PgConnection;

use super::{Result, Store, StoreError, Tx, exec, on};
use crate::domain::TelegramId;

/// Where a database stands as a demo's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DemoState {
    /// No people and no demo: a new database, ready to seed.
    Empty,
    /// People but no demo: somebody's real data, never to be reset.
    NotADemo,
    /// A seed was started and did not finish.
    HalfSeeded,
    /// Seeded; the clock runs this far ahead of real time.
    Seeded { clock_offset_ms: i64 },
}

/// Someone with a phone on the demo page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoPerson {
    pub telegram_id: TelegramId,
    pub name: String,
    pub language: String,
    /// What they play: `resident`, `liaison`, `deputy`, `group_leader`,
    /// `grid_leader` or `admin`.
    pub part: String,
}

impl Tx {
    pub async fn demo_state(&mut self) -> Result<DemoState> {
        let row: Option<(Option<i64>, i64)> =
            on!(self, |c| sqlx::query_as("SELECT seeded_at, clock_offset_ms FROM demo_state WHERE id = 1")
                .fetch_optional(c)
                .await)?;
        Ok(match row {
            Some((Some(_), clock_offset_ms)) => DemoState::Seeded { clock_offset_ms },
            Some((None, _)) => DemoState::HalfSeeded,
            None => {
                let people: bool =
                    on!(self, |c| sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM people)").fetch_one(c).await)?;
                if people { DemoState::NotADemo } else { DemoState::Empty }
            }
        })
    }

    /// Marks the database as a demo's whose seed has begun.
    pub async fn begin_demo_seed(&mut self) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "INSERT INTO demo_state (id, seeded_at, clock_offset_ms, runs) VALUES (1, NULL, 0, 0) \
             ON CONFLICT (id) DO UPDATE SET seeded_at = NULL"
        )
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn finish_demo_seed(&mut self, now: i64) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE demo_state SET seeded_at = $1 WHERE id = 1").bind(now).execute(c).await)?;
        Ok(())
    }

    /// Counts a run of the demo on this database; returns how many runs
    /// came before it.
    pub async fn count_demo_run(&mut self) -> Result<i64> {
        let runs: Option<i64> =
            on!(self, |c| sqlx::query_scalar("UPDATE demo_state SET runs = runs + 1 WHERE id = 1 RETURNING runs - 1")
                .fetch_optional(c)
                .await)?;
        runs.ok_or_else(|| StoreError::Corrupt("the demo's state is missing".into()))
    }

    pub async fn set_demo_clock_offset(&mut self, offset_ms: i64) -> Result<()> {
        exec!(self, |c| sqlx::query("UPDATE demo_state SET clock_offset_ms = $1 WHERE id = 1")
            .bind(offset_ms)
            .execute(c)
            .await)?;
        Ok(())
    }

    pub async fn add_demo_person(&mut self, person: &DemoPerson, now: i64) -> Result<()> {
        exec!(self, |c| sqlx::query(
            "INSERT INTO demo_people (telegram_id, name, language, part, added_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(person.telegram_id.0)
        .bind(&person.name)
        .bind(&person.language)
        .bind(&person.part)
        .bind(now)
        .execute(c)
        .await)?;
        Ok(())
    }

    pub async fn demo_people(&mut self) -> Result<Vec<DemoPerson>> {
        let rows: Vec<(i64, String, String, String)> = on!(self, |c| sqlx::query_as(
            "SELECT telegram_id, name, language, part FROM demo_people ORDER BY added_at, telegram_id"
        )
        .fetch_all(c)
        .await)?;
        Ok(rows
            .into_iter()
            .map(|(id, name, language, part)| DemoPerson { telegram_id: TelegramId(id), name, language, part })
            .collect())
    }
}

impl Store {
    /// Empties a PostgreSQL database of every table, ours and any other in
    /// its `public` schema, so that a demo can be seeded again from nothing.
    /// The demo calls it only on a database whose [`DemoState`] says it is a
    /// demo's.
    pub async fn drop_postgres_schema(url: &str) -> Result<()> {
        let mut connection = PgConnection::connect(url).await?;
        sqlx::raw_sql("DROP SCHEMA public CASCADE; CREATE SCHEMA public").execute(&mut connection).await?;
        connection.close().await?;
        Ok(())
    }
}

/// Held while a demo runs on a PostgreSQL database: a session-level
/// advisory lock, released when the connection closes (also when the
/// process dies).
pub struct PostgresLock {
    _session: PgConnection,
}

/// The advisory lock's key: "demo" in ASCII.
const DEMO_LOCK_KEY: i64 = 0x6465_6d6f;

impl PostgresLock {
    /// Takes the lock, or returns `None` when another session holds it.
    pub async fn try_take(url: &str) -> Result<Option<PostgresLock>> {
        let options = sqlx::postgres::PgConnectOptions::from_str(url)?;
        let mut connection = PgConnection::connect_with(&options).await?;
        let taken: bool = sqlx::query_scalar("SELECT pg_try_advisory_lock($1)")
            .bind(DEMO_LOCK_KEY)
            .fetch_one(&mut connection)
            .await
            .map_err(StoreError::from)?;
        Ok(taken.then_some(PostgresLock { _session: connection }))
    }
}
