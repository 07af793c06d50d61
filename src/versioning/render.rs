//! The semver report: each change located, with the bump it requires under the selected
//! rules and the breaking findings about it (tied in `link`), and its three renderings:
//! text grouped by bump, markdown release notes, JSON.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use serde::Serialize;

use super::changes::{classify_findings, Action, Change, ChangeKind, Element};
use super::link::{self, Links};
use super::version::{next_version, Bump};
use super::Format;
use crate::finding::Subject;
use crate::index::Index;
use crate::report::Annotation;

/// A change as reported: located, with the bump it requires under the selected rules and
/// the breaking findings that concern it.
#[derive(Clone, Debug, Serialize)]
pub struct ReportedChange {
    pub kind: ChangeKind,
    pub element: String,
    /// `path:line:col` in the new schema, or in the old one for a removal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub description: String,
    /// MAJOR when a breaking finding concerns it; otherwise its own bump, at most MINOR.
    pub bump: Bump,
    /// The breaking findings about this change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Annotation>,
}

/// Everything `protoguard semver` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The bump the changes require (see [`classify`]).
    pub bump: Bump,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_version: Option<String>,
    /// Changes per kind (`field_added`: 3).
    pub counts: BTreeMap<String, usize>,
    pub changes: Vec<ReportedChange>,
    /// Breaking findings that no listed change accounts for.
    pub other_breaking: Vec<Annotation>,
}

/// A finding in a list: rule, message, and the new name when it is a rename.
fn finding_text(a: &Annotation) -> String {
    let mut s = match &a.renamed_to {
        Some(to) => format!("{} {} (renamed to {to})", a.rule, a.message),
        None => format!("{} {}", a.rule, a.message),
    };
    s.push_str(&allowed_suffix(a));
    s
}

/// A finding no change accounts for, as a markdown list item.
fn unplaced(a: &Annotation) -> String {
    format!(
        "- `{}`: {}{} (`{}:{}:{}`)\n",
        a.rule,
        a.message,
        allowed_suffix(a),
        a.path.as_deref().or(a.old_path.as_deref()).unwrap_or(""),
        a.start_line,
        a.start_column
    )
}

/// ` (allowed: why)` for a finding the contract allows, else nothing.
fn allowed_suffix(a: &Annotation) -> String {
    match &a.verdict {
        crate::finding::Verdict::Allowed(allowance) => {
            format!(" (allowed: {})", crate::report::allowance_text(allowance))
        }
        crate::finding::Verdict::Breaking => String::new(),
    }
}

impl Report {
    /// Ties findings (with the subjects they are about) to changes, computes each change's
    /// bump and the overall one.
    pub fn new(
        old: &Index,
        new: &Index,
        changes: Vec<Change>,
        findings: Vec<(Subject, Annotation)>,
    ) -> Report {
        let bump = classify_findings(&changes, findings.iter().map(|(_, a)| a));
        let placed = link::places(old, new, &changes);
        let Links { linked, other } = link::link(&changes, &placed, findings);
        let inherited = link::inherited_bumps(&changes, &linked);
        let mut counts = BTreeMap::new();
        let mut out = Vec::with_capacity(changes.len());
        for (((c, findings), (n, o)), inherited) in
            changes.into_iter().zip(linked).zip(placed).zip(inherited)
        {
            *counts.entry(c.kind.key()).or_insert(0) += 1;
            let own = c.bump.min(Bump::Minor);
            let bump = findings
                .iter()
                .map(super::finding_bump)
                .chain(inherited)
                .fold(own, Bump::max);
            let mut description = c.description;
            if inherited.is_some() && c.kind.element != Element::Package {
                description.push_str(" (with its file)");
            }
            let location = n
                .filter(|(_, s)| s.is_some())
                .or(o.filter(|(_, s)| s.is_some()))
                .map(|(p, s)| {
                    let s = s.expect("filtered");
                    format!("{p}:{}:{}", s.start_line, s.start_column)
                })
                .or_else(|| {
                    let site = c
                        .new
                        .as_ref()
                        .map(|s| (new, s))
                        .or(c.old.as_ref().map(|s| (old, s)));
                    site.and_then(|(index, s)| index.files.get(s.file))
                        .map(|f| f.display.clone())
                });
            out.push(ReportedChange {
                kind: c.kind,
                element: c.element,
                location,
                description,
                bump,
                findings,
            });
        }
        Report {
            bump,
            current_version: None,
            next_version: None,
            counts,
            changes: out,
            other_breaking: other,
        }
    }

    /// Records the version released before these changes, and the next one.
    pub fn with_current_version(mut self, current: &semver::Version) -> Report {
        self.current_version = Some(current.to_string());
        self.next_version = Some(next_version(current, self.bump).to_string());
        self
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.render_text(),
            Format::Markdown => self.render_markdown(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    /// Changes grouped by bump (MAJOR first), counts per kind, and the bump on the last line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for bump in [Bump::Major, Bump::Minor, Bump::Patch] {
            let group: Vec<_> = self.changes.iter().filter(|c| c.bump == bump).collect();
            // Unplaced findings: breaking ones are MAJOR, allowed ones at most MINOR.
            let other: Vec<&Annotation> = self
                .other_breaking
                .iter()
                .filter(|a| match bump {
                    Bump::Major => a.verdict.is_breaking(),
                    Bump::Minor => !a.verdict.is_breaking(),
                    _ => false,
                })
                .collect();
            if group.is_empty() && other.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{bump}:");
            for c in group {
                let _ = writeln!(
                    out,
                    "  {}{} {}: {}",
                    c.location
                        .as_ref()
                        .map(|l| format!("{l}: "))
                        .unwrap_or_default(),
                    c.kind,
                    c.element,
                    c.description
                );
                for a in &c.findings {
                    let _ = writeln!(out, "      {}", finding_text(a));
                }
            }
            for a in other {
                let _ = writeln!(
                    out,
                    "  {}:{}:{}: {} {}{}",
                    a.path.as_deref().or(a.old_path.as_deref()).unwrap_or(""),
                    a.start_line,
                    a.start_column,
                    a.rule,
                    a.message,
                    allowed_suffix(a)
                );
            }
            out.push('\n');
        }
        let total: usize = self.counts.values().sum();
        let _ = writeln!(out, "changes: {total}");
        for (kind, n) in &self.counts {
            let _ = writeln!(out, "  {}: {n}", kind.replace('_', " "));
        }
        if let (Some(cur), Some(next)) = (&self.current_version, &self.next_version) {
            let _ = writeln!(out, "current version: {cur}");
            let _ = writeln!(out, "next version: {next}");
        }
        let _ = writeln!(out, "bump: {}", self.bump);
        out
    }

    /// Release notes: Breaking, Added, Changed and Docs sections (empty ones left out), and
    /// a table of counts. The bump is in the heading line, not on a last line of its own.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        match &self.next_version {
            Some(v) => {
                let _ = writeln!(out, "# {v}\n");
            }
            None => out.push_str("# Schema changes\n\n"),
        }
        match (&self.current_version, &self.next_version) {
            (Some(c), Some(n)) => {
                let _ = writeln!(out, "Required bump: **{}** ({c} → {n})\n", self.bump);
            }
            _ => {
                let _ = writeln!(out, "Required bump: **{}**\n", self.bump);
            }
        }
        let item = |c: &ReportedChange| {
            let mut s = format!(
                "- {} `{}`: {}",
                capitalize(&c.kind.to_string()),
                c.element,
                c.description
            );
            if let Some(l) = &c.location {
                let _ = write!(s, " (`{l}`)");
            }
            s.push('\n');
            for a in &c.findings {
                let _ = write!(s, "  - `{}`: {}", a.rule, a.message);
                if let Some(to) = &a.renamed_to {
                    let _ = write!(s, " (renamed to `{to}`)");
                }
                s.push_str(&allowed_suffix(a));
                s.push('\n');
            }
            s
        };
        let breaking: Vec<&ReportedChange> = self
            .changes
            .iter()
            .filter(|c| c.bump == Bump::Major)
            .collect();
        let rest = |f: &dyn Fn(&ReportedChange) -> bool| -> Vec<&ReportedChange> {
            self.changes
                .iter()
                .filter(|c| c.bump != Bump::Major && f(c))
                .collect()
        };
        let added = rest(&|c| c.kind.action == Action::Added);
        let changed = rest(&|c| {
            matches!(
                c.kind.action,
                Action::Removed | Action::Changed | Action::Options
            )
        });
        let docs = rest(&|c| c.kind.action == Action::Docs);
        // Unplaced findings the contract allows are listed where they count: not as breaking.
        let (other_breaking, other_allowed): (Vec<&Annotation>, Vec<&Annotation>) = self
            .other_breaking
            .iter()
            .partition(|a| a.verdict.is_breaking());
        if !breaking.is_empty() || !other_breaking.is_empty() {
            out.push_str("## Breaking\n\n");
            for c in &breaking {
                out.push_str(&item(c));
            }
            for a in &other_breaking {
                out.push_str(&unplaced(a));
            }
            out.push('\n');
        }
        if !other_allowed.is_empty() {
            out.push_str("## Allowed by the compatibility contract\n\n");
            for a in &other_allowed {
                out.push_str(&unplaced(a));
            }
            out.push('\n');
        }
        for (title, list) in [("Added", added), ("Changed", changed), ("Docs", docs)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {title}\n");
            for c in list {
                out.push_str(&item(c));
            }
            out.push('\n');
        }
        if !self.counts.is_empty() {
            out.push_str("## Counts\n\n| change | count |\n|---|---:|\n");
            for (kind, n) in &self.counts {
                let _ = writeln!(out, "| {} | {n} |", kind.replace('_', " "));
            }
            out.push('\n');
        }
        out
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}
