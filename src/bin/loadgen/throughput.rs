//! Max throughput and fixed rate: the desk on each backend under load,
//! beside its floors (the echo bots), and their rows in the table.

use std::path::Path;
use std::sync::Arc;

use anyhow::Context;

use crate::desk::{import_units, spawn_desk, spawn_echo, wait_ready};
use crate::load::{self, Flow, Identities, LoadResult, Shape};
use crate::proc::{self, Database, Usage};
use crate::report::{Row, Table, Verdict};
use crate::telegram::Telegram;
use crate::{Cli, Plan, Scenario};

const TARGET_RATE: f64 = 1000.0;
const TARGET_ECHO_SHARE: f64 = 0.5;
const TARGET_P99_MS: f64 = 20.0;

/// Runs the floors and the desk on SQLite and on PostgreSQL (each unless
/// told not to) and adds their rows to `table`.
pub async fn run(desk: &Path, plan: &Plan, codes: &[String], cli: &Cli, table: &mut Table) {
    let (echo, durable) = if cli.skip_floors {
        println!("\n== the echo bot and the durable echo bot: skipped (--skip-floors) ==");
        (None, None)
    } else {
        println!("\n== echo bot (the floor) ==");
        let echo = run_floor(Target::Echo, "echo bot", plan, codes, cli).await;
        println!("\n== durable echo bot (the floor with one SQLite commit per update) ==");
        let durable = match Database::sqlite("durable-echo") {
            Ok(db) => run_floor(Target::DurableEcho(&db), "durable echo bot", plan, codes, cli).await,
            Err(error) => {
                println!("durable echo bot failed: {error:#}");
                None
            }
        };
        (echo, durable)
    };
    if let Some(echo) = &echo {
        rows(table, "echo", echo, &Floors::default(), plan);
    }
    if let Some(durable) = &durable {
        rows(table, "echo+db", durable, &Floors { echo: echo.as_ref(), ..Floors::default() }, plan);
    }

    let (sqlite, calls) = if cli.skip_sqlite {
        println!("\n== community-desk on SQLite: skipped (--skip-sqlite) ==");
        skipped(table, "sqlite", "skipped (--skip-sqlite)");
        (None, None)
    } else {
        println!("\n== community-desk on SQLite ==");
        let sqlite = match Database::sqlite("sqlite") {
            Ok(db) => run_bot(Target::Desk(desk), plan, Some(&db), codes, cli).await,
            Err(error) => Err(error),
        };
        // The third floor needs the desk's own count of calls an update, so
        // it runs after the desk on SQLite and before its rows are set
        // against it.
        let calls = match &sqlite {
            Ok(desk) if !cli.skip_floors => {
                let calls = calls_per_update(desk);
                println!("\n== echo bot answering with {calls:.2} Bot API calls an update, as the desk did ==");
                run_floor(Target::CallsEcho(calls), "echo bot with the desk's calls", plan, codes, cli).await
            }
            _ => None,
        };
        (Some(sqlite), calls)
    };
    if let Some(calls) = &calls {
        rows(table, "echo+calls", calls, &Floors { echo: echo.as_ref(), ..Floors::default() }, plan);
    }
    let floors = Floors { echo: echo.as_ref(), durable: durable.as_ref(), calls: calls.as_ref() };
    match sqlite {
        Some(Ok(figures)) => rows(table, "sqlite", &figures, &floors, plan),
        Some(Err(error)) => failed(table, "sqlite", &format!("{error:#}")),
        None => {}
    }

    if cli.skip_postgres {
        println!("\n== community-desk on PostgreSQL: skipped (--skip-postgres) ==");
        skipped(table, "postgres", "skipped (--skip-postgres)");
    } else {
        println!("\n== community-desk on PostgreSQL ==");
        match Database::postgres("desk", &cli.postgres_url).await {
            Err(error) => {
                println!("PostgreSQL at {} is unreachable, skipped: {error:#}", cli.postgres_url);
                skipped(table, "postgres", "skipped: PostgreSQL unreachable");
            }
            Ok(db) => match run_bot(Target::Desk(desk), plan, Some(&db), codes, cli).await {
                Ok(figures) => rows(table, "postgres", &figures, &floors, plan),
                Err(error) => failed(table, "postgres", &format!("{error:#}")),
            },
        }
    }
}

/// The bot under test.
enum Target<'a> {
    Desk(&'a Path),
    Echo,
    DurableEcho(&'a Database),
    /// The echo bot answering with this many Bot API calls an update.
    CallsEcho(f64),
}

/// The floors a bot's figures are set against: the echo bot, the echo bot
/// that commits every update first, and the echo bot that answers with as
/// many Bot API calls as the desk.
#[derive(Default, Clone, Copy)]
pub struct Floors<'a> {
    pub echo: Option<&'a BotFigures>,
    pub durable: Option<&'a BotFigures>,
    pub calls: Option<&'a BotFigures>,
}

/// What one bot did in both load phases.
pub struct BotFigures {
    pub closed: LoadResult,
    pub closed_usage: (Usage, Usage),
    /// Bot API calls made to answer the closed loop's updates
    /// ([`answering_calls`]), warm-up included.
    pub closed_calls: u64,
    pub open: LoadResult,
    pub open_usage: (Usage, Usage),
    pub warnings: usize,
}

async fn run_bot(
    target: Target<'_>,
    plan: &Plan,
    db: Option<&Database>,
    codes: &[String],
    cli: &Cli,
) -> anyhow::Result<BotFigures> {
    let telegram = Arc::new(Telegram::start().await?);
    let (mut bot, flow) = match target {
        Target::Desk(exe) => {
            let db = db.context("the desk needs a database")?;
            import_units(exe, db)?;
            let bot = spawn_desk(exe, db, &telegram, cli.bot_log.as_deref(), None)?;
            (bot, Flow::Desk { buildings: Arc::new(codes.to_vec()) })
        }
        Target::Echo => (spawn_echo(&telegram, &[])?, Flow::Echo),
        Target::DurableEcho(db) => (spawn_echo(&telegram, &["--durable", &db.url])?, Flow::Echo),
        Target::CallsEcho(calls) => (spawn_echo(&telegram, &["--calls", &calls.to_string()])?, Flow::Echo),
    };
    wait_ready(&mut bot, &telegram).await?;
    let identities = Arc::new(Identities::fresh(10_000_000));

    settle(cli, db).await;
    let before = proc::usage(bot.pid())?;
    let calls_before = answering_calls(&telegram);
    let closed = load::run(
        telegram.clone(),
        Shape { flow: flow.clone(), residents: plan.residents, warmup: plan.warmup, measure: plan.measure, rate: None },
        identities.clone(),
    )
    .await;
    bot.check_alive()?;
    let after = proc::usage(bot.pid())?;
    let closed_calls = answering_calls(&telegram) - calls_before;
    print_phase("closed loop", &closed, &before, &after);

    settle(cli, db).await;
    let open = load::run(
        telegram.clone(),
        Shape {
            flow,
            residents: plan.open_residents,
            warmup: plan.warmup,
            measure: plan.measure,
            rate: Some(plan.rate),
        },
        identities,
    )
    .await;
    bot.check_alive()?;
    let end = proc::usage(bot.pid())?;
    print_phase(&format!("open loop {}/s", plan.rate), &open, &after, &end);
    let seen = telegram.stats();
    let (unawaited, missed) = telegram.unawaited();
    println!(
        "  the emulator saw {} getUpdates, {} messages sent ({unawaited} not awaited, {missed} events missed), \
         {} edits, {} callback answers, {} other",
        seen.get_updates, seen.messages_sent, seen.edits, seen.callback_answers, seen.other
    );
    let warnings = bot.log_problems();
    if warnings > 0 {
        println!("  the bot logged {warnings} WARN/ERROR lines; the last ones:\n{}", bot.log_tail(5));
    }
    Ok(BotFigures { closed, closed_usage: (before, after), closed_calls, open, open_usage: (after, end), warnings })
}

/// Runs one of the floors; a floor that fails leaves its rows out and says
/// why.
async fn run_floor(target: Target<'_>, name: &str, plan: &Plan, codes: &[String], cli: &Cli) -> Option<BotFigures> {
    match run_bot(target, plan, None, codes, cli).await {
        Ok(figures) => Some(figures),
        Err(error) => {
            println!("{name} failed: {error:#}");
            None
        }
    }
}

/// Writes back what the phases before left unwritten, unless told not to,
/// and says how much of the page cache was dirty.
async fn settle(cli: &Cli, db: Option<&Database>) {
    let dirty = proc::dirty_mib();
    if cli.no_settle {
        println!("  {dirty:.1} MiB of the page cache dirty; not written back (--no-settle)");
        return;
    }
    let postgres = db.map(|db| db.url.as_str()).filter(|url| url.starts_with("postgres"));
    match proc::settle_writeback(postgres).await {
        Ok(took) => println!(
            "  {}wrote back {dirty:.1} MiB of dirty page cache: {:.2} s",
            if postgres.is_some() { "checkpointed, " } else { "" },
            took.as_secs_f64()
        ),
        Err(error) => println!("  could not write back what the last phase left: {error:#}"),
    }
}

fn print_phase(name: &str, r: &LoadResult, before: &Usage, after: &Usage) {
    println!(
        "  {name}: {:.0} updates/s, p50 {:.2} ms, p99 {:.2} ms, max {:.1} ms, {} answered, {} identities, \
         {} timeouts, {} missing buttons; bot CPU {:.2} s, peak {:.1} MiB",
        r.rate,
        r.p50_ms,
        r.p99_ms,
        r.max_ms,
        r.answered,
        r.identities,
        r.timeouts,
        r.missing_buttons,
        after.cpu_secs - before.cpu_secs,
        after.peak_mib
    );
}

/// The calls that carry a bot's answers: messages sent, messages edited and
/// button presses answered. Each is an HTTP request the bot makes and the
/// emulator serves, whatever the bot stores.
fn answering_calls(telegram: &Telegram) -> u64 {
    let stats = telegram.stats();
    stats.messages_sent + stats.edits + stats.callback_answers
}

fn failed(table: &mut Table, backend: &str, why: &str) {
    let first_line = why.lines().next().unwrap_or(why);
    table.push(Row::figure(Scenario::Throughput, backend, "run failed", first_line.into(), "", Verdict::Fail));
}

fn skipped(table: &mut Table, backend: &str, why: &str) {
    table.push(Row::figure(Scenario::Throughput, backend, why, String::new(), "", Verdict::Info));
}

/// The rows of one bot; `backend` is `echo`, `echo+db` (the durable
/// echo bot) or the desk's backend.
fn rows(table: &mut Table, backend: &str, f: &BotFigures, floors: &Floors<'_>, plan: &Plan) {
    let desk = !backend.starts_with("echo");
    let echo = floors.echo;
    let (c, o) = (&f.closed, &f.open);
    let t = Scenario::Throughput;
    let rate_target = if backend == "sqlite" { format!(">= {TARGET_RATE:.0}/s") } else { String::new() };
    let rate_verdict = if backend == "sqlite" { Verdict::check(c.rate >= TARGET_RATE) } else { Verdict::Info };
    let label = format!("updates/s ({} residents)", plan.residents);
    table.push(Row::figure(t, backend, &label, format!("{:.0}", c.rate), &rate_target, rate_verdict));
    if let (true, Some(echo)) = (desk, echo) {
        let share = c.rate / echo.closed.rate.max(1e-9);
        table.push(Row::figure(
            t,
            backend,
            "rate desk/echo",
            format!("{share:.2}"),
            &format!(">= {TARGET_ECHO_SHARE:.2}"),
            Verdict::check(share >= TARGET_ECHO_SHARE),
        ));
    }
    // Context for the target above: the durable floor's own share of the
    // echo bot's rate, and the desk's share of the durable floor's.
    let (floor, floor_name) =
        if desk { (floors.durable, "echo+db") } else { (echo.filter(|_| backend != "echo"), "echo") };
    if let Some(floor) = floor {
        let share = c.rate / floor.closed.rate.max(1e-9);
        let figure = format!("rate {}/{floor_name}", if desk { "desk" } else { backend });
        table.push(Row::figure(t, backend, &figure, format!("{share:.2}"), "", Verdict::Info));
    }
    // And against the echo bot that answers with as many calls as the
    // desk: what is left of the gap once the calls are paid for.
    if desk && let Some(calls) = floors.calls {
        let share = c.rate / calls.closed.rate.max(1e-9);
        table.push(Row::figure(t, backend, "rate desk/echo+calls", format!("{share:.2}"), "", Verdict::Info));
    }
    // More context: how many calls the bot makes to answer an update,
    // and the rate of those calls against the echo bot's, which counts
    // the work of answering rather than the updates answered.
    let calls = calls_per_update(f);
    table.push(Row::figure(t, backend, "Bot API calls per update", format!("{calls:.2}"), "", Verdict::Info));
    if backend != "echo"
        && let Some(echo) = echo
    {
        let share = c.rate * calls / (echo.closed.rate * calls_per_update(echo)).max(1e-9);
        let figure = format!("calls/s {}/echo", if desk { "desk" } else { backend });
        table.push(Row::figure(t, backend, &figure, format!("{share:.2}"), "", Verdict::Info));
    }
    table.push(Row::figure(t, backend, "p50 latency", ms(c.p50_ms), "", Verdict::Info));
    table.push(Row::figure(t, backend, "p99 latency", ms(c.p99_ms), "", Verdict::Info));
    let cpu = f.closed_usage.1.cpu_secs - f.closed_usage.0.cpu_secs;
    let per_update = cpu_ms_per_update(f.closed_usage, c);
    table.push(Row::figure(
        t,
        backend,
        "bot CPU (s) / per update",
        format!("{cpu:.2} s / {per_update:.3} ms"),
        "",
        Verdict::Info,
    ));
    if let (true, Some(echo)) = (backend != "echo", echo) {
        let ratio = per_update / cpu_ms_per_update(echo.closed_usage, &echo.closed).max(1e-9);
        let figure = format!("CPU per update {}/echo", if desk { "desk" } else { backend });
        table.push(Row::figure(t, backend, &figure, format!("{ratio:.1}"), "", Verdict::Info));
    }
    table.push(Row::figure(
        t,
        backend,
        "bot peak RSS (VmHWM)",
        format!("{:.1} MiB", f.open_usage.1.peak_mib),
        "",
        Verdict::Info,
    ));
    let fixed = Scenario::FixedRate;
    let p99_target = if desk { format!("< {TARGET_P99_MS:.0} ms") } else { String::new() };
    let p99_verdict = if desk { Verdict::check(o.p99_ms < TARGET_P99_MS) } else { Verdict::Info };
    table.push(Row::figure(fixed, backend, "achieved updates/s", format!("{:.0}", o.rate), "", Verdict::Info));
    table.push(Row::figure(fixed, backend, "p50 latency", ms(o.p50_ms), "", Verdict::Info));
    table.push(Row::figure(fixed, backend, "p99 latency", ms(o.p99_ms), &p99_target, p99_verdict));
    if let (true, Some(echo)) = (desk, echo) {
        let ratio = o.p99_ms / echo.open.p99_ms.max(1e-9);
        table.push(Row::figure(fixed, backend, "p99 desk/echo", format!("{ratio:.1}"), "", Verdict::Info));
    }
    let errors = c.timeouts + c.missing_buttons + o.timeouts + o.missing_buttons;
    if errors > 0 || f.warnings > 0 {
        table.push(Row::figure(
            t,
            backend,
            "unanswered updates / bot warnings",
            format!("{errors} / {}", f.warnings),
            "0",
            Verdict::check(errors == 0),
        ));
    }
}

fn ms(value: f64) -> String {
    format!("{value:.2} ms")
}

/// CPU milliseconds the bot spent per answered update in a phase.
fn cpu_ms_per_update(figures: (Usage, Usage), result: &LoadResult) -> f64 {
    (figures.1.cpu_secs - figures.0.cpu_secs) * 1000.0 / result.answered_total.max(1) as f64
}

/// Bot API calls the bot made per answered update in the closed loop: the
/// echo bot makes one; the desk answers a button with the next question, an
/// edit that takes the pressed buttons away and the answer to the press.
pub fn calls_per_update(f: &BotFigures) -> f64 {
    f.closed_calls as f64 / f.closed.answered_total.max(1) as f64
}
