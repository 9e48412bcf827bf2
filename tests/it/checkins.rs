//! Daily check-ins end to end, with the real binary on both backends. The
//! ladder's time is driven through its timers: a test makes the next rung's
//! timer due now, as the clock reaching it would, and the timer worker
//! fires it.

use crate::support::db::{Db, TestDb};
use crate::support::desk::{ADMIN, Desk, liaison_binds, liaison_of, resident_registers, responder_binds};
use crate::support::on_both_backends;
use community_desk::emulator::{User, document_message, text_message};

on_both_backends!(
    a_resident_enrols_misses_and_the_liaison_goes_and_finds_all_well,
    an_alert_survives_a_kill_and_the_family_checks_in_on_the_residents_behalf,
    a_liaison_proposes_check_ins_from_the_building_list_and_they_start_only_when_the_resident_accepts,
);

/// The office makes someone the admin of a grid, who binds by phone.
async fn grid_admin(desk: &Desk, admin: &User, user: &User, grid: &str, phone: &str) {
    let at = desk.push(text_message(admin, &format!("/people add admin {grid} {phone} Admin-{grid}")));
    desk.expect_text(at, admin, "Done: now community office of 绿杨社区 / ").await;
    responder_binds(desk, user, phone, grid).await;
}

/// Makes the pending timer of one rung due now.
async fn reach(db: &TestDb, rung: &str) {
    let sql = match rung {
        "greeting" => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"rung\":\"greeting\"%'"
        }
        "reminder" => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"rung\":\"reminder\"%'"
        }
        "second_reminder" => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"rung\":\"second_reminder\"%'"
        }
        _ => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"rung\":\"liaison\"%'"
        }
    };
    Db::connect(db).await.rows(sql).await;
}

/// The resident enrols at 09:00 and links a relative with `/family`.
async fn enrol_with_family(desk: &Desk, resident: &User, relative: &User) {
    resident_registers(desk, resident).await;
    let at = desk.push(text_message(resident, "/checkin"));
    let at = desk.press(at, resident, "k:h:9").await;
    desk.expect_text(at, resident, "Daily check-ins are on: by 09:00 every day").await;
    let at = desk.push(text_message(resident, "/family"));
    let link = desk.expect_text(at, resident, "?start=f_").await;
    let text = link.text().unwrap();
    let payload = text.split("?start=").nth(1).unwrap().split_whitespace().next().unwrap().to_string();
    let at = desk.push(text_message(relative, &format!("/start {payload}")));
    desk.expect_text(at, relative, "You are now linked to").await;
    desk.expect_text(at, resident, "is now linked to you as family").await;
    let at = desk.push(text_message(relative, &format!("/start {payload}")));
    desk.expect_text(at, relative, "used already or is not valid").await;
}

async fn a_resident_enrols_misses_and_the_liaison_goes_and_finds_all_well(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(3001, "Liaison").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(2001, "Grandma").with_language("en");
    let daughter = User::new(4001, "Daughter").with_language("en");
    enrol_with_family(&desk, &resident, &daughter).await;

    let at = desk.telegram.last_seq();
    reach(&desk.db, "greeting").await;
    let (greeting, _) = desk.expect_button(at, &resident, "k:ok").await;
    assert!(greeting.text().unwrap().contains("by 09:00"), "{:?}", greeting.text());
    reach(&desk.db, "reminder").await;
    desk.expect_text(at, &resident, "please press “I'm fine”").await;
    reach(&desk.db, "second_reminder").await;
    desk.expect_text(at, &resident, "You have not checked in yet today").await;
    reach(&desk.db, "liaison").await;
    let (card, going) = desk.expect_button(at, &liaison, "k:").await;
    assert!(card.text().unwrap().contains("Please knock on room 302's door (E01)"), "{:?}", card.text());
    desk.expect_text(at, &daughter, "Grandma (room 302, E01) has not checked in today").await;
    assert!(going.ends_with(":g"), "{going}");
    let day = going.trim_end_matches(":g").to_string();

    let at = desk.press(at, &liaison, &going).await;
    desk.expect_text(at, &liaison, "What did you find?").await;
    let at = desk.press(at, &liaison, &format!("{day}:w")).await;
    desk.expect_text(at, &liaison, "Recorded: checked in late").await;
    desk.expect_text(at, &daughter, "All clear: the resident of room 302 (E01) is fine").await;
    let mut db = Db::connect(&desk.db).await;
    assert_eq!(db.rows("SELECT outcome FROM checkin_days").await, ["late"]);
    let admin = User::new(ADMIN, "Office").with_language("en");
    let at = desk.push(text_message(&admin, "/stats"));
    desk.expect_text(at, &admin, "Check-in alerts in this period: one (checked in late: 1)").await;

    // Like the rest of /stats, the alerts count only in the admin's units:
    // E01 is in the first grid.
    let first = User::new(3101, "First grid").with_language("en");
    let second = User::new(3102, "Second grid").with_language("en");
    grid_admin(&desk, &admin, &first, "第一网格", "13900000001").await;
    grid_admin(&desk, &admin, &second, "第二网格", "13900000002").await;
    let at = desk.push(text_message(&first, "/stats"));
    desk.expect_text(at, &first, "Check-in alerts in this period: one (checked in late: 1)").await;
    let at = desk.push(text_message(&second, "/stats"));
    let stats = desk.expect_text(at, &second, "in the last 7 days").await;
    assert!(!stats.text().unwrap().contains("Check-in alerts"), "another grid's alerts: {:?}", stats.text());
}

async fn an_alert_survives_a_kill_and_the_family_checks_in_on_the_residents_behalf(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(3001, "Liaison").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(2002, "Grandpa").with_language("en");
    let son = User::new(4002, "Son").with_language("en");
    enrol_with_family(&desk, &resident, &son).await;

    let at = desk.telegram.last_seq();
    reach(&desk.db, "greeting").await;
    desk.expect_button(at, &resident, "k:ok").await;
    reach(&desk.db, "reminder").await;
    desk.expect_text(at, &resident, "please press “I'm fine”").await;

    // A crash between two rungs: the next one is due while nobody runs.
    desk.kill().await;
    reach(&desk.db, "second_reminder").await;
    desk.spawn();
    desk.expect_text(at, &resident, "You have not checked in yet today").await;
    reach(&desk.db, "liaison").await;
    desk.expect_button(at, &liaison, "k:").await;
    let at = desk.press(at, &son, "k:s:").await;
    desk.expect_text(at, &son, "you checked in on their behalf").await;
    desk.expect_text(at, &liaison, "All clear: the resident of room 302 (E01) is fine").await;
    let mut db = Db::connect(&desk.db).await;
    assert_eq!(db.rows("SELECT outcome FROM checkin_days").await, ["late"]);
    let kinds = db.rows("SELECT kind FROM events WHERE kind = 'checked_in'").await;
    assert_eq!(kinds, ["checked_in"], "checking in for someone else is on record");
}

async fn a_liaison_proposes_check_ins_from_the_building_list_and_they_start_only_when_the_resident_accepts(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let households = "building,room,members,tags,note\nE01,302,1,elderly_alone,\n";
    desk.telegram.add_file("households", households.as_bytes().to_vec());
    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "households.csv").await;
    let at = desk.push(document_message(&admin, "households", "households.csv", "text/csv"));
    desk.expect_text(at, &admin, "households.csv imported: 1 new").await;
    let liaison = User::new(3001, "Liaison").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(2003, "Grandma").with_language("en");
    resident_registers(&desk, &resident).await;

    // The household's button in the building list offers the proposal.
    let at = desk.push(text_message(&liaison, "/building"));
    let (_, household) = desk.expect_button(at, &liaison, "h:").await;
    let at = desk.press(at, &liaison, &household).await;
    let propose = format!("{household}:p");
    let (detail, _) = desk.expect_button(at, &liaison, &propose).await;
    assert!(detail.text().unwrap().contains("Room 302"), "{:?}", detail.text());
    let at = desk.press(at, &liaison, &propose).await;
    desk.expect_text(at, &liaison, "By what hour should the residents of room 302 check in").await;
    let at = desk.press(at, &liaison, &format!("{propose}:9")).await;
    desk.expect_text(at, &liaison, "Proposed to the residents of room 302; they decide").await;
    let (proposal, _) = desk.expect_button(at, &resident, "k:p:y").await;
    assert!(proposal.text().unwrap().contains("by 09:00"), "{:?}", proposal.text());

    // Nothing runs until the resident says yes: their consent is recorded.
    let mut db = Db::connect(&desk.db).await;
    assert!(db.rows("SELECT person_id FROM checkins").await.is_empty(), "consent is never assumed");
    let at = desk.press(at, &resident, "k:p:y").await;
    desk.expect_text(at, &resident, "Daily check-ins are on: by 09:00 every day").await;
    let kinds =
        db.rows("SELECT kind FROM events WHERE kind IN ('checkins_proposed', 'checkins_changed') ORDER BY id").await;
    assert_eq!(kinds, ["checkins_proposed", "checkins_changed"]);
    assert_eq!(db.rows("SELECT state FROM checkins").await, ["on"]);

    // Now enrolled, the household is not offered check-ins again.
    let at = desk.push(text_message(&liaison, "/building"));
    let at = desk.press(at, &liaison, &household).await;
    let (detail, _) = desk.expect_button(at, &liaison, "v:").await;
    assert!(detail.button(&propose).is_none(), "{:?}", detail.callback_data_buttons());
}
