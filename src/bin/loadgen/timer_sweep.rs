//! The timer sweep, measured by its own bench: loadgen runs it and copies
//! its verdicts into the table.

use std::process::Command;
use std::time::Duration;

use crate::report::{Row, Table, Verdict};
use crate::{Cli, Scenario, proc};

/// Runs the existing timer-sweep bench and copies its verdict lines into the
/// table; its own table is printed as it runs.
pub fn run(cli: &Cli, table: &mut Table) {
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
