//! Ties each breaking finding to the changes it is about.
//!
//! A finding about an element the new side no longer has (its subject has no new side) is
//! tied to that element's removal: buf reports a removal at the parent, so its location
//! says nothing. Enum values go by enum and number, so a number's aliases go together. Any
//! other finding is tied by location to the innermost change (not a removal) whose span
//! holds it, on the new side or else the old one, and to every change of the same kind of
//! that element at the same place. A finding tied to nothing is listed apart.

use std::collections::{BTreeSet, HashMap};

use super::changes::{Action, Change, ChangeKind, Element};
use super::version::Bump;
use crate::finding::{self, ElementKind, Subject};
use crate::index::{FileId, Index, Site, Span};
use crate::report::Annotation;

/// Where a change is on the new and on the old side: display path and span (none when the
/// site has no span of its own).
pub(super) type Placed = (
    Option<(String, Option<Span>)>,
    Option<(String, Option<Span>)>,
);

/// The findings tied to each change, and those tied to none.
pub(super) struct Links {
    pub linked: Vec<Vec<Annotation>>,
    pub other: Vec<Annotation>,
}

/// Where a site is, for linking and showing.
fn place(index: &Index, site: &Site) -> Option<(String, Option<Span>)> {
    let file = index.files.get(site.file)?;
    let span = site.path.as_deref().and_then(|p| file.span(p));
    Some((file.display.clone(), span))
}

/// Where each change is.
pub(super) fn places(old: &Index, new: &Index, changes: &[Change]) -> Vec<Placed> {
    changes
        .iter()
        .map(|c| {
            (
                c.new.as_ref().and_then(|s| place(new, s)),
                c.old.as_ref().and_then(|s| place(old, s)),
            )
        })
        .collect()
}

/// What a removal is looked up by: its kind and full name, or for an enum value its enum
/// and number.
type RemovalKey = (ElementKind, String, Option<i32>);

fn removal_key(e: &finding::Element) -> RemovalKey {
    match e.kind {
        ElementKind::EnumValue => (
            e.kind,
            e.parent_name().unwrap_or_default().to_string(),
            e.number,
        ),
        _ => (e.kind, e.full_name.clone(), None),
    }
}

fn within(span: &Span, line: u32, column: u32) -> bool {
    (line, column) >= (span.start_line, span.start_column)
        && (line, column) <= (span.end_line, span.end_column)
}

/// Changes by displayed file, on one side.
type ByFile<'a> = HashMap<&'a str, Vec<usize>>;

fn by_file(placed: &[Placed], new_side: bool) -> ByFile<'_> {
    let mut out: HashMap<&str, Vec<usize>> = HashMap::new();
    for (i, (n, o)) in placed.iter().enumerate() {
        let side = if new_side { n } else { o };
        if let Some((p, Some(_))) = side {
            out.entry(p.as_str()).or_default().push(i);
        }
    }
    out
}

/// Ties findings to changes.
pub(super) fn link(
    changes: &[Change],
    placed: &[Placed],
    findings: Vec<(Subject, Annotation)>,
) -> Links {
    let by_new = by_file(placed, true);
    let by_old = by_file(placed, false);
    let mut removals: HashMap<RemovalKey, Vec<usize>> = HashMap::new();
    for (i, c) in changes.iter().enumerate() {
        if let Some(e) = &c.removed {
            removals.entry(removal_key(e)).or_default().push(i);
        }
    }
    let mut linked: Vec<Vec<Annotation>> = vec![Vec::new(); changes.len()];
    let mut other = Vec::new();
    for (subject, a) in findings {
        let removed = match (&subject.old, &subject.new) {
            (Some(old), None) => removals.get(&removal_key(old)).cloned(),
            _ => None,
        };
        let hits = match removed {
            Some(hits) => hits,
            None => by_location(changes, placed, (&by_new, &by_old), &a),
        };
        if hits.is_empty() {
            other.push(a);
        } else {
            for &i in &hits {
                linked[i].push(a.clone());
            }
        }
    }
    Links { linked, other }
}

/// The innermost change that is not a removal and whose span holds the finding (new side,
/// then old side), with every change of the same kind of the element at the same place.
fn by_location(
    changes: &[Change],
    placed: &[Placed],
    (by_new, by_old): (&ByFile, &ByFile),
    a: &Annotation,
) -> Vec<usize> {
    let mut best: Option<(usize, (u32, u32))> = None;
    let mut consider = |i: usize, span: &Span, line: u32, col: u32| {
        if !within(span, line, col) || changes[i].removed.is_some() {
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
    // A finding at 1:1 is about a file as a whole: no span of the new side holds it.
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
    let Some((i, _)) = best else {
        return Vec::new();
    };
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
    all.into_iter().collect()
}

const REMOVED_FILE: ChangeKind = ChangeKind {
    element: Element::File,
    action: Action::Removed,
};

/// For each change, the bump it inherits from its removed file: what went away with a
/// removed file breaks as its file does (buf reports only the file under FILE), unless a
/// finding of its own says more.
pub(super) fn inherited_bumps(changes: &[Change], linked: &[Vec<Annotation>]) -> Vec<Option<Bump>> {
    let removed_files: HashMap<FileId, Bump> = changes
        .iter()
        .zip(linked)
        .filter(|(c, f)| c.kind == REMOVED_FILE && !f.is_empty())
        .filter_map(|(c, f)| {
            let bump = f.iter().map(super::finding_bump).max()?;
            Some((c.old.as_ref()?.file, bump))
        })
        .collect();
    changes
        .iter()
        .zip(linked)
        .map(|(c, f)| {
            let removal = c.kind.action == Action::Removed && c.kind != REMOVED_FILE;
            if !removal || !f.is_empty() {
                return None;
            }
            removed_files.get(&c.old.as_ref()?.file).copied()
        })
        .collect()
}
