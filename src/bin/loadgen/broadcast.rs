//! Notices at the limit: an admin's `/broadcast` to every registered
//! household, sent by the real bot at its default pacing (Telegram's ~30
//! messages a second), timed by when each copy reaches the emulator.

use std::collections::HashSet;
use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use chrono::Utc;
use community_desk::domain::{TelegramId, UnitLevel};
use community_desk::store::Store;
use tokio::sync::oneshot;

use crate::Scenario;
use crate::desk::{import_units, spawn_desk, wait_ready};
use crate::proc::{self, ChildGuard, Database};
use crate::report::{Row, Table, Verdict};
use crate::telegram::{self, Expect, Reply, Telegram};

/// Telegram's limit for messages to different chats, which the bot's default
/// `DESK_SEND_RATE` is set to.
pub const TELEGRAM_RATE: f64 = 30.0;
/// The share of the limit a broadcast must reach.
pub const TARGET_SHARE: f64 = 0.95;

/// The admin who writes the notice; outside every range of seeded residents.
const ADMIN_ID: i64 = 6_000_000;
/// Telegram ids of the seeded households.
pub const HOUSEHOLD_BASE: i64 = 60_000_000;
/// Households registered per seeding transaction.
const BATCH: usize = 500;
/// How long each step of the admin's dialogue may take to be answered.
const STEP_TIMEOUT: Duration = Duration::from_secs(30);
/// How long after the last copy the finished progress message may take, and
/// how long we keep listening for duplicates.
const AFTER_LAST: Duration = Duration::from_secs(10);

const NOTICE: &str = "Water is off tomorrow 9:00–12:00 in every building for pipe repairs.";

/// What the broadcast did, as seen at the emulator.
#[derive(Debug)]
pub struct Figures {
    pub households: usize,
    pub copies: Copies,
    /// From pressing Send to the first copy: the cost of queueing them all.
    pub first_after_send: Duration,
    /// From the last copy to the author's finished progress message.
    pub finished_after_last: Option<Duration>,
    pub bot_cpu_secs: f64,
    pub bot_peak_mib: f64,
    pub warnings: usize,
}

/// The copies' arrival times, reduced to the figures of the table.
#[derive(Debug, Default, PartialEq)]
pub struct Copies {
    pub delivered: usize,
    /// Copies to a chat that already had one.
    pub duplicates: usize,
    /// Seeded households that received nothing.
    pub missing: usize,
    /// Copies to chats that were not seeded.
    pub strays: usize,
    /// From the first copy to the last.
    pub span: Duration,
    /// Copies divided by `span`.
    pub rate: f64,
    /// Copies in consecutive 1-second windows from the first copy, counting
    /// only the windows that end before the last copy (the last one is cut
    /// short and would read low).
    pub full_windows: usize,
    pub window_max: usize,
    pub window_min: usize,
    /// The most copies in any 1-second window `[t, t + 1 s)`, wherever it
    /// starts; it is enough to start one at each copy.
    pub sliding_max: usize,
    /// How many of those sliding windows held more than the limit: one
    /// starts at each copy, so this says how often, not only whether.
    pub windows_over_limit: usize,
    /// The shortest time between two consecutive copies; copies due 34 ms
    /// apart that arrive much closer show jitter between the bot's pacer
    /// and the arrival at the emulator.
    pub min_gap: Duration,
}

impl Copies {
    /// The rows every delivery at Telegram's pace has: each of the
    /// `expected` recipients once (`sent` says what went to whom), and the
    /// rate from the first `copy` to the last: at least [`TARGET_SHARE`] of
    /// Telegram's when the copies had it to themselves (`alone`); otherwise
    /// (answers to people talking to the bot went first) only shown.
    pub fn push_rows(
        &self,
        table: &mut Table,
        scenario: Scenario,
        sent: &str,
        copy: &str,
        expected: usize,
        alone: bool,
    ) {
        let floor = TELEGRAM_RATE * TARGET_SHARE;
        table.push(Row::figure(
            scenario,
            "sqlite",
            sent,
            format!("{} ({} dup, {} missing)", self.delivered, self.duplicates, self.missing + self.strays),
            "each once",
            Verdict::check(self.each_once(expected)),
        ));
        table.push(Row::figure(
            scenario,
            "sqlite",
            &format!("first to last {copy} / achieved rate"),
            format!("{:.1} s / {:.2}/s", self.span.as_secs_f64(), self.rate),
            &if alone { format!(">= {floor:.1}/s") } else { String::new() },
            if alone { Verdict::check(self.rate >= floor) } else { Verdict::Info },
        ));
    }

    /// Every household received exactly one copy, and nobody else any.
    pub fn each_once(&self, households: usize) -> bool {
        self.delivered == households && self.duplicates == 0 && self.missing == 0 && self.strays == 0
    }
}

/// Reduces the logged copies. `expected` are the chats that should have
/// received one each; `limit` is the most allowed in one second.
pub fn analyse(copies: &[(i64, Instant)], expected: &HashSet<i64>, limit: usize) -> Copies {
    let mut seen = HashSet::with_capacity(copies.len());
    let mut figures = Copies { delivered: copies.len(), ..Copies::default() };
    for (chat, _) in copies {
        if !expected.contains(chat) {
            figures.strays += 1;
        } else if !seen.insert(*chat) {
            figures.duplicates += 1;
        }
    }
    figures.missing = expected.len() - seen.len();
    let mut times: Vec<Instant> = copies.iter().map(|(_, at)| *at).collect();
    times.sort_unstable();
    let (Some(&first), Some(&last)) = (times.first(), times.last()) else { return figures };
    figures.span = last - first;
    figures.rate = times.len() as f64 / figures.span.as_secs_f64().max(1e-9);
    let second = Duration::from_secs(1);
    figures.full_windows = (figures.span.as_nanos() / second.as_nanos()) as usize;
    let mut windows = vec![0usize; figures.full_windows];
    for at in &times {
        let index = ((*at - first).as_nanos() / second.as_nanos()) as usize;
        if let Some(count) = windows.get_mut(index) {
            *count += 1;
        }
    }
    figures.window_max = windows.iter().copied().max().unwrap_or(0);
    figures.window_min = windows.iter().copied().min().unwrap_or(0);
    let mut end = 0;
    for (start, at) in times.iter().enumerate() {
        while end < times.len() && times[end] - *at < second {
            end += 1;
        }
        figures.sliding_max = figures.sliding_max.max(end - start);
        figures.windows_over_limit += usize::from(end - start > limit);
    }
    figures.min_gap = times.windows(2).map(|pair| pair[1] - pair[0]).min().unwrap_or_default();
    figures
}

/// Registers `limit` households (all of them when the directory has fewer),
/// one resident each, building by building in the order of the directory,
/// through the library's store so the rows are what the bot itself writes.
/// Returns their Telegram ids.
pub async fn seed(url: &str, limit: usize) -> anyhow::Result<Vec<i64>> {
    let store = Store::connect(url).await.context("open the database to seed households")?;
    let mut tx = store.begin().await.context("begin reading the directory")?;
    let units = tx.units().await.context("read the imported directory")?;
    tx.commit().await.context("end reading the directory")?;
    let mut homes = Vec::new();
    for unit in units.iter().filter(|u| u.level == UnitLevel::Building) {
        let households = unit.households.unwrap_or(0) as usize;
        homes.extend(std::iter::repeat_n(unit.id, households.min(limit - homes.len())));
    }
    anyhow::ensure!(!homes.is_empty(), "the imported directory lists no households");
    let ids: Vec<i64> = (0..homes.len()).map(|i| HOUSEHOLD_BASE + i as i64).collect();
    for (batch, chunk) in homes.chunks(BATCH).enumerate() {
        let mut tx = store.begin().await.context("begin seeding households")?;
        let now = Utc::now().timestamp_millis();
        for (i, building) in chunk.iter().enumerate() {
            let id = ids[batch * BATCH + i];
            let person = tx.touch_person(TelegramId(id), Some("Household"), Some("zh-CN"), now).await?;
            tx.register_resident(person.id, *building, None, now).await?;
        }
        tx.commit().await.context("commit seeded households")?;
    }
    store.close().await;
    Ok(ids)
}

/// Runs the scenario on a fresh SQLite database: seeds `limit` households,
/// starts the bot with its default pacing and an admin, has the admin send a
/// notice to the whole community and times the copies.
pub async fn run(desk: &Path, limit: usize, bot_log: Option<&str>) -> anyhow::Result<Figures> {
    let db = Database::sqlite("broadcast")?;
    import_units(desk, &db)?;
    let started = Instant::now();
    let ids = seed(&db.url, limit).await?;
    println!("  seeded {} households in {:.1} s", ids.len(), started.elapsed().as_secs_f64());
    let expected: HashSet<i64> = ids.iter().copied().collect();

    let bot_api = Arc::new(Telegram::start().await?);
    let mut bot = spawn_desk(desk, &db, &bot_api, bot_log, Some(ADMIN_ID))?;
    wait_ready(&mut bot, &bot_api).await?;

    // The admin's dialogue, as tests/it/console.rs drives it: the unit
    // buttons (the first is the community), the request for the text, the
    // preview with Send.
    let units = step(
        &bot_api,
        &mut bot,
        Expect::Button("n:u:"),
        telegram::text_message(ADMIN_ID, "/broadcast"),
        "the unit buttons",
    )
    .await?;
    let community = units.buttons.iter().find(|b| b.starts_with("n:u:")).context("no unit button")?.clone();
    let press = telegram::callback_query(ADMIN_ID, &community, units.message_id);
    step(&bot_api, &mut bot, Expect::AnyText, press, "the request for the notice's text").await?;
    let preview =
        step(&bot_api, &mut bot, Expect::Button("n:send"), telegram::text_message(ADMIN_ID, NOTICE), "the preview")
            .await?;

    bot_api.record_notices(ADMIN_ID);
    let before = proc::usage(bot.pid())?;
    let pressed = bot_api.offer(telegram::callback_query(ADMIN_ID, "n:send", preview.message_id));
    // At the limit the copies take households / 30 seconds; half as long
    // again and a minute more before we call it stuck.
    let budget = Duration::from_secs_f64(ids.len() as f64 / TELEGRAM_RATE * 1.5 + 60.0);
    let deadline = pressed + budget;
    let mut reported = Instant::now();
    while bot_api.notice_copy_count() < ids.len() {
        bot.check_alive()?;
        if Instant::now() > deadline {
            bail!(
                "only {} of {} copies arrived within {budget:?}; the bot's log:\n{}",
                bot_api.notice_copy_count(),
                ids.len(),
                bot.log_tail(20)
            );
        }
        if reported.elapsed() >= Duration::from_secs(30) {
            println!(
                "  {} of {} copies after {:.0} s",
                bot_api.notice_copy_count(),
                ids.len(),
                pressed.elapsed().as_secs_f64()
            );
            reported = Instant::now();
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // The author's finished message follows the last copy; meanwhile a
    // duplicate (a copy sent again after a lost settle) would still show.
    let last_wait = Instant::now() + AFTER_LAST;
    while bot_api.notice_finished().is_none() && Instant::now() < last_wait {
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    tokio::time::sleep(Duration::from_secs(1)).await;
    bot.check_alive()?;
    let after = proc::usage(bot.pid())?;
    let logged = bot_api.notice_copies();
    let copies = analyse(&logged, &expected, TELEGRAM_RATE as usize);
    let first = logged.iter().map(|(_, at)| *at).min().unwrap_or(pressed);
    let last = logged.iter().map(|(_, at)| *at).max().unwrap_or(pressed);
    Ok(Figures {
        households: ids.len(),
        copies,
        first_after_send: first.saturating_duration_since(pressed),
        finished_after_last: bot_api.notice_finished().map(|at| at.saturating_duration_since(last)),
        bot_cpu_secs: after.cpu_secs - before.cpu_secs,
        bot_peak_mib: after.peak_mib,
        warnings: bot.log_problems(),
    })
}

/// Offers one update of the admin's and waits, bounded, for the answer.
pub async fn step(
    bot_api: &Telegram,
    bot: &mut ChildGuard,
    expect: Expect,
    update: serde_json::Value,
    what: &str,
) -> anyhow::Result<Reply> {
    let rx: oneshot::Receiver<Reply> = bot_api.expect(ADMIN_ID, expect);
    bot_api.offer(update);
    match tokio::time::timeout(STEP_TIMEOUT, rx).await {
        Ok(Ok(reply)) => Ok(reply),
        _ => {
            bot_api.forget(ADMIN_ID);
            bot.check_alive()?;
            bail!("the admin got no {what} within {STEP_TIMEOUT:?}; the bot's log:\n{}", bot.log_tail(20))
        }
    }
}

/// The rows of the broadcast: every household once, at least 95% of
/// Telegram's rate, and never more than the rate in any second.
pub fn rows(f: &Figures, table: &mut Table) {
    let c = &f.copies;
    println!(
        "  {} copies ({} duplicates, {} missing, {} strays) in {:.1} s: {:.2}/s; per 1 s window max {} min {} \
         ({} full windows), sliding max {} ({} windows over the limit), shortest gap {:.1} ms; first copy {:.2} s after Send, finished message {} after the last; \
         bot CPU {:.2} s, peak {:.1} MiB",
        c.delivered,
        c.duplicates,
        c.missing,
        c.strays,
        c.span.as_secs_f64(),
        c.rate,
        c.window_max,
        c.window_min,
        c.full_windows,
        c.sliding_max,
        c.windows_over_limit,
        c.min_gap.as_secs_f64() * 1000.0,
        f.first_after_send.as_secs_f64(),
        f.finished_after_last.map_or("never".to_string(), |d| format!("{:.2} s", d.as_secs_f64())),
        f.bot_cpu_secs,
        f.bot_peak_mib
    );
    if f.warnings > 0 {
        println!("  the bot logged {} WARN/ERROR lines", f.warnings);
    }
    let b = Scenario::Broadcast;
    let limit = TELEGRAM_RATE;
    c.push_rows(table, b, &format!("copies to {} households", f.households), "copy", f.households, true);
    table.push(Row::figure(
        b,
        "sqlite",
        &format!("per second, {} full windows max/min", c.full_windows),
        format!("{} / {}", c.window_max, c.window_min),
        "",
        Verdict::Info,
    ));
    table.push(Row::figure(
        b,
        "sqlite",
        "most in any sliding 1 s window (windows over)",
        format!("{} ({})", c.sliding_max, c.windows_over_limit),
        &format!("<= {limit:.0}"),
        Verdict::check(c.sliding_max as f64 <= limit),
    ));
    table.push(Row::figure(
        b,
        "sqlite",
        "Send to first copy / bot CPU",
        format!("{:.2} s / {:.2} s", f.first_after_send.as_secs_f64(), f.bot_cpu_secs),
        "",
        Verdict::Info,
    ));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn windows_count_copies_per_second_and_find_the_busiest_second() {
        let start = Instant::now();
        let ms = |m: u64| start + Duration::from_millis(m);
        // Ten copies 100 ms apart, then three crowded in at 1.95–2.05 s.
        let mut copies: Vec<(i64, Instant)> = (0..10).map(|i| (i, ms(i as u64 * 100))).collect();
        copies.extend([(10, ms(1950)), (11, ms(2000)), (12, ms(2050)), (12, ms(2100))]);
        let expected: HashSet<i64> = (0..13).collect();
        let figures = analyse(&copies, &expected, 9);
        assert_eq!(figures.delivered, 14);
        assert_eq!((figures.duplicates, figures.missing, figures.strays), (1, 0, 0));
        assert_eq!(figures.span, Duration::from_millis(2100));
        assert_eq!(figures.full_windows, 2);
        assert_eq!((figures.window_max, figures.window_min), (10, 1));
        assert_eq!(figures.sliding_max, 10);
        assert_eq!(figures.windows_over_limit, 1, "only the window from the first copy holds ten");
        assert_eq!(figures.min_gap, Duration::from_millis(50));
        assert!(!figures.each_once(13));
    }
}
