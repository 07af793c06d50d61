//! The prover's report: for a terminal (each counterexample in a few lines, then what was
//! skipped and a summary whose case count is what `--cases` asked), as one JSON object for
//! machines (`prove --format json`, read by scripts/prove-vs-runtime.py), and the verdict
//! on a run that could not prove everything.

use std::fmt::Write as _;

use super::{Direction, ProveReport};

impl ProveReport {
    /// Why this run proves less than it was asked to, if it does: some type could not be
    /// checked, or nothing at all was. Such a run must not pass.
    pub fn incomplete(&self) -> Option<String> {
        if !self.skipped.is_empty() {
            let n = self.skipped.len();
            return Some(format!(
                "{n} message type{} could not be proved (listed as skipped): the proof is incomplete",
                if n == 1 { "" } else { "s" }
            ));
        }
        if self.types_checked == 0
            && self.types_unchanged == 0
            && self.types_out_of_reach == 0
            && self.files_unchanged == 0
        {
            return Some(
                "nothing was proved: no message type is declared on both sides".to_string(),
            );
        }
        None
    }
}

impl Direction {
    /// The direction as a machine reads it.
    pub fn id(self) -> &'static str {
        match self {
            Direction::OldReadersNewData => "old_readers_new_data",
            Direction::NewReadersOldData => "new_readers_old_data",
        }
    }
}

/// The report as one JSON object: `seed`, `cases_per_direction`, `cases_run`,
/// `types_checked`, `types_unchanged`, `types_out_of_reach`, `files_unchanged`, `directions_stopped`, `skipped` (`message`,
/// `reason`), `notes`, `incomplete` (null or why), and `counterexamples`, each with
/// `message`, `direction` (`old_readers_new_data` or `new_readers_old_data`), `encoding`
/// (`binary` or `json`), `relay`, `input` (text format), `bytes_hex`, `json` (the JSON text
/// for the JSON mapping, else null), `seen` and `rules`.
pub fn render_json(report: &ProveReport) -> String {
    let counterexamples: Vec<serde_json::Value> = report
        .counterexamples
        .iter()
        .map(|c| {
            serde_json::json!({
                "message": c.message,
                "direction": c.direction.id(),
                "encoding": if c.json.is_some() { "json" } else { "binary" },
                "relay": c.relay,
                "input": c.input,
                "bytes_hex": c.bytes_hex.replace(' ', ""),
                "json": c.json,
                "seen": c.seen,
                "rules": c.rules,
            })
        })
        .collect();
    let skipped: Vec<serde_json::Value> = report
        .skipped
        .iter()
        .map(|(m, why)| serde_json::json!({ "message": m, "reason": why }))
        .collect();
    let value = serde_json::json!({
        "seed": report.seed,
        "cases_per_direction": report.cases_per_direction,
        "cases_run": report.cases_run,
        "types_checked": report.types_checked,
        "types_unchanged": report.types_unchanged,
        "types_out_of_reach": report.types_out_of_reach,
        "files_unchanged": report.files_unchanged,
        "directions_stopped": report.directions_stopped,
        "skipped": skipped,
        "notes": report.notes,
        "incomplete": report.incomplete(),
        "counterexamples": counterexamples,
    });
    format!("{value}\n")
}

/// The report for a terminal: each counterexample in a few lines, then skipped types and a
/// one-line summary with the seed.
pub fn render_text(report: &ProveReport) -> String {
    let mut out = String::new();
    for c in &report.counterexamples {
        let relay = if c.relay {
            ", after a relay (the reader re-wrote what it read; the writer's side read that back)"
        } else {
            ""
        };
        let _ = writeln!(out, "{} — {}{relay}", c.message, c.describe_direction());
        let _ = writeln!(out, "  wrote:  {}", c.input);
        if let Some(json) = &c.json {
            let _ = writeln!(out, "  json:   {json}");
        } else {
            let _ = writeln!(
                out,
                "  bytes:  {}",
                if c.bytes_hex.is_empty() {
                    "(none)"
                } else {
                    &c.bytes_hex
                }
            );
        }
        for (i, s) in c.seen.iter().enumerate() {
            let _ = writeln!(out, "  {} {s}", if i == 0 { "saw:   " } else { "       " });
        }
        let rules = if c.rules.is_empty() {
            "none (no WIRE rule predicted this)".to_string()
        } else {
            c.rules.join(", ")
        };
        let _ = writeln!(out, "  rules:  {rules}");
        out.push('\n');
    }
    for (name, why) in &report.skipped {
        let _ = writeln!(out, "skipped {name}: {why}");
    }
    let mut more: Vec<String> = Vec::new();
    if report.types_unchanged > 0 {
        more.push(format!("{} more unchanged", report.types_unchanged));
    }
    if report.files_unchanged > 0 {
        more.push(format!(
            "{} unchanged file{} not compiled",
            report.files_unchanged,
            if report.files_unchanged == 1 { "" } else { "s" }
        ));
    }
    if report.types_out_of_reach > 0 {
        more.push(format!(
            "{} more reaching changes only deeper than messages nest, not run",
            report.types_out_of_reach
        ));
    }
    let unchanged = match more.is_empty() {
        true => String::new(),
        false => format!(" ({})", more.join("; ")),
    };
    for note in &report.notes {
        let _ = writeln!(out, "note: {note}");
    }
    // The case count is what --cases asked for each type and direction; a direction stops
    // at its first counterexample, which the count then says.
    let stopped = match report.directions_stopped {
        0 => String::new(),
        n => format!(
            "; {n} direction{} stopped at {} first counterexample",
            if n == 1 { "" } else { "s" },
            if n == 1 { "its" } else { "their" }
        ),
    };
    let _ = writeln!(
        out,
        "{} type{} checked{unchanged}, {} cases per type and direction ({} run{stopped}), seed {}: {}",
        report.types_checked,
        if report.types_checked == 1 { "" } else { "s" },
        report.cases_per_direction,
        report.cases_run,
        report.seed,
        match report.counterexamples.len() {
            0 => "no counterexample".to_string(),
            1 => "1 counterexample (reproduce with --seed)".to_string(),
            n => format!("{n} counterexamples (reproduce with --seed)"),
        }
    );
    if let Some(why) = report.incomplete() {
        let _ = writeln!(out, "incomplete: {why}");
    }
    out
}
