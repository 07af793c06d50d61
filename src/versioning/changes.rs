//! Every change between two schemas, breaking or not: what a change is ([`Change`]: the
//! element, what happened to it, where, and the bump it needs by itself), [`classify`], and
//! the walk of the element diff that lists them. Files and packages are walked here;
//! messages and fields in `messages`, enums and services in `enums` and `services`; options
//! and doc comments are read through `notes`.

use std::collections::{BTreeSet, HashMap};
use std::fmt;

use serde::Serialize;

use super::notes::{file_option_values, option_extensions, option_value_change, Notes, OptionsOf};
use super::version::{rule_bump, Bump};
use crate::diff::Diff;
use crate::finding;
use crate::index::{Cardinality, Field, FileId, Index, Message, Site, WireKind};
use crate::report::Annotation;

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
    /// For a removal: the element the new side no longer has, as findings name it in their
    /// subject, so that a deletion finding is tied to it (buf reports removals at the
    /// parent, so their locations do not).
    pub(super) removed: Option<finding::Element>,
}

impl Change {
    pub(super) fn new(
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
            removed: None,
        }
    }

    /// Marks a removal with the element removed.
    pub(super) fn removing(mut self, element: finding::Element) -> Change {
        self.removed = Some(element);
        self
    }
}

/// The bump that a list of changes and the breaking findings of the selected rules
/// require: the strongest of each finding's rule bump (MAJOR for every rule but
/// MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT) and of each change's own bump, where a change's
/// MAJOR counts as MINOR (the selected rules accept it: a removal under WIRE with the number
/// reserved, a rename under WIRE). Identical schemas give NONE.
pub fn classify(changes: &[Change], breaking: &[Annotation]) -> Bump {
    classify_findings(changes, breaking.iter())
}

/// [`classify`] over findings that carry the contract's verdict: an allowed one counts at
/// most MINOR (see [`super::finding_bump`]).
pub(super) fn classify_findings<'a>(
    changes: &[Change],
    findings: impl Iterator<Item = &'a Annotation>,
) -> Bump {
    let (breaking, allowed): (Vec<&Annotation>, Vec<&Annotation>) =
        findings.partition(|a| a.verdict.is_breaking());
    let from_allowed = allowed.into_iter().map(super::finding_bump).max();
    classify_rules(changes, breaking.into_iter().map(|a| a.rule))
        .max(from_allowed.unwrap_or(Bump::None))
}

/// [`classify`] from the rule IDs of the breaking findings.
pub(super) fn classify_rules<'r>(changes: &[Change], rules: impl Iterator<Item = &'r str>) -> Bump {
    let from_findings = rules.map(rule_bump).max();
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
    changes_in(&Diff::new(old, new))
}

/// [`changes`] from the element diff of the run.
pub fn changes_in(diff: &Diff) -> Vec<Change> {
    let (old, new) = (diff.old, diff.new);
    let mut d = Differ {
        diff,
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

/// Collects the changes of one comparison; its walks of messages, enums, services and
/// extensions live in the sibling modules.
pub(super) struct Differ<'a> {
    pub(super) diff: &'a Diff<'a>,
    pub(super) old: &'a Index,
    pub(super) new: &'a Index,
    pub(super) old_notes: Notes<'a>,
    pub(super) new_notes: Notes<'a>,
    pub(super) option_names: HashMap<(String, i32), String>,
    pub(super) out: Vec<Change>,
}

fn quoted(s: &str) -> String {
    format!("\"{s}\"")
}

pub(super) fn parent_of(name: &str) -> &str {
    name.rsplit_once('.').map(|(p, _)| p).unwrap_or("")
}

/// The type of a field as written: `int64`, `pkg.Msg`, `map<string, pkg.Msg>`.
pub(super) fn type_string(index: &Index, f: &Field) -> String {
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
pub(super) fn declaration(index: &Index, f: &Field) -> String {
    let label = match f.cardinality {
        Cardinality::Repeated => "repeated ",
        Cardinality::Required => "required ",
        _ if f.proto3_optional => "optional ",
        _ => "",
    };
    format!("{label}{} {} = {}", type_string(index, f), f.name, f.number)
}

pub(super) fn oneof_name(m: Option<&Message>, f: &Field) -> Option<String> {
    let o = m?.oneofs.get(f.oneof?)?;
    (!o.synthetic).then(|| o.name.clone())
}

/// What changed in the reserved numbers and names of a message or an enum, each with its
/// bump: reserving more is a PATCH, releasing a reservation a MAJOR change.
pub(super) fn reservation_changes(
    old_ranges: &[(i32, i32)],
    new_ranges: &[(i32, i32)],
    old_names: &[String],
    new_names: &[String],
) -> Vec<(String, Bump)> {
    let (or, nr) = (ranges(old_ranges), ranges(new_ranges));
    let (on, nn): (BTreeSet<&String>, BTreeSet<&String>) =
        (old_names.iter().collect(), new_names.iter().collect());
    let mut out = Vec::new();
    let added: BTreeSet<_> = nr.difference(&or).copied().collect();
    let removed: BTreeSet<_> = or.difference(&nr).copied().collect();
    if !added.is_empty() {
        out.push((format!("reserved {}", range_text(&added)), Bump::Patch));
    }
    if !removed.is_empty() {
        out.push((
            format!("no longer reserves {}", range_text(&removed)),
            Bump::Major,
        ));
    }
    let added: BTreeSet<&String> = nn.difference(&on).copied().collect();
    let removed: BTreeSet<&String> = on.difference(&nn).copied().collect();
    if !added.is_empty() {
        out.push((
            format!("reserved names {}", names_text(&added)),
            Bump::Patch,
        ));
    }
    if !removed.is_empty() {
        out.push((
            format!("no longer reserves names {}", names_text(&removed)),
            Bump::Major,
        ));
    }
    out
}

pub(super) fn ranges(r: &[(i32, i32)]) -> BTreeSet<(i32, i32)> {
    r.iter().copied().collect()
}

pub(super) fn range_text(set: &BTreeSet<(i32, i32)>) -> String {
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

pub(super) fn names_text(set: &BTreeSet<&String>) -> String {
    set.iter().map(|n| quoted(n)).collect::<Vec<_>>().join(", ")
}

impl<'a> Differ<'a> {
    /// Whether the elements of a file are compared: part of the schema, and not known
    /// unchanged (planned loading compiles such a file on one side only when a changed file
    /// imports it, so its elements must not count as present there).
    pub(super) fn live(index: &Index, file: FileId) -> bool {
        index.is_checked(file)
    }

    pub(super) fn both_compiled(&self, old: FileId, new: FileId) -> bool {
        !self.old.files[old].unchanged && !self.new.files[new].unchanged
    }

    pub(super) fn push(&mut self, c: Change) {
        self.out.push(c);
    }

    // -- files and packages --

    fn files(&mut self) {
        let (old, new, diff) = (self.old, self.new, self.diff);
        for &(o, n) in &diff.files.both {
            if self.both_compiled(o, n) {
                self.file_pair(o, n);
            }
        }
        for &id in &diff.files.added {
            let f = &new.files[id];
            self.push(Change::new(
                Element::File,
                Action::Added,
                &f.name,
                Some(Site::file(id)),
                None,
                format!("new file in package {}", display_package(&f.package)),
                Bump::Minor,
            ));
        }
        for &id in &diff.files.deleted {
            let f = &old.files[id];
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
                .removing(finding::Element::file(f)),
            );
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
        // Each package is located at its first file by path, whatever order the files were
        // read in.
        let first_file = |index: &'a Index, package: &str| -> Option<FileId> {
            index
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.is_import && f.package == package)
                .min_by(|(_, a), (_, b)| a.name.cmp(&b.name))
                .map(|(id, _)| id)
        };
        let diff = self.diff;
        for &p in &diff.packages.added {
            let Some(id) = first_file(self.new, p) else {
                continue;
            };
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
        for &p in &diff.packages.deleted {
            let Some(id) = first_file(self.old, p) else {
                continue;
            };
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
                .removing(finding::Element::package(p)),
            );
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
    pub(super) fn notes(
        &mut self,
        of: OptionsOf,
        element: Element,
        name: &str,
        old: &Site,
        new: &Site,
    ) {
        self.option_presence(of, element, name, old, new);
        self.docs(element, name, old, new);
    }
}

pub(super) fn display_package(p: &str) -> String {
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

pub(super) fn rpc_signature(m: &crate::index::Method) -> String {
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
