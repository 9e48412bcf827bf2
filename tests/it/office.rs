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

    // Guessing links is slowed down: at most ten tries a minute from one
    // address.
    let mut statuses = Vec::new();
    for _ in 0..10 {
        statuses.push(get(&format!("{base}/office/sign-in?token=guess"), None).await.status);
    }
    assert_eq!(statuses.last(), Some(&429), "{statuses:?}");
    assert!(statuses.iter().all(|s| *s == 403 || *s == 429), "{statuses:?}");
    let _ = WAIT;
}

/// A session of `user`, opened with the link `/web` gave them.
async fn signed_in(desk: &Desk, user: &User) -> String {
    let opened = get(&web_link(desk, user).await, None).await;
    assert_eq!(opened.status, 303, "{}", opened.body);
    let cookie = opened.set_cookie.expect("a session cookie");
    cookie.trim_start_matches("desk_session=").split(';').next().unwrap().to_string()
}

/// What the test double holds as the resident's photo of the pipe.
const PHOTO: &[u8] = b"\xff\xd8\xff\xe0 a photo of the pipe";

async fn the_office_opens_a_building_takes_a_request_over_notes_it_and_sees_its_photo(db: TestDb) {
    use crate::support::desk::{TOKEN, liaison_binds, liaison_of};
    use community_desk::emulator::photo_message;

    let port = free_port();
    let base = format!("http://127.0.0.1:{port}");
    let desk =
        Desk::start_with(db, &[("LISTEN_ADDR", format!("127.0.0.1:{port}")), ("DESK_PUBLIC_URL", format!("{base}/"))])
            .await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let liaison = User::new(1001, "Liaison Li").with_language("en");
    let deputy = User::new(1002, "Deputy Du").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    responder_binds(&desk, &deputy, &listed("deputy", "E01").1, "E01").await;
    resident_registers(&desk, &resident).await;
    desk.telegram.add_file("pipe-photo", PHOTO);
    let at = desk.push(text_message(&resident, "/new"));
    let at = desk.press(at, &resident, "d:cat:property").await;
    desk.expect_text(at, &resident, "describe the problem").await;
    let at = desk.push(text_message(&resident, "The pipe under the sink leaks"));
    desk.expect_text(at, &resident, "Got it").await;
    let at = desk.push(photo_message(&resident, "pipe-photo", None));
    desk.expect_text(at, &resident, "Got it").await;
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:urgent").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "received").await;
    desk.expect_button(at, &liaison, "r:1:a").await;
    let session = signed_in(&desk, &admin).await;

    // The community's tile of E01 opens the building's page: its request,
    // its liaison and deputy, its households.
    let community = get(&format!("{base}/office"), Some(&session)).await;
    assert!(community.body.contains("href=\"/office/buildings/E01\""), "{}", community.body);
    let building = get(&format!("{base}/office/buildings/E01"), Some(&session)).await;
    assert_eq!(building.status, 200, "{}", building.body);
    let open =
        building.body.split("id=\"open\"").nth(1).expect("the open requests").split("</section>").next().unwrap();
    assert!(open.contains("data-number=\"1001\""), "{open}");
    for shown in ["Building E01", ">building liaison<", ">deputy building liaison<", "1 resident registered"] {
        assert!(building.body.contains(shown), "{shown}: {}", building.body);
    }
    assert_eq!(get(&format!("{base}/office/buildings/E02"), Some(&session)).await.status, 200);
    assert_eq!(get(&format!("{base}/office/buildings/Z99"), Some(&session)).await.status, 404);

    // The photo is shown, fetched through the bot: the page never holds the
    // token, and nobody without a session gets it.
    let page = get(&format!("{base}/office/requests/1001"), Some(&session)).await;
    let photo = format!("{base}/office/requests/1001/attachments/0");
    assert!(page.body.contains("src=\"/office/requests/1001/attachments/0\""), "{}", page.body);
    assert!(!page.body.contains(TOKEN) && !page.body.contains("pipe-photo"), "{}", page.body);
    let response = client()
        .get(&photo)
        .header(COOKIE, format!("desk_session={session}"))
        .send()
        .await
        .expect("the dashboard answers");
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["content-type"], "image/jpeg");
    assert_eq!(response.bytes().await.unwrap().as_ref(), PHOTO);
    assert_eq!(get(&photo, None).await.status, 401);
    assert_eq!(get(&format!("{base}/office/requests/1001/attachments/7"), Some(&session)).await.status, 404);

    // Taking it over needs the form's token; then it is the admin's, the
    // liaison is told it is off their hands, the resident that it is being
    // handled, and the admin gets its card in chat.
    let token = csrf(&page.body);
    assert!(page.body.contains("/office/requests/1001/take-over"), "{}", page.body);
    let refused = post(&format!("{base}/office/requests/1001/take-over"), &session, &[("csrf", "forged")]).await;
    assert!(refused.body.contains("out of date"), "{}", refused.body);
    let mut db = Db::connect(&desk.db).await;
    let admin_id = db.rows("SELECT id FROM people WHERE telegram_id = 9001").await.pop().unwrap();
    let holder = "SELECT assignee_id FROM requests WHERE number = 1001";
    assert_ne!(db.rows(holder).await, vec![admin_id.clone()]);
    let at = desk.telegram.last_seq();
    let taken = post(&format!("{base}/office/requests/1001/take-over"), &session, &[("csrf", &token)]).await;
    assert!(taken.body.contains("It is yours now"), "{}", taken.body);
    assert_eq!(db.rows(holder).await, vec![admin_id]);
    desk.expect_text(at, &liaison, "has been taken over from above").await;
    desk.expect_text(at, &resident, "has been accepted").await;
    desk.expect_text(at, &admin, "You took this request over in the office dashboard").await;
    assert!(!taken.body.contains("/take-over\""), "nothing left to take over: {}", taken.body);

    // An internal note goes on the record as text, and to no resident.
    let at = desk.telegram.last_seq();
    let empty = post(&format!("{base}/office/requests/1001/note"), &session, &[("csrf", &token), ("note", "  ")]).await;
    assert!(empty.body.contains("The note was empty"), "{}", empty.body);
    let note = "<b>plumber</b> comes at 3";
    let forged = post(&format!("{base}/office/requests/1001/note"), &session, &[("csrf", "x"), ("note", note)]).await;
    assert!(forged.body.contains("out of date"), "{}", forged.body);
    let noted = post(&format!("{base}/office/requests/1001/note"), &session, &[("csrf", &token), ("note", note)]).await;
    assert!(noted.body.contains("The note is on the record"), "{}", noted.body);
    let timeline = noted.body.split("ol class=\"timeline\"").nth(1).expect("the timeline");
    assert!(timeline.contains("internal note: &lt;b&gt;plumber&lt;/b&gt; comes at 3"), "{timeline}");
    assert_eq!(db.count("SELECT COUNT(*) FROM events WHERE kind = 'internal_note'").await, 1);
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    let told: Vec<_> = desk.telegram.calls().into_iter().filter(|c| c.seq > at).collect();
    assert!(
        !told.iter().any(|c| c.text().is_some_and(|t| t.contains("plumber"))),
        "an internal note reached a chat: {told:?}"
    );

    // A grid's admin sees their grid only: another grid's building, request,
    // photo and forms are not there for them.
    let grid_admin = User::new(3001, "Grid two").with_language("en");
    let at = desk.push(text_message(&admin, "/people add admin 第二网格 13900000002 Admin-two"));
    desk.expect_text(at, &admin, "Done").await;
    responder_binds(&desk, &grid_admin, "13900000002", "第二网格").await;
    let theirs = signed_in(&desk, &grid_admin).await;
    let community = get(&format!("{base}/office"), Some(&theirs)).await;
    assert_eq!(community.status, 200);
    assert!(community.body.contains("building-E37") && !community.body.contains("building-E01"), "{}", community.body);
    for path in ["/office/requests/1001", "/office/buildings/E01", "/office/requests/1001/attachments/0"] {
        assert_eq!(get(&format!("{base}{path}"), Some(&theirs)).await.status, 404, "{path}");
    }
    let their_token = csrf(&get(&format!("{base}/office/people"), Some(&theirs)).await.body);
    for (action, form) in [
        ("take-over", vec![("csrf", their_token.as_str())]),
        ("note", vec![("csrf", their_token.as_str()), ("note", "mine now")]),
        ("assign", vec![("csrf", their_token.as_str()), ("to", "1"), ("reason", "mine")]),
    ] {
        let answered = post(&format!("{base}/office/requests/1001/{action}"), &theirs, &form).await;
        assert_eq!(answered.status, 404, "{action}");
    }
    assert_eq!(db.count("SELECT COUNT(*) FROM events WHERE kind = 'internal_note'").await, 1);
}

use crate::support::on_both_backends;

on_both_backends!(
    an_admin_signs_in_from_chat_and_the_dashboard_keeps_its_doors_shut,
    the_office_opens_a_building_takes_a_request_over_notes_it_and_sees_its_photo
);

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

    // The building's page, from its tile.
    browser.open(&format!("{base}/office")).await;
    browser.click("E01's tile", "a#building-E01").await;
    browser.wait_for_text("E01's open requests", "section#open", "#1001").await;
    browser.screenshot("building").await;

    // Another grid's admin, signed in in the same browser, finds no such
    // request and no such building.
    let grid_admin = User::new(3001, "Grid two").with_language("en");
    let at = desk.push(text_message(&admin, "/people add admin 第二网格 13900000002 Admin-two"));
    desk.expect_text(at, &admin, "Done").await;
    responder_binds(&desk, &grid_admin, "13900000002", "第二网格").await;
    browser.open(&web_link(&desk, &grid_admin).await).await;
    browser.wait_for("the west grid's tile", "a.tile#building-E37").await;
    for path in ["/office/requests/1001", "/office/buildings/E01"] {
        browser.open(&format!("{base}{path}")).await;
        let shown = browser.run("return document.body ? document.body.innerText : '';").await;
        let shown = shown.as_str().unwrap_or_default().to_string();
        assert!(!shown.contains("No water") && !shown.contains("#1001"), "{path} showed {shown}");
    }
    browser.screenshot("another-grid").await;
    browser.close().await;
}
