//! The shape of one message or enum declaration in its source text: where its body opens
//! and closes, and where its `reserved` statements are, found by a small lexer that skips
//! comments and strings.
//!
//! `fix` edits the user's file by byte offsets; the compiler's span says where the
//! declaration is, and this module finds the places inside it that spans do not give (the
//! braces, a statement's `;`). The text was compiled a moment ago, so it is well formed; a
//! declaration that does not read as expected (its name missing before the brace, a span
//! that does not end at the closing brace) is refused, never guessed at.

use std::ops::Range;

/// What a `reserved` statement holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ReservedKind {
    /// `reserved 2, 9 to 11;`
    Numbers,
    /// `reserved "foo";` (proto2, proto3) or `reserved foo;` (editions).
    Names,
}

/// One `reserved` statement directly in the body.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Reserved {
    pub kind: ReservedKind,
    /// From the `reserved` keyword to the `;`, inclusive.
    pub range: Range<usize>,
}

/// The body of a message or enum declaration, as byte offsets into the file's text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Body {
    /// Offset of the `{` that opens the body.
    pub open: usize,
    /// Offset of the `}` that closes it.
    pub close: usize,
    /// The `reserved` statements directly in the body, in order.
    pub reserved: Vec<Reserved>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Tok {
    Ident,
    Number,
    Str,
    Punct(u8),
}

/// The tokens of `text[range]`, comments and whitespace skipped, with their byte ranges.
fn tokens(text: &str, range: Range<usize>) -> Vec<(Tok, Range<usize>)> {
    let b = text.as_bytes();
    let end = range.end.min(b.len());
    let mut i = range.start;
    let mut out = Vec::new();
    while i < end {
        let c = b[i];
        if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            while i < end && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            i += 2;
            while i < end && !b[i..].starts_with(b"*/") {
                i += 1;
            }
            i = (i + 2).min(end);
        } else if c == b'"' || c == b'\'' {
            let start = i;
            i += 1;
            while i < end && b[i] != c && b[i] != b'\n' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i = (i + 1).min(end);
            out.push((Tok::Str, start..i));
        } else if c.is_ascii_alphabetic() || c == b'_' {
            let start = i;
            while i < end && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            out.push((Tok::Ident, start..i));
        } else if c.is_ascii_digit() || (c == b'.' && b.get(i + 1).is_some_and(u8::is_ascii_digit))
        {
            let start = i;
            // Numbers run on through letters, dots and exponent signs (`0x1F`, `1.5e-3`).
            while i < end
                && (b[i].is_ascii_alphanumeric()
                    || b[i] == b'.'
                    || ((b[i] == b'-' || b[i] == b'+') && matches!(b[i - 1], b'e' | b'E')))
            {
                i += 1;
            }
            out.push((Tok::Number, start..i));
        } else {
            // Multi-byte characters only occur in strings and comments of a compiled file;
            // anything else is a single punctuation byte.
            let len = text[i..].chars().next().map_or(1, char::len_utf8);
            out.push((Tok::Punct(c), i..i + len));
            i += len;
        }
    }
    out
}

/// Reads the declaration of `name` at `span` (the compiler's span of the message, group
/// or enum, which ends at its closing brace).
pub fn read(text: &str, span: Range<usize>, name: &str) -> Result<Body, String> {
    let toks = tokens(text, span.clone());
    // The header: `message Name {`, `enum Name {`, or a group field `optional group Name =
    // 1 [opts] {`. The body opens at the first brace outside brackets.
    let mut brackets = 0usize;
    let mut open_at = None;
    for (k, (t, r)) in toks.iter().enumerate() {
        match t {
            Tok::Punct(b'[') => brackets += 1,
            Tok::Punct(b']') => brackets = brackets.saturating_sub(1),
            Tok::Punct(b'{') if brackets == 0 => {
                open_at = Some((k, r.start));
                break;
            }
            _ => {}
        }
    }
    let Some((open_tok, open)) = open_at else {
        return Err(format!(
            "no body brace found for `{name}` where the compiler put it"
        ));
    };
    let named = toks[..open_tok]
        .iter()
        .any(|(t, r)| *t == Tok::Ident && &text[r.clone()] == name);
    if !named {
        return Err(format!(
            "the text at the compiler's span does not declare `{name}`"
        ));
    }
    let mut depth = 1usize;
    let mut close = None;
    let mut reserved = Vec::new();
    let mut current: Option<(ReservedKind, usize)> = None;
    let mut previous = Tok::Punct(b'{');
    let mut k = open_tok + 1;
    while k < toks.len() {
        let (t, r) = (toks[k].0, toks[k].1.clone());
        match t {
            Tok::Punct(b'{') => depth += 1,
            Tok::Punct(b'}') => {
                depth -= 1;
                if depth == 0 {
                    close = Some(r.start);
                    break;
                }
            }
            Tok::Punct(b';') if depth == 1 => {
                if let Some((kind, start)) = current.take() {
                    reserved.push(Reserved {
                        kind,
                        range: start..r.end,
                    });
                }
            }
            Tok::Ident
                if depth == 1
                    && &text[r.clone()] == "reserved"
                    && matches!(previous, Tok::Punct(b'{' | b';' | b'}')) =>
            {
                let kind = match toks.get(k + 1).map(|x| x.0) {
                    Some(Tok::Number | Tok::Punct(b'-')) => ReservedKind::Numbers,
                    Some(Tok::Str | Tok::Ident) => ReservedKind::Names,
                    _ => return Err(format!("cannot read a `reserved` statement of `{name}`")),
                };
                current = Some((kind, r.start));
            }
            _ => {}
        }
        previous = t;
        k += 1;
    }
    let Some(close) = close else {
        return Err(format!(
            "the body of `{name}` does not close where the compiler's span ends"
        ));
    };
    // The span ends just after the closing brace; anything else means the text is not what
    // was compiled.
    if close + 1 != span.end {
        return Err(format!(
            "the body of `{name}` does not close where the compiler's span ends"
        ));
    }
    Ok(Body {
        open,
        close,
        reserved,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(text: &str, name: &str) -> Body {
        read(text, 0..text.len(), name).unwrap()
    }

    #[test]
    fn finds_braces_and_reserved_statements_past_comments_and_nesting() {
        let text = "message M { // {\n  /* } reserved 9; */ reserved 2, 4 to 5;\n  message N { reserved 7; }\n  option (o) = { a: \"}\" };\n  reserved \"x\", 'y'; }";
        let b = body(text, "M");
        assert_eq!(&text[b.open..b.open + 1], "{");
        assert_eq!(b.close, text.len() - 1);
        let got: Vec<(ReservedKind, &str)> = b
            .reserved
            .iter()
            .map(|r| (r.kind, &text[r.range.clone()]))
            .collect();
        assert_eq!(
            got,
            vec![
                (ReservedKind::Numbers, "reserved 2, 4 to 5;"),
                (ReservedKind::Names, "reserved \"x\", 'y';"),
            ]
        );
    }

    #[test]
    fn reads_groups_editions_names_and_negative_numbers() {
        let text = "optional group G = 3 [deprecated = true] { reserved -1; reserved foo; }";
        let b = body(text, "G");
        let kinds: Vec<ReservedKind> = b.reserved.iter().map(|r| r.kind).collect();
        assert_eq!(kinds, vec![ReservedKind::Numbers, ReservedKind::Names]);
    }

    #[test]
    fn refuses_text_that_is_not_the_declaration() {
        let text = "message Other { }";
        assert!(read(text, 0..text.len(), "M").is_err());
        let text = "message M { } ";
        assert!(read(text, 0..text.len(), "M").is_err());
    }
}
