//! What erasure and retention leave behind: after `/forget`, and once a
//! finished request has passed its retention, no copy of the person or of
//! what they wrote remains in any column of any table (read from the
//! schema, so a table added later is searched too), nor, on SQLite, in the
//! bytes of the database file and its write-ahead log. `/privacy` states the
//! periods in force.

use std::time::Duration;

use sqlx::AssertSqlSafe;

use crate::support::db::{Db, TestDb};
use crate::support::desk::{Desk, WAIT, liaison_binds, liaison_of, report, resident_registers_at, responder_binds};
use crate::support::on_both_backends;
use community_desk::emulator::{User, contact_message, text_message};

const NAME: &str = "Quillonia";
const USERNAME: &str = "quill_tern";
const TELEGRAM_ID: i64 = 583_920_417;
const PHONE: &str = "13987654321";
const ROOM: &str = "7-913";
const DESCRIPTION: &str = "The balcony drain overflows onto the stairs, canary 47313";
const LATER_WORDS: &str = "Also the lamp flickers, canary 58224";

/// Every cell of every table of the database, as `table.column: value`.
async fn every_cell(db: &mut Db) -> Vec<String> {
    let mut cells = Vec::new();
    match db {
        Db::Sqlite(c) => {
            let tables: Vec<String> = sqlx::query_scalar("SELECT name FROM sqlite_master WHERE type = 'table'")
                .fetch_all(&mut *c)
                .await
                .unwrap();
            for table in tables {
                let columns: Vec<String> = sqlx::query_scalar("SELECT name FROM pragma_table_info($1)")
                    .bind(&table)
                    .fetch_all(&mut *c)
                    .await
                    .unwrap();
                for column in columns {
                    // As bytes: a BLOB need not be text.
                    let sql = format!("SELECT CAST(CAST(\"{column}\" AS TEXT) AS BLOB) FROM \"{table}\"");
                    let values: Vec<Option<Vec<u8>>> =
                        sqlx::query_scalar(AssertSqlSafe(sql)).fetch_all(&mut *c).await.unwrap();
                    cells.extend(
                        values
                            .into_iter()
                            .flatten()
                            .map(|v| format!("{table}.{column}: {}", String::from_utf8_lossy(&v))),
                    );
                }
            }
        }
        Db::Postgres(c) => {
            let columns: Vec<(String, String)> = sqlx::query_as(
                "SELECT c.table_name::TEXT, c.column_name::TEXT FROM information_schema.columns c \
                 JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name \
                 WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'",
            )
            .fetch_all(&mut *c)
            .await
            .unwrap();
            for (table, column) in columns {
                let sql = format!("SELECT CAST(\"{column}\" AS TEXT) FROM \"{table}\"");
                let values: Vec<Option<String>> =
                    sqlx::query_scalar(AssertSqlSafe(sql)).fetch_all(&mut *c).await.unwrap();
                cells.extend(values.into_iter().flatten().map(|v| format!("{table}.{column}: {v}")));
            }
        }
    }
    cells
}

/// The cells that hold any of `secrets`.
async fn cells_holding(db: &mut Db, secrets: &[&str]) -> Vec<String> {
    let cells = every_cell(db).await;
    assert!(cells.iter().any(|c| c.starts_with("people.")), "the search reads the tables");
    cells.into_iter().filter(|cell| secrets.iter().any(|s| cell.contains(s))).collect()
}

/// On SQLite, waits until neither the database file nor its write-ahead
/// log holds any of `secrets` in its bytes; panics if they still do after
/// the usual wait. Nothing to do on PostgreSQL.
async fn wait_until_the_files_forget(db: &TestDb, secrets: &[&str]) {
    if db.is_postgres() {
        return;
    }
    let path = db.url().trim_start_matches("sqlite://").split('?').next().expect("a path").to_string();
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        let mut found = Vec::new();
        for file in [path.clone(), format!("{path}-wal")] {
            let bytes = std::fs::read(&file).unwrap_or_default();
            for secret in secrets {
                if bytes.windows(secret.len()).any(|w| w == secret.as_bytes()) {
                    found.push(format!("{file}: {secret}"));
                }
            }
        }
        if found.is_empty() {
            return;
        }
        assert!(tokio::time::Instant::now() < deadline, "the raw bytes still hold {found:?}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn forget_leaves_no_copy_of_the_person_anywhere(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(TELEGRAM_ID, NAME).with_language("en").with_username(USERNAME);
    let at = desk.push(text_message(&resident, "/start b_E01"));
    desk.expect_button(at, &resident, "d:room-skip").await;
    let at = desk.push(text_message(&resident, ROOM));
    desk.expect_text(at, &resident, "phone").await;
    let at = desk.push(contact_message(&resident, PHONE, true));
    let at = desk.press(at, &resident, "d:priv:y").await;
    desk.expect_text(at, &resident, "You are registered").await;
    let at = desk.push(text_message(&resident, "/new"));
    let at = desk.press(at, &resident, "d:cat:property").await;
    desk.expect_text(at, &resident, "describe the problem").await;
    let at = desk.push(text_message(&resident, DESCRIPTION));
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:normal").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "received").await;
    desk.expect_button(at, &liaison, "r:").await;
    // Words with no dialogue waiting for them, kept only as an update.
    desk.push(text_message(&resident, LATER_WORDS));

    let at = desk.push(text_message(&resident, "/forget"));
    let at = desk.press(at, &resident, "f:y").await;
    desk.expect_text(at, &resident, "everything that identified you has been erased").await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;

    let id = TELEGRAM_ID.to_string();
    let secrets = [NAME, USERNAME, id.as_str(), PHONE, ROOM, "canary 47313", "canary 58224"];
    let left = cells_holding(&mut db, &secrets).await;
    assert!(left.is_empty(), "after /forget the database still holds: {left:#?}");
    wait_until_the_files_forget(&desk.db, &secrets).await;
}

async fn privacy_states_the_periods_in_force(db: TestDb) {
    let settings = [("DESK_RETENTION_DAYS", "5".to_string()), ("DESK_CARE_RETENTION_DAYS", "40".to_string())];
    let desk = Desk::start_with(db, &settings).await;
    let resident = User::new(2001, "Resident").with_language("en");
    let at = desk.push(text_message(&resident, "/privacy"));
    let notice = desk.expect_text(at, &resident, "How long").await;
    let text = notice.text().unwrap_or_default();
    for stated in ["5 days after a request is closed", "kept 5 days after they are handled", "you 5 days after"] {
        assert!(text.contains(stated), "/privacy does not say {stated:?}: {text}");
    }
    assert!(!text.contains("180"), "/privacy states a period not in force: {text}");
    // Households, visits and check-ins: who sees them, and the care
    // retention in force.
    let care = desk.expect_text(at, &resident, "Visits are kept 40 days").await;
    let care = care.text().unwrap_or_default();
    assert!(care.contains("liaison and deputy") && care.contains("/forget"), "{care}");
    let checkins = desk.expect_text(at, &resident, "Daily check-ins: only if you turn them on").await;
    let text = checkins.text().unwrap_or_default();
    for stated in ["for 40 days", "/mydata includes them and your family links", "/forget erases them"] {
        assert!(text.contains(stated), "/privacy does not say {stated:?}: {text}");
    }
    assert!(!format!("{care}{text}").contains("365"), "/privacy states a care period not in force");
}

async fn with_no_retention_a_restart_leaves_no_text_of_a_finished_request(db: TestDb) {
    let desk = Desk::start_with(db, &[]).await;
    let liaison = User::new(1001, "Liaison");
    responder_binds(&desk, &liaison, &liaison_of("E01").1, "E01").await;
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers_at(&desk, &resident, "E01").await;
    report(&desk, &resident, "property", "normal", DESCRIPTION).await;
    let at = desk.push(text_message(&resident, "/my"));
    let listed = desk
        .telegram
        .wait_for_after(at, "the list with a withdraw button", WAIT, |c| {
            c.chat_id() == Some(resident.id) && c.callback_data_buttons().iter().any(|(_, d)| d.ends_with(":x"))
        })
        .await;
    let (_, withdraw) =
        listed.callback_data_buttons().into_iter().find(|(_, d)| d.ends_with(":x")).expect("a withdraw button");
    let message = listed.message_id_sent().expect("a sent message");
    let at = desk.push(desk.telegram.callback_on(&resident, &withdraw, message));
    desk.expect_text(at, &resident, "withdrawn").await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;
    assert!(!cells_holding(&mut db, &["canary 47313"]).await.is_empty(), "the text was stored to begin with");

    desk.restart(&[("DESK_RETENTION_DAYS", "0".to_string())]).await;
    desk.wait_for_log("daily clean-up done", WAIT).await;
    let left = cells_holding(&mut db, &["canary 47313"]).await;
    assert!(left.is_empty(), "past its retention the request's text is still in: {left:#?}");
    wait_until_the_files_forget(&desk.db, &["canary 47313"]).await;
}

on_both_backends!(
    forget_leaves_no_copy_of_the_person_anywhere,
    privacy_states_the_periods_in_force,
    with_no_retention_a_restart_leaves_no_text_of_a_finished_request,
);
