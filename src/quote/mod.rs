//! Quoting names the way buf does: Go's `%q` (`strconv.Quote`).
//!
//! buf writes every name in its messages with `%q`. Rust's `{:?}` differs for anything
//! beyond plain ASCII: Go keeps every printable character (letters, marks, numbers,
//! punctuation, symbols and the ASCII space, per Unicode 15.0) as it is, writes `\a \b \f
//! \n \r \t \v` for those controls, `\xNN` for other bytes below 0x80 that are not
//! printable (and for each byte of invalid UTF-8), and `\uNNNN` or `\UNNNNNNNN` for other
//! characters that are not printable (other spaces, format and private-use characters...),
//! always with lowercase hex digits.

mod tables;

use std::fmt::Write as _;

/// Whether Go's `strconv.IsPrint` holds for `c`.
fn is_print(c: char) -> bool {
    crate::columns::in_table(c, tables::PRINTABLE)
}

/// `s` quoted as Go's `%q` quotes a string.
pub fn q(s: &str) -> String {
    q_bytes(s.as_bytes())
}

/// `bytes` quoted as Go's `%q` quotes a string holding them (invalid UTF-8 included).
pub fn q_bytes(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() + 2);
    out.push('"');
    for chunk in bytes.utf8_chunks() {
        for c in chunk.valid().chars() {
            push_escaped(&mut out, c);
        }
        for b in chunk.invalid() {
            let _ = write!(out, "\\x{b:02x}");
        }
    }
    out.push('"');
    out
}

fn push_escaped(out: &mut String, c: char) {
    match c {
        '"' | '\\' => {
            out.push('\\');
            out.push(c);
        }
        _ if is_print(c) => out.push(c),
        '\u{7}' => out.push_str("\\a"),
        '\u{8}' => out.push_str("\\b"),
        '\u{c}' => out.push_str("\\f"),
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        '\u{b}' => out.push_str("\\v"),
        _ if (c as u32) < 0x20 || c == '\u{7f}' => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        _ if (c as u32) < 0x10000 => {
            let _ = write!(out, "\\u{:04x}", c as u32);
        }
        _ => {
            let _ = write!(out, "\\U{:08x}", c as u32);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// What Go's `fmt.Sprintf("%q", s)` prints for each string.
    #[test]
    fn quotes_like_go() {
        let cases: &[(&str, &str)] = &[
            ("", r#""""#),
            ("foo.v1", r#""foo.v1""#),
            ("say \"hi\"\\", r#""say \"hi\"\\""#),
            ("café", r#""café""#),
            ("日本", r#""日本""#),
            ("😀", r#""😀""#),
            ("e\u{301}", "\"e\u{301}\""),
            ("\u{7}\u{8}\u{c}\n\r\t\u{b}", r#""\a\b\f\n\r\t\v""#),
            ("\u{0}\u{1b}\u{7f}", r#""\x00\x1b\x7f""#),
            ("\u{80}\u{9f}", r#""\u0080\u009f""#),
            (
                "\u{a0}\u{ad}\u{200b}\u{2028}\u{3000}\u{feff}",
                r#""\u00a0\u00ad\u200b\u2028\u3000\ufeff""#,
            ),
            ("\u{e000}", r#""\ue000""#),
            ("\u{e0001}\u{10ffff}", r#""\U000e0001\U0010ffff""#),
            ("\u{378}", r#""\u0378""#),
            ("\u{fffd}", "\"\u{fffd}\""),
            ("a b", r#""a b""#),
        ];
        for (s, want) in cases {
            assert_eq!(q(s), *want, "{s:?}");
        }
    }

    #[test]
    fn invalid_utf8_is_escaped_byte_by_byte() {
        assert_eq!(q_bytes(b"a\xffb\xe2\x82"), r#""a\xffb\xe2\x82""#);
    }
}
