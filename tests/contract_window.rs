//! Data windows (issue 12, part 3): `--window K` and `window: K` check NEW against each of
//! the last K release tags with the WIRE and WIRE_JSON rules and name the releases each
//! break is against; the same break against several releases is reported once.

mod contract_repo;

use contract_repo::*;

fn order(amount: &str, extra: &str) -> Files {
    vec![(
        "shop/v1/order.proto".to_string(),
        format!(
            "syntax = \"proto3\";\npackage shop.v1;\n\nmessage Order {{\n  string id = 1;\n  {amount} amount = 2;\n{extra}}}\n"
        ),
    )]
}

/// v1.1.0 and v1.2.0 wrote `int64 amount`; v1.3.0 broke it to `string`, v1.4.0 kept that;
/// the work tree adds a field. Against v1.4.0 alone nothing breaks.
fn history() -> Vec<Release> {
    vec![
        ("v1.0.0", order("int64", ""), 0),
        ("v1.1.0", order("int64", ""), 10),
        ("v1.2.0", order("int64", ""), 20),
        ("v1.3.0", order("string", ""), 30),
        ("v1.4.0", order("string", ""), 40),
    ]
}

fn work() -> Files {
    order("string", "  string note = 3;\n")
}

#[test]
fn without_a_window_only_old_is_checked() {
    let r = repo(&history(), &work(), None);
    let (code, stdout, stderr) = text(&r.check(&[".", "--against", "git:v1.4.0", "--use", "WIRE"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert_eq!(stdout, "");
}

#[test]
fn a_window_names_every_release_whose_data_breaks_once() {
    let r = repo(&history(), &work(), None);
    let (code, stdout, stderr) = text(&r.check(&[
        ".",
        "--against",
        "git:v1.4.0",
        "--use",
        "WIRE",
        "--window",
        "4",
    ]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    // v1.1.0 and v1.2.0 wrote int64: one finding naming both; v1.3.0 and v1.4.0 agree.
    assert_eq!(
        stdout.matches("FIELD_WIRE_COMPATIBLE_TYPE").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("    against: v1.1.0, v1.2.0\n"), "{stdout}");
    assert!(
        !stdout.contains("v1.0.0"),
        "a window of 4 ends at v1.1.0: {stdout}"
    );
    // JSON carries the releases as a list.
    let (_, json, _) = text(&r.check(&[
        ".",
        "--against",
        "git:v1.4.0",
        "--use",
        "WIRE",
        "--window",
        "4",
        "--format",
        "json",
    ]));
    let v: serde_json::Value = serde_json::from_str(json.lines().next().unwrap()).unwrap();
    assert_eq!(v["type"], "FIELD_WIRE_COMPATIBLE_TYPE");
    assert_eq!(v["against"], serde_json::json!(["v1.1.0", "v1.2.0"]));
    assert_eq!(v["old_path"], "shop/v1/order.proto");
}

#[test]
fn the_window_comes_from_protoguard_yaml_and_the_flag_overrides_it() {
    let r = repo(&history(), &work(), Some("window: 3\n"));
    let (code, stdout, _) = text(&r.check(&[".", "--against", "git:v1.4.0", "--use", "WIRE"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("    against: v1.2.0\n"), "{stdout}");
    let (code, stdout, _) = text(&r.check(&[
        ".",
        "--against",
        "git:v1.4.0",
        "--use",
        "WIRE",
        "--window",
        "0",
    ]));
    assert_eq!((code, stdout.as_str()), (0, ""));
}

#[test]
fn a_break_the_check_against_old_already_reports_lists_the_releases() {
    // The work tree turns v1.4.0's `string amount` into `bytes`, which JSON reads another
    // way; v1.3.0 had the same string: one finding, the one against OLD, naming both.
    let r = repo(&history(), &order("bytes", ""), None);
    let (code, stdout, _) = text(&r.check(&[
        ".",
        "--against",
        "git:v1.4.0",
        "--use",
        "WIRE_JSON",
        "--window",
        "2",
    ]));
    assert_eq!(code, 1, "{stdout}");
    assert_eq!(
        stdout.matches("FIELD_WIRE_JSON_COMPATIBLE_TYPE").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("    against: v1.3.0, v1.4.0\n"), "{stdout}");
}

#[test]
fn a_window_without_release_tags_is_an_error_on_the_command_line_and_a_warning_in_yaml() {
    let dir = tempfile::tempdir().unwrap();
    for (side, files) in [("old", order("string", "")), ("new", work())] {
        for (p, c) in files {
            write(&dir.path().join(side), &p, &c);
        }
    }
    let run = |args: &[&str]| {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_protoguard"))
            .arg("check")
            .args(args)
            .current_dir(dir.path())
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        text(&out)
    };
    let (code, _, stderr) = run(&["new", "--against", "old", "--window", "2"]);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("--window: data windows need release tags: OLD (old) is not a git input"),
        "{stderr}"
    );
    write(&dir.path().join("new"), "protoguard.yaml", "window: 2\n");
    let (code, _, stderr) = run(&["new", "--against", "old"]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains("protoguard: warning: data windows need release tags"),
        "{stderr}"
    );
}

#[test]
fn fewer_releases_than_asked_is_said() {
    let r = repo(&history()[3..], &work(), None);
    let (code, _, stderr) = text(&r.check(&[".", "--against", "git:v1.4.0", "--window", "3"]));
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stderr.contains(
            "data window: 3 releases asked for, only 2 in OLD's history (v1.3.0, v1.4.0)"
        ),
        "{stderr}"
    );
}
