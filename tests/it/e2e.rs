//! End-to-end: the real `community-desk` binary against the Bot API emulator,
//! on SQLite and on PostgreSQL.

use std::time::Duration;

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, Desk, WAIT, liaison_binds, liaison_of, listed, resident_registers, responder_binds};
use crate::support::process::run_once;
use community_desk::emulator::{User, photo_message, sticker_message, text_message};

/// Runs `/new` up to and including the description text.
async fn resident_starts_report(desk: &Desk, resident: &User) -> u64 {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, "d:cat:property").await;
    desk.expect_text(at, resident, "describe the problem").await;
    let at = desk.push(text_message(resident, "No water since this morning on the 3rd floor"));
    desk.expect_text(at, resident, "Got it").await;
    at
}

async fn resident_reports_and_liaison_accepts(db: TestDb) {
    let desk = Desk::start(db).await;
    let (_, phone) = liaison_of("E01");
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &phone).await;
    resident_registers(&desk, &resident).await;

    resident_starts_report(&desk, &resident).await;
    let photo_at = desk.push(photo_message(&resident, "photo-of-the-pipe", Some("the pipe")));
    desk.expect_text(photo_at, &resident, "Got it").await;
    let at = desk.push(sticker_message(&resident));
    desk.expect_text(at, &resident, "cannot be kept").await;
    let at = desk.press(photo_at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:urgent").await;
    let summary = desk.expect_text(at, &resident, "Please check your request").await;
    assert!(summary.text().unwrap().contains("the pipe"), "the caption joins the description");
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "Request #1001 received. Your building liaison has been notified").await;

    let (card, accept) = desk.expect_button(at, &liaison, "r:").await;
    let card_text = card.text().unwrap();
    assert!(card_text.contains("#1001") && card_text.contains("E01") && card_text.contains("302"), "{card_text}");
    assert!(card_text.contains("No water since this morning"), "{card_text}");
    desk.telegram
        .wait_for_after(at, "the photo re-sent by file id", WAIT, |c| {
            c.is("sendPhoto")
                && c.chat_id() == Some(liaison.id)
                && c.param("photo").is_some_and(|p| p == "photo-of-the-pipe")
        })
        .await;
    assert!(accept.ends_with(":a"));
    let at = desk.push(desk.telegram.callback_on(&liaison, &accept, card.message_id_sent().unwrap()));
    desk.expect_text(at, &resident, "has been accepted by your building liaison").await;
    desk.telegram
        .wait_for_after(at, "the card edited to show it accepted", WAIT, |c| {
            c.is("editMessageText") && c.chat_id() == Some(liaison.id) && c.text().is_some_and(|t| t.contains("处理中"))
        })
        .await;

    // A second tap on the old button, and a forged one for a request that is
    // not theirs, change nothing.
    let at = desk.push(desk.telegram.callback_on(&liaison, &accept, card.message_id_sent().unwrap()));
    desk.telegram
        .wait_for_after(at, "an answer that it was already accepted", WAIT, |c| {
            c.is("answerCallbackQuery")
                && c.param("text").is_some_and(|t| t.as_str().unwrap_or("").contains("已经有人接单"))
        })
        .await;
    let at = desk.push(desk.telegram.callback_on(&resident, &accept, 1));
    desk.telegram
        .wait_for_after(at, "a refusal for someone else's request", WAIT, |c| {
            c.is("answerCallbackQuery")
                && c.param("text").is_some_and(|t| t.as_str().unwrap_or("").contains("not assigned to you"))
        })
        .await;

    let at = desk.push(text_message(&resident, "/my"));
    desk.expect_text(at, &resident, "#1001 · Property management · being handled").await;
    let log = desk.log();
    assert!(!log.contains("TEST-TOKEN-never-logged"), "the token leaked into the log");
    assert!(!log.contains(&phone[phone.len() - 8..]), "a phone number leaked into the log");
    assert!(!log.contains("No water since"), "a message text leaked into the log");
}

async fn a_restart_in_the_middle_of_a_report_loses_nothing(db: TestDb) {
    let desk = Desk::start(db).await;
    let (_, phone) = liaison_of("E01");
    let liaison = User::new(1001, "Liaison");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &phone).await;
    resident_registers(&desk, &resident).await;
    let at = resident_starts_report(&desk, &resident).await;
    let (done_message, done) = desk.expect_button(at, &resident, "d:desc-done").await;

    desk.kill().await;
    desk.spawn();

    let at = desk.push(desk.telegram.callback_on(&resident, &done, done_message.message_id_sent().unwrap()));
    let at = desk.press(at, &resident, "d:urg:normal").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "Request #1001 received").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:").await;
    assert!(card.text().unwrap().contains("No water since this morning"));
}

async fn updates_sent_while_the_bot_is_down_are_handled_after_it_starts(db: TestDb) {
    let desk = Desk::start(db).await;
    let resident = User::new(2001, "Resident").with_language("en");
    desk.expect_text(desk.push(text_message(&resident, "/help")), &resident, "/new").await;
    desk.kill().await;
    let at = desk.push(text_message(&resident, "/start b_E01"));
    desk.spawn();
    desk.expect_text(at, &resident, "You scanned the code of 绿杨东苑 E01").await;
}

/// Out of service hours (today and tomorrow are declared holidays, so that
/// the test does not depend on the hour it runs at) a normal request is
/// confirmed with the one deadline its clock has: half an hour after the
/// desk opens, written with its weekday, day and month.
async fn a_request_reported_out_of_hours_is_promised_the_deadline_its_clock_has(db: TestDb) {
    use chrono::Datelike;
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Admin").with_language("en");
    let today = chrono::Utc::now().with_timezone(&chrono_tz::Asia::Shanghai).date_naive();
    let tomorrow = today.succ_opt().unwrap();
    for day in [today, tomorrow] {
        let at = desk.push(text_message(&admin, &format!("/sla holiday add {day}")));
        desk.expect_text(at, &admin, "Changed").await;
    }
    // Were midnight to pass meanwhile, the desk would still open on the day
    // after tomorrow (today's tomorrow is a holiday too).
    let opening = tomorrow.succ_opt().unwrap();
    let year = if opening.year() == today.year() { String::new() } else { format!(" {}", opening.year()) };
    let deadline = format!("{} {} {}{year}, 08:30", opening.format("%A"), opening.day(), opening.format("%B"));

    liaison_binds(&desk, &User::new(1001, "Liaison"), &liaison_of("E01").1).await;
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers(&desk, &resident).await;
    let at = resident_starts_report(&desk, &resident).await;
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:normal").await;
    let at = desk.press(at, &resident, "d:ok").await;
    let received = desk.expect_text(at, &resident, "received").await;
    let text = received.text().unwrap();
    assert!(text.contains("outside service hours"), "{text}");
    assert!(text.contains(&format!("should accept it by {deadline}")), "expected {deadline}: {text}");
    assert!(!text.contains("within"), "no promise the clock does not keep: {text}");
}

/// Nobody answers: the request climbs the chain on short deadlines set by an
/// admin through /sla, across a kill -9 between two deadlines.
async fn an_unanswered_request_climbs_the_chain_across_a_restart(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Admin").with_language("en");
    let at = desk.push(text_message(&admin, "/sla set urgent accept 3s"));
    desk.expect_text(at, &admin, "Urgent: accept within 3 seconds").await;

    let liaison = User::new(1001, "Liaison");
    let leader = User::new(1003, "Leader");
    let grid_leader = User::new(1004, "Grid leader").with_language("en");
    responder_binds(&desk, &liaison, &liaison_of("E01").1, "E01").await;
    responder_binds(&desk, &leader, &listed("group_leader", "第一网格/绿杨东苑").1, "绿杨东苑").await;
    responder_binds(&desk, &grid_leader, &listed("grid_leader", "第一网格").1, "第一网格").await;
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers(&desk, &resident).await;
    let at = resident_starts_report(&desk, &resident).await;
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:urgent").await;
    let at = desk.press(at, &resident, "d:ok").await;
    let received = desk.expect_text(at, &resident, "should accept it by").await;
    desk.expect_button(at, &liaison, "r:").await;

    // The liaison stays silent: the estate group leader gets the card with
    // Take over and Reassign within two seconds of the deadline.
    let (escalated, take_over) = desk.expect_button(at, &leader, "r:").await;
    assert!(take_over.ends_with(":t"), "{take_over}");
    assert!(escalated.text().unwrap().contains("楼栋长"), "the card says who missed it");
    let late = escalated.at.duration_since(received.at);
    assert!(late >= Duration::from_millis(2_500) && late <= Duration::from_secs(5), "escalated after {late:?}");
    desk.expect_text(at, &resident, "passed it up").await;

    // The bot dies between two deadlines; the next one still fires after the
    // restart, and the grid leader takes the request over.
    desk.kill().await;
    let at = desk.telegram.last_seq();
    desk.spawn();
    let (card, take_over) = desk.expect_button(at, &grid_leader, "r:").await;
    assert!(card.text().unwrap().contains("estate group leader"), "{}", card.text().unwrap());
    let at = desk.push(desk.telegram.callback_on(&grid_leader, &take_over, card.message_id_sent().unwrap()));
    desk.expect_text(at, &resident, "accepted by your grid leader").await;
    desk.expect_text(at, &liaison, "已由上级负责人接手").await;
    desk.expect_text(at, &leader, "已由上级负责人接手").await;
}

use crate::support::on_both_backends;

on_both_backends!(
    resident_reports_and_liaison_accepts,
    a_restart_in_the_middle_of_a_report_loses_nothing,
    updates_sent_while_the_bot_is_down_are_handled_after_it_starts,
    an_unanswered_request_climbs_the_chain_across_a_restart,
    a_request_reported_out_of_hours_is_promised_the_deadline_its_clock_has,
);

#[tokio::test]
async fn running_without_a_token_explains_how_to_get_one() {
    let db = TestDb::sqlite();
    let output = run_once(&["run"], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(!output.status.success());
    assert!(output.stderr.contains("@BotFather"), "{}", output.combined());
    assert!(!output.stderr.contains("panicked"));
}

#[tokio::test]
async fn help_explains_every_subcommand() {
    let output = run_once(&["--help"], std::iter::empty::<(&str, &str)>(), WAIT).await;
    assert!(output.status.success());
    for subcommand in ["run", "migrate", "import", "export"] {
        assert!(output.stdout.contains(subcommand), "--help does not mention {subcommand}");
    }
}

#[tokio::test]
async fn a_bad_directory_row_is_named_and_nothing_of_that_file_is_applied() {
    let db = TestDb::sqlite();
    let dir = tempfile::tempdir().unwrap();
    let units = dir.path().join("units.csv");
    std::fs::write(&units, "community,grid,estate,building,households\nC,G,E,B1,10\nC,G,E,B1,12\n").unwrap();
    let path = units.to_str().unwrap();
    let output = run_once(&["import", path], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(!output.status.success());
    assert!(
        output.stderr.contains("units.csv:3: building B1 appears twice (first on line 2)"),
        "{}",
        output.combined()
    );
    std::fs::write(&units, "community,grid,estate,building,households\nC,G,E,B1,10\n").unwrap();
    let output = run_once(&["import", path], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(output.stdout.contains("1 buildings added"), "{}", output.combined());
}
