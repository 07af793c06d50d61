//! Lets the history ledger's parse-only reader (protox-parse, which knows proto2 and proto3
//! only) read editions files.
//!
//! The ledger needs the names, numbers, types and reserved ranges that a file declares, never
//! its features, so an editions file is rewritten into a proto3 file that declares the same:
//!
//! - `edition = "2023";` becomes `syntax = "proto3";` (editions fields carry no `optional` or
//!   `required` label, as in proto3; proto2 would demand one);
//! - the `default` option (which proto3 forbids) becomes an extension option of the same length,
//!   `(deflt)`, which a parser does not resolve;
//! - edition 2024's `export`/`local` before `message` and `enum`, and the `option` of
//!   `import option`, become spaces;
//! - reserved names, identifiers in editions (`reserved foo;`), become strings (`"foo"`).
//!
//! Every other byte is kept, so positions in the rewritten text are those of the original
//! up to the first reserved name (the edition statement keeps its length whenever it is
//! written with spaces). The ledger reports no positions of these files.

/// A token: its kind and byte range.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    Word,
    Str,
    Punct(u8),
}

#[derive(Clone, Copy, Debug)]
struct Token {
    kind: Kind,
    start: usize,
    end: usize,
}

/// Tokens of a `.proto` text, comments and whitespace skipped.
fn tokens(text: &[u8]) -> Vec<Token> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if text[i..].starts_with(b"//") {
            while i < text.len() && text[i] != b'\n' {
                i += 1;
            }
        } else if text[i..].starts_with(b"/*") {
            i += 2;
            while i < text.len() && !text[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(text.len());
        } else if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            while i < text.len() && text[i] != c && text[i] != b'\n' {
                i += if text[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(text.len());
            out.push(Token {
                kind: Kind::Str,
                start,
                end: i,
            });
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < text.len() && (text[i].is_ascii_alphanumeric() || text[i] == b'_') {
                i += 1;
            }
            out.push(Token {
                kind: Kind::Word,
                start,
                end: i,
            });
        } else {
            out.push(Token {
                kind: Kind::Punct(c),
                start: i,
                end: i + 1,
            });
            i += 1;
        }
    }
    out
}

/// The text of an editions file rewritten so that protox-parse reads what it declares, or
/// `None` when the file is not an editions file.
pub fn as_proto3(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let toks = tokens(bytes);
    let word = |i: usize| -> Option<&str> {
        let t = toks.get(i)?;
        (t.kind == Kind::Word).then(|| &text[t.start..t.end])
    };
    let punct = |i: usize, p: u8| toks.get(i).is_some_and(|t| t.kind == Kind::Punct(p));
    // (start, end, replacement) edits, in order.
    let mut edits: Vec<(usize, usize, String)> = Vec::new();
    let mut is_editions = false;
    let (mut depth, mut brackets) = (0usize, 0usize);
    for i in 0..toks.len() {
        match toks[i].kind {
            Kind::Punct(b'{') => depth += 1,
            Kind::Punct(b'}') => depth = depth.saturating_sub(1),
            Kind::Punct(b'[') => brackets += 1,
            Kind::Punct(b']') => brackets = brackets.saturating_sub(1),
            _ => {}
        }
        match word(i) {
            Some("edition")
                if depth == 0
                    && !is_editions
                    && punct(i + 1, b'=')
                    && toks.get(i + 2).is_some_and(|t| t.kind == Kind::Str)
                    && punct(i + 3, b';') =>
            {
                is_editions = true;
                let (start, end) = (toks[i].start, toks[i + 3].end);
                let mut statement = String::from("syntax = \"proto3\";");
                if statement.len() > end - start {
                    statement = "syntax=\"proto3\";".into();
                }
                while statement.len() < end - start {
                    statement.push(' ');
                }
                edits.push((start, end, statement));
            }
            Some("export" | "local")
                if matches!(word(i + 1), Some("message" | "enum"))
                    && word(i + 2).is_some()
                    && punct(i + 3, b'{') =>
            {
                edits.push((
                    toks[i].start,
                    toks[i].end,
                    " ".repeat(toks[i].end - toks[i].start),
                ));
            }
            Some("option") if i > 0 && word(i - 1) == Some("import") && brackets == 0 => {
                edits.push((toks[i].start, toks[i].end, " ".repeat(6)));
            }
            // Editions reserve names as identifiers; protox-parse wants strings.
            Some("reserved")
                if word(i + 1).is_some_and(|w| !w.starts_with(|c: char| c.is_ascii_digit())) =>
            {
                let mut j = i + 1;
                while j < toks.len() && !punct(j, b';') {
                    if let Some(name) =
                        word(j).filter(|w| !w.starts_with(|c: char| c.is_ascii_digit()))
                    {
                        edits.push((toks[j].start, toks[j].end, format!("\"{name}\"")));
                    }
                    j += 1;
                }
            }
            Some("default")
                if brackets > 0
                    && punct(i + 1, b'=')
                    && (punct(i.wrapping_sub(1), b'[') || punct(i.wrapping_sub(1), b',')) =>
            {
                edits.push((toks[i].start, toks[i].end, "(deflt)".into()));
            }
            _ => {}
        }
    }
    if !is_editions {
        return None;
    }
    let mut out = String::with_capacity(text.len() + 2);
    let mut at = 0;
    for (start, end, replacement) in edits {
        out.push_str(&text[at..start]);
        out.push_str(&replacement);
        at = end;
    }
    out.push_str(&text[at..]);
    Some(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editions_2024_becomes_parseable_proto3_at_the_same_offsets() {
        let text = r#"// edition = "1999"; in a comment
edition = "2024";
package p;
import option "google/protobuf/cpp_features.proto";
export message M {
  int32 a = 1 [default = 3, features.field_presence = LEGACY_REQUIRED];
  string default = 2 [json_name = "default"];
  local enum E { E_ZERO = 0; }
  reserved old_name, other;
  reserved 7, 9 to 11;
}
local message local { int32 export = 1; }
"#;
        let out = as_proto3(text).unwrap();
        assert_eq!(out.len(), text.len() + 4);
        assert!(out.starts_with("// edition = \"1999\"; in a comment\nsyntax=\"proto3\"; \n"));
        assert!(out.contains("import        \"google"));
        assert!(out.contains("       message M {"));
        assert!(out.contains("[(deflt) = 3,"));
        assert!(out.contains("string default = 2 [json_name = \"default\"]"));
        assert!(out.contains("      message local { int32 export = 1; }"));
        assert!(out.contains("reserved \"old_name\", \"other\";\n  reserved 7, 9 to 11;"));
        assert_eq!(out.find("package"), text.find("package"));
        assert!(as_proto3("syntax = \"proto3\"; message M {}").is_none());
    }

    #[test]
    fn a_tight_edition_statement_still_becomes_a_syntax_statement() {
        let out = as_proto3("edition=\"2023\";\nmessage M {}\n").unwrap();
        assert!(out.starts_with("syntax=\"proto3\";\nmessage M {}"));
    }
}
