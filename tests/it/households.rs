//! Importing `households.csv` and linking residents to their households, on
//! both backends.

use community_desk::app::directory::{self, DirectoryFile, FileKind};
use community_desk::domain::scope::AdminScope;
use community_desk::domain::{BuildingCode, PersonId, Room, TelegramId, UnitId};
use community_desk::store::{ImportCounts, Store};

use crate::support::db::TestDb;
use crate::support::on_both_backends;

on_both_backends!(
    a_good_households_file_imports_and_importing_it_again_changes_nothing,
    a_changed_household_is_updated_and_the_others_stay_unchanged,
    a_households_file_with_a_bad_row_applies_nothing,
    an_admin_outside_a_building_may_not_load_its_households,
    a_resident_is_linked_to_their_household_whichever_came_first,
    the_example_community_has_all_its_households,
);

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,4\n\
    绿杨社区,第二网格,西苑,W01,2\n";

const HOUSEHOLDS: &str = "building,room,members,tags,note\n\
    E01,101,1,elderly_alone;chronic_illness,耳背，请用力敲门\n\
    E01,102,3,child_care,\n\
    E01,201,2,empty_nest,\n\
    E01,202,0,vacant,\n\
    W01,1-101,4,,\n\
    W01,2-101,1,elderly_alone,\n";

fn file(name: &str, text: &str) -> DirectoryFile {
    DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() }
}

async fn import(store: &Store, name: &str, text: &str) -> Result<ImportCounts, Vec<String>> {
    let reports = directory::import(store, vec![file(name, text)], &[], 0).await.unwrap();
    let report = reports.into_iter().next().unwrap();
    report.outcome.map_err(|errors| errors.iter().map(ToString::to_string).collect())
}

async fn community(db: &TestDb) -> Store {
    let store = Store::connect(db.url()).await.expect("the test database opens");
    import(&store, "units.csv", UNITS).await.expect("the units import");
    store
}

async fn building(store: &Store, code: &str) -> UnitId {
    let mut tx = store.begin().await.unwrap();
    tx.building_by_code(&BuildingCode::parse(code).unwrap()).await.unwrap().expect("the building exists").id
}

async fn a_good_households_file_imports_and_importing_it_again_changes_nothing(db: TestDb) {
    let store = community(&db).await;
    assert_eq!(FileKind::detect(HOUSEHOLDS.as_bytes()), Some(FileKind::Households));
    let first = import(&store, "households.csv", HOUSEHOLDS).await.unwrap();
    assert_eq!(first, ImportCounts { created: 6, updated: 0, unchanged: 0 });
    let again = import(&store, "households.csv", HOUSEHOLDS).await.unwrap();
    assert_eq!(again, ImportCounts { created: 0, updated: 0, unchanged: 6 });
    let e01 = building(&store, "E01").await;
    let w01 = building(&store, "W01").await;
    let mut tx = store.begin().await.unwrap();
    let households = tx.households_of(e01).await.unwrap();
    let rooms: Vec<String> = households.iter().map(|h| h.room.to_string()).collect();
    assert_eq!(rooms, ["101", "102", "201", "202"]);
    assert_eq!(households[0].tags, ["elderly_alone", "chronic_illness"]);
    assert_eq!(households[0].note, "耳背，请用力敲门");
    assert_eq!(households[0].members, 1);
    let entrances: Vec<Option<u16>> = tx.households_of(w01).await.unwrap().iter().map(|h| h.room.entrance).collect();
    assert_eq!(entrances, [Some(1), Some(2)]);
}

async fn a_changed_household_is_updated_and_the_others_stay_unchanged(db: TestDb) {
    let store = community(&db).await;
    import(&store, "households.csv", HOUSEHOLDS).await.unwrap();
    // The same tags written in another order are the same household.
    let changed = HOUSEHOLDS
        .replace("E01,101,1,elderly_alone;chronic_illness,", "E01,101,1,chronic_illness;elderly_alone,")
        .replace("E01,102,3,child_care,", "E01,102,4,child_care;renter,");
    let counts = import(&store, "households.csv", &changed).await.unwrap();
    assert_eq!(counts, ImportCounts { created: 0, updated: 1, unchanged: 5 });
}

async fn a_households_file_with_a_bad_row_applies_nothing(db: TestDb) {
    let store = community(&db).await;
    let bad = format!("{HOUSEHOLDS}E01,301,1,lonely,\nE09,101,1,,\n");
    let errors = import(&store, "households.csv", &bad).await.unwrap_err();
    assert_eq!(errors.len(), 2, "{errors:?}");
    assert!(errors[0].starts_with("households.csv:8: unknown tag `lonely`"), "{errors:?}");
    assert_eq!(errors[1], "households.csv:9: unknown unit `E09`");
    let e01 = building(&store, "E01").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.households_of(e01).await.unwrap().is_empty(), "the good lines of a refused file are not applied");
}

async fn an_admin_outside_a_building_may_not_load_its_households(db: TestDb) {
    let store = community(&db).await;
    let mut tx = store.begin().await.unwrap();
    let units = tx.units().await.unwrap();
    let east = units.iter().find(|u| u.name == "东苑").unwrap().id;
    let scope = AdminScope::Units(vec![east]);
    let report =
        directory::import_file(&mut tx, file("households.csv", HOUSEHOLDS), &[], &scope, None, 0).await.unwrap();
    let errors: Vec<String> = report.outcome.unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(
        errors,
        [
            "households.csv:6: `W01` is outside the units you administer",
            "households.csv:7: `W01` is outside the units you administer"
        ]
    );
    drop(tx);
    let mut tx = store.begin().await.unwrap();
    let only_east = "building,room,members,tags,note\nE01,101,1,elderly_alone,\n";
    let report =
        directory::import_file(&mut tx, file("households.csv", only_east), &[], &scope, None, 0).await.unwrap();
    assert_eq!(report.outcome.unwrap().created, 1, "their own building's households load");
}

async fn register(store: &Store, telegram: i64, building: UnitId, room: &str) -> PersonId {
    let mut tx = store.begin().await.unwrap();
    let person = tx.touch_person(TelegramId(telegram), Some("resident"), None, 0).await.unwrap();
    tx.register_resident(person.id, building, Some(&Room::parse(room).unwrap()), 0).await.unwrap();
    tx.commit().await.unwrap();
    person.id
}

async fn a_resident_is_linked_to_their_household_whichever_came_first(db: TestDb) {
    let store = community(&db).await;
    let e01 = building(&store, "E01").await;
    let early = register(&store, 7001, e01, "101").await;
    import(&store, "households.csv", HOUSEHOLDS).await.unwrap();
    let late = register(&store, 7002, e01, "201").await;
    let elsewhere = register(&store, 7003, e01, "908").await;
    let mut tx = store.begin().await.unwrap();
    let room_of = |h: Option<community_desk::store::Household>| h.map(|h| h.room.to_string());
    assert_eq!(room_of(tx.household_of_resident(early).await.unwrap()).as_deref(), Some("101"));
    assert_eq!(room_of(tx.household_of_resident(late).await.unwrap()).as_deref(), Some("201"));
    assert_eq!(tx.household_of_resident(elsewhere).await.unwrap(), None, "a room nobody listed links nowhere");
}

async fn the_example_community_has_all_its_households(db: TestDb) {
    let store = Store::connect(db.url()).await.unwrap();
    let read = |name: &str| {
        let path = format!("{}/{name}", crate::support::desk::EXAMPLES);
        DirectoryFile { name: name.into(), bytes: std::fs::read(path).unwrap() }
    };
    let reports = directory::import(&store, vec![read("households.csv"), read("units.csv")], &[], 0).await.unwrap();
    let households = reports.into_iter().find(|r| r.kind == Some(FileKind::Households)).unwrap();
    assert_eq!(households.outcome.unwrap().created, 4_920);
    let mut tx = store.begin().await.unwrap();
    let mut alone = 0;
    for unit in tx.units().await.unwrap().iter().filter(|u| u.code.is_some()) {
        let listed = tx.households_of(unit.id).await.unwrap();
        assert_eq!(listed.len() as u32, unit.households.unwrap(), "every household of {}", unit.name);
        alone += listed.iter().filter(|h| h.tags.iter().any(|t| t == "elderly_alone")).count();
    }
    assert!((300..=700).contains(&alone), "{alone} elderly people living alone of 4,920 households");
}
