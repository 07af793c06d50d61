//! The compatibility contract end to end (src/policy): marks, waivers, unstable packages and
//! protoguard.yaml decide verdicts; allowed findings are shown in every format; mistakes in
//! the contract exit 2 at `path:line:col`; without a contract the output is buf's.

use std::path::{Path, PathBuf};
use std::process::Command;

use protoguard::{Check, OutputFormat};
use serde_json::Value;

fn manifest() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs the binary in `cwd`: exit code, stdout, stderr.
fn run(cwd: &Path, args: &[&str]) -> (i32, String, String) {
    let out = Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env_remove("CI")
        .output()
        .expect("protoguard runs");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

fn write(dir: &Path, rel: &str, text: &str) {
    let p = dir.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(p, text).unwrap();
}

/// A scratch repository (its own `.git`, so no protoguard.yaml above it is read) holding
/// `old/a.proto` and `new/a.proto`.
fn pair(old: &str, new: &str) -> tempfile::TempDir {
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    write(tmp.path(), "old/a.proto", old);
    write(tmp.path(), "new/a.proto", new);
    tmp
}

fn check(dir: &Path, format: &str) -> (i32, String, String) {
    run(
        dir,
        &["check", "new", "--against", "old", "--format", format],
    )
}

fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|l| serde_json::from_str(l).expect("one JSON object a line"))
        .collect()
}

fn sarif_validator() -> jsonschema::Validator {
    let text = std::fs::read_to_string(manifest().join("tests/sarif-schema-2.1.0.json")).unwrap();
    let schema: Value = serde_json::from_str(&text).unwrap();
    jsonschema::draft4::options()
        .should_validate_formats(true)
        .build(&schema)
        .expect("the SARIF schema compiles")
}

fn valid_sarif(text: &str) -> Value {
    let log: Value = serde_json::from_str(text).expect("SARIF is JSON");
    let errors: Vec<String> = sarif_validator()
        .iter_errors(&log)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    assert!(
        errors.is_empty(),
        "SARIF fails the schema:\n{}",
        errors.join("\n")
    );
    log
}

const USER_OLD: &str = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n  string email = 2;\n}\n";

// ---------------------------------------------------------------------------------------------
// The worked example (examples/contract)

#[test]
fn worked_example_allows_three_breaks_and_fails_on_the_fourth() {
    let dir = manifest();
    let args = [
        "check",
        "examples/contract/new",
        "--against",
        "examples/contract/old",
    ];
    let (code, out, err) = run(&dir, &args);
    assert_eq!(code, 1, "{out}{err}");
    let (breaking, allowed) = out
        .split_once("\nallowed by the compatibility contract (3):\n")
        .unwrap_or_else(|| panic!("no allowed section:\n{out}"));
    assert!(breaking.contains("ENUM_VALUE_SAME_NAME"), "{out}");
    assert!(!breaking.contains("FIELD_NO_DELETE"), "{out}");
    for want in [
        "lab.proto:5:1: FIELD_NO_DELETE",
        "allowed: unstable package acme.labs.v1beta1 (examples/contract/protoguard.yaml unstable_packages)",
        "allowed: waiver at examples/contract/new/acme/v1/orders.proto:7:6: coupons moved to acme.promo.v1, every client migrated",
        "orders.proto:23:3: FIELD_SAME_TYPE",
        "allowed: experimental since v1.3.0, inherited from acme.v1.Quote: shape still moving",
    ] {
        assert!(allowed.contains(want), "missing {want:?} in\n{allowed}");
    }

    let mut json_args = args.to_vec();
    json_args.extend(["--format", "json"]);
    let (code, out, _) = run(&dir, &json_args);
    assert_eq!(code, 1);
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 4);
    let kinds: Vec<&str> = lines
        .iter()
        .filter(|l| l["verdict"] == "allowed")
        .map(|l| l["allowed_by"]["kind"].as_str().unwrap())
        .collect();
    assert_eq!(kinds, ["unstable_package", "waiver", "stability"]);
    let breaking: Vec<&Value> = lines
        .iter()
        .filter(|l| l["verdict"] == "breaking")
        .collect();
    assert_eq!(breaking.len(), 1);
    assert_eq!(breaking[0]["type"], "ENUM_VALUE_SAME_NAME");
    let waiver = lines
        .iter()
        .find(|l| l["allowed_by"]["kind"] == "waiver")
        .unwrap();
    assert_eq!(
        waiver["allowed_by"]["reason"],
        "coupons moved to acme.promo.v1, every client migrated"
    );
    assert_eq!(
        waiver["allowed_by"]["origin"],
        "examples/contract/new/acme/v1/orders.proto:7:6"
    );

    let mut sarif_args = args.to_vec();
    sarif_args.extend(["--format", "sarif"]);
    let (_, out, _) = run(&dir, &sarif_args);
    let log = valid_sarif(&out);
    let results = log["runs"][0]["results"].as_array().unwrap();
    assert_eq!(results.len(), 4);
    let suppressed: Vec<&Value> = results
        .iter()
        .filter(|r| r.get("suppressions").is_some())
        .collect();
    assert_eq!(suppressed.len(), 3);
    let justifications: Vec<&str> = suppressed
        .iter()
        .map(|r| r["suppressions"][0]["justification"].as_str().unwrap())
        .collect();
    assert!(
        justifications
            .iter()
            .any(|j| j.ends_with("coupons moved to acme.promo.v1, every client migrated")),
        "{justifications:?}"
    );
    let waived = suppressed
        .iter()
        .find(|r| {
            r["suppressions"][0]["justification"]
                .as_str()
                .unwrap()
                .contains("coupons")
        })
        .unwrap();
    assert_eq!(waived["suppressions"][0]["kind"], "inSource");
    assert_eq!(waived["suppressions"][0]["status"], "accepted");
}

// ---------------------------------------------------------------------------------------------
// Unstable packages

const BETA_OLD: &str =
    "syntax = \"proto3\";\npackage acme.v1beta1;\nmessage B {\n  string x = 1;\n}\n";
const BETA_NEW: &str = "syntax = \"proto3\";\npackage acme.v1beta1;\nmessage B {\n}\n";

#[test]
fn unstable_packages_break_only_when_allowed() {
    // No config: buf's verdict, breaking.
    let tmp = pair(BETA_OLD, BETA_NEW);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 1);
    assert!(!out.contains("allowed"), "{out}");

    // buf.yaml's ignore_unstable_packages without protoguard.yaml: buf's output (nothing).
    write(
        tmp.path(),
        "new/buf.yaml",
        "version: v2\nbreaking:\n  ignore_unstable_packages: true\n",
    );
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!((code, out.as_str()), (0, ""));

    // Under a protoguard.yaml, the same permission shows the break as allowed.
    write(tmp.path(), "protoguard.yaml", "# contract\n");
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed: unstable package acme.v1beta1 (buf.yaml ignore_unstable_packages)"),
        "{out}"
    );

    // protoguard.yaml's own switch, without buf.yaml's.
    std::fs::remove_file(tmp.path().join("new/buf.yaml")).unwrap();
    write(tmp.path(), "protoguard.yaml", "unstable_packages: true\n");
    let (code, out, _) = check(tmp.path(), "json");
    assert_eq!(code, 0, "{out}");
    let lines = json_lines(&out);
    assert_eq!(lines[0]["verdict"], "allowed");
    assert_eq!(lines[0]["allowed_by"]["kind"], "unstable_package");
    assert_eq!(lines[0]["allowed_by"]["package"], "acme.v1beta1");
}

// ---------------------------------------------------------------------------------------------
// Marks

#[test]
fn an_experimental_mark_allows_breaks_inside_and_says_where_it_is() {
    let old = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental\nmessage Labs {\n  string x = 1;\n  int32 y = 2;\n}\n";
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental\nmessage Labs {\n  string x = 1;\n}\n";
    let tmp = pair(old, new);
    let (code, out, err) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.starts_with("allowed by the compatibility contract (1):\n"),
        "{out}"
    );
    assert!(
        out.contains(
            "    allowed: experimental (marked at old/a.proto:4), inherited from acme.v1.Labs\n"
        ),
        "{out}"
    );
    let (_, out, _) = check(tmp.path(), "junit");
    assert!(out.contains("skipped=\"1\""), "{out}");
    assert!(out.contains("<skipped message="), "{out}");
    roxmltree::Document::parse(&out).expect("JUnit is XML");
    let (_, out, _) = check(tmp.path(), "github-actions");
    assert!(out.starts_with("::notice file=new/a.proto"), "{out}");
}

#[test]
fn a_mark_added_in_new_does_not_allow_a_break_in_the_same_change() {
    // Consumers were told the message was stable: marking it now excuses nothing.
    let old = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage Labs {\n  string x = 1;\n  int32 y = 2;\n}\n";
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental\nmessage Labs {\n  string x = 1;\n}\n";
    let tmp = pair(old, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("allowed"), "{out}");
}

#[test]
fn internal_packages_by_glob_and_file_marks() {
    let old = "syntax = \"proto3\";\npackage acme.internal.v1;\nmessage M {\n  string x = 1;\n}\n";
    let new = "syntax = \"proto3\";\npackage acme.internal.v1;\nmessage M {\n}\n";
    let tmp = pair(old, new);
    write(
        tmp.path(),
        "protoguard.yaml",
        "internal:\n  packages: [\"acme.internal.**\"]\n",
    );
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed: internal (marked at protoguard.yaml:2:14 (internal.packages)), inherited from acme.internal.v1"),
        "{out}"
    );

    // A mark on the package statement marks the whole file.
    let old = "syntax = \"proto3\";\n// @internal -- only the billing jobs read these\npackage acme.v1;\nmessage M {\n  string x = 1;\n}\n";
    let new = "syntax = \"proto3\";\n// @internal -- only the billing jobs read these\npackage acme.v1;\nmessage M {\n}\n";
    let tmp = pair(old, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed: internal (marked at old/a.proto:2), inherited from a.proto: only the billing jobs read these"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Waivers

#[test]
fn a_waiver_on_the_parent_allows_a_deletion_and_beats_stability() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// protoguard:allow FIELD_NO_DELETE -- email moved to acme.v2\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(USER_OLD, new);
    write(
        tmp.path(),
        "protoguard.yaml",
        "experimental:\n  elements: [\"acme.v1.User\"]\n",
    );
    let (code, out, _) = check(tmp.path(), "json");
    assert_eq!(code, 0, "{out}");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    let by = &lines[0]["allowed_by"];
    assert_eq!(by["kind"], "waiver");
    assert_eq!(by["rule"], "FIELD_NO_DELETE");
    assert_eq!(by["origin"], "new/a.proto:4:4");
    assert_eq!(by["reason"], "email moved to acme.v2");
}

#[test]
fn a_waiver_for_another_rule_waives_nothing_and_is_stale() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// protoguard:allow FIELD_SAME_TYPE -- retyped on purpose\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(USER_OLD, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 1, "{out}");
    assert!(out.contains("FIELD_NO_DELETE"), "{out}");
    assert!(
        out.contains("new/a.proto:4:4: warning: stale waiver: FIELD_SAME_TYPE on acme.v1.User waives nothing in this change"),
        "{out}"
    );
}

#[test]
fn stale_waivers_are_warnings_in_every_format() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// protoguard:allow FIELD_NO_DELETE -- nothing goes\nmessage User {\n  string id = 1;\n  string email = 2;\n}\n";
    let tmp = pair(USER_OLD, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "a stale waiver is not a failure: {out}");
    assert!(out.contains("warning: stale waiver"), "{out}");
    let (_, out, _) = check(tmp.path(), "json");
    let lines = json_lines(&out);
    assert_eq!(lines.len(), 1);
    assert!(lines[0]["warning"]
        .as_str()
        .unwrap()
        .starts_with("stale waiver"));
    assert_eq!(lines[0]["path"], "new/a.proto");
    assert_eq!(lines[0]["start_line"], 4);
    let (_, out, _) = check(tmp.path(), "sarif");
    let log = valid_sarif(&out);
    let notes = &log["runs"][0]["invocations"][0]["toolExecutionNotifications"];
    assert_eq!(notes[0]["level"], "warning");
    assert!(notes[0]["message"]["text"]
        .as_str()
        .unwrap()
        .contains("stale waiver"));
    let (_, out, _) = check(tmp.path(), "junit");
    assert!(
        out.contains("<system-err>new/a.proto:4:4: warning: stale waiver"),
        "{out}"
    );
    roxmltree::Document::parse(&out).expect("JUnit is XML");
    let (_, out, _) = check(tmp.path(), "github-actions");
    assert!(
        out.starts_with("::warning file=new/a.proto,line=4,col=4,"),
        "{out}"
    );
    let (_, out, _) = check(tmp.path(), "msvs");
    assert!(
        out.contains("new/a.proto(4,4) : warning PROTOGUARD_CONTRACT : stale waiver"),
        "{out}"
    );
    let (_, out, _) = check(tmp.path(), "gitlab-code-quality");
    let issues: Value = serde_json::from_str(&out).unwrap();
    assert_eq!(issues[0]["severity"], "info");
    assert_eq!(issues[0]["location"]["path"], "new/a.proto");
}

#[test]
fn yaml_waivers_by_element_and_path_and_their_expiry() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(USER_OLD, new);
    write(
        tmp.path(),
        "protoguard.yaml",
        "waivers:\n  - rule: FIELD_NO_DELETE\n    element: acme.v1.User.email\n    reason: moved to acme.v2\n    expires: 2999-12-31\n",
    );
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed: waiver at protoguard.yaml:2:5 (until 2999-12-31): moved to acme.v2"),
        "{out}"
    );
    let (_, out, _) = check(tmp.path(), "sarif");
    let log = valid_sarif(&out);
    assert_eq!(
        log["runs"][0]["results"][0]["suppressions"][0]["kind"],
        "external"
    );

    write(
        tmp.path(),
        "protoguard.yaml",
        "waivers:\n  - rule: FIELD_NO_DELETE\n    path: \"new/*.proto\"\n    reason: whole file is being retired\n",
    );
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(out.contains("whole file is being retired"), "{out}");

    // Expired: waives nothing any more, and says so.
    write(
        tmp.path(),
        "protoguard.yaml",
        "waivers:\n  - rule: FIELD_NO_DELETE\n    element: acme.v1.User.email\n    reason: moved to acme.v2\n    expires: 2000-01-01\n",
    );
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 1, "{out}");
    assert!(!out.contains("allowed"), "{out}");
    assert!(
        out.contains("protoguard.yaml:2:5: warning: waiver of FIELD_NO_DELETE on acme.v1.User.email expired on 2000-01-01"),
        "{out}"
    );
}

// ---------------------------------------------------------------------------------------------
// Mistakes in the contract: exit 2 at path:line:col

fn fails_with(tmp: &Path, want: &[&str]) {
    let (code, out, err) = check(tmp, "text");
    assert_eq!(code, 2, "{out}{err}");
    for w in want {
        assert!(err.contains(w), "missing {w:?} in {err}");
    }
}

#[test]
fn a_waiver_without_a_reason_is_an_error() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n  // protoguard:allow FIELD_NO_DELETE\n  reserved 2;\n}\n";
    let tmp = pair(USER_OLD, new);
    fails_with(tmp.path(), &["new/a.proto:6:6:", "without a reason"]);
}

#[test]
fn a_waiver_of_an_unknown_rule_is_an_error() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// protoguard:allow FIELD_NO_DELET -- typo\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(USER_OLD, new);
    fails_with(
        tmp.path(),
        &["new/a.proto:4:4:", "unknown rule \"FIELD_NO_DELET\""],
    );
    // Also in a detached comment, which would otherwise be silently ignored.
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// protoguard:allow NOPE -- detached\n\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(USER_OLD, new);
    fails_with(tmp.path(), &["new/a.proto:4:4:", "unknown rule"]);
}

#[test]
fn a_malformed_mark_is_an_error() {
    for (mark, want) in [
        ("@experimentl", "did you mean \"@experimental\""),
        ("@experimental(v2)", "malformed mark"),
        ("@internal maybe", "malformed mark"),
    ] {
        let new = format!("syntax = \"proto3\";\npackage acme.v1;\n\n// {mark}\nmessage User {{\n  string id = 1;\n  string email = 2;\n}}\n");
        let tmp = pair(USER_OLD, &new);
        fails_with(tmp.path(), &["new/a.proto:4:4:", want]);
    }
}

#[test]
fn protoguard_yaml_mistakes_are_errors_with_positions() {
    let tmp = pair(USER_OLD, USER_OLD);
    for (yaml, want) in [
        ("waivers:\n  - rule: FIELD_NO_DELETE\n    element: a.B\n", "protoguard.yaml:2:5: waiver of FIELD_NO_DELETE without a reason"),
        ("waivers:\n  - rule: NOPE\n    element: a.B\n    reason: r\n", "protoguard.yaml:2:11: waiver names unknown rule"),
        ("waivers:\n  - rule: FIELD_NO_DELETE\n    element: a.B\n    reason: r\n    expires: 2024-02-30\n", "protoguard.yaml:5:14: expires \"2024-02-30\" is not a date"),
        ("waivers:\n  - rule: FIELD_NO_DELETE\n    reason: r\n", "needs exactly one of `element` or `path`"),
        ("experimentl:\n  paths: [x]\n", "protoguard.yaml:1:1"),
        ("use: [NOPE]\n", "protoguard.yaml:1:7: use: unknown rule"),
    ] {
        write(tmp.path(), "protoguard.yaml", yaml);
        fails_with(tmp.path(), &[want]);
    }
}

// ---------------------------------------------------------------------------------------------
// protoguard.yaml: lookup and rule selection

#[test]
fn protoguard_yaml_is_found_above_new_up_to_the_repository_top() {
    let tmp = tempfile::tempdir().unwrap();
    // Above the repository: never read (it would fail to parse).
    write(tmp.path(), "protoguard.yaml", "not: [valid\n");
    let repo = tmp.path().join("repo");
    std::fs::create_dir_all(repo.join(".git")).unwrap();
    write(
        &repo,
        "protoguard.yaml",
        "experimental:\n  paths: [\"proto/labs/**\"]\n",
    );
    write(&repo, "old/labs/x.proto", BETA_OLD);
    write(&repo, "proto/labs/x.proto", BETA_NEW);
    let (code, out, err) = run(&repo, &["check", "proto", "--against", "old"]);
    assert_eq!(code, 0, "{out}{err}");
    assert!(
        out.contains("allowed: experimental (marked at protoguard.yaml:2:11 (experimental.paths)), inherited from proto/labs/x.proto"),
        "{out}"
    );
}

#[test]
fn protoguard_yaml_use_adds_rules() {
    let old = "syntax = \"proto2\";\npackage acme.v1;\nmessage M {\n  optional int32 x = 1 [default = 1];\n}\n";
    let new = "syntax = \"proto2\";\npackage acme.v1;\nmessage M {\n  optional int32 x = 1 [default = 2];\n}\n";
    let tmp = pair(old, new);
    // buf's default without a buf.yaml (v1's FILE) has no FIELD_SAME_DEFAULT.
    let (code, _, _) = check(tmp.path(), "text");
    assert_eq!(code, 0);
    write(tmp.path(), "protoguard.yaml", "use: [FIELD_SAME_DEFAULT]\n");
    let (code, out, _) = check(tmp.path(), "json");
    assert_eq!(code, 1, "{out}");
    let lines = json_lines(&out);
    assert_eq!(lines[0]["type"], "FIELD_SAME_DEFAULT");
    assert_eq!(lines[0]["verdict"], "breaking");
}

// ---------------------------------------------------------------------------------------------
// No contract: buf's output, byte for byte

#[test]
fn without_a_contract_every_format_is_unchanged() {
    let dir = manifest().join("examples/shop");
    let report = Check::new(dir.join("new").to_string_lossy())
        .against(dir.join("old").to_string_lossy())
        .run()
        .unwrap();
    assert!(!report.contract);
    assert!(report.warnings.is_empty());
    let (old, new) = {
        let loaded = Check::new(dir.join("new").to_string_lossy())
            .against(dir.join("old").to_string_lossy())
            .load()
            .unwrap();
        let plain = protoguard::check_with_policy(&loaded.old, &loaded.new, &loaded.policy);
        (plain, report.findings.clone())
    };
    assert_eq!(old, new);
    assert!(!old.is_empty());
    use protoguard::{formats, report as r};
    let cases: [(OutputFormat, String); 7] = [
        (OutputFormat::Text, r::render_text(&old)),
        (OutputFormat::Json, r::render_json(&old)),
        (OutputFormat::Sarif, formats::render_sarif(&old)),
        (OutputFormat::Junit, formats::render_junit(&old)),
        (
            OutputFormat::GithubActions,
            formats::render_github_actions(&old),
        ),
        (OutputFormat::Msvs, formats::render_msvs(&old)),
        (
            OutputFormat::GitlabCodeQuality,
            formats::render_gitlab_code_quality(&old),
        ),
    ];
    for (format, want) in cases {
        assert_eq!(report.render(format), want, "{format:?}");
    }
    let json = report.render(OutputFormat::Json);
    assert!(!json.contains("verdict"), "{json}");
    assert!(json.lines().all(|l| l.starts_with("{\"path\":")));
    assert!(!report.render(OutputFormat::Sarif).contains("suppressions"));
}

// ---------------------------------------------------------------------------------------------
// semver follows the verdicts

#[test]
fn semver_does_not_count_an_allowed_break_as_major_and_says_why() {
    let old = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental since v1.3.0\nmessage Labs {\n  string x = 1;\n  int32 y = 2;\n}\n";
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental since v1.3.0\nmessage Labs {\n  string x = 1;\n}\n";
    let tmp = pair(old, new);
    let (code, out, err) = run(tmp.path(), &["semver", "new", "--against", "old"]);
    assert_eq!(code, 0, "{err}");
    assert!(out.ends_with("bump: MINOR\n"), "{out}");
    assert!(!out.contains("MAJOR"), "{out}");
    assert!(
        out.contains("(allowed: experimental since v1.3.0, inherited from acme.v1.Labs)"),
        "{out}"
    );
    // Without the mark, the same deletion is MAJOR.
    let tmp = pair(
        &old.replace("// @experimental since v1.3.0\n", ""),
        &new.replace("// @experimental since v1.3.0\n", ""),
    );
    let (_, out, _) = run(tmp.path(), &["semver", "new", "--against", "old"]);
    assert!(out.ends_with("bump: MAJOR\n"), "{out}");
}

// ---------------------------------------------------------------------------------------------
// explain policy

#[test]
fn explain_policy_prints_the_contract_in_force() {
    let (code, out, err) = run(&manifest(), &["explain", "policy", "examples/contract/new"]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "contract: examples/contract/protoguard.yaml\n",
        "  acme.v1.Quote: experimental since v1.3.0 -- shape still moving (marked at examples/contract/new/acme/v1/orders.proto:20)\n",
        "breaks allowed (examples/contract/protoguard.yaml unstable_packages); acme.labs.v1beta1\n",
        "deprecation before removal: not configured",
        "  examples/contract/new/acme/v1/orders.proto:7:6: FIELD_NO_DELETE on reserved of acme.v1.Order: coupons moved to acme.promo.v1, every client migrated\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }

    let tmp = pair(USER_OLD, USER_OLD);
    write(
        tmp.path(),
        "protoguard.yaml",
        "internal:\n  packages: [\"acme.*\"]\ndeprecation: {releases: 2}\nwaivers:\n  - rule: FIELD_NO_DELETE\n    element: acme.v1.User.email\n    reason: moved\n    expires: 2001-02-03\n",
    );
    let (code, out, err) = run(tmp.path(), &["explain", "policy", "new"]);
    assert_eq!(code, 0, "{err}");
    for want in [
        "contract: protoguard.yaml\n",
        "  packages \"acme.*\": internal (protoguard.yaml:2:14 (internal.packages), matches 1 file)\n",
        "deprecation before removal: a deleted element must have been deprecated in at least 2 release(s)",
        "  protoguard.yaml:5:5: FIELD_NO_DELETE on acme.v1.User.email: moved (expired on 2001-02-03: waives nothing)\n",
    ] {
        assert!(out.contains(want), "missing {want:?} in\n{out}");
    }

    // The schema is read as check reads it: a malformed mark is the same error.
    write(
        tmp.path(),
        "new/a.proto",
        &USER_OLD.replace("message User", "// @internl\nmessage User"),
    );
    let (code, _, err) = run(tmp.path(), &["explain", "policy", "new"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("new/a.proto:4:4: unknown mark \"@internl\""),
        "{err}"
    );
}

// ---------------------------------------------------------------------------------------------
// STABILITY_NO_DEMOTE runs whenever NEW carries marks

#[test]
fn demoting_a_stable_element_is_breaking_unless_signed_or_left_out() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\nmessage User {\n  string id = 1;\n  // @experimental\n  string email = 2;\n}\n";
    let tmp = pair(USER_OLD, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 1, "{out}");
    assert_eq!(
        out,
        "new/a.proto:7:3: STABILITY_NO_DEMOTE Field \"acme.v1.User.email\" was stable and is now marked experimental.\n"
    );
    let (code, out, _) = run(
        tmp.path(),
        &[
            "check",
            "new",
            "--against",
            "old",
            "--except",
            "STABILITY_NO_DEMOTE",
        ],
    );
    assert_eq!((code, out.as_str()), (0, ""));

    let signed = new.replace(
        "  // @experimental\n",
        "  // @experimental\n  // protoguard:allow STABILITY_NO_DEMOTE -- agreed with the two clients\n",
    );
    write(tmp.path(), "new/a.proto", &signed);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("allowed: waiver at new/a.proto:7:6: agreed with the two clients"),
        "{out}"
    );

    // Promotion (the mark removed) is not a finding.
    let tmp = pair(new, USER_OLD);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!((code, out.as_str()), (0, ""));
}

// ---------------------------------------------------------------------------------------------
// googleapis visibility restrictions

#[test]
fn visibility_rules_are_read_by_extension_name_from_an_elements_options() {
    let vis = "syntax = \"proto3\";\npackage google.api;\nimport \"google/protobuf/descriptor.proto\";\nmessage VisibilityRule {\n  string selector = 1;\n  string restriction = 2;\n}\nextend google.protobuf.FieldOptions {\n  VisibilityRule field_visibility = 72295727;\n}\nextend google.protobuf.MethodOptions {\n  VisibilityRule method_visibility = 72295727;\n}\n";
    let schema = "syntax = \"proto3\";\npackage acme.v1;\nimport \"google/api/visibility.proto\";\nmessage User {\n  string id = 1;\n  string secret = 2 [(google.api.field_visibility).restriction = \"INTERNAL\"];\n}\n";
    let tmp = tempfile::tempdir().unwrap();
    std::fs::create_dir(tmp.path().join(".git")).unwrap();
    write(tmp.path(), "google/api/visibility.proto", vis);
    write(tmp.path(), "acme/v1/user.proto", schema);
    let dir = tmp.path().to_string_lossy().to_string();
    let loaded = Check::new(&dir).against(&dir).full(true).load().unwrap();
    // The encoded options the compiler writes for `secret`, built by hand here.
    let encoded = {
        let mut inner = vec![0x12, 8];
        inner.extend_from_slice(b"INTERNAL");
        let mut out = Vec::new();
        prost::encoding::encode_key(
            72_295_727,
            prost::encoding::WireType::LengthDelimited,
            &mut out,
        );
        prost::encoding::encode_varint(inner.len() as u64, &mut out);
        out.extend(inner);
        out
    };
    let options_of = |e: &protoguard::finding::Element| {
        (e.full_name == "acme.v1.User.secret").then(|| encoded.clone())
    };
    let marks = protoguard::marks::visibility::read(&loaded.new.index, &options_of);
    assert_eq!(marks.len(), 1, "{marks:?}");
    let (name, mark) = &marks[0];
    assert_eq!(name, "acme.v1.User.secret");
    assert_eq!(mark.stability, protoguard::finding::Stability::Internal);
    assert_eq!(
        mark.reason.as_deref(),
        Some("google.api.field_visibility restriction \"INTERNAL\"")
    );
    assert!(
        mark.origin.ends_with("acme/v1/user.proto:6"),
        "{}",
        mark.origin
    );
}

#[test]
fn a_mark_no_element_carries_is_a_warning_not_silence() {
    let new = "syntax = \"proto3\";\npackage acme.v1;\n\n// @experimental\n\nmessage User {\n  string id = 1;\n  string email = 2;\n}\n";
    let tmp = pair(USER_OLD, new);
    let (code, out, _) = check(tmp.path(), "text");
    assert_eq!(code, 0, "{out}");
    assert!(
        out.contains("new/a.proto:4:4: warning: mark \"@experimental\" is not in the leading comment of any element"),
        "{out}"
    );
}

#[test]
fn explain_at_a_place_gives_the_contracts_verdict() {
    let (code, out, err) = run(
        &manifest(),
        &[
            "explain",
            "examples/contract/new/acme/v1/orders.proto:23",
            "examples/contract/new",
            "--against",
            "examples/contract/old",
        ],
    );
    assert!(code == 0 || code == 1, "{err}");
    assert!(
        out.contains("  verdict: allowed: experimental since v1.3.0, inherited from acme.v1.Quote"),
        "{out}"
    );
}

#[test]
fn a_field_restricted_by_google_api_visibility_is_internal() {
    let vis = "syntax = \"proto3\";\npackage google.api;\nimport \"google/protobuf/descriptor.proto\";\nmessage VisibilityRule {\n  string selector = 1;\n  string restriction = 2;\n}\nextend google.protobuf.FieldOptions {\n  VisibilityRule field_visibility = 72295727;\n}\n";
    let old = "syntax = \"proto3\";\npackage acme.v1;\nimport \"google/api/visibility.proto\";\nmessage User {\n  string id = 1;\n  string secret = 2 [(google.api.field_visibility).restriction = \"INTERNAL\"];\n  string email = 3;\n}\n";
    let new = "syntax = \"proto3\";\npackage acme.v1;\nimport \"google/api/visibility.proto\";\nmessage User {\n  string id = 1;\n}\n";
    let tmp = pair(old, new);
    write(tmp.path(), "old/google/api/visibility.proto", vis);
    write(tmp.path(), "new/google/api/visibility.proto", vis);
    let (code, out, err) = check(tmp.path(), "text");
    assert_eq!(code, 1, "email still breaks: {out}{err}");
    let (breaking, allowed) = out
        .split_once("allowed by the compatibility contract (1):\n")
        .unwrap_or_else(|| panic!("{out}"));
    assert!(breaking.contains("\"email\""), "{out}");
    assert!(allowed.contains("\"secret\""), "{out}");
    assert!(
        allowed.contains("allowed: internal (marked at old/a.proto:6): google.api.field_visibility restriction \"INTERNAL\""),
        "{out}"
    );
}
