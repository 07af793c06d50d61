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
mod text;
mod wire;

use std::cell::Cell;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt::Write as _;
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
}

impl Default for ProveOptions {
    fn default() -> Self {
        ProveOptions {
            cases: 256,
            seed: None,
            message: None,
            json: false,
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
    pub cases_run: u64,
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
}

/// One side of the comparison: its descriptors, loaded file by file, and its index.
pub(crate) struct Side<'a> {
    pub pool: DescriptorPool,
    pub index: &'a Index,
    /// Files that could not be loaded, and why.
    pub failed: BTreeMap<String, String>,
}

impl Side<'_> {
    fn load<'a>(fds: &[u8], index: &'a Index, side: &'static str) -> Result<Side<'a>, ProveError> {
        let set =
            prost_types::FileDescriptorSet::decode(fds).map_err(|e| ProveError::Descriptors {
                side,
                reason: e.to_string(),
            })?;
        // prost-reflect reads proto2 and proto3 only (and panics building its error for an
        // editions file): such files, and the files importing them, are left out.
        let mut failed: BTreeMap<String, String> = BTreeMap::new();
        let mut loadable = Vec::new();
        for file in set.file {
            let name = file.name().to_string();
            if let Some(dep) = file.dependency.iter().find(|d| failed.contains_key(*d)) {
                failed.insert(name, format!("it imports {dep}, which cannot be loaded"));
            } else if !matches!(file.syntax(), "" | "proto2" | "proto3") {
                failed.insert(
                    name.clone(),
                    format!(
                        "{name} is an editions file, which the prover cannot load yet \
                         (prost-reflect reads proto2 and proto3 only)"
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
        let whole = failed.is_empty()
            && std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                pool.decode_file_descriptor_set(fds)
            }))
            .is_ok_and(|r| r.is_ok());
        if whole {
            return Ok(Side {
                pool,
                index,
                failed,
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
        })
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

    pub fn syntax_of(&self, f: &FieldDescriptor) -> &'static str {
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
        ..ProveReport::default()
    };
    let mut same = Sameness::default();
    let mut work: Vec<(usize, &String)> = Vec::new();
    for name in &names {
        let why = old_side
            .unavailable(name)
            .map(|w| format!("old side: {w}"))
            .or_else(|| new_side.unavailable(name).map(|w| format!("new side: {w}")));
        if let Some(why) = why {
            report.skipped.push((name.clone(), why));
            continue;
        }
        if opts.message.is_none() && same.closure_unchanged(&old_side.pool, &new_side.pool, name) {
            report.types_unchanged += 1;
            continue;
        }
        work.push((work.len(), name));
    }

    // Types are independent: prove them on every core, each worker with its own generators
    // (strategies are memoized per worker), results put back in name order.
    type Outcome = Result<(u64, Vec<Counterexample>), String>;
    let results: Mutex<Vec<Option<Outcome>>> = Mutex::new(vec![None; work.len()]);
    let next = AtomicUsize::new(0);
    let workers = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .min(work.len())
        .max(1);
    let worker = || {
        let new_writes = gen::Gen::new(&new_side, &old_side);
        let old_writes = gen::Gen::new(&old_side, &new_side);
        loop {
            let i = next.fetch_add(1, Ordering::Relaxed);
            let Some(&(slot, name)) = work.get(i) else {
                break;
            };
            let (Some(od), Some(nd)) = (
                old_side.pool.get_message_by_name(name),
                new_side.pool.get_message_by_name(name),
            ) else {
                continue;
            };
            let mut outcome: Outcome = Ok((0, Vec::new()));
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
                    run.prove(generator, name, seed, opts.cases, attribution),
                    &mut outcome,
                ) {
                    (Ok((cases, found)), Ok((total, all))) => {
                        *total += cases;
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
    for ((_, name), outcome) in work.iter().zip(results) {
        match outcome {
            Some(Ok((cases, found))) => {
                report.types_checked += 1;
                report.cases_run += cases;
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

/// Whether types read the same on both sides because their declarations are identical.
#[derive(Default)]
struct Sameness {
    /// Type full name → whether its own declaration (and file syntax) is identical.
    own: HashMap<String, bool>,
}

impl Sameness {
    /// A message's declaration without its nested declarations (they are compared when a
    /// field reaches them), with its file's syntax; an enum's likewise.
    fn fingerprint(pool: &DescriptorPool, name: &str) -> Option<Vec<u8>> {
        if let Some(m) = pool.get_message_by_name(name) {
            let mut proto = m.descriptor_proto().clone();
            proto.nested_type.clear();
            proto.enum_type.clear();
            let mut out = proto.encode_to_vec();
            out.push(m.parent_file().syntax() as u8);
            return Some(out);
        }
        let e = pool.get_enum_by_name(name)?;
        let mut out = e.enum_descriptor_proto().encode_to_vec();
        out.push(e.parent_file().syntax() as u8);
        Some(out)
    }

    fn own_unchanged(&mut self, old: &DescriptorPool, new: &DescriptorPool, name: &str) -> bool {
        if let Some(&same) = self.own.get(name) {
            return same;
        }
        let same = match (Self::fingerprint(old, name), Self::fingerprint(new, name)) {
            (Some(a), Some(b)) => a == b,
            _ => false,
        };
        self.own.insert(name.to_string(), same);
        same
    }

    /// Whether the message and every type it reaches through fields are identical.
    fn closure_unchanged(
        &mut self,
        old: &DescriptorPool,
        new: &DescriptorPool,
        name: &str,
    ) -> bool {
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut stack = vec![name.to_string()];
        while let Some(n) = stack.pop() {
            if !seen.insert(n.clone()) {
                continue;
            }
            if !self.own_unchanged(old, new, &n) {
                return false;
            }
            if let Some(m) = new.get_message_by_name(&n) {
                for f in m.fields() {
                    match f.kind() {
                        prost_reflect::Kind::Message(t) => stack.push(t.full_name().to_string()),
                        prost_reflect::Kind::Enum(t) => stack.push(t.full_name().to_string()),
                        _ => {}
                    }
                }
            }
        }
        true
    }
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
        attribution: &Attribution,
    ) -> Result<(u64, Option<Counterexample>), String> {
        let strategy = generator.message(self.wd, gen::DEPTH);
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
        let ran = Cell::new(0u64);
        let result = runner.run(&strategy, |msg| {
            ran.set(ran.get() + 1);
            match self.evaluate(&msg) {
                Ok(o) if o.diffs.is_empty() => Ok(()),
                Ok(_) => Err(TestCaseError::fail(COUNTEREXAMPLE)),
                Err(e) => Err(TestCaseError::fail(format!("internal: {e}"))),
            }
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
        let bytes = wire::encode(self.wd, msg);
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
        let relayed = wire::encode(self.rd, &read);
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
                .is_some_and(|rf| wire::implicit_presence(&rf))
                && self
                    .writer
                    .pool
                    .get_message_by_name(m)
                    .and_then(|wm| wm.get_field(*n))
                    .is_some_and(|wf| wf.supports_presence());
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
        let bytes = wire::encode(self.wd, msg);
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

/// The report for a terminal: each counterexample in a few lines, then skipped types and a
/// one-line summary with the seed.
pub fn render_text(report: &ProveReport) -> String {
    let mut out = String::new();
    for c in &report.counterexamples {
        let relay = if c.relay {
            ", after a relay (the reader re-wrote what it read; the writer's side read that back)"
        } else {
            ""
        };
        let _ = writeln!(out, "{} — {}{relay}", c.message, c.describe_direction());
        let _ = writeln!(out, "  wrote:  {}", c.input);
        if let Some(json) = &c.json {
            let _ = writeln!(out, "  json:   {json}");
        } else {
            let _ = writeln!(
                out,
                "  bytes:  {}",
                if c.bytes_hex.is_empty() {
                    "(none)"
                } else {
                    &c.bytes_hex
                }
            );
        }
        for (i, s) in c.seen.iter().enumerate() {
            let _ = writeln!(out, "  {} {s}", if i == 0 { "saw:   " } else { "       " });
        }
        let rules = if c.rules.is_empty() {
            "none (no WIRE rule predicted this)".to_string()
        } else {
            c.rules.join(", ")
        };
        let _ = writeln!(out, "  rules:  {rules}");
        out.push('\n');
    }
    for (name, why) in &report.skipped {
        let _ = writeln!(out, "skipped {name}: {why}");
    }
    let unchanged = match report.types_unchanged {
        0 => String::new(),
        n => format!(" ({n} more unchanged)"),
    };
    let _ = writeln!(
        out,
        "{} type{} checked{unchanged}, {} cases, seed {}: {}",
        report.types_checked,
        if report.types_checked == 1 { "" } else { "s" },
        report.cases_run,
        report.seed,
        match report.counterexamples.len() {
            0 => "no counterexample".to_string(),
            1 => "1 counterexample (reproduce with --seed)".to_string(),
            n => format!("{n} counterexamples (reproduce with --seed)"),
        }
    );
    out
}
