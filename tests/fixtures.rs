//! Every `proto_fixtures/<case>/` is checked with the rules its name (or `use.txt`) selects,
//! and the findings must equal `expected.json`, which holds buf's own findings on the case
//! (regenerated with `scripts/buf-expected.sh`). Nothing may be reported in a `near_miss*`
//! file. Each fixture runs twice: compiling everything, and compiling only the files that
//! can differ (the default); both must give buf's findings. A fixture given as images
//! (`old.binpb`/`new.binpb`, e.g. the editions ones) that keeps its sources in
//! `src_old/`/`src_new/` also runs from those sources, compiled by protoguard, and must give
//! the same findings as from the images. Every proto2/proto3 source fixture also runs with an
//! editions file added to its new side, which sends that side through protoc instead of
//! protox: the findings must not change.
//!
//! A fixture with `history/<label>/` directories (the history rules, which buf does not
//! have) is checked with a ledger of those releases, oldest first by version; its
//! `expected.json` is written by hand in buf's format.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use protoguard::source::Mode;
use protoguard::{config, IgnoreRules, Input, LoadOptions, Policy, Schema};

fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto_fixtures")
}

/// The rules a fixture runs: `use.txt` if present, else the rule its directory is named after.
fn rules_of(dir: &Path) -> Vec<String> {
    match std::fs::read_to_string(dir.join("use.txt")) {
        Ok(text) => text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty())
            .map(str::to_string)
            .collect(),
        Err(_) => vec![dir
            .file_name()
            .unwrap()
            .to_string_lossy()
            .to_ascii_uppercase()],
    }
}

/// How a fixture's two sides are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Form {
    /// `old.binpb`/`new.binpb` when present, else the `old/`/`new/` directories.
    AsGiven,
    /// The `src_old/`/`src_new/` sources of an image fixture, compiled by protoguard.
    Sources,
}

/// The directory (relative to the fixture) that is the new side's root, for paths.
fn new_root(form: Form) -> &'static str {
    match form {
        Form::AsGiven => "new",
        Form::Sources => "src_new",
    }
}

fn input(dir: &Path, side: &str, form: Form) -> Input {
    let image = dir.join(format!("{side}.binpb"));
    match form {
        Form::Sources => Input::Dir(dir.join(format!("src_{side}"))),
        Form::AsGiven if image.is_file() => Input::Image(image),
        Form::AsGiven => Input::Dir(dir.join(side)),
    }
}

/// Both sides, compiling everything (`Mode::Full`) or only what can differ.
fn load(dir: &Path, mode: Mode, form: Form) -> (Schema, Schema) {
    let opts = LoadOptions::default();
    Schema::load_pair(
        (&input(dir, "old", form), &opts),
        (&input(dir, "new", form), &opts),
        mode,
    )
    .unwrap_or_else(|e| panic!("{} ({form:?}): {e:?}", dir.display()))
}

/// The ledger of a fixture's `history/<label>/` releases, if it has any.
fn history(dir: &Path) -> Option<protoguard::history::Ledger> {
    let root = dir.join("history");
    let mut releases: Vec<(String, PathBuf)> = std::fs::read_dir(&root)
        .ok()?
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| (e.file_name().to_string_lossy().to_string(), e.path()))
        .collect();
    let version =
        |l: &str| semver::Version::parse(l.trim_start_matches(|c: char| !c.is_ascii_digit())).ok();
    releases.sort_by(|a, b| version(&a.0).cmp(&version(&b.0)).then(a.0.cmp(&b.0)));
    Some(
        protoguard::history::from_dirs(&releases)
            .unwrap_or_else(|e| panic!("{}: {e:?}", root.display())),
    )
}

/// buf's JSON keys only, as a canonical string.
fn canonical(v: &serde_json::Value) -> String {
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
    serde_json::Value::Object(m).to_string()
}

/// Checks the fixture `dir` (rules, expectation, history) on the sides found under `sides`
/// (the fixture itself, or a copy of it).
fn run_fixture(dir: &Path, sides: &Path, mode: Mode, form: Form) -> Result<(), String> {
    let rules = rules_of(dir);
    let rules = config::resolve_rules(&rules, &[]).map_err(|e| e.to_string())?;
    let (old, new) = load(sides, mode, form);
    let ledger = history(dir);
    let policy = Policy::single(rules, IgnoreRules::default());
    let annotations = protoguard::check_with_history(&old, &new, &policy, ledger.as_ref());
    let prefix = format!("{}/", sides.join(new_root(form)).display());
    let ours: BTreeSet<String> = annotations
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap();
            if let Some(p) = a.path.as_deref() {
                v["path"] = p.strip_prefix(&prefix).unwrap_or(p).into();
            }
            canonical(&v)
        })
        .collect();
    let expected_text =
        std::fs::read_to_string(dir.join("expected.json")).map_err(|e| e.to_string())?;
    let expected: BTreeSet<String> = expected_text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| canonical(&serde_json::from_str(l).unwrap()))
        .collect();
    if let Some(bad) = ours.iter().find(|l| l.contains("near_miss")) {
        return Err(format!("finding in a near miss: {bad}"));
    }
    if ours != expected {
        let missing: Vec<_> = expected.difference(&ours).collect();
        let extra: Vec<_> = ours.difference(&expected).collect();
        return Err(format!(
            "\n  missing (buf reports, we do not):\n    {}\n  extra (we report, buf does not):\n    {}",
            missing.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n    "),
            extra.iter().map(|s| s.as_str()).collect::<Vec<_>>().join("\n    ")
        ));
    }
    Ok(())
}

#[test]
fn every_fixture_matches_buf() {
    let mut dirs: Vec<PathBuf> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.is_dir())
        .collect();
    dirs.sort();
    assert!(
        dirs.len() >= 65,
        "expected a fixture per rule, found {}",
        dirs.len()
    );
    let only = std::env::var("FIXTURE").ok();
    let mut failures = Vec::new();
    for dir in &dirs {
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        if only.as_deref().is_some_and(|o| o != name) {
            continue;
        }
        let has_sources = dir.join("new.binpb").is_file()
            && dir.join("src_old").is_dir()
            && dir.join("src_new").is_dir();
        let forms: &[Form] = if has_sources {
            &[Form::AsGiven, Form::Sources]
        } else {
            &[Form::AsGiven]
        };
        for &form in forms {
            for mode in [Mode::Full, Mode::Planned] {
                if let Err(e) = run_fixture(dir, dir, mode, form) {
                    failures.push(format!("{name} ({mode:?}, {form:?}): {e}"));
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ from buf:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

/// An editions file that nothing imports, for [`proto2_proto3_fixtures_through_protoc`].
const NEIGHBOUR: &str =
    "edition = \"2023\";\npackage protoguard.test.neighbour;\nmessage Neighbour {}\n";

fn copy_dir(from: &Path, to: &Path) {
    for entry in walkdir::WalkDir::new(from) {
        let entry = entry.unwrap();
        let target = to.join(entry.path().strip_prefix(from).unwrap());
        if entry.file_type().is_dir() {
            std::fs::create_dir_all(&target).unwrap();
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// A side holding one editions file is compiled by protoc (src/protoc.rs), the other side,
/// proto2/proto3 only, by protox. Every proto2/proto3 source fixture, with an editions file
/// added to its new side only, must still give buf's findings: both compilers read the same
/// files the same way (descriptors, spans, comments, defaults).
#[test]
fn proto2_proto3_fixtures_through_protoc() {
    let mut checked = 0;
    let mut failures = Vec::new();
    let only = std::env::var("FIXTURE").ok();
    for entry in std::fs::read_dir(fixtures_dir()).unwrap() {
        let dir = entry.unwrap().path();
        let name = dir.file_name().unwrap().to_string_lossy().to_string();
        let sources = [dir.join("old"), dir.join("new")];
        if only.as_deref().is_some_and(|o| o != name)
            || dir.join("history").exists()
            || !sources.iter().all(|d| d.is_dir())
            || protoguard::compile::find_protos(&dir.join("new"), &[])
                .unwrap()
                .iter()
                .any(|f| {
                    std::fs::read_to_string(dir.join("new").join(f))
                        .unwrap()
                        .contains("edition")
                })
        {
            continue;
        }
        let tmp = tempfile::tempdir().unwrap();
        copy_dir(&dir.join("old"), &tmp.path().join("old"));
        copy_dir(&dir.join("new"), &tmp.path().join("new"));
        std::fs::write(
            tmp.path().join("new/zz_editions_neighbour.proto"),
            NEIGHBOUR,
        )
        .unwrap();
        for mode in [Mode::Full, Mode::Planned] {
            if let Err(e) = run_fixture(&dir, tmp.path(), mode, Form::AsGiven) {
                failures.push(format!("{name} ({mode:?}, new side through protoc): {e}"));
            }
        }
        checked += 1;
    }
    assert!(
        only.is_some() || checked >= 60,
        "only {checked} fixtures checked"
    );
    assert!(
        failures.is_empty(),
        "{} fixture(s) differ from buf when one side is compiled by protoc:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
