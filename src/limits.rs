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
//! at most 100", pointing at the opening `{`, `[` or `<` of level 101) and messages nested
//! more than 31 levels ("message nesting depth must be less than 32", at the name of the
//! 32nd); [`nesting`] finds either place before the text reaches the compiler. Image
//! decoding is bounded by prost's recursion limit (100 levels).

use std::io::Read as _;
use std::path::Path;
use std::sync::Arc;

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
        // A worker's panic is resumed here with its own message (crate::threads).
        (crate::threads::join(a), crate::threads::join(b))
    })
}

/// Runs `f` on a thread with a [`COMPILE_STACK_BYTES`] stack.
pub fn on_compile_stack<T: Send>(f: impl FnOnce() -> T + Send) -> T {
    both(f, || ()).0
}

/// buf's bound on how deeply messages (and groups) nest: the 32nd level is refused.
pub const MAX_MESSAGE_DEPTH: usize = 31;

/// buf's words for a value nested too deeply.
pub const EXPRESSION_DEPTH_REASON: &str = "expression nesting depth must be at most 100";
/// buf's words for messages nested too deeply.
pub const MESSAGE_DEPTH_REASON: &str = "message nesting depth must be less than 32";

/// Where a `.proto` text first nests deeper than buf allows, and buf's words for it:
/// an option value level [`MAX_EXPRESSION_DEPTH`]` + 1` (at its opening bracket), or a
/// message or group declared at level [`MAX_MESSAGE_DEPTH`]` + 1` (at its name).
///
/// A value expression starts at an opening bracket right after `=` (declaration bodies
/// never follow `=`: `message M {`, `rpc ... returns (R) {`, `group G = 1 {`); inside it,
/// every `{`, `[`, `<` opens a level and `}`, `]`, `>` closes one.
pub fn nesting(text: &str) -> Option<(usize, &'static str)> {
    let mut tokens = crate::lexer::Tokens::new(text);
    let mut previous_was_equals = false;
    let mut expression = 0usize;
    // Declaration blocks: whether each open `{` is a message (or group) body.
    let mut blocks: Vec<bool> = Vec::new();
    let mut messages = 0usize;
    // After `message` or `group`: the offset of the name, once it is seen.
    let mut keyword = false;
    let mut pending_name: Option<usize> = None;
    while let Some(token) = tokens.next() {
        let start = tokens.start();
        let punct = match token {
            crate::lexer::Token::Punct(c) => Some(c),
            _ => None,
        };
        if expression > 0 || (previous_was_equals && matches!(punct, Some('{' | '[' | '<'))) {
            match punct {
                Some('{' | '[' | '<') => {
                    expression += 1;
                    if expression > MAX_EXPRESSION_DEPTH {
                        return Some((start, EXPRESSION_DEPTH_REASON));
                    }
                }
                Some('}' | ']' | '>') => expression -= 1,
                _ => {}
            }
            previous_was_equals = false;
            continue;
        }
        previous_was_equals = punct == Some('=');
        match token {
            crate::lexer::Token::Word(w) => {
                if keyword && pending_name.is_none() {
                    pending_name = Some(start);
                    keyword = false;
                } else {
                    keyword = matches!(w, "message" | "group");
                }
            }
            crate::lexer::Token::Punct('{') => {
                let is_message = pending_name.is_some();
                blocks.push(is_message);
                if is_message {
                    messages += 1;
                    if messages > MAX_MESSAGE_DEPTH {
                        return pending_name.map(|at| (at, MESSAGE_DEPTH_REASON));
                    }
                }
                (keyword, pending_name) = (false, None);
            }
            crate::lexer::Token::Punct('}') => {
                if blocks.pop() == Some(true) {
                    messages -= 1;
                }
                (keyword, pending_name) = (false, None);
            }
            crate::lexer::Token::Punct(';') => (keyword, pending_name) = (false, None),
            // `message.Type` is a type name, not a declaration.
            _ if pending_name.is_none() => keyword = false,
            _ => {}
        }
    }
    None
}

/// A file's text as compilers read it: a leading UTF-8 byte-order mark, which buf and protoc
/// accept, is dropped (it takes no column).
pub fn source_text(text: String) -> Arc<str> {
    match text.strip_prefix('\u{feff}') {
        Some(rest) => rest.into(),
        None => text.into(),
    }
}

/// `root/name` the way a user typed the root (`.` and an empty root print the bare name).
pub fn display_path(display_root: &str, name: &str) -> String {
    let root = display_root.trim_end_matches('/');
    if root.is_empty() || root == "." {
        name.to_string()
    } else {
        format!("{root}/{name}")
    }
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
        assert_eq!(nesting(&ok), None);
        let deep = nested("message M { option (o) = ", "{ r: ", " }", 100);
        // The opening brace of level 101: after the 25-byte prefix and 100 five-byte levels.
        assert_eq!(nesting(&deep), Some((25 + 500, EXPRESSION_DEPTH_REASON)));
    }

    #[test]
    fn the_32nd_message_level_is_located_at_its_name() {
        let levels = |n: usize| {
            let mut s = String::new();
            for i in 0..n {
                s.push_str(&format!("message A{i} {{ "));
            }
            s + &"}".repeat(n)
        };
        assert_eq!(nesting(&levels(31)), None);
        let deep = levels(32);
        let at = deep.find("A31").unwrap();
        assert_eq!(nesting(&deep), Some((at, MESSAGE_DEPTH_REASON)));
        // Groups are messages; enums, oneofs and fields named `message` are not.
        let mixed = format!(
            "{} oneof o {{ group G = 1 {{ enum E {{ X = 0; }} string message = 1; }} }} {}",
            "message M { ".repeat(31),
            "}".repeat(31)
        );
        assert_eq!(
            nesting(&mixed),
            Some((mixed.find("G =").unwrap(), MESSAGE_DEPTH_REASON))
        );
        let shallow = mixed.replacen("message M { ", "", 1).replacen('}', "", 1);
        assert_eq!(nesting(&shallow), None);
    }

    #[test]
    fn lists_and_angle_brackets_count_declaration_bodies_do_not() {
        let lists = nested("option (o) = ", "{ l: [", "] }", 51);
        assert_eq!(
            nesting(&lists),
            Some((13 + 50 * 6, EXPRESSION_DEPTH_REASON))
        );
        let angles = nested("option (o) = {r: ", "< r: ", " >", 100);
        assert_eq!(
            nesting(&angles),
            Some((17 + 99 * 5, EXPRESSION_DEPTH_REASON))
        );
        let bodies = "service S { rpc R(A) returns (B) { option (x) = 1; } } ".repeat(200);
        assert_eq!(nesting(&bodies), None);
        // Brackets in strings and comments are not syntax.
        let quoted = format!(
            "option (o) = {{ s: \"{}\" }}; // {}",
            "{".repeat(300),
            "{".repeat(300)
        );
        assert_eq!(nesting(&quoted), None);
    }
}
