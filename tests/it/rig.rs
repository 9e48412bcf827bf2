//! A desk started with settings of the test's choosing, for the fault,
//! webhook and hostile-input tests; `support::desk::Desk` always starts the
//! bot with the same environment, and these tests need webhook mode or an
//! unthrottled sender. It also holds the database queries those tests share.

use std::time::Duration;

use serde_json::Value;
use sqlx::{Connection, PgConnection, Row, SqliteConnection};

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, EXAMPLES, WAIT, button};
use crate::support::double::{BotApiDouble, Call, TestUser, contact_message, text_message};
use crate::support::process::{BotProcess, run_once};

/// The token every rig gives the bot; tests look for it in the log.
pub const TOKEN: &str = "123456:TEST-TOKEN-never-logged";

/// The double, a database with the example community, and one bot process
/// started with the rig's base settings plus the test's own.
pub struct Rig {
    pub double: BotApiDouble,
    pub db: TestDb,
    pub bot: BotProcess,
}

impl Rig {
    /// Imports the example community and starts the bot with `extra`
    /// settings on top of those `Desk` uses.
    pub async fn start(db: TestDb, extra: &[(&str, String)]) -> Rig {
        let units = format!("{EXAMPLES}/units.csv");
        let people = format!("{EXAMPLES}/people.csv");
        let output = run_once(&["import", &units, &people], [("DATABASE_URL", db.url())], WAIT).await;
        assert!(output.status.success(), "import failed: {}", output.combined());
        let double = BotApiDouble::start().await;
        let bot = BotProcess::spawn(settings(&double, &db, extra));
        Rig { double, db, bot }
    }

    /// Kills the bot and starts it again with `extra` settings on top of
    /// the base ones.
    pub async fn restart(&mut self, extra: &[(&str, String)]) {
        self.bot.kill().await;
        self.bot = BotProcess::spawn(settings(&self.double, &self.db, extra));
    }

    /// Pushes an update and returns the sequence number to wait after.
    pub fn push(&self, update: Value) -> u64 {
        let seq = self.double.last_seq();
        self.double.push_update(update);
        seq
    }

    /// Waits for a message to `user` whose text contains `needle`.
    pub async fn expect_text(&self, after: u64, user: &TestUser, needle: &str) -> Call {
        let chat = user.id;
        let desc = format!("a message to {chat} containing {needle:?}");
        self.double
            .wait_for_after(after, &desc, WAIT, |c| {
                c.is("sendMessage") && c.chat_id() == Some(chat) && c.text().is_some_and(|t| t.contains(needle))
            })
            .await
    }

    /// Presses the button whose data starts with `prefix` on the first
    /// message after `after` that has one.
    pub async fn press(&self, after: u64, user: &TestUser, prefix: &str) -> u64 {
        let chat = user.id;
        let desc = format!("a message to {chat} with a button {prefix:?}");
        let call = self
            .double
            .wait_for_after(after, &desc, WAIT, |c| c.chat_id() == Some(chat) && button(c, prefix).is_some())
            .await;
        let data = button(&call, prefix).expect("the message matched on this button");
        self.push(self.double.callback_on(user, &data, call.message_id_sent().expect("a sent message has an id")))
    }

    /// Waits until the share-phone keyboard reaches `user`.
    async fn expect_share_phone(&self, after: u64, user: &TestUser) {
        self.double
            .wait_for_after(after, "the share-phone keyboard", WAIT, |c| {
                c.chat_id() == Some(user.id) && !c.reply_keyboard_buttons().is_empty()
            })
            .await;
    }

    /// A responder opens the bot, says they are staff and shares their phone;
    /// the bot names `unit`, which they are now responsible for.
    pub async fn responder_binds(&self, responder: &TestUser, phone: &str, unit: &str) {
        let at = self.push(text_message(responder, "/start"));
        let at = self.press(at, responder, "s:staff").await;
        self.expect_share_phone(at, responder).await;
        let at = self.push(contact_message(responder, phone, true));
        self.expect_text(at, responder, unit).await;
    }

    /// A resident scans the code of `building` and registers in room 302
    /// without a phone. The resident must use English.
    pub async fn resident_registers_at(&self, resident: &TestUser, building: &str) {
        let at = self.push(text_message(resident, &format!("/start b_{building}")));
        let at = self.press(at, resident, "d:room-skip").await;
        self.expect_share_phone(at, resident).await;
        let at = self.push(text_message(resident, "Skip"));
        let at = self.press(at, resident, "d:priv:y").await;
        self.expect_text(at, resident, "You are registered").await;
    }

    /// The resident reports a normal property problem with `description`
    /// and confirms; returns when the bot says it was received.
    pub async fn resident_reports(&self, resident: &TestUser, description: &str) -> Call {
        let at = self.push(text_message(resident, "/new"));
        let at = self.press(at, resident, "d:cat:property").await;
        self.expect_text(at, resident, "describe the problem").await;
        let at = self.push(text_message(resident, description));
        let at = self.press(at, resident, "d:desc-done").await;
        let at = self.press(at, resident, "d:urg:normal").await;
        let at = self.press(at, resident, "d:ok").await;
        self.expect_text(at, resident, "received").await
    }

    /// The log of the bot so far.
    pub fn log(&self) -> String {
        self.bot.log_text()
    }
}

/// The settings `Desk` uses, with `extra` on top.
fn settings(double: &BotApiDouble, db: &TestDb, extra: &[(&str, String)]) -> Vec<(String, String)> {
    let mut env = vec![
        ("TELOXIDE_TOKEN".to_string(), TOKEN.to_string()),
        ("TELOXIDE_API_URL".to_string(), double.url()),
        ("DATABASE_URL".to_string(), db.url().to_string()),
        ("DESK_POLL_TIMEOUT_SECS".to_string(), "2".to_string()),
        ("DESK_CHAT_INTERVAL_MS".to_string(), "50".to_string()),
        ("ADMIN_IDS".to_string(), ADMIN.to_string()),
    ];
    env.extend(extra.iter().map(|(k, v)| (k.to_string(), v.clone())));
    env
}

impl Drop for Rig {
    /// A failing test shows the bot's log, which is where the reason is.
    fn drop(&mut self) {
        if std::thread::panicking() {
            let log = self.log();
            let start = log.len().saturating_sub(128 * 1024);
            let start = (start..log.len()).find(|i| log.is_char_boundary(*i)).unwrap_or(log.len());
            eprintln!("--- community-desk log (its end) ---\n{}", &log[start..]);
        }
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
