//! Imports of the two sides of a comparison. buf compares every file of its two images,
//! imports included: a well-known type or `-I` file the old side imports and the new side
//! no longer imports anywhere is a deleted file (FILE_NO_DELETE, and the PACKAGE_* rules for
//! its package), whatever the rules' category. Two things follow for source sides:
//!
//! - An import of both sides resolves to the same file (the compiler's well-known types,
//!   the same `-I` roots), so nothing inside it can differ: it is marked unchanged, and the
//!   rules only see that it is there. (Two images may carry different versions of an
//!   import: those are compared like any file.)
//! - A planned load compiles only the files that can differ, so a side's index holds the
//!   imports those files reach. An import reached from a file left out (the same on both
//!   sides) is there on both sides in a full load: when the compiled files of the two sides
//!   reach different imports, the imports of the files left out are compiled too.

use std::collections::{BTreeMap, BTreeSet};

use crate::compile::SourceSet;
use crate::index::Index;
use crate::plan::Header;

/// Marks the imports present on both (source) sides unchanged: the same file on each.
pub fn mark_unchanged(old: &mut Index, new: &mut Index) {
    let imports = |index: &Index| -> BTreeSet<String> {
        index
            .files
            .iter()
            .filter(|f| f.is_import)
            .map(|f| f.name.clone())
            .collect()
    };
    let shared: BTreeSet<String> = imports(old).intersection(&imports(new)).cloned().collect();
    for index in [old, new] {
        for f in index.files.iter_mut().filter(|f| shared.contains(&f.name)) {
            f.unchanged = true;
        }
    }
}

/// Whether one index holds an import the other lacks entirely.
pub fn one_sided(old: &Index, new: &Index) -> bool {
    let lacks = |a: &Index, b: &Index| {
        a.files
            .iter()
            .any(|f| f.is_import && b.file(&f.name).is_none())
    };
    lacks(old, new) || lacks(new, old)
}

/// The imports, from outside the side's files, of the side's files not in `compiled`.
pub fn of_left_out(
    set: &SourceSet,
    headers: &BTreeMap<String, Header>,
    compiled: &BTreeSet<String>,
) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for (name, header) in headers {
        if compiled.contains(name) {
            continue;
        }
        for import in &header.imports {
            if !set.files.contains_key(import) {
                out.insert(import.clone());
            }
        }
    }
    out.into_iter().collect()
}
