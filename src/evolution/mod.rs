//! Evolution intelligence on top of buf's findings: renames, structural type compatibility
//! and blast radius. Nothing here changes a finding's rule, message or location (those are
//! buf's); it only fills [`Finding::renamed_to`], [`Finding::affects`] and
//! [`Finding::notes`].
//!
//! - [`renames`]: deleted and added elements paired by structure; the deletion finding
//!   says what the element became and what the rename breaks; type changes that a rename
//!   explains point at it.
//! - [`crate::compat`] (below the rules, which use it too): whether a renamed field or RPC
//!   type reads the old type's bytes.
//! - [`reach`]: which messages, services and RPCs reach the changed element.
//!
//! Which element a finding is about is read from its [`Finding::subject`] (and a type
//! change from [`Finding::type_change`]), never from its message or its location.

pub mod reach;
pub mod renames;

pub use crate::compat::{structurally_compatible, structurally_json_compatible};

use std::collections::BTreeSet;

use crate::diff::Diff;
use crate::finding::{Element, ElementKind};
use crate::index::Index;
use crate::rules::Finding;
use reach::Graph;
use renames::{Evidence, Renames, TypeKind, TypeRename};

/// Adds renames, notes and blast radius to the findings of one comparison.
pub fn enrich(old: &Index, new: &Index, findings: &mut [Finding]) {
    if findings.is_empty() {
        return;
    }
    enrich_with(&Diff::new(old, new), findings);
}

/// [`enrich`] over the element diff of the run.
pub fn enrich_with(diff: &Diff, findings: &mut [Finding]) {
    if findings.is_empty() {
        return;
    }
    let mut cx = Context {
        old: diff.old,
        new: diff.new,
        renames: renames::detect(diff),
        old_graph: None,
        new_graph: None,
    };
    for f in findings.iter_mut() {
        cx.enrich_one(f);
    }
}

struct Context<'a> {
    old: &'a Index,
    new: &'a Index,
    renames: Renames,
    old_graph: Option<Graph<'a>>,
    new_graph: Option<Graph<'a>>,
}

/// What a finding's blast radius is computed from.
#[derive(Default)]
struct Root {
    /// A type of the old side, and of the new side (full names).
    old: Option<String>,
    new: Option<String>,
    /// A message that carries the element and is not the element itself (an extension's
    /// extendee), listed too.
    carrier: Option<String>,
}

impl<'a> Context<'a> {
    fn enrich_one(&mut self, f: &mut Finding) {
        let root = match f.rule {
            "MESSAGE_NO_DELETE"
            | "PACKAGE_MESSAGE_NO_DELETE"
            | "ENUM_NO_DELETE"
            | "PACKAGE_ENUM_NO_DELETE" => self.deleted_type(f),
            "SERVICE_NO_DELETE" | "PACKAGE_SERVICE_NO_DELETE" => {
                self.deleted_service(f);
                Root::default()
            }
            "RPC_NO_DELETE" => {
                self.deleted_method(f);
                Root::default()
            }
            "FIELD_NO_DELETE"
            | "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"
            | "FIELD_NO_DELETE_UNLESS_NAME_RESERVED" => self.deleted_field(f),
            "ENUM_VALUE_NO_DELETE"
            | "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED"
            | "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED" => self.deleted_value(f),
            "FIELD_SAME_TYPE"
            | "FIELD_WIRE_COMPATIBLE_TYPE"
            | "FIELD_WIRE_JSON_COMPATIBLE_TYPE"
            | "RPC_SAME_REQUEST_TYPE"
            | "RPC_SAME_RESPONSE_TYPE" => {
                self.type_changed(f);
                self.root_of_subject(f)
            }
            _ => self.root_of_subject(f),
        };
        f.affects = self.affects(root);
    }

    // ---- which element -------------------------------------------------------------------

    /// The root of the element the finding is about: on its old side, else its new side.
    fn root_of_subject(&self, f: &Finding) -> Root {
        match (&f.subject.old, &f.subject.new) {
            (Some(e), _) => self.root_of(e, true),
            (None, Some(e)) => self.root_of(e, false),
            (None, None) => Root::default(),
        }
    }

    /// The type an element belongs to: a message or enum itself, the message of a field or
    /// oneof (the message declaring the map field, for a map entry's field), the enum of a
    /// value, the extendee of an extension (which also carries it); none for files,
    /// packages, services and RPCs.
    fn root_of(&self, e: &Element, old_side: bool) -> Root {
        let index = if old_side { self.old } else { self.new };
        let (ty, carrier) = match e.kind {
            ElementKind::Message | ElementKind::Enum => (Some(e.full_name.clone()), None),
            ElementKind::Field | ElementKind::Oneof => {
                let parent = e.parent_name().unwrap_or_default();
                let declaring = match index.message(parent) {
                    Some(m) if m.map_entry => m.full_name.rsplit_once('.').map(|(p, _)| p),
                    _ => Some(parent),
                };
                (declaring.map(str::to_string), None)
            }
            ElementKind::EnumValue => (e.parent_name().map(str::to_string), None),
            ElementKind::Extension => {
                let extendee = index
                    .extensions
                    .iter()
                    .find(|x| x.full_name == e.full_name && Some(x.number) == e.number)
                    .map(|x| x.extendee.trim_start_matches('.').to_string());
                (extendee.clone(), extendee)
            }
            ElementKind::File | ElementKind::Package | ElementKind::Service | ElementKind::Rpc => {
                (None, None)
            }
        };
        let Some(ty) = ty else {
            return Root::default();
        };
        let mut root = if old_side {
            self.type_root(&ty)
        } else {
            let old = self
                .renames
                .type_from(&ty)
                .map(str::to_string)
                .or_else(|| self.type_exists(self.old, &ty).then(|| ty.clone()));
            Root {
                old,
                new: Some(ty),
                carrier: None,
            }
        };
        root.carrier = carrier;
        root
    }

    /// The root of an old type: itself, and its new name (renamed, or kept).
    fn type_root(&self, old_name: &str) -> Root {
        let new = self
            .renames
            .type_to(old_name)
            .map(str::to_string)
            .or_else(|| {
                self.type_exists(self.new, old_name)
                    .then(|| old_name.to_string())
            });
        Root {
            old: Some(old_name.to_string()),
            new,
            carrier: None,
        }
    }

    fn type_exists(&self, index: &Index, name: &str) -> bool {
        index.message(name).is_some() || index.enum_(name).is_some()
    }

    // ---- deletions ------------------------------------------------------------------------

    fn deleted_type(&mut self, f: &mut Finding) -> Root {
        let Some(deleted) = &f.subject.old else {
            return Root::default();
        };
        let name = deleted.full_name.clone();
        if let Some(tr) = self.renames.types.get(&name) {
            f.renamed_to = Some(tr.to.clone());
            f.notes.push(self.type_rename_note(&name, tr));
        } else if let Some(file) = self.moved_to(&name) {
            f.notes.push(format!(
                "`{name}` moved to {file}: its full name is unchanged, so the binary wire format, JSON and `Any` type URLs are unaffected; only generated code organised by file (C++ headers, Java outer classes, per-file Go packages) changes."
            ));
        }
        self.type_root(&name)
    }

    /// The new file of a type that kept its full name but left its file.
    fn moved_to(&self, name: &str) -> Option<String> {
        let new = self.new;
        let file = new
            .message(name)
            .map(|m| m.file)
            .or_else(|| new.enum_(name).map(|e| e.file))?;
        (!new.files[file].is_import).then(|| format!("`{}`", new.files[file].name))
    }

    fn type_rename_note(&self, from: &str, tr: &TypeRename) -> String {
        let to = &tr.to;
        let why = match &tr.evidence {
            Evidence::Structure if tr.kind == TypeKind::Enum => {
                "same value numbers and names".to_string()
            }
            Evidence::Structure => "same fields by number, type and cardinality".to_string(),
            Evidence::Parent(p) => format!(
                "nested in `{p}`, renamed to `{}`, with the same structure",
                self.renames.type_to(p).unwrap_or(p)
            ),
            Evidence::MapField(m, field) => {
                return format!(
                    "`{from}` is the entry synthesized for map field `{field}` of `{m}` and was renamed with it (now `{to}`): no wire or JSON form names a map entry, so only generated code sees it."
                );
            }
        };
        match tr.kind {
            TypeKind::Message => {
                let renamed_fields = self.renamed_json_fields(from, to);
                let json = if renamed_fields.is_empty() {
                    "JSON field names are unchanged".to_string()
                } else {
                    format!(
                        "JSON breaks too, since it writes fields by name ({})",
                        renamed_fields.join(", ")
                    )
                };
                format!(
                    "`{from}` appears to be renamed to `{to}` ({why}). The binary wire format is unaffected. It breaks generated code (the type's name), `Any` type URLs (`type.googleapis.com/{from}` no longer resolves) and the JSON `@type` of an `Any` holding it; {json}."
                )
            }
            TypeKind::Enum => {
                let renamed_values = self.renamed_values(from, to);
                let json = if renamed_values.is_empty() {
                    "JSON is unaffected (same value names)".to_string()
                } else {
                    format!(
                        "JSON breaks too, since it writes values by name ({})",
                        renamed_values.join(", ")
                    )
                };
                format!(
                    "`{from}` appears to be renamed to `{to}` ({why}). The binary wire format is unaffected. It breaks generated code (the type's name); {json}."
                )
            }
        }
    }

    /// `a` → `b` for each field whose JSON name differs between the two messages.
    fn renamed_json_fields(&self, from: &str, to: &str) -> Vec<String> {
        let (Some(om), Some(nm)) = (self.old.message(from), self.new.message(to)) else {
            return Vec::new();
        };
        om.fields
            .iter()
            .filter_map(|of| {
                let nf = nm.field_by_number(of.number)?;
                (of.json_name != nf.json_name)
                    .then(|| format!("`{}` → `{}`", of.json_name, nf.json_name))
            })
            .collect()
    }

    /// `A` → `B` for each value name that changed at its number.
    fn renamed_values(&self, from: &str, to: &str) -> Vec<String> {
        let (Some(oe), Some(ne)) = (self.old.enum_(from), self.new.enum_(to)) else {
            return Vec::new();
        };
        oe.values
            .iter()
            .filter(|ov| !ne.values.iter().any(|nv| nv.name == ov.name))
            .filter_map(|ov| {
                let nv = ne.values.iter().find(|nv| nv.number == ov.number)?;
                Some(format!("`{}` → `{}`", ov.name, nv.name))
            })
            .collect()
    }

    fn deleted_service(&mut self, f: &mut Finding) {
        let Some(deleted) = &f.subject.old else {
            return;
        };
        let name = deleted.full_name.clone();
        if let Some(to) = self.renames.services.get(&name) {
            let example = self
                .old
                .service(&name)
                .and_then(|s| s.methods.first())
                .map(|m| format!(" (`/{name}/{}` → `/{to}/{}`)", m.name, m.name))
                .unwrap_or_default();
            f.renamed_to = Some(to.clone());
            f.notes.push(format!(
                "`{name}` appears to be renamed to `{to}` (same RPCs). Request and response encodings are unaffected, but every gRPC method path changes{example}, so calls from existing clients fail (UNIMPLEMENTED); generated stubs change too."
            ));
        } else if let Some(file) = self
            .new
            .service(&name)
            .filter(|s| !self.new.files[s.file].is_import)
            .map(|s| self.new.files[s.file].name.clone())
        {
            f.notes.push(format!(
                "`{name}` moved to `{file}`: its full name is unchanged, so gRPC method paths are unaffected; only generated code organised by file changes."
            ));
        }
    }

    fn deleted_method(&mut self, f: &mut Finding) {
        let Some((service, method)) = f
            .subject
            .old
            .as_ref()
            .and_then(|e| e.full_name.rsplit_once('.'))
        else {
            return;
        };
        let key = (service.to_string(), method.to_string());
        if let Some(to) = self.renames.methods.get(&key) {
            f.renamed_to = Some(format!("{service}.{to}"));
            f.notes.push(format!(
                "RPC `{method}` of `{service}` appears to be renamed to `{to}` (same request, response and streaming). The messages are unaffected, but the gRPC method path changes (`/{service}/{method}` → `/{service}/{to}`), so calls from existing clients fail (UNIMPLEMENTED); generated stubs change too."
            ));
        }
    }

    /// The old element of a deletion finding about a numbered element (field, enum value):
    /// its parent's full name, its own name and its number.
    fn deleted_numbered(f: &Finding) -> Option<(String, String, i32)> {
        let e = f.subject.old.as_ref()?;
        let (parent, name) = e.full_name.rsplit_once('.')?;
        Some((parent.to_string(), name.to_string(), e.number?))
    }

    fn deleted_field(&mut self, f: &mut Finding) -> Root {
        let Some((message, name, number)) = Self::deleted_numbered(f) else {
            return Root::default();
        };
        if let Some(&to) = self.renames.fields.get(&(message.clone(), number)) {
            f.renamed_to = Some(format!("{message}.{name} = {to}"));
            f.notes.push(format!(
                "field `{name}` appears to be renumbered from {number} to {to} (same name and type). That breaks the binary wire format: data written with {number} is an unknown field to new readers, and old readers skip {to}. JSON and generated code are unaffected (same name). Keep number {number}, or reserve it and treat {to} as a new field."
            ));
        }
        self.type_root(&message)
    }

    fn deleted_value(&mut self, f: &mut Finding) -> Root {
        let Some((enum_name, _, number)) = Self::deleted_numbered(f) else {
            return Root::default();
        };
        let Some(e) = self.old.enum_(&enum_name) else {
            return Root::default();
        };
        if let Some(&to) = self.renames.values.get(&(e.full_name.clone(), number)) {
            let names: Vec<&str> = e
                .values
                .iter()
                .filter(|v| v.number == number)
                .map(|v| v.name.as_str())
                .collect();
            let name = names.first().copied().unwrap_or_default();
            f.renamed_to = Some(format!("{}.{name} = {to}", e.full_name));
            f.notes.push(format!(
                "enum value `{name}` appears to be renumbered from {number} to {to} (same name). That breaks the binary wire format: {number} in stored or in-flight data is an unknown value to new readers, and old readers do not know {to}. JSON (values by name) and generated code are unaffected. Keep number {number}, or reserve it and treat {to} as a new value."
            ));
        }
        self.type_root(&e.full_name)
    }

    // ---- type changes --------------------------------------------------------------------

    fn type_changed(&mut self, f: &mut Finding) {
        let Some(change) = &f.type_change else {
            return;
        };
        let (from, to) = (change.old.as_str(), change.new.as_str());
        let (old, new) = (self.old, self.new);
        let resolves = self.type_exists(old, from) && self.type_exists(new, to);
        if !resolves {
            return;
        }
        let wire = structurally_compatible(old, from, new, to);
        let json = wire && structurally_json_compatible(old, from, new, to);
        let kind = if old.enum_(from).is_some() {
            "enum"
        } else {
            "message"
        };
        let also_json = if json {
            " and in JSON"
        } else {
            " (not in JSON: field or value names differ)"
        };
        if self.renames.type_to(from) == Some(to) {
            f.notes.push(format!(
                "this is the rename of {kind} `{from}` to `{to}`, reported once as the deletion of `{from}`; the renamed type is structurally compatible on the wire{also_json}."
            ));
        } else if wire {
            let how = if kind == "enum" {
                "every old value number is still a value"
            } else {
                "same field numbers, wire types and cardinalities, recursively"
            };
            let json = if json {
                "; so is its JSON form"
            } else {
                "; its JSON form differs (field or value names)"
            };
            f.notes.push(format!(
                "`{to}` is structurally wire compatible with `{from}` ({how}): binary data reads and writes the same{json}. Generated code and `Any` type URLs see the new name."
            ));
        }
    }

    // ---- blast radius --------------------------------------------------------------------

    fn affects(&mut self, root: Root) -> Vec<String> {
        // What reaches the element now; for an element that is gone (not even renamed),
        // what reached it before.
        let mut out: BTreeSet<String> = BTreeSet::new();
        if let Some(n) = &root.new {
            let g = self.new_graph.get_or_insert_with(|| Graph::build(self.new));
            out.extend(g.reachers(n).iter().cloned());
        } else if let Some(o) = &root.old {
            let g = self.old_graph.get_or_insert_with(|| Graph::build(self.old));
            out.extend(g.reachers(o).iter().cloned());
        }
        for r in [&root.old, &root.new].into_iter().flatten() {
            out.remove(r);
        }
        if let Some(c) = root.carrier {
            let in_schema = |index: &Index| {
                index
                    .message(&c)
                    .is_some_and(|m| !index.files[m.file].is_import)
            };
            if in_schema(self.old) || in_schema(self.new) {
                out.insert(c);
            }
        }
        out.into_iter().collect()
    }
}
