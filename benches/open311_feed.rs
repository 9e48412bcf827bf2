//! How long the Open311 feed's default `requests.json` takes with 100,000
//! requests and the example community in the database: reading the newest
//! 1,000 of the last 90 days, turning them into GeoReport records and
//! writing the JSON, which is all the server does for that call.
//!
//! SQLite in a temporary file; PostgreSQL in a fresh database on the server
//! named by `TEST_DATABASE_URL`, when it is set. Run it with
//! `cargo bench --bench open311_feed`. A missed target is reported, never
//! turned into a failure: this is a measurement, not a test.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use common::{BenchResult, figures, import_example_community, on_each_backend};
use community_desk::i18n::{I18n, Locale};
use community_desk::store::{Store, millis};
use community_desk::web::open311::RequestsQuery;
use community_desk::web::open311::record::service_request;

const REQUESTS: i64 = 100_000;
/// The requests are spread over the last year, so the default window holds
/// about a quarter of them.
const SPREAD_MS: i64 = 365 * 24 * 60 * 60 * 1000;
const REPETITIONS: usize = 50;
const WARM_UP: usize = 5;
const TARGET: Duration = Duration::from_millis(100);

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
    on_each_backend(bench).await
}

async fn bench(backend: &str, store: &Store) -> BenchResult<()> {
    let now = Utc::now();
    import_example_community(store, millis(now)).await?;
    let seed = match store {
        Store::Sqlite(pool) => {
            let done = sqlx::query(SQLITE_SEED).bind(REQUESTS).bind(millis(now)).bind(SPREAD_MS).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
            done.rows_affected()
        }
        Store::Postgres(pool) => {
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
    println!("{backend:<11} {}", figures(samples, TARGET));
    Ok(())
}
