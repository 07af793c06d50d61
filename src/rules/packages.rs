//! Deletion of types and services, per file (ENUM/EXTENSION/MESSAGE/SERVICE_NO_DELETE) and
//! per package (PACKAGE_*_NO_DELETE, which allow moving an element between files of its
//! package).

use crate::quote::q;
use std::collections::{BTreeMap, BTreeSet};

use super::{element, Element, Findings, Pair, Subject};
use crate::index::{FileId, Index, Site};

/// What kind of element a deletion is about, and how to list those of a file.
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

    /// Nested names (relative to the package) of this kind declared in `file`, with sites
    /// and the elements they name.
    fn nested_names(self, index: &Index, file: FileId) -> BTreeMap<String, (Site, Element)> {
        let f = &index.files[file];
        let pkg_len = if f.package.is_empty() {
            0
        } else {
            f.package.len() + 1
        };
        match self {
            Kind::Enum => f
                .enums
                .iter()
                .map(|&i| {
                    let e = &index.enums[i];
                    let element = Element::enum_(index, e);
                    (e.nested_name.clone(), (e.site.clone(), element))
                })
                .collect(),
            Kind::Message => f
                .messages
                .iter()
                .map(|&i| {
                    let m = &index.messages[i];
                    let element = Element::message(index, m);
                    (m.nested_name.clone(), (m.site.clone(), element))
                })
                .collect(),
            Kind::Extension => f
                .extensions
                .iter()
                .map(|&i| {
                    let e = &index.extensions[i];
                    (
                        e.full_name[pkg_len.min(e.full_name.len())..].to_string(),
                        (e.site.clone(), Element::field(index, e)),
                    )
                })
                .collect(),
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
    for (old_id, _) in pair
        .old
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_import && !f.unchanged)
    {
        let Some(new_id) = pair.new.file_id(&pair.old.files[old_id].name) else {
            continue;
        };
        let new_names = kind.nested_names(pair.new, new_id);
        for (name, (old_site, old_element)) in kind.nested_names(pair.old, old_id) {
            if !new_names.contains_key(&name) {
                out.add(
                    Subject::deleted(old_element),
                    deleted_element_site(pair.new, new_id, &name, false),
                    element(pair.old, &old_site),
                    format!(
                        "Previously present {} {name} was deleted from file.",
                        kind.word(),
                        name = q(&name)
                    ),
                );
            }
        }
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
    for (old_id, old_file) in pair
        .old
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_import && !f.unchanged)
    {
        let Some(new_id) = pair.new.file_id(&old_file.name) else {
            continue;
        };
        let new_file = &pair.new.files[new_id];
        for &si in &old_file.services {
            let s = &pair.old.services[si];
            let still = new_file
                .services
                .iter()
                .any(|&ni| pair.new.services[ni].name == s.name);
            if !still {
                out.add(
                    Subject::deleted(Element::service(pair.old, s)),
                    Some(Site::file(new_id)),
                    element(pair.old, &s.site).or(Some(Site::file(old_id))),
                    format!(
                        "Previously present service {} was deleted from file.",
                        q(&s.name)
                    ),
                );
            }
        }
    }
}

/// Packages of the non-import files of one side.
fn packages(index: &Index) -> BTreeSet<&str> {
    index.target_files().map(|f| f.package.as_str()).collect()
}

fn no_delete_in_package(pair: &Pair, out: &mut Findings, kind: Kind) {
    // package -> nested names declared anywhere in that package, on the new side. buf
    // knows a package here only if it still declares something of this kind: a package
    // whose every enum (message, extension) is gone is not checked by this rule.
    let mut new_names: BTreeMap<&str, BTreeSet<String>> = BTreeMap::new();
    for (id, f) in pair
        .new
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_import)
    {
        let names = kind.nested_names(pair.new, id);
        // A file left uncompiled (unchanged on both sides) carries no elements, only which
        // kinds it declares: enough to know the package still declares this kind.
        let stub_declares = f.stub_declares.is_some_and(|d| match kind {
            Kind::Enum => d.enums,
            Kind::Message => d.messages,
            Kind::Extension => d.extensions,
        });
        if !names.is_empty() || stub_declares {
            new_names
                .entry(f.package.as_str())
                .or_default()
                .extend(names.into_keys());
        }
    }
    for (old_id, old_file) in pair
        .old
        .files
        .iter()
        .enumerate()
        .filter(|(_, f)| !f.is_import && !f.unchanged)
    {
        let Some(present) = new_names.get(old_file.package.as_str()) else {
            continue;
        };
        for (name, (old_site, old_element)) in kind.nested_names(pair.old, old_id) {
            if present.contains(&name) {
                continue;
            }
            // Located from the new file of the same path (no path when it is gone).
            let in_package = matches!(kind, Kind::Message);
            let new_site = pair
                .new
                .file_id(&old_file.name)
                .and_then(|new_id| deleted_element_site(pair.new, new_id, &name, in_package));
            out.add(
                Subject::deleted(old_element),
                new_site,
                element(pair.old, &old_site),
                format!(
                    "Previously present {} {name} was deleted from package {}.",
                    kind.word(),
                    q(&old_file.package),
                    name = q(&name)
                ),
            );
        }
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
    let new_packages = packages(pair.new);
    for s in &pair.diff.services.deleted {
        let old_file = &pair.old.files[s.file];
        if !new_packages.contains(old_file.package.as_str()) {
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
