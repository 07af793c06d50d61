//! Runs executions in child processes, so that a stack overflow or an abort kills a worker
//! and not the run, and a hang is cut off by a deadline. The parent hands each worker a
//! range of case indexes; the worker writes each case to its scratch directory, prints
//! `@@begin I`, runs it (panics caught) and prints `@@done I MICROS EXIT STATUS [PATH]`.
//! When a worker dies or misses the deadline, the parent saves the scratch case under
//! `crashes/` or `hangs/` and starts a new worker after that index. Panics, oracle failures
//! and slow inputs are saved by the worker itself under `panics/`, `failures/`, `slow/`.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::{Duration, Instant};

use super::case;
use super::exec;

/// What one worker process does: cases `from..to` of run `seed`.
#[derive(Clone, Debug)]
pub struct WorkerSpec {
    pub seed: u64,
    pub from: u64,
    pub to: u64,
    pub slow_ms: u64,
    pub scratch: PathBuf,
    pub out: PathBuf,
    pub skip: Vec<String>,
    /// For the harness's own test: (index, "abort" | "hang" | "panic") injected faults.
    pub faults: Vec<(u64, String)>,
}

impl WorkerSpec {
    /// One line, tab-separated (paths may hold spaces or commas).
    pub fn encode(&self) -> String {
        let faults: Vec<String> = self
            .faults
            .iter()
            .map(|(i, k)| format!("{i}={k}"))
            .collect();
        [
            self.seed.to_string(),
            self.from.to_string(),
            self.to.to_string(),
            self.slow_ms.to_string(),
            self.scratch.display().to_string(),
            self.out.display().to_string(),
            self.skip.join(","),
            faults.join(","),
        ]
        .join("\t")
    }

    pub fn decode(s: &str) -> WorkerSpec {
        let p: Vec<&str> = s.split('\t').collect();
        let list = |s: &str| -> Vec<String> {
            s.split(',')
                .filter(|x| !x.is_empty())
                .map(str::to_string)
                .collect()
        };
        WorkerSpec {
            seed: p[0].parse().expect("seed"),
            from: p[1].parse().expect("from"),
            to: p[2].parse().expect("to"),
            slow_ms: p[3].parse().expect("slow_ms"),
            scratch: PathBuf::from(p[4]),
            out: PathBuf::from(p[5]),
            skip: list(p[6]),
            faults: list(p[7])
                .iter()
                .filter_map(|f| {
                    let (i, k) = f.split_once('=')?;
                    Some((i.parse().ok()?, k.to_string()))
                })
                .collect(),
        }
    }
}

static PANIC_MESSAGE: Mutex<Option<String>> = Mutex::new(None);

/// The body of a worker process. Runs on a thread with the stack of a main thread (8 MiB),
/// as the CLI does.
pub fn worker_main(spec: WorkerSpec) {
    std::panic::set_hook(Box::new(|info| {
        if exec::JUDGING.with(|j| j.get()) {
            return;
        }
        let mut slot = PANIC_MESSAGE.lock().unwrap_or_else(|e| e.into_inner());
        if slot.is_none() {
            *slot = Some(info.to_string().replace('\n', " "));
        }
    }));
    let worker = std::thread::Builder::new()
        .name("fuzz-exec".into())
        .stack_size(8 << 20)
        .spawn(move || worker_loop(&spec))
        .expect("spawn worker thread");
    let _ = worker.join();
}

fn worker_loop(spec: &WorkerSpec) {
    let stdout = std::io::stdout();
    let dir = spec.scratch.join("case");
    for index in spec.from..spec.to {
        // Begun before the case is generated: generating compiles images, which can crash too.
        {
            let mut out = stdout.lock();
            // The parent is gone (its end of the pipe closed): stop, do not run on unseen.
            if writeln!(out, "\n@@begin {index}")
                .and_then(|_| out.flush())
                .is_err()
            {
                return;
            }
        }
        let _ = std::fs::remove_dir_all(&dir);
        let case = case::generate(spec.seed, index, &spec.skip);
        {
            // The input classes, so that the parent can name them if this case kills us.
            let mut out = stdout.lock();
            let classes = if case.classes.is_empty() {
                "-".to_string()
            } else {
                case.classes.join(",")
            };
            let _ = writeln!(out, "@@case {index} {classes}");
            let _ = out.flush();
        }
        *PANIC_MESSAGE.lock().unwrap_or_else(|e| e.into_inner()) = None;
        let fault = spec
            .faults
            .iter()
            .find(|(i, _)| *i == index)
            .map(|(_, k)| k.as_str());
        let start = Instant::now();
        if fault.is_some() {
            // An injected fault strikes where a real one would: with the case on disk.
            let _ = case::materialize(&case, &dir);
        }
        let result = std::panic::catch_unwind(|| {
            match fault {
                Some("abort") => std::process::abort(),
                Some("hang") => loop {
                    std::thread::sleep(Duration::from_secs(1));
                },
                Some("panic") => panic!("injected panic"),
                _ => {}
            }
            exec::execute(&case, &dir)
        });
        let micros = start.elapsed().as_micros();
        if std::env::var_os("FUZZ_PROFILE").is_some() {
            eprintln!("profile {:?} {micros}", case.entry);
        }
        let slow = micros > u128::from(spec.slow_ms) * 1000;
        let (exit, status, detail) = match result {
            Ok(Ok(outcome)) if slow => (outcome.exit, "slow", String::new()),
            Ok(Ok(outcome)) => (outcome.exit, "ok", String::new()),
            Ok(Err(failure)) => (9, failure.class, failure.detail),
            Err(_) => {
                let msg = PANIC_MESSAGE
                    .lock()
                    .unwrap_or_else(|e| e.into_inner())
                    .take()
                    .unwrap_or_else(|| "panic".into());
                (9, "panic", msg)
            }
        };
        let saved = if status == "ok" || spec.skip.iter().any(|k| k == status) {
            None
        } else if status == "slow" {
            let why = format!("slow: {} ms\n", micros / 1000);
            save(&dir, &spec.out, "slow", spec.seed, index, &why)
        } else {
            let kind = if status == "panic" {
                "panics".to_string()
            } else {
                format!("failures/{status}")
            };
            save(
                &dir,
                &spec.out,
                &kind,
                spec.seed,
                index,
                &format!("{status}\n{detail}\n"),
            )
        };
        let mut out = stdout.lock();
        let _ = writeln!(
            out,
            "@@done {index} {micros} {exit} {status} {}",
            saved.map(|p| p.display().to_string()).unwrap_or_default()
        );
        let _ = out.flush();
    }
}

/// At most this many reproducers are kept per kind (and oracle class): a long run finds the
/// same bug thousands of times.
const SAVED_PER_KIND: usize = 25;

/// Copies the scratch case to `out/kind/SEED-INDEX/` with the reason; returns that path,
/// or `None` once the kind holds [`SAVED_PER_KIND`] reproducers.
pub fn save(
    case_dir: &Path,
    out: &Path,
    kind: &str,
    seed: u64,
    index: u64,
    why: &str,
) -> Option<PathBuf> {
    let parent = out.join(kind);
    if std::fs::read_dir(&parent).map_or(0, |d| d.count()) >= SAVED_PER_KIND {
        return None;
    }
    let dest = parent.join(format!("{seed}-{index}"));
    let _ = std::fs::remove_dir_all(&dest);
    // A case that crashed while being generated has no files: the reason (and replay) remain.
    if case_dir.is_dir() {
        copy_tree(case_dir, &dest).ok()?;
    } else {
        std::fs::create_dir_all(&dest).ok()?;
    }
    std::fs::write(dest.join("reason.txt"), why).ok()?;
    Some(dest)
}

fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for e in std::fs::read_dir(from)? {
        let e = e?;
        let target = to.join(e.file_name());
        if e.file_type()?.is_dir() {
            copy_tree(&e.path(), &target)?;
        } else {
            std::fs::copy(e.path(), target)?;
        }
    }
    Ok(())
}

/// A run's settings.
#[derive(Clone, Debug)]
pub struct RunConfig {
    pub seed: u64,
    pub execs: u64,
    pub workers: usize,
    pub timeout: Duration,
    pub slow_ms: u64,
    pub out: PathBuf,
    pub skip: Vec<String>,
    pub faults: Vec<(u64, String)>,
    /// Print progress every this often (`None`: quiet).
    pub progress: Option<Duration>,
}

/// One saved input: what happened, and where the reproducer is.
#[derive(Clone, Debug)]
pub struct Finding {
    pub kind: String,
    pub index: u64,
    pub path: Option<PathBuf>,
    /// The input classes of the case (`-` for none), to tell known bugs from new ones.
    pub classes: String,
}

#[derive(Debug, Default)]
pub struct Summary {
    pub execs: u64,
    pub exits: [u64; 3],
    pub findings: Vec<Finding>,
    /// Oracle failures of classes listed as known open bugs (counted, not failures).
    pub known: u64,
    pub elapsed: Duration,
}

impl Summary {
    pub fn count(&self, kind: &str) -> usize {
        self.findings.iter().filter(|f| f.kind == kind).count()
    }

    /// Crashes, hangs, panics and oracle failures (slow inputs are reported, not failures).
    pub fn failures(&self) -> Vec<&Finding> {
        self.findings.iter().filter(|f| f.kind != "slow").collect()
    }

    pub fn oracle_failures(&self) -> usize {
        self.findings
            .iter()
            .filter(|f| !["crash", "hang", "panic", "slow"].contains(&f.kind.as_str()))
            .count()
    }

    pub fn render(&self, cfg: &RunConfig) -> String {
        let secs = self.elapsed.as_secs_f64().max(1e-9);
        let mut s = format!(
            "fuzz: seed {}: {} executions in {:.1} s ({:.0} exec/s, {} worker{})\n",
            cfg.seed,
            self.execs,
            secs,
            self.execs as f64 / secs,
            cfg.workers,
            if cfg.workers == 1 { "" } else { "s" }
        );
        s.push_str(&format!(
            "fuzz: exits: 0 (no finding) {}, 1 (findings) {}, 2 (input error) {}\n",
            self.exits[0], self.exits[1], self.exits[2]
        ));
        s.push_str(&format!(
            "fuzz: crashes {}, hangs {} (> {} ms), panics {}, slow inputs {} (> {} ms), oracle failures {}, known-open {}\n",
            self.count("crash"),
            self.count("hang"),
            cfg.timeout.as_millis(),
            self.count("panic"),
            self.count("slow"),
            cfg.slow_ms,
            self.oracle_failures(),
            self.known
        ));
        let mut kinds: Vec<&str> = self.findings.iter().map(|f| f.kind.as_str()).collect();
        kinds.sort();
        kinds.dedup();
        for kind in kinds {
            let of_kind: Vec<&Finding> = self.findings.iter().filter(|f| f.kind == kind).collect();
            // By input class: a known bug's class next to "-" (none) shows what is new.
            let mut by_class: std::collections::BTreeMap<&str, usize> = Default::default();
            for f in &of_kind {
                *by_class.entry(f.classes.as_str()).or_default() += 1;
            }
            let by_class: Vec<String> = by_class.iter().map(|(c, n)| format!("{c} {n}")).collect();
            s.push_str(&format!(
                "  {kind}: {} (input classes: {})\n",
                of_kind.len(),
                by_class.join(", ")
            ));
            for f in of_kind.iter().filter(|f| f.path.is_some()).take(5) {
                let p = f
                    .path
                    .as_ref()
                    .map(|p| p.display().to_string())
                    .unwrap_or_default();
                s.push_str(&format!("    #{} {p}\n", f.index));
            }
        }
        s
    }
}

struct Shared {
    next: AtomicU64,
    summary: Mutex<Summary>,
}

/// Runs `cfg.execs` cases over `cfg.workers` worker processes made by `command` (which must
/// run [`worker_main`] with the spec it is given).
pub fn run(cfg: &RunConfig, command: &(dyn Fn(&WorkerSpec) -> Command + Sync)) -> Summary {
    let start = Instant::now();
    let shared = Arc::new(Shared {
        next: AtomicU64::new(0),
        summary: Mutex::new(Summary::default()),
    });
    let chunk = (cfg.execs / (cfg.workers as u64 * 4)).clamp(1, 2_000);
    let finished = std::sync::atomic::AtomicBool::new(false);
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..cfg.workers)
            .map(|slot| {
                let shared = Arc::clone(&shared);
                s.spawn(move || loop {
                    let from = shared.next.fetch_add(chunk, Ordering::SeqCst);
                    if from >= cfg.execs {
                        break;
                    }
                    let to = (from + chunk).min(cfg.execs);
                    run_range(cfg, command, slot, from, to, &shared);
                })
            })
            .collect();
        if let Some(every) = cfg.progress {
            let shared = Arc::clone(&shared);
            let finished = &finished;
            s.spawn(move || {
                let mut last = Instant::now();
                while !finished.load(Ordering::SeqCst) {
                    std::thread::sleep(Duration::from_millis(200));
                    if last.elapsed() < every {
                        continue;
                    }
                    last = Instant::now();
                    let sum = shared.summary.lock().unwrap();
                    let secs = start.elapsed().as_secs_f64();
                    eprintln!(
                        "fuzz: {} execs, {:.0}/s, crashes {}, hangs {}, panics {}, slow {}, oracle failures {}, known-open {}",
                        sum.execs,
                        sum.execs as f64 / secs,
                        sum.count("crash"),
                        sum.count("hang"),
                        sum.count("panic"),
                        sum.count("slow"),
                        sum.oracle_failures(),
                        sum.known,
                    );
                }
            });
        }
        for w in workers {
            let _ = w.join();
        }
        finished.store(true, Ordering::SeqCst);
    });
    let _ = std::fs::remove_dir_all(scratch_root(cfg));
    let mut summary = std::mem::take(&mut *shared.summary.lock().unwrap());
    summary.elapsed = start.elapsed();
    summary
}

/// Where workers write their current case: in memory (`/dev/shm`) when there is one, as the
/// files of every execution are written and removed again. Runs in one process (tests run in parallel) each get their own, named after the output.
fn scratch_root(cfg: &RunConfig) -> PathBuf {
    let shm = Path::new("/dev/shm");
    if shm.is_dir() {
        use std::hash::{Hash, Hasher};
        let mut h = std::collections::hash_map::DefaultHasher::new();
        cfg.out.hash(&mut h);
        shm.join(format!(
            "protoguard-fuzz-{}-{:x}",
            std::process::id(),
            h.finish()
        ))
    } else {
        cfg.out.join("work")
    }
}

fn run_range(
    cfg: &RunConfig,
    command: &(dyn Fn(&WorkerSpec) -> Command + Sync),
    slot: usize,
    from: u64,
    to: u64,
    shared: &Shared,
) {
    let scratch = scratch_root(cfg).join(format!("worker-{slot}"));
    let mut next = from;
    while next < to {
        let spec = WorkerSpec {
            seed: cfg.seed,
            from: next,
            to,
            slow_ms: cfg.slow_ms,
            scratch: scratch.clone(),
            out: cfg.out.clone(),
            skip: cfg.skip.clone(),
            faults: cfg.faults.clone(),
        };
        let mut child = command(&spec)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("start a fuzz worker");
        let (tx, rx) = mpsc::channel::<String>();
        let stdout = child.stdout.take().expect("worker stdout");
        let reader = std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines() {
                let Ok(line) = line else { break };
                if let Some(at) = line.find("@@") {
                    if tx.send(line[at + 2..].to_string()).is_err() {
                        break;
                    }
                }
            }
        });
        let mut stderr = child.stderr.take().expect("worker stderr");
        let err_reader = std::thread::spawn(move || {
            let mut text = String::new();
            let _ = stderr.read_to_string(&mut text);
            let lines: Vec<&str> = text.lines().collect();
            lines[lines.len().saturating_sub(12)..].join("\n")
        });
        let mut current: Option<u64> = None;
        let mut classes = String::from("-");
        let mut hung = false;
        loop {
            let wait = if current.is_some() {
                cfg.timeout
            } else {
                Duration::from_secs(120)
            };
            match rx.recv_timeout(wait) {
                Ok(line) => {
                    let mut words = line.split(' ');
                    match words.next() {
                        Some("begin") => {
                            current = words.next().and_then(|w| w.parse().ok());
                            classes = "-".into();
                        }
                        Some("case") => {
                            classes = words.nth(1).unwrap_or("-").to_string();
                        }
                        Some("done") => {
                            let index: u64 =
                                words.next().and_then(|w| w.parse().ok()).unwrap_or(next);
                            let _micros = words.next();
                            let exit: usize =
                                words.next().and_then(|w| w.parse().ok()).unwrap_or(9);
                            let status = words.next().unwrap_or("?").to_string();
                            let path = words.next().filter(|p| !p.is_empty()).map(PathBuf::from);
                            let mut sum = shared.summary.lock().unwrap();
                            sum.execs += 1;
                            if exit < 3 {
                                sum.exits[exit] += 1;
                            }
                            if cfg.skip.contains(&status) {
                                sum.known += 1;
                            } else if status != "ok" {
                                sum.findings.push(Finding {
                                    kind: status,
                                    index,
                                    path,
                                    classes: classes.clone(),
                                });
                            }
                            current = None;
                            next = index + 1;
                        }
                        _ => {}
                    }
                }
                Err(mpsc::RecvTimeoutError::Timeout) => {
                    hung = true;
                    let _ = child.kill();
                    break;
                }
                Err(mpsc::RecvTimeoutError::Disconnected) => break,
            }
        }
        let status = child.wait();
        let _ = reader.join();
        let tail = err_reader.join().unwrap_or_default();
        if let Some(index) = current {
            let kind = if hung { "hang" } else { "crash" };
            let why = format!("{kind}: exit {:?}\nstderr:\n{tail}\n", status.as_ref().ok());
            let path = save(
                &scratch.join("case"),
                &cfg.out,
                if hung { "hangs" } else { "crashes" },
                cfg.seed,
                index,
                &why,
            );
            let mut sum = shared.summary.lock().unwrap();
            sum.execs += 1;
            sum.findings.push(Finding {
                kind: kind.into(),
                index,
                path,
                classes: classes.clone(),
            });
            next = index + 1;
        } else if next < to {
            // The worker died between cases (or never started): count it as a crash of the
            // next index, so that the run cannot loop.
            let mut sum = shared.summary.lock().unwrap();
            sum.execs += 1;
            sum.findings.push(Finding {
                kind: "crash".into(),
                index: next,
                path: None,
                classes: "-".into(),
            });
            eprintln!(
                "fuzz: worker died outside a case: {:?}\n{tail}",
                status.as_ref().ok()
            );
            next += 1;
        }
    }
}
