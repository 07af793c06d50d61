//! The library's front door: one check, configured like the command line, run by one call.
//!
//! ```no_run
//! // In a build.rs: refuse to generate code from protos that break the last release.
//! let report = protoguard::Check::new("proto")
//!     .against("latest-release")
//!     .run()
//!     .expect("protos load");
//! if report.is_breaking() {
//!     panic!("{}", report.render(protoguard::OutputFormat::Text));
//! }
//! ```
//!
//! Everything the `protoguard check` command does between parsing its flags and printing is
//! here: resolving both sides (directories, images, git inputs, `--staged`, `latest-release`),
//! reading `buf.yaml` and `protoguard.yaml`, loading both sides (planned or full), the
//! history ledger of a git baseline, the rules and the report.

use std::path::PathBuf;

use crate::config::{BufConfig, Policy};
use crate::error::{ConfigError, LoadError};
use crate::history::Ledger;
use crate::policy::deprecation::{self, Cycle, DeprecationContext};
use crate::policy::{payloads, window, Contract, ContractFile, PolicyWarning};
use crate::report::Annotation;
use crate::source::{self, Input, LoadOptions, Mode, Schema};
use crate::versioning::TagVerdict;

/// Which history the reuse rules (FIELD_NUMBER_REUSED and friends) read when OLD is git.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum History {
    /// Release tags matching the tag pattern that precede the baseline (the default).
    #[default]
    Releases,
    /// Every commit that changed a `.proto` file.
    All,
}

/// The output formats a [`Report`] renders to (those of `protoguard check --format`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum OutputFormat {
    /// `path:line:col: RULE message`, one per line (with indented detail lines).
    Text,
    /// Rich diagnostics (miette) with the source underlined, for a terminal.
    Rich,
    /// One JSON object per line with buf's keys.
    Json,
    /// `::error file=...` workflow commands.
    GithubActions,
    /// SARIF 2.1.0.
    Sarif,
    /// JUnit XML.
    Junit,
    /// GitLab Code Quality JSON.
    GitlabCodeQuality,
    /// `path(line,col) : error RULE : message`.
    Msvs,
}

/// Anything that stops a check from giving a verdict: a user mistake or unreadable input.
/// The command line prints it and exits 2.
#[derive(Debug, thiserror::Error, miette::Diagnostic)]
pub enum Error {
    #[error(transparent)]
    #[diagnostic(transparent)]
    Load(#[from] LoadError),
    #[error(transparent)]
    #[diagnostic(transparent)]
    Config(#[from] ConfigError),
}

/// One comparison of a new schema against an old one, built up like the command line.
#[derive(Clone, Debug)]
pub struct Check {
    new: String,
    against: Option<String>,
    staged: bool,
    config: Option<PathBuf>,
    use_: Vec<String>,
    except: Vec<String>,
    includes: Vec<PathBuf>,
    mode: Mode,
    tag_pattern: String,
    history: History,
    structural_types: bool,
    keep_descriptors: bool,
    window: Option<u32>,
    payloads: Option<PathBuf>,
    data_checks: bool,
}

/// Both sides loaded and the policy that judges them, before any rule ran.
#[derive(Debug)]
pub struct Loaded {
    pub old: Schema,
    pub new: Schema,
    pub policy: Policy,
    /// What earlier releases declared, when OLD is git.
    pub ledger: Option<Ledger>,
    /// Which baseline `latest-release` or `--staged` chose, when one was chosen.
    pub baseline: Option<String>,
    /// The deprecation cycle protoguard.yaml asks for (`deprecation:`).
    pub deprecation: Option<Cycle>,
    /// How many releases `--window` (or `window:`) asked for; 0 when none.
    pub window_asked: u32,
    /// The releases of the data window, loaded (`None` without a window or without tags).
    pub window: Option<Vec<window::WindowRelease>>,
    /// Golden payloads whose meaning changed (rule PAYLOAD_SAME_MEANING).
    pub payload_findings: Vec<crate::rules::Finding>,
    /// The compatibility contract (protoguard.yaml, marks and waivers), read and validated.
    pub contract: Contract,
}

/// The findings of a check and how many rules produced them.
#[derive(Debug, Default)]
pub struct Report {
    /// Every finding, breaking or allowed by the contract ([`Annotation::verdict`]).
    pub findings: Vec<Annotation>,
    /// How many rules were run.
    pub rules_checked: usize,
    /// Which baseline `latest-release` or `--staged` chose, when one was chosen.
    pub baseline: Option<String>,
    /// What the contract says about itself: stale and expired waivers, loose directives.
    pub warnings: Vec<PolicyWarning>,
    /// A contract is in force (a protoguard.yaml, marks or waivers): the structured formats
    /// then carry every finding's verdict. Without one, every format is buf's.
    pub contract: bool,
}

impl Check {
    /// A check of `new`: a directory (import root), an image, or a git input.
    pub fn new(new: impl Into<String>) -> Check {
        Check {
            new: new.into(),
            against: None,
            staged: false,
            config: None,
            use_: Vec::new(),
            except: Vec::new(),
            includes: Vec::new(),
            mode: Mode::Planned,
            tag_pattern: "v*".into(),
            history: History::Releases,
            structural_types: false,
            keep_descriptors: false,
            window: None,
            payloads: None,
            data_checks: true,
        }
    }

    /// The old side: a directory, an image, a git input (`.git#branch=main`, `git:v1.2.0`)
    /// or `latest-release`.
    pub fn against(mut self, old: impl Into<String>) -> Check {
        self.against = Some(old.into());
        self
    }

    /// Check what is staged in the git index against HEAD (or [`Check::against`]).
    pub fn staged(mut self, staged: bool) -> Check {
        self.staged = staged;
        self
    }

    /// Read the `breaking:` section from this buf.yaml instead of NEW's own.
    pub fn config(mut self, path: impl Into<PathBuf>) -> Check {
        self.config = Some(path.into());
        self
    }

    /// Rule IDs or categories to run (default: buf.yaml's, else FILE).
    pub fn use_rules<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Check {
        self.use_.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Rule IDs or categories to leave out.
    pub fn except<S: Into<String>>(mut self, ids: impl IntoIterator<Item = S>) -> Check {
        self.except.extend(ids.into_iter().map(Into::into));
        self
    }

    /// Another import root for both sides, searched after the input directory.
    pub fn include(mut self, dir: impl Into<PathBuf>) -> Check {
        self.includes.push(dir.into());
        self
    }

    /// Compile every file of both sides, not only those that can differ.
    pub fn full(mut self, full: bool) -> Check {
        self.mode = if full { Mode::Full } else { Mode::Planned };
        self
    }

    /// Which tags are releases (a glob, default `v*`).
    pub fn tag_pattern(mut self, pattern: impl Into<String>) -> Check {
        self.tag_pattern = pattern.into();
        self
    }

    /// Which history the reuse rules read.
    pub fn history(mut self, history: History) -> Check {
        self.history = history;
        self
    }

    /// Accept types renamed to structurally wire-compatible ones (also `structural_types:
    /// true` in NEW/protoguard.yaml).
    pub fn structural_types(mut self, on: bool) -> Check {
        self.structural_types = on;
        self
    }

    /// Keep the encoded descriptors of both sides (what the prover reads); compiles
    /// everything.
    pub fn keep_descriptors(mut self, keep: bool) -> Check {
        self.keep_descriptors = keep;
        self
    }

    /// Also check NEW against each of the last `k` release tags of OLD's history with the
    /// WIRE and WIRE_JSON rules (overrides `window:` in protoguard.yaml; 0 turns it off).
    pub fn window(mut self, k: u32) -> Check {
        self.window = Some(k);
        self
    }

    /// Golden payloads: a directory with `manifest.yaml` (overrides `payloads:` in
    /// protoguard.yaml). Each payload must mean the same under NEW as under its writer.
    pub fn payloads(mut self, dir: impl Into<PathBuf>) -> Check {
        self.payloads = Some(dir.into());
        self
    }

    /// Whether the data checks of the contract (the window and golden payloads, from the
    /// builder or protoguard.yaml) run: `check` runs them (the default); `semver` and `prove`,
    /// which read no findings of theirs, turn them off.
    pub fn data_checks(mut self, on: bool) -> Check {
        self.data_checks = on;
        self
    }

    /// `protoguard semver --check-tags`: every release tag (matching [`Check::tag_pattern`])
    /// of the repository holding the new side's directory, each compared with the one
    /// before it under that directory, with the rules and layout of its buf.yaml (or
    /// [`Check::config`]) and [`Check::use_rules`] / [`Check::except`].
    pub fn check_tags(&self) -> Result<Vec<TagVerdict>, Error> {
        let dir = std::path::Path::new(&self.new);
        let cfg = match &self.config {
            Some(p) => Some(BufConfig::read(p)?),
            None => BufConfig::find(dir)?,
        };
        let policy = Policy::new(cfg.as_ref(), &self.use_, &self.except)?;
        let (top, subdir) = crate::git::discover(dir)?;
        let options = LoadOptions {
            includes: self.includes.clone(),
            layout: cfg,
            keep_descriptors: false,
        };
        Ok(crate::versioning::check_tags_in(
            &top,
            &subdir,
            &self.tag_pattern,
            &policy,
            &options,
        )?)
    }

    /// Resolves, reads and compiles both sides, and reads the policy and the history.
    pub fn load(&self) -> Result<Loaded, Error> {
        let pair = source::resolve_pair(
            &self.new,
            self.against.as_deref(),
            self.staged,
            &self.tag_pattern,
        )?;
        let (new_input, old_input) = (pair.new, pair.old);
        let new_cfg = match &self.config {
            Some(p) => Some(BufConfig::read(p)?),
            // The index has no buf.yaml of its own to read: the work tree's directory does.
            None if self.staged => BufConfig::find(std::path::Path::new(&self.new))?,
            None => new_input.buf_config()?,
        };
        let old_cfg = old_input.buf_config()?;
        // protoguard.yaml: in NEW or a parent up to the repository's top (for --staged, the
        // work tree's directory); an image or git NEW has none.
        let new_dir = match &new_input {
            Input::Dir(dir) => Some(dir.clone()),
            _ if self.staged => Some(PathBuf::from(&self.new)),
            _ => None,
        };
        let contract_file = match &new_dir {
            Some(dir) => ContractFile::find(dir)?,
            None => None,
        };
        // Rules and ignores per module of the workspace; use/except override the file's.
        let mut policy = Policy::new(new_cfg.as_ref(), &self.use_, &self.except)?;
        // Golden payloads, read (and every file checked) before anything is compiled.
        let payload_dir = self.payloads.clone().or_else(|| {
            let c = contract_file.as_ref()?;
            Some(c.dir.join(&c.yaml.payloads.as_ref()?.value))
        });
        let payload_dir = payload_dir.filter(|_| self.data_checks);
        let payloads = match &payload_dir {
            Some(dir) => payloads::read(dir)?,
            None => Vec::new(),
        };
        // Payloads are decoded with the descriptors of both sides.
        let keep_descriptors = self.keep_descriptors || payload_dir.is_some();
        // protoguard.yaml's `use:` adds rules (or categories, as v2 means them) to every
        // module's selection.
        if let Some(c) = &contract_file {
            for u in &c.yaml.use_ {
                let ids = crate::config::expand(&u.value).map_err(|e| ConfigError::Invalid {
                    path: c.at(u),
                    reason: format!("use: {e}"),
                })?;
                for m in &mut policy.modules {
                    for id in &ids {
                        if !m.rules.contains(id) {
                            m.rules.push(id);
                        }
                    }
                }
            }
        }
        let structural = contract_file
            .as_ref()
            .is_some_and(|c| c.yaml.structural_types == Some(true));
        policy.options.structural_types = self.structural_types || structural;
        // Under a protoguard.yaml, breaks in unstable packages are shown as allowed rather
        // than dropped as buf drops them (allowed findings are never hidden).
        let mut buf_unstable = false;
        if contract_file.is_some() {
            for m in &mut policy.modules {
                buf_unstable |= m.ignore.ignore_unstable_packages;
                m.ignore.ignore_unstable_packages = false;
            }
        }
        let new_opts = LoadOptions {
            includes: self.includes.clone(),
            layout: new_cfg.clone(),
            keep_descriptors,
        };
        // A git baseline is read with the layout of the buf.yaml it is compared under.
        let old_opts = LoadOptions {
            includes: self.includes.clone(),
            layout: match old_input {
                Input::Git(_) => new_cfg,
                _ => old_cfg,
            },
            keep_descriptors,
        };
        // A data window compares NEW with other releases too: all of NEW is compiled.
        let window_k = self
            .window
            .or_else(|| {
                contract_file
                    .as_ref()?
                    .yaml
                    .window
                    .as_ref()
                    .map(|w| w.value)
            })
            .filter(|_| self.data_checks)
            .unwrap_or(0);
        // The window compares NEW with other releases, and payloads may name a type of any
        // file: both need every file of NEW compiled (a planned load keeps only the
        // descriptors of the files that can differ).
        let mode = if window_k > 0 || payload_dir.is_some() {
            Mode::Full
        } else {
            self.mode
        };
        let (old, new) = Schema::load_pair((&old_input, &old_opts), (&new_input, &new_opts), mode)?;
        // History is read only for the rules that need it (so leaving them out is a way to
        // run where it cannot be read).
        let wants_history = policy
            .all_rules()
            .iter()
            .any(|r| crate::history::RULES.contains(r));
        // The deprecation cycle reads the ledger too, the baseline's own marks included.
        let cycle = contract_file.as_ref().and_then(Cycle::from_contract);
        let ledger = if wants_history || cycle.is_some() || window_k > 0 {
            crate::history_reading(
                &old_input,
                &self.tag_pattern,
                self.history == History::All,
                cycle.is_some(),
            )?
        } else {
            None
        };
        // A finding that would sit in a file compiled without source info: every file is
        // compiled again with its source info, so that it is located as a full load would.
        let (old, new) = crate::located(
            (&old_input, &old_opts),
            (&new_input, &new_opts),
            (old, new),
            ledger.as_ref(),
        )?;
        let window = match (&old_input, &ledger) {
            (Input::Git(spec), Some(l)) if window_k > 0 => {
                let tags = window::tags(l, window_k as usize);
                let options = LoadOptions {
                    keep_descriptors: false,
                    ..old_opts.clone()
                };
                Some(window::load(spec, &tags, &options)?)
            }
            _ => None,
        };
        let payload_findings = if payloads.is_empty() {
            Vec::new()
        } else {
            payloads::check(&payloads, &old, &new, &old_opts)?
        };
        // Asked for on the command line and impossible: a usage error, not a silent pass.
        if self.window.is_some_and(|k| k > 0) && window.as_ref().is_none_or(Vec::is_empty) {
            return Err(ConfigError::Invalid {
                path: "--window".into(),
                reason: format!(
                    "{}: OLD ({}) is not a git input whose history has tags matching {:?}",
                    window::NEEDS_TAGS,
                    old_input.display(),
                    self.tag_pattern
                ),
            }
            .into());
        }
        let contract = Contract::build(
            &old.index,
            &new.index,
            contract_file,
            buf_unstable,
            new_dir.as_deref(),
        )?;
        // A schema that carries marks is held to them: demoting a stable element is itself
        // breaking (STABILITY_NO_DEMOTE), unless the user leaves the rule out.
        let marks_in_new =
            !contract.marks.new.elements.is_empty() || !contract.marks.new.files.is_empty();
        let excepted = self.except.iter().any(|x| {
            crate::config::expand(x)
                .is_ok_and(|ids| ids.contains(&crate::rules::STABILITY_NO_DEMOTE))
        });
        if marks_in_new && !excepted {
            for m in &mut policy.modules {
                if !m.rules.contains(&crate::rules::STABILITY_NO_DEMOTE) {
                    m.rules.push(crate::rules::STABILITY_NO_DEMOTE);
                }
            }
        }
        Ok(Loaded {
            old,
            new,
            policy,
            ledger,
            baseline: pair.baseline,
            deprecation: cycle,
            window_asked: window_k,
            window,
            payload_findings,
            contract,
        })
    }

    /// Loads both sides and runs the selected rules.
    ///
    /// ```
    /// # let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/examples/shop");
    /// let report = protoguard::Check::new(format!("{dir}/new"))
    ///     .against(format!("{dir}/old"))
    ///     .use_rules(["WIRE_JSON"])
    ///     .run()?;
    /// assert!(report.is_breaking());
    /// let json = report.render(protoguard::OutputFormat::Json);
    /// assert!(json.lines().all(|l| l.starts_with("{\"path\":")));
    /// # Ok::<(), protoguard::Error>(())
    /// ```
    pub fn run(&self) -> Result<Report, Error> {
        Ok(self.load()?.report())
    }
}

impl Loaded {
    /// Runs the policy's rules over the loaded sides, then the contract decides each
    /// finding's verdict.
    pub fn report(&self) -> Report {
        let (mut findings, warnings) = self.decided();
        // The data window: NEW against each of the last K releases, WIRE/WIRE_JSON only;
        // a break the check against OLD already holds gets the releases added instead.
        let windowed = match &self.window {
            Some(releases) => window::check(&self.new, releases, &self.policy, &mut findings),
            None => Vec::new(),
        };
        let mut findings =
            crate::report::annotate(&self.old.index, &self.new.index, findings, &self.policy);
        let payloads = payloads::annotate(
            &self.old.index,
            &self.new.index,
            self.payload_findings.clone(),
            &self.policy,
        );
        if !windowed.is_empty() || !payloads.is_empty() {
            findings.extend(windowed);
            findings.extend(payloads);
            crate::report::sort(&mut findings);
        }
        Report {
            findings,
            rules_checked: self.policy.all_rules().len(),
            baseline: self.baseline.clone(),
            warnings,
            contract: self.contract.is_active(),
        }
    }

    /// The findings of the rules with the contract's verdicts: waivers, stability and
    /// unstable packages first, then the deprecation cycle for the deletions still breaking
    /// (which also says, on those, why the cycle does not allow them).
    fn decided(&self) -> (Vec<crate::rules::Finding>, Vec<PolicyWarning>) {
        self.decided_in(&crate::diff::Diff::new(&self.old.index, &self.new.index))
    }

    /// [`Loaded::decided`] over an element diff of the two sides that the caller also reads.
    fn decided_in(
        &self,
        diff: &crate::diff::Diff,
    ) -> (Vec<crate::rules::Finding>, Vec<PolicyWarning>) {
        let mut findings = crate::findings_of_diff(diff, &self.policy, self.ledger.as_ref());
        let warnings = self
            .contract
            .apply(&mut findings, &self.old.index, &self.new.index, None);
        if let Some(ctx) = self.deprecation_context() {
            deprecation::apply(&mut findings, &ctx);
        }
        (findings, warnings)
    }

    /// The located findings, each with its subject and the contract's verdict, and what
    /// the contract says about itself (stale and expired waivers...).
    pub fn judged(
        &self,
    ) -> (
        Vec<(crate::finding::Subject, Annotation)>,
        Vec<PolicyWarning>,
    ) {
        self.judged_in(&crate::diff::Diff::new(&self.old.index, &self.new.index))
    }

    /// [`Loaded::judged`] over an element diff the caller also reads (semver reads the same
    /// diff for its changes, so the two sides are paired once).
    pub fn judged_in(
        &self,
        diff: &crate::diff::Diff,
    ) -> (
        Vec<(crate::finding::Subject, Annotation)>,
        Vec<PolicyWarning>,
    ) {
        let (findings, warnings) = self.decided_in(diff);
        let located = crate::report::annotate_with_subjects(
            &self.old.index,
            &self.new.index,
            findings,
            &self.policy,
        );
        (located, warnings)
    }
}

impl Loaded {
    /// What the deprecation cycle judges with, when protoguard.yaml asks for one and OLD has
    /// a history (a git input).
    pub fn deprecation_context(&self) -> Option<DeprecationContext<'_>> {
        Some(DeprecationContext {
            ledger: self.ledger.as_ref()?,
            cycle: self.deprecation?,
            new: &self.new.index,
        })
    }

    /// Why the data window asked for cannot be checked as asked (no release tags in
    /// OLD's history, fewer than asked), for stderr.
    pub fn window_warning(&self) -> Option<String> {
        if self.window_asked == 0 {
            return None;
        }
        let found = self.window.as_ref().map_or(0, Vec::len);
        match &self.window {
            _ if found == 0 => Some(format!(
                "{}: OLD is not a git input whose history has tags matching the tag pattern, \
                 so only OLD itself was checked",
                window::NEEDS_TAGS
            )),
            Some(w) if found < self.window_asked as usize => Some(format!(
                "data window: {} release{} asked for, only {found} in OLD's history ({})",
                self.window_asked,
                if self.window_asked == 1 { "" } else { "s" },
                w.iter()
                    .map(|r| r.tag.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            )),
            _ => None,
        }
    }

    /// Why the deprecation cycle protoguard.yaml asks for cannot be applied as written
    /// (no release tags in OLD's history), for stderr.
    pub fn deprecation_warning(&self) -> Option<String> {
        self.deprecation?;
        match &self.ledger {
            None => Some(format!(
                "{}: OLD is not a git input, so every deletion stays breaking",
                deprecation::NEEDS_TAGS
            )),
            Some(l) if !(0..l.releases().len()).any(|i| l.release_meta(i).tagged) => Some(format!(
                "{}: no tag matching the tag pattern is OLD or precedes it, so no element \
                     was deprecated in a release",
                deprecation::NEEDS_TAGS
            )),
            Some(_) => None,
        }
    }
}

impl Report {
    /// Whether anything breaks (a finding the contract does not allow): the command
    /// line's exit 1.
    pub fn is_breaking(&self) -> bool {
        self.findings.iter().any(|a| a.verdict.is_breaking())
    }

    /// How many findings break and how many the contract allows.
    pub fn counts(&self) -> (usize, usize) {
        let breaking = self
            .findings
            .iter()
            .filter(|a| a.verdict.is_breaking())
            .count();
        (breaking, self.findings.len() - breaking)
    }

    /// The findings in one of the command line's formats.
    ///
    /// ```
    /// let report = protoguard::Report { rules_checked: 3, ..Default::default() };
    /// assert_eq!(report.render(protoguard::OutputFormat::Text), "");
    /// assert!(report.render(protoguard::OutputFormat::Sarif).contains("\"version\": \"2.1.0\""));
    /// ```
    pub fn render(&self, format: OutputFormat) -> String {
        use crate::{formats, report};
        let (findings, warnings) = (&self.findings, &self.warnings);
        match format {
            OutputFormat::Text => report::render_text_with(findings, warnings),
            OutputFormat::Rich => {
                let mut text = report::render_rich(findings);
                if !findings.is_empty() {
                    let plural = |n: usize| if n == 1 { "" } else { "s" };
                    let (breaking, allowed) = self.counts();
                    let allowed = if allowed > 0 {
                        format!(", {allowed} allowed")
                    } else {
                        String::new()
                    };
                    text.push_str(&format!(
                        "\n{} breaking change{}{allowed} ({} rule{} checked)\n",
                        breaking,
                        plural(breaking),
                        self.rules_checked,
                        plural(self.rules_checked),
                    ));
                }
                for w in warnings {
                    text.push_str(&report::warning_line(w));
                    text.push('\n');
                }
                text
            }
            OutputFormat::Json => report::render_json_with(findings, warnings, self.contract),
            OutputFormat::GithubActions => formats::render_github_actions_with(findings, warnings),
            OutputFormat::Sarif => formats::render_sarif_with(findings, warnings),
            OutputFormat::Junit => formats::render_junit_with(findings, warnings),
            OutputFormat::GitlabCodeQuality => {
                formats::render_gitlab_code_quality_with(findings, warnings)
            }
            OutputFormat::Msvs => formats::render_msvs_with(findings, warnings),
        }
    }
}

/// `protoguard explain policy DIR`: reads `dir` (an import root) as `check` reads NEW, and
/// its contract, and describes the contract ([`crate::policy::explain::describe`]).
pub fn explain_policy(dir: &std::path::Path, includes: &[PathBuf]) -> Result<String, Error> {
    let input = Input::parse(&dir.to_string_lossy())?;
    let Input::Dir(root) = &input else {
        return Err(LoadError::Unreadable {
            path: dir.display().to_string(),
            reason: "explain policy reads a directory (the import root of the schema)".into(),
        }
        .into());
    };
    let cfg = BufConfig::find(root)?;
    let buf_unstable = cfg.as_ref().is_some_and(|c| {
        c.modules
            .iter()
            .any(|m| m.breaking.ignore_unstable_packages)
    });
    let schema = Schema::load(
        &input,
        &LoadOptions {
            includes: includes.to_vec(),
            layout: cfg,
            keep_descriptors: false,
        },
    )?;
    let file = ContractFile::find(root)?;
    let contract = Contract::build(&schema.index, &schema.index, file, buf_unstable, Some(root))?;
    Ok(crate::policy::explain::describe(
        &contract,
        &schema.index,
        crate::policy::waivers::Day::today(),
    ))
}
