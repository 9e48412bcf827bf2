//! Shared support code for the end-to-end tests: a handle on the real bot
//! process, throwaway databases, and a desk that puts them together with
//! the Bot API emulator (`community_desk::emulator`).

// Each test module uses a different subset of these helpers, so unused ones
// are expected in any single build.
#![allow(dead_code)]

/// Declares each named test — an `async fn(TestDb)` — once on SQLite and
/// once on PostgreSQL; the PostgreSQL one returns at once, noting the skip,
/// when `TEST_DATABASE_URL` is not set. Attributes (such as `#[ignore]`)
/// apply to both.
macro_rules! on_both_backends {
    ($($(#[$attribute:meta])* $name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                $(#[$attribute])*
                #[tokio::test]
                async fn $name() {
                    super::$name(crate::support::db::TestDb::sqlite()).await;
                }
            )+
        }
        mod postgres {
            $(
                $(#[$attribute])*
                #[tokio::test]
                async fn $name() {
                    let Some(db) = crate::support::db::TestDb::postgres().await else { return };
                    super::$name(db).await;
                }
            )+
        }
    };
}
pub(crate) use on_both_backends;

pub mod browser;
pub mod db;
pub mod desk;
pub mod process;
