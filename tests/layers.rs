//! The crate's layers, kept by its `use` lines (issue 11).
//!
//! Every module of `src/` belongs to one layer, in the order data flows:
//! base → source → compile → index → diff → rules → policy/evolution → report → formats → cli.
//! A module may name (`use crate::x`, `crate::x::y`, `use crate::{x, y}`) modules of its own
//! layer or of a lower one, never of a higher one: a back-edge would let a change in a report
//! reach the rules, or a rule read the disk. Test-only code (`#[cfg(test)]` items, and the
//! files of `#[cfg(test)] mod x;`) is not part of the library's graph and is not checked. A
//! module missing from [`LAYERS`] is a failure too, so a new module has to be placed.

use std::path::{Path, PathBuf};

/// The layers, lowest first, each with its modules (a top-level module, or `top::sub` when one
/// submodule sits lower than its parent). Modules that do not exist yet are placed already.
const LAYERS: &[(&str, &[&str])] = &[
    // Utilities every layer may use: no knowledge of schemas beyond the descriptor model.
    (
        "base",
        &[
            "quote",
            "columns",
            "limits",
            "threads",
            "descriptor",
            "features",
            "spans",
            "import_path",
            "symlinks",
            "error",
            "catalog",
            "rule_schema",
            "editions_text",
            "cache_dir",
            "batches",
            "lexer",
            "extensions",
        ],
    ),
    // What the user named, read from the disk or from git, and the buf.yaml beside it.
    ("source", &["git", "buf_yaml"]),
    // Sources compiled into checked descriptors, and what need not be compiled.
    (
        "compile",
        &[
            "compile",
            "protoc",
            "validate",
            "plan",
            "verified",
            "header_cache",
            "shared_parses",
            "option_locations",
            "compile_errors",
            "extension_numbers",
        ],
    ),
    // One side, indexed; the ledger of earlier releases is an index of history.
    // The `source` module turns what the user named into an indexed side (it drives the
    // reading, the compilers and the index), so it sits on top of this layer, not in the
    // layer whose name it shares; `read` reads a side's texts for it, into the types it
    // names.
    (
        "index",
        &[
            "index",
            "history",
            "finding",
            "source",
            "read",
            "shared_imports",
        ],
    ),
    // What changed between two indexes, and whether two types read the same bytes.
    ("diff", &["diff", "compat"]),
    // The stability marks written in the schema are read as rules read it (the contract's own
    // rule, STABILITY_NO_DEMOTE, compares them).
    ("rules", &["rules", "marks"]),
    // Which rules run and which findings are ignored; what the findings mean over time.
    ("policy/evolution", &["config", "policy", "evolution"]),
    ("report", &["report"]),
    ("formats", &["formats", "explain", "policy::explain"]),
    // The library's front doors (the crate root's functions, the API, semver and the
    // prover, which run whole checks) and the binary.
    (
        "cli",
        &[
            "crate",
            "api",
            "versioning",
            "prove",
            "fix",
            "explain_at",
            "main",
            // The contract's data checks load other releases and run whole checks (the
            // window) or the prover's readers (golden payloads).
            "policy::window",
            "policy::payloads",
        ],
    ),
];

fn layer_of(module: &str) -> Option<usize> {
    LAYERS
        .iter()
        .position(|(_, modules)| modules.contains(&module))
}

/// The module a file is, as the table names it: `src/rules/fields.rs` → `rules::fields`.
fn module_of(src: &Path, file: &Path) -> String {
    let rel = file.strip_prefix(src).unwrap().with_extension("");
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    match parts.as_slice() {
        [only] if only == "lib" => "crate".to_string(),
        _ => parts.join("::"),
    }
}

/// The table's entry for a module path: `evolution::structure` if listed, else `evolution`.
fn placed(module: &str) -> Option<(usize, String)> {
    if let Some(l) = layer_of(module) {
        return Some((l, module.to_string()));
    }
    let top = module.split("::").next().unwrap();
    layer_of(top).map(|l| (l, top.to_string()))
}

/// Every `.rs` file under `src`, sorted, but the files of test-only modules.
fn library_files(src: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    rust_files(src, &mut files);
    let test_only: Vec<PathBuf> = files.iter().flat_map(|f| test_modules(f)).collect();
    files.retain(|f| !test_only.contains(f));
    files.sort();
    files
}

fn rust_files(dir: &Path, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            rust_files(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

/// The files of the modules a file declares test-only (`#[cfg(test)] mod tests;`): in its
/// directory for a `mod.rs`, else in the directory named after it.
fn test_modules(file: &Path) -> Vec<PathBuf> {
    let text = std::fs::read_to_string(file).unwrap();
    let dir = if file
        .file_name()
        .is_some_and(|n| n == "mod.rs" || n == "lib.rs")
    {
        file.parent().unwrap().to_path_buf()
    } else {
        file.with_extension("")
    };
    let lines: Vec<&str> = text.lines().map(str::trim).collect();
    let mut out = Vec::new();
    for pair in lines.windows(2) {
        let declared = pair[1]
            .strip_prefix("pub ")
            .unwrap_or(pair[1])
            .strip_prefix("mod ")
            .and_then(|rest| rest.strip_suffix(';'));
        if let (true, Some(name)) = (pair[0] == "#[cfg(test)]", declared) {
            out.push(dir.join(format!("{name}.rs")));
            out.push(dir.join(name).join("mod.rs"));
        }
    }
    out
}

/// The file's code, line by line, with comments, string and char literals blanked and
/// `#[cfg(test)]` items removed (their lines become empty), so positions stay true.
fn code_lines(text: &str) -> Vec<String> {
    // Blank comments and literals first, keeping newlines.
    let chars: Vec<char> = text.chars().collect();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if c == '/' && next == Some('/') {
            while i < chars.len() && chars[i] != '\n' {
                i += 1;
            }
        } else if c == '/' && next == Some('*') {
            let mut depth = 0;
            while i < chars.len() {
                if chars[i] == '/' && chars.get(i + 1) == Some(&'*') {
                    depth += 1;
                    i += 2;
                } else if chars[i] == '*' && chars.get(i + 1) == Some(&'/') {
                    depth -= 1;
                    i += 2;
                    if depth == 0 {
                        break;
                    }
                } else {
                    if chars[i] == '\n' {
                        out.push('\n');
                    }
                    i += 1;
                }
            }
        } else if c == 'r' && (next == Some('"') || next == Some('#')) && !ident_before(&chars, i) {
            // Raw string: r"…", r#"…"#.
            let mut j = i + 1;
            let mut hashes = 0;
            while chars.get(j) == Some(&'#') {
                hashes += 1;
                j += 1;
            }
            if chars.get(j) != Some(&'"') {
                out.push(c);
                i += 1;
                continue;
            }
            j += 1;
            out.push_str("\"\"");
            loop {
                match chars.get(j) {
                    None => break,
                    Some('"') if (1..=hashes).all(|k| chars.get(j + k) == Some(&'#')) => {
                        j += 1 + hashes;
                        break;
                    }
                    Some('\n') => out.push('\n'),
                    _ => {}
                }
                j += 1;
            }
            i = j;
        } else if c == '"' {
            out.push_str("\"\"");
            i += 1;
            while i < chars.len() && chars[i] != '"' {
                if chars[i] == '\\' {
                    i += 1;
                }
                if chars.get(i) == Some(&'\n') {
                    out.push('\n');
                }
                i += 1;
            }
            i += 1;
        } else if c == '\'' {
            // A char literal ('x', '\n', '\u{..}') or a lifetime ('a): blank only literals.
            let close = if next == Some('\\') {
                (i + 2..chars.len().min(i + 12)).find(|&k| chars[k] == '\'')
            } else if chars.get(i + 2) == Some(&'\'') {
                Some(i + 2)
            } else {
                None
            };
            match close {
                Some(k) => {
                    out.push_str("' '");
                    i = k + 1;
                }
                None => {
                    out.push(c);
                    i += 1;
                }
            }
        } else {
            out.push(c);
            i += 1;
        }
    }
    // Then drop `#[cfg(test)]` items: from the attribute to the end of the item (its `;` or
    // its balanced braces).
    let mut lines: Vec<String> = out.lines().map(str::to_string).collect();
    let mut n = 0;
    while n < lines.len() {
        if lines[n].trim_start().starts_with("#[cfg(test)]") {
            let mut depth = 0i32;
            let mut opened = false;
            let mut m = n;
            'item: while m < lines.len() {
                let line = std::mem::take(&mut lines[m]);
                for ch in line.chars() {
                    match ch {
                        '{' => {
                            depth += 1;
                            opened = true;
                        }
                        '}' => depth -= 1,
                        ';' if !opened && m > n => break 'item,
                        _ => {}
                    }
                }
                if opened && depth == 0 {
                    break;
                }
                m += 1;
            }
            n = m + 1;
        } else {
            n += 1;
        }
    }
    lines
}

fn ident_before(chars: &[char], i: usize) -> bool {
    i > 0 && (chars[i - 1].is_alphanumeric() || chars[i - 1] == '_')
}

fn ident_at(s: &str) -> &str {
    let end = s
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(s.len());
    &s[..end]
}

/// The crate-level names a line refers to: `crate::x…` gives `x`, `crate::{x, y::z}` gives
/// `x` and `y`. The binary names the library as `protoguard::`.
fn named_modules(line: &str, prefix: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before_ok = at == 0 || {
            let b = rest[..at].chars().last().unwrap();
            !(b.is_alphanumeric() || b == '_' || b == '$')
        };
        let after = &rest[at + prefix.len()..];
        if before_ok {
            if let Some(group) = after.strip_prefix('{') {
                // Top-level names of the group (nested groups belong to their parent name).
                let mut depth = 0;
                let mut start = true;
                for (k, ch) in group.char_indices() {
                    match ch {
                        '{' => depth += 1,
                        '}' if depth == 0 => break,
                        '}' => depth -= 1,
                        ',' if depth == 0 => start = true,
                        c if start && depth == 0 && (c.is_alphanumeric() || c == '_') => {
                            found.push(ident_at(&group[k..]).to_string());
                            start = false;
                        }
                        _ => {}
                    }
                }
            } else {
                let name = ident_at(after);
                if !name.is_empty() {
                    found.push(name.to_string());
                }
            }
        }
        rest = after;
    }
    found
}

/// What a crate-level name is: a module of the crate, or an item re-exported or defined by
/// the crate root (`pub use index::Index` makes `crate::Index` the `index` module's).
fn resolve(name: &str, modules: &[String], reexports: &[(String, String)]) -> String {
    if name == "self" {
        return "crate".to_string();
    }
    if modules.iter().any(|m| m == name) {
        return name.to_string();
    }
    match reexports.iter().find(|(item, _)| item == name) {
        Some((_, module)) => module.clone(),
        None => "crate".to_string(),
    }
}

/// `pub use a::{X, Y};` and `pub use a::b::X;` in lib.rs: each item and its top module.
fn reexports(lib: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for line in code_lines(lib) {
        let Some(rest) = line.trim().strip_prefix("pub use ") else {
            continue;
        };
        let module = ident_at(rest).to_string();
        let items = rest.trim_end_matches(';');
        let items = match items.find('{') {
            Some(b) => items[b + 1..].trim_end_matches('}').to_string(),
            None => items.rsplit("::").next().unwrap().to_string(),
        };
        for item in items.split(',') {
            let item = item.trim();
            if !item.is_empty() {
                out.push((item.to_string(), module.clone()));
            }
        }
    }
    out
}

#[test]
fn every_module_imports_only_its_layer_and_lower_ones() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = library_files(&src);
    let lib = std::fs::read_to_string(src.join("lib.rs")).unwrap();
    let reexported = reexports(&lib);
    let top_modules: Vec<String> = files
        .iter()
        .map(|f| module_of(&src, f))
        .map(|m| m.split("::").next().unwrap().to_string())
        .collect();

    let mut unplaced = Vec::new();
    let mut back_edges = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        let Some((from_layer, _)) = placed(&module) else {
            unplaced.push(module);
            continue;
        };
        let prefix = if module == "main" {
            "protoguard::"
        } else {
            "crate::"
        };
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in code_lines(&text).iter().enumerate() {
            for name in named_modules(line, prefix) {
                let target = resolve(&name, &top_modules, &reexported);
                let Some((to_layer, to)) = placed(&target) else {
                    unplaced.push(target);
                    continue;
                };
                if to_layer > from_layer {
                    back_edges.push(format!(
                        "{}:{}: {module} ({}) uses {to} ({})",
                        file.strip_prefix(src.parent().unwrap()).unwrap().display(),
                        n + 1,
                        LAYERS[from_layer].0,
                        LAYERS[to_layer].0,
                    ));
                }
            }
        }
    }
    unplaced.sort();
    unplaced.dedup();
    assert!(
        unplaced.is_empty(),
        "modules with no layer in tests/layers.rs: {unplaced:?}"
    );
    assert!(
        back_edges.is_empty(),
        "{} use(s) of a higher layer:\n{}",
        back_edges.len(),
        back_edges.join("\n")
    );
}

/// The scanner itself: what it must see and what it must not.
#[test]
fn the_scanner_reads_use_lines_as_rust_does() {
    let text = "use crate::index::{Index, Site};\n\
                use crate::{formats, report::{self, x}};\n\
                // crate::rules in a comment\n\
                let s = \"crate::config in a string\";\n\
                let f = crate::evolution::structurally_compatible(a, b);\n\
                let c = '\"'; let d = crate::git::open(x);\n\
                #[cfg(test)]\n\
                mod tests {\n    use crate::api;\n}\n\
                fn after() { crate::source::load() }\n";
    let lines = code_lines(text);
    let named: Vec<(usize, Vec<String>)> = lines
        .iter()
        .enumerate()
        .map(|(n, l)| (n + 1, named_modules(l, "crate::")))
        .filter(|(_, v)| !v.is_empty())
        .collect();
    let expected: Vec<(usize, Vec<String>)> = vec![
        (1, vec!["index".into()]),
        (2, vec!["formats".into(), "report".into()]),
        (5, vec!["evolution".into()]),
        (6, vec!["git".into()]),
        (11, vec!["source".into()]),
    ];
    assert_eq!(named, expected);
    let lib = "pub use index::Index;\npub use config::{resolve_rules, Policy};\n";
    assert_eq!(
        reexports(lib),
        vec![
            ("Index".to_string(), "index".to_string()),
            ("resolve_rules".to_string(), "config".to_string()),
            ("Policy".to_string(), "config".to_string()),
        ]
    );
}

/// Modules that judge what the index holds: they never read the disk (the index owns the
/// text its spans are computed against), so a finding cannot depend on what changed on the
/// disk after the sides were loaded.
const NO_DISK: &[&str] = &[
    "spans",
    "index",
    "finding",
    "compat",
    "diff",
    "rules",
    "evolution",
    "report",
    "formats",
];

#[test]
fn rules_and_spans_never_read_the_disk() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = library_files(&src);
    let mut reads = Vec::new();
    for file in &files {
        let module = module_of(&src, file);
        if !NO_DISK.contains(&module.split("::").next().unwrap()) {
            continue;
        }
        let text = std::fs::read_to_string(file).unwrap();
        for (n, line) in code_lines(&text).iter().enumerate() {
            if [
                "std::fs",
                "fs::",
                "File::open",
                "read_to_string",
                "walkdir",
                "Repository",
            ]
            .iter()
            .any(|api| line.contains(api))
            {
                reads.push(format!("{}:{}: {}", file.display(), n + 1, line.trim()));
            }
        }
    }
    assert!(
        reads.is_empty(),
        "disk access below the CLI:\n{}",
        reads.join("\n")
    );
}
