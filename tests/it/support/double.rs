//! An in-process double of the Telegram Bot API.
//!
//! The double is an HTTP server on loopback that answers the Bot API methods
//! the bot uses with JSON that teloxide deserialises, records every call so a
//! test can assert on what the bot said, and lets a test feed updates through
//! long polling and inject failures.

use std::collections::{HashMap, VecDeque};
use std::net::SocketAddr;
use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use axum::Router;
use axum::body::Bytes;
use axum::extract::{DefaultBodyLimit, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The user id of the bot the double impersonates.
pub const BOT_ID: i64 = 7_000_000_001;
/// The username of the bot the double impersonates.
pub const BOT_USERNAME: &str = "community_desk_test_bot";
/// The first name of the bot the double impersonates.
pub const BOT_FIRST_NAME: &str = "Community Desk";

/// Request bodies may carry uploaded media, so the limit is far above axum's
/// default of 2 MiB.
const MAX_BODY_BYTES: usize = 64 * 1024 * 1024;

/// Telegram caps long polling at 50 seconds; a larger value would only hide a
/// bug in the bot's polling setup.
const MAX_POLL_TIMEOUT_SECS: u64 = 50;

/// How many calls a timed-out wait prints to explain what the bot did instead.
const CALLS_IN_FAILURE_REPORT: usize = 30;

/// Multipart text fields that Telegram defines as strings. They stay strings
/// even when they look like numbers or JSON, so that a caption "42" or a
/// file id "123" is not turned into a number.
const STRING_FIELDS: &[&str] = &[
    "text",
    "caption",
    "parse_mode",
    "photo",
    "voice",
    "video",
    "video_note",
    "audio",
    "animation",
    "document",
    "sticker",
    "thumbnail",
    "file_id",
    "file_name",
    "callback_query_id",
    "inline_message_id",
    "business_connection_id",
    "message_effect_id",
    "url",
    "title",
    "address",
    "phone_number",
    "first_name",
    "last_name",
    "vcard",
    "emoji",
    "description",
];

/// One request the bot made to the double.
#[derive(Clone, Debug)]
pub struct Call {
    /// The position of the call among all calls, starting at 1.
    pub seq: u64,
    /// The Bot API method in Telegram's spelling, e.g. `sendMessage`, even
    /// though teloxide sends some methods capitalised (`SendVoice`).
    pub method: String,
    /// Every parameter of the request, normalised into a JSON object whatever
    /// the body encoding was.
    pub params: Value,
    /// When the double received the call.
    pub at: Instant,
    /// Whether an injected fault was applied to this call.
    pub faulted: bool,
    /// Files uploaded with the call as multipart parts.
    pub files: Vec<UploadedFile>,
    message_ids: Vec<i32>,
}

/// A file part of a multipart request.
#[derive(Clone, Debug)]
pub struct UploadedFile {
    /// The multipart field name; the request refers to it as `attach://<field>`.
    pub field: String,
    pub file_name: Option<String>,
    pub content_type: Option<String>,
    pub bytes: Vec<u8>,
}

impl Call {
    /// Whether this call is to `method`; Bot API method names are
    /// case-insensitive.
    pub fn is(&self, method: &str) -> bool {
        self.method.eq_ignore_ascii_case(method)
    }

    /// One parameter of the request.
    pub fn param(&self, key: &str) -> Option<&Value> {
        self.params.get(key)
    }

    /// The numeric `chat_id` parameter.
    pub fn chat_id(&self) -> Option<i64> {
        self.params.get("chat_id").and_then(value_as_i64)
    }

    /// The `message_id` parameter, i.e. the message an edit or delete targets.
    pub fn target_message_id(&self) -> Option<i32> {
        self.params.get("message_id").and_then(value_as_i64).and_then(|id| i32::try_from(id).ok())
    }

    /// The text of a message, or the caption of a media message.
    pub fn text(&self) -> Option<&str> {
        self.params.get("text").or_else(|| self.params.get("caption")).and_then(Value::as_str)
    }

    /// The `(text, callback_data)` pairs of an inline keyboard, row by row.
    /// Buttons without callback data (URL buttons and the like) are skipped.
    pub fn callback_data_buttons(&self) -> Vec<(String, String)> {
        self.keyboard_rows("inline_keyboard")
            .flatten()
            .filter_map(|button| {
                let text = button.get("text")?.as_str()?;
                let data = button.get("callback_data")?.as_str()?;
                Some((text.to_owned(), data.to_owned()))
            })
            .collect()
    }

    /// The buttons of a reply keyboard, row by row, as sent by the bot.
    pub fn reply_keyboard_buttons(&self) -> Vec<Value> {
        self.keyboard_rows("keyboard").flatten().cloned().collect()
    }

    /// Whether the call asks the client to remove the reply keyboard.
    pub fn removes_reply_keyboard(&self) -> bool {
        self.params.pointer("/reply_markup/remove_keyboard").and_then(Value::as_bool).unwrap_or(false)
    }

    /// The id the double assigned to the message this call sent.
    pub fn message_id_sent(&self) -> Option<i32> {
        self.message_ids.first().copied()
    }

    /// Every id the double assigned, e.g. one per item of a media group.
    pub fn message_ids_sent(&self) -> &[i32] {
        &self.message_ids
    }

    fn keyboard_rows(&self, kind: &str) -> impl Iterator<Item = &Vec<Value>> {
        self.params
            .get("reply_markup")
            .and_then(|markup| markup.get(kind))
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(Value::as_array)
    }

    fn summary(&self) -> String {
        let mut line = format!("#{} {}", self.seq, self.method);
        if let Some(chat) = self.chat_id() {
            line.push_str(&format!(" chat={chat}"));
        }
        if let Some(text) = self.text() {
            line.push_str(&format!(" text={text:?}"));
        }
        let buttons = self.callback_data_buttons();
        if !buttons.is_empty() {
            line.push_str(&format!(" buttons={buttons:?}"));
        }
        if self.faulted {
            line.push_str(" [faulted]");
        }
        line
    }
}

/// A failure the double plays instead of answering a call normally.
#[derive(Clone, Debug)]
pub enum Fault {
    /// Answer with this HTTP status and JSON body.
    Status { code: u16, body: Value },
    /// Close the connection without answering.
    DropConnection,
    /// Wait this long, then answer normally.
    Delay(Duration),
}

impl Fault {
    /// Telegram's flood control answer, which teloxide turns into
    /// `RequestError::RetryAfter`.
    pub fn retry_after(seconds: u32) -> Fault {
        Fault::Status {
            code: 429,
            body: json!({
                "ok": false,
                "error_code": 429,
                "description": format!("Too Many Requests: retry after {seconds}"),
                "parameters": {"retry_after": seconds},
            }),
        }
    }

    /// The answer to a message sent to a user who blocked the bot, which
    /// teloxide turns into `ApiError::BotBlocked`.
    pub fn blocked_by_user() -> Fault {
        Fault::Status {
            code: 403,
            body: json!({
                "ok": false,
                "error_code": 403,
                "description": "Forbidden: bot was blocked by the user",
            }),
        }
    }

    /// A generic server failure. Note that teloxide sleeps 10 seconds after
    /// any 5xx answer before it reports the error.
    pub fn server_error() -> Fault {
        Fault::Status {
            code: 500,
            body: json!({
                "ok": false,
                "error_code": 500,
                "description": "Internal Server Error",
            }),
        }
    }

    /// A 400 answer with the given description, e.g. `Bad Request: chat not found`.
    pub fn bad_request(description: &str) -> Fault {
        Fault::Status { code: 400, body: json!({"ok": false, "error_code": 400, "description": description}) }
    }
}

/// A file the double can hand out through `getFile` and the file endpoint.
struct StoredFile {
    path: String,
    bytes: Vec<u8>,
}

#[derive(Default)]
struct Inner {
    calls: Vec<Call>,
    /// Updates pushed but not yet confirmed by a `getUpdates` offset, in
    /// increasing `update_id` order.
    pending: VecDeque<Value>,
    next_update_id: i64,
    next_message_id: HashMap<i64, i32>,
    /// Every message the bot sent and every message pushed in an update, so
    /// edits, forwards and callback queries can refer to them.
    messages: HashMap<(i64, i32), Value>,
    /// Chats seen in pushed updates, so that messages the bot sends there
    /// carry the same chat description.
    chats: HashMap<i64, Value>,
    files: HashMap<String, StoredFile>,
    next_file: u64,
    /// Method, the chat it is limited to (any chat when `None`), fault.
    faults: VecDeque<(String, Option<i64>, Fault)>,
    webhook_url: String,
    commands: Value,
}

struct Shared {
    inner: Mutex<Inner>,
    /// Bumped after every recorded call so waiters re-check.
    calls_version: watch::Sender<u64>,
    /// Bumped whenever updates are pushed or confirmed.
    updates_version: watch::Sender<u64>,
}

impl Shared {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking test thread must not hide the state from the others, so
        // a poisoned lock is still used.
        self.inner.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    fn bump_calls(&self) {
        self.calls_version.send_modify(|v| *v += 1);
    }

    fn bump_updates(&self) {
        self.updates_version.send_modify(|v| *v += 1);
    }
}

/// The Telegram Bot API double; see the module documentation.
pub struct BotApiDouble {
    shared: Arc<Shared>,
    addr: SocketAddr,
    server: JoinHandle<()>,
}

impl Drop for BotApiDouble {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl BotApiDouble {
    /// Starts the double on an ephemeral loopback port.
    pub async fn start() -> BotApiDouble {
        let shared = Arc::new(Shared {
            inner: Mutex::new(Inner { next_update_id: 1, commands: json!([]), ..Inner::default() }),
            calls_version: watch::channel(0).0,
            updates_version: watch::channel(0).0,
        });
        let app = Router::new().fallback(entry).layer(DefaultBodyLimit::max(MAX_BODY_BYTES)).with_state(shared.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind the Bot API double to loopback");
        let addr = listener.local_addr().expect("local address of the double");
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.expect("the Bot API double stopped serving");
        });
        BotApiDouble { shared, addr, server }
    }

    /// The API URL to give the bot, e.g. as `TELOXIDE_API_URL`. teloxide
    /// appends `bot<token>/<method>` as path segments, so the trailing slash
    /// does not produce a double slash.
    pub fn url(&self) -> String {
        format!("http://{}/", self.addr)
    }

    /// Queues an update for `getUpdates`, assigning an increasing `update_id`
    /// when the update has none, and returns the update's id.
    pub fn push_update(&self, mut update: Value) -> i64 {
        let id = {
            let mut inner = self.shared.lock();
            let id = match update.get("update_id").and_then(Value::as_i64) {
                Some(id) => id,
                None => {
                    let id = inner.next_update_id;
                    update["update_id"] = json!(id);
                    id
                }
            };
            inner.next_update_id = inner.next_update_id.max(id + 1);
            inner.remember_incoming(&update);
            let at = inner.pending.iter().position(|queued| update_id(queued) > id).unwrap_or(inner.pending.len());
            inner.pending.insert(at, update);
            id
        };
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

    /// A snapshot of every call so far.
    pub fn calls(&self) -> Vec<Call> {
        self.shared.lock().calls.clone()
    }

    /// Every call so far to `method`.
    pub fn calls_to(&self, method: &str) -> Vec<Call> {
        let inner = self.shared.lock();
        inner.calls.iter().filter(|c| c.is(method)).cloned().collect()
    }

    /// The `seq` of the latest call, or 0 when there was none; a starting
    /// point for `wait_for_after`.
    pub fn last_seq(&self) -> u64 {
        self.shared.lock().calls.last().map_or(0, |c| c.seq)
    }

    /// Waits for the first call ever made that matches `pred`.
    pub async fn wait_for(&self, desc: &str, timeout: Duration, pred: impl Fn(&Call) -> bool) -> Call {
        self.wait_for_after(0, desc, timeout, pred).await
    }

    /// Waits for the first call with a `seq` above `after_seq` that matches
    /// `pred`. Panics with `desc` and the recent calls after `timeout`.
    pub async fn wait_for_after(
        &self,
        after_seq: u64,
        desc: &str,
        timeout: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Call {
        match self.try_wait_for_after(after_seq, timeout, pred).await {
            Some(call) => call,
            None => panic!("timed out after {timeout:?} waiting for {desc}\n{}", self.recent_calls_report()),
        }
    }

    /// Like [`BotApiDouble::wait_for_after`], but returns `None` after
    /// `timeout` instead of panicking, for tests in which a late answer is
    /// something to handle rather than a failure.
    pub async fn try_wait_for_after(
        &self,
        after_seq: u64,
        timeout: Duration,
        pred: impl Fn(&Call) -> bool,
    ) -> Option<Call> {
        let deadline = tokio::time::Instant::now() + timeout;
        let mut changes = self.shared.calls_version.subscribe();
        // Calls are stored in `seq` order starting at 1, so the calls after
        // `after_seq` start at that index; long runs record tens of thousands
        // of calls, which a scan from the start on every change would crawl
        // through again and again.
        let mut next = usize::try_from(after_seq).unwrap_or(usize::MAX);
        loop {
            let found = {
                let inner = self.shared.lock();
                let fresh = inner.calls.get(next..).unwrap_or_default();
                let found = fresh.iter().find(|c| pred(c)).cloned();
                next = inner.calls.len().max(next);
                found
            };
            if found.is_some() {
                return found;
            }
            if !wait_for_change(&mut changes, deadline).await {
                return None;
            }
        }
    }

    /// Asserts that no call after `after_seq` matches `pred` within `window`.
    pub async fn expect_no_call_after(
        &self,
        after_seq: u64,
        desc: &str,
        window: Duration,
        pred: impl Fn(&Call) -> bool,
    ) {
        tokio::time::sleep(window).await;
        let inner = self.shared.lock();
        if let Some(call) = inner.calls.iter().find(|c| c.seq > after_seq && pred(c)) {
            panic!("expected no {desc}, but saw {}", call.summary());
        }
    }

    /// Makes the next call to `method` fail with `fault`. Faults for the same
    /// method apply in the order they were injected, one per call.
    pub fn inject(&self, method: &str, fault: Fault) {
        self.shared.lock().faults.push_back((method.to_owned(), None, fault));
    }

    /// Makes the next call to `method` for `chat` fail with `fault`, whatever
    /// is sent to other chats before it.
    pub fn inject_for_chat(&self, method: &str, chat: i64, fault: Fault) {
        self.shared.lock().faults.push_back((method.to_owned(), Some(chat), fault));
    }

    /// Registers a file the bot can fetch with `getFile` and download.
    pub fn add_file(&self, file_id: &str, bytes: impl Into<Vec<u8>>) {
        self.shared.lock().store_file(file_id, bytes.into());
    }

    /// A callback query update on a message the bot sent; unlike the free
    /// function [`callback_query`], it carries the message as the bot last
    /// left it (text, caption, keyboard).
    pub fn callback_on(&self, user: &TestUser, data: &str, message_id: i32) -> Value {
        let mut update = callback_query(user, data, message_id);
        let stored = self.shared.lock().messages.get(&(user.id, message_id)).cloned();
        if let Some(message) = stored {
            update["callback_query"]["message"] = message;
        }
        update
    }

    fn recent_calls_report(&self) -> String {
        // Long polling produces a steady stream of getUpdates calls that
        // would drown the calls that explain a failure, so they are left out.
        let inner = self.shared.lock();
        let recent: Vec<String> = inner
            .calls
            .iter()
            .filter(|c| !c.is("getUpdates"))
            .rev()
            .take(CALLS_IN_FAILURE_REPORT)
            .map(Call::summary)
            .collect();
        if recent.is_empty() {
            return "no calls other than getUpdates were made".to_owned();
        }
        let mut report = format!("last {} calls (getUpdates omitted):", recent.len());
        for line in recent.iter().rev() {
            report.push_str("\n  ");
            report.push_str(line);
        }
        report
    }
}

/// Waits until `changes` sees a new version or `deadline` passes; returns
/// whether a change arrived in time.
async fn wait_for_change(changes: &mut watch::Receiver<u64>, deadline: tokio::time::Instant) -> bool {
    matches!(tokio::time::timeout_at(deadline, changes.changed()).await, Ok(Ok(())))
}

impl Inner {
    fn record(&mut self, method: &str, params: Value, files: Vec<UploadedFile>) -> usize {
        let seq = self.calls.len() as u64 + 1;
        self.calls.push(Call {
            seq,
            method: canonical_method(method),
            params,
            at: Instant::now(),
            faulted: false,
            files,
            message_ids: Vec::new(),
        });
        self.calls.len() - 1
    }

    fn take_fault(&mut self, method: &str, chat: Option<i64>) -> Option<Fault> {
        let at = self
            .faults
            .iter()
            .position(|(m, only, _)| m.eq_ignore_ascii_case(method) && (only.is_none() || *only == chat))?;
        self.faults.remove(at).map(|(_, _, fault)| fault)
    }

    fn store_file(&mut self, file_id: &str, bytes: Vec<u8>) {
        self.next_file += 1;
        let path = format!("documents/file_{}", self.next_file);
        self.files.insert(file_id.to_owned(), StoredFile { path, bytes });
    }

    fn remember_incoming(&mut self, update: &Value) {
        // A callback query's message is only the test's picture of a bot
        // message, so it must not overwrite what the bot really sent.
        let Some(message) = ["message", "edited_message"].iter().find_map(|key| update.get(*key)) else {
            return;
        };
        if let Some(chat) = message.get("chat")
            && let Some(chat_id) = chat.get("id").and_then(Value::as_i64)
        {
            self.chats.insert(chat_id, chat.clone());
            if let Some(id) = message.get("message_id").and_then(Value::as_i64)
                && let Ok(id) = i32::try_from(id)
            {
                self.messages.insert((chat_id, id), message.clone());
            }
        }
    }

    fn chat(&self, chat_id: i64) -> Value {
        if let Some(chat) = self.chats.get(&chat_id) {
            return chat.clone();
        }
        // Telegram gives supergroups and channels ids below -10^12, basic
        // groups other negative ids, and users positive ids.
        if chat_id <= -1_000_000_000_000 {
            json!({"id": chat_id, "type": "supergroup", "title": "Test supergroup"})
        } else if chat_id < 0 {
            json!({"id": chat_id, "type": "group", "title": "Test group"})
        } else {
            json!({"id": chat_id, "type": "private", "first_name": "Resident"})
        }
    }

    /// Creates and stores a bot message in `chat_id` with the given content
    /// fields, taking the reply markup and reply target from `params`.
    fn new_message(&mut self, chat_id: i64, content: Map<String, Value>, params: &Value) -> Value {
        let counter = self.next_message_id.entry(chat_id).or_insert(0);
        *counter += 1;
        let id = *counter;
        let mut message = json!({
            "message_id": id,
            "date": now_unix(),
            "chat": self.chat(chat_id),
            "from": bot_user(),
        });
        let object = message.as_object_mut().expect("a message is an object");
        object.extend(content);
        if let Some(markup) = inline_markup(params) {
            object.insert("reply_markup".to_owned(), markup);
        }
        let reply_to = params
            .pointer("/reply_parameters/message_id")
            .or_else(|| params.get("reply_to_message_id"))
            .and_then(value_as_i64)
            .and_then(|id| i32::try_from(id).ok());
        if let Some(original) = reply_to.and_then(|id| self.messages.get(&(chat_id, id))) {
            let mut original = original.clone();
            if let Some(original) = original.as_object_mut() {
                // Telegram nests replies only one level deep.
                original.remove("reply_to_message");
            }
            object.insert("reply_to_message".to_owned(), original);
        }
        self.messages.insert((chat_id, id), message.clone());
        message
    }

    /// Resolves a media parameter to a file id: a plain value is an existing
    /// file id (or URL), `attach://<name>` refers to an uploaded part, which
    /// is stored under a fresh file id so the bot can download it again.
    fn media_file(&mut self, reference: &str, files: &[UploadedFile]) -> (String, Option<String>) {
        let Some(name) = reference.strip_prefix("attach://") else {
            return (reference.to_owned(), None);
        };
        let upload = files.iter().find(|f| f.field == name);
        let file_id = format!("uploaded-{}", self.next_file + 1);
        let bytes = upload.map(|f| f.bytes.clone()).unwrap_or_default();
        self.store_file(&file_id, bytes);
        (file_id, upload.and_then(|f| f.file_name.clone()))
    }

    /// Answers every method but `getUpdates`; returns the result or an API
    /// error, plus the ids of the messages sent.
    fn dispatch(
        &mut self,
        method: &str,
        params: &Value,
        files: &[UploadedFile],
    ) -> Result<(Value, Vec<i32>), ApiFailure> {
        let lower = method.to_ascii_lowercase();
        let sent = |message: Value| {
            let id = message_id_of(&message);
            Ok((message, vec![id]))
        };
        match lower.as_str() {
            "getme" => Ok((me(), vec![])),
            "deletewebhook" => {
                self.webhook_url.clear();
                Ok((json!(true), vec![]))
            }
            "setwebhook" => {
                self.webhook_url = str_param(params, "url").unwrap_or_default().to_owned();
                Ok((json!(true), vec![]))
            }
            "getwebhookinfo" => Ok((
                json!({
                    "url": self.webhook_url,
                    "has_custom_certificate": false,
                    "pending_update_count": self.pending.len(),
                }),
                vec![],
            )),
            "setmycommands" => {
                self.commands = params.get("commands").cloned().unwrap_or(json!([]));
                Ok((json!(true), vec![]))
            }
            "deletemycommands" => {
                self.commands = json!([]);
                Ok((json!(true), vec![]))
            }
            "getmycommands" => Ok((self.commands.clone(), vec![])),
            "answercallbackquery" | "sendchataction" | "deletemessage" => Ok((json!(true), vec![])),
            "sendmessage" => {
                let chat_id = chat_id_param(params)?;
                let text = str_param(params, "text").unwrap_or_default();
                if text.is_empty() {
                    return Err(ApiFailure::bad_request("Bad Request: message text is empty"));
                }
                let mut content = Map::new();
                content.insert("text".to_owned(), json!(text));
                copy_param(params, "entities", "entities", &mut content);
                sent(self.new_message(chat_id, content, params))
            }
            "sendphoto" | "sendvoice" | "sendvideo" | "senddocument" => {
                let chat_id = chat_id_param(params)?;
                let field = &lower["send".len()..];
                let reference = str_param(params, field).ok_or_else(|| {
                    ApiFailure::bad_request(&format!("Bad Request: there is no {field} in the request"))
                })?;
                let (file_id, file_name) = self.media_file(reference, files);
                let mut content = Map::new();
                content.insert(field.to_owned(), media_json(field, &file_id, file_name, params));
                copy_caption(params, &mut content);
                sent(self.new_message(chat_id, content, params))
            }
            "sendlocation" => {
                let chat_id = chat_id_param(params)?;
                let latitude = params.get("latitude").and_then(Value::as_f64);
                let longitude = params.get("longitude").and_then(Value::as_f64);
                let (Some(latitude), Some(longitude)) = (latitude, longitude) else {
                    return Err(ApiFailure::bad_request("Bad Request: wrong latitude or longitude"));
                };
                let mut content = Map::new();
                content.insert("location".to_owned(), json!({"latitude": latitude, "longitude": longitude}));
                sent(self.new_message(chat_id, content, params))
            }
            "sendmediagroup" => self.send_media_group(params, files),
            "forwardmessage" | "copymessage" => self.forward(&lower, params),
            "editmessagetext" | "editmessagecaption" | "editmessagereplymarkup" => self.edit(&lower, params),
            "getfile" => {
                let file_id = str_param(params, "file_id").unwrap_or_default();
                let file =
                    self.files.get(file_id).ok_or_else(|| ApiFailure::bad_request("Bad Request: invalid file id"))?;
                Ok((
                    json!({
                        "file_id": file_id,
                        "file_unique_id": unique_id(file_id),
                        "file_size": file.bytes.len(),
                        "file_path": file.path,
                    }),
                    vec![],
                ))
            }
            _ => Err(ApiFailure { code: 404, description: "Not Found: method not found".to_owned() }),
        }
    }

    fn send_media_group(&mut self, params: &Value, files: &[UploadedFile]) -> Result<(Value, Vec<i32>), ApiFailure> {
        let chat_id = chat_id_param(params)?;
        let media = params
            .get("media")
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty())
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: parameter \"media\" is required"))?
            .clone();
        self.next_file += 1;
        let group_id = format!("group-{}", self.next_file);
        let mut messages = Vec::new();
        let mut ids = Vec::new();
        for item in &media {
            let kind = item.get("type").and_then(Value::as_str).unwrap_or("photo");
            let reference = item.get("media").and_then(Value::as_str).unwrap_or_default();
            let (file_id, file_name) = self.media_file(reference, files);
            let mut content = Map::new();
            content.insert(kind.to_owned(), media_json(kind, &file_id, file_name, item));
            content.insert("media_group_id".to_owned(), json!(group_id));
            copy_caption(item, &mut content);
            // Media groups cannot carry a keyboard, so only the reply target
            // of the request applies.
            let reply_only = json!({
                "reply_parameters": params.get("reply_parameters"),
                "reply_to_message_id": params.get("reply_to_message_id"),
            });
            let message = self.new_message(chat_id, content, &reply_only);
            ids.push(message_id_of(&message));
            messages.push(message);
        }
        Ok((Value::Array(messages), ids))
    }

    fn forward(&mut self, method: &str, params: &Value) -> Result<(Value, Vec<i32>), ApiFailure> {
        let chat_id = chat_id_param(params)?;
        let from_chat = params
            .get("from_chat_id")
            .and_then(value_as_i64)
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: chat not found"))?;
        let message_id =
            params.get("message_id").and_then(value_as_i64).and_then(|id| i32::try_from(id).ok()).unwrap_or_default();
        let original = self
            .messages
            .get(&(from_chat, message_id))
            .cloned()
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: message to forward not found"))?;
        let mut content = Map::new();
        for key in CONTENT_KEYS {
            if let Some(value) = original.get(*key) {
                content.insert((*key).to_owned(), value.clone());
            }
        }
        if method == "copymessage" {
            if let Some(caption) = params.get("caption") {
                content.insert("caption".to_owned(), caption.clone());
            }
            let message = self.new_message(chat_id, content, params);
            let id = message_id_of(&message);
            return Ok((json!({"message_id": id}), vec![id]));
        }
        if let Some(sender) = original.get("from") {
            content.insert(
                "forward_origin".to_owned(),
                json!({"type": "user", "sender_user": sender, "date": original["date"]}),
            );
        }
        let message = self.new_message(chat_id, content, &json!({}));
        let id = message_id_of(&message);
        Ok((message, vec![id]))
    }

    fn edit(&mut self, method: &str, params: &Value) -> Result<(Value, Vec<i32>), ApiFailure> {
        if params.get("inline_message_id").is_some() {
            return Ok((json!(true), vec![]));
        }
        let chat_id = chat_id_param(params)?;
        let message_id = params
            .get("message_id")
            .and_then(value_as_i64)
            .and_then(|id| i32::try_from(id).ok())
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: message identifier is not specified"))?;
        let Some(message) = self.messages.get_mut(&(chat_id, message_id)) else {
            return Err(ApiFailure::bad_request("Bad Request: message to edit not found"));
        };
        if message.pointer("/from/id").and_then(Value::as_i64) != Some(BOT_ID) {
            return Err(ApiFailure::bad_request("Bad Request: message can't be edited"));
        }
        let mut edited = message.clone();
        let object = edited.as_object_mut().expect("a stored message is an object");
        match method {
            "editmessagetext" => {
                if object.get("text").is_none() {
                    return Err(ApiFailure::bad_request("Bad Request: there is no text in the message to edit"));
                }
                let text = str_param(params, "text").unwrap_or_default();
                if text.is_empty() {
                    return Err(ApiFailure::bad_request("Bad Request: message text is empty"));
                }
                object.insert("text".to_owned(), json!(text));
                object.remove("entities");
                copy_param(params, "entities", "entities", object);
            }
            "editmessagecaption" => {
                object.remove("caption");
                object.remove("caption_entities");
                copy_caption(params, object);
            }
            _ => {}
        }
        // Like Telegram, an edit without a keyboard removes the keyboard.
        match inline_markup(params) {
            Some(markup) => object.insert("reply_markup".to_owned(), markup),
            None => object.remove("reply_markup"),
        };
        let unchanged = |m: &Value| {
            let mut m = m.clone();
            if let Some(o) = m.as_object_mut() {
                o.remove("edit_date");
            }
            m
        };
        if unchanged(&edited) == unchanged(message) {
            return Err(ApiFailure::bad_request(
                "Bad Request: message is not modified: specified new message content and reply \
                 markup are exactly the same as a current content and reply markup of the message",
            ));
        }
        edited["edit_date"] = json!(now_unix());
        *message = edited.clone();
        Ok((edited, vec![]))
    }
}

/// The message fields that make up a message's content, copied when a
/// message is forwarded.
const CONTENT_KEYS: &[&str] = &[
    "text",
    "entities",
    "photo",
    "voice",
    "video",
    "document",
    "location",
    "contact",
    "sticker",
    "caption",
    "caption_entities",
];

/// An error answer of the Bot API.
struct ApiFailure {
    code: u16,
    description: String,
}

impl ApiFailure {
    fn bad_request(description: &str) -> ApiFailure {
        ApiFailure { code: 400, description: description.to_owned() }
    }
}

fn chat_id_param(params: &Value) -> Result<i64, ApiFailure> {
    params.get("chat_id").and_then(value_as_i64).ok_or_else(|| ApiFailure::bad_request("Bad Request: chat not found"))
}

fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn copy_param(params: &Value, from: &str, to: &str, content: &mut Map<String, Value>) {
    if let Some(value) = params.get(from) {
        content.insert(to.to_owned(), value.clone());
    }
}

fn copy_caption(params: &Value, content: &mut Map<String, Value>) {
    if str_param(params, "caption").is_some_and(|c| !c.is_empty()) {
        copy_param(params, "caption", "caption", content);
        copy_param(params, "caption_entities", "caption_entities", content);
    }
}

/// The reply markup of a request if it is an inline keyboard; `Message`
/// only ever carries inline keyboards, reply keyboards are not echoed.
fn inline_markup(params: &Value) -> Option<Value> {
    params.get("reply_markup").filter(|markup| markup.get("inline_keyboard").is_some()).cloned()
}

fn media_json(kind: &str, file_id: &str, file_name: Option<String>, params: &Value) -> Value {
    let number = |key: &str, default: u64| params.get(key).and_then(Value::as_u64).unwrap_or(default);
    match kind {
        "photo" => photo_sizes(file_id),
        "voice" => json!({
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": 4096,
            "duration": number("duration", 1),
            "mime_type": "audio/ogg",
        }),
        "video" => json!({
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": 65536,
            "width": number("width", 640),
            "height": number("height", 480),
            "duration": number("duration", 1),
            // teloxide requires `mime_type` on videos, although Telegram
            // documents it as optional.
            "mime_type": "video/mp4",
        }),
        _ => json!({
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": 1024,
            "file_name": file_name.unwrap_or_else(|| "document".to_owned()),
        }),
    }
}

/// Two sizes of a photo; the largest, last one carries `file_id` itself, so
/// a bot that correctly picks the largest size sees the id the test chose.
fn photo_sizes(file_id: &str) -> Value {
    let thumb = format!("{file_id}-thumb");
    json!([
        {"file_id": thumb, "file_unique_id": unique_id(&thumb), "file_size": 1200, "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": unique_id(file_id), "file_size": 48000, "width": 1280, "height": 960},
    ])
}

fn unique_id(file_id: &str) -> String {
    format!("u-{file_id}")
}

fn message_id_of(message: &Value) -> i32 {
    message
        .get("message_id")
        .and_then(Value::as_i64)
        .and_then(|id| i32::try_from(id).ok())
        .expect("a message built by the double has an id")
}

fn update_id(update: &Value) -> i64 {
    update.get("update_id").and_then(Value::as_i64).expect("a queued update has an update_id")
}

fn value_as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

/// Method names are case-insensitive to Telegram; teloxide spells the
/// multipart ones with a capital letter, so the record lowers the first
/// letter to keep Telegram's documented spelling.
fn canonical_method(method: &str) -> String {
    let mut chars = method.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}

/// The bot as a Telegram `User`.
pub fn bot_user() -> Value {
    json!({
        "id": BOT_ID,
        "is_bot": true,
        "first_name": BOT_FIRST_NAME,
        "username": BOT_USERNAME,
    })
}

fn me() -> Value {
    let mut me = bot_user();
    let object = me.as_object_mut().expect("the bot user is an object");
    for (key, value) in [
        ("can_join_groups", true),
        ("can_read_all_group_messages", false),
        ("supports_inline_queries", false),
        ("can_connect_to_business", false),
        ("has_main_web_app", false),
    ] {
        object.insert(key.to_owned(), json!(value));
    }
    me
}

// HTTP layer.

async fn entry(State(shared): State<Arc<Shared>>, uri: Uri, headers: HeaderMap, body: Bytes) -> Response {
    let path = uri.path();
    if let Some(rest) = path.strip_prefix("/file/") {
        return serve_file(&shared, rest);
    }
    let mut segments = path.trim_start_matches('/').split('/');
    let (Some(token), Some(method), None) = (segments.next(), segments.next(), segments.next()) else {
        return api_error(404, "Not Found");
    };
    if !token.starts_with("bot") || method.is_empty() {
        return api_error(404, "Not Found");
    }
    let (params, files) = match parse_params(&uri, &headers, &body) {
        Ok(parsed) => parsed,
        Err(problem) => return api_error(400, &format!("Bad Request: {problem}")),
    };
    handle_call(&shared, method, params, files).await
}

async fn handle_call(shared: &Shared, method: &str, params: Value, files: Vec<UploadedFile>) -> Response {
    let chat = params.get("chat_id").and_then(|id| id.as_i64().or_else(|| id.as_str()?.parse().ok()));
    let fault = shared.lock().take_fault(method, chat);
    if let Some(Fault::Delay(delay)) = &fault {
        tokio::time::sleep(*delay).await;
    }
    let faulted = fault.is_some();
    match fault {
        Some(Fault::Status { code, body }) => {
            record_only(shared, method, params, files);
            let status = StatusCode::from_u16(code).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
            return (status, axum::Json(body)).into_response();
        }
        Some(Fault::DropConnection) => {
            record_only(shared, method, params, files);
            // Unwinding out of the handler makes hyper drop the connection
            // without writing a response, which is what a crashed or
            // unreachable server looks like to the client. `resume_unwind`
            // skips the panic hook, so nothing is printed.
            std::panic::resume_unwind(Box::new("the Bot API double drops this connection"));
        }
        Some(Fault::Delay(_)) | None => {}
    }
    if method.eq_ignore_ascii_case("getUpdates") {
        {
            let mut inner = shared.lock();
            let index = inner.record(method, params.clone(), files);
            inner.calls[index].faulted = faulted;
        }
        shared.bump_calls();
        return api_ok(get_updates(shared, &params).await);
    }
    let outcome = {
        let mut inner = shared.lock();
        let outcome = inner.dispatch(method, &params, &files);
        let index = inner.record(method, params, files);
        inner.calls[index].faulted = faulted;
        if let Ok((_, ids)) = &outcome {
            inner.calls[index].message_ids = ids.clone();
        }
        outcome
    };
    shared.bump_calls();
    match outcome {
        Ok((result, _)) => api_ok(result),
        Err(failure) => api_error(failure.code, &failure.description),
    }
}

fn record_only(shared: &Shared, method: &str, params: Value, files: Vec<UploadedFile>) {
    {
        let mut inner = shared.lock();
        let index = inner.record(method, params, files);
        inner.calls[index].faulted = true;
    }
    shared.bump_calls();
}

/// Long polling: drops confirmed updates, then answers with the pending ones
/// or waits up to `timeout` seconds for one to be pushed.
async fn get_updates(shared: &Shared, params: &Value) -> Value {
    // Telegram's negative offsets count from the end of the queue; teloxide
    // never sends them, so they are treated as no offset at all.
    let offset = params.get("offset").and_then(value_as_i64).filter(|o| *o > 0);
    let limit = params.get("limit").and_then(Value::as_u64).map_or(100, |l| l.clamp(1, 100)) as usize;
    let timeout = params.get("timeout").and_then(Value::as_u64).unwrap_or(0).min(MAX_POLL_TIMEOUT_SECS);
    let deadline = tokio::time::Instant::now() + Duration::from_secs(timeout);
    let mut changes = shared.updates_version.subscribe();
    loop {
        let (batch, confirmed_some) = {
            let mut inner = shared.lock();
            let before = inner.pending.len();
            if let Some(offset) = offset {
                inner.pending.retain(|u| update_id(u) >= offset);
            }
            let batch: Vec<Value> = inner.pending.iter().take(limit).cloned().collect();
            (batch, inner.pending.len() != before)
        };
        if confirmed_some {
            shared.bump_updates();
            // Our own bump must not count as a newly pushed update.
            changes.borrow_and_update();
        }
        if !batch.is_empty() || !wait_for_change(&mut changes, deadline).await {
            return Value::Array(batch);
        }
    }
}

fn serve_file(shared: &Shared, rest: &str) -> Response {
    // teloxide pushes the file path as a single URL segment, so its slashes
    // arrive percent-encoded.
    let Some((token, path)) = rest.split_once('/') else {
        return api_error(404, "Not Found");
    };
    if !token.starts_with("bot") {
        return api_error(404, "Not Found");
    }
    let path = percent_decode(path, false);
    let inner = shared.lock();
    match inner.files.values().find(|f| f.path == path) {
        Some(file) => ([(header::CONTENT_TYPE, "application/octet-stream")], file.bytes.clone()).into_response(),
        None => api_error(404, "Not Found"),
    }
}

fn api_ok(result: Value) -> Response {
    axum::Json(json!({"ok": true, "result": result})).into_response()
}

fn api_error(code: u16, description: &str) -> Response {
    let status = StatusCode::from_u16(code).unwrap_or(StatusCode::BAD_REQUEST);
    let body = json!({"ok": false, "error_code": code, "description": description});
    (status, axum::Json(body)).into_response()
}

/// Normalises the query string and body of a request into one JSON object.
fn parse_params(uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Result<(Value, Vec<UploadedFile>), String> {
    let mut params = Map::new();
    let mut files = Vec::new();
    if let Some(query) = uri.query() {
        insert_form_pairs(query, &mut params);
    }
    let content_type = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or_default();
    let mime = content_type.split(';').next().unwrap_or_default().trim().to_ascii_lowercase();
    match mime.as_str() {
        _ if body.is_empty() => {}
        "application/json" => match serde_json::from_slice(body) {
            Ok(Value::Object(object)) => params.extend(object),
            Ok(_) => return Err("the JSON body is not an object".to_owned()),
            Err(e) => return Err(format!("the JSON body does not parse: {e}")),
        },
        "application/x-www-form-urlencoded" => {
            insert_form_pairs(&String::from_utf8_lossy(body), &mut params);
        }
        "multipart/form-data" => {
            let boundary = content_type
                .split(';')
                .filter_map(|p| p.trim().strip_prefix("boundary="))
                .next()
                .map(|b| b.trim_matches('"'))
                .ok_or("the multipart body has no boundary")?;
            for part in parse_multipart(body, boundary)? {
                if part.file_name.is_some() {
                    files.push(UploadedFile {
                        field: part.name,
                        file_name: part.file_name,
                        content_type: part.content_type,
                        bytes: part.bytes,
                    });
                } else {
                    let text = String::from_utf8_lossy(&part.bytes).into_owned();
                    let value = normalise_text(&part.name, text);
                    params.insert(part.name, value);
                }
            }
        }
        other => return Err(format!("unsupported content type {other:?}")),
    }
    Ok((Value::Object(params), files))
}

fn insert_form_pairs(encoded: &str, params: &mut Map<String, Value>) {
    for pair in encoded.split('&').filter(|p| !p.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = percent_decode(key, true);
        let value = percent_decode(value, true);
        let value = normalise_text(&key, value);
        params.insert(key, value);
    }
}

/// Turns a textual parameter into the JSON value Telegram would read from
/// it: numbers, booleans, objects and arrays are parsed, string fields stay
/// strings.
fn normalise_text(key: &str, text: String) -> Value {
    if STRING_FIELDS.contains(&key) {
        return Value::String(text);
    }
    match serde_json::from_str::<Value>(&text) {
        Ok(value @ (Value::Number(_) | Value::Bool(_) | Value::Object(_) | Value::Array(_))) => value,
        _ => Value::String(text),
    }
}

fn percent_decode(input: &str, plus_is_space: bool) -> String {
    let bytes = input.as_bytes();
    let hex = |at: usize| bytes.get(at).and_then(|b| char::from(*b).to_digit(16));
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match (bytes[i], hex(i + 1), hex(i + 2)) {
            (b'%', Some(high), Some(low)) => {
                // Two hex digits make one byte, which always fits in a u8.
                out.push((high * 16 + low) as u8);
                i += 2;
            }
            (b'+', _, _) if plus_is_space => out.push(b' '),
            (other, _, _) => out.push(other),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

struct Part {
    name: String,
    file_name: Option<String>,
    content_type: Option<String>,
    bytes: Vec<u8>,
}

fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, String> {
    let delimiter = format!("--{boundary}").into_bytes();
    let separator = [b"\r\n".as_slice(), &delimiter].concat();
    let mut pos = find(body, &delimiter, 0).ok_or("the multipart body has no delimiter")? + delimiter.len();
    let mut parts = Vec::new();
    while !body[pos..].starts_with(b"--") {
        pos += if body[pos..].starts_with(b"\r\n") { 2 } else { 0 };
        let end = find(body, &separator, pos).ok_or("a multipart part is not terminated")?;
        let raw = &body[pos..end];
        let header_end = find(raw, b"\r\n\r\n", 0).ok_or("a multipart part has no headers")?;
        let head = String::from_utf8_lossy(&raw[..header_end]);
        let mut part =
            Part { name: String::new(), file_name: None, content_type: None, bytes: raw[header_end + 4..].to_vec() };
        for line in head.split("\r\n") {
            let Some((header_name, value)) = line.split_once(':') else {
                continue;
            };
            match header_name.trim().to_ascii_lowercase().as_str() {
                "content-disposition" => {
                    for attribute in value.split(';').map(str::trim) {
                        if let Some((key, v)) = attribute.split_once('=') {
                            let v = percent_decode(v.trim_matches('"'), false);
                            match key.trim() {
                                "name" => part.name = v,
                                "filename" => part.file_name = Some(v),
                                _ => {}
                            }
                        }
                    }
                }
                "content-type" => part.content_type = Some(value.trim().to_owned()),
                _ => {}
            }
        }
        parts.push(part);
        pos = end + separator.len();
    }
    Ok(parts)
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    haystack.get(from..)?.windows(needle.len()).position(|w| w == needle).map(|at| at + from)
}

// Update builders.

/// A Telegram user the test plays.
#[derive(Clone, Debug)]
pub struct TestUser {
    pub id: i64,
    pub first_name: String,
    pub language_code: Option<String>,
    pub username: Option<String>,
}

impl TestUser {
    /// A user without a language code, as Telegram sends for some clients.
    pub fn new(id: i64, first_name: &str) -> TestUser {
        TestUser { id, first_name: first_name.to_owned(), language_code: None, username: None }
    }

    /// The same user with a Telegram username.
    pub fn with_username(mut self, username: &str) -> TestUser {
        self.username = Some(username.to_owned());
        self
    }

    /// The same user with the client language set, e.g. `"en"` or `"uk"`.
    pub fn with_language(mut self, language_code: &str) -> TestUser {
        self.language_code = Some(language_code.to_owned());
        self
    }

    /// The user as a Telegram `User` object.
    pub fn json(&self) -> Value {
        let mut user = json!({"id": self.id, "is_bot": false, "first_name": self.first_name});
        if let Some(code) = &self.language_code {
            user["language_code"] = json!(code);
        }
        if let Some(username) = &self.username {
            user["username"] = json!(username);
        }
        user
    }

    /// The user's private chat with the bot as a Telegram `Chat` object.
    pub fn private_chat(&self) -> Value {
        let mut chat = json!({"id": self.id, "type": "private", "first_name": self.first_name});
        if let Some(username) = &self.username {
            chat["username"] = json!(username);
        }
        chat
    }
}

/// Message ids of incoming messages come from a range far above the ids the
/// double assigns to bot messages, so the two never collide in a chat.
static NEXT_INCOMING_MESSAGE_ID: AtomicI32 = AtomicI32::new(1_000_000);
static NEXT_CALLBACK_ID: AtomicU64 = AtomicU64::new(1);

/// A message from `user` in their private chat with the given content.
fn user_message(user: &TestUser, content: Value) -> Value {
    let mut message = json!({
        "message_id": NEXT_INCOMING_MESSAGE_ID.fetch_add(1, Ordering::Relaxed),
        "date": now_unix(),
        "chat": user.private_chat(),
        "from": user.json(),
    });
    if let (Some(message), Value::Object(content)) = (message.as_object_mut(), content) {
        message.extend(content);
    }
    json!({"message": message})
}

/// A text message; a leading `/word` gets a `bot_command` entity like
/// Telegram adds.
pub fn text_message(user: &TestUser, text: &str) -> Value {
    let mut content = json!({"text": text});
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        // Entity offsets and lengths count UTF-16 code units.
        let length = command.encode_utf16().count();
        content["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    user_message(user, content)
}

/// A shared contact. With `own` it is the user's own contact (the reply to a
/// "share my phone number" button); otherwise it is someone else's contact,
/// with another user id.
pub fn contact_message(user: &TestUser, phone: &str, own: bool) -> Value {
    let (first_name, user_id) =
        if own { (user.first_name.clone(), user.id) } else { ("Someone Else".to_owned(), user.id + 1_000_000) };
    user_message(user, json!({"contact": {"phone_number": phone, "first_name": first_name, "user_id": user_id}}))
}

/// A photo; the largest size carries `file_id`.
pub fn photo_message(user: &TestUser, file_id: &str, caption: Option<&str>) -> Value {
    let mut content = json!({"photo": photo_sizes(file_id)});
    if let Some(caption) = caption {
        content["caption"] = json!(caption);
    }
    user_message(user, content)
}

/// A voice note of `duration_secs` seconds.
pub fn voice_message(user: &TestUser, file_id: &str, duration_secs: u32) -> Value {
    user_message(
        user,
        json!({"voice": {
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": 4096,
            "duration": duration_secs,
            "mime_type": "audio/ogg",
        }}),
    )
}

/// A document (any file sent "as a file").
pub fn document_message(user: &TestUser, file_id: &str, file_name: &str, mime: &str) -> Value {
    user_message(
        user,
        json!({"document": {
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": 2048,
            "file_name": file_name,
            "mime_type": mime,
        }}),
    )
}

/// A location pin.
pub fn location_message(user: &TestUser, latitude: f64, longitude: f64) -> Value {
    user_message(user, json!({"location": {"latitude": latitude, "longitude": longitude}}))
}

/// A regular static sticker, content the bot does not handle.
pub fn sticker_message(user: &TestUser) -> Value {
    user_message(
        user,
        json!({"sticker": {
            "file_id": "sticker-1",
            "file_unique_id": "u-sticker-1",
            "file_size": 20000,
            "width": 512,
            "height": 512,
            "type": "regular",
            "is_animated": false,
            "is_video": false,
            "emoji": "👍",
        }}),
    )
}

/// A press of an inline button with `data` on the bot message `message_id`
/// in the user's private chat. The message carries placeholder text; use
/// [`BotApiDouble::callback_on`] to carry the message the bot really sent.
pub fn callback_query(user: &TestUser, data: &str, message_id: i32) -> Value {
    let id = NEXT_CALLBACK_ID.fetch_add(1, Ordering::Relaxed);
    json!({"callback_query": {
        "id": format!("cbq-{id}"),
        "from": user.json(),
        "message": {
            "message_id": message_id,
            "date": now_unix(),
            "chat": user.private_chat(),
            "from": bot_user(),
            "text": "…",
        },
        "chat_instance": format!("ci-{}", user.id),
        "data": data,
    }})
}
