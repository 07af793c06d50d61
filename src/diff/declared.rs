//! Messages, enums, extensions and services matched by where they are declared: the keys of
//! buf's deletion rules. The per-file rules (MESSAGE_NO_DELETE...) match an element by its
//! file's path and its name within the package (`Outer.Inner`, `ext`), so an element that
//! keeps its file and name is kept even when the file's package changes; the per-package
//! rules (PACKAGE_MESSAGE_NO_DELETE...) match by package and that name, so an element may
//! move between the files of its package.
//!
//! Extensions are matched here by name, unlike [`super::Diff::extensions`] (by extendee and
//! number, the key of the rules that compare an extension's properties).

use super::{match_keys, Matched};
use crate::index::{Enum, Field, FileId, Index, Message, Service};

/// An element that buf's deletion rules look for by its name within the package.
pub trait Declaration {
    /// The file that declares it.
    fn file(&self) -> FileId;
    /// Its name relative to its package (`Outer.Inner`; `Outer.ext` for an extension
    /// declared in a message).
    fn nested_name<'s>(&'s self, index: &Index) -> &'s str;
}

impl Declaration for Message {
    fn file(&self) -> FileId {
        self.file
    }
    fn nested_name<'s>(&'s self, _: &Index) -> &'s str {
        &self.nested_name
    }
}

impl Declaration for Enum {
    fn file(&self) -> FileId {
        self.file
    }
    fn nested_name<'s>(&'s self, _: &Index) -> &'s str {
        &self.nested_name
    }
}

impl Declaration for Service {
    fn file(&self) -> FileId {
        self.file
    }
    fn nested_name<'s>(&'s self, _: &Index) -> &'s str {
        &self.name
    }
}

impl Declaration for Field {
    fn file(&self) -> FileId {
        self.site.file
    }
    /// An extension's full name less its file's package.
    fn nested_name<'s>(&'s self, index: &Index) -> &'s str {
        let package = &index.files[self.site.file].package;
        let skip = if package.is_empty() {
            0
        } else {
            package.len() + 1
        };
        &self.full_name[skip.min(self.full_name.len())..]
    }
}

/// One kind of element of both sides matched by where it is declared.
#[derive(Debug, Default)]
pub struct Declared<'a> {
    pub messages: Matched<&'a Message>,
    pub enums: Matched<&'a Enum>,
    pub extensions: Matched<&'a Field>,
    pub services: Matched<&'a Service>,
}

/// Which container an element is looked for in.
#[derive(Clone, Copy)]
pub(super) enum Container {
    /// The file of the same path.
    File,
    /// The same package, in any of its files.
    Package,
}

impl<'a> Declared<'a> {
    /// Matches the elements of the files rules look inside ([`Index::is_checked`]) by
    /// container and name within the package. An element of an unchanged file is there on
    /// both sides, and no checked file of the other side can declare its name, so leaving
    /// those files out pairs nothing differently.
    ///
    /// By file, a file of the old schema is also looked for among the new side's imports:
    /// buf compares the file of the same path wherever it now comes from (an old image
    /// that marks no imports against a tree that imports the file), so its elements are
    /// still there.
    pub(super) fn new(old: &'a Index, new: &'a Index, container: Container) -> Declared<'a> {
        Declared {
            messages: declared(old, new, &old.messages, &new.messages, container),
            enums: declared(old, new, &old.enums, &new.enums, container),
            extensions: declared(old, new, &old.extensions, &new.extensions, container),
            services: declared(old, new, &old.services, &new.services, container),
        }
    }
}

fn declared<'a, T: Declaration>(
    old: &'a Index,
    new: &'a Index,
    old_items: &'a [T],
    new_items: &'a [T],
    container: Container,
) -> Matched<&'a T> {
    let in_new = |file: FileId| {
        let f = &new.files[file];
        match container {
            Container::File if f.is_import => {
                !f.unchanged && old.file_id(&f.name).is_some_and(|o| old.is_checked(o))
            }
            _ => new.is_checked(file),
        }
    };
    match_keys(
        old_items.iter().filter(|t| old.is_checked(t.file())),
        new_items.iter().filter(|t| in_new(t.file())),
        |t| key(old, t, container),
        |t| key(new, t, container),
    )
}

/// (file path or package, name within the package).
fn key<'a, T: Declaration>(index: &'a Index, t: &'a T, container: Container) -> (&'a str, &'a str) {
    let file = &index.files[t.file()];
    let within = match container {
        Container::File => file.name.as_str(),
        Container::Package => file.package.as_str(),
    };
    (within, t.nested_name(index))
}
