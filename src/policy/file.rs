//! `protoguard.yaml`: the contract a repository writes down. It is looked up in the NEW
//! directory and then in each parent up to the repository's top (the directory holding
//! `.git`), so a repository can keep one at its root while checking `proto/`. Unknown keys
//! are errors, as in buf.yaml; every entry keeps its line and column for error messages.
//!
//! ```yaml
//! use: [GOOGLE_API]                 # categories or rule IDs added to the selected rules
//! experimental:                     # breaks inside these are allowed
//!   paths: ["proto/labs/**"]
//!   packages: ["acme.labs.*"]
//!   elements: ["acme.v1.User.beta_*"]
//! internal:
//!   packages: ["acme.internal.*"]
//! unstable_packages: true           # allow breaks in v1alpha1 / v1beta / v1test packages
//! deprecation: {releases: 2}        # or {days: 90}: deletions allowed after the cycle
//! window: 3                         # WIRE/WIRE_JSON against each of the last 3 releases
//! payloads: testdata/payloads       # golden payloads with a manifest.yaml
//! structural_types: true           # see FIELD_WIRE_COMPATIBLE_TYPE
//! waivers:
//!   - rule: FIELD_NO_DELETE
//!     element: acme.v1.User.email   # or path: proto/acme/v1/user.proto
//!     reason: moved to acme.v2, clients migrated
//!     expires: 2027-03-01
//! ```

use std::path::{Path, PathBuf};

use serde::Deserialize;
use serde_saphyr::Spanned;

use crate::error::ConfigError;

/// The file name looked up.
pub const CONTRACT_FILE_NAME: &str = "protoguard.yaml";

/// Globs that mark elements with a stability level.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StabilityGlobs {
    /// File paths relative to the directory of `protoguard.yaml` (`**` crosses directories).
    pub paths: Vec<Spanned<String>>,
    /// Package names (`*` matches within one dotted part, `**` across parts).
    pub packages: Vec<Spanned<String>>,
    /// Element full names (`acme.v1.User.email`, `acme.v1.Service.Method`).
    pub elements: Vec<Spanned<String>>,
}

/// The deprecation cycle: how long an element must have been deprecated before it may go.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct DeprecationCycle {
    /// Releases (tags) in which the element must have carried `deprecated = true`.
    pub releases: Option<Spanned<u32>>,
    /// Or: days since the first release that had it deprecated (from the tag dates).
    pub days: Option<Spanned<u32>>,
}

/// One signed waiver.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct WaiverEntry {
    pub rule: Option<Spanned<String>>,
    /// The full name of the element it waives (a deletion: the deleted element).
    pub element: Option<Spanned<String>>,
    /// Or a file path (glob) relative to the directory of `protoguard.yaml`.
    pub path: Option<Spanned<String>>,
    pub reason: Option<Spanned<String>>,
    /// `YYYY-MM-DD`: the last day it waives.
    pub expires: Option<Spanned<String>>,
}

/// The document as written.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ContractYaml {
    #[serde(rename = "use")]
    pub use_: Vec<Spanned<String>>,
    pub experimental: StabilityGlobs,
    pub internal: StabilityGlobs,
    pub unstable_packages: Option<bool>,
    pub deprecation: Option<DeprecationCycle>,
    pub window: Option<Spanned<u32>>,
    pub payloads: Option<Spanned<String>>,
    pub waivers: Vec<Spanned<WaiverEntry>>,
    /// Accept a message or enum type renamed to a structurally wire-compatible one.
    pub structural_types: Option<bool>,
}

/// A `protoguard.yaml` that was found and read.
#[derive(Debug, Clone)]
pub struct ContractFile {
    /// Where it was found.
    pub path: PathBuf,
    /// The directory its relative paths are resolved from.
    pub dir: PathBuf,
    pub yaml: ContractYaml,
}

impl ContractFile {
    /// Looks for `protoguard.yaml` in `dir`, then in each parent up to the repository's top
    /// (the first directory that holds `.git`) or the filesystem root.
    pub fn find(dir: &Path) -> Result<Option<ContractFile>, ConfigError> {
        let start = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_path_buf());
        for d in start.ancestors() {
            let candidate = d.join(CONTRACT_FILE_NAME);
            if candidate.is_file() {
                return ContractFile::read(&shown_relative(&candidate)).map(Some);
            }
            if d.join(".git").exists() {
                break;
            }
        }
        Ok(None)
    }

    /// Reads and validates one file.
    pub fn read(path: &Path) -> Result<ContractFile, ConfigError> {
        let text = crate::config::read_config_text(path)?;
        ContractFile::parse(&text, path)
    }

    /// Parses and validates a document; `path` is used for errors and relative paths.
    pub fn parse(text: &str, path: &Path) -> Result<ContractFile, ConfigError> {
        let yaml: ContractYaml = if text.trim().is_empty() {
            ContractYaml::default()
        } else {
            crate::config::from_yaml(text, path)?
        };
        let dir = path
            .parent()
            .filter(|d| !d.as_os_str().is_empty())
            .map(Path::to_path_buf)
            .unwrap_or_else(|| PathBuf::from("."));
        Ok(ContractFile {
            path: path.to_path_buf(),
            dir,
            yaml,
        })
    }

    /// `path:line:col` of a spanned entry, for errors.
    pub fn at<T>(&self, entry: &Spanned<T>) -> String {
        format!(
            "{}:{}:{}",
            crate::limits::shown_path(&self.path),
            entry.referenced.line(),
            entry.referenced.column()
        )
    }
}

/// `path` relative to the working directory when it lies below it (as paths are shown
/// everywhere else), else as it is.
fn shown_relative(path: &Path) -> PathBuf {
    std::env::current_dir()
        .ok()
        .and_then(|cwd| std::fs::canonicalize(cwd).ok())
        .and_then(|cwd| path.strip_prefix(cwd).ok().map(Path::to_path_buf))
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or_else(|| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_every_key() {
        let text = "use: [GOOGLE_API]\nexperimental:\n  packages: [\"acme.labs.*\"]\nunstable_packages: true\ndeprecation: {releases: 2}\nwindow: 3\nwaivers:\n  - rule: FIELD_NO_DELETE\n    element: acme.v1.User.email\n    reason: moved\n";
        let f = ContractFile::parse(text, Path::new("protoguard.yaml")).unwrap();
        assert_eq!(f.yaml.use_[0].value, "GOOGLE_API");
        assert_eq!(f.yaml.experimental.packages[0].value, "acme.labs.*");
        assert_eq!(f.yaml.window.as_ref().unwrap().value, 3);
        let w = &f.yaml.waivers[0];
        assert_eq!(w.value.reason.as_ref().unwrap().value, "moved");
        assert_eq!(f.at(w), "protoguard.yaml:8:5");
    }

    #[test]
    fn unknown_keys_are_errors_with_a_position() {
        let err = ContractFile::parse("windo: 3\n", Path::new("protoguard.yaml")).unwrap_err();
        assert!(err.to_string().starts_with("protoguard.yaml:1:1"), "{err}");
    }
}
