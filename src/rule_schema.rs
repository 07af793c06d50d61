//! The schema of `rules/<ID>.yaml`, shared by `build.rs` (which parses and validates every
//! file at build time, so a bad yaml fails the build) and [`crate::catalog`] (which serves
//! what the build generated). One definition, so the two can never disagree.

use serde::Deserialize;

/// The categories: buf's, strictest first, as buf names them, then protoguard's own:
/// GOOGLE_API (google.api annotations, AIP-180) and POLICY (the compatibility contract's
/// rules: STABILITY_NO_DEMOTE, PAYLOAD_SAME_MEANING), never in a default set.
pub const CATEGORIES: &[&str] = &[
    "FILE",
    "PACKAGE",
    "WIRE_JSON",
    "WIRE",
    "CSR",
    "GOOGLE_API",
    "POLICY",
];

/// Categories buf does not have: their rules are protoguard's alone.
pub const OWN_CATEGORIES: &[&str] = &["GOOGLE_API", "POLICY"];

/// The semver bumps a rule may ask for.
pub const BUMPS: &[&str] = &["major", "minor", "patch", "none"];

/// What `rules/<ID>.yaml` says about one rule.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
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
#[serde(deny_unknown_fields)]
pub struct Example {
    pub before: String,
    pub after: String,
}

/// Parses and validates the yaml of the rule file `rules/{stem}.yaml`: the schema above
/// (no unknown keys), the id equal to the file name, known categories (at least one
/// unless deprecated; protoguard's own categories alone and not by default),
/// a known semver bump, and no empty section.
pub fn parse_rule(stem: &str, text: &str) -> Result<RuleDoc, String> {
    let doc: RuleDoc = serde_saphyr::from_str(text).map_err(|e| e.to_string())?;
    if doc.id != stem {
        return Err(format!("id {:?} differs from the file name", doc.id));
    }
    // A deprecated rule may sit in no category (buf keeps it only as an ID).
    if doc.categories.is_empty() && !doc.deprecated {
        return Err("no category".into());
    }
    if let Some(c) = doc
        .categories
        .iter()
        .find(|c| !CATEGORIES.contains(&c.as_str()))
    {
        return Err(format!(
            "unknown category {c:?} (known: {})",
            CATEGORIES.join(", ")
        ));
    }
    // protoguard's own categories hold only their own rules, never a default one, so
    // buf's categories and default set stay exactly buf's.
    let own = |c: &String| OWN_CATEGORIES.contains(&c.as_str());
    if doc.categories.iter().any(own) && (doc.default || !doc.categories.iter().all(own)) {
        return Err(format!(
            "a rule of {} is in no other category and not default",
            OWN_CATEGORIES.join(", ")
        ));
    }
    if !BUMPS.contains(&doc.semver.as_str()) {
        return Err(format!(
            "semver {:?} is not one of {}",
            doc.semver,
            BUMPS.join(", ")
        ));
    }
    for (name, part) in [
        ("summary", &doc.summary),
        ("breaks", &doc.breaks),
        ("fix", &doc.fix),
        ("example.before", &doc.example.before),
        ("example.after", &doc.example.after),
    ] {
        if part.trim().is_empty() {
            return Err(format!("{name} is empty"));
        }
    }
    Ok(doc)
}
