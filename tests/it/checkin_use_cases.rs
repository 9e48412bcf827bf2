//! The daily check-in use cases without Telegram, on both backends: each
//! rung of the ladder fired as its timer would, and who hears what.

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use community_desk::app::checkins::{self, CheckinNotice, Door, DoorDone};
use community_desk::app::clock::Policy;
use community_desk::app::directory::{self, DirectoryFile};
use community_desk::app::{people, privacy};
use community_desk::domain::checkin::{AlertOutcome, CheckinTimer, Enrolment, Rung};
use community_desk::domain::{BuildingCode, Description, PersonId, Phone, Room, TelegramId};
use community_desk::store::{Store, Tx, millis};

use crate::support::db::{Db, TestDb};
use crate::support::on_both_backends;

on_both_backends!(
    a_missed_day_climbs_the_ladder_and_a_late_check_in_clears_everyone_alerted,
    a_paused_or_stopped_resident_gets_no_greeting_and_only_a_linked_relative_checks_in_for_them,
    check_ins_and_family_links_are_in_the_residents_data_until_the_care_retention_or_forget_erases_them,
);

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,36\n";

const PEOPLE: &str = "name,phone,role,unit\n\
    王芳,13800000001,liaison,E01\n\
    李强,13800000002,group_leader,东苑\n";

const HOUSEHOLDS: &str = "building,room,members,tags,note\n\
    E01,301,1,elderly_alone,耳背，请用力敲门\n";

const TZ: chrono_tz::Tz = chrono_tz::Asia::Shanghai;

fn at(text: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(text).unwrap().with_timezone(&Utc)
}

fn nine() -> NaiveTime {
    NaiveTime::from_hms_opt(9, 0, 0).unwrap()
}

async fn directory(db: &TestDb) -> Store {
    let store = Store::connect(db.url()).await.expect("the test database opens");
    let files = [("units.csv", UNITS), ("people.csv", PEOPLE), ("households.csv", HOUSEHOLDS)]
        .map(|(name, text)| DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() });
    for report in directory::import(&store, Vec::from(files), &[], 0).await.unwrap() {
        report.outcome.expect("the directory imports");
    }
    store
}

async fn someone(tx: &mut Tx, telegram: i64) -> PersonId {
    tx.touch_person(TelegramId(telegram), Some("someone"), None, 0).await.unwrap().id
}

async fn resident(tx: &mut Tx, telegram: i64, room: &str) -> PersonId {
    let person = someone(tx, telegram).await;
    let unit = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    people::register(tx, person, unit, Some(&Room::parse(room).unwrap()), 0).await.unwrap();
    person
}

async fn staff(tx: &mut Tx, telegram: i64, phone: &str) -> PersonId {
    let person = someone(tx, telegram).await;
    people::bind_phone(tx, person, &Phone::parse(phone).unwrap(), 0).await.unwrap();
    person
}

/// The pending check-in timers: rung and minutes after the deadline.
async fn pending(db: &TestDb) -> Vec<String> {
    Db::connect(db)
        .await
        .rows(
            "SELECT payload FROM jobs WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%checkin%' ORDER BY due_at",
        )
        .await
}

fn timer(person: PersonId, deadline: DateTime<Utc>, rung: Rung) -> CheckinTimer {
    CheckinTimer { checkin: person.0, deadline: millis(deadline), rung }
}

fn recipients(notices: &[CheckinNotice]) -> Vec<(PersonId, &'static str)> {
    let mut all: Vec<(PersonId, &'static str)> = notices
        .iter()
        .map(|n| match n {
            CheckinNotice::Greeting { to, .. } => (*to, "greeting"),
            CheckinNotice::Reminder { to, second: false } => (*to, "reminder"),
            CheckinNotice::Reminder { to, second: true } => (*to, "second"),
            CheckinNotice::Knock { to, undelivered: false, .. } => (*to, "knock"),
            CheckinNotice::Knock { to, undelivered: true, home, .. } => {
                assert_eq!(home.note.as_deref(), Some("耳背，请用力敲门"), "the liaison's card carries the note");
                (*to, "knock: greeting undelivered")
            }
            CheckinNotice::Missed { to, .. } => (*to, "missed"),
            CheckinNotice::NobodyAnswered { to, .. } => (*to, "nobody"),
            CheckinNotice::AllClear { to, .. } => (*to, "all clear"),
        })
        .collect();
    all.sort();
    all
}

async fn a_missed_day_climbs_the_ladder_and_a_late_check_in_clears_everyone_alerted(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let liaison = staff(&mut tx, 3001, "13800000001").await;
    let leader = staff(&mut tx, 3002, "13800000002").await;
    let old = resident(&mut tx, 2001, "301").await;
    let daughter = someone(&mut tx, 4001).await;
    let now = at("2026-12-03T23:30:00Z"); // 07:30 in Shanghai
    checkins::family_link(&mut tx, old, "tok1", now).await.unwrap();
    assert_eq!(checkins::link_family(&mut tx, "tok1", daughter, now).await.unwrap(), Some(old));
    assert_eq!(checkins::link_family(&mut tx, "tok1", liaison, now).await.unwrap(), None, "single use");
    let on = checkins::turn_on(&mut tx, old, nine(), now, TZ).await.unwrap().unwrap();
    assert_eq!(on, Enrolment::On { hour: nine() });
    tx.commit().await.unwrap();
    let deadline = at("2026-12-04T01:00:00Z");
    assert_eq!(
        pending(&db).await,
        [format!(r#"{{"checkin":{},"deadline":{},"rung":"greeting"}}"#, old.0, millis(deadline))]
    );

    let mut tx = store.begin().await.unwrap();
    let mut fire = Vec::new();
    for rung in Rung::ALL.into_iter().take(4) {
        let when = deadline + rung.offset();
        if rung == Rung::Liaison {
            // The resident blocked the bot: the greeting never reached them.
            tx.set_reachable(old, false).await.unwrap();
        }
        fire.push(recipients(&checkins::fire(&mut tx, &timer(old, deadline, rung), when, TZ).await.unwrap()));
    }
    assert_eq!(fire[0], [(old, "greeting")]);
    assert_eq!(fire[1], [(old, "reminder")]);
    assert_eq!(fire[2], [(old, "second")]);
    assert_eq!(
        fire[3],
        [(liaison, "knock: greeting undelivered"), (daughter, "missed")],
        "the liaison and the family, nobody else"
    );
    let building = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    let household = tx.household_of_resident(old).await.unwrap().expect("301 is linked").id;
    assert_eq!(tx.households_with_checkin_alert(building).await.unwrap(), [household], "the map's mark is on");
    let liaison_rung = timer(old, deadline, Rung::Liaison);
    let again = checkins::fire(&mut tx, &liaison_rung, deadline + Duration::hours(1), TZ).await.unwrap();
    assert!(again.is_empty(), "a rung fires once");
    tx.commit().await.unwrap();
    let next = pending(&db).await;
    assert!(next.iter().any(|p| p.contains("up_the_chain")), "{next:?}");
    assert!(
        next.iter().any(|p| p.contains(&millis(deadline + Duration::days(1)).to_string()) && p.contains("greeting")),
        "tomorrow's greeting is scheduled: {next:?}"
    );

    let mut tx = store.begin().await.unwrap();
    let day = tx.waiting_checkin_day(old).await.unwrap().unwrap();
    let help = Description::parse("needs help").unwrap();
    let policy = Policy::load(&mut tx, TZ).await.unwrap();
    let stranger = someone(&mut tx, 5001).await;
    let refused =
        checkins::at_the_door(&mut tx, stranger, day.id, Door::Going, &help, &policy, deadline).await.unwrap();
    assert_eq!(refused, DoorDone::Stale, "only someone alerted acts on it");
    let going = checkins::at_the_door(&mut tx, liaison, day.id, Door::Going, &help, &policy, deadline).await.unwrap();
    assert!(matches!(going, DoorDone::Going { .. }), "{going:?}");
    let chain = timer(old, deadline, Rung::UpTheChain);
    assert!(checkins::fire(&mut tx, &chain, deadline + Duration::minutes(90), TZ).await.unwrap().is_empty());
    let nobody = checkins::at_the_door(&mut tx, liaison, day.id, Door::NobodyAnswers, &help, &policy, deadline);
    let DoorDone::NobodyAnswered { notices, .. } = nobody.await.unwrap() else { panic!("nobody answered") };
    assert_eq!(recipients(&notices), [(leader, "nobody"), (daughter, "nobody")]);
    let late = checkins::check_in(&mut tx, old, old, deadline + Duration::minutes(100)).await.unwrap().unwrap();
    assert_eq!(recipients(&late.all_clear), [(liaison, "all clear"), (leader, "all clear"), (daughter, "all clear")]);
    assert!(checkins::check_in(&mut tx, old, old, deadline).await.unwrap().is_none(), "nothing waits any more");
    assert!(tx.households_with_checkin_alert(building).await.unwrap().is_empty(), "the map's mark is off");
    let outcomes = tx.checkin_outcomes(0).await.unwrap();
    assert_eq!(outcomes, [(building, AlertOutcome::Late, 1)]);
    tx.commit().await.unwrap();
    let events = Db::connect(&db)
        .await
        .rows("SELECT kind FROM events WHERE kind LIKE '%checkin%' OR kind IN ('checked_in', 'family_linked') ORDER BY id")
        .await;
    assert_eq!(events, ["family_linked", "checkins_changed", "checkin_alert_closed", "checked_in"]);
}

async fn a_paused_or_stopped_resident_gets_no_greeting_and_only_a_linked_relative_checks_in_for_them(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let old = resident(&mut tx, 2001, "301").await;
    let son = someone(&mut tx, 4001).await;
    let stranger = someone(&mut tx, 4002).await;
    let now = at("2026-12-03T23:30:00Z");
    let deadline = at("2026-12-04T01:00:00Z");
    checkins::turn_on(&mut tx, old, nine(), now, TZ).await.unwrap().unwrap();
    let until = NaiveDate::from_ymd_opt(2026, 12, 24).unwrap();
    let paused = checkins::pause(&mut tx, old, until, now, TZ).await.unwrap().unwrap();
    assert_eq!(paused, Enrolment::Paused { hour: nine(), until });
    let greeting = timer(old, deadline, Rung::Greeting);
    assert!(checkins::fire(&mut tx, &greeting, deadline - Duration::hours(1), TZ).await.unwrap().is_empty());
    tx.commit().await.unwrap();
    let after_pause = millis(at("2026-12-25T01:00:00Z")).to_string();
    assert!(pending(&db).await.iter().any(|p| p.contains(&after_pause)), "the day after the pause is next");

    let mut tx = store.begin().await.unwrap();
    checkins::turn_on(&mut tx, old, nine(), now, TZ).await.unwrap().unwrap();
    let notices = checkins::fire(&mut tx, &greeting, deadline - Duration::hours(1), TZ).await.unwrap();
    assert_eq!(recipients(&notices), [(old, "greeting")]);
    checkins::family_link(&mut tx, old, "tok2", now).await.unwrap();
    checkins::link_family(&mut tx, "tok2", son, now).await.unwrap();
    assert!(checkins::check_in_for(&mut tx, stranger, old, deadline).await.unwrap().is_none(), "not family");
    let done = checkins::check_in_for(&mut tx, son, old, deadline).await.unwrap().unwrap();
    assert!(done.all_clear.is_empty(), "nobody was alerted yet");
    let off = checkins::turn_off(&mut tx, old, now, TZ).await.unwrap().unwrap();
    assert_eq!(off, Enrolment::Off);
    let tomorrow = timer(old, deadline + Duration::days(1), Rung::Greeting);
    assert!(checkins::fire(&mut tx, &tomorrow, deadline + Duration::hours(23), TZ).await.unwrap().is_empty());
    let refused = checkins::turn_on(&mut tx, son, nine(), now, TZ).await.unwrap();
    assert!(refused.is_err(), "only a resident enrols");
    tx.commit().await.unwrap();
}

async fn check_ins_and_family_links_are_in_the_residents_data_until_the_care_retention_or_forget_erases_them(
    db: TestDb,
) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let old = resident(&mut tx, 2001, "301").await;
    let son = someone(&mut tx, 4001).await;
    let now = at("2026-12-03T23:30:00Z");
    let deadline = at("2026-12-04T01:00:00Z");
    checkins::turn_on(&mut tx, old, nine(), now, TZ).await.unwrap().unwrap();
    let greeting = timer(old, deadline, Rung::Greeting);
    checkins::fire(&mut tx, &greeting, deadline - Duration::hours(1), TZ).await.unwrap();
    checkins::check_in(&mut tx, old, old, deadline - Duration::minutes(30)).await.unwrap().unwrap();
    checkins::family_link(&mut tx, old, "tok3", now).await.unwrap();
    checkins::link_family(&mut tx, "tok3", son, now).await.unwrap();

    // /mydata: the household record, the check-in history, the family links.
    let data = privacy::my_data(&mut tx, old).await.unwrap();
    assert_eq!(data["household"]["room"], "301");
    assert_eq!(data["household"]["tags"], serde_json::json!(["elderly_alone"]));
    assert_eq!(data["household"]["note"], "耳背，请用力敲门");
    let checkins = &data["checkins"];
    assert!(checkins["enrolment"].as_str().is_some_and(|e| e.starts_with("On")), "{checkins}");
    let days = checkins["days"].as_array().unwrap();
    assert_eq!(days.len(), 1, "{checkins}");
    assert!(days[0]["checked_in_at"].is_string(), "{checkins}");
    assert_eq!(checkins["relatives"], serde_json::json!([son.0]));
    assert_eq!(privacy::my_data(&mut tx, son).await.unwrap()["checkins"]["relative_of"], serde_json::json!([old.0]));
    tx.commit().await.unwrap();

    // The daily clean-up deletes the days older than the care retention
    // (here 30 days); the resident's own choice stays.
    privacy::daily_cleanup(&store, 180, 31, deadline + Duration::days(30)).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(privacy::my_data(&mut tx, old).await.unwrap()["checkins"]["days"].as_array().unwrap().len(), 1);
    tx.commit().await.unwrap();
    privacy::daily_cleanup(&store, 180, 30, deadline + Duration::days(31)).await.unwrap();
    let mut tx = store.begin().await.unwrap();
    let checkins = privacy::my_data(&mut tx, old).await.unwrap()["checkins"].clone();
    assert_eq!(checkins["days"], serde_json::json!([]), "{checkins}");
    assert!(checkins["enrolment"].is_string(), "{checkins}");

    // /forget erases the choice, the days and the links, either side.
    privacy::forget(&mut tx, old, now).await.unwrap();
    let checkins = privacy::my_data(&mut tx, old).await.unwrap()["checkins"].clone();
    let nothing = serde_json::json!({ "enrolment": null, "days": [], "relatives": [], "relative_of": [] });
    assert_eq!(checkins, nothing);
    assert_eq!(privacy::my_data(&mut tx, son).await.unwrap()["checkins"]["relative_of"], serde_json::json!([]));
    tx.commit().await.unwrap();
    let mut db = Db::connect(&db).await;
    for table in [
        "SELECT COUNT(*) FROM checkins",
        "SELECT COUNT(*) FROM checkin_days",
        "SELECT COUNT(*) FROM family_links",
        "SELECT COUNT(*) FROM checkin_proposals",
    ] {
        assert_eq!(db.rows(table).await, ["0"], "{table}");
    }
}
