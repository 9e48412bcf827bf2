//! Visits, who may see a building's households, coverage and the care
//! rounds, through the use cases on both backends.

use chrono::{DateTime, TimeZone, Utc};
use chrono_tz::Asia::Shanghai;
use community_desk::app::care::{self, CareReach, Sight, VisitRefusal, VisitReport};
use community_desk::app::clock::Policy;
use community_desk::app::directory::{self, DirectoryFile};
use community_desk::app::{export, privacy};
use community_desk::domain::scope::AdminScope;
use community_desk::domain::visits::{Coverage, VisitOutcome};
use community_desk::domain::{BuildingCode, Category, PersonId, Phone, Room, TelegramId, UnitId, Urgency};
use community_desk::i18n::{I18n, Locale};
use community_desk::store::{BindOutcome, FeedQuery, Store, Tx};
use community_desk::web::open311::record;

use crate::support::db::TestDb;
use crate::support::on_both_backends;

on_both_backends!(
    a_liaison_of_another_building_cannot_see_a_households_tags,
    a_visit_that_finds_need_makes_a_request_routed_as_usual,
    only_the_buildings_liaison_records_its_visits_and_needs_help_needs_a_note,
    the_households_due_come_first_and_coverage_counts_the_visits_of_the_period,
    each_round_goes_out_once_and_the_digest_names_buildings_under_target,
    a_resident_sees_their_household_and_its_visits_until_the_care_retention_deletes_them,
    the_note_of_a_visit_never_reaches_the_export_or_the_open311_feed_through_the_request_it_made,
);

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,3\n\
    绿杨社区,第一网格,东苑,E02,1\n";

const PEOPLE: &str = "name,phone,role,unit\n\
    王芳,13800000001,liaison,E01\n\
    李强,13800000002,liaison,E02\n\
    赵敏,13800000003,group_leader,第一网格/东苑\n";

const HOUSEHOLDS: &str = "building,room,members,tags,note\n\
    E01,101,1,elderly_alone;disabled,耳背，请用力敲门\n\
    E01,102,2,empty_nest,\n\
    E01,201,3,renter,\n\
    E02,101,1,elderly_alone,\n";

struct Community {
    store: Store,
    liaison: PersonId,
    other_liaison: PersonId,
    leader: PersonId,
    e01: UnitId,
}

fn at(text: &str) -> DateTime<Utc> {
    let local = chrono::NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").unwrap();
    Shanghai.from_local_datetime(&local).unwrap().with_timezone(&Utc)
}

async fn bind(store: &Store, telegram: i64, phone: &str) -> PersonId {
    let mut tx = store.begin().await.unwrap();
    let person = tx.touch_person(TelegramId(telegram), Some("someone"), None, 0).await.unwrap();
    let outcome = tx.bind_phone(person.id, &Phone::parse(phone).unwrap()).await.unwrap();
    assert!(matches!(outcome, BindOutcome::Bound { .. }));
    tx.commit().await.unwrap();
    person.id
}

async fn community(db: &TestDb) -> Community {
    let store = Store::connect(db.url()).await.unwrap();
    let files = [("units.csv", UNITS), ("people.csv", PEOPLE), ("households.csv", HOUSEHOLDS)]
        .map(|(name, text)| DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() });
    for report in directory::import(&store, files.into(), &[], 0).await.unwrap() {
        report.outcome.expect("the community imports");
    }
    let liaison = bind(&store, 1001, "13800000001").await;
    let other_liaison = bind(&store, 1002, "13800000002").await;
    let leader = bind(&store, 1003, "13800000003").await;
    let mut tx = store.begin().await.unwrap();
    let e01 = tx.building_by_code(&BuildingCode::parse("E01").unwrap()).await.unwrap().unwrap().id;
    drop(tx);
    Community { store, liaison, other_liaison, leader, e01 }
}

async fn reach(tx: &mut Tx, person: PersonId) -> CareReach {
    CareReach::of(tx, person, AdminScope::Nowhere).await.unwrap()
}

async fn household(tx: &mut Tx, building: UnitId, room: &str) -> i64 {
    tx.households_of(building).await.unwrap().into_iter().find(|h| h.room.to_string() == room).unwrap().id
}

async fn visit(
    c: &Community,
    by: PersonId,
    room: &str,
    outcome: VisitOutcome,
    note: Option<&str>,
    now: DateTime<Utc>,
) -> Result<care::VisitDone, VisitRefusal> {
    let mut tx = c.store.begin().await.unwrap();
    let policy = Policy::load(&mut tx, Shanghai).await.unwrap();
    let reach = reach(&mut tx, by).await;
    let report =
        VisitReport { household: household(&mut tx, c.e01, room).await, outcome, note: note.map(str::to_string) };
    let done = care::record_visit(&mut tx, by, &reach, &report, &policy, now).await.unwrap();
    tx.commit().await.unwrap();
    done
}

async fn a_liaison_of_another_building_cannot_see_a_households_tags(db: TestDb) {
    let c = community(&db).await;
    let mut tx = c.store.begin().await.unwrap();
    assert_eq!(reach(&mut tx, c.liaison).await.sight(c.e01), Some(Sight::Full));
    assert_eq!(reach(&mut tx, c.other_liaison).await.sight(c.e01), None, "E02's liaison sees nothing of E01");
    assert_eq!(reach(&mut tx, c.leader).await.sight(c.e01), Some(Sight::Plain), "the group leader above, no notes");
    let units = tx.units().await.unwrap();
    let community = units.iter().find(|u| u.parent.is_none()).unwrap().id;
    let estate = units.iter().find(|u| u.name == "东苑").unwrap().id;
    let admin = CareReach::of(&mut tx, c.leader, AdminScope::Units(vec![community])).await.unwrap();
    assert_eq!(admin.sight(c.e01), Some(Sight::Full), "an admin of the community sees everything");
    let estate_admin = CareReach::of(&mut tx, c.other_liaison, AdminScope::Units(vec![estate])).await.unwrap();
    assert_eq!(estate_admin.sight(c.e01), Some(Sight::Plain), "an admin below the community sees no sensitive tag");
    let resident = tx.touch_person(TelegramId(5001), Some("resident"), None, 0).await.unwrap().id;
    assert_eq!(reach(&mut tx, resident).await.sight(c.e01), None);
}

async fn a_visit_that_finds_need_makes_a_request_routed_as_usual(db: TestDb) {
    let c = community(&db).await;
    let mut tx = c.store.begin().await.unwrap();
    let resident = tx.touch_person(TelegramId(5001), Some("resident"), None, 0).await.unwrap().id;
    tx.register_resident(resident, c.e01, Some(&Room::parse("101").unwrap()), 0).await.unwrap();
    tx.commit().await.unwrap();
    let now = at("2026-12-04 10:00");
    let done = visit(&c, c.liaison, "101", VisitOutcome::NeedsHelp, Some("暖气不热，需要维修"), now).await.unwrap();
    let request = done.request.expect("needs help makes a request").request;
    assert_eq!(request.resident, Some(resident), "in the name of the household's registered resident");
    assert_eq!(request.room.as_deref(), Some("101"));
    assert_eq!((request.category, request.urgency), (Category::Elderly, Urgency::Urgent));
    assert_eq!(request.assignee, Some(c.liaison), "routed as usual: the building's liaison first");
    let mut tx = c.store.begin().await.unwrap();
    let visits = tx.visits_of(done.household.id).await.unwrap();
    assert_eq!(visits.len(), 1);
    assert_eq!(visits[0].request, Some(request.id));
    assert_eq!(visits[0].note.as_deref(), Some("暖气不热，需要维修"));
    let care = tx.household_care(c.e01).await.unwrap();
    assert_eq!((care[0].residents, care[0].open_requests), (1, 1));
}

async fn only_the_buildings_liaison_records_its_visits_and_needs_help_needs_a_note(db: TestDb) {
    let c = community(&db).await;
    let now = at("2026-12-04 10:00");
    let refused = visit(&c, c.other_liaison, "101", VisitOutcome::AllWell, None, now).await;
    assert_eq!(refused.unwrap_err(), VisitRefusal::NotYourBuilding);
    let refused = visit(&c, c.liaison, "101", VisitOutcome::NeedsHelp, Some("  "), now).await;
    assert_eq!(refused.unwrap_err(), VisitRefusal::NoteNeeded);
    let mut tx = c.store.begin().await.unwrap();
    let id = household(&mut tx, c.e01, "101").await;
    assert!(tx.visits_of(id).await.unwrap().is_empty(), "a refused visit leaves nothing");
}

async fn the_households_due_come_first_and_coverage_counts_the_visits_of_the_period(db: TestDb) {
    let c = community(&db).await;
    visit(&c, c.liaison, "102", VisitOutcome::AllWell, None, at("2026-11-20 10:00")).await.unwrap();
    visit(&c, c.liaison, "101", VisitOutcome::NobodyHome, None, at("2026-12-02 10:00")).await.unwrap();
    let now = at("2026-12-04 10:00");
    let mut tx = c.store.begin().await.unwrap();
    let reach = reach(&mut tx, c.liaison).await;
    let choices = care::visit_choices(&mut tx, &reach, now, Shanghai).await.unwrap();
    let rooms: Vec<String> = choices.iter().map(|(_, care, _)| care.household.room.to_string()).collect();
    assert_eq!(rooms, ["101", "102", "201"], "101 is due (nobody was home); 102's quarter is covered");
    assert!(choices[0].2.is_due(care::local_date(now, Shanghai)));
    let coverage = care::coverage(&mut tx, |_| true, now, Shanghai).await.unwrap();
    assert_eq!(coverage.get(&c.e01), Some(&Coverage { visited: 1, target: 2 }));
    assert_eq!(coverage.len(), 2, "E02 has a target too; a building without one is left out");
}

async fn each_round_goes_out_once_and_the_digest_names_buildings_under_target(db: TestDb) {
    let c = community(&db).await;
    // E01's elderly household was visited in November, E02's was not.
    visit(&c, c.liaison, "101", VisitOutcome::AllWell, None, at("2026-11-10 10:00")).await.unwrap();
    visit(&c, c.liaison, "101", VisitOutcome::AllWell, None, at("2026-12-01 09:00")).await.unwrap();
    let mut tx = c.store.begin().await.unwrap();
    let (lists, digests) = care::rounds(&mut tx, at("2026-12-01 10:00"), Shanghai).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = c.store.begin().await.unwrap();
    let e01_list = lists.iter().find(|l| l.to == c.liaison).expect("E01's liaison gets a list");
    assert_eq!(e01_list.buildings.len(), 1);
    let due: Vec<String> = e01_list.buildings[0].1.iter().map(ToString::to_string).collect();
    assert_eq!(due, ["102"], "101 was visited this month already; 102's quarter is due");
    assert!(lists.iter().any(|l| l.to == c.other_liaison));
    assert_eq!(digests.len(), 1);
    assert_eq!(digests[0].to, c.leader);
    let named: Vec<(&str, Coverage)> = digests[0].buildings.iter().map(|(code, cov)| (code.as_str(), *cov)).collect();
    assert_eq!(named, [("E02", Coverage { visited: 0, target: 1 })], "E01 met November's target");
    let (lists, digests) = care::rounds(&mut tx, at("2026-12-03 08:00"), Shanghai).await.unwrap();
    assert!(lists.is_empty() && digests.is_empty(), "a round is made once a month and once a week");
    let (lists, digests) = care::rounds(&mut tx, at("2026-12-08 08:00"), Shanghai).await.unwrap();
    assert!(lists.is_empty(), "the month's list went out already");
    assert_eq!(digests.len(), 1, "a new week brings a new digest");
}

async fn a_resident_sees_their_household_and_its_visits_until_the_care_retention_deletes_them(db: TestDb) {
    let c = community(&db).await;
    let mut tx = c.store.begin().await.unwrap();
    let resident = tx.touch_person(TelegramId(5001), Some("resident"), None, 0).await.unwrap().id;
    tx.register_resident(resident, c.e01, Some(&Room::parse("101").unwrap()), 0).await.unwrap();
    tx.commit().await.unwrap();
    let now = Utc::now();
    let long_ago = now - chrono::Duration::days(400);
    visit(&c, c.liaison, "101", VisitOutcome::AllWell, Some("一切都好"), long_ago).await.unwrap();
    visit(&c, c.liaison, "101", VisitOutcome::NobodyHome, None, now - chrono::Duration::days(3)).await.unwrap();
    let mut tx = c.store.begin().await.unwrap();
    let data = privacy::my_data(&mut tx, resident).await.unwrap();
    drop(tx);
    assert_eq!(data["household"]["room"], "101");
    assert_eq!(data["household"]["tags"], serde_json::json!(["elderly_alone", "disabled"]));
    assert_eq!(data["household"]["note"], "耳背，请用力敲门");
    assert_eq!(data["household"]["visits"].as_array().unwrap().len(), 2);
    privacy::daily_cleanup(&c.store, 180, 365, now).await.unwrap();
    let mut tx = c.store.begin().await.unwrap();
    let id = household(&mut tx, c.e01, "101").await;
    let kept: Vec<VisitOutcome> = tx.visits_of(id).await.unwrap().iter().map(|v| v.outcome).collect();
    assert_eq!(kept, [VisitOutcome::NobodyHome], "the visit older than 365 days is deleted");
    privacy::forget(&mut tx, resident, now).await.unwrap();
    assert_eq!(tx.household_of_resident(resident).await.unwrap(), None, "forgetting unlinks the household");
    assert_eq!(privacy::my_data(&mut tx, resident).await.unwrap()["household"], serde_json::Value::Null);
}

async fn the_note_of_a_visit_never_reaches_the_export_or_the_open311_feed_through_the_request_it_made(db: TestDb) {
    let c = community(&db).await;
    let now = at("2026-12-04 10:00");
    // 201 is a renter's household: the request is not of a sensitive
    // category, yet its description is the visit's note.
    let note = "canary 60412: the tenant cannot climb the stairs since the stroke";
    let done = visit(&c, c.liaison, "201", VisitOutcome::NeedsHelp, Some(note), now).await.unwrap();
    let request = done.request.expect("needs help makes a request").request;
    assert_eq!(request.category, Category::Household);

    let mut tx = c.store.begin().await.unwrap();
    let (csv, rows) = export::requests_csv(&mut tx, 0, i64::MAX, Shanghai).await.unwrap();
    assert_eq!(rows, 1);
    assert!(!csv.contains("canary 60412"), "{csv}");

    let query = FeedQuery { from: 0, to: i64::MAX, statuses: Vec::new(), categories: Vec::new(), limit: 10, offset: 0 };
    let feed = tx.feed_requests(&query).await.unwrap();
    assert_eq!(feed.len(), 1);
    assert!(feed[0].from_visit, "the feed knows the request came from a visit");
    let i18n = I18n::load().unwrap();
    let shown = record::service_request(i18n.get(Locale::En), &feed[0], Shanghai);
    assert!(!format!("{shown:?}").contains("canary 60412"), "{shown:?}");
    let one = tx.feed_request(feed[0].number).await.unwrap();
    assert!(one[0].from_visit);
}
