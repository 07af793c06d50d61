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

/// A workspace layout and breaking config read from one buf.yaml.
#[derive(Debug, Clone, Default)]
pub struct BufConfig {
    /// Where the buf.yaml was found.
    pub path: PathBuf,
    /// Import roots relative to the buf.yaml directory (`.` when the directory is the root).
    pub roots: Vec<String>,
    /// Paths to leave out, relative to the buf.yaml directory.
    pub excludes: Vec<String>,
    pub breaking: BreakingSection,
    /// v2 resolves `ignore` paths from the workspace root; v1 from the module root.
    pub ignore_relative_to_workspace: bool,
}

impl BufConfig {
    /// Reads `dir/buf.yaml` (or `buf.yml`) if there is one.
    pub fn find(dir: &Path) -> Result<Option<BufConfig>, ConfigError> {
        for name in ["buf.yaml", "buf.yml"] {
            let p = dir.join(name);
            if p.is_file() {
                return BufConfig::read(&p).map(Some);
            }
        }
        Ok(None)
    }

    pub fn read(path: &Path) -> Result<BufConfig, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|e| ConfigError::Invalid {
            path: path.display().to_string(),
            reason: e.to_string(),
        })?;
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
            serde_saphyr::from_str(text).map_err(|e| invalid(e.to_string()))?
        };
        let mut cfg = BufConfig {
            path: path.to_path_buf(),
            roots: vec![".".into()],
            ..Default::default()
        };
        match raw.version.as_str() {
            "v2" => {
                cfg.ignore_relative_to_workspace = true;
                let mut breaking = raw.breaking.unwrap_or_default();
                if !raw.modules.is_empty() {
                    cfg.roots = raw
                        .modules
                        .iter()
                        .map(|m| {
                            if m.path.is_empty() {
                                ".".into()
                            } else {
                                m.path.clone()
                            }
                        })
                        .collect();
                    for m in &raw.modules {
                        cfg.excludes.extend(m.excludes.iter().cloned());
                    }
                    // One breaking config per run: a module's own section wins over the
                    // workspace default (first module that has one).
                    if let Some(b) = raw.modules.iter().find_map(|m| m.breaking.clone()) {
                        breaking = b;
                    }
                }
                cfg.breaking = breaking;
            }
            "v1" | "v1beta1" | "" => {
                let build = raw.build.unwrap_or_default();
                if !build.roots.is_empty() {
                    cfg.roots = build.roots.clone();
                }
                cfg.excludes = build.excludes;
                cfg.breaking = raw.breaking.unwrap_or_default();
            }
            other => {
                return Err(invalid(format!(
                    "unknown version {other:?} (expected v1beta1, v1 or v2)"
                )))
            }
        }
        // Reject unknown rule names now, with the file named.
        resolve_rules(&cfg.breaking.use_, &cfg.breaking.except)
            .map_err(|e| invalid(e.to_string()))?;
        for key in cfg.breaking.ignore_only.keys() {
            expand(key).map_err(|e| invalid(e.to_string()))?;
        }
        Ok(cfg)
    }
}

/// Expands a rule ID, deprecated alias or category into rule IDs.
pub fn expand(name: &str) -> Result<Vec<&'static str>, ConfigError> {
    let name = name.trim();
    if catalog::CATEGORIES.contains(&name) {
        return Ok(catalog::in_category(name));
    }
    if let Some(doc) = catalog::get(name) {
        return Ok(vec![doc.id.as_str()]);
    }
    let targets = catalog::alias_targets(name);
    if !targets.is_empty() || catalog::RETIRED_IDS.contains(&name) {
        return Ok(targets);
    }
    Err(ConfigError::UnknownRule {
        name: name.to_string(),
    })
}

/// The rules selected by `use` (default FILE) minus `except`, in catalogue order.
pub fn resolve_rules(use_: &[String], except: &[String]) -> Result<Vec<&'static str>, ConfigError> {
    let mut chosen: Vec<&'static str> = Vec::new();
    if use_.is_empty() {
        chosen.extend(expand("FILE")?);
    }
    for u in use_ {
        chosen.extend(expand(u)?);
    }
    let mut removed: Vec<&'static str> = Vec::new();
    for x in except {
        removed.extend(expand(x)?);
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
    ) -> Result<IgnoreRules, ConfigError> {
        let mut ignore_only = Vec::new();
        for (key, paths) in &b.ignore_only {
            for id in expand(key)? {
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
