//! The GOOGLE_API category end to end: options resolved by extension name (an unrelated
//! extension with the same number never counts), selection (`--use GOOGLE_API`, never by
//! default), the hint on stderr, `semver` counting the findings as MAJOR, and images built
//! by protoc reading the same as sources. Each rule's own cases are its fixture
//! (`proto_fixtures/google_api_*`).

use std::path::Path;
use std::process::{Command, Output};

use protoguard::{catalog, config, rules::google_api, Policy};

fn write(root: &Path, rel: &str, text: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// Copies the minimal google/api protos the tests keep into `root`.
fn vendor_google_api(root: &Path) {
    let copies = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/google_api");
    for entry in walkdir::WalkDir::new(&copies) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let rel = entry.path().strip_prefix(&copies).unwrap();
            let text = std::fs::read_to_string(entry.path()).unwrap();
            write(root, &rel.to_string_lossy(), &text);
        }
    }
}

fn run(cwd: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cwd.join(".cache"))
        .output()
        .expect("run protoguard")
}

const BOOK_OLD: &str = r#"syntax = "proto3";
package acme.library.v1;
import "google/api/field_behavior.proto";
message Book {
  string name = 1;
  string title = 2 [(google.api.field_behavior) = OPTIONAL];
}
"#;

const BOOK_NEW: &str = r#"syntax = "proto3";
package acme.library.v1;
import "google/api/field_behavior.proto";
message Book {
  string name = 1;
  string title = 2 [(google.api.field_behavior) = REQUIRED];
}
"#;

/// A tree with both sides of the OPTIONAL -> REQUIRED change, google/api vendored.
fn book_change(tmp: &Path) {
    for (side, text) in [("old", BOOK_OLD), ("new", BOOK_NEW)] {
        vendor_google_api(&tmp.join(side));
        write(&tmp.join(side), "acme/library/v1/book.proto", text);
    }
}

fn stdout(out: &Output) -> String {
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn an_unrelated_extension_with_the_same_number_is_not_field_behavior() {
    // acme's own extensions use the numbers of google.api.field_behavior (1052) and
    // resource_reference (1055), with other wire types; values 3 then 2 would read as
    // OUTPUT_ONLY -> REQUIRED if numbers alone decided.
    let tmp = tempfile::tempdir().unwrap();
    let ext = r#"syntax = "proto3";
package acme.options;
import "google/protobuf/descriptor.proto";
extend google.protobuf.FieldOptions {
  repeated int32 priority = 1052;
  string owner = 1055;
}
"#;
    for (side, value) in [("old", 3), ("new", 2)] {
        let root = tmp.path().join(side);
        write(&root, "acme/options/options.proto", ext);
        write(
            &root,
            "acme/v1/a.proto",
            &format!(
                "syntax = \"proto3\";\npackage acme.v1;\nimport \"acme/options/options.proto\";\n\
                 message A {{\n  string f = 1 [(acme.options.priority) = {value}, (acme.options.owner) = \"x{value}\"];\n}}\n"
            ),
        );
    }
    let out = run(
        &tmp.path().join("new"),
        &["check", ".", "--against", "../old", "--use", "GOOGLE_API"],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        stdout(&out),
        stderr(&out)
    );
    assert!(stdout(&out).is_empty(), "{}", stdout(&out));
}

#[test]
fn the_category_is_selected_by_name_and_never_by_default() {
    let ids = config::resolve_rules(&["GOOGLE_API".to_string()], &[]).unwrap();
    assert_eq!(ids.len(), 16, "{ids:?}");
    assert!(ids.iter().all(|id| id.starts_with("GOOGLE_API_")));
    let default = config::resolve_rules(&[], &[]).unwrap();
    assert!(default.iter().all(|id| !id.starts_with("GOOGLE_API_")));
    for category in ["FILE", "PACKAGE", "WIRE_JSON", "WIRE", "CSR"] {
        assert!(
            catalog::in_category(category)
                .iter()
                .all(|id| !id.starts_with("GOOGLE_API_")),
            "{category}"
        );
    }
    for doc in catalog::all()
        .iter()
        .filter(|d| d.id.starts_with("GOOGLE_API_"))
    {
        assert_eq!(doc.categories, ["GOOGLE_API"], "{}", doc.id);
        assert!(!doc.default && doc.semver == "major", "{}", doc.id);
    }
    // A rule yaml that puts a GOOGLE_API rule in a buf category or the default set fails.
    let yaml = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("rules/GOOGLE_API_HTTP_SAME_BODY.yaml"),
    )
    .unwrap();
    let in_file = yaml.replace("categories: [GOOGLE_API]", "categories: [FILE, GOOGLE_API]");
    assert!(catalog::parse_rule("GOOGLE_API_HTTP_SAME_BODY", &in_file).is_err());
    let by_default = yaml.replace("default: false", "default: true");
    assert!(catalog::parse_rule("GOOGLE_API_HTTP_SAME_BODY", &by_default).is_err());
}

#[test]
fn enable_adds_the_category_to_every_module() {
    let mut policy = Policy::single(vec!["FIELD_NO_DELETE"], Default::default());
    policy.enable_category(google_api::CATEGORY);
    policy.enable_category(google_api::CATEGORY);
    let rules = policy.all_rules();
    assert!(rules.contains(&"FIELD_NO_DELETE"));
    assert_eq!(
        rules
            .iter()
            .filter(|id| id.starts_with("GOOGLE_API_"))
            .count(),
        16
    );
}

#[test]
fn check_hints_at_the_category_on_stderr_only() {
    let tmp = tempfile::tempdir().unwrap();
    book_change(tmp.path());
    let new = tmp.path().join("new");
    let plain = run(
        &new,
        &["check", ".", "--against", "../old", "--format", "json"],
    );
    assert_eq!(plain.status.code(), Some(0), "{}", stderr(&plain));
    assert!(stdout(&plain).is_empty(), "{}", stdout(&plain));
    let hint = stderr(&plain);
    assert_eq!(hint.matches("--use GOOGLE_API").count(), 1, "{hint}");

    let selected = run(
        &new,
        &["check", ".", "--against", "../old", "--use", "GOOGLE_API"],
    );
    assert_eq!(selected.status.code(), Some(1), "{}", stderr(&selected));
    assert!(!stderr(&selected).contains("--use GOOGLE_API"));
    assert_eq!(
        stdout(&selected).trim(),
        "acme/library/v1/book.proto:6:21: GOOGLE_API_FIELD_NO_REQUIRED_ADDED Field \"2\" with \
         name \"title\" on message \"Book\" became REQUIRED: its field_behavior changed from \
         \"OPTIONAL\" to \"REQUIRED\"."
    );

    // No google/api in the schema: no hint.
    let other = tempfile::tempdir().unwrap();
    for side in ["old", "new"] {
        write(
            &other.path().join(side),
            "a.proto",
            "syntax = \"proto3\";\nmessage A {}\n",
        );
    }
    let quiet = run(
        &other.path().join("new"),
        &["check", ".", "--against", "../old"],
    );
    assert!(!stderr(&quiet).contains("GOOGLE_API"), "{}", stderr(&quiet));
}

#[test]
fn semver_counts_the_findings_as_major_under_the_category() {
    let tmp = tempfile::tempdir().unwrap();
    book_change(tmp.path());
    let new = tmp.path().join("new");
    let args = [
        "semver",
        ".",
        "--against",
        "../old",
        "--current-version",
        "1.4.2",
    ];
    let without = run(&new, &args);
    let with: Vec<&str> = args
        .iter()
        .copied()
        .chain(["--use", "GOOGLE_API"])
        .collect();
    let with = run(&new, &with);
    assert!(
        !stdout(&without).contains("2.0.0"),
        "without the category the annotation is no break:\n{}",
        stdout(&without)
    );
    assert!(
        stdout(&with).contains("2.0.0")
            && stdout(&with).contains("GOOGLE_API_FIELD_NO_REQUIRED_ADDED"),
        "{}{}",
        stdout(&with),
        stderr(&with)
    );
}

/// Images written by protoc (`--include_imports --include_source_info`) carry the same
/// options as sources: the findings are the same.
#[test]
fn images_read_like_sources() {
    let tmp = tempfile::tempdir().unwrap();
    book_change(tmp.path());
    let protoc = protoc_bin_vendored::protoc_bin_path().unwrap();
    let include = protoc_bin_vendored::include_path().unwrap();
    for side in ["old", "new"] {
        let status = Command::new(&protoc)
            .current_dir(tmp.path().join(side))
            .arg("-I.")
            .arg("-I")
            .arg(&include)
            .args(["--include_imports", "--include_source_info", "-o"])
            .arg(tmp.path().join(format!("{side}.binpb")))
            .arg("acme/library/v1/book.proto")
            .status()
            .unwrap();
        assert!(status.success());
    }
    let out = run(
        tmp.path(),
        &[
            "check",
            "new.binpb",
            "--against",
            "old.binpb",
            "--use",
            "GOOGLE_API",
        ],
    );
    assert_eq!(out.status.code(), Some(1), "{}", stderr(&out));
    assert!(
        stdout(&out).contains(":6:21: GOOGLE_API_FIELD_NO_REQUIRED_ADDED"),
        "{}",
        stdout(&out)
    );
}
