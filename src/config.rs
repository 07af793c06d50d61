//! Which rules run and which findings are ignored: what buf's `buf.yaml` `breaking:` section
//! (v1beta1, v1 and v2 alike, read by [`crate::buf_yaml`]) and the `--use` / `--except`
//! flags mean, per module of the workspace.

use std::path::Path;

use serde::Deserialize;

use crate::catalog::{self, Version};
use crate::error::ConfigError;

// buf.yaml itself is read below the rules (sources need its roots); its `breaking:` section
// is interpreted here.
pub use crate::buf_yaml::{expand, expand_for, resolve_rules};
pub(crate) use crate::buf_yaml::{from_yaml, read_config_text, resolve_rules_for};
pub use crate::buf_yaml::{BreakingSection, BufConfig, Module};

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
        from_yaml(&text, &path)
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
    /// Adds every rule of `category` to every module, in catalogue order (for
    /// protoguard.yaml's `use:`, e.g. GOOGLE_API); adding twice changes nothing.
    pub fn enable_category(&mut self, category: &str) {
        let rules = catalog::in_category(category);
        for module in &mut self.modules {
            for id in &rules {
                if !module.rules.contains(id) {
                    module.rules.push(id);
                }
            }
            module.rules.sort_by_key(|id| {
                catalog::all()
                    .iter()
                    .position(|d| d.id == *id)
                    .unwrap_or(usize::MAX)
            });
        }
    }

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

    /// From a buf.yaml (or none), with `--use`/`--except` overriding every module's. Names
    /// mean what the buf.yaml's version means by them. Without a buf.yaml, the rules are
    /// buf's own default when it finds no config (v1's FILE category); rules named on the
    /// command line then mean what they mean in v2.
    pub fn new(
        cfg: Option<&BufConfig>,
        use_: &[String],
        except: &[String],
    ) -> Result<Policy, ConfigError> {
        let Some(cfg) = cfg else {
            let mut rules = resolve_rules(use_, except)?;
            if use_.is_empty() {
                let default = Version::V1.in_category("FILE");
                rules.retain(|id| default.contains(id));
            }
            return Ok(Policy::single(rules, IgnoreRules::default()));
        };
        let mut modules = Vec::new();
        for m in &cfg.modules {
            let b = &m.breaking;
            let (use_, except) = match (use_.is_empty(), except.is_empty()) {
                (true, true) => (&b.use_[..], &b.except[..]),
                (true, false) => (&b.use_[..], except),
                (false, _) => (use_, except),
            };
            let rules = resolve_rules_for(use_, except, cfg.version)?;
            let prefix = if cfg.ignore_relative_to_workspace {
                m.root.as_str()
            } else {
                ""
            };
            modules.push(ModulePolicy {
                root: m.root.clone(),
                rules,
                ignore: IgnoreRules::from_section(b, prefix, cfg.version)?,
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
        version: Version,
    ) -> Result<IgnoreRules, ConfigError> {
        let mut ignore_only = Vec::new();
        for (key, paths) in &b.ignore_only {
            for id in expand_for(key, version)? {
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
