//! Sources: what a user names on the command line (a directory that is an import root, or a
//! FileDescriptorSet image) turned into the compiled files of one side.

use std::path::{Path, PathBuf};

use prost::Message as _;

use crate::compile::{self, Root};
use crate::config::BufConfig;
use crate::descriptor::FileDescriptorSet;
use crate::error::{ConfigError, LoadError};
use crate::index::{Index, InputFile};

/// One side of a comparison, as named by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A directory: the import root, every `*.proto` below it is checked.
    Dir(PathBuf),
    /// A binary `FileDescriptorSet` (`buf build -o x.binpb`, `protoc -o x.binpb`).
    Image(PathBuf),
}

impl Input {
    /// Interprets a command-line argument.
    pub fn parse(spec: &str) -> Result<Input, LoadError> {
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
        }
    }

    /// The buf.yaml of a directory input, if it has one.
    pub fn buf_config(&self) -> Result<Option<BufConfig>, ConfigError> {
        match self {
            Input::Dir(p) => BufConfig::find(p),
            Input::Image(_) => Ok(None),
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
