//! The binary under test, run in a temporary tree with its own cache, and assertions on
//! its one-line errors.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::Duration;

use tempfile::TempDir;

use crate::common;

pub const GOOD: &str = "syntax = \"proto3\";\npackage a;\nmessage M {\n  int32 x = 1;\n}\n";

pub struct Tree {
    dir: TempDir,
    pub cache: TempDir,
}

impl Tree {
    /// `old/a.proto` and `new/a.proto`, both [`GOOD`].
    pub fn new() -> Tree {
        let t = Tree {
            dir: tempfile::tempdir().expect("tempdir"),
            cache: tempfile::tempdir().expect("tempdir"),
        };
        t.write("old/a.proto", GOOD);
        t.write("new/a.proto", GOOD);
        t
    }

    pub fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes the same file on both sides.
    pub fn both(&self, rel: &str, contents: &str) {
        self.write(&format!("old/{rel}"), contents);
        self.write(&format!("new/{rel}"), contents);
    }

    pub fn write(&self, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        common::write(self.path(), rel, contents)
    }

    pub fn command(&self, args: &[&str]) -> Command {
        common::protoguard_command(self.path(), self.cache.path(), args)
    }

    /// Runs protoguard, killing it (and failing) if it takes more than 60 seconds.
    pub fn run(&self, args: &[&str]) -> Output {
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

    pub fn check(&self, extra: &[&str]) -> Output {
        let mut args = vec!["check", "new", "--against", "old"];
        args.extend_from_slice(extra);
        self.run(&args)
    }
}

/// Exit code 2, nothing on stdout, no panic or abort, and one stderr line, returned.
pub fn error_line(out: &Output) -> String {
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
pub fn assert_error(out: &Output, place: &str, why: &str) -> String {
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
pub fn assert_same_as_full(t: &Tree, extra: &[&str]) -> Output {
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
pub fn nested_option(levels: usize) -> String {
    format!(
        "syntax = \"proto2\";\nimport \"google/protobuf/descriptor.proto\";\n\
         message R {{ optional R r = 1; }}\n\
         extend google.protobuf.MessageOptions {{ optional R o = 50000; }}\n\
         message M {{ option (o) = {}{{}}{}; }}\n",
        "{ r: ".repeat(levels - 1),
        " }".repeat(levels - 1)
    )
}
