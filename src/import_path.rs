//! What buf says about an import path it refuses.
//!
//! protox rejects an import path with `.` or `..` components, repeated separators,
//! backslashes or a leading `/`, under a misleading message ("invalid group name"). buf 1.75
//! names the problem, at the string literal: a path starting with `../` "must not refer to
//! parent directory", a leading `/` "must be relative", a `\` "cannot use `\` as a path
//! separator", anything else "must not contain `.`, `..`, or repeated separators". A path
//! that, once cleaned, climbs out of the import root is reported first, at the `import`
//! statement, as a file that cannot be opened.

/// Where buf reports an import path problem.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The string literal naming the file.
    Literal,
    /// The `import` statement.
    Statement,
}

/// buf's first message about the import path `value` (the literal's decoded value), or
/// `None` when buf accepts it.
pub fn problem(value: &str) -> Option<(String, At)> {
    let slashed = value.replace('\\', "/");
    let cleaned = clean(&slashed);
    let first = value.split('/').next().unwrap_or("");
    if first == ".." && value.len() > 2 {
        return Some((
            "import path must not refer to parent directory".into(),
            At::Literal,
        ));
    }
    if !value.starts_with('/') && (cleaned == ".." || cleaned.starts_with("../")) {
        return Some((
            format!("could not open imported file: {cleaned}: is outside the context directory"),
            At::Statement,
        ));
    }
    if value.starts_with('/') {
        return Some(("import path must be relative".into(), At::Literal));
    }
    if value.contains('\\') {
        return Some((
            "import path cannot use `\\` as a path separator".into(),
            At::Literal,
        ));
    }
    if cleaned != value {
        return Some((
            "import path must not contain `.`, `..`, or repeated separators".into(),
            At::Literal,
        ));
    }
    None
}

/// Go's `path.Clean`: the shortest equivalent path (no `.`, no `x/..`, no repeated or
/// trailing separators; `.` when nothing is left).
fn clean(path: &str) -> String {
    let rooted = path.starts_with('/');
    let mut parts: Vec<&str> = Vec::new();
    for part in path.split('/') {
        match part {
            "" | "." => {}
            ".." => match parts.last() {
                Some(&last) if last != ".." => {
                    parts.pop();
                }
                _ if rooted => {}
                _ => parts.push(".."),
            },
            _ => parts.push(part),
        }
    }
    let joined = parts.join("/");
    match (rooted, joined.is_empty()) {
        (true, _) => format!("/{joined}"),
        (false, true) => ".".into(),
        (false, false) => joined,
    }
}

/// The decoded value of a string literal as written in the source (`"a\\b"` is `a\b`).
pub fn literal_value(literal: &str) -> String {
    let inner = literal
        .strip_prefix(['"', '\''])
        .and_then(|s| s.strip_suffix(['"', '\'']))
        .unwrap_or(literal);
    let mut out = String::with_capacity(inner.len());
    let mut chars = inner.chars();
    while let Some(c) = chars.next() {
        if c == '\\' {
            if let Some(next) = chars.next() {
                out.push(next);
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// buf 1.75's first message for each import path (measured).
    #[test]
    fn messages_match_buf() {
        let parent = "import path must not refer to parent directory";
        let relative = "import path must be relative";
        let backslash = "import path cannot use `\\` as a path separator";
        let unclean = "import path must not contain `.`, `..`, or repeated separators";
        let outside = |p: &str| {
            format!("could not open imported file: {p}: is outside the context directory")
        };
        let cases: Vec<(&str, String, At)> = vec![
            ("../x.proto", parent.into(), At::Literal),
            ("../sub/y.proto", parent.into(), At::Literal),
            ("..", outside(".."), At::Statement),
            ("sub/../../x.proto", outside("../x.proto"), At::Statement),
            ("./../x.proto", outside("../x.proto"), At::Statement),
            ("..\\x.proto", outside("../x.proto"), At::Statement),
            ("/x.proto", relative.into(), At::Literal),
            ("/a/../x", relative.into(), At::Literal),
            ("a\\b.proto", backslash.into(), At::Literal),
            ("./x.proto", unclean.into(), At::Literal),
            ("sub/../x.proto", unclean.into(), At::Literal),
            ("sub//y.proto", unclean.into(), At::Literal),
            ("a/.", unclean.into(), At::Literal),
            ("x.proto/", unclean.into(), At::Literal),
        ];
        for (path, message, at) in cases {
            assert_eq!(problem(path), Some((message, at)), "{path}");
        }
        assert_eq!(problem("a/b.proto"), None);
    }

    #[test]
    fn literals_are_decoded() {
        assert_eq!(literal_value("\"..\\\\x.proto\""), "..\\x.proto");
        assert_eq!(literal_value("'a/b.proto'"), "a/b.proto");
    }
}
