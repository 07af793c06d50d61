//! Deletion of types and services, per file (ENUM/EXTENSION/MESSAGE/SERVICE_NO_DELETE) and
//! per package (PACKAGE_*_NO_DELETE, which allow moving an element between files of its
//! package). Elements are paired by the element diff, by file path (or package) and name
//! within the package ([`crate::diff::Diff::in_files`], [`crate::diff::Diff::in_packages`]);
//! this module only decides which deletions buf reports and where.

use std::collections::HashSet;

use super::{element, Element, Findings, Pair, Subject};
use crate::diff::{Declaration, Declared};
use crate::index::{File, FileId, Index, Site};
use crate::quote::q;

/// What kind of element a deletion is about.
#[derive(Clone, Copy)]
enum Kind {
    Enum,
    Message,
    Extension,
}

impl Kind {
    fn word(self) -> &'static str {
        match self {
            Kind::Enum => "enum",
            Kind::Message => "message",
            Kind::Extension => "extension",
        }
    }

    /// The elements of this kind the new side lacks (by `declared`'s key), each with its
    /// file, name within the package, site and subject.
    fn deleted<'a>(self, pair: &Pair<'a>, declared: &Declared<'a>) -> Vec<Deleted<'a>> {
        let old = pair.old;
        match self {
            Kind::Enum => declared
                .enums
                .deleted
                .iter()
                .map(|e| Deleted::new(old, *e, &e.site, Element::enum_(old, e)))
                .collect(),
            Kind::Message => declared
                .messages
                .deleted
                .iter()
                .map(|m| Deleted::new(old, *m, &m.site, Element::message(old, m)))
                .collect(),
            Kind::Extension => declared
                .extensions
                .deleted
                .iter()
                .map(|f| Deleted::new(old, *f, &f.site, Element::field(old, f)))
                .collect(),
        }
    }

    /// Whether a new file still declares an element of this kind. A file left uncompiled
    /// (unchanged on both sides) carries no elements, only which kinds it declares.
    fn declared_in(self, f: &File) -> bool {
        let stub = f.stub_declares;
        match self {
            Kind::Enum => !f.enums.is_empty() || stub.is_some_and(|d| d.enums),
            Kind::Message => !f.messages.is_empty() || stub.is_some_and(|d| d.messages),
            Kind::Extension => !f.extensions.is_empty() || stub.is_some_and(|d| d.extensions),
        }
    }
}

/// An element of the old side that the new side lacks.
struct Deleted<'a> {
    file: FileId,
    nested_name: &'a str,
    site: &'a Site,
    element: Element,
}

impl<'a> Deleted<'a> {
    fn new<T: Declaration>(old: &'a Index, t: &'a T, site: &'a Site, element: Element) -> Self {
        Deleted {
            file: t.file(),
            nested_name: t.nested_name(old),
            site,
            element,
        }
    }
}

/// buf's location for a deleted nested element: the innermost enclosing message that still
/// exists in the new file (or, with `in_package`, anywhere in the new package: buf looks a
/// deleted message's parents up in the package), else the new file as a whole.
fn deleted_element_site(
    new: &Index,
    file: FileId,
    nested_name: &str,
    in_package: bool,
) -> Option<Site> {
    let parts: Vec<&str> = nested_name.split('.').collect();
    let f = &new.files[file];
    for i in (1..parts.len()).rev() {
        let parent = parts[..i].join(".");
        let full = if f.package.is_empty() {
            parent
        } else {
            format!("{}.{}", f.package, parent)
        };
        let found = new.message(&full).filter(|m| {
            if in_package {
                !new.files[m.file].is_import
            } else {
                m.file == file
            }
        });
        if let Some(m) = found {
            return element(new, &m.site);
        }
    }
    Some(Site::file(file))
}

fn no_delete_in_file(pair: &Pair, out: &mut Findings, kind: Kind) {
    for d in kind.deleted(pair, &pair.diff.in_files) {
        // A deleted file is FILE_NO_DELETE's.
        let Some(new_id) = pair.new.file_id(&pair.old.files[d.file].name) else {
            continue;
        };
        out.add(
            Subject::deleted(d.element),
            deleted_element_site(pair.new, new_id, d.nested_name, false),
            element(pair.old, d.site),
            format!(
                "Previously present {} {name} was deleted from file.",
                kind.word(),
                name = q(d.nested_name)
            ),
        );
    }
}

/// ENUM_NO_DELETE: no enum disappears from a file.
pub fn enum_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_file(pair, out, Kind::Enum);
}

/// MESSAGE_NO_DELETE: no message disappears from a file.
pub fn message_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_file(pair, out, Kind::Message);
}

/// EXTENSION_NO_DELETE: no extension disappears from a file.
pub fn extension_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_file(pair, out, Kind::Extension);
}

/// SERVICE_NO_DELETE: no service disappears from a file.
pub fn service_no_delete(pair: &Pair, out: &mut Findings) {
    for s in &pair.diff.in_files.services.deleted {
        let Some(new_id) = pair.new.file_id(&pair.old.files[s.file].name) else {
            continue;
        };
        out.add(
            Subject::deleted(Element::service(pair.old, s)),
            Some(Site::file(new_id)),
            element(pair.old, &s.site).or(Some(Site::file(s.file))),
            format!(
                "Previously present service {} was deleted from file.",
                q(&s.name)
            ),
        );
    }
}

/// Packages that still have a file on the new side.
fn kept_packages<'a>(pair: &Pair<'a>) -> HashSet<&'a str> {
    pair.diff.packages.both.iter().map(|&(o, _)| o).collect()
}

fn no_delete_in_package(pair: &Pair, out: &mut Findings, kind: Kind) {
    // buf knows a package here only if it still declares something of this kind: a
    // package whose every enum (message, extension) is gone is not checked by this rule.
    let declaring: HashSet<&str> = pair
        .new
        .target_files()
        .filter(|f| kind.declared_in(f))
        .map(|f| f.package.as_str())
        .collect();
    for d in kind.deleted(pair, &pair.diff.in_packages) {
        let old_file = &pair.old.files[d.file];
        if !declaring.contains(old_file.package.as_str()) {
            continue;
        }
        // Located from the new file of the same path (no path when it is gone).
        let in_package = matches!(kind, Kind::Message);
        let new_site = pair
            .new
            .file_id(&old_file.name)
            .and_then(|new_id| deleted_element_site(pair.new, new_id, d.nested_name, in_package));
        out.add(
            Subject::deleted(d.element),
            new_site,
            element(pair.old, d.site),
            format!(
                "Previously present {} {name} was deleted from package {}.",
                kind.word(),
                q(&old_file.package),
                name = q(d.nested_name)
            ),
        );
    }
}

/// PACKAGE_ENUM_NO_DELETE: no enum disappears from its package.
pub fn package_enum_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_package(pair, out, Kind::Enum);
}

/// PACKAGE_MESSAGE_NO_DELETE: no message disappears from its package.
pub fn package_message_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_package(pair, out, Kind::Message);
}

/// PACKAGE_EXTENSION_NO_DELETE: no extension disappears from its package.
pub fn package_extension_no_delete(pair: &Pair, out: &mut Findings) {
    no_delete_in_package(pair, out, Kind::Extension);
}

/// PACKAGE_SERVICE_NO_DELETE: no service disappears from its package.
pub fn package_service_no_delete(pair: &Pair, out: &mut Findings) {
    let kept = kept_packages(pair);
    for s in &pair.diff.in_packages.services.deleted {
        let old_file = &pair.old.files[s.file];
        if !kept.contains(old_file.package.as_str()) {
            continue;
        }
        let new_site = pair.new.file_id(&old_file.name).map(Site::file);
        out.add(
            Subject::deleted(Element::service(pair.old, s)),
            new_site,
            element(pair.old, &s.site),
            format!(
                "Previously present service {} was deleted from package {}.",
                q(&s.name),
                q(&old_file.package)
            ),
        );
    }
}

/// PACKAGE_NO_DELETE: every package of the old schema still has a file.
pub fn package_no_delete(pair: &Pair, out: &mut Findings) {
    for &p in &pair.diff.packages.deleted {
        out.add(
            Subject::deleted(Element::package(p)),
            None,
            None,
            format!("Previously present package {p} was deleted.", p = q(p)),
        );
    }
}
