//! Updates the bot does not handle: those over the flood limit still have
//! their buttons answered, and those of a kind teloxide does not know are
//! noted once and done.

use community_desk::telegram::delivery::inbox::FLOOD_LIMIT;
use serde_json::json;

use crate::support::db::Db;
use crate::support::db::TestDb;
use crate::support::desk::{Desk, WAIT};
use crate::support::on_both_backends;
use community_desk::emulator::{User, callback_query};

async fn every_pressed_button_is_answered_even_over_the_flood_limit(db: TestDb) {
    let desk = Desk::start(db).await;
    let user = User::new(4002, "Presser").with_language("en");
    let presses = FLOOD_LIMIT as usize + 5;
    let ids: Vec<String> = (0..presses)
        .map(|_| {
            let update = callback_query(&user, "zz:nothing", 1);
            let id = update["callback_query"]["id"].as_str().expect("an id").to_owned();
            desk.push(update);
            id
        })
        .collect();
    desk.telegram.wait_updates_confirmed(WAIT).await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;

    let answered: Vec<String> = desk
        .telegram
        .calls_to("answerCallbackQuery")
        .iter()
        .filter_map(|c| c.param("callback_query_id").and_then(|v| v.as_str()).map(str::to_owned))
        .collect();
    let spinning: Vec<&String> = ids.iter().filter(|id| !answered.contains(id)).collect();
    assert!(spinning.is_empty(), "buttons left spinning: {spinning:?} of {presses}");
}

async fn an_update_of_an_unknown_kind_is_noted_once_and_done(db: TestDb) {
    let desk = Desk::start(db).await;
    let update_id = desk.telegram.push_update(json!({"future_kind": {"id": 77, "what": "something new"}}));
    desk.telegram.wait_updates_confirmed(WAIT).await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;

    let statuses = db.rows("SELECT status FROM jobs WHERE queue = 'inbox'").await;
    assert_eq!(statuses, ["done"], "the update is done");
    let log = plain(&desk.log());
    let errors: Vec<&str> = log.lines().filter(|l| l.contains("ERROR")).collect();
    assert!(errors.is_empty(), "an unknown kind of update is no error: {errors:#?}");
    let noted: Vec<&str> =
        log.lines().filter(|l| l.contains("WARN") && l.contains(&format!("update_id={update_id}"))).collect();
    assert_eq!(noted.len(), 1, "the update is noted once, with its id: {noted:#?}\n{log}");
}

/// The log without its colours.
fn plain(log: &str) -> String {
    let mut plain = String::with_capacity(log.len());
    let mut rest = log;
    while let Some(start) = rest.find('\u{1b}') {
        plain.push_str(&rest[..start]);
        rest = &rest[start..];
        rest = rest.find('m').map_or("", |end| &rest[end + 1..]);
    }
    plain.push_str(rest);
    plain
}

on_both_backends!(
    every_pressed_button_is_answered_even_over_the_flood_limit,
    an_update_of_an_unknown_kind_is_noted_once_and_done,
);
