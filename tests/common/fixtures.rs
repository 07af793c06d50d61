//! Running protoguard on `proto_fixtures/<id>/` and comparing with buf's findings there.
//!
//! A fixture holds `old/` and `new/` (or the images `old.binpb`/`new.binpb`, with their
//! sources in `src_old/`/`src_new/`), the rules it is about (`use.txt`, else its name), and
//! buf's findings: `expected.json` for those rules, `all_rules.json` for every buf rule
//! (both written by `scripts/buf-expected.sh`). Lists are compared sorted, duplicates kept.

use std::path::{Path, PathBuf};

use protoguard::source::Mode;
use protoguard::{config, IgnoreRules, Input, LoadOptions, Policy, Schema};

/// protoguard's own rules, which buf does not have: they read the history of releases.
pub const HISTORY_RULES: [&str; 4] = [
    "ENUM_VALUE_NAME_REUSED",
    "ENUM_VALUE_NUMBER_REUSED",
    "FIELD_NAME_REUSED",
    "FIELD_NUMBER_REUSED",
];

pub fn fixtures_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("proto_fixtures")
}

/// Every fixture directory's name, sorted.
pub fn fixture_ids() -> Vec<String> {
    let mut ids: Vec<String> = std::fs::read_dir(fixtures_dir())
        .unwrap()
        .filter_map(Result::ok)
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    ids.sort();
    ids
}

/// The rules a fixture is about: `use.txt` if present, else the rule it is named after.
pub fn rules_of(dir: &Path) -> Vec<String> {
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

/// The rules of the matrix: every rule buf has, as `scripts/buf-expected.sh` gave them to buf
/// (`proto_fixtures/all_rules.txt`).
pub fn matrix_rules() -> Vec<String> {
    std::fs::read_to_string(fixtures_dir().join("all_rules.txt"))
        .expect("proto_fixtures/all_rules.txt (scripts/buf-expected.sh writes it)")
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(str::to_string)
        .collect()
}

/// How a fixture's two sides are read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Form {
    /// `old.binpb`/`new.binpb` when present, else the `old/`/`new/` directories.
    AsGiven,
    /// The `src_old/`/`src_new/` sources of an image fixture, compiled by protoguard.
    Sources,
}

impl Form {
    /// The directory (relative to the fixture) that is the new side's root, for paths.
    fn new_root(self) -> &'static str {
        match self {
            Form::AsGiven => "new",
            Form::Sources => "src_new",
        }
    }
}

/// The forms a fixture is read in: as given, and from its sources when it is an image
/// fixture that keeps them.
pub fn forms(dir: &Path) -> Vec<Form> {
    let has_sources = dir.join("new.binpb").is_file()
        && dir.join("src_old").is_dir()
        && dir.join("src_new").is_dir();
    if has_sources {
        vec![Form::AsGiven, Form::Sources]
    } else {
        vec![Form::AsGiven]
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
/// Loads a fixture's sides as `Check::load` does: a planned load that would leave a finding
/// in a file compiled without source info is done again with every file's source info.
fn load(
    dir: &Path,
    mode: Mode,
    form: Form,
    ledger: Option<&protoguard::history::Ledger>,
) -> Result<(Schema, Schema), String> {
    let opts = LoadOptions::default();
    let (old, new) = (input(dir, "old", form), input(dir, "new", form));
    let failed =
        |e: protoguard::LoadError| format!("{} ({form:?}) does not load: {e:?}", dir.display());
    let loaded = Schema::load_pair((&old, &opts), (&new, &opts), mode).map_err(failed)?;
    protoguard::located((&old, &opts), (&new, &opts), loaded, ledger).map_err(failed)
}

/// The ledger of a fixture's `history/<label>/` releases, oldest first by version.
pub fn history(dir: &Path) -> Option<protoguard::history::Ledger> {
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
pub fn canonical(v: &serde_json::Value) -> String {
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

/// What one run is: the sides (the fixture, or a copy of it), how they are read and compiled,
/// and the rules (as IDs or categories) with the ledger they run with.
pub struct Run<'a> {
    pub sides: &'a Path,
    pub mode: Mode,
    pub form: Form,
    pub rules: &'a [String],
    pub ledger: Option<&'a protoguard::history::Ledger>,
}

/// protoguard's findings, canonical and sorted (duplicates kept).
pub fn findings(run: &Run) -> Result<Vec<String>, String> {
    let rules = config::resolve_rules(run.rules, &[]).map_err(|e| e.to_string())?;
    let (old, new) = load(run.sides, run.mode, run.form, run.ledger)?;
    let policy = Policy::single(rules, IgnoreRules::default());
    let annotations = protoguard::check_with_history(&old, &new, &policy, run.ledger);
    let prefix = format!("{}/", run.sides.join(run.form.new_root()).display());
    let mut ours: Vec<String> = annotations
        .iter()
        .map(|a| {
            let mut v = serde_json::to_value(a).unwrap();
            if let Some(p) = a.path.as_deref() {
                v["path"] = p.strip_prefix(&prefix).unwrap_or(p).into();
            }
            canonical(&v)
        })
        .collect();
    ours.sort();
    Ok(ours)
}

/// buf's findings from `dir/file`, canonical and sorted (duplicates kept).
pub fn expected(dir: &Path, file: &str) -> Vec<String> {
    let path = dir.join(file);
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (scripts/buf-expected.sh)", path.display()));
    let mut lines: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| canonical(&serde_json::from_str(l).unwrap()))
        .collect();
    lines.sort();
    lines
}

/// Equal sorted lists, or what is missing and what is extra (each once per occurrence).
pub fn compare(ours: &[String], expected: &[String]) -> Result<(), String> {
    if ours == expected {
        return Ok(());
    }
    let mut missing = expected.to_vec();
    let mut extra = Vec::new();
    for line in ours {
        match missing.iter().position(|m| m == line) {
            Some(i) => {
                missing.remove(i);
            }
            None => extra.push(line.clone()),
        }
    }
    Err(format!(
        "\n  missing (buf reports, we do not):\n    {}\n  extra (we report, buf does not):\n    {}",
        missing.join("\n    "),
        extra.join("\n    ")
    ))
}

/// An editions file that nothing imports: added to a proto2/proto3 side, it sends that side
/// through protoc instead of protox.
pub const NEIGHBOUR: &str =
    "edition = \"2023\";\npackage protoguard.test.neighbour;\nmessage Neighbour {}\n";

pub fn copy_dir(from: &Path, to: &Path) {
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

/// Whether a fixture is proto2/proto3 sources only (no image, no editions file on its new
/// side, no history): it can be sent through protoc with [`NEIGHBOUR`].
pub fn protox_only_sources(dir: &Path) -> bool {
    dir.join("old").is_dir()
        && dir.join("new").is_dir()
        && !dir.join("history").exists()
        && !protoguard::compile::find_protos(&dir.join("new"), &[])
            .unwrap()
            .iter()
            .any(|f| {
                std::fs::read_to_string(dir.join("new").join(f))
                    .unwrap()
                    .contains("edition")
            })
}

/// A copy of the fixture's sides with [`NEIGHBOUR`] added to the new one.
pub fn with_editions_neighbour(dir: &Path) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    copy_dir(&dir.join("old"), &tmp.path().join("old"));
    copy_dir(&dir.join("new"), &tmp.path().join("new"));
    std::fs::write(
        tmp.path().join("new/zz_editions_neighbour.proto"),
        NEIGHBOUR,
    )
    .unwrap();
    tmp
}
