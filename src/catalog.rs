//! The rule catalogue: every rule's ID, categories, default membership and documentation,
//! read from the `rules/<ID>.yaml` files embedded at build time.

use std::sync::OnceLock;

use serde::Deserialize;

mod embedded {
    include!(concat!(env!("OUT_DIR"), "/rule_docs.rs"));
}

/// The categories, strictest first, as buf names them.
pub const CATEGORIES: &[&str] = &["FILE", "PACKAGE", "WIRE_JSON", "WIRE", "CSR"];

/// What `rules/<ID>.yaml` says about one rule.
#[derive(Debug, Clone, Deserialize)]
pub struct RuleDoc {
    pub id: String,
    pub categories: Vec<String>,
    pub default: bool,
    #[serde(default)]
    pub deprecated: bool,
    #[serde(default)]
    pub aliases: Vec<String>,
    pub summary: String,
    pub breaks: String,
    pub example: Example,
    pub fix: String,
    pub semver: String,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Example {
    pub before: String,
    pub after: String,
}

/// Every rule's documentation, in ID order.
pub fn all() -> &'static [RuleDoc] {
    static DOCS: OnceLock<Vec<RuleDoc>> = OnceLock::new();
    DOCS.get_or_init(|| {
        embedded::RULE_DOCS
            .iter()
            .filter_map(
                |(name, text)| match serde_saphyr::from_str::<RuleDoc>(text) {
                    Ok(doc) => Some(doc),
                    Err(e) => {
                        // A broken yaml is a build-time mistake caught by the catalogue test;
                        // at run time the rule simply has no documentation.
                        eprintln!("protoguard: rules/{name}.yaml: {e}");
                        None
                    }
                },
            )
            .collect()
    })
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
