//! Gates code generation on compatibility: protoguard checks `proto/` against the last
//! release tag (`PROTOGUARD_AGAINST` overrides it), and only then does prost-build generate
//! Rust code, from descriptors compiled by protox (no protoc needed). A breaking change
//! fails the build with protoguard's findings.

use std::process::exit;

fn main() {
    println!("cargo:rerun-if-changed=proto");
    println!("cargo:rerun-if-env-changed=PROTOGUARD_AGAINST");
    let against = std::env::var("PROTOGUARD_AGAINST").unwrap_or_else(|_| "latest-release".into());

    let report = match protoguard::Check::new("proto").against(&against).run() {
        Ok(report) => report,
        Err(e) => {
            eprintln!("protoguard could not check proto/ against {against}: {e}");
            exit(2);
        }
    };
    if report.is_breaking() {
        eprintln!(
            "proto/ breaks {against}; fix these or release a new major version:\n{}",
            report.render(protoguard::OutputFormat::Text)
        );
        exit(1);
    }

    let files = protox::compile(["shop/v1/order.proto"], ["proto"]).unwrap_or_else(|e| {
        eprintln!("{e}");
        exit(2)
    });
    prost_build::Config::new()
        .compile_fds(files)
        .unwrap_or_else(|e| {
            eprintln!("prost-build: {e}");
            exit(2)
        });
}
