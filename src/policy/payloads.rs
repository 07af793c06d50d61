//! Golden payloads: real stored messages that must mean the same under NEW as under the
//! release that wrote them. `payloads: DIR` in `protoguard.yaml` (relative to it) or
//! `--payloads DIR` names a directory holding `manifest.yaml`:
//!
//! ```yaml
//! payloads:
//!   - file: order-v1.2.pb        # relative to DIR; .pb/.bin/.binpb binary, .json proto3 JSON
//!     type: shop.v1.Order
//!     written_by: v1.2.0         # a release tag of OLD's repository, or `old` (OLD itself)
//! ```
//!
//! Each payload is decoded with the writer's schema and with NEW's by the prover's readers
//! and compared by meaning ([`crate::prove::reread`]); every difference is a finding of
//! [`RULE`] naming the payload and the field path. A payload that cannot be read, an unknown
//! type, or one that does not decode under its own writer is a user mistake: exit 2 naming
//! the file and the manifest entry.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::config::Policy;
use crate::error::{ConfigError, LoadError};
use crate::finding::{Element, Subject};
use crate::index::Index;
use crate::prove::reread::{self, Encoding};
use crate::rules::{Finding, Findings};
use crate::source::{Input, LoadOptions, Schema};

/// The rule of payload findings (category POLICY: never in buf's sets).
pub const RULE: &str = "PAYLOAD_SAME_MEANING";

/// The file a payload directory must hold.
pub const MANIFEST: &str = "manifest.yaml";

/// Payload files are read up to this size.
const MAX_PAYLOAD_BYTES: u64 = 64 << 20;

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct ManifestYaml {
    payloads: Vec<Spanned<EntryYaml>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct EntryYaml {
    file: String,
    #[serde(rename = "type")]
    type_name: String,
    written_by: String,
}

/// The release that wrote a payload.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Writer {
    /// OLD itself.
    Old,
    /// A release tag of OLD's repository.
    Tag(String),
}

impl Writer {
    fn label(&self) -> &str {
        match self {
            Writer::Old => "old",
            Writer::Tag(t) => t,
        }
    }
}

/// One payload of the manifest, read.
#[derive(Clone, Debug)]
pub struct Payload {
    /// As shown in messages: the directory as given joined with the file.
    pub shown: String,
    pub type_name: String,
    pub writer: Writer,
    pub encoding: Encoding,
    pub bytes: Vec<u8>,
    /// `manifest.yaml:line:col` of its entry, for errors.
    pub at: String,
}

/// Reads `DIR/manifest.yaml` and every payload it lists.
pub fn read(dir: &Path) -> Result<Vec<Payload>, ConfigError> {
    let manifest = dir.join(MANIFEST);
    let text = crate::config::read_config_text(&manifest)?;
    let yaml: ManifestYaml = crate::config::from_yaml(&text, &manifest)?;
    let shown_manifest = crate::limits::shown_path(&manifest);
    let mut out = Vec::new();
    for entry in yaml.payloads {
        let at = format!(
            "{shown_manifest}:{}:{}",
            entry.referenced.line(),
            entry.referenced.column()
        );
        let e = entry.value;
        let invalid = |reason: String| ConfigError::Invalid {
            path: at.clone(),
            reason,
        };
        let path: PathBuf = dir.join(&e.file);
        let shown = crate::limits::shown_path(&path);
        let encoding = match Path::new(&e.file).extension().and_then(|x| x.to_str()) {
            Some("pb" | "bin" | "binpb") => Encoding::Binary,
            Some("json") => Encoding::Json,
            _ => {
                return Err(invalid(format!(
                    "{shown}: unknown payload encoding: name binary payloads *.pb, *.bin or *.binpb and JSON ones *.json"
                )))
            }
        };
        let bytes = crate::limits::read_regular(&path, MAX_PAYLOAD_BYTES)
            .map_err(|r| invalid(format!("{shown}: cannot read: {r}")))?;
        let type_name = e.type_name.trim().trim_start_matches('.').to_string();
        if type_name.is_empty() {
            return Err(invalid(format!("{shown}: `type` is empty")));
        }
        let writer = match e.written_by.trim() {
            "" => return Err(invalid(format!("{shown}: `written_by` is empty"))),
            "old" => Writer::Old,
            tag => Writer::Tag(tag.to_string()),
        };
        out.push(Payload {
            shown,
            type_name,
            writer,
            encoding,
            bytes,
            at,
        });
    }
    Ok(out)
}

/// Checks every payload: read with its writer's schema and with NEW's. `old` must carry its
/// encoded descriptors, as must `new`; tags are loaded from OLD's repository with `options`.
pub fn check(
    payloads: &[Payload],
    old: &Schema,
    new: &Schema,
    options: &LoadOptions,
) -> Result<Vec<Finding>, crate::api::Error> {
    let Some(new_fds) = new.encoded.as_deref() else {
        return Err(descriptors_missing("new"));
    };
    // Each release that wrote something, loaded once.
    let mut tags: BTreeMap<String, Schema> = BTreeMap::new();
    for p in payloads {
        if let Writer::Tag(tag) = &p.writer {
            if tags.contains_key(tag) {
                continue;
            }
            let Input::Git(spec) = &old.input else {
                return Err(ConfigError::Invalid {
                    path: p.at.clone(),
                    reason: format!(
                        "{}: written_by {tag:?} names a release tag, which needs OLD to be a git input (or write `written_by: old`)",
                        p.shown
                    ),
                }
                .into());
            };
            let loaded = crate::policy::window::load(spec, std::slice::from_ref(tag), options)
                .map_err(|e| tag_error(p, tag, e))?;
            tags.extend(loaded.into_iter().map(|r| (r.tag, r.schema)));
        }
    }
    let mut out = Vec::new();
    for p in payloads {
        let writer = match &p.writer {
            Writer::Old => old,
            Writer::Tag(t) => &tags[t],
        };
        let Some(writer_fds) = writer.encoded.as_deref() else {
            return Err(descriptors_missing(p.writer.label()));
        };
        let changed = reread::reread(
            (writer_fds, &writer.index),
            (new_fds, &new.index),
            &p.type_name,
            &p.bytes,
            p.encoding,
        )
        .map_err(|e| ConfigError::Invalid {
            path: p.at.clone(),
            reason: format!("{}: {e}", p.shown),
        })?;
        for c in changed {
            out.push(finding(p, &writer.index, &new.index, c));
        }
    }
    Ok(out)
}

/// Locates payload findings. The rule runs whenever payloads are configured, whatever the
/// selection; buf.yaml's ignores apply to the files they point at.
pub fn annotate(
    old: &Index,
    new: &Index,
    findings: Vec<Finding>,
    policy: &Policy,
) -> Vec<crate::report::Annotation> {
    if findings.is_empty() {
        return Vec::new();
    }
    let mut policy = policy.clone();
    for m in &mut policy.modules {
        m.rules.push(RULE);
    }
    crate::report::annotate(old, new, findings, &policy)
}

fn descriptors_missing(side: &str) -> crate::api::Error {
    ConfigError::Invalid {
        path: "payloads".into(),
        reason: format!("the {side} schema was loaded without its descriptors"),
    }
    .into()
}

fn tag_error(p: &Payload, tag: &str, e: LoadError) -> crate::api::Error {
    ConfigError::Invalid {
        path: p.at.clone(),
        reason: format!("{}: written_by {tag:?} cannot be read: {e}", p.shown),
    }
    .into()
}

/// The finding for one difference: about the new field where it shows (else the message),
/// located there, naming the payload, its writer and the field path.
fn finding(p: &Payload, writer: &Index, new: &Index, c: reread::Changed) -> Finding {
    let field_of = |index: &Index, at: &Option<(String, u32)>| {
        let (message, number) = at.as_ref()?;
        let m = index.message(message)?;
        let f = m.field_by_number(*number as i32)?;
        Some((Element::field(index, f), f.site.clone()))
    };
    let old_field = field_of(writer, &c.writer_field);
    // Old locations are resolved in OLD: only a payload OLD wrote has one there.
    let old_site = match p.writer {
        Writer::Old => old_field.as_ref().map(|(_, s)| s.clone()),
        Writer::Tag(_) => None,
    };
    let writer_message = writer
        .message(&p.type_name)
        .map(|m| Element::message(writer, m));
    let old_el = old_field.map(|(e, _)| e).or(writer_message);
    let new_field = field_of(new, &c.reader_field);
    let new_message = new
        .message(&p.type_name)
        .map(|m| (Element::message(new, m), m.site.clone()));
    let (new_el, site) = match new_field.or(new_message) {
        Some((e, s)) => (Some(e), Some(s)),
        None => (None, None),
    };
    let subject = match (old_el, new_el) {
        (Some(o), Some(n)) => Subject::changed(o, n),
        (None, Some(n)) => Subject::added(n),
        (Some(o), None) => Subject::deleted(o),
        // The writer always declares the type (reread checked): not reached.
        (None, None) => Subject::deleted(Element::package(&p.type_name)),
    };
    let message = format!(
        "Payload {} ({}, written by {}) changes meaning under the new schema: {}.",
        crate::quote::q(&p.shown),
        p.type_name,
        p.writer.label(),
        c.text
    );
    let mut findings = Findings::new(RULE);
    findings.add(subject, site, old_site, message);
    let mut f = findings.out.pop().expect("just added");
    // A release other than OLD is named as the data window names it.
    if let Writer::Tag(tag) = &p.writer {
        f.against = vec![tag.clone()];
    }
    f
}
