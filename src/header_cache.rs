//! Headers of file contents seen before, so that planning scans each content once.
//!
//! Planning needs every file's imports and top-level names ([`crate::plan::scan`]): a lexer
//! pass over every text of both sides, a third of a warm run with one changed file on a
//! large tree. A header depends on nothing but the text, and the text on nothing but its git
//! blob id, so headers are remembered by blob id, in `headers/` beside the directory of
//! verified files ([`crate::verified::remember_under`] names it; nowhere unless asked), in
//! batch files `headers-KEY-ID`: KEY is the build's source digest (any change to protoguard is a
//! new key, so no header outlives the scanner that wrote it), ID the hash of the batch.
//! Each run that scanned something writes one batch ([`crate::batches`]); past
//! [`MAX_BATCHES`] they are merged into one. A batch that does not decode is removed: its
//! files are scanned again.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use crate::plan::{Declares, Header};

pub use crate::batches::MAX_BATCHES;

/// Past this many headers a merge keeps only the batch just written (a cache that grew
/// over many repositories starts again).
const MAX_HEADERS: usize = 200_000;

/// The start of this build's batch names.
fn prefix() -> String {
    format!("headers-{}-", env!("PROTOGUARD_SUMMARY_KEY"))
}

/// The directory of header batches: `headers/` beside the verified files' directory.
fn cache_dir() -> Option<PathBuf> {
    let verified = crate::verified::cache_dir()?;
    Some(verified.parent()?.join("headers"))
}

/// Every header remembered under the cache directory (empty without one).
pub fn load() -> HashMap<git2::Oid, Header> {
    match cache_dir() {
        Some(dir) => read_all(&dir).0,
        None => HashMap::new(),
    }
}

/// Remembers `headers` (new ones: scanned this run). Failing to write is not an error.
pub fn save(headers: &[(git2::Oid, Header)]) {
    let Some(dir) = cache_dir() else {
        return;
    };
    if headers.is_empty() || std::fs::create_dir_all(&dir).is_err() {
        return;
    }
    let batch = encode_batch(headers.iter().map(|(k, h)| (k, h)));
    let Ok(written) = crate::batches::write(&dir, &prefix(), &batch) else {
        return;
    };
    let (all, files) = read_all(&dir);
    if files.len() <= MAX_BATCHES {
        return;
    }
    if all.len() <= MAX_HEADERS {
        crate::batches::merge(&dir, &prefix(), &files, &encode_batch(all.iter()));
    } else {
        crate::batches::remove_except(&files, &written);
    }
}

/// The headers of every batch of this build under `dir`, and the batch files.
fn read_all(dir: &Path) -> (HashMap<git2::Oid, Header>, Vec<PathBuf>) {
    let mut headers = HashMap::new();
    let mut files = Vec::new();
    for (path, bytes) in crate::batches::read(dir, &prefix()) {
        match decode(&bytes) {
            Some(batch) => {
                headers.extend(batch);
                files.push(path);
            }
            // Batches appear whole (by rename): one that does not decode is damaged.
            None => {
                let _ = std::fs::remove_file(path);
            }
        }
    }
    (headers, files)
}

/// The bytes of one batch of `headers`.
fn encode_batch<'a>(headers: impl Iterator<Item = (&'a git2::Oid, &'a Header)>) -> Vec<u8> {
    let mut bytes = vec![0; 4];
    let mut count = 0u32;
    for (key, header) in headers {
        encode(&mut bytes, key, header);
        count += 1;
    }
    bytes[..4].copy_from_slice(&count.to_le_bytes());
    bytes
}

// A batch: the number of headers (u32 little-endian), then each header: the 20-byte key,
// a flags byte (syntax present, edition present, declares messages, enums, extensions),
// the present strings of syntax and edition, the package, then the imports and the names,
// each a count and strings. A string is its length (u32 little-endian) and its bytes.

fn encode(out: &mut Vec<u8>, key: &git2::Oid, h: &Header) {
    out.extend_from_slice(key.as_bytes());
    let flags = u8::from(h.syntax.is_some())
        | u8::from(h.edition.is_some()) << 1
        | u8::from(h.declares.messages) << 2
        | u8::from(h.declares.enums) << 3
        | u8::from(h.declares.extensions) << 4;
    out.push(flags);
    let string = |out: &mut Vec<u8>, s: &str| {
        out.extend_from_slice(&(s.len() as u32).to_le_bytes());
        out.extend_from_slice(s.as_bytes());
    };
    for s in h.syntax.iter().chain(&h.edition) {
        string(out, s);
    }
    string(out, &h.package);
    for list in [&h.imports, &h.decls] {
        out.extend_from_slice(&(list.len() as u32).to_le_bytes());
        for s in list {
            string(out, s);
        }
    }
}

/// A batch's headers, or `None` if any part of it does not decode.
fn decode(bytes: &[u8]) -> Option<Vec<(git2::Oid, Header)>> {
    struct Reader<'a>(&'a [u8]);
    impl<'a> Reader<'a> {
        fn take(&mut self, n: usize) -> Option<&'a [u8]> {
            let (head, rest) = (self.0.get(..n)?, self.0.get(n..)?);
            self.0 = rest;
            Some(head)
        }
        fn u32(&mut self) -> Option<usize> {
            Some(u32::from_le_bytes(self.take(4)?.try_into().ok()?) as usize)
        }
        fn string(&mut self) -> Option<String> {
            let n = self.u32()?;
            String::from_utf8(self.take(n)?.to_vec()).ok()
        }
        fn list(&mut self) -> Option<Vec<String>> {
            let n = self.u32()?;
            // A count larger than the bytes left is corrupt, not an allocation to make.
            (n <= self.0.len()).then_some(())?;
            (0..n).map(|_| self.string()).collect()
        }
    }
    let mut r = Reader(bytes);
    let count = r.u32()?;
    let mut out = Vec::new();
    for _ in 0..count {
        let key = git2::Oid::from_bytes(r.take(20)?).ok()?;
        let flags = r.take(1)?[0];
        let syntax = if flags & 1 != 0 {
            Some(r.string()?)
        } else {
            None
        };
        let edition = if flags & 2 != 0 {
            Some(r.string()?)
        } else {
            None
        };
        let header = Header {
            syntax,
            edition,
            package: r.string()?,
            imports: r.list()?,
            decls: r.list()?,
            declares: Declares {
                messages: flags & 4 != 0,
                enums: flags & 8 != 0,
                extensions: flags & 16 != 0,
            },
        };
        out.push((key, header));
    }
    r.0.is_empty().then_some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn headers_round_trip_and_a_truncated_batch_is_refused() {
        let text = "edition = \"2023\";\npackage a.b;\nimport \"x.proto\";\nmessage M { enum E { V = 0; } }\nenum T { T0 = 0; }\nextend M { int32 e = 5; }\n";
        let header = crate::plan::scan(text);
        assert!(header.declares.messages && header.declares.enums && header.declares.extensions);
        let plain = crate::plan::scan("package p; message N {}");
        let key = |t: &str| git2::Oid::hash_object(git2::ObjectType::Blob, t.as_bytes()).unwrap();
        let (k1, k2) = (key(text), key("p"));
        let bytes = encode_batch([(&k1, &header), (&k2, &plain)].into_iter());
        let back = decode(&bytes).unwrap();
        assert_eq!(back, vec![(key(text), header), (key("p"), plain)]);
        for cut in 1..bytes.len() {
            assert!(decode(&bytes[..cut]).is_none(), "cut at {cut}");
        }
    }
}
