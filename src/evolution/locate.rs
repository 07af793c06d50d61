//! From a finding's [`Site`] (a file and a `SourceCodeInfo` path) back to the element of the
//! index it is about: the longest prefix of the path that names a message, field, enum,
//! enum value, service, RPC or extension.
//!
//! The table is built per file on first use, so only files with findings pay for it.

use std::collections::HashMap;

use crate::index::{FileId, Index, Site};

/// An element of one side's index.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Element {
    Message(usize),
    Field { message: usize, field: usize },
    Extension(usize),
    Enum(usize),
    EnumValue { enum_: usize, value: usize },
    Service(usize),
    Method { service: usize, method: usize },
}

/// Resolves sites of one index to elements.
pub struct Locator<'a> {
    index: &'a Index,
    files: HashMap<FileId, HashMap<Box<[i32]>, Element>>,
}

impl<'a> Locator<'a> {
    pub fn new(index: &'a Index) -> Locator<'a> {
        Locator {
            index,
            files: HashMap::new(),
        }
    }

    /// The innermost element whose path is a prefix of the site's path; `None` for a site
    /// that is a file as a whole or a file-level option.
    pub fn element_at(&mut self, site: &Site) -> Option<Element> {
        let path = site.path.as_deref()?;
        let index = self.index;
        let table = self
            .files
            .entry(site.file)
            .or_insert_with(|| file_table(index, site.file));
        (1..=path.len())
            .rev()
            .find_map(|n| table.get(&path[..n]).copied())
    }
}

fn file_table(index: &Index, file: FileId) -> HashMap<Box<[i32]>, Element> {
    let mut table = HashMap::new();
    let Some(f) = index.files.get(file) else {
        return table;
    };
    let mut put = |site: &Site, e: Element| {
        if let Some(p) = &site.path {
            table.entry(p.clone()).or_insert(e);
        }
    };
    for &m in &f.messages {
        let msg = &index.messages[m];
        // A map entry (and its fields) is located at its map field's type: leave that
        // place to the map field, the element a user wrote.
        if msg.map_entry {
            continue;
        }
        put(&msg.site, Element::Message(m));
        for (i, field) in msg.fields.iter().enumerate() {
            put(
                &field.site,
                Element::Field {
                    message: m,
                    field: i,
                },
            );
        }
    }
    for &e in &f.enums {
        let en = &index.enums[e];
        put(&en.site, Element::Enum(e));
        for (i, v) in en.values.iter().enumerate() {
            put(&v.site, Element::EnumValue { enum_: e, value: i });
        }
    }
    for &s in &f.services {
        let svc = &index.services[s];
        put(&svc.site, Element::Service(s));
        for (i, m) in svc.methods.iter().enumerate() {
            put(
                &m.site,
                Element::Method {
                    service: s,
                    method: i,
                },
            );
        }
    }
    for &x in &f.extensions {
        put(&index.extensions[x].site, Element::Extension(x));
    }
    table
}

/// The strings between double quotes in a rule's message, in order (names never hold
/// quotes, so no unescaping is needed).
pub fn quoted(message: &str) -> Vec<&str> {
    message.split('"').skip(1).step_by(2).collect()
}

/// The two type names of a `... type from "A" to "B"` message (field and RPC type rules).
pub fn type_change(message: &str) -> Option<(&str, &str)> {
    let at = message.find(" type from \"")?;
    let q = quoted(&message[at..]);
    Some((q.first()?, q.get(1)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quoted_tokens() {
        assert_eq!(
            quoted(r#"Previously present field "3" with name "a" on message "M" was deleted."#),
            vec!["3", "a", "M"]
        );
        assert_eq!(
            type_change(
                r#"Field "1" with name "a" on message "M" changed type from "p.A" to "p.B"."#
            ),
            Some(("p.A", "p.B"))
        );
        assert_eq!(
            type_change(r#"RPC "R" on service "S" changed request type from "p.A" to "p.B"."#),
            Some(("p.A", "p.B"))
        );
        assert_eq!(type_change("nothing"), None);
    }
}
