//! Which rules run and which findings are ignored: buf's `buf.yaml` `breaking:` section
//! (v1beta1, v1 and v2 alike) and the `--use` / `--except` flags.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::catalog;
use crate::error::ConfigError;

/// The `breaking:` section of a buf.yaml.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default)]
pub struct BreakingSection {
    #[serde(rename = "use")]
    pub use_: Vec<String>,
    pub except: Vec<String>,
    pub ignore: Vec<String>,
    pub ignore_only: BTreeMap<String, Vec<String>>,
    pub ignore_unstable_packages: bool,
    pub disable_builtin: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BuildSection {
    roots: Vec<String>,
    excludes: Vec<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct ModuleSection {
    path: String,
    excludes: Vec<String>,
    breaking: Option<BreakingSection>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct BufYaml {
    version: String,
    build: Option<BuildSection>,
    modules: Vec<ModuleSection>,
    breaking: Option<BreakingSection>,
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
    /// v1 and v1beta1 accept the deprecated v1 rule IDs; v2 rejects them, as buf does.
    pub accepts_v1_ids: bool,
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
            serde_saphyr::from_str(text).map_err(|e| yaml_error(&e, path))?
        };
        let mut cfg = BufConfig {
            path: path.to_path_buf(),
            ..Default::default()
        };
        match raw.version.as_str() {
            "v2" => {
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
                    cfg.modules.push(Module {
                        root: if m.path.is_empty() {
                            ".".into()
                        } else {
                            m.path.trim_end_matches('/').to_string()
                        },
                        excludes: m.excludes,
                        // A module's own section replaces the workspace default, as in buf.
                        breaking: m.breaking.unwrap_or_else(|| default.clone()),
                    });
                }
            }
            "v1" | "v1beta1" | "" => {
                cfg.accepts_v1_ids = true;
                let build = raw.build.unwrap_or_default();
                let breaking = raw.breaking.unwrap_or_default();
                let roots = if build.roots.is_empty() {
                    vec![".".to_string()]
                } else {
                    build.roots
                };
                for root in roots {
                    cfg.modules.push(Module {
                        root,
                        excludes: build.excludes.clone(),
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
            resolve_rules_for(&b.use_, &b.except, cfg.accepts_v1_ids)
                .map_err(|e| invalid(e.to_string()))?;
            for key in b.ignore_only.keys() {
                expand_for(key, cfg.accepts_v1_ids).map_err(|e| invalid(e.to_string()))?;
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
fn read_config_text(path: &Path) -> Result<String, ConfigError> {
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

/// `path:line:col: reason` from a YAML error, on one line.
fn yaml_error(e: &serde_saphyr::Error, path: &Path) -> ConfigError {
    let inner = e.without_snippet();
    let first = inner.to_string();
    let first = first.lines().next().unwrap_or("").trim();
    // The message starts with its own "error: line L column C:" prefix: keep the reason.
    let reason = match first.split_once(": ") {
        Some((head, rest)) if head.contains("line") || head == "error" => {
            match rest.split_once(": ") {
                Some((pos, r)) if pos.starts_with("line ") => r.to_string(),
                _ => rest.to_string(),
            }
        }
        _ => first.to_string(),
    };
    let location = match inner.location() {
        Some(l) => format!("{}:{}:{}", path.display(), l.line(), l.column()),
        None => path.display().to_string(),
    };
    ConfigError::Invalid {
        path: location,
        reason,
    }
}

/// Which rules run and which findings are ignored, per module of the workspace, and the
/// switches of protoguard's own config.
#[derive(Debug, Clone, Default)]
pub struct Policy {
    pub modules: Vec<ModulePolicy>,
    pub options: crate::rules::RuleOptions,
}

/// protoguard's own settings (`protoguard.yaml` beside buf.yaml): what buf has no word for.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// Accept a message or enum type renamed to a structurally wire-compatible one.
    pub structural_types: bool,
}

impl Settings {
    /// Reads `dir/protoguard.yaml` if there is one.
    pub fn find(dir: &Path) -> Result<Settings, ConfigError> {
        let path = dir.join("protoguard.yaml");
        if path.symlink_metadata().is_err() {
            return Ok(Settings::default());
        }
        let text = read_config_text(&path)?;
        if text.trim().is_empty() {
            return Ok(Settings::default());
        }
        serde_saphyr::from_str(&text).map_err(|e| yaml_error(&e, &path))
    }
}

#[derive(Debug, Clone, Default)]
pub struct ModulePolicy {
    /// The module's import root relative to the workspace (`.` for a plain directory).
    pub root: String,
    pub rules: Vec<&'static str>,
    pub ignore: IgnoreRules,
}

impl Policy {
    /// One module with these rules and ignores (a plain directory or image).
    pub fn single(rules: Vec<&'static str>, ignore: IgnoreRules) -> Policy {
        Policy {
            modules: vec![ModulePolicy {
                root: ".".into(),
                rules,
                ignore,
            }],
            options: Default::default(),
        }
    }

    /// From a buf.yaml (or none), with `--use`/`--except` overriding every module's.
    pub fn new(
        cfg: Option<&BufConfig>,
        use_: &[String],
        except: &[String],
    ) -> Result<Policy, ConfigError> {
        let Some(cfg) = cfg else {
            return Ok(Policy::single(
                resolve_rules(use_, except)?,
                IgnoreRules::default(),
            ));
        };
        let mut modules = Vec::new();
        for m in &cfg.modules {
            let b = &m.breaking;
            let rules = if use_.is_empty() && except.is_empty() {
                resolve_rules_for(&b.use_, &b.except, cfg.accepts_v1_ids)?
            } else if use_.is_empty() {
                resolve_rules(&b.use_, except)?
            } else {
                resolve_rules(use_, except)?
            };
            let prefix = if cfg.ignore_relative_to_workspace {
                m.root.as_str()
            } else {
                ""
            };
            modules.push(ModulePolicy {
                root: m.root.clone(),
                rules,
                ignore: IgnoreRules::from_section(b, prefix, cfg.accepts_v1_ids)?,
            });
        }
        Ok(Policy {
            modules,
            options: Default::default(),
        })
    }

    /// Every rule some module runs, in catalogue order.
    pub fn all_rules(&self) -> Vec<&'static str> {
        catalog::all()
            .iter()
            .map(|d| d.id.as_str())
            .filter(|id| self.modules.iter().any(|m| m.rules.contains(id)))
            .collect()
    }

    fn module(&self, root: &str) -> Option<&ModulePolicy> {
        self.modules
            .iter()
            .find(|m| m.root == root)
            .or_else(|| (self.modules.len() == 1).then(|| &self.modules[0]))
    }

    /// Whether a finding of `rule` on these files (module root, import path, package of the
    /// new and of the old file, where they exist) is reported.
    pub fn keeps(&self, rule: &str, new: Option<FileRef>, old: Option<FileRef>) -> bool {
        let Some(owner) = new.or(old) else {
            return self.modules.iter().any(|m| m.rules.contains(&rule));
        };
        let Some(module) = self.module(owner.module_root) else {
            return false;
        };
        if !module.rules.contains(&rule) {
            return false;
        }
        [new, old].into_iter().flatten().all(|f| {
            let m = self.module(f.module_root).unwrap_or(module);
            !m.ignore.ignores(rule, f.name, f.package)
        })
    }
}

/// What a policy needs to know of a file.
#[derive(Clone, Copy, Debug)]
pub struct FileRef<'a> {
    pub module_root: &'a str,
    pub name: &'a str,
    pub package: &'a str,
}

/// Expands a rule ID, deprecated v1 alias or category into rule IDs.
pub fn expand(name: &str) -> Result<Vec<&'static str>, ConfigError> {
    expand_for(name, true)
}

/// As [`expand`]; deprecated v1 IDs only where `v1_ids` (v1 configs and the command line).
pub fn expand_for(name: &str, v1_ids: bool) -> Result<Vec<&'static str>, ConfigError> {
    let name = name.trim();
    if catalog::CATEGORIES.contains(&name) {
        return Ok(catalog::in_category(name));
    }
    if let Some(doc) = catalog::get(name) {
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

/// The rules selected by `use` (default FILE) minus `except`, in catalogue order.
pub fn resolve_rules(use_: &[String], except: &[String]) -> Result<Vec<&'static str>, ConfigError> {
    resolve_rules_for(use_, except, true)
}

fn resolve_rules_for(
    use_: &[String],
    except: &[String],
    v1_ids: bool,
) -> Result<Vec<&'static str>, ConfigError> {
    let mut chosen: Vec<&'static str> = Vec::new();
    if use_.is_empty() {
        chosen.extend(expand("FILE")?);
    }
    for u in use_ {
        chosen.extend(expand_for(u, v1_ids)?);
    }
    let mut removed: Vec<&'static str> = Vec::new();
    for x in except {
        removed.extend(expand_for(x, v1_ids)?);
    }
    let mut out: Vec<&'static str> = catalog::all()
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| chosen.contains(id) && !removed.contains(id))
        .collect();
    out.dedup();
    Ok(out)
}

/// Decides which findings a config ignores.
#[derive(Debug, Clone, Default)]
pub struct IgnoreRules {
    pub ignore: Vec<String>,
    /// rule ID -> paths.
    pub ignore_only: Vec<(&'static str, String)>,
    pub ignore_unstable_packages: bool,
    /// Prefix added to a file's import path before matching (v2: the module directory).
    pub path_prefix: String,
}

impl IgnoreRules {
    pub fn from_section(
        b: &BreakingSection,
        path_prefix: &str,
        v1_ids: bool,
    ) -> Result<IgnoreRules, ConfigError> {
        let mut ignore_only = Vec::new();
        for (key, paths) in &b.ignore_only {
            for id in expand_for(key, v1_ids)? {
                for p in paths {
                    ignore_only.push((id, normalize(p)));
                }
            }
        }
        Ok(IgnoreRules {
            ignore: b.ignore.iter().map(|p| normalize(p)).collect(),
            ignore_only,
            ignore_unstable_packages: b.ignore_unstable_packages,
            path_prefix: path_prefix.to_string(),
        })
    }

    /// True when a finding of `rule` on a file with this import path and package is ignored.
    pub fn ignores(&self, rule: &str, file: &str, package: &str) -> bool {
        let full = if self.path_prefix.is_empty() || self.path_prefix == "." {
            file.to_string()
        } else {
            format!("{}/{}", self.path_prefix.trim_end_matches('/'), file)
        };
        if self.ignore.iter().any(|p| under(&full, p)) {
            return true;
        }
        if self
            .ignore_only
            .iter()
            .any(|(id, p)| *id == rule && under(&full, p))
        {
            return true;
        }
        self.ignore_unstable_packages && is_unstable_package(package)
    }
}

fn normalize(p: &str) -> String {
    p.trim_start_matches("./").trim_end_matches('/').to_string()
}

/// `path` is `prefix` or lies in the directory `prefix`.
fn under(path: &str, prefix: &str) -> bool {
    prefix.is_empty()
        || prefix == "."
        || path == prefix
        || path
            .strip_prefix(prefix)
            .is_some_and(|rest| rest.starts_with('/'))
}

/// buf's unstable packages: the last component is `vNalpha`, `vNbeta` (with an optional
/// number), `vNpMalpha`/`vNpMbeta`, or starts with `vNtest`. `v0` is stable.
pub fn is_unstable_package(package: &str) -> bool {
    let last = package.rsplit('.').next().unwrap_or("");
    let Some(rest) = last.strip_prefix('v') else {
        return false;
    };
    let digits = rest.chars().take_while(char::is_ascii_digit).count();
    if digits == 0 {
        return false;
    }
    let mut rest = &rest[digits..];
    if rest.starts_with("test") {
        return true;
    }
    if let Some(r) = rest.strip_prefix('p') {
        let d = r.chars().take_while(char::is_ascii_digit).count();
        if d == 0 {
            return false;
        }
        rest = &r[d..];
    }
    for stage in ["alpha", "beta"] {
        if let Some(r) = rest.strip_prefix(stage) {
            return r.chars().all(|c| c.is_ascii_digit());
        }
    }
    false
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unstable_packages() {
        for p in [
            "foo.v1alpha1",
            "foo.v1beta",
            "foo.v1p1beta1",
            "foo.v1test",
            "foo.v2testfoo",
            "v1alpha",
        ] {
            assert!(is_unstable_package(p), "{p}");
        }
        for p in [
            "foo.v1",
            "foo.v0",
            "foo",
            "foo.alpha",
            "foo.v1alphax",
            "foo.v1.bar",
        ] {
            assert!(!is_unstable_package(p), "{p}");
        }
    }

    #[test]
    fn ignore_matches_directories_not_prefixes() {
        assert!(under("foo/bar.proto", "foo"));
        assert!(!under("foobar/x.proto", "foo"));
        assert!(under("foo/bar.proto", "foo/bar.proto"));
    }
}
