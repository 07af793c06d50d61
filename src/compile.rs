//! Compiling `.proto` sources into descriptors with source info: with protox, or, when the
//! files compiled reach an editions file, with protoc ([`crate::protoc`]).
//!
//! Why one file of 800 lines: it is the one place that talks to protox and the protoc
//! route, with the bounds (nesting, package names) every parse must respect; split, a parse
//! path could skip a bound (the parse-ahead and the resolver share them here). How errors
//! are shown is [`crate::compile_errors`]'s; where options' locations go when the compiler
//! is spared them, [`crate::option_locations`]'s.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{NamedSource, SourceSpan};
use prost::Message as _;
use protox::file::{ChainFileResolver, FileResolver, GoogleFileResolver};

use crate::compile_errors::compile_error;
pub use crate::compile_errors::not_utf8;
use crate::descriptor::{FileDescriptorProto, FileDescriptorSet};
use crate::error::LoadError;
use crate::option_locations::KeptSourceInfo;
pub use crate::shared_parses::SharedParses;
// Reading a source's text is below compiling it (git sources read it too).
pub use crate::limits::{display_path, source_text};

/// One compiled file, as the index takes it ([`crate::index::Index::build`]).
pub struct InputFile {
    pub proto: FileDescriptorProto,
    /// The path as shown to the user (`new/foo.proto` for a directory given as `new`).
    pub display: String,
    /// The buf module the file belongs to (its import root relative to the workspace).
    pub module_root: String,
    /// The git blob id of the file's content: equal ids on both sides mean identical
    /// files, known before anything is compiled.
    pub content_id: Option<git2::Oid>,
    pub is_import: bool,
    /// Same on both sides with no changed import: compared with nothing (see `plan`).
    pub unchanged: bool,
    /// The text the file was compiled from (`None` for an image).
    pub text: Option<Arc<str>>,
    /// For a file left uncompiled (a stub with only its name and package): which kinds of
    /// element its text declares.
    pub stub_declares: Option<crate::plan::Declares>,
}

/// An import root: where it is, and how the user spelled it (the prefix of displayed paths).
#[derive(Clone, Debug)]
pub struct Root {
    pub path: PathBuf,
    pub display: String,
    /// The buf module this root is, relative to the workspace (`.` for a plain directory).
    pub module: String,
}

/// One `.proto` file of a side, read once: its text, its content key (the git blob id,
/// computed for files on disk), and how to show it.
#[derive(Clone, Debug)]
pub struct SourceFile {
    pub text: Arc<str>,
    pub key: git2::Oid,
    /// The path as shown to the user.
    pub display: String,
    /// The buf module it belongs to (import root relative to the workspace).
    pub module_root: String,
}

/// The `.proto` files of one side, by import path, plus directories that imports may also
/// resolve from (the module roots on disk, then `-I` includes).
#[derive(Debug, Default)]
pub struct SourceSet {
    pub files: BTreeMap<String, SourceFile>,
    pub roots: Vec<Root>,
    /// How the side's root is shown, for errors that name no file.
    pub display_root: String,
    /// Whether a file of the side is an editions file, found once, after `files` is filled
    /// ([`SourceSet::has_editions`]).
    pub(crate) editions: std::sync::OnceLock<bool>,
}

impl SourceSet {
    /// A side of files held in memory, each `(import path, text)`, shown by its import path:
    /// for tests and tools that have no directory.
    pub fn from_texts<N: Into<String>, T: AsRef<str>>(
        files: impl IntoIterator<Item = (N, T)>,
    ) -> Self {
        let mut set = SourceSet::default();
        for (name, text) in files {
            let (name, text) = (name.into(), text.as_ref());
            let key = git2::Oid::hash_object(git2::ObjectType::Blob, text.as_bytes())
                .unwrap_or(git2::Oid::ZERO_SHA1);
            let file = SourceFile {
                text: text.into(),
                key,
                display: name.clone(),
                module_root: ".".into(),
            };
            set.files.insert(name, file);
        }
        set
    }

    /// Whether a file of the side is an editions file: then every compile of the side goes
    /// to protoc (see [`crate::protoc`]). Found once per side; a file that never mentions
    /// `edition` is not scanned.
    pub fn has_editions(&self) -> bool {
        *self.editions.get_or_init(|| {
            self.files
                .values()
                .any(|f| f.text.contains("edition") && crate::plan::scan(&f.text).edition.is_some())
        })
    }

    fn root_of(&self, name: &str) -> Option<&Root> {
        self.roots.iter().find(|r| r.path.join(name).is_file())
    }

    /// The bytes of a file this side can see, as the compiler read them (without a
    /// byte-order mark).
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        if let Some(f) = self.files.get(name) {
            return Some(f.text.as_bytes().to_vec());
        }
        let bytes = self.read_root_file(name)?;
        Some(bytes.strip_prefix(BOM).unwrap_or(&bytes).to_vec())
    }

    fn read_root_file(&self, name: &str) -> Option<Vec<u8>> {
        self.roots
            .iter()
            .map(|r| r.path.join(name))
            .find_map(|p| std::fs::read(p).ok())
    }

    /// Whether the file started with a byte-order mark (its content key says so for a file
    /// of the side: the key is the blob id of the bytes as stored).
    pub(crate) fn had_bom(&self, name: &str) -> bool {
        match self.files.get(name) {
            Some(f) => {
                let stored = [BOM, f.text.as_bytes()].concat();
                git2::Oid::hash_object(git2::ObjectType::Blob, &stored).is_ok_and(|k| k == f.key)
            }
            None => self
                .read_root_file(name)
                .is_some_and(|b| b.starts_with(BOM)),
        }
    }

    /// The path a user sees for a file.
    pub(crate) fn shown(&self, name: &str) -> String {
        if let Some(f) = self.files.get(name) {
            return f.display.clone();
        }
        match self.root_of(name) {
            Some(r) => display_path(&r.display, name),
            None => name.to_string(),
        }
    }
}

/// The error a resolver met, kept for [`compile_set_encoded`] to return as it is (protox
/// would only keep its text).
type Refused = std::rc::Rc<std::cell::RefCell<Option<LoadError>>>;

/// Parses a file for protox once it is known to stay within the bounds buf sets
/// ([`crate::limits::nesting`]): protox's option parser recurses without a bound, and its
/// parser's own message-depth error is worded and placed unlike buf's.
fn parse_bounded(
    name: &str,
    shown: &str,
    text: &str,
    refused: &Refused,
) -> Result<protox::file::File, protox::Error> {
    if let Some(err) = nesting_error(shown, text) {
        let reason = err.to_string();
        refused.borrow_mut().get_or_insert(err);
        return Err(protox::Error::new(reason));
    }
    let file = protox::file::File::from_source(name, text)?;
    if let Some(err) = package_error(shown, text, file.file_descriptor_proto().package()) {
        let reason = err.to_string();
        refused.borrow_mut().get_or_insert(err);
        return Err(protox::Error::new(reason));
    }
    Ok(file)
}

/// The longest package name buf accepts, in bytes without whitespace or comments.
const MAX_PACKAGE_BYTES: usize = 512;
/// The most components (`a.b.c` has three) buf accepts in a package name.
const MAX_PACKAGE_PARTS: usize = 101;

/// Whether buf accepts a package name of this size (else [`package_error`] refuses it).
pub(crate) fn package_within_bounds(package: &str) -> bool {
    package.len() <= MAX_PACKAGE_BYTES && package.split('.').count() <= MAX_PACKAGE_PARTS
}

/// buf's error for a package name longer than it accepts, located at the name as buf
/// locates it. Checked before protox's checker sees the file: prost-reflect registers every
/// prefix of the name (`a`, `a.b`, `a.b.c`...), which costs time and memory quadratic in
/// its length (a 20,000-part name took 3.5 GB).
fn package_error(shown: &str, text: &str, package: &str) -> Option<LoadError> {
    if package_within_bounds(package) {
        return None;
    }
    let offset = package_name_offset(text).unwrap_or(0);
    let (line, col) = crate::limits::line_col(text, offset);
    Some(LoadError::Compile {
        location: format!("{shown}:{line}:{col}"),
        reason: "path in `package` declaration is too large".into(),
        source_code: Some(NamedSource::new(shown, text.to_string())),
        span: Some(SourceSpan::from(offset..offset + 1)),
    })
}

/// Where the name of the top-level `package` statement starts.
fn package_name_offset(text: &str) -> Option<usize> {
    use crate::lexer::Token;
    let mut tokens = crate::lexer::Tokens::new(text);
    let mut depth = 0usize;
    let mut statement_start = true;
    while let Some(token) = tokens.next() {
        match token {
            Token::Word("package") if depth == 0 && statement_start => {
                tokens.next()?;
                return Some(tokens.start());
            }
            Token::Punct('{') => depth += 1,
            Token::Punct('}') => depth = depth.saturating_sub(1),
            _ => {}
        }
        statement_start = matches!(token, Token::Punct(';' | '{' | '}'));
    }
    None
}

/// The located error for a text that nests deeper than buf allows
/// ([`crate::limits::nesting`]), if it does: checked before any compiler (protox or protoc)
/// sees the text, since both recurse without a bound.
pub(crate) fn nesting_error(shown: &str, text: &str) -> Option<LoadError> {
    let (offset, reason) = crate::limits::nesting(text)?;
    let (line, col) = crate::limits::line_col(text, offset);
    Some(LoadError::Compile {
        location: format!("{shown}:{line}:{col}"),
        reason: reason.to_string(),
        source_code: Some(NamedSource::new(shown, text.to_string())),
        span: Some(SourceSpan::from(offset..offset + 1)),
    })
}

/// Serves the side's files to protox from memory, so no file is read twice.
struct MemoryResolver {
    /// Text and shown path by import path.
    files: std::collections::HashMap<String, (Arc<str>, String)>,
    /// Files already parsed (see [`parse_ahead`]), each handed out once: the compiler
    /// never opens a file twice.
    parsed: std::cell::RefCell<std::collections::HashMap<String, protox::file::File>>,
    refused: Refused,
}

impl FileResolver for MemoryResolver {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        if let Some(file) = self.parsed.borrow_mut().remove(name) {
            return Ok(file);
        }
        match self.files.get(name) {
            Some((text, shown)) => parse_bounded(name, shown, text, &self.refused),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Parses `names` (files of `set`) and the files of `set` they import, transitively, on
/// every core, before the compiler (which is sequential) links them. Without `source_info`,
/// for files that are only imports, and for the files of `spanless` (see
/// [`compile_set_spanless`]), a file is kept without its `SourceCodeInfo`: the
/// compiler then neither copies nor rewrites it (rewriting the locations of options costs
/// time in the number of options times the number of locations of the file). With
/// `keep_aside`, the other files too go to the compiler without it: it is returned, to be
/// put back after (see [`crate::option_locations`]). A file that does not parse, or nests
/// too deeply, is left out: the resolver parses it again, and reports it, exactly as
/// without this step.
fn parse_ahead(
    set: &SourceSet,
    names: &[String],
    source_info: bool,
    keep_aside: bool,
    spanless: &BTreeSet<String>,
    shared: Option<&SharedParses>,
) -> (
    std::collections::HashMap<String, protox::file::File>,
    std::collections::HashMap<String, KeptSourceInfo>,
) {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Mutex;
    let wanted: std::collections::HashSet<&str> = names.iter().map(String::as_str).collect();
    let parse_one = |name: &str| -> Option<(protox::file::File, Option<KeptSourceInfo>)> {
        let f = set.files.get(name)?;
        crate::limits::nesting(&f.text).is_none().then_some(())?;
        // Files reached only as imports are never reported on (planning keeps them as
        // unchanged, a full load names them all): their source info is not needed.
        // A package name beyond buf's bounds is left to the resolver too, which refuses it
        // (see `parse_bounded`).
        let within = package_within_bounds;
        if source_info && wanted.contains(name) && !spanless.contains(name) {
            if !keep_aside {
                let file = protox::file::File::from_source(name, &f.text).ok()?;
                return within(file.file_descriptor_proto().package()).then_some((file, None));
            }
            let mut proto = protox_parse::parse(name, &f.text).ok()?;
            within(proto.package()).then_some(())?;
            let kept = KeptSourceInfo::take_from(&mut proto);
            return Some((
                protox::file::File::from_file_descriptor_proto(proto),
                Some(kept),
            ));
        }
        let parse = || {
            let mut proto = protox_parse::parse(name, &f.text).ok()?;
            within(proto.package()).then_some(())?;
            proto.source_code_info = None;
            Some(proto)
        };
        let proto = match shared {
            Some(shared) => shared.parsed(name, f.key, parse),
            None => parse(),
        }?;
        Some((protox::file::File::from_file_descriptor_proto(proto), None))
    };
    let mut parsed = std::collections::HashMap::new();
    let mut kept_aside = std::collections::HashMap::new();
    let mut wave: Vec<&str> = names
        .iter()
        .map(String::as_str)
        .filter(|n| set.files.contains_key(*n))
        .collect();
    let mut queued: std::collections::HashSet<&str> = wave.iter().copied().collect();
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    while !wave.is_empty() {
        // Largest first, so that one big file does not finish last on its own.
        wave.sort_by_key(|n| std::cmp::Reverse(set.files[*n].text.len()));
        let next = AtomicUsize::new(0);
        type Done = (String, protox::file::File, Option<KeptSourceInfo>);
        let done: Mutex<Vec<Done>> = Mutex::new(Vec::new());
        let work = || loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(name) = wave.get(i) else { break };
            // A panic in the parser is the compiler's to report (see `open_all`).
            if let Ok(Some((file, kept))) = crate::threads::guarded(|| parse_one(name)) {
                if let Ok(mut d) = done.lock() {
                    d.push((name.to_string(), file, kept));
                }
            }
        };
        std::thread::scope(|s| {
            for _ in 1..workers {
                let _ = std::thread::Builder::new()
                    .stack_size(crate::limits::COMPILE_STACK_BYTES)
                    .spawn_scoped(s, work);
            }
            work();
        });
        let done = done.into_inner().unwrap_or_default();
        let mut following = Vec::new();
        for (name, file, kept) in done {
            for import in &file.file_descriptor_proto().dependency {
                if let Some((key, _)) = set.files.get_key_value(import.as_str()) {
                    if queued.insert(key.as_str()) {
                        following.push(key.as_str());
                    }
                }
            }
            if let Some(kept) = kept {
                kept_aside.insert(name.clone(), kept);
            }
            parsed.insert(name, file);
        }
        wave = following;
    }
    (parsed, kept_aside)
}

/// Serves imports from an import root on disk (a module root or `-I`), reading only
/// regular files of bounded size: a FIFO there would block the compiler forever.
struct RootResolver {
    root: Root,
    refused: Refused,
}

impl protox::file::FileResolver for RootResolver {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        let path = self.root.path.join(name);
        if path.symlink_metadata().is_err() {
            return Err(protox::Error::file_not_found(name));
        }
        let shown = display_path(&self.root.display, name);
        let read = crate::limits::read_regular(&path, crate::limits::MAX_SOURCE_BYTES)
            .map_err(|reason| LoadError::Unreadable {
                path: shown.clone(),
                reason,
            })
            .and_then(|bytes| String::from_utf8(bytes).map_err(|e| not_utf8(&shown, e.as_bytes())));
        match read {
            // A leading byte-order mark is accepted, as buf and protoc accept it.
            Ok(text) => parse_bounded(
                name,
                &shown,
                text.strip_prefix('\u{feff}').unwrap_or(&text),
                &self.refused,
            ),
            Err(e) => {
                let reason = e.to_string();
                self.refused.borrow_mut().get_or_insert(e);
                Err(protox::Error::new(reason))
            }
        }
    }
}

/// Compiles `names` (files of `set`), resolving imports from the set, its roots and the
/// well-known types. Files of the set are never imports: they are the schema.
pub fn compile_set(set: &SourceSet, names: &[String]) -> Result<Vec<InputFile>, LoadError> {
    let decoded = routed(
        set,
        names,
        || crate::protoc::compile(set, names).map(|(decoded, _)| decoded),
        || compile_source_info_aside(set, names, &BTreeSet::new(), None),
    )?;
    Ok(inputs_of(set, decoded))
}

/// As [`compile_set`], also returning the encoded `FileDescriptorSet` (imports and source
/// info included) for tools that need real descriptors, such as the prover.
pub fn compile_set_encoded(
    set: &SourceSet,
    names: &[String],
) -> Result<(Vec<InputFile>, Vec<u8>), LoadError> {
    let (decoded, bytes) = routed(
        set,
        names,
        || crate::protoc::compile(set, names),
        || compile_with_protox(set, names, &BTreeSet::new(), None),
    )?;
    Ok((inputs_of(set, decoded), bytes))
}

/// As [`compile_set`], with the files of `spanless` compiled without source info (protox
/// only: protoc gives every file its source info). Planning passes the files that only
/// an import made dirty: nothing can be reported in them unless something they resolve
/// changed, and skipping their spans saves a third of the time and half the memory of a
/// change many files import (see [`crate::source::Mode::Planned`]).
///
/// `shared` holds the parses of files compiled without source info that the other side's
/// compile, running at the same time, may need too (same path, same content): each is
/// parsed once.
///
/// Many files are compiled [`FILES_PER_COMPILER`] at a time, each share by a compiler of
/// its own, dropped before the next is built: a compiler holds about a quarter of a MB
/// per file, ten times their descriptors. A file's descriptors depend only on the files it
/// imports, which its share's compiler holds too; clashes between files that do not
/// import each other are planning's to find, as for [`verify_set`].
pub fn compile_set_spanless(
    set: &SourceSet,
    names: &[String],
    spanless: &BTreeSet<String>,
    shared: &SharedParses,
) -> Result<Vec<InputFile>, LoadError> {
    let compile = |part: &[String]| {
        routed(
            set,
            part,
            || crate::protoc::compile(set, part).map(|(decoded, _)| decoded),
            || compile_source_info_aside(set, part, spanless, Some(shared)),
        )
    };
    if names.len() <= FILES_PER_COMPILER {
        return Ok(inputs_of(set, compile(names)?));
    }
    // Each file once: as compiled where it was named (with its source info), else as the
    // first share that imported it compiled it.
    let mut files: BTreeMap<String, (FileDescriptorProto, bool)> = BTreeMap::new();
    let share = names
        .len()
        .div_ceil(names.len().div_ceil(FILES_PER_COMPILER));
    for part in names.chunks(share) {
        let named: std::collections::HashSet<&str> = part.iter().map(String::as_str).collect();
        for file in compile(part)?.file {
            let name = file.name.clone().unwrap_or_default();
            let is_named = named.contains(name.as_str());
            match files.get(&name) {
                Some((_, true)) => {}
                Some((_, false)) if !is_named => {}
                _ => {
                    files.insert(name, (file, is_named));
                }
            }
        }
    }
    let file = files.into_values().map(|(file, _)| file).collect();
    Ok(inputs_of(set, FileDescriptorSet { file }))
}

/// How many files a planned side compiles in one compiler (see [`compile_set_spanless`]):
/// enough that the imports every share compiles again (googleapis' common protos) are a
/// small part of each.
const FILES_PER_COMPILER: usize = 384;

/// Checks that `names` (files of `set`) compile, as [`compile_set`] would, without
/// producing descriptors: for files whose descriptors nobody reads.
pub fn verify_set(set: &SourceSet, names: &[String]) -> Result<(), LoadError> {
    routed(
        set,
        names,
        || crate::protoc::compile(set, names).map(drop),
        || verify_with_protox(set, names),
    )
}

/// As [`verify_set`], all of `names` in one compiler: for a check across files that do
/// not import each other (see [`crate::verified::extension_group`]).
pub fn verify_together(set: &SourceSet, names: &[String]) -> Result<(), LoadError> {
    routed(
        set,
        names,
        || crate::protoc::compile(set, names).map(drop),
        || open_all(set, names, false, false, &BTreeSet::new(), None).map(|(c, _)| discard(c)),
    )
}

/// Below this many files, verification runs on one compiler: a second one would spend
/// more on the imports both halves share than it saves.
const MIN_FILES_TO_SPLIT: usize = 256;

/// Checks that `names` compile with protox, on one thread per core, each with a
/// contiguous share of `names` (files of one directory import mostly the same files, so
/// little is compiled twice), [`FILES_PER_COMPILER`] files to a compiler, dropped before
/// the next (see [`compile_set_spanless`]). Splitting changes no verdict: every file is
/// still compiled with its whole closure, which is all its compilation depends on; clashes
/// between files that do not import each other are planning's to find (see
/// [`crate::verified`]). Errors are located from the parse; only a full load (which
/// reports any error of a planned one) needs source info.
fn verify_with_protox(set: &SourceSet, names: &[String]) -> Result<(), LoadError> {
    let verify = |part: &[String]| -> Result<(), LoadError> {
        for piece in part.chunks(FILES_PER_COMPILER) {
            let (compiler, _) = open_all(set, piece, false, false, &BTreeSet::new(), None)?;
            discard(compiler);
        }
        Ok(())
    };
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get().min(8));
    if workers < 2 || names.len() < MIN_FILES_TO_SPLIT {
        return verify(names);
    }
    let share = names.len().div_ceil(workers);
    std::thread::scope(|s| {
        let handles: Vec<_> = names
            .chunks(share)
            .map(|part| {
                std::thread::Builder::new()
                    .stack_size(crate::limits::COMPILE_STACK_BYTES)
                    .spawn_scoped(s, move || verify(part))
                    .expect("spawn compile thread")
            })
            .collect();
        handles
            .into_iter()
            .map(crate::threads::join)
            .collect::<Result<Vec<()>, LoadError>>()
    })
    .map(drop)
}

/// Drops a compiler whose work is done, before its descriptors are decoded. (Dropping its
/// pool on a thread of its own, as before, competed with the other side's compile for the
/// two cores and held the pool while the decoded copy grew: on a change to
/// `google/rpc/status.proto` it cost more time and 40 MB more memory than this.)
fn discard(compiler: protox::Compiler) {
    drop(compiler);
}

/// Runs the compiler `names` need: protoc for a side with an editions file (see
/// [`crate::protoc`]), else protox — and protoc after all when protox failed on an editions
/// file reached only through an import root on disk (`-I`), which protox cannot read.
fn routed<T>(
    set: &SourceSet,
    names: &[String],
    protoc: impl FnOnce() -> Result<T, LoadError>,
    protox: impl FnOnce() -> Result<T, LoadError>,
) -> Result<T, LoadError> {
    if crate::protoc::needs_protoc(set) {
        return protoc();
    }
    match protox() {
        Ok(done) => Ok(done),
        Err(e) => match crate::protoc::closure_has_editions(set, names) {
            Ok(true) => protoc(),
            _ => Err(e),
        },
    }
}

/// Compiles `names` with protox: the decoded descriptors and their encoding.
fn compile_with_protox(
    set: &SourceSet,
    names: &[String],
    spanless: &BTreeSet<String>,
    shared: Option<&SharedParses>,
) -> Result<(FileDescriptorSet, Vec<u8>), LoadError> {
    let (compiler, _) = open_all(set, names, true, false, spanless, shared)?;
    let bytes = compiler.encode_file_descriptor_set();
    discard(compiler);
    let decoded = decode_compiled(set, &bytes)?;
    Ok((decoded, bytes))
}

/// As [`compile_with_protox`] without the encoding, faster: see [`compile_aside`]. A
/// file that does not compile, or whose options that cannot place for certain, is
/// compiled again the slower way, which also reports its errors as they always were.
fn compile_source_info_aside(
    set: &SourceSet,
    names: &[String],
    spanless: &BTreeSet<String>,
    shared: Option<&SharedParses>,
) -> Result<FileDescriptorSet, LoadError> {
    match compile_aside(set, names, spanless, shared) {
        Some(decoded) => Ok(decoded),
        None => compile_with_protox(set, names, spanless, shared).map(|(decoded, _)| decoded),
    }
}

/// Compiles `names` with protox, the files going to the compiler without their source
/// info, which is put back after (see [`crate::option_locations`]); `None` if they do not
/// compile, or if an option's locations cannot be placed for certain.
fn compile_aside(
    set: &SourceSet,
    names: &[String],
    spanless: &BTreeSet<String>,
    shared: Option<&SharedParses>,
) -> Option<FileDescriptorSet> {
    let (compiler, kept) = open_all(set, names, true, true, spanless, shared).ok()?;
    let pool = compiler.descriptor_pool();
    let mut restored = std::collections::HashMap::with_capacity(kept.len());
    for (name, kept) in kept {
        restored.insert(name, kept.restore(&pool)?);
    }
    drop(pool);
    let bytes = compiler.encode_file_descriptor_set();
    discard(compiler);
    let mut decoded = decode_compiled(set, &bytes).ok()?;
    for file in &mut decoded.file {
        if let Some(info) = file.name.as_ref().and_then(|n| restored.remove(n)) {
            file.source_code_info = Some(info);
        }
    }
    Some(decoded)
}

/// `names` compiled with protox both ways to source info: through the compiler, and kept
/// aside (`None` where [`compile_aside`] gives up). For tests that hold
/// [`crate::option_locations`] to the compiler.
#[doc(hidden)]
pub fn compile_both_ways(
    set: &SourceSet,
    names: &[String],
) -> Result<(FileDescriptorSet, Option<FileDescriptorSet>), LoadError> {
    let none = BTreeSet::new();
    let (through, _) = compile_with_protox(set, names, &none, None)?;
    Ok((through, compile_aside(set, names, &none, None)))
}

fn decode_compiled(set: &SourceSet, bytes: &[u8]) -> Result<FileDescriptorSet, LoadError> {
    FileDescriptorSet::decode(bytes).map_err(|e| LoadError::Compile {
        location: set.display_root.clone(),
        reason: format!("internal: cannot decode compiled descriptors: {e}"),
        source_code: None,
        span: None,
    })
}

/// A protox compiler that has opened (parsed, resolved and checked) `names` and their
/// imports; with `keep_aside`, also the source info of the files it compiled without
/// (see [`parse_ahead`]).
fn open_all(
    set: &SourceSet,
    names: &[String],
    source_info: bool,
    keep_aside: bool,
    spanless: &BTreeSet<String>,
    shared: Option<&SharedParses>,
) -> Result<
    (
        protox::Compiler,
        std::collections::HashMap<String, KeptSourceInfo>,
    ),
    LoadError,
> {
    let refused = Refused::default();
    let files = set
        .files
        .iter()
        .map(|(k, f)| (k.clone(), (Arc::clone(&f.text), f.display.clone())))
        .collect();
    let mut chain = ChainFileResolver::new();
    let (parsed, kept) = parse_ahead(set, names, source_info, keep_aside, spanless, shared);
    chain.add(MemoryResolver {
        files,
        parsed: parsed.into(),
        refused: std::rc::Rc::clone(&refused),
    });
    for root in &set.roots {
        chain.add(RootResolver {
            root: root.clone(),
            refused: std::rc::Rc::clone(&refused),
        });
    }
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler
        .include_imports(true)
        .include_source_info(source_info);
    for name in names {
        // protox's checker builds on prost-reflect, which panics on a few schemas it should
        // refuse (two extensions of one message with the same number, one of them used as
        // an option): a schema the compiler could not judge is an error, never a crash.
        let opened =
            crate::threads::guarded(|| compiler.open_file(name).map(drop)).map_err(|panic| {
                LoadError::Compile {
                    location: set.shown(name),
                    reason: format!("the compiler could not check this file (protox: {panic})"),
                    source_code: None,
                    span: None,
                }
            })?;
        if let Err(e) = opened {
            return Err(match refused.borrow_mut().take() {
                Some(refused) => refused,
                None => compile_error(e, set),
            });
        }
    }
    crate::extension_numbers::check(&compiler.descriptor_pool(), set)?;
    Ok((compiler, kept))
}

/// The compiled files of a side, each with how it is shown and whether it is an import.
fn inputs_of(set: &SourceSet, decoded: FileDescriptorSet) -> Vec<InputFile> {
    decoded
        .file
        .into_iter()
        .map(|proto| {
            let name = proto.name.clone().unwrap_or_default();
            match set.files.get(&name) {
                Some(f) => InputFile {
                    display: f.display.clone(),
                    module_root: f.module_root.clone(),
                    text: Some(Arc::clone(&f.text)),
                    stub_declares: None,
                    content_id: Some(f.key),
                    is_import: false,
                    unchanged: false,
                    proto,
                },
                None => {
                    let root = set.root_of(&name);
                    InputFile {
                        display: set.shown(&name),
                        module_root: root.map(|r| r.module.clone()).unwrap_or_default(),
                        text: None,
                        stub_declares: None,
                        content_id: None,
                        is_import: true,
                        unchanged: false,
                        proto,
                    }
                }
            }
        })
        .collect()
}

/// The UTF-8 byte-order mark.
pub(crate) const BOM: &[u8] = "\u{feff}".as_bytes();

/// Every `*.proto` under `root`, as sorted `/`-separated paths relative to it, skipping
/// hidden directories and paths under `excludes` (relative to root).
pub fn find_protos(root: &Path, excludes: &[String]) -> Result<Vec<String>, LoadError> {
    let mut out = Vec::new();
    // Directory links that lead outside the import root, with why.
    let mut outside: Vec<(std::path::PathBuf, String)> = Vec::new();
    let walker = walkdir::WalkDir::new(root)
        .follow_links(true)
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !e.file_name().to_string_lossy().starts_with('.'));
    let is_proto = |p: &Path| p.extension().is_some_and(|x| x == "proto");
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            // A dangling symbolic link is nothing to read unless it names a .proto file:
            // a broken README.md link must not matter.
            Err(e)
                if e.io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound)
                    && e.path().is_some_and(|p| {
                        !is_proto(p) && p.symlink_metadata().is_ok_and(|m| m.is_symlink())
                    }) =>
            {
                continue
            }
            Err(e) => {
                let dangling = e
                    .io_error()
                    .is_some_and(|io| io.kind() == std::io::ErrorKind::NotFound);
                return Err(LoadError::Unreadable {
                    path: e
                        .path()
                        .map(|p| p.display().to_string())
                        .unwrap_or_else(|| root.display().to_string()),
                    // walkdir's own message repeats the path: keep just the cause.
                    reason: if dangling {
                        "a symbolic link to nothing".to_string()
                    } else {
                        e.io_error()
                            .map_or_else(|| e.to_string(), ToString::to_string)
                    },
                });
            }
        };
        let proto = !entry.file_type().is_dir() && is_proto(entry.path());
        // A .proto reached through a link that leaves the import root is refused, as on a
        // git side (crate::symlinks); links to anything else do not matter.
        if entry.path_is_symlink() {
            if let Err(reason) = crate::symlinks::check_dir_link(root, entry.path()) {
                if entry.file_type().is_dir() {
                    outside.push((entry.path().to_path_buf(), reason));
                } else if proto {
                    return Err(LoadError::Unreadable {
                        path: entry.path().display().to_string(),
                        reason,
                    });
                }
            }
        }
        if !proto {
            continue;
        }
        if let Some((link, reason)) = outside.iter().find(|(l, _)| entry.path().starts_with(l)) {
            return Err(LoadError::Unreadable {
                path: link.display().to_string(),
                reason: reason.clone(),
            });
        }
        // A FIFO would block the read forever and a device never ends: say so instead.
        if !entry.file_type().is_file() {
            let kind = std::fs::metadata(entry.path())
                .map(|m| crate::limits::kind_of(&m))
                .unwrap_or("not a file");
            return Err(LoadError::Unreadable {
                path: entry.path().display().to_string(),
                reason: format!("not a regular file ({kind})"),
            });
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        // A file's name is its import path, a protobuf string: it must be UTF-8.
        let Some(rel) = rel
            .components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join("/"))
        else {
            return Err(LoadError::Unreadable {
                path: crate::limits::shown_path(entry.path()),
                reason: "the file name is not valid UTF-8 (a .proto file's name is its import path, which must be UTF-8)".into(),
            });
        };
        if excludes
            .iter()
            .any(|x| rel == *x || rel.starts_with(&format!("{}/", x.trim_end_matches('/'))))
        {
            continue;
        }
        out.push(rel);
    }
    out.sort();
    Ok(out)
}
