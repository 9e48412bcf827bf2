//! A running desk for end-to-end tests — the Bot API double, a throwaway
//! database and the real bot process — and the conversations tests hold
//! with it.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use super::db::TestDb;
use super::double::{BotApiDouble, Call, TestUser, contact_message, text_message};
use super::process::{BotProcess, run_once};

/// How long a test waits for an answer of the bot before it fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// The Telegram id `ADMIN_IDS` names in every run.
pub const ADMIN: i64 = 9001;
pub const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan");

/// Logs longer than this are written to a file instead of being printed
/// whole when a test fails; a run with a hundred restarts logs megabytes.
const MAX_PRINTED_LOG_BYTES: usize = 256 * 1024;

/// A running desk: the double, the database and the bot process.
///
/// The process sits behind a lock so that a test can kill and restart the
/// bot from one task while others keep talking to it through the double.
pub struct Desk {
    pub double: BotApiDouble,
    pub db: TestDb,
    bot: Mutex<Option<BotProcess>>,
    /// The logs of the processes killed so far, oldest first; a killed
    /// process's log is removed with its working directory.
    earlier_logs: Mutex<String>,
}

impl Desk {
    /// Imports the example community and starts the bot.
    pub async fn start(db: TestDb) -> Desk {
        let units = format!("{EXAMPLES}/units.csv");
        let people = format!("{EXAMPLES}/people.csv");
        let output = run_once(&["import", &units, &people], [("DATABASE_URL", db.url())], WAIT).await;
        assert!(output.status.success(), "import failed: {}", output.combined());
        let double = BotApiDouble::start().await;
        let desk = Desk { double, db, bot: Mutex::new(None), earlier_logs: Mutex::new(String::new()) };
        desk.spawn();
        desk
    }

    /// Starts a bot process (again).
    pub fn spawn(&self) {
        self.spawn_with_admins(&ADMIN.to_string());
    }

    /// Starts a bot process (again) with `admin_ids` as its `ADMIN_IDS`.
    pub fn spawn_with_admins(&self, admin_ids: &str) {
        let env = [
            ("TELOXIDE_TOKEN", "123456:TEST-TOKEN-never-logged".to_string()),
            ("TELOXIDE_API_URL", self.double.url()),
            ("DATABASE_URL", self.db.url().to_string()),
            ("DESK_POLL_TIMEOUT_SECS", "2".to_string()),
            ("DESK_CHAT_INTERVAL_MS", "50".to_string()),
            ("ADMIN_IDS", admin_ids.to_string()),
        ];
        let previous = lock(&self.bot).replace(BotProcess::spawn(env));
        assert!(previous.is_none(), "a second bot was started while one was running");
    }

    /// Kills the bot with SIGKILL, as a crash or power loss would, keeping
    /// its log.
    pub async fn kill(&self) {
        // The lock is not held across the wait, so that other tasks can read
        // the log meanwhile.
        let bot = lock(&self.bot).take();
        if let Some(mut bot) = bot {
            bot.kill().await;
            let mut logs = lock(&self.earlier_logs);
            logs.push_str(&bot.log_text());
            logs.push_str("--- killed with SIGKILL ---\n");
        }
    }

    /// The log of every process started so far, in order.
    pub fn log(&self) -> String {
        let current = lock(&self.bot).as_ref().map(BotProcess::log_text).unwrap_or_default();
        format!("{}{current}", lock(&self.earlier_logs))
    }

    /// Pushes an update and returns the sequence number to wait after.
    pub fn push(&self, update: serde_json::Value) -> u64 {
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

    /// Waits for a message to `user` carrying a button whose data starts
    /// with `prefix`, and returns the message and the button's data.
    pub async fn expect_button(&self, after: u64, user: &TestUser, prefix: &str) -> (Call, String) {
        let chat = user.id;
        let desc = format!("a message to {chat} with a button {prefix:?}");
        let call = self
            .double
            .wait_for_after(after, &desc, WAIT, |c| c.chat_id() == Some(chat) && button(c, prefix).is_some())
            .await;
        let data = button(&call, prefix).expect("the message matched on this button");
        (call, data)
    }

    /// Presses the button whose data starts with `prefix` on the first
    /// message after `after` that has one — sent, or given it by an edit.
    pub async fn press(&self, after: u64, user: &TestUser, prefix: &str) -> u64 {
        let (call, data) = self.expect_button(after, user, prefix).await;
        let message_id = call.message_id_sent().or(call.target_message_id()).expect("the message the button is on");
        self.push(self.double.callback_on(user, &data, message_id))
    }
}

impl Drop for Desk {
    /// A failing test shows the bot's log, which is where the reason is.
    fn drop(&mut self) {
        if !std::thread::panicking() {
            return;
        }
        let log = self.log();
        if log.len() <= MAX_PRINTED_LOG_BYTES {
            eprintln!("--- community-desk log ---\n{log}");
            return;
        }
        // The log is kept in a file that outlives the test, and only its end
        // is printed, which is usually where the failure shows.
        let path = std::env::temp_dir().join(format!("community-desk-{}.log", uuid::Uuid::new_v4().simple()));
        let saved = match std::fs::write(&path, &log) {
            Ok(()) => format!("the whole log is in {}", path.display()),
            Err(e) => format!("the whole log could not be saved to {}: {e}", path.display()),
        };
        let mut tail_start = log.len() - MAX_PRINTED_LOG_BYTES;
        while !log.is_char_boundary(tail_start) {
            tail_start += 1;
        }
        eprintln!("--- community-desk log ({saved}; its end follows) ---\n{}", &log[tail_start..]);
    }
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking task must not hide the bot or its log from the Drop that
    // prints it, so a poisoned lock is still used.
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// The data of the first button of `call` whose data starts with `prefix`.
pub fn button(call: &Call, prefix: &str) -> Option<String> {
    call.callback_data_buttons().into_iter().map(|(_, data)| data).find(|data| data.starts_with(prefix))
}

/// The name and phone of whoever holds `role` on `unit` in the example
/// directory.
pub fn listed(role: &str, unit: &str) -> (String, String) {
    let people = std::fs::read_to_string(format!("{EXAMPLES}/people.csv")).unwrap();
    people
        .lines()
        .map(|line| line.split(',').collect::<Vec<_>>())
        .find(|f| f[2] == role && f[3] == unit)
        .map(|f| (f[0].to_string(), f[1].to_string()))
        .unwrap_or_else(|| panic!("the example lists a {role} for {unit}"))
}

pub fn liaison_of(building: &str) -> (String, String) {
    listed("liaison", building)
}

/// A responder opens the bot, says they are staff and shares their phone;
/// the bot names the unit they are now responsible for.
pub async fn responder_binds(desk: &Desk, responder: &TestUser, phone: &str, unit: &str) {
    let at = desk.push(text_message(responder, "/start"));
    let at = desk.press(at, responder, "s:staff").await;
    desk.double
        .wait_for_after(at, "the share-phone keyboard", WAIT, |c| {
            c.chat_id() == Some(responder.id) && !c.reply_keyboard_buttons().is_empty()
        })
        .await;
    let at = desk.push(contact_message(responder, phone, true));
    desk.expect_text(at, responder, unit).await;
}

/// The liaison of E01 opens the bot, says they are staff and shares their
/// phone.
pub async fn liaison_binds(desk: &Desk, liaison: &TestUser, phone: &str) {
    responder_binds(desk, liaison, phone, "E01").await;
}

/// A resident scans the stairwell code of `building` and registers, in
/// English, in room 302.
pub async fn resident_registers_at(desk: &Desk, resident: &TestUser, building: &str) {
    let at = desk.push(text_message(resident, &format!("/start b_{building}")));
    desk.expect_text(at, resident, building).await;
    desk.expect_button(at, resident, "d:room-skip").await;
    let at = desk.push(text_message(resident, "302"));
    desk.double
        .wait_for_after(at, "the share-phone keyboard", WAIT, |c| {
            c.chat_id() == Some(resident.id) && !c.reply_keyboard_buttons().is_empty()
        })
        .await;
    let at = desk.push(text_message(resident, "Skip"));
    let at = desk.press(at, resident, "d:priv:y").await;
    let registered = desk.expect_text(at, resident, "You are registered at").await;
    assert!(
        registered.text().is_some_and(|t| t.contains(building)),
        "registered at {building}: {:?}",
        registered.text()
    );
}

/// A resident scans the stairwell code of E01 and registers, in English.
pub async fn resident_registers(desk: &Desk, resident: &TestUser) {
    resident_registers_at(desk, resident, "E01").await;
}

/// A resident reports an urgent problem of `category`; returns the call
/// sequence after which the responders' cards arrive.
pub async fn report_in(desk: &Desk, resident: &TestUser, category: &str, text: &str) -> u64 {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, &format!("d:cat:{category}")).await;
    desk.expect_text(at, resident, "describe the problem").await;
    let at = desk.push(text_message(resident, text));
    let at = desk.press(at, resident, "d:desc-done").await;
    let at = desk.press(at, resident, "d:urg:urgent").await;
    let at = desk.press(at, resident, "d:ok").await;
    desk.expect_text(at, resident, "received").await;
    at
}
