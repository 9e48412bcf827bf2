use std::sync::Arc;

use serde_json::json;
use teloxide::dispatching::{UpdateFilterExt, UpdateHandler};
use teloxide::dptree;
use teloxide::prelude::*;
use teloxide::types::Me;

use super::*;
use crate::app::App;
use crate::config::Config;
use crate::domain::TelegramId;
use crate::domain::clock::FakeClock;
use crate::i18n::I18n;
use crate::store::{JobStatus, NewJob, Priority, Store};
use crate::telegram::delivery::turn::Turn;
use crate::telegram::dialogue::Dialogue;

fn handling(app: &Arc<App>, tree: UpdateHandler<anyhow::Error>) -> Handling {
    Handling { app: app.clone(), bot: Bot::new("0:test"), me: me(), handler: Arc::new(tree) }
}

/// Starts the claimed updates as the worker does and waits for them.
async fn handle_claimed(app: &Arc<App>, tree: UpdateHandler<anyhow::Error>, jobs: Vec<ClaimedJob>) {
    let (mut batches, mut loners) = (JoinSet::new(), JoinSet::new());
    start(&handling(app, tree), jobs, 32, &mut batches, &mut loners);
    batches.join_all().await;
    loners.join_all().await;
}

#[tokio::test]
async fn claimed_updates_go_in_batches_of_at_most_the_batch_size_and_retried_ones_alone() {
    let app = app().await;
    let mut jobs = claimed(&app, &["a", "b", "c", "d", "e", "f"]).await;
    jobs[5].attempts = 2;
    let (mut batches, mut loners) = (JoinSet::new(), JoinSet::new());
    start(&handling(&app, tree()), jobs, 2, &mut batches, &mut loners);
    assert_eq!((batches.len(), loners.len()), (3, 1), "a b, c d, e in batches; f alone");
    batches.join_all().await;
    loners.join_all().await;
}

async fn app() -> Arc<App> {
    let store = Store::connect("sqlite::memory:").await.unwrap();
    let config = Config {
        database_url: "sqlite::memory:".into(),
        admin_ids: Vec::new(),
        timezone: chrono_tz::Asia::Shanghai,
        instance: "test".into(),
        retention_days: 30,
        care_retention_days: 365,
        send_rate: 30,
        public_url: None,
    };
    let clock = Arc::new(FakeClock::at(chrono::Utc::now()));
    Arc::new(App::new(store, I18n::load().unwrap(), clock, config))
}

fn me() -> Me {
    serde_json::from_value(json!({
        "id": 1, "is_bot": true, "first_name": "Desk", "username": "desk_bot",
        "can_join_groups": false, "can_read_all_group_messages": false, "supports_inline_queries": false,
        "can_connect_to_business": false, "has_main_web_app": false,
    }))
    .unwrap()
}

/// A handler tree that answers every text with a message of its own and
/// fails, after answering, on the text "fail".
fn tree() -> UpdateHandler<anyhow::Error> {
    dptree::entry().branch(Update::filter_message().endpoint(|app: Arc<App>, job: InboxJob, msg: Message| async move {
        let user = msg.from.clone().expect("a sender");
        let mut turn = Turn::begin(&app, &job, &user).await?;
        let text = msg.text().unwrap_or_default().to_string();
        turn.say(format!("got {text}"));
        anyhow::ensure!(text != "fail", "this update fails");
        turn.finish().await
    }))
}

/// Offers one text per person and claims them all, as the worker would.
async fn claimed(app: &App, texts: &[&str]) -> Vec<ClaimedJob> {
    let offered: Vec<(i64, &str)> = texts.iter().enumerate().map(|(i, text)| (100 + i as i64, *text)).collect();
    claimed_from(app, &offered).await
}

/// Offers each (person, text) in a lane of its own and claims them all.
async fn claimed_from(app: &App, offered: &[(i64, &str)]) -> Vec<ClaimedJob> {
    let now = app.now_ms();
    let mut tx = app.store.begin().await.unwrap();
    for (i, (person, text)) in offered.iter().enumerate() {
        let update = json!({"update_id": i, "message": {
            "message_id": 1, "date": 0, "text": text,
            "chat": {"id": person, "type": "private", "first_name": "Resident"},
            "from": {"id": person, "is_bot": false, "first_name": "Resident"},
        }});
        let (payload, lane) = (update.to_string(), format!("lane:{i}"));
        let new = NewJob {
            queue: Queue::Inbox,
            lane: Some(&lane),
            dedupe_key: None,
            payload: &payload,
            due_at: now,
            request_id: None,
            priority: Priority::default(),
        };
        tx.enqueue(new, now).await.unwrap();
    }
    tx.commit().await.unwrap();
    let jobs = app.claim(Queue::Inbox, LEASE_MS, 16, Some(now - FLOOD_WINDOW_MS)).await.unwrap();
    assert_eq!(jobs.len(), offered.len());
    jobs
}

/// The texts waiting in the outbox, and the status of each update.
async fn outcome(app: &App, jobs: &[ClaimedJob]) -> (Vec<String>, Vec<JobStatus>) {
    let sent = app.claim(Queue::Outbox, LEASE_MS, 100, None).await.unwrap();
    let mut texts: Vec<String> = sent
        .iter()
        .map(|job| serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["text"].to_string())
        .collect();
    texts.sort();
    let mut tx = app.store.begin().await.unwrap();
    let mut statuses = Vec::new();
    for job in jobs {
        statuses.push(tx.job_status(job.id).await.unwrap().unwrap().0);
    }
    (texts, statuses)
}

#[tokio::test]
async fn a_batch_commits_every_update_of_it_once() {
    let app = app().await;
    let jobs = claimed(&app, &["a", "b", "c"]).await;
    handle_claimed(&app, tree(), jobs.clone()).await;
    let (texts, statuses) = outcome(&app, &jobs).await;
    assert_eq!(texts, [r#""got a""#, r#""got b""#, r#""got c""#]);
    assert_eq!(statuses, [JobStatus::Done, JobStatus::Done, JobStatus::Done]);
}

#[tokio::test]
async fn a_turn_sees_the_dialogue_an_earlier_turn_of_its_batch_left() {
    // Each text names the step the sender's dialogue moves to; the answer
    // says where it stood before.
    let tree = dptree::entry().branch(Update::filter_message().endpoint(
        |app: Arc<App>, job: InboxJob, msg: Message| async move {
            let user = msg.from.clone().expect("a sender");
            let mut turn = Turn::begin(&app, &job, &user).await?;
            let before = turn.dialogue();
            turn.say(format!("{} after {before:?}", msg.text().unwrap_or_default()));
            match msg.text() {
                Some("end") => turn.end_dialogue(),
                Some("building") => turn.set_dialogue(&Dialogue::RegBuilding)?,
                _ => turn.set_dialogue(&Dialogue::StaffPhone)?,
            }
            turn.finish().await
        },
    ));
    let app = app().await;
    let jobs =
        claimed_from(&app, &[(7, "building"), (8, "phone"), (7, "phone"), (8, "end"), (7, "end"), (7, "building")])
            .await;
    handle_claimed(&app, tree, jobs.clone()).await;
    // Each chat's answers go out one at a time, so they are taken in
    // rounds, each marked sent before the next.
    let mut texts = Vec::new();
    loop {
        let sent = app.claim(Queue::Outbox, LEASE_MS, 100, None).await.unwrap();
        if sent.is_empty() {
            break;
        }
        let mut tx = app.store.begin().await.unwrap();
        for job in sent {
            texts.push(serde_json::from_str::<serde_json::Value>(&job.payload).unwrap()["text"].to_string());
            tx.finish_in_lane(job.id, &job.lease_token, None, app.now_ms()).await.unwrap();
        }
        tx.commit().await.unwrap();
    }
    texts.sort();
    assert_eq!(
        texts,
        [
            r#""building after None""#,
            r#""building after None""#,
            r#""end after Some(StaffPhone)""#,
            r#""end after Some(StaffPhone)""#,
            r#""phone after None""#,
            r#""phone after Some(RegBuilding)""#,
        ]
    );
    let mut tx = app.store.begin().await.unwrap();
    for job in &jobs {
        assert_eq!(tx.job_status(job.id).await.unwrap().unwrap().0, JobStatus::Done);
    }
    let seven = tx.touch_sender(TelegramId(7), None, None, 0).await.unwrap();
    let eight = tx.touch_sender(TelegramId(8), None, None, 0).await.unwrap();
    assert_eq!(seven.dialogue.as_deref(), Some(r#"{"step":"reg_building"}"#), "the last state of 7 is written");
    assert_eq!(eight.dialogue, None, "8 ended theirs");
}

#[tokio::test]
async fn a_turn_starts_from_its_sender_as_an_earlier_turn_of_its_batch_left_them() {
    // "en N" switches person N to English; every answer says which
    // language its sender was in as their turn began.
    let tree = dptree::entry().branch(Update::filter_message().endpoint(
        |app: Arc<App>, job: InboxJob, msg: Message| async move {
            let user = msg.from.clone().expect("a sender");
            let mut turn = Turn::begin(&app, &job, &user).await?;
            let text = msg.text().unwrap_or_default().to_string();
            let language = turn.person.locale.clone();
            if let Some(other) = text.strip_prefix("en ") {
                let other = turn.tx.person_by_telegram(TelegramId(other.parse()?)).await?.expect("touched");
                turn.tx.set_locale(other.id, "en").await?;
            }
            turn.say(format!("{text} in {language:?}"));
            turn.finish().await
        },
    ));
    let app = app().await;
    let mut tx = app.store.begin().await.unwrap();
    for person in 7..=9 {
        tx.touch_person(TelegramId(person), Some("Resident"), None, 0).await.unwrap();
    }
    tx.commit().await.unwrap();
    let jobs = claimed_from(&app, &[(7, "en 8"), (8, "hi"), (9, "hi")]).await;
    handle_claimed(&app, tree, jobs.clone()).await;
    let (texts, _) = outcome(&app, &jobs).await;
    assert_eq!(texts, [r#""en 8 in None""#, r#""hi in None""#, r#""hi in Some(\"en\")""#]);
}

#[tokio::test]
async fn a_failing_update_costs_the_others_of_its_batch_nothing() {
    let app = app().await;
    let jobs = claimed(&app, &["a", "b", "fail", "d"]).await;
    handle_claimed(&app, tree(), jobs.clone()).await;
    let (texts, statuses) = outcome(&app, &jobs).await;
    // The answers of the updates before the failing one were rolled back
    // with the batch and written again when handled alone: once each.
    assert_eq!(texts, [r#""got a""#, r#""got b""#, r#""got d""#]);
    assert_eq!(statuses, [JobStatus::Done, JobStatus::Done, JobStatus::Pending, JobStatus::Done]);
}

#[tokio::test]
async fn an_update_taken_over_by_another_worker_is_not_answered_by_its_batch() {
    let app = app().await;
    let jobs = claimed(&app, &["a", "b", "c"]).await;
    // Another worker claims "b" once its lease is given back.
    let mut tx = app.store.begin().await.unwrap();
    let now = app.now_ms();
    assert!(tx.retry_later(jobs[1].id, &jobs[1].lease_token, "test", now).await.unwrap());
    let other = tx.claim(Queue::Inbox, "other", now, LEASE_MS, 1).await.unwrap();
    assert_eq!(other.iter().map(|job| job.id).collect::<Vec<_>>(), [jobs[1].id]);
    tx.commit().await.unwrap();

    handle_claimed(&app, tree(), jobs.clone()).await;
    let (texts, statuses) = outcome(&app, &jobs).await;
    assert_eq!(texts, [r#""got a""#, r#""got c""#], "only the other worker answers b");
    assert_eq!(statuses, [JobStatus::Done, JobStatus::Pending, JobStatus::Done]);
}
