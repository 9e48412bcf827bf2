//! The table loadgen prints: every figure, its target and whether it was met.

use crate::load::LoadResult;
use crate::{BotFigures, Floors, Plan, Scenario, TARGET_ECHO_SHARE, TARGET_P99_MS, TARGET_RATE};

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Verdict {
    Pass,
    Fail,
    /// A figure without a target of its own (context, or the floor).
    Info,
}

impl Verdict {
    pub fn check(ok: bool) -> Verdict {
        if ok { Verdict::Pass } else { Verdict::Fail }
    }

    fn label(self) -> &'static str {
        match self {
            Verdict::Pass => "PASS",
            Verdict::Fail => "FAIL",
            Verdict::Info => "-",
        }
    }
}

pub struct Row {
    scenario: Scenario,
    backend: String,
    figure: String,
    value: String,
    target: String,
    verdict: Verdict,
}

impl Row {
    pub fn figure(
        scenario: Scenario,
        backend: &str,
        figure: &str,
        value: String,
        target: &str,
        verdict: Verdict,
    ) -> Row {
        Row {
            scenario,
            backend: backend.to_string(),
            figure: figure.to_string(),
            value,
            target: target.to_string(),
            verdict,
        }
    }

    /// A scenario that has no figure in this run, with the reason.
    pub fn note(scenario: Scenario, text: &str) -> Row {
        Row::figure(scenario, "-", text, String::new(), "", Verdict::Info)
    }
}

#[derive(Default)]
pub struct Table {
    rows: Vec<Row>,
}

fn ms(value: f64) -> String {
    format!("{value:.2} ms")
}

/// CPU milliseconds the bot spent per answered update in a phase.
fn cpu_ms_per_update(figures: (crate::proc::Usage, crate::proc::Usage), result: &LoadResult) -> f64 {
    (figures.1.cpu_secs - figures.0.cpu_secs) * 1000.0 / result.answered_total.max(1) as f64
}

/// Bot API calls the bot made per answered update in the closed loop: the
/// echo bot makes one; the desk answers a button with the next question, an
/// edit that takes the pressed buttons away and the answer to the press.
pub fn calls_per_update(f: &BotFigures) -> f64 {
    f.closed_calls as f64 / f.closed.answered_total.max(1) as f64
}

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
    }

    pub fn failed(&mut self, backend: &str, why: &str) {
        let first_line = why.lines().next().unwrap_or(why);
        self.push(Row::figure(Scenario::Throughput, backend, "run failed", first_line.into(), "", Verdict::Fail));
    }

    pub fn skipped(&mut self, backend: &str, why: &str) {
        self.push(Row::figure(Scenario::Throughput, backend, why, String::new(), "", Verdict::Info));
    }

    /// The rows of one bot; `backend` is `echo`, `echo+db` (the durable
    /// echo bot) or the desk's backend.
    pub fn bot_rows(&mut self, backend: &str, f: &BotFigures, floors: &Floors<'_>, plan: &Plan) {
        let desk = !backend.starts_with("echo");
        let echo = floors.echo;
        let (c, o) = (&f.closed, &f.open);
        let t = Scenario::Throughput;
        let rate_target = if backend == "sqlite" { format!(">= {TARGET_RATE:.0}/s") } else { String::new() };
        let rate_verdict = if backend == "sqlite" { Verdict::check(c.rate >= TARGET_RATE) } else { Verdict::Info };
        let label = format!("updates/s ({} residents)", plan.residents);
        self.push(Row::figure(t, backend, &label, format!("{:.0}", c.rate), &rate_target, rate_verdict));
        if let (true, Some(echo)) = (desk, echo) {
            let share = c.rate / echo.closed.rate.max(1e-9);
            self.push(Row::figure(
                t,
                backend,
                "rate desk/echo",
                format!("{share:.2}"),
                &format!(">= {TARGET_ECHO_SHARE:.2}"),
                Verdict::check(share >= TARGET_ECHO_SHARE),
            ));
        }
        // Context for the target above: the durable floor's own share of the
        // echo bot's rate, and the desk's share of the durable floor's.
        let (floor, floor_name) =
            if desk { (floors.durable, "echo+db") } else { (echo.filter(|_| backend != "echo"), "echo") };
        if let Some(floor) = floor {
            let share = c.rate / floor.closed.rate.max(1e-9);
            let figure = format!("rate {}/{floor_name}", if desk { "desk" } else { backend });
            self.push(Row::figure(t, backend, &figure, format!("{share:.2}"), "", Verdict::Info));
        }
        // And against the echo bot that answers with as many calls as the
        // desk: what is left of the gap once the calls are paid for.
        if desk && let Some(calls) = floors.calls {
            let share = c.rate / calls.closed.rate.max(1e-9);
            self.push(Row::figure(t, backend, "rate desk/echo+calls", format!("{share:.2}"), "", Verdict::Info));
        }
        // More context: how many calls the bot makes to answer an update,
        // and the rate of those calls against the echo bot's, which counts
        // the work of answering rather than the updates answered.
        let calls = calls_per_update(f);
        self.push(Row::figure(t, backend, "Bot API calls per update", format!("{calls:.2}"), "", Verdict::Info));
        if backend != "echo"
            && let Some(echo) = echo
        {
            let share = c.rate * calls / (echo.closed.rate * calls_per_update(echo)).max(1e-9);
            let figure = format!("calls/s {}/echo", if desk { "desk" } else { backend });
            self.push(Row::figure(t, backend, &figure, format!("{share:.2}"), "", Verdict::Info));
        }
        self.push(Row::figure(t, backend, "p50 latency", ms(c.p50_ms), "", Verdict::Info));
        self.push(Row::figure(t, backend, "p99 latency", ms(c.p99_ms), "", Verdict::Info));
        let cpu = f.closed_usage.1.cpu_secs - f.closed_usage.0.cpu_secs;
        let per_update = cpu_ms_per_update(f.closed_usage, c);
        self.push(Row::figure(
            t,
            backend,
            "bot CPU (s) / per update",
            format!("{cpu:.2} s / {per_update:.3} ms"),
            "",
            Verdict::Info,
        ));
        if let (true, Some(echo)) = (backend != "echo", echo) {
            let ratio = per_update / cpu_ms_per_update(echo.closed_usage, &echo.closed).max(1e-9);
            let figure = format!("CPU per update {}/echo", if desk { "desk" } else { backend });
            self.push(Row::figure(t, backend, &figure, format!("{ratio:.1}"), "", Verdict::Info));
        }
        self.push(Row::figure(
            t,
            backend,
            "bot peak RSS (VmHWM)",
            format!("{:.1} MiB", f.open_usage.1.peak_mib),
            "",
            Verdict::Info,
        ));
        let fixed = Scenario::FixedRate;
        let p99_target = if desk { format!("< {TARGET_P99_MS:.0} ms") } else { String::new() };
        let p99_verdict = if desk { Verdict::check(o.p99_ms < TARGET_P99_MS) } else { Verdict::Info };
        self.push(Row::figure(fixed, backend, "achieved updates/s", format!("{:.0}", o.rate), "", Verdict::Info));
        self.push(Row::figure(fixed, backend, "p50 latency", ms(o.p50_ms), "", Verdict::Info));
        self.push(Row::figure(fixed, backend, "p99 latency", ms(o.p99_ms), &p99_target, p99_verdict));
        if let (true, Some(echo)) = (desk, echo) {
            let ratio = o.p99_ms / echo.open.p99_ms.max(1e-9);
            self.push(Row::figure(fixed, backend, "p99 desk/echo", format!("{ratio:.1}"), "", Verdict::Info));
        }
        let errors = c.timeouts + c.missing_buttons + o.timeouts + o.missing_buttons;
        if errors > 0 || f.warnings > 0 {
            self.push(Row::figure(
                t,
                backend,
                "unanswered updates / bot warnings",
                format!("{errors} / {}", f.warnings),
                "0",
                Verdict::check(errors == 0),
            ));
        }
    }

    pub fn print(&self) {
        // A note (a scenario without figures) spans the figure, value and
        // target columns, so it does not widen them.
        let is_note = |r: &Row| r.value.is_empty() && r.target.is_empty() && r.verdict == Verdict::Info;
        let widths = [
            self.rows.iter().map(|r| r.scenario.title().chars().count()).max().unwrap_or(8).max(8),
            self.rows.iter().map(|r| r.backend.chars().count()).max().unwrap_or(7).max(7),
            self.rows.iter().filter(|r| !is_note(r)).map(|r| r.figure.chars().count()).max().unwrap_or(6).max(6),
            self.rows.iter().map(|r| r.value.chars().count()).max().unwrap_or(5).max(5),
            self.rows.iter().map(|r| r.target.chars().count()).max().unwrap_or(6).max(6),
        ];
        let pad =
            |text: &str, width: usize| format!("{text}{}", " ".repeat(width.saturating_sub(text.chars().count())));
        let line = |cells: [&str; 6]| {
            let mut out = String::new();
            for (cell, width) in cells.iter().zip(widths) {
                out.push_str(&pad(cell, width));
                out.push_str("  ");
            }
            out.push_str(cells[5]);
            println!("{}", out.trim_end());
        };
        line(["scenario", "backend", "figure", "value", "target", "result"]);
        for row in &self.rows {
            if is_note(row) {
                let lead = format!("{}  {}  ", pad(row.scenario.title(), widths[0]), pad(&row.backend, widths[1]));
                println!("{lead}{}", row.figure);
                continue;
            }
            line([row.scenario.title(), &row.backend, &row.figure, &row.value, &row.target, row.verdict.label()]);
        }
        let failed = self.rows.iter().filter(|r| r.verdict == Verdict::Fail).count();
        let passed = self.rows.iter().filter(|r| r.verdict == Verdict::Pass).count();
        println!("\n{passed} targets met, {failed} missed");
    }
}
