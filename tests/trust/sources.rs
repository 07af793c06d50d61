//! Crashes, hangs, silent passes and unclear answers on `.proto` trees and command lines.

use std::process::Command;

use super::support::*;

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
    // Keys recorded (20 bytes each, in batch files), and batch files.
    let remembered = || -> (u64, usize) {
        let files: Vec<_> = std::fs::read_dir(&verified)
            .map(|d| d.flatten().collect())
            .unwrap_or_default();
        let bytes = files
            .iter()
            .map(|f| f.metadata().unwrap().len())
            .sum::<u64>();
        (bytes / 20, files.len())
    };
    // a.proto and b.proto are unchanged (c.proto changed): two closures compiled, recorded
    // in one batch.
    assert_eq!(remembered(), (2, 1), "under {}", verified.display());
    // The second run finds both: nothing more to record.
    assert_eq!(t.check(&[]).status.code(), Some(0));
    assert_eq!(remembered(), (2, 1), "under {}", verified.display());
}

#[test]
fn file_headers_are_remembered_and_a_damaged_memory_is_ignored() {
    let t = Tree::new();
    t.both(
        "a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {}\n",
    );
    t.write(
        "old/c.proto",
        "syntax = \"proto3\";\npackage a;\nmessage C {}\n",
    );
    t.write(
        "new/c.proto",
        "syntax = \"proto3\";\npackage a;\nmessage C { int32 y = 1; }\n",
    );
    let first = t.check(&[]);
    assert_eq!(first.status.code(), Some(0));
    let headers = t.cache.path().join("protoguard/headers");
    let batches = || -> Vec<std::path::PathBuf> {
        let mut b: Vec<_> = std::fs::read_dir(&headers)
            .map(|d| d.flatten().map(|e| e.path()).collect())
            .unwrap_or_default();
        b.sort();
        b
    };
    // Three contents scanned (a.proto once, c.proto twice): one batch.
    assert_eq!(batches().len(), 1, "under {}", headers.display());
    // Nothing new the second time.
    assert_eq!(t.check(&[]).stdout, first.stdout);
    assert_eq!(batches().len(), 1);
    // A truncated batch is not read but removed: everything is scanned again, with the
    // same verdict, into a new batch.
    let damaged = &batches()[0];
    let bytes = std::fs::read(damaged).unwrap();
    std::fs::write(damaged, &bytes[..bytes.len() - 3]).unwrap();
    let again = t.check(&[]);
    assert_eq!((again.status.code(), again.stdout), (Some(0), first.stdout));
    // One whole batch again (named by its content, so possibly the damaged one's name).
    let now = batches();
    assert_eq!(now.len(), 1);
    assert_eq!(std::fs::read(&now[0]).unwrap().len(), bytes.len());
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

/// The fuzz run found that protox's checker (through prost-reflect) panics on two
/// extensions of one options message that share a number when one of them is used: the run
/// crashed with exit 101. A schema the compiler cannot judge is an error naming the file.
#[test]
fn a_panic_inside_the_compiler_is_a_located_error() {
    let t = Tree::new();
    t.both(
        "opts.proto",
        "syntax = \"proto2\";\npackage o;\nimport \"google/protobuf/descriptor.proto\";\n\
         message Agg { optional int32 n = 1; }\n\
         extend google.protobuf.FieldOptions {\n  optional Agg agg = 50001;\n  optional int32 level = 50001;\n}\n",
    );
    t.both(
        "a.proto",
        "syntax = \"proto2\";\npackage a;\nimport \"opts.proto\";\n\
         message A { optional int32 x = 1 [(o.level) = 3]; }\n",
    );
    for extra in [&[][..], &["--full"][..]] {
        let out = t.check(extra);
        assert_eq!(
            out.status.code(),
            Some(2),
            "{extra:?}: {}",
            error_line(&out)
        );
        assert!(error_line(&out).contains("a.proto"), "{}", error_line(&out));
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(!stderr.contains("panicked"), "{stderr}");
    }
}

/// The fuzz run found compile errors that named only the file: a file that ends inside a
/// message, and an undefined map value type. Both are `path:line:col` now (the map value
/// where buf points, the early end at the end of the file).
#[test]
fn errors_without_a_compiler_position_are_still_located() {
    let t = Tree::new();
    t.write(
        "old/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage A { int32 x = 1; }\n",
    );
    t.write(
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage A { int32 x = 1;\n",
    );
    assert_error(&t.check(&[]), "new/a.proto:3:25", "reached end of file");
    t.write(
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\n// Missing here is a comment\nmessage A { map<string, Missing> m = 2; }\n",
    );
    assert_error(
        &t.check(&[]),
        "new/a.proto:4:25",
        "'Missing' is not defined",
    );
}

/// The bound on option nesting holds for editions files too, which protoc compiles: protoc
/// itself aborted on them ("Check failed: dynamic_message->ParseFromString").
#[test]
fn deeply_nested_option_value_in_an_editions_file_is_a_located_error() {
    let t = Tree::new();
    let deep = nested_option(1100)
        .replace("syntax = \"proto2\";", "edition = \"2023\";")
        .replace("optional ", "");
    t.both("deep.proto", &deep);
    for extra in [&[][..], &["--full"][..]] {
        assert_error(
            &t.check(extra),
            "old/deep.proto:5:526",
            "expression nesting depth must be at most 100",
        );
    }
}

/// Found by the fuzz run: in a side holding an editions file, `--full` compiled everything
/// with protoc while planned mode compiled the changed proto3 files with protox, and the
/// two compilers do not refuse the same schemas (protox lets a proto3 MessageSet through).
/// Every compile of a side with an editions file goes to protoc: the verdicts agree.
#[test]
fn a_side_with_an_editions_file_is_compiled_by_one_compiler() {
    let t = Tree::new();
    t.both(
        "ed.proto",
        "edition = \"2023\";\npackage e;\nmessage E { int32 x = 1; }\n",
    );
    t.write(
        "old/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  string x = 1;\n}\n",
    );
    t.write(
        "new/a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  option message_set_wire_format = true;\n  string x = 1;\n}\n",
    );
    let out = assert_same_as_full(&t, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", error_line(&out));
    assert!(
        error_line(&out).contains("new/a.proto"),
        "{}",
        error_line(&out)
    );
}

/// An undefined type named fully qualified in the error is found by its short name too.
#[test]
fn an_undefined_map_value_is_located_by_its_short_name() {
    let t = Tree::new();
    t.write(
        "old/a.proto",
        "syntax = \"proto3\";\npackage a.b;\nmessage A { int32 x = 1; }\n",
    );
    t.write(
        "new/a.proto",
        "syntax = \"proto3\";\npackage a.b;\nmessage A { map<string, Kind> m = 2; }\n",
    );
    assert_error(&t.check(&[]), "new/a.proto:3:25", "is not defined");
}

/// protoc gives no position for a field number in 19000-19999 (found by the fuzz run on an
/// editions tree): the error points at the number, where buf points (`a.proto:5:13`).
#[test]
fn a_reserved_field_number_in_an_editions_file_is_located() {
    let t = Tree::new();
    t.write(
        "old/a.proto",
        "edition = \"2023\";\npackage r;\nmessage M { int32 a = 1; }\n",
    );
    t.write(
        "new/a.proto",
        "edition = \"2023\";\npackage r;\nmessage M {\n  int32 a = 1;\n  int32 b = 19001;\n}\n",
    );
    assert_error(
        &t.check(&[]),
        "new/a.proto:5:13",
        "Field numbers 19000 through 19999",
    );
}

/// protoc names the closed enum a proto3 message uses but gives no position (found by the
/// fuzz run): the error points at its use, where buf points (`p.proto:6:3`).
#[test]
fn a_closed_enum_in_a_proto3_message_is_located_at_its_use() {
    let t = Tree::new();
    t.both(
        "c.proto",
        "edition = \"2023\";\npackage e;\nenum C { option features.enum_type = CLOSED; C_A = 0; }\n",
    );
    t.write(
        "old/p.proto",
        "syntax = \"proto3\";\npackage p;\nimport \"c.proto\";\nmessage M { int32 x = 1; }\n",
    );
    t.write(
        "new/p.proto",
        "syntax = \"proto3\";\npackage p;\nimport \"c.proto\";\nmessage M {\n  int32 x = 1;\n  e.C c = 2;\n}\n",
    );
    assert_error(&t.check(&[]), "new/p.proto:6:3", "is not an open enum");
}

/// An unchanged file is verified under each compiler that judges a side: here the new side
/// gains an editions file (protoc), the old one has none (protox), and protox lets a proto3
/// MessageSet through where protoc refuses it, as `--full` does on the new side.
#[test]
fn an_unchanged_file_is_verified_by_both_compilers_when_the_sides_differ() {
    let t = Tree::new();
    t.both(
        "a.proto",
        "syntax = \"proto3\";\npackage a;\nmessage M {\n  option message_set_wire_format = true;\n  string x = 1;\n}\n",
    );
    t.write(
        "new/ed.proto",
        "edition = \"2023\";\npackage e;\nmessage E { int32 x = 1; }\n",
    );
    let out = assert_same_as_full(&t, &[]);
    assert_eq!(out.status.code(), Some(2), "{}", error_line(&out));
}
