//! How long the Open311 feed's default `requests.json` takes with 100,000
//! requests and the example community in the database: reading the newest
//! 1,000 of the last 90 days, turning them into GeoReport records and
//! writing the JSON, which is all the server does for that call.
//!
//! SQLite in a temporary file; PostgreSQL in a fresh database on the server
//! named by `TEST_DATABASE_URL`, when it is set. Run it with
//! `cargo bench --bench open311_feed`. A missed target is reported, never
//! turned into a failure: this is a measurement, not a test.

use std::error::Error;
use std::time::{Duration, Instant};

use chrono::Utc;
use community_desk::app::directory::{DirectoryFile, import};
use community_desk::i18n::{I18n, Locale};
use community_desk::store::scratch::ScratchDatabase;
use community_desk::store::{Store, millis};
use community_desk::web::open311::RequestsQuery;
use community_desk::web::open311::record::service_request;

type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const REQUESTS: i64 = 100_000;
/// The requests are spread over the last year, so the default window holds
/// about a quarter of them.
const SPREAD_MS: i64 = 365 * 24 * 60 * 60 * 1000;
const REPETITIONS: usize = 50;
const WARM_UP: usize = 5;
const TARGET: Duration = Duration::from_millis(100);
const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan");

/// `$1` requests in the buildings of the community, numbered from 1001,
/// every status, made over the `$3` milliseconds before `$2`.
const SQLITE_SEED: &str = "\
WITH RECURSIVE seq(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1), \
buildings AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS n FROM units WHERE level = 'building') \
INSERT INTO requests (community_id, number, building_id, room, category, urgency, description, status, \
                      assignee_role, escalation_level, resolve_due_at, created_at, updated_at) \
SELECT (SELECT id FROM units WHERE level = 'community'), 1001 + i, b.id, '301', \
       CASE i % 3 WHEN 0 THEN 'property' WHEN 1 THEN 'household' ELSE 'dispute' END, 'normal', \
       'The lift is stuck again, call 13812345678', \
       CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'accepted' WHEN 2 THEN 'resolved' ELSE 'closed' END, \
       'liaison', 0, $2 + 86400000, $2 - (i * 2654435761) % $3, $2 - (i * 2654435761) % $3 \
FROM seq JOIN buildings b ON b.k = seq.i % b.n";

const POSTGRES_SEED: &str = "\
WITH buildings AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS n FROM units WHERE level = 'building') \
INSERT INTO requests (community_id, number, building_id, room, category, urgency, description, status, \
                      assignee_role, escalation_level, resolve_due_at, created_at, updated_at) \
SELECT (SELECT id FROM units WHERE level = 'community'), 1001 + i, b.id, '301', \
       CASE i % 3 WHEN 0 THEN 'property' WHEN 1 THEN 'household' ELSE 'dispute' END, 'normal', \
       'The lift is stuck again, call 13812345678', \
       CASE i % 4 WHEN 0 THEN 'open' WHEN 1 THEN 'accepted' WHEN 2 THEN 'resolved' ELSE 'closed' END, \
       'liaison', 0, $2 + 86400000, $2 - (i * 2654435761) % $3, $2 - (i * 2654435761) % $3 \
FROM generate_series(0, $1 - 1) AS i JOIN buildings b ON b.k = i % b.n";

fn main() -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run())
}

async fn run() -> BenchResult<()> {
    println!("Open311 requests.json, default window (newest 1,000 of the last 90 days), {REQUESTS} requests");
    println!("{:<11} {:>10} {:>10} {:>10}  target < {} ms", "backend", "median", "p95", "max", TARGET.as_millis());
    let dir = tempfile::tempdir()?;
    let sqlite = Store::connect(&format!("sqlite://{}", dir.path().join("bench.db").display())).await?;
    bench("SQLite", &sqlite).await?;
    sqlite.close().await;
    match std::env::var("TEST_DATABASE_URL") {
        Ok(admin_url) => {
            let database = ScratchDatabase::create(&admin_url, "cd_bench_").await?;
            let store = Store::connect(&database.url).await?;
            bench("PostgreSQL", &store).await?;
            store.close().await;
        }
        Err(_) => println!("PostgreSQL skipped: TEST_DATABASE_URL is not set."),
    }
    Ok(())
}

async fn bench(backend: &str, store: &Store) -> BenchResult<()> {
    let now = Utc::now();
    let files = ["units.csv", "people.csv", "households.csv"]
        .into_iter()
        .map(|name| Ok(DirectoryFile { name: name.to_string(), bytes: std::fs::read(format!("{EXAMPLES}/{name}"))? }))
        .collect::<BenchResult<Vec<_>>>()?;
    import(store, files, &[], millis(now)).await?;
    let seed = match store {
        Store::Sqlite(pool) => {
            let done = sqlx::query(SQLITE_SEED).bind(REQUESTS).bind(millis(now)).bind(SPREAD_MS).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
            done.rows_affected()
        }
        Store::Postgres(pool, _) => {
            let done =
                sqlx::query(POSTGRES_SEED).bind(REQUESTS).bind(millis(now)).bind(SPREAD_MS).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
            done.rows_affected()
        }
    };
    if seed != REQUESTS as u64 {
        return Err(format!("benchmark broken: seeded {seed} requests").into());
    }
    let i18n = I18n::load()?;
    let timezone = chrono_tz::Asia::Shanghai;
    let mut samples = Vec::with_capacity(REPETITIONS);
    for repetition in 0..WARM_UP + REPETITIONS {
        let started = Instant::now();
        let query = RequestsQuery::parse("", Utc::now(), timezone)?;
        let mut tx = store.begin().await?;
        let rows = tx.feed_requests(&query.feed).await?;
        tx.commit().await?;
        let l = i18n.get(Locale::ZhCn);
        let records: Vec<_> = rows.iter().map(|row| service_request(l, row, timezone)).collect();
        let body = serde_json::to_string(&records)?;
        let elapsed = started.elapsed();
        if records.len() != 1000 || body.contains("13812345678") {
            return Err("benchmark broken: expected 1,000 scrubbed records".into());
        }
        if repetition >= WARM_UP {
            samples.push(elapsed);
        }
    }
    samples.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let (median, p95, max) =
        (samples[samples.len() / 2], samples[samples.len() * 95 / 100], samples[samples.len() - 1]);
    // The target is for a typical call; p95 and max show what a busy machine adds.
    let verdict = if median < TARGET { "met" } else { "MISSED" };
    println!("{backend:<11} {:>10} {:>10} {:>10}  {verdict}", ms(median), ms(p95), ms(max));
    Ok(())
}
