//! The admin console end to end: who may use which command where, the
//! directory loaded by document, invitations, notices and statistics.

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, Desk, WAIT, liaison_binds, liaison_of, resident_registers, responder_binds};
use community_desk::emulator::{Call, User, document_message, text_message};

const NOT_ADMIN: &str = "Only community admins can use this command";
const OUTSIDE: &str = "outside the units you administer";
const NOT_COMMUNITY: &str = "Only admins of a whole community";

/// The community admin of `ADMIN_IDS` makes `phone` an admin of `grid`,
/// and that person binds their account.
async fn grid_admin(desk: &Desk, admin: &User, user: &User, grid: &str, phone: &str) {
    let at = desk.push(text_message(admin, &format!("/people add admin {grid} {phone} Admin-{grid}")));
    desk.expect_text(at, admin, "Done: now community office of 绿杨社区 / ").await;
    responder_binds(desk, user, phone, grid).await;
}

/// A resident of E01 reports a problem; returns its number as shown.
async fn report(desk: &Desk, resident: &User) -> String {
    let at = desk.push(text_message(resident, "/new"));
    let at = desk.press(at, resident, "d:cat:property").await;
    desk.expect_text(at, resident, "describe the problem").await;
    let at = desk.push(text_message(resident, "The stairwell light is broken"));
    let at = desk.press(at, resident, "d:desc-done").await;
    let at = desk.press(at, resident, "d:urg:normal").await;
    let at = desk.press(at, resident, "d:ok").await;
    let received = desk.expect_text(at, resident, "received").await;
    let text = received.text().unwrap_or_default();
    let start = text.find('#').expect("the confirmation names the request number");
    text[start..].chars().take_while(|c| *c == '#' || c.is_ascii_digit()).collect()
}

fn decode_qr(png: &[u8]) -> String {
    let image = image::load_from_memory(png).expect("a PNG").to_luma8();
    let mut prepared = rqrr::PreparedImage::prepare(image);
    let grids = prepared.detect_grids();
    grids.first().expect("a QR code in the picture").decode().expect("a readable QR code").1
}

/// Sends `command` as `user` and waits for an answer containing `needle`.
async fn answers(desk: &Desk, user: &User, command: &str, needle: &str) -> Call {
    let at = desk.push(text_message(user, command));
    desk.expect_text(at, user, needle).await
}

async fn only_an_admin_of_the_right_unit_may_use_each_admin_command(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    let liaison = User::new(1001, "Liaison").with_language("en");
    let other_grid = User::new(3002, "Second grid").with_language("en");
    let right_grid = User::new(3001, "First grid").with_language("en");
    answers(&desk, &admin, "/start", "Hello").await;
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    resident_registers(&desk, &resident).await;
    grid_admin(&desk, &admin, &other_grid, "第二网格", "13900000002").await;
    grid_admin(&desk, &admin, &right_grid, "第一网格", "13900000001").await;
    let number = report(&desk, &resident).await;
    let (liaison_name, _) = liaison_of("E01");

    // Commands aimed at E01 or its grid: refused to the resident and the
    // liaison as not admins, to the other grid's admin as outside their
    // units, and done for the first grid's admin.
    let aimed = [
        ("/people 第一网格".to_string(), liaison_name.clone()),
        ("/invite liaison E01".to_string(), "?start=join_".to_string()),
        (format!("/request {number}"), "Timeline".to_string()),
        ("/broadcast".to_string(), "Whose residents".to_string()),
    ];
    for (command, success) in &aimed {
        answers(&desk, &resident, command, NOT_ADMIN).await;
        answers(&desk, &liaison, command, NOT_ADMIN).await;
        if command != "/broadcast" {
            answers(&desk, &other_grid, command, OUTSIDE).await;
        }
        answers(&desk, &right_grid, command, success).await;
    }
    // Typing the first grid into the other grid's notice is refused too.
    answers(&desk, &other_grid, "/broadcast", "Whose residents").await;
    answers(&desk, &other_grid, "第一网格", OUTSIDE).await;
    answers(&desk, &other_grid, "/cancel", "Cancelled").await;
    answers(&desk, &right_grid, "/cancel", "Cancelled").await;

    // Lists and figures cover only the admin's own units.
    answers(&desk, &resident, "/open", NOT_ADMIN).await;
    answers(&desk, &liaison, "/open", NOT_ADMIN).await;
    answers(&desk, &other_grid, "/open", "No open requests in your units").await;
    answers(&desk, &right_grid, "/open", &number).await;
    answers(&desk, &resident, "/stats", NOT_ADMIN).await;
    answers(&desk, &other_grid, "/stats", "No requests in the last 7 days").await;
    answers(&desk, &right_grid, "/stats", "Last 7 days: 1 request\n").await;

    // Reassigning: the other grid's admin cannot reach the request; the
    // first grid's admin gives it to themselves, with a reason.
    let assign = format!("/assign {number} 13900000001 the liaison is ill");
    answers(&desk, &resident, &assign, NOT_ADMIN).await;
    answers(&desk, &liaison, &assign, NOT_ADMIN).await;
    answers(&desk, &other_grid, &assign, OUTSIDE).await;
    let at = desk.push(text_message(&right_grid, &assign));
    desk.expect_text(at, &right_grid, "reassigned").await;
    desk.expect_text(at, &right_grid, "The community office has given you this request: the liaison is ill").await;
    desk.expect_text(at, &liaison, "taken over").await;

    // What belongs to the whole community needs an admin of it.
    for command in ["/sla set urgent accept 2h", "/export"] {
        answers(&desk, &resident, command, NOT_ADMIN).await;
        answers(&desk, &liaison, command, NOT_ADMIN).await;
        answers(&desk, &other_grid, command, NOT_COMMUNITY).await;
        answers(&desk, &right_grid, command, NOT_COMMUNITY).await;
    }
    answers(&desk, &admin, "/sla set urgent accept 2h", "Service levels").await;
    answers(&desk, &admin, "/export", "1 request exported").await;
}

async fn a_bad_people_file_sent_as_a_document_changes_nothing_and_a_good_one_is_applied(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let bad = "name,phone,role,unit\n新人甲,13911110001,liaison,E01\n新人乙,12345,liaison,E02\n";
    let good = "name,phone,role,unit\n新人甲,13911110001,liaison,E01\n新人乙,13911110002,deputy,E02\n";
    desk.telegram.add_file("bad-people", bad.as_bytes().to_vec());
    desk.telegram.add_file("good-people", good.as_bytes().to_vec());

    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "Send units.csv, people.csv or households.csv").await;
    let at = desk.push(document_message(&admin, "bad-people", "people.csv", "text/csv"));
    let refused = desk.expect_text(at, &admin, "people.csv was not imported").await;
    assert!(refused.text().unwrap().contains("people.csv:3:"), "the bad line is named: {:?}", refused.text());
    let at = desk.push(text_message(&admin, "/people E01"));
    let listed = desk.expect_text(at, &admin, "Responders").await;
    assert!(!listed.text().unwrap().contains("新人甲"), "nothing of the refused file was applied");

    let at = desk.push(text_message(&admin, "/import"));
    desk.expect_text(at, &admin, "Send units.csv").await;
    let at = desk.push(document_message(&admin, "good-people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "people.csv imported: 2 new, 0 changed").await;
    let at = desk.push(document_message(&admin, "good-people", "people.csv", "text/csv"));
    desk.expect_text(at, &admin, "people.csv imported: 0 new, 0 changed, 2 unchanged").await;
    answers(&desk, &admin, "/people E01", "新人甲").await;

    // A grid admin may not load people into another grid.
    let grid = User::new(3002, "Second grid").with_language("en");
    grid_admin(&desk, &admin, &grid, "第二网格", "13900000002").await;
    answers(&desk, &grid, "/import", "Send units.csv").await;
    let at = desk.push(document_message(&grid, "good-people", "people.csv", "text/csv"));
    desk.expect_text(at, &grid, OUTSIDE).await;
}

async fn an_invitation_works_once_and_gives_its_role(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let at = desk.push(text_message(&admin, "/invite deputy E07"));
    let invitation = desk.expect_text(at, &admin, "?start=join_").await;
    let text = invitation.text().unwrap();
    let code: String =
        text[text.find("join_").unwrap() + 5..].chars().take_while(char::is_ascii_alphanumeric).collect();
    let qr = desk.telegram.wait_for_after(at, "the invitation's QR code", WAIT, |c| c.is("sendPhoto")).await;
    let png = &qr.files.first().expect("the QR code is uploaded").bytes;
    assert_eq!(decode_qr(png), format!("https://t.me/{}?start=join_{code}", community_desk::emulator::BOT_USERNAME));

    let newcomer = User::new(4001, "Newcomer").with_language("en");
    answers(&desk, &newcomer, &format!("/start join_{code}"), "You are now deputy building liaison of").await;
    let menu = desk
        .telegram
        .wait_for("the newcomer's own command menu", WAIT, |c| {
            c.is("setMyCommands")
                && c.param("scope").and_then(|s| s.get("chat_id")).and_then(serde_json::Value::as_i64) == Some(4001)
        })
        .await;
    let commands = menu.param("commands").map(ToString::to_string).unwrap_or_default();
    assert!(commands.contains("tasks"), "the newcomer's menu has the responder commands: {commands}");
    assert!(!commands.contains("broadcast"), "but not the admin commands: {commands}");

    let someone_else = User::new(4002, "Someone else").with_language("en");
    answers(&desk, &someone_else, &format!("/start join_{code}"), "invalid or has expired").await;
    answers(&desk, &newcomer, &format!("/start join_{code}"), "invalid or has expired").await;
}

async fn a_notice_reaches_every_resident_of_the_estate_once_with_its_progress(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let residents: Vec<User> =
        (0..5).map(|i| User::new(5000 + i, &format!("Resident {i}")).with_language("en")).collect();
    for resident in &residents {
        resident_registers(&desk, resident).await;
    }
    // Someone of the other estate must not receive it.
    let elsewhere = User::new(5100, "West").with_language("en");
    crate::support::desk::resident_registers_at(&desk, &elsewhere, "W01").await;

    let at = desk.push(text_message(&admin, "/broadcast"));
    let at = desk.press(at, &admin, "n:u:").await;
    desk.expect_text(at, &admin, "Write the notice").await;
    // The first unit offered is the community; the estate is typed instead.
    let at = desk.push(text_message(&admin, "/broadcast"));
    desk.expect_text(at, &admin, "Whose residents").await;
    let at = desk.push(text_message(&admin, "绿杨东苑"));
    desk.expect_text(at, &admin, "is ambiguous; write it as a path such as 第一网格/绿杨东苑").await;
    let at = desk.push(text_message(&admin, "第一网格/绿杨东苑"));
    desk.expect_text(at, &admin, "Write the notice for the residents of 绿杨社区 / 第一网格 / 绿杨东苑").await;
    let at = desk.push(text_message(&admin, "Water is off tomorrow 9:00–12:00."));
    desk.expect_text(at, &admin, "to 5 registered residents").await;
    let at = desk.press(at, &admin, "n:send").await;
    desk.telegram
        .wait_for_after(at, "the answer to Send", WAIT, |c| {
            c.is("answerCallbackQuery") && c.param("text").is_some_and(|t| t.to_string().contains("Sending to 5"))
        })
        .await;
    for resident in &residents {
        desk.expect_text(at, resident, "Water is off tomorrow").await;
    }
    let done = desk
        .telegram
        .wait_for_after(at, "the finished progress", WAIT, |c| {
            c.is("editMessageText") && c.chat_id() == Some(ADMIN) && c.text().is_some_and(|t| t.contains("finished"))
        })
        .await;
    assert!(done.text().unwrap().contains("5 delivered, 0 unreachable, of 5"), "{:?}", done.text());

    // One resident says received; the author's refresh shows it.
    let (copy, ack) = desk.expect_button(at, &residents[0], "n:").await;
    let after = desk.push(desk.telegram.callback_on(&residents[0], &ack, copy.message_id_sent().unwrap()));
    desk.telegram
        .wait_for_after(after, "the thanks", WAIT, |c| {
            c.is("answerCallbackQuery") && c.param("text").is_some_and(|t| t.to_string().contains("noted"))
        })
        .await;
    let progress_id = desk
        .telegram
        .calls()
        .into_iter()
        .find(|c| c.is("sendMessage") && c.chat_id() == Some(ADMIN) && c.text().is_some_and(|t| t.contains("📢")))
        .and_then(|c| c.message_id_sent())
        .expect("the progress message");
    let refresh = format!("n:{}:r", ack.split(':').nth(1).unwrap());
    let after = desk.push(desk.telegram.callback_on(&admin, &refresh, progress_id));
    desk.telegram
        .wait_for_after(after, "the refreshed progress", WAIT, |c| {
            c.is("editMessageText") && c.text().is_some_and(|t| t.contains("1 said received"))
        })
        .await;

    // Exactly once each, and nothing to the other estate.
    let copies = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.text().is_some_and(|t| t.contains("Water is off tomorrow") && !t.contains("Preview")))
        .collect::<Vec<_>>();
    let mut chats: Vec<i64> = copies.iter().filter_map(Call::chat_id).collect();
    chats.sort_unstable();
    assert_eq!(chats, (5000..5005).collect::<Vec<_>>());
    assert!(copies.iter().all(|c| c.chat_id() != Some(elsewhere.id)));
}

async fn stats_answer_with_a_chart_that_decodes_as_a_png(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers(&desk, &resident).await;
    report(&desk, &resident).await;
    let at = desk.push(text_message(&admin, "/stats 30d"));
    desk.expect_text(at, &admin, "Last 30 days: 1 request\n").await;
    let chart = desk.telegram.wait_for_after(at, "the chart", WAIT, |c| c.is("sendPhoto")).await;
    let png = &chart.files.first().expect("the chart is uploaded").bytes;
    let image = image::load_from_memory_with_format(png, image::ImageFormat::Png).expect("a PNG");
    assert!(image.width() >= 600 && image.height() >= 300, "{}x{}", image.width(), image.height());
    answers(&desk, &admin, "/stats 1y", "Usage: /stats").await;
}

/// With one request reported and not yet accepted, `/stats` labels its age
/// as the wait of a request not yet resolved, not as a time to resolve, and
/// counts it as still running rather than within the service level.
async fn stats_of_one_open_request_show_it_still_running(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    let resident = User::new(2001, "Resident").with_language("en");
    resident_registers(&desk, &resident).await;
    report(&desk, &resident).await;
    let answer = answers(&desk, &admin, "/stats", "Last 7 days: 1 request\n").await;
    let text = answer.text().unwrap();
    assert!(text.contains("Time to resolve: — (none yet)"), "{text}");
    assert!(text.contains("Not yet resolved: 1 request, waiting for "), "{text}");
    assert!(text.contains("Within the service level: — · 1 still running"), "{text}");
    assert!(!text.contains('%') && !text.contains("1 requests"), "{text}");
    for line in text.lines().filter(|line| line.starts_with('•')) {
        assert!(line.contains("time to resolve: — (none yet) · not yet resolved: 1 request, waiting for "), "{line}");
        assert!(line.ends_with("within the service level: — · 1 still running"), "{line}");
    }
}

async fn an_admin_whom_admin_ids_no_longer_lists_is_no_admin_after_a_restart(db: TestDb) {
    let desk = Desk::start(db).await;
    let admin = User::new(ADMIN, "Office").with_language("en");
    answers(&desk, &admin, "/open", "No open requests in your units").await;
    desk.kill().await;
    let restart = desk.telegram.last_seq();
    desk.spawn_with_admins("");
    answers(&desk, &admin, "/open", NOT_ADMIN).await;
    answers(&desk, &admin, "/stats", NOT_ADMIN).await;
    assert!(desk.log().contains("took back admin roles"), "the start-up says so");
    let menu = desk
        .telegram
        .wait_for_after(restart, "the former admin's own command menu", WAIT, |c| {
            c.is("setMyCommands")
                && c.param("scope").and_then(|s| s.get("chat_id")).and_then(serde_json::Value::as_i64) == Some(ADMIN)
        })
        .await;
    let commands = menu.param("commands").map(ToString::to_string).unwrap_or_default();
    assert!(!commands.contains("broadcast"), "the menu no longer has the admin commands: {commands}");
    desk.kill().await;
    desk.spawn();
    answers(&desk, &admin, "/open", "No open requests in your units").await;
}

crate::support::on_both_backends!(
    only_an_admin_of_the_right_unit_may_use_each_admin_command,
    an_admin_whom_admin_ids_no_longer_lists_is_no_admin_after_a_restart,
    a_bad_people_file_sent_as_a_document_changes_nothing_and_a_good_one_is_applied,
    an_invitation_works_once_and_gives_its_role,
    a_notice_reaches_every_resident_of_the_estate_once_with_its_progress,
    stats_answer_with_a_chart_that_decodes_as_a_png,
    stats_of_one_open_request_show_it_still_running,
);
