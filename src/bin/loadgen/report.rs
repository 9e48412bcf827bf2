//! The table loadgen prints: every figure, its target and whether it was met.

use crate::Scenario;

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

impl Table {
    pub fn push(&mut self, row: Row) {
        self.rows.push(row);
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
