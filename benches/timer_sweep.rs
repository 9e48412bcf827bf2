//! How long finding due timers takes as the number of open timers grows.
//!
//! For each backend (SQLite in a temporary file; PostgreSQL in a fresh
//! database on the server named by `TEST_DATABASE_URL`, when it is set) and
//! for a small and a large number N of open timers, this seeds the `jobs`
//! table and then times, through the real store API:
//!
//! - `next_due`: `begin`, `next_due(Queue::Timer)`, `commit`;
//! - the sweep when nothing is due: `begin`, `claim(Queue::Timer, …)`,
//!   `commit`, the timer worker's own transaction;
//! - the sweep when 100 timers are due: the same, claiming 100 jobs.
//!
//! Run it with `cargo bench --bench timer_sweep` (N = 10k and 1M), or add
//! `-- --quick` for N = 1k and 10k. Figures go to stdout, progress to stderr.
//! A missed target is reported, never turned into a failure: this is a
//! measurement, not a test.

use std::error::Error;
use std::time::{Duration, Instant};

use community_desk::store::scratch::ScratchDatabase;
use community_desk::store::{Queue, Store};

type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

/// Timed repetitions of each operation.
const REPETITIONS: usize = 200;
/// Untimed repetitions first, so that every pooled connection has prepared
/// its statements and PostgreSQL has settled on its cached plan (it decides
/// between a custom and a generic plan after the fifth execution).
const WARM_UP: usize = 50;
/// How many timers are due in the "100 due" sweep, and the claim limit.
const DUE_PER_SWEEP: i64 = 100;
const CLAIM_LIMIT: i64 = 100;
const LEASE_MS: i64 = 60_000;
/// Open timers fall due over the next thirty days, history lies in the last
/// thirty days.
const SPREAD_MS: i64 = 30 * 24 * 60 * 60 * 1000;
/// Product targets.
const IDLE_SWEEP_TARGET_US: f64 = 1000.0;
const GROWTH_TARGET: f64 = 2.0;

/// Seeds `$1` rows of finished inbox and outbox jobs (alternating), dated in
/// the thirty days before `$2` (`$3` is the spread). They are the history a
/// running desk accumulates; being `done`, they are outside the partial
/// indexes, and the benchmark shows whether the queries stay inside them.
/// The multiplier scatters due times so that the index is not filled in
/// order.
const SQLITE_SEED_HISTORY: &str = "\
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1) \
INSERT INTO jobs (queue, lane, dedupe_key, payload, status, due_at, attempts, lease_token, \
                  lease_owner, result, created_at, finished_at) \
SELECT CASE i % 2 WHEN 0 THEN 'inbox' ELSE 'outbox' END, \
       'chat:' || (i % 5000), \
       CASE i % 2 WHEN 0 THEN 'update:' || i END, \
       '{\"update_id\":1,\"message\":{\"chat\":{\"id\":1},\"text\":\"The lift in block 3 is stuck again\"}}', \
       'done', \
       $2 - 1 - (i * 2654435761) % $3, \
       1, \
       '6f1c1f6e-9c52-4f5e-8a0e-2f0b7f3b8d11', \
       'bench', \
       CASE i % 2 WHEN 1 THEN '4242' END, \
       $2 - 1 - (i * 2654435761) % $3, \
       $2 - (i * 2654435761) % $3 \
FROM seq";

/// Seeds `$1` open timers, due over the thirty days after `$2` (`$3` is the
/// spread): every other one for a request, without lane or dedupe key, as
/// `Tx::schedule_timer` writes them, the others a rung of a daily check-in,
/// with the dedupe key `app::checkins` gives it.
const SQLITE_SEED_TIMERS: &str = "\
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1) \
INSERT INTO jobs (queue, lane, dedupe_key, payload, status, due_at, attempts, request_id, created_at) \
SELECT 'timer', NULL, \
       CASE i % 2 WHEN 1 THEN 'checkin:' || i || ':' || ($2 + 1 + (i * 2654435761) % $3) || ':greeting' END, \
       CASE i % 2 WHEN 0 \
         THEN '{\"request\":' || i || ',\"kind\":\"accept\",\"status\":\"new\",\"level\":0}' \
         ELSE '{\"checkin\":' || i || ',\"deadline\":' || ($2 + 1 + (i * 2654435761) % $3) || ',\"rung\":\"greeting\"}' \
       END, \
       'pending', \
       $2 + 1 + (i * 2654435761) % $3, \
       0, CASE i % 2 WHEN 0 THEN i + 1 END, \
       $2 - (i * 40503) % $3 \
FROM seq";

/// The PostgreSQL twin of [`SQLITE_SEED_HISTORY`].
const POSTGRES_SEED_HISTORY: &str = "\
INSERT INTO jobs (queue, lane, dedupe_key, payload, status, due_at, attempts, lease_token, \
                  lease_owner, result, created_at, finished_at) \
SELECT CASE i % 2 WHEN 0 THEN 'inbox' ELSE 'outbox' END, \
       'chat:' || (i % 5000), \
       CASE i % 2 WHEN 0 THEN 'update:' || i END, \
       '{\"update_id\":1,\"message\":{\"chat\":{\"id\":1},\"text\":\"The lift in block 3 is stuck again\"}}', \
       'done', \
       $2 - 1 - (i * 2654435761) % $3, \
       1, \
       '6f1c1f6e-9c52-4f5e-8a0e-2f0b7f3b8d11', \
       'bench', \
       CASE i % 2 WHEN 1 THEN '4242' END, \
       $2 - 1 - (i * 2654435761) % $3, \
       $2 - (i * 2654435761) % $3 \
FROM generate_series(0::BIGINT, $1 - 1) AS seq(i)";

/// The PostgreSQL twin of [`SQLITE_SEED_TIMERS`].
const POSTGRES_SEED_TIMERS: &str = "\
INSERT INTO jobs (queue, lane, dedupe_key, payload, status, due_at, attempts, request_id, created_at) \
SELECT 'timer', NULL, \
       CASE i % 2 WHEN 1 THEN 'checkin:' || i || ':' || ($2 + 1 + (i * 2654435761) % $3) || ':greeting' END, \
       CASE i % 2 WHEN 0 \
         THEN '{\"request\":' || i || ',\"kind\":\"accept\",\"status\":\"new\",\"level\":0}' \
         ELSE '{\"checkin\":' || i || ',\"deadline\":' || ($2 + 1 + (i * 2654435761) % $3) || ',\"rung\":\"greeting\"}' \
       END, \
       'pending', \
       $2 + 1 + (i * 2654435761) % $3, \
       0, CASE i % 2 WHEN 0 THEN i + 1 END, \
       $2 - (i * 40503) % $3 \
FROM generate_series(0::BIGINT, $1 - 1) AS seq(i)";

/// The lowest timer id: the "100 due" sweep makes the 100 timers from there
/// due, the same 100 every time, at every size.
const FIRST_TIMER: &str = "SELECT MIN(id) FROM jobs WHERE queue = 'timer'";
const COUNT_OPEN_TIMERS_IN: &str = "SELECT COUNT(*) FROM jobs \
     WHERE id BETWEEN $1 AND $2 AND queue = 'timer' AND status = 'pending'";
/// Makes the hot timers due within the last minute before `$1` and drops
/// their leases, undoing what the previous claim did to them.
const MAKE_DUE: &str = "UPDATE jobs SET due_at = $1 - 1 - id % 60000, lease_token = NULL \
     WHERE id BETWEEN $2 AND $3";

#[tokio::main]
async fn main() -> BenchResult<()> {
    // `cargo bench` passes `--bench` to every bench target; anything but
    // `--quick` is ignored.
    let quick = std::env::args().any(|arg| arg == "--quick");
    let sizes: [i64; 2] = if quick { [1_000, 10_000] } else { [10_000, 1_000_000] };

    let mut report = Report::default();
    for &size in &sizes {
        eprintln!("sqlite: {} open timers", label(size));
        let dir = tempfile::tempdir()?;
        let url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.db").display());
        let store = Store::connect(&url).await?;
        let outcome = run_one(&store, "sqlite", size, &mut report).await;
        store.close().await;
        outcome?;
    }

    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) => {
            for &size in &sizes {
                eprintln!("postgres: {} open timers", label(size));
                let database = ScratchDatabase::create(&admin_url, "cd_bench_").await?;
                let outcome = async {
                    let store = Store::connect(&database.url).await?;
                    let outcome = run_one(&store, "postgres", size, &mut report).await;
                    store.close().await;
                    outcome
                }
                .await;
                // The database is dropped whether or not the run succeeded.
                drop(database);
                outcome?;
            }
        }
        Err(_) => report.notes.push("PostgreSQL skipped: TEST_DATABASE_URL is not set.".to_owned()),
    }

    report.print(sizes);
    Ok(())
}

/// Seeds one fresh database with `size` open timers and measures it.
async fn run_one(store: &Store, backend: &'static str, size: i64, report: &mut Report) -> BenchResult<()> {
    let now = epoch_ms();
    let seeding = seed(store, size, now).await?;
    report.seeding.push(Seeding {
        backend,
        size,
        version: server_version(store).await?,
        insert: seeding.0,
        settle: seeding.1,
    });

    let first = first_timer(store).await?;
    let last = first + DUE_PER_SWEEP - 1;
    let hot = count_open_timers_in(store, first, last).await?;
    if hot != DUE_PER_SWEEP {
        return Err(format!("expected {DUE_PER_SWEEP} timers in ids {first}..={last}, found {hot}").into());
    }

    // The read-only operations run first, on the freshly analysed table,
    // before the "100 due" sweep starts churning the hot rows.
    let samples = measure(REPETITIONS, WARM_UP, || async move {
        let mut tx = store.begin().await?;
        let next = tx.next_due(Queue::Timer).await?;
        tx.commit().await?;
        expect(next.is_some_and(|at| at > now), "next_due to be in the future")
    })
    .await?;
    report.add(backend, Operation::NextDue, size, &samples);

    let samples = measure(REPETITIONS, WARM_UP, || async move {
        let mut tx = store.begin().await?;
        let claimed = tx.claim(Queue::Timer, "bench", now, LEASE_MS, CLAIM_LIMIT).await?;
        tx.commit().await?;
        expect(claimed.is_empty(), "no timer to be due")
    })
    .await?;
    report.add(backend, Operation::IdleSweep, size, &samples);

    let mut samples = Vec::with_capacity(REPETITIONS);
    for repetition in 0..WARM_UP + REPETITIONS {
        // Making the timers due is preparation, not part of the sweep.
        make_due(store, now, first, last).await?;
        let started = Instant::now();
        let mut tx = store.begin().await?;
        let claimed = tx.claim(Queue::Timer, "bench", now, LEASE_MS, CLAIM_LIMIT).await?;
        tx.commit().await?;
        let elapsed = started.elapsed();
        let expected = usize::try_from(DUE_PER_SWEEP)?;
        expect(claimed.len() == expected, "exactly the hot timers to be claimed")?;
        if repetition >= WARM_UP {
            samples.push(elapsed);
        }
    }
    report.add(backend, Operation::DueSweep, size, &samples);
    Ok(())
}

/// Runs `operation` `warm_up` times untimed, then `repetitions` times timed.
async fn measure<F, Fut>(repetitions: usize, warm_up: usize, mut operation: F) -> BenchResult<Vec<Duration>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = BenchResult<()>>,
{
    for _ in 0..warm_up {
        operation().await?;
    }
    let mut samples = Vec::with_capacity(repetitions);
    for _ in 0..repetitions {
        let started = Instant::now();
        operation().await?;
        samples.push(started.elapsed());
    }
    Ok(samples)
}

/// A wrong result means the benchmark measures something else than it says,
/// so it stops rather than print misleading figures.
fn expect(holds: bool, what: &str) -> BenchResult<()> {
    if holds { Ok(()) } else { Err(format!("benchmark broken: expected {what}").into()) }
}

/// Inserts the history and the timers, refreshes the planner statistics and
/// checkpoints; returns how long the inserts and the rest took.
async fn seed(store: &Store, size: i64, now: i64) -> BenchResult<(Duration, Duration)> {
    let started = Instant::now();
    match store {
        Store::Sqlite(pool) => {
            for sql in [SQLITE_SEED_HISTORY, SQLITE_SEED_TIMERS] {
                sqlx::query(sql).bind(size).bind(now).bind(SPREAD_MS).execute(pool).await?;
            }
        }
        Store::Postgres(pool) => {
            for sql in [POSTGRES_SEED_HISTORY, POSTGRES_SEED_TIMERS] {
                sqlx::query(sql).bind(size).bind(now).bind(SPREAD_MS).execute(pool).await?;
            }
        }
    }
    let inserted = started.elapsed();

    let started = Instant::now();
    match store {
        Store::Sqlite(pool) => {
            sqlx::query("ANALYZE").execute(pool).await?;
            // Folding the seed into the database file now keeps that work
            // out of the first timed commits.
            sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(pool).await?;
        }
        Store::Postgres(pool) => {
            // VACUUM as well, as autovacuum would have done long before a
            // real desk had this many rows: it sets the visibility map that
            // index-only scans rely on.
            sqlx::query("VACUUM (ANALYZE) jobs").execute(pool).await?;
            // The seed wrote enough WAL to trigger a checkpoint; taking it
            // now keeps its writes and fsyncs out of the timed commits.
            sqlx::query("CHECKPOINT").execute(pool).await?;
        }
    }
    Ok((inserted, started.elapsed()))
}

async fn first_timer(store: &Store) -> BenchResult<i64> {
    let first: Option<i64> = match store {
        Store::Sqlite(pool) => sqlx::query_scalar(FIRST_TIMER).fetch_one(pool).await?,
        Store::Postgres(pool) => sqlx::query_scalar(FIRST_TIMER).fetch_one(pool).await?,
    };
    first.ok_or_else(|| "no timers were seeded".into())
}

async fn count_open_timers_in(store: &Store, first: i64, last: i64) -> BenchResult<i64> {
    Ok(match store {
        Store::Sqlite(pool) => sqlx::query_scalar(COUNT_OPEN_TIMERS_IN).bind(first).bind(last).fetch_one(pool).await?,
        Store::Postgres(pool) => {
            sqlx::query_scalar(COUNT_OPEN_TIMERS_IN).bind(first).bind(last).fetch_one(pool).await?
        }
    })
}

async fn make_due(store: &Store, now: i64, first: i64, last: i64) -> BenchResult<()> {
    let updated = match store {
        Store::Sqlite(pool) => {
            sqlx::query(MAKE_DUE).bind(now).bind(first).bind(last).execute(pool).await?.rows_affected()
        }
        Store::Postgres(pool) => {
            sqlx::query(MAKE_DUE).bind(now).bind(first).bind(last).execute(pool).await?.rows_affected()
        }
    };
    expect(updated == u64::try_from(DUE_PER_SWEEP)?, "every hot timer to be made due")
}

async fn server_version(store: &Store) -> BenchResult<String> {
    Ok(match store {
        Store::Sqlite(pool) => {
            let version: String = sqlx::query_scalar("SELECT sqlite_version()").fetch_one(pool).await?;
            format!("SQLite {version}")
        }
        Store::Postgres(pool) => {
            let version: String = sqlx::query_scalar("SHOW server_version").fetch_one(pool).await?;
            format!("PostgreSQL {version}")
        }
    })
}

fn epoch_ms() -> i64 {
    let since_epoch = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap_or_default();
    i64::try_from(since_epoch.as_millis()).unwrap_or(i64::MAX)
}

fn label(size: i64) -> String {
    match size {
        n if n >= 1_000_000 && n % 1_000_000 == 0 => format!("{}M", n / 1_000_000),
        n if n >= 1_000 && n % 1_000 == 0 => format!("{}k", n / 1_000),
        n => n.to_string(),
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Operation {
    IdleSweep,
    DueSweep,
    NextDue,
}

impl Operation {
    const ALL: [Operation; 3] = [Operation::IdleSweep, Operation::DueSweep, Operation::NextDue];

    fn name(self) -> &'static str {
        match self {
            Operation::IdleSweep => "sweep, nothing due",
            Operation::DueSweep => "sweep, 100 due",
            Operation::NextDue => "next_due",
        }
    }
}

/// Percentiles and mean of one operation at one size, in microseconds.
#[derive(Debug, Clone, Copy)]
struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
}

impl Stats {
    fn of(samples: &[Duration]) -> Stats {
        let mut micros: Vec<f64> = samples.iter().map(|d| d.as_secs_f64() * 1e6).collect();
        micros.sort_by(f64::total_cmp);
        // Nearest rank: the smallest sample with at least p of the samples
        // at or below it.
        let rank = |p: f64| {
            let index = (p * micros.len() as f64).ceil() as usize;
            micros[index.clamp(1, micros.len()) - 1]
        };
        Stats { p50: rank(0.50), p99: rank(0.99), mean: micros.iter().sum::<f64>() / micros.len() as f64 }
    }
}

struct Measured {
    backend: &'static str,
    operation: Operation,
    size: i64,
    stats: Stats,
}

struct Seeding {
    backend: &'static str,
    size: i64,
    version: String,
    insert: Duration,
    settle: Duration,
}

#[derive(Default)]
struct Report {
    measured: Vec<Measured>,
    seeding: Vec<Seeding>,
    notes: Vec<String>,
}

impl Report {
    fn add(&mut self, backend: &'static str, operation: Operation, size: i64, samples: &[Duration]) {
        self.measured.push(Measured { backend, operation, size, stats: Stats::of(samples) });
    }

    fn find(&self, backend: &str, operation: Operation, size: i64) -> Option<Stats> {
        self.measured
            .iter()
            .find(|m| m.backend == backend && m.operation == operation && m.size == size)
            .map(|m| m.stats)
    }

    fn print(&self, [small, large]: [i64; 2]) {
        let verdict = |pass: bool| if pass { "PASS" } else { "MISS" };
        let cpu = std::fs::read_to_string("/proc/cpuinfo")
            .ok()
            .and_then(|info| {
                info.lines()
                    .find(|line| line.starts_with("model name"))
                    .and_then(|line| line.split_once(':'))
                    .map(|(_, model)| model.trim().to_owned())
            })
            .unwrap_or_else(|| "unknown CPU".to_owned());
        let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
        let ratio_label = format!("{}/{}", label(large), label(small));

        println!();
        println!("Timer sweep benchmark");
        println!("Machine: {cores} cores (nproc), {cpu}");
        let mut versions: Vec<&str> = self.seeding.iter().map(|s| s.version.as_str()).collect();
        versions.dedup();
        println!("Databases: {}", versions.join(", "));
        println!(
            "Each figure: {REPETITIONS} repetitions after {WARM_UP} warm-up, one operation = \
             begin + call + commit, in microseconds."
        );
        println!(
            "History: as many done inbox/outbox jobs as open timers. Claims: limit {CLAIM_LIMIT}, \
             lease {LEASE_MS} ms."
        );
        println!(
            "Targets: sweep with nothing due under 1 ms (judged on p99); \
             {ratio_label} under {GROWTH_TARGET} (judged on p50)."
        );
        println!();
        println!(
            "{:<9} {:<19} {:>5} {:>10} {:>10} {:>10}  under 1 ms",
            "backend", "operation", "N", "p50 µs", "p99 µs", "mean µs"
        );
        for m in &self.measured {
            let target =
                if m.operation == Operation::IdleSweep { verdict(m.stats.p99 < IDLE_SWEEP_TARGET_US) } else { "-" };
            println!(
                "{:<9} {:<19} {:>5} {:>10.1} {:>10.1} {:>10.1}  {}",
                m.backend,
                m.operation.name(),
                label(m.size),
                m.stats.p50,
                m.stats.p99,
                m.stats.mean,
                target
            );
        }

        println!();
        println!("Growth: each figure at {} divided by the same at {}.", label(large), label(small));
        println!(
            "{:<9} {:<19} {:>10} {:>10} {:>10}  under {GROWTH_TARGET}",
            "backend", "operation", "p50", "p99", "mean"
        );
        let mut backends: Vec<&str> = self.measured.iter().map(|m| m.backend).collect();
        backends.dedup();
        for backend in backends {
            for operation in Operation::ALL {
                let (Some(a), Some(b)) = (self.find(backend, operation, small), self.find(backend, operation, large))
                else {
                    continue;
                };
                let p50 = b.p50 / a.p50;
                println!(
                    "{:<9} {:<19} {:>10.2} {:>10.2} {:>10.2}  {}",
                    backend,
                    operation.name(),
                    p50,
                    b.p99 / a.p99,
                    b.mean / a.mean,
                    verdict(p50 < GROWTH_TARGET)
                );
            }
        }

        println!();
        println!("Seeding (not part of the figures above):");
        println!("{:<9} {:>5} {:>10} {:>10} {:>21}", "backend", "N", "rows", "insert s", "analyze+checkpoint s");
        for s in &self.seeding {
            println!(
                "{:<9} {:>5} {:>10} {:>10.1} {:>21.1}",
                s.backend,
                label(s.size),
                2 * s.size,
                s.insert.as_secs_f64(),
                s.settle.as_secs_f64()
            );
        }
        for note in &self.notes {
            println!();
            println!("{note}");
        }
    }
}
