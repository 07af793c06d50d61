//! Unchanged files still have to compile.
//!
//! Planning ([`crate::plan`]) leaves out of the comparison the files that are the same on
//! both sides (same content, same transitive imports): they compile to the same descriptors
//! on both sides, so no rule can report anything in them. But they must still compile, or a
//! schema that does not compile would pass. Since they compile identically on both sides,
//! compiling them on one side is enough; this module says which of them still need it, and
//! remembers the ones that did compile.
//!
//! The memory is a directory of empty files under the cache directory
//! (`$XDG_CACHE_HOME/protoguard/verified/`, else `~/.cache/protoguard/verified/`, once the
//! command line has asked for it with [`remember_under`]), one per
//! file that compiled, named by a hash of the protoguard version, the compiler that judges
//! the side (protoc when it holds an editions file, else protox) and the file's closure:
//! its import path and git blob id, and those of every file it imports, transitively. Only
//! successes are recorded. A file whose closure reaches outside the side's own files (an
//! `-I` directory; well-known types ship with protoguard and are covered by its version) is
//! verified on every run. Clashes with files outside the closure are found by planning,
//! which compiles both clashing files.

use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

use crate::compile::SourceSet;
use crate::plan::Header;

/// The files among `clean` that have not compiled before, and the cache keys of all of
/// `clean` that can be recorded once they do.
pub struct Pending {
    pub names: Vec<String>,
    keys: Vec<git2::Oid>,
}

/// Splits `clean` (files of `set`) into those already known to compile and the rest.
pub fn pending(
    set: &SourceSet,
    headers: &BTreeMap<String, Header>,
    clean: &[String],
    is_well_known: impl Fn(&str) -> bool,
) -> Pending {
    let dir = cache_dir();
    let mut names = Vec::new();
    let mut keys = Vec::new();
    for name in clean {
        let key = closure_key(set, headers, name, &is_well_known);
        let known = match (&dir, key) {
            (Some(d), Some(k)) => d.join(k.to_string()).is_file(),
            _ => false,
        };
        if !known {
            names.push(name.clone());
            keys.extend(key);
        }
    }
    Pending { names, keys }
}

impl Pending {
    /// Records that every pending file compiled. Failing to write is not an error: the
    /// files are verified again next time.
    pub fn record(&self) {
        let Some(dir) = cache_dir() else { return };
        if self.keys.is_empty() || std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        for k in &self.keys {
            let _ = std::fs::write(dir.join(k.to_string()), b"");
        }
    }
}

/// Where successes are remembered: nowhere until [`remember_under`] says (the command line
/// does; a library caller, a test among them, never writes to the user's cache unasked).
static CACHE_DIR: std::sync::Mutex<Option<PathBuf>> = std::sync::Mutex::new(None);

/// Remembers successes under `dir` from now on (`None`: not at all).
pub fn remember_under(dir: Option<PathBuf>) {
    if let Ok(mut d) = CACHE_DIR.lock() {
        *d = dir;
    }
}

/// The directory the command line uses: `verified/` under [`crate::cache_dir::root`].
pub fn default_dir() -> Option<PathBuf> {
    crate::cache_dir::root().map(|d| d.join("verified"))
}

fn cache_dir() -> Option<PathBuf> {
    CACHE_DIR.lock().ok().and_then(|d| d.clone())
}

/// The hash of the protoguard version and of `name`'s closure (import path and blob id of
/// it and of every file it imports), or `None` when an import leaves the side's files.
fn closure_key(
    set: &SourceSet,
    headers: &BTreeMap<String, Header>,
    name: &str,
    is_well_known: &impl Fn(&str) -> bool,
) -> Option<git2::Oid> {
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    let mut stack = vec![name];
    // Which compiler judges the side: protox accepts a few schemas protoc refuses, so a
    // success under one says nothing about the other.
    let compiler = if set.has_editions() {
        "protoc"
    } else {
        "protox"
    };
    let mut text = format!("protoguard {} {compiler}\n", env!("CARGO_PKG_VERSION"));
    while let Some(n) = stack.pop() {
        if !seen.insert(n) {
            continue;
        }
        if !set.files.contains_key(n) {
            return None;
        }
        for import in &headers.get(n)?.imports {
            if set.files.contains_key(import.as_str()) {
                stack.push(import);
            } else if !is_well_known(import) {
                return None;
            }
        }
    }
    // The root first: the same closure reached from another file is another key.
    text.push_str(&format!("{name}\n"));
    for n in &seen {
        text.push_str(&format!("{n} {}\n", set.files[*n].key));
    }
    git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::SourceFile;

    fn set(files: &[(&str, &str)]) -> SourceSet {
        let mut set = SourceSet::default();
        for (name, text) in files {
            set.files.insert(
                name.to_string(),
                SourceFile {
                    text: (*text).into(),
                    key: git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes()).unwrap(),
                    display: name.to_string(),
                    module_root: ".".into(),
                },
            );
        }
        set
    }

    fn headers(set: &SourceSet) -> BTreeMap<String, Header> {
        set.files
            .iter()
            .map(|(n, f)| (n.clone(), crate::plan::scan(&f.text)))
            .collect()
    }

    #[test]
    fn a_closure_is_keyed_by_every_file_it_reaches() {
        let a = set(&[
            ("a.proto", "import \"b.proto\";"),
            ("b.proto", "message B {}"),
        ]);
        let b = set(&[
            ("a.proto", "import \"b.proto\";"),
            ("b.proto", "message B { }"),
        ]);
        let wk = |_: &str| false;
        let key_a = closure_key(&a, &headers(&a), "a.proto", &wk);
        let key_b = closure_key(&b, &headers(&b), "a.proto", &wk);
        assert!(key_a.is_some());
        // Same a.proto, different b.proto: another closure.
        assert_ne!(key_a, key_b);
        // The same closure in a side that protoc compiles (it holds an editions file).
        let c = set(&[
            ("a.proto", "import \"b.proto\";"),
            ("b.proto", "message B {}"),
            ("e.proto", "edition = \"2023\";"),
        ]);
        assert_ne!(key_a, closure_key(&c, &headers(&c), "a.proto", &wk));
    }

    #[test]
    fn a_closure_that_leaves_the_side_is_not_remembered() {
        let s = set(&[
            ("a.proto", "import \"elsewhere.proto\";"),
            ("w.proto", "import \"google/protobuf/empty.proto\";"),
        ]);
        let wk = |i: &str| i.starts_with("google/protobuf/");
        assert_eq!(closure_key(&s, &headers(&s), "a.proto", &wk), None);
        assert!(closure_key(&s, &headers(&s), "w.proto", &wk).is_some());
    }
}
