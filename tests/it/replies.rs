//! Typing instead of pressing Reply: what someone types while no dialogue
//! step waits for an answer goes to the conversation it belongs to, or they
//! are asked which one, or told what they can do — never dropped.

use crate::support::db::TestDb;
use crate::support::desk::{Desk, WAIT, liaison_binds, liaison_of, resident_registers};
use crate::workflow::report;
use community_desk::emulator::{User, photo_message, text_message};

async fn a_typed_answer_goes_to_the_one_conversation_in_progress_either_way(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    let at = report(&desk, &resident, "The kitchen pipe leaks").await;
    let at = desk.press(at, &liaison, "r:1:a").await;
    desk.expect_text(at, &resident, "has been accepted").await;

    // The liaison holds one accepted request: typing writes to its resident.
    let at = desk.push(text_message(&liaison, "Coming tomorrow"));
    desk.expect_text(at, &resident, "#1001 · building liaison:\nComing tomorrow").await;
    desk.expect_text(at, &liaison, "已转达给 #1001 的居民").await;

    // The resident answers by typing, without pressing Reply.
    let at = desk.push(text_message(&resident, "Thanks, tomorrow is fine"));
    desk.expect_text(at, &liaison, "#1001 · 居民：\nThanks, tomorrow is fine").await;
    desk.expect_text(at, &resident, "Passed to the building liaison of #1001").await;

    // A photo sent the same way follows the same path.
    let at = desk.push(photo_message(&resident, "photo-of-the-leak", None));
    desk.telegram
        .wait_for_after(at, "the photo passed on", WAIT, |c| {
            c.is("sendPhoto")
                && c.chat_id() == Some(liaison.id)
                && c.param("photo").is_some_and(|p| p == "photo-of-the-leak")
        })
        .await;
}

async fn with_several_conversations_the_bot_asks_which_and_keeps_the_text_until_then(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    report(&desk, &resident, "The kitchen pipe leaks").await;
    let at = report(&desk, &resident, "The stairwell light is out").await;
    let at = desk.press(at, &liaison, "r:2:a").await;
    desk.expect_text(at, &resident, "#1002 has been accepted").await;
    let at = desk.press(0, &liaison, "r:1:a").await;
    desk.expect_text(at, &resident, "#1001 has been accepted").await;

    // The liaison holds two: the text waits while they choose.
    let at = desk.push(text_message(&liaison, "On my way"));
    let (question, _) = desk.expect_button(at, &liaison, "r:1:w").await;
    assert!(
        question.callback_data_buttons().iter().any(|(_, d)| d == "r:2:w"),
        "both requests offered: {:?}",
        question.callback_data_buttons()
    );
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:2:w", question.message_id_sent().unwrap()));
    desk.expect_text(at, &resident, "#1002 · building liaison:\nOn my way").await;
    desk.expect_text(at, &liaison, "已转达给 #1002 的居民").await;

    // Only #1002's liaison wrote to the resident: their typed answer goes there.
    let at = desk.push(text_message(&resident, "See you soon"));
    desk.expect_text(at, &liaison, "#1002 · 居民：\nSee you soon").await;
    desk.expect_text(at, &resident, "Passed to the building liaison of #1002").await;
}

async fn with_no_conversation_in_progress_the_sender_is_told_what_they_can_do(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    // An open request nobody wrote about is no conversation.
    report(&desk, &resident, "The kitchen pipe leaks").await;
    let at = desk.push(text_message(&resident, "Hello?"));
    let answer = desk.expect_text(at, &resident, "not passed on to anyone").await;
    assert!(answer.text().unwrap().contains("/my"), "{:?}", answer.text());
    let relayed =
        desk.telegram.calls_to("sendMessage").into_iter().any(|c| c.text().is_some_and(|t| t.contains("Hello?")));
    assert!(!relayed, "nothing was passed on");
}

use crate::support::on_both_backends;

on_both_backends!(
    a_typed_answer_goes_to_the_one_conversation_in_progress_either_way,
    with_several_conversations_the_bot_asks_which_and_keeps_the_text_until_then,
    with_no_conversation_in_progress_the_sender_is_told_what_they_can_do,
);
