//! The emulator's side that people see: chats as the Telegram app shows
//! them, button presses, the command menu per scope and language, events
//! for watchers, webhook delivery and blocked chats.

use std::sync::Arc;
use std::time::Duration;

use axum::http::HeaderMap;
use teloxide::net::Download;
use teloxide::prelude::*;
use teloxide::types::{
    BotCommand, BotCommandScope, ButtonRequest, InlineKeyboardButton, InlineKeyboardMarkup, InputFile, KeyboardButton,
    KeyboardMarkup, KeyboardRemove, MessageId, Recipient, UpdateKind,
};
use teloxide::{ApiError, RequestError};
use tokio::sync::mpsc;

use community_desk::emulator::{
    Change, ChatMessage, Command, CommandScope, Emulator, EmulatorError, Event, MediaKind, Options, SECRET_HEADER, User,
};

const WAIT: Duration = Duration::from_secs(5);

fn bot_for(emulator: &Emulator) -> Bot {
    Bot::new("123:TEST").set_api_url(emulator.api_url())
}

fn carol() -> User {
    User::new(77, "Carol").with_language("en")
}

/// The next message event, skipping other events.
async fn next_message(events: &mut tokio::sync::broadcast::Receiver<Event>) -> (i64, Change, Arc<ChatMessage>) {
    loop {
        match tokio::time::timeout(WAIT, events.recv()).await.expect("an event in time").expect("the emulator runs") {
            Event::Message { chat, change, message, .. } => return (chat, change, message),
            _ => continue,
        }
    }
}

#[tokio::test]
async fn a_chat_shows_both_sides_with_keyboards_and_edits_in_place_and_streams_each_change() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let mut events = emulator.subscribe();
    let carol = carol();
    emulator.add_user(carol.clone());
    let bot = bot_for(&emulator);

    let asked = emulator.send_text(&carol, "/start");
    let (chat, change, own) = next_message(&mut events).await;
    assert_eq!((chat, change, own.id, own.from_bot), (77, Change::New, asked, false));
    assert_eq!(own.text.as_deref(), Some("/start"));
    assert_eq!(own.entities[0].kind, "bot_command");

    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Accept", "c:acc:1")]]);
    let sent = bot.send_message(ChatId(77), "A new request").reply_markup(keyboard).await.unwrap();
    assert_eq!(sent.id.0, asked + 1, "one sequence of ids per chat, whoever writes");
    assert_eq!(sent.chat.first_name(), Some("Carol"), "the chat carries the added user's name");
    let (_, change, card) = next_message(&mut events).await;
    assert_eq!(change, Change::New);
    assert_eq!(card.keyboard[0][0].callback_data.as_deref(), Some("c:acc:1"));

    bot.edit_message_text(ChatId(77), sent.id, "Accepted by Dan").await.unwrap();
    let (_, change, edited) = next_message(&mut events).await;
    assert_eq!((change, edited.id, edited.edited), (Change::Edited, sent.id.0, true));
    assert!(edited.keyboard.is_empty(), "an edit without a keyboard drops it");

    let shown: Vec<_> = emulator.messages(77).into_iter().map(|m| (m.from_bot, m.text.unwrap_or_default())).collect();
    assert_eq!(shown, [(false, "/start".to_owned()), (true, "Accepted by Dan".to_owned())]);
}

#[tokio::test]
async fn pressing_a_button_offers_the_bot_the_message_and_shows_its_answer_in_the_chat() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let carol = carol();
    let bot = bot_for(&emulator);
    let keyboard = InlineKeyboardMarkup::new(vec![vec![InlineKeyboardButton::callback("Yes", "q:yes")]]);
    let sent = bot.send_message(ChatId(77), "Fixed?").reply_markup(keyboard).await.unwrap();

    assert_eq!(
        emulator.press(&carol, sent.id.0, "q:no"),
        Err(EmulatorError::NoSuchButton { chat: 77, message_id: sent.id.0 })
    );
    assert_eq!(emulator.press(&carol, 999, "q:yes"), Err(EmulatorError::UnknownMessage { chat: 77, message_id: 999 }));
    let mut events = emulator.subscribe();
    let query_id = emulator.press(&carol, sent.id.0, "q:yes").expect("the button exists");

    let updates = bot.get_updates().await.unwrap();
    let UpdateKind::CallbackQuery(query) = &updates[0].kind else { panic!("a press, got {:?}", updates[0].kind) };
    assert_eq!(query.data.as_deref(), Some("q:yes"));
    assert_eq!(query.regular_message().and_then(|m| m.text()), Some("Fixed?"));

    bot.answer_callback_query(query.id.clone()).text("Thanks").await.unwrap();
    let answered = tokio::time::timeout(WAIT, events.recv()).await.unwrap().unwrap();
    let Event::CallbackAnswered { chat, query_id: answered_id, text, show_alert, .. } = answered else {
        panic!("the answer, got {answered:?}");
    };
    assert_eq!((chat, answered_id, text.as_deref(), show_alert), (Some(77), query_id, Some("Thanks"), false));
}

#[tokio::test]
async fn files_travel_both_ways_with_their_bytes() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let carol = carol();
    let bot = bot_for(&emulator);

    let id = emulator.send_photo(&carol, b"\xff\xd8 leak".to_vec(), Some("leak"));
    let updates = bot.get_updates().await.unwrap();
    let UpdateKind::Message(message) = &updates[0].kind else { panic!("a message") };
    let largest = message.photo().and_then(|sizes| sizes.last()).expect("a photo");
    let file = bot.get_file(largest.file.id.clone()).await.unwrap();
    let mut downloaded = Vec::new();
    bot.download_file(&file.path, &mut downloaded).await.unwrap();
    assert_eq!(downloaded, b"\xff\xd8 leak");
    assert_eq!(emulator.message(77, id).and_then(|m| m.text), Some("leak".to_owned()));

    emulator.send_document(&carol, b"code,name\n".to_vec(), "units.csv", "text/csv");
    let updates = bot.get_updates().offset(updates[0].id.as_offset()).await.unwrap();
    let UpdateKind::Message(message) = &updates[0].kind else { panic!("a message") };
    assert_eq!(message.document().and_then(|d| d.file_name.as_deref()), Some("units.csv"));

    let sent =
        bot.send_document(ChatId(77), InputFile::memory(b"a,b\n".to_vec()).file_name("export.csv")).await.unwrap();
    let media = emulator.message(77, sent.id.0).and_then(|m| m.media).expect("the document is shown");
    assert_eq!(media.kind, MediaKind::Document);
    assert_eq!(media.file_name.as_deref(), Some("export.csv"));
    assert_eq!(media.bytes.as_deref(), Some(b"a,b\n".as_slice()));
}

#[tokio::test]
async fn the_share_phone_keyboard_shows_until_used_or_removed() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let carol = carol();
    let bot = bot_for(&emulator);
    let share = KeyboardMarkup::new(vec![vec![KeyboardButton::new("Share").request(ButtonRequest::Contact)]]);
    bot.send_message(ChatId(77), "Your number?").reply_markup(share.clone().one_time_keyboard()).await.unwrap();
    let shown = emulator.reply_keyboard(77).expect("the keyboard shows");
    assert!(shown[0][0].request_contact);
    emulator.share_contact(&carol, "+8613800000000");
    assert_eq!(emulator.reply_keyboard(77), None, "a one-time keyboard goes once used");
    assert_eq!(emulator.messages(77).last().and_then(|m| m.contact_phone.clone()).as_deref(), Some("+8613800000000"));

    bot.send_message(ChatId(77), "Again?").reply_markup(share).await.unwrap();
    assert!(emulator.reply_keyboard(77).is_some());
    bot.send_message(ChatId(77), "Done").reply_markup(KeyboardRemove::new()).await.unwrap();
    assert_eq!(emulator.reply_keyboard(77), None);
}

#[tokio::test]
async fn the_menu_is_the_most_specific_scope_and_language_set() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let everyone_en = vec![BotCommand::new("help", "Help")];
    let everyone_zh = vec![BotCommand::new("help", "帮助")];
    let staff = vec![BotCommand::new("tasks", "My tasks")];
    bot.set_my_commands(everyone_en).scope(BotCommandScope::AllPrivateChats).await.unwrap();
    bot.set_my_commands(everyone_zh).scope(BotCommandScope::AllPrivateChats).language_code("zh").await.unwrap();
    let chat = BotCommandScope::Chat { chat_id: Recipient::Id(ChatId(5)) };
    bot.set_my_commands(staff).scope(chat).await.unwrap();

    let names = |commands: Vec<Command>| commands.into_iter().map(|c| c.description).collect::<Vec<_>>();
    assert_eq!(names(emulator.menu(77, Some("en"))), ["Help"]);
    assert_eq!(names(emulator.menu(77, Some("zh"))), ["帮助"]);
    assert_eq!(names(emulator.menu(5, Some("zh"))), ["My tasks"], "a chat's own menu comes first");
    assert_eq!(names(emulator.commands(&CommandScope::AllPrivateChats, Some("zh"))), ["帮助"]);
    assert!(emulator.commands(&CommandScope::Default, None).is_empty());
}

#[tokio::test]
async fn with_a_webhook_set_updates_are_posted_with_the_secret_and_polling_is_refused() {
    let (tx, mut rx) = mpsc::unbounded_channel::<(Option<String>, String)>();
    let receiver = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |headers: HeaderMap, body: String| {
            let secret = headers.get(SECRET_HEADER).and_then(|v| v.to_str().ok()).map(str::to_owned);
            tx.send((secret, body)).expect("the test listens");
            async { "" }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, receiver).await });

    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    bot.set_webhook(url.parse().unwrap()).secret_token("s3cret".to_owned()).await.unwrap();
    emulator.send_text(&carol(), "hello");
    let (secret, body) = tokio::time::timeout(WAIT, rx.recv()).await.unwrap().unwrap();
    assert_eq!(secret.as_deref(), Some("s3cret"));
    assert!(body.contains("\"hello\""), "the update is posted: {body}");

    let polled = bot.get_updates().await;
    assert!(matches!(polled, Err(RequestError::Api(_))), "polling during a webhook, got {polled:?}");
    bot.delete_webhook().await.unwrap();
    emulator.send_text(&carol(), "polled again");
    assert_eq!(bot.get_updates().await.unwrap().len(), 1, "after deleteWebhook updates are polled");
}

#[tokio::test]
async fn a_blocked_chat_refuses_every_message_until_unblocked() {
    let emulator = Emulator::start().await.expect("start the emulator");
    let bot = bot_for(&emulator);
    emulator.set_blocked(77, true);
    let refused = bot.send_message(ChatId(77), "hi").await;
    assert!(matches!(refused, Err(RequestError::Api(ApiError::BotBlocked))), "got {refused:?}");
    bot.send_message(ChatId(78), "hi").await.expect("other chats are served");
    emulator.set_blocked(77, false);
    let sent = bot.send_message(ChatId(77), "hi again").await.expect("unblocked");
    assert_eq!(sent.id, MessageId(1), "a refused message takes no id");
}

#[tokio::test]
async fn a_bounded_history_forgets_the_oldest_messages_of_a_chat() {
    let options = Options { history: 2, ..Options::default() };
    let emulator = Emulator::start_with(options).await.expect("start the emulator");
    let bot = bot_for(&emulator);
    let first = bot.send_message(ChatId(77), "one").await.unwrap();
    bot.send_message(ChatId(77), "two").await.unwrap();
    bot.send_message(ChatId(77), "three").await.unwrap();
    let kept: Vec<_> = emulator.messages(77).into_iter().filter_map(|m| m.text).collect();
    assert_eq!(kept, ["two", "three"]);
    let edit = bot.edit_message_text(ChatId(77), first.id, "one again").await;
    assert!(matches!(edit, Err(RequestError::Api(ApiError::MessageToEditNotFound))), "got {edit:?}");
}
