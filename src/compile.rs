//! Compiling `.proto` sources with protox into descriptors with source info.

use std::path::{Path, PathBuf};

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
}

/// Compiles `files` (names relative to one of `roots`) resolving imports from `roots` and
/// the well-known types. Every compiled file not in `files` is an import.
pub fn compile(roots: &[Root], files: &[String]) -> Result<Vec<InputFile>, LoadError> {
    let paths: Vec<&PathBuf> = roots.iter().map(|r| &r.path).collect();
    let display_root = roots.first().map(|r| r.display.as_str()).unwrap_or("");
    let mut compiler =
        protox::Compiler::new(paths).map_err(|e| compile_error(e, roots, display_root))?;
    compiler.include_imports(true).include_source_info(true);
    for name in files {
        compiler
            .open_file(name)
            .map_err(|e| compile_error(e, roots, display_root))?;
    }
    let bytes = compiler.encode_file_descriptor_set();
    let set = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| LoadError::Compile {
        location: display_root.to_string(),
        reason: format!("internal: cannot decode compiled descriptors: {e}"),
        source_code: None,
        span: None,
    })?;
    let wanted: std::collections::HashSet<&str> = files.iter().map(String::as_str).collect();
    Ok(set
        .file
        .into_iter()
        .map(|proto| {
            let name = proto.name.clone().unwrap_or_default();
            let is_import = !wanted.contains(name.as_str());
            let root = roots.iter().find(|r| r.path.join(&name).is_file());
            InputFile {
                display: match root {
                    Some(r) => display_path(&r.display, &name),
                    None => name.clone(),
                },
                origin: root.map(|r| r.path.join(&name)),
                proto,
                is_import,
            }
        })
        .collect())
}

/// Turns a protox error into `path:line:col: reason` with the source attached.
fn compile_error(err: protox::Error, roots: &[Root], display_root: &str) -> LoadError {
    let reason = err.to_string();
    let file = err.file().map(str::to_string);
    let label = err.labels().and_then(|mut l| l.next());
    let shown = |f: &str| {
        roots
            .iter()
            .find(|r| r.path.join(f).is_file())
            .map(|r| display_path(&r.display, f))
            .unwrap_or_else(|| display_path(display_root, f))
    };
    let mut location = match &file {
        Some(f) => shown(f),
        None => display_root.to_string(),
    };
    let mut source_code = None;
    let mut span: Option<SourceSpan> = None;
    if let (Some(label), Some(f)) = (label, &file) {
        let text = roots
            .iter()
            .map(|r| r.path.join(f))
            .find_map(|p| std::fs::read_to_string(p).ok());
        if let Some(text) = text {
            if let Ok(contents) = text.read_span(label.inner(), 0, 0) {
                location = format!(
                    "{}:{}:{}",
                    location,
                    contents.line() + 1,
                    contents.column() + 1
                );
            }
            span = Some(*label.inner());
            source_code = Some(NamedSource::new(shown(f), text));
        }
    }
    LoadError::Compile {
        location,
        reason,
        source_code,
        span,
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

/// Every `*.proto` under `root`, as sorted `/`-separated paths relative to it, skipping
/// hidden directories and paths under `excludes` (relative to root).
pub fn find_protos(root: &Path, excludes: &[String]) -> Result<Vec<String>, LoadError> {
    let mut out = Vec::new();
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
            reason: e.to_string(),
        })?;
        if !entry.file_type().is_file() || entry.path().extension().is_none_or(|x| x != "proto") {
            continue;
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
