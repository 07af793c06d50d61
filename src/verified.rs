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
//! file's closure: its import path and git blob id, and the keys of the files it imports
//! (so, transitively, the path and blob id of every file it reaches). Only successes are recorded. Batches are written as [`crate::batches`]
//! writes them, so a reader sees a batch whole or not at all; past [`MAX_BATCHES`] they
//! are merged into one. (One empty file per key, as before, cost a file creation per file
//! verified: seconds on a first run over thousands of files.) A file whose closure reaches outside the side's own files (an
//! `-I` directory; well-known types ship with protoguard and are covered by its build) is
//! verified on every run. Clashes with files outside the closure are found by planning,
//! which compiles both clashing files; two extensions of one message with one number, by
//! compiling every file that declares an extension together ([`extension_group`], recorded
//! under a key of the whole group).

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

/// The keys of everything recorded as compiled (see [`remember_under`]).
pub struct Known(HashSet<[u8; 20]>);

/// Reads what earlier runs recorded.
pub fn known() -> Known {
    Known(cache_dir().map(|d| read_batches(&d).0).unwrap_or_default())
}

impl Known {
    fn contains(&self, key: &git2::Oid) -> bool {
        self.0.contains(key.as_bytes())
    }
}

/// Splits `clean` (files of `set`) into those already known to compile and the rest.
pub fn pending(closures: &mut Closures, clean: &[String], known: &Known) -> Pending {
    let mut names = Vec::new();
    let mut keys = Vec::new();
    for name in clean {
        let key = closures.key(name);
        if !key.is_some_and(|k| known.contains(&k)) {
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
    /// Whether `other` is the same compile: the same files, the same contents.
    pub fn same_as(&self, other: &Pending) -> bool {
        !self.keys.is_empty() && self.keys == other.keys && self.names == other.names
    }

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

/// The files of `set` that declare an extension, to be compiled in one compiler with what
/// they import, unless this very group compiled before: two extensions of one message with
/// one number in files that no other compile holds together are found there (see
/// [`crate::extension_numbers`]; a file's own compile finds those within its closure).
pub fn extension_group(
    closures: &mut Closures,
    headers: &BTreeMap<String, Header>,
    known: &Known,
) -> Pending {
    let names: Vec<String> = headers
        .iter()
        .filter(|(n, h)| h.declares.extensions && closures.ids.contains_key(n.as_str()))
        .map(|(n, _)| n.clone())
        .collect();
    if names.len() < 2 {
        return Pending {
            names: Vec::new(),
            keys: Vec::new(),
        };
    }
    let key = closures.group_key(&names);
    if key.is_some_and(|k| known.contains(&k)) {
        return Pending {
            names: Vec::new(),
            keys: Vec::new(),
        };
    }
    Pending {
        names,
        keys: key.into_iter().collect(),
    }
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
pub struct Closures<'a> {
    names: Vec<&'a str>,
    /// Each file's blob id.
    blobs: Vec<git2::Oid>,
    ids: std::collections::HashMap<&'a str, u32>,
    /// Each file's imports among the side's files; `None` when one leaves them (an `-I`
    /// directory; well-known types excepted) or the file has no header.
    imports: Vec<Option<Vec<u32>>>,
    /// The text every key starts with: protoguard's version and the side's compiler.
    prefix: String,
    /// Each file's key, once known.
    keys: Vec<KeyState>,
}

impl<'a> Closures<'a> {
    /// The graph of `set`, whose headers are `headers`.
    pub fn of(
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
            keys: (0..names.len()).map(|_| KeyState::Todo).collect(),
            names,
            ids,
            imports,
            prefix: format!("protoguard {} {compiler}\n", env!("PROTOGUARD_SUMMARY_KEY")),
        }
    }

    /// `name`'s key (see [`closure_key`]).
    fn key(&mut self, name: &str) -> Option<git2::Oid> {
        let &root = self.ids.get(name)?;
        self.key_of(root)
    }

    /// The key of `names` compiled together: theirs, in name order.
    fn group_key(&mut self, names: &[String]) -> Option<git2::Oid> {
        let mut bytes = self.prefix.clone().into_bytes();
        bytes.extend_from_slice(b"(files declaring extensions, compiled together)\n");
        for name in names {
            bytes.extend_from_slice(self.key(name)?.as_bytes());
        }
        git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok()
    }

    /// A file's key, a hash of its name, its blob id and its imports' keys (so of its
    /// whole closure, each file hashed once a run: this runs for every unchanged file on
    /// every run). `None` when the closure leaves the side's files or holds a cycle (the
    /// compiler refuses it; it is verified, and refused, on every run).
    fn key_of(&mut self, root: u32) -> Option<git2::Oid> {
        let mut stack = vec![(root, false)];
        while let Some((n, imports_done)) = stack.pop() {
            let i = n as usize;
            match (&self.keys[i], imports_done) {
                (KeyState::Done(_), false) => {}
                // Reached again while its imports are being keyed: a cycle.
                (KeyState::Open, false) => self.keys[i] = KeyState::Done(None),
                (KeyState::Todo, false) => match &self.imports[i] {
                    None => self.keys[i] = KeyState::Done(None),
                    Some(imports) => {
                        self.keys[i] = KeyState::Open;
                        stack.push((n, true));
                        stack.extend(imports.iter().map(|&m| (m, false)));
                    }
                },
                // Found in a cycle while open: stays without a key.
                (KeyState::Done(_), true) => {}
                (_, true) => {
                    let key = self.hash(i);
                    self.keys[i] = KeyState::Done(key);
                }
            }
        }
        match self.keys[root as usize] {
            KeyState::Done(key) => key,
            _ => None,
        }
    }

    /// The key of file `i`, whose imports are keyed.
    fn hash(&self, i: usize) -> Option<git2::Oid> {
        let mut bytes = self.prefix.clone().into_bytes();
        bytes.extend_from_slice(self.names[i].as_bytes());
        bytes.push(0);
        bytes.extend_from_slice(self.blobs[i].as_bytes());
        for &m in self.imports[i].as_ref()? {
            match &self.keys[m as usize] {
                KeyState::Done(Some(key)) => bytes.extend_from_slice(key.as_bytes()),
                _ => return None,
            }
        }
        git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).ok()
    }
}

/// Where a file's key stands during a run.
enum KeyState {
    Todo,
    /// Its imports are being keyed.
    Open,
    Done(Option<git2::Oid>),
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(files: &[(&str, &str)]) -> SourceSet {
        SourceSet::from_texts(files.iter().copied())
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
