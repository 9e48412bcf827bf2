//! Several instances behind one PostgreSQL, in webhook mode: they share the
//! work without doing anything twice — an update delivered to both is
//! handled once, and a due timer fires once.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::db::TestDb;
use crate::support::desk::{ADMIN, EXAMPLES, WAIT, listed};
use crate::support::process::{BotProcess, run_once};
use community_desk::emulator::{Emulator, User, callback_query, contact_message, text_message};

const SECRET: &str = "instances-test-secret";

/// A free port on loopback (the listener is dropped, so the port is free
/// again for the bot to bind).
fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn instance(telegram: &Emulator, db: &TestDb, name: &str, port: u16) -> BotProcess {
    BotProcess::spawn([
        ("TELOXIDE_TOKEN", "123456:TEST".to_string()),
        ("TELOXIDE_API_URL", telegram.url()),
        ("DATABASE_URL", db.url().to_string()),
        ("WEBHOOK_URL", format!("http://127.0.0.1:{port}/telegram")),
        ("WEBHOOK_SECRET", SECRET.to_string()),
        ("LISTEN_ADDR", format!("127.0.0.1:{port}")),
        ("DESK_INSTANCE", name.to_string()),
        ("DESK_CHAT_INTERVAL_MS", "50".to_string()),
        ("ADMIN_IDS", ADMIN.to_string()),
    ])
}

/// Posts an update to an instance as Telegram would; returns the status.
async fn post(port: u16, update: &serde_json::Value) -> u16 {
    let deadline = tokio::time::Instant::now() + WAIT;
    let body = update.to_string();
    loop {
        if let Ok(mut stream) = tokio::net::TcpStream::connect(("127.0.0.1", port)).await {
            let request = format!(
                "POST /telegram HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n\
                 X-Telegram-Bot-Api-Secret-Token: {SECRET}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
            stream.write_all(request.as_bytes()).await.unwrap();
            let mut response = String::new();
            stream.read_to_string(&mut response).await.unwrap();
            return response.split_whitespace().nth(1).and_then(|code| code.parse().ok()).unwrap_or(0);
        }
        assert!(tokio::time::Instant::now() < deadline, "the instance on port {port} never listened");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Gives an update the id Telegram would have given it.
fn numbered(mut update: serde_json::Value, id: i64) -> serde_json::Value {
    update["update_id"] = serde_json::json!(id);
    update
}

#[tokio::test]
async fn two_instances_on_one_postgresql_handle_each_update_and_fire_each_timer_once() {
    let Some(db) = TestDb::postgres().await else { return };
    let units = format!("{EXAMPLES}/units.csv");
    let people = format!("{EXAMPLES}/people.csv");
    let output = run_once(&["import", &units, &people], [("DATABASE_URL", db.url())], WAIT).await;
    assert!(output.status.success(), "{}", output.combined());
    let telegram = Emulator::start().await.expect("start the emulator");
    let ports = [free_port(), free_port()];
    let _first = instance(&telegram, &db, "desk-a", ports[0]);
    let _second = instance(&telegram, &db, "desk-b", ports[1]);

    // The same update delivered to both instances gets one answer.
    let visitor = User::new(3001, "Visitor").with_language("en");
    let update = numbered(text_message(&visitor, "/help"), 1);
    assert_eq!(post(ports[0], &update).await, 200);
    assert_eq!(post(ports[1], &update).await, 200);
    telegram.wait_for("the answer to /help", WAIT, |c| c.is("sendMessage") && c.chat_id() == Some(visitor.id)).await;
    tokio::time::sleep(Duration::from_secs(2)).await;
    let answers = telegram.calls().iter().filter(|c| c.is("sendMessage") && c.chat_id() == Some(visitor.id)).count();
    assert_eq!(answers, 1, "an update delivered twice is handled once");

    // A short accept deadline, a liaison and a group leader, and a request
    // nobody accepts: the escalation fires once, though both instances run
    // timers.
    let admin = User::new(ADMIN, "Admin").with_language("en");
    let mut next_id = 10;
    let mut send = |update: serde_json::Value| {
        next_id += 1;
        let port = ports[(next_id % 2) as usize];
        (numbered(update, next_id), port)
    };
    let (update, port) = send(text_message(&admin, "/sla set urgent accept 2s"));
    post(port, &update).await;
    telegram
        .wait_for("the new service levels", WAIT, |c| c.text().is_some_and(|t| t.contains("accept within 2 seconds")))
        .await;
    let liaison = User::new(1001, "Liaison");
    let leader = User::new(1003, "Leader");
    for (user, role, unit) in [(&liaison, "liaison", "E01"), (&leader, "group_leader", "第一网格/绿杨东苑")] {
        let (update, port) = send(contact_message(user, &listed(role, unit).1, true));
        post(port, &update).await;
        telegram
            .wait_for("the roles bound", WAIT, |c| {
                c.chat_id() == Some(user.id) && c.text().is_some_and(|t| t.contains("负责"))
            })
            .await;
    }
    let resident = User::new(2001, "Resident").with_language("en");
    let steps: Vec<Box<dyn Fn(i32) -> serde_json::Value>> = vec![
        Box::new(|_| text_message(&resident, "/start b_E01")),
        Box::new(|m| callback_query(&resident, "d:room-skip", m)),
        Box::new(|_| text_message(&resident, "Skip")),
        Box::new(|m| callback_query(&resident, "d:priv:y", m)),
        Box::new(|_| text_message(&resident, "/new")),
        Box::new(|m| callback_query(&resident, "d:cat:property", m)),
        Box::new(|_| text_message(&resident, "No heating")),
        Box::new(|m| callback_query(&resident, "d:desc-done", m)),
        Box::new(|m| callback_query(&resident, "d:urg:urgent", m)),
        Box::new(|m| callback_query(&resident, "d:ok", m)),
    ];
    for step in &steps {
        let seq = telegram.last_seq();
        let latest =
            telegram.calls().iter().rev().find(|c| c.chat_id() == Some(resident.id)).and_then(|c| c.message_id_sent());
        let (update, port) = send(step(latest.unwrap_or(1)));
        post(port, &update).await;
        telegram
            .wait_for_after(seq, "the bot's next prompt", WAIT, |c| {
                c.chat_id() == Some(resident.id) && c.is("sendMessage")
            })
            .await;
    }
    telegram
        .wait_for("the request received", WAIT, |c| c.text().is_some_and(|t| t.contains("Request #1001 received")))
        .await;
    telegram
        .wait_for("the escalation card", WAIT, |c| {
            c.chat_id() == Some(leader.id) && c.callback_data_buttons().iter().any(|(_, d)| d.ends_with(":t"))
        })
        .await;
    tokio::time::sleep(Duration::from_secs(1)).await;
    let cards = telegram
        .calls()
        .iter()
        .filter(|c| c.chat_id() == Some(leader.id) && c.callback_data_buttons().iter().any(|(_, d)| d.ends_with(":t")))
        .count();
    assert_eq!(cards, 1, "the deadline fired once across two instances");
}
