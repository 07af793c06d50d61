//! The GOOGLE_API category: breaking changes that live in google.api annotations, after
//! [AIP-180](https://google.aip.dev/180). buf has no such rules; they are never in a default
//! set (select them with `--use GOOGLE_API` or `use: [GOOGLE_API]` in protoguard.yaml), so
//! buf parity is untouched.
//!
//! The annotations are read from the compiled options, resolved by the extensions' full
//! names in each side's schema ([`annotations`]), never from the text. Each rule is one
//! function: field behaviour ([`field_behavior`]), HTTP bindings ([`http`]), resources
//! ([`resources`]), client and long-running-operation annotations ([`client`]) and
//! AIP-158 pagination ([`pagination`]).

pub mod annotations;
pub mod client;
pub mod field_behavior;
pub mod http;
pub mod pagination;
pub mod resources;

use std::collections::BTreeMap;

use crate::index::{FileId, Index, Site};

pub use annotations::Annotations;

/// The category's name, as `--use` and protoguard.yaml spell it.
pub const CATEGORY: &str = "GOOGLE_API";

/// The one-line hint for stderr when the new schema uses the google/api protos and no
/// GOOGLE_API rule is selected; `None` otherwise.
pub fn suggestion(new: &Index, selected_rules: &[&str]) -> Option<String> {
    let rules = crate::catalog::in_category(CATEGORY);
    let selected = selected_rules.iter().any(|id| rules.contains(id));
    let uses_google_api = new
        .files
        .iter()
        .any(|f| f.name.starts_with("google/api/") && f.name.ends_with(".proto"));
    (uses_google_api && !selected).then(|| {
        "note: this schema uses google/api annotations; add `--use GOOGLE_API` (or GOOGLE_API \
         under `use:` in protoguard.yaml) to check them for AIP-180 breaking changes"
            .to_string()
    })
}

/// The site of an option of an element (`options_field` is the element's options field in
/// its descriptor, `number` the extension's), with backup to the element itself, as buf
/// locates option changes. A repeated option is located at its first value when the
/// compiler recorded only the values.
pub fn option_site(index: &Index, site: &Site, options_field: i32, number: u32) -> Option<Site> {
    let base = site.path.as_deref().unwrap_or(&[]);
    let mut option = base.to_vec();
    option.extend_from_slice(&[options_field, number as i32]);
    let mut first = option.clone();
    first.push(0);
    super::locate(index, site.file, &[&option, &first, base])
}

/// The RPCs (`pkg.Service.Method`) that take each message as their request, in `index`.
pub fn request_of(index: &Index) -> BTreeMap<String, Vec<String>> {
    let mut out: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for s in &index.services {
        for m in &s.methods {
            out.entry(m.input_type.trim_start_matches('.').to_string())
                .or_default()
                .push(format!("{}.{}", s.full_name, m.name));
        }
    }
    out
}

/// A type name written in an annotation (`Book`, `google.example.v1.Book`), resolved as
/// AIP-151 resolves `operation_info` types: unqualified names are in the file's package.
pub fn qualified(index: &Index, file: FileId, name: &str) -> String {
    let name = name.trim().trim_start_matches('.');
    let package = &index.files[file].package;
    if name.is_empty() || name.contains('.') || package.is_empty() {
        name.to_string()
    } else {
        format!("{package}.{name}")
    }
}
