//! The records the emulator keeps — files, messages, chats — and the small
//! conversions every part of it uses. A leaf: it imports nothing of the
//! emulator, so the state (`model.rs`), the calls and the views can all
//! use it without importing one another back.

use std::collections::{BTreeMap, VecDeque};
use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Bytes;
use serde_json::Value;

/// A file the emulator hands out through `getFile` and its file endpoint.
pub(super) struct StoredFile {
    pub path: String,
    pub bytes: Bytes,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
}

/// A message as Telegram would return it, plus what the app shows but the
/// Bot API does not echo.
pub(super) struct StoredMessage {
    pub json: Value,
    pub parse_mode: Option<String>,
    /// A reply keyboard or its removal sent with the message.
    pub client_markup: Option<Value>,
}

#[derive(Default)]
pub(super) struct Chat {
    /// The chat as a Telegram `Chat` object, once known.
    pub description: Option<Value>,
    /// The last message id given in this chat; Telegram numbers the messages
    /// of a private chat in one sequence, whoever sent them.
    pub last_message_id: i32,
    pub messages: BTreeMap<i32, StoredMessage>,
    /// Message ids in the order they were stored, oldest first: an update
    /// pushed with an id of its own may sort anywhere among them.
    pub order: VecDeque<i32>,
}

/// A number Telegram accepts as a number or as a numeric string.
pub(super) fn value_as_i64(value: &Value) -> Option<i64> {
    match value {
        Value::Number(n) => n.as_i64(),
        Value::String(s) => s.parse().ok(),
        _ => None,
    }
}

pub(super) fn now_unix() -> i64 {
    SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs() as i64)
}
