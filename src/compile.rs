//! Compiling `.proto` sources into descriptors with source info: with protox, or, when the
//! files compiled reach an editions file, with protoc ([`crate::protoc`]).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use miette::{Diagnostic, NamedSource, SourceCode, SourceSpan};
use prost::Message as _;

use crate::descriptor::FileDescriptorSet;
use crate::error::LoadError;
use crate::index::InputFile;

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
    /// Where it is on disk, if it is.
    pub origin: Option<PathBuf>,
}

/// The `.proto` files of one side, by import path, plus directories that imports may also
/// resolve from (the module roots on disk, then `-I` includes).
#[derive(Debug, Default)]
pub struct SourceSet {
    pub files: BTreeMap<String, SourceFile>,
    pub roots: Vec<Root>,
    /// How the side's root is shown, for errors that name no file.
    pub display_root: String,
}

impl SourceSet {
    fn root_of(&self, name: &str) -> Option<&Root> {
        self.roots.iter().find(|r| r.path.join(name).is_file())
    }

    /// The raw bytes of a file this side can see.
    pub(crate) fn read(&self, name: &str) -> Option<Vec<u8>> {
        if let Some(f) = self.files.get(name) {
            return Some(f.text.as_bytes().to_vec());
        }
        self.roots
            .iter()
            .map(|r| r.path.join(name))
            .find_map(|p| std::fs::read(p).ok())
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

/// Serves the side's files to protox from memory, so no file is read twice.
struct MemoryResolver(Arc<std::collections::HashMap<String, Arc<str>>>);

impl protox::file::FileResolver for MemoryResolver {
    fn open_file(&self, name: &str) -> Result<protox::file::File, protox::Error> {
        match self.0.get(name) {
            Some(text) => protox::file::File::from_source(name, text),
            None => Err(protox::Error::file_not_found(name)),
        }
    }
}

/// Compiles `names` (files of `set`), resolving imports from the set, its roots and the
/// well-known types. Files of the set are never imports: they are the schema.
pub fn compile_set(set: &SourceSet, names: &[String]) -> Result<Vec<InputFile>, LoadError> {
    compile_set_encoded(set, names).map(|(files, _)| files)
}

/// As [`compile_set`], also returning the encoded `FileDescriptorSet` (imports and source
/// info included) for tools that need real descriptors, such as the prover.
pub fn compile_set_encoded(
    set: &SourceSet,
    names: &[String],
) -> Result<(Vec<InputFile>, Vec<u8>), LoadError> {
    // Editions files need protoc (see `crate::protoc`); proto2/proto3 sets stay with protox.
    let (decoded, bytes) = if crate::protoc::needs_protoc(set, names) {
        crate::protoc::compile(set, names)?
    } else {
        match compile_with_protox(set, names) {
            Ok(compiled) => compiled,
            // An editions file reached only through an import root on disk (`-I`) is seen
            // first by protox, which cannot read it.
            Err(_) if crate::protoc::closure_has_editions(set, names) => {
                crate::protoc::compile(set, names)?
            }
            Err(e) => return Err(e),
        }
    };
    Ok((inputs_of(set, decoded), bytes))
}

/// Compiles `names` with protox: the decoded descriptors and their encoding.
fn compile_with_protox(
    set: &SourceSet,
    names: &[String],
) -> Result<(FileDescriptorSet, Vec<u8>), LoadError> {
    use protox::file::{ChainFileResolver, GoogleFileResolver, IncludeFileResolver};
    let texts = set
        .files
        .iter()
        .map(|(k, f)| (k.clone(), Arc::clone(&f.text)))
        .collect();
    let mut chain = ChainFileResolver::new();
    chain.add(MemoryResolver(Arc::new(texts)));
    for root in &set.roots {
        chain.add(IncludeFileResolver::new(root.path.clone()));
    }
    chain.add(GoogleFileResolver::new());
    let mut compiler = protox::Compiler::with_file_resolver(chain);
    compiler.include_imports(true).include_source_info(true);
    for name in names {
        compiler
            .open_file(name)
            .map_err(|e| compile_error(e, set))?;
    }
    let bytes = compiler.encode_file_descriptor_set();
    let decoded = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| LoadError::Compile {
        location: set.display_root.clone(),
        reason: format!("internal: cannot decode compiled descriptors: {e}"),
        source_code: None,
        span: None,
    })?;
    Ok((decoded, bytes))
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
                    origin: f.origin.clone(),
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
                        origin: root.map(|r| r.path.join(&name)),
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

/// The error for a file that is not UTF-8: the position of its first bad byte, as buf
/// gives it (columns count bytes).
pub fn not_utf8(shown: &str, bytes: &[u8]) -> LoadError {
    let valid = match std::str::from_utf8(bytes) {
        Ok(_) => bytes,
        Err(e) => &bytes[..e.valid_up_to()],
    };
    let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
    let col = valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
    let name = shown.rsplit('/').next().unwrap_or(shown);
    LoadError::Compile {
        location: format!("{shown}:{line}:{col}"),
        reason: format!("file '{name}' is not valid utf-8"),
        source_code: None,
        span: None,
    }
}

/// Labels prost-reflect puts on the *other* place of a two-place error (the first
/// definition of a duplicate, the reserved range a field falls in); the error itself is
/// at the remaining label, in the file `err.file()` names.
const SECONDARY_LABELS: &[&str] = &[
    "first defined here",
    "reserved range defined here",
    "extension range defined here",
];

/// Turns a protox error into `path:line:col: reason` with the source attached.
fn compile_error(err: protox::Error, sources: &SourceSet) -> LoadError {
    let display_root = sources.display_root.as_str();
    let mut reason = err.to_string();
    // protox keeps the cause of an I/O failure out of its message ("error opening file").
    let mut cause = std::error::Error::source(&err);
    while let Some(c) = cause {
        reason = format!("{reason}: {c}");
        cause = c.source();
    }
    let mut file = err.file().map(str::to_string);
    let labels: Vec<miette::LabeledSpan> = err.labels().map(Iterator::collect).unwrap_or_default();
    let mut span: Option<SourceSpan> = labels
        .iter()
        .find(|l| l.label().is_none_or(|m| !SECONDARY_LABELS.contains(&m)))
        .or(labels.first())
        .map(|l| *l.inner());
    let read = |f: &str| sources.read(f);
    // An import cycle carries no position: point at the import that closes it, as buf does.
    if span.is_none() {
        if let Some((importer, imported)) = cycle_edge(&reason) {
            if let Some(text) = read(&importer).and_then(|b| String::from_utf8(b).ok()) {
                if let Some(offset) = find_import(&text, &imported) {
                    file = Some(importer);
                    span = Some(SourceSpan::from(offset..offset));
                }
            }
        }
    }
    let shown = |f: &str| sources.shown(f);
    let mut location = match &file {
        Some(f) => shown(f),
        None => display_root.to_string(),
    };
    let mut source_code = None;
    if let Some(f) = &file {
        match read(f).map(String::from_utf8) {
            Some(Ok(text)) => {
                if let Some(s) = span {
                    if let Ok(contents) = text.read_span(&s, 0, 0) {
                        location = format!(
                            "{}:{}:{}",
                            location,
                            contents.line() + 1,
                            contents.column() + 1
                        );
                    }
                    source_code = Some(NamedSource::new(shown(f), text));
                }
            }
            // Not UTF-8: name the first bad byte, as buf does (columns count bytes).
            Some(Err(e)) => {
                let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
                let line = valid.iter().filter(|&&b| b == b'\n').count() + 1;
                let col =
                    valid.len() - valid.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1) + 1;
                location = format!("{location}:{line}:{col}");
                span = None;
            }
            None => span = None,
        }
    } else {
        span = None;
    }
    LoadError::Compile {
        location,
        reason,
        source_code,
        span,
    }
}

/// The last edge of protox's "import cycle detected: a.proto -> b.proto -> a.proto".
fn cycle_edge(reason: &str) -> Option<(String, String)> {
    let cycle = reason.split_once("import cycle detected: ")?.1;
    let names: Vec<&str> = cycle.split(" -> ").map(str::trim).collect();
    match names.as_slice() {
        [.., importer, imported] => Some((importer.to_string(), imported.to_string())),
        _ => None,
    }
}

/// Byte offset of the `import` statement of `name` in `text` (outside comments).
fn find_import(text: &str, name: &str) -> Option<usize> {
    let quoted = [format!("\"{name}\""), format!("'{name}'")];
    let mut offset = 0;
    for line in text.split_inclusive('\n') {
        let code = line.split("//").next().unwrap_or("");
        let trimmed = code.trim_start();
        if trimmed.starts_with("import") && quoted.iter().any(|q| code.contains(q.as_str())) {
            return Some(offset + (code.len() - trimmed.len()));
        }
        offset += line.len();
    }
    None
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
    for entry in walker {
        let entry = entry.map_err(|e| LoadError::Unreadable {
            path: e
                .path()
                .map(|p| p.display().to_string())
                .unwrap_or_else(|| root.display().to_string()),
            // walkdir's own message repeats the path: keep just the cause when there is one.
            reason: e
                .io_error()
                .map_or_else(|| e.to_string(), ToString::to_string),
        })?;
        let is_proto =
            entry.file_type().is_file() && entry.path().extension().is_some_and(|x| x == "proto");
        // A .proto reached through a link that leaves the import root is refused, as on a
        // git side (crate::symlinks); links to anything else do not matter.
        if entry.path_is_symlink() {
            if let Err(reason) = crate::symlinks::check_dir_link(root, entry.path()) {
                if entry.file_type().is_dir() {
                    outside.push((entry.path().to_path_buf(), reason));
                } else if is_proto {
                    return Err(LoadError::Unreadable {
                        path: entry.path().display().to_string(),
                        reason,
                    });
                }
            }
        }
        if !is_proto {
            continue;
        }
        if let Some((link, reason)) = outside.iter().find(|(l, _)| entry.path().starts_with(l)) {
            return Err(LoadError::Unreadable {
                path: link.display().to_string(),
                reason: reason.clone(),
            });
        }
        let rel = entry.path().strip_prefix(root).unwrap_or(entry.path());
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
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
