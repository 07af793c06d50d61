//! Bad input never panics: every user mistake exits with code 2 and one stderr line that
//! names the place (`path:line:col` when there is a position) and the reason.
//!
//! Each test builds its trees in a temporary directory and runs the real binary there, so
//! paths in messages are relative (`new/a.proto:4:15: ...`).

use std::path::Path;
use std::process::{Command, Output};

use tempfile::TempDir;

mod common;
use common::{check, run, stderr, write};

const GOOD: &str = "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\n";

/// A temp dir holding `old/a.proto` and `new/a.proto`, both [`GOOD`].
fn tree() -> TempDir {
    let dir = tempfile::tempdir().expect("tempdir");
    write(dir.path(), "old/a.proto", GOOD);
    write(dir.path(), "new/a.proto", GOOD);
    dir
}

/// Exit code 2, nothing on stdout, no panic, and stderr is exactly one line.
fn error_line(out: &Output) -> String {
    let err = stderr(out);
    assert!(!err.contains("panicked"), "panic: {err}");
    assert_eq!(out.status.code(), Some(2), "exit code; stderr: {err}");
    assert!(
        out.stdout.is_empty(),
        "stdout: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let lines: Vec<&str> = err.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "want one stderr line, got: {err}");
    lines[0].to_string()
}

/// The single error line is `protoguard: {place}: {reason...}` and the reason mentions `why`.
fn assert_error(out: &Output, place: &str, why: &str) {
    let line = error_line(out);
    let prefix = format!("protoguard: {place}: ");
    assert!(
        line.starts_with(&prefix),
        "want prefix {prefix:?}, got {line:?}"
    );
    let reason = &line[prefix.len()..];
    assert!(!reason.trim().is_empty(), "no reason: {line:?}");
    assert!(
        reason.contains(why),
        "reason should mention {why:?}: {line:?}"
    );
}

#[test]
fn syntax_error_names_line_and_column() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n    int32 x = ;\n}\n",
    );
    // buf: a.proto:4:15:unexpected `;` in definition
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:4:15",
        "expected an integer",
    );
}

#[test]
fn syntax_error_on_the_old_side_names_the_old_file() {
    let t = tree();
    write(t.path(), "old/a.proto", "syntax = \"proto3\";\nmessage {\n");
    assert_error(&check(t.path(), &[]), "old/a.proto:2:9", "expected");
}

#[test]
fn syntax_error_in_a_subdirectory_names_the_full_path() {
    let t = tree();
    write(
        t.path(),
        "new/sub/b.proto",
        "syntax = \"proto3\";\npackage b;\nmessage B {\n  int32 x = 1\n}\n",
    );
    assert_error(&check(t.path(), &[]), "new/sub/b.proto:5:1", "expected");
}

#[test]
fn paths_are_shown_as_the_user_spelled_the_input() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n    int32 x = ;\n}\n",
    );
    let new = t.path().join("new");
    // From inside the input: bare file names, like buf.
    let out = run(&new, &["check", ".", "--against", "../old"]);
    assert_error(&out, "a.proto:4:15", "expected an integer");
    // `./new/` prints as `new/`.
    let out = run(t.path(), &["check", "./new/", "--against", "old"]);
    assert_error(&out, "new/a.proto:4:15", "expected an integer");
}

#[test]
fn columns_count_bytes_like_buf() {
    let t = tree();
    // Two 2-byte characters before the error: buf counts bytes (and a tab as one column).
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1; /* \u{e9}\u{e9} */ int32 = 2;\n\tint32 y = ;\n}\n",
    );
    assert_error(&check(t.path(), &[]), "new/a.proto:4:33", "identifier");
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n\tint32 y = ;\n}\n",
    );
    // buf: a.proto:4:12:unexpected `;` in definition
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:4:12",
        "expected an integer",
    );
}

#[test]
fn editions_source_compiles_and_its_mistakes_are_errors() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "edition = \"2023\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\n",
    );
    // Compiled (by protoc): proto3 -> editions is a finding, not an error.
    assert_eq!(check(t.path(), &[]).status.code(), Some(1));
    write(
        t.path(),
        "new/a.proto",
        "edition = \"2023\";\npackage a;\nmessage M {\n\toptional int32 x = 1;\n}\n",
    );
    // buf: a.proto:4:2:unexpected `optional` (the column counts the tab as one byte).
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:4:2",
        "Label \"optional\" is not supported in editions",
    );
}

#[test]
fn missing_import_points_at_the_import() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nimport \"nope.proto\";\nmessage M {\n  int32 x = 1;\n}\n",
    );
    // buf: a.proto:3:1:imported file does not exist
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:3:1",
        "import 'nope.proto' not found",
    );
}

#[test]
fn duplicate_message_points_at_the_second_definition() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\nmessage M {}\n",
    );
    // The file and position of the error agree: the definition that clashes (protoc too).
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:6:9",
        "name 'a.M' is defined twice",
    );
}

/// Two extensions of one message with one number: protox compiles it; protoc and buf do
/// not (buf: at the second one's number, a file's own extensions counting before those
/// declared in its messages, whatever their lines).
#[test]
fn an_extension_number_used_twice_is_an_error_where_buf_puts_it() {
    let text = "syntax = \"proto2\";\npackage p;\nmessage Foo { extensions 100 to 200; }\nmessage M {\n  extend Foo {\n    optional int32 b = 100;\n  }\n}\nextend Foo {\n  optional int32 a = 100;\n}\n";
    let t = tempfile::tempdir().expect("tempdir");
    // The same on both sides: nothing to compare, and still refused, planned or not (as
    // any error both sides share, on the side compiled first).
    write(t.path(), "old/x.proto", text);
    write(t.path(), "new/x.proto", text);
    for args in [&[][..], &["--full"][..]] {
        assert_error(
            &check(t.path(), args),
            "old/x.proto:6:24",
            "field number `100` used more than once",
        );
    }
    // Across files: the one compiled later.
    let t = tree();
    let base = "syntax = \"proto2\";\npackage p;\nmessage Foo { extensions 100 to 200; }\n";
    let user = |name: &str| {
        format!("syntax = \"proto2\";\npackage p;\nimport \"x.proto\";\nextend Foo {{\n  optional int32 {name} = 100;\n}}\n")
    };
    write(t.path(), "new/x.proto", base);
    write(t.path(), "new/y.proto", user("a"));
    write(t.path(), "new/z.proto", user("b"));
    assert_error(
        &check(t.path(), &[]),
        "new/z.proto:5:22",
        "field number `100` used more than once",
    );
    // One of them unchanged, neither importing the other: no compile of a planned load
    // holds both but the one of the files declaring extensions.
    for side in ["old", "new"] {
        write(t.path(), &format!("{side}/x.proto"), base);
        write(t.path(), &format!("{side}/y.proto"), user("a"));
    }
    for args in [&[][..], &["--full"][..]] {
        assert_error(
            &check(t.path(), args),
            "new/z.proto:5:22",
            "field number `100` used more than once",
        );
    }
}

#[test]
fn duplicate_message_across_files_names_the_file_that_clashes() {
    let t = tree();
    write(
        t.path(),
        "new/b.proto",
        "syntax = \"proto3\";\npackage a;\n\nmessage M {}\n",
    );
    assert_error(
        &check(t.path(), &[]),
        "new/b.proto:4:9",
        "name 'a.M' is already defined in file 'a.proto'",
    );
}

#[test]
fn duplicate_field_number_points_at_the_second_field() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n  int32 y = 1;\n}\n",
    );
    // buf: a.proto:5:13:field number `1` used more than once
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:5:13",
        "field number '1' is already used",
    );
}

#[test]
fn field_in_reserved_range_points_at_the_field() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  reserved 5;\n  int32 x = 1;\n  int32 y = 5;\n}\n",
    );
    assert_error(&check(t.path(), &[]), "new/a.proto:6:13", "reserved");
}

#[test]
fn import_cycle_points_at_the_import_that_closes_it() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nimport \"b.proto\";\nmessage M {\n  int32 x = 1;\n}\n",
    );
    write(
        t.path(),
        "new/b.proto",
        "syntax = \"proto3\";\npackage a;\n// import \"a.proto\";\nimport \"a.proto\";\n",
    );
    // buf: b.proto:<line of the import>:1:detected cyclic import while importing "a.proto"
    assert_error(&check(t.path(), &[]), "new/b.proto:4:1", "import cycle");
}

#[test]
fn self_import_is_a_cycle() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nimport \"a.proto\";\n",
    );
    assert_error(&check(t.path(), &[]), "new/a.proto:3:1", "import cycle");
}

#[test]
fn non_utf8_file_names_the_first_bad_byte() {
    let t = tree();
    write(
        t.path(),
        "new/a.proto",
        b"syntax = \"proto3\";\npackage a;\n// \xff\xfe\nmessage M {\n  int32 x = 1;\n}\n",
    );
    // buf: a.proto:3:4:input appears to be encoded with UTF-8, but found invalid byte
    assert_error(&check(t.path(), &[]), "new/a.proto:3:4", "utf-8");
}

#[test]
fn nonexistent_new_path() {
    let t = tree();
    let out = run(t.path(), &["check", "nope", "--against", "old"]);
    assert_error(&out, "nope", "no such file or directory");
}

#[test]
fn nonexistent_against_path() {
    let t = tree();
    let out = run(t.path(), &["check", "new", "--against", "nope/old.binpb"]);
    assert_error(&out, "nope/old.binpb", "no such file or directory");
}

#[test]
fn a_proto_file_is_not_an_input() {
    let t = tree();
    let out = run(t.path(), &["check", "new/a.proto", "--against", "old"]);
    assert_error(&out, "new/a.proto", "import root");
}

#[test]
fn nonexistent_include_dir() {
    let t = tree();
    assert_error(
        &check(t.path(), &["-I", "no_such_dir"]),
        "no_such_dir",
        "no such file or directory",
    );
    assert_error(
        &check(t.path(), &["-I", "new/a.proto"]),
        "new/a.proto",
        "not a directory",
    );
}

#[cfg(unix)]
mod unreadable {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn chmod(p: &Path, mode: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(mode)).unwrap();
    }

    fn readable(p: &Path) -> bool {
        if p.is_dir() {
            std::fs::read_dir(p).is_ok()
        } else {
            std::fs::read(p).is_ok()
        }
    }

    /// `protoguard ARGS` where `blocked` (mode 000) cannot be read. Root reads it anyway
    /// (CAP_DAC_OVERRIDE): then protoguard runs under `setpriv` without the two
    /// capabilities that bypass file permissions, so the test runs as root too (CI does),
    /// instead of passing without testing anything.
    fn run_blocked(cwd: &Path, blocked: &Path, args: &[&str]) -> Output {
        if !readable(blocked) {
            return run(cwd, args);
        }
        Command::new("setpriv")
            .arg("--bounding-set=-dac_override,-dac_read_search")
            .arg("--")
            .arg(env!("CARGO_BIN_EXE_protoguard"))
            .args(args)
            .current_dir(cwd)
            .env("NO_COLOR", "1")
            .env(
                "XDG_CACHE_HOME",
                std::env::temp_dir().join("protoguard-test-cache"),
            )
            .output()
            .expect(
                "running as root, this test needs setpriv (util-linux) to drop CAP_DAC_OVERRIDE",
            )
    }

    #[test]
    fn unreadable_directory() {
        let t = tree();
        let sub = write(t.path(), "new/sub/b.proto", "syntax = \"proto3\";\n");
        let sub = sub.parent().unwrap();
        chmod(sub, 0o000);
        let out = run_blocked(t.path(), sub, &["check", "new", "--against", "old"]);
        chmod(sub, 0o755);
        assert_error(&out, "new/sub", "ermission denied");
    }

    #[test]
    fn unreadable_proto_file() {
        let t = tree();
        let file = write(t.path(), "new/sub/b.proto", "syntax = \"proto3\";\n");
        chmod(&file, 0o000);
        let out = run_blocked(t.path(), &file, &["check", "new", "--against", "old"]);
        chmod(&file, 0o644);
        assert_error(&out, "new/sub/b.proto", "ermission denied");
    }

    #[test]
    fn unreadable_image() {
        let t = tree();
        let img = write(t.path(), "old.binpb", b"\x0a\x00");
        chmod(&img, 0o000);
        let out = run_blocked(t.path(), &img, &["check", "new", "--against", "old.binpb"]);
        chmod(&img, 0o644);
        assert_error(&out, "old.binpb", "ermission denied");
    }
}

#[test]
fn empty_tree_has_no_proto_files() {
    let t = tree();
    std::fs::create_dir_all(t.path().join("empty")).unwrap();
    let out = run(t.path(), &["check", "empty", "--against", "old"]);
    assert_error(&out, "empty", "no .proto files found");
    // Other files, and .proto files in hidden directories, do not count.
    write(t.path(), "other/README.md", "hi");
    write(t.path(), "other/.git/x.proto", GOOD);
    let out = run(t.path(), &["check", "new", "--against", "other"]);
    assert_error(&out, "other", "no .proto files found");
}

/// Deterministic "random" bytes (xorshift), so a failure reproduces.
fn noise(len: usize, mut seed: u64) -> Vec<u8> {
    (0..len)
        .map(|_| {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            (seed >> 24) as u8
        })
        .collect()
}

#[test]
fn corrupt_image() {
    let t = tree();
    for seed in [1u64, 2, 3, 42] {
        write(t.path(), "x.binpb", noise(512, seed));
        let out = run(t.path(), &["check", "x.binpb", "--against", "old"]);
        assert_error(&out, "x.binpb", "not a valid FileDescriptorSet image");
        let out = run(t.path(), &["check", "new", "--against", "x.binpb"]);
        assert_error(&out, "x.binpb", "not a valid FileDescriptorSet image");
    }
}

#[test]
fn empty_or_truncated_image() {
    let t = tree();
    write(t.path(), "empty.binpb", b"");
    let out = run(t.path(), &["check", "new", "--against", "empty.binpb"]);
    assert_error(&out, "empty.binpb", "no named file descriptors");
    // A real image cut short.
    let real = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("proto_fixtures/field_same_type_editions/new.binpb");
    let bytes = std::fs::read(real).unwrap();
    write(t.path(), "cut.binpb", &bytes[..bytes.len() / 2]);
    let out = run(t.path(), &["check", "cut.binpb", "--against", "old"]);
    assert_error(&out, "cut.binpb", "not a valid FileDescriptorSet image");
}

#[test]
fn unknown_rule_in_use_and_except() {
    let t = tree();
    let out = check(t.path(), &["--use", "FIELD_SAME_TYPE,NOPE"]);
    assert_eq!(
        error_line(&out),
        r#"protoguard: unknown rule or category "NOPE""#
    );
    let out = check(t.path(), &["--except", "NOT_A_RULE"]);
    assert_eq!(
        error_line(&out),
        r#"protoguard: unknown rule or category "NOT_A_RULE""#
    );
}

#[test]
fn unknown_category() {
    let t = tree();
    let out = check(t.path(), &["--use", "WIRE_JSONX"]);
    assert_eq!(
        error_line(&out),
        r#"protoguard: unknown rule or category "WIRE_JSONX""#
    );
    // IDs and categories are case-sensitive, as in buf ("file" is not a known rule or category ID).
    let out = check(t.path(), &["--use", "file"]);
    assert_eq!(
        error_line(&out),
        r#"protoguard: unknown rule or category "file""#
    );
}

#[test]
fn bad_format_value() {
    let t = tree();
    let out = check(t.path(), &["--format", "xml"]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    // clap's own usage error: the reason is on the first line.
    assert!(
        err.lines()
            .next()
            .is_some_and(|l| l.contains("invalid value 'xml' for '--format")),
        "{err}"
    );
}

#[test]
fn missing_against_flag_is_a_usage_error() {
    let t = tree();
    let out = run(t.path(), &["check", "new"]);
    assert_eq!(out.status.code(), Some(2), "{}", stderr(&out));
    assert!(stderr(&out).contains("--against"), "{}", stderr(&out));
}

#[test]
fn explain_unknown_rule() {
    let t = tree();
    let out = run(t.path(), &["explain", "NOPE"]);
    assert_eq!(
        error_line(&out),
        r#"protoguard: unknown rule or category "NOPE""#
    );
}

/// The contract: one line, `path:line:col: reason`.
#[test]
fn buf_yaml_bad_yaml_is_one_line_with_position() {
    let t = tree();
    write(
        t.path(),
        "new/buf.yaml",
        "version: v1\nbreaking:\n  use: [FILE\n",
    );
    assert_error(&check(t.path(), &[]), "new/buf.yaml:3:8", "bracket");
}

#[test]
fn buf_yaml_wrong_type() {
    let t = tree();
    // buf: cannot unmarshal !!str `FILE` into []string
    write(
        t.path(),
        "new/buf.yaml",
        "version: v2\nbreaking:\n  use: FILE\n",
    );
    let out = check(t.path(), &[]);
    let err = stderr(&out);
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.starts_with("protoguard: new/buf.yaml"), "{err}");
}

#[test]
fn buf_yaml_unknown_version() {
    let t = tree();
    write(t.path(), "new/buf.yaml", "version: v9\n");
    // buf: decode buf.yaml: unknown file version: "v9"
    assert_error(
        &check(t.path(), &[]),
        "new/buf.yaml",
        "unknown version \"v9\"",
    );
}

#[test]
fn buf_yaml_unknown_rule() {
    let t = tree();
    // buf: "NOPE_RULE" is not a known rule or category ID
    for yaml in [
        "version: v1\nbreaking:\n  use:\n    - NOPE_RULE\n",
        "version: v2\nbreaking:\n  except:\n    - NOPE_RULE\n",
        "version: v1\nbreaking:\n  ignore_only:\n    NOPE_RULE:\n      - a.proto\n",
    ] {
        write(t.path(), "new/buf.yaml", yaml);
        assert_error(
            &check(t.path(), &[]),
            "new/buf.yaml",
            "unknown rule or category \"NOPE_RULE\"",
        );
    }
}

/// buf 1.75 rejects v1-only IDs in a v2 config: `"FIELD_SAME_CTYPE" is not a known rule or
/// category ID` (v1 accepts them with a deprecation warning).
#[test]
fn buf_yaml_v2_rejects_deprecated_v1_ids() {
    let t = tree();
    for id in ["FIELD_SAME_CTYPE", "FILE_SAME_PHP_GENERIC_SERVICES"] {
        write(
            t.path(),
            "new/buf.yaml",
            format!("version: v2\nbreaking:\n  use: [{id}]\n"),
        );
        assert_error(&check(t.path(), &[]), "new/buf.yaml", id);
    }
    // v1 still takes them.
    write(
        t.path(),
        "new/buf.yaml",
        "version: v1\nbreaking:\n  use: [FIELD_SAME_CTYPE]\n",
    );
    assert_eq!(check(t.path(), &[]).status.code(), Some(0));
}

#[test]
fn buf_yaml_module_path_that_does_not_exist() {
    let t = tree();
    write(
        t.path(),
        "new/buf.yaml",
        "version: v2\nmodules:\n  - path: proto\n",
    );
    assert_error(
        &check(t.path(), &[]),
        "new/proto",
        "no such file or directory",
    );
}

#[test]
fn config_flag_errors() {
    let t = tree();
    write(
        t.path(),
        "cfg.yaml",
        "version: v1\nbreaking:\n  use: [BOGUS]\n",
    );
    assert_error(
        &check(t.path(), &["--config", "cfg.yaml"]),
        "cfg.yaml",
        "unknown rule or category \"BOGUS\"",
    );
    let out = check(t.path(), &["--config", "nope.yaml"]);
    assert_error(&out, "nope.yaml", "No such file or directory");
}

#[test]
fn refused_import_paths_say_what_buf_says() {
    // (import path, buf 1.75's first line for it, at the literal or at the statement).
    let cases = [
        (
            "../x.proto",
            "3:12",
            "import path must not refer to parent directory",
        ),
        (
            "sub/../../x.proto",
            "3:3",
            "could not open imported file: ../x.proto: is outside the context directory",
        ),
        ("/x.proto", "3:12", "import path must be relative"),
        (
            "./x.proto",
            "3:12",
            "import path must not contain `.`, `..`, or repeated separators",
        ),
        (
            "a//b.proto",
            "3:12",
            "import path must not contain `.`, `..`, or repeated separators",
        ),
    ];
    for (path, place, why) in cases {
        let t = tree();
        write(
            t.path(),
            "new/sub/y.proto",
            format!("syntax = \"proto3\";\npackage y;\n  import   \"{path}\";\nmessage Y {{}}\n"),
        );
        let line = error_line(&check(t.path(), &[]));
        assert_eq!(
            line,
            format!("protoguard: new/sub/y.proto:{place}: {why}"),
            "{path}"
        );
    }
}

#[test]
fn a_byte_order_mark_counts_in_error_columns_on_line_one() {
    let t = tree();
    // buf: a.proto:1:45:unexpected `;` in definition (error columns count bytes, the
    // mark's three too); a finding's column would not count it.
    write(
        t.path(),
        "new/a.proto",
        "\u{feff}syntax = \"proto3\"; message M { int32 a = ; }\n",
    );
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:1:45",
        "expected an integer",
    );
    // Further lines are unaffected.
    write(
        t.path(),
        "new/a.proto",
        "\u{feff}syntax = \"proto3\";\nmessage M {\n    int32 x = ;\n}\n",
    );
    assert_error(
        &check(t.path(), &[]),
        "new/a.proto:3:15",
        "expected an integer",
    );
}

/// buf refuses a package name of more than 101 components or 512 bytes (whitespace and
/// comments not counted), at the name: `a.proto:3:17:path in `package` declaration is too
/// large`. At the bound it compiles.
#[test]
fn package_name_beyond_bufs_bounds_is_refused_at_the_name() {
    let file = |package: &str| {
        format!("syntax = \"proto3\";\n// c\npackage /* x */ {package};\nmessage M {{ int32 x = 1; }}\n")
    };
    let cases = [
        (vec!["a"; 101].join("."), true),
        (vec!["a"; 102].join("."), false),
        (vec!["ab"; 102].join("\n . "), false),
        (format!("{} . {}", "a".repeat(300), "a".repeat(211)), true),
        (format!("{}.{}", "a".repeat(300), "a".repeat(212)), false),
    ];
    for (package, accepted) in cases {
        let t = tree();
        if accepted {
            write(t.path(), "old/a.proto", file(&package));
        }
        write(t.path(), "new/a.proto", file(&package));
        let out = check(t.path(), &[]);
        if accepted {
            assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
        } else {
            assert_error(
                &out,
                "new/a.proto:3:17",
                "path in `package` declaration is too large",
            );
        }
    }
}
