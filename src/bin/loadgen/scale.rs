//! Memory at scale: a database holding many open requests and many residents
//! in the middle of a report, written through the library's own use cases so
//! that every row (events, routing decisions, timers) is what the bot would
//! have written itself.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use community_desk::app::clock::Policy;
use community_desk::app::requests::{Draft, submit};
use community_desk::domain::{BuildingCode, Category, Description, TelegramId, UnitId, Urgency};
use community_desk::store::Store;
use community_desk::telegram::dialogue::{Dialogue, Draft as DialogueDraft};

use crate::desk::{import_units, spawn_desk, wait_ready};
use crate::load::{self, Flow, Identities, Shape};
use crate::proc::{self, Database};
use crate::report::{Row, Table, Verdict};
use crate::telegram::Telegram;
use crate::{Plan, Scenario};

/// Telegram ids of residents who own the open requests.
pub const OWNER_BASE: i64 = 30_000_000;
/// Telegram ids of residents seeded in the middle of a report.
pub const TALKER_BASE: i64 = 40_000_000;

/// Requests per owner: the most a resident may have open at once.
const REQUESTS_PER_OWNER: usize = 3;
/// Rows written per transaction while seeding.
const BATCH: usize = 300;
/// One request in this many is backdated so that its accept deadline has
/// already passed: the timer worker finds work at start-up.
const OVERDUE_EVERY: usize = 100;

pub struct Seeded {
    pub requests: usize,
    pub talkers: usize,
    pub overdue: usize,
    pub took: Duration,
}

pub async fn seed(url: &str, codes: &[String], requests: usize, talkers: usize) -> anyhow::Result<Seeded> {
    let started = Instant::now();
    let store = Store::connect(url).await.context("open the database to seed")?;
    let timezone = chrono_tz::Asia::Shanghai;
    let mut buildings = Vec::new();
    {
        let mut tx = store.begin().await?;
        for code in codes {
            let code = BuildingCode::parse(code).map_err(|e| anyhow::anyhow!("building code {code}: {e:?}"))?;
            if let Some(unit) = tx.building_by_code(&code).await? {
                buildings.push(unit.id);
            }
        }
        tx.commit().await?;
    }
    anyhow::ensure!(!buildings.is_empty(), "the imported directory has no buildings");
    let owners = requests.div_ceil(REQUESTS_PER_OWNER);
    let description = Description::parse("The corridor light on the 5th floor has been out for a week")
        .map_err(|e| anyhow::anyhow!("description: {e:?}"))?;
    let mut made = 0;
    let mut overdue = 0;
    let mut next_owner = 0;
    while next_owner < owners {
        let mut tx = store.begin().await?;
        let policy = Policy::load(&mut tx, timezone).await?;
        for owner in next_owner..(next_owner + BATCH / REQUESTS_PER_OWNER).min(owners) {
            let now = Utc::now();
            let person = tx.touch_person(TelegramId(OWNER_BASE + owner as i64), Some("Owner"), Some("en"), 0).await?;
            let building: UnitId = buildings[owner % buildings.len()];
            tx.register_resident(person.id, building, None, now.timestamp_millis()).await?;
            for _ in 0..REQUESTS_PER_OWNER {
                if made == requests {
                    break;
                }
                let late = made % OVERDUE_EVERY == 0;
                // Urgent clocks run around the clock, so the backdated ones
                // are overdue whatever the hour of the run.
                let (urgency, at) =
                    if late { (Urgency::Urgent, now - chrono::Duration::hours(2)) } else { (Urgency::Normal, now) };
                let draft = Draft {
                    category: Category::ALL[made % Category::ALL.len()],
                    urgency,
                    description: description.clone(),
                    attachments: Vec::new(),
                };
                submit(&mut tx, person.id, &draft, &policy, at)
                    .await?
                    .map_err(|refusal| anyhow::anyhow!("seeding was refused: {refusal:?}"))?;
                made += 1;
                overdue += usize::from(late);
            }
        }
        next_owner = (next_owner + BATCH / REQUESTS_PER_OWNER).min(owners);
        tx.commit().await?;
        if next_owner % 3000 < BATCH / REQUESTS_PER_OWNER {
            eprintln!("  seeded {made} of {requests} requests ({:.0} s)", started.elapsed().as_secs_f64());
        }
    }
    let state = serde_json::to_string(&Dialogue::Report {
        draft: DialogueDraft { category: Some(Category::Property), ..DialogueDraft::default() },
    })
    .context("encode the dialogue state")?;
    for chunk in (0..talkers).collect::<Vec<_>>().chunks(BATCH) {
        let mut tx = store.begin().await?;
        let now = Utc::now().timestamp_millis();
        for talker in chunk {
            let person =
                tx.touch_person(TelegramId(TALKER_BASE + *talker as i64), Some("Talker"), Some("en"), 0).await?;
            tx.register_resident(person.id, buildings[talker % buildings.len()], None, now).await?;
            tx.set_dialogue(person.id, &state, now).await?;
        }
        tx.commit().await?;
    }
    store.close().await;
    Ok(Seeded { requests: made, talkers, overdue, took: started.elapsed() })
}

/// How many timers the bot fired, read after the run, to show that it swept.
pub async fn timers_fired(url: &str) -> anyhow::Result<i64> {
    let store = Store::connect(url).await.context("open the database to count timers")?;
    let count = match &store {
        Store::Sqlite(pool) => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE queue = 'timer' AND status = 'done'")
                .fetch_one(pool)
                .await?
        }
        Store::Postgres(pool) => {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM jobs WHERE queue = 'timer' AND status = 'done'")
                .fetch_one(pool)
                .await?
        }
    };
    store.close().await;
    Ok(count)
}

/// The most memory the desk may take with the scale database.
const TARGET_PEAK_MIB: f64 = 100.0;

/// Seeds the scale database, starts the desk on it, lets residents finish
/// their reports and adds the memory it took to `table`.
pub async fn run(desk: &Path, plan: &Plan, codes: &[String], table: &mut Table) -> anyhow::Result<()> {
    let db = Database::sqlite("scale")?;
    import_units(desk, &db)?;
    println!("  seeding {} open requests and {} residents mid-report…", plan.scale_requests, plan.scale_talkers);
    let seeded = seed(&db.url, codes, plan.scale_requests, plan.scale_talkers).await?;
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
    let ids: Vec<i64> = (0..plan.scale_finishers.min(seeded.talkers)).map(|i| TALKER_BASE + i as i64).collect();
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
    let fired = timers_fired(&db.url).await.unwrap_or(-1);
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
