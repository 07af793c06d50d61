//! `protoguard explain RULE_ID` and `protoguard rules`: the catalogue rendered for a terminal.
//! `protoguard explain FILE:LINE[:COL]` (the findings at a place) lives in
//! [`crate::explain_at`], whose `target` tells the two apart.

use std::fmt::Write as _;

use crate::catalog::{self, RuleDoc};

/// The full explanation of one rule, as plain text.
pub fn explain(doc: &RuleDoc) -> String {
    let mut s = String::new();
    let _ = writeln!(s, "{} — {}", doc.id, doc.summary.trim());
    let cats = if doc.categories.is_empty() {
        "none".to_string()
    } else {
        doc.categories.join(", ")
    };
    let _ = writeln!(
        s,
        "categories: {cats} · default: {} · semver bump: {}{}",
        match (doc.default, catalog::Version::V1.has(&doc.id)) {
            (true, true) => "yes",
            (true, false) => "yes with `version: v2` in buf.yaml (not without a buf.yaml)",
            (false, _) => "no",
        },
        doc.semver,
        if doc.deprecated {
            " · deprecated (checks nothing)"
        } else {
            ""
        }
    );
    if !doc.aliases.is_empty() {
        let _ = writeln!(s, "replaces v1 IDs: {}", doc.aliases.join(", "));
    }
    section(&mut s, "Who it breaks", &doc.breaks);
    section(&mut s, "Before", &doc.example.before);
    section(&mut s, "After (breaking)", &doc.example.after);
    section(&mut s, "How to make the change safely", &doc.fix);
    s
}

fn section(s: &mut String, title: &str, body: &str) {
    let _ = writeln!(s, "\n{title}:");
    for line in body.trim_end().lines() {
        let _ = writeln!(s, "  {line}");
    }
}

/// The table of `protoguard rules`: ID, categories, default (`v2 only` for the default
/// rules that the no-config default, v1's, lacks), and how to get v2's default set.
pub fn rules_table() -> String {
    let docs = catalog::all();
    let width = docs.iter().map(|d| d.id.len()).max().unwrap_or(10);
    let mut s = format!("{:<width$}  {:<34}  DEFAULT\n", "ID", "CATEGORIES");
    for d in docs {
        let _ = writeln!(
            s,
            "{:<width$}  {:<34}  {}",
            d.id,
            d.categories.join(","),
            if d.deprecated {
                "deprecated"
            } else if d.default && catalog::Version::V1.has(&d.id) {
                "yes"
            } else if d.default {
                "v2 only"
            } else {
                "no"
            }
        );
    }
    s.push_str(
        "\nCategories and defaults are those of a buf.yaml with `version: v2`. Without a buf.yaml, or\n\
         with `version: v1`, buf applies v1's default set, which lacks the rules marked `v2 only`\n\
         (and v1 has neither them nor the CSR category); put `version: v2` in buf.yaml to get them.\n",
    );
    s
}
