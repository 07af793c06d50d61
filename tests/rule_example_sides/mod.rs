//! How a rule's documented example (`rules/<ID>.yaml`) becomes two trees to compare, shared
//! by the tests that run every example (`rule_examples.rs` through the binary, `subjects.rs`
//! through the library).
//!
//! Conventions of the examples: a `// file: PATH` comment names the file a side is written
//! to (else `example.proto`, on both sides); an `after` with nothing but comments is a deleted
//! file. Both sides also hold `unrelated/other.proto`, so that a side is never empty.
//!
//! The history rules (FIELD_NUMBER_REUSED...) need a git baseline with releases: `before` is
//! tagged v1.0.0; v1.1.0 is `after` without the fields and values that reuse a number or a
//! name of `before` (the deletion the example's comment describes); the work tree holds
//! `after`, to be checked against `.git#tag=v1.1.0` ([`BASELINE`]).

#![allow(dead_code)] // each test crate uses its part

use std::path::{Path, PathBuf};

use protoguard::catalog::RuleDoc;

/// The git input a history example's work tree is checked against.
pub const BASELINE: &str = ".git#tag=v1.1.0";

pub const UNRELATED: &str = "syntax = \"proto3\";\npackage unrelated;\nmessage Other {}\n";

pub const HISTORY_RULES: &[&str] = &[
    "FIELD_NUMBER_REUSED",
    "FIELD_NAME_REUSED",
    "ENUM_VALUE_NUMBER_REUSED",
    "ENUM_VALUE_NAME_REUSED",
];

/// The path a side's text names with `// file: PATH`.
pub fn named_path(text: &str) -> Option<String> {
    text.lines()
        .find_map(|l| l.trim().strip_prefix("// file:"))
        .map(|p| p.trim().to_string())
}

/// Whether a text holds any statement (not only comments and blank lines).
pub fn has_statements(text: &str) -> bool {
    text.lines()
        .map(str::trim)
        .any(|l| !l.is_empty() && !l.starts_with("//"))
}

pub fn write(root: &Path, rel: &str, contents: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
}

/// Writes both sides of an example under `old/` and `new/` of `dir`.
pub fn write_sides(dir: &Path, doc: &RuleDoc) {
    let before_path = named_path(&doc.example.before).unwrap_or_else(|| "example.proto".into());
    let after_path = named_path(&doc.example.after).unwrap_or_else(|| before_path.clone());
    write(&dir.join("old"), &before_path, &doc.example.before);
    if has_statements(&doc.example.after) {
        write(&dir.join("new"), &after_path, &doc.example.after);
    }
    for side in ["old", "new"] {
        write(&dir.join(side), "unrelated/other.proto", UNRELATED);
    }
    // The GOOGLE_API examples import the google/api protos: both sides get the minimal
    // copies the tests keep.
    if doc.categories.iter().any(|c| c == "GOOGLE_API") {
        let copies = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/google_api");
        for entry in walkdir::WalkDir::new(&copies) {
            let entry = entry.unwrap();
            if entry.file_type().is_file() {
                let rel = entry.path().strip_prefix(&copies).unwrap();
                let text = std::fs::read_to_string(entry.path()).unwrap();
                for side in ["old", "new"] {
                    write(&dir.join(side), &rel.to_string_lossy(), &text);
                }
            }
        }
    }
}

/// `after` without the field and value declarations that reuse a number or a name that
/// `before` gave to another field or value: the release that deleted them.
pub fn without_reuses(before: &str, after: &str) -> String {
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

/// Builds a repository under `dir` with `before` at v1.0.0 and its reuses deleted at v1.1.0,
/// `after` in the work tree; returns the work tree.
pub fn history_repo(dir: &Path, doc: &RuleDoc) -> PathBuf {
    use git2::{IndexAddOption, Repository, Signature};
    let root = dir.join("repo");
    let repo = Repository::init(&root).unwrap();
    let sig = Signature::new(
        "Test",
        "test@example.com",
        &git2::Time::new(1_700_000_000, 0),
    )
    .unwrap();
    let release = |text: &str, tag: &str| {
        write(&root, "example.proto", text);
        write(&root, "unrelated/other.proto", UNRELATED);
        let mut index = repo.index().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.write().unwrap();
        let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
        let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
        let parents: Vec<&git2::Commit> = parent.iter().collect();
        let id = repo
            .commit(Some("HEAD"), &sig, &sig, tag, &tree, &parents)
            .unwrap();
        repo.tag_lightweight(tag, &repo.find_object(id, None).unwrap(), false)
            .unwrap();
    };
    release(&doc.example.before, "v1.0.0");
    release(
        &without_reuses(&doc.example.before, &doc.example.after),
        "v1.1.0",
    );
    write(&root, "example.proto", &doc.example.after);
    root
}
