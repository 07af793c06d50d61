//! The long fuzz run (see `scripts/fuzz.sh`): structure-aware inputs through protoguard's
//! check, semver and prove entry points, in worker processes; prints executions, crashes,
//! hangs, panics, oracle failures and slow inputs with the paths of their saved reproducers.
//!
//!     fuzz [--execs N] [--seed S] [--workers W] [--timeout-ms T] [--slow-ms M]
//!          [--out DIR] [--skip CLASS,...]
//!     fuzz --seed S --replay INDEX [--out DIR]   # one case, in this process
//!
//! The worker processes are this binary again, started as `fuzz worker SPEC`.

#[path = "../tests/fuzzing/mod.rs"]
mod fuzzing;

use std::path::PathBuf;
use std::process::{Command, ExitCode};
use std::time::Duration;

use fuzzing::runner::{self, RunConfig, WorkerSpec};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("worker") {
        runner::worker_main(WorkerSpec::decode(&args[1]));
        return ExitCode::SUCCESS;
    }
    let mut cfg = RunConfig {
        seed: 1,
        execs: 10_000,
        workers: 1,
        timeout: Duration::from_secs(10),
        slow_ms: 1_000,
        out: PathBuf::from("target/fuzz"),
        skip: Vec::new(),
        faults: Vec::new(),
        progress: Some(Duration::from_secs(10)),
    };
    let mut replay = None;
    let mut it = args.iter();
    while let Some(flag) = it.next() {
        let mut value = || it.next().cloned().unwrap_or_default();
        let number = |v: String| -> u64 {
            v.replace('_', "").parse().unwrap_or_else(|_| {
                eprintln!("fuzz: {flag} needs a number, not {v:?}");
                std::process::exit(2)
            })
        };
        match flag.as_str() {
            "--execs" => cfg.execs = number(value()),
            "--seed" => cfg.seed = number(value()),
            "--workers" => cfg.workers = number(value()).max(1) as usize,
            "--timeout-ms" => cfg.timeout = Duration::from_millis(number(value())),
            "--slow-ms" => cfg.slow_ms = number(value()),
            "--out" => cfg.out = PathBuf::from(value()),
            "--skip" => cfg.skip.extend(value().split(',').map(str::to_string)),
            "--replay" => replay = Some(number(value())),
            other => {
                eprintln!("fuzz: unknown argument {other:?} (see the doc atop examples/fuzz.rs)");
                return ExitCode::from(2);
            }
        }
    }
    if let Some(index) = replay {
        let case = fuzzing::case::generate(cfg.seed, index, &cfg.skip);
        let dir = cfg.out.join("replay");
        print!("{}", fuzzing::case::describe(&case));
        let result = fuzzing::exec::execute(&case, &dir);
        println!("written to {}", dir.display());
        return match result {
            Ok(o) => {
                println!("exit {}\n{}", o.exit, o.output);
                ExitCode::SUCCESS
            }
            Err(f) => {
                println!("oracle failure: {}\n{}", f.class, f.detail);
                ExitCode::from(1)
            }
        };
    }
    let exe = std::env::current_exe().expect("own executable");
    let summary = runner::run(&cfg, &|spec| {
        let mut c = Command::new(&exe);
        c.arg("worker").arg(spec.encode());
        c
    });
    print!("{}", summary.render(&cfg));
    if summary.failures().is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    }
}
