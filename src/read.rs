//! Reading a side's `.proto` sources: a directory (with its buf.yaml module roots and
//! `-I` roots, blob ids from git's stat data where it vouches for them), a git tree or the
//! staged index, or a FileDescriptorSet image. Nothing here compiles: it hands
//! [`crate::source`] the texts and their content keys.

use std::path::Path;

use prost::Message as _;

use crate::compile::{self, Root, SourceFile, SourceSet};
use crate::descriptor::FileDescriptorSet;
use crate::error::LoadError;
use crate::git::{self, GitSpec, GitTarget};
use crate::index::InputFile;
use crate::source::{Input, LoadOptions};

/// The `.proto` sources of a side, or `None` for an image.
pub(crate) fn read_sources(
    input: &Input,
    options: &LoadOptions,
) -> Result<Option<SourceSet>, LoadError> {
    read_sources_knowing(input, options, &git::Known::new())
}

/// As [`read_sources`], reusing texts of blobs already read for the other side.
pub(crate) fn read_sources_knowing(
    input: &Input,
    options: &LoadOptions,
    known: &git::Known,
) -> Result<Option<SourceSet>, LoadError> {
    match input {
        Input::Dir(dir) => read_dir(dir, options).map(Some),
        Input::Git(spec) => read_git(spec, options, known).map(Some),
        Input::Image(_) => Ok(None),
    }
}

pub(crate) fn load_image_input(input: &Input) -> Result<Vec<InputFile>, LoadError> {
    match input {
        Input::Image(path) => load_image(path),
        _ => Ok(Vec::new()),
    }
}

pub(crate) fn dir_display(dir: &Path) -> String {
    let s = dir.display().to_string();
    let s = s.trim_end_matches('/');
    let s = s.strip_prefix("./").unwrap_or(s);
    if s.is_empty() || s == "." {
        String::new()
    } else {
        s.to_string()
    }
}

pub(crate) fn read_dir(dir: &Path, options: &LoadOptions) -> Result<SourceSet, LoadError> {
    let base = dir_display(dir);
    let (module_roots, excludes) = match &options.layout {
        Some(cfg) => (cfg.roots(), cfg.excludes()),
        None => (vec![".".to_string()], Vec::new()),
    };
    let mut roots = Vec::new();
    let mut files: Vec<(String, usize)> = Vec::new();
    for m in &module_roots {
        let path = if m == "." {
            dir.to_path_buf()
        } else {
            dir.join(m)
        };
        if !path.is_dir() {
            return Err(LoadError::NotFound {
                path: path.display().to_string(),
            });
        }
        let display = compile::display_path(&base, if m == "." { "" } else { m });
        let display = display.trim_end_matches('/').to_string();
        // Excludes are relative to the buf.yaml directory; make them relative to this root.
        let local: Vec<String> = excludes
            .iter()
            .filter_map(|x| {
                let x = x.trim_start_matches("./");
                if m == "." {
                    Some(x.to_string())
                } else {
                    x.strip_prefix(&format!("{m}/")).map(str::to_string)
                }
            })
            .collect();
        files.extend(
            compile::find_protos(&path, &local)?
                .into_iter()
                .map(|f| (f, roots.len())),
        );
        roots.push(Root {
            path,
            display,
            module: m.clone(),
        });
    }
    for inc in &options.includes {
        // protox skips include paths that do not exist; a mistyped -I would go unnoticed.
        if !inc.exists() {
            return Err(LoadError::NotFound {
                path: inc.display().to_string(),
            });
        }
        if !inc.is_dir() {
            return Err(LoadError::Unreadable {
                path: inc.display().to_string(),
                reason: "not a directory (-I takes an import root)".into(),
            });
        }
        roots.push(Root {
            path: inc.clone(),
            display: dir_display(inc),
            module: String::new(),
        });
    }
    if files.is_empty() {
        return Err(LoadError::Empty {
            path: dir.display().to_string(),
        });
    }
    // Read every file once, on two threads; its git blob id is its content key, taken from
    // the index of the work tree around it where that is sure to be right (git::StatCache),
    // else computed.
    let mut seen = std::collections::HashSet::new();
    files.retain(|(name, _)| seen.insert(name.clone()));
    let stat_cache = git::StatCache::around(dir);
    let places: Vec<Option<String>> = roots
        .iter()
        .map(|r| stat_cache.as_ref().and_then(|c| c.place_of(&r.path)))
        .collect();
    let read_one = |(name, root): &(String, usize)| -> Result<(String, SourceFile), LoadError> {
        let r: &Root = &roots[*root];
        let path = r.path.join(name);
        let shown = compile::display_path(&r.display, name);
        let rel = places[*root]
            .as_ref()
            .map(|place| compile::display_path(place, name));
        let vouch = stat_cache.as_ref().zip(rel.as_deref());
        let (bytes, indexed) =
            git::read_vouched(&path, vouch).map_err(|reason| LoadError::Unreadable {
                path: shown.clone(),
                reason,
            })?;
        let key = match indexed {
            Some(id) => id,
            None => git2::Oid::hash_object(git2::ObjectType::Blob, &bytes).map_err(|e| {
                LoadError::Unreadable {
                    path: shown.clone(),
                    reason: e.message().to_string(),
                }
            })?,
        };
        let text = String::from_utf8(bytes).map_err(|e| compile::not_utf8(&shown, e.as_bytes()))?;
        Ok((
            name.clone(),
            SourceFile {
                text: compile::source_text(text),
                key,
                display: shown,
                module_root: r.module.clone(),
            },
        ))
    };
    let (first, second) = files.split_at(files.len() / 2);
    let read_part = |part: &[(String, usize)]| -> Result<Vec<(String, SourceFile)>, LoadError> {
        part.iter().map(read_one).collect()
    };
    let (a, b) = std::thread::scope(|s| {
        let a = s.spawn(|| read_part(first));
        (crate::threads::join(a), read_part(second))
    });
    let mut set = SourceSet {
        display_root: base,
        ..Default::default()
    };
    set.files.extend(a?);
    set.files.extend(b?);
    set.roots = roots;
    Ok(set)
}

pub(crate) fn read_git(
    spec: &GitSpec,
    options: &LoadOptions,
    known: &git::Known,
) -> Result<SourceSet, LoadError> {
    let repo = git::open(spec)?;
    let commit = match spec.target {
        GitTarget::Staged => None,
        _ => Some(git::resolve(&repo, spec)?),
    };
    // The module roots of the buf.yaml this side is compared under (one root otherwise).
    let module_roots = match &options.layout {
        Some(cfg) => cfg.roots(),
        None => vec![".".to_string()],
    };
    let mut set = SourceSet {
        display_root: spec.text.clone(),
        ..Default::default()
    };
    let mut described = String::new();
    for m in &module_roots {
        let mut sub = spec.clone();
        if m != "." {
            sub.subdir = compile::display_path(&spec.subdir, m);
        }
        let tree = match commit {
            None => git::read_index(&repo, &sub, known)?,
            Some(c) => git::read_commit(&repo, c, &sub, known)?,
        };
        described = tree.described;
        for (name, file) in tree.files {
            // Paths are shown relative to the repository's top, where CI annotations
            // expect them.
            let display = compile::display_path(&sub.subdir, &name);
            set.files.entry(name).or_insert(SourceFile {
                text: file.text,
                key: file.blob,
                display,
                module_root: m.clone(),
            });
        }
    }
    if set.files.is_empty() {
        return Err(LoadError::Empty {
            path: format!("{} ({described})", spec.text),
        });
    }
    set.roots = options
        .includes
        .iter()
        .map(|inc| Root {
            path: inc.clone(),
            display: dir_display(inc),
            module: String::new(),
        })
        .collect();
    Ok(set)
}

pub(crate) fn load_image(path: &Path) -> Result<Vec<InputFile>, LoadError> {
    let shown = path.display().to_string();
    let bytes =
        crate::limits::read_regular(path, crate::limits::MAX_IMAGE_BYTES).map_err(|reason| {
            LoadError::Unreadable {
                path: shown.clone(),
                reason,
            }
        })?;
    let set = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| LoadError::Image {
        path: shown.clone(),
        reason: crate::validate::decode_reason(&e),
    })?;
    if set.file.is_empty()
        || set
            .file
            .iter()
            .any(|f| f.name.as_deref().unwrap_or("").is_empty())
    {
        return Err(LoadError::Image {
            path: shown,
            reason: "it holds no named file descriptors".into(),
        });
    }
    // Rules read an image as a compiler's output: check it is one.
    crate::validate::image(&shown, &bytes, &set.file)?;
    // protoc images carry no import marker: every file is checked, as buf does.
    Ok(set
        .file
        .into_iter()
        .map(|proto| InputFile {
            display: proto.name.clone().unwrap_or_default(),
            module_root: ".".into(),
            content_id: None,
            unchanged: false,
            is_import: proto
                .buf_extension
                .as_ref()
                .and_then(|e| e.is_import)
                .unwrap_or(false),
            text: None,
            stub_declares: None,
            proto,
        })
        .collect())
}
