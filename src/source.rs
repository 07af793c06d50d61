//! Sources: what a user names on the command line (a directory that is an import root, or a
//! FileDescriptorSet image) turned into the compiled files of one side.

use std::path::{Path, PathBuf};

use prost::Message as _;

use std::sync::Arc;

use crate::compile::{self, Root, Sources};
use crate::config::BufConfig;
use crate::descriptor::FileDescriptorSet;
use crate::error::{ConfigError, LoadError};
use crate::git::{self, GitSpec, GitTarget};
use crate::index::{Index, InputFile};

/// One side of a comparison, as named by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A directory: the import root, every `*.proto` below it is checked.
    Dir(PathBuf),
    /// A binary `FileDescriptorSet` (`buf build -o x.binpb`, `protoc -o x.binpb`).
    Image(PathBuf),
    /// A commit, branch, tag or the index of a git repository.
    Git(GitSpec),
}

impl Input {
    /// Interprets a command-line argument.
    pub fn parse(spec: &str) -> Result<Input, LoadError> {
        if let Some(git) = GitSpec::parse(spec) {
            return git.map(Input::Git);
        }
        let path = PathBuf::from(spec);
        let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound {
                path: spec.to_string(),
            },
            _ => LoadError::Unreadable {
                path: spec.to_string(),
                reason: e.to_string(),
            },
        })?;
        Ok(if meta.is_dir() {
            Input::Dir(path)
        } else if path.extension().is_some_and(|x| x == "proto") {
            // Source files are not images: decoding one would fail with a confusing reason.
            return Err(LoadError::ProtoFile {
                path: spec.to_string(),
            });
        } else {
            Input::Image(path)
        })
    }

    pub fn display(&self) -> String {
        match self {
            Input::Dir(p) | Input::Image(p) => p.display().to_string(),
            Input::Git(g) => g.text.clone(),
        }
    }

    /// The buf.yaml of a directory input, if it has one.
    pub fn buf_config(&self) -> Result<Option<BufConfig>, ConfigError> {
        match self {
            Input::Dir(p) => BufConfig::find(p),
            // A git side follows the layout of the buf.yaml it is compared with.
            Input::Image(_) | Input::Git(_) => Ok(None),
        }
    }
}

/// How to load a side: extra include roots (`-I`), and the layout of its buf.yaml.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub includes: Vec<PathBuf>,
    pub layout: Option<BufConfig>,
}

/// One loaded side: its index and the import roots it was read from.
#[derive(Debug)]
pub struct Schema {
    pub index: Index,
    pub input: Input,
}

impl Schema {
    /// Reads, compiles and indexes one side.
    pub fn load(input: &Input, options: &LoadOptions) -> Result<Schema, LoadError> {
        let files = match input {
            Input::Dir(dir) => load_dir(dir, options)?,
            Input::Image(path) => load_image(path)?,
            Input::Git(spec) => load_git(spec, options)?,
        };
        Ok(Schema {
            index: Index::build(files),
            input: input.clone(),
        })
    }
}

fn dir_display(dir: &Path) -> String {
    let s = dir.display().to_string();
    let s = s.trim_end_matches('/');
    let s = s.strip_prefix("./").unwrap_or(s);
    if s.is_empty() || s == "." {
        String::new()
    } else {
        s.to_string()
    }
}

fn load_dir(dir: &Path, options: &LoadOptions) -> Result<Vec<InputFile>, LoadError> {
    let base = dir_display(dir);
    let (module_roots, excludes) = match &options.layout {
        Some(cfg) => (cfg.roots(), cfg.excludes()),
        None => (vec![".".to_string()], Vec::new()),
    };
    let mut roots = Vec::new();
    let mut files = Vec::new();
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
        files.extend(compile::find_protos(&path, &local)?);
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
    files.sort();
    files.dedup();
    compile::compile(&roots, &files)
}

fn load_git(spec: &GitSpec, options: &LoadOptions) -> Result<Vec<InputFile>, LoadError> {
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
    let mut files = std::collections::BTreeMap::new();
    let mut modules = std::collections::BTreeMap::new();
    let mut described = String::new();
    for m in &module_roots {
        let mut sub = spec.clone();
        if m != "." {
            sub.subdir = compile::display_path(&spec.subdir, m);
        }
        let tree = match commit {
            None => git::read_index(&repo, &sub)?,
            Some(c) => git::read_commit(&repo, c, &sub)?,
        };
        described = tree.described;
        for (name, file) in tree.files {
            modules.insert(name.clone(), (m.clone(), sub.subdir.clone()));
            files.insert(name, file);
        }
    }
    if files.is_empty() {
        return Err(LoadError::Empty {
            path: format!("{} ({described})", spec.text),
        });
    }
    let names: Vec<String> = files.keys().cloned().collect();
    let includes: Vec<Root> = options
        .includes
        .iter()
        .map(|inc| Root {
            path: inc.clone(),
            display: dir_display(inc),
            module: String::new(),
        })
        .collect();
    // Paths are shown relative to the repository's top, where CI annotations expect them.
    let mut inputs = compile::compile_sources(
        &Sources::Git {
            files: Arc::new(files),
            display: &spec.subdir,
            includes: &includes,
        },
        &names,
    )?;
    for input in &mut inputs {
        if let Some((module, subdir)) = input.proto.name.as_deref().and_then(|n| modules.get(n)) {
            input.module_root = module.clone();
            input.display =
                compile::display_path(subdir, input.proto.name.as_deref().unwrap_or(""));
        }
    }
    Ok(inputs)
}

fn load_image(path: &Path) -> Result<Vec<InputFile>, LoadError> {
    let shown = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| LoadError::Unreadable {
        path: shown.clone(),
        reason: e.to_string(),
    })?;
    let set = FileDescriptorSet::decode(bytes.as_slice()).map_err(|e| LoadError::Image {
        path: shown.clone(),
        reason: e.to_string(),
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
    // protoc images carry no import marker: every file is checked, as buf does.
    Ok(set
        .file
        .into_iter()
        .map(|proto| InputFile {
            display: proto.name.clone().unwrap_or_default(),
            module_root: ".".into(),
            content_id: None,
            is_import: proto
                .buf_extension
                .as_ref()
                .and_then(|e| e.is_import)
                .unwrap_or(false),
            origin: None,
            proto,
        })
        .collect())
}

/// The two sides a `check` compares, as resolved from the command line.
#[derive(Debug)]
pub struct InputPair {
    pub new: Input,
    pub old: Input,
    /// Which baseline `latest-release` chose, for the user to see.
    pub baseline: Option<String>,
}

/// Resolves NEW, `--against`, `--staged` and `latest-release` into two inputs.
///
/// - `--staged`: NEW is the index (what is about to be committed) under the directory NEW
///   names in the work tree; the default baseline is `HEAD`.
/// - `--against latest-release`: the highest semver tag matching `tag_pattern`, else the
///   merge-base of HEAD with the default branch.
/// - A git baseline without `subdir=` compared with a directory inside the same work tree
///   reads the same directory of the commit, so `check proto --against git:main` works.
pub fn resolve_pair(
    new: &str,
    against: Option<&str>,
    staged: bool,
    tag_pattern: &str,
) -> Result<InputPair, LoadError> {
    // Where NEW sits inside its work tree, if it is a directory in one.
    let in_repo = |dir: &str| -> Option<(PathBuf, String)> {
        let repo = git2::Repository::discover(dir).ok()?;
        let top = repo.workdir()?.canonicalize().ok()?;
        let here = Path::new(dir).canonicalize().ok()?;
        let rel = here.strip_prefix(&top).ok()?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Some((top, rel))
    };
    let new_input = if staged {
        let (top, rel) = in_repo(new).ok_or_else(|| LoadError::Git {
            input: "--staged".into(),
            reason: format!("{new} is not a directory inside a git work tree"),
        })?;
        let mut spec = GitSpec::staged(&rel);
        spec.repo = top;
        Input::Git(spec)
    } else {
        Input::parse(new)?
    };
    let new_location = match &new_input {
        Input::Dir(_) => in_repo(new),
        Input::Git(g) if g.target == GitTarget::Staged => Some((g.repo.clone(), g.subdir.clone())),
        _ => None,
    };
    let mut baseline = None;
    let mut old_input = match against {
        Some("latest-release") => {
            let from = new_location
                .as_ref()
                .map(|(top, _)| top.clone())
                .unwrap_or_else(|| PathBuf::from("."));
            let repo = git2::Repository::discover(&from).map_err(|e| LoadError::Git {
                input: "latest-release".into(),
                reason: format!("not a git repository: {}", e.message()),
            })?;
            let (mut spec, note) = git::latest_release(&repo, tag_pattern)?;
            spec.repo = from;
            baseline = Some(note);
            Input::Git(spec)
        }
        Some(spec) => Input::parse(spec)?,
        None if staged => {
            let (top, _) = new_location.clone().unwrap_or_default();
            Input::Git(GitSpec {
                repo: top,
                target: GitTarget::Ref("HEAD".into()),
                subdir: String::new(),
                text: "HEAD".into(),
            })
        }
        None => {
            return Err(LoadError::Git {
                input: "--against".into(),
                reason: "missing: name the schema to compare with (a directory, an image, a git ref such as .git#branch=main, or latest-release), or use --staged".into(),
            })
        }
    };
    if let (Input::Git(old), Some((top, rel))) = (&mut old_input, &new_location) {
        let same_repo = git::open(old)
            .ok()
            .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok()))
            .is_some_and(|w| &w == top);
        if old.subdir.is_empty() && !old.text.contains("subdir=") && same_repo {
            old.subdir = rel.clone();
        }
    }
    Ok(InputPair {
        new: new_input,
        old: old_input,
        baseline,
    })
}
