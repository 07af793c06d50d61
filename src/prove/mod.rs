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
//! decoder: mismatched wire types go to unknown fields, closed enums move numbers they do not
//! declare to unknown fields (and a JSON reader rejects them), strings that validate UTF-8
//! must hold UTF-8, required fields must be present, implicit-presence fields drop zeros.
//!
//! **Editions.** prost-reflect 0.16 cannot load editions descriptors, so it supplies names
//! and shapes only: an editions file is lowered to proto2 ([`lower`]) with its delimited,
//! required and packing features written into the descriptors, while presence, closedness
//! and UTF-8 validation are always read from our own model's resolved features
//! ([`crate::features`], via the index). Dropping prost-reflect altogether would also mean
//! rewriting the proto3 JSON mapping; lowering keeps one reader model for every syntax.
//!
//! **Coverage.** Types whose declarations (and everything they reach) are identical are not
//! run; generated messages nest as deep as the farthest changed type a proved type reaches
//! ([`reach`], `--depth` overrides and a shallower one is reported), and fields leading to a
//! change are set more often. A run that skips a type or proves nothing is
//! [incomplete](ProveReport::incomplete), which the CLI turns into exit 2.

mod compare;
mod gen;
mod lower;
mod reach;
mod report;
pub mod reread;
mod run;
mod side;
mod text;
mod wire;

use std::collections::BTreeSet;
use std::hash::{BuildHasher, Hasher};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

use crate::index::{Index, Site};
use crate::rules::Finding;
use crate::source::timing;

pub use report::{render_json, render_text};
use run::{Ran, Run};
use side::Side;

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
    /// Files identical on both sides, importing nothing that differs, left uncompiled by a
    /// planned load (see [`crate::plan`]): their types read the same by construction, like
    /// `types_unchanged`, and are not counted one by one.
    pub files_unchanged: usize,
    /// Types that reach a change only deeper than their generated messages nest
    /// (`--depth`, or the automatic depth's limit): no case of theirs can show it, so none
    /// is run; a note says how deep the change lies.
    pub types_out_of_reach: usize,
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
    /// A crate the prover builds on (prost-reflect) panicked on these descriptors.
    #[error("the prover cannot handle these descriptors: {0}")]
    Internal(String),
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
    crate::threads::guarded(|| prove_unguarded(old_fds, new_fds, old, new, opts))
        .map_err(ProveError::Internal)?
}

/// [`prove`], with a panic of prost-reflect on malformed descriptors left to the caller.
fn prove_unguarded(
    old_fds: &[u8],
    new_fds: &[u8],
    old: &Index,
    new: &Index,
    opts: &ProveOptions,
) -> Result<ProveReport, ProveError> {
    let t = std::time::Instant::now();
    let old_side = Side::load(old_fds, old, "old")?;
    let new_side = Side::load(new_fds, new, "new")?;
    timing("prove: load descriptors", t);
    let seed = opts.seed.unwrap_or_else(random_seed);
    let t = std::time::Instant::now();
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
        files_unchanged: new
            .files
            .iter()
            .filter(|f| f.stub_declares.is_some_and(|d| d.messages))
            .count(),
        cases_per_direction: opts.cases,
        ..ProveReport::default()
    };
    timing("prove: WIRE findings", t);
    let t = std::time::Instant::now();
    let reach = reach::Reach::new(&old_side, &new_side);
    timing("prove: what changes reach", t);
    let mut work: Vec<(usize, &String, u32)> = Vec::new();
    for name in &names {
        let why = old_side
            .unavailable(name)
            .map(|w| format!("old side: {w}"))
            .or_else(|| new_side.unavailable(name).map(|w| format!("new side: {w}")));
        // A type whose required fields form a cycle has no finite valid message: no
        // writer can produce one and no reader accepts one. Said, never silently passed.
        let why = why.or_else(|| {
            [&old_side, &new_side].iter().find_map(|side| {
                let desc = side.pool.get_message_by_name(name)?;
                gen::required_cycle(&desc).map(|chain| {
                    format!(
                        "no finite message exists: required fields form a cycle ({})",
                        chain.join(" -> ")
                    )
                })
            })
        });
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
                        "{name}: --depth {d} does not reach every change below it: the changed \
                         type {deep}, {at} level{} down, needs depth {needed}",
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
                needed.clamp(reach::DEFAULT_DEPTH, reach::MAX_AUTO_DEPTH)
            }
        };
        // No change within the generator's reach (the notes above say how deep they lie):
        // every case would read the same on both sides.
        if opts.message.is_none() && !reach.reaches_change([&old_side, &new_side], name, depth) {
            report.types_out_of_reach += 1;
            continue;
        }
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
    let t = std::time::Instant::now();
    std::thread::scope(|s| {
        for _ in 1..workers {
            s.spawn(worker);
        }
        worker();
    });
    timing(&format!("prove: {} types", work.len()), t);
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
