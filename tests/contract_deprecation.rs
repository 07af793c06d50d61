//! The deprecation cycle (issue 12, part 2) through the binary, on git repositories built
//! here with git2: the worked example of `examples/contract/` (what
//! `scripts/contract-example.sh` runs), then each way a deletion can skip the cycle (never
//! deprecated, deprecated too recently, number or name not reserved, deprecated then
//! un-deprecated), the cycle in days from the tag dates, every kind of element it covers,
//! and buf parity without `protoguard.yaml`.

mod contract_repo;

use std::process::Command;

use contract_repo::*;

/// The example's releases, a month apart, as the script builds them.
fn example_releases() -> Vec<Release> {
    vec![
        ("v1.0.0", example_release("v1.0.0"), 0),
        ("v1.1.0", example_release("v1.1.0"), 31),
        ("v1.2.0", example_release("v1.2.0"), 59),
    ]
}

fn example_contract() -> String {
    read(&example().join("next/protoguard.yaml"))
}

/// The finding line about a field and the indented lines under it.
fn block(stdout: &str, field: &str) -> String {
    let needle = format!("with name \"{field}\"");
    let mut lines = stdout.lines().skip_while(|l| !l.contains(&needle));
    let first = lines
        .next()
        .unwrap_or_else(|| panic!("no finding about {field}:\n{stdout}"));
    let mut out = vec![first];
    out.extend(lines.take_while(|l| l.starts_with("    ")));
    out.join("\n")
}

#[test]
fn the_worked_example_allows_the_full_cycle_and_counts_what_remains() {
    let r = repo(
        &example_releases(),
        &example_release("next"),
        Some(&example_contract()),
    );
    let (code, stdout, stderr) = text(&r.check(&[".", "--against", "latest-release"]));
    assert_eq!(code, 1, "note skipped a release:\n{stdout}{stderr}");
    let legacy = block(&stdout, "legacy_code");
    assert!(legacy.contains("FIELD_NO_DELETE"), "{legacy}");
    assert!(
        legacy.contains("allowed: deprecated since v1.1.0, 2 releases (2 releases required), number and name reserved"),
        "{legacy}"
    );
    let note = block(&stdout, "note");
    assert!(
        note.contains("contract: deprecated in v1.2.0, 1 release ago, 2 required: removable after 1 more release"),
        "{note}"
    );
    assert!(!note.contains("allowed:"), "{note}");
    // JSON carries the reason as its own key.
    let (_, json, _) = text(&r.check(&[".", "--against", "latest-release", "--format", "json"]));
    let note = json
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).unwrap())
        .find(|v| v["message"].as_str().unwrap().contains("\"note\""))
        .unwrap();
    assert_eq!(
        note["verdict_note"],
        "deprecated in v1.2.0, 1 release ago, 2 required: removable after 1 more release"
    );
    // The message itself is buf's, untouched by the contract.
    assert!(
        stdout.contains("FIELD_NO_DELETE Previously present field \"3\" with name \"note\" on message \"Order\" was deleted.\n"),
        "{stdout}"
    );
}

/// `explain FILE:LINE` says what the cycle says, as `check` does: one deletion allowed, the
/// other removable after one more release.
#[test]
fn explain_at_a_deletion_says_when_removal_is_allowed() {
    let r = repo(
        &example_releases(),
        &example_release("next"),
        Some(&example_contract()),
    );
    let (code, stdout, stderr) = text(&r.run(&[
        "explain",
        "orders/v1/order.proto:5",
        "--against",
        "latest-release",
    ]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        stdout.contains("contract: deprecated in v1.2.0, 1 release ago, 2 required: removable after 1 more release"),
        "{stdout}"
    );
    assert!(
        stdout.contains("deprecated since v1.1.0, 2 releases (2 releases required)"),
        "{stdout}"
    );
}

#[test]
fn deleting_only_what_served_its_cycle_passes() {
    // next/ with `note` kept as v1.2.0 has it (and not reserved).
    let next = example_release("next")
        .into_iter()
        .map(|(p, c)| {
            let c = c
                .replace("reserved 2, 3;", "reserved 2;")
                .replace(
                    "reserved \"legacy_code\", \"note\";",
                    "reserved \"legacy_code\";",
                )
                .replace(
                    "string id = 1;\n",
                    "string id = 1;\n  string note = 3 [deprecated = true];\n",
                );
            (p, c)
        })
        .collect::<Vec<_>>();
    let r = repo(&example_releases(), &next, Some(&example_contract()));
    let (code, stdout, stderr) = text(&r.check(&[".", "--against", "latest-release"]));
    assert_eq!(code, 0, "{stdout}{stderr}");
    assert!(
        block(&stdout, "legacy_code").contains("allowed: deprecated since v1.1.0"),
        "{stdout}"
    );
    assert!(!stdout.contains("\"note\""), "{stdout}");
}

#[test]
fn without_protoguard_yaml_every_deletion_is_breaking_as_in_buf() {
    let r = repo(&example_releases(), &example_release("next"), None);
    let (code, stdout, _) = text(&r.check(&[".", "--against", "latest-release"]));
    assert_eq!(code, 1);
    assert!(
        !stdout.contains("allowed:") && !stdout.contains("contract:"),
        "{stdout}"
    );
    assert_eq!(stdout.matches("FIELD_NO_DELETE").count(), 2, "{stdout}");
}

const V1: &str = r#"syntax = "proto3";
package p.v1;
message Keep { string a = 1; string b = 2; }
message Gone { option deprecated = true; string x = 1; }
enum Color { COLOR_UNSPECIFIED = 0; COLOR_RED = 1 [deprecated = true]; COLOR_BLUE = 2; }
service Svc {
  rpc Get(Keep) returns (Keep);
  rpc Old(Keep) returns (Keep) { option deprecated = true; }
}
"#;

fn files(text: &str) -> Vec<(String, String)> {
    vec![("p/v1/a.proto".to_string(), text.to_string())]
}

#[test]
fn every_kind_of_element_goes_through_the_cycle() {
    // Deprecated in v1 and v2; the work tree deletes the message, the enum value (reserved)
    // and the RPC, and a field that was never deprecated.
    let work = r#"syntax = "proto3";
package p.v1;
message Keep { string a = 1; reserved 2; reserved "b"; }
enum Color { COLOR_UNSPECIFIED = 0; COLOR_BLUE = 2; reserved 1; reserved "COLOR_RED"; }
service Svc {
  rpc Get(Keep) returns (Keep);
}
"#;
    let r = repo(
        &[("v1.0.0", files(V1), 0), ("v2.0.0", files(V1), 40)],
        &files(work),
        Some("deprecation: {releases: 2}\n"),
    );
    let (code, stdout, stderr) = text(&r.check(&[".", "--against", "git:v2.0.0"]));
    assert_eq!(code, 1, "field b was never deprecated:\n{stdout}{stderr}");
    let line_of = |rule: &str| {
        let i = stdout
            .find(&format!(" {rule} "))
            .unwrap_or_else(|| panic!("no {rule}:\n{stdout}"));
        stdout[i..].lines().take(2).collect::<Vec<_>>().join("\n")
    };
    for rule in ["MESSAGE_NO_DELETE", "ENUM_VALUE_NO_DELETE", "RPC_NO_DELETE"] {
        assert!(
            line_of(rule).contains("allowed: deprecated since v1.0.0, 2 releases"),
            "{rule}: {stdout}"
        );
    }
    assert!(
        line_of("FIELD_NO_DELETE").contains("contract: never deprecated"),
        "{stdout}"
    );
}

#[test]
fn unreserved_number_or_name_keeps_a_served_deletion_breaking() {
    let work = |reserved: &str| {
        format!(
            "syntax = \"proto3\";\npackage p.v1;\nmessage Keep {{ string a = 1; {reserved} }}\n"
        )
    };
    let old = V1.replace("string b = 2;", "string b = 2 [deprecated = true];");
    for (reserved, want) in [
        ("", "number 2 and name \"b\" not reserved"),
        ("reserved 2;", "name \"b\" not reserved"),
        ("reserved \"b\";", "number 2 not reserved"),
    ] {
        let r = repo(
            &[("v1.0.0", files(&old), 0), ("v1.1.0", files(&old), 10)],
            &files(&work(reserved)),
            Some("deprecation: {releases: 2}\n"),
        );
        let (code, stdout, _) =
            text(&r.check(&[".", "--against", "git:v1.1.0", "--use", "FIELD_NO_DELETE"]));
        assert_eq!(code, 1, "{reserved}: {stdout}");
        assert!(
            stdout.contains(&format!("    contract: {want}\n")),
            "{reserved}: {stdout}"
        );
    }
}

#[test]
fn the_cycle_restarts_when_the_mark_was_removed() {
    let marked = V1.replace("string b = 2;", "string b = 2 [deprecated = true];");
    let work = "syntax = \"proto3\";\npackage p.v1;\nmessage Keep { string a = 1; reserved 2; reserved \"b\"; }\n";
    // Deprecated in v1.0.0 and v1.1.0, not in v1.2.0, again in v1.3.0: one release.
    let r = repo(
        &[
            ("v1.0.0", files(&marked), 0),
            ("v1.1.0", files(&marked), 10),
            ("v1.2.0", files(V1), 20),
            ("v1.3.0", files(&marked), 30),
        ],
        &files(work),
        Some("deprecation: {releases: 2}\n"),
    );
    let (code, stdout, _) =
        text(&r.check(&[".", "--against", "git:v1.3.0", "--use", "FIELD_NO_DELETE"]));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains("contract: deprecated in v1.3.0, 1 release ago, 2 required"),
        "{stdout}"
    );
    // And un-deprecated in the baseline itself.
    let r = repo(
        &[("v1.0.0", files(&marked), 0), ("v1.1.0", files(V1), 10)],
        &files(work),
        Some("deprecation: {releases: 1}\n"),
    );
    let (_, stdout, _) =
        text(&r.check(&[".", "--against", "git:v1.1.0", "--use", "FIELD_NO_DELETE"]));
    assert!(
        stdout.contains("contract: not deprecated in v1.1.0 (it was in v1.0.0)"),
        "{stdout}"
    );
}

#[test]
fn the_cycle_in_days_reads_the_tag_dates() {
    let marked = V1.replace("string b = 2;", "string b = 2 [deprecated = true];");
    let work = "syntax = \"proto3\";\npackage p.v1;\nmessage Keep { string a = 1; reserved 2; reserved \"b\"; }\n";
    // Deprecated in v1.1.0 (day 10); the latest release, v1.2.0, is day 38: 28 days.
    let releases = [
        ("v1.0.0", files(V1), 0),
        ("v1.1.0", files(&marked), 10),
        ("v1.2.0", files(&marked), 38),
    ];
    let args = [".", "--against", "git:v1.2.0", "--use", "FIELD_NO_DELETE"];
    let r = repo(&releases, &files(work), Some("deprecation: {days: 30}\n"));
    let (code, stdout, _) = text(&r.check(&args));
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stdout.contains(
            "contract: deprecated in v1.1.0, 28 days before the latest release, 30 required"
        ),
        "{stdout}"
    );
    let r = repo(&releases, &files(work), Some("deprecation: {days: 28}\n"));
    let (code, stdout, _) = text(&r.check(&args));
    assert_eq!(code, 0, "{stdout}");
    assert!(
        stdout.contains("allowed: deprecated since v1.1.0"),
        "{stdout}"
    );
    // Both written: both must hold.
    let r = repo(
        &releases,
        &files(work),
        Some("deprecation: {days: 28, releases: 3}\n"),
    );
    let (code, stdout, _) = text(&r.check(&args));
    assert_eq!(code, 1, "{stdout}");
    assert!(stdout.contains("2 releases ago, 3 required"), "{stdout}");
}

#[test]
fn a_directory_baseline_says_the_cycle_needs_release_tags() {
    let dir = tempfile::tempdir().unwrap();
    let old = dir.path().join("old");
    let new = dir.path().join("new");
    for (p, c) in example_release("v1.2.0") {
        write(&old, &p, &c);
    }
    for (p, c) in example_release("next") {
        write(&new, &p, &c);
    }
    write(&new, "protoguard.yaml", &example_contract());
    let out = Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(["check", "new", "--against", "old"])
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let (code, stdout, stderr) = text(&out);
    assert_eq!(code, 1, "{stdout}");
    assert!(
        stderr.contains("protoguard: warning: deprecation cycle needs release tags"),
        "{stderr}"
    );
    assert!(!stdout.contains("allowed:"), "{stdout}");
}
