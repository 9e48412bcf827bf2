//! `loadgen`: the benchmark of issue #7. It runs the real `community-desk`
//! binary against the project's Bot API emulator served from this process, drives
//! simulated residents through the report flow, and prints every figure next
//! to its target, beside the same figures for a bare teloxide echo bot (the
//! floor: what any teloxide bot costs on this machine).
//!
//! ```sh
//! cargo build --release && cargo run --release --bin loadgen -- --quick
//! ```
//!
//! See BENCHMARKS.md for what each figure means and a recorded run.

mod broadcast;
mod echo;
mod load;
mod morning;
mod peer;
mod proc;
mod report;
mod scale;
mod storm;
mod telegram;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use clap::{Parser, Subcommand};

use load::{Flow, Identities, LoadResult, Shape};
use proc::{ChildGuard, Database, Usage};
use report::{Row, Table, Verdict};
use telegram::Telegram;

/// The example community shipped with the crate; its buildings are where the
/// simulated residents live.
const UNITS_CSV: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan/units.csv");

/// How long the bot may take to start and ask for updates.
const START_TIMEOUT: Duration = Duration::from_secs(30);

const TARGET_RATE: f64 = 1000.0;
const TARGET_ECHO_SHARE: f64 = 0.5;
const TARGET_P99_MS: f64 = 20.0;
const TARGET_PEAK_MIB: f64 = 100.0;

#[derive(Parser, Debug)]
#[command(name = "loadgen", about = "Benchmarks community-desk end to end (issue #7); see BENCHMARKS.md")]
struct Cli {
    #[command(subcommand)]
    command: Option<Sub>,
    /// Small numbers for a smoke run (well under a minute).
    #[arg(long)]
    quick: bool,
    /// Concurrent residents in the max-throughput (closed-loop) phase.
    #[arg(long)]
    residents: Option<usize>,
    /// Measured seconds of each load phase (after a warm-up).
    #[arg(long)]
    duration: Option<u64>,
    /// Updates a second offered in the fixed-rate (open-loop) phase.
    #[arg(long, default_value_t = 100.0)]
    rate: f64,
    /// A PostgreSQL server where a throwaway database may be created.
    #[arg(long, default_value = "postgres://postgres@127.0.0.1:5432/test")]
    postgres_url: String,
    /// Leave PostgreSQL out.
    #[arg(long)]
    skip_postgres: bool,
    /// Leave the desk on SQLite out (and with it the floor that answers
    /// with the desk's calls).
    #[arg(long)]
    skip_sqlite: bool,
    /// Leave the floors out (the echo bots), when only the desk's own
    /// figures are wanted.
    #[arg(long)]
    skip_floors: bool,
    /// Leave out the memory-at-scale phase (it seeds 100k requests).
    #[arg(long)]
    skip_scale: bool,
    /// Leave out the broadcast phase (a notice to 4,920 households at
    /// Telegram's pace, about three minutes).
    #[arg(long)]
    skip_broadcast: bool,
    /// Leave out the morning of daily check-ins (10,000 greetings at
    /// Telegram's pace while residents talk to the bot, about six minutes).
    #[arg(long)]
    skip_morning: bool,
    /// Also run `cargo bench --bench timer_sweep` and print its table
    /// (needs cargo; builds the bench profile).
    #[arg(long)]
    timer_sweep: bool,
    /// Do not write to disk, before each load phase, what the phases before
    /// it left unwritten (PostgreSQL's changed pages, the page cache): each
    /// phase then runs while that is written (see `proc::settle_writeback`).
    #[arg(long)]
    no_settle: bool,
    /// RUST_LOG for the bot under test, e.g. `sqlx::query=debug` to log
    /// every statement with its time while profiling. The bot's default
    /// (`info`, as in production) otherwise.
    #[arg(long)]
    bot_log: Option<String>,
}

#[derive(Subcommand, Debug)]
enum Sub {
    /// The outage storm of issue #27: residents of one estate report the
    /// same problem while a notice goes to every household, under Telegram's
    /// limits, against the desk and against a bare teloxide bot behind
    /// `Throttle`, side by side.
    Storm {
        /// Residents who report (300; 30 with --quick).
        #[arg(long)]
        residents: Option<usize>,
        /// Seconds over which they start (300; 30 with --quick).
        #[arg(long)]
        window: Option<u64>,
        /// Households the notice goes to (all; 300 with --quick).
        #[arg(long)]
        households: Option<usize>,
        /// Leave out the teloxide `Throttle` peer.
        #[arg(long)]
        skip_peer: bool,
    },
    /// The storm's peer: a bare teloxide bot behind `Throttle` (spawned by
    /// loadgen itself).
    #[command(hide = true)]
    StormPeer {
        #[arg(long)]
        households: usize,
    },
    /// The floor: a bare teloxide echo bot (spawned by loadgen itself);
    /// with `--durable URL`, one that commits every message to SQLite first;
    /// with `--calls N`, one that answers with N Bot API calls an update.
    #[command(hide = true)]
    EchoBot {
        #[arg(long, conflicts_with = "calls")]
        durable: Option<String>,
        #[arg(long)]
        calls: Option<f64>,
    },
}

/// Sizes of one run.
struct Plan {
    residents: usize,
    open_residents: usize,
    warmup: Duration,
    measure: Duration,
    rate: f64,
    scale_requests: usize,
    scale_talkers: usize,
    scale_finishers: usize,
    broadcast_households: usize,
}

impl Plan {
    fn from(cli: &Cli) -> Plan {
        let (residents, measure, requests, talkers, finishers) =
            if cli.quick { (32, 4, 3_000, 1_000, 100) } else { (64, 20, 100_000, 10_000, 100) };
        let measure = Duration::from_secs(cli.duration.unwrap_or(measure).max(1));
        Plan {
            residents: cli.residents.unwrap_or(residents).max(1),
            // At 100 updates/s and a few milliseconds each, a few residents
            // would do; more keep the open loop open when the bot stalls.
            open_residents: 64,
            warmup: if cli.quick { Duration::from_secs(1) } else { Duration::from_secs(3) },
            measure,
            rate: cli.rate,
            scale_requests: requests,
            scale_talkers: talkers,
            scale_finishers: finishers,
            // At 30 a second the whole community takes close to three
            // minutes; the smoke run sends to the first 300 households
            // (about ten seconds), enough to see the pacing.
            broadcast_households: if cli.quick { 300 } else { usize::MAX },
        }
    }
}

/// Which scenarios the table has.
#[derive(Clone, Copy, Debug, PartialEq)]
enum Scenario {
    Throughput,
    FixedRate,
    TimerSweep,
    MemoryAtScale,
    /// A notice to every household (4,920) at Telegram's ~30 messages/s.
    Broadcast,
    /// The greetings of one check-in hour at Telegram's pace, while other
    /// residents talk to the bot.
    Morning,
}

impl Scenario {
    fn title(self) -> &'static str {
        match self {
            Scenario::Throughput => "max throughput",
            Scenario::FixedRate => "fixed rate",
            Scenario::TimerSweep => "timer sweep",
            Scenario::MemoryAtScale => "memory at scale",
            Scenario::Broadcast => "broadcast",
            Scenario::Morning => "morning check-ins",
        }
    }
}

fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().context("start the runtime")?;
    match cli.command {
        Some(Sub::EchoBot { durable, calls }) => runtime.block_on(echo::run(durable, calls)),
        Some(Sub::StormPeer { households }) => runtime.block_on(peer::run(households)),
        Some(Sub::Storm { residents, window, households, skip_peer }) => {
            let (quick_residents, quick_window, quick_households) =
                if cli.quick { (30, 30, 300) } else { (300, 300, usize::MAX) };
            let plan = storm::Plan {
                residents: residents.unwrap_or(quick_residents),
                window: Duration::from_secs(window.unwrap_or(quick_window)),
                households: households.unwrap_or(quick_households),
            };
            runtime.block_on(storm::benchmark(plan, skip_peer, cli.bot_log.as_deref()))
        }
        None => runtime.block_on(benchmark(cli)),
    }
}

async fn benchmark(cli: Cli) -> anyhow::Result<()> {
    let desk = desk_binary()?;
    let plan = Plan::from(&cli);
    let codes = building_codes()?;
    let started = Instant::now();
    let mut table = Table::default();
    println!(
        "loadgen: {} residents closed loop, {} updates/s open loop, {:?} measured after {:?} warm-up per phase",
        plan.residents, plan.rate, plan.measure, plan.warmup
    );

    let (echo, durable) = if cli.skip_floors {
        println!("\n== the echo bot and the durable echo bot: skipped (--skip-floors) ==");
        (None, None)
    } else {
        println!("\n== echo bot (the floor) ==");
        let echo = run_floor(Target::Echo, "echo bot", &plan, &codes, &cli).await;
        println!("\n== durable echo bot (the floor with one SQLite commit per update) ==");
        let durable = match Database::sqlite("durable-echo") {
            Ok(db) => run_floor(Target::DurableEcho(&db), "durable echo bot", &plan, &codes, &cli).await,
            Err(error) => {
                println!("durable echo bot failed: {error:#}");
                None
            }
        };
        (echo, durable)
    };
    if let Some(echo) = &echo {
        table.bot_rows("echo", echo, &Floors::default(), &plan);
    }
    if let Some(durable) = &durable {
        table.bot_rows("echo+db", durable, &Floors { echo: echo.as_ref(), ..Floors::default() }, &plan);
    }

    let (sqlite, calls) = if cli.skip_sqlite {
        println!("\n== community-desk on SQLite: skipped (--skip-sqlite) ==");
        table.skipped("sqlite", "skipped (--skip-sqlite)");
        (None, None)
    } else {
        println!("\n== community-desk on SQLite ==");
        let sqlite = match Database::sqlite("sqlite") {
            Ok(db) => run_bot(Target::Desk(&desk), &plan, Some(&db), &codes, &cli).await,
            Err(error) => Err(error),
        };
        // The third floor needs the desk's own count of calls an update, so
        // it runs after the desk on SQLite and before its rows are set
        // against it.
        let calls = match &sqlite {
            Ok(desk) if !cli.skip_floors => {
                let calls = report::calls_per_update(desk);
                println!("\n== echo bot answering with {calls:.2} Bot API calls an update, as the desk did ==");
                run_floor(Target::CallsEcho(calls), "echo bot with the desk's calls", &plan, &codes, &cli).await
            }
            _ => None,
        };
        (Some(sqlite), calls)
    };
    if let Some(calls) = &calls {
        table.bot_rows("echo+calls", calls, &Floors { echo: echo.as_ref(), ..Floors::default() }, &plan);
    }
    let floors = Floors { echo: echo.as_ref(), durable: durable.as_ref(), calls: calls.as_ref() };
    match sqlite {
        Some(Ok(figures)) => table.bot_rows("sqlite", &figures, &floors, &plan),
        Some(Err(error)) => table.failed("sqlite", &format!("{error:#}")),
        None => {}
    }

    if cli.skip_postgres {
        println!("\n== community-desk on PostgreSQL: skipped (--skip-postgres) ==");
        table.skipped("postgres", "skipped (--skip-postgres)");
    } else {
        println!("\n== community-desk on PostgreSQL ==");
        match Database::postgres("desk", &cli.postgres_url).await {
            Err(error) => {
                println!("PostgreSQL at {} is unreachable, skipped: {error:#}", cli.postgres_url);
                table.skipped("postgres", "skipped: PostgreSQL unreachable");
            }
            Ok(db) => match run_bot(Target::Desk(&desk), &plan, Some(&db), &codes, &cli).await {
                Ok(figures) => table.bot_rows("postgres", &figures, &floors, &plan),
                Err(error) => table.failed("postgres", &format!("{error:#}")),
            },
        }
    }

    if cli.timer_sweep {
        println!("\n== timer sweep (cargo bench --bench timer_sweep) ==");
        timer_sweep(&cli, &mut table);
    } else {
        table.push(Row::note(
            Scenario::TimerSweep,
            "not run here: `cargo bench --bench timer_sweep`, or loadgen --timer-sweep",
        ));
    }

    if cli.skip_scale {
        table.push(Row::note(Scenario::MemoryAtScale, "skipped (--skip-scale)"));
    } else {
        println!("\n== memory at scale ==");
        if let Err(error) = memory_at_scale(&desk, &plan, &codes, &mut table).await {
            table.push(Row::note(Scenario::MemoryAtScale, &format!("failed: {error:#}")));
        }
    }

    if cli.skip_broadcast {
        table.push(Row::note(Scenario::Broadcast, "skipped (--skip-broadcast)"));
    } else {
        println!("\n== broadcast at Telegram's pace ==");
        match broadcast::run(&desk, plan.broadcast_households, cli.bot_log.as_deref()).await {
            Ok(figures) => broadcast_rows(&figures, &mut table),
            Err(error) => table.push(Row::note(Scenario::Broadcast, &format!("failed: {error:#}"))),
        }
    }
    if cli.skip_morning {
        table.push(Row::note(Scenario::Morning, "skipped (--skip-morning)"));
    } else {
        println!("\n== a morning of daily check-ins ==");
        match morning::run(&desk, morning::residents(cli.quick), cli.bot_log.as_deref()).await {
            Ok(figures) => morning::rows(&figures, &mut table),
            Err(error) => table.push(Row::note(Scenario::Morning, &format!("failed: {error:#}"))),
        }
    }
    println!("\n== results (measured in {:.0} s) ==\n", started.elapsed().as_secs_f64());
    table.print();
    Ok(())
}

/// The rows of the broadcast: every household once, at least 95% of
/// Telegram's rate, and never more than the rate in any second.
fn broadcast_rows(f: &broadcast::Figures, table: &mut Table) {
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
    let limit = broadcast::TELEGRAM_RATE;
    let floor = limit * broadcast::TARGET_SHARE;
    table.push(Row::figure(
        b,
        "sqlite",
        &format!("copies to {} households", f.households),
        format!("{} ({} dup, {} missing)", c.delivered, c.duplicates, c.missing + c.strays),
        "each once",
        Verdict::check(c.each_once(f.households)),
    ));
    table.push(Row::figure(
        b,
        "sqlite",
        "first to last copy / achieved rate",
        format!("{:.1} s / {:.2}/s", c.span.as_secs_f64(), c.rate),
        &format!(">= {floor:.1}/s"),
        Verdict::check(c.rate >= floor),
    ));
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

/// The desk binary next to this one in the same target directory.
fn desk_binary() -> anyhow::Result<PathBuf> {
    let me = std::env::current_exe().context("find the loadgen executable")?;
    let dir = me.parent().context("the loadgen executable has no directory")?;
    let desk = dir.join(format!("community-desk{}", std::env::consts::EXE_SUFFIX));
    if !desk.is_file() {
        bail!(
            "{} is missing: build the bot first with `cargo build --release` \
             (with the same CARGO_TARGET_DIR as loadgen), then run loadgen again",
            desk.display()
        );
    }
    Ok(desk)
}

fn building_codes() -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(UNITS_CSV).with_context(|| format!("read {UNITS_CSV}"))?;
    let codes: Vec<String> =
        text.lines().skip(1).filter_map(|line| line.split(',').nth(3)).map(|c| c.trim().to_string()).collect();
    anyhow::ensure!(!codes.is_empty(), "{UNITS_CSV} lists no buildings");
    Ok(codes)
}

fn import_units(exe: &Path, db: &Database) -> anyhow::Result<()> {
    let mut command = Command::new(exe);
    command.args(["import", UNITS_CSV]).env("DATABASE_URL", &db.url).current_dir(db.dir.path());
    proc::run_with_timeout("community-desk import", command, Duration::from_secs(120))?;
    Ok(())
}

/// Starts the desk against the emulator. Without `admin`, Telegram's pacing is
/// off so that the bot's own cost is measured; with it, that Telegram user is
/// the admin and the pacing is the bot's default (the broadcast measures it).
fn spawn_desk(
    exe: &Path,
    db: &Database,
    telegram: &Telegram,
    log_filter: Option<&str>,
    admin: Option<i64>,
) -> anyhow::Result<ChildGuard> {
    let mut command = Command::new(exe);
    match log_filter {
        Some(filter) => command.env("RUST_LOG", filter),
        None => command.env_remove("RUST_LOG"),
    };
    command
        .arg("run")
        // The working directory is the throwaway one, so that a developer's
        // .env in the repository cannot change what is measured.
        .current_dir(db.dir.path())
        .env_remove("WEBHOOK_URL")
        .env("TELOXIDE_TOKEN", "123456:LOADGEN")
        .env("TELOXIDE_API_URL", telegram.url())
        .env("DATABASE_URL", &db.url)
        .env("DESK_INSTANCE", "loadgen")
        .env("DESK_POLL_TIMEOUT_SECS", "5");
    match admin {
        // The defaults (30 messages a second, one a second per chat) are
        // what is measured, so a developer's environment must not change them.
        Some(admin) => {
            command.env("ADMIN_IDS", admin.to_string()).env_remove("DESK_CHAT_INTERVAL_MS").env_remove("DESK_SEND_RATE")
        }
        // No artificial Telegram pacing: the bot's own cost is measured.
        None => command.env_remove("ADMIN_IDS").env("DESK_CHAT_INTERVAL_MS", "0").env("DESK_SEND_RATE", "0"),
    };
    // With --bot-log the log outlives the run, to be read afterwards (e.g.
    // for the statement timings of sqlx); otherwise it goes with the bot.
    let log = std::env::temp_dir().join(format!("loadgen-desk-{}.log", uuid::Uuid::new_v4().simple()));
    let mut guard = ChildGuard::spawn("community-desk", command, log.clone())?;
    if log_filter.is_some() {
        guard.keep_log = true;
        println!("  bot log kept at {}", log.display());
    }
    Ok(guard)
}

/// Starts `loadgen echo-bot` with `options` (none for the bare floor).
fn spawn_echo(telegram: &Telegram, options: &[&str]) -> anyhow::Result<ChildGuard> {
    let me = std::env::current_exe().context("find the loadgen executable")?;
    let mut command = Command::new(me);
    command.arg("echo-bot").args(options);
    command.env_remove("RUST_LOG").env("TELOXIDE_TOKEN", "123456:LOADGEN").env("TELOXIDE_API_URL", telegram.url());
    let log = std::env::temp_dir().join(format!("loadgen-echo-{}.log", std::process::id()));
    ChildGuard::spawn("echo bot", command, log)
}

async fn wait_ready(bot: &mut ChildGuard, telegram: &Telegram) -> anyhow::Result<()> {
    let deadline = Instant::now() + START_TIMEOUT;
    loop {
        bot.check_alive()?;
        if telegram.wait_polled(Duration::from_millis(200)).await {
            return Ok(());
        }
        if Instant::now() > deadline {
            bail!("the bot did not ask for updates within {START_TIMEOUT:?}; its log:\n{}", bot.log_tail(20));
        }
    }
}

async fn memory_at_scale(desk: &Path, plan: &Plan, codes: &[String], table: &mut Table) -> anyhow::Result<()> {
    let db = Database::sqlite("scale")?;
    import_units(desk, &db)?;
    println!("  seeding {} open requests and {} residents mid-report…", plan.scale_requests, plan.scale_talkers);
    let seeded = scale::seed(&db.url, codes, plan.scale_requests, plan.scale_talkers).await?;
    println!(
        "  seeded {} requests ({} overdue) and {} residents in {:.1} s",
        seeded.requests,
        seeded.overdue,
        seeded.talkers,
        seeded.took.as_secs_f64()
    );
    let telegram = Arc::new(Telegram::start().await?);
    let mut bot = spawn_desk(desk, &db, &telegram, None, None)?;
    wait_ready(&mut bot, &telegram).await?;
    // The timer worker sweeps twice a second; a few seconds let it fire the
    // overdue clocks before residents arrive.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ids: Vec<i64> = (0..plan.scale_finishers.min(seeded.talkers)).map(|i| scale::TALKER_BASE + i as i64).collect();
    let result = load::run(
        telegram.clone(),
        Shape {
            flow: Flow::FinishReport,
            residents: 20,
            warmup: Duration::ZERO,
            measure: Duration::from_secs(60),
            rate: None,
        },
        Arc::new(Identities::Listed { ids, next: Default::default() }),
    )
    .await;
    bot.check_alive()?;
    let usage = proc::usage(bot.pid())?;
    drop(bot);
    let fired = scale::timers_fired(&db.url).await.unwrap_or(-1);
    println!(
        "  served {} updates ({} timeouts), p99 {:.1} ms; {} timers fired; bot peak {:.1} MiB, now {:.1} MiB",
        result.answered_total, result.timeouts, result.p99_ms, fired, usage.peak_mib, usage.rss_mib
    );
    let scenario = Scenario::MemoryAtScale;
    let size = format!("{}k req, {}k mid-report", seeded.requests / 1000, seeded.talkers / 1000);
    table.push(Row::figure(
        scenario,
        "sqlite",
        &format!("peak RSS ({size})"),
        format!("{:.1} MiB", usage.peak_mib),
        &format!("< {TARGET_PEAK_MIB:.0} MiB"),
        Verdict::check(usage.peak_mib < TARGET_PEAK_MIB),
    ));
    table.push(Row::figure(
        scenario,
        "sqlite",
        "updates served / timers fired",
        format!("{} / {}", result.answered_total, fired),
        "all answered",
        Verdict::check(result.timeouts == 0 && result.missing_buttons == 0 && result.answered_total > 0),
    ));
    Ok(())
}

/// Runs the existing timer-sweep bench and copies its verdict lines into the
/// table; its own table is printed as it runs.
fn timer_sweep(cli: &Cli, table: &mut Table) {
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_string());
    let mut command = Command::new(cargo);
    command.current_dir(env!("CARGO_MANIFEST_DIR")).args(["bench", "--bench", "timer_sweep"]);
    if cli.quick {
        command.args(["--", "--quick"]);
    }
    if !cli.skip_postgres {
        command.env("TEST_DATABASE_URL", &cli.postgres_url);
    }
    match proc::run_with_timeout("cargo bench --bench timer_sweep", command, Duration::from_secs(1800)) {
        Ok(output) => {
            let lines: Vec<&str> = output.lines().filter(|l| l.contains("PASS") || l.contains("FAIL")).collect();
            for line in &lines {
                println!("{line}");
            }
            let failed = lines.iter().filter(|l| l.contains("FAIL")).count();
            table.push(Row::figure(
                Scenario::TimerSweep,
                "both",
                "checks passed (see its table)",
                format!("{}/{}", lines.len() - failed, lines.len()),
                "< 1 ms idle; 1M/10k < 2",
                Verdict::check(failed == 0 && !lines.is_empty()),
            ));
        }
        Err(error) => table.push(Row::note(Scenario::TimerSweep, &format!("failed: {error:#}"))),
    }
}

/// The calls that carry a bot's answers: messages sent, messages edited and
/// button presses answered. Each is an HTTP request the bot makes and the
/// emulator serves, whatever the bot stores.
fn answering_calls(telegram: &Telegram) -> u64 {
    let stats = telegram.stats();
    stats.messages_sent + stats.edits + stats.callback_answers
}
