//! Throwaway databases for tests.

use std::sync::Once;
use std::time::Duration;

use community_desk::store::scratch::ScratchDatabase;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};
use tempfile::TempDir;

/// The variable that points the PostgreSQL tests at a server.
const POSTGRES_URL_VAR: &str = "TEST_DATABASE_URL";

/// A database that exists for one test and is removed afterwards.
pub struct TestDb {
    url: String,
    cleanup: Cleanup,
}

enum Cleanup {
    /// The SQLite file lives in this directory, removed on drop.
    Sqlite(TempDir),
    /// A database created on the PostgreSQL server, dropped with it.
    Postgres(ScratchDatabase),
}

impl TestDb {
    /// A fresh SQLite database file in a new temporary directory; the file
    /// is created on first connection (`mode=rwc`).
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("create a directory for the SQLite database");
        let path = dir.path().join("community-desk.db");
        TestDb { url: format!("sqlite://{}?mode=rwc", path.display()), cleanup: Cleanup::Sqlite(dir) }
    }

    /// A fresh, empty PostgreSQL database on the server named by
    /// `TEST_DATABASE_URL`, or `None` (with a note, printed once) when the
    /// variable is not set.
    pub async fn postgres() -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_URL_VAR) else {
            static SKIPPED: Once = Once::new();
            SKIPPED.call_once(|| {
                // Written to stderr directly rather than with eprintln!, which
                // the test harness captures: the skip must show in a plain
                // `cargo test` run.
                use std::io::Write;
                let note = format!("\nnote: PostgreSQL tests skipped: {POSTGRES_URL_VAR} is not set\n");
                let _ = std::io::stderr().write_all(note.as_bytes());
            });
            return None;
        };
        let database = ScratchDatabase::create(&admin_url, "cd_test_")
            .await
            .unwrap_or_else(|e| panic!("create a database through {POSTGRES_URL_VAR}={admin_url}: {e}"));
        Some(TestDb { url: database.url.clone(), cleanup: Cleanup::Postgres(database) })
    }

    /// The connection URL, e.g. for `DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres(_))
    }
}

/// A connection to a test database on either backend, for the assertions
/// that read the bot's tables directly.
pub enum Db {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

impl Db {
    pub async fn connect(db: &TestDb) -> Db {
        if db.is_postgres() {
            Db::Postgres(PgConnection::connect(db.url()).await.expect("connect to the test database"))
        } else {
            Db::Sqlite(SqliteConnection::connect(db.url()).await.expect("connect to the test database"))
        }
    }

    /// Runs a query without parameters and renders every row as a line of
    /// text, columns separated by `|`, NULL as `∅`.
    pub async fn rows(&mut self, sql: &'static str) -> Vec<String> {
        match self {
            Db::Sqlite(c) => {
                let rows = sqlx::query(sql).fetch_all(&mut *c).await.expect(sql);
                rows.iter().map(|r| (0..r.len()).map(|i| sqlite_cell(r, i)).collect::<Vec<_>>().join("|")).collect()
            }
            Db::Postgres(c) => {
                let rows = sqlx::query(sql).fetch_all(&mut *c).await.expect(sql);
                rows.iter().map(|r| (0..r.len()).map(|i| postgres_cell(r, i)).collect::<Vec<_>>().join("|")).collect()
            }
        }
    }

    /// A single integer, e.g. a `COUNT(*)` cast to a 64-bit integer.
    pub async fn count(&mut self, sql: &'static str) -> i64 {
        let rows = self.rows(sql).await;
        rows.first().and_then(|r| r.parse().ok()).unwrap_or_else(|| panic!("{sql} gave {rows:?}"))
    }

    /// Waits until no inbox or outbox job is pending, i.e. the bot has
    /// handled every recorded update and sent every message. Panics after
    /// `timeout`.
    pub async fn wait_idle(&mut self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let pending = self
                .count(
                    "SELECT CAST(COUNT(*) AS BIGINT) FROM jobs \
                     WHERE queue IN ('inbox', 'outbox') AND status = 'pending'",
                )
                .await;
            if pending == 0 {
                return;
            }
            assert!(tokio::time::Instant::now() < deadline, "{pending} jobs still pending after {timeout:?}");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
}

/// One column of a SQLite row as text, whatever its type.
fn sqlite_cell(row: &sqlx::sqlite::SqliteRow, i: usize) -> String {
    if let Ok(value) = row.try_get::<Option<i64>, _>(i) {
        return value.map_or_else(|| "∅".to_string(), |n| n.to_string());
    }
    if let Ok(value) = row.try_get::<Option<bool>, _>(i) {
        return value.map_or_else(|| "∅".to_string(), |b| i64::from(b).to_string());
    }
    if let Ok(value) = row.try_get::<Option<f64>, _>(i) {
        return value.map_or_else(|| "∅".to_string(), |n| n.to_string());
    }
    row.try_get::<Option<String>, _>(i)
        .unwrap_or_else(|e| panic!("column {i} is not an integer, a number or text: {e}"))
        .unwrap_or_else(|| "∅".to_string())
}

/// One column of a PostgreSQL row as text. Integers of any width and
/// booleans read as SQLite stores them, so that the two backends compare.
fn postgres_cell(row: &sqlx::postgres::PgRow, i: usize) -> String {
    let shown = |value: Option<String>| value.unwrap_or_else(|| "∅".to_string());
    if let Ok(value) = row.try_get::<Option<i64>, _>(i) {
        return shown(value.map(|n| n.to_string()));
    }
    if let Ok(value) = row.try_get::<Option<i32>, _>(i) {
        return shown(value.map(|n| n.to_string()));
    }
    if let Ok(value) = row.try_get::<Option<bool>, _>(i) {
        return shown(value.map(|b| i64::from(b).to_string()));
    }
    if let Ok(value) = row.try_get::<Option<f64>, _>(i) {
        return shown(value.map(|n| n.to_string()));
    }
    shown(row.try_get::<Option<String>, _>(i).unwrap_or_else(|e| panic!("column {i} has an unexpected type: {e}")))
}

/// A loopback port nobody listens on right now: the operating system picks
/// a free one, and the listener is dropped at once so the bot can bind it.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind an ephemeral port");
    listener.local_addr().expect("the ephemeral port").port()
}
