//! The deprecation cycle: deleting a field, enum value, message, enum, RPC or service is
//! allowed once the element carried `deprecated = true` long enough, and (for fields and
//! enum values) its number and name are reserved in the new schema.
//!
//! "Long enough" is `deprecation: {releases: N}` and/or `{days: D}` in `protoguard.yaml`:
//! the element was deprecated in at least N release tags of the history ledger (the run of
//! releases, ending at the baseline, in which it was continuously deprecated), and/or the
//! first release of that run is at least D days older than the latest release. When both
//! are written, both must hold. The ledger ([`crate::history`]) records each element's
//! `deprecated` mark per release; it exists only when OLD is a git input.
//!
//! A deletion that skipped the cycle stays breaking, and [`Finding::verdict_note`] says why:
//! "deprecated in v1.4.0, 1 release ago, 2 required", "never deprecated",
//! "number 4 not reserved".

use crate::finding::{Allowance, AllowedBy, ElementKind, Finding, Verdict};
use crate::history::{DeclKind, Ledger};
use crate::index::Index;
use crate::quote::q;

/// Said on stderr when `deprecation:` is configured but there is no history to read.
pub const NEEDS_TAGS: &str = "deprecation cycle needs release tags";

/// How long an element must have been deprecated before it may go.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Cycle {
    /// Release tags in which it carried `deprecated = true`.
    pub releases: Option<u32>,
    /// Days between its first deprecated release and the latest release.
    pub days: Option<u32>,
}

impl Cycle {
    /// The cycle `protoguard.yaml` writes, if it writes one.
    pub fn from_contract(contract: &crate::policy::ContractFile) -> Option<Cycle> {
        let d = contract.yaml.deprecation.as_ref()?;
        Some(Cycle {
            releases: d.releases.as_ref().map(|r| r.value),
            days: d.days.as_ref().map(|r| r.value),
        })
    }

    /// In words, for `explain` and notes: "2 releases", "90 days", "2 releases and 90 days".
    pub fn describe(&self) -> String {
        let releases = self.releases.map(|n| plural(n as usize, "release"));
        let days = self.days.map(|n| plural(n as usize, "day"));
        match (releases, days) {
            (Some(r), Some(d)) => format!("{r} and {d}"),
            (Some(r), None) => r,
            (None, Some(d)) => d,
            (None, None) => "0 releases".into(),
        }
    }
}

/// What judging a deletion needs: the history, the cycle, and the new schema (for the
/// `reserved` statements).
pub struct DeprecationContext<'a> {
    pub ledger: &'a Ledger,
    pub cycle: Cycle,
    pub new: &'a Index,
}

/// The deletion rules whose findings the cycle can allow: those about fields, enum values,
/// messages, enums, services and RPCs (files, packages, oneofs and extensions carry no
/// `deprecated` mark of their own, and a deleted reservation is never allowed).
pub const CYCLE_RULES: [&str; 13] = [
    "FIELD_NO_DELETE",
    "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
    "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "ENUM_VALUE_NO_DELETE",
    "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
    "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
    "MESSAGE_NO_DELETE",
    "PACKAGE_MESSAGE_NO_DELETE",
    "ENUM_NO_DELETE",
    "PACKAGE_ENUM_NO_DELETE",
    "SERVICE_NO_DELETE",
    "PACKAGE_SERVICE_NO_DELETE",
    "RPC_NO_DELETE",
];

/// Whether a finding is a deletion the deprecation cycle speaks about: one of
/// [`CYCLE_RULES`], about an element the new side no longer has.
pub fn is_cycle_deletion(finding: &Finding) -> bool {
    CYCLE_RULES.contains(&finding.rule)
        && finding.subject.is_deletion()
        && DeclKind::of(finding.subject.kind()).is_some()
}

/// The allowance for a deletion that went through the cycle; `None` for any other finding
/// and for a deletion that did not (see [`judge`] for why not).
pub fn allowance(finding: &Finding, ctx: &DeprecationContext) -> Option<Allowance> {
    judge(finding, ctx)?.ok()
}

/// The cycle's judgement of a deletion: allowed (with the allowance), or the reason it is
/// not; `None` when the finding is not a deletion the cycle speaks about.
pub fn judge(finding: &Finding, ctx: &DeprecationContext) -> Option<Result<Allowance, String>> {
    if !is_cycle_deletion(finding) {
        return None;
    }
    let old = finding.subject.old.as_ref()?;
    let kind = DeclKind::of(old.kind)?;
    let mut problems = Vec::new();
    let mut served = None;
    match deprecated_run(ctx.ledger, kind, &old.full_name) {
        Run::Never => problems.push("never deprecated".to_string()),
        Run::NotAtBaseline { earlier, baseline } => problems.push(format!(
            "not deprecated in {baseline} (it was in {earlier})"
        )),
        Run::Since { first, releases } => {
            let short = enough(ctx, first, releases);
            match short {
                Some(why) => problems.push(why),
                None => served = Some((first, releases)),
            }
        }
    }
    if matches!(old.kind, ElementKind::Field | ElementKind::EnumValue) {
        if let Some(missing) = unreserved(ctx.new, old) {
            problems.push(missing);
        }
    }
    match (problems.is_empty(), served) {
        (true, Some((first, releases))) => {
            let deprecated_in = ctx.ledger.label(first).to_string();
            let mut reason = format!(
                "deprecated since {deprecated_in}, {} ({} required)",
                plural(releases, "release"),
                ctx.cycle.describe()
            );
            if matches!(old.kind, ElementKind::Field | ElementKind::EnumValue) {
                reason.push_str(", number and name reserved");
            }
            Some(Ok(Allowance {
                by: AllowedBy::Deprecation {
                    deprecated_in,
                    releases,
                },
                reason,
            }))
        }
        _ => Some(Err(problems.join("; "))),
    }
}

/// Sets the verdict of every deletion the cycle allows, and the note of every one it does
/// not. Findings another part of the contract already allowed are left alone.
pub fn apply(findings: &mut [Finding], ctx: &DeprecationContext) {
    for f in findings.iter_mut().filter(|f| f.verdict.is_breaking()) {
        match judge(f, ctx) {
            Some(Ok(allowance)) => {
                f.verdict = Verdict::Allowed(allowance);
                f.verdict_note = None;
            }
            Some(Err(why)) => f.verdict_note = Some(why),
            None => {}
        }
    }
}

/// How an element stood in the history at the baseline.
enum Run {
    /// No release had it deprecated.
    Never,
    /// Deprecated once, but not in the baseline (the last release that has it).
    NotAtBaseline { earlier: String, baseline: String },
    /// Deprecated without a break from release `first` up to the baseline, in `releases`
    /// release tags.
    Since { first: usize, releases: usize },
}

fn deprecated_run(ledger: &Ledger, kind: DeclKind, full_name: &str) -> Run {
    let Some(h) = ledger.element(kind, full_name) else {
        return Run::Never;
    };
    if h.deprecated.is_empty() {
        return Run::Never;
    }
    let Some(baseline) = h.last_present() else {
        return Run::Never;
    };
    if !h.deprecated_in(baseline) {
        let earlier = h.deprecated.iter().map(|&(a, _)| a).min().unwrap_or(0);
        return Run::NotAtBaseline {
            earlier: ledger.label(earlier).to_string(),
            baseline: ledger.label(baseline).to_string(),
        };
    }
    let (mut first, mut releases) = (baseline, 0);
    let mut i = baseline;
    loop {
        if !(h.present_in(i) && h.deprecated_in(i)) {
            break;
        }
        first = i;
        if ledger.release_meta(i).tagged {
            releases += 1;
        }
        if i == 0 {
            break;
        }
        i -= 1;
    }
    Run::Since { first, releases }
}

/// Why the run from `first` (in `releases` tags) is too short, or `None` when it is enough.
fn enough(ctx: &DeprecationContext, first: usize, releases: usize) -> Option<String> {
    let label = ctx.ledger.label(first);
    let mut short = Vec::new();
    if let Some(needed) = ctx.cycle.releases.map(|n| n as usize) {
        if releases < needed {
            let remain = needed - releases;
            short.push(format!(
                "deprecated in {label}, {} ago, {needed} required: removable after {remain} more release{}",
                plural(releases, "release"),
                if remain == 1 { "" } else { "s" },
            ));
        }
    }
    if let Some(needed) = ctx.cycle.days {
        let latest = (0..ctx.ledger.releases().len())
            .rev()
            .find(|&i| ctx.ledger.release_meta(i).tagged)
            .and_then(|i| ctx.ledger.release_meta(i).time);
        match (ctx.ledger.release_meta(first).time, latest) {
            (Some(since), Some(latest)) => {
                let days = ((latest - since).max(0) / 86_400) as u64;
                if days < u64::from(needed) {
                    short.push(format!(
                        "deprecated in {label}, {} before the latest release, {needed} required",
                        plural(days as usize, "day")
                    ));
                }
            }
            _ => short.push(format!(
                "deprecated in {label}, but the release dates are unknown, so the {} cannot be counted",
                plural(needed as usize, "day")
            )),
        }
    }
    (!short.is_empty()).then(|| short.join("; "))
}

/// What of a deleted field's or enum value's number and name the new schema does not
/// reserve, in words; `None` when both are reserved.
fn unreserved(new: &Index, old: &crate::finding::Element) -> Option<String> {
    let parent = old.parent_name()?;
    let name = old.full_name.rsplit('.').next().unwrap_or(&old.full_name);
    let number = old.number?;
    let (ranges, names): (&[(i32, i32)], &[String]) = match old.kind {
        ElementKind::Field => match new.message(parent) {
            Some(m) => (&m.reserved_ranges, &m.reserved_names),
            None => (&[], &[]),
        },
        ElementKind::EnumValue => match new.enum_(parent) {
            Some(e) => (&e.reserved_ranges, &e.reserved_names),
            None => (&[], &[]),
        },
        _ => return None,
    };
    let number_ok = ranges.iter().any(|&(a, b)| a <= number && number <= b);
    let name_ok = names.iter().any(|n| n == name);
    match (number_ok, name_ok) {
        (true, true) => None,
        (false, true) => Some(format!("number {number} not reserved")),
        (true, false) => Some(format!("name {} not reserved", q(name))),
        (false, false) => Some(format!("number {number} and name {} not reserved", q(name))),
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("1 {word}")
    } else {
        format!("{n} {word}s")
    }
}
