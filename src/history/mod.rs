//! The history ledger: every field and enum value each message and enum had in earlier
//! releases, so that reusing a number or name deleted long ago is caught even when the
//! baseline no longer shows it. It also records, per release, which messages, fields,
//! enums, values, services and RPCs existed and which carried `deprecated = true`
//! ([`elements`], read by the deprecation cycle), and whether each release is a tag and its
//! date.
//!
//! A ledger is built from a sequence of releases, oldest first: the release tags of a git
//! repository that are ancestors of the baseline (plus the baseline itself), every commit
//! that touched a `.proto` file ([`from_git`] with `all_commits`), or plain directories
//! ([`from_dirs`], for fixtures and tests).
//!
//! Files are only *parsed* (`protox_parse::parse`: no import resolution, nothing compiled;
//! editions files through [`crate::editions_text`]), so a release that does not compile any
//! more still contributes what it declared. What a file declares is summarised once per blob id and cached in memory and on disk under
//! `$XDG_CACHE_HOME/protoguard/` (else `~/.cache/protoguard/`), never inside the repository:
//! re-runs and long histories read and parse only blobs never seen before. Releases are
//! compared tree by tree (identical subtrees are skipped by id), so each release costs only
//! what changed since the previous one.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex, OnceLock};

use git2::{ObjectType, Oid, Repository};
use serde::{Deserialize, Serialize};

use crate::error::LoadError;
use crate::git::{self, GitSpec, GitTarget};
use crate::index::WireKind;

mod build;
pub mod elements;
mod summary;
#[cfg(test)]
mod tests;
mod timeline;

pub use build::*;
pub use summary::*;
use timeline::*;

pub use elements::{DeclKind, ElementHistory};

/// With `--history all`, at most this many commits (the latest ones that touched a `.proto`
/// file, and tagged releases among them) are read; older ones are left out and a note says so.
pub const MAX_HISTORY_COMMITS: usize = 5000;

/// The rules that read the ledger: without any of them selected, no history is read.
pub const RULES: [&str; 4] = [
    "FIELD_NUMBER_REUSED",
    "ENUM_VALUE_NUMBER_REUSED",
    "FIELD_NAME_REUSED",
    "ENUM_VALUE_NAME_REUSED",
];

/// How to run without history when it cannot be read (said with such errors).
const WITHOUT_HISTORY: &str = "to check without history, leave its rules out: \
`--except FIELD_NUMBER_REUSED,ENUM_VALUE_NUMBER_REUSED,FIELD_NAME_REUSED,ENUM_VALUE_NAME_REUSED`";

/// Said once (with `--verbose`) when the baseline is not a git input.
pub const NO_HISTORY_NOTE: &str =
    "FIELD_NUMBER_REUSED, ENUM_VALUE_NUMBER_REUSED, FIELD_NAME_REUSED and \
ENUM_VALUE_NAME_REUSED are silent: the baseline is not a git input, so there is no history to read";

/// What earlier releases declared, per message and enum (by full name, without a leading dot).
#[derive(Debug, Default)]
pub struct Ledger {
    /// Release labels, oldest first (tag names, short commit ids, directory labels).
    releases: Vec<String>,
    messages: HashMap<String, MessageHistory>,
    enums: HashMap<String, EnumHistory>,
    /// Per release: whether it is a release tag (not a commit of `--history all`, nor a
    /// baseline no tag points at) and its date (seconds since the epoch: the tagger's date of
    /// an annotated tag, else the commit's), when known.
    release_meta: Vec<ReleaseMeta>,
    /// Messages, fields, enums, values, services and RPCs by kind and full name: in which
    /// releases each existed and was deprecated.
    elements: HashMap<(DeclKind, String), ElementHistory>,
    /// How the ledger was built (releases, blobs read, cache hits).
    pub stats: Stats,
    /// Things a user may want to know with `--verbose` (no release before the baseline).
    pub notes: Vec<String>,
    /// What makes the ledger incomplete (files that do not parse, a shallow clone, the
    /// commit limit): always printed, so a CI log shows that the history rules saw less.
    pub warnings: Vec<String>,
}

/// What is known of one release besides its label.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct ReleaseMeta {
    /// A release tag (or a directory release), not an untagged commit.
    pub tagged: bool,
    /// Seconds since the epoch, when known.
    pub time: Option<i64>,
}

/// Every field a message ever had.
#[derive(Debug, Default)]
pub struct MessageHistory {
    /// Field number → every (name, type, label) it had, each with the releases it spans.
    pub numbers: BTreeMap<i32, Vec<FieldRecord>>,
    /// Field name → every number it had.
    pub names: BTreeMap<String, BTreeSet<i32>>,
}

/// One field declaration (number, name, type and label) as it existed in some releases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldRecord {
    pub number: i32,
    pub name: String,
    /// The type as written: `string`, `Foo`, `.pkg.Foo`, `map<string, Foo>`.
    pub ty: String,
    /// `repeated`, `required`, `optional` (written explicitly), or empty.
    pub label: String,
    /// Index of the first and the last release in which it existed.
    pub first: usize,
    pub last: usize,
}

impl FieldRecord {
    /// The declaration as a reader would recognise it: `repeated string tags`.
    pub fn declaration(&self) -> String {
        if self.label.is_empty() {
            format!("{} {}", self.ty, self.name)
        } else {
            format!("{} {} {}", self.label, self.ty, self.name)
        }
    }
}

/// Every value an enum ever had.
#[derive(Debug, Default)]
pub struct EnumHistory {
    /// Value number → every name it had (several at once with `allow_alias`).
    pub numbers: BTreeMap<i32, Vec<ValueRecord>>,
    /// Value name → every number it had.
    pub names: BTreeMap<String, BTreeSet<i32>>,
}

/// One enum value (name and number) as it existed in some releases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ValueRecord {
    pub number: i32,
    pub name: String,
    pub first: usize,
    pub last: usize,
}

/// How a ledger was built.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Stats {
    pub releases: usize,
    /// Distinct file contents (blob ids) the releases hold.
    pub blobs: usize,
    /// Blobs read from the object database (or files read from disk): zero on a warm cache.
    pub blobs_read: usize,
    /// Blobs parsed (read and not found in any cache).
    pub parsed: usize,
    pub memory_hits: usize,
    pub disk_hits: usize,
    /// Files that do not parse or are not UTF-8 (they contribute nothing).
    pub unparsable: usize,
    /// Disk cache entries that were not the blob's summary under this build (another
    /// blob's, another version's, edited): recomputed.
    pub rejected: usize,
}

impl Ledger {
    /// Release labels, oldest first.
    pub fn releases(&self) -> &[String] {
        &self.releases
    }

    /// The label of release `i` (as found in a record's `first`/`last`).
    pub fn label(&self, i: usize) -> &str {
        self.releases.get(i).map(String::as_str).unwrap_or("?")
    }

    /// The history of a message, by full name (`pkg.Outer.Inner`).
    pub fn message(&self, full_name: &str) -> Option<&MessageHistory> {
        self.messages.get(full_name)
    }

    /// The history of an enum, by full name.
    pub fn enum_(&self, full_name: &str) -> Option<&EnumHistory> {
        self.enums.get(full_name)
    }

    pub fn is_empty(&self) -> bool {
        self.messages.is_empty() && self.enums.is_empty()
    }

    /// Whether release `i` is a release tag, and its date.
    pub fn release_meta(&self, i: usize) -> ReleaseMeta {
        self.release_meta.get(i).copied().unwrap_or_default()
    }

    /// In which releases an element existed and was deprecated, by kind and full name
    /// (`pkg.Msg.field`, `pkg.Enum.VALUE`, `pkg.Service.Method`).
    pub fn element(&self, kind: DeclKind, full_name: &str) -> Option<&ElementHistory> {
        self.elements.get(&(kind, full_name.to_string()))
    }

    /// A one-line account for `--verbose`.
    pub fn describe(&self) -> String {
        let s = &self.stats;
        format!(
            "history: {} release{} ({}), {} messages, {} enums; {} file versions: {} read, {} from the memory cache, {} from the disk cache",
            s.releases,
            if s.releases == 1 { "" } else { "s" },
            match self.releases.as_slice() {
                [] => "none".to_string(),
                [one] => one.clone(),
                [first, .., last] => format!("{first} … {last}"),
            },
            self.messages.len(),
            self.enums.len(),
            s.blobs,
            s.blobs_read,
            s.memory_hits,
            s.disk_hits,
        ) + &if s.rejected > 0 {
            format!(
                "; {} disk cache entr{} not for this blob or build, recomputed",
                s.rejected,
                if s.rejected == 1 { "y" } else { "ies" }
            )
        } else {
            String::new()
        }
    }
}

impl MessageHistory {
    /// Records of one number, if it was ever used.
    pub fn at(&self, number: i32) -> &[FieldRecord] {
        self.numbers.get(&number).map(Vec::as_slice).unwrap_or(&[])
    }
}

impl EnumHistory {
    pub fn at(&self, number: i32) -> &[ValueRecord] {
        self.numbers.get(&number).map(Vec::as_slice).unwrap_or(&[])
    }
}
