//! Throwaway PostgreSQL databases: the tests, the timer-sweep bench and the
//! load generator each create a fresh database on a server they are given,
//! and drop it when they are done.

use sqlx::{AssertSqlSafe, Connection, PgConnection};

use super::Result;

/// A database created for one test or run, dropped with this value.
pub struct ScratchDatabase {
    /// The URL to connect to it.
    pub url: String,
    admin_url: String,
    name: String,
}

impl ScratchDatabase {
    /// Creates a database named `prefix` and a random suffix through the
    /// server at `admin_url`. The prefix holds only lowercase letters, digits
    /// and underscores, because a database name cannot be a bind parameter
    /// and is spliced into the statement.
    pub async fn create(admin_url: &str, prefix: &str) -> Result<ScratchDatabase> {
        assert!(
            prefix.bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_'),
            "a database name prefix of [a-z0-9_] only"
        );
        let name = format!("{prefix}{}", uuid::Uuid::new_v4().simple());
        let mut admin = PgConnection::connect(admin_url).await?;
        sqlx::query(AssertSqlSafe(format!("CREATE DATABASE {name}"))).execute(&mut admin).await?;
        // Closing is a courtesy to the server; failing to close is harmless.
        let _ = admin.close().await;
        Ok(ScratchDatabase { url: with_database(admin_url, &name), admin_url: admin_url.to_owned(), name })
    }

    async fn drop_database(admin_url: &str, name: &str) -> Result<()> {
        let mut admin = PgConnection::connect(admin_url).await?;
        // FORCE ends any connection a failed run left behind.
        sqlx::query(AssertSqlSafe(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))).execute(&mut admin).await?;
        let _ = admin.close().await;
        Ok(())
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        let (admin_url, name) = (self.admin_url.clone(), self.name.clone());
        // Drop may run inside an async runtime, which cannot block on itself;
        // a short-lived runtime on its own thread does the work.
        let outcome = std::thread::spawn(move || -> Result<(), String> {
            let runtime =
                tokio::runtime::Builder::new_current_thread().enable_all().build().map_err(|e| e.to_string())?;
            runtime.block_on(ScratchDatabase::drop_database(&admin_url, &name)).map_err(|e| e.to_string())
        })
        .join();
        match outcome {
            Ok(Ok(())) => {}
            Ok(Err(error)) => eprintln!("could not drop the scratch database {}: {error}", self.name),
            Err(_) => eprintln!("dropping the scratch database {} panicked", self.name),
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
