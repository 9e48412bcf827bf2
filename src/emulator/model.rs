//! The emulator's state: the update queue, the chats with every message in
//! them, the files, the command menus, the webhook and the faults.

use std::collections::{BTreeMap, HashMap, HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Instant;

use axum::body::Bytes;
use serde_json::{Map, Value, json};
use tokio::sync::{broadcast, watch};

use super::calls::{Call, UploadedFile, canonical_method};
use super::faults::Faults;
use super::records::{Chat, StoredFile, StoredMessage, now_unix, value_as_i64};
use super::users::{BOT_ID, User, bot_user};
use super::view::{Change, ChatMessage, Command, CommandScope, Event};

/// Where pushed updates go instead of `getUpdates` while a webhook is set.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct Webhook {
    pub url: String,
    pub secret: Option<String>,
}

/// Counts of the calls that carry the bot's work, cheap enough for a
/// benchmark to read.
#[derive(Default)]
pub(super) struct Counters {
    pub get_updates: AtomicU64,
    pub messages_sent: AtomicU64,
    pub edits: AtomicU64,
    pub callback_answers: AtomicU64,
    pub other: AtomicU64,
    pub rate_limited: AtomicU64,
    pub rate_limited_chat: AtomicU64,
}

impl Counters {
    pub(super) fn count(&self, method: &str) {
        let counter = match method.to_ascii_lowercase().as_str() {
            "getupdates" => &self.get_updates,
            "sendmessage" | "sendphoto" | "senddocument" | "sendvoice" | "sendvideo" | "sendlocation"
            | "sendmediagroup" | "forwardmessage" | "copymessage" => &self.messages_sent,
            "editmessagetext" | "editmessagecaption" | "editmessagereplymarkup" => &self.edits,
            "answercallbackquery" => &self.callback_answers,
            _ => &self.other,
        };
        counter.fetch_add(1, Ordering::Relaxed);
    }
}

pub(super) struct Inner {
    /// Updates pushed but not yet confirmed by a `getUpdates` offset (or
    /// delivered to the webhook), in increasing `update_id` order.
    pub pending: VecDeque<Value>,
    pub next_update_id: i64,
    pub chats: HashMap<i64, Chat>,
    pub users: HashMap<i64, User>,
    pub files: HashMap<String, Arc<StoredFile>>,
    pub next_file: u64,
    pub commands: BTreeMap<(CommandScope, String), Vec<Command>>,
    pub webhook: Option<Webhook>,
    pub faults: Faults,
    /// Chats whose user blocked the bot: every send there is refused.
    pub blocked: HashSet<i64>,
    pub calls: Vec<Call>,
    /// The chat of each button press, so that its answer can be shown there.
    pub callback_chats: HashMap<String, i64>,
    pub next_callback: u64,
    pub events: broadcast::Sender<Event>,
    /// How many messages each chat keeps, the oldest forgotten first.
    pub history: usize,
    /// Telegram's flood limits, when played.
    pub limits: Option<super::limits::Limits>,
}

pub(super) struct Shared {
    pub inner: Mutex<Inner>,
    /// Whether calls are recorded; a benchmark turns it off.
    pub record_calls: bool,
    /// Bumped after every recorded call so waiters re-check.
    pub calls_version: watch::Sender<u64>,
    /// Bumped whenever updates are pushed or confirmed.
    pub updates_version: watch::Sender<u64>,
    pub counters: Counters,
}

impl Shared {
    pub(super) fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panicking caller must not hide the state from the others; every
        // critical section leaves it consistent.
        self.inner.lock().unwrap_or_else(|poison| poison.into_inner())
    }

    pub(super) fn bump_calls(&self) {
        self.calls_version.send_modify(|v| *v += 1);
    }

    pub(super) fn bump_updates(&self) {
        self.updates_version.send_modify(|v| *v += 1);
    }

    /// Counts a call and records it, when recording.
    pub(super) fn record(
        &self,
        inner: &mut Inner,
        method: &str,
        params: Value,
        files: Vec<UploadedFile>,
        how: Handled,
    ) {
        self.counters.count(method);
        if !self.record_calls {
            return;
        }
        let seq = inner.calls.len() as u64 + 1;
        let Handled { at, faulted, message_ids } = how;
        inner.calls.push(Call { seq, method: canonical_method(method), params, at, faulted, files, message_ids });
    }
}

/// How a call was handled, for its record.
pub(super) struct Handled {
    /// When the call arrived.
    pub at: Instant,
    pub faulted: bool,
    /// The messages it sent.
    pub message_ids: Vec<i32>,
}

impl Inner {
    pub(super) fn new(events: broadcast::Sender<Event>, history: usize) -> Inner {
        Inner {
            pending: VecDeque::new(),
            next_update_id: 1,
            chats: HashMap::new(),
            users: HashMap::new(),
            files: HashMap::new(),
            next_file: 0,
            commands: BTreeMap::new(),
            webhook: None,
            faults: Faults::default(),
            blocked: HashSet::new(),
            calls: Vec::new(),
            callback_chats: HashMap::new(),
            next_callback: 0,
            events,
            history,
            limits: None,
        }
    }

    /// Queues an update, giving it the next `update_id` unless it has one,
    /// and returns its id.
    pub(super) fn push_update(&mut self, mut update: Value) -> i64 {
        let id = match update.get("update_id").and_then(Value::as_i64) {
            Some(id) => id,
            None => {
                let id = self.next_update_id;
                update["update_id"] = json!(id);
                id
            }
        };
        self.next_update_id = self.next_update_id.max(id + 1);
        self.remember_incoming(&update);
        let at = self.pending.iter().position(|queued| update_id(queued) > id).unwrap_or(self.pending.len());
        self.pending.insert(at, update);
        id
    }

    pub(super) fn emit(&self, event: Event) {
        // Nobody listening is normal: tests that do not watch.
        let _ = self.events.send(event);
    }

    pub(super) fn view(&self, chat: i64, id: i32) -> Option<ChatMessage> {
        let stored = self.chats.get(&chat)?.messages.get(&id)?;
        Some(ChatMessage::of(stored, &self.files))
    }

    pub(super) fn emit_message(&self, chat: i64, id: i32, change: Change, at: Instant) {
        if self.events.receiver_count() == 0 {
            return;
        }
        if let Some(message) = self.view(chat, id) {
            self.emit(Event::Message { chat, change, message: Arc::new(message), at });
        }
    }

    /// Stores a file under `file_id` and returns its path.
    pub(super) fn store_file(
        &mut self,
        file_id: &str,
        bytes: Bytes,
        file_name: Option<String>,
        mime_type: Option<String>,
    ) {
        self.next_file += 1;
        let path = format!("documents/file_{}", self.next_file);
        self.files.insert(file_id.to_owned(), Arc::new(StoredFile { path, bytes, file_name, mime_type }));
    }

    /// A fresh file id.
    pub(super) fn new_file_id(&mut self, prefix: &str) -> String {
        format!("{prefix}-{}", self.next_file + 1)
    }

    /// The next message id of `chat`.
    pub(super) fn next_message_id(&mut self, chat: i64) -> i32 {
        let chat = self.chats.entry(chat).or_default();
        chat.last_message_id += 1;
        chat.last_message_id
    }

    fn remember_incoming(&mut self, update: &Value) {
        // A callback query's message is only the caller's picture of a bot
        // message, so it must not overwrite what the bot really sent.
        let Some(message) = ["message", "edited_message"].iter().find_map(|key| update.get(*key)) else {
            return;
        };
        let Some(chat) = message.get("chat") else { return };
        let Some(chat_id) = chat.get("id").and_then(Value::as_i64) else { return };
        self.chats.entry(chat_id).or_default().description = Some(chat.clone());
        if let Some(id) = message.get("message_id").and_then(Value::as_i64)
            && let Ok(id) = i32::try_from(id)
        {
            let stored = StoredMessage { json: message.clone(), parse_mode: None, client_markup: None };
            self.keep(chat_id, id, stored);
            self.emit_message(chat_id, id, Change::New, Instant::now());
        }
    }

    pub(super) fn chat_description(&self, chat_id: i64) -> Value {
        if let Some(chat) = self.chats.get(&chat_id).and_then(|c| c.description.as_ref()) {
            return chat.clone();
        }
        if let Some(user) = self.users.get(&chat_id) {
            return user.private_chat();
        }
        // Telegram gives supergroups and channels ids below -10^12, basic
        // groups other negative ids, and users positive ids.
        if chat_id <= -1_000_000_000_000 {
            json!({"id": chat_id, "type": "supergroup", "title": "Supergroup"})
        } else if chat_id < 0 {
            json!({"id": chat_id, "type": "group", "title": "Group"})
        } else {
            json!({"id": chat_id, "type": "private", "first_name": "Resident"})
        }
    }

    /// Creates and stores a bot message in `chat_id` with the given content
    /// fields, taking the reply markup, parse mode and reply target from
    /// `params`.
    pub(super) fn new_message(
        &mut self,
        chat_id: i64,
        content: Map<String, Value>,
        params: &Value,
        at: Instant,
    ) -> Value {
        let id = self.next_message_id(chat_id);
        let mut message = json!({
            "message_id": id,
            "date": now_unix(),
            "chat": self.chat_description(chat_id),
            "from": bot_user(BOT_ID),
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
        let chat = self.chats.entry(chat_id).or_default();
        if let Some(original) = reply_to.and_then(|id| chat.messages.get(&id)) {
            let mut original = original.json.clone();
            if let Some(original) = original.as_object_mut() {
                // Telegram nests replies only one level deep.
                original.remove("reply_to_message");
            }
            object.insert("reply_to_message".to_owned(), original);
        }
        let client_markup = params
            .get("reply_markup")
            .filter(|markup| markup.get("keyboard").is_some() || markup.get("remove_keyboard").is_some())
            .cloned();
        let parse_mode = params.get("parse_mode").and_then(Value::as_str).map(str::to_owned);
        self.keep(chat_id, id, StoredMessage { json: message.clone(), parse_mode, client_markup });
        self.emit_message(chat_id, id, Change::New, at);
        message
    }

    /// Stores a message in its chat, forgetting the oldest beyond the
    /// history kept.
    fn keep(&mut self, chat_id: i64, id: i32, message: StoredMessage) {
        let chat = self.chats.entry(chat_id).or_default();
        if chat.messages.insert(id, message).is_none() {
            chat.order.push_back(id);
        }
        while chat.messages.len() > self.history
            && let Some(oldest) = chat.order.pop_front()
        {
            chat.messages.remove(&oldest);
        }
    }
}

/// The reply markup of a request if it is an inline keyboard; `Message`
/// only ever carries inline keyboards, reply keyboards are not echoed.
pub(super) fn inline_markup(params: &Value) -> Option<Value> {
    params.get("reply_markup").filter(|markup| markup.get("inline_keyboard").is_some()).cloned()
}

pub(super) fn update_id(update: &Value) -> i64 {
    update.get("update_id").and_then(Value::as_i64).expect("a queued update has an update_id")
}
