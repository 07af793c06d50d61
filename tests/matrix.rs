//! The rule x fixture matrix: every rule buf has, all at once, on every fixture, compared
//! with buf's own findings under the same rules (`proto_fixtures/<id>/all_rules.json`, from
//! `scripts/buf-expected.sh`). A fixture is written for one rule; here every other rule
//! reads it too, so a false positive (or a miss) of any rule on any case shows, named by
//! fixture. Each fixture runs compiling everything and compiling only what can differ, and
//! an image fixture also from its sources.
//!
//! protoguard's history rules are not in the matrix: they read earlier releases, which buf
//! does not, so buf has no findings to compare them with (tests/fixtures.rs checks them
//! against hand-written expectations).

#[macro_use]
mod common;

use common::fixtures::{self as fx, Run};
use protoguard::source::Mode;

fn check_all_rules(id: &str) {
    let dir = fx::fixtures_dir().join(id);
    let rules = fx::matrix_rules();
    let expected = fx::expected(&dir, "all_rules.json");
    let mut failures = Vec::new();
    for form in fx::forms(&dir) {
        for mode in [Mode::Full, Mode::Planned] {
            let run = Run {
                sides: &dir,
                mode,
                form,
                rules: &rules,
                ledger: None,
            };
            if let Err(e) = fx::findings(&run).and_then(|ours| fx::compare(&ours, &expected)) {
                failures.push(format!("{id} ({mode:?}, {form:?}): {e}"));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} run(s) with every rule differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// One `#[test]` per fixture. A fixture where protoguard is known to differ from buf gets
/// its own arm, `#[ignore]`d with the difference said (`cargo test --test matrix --
/// --ignored` shows it), until the rules are fixed.
macro_rules! matrix_test {
    (extension_no_delete) => {
        #[test]
        #[ignore = "buf also reports FILE_NO_DELETE and PACKAGE_NO_DELETE (no path, 1:1) for \
                    google/protobuf/descriptor.proto, imported by the old side only; protoguard \
                    does not report a well-known import that is no longer imported"]
        fn extension_no_delete() {
            check_all_rules("extension_no_delete");
        }
    };
    ($id:ident) => {
        #[test]
        fn $id() {
            check_all_rules(stringify!($id));
        }
    };
}

macro_rules! matrix {
    ($($id:ident),* $(,)?) => {
        const LISTED: &[&str] = &[$(stringify!($id)),*];
        $(matrix_test!($id);)*
    };
}

for_each_fixture!(matrix);

#[test]
fn every_fixture_directory_is_in_the_matrix() {
    let on_disk = fx::fixture_ids();
    assert_eq!(
        LISTED.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
        on_disk,
        "tests/common/fixture_list.rs must list every directory of proto_fixtures/"
    );
}

/// The matrix's rules are every rule of the catalogue that buf has: all but the history ones
/// and those only in protoguard's own categories (GOOGLE_API...). A rule added without
/// regenerating the matrix (scripts/buf-expected.sh) fails here.
#[test]
fn the_matrix_runs_every_rule_buf_has() {
    const BUF_CATEGORIES: &[&str] = &["FILE", "PACKAGE", "WIRE_JSON", "WIRE"];
    let mut catalogue: Vec<String> = protoguard::catalog::all()
        .iter()
        .filter(|d| {
            d.categories.is_empty()
                || d.categories
                    .iter()
                    .any(|c| BUF_CATEGORIES.contains(&c.as_str()))
        })
        .map(|d| d.id.to_string())
        .filter(|id| !fx::HISTORY_RULES.contains(&id.as_str()))
        .collect();
    catalogue.sort();
    assert_eq!(fx::matrix_rules(), catalogue);
}

/// The stored matrix is what buf says today: buf 1.75 run live on every fixture with every
/// rule must give `all_rules.json` (a fixture edited without running scripts/buf-expected.sh
/// fails here). Needs buf, so it runs only when asked.
#[test]
#[ignore = "runs buf 1.75 (npm's @bufbuild/buf): cargo test --test matrix -- --ignored"]
fn the_stored_matrix_is_what_buf_says() {
    let buf = common::buf().expect("buf 1.75 on PATH or in node_modules/.bin");
    let rules: Vec<String> = fx::matrix_rules()
        .iter()
        .map(|r| format!("\"{r}\""))
        .collect();
    let config = format!(
        "{{\"version\":\"v2\",\"breaking\":{{\"use\":[{}]}}}}",
        rules.join(",")
    );
    let mut stale = Vec::new();
    for id in fx::fixture_ids() {
        let dir = fx::fixtures_dir().join(&id);
        let (cwd, new, old) = if dir.join("new.binpb").is_file() {
            (dir.clone(), "new.binpb", "old.binpb")
        } else {
            (dir.join("new"), ".", "../old")
        };
        let out = std::process::Command::new(&buf)
            .args(["breaking", new, "--against", old, "--config", &config])
            .args(["--error-format", "json"])
            .current_dir(&cwd)
            .output()
            .expect("run buf");
        assert!(
            matches!(out.status.code(), Some(0 | 100)),
            "{id}: buf failed: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        let mut live: Vec<String> = String::from_utf8_lossy(&out.stdout)
            .lines()
            .filter(|l| !l.trim().is_empty())
            .map(|l| fx::canonical(&serde_json::from_str(l).unwrap()))
            .collect();
        live.sort();
        if let Err(e) = fx::compare(&fx::expected(&dir, "all_rules.json"), &live) {
            stale.push(format!("{id}: {e}"));
        }
    }
    assert!(
        stale.is_empty(),
        "all_rules.json differs from buf (run scripts/buf-expected.sh):\n{}",
        stale.join("\n")
    );
}
