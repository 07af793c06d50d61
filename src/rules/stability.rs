//! STABILITY_NO_DEMOTE: an element that was stable does not become experimental or internal.
//!
//! Consumers of a stable element were promised compatibility; a mark added later would let
//! the next change break them without a word. So the demotion is itself a breaking finding
//! (a person who means it signs a waiver). Promoting (removing a mark) is fine. Only marks
//! the schema carries count (comments, annotations): `protoguard.yaml` globs are the same
//! contract on both sides. An element inside something already experimental or internal in
//! OLD is not demoted by a mark of its own.

use super::{Findings, Pair};
use crate::finding::{Element, Stability, Subject};
use crate::index::{Index, Site};
use crate::marks::{self, comments, Marks, SideMarks};

/// The rule's ID.
pub const STABILITY_NO_DEMOTE: &str = "STABILITY_NO_DEMOTE";

/// STABILITY_NO_DEMOTE (see the module documentation).
pub fn stability_no_demote(pair: &Pair, out: &mut Findings) {
    // Malformed marks are the contract stage's errors; here they are simply not marks.
    let (Ok(new_marks), Ok(old_marks)) = (
        marks::read_side(pair.new, false),
        marks::read_side(pair.old, false),
    ) else {
        return;
    };
    if new_marks.elements.is_empty() && new_marks.files.is_empty() {
        return;
    }
    let old_only = Marks {
        old: old_marks,
        ..Default::default()
    };
    let mut found: Vec<(Element, Site, Element, Site, Stability)> = Vec::new();
    for (new_id, new_file) in pair.new.files.iter().enumerate() {
        if !pair.new.is_checked(new_id) {
            continue;
        }
        let Some(old_id) = pair.old.file_id(&new_file.name) else {
            continue;
        };
        if let Some(m) = new_marks.files.get(&new_file.name) {
            let old_el = Element::file(&pair.old.files[old_id]);
            if old_only.resolve(pair.old, &old_el, true).is_none() {
                let new_el = Element::file(new_file);
                let at = statement_site(pair.new, new_id);
                let old_at = statement_site(pair.old, old_id);
                found.push((old_el, old_at, new_el, at, m.stability));
            }
        }
        let marked = marked_elements(pair.new, new_id, &new_marks);
        if marked.is_empty() {
            continue;
        }
        let old_elements = comments::elements_by_path(pair.old, old_id);
        for (new_el, path, stability) in marked {
            let Some((old_path, old_el)) = old_elements
                .iter()
                .find(|(_, e)| e.full_name == new_el.full_name && e.kind == new_el.kind)
            else {
                continue;
            };
            if old_only.resolve(pair.old, old_el, true).is_none() {
                found.push((
                    old_el.clone(),
                    Site::at(old_id, old_path),
                    new_el,
                    Site::at(new_id, &path),
                    stability,
                ));
            }
        }
    }
    for (old_el, old_at, new_el, new_at, stability) in found {
        let message = format!(
            "{} {:?} was stable and is now marked {}.",
            capitalized(new_el.kind.noun()),
            new_el.full_name,
            stability.word()
        );
        out.add(
            Subject::changed(old_el, new_el),
            Some(new_at),
            Some(old_at),
            message,
        );
    }
}

/// Elements of one file that carry a mark of their own, with their source path.
fn marked_elements(
    index: &Index,
    file: usize,
    side: &SideMarks,
) -> Vec<(Element, Box<[i32]>, Stability)> {
    let mut out: Vec<_> = comments::elements_by_path(index, file)
        .into_iter()
        .filter_map(|(path, e)| {
            let m = side.elements.get(&e.full_name)?;
            Some((e, path, m.stability))
        })
        .collect();
    out.sort_by(|a, b| a.1.cmp(&b.1));
    out
}

/// Where a file's own mark is: its `package` statement, else `syntax`, else the file.
fn statement_site(index: &Index, file: usize) -> Site {
    let f = &index.files[file];
    comments::FILE_STATEMENTS
        .iter()
        .rev()
        .find(|p| f.has_span(p))
        .map_or(Site::file(file), |p| Site::at(file, p))
}

fn capitalized(noun: &str) -> String {
    let mut c = noun.chars();
    match c.next() {
        Some(first) => first.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}
