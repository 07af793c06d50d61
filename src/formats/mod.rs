//! CI output formats: `github-actions`, `msvs`, `junit` and `gitlab-code-quality` exactly as
//! `buf breaking --error-format X` (buf 1.75) prints them, and SARIF 2.1.0 for GitHub code
//! scanning.
//!
//! The four buf formats are byte for byte buf's, checked against captures of buf's own output
//! in `tests/golden/buf/`. They depart from buf only where buf's output is wrong for the
//! program that reads it:
//!
//! * `github-actions`: buf writes the path and message unescaped, so a path holding `,` or `:`
//!   or a message holding a newline or `%` corrupts the workflow command; we escape as the
//!   Actions toolkit does. A finding with no file is written by buf as `file=<input>` (a file
//!   that does not exist); we write `::error title=RULE_ID::MESSAGE`, a run-level annotation.
//! * `gitlab-code-quality`: buf writes a finding with no file without `location.path`, which
//!   GitLab's parser cannot turn into a link; we point it at the old file when there is one,
//!   else at `""` (see [`render_gitlab_code_quality`]).
//!
//! * `msvs` (and `text`): control characters in paths and messages are escaped (`\n`), so a
//!   file name holding a newline cannot start a line of its own (such as `::warning ...`,
//!   which the GitHub Actions runner would obey).
//!
//! Every renderer keeps the order of its input (`report::annotate` sorts as buf does).
//!
//! Findings the compatibility contract allows ([`crate::policy`]) are shown, never hidden,
//! each in the way its reader understands: a `::notice` in `github-actions`, an `info` line in
//! `msvs`, a `<skipped>` test case in `junit`, an `info` issue in `gitlab-code-quality`, a
//! result with `suppressions` (and their `justification`) in SARIF. The contract's warnings
//! (stale or expired waivers) are `::warning`s, `warning` lines, a `<system-err>`, `info`
//! issues and SARIF tool notifications. Without allowed findings or warnings, every format is
//! exactly what it was.

use std::fmt::Write as _;

use crate::finding::Verdict;
use crate::limits::escape_controls;
use crate::policy::PolicyWarning;
use crate::report::{allowance_text, Annotation};

mod sarif;
mod shake;

pub use sarif::{render_sarif, render_sarif_with};
use shake::{hex, shake256};

/// The format names, as `--format`/`--error-format` spells them.
pub const FORMATS: &[&str] = &[
    "github-actions",
    "msvs",
    "junit",
    "gitlab-code-quality",
    "sarif",
];

/// Renders `annotations` in the named format (one of [`FORMATS`]); `None` for another name.
pub fn render(format: &str, annotations: &[Annotation]) -> Option<String> {
    Some(match format {
        "github-actions" => render_github_actions(annotations),
        "msvs" => render_msvs(annotations),
        "junit" => render_junit(annotations),
        "gitlab-code-quality" => render_gitlab_code_quality(annotations),
        "sarif" => render_sarif(annotations),
        _ => return None,
    })
}

/// buf's name for "no file" in its text-like formats.
const NO_PATH: &str = "<input>";

/// The span as buf holds it: a finding without a file has no known line or column (0), which
/// buf's printers either leave out or print as 1.
fn span(a: &Annotation) -> [u32; 4] {
    if a.path.is_some() {
        [a.start_line, a.start_column, a.end_line, a.end_column]
    } else {
        [0; 4]
    }
}

/// The message, or buf's fallbacks when it is empty.
fn message_or_type(a: &Annotation) -> &str {
    if !a.message.is_empty() {
        &a.message
    } else if !a.rule.is_empty() {
        a.rule
    } else {
        "FAILURE"
    }
}

// ---------------------------------------------------------------------------------------------
// github-actions

/// GitHub Actions workflow commands, one a line, as buf prints them:
///
/// `::error file=PATH,line=L,col=C,endLine=EL,endColumn=EC::MESSAGE`
///
/// buf names no rule in this format (the message says what changed) and neither do we, so a
/// log scraper written for buf keeps working. Properties are escaped as the Actions toolkit's
/// `escapeProperty` does (`%` `\r` `\n` `:` `,`), the message as its `escapeData` does
/// (`%` `\r` `\n`); for ordinary paths and messages that changes nothing. A finding with no
/// file becomes `::error title=RULE_ID::MESSAGE` (buf: `file=<input>`, a file GitHub cannot
/// find), so the annotation sits on the run and still names its rule.
pub fn render_github_actions(annotations: &[Annotation]) -> String {
    render_github_actions_with(annotations, &[])
}

/// [`render_github_actions`] under a contract: an allowed finding is a `::notice` whose
/// message ends with what allowed it; each warning a `::warning`.
pub fn render_github_actions_with(
    annotations: &[Annotation],
    warnings: &[PolicyWarning],
) -> String {
    let mut s = String::new();
    for a in annotations {
        let allowed = match &a.verdict {
            Verdict::Breaking => None,
            Verdict::Allowed(allowance) => Some(allowance_text(allowance)),
        };
        s.push_str(if allowed.is_some() {
            "::notice "
        } else {
            "::error "
        });
        match &a.path {
            Some(path) => {
                s.push_str("file=");
                s.push_str(&escape_property(path));
                let [line, col, end_line, end_col] = span(a);
                // buf prints each coordinate only when known, and none without a start line.
                if line > 0 {
                    let _ = write!(s, ",line={line}");
                    if col > 0 {
                        let _ = write!(s, ",col={col}");
                    }
                    if end_line > 0 {
                        let _ = write!(s, ",endLine={end_line}");
                        if end_col > 0 {
                            let _ = write!(s, ",endColumn={end_col}");
                        }
                    }
                }
                // Unlike buf, name the rule: it is the annotation's title on the PR.
                s.push_str(",title=");
                s.push_str(&escape_property(a.rule));
            }
            None => {
                s.push_str("title=");
                s.push_str(&escape_property(a.rule));
            }
        }
        s.push_str("::");
        s.push_str(&escape_data(&a.message));
        if let Some(why) = allowed {
            s.push_str(&escape_data(&format!(" (allowed: {why})")));
        }
        s.push('\n');
    }
    for w in warnings {
        s.push_str("::warning ");
        if let Some((path, line, col)) = &w.location {
            let _ = write!(s, "file={},line={line},col={col},", escape_property(path));
        }
        s.push_str("title=protoguard contract::");
        s.push_str(&escape_data(&w.message));
        s.push('\n');
    }
    s
}

/// The Actions toolkit's `escapeData`.
fn escape_data(s: &str) -> String {
    s.replace('%', "%25")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

/// The Actions toolkit's `escapeProperty`.
fn escape_property(s: &str) -> String {
    escape_data(s).replace(':', "%3A").replace(',', "%2C")
}

// ---------------------------------------------------------------------------------------------
// msvs

/// Visual Studio's error format, one finding a line, exactly as buf prints it:
/// `PATH(LINE,COL) : error RULE_ID : MESSAGE`, with `<input>(1,1)` for a finding with no file.
pub fn render_msvs(annotations: &[Annotation]) -> String {
    render_msvs_with(annotations, &[])
}

/// [`render_msvs`] under a contract: an allowed finding is an `info` line ending with what
/// allowed it; each warning a `warning` line.
pub fn render_msvs_with(annotations: &[Annotation], warnings: &[PolicyWarning]) -> String {
    let mut s = String::new();
    for a in annotations {
        let [line, col, ..] = span(a);
        let rule = if a.rule.is_empty() { "FAILURE" } else { a.rule };
        let (category, message) = match &a.verdict {
            Verdict::Breaking => ("error", message_or_type(a).to_string()),
            Verdict::Allowed(allowance) => (
                "info",
                format!(
                    "{} (allowed: {})",
                    message_or_type(a),
                    allowance_text(allowance)
                ),
            ),
        };
        let _ = writeln!(
            s,
            "{}({},{}) : {category} {} : {}",
            // One finding a line, whatever a file name or message holds.
            escape_controls(a.path.as_deref().unwrap_or(NO_PATH)),
            line.max(1),
            col.max(1),
            rule,
            escape_controls(&message)
        );
    }
    for w in warnings {
        let (path, line, col) = w
            .location
            .as_ref()
            .map_or((NO_PATH, 1, 1), |(p, l, c)| (p.as_str(), *l, *c));
        let _ = writeln!(
            s,
            "{}({line},{col}) : warning PROTOGUARD_CONTRACT : {}",
            escape_controls(path),
            escape_controls(&w.message)
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// junit

/// JUnit XML exactly as buf prints it: one `<testsuite>` per file (named after the path
/// without `.proto`; `<input>` for findings with no file) in order of first appearance, one
/// `<testcase name="RULE_ID_LINE_COL">` with a `<failure>` per finding, whose `message` is the
/// text format's line. Indented by two spaces, escaped as Go's `encoding/xml` escapes
/// attributes (`&#34;` for `"`, `&#39;` for `'`), so the output is valid XML for any message.
pub fn render_junit(annotations: &[Annotation]) -> String {
    render_junit_with(annotations, &[])
}

/// [`render_junit`] under a contract: an allowed finding is a test case marked `<skipped>`
/// with what allowed it (its suite counts it in `skipped`, not in `failures`); the warnings
/// are the `<system-err>` of a suite of their own, `protoguard contract`.
pub fn render_junit_with(annotations: &[Annotation], warnings: &[PolicyWarning]) -> String {
    let mut groups: Vec<(&str, Vec<&Annotation>)> = Vec::new();
    for a in annotations {
        let path = a.path.as_deref().unwrap_or(NO_PATH);
        match groups.iter_mut().find(|(p, _)| *p == path) {
            Some((_, v)) => v.push(a),
            None => groups.push((path, vec![a])),
        }
    }
    if groups.is_empty() && warnings.is_empty() {
        // What Go's indenting encoder writes for an element with no children.
        return "<testsuites></testsuites>\n".to_string();
    }
    let mut s = String::from("<testsuites>");
    for (path, group) in &groups {
        let name = path.strip_suffix(".proto").unwrap_or(path);
        let skipped = group.iter().filter(|a| !a.verdict.is_breaking()).count();
        let skipped_attr = if skipped > 0 {
            format!(" skipped=\"{skipped}\"")
        } else {
            String::new()
        };
        let _ = write!(
            s,
            "\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\"{skipped_attr}>",
            xml_attr(name),
            group.len(),
            group.len() - skipped
        );
        for a in group {
            let [line, col, ..] = span(a);
            let mut case = a.rule.to_string();
            if col != 0 {
                let _ = write!(case, "_{line}_{col}");
            } else if line != 0 {
                let _ = write!(case, "_{line}");
            }
            let text = format!(
                "{}:{}:{}:{}",
                path,
                line.max(1),
                col.max(1),
                message_or_type(a)
            );
            match &a.verdict {
                Verdict::Breaking => {
                    let _ = write!(
                        s,
                        "\n    <testcase name=\"{}\">\n      <failure message=\"{}\" type=\"{}\"></failure>\n    </testcase>",
                        xml_attr(&case),
                        xml_attr(&text),
                        xml_attr(a.rule)
                    );
                }
                Verdict::Allowed(allowance) => {
                    let why = format!("{text} (allowed: {})", allowance_text(allowance));
                    let _ = write!(
                        s,
                        "\n    <testcase name=\"{}\">\n      <skipped message=\"{}\"></skipped>\n    </testcase>",
                        xml_attr(&case),
                        xml_attr(&why)
                    );
                }
            }
        }
        s.push_str("\n  </testsuite>");
    }
    if !warnings.is_empty() {
        let text: Vec<String> = warnings.iter().map(crate::report::warning_line).collect();
        let _ = write!(
            s,
            "\n  <testsuite name=\"protoguard contract\" tests=\"0\" failures=\"0\" errors=\"0\">\n    <system-err>{}</system-err>\n  </testsuite>",
            xml_text(&text.join("\n"))
        );
    }
    s.push_str("\n</testsuites>\n");
    s
}

/// Go's `xml.EscapeString`: markup characters and whitespace other than the space as character
/// references, characters XML cannot hold as U+FFFD.
fn xml_attr(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '"' => out.push_str("&#34;"),
            '\'' => out.push_str("&#39;"),
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' => out.push_str("&#x9;"),
            '\n' => out.push_str("&#xA;"),
            '\r' => out.push_str("&#xD;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

/// Element text: `&`, `<` and `>` escaped, characters XML cannot hold as U+FFFD.
fn xml_text(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c if is_xml_char(c) => out.push(c),
            _ => out.push('\u{FFFD}'),
        }
    }
    out
}

fn is_xml_char(c: char) -> bool {
    matches!(c as u32, 0x09 | 0x0A | 0x0D | 0x20..=0xD7FF | 0xE000..=0xFFFD | 0x10000..=0x10FFFF)
}

// ---------------------------------------------------------------------------------------------
// gitlab-code-quality

/// A GitLab Code Quality report exactly as buf prints it: one JSON array on one line, each
/// issue `{description, check_name, fingerprint, location: {path, positions: {begin: {line,
/// column}, end: {line, column}}}, severity: "minor"}`, encoded as Go's `encoding/json` does
/// (`<`, `>`, `&` as `\u003c`…), and `fingerprint` the hex SHAKE256-512 digest of the issue's
/// JSON without the fingerprint: the same finding always gets the same fingerprint, two
/// findings that differ in anything get different ones.
///
/// Findings with no file: buf leaves out `location.path` and the positions, and GitLab then
/// cannot place (or, when it builds a link to the file, cannot parse) the issue. We place it
/// at the old file's location when the finding has one (a deleted file), else at path `""`
/// line 1, so GitLab lists it with the report instead of failing on it.
pub fn render_gitlab_code_quality(annotations: &[Annotation]) -> String {
    render_gitlab_code_quality_with(annotations, &[])
}

/// [`render_gitlab_code_quality`] under a contract: an allowed finding is an `info` issue
/// whose description ends with what allowed it; each warning an `info` issue of check
/// `PROTOGUARD_CONTRACT`.
pub fn render_gitlab_code_quality_with(
    annotations: &[Annotation],
    warnings: &[PolicyWarning],
) -> String {
    // Warnings as findings of their own, so they are placed and fingerprinted alike.
    let warning_annotations: Vec<Annotation> = warnings.iter().map(warning_annotation).collect();
    let mut s = String::from("[");
    for (i, a) in annotations.iter().chain(&warning_annotations).enumerate() {
        if i > 0 {
            s.push(',');
        }
        let is_warning = i >= annotations.len();
        let (severity, description) = match &a.verdict {
            _ if is_warning => ("info", a.message.clone()),
            Verdict::Breaking => ("minor", a.message.clone()),
            Verdict::Allowed(allowance) => (
                "info",
                format!("{} (allowed: {})", a.message, allowance_text(allowance)),
            ),
        };
        let (path, begin, end) = match &a.path {
            Some(p) => (
                p.as_str(),
                (a.start_line, a.start_column),
                (a.end_line, a.end_column),
            ),
            None => {
                let begin = (
                    a.old_start_line.unwrap_or(1).max(1),
                    a.old_start_column.unwrap_or(1).max(1),
                );
                (a.old_path.as_deref().unwrap_or(""), begin, begin)
            }
        };
        let issue = |fingerprint: Option<&str>| {
            let mut j = String::from("{");
            // Go's `omitempty`: empty strings and zero numbers are left out.
            let mut sep = "";
            for (key, value) in [
                ("description", description.as_str()),
                ("check_name", a.rule),
            ] {
                if !value.is_empty() {
                    let _ = write!(j, "{sep}\"{key}\":");
                    go_json_string(&mut j, value);
                    sep = ",";
                }
            }
            if let Some(f) = fingerprint {
                let _ = write!(j, "{sep}\"fingerprint\":\"{f}\"");
            }
            let _ = write!(j, "{sep}\"location\":{{");
            // Always a path for a finding with no file (see above); buf's `omitempty` else.
            if !path.is_empty() || a.path.is_none() {
                j.push_str("\"path\":");
                go_json_string(&mut j, path);
                j.push(',');
            }
            j.push_str("\"positions\":{\"begin\":");
            go_position(&mut j, begin);
            j.push_str(",\"end\":");
            go_position(&mut j, end);
            let _ = write!(j, "}}}},\"severity\":\"{severity}\"}}");
            j
        };
        let fingerprint = hex(&shake256::<64>(issue(None).as_bytes()));
        s.push_str(&issue(Some(&fingerprint)));
    }
    s.push_str("]\n");
    s
}

/// A contract warning as a finding-shaped record, for the formats that place findings.
fn warning_annotation(w: &PolicyWarning) -> Annotation {
    let (path, line, col) = match &w.location {
        Some((p, l, c)) => (Some(p.clone()), *l, *c),
        None => (None, 1, 1),
    };
    Annotation {
        path,
        start_line: line,
        start_column: col,
        end_line: line,
        end_column: col,
        rule: "PROTOGUARD_CONTRACT",
        message: w.message.clone(),
        ..Default::default()
    }
}

fn go_position(j: &mut String, (line, column): (u32, u32)) {
    j.push('{');
    if line != 0 {
        let _ = write!(j, "\"line\":{line}");
    }
    if column != 0 {
        let _ = write!(j, "{}\"column\":{column}", if line != 0 { "," } else { "" });
    }
    j.push('}');
}

/// A JSON string as Go's `encoding/json` writes it (HTML-safe escaping on, Go ≥ 1.22).
fn go_json_string(out: &mut String, s: &str) {
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\u{c}' => out.push_str("\\f"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '<' | '>' | '&' | '\u{2028}' | '\u{2029}' => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c if (c as u32) < 0x20 => {
                let _ = write!(out, "\\u{:04x}", c as u32);
            }
            c => out.push(c),
        }
    }
    out.push('"');
}
