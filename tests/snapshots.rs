//! Snapshots of what a user reads: the text (`path:line:col: RULE message`), the rich
//! terminal diagnostics (miette) and the JSON lines, for a deletion, type changes with their
//! blast radius, a rename, and an error with `path:line:col`. The snapshots live in
//! `tests/snapshots/`; a change to the output shows as a diff to review (`cargo insta
//! review`, or `INSTA_UPDATE=always cargo test --test snapshots` and `git diff`).
//!
//! Text and JSON come from the binary, run inside the case directory as a user runs it.
//! Rich output needs a terminal, so it comes from the library's renderer, with paths
//! relative to the crate root (where `cargo test` runs).

mod common;

use std::path::{Path, PathBuf};

use protoguard::OutputFormat;

fn root() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// A case's directory (holding `old/` and `new/`) relative to the crate root.
fn case(rel: &str) -> PathBuf {
    PathBuf::from(rel)
}

/// `protoguard check new --against old [--format json]` inside the case: its stdout, after
/// checking the exit code.
fn cli(rel: &str, extra: &[&str], code: i32) -> String {
    let out = common::check(&root().join(rel), extra);
    common::assert_code(&out, code);
    common::stdout(&out)
}

/// The rich rendering of the same check, as a terminal shows it.
fn rich(rel: &str) -> String {
    let dir = case(rel);
    let report = protoguard::Check::new(dir.join("new").to_string_lossy())
        .against(dir.join("old").to_string_lossy())
        .run()
        .expect("the case loads");
    report.render(OutputFormat::Rich)
}

/// Text, rich and JSON snapshots of one case that has findings.
fn snapshot_case(name: &str, rel: &str) {
    insta::assert_snapshot!(format!("{name}_text"), cli(rel, &[], 1));
    insta::assert_snapshot!(format!("{name}_json"), cli(rel, &["--format", "json"], 1));
    insta::assert_snapshot!(format!("{name}_rich"), rich(rel));
}

#[test]
fn deletion() {
    snapshot_case("deletion", "proto_fixtures/rpc_no_delete");
}

/// The README's example: widened and retyped fields, a reused number, a renamed enum value
/// and a dropped RPC, each with what it affects.
#[test]
fn type_changes() {
    snapshot_case("type_changes", "examples/shop");
}

/// A message renamed in place: reported once, as buf does, with what it became.
#[test]
fn rename() {
    snapshot_case("rename", "tests/snapshot_cases/rename");
}

/// A schema that does not compile: exit 2, one line naming `path:line:col` (what CI logs
/// show), and the diagnostic with its source for a terminal.
#[test]
fn error_with_path_line_col() {
    let rel = "tests/snapshot_cases/syntax_error";
    let out = common::check(&root().join(rel), &[]);
    common::assert_code(&out, 2);
    assert!(out.stdout.is_empty(), "{}", common::stdout(&out));
    insta::assert_snapshot!("error_text", common::stderr(&out));

    let dir = case(rel);
    let err = protoguard::Check::new(dir.join("new").to_string_lossy())
        .against(dir.join("old").to_string_lossy())
        .run()
        .expect_err("the new side does not compile");
    let mut rendered = String::new();
    miette::GraphicalReportHandler::new_themed(miette::GraphicalTheme::unicode_nocolor())
        .render_report(&mut rendered, &err)
        .unwrap();
    insta::assert_snapshot!("error_rich", rendered);
}
