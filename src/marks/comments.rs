//! Directives written in comments (`@experimental`, `// protoguard:allow ...`): which element
//! each is attached to, and where it is written.
//!
//! The compiler attaches a comment to the element right below it (leading) or on its line
//! (trailing) in the file's `SourceCodeInfo`; that is what the directive applies to. Only
//! files whose text mentions a directive are looked at, so a schema without any costs one
//! substring search per changed file. Where it is written (`path:line:col`) is found by
//! searching the comment line in the text next to the element, since `SourceCodeInfo`
//! locates elements, not their comments; an image (no text) gives the element's own line.

use std::collections::HashMap;

use crate::finding::Element;
use crate::index::{File, FileId, Index};

/// One comment line holding a directive, and the element it is attached to.
#[derive(Clone, Debug)]
pub struct Directive {
    /// The `SourceCodeInfo` path of the element the comment is attached to.
    pub path: Box<[i32]>,
    /// The comment line, without its comment markers and surrounding blanks.
    pub text: String,
    /// Where the line is written (1-based line; column in bytes, as compile errors count).
    pub line: u32,
    pub column: u32,
}

/// A comment line holding a directive that no element carries (a detached comment).
#[derive(Clone, Debug)]
pub struct Loose {
    pub line: u32,
    pub column: u32,
    pub text: String,
}

/// Source paths of the statements that stand for the file itself (`syntax`/`edition` and
/// `package`): a directive on them applies to the whole file.
pub const FILE_STATEMENTS: &[&[i32]] = &[&[12], &[14], &[2]];

/// Whether the file's text (or, for an image, its comments) can hold `token` at all.
pub fn mentions(file: &File, token: &str) -> bool {
    match &file.text {
        Some(text) => text.contains(token),
        None => file.source_info.as_ref().is_some_and(|info| {
            info.location.iter().any(|l| {
                [&l.leading_comments, &l.trailing_comments]
                    .into_iter()
                    .flatten()
                    .any(|c| c.contains(token))
            })
        }),
    }
}

/// Every comment line of `file` attached to an element whose trimmed text `wanted` accepts;
/// `leading_only` leaves trailing comments out.
pub fn attached(file: &File, leading_only: bool, wanted: &dyn Fn(&str) -> bool) -> Vec<Directive> {
    let Some(info) = &file.source_info else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for loc in &info.location {
        let comments = [
            (loc.leading_comments.as_deref(), true),
            (loc.trailing_comments.as_deref(), false),
        ];
        for (comment, leading) in comments {
            let Some(comment) = comment else { continue };
            if !leading && leading_only {
                continue;
            }
            let lines: Vec<&str> = comment.lines().map(trim_comment_line).collect();
            for (i, line) in lines.iter().enumerate() {
                if !wanted(line) {
                    continue;
                }
                // Count the same line written again below it, so that two identical
                // directives above one element are located on their own lines.
                let later = lines[i + 1..].iter().filter(|l| *l == line).count();
                let (l, c) = locate(file, &loc.path, line, leading, later);
                out.push(Directive {
                    path: loc.path.clone().into(),
                    text: line.to_string(),
                    line: l,
                    column: c,
                });
            }
        }
    }
    out
}

/// Comment lines of the file's text that `wanted` accepts but that no element carries: a
/// directive someone wrote that applies to nothing.
pub fn loose(file: &File, found: &[Directive], wanted: &dyn Fn(&str) -> bool) -> Vec<Loose> {
    let Some(text) = &file.text else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (i, raw) in text.lines().enumerate() {
        let Some(at) = raw.find("//").or_else(|| raw.find("/*")).or_else(|| {
            // A continuation line of a block comment.
            raw.trim_start().starts_with('*').then(|| raw.find('*'))?
        }) else {
            continue;
        };
        let line = trim_comment_line(&raw[at..]);
        if !wanted(line) {
            continue;
        }
        let number = i as u32 + 1;
        if found.iter().any(|d| d.line == number) {
            continue;
        }
        let column = raw.find(line).map_or(at, |c| c) as u32 + 1;
        out.push(Loose {
            line: number,
            column,
            text: line.to_string(),
        });
    }
    out
}

/// A comment line without its markers (`//`, `/*`, `*/`, a block comment's leading `*`) and
/// surrounding blanks.
pub fn trim_comment_line(line: &str) -> &str {
    let mut l = line.trim();
    for prefix in ["///", "//", "/**", "/*"] {
        if let Some(rest) = l.strip_prefix(prefix) {
            l = rest;
            break;
        }
    }
    let l = l.trim_end().strip_suffix("*/").unwrap_or(l).trim();
    l.strip_prefix('*').map_or(l, str::trim)
}

/// Where a comment line attached to the element at `path` is written: searched backwards from
/// the element's start for a leading comment (skipping `later` copies of it), forwards from
/// its end for a trailing one; the element's own start when the text is not available.
fn locate(file: &File, path: &[i32], line: &str, leading: bool, later: usize) -> (u32, u32) {
    let element_start = file
        .span(path)
        .map_or((1, 1), |s| (s.start_line, s.start_column));
    let (Some(text), Some(range)) = (file.text.as_deref(), file.byte_range(path)) else {
        return element_start;
    };
    let found = if leading {
        let mut end = range.start.min(text.len());
        let mut at = None;
        for _ in 0..=later {
            at = text[..end].rfind(line);
            match at {
                Some(a) => end = a,
                None => break,
            }
        }
        at
    } else {
        let from = range.end.min(text.len());
        text[from..].find(line).map(|a| a + from)
    };
    match found {
        Some(offset) => line_col(text, offset),
        None => element_start,
    }
}

/// 1-based line and byte column of a byte offset.
pub fn line_col(text: &str, offset: usize) -> (u32, u32) {
    let before = &text[..offset];
    let line = before.matches('\n').count() as u32 + 1;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    (line, (offset - start) as u32 + 1)
}

/// Every element one file declares, by its source path (what comments attach to).
pub fn elements_by_path(index: &Index, file: FileId) -> HashMap<Box<[i32]>, Element> {
    let mut out = HashMap::new();
    let mut put = |site: &crate::index::Site, e: Element| {
        if let Some(p) = &site.path {
            out.entry(p.clone()).or_insert(e);
        }
    };
    for &i in &index.files[file].messages {
        let m = &index.messages[i];
        if m.map_entry {
            continue;
        }
        put(&m.site, Element::message(index, m));
        for f in &m.fields {
            put(&f.site, Element::field(index, f));
        }
        for (j, o) in m.oneofs.iter().enumerate() {
            put(&m.site.child(&[8, j as i32]), Element::oneof(index, m, o));
        }
    }
    for &i in &index.files[file].enums {
        let e = &index.enums[i];
        put(&e.site, Element::enum_(index, e));
        for v in &e.values {
            put(&v.site, Element::enum_value(index, e, v));
        }
    }
    for &i in &index.files[file].services {
        let s = &index.services[i];
        put(&s.site, Element::service(index, s));
        for m in &s.methods {
            put(&m.site, Element::rpc(index, s, m));
        }
    }
    for &i in &index.files[file].extensions {
        let f = &index.extensions[i];
        put(&f.site, Element::field(index, f));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::trim_comment_line;

    #[test]
    fn comment_markers_are_trimmed() {
        assert_eq!(trim_comment_line("  // @experimental "), "@experimental");
        assert_eq!(trim_comment_line(" * @internal"), "@internal");
        assert_eq!(trim_comment_line("/* x */"), "x");
        assert_eq!(trim_comment_line(" plain"), "plain");
    }
}
