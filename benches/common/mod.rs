//! What the benches that read the example community share: the community
//! itself, the two backends they run on, and how their timings are printed.

use std::error::Error;
use std::time::Duration;

use community_desk::app::directory::{DirectoryFile, import};
use community_desk::store::Store;
use community_desk::store::scratch::ScratchDatabase;

pub type BenchResult<T> = Result<T, Box<dyn Error + Send + Sync>>;

const EXAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/green-yangyuan");

/// Imports the example community's units, people and households, as an
/// admin's upload of the three files at `now` would.
pub async fn import_example_community(store: &Store, now: i64) -> BenchResult<()> {
    let files = ["units.csv", "people.csv", "households.csv"]
        .into_iter()
        .map(|name| Ok(DirectoryFile { name: name.to_string(), bytes: std::fs::read(format!("{EXAMPLES}/{name}"))? }))
        .collect::<BenchResult<Vec<_>>>()?;
    import(store, files, &[], now).await?;
    Ok(())
}

/// Runs `bench` on SQLite in a temporary file, then on PostgreSQL in a fresh
/// database on the server named by `TEST_DATABASE_URL`, when it is set.
pub async fn on_each_backend(bench: impl AsyncFn(&str, &Store) -> BenchResult<()>) -> BenchResult<()> {
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

/// The median, p95 and max of `samples` as the tables print them, and
/// whether the median met `target`: the target is for a typical call; p95
/// and max show what a busy machine adds.
pub fn figures(mut samples: Vec<Duration>, target: Duration) -> String {
    samples.sort();
    let ms = |d: Duration| format!("{:.1} ms", d.as_secs_f64() * 1000.0);
    let (median, p95, max) =
        (samples[samples.len() / 2], samples[samples.len() * 95 / 100], samples[samples.len() - 1]);
    let verdict = if median < target { "met" } else { "MISSED" };
    format!("{:>10} {:>10} {:>10}  {verdict}", ms(median), ms(p95), ms(max))
}
