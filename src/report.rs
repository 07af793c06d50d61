//! Reports: findings resolved to paths and spans, filtered by the config's ignores, and
//! rendered as text, JSON lines or rich terminal diagnostics.

use std::fmt::Write as _;
use std::ops::Range;
use std::sync::Arc;

use serde::Serialize;

use crate::catalog;
use crate::config::{FileRef, Policy};
use crate::finding::{Allowance, AllowedBy, PolicyWarning, Stability, Verdict};
use crate::index::{Index, Site, Span};
use crate::rules::{Finding, Subject};

/// One finding, located and ready to print.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Annotation {
    /// The new file as shown to the user; `None` when nothing is left to point at.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub path: Option<String>,
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
    /// The rule ID (buf calls this key `type`).
    #[serde(rename = "type")]
    pub rule: &'static str,
    pub message: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_path: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_start_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub old_start_column: Option<u32>,
    pub categories: Vec<String>,
    /// For a deletion that is really a rename: the new name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub renamed_to: Option<String>,
    /// Messages, services and RPCs that reach the changed element.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub affects: Vec<String>,
    /// Further facts for a reviewer.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<String>,
    /// The new file's text and the finding's byte range in it, for showing source (not
    /// serialized).
    #[serde(skip)]
    pub source: Option<(Arc<str>, Range<usize>)>,
    /// What the compatibility contract says of it (serialized by [`render_json`] only when a
    /// contract is in force, so that output without one stays buf's).
    #[serde(skip)]
    pub verdict: Verdict,
    /// For a data-window finding (`--window`): the releases whose data it breaks.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub against: Vec<String>,
    /// Why the contract did not allow it (e.g. "never deprecated").
    #[serde(skip_serializing_if = "Option::is_none")]
    pub verdict_note: Option<String>,
}

const FILE_SPAN: Span = Span {
    start_line: 1,
    start_column: 1,
    end_line: 1,
    end_column: 1,
};

fn resolve(index: &Index, site: &Site) -> (String, Span) {
    let file = &index.files[site.file];
    let span = site
        .path
        .as_deref()
        .and_then(|p| file.span(p))
        .unwrap_or(FILE_SPAN);
    (file.display.clone(), span)
}

/// What the policy needs to know of the file a site is in.
fn file_ref<'a>(index: &'a Index, site: &Option<Site>) -> Option<FileRef<'a>> {
    site.as_ref().map(|s| {
        let file = &index.files[s.file];
        FileRef {
            module_root: &file.module_root,
            name: &file.name,
            package: &file.package,
        }
    })
}

/// Locates findings, drops the ignored ones, and sorts the rest by path, line and column.
pub fn annotate(
    old: &Index,
    new: &Index,
    findings: Vec<Finding>,
    policy: &Policy,
) -> Vec<Annotation> {
    annotate_with_subjects(old, new, findings, policy)
        .into_iter()
        .map(|(_, a)| a)
        .collect()
}

/// [`annotate`], each annotation with the subject of its finding (what code reads to know
/// which element it is about; the annotation is what people read).
pub fn annotate_with_subjects(
    old: &Index,
    new: &Index,
    findings: Vec<Finding>,
    policy: &Policy,
) -> Vec<(Subject, Annotation)> {
    let mut out = Vec::new();
    for f in findings {
        // buf: a finding whose element has no place in the new file is attached to the new
        // file of the same path as a whole (e.g. an option that was removed).
        let new_site = f.new.clone().or_else(|| {
            let old_site = f.old.as_ref()?;
            new.file_id(&old.files[old_site.file].name).map(Site::file)
        });
        let keep = policy.keeps(f.rule, file_ref(new, &new_site), file_ref(old, &f.old));
        if !keep {
            continue;
        }
        let (path, span, source) = match &new_site {
            Some(s) => {
                let (p, sp) = resolve(new, s);
                let file = &new.files[s.file];
                let range = match &s.path {
                    Some(path) => file.byte_range(path),
                    None => Some(0..0),
                };
                let source = file.text.clone().zip(range);
                (Some(p), sp, source)
            }
            None => (None, FILE_SPAN, None),
        };
        let old_loc = f.old.as_ref().map(|s| resolve(old, s));
        let annotation = Annotation {
            path,
            start_line: span.start_line,
            start_column: span.start_column,
            end_line: span.end_line,
            end_column: span.end_column,
            rule: f.rule,
            message: f.message,
            old_path: old_loc.as_ref().map(|(p, _)| p.clone()),
            old_start_line: old_loc.as_ref().map(|(_, s)| s.start_line),
            old_start_column: old_loc.as_ref().map(|(_, s)| s.start_column),
            categories: catalog::get(f.rule)
                .map(|d| d.categories.clone())
                .unwrap_or_default(),
            renamed_to: f.renamed_to,
            affects: f.affects,
            notes: f.notes,
            source,
            verdict: f.verdict,
            against: f.against,
            verdict_note: f.verdict_note,
        };
        out.push((f.subject, annotation));
    }
    out.sort_by(|(_, a), (_, b)| order(a, b));
    out
}

/// Sorts located findings by path, line and column (then rule and message).
pub fn sort(out: &mut [Annotation]) {
    out.sort_by(order);
}

fn order(a: &Annotation, b: &Annotation) -> std::cmp::Ordering {
    (
        &a.path,
        a.start_line,
        a.start_column,
        a.end_line,
        a.end_column,
        a.rule,
        &a.message,
    )
        .cmp(&(
            &b.path,
            b.start_line,
            b.start_column,
            b.end_line,
            b.end_column,
            b.rule,
            &b.message,
        ))
}

use crate::limits::escape_controls;

/// `path:line:col: RULE_ID message`, one finding a line (`<input>` when there is no path;
/// control characters escaped, so a file name holding a newline cannot forge a line that a
/// CI runner obeys), followed by indented `renamed:`, `note:` and `affects:` lines when there are any.
///
/// Findings the contract allows follow the breaking ones under their own heading, each with
/// an `allowed:` line saying what allowed it and why; the contract's warnings (stale or
/// expired waivers) come last. Without either, the output is buf's.
pub fn render_text(annotations: &[Annotation]) -> String {
    render_text_with(annotations, &[])
}

/// [`render_text`] with the contract's warnings.
pub fn render_text_with(annotations: &[Annotation], warnings: &[PolicyWarning]) -> String {
    let mut s = String::new();
    let (breaking, allowed) = split_by_verdict(annotations);
    for a in breaking {
        text_line(&mut s, a);
    }
    if !allowed.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "allowed by the compatibility contract ({}):",
            allowed.len()
        );
        for a in allowed {
            text_line(&mut s, a);
        }
    }
    if !warnings.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        for w in warnings {
            let _ = writeln!(s, "{}", escape_controls(&warning_line(w)));
        }
    }
    s
}

fn text_line(s: &mut String, a: &Annotation) {
    let _ = writeln!(
        s,
        "{}:{}:{}: {} {}",
        escape_controls(a.path.as_deref().unwrap_or("<input>")),
        a.start_line,
        a.start_column,
        a.rule,
        escape_controls(&a.message)
    );
    s.push_str(&details(a));
}

/// A contract warning as a text line: `path:line:col: warning: message`.
pub fn warning_line(w: &PolicyWarning) -> String {
    match &w.location {
        Some((p, l, c)) => format!("{p}:{l}:{c}: warning: {}", w.message),
        None => format!("warning: {}", w.message),
    }
}

/// The breaking findings and the allowed ones, each in their order.
pub fn split_by_verdict(annotations: &[Annotation]) -> (Vec<&Annotation>, Vec<&Annotation>) {
    annotations.iter().partition(|a| a.verdict.is_breaking())
}

/// What allowed a finding, in words: `waiver at a.proto:3:5: moved to v2`.
pub fn allowance_text(a: &Allowance) -> String {
    match &a.by {
        AllowedBy::Waiver {
            origin, expires, ..
        } => match expires {
            Some(d) => format!("waiver at {origin} (until {d}): {}", a.reason),
            None => format!("waiver at {origin}: {}", a.reason),
        },
        AllowedBy::Stability { .. }
        | AllowedBy::UnstablePackage { .. }
        | AllowedBy::Deprecation { .. } => a.reason.clone(),
    }
}

/// The indented lines under a finding: rename, notes, blast radius.
pub fn details(a: &Annotation) -> String {
    let mut s = String::new();
    if let Verdict::Allowed(allowance) = &a.verdict {
        let _ = writeln!(
            s,
            "    allowed: {}",
            escape_controls(&allowance_text(allowance))
        );
    }
    if let Some(to) = &a.renamed_to {
        let _ = writeln!(s, "    renamed to: {}", escape_controls(to));
    }
    for n in &a.notes {
        let _ = writeln!(s, "    note: {}", escape_controls(n));
    }
    if !a.against.is_empty() {
        let _ = writeln!(s, "    against: {}", escape_controls(&a.against.join(", ")));
    }
    if let Some(why) = &a.verdict_note {
        let _ = writeln!(s, "    contract: {}", escape_controls(why));
    }
    if !a.affects.is_empty() {
        const SHOWN: usize = 5;
        let mut list = a
            .affects
            .iter()
            .take(SHOWN)
            .cloned()
            .collect::<Vec<_>>()
            .join(", ");
        if a.affects.len() > SHOWN {
            list.push_str(&format!(" and {} more", a.affects.len() - SHOWN));
        }
        let _ = writeln!(s, "    affects: {}", escape_controls(&list));
    }
    s
}

/// One JSON object a line, with buf's keys plus the old location and the categories.
pub fn render_json(annotations: &[Annotation]) -> String {
    render_json_with(annotations, &[], false)
}

/// [`render_json`] under a contract (`contract`: one is in force): every finding also says
/// `"verdict": "breaking"` or `"allowed"`, an allowed one `"allowed_by"` (kind, reason,
/// origin...), and each warning is a line `{"warning": ..., "path", "start_line",
/// "start_column"}`.
pub fn render_json_with(
    annotations: &[Annotation],
    warnings: &[PolicyWarning],
    contract: bool,
) -> String {
    let mut s = String::new();
    for a in annotations {
        let mut line = serde_json::to_string(a).unwrap_or_default();
        if contract && line.ends_with('}') {
            line.pop();
            match &a.verdict {
                Verdict::Breaking => line.push_str(",\"verdict\":\"breaking\""),
                Verdict::Allowed(allowance) => {
                    line.push_str(",\"verdict\":\"allowed\",\"allowed_by\":");
                    line.push_str(&allowed_by_json(allowance).to_string());
                }
            }
            line.push('}');
        }
        s.push_str(&line);
        s.push('\n');
    }
    for w in warnings {
        let mut j = serde_json::json!({ "warning": w.message });
        if let Some((p, l, c)) = &w.location {
            j["path"] = p.clone().into();
            j["start_line"] = (*l).into();
            j["start_column"] = (*c).into();
        }
        s.push_str(&j.to_string());
        s.push('\n');
    }
    s
}

/// `allowed_by` of the JSON output: `kind` (`waiver`, `stability`, `unstable_package`,
/// `deprecation`), `reason`, and what the kind knows.
pub fn allowed_by_json(a: &Allowance) -> serde_json::Value {
    use serde_json::json;
    match &a.by {
        AllowedBy::Waiver {
            rule,
            origin,
            expires,
        } => {
            json!({"kind": "waiver", "reason": a.reason, "rule": rule, "origin": origin, "expires": expires})
        }
        AllowedBy::Stability {
            element,
            stability,
            origin,
        } => {
            json!({"kind": "stability", "reason": a.reason, "stability": stability_word(*stability), "element": element, "origin": origin})
        }
        AllowedBy::UnstablePackage { package } => {
            json!({"kind": "unstable_package", "reason": a.reason, "package": package})
        }
        AllowedBy::Deprecation {
            deprecated_in,
            releases,
        } => {
            json!({"kind": "deprecation", "reason": a.reason, "deprecated_in": deprecated_in, "releases": releases})
        }
    }
}

/// `experimental`, `internal` or `stable`.
pub fn stability_word(s: Stability) -> &'static str {
    s.word()
}

/// Rich terminal diagnostics: the new span underlined in its source, the old location named.
/// Findings the contract allows follow under their own heading, as advice.
pub fn render_rich(annotations: &[Annotation]) -> String {
    let (breaking, allowed) = split_by_verdict(annotations);
    let mut s = rich_list(&breaking);
    if !allowed.is_empty() {
        if !s.is_empty() {
            s.push('\n');
        }
        let _ = writeln!(
            s,
            "allowed by the compatibility contract ({}):",
            allowed.len()
        );
        s.push_str(&rich_list(&allowed));
    }
    s
}

fn rich_list(annotations: &[&Annotation]) -> String {
    use miette::{GraphicalReportHandler, GraphicalTheme, LabeledSpan, MietteDiagnostic};
    let handler = GraphicalReportHandler::new_themed(GraphicalTheme::unicode());
    let mut s = String::new();
    for &a in annotations {
        let severity = match a.verdict {
            Verdict::Breaking => miette::Severity::Error,
            Verdict::Allowed(_) => miette::Severity::Advice,
        };
        let mut diag = MietteDiagnostic::new(a.message.clone())
            .with_code(a.rule)
            .with_severity(severity);
        if let Some(old) = &a.old_path {
            diag = diag.with_help(format!(
                "was at {}:{}:{} · `protoguard explain {}`",
                old,
                a.old_start_line.unwrap_or(1),
                a.old_start_column.unwrap_or(1),
                a.rule
            ));
        } else {
            diag = diag.with_help(format!("`protoguard explain {}`", a.rule));
        }
        let rendered = match (&a.path, &a.source) {
            (Some(path), Some((text, range))) => {
                let diag = diag.with_label(LabeledSpan::at(range.clone(), a.rule));
                let report = miette::Report::new(diag).with_source_code(BufColumns {
                    name: path.clone(),
                    text: Arc::clone(text),
                });
                let mut out = String::new();
                handler
                    .render_report(&mut out, report.as_ref())
                    .ok()
                    .map(|_| out)
            }
            _ => None,
        };
        match rendered {
            Some(r) => {
                s.push_str(&r);
                s.push_str(&details(a));
            }
            // No source to show: the plain line, with its details.
            None => text_line(&mut s, a),
        }
    }
    s
}

/// A file's text for miette whose header names the finding's start as buf does (columns in
/// terminal cells, see [`crate::columns`]), like the text output, not miette's own count.
struct BufColumns {
    name: String,
    text: Arc<str>,
}

impl miette::SourceCode for BufColumns {
    fn read_span<'a>(
        &'a self,
        span: &miette::SourceSpan,
        context_lines_before: usize,
        context_lines_after: usize,
    ) -> Result<Box<dyn miette::SpanContents<'a> + 'a>, miette::MietteError> {
        let text: &str = &self.text;
        let inner = text.read_span(span, context_lines_before, context_lines_after)?;
        // With context lines miette walks the lines itself; only the bare span (the
        // header's reference point) gets buf's column.
        let column = if context_lines_before == 0 && context_lines_after == 0 {
            let offset = span.offset().min(text.len());
            let line_start = text[..offset].rfind('\n').map_or(0, |i| i + 1);
            let line = &text[line_start..];
            crate::columns::display_column(line, offset - line_start) as usize - 1
        } else {
            inner.column()
        };
        Ok(Box::new(miette::MietteSpanContents::new_named(
            self.name.clone(),
            inner.data(),
            *inner.span(),
            inner.line(),
            column,
            inner.line_count(),
        )))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rich_header_names_bufs_column() {
        let text: Arc<str> =
            "syntax = \"proto3\";\nmessage M {\n\t/*中*/\tint64 x = 1;\n}\n".into();
        let start = text.find("int64").unwrap();
        let a = Annotation {
            path: Some("a.proto".into()),
            start_line: 3,
            start_column: 13,
            end_line: 3,
            end_column: 18,
            rule: "FIELD_SAME_TYPE",
            message: "changed".into(),
            old_path: None,
            old_start_line: None,
            old_start_column: None,
            categories: Vec::new(),
            renamed_to: None,
            affects: Vec::new(),
            notes: Vec::new(),
            source: Some((Arc::clone(&text), start..start + 5)),
            ..Default::default()
        };
        let out = render_rich(&[a]);
        assert!(out.contains("a.proto:3:13"), "{out}");
    }
}
