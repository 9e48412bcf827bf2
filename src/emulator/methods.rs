//! The Bot API methods the bot calls, answered as Telegram answers them:
//! messages get ids per chat and are kept so that edits, forwards and button
//! presses can refer to them, and mistakes get Telegram's own error texts.

use std::time::Instant;

use serde_json::{Map, Value, json};

use super::calls::UploadedFile;
use super::faults::BLOCKED;
use super::model::{Inner, Webhook, inline_markup};
use super::records::{now_unix, value_as_i64};
use super::users::{BOT_ID, me, photo_sizes, unique_id};
use super::view::{Change, Command, CommandScope, Event};

/// An error answer of the Bot API.
pub(super) struct ApiFailure {
    pub code: u16,
    pub description: String,
}

impl ApiFailure {
    fn bad_request(description: &str) -> ApiFailure {
        ApiFailure { code: 400, description: description.to_owned() }
    }
}

/// The answer of a method and the ids of the messages it sent.
pub(super) type Answer = Result<(Value, Vec<i32>), ApiFailure>;

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

const NOT_MODIFIED: &str = "Bad Request: message is not modified: specified new message content and reply \
                            markup are exactly the same as a current content and reply markup of the message";

impl Inner {
    /// Answers every method but `getUpdates`.
    pub(super) fn dispatch(&mut self, method: &str, params: &Value, files: &[UploadedFile], at: Instant) -> Answer {
        let lower = method.to_ascii_lowercase();
        let sends_to_chat = lower.starts_with("send")
            || lower.starts_with("edit")
            || lower == "forwardmessage"
            || lower == "copymessage";
        if sends_to_chat
            && params.get("chat_id").and_then(value_as_i64).is_some_and(|chat| self.blocked.contains(&chat))
        {
            return Err(ApiFailure { code: 403, description: BLOCKED.to_owned() });
        }
        let sent = |message: Value| {
            let id = message_id_of(&message);
            Ok((message, vec![id]))
        };
        match lower.as_str() {
            "getme" => Ok((me(BOT_ID), vec![])),
            "deletewebhook" => {
                self.webhook = None;
                if params.get("drop_pending_updates").and_then(Value::as_bool) == Some(true) {
                    self.pending.clear();
                }
                Ok((json!(true), vec![]))
            }
            "setwebhook" => {
                let url = str_param(params, "url").unwrap_or_default();
                self.webhook = (!url.is_empty()).then(|| Webhook {
                    url: url.to_owned(),
                    secret: str_param(params, "secret_token").map(str::to_owned),
                });
                Ok((json!(true), vec![]))
            }
            "getwebhookinfo" => Ok((
                json!({
                    "url": self.webhook.as_ref().map_or("", |w| w.url.as_str()),
                    "has_custom_certificate": false,
                    "pending_update_count": self.pending.len(),
                }),
                vec![],
            )),
            "setmycommands" | "deletemycommands" | "getmycommands" => self.commands_method(&lower, params, at),
            "answercallbackquery" => {
                let query_id = str_param(params, "callback_query_id").unwrap_or_default().to_owned();
                let chat = self.callback_chats.remove(&query_id);
                self.emit(Event::CallbackAnswered {
                    chat,
                    query_id,
                    text: str_param(params, "text").map(str::to_owned),
                    show_alert: params.get("show_alert").and_then(Value::as_bool).unwrap_or(false),
                    at,
                });
                Ok((json!(true), vec![]))
            }
            "sendchataction" => Ok((json!(true), vec![])),
            "deletemessage" => {
                let chat_id = chat_id_param(params)?;
                let message_id = message_id_param(params)?;
                let removed = self.chats.get_mut(&chat_id).and_then(|chat| chat.messages.remove(&message_id));
                if removed.is_none() {
                    return Err(ApiFailure::bad_request("Bad Request: message to delete not found"));
                }
                self.emit(Event::Deleted { chat: chat_id, message_id, at });
                Ok((json!(true), vec![]))
            }
            "sendmessage" => {
                let chat_id = chat_id_param(params)?;
                let text = str_param(params, "text").unwrap_or_default();
                if text.is_empty() {
                    return Err(ApiFailure::bad_request("Bad Request: message text is empty"));
                }
                let mut content = Map::new();
                content.insert("text".to_owned(), json!(text));
                copy_param(params, "entities", &mut content);
                sent(self.new_message(chat_id, content, params, at))
            }
            "sendphoto" | "sendvoice" | "sendvideo" | "senddocument" => {
                let chat_id = chat_id_param(params)?;
                let field = &lower["send".len()..];
                let reference = str_param(params, field).ok_or_else(|| {
                    ApiFailure::bad_request(&format!("Bad Request: there is no {field} in the request"))
                })?;
                let (file_id, file_name, size) = self.media_file(reference, files);
                let mut content = Map::new();
                content.insert(field.to_owned(), media_json(field, &file_id, file_name, size, params));
                copy_caption(params, &mut content);
                sent(self.new_message(chat_id, content, params, at))
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
                sent(self.new_message(chat_id, content, params, at))
            }
            "sendmediagroup" => self.send_media_group(params, files, at),
            "forwardmessage" | "copymessage" => self.forward(&lower, params, at),
            "editmessagetext" | "editmessagecaption" | "editmessagereplymarkup" => self.edit(&lower, params, at),
            "getfile" => {
                let file_id = str_param(params, "file_id").unwrap_or_default();
                let file =
                    self.files.get(file_id).ok_or_else(|| ApiFailure::bad_request("Bad Request: invalid file id"))?;
                let file = json!({
                    "file_id": file_id,
                    "file_unique_id": unique_id(file_id),
                    "file_size": file.bytes.len(),
                    "file_path": file.path,
                });
                Ok((file, vec![]))
            }
            _ => Err(ApiFailure { code: 404, description: "Not Found: method not found".to_owned() }),
        }
    }

    fn commands_method(&mut self, method: &str, params: &Value, at: Instant) -> Answer {
        let scope = CommandScope::from_param(params.get("scope"))
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: can't parse BotCommandScope"))?;
        let language = str_param(params, "language_code").unwrap_or_default().to_owned();
        let key = (scope.clone(), language.clone());
        if method == "getmycommands" {
            let commands = self.commands.get(&key).map(|commands| commands_json(commands));
            return Ok((commands.unwrap_or_else(|| json!([])), vec![]));
        }
        let commands: Vec<Command> = params
            .get("commands")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
            .filter_map(|command| {
                Some(Command {
                    command: command.get("command")?.as_str()?.to_owned(),
                    description: command.get("description")?.as_str()?.to_owned(),
                })
            })
            .collect();
        if method == "deletemycommands" || commands.is_empty() {
            self.commands.remove(&key);
        } else {
            self.commands.insert(key, commands);
        }
        let language = (!language.is_empty()).then_some(language);
        self.emit(Event::CommandsChanged { scope, language, at });
        Ok((json!(true), vec![]))
    }

    /// Resolves a media parameter to a file id, its name and size: a plain
    /// value is an existing file id (or URL), `attach://<name>` refers to an
    /// uploaded part, which is stored under a fresh file id so the bot (and
    /// whoever reads the chat) can download it again.
    fn media_file(&mut self, reference: &str, files: &[UploadedFile]) -> (String, Option<String>, usize) {
        let Some(name) = reference.strip_prefix("attach://") else {
            let size = self.files.get(reference).map_or(1024, |f| f.bytes.len());
            return (reference.to_owned(), None, size);
        };
        let upload = files.iter().find(|f| f.field == name);
        let file_id = self.new_file_id("uploaded");
        let bytes = upload.map(|f| f.bytes.clone()).unwrap_or_default();
        let size = bytes.len();
        let file_name = upload.and_then(|f| f.file_name.clone());
        let mime = upload.and_then(|f| f.content_type.clone());
        self.store_file(&file_id, bytes, file_name.clone(), mime);
        (file_id, file_name, size)
    }

    fn send_media_group(&mut self, params: &Value, files: &[UploadedFile], at: Instant) -> Answer {
        let chat_id = chat_id_param(params)?;
        let media = params
            .get("media")
            .and_then(Value::as_array)
            .filter(|items| !items.is_empty())
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: parameter \"media\" is required"))?
            .clone();
        let group_id = self.new_file_id("group");
        self.next_file += 1;
        let mut messages = Vec::new();
        let mut ids = Vec::new();
        for item in &media {
            let kind = item.get("type").and_then(Value::as_str).unwrap_or("photo");
            let reference = item.get("media").and_then(Value::as_str).unwrap_or_default();
            let (file_id, file_name, size) = self.media_file(reference, files);
            let mut content = Map::new();
            content.insert(kind.to_owned(), media_json(kind, &file_id, file_name, size, item));
            content.insert("media_group_id".to_owned(), json!(group_id));
            copy_caption(item, &mut content);
            // Media groups cannot carry a keyboard, so only the reply target
            // of the request applies.
            let reply_only = json!({
                "reply_parameters": params.get("reply_parameters"),
                "reply_to_message_id": params.get("reply_to_message_id"),
            });
            let message = self.new_message(chat_id, content, &reply_only, at);
            ids.push(message_id_of(&message));
            messages.push(message);
        }
        Ok((Value::Array(messages), ids))
    }

    fn forward(&mut self, method: &str, params: &Value, at: Instant) -> Answer {
        let chat_id = chat_id_param(params)?;
        let from_chat = params
            .get("from_chat_id")
            .and_then(value_as_i64)
            .ok_or_else(|| ApiFailure::bad_request("Bad Request: chat not found"))?;
        let message_id = message_id_param(params).unwrap_or_default();
        let original = self
            .chats
            .get(&from_chat)
            .and_then(|chat| chat.messages.get(&message_id))
            .map(|stored| stored.json.clone())
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
            let message = self.new_message(chat_id, content, params, at);
            let id = message_id_of(&message);
            return Ok((json!({"message_id": id}), vec![id]));
        }
        if let Some(sender) = original.get("from") {
            content.insert(
                "forward_origin".to_owned(),
                json!({"type": "user", "sender_user": sender, "date": original["date"]}),
            );
        }
        let message = self.new_message(chat_id, content, &json!({}), at);
        let id = message_id_of(&message);
        Ok((message, vec![id]))
    }

    fn edit(&mut self, method: &str, params: &Value, at: Instant) -> Answer {
        if params.get("inline_message_id").is_some() {
            return Ok((json!(true), vec![]));
        }
        let chat_id = chat_id_param(params)?;
        let message_id = message_id_param(params)?;
        let Some(stored) = self.chats.get_mut(&chat_id).and_then(|chat| chat.messages.get_mut(&message_id)) else {
            return Err(ApiFailure::bad_request("Bad Request: message to edit not found"));
        };
        if stored.json.pointer("/from/id").and_then(Value::as_i64) != Some(BOT_ID) {
            return Err(ApiFailure::bad_request("Bad Request: message can't be edited"));
        }
        let mut edited = stored.json.clone();
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
                copy_param(params, "entities", object);
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
        let without_edit_date = |m: &Value| {
            let mut m = m.clone();
            if let Some(o) = m.as_object_mut() {
                o.remove("edit_date");
            }
            m
        };
        if without_edit_date(&edited) == without_edit_date(&stored.json) {
            return Err(ApiFailure::bad_request(NOT_MODIFIED));
        }
        edited["edit_date"] = json!(now_unix());
        stored.json = edited.clone();
        if method == "editmessagetext" {
            stored.parse_mode = str_param(params, "parse_mode").map(str::to_owned);
        }
        self.emit_message(chat_id, message_id, Change::Edited, at);
        Ok((edited, vec![]))
    }
}

fn commands_json(commands: &[Command]) -> Value {
    commands.iter().map(|c| json!({"command": c.command, "description": c.description})).collect()
}

fn chat_id_param(params: &Value) -> Result<i64, ApiFailure> {
    params.get("chat_id").and_then(value_as_i64).ok_or_else(|| ApiFailure::bad_request("Bad Request: chat not found"))
}

fn message_id_param(params: &Value) -> Result<i32, ApiFailure> {
    params
        .get("message_id")
        .and_then(value_as_i64)
        .and_then(|id| i32::try_from(id).ok())
        .ok_or_else(|| ApiFailure::bad_request("Bad Request: message identifier is not specified"))
}

fn str_param<'a>(params: &'a Value, key: &str) -> Option<&'a str> {
    params.get(key).and_then(Value::as_str)
}

fn copy_param(params: &Value, key: &str, content: &mut Map<String, Value>) {
    if let Some(value) = params.get(key) {
        content.insert(key.to_owned(), value.clone());
    }
}

fn copy_caption(params: &Value, content: &mut Map<String, Value>) {
    if str_param(params, "caption").is_some_and(|c| !c.is_empty()) {
        copy_param(params, "caption", content);
        copy_param(params, "caption_entities", content);
    }
}

fn media_json(kind: &str, file_id: &str, file_name: Option<String>, size: usize, params: &Value) -> Value {
    let number = |key: &str, default: u64| params.get(key).and_then(Value::as_u64).unwrap_or(default);
    match kind {
        "photo" => photo_sizes(file_id, size),
        "voice" => json!({
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": size,
            "duration": number("duration", 1),
            "mime_type": "audio/ogg",
        }),
        "video" => json!({
            "file_id": file_id,
            "file_unique_id": unique_id(file_id),
            "file_size": size,
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
            "file_size": size,
            "file_name": file_name.unwrap_or_else(|| "document".to_owned()),
        }),
    }
}

fn message_id_of(message: &Value) -> i32 {
    message
        .get("message_id")
        .and_then(Value::as_i64)
        .and_then(|id| i32::try_from(id).ok())
        .expect("a message built by the emulator has an id")
}
