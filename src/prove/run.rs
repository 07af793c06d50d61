//! One type proved in one direction: random messages written by one side and read by the
//! other (binary, or through the JSON mapping), compared by meaning, with a relay; proptest
//! shrinks the first failure to the counterexample shown.

use std::cell::Cell;

use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestError, TestRng, TestRunner};
use prost::Message as _;
use prost_reflect::{DeserializeOptions, DynamicMessage, MessageDescriptor, SerializeOptions};

use super::compare::{Cmp, Diff};
use super::wire::{self, Reader};
use super::{gen, seed_bytes, text, Attribution, Counterexample, Direction, Side};

/// Cases generated for one type, and how many of its directions stopped at a counterexample.
#[derive(Clone, Copy, Debug, Default)]
pub struct Ran {
    pub cases: u64,
    pub stopped: usize,
}

/// One direction of one type.
pub struct Run<'s, 'a> {
    pub writer: &'s Side<'a>,
    pub reader: &'s Side<'a>,
    pub wd: &'s MessageDescriptor,
    pub rd: &'s MessageDescriptor,
    pub direction: Direction,
    /// Through the proto3 JSON mapping instead of the binary encoding.
    pub json: bool,
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
    pub fn prove(
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
        cmp.messages(self.wd, &written, self.rd, &read, &mut diffs);
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
        same.messages(self.wd, &written, self.wd, &back, &mut diffs);
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
            let text = enum_numbers_as_numbers(desc, &json);
            let mut de = serde_json::Deserializer::from_str(&text);
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
                cmp.messages(self.wd, &written, self.rd, &read, &mut diffs);
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
pub(super) fn closed_enum_violation(side: &Side, m: &DynamicMessage) -> Option<String> {
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

/// The JSON text as the reference parsers (C++, Java, Python) read an enum field: a string
/// that names no value but spells an int32 (`"1"`, as a writer of an int64 prints 1), or an
/// integral float (`0.0`), is that number. prost-reflect accepts names and JSON integers
/// only, so such values are rewritten as integers, for the reader's enum fields, before it
/// parses.
pub(super) fn enum_numbers_as_numbers(desc: &MessageDescriptor, json: &str) -> String {
    use prost_reflect::Kind;
    use serde_json::Value;
    fn fix_enum(e: &prost_reflect::EnumDescriptor, v: &mut Value) {
        let n = match v {
            Value::String(s) if e.get_value_by_name(s).is_none() => s.parse::<i32>().ok(),
            // An integral float (`0.0`, as a writer of a float prints 0) is that integer.
            Value::Number(x) if !x.is_i64() && !x.is_u64() => x
                .as_f64()
                .filter(|f| f.fract() == 0.0 && *f >= i32::MIN as f64 && *f <= i32::MAX as f64)
                .map(|f| f as i32),
            _ => None,
        };
        if let Some(n) = n {
            *v = Value::from(n);
        }
    }
    fn fix_kind(kind: &Kind, v: &mut Value) {
        match kind {
            Kind::Enum(e) => fix_enum(e, v),
            Kind::Message(m) => fix_message(m, v),
            _ => {}
        }
    }
    fn fix_message(desc: &MessageDescriptor, v: &mut Value) {
        let Value::Object(fields) = v else {
            return;
        };
        for (key, value) in fields.iter_mut() {
            let Some(f) = desc
                .fields()
                .find(|f| f.json_name() == key || f.name() == key)
            else {
                continue;
            };
            let kind = match f.kind() {
                Kind::Message(entry) if f.is_map() => entry.map_entry_value_field().kind(),
                k => k,
            };
            match value {
                Value::Array(items) if f.is_list() => {
                    items.iter_mut().for_each(|x| fix_kind(&kind, x))
                }
                Value::Object(entries) if f.is_map() => {
                    entries.values_mut().for_each(|x| fix_kind(&kind, x))
                }
                x => fix_kind(&kind, x),
            }
        }
    }
    let Ok(mut value) = serde_json::from_str::<Value>(json) else {
        return json.to_string();
    };
    fix_message(desc, &mut value);
    value.to_string()
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
