//! Webhook mode: Telegram posts updates to the bot instead of being polled.
//! The test plays Telegram with a small HTTP/1.1 client of its own, so that
//! it controls every header, and checks that only posts carrying the secret
//! are taken, that each update is handled once, and that the bot registered
//! the webhook with the emulator.

use std::time::Duration;

use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::db::{Db, TestDb, free_port};
use crate::support::desk::{Desk, WAIT};
use community_desk::emulator::{User, text_message};

/// The secret the bot gives setWebhook and expects on every post.
const SECRET: &str = "webhook-secret_for-tests-0042";
/// Text only an intruder's post carries; it must not reach the bot.
const CANARY: &str = "intruder-canary-5511";

/// A response of the bot's HTTP server: the status code and the body.
struct Response {
    status: u16,
    body: String,
}

/// Sends one HTTP/1.1 request to the bot on loopback and reads the whole
/// response; `Connection: close` makes the server end it after answering.
async fn http(port: u16, method: &str, path: &str, headers: &[(&str, &str)], body: &[u8]) -> std::io::Result<Response> {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).await?;
    let mut head = format!("{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\n");
    for (name, value) in headers {
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str(&format!("Content-Length: {}\r\n\r\n", body.len()));
    stream.write_all(head.as_bytes()).await?;
    stream.write_all(body).await?;
    let mut raw = Vec::new();
    tokio::time::timeout(WAIT, stream.read_to_end(&mut raw)).await??;
    let raw = String::from_utf8_lossy(&raw).into_owned();
    let status =
        raw.split(' ').nth(1).and_then(|code| code.parse().ok()).unwrap_or_else(|| panic!("no status in {raw:?}"));
    let body = raw.split_once("\r\n\r\n").map(|(_, body)| body.to_string()).unwrap_or_default();
    Ok(Response { status, body })
}

/// Posts an update as Telegram would, with the secret header when given.
async fn post(port: u16, secret: Option<&str>, update: &Value) -> u16 {
    let body = serde_json::to_vec(update).expect("an update serialises");
    let mut headers = vec![("Content-Type", "application/json")];
    if let Some(secret) = secret {
        headers.push(("X-Telegram-Bot-Api-Secret-Token", secret));
    }
    http(port, "POST", "/telegram", &headers, &body).await.expect("post to the webhook").status
}

/// A text message with an explicit `update_id`, as Telegram posts it.
fn update(id: i64, user: &User, text: &str) -> Value {
    let mut update = text_message(user, text);
    update["update_id"] = json!(id);
    update
}

/// Waits until the webhook server answers `GET /healthz`; it starts
/// listening only after the bot has registered the webhook.
async fn healthz_when_up(port: u16) -> Response {
    let deadline = tokio::time::Instant::now() + WAIT;
    loop {
        match http(port, "GET", "/healthz", &[], b"").await {
            Ok(response) => return response,
            Err(_) if tokio::time::Instant::now() < deadline => tokio::time::sleep(Duration::from_millis(50)).await,
            Err(error) => panic!("the webhook server did not come up within {WAIT:?}: {error}"),
        }
    }
}

#[tokio::test]
async fn in_webhook_mode_only_posts_with_the_secret_are_handled_and_each_update_once() {
    let port = free_port();
    let url = format!("http://127.0.0.1:{port}/telegram");
    let settings = [
        ("WEBHOOK_URL", url.clone()),
        ("WEBHOOK_SECRET", SECRET.to_string()),
        ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
    ];
    let desk = Desk::start_with(TestDb::sqlite(), &settings).await;

    let registered = desk.telegram.wait_for("setWebhook", WAIT, |c| c.is("setWebhook")).await;
    assert_eq!(registered.param("url"), Some(&json!(url)), "the webhook points at WEBHOOK_URL");
    assert_eq!(registered.param("secret_token"), Some(&json!(SECRET)), "Telegram is told the secret");
    let health = healthz_when_up(port).await;
    assert_eq!(health.status, 200, "GET /healthz answered {}: {}", health.status, health.body);

    // An intruder's posts: a wrong secret, no secret, an empty one, and the
    // right one in another case. None may be taken.
    let intruder = User::new(3001, "Intruder");
    let forged = update(900, &intruder, &format!("/start {CANARY}"));
    let wrong_case = SECRET.to_uppercase();
    for secret in [Some("not-the-secret"), None, Some(""), Some(wrong_case.as_str())] {
        assert_eq!(post(port, secret, &forged).await, 401, "a post with secret {secret:?} was not refused");
    }
    // A post with the secret but no update in it is refused too, and so is a
    // request that is not a post.
    let garbage = http(port, "POST", "/telegram", &[("X-Telegram-Bot-Api-Secret-Token", SECRET)], b"{not json").await;
    assert_eq!(garbage.expect("post garbage").status, 400);
    let get = http(port, "GET", "/telegram", &[("X-Telegram-Bot-Api-Secret-Token", SECRET)], b"").await;
    assert_eq!(get.expect("get the webhook").status, 405);

    // A resident's /start with the secret is taken and answered through the
    // emulator; the same update posted again is taken (Telegram must not send
    // it forever) but not handled a second time.
    let resident = User::new(3002, "Resident").with_language("en");
    let start = update(901, &resident, "/start");
    assert_eq!(post(port, Some(SECRET), &start).await, 200);
    desk.expect_text(0, &resident, "This is the community front desk").await;
    assert_eq!(post(port, Some(SECRET), &start).await, 200, "a repeated update is acknowledged");
    // The next update of the same chat is handled after anything queued
    // before it, so once /help is answered a second /start would have been.
    let at = desk.telegram.last_seq();
    assert_eq!(post(port, Some(SECRET), &update(902, &resident, "/help")).await, 200);
    desk.expect_text(at, &resident, "/privacy").await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;

    let calls = desk.telegram.calls();
    let welcomes = calls
        .iter()
        .filter(|c| c.is("sendMessage") && c.chat_id() == Some(resident.id))
        .filter(|c| c.text().is_some_and(|t| t.contains("This is the community front desk")))
        .count();
    assert_eq!(welcomes, 1, "the update posted twice was answered {welcomes} times");
    let to_intruder: Vec<_> = calls.iter().filter(|c| c.chat_id() == Some(intruder.id)).collect();
    assert!(to_intruder.is_empty(), "the intruder got answers: {to_intruder:?}");
    assert!(calls.iter().all(|c| !c.is("getUpdates")), "the bot polls although it runs a webhook");
    let inbox = db.rows("SELECT payload FROM jobs WHERE queue = 'inbox' ORDER BY id").await;
    assert_eq!(inbox.len(), 2, "only /start and /help were recorded: {inbox:?}");
    assert!(inbox.iter().all(|payload| !payload.contains(CANARY)), "the intruder's update was recorded");
    let log = desk.log();
    assert!(!log.contains(CANARY), "the body of a refused post reached the log");
    assert!(!log.contains(SECRET), "the webhook secret reached the log");
    assert!(log.contains("refused a webhook call with a wrong or missing secret"), "refusals are not logged");
}
