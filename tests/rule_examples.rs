//! Every rule's documented example (`rules/<ID>.yaml`, `example.before` → `example.after`)
//! is a real breaking change: run through the binary with that rule selected, it must exit 1
//! with a finding of that rule (the deprecated rule that checks nothing must stay silent).
//!
//! How an example becomes two trees (and a git history for the history rules) is in
//! `rule_example_sides/`.

use std::path::Path;
use std::process::{Command, Output};

use protoguard::catalog::{self, RuleDoc};

mod rule_example_sides;
use rule_example_sides::{history_repo, write_sides, BASELINE, HISTORY_RULES};

fn run(cwd: &Path, args: &[&str], cache: &Path) -> Output {
    Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cache)
        .output()
        .expect("run protoguard")
}

/// The rule IDs of the JSON findings printed.
fn fired(out: &Output) -> Vec<String> {
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .filter_map(|v| v["type"].as_str().map(str::to_string))
        .collect()
}

/// Runs a history rule's example against the release before `after`.
fn run_history_example(dir: &Path, doc: &RuleDoc) -> Output {
    let root = history_repo(dir, doc);
    run(
        &root,
        &[
            "check",
            ".",
            "--against",
            BASELINE,
            "--use",
            &doc.id,
            "--format",
            "json",
        ],
        &dir.join("cache"),
    )
}

#[test]
fn every_rule_example_fires_its_rule() {
    let docs = catalog::all();
    assert!(docs.len() >= 69, "only {} rule docs", docs.len());
    let mut failures = Vec::new();
    for doc in docs {
        let tmp = tempfile::tempdir().unwrap();
        let out = if HISTORY_RULES.contains(&doc.id.as_str()) {
            run_history_example(tmp.path(), doc)
        } else {
            write_sides(tmp.path(), doc);
            run(
                &tmp.path().join("new"),
                &[
                    "check",
                    ".",
                    "--against",
                    "../old",
                    "--use",
                    &doc.id,
                    "--format",
                    "json",
                ],
                &tmp.path().join("cache"),
            )
        };
        let rules = fired(&out);
        let expected_exit = if doc.deprecated { 0 } else { 1 };
        let ok = out.status.code() == Some(expected_exit)
            && if doc.deprecated {
                rules.is_empty()
            } else {
                rules.iter().any(|r| r == &doc.id)
            };
        if !ok {
            failures.push(format!(
                "{}: exit {:?}, fired {rules:?}\n    stderr: {}",
                doc.id,
                out.status.code(),
                String::from_utf8_lossy(&out.stderr).trim()
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} example(s) do not fire their rule:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
