//! A lazy tokenizer of `.proto` text: words, string literals and punctuation, with
//! whitespace and comments skipped. Not a parser: planning ([`crate::plan`]) reads headers
//! and the size guard ([`crate::limits`]) measures nesting with it before any compiler runs,
//! so it sits below both.

#[derive(Debug, PartialEq)]
pub(crate) enum Token<'a> {
    Word(&'a str),
    /// A string literal's raw contents (escapes kept; import paths have none).
    Str(&'a str),
    Punct(char),
}

/// A lazy tokenizer that skips whitespace and comments.
pub(crate) struct Tokens<'a> {
    text: &'a str,
    at: usize,
    /// Where the last token returned starts.
    start: usize,
}

impl<'a> Tokens<'a> {
    pub(crate) fn new(text: &'a str) -> Tokens<'a> {
        Tokens {
            text,
            at: 0,
            start: 0,
        }
    }

    /// The byte offset of the last token returned.
    pub(crate) fn start(&self) -> usize {
        self.start
    }
}

impl<'a> Iterator for Tokens<'a> {
    type Item = Token<'a>;

    fn next(&mut self) -> Option<Token<'a>> {
        let b = self.text.as_bytes();
        let mut i = self.at;
        loop {
            while i < b.len() && b[i].is_ascii_whitespace() {
                i += 1;
            }
            // Comments are most of the text of a documented schema: skipped with the
            // standard library's vectorised searches rather than byte by byte.
            if i + 1 < b.len() && b[i] == b'/' && b[i + 1] == b'/' {
                i = self.text[i..].find('\n').map_or(b.len(), |n| i + n);
            } else if i + 1 < b.len() && b[i] == b'/' && b[i + 1] == b'*' {
                i = self.text[i + 2..]
                    .find("*/")
                    .map_or(b.len(), |n| i + 2 + n + 2);
            } else {
                break;
            }
        }
        if i >= b.len() {
            self.at = i;
            return None;
        }
        let c = b[i];
        self.start = i;
        let token = if c == b'"' || c == b'\'' {
            let start = i + 1;
            i += 1;
            while i < b.len() && b[i] != c && b[i] != b'\n' {
                if b[i] == b'\\' {
                    i += 1;
                }
                i += 1;
            }
            let end = i.min(b.len());
            i = (i + 1).min(b.len());
            Token::Str(self.text.get(start..end).unwrap_or(""))
        } else if c.is_ascii_alphanumeric() || c == b'_' {
            let start = i;
            while i < b.len() && (b[i].is_ascii_alphanumeric() || b[i] == b'_') {
                i += 1;
            }
            Token::Word(&self.text[start..i])
        } else {
            let ch = self.text[i..].chars().next().unwrap_or('?');
            i += ch.len_utf8();
            Token::Punct(ch)
        };
        self.at = i;
        Some(token)
    }
}
