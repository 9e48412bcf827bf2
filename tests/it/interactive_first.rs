//! Interactive first (issue #27): under Telegram's limit, the answer to the
//! person talking to the bot goes before the copies of a notice that wait to
//! be sent, however many of them there are.

use std::cell::Cell;
use std::sync::Arc;

use tokio::task::JoinSet;

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, Desk, WAIT, resident_registers_at};
use community_desk::emulator::{Call, User, text_message};

/// Households of the estate the notices go to.
const HOUSEHOLDS: i64 = 12;
/// Messages a second to all chats while the notices go out: slow, so that
/// the copies of two notices sent one after the other pile up.
const SLOW_RATE: &str = "1";

/// The admin writes a notice to the residents of 绿杨东苑 and sends it.
async fn notice(desk: &Desk, admin: &User, text: &str) {
    let at = desk.push(text_message(admin, "/broadcast"));
    desk.expect_text(at, admin, "Whose residents").await;
    let at = desk.push(text_message(admin, "第一网格/绿杨东苑"));
    desk.expect_text(at, admin, "Write the notice for the residents of").await;
    let at = desk.push(text_message(admin, text));
    desk.expect_text(at, admin, &format!("to {HOUSEHOLDS} registered residents")).await;
    let at = desk.press(at, admin, "n:send").await;
    desk.telegram
        .wait_for_after(at, "the answer to Send", WAIT, |c| {
            c.is("answerCallbackQuery") && c.param("text").is_some_and(|t| t.to_string().contains("Sending to"))
        })
        .await;
}

/// Waits for the `n`th copy of the notices sent after `start`.
async fn nth_copy(desk: &Desk, start: u64, n: usize) -> Call {
    let seen = Cell::new(0);
    // Each call is looked at once, in order.
    desk.telegram
        .wait_for_after(start, &format!("copy {n} of the notices"), WAIT * 3, |c| {
            seen.set(seen.get() + usize::from(is_copy(c)));
            seen.get() >= n
        })
        .await
}

/// A resident's copy of one of the notices (the admin's preview and
/// progress are not).
fn is_copy(call: &Call) -> bool {
    call.is("sendMessage")
        && call.chat_id() != Some(ADMIN)
        && call.text().is_some_and(|t| t.contains("Water") || t.contains("Power"))
}

async fn a_residents_next_question_goes_before_the_copies_of_notices_waiting_to_be_sent(db: TestDb) {
    let desk = Arc::new(Desk::start(db).await);
    let admin = User::new(ADMIN, "Office").with_language("en");
    let mut setup = JoinSet::new();
    for n in 0..HOUSEHOLDS {
        let desk = desk.clone();
        setup.spawn(async move {
            let resident = User::new(6000 + n, &format!("Resident {n}")).with_language("en");
            resident_registers_at(&desk, &resident, "E01").await;
        });
    }
    while let Some(done) = setup.join_next().await {
        done.expect("a resident registers");
    }
    // Someone of the other estate, whom the notices do not concern, is about
    // to report a problem.
    let talker = User::new(6100, "West").with_language("en");
    resident_registers_at(&desk, &talker, "W01").await;

    desk.restart(&[("DESK_SEND_RATE", SLOW_RATE.to_string())]).await;
    // Two notices, one after the other: their copies fall due twice as fast
    // as Telegram's pace lets them go, so that those due pile up.
    let start = desk.telegram.last_seq();
    notice(&desk, &admin, "Water is off tomorrow 9:00–12:00.").await;
    notice(&desk, &admin, "Power is off on Friday.").await;
    let total = 2 * HOUSEHOLDS as usize;
    nth_copy(&desk, start, total / 2).await;

    let asked = desk.push(text_message(&talker, "/new"));
    let (question, _) = desk.expect_button(asked, &talker, "d:cat:").await;
    nth_copy(&desk, start, total).await;
    let copies: Vec<Call> = desk.telegram.calls().into_iter().filter(|c| c.seq > start && is_copy(c)).collect();
    let passed = copies.iter().filter(|c| c.seq > asked && c.seq < question.seq).count();
    let after = copies.iter().filter(|c| c.seq > question.seq).count();
    // By the time the question is asked, several copies that fell due wait
    // (taken in the order they fell due, the question would wait behind
    // every one of them). It passes them all but the one holding a slot (the
    // sender's look-ahead) and one sent while the bot handled
    // the update.
    assert!(passed <= 2, "{passed} copies went between the update and its answer");
    assert!(after >= total / 3, "only {after} of {total} copies were left after the answer");
    let mut chats: Vec<i64> = copies.iter().filter_map(Call::chat_id).collect();
    chats.sort_unstable();
    chats.dedup();
    assert_eq!(chats.len(), HOUSEHOLDS as usize, "every household has its copies, and the talker none");
    assert_eq!(copies.len(), total, "each copy once");
}

crate::support::on_both_backends!(a_residents_next_question_goes_before_the_copies_of_notices_waiting_to_be_sent);
