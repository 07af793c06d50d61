//! One rule = one ID = one `rules/<ID>.yaml` = one function in src/rules = one fixture.
//! These tests fail when any of the four is missing or they disagree.

use std::collections::BTreeSet;
use std::path::Path;

use protoguard::{catalog, config, explain, rules};

mod common;
use common::fixtures::HISTORY_RULES;

fn registry_ids() -> BTreeSet<&'static str> {
    rules::REGISTRY.iter().map(|(id, _)| *id).collect()
}

#[test]
fn every_yaml_parses_and_is_named_after_its_rule() {
    assert_eq!(
        catalog::raw().len(),
        catalog::all().len(),
        "a rules/*.yaml failed to parse"
    );
    for (stem, _) in catalog::raw() {
        let doc = catalog::get(stem)
            .unwrap_or_else(|| panic!("rules/{stem}.yaml: id differs from file name"));
        assert_eq!(doc.id, *stem);
    }
}

#[test]
fn every_rule_has_yaml_and_every_yaml_names_a_rule() {
    let yaml: BTreeSet<&str> = catalog::all().iter().map(|d| d.id.as_str()).collect();
    let code = registry_ids();
    let no_yaml: Vec<_> = code.difference(&yaml).collect();
    // The payload rule judges stored messages, not two indexes: it has no registry entry.
    let no_code: Vec<_> = yaml
        .difference(&code)
        .filter(|id| **id != protoguard::policy::payloads::RULE)
        .collect();
    assert!(
        no_yaml.is_empty(),
        "rules without rules/<ID>.yaml: {no_yaml:?}"
    );
    assert!(
        no_code.is_empty(),
        "rules/<ID>.yaml naming no rule: {no_code:?}"
    );
    let google_api: BTreeSet<&str> = catalog::in_category("GOOGLE_API").into_iter().collect();
    let policy: BTreeSet<&str> = catalog::in_category("POLICY").into_iter().collect();
    // The payload rule is in POLICY but not in the registry (see above).
    assert_eq!(
        code.len() + 1,
        69 + google_api.len() + policy.len(),
        "buf's v2 catalogue (65 rules), 4 history rules, the GOOGLE_API rules and the POLICY rules"
    );
    let buf: BTreeSet<&str> = code
        .difference(&HISTORY_RULES.into())
        .filter(|id| !google_api.contains(*id) && !policy.contains(*id))
        .copied()
        .collect();
    assert_eq!(buf.len(), 65, "buf's v2 catalogue has 65 rules");
}

#[test]
fn every_rule_has_a_fixture_with_expected_output() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("proto_fixtures");
    for id in registry_ids() {
        let dir = root.join(id.to_ascii_lowercase());
        assert!(
            dir.is_dir(),
            "{id}: no proto_fixtures/{}/",
            id.to_ascii_lowercase()
        );
        assert!(
            dir.join("expected.json").is_file(),
            "{id}: fixture has no expected.json"
        );
        let has_sides = (dir.join("old").is_dir() && dir.join("new").is_dir())
            || (dir.join("old.binpb").is_file() && dir.join("new.binpb").is_file());
        assert!(has_sides, "{id}: fixture has no old/new sides");
    }
}

#[test]
fn every_rule_has_explain_text() {
    for doc in catalog::all() {
        let text = explain::explain(doc);
        for part in [
            &doc.summary,
            &doc.breaks,
            &doc.fix,
            &doc.example.before,
            &doc.example.after,
        ] {
            assert!(!part.trim().is_empty(), "{}: empty section", doc.id);
        }
        assert!(text.contains(&doc.id) && text.contains("How to make the change safely"));
        assert!(
            ["major", "minor", "patch", "none"].contains(&doc.semver.as_str()),
            "{}: semver {:?}",
            doc.id,
            doc.semver
        );
    }
}

#[test]
fn categories_follow_bufs_nesting() {
    // Every WIRE rule is in WIRE_JSON but the two whose WIRE_JSON twin is stricter
    // (FIELD_WIRE_JSON_COMPATIBLE_*); every default WIRE_JSON rule is in FILE and PACKAGE.
    let wire: BTreeSet<_> = catalog::in_category("WIRE").into_iter().collect();
    let wire_json: BTreeSet<_> = catalog::in_category("WIRE_JSON").into_iter().collect();
    let file: BTreeSet<_> = catalog::in_category("FILE").into_iter().collect();
    let package: BTreeSet<_> = catalog::in_category("PACKAGE").into_iter().collect();
    let wire_only: BTreeSet<_> = wire.difference(&wire_json).copied().collect();
    assert_eq!(
        wire_only,
        BTreeSet::from([
            "FIELD_WIRE_COMPATIBLE_CARDINALITY",
            "FIELD_WIRE_COMPATIBLE_TYPE"
        ])
    );
    for id in &wire_json {
        if catalog::get(id).unwrap().default {
            assert!(file.contains(id) && package.contains(id), "{id}");
        }
    }
    // The default set is FILE, and FILE is exactly the default rules.
    let default: BTreeSet<_> = catalog::all()
        .iter()
        .filter(|d| d.default)
        .map(|d| d.id.as_str())
        .collect();
    assert_eq!(default, file);
    assert_eq!(config::resolve_rules(&[], &[]).unwrap().len(), file.len());
    assert_eq!(
        file.len(),
        55,
        "buf's 51 default rules and the 4 history rules"
    );
    for id in HISTORY_RULES {
        assert!(
            file.contains(id) && package.contains(id) && wire_json.contains(id),
            "{id}"
        );
    }
    assert!(wire.contains("FIELD_NUMBER_REUSED") && wire.contains("ENUM_VALUE_NUMBER_REUSED"));
    assert!(!wire.contains("FIELD_NAME_REUSED") && !wire.contains("ENUM_VALUE_NAME_REUSED"));
}

#[test]
fn deprecated_v1_ids_are_accepted() {
    assert_eq!(
        config::expand("FIELD_SAME_CTYPE").unwrap(),
        vec!["FIELD_SAME_CPP_STRING_TYPE"]
    );
    assert_eq!(config::expand("FIELD_SAME_LABEL").unwrap().len(), 3);
    assert_eq!(
        config::expand("FILE_SAME_JAVA_STRING_CHECK_UTF8").unwrap(),
        vec!["FIELD_SAME_JAVA_UTF8_VALIDATION"]
    );
    assert!(config::expand("FILE_SAME_PHP_GENERIC_SERVICES")
        .unwrap()
        .is_empty());
    assert!(config::expand("NOT_A_RULE").is_err());
}

/// build.rs validates every rules/*.yaml with this function and fails the build on an
/// error (issue 10: a yaml that did not parse was dropped at run time, and its rule
/// silently lost its categories). Each mistake below is refused, naming what is wrong.
#[test]
fn the_build_refuses_a_bad_rule_yaml() {
    let (stem, good) = catalog::raw()
        .iter()
        .find(|(stem, _)| *stem == "FIELD_SAME_TYPE")
        .unwrap();
    assert_eq!(catalog::parse_rule(stem, good).unwrap().id, *stem);
    let cases = [
        (good.replace("categories:", "categores:"), "categores"),
        (good.replace("semver: major", "semver: huge"), "semver"),
        (
            good.replace("[FILE, PACKAGE, CSR]", "[FILE, PAKAGE]"),
            "PAKAGE",
        ),
        (
            good.replace("id: FIELD_SAME_TYPE", "id: FIELD_SAME_TYP"),
            "file name",
        ),
        (good.replace("default: true", "default: maybe"), "default"),
        (format!("{good}\n  - not yaml: [\n"), ""),
    ];
    for (text, needle) in cases {
        let err = catalog::parse_rule(stem, &text).expect_err(&text);
        assert!(err.contains(needle), "{needle:?} not in {err:?}");
    }
}

/// The generated catalogue holds every yaml, each under its file's name, with the
/// categories it declares.
#[test]
fn the_generated_catalogue_is_every_yaml() {
    assert_eq!(catalog::all().len(), catalog::raw().len());
    for (doc, (stem, text)) in catalog::all().iter().zip(catalog::raw()) {
        assert_eq!(doc.id, *stem);
        let parsed = catalog::parse_rule(stem, text).unwrap();
        assert_eq!(doc.categories, parsed.categories, "{stem}");
        assert_eq!(doc.summary, parsed.summary, "{stem}");
    }
}
