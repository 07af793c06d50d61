//! Planned loads compile the files that only an import made dirty without source info
//! (`Schema::spanless`). These tests hold the guarantee that makes that safe: every finding
//! is located exactly as a full load locates it, including a finding another file's change
//! places inside such a file, and a file whose names resolve differently after the change.

use std::path::Path;

use protoguard::source::Mode;
use protoguard::{Check, Input, LoadOptions, OutputFormat, Schema};

/// Writes `files` (name, text) under `dir`.
fn write(dir: &Path, files: &[(&str, &str)]) {
    for (name, text) in files {
        let path = dir.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }
}

/// A temporary directory with `old/` and `new/` written from the two lists.
fn sides(old: &[(&str, &str)], new: &[(&str, &str)]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("old"), old);
    write(&dir.path().join("new"), new);
    dir
}

/// The JSON findings of `rule` on the two sides, planned or `--full`.
fn findings(dir: &Path, rule: &str, full: bool) -> String {
    Check::new(dir.join("new").display().to_string())
        .against(dir.join("old").display().to_string())
        .use_rules([rule])
        .full(full)
        .run()
        .unwrap()
        .render(OutputFormat::Json)
}

/// `rule`'s planned findings hold `place` (a JSON fragment: path, line, column) and equal
/// `--full`'s.
fn located_as_full(dir: &Path, rule: &str, place: &str) {
    let planned = findings(dir, rule, false);
    assert!(planned.contains(place), "{rule}: {planned}");
    assert_eq!(planned, findings(dir, rule, true), "{rule}");
}

/// Both sides loaded in planned mode, without the check that reloads them.
fn planned(dir: &Path) -> (Schema, Schema) {
    let opts = LoadOptions::default();
    let input = |side: &str| Input::Dir(dir.join(side));
    Schema::load_pair(
        (&input("old"), &opts),
        (&input("new"), &opts),
        Mode::Planned,
    )
    .unwrap()
}

const IMPORTER: &str = "syntax = \"proto2\";\npackage p;\nimport \"e.proto\";\n\nmessage R {\n  optional E e = 1;\n}\n";

#[test]
fn a_finding_another_file_places_in_a_spanless_file_is_located() {
    // Reordering E's values changes the default of R.e, a field of the importer, whose
    // own text did not change.
    let dir = sides(
        &[
            (
                "e.proto",
                "syntax = \"proto2\";\npackage p;\nenum E {\n  A = 1;\n  B = 2;\n}\n",
            ),
            ("r.proto", IMPORTER),
        ],
        &[
            (
                "e.proto",
                "syntax = \"proto2\";\npackage p;\nenum E {\n  B = 2;\n  A = 1;\n}\n",
            ),
            ("r.proto", IMPORTER),
        ],
    );
    let (old, new) = planned(dir.path());
    assert_eq!(new.spanless.iter().collect::<Vec<_>>(), ["r.proto"]);
    assert!(protoguard::spans_missing(&old, &new, None));
    located_as_full(
        dir.path(),
        "FIELD_SAME_DEFAULT",
        "r.proto\",\"start_line\":6,\"start_column\":3",
    );
}

#[test]
fn an_importer_whose_names_resolve_differently_keeps_its_spans() {
    // `Foo` in package a.b meant a.Foo; the new f.proto declares a.b.Foo, nearer.
    let r = "syntax = \"proto3\";\npackage a.b;\nimport \"f.proto\";\nimport \"g.proto\";\n\nmessage R {\n  Foo foo = 1;\n}\n";
    let g = "syntax = \"proto3\";\npackage a;\nmessage Foo {}\n";
    let dir = sides(
        &[
            (
                "f.proto",
                "syntax = \"proto3\";\npackage a.b;\nmessage Other {}\n",
            ),
            ("g.proto", g),
            ("r.proto", r),
        ],
        &[
            (
                "f.proto",
                "syntax = \"proto3\";\npackage a.b;\nmessage Other {}\nmessage Foo {}\n",
            ),
            ("g.proto", g),
            ("r.proto", r),
        ],
    );
    // The load itself sees R's descriptors differ, and compiles it with source info.
    let (_, new) = planned(dir.path());
    assert!(new.spanless.is_empty(), "{:?}", new.spanless);
    located_as_full(
        dir.path(),
        "FIELD_SAME_TYPE",
        "r.proto\",\"start_line\":7,\"start_column\":3",
    );
}

#[test]
fn importers_of_a_changed_message_skip_spans_and_report_the_same() {
    let status = |ty: &str| {
        format!("syntax = \"proto3\";\npackage s;\nmessage Status {{\n  {ty} code = 1;\n}}\n")
    };
    let user = "syntax = \"proto3\";\npackage u;\nimport \"status.proto\";\nmessage U {\n  s.Status status = 1;\n}\n";
    // A file whose comments may hold a contract directive keeps its source info.
    let marked = "syntax = \"proto3\";\npackage m;\nimport \"status.proto\";\n// @internal\nmessage M {\n  s.Status status = 1;\n}\n";
    let (old_status, new_status) = (status("int32"), status("int64"));
    let dir = sides(
        &[
            ("status.proto", &old_status),
            ("u.proto", user),
            ("m.proto", marked),
        ],
        &[
            ("status.proto", &new_status),
            ("u.proto", user),
            ("m.proto", marked),
        ],
    );
    let (old, new) = planned(dir.path());
    assert_eq!(new.spanless.iter().collect::<Vec<_>>(), ["u.proto"]);
    assert_eq!(old.spanless, new.spanless);
    assert!(!protoguard::spans_missing(&old, &new, None));
    located_as_full(
        dir.path(),
        "FIELD_SAME_TYPE",
        "status.proto\",\"start_line\":4",
    );
}

#[test]
fn many_importers_compiled_a_share_at_a_time_report_as_a_full_load() {
    // 900 importers of a changed enum: a planned side compiles them a share at a time
    // (`compile_set_spanless`), and the changed file, named in the last share, is an
    // import of the others. Its own finding keeps its location; the finding its change
    // places in an importer (a field's default) is located too.
    let e = |first: &str, second: &str| {
        format!("syntax = \"proto2\";\npackage p;\nenum E {{\n  {first};\n  {second};\n}}\n")
    };
    let importer = |i: usize| {
        format!(
            "syntax = \"proto2\";\npackage p.i{i};\nimport \"zz/e.proto\";\n\nmessage R{i} {{\n  optional p.E e = 1;\n}}\n"
        )
    };
    let importers: Vec<(String, String)> = (0..900)
        .map(|i| (format!("a/i{i:03}.proto"), importer(i)))
        .collect();
    let (old_e, new_e) = (e("A = 1", "B = 2"), e("B = 2", "C = 3"));
    let side = |e_text: &str| -> Vec<(String, String)> {
        let mut files = importers.clone();
        files.push(("zz/e.proto".into(), e_text.to_string()));
        files
    };
    let (old_files, new_files) = (side(&old_e), side(&new_e));
    let dir = sides(&refs(&old_files), &refs(&new_files));
    let (_, new) = planned(dir.path());
    assert_eq!(
        new.spanless.len(),
        900,
        "every importer compiled without source info"
    );
    located_as_full(
        dir.path(),
        "ENUM_VALUE_NO_DELETE",
        "zz/e.proto\",\"start_line\":3,\"start_column\":1",
    );
    located_as_full(
        dir.path(),
        "FIELD_SAME_DEFAULT",
        "a/i899.proto\",\"start_line\":6,\"start_column\":3",
    );
}

/// `(name, text)` pairs as the borrowed form [`sides`] takes.
fn refs(files: &[(String, String)]) -> Vec<(&str, &str)> {
    files
        .iter()
        .map(|(a, b)| (a.as_str(), b.as_str()))
        .collect()
}
