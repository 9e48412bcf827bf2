//! The outage storm of issue #27: residents of one estate report the same
//! problem within a few minutes, each through the whole report flow (and
//! "Me too" when the bot offers an open request like theirs), while a notice
//! to every household is being sent; the emulator refuses, as Telegram does,
//! more than 30 messages a second and more than one a second to a chat.
//!
//! It runs against the desk and against a bare teloxide bot whose sends go
//! through teloxide's `Throttle` ([`crate::peer`]), which answers each step
//! with a next question and sends the notice through the same `Throttle`:
//! the same limits, served in the order asked.

use std::collections::{HashMap, HashSet};
use std::path::Path;
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use community_desk::domain::{Phone, TelegramId};
use community_desk::store::{BindOutcome, Store};
use tokio::task::JoinSet;

use crate::broadcast;
use crate::proc::{ChildGuard, Database};
use crate::telegram::{self, Expect, Reply, Telegram};

/// The admin who sends the notice, outside every range of residents.
pub const ADMIN_ID: i64 = 6_000_000;
/// Telegram ids of the liaisons of the storm's buildings.
const LIAISON_BASE: i64 = 7_000_000;
const PEOPLE_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan/people.csv");
const NOTICE: &str = "Water is off today in every building while the main is repaired.";
/// The p99 the issue asks for, from a resident's update to their next question.
pub const TARGET_P99: Duration = Duration::from_millis(1500);

/// The sizes of one storm.
#[derive(Clone, Copy, Debug)]
pub struct Plan {
    pub residents: usize,
    /// The residents start their reports spread over this window.
    pub window: Duration,
    pub households: usize,
}

/// Who answers.
pub enum Peer<'a> {
    Desk(&'a Path),
    Throttle,
}

/// What one storm showed.
#[derive(Debug, Default)]
pub struct Figures {
    pub latencies: Vec<Duration>,
    pub timeouts: usize,
    pub residents: usize,
    pub followed: usize,
    pub copies: usize,
    pub notice_span: Duration,
    /// The most new messages any liaison received, and the most edits.
    pub liaison_messages: u64,
    pub liaison_edits: u64,
    pub liaisons: usize,
    /// The most new messages in any sliding second, and how many such
    /// seconds held more than 30.
    pub most_in_a_second: usize,
    pub seconds_over: usize,
    pub rate_limited: u64,
    pub rate_limited_chat: u64,
    pub warnings: usize,
}

impl Figures {
    /// Residents who reported a problem of their own (no offer, or "Mine is
    /// different"): each is a request, with a card of its own.
    pub fn reported(&self) -> usize {
        self.residents - self.timeouts - self.followed
    }

    pub fn percentile(&self, p: f64) -> Duration {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 * p).ceil() as usize).clamp(1, sorted.len().max(1)) - 1;
        sorted.get(index).copied().unwrap_or_default()
    }
}

pub async fn run(peer: Peer<'_>, desk: &Path, plan: Plan, bot_log: Option<&str>) -> anyhow::Result<Figures> {
    let db = Database::sqlite("storm")?;
    // The directory with its people, so that each building has a liaison.
    let mut import = Command::new(desk);
    import.args(["import", crate::UNITS_CSV, PEOPLE_CSV]).env("DATABASE_URL", &db.url).current_dir(db.dir.path());
    crate::proc::run_with_timeout("community-desk import", import, Duration::from_secs(120))?;
    let ids = broadcast::seed(&db.url, plan.households).await?;
    let residents: Vec<i64> = ids.iter().copied().take(plan.residents).collect();
    let liaisons = bind_liaisons(&db.url, &residents).await?;
    println!("  {} households, {} residents reporting, {} liaisons", ids.len(), residents.len(), liaisons.len());
    let bot_api = Arc::new(Telegram::start_with(true).await?);
    let mut bot = match peer {
        Peer::Desk(exe) => crate::spawn_desk(exe, &db, &bot_api, bot_log, Some(ADMIN_ID))?,
        Peer::Throttle => spawn_peer(&bot_api, ids.len())?,
    };
    crate::wait_ready(&mut bot, &bot_api).await?;
    bot_api.record_notices(ADMIN_ID);
    bot_api.record_sends();
    match peer {
        Peer::Desk(_) => send_notice(&bot_api, &mut bot).await?,
        Peer::Throttle => _ = bot_api.offer(telegram::text_message(ADMIN_ID, "/broadcast")),
    }
    let started = Instant::now();
    let mut storm = JoinSet::new();
    for (n, id) in residents.iter().copied().enumerate() {
        let bot_api = bot_api.clone();
        let at = started + plan.window.mul_f64(n as f64 / plan.residents as f64);
        storm.spawn(async move {
            tokio::time::sleep_until(at.into()).await;
            resident(&bot_api, id, n % 5 != 0).await
        });
    }
    let mut figures = Figures { residents: residents.len(), ..Figures::default() };
    while let Some(done) = storm.join_next().await {
        let (latencies, timeouts, followed) = done.context("a resident's task")?;
        figures.latencies.extend(latencies);
        figures.timeouts += timeouts;
        figures.followed += usize::from(followed);
    }
    // The rest of the notice, bounded: at 30 a second, and a minute more.
    let deadline = Instant::now() + Duration::from_secs_f64(ids.len() as f64 / 30.0 + 60.0);
    while bot_api.notice_copy_count() < ids.len() && Instant::now() < deadline {
        bot.check_alive()?;
        tokio::time::sleep(Duration::from_millis(500)).await;
    }
    tokio::time::sleep(Duration::from_secs(2)).await;
    bot.check_alive()?;
    let copies = bot_api.notice_copies();
    figures.copies = copies.len();
    let times = copies.iter().map(|(_, at)| *at);
    if let (Some(first), Some(last)) = (times.clone().min(), times.max()) {
        figures.notice_span = last - first;
    }
    let sends = bot_api.sends();
    let seconds = broadcast::analyse(&sends.messages, &HashSet::new(), broadcast::TELEGRAM_RATE as usize);
    figures.most_in_a_second = seconds.sliding_max;
    figures.seconds_over = seconds.windows_over_limit;
    let mut to_liaison: HashMap<i64, u64> = HashMap::new();
    for (chat, _) in &sends.messages {
        if liaisons.contains(chat) {
            *to_liaison.entry(*chat).or_default() += 1;
        }
    }
    figures.liaisons = to_liaison.len();
    figures.liaison_messages = to_liaison.values().copied().max().unwrap_or(0);
    figures.liaison_edits = liaisons.iter().filter_map(|chat| sends.edits.get(chat)).copied().max().unwrap_or(0);
    let stats = bot_api.stats();
    figures.rate_limited = stats.rate_limited;
    figures.rate_limited_chat = stats.rate_limited_chat;
    figures.warnings = bot.log_problems();
    Ok(figures)
}

/// The storm against the desk and against the `Throttle` peer, side by side.
pub async fn benchmark(plan: Plan, skip_peer: bool, bot_log: Option<&str>) -> anyhow::Result<()> {
    let desk = crate::desk_binary()?;
    println!(
        "storm: {} residents of one estate report within {:?} while a notice goes to {} households; \
         the emulator refuses over 30 messages a second and over one a second per chat",
        plan.residents,
        plan.window,
        if plan.households == usize::MAX { "all".to_string() } else { plan.households.to_string() }
    );
    println!("\n== community-desk ==");
    let ours = run(Peer::Desk(&desk), &desk, plan, bot_log).await;
    let theirs = if skip_peer {
        None
    } else {
        println!("\n== bare teloxide bot behind Throttle ==");
        Some(run(Peer::Throttle, &desk, plan, None).await)
    };
    let columns: Vec<(&str, &anyhow::Result<Figures>)> =
        [("community-desk", Some(&ours)), ("teloxide Throttle", theirs.as_ref())]
            .into_iter()
            .filter_map(|(name, figures)| figures.map(|f| (name, f)))
            .collect();
    for (name, figures) in &columns {
        if let Err(error) = figures {
            println!("{name} failed: {error:#}");
        }
    }
    let rows: [(&str, String, &Cell); 8] = [
        ("p99 update to next question", format!("< {}", ms(TARGET_P99)), &|f| ms(f.percentile(0.99))),
        ("p50 / max", String::new(), &|f| format!("{} / {}", ms(f.percentile(0.5)), ms(f.percentile(1.0)))),
        ("updates answered (residents unfinished)", String::new(), &|f| {
            format!("{} ({})", f.latencies.len(), f.timeouts)
        }),
        ("residents: Me too / own report", String::new(), &|f| format!("{} / {}", f.followed, f.reported())),
        ("most messages to one liaison (edits)", "1 card a request".into(), &|f| {
            format!("{} ({}) of {} liaisons", f.liaison_messages, f.liaison_edits, f.liaisons)
        }),
        ("most messages in any second (seconds over)", "<= 30".into(), &|f| {
            format!("{} ({})", f.most_in_a_second, f.seconds_over)
        }),
        ("refused with 429 by the double (a chat's second in a second)", String::new(), &|f| {
            format!("{} ({})", f.rate_limited, f.rate_limited_chat)
        }),
        ("notice copies / first to last", String::new(), &|f| {
            format!("{} / {:.0} s", f.copies, f.notice_span.as_secs_f64())
        }),
    ];
    println!("\n== storm results ==\n");
    print!("{:<44} {:<18}", "figure", "target");
    for (name, _) in &columns {
        print!(" {name:<28}");
    }
    println!();
    for (figure, target, value) in &rows {
        print!("{figure:<44} {target:<18}");
        for (_, figures) in &columns {
            let cell = figures.as_ref().map_or_else(|_| "failed".to_string(), value);
            print!(" {cell:<28}");
        }
        println!();
    }
    Ok(())
}

fn ms(d: Duration) -> String {
    format!("{:.0} ms", d.as_secs_f64() * 1000.0)
}

/// How a figure of the table is read from a storm's figures.
type Cell = dyn Fn(&Figures) -> String;

/// Binds the liaison of each building the residents live in to a Telegram
/// account, as sharing their phone does; returns their chats.
async fn bind_liaisons(url: &str, residents: &[i64]) -> anyhow::Result<HashSet<i64>> {
    let store = Store::connect(url).await.context("open the database to bind liaisons")?;
    let mut tx = store.begin().await?;
    let units = tx.units().await?;
    let mut buildings = HashSet::new();
    for id in residents {
        let person = tx.person_by_telegram(TelegramId(*id)).await?.context("a seeded resident")?;
        let home = tx.resident(person.id).await?.context("a seeded resident's home")?;
        let code = units.iter().find(|unit| unit.id == home.building).and_then(|unit| unit.code.as_ref());
        buildings.extend(code.map(ToString::to_string));
    }
    let people = std::fs::read_to_string(PEOPLE_CSV).with_context(|| format!("read {PEOPLE_CSV}"))?;
    let mut chats = HashSet::new();
    for (n, fields) in people.lines().map(|line| line.split(',').collect::<Vec<_>>()).enumerate() {
        if fields.len() < 4 || fields[2] != "liaison" || !buildings.contains(fields[3]) {
            continue;
        }
        let chat = LIAISON_BASE + n as i64;
        let person = tx.touch_person(TelegramId(chat), Some("Liaison"), None, 0).await?;
        let phone = Phone::parse(fields[1]).map_err(|e| anyhow::anyhow!("a liaison's phone: {e}"))?;
        let bound = tx.bind_phone(person.id, &phone).await?;
        anyhow::ensure!(matches!(bound, BindOutcome::Bound { .. }), "the liaison of {} could not bind", fields[3]);
        chats.insert(chat);
    }
    tx.commit().await?;
    store.close().await;
    Ok(chats)
}

/// The admin's `/broadcast` to the whole community, as `broadcast.rs` sends it.
async fn send_notice(bot_api: &Telegram, bot: &mut ChildGuard) -> anyhow::Result<()> {
    let units =
        broadcast::step(bot_api, bot, Expect::Button("n:u:"), telegram::text_message(ADMIN_ID, "/broadcast"), "units")
            .await?;
    let community = units.buttons.iter().find(|b| b.starts_with("n:u:")).context("no unit button")?.clone();
    let press = telegram::callback_query(ADMIN_ID, &community, units.message_id);
    broadcast::step(bot_api, bot, Expect::AnyText, press, "the request for the text").await?;
    let text = telegram::text_message(ADMIN_ID, NOTICE);
    let preview = broadcast::step(bot_api, bot, Expect::Button("n:send"), text, "the preview").await?;
    bot_api.offer(telegram::callback_query(ADMIN_ID, "n:send", preview.message_id));
    Ok(())
}

/// Starts `loadgen storm-peer`, the bare teloxide bot behind `Throttle`.
fn spawn_peer(bot_api: &Telegram, households: usize) -> anyhow::Result<ChildGuard> {
    let me = std::env::current_exe().context("find the loadgen executable")?;
    let mut command = Command::new(me);
    command.args(["storm-peer", "--households", &households.to_string()]);
    command.env_remove("RUST_LOG").env("TELOXIDE_TOKEN", "123456:LOADGEN").env("TELOXIDE_API_URL", bot_api.url());
    let log = std::env::temp_dir().join(format!("loadgen-peer-{}.log", std::process::id()));
    ChildGuard::spawn("storm peer", command, log)
}

/// How long a resident takes to read a question and answer it: a second and
/// a half to two and a half, by who they are.
fn think(id: i64) -> Duration {
    Duration::from_millis(1500 + (id * 7919).rem_euclid(1000) as u64)
}

/// One resident's report: returns the latency of each answered update, the
/// updates left unanswered and whether they pressed "Me too".
async fn resident(bot_api: &Telegram, id: i64, me_too: bool) -> (Vec<Duration>, usize, bool) {
    let mut latencies = Vec::new();
    // Each update is offered after the resident read the question before it.
    let mut ask = async |update: serde_json::Value, expect: Expect| -> Option<Reply> {
        tokio::time::sleep(think(id)).await;
        let answer = bot_api.expect(id, expect);
        let offered = bot_api.offer(update);
        match tokio::time::timeout(crate::load::STEP_TIMEOUT, answer).await {
            Ok(Ok(reply)) => {
                latencies.push(reply.at.saturating_duration_since(offered));
                Some(reply)
            }
            _ => {
                bot_api.forget(id);
                None
            }
        }
    };
    let press = |reply: &Reply, prefix: &str| {
        let data = reply.buttons.iter().find(|b| b.starts_with(prefix))?;
        Some(telegram::callback_query(id, data, reply.message_id))
    };
    let mut followed = false;
    let finished = async {
        let categories = ask(telegram::text_message(id, "/new"), Expect::Button("d:cat:")).await?;
        let offer = ask(press(&categories, "d:cat:property")?, Expect::Either("r:", "d:desc-done")).await?;
        if me_too && offer.buttons.iter().any(|b| b.starts_with("r:")) {
            ask(press(&offer, "r:")?, Expect::Plain).await?;
            followed = true;
            return Some(());
        }
        if !offer.buttons.iter().any(|b| b.starts_with("d:desc-done")) {
            // Not theirs: the question for the description follows the offer.
            let answer = bot_api.expect(id, Expect::Button("d:desc-done"));
            tokio::time::timeout(crate::load::STEP_TIMEOUT, answer).await.ok()?.ok()?;
        }
        let text = telegram::text_message(id, "No water since this morning");
        let described = ask(text, Expect::Button("d:desc-done")).await?;
        let urgency = ask(press(&described, "d:desc-done")?, Expect::Button("d:urg:")).await?;
        let confirm = ask(press(&urgency, "d:urg:normal")?, Expect::Button("d:ok")).await?;
        ask(press(&confirm, "d:ok")?, Expect::AnyText).await?;
        Some(())
    }
    .await
    .is_some();
    (latencies, usize::from(!finished), followed)
}
