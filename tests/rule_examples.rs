//! Every rule's documented example (`rules/<ID>.yaml`, `example.before` → `example.after`)
//! is a real breaking change: run through the binary with that rule selected, it must exit 1
//! with a finding of that rule (the deprecated rule that checks nothing must stay silent).
//!
//! Conventions of the examples: a `// file: PATH` comment names the file a side is written
//! to (else `example.proto`, on both sides); an `after` with nothing but comments is a deleted
//! file. Both sides also hold `unrelated/other.proto`, so that a side is never empty.
//!
//! The history rules (FIELD_NUMBER_REUSED...) need a git baseline with releases: `before` is
//! tagged v1.0.0; v1.1.0 is `after` without the fields and values that reuse a number or a
//! name of `before` (the deletion the example's comment describes); the work tree holds
//! `after`, checked against `.git#tag=v1.1.0`.

use std::path::Path;
use std::process::Output;

use protoguard::catalog::{self, RuleDoc};

mod common;
use common::fixtures::HISTORY_RULES;
use common::{run_cached, write};

const UNRELATED: &str = "syntax = \"proto3\";\npackage unrelated;\nmessage Other {}\n";

/// The path a side's text names with `// file: PATH`.
fn named_path(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("// file:"))
        .map(|p| p.trim().to_string())
}

/// Whether a text holds any statement (not only comments and blank lines).
fn has_statements(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with("//"))
}

/// Writes both sides of an example under `old/` and `new/` of `dir`.
fn write_sides(dir: &Path, doc: &RuleDoc) {
    let before_path = named_path(&doc.example.before).unwrap_or_else(|| "example.proto".into());
    let after_path = named_path(&doc.example.after).unwrap_or_else(|| before_path.clone());
    write(&dir.join("old"), &before_path, &doc.example.before);
    if has_statements(&doc.example.after) {
        write(&dir.join("new"), &after_path, &doc.example.after);
    }
    for side in ["old", "new"] {
        write(&dir.join(side), "unrelated/other.proto", UNRELATED);
    }
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

/// `after` without the field and value declarations that reuse a number or a name that
/// `before` gave to another field or value: the release that deleted them.
fn without_reuses(before: &str, after: &str) -> String {
    use protoguard::history::summarize;
    let (old, new) = (summarize("b.proto", before), summarize("a.proto", after));
    assert!(
        old.error.is_none() && new.error.is_none(),
        "{old:?} {new:?}"
    );
    let mut reusing: Vec<(String, i32)> = Vec::new();
    for (name, fields) in &new.messages {
        let Some((_, was)) = old.messages.iter().find(|(n, _)| n == name) else {
            continue;
        };
        for f in fields {
            let same = |g: &(i32, String, String, String)| g.0 == f.0 && g.1 == f.1 && g.2 == f.2;
            let touches = |g: &(i32, String, String, String)| g.0 == f.0 || g.1 == f.1;
            if was.iter().any(touches) && !was.iter().any(same) {
                reusing.push((f.1.clone(), f.0));
            }
        }
    }
    for (name, values) in &new.enums {
        let Some((_, was)) = old.enums.iter().find(|(n, _)| n == name) else {
            continue;
        };
        for v in values {
            if was.iter().any(|w| w.0 == v.0 || w.1 == v.1) && !was.contains(v) {
                reusing.push((v.1.clone(), v.0));
            }
        }
    }
    assert!(!reusing.is_empty(), "the example reuses nothing:\n{after}");
    after
        .lines()
        .filter(|line| {
            let code = line.split("//").next().unwrap_or("");
            !reusing.iter().any(|(name, number)| {
                let compact: String = code.split_whitespace().collect::<Vec<_>>().join(" ");
                compact.contains(&format!("{name} = {number};"))
                    || compact.contains(&format!("{name} = {number} "))
            })
        })
        .map(|l| format!("{l}\n"))
        .collect()
}

/// Builds a repository with `before` at v1.0.0 and its reuses deleted at v1.1.0, `after` in
/// the work tree; runs the rule against v1.1.0.
fn run_history_example(dir: &Path, doc: &RuleDoc) -> Output {
    let root = dir.join("repo");
    let repo = common::init(&root);
    let release = |text: &str, tag: &str| {
        write(&root, "example.proto", text);
        write(&root, "unrelated/other.proto", UNRELATED);
        let id = common::commit_all(&repo, tag);
        common::tag(&repo, tag, id);
    };
    release(&doc.example.before, "v1.0.0");
    release(
        &without_reuses(&doc.example.before, &doc.example.after),
        "v1.1.0",
    );
    write(&root, "example.proto", &doc.example.after);
    run_cached(
        &root,
        &dir.join("cache"),
        &[
            "check",
            ".",
            "--against",
            ".git#tag=v1.1.0",
            "--use",
            &doc.id,
            "--format",
            "json",
        ],
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
            run_cached(
                &tmp.path().join("new"),
                &tmp.path().join("cache"),
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
