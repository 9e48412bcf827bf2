//! The people who talk to the bot: the Telegram `User` objects they appear
//! as, and the updates their actions produce. The free functions build
//! updates for a caller that pushes them itself (e.g. a forged button press);
//! `Emulator::send_text` and its siblings play a person in a chat the
//! emulator keeps.

use std::sync::atomic::{AtomicI32, AtomicU64, Ordering};

use serde_json::{Value, json};

use super::records::now_unix;

/// The user id of the bot the emulator plays by default.
pub const BOT_ID: i64 = 7_000_000_001;
/// The username of the bot the emulator plays.
pub const BOT_USERNAME: &str = "community_desk_test_bot";
/// The first name of the bot the emulator plays.
pub const BOT_FIRST_NAME: &str = "Community Desk";

/// A Telegram user who talks to the bot in a private chat.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct User {
    pub id: i64,
    pub first_name: String,
    pub language_code: Option<String>,
    pub username: Option<String>,
}

impl User {
    /// A user without a language code, as Telegram sends for some clients.
    pub fn new(id: i64, first_name: &str) -> User {
        User { id, first_name: first_name.to_owned(), language_code: None, username: None }
    }

    /// The same user with a Telegram username.
    pub fn with_username(mut self, username: &str) -> User {
        self.username = Some(username.to_owned());
        self
    }

    /// The same user with the client language set, e.g. `"en"` or `"zh-hans"`.
    pub fn with_language(mut self, language_code: &str) -> User {
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

/// Message ids of updates built outside the emulator's chats come from a
/// range far above the ids the emulator assigns, so the two never collide.
static NEXT_INCOMING_MESSAGE_ID: AtomicI32 = AtomicI32::new(1_000_000);
static NEXT_CALLBACK_ID: AtomicU64 = AtomicU64::new(1);

/// A message from `user` in their private chat with the given content.
pub(super) fn user_message_with_id(user: &User, message_id: i32, content: Value) -> Value {
    let mut message = json!({
        "message_id": message_id,
        "date": now_unix(),
        "chat": user.private_chat(),
        "from": user.json(),
    });
    if let (Some(message), Value::Object(content)) = (message.as_object_mut(), content) {
        message.extend(content);
    }
    json!({"message": message})
}

fn user_message(user: &User, content: Value) -> Value {
    user_message_with_id(user, NEXT_INCOMING_MESSAGE_ID.fetch_add(1, Ordering::Relaxed), content)
}

/// The content of a text message; a leading `/word` gets a `bot_command`
/// entity like Telegram adds.
pub(super) fn text_content(text: &str) -> Value {
    let mut content = json!({"text": text});
    if text.starts_with('/') {
        let command = text.split_whitespace().next().unwrap_or(text);
        // Entity offsets and lengths count UTF-16 code units.
        let length = command.encode_utf16().count();
        content["entities"] = json!([{"type": "bot_command", "offset": 0, "length": length}]);
    }
    content
}

/// The content of a shared contact; `own` is the user's own number (the
/// reply to a "share my phone number" button), otherwise someone else's.
pub(super) fn contact_content(user: &User, phone: &str, own: bool) -> Value {
    let (first_name, user_id) =
        if own { (user.first_name.clone(), user.id) } else { ("Someone Else".to_owned(), user.id + 1_000_000) };
    json!({"contact": {"phone_number": phone, "first_name": first_name, "user_id": user_id}})
}

pub(super) fn photo_content(file_id: &str, caption: Option<&str>) -> Value {
    let mut content = json!({"photo": photo_sizes(file_id, 48_000)});
    if let Some(caption) = caption {
        content["caption"] = json!(caption);
    }
    content
}

pub(super) fn document_content(file_id: &str, file_name: &str, mime: &str, size: usize) -> Value {
    json!({"document": {
        "file_id": file_id,
        "file_unique_id": unique_id(file_id),
        "file_size": size,
        "file_name": file_name,
        "mime_type": mime,
    }})
}

/// A text message; a leading `/word` gets a `bot_command` entity.
pub fn text_message(user: &User, text: &str) -> Value {
    user_message(user, text_content(text))
}

/// A shared contact; see [`contact_content`].
pub fn contact_message(user: &User, phone: &str, own: bool) -> Value {
    user_message(user, contact_content(user, phone, own))
}

/// A photo; the largest size carries `file_id`.
pub fn photo_message(user: &User, file_id: &str, caption: Option<&str>) -> Value {
    user_message(user, photo_content(file_id, caption))
}

/// A voice note of `duration_secs` seconds.
pub fn voice_message(user: &User, file_id: &str, duration_secs: u32) -> Value {
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
pub fn document_message(user: &User, file_id: &str, file_name: &str, mime: &str) -> Value {
    user_message(user, document_content(file_id, file_name, mime, 2048))
}

/// A location pin.
pub fn location_message(user: &User, latitude: f64, longitude: f64) -> Value {
    user_message(user, json!({"location": {"latitude": latitude, "longitude": longitude}}))
}

/// A regular static sticker, content the bot does not handle.
pub fn sticker_message(user: &User) -> Value {
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
/// `Emulator::callback_on` to carry the message the bot really sent.
pub fn callback_query(user: &User, data: &str, message_id: i32) -> Value {
    let id = NEXT_CALLBACK_ID.fetch_add(1, Ordering::Relaxed);
    json!({"callback_query": {
        "id": format!("cbq-{id}"),
        "from": user.json(),
        "message": {
            "message_id": message_id,
            "date": now_unix(),
            "chat": user.private_chat(),
            "from": bot_user(BOT_ID),
            "text": "…",
        },
        "chat_instance": format!("ci-{}", user.id),
        "data": data,
    }})
}

/// Two sizes of a photo; the largest, last one carries `file_id` itself, so
/// a bot that correctly picks the largest size sees the id the caller chose.
pub(super) fn photo_sizes(file_id: &str, size: usize) -> Value {
    let thumb = format!("{file_id}-thumb");
    json!([
        {"file_id": thumb, "file_unique_id": unique_id(&thumb), "file_size": 1200, "width": 90, "height": 67},
        {"file_id": file_id, "file_unique_id": unique_id(file_id), "file_size": size, "width": 1280, "height": 960},
    ])
}

pub(super) fn unique_id(file_id: &str) -> String {
    format!("u-{file_id}")
}

/// The bot as a Telegram `User`.
pub fn bot_user(bot_id: i64) -> Value {
    json!({"id": bot_id, "is_bot": true, "first_name": BOT_FIRST_NAME, "username": BOT_USERNAME})
}

/// The answer to `getMe`.
pub(super) fn me(bot_id: i64) -> Value {
    let mut me = bot_user(bot_id);
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
