//! Throwaway databases for tests.

use std::sync::Once;

use sqlx::{AssertSqlSafe, Connection, PgConnection};
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
    /// The database `name` was created through the server at `admin_url`.
    Postgres { admin_url: String, name: String },
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
        // The name only holds [a-z0-9_], so it is safe to splice into SQL.
        let name = format!("cd_test_{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(&admin_url)
            .await
            .unwrap_or_else(|e| panic!("connect to {POSTGRES_URL_VAR}={admin_url}: {e}"));
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut admin)
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        // Closing is a courtesy to the server; failing to close is harmless.
        let _ = admin.close().await;
        Some(TestDb { url: with_database(&admin_url, &name), cleanup: Cleanup::Postgres { admin_url, name } })
    }

    /// The connection URL, e.g. for `DATABASE_URL`.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Whether this is a PostgreSQL database.
    pub fn is_postgres(&self) -> bool {
        matches!(self.cleanup, Cleanup::Postgres { .. })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Cleanup::Postgres { admin_url, name } = &self.cleanup else {
            return;
        };
        // Drop is synchronous and may run inside the test's runtime, where
        // blocking on another future is not allowed, so the database is
        // dropped from a separate thread with its own runtime.
        let admin_url = admin_url.clone();
        let name = name.clone();
        let outcome = std::thread::spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(async {
                let mut admin = PgConnection::connect(&admin_url).await.map_err(|e| e.to_string())?;
                sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")))
                    .execute(&mut admin)
                    .await
                    .map_err(|e| e.to_string())?;
                let _ = admin.close().await;
                Ok::<(), String>(())
            })
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(e)) => eprintln!("could not drop test database {}: {e}", self.url),
            Err(_) => eprintln!("dropping test database {} panicked", self.url),
        }
    }
}

/// Replaces the database name in a PostgreSQL URL, keeping credentials,
/// host and query parameters.
fn with_database(url: &str, database: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let authority_start = base.find("://").map_or(0, |i| i + 3);
    let server = match base[authority_start..].find('/') {
        Some(slash) => &base[..authority_start + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{server}/{database}?{query}"),
        None => format!("{server}/{database}"),
    }
}

#[cfg(test)]
mod tests {
    use super::with_database;

    #[test]
    fn the_database_name_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("postgres://postgres@127.0.0.1:5432/test", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(with_database("postgres://u:p@h/test?sslmode=disable", "x"), "postgres://u:p@h/x?sslmode=disable");
        assert_eq!(with_database("postgres://h:5432", "x"), "postgres://h:5432/x");
    }
}
