//! `protoguard explain policy [DIR]`: the contract in force for a directory, in words.
//!
//! Where `protoguard.yaml` is (or that there is none), the rules it adds, what is
//! experimental or internal and who says so (each mark with the line it is written on, each
//! glob with what it matches), whether breaks in unstable packages are allowed, the
//! deprecation rule, and every waiver with its reason and expiry. The schema is read as
//! `check` reads NEW ([`crate::api::explain_policy`]), so a malformed mark or waiver is the
//! same error here.

use std::fmt::Write as _;

use super::waivers::{Day, Target};
use super::{Contract, UnstableSource};
use crate::finding::Stability;
use crate::index::Index;
use crate::marks::{GlobKind, Mark};

/// The contract in words (see the module documentation).
pub fn describe(contract: &Contract, index: &Index, today: Day) -> String {
    let mut s = String::new();
    match &contract.file {
        Some(f) => {
            let _ = writeln!(s, "contract: {}", crate::limits::shown_path(&f.path));
            if !f.yaml.use_.is_empty() {
                let names: Vec<&str> = f.yaml.use_.iter().map(|u| u.value.as_str()).collect();
                let _ = writeln!(s, "  use: {} (added to the selected rules)", names.join(", "));
            }
            if f.yaml.structural_types == Some(true) {
                s.push_str("  structural_types: renamed types that are structurally wire compatible are accepted\n");
            }
        }
        None => s.push_str(
            "contract: no protoguard.yaml in this directory or above it (up to the repository's top):\n  buf's verdicts, except where the schema carries a mark or a waiver\n",
        ),
    }

    s.push_str("\nexperimental and internal (breaking changes inside them are allowed):\n");
    let mut marks: Vec<(String, &Mark)> = contract
        .marks
        .new
        .elements
        .iter()
        .map(|(name, m)| (name.clone(), m))
        .chain(
            contract
                .marks
                .new
                .files
                .iter()
                .map(|(name, m)| (format!("file {name}"), m)),
        )
        .collect();
    marks.sort_by(|a, b| (&a.1.origin, &a.0).cmp(&(&b.1.origin, &b.0)));
    let mut any = false;
    for (name, m) in &marks {
        any = true;
        let mut line = format!("  {name}: {}", stability_word(m.stability));
        if let Some(v) = &m.since {
            let _ = write!(line, " since {v}");
        }
        if let Some(r) = &m.reason {
            let _ = write!(line, " -- {r}");
        }
        let _ = writeln!(s, "{line} (marked at {})", m.origin);
    }
    for g in &contract.marks.globs {
        any = true;
        let what = match g.kind {
            GlobKind::Path => "paths",
            GlobKind::Package => "packages",
            GlobKind::Element => "elements",
        };
        let files = index
            .target_files()
            .filter(|f| match g.kind {
                GlobKind::Path => crate::marks::glob::matches(
                    &g.pattern,
                    &contract.marks.glob_path(&f.module_root, &f.name),
                    '/',
                ),
                GlobKind::Package => crate::marks::glob::matches(&g.pattern, &f.package, '.'),
                GlobKind::Element => false,
            })
            .count();
        let matched = match g.kind {
            GlobKind::Element => String::new(),
            _ => format!(
                ", matches {files} file{}",
                if files == 1 { "" } else { "s" }
            ),
        };
        let _ = writeln!(
            s,
            "  {what} {:?}: {} ({}{matched})",
            g.pattern,
            stability_word(g.stability),
            g.origin
        );
    }
    if !any {
        s.push_str("  nothing: every element is stable\n");
    }

    let mut unstable: Vec<&str> = index
        .target_files()
        .map(|f| f.package.as_str())
        .filter(|p| crate::config::is_unstable_package(p))
        .collect();
    unstable.sort_unstable();
    unstable.dedup();
    let packages = if unstable.is_empty() {
        "none in this schema".to_string()
    } else {
        unstable.join(", ")
    };
    match &contract.unstable {
        Some(source) => {
            let by = match source {
                UnstableSource::BufYaml => "buf.yaml ignore_unstable_packages".to_string(),
                UnstableSource::ContractFile(at) => at.clone(),
            };
            let _ = writeln!(
                s,
                "\nunstable packages (v1alpha1, v1beta1, v1test...): breaks allowed ({by}); {packages}"
            );
        }
        None => {
            let _ = writeln!(
                s,
                "\nunstable packages (v1alpha1, v1beta1, v1test...): breaks are breaking (allow them with `unstable_packages: true`); {packages}"
            );
        }
    }

    let cycle = contract
        .file
        .as_ref()
        .and_then(|f| f.yaml.deprecation.as_ref());
    match cycle {
        Some(c) => {
            let mut rule = Vec::new();
            if let Some(r) = &c.releases {
                rule.push(format!("deprecated in at least {} release(s)", r.value));
            }
            if let Some(d) = &c.days {
                rule.push(format!("deprecated at least {} day(s) ago", d.value));
            }
            let _ = writeln!(
                s,
                "\ndeprecation before removal: a deleted element must have been {}, and a deleted field or enum value reserved by number and name",
                rule.join(" and ")
            );
        }
        None => s.push_str(
            "\ndeprecation before removal: not configured (deletions are judged by the rules alone)\n",
        ),
    }
    if let Some(f) = &contract.file {
        if let Some(w) = &f.yaml.window {
            let _ = writeln!(
                s,
                "data window: WIRE and WIRE_JSON against each of the last {} releases",
                w.value
            );
        }
        if let Some(p) = &f.yaml.payloads {
            let _ = writeln!(s, "golden payloads: {}", p.value);
        }
    }

    s.push_str("\nwaivers (signed exceptions):\n");
    if contract.waivers.is_empty() {
        s.push_str("  none\n");
    }
    for w in &contract.waivers {
        let on = match &w.target {
            Target::Comment { .. } | Target::Element(_) => w.subject.clone(),
            Target::Path(p) => format!("files {p}"),
        };
        let expiry = match w.expires {
            Some(d) if d < today => format!(" (expired on {d}: waives nothing)"),
            Some(d) => format!(" (until {d})"),
            None => String::new(),
        };
        let _ = writeln!(
            s,
            "  {}: {} on {on}: {}{expiry}",
            w.origin,
            w.rules.join(", "),
            w.reason
        );
    }
    for warning in &contract.warnings {
        let _ = writeln!(s, "  {}", crate::report::warning_line(warning));
    }
    s
}

fn stability_word(s: Stability) -> &'static str {
    s.word()
}
