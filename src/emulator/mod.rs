//! A Telegram Bot API emulator: an HTTP server on a loopback port that
//! answers the bot as Telegram does where the bot depends on it, and keeps
//! the chats as the people in them see them.
//!
//! One emulator serves the demo (`community-desk demo`), the end-to-end
//! tests and `loadgen`. A caller starts it, gives the bot [`Emulator::url`]
//! as its API URL, plays people ([`Emulator::send_text`],
//! [`Emulator::press`], …), reads their chats ([`Emulator::messages`],
//! [`Emulator::menu`]) and follows changes live ([`Emulator::subscribe`]).
//! Tests also read the record of every call ([`Call`]) and inject faults
//! ([`Fault`]).

mod actions;
mod calls;
mod faults;
mod http;
mod limits;
mod methods;
mod model;
mod records;
mod users;
mod view;
mod webhook;

use std::net::SocketAddr;
use std::sync::atomic::Ordering;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use serde_json::Value;
use tokio::sync::{broadcast, watch};
use tokio::task::JoinHandle;

pub use calls::{Call, UploadedFile};
pub use faults::Fault;
pub use users::{
    BOT_FIRST_NAME, BOT_ID, BOT_USERNAME, User, bot_user, callback_query, contact_message, document_message,
    location_message, photo_message, sticker_message, text_message, voice_message,
};
pub use view::{Button, Change, ChatMessage, Command, CommandScope, Entity, Event, Media, MediaKind, ReplyButton};
pub use webhook::SECRET_HEADER;

use calls::wait_for_change;
use model::{Inner, Shared};

/// How many events a subscriber may fall behind before it misses some.
const EVENT_BUFFER: usize = 16 * 1024;

/// How the emulator is started.
#[derive(Clone, Debug)]
pub struct Options {
    /// Where to listen; port 0 picks a free one.
    pub listen: SocketAddr,
    /// Whether every call is recorded for [`Emulator::calls`] and the waits
    /// on them; a benchmark turns it off, since the record only grows.
    pub record_calls: bool,
    /// How many messages each chat keeps; older ones are forgotten (and can
    /// no longer be edited). A benchmark keeps few.
    pub history: usize,
    /// Whether Telegram's flood limits are played: 30 new messages a second
    /// to all chats, one a second per chat, refused with 429 beyond.
    pub telegram_limits: bool,
}

impl Default for Options {
    fn default() -> Options {
        Options {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            record_calls: true,
            history: usize::MAX,
            telegram_limits: false,
        }
    }
}

/// A caller's mistake in playing a person.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum EmulatorError {
    #[error("there is no message {message_id} in chat {chat}")]
    UnknownMessage { chat: i64, message_id: i32 },
    #[error("message {message_id} in chat {chat} has no such button")]
    NoSuchButton { chat: i64, message_id: i32 },
}

/// Counts of the calls the bot made, by what they do.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub get_updates: u64,
    /// Messages sent, forwarded or copied.
    pub messages_sent: u64,
    pub edits: u64,
    pub callback_answers: u64,
    pub other: u64,
    /// Messages refused over Telegram's flood limits, and of those the ones
    /// refused because their chat had one within the second.
    pub rate_limited: u64,
    pub rate_limited_chat: u64,
}

/// The running emulator; dropping it stops the server.
pub struct Emulator {
    shared: Arc<Shared>,
    addr: SocketAddr,
    tasks: Vec<JoinHandle<()>>,
}

impl Drop for Emulator {
    fn drop(&mut self) {
        for task in &self.tasks {
            task.abort();
        }
    }
}

impl Emulator {
    /// Starts the emulator on a free loopback port, recording calls.
    pub async fn start() -> std::io::Result<Emulator> {
        Emulator::start_with(Options::default()).await
    }

    pub async fn start_with(options: Options) -> std::io::Result<Emulator> {
        let events = broadcast::channel(EVENT_BUFFER).0;
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner {
                limits: options.telegram_limits.then(Default::default),
                ..Inner::new(events, options.history.max(1))
            }),
            record_calls: options.record_calls,
            calls_version: watch::channel(0).0,
            updates_version: watch::channel(0).0,
            counters: Default::default(),
        });
        let listener = tokio::net::TcpListener::bind(options.listen).await?;
        let addr = listener.local_addr()?;
        let app = http::router(shared.clone());
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                tracing::error!(%error, "the Bot API emulator stopped serving");
            }
        });
        let webhook = tokio::spawn(webhook::deliver(shared.clone()));
        Ok(Emulator { shared, addr, tasks: vec![server, webhook] })
    }

    /// The API URL to give the bot, e.g. as `TELOXIDE_API_URL`. teloxide
    /// appends `bot<token>/<method>` as path segments, so the trailing slash
    /// does not produce a double slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// [`Emulator::url`] parsed, for `teloxide::Bot::set_api_url`.
    pub fn api_url(&self) -> url::Url {
        url::Url::parse(&self.url()).expect("a socket address makes a valid URL")
    }

    /// Events from now on: messages new or edited, deletions, button press
    /// answers, command menus.
    pub fn subscribe(&self) -> broadcast::Receiver<Event> {
        self.shared.lock().events.subscribe()
    }

    /// Queues an update for the bot (for `getUpdates`, or the webhook when
    /// one is set), assigning the next `update_id` unless it has one, and
    /// returns the update's id.
    pub fn push_update(&self, update: Value) -> i64 {
        let id = self.shared.lock().push_update(update);
        self.shared.bump_updates();
        id
    }

    /// How many updates were pushed so far, confirmed or not. Updates given
    /// their own `update_id` count up to the highest id.
    pub fn updates_pushed(&self) -> i64 {
        self.shared.lock().next_update_id - 1
    }

    /// The number of pushed updates the bot has not yet confirmed.
    pub fn pending_updates(&self) -> usize {
        self.shared.lock().pending.len()
    }

    /// Waits until the bot has confirmed every pushed update, i.e. asked for
    /// updates past them. Panics after `timeout`.
    pub async fn wait_updates_confirmed(&self, timeout: Duration) {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.updates_version.subscribe();
        loop {
            let pending = self.pending_updates();
            if pending == 0 {
                return;
            }
            if !wait_for_change(&mut changes, deadline).await {
                panic!(
                    "timed out after {timeout:?} waiting for the bot to confirm updates; \
                     {pending} still pending\n{}",
                    self.recent_calls_report()
                );
            }
        }
    }

    /// Waits until the bot has asked for updates at least once, i.e. it is
    /// up; false after `timeout`.
    pub async fn wait_polled(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.calls_version.subscribe();
        loop {
            if self.shared.counters.get_updates.load(Ordering::Relaxed) > 0 {
                return true;
            }
            if !wait_for_change(&mut changes, deadline).await {
                return self.shared.counters.get_updates.load(Ordering::Relaxed) > 0;
            }
        }
    }

    /// The messages of `chat`, oldest first, as the person sees them now.
    pub fn messages(&self, chat: i64) -> Vec<ChatMessage> {
        let inner = self.shared.lock();
        let ids: Vec<i32> = inner.chats.get(&chat).map(|c| c.messages.keys().copied().collect()).unwrap_or_default();
        ids.into_iter().filter_map(|id| inner.view(chat, id)).collect()
    }

    /// One message of `chat` as the person sees it now.
    pub fn message(&self, chat: i64, message_id: i32) -> Option<ChatMessage> {
        self.shared.lock().view(chat, message_id)
    }

    /// The reply keyboard the Telegram app shows in `chat` now: the latest
    /// one the bot sent, unless the bot removed it since, or it was a
    /// one-time keyboard and the person has written since.
    pub fn reply_keyboard(&self, chat: i64) -> Option<Vec<Vec<ReplyButton>>> {
        let inner = self.shared.lock();
        let mut person_wrote = false;
        for stored in inner.chats.get(&chat)?.messages.values().rev() {
            if let Some(markup) = &stored.client_markup {
                let one_time = markup.get("one_time_keyboard").and_then(Value::as_bool).unwrap_or(false);
                if markup.get("keyboard").is_none() || (one_time && person_wrote) {
                    return None;
                }
                return ChatMessage::of(stored, &inner.files).reply_keyboard;
            }
            person_wrote |= stored.json.pointer("/from/id").and_then(Value::as_i64) != Some(BOT_ID);
        }
        None
    }

    /// The commands set for exactly this scope and language (`None`: the
    /// menu for every language).
    pub fn commands(&self, scope: &CommandScope, language: Option<&str>) -> Vec<Command> {
        let key = (scope.clone(), language.unwrap_or_default().to_owned());
        self.shared.lock().commands.get(&key).cloned().unwrap_or_default()
    }

    /// The command menu the Telegram app shows in the private chat `chat`
    /// of a person using `language`: the most specific scope that has
    /// commands, a language's own menu before the menu for every language.
    pub fn menu(&self, chat: i64, language: Option<&str>) -> Vec<Command> {
        let inner = self.shared.lock();
        let languages: Vec<&str> = language.into_iter().chain([""]).collect();
        for scope in [CommandScope::Chat(chat), CommandScope::AllPrivateChats, CommandScope::Default] {
            for language in &languages {
                if let Some(commands) = inner.commands.get(&(scope.clone(), (*language).to_owned())) {
                    return commands.clone();
                }
            }
        }
        Vec::new()
    }

    /// The content of a file the emulator holds (an upload of the bot, a
    /// file a person sent, or one added with [`Emulator::add_file`]).
    pub fn file(&self, file_id: &str) -> Option<Bytes> {
        self.shared.lock().files.get(file_id).map(|f| f.bytes.clone())
    }

    /// Registers a file the bot can fetch with `getFile` and download.
    pub fn add_file(&self, file_id: &str, bytes: impl Into<Bytes>) {
        self.shared.lock().store_file(file_id, bytes.into(), None, None);
    }

    /// Makes the next call to `method` fail with `fault`. Faults for the same
    /// method apply in the order they were injected, one per call.
    pub fn inject(&self, method: &str, fault: Fault) {
        self.shared.lock().faults.push(method, None, fault);
    }

    /// Makes the next call to `method` for `chat` fail with `fault`, whatever
    /// is sent to other chats before it.
    pub fn inject_for_chat(&self, method: &str, chat: i64, fault: Fault) {
        self.shared.lock().faults.push(method, Some(chat), fault);
    }

    /// The user of `chat` blocks the bot (`true`) or unblocks it: while
    /// blocked, every message to the chat is refused with 403 "Forbidden:
    /// bot was blocked by the user".
    pub fn set_blocked(&self, chat: i64, blocked: bool) {
        let mut inner = self.shared.lock();
        if blocked {
            inner.blocked.insert(chat);
        } else {
            inner.blocked.remove(&chat);
        }
    }

    /// The counts of the calls made so far.
    pub fn stats(&self) -> Stats {
        let c = &self.shared.counters;
        let load = |counter: &std::sync::atomic::AtomicU64| counter.load(Ordering::Relaxed);
        Stats {
            get_updates: load(&c.get_updates),
            messages_sent: load(&c.messages_sent),
            edits: load(&c.edits),
            callback_answers: load(&c.callback_answers),
            other: load(&c.other),
            rate_limited: load(&c.rate_limited),
            rate_limited_chat: load(&c.rate_limited_chat),
        }
    }
}
