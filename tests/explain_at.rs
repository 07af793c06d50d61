//! `protoguard explain FILE:LINE[:COL] --against OLD`: the findings at one place, with the
//! element before and after, who breaks, the prover's counterexample for a wire change, the
//! verdict and the safe path; a place with nothing; bad places; `explain RULE` unchanged.

use std::process::Output;

use tempfile::TempDir;

mod common;
use common::{run, write};

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        stdout(out),
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"));
}

const OLD: &str = "syntax = \"proto3\";
package p;

message User {
  string id = 1;
  string email = 2 [json_name = \"mail\"];
  int32 age = 3;
}
";

/// `email` deleted (old line 6), `age` changed from int32 to sint32 (new line 6).
const NEW: &str = "syntax = \"proto3\";
package p;

message User {
  string id = 1;
  sint32 age = 3;
}
";

fn pair() -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "old/a.proto", OLD);
    write(dir.path(), "new/a.proto", NEW);
    dir
}

/// The block of output that explains `rule` (from its header line to the next header).
fn block<'a>(out: &'a str, rule: &str) -> &'a str {
    let start = out
        .find(&format!(": {rule} "))
        .unwrap_or_else(|| panic!("no {rule} in:\n{out}"));
    let start = out[..start].rfind('\n').map_or(0, |i| i + 1);
    let end = out[start + 1..]
        .find("\nnew/")
        .map_or(out.len(), |i| start + 1 + i);
    &out[start..end]
}

#[test]
fn a_deletion_is_explained_at_its_old_line_with_the_reserved_lines_fix_writes() {
    let dir = pair();
    let out = run(
        dir.path(),
        &["explain", "new/a.proto:6", "new", "--against", "old"],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    let deletion = block(&text, "FIELD_NO_DELETE");
    for expected in [
        "new/a.proto:4:1: FIELD_NO_DELETE Previously present field \"2\" with name \"email\" on message \"User\" was deleted.",
        "  verdict: breaking (fails the gate)",
        "  before (old/a.proto:6:3):\n    string email = 2 [json_name = \"mail\"];",
        "  after: deleted",
        "  who breaks:\n    Generated code: accessors vanish",
        "    `protoguard fix` writes into message p.User (new/a.proto:4:1):\n      reserved 2;\n      reserved \"email\";",
        "      string email = 2 [json_name = \"mail\", deprecated = true];",
    ] {
        assert!(deletion.contains(expected), "{expected:?} not in:\n{deletion}");
    }
    // A deletion misreads nothing: no counterexample is offered as its evidence.
    assert!(!deletion.contains("evidence"), "{deletion}");
    // The new line 6 is `age`, whose type changed: explained too.
    assert!(text.contains("new/a.proto:6:3: FIELD_SAME_TYPE"), "{text}");
}

#[test]
fn a_wire_type_change_comes_with_the_provers_counterexample_for_that_field() {
    let dir = pair();
    let out = run(
        dir.path(),
        &[
            "explain",
            "new/a.proto:6",
            "new",
            "--against",
            "old",
            "--use",
            "WIRE",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    let change = block(&text, "FIELD_WIRE_COMPATIBLE_TYPE");
    for expected in [
        "  before (old/a.proto:7:3):\n    int32 age = 3;",
        "  after (new/a.proto:6:3):\n    sint32 age = 3;",
        "  evidence (protoguard prove on p.User):",
        "read as",
        "(sint32)",
        "  safe path:\n    Add a new field with a new number",
    ] {
        assert!(change.contains(expected), "{expected:?} not in:\n{change}");
    }
    // With a column, only what spans it: the type `sint32` ends at column 9, the deleted
    // `email` declaration runs on to column 42 of old line 6.
    let out = run(
        dir.path(),
        &[
            "explain",
            "new/a.proto:6:20",
            "new",
            "--against",
            "old",
            "--use",
            "WIRE",
        ],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.contains(": FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED "),
        "{text}"
    );
    assert!(!text.contains("FIELD_WIRE_COMPATIBLE_TYPE"), "{text}");
}

#[test]
fn a_place_with_nothing_says_so_and_names_the_nearest_lines_with_findings() {
    let dir = pair();
    let out = run(
        dir.path(),
        &["explain", "new/a.proto:2", "new", "--against", "old"],
    );
    assert_code(&out, 0);
    assert_eq!(
        stdout(&out),
        "no finding at new/a.proto:2\nnearest lines with findings:\n  line 4: FIELD_NO_DELETE\n  line 6: FIELD_NO_DELETE, FIELD_SAME_TYPE\n"
    );
    // Inside NEW, NEW defaults to `.`.
    let out = run(
        &dir.path().join("new"),
        &["explain", "a.proto:5", "--against", "../old"],
    );
    assert_code(&out, 0);
    assert!(
        stdout(&out).starts_with("no finding at a.proto:5\n"),
        "{}",
        stdout(&out)
    );
}

#[test]
fn bad_places_exit_2_and_rules_are_still_explained() {
    let dir = pair();
    for (args, says) in [
        (
            vec!["explain", "new/nope.proto:3", "new", "--against", "old"],
            "new/nope.proto: no such file",
        ),
        (
            vec!["explain", "new/a.proto:x", "new", "--against", "old"],
            "expected FILE:LINE or FILE:LINE:COL",
        ),
        (
            vec!["explain", "new/a.proto:0", "new", "--against", "old"],
            "expected FILE:LINE or FILE:LINE:COL",
        ),
        (
            vec!["explain", "new/a.proto:3", "new"],
            "needs --against OLD",
        ),
    ] {
        let out = run(dir.path(), &args);
        assert_code(&out, 2);
        assert!(stderr(&out).contains(says), "{args:?}: {}", stderr(&out));
    }
    // A file that is in neither schema.
    write(dir.path(), "other/x.proto", "syntax = \"proto3\";\n");
    let out = run(
        dir.path(),
        &["explain", "other/x.proto:1", "new", "--against", "old"],
    );
    assert_code(&out, 2);
    assert!(stderr(&out).contains("not a .proto file of the new or the old schema"));
    let out = run(dir.path(), &["explain", "field_same_type"]);
    assert_code(&out, 0);
    assert!(stdout(&out).starts_with("FIELD_SAME_TYPE — "));
}

#[test]
fn a_deleted_enum_value_gets_its_deprecation_step_and_reserved_lines() {
    let dir = tempfile::tempdir().unwrap();
    write(
        dir.path(),
        "old/a.proto",
        "syntax = \"proto3\";\npackage p;\nenum Color {\n  COLOR_UNSPECIFIED = 0;\n  RED = 1;\n}\n",
    );
    write(
        dir.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage p;\nenum Color {\n  COLOR_UNSPECIFIED = 0;\n}\n",
    );
    let out = run(
        dir.path(),
        &["explain", "new/a.proto:5", "new", "--against", "old"],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    for expected in [
        "new/a.proto:3:1: ENUM_VALUE_NO_DELETE Previously present enum value \"1\" on enum \"Color\" was deleted.",
        "  before (old/a.proto:5:3):\n    RED = 1;",
        "    `protoguard fix` writes into enum p.Color (new/a.proto:3:1):\n      reserved 1;\n      reserved \"RED\";",
        "      RED = 1 [deprecated = true];",
    ] {
        assert!(text.contains(expected), "{expected:?} not in:\n{text}");
    }
}
