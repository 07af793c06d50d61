//! protoguard tells you, before you merge, whether a change to your `.proto` files breaks
//! anyone: old binaries reading new data, new binaries reading stored data, JSON clients,
//! generated code. It speaks `buf breaking`'s rule IDs and reads its `buf.yaml`.
//!
//! Data flows one way: [`source`] (what the user named) → [`compile`] (protox) →
//! [`index`] (one pass per side) → [`rules`] (pure functions of two indexes) →
//! [`report`] (renderers). The binary is a thin layer over [`check`].

// Load errors carry the source text for rich diagnostics; they are built once per run, on
// the way out, so their size does not matter.
#![allow(clippy::result_large_err)]

pub mod api;
pub mod batches;
pub mod buf_yaml;
pub mod cache_dir;
pub mod catalog;
pub mod columns;
pub mod compat;
pub mod compile;
pub mod compile_errors;
pub mod config;
pub mod descriptor;
pub mod diff;
pub mod editions_text;
pub mod error;
pub mod evolution;
pub mod explain;
pub mod explain_at;
pub mod extension_numbers;
pub mod extensions;
pub mod features;
pub mod finding;
pub mod fix;
pub mod formats;
pub mod git;
pub mod header_cache;
pub mod history;
pub mod import_path;
pub mod index;
pub mod lexer;
pub mod limits;
pub mod marks;
pub mod option_locations;
pub mod plan;
pub mod policy;
pub mod protoc;
pub mod prove;
pub mod quote;
pub mod read;
pub mod report;
pub mod rules;
pub mod shared_imports;
pub mod shared_parses;
pub mod source;
pub mod spans;
pub mod symlinks;
pub mod threads;
pub mod validate;
pub mod verified;
pub mod versioning;

pub use api::{Check, Error, History, Loaded, OutputFormat, Report};
pub use config::{resolve_rules, BufConfig, IgnoreRules, Policy};
pub use error::{ConfigError, LoadError};
pub use index::Index;
pub use report::Annotation;
pub use rules::Finding;
pub use source::{Input, LoadOptions, Schema};

/// Runs `rules` over the old and new index and returns the raw findings.
pub fn check(old: &Index, new: &Index, rules: &[&'static str]) -> Vec<Finding> {
    let diff = diff::Diff::new(old, new);
    rules::run(&rules::Pair::new(&diff), rules)
}

/// Checks two loaded schemas with a rule selection and ignores, returning located findings.
pub fn check_schemas(
    old: &Schema,
    new: &Schema,
    rules: &[&'static str],
    ignore: &IgnoreRules,
) -> Vec<Annotation> {
    check_with_policy(old, new, &Policy::single(rules.to_vec(), ignore.clone()))
}

/// Checks two loaded schemas under a workspace policy (rules and ignores per module).
pub fn check_with_policy(old: &Schema, new: &Schema, policy: &Policy) -> Vec<Annotation> {
    check_with_history(old, new, policy, None)
}

/// The history ledger of a baseline (`--against`): release tags matching `tag_pattern` that
/// are ancestors of it, plus the baseline, or with `all` every commit that changed a `.proto`
/// file. `None` when the input is not git: the history rules are then silent
/// ([`history::NO_HISTORY_NOTE`] says so).
pub fn history_for(
    input: &Input,
    tag_pattern: &str,
    all: bool,
) -> Result<Option<history::Ledger>, LoadError> {
    history_reading(input, tag_pattern, all, false)
}

/// [`history_for`]; with `baseline_alone`, a baseline with no release before it is read too
/// (the deprecation cycle counts the baseline's own `deprecated` marks).
pub fn history_reading(
    input: &Input,
    tag_pattern: &str,
    all: bool,
    baseline_alone: bool,
) -> Result<Option<history::Ledger>, LoadError> {
    match input {
        Input::Git(spec) => {
            let repo = git::open(spec)?;
            let cache = history::Cache::shared();
            history::from_git_reading(&repo, spec, tag_pattern, all, baseline_alone, cache)
                .map(Some)
        }
        Input::Dir(_) | Input::Image(_) => Ok(None),
    }
}

/// [`check_with_policy`] with the ledger of earlier releases for the history rules
/// (FIELD_NUMBER_REUSED and friends); `None` keeps them silent.
pub fn check_with_history(
    old: &Schema,
    new: &Schema,
    policy: &Policy,
    ledger: Option<&history::Ledger>,
) -> Vec<Annotation> {
    let diff = diff::Diff::new(&old.index, &new.index);
    check_diff(&diff, policy, ledger)
        .into_iter()
        .map(|(_, a)| a)
        .collect()
}

/// The located findings of `policy` over an element diff computed once for the run, each
/// with the subject it is about (for consumers that also read the diff, as semver does).
pub fn check_diff(
    diff: &diff::Diff,
    policy: &Policy,
    ledger: Option<&history::Ledger>,
) -> Vec<(finding::Subject, Annotation)> {
    let findings = findings_of_diff(diff, policy, ledger);
    report::annotate_with_subjects(diff.old, diff.new, findings, policy)
}

/// The typed findings behind [`check_with_history`], before they are located and before
/// buf.yaml's ignores drop any (`explain FILE:LINE` reads their subjects).
pub fn findings_with_history(
    old: &Schema,
    new: &Schema,
    policy: &Policy,
    ledger: Option<&history::Ledger>,
) -> Vec<Finding> {
    let diff = diff::Diff::new(&old.index, &new.index);
    findings_of_diff(&diff, policy, ledger)
}

/// Whether a rule, any rule of the registry, would place a finding in a file a planned
/// load compiled without source info ([`Schema::spanless`]): such a file compiled to the
/// same descriptors on both sides, but a rule may still read, through it, a type another
/// file changed (the default of a field whose enum lost its first value, an RPC whose
/// request lost its page size). Then the sides must be loaded again with
/// [`source::Mode::PlannedWithSpans`], so that the finding is located as a full load
/// locates it. Any site in such a file counts, even one on the file as a whole: rules
/// choose their site by which spans exist (a field's default, else the field).
pub fn spans_missing(old: &Schema, new: &Schema, ledger: Option<&history::Ledger>) -> bool {
    if old.spanless.is_empty() && new.spanless.is_empty() {
        return false;
    }
    let diff = diff::Diff::new(&old.index, &new.index);
    let pair = rules::Pair {
        history: ledger,
        ..rules::Pair::new(&diff)
    };
    let every_rule: Vec<&'static str> = rules::REGISTRY.iter().map(|(id, _)| *id).collect();
    let spanless = |schema: &Schema, site: Option<&index::Site>| {
        site.is_some_and(|s| schema.spanless.contains(&schema.index.files[s.file].name))
    };
    rules::run(&pair, &every_rule)
        .iter()
        .any(|f| spanless(old, f.old.as_ref()) || spanless(new, f.new.as_ref()))
}

/// The sides as loaded, or, if a finding would sit in a file the planned load compiled
/// without source info ([`spans_missing`]), loaded again from `old` and `new` with every
/// file's source info ([`source::Mode::PlannedWithSpans`]).
pub fn located(
    old: (&Input, &LoadOptions),
    new: (&Input, &LoadOptions),
    loaded: (Schema, Schema),
    ledger: Option<&history::Ledger>,
) -> Result<(Schema, Schema), LoadError> {
    let t = std::time::Instant::now();
    let missing = spans_missing(&loaded.0, &loaded.1, ledger);
    source::timing("look for findings in files without spans", t);
    if !missing {
        return Ok(loaded);
    }
    drop(loaded);
    Schema::load_pair(old, new, source::Mode::PlannedWithSpans)
}

/// The rules of `policy` over one element diff, enriched with renames and blast radius.
pub fn findings_of_diff(
    diff: &diff::Diff,
    policy: &Policy,
    ledger: Option<&history::Ledger>,
) -> Vec<Finding> {
    let pair = rules::Pair {
        history: ledger,
        options: policy.options,
        ..rules::Pair::new(diff)
    };
    let mut findings = rules::run(&pair, &policy.all_rules());
    evolution::enrich_with(diff, &mut findings);
    findings
}
