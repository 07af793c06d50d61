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

#[macro_use]
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

for_each_fixture!(fixtures);

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
