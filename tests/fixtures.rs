//! One test per `proto_fixtures/<id>/`, named after it, so a failure names its fixture.
//!
//! Each runs the rules its name (or `use.txt`) selects and compares the sorted findings with
//! `expected.json`, buf's own findings on the case (`scripts/buf-expected.sh`). Nothing may be
//! reported in a `near_miss*` file. Every fixture runs twice: compiling everything, and
//! compiling only the files that can differ (the default); both must give buf's findings. A
//! fixture given as images (`old.binpb`/`new.binpb`, e.g. the editions ones) that keeps its
//! sources in `src_old/`/`src_new/` also runs from those sources, compiled by protoguard. A
//! proto2/proto3 source fixture also runs with an editions file added to its new side, which
//! sends that side through protoc instead of protox: the findings must not change.
//!
//! A fixture with `history/<label>/` directories (the history rules, which buf does not
//! have) is checked with a ledger of those releases, oldest first by version; its
//! `expected.json` is written by hand in buf's format.
//!
//! [`every_fixture_directory_has_a_test`] fails when a directory is missing from the list
//! below (or the list names one that is gone).

mod common;

use common::fixtures::{self as fx, Form, Run};
use protoguard::source::Mode;

/// Checks one fixture in every form and mode; panics listing every run that differs.
fn check_fixture(id: &str) {
    let dir = fx::fixtures_dir().join(id);
    let rules = fx::rules_of(&dir);
    let ledger = fx::history(&dir);
    let expected = fx::expected(&dir, "expected.json");
    let mut failures = Vec::new();
    let mut check = |what: String, run: Run| {
        let result = fx::findings(&run).and_then(|ours| {
            if let Some(bad) = ours.iter().find(|l| l.contains("near_miss")) {
                return Err(format!("finding in a near miss: {bad}"));
            }
            fx::compare(&ours, &expected)
        });
        if let Err(e) = result {
            failures.push(format!("{id} ({what}): {e}"));
        }
    };
    for form in fx::forms(&dir) {
        for mode in [Mode::Full, Mode::Planned] {
            let run = Run {
                sides: &dir,
                mode,
                form,
                rules: &rules,
                ledger: ledger.as_ref(),
            };
            check(format!("{mode:?}, {form:?}"), run);
        }
    }
    // Both compilers must read the same files the same way (descriptors, spans, comments,
    // defaults): the new side, with an editions neighbour, goes through protoc.
    if fx::protox_only_sources(&dir) {
        let copy = fx::with_editions_neighbour(&dir);
        for mode in [Mode::Full, Mode::Planned] {
            let run = Run {
                sides: copy.path(),
                mode,
                form: Form::AsGiven,
                rules: &rules,
                ledger: None,
            };
            check(format!("{mode:?}, new side through protoc"), run);
        }
    }
    assert!(
        failures.is_empty(),
        "{} run(s) differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One `#[test]` per fixture id, and the list itself for the completeness check.
macro_rules! fixtures {
    ($($id:ident),* $(,)?) => {
        const LISTED: &[&str] = &[$(stringify!($id)),*];
        $(
            #[test]
            fn $id() {
                check_fixture(stringify!($id));
            }
        )*
    };
}

fixtures! {
    byte_order_mark,
    columns_tabs_unicode,
    editions_2024,
    editions_mixed_imports,
    enum_no_delete,
    enum_same_json_format,
    enum_same_json_format_editions,
    enum_same_type,
    enum_same_type_editions,
    enum_value_name_reused,
    enum_value_no_delete,
    enum_value_no_delete_unless_name_reserved,
    enum_value_no_delete_unless_number_reserved,
    enum_value_number_reused,
    enum_value_same_name,
    extension_message_no_delete,
    extension_no_delete,
    field_name_reused,
    field_no_delete,
    field_no_delete_unless_name_reserved,
    field_no_delete_unless_number_reserved,
    field_number_reused,
    field_same_cardinality,
    field_same_cardinality_editions,
    field_same_cpp_string_type,
    field_same_cpp_string_type_editions,
    field_same_default,
    field_same_default_editions,
    field_same_java_utf8_validation,
    field_same_java_utf8_validation_editions,
    field_same_json_name,
    field_same_json_name_added,
    field_same_jstype,
    field_same_name,
    field_same_oneof,
    field_same_type,
    field_same_type_editions,
    field_same_utf8_validation,
    field_same_utf8_validation_editions,
    field_wire_compatible_cardinality,
    field_wire_compatible_cardinality_editions,
    field_wire_compatible_type,
    field_wire_compatible_type_editions,
    field_wire_json_compatible_cardinality,
    field_wire_json_compatible_cardinality_editions,
    field_wire_json_compatible_type,
    field_wire_json_compatible_type_editions,
    file_no_delete,
    file_same_cc_enable_arenas,
    file_same_cc_generic_services,
    file_same_csharp_namespace,
    file_same_go_package,
    file_same_java_generic_services,
    file_same_java_multiple_files,
    file_same_java_outer_classname,
    file_same_java_package,
    file_same_objc_class_prefix,
    file_same_optimize_for,
    file_same_package,
    file_same_php_class_prefix,
    file_same_php_metadata_namespace,
    file_same_php_namespace,
    file_same_py_generic_services,
    file_same_ruby_package,
    file_same_swift_prefix,
    file_same_syntax,
    file_same_syntax_editions,
    go_quoting,
    history_editions,
    message_no_delete,
    message_no_remove_standard_descriptor_accessor,
    message_same_json_format,
    message_same_json_format_editions,
    message_same_message_set_wire_format,
    message_same_required_fields,
    message_same_required_fields_editions,
    neutral_editions,
    neutral_reorder,
    oneof_no_delete,
    package_enum_no_delete,
    package_extension_no_delete,
    package_file_deleted_beside_unchanged,
    package_message_no_delete,
    package_nested_deleted,
    package_no_delete,
    package_service_no_delete,
    reserved_enum_no_delete,
    reserved_message_no_delete,
    reserved_names_editions,
    rpc_no_delete,
    rpc_same_client_streaming,
    rpc_same_idempotency_level,
    rpc_same_request_type,
    rpc_same_response_type,
    rpc_same_server_streaming,
    service_no_delete,
}

#[test]
fn every_fixture_directory_has_a_test() {
    let on_disk = fx::fixture_ids();
    let listed: Vec<String> = LISTED.iter().map(|s| s.to_string()).collect();
    let missing: Vec<&String> = on_disk.iter().filter(|d| !listed.contains(d)).collect();
    let gone: Vec<&String> = listed.iter().filter(|d| !on_disk.contains(d)).collect();
    assert!(
        missing.is_empty() && gone.is_empty(),
        "add to fixtures! in tests/fixtures.rs: {missing:?}; remove (no such directory): {gone:?}"
    );
    assert!(
        on_disk.len() >= 65,
        "expected a fixture per rule, found {}",
        on_disk.len()
    );
}
