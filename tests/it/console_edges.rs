//! Rough edges of the admin console: who `/people` lists twice and why,
//! `/import` saying its instructions once and ending, `/sla` telling zero
//! from a typo.

use crate::support::db::Db;
use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, Desk, WAIT, responder_binds};
use community_desk::emulator::{User, document_message, text_message};

/// The phone of the first community admin the example directory lists.
const OFFICE_PHONE: &str = "13693202221";

async fn people_explains_the_admin_ids_account_until_it_is_merged_with_its_directory_entry(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let at = desk.push(text_message(&admin, "/people 绿杨社区"));
    let listed = desk.expect_text(at, &admin, "Responders").await;
    let text = listed.text().unwrap();
    assert!(text.contains("Office 🔑") && text.contains("冯立新 ⚪"), "{text}");
    assert!(text.contains("only because ADMIN_IDS lists"), "the two lines are explained: {text}");

    // Sharing the directory entry's phone makes them one.
    responder_binds(&desk, &admin, OFFICE_PHONE, "绿杨社区").await;
    let at = desk.push(text_message(&admin, "/people 绿杨社区"));
    let listed = desk.expect_text(at, &admin, "Responders").await;
    let text = listed.text().unwrap();
    assert_eq!(text.matches("冯立新").count(), 1, "{text}");
    assert!(!text.contains("Office") && !text.contains("🔑") && !text.contains("ADMIN_IDS"), "{text}");
}

async fn import_says_its_instructions_once_then_one_line_per_file_until_done(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let people = "name,phone,role,unit\n新人甲,13911110001,liaison,E01\n";
    desk.telegram.add_file("people", people.as_bytes().to_vec());

    let start = desk.push(text_message(&admin, "/import"));
    desk.expect_text(start, &admin, "Send units.csv, people.csv or households.csv").await;
    let at = desk.push(document_message(&admin, "people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "people.csv imported: 1 new").await;
    let at = desk.push(document_message(&admin, "people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "people.csv imported: 0 new, 0 changed, 1 unchanged").await;
    Db::connect(&desk.db).await.wait_idle(WAIT).await;
    let said = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.seq > start && c.chat_id() == Some(admin.id))
        .filter_map(|c| c.text().map(str::to_owned))
        .collect::<Vec<_>>();
    assert_eq!(said.len(), 3, "the instructions once, then one line per file: {said:#?}");

    let at = desk.push(text_message(&admin, "/done"));
    desk.expect_text(at, &admin, "Import finished").await;
    // After /done a file is not imported.
    let at = desk.push(document_message(&admin, "people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "not passed on to anyone").await;
}

async fn import_ends_by_itself_ten_minutes_after_its_last_file(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let people = "name,phone,role,unit\n新人甲,13911110001,liaison,E01\n";
    desk.telegram.add_file("people", people.as_bytes().to_vec());
    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "Send units.csv, people.csv or households.csv").await;
    // The import's last file came long ago.
    let mut tables = Db::connect(&desk.db).await;
    tables.wait_idle(WAIT).await;
    tables.rows("UPDATE dialogues SET state = '{\"step\":\"import\",\"since\":0}'").await;
    let at = desk.push(document_message(&admin, "people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "The import ended after 10 minutes without a file").await;
    tables.wait_idle(WAIT).await;
    let imported = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.seq > at && c.text().is_some_and(|t| t.contains("imported")))
        .count();
    assert_eq!(imported, 0, "a file after the import ended is not imported");
}

async fn a_service_level_of_zero_is_refused_as_zero_not_as_a_typo(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let at = desk.push(text_message(&admin, "/sla set normal accept 0s"));
    let refused = desk.expect_text(at, &admin, "must be more than zero").await;
    assert!(!refused.text().unwrap().contains("not a duration"), "{:?}", refused.text());
    let at = desk.push(text_message(&admin, "/sla set normal accept 4OOm"));
    desk.expect_text(at, &admin, "\"4OOm\" is not a duration").await;
}

use crate::support::on_both_backends;

on_both_backends!(
    people_explains_the_admin_ids_account_until_it_is_merged_with_its_directory_entry,
    import_says_its_instructions_once_then_one_line_per_file_until_done,
    import_ends_by_itself_ten_minutes_after_its_last_file,
    a_service_level_of_zero_is_refused_as_zero_not_as_a_typo,
);
