//! Storage: SQLite or PostgreSQL behind one interface.
//!
//! Every operation lives on [`Tx`], a transaction on either backend, so that a
//! use case can read, decide and write — state change, events and outbox
//! notifications — atomically. The SQL is written once and runs on both
//! backends (`$1` placeholders, epoch-millisecond integers, `RETURNING`);
//! where the backends differ, the method says so with an explicit `match`.

mod admin;
mod checkins;
mod conversations;
mod demo;
mod directory;
mod events;
mod export;
mod followers;
mod households;
mod jobs;
mod office;
mod office_building;
mod open311;
mod people;
mod policy;
mod privacy;
mod recurring;
mod requests;
mod routing;
pub mod scratch;
mod visits;
mod web_access;

use std::collections::HashMap;
use std::str::FromStr;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use sqlx::{ConnectOptions, Postgres, Sqlite, Transaction};

pub use admin::{Notice, NoticeCounts, Recipient, Responder, TimelineEntry, progress_key};
pub use checkins::CheckinDay;
pub use conversations::Thread;
pub use demo::{DemoPerson, DemoState, PostgresLock};
pub use directory::{ImportCounts, RoleView};
pub use export::ExportRow;
pub use households::Household;
pub use jobs::{ClaimedJob, JobStatus, NewJob, Priority, Queue};
pub use office::{ActiveRequest, RequestFactsRow, RoleHolder};
pub use office_building::{ClosedRequest, HouseholdCounts};
pub use open311::{FeedQuery, FeedRow};
pub use people::{BindOutcome, Person, Resident, Sender};
pub use policy::Deadline;
pub use privacy::{FollowedRequest, OwnRequest};
pub use recurring::{PastRequest, RecurringProblem};
pub use requests::{NewRequest, RequestSummary, RequestView};
pub use visits::{HouseholdCare, Visit};
pub use web_access::WebSession;

use crate::domain::{Unit, UnitId};

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("migrations/postgres");

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("could not apply migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("unsupported database URL (expected sqlite:// or postgres://)")]
    UnsupportedUrl,
    #[error("stored data is inconsistent: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A pool of connections to one of the two backends.
#[derive(Debug, Clone)]
pub enum Store {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

impl Store {
    /// Connects and applies the migrations of the backend the URL names. A
    /// SQLite file is created if it does not exist.
    pub async fn connect(url: &str) -> Result<Store> {
        let store = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(10))
                // NORMAL never loses data on a process crash (WAL); it may
                // lose the last commits on power loss, which we accept for a
                // thirty-fold higher commit rate.
                .synchronous(SqliteSynchronous::Normal)
                // The bot checkpoints the write-ahead log from a connection of
                // its own (see `Checkpointer`), so that the fsync of a
                // checkpoint does not hold up the one connection every
                // transaction waits for. The connection's own checkpoint stays
                // as a safety net, at a larger size (about 40 MB).
                .pragma("wal_autocheckpoint", "10000")
                // Erased and deleted data is overwritten with zeros rather
                // than left readable in freed space of the file; the
                // write-ahead log's old copies go with `Checkpointer::empty_log`.
                // Its cost is in BENCHMARKS.md.
                .pragma("secure_delete", "ON");
            // One connection: every transaction takes the write lock at once
            // (see `begin`), so several connections only make them wait for
            // each other in SQLite's busy handler, which sleeps in steps of
            // milliseconds. Waiting for the one connection in the pool's
            // queue instead wakes the next transaction the moment the last
            // one commits. It also means a task must never open a second
            // transaction while it holds one.
            // The connection is in this process and cannot have gone away,
            // so it is not pinged before each use, nor replaced after a while.
            let pool = SqlitePoolOptions::new()
                .max_connections(1)
                .test_before_acquire(false)
                .max_lifetime(None)
                .idle_timeout(None)
                .connect_with(options)
                .await?;
            SQLITE_MIGRATIONS.run(&pool).await?;
            Store::Sqlite(pool)
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            // A connection is not pinged before each use: the pool already
            // pings it as it comes back, so only one whose server went away
            // while it sat idle can fail, and each such fails one
            // transaction, retried like any failed one, and is then replaced.
            // The ping before would cost every transaction a round trip.
            let pool = PgPoolOptions::new().max_connections(10).test_before_acquire(false).connect(url).await?;
            POSTGRES_MIGRATIONS.run(&pool).await?;
            Store::Postgres(pool)
        } else {
            return Err(StoreError::UnsupportedUrl);
        };
        Ok(store)
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite(_) => Backend::Sqlite,
            Store::Postgres(..) => Backend::Postgres,
        }
    }

    /// Starts a transaction. On SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`): our transactions read and then write, and a
    /// deferred one could fail to upgrade its lock halfway through.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite(pool) => Tx::new(Conn::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?)),
            Store::Postgres(pool) => Tx::new(Conn::Postgres(pool.begin().await?)),
        })
    }

    /// A connection for checkpointing a SQLite file; `None` on PostgreSQL.
    pub async fn checkpointer(&self) -> Result<Option<Checkpointer>> {
        match self {
            Store::Sqlite(pool) => {
                let connection = pool.connect_options().connect().await?;
                Ok(Some(Checkpointer(connection)))
            }
            Store::Postgres(..) => Ok(None),
        }
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite(pool) => pool.close().await,
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// A second connection to a SQLite file that copies the write-ahead log
/// back into the database. A passive checkpoint needs no write lock, so it
/// runs beside the connection that does the work instead of inside one of
/// its commits.
pub struct Checkpointer(sqlx::SqliteConnection);

impl Checkpointer {
    pub async fn checkpoint(&mut self) -> Result<()> {
        sqlx::query("PRAGMA wal_checkpoint(PASSIVE)").execute(&mut self.0).await?;
        Ok(())
    }

    /// Copies the whole write-ahead log into the database and truncates it
    /// to nothing, so that the log keeps no earlier copy of what was erased.
    /// Waits (up to the busy timeout) for the transaction in progress;
    /// returns `false` when the log could not be emptied yet.
    pub async fn empty_log(&mut self) -> Result<bool> {
        let (busy, _, _): (i64, i64, i64) =
            sqlx::query_as("PRAGMA wal_checkpoint(TRUNCATE)").fetch_one(&mut self.0).await?;
        Ok(busy == 0)
    }
}

/// A transaction on either backend. Dropping it without [`Tx::commit`] rolls
/// it back.
pub struct Tx {
    conn: Conn,
    /// The unit chains this transaction has read, by the unit each starts
    /// from. A request's chain is wanted several times in one turn (its
    /// community, its routing, its card), and the tree changes only by
    /// import, which forgets them.
    chains: HashMap<UnitId, Vec<Unit>>,
    settings: policy::Settings,
    /// Whether PostgreSQL has been told to plan this transaction's
    /// statements generically (see [`Tx::claim_counting`]).
    generic_plans: bool,
}

/// The connection a [`Tx`] runs on; the [`on!`] and [`exec!`] macros reach
/// it.
pub(crate) enum Conn {
    Sqlite(Transaction<'static, Sqlite>),
    Postgres(Transaction<'static, Postgres>),
}

impl Tx {
    fn new(conn: Conn) -> Tx {
        Tx { conn, chains: HashMap::new(), settings: policy::Settings::default(), generic_plans: false }
    }

    pub async fn commit(self) -> Result<()> {
        match self.conn {
            Conn::Sqlite(tx) => tx.commit().await?,
            Conn::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.conn {
            Conn::Sqlite(_) => Backend::Sqlite,
            Conn::Postgres(..) => Backend::Postgres,
        }
    }
}

/// Runs the same statement on whichever backend the transaction is on. The
/// body is compiled once per backend, so both are type-checked.
macro_rules! on {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::store::Conn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body
            }
            $crate::store::Conn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body
            }
        }
    };
}
pub(crate) use on;

/// Like [`on!`] for statements that return no rows: evaluates to the number
/// of rows affected, whatever the backend.
macro_rules! exec {
    ($tx:expr, |$conn:ident| $body:expr) => {
        match &mut $tx.conn {
            $crate::store::Conn::Sqlite(tx) => {
                let $conn = &mut **tx;
                $body.map(|done| done.rows_affected())
            }
            $crate::store::Conn::Postgres(tx) => {
                let $conn = &mut **tx;
                $body.map(|done| done.rows_affected())
            }
        }
    };
}
pub(crate) use exec;

/// Milliseconds since the Unix epoch, the one representation of time in the
/// database.
pub fn millis(at: chrono::DateTime<chrono::Utc>) -> i64 {
    at.timestamp_millis()
}

pub fn from_millis(ms: i64) -> chrono::DateTime<chrono::Utc> {
    chrono::DateTime::from_timestamp_millis(ms).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    /// SQLite's planner reads the value of a bare parameter used as a
    /// `LIMIT` or `OFFSET`, and a statement whose plan depends on a bound
    /// value is prepared again each time that parameter is bound, which for
    /// the job claim cost more than running it. `$n + 0` is an expression
    /// the planner leaves alone.
    #[test]
    fn no_statement_takes_its_limit_from_a_bare_parameter() {
        let folder = concat!(env!("CARGO_MANIFEST_DIR"), "/src/store");
        let mut read = 0;
        let mut folders = vec![std::path::PathBuf::from(folder)];
        while let Some(folder) = folders.pop() {
            for entry in std::fs::read_dir(folder).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    folders.push(path);
                    continue;
                }
                let source = std::fs::read_to_string(&path).unwrap();
                for (number, line) in source.lines().enumerate() {
                    // Spelled in pieces, so that this test does not find itself.
                    for keyword in ["LIMIT", "OFFSET"].map(|word| format!("{word} $")) {
                        if let Some(at) = line.find(&keyword) {
                            let rest = &line[at + keyword.len()..];
                            let parameter_ends = rest.trim_start_matches(|c: char| c.is_ascii_digit());
                            assert!(
                                parameter_ends.starts_with(" + 0"),
                                "{}:{}: {keyword}n without `+ 0`",
                                path.display(),
                                number + 1
                            );
                        }
                    }
                }
                read += 1;
            }
        }
        assert!(read > 5, "the store's sources were not found in {folder}");
    }
}
