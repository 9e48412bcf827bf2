//! The Bot API for the benchmark: the project's emulator without its record
//! of calls, and a task that follows its events to tell each simulated
//! resident, with the arrival time, when the message it waits for reached
//! the emulator. For the broadcast scenario it also logs when each notice
//! copy arrived.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use community_desk::emulator::{self, Change, ChatMessage, Emulator, Event, Options, Stats, User};
use serde_json::Value;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

/// How many messages each chat keeps: the flows only press buttons on the
/// latest ones, and a long run would otherwise keep every message.
const HISTORY: usize = 8;

/// What a resident waits for after offering an update: the message that asks
/// the next question.
#[derive(Clone, Copy, Debug)]
pub enum Expect {
    /// A message with an inline button whose data starts with this prefix.
    Button(&'static str),
    /// A message with a reply keyboard (the share-phone keyboard).
    ReplyKeyboard,
    /// Any text message to the chat.
    AnyText,
    /// A message with a button whose data starts with either prefix.
    Either(&'static str, &'static str),
    /// A text message without inline buttons.
    Plain,
}

/// The message a waiter expected, as it reached the emulator.
#[derive(Debug)]
pub struct Reply {
    pub at: Instant,
    pub message_id: i32,
    /// The callback data of every inline button of the message.
    pub buttons: Vec<String>,
}

struct Waiter {
    expect: Expect,
    tx: oneshot::Sender<Reply>,
}

/// What the broadcast scenario needs to know: when each notice copy reached
/// us and whether the author was told it finished. Off until
/// [`Telegram::record_notices`].
#[derive(Default)]
struct NoticeLog {
    /// The author's chat; copies are the notices sent to any other chat.
    admin: Option<i64>,
    copies: Vec<(i64, Instant)>,
    /// When the author's progress message first said the notice finished.
    finished: Option<Instant>,
}

/// A notice copy and the progress message both start with this mark.
const NOTICE_MARK: &str = "📢";
/// The finished progress message starts with this mark instead.
const FINISHED_MARK: &str = "✅";

/// Every message the bot sent and every edit it made, by chat, for the
/// storm scenario. Off until [`Telegram::record_sends`].
#[derive(Default)]
pub struct SendLog {
    /// New messages: the chat and when the message arrived, in order.
    pub messages: Vec<(i64, Instant)>,
    /// Edits per chat.
    pub edits: HashMap<i64, u64>,
}

#[derive(Default)]
struct Watch {
    waiters: Mutex<HashMap<i64, Waiter>>,
    notices: Mutex<NoticeLog>,
    sends: Mutex<Option<SendLog>>,
    /// Messages to a chat nobody was waiting on, or not the awaited one:
    /// the prompts before the question, confirmations and the like.
    unawaited: AtomicU64,
    /// Events the watcher fell too far behind to see.
    missed: AtomicU64,
}

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking resident task must not stop the others; every critical
    // section is short and leaves the data consistent.
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// The emulator and its watcher; dropping it stops both.
pub struct Telegram {
    emulator: Emulator,
    watch: Arc<Watch>,
    watcher: JoinHandle<()>,
}

impl Drop for Telegram {
    fn drop(&mut self) {
        self.watcher.abort();
    }
}

impl Telegram {
    pub async fn start() -> anyhow::Result<Telegram> {
        Telegram::start_with(false).await
    }

    /// With `telegram_limits`, the emulator refuses what Telegram would
    /// refuse over its flood limits (see `emulator::Options`).
    pub async fn start_with(telegram_limits: bool) -> anyhow::Result<Telegram> {
        let options = Options { record_calls: false, history: HISTORY, telegram_limits, ..Options::default() };
        let emulator = Emulator::start_with(options).await.context("start the Bot API emulator")?;
        let watch = Arc::new(Watch::default());
        let events = emulator.subscribe();
        let watcher = tokio::spawn(follow(events, watch.clone()));
        Ok(Telegram { emulator, watch, watcher })
    }

    /// The URL for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        self.emulator.url()
    }

    pub fn stats(&self) -> Stats {
        self.emulator.stats()
    }

    /// Messages nobody waited for, and events the watcher missed.
    pub fn unawaited(&self) -> (u64, u64) {
        (self.watch.unawaited.load(Ordering::Relaxed), self.watch.missed.load(Ordering::Relaxed))
    }

    /// Waits until the bot has asked for updates once, i.e. it is up.
    pub async fn wait_polled(&self, timeout: Duration) -> bool {
        self.emulator.wait_polled(timeout).await
    }

    /// Registers what `chat` waits for next. It must be called before the
    /// update is offered, or a fast reply could arrive before anyone waits.
    pub fn expect(&self, chat: i64, expect: Expect) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        lock(&self.watch.waiters).insert(chat, Waiter { expect, tx });
        rx
    }

    /// Forgets the waiter of `chat`, after a timeout.
    pub fn forget(&self, chat: i64) {
        lock(&self.watch.waiters).remove(&chat);
    }

    /// From now on, logs every new message starting with 📢 to a chat other
    /// than `admin`'s (a notice copy), and the first time a message to
    /// `admin`, sent or edited, says the notice finished.
    pub fn record_notices(&self, admin: i64) {
        *lock(&self.watch.notices) = NoticeLog { admin: Some(admin), ..NoticeLog::default() };
    }

    /// From now on, logs every message the bot sends and counts its edits.
    pub fn record_sends(&self) {
        *lock(&self.watch.sends) = Some(SendLog::default());
    }

    /// What was logged since [`Telegram::record_sends`].
    pub fn sends(&self) -> SendLog {
        lock(&self.watch.sends).take().unwrap_or_default()
    }

    /// The notice copies logged so far: chat and arrival time, in arrival
    /// order.
    pub fn notice_copies(&self) -> Vec<(i64, Instant)> {
        lock(&self.watch.notices).copies.clone()
    }

    pub fn notice_copy_count(&self) -> usize {
        lock(&self.watch.notices).copies.len()
    }

    /// When the author was told that the notice finished, if they were.
    pub fn notice_finished(&self) -> Option<Instant> {
        lock(&self.watch.notices).finished
    }

    /// Makes an update available to the bot and returns the instant it
    /// became available, the start of the latency we measure.
    pub fn offer(&self, update: Value) -> Instant {
        self.emulator.push_update(update);
        Instant::now()
    }
}

async fn follow(mut events: tokio::sync::broadcast::Receiver<Event>, watch: Arc<Watch>) {
    loop {
        match events.recv().await {
            Ok(Event::Message { chat, change, message, at }) if message.from_bot => {
                note_notice(&watch, chat, &message, change, at);
                if let Some(log) = lock(&watch.sends).as_mut() {
                    match change {
                        Change::New => log.messages.push((chat, at)),
                        Change::Edited => *log.edits.entry(chat).or_default() += 1,
                    }
                }
                if change == Change::New {
                    deliver(&watch, chat, &message, at);
                }
            }
            Ok(_) => {}
            Err(RecvError::Lagged(missed)) => {
                watch.missed.fetch_add(missed, Ordering::Relaxed);
            }
            Err(RecvError::Closed) => return,
        }
    }
}

/// Logs a notice copy, or the author's finished progress message, while the
/// broadcast scenario records them. Only new messages count as copies, since
/// Telegram's limit counts only those; the progress message is sent once and
/// then edited.
fn note_notice(watch: &Watch, chat: i64, message: &ChatMessage, change: Change, at: Instant) {
    let mut log = lock(&watch.notices);
    let Some(admin) = log.admin else { return };
    let text = message.text.as_deref().unwrap_or_default();
    if chat != admin {
        if change == Change::New && text.starts_with(NOTICE_MARK) {
            log.copies.push((chat, at));
        }
    } else if text.starts_with(FINISHED_MARK) && log.finished.is_none() {
        log.finished = Some(at);
    }
}

/// Hands a sent message to the chat's waiter if it is the one it expects.
fn deliver(watch: &Watch, chat: i64, message: &ChatMessage, at: Instant) {
    let buttons: Vec<String> =
        message.keyboard.iter().flatten().filter_map(|button| button.callback_data.clone()).collect();
    let mut waiters = lock(&watch.waiters);
    let matches = waiters.get(&chat).is_some_and(|w| match w.expect {
        Expect::Button(prefix) => buttons.iter().any(|b| b.starts_with(prefix)),
        Expect::ReplyKeyboard => message.reply_keyboard.is_some(),
        Expect::AnyText => message.text.is_some(),
        Expect::Either(one, other) => buttons.iter().any(|b| b.starts_with(one) || b.starts_with(other)),
        Expect::Plain => message.text.is_some() && buttons.is_empty(),
    });
    if !matches {
        watch.unawaited.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if let Some(waiter) = waiters.remove(&chat) {
        // The resident may have given up after its timeout; nothing to do then.
        let _ = waiter.tx.send(Reply { at, message_id: message.id, buttons });
    }
}

// Updates a resident sends.

fn resident(id: i64) -> User {
    User::new(id, "Resident").with_language("en")
}

/// A text message; a leading `/command` gets the entity Telegram adds.
pub fn text_message(id: i64, text: &str) -> Value {
    emulator::text_message(&resident(id), text)
}

/// The user's own contact, as the share-phone button sends it.
pub fn own_contact(id: i64, phone: &str) -> Value {
    emulator::contact_message(&resident(id), phone, true)
}

/// A press of the inline button `data` on the bot's message `message_id`.
pub fn callback_query(id: i64, data: &str, message_id: i32) -> Value {
    emulator::callback_query(&resident(id), data, message_id)
}
