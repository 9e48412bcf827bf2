//! The store's contract, run against SQLite always and against PostgreSQL
//! when `TEST_DATABASE_URL` is set. Each test gets its own database.

use std::sync::Arc;

use community_desk::app::clock::Policy;
use community_desk::app::directory::{self, DirectoryFile};
use community_desk::app::requests::{self, AcceptOutcome, Draft};
use community_desk::domain::escalation::{Timer, TimerKind};
use community_desk::domain::events::Event;
use community_desk::domain::{
    Category, Description, PersonId, Phone, RequestId, RequestNumber, Role, TelegramId, Urgency,
};
use community_desk::store::{BindOutcome, ImportCounts, JobStatus, NewJob, Priority, Queue, Store};

use crate::support::db::TestDb;

/// Declares each contract test once per backend.
macro_rules! contract_tests {
    ($($name:ident),+ $(,)?) => {
        mod sqlite {
            $(
                #[tokio::test]
                async fn $name() {
                    let db = crate::support::db::TestDb::sqlite();
                    super::$name(&db).await;
                }
            )+
        }
        mod postgres {
            $(
                #[tokio::test]
                async fn $name() {
                    let Some(db) = crate::support::db::TestDb::postgres().await else { return };
                    super::$name(&db).await;
                }
            )+
        }
    };
}
pub(crate) use contract_tests;

contract_tests!(
    migrations_can_run_twice,
    importing_the_same_files_twice_changes_nothing,
    a_bad_people_file_applies_nothing,
    sharing_a_listed_phone_binds_the_directory_roles,
    an_admin_only_admin_ids_made_loses_the_role_once_it_no_longer_lists_them,
    a_phone_bound_to_another_account_is_refused,
    request_numbers_count_up_per_community,
    a_new_request_goes_to_the_liaison_with_its_story_in_events,
    a_request_goes_up_the_chain_when_the_liaison_is_away,
    of_many_simultaneous_accepts_exactly_one_wins,
    jobs_of_one_lane_are_claimed_one_at_a_time_in_order,
    the_most_urgent_due_job_is_claimed_first_whenever_it_was_added,
    a_job_abandoned_by_a_crashed_worker_is_claimed_again,
    a_restarted_instance_takes_back_its_leases_at_once,
    a_duplicate_update_is_recorded_once,
    jobs_added_together_keep_their_order_and_skip_known_keys,
    a_counting_claim_says_how_many_updates_the_lane_sent_in_the_window,
    finishing_a_job_says_whether_its_lane_has_more,
    a_job_settled_or_cancelled_holds_no_lease_to_settle_it_again,
    the_cards_of_a_request_are_every_one_sent_and_any_waiting_in_each_chat,
    jobs_finished_together_say_whether_their_lanes_have_more,
    racing_claimers_never_get_the_same_job,
    dialogue_state_is_kept_until_cleared,
    a_sender_comes_with_their_dialogue,
    a_sender_comes_to_their_turn_as_they_stand_with_their_dialogue,
    a_unit_chain_read_again_in_a_transaction_shows_an_import_made_in_it,
    only_someone_above_the_assignee_may_take_over_or_reassign,
    a_use_case_hands_back_the_request_as_the_store_now_holds_it,
    a_normal_request_reported_at_night_is_looked_at_from_eight,
    forgetting_a_person_erases_their_identity_and_keeps_anonymous_requests,
    forgetting_a_person_deletes_the_cards_of_their_requests_but_one_on_its_way,
    finished_requests_are_anonymised_after_the_retention_period,
    a_request_is_resolved_reopened_resolved_again_confirmed_and_rated,
    a_declined_request_goes_to_the_deputy_with_the_reason_recorded,
    an_away_liaison_passes_waiting_requests_and_new_ones_to_the_deputy,
    only_the_resident_and_the_assignee_talk_through_a_request,
    of_volunteers_claiming_at_once_exactly_one_wins,
    a_closed_request_reopens_when_the_follow_up_says_it_is_not_fixed,
    an_emergency_alerts_every_level_at_once,
    a_request_nobody_can_take_is_told_to_the_community_office,
    a_request_nobody_could_take_goes_to_the_first_responder_who_becomes_available,
    a_new_request_is_handed_back_as_it_reads_back_with_its_clock_running_routed_or_not,
    events_recorded_together_are_kept_in_order_each_with_its_kind_and_actor,
    a_resident_may_report_up_to_the_open_limit_and_a_stranger_not_at_all,
    settings_read_again_in_a_transaction_show_a_change_made_in_it,
    a_category_an_admin_adds_to_the_pool_is_offered_to_volunteers,
    an_invitation_is_used_once_and_never_after_it_expires,
    open_requests_and_residents_are_found_only_under_the_unit_asked_for,
    a_notice_copy_is_counted_once_however_often_it_settles,
    a_role_taken_away_no_longer_routes_requests,
    an_admin_may_import_only_within_their_units,
);

const UNITS: &str = "community,grid,estate,building,households\n\
    绿杨社区,第一网格,东苑,E01,36\n\
    绿杨社区,第一网格,东苑,E02,40\n\
    绿杨社区,第二网格,西苑,W01,30\n";

const PEOPLE: &str = "name,phone,role,unit\n\
    王芳,13800000001,liaison,E01\n\
    李强,13800000002,deputy,E01\n\
    赵敏,13800000003,group_leader,第一网格/东苑\n\
    陈静,13800000004,grid_leader,第一网格\n\
    周伟,13800000005,admin,绿杨社区\n";

pub(crate) async fn open(db: &TestDb) -> Store {
    Store::connect(db.url()).await.expect("the test database opens")
}

fn file(name: &str, text: &str) -> DirectoryFile {
    DirectoryFile { name: name.into(), bytes: text.as_bytes().to_vec() }
}

pub(crate) async fn load_directory(store: &Store) {
    let reports =
        directory::import(store, vec![file("units.csv", UNITS), file("people.csv", PEOPLE)], &[], 0).await.unwrap();
    for report in reports {
        report.outcome.expect("the directory imports");
    }
}

/// Binds a directory person to a Telegram account, as sharing their phone does.
pub(crate) async fn bind(store: &Store, telegram: i64, phone: &str) -> PersonId {
    let mut tx = store.begin().await.unwrap();
    let person = tx.touch_person(TelegramId(telegram), Some("someone"), None, 0).await.unwrap();
    let outcome = tx.bind_phone(person.id, &Phone::parse(phone).unwrap()).await.unwrap();
    assert!(matches!(outcome, BindOutcome::Bound { .. }));
    tx.commit().await.unwrap();
    person.id
}

pub(crate) async fn resident(store: &Store, telegram: i64, building: &str) -> PersonId {
    let mut tx = store.begin().await.unwrap();
    let person = tx.touch_person(TelegramId(telegram), Some("resident"), None, 0).await.unwrap();
    let code = community_desk::domain::BuildingCode::parse(building).unwrap();
    let unit = tx.building_by_code(&code).await.unwrap().expect("the building exists");
    tx.register_resident(person.id, unit.id, None, 0).await.unwrap();
    tx.commit().await.unwrap();
    person.id
}

pub(crate) fn draft() -> Draft {
    Draft {
        category: Category::Property,
        urgency: Urgency::Urgent,
        description: Description::parse("楼道没电了").unwrap(),
        attachments: vec![community_desk::domain::Attachment::Photo { file_id: "photo-1".into() }],
    }
}

pub(crate) async fn policy(store: &Store) -> Policy {
    let mut tx = store.begin().await.unwrap();
    Policy::load(&mut tx, chrono_tz::Asia::Shanghai).await.unwrap()
}

/// The example directory with building E01's liaison, its deputy and the
/// estate group leader above them bound, and a resident of E01.
pub(crate) struct Chain {
    pub store: Store,
    pub policy: Policy,
    pub liaison: PersonId,
    pub deputy: PersonId,
    pub leader: PersonId,
    pub resident: PersonId,
}

pub(crate) async fn chain_with_a_resident(db: &TestDb) -> Chain {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let deputy = bind(&store, 1002, "13800000002").await;
    let leader = bind(&store, 1003, "13800000003").await;
    let resident = resident(&store, 5001, "E01").await;
    Chain { store, policy, liaison, deputy, leader, resident }
}

async fn migrations_can_run_twice(db: &TestDb) {
    open(db).await.close().await;
    open(db).await.close().await;
}

async fn importing_the_same_files_twice_changes_nothing(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let again =
        directory::import(&store, vec![file("people.csv", PEOPLE), file("units.csv", UNITS)], &[], 0).await.unwrap();
    let counts: Vec<ImportCounts> = again.into_iter().map(|r| r.outcome.unwrap()).collect();
    assert_eq!(counts[0], ImportCounts { created: 0, updated: 0, unchanged: 3 }, "units first");
    assert_eq!(counts[1], ImportCounts { created: 0, updated: 0, unchanged: 5 });
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.units().await.unwrap().len(), 1 + 2 + 2 + 3);
}

async fn a_bad_people_file_applies_nothing(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let bad = "name,phone,role,unit\n新人,13900000009,liaison,E02\n坏人,13900000010,liaison,Z99\n";
    let reports = directory::import(&store, vec![file("people.csv", bad)], &[], 0).await.unwrap();
    let errors = reports.into_iter().next().unwrap().outcome.unwrap_err();
    assert_eq!(errors.iter().map(ToString::to_string).collect::<Vec<_>>(), ["people.csv:3: unknown unit `Z99`"]);
    let person = bind(&store, 99, "13900000009").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.roles_of(person).await.unwrap().is_empty(), "the good line of a refused file is not applied");
}

async fn sharing_a_listed_phone_binds_the_directory_roles(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let person = bind(&store, 1001, "+86 138 0000 0001").await;
    let mut tx = store.begin().await.unwrap();
    let roles = tx.roles_of(person).await.unwrap();
    assert_eq!(roles.len(), 1);
    assert_eq!((roles[0].role, roles[0].unit_name.as_str()), (Role::Liaison, "E01"));
    assert_eq!(tx.person(person).await.unwrap().unwrap().name, "王芳", "the directory's name is kept");
    drop(tx);
    let again = directory::import(&store, vec![file("people.csv", PEOPLE)], &[], 0).await.unwrap();
    assert_eq!(again[0].outcome.as_ref().unwrap().created, 0, "re-importing after binding adds nobody");
}

async fn an_admin_only_admin_ids_made_loses_the_role_once_it_no_longer_lists_them(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let community = unit_named(&store, "绿杨社区").await;
    // 1001 stays listed; 1002 is dropped; an admin also gives 1003 the role;
    // 1005 shares the phone the directory lists as the community's admin.
    let listed = [1001, 1002, 1003, 1005].map(TelegramId);
    let mut tx = store.begin().await.unwrap();
    tx.ensure_admins(&listed, 0).await.unwrap();
    let mut people = Vec::new();
    for telegram in listed {
        people.push(tx.person_by_telegram(telegram).await.unwrap().expect("touched").id);
    }
    let [kept, dropped, given, bound]: [PersonId; 4] = people.try_into().unwrap();
    assert!(tx.grant_role(given, Role::Admin, community).await.unwrap(), "held through ADMIN_IDS, now given");
    assert!(!tx.grant_role(given, Role::Admin, community).await.unwrap(), "given once");
    tx.commit().await.unwrap();
    assert_eq!(bind(&store, 1005, "13800000005").await, bound);

    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_unlisted_admins(&listed, 1).await.unwrap().is_empty(), "everyone is still listed");
    assert_eq!(
        tx.revoke_unlisted_admins(&listed[..1], 1).await.unwrap(),
        [dropped],
        "only 1002's came from the list alone"
    );
    assert!(tx.revoke_unlisted_admins(&listed[..1], 2).await.unwrap().is_empty(), "taken back once");
    let admin_of = |roles: Vec<community_desk::store::RoleView>| {
        roles.iter().filter(|r| r.role == Role::Admin).map(|r| r.unit).collect::<Vec<_>>()
    };
    assert_eq!(admin_of(tx.roles_of(kept).await.unwrap()), [community]);
    assert!(admin_of(tx.roles_of(dropped).await.unwrap()).is_empty());
    assert_eq!(admin_of(tx.roles_of(given).await.unwrap()), [community], "an admin gave it");
    assert_eq!(admin_of(tx.roles_of(bound).await.unwrap()), [community], "the directory gives it");
    tx.ensure_admins(&listed[..2], 3).await.unwrap();
    assert_eq!(admin_of(tx.roles_of(dropped).await.unwrap()), [community], "listed again, admin again");
}

async fn a_phone_bound_to_another_account_is_refused(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    bind(&store, 1001, "13800000001").await;
    let mut tx = store.begin().await.unwrap();
    let other = tx.touch_person(TelegramId(2002), None, None, 0).await.unwrap();
    let outcome = tx.bind_phone(other.id, &Phone::parse("13800000001").unwrap()).await.unwrap();
    assert_eq!(outcome, BindOutcome::TakenByAnother);
}

async fn request_numbers_count_up_per_community(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let mut tx = store.begin().await.unwrap();
    let community = tx.units().await.unwrap().into_iter().find(|u| u.parent.is_none()).unwrap();
    assert_eq!(tx.next_request_number(community.id).await.unwrap(), RequestNumber(1001));
    assert_eq!(tx.next_request_number(community.id).await.unwrap(), RequestNumber(1002));
}

/// PostgreSQL runs transactions side by side (SQLite runs one at a time),
/// so this holds there only: residents of one community report at the same
/// moment, and the second takes its number once the first's transaction
/// ends — the next one if the first committed, the same one if it rolled
/// back. No number is given twice, and none is skipped.
#[tokio::test]
async fn on_postgres_requests_reported_side_by_side_in_one_community_take_their_numbers_in_turn() {
    let Some(db) = TestDb::postgres().await else { return };
    let store = Arc::new(open(&db).await);
    load_directory(&store).await;
    bind(&store, 1001, "13800000001").await;
    let policy = Arc::new(policy(&store).await);
    let now = chrono::Utc::now();
    let mut residents = Vec::new();
    for telegram in 5001..=5004 {
        residents.push(resident(&store, telegram, "E01").await);
    }
    // Reports in a task of its own, and says the number it was given.
    let report = |resident| {
        let (store, policy) = (store.clone(), policy.clone());
        tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let submitted = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap();
            tx.commit().await.unwrap();
            submitted.request.number
        })
    };
    let a_moment = std::time::Duration::from_millis(200);

    let mut one = store.begin().await.unwrap();
    let first = requests::submit(&mut one, residents[0], &draft(), &policy, now).await.unwrap().unwrap();
    let second = report(residents[1]);
    tokio::time::sleep(a_moment).await;
    assert!(!second.is_finished(), "the second report waits for the first one's transaction");
    one.commit().await.unwrap();
    assert_eq!((first.request.number, second.await.unwrap()), (RequestNumber(1001), RequestNumber(1002)));

    let mut three = store.begin().await.unwrap();
    let third = requests::submit(&mut three, residents[2], &draft(), &policy, now).await.unwrap().unwrap();
    let fourth = report(residents[3]);
    tokio::time::sleep(a_moment).await;
    drop(three);
    assert_eq!(
        (third.request.number, fourth.await.unwrap()),
        (RequestNumber(1003), RequestNumber(1003)),
        "the number of the report rolled back is given to the next"
    );
}

async fn a_new_request_goes_to_the_liaison_with_its_story_in_events(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    assert_eq!(submitted.request.number, RequestNumber(1001));
    assert_eq!(submitted.request.assignee, Some(liaison));
    assert_eq!(submitted.request.assignee_role, Some(Role::Liaison));
    assert_eq!(submitted.request.attachments, draft().attachments);
    let mut tx = store.begin().await.unwrap();
    let events = tx.events_of(submitted.request.id).await.unwrap();
    assert!(matches!(events[0], Event::Created { attachments: 1, .. }));
    assert!(matches!(&events[1], Event::Routed { decision } if decision.skipped.is_empty()));
    let mine = tx.requests_of_resident(resident, 10).await.unwrap();
    assert_eq!(mine.len(), 1);
}

async fn a_request_goes_up_the_chain_when_the_liaison_is_away(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    // The liaison has not bound their account and the deputy has blocked the
    // bot, so the estate group leader gets it.
    let deputy = bind(&store, 1002, "13800000002").await;
    let leader = bind(&store, 1003, "13800000003").await;
    let mut tx = store.begin().await.unwrap();
    tx.set_reachable(deputy, false).await.unwrap();
    tx.commit().await.unwrap();
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    assert_eq!(submitted.request.assignee, Some(leader));
    assert_eq!(submitted.request.assignee_role, Some(Role::GroupLeader));
    let events = tx.events_of(submitted.request.id).await.unwrap();
    let Event::Routed { decision } = &events[1] else { panic!("expected a routing event, got {events:?}") };
    let skipped: Vec<_> = decision.skipped.iter().map(|s| (s.role, s.reason)).collect();
    use community_desk::domain::routing::SkipReason;
    assert_eq!(skipped, [(Role::Liaison, SkipReason::NotRegistered), (Role::Deputy, SkipReason::Unreachable)]);
}

async fn of_many_simultaneous_accepts_exactly_one_wins(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let store = Arc::new(store);
    let shared = Arc::new(policy.clone());
    let mut tasks = Vec::new();
    for _ in 0..8 {
        let store = store.clone();
        let policy = shared.clone();
        let id = submitted.request.id;
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let outcome = requests::accept(&mut tx, id, liaison, &policy, chrono::Utc::now()).await.unwrap();
            tx.commit().await.unwrap();
            outcome
        }));
    }
    let mut winners = 0;
    for task in tasks {
        match task.await.unwrap() {
            AcceptOutcome::Accepted(_) => winners += 1,
            AcceptOutcome::AlreadyAccepted(_) => {}
            other => panic!("unexpected outcome {other:?}"),
        }
    }
    assert_eq!(winners, 1);
    let mut tx = store.begin().await.unwrap();
    let events = tx.events_of(submitted.request.id).await.unwrap();
    assert_eq!(events.iter().filter(|e| matches!(e, Event::Accepted)).count(), 1);
    assert_eq!(
        requests::accept(&mut tx, submitted.request.id, resident, &policy, chrono::Utc::now()).await.unwrap(),
        AcceptOutcome::NotYours
    );
}

fn job<'a>(lane: Option<&'a str>, dedupe: Option<&'a str>, payload: &'a str) -> NewJob<'a> {
    NewJob {
        queue: Queue::Outbox,
        lane,
        dedupe_key: dedupe,
        payload,
        due_at: 0,
        request_id: None,
        priority: Priority::default(),
    }
}

async fn the_most_urgent_due_job_is_claimed_first_whenever_it_was_added(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    // A notice's copies, due one after another, then a card and the answer
    // to the person talking to the bot, added last and due last.
    let mut jobs: Vec<NewJob> = ["n1", "n2", "n3", "n4"]
        .into_iter()
        .enumerate()
        .map(|(i, payload)| NewJob { due_at: i as i64, priority: Priority::Bulk, ..job(None, None, payload) })
        .collect();
    jobs.push(NewJob { due_at: 5, priority: Priority::Cards, ..job(Some("chat:2"), None, "card") });
    tx.enqueue_all(&jobs, 0).await.unwrap();
    let answer = NewJob { due_at: 6, priority: Priority::Interactive, ..job(Some("chat:1"), None, "answer") };
    tx.enqueue(answer, 0).await.unwrap();
    let future = NewJob { due_at: 1_000, priority: Priority::Interactive, ..job(Some("chat:3"), None, "later") };
    tx.enqueue(future, 0).await.unwrap();
    let claimed = |jobs: Vec<community_desk::store::ClaimedJob>| {
        jobs.iter().map(|j| (j.payload.clone(), j.priority)).collect::<Vec<_>>()
    };
    let first = claimed(tx.claim(Queue::Outbox, "test", 10, 60_000, 3).await.unwrap());
    assert_eq!(
        first,
        [("answer".into(), Priority::Interactive), ("card".into(), Priority::Cards), ("n1".into(), Priority::Bulk)],
        "the answer, then the card, then the oldest copy; a job not yet due waits"
    );
    let rest = claimed(tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap());
    assert_eq!(rest.iter().map(|(payload, _)| payload.as_str()).collect::<Vec<_>>(), ["n2", "n3", "n4"]);
}

async fn jobs_of_one_lane_are_claimed_one_at_a_time_in_order(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    for payload in ["a1", "a2", "b1"] {
        let lane = if payload.starts_with('a') { "chat:a" } else { "chat:b" };
        tx.enqueue(job(Some(lane), None, payload), 0).await.unwrap();
    }
    let first = tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap();
    assert_eq!(first.iter().map(|j| j.payload.as_str()).collect::<Vec<_>>(), ["a1", "b1"]);
    assert!(tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap().is_empty(), "a2 waits for a1");
    let a1 = &first[0];
    assert!(tx.finish(a1.id, &a1.lease_token, Some("42"), 20).await.unwrap());
    let next = tx.claim(Queue::Outbox, "test", 30, 60_000, 10).await.unwrap();
    assert_eq!(next.iter().map(|j| j.payload.as_str()).collect::<Vec<_>>(), ["a2"]);
    assert!(tx.claim(Queue::Inbox, "test", 30, 60_000, 10).await.unwrap().is_empty(), "queues are separate");
}

async fn the_cards_of_a_request_are_every_one_sent_and_any_waiting_in_each_chat(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let card = |lane, request, payload| NewJob { request_id: Some(request), ..job(Some(lane), None, payload) };
    for (lane, request, payload) in [
        ("chat:1", 7, "first"),
        ("chat:2", 7, "second"),
        ("chat:3", 7, "failed"),
        ("chat:4", 8, "other"),
        ("chat:1", 7, "again, later"),
    ] {
        tx.enqueue(card(lane, request, payload), 0).await.unwrap();
    }
    tx.enqueue(job(Some("chat:5"), None, "not a card"), 0).await.unwrap();
    for round in 0..2 {
        for claimed in tx.claim(Queue::Outbox, "test", 10 + round, 60_000, 10).await.unwrap() {
            match claimed.payload.as_str() {
                "failed" => assert!(tx.fail(claimed.id, &claimed.lease_token, "refused", 20).await.unwrap()),
                payload => {
                    let id = format!("{}", payload.len());
                    assert!(tx.finish(claimed.id, &claimed.lease_token, Some(&id), 20).await.unwrap());
                }
            }
        }
    }
    tx.enqueue(card("chat:6", 7, "waiting"), 0).await.unwrap();
    assert_eq!(
        tx.cards_of(7).await.unwrap(),
        [
            ("chat:1".to_string(), Some(5)),
            ("chat:2".to_string(), Some(6)),
            ("chat:1".to_string(), Some(12)),
            ("chat:6".to_string(), None)
        ],
        "both cards of chat 1, the card of chat 2, the one waiting in chat 6; not the one that failed"
    );
}

async fn finishing_a_job_says_whether_its_lane_has_more(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    for (lane, payload) in [("chat:a", "a1"), ("chat:a", "a2"), ("chat:b", "b1")] {
        tx.enqueue(job(Some(lane), None, payload), 0).await.unwrap();
    }
    tx.enqueue(job(None, None, "loose"), 0).await.unwrap();
    let claimed = tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap();
    assert_eq!(claimed.iter().map(|j| j.payload.as_str()).collect::<Vec<_>>(), ["a1", "b1", "loose"]);
    let (a1, b1, loose) = (&claimed[0], &claimed[1], &claimed[2]);
    assert_eq!(tx.finish_in_lane(a1.id, "not the token", None, 20).await.unwrap(), None, "a lost lease");
    assert_eq!(tx.finish_in_lane(a1.id, &a1.lease_token, None, 20).await.unwrap(), Some(true), "a2 waits");
    assert_eq!(tx.finish_in_lane(b1.id, &b1.lease_token, None, 20).await.unwrap(), Some(false));
    assert_eq!(tx.finish_in_lane(loose.id, &loose.lease_token, None, 20).await.unwrap(), Some(false));
    let a2 = tx.claim(Queue::Outbox, "test", 30, 60_000, 10).await.unwrap().remove(0);
    assert_eq!(tx.finish_in_lane(a2.id, &a2.lease_token, Some("7"), 40).await.unwrap(), Some(false));
    assert_eq!(tx.job_status(a2.id).await.unwrap(), Some((JobStatus::Done, Some("7".to_string()))));
}

async fn jobs_finished_together_say_whether_their_lanes_have_more(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    for (lane, payload) in [("chat:a", "a1"), ("chat:a", "a2"), ("chat:b", "b1"), ("chat:c", "c1")] {
        tx.enqueue(job(Some(lane), None, payload), 0).await.unwrap();
    }
    let claimed = tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap();
    let [a1, b1, c1] = &claimed[..] else { panic!("one job per lane: {claimed:?}") };
    let finished = [(b1.id, b1.lease_token.as_str(), Some("8")), (c1.id, "a lost lease", Some("9"))];
    assert_eq!(tx.finish_all(&finished, 20).await.unwrap(), [false], "b has no more; c's lease was lost");
    assert_eq!(tx.job_status(b1.id).await.unwrap(), Some((JobStatus::Done, Some("8".to_string()))));
    assert_eq!(tx.job_status(c1.id).await.unwrap(), Some((JobStatus::Pending, None)), "its lease was lost");
    let finished = [(a1.id, a1.lease_token.as_str(), None), (c1.id, c1.lease_token.as_str(), Some("10"))];
    let mut more = tx.finish_all(&finished, 30).await.unwrap();
    more.sort();
    assert_eq!(more, [false, true], "a2 waits behind a1");
    assert_eq!(tx.job_status(a1.id).await.unwrap(), Some((JobStatus::Done, None)));
    assert_eq!(tx.job_status(c1.id).await.unwrap(), Some((JobStatus::Done, Some("10".to_string()))));
    assert!(tx.finish_all(&[], 40).await.unwrap().is_empty());
}

async fn a_job_settled_or_cancelled_holds_no_lease_to_settle_it_again(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    for (lane, payload) in [("chat:1", "finished"), ("chat:2", "failed")] {
        tx.enqueue(job(Some(lane), None, payload), 0).await.unwrap();
    }
    let timer = NewJob { queue: Queue::Timer, request_id: Some(7), ..job(None, None, "timer") };
    tx.enqueue(timer, 0).await.unwrap();
    let claimed = tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap();
    let [finished, failed] = &claimed[..] else { panic!("both messages: {claimed:?}") };
    let timer = tx.claim(Queue::Timer, "test", 10, 60_000, 10).await.unwrap().remove(0);
    assert!(tx.finish(finished.id, &finished.lease_token, Some("1"), 20).await.unwrap());
    assert!(tx.fail(failed.id, &failed.lease_token, "refused", 20).await.unwrap());
    assert_eq!(tx.cancel_timers(RequestId(7), 20).await.unwrap(), 1, "cancelled while its worker holds it");
    for settled in [finished, failed, &timer] {
        let token = settled.lease_token.as_str();
        assert!(!tx.finish(settled.id, token, Some("2"), 30).await.unwrap(), "{}", settled.payload);
        assert!(tx.finish_all(&[(settled.id, token, None), (settled.id, token, None)], 30).await.unwrap().is_empty());
        assert!(!tx.fail(settled.id, token, "again", 30).await.unwrap());
        assert!(!tx.retry_later(settled.id, token, "again", 40).await.unwrap());
    }
    assert_eq!(tx.job_status(finished.id).await.unwrap(), Some((JobStatus::Done, Some("1".to_string()))));
    assert_eq!(tx.job_status(failed.id).await.unwrap(), Some((JobStatus::Failed, None)));
    assert_eq!(tx.job_status(timer.id).await.unwrap(), Some((JobStatus::Cancelled, None)));
}

async fn a_job_abandoned_by_a_crashed_worker_is_claimed_again(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    tx.enqueue(job(Some("chat:1"), None, "x"), 0).await.unwrap();
    let crashed = tx.claim(Queue::Outbox, "test", 0, 1_000, 1).await.unwrap().remove(0);
    assert!(tx.claim(Queue::Outbox, "test", 999, 1_000, 1).await.unwrap().is_empty(), "the lease holds");
    let again = tx.claim(Queue::Outbox, "test", 1_000, 1_000, 1).await.unwrap().remove(0);
    assert_eq!(again.id, crashed.id);
    assert_eq!(again.attempts, 2);
    assert!(!tx.finish(crashed.id, &crashed.lease_token, None, 1_500).await.unwrap(), "the old lease is void");
    assert!(tx.finish(again.id, &again.lease_token, None, 1_500).await.unwrap());
}

async fn a_restarted_instance_takes_back_its_leases_at_once(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    tx.enqueue(job(Some("chat:1"), None, "mine"), 0).await.unwrap();
    tx.enqueue(job(Some("chat:2"), None, "theirs"), 0).await.unwrap();
    let mine = tx.claim(Queue::Outbox, "me", 0, 60_000, 1).await.unwrap().remove(0);
    tx.claim(Queue::Outbox, "other", 0, 60_000, 1).await.unwrap();
    assert_eq!(tx.release_leases_of("me", 10).await.unwrap(), 1);
    let again = tx.claim(Queue::Outbox, "me", 10, 60_000, 10).await.unwrap();
    assert_eq!(again.iter().map(|j| j.id).collect::<Vec<_>>(), [mine.id], "only its own lease comes back");
}

async fn a_duplicate_update_is_recorded_once(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let update = NewJob { queue: Queue::Inbox, ..job(Some("chat:1"), Some("update:7"), "{}") };
    assert!(tx.enqueue(update, 0).await.unwrap());
    assert!(!tx.enqueue(update, 0).await.unwrap());
    assert_eq!(tx.claim(Queue::Inbox, "test", 0, 1_000, 10).await.unwrap().len(), 1);
}

async fn jobs_added_together_keep_their_order_and_skip_known_keys(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.enqueue(job(Some("chat:9"), Some("update:1"), "first"), 0).await.unwrap());
    let payloads: Vec<String> = (0..40).map(|i| format!("{{\"text\":\"第{i}条 \\\"quoted\\\" \u{1F6B0}\"}}")).collect();
    let mut jobs: Vec<NewJob> = payloads.iter().map(|p| job(Some("chat:1"), None, p)).collect();
    jobs.insert(7, job(Some("chat:9"), Some("update:1"), "a repeat"));
    jobs.push(NewJob { request_id: Some(5), due_at: 3, ..job(None, Some("progress:2"), "loose") });
    assert_eq!(tx.enqueue_all(&jobs, 0).await.unwrap(), 41, "the repeat is skipped");
    assert_eq!(tx.enqueue_all(&[], 0).await.unwrap(), 0);

    let mut claimed = Vec::new();
    loop {
        let next = tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap();
        if next.is_empty() {
            break;
        }
        for job in next {
            assert!(tx.finish(job.id, &job.lease_token, None, 10).await.unwrap());
            claimed.push(job);
        }
    }
    let lane: Vec<&str> =
        claimed.iter().filter(|j| j.lane.as_deref() == Some("chat:1")).map(|j| j.payload.as_str()).collect();
    assert_eq!(lane, payloads.iter().map(String::as_str).collect::<Vec<_>>(), "in the order given, byte for byte");
    let loose = claimed.iter().find(|j| j.lane.is_none()).expect("the job without a lane");
    assert_eq!((loose.payload.as_str(), loose.request_id), ("loose", Some(5)));
    assert_eq!(claimed.len(), 42, "and the one added alone");
}

async fn a_counting_claim_says_how_many_updates_the_lane_sent_in_the_window(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let update = |lane| NewJob { queue: Queue::Inbox, ..job(Some(lane), None, "{}") };
    tx.enqueue(update("chat:1"), 100).await.unwrap();
    for at in [1_000, 1_100, 1_200] {
        tx.enqueue(update("chat:1"), at).await.unwrap();
    }
    tx.enqueue(update("chat:2"), 1_100).await.unwrap();
    let claimed = tx.claim_counting(Queue::Inbox, "test", 2_000, 60_000, 10, Some(500)).await.unwrap();
    let counts: Vec<(Option<&str>, i64)> = claimed.iter().map(|j| (j.lane.as_deref(), j.recent)).collect();
    assert_eq!(counts, [(Some("chat:1"), 0), (Some("chat:2"), 1)], "the one before the window is not counted");
    let first = &claimed[0];
    assert!(tx.finish(first.id, &first.lease_token, None, 2_000).await.unwrap());
    let second = tx.claim_counting(Queue::Inbox, "test", 2_000, 60_000, 10, Some(500)).await.unwrap();
    assert_eq!(second[0].recent, 1, "later updates of the burst do not count");
    assert!(tx.finish(second[0].id, &second[0].lease_token, None, 2_000).await.unwrap());
    let third = tx.claim_counting(Queue::Inbox, "test", 2_000, 60_000, 10, Some(500)).await.unwrap();
    assert_eq!(third[0].recent, 2);
    assert_eq!(tx.claim(Queue::Outbox, "test", 2_000, 60_000, 10).await.unwrap().len(), 0);
}

async fn racing_claimers_never_get_the_same_job(db: &TestDb) {
    let store = Arc::new(open(db).await);
    let mut tx = store.begin().await.unwrap();
    for i in 0..200 {
        let payload = format!("timer {i}");
        tx.enqueue(NewJob { queue: Queue::Timer, ..job(None, None, &payload) }, 0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let mut tasks = Vec::new();
    for _ in 0..4 {
        let store = store.clone();
        tasks.push(tokio::spawn(async move {
            let mut mine = Vec::new();
            loop {
                let mut tx = store.begin().await.unwrap();
                let jobs = tx.claim(Queue::Timer, "test", 10, 60_000, 7).await.unwrap();
                tx.commit().await.unwrap();
                if jobs.is_empty() {
                    return mine;
                }
                mine.extend(jobs.into_iter().map(|j| j.id));
            }
        }));
    }
    let mut all = Vec::new();
    for task in tasks {
        all.extend(task.await.unwrap());
    }
    let count = all.len();
    all.sort();
    all.dedup();
    assert_eq!((count, all.len()), (200, 200), "every timer fires once");
}

async fn dialogue_state_is_kept_until_cleared(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let person = tx.touch_person(TelegramId(5), None, Some("en"), 0).await.unwrap();
    assert_eq!(person.locale.as_deref(), Some("en"));
    tx.set_dialogue(person.id, r#"{"step":"reg_building"}"#, 0).await.unwrap();
    tx.set_dialogue(person.id, r#"{"step":"staff_phone"}"#, 1).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.dialogue(person.id).await.unwrap().as_deref(), Some(r#"{"step":"staff_phone"}"#));
    tx.clear_dialogue(person.id).await.unwrap();
    assert_eq!(tx.dialogue(person.id).await.unwrap(), None);
    let again = tx.touch_person(TelegramId(5), None, Some("zh-CN"), 0).await.unwrap();
    assert_eq!(again.locale.as_deref(), Some("en"), "a chosen language is remembered");
}

async fn a_sender_comes_with_their_dialogue(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let mut people = Vec::new();
    for telegram in 11..=13 {
        let sender = tx.touch_sender(TelegramId(telegram), Some("someone"), None, 0).await.unwrap();
        assert_eq!(sender.dialogue, None, "a newcomer is in no dialogue");
        people.push(sender.person.id);
    }
    tx.set_dialogue(people[0], r#"{"step":"staff_phone"}"#, 5).await.unwrap();
    tx.set_dialogue(people[1], r#"{"step":"reg_building"}"#, 5).await.unwrap();
    tx.clear_dialogue(people[1]).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let mut states = Vec::new();
    for telegram in 11..=13 {
        states.push(tx.touch_sender(TelegramId(telegram), None, None, 6).await.unwrap().dialogue);
    }
    assert_eq!(states, [Some(r#"{"step":"staff_phone"}"#.to_string()), None, None]);
}

async fn a_sender_comes_to_their_turn_as_they_stand_with_their_dialogue(db: &TestDb) {
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let known = tx.touch_person(TelegramId(21), Some("王芳"), Some("en"), 0).await.unwrap();
    tx.set_dialogue(known.id, r#"{"step":"reg_building"}"#, 0).await.unwrap();
    tx.set_reachable(known.id, false).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    let first = tx.touch_sender(TelegramId(21), Some("Wang Fang"), Some("zh-CN"), 5).await.unwrap();
    assert_eq!(first.person.id, known.id, "someone known stays who they were");
    assert_eq!((first.person.name.as_str(), first.person.locale.as_deref()), ("王芳", Some("en")));
    assert!(first.person.reachable, "someone who writes can be reached again");
    assert_eq!(first.dialogue.as_deref(), Some(r#"{"step":"reg_building"}"#));
    let newcomer = tx.touch_sender(TelegramId(22), Some("Newcomer"), Some("zh-CN"), 5).await.unwrap();
    assert_eq!((newcomer.person.name.as_str(), newcomer.person.locale.as_deref()), ("Newcomer", Some("zh-CN")));
    assert_eq!(newcomer.dialogue, None);

    // Someone erased comes back as a new person.
    tx.forget_person(known.id, 7).await.unwrap();
    let again = tx.touch_sender(TelegramId(21), Some("Wang Fang"), Some("zh-CN"), 7).await.unwrap();
    assert_ne!(again.person.id, known.id);
    assert_eq!((again.person.name.as_str(), again.dialogue), ("Wang Fang", None));
    tx.commit().await.unwrap();
}

async fn a_unit_chain_read_again_in_a_transaction_shows_an_import_made_in_it(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let mut tx = store.begin().await.unwrap();
    let code = community_desk::domain::BuildingCode::parse("E01").unwrap();
    let building = tx.building_by_code(&code).await.unwrap().expect("the building exists");
    let chain = tx.ancestry(building.id).await.unwrap();
    assert_eq!((chain.len(), chain[0].households), (4, Some(36)));
    assert_eq!(tx.ancestry(building.id).await.unwrap(), chain, "read again, the chain is the same");

    let bigger = "community,grid,estate,building,households\n绿杨社区,第一网格,东苑,E01,50\n";
    let lines = community_desk::domain::directory::parse_units("units.csv", bigger.as_bytes()).unwrap();
    let mut counts = ImportCounts::default();
    tx.upsert_unit_line(&lines[0], &mut counts).await.unwrap();
    assert_eq!(counts.updated, 1);
    assert_eq!(tx.ancestry(building.id).await.unwrap()[0].households, Some(50));
}

async fn only_someone_above_the_assignee_may_take_over_or_reassign(db: &TestDb) {
    use community_desk::app::requests::{ReassignOutcome, TakeOverOutcome};
    let Chain { store, policy, liaison, deputy, leader, resident } = chain_with_a_resident(db).await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let id = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request.id;
    assert_eq!(requests::take_over(&mut tx, id, deputy, &policy, now).await.unwrap(), TakeOverOutcome::NotAllowed);
    assert_eq!(requests::take_over(&mut tx, id, resident, &policy, now).await.unwrap(), TakeOverOutcome::NotAllowed);
    let options = requests::reassign_options(&mut tx, id, leader, now).await.unwrap().expect("the leader may reassign");
    let people: Vec<PersonId> = options.iter().map(|o| o.person).collect();
    assert_eq!(people, [liaison, deputy], "the responders of the chain below the leader");
    let outcome = requests::reassign(&mut tx, id, leader, deputy, &policy, now).await.unwrap();
    assert!(matches!(outcome, ReassignOutcome::Reassigned { to, .. } if to == deputy));
    assert_eq!(tx.request_view(id).await.unwrap().unwrap().assignee, Some(deputy));
    let TakeOverOutcome::Taken(taken) = requests::take_over(&mut tx, id, leader, &policy, now).await.unwrap() else {
        panic!("the leader may take over");
    };
    assert_eq!((taken.assignee, taken.status), (Some(leader), community_desk::domain::Status::Accepted));
    let events = tx.events_of(id).await.unwrap();
    assert!(events.contains(&Event::Reassigned { to: deputy.0 }) && events.contains(&Event::TakenOver));
}

/// The use cases build the request they hand back from the deadlines the
/// clock gave it rather than reading it again; what they hand back must be
/// what a fresh read finds, deadlines included.
async fn a_use_case_hands_back_the_request_as_the_store_now_holds_it(db: &TestDb) {
    use community_desk::app::requests::{ReassignOutcome, TakeOverOutcome};
    let Chain { store, policy, liaison, deputy, leader, resident } = chain_with_a_resident(db).await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let fresh = async |tx: &mut community_desk::store::Tx, id| tx.request_view(id).await.unwrap().unwrap();

    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request;
    assert!(submitted.accept_due_at.is_some(), "an open request has an accept deadline");
    assert_eq!(submitted, fresh(&mut tx, submitted.id).await);
    let ReassignOutcome::Reassigned { request: reassigned, .. } =
        requests::reassign(&mut tx, submitted.id, leader, deputy, &policy, now).await.unwrap()
    else {
        panic!("the leader may reassign");
    };
    assert_eq!(reassigned, fresh(&mut tx, submitted.id).await);
    let TakeOverOutcome::Taken(taken) = requests::take_over(&mut tx, submitted.id, leader, &policy, now).await.unwrap()
    else {
        panic!("the leader may take over");
    };
    assert!(taken.resolve_due_at.is_some(), "an accepted request has a resolve deadline");
    assert_eq!(taken, fresh(&mut tx, submitted.id).await);

    let other = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request;
    let AcceptOutcome::Accepted(accepted) = requests::accept(&mut tx, other.id, liaison, &policy, now).await.unwrap()
    else {
        panic!("the liaison may accept");
    };
    assert_eq!(accepted, fresh(&mut tx, other.id).await);
}

async fn a_normal_request_reported_at_night_is_looked_at_from_eight(db: &TestDb) {
    use chrono::TimeZone;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let shanghai = chrono_tz::Asia::Shanghai;
    let night = shanghai.with_ymd_and_hms(2026, 11, 27, 23, 0, 0).unwrap().with_timezone(&chrono::Utc);
    let normal = Draft { urgency: Urgency::Normal, ..draft() };
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &normal, &policy, night).await.unwrap().unwrap();
    let eight = shanghai.with_ymd_and_hms(2026, 11, 28, 8, 0, 0).unwrap().with_timezone(&chrono::Utc);
    assert_eq!(submitted.looked_at_from, Some(eight));
    let due = community_desk::store::from_millis(submitted.request.accept_due_at.expect("an accept deadline"));
    assert_eq!(due, eight + chrono::Duration::minutes(30), "the clock is paused overnight");
}

async fn forgetting_a_person_erases_their_identity_and_keeps_anonymous_requests(db: &TestDb) {
    use community_desk::app::privacy;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    tx.bind_phone(resident, &Phone::parse("13900000123").unwrap()).await.unwrap();
    let id =
        requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap().request.id;
    let data = privacy::my_data(&mut tx, resident).await.unwrap();
    assert_eq!(data["phone"], "+8613900000123");
    assert_eq!(data["requests"][0]["description"], "楼道没电了");
    assert_eq!(data["home"]["building"], "绿杨社区 / 第一网格 / 东苑 / E01");
    let said =
        Event::Relayed { from_resident: true, text: "我家住302，电话13900000123".into(), attachment: None };
    tx.record_event(Some(id), Some(resident), &said, 0).await.unwrap();
    privacy::forget(&mut tx, resident, chrono::Utc::now()).await.unwrap();
    tx.commit().await.unwrap();

    let mut tx = store.begin().await.unwrap();
    assert!(tx.person_by_telegram(TelegramId(5001)).await.unwrap().is_none(), "the account is unlinked");
    assert_eq!(tx.phone_of(resident).await.unwrap(), None);
    assert!(tx.resident(resident).await.unwrap().is_none());
    let request = tx.request_view(id).await.unwrap().expect("the request stays for statistics");
    assert_eq!((request.description.as_str(), request.attachments.len()), ("", 0));
    assert_eq!(request.status, community_desk::domain::Status::Cancelled, "nobody could answer it any more");
    let events = tx.events_of(id).await.unwrap();
    assert!(events.contains(&Event::Relayed { from_resident: true, text: String::new(), attachment: None }));
    assert!(!format!("{events:?}").contains("302"), "what they wrote is gone from the story too");
}

async fn forgetting_a_person_deletes_the_cards_of_their_requests_but_one_on_its_way(db: &TestDb) {
    use community_desk::app::privacy;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let id =
        requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap().request.id;
    let card = |lane, payload| NewJob { request_id: Some(id.0), ..job(Some(lane), None, payload) };
    tx.enqueue(card("chat:1", "楼道没电了 (sent)"), 0).await.unwrap();
    tx.enqueue(card("chat:2", "楼道没电了 (on its way)"), 0).await.unwrap();
    for claimed in tx.claim(Queue::Outbox, "test", 10, 60_000, 10).await.unwrap() {
        if claimed.payload.ends_with("(sent)") {
            assert!(tx.finish(claimed.id, &claimed.lease_token, Some("7"), 20).await.unwrap());
        }
    }
    tx.enqueue(card("chat:3", "楼道没电了 (never tried)"), 0).await.unwrap();
    privacy::forget(&mut tx, resident, chrono::Utc::now()).await.unwrap();
    assert_eq!(
        tx.cards_of(id.0).await.unwrap(),
        [("chat:2".to_string(), None)],
        "the sent card and the one nobody tried to send are gone; the one being sent stays for its edit"
    );
}

async fn finished_requests_are_anonymised_after_the_retention_period(db: &TestDb) {
    use community_desk::app::privacy;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let resident = resident(&store, 5001, "E01").await;
    let long_ago = chrono::Utc::now() - chrono::Duration::days(200);
    let mut tx = store.begin().await.unwrap();
    let old = requests::submit(&mut tx, resident, &draft(), &policy, long_ago).await.unwrap().unwrap().request.id;
    let recent =
        requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap().request.id;
    for (id, at) in [(old, long_ago), (recent, chrono::Utc::now())] {
        let outcome = requests::cancel(&mut tx, id, resident, at).await.unwrap();
        assert!(matches!(outcome, requests::StepOutcome::Done(_)));
    }
    tx.commit().await.unwrap();
    assert_eq!(privacy::daily_cleanup(&store, 180, 365, chrono::Utc::now()).await.unwrap(), 1);
    let mut tx = store.begin().await.unwrap();
    assert_eq!(tx.request_view(old).await.unwrap().unwrap().description, "");
    assert_eq!(tx.request_view(recent).await.unwrap().unwrap().description, "楼道没电了");
}

async fn a_request_is_resolved_reopened_resolved_again_confirmed_and_rated(db: &TestDb) {
    use community_desk::app::requests::StepOutcome;
    use community_desk::domain::Status;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let id = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request.id;
    assert!(matches!(requests::accept(&mut tx, id, liaison, &policy, now).await.unwrap(), AcceptOutcome::Accepted(_)));
    let status = |outcome: StepOutcome| match outcome {
        StepOutcome::Done(request) => request.status,
        other => panic!("expected the step to be taken, got {other:?}"),
    };
    assert_eq!(
        requests::rate(&mut tx, id, resident, 5, now).await.unwrap(),
        StepOutcome::NoLongerApplies(tx.request_view(id).await.unwrap().unwrap()),
        "not closed yet"
    );
    assert_eq!(requests::resolve(&mut tx, id, resident, "done", now).await.unwrap(), StepOutcome::NotYours);
    assert_eq!(status(requests::resolve(&mut tx, id, liaison, "换了保险丝", now).await.unwrap()), Status::Resolved);
    assert_eq!(requests::confirm(&mut tx, id, liaison, true, "", &policy, now).await.unwrap(), StepOutcome::NotYours);
    assert_eq!(
        status(requests::confirm(&mut tx, id, resident, false, "还是没电", &policy, now).await.unwrap()),
        Status::Accepted
    );
    let reopened = tx.request_view(id).await.unwrap().unwrap();
    assert_eq!(reopened.assignee, Some(liaison), "it goes back to the same responder");
    assert!(reopened.resolve_due_at.is_some(), "with a fresh resolve clock");
    assert_eq!(status(requests::resolve(&mut tx, id, liaison, "换了电闸", now).await.unwrap()), Status::Resolved);
    assert_eq!(status(requests::confirm(&mut tx, id, resident, true, "", &policy, now).await.unwrap()), Status::Closed);
    assert_eq!(status(requests::rate(&mut tx, id, resident, 5, now).await.unwrap()), Status::Closed);
    assert!(
        matches!(requests::rate(&mut tx, id, resident, 1, now).await.unwrap(), StepOutcome::NoLongerApplies(_)),
        "rated once"
    );
    let kinds: Vec<&str> = tx.events_of(id).await.unwrap().iter().map(Event::kind).collect();
    assert_eq!(kinds, ["created", "routed", "accepted", "resolved", "reopened", "resolved", "confirmed", "rated"]);
}

async fn a_declined_request_goes_to_the_deputy_with_the_reason_recorded(db: &TestDb) {
    use community_desk::app::requests::DeclineOutcome;
    let Chain { store, policy, liaison, deputy, leader, resident } = chain_with_a_resident(db).await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let id = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request.id;
    let outcome = requests::decline(&mut tx, id, liaison, "not_my_kind", &policy, now).await.unwrap();
    let DeclineOutcome::Rerouted { assignment: Some(next), .. } = outcome else {
        panic!("expected a reroute, got {outcome:?}")
    };
    assert_eq!(next.person, deputy);
    assert!(tx.events_of(id).await.unwrap().contains(&Event::Declined { reason: "not_my_kind".into() }));
    // The deputy declines too: the liaison is not asked again, so it goes up.
    let outcome = requests::decline(&mut tx, id, deputy, "away", &policy, now).await.unwrap();
    assert!(matches!(outcome, DeclineOutcome::Rerouted { assignment: Some(ref a), .. } if a.person == leader));
}

async fn an_away_liaison_passes_waiting_requests_and_new_ones_to_the_deputy(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let deputy = bind(&store, 1002, "13800000002").await;
    let resident = resident(&store, 5001, "E01").await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let waiting = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request.id;
    let moved = requests::go_away(&mut tx, liaison, now + chrono::Duration::days(3), &policy, now).await.unwrap();
    assert_eq!(moved.len(), 1);
    assert_eq!(moved[0].1.as_ref().map(|a| a.person), Some(deputy));
    assert!(tx.events_of(waiting).await.unwrap().contains(&Event::AssigneeAway));
    let new = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap();
    assert_eq!(new.request.assignee, Some(deputy), "new requests pass the away liaison by");
    let Event::Routed { decision } = &tx.events_of(new.request.id).await.unwrap()[1] else { panic!("a routing event") };
    assert_eq!(decision.skipped[0].reason, community_desk::domain::routing::SkipReason::Away);
    tx.set_away(liaison, None).await.unwrap();
    let after = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap();
    assert_eq!(after.request.assignee, Some(liaison), "back again");
}

async fn only_the_resident_and_the_assignee_talk_through_a_request(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let deputy = bind(&store, 1002, "13800000002").await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let id =
        requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap().request.id;
    let to =
        |target: Option<(community_desk::store::RequestView, PersonId, bool)>| target.map(|(_, to, from)| (to, from));
    assert_eq!(to(requests::relay_target(&mut tx, id, resident).await.unwrap()), Some((liaison, true)));
    assert_eq!(to(requests::relay_target(&mut tx, id, liaison).await.unwrap()), Some((resident, false)));
    assert_eq!(to(requests::relay_target(&mut tx, id, deputy).await.unwrap()), None);
}

async fn of_volunteers_claiming_at_once_exactly_one_wins(db: &TestDb) {
    use community_desk::app::requests::ClaimOutcome;
    let store = open(db).await;
    load_directory(&store).await;
    let volunteers = "name,phone,role,unit\n\
        甲,13700000001,volunteer,第一网格/东苑\n乙,13700000002,volunteer,第一网格/东苑\n\
        丙,13700000003,volunteer,第一网格/东苑\n丁,13700000004,volunteer,第一网格/东苑\n";
    let reports = directory::import(&store, vec![file("people.csv", volunteers)], &[], 0).await.unwrap();
    for report in reports {
        report.outcome.expect("the volunteers import");
    }
    let mut ids = Vec::new();
    for i in 1..=4 {
        ids.push(bind(&store, 3000 + i, &format!("1370000000{i}")).await);
    }
    let policy = policy(&store).await;
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let helping = Draft { category: Category::Volunteer, ..draft() };
    let request =
        requests::submit(&mut tx, resident, &helping, &policy, chrono::Utc::now()).await.unwrap().unwrap().request;
    let offered = requests::offer_to_volunteers(&mut tx, &request, chrono::Utc::now()).await.unwrap();
    assert_eq!(offered, ids);
    tx.commit().await.unwrap();
    let store = Arc::new(store);
    let policy = Arc::new(policy);
    let mut tasks = Vec::new();
    for volunteer in ids.clone() {
        let (store, policy) = (store.clone(), policy.clone());
        tasks.push(tokio::spawn(async move {
            let mut tx = store.begin().await.unwrap();
            let outcome = requests::claim(&mut tx, request.id, volunteer, &policy, chrono::Utc::now()).await.unwrap();
            tx.commit().await.unwrap();
            outcome
        }));
    }
    let mut winners = Vec::new();
    for task in tasks {
        match task.await.unwrap() {
            ClaimOutcome::Claimed { request, others, .. } => winners.push((request.assignee, others.len())),
            ClaimOutcome::Taken(_) => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    assert_eq!(winners.len(), 1, "exactly one claim wins");
    assert_eq!(winners[0].1, 3, "the three others are told");
    let mut tx = store.begin().await.unwrap();
    let stranger = tx.touch_person(TelegramId(4242), None, None, 0).await.unwrap().id;
    assert_eq!(
        requests::claim(&mut tx, request.id, stranger, &policy, chrono::Utc::now()).await.unwrap(),
        ClaimOutcome::NotOffered
    );
}

async fn a_closed_request_reopens_when_the_follow_up_says_it_is_not_fixed(db: &TestDb) {
    use community_desk::app::requests::StepOutcome;
    use community_desk::domain::Status;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let resident = resident(&store, 5001, "E01").await;
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let id = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap().request.id;
    requests::accept(&mut tx, id, liaison, &policy, now).await.unwrap();
    requests::resolve(&mut tx, id, liaison, "修好了", now).await.unwrap();
    requests::confirm(&mut tx, id, resident, true, "", &policy, now).await.unwrap();
    let StepOutcome::Done(still) = requests::confirm(&mut tx, id, resident, true, "", &policy, now).await.unwrap()
    else {
        panic!("a closed request that is still fixed stays closed");
    };
    assert_eq!(still.status, Status::Closed);
    let StepOutcome::Done(reopened) =
        requests::confirm(&mut tx, id, resident, false, "又坏了", &policy, now).await.unwrap()
    else {
        panic!("the follow-up reopens it");
    };
    assert_eq!((reopened.status, reopened.assignee), (Status::Accepted, Some(liaison)));
}

async fn an_emergency_alerts_every_level_at_once(db: &TestDb) {
    use community_desk::app::clock::Notice;
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let leader = bind(&store, 1003, "13800000003").await;
    let grid_leader = bind(&store, 1004, "13800000004").await;
    let admin = bind(&store, 1005, "13800000005").await;
    let resident = resident(&store, 5001, "E01").await;
    let fire = Draft { urgency: Urgency::Emergency, ..draft() };
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &fire, &policy, chrono::Utc::now()).await.unwrap().unwrap();
    assert_eq!(submitted.request.assignee, Some(liaison));
    let alerted: Vec<PersonId> = submitted
        .alerts
        .iter()
        .map(|notice| match notice {
            Notice::Escalated { to, .. } => *to,
            other => panic!("unexpected notice {other:?}"),
        })
        .collect();
    assert_eq!(alerted, [leader, grid_leader, admin]);
    assert!(submitted.looked_at_from.is_none(), "emergencies run around the clock");
}

async fn a_request_nobody_can_take_is_told_to_the_community_office(db: &TestDb) {
    use community_desk::app::clock::{Notice, Why};
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    // W01 has no liaison, and the admin above it is away.
    let admin = bind(&store, 1005, "13800000005").await;
    let mut tx = store.begin().await.unwrap();
    tx.set_away(admin, Some(i64::MAX)).await.unwrap();
    tx.commit().await.unwrap();
    let resident = resident(&store, 5002, "W01").await;
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    assert_eq!(submitted.assignment, None);
    match submitted.alerts.as_slice() {
        [Notice::Escalated { to, request, why: Why::Missed(None) }] => {
            assert_eq!((*to, request), (admin, &submitted.request));
        }
        other => panic!("the office is not alerted: {other:?}"),
    }
}

async fn a_request_nobody_could_take_goes_to_the_first_responder_who_becomes_available(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    // Nobody has bound an account yet, so reports from E01 and W01 find nobody.
    let (east, west) = (resident(&store, 5001, "E01").await, resident(&store, 5002, "W01").await);
    let now = chrono::Utc::now();
    let mut tx = store.begin().await.unwrap();
    let waiting = requests::submit(&mut tx, east, &draft(), &policy, now).await.unwrap().unwrap();
    let elsewhere = requests::submit(&mut tx, west, &draft(), &policy, now).await.unwrap().unwrap();
    assert_eq!((waiting.assignment, elsewhere.assignment), (None, None));
    tx.commit().await.unwrap();

    // The first grid's leader binds theirs; W01 lies in the second grid.
    let leader = bind(&store, 1004, "13800000004").await;
    let mut tx = store.begin().await.unwrap();
    let given = requests::route_waiting(&mut tx, leader, &policy, now).await.unwrap();
    let [(request, assignment)] = given.as_slice() else { panic!("one request is given out: {given:?}") };
    assert_eq!((request.id, request.assignee, assignment.person), (waiting.request.id, Some(leader), leader));
    assert!(request.accept_due_at.is_some(), "its clock runs for the leader");
    assert_eq!(tx.request_view(elsewhere.request.id).await.unwrap().unwrap().assignee, None);
    tx.commit().await.unwrap();

    // E01's liaison binds after: the request is held, so nothing moves.
    let liaison = bind(&store, 1001, "13800000001").await;
    let mut tx = store.begin().await.unwrap();
    assert!(requests::route_waiting(&mut tx, liaison, &policy, now).await.unwrap().is_empty());
    assert_eq!(tx.request_view(waiting.request.id).await.unwrap().unwrap().assignee, Some(leader));
}

async fn a_new_request_is_handed_back_as_it_reads_back_with_its_clock_running_routed_or_not(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    // E01's liaison and deputy have not bound their accounts, so its
    // requests go one level up, to 东苑's group leader; nobody above W01 can
    // take one.
    let leader = bind(&store, 1003, "13800000003").await;
    let east = resident(&store, 5001, "E01").await;
    let west = resident(&store, 5002, "W01").await;
    let now = chrono::Utc::now();
    for (resident, assignee, level, routing) in [(east, Some(leader), 1, "routed"), (west, None, 0, "unroutable")] {
        let mut tx = store.begin().await.unwrap();
        let submitted = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().unwrap();
        tx.commit().await.unwrap();
        let handed = submitted.request;
        assert_eq!((handed.assignee, handed.escalation_level), (assignee, level));
        let service = policy.level(Urgency::Urgent);
        let deadline = policy.calendar.deadline(now, service.accept_within, service.service_hours_only);
        assert_eq!(handed.accept_due_at, Some(deadline.timestamp_millis()), "created with its deadline to accept");
        let mut tx = store.begin().await.unwrap();
        assert_eq!(tx.request_view(handed.id).await.unwrap().as_ref(), Some(&handed));
        let kinds: Vec<_> = tx.events_of(handed.id).await.unwrap().iter().map(Event::kind).collect();
        assert_eq!(kinds, ["created", routing]);
        // Its clock runs: the timers are scheduled for the level it went to.
        let timers: Vec<Timer> = tx
            .claim(Queue::Timer, "test", i64::MAX / 2, 60_000, 100)
            .await
            .unwrap()
            .iter()
            .map(|job| serde_json::from_str(&job.payload).unwrap())
            .collect();
        assert!(timers.iter().any(|t| t.request == handed.id && t.kind == TimerKind::Deadline && t.level == level));
    }
}

async fn events_recorded_together_are_kept_in_order_each_with_its_kind_and_actor(db: &TestDb) {
    let Chain { store, policy, liaison, deputy, resident, .. } = chain_with_a_resident(db).await;
    let mut tx = store.begin().await.unwrap();
    let request =
        requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap().request;
    let declined = |reason: &str| Event::Declined { reason: reason.into() };
    let (busy, away) = (declined("busy"), declined("away"));
    tx.record_events(&[(Some(request.id), Some(liaison), &busy), (Some(request.id), Some(deputy), &away)], 0)
        .await
        .unwrap();
    let events = tx.events_of(request.id).await.unwrap();
    assert_eq!(events[2..], [busy, away]);
    // Routing reads who declined from the events' kinds and actors.
    let building = tx.request_building(request.id).await.unwrap();
    let chain = tx.routing_chain(building, Some(request.id), 0).await.unwrap();
    let declined: Vec<_> = chain[0].candidates.iter().filter(|c| c.declined_this_request).map(|c| c.person).collect();
    assert_eq!(declined, [liaison, deputy]);
}

async fn a_resident_may_report_up_to_the_open_limit_and_a_stranger_not_at_all(db: &TestDb) {
    use community_desk::app::requests::SubmitRefusal;
    use community_desk::domain::request::MAX_OPEN_REQUESTS_PER_RESIDENT;
    let Chain { store, policy, resident, .. } = chain_with_a_resident(db).await;
    let neighbour = self::resident(&store, 5003, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let stranger = tx.touch_person(TelegramId(5004), None, None, 0).await.unwrap().id;
    let now = chrono::Utc::now();
    let refused = requests::submit(&mut tx, stranger, &draft(), &policy, now).await.unwrap();
    assert_eq!(refused.err(), Some(SubmitRefusal::NotRegistered));
    for _ in 0..MAX_OPEN_REQUESTS_PER_RESIDENT {
        requests::submit(&mut tx, neighbour, &draft(), &policy, now).await.unwrap().expect("under the limit");
    }
    // The neighbour's requests are not theirs.
    let home = requests::may_report(&mut tx, resident).await.unwrap().expect("a resident with nothing open");
    assert_eq!(home.person, resident);
    for _ in 0..MAX_OPEN_REQUESTS_PER_RESIDENT {
        requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap().expect("under the limit");
    }
    let refused = requests::submit(&mut tx, resident, &draft(), &policy, now).await.unwrap();
    assert_eq!(refused.err(), Some(SubmitRefusal::TooManyOpen { max: MAX_OPEN_REQUESTS_PER_RESIDENT }));
}

async fn settings_read_again_in_a_transaction_show_a_change_made_in_it(db: &TestDb) {
    use community_desk::store::Deadline;
    let store = open(db).await;
    let mut tx = store.begin().await.unwrap();
    let levels = tx.service_levels().await.unwrap();
    let (holidays, pool) = (tx.holidays().await.unwrap(), tx.pool_categories().await.unwrap());
    assert_eq!(tx.service_levels().await.unwrap(), levels, "read again, the same");

    let within = std::time::Duration::from_secs(7 * 60);
    tx.set_service_level(Urgency::Urgent, Deadline::Accept, within).await.unwrap();
    let day = chrono::NaiveDate::from_ymd_opt(2026, 10, 1).unwrap();
    assert!(tx.add_holiday(day).await.unwrap());
    let added = if pool.contains(&Category::Property) { Category::Household } else { Category::Property };
    tx.set_pool_category(added, true).await.unwrap();
    assert_eq!(tx.service_levels().await.unwrap()[&Urgency::Urgent].accept_within, within);
    assert_eq!(tx.holidays().await.unwrap(), [holidays.clone(), vec![day]].concat());
    assert!(tx.pool_categories().await.unwrap().contains(&added));

    assert!(tx.remove_holiday(day).await.unwrap());
    tx.set_pool_category(added, false).await.unwrap();
    assert_eq!(tx.holidays().await.unwrap(), holidays);
    assert_eq!(tx.pool_categories().await.unwrap(), pool);
}

async fn a_category_an_admin_adds_to_the_pool_is_offered_to_volunteers(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let volunteers = "name,phone,role,unit\n甲,13700000001,volunteer,第一网格/东苑\n";
    for report in directory::import(&store, vec![file("people.csv", volunteers)], &[], 0).await.unwrap() {
        report.outcome.expect("the volunteer imports");
    }
    let volunteer = bind(&store, 3001, "13700000001").await;
    let policy = policy(&store).await;
    let resident = resident(&store, 5001, "E01").await;
    let elderly = Draft { category: Category::Elderly, ..draft() };
    let mut tx = store.begin().await.unwrap();
    let first = requests::submit(&mut tx, resident, &elderly, &policy, chrono::Utc::now()).await.unwrap().unwrap();
    assert!(requests::offer_to_volunteers(&mut tx, &first.request, chrono::Utc::now()).await.unwrap().is_empty());
    assert!(tx.set_pool_category(Category::Elderly, true).await.unwrap());
    assert!(!tx.set_pool_category(Category::Elderly, true).await.unwrap(), "adding twice changes nothing");
    let second = requests::submit(&mut tx, resident, &elderly, &policy, chrono::Utc::now()).await.unwrap().unwrap();
    let offered = requests::offer_to_volunteers(&mut tx, &second.request, chrono::Utc::now()).await.unwrap();
    assert_eq!(offered, [volunteer]);
}

async fn unit_named(store: &Store, name: &str) -> community_desk::domain::UnitId {
    let mut tx = store.begin().await.unwrap();
    tx.units().await.unwrap().into_iter().find(|u| u.name == name).expect("the unit exists").id
}

async fn an_invitation_is_used_once_and_never_after_it_expires(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let admin = bind(&store, 1005, "13800000005").await;
    let e02 = unit_named(&store, "E02").await;
    let mut tx = store.begin().await.unwrap();
    tx.create_invitation("fresh", Role::Deputy, e02, admin, 0, 1_000).await.unwrap();
    tx.create_invitation("stale", Role::Deputy, e02, admin, 0, 1_000).await.unwrap();
    let newcomer = tx.touch_person(TelegramId(4001), None, None, 0).await.unwrap().id;
    let other = tx.touch_person(TelegramId(4002), None, None, 0).await.unwrap().id;
    assert_eq!(tx.use_invitation("fresh", newcomer, 500).await.unwrap(), Some((Role::Deputy, e02)));
    assert_eq!(tx.use_invitation("fresh", other, 600).await.unwrap(), None, "used once");
    assert_eq!(tx.use_invitation("stale", other, 1_000).await.unwrap(), None, "expired");
    assert_eq!(tx.use_invitation("unknown", other, 0).await.unwrap(), None);
}

async fn open_requests_and_residents_are_found_only_under_the_unit_asked_for(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    bind(&store, 1001, "13800000001").await;
    let east = resident(&store, 5001, "E01").await;
    let west = resident(&store, 5002, "W01").await;
    let mut tx = store.begin().await.unwrap();
    requests::submit(&mut tx, east, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    requests::submit(&mut tx, west, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    tx.commit().await.unwrap();
    let (grid1, community) = (unit_named(&store, "第一网格").await, unit_named(&store, "绿杨社区").await);
    let mut tx = store.begin().await.unwrap();
    let in_grid = tx.open_requests_under(grid1).await.unwrap();
    assert_eq!(in_grid.iter().map(|r| r.building_code.as_str()).collect::<Vec<_>>(), ["E01"]);
    assert_eq!(in_grid[0].assignee_role, Some(Role::Liaison));
    assert_eq!(tx.open_requests_under(community).await.unwrap().len(), 2);
    let residents: Vec<i64> = tx.residents_under(grid1).await.unwrap().iter().map(|r| r.chat).collect();
    assert_eq!(residents, [5001]);
    assert_eq!(tx.residents_under(community).await.unwrap().len(), 2);
    let responders = tx.responders_under(grid1).await.unwrap();
    assert_eq!(responders.len(), 4, "liaison, deputy, group leader, grid leader; not the community admin");
}

async fn a_notice_copy_is_counted_once_however_often_it_settles(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let admin = bind(&store, 1005, "13800000005").await;
    resident(&store, 5001, "E01").await;
    resident(&store, 5002, "E02").await;
    let estate = unit_named(&store, "东苑").await;
    let mut tx = store.begin().await.unwrap();
    let recipients = tx.residents_under(estate).await.unwrap();
    let notice = tx.create_notice(estate, admin, "停水通知", 1005, &recipients, 0).await.unwrap();
    assert!(tx.settle_notice(notice, 5001, true).await.unwrap());
    assert!(!tx.settle_notice(notice, 5001, true).await.unwrap(), "a retried send settles once");
    assert!(!tx.settle_notice(notice, 9999, true).await.unwrap(), "nobody else's copy");
    let counts = tx.notice_counts(notice).await.unwrap();
    assert_eq!((counts.recipients, counts.delivered, counts.unreachable), (2, 1, 0));
    assert!(!counts.finished());
    assert!(tx.settle_notice(notice, 5002, false).await.unwrap());
    let second = recipients[1].person;
    assert!(tx.acknowledge_notice(notice, second, 10).await.unwrap());
    assert!(!tx.acknowledge_notice(notice, second, 11).await.unwrap());
    let counts = tx.notice_counts(notice).await.unwrap();
    assert_eq!((counts.delivered, counts.unreachable, counts.acknowledged), (1, 1, 1));
    assert!(counts.finished());
    assert!(tx.take_progress_turn(notice, 5_000, 3_000).await.unwrap());
    assert!(!tx.take_progress_turn(notice, 6_000, 3_000).await.unwrap(), "not again within the gap");
}

async fn a_role_taken_away_no_longer_routes_requests(db: &TestDb) {
    let store = open(db).await;
    load_directory(&store).await;
    let policy = policy(&store).await;
    let liaison = bind(&store, 1001, "13800000001").await;
    let deputy = bind(&store, 1002, "13800000002").await;
    let e01 = unit_named(&store, "E01").await;
    let mut tx = store.begin().await.unwrap();
    assert!(tx.revoke_role(liaison, Role::Liaison, e01).await.unwrap());
    assert!(!tx.revoke_role(liaison, Role::Liaison, e01).await.unwrap());
    tx.commit().await.unwrap();
    let resident = resident(&store, 5001, "E01").await;
    let mut tx = store.begin().await.unwrap();
    let submitted = requests::submit(&mut tx, resident, &draft(), &policy, chrono::Utc::now()).await.unwrap().unwrap();
    assert_eq!(submitted.request.assignee, Some(deputy));
}

async fn an_admin_may_import_only_within_their_units(db: &TestDb) {
    use community_desk::domain::scope::AdminScope;
    let store = open(db).await;
    load_directory(&store).await;
    let grid2 = unit_named(&store, "第二网格").await;
    let scope = AdminScope::Units(vec![grid2]);
    let people = "name,phone,role,unit\n新人,13900000009,liaison,W01\n越界,13900000010,liaison,E02\n";
    let mut tx = store.begin().await.unwrap();
    let report = directory::import_file(&mut tx, file("people.csv", people), &[], &scope, None, 0).await.unwrap();
    let errors: Vec<String> = report.outcome.unwrap_err().iter().map(ToString::to_string).collect();
    assert_eq!(errors, ["people.csv:3: `E02` is outside the units you administer"]);
    let units = "community,grid,estate,building,households\n绿杨社区,第二网格,西苑,W09,10\n";
    let report = directory::import_file(&mut tx, file("units.csv", units), &[], &scope, None, 0).await.unwrap();
    assert!(report.outcome.is_err(), "only an admin of the community changes its buildings");
    let inside = "name,phone,role,unit\n新人,13900000009,liaison,W01\n";
    let report = directory::import_file(&mut tx, file("people.csv", inside), &[], &scope, None, 0).await.unwrap();
    assert_eq!(report.outcome.unwrap().created, 1);
}
