//! Data windows: data lives longer than code. With `--window K` (or `window: K` in
//! `protoguard.yaml`), NEW is also checked against each of the last K release tags of OLD's
//! history with the WIRE and WIRE_JSON rules, so that data written by v1.2 stays readable
//! even when v1.3 already broke it and v1.4 "fixed" it (a check against v1.4 alone would see
//! nothing).
//!
//! Each such finding names the releases it is against ([`Finding::against`]). The same
//! break (same rule, same element) against several releases is reported once with every
//! release listed; one the check against OLD already reports gets the releases added to it.

use std::collections::BTreeMap;

use crate::config::Policy;
use crate::error::LoadError;
use crate::finding::{Finding, Subject};
use crate::git::{GitSpec, GitTarget};
use crate::history::Ledger;
use crate::report::Annotation;
use crate::source::{Input, LoadOptions, Schema};

/// Said on stderr when a window is asked for but OLD has no release tags to read.
pub const NEEDS_TAGS: &str = "data windows need release tags";

/// The rules a window runs: the WIRE and WIRE_JSON categories (as buf v2 files them).
pub fn rules() -> Vec<&'static str> {
    let mut ids = crate::catalog::in_category("WIRE_JSON");
    for id in crate::catalog::in_category("WIRE") {
        if !ids.contains(&id) {
            ids.push(id);
        }
    }
    crate::catalog::all()
        .iter()
        .map(|d| d.id.as_str())
        .filter(|id| ids.contains(id))
        .collect()
}

/// The last `k` release tags of the ledger, oldest first.
pub fn tags(ledger: &Ledger, k: usize) -> Vec<String> {
    let tagged: Vec<String> = (0..ledger.releases().len())
        .filter(|&i| ledger.release_meta(i).tagged)
        .map(|i| ledger.label(i).to_string())
        .collect();
    tagged[tagged.len().saturating_sub(k)..].to_vec()
}

/// One release of the window, loaded.
#[derive(Debug)]
pub struct WindowRelease {
    pub tag: String,
    pub schema: Schema,
}

/// Loads each tag from the repository of OLD's git spec, under the same import root.
pub fn load(
    old: &GitSpec,
    tags: &[String],
    options: &LoadOptions,
) -> Result<Vec<WindowRelease>, LoadError> {
    tags.iter()
        .map(|tag| {
            let spec = GitSpec {
                repo: old.repo.clone(),
                target: GitTarget::Tag(tag.clone()),
                subdir: old.subdir.clone(),
                text: if old.subdir.is_empty() {
                    format!("git:{tag}")
                } else {
                    format!("git:{tag}:{}", old.subdir)
                },
            };
            let schema = Schema::load(&Input::Git(spec), options)?;
            Ok(WindowRelease {
                tag: tag.clone(),
                schema,
            })
        })
        .collect()
}

/// The window's findings, located: NEW against each release with [`rules`], the same break
/// against several releases once with all of them in `against`. A break `main` (the
/// findings of the check against OLD) already holds is not repeated: its releases are added
/// to that finding instead.
pub fn check(
    new: &Schema,
    releases: &[WindowRelease],
    policy: &Policy,
    main: &mut [Finding],
) -> Vec<Annotation> {
    let mut window_policy = policy.clone();
    let wire = rules();
    for m in &mut window_policy.modules {
        m.rules = wire.clone();
    }
    // (rule, subject) → (release index of its first occurrence, the finding, its tags).
    let mut groups: BTreeMap<(&'static str, Subject), (usize, Finding, Vec<String>)> =
        BTreeMap::new();
    for (i, release) in releases.iter().enumerate() {
        let diff = crate::diff::Diff::new(&release.schema.index, &new.index);
        for f in crate::findings_of_diff(&diff, &window_policy, None) {
            let key = (f.rule, f.subject.clone());
            groups
                .entry(key)
                .or_insert_with(|| (i, f, Vec::new()))
                .2
                .push(release.tag.clone());
        }
    }
    let mut per_release: Vec<Vec<Finding>> = releases.iter().map(|_| Vec::new()).collect();
    for ((rule, subject), (i, mut f, tags)) in groups {
        if let Some(m) = main
            .iter_mut()
            .find(|m| m.rule == rule && m.subject == subject)
        {
            for t in tags {
                if !m.against.contains(&t) {
                    m.against.push(t);
                }
            }
            continue;
        }
        f.against = tags;
        per_release[i].push(f);
    }
    let mut out = Vec::new();
    for (release, findings) in releases.iter().zip(per_release) {
        out.extend(crate::report::annotate(
            &release.schema.index,
            &new.index,
            findings,
            &window_policy,
        ));
    }
    out
}
