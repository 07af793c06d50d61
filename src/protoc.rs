//! Compiling editions sources (`edition = "2023"`, `"2024"`) with protoc.
//!
//! protox 0.10, which compiles every proto2/proto3 set, has no editions support, and no Rust
//! compiler of `.proto` files resolves editions features today. protoc does, so a compile set
//! whose closure (the files named and everything they import, transitively) holds an editions
//! file is handed to the protoc binary vendored by the `protoc-bin-vendored` crate (36.2,
//! editions 2023 and 2024, with the well-known types and the language feature files under its
//! `include/`). Nothing needs to be installed: it comes with `cargo build`. The environment
//! variable `PROTOGUARD_PROTOC` names another protoc to use instead.
//!
//! Sources may come from git blobs, so the side's files are written to a private temporary
//! directory (removed afterwards) that is the first import root, followed by the side's roots
//! on disk and protoc's include directory: imports resolve in the order protox resolves them.
//!
//! protoc counts columns in bytes, but advances a tab to the next multiple of 8; protox counts
//! bytes. protoc keeps the `\r` of CRLF files in comments and attaches a block comment that
//! trails an element to it, where protox (like buf) drops the `\r` and gives such a comment to
//! the next element. Every source-info span, comment and error position is converted to
//! protox's convention, so findings and errors read the same whichever compiler produced them
//! (`tests/compile_paths.rs` compares both on one tree).

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use miette::{NamedSource, SourceCode, SourceSpan};
use prost::Message as _;

use crate::compile::SourceSet;
use crate::descriptor::{FileDescriptorProto, FileDescriptorSet};
use crate::error::LoadError;

/// protoc's tab stop.
const TAB_WIDTH: i32 = 8;

/// Where protoc and its include directory are, or why they are not available.
fn protoc() -> Result<&'static (PathBuf, Option<PathBuf>), &'static str> {
    static FOUND: OnceLock<Result<(PathBuf, Option<PathBuf>), String>> = OnceLock::new();
    FOUND
        .get_or_init(|| {
            // The vendored crate asserts that its files exist; a binary copied away from the
            // cargo registry must get an error, not a panic message.
            let vendored = || {
                let hook = std::panic::take_hook();
                std::panic::set_hook(Box::new(|_| {}));
                let found = std::panic::catch_unwind(|| {
                    let bin = protoc_bin_vendored::protoc_bin_path().ok()?;
                    let include = protoc_bin_vendored::include_path().ok();
                    Some((bin, include))
                });
                std::panic::set_hook(hook);
                found.ok().flatten()
            };
            match std::env::var_os("PROTOGUARD_PROTOC") {
                Some(bin) => Ok((
                    PathBuf::from(bin),
                    vendored().and_then(|(_, include)| include),
                )),
                None => vendored().ok_or_else(|| {
                    "protoc, needed to compile editions files, is not available: the copy \
                     vendored at build time is gone; set PROTOGUARD_PROTOC to a protoc that \
                     supports editions (27 or later)"
                        .to_string()
                }),
            }
        })
        .as_ref()
        .map_err(String::as_str)
}

/// The text of a file protoc ships (well-known types, language features).
fn read_included(name: &str) -> Option<Vec<u8>> {
    let (_, include) = protoc().ok()?;
    std::fs::read(include.as_ref()?.join(name)).ok()
}

/// Whether protoc ships `name` (`google/protobuf/cpp_features.proto`, ...).
pub fn ships(name: &str) -> bool {
    protoc()
        .ok()
        .and_then(|(_, include)| include.as_ref())
        .is_some_and(|dir| dir.join(name).is_file())
}

/// The bytes of a file this side can see: its own, under one of its roots, or shipped with
/// protoc. A file on disk is read only when it is a regular file of bounded size (a named pipe
/// under `-I` would block), as the protox path reads it.
fn read_visible(set: &SourceSet, name: &str) -> Result<Option<Vec<u8>>, LoadError> {
    if let Some(f) = set.files.get(name) {
        return Ok(Some(f.text.as_bytes().to_vec()));
    }
    for root in &set.roots {
        let path = root.path.join(name);
        if path.symlink_metadata().is_err() {
            continue;
        }
        let bytes = crate::limits::read_regular(&path, crate::limits::MAX_SOURCE_BYTES).map_err(
            |reason| LoadError::Unreadable {
                path: crate::compile::display_path(&root.display, name),
                reason,
            },
        )?;
        let bom = "\u{feff}".as_bytes();
        let bytes = bytes.strip_prefix(bom).unwrap_or(&bytes).to_vec();
        // Files protoc will read from the root are bounded like the side's own.
        if let Ok(text) = std::str::from_utf8(&bytes) {
            let shown = crate::compile::display_path(&root.display, name);
            if let Some(err) = crate::compile::nesting_error(&shown, text) {
                return Err(err);
            }
        }
        return Ok(Some(bytes));
    }
    Ok(read_included(name))
}

/// The text of a file this side can see, when it can be read.
fn text_of(set: &SourceSet, name: &str) -> Option<Vec<u8>> {
    read_visible(set, name).ok().flatten()
}

/// Whether protoc compiles the side: when it holds an editions file. A side holding
/// one is compiled by protoc whatever part of it is asked for: protoc and protox do not
/// refuse exactly the same proto2/proto3 schemas (protox lets `message_set_wire_format`
/// through in proto3), so planned mode (a few files) and `--full` (all of them) must not
/// reach different compilers for the same file. Cheap for a proto2/proto3 side (one
/// substring search per file, once per side); an editions file reached only through `-I`
/// is found when protox fails on it ([`crate::compile`]).
pub fn needs_protoc(set: &SourceSet) -> bool {
    set.has_editions()
}

/// Walks the imports of `names`, reading each file once: the files of the closure, and
/// whether one is an editions file. A file of the closure that may not be read (not a regular
/// file, too large, nested beyond buf's bounds) is the error, so protoc is never handed a
/// named pipe to open.
fn closure(set: &SourceSet, names: &[String]) -> Result<(BTreeSet<String>, bool), LoadError> {
    let mut editions = false;
    let mut seen: BTreeSet<String> = BTreeSet::new();
    let mut queue: Vec<String> = names.to_vec();
    while let Some(name) = queue.pop() {
        if !seen.insert(name.clone()) {
            continue;
        }
        let header = match set.files.get(&name) {
            Some(f) => crate::plan::scan(&f.text),
            None => match read_visible(set, &name)?.map(String::from_utf8) {
                Some(Ok(text)) => crate::plan::scan(&text),
                _ => continue,
            },
        };
        editions |= header.edition.is_some();
        queue.extend(header.imports);
    }
    Ok((seen, editions))
}

/// Whether the closure of `names` (their transitive imports included) holds an editions file.
pub fn closure_has_editions(set: &SourceSet, names: &[String]) -> Result<bool, LoadError> {
    closure(set, names).map(|(_, editions)| editions)
}

/// A private directory, removed when dropped.
struct Scratch(PathBuf);

impl Scratch {
    fn new() -> std::io::Result<Scratch> {
        static SEQ: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let n = SEQ.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let dir =
            std::env::temp_dir().join(format!("protoguard-protoc-{}-{n}", std::process::id()));
        std::fs::create_dir_all(&dir)?;
        Ok(Scratch(dir))
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn internal(set: &SourceSet, reason: String) -> LoadError {
    LoadError::Compile {
        location: set.display_root.clone(),
        reason,
        source_code: None,
        span: None,
    }
}

/// Compiles `names` (files of `set`) with protoc: the decoded descriptors (imports and source
/// info included, spans in protox's convention) and protoc's encoded `FileDescriptorSet`.
pub fn compile(
    set: &SourceSet,
    names: &[String],
) -> Result<(FileDescriptorSet, Vec<u8>), LoadError> {
    let (bin, include) = protoc().map_err(|e| internal(set, e.to_string()))?;
    let io = |what: &str, e: std::io::Error| internal(set, format!("{what}: {e}"));
    let scratch = Scratch::new().map_err(|e| io("cannot create a temporary directory", e))?;
    let src = scratch.0.join("src");
    // Only the files protoc will open: the side's files in the closure of `names`.
    let (reached, _) = closure(set, names)?;
    for (name, file) in set.files.iter().filter(|(n, _)| reached.contains(*n)) {
        // protoc recurses without a bound too (a check failure on deep option values).
        if let Some(err) = crate::compile::nesting_error(&file.display, &file.text) {
            return Err(err);
        }
        let path = src.join(name);
        if let Some(parent) = path.parent() {
            std::fs::create_dir_all(parent).map_err(|e| io("cannot write a temporary file", e))?;
        }
        std::fs::write(&path, file.text.as_bytes())
            .map_err(|e| io("cannot write a temporary file", e))?;
    }
    std::fs::create_dir_all(&src).map_err(|e| io("cannot create a temporary directory", e))?;
    let out = scratch.0.join("set.binpb");
    // One argument a line in an argument file: a large tree does not hit the command-line limit.
    let mut args = vec![
        "--include_imports".to_string(),
        "--include_source_info".to_string(),
        format!("--descriptor_set_out={}", out.display()),
        "--proto_path=.".to_string(),
    ];
    for root in &set.roots {
        args.push(format!("--proto_path={}", absolute(&root.path).display()));
    }
    if let Some(include) = include {
        args.push(format!("--proto_path={}", include.display()));
    }
    args.extend(names.iter().cloned());
    let argfile = scratch.0.join("args");
    std::fs::write(&argfile, args.join("\n") + "\n")
        .map_err(|e| io("cannot write a temporary file", e))?;
    let output = std::process::Command::new(bin)
        .arg(format!("@{}", argfile.display()))
        .current_dir(&src)
        .output()
        .map_err(|e| io(&format!("cannot run protoc ({})", bin.display()), e))?;
    if !output.status.success() {
        return Err(protoc_error(&String::from_utf8_lossy(&output.stderr), set));
    }
    let bytes = std::fs::read(&out).map_err(|e| io("protoc wrote no descriptors", e))?;
    let mut decoded = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| {
        internal(
            set,
            format!("internal: cannot decode protoc's descriptors: {e}"),
        )
    })?;
    for file in &mut decoded.file {
        let name = file.name.clone().unwrap_or_default();
        if let Some(text) = text_of(set, &name) {
            to_byte_columns(file, &text);
            place_block_comments_as_protox(file, &text);
            float_defaults_as_protox(file, &text);
        }
    }
    Ok((decoded, bytes))
}

fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Byte offset of each line's start (lines end at `\n`, as both compilers count them).
fn line_starts(text: &[u8]) -> Vec<usize> {
    std::iter::once(0)
        .chain(
            text.iter()
                .enumerate()
                .filter(|(_, &b)| b == b'\n')
                .map(|(i, _)| i + 1),
        )
        .collect()
}

/// The byte column of protoc's column `col` (0-based, tabs to the next multiple of 8) in `line`.
fn byte_column(line: &[u8], col: i32) -> i32 {
    let mut visual = 0;
    for (i, &b) in line.iter().enumerate() {
        if visual >= col || b == b'\n' {
            return i as i32;
        }
        visual = if b == b'\t' {
            visual + TAB_WIDTH - visual % TAB_WIDTH
        } else {
            visual + 1
        };
    }
    // Past the end of the line (a span ending at the end of the text).
    line.len() as i32 + (col - visual).max(0)
}

/// Rewrites every source-info span of `file` from protoc's columns to byte columns, and its
/// comments' line ends as protox writes them.
fn to_byte_columns(file: &mut FileDescriptorProto, text: &[u8]) {
    let Some(info) = file.source_code_info.as_mut() else {
        return;
    };
    let starts = line_starts(text);
    let line = |n: i32| -> &[u8] {
        let Some(&start) = starts.get(n as usize) else {
            return &[];
        };
        let end = starts.get(n as usize + 1).copied().unwrap_or(text.len());
        &text[start..end]
    };
    // Most lines hold no tab: convert only those that do.
    let mut has_tab: HashMap<i32, bool> = HashMap::new();
    let mut convert = |l: i32, c: i32| -> i32 {
        let tabbed = *has_tab.entry(l).or_insert_with(|| line(l).contains(&b'\t'));
        if tabbed {
            byte_column(line(l), c)
        } else {
            c
        }
    };
    for loc in &mut info.location {
        // protoc keeps the `\r` of CRLF line ends in comments; protox does not.
        for comment in [&mut loc.leading_comments, &mut loc.trailing_comments]
            .into_iter()
            .flatten()
        {
            if comment.contains('\r') {
                *comment = comment.replace("\r\n", "\n");
            }
        }
        match loc.span.len() {
            3 => {
                let l = loc.span[0];
                loc.span[1] = convert(l, loc.span[1]);
                loc.span[2] = convert(l, loc.span[2]);
            }
            4 => {
                loc.span[1] = convert(loc.span[0], loc.span[1]);
                loc.span[3] = convert(loc.span[2], loc.span[3]);
            }
            _ => {}
        }
    }
}

/// protox (and buf) give a block comment that trails an element on its line, and is followed
/// directly by the next element, to that next element as its leading comment; protoc keeps it
/// as the first element's trailing comment. Moves such comments as protox places them.
fn place_block_comments_as_protox(file: &mut FileDescriptorProto, text: &[u8]) {
    let Some(info) = file.source_code_info.as_mut() else {
        return;
    };
    let starts = line_starts(text);
    let offset = |line: i32, col: i32| starts.get(line as usize).map(|s| s + col as usize);
    let is_space = |b: u8| matches!(b, b' ' | b'\t' | b'\r' | 0x0b | 0x0c);
    let mut moves: Vec<(usize, usize)> = Vec::new();
    for (i, loc) in info.location.iter().enumerate() {
        if loc.trailing_comments.is_none() {
            continue;
        }
        let end = match loc.span.as_slice() {
            [l, _, c] | [_, _, l, c] => offset(*l, *c),
            _ => None,
        };
        let Some(mut at) = end else { continue };
        while at < text.len() && is_space(text[at]) {
            at += 1;
        }
        if !text[at..].starts_with(b"/*") {
            continue;
        }
        let Some(close) = text[at + 2..].windows(2).position(|w| w == b"*/") else {
            continue;
        };
        at += 2 + close + 2;
        while at < text.len() && is_space(text[at]) {
            at += 1;
        }
        if text.get(at) != Some(&b'\n') {
            continue;
        }
        at += 1;
        while at < text.len() && is_space(text[at]) {
            at += 1;
        }
        // A blank line, another comment or the end of a block keep it trailing in protox too.
        let rest = &text[at..];
        if rest.is_empty()
            || rest.starts_with(b"\n")
            || rest.starts_with(b"//")
            || rest.starts_with(b"/*")
            || matches!(rest[0], b'}' | b']' | b')')
        {
            continue;
        }
        let line = starts.partition_point(|&s| s <= at) as i32 - 1;
        let col = (at - starts[line as usize]) as i32;
        // The declaration starting there: the shortest path (a field before its label or
        // type), and for a group the message over the field.
        let next = info
            .location
            .iter()
            .enumerate()
            .filter(|(_, l)| l.span.len() >= 3 && l.span[0] == line && l.span[1] == col)
            .min_by(|(_, a), (_, b)| {
                a.path
                    .len()
                    .cmp(&b.path.len())
                    .then_with(|| b.path.cmp(&a.path))
            })
            .map(|(j, _)| j);
        if let Some(j) = next {
            moves.push((i, j));
        }
    }
    for (from, to) in moves {
        let comment = info.location[from].trailing_comments.take();
        if info.location[to].leading_comments.is_none() {
            info.location[to].leading_comments = comment;
        }
    }
}

/// protoc writes a float or double default as C prints the value it stored (`1.5e-07`; for a
/// float, the value rounded to 32 bits: `3.40282347e+38`), protox as Rust prints the literal
/// read as a 64-bit float, in lower case (`0.00000015`, `340282350000000000000000000000000000000`).
/// The literal is read back from the source (the span of `default`), so a proto2 file reads the
/// same whichever compiler compiled it.
fn float_defaults_as_protox(file: &mut FileDescriptorProto, text: &[u8]) {
    use crate::descriptor::{DescriptorProto, FieldDescriptorProto};
    const DOUBLE: i32 = 1;
    const FLOAT: i32 = 2;
    let spans: HashMap<Vec<i32>, Vec<i32>> = file
        .source_code_info
        .as_ref()
        .map(|i| {
            i.location
                .iter()
                .map(|l| (l.path.clone(), l.span.clone()))
                .collect()
        })
        .unwrap_or_default();
    let starts = line_starts(text);
    let literal = |path: &[i32]| -> Option<&str> {
        let (l1, c1, l2, c2) = match spans.get(path)?.as_slice() {
            [l, a, b] => (*l, *a, *l, *b),
            [l1, a, l2, b] => (*l1, *a, *l2, *b),
            _ => return None,
        };
        let at = |l: i32, c: i32| Some(starts.get(l as usize)? + c as usize);
        std::str::from_utf8(text.get(at(l1, c1)?..at(l2, c2)?)?).ok()
    };
    let fix = |f: &mut FieldDescriptorProto, path: &[i32]| {
        if !matches!(f.r#type, Some(DOUBLE | FLOAT)) {
            return;
        }
        let Some(current) = f.default_value.as_deref() else {
            return;
        };
        let written = [path, &[7]].concat();
        let value = literal(&written)
            .and_then(parse_float_literal)
            .or_else(|| parse_float_literal(current));
        if let Some(v) = value {
            f.default_value = Some(v.to_string().to_ascii_lowercase());
        }
    };
    fn walk(
        m: &mut DescriptorProto,
        path: &mut Vec<i32>,
        fix: &dyn Fn(&mut FieldDescriptorProto, &[i32]),
    ) {
        for (list, fields) in [(2, &mut m.field), (6, &mut m.extension)] {
            for (i, f) in fields.iter_mut().enumerate() {
                path.extend([list, i as i32]);
                fix(f, path);
                path.truncate(path.len() - 2);
            }
        }
        for (i, n) in m.nested_type.iter_mut().enumerate() {
            path.extend([3, i as i32]);
            walk(n, path, fix);
            path.truncate(path.len() - 2);
        }
    }
    for (i, m) in file.message_type.iter_mut().enumerate() {
        walk(m, &mut vec![4, i as i32], &fix);
    }
    for (i, f) in file.extension.iter_mut().enumerate() {
        fix(f, &[7, i as i32]);
    }
}

/// A float literal as the protobuf language writes it (`-inf`, `nan`, `1e10`, `.5`, `0x1F`,
/// `017`), read as a 64-bit float.
fn parse_float_literal(literal: &str) -> Option<f64> {
    let compact: String = literal.chars().filter(|c| !c.is_whitespace()).collect();
    let (negative, body) = match compact.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, compact.as_str()),
    };
    let lower = body.to_ascii_lowercase();
    let v = match lower.as_str() {
        "inf" | "infinity" => f64::INFINITY,
        "nan" => f64::NAN,
        _ if lower.starts_with("0x") => u64::from_str_radix(&lower[2..], 16).ok()? as f64,
        _ if lower.len() > 1
            && lower.starts_with('0')
            && lower.bytes().all(|b| b.is_ascii_digit()) =>
        {
            u64::from_str_radix(&lower[1..], 8).ok()? as f64
        }
        _ => lower.parse::<f64>().ok()?,
    };
    Some(if negative { -v } else { v })
}

/// Turns protoc's stderr (`name:line:col: message` lines, warnings among them) into one
/// error at the first error's place, in the user's path and protox's column convention.
fn protoc_error(stderr: &str, set: &SourceSet) -> LoadError {
    let errors: Vec<&str> = stderr
        .lines()
        .map(str::trim_end)
        .filter(|l| !l.is_empty() && !l.contains(": warning: "))
        .collect();
    if let Some((name, line, col, message)) = errors.iter().find_map(|l| parse_position(l)) {
        return located(set, name, message, |text| {
            let starts = line_starts(text.as_bytes());
            let start = *starts.get(line as usize - 1)?;
            let end = starts.get(line as usize).copied().unwrap_or(text.len());
            let col = byte_column(&text.as_bytes()[start..end], col - 1) as usize;
            Some((start + col).min(text.len()))
        });
    }
    // No position anywhere (a file that is missing, an option set where it may not be, a
    // protoc failure): name the file when the line starts with one.
    let first = errors.first().copied().unwrap_or("protoc failed");
    match first.split_once(": ") {
        Some((name, message)) if name.ends_with(".proto") => {
            // "Option pb.JavaFeatures.nest_in_file_class cannot be set on ...": point at the
            // option's last name, where buf points.
            let option = message
                .strip_prefix("Option ")
                .and_then(|rest| rest.split_whitespace().next())
                .and_then(|o| o.trim_matches(|c| c == '"' || c == '`').rsplit('.').next())
                .filter(|o| !o.is_empty());
            // "Field numbers 19000 through 19999 are reserved ...": point at the first field
            // number in that range, where buf points.
            let reserved = message
                .strip_prefix("Field numbers ")
                .and_then(|rest| rest.split_once(" are reserved"))
                .and_then(|(range, _)| range.split_once(" through "))
                .and_then(|(lo, hi)| Some((lo.parse::<i64>().ok()?, hi.parse::<i64>().ok()?)));
            // Otherwise a type the message names in quotes ("Enum type \"a.E\" is not an
            // open enum, but is used in ..."): its first use in the file.
            let quoted: Vec<&str> = message.split('"').skip(1).step_by(2).collect();
            located(set, name, message, |text| match reserved {
                Some((lo, hi)) => find_number_in(text, lo, hi),
                None => option.and_then(|o| find_code(text, o)).or_else(|| {
                    quoted
                        .iter()
                        .filter_map(|q| q.rsplit('.').next())
                        .find_map(|short| find_code(text, short))
                }),
            })
        }
        _ => internal(set, format!("protoc: {}", errors.join("; "))),
    }
}

/// The error in `name` at the byte offset `offset_in` finds in its text (else the file alone),
/// with the line and column computed as the protox path computes them.
fn located(
    set: &SourceSet,
    name: &str,
    message: &str,
    offset_in: impl FnOnce(&str) -> Option<usize>,
) -> LoadError {
    let shown = set.shown(name);
    let text = text_of(set, name).and_then(|b| String::from_utf8(b).ok());
    let at = text.as_deref().and_then(offset_in);
    let (Some(text), Some(offset)) = (text, at) else {
        return LoadError::Compile {
            location: shown,
            reason: message.to_string(),
            source_code: None,
            span: None,
        };
    };
    let span = SourceSpan::from(offset..offset);
    let location = match text.read_span(&span, 0, 0) {
        Ok(c) => format!("{shown}:{}:{}", c.line() + 1, c.column() + 1),
        Err(_) => shown.clone(),
    };
    LoadError::Compile {
        location,
        reason: message.to_string(),
        source_code: Some(NamedSource::new(shown, text)),
        span: Some(span),
    }
}

/// The byte offset of the first whole-word `word` outside `//` comments.
fn find_code(text: &str, word: &str) -> Option<usize> {
    let is_ident = |b: u8| b.is_ascii_alphanumeric() || b == b'_';
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let mut from = 0;
        while let Some(i) = code[from..].find(word) {
            let (a, b) = (from + i, from + i + word.len());
            let bytes = code.as_bytes();
            if (a == 0 || !is_ident(bytes[a - 1])) && (b >= bytes.len() || !is_ident(bytes[b])) {
                return Some(offset + a);
            }
            from = b;
        }
        offset += line.len();
    }
    None
}

/// The byte offset of the first `= N` outside `//` comments whose N lies in `lo..=hi` (a
/// field number).
fn find_number_in(text: &str, lo: i64, hi: i64) -> Option<usize> {
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        for (i, _) in code.match_indices('=') {
            let rest = &code[i + 1..];
            let digits = rest.trim_start();
            let start = i + 1 + (rest.len() - digits.len());
            let len = digits.bytes().take_while(u8::is_ascii_digit).count();
            if let Ok(n) = digits[..len].parse::<i64>() {
                if (lo..=hi).contains(&n) {
                    return Some(offset + start);
                }
            }
        }
        offset += line.len();
    }
    None
}

/// `name:line:col: message`, with 1-based line and column.
fn parse_position(line: &str) -> Option<(&str, i32, i32, &str)> {
    let (head, message) = line.split_once(": ")?;
    let mut parts = head.rsplitn(3, ':');
    let col: i32 = parts.next()?.parse().ok()?;
    let row: i32 = parts.next()?.parse().ok()?;
    let name = parts.next()?;
    (row >= 1 && col >= 1).then_some((name, row, col, message))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tabs_advance_to_multiples_of_eight() {
        let line = b"\tint32\tx = 1;\n";
        assert_eq!(byte_column(line, 0), 0);
        assert_eq!(byte_column(line, 8), 1);
        assert_eq!(byte_column(line, 13), 6);
        assert_eq!(byte_column(line, 16), 7);
        assert_eq!(byte_column(line, 17), 8);
        // Non-ASCII bytes count one column each, in both compilers.
        assert_eq!(byte_column("é\tx".as_bytes(), 8), 3);
    }

    #[test]
    fn positions_of_protoc_messages() {
        assert_eq!(
            parse_position("a/b.proto:4:35: Option \"foo\" unknown."),
            Some(("a/b.proto", 4, 35, "Option \"foo\" unknown."))
        );
        assert_eq!(parse_position("zz.proto: File not found."), None);
    }

    #[test]
    fn float_literals() {
        assert_eq!(parse_float_literal("-inf"), Some(f64::NEG_INFINITY));
        assert!(parse_float_literal("nan").unwrap().is_nan());
        assert_eq!(parse_float_literal(".25"), Some(0.25));
        assert_eq!(parse_float_literal("1.5e-7"), Some(1.5e-7));
        assert_eq!(parse_float_literal("0x10"), Some(16.0));
        assert_eq!(parse_float_literal("- 012"), Some(-10.0));
        assert_eq!(parse_float_literal("x"), None);
    }
}
