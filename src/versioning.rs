//! `protoguard semver`: every change between two schemas, breaking or not, and the
//! semantic-version bump they require.
//!
//! - [`changes`] lists additions, removals and modifications (structure, options, doc
//!   comments) of files, packages, messages, fields, oneofs, enums, enum values, services,
//!   RPCs and extensions, each with the bump it needs by itself ([`Change::bump`]).
//! - [`classify`] turns changes and the breaking findings of the selected rules into one
//!   [`Bump`]: MAJOR when a finding exists, MINOR for additions (and for removals or
//!   modifications the selected rules accept), PATCH for options and docs, NONE otherwise.
//! - [`analyze`] does both for two loaded schemas and returns a [`Report`] that renders as
//!   text, markdown release notes or JSON; [`next_version`] computes the version to release.
//! - [`check_tags`] replays the release tags of a repository and says which tag's version
//!   bump is smaller than its changes require.
//!
//! The module is called `versioning` because `semver` is the version-parsing crate it uses.
//!
//! Versions follow semver 2.0.0 with Cargo's convention for `0.y.z` (semver itself says
//! anything may change in 0.x): in `0.y.z` a breaking change bumps `y` and everything else
//! bumps `z`; in `0.0.z` every change bumps `z`. Leaving 0.x is a decision, never automatic.
//! A pre-release is followed by its own release when that release is already big enough:
//! `1.5.0-rc.1` + MINOR is `1.5.0`, `1.5.1-rc.1` + MINOR is `1.6.0` (as npm's `semver inc`).
//!
//! What is seen: options the index decodes (every standard file option, `ctype`, `jstype`,
//! the message wire-format options, idempotency levels) are compared by value; any other
//! option, custom ones included, is seen only when it is added or removed (from the
//! source locations), not when only its value changes. Doc comments (leading and trailing,
//! whitespace-insensitive) are compared for elements present on both sides.

use std::cell::OnceCell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::{self, Write as _};
use std::path::Path;

use serde::Serialize;

use crate::config::Policy;
use crate::descriptor::FileOptions;
use crate::error::LoadError;
use crate::git::{GitSpec, GitTarget};
use crate::index::{Cardinality, Enum, Field, FileId, Index, Message, Site, Span, WireKind};
use crate::report::Annotation;
use crate::source::{Input, LoadOptions, Mode, Schema};

// ---- bumps and versions ------------------------------------------------------------------

/// A semantic-version bump, weakest first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum Bump {
    None,
    Patch,
    Minor,
    Major,
}

impl Bump {
    pub fn as_str(self) -> &'static str {
        match self {
            Bump::None => "NONE",
            Bump::Patch => "PATCH",
            Bump::Minor => "MINOR",
            Bump::Major => "MAJOR",
        }
    }

    /// `major`, `MINOR`, `patch`, `none` (as in the rules' yaml `semver:` key).
    pub fn parse(s: &str) -> Option<Bump> {
        match s.trim().to_ascii_lowercase().as_str() {
            "none" => Some(Bump::None),
            "patch" => Some(Bump::Patch),
            "minor" => Some(Bump::Minor),
            "major" => Some(Bump::Major),
            _ => None,
        }
    }
}

impl fmt::Display for Bump {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The bump a finding of `rule` requires: its `semver:` in `rules/<ID>.yaml`, MAJOR when the
/// rule has no documentation.
pub fn rule_bump(rule: &str) -> Bump {
    crate::catalog::get(rule)
        .and_then(|d| Bump::parse(&d.semver))
        .unwrap_or(Bump::Major)
}

/// The bump a finding requires: its rule's, but at most MINOR when the compatibility
/// contract allows it (a break inside something experimental breaks no promise).
pub fn finding_bump(a: &Annotation) -> Bump {
    let bump = rule_bump(a.rule);
    if a.verdict.is_breaking() {
        bump
    } else {
        bump.min(Bump::Minor)
    }
}

/// The version to release after `current` with changes that require `bump` (see the
/// module documentation for 0.x and pre-releases). Build metadata is dropped.
pub fn next_version(current: &semver::Version, bump: Bump) -> semver::Version {
    use semver::{BuildMetadata, Prerelease, Version};
    let (ma, mi, pa) = (current.major, current.minor, current.patch);
    let pre = !current.pre.is_empty();
    let v = |ma, mi, pa| Version {
        major: ma,
        minor: mi,
        patch: pa,
        pre: Prerelease::EMPTY,
        build: BuildMetadata::EMPTY,
    };
    if bump == Bump::None {
        let mut same = current.clone();
        same.build = BuildMetadata::EMPTY;
        return same;
    }
    // In 0.x the components shift one place to the right.
    let bump = match (ma, mi, bump) {
        (0, 0, _) => Bump::Patch,
        (0, _, Bump::Major) => Bump::Minor,
        (0, _, Bump::Minor) => Bump::Patch,
        (_, _, b) => b,
    };
    match bump {
        Bump::Major if pre && mi == 0 && pa == 0 => v(ma, 0, 0),
        Bump::Major => v(ma + 1, 0, 0),
        Bump::Minor if pre && pa == 0 => v(ma, mi, 0),
        Bump::Minor => v(ma, mi + 1, 0),
        Bump::Patch if pre => v(ma, mi, pa),
        _ => v(ma, mi, pa + 1),
    }
}

/// The largest bump that going from `previous` to `current` grants: the strongest `b` with
/// `next_version(previous, b) <= current` (a pre-release counts as its release, so
/// `2.0.0-rc.1` after `1.4.0` grants MAJOR).
pub fn bump_between(previous: &semver::Version, current: &semver::Version) -> Bump {
    let mut released = current.clone();
    released.pre = semver::Prerelease::EMPTY;
    released.build = semver::BuildMetadata::EMPTY;
    let mut prev = previous.clone();
    prev.build = semver::BuildMetadata::EMPTY;
    [Bump::Major, Bump::Minor, Bump::Patch]
        .into_iter()
        .find(|&b| next_version(&prev, b) <= released)
        .unwrap_or(Bump::None)
}

/// Parses a tag or version string, ignoring a leading `v` (or any non-digit prefix).
pub fn parse_version(text: &str) -> Option<semver::Version> {
    let digits = text.trim_start_matches(|c: char| !c.is_ascii_digit());
    semver::Version::parse(digits).ok()
}

// ---- changes -------------------------------------------------------------------------------

/// What kind of element changed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Element {
    File,
    Package,
    Message,
    Field,
    Oneof,
    Enum,
    EnumValue,
    Service,
    Rpc,
    Extension,
}

impl Element {
    pub fn as_str(self) -> &'static str {
        match self {
            Element::File => "file",
            Element::Package => "package",
            Element::Message => "message",
            Element::Field => "field",
            Element::Oneof => "oneof",
            Element::Enum => "enum",
            Element::EnumValue => "enum value",
            Element::Service => "service",
            Element::Rpc => "rpc",
            Element::Extension => "extension",
        }
    }
}

/// What happened to it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Added,
    Removed,
    /// Its declaration changed: name, type, cardinality, file, reserved ranges...
    Changed,
    /// One of its options changed, was set or was removed.
    Options,
    /// Its doc comment changed.
    Docs,
}

impl Action {
    pub fn as_str(self) -> &'static str {
        match self {
            Action::Added => "added",
            Action::Removed => "removed",
            Action::Changed => "changed",
            Action::Options => "option changed",
            Action::Docs => "doc changed",
        }
    }
}

/// The kind of a change: element and action (`field added`, `rpc option changed`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct ChangeKind {
    pub element: Element,
    pub action: Action,
}

impl ChangeKind {
    /// `field_added`, `rpc_option_changed`: the key used in JSON counts.
    pub fn key(self) -> String {
        format!("{} {}", self.element.as_str(), self.action.as_str()).replace(' ', "_")
    }
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.element.as_str(), self.action.as_str())
    }
}

impl Serialize for ChangeKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.key())
    }
}

/// One change between the old and the new schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub kind: ChangeKind,
    /// Full name of the element (`pkg.Msg.field`, `pkg.Service.Rpc`), the path of a file,
    /// the name of a package.
    pub element: String,
    /// Where it is in the new schema (`None` once removed).
    pub new: Option<Site>,
    /// Where it was in the old schema (`None` when added).
    pub old: Option<Site>,
    /// What changed, for a human (`string coupon = 2` → `int64 coupon = 2`).
    pub description: String,
    /// The bump this change requires by itself: MAJOR for a removal or a modification of a
    /// declaration (it breaks someone under the strictest rules), MINOR for an addition,
    /// PATCH for an option or a doc comment. [`classify`] lowers MAJOR to MINOR when the
    /// selected rules find nothing breaking.
    pub bump: Bump,
    /// For a removal: quoted names a breaking finding about it mentions (all groups, one of
    /// each), to tie the finding to it (buf reports removals at the parent).
    mentions: Vec<Vec<String>>,
}

impl Change {
    fn new(
        element: Element,
        action: Action,
        name: &str,
        new: Option<Site>,
        old: Option<Site>,
        description: String,
        bump: Bump,
    ) -> Change {
        Change {
            kind: ChangeKind { element, action },
            element: name.to_string(),
            new,
            old,
            description,
            bump,
            mentions: Vec::new(),
        }
    }

    fn mentioning(mut self, groups: Vec<Vec<String>>) -> Change {
        self.mentions = groups;
        self
    }
}

/// The bump that a list of changes and the breaking findings of the selected rules
/// require: the strongest of each finding's rule bump (MAJOR for every rule but
/// MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT) and of each change's own bump, where a change's
/// MAJOR counts as MINOR (the selected rules accept it: a removal under WIRE with the number
/// reserved, a rename under WIRE). Identical schemas give NONE.
pub fn classify(changes: &[Change], breaking: &[Annotation]) -> Bump {
    let from_findings = breaking.iter().map(finding_bump).max();
    let from_changes = changes.iter().map(|c| c.bump.min(Bump::Minor)).max();
    from_findings
        .into_iter()
        .chain(from_changes)
        .max()
        .unwrap_or(Bump::None)
}

/// Every change from `old` to `new`, breaking or not, sorted by element name. Files that are
/// imports are not part of the schema; files known unchanged (planned loading) hold no
/// change. Children of an added or removed element are not listed separately.
pub fn changes(old: &Index, new: &Index) -> Vec<Change> {
    let mut d = Differ {
        old,
        new,
        old_notes: Notes::new(old),
        new_notes: Notes::new(new),
        option_names: option_extensions(old, new),
        out: Vec::new(),
    };
    d.files();
    d.packages();
    d.messages();
    d.enums();
    d.services();
    d.extensions();
    let mut out = d.out;
    out.sort_by(|a, b| a.element.cmp(&b.element).then(a.kind.cmp(&b.kind)));
    out
}

/// Comments and option locations of one file, read once from its source info.
#[derive(Default)]
struct FileNotes {
    /// Element path → normalized leading and trailing comment.
    docs: HashMap<Box<[i32]>, String>,
    /// Element path → (options field, option number) of each option statement located
    /// directly under it (`[4, 0, 7, 3]` is `deprecated` on message 0).
    options: HashMap<Box<[i32]>, Vec<(i32, i32)>>,
}

struct Notes<'a> {
    index: &'a Index,
    files: Vec<OnceCell<FileNotes>>,
}

impl<'a> Notes<'a> {
    fn new(index: &'a Index) -> Notes<'a> {
        Notes {
            index,
            files: (0..index.files.len()).map(|_| OnceCell::new()).collect(),
        }
    }

    fn file(&self, id: FileId) -> &FileNotes {
        self.files[id].get_or_init(|| {
            let mut notes = FileNotes::default();
            let Some(info) = &self.index.files[id].source_info else {
                return notes;
            };
            for loc in &info.location {
                let text = [&loc.leading_comments, &loc.trailing_comments]
                    .into_iter()
                    .flatten()
                    .flat_map(|c| c.split_whitespace())
                    .collect::<Vec<_>>()
                    .join(" ");
                if !text.is_empty() {
                    notes
                        .docs
                        .entry(loc.path.clone().into_boxed_slice())
                        .or_insert(text);
                }
                let n = loc.path.len();
                if n >= 2 && n % 2 == 0 {
                    notes
                        .options
                        .entry(loc.path[..n - 2].into())
                        .or_default()
                        .push((loc.path[n - 2], loc.path[n - 1]));
                }
            }
            notes
        })
    }

    fn doc(&self, site: &Site) -> Option<&str> {
        let path = site.path.as_deref()?;
        self.file(site.file).docs.get(path).map(String::as_str)
    }

    /// Numbers of the options set on the element at `site` (its options field is `field`).
    fn options(&self, site: &Site, field: i32) -> BTreeSet<i32> {
        let path = site.path.as_deref().unwrap_or(&[]);
        self.file(site.file)
            .options
            .get(path)
            .map(|v| {
                v.iter()
                    .filter(|(f, _)| *f == field)
                    .map(|(_, n)| *n)
                    .collect()
            })
            .unwrap_or_default()
    }
}

/// Which options message an element's options are, and the field of the element that
/// holds them.
#[derive(Clone, Copy)]
enum OptionsOf {
    File,
    Message,
    Field,
    Oneof,
    Enum,
    EnumValue,
    Service,
    Method,
}

impl OptionsOf {
    fn field(self) -> i32 {
        match self {
            OptionsOf::File | OptionsOf::Field => 8,
            OptionsOf::Message => 7,
            OptionsOf::Oneof => 2,
            OptionsOf::Enum | OptionsOf::EnumValue | OptionsOf::Service => 3,
            OptionsOf::Method => 4,
        }
    }

    fn message(self) -> &'static str {
        match self {
            OptionsOf::File => "FileOptions",
            OptionsOf::Message => "MessageOptions",
            OptionsOf::Field => "FieldOptions",
            OptionsOf::Oneof => "OneofOptions",
            OptionsOf::Enum => "EnumOptions",
            OptionsOf::EnumValue => "EnumValueOptions",
            OptionsOf::Service => "ServiceOptions",
            OptionsOf::Method => "MethodOptions",
        }
    }

    /// Options whose values the index holds (compared by value, not by presence).
    fn decoded(self) -> &'static [i32] {
        match self {
            OptionsOf::File => &[
                1, 8, 9, 10, 11, 16, 17, 18, 23, 27, 31, 36, 37, 39, 40, 41, 44, 45, 50,
            ],
            OptionsOf::Message => &[1, 2],
            OptionsOf::Field => &[1, 6],
            OptionsOf::Method => &[34],
            _ => &[],
        }
    }

    /// The standard option of this options message with this number.
    fn standard(self, n: i32) -> Option<&'static str> {
        let table: &[(i32, &str)] = match self {
            OptionsOf::File => &[
                (1, "java_package"),
                (8, "java_outer_classname"),
                (9, "optimize_for"),
                (10, "java_multiple_files"),
                (11, "go_package"),
                (16, "cc_generic_services"),
                (17, "java_generic_services"),
                (18, "py_generic_services"),
                (20, "java_generate_equals_and_hash"),
                (23, "deprecated"),
                (27, "java_string_check_utf8"),
                (31, "cc_enable_arenas"),
                (36, "objc_class_prefix"),
                (37, "csharp_namespace"),
                (39, "swift_prefix"),
                (40, "php_class_prefix"),
                (41, "php_namespace"),
                (44, "php_metadata_namespace"),
                (45, "ruby_package"),
                (50, "features"),
            ],
            OptionsOf::Message => &[
                (1, "message_set_wire_format"),
                (2, "no_standard_descriptor_accessor"),
                (3, "deprecated"),
                (7, "map_entry"),
                (11, "deprecated_legacy_json_field_conflicts"),
                (12, "features"),
            ],
            OptionsOf::Field => &[
                (1, "ctype"),
                (2, "packed"),
                (3, "deprecated"),
                (5, "lazy"),
                (6, "jstype"),
                (10, "weak"),
                (15, "unverified_lazy"),
                (16, "debug_redact"),
                (17, "retention"),
                (19, "targets"),
                (20, "edition_defaults"),
                (21, "features"),
                (22, "feature_support"),
            ],
            OptionsOf::Oneof => &[(1, "features")],
            OptionsOf::Enum => &[
                (2, "allow_alias"),
                (3, "deprecated"),
                (6, "deprecated_legacy_json_field_conflicts"),
                (7, "features"),
            ],
            OptionsOf::EnumValue => &[
                (1, "deprecated"),
                (2, "features"),
                (3, "debug_redact"),
                (4, "feature_support"),
            ],
            OptionsOf::Service => &[(33, "deprecated"), (34, "features")],
            OptionsOf::Method => &[
                (33, "deprecated"),
                (34, "idempotency_level"),
                (35, "features"),
            ],
        };
        table.iter().find(|(k, _)| *k == n).map(|(_, name)| *name)
    }

    /// Widely used custom options, named when the file declaring them is not compiled.
    fn well_known_custom(self, n: i32) -> Option<&'static str> {
        let table: &[(i32, &str)] = match self {
            OptionsOf::File => &[(1053, "google.api.resource_definition")],
            OptionsOf::Message => &[(1053, "google.api.resource")],
            OptionsOf::Field => &[
                (1052, "google.api.field_behavior"),
                (1055, "google.api.resource_reference"),
                (291403980, "google.api.field_info"),
            ],
            OptionsOf::Service => &[
                (1049, "google.api.default_host"),
                (1050, "google.api.oauth_scopes"),
                (525000001, "google.api.api_version"),
            ],
            OptionsOf::Method => &[
                (1049, "google.longrunning.operation_info"),
                (1051, "google.api.method_signature"),
                (72295728, "google.api.http"),
                (72295729, "google.api.routing"),
            ],
            _ => &[],
        };
        table.iter().find(|(k, _)| *k == n).map(|(_, name)| *name)
    }
}

/// Extensions of the `google.protobuf.*Options` messages declared on either side: their
/// names, for option changes.
fn option_extensions(old: &Index, new: &Index) -> HashMap<(String, i32), String> {
    let mut out = HashMap::new();
    for index in [new, old] {
        for e in &index.extensions {
            if e.extendee.starts_with(".google.protobuf.") && e.extendee.ends_with("Options") {
                out.entry((e.extendee.clone(), e.number))
                    .or_insert_with(|| e.full_name.clone());
            }
        }
    }
    out
}

struct Differ<'a> {
    old: &'a Index,
    new: &'a Index,
    old_notes: Notes<'a>,
    new_notes: Notes<'a>,
    option_names: HashMap<(String, i32), String>,
    out: Vec<Change>,
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

fn parent_of(name: &str) -> &str {
    name.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
}

/// The type of a field as written: `int64`, `pkg.Msg`, `map<string, pkg.Msg>`.
fn type_string(index: &Index, f: &Field) -> String {
    if f.cardinality == Cardinality::Map {
        if let Some(entry) = index.message(f.type_name.trim_start_matches('.')) {
            let part = |n| {
                entry
                    .field_by_number(n)
                    .map(|x| type_string(index, x))
                    .unwrap_or_default()
            };
            return format!("map<{}, {}>", part(1), part(2));
        }
    }
    if f.type_name.is_empty() {
        WireKind::from_type(f.ty).name().to_string()
    } else {
        f.type_name.trim_start_matches('.').to_string()
    }
}

/// A field's declaration: `repeated string tags = 3`.
fn declaration(index: &Index, f: &Field) -> String {
    let label = match f.cardinality {
        Cardinality::Repeated => "repeated ",
        Cardinality::Required => "required ",
        _ if f.proto3_optional => "optional ",
        _ => "",
    };
    format!("{label}{} {} = {}", type_string(index, f), f.name, f.number)
}

fn oneof_name(m: Option<&Message>, f: &Field) -> Option<String> {
    let o = m?.oneofs.get(f.oneof?)?;
    (!o.synthetic).then(|| o.name.clone())
}

fn ranges(r: &[(i32, i32)]) -> BTreeSet<(i32, i32)> {
    r.iter().copied().collect()
}

fn range_text(set: &BTreeSet<(i32, i32)>) -> String {
    set.iter()
        .map(|&(s, e)| {
            if s == e {
                s.to_string()
            } else if e >= 536_870_911 {
                format!("{s} to max")
            } else {
                format!("{s} to {e}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn names_text(set: &BTreeSet<&String>) -> String {
    set.iter().map(|n| quoted(n)).collect::<Vec<_>>().join(", ")
}

impl<'a> Differ<'a> {
    /// Whether the elements of a file are compared: part of the schema, and not known
    /// unchanged (planned loading compiles such a file on one side only when a changed file
    /// imports it, so its elements must not count as present there).
    fn live(index: &Index, file: FileId) -> bool {
        index.is_checked(file)
    }

    fn both_compiled(&self, old: FileId, new: FileId) -> bool {
        !self.old.files[old].unchanged && !self.new.files[new].unchanged
    }

    fn push(&mut self, c: Change) {
        self.out.push(c);
    }

    // -- files and packages --

    fn files(&mut self) {
        let (old, new) = (self.old, self.new);
        for (id, f) in new.files.iter().enumerate().filter(|(_, f)| !f.is_import) {
            match old.file_id(&f.name).filter(|&o| !old.files[o].is_import) {
                None => self.push(Change::new(
                    Element::File,
                    Action::Added,
                    &f.name,
                    Some(Site::file(id)),
                    None,
                    format!("new file in package {}", display_package(&f.package)),
                    Bump::Minor,
                )),
                Some(o) if self.both_compiled(o, id) => self.file_pair(o, id),
                Some(_) => {}
            }
        }
        for (id, f) in old.files.iter().enumerate().filter(|(_, f)| !f.is_import) {
            if new
                .file_id(&f.name)
                .filter(|&n| !new.files[n].is_import)
                .is_none()
            {
                self.push(
                    Change::new(
                        Element::File,
                        Action::Removed,
                        &f.name,
                        None,
                        Some(Site::file(id)),
                        format!("was in package {}", display_package(&f.package)),
                        Bump::Major,
                    )
                    .mentioning(vec![vec![quoted(&f.name)]]),
                );
            }
        }
    }

    fn file_pair(&mut self, o: FileId, n: FileId) {
        let (of, nf) = (&self.old.files[o], &self.new.files[n]);
        if of.package != nf.package {
            self.push(Change::new(
                Element::File,
                Action::Changed,
                &nf.name,
                Some(Site::at(n, &[2])),
                Some(Site::at(o, &[2])),
                format!(
                    "package {} → {}",
                    display_package(&of.package),
                    display_package(&nf.package)
                ),
                Bump::Major,
            ));
        }
        if of.syntax != nf.syntax {
            self.push(Change::new(
                Element::File,
                Action::Changed,
                &nf.name,
                Some(Site::at(n, &[12])),
                Some(Site::at(o, &[12])),
                format!(
                    "syntax {} → {}",
                    syntax_name(of.syntax),
                    syntax_name(nf.syntax)
                ),
                Bump::Major,
            ));
        }
        let (ov, nv) = (
            file_option_values(&of.options),
            file_option_values(&nf.options),
        );
        for ((name, number, a), (_, _, b)) in ov.into_iter().zip(nv) {
            if a != b {
                let name = name.to_string();
                self.push(Change::new(
                    Element::File,
                    Action::Options,
                    &nf.name,
                    Some(Site::at(n, &[8, number])),
                    Some(Site::at(o, &[8, number])),
                    option_value_change(&name, a.as_deref(), b.as_deref()),
                    Bump::Patch,
                ));
            }
        }
        let name = nf.name.clone();
        self.option_presence(
            OptionsOf::File,
            Element::File,
            &name,
            &Site::file(o),
            &Site::file(n),
        );
    }

    fn packages(&mut self) {
        let of = |index: &'a Index| -> BTreeMap<&'a str, FileId> {
            let mut m = BTreeMap::new();
            for (id, f) in index.files.iter().enumerate().filter(|(_, f)| !f.is_import) {
                // Located at its first file by path, whatever order the files were read in.
                let first = m.entry(f.package.as_str()).or_insert(id);
                if f.name < index.files[*first].name {
                    *first = id;
                }
            }
            m
        };
        let (old, new) = (of(self.old), of(self.new));
        for (p, &id) in &new {
            if !old.contains_key(p) {
                self.push(Change::new(
                    Element::Package,
                    Action::Added,
                    &display_package(p),
                    Some(Site::at(id, &[2])),
                    None,
                    "new package".into(),
                    Bump::Minor,
                ));
            }
        }
        for (p, &id) in &old {
            if !new.contains_key(p) {
                self.push(
                    Change::new(
                        Element::Package,
                        Action::Removed,
                        &display_package(p),
                        None,
                        Some(Site::at(id, &[2])),
                        "no file declares it any more".into(),
                        Bump::Major,
                    )
                    .mentioning(vec![vec![quoted(p)]]),
                );
            }
        }
    }

    // -- options and docs, shared by every element --

    fn option_name(&self, of: OptionsOf, n: i32) -> String {
        if let Some(s) = of.standard(n) {
            return s.to_string();
        }
        let key = (format!(".google.protobuf.{}", of.message()), n);
        if let Some(name) = self.option_names.get(&key) {
            return format!("({name})");
        }
        match of.well_known_custom(n) {
            Some(name) => format!("({name})"),
            None => format!("(extension {n} of google.protobuf.{})", of.message()),
        }
    }

    /// Options set on one side only, for options the index holds no value of.
    fn option_presence(
        &mut self,
        of: OptionsOf,
        element: Element,
        name: &str,
        old: &Site,
        new: &Site,
    ) {
        let field = of.field();
        let before = self.old_notes.options(old, field);
        let after = self.new_notes.options(new, field);
        for &n in before.symmetric_difference(&after) {
            if of.decoded().contains(&n) {
                continue;
            }
            let option = self.option_name(of, n);
            let set = after.contains(&n);
            let description = if set {
                format!("option {option} set")
            } else {
                format!("option {option} removed")
            };
            self.push(Change::new(
                element,
                Action::Options,
                name,
                Some(new.child(&[field, n])),
                Some(old.child(&[field, n])),
                description,
                Bump::Patch,
            ));
        }
    }

    fn docs(&mut self, element: Element, name: &str, old: &Site, new: &Site) {
        let (a, b) = (self.old_notes.doc(old), self.new_notes.doc(new));
        if a == b {
            return;
        }
        let description = match (a, b) {
            (None, Some(_)) => "doc comment added",
            (Some(_), None) => "doc comment removed",
            _ => "doc comment changed",
        };
        self.push(Change::new(
            element,
            Action::Docs,
            name,
            Some(new.clone()),
            Some(old.clone()),
            description.into(),
            Bump::Patch,
        ));
    }

    /// Options and docs of an element present on both sides.
    fn notes(&mut self, of: OptionsOf, element: Element, name: &str, old: &Site, new: &Site) {
        self.option_presence(of, element, name, old, new);
        self.docs(element, name, old, new);
    }

    // -- messages and fields --

    fn messages(&mut self) {
        let (old, new) = (self.old, self.new);
        let live_old = |m: &&Message| Self::live(old, m.file) && !m.map_entry;
        let live_new = |m: &&Message| Self::live(new, m.file) && !m.map_entry;
        let in_old = |name: &str| old.message(name).filter(live_old).is_some();
        let in_new = |name: &str| new.message(name).filter(live_new).is_some();
        for m in new.messages.iter().filter(live_new) {
            match old.message(&m.full_name).filter(live_old) {
                Some(o) => self.message_pair(o, m),
                None => {
                    let parent = parent_of(&m.full_name);
                    if new.message(parent).is_some() && !in_old(parent) {
                        continue;
                    }
                    self.push(Change::new(
                        Element::Message,
                        Action::Added,
                        &m.full_name,
                        Some(m.site.clone()),
                        None,
                        format!("{} fields", m.fields.len()),
                        Bump::Minor,
                    ));
                }
            }
        }
        for m in old.messages.iter().filter(live_old) {
            if in_new(&m.full_name) {
                continue;
            }
            let parent = parent_of(&m.full_name);
            if old.message(parent).is_some() && !in_new(parent) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Message,
                    Action::Removed,
                    &m.full_name,
                    None,
                    Some(m.site.clone()),
                    format!("had {} fields", m.fields.len()),
                    Bump::Major,
                )
                .mentioning(vec![vec![
                    quoted(&m.name),
                    quoted(&m.nested_name),
                    quoted(&m.full_name),
                ]]),
            );
        }
    }

    fn message_pair(&mut self, o: &'a Message, n: &'a Message) {
        let name = n.full_name.as_str();
        let (of, nf) = (&self.old.files[o.file], &self.new.files[n.file]);
        if of.name != nf.name {
            self.push(Change::new(
                Element::Message,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                format!("moved from {} to {}", of.name, nf.name),
                Bump::Major,
            ));
        }
        // Reserved numbers and names, extension ranges.
        let (or, nr) = (ranges(&o.reserved_ranges), ranges(&n.reserved_ranges));
        let (on, nn): (BTreeSet<&String>, BTreeSet<&String>) = (
            o.reserved_names.iter().collect(),
            n.reserved_names.iter().collect(),
        );
        let mut reserve = |what: String, bump: Bump| {
            self.out.push(Change::new(
                Element::Message,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                what,
                bump,
            ));
        };
        let added: BTreeSet<_> = nr.difference(&or).copied().collect();
        let removed: BTreeSet<_> = or.difference(&nr).copied().collect();
        if !added.is_empty() {
            reserve(format!("reserved {}", range_text(&added)), Bump::Patch);
        }
        if !removed.is_empty() {
            reserve(
                format!("no longer reserves {}", range_text(&removed)),
                Bump::Major,
            );
        }
        let added: BTreeSet<&String> = nn.difference(&on).copied().collect();
        let removed: BTreeSet<&String> = on.difference(&nn).copied().collect();
        if !added.is_empty() {
            reserve(
                format!("reserved names {}", names_text(&added)),
                Bump::Patch,
            );
        }
        if !removed.is_empty() {
            reserve(
                format!("no longer reserves names {}", names_text(&removed)),
                Bump::Major,
            );
        }
        let (oe, ne) = (ranges(&o.extension_ranges), ranges(&n.extension_ranges));
        let added: BTreeSet<_> = ne.difference(&oe).copied().collect();
        let removed: BTreeSet<_> = oe.difference(&ne).copied().collect();
        if !added.is_empty() {
            reserve(
                format!("extension range {} added", range_text(&added)),
                Bump::Minor,
            );
        }
        if !removed.is_empty() {
            reserve(
                format!("extension range {} removed", range_text(&removed)),
                Bump::Major,
            );
        }
        // Options held by value.
        for (option, number, a, b) in [
            (
                "message_set_wire_format",
                1,
                o.message_set_wire_format,
                n.message_set_wire_format,
            ),
            (
                "no_standard_descriptor_accessor",
                2,
                o.no_standard_descriptor_accessor,
                n.no_standard_descriptor_accessor,
            ),
        ] {
            if a != b {
                self.push(Change::new(
                    Element::Message,
                    Action::Options,
                    name,
                    Some(n.site.child(&[7, number])),
                    Some(o.site.child(&[7, number])),
                    format!("option {option} {a} → {b}"),
                    Bump::Patch,
                ));
            }
        }
        let compiled = self.both_compiled(o.file, n.file);
        if compiled {
            self.notes(OptionsOf::Message, Element::Message, name, &o.site, &n.site);
        }
        // Oneofs, by name (synthetic ones belong to proto3 `optional` fields).
        for (i, no) in n.oneofs.iter().enumerate().filter(|(_, x)| !x.synthetic) {
            let site = n.site.child(&[8, i as i32]);
            let full = format!("{name}.{}", no.name);
            match o
                .oneofs
                .iter()
                .position(|x| !x.synthetic && x.name == no.name)
            {
                Some(j) if compiled => {
                    let old_site = o.site.child(&[8, j as i32]);
                    self.notes(OptionsOf::Oneof, Element::Oneof, &full, &old_site, &site);
                }
                Some(_) => {}
                None => self.push(Change::new(
                    Element::Oneof,
                    Action::Added,
                    &full,
                    Some(site),
                    None,
                    format!(
                        "{} fields",
                        n.fields.iter().filter(|f| f.oneof == Some(i)).count()
                    ),
                    Bump::Minor,
                )),
            }
        }
        for (i, oo) in o.oneofs.iter().enumerate().filter(|(_, x)| !x.synthetic) {
            if !n.oneofs.iter().any(|x| !x.synthetic && x.name == oo.name) {
                self.push(
                    Change::new(
                        Element::Oneof,
                        Action::Removed,
                        &format!("{name}.{}", oo.name),
                        None,
                        Some(o.site.child(&[8, i as i32])),
                        format!(
                            "had {} fields",
                            o.fields.iter().filter(|f| f.oneof == Some(i)).count()
                        ),
                        Bump::Major,
                    )
                    .mentioning(vec![vec![quoted(&oo.name)]]),
                );
            }
        }
        // Fields, by number.
        for nfield in &n.fields {
            match o.field_by_number(nfield.number) {
                Some(ofield) => self.field_pair(Some((o, n)), ofield, nfield, Element::Field),
                None => self.push(Change::new(
                    Element::Field,
                    Action::Added,
                    &nfield.full_name,
                    Some(nfield.site.clone()),
                    None,
                    format!("`{}`", declaration(self.new, nfield)),
                    Bump::Minor,
                )),
            }
        }
        for ofield in &o.fields {
            if n.field_by_number(ofield.number).is_none() {
                self.push(
                    Change::new(
                        Element::Field,
                        Action::Removed,
                        &ofield.full_name,
                        None,
                        Some(ofield.site.clone()),
                        format!("was `{}`", declaration(self.old, ofield)),
                        Bump::Major,
                    )
                    .mentioning(vec![
                        vec![quoted(&ofield.number.to_string())],
                        vec![
                            quoted(&o.name),
                            quoted(&o.nested_name),
                            quoted(&o.full_name),
                        ],
                    ]),
                );
            }
        }
    }

    /// A field or extension present on both sides (by number).
    fn field_pair(
        &mut self,
        messages: Option<(&Message, &Message)>,
        o: &Field,
        n: &Field,
        element: Element,
    ) {
        let (old, new) = (self.old, self.new);
        let name = n.full_name.as_str();
        let mut what = Vec::new();
        let (od, nd) = (declaration(old, o), declaration(new, n));
        // Name, type and label show in the declarations; the rest is spelled out.
        let changed_decl = od != nd;
        if o.cardinality != n.cardinality {
            what.push(format!(
                "{} → {}",
                o.cardinality.describe(),
                n.cardinality.describe()
            ));
        }
        let implied = |f: &Field| f.json_name == crate::index::default_json_name(&f.name);
        if o.json_name != n.json_name && !(implied(o) && implied(n)) {
            what.push(format!("json name {} → {}", o.json_name, n.json_name));
        }
        if o.default_value != n.default_value {
            let show = |d: &Option<String>| d.clone().unwrap_or_else(|| "(none)".into());
            what.push(format!(
                "default {} → {}",
                show(&o.default_value),
                show(&n.default_value)
            ));
        }
        if let Some((om, nm)) = messages {
            match (oneof_name(Some(om), o), oneof_name(Some(nm), n)) {
                (None, Some(b)) => what.push(format!("moved into oneof {b}")),
                (Some(a), None) => what.push(format!("moved out of oneof {a}")),
                (Some(a), Some(b)) if a != b => {
                    what.push(format!("moved from oneof {a} to oneof {b}"))
                }
                _ => {}
            }
        }
        if o.in_map_entry || n.in_map_entry {
            // Entry fields are compared through their map field's type.
            return;
        }
        if changed_decl || !what.is_empty() {
            let mut description = String::new();
            if changed_decl {
                description = format!("`{od}` → `{nd}`");
            }
            if !what.is_empty() {
                if changed_decl {
                    description.push_str(": ");
                }
                description.push_str(&what.join("; "));
            }
            self.push(Change::new(
                element,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                description,
                Bump::Major,
            ));
        }
        let describe = |v: Option<i32>, names: &[&str]| match v {
            None => "(unset)".to_string(),
            Some(x) => names
                .get(x as usize)
                .map(|s| s.to_string())
                .unwrap_or_else(|| x.to_string()),
        };
        for (option, number, a, b, names) in [
            (
                "ctype",
                1,
                o.ctype,
                n.ctype,
                &["STRING", "CORD", "STRING_PIECE"][..],
            ),
            (
                "jstype",
                6,
                o.jstype,
                n.jstype,
                &["JS_NORMAL", "JS_STRING", "JS_NUMBER"][..],
            ),
        ] {
            if a != b {
                self.push(Change::new(
                    element,
                    Action::Options,
                    name,
                    Some(n.site.child(&[8, number])),
                    Some(o.site.child(&[8, number])),
                    format!(
                        "option {option} {} → {}",
                        describe(a, names),
                        describe(b, names)
                    ),
                    Bump::Patch,
                ));
            }
        }
        if self.both_compiled(o.site.file, n.site.file) {
            self.notes(OptionsOf::Field, element, name, &o.site, &n.site);
        }
    }

    // -- enums --

    fn enums(&mut self) {
        let (old, new) = (self.old, self.new);
        let live_old = |e: &&Enum| Self::live(old, e.file);
        let live_new = |e: &&Enum| Self::live(new, e.file);
        let msg_in_old = |name: &str| {
            old.message(name)
                .filter(|m| Self::live(old, m.file))
                .is_some()
        };
        let msg_in_new = |name: &str| {
            new.message(name)
                .filter(|m| Self::live(new, m.file))
                .is_some()
        };
        for e in new.enums.iter().filter(live_new) {
            match old.enum_(&e.full_name).filter(live_old) {
                Some(o) => self.enum_pair(o, e),
                None => {
                    let parent = parent_of(&e.full_name);
                    if msg_in_new(parent) && !msg_in_old(parent) {
                        continue;
                    }
                    self.push(Change::new(
                        Element::Enum,
                        Action::Added,
                        &e.full_name,
                        Some(e.site.clone()),
                        None,
                        format!("{} values", e.values.len()),
                        Bump::Minor,
                    ));
                }
            }
        }
        for e in old.enums.iter().filter(live_old) {
            if new.enum_(&e.full_name).filter(live_new).is_some() {
                continue;
            }
            let parent = parent_of(&e.full_name);
            if msg_in_old(parent) && !msg_in_new(parent) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Enum,
                    Action::Removed,
                    &e.full_name,
                    None,
                    Some(e.site.clone()),
                    format!("had {} values", e.values.len()),
                    Bump::Major,
                )
                .mentioning(vec![vec![
                    quoted(&e.name),
                    quoted(&e.nested_name),
                    quoted(&e.full_name),
                ]]),
            );
        }
    }

    fn enum_pair(&mut self, o: &'a Enum, n: &'a Enum) {
        let name = n.full_name.as_str();
        let (of, nf) = (&self.old.files[o.file], &self.new.files[n.file]);
        if of.name != nf.name {
            self.push(Change::new(
                Element::Enum,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                format!("moved from {} to {}", of.name, nf.name),
                Bump::Major,
            ));
        }
        let (or, nr) = (ranges(&o.reserved_ranges), ranges(&n.reserved_ranges));
        let (on, nn): (BTreeSet<&String>, BTreeSet<&String>) = (
            o.reserved_names.iter().collect(),
            n.reserved_names.iter().collect(),
        );
        let mut reserved = Vec::new();
        let added: BTreeSet<_> = nr.difference(&or).copied().collect();
        let removed: BTreeSet<_> = or.difference(&nr).copied().collect();
        if !added.is_empty() {
            reserved.push((format!("reserved {}", range_text(&added)), Bump::Patch));
        }
        if !removed.is_empty() {
            reserved.push((
                format!("no longer reserves {}", range_text(&removed)),
                Bump::Major,
            ));
        }
        let added: BTreeSet<&String> = nn.difference(&on).copied().collect();
        let removed: BTreeSet<&String> = on.difference(&nn).copied().collect();
        if !added.is_empty() {
            reserved.push((
                format!("reserved names {}", names_text(&added)),
                Bump::Patch,
            ));
        }
        if !removed.is_empty() {
            reserved.push((
                format!("no longer reserves names {}", names_text(&removed)),
                Bump::Major,
            ));
        }
        for (what, bump) in reserved {
            self.push(Change::new(
                Element::Enum,
                Action::Changed,
                name,
                Some(n.site.clone()),
                Some(o.site.clone()),
                what,
                bump,
            ));
        }
        let compiled = self.both_compiled(o.file, n.file);
        if compiled {
            self.notes(OptionsOf::Enum, Element::Enum, name, &o.site, &n.site);
        }
        // Values, by number; aliases share a number.
        let group = |e: &'a Enum| {
            let mut m: BTreeMap<i32, Vec<&'a crate::index::EnumValue>> = BTreeMap::new();
            for v in &e.values {
                m.entry(v.number).or_default().push(v);
            }
            m
        };
        let (og, ng) = (group(o), group(n));
        // Values are scoped next to their enum in protobuf, but read best under it.
        let value_name = |v: &str| format!("{name}.{v}");
        for (number, nvs) in &ng {
            let ovs = og.get(number).map(Vec::as_slice).unwrap_or(&[]);
            let gone: Vec<_> = ovs
                .iter()
                .filter(|v| !nvs.iter().any(|x| x.name == v.name))
                .collect();
            let fresh: Vec<_> = nvs
                .iter()
                .filter(|v| !ovs.iter().any(|x| x.name == v.name))
                .collect();
            if let ([a], [b]) = (gone.as_slice(), fresh.as_slice()) {
                self.push(Change::new(
                    Element::EnumValue,
                    Action::Changed,
                    &value_name(&b.name),
                    Some(b.site.clone()),
                    Some(a.site.clone()),
                    format!("value {number} renamed {} → {}", a.name, b.name),
                    Bump::Major,
                ));
            } else {
                for b in &fresh {
                    self.push(Change::new(
                        Element::EnumValue,
                        Action::Added,
                        &value_name(&b.name),
                        Some(b.site.clone()),
                        None,
                        format!("`{} = {number}`", b.name),
                        Bump::Minor,
                    ));
                }
                for a in &gone {
                    self.push(
                        Change::new(
                            Element::EnumValue,
                            Action::Removed,
                            &value_name(&a.name),
                            None,
                            Some(a.site.clone()),
                            format!("was `{} = {number}`", a.name),
                            Bump::Major,
                        )
                        .mentioning(vec![
                            vec![quoted(&number.to_string()), quoted(&a.name)],
                            vec![
                                quoted(&o.name),
                                quoted(&o.nested_name),
                                quoted(&o.full_name),
                            ],
                        ]),
                    );
                }
            }
            if compiled {
                for b in nvs {
                    if let Some(a) = ovs.iter().find(|x| x.name == b.name) {
                        let full = value_name(&b.name);
                        self.notes(
                            OptionsOf::EnumValue,
                            Element::EnumValue,
                            &full,
                            &a.site,
                            &b.site,
                        );
                    }
                }
            }
        }
        for (number, ovs) in &og {
            if ng.contains_key(number) {
                continue;
            }
            for a in ovs {
                self.push(
                    Change::new(
                        Element::EnumValue,
                        Action::Removed,
                        &value_name(&a.name),
                        None,
                        Some(a.site.clone()),
                        format!("was `{} = {number}`", a.name),
                        Bump::Major,
                    )
                    .mentioning(vec![
                        vec![quoted(&number.to_string()), quoted(&a.name)],
                        vec![
                            quoted(&o.name),
                            quoted(&o.nested_name),
                            quoted(&o.full_name),
                        ],
                    ]),
                );
            }
        }
    }

    // -- services --

    fn services(&mut self) {
        let (old, new) = (self.old, self.new);
        for s in new.services.iter().filter(|s| Self::live(new, s.file)) {
            let Some(o) = old
                .service(&s.full_name)
                .filter(|o| Self::live(old, o.file))
            else {
                self.push(Change::new(
                    Element::Service,
                    Action::Added,
                    &s.full_name,
                    Some(s.site.clone()),
                    None,
                    format!("{} RPCs", s.methods.len()),
                    Bump::Minor,
                ));
                continue;
            };
            let name = s.full_name.as_str();
            let (of, nf) = (&old.files[o.file], &new.files[s.file]);
            if of.name != nf.name {
                self.push(Change::new(
                    Element::Service,
                    Action::Changed,
                    name,
                    Some(s.site.clone()),
                    Some(o.site.clone()),
                    format!("moved from {} to {}", of.name, nf.name),
                    Bump::Major,
                ));
            }
            let compiled = self.both_compiled(o.file, s.file);
            if compiled {
                self.notes(OptionsOf::Service, Element::Service, name, &o.site, &s.site);
            }
            for m in &s.methods {
                let full = format!("{name}.{}", m.name);
                let Some(om) = o.methods.iter().find(|x| x.name == m.name) else {
                    self.push(Change::new(
                        Element::Rpc,
                        Action::Added,
                        &full,
                        Some(m.site.clone()),
                        None,
                        format!("`{}`", rpc_signature(m)),
                        Bump::Minor,
                    ));
                    continue;
                };
                let (a, b) = (rpc_signature(om), rpc_signature(m));
                if a != b {
                    self.push(Change::new(
                        Element::Rpc,
                        Action::Changed,
                        &full,
                        Some(m.site.clone()),
                        Some(om.site.clone()),
                        format!("`{a}` → `{b}`"),
                        Bump::Major,
                    ));
                }
                if om.idempotency_level != m.idempotency_level {
                    let level = |l: i32| match l {
                        1 => "NO_SIDE_EFFECTS",
                        2 => "IDEMPOTENT",
                        _ => "IDEMPOTENCY_UNKNOWN",
                    };
                    self.push(Change::new(
                        Element::Rpc,
                        Action::Options,
                        &full,
                        Some(m.site.child(&[4, 34])),
                        Some(om.site.child(&[4, 34])),
                        format!(
                            "option idempotency_level {} → {}",
                            level(om.idempotency_level),
                            level(m.idempotency_level)
                        ),
                        Bump::Patch,
                    ));
                }
                if compiled {
                    self.notes(OptionsOf::Method, Element::Rpc, &full, &om.site, &m.site);
                }
            }
            for om in &o.methods {
                if !s.methods.iter().any(|x| x.name == om.name) {
                    self.push(
                        Change::new(
                            Element::Rpc,
                            Action::Removed,
                            &format!("{name}.{}", om.name),
                            None,
                            Some(om.site.clone()),
                            format!("was `{}`", rpc_signature(om)),
                            Bump::Major,
                        )
                        .mentioning(vec![
                            vec![quoted(&om.name)],
                            vec![quoted(&o.name), quoted(&o.full_name)],
                        ]),
                    );
                }
            }
        }
        for s in old.services.iter().filter(|s| Self::live(old, s.file)) {
            if new
                .service(&s.full_name)
                .filter(|n| Self::live(new, n.file))
                .is_none()
            {
                self.push(
                    Change::new(
                        Element::Service,
                        Action::Removed,
                        &s.full_name,
                        None,
                        Some(s.site.clone()),
                        format!("had {} RPCs", s.methods.len()),
                        Bump::Major,
                    )
                    .mentioning(vec![vec![quoted(&s.name), quoted(&s.full_name)]]),
                );
            }
        }
    }

    // -- extensions --

    fn extensions(&mut self) {
        let (old, new) = (self.old, self.new);
        let key = |f: &'a Field| (f.extendee.as_str(), f.number);
        let live = |index: &'a Index| -> HashMap<(&'a str, i32), &'a Field> {
            index
                .extensions
                .iter()
                .filter(|f| Self::live(index, f.site.file))
                .map(|f| (key(f), f))
                .collect()
        };
        let (om, nm) = (live(old), live(new));
        // An extension declared inside a message that is added or removed with it.
        let scope_in = |index: &Index, f: &Field| {
            index
                .message(parent_of(&f.full_name))
                .filter(|m| Self::live(index, m.file))
                .is_some()
        };
        for f in new
            .extensions
            .iter()
            .filter(|f| Self::live(new, f.site.file))
        {
            match om.get(&key(f)) {
                Some(o) => self.field_pair(None, o, f, Element::Extension),
                None => {
                    if scope_in(new, f) && !scope_in(old, f) {
                        continue;
                    }
                    self.push(Change::new(
                        Element::Extension,
                        Action::Added,
                        &f.full_name,
                        Some(f.site.clone()),
                        None,
                        format!(
                            "`{}` extends {}",
                            declaration(new, f),
                            f.extendee.trim_start_matches('.')
                        ),
                        Bump::Minor,
                    ));
                }
            }
        }
        for f in old
            .extensions
            .iter()
            .filter(|f| Self::live(old, f.site.file))
        {
            if nm.contains_key(&key(f)) || (scope_in(old, f) && !scope_in(new, f)) {
                continue;
            }
            self.push(
                Change::new(
                    Element::Extension,
                    Action::Removed,
                    &f.full_name,
                    None,
                    Some(f.site.clone()),
                    format!(
                        "was `{}` extending {}",
                        declaration(old, f),
                        f.extendee.trim_start_matches('.')
                    ),
                    Bump::Major,
                )
                .mentioning(vec![vec![quoted(&f.number.to_string())]]),
            );
        }
    }
}

fn display_package(p: &str) -> String {
    if p.is_empty() {
        "(no package)".into()
    } else {
        p.to_string()
    }
}

fn syntax_name(s: crate::index::Syntax) -> String {
    match s {
        crate::index::Syntax::Proto2 => "proto2".into(),
        crate::index::Syntax::Proto3 => "proto3".into(),
        crate::index::Syntax::Editions(e) => format!("editions ({e})"),
    }
}

fn rpc_signature(m: &crate::index::Method) -> String {
    let stream = |s: bool| if s { "stream " } else { "" };
    format!(
        "rpc {}({}{}) returns ({}{})",
        m.name,
        stream(m.client_streaming),
        m.input_type.trim_start_matches('.'),
        stream(m.server_streaming),
        m.output_type.trim_start_matches('.')
    )
}

fn option_value_change(name: &str, a: Option<&str>, b: Option<&str>) -> String {
    match (a, b) {
        (None, Some(b)) => format!("option {name} set to {b}"),
        (Some(a), None) => format!("option {name} removed (was {a})"),
        (Some(a), Some(b)) => format!("option {name} {a} → {b}"),
        (None, None) => format!("option {name}"),
    }
}

/// Every standard file option: name, number, value as written (`None` when unset).
fn file_option_values(o: &FileOptions) -> Vec<(&'static str, i32, Option<String>)> {
    let s = |v: &Option<String>| v.as_ref().map(|x| format!("{x:?}"));
    let b = |v: &Option<bool>| v.map(|x| x.to_string());
    vec![
        ("java_package", 1, s(&o.java_package)),
        ("java_outer_classname", 8, s(&o.java_outer_classname)),
        (
            "optimize_for",
            9,
            o.optimize_for.map(|x| {
                match x {
                    1 => "SPEED",
                    2 => "CODE_SIZE",
                    3 => "LITE_RUNTIME",
                    _ => "?",
                }
                .to_string()
            }),
        ),
        ("java_multiple_files", 10, b(&o.java_multiple_files)),
        ("go_package", 11, s(&o.go_package)),
        ("cc_generic_services", 16, b(&o.cc_generic_services)),
        ("java_generic_services", 17, b(&o.java_generic_services)),
        ("py_generic_services", 18, b(&o.py_generic_services)),
        ("deprecated", 23, b(&o.deprecated)),
        ("java_string_check_utf8", 27, b(&o.java_string_check_utf8)),
        ("cc_enable_arenas", 31, b(&o.cc_enable_arenas)),
        ("objc_class_prefix", 36, s(&o.objc_class_prefix)),
        ("csharp_namespace", 37, s(&o.csharp_namespace)),
        ("swift_prefix", 39, s(&o.swift_prefix)),
        ("php_class_prefix", 40, s(&o.php_class_prefix)),
        ("php_namespace", 41, s(&o.php_namespace)),
        ("php_metadata_namespace", 44, s(&o.php_metadata_namespace)),
        ("ruby_package", 45, s(&o.ruby_package)),
        (
            "features",
            50,
            o.features.as_ref().map(|f| format!("{f:?}")),
        ),
    ]
}

// ---- the report ----------------------------------------------------------------------------

/// A change as reported: located, with the bump it requires under the selected rules and
/// the breaking findings that concern it.
#[derive(Clone, Debug, Serialize)]
pub struct ReportedChange {
    pub kind: ChangeKind,
    pub element: String,
    /// `path:line:col` in the new schema, or in the old one for a removal.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub location: Option<String>,
    pub description: String,
    /// MAJOR when a breaking finding concerns it; otherwise its own bump, at most MINOR.
    pub bump: Bump,
    /// The breaking findings about this change.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub findings: Vec<Annotation>,
}

/// Everything `protoguard semver` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// The bump the changes require (see [`classify`]).
    pub bump: Bump,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub current_version: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_version: Option<String>,
    /// Changes per kind (`field_added`: 3).
    pub counts: BTreeMap<String, usize>,
    pub changes: Vec<ReportedChange>,
    /// Breaking findings that no listed change accounts for.
    pub other_breaking: Vec<Annotation>,
}

/// How a report is printed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Text,
    Markdown,
    Json,
}

impl std::str::FromStr for Format {
    type Err = String;
    fn from_str(s: &str) -> Result<Format, String> {
        match s {
            "text" => Ok(Format::Text),
            "markdown" | "md" => Ok(Format::Markdown),
            "json" => Ok(Format::Json),
            other => Err(format!(
                "unknown format {other:?} (expected text, markdown or json)"
            )),
        }
    }
}

/// Compares two loaded schemas: the breaking findings of `policy` and every change, classified.
pub fn analyze(old: &Schema, new: &Schema, policy: &Policy) -> Report {
    analyze_with_history(old, new, policy, None)
}

/// As [`analyze`], with the history ledger of a git baseline, so that reusing a number or
/// name deleted in an earlier release (FIELD_NUMBER_REUSED...) counts as breaking.
pub fn analyze_with_history(
    old: &Schema,
    new: &Schema,
    policy: &Policy,
    ledger: Option<&crate::history::Ledger>,
) -> Report {
    let t = std::time::Instant::now();
    let findings = crate::check_with_history(old, new, policy, ledger);
    crate::source::timing("semver: breaking rules", t);
    let t = std::time::Instant::now();
    let list = changes(&old.index, &new.index);
    crate::source::timing(&format!("semver: {} changes", list.len()), t);
    let t = std::time::Instant::now();
    let report = Report::new(&old.index, &new.index, list, findings);
    crate::source::timing("semver: report", t);
    report
}

/// A finding in a list: rule, message, and the new name when it is a rename.
fn finding_text(a: &Annotation) -> String {
    let mut s = match &a.renamed_to {
        Some(to) => format!("{} {} (renamed to {to})", a.rule, a.message),
        None => format!("{} {}", a.rule, a.message),
    };
    s.push_str(&allowed_suffix(a));
    s
}

/// ` (allowed: why)` for a finding the contract allows, else nothing.
fn allowed_suffix(a: &Annotation) -> String {
    match &a.verdict {
        crate::finding::Verdict::Allowed(allowance) => {
            format!(" (allowed: {})", crate::report::allowance_text(allowance))
        }
        crate::finding::Verdict::Breaking => String::new(),
    }
}

/// Where a site is, for linking and showing: display path and span (the whole file's first
/// position when the site has no span of its own).
fn place(index: &Index, site: &Site) -> Option<(String, Option<Span>)> {
    let file = index.files.get(site.file)?;
    let span = site.path.as_deref().and_then(|p| file.span(p));
    Some((file.display.clone(), span))
}

const REMOVED_FILE: ChangeKind = ChangeKind {
    element: Element::File,
    action: Action::Removed,
};

/// The `"quoted"` parts of a finding's message, quotes included.
fn quoted_tokens(message: &str) -> BTreeSet<&str> {
    let mut out = BTreeSet::new();
    let mut start = None;
    for (i, c) in message.char_indices() {
        if c == '"' {
            match start.take() {
                None => start = Some(i),
                Some(s) => {
                    out.insert(&message[s..=i]);
                }
            }
        }
    }
    out
}

fn within(span: &Span, line: u32, column: u32) -> bool {
    (line, column) >= (span.start_line, span.start_column)
        && (line, column) <= (span.end_line, span.end_column)
}

impl Report {
    /// Ties findings to changes, computes each change's bump and the overall one.
    pub fn new(
        old: &Index,
        new: &Index,
        changes: Vec<Change>,
        findings: Vec<Annotation>,
    ) -> Report {
        let bump = classify(&changes, &findings);
        let placed: Vec<_> = changes
            .iter()
            .map(|c| {
                (
                    c.new.as_ref().and_then(|s| place(new, s)),
                    c.old.as_ref().and_then(|s| place(old, s)),
                )
            })
            .collect();
        // Changes by displayed file, to tie each finding to the innermost change holding it.
        let mut by_new: HashMap<&str, Vec<usize>> = HashMap::new();
        let mut by_old: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, (n, o)) in placed.iter().enumerate() {
            if let Some((p, Some(_))) = n {
                by_new.entry(p.as_str()).or_default().push(i);
            }
            if let Some((p, Some(_))) = o {
                by_old.entry(p.as_str()).or_default().push(i);
            }
        }
        // Removals by the first name a finding about them quotes.
        let mut removals: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, c) in changes.iter().enumerate() {
            for needle in c.mentions.first().into_iter().flatten() {
                removals.entry(needle.as_str()).or_default().push(i);
            }
        }
        let mut linked: Vec<Vec<Annotation>> = vec![Vec::new(); changes.len()];
        let mut other = Vec::new();
        for a in findings {
            let mut hits: Vec<usize> = Vec::new();
            // A removal: buf's deletion rules report it at the parent, quoting its name.
            let tokens = quoted_tokens(&a.message);
            let deletion = a.rule.contains("NO_DELETE");
            for i in tokens
                .iter()
                .filter(|_| deletion)
                .flat_map(|t| removals.get(t).into_iter().flatten())
                .copied()
                .collect::<BTreeSet<usize>>()
            {
                let c = &changes[i];
                let same_file = match (&placed[i].1, &a.old_path) {
                    (Some((p, _)), Some(q)) => p == q,
                    _ => true,
                };
                let named = c
                    .mentions
                    .iter()
                    .all(|any| any.iter().any(|m| tokens.contains(m.as_str())));
                let loose = matches!(c.kind.element, Element::File | Element::Package);
                if named && (same_file || loose) {
                    hits.push(i);
                }
            }
            // Anything else: the innermost change whose span holds the finding.
            if hits.is_empty() {
                let mut best: Option<(usize, (u32, u32))> = None;
                let mut consider = |i: usize, span: &Span, line: u32, col: u32| {
                    if !within(span, line, col) || !changes[i].mentions.is_empty() {
                        return;
                    }
                    let size = (
                        span.end_line - span.start_line,
                        span.end_column.wrapping_sub(span.start_column),
                    );
                    if best.is_none_or(|(_, s)| size < s) {
                        best = Some((i, size));
                    }
                };
                let file_anchor = a.start_line == 1 && a.start_column == 1;
                let in_new = match (&a.path, file_anchor) {
                    (Some(p), false) => by_new.get(p.as_str()),
                    _ => None,
                };
                for &i in in_new.into_iter().flatten() {
                    if let Some((_, Some(span))) = &placed[i].0 {
                        consider(i, span, a.start_line, a.start_column);
                    }
                }
                let in_old = a.old_path.as_ref().and_then(|p| by_old.get(p.as_str()));
                if let (Some(l), Some(c)) = (a.old_start_line, a.old_start_column) {
                    for &i in in_old.into_iter().flatten() {
                        if let Some((_, Some(span))) = &placed[i].1 {
                            consider(i, span, l, c);
                        }
                    }
                }
                if let Some((i, _)) = best {
                    // Every change of the same kind of the element at the same place shares it.
                    let same = |&j: &usize| {
                        changes[j].element == changes[i].element
                            && changes[j].kind == changes[i].kind
                            && placed[j] == placed[i]
                    };
                    let mut all: BTreeSet<usize> = in_new
                        .into_iter()
                        .chain(in_old)
                        .flatten()
                        .copied()
                        .filter(same)
                        .collect();
                    all.insert(i);
                    hits.extend(all);
                }
            }
            match hits.as_slice() {
                [] => other.push(a),
                _ => {
                    for &i in &hits {
                        linked[i].push(a.clone());
                    }
                }
            }
        }
        // What went away with a removed file breaks as its file does (buf reports only the
        // file under FILE).
        let removed_files: HashMap<FileId, Bump> = changes
            .iter()
            .zip(&linked)
            .filter(|(c, f)| c.kind == REMOVED_FILE && !f.is_empty())
            .filter_map(|(c, f)| {
                let bump = f.iter().map(finding_bump).max()?;
                Some((c.old.as_ref()?.file, bump))
            })
            .collect();
        let inherited: Vec<Option<Bump>> = changes
            .iter()
            .zip(&linked)
            .map(|(c, f)| {
                let removal = c.kind.action == Action::Removed && c.kind != REMOVED_FILE;
                if !removal || !f.is_empty() {
                    return None;
                }
                removed_files.get(&c.old.as_ref()?.file).copied()
            })
            .collect();
        let mut counts = BTreeMap::new();
        let mut out = Vec::with_capacity(changes.len());
        for (((c, findings), (n, o)), inherited) in
            changes.into_iter().zip(linked).zip(placed).zip(inherited)
        {
            *counts.entry(c.kind.key()).or_insert(0) += 1;
            let own = c.bump.min(Bump::Minor);
            let bump = findings
                .iter()
                .map(finding_bump)
                .chain(inherited)
                .fold(own, Bump::max);
            let mut description = c.description;
            if inherited.is_some() && c.kind.element != Element::Package {
                description.push_str(" (with its file)");
            }
            let location = n
                .filter(|(_, s)| s.is_some())
                .or(o.filter(|(_, s)| s.is_some()))
                .map(|(p, s)| {
                    let s = s.expect("filtered");
                    format!("{p}:{}:{}", s.start_line, s.start_column)
                })
                .or_else(|| {
                    let site = c
                        .new
                        .as_ref()
                        .map(|s| (new, s))
                        .or(c.old.as_ref().map(|s| (old, s)));
                    site.and_then(|(index, s)| index.files.get(s.file))
                        .map(|f| f.display.clone())
                });
            out.push(ReportedChange {
                kind: c.kind,
                element: c.element,
                location,
                description,
                bump,
                findings,
            });
        }
        Report {
            bump,
            current_version: None,
            next_version: None,
            counts,
            changes: out,
            other_breaking: other,
        }
    }

    /// Records the version released before these changes, and the next one.
    pub fn with_current_version(mut self, current: &semver::Version) -> Report {
        self.current_version = Some(current.to_string());
        self.next_version = Some(next_version(current, self.bump).to_string());
        self
    }

    pub fn render(&self, format: Format) -> String {
        match format {
            Format::Text => self.render_text(),
            Format::Markdown => self.render_markdown(),
            Format::Json => {
                let mut s = serde_json::to_string_pretty(self).unwrap_or_default();
                s.push('\n');
                s
            }
        }
    }

    /// Changes grouped by bump (MAJOR first), counts per kind, and the bump on the last line.
    pub fn render_text(&self) -> String {
        let mut out = String::new();
        for bump in [Bump::Major, Bump::Minor, Bump::Patch] {
            let group: Vec<_> = self.changes.iter().filter(|c| c.bump == bump).collect();
            // Unplaced findings: breaking ones are MAJOR, allowed ones at most MINOR.
            let other: Vec<&Annotation> = self
                .other_breaking
                .iter()
                .filter(|a| match bump {
                    Bump::Major => a.verdict.is_breaking(),
                    Bump::Minor => !a.verdict.is_breaking(),
                    _ => false,
                })
                .collect();
            if group.is_empty() && other.is_empty() {
                continue;
            }
            let _ = writeln!(out, "{bump}:");
            for c in group {
                let _ = writeln!(
                    out,
                    "  {}{} {}: {}",
                    c.location
                        .as_ref()
                        .map(|l| format!("{l}: "))
                        .unwrap_or_default(),
                    c.kind,
                    c.element,
                    c.description
                );
                for a in &c.findings {
                    let _ = writeln!(out, "      {}", finding_text(a));
                }
            }
            for a in other {
                let _ = writeln!(
                    out,
                    "  {}:{}:{}: {} {}{}",
                    a.path.as_deref().or(a.old_path.as_deref()).unwrap_or(""),
                    a.start_line,
                    a.start_column,
                    a.rule,
                    a.message,
                    allowed_suffix(a)
                );
            }
            out.push('\n');
        }
        let total: usize = self.counts.values().sum();
        let _ = writeln!(out, "changes: {total}");
        for (kind, n) in &self.counts {
            let _ = writeln!(out, "  {}: {n}", kind.replace('_', " "));
        }
        if let (Some(cur), Some(next)) = (&self.current_version, &self.next_version) {
            let _ = writeln!(out, "current version: {cur}");
            let _ = writeln!(out, "next version: {next}");
        }
        let _ = writeln!(out, "bump: {}", self.bump);
        out
    }

    /// Release notes: Breaking, Added, Changed and Docs sections (empty ones left out), and
    /// a table of counts. The bump is in the heading line, not on a last line of its own.
    pub fn render_markdown(&self) -> String {
        let mut out = String::new();
        match &self.next_version {
            Some(v) => {
                let _ = writeln!(out, "# {v}\n");
            }
            None => out.push_str("# Schema changes\n\n"),
        }
        match (&self.current_version, &self.next_version) {
            (Some(c), Some(n)) => {
                let _ = writeln!(out, "Required bump: **{}** ({c} → {n})\n", self.bump);
            }
            _ => {
                let _ = writeln!(out, "Required bump: **{}**\n", self.bump);
            }
        }
        let item = |c: &ReportedChange| {
            let mut s = format!(
                "- {} `{}`: {}",
                capitalize(&c.kind.to_string()),
                c.element,
                c.description
            );
            if let Some(l) = &c.location {
                let _ = write!(s, " (`{l}`)");
            }
            s.push('\n');
            for a in &c.findings {
                let _ = write!(s, "  - `{}`: {}", a.rule, a.message);
                if let Some(to) = &a.renamed_to {
                    let _ = write!(s, " (renamed to `{to}`)");
                }
                s.push_str(&allowed_suffix(a));
                s.push('\n');
            }
            s
        };
        let breaking: Vec<&ReportedChange> = self
            .changes
            .iter()
            .filter(|c| c.bump == Bump::Major)
            .collect();
        let rest = |f: &dyn Fn(&ReportedChange) -> bool| -> Vec<&ReportedChange> {
            self.changes
                .iter()
                .filter(|c| c.bump != Bump::Major && f(c))
                .collect()
        };
        let added = rest(&|c| c.kind.action == Action::Added);
        let changed = rest(&|c| {
            matches!(
                c.kind.action,
                Action::Removed | Action::Changed | Action::Options
            )
        });
        let docs = rest(&|c| c.kind.action == Action::Docs);
        if !breaking.is_empty() || !self.other_breaking.is_empty() {
            out.push_str("## Breaking\n\n");
            for c in &breaking {
                out.push_str(&item(c));
            }
            for a in &self.other_breaking {
                let _ = writeln!(
                    out,
                    "- `{}`: {} (`{}:{}:{}`)",
                    a.rule,
                    a.message,
                    a.path.as_deref().or(a.old_path.as_deref()).unwrap_or(""),
                    a.start_line,
                    a.start_column
                );
            }
            out.push('\n');
        }
        for (title, list) in [("Added", added), ("Changed", changed), ("Docs", docs)] {
            if list.is_empty() {
                continue;
            }
            let _ = writeln!(out, "## {title}\n");
            for c in list {
                out.push_str(&item(c));
            }
            out.push('\n');
        }
        if !self.counts.is_empty() {
            out.push_str("## Counts\n\n| change | count |\n|---|---:|\n");
            for (kind, n) in &self.counts {
                let _ = writeln!(out, "| {} | {n} |", kind.replace('_', " "));
            }
            out.push('\n');
        }
        out
    }
}

fn capitalize(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().collect::<String>() + c.as_str(),
        None => String::new(),
    }
}

// ---- release tags ---------------------------------------------------------------------------

/// Whether one release tag's version bump over the previous tag covers its changes.
#[derive(Clone, Debug, Serialize)]
pub struct TagVerdict {
    pub tag: String,
    pub version: String,
    pub previous_tag: String,
    pub previous_version: String,
    /// What the changes since the previous tag require.
    pub required: Bump,
    /// What the version change grants (see [`bump_between`]).
    pub actual: Bump,
    pub ok: bool,
    /// Why `required` is what it is: breaking rules with their first message, or the
    /// first additions / option changes.
    pub reasons: Vec<String>,
    pub counts: BTreeMap<String, usize>,
}

impl TagVerdict {
    /// One line: `v1.1.1: bumped PATCH over v1.1.0 but its changes require MAJOR (...)`.
    pub fn message(&self) -> String {
        let why = if self.reasons.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.reasons.join("; "))
        };
        if self.ok {
            format!(
                "{}: bumped {} over {}, its changes require {}{why}: ok",
                self.tag, self.actual, self.previous_tag, self.required
            )
        } else {
            format!(
                "{}: bumped {} over {} but its changes require {}{why}",
                self.tag, self.actual, self.previous_tag, self.required
            )
        }
    }
}

/// Renders verdicts: one line each (text), a table (markdown) or a JSON array.
pub fn render_verdicts(verdicts: &[TagVerdict], format: Format) -> String {
    match format {
        Format::Json => {
            let mut s = serde_json::to_string_pretty(verdicts).unwrap_or_default();
            s.push('\n');
            s
        }
        Format::Text => {
            let mut out = String::new();
            for v in verdicts {
                let _ = writeln!(out, "{}", v.message());
            }
            let lied = verdicts.iter().filter(|v| !v.ok).count();
            let _ = writeln!(
                out,
                "{} tag pairs checked, {lied} with a version bump smaller than their changes require",
                verdicts.len()
            );
            out
        }
        Format::Markdown => {
            let mut out = String::from(
                "| tag | previous | bumped | required | verdict | why |\n|---|---|---|---|---|---|\n",
            );
            for v in verdicts {
                let _ = writeln!(
                    out,
                    "| {} | {} | {} | {} | {} | {} |",
                    v.tag,
                    v.previous_tag,
                    v.actual,
                    v.required,
                    if v.ok { "ok" } else { "**too small**" },
                    v.reasons.join("; ").replace('|', "\\|")
                );
            }
            out
        }
    }
}

/// [`check_tags_in`] for the whole repository with no includes or layout.
pub fn check_tags(
    repo_dir: &Path,
    pattern: &str,
    policy: &Policy,
) -> Result<Vec<TagVerdict>, LoadError> {
    check_tags_in(repo_dir, "", pattern, policy, &LoadOptions::default())
}

/// The release tags matching `pattern` (a glob, `v*`) whose name parses as a version after
/// its non-digit prefix, in version order: each is loaded with the previous one (under
/// `subdir`) and its version bump compared with what its changes require.
pub fn check_tags_in(
    repo_dir: &Path,
    subdir: &str,
    pattern: &str,
    policy: &Policy,
    options: &LoadOptions,
) -> Result<Vec<TagVerdict>, LoadError> {
    let tags = release_tags(repo_dir, pattern)?;
    let mut out = Vec::new();
    for pair in tags.windows(2) {
        let [(pv, pt), (v, t)] = pair else { continue };
        let spec = |tag: &str| {
            Input::Git(GitSpec {
                repo: repo_dir.to_path_buf(),
                target: GitTarget::Tag(tag.to_string()),
                subdir: subdir.trim_matches('/').to_string(),
                text: format!("{}#tag={tag}", repo_dir.display()),
            })
        };
        let (old_in, new_in) = (spec(pt), spec(t));
        let (old, new) = load_tolerating_empty(&old_in, &new_in, options)?;
        let report = analyze(&old, &new, policy);
        let actual = bump_between(pv, v);
        out.push(TagVerdict {
            tag: t.clone(),
            version: v.to_string(),
            previous_tag: pt.clone(),
            previous_version: pv.to_string(),
            required: report.bump,
            actual,
            ok: actual >= report.bump,
            reasons: reasons(&report),
            counts: report.counts,
        });
    }
    Ok(out)
}

/// Tags matching `pattern` that name a commit and parse as versions, in version order.
pub fn release_tags(
    repo_dir: &Path,
    pattern: &str,
) -> Result<Vec<(semver::Version, String)>, LoadError> {
    let bad = |reason: String| LoadError::Git {
        input: repo_dir.display().to_string(),
        reason,
    };
    let repo = git2::Repository::discover(repo_dir)
        .map_err(|e| bad(format!("not a git repository: {}", e.message())))?;
    let names = repo
        .tag_names(Some(pattern))
        .map_err(|e| bad(e.message().to_string()))?;
    let mut tags: Vec<(semver::Version, String)> = names
        .iter()
        .flatten()
        .flatten()
        .filter_map(|name| {
            let v = parse_version(name)?;
            repo.revparse_single(&format!("refs/tags/{name}"))
                .and_then(|o| o.peel_to_commit())
                .ok()?;
            Some((v, name.to_string()))
        })
        .collect();
    tags.sort();
    Ok(tags)
}

/// Loads a pair of git sides; a side without any `.proto` file is an empty schema.
fn load_tolerating_empty(
    old: &Input,
    new: &Input,
    options: &LoadOptions,
) -> Result<(Schema, Schema), LoadError> {
    match Schema::load_pair((old, options), (new, options), Mode::Planned) {
        Err(LoadError::Empty { .. }) => {
            let one = |input: &Input| match Schema::load(input, options) {
                Err(LoadError::Empty { .. }) => Ok(Schema {
                    index: Index::default(),
                    input: input.clone(),
                    encoded: None,
                }),
                other => other,
            };
            Ok((one(old)?, one(new)?))
        }
        other => other,
    }
}

/// Why a report requires its bump, in a few words each (at most three).
fn reasons(report: &Report) -> Vec<String> {
    let mut out = Vec::new();
    let findings = report
        .changes
        .iter()
        .flat_map(|c| c.findings.iter())
        .chain(&report.other_breaking)
        .filter(|a| finding_bump(a) == report.bump);
    let mut rules_seen = BTreeSet::new();
    for a in findings {
        if rules_seen.insert(a.rule) {
            out.push(format!("{} {}", a.rule, a.message));
        }
    }
    if out.is_empty() {
        out = report
            .changes
            .iter()
            .filter(|c| c.bump == report.bump)
            .map(|c| format!("{} {}", c.kind, c.element))
            .collect();
    }
    let more = out.len().saturating_sub(3);
    out.truncate(3);
    if more > 0 {
        out.push(format!("{more} more"));
    }
    out
}
