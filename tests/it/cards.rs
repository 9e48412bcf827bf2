//! The cards a request was shown on, end to end: every one of them — the
//! holder's and the former holders', the office's first alert, the
//! volunteers' offers — is rewritten when the request changes, to what is
//! true for its reader, with only the buttons they can still use; and a
//! button of a finished request says it is finished.

use crate::support::db::TestDb;
use crate::support::desk::{
    ADMIN, Desk, WAIT, liaison_binds, liaison_of, listed, report_in, resident_registers, responder_binds,
};
use community_desk::emulator::{Call, User, text_message};

/// Waits for an edit of `card` (a message sent to `reader`) after `after`
/// whose text contains `needle`.
async fn card_edited(desk: &Desk, after: u64, reader: &User, card: &Call, needle: &str) -> Call {
    let message = card.message_id_sent().expect("the card was sent");
    let desc = format!("the card {message} of {} edited to say {needle:?}", reader.id);
    desk.telegram
        .wait_for_after(after, &desc, WAIT, |c| {
            c.is("editMessageText")
                && c.chat_id() == Some(reader.id)
                && c.target_message_id() == Some(message)
                && c.text().is_some_and(|t| t.contains(needle))
        })
        .await
}

/// Presses `data` on `card` as `user` and returns the answer to the press.
async fn press_on(desk: &Desk, user: &User, card: &Call, data: &str) -> String {
    let message = card.message_id_sent().expect("the card was sent");
    let at = desk.push(desk.telegram.callback_on(user, data, message));
    let answer =
        desk.telegram.wait_for_after(at, "the answer to the press", WAIT, |c| c.is("answerCallbackQuery")).await;
    answer.param("text").and_then(|t| t.as_str()).unwrap_or_default().to_string()
}

fn buttons(call: &Call) -> Vec<String> {
    call.callback_data_buttons().into_iter().map(|(_, data)| data).collect()
}

async fn the_office_alert_and_a_former_holders_card_show_who_has_the_request_now(db: TestDb) {
    let desk = Desk::start(db).await;
    let office = User::new(ADMIN, "Office").with_language("en");
    let liaison = User::new(1001, "Liaison").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    // Nobody with an account but the office, which is away: the office gets
    // the first alert about a request nobody could take.
    let at = desk.push(text_message(&office, "/away 2"));
    desk.expect_text(at, &office, "/back").await;
    resident_registers(&desk, &resident).await;
    let at = report_in(&desk, &resident, "property", "No water since the evening").await;
    let (alert, _) = desk.expect_button(at, &office, "r:1:t").await;

    // The liaison binds and is given it: the office's alert says so, and
    // keeps Take over, which the office may still use.
    let at = desk.telegram.last_seq();
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    let edited = card_edited(&desk, at, &office, &alert, "Now with the building liaison").await;
    assert!(buttons(&edited).contains(&"r:1:t".to_string()), "{:?}", buttons(&edited));
    assert!(!buttons(&edited).iter().any(|d| d == "r:1:a"), "the office never accepts it as the holder");

    // The liaison lists their tasks: the request shows as a card again.
    let at = desk.push(text_message(&liaison, "/tasks"));
    let (listed, _) = desk.expect_button(at, &liaison, "r:1:a").await;

    // The office takes it over: neither of the liaison's cards waits for
    // them any more.
    let at = desk.telegram.last_seq();
    press_on(&desk, &office, &alert, "r:1:t").await;
    desk.expect_text(at, &liaison, "taken over from above").await;
    for card in [&card, &listed] {
        let edited = card_edited(&desk, at, &liaison, card, "Now with the community office").await;
        assert!(buttons(&edited).is_empty(), "a former holder's card has no buttons: {:?}", buttons(&edited));
        assert!(edited.text().unwrap().contains("being handled"), "{:?}", edited.text());
    }

    // The resident withdraws it: both cards say so, without buttons, and a
    // stale button of it says it is cancelled, not whose it is.
    let at = desk.push(text_message(&resident, "/my"));
    let at = desk.press(at, &resident, "r:1:x").await;
    desk.expect_text(at, &resident, "withdrawn").await;
    for (reader, card) in [(&office, &alert), (&liaison, &card)] {
        let edited = card_edited(&desk, at, reader, card, "cancelled").await;
        assert!(buttons(&edited).is_empty(), "{:?}", buttons(&edited));
    }
    for data in ["r:1:m", "r:1:a", "r:1:v", "r:1:t"] {
        let answer = press_on(&desk, &liaison, &card, data).await;
        assert!(answer.contains("now cancelled"), "{data} on a cancelled request answers {answer:?}");
    }
}

async fn a_declined_request_claimed_by_a_volunteer_leaves_every_card_true(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let deputy = User::new(1002, "Deputy").with_language("en");
    let volunteer = User::new(1003, "Volunteer").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    responder_binds(&desk, &deputy, &listed("deputy", "E01").1, "E01").await;
    responder_binds(&desk, &volunteer, &listed("volunteer", "第一网格/绿杨东苑").1, "绿杨东苑").await;
    resident_registers(&desk, &resident).await;

    let at = report_in(&desk, &resident, "volunteer", "Please help me carry a wardrobe").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    let (offer, _) = desk.expect_button(at, &volunteer, "r:1:c").await;

    // The liaison declines: their card says the deputy has it, no buttons.
    let at = desk.press(at, &liaison, "r:1:d").await;
    let at = desk.press(at, &liaison, "r:1:d:k").await;
    let (deputy_card, _) = desk.expect_button(at, &deputy, "r:1:a").await;
    let edited = card_edited(&desk, at, &liaison, &card, "Now with the deputy building liaison").await;
    assert!(buttons(&edited).is_empty(), "{:?}", buttons(&edited));

    // A volunteer claims it: the deputy is told as a responder, and every
    // other card shows the volunteer has it, without buttons.
    let at = desk.telegram.last_seq();
    press_on(&desk, &volunteer, &offer, "r:1:c").await;
    let told = desk.expect_text(at, &deputy, "claimed by a volunteer").await;
    assert!(!told.text().unwrap().contains("another volunteer"), "{:?}", told.text());
    for (reader, card) in [(&deputy, &deputy_card), (&liaison, &card)] {
        let edited = card_edited(&desk, at, reader, card, "Now with the volunteer").await;
        assert!(buttons(&edited).is_empty(), "{:?}", buttons(&edited));
    }
    let answer = press_on(&desk, &deputy, &deputy_card, "r:1:a").await;
    assert!(answer.contains("not assigned to you"), "{answer:?}");
}

async fn erasing_a_resident_edits_the_cards_of_their_open_requests_and_tells_the_holder(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    let at = report_in(&desk, &resident, "property", "The kitchen pipe leaks").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    assert!(card.text().unwrap().contains("302"), "{:?}", card.text());

    let at = desk.push(text_message(&resident, "/forget"));
    let at = desk.press(at, &resident, "f:y").await;
    desk.expect_text(at, &resident, "everything that identified you has been erased").await;
    desk.expect_text(at, &liaison, "withdrawn by the resident").await;
    let edited = card_edited(&desk, at, &liaison, &card, "cancelled").await;
    let text = edited.text().unwrap();
    assert!(!text.contains("kitchen pipe") && !text.contains("302"), "the card keeps personal details: {text}");
    assert!(buttons(&edited).is_empty(), "{:?}", buttons(&edited));
}

async fn a_button_of_a_closed_request_says_it_is_closed_whoever_presses_it(db: TestDb) {
    let desk = Desk::start(db).await;
    let liaison = User::new(1001, "Liaison").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    let at = report_in(&desk, &resident, "property", "The kitchen pipe leaks").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:1:a").await;
    let at = desk.telegram.last_seq();
    press_on(&desk, &liaison, &card, "r:1:a").await;
    desk.expect_text(at, &resident, "has been accepted").await;
    press_on(&desk, &liaison, &card, "r:1:v").await;
    let handled = desk.push(text_message(&liaison, "Changed the pipe"));
    desk.expect_text(handled, &resident, "has been handled: Changed the pipe").await;
    // The liaison starts a message to the resident, who meanwhile confirms
    // the fix: what the liaison then writes is answered as the button was.
    let at = desk.telegram.last_seq();
    press_on(&desk, &liaison, &card, "r:1:m").await;
    desk.expect_text(at, &liaison, "Send what you want to pass on").await;
    let at = desk.press(handled, &resident, "r:1:y").await;
    desk.expect_text(at, &resident, "rate").await;
    let at = desk.push(text_message(&liaison, "See you"));
    desk.expect_text(at, &liaison, "This request is now closed").await;

    // The request is closed: its holder's Reply, Resolve and Decline, and
    // the resident's Withdraw, all say so.
    for (user, data) in [(&liaison, "r:1:m"), (&liaison, "r:1:v"), (&liaison, "r:1:d"), (&resident, "r:1:x")] {
        let answer = press_on(&desk, user, &card, data).await;
        assert!(answer.contains("now closed"), "{data} on a closed request answers {answer:?}");
    }
}

use crate::support::on_both_backends;

on_both_backends!(
    the_office_alert_and_a_former_holders_card_show_who_has_the_request_now,
    a_declined_request_claimed_by_a_volunteer_leaves_every_card_true,
    erasing_a_resident_edits_the_cards_of_their_open_requests_and_tells_the_holder,
    a_button_of_a_closed_request_says_it_is_closed_whoever_presses_it,
);
