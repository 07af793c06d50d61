//! The rule catalogue: every rule's ID, categories, default membership and documentation,
//! from the `rules/<ID>.yaml` files. build.rs parses and validates each of them with the
//! schema of `src/rule_schema.rs` (a bad yaml fails the build) and generates the catalogue
//! served here, so nothing is parsed, and nothing can fail, at run time.

use std::sync::OnceLock;

#[path = "rule_schema.rs"]
mod schema;

pub use schema::{parse_rule, Example, RuleDoc, BUMPS, CATEGORIES, OWN_CATEGORIES};

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

/// The buf.yaml version whose rule registry gives rule IDs and categories their meaning.
/// buf keeps one registry per version: v1 lacks the rules added with v2 and the CSR
/// category, v1beta1 also files a few rules under other categories. Without any buf.yaml,
/// buf 1.75 applies v1's.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Version {
    V1Beta1,
    V1,
    #[default]
    V2,
}

/// Rules that v1 and v1beta1 do not have (added with v2).
const NOT_IN_V1: &[&str] = &[
    "EXTENSION_NO_DELETE",
    "FIELD_SAME_DEFAULT",
    "PACKAGE_EXTENSION_NO_DELETE",
];

/// Rules that v1beta1 does not have either (added with v1).
const NOT_IN_V1BETA1: &[&str] = &[
    "FIELD_WIRE_COMPATIBLE_TYPE",
    "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
];

impl Version {
    /// Whether this version's registry has the rule.
    pub fn has(self, id: &str) -> bool {
        match self {
            Version::V2 => true,
            Version::V1 => !NOT_IN_V1.contains(&id),
            Version::V1Beta1 => !NOT_IN_V1.contains(&id) && !NOT_IN_V1BETA1.contains(&id),
        }
    }

    /// Whether this version knows the category.
    pub fn has_category(self, category: &str) -> bool {
        CATEGORIES.contains(&category) && (self == Version::V2 || category != "CSR")
    }

    /// The rules of a category in this version's registry (non-deprecated ones only).
    pub fn in_category(self, category: &str) -> Vec<&'static str> {
        if !self.has_category(category) {
            return Vec::new();
        }
        all()
            .iter()
            .filter(|d| !d.deprecated && self.has(&d.id))
            .filter(|d| {
                let listed = d.categories.iter().any(|c| c == category);
                if self != Version::V1Beta1 {
                    return listed;
                }
                // v1beta1 counts the strict type and cardinality rules as wire rules, and
                // a package change as a per-file break only.
                let wire = matches!(category, "WIRE" | "WIRE_JSON");
                match d.id.as_str() {
                    "FIELD_SAME_CARDINALITY" | "FIELD_SAME_TYPE" => listed || wire,
                    "FILE_SAME_PACKAGE" => category == "FILE",
                    _ => listed,
                }
            })
            .map(|d| d.id.as_str())
            .collect()
    }
}
