//! The `protoguard` command line: a thin layer over the library.

// See lib.rs: load errors are cold and carry source text.
#![allow(clippy::result_large_err)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use protoguard::{
    catalog, explain, prove, versioning, BufConfig, ConfigError, History, LoadOptions, Loaded,
    OutputFormat, Policy,
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
    /// Print a shell completion script (`protoguard completions bash > /etc/bash_completion.d/protoguard`).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the same definitions as `--help`.
    Man,
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
    /// `text`, or `json`: the whole report as one JSON object (counterexamples with their
    /// bytes and JSON text), for scripts.
    #[arg(long, value_parser = ["text", "json"], default_value = "text")]
    format: String,
}

#[derive(clap::Args)]
struct ProveFlags {
    /// Random messages per type and direction (at least 1).
    #[arg(long, default_value_t = 256, value_parser = clap::value_parser!(u32).range(1..))]
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
    /// Message levels generated messages nest (default: as deep as the farthest changed
    /// type each proved type reaches, at least 3).
    #[arg(long)]
    depth: Option<u32>,
}

impl ProveFlags {
    fn options(&self) -> prove::ProveOptions {
        prove::ProveOptions {
            cases: self.cases,
            seed: self.seed,
            message: self.message.clone(),
            json: self.json,
            depth: self.depth,
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
        Command::Completions { shell } => {
            clap_complete::generate(
                shell,
                &mut Cli::command(),
                "protoguard",
                &mut std::io::stdout(),
            );
            ExitCode::SUCCESS
        }
        Command::Man => {
            let man = clap_mangen::Man::new(Cli::command());
            match man.render(&mut std::io::stdout()) {
                Ok(()) => ExitCode::SUCCESS,
                // A closed pipe (`protoguard man | head`) is not an error worth a message.
                Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => ExitCode::SUCCESS,
                Err(e) => {
                    eprintln!("protoguard: cannot write the manual page: {e}");
                    ExitCode::from(2)
                }
            }
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
            protoguard::threads::joined(h.join());
        }
    }
}

/// Resolves, reads and compiles both sides (`keep_descriptors` for the prover), saying on
/// stderr which baseline was chosen and what the history could not see. `full` compiles
/// every file even without `--full` (`prove --message` may name a type of an unchanged file,
/// which a planned load leaves uncompiled).
fn load(sides: &Sides, keep_descriptors: bool, full: bool) -> miette::Result<Loaded> {
    let mut check = protoguard::Check::new(&sides.new)
        .staged(sides.staged)
        .full(sides.full || full)
        .tag_pattern(&sides.tag_pattern)
        .history(if sides.history == "all" {
            History::All
        } else {
            History::Releases
        })
        .structural_types(sides.structural_types)
        .use_rules(&sides.use_)
        .except(&sides.except)
        .keep_descriptors(keep_descriptors);
    if let Some(against) = &sides.against {
        check = check.against(against);
    }
    if let Some(config) = &sides.config {
        check = check.config(config);
    }
    for dir in &sides.include {
        check = check.include(dir);
    }
    let progress = Progress::start("reading and compiling both sides");
    let loaded = check.load();
    progress.finish();
    let loaded = loaded?;
    if let Some(note) = &loaded.baseline {
        eprintln!("protoguard: baseline: {note}");
    }
    // What the history rules could not see is said on every run, not only with --verbose.
    for warning in loaded.ledger.iter().flat_map(|l| &l.warnings) {
        eprintln!("protoguard: warning: {warning}");
    }
    if sides.verbose {
        match &loaded.ledger {
            Some(l) => {
                eprintln!("protoguard: {}", l.describe());
                for note in &l.notes {
                    eprintln!("protoguard: {note}");
                }
            }
            None => eprintln!("protoguard: {}", protoguard::history::NO_HISTORY_NOTE),
        }
    }
    Ok(loaded)
}

/// Runs the prover on loaded sides and prints its report.
fn prove_loaded(loaded: &Loaded, flags: &ProveFlags, json: bool) -> miette::Result<bool> {
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
    if json {
        print!("{}", prove::render_json(&report));
    } else {
        print!("{}", prove::render_text(&report));
    }
    // A run that skipped a type, or proved nothing, must not pass (exit 2).
    if let Some(why) = report.incomplete() {
        return Err(miette::miette!("{why}"));
    }
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
    let loaded = load(&args.sides, false, false)?;
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
    let loaded = load(&args.sides, true, args.flags.message.is_some())?;
    prove_loaded(&loaded, &args.flags, args.format == "json")
}

fn check(args: &CheckArgs) -> miette::Result<bool> {
    let loaded = load(
        &args.sides,
        args.prove,
        args.prove && args.prove_flags.message.is_some(),
    )?;
    let report = loaded.report();
    let rich = std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let format = match args.format {
        Format::Text if rich => OutputFormat::Rich,
        Format::Text => OutputFormat::Text,
        Format::Json => OutputFormat::Json,
        Format::GithubActions => OutputFormat::GithubActions,
        Format::Sarif => OutputFormat::Sarif,
        Format::Junit => OutputFormat::Junit,
        Format::GitlabCodeQuality => OutputFormat::GitlabCodeQuality,
        Format::Msvs => OutputFormat::Msvs,
    };
    {
        let mut out = std::io::stdout().lock();
        let _ = out.write_all(report.render(format).as_bytes());
    }
    let proved = if args.prove {
        prove_loaded(&loaded, &args.prove_flags, false)?
    } else {
        false
    };
    Ok(report.is_breaking() || proved)
}
