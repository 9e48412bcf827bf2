//! One problem, many reporters, end to end with the real binary: neighbours
//! who press "Me too" follow the first report instead of making cards of
//! their own, the liaison's one card counts the households, resolving asks
//! every one of them, a merge and an unmerge tell everyone moved, and a
//! known outage answers a new report at once.

use crate::support::db::{Db, TestDb};
use crate::support::desk::{Desk, WAIT, liaison_binds, liaison_of, listed, report_in, responder_binds};
use community_desk::emulator::{Call, User, text_message};

/// A resident scans the stairwell code of E01 and registers, in English, in
/// `room`: each room is a household of its own.
async fn registers_in(desk: &Desk, resident: &User, room: &str) {
    let at = desk.push(text_message(resident, "/start b_E01"));
    desk.expect_button(at, resident, "d:room-skip").await;
    let at = desk.push(text_message(resident, room));
    desk.telegram
        .wait_for_after(at, "the share-phone keyboard", WAIT, |c| {
            c.chat_id() == Some(resident.id) && !c.reply_keyboard_buttons().is_empty()
        })
        .await;
    let at = desk.push(text_message(resident, "Skip"));
    let at = desk.press(at, resident, "d:priv:y").await;
    desk.expect_text(at, resident, "You are registered at").await;
}

/// A resident starts a report of a property problem and is offered the open
/// request 1 besides the description question; they press "Me too".
async fn presses_me_too(desk: &Desk, resident: &User) {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, "d:cat:property").await;
    let at = desk.press(at, resident, "r:1:f").await;
    desk.expect_text(at, resident, "You are following #").await;
}

/// The cards of request 1 sent to `reader` (edits aside).
fn cards_of_first_request(desk: &Desk, reader: &User) -> Vec<Call> {
    desk.telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(reader.id))
        .filter(|c| c.callback_data_buttons().iter().any(|(_, data)| data.starts_with("r:1:")))
        .collect()
}

async fn neighbours_who_press_me_too_follow_one_card_and_are_all_asked_when_it_is_resolved(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let residents: Vec<User> =
        (0..4).map(|i| User::new(2001 + i, &format!("Resident {i}")).with_language("en")).collect();
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    for (resident, room) in residents.iter().zip(["301", "302", "303", "304"]) {
        registers_in(&desk, resident, room).await;
    }
    let [first, second, third, fourth] = &residents[..] else { unreachable!() };

    let at = report_in(&desk, first, "property", "Water leaking from the ceiling").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    let card_id = card.message_id_sent().expect("the card was sent");
    let at = desk.telegram.last_seq();
    presses_me_too(&desk, second).await;
    presses_me_too(&desk, third).await;
    // However many join, the liaison's one card is edited to the count.
    desk.telegram
        .wait_for_after(at, "the card edited to three households", WAIT, |c| {
            c.is("editMessageText")
                && c.target_message_id() == Some(card_id)
                && c.text().is_some_and(|t| t.contains("3 households affected"))
        })
        .await;
    assert_eq!(cards_of_first_request(&desk, &liaison).len(), 1, "one card for the request, none per follower");
    let at = desk.push(text_message(second, "/my"));
    let mine = desk.expect_text(at, second, "Your latest requests").await;
    assert!(
        mine.text().unwrap().contains("#1001 · Property management · waiting for someone to accept"),
        "{:?}",
        mine.text()
    );
    assert!(mine.text().unwrap().contains("you follow it"), "{:?}", mine.text());
    assert!(mine.callback_data_buttons().is_empty(), "no withdrawing someone else's request");

    // The fourth resident's problem is another: "Mine is different" goes on
    // with the report, which the liaison then merges into the first and
    // takes apart again, everyone moved being told each time.
    let at = desk.push(text_message(fourth, "/new"));
    let at = desk.press(at, fourth, "d:cat:property").await;
    desk.expect_text(at, fourth, "describe the problem").await;
    desk.press(at, fourth, "d:diff").await;
    let at = desk.push(text_message(fourth, "The drain in the yard is blocked"));
    let at = desk.press(at, fourth, "d:desc-done").await;
    let at = desk.press(at, fourth, "d:urg:normal").await;
    let at = desk.press(at, fourth, "d:ok").await;
    desk.expect_text(at, fourth, "received").await;
    let at = desk.push(text_message(&liaison, "/merge 1002 1001"));
    desk.expect_text(at, fourth, "Your request #1002 is now followed as #1001").await;
    desk.expect_text(at, &liaison, "#1002 is merged into #1001, which now affects 4 households").await;
    let at = desk.push(text_message(&liaison, "/unmerge 1002"));
    desk.expect_text(at, fourth, "Your request #1002 is handled on its own again").await;
    desk.expect_text(at, &liaison, "#1002 is handled on its own again").await;

    // Accepting tells the followers; resolving asks all three households.
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:1:a", card_id));
    for follower in [second, third] {
        desk.expect_text(at, follower, "#1001, which you follow, is now being handled").await;
    }
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:1:v", card_id));
    desk.expect_text(at, &liaison, "what was done").await;
    let at = desk.push(text_message(&liaison, "Replaced the pipe"));
    desk.expect_text(at, first, "Your request #1001 has been handled: Replaced the pipe").await;
    let (asked_first, _) = desk.expect_button(at, first, "r:1:y").await;
    for follower in [second, third] {
        desk.expect_text(at, follower, "#1001, which you follow, has been handled: Replaced the pipe").await;
        desk.expect_button(at, follower, "r:1:y").await;
    }
    // A follower confirms and rates before the reporter has answered.
    let at = desk.press(at, second, "r:1:y").await;
    desk.expect_text(at, second, "rate").await;
    let at = desk.press(at, second, "r:1:s:4").await;
    desk.expect_text(at, second, "Thank you for rating").await;
    desk.expect_text(at, &liaison, "rated request #1001").await;
    // The reporter's yes closes it, which the followers hear.
    let at = desk.push(desk.telegram.callback_on(first, "r:1:y", asked_first.message_id_sent().unwrap()));
    for follower in [second, third] {
        desk.expect_text(at, follower, "#1001, which you follow, is now closed").await;
    }
    assert!(!desk.telegram.calls_to("sendMessage").iter().any(|c| c.chat_id() == Some(fourth.id)
        && c.text().is_some_and(|t| t.contains("#1001") && t.contains("has been handled"))));
}

async fn a_known_outage_answers_a_new_report_at_once_without_a_card(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let first = User::new(2001, "First").with_language("en");
    let later = User::new(2002, "Later").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    registers_in(&desk, &first, "301").await;
    registers_in(&desk, &later, "502").await;
    let at = report_in(&desk, &first, "property", "No water in the whole estate").await;
    desk.expect_button(at, &liaison, "r:1:a").await;
    let at = desk.push(text_message(&liaison, "/outage 1001"));
    desk.expect_text(at, &liaison, "#1001 is a known outage of").await;

    let at = desk.push(text_message(&later, "/new"));
    let at = desk.press(at, &later, "d:cat:property").await;
    desk.expect_text(at, &later, "already known and being dealt with: you are following #1001").await;
    assert_eq!(cards_of_first_request(&desk, &liaison).len(), 1, "no new card for the later report");
    assert!(
        !desk
            .telegram
            .calls_to("sendMessage")
            .iter()
            .any(|c| c.callback_data_buttons().iter().any(|(_, d)| d == "r:2:a")),
        "no new request was made"
    );
}

async fn a_follower_hears_when_the_liaison_declines_the_request_they_follow(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let first = User::new(2001, "First").with_language("en");
    let follower = User::new(2002, "Follower").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    registers_in(&desk, &first, "301").await;
    registers_in(&desk, &follower, "302").await;
    let at = report_in(&desk, &first, "property", "Water leaking from the ceiling").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:d").await;
    let card_id = card.message_id_sent().expect("the card was sent");
    presses_me_too(&desk, &follower).await;
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:1:d", card_id));
    let at = desk.press(at, &liaison, "r:1:d:b").await;
    desk.expect_text(at, &follower, "#1001, which you follow, has passed to another responder").await;
}

/// Makes the pending timers of `kind` (`deadline`, `follow_up`…) due now,
/// instead of waiting the minutes or the week they are set for.
async fn timers_due_now(desk: &Desk, kind: &str) {
    let sql = match kind {
        "deadline" => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"kind\":\"deadline\"%'"
        }
        _ => {
            "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
             AND payload LIKE '%\"kind\":\"follow_up\"%'"
        }
    };
    Db::connect(&desk.db).await.rows(sql).await;
}

async fn a_follower_hears_when_the_request_they_follow_escalates_and_is_reassigned(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let leader = User::new(1003, "Leader").with_language("en");
    let first = User::new(2001, "First").with_language("en");
    let follower = User::new(2002, "Follower").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    responder_binds(&desk, &leader, &listed("group_leader", "第一网格/绿杨东苑").1, "绿杨东苑").await;
    registers_in(&desk, &first, "301").await;
    registers_in(&desk, &follower, "302").await;
    let at = report_in(&desk, &first, "property", "Water leaking from the ceiling").await;
    desk.expect_button(at, &liaison, "r:1:a").await;
    presses_me_too(&desk, &follower).await;

    // The liaison lets the deadline pass: the follower hears it went up,
    // once, like the reporter.
    let at = desk.telegram.last_seq();
    timers_due_now(&desk, "deadline").await;
    desk.expect_text(at, &first, "passed it up").await;
    desk.expect_text(at, &follower, "#1001, which you follow, was not handled in time").await;
    let (card, _) = desk.expect_button(at, &leader, "r:1:r").await;

    // The leader gives it to someone else: the follower hears that too.
    let at = desk.push(desk.telegram.callback_on(&leader, "r:1:r", card.message_id_sent().unwrap()));
    let at = desk.press(at, &leader, "r:1:p:").await;
    desk.expect_text(at, &follower, "#1001, which you follow, has passed to another responder").await;
    let escalated = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(follower.id) && c.text().is_some_and(|t| t.contains("not handled in time")))
        .count();
    assert_eq!(escalated, 1, "one alert per request, not per follower or per level");
}

async fn a_follower_who_finds_it_broken_again_a_week_later_reopens_it_for_everyone(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let first = User::new(2001, "First").with_language("en");
    let follower = User::new(2002, "Follower").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    registers_in(&desk, &first, "301").await;
    registers_in(&desk, &follower, "302").await;
    let at = report_in(&desk, &first, "property", "Water leaking from the ceiling").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    let card_id = card.message_id_sent().expect("the card was sent");
    presses_me_too(&desk, &follower).await;
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:1:a", card_id));
    desk.expect_text(at, &follower, "is now being handled").await;
    let at = desk.push(desk.telegram.callback_on(&liaison, "r:1:v", card_id));
    desk.expect_text(at, &liaison, "what was done").await;
    let at = desk.push(text_message(&liaison, "Replaced the pipe"));
    let at = desk.press(at, &first, "r:1:y").await;
    desk.expect_text(at, &follower, "#1001, which you follow, is now closed").await;

    // A week after close both are asked whether it is still fixed; the
    // follower says no, and the request goes back to the liaison.
    let at = desk.telegram.last_seq();
    timers_due_now(&desk, "follow_up").await;
    desk.expect_text(at, &first, "closed a week ago").await;
    desk.expect_text(at, &follower, "#1001, which you follow, was closed a week ago").await;
    let at = desk.press(at, &follower, "r:1:n").await;
    desk.expect_text(at, &follower, "what is still wrong").await;
    let at = desk.push(text_message(&follower, "It drips again"));
    desk.expect_text(at, &follower, "Request #1001 is reopened").await;
    desk.expect_text(at, &first, "a neighbour who follows it says it is not fixed yet").await;
    let reopened =
        desk.expect_text(at, &liaison, "A neighbour who follows it says it is not fixed: It drips again").await;
    assert!(reopened.button("r:1:v").is_some(), "the liaison may resolve it again: {:?}", reopened.text());
    let to_follower = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.chat_id() == Some(follower.id) && c.text().is_some_and(|t| t.contains("is now being handled")))
        .count();
    assert_eq!(to_follower, 1, "the follower who reopened it is not told of it as news");
}

use crate::support::on_both_backends;

on_both_backends!(
    neighbours_who_press_me_too_follow_one_card_and_are_all_asked_when_it_is_resolved,
    a_known_outage_answers_a_new_report_at_once_without_a_card,
    a_follower_hears_when_the_liaison_declines_the_request_they_follow,
    a_follower_hears_when_the_request_they_follow_escalates_and_is_reassigned,
    a_follower_who_finds_it_broken_again_a_week_later_reopens_it_for_everyone,
);
