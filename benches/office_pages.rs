//! How long the office's Community and Queues pages take with 100,000
//! requests and the example community in the database: what the server does
//! for each route once the session cookie is found (a lookup by key) — the
//! admin's reach, the page's reads, its HTML and the frame around it.
//!
//! The requests span 90 days in a mix a busy desk would hold: the newest
//! open or accepted, some of them late or escalated, a few old ones still
//! open and escalated, the rest resolved, closed or cancelled; about 3,000
//! active in all. The viewer is the community's admin, who sees every
//! building.
//!
//! SQLite in a temporary file; PostgreSQL in a fresh database on the server
//! named by `TEST_DATABASE_URL`, when it is set. Run it with
//! `cargo bench --bench office_pages`. A missed target is reported, never
//! turned into a failure: this is a measurement, not a test.

mod common;

use std::time::{Duration, Instant};

use chrono::Utc;
use chrono_tz::Tz;
use common::{BenchResult, figures, import_example_community, on_each_backend};
use community_desk::app::web_access::office_authority;
use community_desk::domain::{PersonId, TelegramId};
use community_desk::i18n::{I18n, Locale};
use community_desk::store::{Store, millis};
use community_desk::web::office::body::Viewer;
use community_desk::web::office::queues::QueueQuery;
use community_desk::web::office::{community, layout, queues};

const REQUESTS: i64 = 100_000;
const RESIDENTS: i64 = 2_000;
/// The requests are spread evenly over the last 90 days, newest first.
const STEP_MS: i64 = 90 * 24 * 60 * 60 * 1000 / REQUESTS;
const REPETITIONS: usize = 50;
const WARM_UP: usize = 5;
const TARGET: Duration = Duration::from_millis(100);

/// `$1` residents, made at `$2`.
const SEED_RESIDENTS: &str = "\
WITH RECURSIVE seq(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1) \
INSERT INTO people (name, phone, created_at) SELECT 'resident ' || i, '150' || (10000000 + i), $2 FROM seq";

/// `$1` requests, numbered from 1001, the newest made at `$2` and each
/// `$3` milliseconds before the next, in the buildings of the community,
/// reported by the `$4` residents and handled by the liaisons in turn.
///
/// The newest 400 are open (the deadline to accept them is 10–30 minutes,
/// so most are late), the next 2,000 accepted (2 hours to 7 days to resolve
/// them); of the older ones one in 250 is still accepted and one in 500 still
/// open, all of them late, and the rest are resolved, closed or cancelled. Half
/// of the late requests went up to the admin; a tenth of the open ones have
/// nobody to take them. The one statement serves both backends.
const SEED_REQUESTS: &str = "\
WITH RECURSIVE seq(i) AS (SELECT CAST(0 AS BIGINT) UNION ALL SELECT i + 1 FROM seq WHERE i + 1 < $1), \
buildings AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k, COUNT(*) OVER () AS n \
              FROM units WHERE level = 'building'), \
liaisons AS (SELECT person_id AS id, ROW_NUMBER() OVER (ORDER BY person_id) - 1 AS k, COUNT(*) OVER () AS n \
             FROM roles WHERE role = 'liaison'), \
residents AS (SELECT id, ROW_NUMBER() OVER (ORDER BY id) - 1 AS k FROM people WHERE name LIKE 'resident %'), \
shaped AS (SELECT i, $2 - i * $3 AS created, \
                  CASE WHEN i < 400 THEN 'open' WHEN i < 2400 THEN 'accepted' \
                       WHEN i % 250 = 0 THEN 'accepted' WHEN i % 500 = 125 THEN 'open' \
                       WHEN i % 53 = 0 THEN 'cancelled' WHEN i % 7 = 0 THEN 'resolved' ELSE 'closed' END AS status, \
                  CASE i % 10 WHEN 0 THEN 'urgent' WHEN 5 THEN 'emergency' ELSE 'normal' END AS urgency \
           FROM seq), \
timed AS (SELECT shaped.*, \
                 created + CASE urgency WHEN 'emergency' THEN 600000 WHEN 'urgent' THEN 900000 ELSE 1800000 END AS accept_due, \
                 created + CASE urgency WHEN 'emergency' THEN 7200000 WHEN 'urgent' THEN 86400000 ELSE 604800000 END \
                   AS resolve_due \
          FROM shaped), \
late AS (SELECT timed.*, status IN ('open', 'accepted') AND i % 2 = 0 \
                AND CASE status WHEN 'open' THEN accept_due ELSE resolve_due END < $2 AS escalated \
         FROM timed) \
INSERT INTO requests (community_id, number, resident_id, building_id, room, category, urgency, description, status, \
                      assignee_id, assignee_role, escalation_level, accept_due_at, resolve_due_at, escalated_to, \
                      created_at, updated_at) \
SELECT (SELECT id FROM units WHERE level = 'community'), 1001 + s.i, r.id, b.id, '301', \
       CASE s.i % 6 WHEN 0 THEN 'property' WHEN 1 THEN 'household' WHEN 2 THEN 'dispute' WHEN 3 THEN 'elderly' \
                    WHEN 4 THEN 'renovation' ELSE 'other' END, \
       s.urgency, 'The lift in unit 2 stops between floors again and the light in the hall is out, please send someone', \
       s.status, CASE WHEN s.status = 'open' AND s.i % 10 = 3 THEN NULL ELSE a.id END, 'liaison', \
       CASE WHEN s.escalated THEN 1 ELSE 0 END, \
       CASE WHEN s.status = 'open' THEN s.accept_due END, CASE WHEN s.status <> 'open' THEN s.resolve_due END, \
       CASE WHEN s.escalated THEN (SELECT MIN(person_id) FROM roles WHERE role = 'admin') END, s.created, s.created \
FROM late s JOIN buildings b ON b.k = s.i % b.n JOIN liaisons a ON a.k = s.i % a.n \
JOIN residents r ON r.k = s.i % $4";

/// The community's first admin, the one who signs in to the office.
const ADMIN: &str = "\
SELECT MIN(r.person_id) FROM roles r JOIN units u ON u.id = r.unit_id WHERE r.role = 'admin' AND u.level = 'community'";

#[derive(Clone, Copy)]
enum Page {
    Community,
    Queues,
}

fn main() -> BenchResult<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(run())
}

async fn run() -> BenchResult<()> {
    println!("Office pages for the community's admin, {REQUESTS} requests over 90 days");
    println!(
        "{:<11} {:<10} {:>10} {:>10} {:>10}  target < {} ms",
        "backend",
        "page",
        "median",
        "p95",
        "max",
        TARGET.as_millis()
    );
    on_each_backend(bench).await
}

async fn seed(store: &Store) -> BenchResult<PersonId> {
    let now = millis(Utc::now());
    import_example_community(store, now).await?;
    let (seeded, admin) = match store {
        Store::Sqlite(pool) => {
            sqlx::query(SEED_RESIDENTS).bind(RESIDENTS).bind(now).execute(pool).await?;
            let done =
                sqlx::query(SEED_REQUESTS).bind(REQUESTS).bind(now).bind(STEP_MS).bind(RESIDENTS).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
            let (admin,): (Option<i64>,) = sqlx::query_as(ADMIN).fetch_one(pool).await?;
            (done.rows_affected(), admin)
        }
        Store::Postgres(pool) => {
            sqlx::query(SEED_RESIDENTS).bind(RESIDENTS).bind(now).execute(pool).await?;
            let done =
                sqlx::query(SEED_REQUESTS).bind(REQUESTS).bind(now).bind(STEP_MS).bind(RESIDENTS).execute(pool).await?;
            sqlx::query("ANALYZE").execute(pool).await?;
            let (admin,): (Option<i64>,) = sqlx::query_as(ADMIN).fetch_one(pool).await?;
            (done.rows_affected(), admin)
        }
    };
    if seeded != REQUESTS as u64 {
        return Err(format!("benchmark broken: seeded {seeded} requests").into());
    }
    Ok(PersonId(admin.ok_or("benchmark broken: the example community has no admin")?))
}

async fn bench(backend: &str, store: &Store) -> BenchResult<()> {
    let admin = seed(store).await?;
    let i18n = I18n::load()?;
    let timezone = chrono_tz::Asia::Shanghai;
    for (page, name) in [(Page::Community, "community"), (Page::Queues, "queues")] {
        let mut samples = Vec::with_capacity(REPETITIONS);
        let mut size = 0;
        for repetition in 0..WARM_UP + REPETITIONS {
            let started = Instant::now();
            let html = render(store, &i18n, timezone, admin, page).await?;
            let elapsed = started.elapsed();
            let shown = match page {
                Page::Community => html.contains("tile overdue"),
                Page::Queues => html.contains("data-number"),
            };
            if !shown {
                return Err(format!("benchmark broken: the {name} page shows no request").into());
            }
            size = html.len();
            if repetition >= WARM_UP {
                samples.push(elapsed);
            }
        }
        println!("{backend:<11} {name:<10} {} ({} KiB of HTML)", figures(samples, TARGET), size / 1024);
    }
    Ok(())
}

/// What the route does once the session is found: the viewer's reach (as
/// `session::signed_in` reads it), the page in one transaction, the frame.
async fn render(store: &Store, i18n: &I18n, timezone: Tz, admin: PersonId, page: Page) -> BenchResult<String> {
    let l = i18n.get(Locale::ZhCn);
    let viewer = Viewer { l, timezone, now: Utc::now() };
    let mut tx = store.begin().await?;
    let authority = office_authority(&mut tx, admin, TelegramId(0), &[]).await?;
    let body = match page {
        Page::Community => community::page(&mut tx, &authority, &viewer).await?,
        Page::Queues => queues::page(&mut tx, &authority, &viewer, &QueueQuery::default()).await?,
    };
    tx.commit().await?;
    Ok(layout::page(l, Locale::ZhCn, "csrf", body, true).into_string())
}
