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
mod desk;
mod echo;
mod load;
mod morning;
mod peer;
mod proc;
mod report;
mod scale;
mod storm;
mod telegram;
mod throughput;
mod timer_sweep;

use std::time::{Duration, Instant};

use anyhow::Context;
use clap::{Parser, Subcommand};
// storm.rs and morning.rs reach these through the crate root.
use desk::{UNITS_CSV, desk_binary, import_units, spawn_desk, wait_ready};
use report::{Row, Table};

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
    let codes = desk::building_codes()?;
    let started = Instant::now();
    let mut table = Table::default();
    println!(
        "loadgen: {} residents closed loop, {} updates/s open loop, {:?} measured after {:?} warm-up per phase",
        plan.residents, plan.rate, plan.measure, plan.warmup
    );
    throughput::run(&desk, &plan, &codes, &cli, &mut table).await;

    if cli.timer_sweep {
        println!("\n== timer sweep (cargo bench --bench timer_sweep) ==");
        timer_sweep::run(&cli, &mut table);
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
        if let Err(error) = scale::run(&desk, &plan, &codes, &mut table).await {
            table.push(Row::note(Scenario::MemoryAtScale, &format!("failed: {error:#}")));
        }
    }

    if cli.skip_broadcast {
        table.push(Row::note(Scenario::Broadcast, "skipped (--skip-broadcast)"));
    } else {
        println!("\n== broadcast at Telegram's pace ==");
        match broadcast::run(&desk, plan.broadcast_households, cli.bot_log.as_deref()).await {
            Ok(figures) => broadcast::rows(&figures, &mut table),
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
