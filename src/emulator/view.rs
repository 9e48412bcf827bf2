//! What a person sees of a chat: its messages as the Telegram app shows them
//! now (text, formatting, keyboards, media with their bytes, edited or not),
//! the command menu, and the events that tell a watcher what changed.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Instant;

use axum::body::Bytes;
use serde_json::Value;

use super::records::{StoredFile, StoredMessage, value_as_i64};
use super::users::BOT_ID;

/// A message of a chat as the person sees it now.
#[derive(Clone, Debug, PartialEq)]
pub struct ChatMessage {
    pub id: i32,
    /// Whether the bot sent it (otherwise the person did).
    pub from_bot: bool,
    /// Unix seconds when it was sent.
    pub date: i64,
    /// The text, or the caption of a media message.
    pub text: Option<String>,
    /// The formatting of `text` (Telegram's entities, offsets in UTF-16 units).
    pub entities: Vec<Entity>,
    /// The parse mode the bot sent the text with, if any.
    pub parse_mode: Option<String>,
    /// The inline keyboard under the message, row by row.
    pub keyboard: Vec<Vec<Button>>,
    /// The reply keyboard this message brought up, row by row; the Telegram
    /// app shows it in place of the text field until it is removed.
    pub reply_keyboard: Option<Vec<Vec<ReplyButton>>>,
    /// Whether this message took the reply keyboard away.
    pub removes_reply_keyboard: bool,
    pub media: Option<Media>,
    /// The phone number of a shared contact.
    pub contact_phone: Option<String>,
    /// The message this one replies to.
    pub reply_to: Option<i32>,
    /// Whether the bot edited it after sending it.
    pub edited: bool,
}

/// One formatting span of a message's text.
#[derive(Clone, Debug, PartialEq)]
pub struct Entity {
    /// Telegram's entity type, e.g. `bold`, `bot_command`, `text_link`.
    pub kind: String,
    pub offset: usize,
    pub length: usize,
    pub url: Option<String>,
}

/// A button of an inline keyboard.
#[derive(Clone, Debug, PartialEq)]
pub struct Button {
    pub text: String,
    pub callback_data: Option<String>,
    pub url: Option<String>,
}

/// A button of a reply keyboard.
#[derive(Clone, Debug, PartialEq)]
pub struct ReplyButton {
    pub text: String,
    /// Pressing it shares the person's own phone number.
    pub request_contact: bool,
}

/// The kinds of files a message may carry.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MediaKind {
    Photo,
    Document,
    Voice,
    Video,
}

/// The file of a media message.
#[derive(Clone, Debug, PartialEq)]
pub struct Media {
    pub kind: MediaKind,
    pub file_id: String,
    pub file_name: Option<String>,
    pub mime_type: Option<String>,
    /// The file's content, when the emulator has it (an upload, or a file
    /// a person sent); a file id the bot made up has none.
    pub bytes: Option<Bytes>,
}

/// A command of the bot's menu.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Command {
    pub command: String,
    pub description: String,
}

/// Whom a command menu is for, as `setMyCommands` scopes it.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum CommandScope {
    Default,
    AllPrivateChats,
    AllGroupChats,
    AllChatAdministrators,
    Chat(i64),
    ChatAdministrators(i64),
    ChatMember { chat: i64, user: i64 },
}

impl CommandScope {
    /// The scope of a `scope` parameter; `None` when it names an unknown
    /// type or a chat by a name instead of an id.
    pub(super) fn from_param(scope: Option<&Value>) -> Option<CommandScope> {
        let Some(scope) = scope else { return Some(CommandScope::Default) };
        let chat = || scope.get("chat_id").and_then(value_as_i64);
        Some(match scope.get("type")?.as_str()? {
            "default" => CommandScope::Default,
            "all_private_chats" => CommandScope::AllPrivateChats,
            "all_group_chats" => CommandScope::AllGroupChats,
            "all_chat_administrators" => CommandScope::AllChatAdministrators,
            "chat" => CommandScope::Chat(chat()?),
            "chat_administrators" => CommandScope::ChatAdministrators(chat()?),
            "chat_member" => {
                CommandScope::ChatMember { chat: chat()?, user: scope.get("user_id").and_then(value_as_i64)? }
            }
            _ => return None,
        })
    }
}

/// Whether a message is new or was changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    New,
    Edited,
}

/// Something that changed in what the people see, as the emulator's
/// subscribers are told about it.
#[derive(Clone, Debug)]
pub enum Event {
    /// A message appeared in a chat or was edited there; `message` is how
    /// it looks now.
    Message { chat: i64, change: Change, message: Arc<ChatMessage>, at: Instant },
    /// The bot deleted a message.
    Deleted { chat: i64, message_id: i32, at: Instant },
    /// The bot answered a button press; the app shows the text as a toast,
    /// or as an alert with `show_alert`.
    CallbackAnswered { chat: Option<i64>, query_id: String, text: Option<String>, show_alert: bool, at: Instant },
    /// The bot set or deleted a command menu.
    CommandsChanged { scope: CommandScope, language: Option<String>, at: Instant },
}

impl ChatMessage {
    pub(super) fn of(stored: &StoredMessage, files: &HashMap<String, Arc<StoredFile>>) -> ChatMessage {
        let json = &stored.json;
        let text = json.get("text").or_else(|| json.get("caption")).and_then(Value::as_str).map(str::to_owned);
        let entities = json
            .get("entities")
            .or_else(|| json.get("caption_entities"))
            .and_then(Value::as_array)
            .map(|entities| entities.iter().filter_map(entity).collect())
            .unwrap_or_default();
        let keyboard = rows(json.pointer("/reply_markup/inline_keyboard"), |button| {
            Some(Button {
                text: button.get("text")?.as_str()?.to_owned(),
                callback_data: button.get("callback_data").and_then(Value::as_str).map(str::to_owned),
                url: button.get("url").and_then(Value::as_str).map(str::to_owned),
            })
        });
        let client = stored.client_markup.as_ref();
        let reply_keyboard = client.and_then(|markup| markup.get("keyboard")).map(|keyboard| {
            rows(Some(keyboard), |button| {
                let text = button.as_str().or_else(|| button.get("text")?.as_str())?;
                let request_contact = button.get("request_contact").and_then(Value::as_bool).unwrap_or(false);
                Some(ReplyButton { text: text.to_owned(), request_contact })
            })
        });
        ChatMessage {
            id: json.get("message_id").and_then(value_as_i64).and_then(|id| i32::try_from(id).ok()).unwrap_or(0),
            from_bot: json.pointer("/from/id").and_then(value_as_i64) == Some(BOT_ID),
            date: json.get("date").and_then(Value::as_i64).unwrap_or(0),
            text,
            entities,
            parse_mode: stored.parse_mode.clone(),
            keyboard,
            reply_keyboard,
            removes_reply_keyboard: client
                .and_then(|markup| markup.get("remove_keyboard"))
                .and_then(Value::as_bool)
                .unwrap_or(false),
            media: media(json, files),
            contact_phone: json.pointer("/contact/phone_number").and_then(Value::as_str).map(str::to_owned),
            reply_to: json
                .pointer("/reply_to_message/message_id")
                .and_then(value_as_i64)
                .and_then(|id| i32::try_from(id).ok()),
            edited: json.get("edit_date").is_some(),
        }
    }
}

fn entity(value: &Value) -> Option<Entity> {
    Some(Entity {
        kind: value.get("type")?.as_str()?.to_owned(),
        offset: usize::try_from(value.get("offset")?.as_u64()?).ok()?,
        length: usize::try_from(value.get("length")?.as_u64()?).ok()?,
        url: value.get("url").and_then(Value::as_str).map(str::to_owned),
    })
}

fn rows<T>(keyboard: Option<&Value>, button: impl Fn(&Value) -> Option<T>) -> Vec<Vec<T>> {
    keyboard
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(Value::as_array)
        .map(|row| row.iter().filter_map(&button).collect())
        .collect()
}

fn media(json: &Value, files: &HashMap<String, Arc<StoredFile>>) -> Option<Media> {
    let (kind, file) = if let Some(sizes) = json.get("photo").and_then(Value::as_array) {
        (MediaKind::Photo, sizes.last()?)
    } else if let Some(file) = json.get("document") {
        (MediaKind::Document, file)
    } else if let Some(file) = json.get("voice") {
        (MediaKind::Voice, file)
    } else {
        (MediaKind::Video, json.get("video")?)
    };
    let file_id = file.get("file_id")?.as_str()?.to_owned();
    let stored = files.get(&file_id);
    let text = |key: &str| file.get(key).and_then(Value::as_str).map(str::to_owned);
    Some(Media {
        kind,
        file_name: text("file_name").or_else(|| stored.and_then(|f| f.file_name.clone())),
        mime_type: text("mime_type").or_else(|| stored.and_then(|f| f.mime_type.clone())),
        bytes: stored.map(|f| f.bytes.clone()),
        file_id,
    })
}
