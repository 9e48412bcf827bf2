//! The crash test: residents keep reporting while the bot is killed with
//! SIGKILL at random moments and restarted, and afterwards nothing they sent
//! is lost or doubled — the guarantee that no accepted message, request or
//! notification is lost across `kill -9`.
//!
//! The bounded run (20 kills on each backend) is part of `cargo test`. The
//! long run, 100 kills on each backend, is ignored by default; run it with
//!
//! ```sh
//! cargo test --test it crash -- --ignored
//! ```
//!
//! with `TEST_DATABASE_URL` set to include PostgreSQL. The random choices
//! (when to kill, how long the bot stays down, how long residents think)
//! come from a seed printed with the results; `CRASH_SEED=<seed>` replays
//! them, though the moments a kill lands still depend on the machine.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use community_desk::domain::request::MAX_OPEN_REQUESTS_PER_RESIDENT;
use community_desk::telegram::delivery::inbox::FLOOD_LIMIT;
use fastrand::Rng;
use serde_json::Value;
use sqlx::{Connection, PgConnection, SqliteConnection};
use tokio::task::JoinSet;

use crate::support::db::TestDb;
use crate::support::desk::{Desk, liaison_of, resident_registers_at, responder_binds};
use community_desk::emulator::{Call, User, text_message};

/// How many residents report at the same time.
const RESIDENTS_AT_ONCE: usize = 8;
/// The buildings the residents live in, each with its liaison bound.
const BUILDINGS: [&str; 4] = ["E01", "E02", "E03", "E04"];
/// How long a resident waits for an answer before handing over to the next
/// resident. The bot is down part of the time and the machine may be busy with other tests, so
/// this is far above what an answer normally takes.
const ANSWER_WAIT: Duration = Duration::from_secs(30);
/// How long the bot may take, after the last restart, to work off what is
/// left in its inbox and outbox.
const SETTLE_WAIT: Duration = Duration::from_secs(60);
/// The Telegram ids of residents start here; slot `s` gives its `g`-th
/// resident the id `RESIDENT_IDS + 1000 * s + g`.
const RESIDENT_IDS: i64 = 20_000;
/// The Telegram ids of the liaisons of `BUILDINGS`, in order, start here.
const LIAISON_IDS: i64 = 1_001;
/// The updates a resident sends to register, and to make one report.
const REGISTRATION_UPDATES: i64 = 4;
const REPORT_UPDATES: i64 = 6;
/// How many reports each resident makes before the next one takes over. A
/// resident must stay within the bot's flood limit, beyond which it drops a
/// person's updates on purpose (those would look lost), and below the number
/// of requests a resident may have open.
const REPORTS_PER_RESIDENT: usize = {
    let within_flood_limit = ((FLOOD_LIMIT - REGISTRATION_UPDATES) / REPORT_UPDATES) as usize;
    if within_flood_limit < MAX_OPEN_REQUESTS_PER_RESIDENT {
        within_flood_limit
    } else {
        MAX_OPEN_REQUESTS_PER_RESIDENT
    }
};

async fn no_report_is_lost_or_doubled_across_twenty_kills(db: TestDb) {
    residents_report_while_the_bot_is_killed(db, 20).await;
}

async fn no_report_is_lost_or_doubled_across_a_hundred_kills(db: TestDb) {
    residents_report_while_the_bot_is_killed(db, 100).await;
}

async fn residents_report_while_the_bot_is_killed(db: TestDb, kills: usize) {
    let seed = seed();
    let started = Instant::now();
    let backend = if db.is_postgres() { "PostgreSQL" } else { "SQLite" };
    let desk = Arc::new(Desk::start(db).await);
    for (i, building) in BUILDINGS.iter().enumerate() {
        let liaison = User::new(LIAISON_IDS + i as i64, &format!("Liaison {building}"));
        responder_binds(&desk, &liaison, &liaison_of(building).1, building).await;
    }
    // The first residents register while the bot is up; those who take
    // over from them register during the kills.
    let first: Vec<Resident> = (0..RESIDENTS_AT_ONCE).map(|slot| Resident::new(slot, 0)).collect();
    for resident in &first {
        resident_registers_at(&desk, &resident.user, resident.building).await;
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mut slots = JoinSet::new();
    for (slot, resident) in first.into_iter().enumerate() {
        let rng = seeded(seed, slot as u64 + 1);
        slots.spawn(keep_reporting(desk.clone(), resident, rng, stop.clone()));
    }
    let mut rng = seeded(seed, 0);
    for _ in 0..kills {
        tokio::time::sleep(between_ms(&mut rng, 200, 2_000)).await;
        desk.kill().await;
        // A short time down lets updates pile up at "Telegram" unconfirmed.
        tokio::time::sleep(between_ms(&mut rng, 0, 300)).await;
        desk.spawn();
    }
    stop.store(true, Ordering::Relaxed);
    let mut slot_reports = Vec::new();
    while let Some(report) = slots.join_next().await {
        slot_reports.push(report.expect("a resident's task panicked"));
    }
    let residents_done = started.elapsed();

    // Everything pushed must now be confirmed to Telegram, handled and
    // answered by the last bot, which is left running.
    desk.telegram.wait_updates_confirmed(SETTLE_WAIT).await;
    let mut db = Db::connect(&desk.db).await;
    let deadline = Instant::now() + SETTLE_WAIT;
    while db.unfinished_jobs().await > 0 && Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(200)).await;
    }

    let requests = db.requests().await;
    let calls = desk.telegram.calls();
    let records: Vec<&Record> = slot_reports.iter().flat_map(|s| &s.records).collect();
    let stalls: Vec<&Stall> = slot_reports.iter().flat_map(|s| &s.stalls).collect();
    let confirmed: usize = records.iter().map(|r| r.confirmed.len()).sum();
    let run = format!("{backend}, seed {seed}");
    let duplicates = duplicate_messages(&calls);
    let most_after_one_restart = most_duplicates_after_one_restart(&calls, &duplicates, &run);
    let duplicates = duplicates.len();
    let summary = format!(
        "{run}: {kills} kills, {} residents, {confirmed} reports confirmed, {} requests, {} updates, \
         {duplicates} duplicate messages (at most {most_after_one_restart} after one restart), {} late answers; \
         residents done after {residents_done:?}, settled after {:?}",
        records.len(),
        requests.len(),
        desk.telegram.updates_pushed(),
        stalls.len(),
        started.elapsed(),
    );
    eprintln!("{summary}");

    assert_every_confirm_made_one_request(&records, &requests, &summary);
    assert_every_request_reached_its_people(&records, &requests, &calls, &summary);
    for stall in &stalls {
        // A resident who gave up waiting handed over to the next one; the
        // answer they waited for may come late, but it must come.
        assert!(
            calls.iter().any(|c| c.seq > stall.after && stall.answer.is(c, stall.chat)),
            "{} never got {} ({summary})",
            stall.chat,
            stall.answer.what
        );
    }
    // Delivery is at least once: a message sent just before a kill, and not
    // yet recorded as sent, goes out again after the restart. That window is
    // short, so on average a kill repeats well under one message.
    assert!(duplicates <= kills, "more duplicate messages than kills ({summary})");
    let jobs = db.job_counts().await;
    let count = |queue: &str, status: &str| jobs.get(&(queue.to_owned(), status.to_owned())).copied().unwrap_or(0);
    assert_eq!(count("inbox", "pending"), 0, "updates left unhandled in the inbox ({summary}): {jobs:?}");
    assert_eq!(count("inbox", "failed"), 0, "updates given up ({summary}): {jobs:?}");
    assert_eq!(
        count("inbox", "done"),
        desk.telegram.updates_pushed(),
        "every update pushed is in the inbox exactly once ({summary}): {jobs:?}"
    );
    assert_eq!(count("outbox", "pending"), 0, "messages left unsent ({summary}): {jobs:?}");
    assert_eq!(count("outbox", "failed"), 0, "messages given up ({summary}): {jobs:?}");
    db.close().await;
    assert!(!desk.log().contains("panicked"), "the bot panicked ({summary})");
}

/// Every Confirm a resident pressed became exactly one request of theirs,
/// with the description they wrote, and no other request exists.
fn assert_every_confirm_made_one_request(records: &[&Record], requests: &[RequestRow], summary: &str) {
    let mut made: HashMap<&str, Vec<&RequestRow>> = HashMap::new();
    for request in requests {
        made.entry(request.description.as_str()).or_default().push(request);
    }
    let mut lost = Vec::new();
    let mut doubled = Vec::new();
    let mut wrong_resident = Vec::new();
    for record in records {
        for description in &record.confirmed {
            match made.remove(description.as_str()).as_deref() {
                None | Some([]) => lost.push(description.clone()),
                Some([request]) if request.resident == record.resident.user.id => {}
                Some([request]) => wrong_resident.push(request.number),
                Some(several) => doubled.extend(several.iter().map(|r| r.number)),
            }
        }
    }
    let unexpected: Vec<i64> = made.values().flatten().map(|r| r.number).collect();
    assert!(lost.is_empty(), "confirmed reports without a request ({summary}): {lost:?}");
    assert!(doubled.is_empty(), "reports that became several requests ({summary}): {doubled:?}");
    assert!(wrong_resident.is_empty(), "requests of the wrong resident ({summary}): {wrong_resident:?}");
    assert!(unexpected.is_empty(), "requests nobody confirmed ({summary}): {unexpected:?}");
}

/// Every request went to the liaison of the resident's building, who got
/// its card, and the resident was told its number.
fn assert_every_request_reached_its_people(
    records: &[&Record],
    requests: &[RequestRow],
    calls: &[Call],
    summary: &str,
) {
    let buildings: HashMap<i64, &str> = records.iter().map(|r| (r.resident.user.id, r.resident.building)).collect();
    let messages: Vec<(i64, &str)> =
        calls.iter().filter(|c| c.is("sendMessage")).filter_map(|c| Some((c.chat_id()?, c.text()?))).collect();
    let told = |chat: i64, needle: &str, number: i64| {
        messages.iter().any(|(to, text)| *to == chat && text.contains(needle) && mentions(text, number))
    };
    for request in requests {
        let building = buildings[&request.resident];
        let liaison = liaison_id(building);
        let number = request.number;
        assert_eq!(request.assignee, Some(liaison), "#{number} did not go to the liaison of {building} ({summary})");
        assert!(told(liaison, "", request.number), "the liaison never got the card of #{} ({summary})", request.number);
        assert!(
            told(request.resident, "received", request.number),
            "resident {} was never told #{} was received ({summary})",
            request.resident,
            request.number
        );
    }
}

/// Whether `text` names request `number` as `#number`, not as the start of
/// a longer number.
fn mentions(text: &str, number: i64) -> bool {
    let needle = format!("#{number}");
    text.match_indices(&needle).any(|(at, _)| !text[at + needle.len()..].starts_with(|c: char| c.is_ascii_digit()))
}

/// Messages sent again after a kill, as the `seq` of the original and of
/// the copy: the bot sent a message but died before recording that, so the
/// restarted bot sends it once more. Because messages to one chat go out
/// one at a time in order, the copy directly follows the original among
/// that chat's messages. Identical messages that are not next to each other
/// are the same prompt in different reports.
fn duplicate_messages(calls: &[Call]) -> Vec<(u64, u64)> {
    let mut last: HashMap<i64, (u64, &str, Option<&Value>)> = HashMap::new();
    let mut duplicates = Vec::new();
    for call in calls.iter().filter(|c| c.is("sendMessage")) {
        let (Some(chat), Some(text)) = (call.chat_id(), call.text()) else { continue };
        let message = (text, call.param("reply_markup"));
        if let Some((original, text, markup)) = last.insert(chat, (call.seq, message.0, message.1))
            && (text, markup) == message
        {
            duplicates.push((original, call.seq));
        }
    }
    duplicates
}

/// The most duplicates any one restart produced. Panics if a message was
/// sent twice by the same process: each process asks `getMe` once, before
/// it sends anything, so a copy sent after a restart has a `getMe` between
/// it and its original.
fn most_duplicates_after_one_restart(calls: &[Call], duplicates: &[(u64, u64)], run: &str) -> usize {
    let starts: Vec<u64> = calls.iter().filter(|c| c.is("getMe")).map(|c| c.seq).collect();
    let mut per_restart: HashMap<u64, usize> = HashMap::new();
    for (original, copy) in duplicates {
        let restart = starts.iter().rev().find(|start| *start < copy).filter(|start| *start > original);
        let restart = restart
            .unwrap_or_else(|| panic!("call {copy} repeats call {original} without a restart in between ({run})"));
        *per_restart.entry(*restart).or_default() += 1;
    }
    per_restart.into_values().max().unwrap_or(0)
}

fn liaison_id(building: &str) -> i64 {
    let index = BUILDINGS.iter().position(|b| *b == building).expect("a building of the test");
    LIAISON_IDS + index as i64
}

/// A resident of the test, who reports in English.
#[derive(Clone)]
struct Resident {
    user: User,
    building: &'static str,
}

impl Resident {
    /// The `generation`-th resident of `slot`; the slots share the
    /// buildings out evenly.
    fn new(slot: usize, generation: usize) -> Resident {
        let id = RESIDENT_IDS + 1_000 * slot as i64 + generation as i64;
        let user = User::new(id, &format!("Resident {slot}-{generation}")).with_language("en");
        Resident { user, building: BUILDINGS[slot % BUILDINGS.len()] }
    }

    fn next(&self, slot: usize) -> Resident {
        let generation = (self.user.id - RESIDENT_IDS) % 1_000 + 1;
        Resident::new(slot, generation as usize)
    }
}

/// What one resident did, for the accounting at the end.
struct Record {
    resident: Resident,
    /// The description of every report whose Confirm the resident pressed.
    confirmed: Vec<String>,
}

/// An answer a resident gave up waiting for.
struct Stall {
    chat: i64,
    /// The last call before the update that should have been answered.
    after: u64,
    answer: Answer,
}

/// What one slot of residents did.
#[derive(Default)]
struct SlotReport {
    records: Vec<Record>,
    stalls: Vec<Stall>,
}

/// A message a resident waits for: a message to them with this text and
/// this button or keyboard.
#[derive(Clone, Copy)]
struct Answer {
    what: &'static str,
    text: &'static str,
    button: Option<&'static str>,
    reply_keyboard: bool,
}

impl Answer {
    const fn text(what: &'static str, text: &'static str) -> Answer {
        Answer { what, text, button: None, reply_keyboard: false }
    }

    const fn button(what: &'static str, text: &'static str, button: &'static str) -> Answer {
        Answer { what, text, button: Some(button), reply_keyboard: false }
    }

    fn is(&self, call: &Call, chat: i64) -> bool {
        call.is("sendMessage")
            && call.chat_id() == Some(chat)
            && call.text().is_some_and(|t| t.contains(self.text))
            && self.button.is_none_or(|prefix| call.button(prefix).is_some())
            && (!self.reply_keyboard || !call.reply_keyboard_buttons().is_empty())
    }
}

const ROOM_QUESTION: Answer = Answer::button("the room question", "", "d:room-skip");
const PHONE_QUESTION: Answer =
    Answer { what: "the share-phone keyboard", text: "", button: None, reply_keyboard: true };
const PRIVACY_QUESTION: Answer = Answer::button("the privacy question", "", "d:priv:y");
const REGISTERED: Answer = Answer::text("the registration", "You are registered at");
const CATEGORY_QUESTION: Answer = Answer::button("the category question", "", "d:cat:property");
const DESCRIPTION_QUESTION: Answer = Answer::text("the description question", "describe the problem");
const DESCRIPTION_ADDED: Answer = Answer::button("the Done button", "Got it", "d:desc-done");
const URGENCY_QUESTION: Answer = Answer::button("the urgency question", "", "d:urg:normal");
const SUMMARY: Answer = Answer::button("the summary", "Please check your request", "d:ok");
const RECEIPT: Answer = Answer::text("the receipt", "received");

/// One slot: a resident makes `REPORTS_PER_RESIDENT` reports, then the next
/// resident registers and takes over, until `stop` is set.
///
/// A resident who waits in vain for an answer also hands over: trying again
/// with `/new` would send more updates than the flood limit allows. The
/// updates already sent stay with the bot, which still owes their answers
/// and, for a Confirm, the request.
async fn keep_reporting(desk: Arc<Desk>, first: Resident, mut rng: Rng, stop: Arc<AtomicBool>) -> SlotReport {
    let slot = ((first.user.id - RESIDENT_IDS) / 1_000) as usize;
    let mut report = SlotReport::default();
    let mut resident = first;
    loop {
        let mut record = Record { resident: resident.clone(), confirmed: Vec::new() };
        let mut answered = true;
        while answered && record.confirmed.len() < REPORTS_PER_RESIDENT && !stop.load(Ordering::Relaxed) {
            // Each report has its own description, so that each request can
            // be traced back to the one Confirm that made it.
            let n = record.confirmed.len() + 1;
            let description = format!("No water on the 3rd floor (resident {}, report {n})", resident.user.id);
            let mut talk = Talk { desk: &desk, user: &resident.user, rng: &mut rng, stalls: &mut report.stalls };
            answered = talk.report(&description, &mut record.confirmed).await;
        }
        report.records.push(record);
        loop {
            if stop.load(Ordering::Relaxed) {
                return report;
            }
            resident = resident.next(slot);
            let mut talk = Talk { desk: &desk, user: &resident.user, rng: &mut rng, stalls: &mut report.stalls };
            if talk.register(resident.building).await {
                break;
            }
        }
    }
}

/// A resident talking to the bot, one answer at a time.
struct Talk<'a> {
    desk: &'a Desk,
    user: &'a User,
    rng: &'a mut Rng,
    stalls: &'a mut Vec<Stall>,
}

impl Talk<'_> {
    /// Registers at `building` in room 302; false if an answer did not come,
    /// in which case the slot moves on to a new resident rather than send
    /// this one's updates again.
    async fn register(&mut self, building: &str) -> bool {
        let start = text_message(self.user, &format!("/start b_{building}"));
        let Some(_) = self.ask(start, ROOM_QUESTION).await else { return false };
        let Some(_) = self.ask(text_message(self.user, "302"), PHONE_QUESTION).await else { return false };
        let Some(privacy) = self.ask(text_message(self.user, "Skip"), PRIVACY_QUESTION).await else { return false };
        let accept = self.press(&privacy, "d:priv:y");
        self.ask(accept, REGISTERED).await.is_some()
    }

    /// Goes through the report flow with `description`; false if an answer
    /// did not come. When it gets as far as pressing Confirm, the
    /// description is added to `confirmed`: from then on the bot owes a
    /// request, whatever happens to it.
    async fn report(&mut self, description: &str, confirmed: &mut Vec<String>) -> bool {
        let Some(question) = self.ask(text_message(self.user, "/new"), CATEGORY_QUESTION).await else { return false };
        let category = self.press(&question, "d:cat:property");
        let Some(_) = self.ask(category, DESCRIPTION_QUESTION).await else { return false };
        let Some(added) = self.ask(text_message(self.user, description), DESCRIPTION_ADDED).await else { return false };
        let done = self.press(&added, "d:desc-done");
        let Some(question) = self.ask(done, URGENCY_QUESTION).await else { return false };
        let urgency = self.press(&question, "d:urg:normal");
        let Some(summary) = self.ask(urgency, SUMMARY).await else { return false };
        // Messages to one chat are handled in order, so the summary that
        // answers this report's last step shows this report.
        let shown = summary.text().unwrap_or_default();
        assert!(shown.contains(description), "the summary shows another report: {shown:?}, not {description:?}");
        let confirm = self.press(&summary, "d:ok");
        confirmed.push(description.to_owned());
        self.ask(confirm, RECEIPT).await.is_some()
    }

    /// Sends `update` and waits for `answer`. A missing answer is recorded
    /// as a stall.
    async fn ask(&mut self, update: Value, answer: Answer) -> Option<Call> {
        let after = self.desk.push(update);
        let chat = self.user.id;
        let call = self.desk.telegram.try_wait_for_after(after, ANSWER_WAIT, |c| answer.is(c, chat)).await;
        if call.is_none() {
            self.stalls.push(Stall { chat, after, answer });
        }
        // A resident reads before tapping, which varies how their steps
        // interleave with the others' and with the kills.
        tokio::time::sleep(between_ms(self.rng, 0, 100)).await;
        call
    }

    /// A press of the button whose data starts with `prefix` on `message`.
    fn press(&self, message: &Call, prefix: &str) -> Value {
        let data = message.button(prefix).expect("the answer was chosen for this button");
        let message_id = message.message_id_sent().expect("the emulator assigned a message id");
        self.desk.telegram.callback_on(self.user, &data, message_id)
    }
}

/// A request as stored, with people by their Telegram ids.
struct RequestRow {
    number: i64,
    description: String,
    resident: i64,
    assignee: Option<i64>,
}

/// A direct connection to the bot's database, to check what it stored.
enum Db {
    Sqlite(SqliteConnection),
    Postgres(PgConnection),
}

/// Runs the same sqlx expression on whichever connection `db` holds.
macro_rules! on_db {
    ($db:expr, |$c:ident| $body:expr) => {
        match $db {
            Db::Sqlite($c) => $body,
            Db::Postgres($c) => $body,
        }
    };
}

impl Db {
    async fn connect(db: &TestDb) -> Db {
        if db.is_postgres() {
            Db::Postgres(PgConnection::connect(db.url()).await.expect("connect to the PostgreSQL test database"))
        } else {
            Db::Sqlite(SqliteConnection::connect(db.url()).await.expect("connect to the SQLite test database"))
        }
    }

    async fn close(self) {
        // Closing is a courtesy; the test is over either way.
        let _ = on_db!(self, |c| c.close().await);
    }

    /// Inbox and outbox jobs not yet done. Timers are left out: they wait
    /// for deadlines far beyond the test.
    async fn unfinished_jobs(&mut self) -> i64 {
        const SQL: &str = "SELECT COUNT(*) FROM jobs WHERE queue IN ('inbox', 'outbox') AND status = 'pending'";
        on_db!(self, |c| sqlx::query_scalar(SQL).fetch_one(c).await).expect("count unfinished jobs")
    }

    /// How many jobs each queue holds in each status.
    async fn job_counts(&mut self) -> HashMap<(String, String), i64> {
        const SQL: &str = "SELECT queue, status, COUNT(*) FROM jobs GROUP BY queue, status";
        let rows: Vec<(String, String, i64)> =
            on_db!(self, |c| sqlx::query_as(SQL).fetch_all(c).await).expect("count jobs");
        rows.into_iter().map(|(queue, status, count)| ((queue, status), count)).collect()
    }

    async fn requests(&mut self) -> Vec<RequestRow> {
        const SQL: &str = "SELECT r.number, r.description, p.telegram_id, a.telegram_id FROM requests r \
                           JOIN people p ON p.id = r.resident_id LEFT JOIN people a ON a.id = r.assignee_id \
                           ORDER BY r.number";
        let rows: Vec<(i64, String, i64, Option<i64>)> =
            on_db!(self, |c| sqlx::query_as(SQL).fetch_all(c).await).expect("read the requests");
        rows.into_iter()
            .map(|(number, description, resident, assignee)| RequestRow { number, description, resident, assignee })
            .collect()
    }
}

/// The seed of a run: `CRASH_SEED` when set, to replay a run, otherwise
/// taken from the clock so that runs differ.
fn seed() -> u64 {
    match std::env::var("CRASH_SEED") {
        Ok(seed) => seed.parse().expect("CRASH_SEED is a number"),
        Err(_) => SystemTime::now().duration_since(UNIX_EPOCH).map_or(1, |d| d.as_nanos() as u64),
    }
}

/// The generator for `stream` (the kills, or one slot of residents) of the
/// run with `seed`, so that a run's choices follow from its seed.
fn seeded(seed: u64, stream: u64) -> Rng {
    Rng::with_seed(seed.wrapping_add(stream))
}

/// A duration of `low` to `high` milliseconds, `high` excluded.
fn between_ms(rng: &mut Rng, low: u64, high: u64) -> Duration {
    Duration::from_millis(rng.u64(low..high))
}

use crate::support::on_both_backends;

on_both_backends!(
    no_report_is_lost_or_doubled_across_twenty_kills,
    #[ignore = "the long run, about three minutes: cargo test --test it crash -- --ignored"]
    no_report_is_lost_or_doubled_across_a_hundred_kills,
);

#[test]
fn the_random_delays_stay_in_their_range_and_follow_the_seed() {
    let mut first = seeded(42, 0);
    let delays: Vec<Duration> = (0..1_000).map(|_| between_ms(&mut first, 200, 2_000)).collect();
    assert!(delays.iter().all(|d| *d >= Duration::from_millis(200) && *d < Duration::from_millis(2_000)));
    assert!(
        delays.iter().any(|d| *d < Duration::from_millis(400))
            && delays.iter().any(|d| *d > Duration::from_millis(1_800))
    );
    let mut again = seeded(42, 0);
    assert!(delays.iter().all(|d| *d == between_ms(&mut again, 200, 2_000)));
    assert_ne!(seeded(42, 1).u64(..), seeded(42, 0).u64(..), "streams differ");
}
