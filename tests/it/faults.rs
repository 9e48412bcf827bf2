//! Telegram misbehaving: flood control, dropped connections, server errors
//! and a responder who blocked the bot. The sender must retry what can be
//! retried, keep one chat's messages in the order they were written, and
//! move a request on when its assignee cannot be reached.

use std::time::Duration;

use crate::support::db::Db;
use crate::support::db::TestDb;
use crate::support::desk::{
    Desk, WAIT, liaison_binds, liaison_of, listed, resident_registers, resident_registers_at, responder_binds,
};
use crate::support::on_both_backends;
use community_desk::emulator::{Call, Fault, User, text_message};

/// How long the emulator's flood control asks the bot to wait.
const RETRY_AFTER_SECS: u32 = 2;

/// teloxide waits 10 seconds after a 5xx answer before it reports the error,
/// and the sender then backs off; the whole recovery must fit in this.
const SERVER_ERROR_RECOVERY: Duration = Duration::from_secs(40);

/// Takes the resident through a report up to its summary and returns the
/// summary message, whose Confirm button the test presses itself.
async fn resident_composes_report(desk: &Desk, resident: &User, description: &str) -> (Call, String) {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, "d:cat:property").await;
    desk.expect_text(at, resident, "describe the problem").await;
    let at = desk.push(text_message(resident, description));
    let at = desk.press(at, resident, "d:desc-done").await;
    let at = desk.press(at, resident, "d:urg:normal").await;
    desk.expect_button(at, resident, "d:ok").await
}

/// Waits for a message to `user` containing `needle` that Telegram took;
/// `Desk::expect_text` also matches attempts the emulator refused.
async fn delivered(desk: &Desk, after: u64, user: &User, needle: &str) -> Call {
    let desc = format!("a message to {} containing {needle:?}, delivered", user.id);
    desk.telegram
        .wait_for_after(after, &desc, WAIT, |c| {
            c.is("sendMessage")
                && !c.faulted
                && c.chat_id() == Some(user.id)
                && c.text().is_some_and(|t| t.contains(needle))
        })
        .await
}

async fn a_rate_limited_reply_arrives_after_the_wait_and_before_the_next_reply(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    let (summary, confirm) = resident_composes_report(&desk, &resident, "The stairwell light is out").await;

    // Confirming sends two messages at once, the "received" reply and the
    // card to the liaison; which of them reaches Telegram first is up to the
    // sender, so both are refused with flood control. The resident then asks
    // for their list, a reply written after "received" in the same chat.
    desk.telegram.inject("sendMessage", Fault::retry_after(RETRY_AFTER_SECS));
    desk.telegram.inject("sendMessage", Fault::retry_after(RETRY_AFTER_SECS));
    let at = desk.push(desk.telegram.callback_on(&resident, &confirm, summary.message_id_sent().unwrap()));
    desk.push(text_message(&resident, "/my"));

    let received = delivered(&desk, at, &resident, "Request #1001 received").await;
    let listing = delivered(&desk, at, &resident, "#1001 · Property management").await;
    desk.expect_button(at, &liaison, "r:").await;
    let refused = desk
        .telegram
        .calls()
        .into_iter()
        .find(|c| c.seq > at && c.faulted && c.chat_id() == Some(resident.id) && c.text() == received.text())
        .expect("the first attempt at the received reply was refused with flood control");
    let waited = received.at.duration_since(refused.at);
    assert!(
        waited >= Duration::from_secs(RETRY_AFTER_SECS.into()) - Duration::from_millis(100),
        "the reply was sent again after {waited:?}, before the {RETRY_AFTER_SECS} s Telegram asked for"
    );
    assert!(
        received.seq < listing.seq,
        "the list (call #{}) overtook the received reply written before it (call #{})",
        listing.seq,
        received.seq
    );
    let delivered = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| !c.faulted && c.chat_id() == Some(resident.id) && c.text() == received.text())
        .count();
    assert_eq!(delivered, 1, "the received reply was delivered {delivered} times");
}

async fn a_liaison_who_blocked_the_bot_is_passed_over_for_the_deputy(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1006, "Liaison");
    let deputy = User::new(1106, "Deputy").with_language("en");
    let resident = User::new(2006, "Resident").with_language("en");
    responder_binds(&desk, &liaison, &listed("liaison", "E06").1, "E06").await;
    responder_binds(&desk, &deputy, &listed("deputy", "E06").1, "E06").await;
    resident_registers_at(&desk, &resident, "E06").await;
    let (summary, confirm) = resident_composes_report(&desk, &resident, "The entrance door does not lock").await;

    desk.telegram.inject_for_chat("sendMessage", liaison.id, Fault::blocked_by_user());
    let at = desk.push(desk.telegram.callback_on(&resident, &confirm, summary.message_id_sent().unwrap()));

    let refused = desk
        .telegram
        .wait_for_after(at, "the card to the liaison, refused", WAIT, |c| {
            c.faulted && c.is("sendMessage") && c.chat_id() == Some(liaison.id)
        })
        .await;
    assert!(refused.text().unwrap_or_default().contains("#1001"), "{:?}", refused.text());
    let (card, data) = desk.expect_button(at, &deputy, "r:").await;
    assert!(card.text().unwrap_or_default().contains("#1001"), "{:?}", card.text());
    assert!(data.ends_with(":a"), "the deputy can accept: {data}");
    desk.expect_text(at, &resident, "Request #1001 received").await;

    let mut db = Db::connect(&desk.db).await;
    let kinds = db.rows("SELECT kind FROM events WHERE request_id IS NOT NULL ORDER BY id").await;
    assert!(kinds.iter().any(|k| k == "assignee_unreachable"), "events of the request: {kinds:?}");
    let liaison_reachable = db.rows("SELECT reachable FROM people WHERE telegram_id = 1006").await;
    assert_eq!(liaison_reachable, ["0"], "the liaison is marked unreachable");
    let assignee = db
        .rows(
            "SELECT p.telegram_id, r.assignee_role, r.status FROM requests r \
             JOIN people p ON p.id = r.assignee_id",
        )
        .await;
    assert_eq!(assignee, ["1106|deputy|open"], "the request now waits on the deputy");
}

on_both_backends!(
    a_rate_limited_reply_arrives_after_the_wait_and_before_the_next_reply,
    a_liaison_who_blocked_the_bot_is_passed_over_for_the_deputy,
);

#[tokio::test]
async fn a_dropped_connection_and_a_server_error_are_retried_until_the_message_arrives() {
    let desk = Desk::start(TestDb::sqlite()).await;
    let resident = User::new(2001, "Resident").with_language("en");
    desk.telegram.inject("sendMessage", Fault::DropConnection);
    desk.telegram.inject("sendMessage", Fault::server_error());
    let at = desk.push(text_message(&resident, "/help"));

    let help = desk
        .telegram
        .wait_for_after(at, "the help text, delivered", SERVER_ERROR_RECOVERY, |c| {
            c.is("sendMessage") && c.chat_id() == Some(resident.id) && !c.faulted
        })
        .await;
    assert!(help.text().unwrap_or_default().contains("/new"), "{:?}", help.text());
    let attempts: Vec<(bool, Option<String>)> = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(resident.id))
        .map(|c| (c.faulted, c.text().map(str::to_owned)))
        .collect();
    let text = help.text().map(str::to_owned);
    assert_eq!(
        attempts,
        [(true, text.clone()), (true, text.clone()), (false, text)],
        "one message, tried three times: dropped, refused with 500, delivered"
    );
}
