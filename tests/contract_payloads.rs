//! Golden payloads (issue 12, part 3): stored messages named in `manifest.yaml` must mean
//! the same under NEW as under the release that wrote them, binary and JSON, compared by
//! the prover's readers; what cannot be judged is an error naming the file.

mod contract_repo;

use std::path::Path;
use std::process::Command;

use contract_repo::*;

fn order(amount: &str) -> String {
    format!("syntax = \"proto3\";\npackage shop.v1;\n\nmessage Order {{\n  string id = 1;\n  {amount} = 2;\n}}\n")
}

/// `Order{id: "a", amount: 1}` as v1 (int64 amount) writes it.
const ORDER_PB: &[u8] = b"\x0a\x01a\x10\x01";
const ORDER_JSON: &str = r#"{"id":"a","amount":"5"}"#;

/// Payload files by name, with their bytes.
type PayloadFiles<'a> = &'a [(&'a str, &'a [u8])];

fn manifest(entries: &[(&str, &str, &str)]) -> String {
    let mut s = String::from("payloads:\n");
    for (file, ty, by) in entries {
        s.push_str(&format!(
            "  - file: {file}\n    type: {ty}\n    written_by: {by}\n"
        ));
    }
    s
}

/// OLD and NEW as directories, payloads in `data/`; runs `check new --against old
/// --payloads data ARGS`.
fn dirs(
    old: &str,
    new: &str,
    payloads: PayloadFiles,
    manifest: &str,
    args: &[&str],
) -> (i32, String, String) {
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("old"), "shop/v1/order.proto", old);
    write(&dir.path().join("new"), "shop/v1/order.proto", new);
    let data = dir.path().join("data");
    std::fs::create_dir_all(&data).unwrap();
    for (name, bytes) in payloads {
        std::fs::write(data.join(name), bytes).unwrap();
    }
    std::fs::write(data.join("manifest.yaml"), manifest).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(["check", "new", "--against", "old", "--payloads", "data"])
        .args(args)
        .current_dir(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    text(&out)
}

#[test]
fn a_binary_payload_that_changes_meaning_is_a_finding_naming_it_and_the_field() {
    let (code, stdout, stderr) = dirs(
        &order("int64 amount"),
        &order("sint64 amount"),
        &[("order.pb", ORDER_PB)],
        &manifest(&[("order.pb", "shop.v1.Order", "old")]),
        &["--use", "FIELD_NO_DELETE"],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        stdout,
        "new/shop/v1/order.proto:6:3: PAYLOAD_SAME_MEANING Payload \"data/order.pb\" (shop.v1.Order, written by old) changes meaning under the new schema: amount: 1 (int64) read as -1 (sint64).\n"
    );
}

#[test]
fn payloads_that_keep_their_meaning_pass() {
    // int64 -> uint64 reads the same bytes as the same number; JSON keeps the key.
    let (code, stdout, stderr) = dirs(
        &order("int64 amount"),
        &order("uint64 amount"),
        &[
            ("order.pb", ORDER_PB),
            ("order.json", ORDER_JSON.as_bytes()),
        ],
        &manifest(&[
            ("order.pb", "shop.v1.Order", "old"),
            ("order.json", ".shop.v1.Order", "old"),
        ]),
        &["--use", "FIELD_NO_DELETE"],
    );
    assert_eq!((code, stdout.as_str()), (0, ""), "{stderr}");
}

#[test]
fn a_json_payload_is_read_through_the_json_mapping() {
    // A rename keeps the binary meaning, and loses the JSON key: only the JSON payload breaks.
    let (code, stdout, stderr) = dirs(
        &order("int64 amount"),
        &order("int64 total"),
        &[
            ("order.pb", ORDER_PB),
            ("order.json", ORDER_JSON.as_bytes()),
        ],
        &manifest(&[
            ("order.pb", "shop.v1.Order", "old"),
            ("order.json", "shop.v1.Order", "old"),
        ]),
        &["--use", "FIELD_NO_DELETE"],
    );
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert_eq!(
        stdout.matches("PAYLOAD_SAME_MEANING").count(),
        1,
        "{stdout}"
    );
    assert!(stdout.contains("Payload \"data/order.json\""), "{stdout}");
    assert!(stdout.contains("amount"), "{stdout}");
}

#[test]
fn a_payload_written_by_a_release_tag_is_read_with_that_release() {
    // v1.0.0 wrote int64; v1.1.0 (OLD) already has sint64, so NEW against OLD is clean, but
    // the data v1.0.0 stored reads -1.
    let r = repo(
        &[
            (
                "v1.0.0",
                vec![("shop/v1/order.proto".into(), order("int64 amount"))],
                0,
            ),
            (
                "v1.1.0",
                vec![("shop/v1/order.proto".into(), order("sint64 amount"))],
                10,
            ),
        ],
        &[
            ("shop/v1/order.proto".into(), order("sint64 amount")),
            (
                "testdata/payloads/manifest.yaml".into(),
                manifest(&[("order.pb", "shop.v1.Order", "v1.0.0")]),
            ),
        ],
        Some("payloads: testdata/payloads\n"),
    );
    std::fs::write(r.root.join("testdata/payloads/order.pb"), ORDER_PB).unwrap();
    let (code, stdout, stderr) = text(&r.check(&[".", "--against", "git:v1.1.0"]));
    assert_eq!(code, 1, "{stdout}{stderr}");
    assert!(
        stdout.contains("PAYLOAD_SAME_MEANING Payload \"") && stdout.contains("(shop.v1.Order, written by v1.0.0) changes meaning under the new schema: amount: 1 (int64) read as -1 (sint64).\n    against: v1.0.0\n"),
        "{stdout}"
    );
}

#[test]
fn what_cannot_be_judged_is_an_error_naming_the_file() {
    let ok = [("order.pb", ORDER_PB)];
    let cases: [(PayloadFiles, String, &str); 6] = [
        (&ok, manifest(&[("gone.pb", "shop.v1.Order", "old")]), "data/manifest.yaml:2:5: data/gone.pb: cannot read"),
        (&ok, manifest(&[("order.pb", "shop.v1.Nope", "old")]), "data/manifest.yaml:2:5: data/order.pb: message type `shop.v1.Nope` is not declared by the writing schema"),
        (&ok, manifest(&[("order.txt", "shop.v1.Order", "old")]), "data/order.txt: unknown payload encoding"),
        (&[("bad.pb", b"\x0a\x05ab")], manifest(&[("bad.pb", "shop.v1.Order", "old")]), "data/bad.pb: it does not decode as `shop.v1.Order` under the schema that wrote it"),
        (&ok, manifest(&[("order.pb", "shop.v1.Order", "v1.0.0")]), "written_by \"v1.0.0\" names a release tag, which needs OLD to be a git input"),
        (&ok, "payloads:\n  - file: order.pb\n    typ: shop.v1.Order\n".to_string(), "data/manifest.yaml:3:5"),
    ];
    for (files, manifest, want) in cases {
        let (code, stdout, stderr) = dirs(
            &order("int64 amount"),
            &order("int64 amount"),
            files,
            &manifest,
            &[],
        );
        assert_eq!(code, 2, "{manifest}: {stdout}{stderr}");
        assert!(stderr.contains(want), "{manifest}: {stderr}");
    }
    // No manifest at all.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("old"), "a.proto", &order("int64 amount"));
    write(&dir.path().join("new"), "a.proto", &order("int64 amount"));
    std::fs::create_dir_all(dir.path().join("data")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_protoguard"))
        .args(["check", "new", "--against", "old", "--payloads", "data"])
        .current_dir(dir.path())
        .output()
        .unwrap();
    let (code, _, stderr) = text(&out);
    assert_eq!(code, 2);
    assert!(
        stderr.contains(&format!(
            "{}: cannot read",
            Path::new("data/manifest.yaml").display()
        )),
        "{stderr}"
    );
}

#[test]
fn payloads_are_checks_of_check_only() {
    // protoguard.yaml names a payload directory without a manifest: `check` says so,
    // `semver` and `prove` (which read no findings of it) do not read it.
    let dir = tempfile::tempdir().unwrap();
    write(&dir.path().join("old"), "a.proto", &order("int64 amount"));
    write(&dir.path().join("new"), "a.proto", &order("int64 amount"));
    write(
        &dir.path().join("new"),
        "protoguard.yaml",
        "payloads: missing\n",
    );
    let run = |cmd: &str| {
        let out = Command::new(env!("CARGO_BIN_EXE_protoguard"))
            .args([cmd, "new", "--against", "old"])
            .current_dir(dir.path())
            .output()
            .unwrap();
        text(&out)
    };
    let (code, _, stderr) = run("check");
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("missing/manifest.yaml: cannot read"),
        "{stderr}"
    );
    let (code, stdout, stderr) = run("semver");
    assert_eq!(code, 0, "{stdout}{stderr}");
}
