//! The responder's half of "order – dispatch – handle – evaluate", end to
//! end: talking through the bot, resolving, reopening, rating, declining
//! and being away.

use crate::support::db::TestDb;
use crate::support::desk::{
    ADMIN, Desk, WAIT, liaison_binds, liaison_of, listed, report_in, resident_registers, responder_binds,
};
use community_desk::emulator::{User, photo_message, text_message};

/// A resident reports an urgent property problem; returns the call sequence
/// after which the liaison's card arrives.
pub(crate) async fn report(desk: &Desk, resident: &User, text: &str) -> u64 {
    report_in(desk, resident, "property", text).await
}

/// Presses the button starting with `prefix` on the latest message to
/// `user` that has one, after `after`, and returns where to wait from.
async fn press_latest(desk: &Desk, after: u64, user: &User, prefix: &str) -> u64 {
    let calls = desk.telegram.calls();
    let latest = calls
        .iter()
        .rev()
        .filter(|c| c.seq > after && c.chat_id() == Some(user.id))
        .find(|c| c.callback_data_buttons().iter().any(|(_, d)| d.starts_with(prefix)));
    let Some(call) = latest else { return desk.press(after, user, prefix).await };
    let data = call.callback_data_buttons().into_iter().find(|(_, d)| d.starts_with(prefix)).unwrap().1;
    let message = call.message_id_sent().or(call.target_message_id()).expect("a message to press on");
    desk.push(desk.telegram.callback_on(user, &data, message))
}

async fn a_conversation_is_relayed_and_the_request_is_reopened_then_confirmed_and_rated(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    let at = report(&desk, &resident, "The kitchen pipe leaks").await;
    let at = desk.press(at, &liaison, "r:").await;
    desk.expect_text(at, &resident, "has been accepted by your building liaison").await;

    // The liaison answers through the bot with a photo; the resident sees the
    // role, not the account, and answers back.
    let edited = desk
        .telegram
        .wait_for_after(at, "the card with Reply and Resolve", WAIT, |c| {
            c.is("editMessageText") && c.callback_data_buttons().iter().any(|(_, d)| d.ends_with(":m"))
        })
        .await;
    let reply = edited.callback_data_buttons().into_iter().find(|(_, d)| d.ends_with(":m")).unwrap().1;
    let at = desk.push(desk.telegram.callback_on(&liaison, &reply, edited.target_message_id().unwrap()));
    desk.expect_text(at, &liaison, "请发送要转达的内容").await;
    let at = desk.push(photo_message(&liaison, "photo-of-the-fix", Some("我明天上午来修")));
    let relayed = desk.expect_text(at, &resident, "building liaison:\n我明天上午来修").await;
    assert!(!relayed.text().unwrap().contains("Liaison"), "the resident never sees the responder's account");
    desk.telegram
        .wait_for_after(at, "the photo passed on", WAIT, |c| {
            c.is("sendPhoto")
                && c.chat_id() == Some(resident.id)
                && c.param("photo").is_some_and(|p| p == "photo-of-the-fix")
        })
        .await;
    let at = desk.press(at, &resident, "r:").await;
    desk.expect_text(at, &resident, "Send what you want to pass on").await;
    let at = desk.push(text_message(&resident, "Thank you, I will be home"));
    desk.expect_text(at, &liaison, "居民：\nThank you, I will be home").await;

    // Resolve, the resident says no, resolve again, yes, five stars.
    let at = press_latest(&desk, 0, &liaison, "r:1:v").await;
    desk.expect_text(at, &liaison, "请简单写一下做了什么").await;
    let at = desk.push(text_message(&liaison, "换了水管"));
    desk.expect_text(at, &resident, "has been handled: 换了水管").await;
    let at = desk.press(at, &resident, "r:1:n").await;
    desk.expect_text(at, &resident, "what is still wrong").await;
    let at = desk.push(text_message(&resident, "It still drips"));
    desk.expect_text(at, &resident, "is reopened").await;
    desk.expect_text(at, &liaison, "居民说问题还没有解决：It still drips").await;
    let at = desk.press(at, &liaison, "r:1:v").await;
    desk.expect_text(at, &liaison, "请简单写一下做了什么").await;
    let at = desk.push(text_message(&liaison, "又换了一个阀门"));
    desk.expect_text(at, &resident, "has been handled: 又换了一个阀门").await;
    let at = desk.press(at, &resident, "r:1:y").await;
    let at = desk.press(at, &resident, "r:1:s:5").await;
    desk.expect_text(at, &resident, "Thank you for rating").await;
    desk.expect_text(at, &liaison, "打了 5 星").await;
}

async fn a_declined_request_goes_to_the_deputy_and_so_do_requests_for_an_away_liaison(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let deputy = User::new(1002, "Deputy");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    responder_binds(&desk, &deputy, &listed("deputy", "E01").1, "E01").await;
    resident_registers(&desk, &resident).await;

    let at = report(&desk, &resident, "The stairwell light is out").await;
    let at = desk.press(at, &liaison, "r:1:d").await;
    let at = desk.press(at, &liaison, "r:1:d:k").await;
    let (card, _) = desk.expect_button(at, &deputy, "r:1:a").await;
    assert!(card.text().unwrap().contains("The stairwell light is out"));

    let at = desk.push(text_message(&liaison, "/away 2"));
    desk.expect_text(at, &liaison, "/back").await;
    let at = report(&desk, &resident, "The door lock is broken").await;
    let (card, _) = desk.expect_button(at, &deputy, "r:2:a").await;
    assert!(card.text().unwrap().contains("The door lock is broken"), "the away liaison is passed by");
    let at = desk.push(text_message(&liaison, "/back"));
    desk.expect_text(at, &liaison, "欢迎回来").await;

    // The resident withdraws the second request: the deputy's card changes
    // in place to show it, without buttons.
    let at = desk.push(text_message(&resident, "/my"));
    let at = desk.press(at, &resident, "r:2:x").await;
    desk.expect_text(at, &resident, "withdrawn").await;
    let edited = desk
        .telegram
        .wait_for_after(at, "the deputy's card edited in place", WAIT, |c| {
            c.is("editMessageText") && c.chat_id() == Some(deputy.id) && c.text().is_some_and(|t| t.contains("已取消"))
        })
        .await;
    assert_eq!(edited.target_message_id(), card.message_id_sent(), "the very message of the card");
    assert!(edited.callback_data_buttons().is_empty());
}

async fn a_request_nobody_could_take_goes_to_the_liaison_who_binds_later(db: TestDb) {
    let desk = Desk::start(db).await;
    let office = User::new(ADMIN, "Office").with_language("en");
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    // The office is the only responder with an account, and it is away.
    let at = desk.push(text_message(&office, "/away 2"));
    desk.expect_text(at, &office, "/back").await;
    resident_registers(&desk, &resident).await;
    let at = report(&desk, &resident, "No water since the evening").await;
    let (alert, _) = desk.expect_button(at, &office, "r:1:").await;
    assert!(alert.text().unwrap().contains("No water since the evening"), "the office hears of it");

    let at = desk.telegram.last_seq();
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    assert!(card.text().unwrap().contains("No water since the evening"), "the liaison now has it");
    let at = desk.press(at, &liaison, "r:1:a").await;
    desk.expect_text(at, &resident, "accepted").await;
}

/// The office exports requests, in chat and from the command line, without
/// residents' identities and with sensitive descriptions redacted.
async fn an_admin_exports_requests_without_identities_or_sensitive_details(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident Zhang").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    report(&desk, &resident, "The kitchen light is broken").await;
    let at = desk.push(text_message(&resident, "/new"));
    let at = desk.press(at, &resident, "d:cat:elderly").await;
    desk.expect_text(at, &resident, "describe the problem").await;
    let at = desk.push(text_message(&resident, "My mother fell and lives alone"));
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:urgent").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "received").await;

    let at = desk.push(text_message(&resident, "/export"));
    desk.expect_text(at, &resident, "Only community admins").await;
    let admin = User::new(crate::support::desk::ADMIN, "Admin").with_language("en");
    let at = desk.push(text_message(&admin, "/export"));
    let document = desk
        .telegram
        .wait_for_after(at, "the CSV document", WAIT, |c| c.is("sendDocument") && c.chat_id() == Some(admin.id))
        .await;
    let csv = String::from_utf8(document.files[0].bytes.to_vec()).unwrap();
    assert!(csv.starts_with("number,created_at,category"), "{csv}");
    assert!(csv.contains("The kitchen light is broken"));
    assert!(!csv.contains("My mother fell") && csv.contains("[redacted]"), "{csv}");
    assert!(!csv.contains("Zhang"), "no resident names");

    let output = crate::support::process::run_once(&["export"], [("DATABASE_URL", desk.db.url())], WAIT).await;
    assert!(output.status.success(), "{}", output.combined());
    assert_eq!(output.stdout.lines().count(), 3, "a header and two requests:\n{}", output.stdout);
    assert_eq!(output.stdout, csv, "the command line writes the same as the chat");
}

use crate::support::on_both_backends;

on_both_backends!(
    a_conversation_is_relayed_and_the_request_is_reopened_then_confirmed_and_rated,
    a_declined_request_goes_to_the_deputy_and_so_do_requests_for_an_away_liaison,
    a_request_nobody_could_take_goes_to_the_liaison_who_binds_later,
    an_admin_exports_requests_without_identities_or_sensitive_details,
);
