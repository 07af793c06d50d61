//! Shell completions and the manual page come from the clap definitions: every subcommand
//! the binary has appears in them.

mod common;

/// Exit code and standard output (these subcommands read no file: any directory will do).
fn protoguard(args: &[&str]) -> (i32, String) {
    let out = common::run(&std::env::temp_dir(), args);
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
    )
}

#[test]
fn completions_name_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, text) = protoguard(&["completions", shell]);
        assert_eq!(code, 0, "{shell}");
        for sub in ["check", "prove", "semver", "rules", "explain"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
        assert!(
            text.contains("--against"),
            "{shell} completion lacks --against"
        );
    }
}

#[test]
fn unknown_shell_is_a_usage_error() {
    assert_eq!(protoguard(&["completions", "tcsh"]).0, 2);
}

#[test]
fn man_page_is_roff_with_the_subcommands() {
    let (code, text) = protoguard(&["man"]);
    assert_eq!(code, 0);
    assert!(text.contains(".TH protoguard 1"));
    assert!(text.contains("check"));
    assert!(text.contains("explain"));
}
