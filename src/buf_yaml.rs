//! buf.yaml as read from the disk: its version, its modules (import roots and excludes) and
//! each module's `breaking:` section as written (v1beta1, v1 and v2 alike), checked strictly
//! with buf's words for every mistake. What the section's rule names and ignores mean is
//! decided above the rules ([`crate::config`]); where the sources are is read here, so
//! loading a side needs nothing from the layers above it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog::{self, Version};
use crate::error::ConfigError;

/// The `breaking:` section of a buf.yaml. Unknown keys are errors, as in buf.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct BreakingSection {
    #[serde(rename = "use")]
    pub use_: Vec<String>,
    pub except: Vec<String>,
    pub ignore: Vec<String>,
    pub ignore_only: BTreeMap<String, Vec<String>>,
    pub ignore_unstable_packages: bool,
    pub disable_builtin: bool,
}

/// A path of the workspace, with where it is written (for errors).
type PathEntry = serde_saphyr::Spanned<String>;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BuildSection {
    roots: Vec<PathEntry>,
    excludes: Vec<PathEntry>,
}

/// Keys buf knows that protoguard has no use for: accepted, not read.
type Unused = Option<serde::de::IgnoredAny>;

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct ModuleSection {
    path: Option<PathEntry>,
    excludes: Vec<PathEntry>,
    breaking: Option<BreakingSection>,
    name: Unused,
    lint: Unused,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
struct BufYaml {
    version: String,
    build: Option<BuildSection>,
    modules: Vec<ModuleSection>,
    breaking: Option<BreakingSection>,
    name: Unused,
    deps: Unused,
    lint: Unused,
    plugins: Unused,
    policies: Unused,
}

/// One module of a buf workspace: an import root and its own `breaking:` section.
#[derive(Debug, Clone, Default)]
pub struct Module {
    /// The import root relative to the buf.yaml directory (`.` for the directory itself).
    pub root: String,
    /// Paths to leave out, relative to the buf.yaml directory.
    pub excludes: Vec<String>,
    pub breaking: BreakingSection,
}

/// A workspace layout and breaking config read from one buf.yaml.
#[derive(Debug, Clone, Default)]
pub struct BufConfig {
    /// Where the buf.yaml was found.
    pub path: PathBuf,
    pub modules: Vec<Module>,
    /// v2 resolves `ignore` paths from the workspace root; v1 from the module root.
    pub ignore_relative_to_workspace: bool,
    /// The version whose rule registry names and categories mean (v1 and v1beta1 also
    /// accept the deprecated v1 rule IDs; v2 rejects them, as buf does).
    pub version: Version,
}

impl BufConfig {
    /// Reads `dir/buf.yaml` (or `buf.yml`) if there is one.
    pub fn find(dir: &Path) -> Result<Option<BufConfig>, ConfigError> {
        for name in ["buf.yaml", "buf.yml"] {
            let p = dir.join(name);
            // Anything by that name is the config: a FIFO or a directory is an error, not
            // a reason to run without it.
            if p.symlink_metadata().is_ok() {
                return BufConfig::read(&p).map(Some);
            }
        }
        Ok(None)
    }

    pub fn read(path: &Path) -> Result<BufConfig, ConfigError> {
        let text = read_config_text(path)?;
        BufConfig::parse(&text, path)
    }

    pub fn parse(text: &str, path: &Path) -> Result<BufConfig, ConfigError> {
        let invalid = |reason: String| ConfigError::Invalid {
            path: path.display().to_string(),
            reason,
        };
        let raw: BufYaml = if text.trim().is_empty() {
            BufYaml::default()
        } else {
            from_yaml(text, path)?
        };
        // Module paths, roots and excludes stay inside the workspace, as buf requires.
        let place = |p: &PathEntry| {
            format!(
                "{}:{}:{}",
                crate::limits::shown_path(path),
                p.referenced.line(),
                p.referenced.column()
            )
        };
        let inside = |p: &PathEntry, what: &str| -> Result<String, ConfigError> {
            workspace_path(&p.value).map_err(|why| ConfigError::Invalid {
                path: place(p),
                reason: format!("invalid {what}: {}: {why}", p.value),
            })
        };
        let mut cfg = BufConfig {
            path: path.to_path_buf(),
            ..Default::default()
        };
        match raw.version.as_str() {
            "v2" => {
                cfg.version = Version::V2;
                cfg.ignore_relative_to_workspace = true;
                let default = raw.breaking.unwrap_or_default();
                if raw.modules.is_empty() {
                    cfg.modules.push(Module {
                        root: ".".into(),
                        excludes: Vec::new(),
                        breaking: default.clone(),
                    });
                }
                for m in raw.modules {
                    let root = match &m.path {
                        Some(p) => inside(p, "module path")?,
                        None => ".".into(),
                    };
                    cfg.modules.push(Module {
                        root,
                        excludes: m
                            .excludes
                            .iter()
                            .map(|x| inside(x, "exclude path"))
                            .collect::<Result<_, _>>()?,
                        // A module's own section replaces the workspace default, as in buf.
                        breaking: m.breaking.unwrap_or_else(|| default.clone()),
                    });
                }
            }
            // buf refuses a buf.yaml without a version (an empty one too).
            "" => {
                return Err(invalid(
                    "\"version\" is not set. Please add \"version: v2\"".into(),
                ))
            }
            "v1" | "v1beta1" => {
                cfg.version = if raw.version == "v1" {
                    Version::V1
                } else {
                    Version::V1Beta1
                };
                let build = raw.build.unwrap_or_default();
                let breaking = raw.breaking.unwrap_or_default();
                let roots = if build.roots.is_empty() {
                    vec![".".to_string()]
                } else {
                    build
                        .roots
                        .iter()
                        .map(|r| inside(r, "build root"))
                        .collect::<Result<_, _>>()?
                };
                let excludes: Vec<String> = build
                    .excludes
                    .iter()
                    .map(|x| inside(x, "exclude path"))
                    .collect::<Result<_, _>>()?;
                for root in roots {
                    cfg.modules.push(Module {
                        root,
                        excludes: excludes.clone(),
                        breaking: breaking.clone(),
                    });
                }
            }
            other => {
                return Err(invalid(format!(
                    "unknown version {other:?} (expected v1beta1, v1 or v2)"
                )))
            }
        }
        // Reject unknown rule names now, with the file named.
        for m in &cfg.modules {
            let b = &m.breaking;
            resolve_rules_for(&b.use_, &b.except, cfg.version)
                .map_err(|e| invalid(e.to_string()))?;
            for key in b.ignore_only.keys() {
                expand_for(key, cfg.version).map_err(|e| invalid(e.to_string()))?;
            }
        }
        Ok(cfg)
    }

    /// The import roots, relative to the buf.yaml directory.
    pub fn roots(&self) -> Vec<String> {
        self.modules.iter().map(|m| m.root.clone()).collect()
    }

    /// Every module's excludes, relative to the buf.yaml directory.
    pub fn excludes(&self) -> Vec<String> {
        self.modules
            .iter()
            .flat_map(|m| m.excludes.iter().cloned())
            .collect()
    }
}

/// A config file's text: a regular file, at most [`crate::limits::MAX_CONFIG_BYTES`],
/// UTF-8.
pub(crate) fn read_config_text(path: &Path) -> Result<String, ConfigError> {
    let invalid = |reason: String| ConfigError::Invalid {
        path: crate::limits::shown_path(path),
        reason,
    };
    let bytes = crate::limits::read_regular(path, crate::limits::MAX_CONFIG_BYTES)
        .map_err(|r| invalid(format!("cannot read: {r}")))?;
    String::from_utf8(bytes).map_err(|e| {
        let (line, col) = {
            let valid = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let text = std::str::from_utf8(valid).unwrap_or("");
            crate::limits::line_col(text, valid.len())
        };
        ConfigError::Invalid {
            path: format!("{}:{line}:{col}", crate::limits::shown_path(path)),
            reason: "not valid UTF-8".into(),
        }
    })
}

/// A relative path inside the workspace, normalized (`a/./b/` is `a/b`, `.` the workspace
/// itself); the reason in buf's words when it is absolute or climbs out.
fn workspace_path(p: &str) -> Result<String, &'static str> {
    if p.starts_with('/') || p.starts_with('\\') || p.get(1..3) == Some(":\\") {
        return Err("expected to be relative");
    }
    let mut parts: Vec<&str> = Vec::new();
    for part in p.split('/') {
        match part {
            "" | "." => {}
            ".." => {
                if parts.pop().is_none() {
                    return Err("is outside the workspace directory");
                }
            }
            other => parts.push(other),
        }
    }
    Ok(if parts.is_empty() {
        ".".to_string()
    } else {
        parts.join("/")
    })
}

/// Reads a config document: strict booleans (`true`/`false`, not `yes` or `"yes"`), one
/// document, errors in the user's terms.
pub(crate) fn from_yaml<T: serde::de::DeserializeOwned>(
    text: &str,
    path: &Path,
) -> Result<T, ConfigError> {
    let options = serde_saphyr::Options {
        strict_booleans: true,
        with_snippet: false,
        ..Default::default()
    };
    serde_saphyr::from_str_with_options(text, options).map_err(|e| yaml_error(&e, text, path))
}

/// `path:line:col: reason` from a YAML error, on one line, in the user's terms (no parser
/// events, no API names), the position given once.
fn yaml_error(e: &serde_saphyr::Error, text: &str, path: &Path) -> ConfigError {
    use serde_saphyr::Error as E;
    let inner = e.without_snippet();
    let reason = match inner {
        E::Unexpected { expected, .. } => format!("expected {}", expected_in_words(expected)),
        E::Eof { .. } => "unexpected end of file".to_string(),
        E::ContainerEndMismatch { .. } => "a list or mapping is not closed".to_string(),
        E::UnknownAnchor { .. } => "an alias (*name) refers to no anchor (&name)".to_string(),
        E::Budget { .. } => {
            "the document is too large once its aliases are expanded (an alias bomb?)".to_string()
        }
        E::Message { msg, .. } => message_in_words(msg),
        other => message_in_words(&other.to_string()),
    };
    let shown = crate::limits::shown_path(path);
    let mut at = inner
        .location()
        .map(|l| (l.line() as usize, l.column() as usize));
    // An unknown key is reported at its mapping: point at the key itself, as buf does.
    if let (Some(name), Some((line, _))) = (reason.strip_prefix("field "), at) {
        let name = name.trim_end_matches(" not found");
        at = key_position(text, name, line).or(at);
    }
    let location = match at {
        Some((line, col)) => format!("{shown}:{line}:{col}"),
        None => shown,
    };
    ConfigError::Invalid {
        path: location,
        reason,
    }
}

/// Where `name:` is written as a key, on `from_line` or after (1-based line and column).
fn key_position(text: &str, name: &str, from_line: usize) -> Option<(usize, usize)> {
    text.lines()
        .enumerate()
        .skip(from_line.saturating_sub(1))
        .find_map(|(i, line)| {
            let body = line.trim_start();
            let body = body.strip_prefix("- ").map_or(body, str::trim_start);
            let key = body
                .strip_prefix(name)
                .or_else(|| body.strip_prefix(&format!("\"{name}\"")))
                .or_else(|| body.strip_prefix(&format!("'{name}'")))?;
            key.trim_start()
                .starts_with(':')
                .then(|| (i + 1, line.len() - body.len() + 1))
        })
}

/// A YAML parser's expectation (`sequence start`) as a user would say it.
fn expected_in_words(expected: &str) -> String {
    match expected {
        "sequence start" => "a list".to_string(),
        "mapping start" | "empty mapping start" => "a mapping (key: value)".to_string(),
        "mapping end" | "empty mapping end" => "the end of the mapping".to_string(),
        "string scalar" | "missing string" => "a string".to_string(),
        "bool expected" | "missing bool" => "true or false".to_string(),
        "non-scalar key" => "a plain key".to_string(),
        other => format!("something else ({other})"),
    }
}

/// serde's and the parser's messages as a user would say them; buf's words where it has
/// some ("field X not found").
fn message_in_words(msg: &str) -> String {
    let msg = msg.lines().next().unwrap_or("").trim();
    // Drop a trailing " at line L, column C": the location is given once, in front.
    let msg = match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(", column ") => &msg[..i],
        _ => msg,
    };
    if let Some(rest) = msg.strip_prefix("unknown field `") {
        let name = rest.split('`').next().unwrap_or(rest);
        return format!("field {name} not found");
    }
    if msg.starts_with("multiple YAML documents") {
        return "more than one YAML document (---): a config file is one document".to_string();
    }
    if msg.starts_with("Recursive references") {
        return "an alias (*name) refers to the node that contains it".to_string();
    }
    if let Some(rest) = msg.strip_prefix("invalid YAML 1.1 bool: ") {
        return format!("expected true or false, found {rest}");
    }
    if msg.starts_with("invalid boolean") {
        return "expected true or false".to_string();
    }
    msg.to_string()
}

/// Expands a rule ID, deprecated v1 alias or category into rule IDs, as v2 means them
/// (the command line also takes the deprecated v1 IDs).
pub fn expand(name: &str) -> Result<Vec<&'static str>, ConfigError> {
    expand_in(name, Version::V2, true)
}

/// As [`expand`], as a buf.yaml of `version` means it: only that version's rules and
/// categories exist, and deprecated v1 IDs only in v1 and v1beta1.
pub fn expand_for(name: &str, version: Version) -> Result<Vec<&'static str>, ConfigError> {
    expand_in(name, version, version != Version::V2)
}

/// As [`expand_for`]; deprecated v1 IDs where `v1_ids` (v1 configs and the command line).
fn expand_in(name: &str, version: Version, v1_ids: bool) -> Result<Vec<&'static str>, ConfigError> {
    let name = name.trim();
    if version.has_category(name) {
        return Ok(version.in_category(name));
    }
    if let Some(doc) = catalog::get(name).filter(|d| version.has(&d.id)) {
        return Ok(vec![doc.id.as_str()]);
    }
    let targets = catalog::alias_targets(name);
    if v1_ids && (!targets.is_empty() || catalog::RETIRED_IDS.contains(&name)) {
        return Ok(targets);
    }
    Err(ConfigError::UnknownRule {
        name: name.to_string(),
    })
}

/// The rules selected by `use` (default FILE) minus `except`, in catalogue order, as v2
/// means them (deprecated v1 IDs accepted, as on the command line).
pub fn resolve_rules(use_: &[String], except: &[String]) -> Result<Vec<&'static str>, ConfigError> {
    resolve_rules_in(use_, except, Version::V2, true)
}

pub(crate) fn resolve_rules_for(
    use_: &[String],
    except: &[String],
    version: Version,
) -> Result<Vec<&'static str>, ConfigError> {
    resolve_rules_in(use_, except, version, version != Version::V2)
}

fn resolve_rules_in(
    use_: &[String],
    except: &[String],
    version: Version,
    v1_ids: bool,
) -> Result<Vec<&'static str>, ConfigError> {
    let mut chosen: Vec<&'static str> = Vec::new();
    if use_.is_empty() {
        chosen.extend(version.in_category("FILE"));
    }
    for u in use_ {
        chosen.extend(expand_in(u, version, v1_ids)?);
    }
    let mut removed: Vec<&'static str> = Vec::new();
    for x in except {
        removed.extend(expand_in(x, version, v1_ids)?);
    }
    let mut out: Vec<&'static str> = catalog::all()
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| chosen.contains(id) && !removed.contains(id))
        .collect();
    out.dedup();
    Ok(out)
}
