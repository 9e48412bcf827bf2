//! Use cases: what the bot does, independent of how Telegram phrases it.
//! Each takes an open transaction so that the caller can add the messages the
//! change causes to the outbox before committing.

pub mod admin;
pub mod cards;
pub mod care;
pub mod checkins;
pub mod clock;
pub mod conversations;
pub mod directory;
pub mod export;
pub mod followers;
pub mod notices;
pub mod people;
pub mod privacy;
pub mod recurring;
pub mod requests;
pub mod settings;
pub mod web_access;

use std::sync::Arc;

use chrono::{DateTime, Utc};
use tokio::sync::Notify;

use crate::config::Config;
use crate::domain::clock::Clock;
use crate::i18n::I18n;
use crate::store::{ClaimedJob, Queue, Store, StoreError};

/// Everything a handler or a background loop needs, shared by all of them.
pub struct App {
    pub store: Store,
    pub i18n: I18n,
    pub clock: Arc<dyn Clock>,
    pub config: Config,
    pub wake: Wake,
    /// The bot's username, known once it connected to Telegram; links such
    /// as invitations made on the web need it.
    pub bot_username: std::sync::OnceLock<String>,
    /// Fetches an attachment, once the bot is connected.
    pub files: std::sync::OnceLock<FetchFile>,
}

/// Fetches the bytes of an attachment by its file id, refusing files larger
/// than the limit given; `None` when it cannot be had. The Telegram edge
/// sets it (through `getFile`), so that the office pages show photos
/// without knowing Telegram or its token.
pub type FetchFile = Box<
    dyn Fn(String, u64) -> std::pin::Pin<Box<dyn std::future::Future<Output = Option<Vec<u8>>> + Send>> + Send + Sync,
>;

/// Wakes a background loop as soon as there is work for it, so that nothing
/// waits for the next poll of the database.
#[derive(Default)]
pub struct Wake {
    pub inbox: Notify,
    pub outbox: Notify,
    pub timers: Notify,
    /// Something was erased: SQLite's write-ahead log is emptied, so that
    /// it keeps no copy of it.
    pub erased: Notify,
}

impl App {
    pub fn new(store: Store, i18n: I18n, clock: Arc<dyn Clock>, config: Config) -> App {
        App {
            store,
            i18n,
            clock,
            config,
            wake: Wake::default(),
            bot_username: std::sync::OnceLock::new(),
            files: std::sync::OnceLock::new(),
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    pub fn now_ms(&self) -> i64 {
        crate::store::millis(self.now())
    }

    /// The service levels and calendar in force.
    pub async fn policy(&self, tx: &mut crate::store::Tx) -> Result<clock::Policy, StoreError> {
        clock::Policy::load(tx, self.config.timezone).await
    }

    /// Claims due jobs of a queue in a transaction of its own, counting each
    /// lane's jobs since `count_since` (see [`crate::store::Tx::claim_counting`]).
    pub async fn claim(
        &self,
        queue: Queue,
        lease_ms: i64,
        limit: i64,
        count_since: Option<i64>,
    ) -> Result<Vec<ClaimedJob>, StoreError> {
        let mut tx = self.store.begin().await?;
        let jobs = tx.claim_counting(queue, &self.config.instance, self.now_ms(), lease_ms, limit, count_since).await?;
        tx.commit().await?;
        Ok(jobs)
    }
}
