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

use serde::Serialize;

use crate::catalog;
use crate::finding::{AllowedBy, Verdict};
use crate::limits::escape_controls;
use crate::policy::PolicyWarning;
use crate::report::{allowance_text, Annotation};

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

// ---------------------------------------------------------------------------------------------
// sarif

const SARIF_SCHEMA: &str = "https://json.schemastore.org/sarif-2.1.0.json";

/// Where the tool's documentation lives (the package's repository when Cargo.toml names one).
fn information_uri() -> &'static str {
    match env!("CARGO_PKG_REPOSITORY") {
        "" => "https://crates.io/crates/protoguard",
        uri => uri,
    }
}

#[derive(Serialize)]
struct SarifLog<'a> {
    #[serde(rename = "$schema")]
    schema: &'static str,
    version: &'static str,
    runs: [Run<'a>; 1],
}

#[derive(Serialize)]
struct Run<'a> {
    tool: Tool<'a>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    invocations: Vec<Invocation>,
    results: Vec<SarifResult<'a>>,
}

/// The run's invocation, present only to carry the contract's warnings.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Invocation {
    execution_successful: bool,
    tool_execution_notifications: Vec<Notification>,
}

#[derive(Serialize)]
struct Notification {
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
}

/// Why an allowed finding does not count: SARIF's suppression, with the contract's reason.
#[derive(Serialize)]
struct Suppression {
    /// `inSource` for what the schema says (a mark, a comment waiver), `external` for
    /// protoguard.yaml and buf.yaml.
    kind: &'static str,
    status: &'static str,
    justification: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    location: Option<Location>,
}

#[derive(Serialize)]
struct Tool<'a> {
    driver: Driver<'a>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Driver<'a> {
    name: &'static str,
    information_uri: &'static str,
    version: &'static str,
    semantic_version: &'static str,
    rules: Vec<Rule<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Rule<'a> {
    id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    short_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    full_description: Option<Text>,
    #[serde(skip_serializing_if = "Option::is_none")]
    help: Option<Help>,
    default_configuration: Configuration,
    properties: RuleProperties<'a>,
}

#[derive(Serialize)]
struct Text {
    text: String,
}

#[derive(Serialize)]
struct Help {
    text: String,
    markdown: String,
}

#[derive(Serialize)]
struct Configuration {
    level: &'static str,
}

#[derive(Serialize)]
struct RuleProperties<'a> {
    tags: &'a [String],
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SarifResult<'a> {
    rule_id: &'a str,
    rule_index: usize,
    level: &'static str,
    message: Text,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    locations: Vec<Location>,
    partial_fingerprints: Fingerprints,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    suppressions: Vec<Suppression>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Location {
    physical_location: PhysicalLocation,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PhysicalLocation {
    artifact_location: ArtifactLocation,
    region: Region,
}

#[derive(Serialize)]
struct ArtifactLocation {
    uri: String,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Region {
    start_line: u32,
    start_column: u32,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_line: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    end_column: Option<u32>,
}

#[derive(Serialize)]
struct Fingerprints {
    #[serde(rename = "protoguardFinding/v1")]
    finding: String,
}

/// A SARIF 2.1.0 log for GitHub code scanning (`github/codeql-action/upload-sarif`): one run,
/// `tool.driver.rules` holding every rule of the catalogue (in ID order, so a rule's
/// `ruleIndex` does not depend on what was found, and every alert carries its rule's full help:
/// summary, who breaks, how to change safely, an example), then one result per finding, level
/// `error`, located by the new file's span.
///
/// Locations: GitHub code scanning rejects the whole upload when a result has no location
/// ("expected at least one location"), and a finding with no new file (a deleted file) has
/// nothing in the new tree to point at. Such a result is located at the old file and the old
/// element's start (the file the user deleted, which is what the alert is about). A finding
/// with neither (buf's PACKAGE_NO_DELETE) gets no `locations`, which SARIF allows; GitHub
/// refuses such a log, so the rule that emits it should carry an old location.
///
/// `partialFingerprints["protoguardFinding/v1"]` is a hash of rule, path and message (not the
/// line), so an alert survives edits that only move it; upload-sarif adds its own
/// `primaryLocationLineHash` beside it.
pub fn render_sarif(annotations: &[Annotation]) -> String {
    render_sarif_with(annotations, &[])
}

/// [`render_sarif`] under a contract: an allowed finding keeps its result, with a
/// `suppressions` entry (status `accepted`) whose `justification` says what allowed it and
/// why; the warnings are `toolExecutionNotifications` of the run's invocation.
pub fn render_sarif_with(annotations: &[Annotation], warnings: &[PolicyWarning]) -> String {
    let docs = catalog::all();
    let mut rules: Vec<Rule> = docs
        .iter()
        .map(|d| Rule {
            id: &d.id,
            short_description: Some(Text {
                text: d.summary.trim().to_string(),
            }),
            full_description: Some(Text {
                text: d.breaks.trim().to_string(),
            }),
            help: Some(rule_help(d)),
            default_configuration: Configuration { level: "error" },
            properties: RuleProperties {
                tags: &d.categories,
            },
        })
        .collect();
    let mut results = Vec::with_capacity(annotations.len());
    for a in annotations {
        let rule_index = match rules.iter().position(|r| r.id == a.rule) {
            Some(i) => i,
            None => {
                // A rule the catalogue lacks still needs a descriptor for its ruleIndex.
                rules.push(Rule {
                    id: a.rule,
                    short_description: None,
                    full_description: None,
                    help: None,
                    default_configuration: Configuration { level: "error" },
                    properties: RuleProperties {
                        tags: &a.categories,
                    },
                });
                rules.len() - 1
            }
        };
        let location = match (&a.path, &a.old_path) {
            (Some(path), _) => Some(physical(
                path,
                Region {
                    start_line: a.start_line.max(1),
                    start_column: a.start_column.max(1),
                    end_line: Some(a.end_line.max(a.start_line).max(1)),
                    end_column: Some(a.end_column.max(1)),
                },
            )),
            (None, Some(old)) => Some(physical(
                old,
                Region {
                    start_line: a.old_start_line.unwrap_or(1).max(1),
                    start_column: a.old_start_column.unwrap_or(1).max(1),
                    end_line: None,
                    end_column: None,
                },
            )),
            (None, None) => None,
        };
        let path = a.path.as_deref().or(a.old_path.as_deref()).unwrap_or("");
        let key = format!("{}\0{}\0{}", a.rule, path, a.message);
        results.push(SarifResult {
            rule_id: a.rule,
            rule_index,
            level: "error",
            message: Text {
                text: a.message.clone(),
            },
            locations: location.into_iter().collect(),
            partial_fingerprints: Fingerprints {
                finding: hex(&shake256::<16>(key.as_bytes())),
            },
            suppressions: suppression(a).into_iter().collect(),
        });
    }
    let invocations = if warnings.is_empty() {
        Vec::new()
    } else {
        vec![Invocation {
            execution_successful: true,
            tool_execution_notifications: warnings
                .iter()
                .map(|w| Notification {
                    level: "warning",
                    message: Text {
                        text: w.message.clone(),
                    },
                    locations: w
                        .location
                        .iter()
                        .map(|(p, l, c)| {
                            physical(
                                p,
                                Region {
                                    start_line: (*l).max(1),
                                    start_column: (*c).max(1),
                                    end_line: None,
                                    end_column: None,
                                },
                            )
                        })
                        .collect(),
                })
                .collect(),
        }]
    };
    let log = SarifLog {
        schema: SARIF_SCHEMA,
        version: "2.1.0",
        runs: [Run {
            tool: Tool {
                driver: Driver {
                    name: "protoguard",
                    information_uri: information_uri(),
                    version: env!("CARGO_PKG_VERSION"),
                    semantic_version: env!("CARGO_PKG_VERSION"),
                    rules,
                },
            },
            invocations,
            results,
        }],
    };
    let mut s = serde_json::to_string_pretty(&log).unwrap_or_default();
    s.push('\n');
    s
}

/// The suppression of an allowed finding, located where the allowance is written when that
/// is `path:line[:col]` of a schema file.
fn suppression(a: &Annotation) -> Option<Suppression> {
    let Verdict::Allowed(allowance) = &a.verdict else {
        return None;
    };
    let origin = match &allowance.by {
        AllowedBy::Waiver { origin, .. } | AllowedBy::Stability { origin, .. } => Some(origin),
        AllowedBy::UnstablePackage { .. } | AllowedBy::Deprecation { .. } => None,
    };
    let in_contract_file = origin.is_some_and(|o| o.contains(crate::policy::CONTRACT_FILE_NAME));
    let kind = match &allowance.by {
        _ if in_contract_file => "external",
        AllowedBy::Waiver { .. } | AllowedBy::Stability { .. } => "inSource",
        AllowedBy::UnstablePackage { .. } | AllowedBy::Deprecation { .. } => "external",
    };
    Some(Suppression {
        kind,
        status: "accepted",
        justification: allowance_text(allowance),
        location: origin.and_then(|o| origin_location(o)),
    })
}

/// `path:line[:col][ more]` as a location.
fn origin_location(origin: &str) -> Option<Location> {
    let head = origin.split_whitespace().next()?;
    let mut parts = head.split(':');
    let path = parts.next()?;
    let line: u32 = parts.next()?.parse().ok()?;
    let column: u32 = parts.next().and_then(|c| c.parse().ok()).unwrap_or(1);
    Some(physical(
        path,
        Region {
            start_line: line.max(1),
            start_column: column.max(1),
            end_line: None,
            end_column: None,
        },
    ))
}

fn physical(path: &str, region: Region) -> Location {
    Location {
        physical_location: PhysicalLocation {
            artifact_location: ArtifactLocation {
                uri: path_to_uri(path),
            },
            region,
        },
    }
}

/// The rule's help: who breaks, how to change safely, and the before/after example.
fn rule_help(d: &catalog::RuleDoc) -> Help {
    let (breaks, fix) = (d.breaks.trim(), d.fix.trim());
    let (before, after) = (d.example.before.trim_end(), d.example.after.trim_end());
    Help {
        text: format!(
            "{}\n\nWho breaks: {breaks}\n\nHow to change safely: {fix}\n\nExample (before):\n{before}\n\nExample (after):\n{after}\n",
            d.summary.trim()
        ),
        markdown: format!(
            "{}\n\n**Who breaks.** {breaks}\n\n**How to change safely.** {fix}\n\n**Example.** Before:\n\n```proto\n{before}\n```\n\nAfter:\n\n```proto\n{after}\n```\n",
            d.summary.trim()
        ),
    }
}

/// A path as a SARIF `uri`: forward slashes, relative paths stay relative (to the directory
/// protoguard was run from, which upload-sarif takes as the checkout root), absolute ones
/// become `file:` URIs, and every byte outside RFC 3986's unreserved set and `/` is
/// percent-encoded so that the result is a valid URI reference (`a:b.proto` would otherwise
/// read as a URI with scheme `a`).
fn path_to_uri(path: &str) -> String {
    let path = path.replace('\\', "/");
    let mut rest = path.as_str();
    while let Some(r) = rest.strip_prefix("./") {
        rest = r;
    }
    let bytes = rest.as_bytes();
    let (mut uri, rest) = if rest.starts_with('/') {
        ("file://".to_string(), rest)
    } else if bytes.len() >= 3
        && bytes[0].is_ascii_alphabetic()
        && bytes[1] == b':'
        && bytes[2] == b'/'
    {
        (format!("file:///{}", &rest[..2]), &rest[2..])
    } else {
        (String::new(), rest)
    };
    for &b in rest.as_bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~' | b'/') {
            uri.push(b as char);
        } else {
            let _ = write!(uri, "%{b:02X}");
        }
    }
    uri
}

// ---------------------------------------------------------------------------------------------
// SHAKE256 (FIPS 202), the digest buf fingerprints GitLab issues with; small enough to carry
// here rather than add a dependency.

const KECCAK_ROUND_CONSTANTS: [u64; 24] = [
    0x0000_0000_0000_0001,
    0x0000_0000_0000_8082,
    0x8000_0000_0000_808A,
    0x8000_0000_8000_8000,
    0x0000_0000_0000_808B,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8009,
    0x0000_0000_0000_008A,
    0x0000_0000_0000_0088,
    0x0000_0000_8000_8009,
    0x0000_0000_8000_000A,
    0x0000_0000_8000_808B,
    0x8000_0000_0000_008B,
    0x8000_0000_0000_8089,
    0x8000_0000_0000_8003,
    0x8000_0000_0000_8002,
    0x8000_0000_0000_0080,
    0x0000_0000_0000_800A,
    0x8000_0000_8000_000A,
    0x8000_0000_8000_8081,
    0x8000_0000_0000_8080,
    0x0000_0000_8000_0001,
    0x8000_0000_8000_8008,
];

/// Rotation offsets, indexed `[x + 5 * y]`.
const KECCAK_ROTATIONS: [u32; 25] = [
    0, 1, 62, 28, 27, //
    36, 44, 6, 55, 20, //
    3, 10, 43, 25, 39, //
    41, 45, 15, 21, 8, //
    18, 2, 61, 56, 14,
];

fn keccak_f1600(a: &mut [u64; 25]) {
    for rc in KECCAK_ROUND_CONSTANTS {
        // θ
        let mut c = [0u64; 5];
        for (x, cx) in c.iter_mut().enumerate() {
            *cx = a[x] ^ a[x + 5] ^ a[x + 10] ^ a[x + 15] ^ a[x + 20];
        }
        for x in 0..5 {
            let d = c[(x + 4) % 5] ^ c[(x + 1) % 5].rotate_left(1);
            for y in 0..5 {
                a[x + 5 * y] ^= d;
            }
        }
        // ρ and π
        let mut b = [0u64; 25];
        for x in 0..5 {
            for y in 0..5 {
                b[y + 5 * ((2 * x + 3 * y) % 5)] =
                    a[x + 5 * y].rotate_left(KECCAK_ROTATIONS[x + 5 * y]);
            }
        }
        // χ
        for x in 0..5 {
            for y in 0..5 {
                a[x + 5 * y] = b[x + 5 * y] ^ (!b[(x + 1) % 5 + 5 * y] & b[(x + 2) % 5 + 5 * y]);
            }
        }
        // ι
        a[0] ^= rc;
    }
}

/// SHAKE256 of `data`, squeezed to `N` bytes (`N` at most the rate, 136).
fn shake256<const N: usize>(data: &[u8]) -> [u8; N] {
    const RATE: usize = 136;
    let mut state = [0u64; 25];
    let absorb = |state: &mut [u64; 25], block: &[u8; RATE]| {
        for (lane, chunk) in state.iter_mut().zip(block.chunks_exact(8)) {
            *lane ^= u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        }
        keccak_f1600(state);
    };
    let mut chunks = data.chunks_exact(RATE);
    for chunk in &mut chunks {
        absorb(&mut state, chunk.try_into().unwrap_or(&[0; RATE]));
    }
    let rem = chunks.remainder();
    let mut last = [0u8; RATE];
    last[..rem.len()].copy_from_slice(rem);
    last[rem.len()] ^= 0x1F;
    last[RATE - 1] ^= 0x80;
    absorb(&mut state, &last);
    let mut out = [0u8; N];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = state[i / 8].to_le_bytes()[i % 8];
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len() * 2);
    for b in bytes {
        let _ = write!(s, "{b:02x}");
    }
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shake256_matches_fips_202() {
        // Checked against Python's hashlib.shake_256: empty input, and inputs one byte short
        // of a block, exactly a block, and spanning blocks.
        assert_eq!(
            hex(&shake256::<32>(b"")),
            "46b9dd2b0ba88d13233b3feb743eeb243fcd52ea62b81b82b50c27646ed5762f"
        );
        for (n, want) in [
            (135, "55b991ece1e567b6e7c2c714444dd201"),
            (136, "8fcc5a08f0a1f6827c9cf64ee8d16e04"),
            (300, "542e4338ca18e43776834307a2b6158f"),
        ] {
            assert_eq!(hex(&shake256::<16>(&vec![b'a'; n])), want, "{n} bytes");
        }
    }

    #[test]
    fn uris_are_valid_references() {
        assert_eq!(path_to_uri("a/b.proto"), "a/b.proto");
        assert_eq!(path_to_uri(".\\a\\b c.proto"), "a/b%20c.proto");
        assert_eq!(path_to_uri("a:b,%.proto"), "a%3Ab%2C%25.proto");
        assert_eq!(path_to_uri("/abs/x.proto"), "file:///abs/x.proto");
        assert_eq!(path_to_uri("C:\\x\\y.proto"), "file:///C:/x/y.proto");
    }
}
