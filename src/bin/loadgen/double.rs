//! A lean Bot API double for the benchmark.
//!
//! The test suite has a thorough double (`tests/it/support/double.rs`) that
//! records every call for assertions. That bookkeeping would cost more than
//! the bot under load, so this one keeps only what the load generator needs:
//! a queue of updates served by long polling, and one waiter per chat that is
//! told, with the arrival time, when the message it expects reaches us.
//! For the broadcast scenario it can also log when each notice copy arrived.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use anyhow::Context;
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};
use tokio::sync::{Notify, oneshot};
use tokio::task::JoinHandle;

const BOT_ID: i64 = 7_000_000_001;

/// Telegram caps long polling at 50 seconds; teloxide asks for less.
const MAX_POLL_TIMEOUT_SECS: u64 = 50;

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
}

/// The message a waiter expected, as it reached the double.
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

#[derive(Default)]
struct Queue {
    pending: VecDeque<(i64, Value)>,
    next_update_id: i64,
}

#[derive(Default)]
pub struct Counters {
    pub get_updates: AtomicU64,
    pub send_message: AtomicU64,
    pub edits: AtomicU64,
    pub callback_answers: AtomicU64,
    pub other: AtomicU64,
    /// Messages to a chat nobody was waiting on, or not the awaited one:
    /// the prompts before the question, confirmations and the like.
    pub unawaited: AtomicU64,
}

impl Counters {
    /// The calls that carry a bot's answers: messages sent, messages edited
    /// and button presses answered. Each is an HTTP request the bot makes and
    /// the double serves, whatever the bot stores.
    pub fn answering_calls(&self) -> u64 {
        [&self.send_message, &self.edits, &self.callback_answers].iter().map(|c| c.load(Ordering::Relaxed)).sum()
    }
}

struct Shared {
    queue: Mutex<Queue>,
    updates_pushed: Notify,
    waiters: Mutex<HashMap<i64, Waiter>>,
    next_message_id: AtomicI32,
    polled: AtomicBool,
    polled_notify: Notify,
    counters: Counters,
    notices: Mutex<NoticeLog>,
}

/// What the broadcast scenario needs to know: when each notice copy reached
/// us and whether the author was told it finished. Off until
/// [`Double::record_notices`], so that the other scenarios pay nothing.
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

fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    // A panicking resident task must not stop the others; the data behind a
    // poisoned lock is still consistent (every critical section is short and
    // does not panic halfway).
    mutex.lock().unwrap_or_else(|poison| poison.into_inner())
}

/// The double; dropping it stops the server.
pub struct Double {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for Double {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl Double {
    pub async fn start() -> anyhow::Result<Double> {
        let shared = Arc::new(Shared {
            queue: Mutex::new(Queue { next_update_id: 1, ..Queue::default() }),
            updates_pushed: Notify::new(),
            waiters: Mutex::new(HashMap::new()),
            next_message_id: AtomicI32::new(1),
            polled: AtomicBool::new(false),
            polled_notify: Notify::new(),
            counters: Counters::default(),
            notices: Mutex::default(),
        });
        let app = Router::new().fallback(entry).with_state(shared.clone());
        let listener =
            tokio::net::TcpListener::bind("127.0.0.1:0").await.context("bind the Bot API double to loopback")?;
        let addr = listener.local_addr().context("read the double's address")?;
        let server = tokio::spawn(async move {
            if let Err(error) = axum::serve(listener, app).await {
                eprintln!("the Bot API double stopped serving: {error}");
            }
        });
        Ok(Double { shared, addr, server })
    }

    /// The URL for `TELOXIDE_API_URL`.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    pub fn counters(&self) -> &Counters {
        &self.shared.counters
    }

    /// Waits until the bot has asked for updates once, i.e. it is up.
    /// Returns false after `timeout`.
    pub async fn wait_polled(&self, timeout: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            let notified = self.shared.polled_notify.notified();
            if self.shared.polled.load(Ordering::Acquire) {
                return true;
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return self.shared.polled.load(Ordering::Acquire);
            }
        }
    }

    /// Registers what `chat` waits for next. It must be called before the
    /// update is offered, or a fast reply could arrive before anyone waits.
    pub fn expect(&self, chat: i64, expect: Expect) -> oneshot::Receiver<Reply> {
        let (tx, rx) = oneshot::channel();
        lock(&self.shared.waiters).insert(chat, Waiter { expect, tx });
        rx
    }

    /// Forgets the waiter of `chat`, after a timeout.
    pub fn forget(&self, chat: i64) {
        lock(&self.shared.waiters).remove(&chat);
    }

    /// From now on, logs every message starting with 📢 to a chat other than
    /// `admin`'s (a notice copy), and the first time the progress message to
    /// `admin` says the notice finished.
    pub fn record_notices(&self, admin: i64) {
        *lock(&self.shared.notices) = NoticeLog { admin: Some(admin), ..NoticeLog::default() };
    }

    /// The notice copies logged so far: chat and arrival time, in arrival
    /// order.
    pub fn notice_copies(&self) -> Vec<(i64, Instant)> {
        lock(&self.shared.notices).copies.clone()
    }

    pub fn notice_copy_count(&self) -> usize {
        lock(&self.shared.notices).copies.len()
    }

    /// When the author was told that the notice finished, if they were.
    pub fn notice_finished(&self) -> Option<Instant> {
        lock(&self.shared.notices).finished
    }

    /// Makes an update available to getUpdates and returns the instant it
    /// became available, the start of the latency we measure.
    pub fn offer(&self, mut update: Value) -> Instant {
        {
            let mut queue = lock(&self.shared.queue);
            let id = queue.next_update_id;
            queue.next_update_id += 1;
            update["update_id"] = json!(id);
            queue.pending.push_back((id, update));
        }
        let at = Instant::now();
        self.shared.updates_pushed.notify_waiters();
        at
    }
}

async fn entry(State(shared): State<Arc<Shared>>, uri: Uri, body: Bytes) -> Response {
    // The arrival time is taken before anything else so that the double's
    // own parsing does not count as the bot's latency.
    let at = Instant::now();
    // teloxide calls `/bot<token>/<method>`.
    let Some(method) = uri.path().rsplit('/').next().map(str::to_ascii_lowercase) else {
        return error(404, "Not Found");
    };
    let params: Value = if body.is_empty() {
        json!({})
    } else {
        match serde_json::from_slice(&body) {
            Ok(value) => value,
            // Multipart and form bodies carry uploads, which the report flow
            // never makes; they are answered generically.
            Err(_) => json!({}),
        }
    };
    let counters = &shared.counters;
    match method.as_str() {
        "getupdates" => {
            counters.get_updates.fetch_add(1, Ordering::Relaxed);
            if !shared.polled.swap(true, Ordering::AcqRel) {
                shared.polled_notify.notify_waiters();
            }
            get_updates(&shared, &params).await
        }
        "getme" => ok(me()),
        "getwebhookinfo" => ok(json!({"url": "", "has_custom_certificate": false, "pending_update_count": 0})),
        "sendmessage" => {
            counters.send_message.fetch_add(1, Ordering::Relaxed);
            let chat = params.get("chat_id").and_then(Value::as_i64).unwrap_or_default();
            let message_id = shared.next_message_id.fetch_add(1, Ordering::Relaxed);
            note_notice(&shared, chat, &params, at, true);
            deliver(&shared, chat, message_id, &params, at);
            let text = params.get("text").cloned().unwrap_or(json!(""));
            ok(message(chat, message_id, text))
        }
        "editmessagetext" | "editmessagereplymarkup" => {
            counters.edits.fetch_add(1, Ordering::Relaxed);
            let chat = params.get("chat_id").and_then(Value::as_i64).unwrap_or_default();
            let message_id = params.get("message_id").and_then(Value::as_i64).unwrap_or(1) as i32;
            note_notice(&shared, chat, &params, at, false);
            let text = params.get("text").cloned().unwrap_or(json!("…"));
            ok(message(chat, message_id, text))
        }
        "answercallbackquery" => {
            counters.callback_answers.fetch_add(1, Ordering::Relaxed);
            ok(json!(true))
        }
        _ => {
            counters.other.fetch_add(1, Ordering::Relaxed);
            ok(json!(true))
        }
    }
}

/// Logs a notice copy, or the author's finished progress message, while the
/// broadcast scenario records them. Both sendMessage and editMessageText come
/// here: the progress message is sent once and then edited. Only new
/// messages count as copies, since Telegram's limit counts only those.
fn note_notice(shared: &Shared, chat: i64, params: &Value, at: Instant, new_message: bool) {
    let mut log = lock(&shared.notices);
    let Some(admin) = log.admin else { return };
    let text = params.get("text").and_then(Value::as_str).unwrap_or_default();
    if chat != admin {
        if new_message && text.starts_with(NOTICE_MARK) {
            log.copies.push((chat, at));
        }
    } else if text.starts_with(FINISHED_MARK) && log.finished.is_none() {
        log.finished = Some(at);
    }
}

/// Hands a sent message to the chat's waiter if it is the one it expects.
fn deliver(shared: &Shared, chat: i64, message_id: i32, params: &Value, at: Instant) {
    let buttons: Vec<String> = params
        .pointer("/reply_markup/inline_keyboard")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .flatten()
        .filter_map(|button| button.get("callback_data").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let has_reply_keyboard = params.pointer("/reply_markup/keyboard").is_some();
    let mut waiters = lock(&shared.waiters);
    let matches = waiters.get(&chat).is_some_and(|w| match w.expect {
        Expect::Button(prefix) => buttons.iter().any(|b| b.starts_with(prefix)),
        Expect::ReplyKeyboard => has_reply_keyboard,
        Expect::AnyText => true,
    });
    if !matches {
        shared.counters.unawaited.fetch_add(1, Ordering::Relaxed);
        return;
    }
    if let Some(waiter) = waiters.remove(&chat) {
        // The resident may have given up after its timeout; nothing to do then.
        let _ = waiter.tx.send(Reply { at, message_id, buttons });
    }
}

/// Long polling: drops what the offset confirms, answers with what is
/// pending, or waits for an update until the timeout.
async fn get_updates(shared: &Shared, params: &Value) -> Response {
    let offset = params.get("offset").and_then(Value::as_i64);
    let limit = params.get("limit").and_then(Value::as_u64).map_or(100, |l| l.clamp(1, 100)) as usize;
    let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0).min(MAX_POLL_TIMEOUT_SECS);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    loop {
        // The notification is armed before the queue is looked at, so an
        // update offered in between still wakes us.
        let notified = shared.updates_pushed.notified();
        tokio::pin!(notified);
        notified.as_mut().enable();
        let batch: Vec<Value> = {
            let mut queue = lock(&shared.queue);
            if let Some(offset) = offset {
                while queue.pending.front().is_some_and(|(id, _)| *id < offset) {
                    queue.pending.pop_front();
                }
            }
            queue.pending.iter().take(limit).map(|(_, update)| update.clone()).collect()
        };
        if !batch.is_empty() {
            return ok(Value::Array(batch));
        }
        if tokio::time::timeout_at(deadline, notified).await.is_err() {
            return ok(json!([]));
        }
    }
}

fn ok(result: Value) -> Response {
    respond(StatusCode::OK, &json!({"ok": true, "result": result}))
}

fn error(code: u16, description: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    respond(status, &json!({"ok": false, "error_code": code, "description": description}))
}

/// A JSON answer. axum's `Json` needs a feature the crate does not enable
/// for its own server, and the bytes are the same.
fn respond(status: StatusCode, body: &Value) -> Response {
    (status, [(header::CONTENT_TYPE, "application/json")], body.to_string()).into_response()
}

fn bot_user() -> Value {
    json!({"id": BOT_ID, "is_bot": true, "first_name": "Community Desk", "username": "community_desk_bench_bot"})
}

fn me() -> Value {
    let mut me = bot_user();
    for key in ["can_join_groups", "can_read_all_group_messages", "supports_inline_queries"] {
        me[key] = json!(key == "can_join_groups");
    }
    me["can_connect_to_business"] = json!(false);
    me["has_main_web_app"] = json!(false);
    me
}

fn message(chat: i64, message_id: i32, text: Value) -> Value {
    json!({
        "message_id": message_id,
        "date": chrono::Utc::now().timestamp(),
        "chat": {"id": chat, "type": "private", "first_name": "Resident"},
        "from": bot_user(),
        "text": text,
    })
}

// Updates a resident sends.

static NEXT_INCOMING_MESSAGE_ID: AtomicI32 = AtomicI32::new(1_000_000);
static NEXT_CALLBACK_ID: AtomicU64 = AtomicU64::new(1);

fn user(id: i64) -> Value {
    json!({"id": id, "is_bot": false, "first_name": "Resident", "language_code": "en"})
}

fn chat(id: i64) -> Value {
    json!({"id": id, "type": "private", "first_name": "Resident"})
}

fn user_message(id: i64, content: Value) -> Value {
    let mut message = json!({
        "message_id": NEXT_INCOMING_MESSAGE_ID.fetch_add(1, Ordering::Relaxed),
        "date": chrono::Utc::now().timestamp(),
        "chat": chat(id),
        "from": user(id),
    });
    if let (Some(message), Value::Object(content)) = (message.as_object_mut(), content) {
        message.extend(content);
    }
    json!({"message": message})
}

/// A text message; a leading `/command` gets the entity Telegram adds.
pub fn text_message(id: i64, text: &str) -> Value {
    let mut content = json!({"text": text});
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        content["entities"] = json!([{"type": "bot_command", "offset": 0, "length": command.encode_utf16().count()}]);
    }
    user_message(id, content)
}

/// The user's own contact, as the share-phone button sends it.
pub fn own_contact(id: i64, phone: &str) -> Value {
    user_message(id, json!({"contact": {"phone_number": phone, "first_name": "Resident", "user_id": id}}))
}

/// A press of the inline button `data` on the bot's message `message_id`.
pub fn callback_query(id: i64, data: &str, message_id: i32) -> Value {
    let query = NEXT_CALLBACK_ID.fetch_add(1, Ordering::Relaxed);
    json!({"callback_query": {
        "id": format!("cbq-{query}"),
        "from": user(id),
        "message": {
            "message_id": message_id,
            "date": chrono::Utc::now().timestamp(),
            "chat": chat(id),
            "from": bot_user(),
            "text": "…",
        },
        "chat_instance": format!("ci-{id}"),
        "data": data,
    }})
}
