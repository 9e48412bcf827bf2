//! Throwaway databases for tests.

use std::sync::Once;

use community_desk::store::scratch::ScratchDatabase;
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
