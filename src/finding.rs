//! A finding as typed facts: which rule, which element it is about on each side, where.
//!
//! Everything downstream of the rules (renames, blast radius, semver, policy, the formats)
//! reads a finding's [`Subject`], never its message: the message is for people and its
//! wording may change, the subject is for code.

use crate::index::{Enum, EnumValue, Field, File, Index, Message, Method, Oneof, Service, Site};

/// What kind of schema element a finding is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum ElementKind {
    File,
    Package,
    Message,
    Field,
    Extension,
    Oneof,
    Enum,
    EnumValue,
    Service,
    Rpc,
}

impl ElementKind {
    /// The word people use for the kind (`"field"`, `"enum value"`, `"RPC"`).
    pub fn noun(self) -> &'static str {
        match self {
            ElementKind::File => "file",
            ElementKind::Package => "package",
            ElementKind::Message => "message",
            ElementKind::Field => "field",
            ElementKind::Extension => "extension",
            ElementKind::Oneof => "oneof",
            ElementKind::Enum => "enum",
            ElementKind::EnumValue => "enum value",
            ElementKind::Service => "service",
            ElementKind::Rpc => "RPC",
        }
    }
}

/// One element of one side of the comparison.
///
/// `full_name` is the name a user writes to mean the element: a message `pkg.Outer.Inner`,
/// a field `pkg.Msg.field`, an extension `pkg.ext`, a oneof `pkg.Msg.choice`, an enum value
/// `pkg.Enum.VALUE` (scoped by its enum, unlike protobuf's sibling scoping, so that values
/// of two enums never share a name here), an RPC `pkg.Service.Method`, a file its path and a
/// package its name.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Element {
    pub kind: ElementKind,
    pub full_name: String,
    /// The field, extension or enum value number.
    pub number: Option<i32>,
    /// The file that declares it (its import path); `None` for a package.
    pub file: Option<String>,
}

impl Element {
    fn new(kind: ElementKind, full_name: String, number: Option<i32>, file: &str) -> Element {
        Element {
            kind,
            full_name,
            number,
            file: Some(file.to_string()),
        }
    }

    pub fn file(file: &File) -> Element {
        Element::new(ElementKind::File, file.name.clone(), None, &file.name)
    }

    pub fn package(name: &str) -> Element {
        Element {
            kind: ElementKind::Package,
            full_name: name.to_string(),
            number: None,
            file: None,
        }
    }

    pub fn message(index: &Index, m: &Message) -> Element {
        let file = &index.files[m.file].name;
        Element::new(ElementKind::Message, m.full_name.clone(), None, file)
    }

    /// A message field, or an extension (whose `full_name` is the extension's own).
    pub fn field(index: &Index, f: &Field) -> Element {
        let kind = if f.is_extension() {
            ElementKind::Extension
        } else {
            ElementKind::Field
        };
        let file = &index.files[f.site.file].name;
        Element::new(kind, f.full_name.clone(), Some(f.number), file)
    }

    pub fn oneof(index: &Index, m: &Message, o: &Oneof) -> Element {
        let file = &index.files[m.file].name;
        let name = format!("{}.{}", m.full_name, o.name);
        Element::new(ElementKind::Oneof, name, None, file)
    }

    pub fn enum_(index: &Index, e: &Enum) -> Element {
        let file = &index.files[e.file].name;
        Element::new(ElementKind::Enum, e.full_name.clone(), None, file)
    }

    pub fn enum_value(index: &Index, e: &Enum, v: &EnumValue) -> Element {
        let file = &index.files[e.file].name;
        let name = format!("{}.{}", e.full_name, v.name);
        Element::new(ElementKind::EnumValue, name, Some(v.number), file)
    }

    pub fn service(index: &Index, s: &Service) -> Element {
        let file = &index.files[s.file].name;
        Element::new(ElementKind::Service, s.full_name.clone(), None, file)
    }

    pub fn rpc(index: &Index, s: &Service, m: &Method) -> Element {
        let file = &index.files[s.file].name;
        let name = format!("{}.{}", s.full_name, m.name);
        Element::new(ElementKind::Rpc, name, None, file)
    }

    /// The full name of the element that contains this one (`pkg.Msg` for `pkg.Msg.f`);
    /// `None` for files, packages and top-level names of the empty package.
    pub fn parent_name(&self) -> Option<&str> {
        match self.kind {
            ElementKind::File | ElementKind::Package => None,
            _ => self.full_name.rsplit_once('.').map(|(p, _)| p),
        }
    }
}

/// The element a finding is about, as it was and as it is.
///
/// A deletion has only `old`; a change has both (for a renamed field, the two names under
/// one number); `new` alone is an element that appeared where its appearance breaks
/// (a required field added, a package split).
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Subject {
    pub old: Option<Element>,
    pub new: Option<Element>,
}

impl Subject {
    /// The same element on both sides.
    pub fn changed(old: Element, new: Element) -> Subject {
        Subject {
            old: Some(old),
            new: Some(new),
        }
    }

    /// An element the new side no longer has.
    pub fn deleted(old: Element) -> Subject {
        Subject {
            old: Some(old),
            new: None,
        }
    }

    /// An element only the new side has.
    pub fn added(new: Element) -> Subject {
        Subject {
            old: None,
            new: Some(new),
        }
    }

    /// The element on whichever side has it, the new side first.
    pub fn element(&self) -> &Element {
        self.new
            .as_ref()
            .or(self.old.as_ref())
            .expect("a subject has at least one side")
    }

    pub fn kind(&self) -> ElementKind {
        self.element().kind
    }

    pub fn is_deletion(&self) -> bool {
        self.new.is_none()
    }
}

/// A change of the type an element refers to (a field's message or enum type, an RPC's
/// request or response type), by full name without the leading dot.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TypeChange {
    pub old: String,
    pub new: String,
}

/// One breaking change: which rule, what it is about, where in the new and the old schema.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub rule: &'static str,
    /// The element the finding is about, on each side.
    pub subject: Subject,
    /// For people; code reads [`Finding::subject`] and the other typed fields instead.
    pub message: String,
    /// Location in the new schema; `None` when the element has no place left (deleted file).
    pub new: Option<Site>,
    /// Location of the element in the old schema.
    pub old: Option<Site>,
    /// For a finding about a named type that changed: the old and the new type.
    pub type_change: Option<TypeChange>,
    /// For a deletion that is really a rename: the new name (`pkg.NewName`).
    pub renamed_to: Option<String>,
    /// Messages, services and RPCs that reach the changed element (its blast radius).
    pub affects: Vec<String>,
    /// Further facts a reviewer needs (e.g. that a renamed type is wire compatible).
    pub notes: Vec<String>,
    /// What the compatibility contract says of it (see [`crate::policy`]); rules leave
    /// every finding [`Verdict::Breaking`], as buf would.
    pub verdict: Verdict,
    /// Why a part of the contract that looked at the finding did not allow it (e.g.
    /// "deprecated in v1.4.0, 1 release ago, 2 required"); never folded into `message`.
    pub verdict_note: Option<String>,
    /// For a data-window finding (`--window K`): the releases whose data it breaks, oldest
    /// first; empty for findings of the comparison with OLD alone.
    pub against: Vec<String>,
}

/// Whether a finding fails the gate.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum Verdict {
    /// It fails the gate (exit 1).
    #[default]
    Breaking,
    /// The contract allows it; it is shown, never hidden, with what allowed it and why.
    Allowed(Allowance),
}

impl Verdict {
    pub fn is_breaking(&self) -> bool {
        matches!(self, Verdict::Breaking)
    }
}

/// What allowed a finding, and the reason a person (or the contract) gives.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Allowance {
    pub by: AllowedBy,
    /// In words, e.g. "experimental since v1.3.0" or a waiver's signed reason.
    pub reason: String,
}

/// The parts of the contract that can allow a finding.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum AllowedBy {
    /// The element (or one that contains it) is marked experimental or internal: by a
    /// comment mark, a visibility annotation, or a `protoguard.yaml` glob (`origin` says which,
    /// as `path:line` or `protoguard.yaml: experimental.paths[0]`).
    Stability {
        element: String,
        stability: Stability,
        origin: String,
    },
    /// A package with an unstable version suffix (`v1alpha1`, `v1beta`, `v1test`), when
    /// buf.yaml's `ignore_unstable_packages` or `protoguard.yaml` allows breaking those.
    UnstablePackage { package: String },
    /// A deletion that went through the deprecation cycle.
    Deprecation {
        /// The release the element was first marked deprecated in.
        deprecated_in: String,
        /// Releases it stayed deprecated before this change.
        releases: usize,
    },
    /// A signed waiver: a `// protoguard:allow RULE -- reason` comment or a `waivers:` entry.
    Waiver {
        rule: String,
        /// Where it is written (`path:line` or `protoguard.yaml:line`).
        origin: String,
        /// Last day it waives (`YYYY-MM-DD`), if it has one.
        expires: Option<String>,
    },
}

/// How settled an element is; breaking an element that is not stable is allowed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Stability {
    Stable,
    Experimental,
    Internal,
}

impl Stability {
    /// `stable`, `experimental` or `internal`.
    pub fn word(self) -> &'static str {
        match self {
            Stability::Stable => "stable",
            Stability::Experimental => "experimental",
            Stability::Internal => "internal",
        }
    }
}

/// Something the compatibility contract says about itself that does not fail the run (a
/// stale or expired waiver, a directive no element carries), shown in every output format.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PolicyWarning {
    /// `(path, line, column)` where the waiver or mark is written.
    pub location: Option<(String, u32, u32)>,
    pub message: String,
}

impl std::fmt::Display for PolicyWarning {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.location {
            Some((p, l, c)) => write!(f, "{p}:{l}:{c}: {}", self.message),
            None => f.write_str(&self.message),
        }
    }
}
