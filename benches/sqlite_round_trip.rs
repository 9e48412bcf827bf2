//! What one statement costs on SQLite through sqlx, by where the task that
//! awaits it runs: on tokio's worker threads, free to be on another CPU than
//! the connection's thread, or beside the connection on its pinned runtime
//! (`work::connection_runtime`). Each statement is a round trip between two
//! threads, so the difference is the price of waking a thread on another CPU.
//!
//! `cargo bench --bench sqlite_round_trip` prints microseconds per statement
//! for both and their ratio. It is a measurement, never an assertion.

use std::str::FromStr;
use std::time::Instant;

use community_desk::work::on_connection_runtime;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};

const STATEMENTS: usize = 20_000;

async fn open(path: &std::path::Path) -> SqlitePool {
    let options = SqliteConnectOptions::from_str(&format!("sqlite://{}", path.display()))
        .expect("a SQLite URL")
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Normal);
    SqlitePoolOptions::new().max_connections(1).connect_with(options).await.expect("open SQLite")
}

/// Microseconds per statement, the best of three rounds.
async fn per_statement(pool: SqlitePool) -> f64 {
    let mut best = f64::MAX;
    for _ in 0..3 {
        let mut tx = pool.begin().await.expect("begin");
        let started = Instant::now();
        for i in 0..STATEMENTS {
            let _: (i64,) = sqlx::query_as("SELECT $1 + 1").bind(i as i64).fetch_one(&mut *tx).await.expect("select");
        }
        best = best.min(started.elapsed().as_secs_f64() * 1e6 / STATEMENTS as f64);
        tx.commit().await.expect("commit");
    }
    best
}

fn main() {
    let folder = tempfile::tempdir().expect("a temporary folder");
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build().expect("a runtime");
    let across = runtime.block_on(async {
        let pool = open(&folder.path().join("across.db")).await;
        tokio::spawn(per_statement(pool)).await.expect("the round trips")
    });
    let beside = runtime.block_on(async {
        let path = folder.path().join("beside.db");
        let pool = on_connection_runtime(async move { open(&path).await }).await;
        on_connection_runtime(per_statement(pool)).await
    });
    println!("SQLite statement round trip, {STATEMENTS} statements, best of 3:");
    println!("  from tokio's worker threads       {across:8.1} µs");
    println!("  beside the connection, one CPU    {beside:8.1} µs");
    println!("  ratio                             {:8.1}", across / beside);
}
