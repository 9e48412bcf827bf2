//! The office dashboard end to end with the real binary, over HTTP: `/web`
//! in chat gives a leader or admin a single-use link, the link opens a
//! session whose cookie is HttpOnly and SameSite=Strict and stored only as a
//! hash, pages show only what the session may see, forms without the CSRF
//! token change nothing, and without a session there is never any data.

use reqwest::header::{COOKIE, SET_COOKIE};

use crate::support::db::{Db, TestDb, free_port};
use crate::support::desk::{ADMIN, Desk, WAIT, listed, report_in, resident_registers, responder_binds};
use community_desk::emulator::{User, text_message};

struct Page {
    status: u16,
    set_cookie: Option<String>,
    body: String,
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap()
}

async fn get(url: &str, cookie: Option<&str>) -> Page {
    let mut request = client().get(url);
    if let Some(cookie) = cookie {
        request = request.header(COOKIE, format!("desk_session={cookie}"));
    }
    page(request.send().await.expect("the dashboard answers")).await
}

async fn post(url: &str, cookie: &str, form: &[(&str, &str)]) -> Page {
    let request = client().post(url).header(COOKIE, format!("desk_session={cookie}")).form(form);
    page(request.send().await.expect("the dashboard answers")).await
}

async fn page(response: reqwest::Response) -> Page {
    let status = response.status().as_u16();
    let set_cookie = response.headers().get(SET_COOKIE).and_then(|v| v.to_str().ok()).map(str::to_string);
    Page { status, set_cookie, body: response.text().await.unwrap_or_default() }
}

/// The link the bot answered `/web` with.
async fn web_link(desk: &Desk, user: &User) -> String {
    let at = desk.push(text_message(user, "/web"));
    let answer = desk.expect_text(at, user, "/office/sign-in?token=").await;
    let text = answer.text().unwrap_or_default().to_string();
    text.split_whitespace().find(|word| word.contains("/office/sign-in?token=")).unwrap().to_string()
}

/// The hidden CSRF token of the page's forms.
fn csrf(body: &str) -> String {
    let at = body.find("name=\"csrf\" value=\"").expect("a form with a CSRF token") + 19;
    body[at..].split('"').next().unwrap().to_string()
}

async fn an_admin_signs_in_from_chat_and_the_dashboard_keeps_its_doors_shut(db: TestDb) {
    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let desk =
        Desk::start_with(db, &[("LISTEN_ADDR", format!("127.0.0.1:{port}")), ("DESK_PUBLIC_URL", format!("{base}/"))])
            .await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    let deputy = User::new(1002, "Deputy").with_language("en");
    responder_binds(&desk, &deputy, &listed("deputy", "E01").1, "E01").await;
    resident_registers(&desk, &resident).await;
    report_in(&desk, &resident, "property", "<script>alert('x')</script> no water").await;

    // A resident is politely refused.
    let at = desk.push(text_message(&resident, "/web"));
    desk.expect_text(at, &resident, "for the community office").await;

    // No session: the explanation, never data.
    let door = get(&format!("{base}/office"), None).await;
    assert_eq!(door.status, 401);
    assert!(door.body.contains("/web") && !door.body.contains("E01"), "{}", door.body);
    let queues = get(&format!("{base}/office/queues"), None).await;
    assert!(queues.status == 401 && !queues.body.contains("no water"));

    // A forged link is refused; the real one works once.
    let forged = get(&format!("{base}/office/sign-in?token=00000000000000000000000000000000"), None).await;
    assert_eq!(forged.status, 403);
    let link = web_link(&desk, &admin).await;
    assert!(link.starts_with(&format!("{base}/office/sign-in?token=")), "{link}");
    let opened = get(&link, None).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let cookie = opened.set_cookie.expect("a session cookie");
    for part in ["HttpOnly", "SameSite=Strict", "Path=/office", "Max-Age=43200"] {
        assert!(cookie.contains(part), "{cookie}");
    }
    assert!(!cookie.contains("Secure"), "plain HTTP here: {cookie}");
    let session = cookie.trim_start_matches("desk_session=").split(';').next().unwrap().to_string();
    assert_eq!(get(&link, None).await.status, 403, "a used link is refused");

    // The session is stored only as a hash.
    let mut db = Db::connect(&desk.db).await;
    let stored = db.rows("SELECT id_hash FROM web_sessions").await;
    assert_eq!(stored.len(), 1);
    assert!(stored[0].len() == 64 && stored[0] != session, "{stored:?}");
    assert!(!desk.log().contains(&session), "the cookie reached the log");
    assert!(!desk.log().contains(link.split("token=").nth(1).unwrap()), "the token reached the log");

    // The community: E01 waits for someone to accept its request.
    let community = get(&format!("{base}/office"), Some(&session)).await;
    assert_eq!(community.status, 200);
    assert!(community.body.contains("id=\"building-E01\""), "{}", community.body);
    let tile = community.body.split("id=\"building-E01\"").next().unwrap();
    assert!(tile.ends_with("class=\"tile waiting\" "), "{}", community.body);

    // A resident's text is shown as text.
    let queues = get(&format!("{base}/office/queues"), Some(&session)).await;
    assert_eq!(queues.status, 200);
    assert!(!queues.body.contains("<script>alert"), "{}", queues.body);

    // Forms need the session's CSRF token.
    let people = get(&format!("{base}/office/people"), Some(&session)).await;
    let token = csrf(&people.body);
    // The unit list's option for E01: `<option value="4">…E01</option>`.
    let units = people.body.split("name=\"unit\"").nth(1).expect("a unit list");
    let option = units.split("<option value=\"").find(|o| o.contains("E01</option>")).expect("E01 in the list");
    let unit = option.split('"').next().unwrap().to_string();
    let without = post(
        &format!("{base}/office/people/invite"),
        &session,
        &[("role", "liaison"), ("unit", &unit), ("csrf", "forged")],
    )
    .await;
    assert!(!without.body.contains("t.me/"), "an invitation without the CSRF token");
    let invitations = db.count("SELECT COUNT(*) FROM invitations").await;
    assert_eq!(invitations, 0);
    let with = post(
        &format!("{base}/office/people/invite"),
        &session,
        &[("role", "liaison"), ("unit", &unit), ("csrf", &token)],
    )
    .await;
    assert!(with.body.contains("t.me/community_desk_test_bot?start=join_"), "{}", with.body);
    assert_eq!(db.count("SELECT COUNT(*) FROM invitations").await, 1);

    // A request's page: its timeline, and giving it to the deputy with a
    // reason; the deputy gets the card in chat, the timeline shows it.
    let page = get(&format!("{base}/office/requests/1001"), Some(&session)).await;
    assert_eq!(page.status, 200, "{}", page.body);
    assert!(page.body.contains("&lt;script&gt;") && !page.body.contains("<script>alert"), "{}", page.body);
    let deputy_option =
        page.body.split("<option value=\"").find(|o| o.contains("deputy")).expect("the deputy is offered");
    let deputy_id = deputy_option.split('"').next().unwrap().to_string();
    let at = desk.telegram.last_seq();
    let refused = post(
        &format!("{base}/office/requests/1001/assign"),
        &session,
        &[("to", &deputy_id), ("reason", "liaison in hospital"), ("csrf", "forged")],
    )
    .await;
    assert!(refused.body.contains("out of date"), "{}", refused.body);
    let assigned = post(
        &format!("{base}/office/requests/1001/assign"),
        &session,
        &[("to", &deputy_id), ("reason", "liaison in hospital"), ("csrf", &token)],
    )
    .await;
    assert!(assigned.body.contains("reassigned"), "{}", assigned.body);
    desk.expect_text(at, &deputy, "liaison in hospital").await;
    let page = get(&format!("{base}/office/requests/1001"), Some(&session)).await;
    assert!(page.body.contains("liaison in hospital"), "the timeline shows the assignment: {}", page.body);
    assert_eq!(get(&format!("{base}/office/requests/4242"), Some(&session)).await.status, 404);

    // Signing out ends the session.
    let out = post(&format!("{base}/office/sign-out"), &session, &[("csrf", &token)]).await;
    assert_eq!(out.status, 303);
    assert!(out.set_cookie.is_some_and(|c| c.contains("Max-Age=0")));
    assert_eq!(get(&format!("{base}/office"), Some(&session)).await.status, 401);
    let _ = WAIT;
}

use crate::support::on_both_backends;

on_both_backends!(an_admin_signs_in_from_chat_and_the_dashboard_keeps_its_doors_shut);

/// The office in a real browser: after a missed deadline E01's tile is red;
/// the admin opens the request and gives it to the deputy, who gets the card
/// in chat, and the page's timeline shows it. Screenshots under
/// `target/tmp/screenshots/office/`.
#[tokio::test]
async fn the_office_sees_a_missed_deadline_and_gives_the_request_to_the_deputy_in_a_browser() {
    use crate::support::browser::Browser;
    use crate::support::desk::{liaison_binds, liaison_of};

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let desk = Desk::start_with(
        TestDb::sqlite(),
        &[("LISTEN_ADDR", format!("127.0.0.1:{port}")), ("DESK_PUBLIC_URL", format!("{base}/"))],
    )
    .await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let liaison = User::new(1001, "Liaison").with_language("en");
    let deputy = User::new(1002, "Deputy").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    responder_binds(&desk, &deputy, &listed("deputy", "E01").1, "E01").await;
    resident_registers(&desk, &resident).await;
    let at = report_in(&desk, &resident, "property", "No water since this morning").await;
    desk.expect_button(at, &liaison, "r:1:a").await;

    // The liaison does not answer: the clock's timers come due now.
    let mut db = Db::connect(&desk.db).await;
    db.rows("UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending'").await;
    let deadline = tokio::time::Instant::now() + WAIT;
    while db.count("SELECT COUNT(*) FROM requests WHERE escalated_to IS NOT NULL").await == 0 {
        assert!(tokio::time::Instant::now() < deadline, "the request never went up the chain");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }

    let link = web_link(&desk, &admin).await;
    let mut browser = Browser::start("office", 1400, 900).await;
    browser.open(&link).await;
    browser.wait_for("E01's tile, overdue", "a.tile.overdue#building-E01").await;
    browser.wait_for("E02's tile, quiet", "a.tile.quiet#building-E02").await;
    browser.screenshot("community").await;

    browser.open(&format!("{base}/office/queues")).await;
    browser.click("request 1001 in the escalated queue", "#escalated a[href='/office/requests/1001']").await;
    browser.wait_for_text("the request's timeline", "ol.timeline", "Resident").await;
    let deputy_id = db.rows("SELECT id FROM people WHERE telegram_id = 1002").await.pop().expect("the deputy");
    browser.run(&format!("document.querySelector('select[name=to]').value = '{deputy_id}'; return true;")).await;
    browser.type_into("the reason", "input[name=reason]", "liaison in hospital").await;
    browser.screenshot("assigning").await;
    let at = desk.telegram.last_seq();
    browser.click("Assign", "form.assign button[type=submit]").await;
    browser.wait_for_text("the assignment in the timeline", "ol.timeline", "liaison in hospital").await;
    browser.screenshot("assigned").await;
    desk.expect_button(at, &deputy, "r:1:").await;
    desk.expect_text(at, &deputy, "liaison in hospital").await;
    browser.close().await;
}
