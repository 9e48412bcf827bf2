//! One morning of daily check-ins (issue #26): many residents enrolled with
//! the same hour, whose greetings all fall due at once, sent by the real bot
//! at its default pacing (Telegram's ~30 messages a second) while other
//! residents talk to the bot. Timed by when each greeting reaches the
//! emulator, and by how long the talkers wait for their answers meanwhile.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::{NaiveTime, Utc};
use community_desk::app::checkins;
use community_desk::domain::{TelegramId, UnitId, UnitLevel};
use community_desk::store::Store;
use tokio::sync::Mutex;

use crate::broadcast::{self, Copies, TARGET_SHARE, TELEGRAM_RATE};
use crate::proc::{self, Database};
use crate::report::{Row, Table, Verdict};
use crate::telegram::{self, Expect, Telegram};
use crate::{Scenario, import_units, spawn_desk, wait_ready};

/// Telegram ids of the enrolled residents, then of the talkers.
const RESIDENT_BASE: i64 = 70_000_000;
/// Residents talking to the bot while the greetings go out.
const TALKERS: usize = 20;
/// Rows written per seeding transaction.
const BATCH: usize = 500;
/// The hour every enrolled resident chose.
const HOUR: u32 = 9;
/// How long a talker waits for an answer before counting a timeout: long,
/// so that an answer queued behind the whole morning is still measured.
const ANSWER_TIMEOUT: Duration = Duration::from_secs(600);
/// A talker's pause between an answer and its next message: under the
/// desk's flood limit (20 updates a minute from one person, beyond which
/// updates go unanswered) and above its one message a second per chat.
const TALK_PAUSE: Duration = Duration::from_millis(3500);
/// Makes every pending greeting due now.
const DUE_NOW: &str = "UPDATE jobs SET due_at = 0 WHERE queue = 'timer' AND status = 'pending' \
                       AND payload LIKE '%\"rung\":\"greeting\"%'";
/// The interactive answers' target.
const TARGET_P99: Duration = Duration::from_secs(1);

/// How many residents enrol: all of them in a full run, a smoke run's few.
pub fn residents(quick: bool) -> usize {
    if quick { 300 } else { 10_000 }
}

/// What the morning did, as seen at the emulator.
#[derive(Debug)]
pub struct Figures {
    pub enrolled: usize,
    pub greetings: Copies,
    /// From the bot's start to the first greeting.
    pub first_after_start: Duration,
    /// The talkers' answers while the greetings went out.
    pub answers: Vec<Duration>,
    /// The greetings and the talkers' answers together, as Telegram counts
    /// them against its limit: the most in any sliding second (and how many
    /// such seconds were over the limit), and their rate between the first
    /// and the last greeting.
    pub together_max: usize,
    pub together_over: usize,
    pub together_rate: f64,
    pub timeouts: usize,
    pub bot_cpu_secs: f64,
    pub warnings: usize,
}

impl Figures {
    fn percentile(&self, share: f64) -> Option<Duration> {
        let mut sorted = self.answers.clone();
        sorted.sort_unstable();
        let index = ((sorted.len() as f64 * share).ceil() as usize).checked_sub(1)?;
        sorted.get(index).copied()
    }
}

/// Registers `residents` enrolled residents and [`TALKERS`] who are not,
/// across the directory's buildings, through the library's use cases (so
/// the enrolments and their greeting timers are what `/checkin` writes),
/// then makes every pending greeting due now: the morning hour arrives for
/// all of them at once.
async fn seed(url: &str, residents: usize) -> anyhow::Result<()> {
    let store = Store::connect(url).await.context("open the database to seed residents")?;
    let mut tx = store.begin().await?;
    let units = tx.units().await.context("read the imported directory")?;
    tx.commit().await?;
    let buildings: Vec<UnitId> = units.iter().filter(|u| u.level == UnitLevel::Building).map(|u| u.id).collect();
    anyhow::ensure!(!buildings.is_empty(), "the imported directory has no buildings");
    let hour = NaiveTime::from_hms_opt(HOUR, 0, 0).context("the hour")?;
    let everyone: Vec<usize> = (0..residents + TALKERS).collect();
    for chunk in everyone.chunks(BATCH) {
        let mut tx = store.begin().await?;
        let now = Utc::now();
        for &i in chunk {
            let person =
                tx.touch_person(TelegramId(RESIDENT_BASE + i as i64), Some("Resident"), Some("zh-CN"), 0).await?;
            tx.register_resident(person.id, buildings[i % buildings.len()], None, now.timestamp_millis()).await?;
            if i < residents {
                checkins::turn_on(&mut tx, person.id, hour, now, chrono_tz::Asia::Shanghai)
                    .await?
                    .map_err(|refusal| anyhow::anyhow!("enrolling was refused: {refusal:?}"))?;
            }
        }
        tx.commit().await?;
    }
    let made_due = match &store {
        Store::Sqlite(pool) => sqlx::query(DUE_NOW).execute(pool).await?.rows_affected(),
        Store::Postgres(pool) => sqlx::query(DUE_NOW).execute(pool).await?.rows_affected(),
    };
    store.close().await;
    anyhow::ensure!(made_due as usize == residents, "{made_due} greetings pending for {residents} residents");
    Ok(())
}

/// One talker: `/my` again and again until `stop`, each answer's wait
/// logged.
async fn talk(
    bot_api: Arc<Telegram>,
    id: i64,
    stop: Arc<AtomicBool>,
    answers: Arc<Mutex<Vec<(Instant, Duration)>>>,
) -> usize {
    let mut timeouts = 0;
    while !stop.load(Ordering::Relaxed) {
        let rx = bot_api.expect(id, Expect::AnyText);
        let offered = bot_api.offer(telegram::text_message(id, "/my"));
        match tokio::time::timeout(ANSWER_TIMEOUT, rx).await {
            Ok(Ok(reply)) => answers.lock().await.push((reply.at, reply.at.saturating_duration_since(offered))),
            _ => {
                bot_api.forget(id);
                timeouts += 1;
            }
        }
        tokio::time::sleep(TALK_PAUSE).await;
    }
    timeouts
}

/// Runs the morning on a fresh SQLite database.
pub async fn run(desk: &Path, residents: usize, bot_log: Option<&str>) -> anyhow::Result<Figures> {
    let db = Database::sqlite("morning")?;
    import_units(desk, &db)?;
    let started = Instant::now();
    seed(&db.url, residents).await?;
    println!(
        "  enrolled {residents} residents at {HOUR:02}:00 and {TALKERS} talkers in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    let enrolled: Vec<i64> = (0..residents).map(|i| RESIDENT_BASE + i as i64).collect();
    let expected: HashSet<i64> = enrolled.iter().copied().collect();

    let bot_api = Arc::new(Telegram::start().await?);
    // Every greeting is awaited as the message with the "I'm fine" button.
    let greetings: Vec<_> = enrolled.iter().map(|id| (*id, bot_api.expect(*id, Expect::Button("k:ok")))).collect();
    let launched = Instant::now();
    let mut bot = spawn_desk(desk, &db, &bot_api, bot_log, Some(RESIDENT_BASE - 1))?;
    wait_ready(&mut bot, &bot_api).await?;
    let before = proc::usage(bot.pid())?;

    let stop = Arc::new(AtomicBool::new(false));
    let answers = Arc::new(Mutex::new(Vec::new()));
    let talkers: Vec<_> = (residents..residents + TALKERS)
        .map(|i| tokio::spawn(talk(bot_api.clone(), RESIDENT_BASE + i as i64, stop.clone(), answers.clone())))
        .collect();

    // At the limit the greetings take residents / 30 seconds; half as long
    // again and two minutes more before we call it stuck.
    let budget = Duration::from_secs_f64(residents as f64 / TELEGRAM_RATE * 1.5 + 120.0);
    let deadline = tokio::time::Instant::now() + budget;
    let mut copies = Vec::with_capacity(residents);
    for (id, rx) in greetings {
        match tokio::time::timeout_at(deadline, rx).await {
            Ok(Ok(reply)) => copies.push((id, reply.at)),
            _ => bot_api.forget(id),
        }
        if copies.len() % 2000 == 0 && !copies.is_empty() {
            println!("  {} greetings after {:.0} s", copies.len(), launched.elapsed().as_secs_f64());
        }
    }
    stop.store(true, Ordering::Relaxed);
    let mut timeouts = 0;
    for talker in talkers {
        timeouts += talker.await.unwrap_or(1);
    }
    bot.check_alive()?;
    let after = proc::usage(bot.pid())?;
    let first = copies.iter().map(|(_, at)| *at).min().unwrap_or(launched);
    let last = copies.iter().map(|(_, at)| *at).max().unwrap_or(launched);
    let answered = answers.lock().await.clone();
    let mut together = copies.clone();
    together.extend(answered.iter().map(|(at, _)| (0, *at)));
    let sent = together.iter().filter(|(_, at)| *at >= first && *at <= last).count();
    let limit = TELEGRAM_RATE as usize;
    let both = broadcast::analyse(&together, &expected, limit);
    Ok(Figures {
        enrolled: residents,
        greetings: broadcast::analyse(&copies, &expected, limit),
        first_after_start: first.saturating_duration_since(launched),
        answers: answered.into_iter().map(|(_, waited)| waited).collect(),
        together_max: both.sliding_max,
        together_over: both.windows_over_limit,
        together_rate: sent as f64 / (last - first).as_secs_f64().max(1e-9),
        timeouts,
        bot_cpu_secs: after.cpu_secs - before.cpu_secs,
        warnings: bot.log_problems(),
    })
}

/// The morning's rows: every greeting once, at least 95% of Telegram's rate
/// and never above it in any second, and the talkers' p99 under a second.
pub fn rows(f: &Figures, table: &mut Table) {
    let c = &f.greetings;
    let p50 = f.percentile(0.50);
    let p99 = f.percentile(0.99);
    let max = f.percentile(1.0);
    let secs = |d: Option<Duration>| d.map_or("-".to_string(), |d| format!("{:.2} s", d.as_secs_f64()));
    println!(
        "  {} greetings ({} duplicates, {} missing, {} strays) in {:.1} s: {:.2}/s; sliding max {} ({} windows over \
         the limit); with the talkers' answers {:.2}/s, sliding max {} ({} over); first greeting {:.1} s after \
         the bot started; {} answers to talkers, p50 {} p99 {} max {}, {} timeouts; bot CPU {:.1} s",
        c.delivered,
        c.duplicates,
        c.missing,
        c.strays,
        c.span.as_secs_f64(),
        c.rate,
        c.sliding_max,
        c.windows_over_limit,
        f.together_rate,
        f.together_max,
        f.together_over,
        f.first_after_start.as_secs_f64(),
        f.answers.len(),
        secs(p50),
        secs(p99),
        secs(max),
        f.timeouts,
        f.bot_cpu_secs
    );
    if f.warnings > 0 {
        println!("  the bot logged {} WARN/ERROR lines", f.warnings);
    }
    let m = Scenario::Morning;
    c.push_rows(table, m, &format!("greetings to {} enrolled", f.enrolled), "greeting", f.enrolled, false);
    table.push(Row::figure(
        m,
        "sqlite",
        "with the talkers' answers: rate / most in a sliding 1 s (over)",
        format!("{:.2}/s / {} ({})", f.together_rate, f.together_max, f.together_over),
        &format!(">= {:.1}/s, <= {TELEGRAM_RATE:.0}", TELEGRAM_RATE * TARGET_SHARE),
        Verdict::check(f.together_rate >= TELEGRAM_RATE * TARGET_SHARE && f.together_max as f64 <= TELEGRAM_RATE),
    ));
    table.push(Row::figure(
        m,
        "sqlite",
        &format!("talkers' answers meanwhile: p99 ({} answers, {} timeouts)", f.answers.len(), f.timeouts),
        secs(p99),
        "< 1 s",
        Verdict::check(f.timeouts == 0 && p99.is_some_and(|p| p < TARGET_P99)),
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_are_read_from_the_sorted_answers() {
        let ms = Duration::from_millis;
        let figures = Figures {
            enrolled: 0,
            greetings: Copies::default(),
            first_after_start: Duration::ZERO,
            answers: (1..=100).rev().map(ms).collect(),
            together_max: 0,
            together_over: 0,
            together_rate: 0.0,
            timeouts: 0,
            bot_cpu_secs: 0.0,
            warnings: 0,
        };
        assert_eq!(figures.percentile(0.50), Some(ms(50)));
        assert_eq!(figures.percentile(0.99), Some(ms(99)));
        assert_eq!(figures.percentile(1.0), Some(ms(100)));
        let none = Figures { answers: Vec::new(), ..figures };
        assert_eq!(none.percentile(0.99), None);
    }
}
