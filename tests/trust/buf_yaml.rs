//! buf.yaml says what is wrong, once, in the user's terms.

use std::process::Output;

use super::support::*;

fn with_config(yaml: &str) -> Output {
    let t = Tree::new();
    t.write("new/buf.yaml", yaml);
    t.check(&[])
}

#[test]
fn unknown_keys_are_errors_at_the_key() {
    for (yaml, place, name) in [
        (
            "version: v2\nfrobnicate: 1\n",
            "new/buf.yaml:2:1",
            "frobnicate",
        ),
        (
            "version: v2\nbreaking:\n  use: [FILE]\n  frobnicate: 1\n",
            "new/buf.yaml:4:3",
            "frobnicate",
        ),
        (
            "version: v2\nmodules:\n  - path: .\n    frob: 1\n",
            "new/buf.yaml:4:5",
            "frob",
        ),
        (
            "version: v1\nbuild:\n  frob: []\n",
            "new/buf.yaml:3:3",
            "frob",
        ),
    ] {
        // buf: line N: field frobnicate not found
        assert_error(
            &with_config(yaml),
            place,
            &format!("field {name} not found"),
        );
    }
}

#[test]
fn keys_buf_knows_and_protoguard_does_not_use_are_accepted() {
    let out = with_config(
        "version: v2\nname: buf.build/a/b\ndeps: [buf.build/x/y]\nlint:\n  use: [STANDARD]\n\
         modules:\n  - path: ./\n    name: buf.build/a/c\n    lint:\n      use: [MINIMAL]\n",
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn wrongly_typed_values_are_errors() {
    for value in ["\"yes\"", "yes", "1"] {
        let yaml = format!("version: v2\nbreaking:\n  ignore_unstable_packages: {value}\n");
        assert_error(
            &with_config(&yaml),
            "new/buf.yaml:3:29",
            "expected true or false",
        );
    }
    assert_error(
        &with_config("version: v2\nbreaking:\n  use: FILE\n"),
        "new/buf.yaml:3:8",
        "expected a list",
    );
}

#[test]
fn paths_outside_the_workspace_are_refused() {
    for (yaml, why) in [
        (
            "version: v2\nmodules:\n  - path: ../../..\n",
            "invalid module path: ../../..: is outside the workspace directory",
        ),
        (
            "version: v2\nmodules:\n  - path: /etc\n",
            "invalid module path: /etc: expected to be relative",
        ),
        (
            "version: v2\nmodules:\n  - path: a/../../b\n",
            "is outside the workspace directory",
        ),
        (
            "version: v1\nbuild:\n  roots: [../..]\n",
            "invalid build root: ../..: is outside",
        ),
        (
            "version: v1\nbuild:\n  roots: [/etc]\n",
            "expected to be relative",
        ),
    ] {
        assert_error(&with_config(yaml), "new/buf.yaml:3:11", why);
    }
}

#[test]
fn yaml_library_internals_do_not_leak() {
    let bomb = {
        // A billion laughs: nine anchors, each ten aliases of the one before.
        let mut s = String::from("version: v2\nlint:\n    a0: &a0 [x,x,x,x,x,x,x,x,x,x]\n");
        for i in 1..9 {
            let aliases = vec![format!("*a{}", i - 1); 10].join(",");
            s.push_str(&format!("    a{i}: &a{i} [{aliases}]\n"));
        }
        s
    };
    for (yaml, place, why) in [
        (
            "version: v2\nbreaking:\n  use: {a: 1}\n",
            "new/buf.yaml:3:8",
            "expected a list",
        ),
        (
            "version: v2\n---\nversion: v1\n",
            "new/buf.yaml:3:1",
            "more than one YAML document",
        ),
        (
            "version: v2\nbreaking: &a\n  use: *a\n",
            "new/buf.yaml:3:8",
            "refers to the node that contains it",
        ),
        ("- a\n- b\n", "new/buf.yaml:1:1", "expected a mapping"),
        (
            "version: v2\nbreaking:\n  use: [[FILE]]\n",
            "new/buf.yaml:3:9",
            "expected a string",
        ),
        (
            bomb.as_str(),
            "new/buf.yaml:3:30",
            "too large once its aliases are expanded",
        ),
    ] {
        let line = assert_error(&with_config(yaml), place, why);
        for internal in [
            "event",
            "from_multiple",
            "weak recursion",
            "budget",
            "Nodes {",
            " at line ",
        ] {
            assert!(!line.contains(internal), "{internal:?} leaks: {line}");
        }
    }
}
