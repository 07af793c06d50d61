//! A gate you can trust: no crash, no hang and no silent pass on hostile or broken input.
//! Every case exits 2 with one located line, or is judged exactly as `--full` judges it.
//!
//! Each test runs the real binary in a temporary directory, with its own cache directory.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

const GOOD: &str = "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\n";

struct Tree {
    dir: TempDir,
    cache: TempDir,
}

impl Tree {
    /// `old/a.proto` and `new/a.proto`, both [`GOOD`].
    fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().expect("tempdir"),
            cache: tempfile::tempdir().expect("tempdir"),
        };
        t.write("old/a.proto", GOOD);
        t.write("new/a.proto", GOOD);
        t
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the same file on both sides.
    fn both(&self, rel: &str, contents: &str) {
        self.write(&format!("old/{rel}"), contents);
        self.write(&format!("new/{rel}"), contents);
    }

    fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let p = self.path().join(rel);
        std::fs::create_dir_all(p.parent().unwrap()).unwrap();
        std::fs::write(&p, contents).unwrap();
        p
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_protoguard"));
        cmd.args(args)
            .current_dir(self.path())
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", self.cache.path())
            .stdin(Stdio::null());
        cmd
    }

    /// Runs protoguard, killing it (and failing) if it takes more than 60 seconds.
    fn run(&self, args: &[&str]) -> Output {
        let mut child = self
            .command(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("run protoguard");
        let start = std::time::Instant::now();
        while child.try_wait().expect("wait").is_none() {
            if start.elapsed() > Duration::from_secs(60) {
                let _ = child.kill();
                panic!("protoguard {args:?} hung");
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        child.wait_with_output().expect("output")
    }

    fn check(&self, extra: &[&str]) -> Output {
        let mut args = vec!["check", "new", "--against", "old"];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// Exit code 2, nothing on stdout, no panic or abort, and one stderr line, returned.
fn error_line(out: &Output) -> String {
    let err = String::from_utf8_lossy(&out.stderr).into_owned();
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

/// The error line names `place` and gives a reason mentioning `why`.
fn assert_error(out: &Output, place: &str, why: &str) -> String {
    let line = error_line(out);
    let prefix = format!("protoguard: {place}: ");
    assert!(
        line.starts_with(&prefix),
        "want prefix {prefix:?}, got {line:?}"
    );
    assert!(line.contains(why), "should mention {why:?}: {line:?}");
    line
}

/// Planned and full loads give the same exit code and the same stderr.
fn assert_same_as_full(t: &Tree, extra: &[&str]) -> Output {
    let planned = t.check(extra);
    let mut with_full = extra.to_vec();
    with_full.push("--full");
    let full = t.check(&with_full);
    assert_eq!(
        (
            planned.status.code(),
            String::from_utf8_lossy(&planned.stderr)
        ),
        (full.status.code(), String::from_utf8_lossy(&full.stderr)),
        "planned and --full differ"
    );
    planned
}

/// A file whose message option value nests `levels` deep (`{ r: { r: ... {} } }`).
fn nested_option(levels: usize) -> String {
    format!(
        "syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n\
         message R {{ optional R r = 1; }}\n\
         extend google.protobuf.MessageOptions {{ optional R o = 50000; }}\n\
         message M {{ option (o) = {}{{}}{}; }}\n",
        "{ r: ".repeat(levels - 1),
        " }".repeat(levels - 1)
    )
}

// ---------------------------------------------------------------------------------------
// Crashes and hangs

#[test]
fn deeply_nested_option_value_is_a_located_error_in_every_command() {
    let t = Tree::new();
    t.both("deep.proto", &nested_option(1100));
    for args in [
        vec!["check", "new", "--against", "old"],
        vec!["check", "new", "--against", "old", "--full"],
        vec!["prove", "new", "--against", "old"],
        vec!["semver", "new", "--against", "old"],
    ] {
        // buf: deep.proto:5:526:expression nesting depth must be at most 100
        assert_error(
            &t.run(&args),
            "old/deep.proto:5:526",
            "expression nesting depth must be at most 100",
        );
    }
}

#[test]
fn option_values_as_deep_as_buf_allows_compile() {
    let t = Tree::new();
    t.both("deep.proto", &nested_option(100));
    for extra in [&[][..], &["--full"][..]] {
        let out = t.check(extra);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn deep_message_nesting_is_a_located_error() {
    let t = Tree::new();
    let mut deep = String::from("syntax = \"proto3\";\n");
    for i in 0..40 {
        deep.push_str(&format!("message A{i} {{\n"));
    }
    deep.push_str(&"}\n".repeat(40));
    t.both("deep.proto", &deep);
    assert_same_as_full(&t, &[]);
    // buf: deep.proto:33:9:message nesting depth must be less than 32
    assert_error(
        &t.check(&[]),
        "old/deep.proto:33:9",
        "message nesting depth must be less than 32",
    );
}

#[test]
fn devices_and_fifos_are_refused_not_read() {
    let t = Tree::new();
    let fifo = t.path().join("fifo");
    assert!(Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo")
        .success());
    for (args, place) in [
        (vec!["--config", "/dev/zero"], "/dev/zero"),
        (vec!["--config", "fifo"], "fifo"),
    ] {
        let mut all = vec!["check", "new", "--against", "old"];
        all.extend(args);
        assert_error(&t.run(&all), place, "not a regular file");
    }
    assert_error(
        &t.run(&["check", "new", "--against", "/dev/zero"]),
        "/dev/zero",
        "not a regular file (a character device)",
    );
    assert_error(
        &t.run(&["check", "new", "--against", "fifo"]),
        "fifo",
        "not a regular file (a named pipe)",
    );
    // A FIFO among the .proto files of a tree.
    assert!(Command::new("mkfifo")
        .arg(t.path().join("new/b.proto"))
        .status()
        .expect("mkfifo")
        .success());
    assert_error(&t.check(&[]), "new/b.proto", "not a regular file");
}

#[test]
fn fifo_imported_from_an_include_root_is_refused_not_read() {
    let t = Tree::new();
    let importer =
        "syntax = \"proto3\";\npackage a;\nimport \"dep.proto\";\nmessage U {\n  D d = 1;\n}\n";
    t.both("u.proto", importer);
    std::fs::create_dir_all(t.path().join("lib")).unwrap();
    assert!(Command::new("mkfifo")
        .arg(t.path().join("lib/dep.proto"))
        .status()
        .expect("mkfifo")
        .success());
    assert_error(
        &t.check(&["-I", "lib"]),
        "lib/dep.proto",
        "not a regular file (a named pipe)",
    );
}

#[test]
fn oversized_config_is_refused_with_the_limit() {
    let t = Tree::new();
    let big = format!("version: v1\n# {}\n", "x".repeat(2 << 20));
    t.write("big.yaml", big);
    assert_error(&t.check(&["--config", "big.yaml"]), "big.yaml", "too large");
}

// ---------------------------------------------------------------------------------------
// Silent passes

#[test]
fn unchanged_file_that_does_not_compile_fails_as_in_full_mode() {
    let t = Tree::new();
    t.both(
        "bad.proto",
        "syntax = \"proto3\";\npackage a;\nmessage U {\n  Nope n = 1;\n}\n",
    );
    t.write(
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  string x = 1;\n}\n",
    );
    let out = assert_same_as_full(&t, &[]);
    assert_error(&out, "old/bad.proto:4:3", "name 'Nope' is not defined");
    // Failures are not remembered: the second run fails the same way.
    assert_error(&t.check(&[]), "old/bad.proto:4:3", "is not defined");
}

#[test]
fn nothing_changed_still_compiles_everything_once() {
    let t = Tree::new();
    t.both(
        "bad.proto",
        "syntax = \"proto3\";\npackage a;\nmessage U {\n  Nope n = 1;\n}\n",
    );
    assert_same_as_full(&t, &[]);
    assert_eq!(t.check(&[]).status.code(), Some(2));
}

#[test]
fn unchanged_files_that_compiled_are_remembered() {
    let t = Tree::new();
    t.both(
        "b.proto",
        "syntax = \"proto3\";\npackage a;\nimport \"a.proto\";\nmessage B {\n  M m = 1;\n}\n",
    );
    t.both(
        "c.proto",
        "syntax = \"proto3\";\npackage a;\nmessage C {}\n",
    );
    t.write(
        "new/c.proto",
        "syntax = \"proto3\";\npackage a;\nmessage C { int32 y = 1; }\n",
    );
    assert_eq!(t.check(&[]).status.code(), Some(0));
    let verified = t.cache.path().join("protoguard/verified");
    let remembered = std::fs::read_dir(&verified).map(|d| d.count()).unwrap_or(0);
    // a.proto and b.proto are unchanged (c.proto changed): two closures compiled.
    assert_eq!(remembered, 2, "entries under {}", verified.display());
    assert_eq!(t.check(&[]).status.code(), Some(0));
}

#[test]
fn new_package_that_clashes_with_an_unchanged_message_is_an_error() {
    let t = Tree::new();
    // Package `a.M` of a new file against message `M` of package `a` (unchanged).
    t.write(
        "new/m.proto",
        "syntax = \"proto3\";\npackage a.M;\nmessage Inner {}\n",
    );
    let out = assert_same_as_full(&t, &[]);
    assert_error(&out, "new/m.proto:2:1", "already defined");
}

#[test]
fn new_enum_value_that_clashes_with_an_unchanged_message_is_an_error() {
    let t = Tree::new();
    // Enum values live beside their enum: `a.M` is already the message of a.proto.
    t.write(
        "new/e.proto",
        "syntax = \"proto3\";\npackage a;\nenum E {\n  E_UNSPECIFIED = 0;\n  M = 1;\n}\n",
    );
    let out = assert_same_as_full(&t, &[]);
    assert_eq!(out.status.code(), Some(2));
}

// ---------------------------------------------------------------------------------------
// Bad input gets a clear answer

#[test]
fn dangling_symlinks_that_are_not_proto_files_do_not_matter() {
    let t = Tree::new();
    std::os::unix::fs::symlink("nowhere", t.path().join("new/README.md")).unwrap();
    std::fs::create_dir_all(t.path().join("new/docs")).unwrap();
    std::os::unix::fs::symlink("../gone", t.path().join("new/docs/link")).unwrap();
    let out = t.check(&[]);
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    // A .proto link to nothing is a file we cannot read: say so.
    std::os::unix::fs::symlink("gone.proto", t.path().join("new/b.proto")).unwrap();
    assert_error(&t.check(&[]), "new/b.proto", "symbolic link to nothing");
}

#[test]
fn non_utf8_file_name_is_named_not_missing() {
    use std::os::unix::ffi::OsStrExt as _;
    let t = Tree::new();
    let name = std::ffi::OsStr::from_bytes(b"new/\xffx.proto");
    std::fs::write(t.path().join(name), GOOD).unwrap();
    let line = assert_error(&t.check(&[]), "new/\\xffx.proto", "not valid UTF-8");
    assert!(!line.contains("No such file"), "{line}");
}

#[test]
fn file_names_cannot_forge_output_lines() {
    let t = Tree::new();
    let name = "x\n::warning file=evil::owned\n.proto";
    t.write(
        &format!("old/{name}"),
        "syntax = \"proto3\";\npackage b;\nmessage N {\n  int32 y = 1;\n}\n",
    );
    t.write(
        &format!("new/{name}"),
        "syntax = \"proto3\";\npackage b;\nmessage N {\n  string y = 1;\n}\n",
    );
    for format in ["text", "msvs", "github-actions"] {
        let out = t.check(&["--format", format]);
        assert_eq!(out.status.code(), Some(1));
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert!(
            stdout.lines().all(|l| !l.starts_with("::warning")),
            "{format}: {stdout}"
        );
        assert_eq!(stdout.lines().count(), 1, "{format}: {stdout}");
    }
}

#[test]
fn empty_path_says_so() {
    let t = Tree::new();
    assert_error(
        &t.run(&["check", "", "--against", "old"]),
        "an empty path names nothing",
        "give a directory",
    );
    assert_error(
        &t.run(&["check", "new", "--against", ""]),
        "an empty path names nothing",
        "give a directory",
    );
}

#[test]
fn long_identifiers_are_not_echoed_whole() {
    let t = Tree::new();
    let long = "X".repeat(200_000);
    t.write(
        "new/a.proto",
        format!("syntax = \"proto3\";\npackage a;\nmessage M {{\n  {long} x = 1;\n}}\n"),
    );
    let line = assert_error(&t.check(&[]), "new/a.proto:4:3", "is not defined");
    assert!(line.len() < 1000, "{} bytes echoed", line.len());
    // One argument may hold at most 128 KiB.
    let line = error_line(&t.check(&["--use", &long[..100_000]]));
    assert!(line.len() < 1000, "{} bytes echoed", line.len());
}

#[test]
fn corrupt_or_missing_git_index_file_is_named() {
    let t = Tree::new();
    let git = |args: &[&str]| {
        Command::new("git")
            .args(args)
            .current_dir(t.path().join("new"))
            .env("GIT_CONFIG_GLOBAL", "/dev/null")
            .output()
    };
    git(&["init", "-q"]).expect("git is needed for this test");
    git(&["add", "."]).unwrap();
    git(&[
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "commit",
        "-qm",
        "x",
    ])
    .unwrap();
    t.write("new/bad.idx", b"DIRC\0\0\0\x02\0\0\0\x01garbage");
    let run = |index: &str| {
        t.command(&["check", "new", "--staged"])
            .env("GIT_INDEX_FILE", index)
            .output()
            .unwrap()
    };
    let line = error_line(&run("new/bad.idx"));
    assert!(line.contains("corrupt or truncated"), "{line}");
    assert!(!line.contains("no longer exists"), "{line}");
    let line = error_line(&run("new/missing.idx"));
    assert!(line.contains("no such index file"), "{line}");
}

// ---------------------------------------------------------------------------------------
// Images are checked as a compiler checks its output

mod images {
    use super::*;
    use prost::Message as _;
    use prost_types::{
        field_descriptor_proto::{Label, Type},
        source_code_info::Location,
        DescriptorProto, FieldDescriptorProto, FileDescriptorProto, FileDescriptorSet,
        OneofDescriptorProto, SourceCodeInfo,
    };
    use protoguard::descriptor as pd;

    fn field(name: &str, number: i32) -> FieldDescriptorProto {
        FieldDescriptorProto {
            name: Some(name.into()),
            number: Some(number),
            label: Some(Label::Optional as i32),
            r#type: Some(Type::Int32 as i32),
            json_name: Some(name.into()),
            ..Default::default()
        }
    }

    /// `a.proto`: proto3, package `a`, `message M { int32 x = 1; }`.
    fn good() -> FileDescriptorProto {
        FileDescriptorProto {
            name: Some("a.proto".into()),
            package: Some("a".into()),
            syntax: Some("proto3".into()),
            message_type: vec![DescriptorProto {
                name: Some("M".into()),
                field: vec![field("x", 1)],
                ..Default::default()
            }],
            ..Default::default()
        }
    }

    /// Checks an image of `files` against the good one: exit 2 naming the image, the file
    /// and what is wrong.
    fn assert_rejected(files: Vec<FileDescriptorProto>, why: &[&str]) {
        let t = Tree::new();
        let image = |set: FileDescriptorSet| set.encode_to_vec();
        t.write("old.binpb", image(FileDescriptorSet { file: vec![good()] }));
        t.write("new.binpb", image(FileDescriptorSet { file: files }));
        let out = t.run(&["check", "new.binpb", "--against", "old.binpb"]);
        let line = error_line(&out);
        assert!(
            line.starts_with("protoguard: new.binpb: not a valid FileDescriptorSet image: "),
            "{line}"
        );
        for w in why {
            assert!(line.contains(w), "should mention {w:?}: {line}");
        }
    }

    fn with_field(f: FieldDescriptorProto) -> FileDescriptorProto {
        let mut file = good();
        file.message_type[0].field.push(f);
        file
    }

    #[test]
    fn good_image_passes() {
        let t = Tree::new();
        let bytes = FileDescriptorSet { file: vec![good()] }.encode_to_vec();
        t.write("old.binpb", &bytes);
        t.write("new.binpb", &bytes);
        let out = t.run(&["check", "new.binpb", "--against", "old.binpb"]);
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn reference_to_a_type_that_does_not_exist() {
        let mut f = field("n", 2);
        f.r#type = Some(Type::Message as i32);
        f.type_name = Some(".a.Nope".into());
        assert_rejected(vec![with_field(f)], &["a.proto", "field n", "Nope"]);
    }

    #[test]
    fn file_that_depends_on_itself() {
        let mut file = good();
        file.dependency.push("a.proto".into());
        assert_rejected(vec![file], &["a.proto", "depends on itself"]);
    }

    #[test]
    fn import_cycle() {
        let mut a = good();
        a.dependency.push("b.proto".into());
        let b = FileDescriptorProto {
            name: Some("b.proto".into()),
            dependency: vec!["a.proto".into()],
            syntax: Some("proto3".into()),
            ..Default::default()
        };
        assert_rejected(
            vec![a, b],
            &["import cycle", "a.proto -> b.proto -> a.proto"],
        );
    }

    #[test]
    fn missing_dependency() {
        let mut file = good();
        file.dependency.push("b.proto".into());
        assert_rejected(vec![file], &["a.proto", "imports b.proto", "does not hold"]);
    }

    #[test]
    fn field_numbers_out_of_range() {
        for n in [-1, 0, 536_870_912, 19_500] {
            assert_rejected(
                vec![with_field(field("y", n))],
                &["field a.M.y", &n.to_string()],
            );
        }
    }

    #[test]
    fn duplicate_field_numbers() {
        assert_rejected(
            vec![with_field(field("y", 1))],
            &["a.proto", "message a.M", "1"],
        );
    }

    #[test]
    fn bad_oneof_index() {
        let mut f = field("y", 2);
        f.oneof_index = Some(3);
        let mut file = with_field(f);
        file.message_type[0].oneof_decl.push(OneofDescriptorProto {
            name: Some("o".into()),
            ..Default::default()
        });
        assert_rejected(vec![file], &["field a.M.y", "oneof_index 3"]);
    }

    #[test]
    fn overlapping_reserved_ranges() {
        let mut file = good();
        let range = |start, end| prost_types::descriptor_proto::ReservedRange {
            start: Some(start),
            end: Some(end),
        };
        file.message_type[0].reserved_range = vec![range(5, 10), range(8, 12)];
        assert_rejected(
            vec![file],
            &[
                "message a.M",
                "reserved range 5 to 9 overlaps reserved range 8 to 11",
            ],
        );
    }

    #[test]
    fn unknown_syntax() {
        let mut file = good();
        file.syntax = Some("proto4".into());
        assert_rejected(vec![file], &["a.proto", "unknown syntax \"proto4\""]);
    }

    #[test]
    fn negative_source_span() {
        let mut file = good();
        file.source_code_info = Some(SourceCodeInfo {
            location: vec![Location {
                path: vec![4, 0],
                span: vec![-1, 0, 5],
                ..Default::default()
            }],
        });
        assert_rejected(vec![file], &["a.proto", "malformed span [-1, 0, 5]"]);
    }

    /// An editions file (our own descriptor model carries `edition` and `features`).
    fn editions_image(first_value: i32, features: Option<pd::FeatureSet>) -> Vec<u8> {
        pd::FileDescriptorSet {
            file: vec![pd::FileDescriptorProto {
                name: Some("e.proto".into()),
                package: Some("e".into()),
                syntax: Some("editions".into()),
                edition: Some(1000),
                enum_type: vec![pd::EnumDescriptorProto {
                    name: Some("E".into()),
                    value: vec![pd::EnumValueDescriptorProto {
                        name: Some("E_FIRST".into()),
                        number: Some(first_value),
                        ..Default::default()
                    }],
                    options: features.map(|f| pd::EnumOptions {
                        features: Some(f),
                        ..Default::default()
                    }),
                    ..Default::default()
                }],
                ..Default::default()
            }],
        }
        .encode_to_vec()
    }

    fn check_editions(bytes: Vec<u8>) -> Output {
        let t = Tree::new();
        t.write("old.binpb", editions_image(0, None));
        t.write("new.binpb", bytes);
        t.run(&["check", "new.binpb", "--against", "old.binpb"])
    }

    #[test]
    fn editions_open_enums_start_at_zero_closed_ones_need_not() {
        let line = error_line(&check_editions(editions_image(1, None)));
        assert!(
            line.contains("enum e.E: the first value of an open enum must be 0"),
            "{line}"
        );
        let closed = pd::FeatureSet {
            enum_type: Some(2),
            ..Default::default()
        };
        let out = check_editions(editions_image(1, Some(closed)));
        assert_ne!(
            out.status.code(),
            Some(2),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn unknown_feature_values_are_refused() {
        let bad = pd::FeatureSet {
            field_presence: Some(7),
            ..Default::default()
        };
        let line = error_line(&check_editions(editions_image(0, Some(bad))));
        assert!(
            line.contains("enum e.E: feature field_presence has no value 7"),
            "{line}"
        );
    }

    #[test]
    fn proto3_enum_must_start_at_zero() {
        let mut file = good();
        file.enum_type.push(prost_types::EnumDescriptorProto {
            name: Some("E".into()),
            value: vec![prost_types::EnumValueDescriptorProto {
                name: Some("E_ONE".into()),
                number: Some(1),
                ..Default::default()
            }],
            ..Default::default()
        });
        assert_rejected(vec![file], &["enum a.E", "must be 0"]);
    }
}

// ---------------------------------------------------------------------------------------
// buf.yaml says what is wrong, once, in the user's terms

mod buf_yaml {
    use super::*;

    fn with_config(yaml: &str) -> Output {
        let t = Tree::new();
        t.write("new/buf.yaml", yaml);
        t.check(&[])
    }

    #[test]
    fn unknown_keys_are_errors_at_the_key() {
        for (yaml, place, name) in [
            (
                "version: v2\nfrobnicate: 1\n",
                "new/buf.yaml:2:1",
                "frobnicate",
            ),
            (
                "version: v2\nbreaking:\n  use: [FILE]\n  frobnicate: 1\n",
                "new/buf.yaml:4:3",
                "frobnicate",
            ),
            (
                "version: v2\nmodules:\n  - path: .\n    frob: 1\n",
                "new/buf.yaml:4:5",
                "frob",
            ),
            (
                "version: v1\nbuild:\n  frob: []\n",
                "new/buf.yaml:3:3",
                "frob",
            ),
        ] {
            // buf: line N: field frobnicate not found
            assert_error(
                &with_config(yaml),
                place,
                &format!("field {name} not found"),
            );
        }
    }

    #[test]
    fn keys_buf_knows_and_protoguard_does_not_use_are_accepted() {
        let out = with_config(
            "version: v2\nname: buf.build/a/b\ndeps: [buf.build/x/y]\nlint:\n  use: [STANDARD]\n\
             modules:\n  - path: ./\n    name: buf.build/a/c\n    lint:\n      use: [MINIMAL]\n",
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }

    #[test]
    fn wrongly_typed_values_are_errors() {
        for value in ["\"yes\"", "yes", "1"] {
            let yaml = format!("version: v2\nbreaking:\n  ignore_unstable_packages: {value}\n");
            assert_error(
                &with_config(&yaml),
                "new/buf.yaml:3:29",
                "expected true or false",
            );
        }
        assert_error(
            &with_config("version: v2\nbreaking:\n  use: FILE\n"),
            "new/buf.yaml:3:8",
            "expected a list",
        );
    }

    #[test]
    fn paths_outside_the_workspace_are_refused() {
        for (yaml, why) in [
            (
                "version: v2\nmodules:\n  - path: ../../..\n",
                "invalid module path: ../../..: is outside the workspace directory",
            ),
            (
                "version: v2\nmodules:\n  - path: /etc\n",
                "invalid module path: /etc: expected to be relative",
            ),
            (
                "version: v2\nmodules:\n  - path: a/../../b\n",
                "is outside the workspace directory",
            ),
            (
                "version: v1\nbuild:\n  roots: [../..]\n",
                "invalid build root: ../..: is outside",
            ),
            (
                "version: v1\nbuild:\n  roots: [/etc]\n",
                "expected to be relative",
            ),
        ] {
            assert_error(&with_config(yaml), "new/buf.yaml:3:11", why);
        }
    }

    #[test]
    fn yaml_library_internals_do_not_leak() {
        let bomb = {
            // A billion laughs: nine anchors, each ten aliases of the one before.
            let mut s = String::from("version: v2\nlint:\n    a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
            for i in 1..9 {
                let aliases = vec![format!("*a{}", i - 1); 10].join(",");
                s.push_str(&format!("    a{i}: &a{i} [{aliases}]\n"));
            }
            s
        };
        for (yaml, place, why) in [
            (
                "version: v2\nbreaking:\n  use: {a: 1}\n",
                "new/buf.yaml:3:8",
                "expected a list",
            ),
            (
                "version: v2\n---\nversion: v1\n",
                "new/buf.yaml:3:1",
                "more than one YAML document",
            ),
            (
                "version: v2\nbreaking: &a\n  use: *a\n",
                "new/buf.yaml:3:8",
                "refers to the node that contains it",
            ),
            ("- a\n- b\n", "new/buf.yaml:1:1", "expected a mapping"),
            (
                "version: v2\nbreaking:\n  use: [[FILE]]\n",
                "new/buf.yaml:3:9",
                "expected a string",
            ),
            (
                bomb.as_str(),
                "new/buf.yaml:3:30",
                "too large once its aliases are expanded",
            ),
        ] {
            let line = assert_error(&with_config(yaml), place, why);
            for internal in [
                "event",
                "from_multiple",
                "weak recursion",
                "budget",
                "Nodes {",
                " at line ",
            ] {
                assert!(!line.contains(internal), "{internal:?} leaks: {line}");
            }
        }
    }
}
