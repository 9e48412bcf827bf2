//! Many reporters of one problem, through the use cases and the store, on
//! both backends: "me too", merges, known outages, followers' answers and
//! recurring problems.

use chrono::{Duration, Utc};
use community_desk::app::clock::{self, Notice};
use community_desk::app::followers::{self, FollowOutcome, MergeOutcome, OutageOutcome, UnmergeOutcome};
use community_desk::app::recurring;
use community_desk::app::requests::{self, AcceptOutcome, Draft, StepOutcome};
use community_desk::domain::escalation::{Timer, TimerKind};
use community_desk::domain::reporters::{MergeRefusal, RecurringRule, UnmergeRefusal};
use community_desk::domain::{Category, Description, RequestId, Status, Urgency};
use community_desk::store::Tx;

use crate::store::{Chain, chain_with_a_resident, contract_tests, draft, resident};
use crate::support::db::{Db, TestDb};

contract_tests!(
    a_neighbour_who_presses_me_too_follows_and_counts_as_a_household,
    sensitive_requests_are_never_offered_and_estate_wide_ones_are_offered_across_the_estate,
    a_merge_moves_reporter_and_followers_and_an_unmerge_within_seven_days_takes_them_back,
    only_the_holder_or_someone_above_may_merge,
    a_known_outage_makes_new_reporters_of_its_estate_followers_until_it_ends,
    a_follower_answers_and_rates_like_the_reporter,
    three_requests_from_two_households_open_a_recurring_problem_for_the_group_leader,
    the_recurring_rule_s_numbers_are_kept_as_an_admin_sets_them,
    followers_joining_at_once_edit_the_cards_now_and_once_ten_seconds_later,
    an_unmerge_starts_the_clock_the_merge_stopped_again_from_where_the_service_level_says_now,
    a_resident_s_list_shows_the_requests_they_follow_beside_their_own,
);

fn draft_of(category: Category) -> Draft {
    Draft {
        category, urgency: Urgency::Normal, description: Description::parse("漏水").unwrap(), attachments: vec![]
    }
}

async fn submit(tx: &mut Tx, chain: &Chain, who: community_desk::domain::PersonId, draft: &Draft) -> RequestId {
    requests::submit(tx, who, draft, &chain.policy, Utc::now()).await.unwrap().unwrap().request.id
}

async fn a_neighbour_who_presses_me_too_follows_and_counts_as_a_household(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let neighbour = resident(&chain.store, 5002, "E01").await;
    let stranger = resident(&chain.store, 5003, "W01").await;
    let mut tx = chain.store.begin().await.unwrap();
    let id = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let offered = followers::offers(&mut tx, neighbour, Category::Property).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), [id]);
    assert!(followers::offers(&mut tx, chain.resident, Category::Property).await.unwrap().is_empty(), "not their own");
    assert!(followers::offers(&mut tx, neighbour, Category::Household).await.unwrap().is_empty(), "same category only");
    let outcome = followers::follow(&mut tx, id, neighbour, Utc::now()).await.unwrap();
    assert!(matches!(outcome, FollowOutcome::Following { households: 2, .. }), "{outcome:?}");
    assert!(matches!(
        followers::follow(&mut tx, id, neighbour, Utc::now()).await.unwrap(),
        FollowOutcome::AlreadyFollowing(_)
    ));
    assert!(followers::offers(&mut tx, neighbour, Category::Property).await.unwrap().is_empty(), "followed already");
    assert_eq!(tx.followers_of(id).await.unwrap(), [neighbour]);
    assert_eq!(followers::follow(&mut tx, id, stranger, Utc::now()).await.unwrap(), FollowOutcome::NotOffered);
    let view = tx.request_view(id).await.unwrap().unwrap();
    let audience = followers::audience(&mut tx, &view).await.unwrap();
    assert_eq!(audience, [chain.resident, neighbour]);
}

async fn sensitive_requests_are_never_offered_and_estate_wide_ones_are_offered_across_the_estate(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let neighbour = resident(&chain.store, 5002, "E01").await;
    let across = resident(&chain.store, 5003, "E02").await;
    let outside = resident(&chain.store, 5004, "W01").await;
    let mut tx = chain.store.begin().await.unwrap();
    let dispute = submit(&mut tx, &chain, chain.resident, &draft_of(Category::Dispute)).await;
    assert!(followers::offers(&mut tx, neighbour, Category::Dispute).await.unwrap().is_empty());
    assert_eq!(followers::follow(&mut tx, dispute, neighbour, Utc::now()).await.unwrap(), FollowOutcome::NotOffered);
    let water = submit(&mut tx, &chain, chain.resident, &draft()).await;
    assert!(followers::offers(&mut tx, across, Category::Property).await.unwrap().is_empty(), "another building");
    assert!(recurring::set_estate_wide(&mut tx, chain.leader, Category::Property, true, Utc::now()).await.unwrap());
    let offered = followers::offers(&mut tx, across, Category::Property).await.unwrap();
    assert_eq!(offered.iter().map(|r| r.id).collect::<Vec<_>>(), [water]);
    assert!(followers::offers(&mut tx, outside, Category::Property).await.unwrap().is_empty(), "another estate");
}

async fn a_merge_moves_reporter_and_followers_and_an_unmerge_within_seven_days_takes_them_back(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let second = resident(&chain.store, 5002, "E01").await;
    let third = resident(&chain.store, 5003, "E01").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let original = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let duplicate = submit(&mut tx, &chain, second, &draft()).await;
    // The third pressed "Me too" on the duplicate before anyone noticed.
    tx.follow(duplicate, third, None, 0).await.unwrap();
    let outcome = followers::merge(&mut tx, duplicate, original, chain.liaison, now).await.unwrap();
    let MergeOutcome::Merged { duplicate: merged, moved, households, .. } = outcome else {
        panic!("expected a merge, got {outcome:?}")
    };
    assert_eq!(merged.status, Status::Merged);
    assert_eq!(moved, [second, third]);
    assert_eq!(households, 3);
    assert_eq!(tx.followers_of(original).await.unwrap(), [second, third]);
    assert!(followers::audience(&mut tx, &merged).await.unwrap().is_empty(), "its people hear of the original");
    assert_eq!(
        followers::merge(&mut tx, duplicate, original, chain.liaison, now).await.unwrap(),
        MergeOutcome::Refused(MergeRefusal::DuplicateFinished)
    );
    let outcome = followers::unmerge(&mut tx, duplicate, chain.liaison, &chain.policy, now).await.unwrap();
    let UnmergeOutcome::Unmerged { request, from, told } = outcome else {
        panic!("expected an unmerge, got {outcome:?}")
    };
    assert_eq!((request.status, from.id), (Status::Open, original));
    assert!(request.accept_due_at.is_some(), "its clock runs again");
    assert_eq!(told, [second, third]);
    assert!(tx.followers_of(original).await.unwrap().is_empty());
    assert_eq!(
        followers::unmerge(&mut tx, duplicate, chain.liaison, &chain.policy, now).await.unwrap(),
        UnmergeOutcome::Refused(UnmergeRefusal::NotMerged)
    );
    assert!(matches!(
        followers::merge(&mut tx, duplicate, original, chain.liaison, now).await.unwrap(),
        MergeOutcome::Merged { .. }
    ));
    let late = now + Duration::days(8);
    assert_eq!(
        followers::unmerge(&mut tx, duplicate, chain.liaison, &chain.policy, late).await.unwrap(),
        UnmergeOutcome::Refused(UnmergeRefusal::TooLate)
    );
    let kinds: Vec<&str> = tx.events_of(duplicate).await.unwrap().iter().map(|e| e.kind()).collect();
    assert_eq!(kinds[2..], ["merged", "unmerged", "merged"]);
}

async fn only_the_holder_or_someone_above_may_merge(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let original = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let duplicate = submit(&mut tx, &chain, chain.resident, &draft()).await;
    for outsider in [chain.resident, chain.deputy] {
        assert_eq!(
            followers::merge(&mut tx, duplicate, original, outsider, now).await.unwrap(),
            MergeOutcome::NotAllowed,
            "{outsider:?}"
        );
    }
    assert_eq!(
        followers::merge(&mut tx, original, original, chain.liaison, now).await.unwrap(),
        MergeOutcome::Refused(MergeRefusal::SameRequest)
    );
    assert_eq!(
        followers::merge(&mut tx, duplicate, RequestId(999_999), chain.liaison, now).await.unwrap(),
        MergeOutcome::Missing
    );
    assert!(matches!(
        followers::merge(&mut tx, duplicate, original, chain.leader, now).await.unwrap(),
        MergeOutcome::Merged { .. }
    ));
}

async fn a_known_outage_makes_new_reporters_of_its_estate_followers_until_it_ends(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let across = resident(&chain.store, 5002, "E02").await;
    let outside = resident(&chain.store, 5003, "W01").await;
    let again = resident(&chain.store, 5004, "E02").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let id = submit(&mut tx, &chain, chain.resident, &draft()).await;
    assert!(followers::report_into_outage(&mut tx, across, Category::Property, now).await.unwrap().is_none());
    assert_eq!(
        followers::declare_outage(&mut tx, id, &[], chain.resident, now).await.unwrap(),
        OutageOutcome::NotAllowed
    );
    let outcome = followers::declare_outage(&mut tx, id, &[], chain.liaison, now).await.unwrap();
    let OutageOutcome::Declared { units, .. } = outcome else { panic!("expected a declaration, got {outcome:?}") };
    assert_eq!(units.len(), 1, "the estate");
    let joined = followers::report_into_outage(&mut tx, across, Category::Property, now).await.unwrap();
    assert!(matches!(joined, Some(FollowOutcome::Following { households: 2, .. })), "{joined:?}");
    assert!(followers::report_into_outage(&mut tx, outside, Category::Property, now).await.unwrap().is_none());
    assert!(followers::report_into_outage(&mut tx, across, Category::Household, now).await.unwrap().is_none());
    assert_eq!(followers::end_outage(&mut tx, id, chain.liaison, now).await.unwrap(), Some(true));
    assert!(followers::report_into_outage(&mut tx, again, Category::Property, now).await.unwrap().is_none());
    let dispute = submit(&mut tx, &chain, chain.resident, &draft_of(Category::Dispute)).await;
    assert_eq!(
        followers::declare_outage(&mut tx, dispute, &[], chain.liaison, now).await.unwrap(),
        OutageOutcome::Sensitive
    );
}

async fn a_follower_answers_and_rates_like_the_reporter(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let neighbour = resident(&chain.store, 5002, "E01").await;
    let stranger = resident(&chain.store, 5003, "E01").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let id = submit(&mut tx, &chain, chain.resident, &draft()).await;
    followers::follow(&mut tx, id, neighbour, now).await.unwrap();
    let accepted = requests::accept(&mut tx, id, chain.liaison, &chain.policy, now).await.unwrap();
    assert!(matches!(accepted, AcceptOutcome::Accepted(_)));
    requests::resolve(&mut tx, id, chain.liaison, "修好了", now).await.unwrap();
    let status = |outcome: StepOutcome| match outcome {
        StepOutcome::Done(request) => request.status,
        other => panic!("expected the step to be taken, got {other:?}"),
    };
    assert_eq!(
        followers::confirm(&mut tx, id, stranger, false, "", &chain.policy, now).await.unwrap(),
        StepOutcome::NotYours
    );
    assert_eq!(
        status(followers::confirm(&mut tx, id, neighbour, false, "还在漏", &chain.policy, now).await.unwrap()),
        Status::Accepted,
        "a follower's no reopens it"
    );
    requests::resolve(&mut tx, id, chain.liaison, "换了水管", now).await.unwrap();
    assert_eq!(
        status(followers::confirm(&mut tx, id, neighbour, true, "", &chain.policy, now).await.unwrap()),
        Status::Resolved,
        "a follower's yes does not close it"
    );
    // Asked for stars at once, the follower rates before the reporter has
    // answered.
    assert_eq!(status(followers::rate(&mut tx, id, neighbour, 4, now).await.unwrap()), Status::Resolved);
    let closed = followers::confirm(&mut tx, id, chain.resident, true, "", &chain.policy, now).await.unwrap();
    assert_eq!(status(closed), Status::Closed);
    assert!(matches!(followers::rate(&mut tx, id, neighbour, 5, now).await.unwrap(), StepOutcome::NoLongerApplies(_)));
    assert_eq!(status(followers::rate(&mut tx, id, chain.resident, 5, now).await.unwrap()), Status::Closed);
    assert_eq!(followers::rate(&mut tx, id, stranger, 5, now).await.unwrap(), StepOutcome::NotYours);
}

async fn three_requests_from_two_households_open_a_recurring_problem_for_the_group_leader(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let neighbour = resident(&chain.store, 5002, "E01").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let mut created = Vec::new();
    for who in [chain.resident, neighbour] {
        let submitted = requests::submit(&mut tx, who, &draft(), &chain.policy, now).await.unwrap().unwrap();
        assert_eq!(recurring::on_created(&mut tx, &submitted.request, now).await.unwrap(), None, "two are not yet");
        created.push(submitted.request.id);
    }
    let third = requests::submit(&mut tx, chain.resident, &draft(), &chain.policy, now).await.unwrap().unwrap();
    created.push(third.request.id);
    let problem = recurring::on_created(&mut tx, &third.request, now).await.unwrap().expect("a recurring problem");
    assert!(problem.opened);
    assert_eq!(problem.leader, Some(chain.leader));
    assert_eq!(problem.requests.iter().map(|r| r.id).collect::<Vec<_>>(), created);
    let fourth = requests::submit(&mut tx, neighbour, &draft(), &chain.policy, now).await.unwrap().unwrap();
    let joined = recurring::on_created(&mut tx, &fourth.request, now).await.unwrap().expect("it joins the problem");
    assert_eq!((joined.problem, joined.opened), (problem.problem, false));
    assert_eq!(tx.recurring_requests(problem.problem).await.unwrap().len(), 4);
    let dispute = requests::submit(&mut tx, neighbour, &draft_of(Category::Dispute), &chain.policy, now).await;
    let dispute = dispute.unwrap().unwrap();
    assert_eq!(recurring::on_created(&mut tx, &dispute.request, now).await.unwrap(), None, "never for the sensitive");
    let community = tx.units().await.unwrap().into_iter().find(|u| u.parent.is_none()).unwrap().id;
    let from = now.timestamp_millis() - 1000;
    let ranking = recurring::ranking(&mut tx, &[community], from, from + 60_000).await.unwrap();
    assert_eq!(ranking.len(), 1);
    assert_eq!((ranking[0].building_code.as_str(), ranking[0].requests, ranking[0].households), ("E01", 4, 2));
    assert!(recurring::ranking(&mut tx, &[community], from - 60_000, from).await.unwrap().is_empty());
}

async fn the_recurring_rule_s_numbers_are_kept_as_an_admin_sets_them(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let mut tx = chain.store.begin().await.unwrap();
    assert_eq!(tx.recurring_rule().await.unwrap(), RecurringRule::default());
    let strict = RecurringRule { window_days: 14, min_requests: 2, min_households: 1, after_close_days: 90 };
    recurring::set_rule(&mut tx, chain.leader, &strict, Utc::now()).await.unwrap();
    tx.commit().await.unwrap();
    let mut tx = chain.store.begin().await.unwrap();
    assert_eq!(tx.recurring_rule().await.unwrap(), strict);
    assert!(tx.estate_wide_categories().await.unwrap().is_empty());
    assert!(recurring::set_estate_wide(&mut tx, chain.leader, Category::Property, true, Utc::now()).await.unwrap());
    assert!(!recurring::set_estate_wide(&mut tx, chain.leader, Category::Property, true, Utc::now()).await.unwrap());
    assert_eq!(tx.estate_wide_categories().await.unwrap(), [Category::Property]);
}

async fn followers_joining_at_once_edit_the_cards_now_and_once_ten_seconds_later(db: &TestDb) {
    use community_desk::store::Queue;
    let chain = chain_with_a_resident(db).await;
    let mut joining = Vec::new();
    for telegram in 5002..5006 {
        joining.push(resident(&chain.store, telegram, "E01").await);
    }
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let id = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let mut edits_now = Vec::new();
    for (i, person) in joining.iter().enumerate() {
        let at = now + Duration::seconds(i as i64);
        let FollowOutcome::Following { cards_now, households, .. } =
            followers::follow(&mut tx, id, *person, at).await.unwrap()
        else {
            panic!("expected to follow")
        };
        assert_eq!(households, i as i64 + 2);
        edits_now.push(cards_now);
    }
    assert_eq!(edits_now, [true, false, false, false], "the first edits the cards at once, the rest wait");
    let card_timers = |jobs: Vec<community_desk::store::ClaimedJob>| {
        jobs.iter()
            .map(|job| serde_json::from_str::<Timer>(&job.payload).unwrap())
            .filter(|timer| timer.request == id && timer.kind == TimerKind::CardCount)
            .count()
    };
    let before = now.timestamp_millis() + 9_999;
    assert_eq!(card_timers(tx.claim(Queue::Timer, "test", before, 60_000, 100).await.unwrap()), 0);
    let due = now.timestamp_millis() + 10_000;
    assert_eq!(
        card_timers(tx.claim(Queue::Timer, "test", due, 60_000, 100).await.unwrap()),
        1,
        "one edit for them all"
    );
    let view = tx.request_view(id).await.unwrap().unwrap();
    assert_eq!(view.households, 5, "the card shows every household");
    // The clock stays the request's: one deadline, whoever follows it.
    let clock: Vec<Timer> = tx
        .claim(Queue::Timer, "test", i64::MAX / 2, 60_000, 100)
        .await
        .unwrap()
        .iter()
        .map(|job| serde_json::from_str::<Timer>(&job.payload).unwrap())
        .filter(|timer| timer.request == id && timer.kind != TimerKind::CardCount)
        .collect();
    assert_eq!(clock.iter().map(|t| t.kind).collect::<Vec<_>>(), [TimerKind::Deadline], "no timer per follower");
}

/// The clock's pending timers of `request` (card edits aside), with when
/// each is due, read from the database.
async fn clock_of(db: &TestDb, request: RequestId) -> Vec<(Timer, i64)> {
    let rows = Db::connect(db)
        .await
        .rows("SELECT payload, due_at FROM jobs WHERE queue = 'timer' AND status = 'pending' ORDER BY due_at, id")
        .await;
    rows.iter()
        .filter_map(|row| {
            let (payload, due) = row.rsplit_once('|')?;
            let timer: Timer = serde_json::from_str(payload).ok()?;
            (timer.request == request && timer.kind != TimerKind::CardCount).then(|| (timer, due.parse().unwrap()))
        })
        .collect()
}

async fn an_unmerge_starts_the_clock_the_merge_stopped_again_from_where_the_service_level_says_now(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let second = resident(&chain.store, 5002, "E01").await;
    let third = resident(&chain.store, 5003, "E01").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let original = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let duplicate = submit(&mut tx, &chain, second, &draft()).await;
    assert!(matches!(
        followers::follow(&mut tx, duplicate, third, now).await.unwrap(),
        FollowOutcome::Following { .. }
    ));
    assert!(matches!(
        followers::merge(&mut tx, duplicate, original, chain.liaison, now).await.unwrap(),
        MergeOutcome::Merged { .. }
    ));
    tx.commit().await.unwrap();
    assert!(clock_of(db, duplicate).await.is_empty(), "the merge stops the duplicate's clock");
    assert!(!clock_of(db, original).await.is_empty(), "and leaves the original's running");

    // Three days later the merge turns out wrong: the duplicate's clock
    // starts again from now, with the whole time its service level gives.
    let later = now + Duration::days(3);
    let mut tx = chain.store.begin().await.unwrap();
    let outcome = followers::unmerge(&mut tx, duplicate, chain.liaison, &chain.policy, later).await.unwrap();
    let UnmergeOutcome::Unmerged { request, told, .. } = outcome else {
        panic!("expected an unmerge, got {outcome:?}")
    };
    assert_eq!(told, [second, third], "its reporter and its follower are told");
    let expected = clock::plan_new(Urgency::Urgent, request.escalation_level, &chain.policy, later).accept_due_at;
    assert_eq!((request.status, request.accept_due_at), (Status::Open, expected));
    tx.commit().await.unwrap();
    let timers = clock_of(db, duplicate).await;
    let (deadline, due) = timers
        .iter()
        .find(|(timer, _)| timer.kind == TimerKind::Deadline)
        .copied()
        .unwrap_or_else(|| panic!("a deadline again, got {timers:?}"));
    assert_eq!((deadline.status, Some(due)), (Status::Open, expected));
    assert!(due > later.timestamp_millis());

    // Nobody accepts it in time: it escalates to the estate group leader as
    // any request would, and its reporter hears of it.
    let mut tx = chain.store.begin().await.unwrap();
    let at = community_desk::store::from_millis(due);
    let notices = clock::fire(&mut tx, &deadline, &chain.policy, at).await.unwrap();
    assert!(
        notices.iter().any(
            |n| matches!(n, Notice::Escalated { to, request, .. } if *to == chain.leader && request.id == duplicate)
        ),
        "{notices:?}"
    );
    assert!(notices.iter().any(|n| matches!(n, Notice::ResidentEscalated { request } if request.id == duplicate)));

    // Its timeline names the request it was merged into by number.
    let number = tx.request_view(original).await.unwrap().unwrap().number.to_string();
    let named: Vec<(&str, Vec<String>)> = tx
        .timeline(duplicate)
        .await
        .unwrap()
        .into_iter()
        .filter(|entry| matches!(entry.event.kind(), "merged" | "unmerged" | "followed"))
        .map(|entry| (entry.event.kind(), entry.names))
        .collect();
    assert_eq!(named, [("followed", vec![]), ("merged", vec![number.clone()]), ("unmerged", vec![number])]);
}

async fn a_resident_s_list_shows_the_requests_they_follow_beside_their_own(db: &TestDb) {
    let chain = chain_with_a_resident(db).await;
    let neighbour = resident(&chain.store, 5002, "E01").await;
    let now = Utc::now();
    let mut tx = chain.store.begin().await.unwrap();
    let first = submit(&mut tx, &chain, chain.resident, &draft()).await;
    let own = submit(&mut tx, &chain, neighbour, &draft_of(Category::Household)).await;
    followers::follow(&mut tx, first, neighbour, now + Duration::seconds(1)).await.unwrap();
    let list = tx.requests_of_resident(neighbour, 10).await.unwrap();
    let lines: Vec<_> = list.iter().map(|r| (r.id, r.following, r.merged_into)).collect();
    assert_eq!(lines, [(first, true, None), (own, false, None)], "the latest first, the followed one marked");

    // Their own request merged into another: both show, the merged one
    // saying which it is followed as.
    let duplicate = submit(&mut tx, &chain, neighbour, &draft()).await;
    followers::merge(&mut tx, duplicate, first, chain.liaison, now + Duration::seconds(2)).await.unwrap();
    let number = tx.request_view(first).await.unwrap().unwrap().number;
    let list = tx.requests_of_resident(neighbour, 10).await.unwrap();
    let merged = list.iter().find(|r| r.id == duplicate).expect("the merged request is listed");
    assert_eq!((merged.status, merged.following, merged.merged_into), (Status::Merged, false, Some(number)));
    assert_eq!(list.iter().filter(|r| r.id == first).count(), 1, "followed once, whichever way");
    assert_eq!(tx.requests_of_resident(chain.resident, 10).await.unwrap().len(), 1, "the reporter's own only");
    // What they follow is their data too, without what its reporter wrote.
    let data = community_desk::app::privacy::my_data(&mut tx, neighbour).await.unwrap();
    let following = data["following"].as_array().expect("the requests they follow");
    assert_eq!(following.len(), 1);
    assert_eq!(following[0]["number"], number.to_string());
    assert!(following[0].get("description").is_none());
}
