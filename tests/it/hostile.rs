//! Hostile input: thousands of random, malformed and forged updates pushed
//! through the real bot, the flood limit, what the log keeps of a full run,
//! and the privacy commands.
//!
//! The random run takes its choices from a seed printed when it fails;
//! `HOSTILE_SEED=<seed>` replays them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use community_desk::telegram::delivery::inbox::FLOOD_LIMIT;
use fastrand::Rng;
use serde_json::{Value, json};
use tokio::task::JoinSet;

use crate::support::db::{Db, TestDb};
use crate::support::desk::{
    Desk, TOKEN, WAIT, liaison_binds, liaison_of, report, resident_registers_at, responder_binds,
};
use community_desk::emulator::{
    User, callback_query, contact_message, document_message, location_message, photo_message, sticker_message,
    text_message, voice_message,
};

/// The liaison of E01, the only responder of the random run.
const LIAISON: i64 = 5_000;
/// Residents of E01 have ids from here; the first `REPORTERS` of them have
/// an open request each before the random updates start.
const RESIDENT_IDS: i64 = 5_100;
const RESIDENTS: i64 = 12;
const REPORTERS: i64 = 8;
/// People who never registered have ids from here.
const STRANGER_IDS: i64 = 5_200;
const STRANGERS: i64 = 90;
/// The updates registering and reporting take, which count towards the
/// flood limit like any other.
const BINDING_UPDATES: i64 = 3;
const REGISTRATION_UPDATES: i64 = 4;
const REPORT_UPDATES: i64 = 6;
/// How long the bot may take to work through all random updates.
const SETTLE: Duration = Duration::from_secs(120);

/// Who a random user is, which decides which buttons would be forged.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Part {
    Liaison,
    Resident,
    Stranger,
}

/// One of `items`, chosen by `rng`.
fn pick<T: Clone>(rng: &mut Rng, items: &[T]) -> T {
    items[rng.usize(..items.len())].clone()
}

/// Pieces random texts are made of: right-to-left scripts and overrides,
/// zero-width and joining characters, emoji sequences, combining marks,
/// control characters, markup and injection attempts.
const PIECES: &[&str] = &[
    "水管漏水了",
    "电梯坏了 ",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u{202E}evil\u{202C}",
    "\u{200B}",
    "\u{200D}",
    "\u{FEFF}",
    "\u{2066}isolate\u{2069}",
    "👨\u{200D}👩\u{200D}👧\u{200D}👦",
    "🏳\u{FE0F}\u{200D}🌈",
    "🇨🇳",
    "e\u{301}\u{302}\u{303}\u{304}",
    "Z\u{364}\u{311}\u{313}a\u{308}\u{356}\u{36d}",
    "'; DROP TABLE requests; --",
    "<b>bold</b><script>",
    "*_[`]~|>#+-=",
    "%s%n%x{}{0}",
    "\\\"\\u0000",
    "\u{0}",
    "\u{7}\u{1b}[31m",
    "\r\n\t",
    "302",
    "Skip",
    "E01",
    "e 0 1",
    "   ",
    "/",
    "@community_desk_test_bot",
    "https://t.me/x?start=b_E01",
    "𝕳𝖊𝖑𝖑𝖔",
    "\u{FFFD}\u{FFFF}",
];

/// A random text of `pieces` pieces.
fn random_text(rng: &mut Rng, pieces: usize) -> String {
    (0..pieces.max(1)).map(|_| pick(rng, PIECES)).collect()
}

/// What the random run knows about the world when it forges buttons.
struct World {
    /// Each request's id and its resident's Telegram id.
    requests: Vec<(i64, i64)>,
    /// Every person's id, for forged reassignments.
    people: Vec<i64>,
    liaison_phone: String,
}

/// One random or hostile update from `user`.
fn random_update(rng: &mut Rng, world: &World, user: &User, part: Part) -> Value {
    match rng.usize(..20) {
        0..=3 => {
            let pieces = 1 + rng.usize(..12);
            text_message(user, &random_text(rng, pieces))
        }
        4 => {
            // A 5,000-character text: too long for a description, a name or
            // a room, and far beyond anything the bot echoes.
            let text: String = random_text(rng, 400).chars().cycle().take(5_000).collect();
            text_message(user, &text)
        }
        5..=8 => text_message(user, &junk_command(rng, part)),
        9..=12 => forged_button(rng, world, user, part),
        13..=14 => {
            let data = malformed_data(rng, part);
            callback_query(user, &data, 1 + rng.usize(..60) as i32)
        }
        15 => sticker_message(user),
        16 => {
            // Someone else's contact, or (from a stranger) the liaison's
            // number passed off as the stranger's own.
            if part == Part::Stranger && rng.usize(..3) == 0 {
                contact_message(user, &world.liaison_phone, true)
            } else {
                let phone = format!("+86 1{:010}", rng.u64(..10_000_000_000));
                contact_message(user, &phone, false)
            }
        }
        17 => match rng.usize(..4) {
            0 => photo_message(user, "random-photo", Some(&random_text(rng, 3))),
            1 => location_message(user, 91.0, -181.0),
            2 => voice_message(user, "random-voice", 3_600),
            _ => document_message(user, "random-doc", &random_text(rng, 2), "application/x-msdownload"),
        },
        18 => {
            // An edit of an earlier message, which the bot does not handle
            // but must not choke on.
            let mut update = text_message(user, &random_text(rng, 2));
            let message = update["message"].take();
            update["edited_message"] = message;
            update["edited_message"]["edit_date"] = json!(1);
            update.as_object_mut().expect("an update is an object").remove("message");
            update
        }
        _ => text_message(user, pick(rng, &["/start", "/help", "/my", "/cancel", "/lang", "/privacy", "/tasks"])),
    }
}

fn junk(rng: &mut Rng) -> String {
    let pieces = 1 + rng.usize(..4);
    let text = random_text(rng, pieces);
    text.split_whitespace().collect::<Vec<_>>().join("_")
}

/// A command with junk arguments, or one the sender may not use.
fn junk_command(rng: &mut Rng, part: Part) -> String {
    let junk = junk(rng);
    let mut commands = vec![
        format!("/start b_{junk}"),
        "/start b_".to_string(),
        "/start b_E01/../E02".to_string(),
        "/start join_x".to_string(),
        format!("/start join_{junk}"),
        format!("/start {junk}"),
        "/sla".to_string(),
        "/sla set x y z".to_string(),
        "/sla set normal accept 1s".to_string(),
        "/sla set emergency resolve 0s".to_string(),
        "/sla holiday add 2026-10-01".to_string(),
        format!("/sla {junk}"),
        "/request 99999".to_string(),
        format!("/request {junk}"),
        format!("/assign 1001 {junk}"),
        format!("/stats {junk}"),
        "/broadcast hello everyone".to_string(),
        "/import".to_string(),
        "/export".to_string(),
        "/new".to_string(),
        "/mydata".to_string(),
        "/forget".to_string(),
        "/back".to_string(),
        format!("/frobnicate {junk}"),
        "/start@community_desk_test_bot".to_string(),
        "/new@some_other_bot".to_string(),
        format!("/{junk}"),
        format!("/start {}", "b_E01".repeat(1_000)),
    ];
    // Only a responder can be away, and the liaison going away would move
    // the requests on legitimately; the others are refused.
    if part != Part::Liaison {
        commands.push(format!("/away {junk}"));
        commands.push("/away 3d".to_string());
    }
    pick(rng, &commands)
}

/// A well-formed button for a request that is not the sender's to press:
/// another resident's request, or (for the liaison, its assignee) an action
/// only the resident or someone above may take.
fn forged_button(rng: &mut Rng, world: &World, user: &User, part: Part) -> Value {
    let mut targets: Vec<i64> =
        world.requests.iter().filter(|(_, resident)| *resident != user.id).map(|(id, _)| *id).collect();
    // Requests that do not exist are fair game for everyone.
    targets.extend([0, 99_999, i64::from(i32::MAX)]);
    let request = pick(rng, &targets);
    let person = pick(rng, &world.people);
    let actions: Vec<String> = match part {
        Part::Liaison => vec!["t".into(), "x".into(), "y".into(), "n".into(), "s:5".into(), format!("p:{person}")],
        Part::Resident | Part::Stranger => ["a", "t", "x", "d", "d:b", "d:o", "v", "m", "c", "y", "n", "s:1", "r"]
            .iter()
            .map(|a| a.to_string())
            .chain([format!("p:{person}")])
            .collect(),
    };
    let data = format!("r:{request}:{}", pick(rng, &actions));
    callback_query(user, &data, 1 + rng.usize(..60) as i32)
}

/// Button data that does not parse, is stale, or is out of place.
fn malformed_data(rng: &mut Rng, part: Part) -> String {
    let mut data = vec![
        String::new(),
        "r:".into(),
        "r::a".into(),
        "r:abc:a".into(),
        "r:-1:a".into(),
        "r:99999999999999999999999:a".into(),
        "r:1:p:".into(),
        "r:1:p:abc".into(),
        "r:1:s:99".into(),
        "r:1:d:zz".into(),
        "r:1:a:extra".into(),
        "x".repeat(65),
        "l:xx".into(),
        "l:en".into(),
        "d:b:../../".into(),
        "d:b:E01".into(),
        "d:ok".into(),
        "d:priv:y".into(),
        "d:room-skip".into(),
        "d:cat:nonsense".into(),
        "d:urg:apocalypse".into(),
        "s:res".into(),
        "f:maybe".into(),
        "f:n".into(),
        random_text(rng, 2).chars().take(20).collect(),
    ];
    // Erasing oneself is legitimate and would cancel a resident's requests,
    // so only strangers, who have nothing, confirm it.
    if part == Part::Stranger {
        data.push("f:y".into());
    }
    pick(rng, &data)
}

fn seed() -> u64 {
    match std::env::var("HOSTILE_SEED") {
        Ok(seed) => seed.parse().expect("HOSTILE_SEED is a number"),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64),
    }
}

/// What must not change however hostile the input: each request's status,
/// assignee and escalation, and the service levels.
async fn guarded_state(db: &mut Db) -> (Vec<String>, Vec<String>) {
    let requests = db
        .rows(
            "SELECT id, number, status, assignee_id, assignee_role, escalation_level, escalated_to, resident_id, \
             description FROM requests ORDER BY id",
        )
        .await;
    let levels = db
        .rows(
            "SELECT urgency, accept_ms, resolve_ms, service_hours_only FROM service_levels \
             UNION ALL SELECT 'holiday', day, NULL, NULL FROM holidays ORDER BY 1, 2",
        )
        .await;
    (requests, levels)
}

#[tokio::test]
async fn thousands_of_random_and_forged_updates_change_nothing_and_each_sender_is_answered() {
    let seed = seed();
    // The sender is not throttled, so that the thousands of answers do not
    // take minutes; the pacing has tests of its own.
    let desk = Arc::new(Desk::start_with(TestDb::sqlite(), &[("DESK_SEND_RATE", "0".to_string())]).await);
    let liaison = User::new(LIAISON, "Liaison");
    let (_, liaison_phone) = liaison_of("E01");
    responder_binds(&desk, &liaison, &liaison_phone, "E01").await;

    // Residents register and the first of them report, all at once.
    let mut setup = JoinSet::new();
    for n in 0..RESIDENTS {
        let desk = desk.clone();
        setup.spawn(async move {
            let resident = User::new(RESIDENT_IDS + n, &format!("Resident {n}")).with_language("en");
            resident_registers_at(&desk, &resident, "E01").await;
            if n < REPORTERS {
                report(&desk, &resident, "property", "normal", &format!("Report {n}: the corridor light flickers"))
                    .await;
            }
        });
    }
    while let Some(done) = setup.join_next().await {
        done.expect("a resident's setup");
    }
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;
    let before = guarded_state(&mut db).await;
    assert_eq!(before.0.len() as i64, REPORTERS, "every reporter has one request: {:?}", before.0);
    let world = World {
        requests: db
            .rows("SELECT r.id, p.telegram_id FROM requests r JOIN people p ON p.id = r.resident_id")
            .await
            .iter()
            .map(|row| {
                let (id, resident) = row.split_once('|').expect("two columns");
                (id.parse().expect("an id"), resident.parse().expect("a Telegram id"))
            })
            .collect(),
        people: db.rows("SELECT id FROM people").await.iter().map(|id| id.parse().expect("an id")).collect(),
        liaison_phone: liaison_phone.clone(),
    };

    // Every user sends as many random updates as the flood limit leaves
    // them, so that all of them are handled rather than dropped.
    let mut rng = Rng::with_seed(seed);
    let mut senders: Vec<(User, Part, i64)> = vec![(liaison.clone(), Part::Liaison, FLOOD_LIMIT - BINDING_UPDATES)];
    for n in 0..RESIDENTS {
        let used = REGISTRATION_UPDATES + if n < REPORTERS { REPORT_UPDATES } else { 0 };
        let resident = User::new(RESIDENT_IDS + n, &format!("Resident {n}")).with_language("en");
        senders.push((resident, Part::Resident, FLOOD_LIMIT - used));
    }
    for n in 0..STRANGERS {
        let mut stranger = User::new(STRANGER_IDS + n, &random_text(&mut rng, 2));
        if n % 3 == 0 {
            stranger = stranger.with_language(pick(&mut rng, &["en", "zh-hans", "ar", "he", "x-klingon"]));
        }
        senders.push((stranger, Part::Stranger, FLOOD_LIMIT));
    }
    let mut queue: Vec<usize> = senders.iter().enumerate().flat_map(|(i, s)| vec![i; s.2 as usize]).collect();
    rng.shuffle(&mut queue);
    let start = desk.telegram.last_seq();
    let mut callbacks = BTreeSet::new();
    let mut messages: BTreeMap<i64, usize> = BTreeMap::new();
    for &i in &queue {
        let (user, part, _) = &senders[i];
        let update = random_update(&mut rng, &world, user, *part);
        if let Some(id) = update.pointer("/callback_query/id").and_then(Value::as_str) {
            callbacks.insert(id.to_string());
        }
        if update.get("message").is_some() {
            *messages.entry(user.id).or_default() += 1;
        }
        desk.push(update);
    }
    desk.telegram.wait_updates_confirmed(SETTLE).await;
    db.wait_idle(SETTLE).await;

    let context = format!("seed {seed} (HOSTILE_SEED={seed} replays it), {} updates", queue.len());
    assert!(!desk.bot_exited(), "the bot exited; {context}");
    let log = desk.log();
    // The summary shows with --nocapture, and in the output of a failure.
    let warnings = log.lines().filter(|l| l.contains("WARN") || l.contains("ERROR")).count();
    eprintln!(
        "hostile run: {context}, {} calls to the emulator, {warnings} warnings logged",
        desk.telegram.calls().len()
    );
    assert!(!log.contains("panicked"), "the bot panicked; {context}");
    let calls: Vec<_> = desk.telegram.calls().into_iter().filter(|c| c.seq > start).collect();
    let mut answered: BTreeMap<i64, usize> = BTreeMap::new();
    for call in &calls {
        if let Some(chat) = call.chat_id().filter(|_| !call.faulted) {
            *answered.entry(chat).or_default() += 1;
        }
    }
    let silent: Vec<i64> = senders.iter().map(|s| s.0.id).filter(|id| !answered.contains_key(id)).collect();
    assert!(silent.is_empty(), "these users got no answer at all: {silent:?}; {context}");
    // Every message (as opposed to an edit or a button) gets at least one
    // new message in reply, so nobody gets fewer replies than they sent.
    let mut replies: BTreeMap<i64, usize> = BTreeMap::new();
    for call in calls.iter().filter(|c| !c.faulted && (c.is("sendMessage") || c.is("sendDocument"))) {
        *replies.entry(call.chat_id().unwrap_or_default()).or_default() += 1;
    }
    let short: Vec<(i64, usize, usize)> = messages
        .iter()
        .map(|(user, sent)| (*user, *sent, replies.get(user).copied().unwrap_or(0)))
        .filter(|(_, sent, got)| got < sent)
        .collect();
    assert!(short.is_empty(), "(user, messages sent, replies) of users left without replies: {short:?}; {context}");
    let callback_answers: BTreeSet<String> = calls
        .iter()
        .filter(|c| c.is("answerCallbackQuery"))
        .filter_map(|c| c.param("callback_query_id").and_then(Value::as_str).map(str::to_owned))
        .collect();
    let unanswered: Vec<&String> = callbacks.difference(&callback_answers).collect();
    assert!(unanswered.is_empty(), "{} button presses were not answered: {unanswered:?}; {context}", unanswered.len());
    // The apology a person gets when the bot gave up on their update, in
    // either language.
    let apology = |t: &str| t.contains("something went wrong") || t.contains("处理您的消息时出了问题");
    let apologies = calls.iter().filter(|c| c.text().is_some_and(apology)).count();
    assert_eq!(apologies, 0, "handlers failed and apologised {apologies} times; {context}");

    let after = guarded_state(&mut db).await;
    let changed: Vec<(&String, Option<&String>)> = before
        .0
        .iter()
        .map(|row| (row, after.0.iter().find(|r| r.split('|').next() == row.split('|').next())))
        .filter(|(row, now)| now != &Some(*row))
        .collect();
    assert!(changed.is_empty(), "forged buttons changed requests (before, after): {changed:?}; {context}");
    assert_eq!(before.1, after.1, "the service levels changed; {context}");
    let pending =
        db.count("SELECT CAST(COUNT(*) AS BIGINT) FROM jobs WHERE queue = 'inbox' AND status = 'pending'").await;
    assert_eq!(pending, 0, "inbox jobs left pending; {context}");
    let failed = db.rows("SELECT id, last_error FROM jobs WHERE queue = 'inbox' AND status <> 'done'").await;
    assert!(failed.is_empty(), "updates the bot gave up on: {failed:?}; {context}");
    let holder = db.rows("SELECT telegram_id FROM people WHERE phone = '+8613662594117'").await;
    assert_eq!(holder, [LIAISON.to_string()], "the liaison's number changed hands; {context}");
    assert_eq!(liaison_phone, "13662594117", "the example directory changed; the query above names its number");
}

// A burst fetched in one batch is counted update by update: the first twenty
// are handled, the twenty-first gets the one polite answer, the rest none.
#[tokio::test]
async fn a_burst_of_twenty_five_messages_gets_twenty_answers_and_one_request_to_slow_down() {
    let desk = Desk::start(TestDb::sqlite()).await;
    let user = User::new(4001, "Eager").with_language("en");
    let at = desk.telegram.last_seq();
    for n in 1..=25 {
        desk.push(text_message(&user, &format!("hello {n}")));
    }
    desk.telegram.wait_updates_confirmed(WAIT).await;
    let mut db = Db::connect(&desk.db).await;
    db.wait_idle(WAIT).await;

    let texts: Vec<String> = desk
        .telegram
        .calls_to("sendMessage")
        .into_iter()
        .filter(|c| c.seq > at && c.chat_id() == Some(user.id))
        .filter_map(|c| c.text().map(str::to_owned))
        .collect();
    let handled = texts.iter().filter(|t| t.contains("I did not understand that")).count();
    let slow_down = texts.iter().filter(|t| t.contains("too fast")).count();
    let outcomes = db.rows("SELECT result FROM jobs WHERE queue = 'inbox' AND lane = 'chat:4001' ORDER BY id").await;
    // Counting the whole burst for each update once dropped all of them,
    // giving (0, 0) here.
    assert_eq!(
        (handled, slow_down),
        (FLOOD_LIMIT as usize, 1),
        "answers: {texts:#?}\noutcomes of the updates in the inbox: {outcomes:?}"
    );
}

#[tokio::test]
async fn the_log_of_a_full_run_holds_no_token_phone_number_or_description() {
    let desk = Desk::start(TestDb::sqlite()).await;
    let liaison = User::new(1001, "Liaison");
    let (_, liaison_phone) = liaison_of("E01");
    // Telegram reports a contact's number with the country code and without
    // the plus sign.
    liaison_binds(&desk, &liaison, &format!("86{liaison_phone}")).await;

    let resident = User::new(2001, "Resident").with_language("en");
    let resident_phone = "13912345678";
    let at = desk.push(text_message(&resident, "/start b_E01"));
    let at = desk.press(at, &resident, "d:room-skip").await;
    desk.expect_text(at, &resident, "phone").await;
    let at = desk.push(contact_message(&resident, "+86 139-1234-5678", true));
    desk.expect_text(at, &resident, "Phone number saved").await;
    let at = desk.press(at, &resident, "d:priv:y").await;
    desk.expect_text(at, &resident, "You are registered").await;

    let description = "Water drips from the ceiling of the kitchen, canary 90210";
    let at = desk.push(text_message(&resident, "/new"));
    let at = desk.press(at, &resident, "d:cat:property").await;
    desk.expect_text(at, &resident, "describe the problem").await;
    let at = desk.push(text_message(&resident, description));
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:urgent").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "received").await;
    let (card, _) = desk.expect_button(at, &liaison, "r:").await;
    assert!(card.text().unwrap_or_default().contains("canary 90210"), "the card carries the description");
    Db::connect(&desk.db).await.wait_idle(WAIT).await;

    let log = desk.log();
    assert!(log.contains("connected to Telegram"), "the log is the bot's: {log}");
    let mut secrets = vec![TOKEN.to_string(), "TEST-TOKEN".to_string(), "canary 90210".to_string()];
    secrets.push(description.split(',').next().expect("a description").to_string());
    for phone in [liaison_phone.as_str(), resident_phone] {
        let spaced = format!("{} {} {}", &phone[..3], &phone[3..7], &phone[7..]);
        let dashed = format!("{}-{}-{}", &phone[..3], &phone[3..7], &phone[7..]);
        secrets.extend([phone.to_string(), format!("+86{phone}"), spaced, dashed, phone[3..].to_string()]);
    }
    let leaked: Vec<&String> = secrets.iter().filter(|s| log.contains(s.as_str())).collect();
    assert!(leaked.is_empty(), "the log holds {leaked:?}");
}

#[tokio::test]
async fn mydata_sends_a_file_and_forget_erases_the_phone_and_the_requests() {
    let desk = Desk::start(TestDb::sqlite()).await;
    let liaison = User::new(1001, "Liaison");
    liaison_binds(&desk, &liaison, &liaison_of("E01").1).await;
    let resident = User::new(2001, "Resident").with_language("en");
    let at = desk.push(text_message(&resident, "/start b_E01"));
    desk.expect_button(at, &resident, "d:room-skip").await;
    let at = desk.push(text_message(&resident, "302"));
    desk.expect_text(at, &resident, "phone").await;
    let at = desk.push(contact_message(&resident, "13912345678", true));
    let at = desk.press(at, &resident, "d:priv:y").await;
    desk.expect_text(at, &resident, "You are registered").await;
    let at = desk.push(text_message(&resident, "/new"));
    let at = desk.press(at, &resident, "d:cat:property").await;
    desk.expect_text(at, &resident, "describe the problem").await;
    let at = desk.push(text_message(&resident, "The mailbox lock is broken"));
    let at = desk.press(at, &resident, "d:desc-done").await;
    let at = desk.press(at, &resident, "d:urg:normal").await;
    let at = desk.press(at, &resident, "d:ok").await;
    desk.expect_text(at, &resident, "Request #1001 received").await;
    let mut db = Db::connect(&desk.db).await;
    let person = db.rows("SELECT id FROM people WHERE telegram_id = 2001").await;
    assert_eq!(db.rows("SELECT phone FROM people WHERE telegram_id = 2001").await, ["+8613912345678"]);

    let at = desk.push(text_message(&resident, "/mydata"));
    let file = desk
        .telegram
        .wait_for_after(at, "the data as a file", WAIT, |c| c.is("sendDocument") && c.chat_id() == Some(resident.id))
        .await;
    desk.expect_text(at, &resident, "This is everything we keep about you").await;
    let upload = file.files.first().expect("the document is uploaded as a file");
    assert!(upload.file_name.as_deref().is_some_and(|n| n.ends_with(".json")), "{:?}", upload.file_name);
    let data: Value = serde_json::from_slice(&upload.bytes).expect("the file is JSON");
    let text = data.to_string();
    for expected in ["+8613912345678", "The mailbox lock is broken", "302"] {
        assert!(text.contains(expected), "my data lacks {expected:?}: {text}");
    }

    let at = desk.push(text_message(&resident, "/forget"));
    let at = desk.press(at, &resident, "f:y").await;
    desk.expect_text(at, &resident, "everything that identified you has been erased").await;
    let at = desk.push(text_message(&resident, "/my"));
    desk.expect_text(at, &resident, "You have not sent any requests yet").await;

    let query = "SELECT telegram_id, name, phone FROM people WHERE phone = '+8613912345678' OR telegram_id = 2001";
    let rows = db.rows(query).await;
    assert!(rows.iter().all(|row| row.ends_with("|∅")), "a people row still holds the phone: {rows:?}");
    let erased =
        db.rows("SELECT telegram_id, name, phone FROM people WHERE id IN (SELECT resident_id FROM requests)").await;
    assert_eq!(erased, ["∅||∅"], "the person behind the request (id {person:?}) keeps nothing identifying");
    let request = db.rows("SELECT status, description FROM requests").await;
    assert_eq!(request, ["cancelled|"], "the open request is cancelled and its description erased");
}
