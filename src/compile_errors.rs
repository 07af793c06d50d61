//! Compile errors as the user sees them: protox's and prost-reflect's errors turned into
//! `path:line:col: reason` with the source attached and the span buf points at, and the
//! error for a file that is not UTF-8.

use miette::{Diagnostic, NamedSource, SourceCode, SourceSpan};

use crate::compile::{SourceSet, BOM};
use crate::error::LoadError;

/// The error for a file that is not UTF-8: the position of its first bad byte, as buf
/// gives it (columns count bytes).
pub fn not_utf8(shown: &str, bytes: &[u8]) -> LoadError {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => bytes,
        Err(e) => &bytes[..e.valid_up_to()],
    };
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    let name = shown.rsplit('/').next().unwrap_or(shown);
    LoadError::Compile {
        location: format!("{shown}:{line}:{col}"),
        reason: format!("file '{name}' is not valid utf-8"),
        source_code: None,
        span: None,
    }
}

/// Labels prost-reflect puts on the *other* place of a two-place error (the first
/// definition of a duplicate, the reserved range a field falls in); the error itself is
/// at the remaining label, in the file `err.file()` names.
const SECONDARY_LABELS: &[&str] = &[
    "first defined here",
    "reserved range defined here",
    "extension range defined here",
];

/// Turns a protox error into `path:line:col: reason` with the source attached.
pub(crate) fn compile_error(err: protox::Error, sources: &SourceSet) -> LoadError {
    let display_root = sources.display_root.as_str();
    let mut reason = err.to_string();
    // protox keeps the cause of an I/O failure out of its message ("error opening file").
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        reason = format!("{reason}: {c}");
        cause = c.source();
    }
    let mut file = err.file().map(str::to_string);
    let labels: Vec<miette::LabeledSpan> = err.labels().map(Iterator::collect).unwrap_or_default();
    let mut span: Option<SourceSpan> = labels
        .iter()
        .find(|l| l.label().is_none_or(|m| !SECONDARY_LABELS.contains(&m)))
        .or(labels.first())
        .map(|l| *l.inner());
    let read = |f: &str| sources.read(f);
    // An import cycle carries no position: point at the import that closes it, as buf does.
    if span.is_none() {
        if let Some((importer, imported)) = cycle_edge(&reason) {
            if let Some(text) = read(&importer).and_then(|b| String::from_utf8(b).ok()) {
                if let Some(offset) = find_import(&text, &imported) {
                    file = Some(importer);
                    span = Some(SourceSpan::from(offset..offset));
                }
            }
        }
    }
    // protox gives no position for a file that ends too early, nor for a few unresolved
    // names (a map's value type): point at the end of the file, and at the first use of
    // the name, so the error is still `path:line:col`.
    if span.is_none() {
        if let Some(text) = file
            .as_deref()
            .and_then(read)
            .and_then(|b| String::from_utf8(b).ok())
        {
            if reason.contains("reached end of file") {
                let end = text.trim_end().len();
                span = Some(SourceSpan::from(end..end));
            } else if let Some(name) = undefined_name(&reason) {
                // The error names the type fully qualified; the source may use any suffix.
                let short = name.rsplit('.').next().unwrap_or(name);
                span = [name, short]
                    .into_iter()
                    .find_map(|n| find_word(&text, n).map(|at| SourceSpan::from(at..at + n.len())));
            }
        }
    }
    let shown = |f: &str| sources.shown(f);
    let mut location = match &file {
        Some(f) => shown(f),
        None => display_root.to_string(),
    };
    let mut source_code = None;
    // protox calls a refused import path an "invalid group name": say what buf says.
    let refused_import = err
        .help()
        .is_some_and(|h| h.to_string().starts_with("imports may not contain"));
    if let Some(f) = &file {
        match read(f).map(String::from_utf8) {
            Some(Ok(text)) => {
                if let (true, Some(s)) = (refused_import, span) {
                    if let Some((why, at)) = refused_import_reason(&text, s) {
                        reason = why;
                        span = Some(at);
                    }
                }
                if let Some(s) = span {
                    if let Ok(contents) = text.read_span(&s, 0, 0) {
                        // buf's error columns count bytes, a byte-order mark's too.
                        let bom = if contents.line() == 0 && sources.had_bom(f) {
                            BOM.len()
                        } else {
                            0
                        };
                        location = format!(
                            "{}:{}:{}",
                            location,
                            contents.line() + 1,
                            contents.column() + 1 + bom
                        );
                    }
                    source_code = Some(NamedSource::new(shown(f), text));
                }
            }
            // Not UTF-8: name the first bad byte, as buf does (columns count bytes).
            Some(Err(e)) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let col =
                    valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
                location = format!("{location}:{line}:{col}");
                span = None;
            }
            None => span = None,
        }
    } else {
        span = None;
    }
    LoadError::Compile {
        location,
        reason,
        source_code,
        span,
    }
}

/// buf's reason and location for the import path protox refused at the literal `literal`.
fn refused_import_reason(text: &str, literal: SourceSpan) -> Option<(String, SourceSpan)> {
    use crate::import_path::{literal_value, problem, At};
    let start = literal.offset();
    let value = literal_value(text.get(start..start + literal.len())?);
    let (why, at) = problem(&value)?;
    let span = match at {
        At::Literal => literal,
        At::Statement => {
            let statement = text[..start].rfind("import").unwrap_or(start);
            SourceSpan::from(statement..statement)
        }
    };
    Some((why, span))
}

/// The name of protox's "name 'X' is not defined".
fn undefined_name(reason: &str) -> Option<&str> {
    let rest = reason.split_once("name '")?.1;
    let (name, tail) = rest.split_once('\'')?;
    tail.starts_with(" is not defined").then_some(name)
}

/// Byte offset of the first use of `name` as a whole word in code (outside `//` comments).
fn find_word(text: &str, name: &str) -> Option<usize> {
    let is_word = |c: char| c.is_ascii_alphanumeric() || c == '_';
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        for (at, _) in code.match_indices(name) {
            let before = code[..at].chars().next_back();
            let after = code[at + name.len()..].chars().next();
            if !before.is_some_and(is_word) && !after.is_some_and(is_word) {
                return Some(offset + at);
            }
        }
        offset += line.len();
    }
    None
}

/// The last edge of protox's "import cycle detected: a.proto -> b.proto -> a.proto".
fn cycle_edge(reason: &str) -> Option<(String, String)> {
    let cycle = reason.split_once("import cycle detected: ")?.1;
    let names: Vec<&str> = cycle.split(" -> ").map(str::trim).collect();
    match names.as_slice() {
        [.., importer, imported] => Some((importer.to_string(), imported.to_string())),
        _ => None,
    }
}

/// Byte offset of the `import` statement of `name` in `text` (outside comments).
fn find_import(text: &str, name: &str) -> Option<usize> {
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim_start();
        if trimmed.starts_with("import") && quoted.iter().any(|q| code.contains(q.as_str())) {
            return Some(offset + (code.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
}
