//! The use cases the Telegram layer calls to change data, run without
//! Telegram on both backends: each change is made, and recorded as the
//! event of whoever made it, only when it changes something.

use chrono::NaiveDate;
use community_desk::app::clock::Policy;
use community_desk::app::directory::{self, DirectoryFile};
use community_desk::app::people::{self, RoleChange, RoleChanged};
use community_desk::app::requests::{self, Draft};
use community_desk::app::{admin, conversations, export, notices, settings};
use community_desk::domain::events::Event;
use community_desk::domain::{BuildingCode, Category, Description, PersonId, Phone, Role, TelegramId, Urgency};
use community_desk::i18n::Locale;
use community_desk::store::{BindOutcome, Deadline, Store, Tx};

use crate::support::db::TestDb;
use crate::support::on_both_backends;

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,36\n\
    绿杨社区,第二网格,西苑,W01,30\n";

const PEOPLE: &str = "name,phone,role,unit\n\
    王芳,13800000001,liaison,E01\n\
    周伟,13800000005,admin,绿杨社区\n";

const NOW: i64 = 1_000;

async fn directory(db: &TestDb) -> Store {
    let store = Store::connect(db.url()).await.expect("the test database opens");
    let files = [("units.csv", UNITS), ("people.csv", PEOPLE)]
        .map(|(name, text)| DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() });
    for report in directory::import(&store, Vec::from(files), &[], 0).await.unwrap() {
        report.outcome.expect("the directory imports");
    }
    store
}

async fn someone(tx: &mut Tx, telegram: i64) -> PersonId {
    tx.touch_person(TelegramId(telegram), Some("someone"), None, 0).await.unwrap().id
}

async fn resident_of(tx: &mut Tx, telegram: i64, building: &str) -> PersonId {
    let person = someone(tx, telegram).await;
    let code = BuildingCode::parse(building).unwrap();
    let unit = tx.building_by_code(&code).await.unwrap().expect("the building exists").id;
    people::register(tx, person, unit, None, NOW).await.unwrap();
    person
}

fn phone(digits: &str) -> Phone {
    Phone::parse(digits).unwrap()
}

/// The events someone caused outside any request, oldest first: kind and
/// actor (the directory import, which nobody caused, is left out).
async fn office_events(db: &TestDb) -> Vec<(String, Option<i64>)> {
    let query = "SELECT kind, actor_id FROM events WHERE request_id IS NULL AND actor_id IS NOT NULL ORDER BY id";
    if db.is_postgres() {
        let pool = sqlx::PgPool::connect(db.url()).await.unwrap();
        sqlx::query_as(query).fetch_all(&pool).await.unwrap()
    } else {
        let pool = sqlx::SqlitePool::connect(db.url()).await.unwrap();
        sqlx::query_as(query).fetch_all(&pool).await.unwrap()
    }
}

async fn an_admin_s_settings_change_the_policy_and_only_real_changes_are_recorded(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let admin = someone(&mut tx, 1005).await;
    let hour = std::time::Duration::from_secs(3600);
    settings::set_service_level(&mut tx, admin, Urgency::Normal, Deadline::Resolve, hour, NOW).await.unwrap();
    assert!(settings::set_pooled(&mut tx, admin, Category::Property, true, NOW).await.unwrap());
    assert!(!settings::set_pooled(&mut tx, admin, Category::Property, true, NOW).await.unwrap(), "already pooled");
    let day = NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert!(settings::set_holiday(&mut tx, admin, day, true, NOW).await.unwrap());
    assert!(!settings::set_holiday(&mut tx, admin, day, true, NOW).await.unwrap(), "already a holiday");
    let (_, rows) = export::export_for(&mut tx, admin, 0, i64::MAX, chrono_tz::Asia::Shanghai, NOW).await.unwrap();
    assert_eq!(rows, 0);
    let policy = Policy::load(&mut tx, chrono_tz::Asia::Shanghai).await.unwrap();
    assert_eq!(policy.levels[&Urgency::Normal].resolve_within, hour);
    assert!(tx.pool_categories().await.unwrap().contains(&Category::Property));
    assert_eq!(tx.holidays().await.unwrap(), [day]);
    assert!(settings::set_holiday(&mut tx, admin, day, false, NOW).await.unwrap());
    tx.commit().await.unwrap();
    let kinds = ["service_level_changed", "pool_changed", "holiday_changed", "exported", "holiday_changed"];
    let expected: Vec<_> = kinds.iter().map(|kind| (kind.to_string(), Some(admin.0))).collect();
    assert_eq!(office_events(&db).await, expected);
}

async fn a_bound_phone_and_a_role_change_are_recorded_as_whoever_made_them(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let liaison = someone(&mut tx, 1001).await;
    let bound = people::bind_phone(&mut tx, liaison, &phone("13800000001"), NOW).await.unwrap();
    assert!(matches!(bound, BindOutcome::Bound { roles_gained: 1 }), "{bound:?}");
    let stranger = someone(&mut tx, 1009).await;
    let taken = people::bind_phone(&mut tx, stranger, &phone("13800000001"), NOW).await.unwrap();
    assert!(matches!(taken, BindOutcome::TakenByAnother), "a refused binding records nothing");
    let admin = someone(&mut tx, 1005).await;
    let unit = tx.building_by_code(&BuildingCode::parse("W01").unwrap()).await.unwrap().unwrap().id;
    let newcomer = phone("13800000077");
    let grant = RoleChange { grant: true, role: Role::Deputy, unit, phone: &newcomer, name: "新人" };
    let granted = people::change_role(&mut tx, admin, &grant, NOW).await.unwrap();
    let person = granted.person.expect("someone is made for the phone");
    assert!(granted.changed);
    assert_eq!(
        people::change_role(&mut tx, admin, &grant, NOW).await.unwrap(),
        RoleChanged { person: Some(person), changed: false }
    );
    let revoke = RoleChange { grant: false, ..grant };
    assert_eq!(
        people::change_role(&mut tx, admin, &revoke, NOW).await.unwrap(),
        RoleChanged { person: Some(person), changed: true }
    );
    let unknown = phone("13800000099");
    let nobody = RoleChange { phone: &unknown, ..revoke };
    assert_eq!(
        people::change_role(&mut tx, admin, &nobody, NOW).await.unwrap(),
        RoleChanged { person: None, changed: false }
    );
    tx.commit().await.unwrap();
    let expected = [("phone_bound", liaison), ("role_granted", admin), ("role_revoked", admin)];
    let expected: Vec<_> = expected.iter().map(|(kind, actor)| (kind.to_string(), Some(actor.0))).collect();
    assert_eq!(office_events(&db).await, expected);
}

async fn a_notice_goes_to_the_residents_under_its_unit_who_each_acknowledge_it_once(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let east = resident_of(&mut tx, 5001, "E01").await;
    resident_of(&mut tx, 5002, "W01").await;
    let admin = someone(&mut tx, 1005).await;
    let unit = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    let published = notices::publish(&mut tx, admin, unit, "明天停水", 1005, NOW).await.unwrap();
    let recipients: Vec<PersonId> = published.recipients.iter().map(|r| r.person).collect();
    assert_eq!(recipients, [east]);
    assert_eq!(published.counts.recipients, 1);
    assert!(notices::acknowledge(&mut tx, published.notice, east, NOW).await.unwrap());
    assert!(!notices::acknowledge(&mut tx, published.notice, east, NOW).await.unwrap(), "counted once");
    assert_eq!(tx.notice_counts(published.notice).await.unwrap().acknowledged, 1);
    tx.commit().await.unwrap();
    assert_eq!(office_events(&db).await, [("notice_sent".to_string(), Some(admin.0))]);
}

async fn a_relayed_message_and_a_viewed_timeline_join_the_request_s_story(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let liaison = someone(&mut tx, 1001).await;
    people::bind_phone(&mut tx, liaison, &phone("13800000001"), NOW).await.unwrap();
    let resident = resident_of(&mut tx, 5001, "E01").await;
    let policy = Policy::load(&mut tx, chrono_tz::Asia::Shanghai).await.unwrap();
    let draft = Draft {
        category: Category::Property,
        urgency: Urgency::Urgent,
        description: Description::parse("楼道没电了").unwrap(),
        attachments: Vec::new(),
    };
    let id =
        requests::submit(&mut tx, resident, &draft, &policy, chrono::Utc::now()).await.unwrap().unwrap().request.id;
    let relayed = conversations::relay(&mut tx, id, resident, "几点来？", None, NOW).await.unwrap().expect("may talk");
    assert_eq!((relayed.to, relayed.from_resident), (liaison, true));
    let outsider = someone(&mut tx, 1009).await;
    assert!(conversations::relay(&mut tx, id, outsider, "我也想说", None, NOW).await.unwrap().is_none());
    let admin = someone(&mut tx, 1005).await;
    let timeline = admin::view_timeline(&mut tx, id, admin, false, NOW).await.unwrap();
    assert!(!timeline.iter().any(|entry| matches!(entry.event, Event::TimelineViewed { .. })), "shown as it was");
    let events = tx.events_of(id).await.unwrap();
    let said = Event::Relayed { from_resident: true, text: "几点来？".into(), attachment: None };
    assert_eq!(events[events.len() - 2..], [said, Event::TimelineViewed { sensitive: false }]);
}

async fn a_chosen_language_is_kept_and_a_responder_back_from_away_takes_requests_again(db: TestDb) {
    let store = directory(&db).await;
    let mut tx = store.begin().await.unwrap();
    let liaison = someone(&mut tx, 1001).await;
    people::bind_phone(&mut tx, liaison, &phone("13800000001"), NOW).await.unwrap();
    people::set_locale(&mut tx, liaison, Locale::En).await.unwrap();
    assert_eq!(tx.person(liaison).await.unwrap().unwrap().locale.as_deref(), Some("en"));
    let building = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    let away = |chain: Vec<community_desk::domain::routing::ChainLevel>| {
        chain[0].candidates.iter().find(|c| c.person == liaison).map(|c| c.away)
    };
    tx.set_away(liaison, Some(NOW + 86_400_000)).await.unwrap();
    assert_eq!(away(tx.routing_chain(building, None, NOW).await.unwrap()), Some(true));
    people::come_back(&mut tx, liaison).await.unwrap();
    assert_eq!(away(tx.routing_chain(building, None, NOW).await.unwrap()), Some(false));
}

on_both_backends!(
    an_admin_s_settings_change_the_policy_and_only_real_changes_are_recorded,
    a_bound_phone_and_a_role_change_are_recorded_as_whoever_made_them,
    a_notice_goes_to_the_residents_under_its_unit_who_each_acknowledge_it_once,
    a_relayed_message_and_a_viewed_timeline_join_the_request_s_story,
    a_chosen_language_is_kept_and_a_responder_back_from_away_takes_requests_again,
);
