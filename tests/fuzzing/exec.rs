//! One execution: a case written to disk and driven through the library's entry points as
//! the CLI drives them (inputs parsed, buf.yaml read, policy built, both sides loaded, then
//! check, semver or prove), judged by oracles that need no expected output:
//!
//! - `planned-vs-full`: the planned load's verdict (exit 0/1/2) and findings equal `--full`'s;
//! - `nondeterministic`: a second run (of every third case) prints exactly the same;
//! - `self-check`: identical sides have no finding, no change (bump NONE), no counterexample;
//! - `compile-error-without-location`: a compile error names `path:line:col`;
//! - `invalid-image-accepted`: a mutated image that prost-reflect cannot link is not checked
//!   as if it were fine (exit 2 expected); images of editions files are not judged.
//!
//! Panics, crashes, hangs and slow inputs are the runner's business ([`super::runner`]).

use std::path::Path;

use protoguard::source::Mode;
use protoguard::{
    formats, prove, report, versioning, BufConfig, Input, LoadOptions, Policy, Schema,
};

use super::case::{self, Case, Entry, Side};

/// What the CLI would have exited with, and everything it would have printed.
#[derive(Debug, PartialEq, Eq)]
pub struct Outcome {
    pub exit: u8,
    pub output: String,
}

/// An oracle's verdict against an execution.
#[derive(Debug)]
pub struct Failure {
    pub class: &'static str,
    pub detail: String,
}

fn fail(class: &'static str, detail: String) -> Result<Outcome, Failure> {
    Err(Failure { class, detail })
}

struct Loaded {
    old: Schema,
    new: Schema,
    policy: Policy,
}

/// A load failure: the message the CLI prints, and the compile location when it is one.
struct LoadFailed {
    message: String,
    compile_location: Option<String>,
}

fn load(case: &Case, old: &str, new: &str, mode: Mode, keep: bool) -> Result<Loaded, LoadFailed> {
    let plain = |e: &dyn std::fmt::Display| LoadFailed {
        message: e.to_string(),
        compile_location: None,
    };
    let new_input = Input::parse(new).map_err(|e| plain(&e))?;
    let old_input = Input::parse(old).map_err(|e| plain(&e))?;
    let new_cfg = new_input.buf_config().map_err(|e| plain(&e))?;
    let old_cfg = old_input.buf_config().map_err(|e| plain(&e))?;
    let policy = Policy::new(new_cfg.as_ref(), &case.use_, &case.except).map_err(|e| plain(&e))?;
    let options = |layout: Option<BufConfig>| LoadOptions {
        includes: Vec::new(),
        layout,
        keep_descriptors: keep,
    };
    let loaded = Schema::load_pair(
        (&old_input, &options(old_cfg)),
        (&new_input, &options(new_cfg)),
        mode,
    );
    match loaded {
        Ok((old, new)) => Ok(Loaded { old, new, policy }),
        Err(e) => Err(LoadFailed {
            message: e.to_string(),
            compile_location: match &e {
                protoguard::LoadError::Compile { location, .. } => Some(location.clone()),
                _ => None,
            },
        }),
    }
}

fn exit2(f: LoadFailed) -> Outcome {
    Outcome {
        exit: 2,
        output: f.message,
    }
}

/// The check entry point: findings in every output format.
fn check(case: &Case, old: &str, new: &str, mode: Mode) -> Result<Outcome, LoadFailed> {
    let l = load(case, old, new, mode, false)?;
    let annotations = protoguard::check_with_policy(&l.old, &l.new, &l.policy);
    let mut output = report::render_text(&annotations);
    output.push_str(&report::render_json(&annotations));
    // The other renderers run for their panics; their text is derived from the same list.
    // They cost more than the check itself (SARIF carries every rule's help, the rich one is
    // miette's graphical report): every fourth case.
    if case.index % 4 == 0 {
        let _ = report::render_rich(&annotations);
        let _ = formats::render_sarif(&annotations);
        let _ = formats::render_junit(&annotations);
        let _ = formats::render_github_actions(&annotations);
        let _ = formats::render_gitlab_code_quality(&annotations);
        let _ = formats::render_msvs(&annotations);
    }
    Ok(Outcome {
        exit: u8::from(!annotations.is_empty()),
        output,
    })
}

fn semver(case: &Case, old: &str, new: &str) -> Result<(Outcome, versioning::Bump), LoadFailed> {
    let l = load(case, old, new, Mode::Planned, false)?;
    let report = versioning::analyze(&l.old, &l.new, &l.policy);
    let mut output = report.render(versioning::Format::Text);
    output.push_str(&report.render(versioning::Format::Json));
    output.push_str(&report.render(versioning::Format::Markdown));
    if let Some(v) = versioning::parse_version("1.4.2") {
        let _ = report
            .clone()
            .with_current_version(&v)
            .render(versioning::Format::Text);
    }
    Ok((Outcome { exit: 0, output }, report.bump))
}

fn run_prove(case: &Case, old: &str, new: &str) -> Result<(Outcome, usize), LoadFailed> {
    let l = load(case, old, new, Mode::Full, true)?;
    let (Some(o), Some(n)) = (&l.old.encoded, &l.new.encoded) else {
        return Ok((
            Outcome {
                exit: 2,
                output: "no descriptors".into(),
            },
            0,
        ));
    };
    let options = prove::ProveOptions {
        cases: 8,
        seed: Some(case.index),
        message: None,
        json: case.index % 2 == 0,
        depth: None,
    };
    match prove::prove(o, n, &l.old.index, &l.new.index, &options) {
        Ok(r) => {
            let found = r.counterexamples.len();
            let output = prove::render_text(&r);
            Ok((
                Outcome {
                    exit: u8::from(found > 0),
                    output,
                },
                found,
            ))
        }
        Err(e) => Ok((
            Outcome {
                exit: 2,
                output: e.to_string(),
            },
            0,
        )),
    }
}

/// Writes `case` under `dir` and runs it; `Ok` when every oracle holds.
pub fn execute(case: &Case, dir: &Path) -> Result<Outcome, Failure> {
    let (old, new) = case::materialize(case, dir).map_err(|e| Failure {
        class: "harness-io",
        detail: e.to_string(),
    })?;
    let first = match case.entry {
        Entry::Check => {
            let planned = check(case, &old, &new, Mode::Planned);
            if let Err(f) = &planned {
                located(case, f)?;
            }
            let planned = planned.unwrap_or_else(exit2);
            let full = check(case, &old, &new, Mode::Full).unwrap_or_else(exit2);
            if planned.exit != 2 && full.exit == 2 {
                return fail(
                    "planned-misses-compile-error",
                    format!("planned:\n{}\n--full:\n{}", show(&planned), show(&full)),
                );
            }
            let differs = planned.exit != full.exit || (planned.exit != 2 && planned != full);
            if differs {
                return fail(
                    "planned-vs-full",
                    format!("planned:\n{}\n--full:\n{}", show(&planned), show(&full)),
                );
            }
            if rechecked(case) {
                let again = check(case, &old, &new, Mode::Planned).unwrap_or_else(exit2);
                same(&planned, &again)?;
            }
            planned
        }
        Entry::Semver => {
            let run = || match semver(case, &old, &new) {
                Ok((o, bump)) => (o, Some(bump)),
                Err(f) => (exit2(f), None),
            };
            let (first, bump) = run();
            if rechecked(case) {
                same(&first, &run().0)?;
            }
            if case.identical && bump.is_some_and(|b| b != versioning::Bump::None) {
                return fail(
                    "self-check",
                    format!("semver of identical sides:\n{}", first.output),
                );
            }
            first
        }
        Entry::Prove => {
            let run = || run_prove(case, &old, &new).unwrap_or_else(|f| (exit2(f), 0));
            let (first, found) = run();
            if rechecked(case) {
                same(&first, &run().0)?;
            }
            if case.identical && found > 0 {
                return fail(
                    "self-check",
                    format!("prove of identical sides:\n{}", first.output),
                );
            }
            first
        }
    };
    if case.identical && case.entry == Entry::Check && first.exit == 1 {
        return fail(
            "self-check",
            format!("findings on identical sides:\n{}", first.output),
        );
    }
    if first.exit != 2 {
        for (which, side) in [("old", &case.old), ("new", &case.new)] {
            let mutated = case
                .notes
                .iter()
                .any(|n| n.starts_with(&format!("{which} image:")));
            if let (Side::Image(bytes), true) = (side, mutated && !editions(side)) {
                if let Some(Err(e)) =
                    judging(|| prost_reflect::DescriptorPool::decode(bytes.as_slice()))
                {
                    return fail(
                        "invalid-image-accepted",
                        format!(
                            "{which} image does not link ({e}) but the run exited {}",
                            first.exit
                        ),
                    );
                }
            }
        }
    }
    Ok(first)
}

thread_local! {
    /// Set while an oracle runs third-party code that may panic: such a panic is not the
    /// library's, and the runner's panic hook ignores it.
    pub static JUDGING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// Runs an oracle's helper; `None` when it panicked (the oracle then has no verdict).
/// prost-reflect 0.16 panics building the error for some editions images.
fn judging<R>(f: impl FnOnce() -> R) -> Option<R> {
    JUDGING.with(|j| j.set(true));
    let r = std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)).ok();
    JUDGING.with(|j| j.set(false));
    r
}

/// Whether an image holds editions files, which prost-reflect 0.16 cannot link: the
/// image oracle has no verdict on them.
fn editions(side: &Side) -> bool {
    use prost::Message as _;
    match side {
        Side::Image(bytes) => prost_types::FileDescriptorSet::decode(bytes.as_slice())
            .map_or(true, |set| {
                set.file.iter().any(|f| f.syntax() == "editions")
            }),
        Side::Dir(_) => false,
    }
}

/// Every third case is run a second time for the determinism oracle (a second run costs as
/// much as the first; inputs vary enough that a third of them still covers every shape).
fn rechecked(case: &Case) -> bool {
    case.index % 3 == 0
}

/// A compile error must name `path:line:col`.
fn located(case: &Case, f: &LoadFailed) -> Result<(), Failure> {
    let Some(location) = &f.compile_location else {
        return Ok(());
    };
    let mut parts = location.rsplitn(3, ':');
    let col = parts.next().unwrap_or("");
    let line = parts.next().unwrap_or("");
    let numeric = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let from_source = matches!(case.old, Side::Dir(_)) || matches!(case.new, Side::Dir(_));
    if from_source && !(numeric(col) && numeric(line)) {
        return Err(Failure {
            class: "compile-error-without-location",
            detail: f.message.clone(),
        });
    }
    Ok(())
}

fn same(a: &Outcome, b: &Outcome) -> Result<(), Failure> {
    if a == b {
        return Ok(());
    }
    Err(Failure {
        class: "nondeterministic",
        detail: format!("first run:\n{}\nsecond run:\n{}", show(a), show(b)),
    })
}

fn show(o: &Outcome) -> String {
    format!("exit {}\n{}", o.exit, o.output)
}
