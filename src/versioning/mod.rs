//! `protoguard semver`: every change between two schemas, breaking or not, and the
//! semantic-version bump they require.
//!
//! - [`changes`] lists additions, removals and modifications (structure, options, doc
//!   comments) of files, packages, messages, fields, oneofs, enums, enum values, services,
//!   RPCs and extensions, each with the bump it needs by itself ([`Change::bump`]).
//! - [`classify`] turns changes and the breaking findings of the selected rules into one
//!   [`Bump`]: MAJOR when a finding exists, MINOR for additions (and for removals or
//!   modifications the selected rules accept), PATCH for options and docs, NONE otherwise.
//! - [`analyze`] does both for two loaded schemas and returns a [`Report`] that renders as
//!   text, markdown release notes or JSON; [`next_version`] computes the version to release.
//! - [`check_tags`] replays the release tags of a repository and says which tag's version
//!   bump is smaller than its changes require.
//!
//! Both the breaking rules and the list of changes read one element diff
//! ([`crate::diff::Diff`]) computed once per comparison, and a finding is tied to the change it
//! is about by its subject, never by its message.
//!
//! Modules: `version` (bumps and version arithmetic), `changes` (what a change is, files and
//! packages) with `messages`, `enums` and `services` (the walks of the element diff) and
//! `notes` (options and doc comments), `link` (findings tied to changes), `render` (the
//! report and its renderings) and `tags` (the release-tag audit).
//!
//! The module is called `versioning` because `semver` is the version-parsing crate it uses.
//!
//! Versions follow semver 2.0.0 with Cargo's convention for `0.y.z` (semver itself says
//! anything may change in 0.x): in `0.y.z` a breaking change bumps `y` and everything else
//! bumps `z`; in `0.0.z` every change bumps `z`. Leaving 0.x is a decision, never automatic.
//! A pre-release is followed by its own release when that release is already big enough:
//! `1.5.0-rc.1` + MINOR is `1.5.0`, `1.5.1-rc.1` + MINOR is `1.6.0` (as npm's `semver inc`).
//!
//! What is seen: options the index decodes (every standard file option, `ctype`, `jstype`,
//! the message wire-format options, idempotency levels) are compared by value; any other
//! option, custom ones included, is seen only when it is added or removed (from the
//! source locations), not when only its value changes. Doc comments (leading and trailing,
//! whitespace-insensitive) are compared for elements present on both sides.

mod changes;
mod enums;
mod link;
mod messages;
mod notes;
mod render;
mod services;
mod tags;
mod version;

pub use changes::{changes, changes_in, classify, Action, Change, ChangeKind, Element};
pub use render::{Report, ReportedChange};
pub use tags::{check_tags, check_tags_in, release_tags, render_verdicts, TagVerdict};
pub use version::{bump_between, finding_bump, next_version, parse_version, rule_bump, Bump};

use crate::config::Policy;
use crate::diff::Diff;
use crate::source::Schema;

/// How a report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format {other:?} (expected text, markdown or json)"
            )),
        }
    }
}

/// Compares two loaded schemas: the breaking findings of `policy` and every change, classified.
pub fn analyze(old: &Schema, new: &Schema, policy: &Policy) -> Report {
    analyze_with_history(old, new, policy, None)
}

/// As [`analyze`], with the history ledger of a git baseline, so that reusing a number or
/// name deleted in an earlier release (FIELD_NUMBER_REUSED...) counts as breaking.
pub fn analyze_with_history(
    old: &Schema,
    new: &Schema,
    policy: &Policy,
    ledger: Option<&crate::history::Ledger>,
) -> Report {
    let diff = Diff::new(&old.index, &new.index);
    let t = std::time::Instant::now();
    let findings = crate::check_diff(&diff, policy, ledger);
    crate::source::timing("semver: breaking rules", t);
    let t = std::time::Instant::now();
    let list = changes_in(&diff);
    crate::source::timing(&format!("semver: {} changes", list.len()), t);
    let t = std::time::Instant::now();
    let report = Report::new(&old.index, &new.index, list, findings);
    crate::source::timing("semver: report", t);
    report
}
