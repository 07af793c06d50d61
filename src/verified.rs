//! Unchanged files still have to compile.
//!
//! Planning ([`crate::plan`]) leaves out of the comparison the files that are the same on
//! both sides (same content, same transitive imports): they compile to the same descriptors
//! on both sides, so no rule can report anything in them. But they must still compile, or a
//! schema that does not compile would pass. Since they compile identically on both sides,
//! compiling them on one side is enough; this module says which of them still need it, and
//! remembers the ones that did compile.
//!
//! The memory is a directory under the cache directory (`$XDG_CACHE_HOME/protoguard/verified/`,
//! else `~/.cache/protoguard/verified/`, once the command line has asked for it with
//! [`remember_under`]) of batch files, one per run that verified something, each the list of
//! the keys it verified (20 bytes each). A key is a hash of protoguard's build (its version,
//! a digest of its source and its locked dependencies: a fixed or upgraded checker verifies
//! again), the compiler that judges the side (protoc when it holds an editions file, else protox) and a
//! file's closure: its import path and git blob id, and those of every file it imports,
//! transitively. Only successes are recorded. Batches are written as [`crate::batches`]
//! writes them, so a reader sees a batch whole or not at all; past [`MAX_BATCHES`] they
//! are merged into one. (One empty file per key, as before, cost a file creation per file
//! verified: seconds on a first run over thousands of files.) A file whose closure reaches outside the side's own files (an
//! `-I` directory; well-known types ship with protoguard and are covered by its build) is
//! verified on every run. Clashes with files outside the closure are found by planning,
//! which compiles both clashing files.

use std::collections::{BTreeMap, HashSet};
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
    let known = cache_dir().map(|d| read_batches(&d).0).unwrap_or_default();
    let mut names = Vec::new();
    let mut keys = Vec::new();
    let mut closures = Closures::of(set, headers, &is_well_known);
    for name in clean {
        let key = closures.key(name);
        if !key.is_some_and(|k| known.contains(k.as_bytes())) {
            names.push(name.clone());
            keys.extend(key);
        }
    }
    Pending { names, keys }
}

pub use crate::batches::MAX_BATCHES;

/// Where batch files start their names (`batch-<hash of the contents>`).
const BATCH_PREFIX: &str = "batch-";

/// Every key recorded under `dir`, and the batch files they came from.
fn read_batches(dir: &std::path::Path) -> (HashSet<[u8; 20]>, Vec<PathBuf>) {
    let mut keys = HashSet::new();
    let mut files = Vec::new();
    for (path, bytes) in crate::batches::read(dir, BATCH_PREFIX) {
        keys.extend(
            bytes
                .chunks_exact(20)
                .filter_map(|c| <[u8; 20]>::try_from(c).ok()),
        );
        files.push(path);
    }
    (keys, files)
}

impl Pending {
    /// Records that every pending file compiled. Failing to write is not an error: the
    /// files are verified again next time.
    pub fn record(&self) {
        let Some(dir) = cache_dir() else { return };
        if self.keys.is_empty() || std::fs::create_dir_all(&dir).is_err() {
            return;
        }
        let bytes: Vec<u8> = self
            .keys
            .iter()
            .flat_map(|k| k.as_bytes())
            .copied()
            .collect();
        if crate::batches::write(&dir, BATCH_PREFIX, &bytes).is_err() {
            return;
        }
        let (all, files) = read_batches(&dir);
        if files.len() > MAX_BATCHES {
            let mut merged: Vec<[u8; 20]> = all.into_iter().collect();
            merged.sort_unstable();
            crate::batches::merge(&dir, BATCH_PREFIX, &files, merged.as_flattened());
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

/// The directory [`remember_under`] named, if any.
pub(crate) fn cache_dir() -> Option<PathBuf> {
    CACHE_DIR.lock().ok().and_then(|d| d.clone())
}

/// The hash of the protoguard version and of `name`'s closure (import path and blob id of
/// it and of every file it imports), or `None` when an import leaves the side's files.
#[cfg(test)]
fn closure_key(
    set: &SourceSet,
    headers: &BTreeMap<String, Header>,
    name: &str,
    is_well_known: &impl Fn(&str) -> bool,
) -> Option<git2::Oid> {
    Closures::of(set, headers, is_well_known).key(name)
}

/// A side's import graph, by number (files in name order), for the closure keys of every
/// unchanged file on every run: a walk over numbers, not over names in sorted maps.
struct Closures<'a> {
    names: Vec<&'a str>,
    /// Each file's blob id.
    blobs: Vec<git2::Oid>,
    ids: std::collections::HashMap<&'a str, u32>,
    /// Each file's imports among the side's files; `None` when one leaves them (an `-I`
    /// directory; well-known types excepted) or the file has no header.
    imports: Vec<Option<Vec<u32>>>,
    /// The text every key starts with: protoguard's version and the side's compiler.
    prefix: String,
    /// The walk number that last reached each file, and the walk's number.
    reached: Vec<u32>,
    walk: u32,
}

impl<'a> Closures<'a> {
    fn of(
        set: &'a SourceSet,
        headers: &'a BTreeMap<String, Header>,
        is_well_known: &impl Fn(&str) -> bool,
    ) -> Self {
        let names: Vec<&str> = set.files.keys().map(String::as_str).collect();
        let ids: std::collections::HashMap<&str, u32> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (*n, i as u32))
            .collect();
        let imports = names
            .iter()
            .map(|n| {
                headers
                    .get(*n)?
                    .imports
                    .iter()
                    .try_fold(Vec::new(), |mut to, import| {
                        match ids.get(import.as_str()) {
                            Some(&id) => to.push(id),
                            None if is_well_known(import) => {}
                            None => return None,
                        }
                        Some(to)
                    })
            })
            .collect();
        // Which compiler judges the side: protox accepts a few schemas protoc refuses, so
        // a success under one says nothing about the other.
        let compiler = if set.has_editions() {
            "protoc"
        } else {
            "protox"
        };
        Closures {
            blobs: set.files.values().map(|f| f.key).collect(),
            reached: vec![0; names.len()],
            names,
            ids,
            imports,
            prefix: format!("protoguard {} {compiler}\n", env!("PROTOGUARD_SUMMARY_KEY")),
            walk: 0,
        }
    }

    /// `name`'s key (see [`closure_key`]).
    fn key(&mut self, name: &str) -> Option<git2::Oid> {
        let &root = self.ids.get(name)?;
        self.walk += 1;
        let mut closure = Vec::new();
        let mut stack = vec![root];
        while let Some(n) = stack.pop() {
            if self.reached[n as usize] == self.walk {
                continue;
            }
            self.reached[n as usize] = self.walk;
            closure.push(n);
            stack.extend(self.imports[n as usize].as_ref()?);
        }
        // The root first: the same closure reached from another file is another key. Then
        // each file's name and blob id, in name order (raw bytes: this runs for every
        // unchanged file on every run).
        closure.sort_unstable();
        let mut bytes = self.prefix.clone().into_bytes();
        bytes.extend_from_slice(name.as_bytes());
        bytes.push(b'\n');
        for n in closure {
            bytes.extend_from_slice(self.names[n as usize].as_bytes());
            bytes.push(0);
            bytes.extend_from_slice(self.blobs[n as usize].as_bytes());
        }
        git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok()
    }
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
    fn batches_are_read_whole_and_merged_past_the_limit() {
        let dir = tempfile::tempdir().unwrap();
        let key = |n: u8| [n; 20];
        for n in 0..=MAX_BATCHES as u8 {
            crate::batches::write(dir.path(), BATCH_PREFIX, [key(n), key(200)].as_flattened())
                .unwrap();
        }
        // A stray file and a torn one (not a batch name) are not read.
        std::fs::write(dir.path().join(".tmp-1-x"), [250u8; 20]).unwrap();
        let (keys, files) = read_batches(dir.path());
        assert_eq!(files.len(), MAX_BATCHES + 1);
        assert_eq!(keys.len(), MAX_BATCHES + 2);
        assert!(!keys.contains(&[250u8; 20]));
        remember_under(Some(dir.path().to_path_buf()));
        let pending = Pending {
            names: vec!["x.proto".into()],
            keys: vec![git2::Oid::from_bytes(&[99; 20]).unwrap()],
        };
        pending.record();
        remember_under(None);
        let (merged, files) = read_batches(dir.path());
        assert_eq!(files.len(), 1, "merged into one batch");
        assert_eq!(merged.len(), MAX_BATCHES + 3);
        assert!(merged.contains(&[99; 20]) && merged.contains(&key(3)));
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
