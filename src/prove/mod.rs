//! The prover: evidence for what the rules predict. For every message type on both sides it
//! generates random messages with proptest, writes them with one side's declarations and
//! reads them with the other's, both ways, and reports the shrunk messages whose meaning a
//! reader gets wrong, with the WIRE rules that predicted them.
//!
//! - **old readers, new data**: written by the new schema, read by the old one. Every field
//!   both sides declare must read with the same meaning ([`compare`]); what the old side does
//!   not declare stays in its unknown fields, so that an old relay re-writing the message
//!   hands a new reader the same message.
//! - **new readers, old data**: the same, written by the old schema and read by the new one.
//! - with `--json`, both directions again through the proto3 JSON mapping: the writer's
//!   message printed as JSON (prost-reflect's serde support), parsed by the reader with
//!   unknown keys (and unknown enum value names) ignored, as deployed JSON readers do, then
//!   compared like a binary read. JSON keeps no unknown fields, so there is no relay check; a
//!   message that JSON cannot carry (a string holding invalid UTF-8) is not a JSON case.
//!
//! Readers are modelled on the reference implementations ([`wire`]), not on prost-reflect's
//! decoder: mismatched wire types go to unknown fields, closed (proto2) enums move numbers
//! they do not declare to unknown fields, proto3 strings must be UTF-8, required fields must
//! be present. prost-reflect supplies the descriptors; it cannot load editions files, whose
//! types are reported as skipped.

mod compare;
mod gen;
mod lower;
mod reach;
mod report;
mod text;
mod wire;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet};
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use prost::Message as _;
use prost_reflect::{
    DescriptorPool, DeserializeOptions, DynamicMessage, EnumDescriptor, FieldDescriptor,
    MessageDescriptor, SerializeOptions, Syntax,
};

use crate::features;
use crate::index::{Index, Site};
use crate::rules::Finding;

use compare::{Cmp, Diff};
pub use report::{render_json, render_text};
use wire::Reader;

/// What to prove and how hard.
#[derive(Clone, Debug)]
pub struct ProveOptions {
    /// Random messages per type and direction.
    pub cases: u32,
    /// Reproduces a run; a random seed is drawn (and reported) when absent.
    pub seed: Option<u64>,
    /// Only this message type (full name, `pkg.Type`).
    pub message: Option<String>,
    /// Also through the proto3 JSON mapping.
    pub json: bool,
    /// How many message levels generated messages nest. `None`: as deep as the farthest
    /// changed type each proved type reaches, at least [`reach::DEFAULT_DEPTH`].
    pub depth: Option<u32>,
}

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            cases: 256,
            seed: None,
            message: None,
            json: false,
            depth: None,
        }
    }
}

/// Which side wrote and which read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Direction {
    /// Written by the new schema, read by the old one (deployed readers, new writers).
    OldReadersNewData,
    /// Written by the old schema, read by the new one (stored or in-flight data).
    NewReadersOldData,
}

impl Direction {
    pub fn describe(self) -> &'static str {
        match self {
            Direction::OldReadersNewData => "old readers, new data",
            Direction::NewReadersOldData => "new readers, old data",
        }
    }
}

/// One message that a reader gets wrong, shrunk.
#[derive(Clone, Debug)]
pub struct Counterexample {
    /// Full name of the message type.
    pub message: String,
    pub direction: Direction,
    /// The loss shows only after a relay: the reader re-wrote the message (keeping what it
    /// did not understand as unknown fields) and the writer's side read it back.
    pub relay: bool,
    /// The written message in protobuf text format (the writer's names).
    pub input: String,
    /// The written bytes, in hex.
    pub bytes_hex: String,
    /// Through the proto3 JSON mapping: the JSON text the writer printed (`bytes_hex` holds
    /// the binary form of the same message).
    pub json: Option<String>,
    /// What the reader saw instead, one line per field (`quantity: -1 (int32) read as
    /// 4294967295 (uint32)`), or why it failed to parse.
    pub seen: Vec<String>,
    /// The WIRE rules with a finding on a field involved (on either side: the field, its
    /// enum type, or exactly its message, where deletions are reported); on anything in the
    /// message when no field is involved. Empty when no rule predicted this.
    pub rules: Vec<String>,
}

impl Counterexample {
    /// The direction, `(JSON)` appended for the JSON mapping.
    pub fn describe_direction(&self) -> String {
        match self.json {
            Some(_) => format!("{} (JSON)", self.direction.describe()),
            None => self.direction.describe().to_string(),
        }
    }
}

/// The outcome of a run.
#[derive(Clone, Debug, Default)]
pub struct ProveReport {
    /// Types whose declarations differ somewhere on the two sides, proved with random cases.
    pub types_checked: usize,
    /// Types whose declarations, and those of every type they reach, are identical on both
    /// sides: every message reads the same, nothing to run (unless `--message` names one).
    pub types_unchanged: usize,
    /// Random cases generated and judged (shrinking steps not counted). Without a
    /// counterexample, `cases` per type and direction; a direction stops at its first.
    pub cases_run: u64,
    /// `--cases`: random messages per type and direction.
    pub cases_per_direction: u32,
    /// Type-directions that stopped early at their first counterexample.
    pub directions_stopped: usize,
    /// Things the reader of the report should know (a changed type deeper than `--depth`).
    pub notes: Vec<String>,
    /// Types that could not be checked, and why.
    pub skipped: Vec<(String, String)>,
    pub counterexamples: Vec<Counterexample>,
    /// The seed of the run (pass it as `--seed` to reproduce).
    pub seed: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ProveError {
    #[error("the {side} descriptor set cannot be decoded: {reason}")]
    Descriptors { side: &'static str, reason: String },
    #[error("message type `{0}` is not declared on both sides")]
    UnknownMessage(String),
    #[error("--cases must be at least 1: with no cases nothing is proved")]
    NoCases,
}

/// One side of the comparison: its descriptors, loaded file by file, and its index.
pub(crate) struct Side<'a> {
    pub pool: DescriptorPool,
    pub index: &'a Index,
    /// Files that could not be loaded, and why.
    pub failed: BTreeMap<String, String>,
    /// Editions files, loaded lowered to proto2 ([`lower`]).
    pub editions: BTreeSet<String>,
    /// Their implicit-presence fields (proto2 cannot say so).
    pub implicit: lower::ImplicitFields,
}

impl Side<'_> {
    fn load<'a>(fds: &[u8], index: &'a Index, side: &'static str) -> Result<Side<'a>, ProveError> {
        let set =
            prost_types::FileDescriptorSet::decode(fds).map_err(|e| ProveError::Descriptors {
                side,
                reason: e.to_string(),
            })?;
        // prost-reflect reads proto2 and proto3 only (and panics building its error for an
        // editions file): editions files are lowered to proto2 first; files of another
        // syntax, and the files importing them, are left out.
        let mut failed: BTreeMap<String, String> = BTreeMap::new();
        let mut editions = BTreeSet::new();
        let mut implicit = lower::ImplicitFields::new();
        let mut loadable = Vec::new();
        for mut file in set.file {
            let name = file.name().to_string();
            if let Some(dep) = file.dependency.iter().find(|d| failed.contains_key(*d)) {
                failed.insert(name, format!("it imports {dep}, which cannot be loaded"));
            } else if file.syntax() == "editions" {
                match lower::lower_editions(&mut file, index, &mut implicit) {
                    Ok(()) => {
                        editions.insert(name);
                        loadable.push(file);
                    }
                    Err(why) => {
                        failed.insert(name.clone(), format!("{name}: {why}"));
                    }
                }
            } else if !matches!(file.syntax(), "" | "proto2" | "proto3") {
                failed.insert(
                    name.clone(),
                    format!(
                        "{name} has syntax {:?}, which the prover does not know",
                        file.syntax()
                    ),
                );
            } else {
                loadable.push(file);
            }
        }
        let add = |pool: &mut DescriptorPool, files: Vec<prost_types::FileDescriptorProto>| {
            std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.add_file_descriptor_protos(files)
            }))
            .map_err(|_| "prost-reflect panicked loading it".to_string())
            .and_then(|r| r.map_err(|e| e.to_string()))
        };
        let mut pool = DescriptorPool::new();
        if failed.is_empty() && add(&mut pool, loadable.clone()).is_ok() {
            return Ok(Side {
                pool,
                index,
                failed,
                editions,
                implicit,
            });
        }
        // Some file cannot be loaded: load the others one by one.
        pool = DescriptorPool::new();
        for file in loadable {
            let name = file.name().to_string();
            if let Some(dep) = file.dependency.iter().find(|d| failed.contains_key(*d)) {
                failed.insert(name, format!("it imports {dep}, which cannot be loaded"));
                continue;
            }
            if let Err(e) = add(&mut pool, vec![file]) {
                failed.insert(name.clone(), format!("{name}: {e}"));
            }
        }
        Ok(Side {
            pool,
            index,
            failed,
            editions,
            implicit,
        })
    }

    /// A singular field without presence: its zero value is not written and reads as
    /// unset (proto3 fields without `optional`, `field_presence = IMPLICIT` in editions).
    pub fn implicit_presence(&self, f: &FieldDescriptor) -> bool {
        wire::implicit_presence(f)
            || (!f.is_list()
                && !f.is_map()
                && !f.is_required()
                && self
                    .implicit
                    .get(f.parent_message().full_name())
                    .is_some_and(|fields| fields.contains(&f.number())))
    }

    /// Closed enums (proto2, or `enum_type = CLOSED`) keep undeclared numbers out of fields.
    pub fn enum_closed(&self, e: &EnumDescriptor) -> bool {
        match self.index.enum_(e.full_name()) {
            Some(ie) => ie.is_closed(),
            None => e.parent_file().syntax() == Syntax::Proto2,
        }
    }

    /// Whether a reader rejects a string field holding invalid UTF-8 (proto3, or
    /// `utf8_validation = VERIFY`).
    pub fn utf8_verified(&self, f: &FieldDescriptor) -> bool {
        match self
            .index
            .message(f.parent_message().full_name())
            .and_then(|m| m.field_by_number(f.number() as i32))
        {
            Some(field) => field.features.utf8_validation == features::UTF8_VERIFY,
            None => f.parent_file().syntax() == Syntax::Proto3,
        }
    }

    /// What makes a reader validate UTF-8 in `f`, for messages.
    pub fn syntax_of(&self, f: &FieldDescriptor) -> &'static str {
        if self.editions.contains(f.parent_file().name()) {
            return "utf8_validation = VERIFY";
        }
        match f.parent_file().syntax() {
            Syntax::Proto2 => "proto2",
            Syntax::Proto3 => "proto3",
        }
    }

    /// Why a message type of this side cannot be checked, if it cannot.
    fn unavailable(&self, name: &str) -> Option<String> {
        if self.pool.get_message_by_name(name).is_some() {
            return None;
        }
        let file = self
            .index
            .message(name)
            .map(|m| self.index.files[m.file].name.clone())?;
        Some(
            self.failed
                .get(&file)
                .cloned()
                .unwrap_or_else(|| format!("{file} could not be loaded")),
        )
    }
}

/// Runs the prover over every message type declared on both sides (or `opts.message`).
///
/// `old_fds` and `new_fds` are encoded `google.protobuf.FileDescriptorSet`s with their
/// imports; `old` and `new` are the indexes of the same schemas (for closed enums, UTF-8
/// validation, and the WIRE findings each counterexample is matched with).
pub fn prove(
    old_fds: &[u8],
    new_fds: &[u8],
    old: &Index,
    new: &Index,
    opts: &ProveOptions,
) -> Result<ProveReport, ProveError> {
    if opts.cases == 0 {
        return Err(ProveError::NoCases);
    }
    let old_side = Side::load(old_fds, old, "old")?;
    let new_side = Side::load(new_fds, new, "new")?;
    let seed = opts.seed.unwrap_or_else(random_seed);
    let rules = crate::config::resolve_rules(&["WIRE".into()], &[]).unwrap_or_default();
    let findings = crate::check(old, new, &rules);
    let attribution = Attribution {
        findings: &findings,
        old,
        new,
    };
    // JSON counterexamples are predicted by the WIRE_JSON rules (names, enum value names).
    let json_rules = crate::config::resolve_rules(&["WIRE_JSON".into()], &[]).unwrap_or_default();
    let json_findings = if opts.json {
        crate::check(old, new, &json_rules)
    } else {
        Vec::new()
    };
    let json_attribution = Attribution {
        findings: &json_findings,
        old,
        new,
    };

    let names = types_to_check(old, new);
    let names: Vec<String> = match &opts.message {
        Some(m) => {
            let m = m.trim_start_matches('.');
            if !names.iter().any(|n| n == m) {
                return Err(ProveError::UnknownMessage(m.to_string()));
            }
            vec![m.to_string()]
        }
        None => names,
    };

    let mut report = ProveReport {
        seed,
        cases_per_direction: opts.cases,
        ..ProveReport::default()
    };
    let reach = reach::Reach::new(&old_side, &new_side);
    let mut work: Vec<(usize, &String, u32)> = Vec::new();
    for name in &names {
        let why = old_side
            .unavailable(name)
            .map(|w| format!("old side: {w}"))
            .or_else(|| new_side.unavailable(name).map(|w| format!("new side: {w}")));
        if let Some(why) = why {
            report.skipped.push((name.clone(), why));
            continue;
        }
        if opts.message.is_none() && !reach.is_hot(name) {
            report.types_unchanged += 1;
            continue;
        }
        let (needed, farthest) = reach.depth_needed(name);
        let depth = match opts.depth {
            Some(d) => {
                if let (true, Some((deep, at))) = (needed > d, farthest) {
                    report.notes.push(format!(
                        "{name}: the changed type {deep} lies {at} level{} below it, deeper \
                         than --depth {d} reaches: proved there only when {deep} is proved itself",
                        if at == 1 { "" } else { "s" }
                    ));
                }
                d
            }
            None => {
                if needed > reach::MAX_AUTO_DEPTH {
                    report.notes.push(format!(
                        "{name}: changed types lie {needed} levels deep; messages nest at most \
                         {} levels unless --depth says more",
                        reach::MAX_AUTO_DEPTH
                    ));
                }
                needed.min(reach::MAX_AUTO_DEPTH)
            }
        };
        work.push((work.len(), name, depth));
    }

    // Types are independent: prove them on every core, each worker with its own generators
    // (strategies are memoized per worker), results put back in name order.
    type Outcome = Result<(Ran, Vec<Counterexample>), String>;
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; work.len()]);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(work.len())
        .max(1);
    let worker = || {
        let new_writes = gen::Gen::new(&new_side, &old_side, reach.hot());
        let old_writes = gen::Gen::new(&old_side, &new_side, reach.hot());
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(slot, name, depth)) = work.get(i) else {
                break;
            };
            let (Some(od), Some(nd)) = (
                old_side.pool.get_message_by_name(name),
                new_side.pool.get_message_by_name(name),
            ) else {
                continue;
            };
            let mut outcome: Outcome = Ok((Ran::default(), Vec::new()));
            let dirs = [Direction::OldReadersNewData, Direction::NewReadersOldData];
            let json_dirs: &[Direction] = if opts.json { &dirs } else { &[] };
            let runs = dirs
                .iter()
                .map(|d| (*d, false))
                .chain(json_dirs.iter().map(|d| (*d, true)));
            for (dir, json) in runs {
                let (writer, reader, wd, rd, generator) = match dir {
                    Direction::OldReadersNewData => (&new_side, &old_side, &nd, &od, &new_writes),
                    Direction::NewReadersOldData => (&old_side, &new_side, &od, &nd, &old_writes),
                };
                let run = Run {
                    writer,
                    reader,
                    wd,
                    rd,
                    direction: dir,
                    json,
                };
                let attribution = if json {
                    &json_attribution
                } else {
                    &attribution
                };
                match (
                    run.prove(generator, name, seed, opts.cases, depth, attribution),
                    &mut outcome,
                ) {
                    (Ok((cases, found)), Ok((total, all))) => {
                        total.cases += cases;
                        total.stopped += found.is_some() as usize;
                        all.extend(found);
                    }
                    (Err(why), _) => outcome = Err(why),
                    _ => {}
                }
            }
            results.lock().unwrap_or_else(|e| e.into_inner())[slot] = Some(outcome);
        }
    };
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(worker);
        }
        worker();
    });
    let results = results.into_inner().unwrap_or_else(|e| e.into_inner());
    for ((_, name, _), outcome) in work.iter().zip(results) {
        match outcome {
            Some(Ok((ran, found))) => {
                report.types_checked += 1;
                report.cases_run += ran.cases;
                report.directions_stopped += ran.stopped;
                report.counterexamples.extend(found);
            }
            Some(Err(why)) => report.skipped.push(((*name).clone(), why)),
            None => report
                .skipped
                .push(((*name).clone(), "a prover thread failed".into())),
        }
    }
    report.skipped.sort();
    Ok(report)
}

/// Message types declared on both sides, outside imported files, map entries excluded.
fn types_to_check(old: &Index, new: &Index) -> Vec<String> {
    let mut out: BTreeSet<String> = BTreeSet::new();
    for m in &new.messages {
        if m.map_entry {
            continue;
        }
        let Some(o) = old.message(&m.full_name) else {
            continue;
        };
        if new.files[m.file].is_import && old.files[o.file].is_import {
            continue;
        }
        out.insert(m.full_name.clone());
    }
    out.into_iter().collect()
}

/// Cases generated for one type, and how many of its directions stopped at a counterexample.
#[derive(Clone, Copy, Debug, Default)]
struct Ran {
    cases: u64,
    stopped: usize,
}

/// One direction of one type.
struct Run<'s, 'a> {
    writer: &'s Side<'a>,
    reader: &'s Side<'a>,
    wd: &'s MessageDescriptor,
    rd: &'s MessageDescriptor,
    direction: Direction,
    /// Through the proto3 JSON mapping instead of the binary encoding.
    json: bool,
}

/// What one message did to a reader.
struct Outcome {
    bytes: Vec<u8>,
    diffs: Vec<Diff>,
    relay: bool,
    /// The JSON text written, through the JSON mapping.
    json: Option<String>,
}

const COUNTEREXAMPLE: &str = "counterexample";

impl Run<'_, '_> {
    /// Runs `cases` random messages; returns how many ran and the shrunk counterexample, or
    /// why the type could not be checked (an internal error).
    fn prove(
        &self,
        generator: &gen::Gen,
        name: &str,
        seed: u64,
        cases: u32,
        depth: u32,
        attribution: &Attribution,
    ) -> Result<(u64, Option<Counterexample>), String> {
        let strategy = generator.message(self.wd, depth);
        let mut config = Config::with_cases(cases);
        config.failure_persistence = None;
        config.max_shrink_iters = 2048;
        config.max_local_rejects = 0;
        config.max_global_rejects = 0;
        config.verbose = 0;
        config.rng_algorithm = RngAlgorithm::ChaCha;
        let rng = TestRng::from_seed(
            RngAlgorithm::ChaCha,
            &seed_bytes(seed, name, self.direction, self.json),
        );
        let mut runner = TestRunner::new_with_rng(config, rng);
        // Cases generated: every call until the first failure; the calls after it are
        // shrinking steps, which are not cases.
        let ran = Cell::new(0u64);
        let failed = Cell::new(false);
        let result = runner.run(&strategy, |msg| {
            if !failed.get() {
                ran.set(ran.get() + 1);
            }
            let verdict = match self.evaluate(&msg) {
                Ok(o) if o.diffs.is_empty() => Ok(()),
                Ok(_) => Err(TestCaseError::fail(COUNTEREXAMPLE)),
                Err(e) => Err(TestCaseError::fail(format!("internal: {e}"))),
            };
            if verdict.is_err() {
                failed.set(true);
            }
            verdict
        });
        let cases_run = ran.get();
        match result {
            Ok(()) => Ok((cases_run, None)),
            Err(TestError::Fail(reason, msg)) if reason.message() == COUNTEREXAMPLE => {
                let outcome = self.evaluate(&msg)?;
                Ok((
                    cases_run,
                    Some(self.counterexample(name, &msg, outcome, attribution)),
                ))
            }
            Err(TestError::Fail(reason, _)) => Err(format!(
                "internal error while proving {}: {}",
                self.direction.describe(),
                reason.message()
            )),
            Err(TestError::Abort(reason)) => Err(format!(
                "proving {} was aborted: {}",
                self.direction.describe(),
                reason.message()
            )),
        }
    }

    /// Writes `msg` with the writer's declarations, reads it with the reader's, compares;
    /// if the reader saw the same, has it re-write the message and the writer's side read
    /// it back. `Err` is a bug of the prover (the writer cannot read its own bytes).
    fn evaluate(&self, msg: &wire::Msg) -> Result<Outcome, String> {
        if self.json {
            return self.evaluate_json(msg);
        }
        let bytes = wire::encode(self.writer, self.wd, msg);
        let own = Reader { side: self.writer };
        let written = own
            .decode(self.wd, &bytes)
            .map_err(|e| format!("the writer cannot read its own message: {}", e.reason))?;
        let reader = Reader { side: self.reader };
        let read = match reader.decode(self.rd, &bytes) {
            Ok(m) => m,
            Err(e) => {
                return Ok(Outcome {
                    bytes,
                    diffs: vec![parse_failure(&e, "")],
                    relay: false,
                    json: None,
                })
            }
        };
        let cmp = Cmp {
            writer: self.writer,
            reader: self.reader,
            by_json_name: false,
        };
        let mut diffs = Vec::new();
        cmp.messages(self.wd, &written, self.rd, &read, "", &mut diffs);
        if !diffs.is_empty() {
            return Ok(Outcome {
                bytes,
                diffs,
                relay: false,
                json: None,
            });
        }
        // The relay: the reader writes back what it read, unknown fields included.
        let relayed = wire::encode(self.reader, self.rd, &read);
        let back = match own.decode(self.wd, &relayed) {
            Ok(m) => m,
            Err(e) => {
                return Ok(Outcome {
                    bytes,
                    diffs: vec![parse_failure(&e, &relayed_hex(&relayed))],
                    relay: true,
                    json: None,
                })
            }
        };
        let same = Cmp {
            writer: self.writer,
            reader: self.writer,
            by_json_name: false,
        };
        same.messages(self.wd, &written, self.wd, &back, "", &mut diffs);
        for d in &mut diffs {
            // The usual cause: the relaying reader's field has no presence and dropped a
            // zero the writer had set explicitly.
            let Some((m, n)) = &d.writer_field else {
                continue;
            };
            let dropped_zero = self
                .reader
                .pool
                .get_message_by_name(m)
                .and_then(|rm| rm.get_field(*n))
                .is_some_and(|rf| self.reader.implicit_presence(&rf))
                && self
                    .writer
                    .pool
                    .get_message_by_name(m)
                    .and_then(|wm| wm.get_field(*n))
                    .is_some_and(|wf| !self.writer.implicit_presence(&wf));
            if dropped_zero {
                d.text.push_str(
                    " (the relaying reader's field has no presence: it dropped a value set to zero)",
                );
            }
        }
        if !diffs.is_empty() {
            diffs.push(Diff {
                text: format!("relayed bytes: {}", relayed_hex(&relayed)),
                writer_field: None,
                reader_field: None,
            });
        }
        Ok(Outcome {
            bytes,
            diffs,
            relay: true,
            json: None,
        })
    }

    /// The same through the proto3 JSON mapping: the writer prints its message as JSON, the
    /// reader parses it ignoring unknown keys; both views are read back through the binary
    /// readers (closed enums, UTF-8) and compared. Messages JSON cannot carry pass.
    fn evaluate_json(&self, msg: &wire::Msg) -> Result<Outcome, String> {
        let bytes = wire::encode(self.writer, self.wd, msg);
        let pass = |bytes: Vec<u8>| {
            Ok(Outcome {
                bytes,
                diffs: Vec::new(),
                relay: false,
                json: None,
            })
        };
        // prost-reflect holds strings as `String`: invalid UTF-8 has no JSON form.
        let Ok(dynamic) = DynamicMessage::decode(self.wd.clone(), bytes.as_slice()) else {
            return pass(bytes);
        };
        let mut out = Vec::new();
        let mut ser = serde_json::Serializer::new(&mut out);
        if dynamic
            .serialize_with_options(&mut ser, &SerializeOptions::new())
            .is_err()
        {
            return pass(bytes);
        }
        let json = String::from_utf8_lossy(&out).into_owned();
        let parse = |desc: &MessageDescriptor, side: &Side| -> Result<wire::Msg, String> {
            let mut de = serde_json::Deserializer::from_str(&json);
            let m = DynamicMessage::deserialize_with_options(
                desc.clone(),
                &mut de,
                &DeserializeOptions::new().deny_unknown_fields(false),
            )
            .map_err(|e| e.to_string())?;
            if let Some(why) = closed_enum_violation(side, &m) {
                return Err(why);
            }
            Reader { side }
                .decode(desc, &m.encode_to_vec())
                .map_err(|e| e.reason)
        };
        // The writer's own view of its JSON (what JSON can say of the message).
        let Ok(written) = parse(self.wd, self.writer) else {
            return pass(bytes);
        };
        let diffs = match parse(self.rd, self.reader) {
            Ok(read) => {
                let cmp = Cmp {
                    writer: self.writer,
                    reader: self.reader,
                    by_json_name: true,
                };
                let mut diffs = Vec::new();
                cmp.messages(self.wd, &written, self.rd, &read, "", &mut diffs);
                diffs
            }
            Err(reason) => vec![Diff {
                text: format!("the reader fails to parse the JSON: {reason}"),
                writer_field: None,
                reader_field: None,
            }],
        };
        Ok(Outcome {
            bytes,
            diffs,
            relay: false,
            json: Some(json),
        })
    }

    fn counterexample(
        &self,
        name: &str,
        msg: &wire::Msg,
        outcome: Outcome,
        attribution: &Attribution,
    ) -> Counterexample {
        // Show the message as the writer holds it (zero values it does not write dropped).
        let own = Reader { side: self.writer };
        let shown = own
            .decode(self.wd, &outcome.bytes)
            .unwrap_or_else(|_| msg.clone());
        let (old_fields, new_fields): (Vec<_>, Vec<_>) = {
            let w = outcome.diffs.iter().filter_map(|d| d.writer_field.clone());
            let r = outcome.diffs.iter().filter_map(|d| d.reader_field.clone());
            match self.direction {
                Direction::OldReadersNewData => (r.collect(), w.collect()),
                Direction::NewReadersOldData => (w.collect(), r.collect()),
            }
        };
        let mut input = text::message(self.wd, &shown);
        if input.is_empty() {
            input = "(empty message)".into();
        }
        Counterexample {
            message: name.to_string(),
            direction: self.direction,
            relay: outcome.relay,
            input,
            bytes_hex: text::hex(&outcome.bytes),
            json: outcome.json.clone(),
            seen: outcome.diffs.iter().map(|d| d.text.clone()).collect(),
            rules: attribution.rules_for(name, &old_fields, &new_fields),
        }
    }
}

/// A JSON parser of the reference implementations rejects a number that a closed enum field
/// does not declare ("Invalid enum value 2 for enum type pkg.E"), where a binary reader moves
/// it to unknown fields; prost-reflect, whose enums are all open, accepts it.
fn closed_enum_violation(side: &Side, m: &DynamicMessage) -> Option<String> {
    use prost_reflect::{Kind, MapKey, Value};
    fn check(side: &Side, kind: &Kind, v: &Value) -> Option<String> {
        match (kind, v) {
            (Kind::Enum(e), Value::EnumNumber(n))
                if side.enum_closed(e) && e.get_value(*n).is_none() =>
            {
                Some(format!(
                    "Invalid enum value {n} for enum type {}",
                    e.full_name()
                ))
            }
            (Kind::Message(_), Value::Message(m)) => closed_enum_violation(side, m),
            _ => None,
        }
    }
    for (f, v) in m.fields() {
        let kind = f.kind();
        let found = match v {
            Value::List(items) => items.iter().find_map(|x| check(side, &kind, x)),
            Value::Map(entries) => {
                let Kind::Message(entry) = &kind else {
                    continue;
                };
                let vk = entry.map_entry_value_field().kind();
                entries
                    .iter()
                    .find_map(|(_, x): (&MapKey, &Value)| check(side, &vk, x))
            }
            x => check(side, &kind, x),
        };
        if found.is_some() {
            return found;
        }
    }
    None
}

fn relayed_hex(bytes: &[u8]) -> String {
    if bytes.is_empty() {
        "(none)".into()
    } else {
        text::hex(bytes)
    }
}

fn parse_failure(e: &wire::ParseError, relayed_hex: &str) -> Diff {
    let at = if e.path.is_empty() {
        String::new()
    } else {
        format!(" at {}", e.path)
    };
    let relayed = match relayed_hex {
        "" => String::new(),
        hex => format!(" (relayed bytes: {hex})"),
    };
    Diff {
        text: format!("the reader fails to parse it{at}: {}{relayed}", e.reason),
        writer_field: None,
        reader_field: e.field.clone(),
    }
}

/// Matches counterexamples with the WIRE findings on the elements they involve.
struct Attribution<'a> {
    findings: &'a [Finding],
    old: &'a Index,
    new: &'a Index,
}

fn within(site: &Site, scope: &Site, exact: bool) -> bool {
    let (Some(p), Some(s)) = (site.path.as_deref(), scope.path.as_deref()) else {
        return false;
    };
    site.file == scope.file && if exact { p == s } else { p.starts_with(s) }
}

impl Attribution<'_> {
    /// Sites of a field: the field itself, its enum type, and (exactly) its message, where
    /// deletions and reservations are reported.
    fn scopes(index: &Index, fields: &[(String, u32)]) -> Vec<(Site, bool)> {
        let mut out = Vec::new();
        for (msg, number) in fields {
            let Some(m) = index.message(msg) else {
                continue;
            };
            out.push((m.site.clone(), true));
            if let Some(f) = m.field_by_number(*number as i32) {
                out.push((f.site.clone(), false));
                if let Some(e) = index.enum_(f.type_name.trim_start_matches('.')) {
                    out.push((e.site.clone(), false));
                }
            }
        }
        out
    }

    fn rules_for(
        &self,
        message: &str,
        old_fields: &[(String, u32)],
        new_fields: &[(String, u32)],
    ) -> Vec<String> {
        let old_scopes = Self::scopes(self.old, old_fields);
        let new_scopes = Self::scopes(self.new, new_fields);
        let hit = |f: &Finding, old_scopes: &[(Site, bool)], new_scopes: &[(Site, bool)]| {
            f.old
                .as_ref()
                .is_some_and(|s| old_scopes.iter().any(|(sc, ex)| within(s, sc, *ex)))
                || f.new
                    .as_ref()
                    .is_some_and(|s| new_scopes.iter().any(|(sc, ex)| within(s, sc, *ex)))
        };
        let mut rules: BTreeSet<String> = self
            .findings
            .iter()
            .filter(|f| hit(f, &old_scopes, &new_scopes))
            .map(|f| f.rule.to_string())
            .collect();
        if old_fields.is_empty() && new_fields.is_empty() {
            // No field to blame (a parse failure at the top): anything inside the message.
            let old_m: Vec<(Site, bool)> = self
                .old
                .message(message)
                .map(|m| (m.site.clone(), false))
                .into_iter()
                .collect();
            let new_m: Vec<(Site, bool)> = self
                .new
                .message(message)
                .map(|m| (m.site.clone(), false))
                .into_iter()
                .collect();
            rules = self
                .findings
                .iter()
                .filter(|f| hit(f, &old_m, &new_m))
                .map(|f| f.rule.to_string())
                .collect();
        }
        rules.into_iter().collect()
    }
}

fn random_seed() -> u64 {
    let mut h = std::collections::hash_map::RandomState::new().build_hasher();
    h.write_u128(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_nanos())
            .unwrap_or(0),
    );
    h.finish()
}

/// A seed per type and direction, so that `--message` reproduces what a full run found.
fn seed_bytes(seed: u64, name: &str, direction: Direction, json: bool) -> [u8; 32] {
    // FNV-1a of the name: stable across runs and platforms.
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    let json = if json { [b'j'].as_slice() } else { &[] };
    for b in name
        .bytes()
        .chain([direction as u8])
        .chain(json.iter().copied())
    {
        h ^= b as u64;
        h = h.wrapping_mul(0x100_0000_01b3);
    }
    let mut state = seed ^ h;
    let mut out = [0u8; 32];
    for chunk in out.chunks_mut(8) {
        // splitmix64
        state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        chunk.copy_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out
}
