//! SARIF 2.1.0 for GitHub code scanning: every rule of the catalogue with its help, one
//! result per finding, allowed findings with `suppressions`, contract warnings as the run's
//! tool notifications.

use std::fmt::Write as _;

use serde::Serialize;

use super::shake::{hex, shake256};
use crate::catalog;
use crate::finding::{AllowedBy, PolicyWarning, Verdict};
use crate::report::{allowance_text, Annotation};

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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn uris_are_valid_references() {
        assert_eq!(path_to_uri("a/b.proto"), "a/b.proto");
        assert_eq!(path_to_uri(".\\a\\b c.proto"), "a/b%20c.proto");
        assert_eq!(path_to_uri("a:b,%.proto"), "a%3Ab%2C%25.proto");
        assert_eq!(path_to_uri("/abs/x.proto"), "file:///abs/x.proto");
        assert_eq!(path_to_uri("C:\\x\\y.proto"), "file:///C:/x/y.proto");
    }
}
