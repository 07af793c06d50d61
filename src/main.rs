//! The `protoguard` command line: a thin layer over the library.

// See lib.rs: load errors are cold and carry source text.
#![allow(clippy::result_large_err)]

use std::io::{IsTerminal, Write};
use std::path::PathBuf;
use std::process::ExitCode;

/// See Cargo.toml: the compiler's many small allocations are cheaper with mimalloc.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc's `mi_option_purge_delay` and `mi_option_allow_thp` (their positions in
/// `mi_option_e` of the `mimalloc.h` libmimalloc-sys 0.1.49 builds, v3; the crate names no
/// constant for them).
const MI_OPTION_PURGE_DELAY: libmimalloc_sys::mi_option_t = 15;
const MI_OPTION_ALLOW_THP: libmimalloc_sys::mi_option_t = 43;

use clap::{CommandFactory, Parser, Subcommand, ValueEnum};

use protoguard::{catalog, explain, prove, versioning, ConfigError, History, Loaded, OutputFormat};

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
    /// Write the `reserved` numbers and names of every field and enum value deleted without
    /// them into NEW's files (exit 0: written or nothing to do, 1: --dry-run found edits,
    /// 2: an edit cannot be placed safely, nothing written).
    Fix(FixArgs),
    /// List every rule with its categories and whether it is in the default set.
    Rules,
    /// Explain one rule: who it breaks, an example, and how to change safely; or, given
    /// FILE:LINE[:COL] and --against, the findings at that place; `explain policy [DIR]`,
    /// the compatibility contract in force for DIR.
    Explain(ExplainArgs),
    /// Print a shell completion script (`protoguard completions bash > /etc/bash_completion.d/protoguard`).
    Completions {
        /// The shell to complete in.
        shell: clap_complete::Shell,
    },
    /// Print the manual page (roff), generated from the same definitions as `--help`.
    Man,
}

/// The two schemas to compare and the rules to compare them with.
#[derive(clap::Args, Clone)]
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
    /// Rule IDs or categories to run (FILE, PACKAGE, WIRE_JSON, WIRE, CSR, and protoguard's GOOGLE_API); default FILE.
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
    /// Also check NEW against each of the last K release tags of OLD's git history
    /// (--tag-pattern) with the WIRE and WIRE_JSON rules: data written by older releases
    /// must stay readable (also `window: K` in protoguard.yaml; 0 turns it off).
    #[arg(long, value_name = "K")]
    window: Option<u32>,
    /// Golden payloads: a directory with manifest.yaml listing stored messages (binary
    /// `.pb` or `.json`), their type and the release that wrote them; each must mean the
    /// same under NEW (also `payloads: DIR` in protoguard.yaml).
    #[arg(long, value_name = "DIR")]
    payloads: Option<PathBuf>,
    #[command(flatten)]
    prove_flags: ProveFlags,
}

#[derive(clap::Args)]
struct ExplainArgs {
    /// A rule ID (e.g. FIELD_SAME_TYPE), or FILE:LINE[:COL] in the schema: the findings
    /// there, with the element before and after, who breaks, and the safe path.
    target: String,
    #[command(flatten)]
    sides: Sides,
}

#[derive(clap::Args)]
struct FixArgs {
    /// The new schema, edited in place: a directory (import root).
    #[arg(default_value = ".")]
    new: String,
    /// The old schema: a directory, an image, a git input, or `latest-release`.
    #[arg(long)]
    against: String,
    /// Print the edits as a unified diff instead of writing them.
    #[arg(long)]
    dry_run: bool,
    /// More import roots (both sides), searched after the input directory.
    #[arg(short = 'I', long = "include")]
    include: Vec<PathBuf>,
    /// A buf.yaml for the layout of NEW (default: NEW/buf.yaml if present).
    #[arg(long)]
    config: Option<PathBuf>,
    /// Which tags are releases for `--against latest-release` (a glob).
    #[arg(long, default_value = "v*")]
    tag_pattern: String,
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
    // A run is short: memory freed is never handed back to the system, which would cost
    // system time (page faults) when the next compile takes it again. -1: no purging.
    // Transparent huge pages are off: each first touch of one zeroes 2 MB, which cost a
    // large tree's check seconds of system time for memory it never used.
    // The option alone comes too late: mimalloc reserved (and advised huge pages for) its
    // first arena at the first allocation, before main. The process-wide flag is checked at
    // each page fault, so it also covers that arena.
    // SAFETY: sets options of the allocator and a flag of this process; called before any
    // other thread exists.
    unsafe {
        libmimalloc_sys::mi_option_set(MI_OPTION_PURGE_DELAY, -1);
        libmimalloc_sys::mi_option_set(MI_OPTION_ALLOW_THP, 0);
        #[cfg(target_os = "linux")]
        libc::prctl(libc::PR_SET_THP_DISABLE, 1, 0, 0, 0);
    }
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
        Command::Fix(args) => exit_with(run_fix(&args)),
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
        Command::Explain(args) if args.target.trim() == "policy" => {
            let dir = std::path::Path::new(&args.sides.new);
            match protoguard::api::explain_policy(dir, &args.sides.include) {
                Ok(text) => {
                    print!("{text}");
                    ExitCode::SUCCESS
                }
                Err(e) => fail(e.into()),
            }
        }
        Command::Explain(args) => match protoguard::explain_at::target(&args.target) {
            Ok(protoguard::explain_at::Target::Rule(rule)) => explain_rule(rule),
            Ok(protoguard::explain_at::Target::Place(place)) => {
                exit_with(explain_place(&args.sides, &place))
            }
            Err(e) => fail(miette::miette!("{e}")),
        },
    }
}

/// `protoguard explain RULE`.
fn explain_rule(rule: String) -> ExitCode {
    {
        {
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

/// `protoguard explain FILE:LINE[:COL] --against OLD`: always exit 0 once it has explained.
fn explain_place(sides: &Sides, place: &protoguard::explain_at::Place) -> miette::Result<bool> {
    if sides.against.is_none() && !sides.staged {
        return Err(miette::miette!(
            "explain {}:{} needs --against OLD (or --staged): the findings are those of a check",
            place.file.display(),
            place.line
        ));
    }
    let check = check_for(sides, false);
    let progress = Progress::start("reading and compiling both sides");
    let text = protoguard::explain_at::explain_at(&check, place, None);
    progress.finish();
    print!("{}", text?);
    Ok(false)
}

/// The check the shared flags describe.
fn check_for(sides: &Sides, keep_descriptors: bool) -> protoguard::Check {
    let mut check = protoguard::Check::new(&sides.new)
        .staged(sides.staged)
        .full(sides.full)
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
    check
}

/// Resolves, reads and compiles both sides (`keep_descriptors` for the prover), saying on
/// stderr which baseline was chosen and what the history could not see.
fn load(sides: &Sides, keep_descriptors: bool) -> miette::Result<Loaded> {
    load_with(sides, keep_descriptors, Data::Off)
}

/// The contract's data checks for a load: off (`semver`, `prove`), or on with `check`'s
/// flags overriding protoguard.yaml.
enum Data<'a> {
    Off,
    On {
        window: Option<u32>,
        payloads: Option<&'a PathBuf>,
    },
}

/// [`load`] with `check`'s own options (the data window, golden payloads).
fn load_with(sides: &Sides, keep_descriptors: bool, data: Data) -> miette::Result<Loaded> {
    let mut check = check_for(sides, keep_descriptors);
    match data {
        Data::Off => check = check.data_checks(false),
        Data::On { window, payloads } => {
            if let Some(k) = window {
                check = check.window(k);
            }
            if let Some(dir) = payloads {
                check = check.payloads(dir);
            }
        }
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
    for warning in [loaded.deprecation_warning(), loaded.window_warning()]
        .into_iter()
        .flatten()
    {
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
        let mut check = protoguard::Check::new(&args.sides.new)
            .tag_pattern(&args.sides.tag_pattern)
            .use_rules(&args.sides.use_)
            .except(&args.sides.except);
        if let Some(config) = &args.sides.config {
            check = check.config(config);
        }
        for dir in &args.sides.include {
            check = check.include(dir);
        }
        let verdicts = check.check_tags()?;
        print!("{}", versioning::render_verdicts(&verdicts, format));
        return Ok(verdicts.iter().any(|v| !v.ok));
    }
    let loaded = load(&args.sides, false)?;
    // The bump follows the contract's verdicts: an allowed break is not MAJOR.
    // One element diff feeds both the findings and the changes.
    let diff = protoguard::diff::Diff::new(&loaded.old.index, &loaded.new.index);
    let (judged, warnings) = loaded.judged_in(&diff);
    for w in &warnings {
        eprintln!("protoguard: {}", protoguard::report::warning_line(w));
    }
    let mut report = versioning::Report::new(
        &loaded.old.index,
        &loaded.new.index,
        versioning::changes_in(&diff),
        judged,
    );
    if let Some(v) = &args.current_version {
        let current = versioning::parse_version(v)
            .ok_or_else(|| miette::miette!("--current-version {v:?} is not a semantic version"))?;
        report = report.with_current_version(&current);
    }
    print!("{}", report.render(format));
    Ok(false)
}

/// `protoguard fix`: the diff with --dry-run (exit 1 when there is one), else the edits
/// written and confirmed, one line each on stderr.
fn run_fix(args: &FixArgs) -> miette::Result<bool> {
    let mut check = protoguard::Check::new(&args.new)
        .against(&args.against)
        .tag_pattern(&args.tag_pattern);
    if let Some(config) = &args.config {
        check = check.config(config);
    }
    for dir in &args.include {
        check = check.include(dir);
    }
    let outcome = protoguard::fix::run(&check, args.dry_run)?;
    if args.dry_run {
        print!("{}", outcome.plan.diff());
        return Ok(!outcome.plan.is_empty());
    }
    if outcome.plan.is_empty() {
        eprintln!("protoguard: nothing to fix: every deleted field and enum value is reserved");
    }
    for a in outcome.plan.files.iter().flat_map(|f| &f.additions) {
        eprintln!(
            "protoguard: {}: {} {}: {}",
            protoguard::limits::escape_controls(&a.at),
            a.kind.noun(),
            a.container,
            a.statements.join(" ")
        );
    }
    Ok(false)
}

fn run_prove(args: &ProveArgs) -> miette::Result<bool> {
    // `--message` may name a type of an unchanged file, which a planned load leaves
    // uncompiled: compile everything then.
    let mut sides = args.sides.clone();
    sides.full |= args.flags.message.is_some();
    let loaded = load(&sides, true)?;
    prove_loaded(&loaded, &args.flags, args.format == "json")
}

fn check(args: &CheckArgs) -> miette::Result<bool> {
    let data = Data::On {
        window: args.window,
        payloads: args.payloads.as_ref(),
    };
    let loaded = load_with(&args.sides, args.prove, data)?;
    if let Some(note) =
        protoguard::rules::google_api::suggestion(&loaded.new.index, &loaded.policy.all_rules())
    {
        eprintln!("protoguard: {note}");
    }
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
