//! Editions files (2023, 2024) compile from every kind of input, through the binary: a
//! directory, a git commit, the staged index, an `-I` root that only a proto3 file reaches;
//! their compile errors exit 2 with `path:line:col` (byte columns, as for proto2/proto3
//! files); `semver` (and `--check-tags`), renames, blast radius and structural types read them
//! like any other file.

use std::path::Path;
use std::process::{Command, Output};

use git2::Repository;

mod common;
use common::{commit_all, run, stderr, stdout, write};

const V1: &str = r#"edition = "2023";

package shop.v1;

message Money {
  int64 units = 1;
}

message Order {
  string id = 1;
  Money total = 2;
  Status status = 3;
}

enum Status {
  option features.enum_type = CLOSED;
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
}
"#;

/// Order.total becomes LEGACY_REQUIRED (cardinality) and Status becomes open.
const V2: &str = r#"edition = "2024";

package shop.v1;

export message Money {
  int64 units = 1;
}

export message Order {
  string id = 1;
  Money total = 2 [features.field_presence = LEGACY_REQUIRED];
  Status status = 3;
}

export enum Status {
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
}
"#;

/// A repository whose `main` holds V1 under `proto/`.
fn repo_with_v1(dir: &Path) -> Repository {
    let mut opts = git2::RepositoryInitOptions::new();
    opts.initial_head("main");
    let repo = Repository::init_opts(dir, &opts).unwrap();
    write(dir, "proto/shop/v1/order.proto", V1);
    commit_all(&repo, "v1");
    repo
}

/// Findings of V1 → V2 that every input kind must give, in text form (buf's, line and column
/// included: in 2024 an enum declared `export enum` starts at `enum`).
fn assert_v2_findings(out: &Output, path: &str) {
    let text = stdout(out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(out));
    assert!(
        text.contains(&format!(
            "{path}:11:3: FIELD_SAME_CARDINALITY Field \"2\" with name \"total\" on message \"Order\" changed cardinality from \"optional with explicit presence\" to \"required\"."
        )),
        "{text}"
    );
    assert!(
        text.contains(&format!(
            "{path}:15:8: ENUM_SAME_TYPE Enum \"Status\" changed from closed to open."
        )),
        "{text}"
    );
}

#[test]
fn directories_compare_editions_files() {
    let tmp = tempfile::tempdir().unwrap();
    write(tmp.path(), "old/shop/v1/order.proto", V1);
    write(tmp.path(), "new/shop/v1/order.proto", V2);
    for full in [false, true] {
        let mut args = vec!["check", "new", "--against", "old"];
        if full {
            args.push("--full");
        }
        assert_v2_findings(&run(tmp.path(), &args), "new/shop/v1/order.proto");
    }
}

#[test]
fn git_commits_and_the_staged_index_compare_editions_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let repo = repo_with_v1(root);
    write(root, "proto/shop/v1/order.proto", V2);
    let out = run(root, &["check", "proto", "--against", ".git#branch=main"]);
    assert_v2_findings(&out, "proto/shop/v1/order.proto");
    // Staged: the index holds V2 once added; the work tree is back to V1.
    let mut index = repo.index().unwrap();
    index
        .add_path(Path::new("proto/shop/v1/order.proto"))
        .unwrap();
    index.write().unwrap();
    write(root, "proto/shop/v1/order.proto", V1);
    let out = run(root, &["check", "proto", "--staged"]);
    assert_v2_findings(&out, "proto/shop/v1/order.proto");
    // And the other way round: a git NEW side against a directory.
    write(root, "v2/shop/v1/order.proto", V2);
    let out = run(root, &["check", "v2", "--against", "git:main:proto"]);
    assert_v2_findings(&out, "v2/shop/v1/order.proto");
}

#[test]
fn an_editions_file_reached_through_an_include_root_compiles() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // The proto3 files import an editions file found only under -I.
    let api = |ty: &str| {
        format!(
            "syntax = \"proto3\";\npackage api.v1;\nimport \"shop/v1/order.proto\";\nmessage Get {{\n  {ty} order = 1;\n}}\n"
        )
    };
    write(root, "lib/shop/v1/order.proto", V1);
    write(root, "old/api/v1/get.proto", api("shop.v1.Order"));
    write(root, "new/api/v1/get.proto", api("shop.v1.Money"));
    let out = run(
        root,
        &[
            "check",
            "new",
            "--against",
            "old",
            "-I",
            "lib",
            "--use",
            "FIELD_SAME_TYPE",
        ],
    );
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(
        text.contains("new/api/v1/get.proto:5:3: FIELD_SAME_TYPE Field \"1\" with name \"order\" on message \"Get\" changed type from \"shop.v1.Order\" to \"shop.v1.Money\"."),
        "{text}"
    );
}

#[test]
fn editions_compile_errors_exit_2_at_byte_columns() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    // protoc reports column 22 for `foo` (a tab counts to the next multiple of 8); the file's
    // bytes put it at column 15, as protox counts.
    write(
        root,
        "bad/a.proto",
        "edition = \"2023\";\npackage p;\nmessage M {\n\tint32 x = 1 [foo = 2];\n}\n",
    );
    write(
        root,
        "good/a.proto",
        "edition = \"2023\";\npackage p;\nmessage M {}\n",
    );
    let out = run(root, &["check", "bad", "--against", "good"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("bad/a.proto:4:15:"), "{err}");
    assert!(err.contains("Option \"foo\" unknown"), "{err}");
    // An import that resolves nowhere names the importing file and line.
    write(
        root,
        "missing/a.proto",
        "edition = \"2023\";\npackage p;\nimport \"nowhere.proto\";\nmessage M {}\n",
    );
    let out = run(root, &["check", "missing", "--against", "good"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("missing/a.proto:3:1:"), "{err}");
    assert!(err.contains("nowhere.proto"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    // protoc gives no position for a feature set where it may not be: the option's name is
    // found in the text, where buf points (a.proto:5:27).
    write(
        root,
        "misplaced/a.proto",
        "edition = \"2024\";\npackage p;\nimport \"google/protobuf/java_features.proto\";\n// features.(pb.java).nest_in_file_class in a comment\noption features.(pb.java).nest_in_file_class = NO;\nmessage M {}\n",
    );
    let out = run(root, &["check", "misplaced", "--against", "good"]);
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("misplaced/a.proto:5:27:"), "{err}");
    assert!(err.contains("nest_in_file_class"), "{err}");
}

#[test]
fn semver_and_renames_read_editions_files() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "old/shop/v1/order.proto", V1);
    let renamed = V1.replace("Money", "Amount");
    let added = renamed.replace(
        "  Status status = 3;\n",
        "  Status status = 3;\n  string note = 4;\n",
    );
    write(root, "new/shop/v1/order.proto", &added);
    let out = run(root, &["semver", "new", "--against", "old"]);
    let text = stdout(&out);
    assert!(
        text.trim_end().ends_with("bump: MAJOR"),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(text.contains("note"), "the added field is listed: {text}");
    let out = run(
        root,
        &["check", "new", "--against", "old", "--format", "json"],
    );
    let text = stdout(&out);
    let deleted = text
        .lines()
        .find(|l| l.contains("\"MESSAGE_NO_DELETE\""))
        .unwrap_or_else(|| panic!("{text}"));
    let v: serde_json::Value = serde_json::from_str(deleted).unwrap();
    assert_eq!(v["renamed_to"], "shop.v1.Amount", "{deleted}");
    // Status becomes open: the enum's break reaches Order, which carries it.
    let open = added.replace("  option features.enum_type = CLOSED;\n", "");
    write(root, "new/shop/v1/order.proto", &open);
    let out = run(
        root,
        &["check", "new", "--against", "old", "--format", "json"],
    );
    let text = stdout(&out);
    let enum_type = text
        .lines()
        .find(|l| l.contains("\"ENUM_SAME_TYPE\""))
        .unwrap_or_else(|| panic!("{text}"));
    let v: serde_json::Value = serde_json::from_str(enum_type).unwrap();
    assert_eq!(
        v["affects"],
        serde_json::json!(["shop.v1.Order"]),
        "{enum_type}"
    );
}

#[test]
fn structural_types_see_delimited_encoding() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let schema = |holder_type: &str| {
        format!(
            "edition = \"2023\";\npackage s;\nmessage Inner {{ int32 x = 1; }}\n\
             message Same {{ Inner i = 1; }}\n\
             message Delimited {{ Inner i = 1 [features.message_encoding = DELIMITED]; }}\n\
             message Old {{ Inner i = 1; }}\n\
             message Holder {{ {holder_type} h = 1; }}\n"
        )
    };
    write(root, "old/s.proto", schema("Old"));
    let run = |new_type: &str| {
        write(root, "new/s.proto", schema(new_type));
        run(
            root,
            &[
                "check",
                "new",
                "--against",
                "old",
                "--use",
                "FIELD_WIRE_COMPATIBLE_TYPE",
                "--structural-types",
            ],
        )
    };
    // Same bytes: accepted under --structural-types.
    let out = run("Same");
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    // A delimited field reads other bytes than a length-prefixed one: still breaking.
    let out = run("Delimited");
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).contains("FIELD_WIRE_COMPATIBLE_TYPE"));
}

#[test]
fn release_tags_of_editions_files_are_checked() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let repo = repo_with_v1(root);
    let tag = |name: &str| {
        let head = repo.head().unwrap().peel_to_commit().unwrap();
        repo.tag_lightweight(name, head.as_object(), false).unwrap();
    };
    tag("v1.0.0");
    write(root, "proto/shop/v1/order.proto", V2);
    commit_all(&repo, "v2");
    tag("v1.0.1");
    let out = run(root, &["semver", "--check-tags"]);
    let text = stdout(&out);
    assert_eq!(out.status.code(), Some(1), "{text}\n{}", stderr(&out));
    assert!(text.contains("v1.0.1"), "{text}");
    assert!(text.contains("MAJOR"), "{text}");
}

#[test]
fn a_missing_protoc_is_an_error_not_a_panic() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    write(root, "old/shop/v1/order.proto", V1);
    write(root, "new/shop/v1/order.proto", V2);
    let missing = root.join("no-such-protoc");
    let out = common::run_env(
        root,
        &["check", "new", "--against", "old"],
        &[("PROTOGUARD_PROTOC", &missing)],
    );
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("cannot run protoc"), "{err}");
    assert!(!err.contains("panicked"), "{err}");
}

#[test]
fn semver_sees_no_change_in_a_proto2_file_compiled_by_the_other_compiler() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let legacy = "syntax = \"proto2\";\npackage l;\nmessage L {\n\toptional float f = 1 [default = 3.4028235e38];\n\toptional double d = 2 [default = 1.5e-7]; /* tail */\n\toptional int32 n = 3;\n}\n";
    write(root, "old/l.proto", legacy);
    write(root, "new/l.proto", legacy);
    // The new side holds an editions file, so protoc compiles all of it; the old side is
    // compiled by protox.
    write(
        root,
        "new/e.proto",
        "edition = \"2023\";\npackage e;\nmessage E {}\n",
    );
    let out = run(root, &["semver", "new", "--against", "old", "--full"]);
    let text = stdout(&out);
    assert!(
        text.trim_end().ends_with("bump: MINOR"),
        "{text}\n{}",
        stderr(&out)
    );
    assert!(
        !text.contains("l.proto"),
        "nothing changed in l.proto:\n{text}"
    );
}

#[test]
fn a_named_pipe_under_an_include_root_is_refused_not_read() {
    let tmp = tempfile::tempdir().unwrap();
    let root = tmp.path();
    let importer =
        "edition = \"2023\";\npackage a;\nimport \"dep.proto\";\nmessage U {\n  D d = 1;\n}\n";
    write(root, "old/u.proto", importer);
    write(root, "new/u.proto", importer);
    std::fs::create_dir_all(root.join("lib")).unwrap();
    let made = Command::new("mkfifo")
        .arg(root.join("lib/dep.proto"))
        .status()
        .expect("mkfifo");
    assert!(made.success());
    // Reading the pipe would block for ever: the run must end by itself, refusing it.
    let mut child = common::protoguard_command(
        root,
        &common::scratch_cache(),
        &["check", "new", "--against", "old", "-I", "lib"],
    )
    .stdout(std::process::Stdio::piped())
    .stderr(std::process::Stdio::piped())
    .spawn()
    .unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    while child.try_wait().unwrap().is_none() {
        if std::time::Instant::now() > deadline {
            child.kill().unwrap();
            panic!("protoguard blocked on the named pipe");
        }
        std::thread::sleep(std::time::Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stdout(&out));
    let err = stderr(&out);
    assert!(err.contains("lib/dep.proto"), "{err}");
    assert!(err.contains("not a regular file (a named pipe)"), "{err}");
}
