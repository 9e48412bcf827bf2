//! Households and care end to end, with the real binary on both backends.

use crate::support::db::TestDb;
use crate::support::desk::{
    ADMIN, Desk, EXAMPLES, WAIT, liaison_binds, liaison_of, listed, resident_registers, responder_binds,
};
use crate::support::on_both_backends;
use crate::support::process::run_once;
use community_desk::emulator::{User, document_message, text_message};

on_both_backends!(
    the_command_line_loads_the_example_households_once_and_then_finds_them_unchanged,
    an_admin_loads_households_in_chat_all_or_nothing,
    a_liaison_visits_a_household_that_needs_help_and_each_reader_sees_the_map_as_far_as_allowed,
);

async fn the_command_line_loads_the_example_households_once_and_then_finds_them_unchanged(db: TestDb) {
    let files = ["units.csv", "households.csv"].map(|name| format!("{EXAMPLES}/{name}"));
    let args = ["import", files[1].as_str(), files[0].as_str()];
    let url = db.url().to_string();
    let import = || run_once(&args, [("DATABASE_URL", url.clone())], WAIT * 3);
    let first = import().await;
    assert!(first.status.success(), "{}", first.combined());
    assert!(
        first.combined().contains("households.csv: 4920 households added, 0 updated, 0 unchanged"),
        "{}",
        first.combined()
    );
    let again = import().await;
    assert!(again.status.success(), "{}", again.combined());
    assert!(
        again.combined().contains("households.csv: 0 households added, 0 updated, 4920 unchanged"),
        "{}",
        again.combined()
    );
    assert!(!again.combined().contains("耳背"), "no note reaches the output");
}

async fn an_admin_loads_households_in_chat_all_or_nothing(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let bad = "building,room,members,tags,note\nE01,101,1,elderly_alone,耳背\nE01,1O2,2,,\n";
    let good = "building,room,members,tags,note\nE01,1-101,1,elderly_alone,耳背\nE01,1-102,2,,\n";
    desk.telegram.add_file("bad-households", bad.as_bytes().to_vec());
    desk.telegram.add_file("good-households", good.as_bytes().to_vec());
    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "households.csv").await;
    let at = desk.push(document_message(&admin, "bad-households", "households.csv", "text/csv"));
    let refused = desk.expect_text(at, &admin, "households.csv was not imported").await;
    let text = refused.text().unwrap();
    assert!(text.contains("households.csv:3: `1O2` is not a room"), "{text}");
    assert!(!text.contains("耳背"), "a note is never repeated: {text}");
    let at = desk.push(document_message(&admin, "good-households", "households.csv", "text/csv"));
    desk.expect_text(at, &admin, "households.csv imported: 2 new, 0 changed, 0 unchanged").await;
    let at = desk.push(document_message(&admin, "good-households", "households.csv", "text/csv"));
    desk.expect_text(at, &admin, "households.csv imported: 0 new, 0 changed, 2 unchanged").await;
}

const HOUSEHOLDS: &str = "building,room,members,tags,note\n\
    E01,301,1,elderly_alone;disabled,耳背，请用力敲门\n\
    E01,302,2,empty_nest,\n\
    E02,101,1,elderly_alone,\n";

async fn a_liaison_visits_a_household_that_needs_help_and_each_reader_sees_the_map_as_far_as_allowed(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    desk.telegram.add_file("households", HOUSEHOLDS.as_bytes().to_vec());
    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "households.csv").await;
    let at = desk.push(document_message(&admin, "households", "households.csv", "text/csv"));
    desk.expect_text(at, &admin, "households.csv imported: 3 new").await;

    let liaison = User::new(3001, "Liaison").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers(&desk, &resident).await;

    // The households due come first: 301 (monthly, never visited).
    let at = desk.push(text_message(&liaison, "/visit"));
    let (choice, first) = desk.expect_button(at, &liaison, "v:").await;
    assert!(choice.text().unwrap().contains("2 are due"), "{:?}", choice.text());
    let labels: Vec<String> = choice.callback_data_buttons().into_iter().map(|(label, _)| label).collect();
    assert_eq!(labels, ["⏰ 301", "⏰ 302"]);
    let household = first.trim_start_matches("v:").to_string();
    let at = desk.press(at, &liaison, &first).await;
    let at = desk.press(at, &liaison, &format!("v:{household}:h")).await;
    desk.expect_text(at, &liaison, "What help is needed?").await;
    let at = desk.push(text_message(&liaison, "暖气不热，老人怕冷"));
    desk.expect_text(at, &liaison, "Visit to room 301 recorded: 🆘 Needs help").await;
    let made = desk.expect_text(at, &liaison, "was made for room 301").await;
    let number: String = made.text().unwrap().split_whitespace().find(|w| w.starts_with('#')).unwrap().to_string();
    desk.telegram
        .wait_for_after(at, "the request's card to the liaison", WAIT, |c| {
            c.chat_id() == Some(liaison.id) && c.text().is_some_and(|t| t.contains(&number) && t.contains("暖气不热"))
        })
        .await;

    // The liaison sees the map, the list and the note.
    let at = desk.push(text_message(&liaison, "/building"));
    desk.telegram
        .wait_for_after(at, "the building map", WAIT, |c| c.is("sendPhoto") && c.chat_id() == Some(liaison.id))
        .await;
    let list = desk.expect_text(at, &liaison, "Building E01: 2 households").await;
    let text = list.text().unwrap();
    assert!(text.contains("301 · elderly, living alone、disabled · nobody registered"), "{text}");
    assert!(text.contains("302 · empty nest · 1 resident registered"), "the resident of 302 is linked: {text}");
    let at = desk.press(at, &liaison, &format!("h:{household}")).await;
    desk.expect_text(at, &liaison, "Note: 耳背，请用力敲门").await;

    // The liaison of another building sees nothing of E01.
    let other = User::new(3002, "Other liaison").with_language("en");
    responder_binds(&desk, &other, &liaison_of("E02").1, "E02").await;
    let at = desk.push(text_message(&other, "/building E01"));
    desk.expect_text(at, &other, "You may not see the households of building E01").await;
    let at = desk.push(desk.telegram.callback_on(&other, &format!("h:{household}"), 1));
    let refused = desk
        .telegram
        .wait_for_after(at, "the refusal of another building's household", WAIT, |c| c.is("answerCallbackQuery"))
        .await;
    assert!(!format!("{refused:?}").contains("disabled"), "no tag reaches them");

    // The group leader above sees the tags that are not sensitive, and no note.
    let leader = User::new(3003, "Leader").with_language("en");
    responder_binds(&desk, &leader, &listed("group_leader", "第一网格/绿杨东苑").1, "绿杨东苑").await;
    let at = desk.push(text_message(&leader, "/building E01"));
    let list = desk.expect_text(at, &leader, "Building E01: 2 households").await;
    let text = list.text().unwrap();
    assert!(text.contains("301 · elderly, living alone ·"), "{text}");
    assert!(!text.contains("disabled"), "a sensitive tag is hidden from leaders: {text}");
    let at = desk.press(at, &leader, &format!("h:{household}")).await;
    let detail = desk.expect_text(at, &leader, "Room 301").await;
    assert!(detail.text().unwrap().contains("Note: —"), "{:?}", detail.text());

    // The office sees the coverage; 302 and E02's household are still due.
    let at = desk.push(text_message(&admin, "/stats"));
    let stats = desk.expect_text(at, &admin, "Visit coverage this period:").await;
    let text = stats.text().unwrap();
    assert!(text.contains("第一网格 / 绿杨东苑: 1 of 3 households visited (33%)"), "{text}");
    assert!(text.contains("E02: 0 of 1 household visited"), "{text}");

    // The export carries households only as counts per building and tag.
    let at = desk.push(text_message(&admin, "/export"));
    let export = desk
        .telegram
        .wait_for_after(at, "the household counts", WAIT, |c| {
            c.files.iter().any(|f| f.file_name.as_deref().is_some_and(|n| n.starts_with("households-")))
        })
        .await;
    let counts = String::from_utf8(export.files[0].bytes.to_vec()).unwrap();
    assert_eq!(
        counts,
        "building,tag,households\nE01,disabled,1\nE01,elderly_alone,1\nE01,empty_nest,1\nE02,elderly_alone,1\n"
    );

    // The month's lists and the week's digest go out with the daily round,
    // here the one at start-up.
    desk.kill().await;
    desk.spawn();
    let list = desk.expect_text(at, &liaison, "Visits due this month: one household").await;
    assert!(list.text().unwrap().contains("E01: 302"), "{:?}", list.text());
    desk.expect_text(at, &leader, "under their visit target").await;
}
