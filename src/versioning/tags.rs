//! `protoguard semver --check-tags`: the release tags of a repository replayed in version
//! order, each compared with the previous one, and whether its version bump covers what its
//! changes require.

use std::collections::{BTreeMap, BTreeSet};
use std::fmt::Write as _;
use std::path::Path;

use serde::Serialize;

use super::render::Report;
use super::version::{bump_between, parse_version, Bump};
use super::{analyze, Format};
use crate::config::Policy;
use crate::error::LoadError;
use crate::git::{GitSpec, GitTarget};
use crate::index::Index;
use crate::source::{Input, LoadOptions, Mode, Schema};

/// Whether one release tag's version bump over the previous tag covers its changes.
#[derive(Clone, Debug, Serialize)]
pub struct TagVerdict {
    pub tag: String,
    pub version: String,
    pub previous_tag: String,
    pub previous_version: String,
    /// What the changes since the previous tag require.
    pub required: Bump,
    /// What the version change grants (see [`bump_between`]).
    pub actual: Bump,
    pub ok: bool,
    /// Why `required` is what it is: breaking rules with their first message, or the
    /// first additions / option changes.
    pub reasons: Vec<String>,
    pub counts: BTreeMap<String, usize>,
}

impl TagVerdict {
    /// One line: `v1.1.1: bumped PATCH over v1.1.0 but its changes require MAJOR (...)`.
    pub fn message(&self) -> String {
        let why = if self.reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.reasons.join("; "))
        };
        if self.ok {
            format!(
                "{}: bumped {} over {}, its changes require {}{why}: ok",
                self.tag, self.actual, self.previous_tag, self.required
            )
        } else {
            format!(
                "{}: bumped {} over {} but its changes require {}{why}",
                self.tag, self.actual, self.previous_tag, self.required
            )
        }
    }
}

/// Renders verdicts: one line each (text), a table (markdown) or a JSON array.
pub fn render_verdicts(verdicts: &[TagVerdict], format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(verdicts).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Text => {
            let mut out = String::new();
            for v in verdicts {
                let _ = writeln!(out, "{}", v.message());
            }
            let lied = verdicts.iter().filter(|v| !v.ok).count();
            let _ = writeln!(
                out,
                "{} tag pairs checked, {lied} with a version bump smaller than their changes require",
                verdicts.len()
            );
            out
        }
        Format::Markdown => {
            let mut out = String::from(
                "| tag | previous | bumped | required | verdict | why |\n|---|---|---|---|---|---|\n",
            );
            for v in verdicts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    v.tag,
                    v.previous_tag,
                    v.actual,
                    v.required,
                    if v.ok { "ok" } else { "**too small**" },
                    v.reasons.join("; ").replace('|', "\\|")
                );
            }
            out
        }
    }
}

/// [`check_tags_in`] for the whole repository with no includes or layout.
pub fn check_tags(
    repo_dir: &Path,
    pattern: &str,
    policy: &Policy,
) -> Result<Vec<TagVerdict>, LoadError> {
    check_tags_in(repo_dir, "", pattern, policy, &LoadOptions::default())
}

/// The release tags matching `pattern` (a glob, `v*`) whose name parses as a version after
/// its non-digit prefix, in version order: each is loaded with the previous one (under
/// `subdir`) and its version bump compared with what its changes require.
pub fn check_tags_in(
    repo_dir: &Path,
    subdir: &str,
    pattern: &str,
    policy: &Policy,
    options: &LoadOptions,
) -> Result<Vec<TagVerdict>, LoadError> {
    let tags = release_tags(repo_dir, pattern)?;
    let mut out = Vec::new();
    for pair in tags.windows(2) {
        let [(pv, pt), (v, t)] = pair else { continue };
        let spec = |tag: &str| {
            Input::Git(GitSpec {
                repo: repo_dir.to_path_buf(),
                target: GitTarget::Tag(tag.to_string()),
                subdir: subdir.trim_matches('/').to_string(),
                text: format!("{}#tag={tag}", repo_dir.display()),
            })
        };
        let (old_in, new_in) = (spec(pt), spec(t));
        let (old, new) = load_tolerating_empty(&old_in, &new_in, options)?;
        let report = analyze(&old, &new, policy);
        let actual = bump_between(pv, v);
        out.push(TagVerdict {
            tag: t.clone(),
            version: v.to_string(),
            previous_tag: pt.clone(),
            previous_version: pv.to_string(),
            required: report.bump,
            actual,
            ok: actual >= report.bump,
            reasons: reasons(&report),
            counts: report.counts,
        });
    }
    Ok(out)
}

/// Tags matching `pattern` that name a commit and parse as versions, in version order.
pub fn release_tags(
    repo_dir: &Path,
    pattern: &str,
) -> Result<Vec<(semver::Version, String)>, LoadError> {
    let bad = |reason: String| LoadError::Git {
        input: repo_dir.display().to_string(),
        reason,
    };
    let repo = git2::Repository::discover(repo_dir)
        .map_err(|e| bad(format!("not a git repository: {}", e.message())))?;
    let names = repo
        .tag_names(Some(pattern))
        .map_err(|e| bad(e.message().to_string()))?;
    let mut tags: Vec<(semver::Version, String)> = names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|name| {
            let v = parse_version(name)?;
            repo.revparse_single(&format!("refs/tags/{name}"))
                .and_then(|o| o.peel_to_commit())
                .ok()?;
            Some((v, name.to_string()))
        })
        .collect();
    tags.sort();
    Ok(tags)
}

/// Loads a pair of git sides; a side without any `.proto` file is an empty schema.
fn load_tolerating_empty(
    old: &Input,
    new: &Input,
    options: &LoadOptions,
) -> Result<(Schema, Schema), LoadError> {
    // Every finding between two releases is reported: compiled with source info.
    match Schema::load_pair((old, options), (new, options), Mode::PlannedWithSpans) {
        Err(LoadError::Empty { .. }) => {
            let one = |input: &Input| match Schema::load(input, options) {
                Err(LoadError::Empty { .. }) => Ok(Schema {
                    index: Index::default(),
                    input: input.clone(),
                    encoded: None,
                    spanless: Default::default(),
                }),
                other => other,
            };
            Ok((one(old)?, one(new)?))
        }
        other => other,
    }
}

/// Why a report requires its bump, in a few words each (at most three).
fn reasons(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let findings = report
        .changes
        .iter()
        .flat_map(|c| c.findings.iter())
        .chain(&report.other_breaking)
        .filter(|a| super::finding_bump(a) == report.bump);
    let mut rules_seen = BTreeSet::new();
    for a in findings {
        if rules_seen.insert(a.rule) {
            out.push(format!("{} {}", a.rule, a.message));
        }
    }
    if out.is_empty() {
        out = report
            .changes
            .iter()
            .filter(|c| c.bump == report.bump)
            .map(|c| format!("{} {}", c.kind, c.element))
            .collect();
    }
    let more = out.len().saturating_sub(3);
    out.truncate(3);
    if more > 0 {
        out.push(format!("{more} more"));
    }
    out
}
