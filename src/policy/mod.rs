//! The compatibility contract: a layer over the rules that decides each finding's
//! [`Verdict`](crate::finding::Verdict) (breaking, or allowed with what allowed it and why)
//! without ever changing what a rule found.
//!
//! The contract is written in `protoguard.yaml` ([`file`]) and in the schema itself
//! (`@experimental` / `@internal` marks, [`crate::marks`]; `// protoguard:allow RULE -- reason`
//! waivers, [`waivers`]). With neither, every verdict is buf's: every finding is breaking.
//!
//! [`Contract::build`] reads and validates it once both sides are loaded (a malformed mark
//! or waiver is an error, exit 2); [`Contract::apply`] then decides each finding, first
//! match wins: a waiver, the element's stability, an unstable package, the deprecation
//! cycle.

pub mod deprecation;
pub mod explain;
pub mod file;
pub mod payloads;
pub mod waivers;
pub mod window;

use std::path::Path;

pub use file::{ContractFile, CONTRACT_FILE_NAME};

use crate::error::ConfigError;
pub use crate::finding::PolicyWarning;
use crate::finding::{Allowance, AllowedBy, Element, Finding, Stability, Verdict};
use crate::index::Index;
use crate::marks::{self, Marks};
use waivers::{Day, Waiver};

/// Rules of the contract itself (not buf's): category `POLICY`, never in buf's sets.
pub const POLICY_RULES: &[&str] = &[crate::rules::STABILITY_NO_DEMOTE];

/// Where the permission to break unstable packages comes from.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum UnstableSource {
    /// buf.yaml's `breaking.ignore_unstable_packages`.
    BufYaml,
    /// `protoguard.yaml`'s `unstable_packages: true`.
    ContractFile(String),
}

/// The deprecation stage: decides whether a deletion went through the deprecation cycle
/// (`policy::deprecation::allowance` once wired; `None` leaves deletions to the other stages).
pub type DeprecationHook<'a> = &'a dyn Fn(&Finding) -> Option<Allowance>;

/// The contract of one check, read and validated.
#[derive(Clone, Debug, Default)]
pub struct Contract {
    /// The `protoguard.yaml` in force, if one was found.
    pub file: Option<ContractFile>,
    pub marks: Marks,
    pub waivers: Vec<Waiver>,
    pub unstable: Option<UnstableSource>,
    /// Found while reading (directives no element carries, expired waivers).
    pub warnings: Vec<PolicyWarning>,
    /// The day expiry dates are compared with.
    pub today: Option<Day>,
}

impl Contract {
    /// Reads the contract of a check: `file` (the `protoguard.yaml` found for NEW, whose
    /// directory `new_root` is relative to), the marks of both sides and NEW's waivers.
    /// `buf_unstable`: buf.yaml asked to ignore unstable packages.
    pub fn build(
        old: &Index,
        new: &Index,
        file: Option<ContractFile>,
        buf_unstable: bool,
        new_root: Option<&Path>,
    ) -> Result<Contract, ConfigError> {
        let mut warnings = Vec::new();
        let mut marks = Marks {
            old: marks::read_side(old, false)?,
            new: marks::read_side(new, true)?,
            ..Default::default()
        };
        warnings.append(&mut marks.new.loose);
        let mut waivers = waivers::read_comments(new, &mut warnings)?;
        let mut unstable = buf_unstable.then_some(UnstableSource::BufYaml);
        if let Some(f) = &file {
            marks.globs = stability_globs(f);
            marks.path_prefix = new_root
                .and_then(|root| relative_to(root, &f.dir))
                .unwrap_or_default();
            waivers.extend(waivers::read_yaml(f)?);
            if f.yaml.unstable_packages == Some(true) {
                unstable = Some(UnstableSource::ContractFile(format!(
                    "{} unstable_packages",
                    crate::limits::shown_path(&f.path)
                )));
            }
        }
        Ok(Contract {
            file,
            marks,
            waivers,
            unstable,
            warnings,
            today: Some(Day::today()),
        })
    }

    /// Whether anything of a contract is in force: without, every output is buf's.
    pub fn is_active(&self) -> bool {
        self.file.is_some()
            || !self.waivers.is_empty()
            || !self.warnings.is_empty()
            || [&self.marks.old, &self.marks.new]
                .iter()
                .any(|s| !s.elements.is_empty() || !s.files.is_empty())
    }

    /// Decides the verdict of every finding still breaking; returns what the run should be
    /// told about the contract itself (expired and stale waivers, with those found reading).
    pub fn apply(
        &self,
        findings: &mut [Finding],
        old: &Index,
        new: &Index,
        deprecation: Option<DeprecationHook>,
    ) -> Vec<PolicyWarning> {
        let mut warnings = self.warnings.clone();
        let today = self.today.unwrap_or_else(Day::today);
        let live: Vec<&Waiver> = self
            .waivers
            .iter()
            .filter(|w| w.expires.is_none_or(|d| d >= today))
            .collect();
        let mut used = vec![false; live.len()];
        let path_of = |index: &Index, e: &Element| self.glob_path(index, e);
        for f in findings.iter_mut().filter(|f| f.verdict.is_breaking()) {
            let waiver = live.iter().position(|w| w.covers(f, old, new, &path_of));
            let allowance = if let Some(i) = waiver {
                used[i] = true;
                Some(waiver_allowance(live[i]))
            } else {
                self.stability_allowance(f, old, new)
                    .or_else(|| self.unstable_allowance(f, old, new))
                    .or_else(|| deprecation.and_then(|hook| hook(f)))
            };
            if let Some(a) = allowance {
                f.verdict = Verdict::Allowed(a);
            }
        }
        for w in &self.waivers {
            if let Some(d) = w.expires.filter(|d| *d < today) {
                warnings.push(warning_at(
                    &w.origin,
                    format!(
                        "waiver of {} on {} expired on {d}: it no longer waives anything ({})",
                        w.rules.join(", "),
                        w.subject,
                        w.reason
                    ),
                ));
            }
        }
        for (w, used) in live.iter().zip(used) {
            if !used {
                warnings.push(warning_at(
                    &w.origin,
                    format!(
                        "stale waiver: {} on {} waives nothing in this change",
                        w.rules.join(", "),
                        w.subject
                    ),
                ));
            }
        }
        warnings
    }

    /// An element inside something experimental or internal, as the OLD side marked it
    /// (what consumers were told), or as NEW marks it when it is new.
    fn stability_allowance(&self, f: &Finding, old: &Index, new: &Index) -> Option<Allowance> {
        let resolved = match (&f.subject.old, &f.subject.new) {
            (Some(e), _) => self.marks.resolve(old, e, true),
            (None, Some(e)) => self.marks.resolve(new, e, false),
            (None, None) => None,
        }?;
        let word = match resolved.stability {
            Stability::Stable => return None,
            Stability::Experimental => "experimental",
            Stability::Internal => "internal",
        };
        let element = f.subject.element();
        let mut reason = match &resolved.mark.since {
            Some(v) => format!("{word} since {v}"),
            None => format!("{word} (marked at {})", resolved.mark.origin),
        };
        if resolved.carrier != element.full_name {
            reason.push_str(&format!(", inherited from {}", resolved.carrier));
        }
        if let Some(why) = &resolved.mark.reason {
            reason.push_str(&format!(": {why}"));
        }
        Some(Allowance {
            by: AllowedBy::Stability {
                element: resolved.carrier,
                stability: resolved.stability,
                origin: resolved.mark.origin,
            },
            reason,
        })
    }

    /// A finding in a package with an unstable version suffix, when that is allowed.
    fn unstable_allowance(&self, f: &Finding, old: &Index, new: &Index) -> Option<Allowance> {
        let source = self.unstable.as_ref()?;
        let package = [(&f.subject.old, old), (&f.subject.new, new)]
            .into_iter()
            .filter_map(|(e, index)| package_of(index, e.as_ref()?))
            .find(|p| crate::config::is_unstable_package(p))?;
        let by = match source {
            UnstableSource::BufYaml => "buf.yaml ignore_unstable_packages".to_string(),
            UnstableSource::ContractFile(at) => at.clone(),
        };
        Some(Allowance {
            reason: format!("unstable package {package} ({by})"),
            by: AllowedBy::UnstablePackage { package },
        })
    }

    /// A file's path as the contract's `paths` globs see it.
    fn glob_path(&self, index: &Index, e: &Element) -> Option<String> {
        let file = index.file(e.file.as_deref()?)?;
        Some(self.marks.glob_path(&file.module_root, &file.name))
    }
}

fn package_of(index: &Index, e: &Element) -> Option<String> {
    match e.kind {
        crate::finding::ElementKind::Package => Some(e.full_name.clone()),
        _ => Some(index.file(e.file.as_deref()?)?.package.clone()),
    }
}

fn waiver_allowance(w: &Waiver) -> Allowance {
    Allowance {
        by: AllowedBy::Waiver {
            rule: w.rules.join(","),
            origin: w.origin.clone(),
            expires: w.expires.map(|d| d.to_string()),
        },
        reason: w.reason.clone(),
    }
}

/// A warning located at `path:line:col` (as waivers' origins are written).
fn warning_at(origin: &str, message: String) -> PolicyWarning {
    let mut parts = origin.rsplitn(3, ':');
    let (col, line, path) = (parts.next(), parts.next(), parts.next());
    let location = match (
        path,
        line.and_then(|l| l.parse().ok()),
        col.and_then(|c| c.parse().ok()),
    ) {
        (Some(p), Some(l), Some(c)) => Some((p.to_string(), l, c)),
        _ => None,
    };
    PolicyWarning { location, message }
}

/// `path` relative to `base` (both made absolute), `/`-separated; `None` outside it.
fn relative_to(path: &Path, base: &Path) -> Option<String> {
    let path = std::fs::canonicalize(path).ok()?;
    let base = std::fs::canonicalize(base).ok()?;
    let rel = path.strip_prefix(base).ok()?;
    Some(rel.to_string_lossy().replace('\\', "/"))
}

/// The `experimental:`/`internal:` globs of a contract file, in the order written.
fn stability_globs(contract: &ContractFile) -> Vec<marks::GlobMark> {
    use marks::{GlobKind, GlobMark};
    let mut out = Vec::new();
    let sections = [
        (&contract.yaml.experimental, Stability::Experimental),
        (&contract.yaml.internal, Stability::Internal),
    ];
    for (section, stability) in sections {
        let lists = [
            (&section.paths, GlobKind::Path, "paths"),
            (&section.packages, GlobKind::Package, "packages"),
            (&section.elements, GlobKind::Element, "elements"),
        ];
        for (list, kind, key) in lists {
            for g in list {
                out.push(GlobMark {
                    stability,
                    kind,
                    pattern: g.value.clone(),
                    origin: format!("{} ({}.{key})", contract.at(g), stability.word()),
                });
            }
        }
    }
    out
}
