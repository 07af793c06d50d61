//! `protoguard fix`: the `reserved` statements it writes into NEW for fields and enum values
//! deleted without them (proto2, proto3, editions; with and without existing `reserved`
//! lines), that everything else in the file stays byte for byte, that a second run changes
//! nothing, `--dry-run`'s diff, the refusals (exit 2, nothing written), and that the
//! `*_NO_DELETE_UNLESS_*_RESERVED` rules accept the result.

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{run, write};

const UNLESS_RULES: &str = "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED,FIELD_NO_DELETE_UNLESS_NAME_RESERVED,ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED,ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED";

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

fn assert_code(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
    assert!(!text(&out.stderr).contains("panicked"));
}

/// `old/a.proto` and `new/a.proto` in a temp dir.
fn pair(old: &str, new: &str) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "old/a.proto", old);
    write(dir.path(), "new/a.proto", new);
    dir
}

fn new_text(dir: &TempDir) -> String {
    std::fs::read_to_string(dir.path().join("new/a.proto")).unwrap()
}

/// The `_UNLESS_` rules' exit code on the pair.
fn unless_rules(dir: &TempDir) -> Output {
    run(
        dir.path(),
        &["check", "new", "--against", "old", "--use", UNLESS_RULES],
    )
}

/// Fixes the pair, checks the file reads `expected`, that the `_UNLESS_` rules failed
/// before and pass after, and that a second run changes nothing.
fn fixes_to(dir: &TempDir, expected: &str) {
    assert_code(&unless_rules(dir), 1);
    let out = run(dir.path(), &["fix", "new", "--against", "old"]);
    assert_code(&out, 0);
    assert_eq!(new_text(dir), expected);
    let after = unless_rules(dir);
    assert_code(&after, 0);
    assert_eq!(text(&after.stdout), "");
    let again = run(dir.path(), &["fix", "new", "--against", "old"]);
    assert_code(&again, 0);
    assert!(
        text(&again.stderr).contains("nothing to fix"),
        "{}",
        text(&again.stderr)
    );
    assert_eq!(new_text(dir), expected);
}

#[test]
fn proto3_deletions_get_new_reserved_lines_and_the_rest_stays_byte_for_byte() {
    let old = "syntax = \"proto3\";\npackage p;\n\n// A user.\nmessage User { // keep me\n\tstring id = 1;   // the id\n\tstring email = 2;\n\tint32 age = 3;\n\tint32 x = 4;\n\tint32 y = 6;\n}\n\nenum Color {\n  COLOR_UNSPECIFIED = 0;\n  RED = 1;\n}\n";
    let new = "syntax = \"proto3\";\npackage p;\n\n// A user.\nmessage User { // keep me\n\tstring id = 1;   // the id\n}\n\nenum Color {\n  COLOR_UNSPECIFIED = 0;\n}\n";
    let dir = pair(old, new);
    fixes_to(
        &dir,
        "syntax = \"proto3\";\npackage p;\n\n// A user.\nmessage User { // keep me\n\treserved 2 to 4, 6;\n\treserved \"email\", \"age\", \"x\", \"y\";\n\tstring id = 1;   // the id\n}\n\nenum Color {\n  reserved 1;\n  reserved \"RED\";\n  COLOR_UNSPECIFIED = 0;\n}\n",
    );
    // FILE still reports the deletion: fix makes it safe, it does not hide it.
    let file = run(dir.path(), &["check", "new", "--against", "old"]);
    assert_code(&file, 1);
    assert!(text(&file.stdout).contains("FIELD_NO_DELETE"));
}

#[test]
fn proto2_existing_reserved_statements_are_extended_before_their_semicolon() {
    let old = "syntax = \"proto2\";\npackage p;\nmessage M {\n  optional int32 a = 1;\n  optional int32 b = 2;\n  reserved 5 /* old */; // why\n  reserved \"e\";\n  optional group G = 3 {\n    optional int32 in = 1;\n    optional int32 out = 2;\n  }\n}\n";
    let new = "syntax = \"proto2\";\npackage p;\nmessage M {\n  optional int32 a = 1;\n  reserved 5 /* old */; // why\n  reserved \"e\";\n  optional group G = 3 {\n    optional int32 in = 1;\n  }\n}\n";
    let dir = pair(old, new);
    fixes_to(
        &dir,
        "syntax = \"proto2\";\npackage p;\nmessage M {\n  optional int32 a = 1;\n  reserved 5 /* old */, 2; // why\n  reserved \"e\", \"b\";\n  optional group G = 3 {\n    reserved 2;\n    reserved \"out\";\n    optional int32 in = 1;\n  }\n}\n",
    );
}

#[test]
fn editions_names_are_written_as_identifiers_and_enum_aliases_are_all_reserved() {
    let old = "edition = \"2023\";\npackage p;\nenum E {\n  option allow_alias = true;\n  E_UNSPECIFIED = 0;\n  ONE = 1;\n  UNO = 1;\n  TWO = 2;\n}\nmessage M { int32 a = 1; int32 b = 2; }\n";
    let new = "edition = \"2023\";\npackage p;\nenum E {\n  option allow_alias = true;\n  E_UNSPECIFIED = 0;\n  TWO = 2;\n  DOS = 2;\n}\nmessage M { int32 a = 1; }\n";
    let dir = pair(old, new);
    fixes_to(
        &dir,
        "edition = \"2023\";\npackage p;\nenum E {\n  reserved 1;\n  reserved ONE, UNO;\n  option allow_alias = true;\n  E_UNSPECIFIED = 0;\n  TWO = 2;\n  DOS = 2;\n}\nmessage M { int32 a = 1; reserved 2; reserved b; }\n",
    );
}

#[test]
fn an_empty_body_crlf_lines_and_a_byte_order_mark_are_kept() {
    let old = "\u{feff}syntax = \"proto3\";\r\npackage p;\r\nmessage M {\r\n    int32 a = 1;\r\n}\r\nmessage N {\r\n  message Deep {\r\n    int32 z = 9;\r\n  }\r\n}\r\n";
    let new = "\u{feff}syntax = \"proto3\";\r\npackage p;\r\nmessage M {\r\n}\r\nmessage N {\r\n  message Deep {}\r\n}\r\n";
    let dir = pair(old, new);
    fixes_to(
        &dir,
        "\u{feff}syntax = \"proto3\";\r\npackage p;\r\nmessage M {\r\n  reserved 1;\r\n  reserved \"a\";\r\n}\r\nmessage N {\r\n  message Deep { reserved 9; reserved \"z\"; }\r\n}\r\n",
    );
}

#[test]
fn dry_run_prints_a_unified_diff_and_writes_nothing() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage M {\n  int32 a = 1;\n  int32 b = 2;\n}\n";
    let new = "syntax = \"proto3\";\npackage p;\nmessage M {\n  int32 a = 1;\n}\n";
    let dir = pair(old, new);
    let out = run(dir.path(), &["fix", "new", "--against", "old", "--dry-run"]);
    assert_code(&out, 1);
    assert_eq!(
        text(&out.stdout),
        "--- a/new/a.proto\n+++ b/new/a.proto\n@@ -1,5 +1,7 @@\n syntax = \"proto3\";\n package p;\n message M {\n+  reserved 2;\n+  reserved \"b\";\n   int32 a = 1;\n }\n"
    );
    assert_eq!(new_text(&dir), new);
    // Nothing to do: no diff, exit 0.
    let same = pair(old, old);
    let out = run(
        same.path(),
        &["fix", "new", "--against", "old", "--dry-run"],
    );
    assert_code(&out, 0);
    assert_eq!(text(&out.stdout), "");
}

#[test]
fn a_name_still_in_use_refuses_the_whole_run_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let old_a =
        "syntax = \"proto3\";\npackage p;\nmessage A {\n  int32 a = 1;\n  int32 gone = 2;\n}\n";
    let new_a = "syntax = \"proto3\";\npackage p;\nmessage A {\n  int32 a = 1;\n}\n";
    // `b` moved from number 1 to 3: its name cannot be reserved.
    let old_b = "syntax = \"proto3\";\npackage q;\nmessage B {\n  int32 b = 1;\n}\n";
    let new_b = "syntax = \"proto3\";\npackage q;\n\nmessage B {\n  int32 b = 3;\n}\n";
    write(dir.path(), "old/a.proto", old_a);
    write(dir.path(), "new/a.proto", new_a);
    write(dir.path(), "old/b.proto", old_b);
    write(dir.path(), "new/b.proto", new_b);
    let out = run(dir.path(), &["fix", "new", "--against", "old"]);
    assert_code(&out, 2);
    let err = text(&out.stderr);
    assert!(
        err.contains("new/b.proto:4:1: cannot reserve name `b` in message `q.B`"),
        "{err}"
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new/a.proto")).unwrap(),
        new_a
    );
    assert_eq!(
        std::fs::read_to_string(dir.path().join("new/b.proto")).unwrap(),
        new_b
    );
}

#[test]
fn a_number_inside_an_extension_range_is_refused() {
    let old = "syntax = \"proto2\";\npackage p;\nmessage M {\n  optional int32 a = 1;\n  optional int32 b = 100;\n}\n";
    let new = "syntax = \"proto2\";\npackage p;\nmessage M {\n  optional int32 a = 1;\n  extensions 100 to 200;\n}\n";
    let dir = pair(old, new);
    let out = run(dir.path(), &["fix", "new", "--against", "old"]);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("new/a.proto:3:1: cannot reserve number 100"),
        "{}",
        text(&out.stderr)
    );
    assert_eq!(new_text(&dir), new);
}

#[test]
fn new_must_be_a_directory_in_the_work_tree() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage M {\n  int32 a = 1;\n}\n";
    let dir = pair(old, "syntax = \"proto3\";\npackage p;\nmessage M {}\n");
    let image = dir.path().join("new.binpb");
    let out = run(
        dir.path(),
        &[
            "check",
            "new",
            "--against",
            "old",
            "--use",
            "FIELD_NO_DELETE",
        ],
    );
    assert_code(&out, 1);
    // An image of the new side: there is nothing to write into.
    let protoc = protoc_path();
    let built = Command::new(protoc)
        .args(["--include_source_info", "-o"])
        .arg(&image)
        .arg("-Inew")
        .arg("a.proto")
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert!(built.status.success(), "{}", text(&built.stderr));
    let out = run(dir.path(), &["fix", "new.binpb", "--against", "old"]);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("must be a directory of .proto files, not an image"),
        "{}",
        text(&out.stderr)
    );
    let out = run(dir.path(), &["fix", "new", "--against", "nowhere"]);
    assert_code(&out, 2);
}

fn protoc_path() -> std::path::PathBuf {
    protoc_bin_vendored::protoc_bin_path().expect("vendored protoc")
}

#[test]
fn a_git_new_side_is_refused() {
    let old = "syntax = \"proto3\";\npackage p;\nmessage M {\n  int32 a = 1;\n}\n";
    let dir = pair(old, "syntax = \"proto3\";\npackage p;\nmessage M {}\n");
    // Commit the tree, so that `git:HEAD:new` names the new side in git.
    let repo = git2::Repository::init(dir.path()).unwrap();
    let mut index = repo.index().unwrap();
    index
        .add_all(["*"], git2::IndexAddOption::DEFAULT, None)
        .unwrap();
    let tree = repo.find_tree(index.write_tree().unwrap()).unwrap();
    let who = git2::Signature::now("Test", "test@example.com").unwrap();
    repo.commit(Some("HEAD"), &who, &who, "trees", &tree, &[])
        .unwrap();
    let out = run(dir.path(), &["fix", "git:HEAD:new", "--against", "old"]);
    assert_code(&out, 2);
    assert!(
        text(&out.stderr).contains("git:HEAD:new: fix writes into NEW, which must be a directory"),
        "{}",
        text(&out.stderr)
    );
}

/// Every comment protoc attaches to an element (leading, trailing, detached), by source
/// path, leaving out the `reserved` statements themselves (of top-level types).
fn comments(dir: &Path, root: &str) -> Vec<(Vec<i32>, String, String, Vec<String>)> {
    use prost::Message as _;
    let out = Command::new(protoc_path())
        .args([
            "--include_source_info",
            "-o/dev/stdout",
            "-I",
            root,
            "a.proto",
        ])
        .current_dir(dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    let set = prost_types::FileDescriptorSet::decode(&out.stdout[..]).unwrap();
    let info = set.file[0].source_code_info.clone().unwrap();
    // Top-level messages' reserved ranges and names (9, 10), enums' (4, 5).
    let is_reserved =
        |p: &[i32]| p.len() >= 3 && matches!((p[0], p[2]), (4, 9) | (4, 10) | (5, 4) | (5, 5));
    let mut v: Vec<_> = info
        .location
        .into_iter()
        .filter(|l| !is_reserved(&l.path))
        .filter(|l| {
            l.leading_comments.is_some()
                || l.trailing_comments.is_some()
                || !l.leading_detached_comments.is_empty()
        })
        .map(|l| {
            (
                l.path.clone(),
                l.leading_comments.unwrap_or_default(),
                l.trailing_comments.unwrap_or_default(),
                l.leading_detached_comments,
            )
        })
        .collect();
    v.sort();
    v
}

#[test]
fn comments_stay_attached_to_what_protoc_attached_them_to() {
    let old = "syntax = \"proto3\";\npackage p;\n\n// Leading of M.\nmessage M { // trailing of M\n  // detached in M\n\n  // leading of a\n  int32 a = 1; // trailing of a\n  int32 b = 2;\n}\n\nmessage N { int32 x = 1;\n  int32 y = 2;\n  // trailing of x, before the brace\n}\n\nenum E {\n  // leading of E_UNSPECIFIED\n  E_UNSPECIFIED = 0;\n  E_ONE = 1;\n}\n";
    let new = "syntax = \"proto3\";\npackage p;\n\n// Leading of M.\nmessage M { // trailing of M\n  // detached in M\n\n  // leading of a\n  int32 a = 1; // trailing of a\n}\n\nmessage N { int32 x = 1;\n  // trailing of x, before the brace\n}\n\nenum E {\n  // leading of E_UNSPECIFIED\n  E_UNSPECIFIED = 0;\n}\n";
    let dir = pair(old, new);
    let before = comments(dir.path(), "new");
    assert_eq!(before.len(), 4, "{before:?}");
    let out = run(dir.path(), &["fix", "new", "--against", "old"]);
    assert_code(&out, 0);
    assert_code(&unless_rules(&dir), 0);
    assert_eq!(comments(dir.path(), "new"), before, "{}", new_text(&dir));
}
