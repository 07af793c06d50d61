//! The `protoguard` command line: a thin layer over the library.

// See lib.rs: load errors are cold and carry source text.
#![allow(clippy::result_large_err)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Parser, Subcommand, ValueEnum};

use protoguard::{
    catalog, explain, formats, prove, report, source, source::Mode, versioning, BufConfig,
    ConfigError, Input, LoadOptions, Policy, Schema,
};

#[derive(Parser)]
#[command(
    name = "protoguard",
    version,
    about = "Tells you, before you merge, whether a change to your .proto files breaks anyone."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Report breaking changes of NEW against OLD (exit 0: none, 1: found, 2: error).
    Check(CheckArgs),
    /// Round-trip random messages between OLD and NEW and show what gets lost or misread
    /// (exit 0: no counterexample, 1: counterexamples, 2: error).
    Prove(ProveArgs),
    /// List every change (breaking or not) and the version bump it requires; with
    /// --check-tags, verify that each release tag bumped its version enough.
    Semver(SemverArgs),
    /// List every rule with its categories and whether it is in the default set.
    Rules,
    /// Explain one rule: who it breaks, an example, and how to change safely.
    Explain {
        /// A rule ID, e.g. FIELD_SAME_TYPE.
        rule: String,
    },
}

/// The two schemas to compare and the rules to compare them with.
#[derive(clap::Args)]
struct Sides {
    /// The new schema: a directory (import root), an image, or a git input.
    #[arg(default_value = ".")]
    new: String,
    /// The old schema: a directory, an image, a git input (`.git#branch=main`, `#tag=v1.2.0`,
    /// `#ref=HEAD~1`, `#commit=SHA`, with `,subdir=DIR`; or `git:REF[:SUBDIR]`), or
    /// `latest-release`. Defaults to HEAD with --staged.
    #[arg(long)]
    against: Option<String>,
    /// Check what is staged in the git index (NEW names the directory in the work tree)
    /// against HEAD, ignoring unstaged edits: the pre-commit check.
    #[arg(long)]
    staged: bool,
    /// Compile every file of both sides, not only those that can differ (slower; the
    /// findings are the same).
    #[arg(long)]
    full: bool,
    /// Which tags are releases for `--against latest-release` (a glob).
    #[arg(long, default_value = "v*")]
    tag_pattern: String,
    /// Rule IDs or categories to run (FILE, PACKAGE, WIRE_JSON, WIRE, CSR); default FILE.
    #[arg(long = "use", value_delimiter = ',')]
    use_: Vec<String>,
    /// Rule IDs or categories to leave out.
    #[arg(long, value_delimiter = ',')]
    except: Vec<String>,
    /// More import roots (both sides), searched after the input directory.
    #[arg(short = 'I', long = "include")]
    include: Vec<PathBuf>,
    /// A buf.yaml to read the `breaking:` section from (default: NEW/buf.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Which history the reuse rules (FIELD_NUMBER_REUSED...) read when OLD is git:
    /// `releases` (tags matching --tag-pattern, the default) or `all` (every commit that
    /// changed a .proto file).
    #[arg(long, value_parser = ["releases", "all"], default_value = "releases")]
    history: String,
    /// Accept a message or enum type renamed to a structurally wire-compatible one in
    /// FIELD_WIRE_COMPATIBLE_TYPE (also `structural_types: true` in NEW/protoguard.yaml).
    #[arg(long)]
    structural_types: bool,
    /// Say more about what was checked (e.g. that history rules need a git baseline).
    #[arg(long, short = 'v')]
    verbose: bool,
}

#[derive(clap::Args)]
struct CheckArgs {
    #[command(flatten)]
    sides: Sides,
    /// Output format (`--error-format` is accepted too, as buf spells it).
    #[arg(long, alias = "error-format", value_enum, default_value_t = Format::Text)]
    format: Format,
    /// After the rules, run the prover (see `protoguard prove`).
    #[arg(long)]
    prove: bool,
    #[command(flatten)]
    prove_flags: ProveFlags,
}

#[derive(clap::Args)]
struct SemverArgs {
    #[command(flatten)]
    sides: Sides,
    /// The version of the OLD schema: also print the next version.
    #[arg(long)]
    current_version: Option<String>,
    /// `text`, `markdown` (release notes) or `json`.
    #[arg(long, value_parser = ["text", "markdown", "json"], default_value = "text")]
    format: String,
    /// Check every release tag (--tag-pattern) against the previous one instead; exit 1
    /// naming each tag whose version bump is smaller than its changes require.
    #[arg(long)]
    check_tags: bool,
}

#[derive(clap::Args)]
struct ProveArgs {
    #[command(flatten)]
    sides: Sides,
    #[command(flatten)]
    flags: ProveFlags,
}

#[derive(clap::Args)]
struct ProveFlags {
    /// Random messages per type and direction.
    #[arg(long, default_value_t = 256)]
    cases: u32,
    /// Seed of the random generator, to reproduce a run (printed on failure).
    #[arg(long)]
    seed: Option<u64>,
    /// Only this message type (`pkg.Type`).
    #[arg(long)]
    message: Option<String>,
    /// Also round-trip through the proto3 JSON mapping.
    #[arg(long)]
    json: bool,
}

impl ProveFlags {
    fn options(&self) -> prove::ProveOptions {
        prove::ProveOptions {
            cases: self.cases,
            seed: self.seed,
            message: self.message.clone(),
            json: self.json,
        }
    }
}

#[derive(Clone, Copy, ValueEnum)]
enum Format {
    Text,
    Json,
    /// `::error file=...,title=RULE::message` workflow commands (PR annotations).
    GithubActions,
    /// SARIF 2.1.0, for GitHub code scanning.
    Sarif,
    Junit,
    /// A GitLab Code Quality report.
    GitlabCodeQuality,
    /// `path(line,col) : error RULE : message`, as Visual Studio reads it.
    Msvs,
}

fn main() -> ExitCode {
    // Unchanged files that compiled are remembered between runs (see protoguard::verified).
    protoguard::verified::remember_under(protoguard::verified::default_dir());
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return if e.use_stderr() {
                ExitCode::from(2)
            } else {
                ExitCode::SUCCESS
            };
        }
    };
    match cli.command {
        Command::Check(args) => exit_with(check(&args)),
        Command::Prove(args) => exit_with(run_prove(&args)),
        Command::Semver(args) => exit_with(run_semver(&args)),
        Command::Rules => {
            print!("{}", explain::rules_table());
            ExitCode::SUCCESS
        }
        Command::Explain { rule } => {
            let id = rule.trim().to_ascii_uppercase();
            let doc = catalog::get(&id).or_else(|| {
                catalog::alias_targets(&id)
                    .first()
                    .and_then(|t| catalog::get(t))
            });
            match doc {
                Some(doc) => {
                    print!("{}", explain::explain(doc));
                    ExitCode::SUCCESS
                }
                None => fail(ConfigError::UnknownRule { name: rule }.into()),
            }
        }
    }
}

fn fail(err: miette::Report) -> ExitCode {
    if std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none() {
        eprintln!("{err:?}");
    } else {
        // One line, whatever a file name or identifier in it holds.
        let line = protoguard::limits::escape_controls(&err.to_string());
        let line = protoguard::limits::shorten_echoes(&line);
        eprintln!("protoguard: {line}");
    }
    ExitCode::from(2)
}

/// Exit 1 when something was found, 0 when not, 2 (with the error) when the run failed.
fn exit_with(result: miette::Result<bool>) -> ExitCode {
    match result {
        Ok(true) => ExitCode::from(1),
        Ok(false) => ExitCode::SUCCESS,
        Err(e) => fail(e),
    }
}

/// A spinner on stderr that appears only when a run takes more than a second, and only on
/// a terminal outside CI: a pre-commit hook stays silent when it is fast.
struct Progress {
    done: std::sync::Arc<std::sync::atomic::AtomicBool>,
    handle: Option<std::thread::JoinHandle<()>>,
}

impl Progress {
    fn start(message: &'static str) -> Progress {
        use std::sync::atomic::{AtomicBool, Ordering};
        let done = std::sync::Arc::new(AtomicBool::new(false));
        let show = std::io::stderr().is_terminal()
            && std::env::var_os("CI").is_none()
            && std::env::var_os("NO_COLOR").is_none();
        let handle = show.then(|| {
            let done = std::sync::Arc::clone(&done);
            std::thread::spawn(move || {
                let start = std::time::Instant::now();
                while start.elapsed() < std::time::Duration::from_secs(1) {
                    if done.load(Ordering::Relaxed) {
                        return;
                    }
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                let bar = indicatif::ProgressBar::new_spinner().with_message(message);
                bar.enable_steady_tick(std::time::Duration::from_millis(100));
                while !done.load(Ordering::Relaxed) {
                    std::thread::sleep(std::time::Duration::from_millis(20));
                }
                bar.finish_and_clear();
            })
        });
        Progress { done, handle }
    }

    fn finish(mut self) {
        self.done.store(true, std::sync::atomic::Ordering::Relaxed);
        if let Some(h) = self.handle.take() {
            let _ = h.join();
        }
    }
}

/// Both sides loaded, and the policy that selects rules and ignores.
struct Loaded {
    old: Schema,
    new: Schema,
    policy: Policy,
    /// What earlier releases declared, when OLD is git.
    ledger: Option<protoguard::history::Ledger>,
}

/// Resolves, reads and compiles both sides (`keep_descriptors` for the prover).
fn load(sides: &Sides, keep_descriptors: bool) -> miette::Result<Loaded> {
    let pair = source::resolve_pair(
        &sides.new,
        sides.against.as_deref(),
        sides.staged,
        &sides.tag_pattern,
    )?;
    if let Some(note) = &pair.baseline {
        eprintln!("protoguard: baseline: {note}");
    }
    let (new_input, old_input) = (pair.new, pair.old);
    let new_cfg = match &sides.config {
        Some(p) => Some(BufConfig::read(p)?),
        None => new_input.buf_config()?,
    };
    let old_cfg = old_input.buf_config()?;
    // Rules and ignores per module of the workspace; flags override the file's use/except.
    let mut policy = Policy::new(new_cfg.as_ref(), &sides.use_, &sides.except)?;
    let settings = match &new_input {
        Input::Dir(dir) => protoguard::config::Settings::find(dir)?,
        _ => Default::default(),
    };
    policy.options.structural_types = sides.structural_types || settings.structural_types;
    let new_opts = LoadOptions {
        includes: sides.include.clone(),
        layout: new_cfg.clone(),
        keep_descriptors,
    };
    // A git baseline is read with the layout of the buf.yaml it is compared under.
    let old_opts = LoadOptions {
        includes: sides.include.clone(),
        layout: match old_input {
            Input::Git(_) => new_cfg.clone(),
            _ => old_cfg,
        },
        keep_descriptors,
    };
    // Both sides at once; only files that can differ are compiled unless --full.
    let mode = if sides.full {
        Mode::Full
    } else {
        Mode::Planned
    };
    let progress = Progress::start("reading and compiling both sides");
    let loaded = Schema::load_pair((&old_input, &old_opts), (&new_input, &new_opts), mode);
    progress.finish();
    let (old, new) = loaded?;
    let ledger = protoguard::history_for(&old_input, &sides.tag_pattern, sides.history == "all")?;
    if sides.verbose {
        match &ledger {
            Some(l) => eprintln!("protoguard: {}", l.describe()),
            None => eprintln!("protoguard: {}", protoguard::history::NO_HISTORY_NOTE),
        }
    }
    Ok(Loaded {
        old,
        new,
        policy,
        ledger,
    })
}

/// Runs the prover on loaded sides and prints its report.
fn prove_loaded(loaded: &Loaded, flags: &ProveFlags) -> miette::Result<bool> {
    let (Some(old_fds), Some(new_fds)) = (&loaded.old.encoded, &loaded.new.encoded) else {
        return Err(miette::miette!(
            "the prover needs descriptors of both sides"
        ));
    };
    let progress = Progress::start("proving");
    let report = prove::prove(
        old_fds,
        new_fds,
        &loaded.old.index,
        &loaded.new.index,
        &flags.options(),
    );
    progress.finish();
    let report = report.map_err(|e| miette::miette!("{e}"))?;
    print!("{}", prove::render_text(&report));
    Ok(!report.counterexamples.is_empty())
}

fn run_semver(args: &SemverArgs) -> miette::Result<bool> {
    let format: versioning::Format = args
        .format
        .parse()
        .map_err(|e: String| miette::miette!("{e}"))?;
    if args.check_tags {
        let dir = std::path::Path::new(&args.sides.new);
        let cfg = match &args.sides.config {
            Some(p) => Some(BufConfig::read(p)?),
            None => BufConfig::find(dir)?,
        };
        let policy = Policy::new(cfg.as_ref(), &args.sides.use_, &args.sides.except)?;
        let repo = git2::Repository::discover(dir).map_err(|e| {
            miette::miette!("{}: not a git repository: {}", dir.display(), e.message())
        })?;
        let top = repo
            .workdir()
            .map(std::path::Path::to_path_buf)
            .unwrap_or_else(|| repo.path().to_path_buf());
        let subdir = dir
            .canonicalize()
            .ok()
            .and_then(|d| Some(d.strip_prefix(top.canonicalize().ok()?).ok()?.to_path_buf()))
            .map(|p| p.to_string_lossy().replace('\\', "/"))
            .unwrap_or_default();
        let options = LoadOptions {
            includes: args.sides.include.clone(),
            layout: cfg,
            keep_descriptors: false,
        };
        let verdicts =
            versioning::check_tags_in(&top, &subdir, &args.sides.tag_pattern, &policy, &options)?;
        print!("{}", versioning::render_verdicts(&verdicts, format));
        return Ok(verdicts.iter().any(|v| !v.ok));
    }
    let loaded = load(&args.sides, false)?;
    let mut report = versioning::analyze_with_history(
        &loaded.old,
        &loaded.new,
        &loaded.policy,
        loaded.ledger.as_ref(),
    );
    if let Some(v) = &args.current_version {
        let current = versioning::parse_version(v)
            .ok_or_else(|| miette::miette!("--current-version {v:?} is not a semantic version"))?;
        report = report.with_current_version(&current);
    }
    print!("{}", report.render(format));
    Ok(false)
}

fn run_prove(args: &ProveArgs) -> miette::Result<bool> {
    let loaded = load(&args.sides, true)?;
    prove_loaded(&loaded, &args.flags)
}

fn check(args: &CheckArgs) -> miette::Result<bool> {
    let loaded = load(&args.sides, args.prove)?;
    let (old, new, policy) = (&loaded.old, &loaded.new, &loaded.policy);
    let rules = policy.all_rules();
    let annotations = protoguard::check_with_history(old, new, policy, loaded.ledger.as_ref());

    let rich = matches!(args.format, Format::Text)
        && std::io::stdout().is_terminal()
        && std::env::var_os("NO_COLOR").is_none();
    let text = match args.format {
        Format::Json => report::render_json(&annotations),
        Format::Text if rich => {
            let mut text = report::render_rich(&annotations);
            if !annotations.is_empty() {
                text.push_str(&format!(
                    "\n{} breaking change{} ({} rule{} checked)\n",
                    annotations.len(),
                    if annotations.len() == 1 { "" } else { "s" },
                    rules.len(),
                    if rules.len() == 1 { "" } else { "s" },
                ));
            }
            text
        }
        Format::Text => report::render_text(&annotations),
        Format::GithubActions => formats::render_github_actions(&annotations),
        Format::Sarif => formats::render_sarif(&annotations),
        Format::Junit => formats::render_junit(&annotations),
        Format::GitlabCodeQuality => formats::render_gitlab_code_quality(&annotations),
        Format::Msvs => formats::render_msvs(&annotations),
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(text.as_bytes());
    }
    let proved = if args.prove {
        prove_loaded(&loaded, &args.prove_flags)?
    } else {
        false
    };
    Ok(!annotations.is_empty() || proved)
}
