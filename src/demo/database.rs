//! The demo's database: where it is, the lock that keeps a second demo off
//! it, and seeding it so that a crash never leaves one half-seeded in use.

use std::fs::{File, TryLockError};
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};

use super::seed;
use crate::store::{DemoState, PostgresLock, Store};

/// `demo.db` in the working directory, unless DATABASE_URL says otherwise.
pub const DEFAULT_URL: &str = "sqlite://demo.db";

/// A demo database: a SQLite file or a PostgreSQL database.
#[derive(Debug, Clone)]
pub enum Place {
    Sqlite { path: PathBuf },
    Postgres { url: String },
}

impl Place {
    pub fn of(url: &str) -> anyhow::Result<Place> {
        if let Some(rest) = url.strip_prefix("sqlite:") {
            let path = rest.trim_start_matches("//");
            let path = path.split('?').next().unwrap_or_default();
            if path.is_empty() || path == ":memory:" {
                bail!("the demo needs a database file (DATABASE_URL=sqlite://demo.db), not `{url}`");
            }
            Ok(Place::Sqlite { path: PathBuf::from(path) })
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Ok(Place::Postgres { url: url.to_string() })
        } else {
            bail!("DATABASE_URL `{url}` is neither sqlite:// nor postgres://")
        }
    }

    pub fn url(&self) -> String {
        match self {
            Place::Sqlite { path } => sqlite_url(path),
            Place::Postgres { url } => url.clone(),
        }
    }

    /// How the place is named in messages: the file, or the database
    /// without its password.
    pub fn describe(&self) -> String {
        match self {
            Place::Sqlite { path } => path.display().to_string(),
            Place::Postgres { url } => match url::Url::parse(url) {
                Ok(mut parsed) => {
                    let _ = parsed.set_password(None);
                    parsed.to_string()
                }
                Err(_) => "the PostgreSQL database".to_string(),
            },
        }
    }
}

fn sqlite_url(path: &Path) -> String {
    format!("sqlite://{}", path.display())
}

/// Held for as long as the demo runs; a second demo on the same database
/// cannot take it. A SQLite demo locks a file beside its database, a
/// PostgreSQL one an advisory lock of its session; either goes with the
/// process, however it ends.
pub enum Lock {
    File { _held: File },
    Postgres { _held: PostgresLock },
}

impl Lock {
    pub async fn take(place: &Place) -> anyhow::Result<Lock> {
        let taken = match place {
            Place::Sqlite { path } => {
                let lock_path = suffixed(path, ".lock");
                let file = File::options()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(&lock_path)
                    .with_context(|| format!("cannot open the lock file {}", lock_path.display()))?;
                match file.try_lock() {
                    Ok(()) => Some(Lock::File { _held: file }),
                    Err(TryLockError::WouldBlock) => None,
                    Err(TryLockError::Error(error)) => {
                        return Err(error).with_context(|| format!("cannot lock {}", lock_path.display()));
                    }
                }
            }
            Place::Postgres { url } => PostgresLock::try_take(url)
                .await
                .context("could not open the database")?
                .map(|held| Lock::Postgres { _held: held }),
        };
        taken.with_context(|| {
            format!(
                "another `community-desk demo` is running on {}; stop it first, \
                 or give this one another database (run it in another directory or set DATABASE_URL)",
                place.describe()
            )
        })
    }
}

/// What opening the demo's database found.
pub struct Opened {
    pub store: Store,
    pub clock_offset_ms: i64,
    /// Whether it was seeded just now.
    pub seeded: bool,
}

/// Opens the demo's database, seeding it when it is new, was left
/// half-seeded, or `fresh` asks to start over.
pub async fn open(place: &Place, fresh: bool, now: i64) -> anyhow::Result<Opened> {
    let store = Store::connect(&place.url()).await.context("could not open the database")?;
    let mut tx = store.begin().await?;
    let state = tx.demo_state().await?;
    tx.commit().await?;
    match state {
        DemoState::NotADemo => {
            store.close().await;
            bail!(
                "{} holds a community's data and was not made by `community-desk demo`, which never changes \
                 such a database: run the demo in another directory, or point DATABASE_URL at an empty database",
                place.describe()
            )
        }
        DemoState::Seeded { clock_offset_ms } if !fresh => Ok(Opened { store, clock_offset_ms, seeded: false }),
        _ => {
            store.close().await;
            let store = reseed(place, now).await?;
            Ok(Opened { store, clock_offset_ms: 0, seeded: true })
        }
    }
}

/// Starts the demo over from the example community, on a database that is
/// a demo's (or new). The store the caller had must be closed.
pub async fn reseed(place: &Place, now: i64) -> anyhow::Result<Store> {
    match place {
        Place::Sqlite { path } => reseed_file(path, now).await,
        Place::Postgres { url } => {
            // The schema goes, and with it the mark that the database is a
            // demo's; a crash before the seed marks it again leaves an empty
            // database, which the next start seeds.
            Store::drop_postgres_schema(url).await.context("could not empty the database")?;
            let store = Store::connect(url).await.context("could not open the database")?;
            seed::seed(&store, now).await?;
            Ok(store)
        }
    }
}

/// Seeds a new file beside the database and renames it over the old one
/// only once it is complete, so that a crash at any moment leaves either
/// the old database or the new one, whole.
async fn reseed_file(path: &Path, now: i64) -> anyhow::Result<Store> {
    let seeding = suffixed(path, ".seeding");
    remove_database_files(&seeding)?;
    let store = Store::connect(&sqlite_url(&seeding)).await.context("could not create the demo database")?;
    seed::seed(&store, now).await?;
    // Closing the last connection checkpoints the write-ahead log into the
    // file and deletes it, so the file is the whole database.
    store.close().await;
    if suffixed(&seeding, "-wal").exists() {
        bail!("the new demo database {} kept a write-ahead log; not using it", seeding.display());
    }
    // The old database's log and shared memory must go before the new file
    // takes its name, or SQLite would read them as the new file's.
    remove_database_files(path)?;
    std::fs::rename(&seeding, path)
        .with_context(|| format!("cannot rename {} to {}", seeding.display(), path.display()))?;
    Store::connect(&sqlite_url(path)).await.context("could not open the database")
}

/// Removes a SQLite database and its companion files, where they exist.
fn remove_database_files(path: &Path) -> anyhow::Result<()> {
    for file in [suffixed(path, "-wal"), suffixed(path, "-shm"), path.to_path_buf()] {
        match std::fs::remove_file(&file) {
            Ok(()) => {}
            Err(error) if error.kind() == std::io::ErrorKind::NotFound => {}
            Err(error) => return Err(error).with_context(|| format!("cannot remove {}", file.display())),
        }
    }
    Ok(())
}

fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sqlite_url_names_its_file_and_a_postgres_url_is_kept() {
        let Place::Sqlite { path } = Place::of("sqlite://demo.db?mode=rwc").unwrap() else { panic!() };
        assert_eq!(path, PathBuf::from("demo.db"));
        let Place::Sqlite { path } = Place::of("sqlite:/tmp/x/demo.db").unwrap() else { panic!() };
        assert_eq!(path, PathBuf::from("/tmp/x/demo.db"));
        assert!(matches!(Place::of("postgres://u:secret@h/db").unwrap(), Place::Postgres { .. }));
        assert!(!Place::of("postgres://u:secret@h/db").unwrap().describe().contains("secret"));
        assert!(Place::of("sqlite::memory:").is_err());
        assert!(Place::of("mysql://h/db").is_err());
    }

    async fn demo_people(store: &Store) -> usize {
        let mut tx = store.begin().await.unwrap();
        let people = tx.demo_people().await.unwrap();
        tx.commit().await.unwrap();
        people.len()
    }

    #[tokio::test]
    async fn a_demo_database_left_half_seeded_is_seeded_again_whole() {
        let dir = tempfile::tempdir().unwrap();
        let place = Place::Sqlite { path: dir.path().join("demo.db") };
        let first = open(&place, false, 0).await.unwrap();
        assert!(first.seeded);
        assert_eq!(demo_people(&first.store).await, 6);
        // What a crash between the start of a seed and its end leaves.
        let mut tx = first.store.begin().await.unwrap();
        tx.begin_demo_seed().await.unwrap();
        tx.commit().await.unwrap();
        first.store.close().await;

        let again = open(&place, false, 0).await.unwrap();
        assert!(again.seeded, "a half-seeded database was used as it was");
        assert_eq!(demo_people(&again.store).await, 6);
        again.store.close().await;
        assert!(!suffixed(&place_path(&place), ".seeding").exists(), "the seeding file was left behind");
        let kept = open(&place, false, 0).await.unwrap();
        assert!(!kept.seeded, "a whole demo database was seeded again");
        kept.store.close().await;
    }

    #[tokio::test]
    async fn a_database_with_a_communitys_own_data_is_never_reset() {
        let dir = tempfile::tempdir().unwrap();
        let place = Place::Sqlite { path: dir.path().join("community-desk.db") };
        let store = Store::connect(&place.url()).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        tx.touch_person(crate::domain::TelegramId(7), Some("Someone"), None, 0).await.unwrap();
        tx.commit().await.unwrap();
        store.close().await;
        let refused = open(&place, true, 0).await.err().expect("the demo took a community's database");
        assert!(refused.to_string().contains("was not made by `community-desk demo`"), "{refused}");
        let store = Store::connect(&place.url()).await.unwrap();
        let mut tx = store.begin().await.unwrap();
        assert!(tx.person_by_telegram(crate::domain::TelegramId(7)).await.unwrap().is_some());
        tx.commit().await.unwrap();
        store.close().await;
    }

    fn place_path(place: &Place) -> PathBuf {
        match place {
            Place::Sqlite { path } => path.clone(),
            Place::Postgres { .. } => unreachable!("a SQLite place"),
        }
    }
}
