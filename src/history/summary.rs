//! Summaries of one file (its messages, enums, fields and values), cached per git blob id.

use super::*;

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
    /// Every message, field, enum, value, service and RPC, with its `deprecated` mark.
    #[serde(default)]
    pub elements: Vec<elements::ElementDecl>,
}

/// A field as a file declares it: (number, name, type as written, label).
pub type FieldDecl = (i32, String, String, String);

/// An enum value as a file declares it: (number, name).
pub type ValueDecl = (i32, String);

/// A run of releases in which a path held one blob: (blob, path, first, last release).
pub(super) type Span = (Oid, String, usize, usize);

/// What a summary depends on besides the file's bytes: the entry format (bump when
/// [`Summary`] or its meaning changes), protoguard's version, the parser's
/// (protox-parse, from Cargo.lock) and a digest of protoguard's source, where the
/// summariser lives (both from build.rs). It names the cache directory and is checked in
/// every entry, so an entry written by another build is recomputed, never trusted.
pub(super) const CACHE_KEY: &str = concat!("history-v3-", env!("PROTOGUARD_SUMMARY_KEY"));

/// One summary as stored on disk, with what proves it is the one asked for.
#[derive(Serialize, Deserialize)]
pub(super) struct Entry {
    /// [`CACHE_KEY`] of the build that wrote it.
    key: String,
    /// The blob id it summarises (hex).
    blob: String,
    /// The git blob id of the summary serialised as JSON: an entry edited by hand, or
    /// truncated, does not match.
    digest: String,
    summary: Summary,
}

pub(super) fn digest_of(summary: &Summary) -> Option<String> {
    let bytes = serde_json::to_vec(summary).ok()?;
    Some(Oid::hash_object(ObjectType::Blob, &bytes).ok()?.to_string())
}

/// What the disk cache holds for a blob.
pub(super) enum Lookup {
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
    pub(super) fn shared_memory() -> &'static Cache {
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

    pub(super) fn in_memory_get(&self, id: Oid) -> Option<Arc<Summary>> {
        self.memory.lock().ok()?.get(&id).cloned()
    }

    pub(super) fn on_disk_get(&self, id: Oid) -> Lookup {
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

    pub(super) fn remember(&self, id: Oid, summary: Arc<Summary>) {
        if let Ok(mut m) = self.memory.lock() {
            m.insert(id, summary);
        }
    }

    /// Writes a summary to disk (best effort: a read-only home only costs speed).
    pub(super) fn store(&self, id: Oid, summary: &Summary) {
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
pub(super) struct EntryRef<'a> {
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
            out.elements = elements::collect(&file);
            out
        }
        Err(e) => Summary {
            error: Some(e.to_string()),
            ..Default::default()
        },
    }
}

pub(super) fn qualify(scope: &str, name: &str) -> String {
    if scope.is_empty() {
        name.to_string()
    } else {
        format!("{scope}.{name}")
    }
}

pub(super) fn summarize_message(
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

pub(super) fn summarize_enum(out: &mut Summary, scope: &str, e: &prost_types::EnumDescriptorProto) {
    out.enums.push((
        qualify(scope, e.name()),
        e.value
            .iter()
            .map(|v| (v.number(), v.name().to_string()))
            .collect(),
    ));
}
