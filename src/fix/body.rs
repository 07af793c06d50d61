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

/// Where new statements go among the lines that follow a statement (from the line start
/// `from`), so that every comment stays attached to the element protoc attached it to; and
/// whether a blank line must precede or follow them.
///
/// protoc attaches the comment block on the line after a token, when a blank line (or the
/// end of the scope) follows it and the token's own line has no comment, to that token (a
/// trailing comment); the block directly above a token to that token (leading); the blocks
/// between, to the next token (detached). New statements go after the previous token's
/// trailing block and before the next token's detached and leading ones; a blank line after
/// them keeps a detached block from becoming theirs.
pub fn insertion_point(text: &str, from: usize, prev_has_comment: bool) -> (usize, bool, bool) {
    let lines = line_kinds(text, from);
    let mut k = 0;
    let mut before_blank = false;
    if !prev_has_comment && lines.first().is_some_and(|l| l.1 == Line::Comment) {
        let end = lines
            .iter()
            .position(|l| l.1 != Line::Comment)
            .unwrap_or(lines.len());
        match lines.get(end).map(|l| l.1) {
            // The previous token's trailing comment: go past it and its blank lines.
            Some(Line::Blank) => {
                k = end;
                while lines.get(k).is_some_and(|l| l.1 == Line::Blank) {
                    k += 1;
                }
            }
            // Trailing too, ended by the scope's closing brace: a blank line keeps it so.
            Some(Line::Close) => {
                k = end;
                before_blank = true;
            }
            _ => {}
        }
    }
    let at = lines.get(k).map_or(text.len(), |l| l.0);
    // A comment block followed by a blank line, right after the new statements, would
    // become their trailing comment.
    let after_blank = lines.get(k).is_some_and(|l| l.1 == Line::Comment) && {
        let end = lines[k..]
            .iter()
            .position(|l| l.1 != Line::Comment)
            .map_or(lines.len(), |e| k + e);
        lines.get(end).is_some_and(|l| l.1 == Line::Blank)
    };
    (at, before_blank, after_blank)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Line {
    Blank,
    /// Only comment text (a line comment, or any line of a block comment).
    Comment,
    /// The line holding the next token, a closing brace.
    Close,
    /// The line holding the next token, anything else.
    Token,
}

/// From the line start `from` to the line of the next token: each line's start and kind.
fn line_kinds(text: &str, from: usize) -> Vec<(usize, Line)> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = from;
    let mut start = from;
    let mut kind = Line::Blank;
    while i < b.len() {
        let c = b[i];
        if c == b'\n' {
            out.push((start, kind));
            i += 1;
            start = i;
            kind = Line::Blank;
        } else if c.is_ascii_whitespace() {
            i += 1;
        } else if b[i..].starts_with(b"//") {
            kind = Line::Comment;
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i..].starts_with(b"/*") {
            kind = Line::Comment;
            i += 2;
            while i < b.len() && !b[i..].starts_with(b"*/") {
                if b[i] == b'\n' {
                    out.push((start, Line::Comment));
                    start = i + 1;
                }
                i += 1;
            }
            i = (i + 2).min(b.len());
        } else {
            out.push((start, if c == b'}' { Line::Close } else { Line::Token }));
            return out;
        }
    }
    out.push((start, kind));
    out
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
    fn insertion_goes_between_trailing_and_detached_comments() {
        fn at(text: &str, prev_has_comment: bool) -> (&str, bool, bool) {
            let (at, before, after) = insertion_point(text, 0, prev_has_comment);
            (&text[at..], before, after)
        }
        let text = "  // trailing\n\n  /* detached\n\n */\n\n  // leading\n  int32 x = 1;\n}";
        assert_eq!(at(text, false), (&text[15..], false, true));
        assert_eq!(at(text, true), (text, false, true));
        let text = "  // leading\n  int32 x = 1;\n}";
        assert_eq!(at(text, false), (text, false, false));
        let text = "  // trailing, then the end\n}";
        assert_eq!(at(text, false), ("}", true, false));
        assert_eq!(
            at("\n  // x\n\n  int32 a = 1;", false),
            ("\n  // x\n\n  int32 a = 1;", false, false)
        );
    }

    #[test]
    fn refuses_text_that_is_not_the_declaration() {
        let text = "message Other { }";
        assert!(read(text, 0..text.len(), "M").is_err());
        let text = "message M { } ";
        assert!(read(text, 0..text.len(), "M").is_err());
    }
}
