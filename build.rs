//! Reads every `rules/<ID>.yaml` at build time: each is parsed and validated with the
//! schema of `src/rule_schema.rs` (the one the catalogue serves), and a yaml that fails
//! stops the build naming the file, so no rule can lose its categories at run time. The
//! parsed catalogue is generated as Rust code, and the raw texts are embedded, so
//! `explain`, `rules` and SARIF output work from an installed binary with no repository
//! around it.
//!
//! Also sets `PROTOGUARD_SUMMARY_KEY`, what the history cache's entries depend on besides
//! a file's bytes: protoguard's version, protox-parse's (from Cargo.lock) and a digest of
//! its source (`src/`), where the summariser lives.

use std::fmt::Write as _;
use std::hash::{Hash, Hasher};
use std::path::Path;

#[allow(dead_code)]
#[path = "src/rule_schema.rs"]
mod rule_schema;

fn main() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let dir = root.join("rules");
    println!("cargo:rerun-if-changed=rules");
    println!("cargo:rerun-if-changed=src/rule_schema.rs");
    let mut entries: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.map(|e| e.path()))
        .collect::<Result<_, _>>()
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
    entries.retain(|p| p.extension().is_some_and(|x| x == "yaml"));
    entries.sort();
    assert!(!entries.is_empty(), "{}: no rule yaml", dir.display());
    let mut raw = String::from("pub static RULE_DOCS: &[(&str, &str)] = &[\n");
    let mut parsed = String::from(
        "/// Every rule's documentation, parsed and validated by build.rs.\n\
         pub fn parsed() -> Vec<RuleDoc> {\n    vec![\n",
    );
    let mut errors = Vec::new();
    for p in &entries {
        println!("cargo:rerun-if-changed={}", p.display());
        let stem = p.file_stem().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
        writeln!(
            raw,
            "    ({stem:?}, include_str!({:?})),",
            p.display().to_string()
        )
        .unwrap();
        match rule_schema::parse_rule(&stem, &text) {
            Ok(doc) => write_doc(&mut parsed, &doc),
            Err(e) => errors.push(format!("rules/{stem}.yaml: {e}")),
        }
    }
    if !errors.is_empty() {
        panic!("invalid rule documentation:\n  {}", errors.join("\n  "));
    }
    raw.push_str("];\n");
    parsed.push_str("    ]\n}\n");
    let out = Path::new(&std::env::var("OUT_DIR").unwrap()).to_path_buf();
    std::fs::write(out.join("rule_docs.rs"), raw).unwrap();
    std::fs::write(out.join("rule_catalog.rs"), parsed).unwrap();
    summary_key(root);
}

/// One `RuleDoc { ... }` literal.
fn write_doc(out: &mut String, d: &rule_schema::RuleDoc) {
    let list = |v: &[String]| {
        v.iter()
            .map(|s| format!("{s:?}.to_string()"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    writeln!(
        out,
        "        RuleDoc {{ id: {:?}.to_string(), categories: vec![{}], default: {}, \
         deprecated: {}, aliases: vec![{}], summary: {:?}.to_string(), breaks: {:?}.to_string(), \
         example: Example {{ before: {:?}.to_string(), after: {:?}.to_string() }}, \
         fix: {:?}.to_string(), semver: {:?}.to_string() }},",
        d.id,
        list(&d.categories),
        d.default,
        d.deprecated,
        list(&d.aliases),
        d.summary,
        d.breaks,
        d.example.before,
        d.example.after,
        d.fix,
        d.semver,
    )
    .unwrap();
}

/// `PROTOGUARD_SUMMARY_KEY`: `VERSION-pPARSER-HASH`, HASH a digest of `Cargo.lock` and of
/// every file under `src/` (the summariser, the checker, and anything they may call: any
/// change to protoguard's source or dependencies is a new key, so no cache entry outlives
/// the code that wrote it).
fn summary_key(root: &Path) {
    println!("cargo:rerun-if-changed=src");
    println!("cargo:rerun-if-changed=Cargo.lock");
    let lock = std::fs::read_to_string(root.join("Cargo.lock")).unwrap_or_default();
    // `name = "protox-parse"` is followed by its `version = "..."` line.
    let parser = lock
        .split("[[package]]")
        .find(|p| p.contains("name = \"protox-parse\""))
        .and_then(|p| p.lines().find_map(|l| l.strip_prefix("version = ")))
        .map(|v| v.trim_matches('"').to_string())
        .unwrap_or_else(|| "unlocked".into());
    let mut files = Vec::new();
    let mut dirs = vec![root.join("src")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else {
                files.push(path);
            }
        }
    }
    files.sort();
    let mut h = std::collections::hash_map::DefaultHasher::new();
    // The locked dependencies too: the compiler (protox, prost-reflect) judges what the
    // verified-files cache records.
    lock.hash(&mut h);
    for f in &files {
        f.strip_prefix(root).unwrap_or(f).hash(&mut h);
        std::fs::read(f).unwrap_or_default().hash(&mut h);
    }
    println!(
        "cargo:rustc-env=PROTOGUARD_SUMMARY_KEY={}-p{parser}-{:016x}",
        env!("CARGO_PKG_VERSION"),
        h.finish()
    );
}
