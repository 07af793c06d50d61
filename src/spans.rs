//! Spans: where an element is, as buf prints it.
//!
//! The compiler gives each source path a 0-based line and column (protox: byte columns in
//! the text it compiled; protoc images: protoc's own columns). buf prints 1-based lines and
//! columns in terminal cells ([`crate::columns`]), so spans of compiled sources are
//! converted against the file's text, which the index keeps; image spans are kept as they are.
//! protox also locates two pseudo-options differently from protoc and buf (`default` and
//! `json_name`); their spans are corrected here.

use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::ops::Range;

use crate::descriptor::SourceCodeInfo;

/// A 1-based line/column span, as buf prints it.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Span {
    pub start_line: u32,
    pub start_column: u32,
    pub end_line: u32,
    pub end_column: u32,
}

/// Spans keyed by source path.
pub type SpanMap = HashMap<Box<[i32]>, Span>;

/// The compiler's spans, 0-based, the first location of each path (for `json_name`, the
/// whole option), with `default` spans starting at the keyword.
pub fn from_compiler(info: Option<&SourceCodeInfo>, text: Option<&str>) -> SpanMap {
    let mut map = HashMap::new();
    if let Some(info) = info {
        for loc in &info.location {
            let s = &loc.span;
            let span = match s.len() {
                3 => Span {
                    start_line: s[0] as u32,
                    start_column: s[1] as u32,
                    end_line: s[0] as u32,
                    end_column: s[2] as u32,
                },
                4 => Span {
                    start_line: s[0] as u32,
                    start_column: s[1] as u32,
                    end_line: s[2] as u32,
                    end_column: s[3] as u32,
                },
                _ => continue,
            };
            let key = loc.path.clone().into_boxed_slice();
            match map.entry(key) {
                Entry::Vacant(v) => {
                    v.insert(span);
                }
                // protox gives `json_name = "x"` two locations, the value's and the
                // whole option's (in either order); buf points at the whole option.
                Entry::Occupied(mut o) if is_json_name(o.key()) => {
                    let earliest = (*o.get()).min(span);
                    o.insert(earliest);
                }
                Entry::Occupied(_) => {}
            }
        }
    }
    if let Some(text) = text {
        widen_default_spans(&mut map, text);
    }
    map
}

/// 1-based spans as buf prints them: columns in terminal cells when the text is known,
/// the compiler's own columns otherwise (an image).
pub fn as_buf_prints(raw: &SpanMap, text: Option<&str>) -> SpanMap {
    let Some(text) = text else {
        return raw
            .iter()
            .map(|(p, s)| (p.clone(), one_based(*s)))
            .collect();
    };
    let lines: Vec<&str> = text.split('\n').collect();
    let column = |line: u32, byte: u32| match lines.get(line as usize) {
        Some(l) => crate::columns::display_column(l, byte as usize),
        None => byte + 1,
    };
    raw.iter()
        .map(|(p, s)| {
            let span = Span {
                start_line: s.start_line + 1,
                start_column: column(s.start_line, s.start_column),
                end_line: s.end_line + 1,
                end_column: column(s.end_line, s.end_column),
            };
            (p.clone(), span)
        })
        .collect()
}

/// Byte offset of the start of each line of `text`.
pub fn line_starts(text: &str) -> Vec<usize> {
    std::iter::once(0)
        .chain(text.match_indices('\n').map(|(i, _)| i + 1))
        .collect()
}

/// The byte range in `text` of a compiler (0-based, byte-column) span.
pub fn byte_range(raw: Span, text: &str, line_starts: &[usize]) -> Range<usize> {
    let offset = |line: u32, column: u32| {
        let start = line_starts
            .get(line as usize)
            .copied()
            .unwrap_or(text.len());
        (start + column as usize).min(text.len())
    };
    let start = offset(raw.start_line, raw.start_column);
    start..offset(raw.end_line, raw.end_column).max(start)
}

/// The path of a field's or extension's `json_name` pseudo-option.
fn is_json_name(p: &[i32]) -> bool {
    p.len() >= 3 && p[p.len() - 1] == 10 && matches!(p[p.len() - 3], 2 | 6 | 7)
}

fn one_based(s: Span) -> Span {
    Span {
        start_line: s.start_line + 1,
        start_column: s.start_column + 1,
        end_line: s.end_line + 1,
        end_column: s.end_column + 1,
    }
}

/// protox locates a field's `default = X` pseudo-option at the value only; protoc and buf
/// locate it from the `default` keyword. Starts those (0-based, byte-column) spans at the
/// keyword.
fn widen_default_spans(map: &mut HashMap<Box<[i32]>, Span>, text: &str) {
    let is_default =
        |p: &[i32]| p.len() >= 3 && p[p.len() - 1] == 7 && matches!(p[p.len() - 3], 2 | 6 | 7);
    if !map.keys().any(|p| is_default(p)) {
        return;
    }
    let lines: Vec<&str> = text.split('\n').collect();
    for (path, span) in map.iter_mut() {
        if !is_default(path) {
            continue;
        }
        let Some(line) = lines.get(span.start_line as usize) else {
            continue;
        };
        let before = &line.as_bytes()[..(span.start_column as usize).min(line.len())];
        let trimmed = before.trim_ascii_end();
        let Some(rest) = trimmed.strip_suffix(b"=") else {
            continue;
        };
        let rest = rest.trim_ascii_end();
        if rest.ends_with(b"default") {
            span.start_column = (rest.len() - "default".len()) as u32;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::compile::{compile_set, SourceSet};
    use crate::index::Index;

    #[test]
    fn spans_count_cells_and_byte_ranges_point_into_the_text() {
        let text = "syntax = \"proto3\";\nmessage M {\n\t/*中*/\tint64 x = 1;\n}\n";
        let set = SourceSet::from_texts([("a.proto", text)]);
        let index = Index::build(compile_set(&set, &["a.proto".into()]).unwrap());
        let file = index.file("a.proto").unwrap();
        // The type of field `x`: after a tab (4 cells), `/*中*/` (6) and a tab (to 12).
        let ty = [4, 0, 2, 0, 5];
        assert_eq!(
            file.span(&ty),
            Some(Span {
                start_line: 3,
                start_column: 13,
                end_line: 3,
                end_column: 18,
            })
        );
        assert_eq!(&text[file.byte_range(&ty).unwrap()], "int64");
        // The message spans lines; its range covers it whole.
        assert!(text[file.byte_range(&[4, 0]).unwrap()].starts_with("message M {"));
    }
}
