//! Proves that the Bot API emulator speaks Telegram well enough for teloxide,
//! and that the other support helpers work, so that a failing end-to-end test
//! points at the bot rather than at its test harness.

use std::time::{Duration, Instant};

use serde_json::{Value, json};
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, CallbackQueryId, FileId, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, InputMedia,
    InputMediaPhoto, KeyboardButton, KeyboardMarkup, MaybeInaccessibleMessage, MediaKind, MessageEntityKind, MessageId,
    MessageKind, Seconds, Update, UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::db::TestDb;
use community_desk::emulator::{
    BOT_ID, BOT_USERNAME, Emulator, Fault, User, callback_query, contact_message, document_message, location_message,
    photo_message, sticker_message, text_message, voice_message,
};

const WAIT: Duration = Duration::from_secs(5);

fn bot_for(emulator: &Emulator) -> Bot {
    Bot::new("123:TEST").set_api_url(emulator.api_url())
}

fn alice() -> User {
    User::new(42, "Alice").with_language("en")
}

/// Pushes one update and reads it back through teloxide's `getUpdates`,
/// confirming every update pushed before it.
async fn round_trip(emulator: &Emulator, update: Value) -> Update {
    let id = emulator.push_update(update);
    let mut updates = bot_for(emulator).get_updates().offset(id as i32).await.expect("getUpdates succeeds");
    assert_eq!(updates.len(), 1, "exactly the pushed update comes back");
    updates.remove(0)
}

fn message_of(update: Update) -> Message {
    match update.kind {
        UpdateKind::Message(message) => message,
        other => panic!("expected a message update, got {other:?}"),
    }
}

fn media_of(message: &Message) -> &MediaKind {
    match &message.kind {
        MessageKind::Common(common) => &common.media_kind,
        other => panic!("expected a common message, got {other:?}"),
    }
}

#[tokio::test]
async fn the_emulator_introduces_itself_as_the_test_bot() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let me = bot_for(&emulator).get_me().await.expect("getMe succeeds");
    assert_eq!(me.id.0 as i64, BOT_ID);
    assert_eq!(me.username(), BOT_USERNAME);
    assert!(me.is_bot);
    assert_eq!(emulator.calls_to("getMe").len(), 1);
}

#[tokio::test]
async fn a_sent_message_with_an_inline_keyboard_is_recorded_and_echoed() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let keyboard = InlineKeyboardMarkup::new(vec![vec![
        InlineKeyboardButton::callback("Yes", "answer:yes"),
        InlineKeyboardButton::callback("No", "answer:no"),
    ]]);
    let sent = bot_for(&emulator)
        .send_message(ChatId(42), "Is the boiler fixed?")
        .reply_markup(keyboard.clone())
        .await
        .expect("sendMessage succeeds");
    assert_eq!(sent.text(), Some("Is the boiler fixed?"));
    assert_eq!(sent.chat.id, ChatId(42));
    assert_eq!(sent.from.as_ref().map(|u| u.id.0 as i64), Some(BOT_ID));
    assert_eq!(sent.reply_markup(), Some(&keyboard));

    let call = emulator.wait_for("the question", WAIT, |c| c.is("sendMessage")).await;
    assert_eq!(call.chat_id(), Some(42));
    assert_eq!(call.text(), Some("Is the boiler fixed?"));
    assert_eq!(
        call.callback_data_buttons(),
        vec![("Yes".to_owned(), "answer:yes".to_owned()), ("No".to_owned(), "answer:no".to_owned())]
    );
    assert_eq!(call.message_id_sent(), Some(sent.id.0));
    assert!(!call.faulted);
}

#[tokio::test]
async fn message_ids_increase_within_a_chat_and_start_over_in_another() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let first = bot.send_message(ChatId(1), "a").await.unwrap();
    let second = bot.send_message(ChatId(1), "b").await.unwrap();
    let elsewhere = bot.send_message(ChatId(2), "c").await.unwrap();
    assert_eq!(second.id.0, first.id.0 + 1);
    assert_eq!(elsewhere.id.0, first.id.0);
}

#[tokio::test]
async fn a_reply_keyboard_is_recorded_but_not_echoed_in_the_message() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let keyboard = KeyboardMarkup::new(vec![vec![
        KeyboardButton::new("Share my phone number").request(teloxide::types::ButtonRequest::Contact),
    ]])
    .one_time_keyboard();
    let sent = bot_for(&emulator)
        .send_message(ChatId(42), "Please share your number")
        .reply_markup(keyboard)
        .await
        .expect("sendMessage with a reply keyboard succeeds");
    assert_eq!(sent.reply_markup(), None);
    let call = emulator.wait_for("the prompt", WAIT, |c| c.is("sendMessage")).await;
    assert_eq!(call.reply_keyboard_buttons(), vec![json!({"text": "Share my phone number", "request_contact": true})]);
}

#[tokio::test]
async fn a_photo_sent_by_file_id_goes_as_multipart_and_comes_back_as_a_photo() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let sent = bot_for(&emulator)
        .send_photo(ChatId(42), InputFile::file_id(FileId::from("photo-abc".to_owned())))
        .caption("The leak")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Take", "take:1")]]))
        .await
        .expect("sendPhoto succeeds");
    let sizes = sent.photo().expect("the message is a photo");
    assert_eq!(sizes.last().unwrap().file.id.0, "photo-abc");
    assert_eq!(sent.caption(), Some("The leak"));

    let call = emulator.wait_for("the photo", WAIT, |c| c.is("sendPhoto")).await;
    assert_eq!(call.chat_id(), Some(42));
    assert_eq!(call.param("photo"), Some(&json!("photo-abc")));
    assert_eq!(call.text(), Some("The leak"));
    assert_eq!(call.callback_data_buttons(), vec![("Take".to_owned(), "take:1".to_owned())]);
    assert!(call.files.is_empty(), "a file id is not an upload");
}

#[tokio::test]
async fn an_uploaded_photo_can_be_fetched_and_downloaded_again() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let bytes = b"\xff\xd8 not really a jpeg".to_vec();
    let sent = bot
        .send_photo(ChatId(42), InputFile::memory(bytes.clone()).file_name("leak.jpg"))
        .await
        .expect("uploading a photo succeeds");
    let call = emulator.wait_for("the upload", WAIT, |c| c.is("sendPhoto")).await;
    assert_eq!(call.files.len(), 1);
    assert_eq!(call.files[0].bytes, bytes);
    assert_eq!(call.files[0].file_name.as_deref(), Some("leak.jpg"));

    let file_id = sent.photo().unwrap().last().unwrap().file.id.clone();
    let file = bot.get_file(file_id).await.expect("getFile succeeds");
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.expect("the download succeeds");
    assert_eq!(downloaded, bytes);
}

#[tokio::test]
async fn a_registered_file_is_served_through_get_file() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.add_file("voice-1", b"OggS...".to_vec());
    let bot = bot_for(&emulator);
    let file = bot.get_file(FileId::from("voice-1".to_owned())).await.expect("getFile succeeds");
    assert_eq!(file.meta.size, 7);
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.unwrap();
    assert_eq!(downloaded, b"OggS...");

    let unknown = bot.get_file(FileId::from("nope".to_owned())).await;
    assert!(matches!(unknown, Err(RequestError::Api(ApiError::FileIdInvalid))), "got {unknown:?}");
}

#[tokio::test]
async fn voice_video_document_and_location_messages_come_back_with_their_content() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let voice = bot
        .send_voice(ChatId(42), InputFile::file_id(FileId::from("voice-1".to_owned())))
        .caption("listen")
        .await
        .expect("sendVoice succeeds");
    assert_eq!(voice.voice().unwrap().file.id.0, "voice-1");
    assert_eq!(voice.caption(), Some("listen"));

    let video = bot
        .send_video(ChatId(42), InputFile::file_id(FileId::from("video-1".to_owned())))
        .await
        .expect("sendVideo succeeds");
    assert_eq!(video.video().unwrap().file.id.0, "video-1");

    let document = bot
        .send_document(ChatId(42), InputFile::memory(b"a,b\n".to_vec()).file_name("units.csv"))
        .await
        .expect("sendDocument succeeds");
    assert_eq!(document.document().unwrap().file_name.as_deref(), Some("units.csv"));

    let location = bot.send_location(ChatId(42), 50.45, 30.52).await.expect("sendLocation succeeds");
    let point = location.location().unwrap();
    assert_eq!((point.latitude, point.longitude), (50.45, 30.52));

    let methods: Vec<String> = emulator.calls().into_iter().map(|c| c.method).collect();
    assert_eq!(methods, ["sendVoice", "sendVideo", "sendDocument", "sendLocation"]);
}

#[tokio::test]
async fn a_media_group_returns_one_message_per_item() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let media = ["p-1", "p-2"]
        .map(|id| InputMedia::Photo(InputMediaPhoto::new(InputFile::file_id(FileId::from(id.to_owned())))));
    let sent = bot_for(&emulator).send_media_group(ChatId(42), media).await.expect("sendMediaGroup succeeds");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].photo().unwrap().last().unwrap().file.id.0, "p-2");
    assert!(sent[0].media_group_id().is_some());
    let call = emulator.wait_for("the album", WAIT, |c| c.is("sendMediaGroup")).await;
    assert_eq!(call.message_ids_sent(), [sent[0].id.0, sent[1].id.0]);
}

#[tokio::test]
async fn editing_a_message_returns_it_edited_and_refuses_no_op_and_unknown_edits() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let sent = bot
        .send_message(ChatId(42), "Pending")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Close", "close")]]))
        .await
        .unwrap();

    let edited = bot.edit_message_text(ChatId(42), sent.id, "Closed").await.expect("editMessageText succeeds");
    assert_eq!(edited.id, sent.id);
    assert_eq!(edited.text(), Some("Closed"));
    assert_eq!(edited.reply_markup(), None, "an edit without a keyboard drops it");
    assert!(edited.edit_date().is_some());

    let again = bot.edit_message_text(ChatId(42), sent.id, "Closed").await;
    assert!(matches!(again, Err(RequestError::Api(ApiError::MessageNotModified))), "got {again:?}");
    let missing = bot.edit_message_text(ChatId(42), MessageId(999), "x").await;
    assert!(matches!(missing, Err(RequestError::Api(ApiError::MessageToEditNotFound))), "got {missing:?}");

    let marked = bot
        .edit_message_reply_markup(ChatId(42), sent.id)
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Reopen", "reopen")]]))
        .await
        .expect("editMessageReplyMarkup succeeds");
    assert_eq!(marked.text(), Some("Closed"));
    assert!(marked.reply_markup().is_some());

    let photo =
        bot.send_photo(ChatId(42), InputFile::file_id(FileId::from("ph".to_owned()))).caption("old").await.unwrap();
    let recaptioned =
        bot.edit_message_caption(ChatId(42), photo.id).caption("new").await.expect("editMessageCaption succeeds");
    assert_eq!(recaptioned.caption(), Some("new"));

    let edit = emulator.wait_for("the text edit", WAIT, |c| c.is("editMessageText")).await;
    assert_eq!(edit.target_message_id(), Some(sent.id.0));
    assert_eq!(edit.text(), Some("Closed"));
}

#[tokio::test]
async fn housekeeping_methods_answer_true() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    bot.answer_callback_query(CallbackQueryId("cbq-1".to_owned()))
        .text("Done")
        .await
        .expect("answerCallbackQuery succeeds");
    bot.set_my_commands(vec![BotCommand::new("start", "Start over")]).await.expect("setMyCommands succeeds");
    let commands = bot.get_my_commands().await.expect("getMyCommands succeeds");
    assert_eq!(commands[0].command, "start");
    bot.delete_my_commands().await.expect("deleteMyCommands succeeds");
    bot.delete_webhook().await.expect("deleteWebhook succeeds");
    let info = bot.get_webhook_info().await.expect("getWebhookInfo succeeds");
    assert_eq!(info.url, None);

    let answer = emulator.wait_for("the callback answer", WAIT, |c| c.is("answerCallbackQuery")).await;
    assert_eq!(answer.param("callback_query_id"), Some(&json!("cbq-1")));
    assert_eq!(answer.text(), Some("Done"));
}

#[tokio::test]
async fn an_unknown_method_is_answered_not_found_and_recorded() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let result = bot_for(&emulator).send_dice(ChatId(42)).await;
    assert!(
        matches!(&result, Err(RequestError::Api(ApiError::Unknown(d))) if d == "Not Found: method not found"),
        "got {result:?}"
    );
    assert_eq!(emulator.calls_to("sendDice").len(), 1);
}

#[tokio::test]
async fn a_pushed_text_message_arrives_through_get_updates() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let message = message_of(round_trip(&emulator, text_message(&alice(), "hello")).await);
    assert_eq!(message.text(), Some("hello"));
    assert_eq!(message.chat.id, ChatId(42));
    let from = message.from.expect("a sender");
    assert_eq!(from.first_name, "Alice");
    assert_eq!(from.language_code.as_deref(), Some("en"));
}

#[tokio::test]
async fn a_pushed_command_carries_a_bot_command_entity() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let message = message_of(round_trip(&emulator, text_message(&alice(), "/start ref-1")).await);
    let entities = message.entities().expect("entities");
    assert_eq!(entities.len(), 1);
    assert_eq!(entities[0].kind, MessageEntityKind::BotCommand);
    assert_eq!((entities[0].offset, entities[0].length), (0, 6));
}

#[tokio::test]
async fn a_pushed_contact_says_whose_number_it_is() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let own = message_of(round_trip(&emulator, contact_message(&alice(), "+380501234567", true)).await);
    let contact = own.contact().expect("a contact");
    assert_eq!(contact.phone_number, "+380501234567");
    assert_eq!(contact.user_id.map(|id| id.0), Some(42));

    let other = message_of(round_trip(&emulator, contact_message(&alice(), "+380500000000", false)).await);
    assert_ne!(other.contact().unwrap().user_id.map(|id| id.0), Some(42));
}

#[tokio::test]
async fn pushed_media_messages_deserialise_into_their_media_kinds() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let user = alice();

    let photo = message_of(round_trip(&emulator, photo_message(&user, "ph-1", Some("leak"))).await);
    assert!(matches!(media_of(&photo), MediaKind::Photo(_)));
    assert_eq!(photo.photo().unwrap().last().unwrap().file.id.0, "ph-1");
    assert_eq!(photo.caption(), Some("leak"));

    let voice = message_of(round_trip(&emulator, voice_message(&user, "vo-1", 3)).await);
    assert!(matches!(media_of(&voice), MediaKind::Voice(_)));
    assert_eq!(voice.voice().unwrap().duration, Seconds::from_seconds(3));

    let document =
        message_of(round_trip(&emulator, document_message(&user, "doc-1", "act.pdf", "application/pdf")).await);
    assert!(matches!(media_of(&document), MediaKind::Document(_)));
    assert_eq!(document.document().unwrap().file_name.as_deref(), Some("act.pdf"));

    let location = message_of(round_trip(&emulator, location_message(&user, 50.4, 30.5)).await);
    assert!(matches!(media_of(&location), MediaKind::Location(_)));

    let sticker = message_of(round_trip(&emulator, sticker_message(&user)).await);
    assert!(matches!(media_of(&sticker), MediaKind::Sticker(_)));
}

#[tokio::test]
async fn a_pushed_callback_query_carries_the_message_the_bot_sent() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let sent = bot
        .send_message(ChatId(42), "Choose")
        .reply_markup(InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("A", "pick:a")]]))
        .await
        .unwrap();

    let plain = round_trip(&emulator, callback_query(&alice(), "pick:a", sent.id.0)).await;
    let UpdateKind::CallbackQuery(query) = plain.kind else {
        panic!("expected a callback query, got {:?}", plain.kind);
    };
    assert_eq!(query.data.as_deref(), Some("pick:a"));
    assert_eq!(query.from.id.0, 42);

    let faithful = round_trip(&emulator, emulator.callback_on(&alice(), "pick:a", sent.id.0)).await;
    let UpdateKind::CallbackQuery(query) = faithful.kind else {
        panic!("expected a callback query, got {:?}", faithful.kind);
    };
    let Some(MaybeInaccessibleMessage::Regular(message)) = query.message else {
        panic!("expected the regular bot message");
    };
    assert_eq!(message.id, sent.id);
    assert_eq!(message.text(), Some("Choose"));
    assert!(message.reply_markup().is_some());
}

#[tokio::test]
async fn get_updates_honours_offset_and_limit() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let first = emulator.push_update(text_message(&alice(), "one"));
    let second = emulator.push_update(text_message(&alice(), "two"));
    assert_eq!(second, first + 1);

    let limited = bot.get_updates().limit(1).await.unwrap();
    assert_eq!(limited.len(), 1);
    assert_eq!(emulator.pending_updates(), 2, "reading does not confirm");

    let rest = bot.get_updates().offset(first as i32 + 1).await.unwrap();
    assert_eq!(rest.len(), 1);
    assert_eq!(rest[0].id.0 as i64, second);
    assert_eq!(emulator.pending_updates(), 1);

    bot.get_updates().offset(second as i32 + 1).await.unwrap();
    assert_eq!(emulator.pending_updates(), 0);
    emulator.wait_updates_confirmed(WAIT).await;
}

#[tokio::test]
async fn long_polling_returns_as_soon_as_an_update_is_pushed() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let started = Instant::now();
    let poll = tokio::spawn(async move { bot.get_updates().timeout(10).await });
    emulator.wait_for("the long poll", WAIT, |c| c.is("getUpdates")).await;
    emulator.push_update(text_message(&alice(), "wake up"));
    let updates = poll.await.unwrap().expect("getUpdates succeeds");
    assert_eq!(updates.len(), 1);
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn long_polling_without_updates_waits_for_the_timeout() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let started = Instant::now();
    let updates = bot_for(&emulator).get_updates().timeout(1).await.unwrap();
    assert!(updates.is_empty());
    assert!(started.elapsed() >= Duration::from_millis(900));
}

#[tokio::test]
async fn an_injected_429_surfaces_as_retry_after() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.inject("sendMessage", Fault::retry_after(1));
    let bot = bot_for(&emulator);
    let result = bot.send_message(ChatId(42), "hi").await;
    assert!(matches!(result, Err(RequestError::RetryAfter(s)) if s == Seconds::from_seconds(1)), "got {result:?}");
    bot.send_message(ChatId(42), "hi").await.expect("the fault applies once");
    let calls = emulator.calls_to("sendMessage");
    assert!(calls[0].faulted);
    assert!(!calls[1].faulted);
    assert_eq!(calls[0].message_id_sent(), None);
}

#[tokio::test]
async fn an_injected_block_surfaces_as_bot_blocked() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.inject("sendMessage", Fault::blocked_by_user());
    let result = bot_for(&emulator).send_message(ChatId(42), "hi").await;
    assert!(matches!(result, Err(RequestError::Api(ApiError::BotBlocked))), "got {result:?}");
}

#[tokio::test]
async fn faults_apply_in_order_to_their_method_only() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.inject("sendMessage", Fault::blocked_by_user());
    emulator.inject("sendMessage", Fault::retry_after(2));
    let bot = bot_for(&emulator);
    bot.get_me().await.expect("getMe is not faulted");
    let first = bot.send_message(ChatId(42), "a").await;
    let second = bot.send_message(ChatId(42), "b").await;
    let third = bot.send_message(ChatId(42), "c").await;
    assert!(matches!(first, Err(RequestError::Api(ApiError::BotBlocked))));
    assert!(matches!(second, Err(RequestError::RetryAfter(_))));
    assert!(third.is_ok());
}

#[tokio::test]
async fn a_dropped_connection_surfaces_as_a_network_error() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.inject("getMe", Fault::DropConnection);
    let bot = bot_for(&emulator);
    let result = bot.get_me().await;
    assert!(matches!(result, Err(RequestError::Network(_))), "got {result:?}");
    bot.get_me().await.expect("the emulator keeps serving");
    assert!(emulator.calls_to("getMe")[0].faulted);
}

#[tokio::test]
async fn a_delayed_call_is_answered_late_but_normally() {
    let emulator = Emulator::start().await.expect("start the emulator");
    emulator.inject("sendMessage", Fault::Delay(Duration::from_millis(600)));
    let started = Instant::now();
    bot_for(&emulator).send_message(ChatId(42), "slow").await.expect("a delay is not an error");
    assert!(started.elapsed() >= Duration::from_millis(600));
}

#[tokio::test]
async fn form_encoded_and_query_parameters_are_normalised_like_json() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let body = "chat_id=42&text=caf%C3%A9+au+lait&reply_markup=%7B%22inline_keyboard%22%3A%5B%5B%7B%22text%22%3A%22A%22%2C%22callback_data%22%3A%22a%22%7D%5D%5D%7D";
    let response =
        raw_http(&emulator, "POST /bot123:TEST/sendMessage HTTP/1.1", "application/x-www-form-urlencoded", body).await;
    assert!(response.contains("\"ok\":true"), "got {response}");
    let call = emulator.wait_for("the form call", WAIT, |c| c.is("sendMessage")).await;
    assert_eq!(call.chat_id(), Some(42));
    assert_eq!(call.params["chat_id"], json!(42));
    assert_eq!(call.text(), Some("café au lait"));
    assert_eq!(call.callback_data_buttons(), vec![("A".to_owned(), "a".to_owned())]);

    let response = raw_http(&emulator, "GET /bot123:TEST/getMe?x=1 HTTP/1.1", "", "").await;
    assert!(response.contains(BOT_USERNAME), "got {response}");
    let call = emulator.wait_for("the GET call", WAIT, |c| c.is("getMe")).await;
    assert_eq!(call.params, json!({"x": 1}));
}

/// Sends one raw HTTP/1.1 request to the emulator and returns the response.
async fn raw_http(emulator: &Emulator, request_line: &str, content_type: &str, body: &str) -> String {
    let addr = emulator.url().trim_start_matches("http://").trim_end_matches('/').to_owned();
    let mut stream = tokio::net::TcpStream::connect(&addr).await.unwrap();
    let mut request = format!("{request_line}\r\nHost: {addr}\r\nConnection: close\r\n");
    if !content_type.is_empty() {
        request.push_str(&format!("Content-Type: {content_type}\r\n"));
    }
    request.push_str(&format!("Content-Length: {}\r\n\r\n{body}", body.len()));
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).await.unwrap();
    response
}

#[tokio::test]
async fn wait_for_after_only_sees_later_calls() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    bot.send_message(ChatId(42), "old").await.unwrap();
    let mark = emulator.last_seq();
    bot.send_message(ChatId(42), "new").await.unwrap();
    let call = emulator.wait_for_after(mark, "the later message", WAIT, |c| c.is("sendMessage")).await;
    assert_eq!(call.text(), Some("new"));
    let earliest = emulator.wait_for("any message", WAIT, |c| c.is("sendMessage")).await;
    assert_eq!(earliest.text(), Some("old"));
    emulator
        .expect_no_call_after(emulator.last_seq(), "further messages", Duration::from_millis(100), |c| {
            c.is("sendMessage")
        })
        .await;
}

#[tokio::test]
#[should_panic(expected = "waiting for a reply that never comes")]
async fn a_timed_out_wait_names_what_it_waited_for() {
    let emulator = Emulator::start().await.expect("start the emulator");
    bot_for(&emulator).send_message(ChatId(42), "something else").await.unwrap();
    emulator.wait_for("a reply that never comes", Duration::from_millis(200), |c| c.text() == Some("never")).await;
}

#[tokio::test]
async fn a_sqlite_test_database_is_a_fresh_file() {
    let db = TestDb::sqlite();
    assert!(db.url().starts_with("sqlite://") && db.url().ends_with("?mode=rwc"));
    let pool = sqlx::SqlitePool::connect(db.url()).await.expect("connect");
    let (one,): (i64,) = sqlx::query_as("SELECT 1").fetch_one(&pool).await.unwrap();
    assert_eq!(one, 1);
    pool.close().await;
}

#[tokio::test]
async fn a_postgres_test_database_is_created_fresh_and_dropped_afterwards() {
    let Some(db) = TestDb::postgres().await else {
        return;
    };
    let url = db.url().to_owned();
    let name = url.rsplit('/').next().unwrap().to_owned();
    assert!(name.starts_with("cd_test_"));
    let pool = sqlx::PgPool::connect(&url).await.expect("connect to the test database");
    let (tables,): (i64,) =
        sqlx::query_as("SELECT count(*) FROM information_schema.tables WHERE table_schema = 'public'")
            .fetch_one(&pool)
            .await
            .unwrap();
    assert_eq!(tables, 0, "the database starts empty");
    // The pool stays open on purpose: the drop must force it closed.
    drop(db);

    let admin = sqlx::PgPool::connect(&std::env::var("TEST_DATABASE_URL").unwrap()).await.unwrap();
    let (left,): (i64,) = sqlx::query_as("SELECT count(*) FROM pg_database WHERE datname = $1")
        .bind(&name)
        .fetch_one(&admin)
        .await
        .unwrap();
    assert_eq!(left, 0, "the database is dropped");
}

#[tokio::test]
async fn a_teloxide_dispatcher_answers_chat_after_chat_through_long_polling() {
    let options = community_desk::emulator::Options { history: 8, ..Default::default() };
    let emulator = Emulator::start_with(options).await.expect("start the emulator");
    let mut events = emulator.subscribe();
    let bot = bot_for(&emulator);
    let echo = tokio::spawn(teloxide::repl(bot, |bot: Bot, msg: Message| async move {
        if let Some(text) = msg.text() {
            bot.send_message(msg.chat.id, text).await?;
        }
        Ok(())
    }));
    for chat in 1..=3 {
        let user = User::new(chat, "Resident");
        for n in 0..20 {
            let text = format!("hello {n}");
            emulator.push_update(text_message(&user, &text));
            loop {
                let event = tokio::time::timeout(WAIT, events.recv()).await.expect("an answer in time").unwrap();
                if let community_desk::emulator::Event::Message { message, .. } = event
                    && message.from_bot
                {
                    assert_eq!(message.text.as_deref(), Some(text.as_str()));
                    break;
                }
            }
        }
    }
    echo.abort();
}
