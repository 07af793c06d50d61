//! Batch files: how the caches under the cache directory ([`crate::verified`],
//! [`crate::header_cache`]) store what a run learned. Each run that learned something
//! writes one file, named by a prefix and the hash of its contents, whole under a temporary
//! name and then renamed, so a reader (another protoguard running at the same time among
//! them) sees a batch whole or not at all. Past [`MAX_BATCHES`] files, a cache merges them
//! into one. (One file per entry cost a file creation per entry: seconds on a first run
//! over thousands of files.)

use std::path::{Path, PathBuf};

/// How many batch files a cache holds before it merges them into one.
pub const MAX_BATCHES: usize = 16;

/// Every batch under `dir` whose name starts with `prefix`, with its contents. A batch
/// removed meanwhile by a concurrent merge is simply left out.
pub fn read(dir: &Path, prefix: &str) -> Vec<(PathBuf, Vec<u8>)> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .flatten()
        .filter(|e| e.file_name().to_string_lossy().starts_with(prefix))
        .filter_map(|e| Some((e.path(), std::fs::read(e.path()).ok()?)))
        .collect()
}

/// Writes `bytes` as one batch under `dir`, named `prefix` and the hash of `bytes`.
pub fn write(dir: &Path, prefix: &str, bytes: &[u8]) -> std::io::Result<PathBuf> {
    let id = git2::Oid::hash_object(git2::ObjectType::Blob, bytes)
        .map_err(|e| std::io::Error::other(e.message().to_string()))?;
    let path = dir.join(format!("{prefix}{id}"));
    let tmp = dir.join(format!(".tmp-{}-{id}", std::process::id()));
    std::fs::write(&tmp, bytes)?;
    std::fs::rename(&tmp, &path).inspect_err(|_| {
        let _ = std::fs::remove_file(&tmp);
    })?;
    Ok(path)
}

/// Removes the batch files of `files` other than `kept`. Failing to is not an error.
pub fn remove_except(files: &[PathBuf], kept: &Path) {
    for f in files.iter().filter(|f| f.as_path() != kept) {
        let _ = std::fs::remove_file(f);
    }
}

/// Replaces the batch files of `files` with one batch of `merged`.
pub fn merge(dir: &Path, prefix: &str, files: &[PathBuf], merged: &[u8]) {
    if let Ok(kept) = write(dir, prefix, merged) {
        remove_except(files, &kept);
    }
}
