//! Households and care end to end, with the real binary on both backends.

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, Desk, EXAMPLES, WAIT};
use crate::support::double::{TestUser, document_message, text_message};
use crate::support::on_both_backends;
use crate::support::process::run_once;

on_both_backends!(
    the_command_line_loads_the_example_households_once_and_then_finds_them_unchanged,
    an_admin_loads_households_in_chat_all_or_nothing,
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
    let admin = TestUser::new(ADMIN, "Office").with_language("en");
    let bad = "building,room,members,tags,note\nE01,101,1,elderly_alone,耳背\nE01,1O2,2,,\n";
    let good = "building,room,members,tags,note\nE01,1-101,1,elderly_alone,耳背\nE01,1-102,2,,\n";
    desk.double.add_file("bad-households", bad.as_bytes().to_vec());
    desk.double.add_file("good-households", good.as_bytes().to_vec());
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
