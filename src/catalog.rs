//! The rule catalogue: every rule's ID, categories, default membership and documentation,
//! from the `rules/<ID>.yaml` files. build.rs parses and validates each of them with the
//! schema of `src/rule_schema.rs` (a bad yaml fails the build) and generates the catalogue
//! served here, so nothing is parsed, and nothing can fail, at run time.

use std::sync::OnceLock;

#[path = "rule_schema.rs"]
mod schema;

pub use schema::{parse_rule, Example, RuleDoc, BUMPS, CATEGORIES};

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

mod generated {
    use super::{Example, RuleDoc};
    include!(concat!(env!("OUT_DIR"), "/rule_catalog.rs"));
}

/// Every rule's documentation, in ID order.
pub fn all() -> &'static [RuleDoc] {
    static DOCS: OnceLock<Vec<RuleDoc>> = OnceLock::new();
    DOCS.get_or_init(generated::parsed)
}

/// The raw yaml files, by file stem (for the consistency test).
pub fn raw() -> &'static [(&'static str, &'static str)] {
    embedded::RULE_DOCS
}

pub fn get(id: &str) -> Option<&'static RuleDoc> {
    all().iter().find(|d| d.id == id)
}

/// The rule(s) a deprecated v1 ID stands for.
pub fn alias_targets(alias: &str) -> Vec<&'static str> {
    all()
        .iter()
        .filter(|d| d.aliases.iter().any(|a| a == alias))
        .map(|d| d.id.as_str())
        .collect()
}

/// Deprecated v1 IDs that check nothing in v2 but must still be accepted in a config.
pub const RETIRED_IDS: &[&str] = &["FILE_SAME_PHP_GENERIC_SERVICES"];

/// Rules in a category (non-deprecated ones only, as buf does).
pub fn in_category(category: &str) -> Vec<&'static str> {
    all()
        .iter()
        .filter(|d| !d.deprecated && d.categories.iter().any(|c| c == category))
        .map(|d| d.id.as_str())
        .collect()
}
