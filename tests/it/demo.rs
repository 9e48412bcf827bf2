//! `community-desk demo`, driven through its page in a real browser: a
//! resident reports a leaking pipe with a photo, the liaison accepts it,
//! and a request nobody takes is escalated when the clock is moved past its
//! deadline. Also what the demo refuses: a second demo on its database,
//! unknown people and messages, files over Telegram's limits.

use std::time::Duration;

use crate::support::browser::Browser;
use crate::support::db::TestDb;
use crate::support::on_both_backends;
use crate::support::process::BotProcess;

const RESIDENT: i64 = 900_001;
const LIAISON: i64 = 900_002;
const GROUP_LEADER: i64 = 900_004;

/// Starts the demo on `db` (in a working directory of its own) on a free
/// port, and returns it with the page's address.
async fn start_demo(db: &TestDb) -> (BotProcess, String) {
    let mut demo = BotProcess::spawn_with_args(
        &["demo", "--listen", "127.0.0.1:0"],
        [("DATABASE_URL", db.url().to_string()), ("RUST_LOG", "info".to_string())],
    );
    demo.wait_for_log("the demo is running: open ", Duration::from_secs(60)).await;
    let log = demo.log_text();
    let address = log
        .split("the demo is running: open ")
        .nth(1)
        .and_then(|rest| rest.lines().next())
        .expect("the demo printed its address")
        .trim()
        .to_string();
    (demo, address)
}

/// A PNG of `width` × `height`, the colour of water, as a camera would
/// make a photo of a leak (its content does not matter to the bot).
fn photo_png(width: u32, height: u32) -> Vec<u8> {
    let image =
        image::RgbImage::from_fn(width, height, |x, y| image::Rgb([40, (120 + x % 60) as u8, (180 + y % 60) as u8]));
    let mut png = Vec::new();
    image.write_to(&mut std::io::Cursor::new(&mut png), image::ImageFormat::Png).expect("encode a PNG");
    png
}

/// The element of a phone's chat.
fn chat(person: i64) -> String {
    format!("#c-{person}")
}

/// Types into a phone's message field and sends it.
async fn say(browser: &mut Browser, person: i64, text: &str) {
    browser.type_into("the message field", &format!("#p-{person} input[name=text]"), text).await;
    browser.click("the send button", &format!("#p-{person} form.compose button[type=submit]")).await;
}

/// Presses the inline button whose data starts with `data` under the bot's
/// newest message in a phone's chat, once that message has it: a button of
/// an earlier message would be a stale one.
async fn press(browser: &mut Browser, person: i64, what: &str, data: &str) {
    let css = format!("{} > .msg.bot:last-child button[data-data^='{data}']", chat(person));
    browser.click(what, &css).await;
}

#[tokio::test]
async fn a_trainee_reports_with_a_photo_the_liaison_accepts_and_a_missed_deadline_reaches_the_group_leader() {
    let db = TestDb::sqlite();
    let (demo, address) = start_demo(&db).await;
    let mut browser = Browser::start("demo", 1900, 900).await;
    browser.open(&address).await;
    for person in [RESIDENT, LIAISON, 900_003, GROUP_LEADER, 900_005, 900_006] {
        browser.wait_for("a phone for each demo person", &format!("#p-{person}")).await;
    }
    // The liaison's command menu is the one the bot set for their role.
    browser.wait_for("the liaison's /tasks command", &format!("#menu-{LIAISON} button[data-command='/tasks']")).await;
    browser.screenshot("phones").await;

    // The resident reports a leaking pipe, with a photo from the computer.
    say(&mut browser, RESIDENT, "/new").await;
    press(&mut browser, RESIDENT, "the category 物业服务", "d:cat:property").await;
    browser.wait_for_text("the question for a description", &chat(RESIDENT), "请描述问题").await;
    let photo = tempfile::Builder::new().suffix(".png").tempfile().expect("a file for the photo");
    std::fs::write(photo.path(), photo_png(320, 240)).expect("write the photo");
    browser.type_into("the message field", &format!("#p-{RESIDENT} input[name=text]"), "厨房水管漏水").await;
    let photo_path = photo.path().display().to_string();
    browser.type_into("the photo chooser", &format!("#p-{RESIDENT} input[data-kind=photo]"), &photo_path).await;
    browser.wait_for("the photo in the resident's chat", &format!("{} .msg.me img.photo", chat(RESIDENT))).await;
    press(&mut browser, RESIDENT, "Done", "d:desc-done").await;
    press(&mut browser, RESIDENT, "the urgency 一般", "d:urg:normal").await;
    press(&mut browser, RESIDENT, "the confirmation", "d:ok").await;
    browser.wait_for_text("the receipt", &chat(RESIDENT), "已收到您的需求").await;
    browser.screenshot("resident-reported").await;

    // The liaison's card shows the photo; they press Accept.
    let card = format!("{} .msg.bot img.photo", chat(LIAISON));
    browser.wait_for("the photo on the liaison's card", &card).await;
    browser.wait_for_text("the liaison's card", &chat(LIAISON), "厨房水管漏水").await;
    browser.screenshot("liaison-card").await;
    browser.click("Accept", &format!("{} button[data-data$=':a']", chat(LIAISON))).await;
    browser.wait_for_text("the resident told it was accepted", &chat(RESIDENT), "接单，正在处理中").await;
    browser.screenshot("accepted").await;

    // Another request, which nobody accepts: a day later its deadline has
    // passed and the group leader of the estate is asked to take it over.
    say(&mut browser, RESIDENT, "/new").await;
    press(&mut browser, RESIDENT, "the category 物业服务", "d:cat:property").await;
    say(&mut browser, RESIDENT, "楼道灯坏了").await;
    press(&mut browser, RESIDENT, "Done", "d:desc-done").await;
    press(&mut browser, RESIDENT, "the urgency 一般", "d:urg:normal").await;
    press(&mut browser, RESIDENT, "the confirmation", "d:ok").await;
    browser
        .wait_for_text("the second receipt", &format!("{} > .msg.bot:last-child", chat(RESIDENT)), "已收到您的需求")
        .await;
    browser.click("+1 day", "button[data-jump='1d']").await;
    browser.wait_for_text("the escalation on the group leader's phone", &chat(GROUP_LEADER), "已升级给您").await;
    browser.wait_for("Take over", &format!("{} button[data-data$=':t']", chat(GROUP_LEADER))).await;
    browser.screenshot("escalated").await;

    let timings = browser.run("return window.demoTimings").await;
    let mut timings: Vec<f64> = timings.as_array().into_iter().flatten().filter_map(|t| t.as_f64()).collect();
    assert!(!timings.is_empty(), "the page measured no action's reply");
    timings.sort_by(f64::total_cmp);
    let median = timings[timings.len() / 2];
    println!(
        "demo page: {} actions, reply appeared after {median:.0} ms at the median (slowest {:.0} ms)",
        timings.len(),
        timings[timings.len() - 1]
    );
    browser.close().await;
    drop(demo);
}

on_both_backends!(
    a_second_demo_on_the_same_database_is_refused_and_the_first_keeps_running,
    a_new_resident_scans_a_stairwell_code_and_starting_over_clears_every_chat,
);

async fn a_second_demo_on_the_same_database_is_refused_and_the_first_keeps_running(db: TestDb) {
    let (mut first, address) = start_demo(&db).await;
    let mut second = BotProcess::spawn_with_args(
        &["demo", "--listen", "127.0.0.1:0"],
        [("DATABASE_URL", db.url().to_string()), ("RUST_LOG", "info".to_string())],
    );
    let status = second.wait_exit(Duration::from_secs(30)).await;
    assert!(!status.success(), "the second demo ran");
    assert!(
        second.log_text().contains("another `community-desk demo` is running"),
        "the second demo did not say why: {}",
        second.log_text()
    );
    let page = reqwest::get(&address).await.expect("the first demo's page").text().await.expect("its text");
    assert!(page.contains(&format!("id=\"p-{RESIDENT}\"")), "the first demo lost its people");
    assert!(first.try_exit_status().is_none(), "the first demo stopped");
}

#[tokio::test]
async fn unknown_people_and_messages_and_files_over_telegrams_limits_are_refused_with_the_reason() {
    let db = TestDb::sqlite();
    let (_demo, address) = start_demo(&db).await;
    let client = reqwest::Client::new();
    let answer = client.post(format!("{address}/api/people/42/text")).form(&[("text", "hi")]).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.text().await.unwrap(), "there is no demo person 42");
    let press = [("message", "77"), ("data", "d:ok")];
    let answer = client.post(format!("{address}/api/people/{RESIDENT}/press")).form(&press).send().await.unwrap();
    assert_eq!(answer.status(), 404);
    assert_eq!(answer.text().await.unwrap(), format!("there is no message 77 in chat {RESIDENT}"));
    let answer = client.get(format!("{address}/api/people/{RESIDENT}/files/77")).send().await.unwrap();
    assert_eq!(answer.status(), 404);

    let big = vec![0u8; 10 * 1024 * 1024 + 1];
    let form = reqwest::multipart::Form::new()
        .text("kind", "photo")
        .text("lang", "en")
        .part("file", reqwest::multipart::Part::bytes(big).file_name("big.jpg"));
    let answer = client.post(format!("{address}/api/people/{RESIDENT}/upload")).multipart(form).send().await.unwrap();
    assert_eq!(answer.status(), 413);
    assert!(answer.text().await.unwrap().contains("at most 10 MB"));
}

/// The page, loaded again until it contains `needle`.
async fn page_with(address: &str, needle: &str) -> String {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    loop {
        let page = reqwest::get(address).await.expect("the demo page").text().await.expect("its text");
        if page.contains(needle) {
            return page;
        }
        assert!(tokio::time::Instant::now() < deadline, "the page never showed {needle:?}:\n{page}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn a_new_resident_scans_a_stairwell_code_and_starting_over_clears_every_chat(db: TestDb) {
    let (_demo, address) = start_demo(&db).await;
    let client = reqwest::Client::new();
    let added = client.post(format!("{address}/api/people")).form(&[("building", "E02"), ("lang", "en")]).send().await;
    let id = added.unwrap().text().await.unwrap();
    assert_eq!(id, "900100");
    // Their phone opened the bot with E02's stairwell link.
    page_with(&address, "/start b_E02").await;
    page_with(&address, "You scanned the code of").await;

    let answer = client.post(format!("{address}/api/reset")).send().await.unwrap();
    assert_eq!(answer.status(), 204);
    let page = page_with(&address, &format!("id=\"p-{RESIDENT}\"")).await;
    assert!(!page.contains("id=\"p-900100\""), "the added person outlived the start over");
    assert!(!page.contains("class=\"msg"), "a chat outlived the start over");
    let new = client.post(format!("{address}/api/people/{RESIDENT}/text")).form(&[("text", "/my")]).send().await;
    assert_eq!(new.unwrap().status(), 204);
    page_with(&address, "/my").await;
}

#[tokio::test]
async fn a_demo_run_again_keeps_its_database_and_numbers_new_messages_past_the_old_ones() {
    let db = TestDb::sqlite();
    let (mut first, address) = start_demo(&db).await;
    assert!(first.log_text().contains("with the example community"), "a new demo database was not seeded");
    let client = reqwest::Client::new();
    client.post(format!("{address}/api/people/{RESIDENT}/text")).form(&[("text", "/my")]).send().await.unwrap();
    page_with(&address, &format!("id=\"m-{RESIDENT}-2\"")).await;
    first.terminate();
    assert!(first.wait_exit(Duration::from_secs(30)).await.success(), "the demo did not stop cleanly");

    let (again, address) = start_demo(&db).await;
    assert!(!again.log_text().contains("with the example community"), "the demo's database was seeded again");
    client.post(format!("{address}/api/people/{RESIDENT}/text")).form(&[("text", "/my")]).send().await.unwrap();
    // The first run's cards keep their message ids in the database; the
    // second run's messages must not take them.
    page_with(&address, &format!("id=\"m-{RESIDENT}-100001\"")).await;
}

#[tokio::test]
async fn a_demo_reachable_from_other_computers_warns_that_it_has_no_sign_in() {
    let db = TestDb::sqlite();
    let mut demo = BotProcess::spawn_with_args(
        &["demo", "--listen", "0.0.0.0:0"],
        [("DATABASE_URL", db.url().to_string()), ("RUST_LOG", "info".to_string())],
    );
    demo.wait_for_log("the demo is running", Duration::from_secs(60)).await;
    assert!(demo.log_text().contains("it has no sign-in"), "{}", demo.log_text());
}
