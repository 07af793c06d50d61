//! The history ledger: every field and enum value each message and enum had in earlier
//! releases, so that reusing a number or name deleted long ago is caught even when the
//! baseline no longer shows it.
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
    /// How the ledger was built (releases, blobs read, cache hits).
    pub stats: Stats,
    /// Things a user may want to know with `--verbose` (no release before the baseline).
    pub notes: Vec<String>,
    /// What makes the ledger incomplete (files that do not parse, a shallow clone, the
    /// commit limit): always printed, so a CI log shows that the history rules saw less.
    pub warnings: Vec<String>,
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

// ---- summaries of one file, cached per blob id ------------------------------------------

/// What one file declares, as far as the ledger cares. Serialised into the disk cache.
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Summary {
    /// Why the file contributes nothing (does not parse, not UTF-8).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    /// Messages by full name, with their fields.
    #[serde(default)]
    pub messages: Vec<(String, Vec<FieldDecl>)>,
    /// Enums by full name, with their values.
    #[serde(default)]
    pub enums: Vec<(String, Vec<ValueDecl>)>,
}

/// A field as a file declares it: (number, name, type as written, label).
pub type FieldDecl = (i32, String, String, String);

/// An enum value as a file declares it: (number, name).
pub type ValueDecl = (i32, String);

/// A run of releases in which a path held one blob: (blob, path, first, last release).
type Span = (Oid, String, usize, usize);

/// What a summary depends on besides the file's bytes: the entry format (bump when
/// [`Summary`] or its meaning changes), protoguard's version, the parser's
/// (protox-parse, from Cargo.lock) and a digest of protoguard's source, where the
/// summariser lives (both from build.rs). It names the cache directory and is checked in
/// every entry, so an entry written by another build is recomputed, never trusted.
const CACHE_KEY: &str = concat!("history-v2-", env!("PROTOGUARD_SUMMARY_KEY"));

/// One summary as stored on disk, with what proves it is the one asked for.
#[derive(Serialize, Deserialize)]
struct Entry {
    /// [`CACHE_KEY`] of the build that wrote it.
    key: String,
    /// The blob id it summarises (hex).
    blob: String,
    /// The git blob id of the summary serialised as JSON: an entry edited by hand, or
    /// truncated, does not match.
    digest: String,
    summary: Summary,
}

fn digest_of(summary: &Summary) -> Option<String> {
    let bytes = serde_json::to_vec(summary).ok()?;
    Some(Oid::hash_object(ObjectType::Blob, &bytes).ok()?.to_string())
}

/// What the disk cache holds for a blob.
enum Lookup {
    Hit(Arc<Summary>),
    /// Nothing there.
    Miss,
    /// An entry that is not this blob's summary under this build (another blob's, another
    /// version's, edited or truncated): it is recomputed and overwritten.
    Rejected,
}

/// Where summaries are kept: always in memory, and on disk when a directory is given.
#[derive(Debug, Default)]
pub struct Cache {
    dir: Option<PathBuf>,
    memory: Mutex<HashMap<Oid, Arc<Summary>>>,
}

impl Cache {
    /// A cache kept in memory only.
    pub fn in_memory() -> Cache {
        Cache::default()
    }

    /// A cache in memory and under `dir` (created when first written).
    pub fn at(dir: impl Into<PathBuf>) -> Cache {
        Cache {
            dir: Some(dir.into()),
            memory: Mutex::default(),
        }
    }

    /// [`crate::cache_dir::root`]: `$XDG_CACHE_HOME/protoguard` or `$HOME/.cache/protoguard`.
    pub fn default_dir() -> Option<PathBuf> {
        crate::cache_dir::root()
    }

    /// The process-wide cache [`from_git`] uses: memory plus [`Cache::default_dir`].
    pub fn shared() -> &'static Cache {
        static SHARED: OnceLock<Cache> = OnceLock::new();
        SHARED.get_or_init(|| Cache {
            dir: Cache::default_dir(),
            memory: Mutex::default(),
        })
    }

    /// The process-wide in-memory cache [`from_dirs`] uses.
    fn shared_memory() -> &'static Cache {
        static SHARED: OnceLock<Cache> = OnceLock::new();
        SHARED.get_or_init(Cache::in_memory)
    }

    /// The file holding a blob's summary: `DIR/CACHE_KEY/ab/cdef…`.
    pub fn file(&self, id: Oid) -> Option<PathBuf> {
        let hex = id.to_string();
        self.dir
            .as_ref()
            .map(|d| d.join(CACHE_KEY).join(&hex[..2]).join(&hex[2..]))
    }

    fn in_memory_get(&self, id: Oid) -> Option<Arc<Summary>> {
        self.memory.lock().ok()?.get(&id).cloned()
    }

    fn on_disk_get(&self, id: Oid) -> Lookup {
        let Some(bytes) = self.file(id).and_then(|f| std::fs::read(f).ok()) else {
            return Lookup::Miss;
        };
        let Ok(entry) = serde_json::from_slice::<Entry>(&bytes) else {
            return Lookup::Rejected;
        };
        if entry.key != CACHE_KEY
            || entry.blob != id.to_string()
            || digest_of(&entry.summary).as_deref() != Some(entry.digest.as_str())
        {
            return Lookup::Rejected;
        }
        let summary = Arc::new(entry.summary);
        self.remember(id, Arc::clone(&summary));
        Lookup::Hit(summary)
    }

    fn remember(&self, id: Oid, summary: Arc<Summary>) {
        if let Ok(mut m) = self.memory.lock() {
            m.insert(id, summary);
        }
    }

    /// Writes a summary to disk (best effort: a read-only home only costs speed).
    fn store(&self, id: Oid, summary: &Summary) {
        let Some(path) = self.file(id) else { return };
        let Some(parent) = path.parent() else { return };
        if std::fs::create_dir_all(parent).is_err() {
            return;
        }
        let Some(digest) = digest_of(summary) else {
            return;
        };
        let entry = EntryRef {
            key: CACHE_KEY,
            blob: id.to_string(),
            digest,
            summary,
        };
        let Ok(bytes) = serde_json::to_vec(&entry) else {
            return;
        };
        // Write then rename, so a concurrent run never reads half a file.
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let tmp = path.with_extension(format!("tmp{}.{n}", std::process::id()));
        if std::fs::write(&tmp, bytes).is_ok() && std::fs::rename(&tmp, &path).is_err() {
            let _ = std::fs::remove_file(&tmp);
        }
    }
}

/// [`Entry`] borrowing its summary, for writing.
#[derive(Serialize)]
struct EntryRef<'a> {
    key: &'a str,
    blob: String,
    digest: String,
    summary: &'a Summary,
}

/// Summarises one file's text.
pub fn summarize(name: &str, text: &str) -> Summary {
    // A leading byte-order mark is accepted, as buf and protoc accept it.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    // protox-parse knows proto2 and proto3 only: an editions file is read as the proto3 file
    // that declares the same fields and values.
    let rewritten = crate::editions_text::as_proto3(text);
    match protox_parse::parse(name, rewritten.as_deref().unwrap_or(text)) {
        Ok(file) => {
            let mut out = Summary::default();
            let package = file.package.clone().unwrap_or_default();
            let proto2 = matches!(file.syntax.as_deref(), None | Some("proto2"));
            for m in &file.message_type {
                summarize_message(&mut out, &package, m, proto2);
            }
            for e in &file.enum_type {
                summarize_enum(&mut out, &package, e);
            }
            out
        }
        Err(e) => Summary {
            error: Some(e.to_string()),
            ..Default::default()
        },
    }
}

fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

fn summarize_message(
    out: &mut Summary,
    scope: &str,
    m: &prost_types::DescriptorProto,
    proto2: bool,
) {
    use prost_types::field_descriptor_proto::{Label, Type};
    let full = qualify(scope, m.name());
    let entries: HashMap<&str, &prost_types::DescriptorProto> = m
        .nested_type
        .iter()
        .filter(|n| n.options.as_ref().and_then(|o| o.map_entry) == Some(true))
        .map(|n| (n.name(), n))
        .collect();
    let written = |f: &prost_types::FieldDescriptorProto| -> String {
        match f.r#type.and_then(|t| Type::try_from(t).ok()) {
            Some(Type::Message | Type::Enum | Type::Group) | None => f.type_name().to_string(),
            Some(t) => WireKind::from_type(t as i32).name().to_string(),
        }
    };
    let mut fields = Vec::new();
    for f in &m.field {
        let label = f.label.and_then(|l| Label::try_from(l).ok());
        let entry = (label == Some(Label::Repeated))
            .then(|| entries.get(f.type_name()))
            .flatten();
        let (ty, label) = match entry {
            Some(entry) => {
                let part = |n: i32| {
                    entry
                        .field
                        .iter()
                        .find(|x| x.number() == n)
                        .map(written)
                        .unwrap_or_default()
                };
                (format!("map<{}, {}>", part(1), part(2)), String::new())
            }
            None => {
                let label = match label {
                    Some(Label::Repeated) => "repeated",
                    Some(Label::Required) => "required",
                    _ if f.proto3_optional() => "optional",
                    Some(Label::Optional) if proto2 && f.oneof_index.is_none() => "optional",
                    _ => "",
                };
                (written(f), label.to_string())
            }
        };
        fields.push((f.number(), f.name().to_string(), ty, label));
    }
    out.messages.push((full.clone(), fields));
    for n in &m.nested_type {
        if !entries.contains_key(n.name()) {
            summarize_message(out, &full, n, proto2);
        }
    }
    for e in &m.enum_type {
        summarize_enum(out, &full, e);
    }
}

fn summarize_enum(out: &mut Summary, scope: &str, e: &prost_types::EnumDescriptorProto) {
    out.enums.push((
        qualify(scope, e.name()),
        e.value
            .iter()
            .map(|v| (v.number(), v.name().to_string()))
            .collect(),
    ));
}

// ---- releases as a timeline of file versions ------------------------------------------

/// Which file versions existed in which releases: per path, consecutive runs of one blob.
#[derive(Default)]
struct Timeline {
    labels: Vec<String>,
    /// Path → (blob, index of the release it appeared in), for files present now.
    open: HashMap<String, (Oid, usize)>,
    spans: Vec<Span>,
}

/// A file that changed between two consecutive releases: its path and its new blob, or
/// `None` when it was deleted.
type Change = (String, Option<Oid>);

impl Timeline {
    /// The next release, given as what changed since the previous one.
    fn push(&mut self, label: String, changes: Vec<Change>) {
        let i = self.labels.len();
        self.labels.push(label);
        for (path, new) in changes {
            if let Some((blob, since)) = self.open.remove(&path) {
                self.spans.push((blob, path.clone(), since, i - 1));
            }
            if let Some(blob) = new {
                self.open.insert(path, (blob, i));
            }
        }
    }

    /// The next release, given as every file it holds.
    fn push_listing(&mut self, label: String, files: &BTreeMap<String, Oid>) {
        let mut changes: Vec<Change> = Vec::new();
        for (path, &(blob, _)) in &self.open {
            match files.get(path) {
                Some(&b) if b == blob => {}
                other => changes.push((path.clone(), other.copied())),
            }
        }
        for (path, &blob) in files {
            if !self.open.contains_key(path) {
                changes.push((path.clone(), Some(blob)));
            }
        }
        self.push(label, changes);
    }

    fn finish(mut self) -> (Vec<String>, Vec<Span>) {
        let last = self.labels.len().saturating_sub(1);
        for (path, (blob, since)) in self.open.drain() {
            self.spans.push((blob, path, since, last));
        }
        self.spans.sort();
        (self.labels, self.spans)
    }
}

/// Merges the summaries of every span into a ledger.
fn assemble(labels: Vec<String>, spans: &[Span], summaries: &HashMap<Oid, Arc<Summary>>) -> Ledger {
    let mut ledger = Ledger {
        releases: labels,
        ..Default::default()
    };
    for (blob, _, first, last) in spans {
        let Some(summary) = summaries.get(blob) else {
            continue;
        };
        for (message, fields) in &summary.messages {
            let h = ledger.messages.entry(message.clone()).or_default();
            for (number, name, ty, label) in fields {
                h.names.entry(name.clone()).or_default().insert(*number);
                let records = h.numbers.entry(*number).or_default();
                match records
                    .iter_mut()
                    .find(|r| r.name == *name && r.ty == *ty && r.label == *label)
                {
                    Some(r) => {
                        r.first = r.first.min(*first);
                        r.last = r.last.max(*last);
                    }
                    None => records.push(FieldRecord {
                        number: *number,
                        name: name.clone(),
                        ty: ty.clone(),
                        label: label.clone(),
                        first: *first,
                        last: *last,
                    }),
                }
            }
        }
        for (enum_, values) in &summary.enums {
            let h = ledger.enums.entry(enum_.clone()).or_default();
            for (number, name) in values {
                h.names.entry(name.clone()).or_default().insert(*number);
                let records = h.numbers.entry(*number).or_default();
                match records.iter_mut().find(|r| r.name == *name) {
                    Some(r) => {
                        r.first = r.first.min(*first);
                        r.last = r.last.max(*last);
                    }
                    None => records.push(ValueRecord {
                        number: *number,
                        name: name.clone(),
                        first: *first,
                        last: *last,
                    }),
                }
            }
        }
    }
    for h in ledger.messages.values_mut() {
        for r in h.numbers.values_mut() {
            r.sort_by(|a, b| (a.first, a.last, &a.name).cmp(&(b.first, b.last, &b.name)));
        }
    }
    for h in ledger.enums.values_mut() {
        for r in h.numbers.values_mut() {
            r.sort_by(|a, b| (a.first, a.last, &a.name).cmp(&(b.first, b.last, &b.name)));
        }
    }
    ledger
}

/// A file version of an earlier release that could not be read: its path, the release
/// it first appears in, its blob id and why.
#[derive(Debug)]
pub struct Unread {
    pub path: String,
    pub release: usize,
    pub blob: Oid,
    pub reason: String,
}

/// Summaries for every blob of the spans: from memory, from disk, else read (by `read`)
/// and parsed, on several threads. Updates `stats` and the cache; the warnings say which
/// files do not parse. Fails with every blob `read` could not deliver: a ledger missing
/// a release's files would let a reused number pass unseen.
fn summaries_for(
    spans: &[Span],
    cache: &Cache,
    stats: &mut Stats,
    warnings: &mut Vec<String>,
    mut read: impl FnMut(Oid) -> Result<Vec<u8>, String>,
) -> Result<HashMap<Oid, Arc<Summary>>, Vec<Unread>> {
    summaries_with(spans, cache, stats, warnings, &mut read, &summarize_bytes)
}

/// A file's bytes summarised (text that is not UTF-8 contributes nothing, and says so).
fn summarize_bytes(path: &str, bytes: &[u8]) -> Summary {
    match std::str::from_utf8(bytes) {
        Ok(text) => summarize(path, text),
        Err(_) => Summary {
            error: Some(format!("{path}: not valid UTF-8")),
            ..Default::default()
        },
    }
}

/// [`summaries_for`] with the summariser given (tests make it panic).
fn summaries_with(
    spans: &[Span],
    cache: &Cache,
    stats: &mut Stats,
    warnings: &mut Vec<String>,
    read: &mut dyn FnMut(Oid) -> Result<Vec<u8>, String>,
    summarise: &(dyn Fn(&str, &[u8]) -> Summary + Sync),
) -> Result<HashMap<Oid, Arc<Summary>>, Vec<Unread>> {
    // Each blob under the first path and release it appears in (for messages).
    let mut names: BTreeMap<Oid, (&str, usize)> = BTreeMap::new();
    for (blob, path, first, _) in spans {
        let e = names.entry(*blob).or_insert((path, *first));
        if *first < e.1 {
            *e = (path, *first);
        }
    }
    stats.blobs = names.len();
    let mut out = HashMap::new();
    let mut todo: Vec<(Oid, &str, Vec<u8>)> = Vec::new();
    let mut unread = Vec::new();
    for (&id, &(path, release)) in &names {
        if let Some(s) = cache.in_memory_get(id) {
            stats.memory_hits += 1;
            out.insert(id, s);
            continue;
        }
        match cache.on_disk_get(id) {
            Lookup::Hit(s) => {
                stats.disk_hits += 1;
                out.insert(id, s);
                continue;
            }
            Lookup::Rejected => stats.rejected += 1,
            Lookup::Miss => {}
        }
        match read(id) {
            Ok(bytes) => {
                stats.blobs_read += 1;
                todo.push((id, path, bytes));
            }
            Err(reason) => unread.push(Unread {
                path: path.to_string(),
                release,
                blob: id,
                reason,
            }),
        }
    }
    if !unread.is_empty() {
        unread.sort_by(|a, b| (a.release, &a.path).cmp(&(b.release, &b.path)));
        return Err(unread);
    }
    stats.parsed = todo.len();
    let parse_all = |part: &[(Oid, &str, Vec<u8>)]| -> Vec<(Oid, Summary)> {
        part.iter()
            .map(|(id, path, bytes)| (*id, summarise(path, bytes)))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let chunk = todo.len().div_ceil(threads).max(8);
    let parsed: Vec<(Oid, Summary)> = std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| s.spawn(move || parse_all(part)))
            .collect();
        // A worker's panic is this thread's panic: never a ledger with a chunk missing.
        handles.into_iter().flat_map(crate::threads::join).collect()
    });
    for (id, summary) in parsed {
        cache.store(id, &summary);
        let summary = Arc::new(summary);
        cache.remember(id, Arc::clone(&summary));
        out.insert(id, summary);
    }
    let mut bad: Vec<&str> = Vec::new();
    for (id, s) in &out {
        if s.error.is_some() {
            stats.unparsable += 1;
            if let Some((path, _)) = names.get(id) {
                bad.push(path);
            }
        }
    }
    if !bad.is_empty() {
        bad.sort();
        bad.dedup();
        let first_error = names
            .keys()
            .filter_map(|id| out.get(id)?.error.clone())
            .next()
            .unwrap_or_default();
        warnings.push(format!(
            "history: {} file version{} in earlier releases do{} not parse, so the history rules \
             do not see what {} declared ({}; first error: {first_error})",
            stats.unparsable,
            if stats.unparsable == 1 { "" } else { "s" },
            if stats.unparsable == 1 { "es" } else { "" },
            if stats.unparsable == 1 { "it" } else { "they" },
            bad.iter().take(5).copied().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(out)
}

// ---- building from directories ----------------------------------------------------------

/// A ledger from directories, oldest first (`(label, import root)`): every `*.proto` below
/// each. Kept in an in-memory cache only. For fixtures and tests.
pub fn from_dirs(releases: &[(String, PathBuf)]) -> Result<Ledger, LoadError> {
    from_dirs_with(releases, Cache::shared_memory())
}

/// [`from_dirs`] with a given cache.
pub fn from_dirs_with(releases: &[(String, PathBuf)], cache: &Cache) -> Result<Ledger, LoadError> {
    let mut timeline = Timeline::default();
    let mut texts: HashMap<Oid, Vec<u8>> = HashMap::new();
    for (label, dir) in releases {
        let mut files = BTreeMap::new();
        for name in crate::compile::find_protos(dir, &[])? {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).map_err(|e| LoadError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let id =
                Oid::hash_object(ObjectType::Blob, &bytes).map_err(|e| LoadError::Unreadable {
                    path: path.display().to_string(),
                    reason: e.message().to_string(),
                })?;
            texts.entry(id).or_insert(bytes);
            files.insert(name, id);
        }
        timeline.push_listing(label.clone(), &files);
    }
    let (labels, spans) = timeline.finish();
    let mut stats = Stats {
        releases: labels.len(),
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let summaries = summaries_for(&spans, cache, &mut stats, &mut warnings, |id| {
        texts
            .remove(&id)
            .ok_or_else(|| "read once and no longer held".to_string())
    })
    .map_err(|unread| {
        let u = &unread[0];
        LoadError::Unreadable {
            path: u.path.clone(),
            reason: u.reason.clone(),
        }
    })?;
    let mut ledger = assemble(labels, &spans, &summaries);
    ledger.stats = stats;
    ledger.warnings = warnings;
    Ok(ledger)
}

// ---- building from git --------------------------------------------------------------------

fn bad(spec: &GitSpec, reason: &str) -> LoadError {
    LoadError::Git {
        input: spec.text.clone(),
        reason: reason.to_string(),
    }
}

/// A ledger of the history of a git baseline: the tags matching `tag_pattern` (a glob, as
/// for `latest-release`) whose commit is the baseline or one of its ancestors, oldest
/// first, then the baseline itself. With `all_commits`, every commit reachable from the
/// baseline that changed a `.proto` file under the spec's subdir (the latest
/// [`MAX_HISTORY_COMMITS`] of them), labelled by tag where one points at it.
///
/// Uses the process-wide [`Cache::shared`] (memory and `~/.cache/protoguard`).
pub fn from_git(
    repo: &Repository,
    spec: &GitSpec,
    tag_pattern: &str,
    all_commits: bool,
) -> Result<Ledger, LoadError> {
    from_git_with(repo, spec, tag_pattern, all_commits, Cache::shared())
}

/// [`from_git`] with a given cache.
pub fn from_git_with(
    repo: &Repository,
    spec: &GitSpec,
    tag_pattern: &str,
    all_commits: bool,
    cache: &Cache,
) -> Result<Ledger, LoadError> {
    // The baseline: a commit, or (for the index) HEAD's history without the index itself.
    let (baseline, baseline_label) = match spec.target {
        GitTarget::Staged => {
            let head = repo
                .head()
                .ok()
                .and_then(|h| h.peel_to_commit().ok())
                .map(|c| c.id());
            (head, None)
        }
        _ => {
            let id = git::resolve(repo, spec)?;
            let label = match &spec.target {
                GitTarget::Tag(t) | GitTarget::Branch(t) => t.clone(),
                _ => git::short(id),
            };
            (Some(id), Some(label))
        }
    };
    let (mut notes, mut warnings) = (Vec::new(), Vec::new());
    let Some(baseline) = baseline else {
        return Ok(Ledger::default());
    };
    let tags = matching_tags(repo, tag_pattern, spec)?;
    let mut releases: Vec<(String, Oid)> = if all_commits {
        commits_touching(repo, baseline, spec, &tags, &mut warnings)?
    } else {
        release_tags(repo, baseline, &tags)
    };
    // The baseline comes last, under the name the user gave it (or its tag's).
    if let Some(label) = baseline_label {
        releases.retain(|(_, c)| *c != baseline);
        let label = match &spec.target {
            GitTarget::Tag(_) => label,
            _ => tags
                .iter()
                .find(|(_, c)| *c == baseline)
                .map(|(t, _)| t.clone())
                .unwrap_or(label),
        };
        if releases.is_empty() {
            // Nothing before the baseline: what it declares the rules already see in the
            // baseline itself, so its files are not parsed (a large repository without
            // release tags pays nothing).
            notes.push(if all_commits {
                "history: no earlier commit changed a .proto file; nothing earlier to compare with"
                    .to_string()
            } else {
                format!(
                    "history: no release tag matching {tag_pattern:?} precedes the baseline; nothing earlier to compare with"
                )
            });
            return Ok(Ledger {
                releases: vec![label],
                stats: Stats {
                    releases: 1,
                    ..Default::default()
                },
                notes,
                warnings,
                ..Default::default()
            });
        }
        releases.push((label, baseline));
    }

    let mut timeline = Timeline::default();
    let mut previous: Option<Oid> = None;
    for (label, commit) in releases {
        let tree = subdir_tree(repo, commit, spec)?;
        let mut changes = Vec::new();
        diff_trees(repo, previous, tree, "", &mut changes).map_err(|e| missing(repo, spec, e))?;
        timeline.push(label, changes);
        previous = tree;
    }
    let (labels, spans) = timeline.finish();
    let mut stats = Stats {
        releases: labels.len(),
        ..Default::default()
    };
    let summaries = summaries_for(&spans, cache, &mut stats, &mut warnings, |id| {
        repo.find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|e| e.message().to_string())
    })
    .map_err(|unread| unread_error(repo, spec, &labels, &unread))?;
    let mut ledger = assemble(labels, &spans, &summaries);
    ledger.stats = stats;
    ledger.notes = notes;
    ledger.warnings = warnings;
    Ok(ledger)
}

/// Tags matching the pattern that name a commit: (tag, commit).
fn matching_tags(
    repo: &Repository,
    pattern: &str,
    spec: &GitSpec,
) -> Result<Vec<(String, Oid)>, LoadError> {
    let names = repo
        .tag_names(Some(pattern))
        .map_err(|e| bad(spec, &format!("cannot list tags: {}", e.message())))?;
    let mut out = Vec::new();
    for name in names.iter() {
        let Ok(Some(name)) = name else { continue };
        if let Ok(commit) = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
        {
            out.push((name.to_string(), commit.id()));
        }
    }
    Ok(out)
}

/// The tags whose commit is the baseline or an ancestor of it, oldest release first: by
/// semver when every tag is a version (`v1.2.0`, `release-1.2.0`), else by commit time.
fn release_tags(repo: &Repository, baseline: Oid, tags: &[(String, Oid)]) -> Vec<(String, Oid)> {
    let mut releases: Vec<(String, Oid)> = tags
        .iter()
        .filter(|(_, c)| *c == baseline || repo.graph_descendant_of(baseline, *c).unwrap_or(false))
        .cloned()
        .collect();
    let version = |name: &str| {
        semver::Version::parse(name.trim_start_matches(|c: char| !c.is_ascii_digit())).ok()
    };
    if releases.iter().all(|(n, _)| version(n).is_some()) {
        releases.sort_by(|a, b| version(&a.0).cmp(&version(&b.0)).then(a.0.cmp(&b.0)));
    } else {
        let time = |c: Oid| repo.find_commit(c).map(|c| c.time().seconds()).unwrap_or(0);
        releases.sort_by(|a, b| time(a.1).cmp(&time(b.1)).then(a.0.cmp(&b.0)));
    }
    releases
}

/// Every commit reachable from the baseline whose `.proto` files under the subdir differ
/// from its first parent's, plus tagged releases, oldest first (the latest
/// [`MAX_HISTORY_COMMITS`]). What leaves the history incomplete goes to `warnings`.
fn commits_touching(
    repo: &Repository,
    baseline: Oid,
    spec: &GitSpec,
    tags: &[(String, Oid)],
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, Oid)>, LoadError> {
    let mut tag_of: HashMap<Oid, &str> = HashMap::new();
    for (t, c) in tags {
        tag_of.entry(*c).or_insert(t);
    }
    let mut walk = repo.revwalk().map_err(|e| bad(spec, e.message()))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
        .map_err(|e| bad(spec, e.message()))?;
    walk.push(baseline).map_err(|e| bad(spec, e.message()))?;
    let shallow = repo.is_shallow();
    let mut picked = Vec::new();
    let mut truncated = false;
    for id in walk {
        let id = id.map_err(|e| missing(repo, spec, e))?;
        let commit = repo.find_commit(id).map_err(|e| missing(repo, spec, e))?;
        let tree = subdir_tree(repo, id, spec)?;
        // A shallow clone's boundary commits name parents that are not there.
        let parent = match commit.parent_ids().next() {
            Some(p) if shallow && repo.find_commit(p).is_err() => None,
            Some(p) => subdir_tree(repo, p, spec)?,
            None => None,
        };
        let touched = tree != parent && {
            let mut changes = Vec::new();
            diff_trees(repo, parent, tree, "", &mut changes).map_err(|e| missing(repo, spec, e))?;
            !changes.is_empty()
        };
        if touched || tag_of.contains_key(&id) {
            if picked.len() == MAX_HISTORY_COMMITS {
                truncated = true;
                break;
            }
            let label = tag_of
                .get(&id)
                .map(|t| t.to_string())
                .unwrap_or_else(|| git::short(id));
            picked.push((label, id));
        }
    }
    if shallow {
        warnings.push(
            "history: this is a shallow clone, so older commits are missing from the history \
             (`git fetch --unshallow --tags`, or `fetch-depth: 0` in actions/checkout)"
                .into(),
        );
    }
    if truncated {
        warnings.push(format!(
            "history: limited to the latest {MAX_HISTORY_COMMITS} commits that changed .proto files; older ones were not read"
        ));
    }
    picked.reverse();
    Ok(picked)
}

/// A git failure while reading history: the object is missing (with how to get it) or
/// the repository cannot be read.
fn missing(repo: &Repository, spec: &GitSpec, e: git2::Error) -> LoadError {
    if e.code() == git2::ErrorCode::NotFound {
        bad(
            spec,
            &format!(
                "history: {}; {}; {WITHOUT_HISTORY}",
                e.message(),
                git::missing_objects_hint(repo)
            ),
        )
    } else {
        bad(spec, &format!("history: {}", e.message()))
    }
}

/// The error for file versions of earlier releases that could not be read.
fn unread_error(
    repo: &Repository,
    spec: &GitSpec,
    labels: &[String],
    unread: &[Unread],
) -> LoadError {
    let shown: Vec<String> = unread
        .iter()
        .take(5)
        .map(|u| {
            format!(
                "{} ({}, blob {}: {})",
                crate::compile::display_path(&spec.subdir, &u.path),
                labels.get(u.release).map(String::as_str).unwrap_or("?"),
                git::short(u.blob),
                u.reason
            )
        })
        .collect();
    let more = if unread.len() > shown.len() {
        format!(" and {} more", unread.len() - shown.len())
    } else {
        String::new()
    };
    bad(
        spec,
        &format!(
            "history: {} file version{} of earlier releases cannot be read: {}{more}; {}; \
             {WITHOUT_HISTORY}",
            unread.len(),
            if unread.len() == 1 { "" } else { "s" },
            shown.join(", "),
            git::missing_objects_hint(repo)
        ),
    )
}

/// The tree of the spec's subdir in a commit (`None` when the commit has no such
/// directory). A commit or tree missing from the object database is an error.
fn subdir_tree(repo: &Repository, commit: Oid, spec: &GitSpec) -> Result<Option<Oid>, LoadError> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| missing(repo, spec, e))?;
    let subdir = spec.subdir.trim_matches('/');
    if subdir.is_empty() || subdir == "." {
        return Ok(Some(tree.id()));
    }
    Ok(tree
        .get_path(Path::new(subdir))
        .ok()
        .filter(|entry| entry.kind() == Some(ObjectType::Tree))
        .map(|entry| entry.id()))
}

/// The git file mode of a symbolic link.
const LINK_MODE: i32 = 0o120000;

/// The `.proto` files that differ between two trees (either may be absent), recursing only
/// into subtrees whose ids differ. Blobs are never read. Symbolic links are left out: the
/// ledger is keyed by declared names, and a link the comparison follows points inside the
/// import root, at a file read under its own path.
fn diff_trees(
    repo: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    if old == new {
        return Ok(());
    }
    type Entries = BTreeMap<String, (Oid, Option<ObjectType>)>;
    let entries = |id: Option<Oid>| -> Result<Entries, git2::Error> {
        let Some(id) = id else {
            return Ok(Entries::new());
        };
        Ok(repo
            .find_tree(id)?
            .iter()
            .filter(|e| e.filemode() != LINK_MODE)
            .filter_map(|e| Some((e.name().ok()?.to_string(), (e.id(), e.kind()))))
            .collect())
    };
    let (o, n) = (entries(old)?, entries(new)?);
    let names: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for name in names {
        let (a, b) = (o.get(name), n.get(name));
        if a == b {
            continue;
        }
        let path = format!("{prefix}{name}");
        let tree_of = |e: Option<&(Oid, Option<ObjectType>)>| {
            e.filter(|(_, k)| *k == Some(ObjectType::Tree))
                .map(|(id, _)| *id)
        };
        let proto_of = |e: Option<&(Oid, Option<ObjectType>)>| {
            e.filter(|(_, k)| *k == Some(ObjectType::Blob) && name.ends_with(".proto"))
                .map(|(id, _)| *id)
        };
        let (ta, tb) = (tree_of(a), tree_of(b));
        if ta.is_some() || tb.is_some() {
            diff_trees(repo, ta, tb, &format!("{path}/"), out)?;
        }
        let (pa, pb) = (proto_of(a), proto_of(b));
        if pa != pb {
            out.push((path, pb));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_keep_types_as_written() {
        let s = summarize(
            "a.proto",
            r#"syntax = "proto3";
package p;
message A {
  string s = 1;
  optional int32 o = 2;
  repeated .p.B bs = 3;
  map<string, B> m = 4;
  oneof x { bytes raw = 5; }
  message N { E e = 1; }
  enum E { E_UNSPECIFIED = 0; E_ONE = 1; }
}
message B {}
"#,
        );
        assert!(s.error.is_none());
        let a = &s.messages.iter().find(|(n, _)| n == "p.A").unwrap().1;
        let decl: Vec<String> = a
            .iter()
            .map(|(n, name, ty, label)| format!("{n}:{label}:{ty}:{name}"))
            .collect();
        assert_eq!(
            decl,
            [
                "1::string:s",
                "2:optional:int32:o",
                "3:repeated:.p.B:bs",
                "4::map<string, B>:m",
                "5::bytes:raw"
            ]
        );
        assert!(s.messages.iter().any(|(n, _)| n == "p.A.N"));
        assert!(!s.messages.iter().any(|(n, _)| n.ends_with("Entry")));
        assert_eq!(s.enums[0].0, "p.A.E");
    }

    #[test]
    fn editions_files_are_summarised() {
        let s = summarize(
            "e.proto",
            r#"edition = "2024";
package p;
import option "google/protobuf/cpp_features.proto";
export message A {
  string s = 1 [default = "x", features.field_presence = LEGACY_REQUIRED];
  repeated int32 ids = 2;
  reserved gone;
  reserved 7;
  local enum E { E_ZERO = 0; E_ONE = 1; }
}
"#,
        );
        assert_eq!(s.error, None);
        let a = &s.messages.iter().find(|(n, _)| n == "p.A").unwrap().1;
        assert_eq!(
            a,
            &[
                (1, "s".into(), "string".into(), String::new()),
                (2, "ids".into(), "int32".into(), "repeated".into())
            ]
        );
        assert_eq!(
            s.enums[0],
            (
                "p.A.E".into(),
                vec![(0, "E_ZERO".into()), (1, "E_ONE".into())]
            )
        );
    }

    #[test]
    fn a_byte_order_mark_is_accepted() {
        let s = summarize(
            "a.proto",
            "\u{feff}syntax = \"proto3\";\nmessage A { string s = 1; }\n",
        );
        assert!(s.error.is_none(), "{:?}", s.error);
        assert_eq!(s.messages.len(), 1);
    }

    #[test]
    fn proto2_labels_and_bad_files() {
        let s = summarize(
            "b.proto",
            "syntax = \"proto2\"; message M { optional string a = 1; required int64 b = 2; }",
        );
        let m = &s.messages[0].1;
        assert_eq!(m[0].3, "optional");
        assert_eq!(m[1].3, "required");
        assert!(summarize("c.proto", "message {").error.is_some());
    }

    #[test]
    fn timeline_spans_runs_of_a_blob() {
        let a = Oid::hash_object(ObjectType::Blob, b"a").unwrap();
        let b = Oid::hash_object(ObjectType::Blob, b"b").unwrap();
        let mut t = Timeline::default();
        t.push_listing("1".into(), &BTreeMap::from([("x".to_string(), a)]));
        t.push_listing("2".into(), &BTreeMap::from([("x".to_string(), a)]));
        t.push_listing("3".into(), &BTreeMap::from([("x".to_string(), b)]));
        t.push_listing("4".into(), &BTreeMap::new());
        t.push_listing("5".into(), &BTreeMap::from([("y".to_string(), a)]));
        let (labels, spans) = t.finish();
        assert_eq!(labels.len(), 5);
        let mut got: Vec<(Oid, usize, usize)> = spans.iter().map(|s| (s.0, s.2, s.3)).collect();
        got.sort();
        let mut want = vec![(a, 0, 1), (b, 2, 2), (a, 4, 4)];
        want.sort();
        assert_eq!(got, want);
    }

    /// Issue 10: a parsing thread's panic was swallowed (`join().unwrap_or_default()`),
    /// leaving the ledger without that thread's files. It now reaches the caller.
    #[test]
    fn a_parsing_threads_panic_reaches_the_caller() {
        let spans: Vec<Span> = (0..40u8)
            .map(|i| {
                let id = Oid::hash_object(ObjectType::Blob, &[i]).unwrap();
                (id, format!("f{i}.proto"), 0, 0)
            })
            .collect();
        let poisoned = spans[33].1.clone();
        let summarise = move |path: &str, bytes: &[u8]| {
            assert!(path != poisoned, "summariser failed on {path}");
            summarize_bytes(path, bytes)
        };
        let caught = std::panic::catch_unwind(|| {
            let mut stats = Stats::default();
            summaries_with(
                &spans,
                &Cache::in_memory(),
                &mut stats,
                &mut Vec::new(),
                &mut |_| Ok(b"syntax = \"proto3\";".to_vec()),
                &summarise,
            )
        });
        let payload = caught.expect_err("the worker's panic was swallowed");
        let message = payload
            .downcast_ref::<String>()
            .cloned()
            .unwrap_or_default();
        assert!(message.contains("f33.proto"), "{message}");
    }

    #[test]
    fn symbolic_links_are_left_out_of_the_history() {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        let text = repo.blob(b"syntax = \"proto3\";").unwrap();
        let link = repo.blob(b"a.proto").unwrap();
        let mut tree = repo.treebuilder(None).unwrap();
        tree.insert("a.proto", text, 0o100644).unwrap();
        tree.insert("alias.proto", link, LINK_MODE).unwrap();
        let tree = tree.write().unwrap();
        let mut changes = Vec::new();
        diff_trees(&repo, None, Some(tree), "", &mut changes).unwrap();
        assert_eq!(changes, [("a.proto".to_string(), Some(text))]);
    }
}
