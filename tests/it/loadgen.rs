//! A smoke run of the benchmark binary: it must finish and print its table.
//! No figure is asserted; timings belong to BENCHMARKS.md, not to the tests.
//! It takes about a minute, so it stays out of the default `cargo test`;
//! `.ci/run` runs it.

use std::process::Command;
use std::time::{Duration, Instant};

#[test]
#[ignore = "about a minute of load; .ci/run runs it: cargo test --test it loadgen -- --ignored"]
fn loadgen_quick_run_completes_and_prints_the_table() {
    let started = Instant::now();
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--quick", "--skip-postgres"])
        .output()
        .expect("start loadgen");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "loadgen failed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    for needle in
        ["scenario", "max throughput", "fixed rate", "echo+calls", "memory at scale", "broadcast", "morning check-ins"]
    {
        assert!(stdout.contains(needle), "the table lacks {needle:?}\n{stdout}");
    }
    // loadgen bounds every wait; a smoke run far beyond its budget means one
    // of those bounds is missing.
    assert!(started.elapsed() < Duration::from_secs(600), "loadgen --quick took {:?}", started.elapsed());
}

#[test]
#[ignore = "about a minute of load; .ci/run runs it: cargo test --test it loadgen -- --ignored"]
fn loadgen_quick_storm_completes_and_prints_both_columns() {
    let output = Command::new(env!("CARGO_BIN_EXE_loadgen"))
        .args(["--quick", "storm", "--residents", "10", "--window", "10", "--households", "100"])
        .output()
        .expect("start loadgen");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "loadgen failed\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}");
    for needle in ["storm results", "p99 update to next question", "community-desk", "teloxide Throttle"] {
        assert!(stdout.contains(needle), "the table lacks {needle:?}\n{stdout}");
    }
    assert!(!stdout.contains("failed"), "{stdout}");
}
