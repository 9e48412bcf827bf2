//! An outgoing message as a Bot API call through teloxide.

use teloxide::RequestError;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ButtonRequest, CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup,
    InputFile, KeyboardButton, KeyboardMarkup, KeyboardRemove, MessageId, Recipient, ReplyMarkup,
};

use super::super::outgoing::{Button, Keyboard, Outgoing};
use crate::domain::Attachment;

pub(super) async fn send(bot: &Bot, outgoing: &Outgoing) -> Result<Option<i32>, RequestError> {
    let message = match outgoing.clone() {
        Outgoing::Text { chat, text, keyboard } => {
            let mut request = bot.send_message(ChatId(chat), text);
            if let Some(keyboard) = keyboard {
                request = request.reply_markup(reply_markup(keyboard));
            }
            request.await?
        }
        Outgoing::Attachment { chat, attachment, caption } => {
            let chat = ChatId(chat);
            let file = |id: String| InputFile::file_id(FileId(id));
            let caption = caption.unwrap_or_default();
            match attachment {
                Attachment::Photo { file_id } => bot.send_photo(chat, file(file_id)).caption(caption).await?,
                Attachment::Voice { file_id } => bot.send_voice(chat, file(file_id)).caption(caption).await?,
                Attachment::Video { file_id } => bot.send_video(chat, file(file_id)).caption(caption).await?,
                Attachment::Document { file_id } => bot.send_document(chat, file(file_id)).caption(caption).await?,
                Attachment::Location { latitude, longitude } => bot.send_location(chat, latitude, longitude).await?,
            }
        }
        Outgoing::EditText { chat, message_id, text, buttons } => {
            bot.edit_message_text(ChatId(chat), MessageId(message_id), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::ClearButtons { chat, message_id } => {
            bot.edit_message_reply_markup(ChatId(chat), MessageId(message_id)).await?
        }
        Outgoing::Card { chat, text, buttons, .. } => {
            bot.send_message(ChatId(chat), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::EditCard { .. } | Outgoing::EditProgress { .. } => return Ok(None),
        Outgoing::Image { chat, name, png_base64, caption } => {
            use base64::Engine;
            // An undecodable picture is a bug of ours, not Telegram's; it is
            // sent as an empty file and Telegram refuses it, which fails the job.
            let png = base64::engine::general_purpose::STANDARD.decode(png_base64).unwrap_or_default();
            let mut request = bot.send_photo(ChatId(chat), InputFile::memory(png).file_name(name));
            if let Some(caption) = caption {
                request = request.caption(caption);
            }
            request.await?
        }
        Outgoing::Notice { chat, text, buttons, .. } | Outgoing::Progress { chat, text, buttons, .. } => {
            bot.send_message(ChatId(chat), text).reply_markup(inline(buttons)).await?
        }
        Outgoing::Menu { chat, commands } => {
            let commands = commands.into_iter().map(|(command, description)| BotCommand::new(command, description));
            let scope = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(chat)) };
            bot.set_my_commands(commands).scope(scope).await?;
            return Ok(None);
        }
        Outgoing::File { chat, name, content } => {
            bot.send_document(ChatId(chat), InputFile::memory(content.into_bytes()).file_name(name)).await?
        }
        Outgoing::AnswerCallback { callback_id, text } => {
            let mut request = bot.answer_callback_query(CallbackQueryId(callback_id));
            if let Some(text) = text {
                request = request.text(text);
            }
            request.await?;
            return Ok(None);
        }
    };
    Ok(Some(message.id.0))
}

fn inline(rows: Vec<Vec<Button>>) -> InlineKeyboardMarkup {
    InlineKeyboardMarkup::new(
        rows.into_iter()
            .map(|row| row.into_iter().map(|b| InlineKeyboardButton::callback(b.text, b.data)).collect::<Vec<_>>()),
    )
}

fn reply_markup(keyboard: Keyboard) -> ReplyMarkup {
    match keyboard {
        Keyboard::Inline(rows) => ReplyMarkup::InlineKeyboard(inline(rows)),
        Keyboard::ShareContact { share, skip } => ReplyMarkup::Keyboard(
            KeyboardMarkup::new(vec![
                vec![KeyboardButton::new(share).request(ButtonRequest::Contact)],
                vec![KeyboardButton::new(skip)],
            ])
            .resize_keyboard()
            .one_time_keyboard(),
        ),
        Keyboard::Remove => ReplyMarkup::KeyboardRemove(KeyboardRemove::new()),
    }
}
