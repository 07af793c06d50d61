//! Structural compatibility: whether a message or enum type that a field (or an RPC) now
//! names reads and writes the bytes of the type it named before, whatever the names.
//!
//! Messages are compared field by field, by number, recursively: every old field is still
//! there, in the same wire group as FIELD_WIRE_COMPATIBLE_TYPE groups kinds (string may
//! become bytes) and the same cardinality group as FIELD_WIRE_COMPATIBLE_CARDINALITY; no
//! required field is added. Enums: every old value number is still a value. Types that
//! keep their full name on both sides are taken as compatible: their own changes are
//! checked by the rules where they are declared. Cycles (`A { B b }`, `B { A a }`) end with
//! a set of (old, new) pairs already assumed compatible: every check is a conjunction, so
//! a pair that fails fails the whole comparison and the assumption is never relied on.
//!
//! The JSON level also requires the same JSON field names, the same enum value names, and
//! no well-known type with a special JSON form (Timestamp, Duration, wrappers, Struct,
//! Any...) on either side of a rename.

use std::collections::HashSet;

use crate::index::{Cardinality, Index, WireKind};

/// What must be kept.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Level {
    /// The binary encoding.
    Wire,
    /// The binary encoding and the JSON mapping.
    WireJson,
}

/// Whether `new_type` (in `new`) is structurally wire compatible with `old_type` (in
/// `old`). Names may be given with or without their leading dot.
pub fn structurally_compatible(old: &Index, old_type: &str, new: &Index, new_type: &str) -> bool {
    compatible_at(Level::Wire, old, old_type, new, new_type)
}

/// As [`structurally_compatible`], and the JSON form is the same too.
pub fn structurally_json_compatible(
    old: &Index,
    old_type: &str,
    new: &Index,
    new_type: &str,
) -> bool {
    compatible_at(Level::WireJson, old, old_type, new, new_type)
}

/// Compatibility at a level.
pub fn compatible_at(
    level: Level,
    old: &Index,
    old_type: &str,
    new: &Index,
    new_type: &str,
) -> bool {
    let mut check = Check {
        old,
        new,
        level,
        assumed: HashSet::new(),
    };
    check.types(old_type, new_type)
}

struct Check<'a> {
    old: &'a Index,
    new: &'a Index,
    level: Level,
    assumed: HashSet<(String, String)>,
}

/// Well-known types whose JSON form is not the generic object of their fields.
fn special_json(name: &str) -> bool {
    matches!(
        name,
        "google.protobuf.Any"
            | "google.protobuf.Timestamp"
            | "google.protobuf.Duration"
            | "google.protobuf.FieldMask"
            | "google.protobuf.Struct"
            | "google.protobuf.Value"
            | "google.protobuf.ListValue"
            | "google.protobuf.NullValue"
            | "google.protobuf.Empty"
            | "google.protobuf.DoubleValue"
            | "google.protobuf.FloatValue"
            | "google.protobuf.Int64Value"
            | "google.protobuf.UInt64Value"
            | "google.protobuf.Int32Value"
            | "google.protobuf.UInt32Value"
            | "google.protobuf.BoolValue"
            | "google.protobuf.StringValue"
            | "google.protobuf.BytesValue"
    )
}

fn cardinality_group(level: Level, c: Cardinality) -> u8 {
    match c {
        Cardinality::OptionalExplicit | Cardinality::OptionalImplicit => 1,
        Cardinality::Required => 2,
        Cardinality::Repeated => 3,
        Cardinality::Map if level == Level::WireJson => 4,
        Cardinality::Map => 3,
    }
}

impl Check<'_> {
    fn types(&mut self, old_type: &str, new_type: &str) -> bool {
        let (o, n) = (
            old_type.trim_start_matches('.'),
            new_type.trim_start_matches('.'),
        );
        if o == n {
            return true;
        }
        if self.level == Level::WireJson && (special_json(o) || special_json(n)) {
            return false;
        }
        if !self.assumed.insert((o.to_string(), n.to_string())) {
            return true;
        }
        if let (Some(om), Some(nm)) = (self.old.message(o), self.new.message(n)) {
            if om.message_set_wire_format != nm.message_set_wire_format {
                return false;
            }
            for of in &om.fields {
                let Some(nf) = nm.field_by_number(of.number) else {
                    return false;
                };
                if !self.kinds(of.kind, nf.kind)
                    || cardinality_group(self.level, of.cardinality)
                        != cardinality_group(self.level, nf.cardinality)
                    || (self.level == Level::WireJson && of.json_name != nf.json_name)
                {
                    return false;
                }
                if of.kind.is_named_type()
                    && nf.kind.is_named_type()
                    && !self.types(&of.type_name, &nf.type_name)
                {
                    return false;
                }
            }
            // A required field the old type did not have is missing from all old data.
            let added_required = nm.fields.iter().any(|nf| {
                nf.cardinality == Cardinality::Required && om.field_by_number(nf.number).is_none()
            });
            return !added_required;
        }
        if let (Some(oe), Some(ne)) = (self.old.enum_(o), self.new.enum_(n)) {
            return oe.values.iter().all(|ov| {
                ne.values.iter().any(|nv| {
                    nv.number == ov.number && (self.level == Level::Wire || nv.name == ov.name)
                })
            });
        }
        false
    }

    fn kinds(&self, o: WireKind, n: WireKind) -> bool {
        match self.level {
            Level::Wire => {
                o.wire_group() == n.wire_group() || (o == WireKind::String && n == WireKind::Bytes)
            }
            Level::WireJson => o.wire_json_group() == n.wire_json_group(),
        }
    }
}
