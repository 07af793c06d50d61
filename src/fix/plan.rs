//! What `fix` would write: from the findings of the `*_NO_DELETE_UNLESS_*_RESERVED` rules,
//! the numbers and names each message and enum must reserve, and the byte-offset
//! insertions into the new side's text that reserve them.
//!
//! Existing statements are extended (`reserved 3;` becomes `reserved 3, 5 to 6;`), else a new
//! line is written next to the other kind's `reserved` line, after the line of the opening
//! brace, or before the closing brace, indented like the body. Nothing already written is
//! moved or reformatted. A number inside an extension range, or a name still used by a field
//! or value, cannot be reserved: that is a [`Refusal`], never a best guess.

use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;

use super::body::{self, Body, ReservedKind};
use crate::finding::{ElementKind, Finding};
use crate::index::{File, Index, Site, Syntax};

/// The rules whose findings `fix` resolves.
pub const RULES: [&str; 4] = [
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
];

/// One insertion into a file's text (offsets into the text the index holds).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Insertion {
    pub at: usize,
    pub text: String,
}

/// What one message or enum gains.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Addition {
    /// The message or enum (full name).
    pub container: String,
    pub kind: ElementKind,
    /// The new file (index id) that declares it.
    pub file: usize,
    /// `path:line:col` of the declaration in the new file.
    pub at: String,
    /// Numbers newly reserved, ascending.
    pub numbers: Vec<i32>,
    /// Names newly reserved, in the order the old side declared them.
    pub names: Vec<String>,
    /// Each `reserved` statement written or extended, as it reads afterwards.
    pub statements: Vec<String>,
    pub insertions: Vec<Insertion>,
}

/// An edit that cannot be placed safely, located in the new file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// `path:line:col` of the message or enum in the new schema.
    pub at: String,
    pub reason: String,
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.reason)
    }
}

/// What one container must reserve, gathered from findings.
#[derive(Default)]
struct Wanted {
    numbers: BTreeSet<i32>,
    names: Vec<String>,
}

impl Wanted {
    fn name(&mut self, name: &str) {
        if !self.names.iter().any(|n| n == name) {
            self.names.push(name.to_string());
        }
    }
}

/// The additions that make `RULES` accept `new` against `old`, given those rules' findings
/// (every finding of another rule is ignored). All or nothing: any refusal refuses the plan.
pub fn additions(
    old: &Index,
    new: &Index,
    findings: &[Finding],
) -> Result<Vec<Addition>, Vec<Refusal>> {
    let mut wanted: BTreeMap<(ElementKind, String), Wanted> = BTreeMap::new();
    for f in findings {
        let Some(gone) = &f.subject.old else { continue };
        let Some(parent) = gone.parent_name() else {
            continue;
        };
        let own_name = &gone.full_name[parent.len() + 1..];
        let (kind, by_number) = match f.rule {
            "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED" => (ElementKind::Message, true),
            "FIELD_NO_DELETE_UNLESS_NAME_RESERVED" => (ElementKind::Message, false),
            "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED" => (ElementKind::Enum, true),
            "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED" => (ElementKind::Enum, false),
            _ => continue,
        };
        let w = wanted.entry((kind, parent.to_string())).or_default();
        match (kind, by_number, gone.number) {
            (_, true, Some(n)) => {
                w.numbers.insert(n);
            }
            (ElementKind::Message, false, _) => w.name(own_name),
            // A number deleted from an enum takes every alias it had with it.
            (_, false, Some(n)) => {
                let aliases = old.enum_(parent).map(|e| {
                    e.values
                        .iter()
                        .filter(|v| v.number == n)
                        .map(|v| v.name.clone())
                        .collect::<Vec<_>>()
                });
                for a in aliases.unwrap_or_else(|| vec![own_name.to_string()]) {
                    w.name(&a);
                }
            }
            _ => {}
        }
    }
    let mut out = Vec::new();
    let mut refusals = Vec::new();
    for ((kind, name), mut w) in wanted {
        match addition(new, kind, &name, &mut w) {
            Ok(Some(a)) => out.push(a),
            Ok(None) => {}
            Err(r) => refusals.push(r),
        }
    }
    if refusals.is_empty() {
        Ok(out)
    } else {
        Err(refusals)
    }
}

/// The declaration facts `addition` needs, the same for messages and enums.
struct Container<'a> {
    file: &'a File,
    site: &'a Site,
    simple_name: &'a str,
    reserved_ranges: &'a [(i32, i32)],
    reserved_names: &'a [String],
    /// Numbers that a reserved range may not overlap (extension ranges), inclusive.
    forbidden: &'a [(i32, i32)],
    /// Names declared in the body (fields or values): reserving one is a compile error.
    declared: Vec<&'a str>,
}

fn addition(
    new: &Index,
    kind: ElementKind,
    name: &str,
    w: &mut Wanted,
) -> Result<Option<Addition>, Refusal> {
    let c = match kind {
        ElementKind::Message => {
            let Some(m) = new.message(name) else {
                return Ok(None);
            };
            Container {
                file: &new.files[m.file],
                site: &m.site,
                simple_name: &m.name,
                reserved_ranges: &m.reserved_ranges,
                reserved_names: &m.reserved_names,
                forbidden: &m.extension_ranges,
                declared: m.fields.iter().map(|f| f.name.as_str()).collect(),
            }
        }
        _ => {
            let Some(e) = new.enum_(name) else {
                return Ok(None);
            };
            Container {
                file: &new.files[e.file],
                site: &e.site,
                simple_name: &e.name,
                reserved_ranges: &e.reserved_ranges,
                reserved_names: &e.reserved_names,
                forbidden: &[],
                declared: e.values.iter().map(|v| v.name.as_str()).collect(),
            }
        }
    };
    // Already reserved (the rules say so too; kept for callers with other findings).
    w.numbers
        .retain(|n| !c.reserved_ranges.iter().any(|&(s, e)| s <= *n && *n <= e));
    w.names.retain(|n| !c.reserved_names.contains(n));
    if w.numbers.is_empty() && w.names.is_empty() {
        return Ok(None);
    }
    let refuse = |reason: String| Refusal {
        at: location(c.file, c.site),
        reason,
    };
    let noun = if kind == ElementKind::Message {
        "message"
    } else {
        "enum"
    };
    if let Some((n, (s, e))) = w.numbers.iter().find_map(|n| {
        c.forbidden
            .iter()
            .find(|&&(s, e)| s <= *n && *n <= e)
            .map(|r| (*n, *r))
    }) {
        return Err(refuse(format!(
            "cannot reserve number {n} in {noun} `{name}`: it lies in its extension range {s} to {e}, and a reserved range may not overlap one"
        )));
    }
    if let Some(n) = w.names.iter().find(|n| c.declared.contains(&n.as_str())) {
        let what = if kind == ElementKind::Message {
            "a field"
        } else {
            "a value"
        };
        return Err(refuse(format!(
            "cannot reserve name `{n}` in {noun} `{name}`: {what} of that name still exists under another number"
        )));
    }
    let (Some(text), Some(path)) = (c.file.text.as_deref(), c.site.path.as_deref()) else {
        return Err(refuse(format!(
            "the source text of {noun} `{name}` is not available"
        )));
    };
    let Some(span) = c.file.byte_range(path) else {
        return Err(refuse(format!(
            "the compiler gave no location for {noun} `{name}`"
        )));
    };
    let body = body::read(text, span.clone(), c.simple_name).map_err(refuse)?;
    let editions = matches!(c.file.syntax, Syntax::Editions(_));
    let numbers: Vec<i32> = w.numbers.iter().copied().collect();
    let number_list = ranges(&numbers);
    let name_list = w
        .names
        .iter()
        .map(|n| {
            if editions {
                n.clone()
            } else {
                format!("\"{n}\"")
            }
        })
        .collect::<Vec<_>>()
        .join(", ");
    let mut insertions = Vec::new();
    let mut statements = Vec::new();
    let mut fresh = Vec::new();
    for (kind, list) in [
        (ReservedKind::Numbers, number_list),
        (ReservedKind::Names, name_list),
    ] {
        if list.is_empty() {
            continue;
        }
        match body.reserved.iter().rev().find(|r| r.kind == kind) {
            // Extended before its `;`: whatever follows on the line (a comment) stays.
            Some(existing) => {
                let semi = existing.range.end - 1;
                insertions.push(Insertion {
                    at: semi,
                    text: format!(", {list}"),
                });
                statements.push(format!("{}, {list};", &text[existing.range.start..semi]));
            }
            None => {
                let statement = format!("reserved {list};");
                statements.push(statement.clone());
                fresh.push(statement);
            }
        }
    }
    if !fresh.is_empty() {
        insertions.push(place(text, &body, &span, &fresh));
    }
    Ok(Some(Addition {
        container: name.to_string(),
        kind,
        file: c.site.file,
        at: location(c.file, c.site),
        numbers,
        names: w.names.clone(),
        statements,
        insertions,
    }))
}

/// `path:line:col` of a site, as buf prints it.
fn location(file: &File, site: &Site) -> String {
    let span = site.path.as_deref().and_then(|p| file.span(p));
    match span {
        Some(s) => format!("{}:{}:{}", file.display, s.start_line, s.start_column),
        None => format!("{}:1:1", file.display),
    }
}

/// Numbers as a `reserved` list: `4, 6 to 8`.
pub fn ranges(numbers: &[i32]) -> String {
    let mut parts: Vec<(i32, i32)> = Vec::new();
    for &n in numbers {
        match parts.last_mut() {
            Some(last) if n as i64 == last.1 as i64 + 1 => last.1 = n,
            _ => parts.push((n, n)),
        }
    }
    parts
        .iter()
        .map(|&(s, e)| {
            if s == e {
                s.to_string()
            } else {
                format!("{s} to {e}")
            }
        })
        .collect::<Vec<_>>()
        .join(", ")
}

/// Where new `reserved` lines go: after a `reserved` statement that ends its line, else
/// after the opening brace's line, else before a closing brace that starts its line, else
/// inline before the closing brace (a one-line body).
fn place(text: &str, body: &Body, span: &Range<usize>, statements: &[String]) -> Insertion {
    let newline = if text.contains("\r\n") { "\r\n" } else { "\n" };
    let lines = |indent: &str| {
        statements
            .iter()
            .map(|s| format!("{indent}{s}{newline}"))
            .collect::<String>()
    };
    let body_indent = body_indent(text, body, span);
    // Comments keep the element they are attached to: see `body::insertion_point`.
    let among_comments = |end: usize, next: usize, indent: &str| {
        let prev_has_comment = !text[end..next].trim().is_empty();
        let (at, before, after) = body::insertion_point(text, next, prev_has_comment);
        let blank = |yes: bool| if yes { newline } else { "" };
        Insertion {
            at,
            text: format!("{}{}{}", blank(before), lines(indent), blank(after)),
        }
    };
    for r in body.reserved.iter().rev() {
        if let Some(next) = line_after(text, r.range.end) {
            return among_comments(r.range.end, next, indent_of(text, r.range.start));
        }
    }
    if let Some(next) = line_after(text, body.open + 1) {
        return among_comments(body.open + 1, next, &body_indent);
    }
    let close_line = line_start(text, body.close);
    if text[close_line..body.close].trim().is_empty() {
        // A comment right above the closing brace trails the statement before it; a blank
        // line keeps it there.
        let above = text[..close_line.saturating_sub(1)]
            .rsplit('\n')
            .next()
            .unwrap_or_default()
            .trim();
        let gap = if above.starts_with("//") || above.ends_with("*/") {
            newline
        } else {
            ""
        };
        return Insertion {
            at: close_line,
            text: format!("{gap}{}", lines(&body_indent)),
        };
    }
    let before = text[..body.close].chars().next_back();
    let lead = if before.is_some_and(char::is_whitespace) {
        ""
    } else {
        " "
    };
    Insertion {
        at: body.close,
        text: format!("{lead}{} ", statements.join(" ")),
    }
}

/// The start of the next line, when only whitespace or a `//` comment follows `from` on
/// its line.
fn line_after(text: &str, from: usize) -> Option<usize> {
    let end = text[from..].find('\n').map(|i| from + i)?;
    let rest = text[from..end].trim();
    (rest.is_empty() || rest.starts_with("//")).then_some(end + 1)
}

fn line_start(text: &str, at: usize) -> usize {
    text[..at].rfind('\n').map_or(0, |i| i + 1)
}

/// The leading whitespace of the line holding `at`.
fn indent_of(text: &str, at: usize) -> &str {
    let start = line_start(text, at);
    let line = &text[start..];
    &line[..line.len() - line.trim_start_matches([' ', '\t']).len()]
}

/// The indentation of the body's first non-blank line; for an empty body, the closing
/// brace's (or the declaration's) indentation plus one step of the file's own.
fn body_indent(text: &str, body: &Body, span: &Range<usize>) -> String {
    let first = text[body.open..]
        .find('\n')
        .map_or(text.len(), |i| body.open + i + 1);
    let last = line_start(text, body.close);
    if first < last {
        for line in text[first..last].split('\n') {
            if !line.trim().is_empty() {
                return line[..line.len() - line.trim_start_matches([' ', '\t']).len()].to_string();
            }
        }
    }
    let outer = indent_of(text, span.start);
    let step = if outer.contains('\t') {
        "\t"
    } else {
        file_indent_step(text)
    };
    format!("{outer}{step}")
}

/// The file's indentation step: the shortest leading whitespace of an indented line.
fn file_indent_step(text: &str) -> &str {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| &l[..l.len() - l.trim_start_matches([' ', '\t']).len()])
        .filter(|w| !w.is_empty())
        .min_by_key(|w| w.len())
        .unwrap_or("  ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_collapse_into_ranges() {
        assert_eq!(ranges(&[4, 6, 7, 8]), "4, 6 to 8");
        assert_eq!(ranges(&[-2, -1, 0, 5]), "-2 to 0, 5");
        assert_eq!(ranges(&[]), "");
    }

    fn placed(text: &str, statements: &[&str]) -> String {
        let name = "M";
        let span = text.find("message").unwrap()..text.rfind('}').unwrap() + 1;
        let body = body::read(text, span.clone(), name).unwrap();
        let s: Vec<String> = statements.iter().map(|s| s.to_string()).collect();
        let ins = place(text, &body, &span, &s);
        format!("{}{}{}", &text[..ins.at], ins.text, &text[ins.at..])
    }

    #[test]
    fn new_lines_follow_the_body_style() {
        assert_eq!(
            placed("message M { // c\n\tint32 a = 1;\n}\n", &["reserved 2;"]),
            "message M { // c\n\treserved 2;\n\tint32 a = 1;\n}\n"
        );
        assert_eq!(
            placed(
                "message M {\n    reserved \"x\"; // why\n    int32 a = 1;\n}\n",
                &["reserved 2;"]
            ),
            "message M {\n    reserved \"x\"; // why\n    reserved 2;\n    int32 a = 1;\n}\n"
        );
        assert_eq!(
            placed("message M { int32 a = 1; }", &["reserved 2;"]),
            "message M { int32 a = 1; reserved 2; }"
        );
        assert_eq!(
            placed("message M {}", &["reserved 2;"]),
            "message M { reserved 2; }"
        );
        // Comments stay attached where protoc attached them: the message's trailing
        // comment (before a blank line) and a field's leading one.
        assert_eq!(
            placed(
                "message M {\n  // about M\n\n  // about a\n  int32 a = 1;\n}\n",
                &["reserved 2;"]
            ),
            "message M {\n  // about M\n\n  reserved 2;\n  // about a\n  int32 a = 1;\n}\n"
        );
        assert_eq!(
            placed(
                "message M { int32 a = 1;\n  // about a\n}\n",
                &["reserved 2;"]
            ),
            "message M { int32 a = 1;\n  // about a\n\n  reserved 2;\n}\n"
        );
        assert_eq!(
            placed(
                "message M { /* c */ int32 a = 1;\r\n}\r\n",
                &["reserved 2;"]
            ),
            "message M { /* c */ int32 a = 1;\r\n  reserved 2;\r\n}\r\n"
        );
    }
}
