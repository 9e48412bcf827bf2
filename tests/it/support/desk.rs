//! A running desk for end-to-end tests — the Bot API emulator, a throwaway
//! database and the real bot process, started with the settings every test
//! uses plus a test's own (webhook mode, an unthrottled sender, …) — and the
//! conversations tests hold with it.

use std::sync::{Mutex, MutexGuard};
use std::time::Duration;

use community_desk::emulator::{Call, Emulator, User, contact_message, text_message};

use super::db::TestDb;
use super::process::{BotProcess, run_once};

/// How long a test waits for an answer of the bot before it fails.
pub const WAIT: Duration = Duration::from_secs(20);
/// The Telegram id `ADMIN_IDS` names in every run.
pub const ADMIN: i64 = 9001;
/// The token every desk gives the bot; tests look for it in the log.
pub const TOKEN: &str = "123456:TEST-TOKEN-never-logged";
pub const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan");

/// Logs longer than this are written to a file instead of being printed
/// whole when a test fails; a run with a hundred restarts logs megabytes.
const MAX_PRINTED_LOG_BYTES: usize = 256 * 1024;

/// A running desk: the emulator, the database and the bot process.
///
/// The process sits behind a lock so that a test can kill and restart the
/// bot from one task while others keep talking to it through the emulator.
pub struct Desk {
    pub telegram: Emulator,
    pub db: TestDb,
    bot: Mutex<Option<BotProcess>>,
    /// The logs of the processes killed so far, oldest first; a killed
    /// process's log is removed with its working directory.
    earlier_logs: Mutex<String>,
}

impl Desk {
    /// Imports the example community and starts the bot.
    pub async fn start(db: TestDb) -> Desk {
        Desk::start_with(db, &[]).await
    }

    /// Imports the example community and starts the bot with `extra`
    /// settings on top of the usual ones.
    pub async fn start_with(db: TestDb, extra: &[(&str, String)]) -> Desk {
        let units = format!("{EXAMPLES}/units.csv");
        let people = format!("{EXAMPLES}/people.csv");
        let output = run_once(&["import", &units, &people], [("DATABASE_URL", db.url())], WAIT).await;
        assert!(output.status.success(), "import failed: {}", output.combined());
        let telegram = Emulator::start().await.expect("start the Bot API emulator");
        let desk = Desk { telegram, db, bot: Mutex::new(None), earlier_logs: Mutex::new(String::new()) };
        desk.spawn_with(extra);
        desk
    }

    /// Starts a bot process (again).
    pub fn spawn(&self) {
        self.spawn_with(&[]);
    }

    /// Starts a bot process (again) with `admin_ids` as its `ADMIN_IDS`.
    pub fn spawn_with_admins(&self, admin_ids: &str) {
        self.spawn_with(&[("ADMIN_IDS", admin_ids.to_string())]);
    }

    /// Starts a bot process (again) with `extra` settings on top of the
    /// usual ones.
    pub fn spawn_with(&self, extra: &[(&str, String)]) {
        let mut env = vec![
            ("TELOXIDE_TOKEN", TOKEN.to_string()),
            ("TELOXIDE_API_URL", self.telegram.url()),
            ("DATABASE_URL", self.db.url().to_string()),
            ("DESK_POLL_TIMEOUT_SECS", "2".to_string()),
            ("DESK_CHAT_INTERVAL_MS", "50".to_string()),
            ("ADMIN_IDS", ADMIN.to_string()),
        ];
        // A later setting of the same variable wins.
        env.extend(extra.iter().cloned());
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

    /// Kills the bot and starts it again with `extra` settings.
    pub async fn restart(&self, extra: &[(&str, String)]) {
        self.kill().await;
        self.spawn_with(extra);
    }

    /// Waits until the running bot logs a line containing `needle`.
    pub async fn wait_for_log(&self, needle: &str, timeout: Duration) {
        let mut bot = lock(&self.bot).take().expect("a bot is running");
        bot.wait_for_log(needle, timeout).await;
        *lock(&self.bot) = Some(bot);
    }

    /// Whether the running bot has exited on its own.
    pub fn bot_exited(&self) -> bool {
        lock(&self.bot).as_mut().is_some_and(|bot| bot.try_exit_status().is_some())
    }

    /// The log of every process started so far, in order.
    pub fn log(&self) -> String {
        let current = lock(&self.bot).as_ref().map(BotProcess::log_text).unwrap_or_default();
        format!("{}{current}", lock(&self.earlier_logs))
    }

    /// Pushes an update and returns the sequence number to wait after.
    pub fn push(&self, update: serde_json::Value) -> u64 {
        let seq = self.telegram.last_seq();
        self.telegram.push_update(update);
        seq
    }

    /// Waits for a message to `user` whose text contains `needle`.
    pub async fn expect_text(&self, after: u64, user: &User, needle: &str) -> Call {
        let chat = user.id;
        let desc = format!("a message to {chat} containing {needle:?}");
        self.telegram
            .wait_for_after(after, &desc, WAIT, |c| {
                c.is("sendMessage") && c.chat_id() == Some(chat) && c.text().is_some_and(|t| t.contains(needle))
            })
            .await
    }

    /// Waits for a message to `user` carrying a button whose data starts
    /// with `prefix`, and returns the message and the button's data.
    pub async fn expect_button(&self, after: u64, user: &User, prefix: &str) -> (Call, String) {
        let chat = user.id;
        let desc = format!("a message to {chat} with a button {prefix:?}");
        let call = self
            .telegram
            .wait_for_after(after, &desc, WAIT, |c| c.chat_id() == Some(chat) && c.button(prefix).is_some())
            .await;
        let data = call.button(prefix).expect("the message matched on this button");
        (call, data)
    }

    /// Presses the button whose data starts with `prefix` on the first
    /// message after `after` that has one — sent, or given it by an edit.
    pub async fn press(&self, after: u64, user: &User, prefix: &str) -> u64 {
        let (call, data) = self.expect_button(after, user, prefix).await;
        let message_id = call.message_id_sent().or(call.target_message_id()).expect("the message the button is on");
        self.push(self.telegram.callback_on(user, &data, message_id))
    }

    /// Waits until the share-phone keyboard reaches `user`.
    pub async fn expect_share_phone(&self, after: u64, user: &User) {
        self.telegram
            .wait_for_after(after, "the share-phone keyboard", WAIT, |c| {
                c.chat_id() == Some(user.id) && !c.reply_keyboard_buttons().is_empty()
            })
            .await;
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
pub async fn responder_binds(desk: &Desk, responder: &User, phone: &str, unit: &str) {
    let at = desk.push(text_message(responder, "/start"));
    let at = desk.press(at, responder, "s:staff").await;
    desk.expect_share_phone(at, responder).await;
    let at = desk.push(contact_message(responder, phone, true));
    desk.expect_text(at, responder, unit).await;
}

/// The liaison of E01 opens the bot, says they are staff and shares their
/// phone.
pub async fn liaison_binds(desk: &Desk, liaison: &User, phone: &str) {
    responder_binds(desk, liaison, phone, "E01").await;
}

/// A resident scans the stairwell code of `building` and registers, in
/// English, in room 302.
pub async fn resident_registers_at(desk: &Desk, resident: &User, building: &str) {
    let at = desk.push(text_message(resident, &format!("/start b_{building}")));
    desk.expect_text(at, resident, building).await;
    desk.expect_button(at, resident, "d:room-skip").await;
    let at = desk.push(text_message(resident, "302"));
    desk.expect_share_phone(at, resident).await;
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
pub async fn resident_registers(desk: &Desk, resident: &User) {
    resident_registers_at(desk, resident, "E01").await;
}

/// A resident reports an urgent problem of `category`; returns the call
/// sequence after which the responders' cards arrive.
pub async fn report_in(desk: &Desk, resident: &User, category: &str, text: &str) -> u64 {
    report(desk, resident, category, "urgent", text).await
}

/// A resident reports a problem of `category` with `urgency` (`normal` or
/// `urgent`) and confirms; returns the call sequence after which the
/// responders' cards arrive, once the bot said the report was received.
pub async fn report(desk: &Desk, resident: &User, category: &str, urgency: &str, text: &str) -> u64 {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, &format!("d:cat:{category}")).await;
    desk.expect_text(at, resident, "describe the problem").await;
    let at = desk.push(text_message(resident, text));
    let at = desk.press(at, resident, "d:desc-done").await;
    let at = desk.press(at, resident, &format!("d:urg:{urgency}")).await;
    let at = desk.press(at, resident, "d:ok").await;
    desk.expect_text(at, resident, "received").await;
    at
}
