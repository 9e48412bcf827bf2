//! What a person does in their chat with the bot: type text or a command,
//! send a photo or a document, share their phone number, press a button.
//! Each action is kept in the chat, as the Telegram app shows the person's
//! own messages, and offered to the bot as an update.

use axum::body::Bytes;
use serde_json::{Value, json};

use super::users::{User, contact_content, document_content, photo_content, text_content, user_message_with_id};
use super::{Emulator, EmulatorError};

impl Emulator {
    /// Makes `user` known, so that the bot's messages to them carry their
    /// name before they write.
    pub fn add_user(&self, user: User) {
        let mut inner = self.shared.lock();
        let chat = inner.chats.entry(user.id).or_default();
        chat.description.get_or_insert_with(|| user.private_chat());
        inner.users.insert(user.id, user);
    }

    /// Makes `user` known as [`Emulator::add_user`] does, with the ids of
    /// their chat's messages continuing after `last_message_id`: the chat
    /// of a bot that ran against another emulator before, whose old message
    /// ids must not name new messages.
    pub fn add_user_after(&self, user: User, last_message_id: i32) {
        let id = user.id;
        self.add_user(user);
        let mut inner = self.shared.lock();
        let chat = inner.chats.entry(id).or_default();
        chat.last_message_id = chat.last_message_id.max(last_message_id);
    }

    /// The user added under `id`.
    pub fn user(&self, id: i64) -> Option<User> {
        self.shared.lock().users.get(&id).cloned()
    }

    /// `user` sends `text` (a leading `/command` is marked as one); returns
    /// the message's id in their chat.
    pub fn send_text(&self, user: &User, text: &str) -> i32 {
        self.send_content(user, text_content(text))
    }

    /// `user` shares their own phone number with the share-phone button.
    pub fn share_contact(&self, user: &User, phone: &str) -> i32 {
        self.send_content(user, contact_content(user, phone, true))
    }

    /// `user` sends a photo with an optional caption.
    pub fn send_photo(&self, user: &User, bytes: impl Into<Bytes>, caption: Option<&str>) -> i32 {
        let bytes = bytes.into();
        let file_id = {
            let mut inner = self.shared.lock();
            let file_id = inner.new_file_id("photo");
            inner.store_file(&file_id, bytes.clone(), None, Some("image/jpeg".to_owned()));
            file_id
        };
        let mut content = photo_content(&file_id, caption);
        content["photo"][1]["file_size"] = json!(bytes.len());
        self.send_content(user, content)
    }

    /// `user` sends a file "as a file", e.g. `units.csv`.
    pub fn send_document(&self, user: &User, bytes: impl Into<Bytes>, file_name: &str, mime_type: &str) -> i32 {
        let bytes = bytes.into();
        let file_id = {
            let mut inner = self.shared.lock();
            let file_id = inner.new_file_id("document");
            let size = bytes.len();
            inner.store_file(&file_id, bytes, Some(file_name.to_owned()), Some(mime_type.to_owned()));
            (file_id, size)
        };
        self.send_content(user, document_content(&file_id.0, file_name, mime_type, file_id.1))
    }

    /// `user` presses the inline button with `data` under the bot's message
    /// `message_id` in their chat; returns the callback query's id.
    pub fn press(&self, user: &User, message_id: i32, data: &str) -> Result<String, EmulatorError> {
        let message =
            self.message(user.id, message_id).ok_or(EmulatorError::UnknownMessage { chat: user.id, message_id })?;
        let has_button = message.keyboard.iter().flatten().any(|b| b.callback_data.as_deref() == Some(data));
        if !message.from_bot || !has_button {
            return Err(EmulatorError::NoSuchButton { chat: user.id, message_id });
        }
        let update = self.callback_on(user, data, message_id);
        let query_id = update["callback_query"]["id"].as_str().unwrap_or_default().to_owned();
        self.push_update(update);
        Ok(query_id)
    }

    /// A callback query update on a message the bot sent, carrying the
    /// message as the bot last left it (text, caption, keyboard). It is not
    /// pushed, so that a caller may forge or replay presses.
    pub fn callback_on(&self, user: &User, data: &str, message_id: i32) -> Value {
        let mut inner = self.shared.lock();
        inner.next_callback += 1;
        let id = format!("press-{}", inner.next_callback);
        let stored = inner.chats.get(&user.id).and_then(|chat| chat.messages.get(&message_id)).map(|m| m.json.clone());
        // The answer to the press is shown in this chat.
        inner.callback_chats.insert(id.clone(), user.id);
        let mut update = super::users::callback_query(user, data, message_id);
        update["callback_query"]["id"] = json!(id);
        if let Some(stored) = stored {
            update["callback_query"]["message"] = stored;
        }
        update
    }

    fn send_content(&self, user: &User, content: Value) -> i32 {
        let id = {
            let mut inner = self.shared.lock();
            inner.users.entry(user.id).or_insert_with(|| user.clone());
            inner.next_message_id(user.id)
        };
        self.push_update(user_message_with_id(user, id, content));
        id
    }
}
