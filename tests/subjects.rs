//! Every rule says which element its finding is about ([`Subject`]), and says it right: each
//! rule's documented example (`rules/<ID>.yaml`) is run through the library with that rule
//! selected, and each of its findings must name an element of the expected kind, on the
//! expected sides (a deletion: the old side only; a change: both sides, of one kind; an
//! addition: the new side only), by a full name the example's text declares, with the number
//! the text gives fields, extensions and enum values, in the file the text is written to.
//!
//! The expectation of every rule is one line of [`EXPECTED`]; a rule added to the registry
//! without a line there fails [`the_table_covers_every_rule`].

use std::collections::BTreeSet;
use std::path::Path;

use protoguard::catalog::{self, RuleDoc};
use protoguard::diff::Diff;
use protoguard::finding::{Element, ElementKind, Subject};
use protoguard::rules::REGISTRY;
use protoguard::Check;

mod rule_example_sides;
use rule_example_sides::{history_repo, named_path, write_sides, BASELINE, HISTORY_RULES};

/// Which sides of a finding's subject are present.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Shape {
    /// Old side only.
    Deleted,
    /// Both sides, of one kind.
    Changed,
    /// New side only.
    Added,
    /// The rule checks nothing (deprecated): its example has no finding.
    Silent,
}

use ElementKind::*;
use Shape::*;

/// The subject every rule's example finding must have.
const EXPECTED: &[(&str, ElementKind, Shape)] = &[
    ("ENUM_NO_DELETE", Enum, Deleted),
    ("EXTENSION_NO_DELETE", Extension, Deleted),
    ("FILE_NO_DELETE", File, Deleted),
    ("MESSAGE_NO_DELETE", Message, Deleted),
    ("SERVICE_NO_DELETE", Service, Deleted),
    ("ENUM_SAME_TYPE", Enum, Changed),
    ("ENUM_VALUE_NO_DELETE", EnumValue, Deleted),
    ("EXTENSION_MESSAGE_NO_DELETE", Message, Changed),
    ("FIELD_NO_DELETE", Field, Deleted),
    ("FIELD_SAME_CARDINALITY", Field, Changed),
    ("FIELD_SAME_CPP_STRING_TYPE", Field, Changed),
    ("FIELD_SAME_JAVA_UTF8_VALIDATION", Field, Changed),
    ("FIELD_SAME_JSTYPE", Field, Changed),
    ("FIELD_SAME_TYPE", Field, Changed),
    ("FIELD_SAME_UTF8_VALIDATION", Field, Changed),
    ("FILE_SAME_CC_ENABLE_ARENAS", File, Changed),
    ("FILE_SAME_CC_GENERIC_SERVICES", File, Changed),
    ("FILE_SAME_CSHARP_NAMESPACE", File, Changed),
    ("FILE_SAME_GO_PACKAGE", File, Changed),
    ("FILE_SAME_JAVA_GENERIC_SERVICES", File, Changed),
    ("FILE_SAME_JAVA_MULTIPLE_FILES", File, Changed),
    ("FILE_SAME_JAVA_OUTER_CLASSNAME", File, Changed),
    ("FILE_SAME_JAVA_PACKAGE", File, Changed),
    ("FILE_SAME_OBJC_CLASS_PREFIX", File, Changed),
    ("FILE_SAME_OPTIMIZE_FOR", File, Changed),
    ("FILE_SAME_PHP_CLASS_PREFIX", File, Changed),
    ("FILE_SAME_PHP_METADATA_NAMESPACE", File, Changed),
    ("FILE_SAME_PHP_NAMESPACE", File, Changed),
    ("FILE_SAME_PY_GENERIC_SERVICES", File, Changed),
    ("FILE_SAME_RUBY_PACKAGE", File, Changed),
    ("FILE_SAME_SWIFT_PREFIX", File, Changed),
    ("FILE_SAME_SYNTAX", File, Changed),
    (
        "MESSAGE_NO_REMOVE_STANDARD_DESCRIPTOR_ACCESSOR",
        Message,
        Changed,
    ),
    ("ONEOF_NO_DELETE", Oneof, Deleted),
    ("RPC_NO_DELETE", Rpc, Deleted),
    ("ENUM_SAME_JSON_FORMAT", Enum, Changed),
    ("ENUM_VALUE_SAME_NAME", EnumValue, Changed),
    ("FIELD_SAME_JSON_NAME", Field, Changed),
    ("FIELD_SAME_NAME", Field, Changed),
    ("MESSAGE_SAME_JSON_FORMAT", Message, Changed),
    ("FIELD_SAME_DEFAULT", Field, Changed),
    ("FIELD_SAME_ONEOF", Field, Changed),
    ("FILE_SAME_PACKAGE", File, Changed),
    ("MESSAGE_SAME_REQUIRED_FIELDS", Field, Added),
    ("RESERVED_ENUM_NO_DELETE", Enum, Changed),
    ("RESERVED_MESSAGE_NO_DELETE", Message, Changed),
    ("RPC_SAME_CLIENT_STREAMING", Rpc, Changed),
    ("RPC_SAME_IDEMPOTENCY_LEVEL", Rpc, Changed),
    ("RPC_SAME_REQUEST_TYPE", Rpc, Changed),
    ("RPC_SAME_RESPONSE_TYPE", Rpc, Changed),
    ("RPC_SAME_SERVER_STREAMING", Rpc, Changed),
    ("PACKAGE_ENUM_NO_DELETE", Enum, Deleted),
    ("PACKAGE_EXTENSION_NO_DELETE", Extension, Deleted),
    ("PACKAGE_MESSAGE_NO_DELETE", Message, Deleted),
    ("PACKAGE_NO_DELETE", Package, Deleted),
    ("PACKAGE_SERVICE_NO_DELETE", Service, Deleted),
    (
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        EnumValue,
        Deleted,
    ),
    ("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", Field, Deleted),
    ("FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY", Field, Changed),
    ("FIELD_WIRE_JSON_COMPATIBLE_TYPE", Field, Changed),
    (
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        EnumValue,
        Deleted,
    ),
    ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", Field, Deleted),
    ("FIELD_WIRE_COMPATIBLE_CARDINALITY", Field, Changed),
    ("FIELD_WIRE_COMPATIBLE_TYPE", Field, Changed),
    ("MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT", Message, Silent),
    ("FIELD_NUMBER_REUSED", Field, Added),
    ("ENUM_VALUE_NUMBER_REUSED", EnumValue, Added),
    ("FIELD_NAME_REUSED", Field, Added),
    ("ENUM_VALUE_NAME_REUSED", EnumValue, Added),
    ("STABILITY_NO_DEMOTE", Field, Changed),
    ("GOOGLE_API_FIELD_NO_REQUIRED_ADDED", Field, Changed),
    ("GOOGLE_API_FIELD_NO_OUTPUT_ONLY_REMOVED", Field, Changed),
    ("GOOGLE_API_FIELD_NO_IMMUTABLE_ADDED", Field, Changed),
    ("GOOGLE_API_MESSAGE_NO_REQUIRED_FIELD_ADDED", Field, Added),
    ("GOOGLE_API_HTTP_SAME_PATTERN", Rpc, Changed),
    ("GOOGLE_API_HTTP_SAME_BODY", Rpc, Changed),
    ("GOOGLE_API_HTTP_NO_BINDING_DELETE", Rpc, Changed),
    ("GOOGLE_API_RESOURCE_SAME_TYPE", Message, Changed),
    ("GOOGLE_API_RESOURCE_SAME_PATTERNS", Message, Changed),
    ("GOOGLE_API_RESOURCE_DEFINITION_NO_DELETE", File, Changed),
    ("GOOGLE_API_RESOURCE_REFERENCE_SAME_TYPE", Field, Changed),
    ("GOOGLE_API_METHOD_SIGNATURE_NO_DELETE", Rpc, Changed),
    ("GOOGLE_API_OPERATION_INFO_SAME_TYPES", Rpc, Changed),
    ("GOOGLE_API_SERVICE_SAME_DEFAULT_HOST", Service, Changed),
    ("GOOGLE_API_SERVICE_NO_OAUTH_SCOPE_DELETE", Service, Changed),
    ("GOOGLE_API_RPC_SAME_PAGINATION", Rpc, Changed),
];

#[test]
fn the_table_covers_every_rule() {
    let table: BTreeSet<&str> = EXPECTED.iter().map(|(id, _, _)| *id).collect();
    assert_eq!(table.len(), EXPECTED.len(), "a rule is listed twice");
    let registry: BTreeSet<&str> = REGISTRY.iter().map(|(id, _)| *id).collect();
    // The payload rule judges stored messages, not two indexes: it is not in the registry.
    let docs: BTreeSet<&str> = catalog::all()
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| *id != protoguard::policy::payloads::RULE)
        .collect();
    assert_eq!(table, registry, "EXPECTED and the rule registry differ");
    assert_eq!(table, docs, "EXPECTED and rules/*.yaml differ");
}

/// One side of an example as written: its file path and text.
struct Side<'a> {
    path: String,
    text: &'a str,
}

impl Side<'_> {
    fn package(&self) -> &str {
        self.text
            .lines()
            .find_map(|l| l.trim().strip_prefix("package "))
            .map_or("", |p| p.trim_end_matches(';').trim())
    }

    /// Whether the text holds `word` as a whole identifier.
    fn has_word(&self, word: &str) -> bool {
        self.text
            .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .any(|w| w == word)
    }

    /// Why `e` is not an element this side declares, if it is not.
    fn mismatch(&self, e: &Element) -> Option<String> {
        if e.kind == Package {
            return (e.full_name != self.package()).then(|| "not the package of the text".into());
        }
        if e.file.as_deref() != Some(self.path.as_str()) {
            return Some(format!("in file {:?}, the text is {}", e.file, self.path));
        }
        if e.kind == File {
            return (e.full_name != self.path).then(|| "not the file's path".into());
        }
        let package = self.package();
        let local = if package.is_empty() {
            Some(e.full_name.as_str())
        } else {
            e.full_name.strip_prefix(&format!("{package}."))
        };
        let Some(local) = local else {
            return Some(format!("not in package {package}"));
        };
        if let Some(missing) = local.split('.').find(|part| !self.has_word(part)) {
            return Some(format!("the text declares no {missing:?}"));
        }
        let numbered = matches!(e.kind, Field | Extension | EnumValue);
        match (numbered, e.number) {
            (false, None) => None,
            (false, Some(n)) => Some(format!("number {n} on a {}", e.kind.noun())),
            (true, None) => Some("no number".into()),
            (true, Some(n)) => {
                let name = local.rsplit('.').next().unwrap_or(local);
                let compact: String = self.text.split_whitespace().collect::<Vec<_>>().join(" ");
                (!compact.contains(&format!("{name} = {n}")))
                    .then(|| format!("the text does not declare {name} = {n}"))
            }
        }
    }
}

/// The findings of `doc`'s rule over its example, with their subjects.
fn subjects(dir: &Path, doc: &RuleDoc) -> Vec<Subject> {
    let check = if HISTORY_RULES.contains(&doc.id.as_str()) {
        let root = history_repo(dir, doc);
        Check::new(root.display().to_string()).against(format!("{}/{BASELINE}", root.display()))
    } else {
        write_sides(dir, doc);
        let side = |s: &str| dir.join(s).display().to_string();
        Check::new(side("new")).against(side("old"))
    };
    let loaded = check
        .use_rules([doc.id.as_str()])
        .load()
        .unwrap_or_else(|e| panic!("{}: {e}", doc.id));
    let diff = Diff::new(&loaded.old.index, &loaded.new.index);
    protoguard::check_diff(&diff, &loaded.policy, loaded.ledger.as_ref())
        .into_iter()
        .filter(|(_, a)| a.rule == doc.id)
        .map(|(s, _)| s)
        .collect()
}

/// What is wrong with `s` as the subject of a finding about `kind` shaped `shape`.
fn judge(s: &Subject, kind: ElementKind, shape: Shape, old: &Side, new: &Side) -> Vec<String> {
    let mut wrong = Vec::new();
    let got = match (&s.old, &s.new) {
        (Some(_), None) => Deleted,
        (Some(_), Some(_)) => Changed,
        (None, Some(_)) => Added,
        (None, None) => return vec!["no side".into()],
    };
    if got != shape {
        wrong.push(format!("{got:?}, expected {shape:?}"));
    }
    for (element, side) in [(&s.old, old), (&s.new, new)] {
        let Some(e) = element else { continue };
        if e.kind != kind {
            wrong.push(format!(
                "{} is a {}, expected {}",
                e.full_name,
                e.kind.noun(),
                kind.noun()
            ));
        }
        if let Some(why) = side.mismatch(e) {
            wrong.push(format!("{}: {why}", e.full_name));
        }
    }
    wrong
}

#[test]
fn every_rule_example_names_its_subject() {
    let mut failures = Vec::new();
    for doc in catalog::all() {
        let Some(&(_, kind, shape)) = EXPECTED.iter().find(|(id, _, _)| *id == doc.id) else {
            continue; // the_table_covers_every_rule says so
        };
        let tmp = tempfile::tempdir().unwrap();
        let subjects = subjects(tmp.path(), doc);
        let before_path = named_path(&doc.example.before).unwrap_or_else(|| "example.proto".into());
        let old = Side {
            text: &doc.example.before,
            path: before_path.clone(),
        };
        let new = Side {
            text: &doc.example.after,
            path: named_path(&doc.example.after).unwrap_or(before_path),
        };
        if shape == Silent {
            if !subjects.is_empty() {
                failures.push(format!(
                    "{}: findings {subjects:?} from a silent rule",
                    doc.id
                ));
            }
            continue;
        }
        if subjects.is_empty() {
            failures.push(format!("{}: no finding", doc.id));
        }
        for s in &subjects {
            for why in judge(s, kind, shape, &old, &new) {
                failures.push(format!("{}: {why}\n    {s:?}", doc.id));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} wrong subject(s):\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}
