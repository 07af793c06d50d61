//! Bounds on what an input controls: how much is read, from what kind of file, and how
//! deeply option values nest.
//!
//! Every file the user names (a buf.yaml, an image, a `.proto` under an import root) is
//! read only if it is a regular file (a FIFO would block forever, `/dev/zero` would fill
//! the memory), and only up to a size cap, with a message that says which cap.
//!
//! Option values (`option (o) = { r: { r: ... } }`) are parsed by a recursive text-format
//! parser inside the compiler, with no bound of its own: a deep enough value overflows the
//! stack. buf refuses values nested more than 100 levels ("expression nesting depth must be
//! at most 100", pointing at the opening `{`, `[` or `<` of level 101); [`expression_depth`]
//! finds that place before the text reaches the compiler. Deep message nesting is bounded
//! by the parser itself (31 levels, as protoc), and image decoding by prost's recursion
//! limit.

use std::io::Read as _;
use std::path::Path;

/// buf's bound on the nesting of a value expression (`{`, `[` and `<` levels).
pub const MAX_EXPRESSION_DEPTH: usize = 100;

/// The largest buf.yaml / protoguard.yaml read.
pub const MAX_CONFIG_BYTES: u64 = 1 << 20;
/// The largest `.proto` source read.
pub const MAX_SOURCE_BYTES: u64 = 64 << 20;
/// The largest image read.
pub const MAX_IMAGE_BYTES: u64 = 1 << 30;

/// Reads a regular file of at most `cap` bytes; the error is a reason, for the caller to
/// put after the path.
pub fn read_regular(path: &Path, cap: u64) -> Result<Vec<u8>, String> {
    let meta = std::fs::metadata(path).map_err(|e| e.to_string())?;
    if !meta.is_file() {
        return Err(format!("not a regular file ({})", kind_of(&meta)));
    }
    if meta.len() > cap {
        return Err(too_large(meta.len(), cap));
    }
    let file = std::fs::File::open(path).map_err(|e| e.to_string())?;
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    // The file may grow between the check and the read: never read past the cap.
    file.take(cap + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| e.to_string())?;
    if bytes.len() as u64 > cap {
        return Err(too_large(bytes.len() as u64, cap));
    }
    Ok(bytes)
}

fn too_large(len: u64, cap: u64) -> String {
    format!("too large ({} bytes; the limit is {} MiB)", len, cap >> 20)
}

/// A path for a message: bytes that are not UTF-8 and control characters escaped, so a
/// file name cannot forge lines of output.
pub fn shown_path(path: &Path) -> String {
    use std::os::unix::ffi::OsStrExt as _;
    escape_bytes(path.as_os_str().as_bytes())
}

/// Text with control characters and invalid UTF-8 escaped (`\n`, `\x1b`, `\xff`).
pub fn escape_bytes(bytes: &[u8]) -> String {
    let mut out = String::new();
    for chunk in bytes.utf8_chunks() {
        out.push_str(&escape_controls(chunk.valid()));
        for b in chunk.invalid() {
            out.push_str(&format!("\\x{b:02x}"));
        }
    }
    out
}

/// Text with control characters escaped, so it stays on its line.
pub fn escape_controls(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// The longest run of non-space characters an error message echoes whole.
pub const MAX_ECHO_CHARS: usize = 200;

/// A message with every overlong word (a 200 KB identifier, a pasted blob) cut to its
/// first and last characters and the count of what was left out; the tail is kept because
/// a location ends in `:line:col:`.
pub fn shorten_echoes(message: &str) -> String {
    let mut out = String::with_capacity(message.len().min(4096));
    let mut word = String::new();
    let flush = |word: &mut String, out: &mut String| {
        let n = word.chars().count();
        if n > MAX_ECHO_CHARS {
            let head: String = word.chars().take(60).collect();
            let tail: String = word.chars().skip(n - 30).collect();
            out.push_str(&format!("{head}…[{} characters]…{tail}", n - 90));
        } else {
            out.push_str(word);
        }
        word.clear();
    };
    for c in message.chars() {
        if c.is_whitespace() {
            flush(&mut word, &mut out);
            out.push(c);
        } else {
            word.push(c);
        }
    }
    flush(&mut word, &mut out);
    out
}

/// What a file that is not a regular file is, in words.
pub fn kind_of(meta: &std::fs::Metadata) -> &'static str {
    use std::os::unix::fs::FileTypeExt as _;
    let t = meta.file_type();
    if t.is_dir() {
        "a directory"
    } else if t.is_fifo() {
        "a named pipe"
    } else if t.is_char_device() {
        "a character device"
    } else if t.is_block_device() {
        "a block device"
    } else if t.is_socket() {
        "a socket"
    } else {
        "not a file"
    }
}

/// The stack of a compiling thread: option values buf accepts (100 levels) recurse through
/// the compiler's text-format parser, whose frames are large in debug builds. Only touched
/// pages are ever committed.
pub const COMPILE_STACK_BYTES: usize = 256 << 20;

/// Runs `a` and `b` at once, each on a thread with a [`COMPILE_STACK_BYTES`] stack.
pub fn both<A: Send, B: Send>(
    a: impl FnOnce() -> A + Send,
    b: impl FnOnce() -> B + Send,
) -> (A, B) {
    std::thread::scope(|s| {
        let builder = || std::thread::Builder::new().stack_size(COMPILE_STACK_BYTES);
        let a = builder().spawn_scoped(s, a).expect("spawn compile thread");
        let b = builder().spawn_scoped(s, b).expect("spawn compile thread");
        (
            a.join().expect("compile thread panicked"),
            b.join().expect("compile thread panicked"),
        )
    })
}

/// Runs `f` on a thread with a [`COMPILE_STACK_BYTES`] stack.
pub fn on_compile_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    both(f, || ()).0
}

/// The byte offset of the first `{`, `[` or `<` that opens level
/// [`MAX_EXPRESSION_DEPTH`]` + 1` of an option value in a `.proto` text, if any.
///
/// A value expression starts at an opening bracket right after `=` (declaration bodies
/// never follow `=`: `message M {`, `rpc ... returns (R) {`, `group G = 1 {`); inside it,
/// every `{`, `[`, `<` opens a level and `}`, `]`, `>` closes one.
pub fn expression_depth(text: &str) -> Option<usize> {
    let mut tokens = crate::plan::Tokens::new(text);
    let mut previous_was_equals = false;
    let mut depth = 0usize;
    while let Some(token) = tokens.next() {
        let start = tokens.start();
        let punct = match token {
            crate::plan::Token::Punct(c) => Some(c),
            _ => None,
        };
        match punct {
            Some('{' | '[' | '<') if depth > 0 || previous_was_equals => {
                depth += 1;
                if depth > MAX_EXPRESSION_DEPTH {
                    return Some(start);
                }
            }
            Some('}' | ']' | '>') if depth > 0 => depth -= 1,
            _ => {}
        }
        previous_was_equals = punct == Some('=');
    }
    None
}

/// 1-based line and byte column of a byte offset, as buf counts them.
pub fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let before = &text.as_bytes()[..offset.min(text.len())];
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = before.len()
        - before
            .iter()
            .rposition(|&b| b == b'\n')
            .map_or(0, |i| i + 1)
        + 1;
    (line, col)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(prefix: &str, open: &str, close: &str, n: usize) -> String {
        format!("{prefix}{}{{}}{};", open.repeat(n), close.repeat(n))
    }

    #[test]
    fn a_hundred_levels_pass_and_the_next_is_located() {
        let ok = nested("message M { option (o) = ", "{ r: ", " }", 99);
        assert_eq!(expression_depth(&ok), None);
        let deep = nested("message M { option (o) = ", "{ r: ", " }", 100);
        // The opening brace of level 101: after the 25-byte prefix and 100 five-byte levels.
        assert_eq!(expression_depth(&deep), Some(25 + 500));
    }

    #[test]
    fn lists_and_angle_brackets_count_declaration_bodies_do_not() {
        let lists = nested("option (o) = ", "{ l: [", "] }", 51);
        assert_eq!(expression_depth(&lists), Some(13 + 50 * 6));
        let angles = nested("option (o) = {r: ", "< r: ", " >", 100);
        assert_eq!(expression_depth(&angles), Some(17 + 99 * 5));
        let bodies = "message A { ".repeat(200);
        assert_eq!(expression_depth(&bodies), None);
        // Brackets in strings and comments are not syntax.
        let quoted = format!(
            "option (o) = {{ s: \"{}\" }}; // {}",
            "{".repeat(300),
            "{".repeat(300)
        );
        assert_eq!(expression_depth(&quoted), None);
    }
}
