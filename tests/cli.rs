//! The command line as a user meets it: exit codes, text and JSON findings, rule selection
//! with flags and buf.yaml (v1 and v2), include dirs, images, and the `rules` / `explain`
//! subcommands.
//!
//! Expected findings for buf.yaml cases were produced by `buf breaking . --against ../old
//! --error-format json` (buf 1.75) on the same trees; tests run from inside `new/` the
//! same way so the paths are buf's.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

mod common;
use common::{assert_code, run, stderr, stdout, trees, write};

/// `protoguard check . --against ../old ARGS` run inside `new/`, as buf is run.
fn check_in_new(t: &TempDir, extra: &[&str]) -> Output {
    let mut args = vec!["check", ".", "--against", "../old"];
    args.extend_from_slice(extra);
    run(&t.path().join("new"), &args)
}

/// JSON findings reduced to (path, line, column, rule).
fn located(out: &Output) -> Vec<(String, u64, u64, String)> {
    stdout(out)
        .lines()
        .map(|l| {
            let v: Value =
                serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON: {l:?}: {e}"));
            (
                v["path"].as_str().unwrap_or("").to_string(),
                v["start_line"].as_u64().unwrap(),
                v["start_column"].as_u64().unwrap(),
                v["type"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

fn loc(path: &str, line: u64, col: u64, rule: &str) -> (String, u64, u64, String) {
    (path.to_string(), line, col, rule.to_string())
}

const M_OLD: &str = "syntax = \"proto3\";
package a;

// A message.
message M {
  int32 x = 1;
  string name = 2;
}

enum E {
  E_UNSPECIFIED = 0;
  E_ONE = 1;
  E_TWO = 2;
}

service S {
  rpc Get(M) returns (M);
}
";

// ---------------------------------------------------------------------------------------
// Exit 0: nothing breaks.

fn assert_clean(old: &str, new: &str) {
    let t = trees(&[("a.proto", old)], &[("a.proto", new)]);
    for use_ in ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"] {
        let out = check_in_new(&t, &["--use", use_]);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), "", "--use {use_}");
        assert_eq!(stderr(&out), "", "--use {use_}");
    }
}

#[test]
fn identical_trees_exit_0() {
    assert_clean(M_OLD, M_OLD);
}

#[test]
fn comment_and_whitespace_edits_exit_0() {
    let new = "// Leading file comment.
syntax = \"proto3\";
package a;

/* A message,
   now documented at length. */
message M {
  int32 x = 1; // trailing
  string   name   =   2;
}

enum E {
  E_UNSPECIFIED = 0;

  E_ONE = 1; // one
  E_TWO = 2;
}

service S {
  // Fetch.
  rpc Get(M) returns (M);
}
";
    assert_clean(M_OLD, new);
}

#[test]
fn reordered_declarations_exit_0() {
    let new = "syntax = \"proto3\";
package a;

service S {
  rpc Get(M) returns (M);
}

enum E {
  E_UNSPECIFIED = 0;
  E_TWO = 2;
  E_ONE = 1;
}

message M {
  string name = 2;
  int32 x = 1;
}
";
    assert_clean(M_OLD, new);
}

#[test]
fn pure_additions_exit_0() {
    let new = "syntax = \"proto3\";
package a;

// A message.
message M {
  int32 x = 1;
  string name = 2;
  repeated int64 added = 3;
  message Nested {
    bool b = 1;
  }
  Nested nested = 4;
}

message Added {
  M m = 1;
}

enum E {
  E_UNSPECIFIED = 0;
  E_ONE = 1;
  E_TWO = 2;
  E_THREE = 3;
}

service S {
  rpc Get(M) returns (M);
  rpc Put(Added) returns (M);
}

service T {
  rpc Other(M) returns (M);
}
";
    let t = trees(
        &[("a.proto", M_OLD)],
        &[
            ("a.proto", new),
            (
                "more/b.proto",
                "syntax = \"proto3\";\npackage more;\nmessage B {}\n",
            ),
        ],
    );
    for use_ in ["FILE", "PACKAGE", "WIRE_JSON", "WIRE"] {
        let out = check_in_new(&t, &["--use", use_]);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), "");
    }
}

// ---------------------------------------------------------------------------------------
// Exit 1: findings, text and JSON.

const TYPE_OLD: &str = "syntax = \"proto3\";
package a;
message M {
  int32 x = 1;
  string name = 2;
}
";

const TYPE_NEW: &str = "syntax = \"proto3\";
package a;
message M {
  int64 x = 1;
  string name = 2;
}
";

#[test]
fn type_change_exits_1_with_a_located_finding() {
    let t = trees(&[("a.proto", TYPE_OLD)], &[("a.proto", TYPE_NEW)]);
    let out = check_in_new(&t, &[]);
    assert_code(&out, 1);
    // Byte for byte buf's `a.proto:4:3:Field "1" ...`, with the rule ID after the position.
    assert_eq!(
        stdout(&out),
        "a.proto:4:3: FIELD_SAME_TYPE Field \"1\" with name \"x\" on message \"M\" changed type from \"int32\" to \"int64\".\n"
    );
    // Run from above, paths are shown as typed.
    let out = run(t.path(), &["check", "new", "--against", "old"]);
    assert_code(&out, 1);
    assert!(
        stdout(&out).starts_with("new/a.proto:4:3: FIELD_SAME_TYPE "),
        "{}",
        stdout(&out)
    );
}

#[test]
fn json_is_one_object_per_line_with_buf_keys() {
    let t = trees(&[("a.proto", TYPE_OLD)], &[("a.proto", TYPE_NEW)]);
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 1, "{text}");
    let v: Value = serde_json::from_str(lines[0]).unwrap();
    let obj = v.as_object().expect("an object");
    let mut keys: Vec<&str> = obj.keys().map(String::as_str).collect();
    keys.sort_unstable();
    let mut want = vec![
        "path",
        "start_line",
        "start_column",
        "end_line",
        "end_column",
        "type",
        "message",
        "old_path",
        "old_start_line",
        "old_start_column",
        "categories",
    ];
    want.sort_unstable();
    assert_eq!(keys, want);
    assert_eq!(
        v,
        serde_json::json!({
            "path": "a.proto",
            "start_line": 4,
            "start_column": 3,
            "end_line": 4,
            "end_column": 8,
            "type": "FIELD_SAME_TYPE",
            "message": "Field \"1\" with name \"x\" on message \"M\" changed type from \"int32\" to \"int64\".",
            "old_path": "../old/a.proto",
            "old_start_line": 4,
            "old_start_column": 3,
            "categories": ["FILE", "PACKAGE", "CSR"],
        })
    );
}

#[test]
fn json_with_no_findings_is_empty() {
    let t = trees(&[("a.proto", TYPE_OLD)], &[("a.proto", TYPE_OLD)]);
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
}

/// Three files, each with a type change; a.proto also renames a field (two more findings).
/// `foo/x.proto` is package `foo`, `bar/y.proto` package `acme.v1beta1`, `a.proto` package `a`.
fn three_files(buf_yaml: Option<&str>) -> TempDir {
    let dir = tempfile::tempdir().unwrap();
    for (side, ty, name) in [("old", "int32", "name"), ("new", "int64", "title")] {
        write(
            dir.path(),
            &format!("{side}/foo/x.proto"),
            format!("syntax = \"proto3\";\npackage foo;\nmessage X {{\n  {ty} v = 1;\n}}\n"),
        );
        write(
            dir.path(),
            &format!("{side}/bar/y.proto"),
            format!(
                "syntax = \"proto3\";\npackage acme.v1beta1;\nmessage Y {{\n  {ty} v = 1;\n}}\n"
            ),
        );
        write(
            dir.path(),
            &format!("{side}/a.proto"),
            format!(
                "syntax = \"proto3\";\npackage a;\nmessage A {{\n  {ty} v = 1;\n  string {name} = 2;\n}}\n"
            ),
        );
    }
    if let Some(y) = buf_yaml {
        write(dir.path(), "new/buf.yaml", y);
    }
    dir
}

/// buf's findings on [`three_files`] with no buf.yaml.
fn all_five() -> Vec<(String, u64, u64, String)> {
    vec![
        loc("a.proto", 4, 3, "FIELD_SAME_TYPE"),
        loc("a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
        loc("a.proto", 5, 10, "FIELD_SAME_NAME"),
        loc("bar/y.proto", 4, 3, "FIELD_SAME_TYPE"),
        loc("foo/x.proto", 4, 3, "FIELD_SAME_TYPE"),
    ]
}

#[test]
fn findings_match_buf_and_text_is_sorted_by_path_line_column() {
    let t = three_files(None);
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(located(&out), all_five());

    let out = check_in_new(&t, &[]);
    assert_code(&out, 1);
    let text = stdout(&out);
    let keys: Vec<(String, u32, u32)> = text
        .lines()
        .map(|l| {
            let mut parts = l.splitn(4, ':');
            let path = parts.next().unwrap().to_string();
            let line = parts.next().unwrap().parse().expect(l);
            let col = parts.next().unwrap().parse().expect(l);
            (path, line, col)
        })
        .collect();
    assert_eq!(keys.len(), 5, "{text}");
    let mut sorted = keys.clone();
    sorted.sort();
    assert_eq!(keys, sorted, "text output is not sorted:\n{text}");
    let rules: Vec<&str> = text.lines().map(|l| l.split(' ').nth(1).unwrap()).collect();
    assert_eq!(
        rules,
        [
            "FIELD_SAME_TYPE",
            "FIELD_SAME_JSON_NAME",
            "FIELD_SAME_NAME",
            "FIELD_SAME_TYPE",
            "FIELD_SAME_TYPE"
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Rule selection with flags.

const RENAME_NEW: &str = "syntax = \"proto3\";
package a;
message M {
  int32 x = 1;
  string title = 2;
}
";

#[test]
fn rename_is_reported_by_file_and_silenced_by_wire() {
    let t = trees(&[("a.proto", TYPE_OLD)], &[("a.proto", RENAME_NEW)]);
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [
            loc("a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("a.proto", 5, 10, "FIELD_SAME_NAME"),
        ]
    );
    // Names are not on the wire.
    let out = check_in_new(&t, &["--use", "WIRE"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    // JSON carries names.
    let out = check_in_new(&t, &["--use", "WIRE_JSON", "--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(located(&out).len(), 2);
}

#[test]
fn except_drops_a_rule() {
    let t = trees(&[("a.proto", TYPE_OLD)], &[("a.proto", RENAME_NEW)]);
    let out = check_in_new(&t, &["--except", "FIELD_SAME_NAME", "--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [loc("a.proto", 5, 3, "FIELD_SAME_JSON_NAME")]
    );
    let out = check_in_new(&t, &["--except", "FIELD_SAME_NAME,FIELD_SAME_JSON_NAME"]);
    assert_code(&out, 0);
    // Repeated flags add up.
    let out = check_in_new(
        &t,
        &[
            "--except",
            "FIELD_SAME_NAME",
            "--except",
            "FIELD_SAME_JSON_NAME",
        ],
    );
    assert_code(&out, 0);
    let out = check_in_new(
        &t,
        &[
            "--use",
            "WIRE_JSON",
            "--except",
            "FIELD_SAME_JSON_NAME",
            "--format",
            "json",
        ],
    );
    assert_code(&out, 1);
    assert_eq!(located(&out), [loc("a.proto", 5, 10, "FIELD_SAME_NAME")]);
}

#[test]
fn use_a_single_rule() {
    let t = three_files(None);
    let out = check_in_new(&t, &["--use", "FIELD_SAME_NAME", "--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(located(&out), [loc("a.proto", 5, 10, "FIELD_SAME_NAME")]);
}

// ---------------------------------------------------------------------------------------
// buf.yaml in NEW (each expectation is buf 1.75's output on the same tree).

fn check_yaml(yaml: &str, extra: &[&str]) -> Vec<(String, u64, u64, String)> {
    let t = three_files(Some(yaml));
    let mut args = vec!["--format", "json"];
    args.extend_from_slice(extra);
    let out = check_in_new(&t, &args);
    let found = located(&out);
    assert_code(&out, if found.is_empty() { 0 } else { 1 });
    found
}

fn without(drop: &[(&str, u64, u64)]) -> Vec<(String, u64, u64, String)> {
    all_five()
        .into_iter()
        .filter(|(p, l, c, _)| !drop.contains(&(p.as_str(), *l, *c)))
        .collect()
}

#[test]
fn buf_yaml_v1_use_and_except() {
    let found = check_yaml(
        "version: v1\nbreaking:\n  use:\n    - FILE\n  except:\n    - FIELD_SAME_NAME\n",
        &[],
    );
    assert_eq!(found, without(&[("a.proto", 5, 10)]));
    // WIRE: int32 -> int64 is wire-compatible and names are not on the wire.
    assert_eq!(
        check_yaml("version: v1\nbreaking:\n  use:\n    - WIRE\n", &[]),
        []
    );
}

#[test]
fn buf_yaml_v1_ignore_directory() {
    let found = check_yaml("version: v1\nbreaking:\n  ignore:\n    - foo\n", &[]);
    assert_eq!(found, without(&[("foo/x.proto", 4, 3)]));
    // Trailing slash and ./ are the same directory; a name prefix is not.
    for spelled in ["foo/", "./foo"] {
        let found = check_yaml(
            &format!("version: v1\nbreaking:\n  ignore:\n    - {spelled}\n"),
            &[],
        );
        assert_eq!(found, without(&[("foo/x.proto", 4, 3)]), "{spelled}");
    }
    let found = check_yaml("version: v1\nbreaking:\n  ignore:\n    - fo\n", &[]);
    assert_eq!(found, all_five());
}

#[test]
fn buf_yaml_v1_ignore_only() {
    let found = check_yaml(
        "version: v1\nbreaking:\n  ignore_only:\n    FIELD_SAME_TYPE:\n      - foo/x.proto\n      - a.proto\n",
        &[],
    );
    assert_eq!(found, without(&[("a.proto", 4, 3), ("foo/x.proto", 4, 3)]));
}

#[test]
fn buf_yaml_v1_ignore_unstable_packages() {
    let found = check_yaml(
        "version: v1\nbreaking:\n  ignore_unstable_packages: true\n",
        &[],
    );
    // bar/y.proto is package acme.v1beta1.
    assert_eq!(found, without(&[("bar/y.proto", 4, 3)]));
}

#[test]
fn buf_yaml_v2_workspace_root_module() {
    let found = check_yaml(
        "version: v2\nbreaking:\n  use:\n    - FILE\n  except:\n    - FIELD_SAME_TYPE\n  ignore:\n    - foo\n  ignore_unstable_packages: true\n",
        &[],
    );
    assert_eq!(
        found,
        [
            loc("a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("a.proto", 5, 10, "FIELD_SAME_NAME"),
        ]
    );
}

/// [`three_files`] moved under `proto/` with the same v2 buf.yaml on both sides.
fn v2_module_tree(yaml: &str) -> TempDir {
    let t = three_files(None);
    for side in ["old", "new"] {
        let root = t.path().join(side);
        std::fs::create_dir_all(root.join("proto")).unwrap();
        for name in ["foo", "bar", "a.proto"] {
            std::fs::rename(root.join(name), root.join("proto").join(name)).unwrap();
        }
        write(&root, "buf.yaml", yaml);
    }
    t
}

#[test]
fn buf_yaml_v2_module_paths_are_relative_to_the_workspace() {
    let t = v2_module_tree(
        "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [FILE]\n  ignore:\n    - proto/foo\n  ignore_only:\n    FIELD_SAME_NAME:\n      - proto/a.proto\n",
    );
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [
            loc("proto/a.proto", 4, 3, "FIELD_SAME_TYPE"),
            loc("proto/a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("proto/bar/y.proto", 4, 3, "FIELD_SAME_TYPE"),
        ]
    );
}

#[test]
fn buf_yaml_v2_module_breaking_section() {
    let t = v2_module_tree(
        "version: v2\nmodules:\n  - path: proto\n    breaking:\n      use: [WIRE_JSON]\n      ignore: [proto/bar]\n",
    );
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [
            loc("proto/a.proto", 4, 3, "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
            loc("proto/a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("proto/a.proto", 5, 10, "FIELD_SAME_NAME"),
            loc("proto/foo/x.proto", 4, 3, "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
        ]
    );
}

#[test]
fn flags_override_buf_yaml_rules_but_not_its_ignores() {
    let found = check_yaml(
        "version: v1\nbreaking:\n  use: [WIRE]\n  ignore: [foo]\n",
        &["--use", "FILE"],
    );
    assert_eq!(found, without(&[("foo/x.proto", 4, 3)]));
}

#[test]
fn config_flag_reads_another_buf_yaml() {
    let wire_json_minus_bar = [
        loc("a.proto", 4, 3, "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
        loc("a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
        loc("a.proto", 5, 10, "FIELD_SAME_NAME"),
        loc("foo/x.proto", 4, 3, "FIELD_WIRE_JSON_COMPATIBLE_TYPE"),
    ];
    for version in ["v1", "v2"] {
        let t = three_files(None);
        write(
            t.path(),
            "cfg/buf.yaml",
            format!("version: {version}\nbreaking:\n  use: [WIRE_JSON]\n  ignore: [bar]\n"),
        );
        let out = check_in_new(&t, &["--config", "../cfg/buf.yaml", "--format", "json"]);
        assert_code(&out, 1);
        assert_eq!(located(&out), wire_json_minus_bar, "{version}");
        // --config wins over new/buf.yaml (buf does the same).
        write(
            t.path(),
            "new/buf.yaml",
            "version: v1\nbreaking:\n  use: [FILE]\n",
        );
        let out = check_in_new(&t, &["--config", "../cfg/buf.yaml", "--format", "json"]);
        assert_code(&out, 1);
        assert_eq!(located(&out), wire_json_minus_bar, "{version}");
    }
}

// ---------------------------------------------------------------------------------------
// Include dirs.

#[test]
fn include_dir_provides_imports_that_are_not_checked() {
    let a = |ty: &str| {
        format!(
            "syntax = \"proto3\";\npackage a;\nimport \"common/c.proto\";\nmessage M {{\n  common.{ty} c = 1;\n}}\n"
        )
    };
    let common = "syntax = \"proto3\";\npackage common;\nmessage C {}\nmessage D {}\n";
    let t = trees(&[("a.proto", &a("C"))], &[("a.proto", &a("C"))]);
    write(t.path(), "inc/common/c.proto", common);

    // Without -I the import is missing.
    let out = check_in_new(&t, &[]);
    assert_code(&out, 2);
    assert!(
        stderr(&out).contains("a.proto:3:1: import 'common/c.proto' not found"),
        "{}",
        stderr(&out)
    );
    let out = check_in_new(&t, &["-I", "../inc"]);
    assert_code(&out, 0);
    assert_eq!(stdout(&out), "");
    let out = check_in_new(&t, &["--include", "../inc"]);
    assert_code(&out, 0);

    // A change in NEW that uses the imported types is found; the import itself is not checked.
    write(t.path(), "new/a.proto", a("D"));
    let out = check_in_new(&t, &["-I", "../inc"]);
    assert_code(&out, 1);
    assert_eq!(
        stdout(&out),
        "a.proto:5:3: FIELD_SAME_TYPE Field \"1\" with name \"c\" on message \"M\" changed type from \"common.C\" to \"common.D\".\n    \
         note: `common.D` is structurally wire compatible with `common.C` (same field numbers, wire types and cardinalities, recursively): binary data reads and writes the same; so is its JSON form. Generated code and `Any` type URLs see the new name.\n"
    );
}

// ---------------------------------------------------------------------------------------
// rules and explain.

#[test]
fn rules_lists_every_rule_once() {
    // buf's 65 rules, protoguard's 4 history rules and its own categories' rules.
    let catalogue = protoguard::catalog::all().len();
    assert!(catalogue >= 69, "{catalogue}");
    let out = run(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    let ids: Vec<&str> = text
        .lines()
        .filter_map(|l| l.split_whitespace().next())
        .filter(|w| {
            *w != "ID"
                && w.chars()
                    .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_')
        })
        .collect();
    assert_eq!(ids.len(), catalogue, "{text}");
    let mut unique = ids.clone();
    unique.sort_unstable();
    unique.dedup();
    assert_eq!(unique.len(), catalogue, "duplicate IDs:\n{text}");
    let line = text
        .lines()
        .find(|l| l.split_whitespace().next() == Some("FIELD_SAME_TYPE"))
        .expect("FIELD_SAME_TYPE listed");
    assert!(line.contains("FILE,PACKAGE"), "{line}");
}

#[test]
fn explain_prints_summary_and_example() {
    let out = run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["explain", "FIELD_SAME_TYPE"],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(
        text.starts_with("FIELD_SAME_TYPE — Forbids changing a field's type"),
        "{text}"
    );
    let before = text.find("\nBefore:\n").expect("a Before: section");
    let after = text
        .find("\nAfter (breaking):\n")
        .expect("an After section");
    assert!(before < after);
    assert!(text[before..after].contains("int32 value = 1;"), "{text}");
    assert!(text[after..].contains("int64 value = 1;"), "{text}");
}

#[test]
fn explain_accepts_a_deprecated_v1_id_in_any_case() {
    let out = run(
        Path::new(env!("CARGO_MANIFEST_DIR")),
        &["explain", "field_same_ctype"],
    );
    assert_code(&out, 0);
    let text = stdout(&out);
    assert!(text.starts_with("FIELD_SAME_CPP_STRING_TYPE — "), "{text}");
    assert!(text.contains("FIELD_SAME_CTYPE"), "{text}");
}

#[test]
fn explain_unknown_rule_exits_2() {
    let out = run(Path::new(env!("CARGO_MANIFEST_DIR")), &["explain", "NOPE"]);
    assert_code(&out, 2);
    assert_eq!(stdout(&out), "");
    assert!(stderr(&out).contains("\"NOPE\""), "{}", stderr(&out));
}

// ---------------------------------------------------------------------------------------
// Images.

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto_fixtures")
}

/// Findings as buf's JSON keys only, for comparing with a fixture's expected.json.
fn canonical(v: &Value) -> String {
    let mut m = serde_json::Map::new();
    for k in [
        "path",
        "start_line",
        "start_column",
        "end_line",
        "end_column",
        "type",
        "message",
    ] {
        if let Some(x) = v.get(k) {
            m.insert(k.to_string(), x.clone());
        }
    }
    Value::Object(m).to_string()
}

#[test]
fn editions_images_match_buf() {
    let mut seen = 0;
    for entry in std::fs::read_dir(fixtures()).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if !name.ends_with("_editions") || !dir.join("new.binpb").is_file() {
            continue;
        }
        let use_ = match std::fs::read_to_string(dir.join("use.txt")) {
            Ok(t) => t.split_whitespace().collect::<Vec<_>>().join(","),
            Err(_) => name.to_ascii_uppercase(),
        };
        let out = run(
            &dir,
            &[
                "check",
                "new.binpb",
                "--against",
                "old.binpb",
                "--use",
                &use_,
                "--format",
                "json",
            ],
        );
        let expected = std::fs::read_to_string(dir.join("expected.json")).unwrap();
        let want: Vec<String> = expected
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| canonical(&serde_json::from_str(l).unwrap()))
            .collect();
        assert_code(&out, if want.is_empty() { 0 } else { 1 });
        let mut got: Vec<String> = stdout(&out)
            .lines()
            .map(|l| canonical(&serde_json::from_str(l).unwrap()))
            .collect();
        let mut want = want;
        got.sort();
        want.sort();
        assert_eq!(got, want, "{name}");
        seen += 1;
    }
    assert!(seen >= 10, "only {seen} editions image fixtures found");
}

#[test]
fn image_text_output_and_identity() {
    let dir = fixtures().join("field_same_type_editions");
    let out = run(
        &dir,
        &[
            "check",
            "new.binpb",
            "--against",
            "old.binpb",
            "--use",
            "FIELD_SAME_TYPE",
        ],
    );
    assert_code(&out, 1);
    let text = stdout(&out);
    // Image files are named by their import path, with no directory in front.
    assert_eq!(
        text.lines().next(),
        Some("case.proto:14:3: FIELD_SAME_TYPE Field \"1\" with name \"to_delimited\" on message \"Holder\" changed type from \"message\" to \"message (delimited encoding)\".")
    );
    // Indented lines under a finding are protoguard's notes, not findings.
    let findings = text.lines().filter(|l| !l.starts_with("    ")).count();
    assert_eq!(findings, 5, "{text}");
    for side in ["new.binpb", "old.binpb"] {
        let out = run(&dir, &["check", side, "--against", side]);
        assert_code(&out, 0);
        assert_eq!(stdout(&out), "");
    }
}

/// `protoc -I DIR --include_imports --include_source_info -o OUT FILES`, with the protoc
/// that the `protoc-bin-vendored` dependency carries (always there: no test skips).
fn protoc_image(dir: &Path, files: &[&str], out: &Path) {
    let protoc = protoc_bin_vendored::protoc_bin_path().expect("vendored protoc");
    let well_known = protoc_bin_vendored::include_path().expect("vendored includes");
    let output = Command::new(protoc)
        .arg("-I")
        .arg(dir)
        .arg("-I")
        .arg(well_known)
        .args(["--include_imports", "--include_source_info", "-o"])
        .arg(out)
        .args(files.iter().map(|f| dir.join(f)))
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "protoc: {}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[test]
fn directory_against_protoc_image_finds_the_same() {
    let t = three_files(None);
    let img = t.path().join("old.binpb");
    protoc_image(
        &t.path().join("old"),
        &["a.proto", "bar/y.proto", "foo/x.proto"],
        &img,
    );
    let out = run(
        &t.path().join("new"),
        &[
            "check",
            ".",
            "--against",
            "../old.binpb",
            "--format",
            "json",
        ],
    );
    assert_code(&out, 1);
    assert_eq!(located(&out), all_five());
}

/// buf 1.75 reports nothing when a file the old image holds (protoc marks no imports) is
/// still present in NEW as an import: `buf breaking src --against old.binpb` exits 0.
#[test]
fn file_still_present_as_an_import_is_not_deleted() {
    let a = "syntax = \"proto3\";\npackage a;\nimport \"google/protobuf/timestamp.proto\";\nmessage M {\n  google.protobuf.Timestamp t = 1;\n}\n";
    let t = trees(&[("a.proto", a)], &[("a.proto", a)]);
    protoc_image(
        &t.path().join("old"),
        &["a.proto"],
        &t.path().join("old.binpb"),
    );
    let out = run(
        &t.path().join("new"),
        &["check", ".", "--against", "../old.binpb"],
    );
    assert_code(&out, 0);
}

// ---------------------------------------------------------------------------------------
// Known differences from buf 1.75 (outside this file's scope to fix); each expectation is
// buf's output on the same tree. Run with `cargo test --test cli -- --ignored`.

/// [`three_files`] split into a v2 workspace: `p1/` holds a.proto and foo/, `p2/` bar/.
fn two_module_tree(yaml: &str) -> TempDir {
    let t = three_files(None);
    for side in ["old", "new"] {
        let root = t.path().join(side);
        for (name, module) in [("a.proto", "p1"), ("foo", "p1"), ("bar", "p2")] {
            std::fs::create_dir_all(root.join(module)).unwrap();
            std::fs::rename(root.join(name), root.join(module).join(name)).unwrap();
        }
        write(&root, "buf.yaml", yaml);
    }
    t
}

#[test]
fn buf_yaml_v2_workspace_ignore_with_two_modules() {
    let t = two_module_tree(
        "version: v2\nmodules:\n  - path: p1\n  - path: p2\nbreaking:\n  ignore: [p2/bar]\n",
    );
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [
            loc("p1/a.proto", 4, 3, "FIELD_SAME_TYPE"),
            loc("p1/a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("p1/a.proto", 5, 10, "FIELD_SAME_NAME"),
            loc("p1/foo/x.proto", 4, 3, "FIELD_SAME_TYPE"),
        ]
    );
}

#[test]
fn buf_yaml_v2_each_module_uses_its_own_breaking_section() {
    let t = two_module_tree(
        "version: v2\nmodules:\n  - path: p1\n    breaking:\n      use: [WIRE]\n  - path: p2\n",
    );
    let out = check_in_new(&t, &["--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [loc("p2/bar/y.proto", 4, 3, "FIELD_SAME_TYPE")]
    );
}

#[test]
fn config_flag_applies_the_module_layout() {
    let yaml = "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [FILE]\n  ignore:\n    - proto/foo\n  ignore_only:\n    FIELD_SAME_NAME:\n      - proto/a.proto\n";
    let t = v2_module_tree(yaml);
    std::fs::remove_file(t.path().join("new/buf.yaml")).unwrap();
    write(t.path(), "cfg/buf.yaml", yaml);
    let out = check_in_new(&t, &["--config", "../cfg/buf.yaml", "--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        [
            loc("proto/a.proto", 4, 3, "FIELD_SAME_TYPE"),
            loc("proto/a.proto", 5, 3, "FIELD_SAME_JSON_NAME"),
            loc("proto/bar/y.proto", 4, 3, "FIELD_SAME_TYPE"),
        ]
    );
}

// ---------------------------------------------------------------------------------------
// Which rule set applies without a buf.yaml, and under v1 and v1beta1 (buf 1.75 keeps one
// rule registry per buf.yaml version; with no buf.yaml it uses v1's).

/// An extension deleted, a proto2 default changed (both caught only by v2's default set)
/// and a field's type changed from int32 to sint32.
fn v2_only_changes(buf_yaml: Option<&str>) -> TempDir {
    let t = trees(
        &[(
            "a.proto",
            "syntax = \"proto2\";\npackage n;\nmessage B { extensions 10 to 20; optional int32 d = 1 [default = 1]; optional int32 w = 2; }\nextend B { optional int32 e = 10; }\n",
        )],
        &[(
            "a.proto",
            "syntax = \"proto2\";\npackage n;\nmessage B { extensions 10 to 20; optional int32 d = 1 [default = 2]; optional sint32 w = 2; }\n",
        )],
    );
    if let Some(y) = buf_yaml {
        write(t.path(), "new/buf.yaml", y);
    }
    t
}

fn found_with(buf_yaml: Option<&str>) -> (Output, Vec<(String, u64, u64, String)>) {
    let t = v2_only_changes(buf_yaml);
    let out = check_in_new(&t, &["--format", "json"]);
    let found = if out.status.code() == Some(2) {
        Vec::new()
    } else {
        located(&out)
    };
    (out, found)
}

#[test]
fn without_buf_yaml_the_default_is_bufs_v1_set() {
    let type_change = vec![loc("a.proto", 3, 79, "FIELD_SAME_TYPE")];
    for yaml in [None, Some("version: v1\n"), Some("version: v1beta1\n")] {
        let (out, found) = found_with(yaml);
        assert_code(&out, 1);
        assert_eq!(found, type_change, "{yaml:?}");
    }
    let (out, found) = found_with(Some("version: v2\n"));
    assert_code(&out, 1);
    assert_eq!(
        found,
        vec![
            loc("a.proto", 1, 1, "EXTENSION_NO_DELETE"),
            loc("a.proto", 3, 56, "FIELD_SAME_DEFAULT"),
            loc("a.proto", 3, 79, "FIELD_SAME_TYPE"),
        ]
    );
    // Named on the command line, a rule means what v2 means by it.
    let t = v2_only_changes(None);
    let out = check_in_new(&t, &["--format", "json", "--use", "FIELD_SAME_DEFAULT"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        vec![loc("a.proto", 3, 56, "FIELD_SAME_DEFAULT")]
    );
}

#[test]
fn v1_categories_are_v1s() {
    // v1 files the wire-compatible type check under WIRE; v1beta1 the strict one.
    let (out, found) = found_with(Some("version: v1\nbreaking:\n  use: [WIRE]\n"));
    assert_code(&out, 1);
    assert_eq!(
        found,
        vec![loc("a.proto", 3, 79, "FIELD_WIRE_COMPATIBLE_TYPE")]
    );
    let (out, found) = found_with(Some("version: v1beta1\nbreaking:\n  use: [WIRE]\n"));
    assert_code(&out, 1);
    assert_eq!(found, vec![loc("a.proto", 3, 79, "FIELD_SAME_TYPE")]);
    // v1 has neither the rules added with v2 nor the CSR category: buf refuses them.
    for (yaml, name) in [
        ("version: v1\nbreaking:\n  use: [CSR]\n", "CSR"),
        (
            "version: v1\nbreaking:\n  use: [EXTENSION_NO_DELETE]\n",
            "EXTENSION_NO_DELETE",
        ),
        (
            "version: v1\nbreaking:\n  ignore_only:\n    FIELD_SAME_DEFAULT: [a.proto]\n",
            "FIELD_SAME_DEFAULT",
        ),
    ] {
        let (out, _) = found_with(Some(yaml));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains(&format!("\"{name}\"")),
            "{}",
            stderr(&out)
        );
    }
    // buf refuses a buf.yaml without a version.
    for yaml in ["", "breaking:\n  use: [FILE]\n"] {
        let (out, _) = found_with(Some(yaml));
        assert_code(&out, 2);
        assert!(
            stderr(&out).contains("\"version\" is not set"),
            "{}",
            stderr(&out)
        );
    }
}

#[test]
fn rules_says_how_to_get_the_v2_default_set() {
    let out = run(Path::new(env!("CARGO_MANIFEST_DIR")), &["rules"]);
    assert_code(&out, 0);
    let text = stdout(&out);
    for id in ["EXTENSION_NO_DELETE", "FIELD_SAME_DEFAULT"] {
        let line = text.lines().find(|l| l.starts_with(id)).unwrap();
        assert!(line.ends_with("v2 only"), "{line}");
    }
    assert!(text.contains("`version: v2`"), "{text}");
}

#[test]
fn an_import_from_an_include_dir_may_start_with_a_byte_order_mark() {
    let t = trees(
        &[(
            "a.proto",
            "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage M { dep.D d = 1; int32 x = 2; }\n",
        )],
        &[(
            "a.proto",
            "syntax = \"proto3\";\nimport \"dep.proto\";\nmessage M { dep.D d = 1; int64 x = 2; }\n",
        )],
    );
    write(
        t.path(),
        "inc/dep.proto",
        "\u{feff}syntax = \"proto3\";\npackage dep;\nmessage D {}\n",
    );
    let out = check_in_new(&t, &["-I", "../inc", "--format", "json"]);
    assert_code(&out, 1);
    assert_eq!(
        located(&out),
        vec![loc("a.proto", 3, 26, "FIELD_SAME_TYPE")]
    );
}
