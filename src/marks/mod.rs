//! Stability marks: which elements are experimental or internal, and who said so. They are
//! written in the schema, so they are read as rules read it (the contract's own rule,
//! STABILITY_NO_DEMOTE, compares them); [`crate::policy`] decides verdicts with them.
//!
//! An element is marked by any of:
//! * a line `@experimental` or `@internal` in its leading comment (optionally
//!   `@experimental since v1.3.0`, and/or `-- reason`); on the `syntax`/`edition` or `package`
//!   statement it marks the whole file;
//! * a `protoguard.yaml` glob: `experimental:`/`internal:` `paths`, `packages`, `elements`;
//! * googleapis' visibility annotations ([`visibility`]): a non-empty `restriction` means the
//!   element is not public, so internal.
//!
//! A mark is inherited by everything the element contains (file → message → nested message
//! → field; enum → value; service → RPC). A line that starts like a mark but is not one
//! (`@experimental(`, `@experimentl`, `@Internal`) is an error: a mark the author believes
//! in but that protoguard would ignore must not pass silently.

use std::collections::HashMap;

pub mod comments;
pub mod glob;
pub mod visibility;

use crate::error::ConfigError;
use crate::finding::{Element, ElementKind, PolicyWarning, Stability};
use crate::index::Index;
use comments::Directive;

/// One mark on one element (or file).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    pub stability: Stability,
    /// The release it was marked in, when the mark says (`@experimental since v1.3.0`).
    pub since: Option<String>,
    pub reason: Option<String>,
    /// Where it is written: `path:line` for a comment, `protoguard.yaml:line:col` for a glob.
    pub origin: String,
}

/// The marks one side's schema carries in itself (comments and annotations).
#[derive(Clone, Debug, Default)]
pub struct SideMarks {
    /// By element full name (as [`Element::full_name`] spells it).
    pub elements: HashMap<String, Mark>,
    /// Whole files, by import path.
    pub files: HashMap<String, Mark>,
    /// Marks in comments no element carries (they mark nothing): said, not ignored.
    pub loose: Vec<PolicyWarning>,
}

/// Which part of an element a glob is matched against.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum GlobKind {
    Path,
    Package,
    Element,
}

/// One `experimental:`/`internal:` glob of `protoguard.yaml`.
#[derive(Clone, Debug)]
pub struct GlobMark {
    pub stability: Stability,
    pub kind: GlobKind,
    pub pattern: String,
    /// `protoguard.yaml:line:col (experimental.packages)`.
    pub origin: String,
}

/// Why an element is not stable: the mark that decides it and the element that carries it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resolved {
    pub stability: Stability,
    /// The element (or file, or package) that carries the mark.
    pub carrier: String,
    pub mark: Mark,
}

/// The stability side of a contract: both sides' own marks and the globs.
#[derive(Clone, Debug, Default)]
pub struct Marks {
    pub old: SideMarks,
    pub new: SideMarks,
    pub globs: Vec<GlobMark>,
    /// The NEW import root relative to `protoguard.yaml`'s directory, prefixed to import
    /// paths before `paths` globs match them.
    pub path_prefix: String,
}

/// What a line that starts with `@` is, if it is meant as a mark.
enum MarkLine {
    Mark {
        stability: Stability,
        since: Option<String>,
        reason: Option<String>,
    },
    Malformed(String),
}

const MARK_WORDS: [(&str, Stability); 2] = [
    ("@experimental", Stability::Experimental),
    ("@internal", Stability::Internal),
];

/// Classifies a trimmed comment line; `None` when it is not meant as a mark.
fn classify(line: &str) -> Option<MarkLine> {
    if !line.starts_with('@') {
        return None;
    }
    let end = line
        .find(|c: char| !(c.is_alphanumeric() || c == '@' || c == '_' || c == '-'))
        .unwrap_or(line.len());
    let (word, rest) = line.split_at(end);
    let Some((_, stability)) = MARK_WORDS.iter().find(|(w, _)| *w == word) else {
        // A near miss of a mark word is a typo someone believes in.
        let lower = word.to_ascii_lowercase();
        let near = MARK_WORDS
            .iter()
            .find(|(w, _)| lower == *w || (lower.len() >= 6 && edit_distance(&lower, w) <= 2));
        return near.map(|(w, _)| {
            MarkLine::Malformed(format!(
                "unknown mark {word:?}: did you mean {w:?}? (marks are \"@experimental\" and \"@internal\")"
            ))
        });
    };
    let usage = format!(
        "malformed mark {line:?}: write {word:?}, \"{word} since vX.Y.Z\" or \"{word} -- reason\""
    );
    let rest = rest.trim();
    let (head, reason) = match rest.split_once("--") {
        Some((h, r)) => (h.trim(), Some(r.trim())),
        None => (rest, None),
    };
    if reason == Some("") {
        return Some(MarkLine::Malformed(usage));
    }
    let since = if head.is_empty() {
        None
    } else {
        let mut words = head.split_whitespace();
        match (words.next(), words.next(), words.next()) {
            (Some("since"), Some(v), None) => Some(v.to_string()),
            _ => return Some(MarkLine::Malformed(usage)),
        }
    };
    Some(MarkLine::Mark {
        stability: *stability,
        since,
        reason: reason.map(str::to_string),
    })
}

fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut prev: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut cur = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let cost = usize::from(ca != *cb);
            cur.push((prev[j] + cost).min(prev[j + 1] + 1).min(cur[j] + 1));
        }
        prev = cur;
    }
    prev[b.len()]
}

fn is_mark_line(line: &str) -> bool {
    classify(line).is_some()
}

/// Reads the comment marks of one side. With `strict`, a malformed mark is an error (the
/// NEW side: what the author is writing now); otherwise it is skipped (history is history).
pub fn read_side(index: &Index, strict: bool) -> Result<SideMarks, ConfigError> {
    let mut side = SideMarks::default();
    for (id, file) in index.files.iter().enumerate() {
        if !index.is_checked(id) || !comments::mentions(file, "@") {
            continue;
        }
        let found = comments::attached(file, true, &is_mark_line);
        if strict {
            for l in comments::loose(file, &found, &is_mark_line) {
                if let Some(MarkLine::Malformed(why)) = classify(&l.text) {
                    return Err(ConfigError::Invalid {
                        path: format!("{}:{}:{}", file.display, l.line, l.column),
                        reason: why,
                    });
                }
                side.loose.push(PolicyWarning {
                    location: Some((file.display.clone(), l.line, l.column)),
                    message: format!(
                        "mark {:?} is not in the leading comment of any element (a blank line between a comment and its element detaches it): it marks nothing",
                        l.text
                    ),
                });
            }
        }
        if found.is_empty() {
            continue;
        }
        let elements = comments::elements_by_path(index, id);
        for d in &found {
            let at = format!("{}:{}", file.display, d.line);
            let mark = match classify(&d.text) {
                Some(MarkLine::Mark {
                    stability,
                    since,
                    reason,
                }) => Mark {
                    stability,
                    since,
                    reason,
                    origin: at,
                },
                Some(MarkLine::Malformed(why)) if strict => {
                    return Err(invalid(&file.display, d, why));
                }
                _ => continue,
            };
            if comments::FILE_STATEMENTS.contains(&&*d.path) {
                side.files.entry(file.name.clone()).or_insert(mark);
            } else if let Some(e) = elements.get(&d.path) {
                side.elements.entry(e.full_name.clone()).or_insert(mark);
            }
        }
    }
    // A comment mark on the same element says more (why, since when): it wins.
    for (name, mark) in visibility::read(index, &|e| visibility::options_of(index, e)) {
        side.elements.entry(name).or_insert(mark);
    }
    Ok(side)
}

fn invalid(display: &str, d: &Directive, reason: String) -> ConfigError {
    ConfigError::Invalid {
        path: format!("{display}:{}:{}", d.line, d.column),
        reason,
    }
}

impl Marks {
    /// The stability of `element` on one side (`old` chooses the side's own marks; globs
    /// apply to both): the nearest mark of the element or what contains it, then its file,
    /// then the globs. `None`: stable.
    pub fn resolve(&self, index: &Index, element: &Element, old: bool) -> Option<Resolved> {
        let side = if old { &self.old } else { &self.new };
        let file = element.file.as_deref().and_then(|f| index.file(f));
        let package = match element.kind {
            ElementKind::Package => element.full_name.as_str(),
            _ => file.map_or("", |f| f.package.as_str()),
        };
        let chain = containing_names(element, package);
        for name in &chain {
            if let Some(m) = side.elements.get(*name) {
                return Some(resolved(name, m));
            }
        }
        if let (Some(name), Some(m)) = (
            element.file.as_deref(),
            element.file.as_deref().and_then(|f| side.files.get(f)),
        ) {
            return Some(resolved(name, m));
        }
        for g in &self.globs {
            let hit = match g.kind {
                GlobKind::Element => chain
                    .iter()
                    .find(|n| glob::matches(&g.pattern, n, '.'))
                    .map(|n| n.to_string()),
                GlobKind::Package => (!package.is_empty()
                    && glob::matches(&g.pattern, package, '.'))
                .then(|| package.to_string()),
                GlobKind::Path => file
                    .map(|f| self.glob_path(&f.module_root, &f.name))
                    .filter(|p| glob::matches(&g.pattern, p, '/')),
            };
            if let Some(carrier) = hit {
                let mark = Mark {
                    stability: g.stability,
                    since: None,
                    reason: None,
                    origin: g.origin.clone(),
                };
                return Some(resolved(&carrier, &mark));
            }
        }
        None
    }

    /// A file's path as `paths` globs see it: relative to `protoguard.yaml`'s directory.
    pub fn glob_path(&self, module_root: &str, name: &str) -> String {
        let mut parts: Vec<&str> = Vec::new();
        for p in [self.path_prefix.as_str(), module_root] {
            if !p.is_empty() && p != "." {
                parts.push(p.trim_end_matches('/'));
            }
        }
        parts.push(name);
        parts.join("/")
    }
}

fn resolved(carrier: &str, mark: &Mark) -> Resolved {
    Resolved {
        stability: mark.stability,
        carrier: carrier.to_string(),
        mark: mark.clone(),
    }
}

/// The element's own name and the names of what contains it, nearest first, down to (not
/// including) its package.
fn containing_names<'a>(element: &'a Element, package: &str) -> Vec<&'a str> {
    let mut out = Vec::new();
    if matches!(element.kind, ElementKind::File | ElementKind::Package) {
        return out;
    }
    let mut name = element.full_name.as_str();
    loop {
        if name == package || name.is_empty() {
            break;
        }
        out.push(name);
        match name.rsplit_once('.') {
            Some((parent, _)) if parent.len() >= package.len() => name = parent,
            _ => break,
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mark(line: &str) -> Option<(Stability, Option<String>, Option<String>)> {
        match classify(line)? {
            MarkLine::Mark {
                stability,
                since,
                reason,
            } => Some((stability, since, reason)),
            MarkLine::Malformed(why) => panic!("{line}: {why}"),
        }
    }

    fn malformed(line: &str) -> String {
        match classify(line) {
            Some(MarkLine::Malformed(why)) => why,
            _ => panic!("{line} should be malformed"),
        }
    }

    #[test]
    fn marks_and_their_forms() {
        assert_eq!(
            mark("@experimental"),
            Some((Stability::Experimental, None, None))
        );
        assert_eq!(
            mark("@experimental since v1.3.0 -- new API"),
            Some((
                Stability::Experimental,
                Some("v1.3.0".into()),
                Some("new API".into())
            ))
        );
        assert_eq!(
            mark("@internal -- for the billing team"),
            Some((
                Stability::Internal,
                None,
                Some("for the billing team".into())
            ))
        );
        // Other `@` words (javadoc tags, handles) are not marks.
        assert!(classify("@deprecated use X").is_none());
        assert!(classify("@param x").is_none());
        assert!(classify("see @experimental").is_none());
    }

    #[test]
    fn near_misses_and_bad_forms_are_errors() {
        assert!(malformed("@experimentl").contains("did you mean \"@experimental\""));
        assert!(malformed("@Internal").contains("did you mean \"@internal\""));
        assert!(malformed("@experimental(v1)").contains("malformed mark"));
        assert!(malformed("@experimental until later").contains("malformed mark"));
        assert!(malformed("@internal --").contains("malformed mark"));
    }

    #[test]
    fn containing_names_stop_at_the_package() {
        let e = Element {
            kind: ElementKind::Field,
            full_name: "a.b.Outer.Inner.f".into(),
            number: Some(1),
            file: Some("x.proto".into()),
        };
        assert_eq!(
            containing_names(&e, "a.b"),
            vec!["a.b.Outer.Inner.f", "a.b.Outer.Inner", "a.b.Outer"]
        );
        assert_eq!(containing_names(&e, "").len(), 5);
    }
}
