//! Field rules: type, cardinality, name, JSON name, oneof membership, default value and the
//! per-language string options of a field matched by number.

use super::TypeChange;
use super::{backup, element, field_description, field_description_with_name, Findings, Pair};
use crate::features::{cpp_string_type_name, utf8_validation_name, CPP_STRING_STRING};
use crate::features::{CPP_STRING_CORD, JAVA_UTF8_VERIFY, UTF8_VERIFY};
use crate::index::{Cardinality, Field, Index, Syntax, WireKind};
use crate::quote::q;

// ---- cardinality ----------------------------------------------------------------------

fn cardinality_rule(pair: &Pair, out: &mut Findings, group: fn(Cardinality) -> u8) {
    for (of, nf) in pair.fields() {
        if of.in_map_entry && nf.in_map_entry {
            // Map entry fields are synthesized; their presence is not a user's choice.
            continue;
        }
        if group(of.cardinality) != group(nf.cardinality) {
            out.add(
                pair.field_subject(of, nf),
                element(pair.new, &nf.site),
                element(pair.old, &of.site),
                format!(
                    "{} changed cardinality from {} to {}.",
                    field_description(nf),
                    q(of.cardinality.describe()),
                    q(nf.cardinality.describe())
                ),
            );
        }
    }
}

/// FIELD_SAME_CARDINALITY: presence, required, repeated and map stay exactly as they were.
pub fn field_same_cardinality(pair: &Pair, out: &mut Findings) {
    cardinality_rule(pair, out, |c| c as u8);
}

/// FIELD_WIRE_COMPATIBLE_CARDINALITY: cardinality changes only within a wire-compatible group.
pub fn field_wire_compatible_cardinality(pair: &Pair, out: &mut Findings) {
    cardinality_rule(pair, out, |c| match c {
        Cardinality::OptionalExplicit | Cardinality::OptionalImplicit => 1,
        Cardinality::Required => 2,
        Cardinality::Repeated | Cardinality::Map => 3,
    });
}

/// FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY: as the wire rule, and maps stay maps (JSON objects).
pub fn field_wire_json_compatible_cardinality(pair: &Pair, out: &mut Findings) {
    cardinality_rule(pair, out, |c| match c {
        Cardinality::OptionalExplicit | Cardinality::OptionalImplicit => 1,
        Cardinality::Required => 2,
        Cardinality::Repeated => 3,
        Cardinality::Map => 4,
    });
}

// ---- type -------------------------------------------------------------------------------

/// How a field's type is printed: the kind, or for a delimited message outside proto2 the
/// encoding too.
fn pretty_kind(index: &Index, f: &Field) -> &'static str {
    if f.kind == WireKind::Group && index.files[f.site.file].syntax != Syntax::Proto2 {
        "message (delimited encoding)"
    } else {
        f.kind.name()
    }
}

/// Where a field's type is written: `type_name` for named types (an editions delimited
/// field included), `type` for scalars and for proto2 groups (the `group` keyword).
fn type_path(f: &Field) -> &'static [i32] {
    if f.kind.is_named_type() && f.ty != TYPE_GROUP {
        &[6]
    } else {
        &[5]
    }
}

/// `FieldDescriptorProto.TYPE_GROUP`.
const TYPE_GROUP: i32 = 10;

fn changed_kind(pair: &Pair, out: &mut Findings, of: &Field, nf: &Field, extra: &str) {
    out.add(
        pair.field_subject(of, nf),
        element(pair.new, &nf.part(type_path(nf))),
        element(pair.old, &of.part(type_path(of))),
        format!(
            "{} changed type from {} to {}.{extra}",
            field_description(nf),
            q(pretty_kind(pair.old, of)),
            q(pretty_kind(pair.new, nf))
        ),
    );
}

fn changed_type_name(pair: &Pair, out: &mut Findings, of: &Field, nf: &Field) {
    let (was, now) = (
        of.type_name.trim_start_matches('.'),
        nf.type_name.trim_start_matches('.'),
    );
    out.add(
        pair.field_subject(of, nf),
        element(pair.new, &nf.part(type_path(nf))),
        element(pair.old, &of.part(type_path(of))),
        format!(
            "{} changed type from {} to {}.",
            field_description(nf),
            q(was),
            q(now)
        ),
    )
    .type_change = Some(TypeChange {
        old: was.to_string(),
        new: now.to_string(),
    });
}

/// FIELD_SAME_TYPE: the field's type is exactly the same.
pub fn field_same_type(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.kind != nf.kind {
            changed_kind(pair, out, of, nf, "");
        } else if nf.kind.is_named_type() && of.type_name != nf.type_name {
            changed_type_name(pair, out, of, nf);
        }
    }
}

const WIRE_RULES: &str =
    " See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules.";

/// An enum type may change to another enum with the same short name whose values include
/// every old value (by name and number).
fn enum_compatible(pair: &Pair, out: &mut Findings, of: &Field, nf: &Field) {
    let old_enum = pair.old.enum_(of.type_name.trim_start_matches('.'));
    let new_enum = pair.new.enum_(nf.type_name.trim_start_matches('.'));
    let compatible = match (old_enum, new_enum) {
        (Some(oe), Some(ne)) => {
            oe.name == ne.name
                && oe.values.iter().all(|ov| {
                    ne.values
                        .iter()
                        .any(|nv| nv.name == ov.name && nv.number == ov.number)
                })
        }
        _ => false,
    };
    if !compatible {
        changed_type_name(pair, out, of, nf);
    }
}

/// FIELD_WIRE_COMPATIBLE_TYPE: the new type reads and writes the old type's bytes.
pub fn field_wire_compatible_type(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.kind.wire_group() != nf.kind.wire_group() {
            match (of.kind, nf.kind) {
                (WireKind::String, WireKind::Bytes) => {}
                (WireKind::Bytes, WireKind::String) => changed_kind(
                    pair,
                    out,
                    of,
                    nf,
                    &format!("{WIRE_RULES} Note that while string and bytes are compatible if the data is valid UTF-8, there is no way to enforce that a bytes field is UTF-8, so these fields may be incompatible."),
                ),
                _ => changed_kind(pair, out, of, nf, WIRE_RULES),
            }
            continue;
        }
        if of.type_name != nf.type_name {
            // protoguard's `structural_types`: a type renamed to one that reads the same
            // bytes is accepted (off by default: buf's verdict).
            if pair.options.structural_types
                && crate::compat::structurally_compatible(
                    pair.old,
                    &of.type_name,
                    pair.new,
                    &nf.type_name,
                )
            {
                continue;
            }
            match nf.kind {
                WireKind::Enum => enum_compatible(pair, out, of, nf),
                WireKind::Message | WireKind::Group => changed_type_name(pair, out, of, nf),
                _ => {}
            }
        }
    }
}

/// FIELD_WIRE_JSON_COMPATIBLE_TYPE: as the wire rule, and the JSON form is unchanged too.
pub fn field_wire_json_compatible_type(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.kind.wire_json_group() != nf.kind.wire_json_group() {
            changed_kind(
                pair,
                out,
                of,
                nf,
                " See https://developers.google.com/protocol-buffers/docs/proto3#updating for wire compatibility rules and https://developers.google.com/protocol-buffers/docs/proto3#json for JSON compatibility rules.",
            );
            continue;
        }
        if of.type_name != nf.type_name {
            // `structural_types`: as in the wire rule, and the JSON form must match too.
            if pair.options.structural_types
                && crate::compat::structurally_json_compatible(
                    pair.old,
                    &of.type_name,
                    pair.new,
                    &nf.type_name,
                )
            {
                continue;
            }
            match nf.kind {
                WireKind::Enum => enum_compatible(pair, out, of, nf),
                WireKind::Message | WireKind::Group => changed_type_name(pair, out, of, nf),
                _ => {}
            }
        }
    }
}

// ---- names --------------------------------------------------------------------------------

/// FIELD_SAME_NAME: the field (by number) keeps its name.
pub fn field_same_name(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        let (was, now) = if of.is_extension() {
            (&of.full_name, &nf.full_name)
        } else {
            (&of.name, &nf.name)
        };
        if was != now {
            out.add(
                pair.field_subject(of, nf),
                element(pair.new, &nf.part(&[1])),
                element(pair.old, &of.part(&[1])),
                format!(
                    "{} changed name from {was} to {now}.",
                    field_description_with_name(nf, ""),
                    was = q(was),
                    now = q(now)
                ),
            );
        }
    }
}

/// FIELD_SAME_JSON_NAME: the field's JSON name is unchanged.
pub fn field_same_json_name(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.is_extension() {
            continue;
        }
        if of.json_name != nf.json_name {
            out.add(
                pair.field_subject(of, nf),
                backup(pair.new, &[nf.part(&[10]), nf.site.clone()]),
                backup(pair.old, &[of.part(&[10]), of.site.clone()]),
                format!(
                    "{} changed option \"json_name\" from {} to {}.",
                    field_description(nf),
                    q(&of.json_name),
                    q(&nf.json_name)
                ),
            );
        }
    }
}

// ---- oneof ----------------------------------------------------------------------------------

/// FIELD_SAME_ONEOF: a field stays in (or out of) the same oneof. Synthetic oneofs of proto3
/// `optional` fields do not count: presence changes are the cardinality rules' business.
pub fn field_same_oneof(pair: &Pair, out: &mut Findings) {
    let real_oneof = |index: &Index, f: &Field| -> Option<String> {
        if f.is_extension() {
            return None;
        }
        let m = index.message(f.full_name.rsplit_once('.').map(|(p, _)| p).unwrap_or(""))?;
        let o = m.oneofs.get(f.oneof?)?;
        (!o.synthetic).then(|| o.name.clone())
    };
    for (of, nf) in pair.fields() {
        if of.is_extension() {
            continue;
        }
        let was = real_oneof(pair.old, of);
        let now = real_oneof(pair.new, nf);
        let message = match (&was, &now) {
            (None, None) => continue,
            (Some(a), Some(b)) if a == b => continue,
            // buf 1.75 prints a stray `q` after the description here; we print what it prints
            // so that tools matching buf's messages keep working.
            (Some(a), Some(b)) => format!(
                "{}q moved from oneof {a} to oneof {b}.",
                field_description(nf),
                a = q(a),
                b = q(b)
            ),
            (Some(_), None) => format!(
                "{} moved from inside to outside a oneof.",
                field_description(nf)
            ),
            (None, Some(_)) => format!(
                "{} moved from outside to inside a oneof.",
                field_description(nf)
            ),
        };
        out.add(
            pair.field_subject(of, nf),
            element(pair.new, &nf.site),
            element(pair.old, &of.site),
            message,
        );
    }
}

// ---- per-language string handling -------------------------------------------------------------

/// The C++ string type of a string/bytes field, and whether it is the legacy STRING_PIECE.
fn cpp_string_type(index: &Index, f: &Field) -> (i32, bool) {
    let syntax = index.files[f.site.file].syntax;
    if syntax.edition() < crate::features::EDITION_2024 {
        match f.ctype {
            Some(1) => return (CPP_STRING_CORD, false),
            Some(2) => return (CPP_STRING_STRING, true),
            Some(0) => return (CPP_STRING_STRING, false),
            Some(_) if !matches!(syntax, Syntax::Editions(_)) => return (CPP_STRING_STRING, false),
            _ => {}
        }
    }
    (f.features.cpp_string_type, false)
}

/// FIELD_SAME_CPP_STRING_TYPE: the C++ representation of a string/bytes field is unchanged
/// (moving from STRING_PIECE to STRING is allowed).
pub fn field_same_cpp_string_type(pair: &Pair, out: &mut Findings) {
    let is_text = |f: &Field| matches!(f.kind, WireKind::String | WireKind::Bytes);
    for (of, nf) in pair.fields() {
        if (of.in_map_entry && nf.in_map_entry) || !is_text(of) || !is_text(nf) {
            continue;
        }
        let (was, was_piece) = cpp_string_type(pair.old, of);
        let (now, now_piece) = cpp_string_type(pair.new, nf);
        if (was == now && was_piece == now_piece)
            || (was_piece && now == CPP_STRING_STRING && !now_piece)
        {
            continue;
        }
        let name = |t: i32, piece: bool| {
            if piece {
                "STRING_PIECE"
            } else {
                cpp_string_type_name(t)
            }
        };
        out.add(
            pair.field_subject(of, nf),
            backup(
                pair.new,
                &[
                    nf.part(&[8, 1]),
                    nf.part(&[8, 21, 1000, 2]),
                    nf.site.clone(),
                ],
            ),
            backup(
                pair.old,
                &[
                    of.part(&[8, 1]),
                    of.part(&[8, 21, 1000, 2]),
                    of.site.clone(),
                ],
            ),
            format!(
                "{} changed C++ string type from {} to {}.",
                field_description(nf),
                q(name(was, was_piece)),
                q(name(now, now_piece))
            ),
        );
    }
}

/// The Java UTF-8 validation of a string field: the file option `java_string_check_utf8`
/// (outside editions, or when set) or the `pb.java` feature, else the core feature.
fn java_utf8(index: &Index, f: &Field) -> i32 {
    let file = &index.files[f.site.file];
    let check = file.options.java_string_check_utf8;
    if !matches!(file.syntax, Syntax::Editions(_)) || check.is_some() {
        return if check == Some(true) {
            UTF8_VERIFY
        } else {
            f.features.utf8_validation
        };
    }
    if f.features.java_utf8_validation == JAVA_UTF8_VERIFY {
        UTF8_VERIFY
    } else {
        f.features.utf8_validation
    }
}

/// FIELD_SAME_JAVA_UTF8_VALIDATION: Java's UTF-8 checking of a string field is unchanged.
pub fn field_same_java_utf8_validation(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.kind != WireKind::String || nf.kind != WireKind::String {
            continue;
        }
        let (was, now) = (java_utf8(pair.old, of), java_utf8(pair.new, nf));
        if was != now {
            let file_opt = |f: &Field| crate::index::Site::at(f.site.file, &[8, 27]);
            out.add(
                pair.field_subject(of, nf),
                backup(
                    pair.new,
                    &[file_opt(nf), nf.part(&[8, 21, 1001, 2]), nf.site.clone()],
                ),
                backup(
                    pair.old,
                    &[file_opt(of), of.part(&[8, 21, 1001, 2]), of.site.clone()],
                ),
                format!(
                    "{} changed Java string UTF8 validation from {} to {}.",
                    field_description(nf),
                    q(utf8_validation_name(was)),
                    q(utf8_validation_name(now))
                ),
            );
        }
    }
}

/// FIELD_SAME_UTF8_VALIDATION: UTF-8 validation of a string field is unchanged.
pub fn field_same_utf8_validation(pair: &Pair, out: &mut Findings) {
    for (of, nf) in pair.fields() {
        if of.kind != WireKind::String || nf.kind != WireKind::String {
            continue;
        }
        let (was, now) = (of.features.utf8_validation, nf.features.utf8_validation);
        if was != now {
            out.add(
                pair.field_subject(of, nf),
                backup(pair.new, &[nf.part(&[8, 21, 4]), nf.site.clone()]),
                backup(pair.old, &[of.part(&[8, 21, 4]), of.site.clone()]),
                format!(
                    "{} changed UTF8 validation from {} to {}.",
                    field_description(nf),
                    utf8_validation_name(was),
                    utf8_validation_name(now)
                ),
            );
        }
    }
}

/// FIELD_SAME_JSTYPE: the JavaScript representation of a 64-bit integer field is unchanged.
pub fn field_same_jstype(pair: &Pair, out: &mut Findings) {
    let is64 = |f: &Field| matches!(f.ty, 3 | 4 | 6 | 16 | 18);
    let name = |v: Option<i32>| match v.unwrap_or(0) {
        1 => "JS_STRING",
        2 => "JS_NUMBER",
        _ => "JS_NORMAL",
    };
    for (of, nf) in pair.fields() {
        if !is64(of) || !is64(nf) {
            continue;
        }
        if name(of.jstype) != name(nf.jstype) {
            out.add(
                pair.field_subject(of, nf),
                backup(pair.new, &[nf.part(&[8, 6]), nf.site.clone()]),
                backup(pair.old, &[of.part(&[8, 6]), of.site.clone()]),
                format!(
                    "{} changed option \"jstype\" from {} to {}.",
                    field_description(nf),
                    q(name(of.jstype)),
                    q(name(nf.jstype))
                ),
            );
        }
    }
}

// ---- defaults ----------------------------------------------------------------------------------

/// A default value, comparable across numeric kinds as buf compares them.
#[derive(Clone, Debug)]
enum DefaultValue {
    Text(Vec<u8>),
    Int(i128),
    F32(f32),
    F64(f64),
}

impl DefaultValue {
    fn is_zero(&self) -> bool {
        match self {
            DefaultValue::Text(t) => t.is_empty(),
            DefaultValue::Int(i) => *i == 0,
            DefaultValue::F32(f) => *f == 0.0 && f.is_sign_positive(),
            DefaultValue::F64(f) => *f == 0.0 && f.is_sign_positive(),
        }
    }

    fn as_f64(&self) -> Option<f64> {
        match self {
            DefaultValue::Int(i) => Some(*i as f64),
            DefaultValue::F32(f) => Some(*f as f64),
            DefaultValue::F64(f) => Some(*f),
            DefaultValue::Text(_) => None,
        }
    }

    fn equals(&self, other: &DefaultValue) -> bool {
        use DefaultValue::*;
        match (self, other) {
            (Text(a), Text(b)) => a == b,
            (Text(_), _) | (_, Text(_)) => false,
            (Int(a), Int(b)) => a == b,
            (F32(a), F64(b)) | (F64(b), F32(a)) => (a.is_nan() && b.is_nan()) || *a == *b as f32,
            (a, b) => {
                let (x, y) = (a.as_f64().unwrap_or(0.0), b.as_f64().unwrap_or(0.0));
                (x.is_nan() && y.is_nan()) || x == y
            }
        }
    }
}

/// The field's default (explicit, or the zero value / first enum value) and how buf prints it.
fn default_of(index: &Index, f: &Field) -> (DefaultValue, String) {
    let raw = f.default_value.as_deref();
    match f.kind {
        WireKind::String => {
            let s = raw.unwrap_or("");
            (DefaultValue::Text(s.as_bytes().to_vec()), q(s))
        }
        WireKind::Bytes => {
            let b = unescape_bytes(raw.unwrap_or(""));
            let printable: Vec<String> = b.iter().map(|x| format!("0x{x:X}")).collect();
            (DefaultValue::Text(b), format!("[{}]", printable.join(",")))
        }
        WireKind::Enum => {
            let e = index.enum_(f.type_name.trim_start_matches('.'));
            let value = e.and_then(|e| match raw {
                Some(name) => e.values.iter().find(|v| v.name == name),
                None => e.values.first(),
            });
            match (e, value) {
                (Some(e), Some(v)) => (
                    DefaultValue::Int(v.number as i128),
                    format!("{}.{}", e.name, v.name),
                ),
                _ => (DefaultValue::Int(0), String::from("0")),
            }
        }
        WireKind::Bool => {
            let b = raw == Some("true");
            (DefaultValue::Int(b as i128), b.to_string())
        }
        WireKind::Float => {
            let v = parse_float(raw.unwrap_or("0")) as f32;
            (DefaultValue::F32(v), go_float(v as f64, true))
        }
        WireKind::Double => {
            let v = parse_float(raw.unwrap_or("0"));
            (DefaultValue::F64(v), go_float(v, false))
        }
        _ => {
            let v = parse_int(raw.unwrap_or("0"));
            (DefaultValue::Int(v), v.to_string())
        }
    }
}

fn parse_int(s: &str) -> i128 {
    let (neg, digits) = match s.strip_prefix('-') {
        Some(rest) => (true, rest),
        None => (false, s),
    };
    let v = if let Some(h) = digits
        .strip_prefix("0x")
        .or_else(|| digits.strip_prefix("0X"))
    {
        i128::from_str_radix(h, 16).unwrap_or(0)
    } else if digits.len() > 1 && digits.starts_with('0') {
        i128::from_str_radix(&digits[1..], 8).unwrap_or(0)
    } else {
        digits.parse().unwrap_or(0)
    };
    if neg {
        -v
    } else {
        v
    }
}

fn parse_float(s: &str) -> f64 {
    match s {
        "inf" | "+inf" => f64::INFINITY,
        "-inf" => f64::NEG_INFINITY,
        "nan" | "-nan" => f64::NAN,
        _ => s.parse().unwrap_or_else(|_| parse_int(s) as f64),
    }
}

/// Go's `%v` of a float: shortest representation, exponent form outside [1e-4, 1e21).
fn go_float(v: f64, single: bool) -> String {
    if v.is_nan() {
        return "NaN".into();
    }
    if v.is_infinite() {
        return if v > 0.0 {
            "+Inf".into()
        } else {
            "-Inf".into()
        };
    }
    let abs = v.abs();
    if abs != 0.0 && !(1e-4..1e21).contains(&abs) {
        let s = if single {
            format!("{:e}", v as f32)
        } else {
            format!("{v:e}")
        };
        let (mantissa, exp) = s.split_once('e').unwrap_or((&s, "0"));
        let exp: i32 = exp.parse().unwrap_or(0);
        let sign = if exp < 0 { '-' } else { '+' };
        return format!("{mantissa}e{sign}{:02}", exp.abs());
    }
    if single {
        format!("{}", v as f32)
    } else {
        format!("{v}")
    }
}

/// Undoes protoc's C escaping of a bytes default (`\n`, `\001`, `\x41`, `\\`...).
fn unescape_bytes(s: &str) -> Vec<u8> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'\\' || i + 1 >= b.len() {
            out.push(b[i]);
            i += 1;
            continue;
        }
        i += 1;
        let c = b[i];
        match c {
            b'n' => out.push(b'\n'),
            b'r' => out.push(b'\r'),
            b't' => out.push(b'\t'),
            b'a' => out.push(7),
            b'b' => out.push(8),
            b'f' => out.push(12),
            b'v' => out.push(11),
            b'x' | b'X' => {
                let mut v = 0u32;
                let mut n = 0;
                while n < 2 && i + 1 < b.len() && (b[i + 1] as char).is_ascii_hexdigit() {
                    i += 1;
                    v = v * 16 + (b[i] as char).to_digit(16).unwrap_or(0);
                    n += 1;
                }
                out.push(v as u8);
            }
            b'0'..=b'7' => {
                let mut v = (c - b'0') as u32;
                let mut n = 1;
                while n < 3 && i + 1 < b.len() && (b'0'..=b'7').contains(&b[i + 1]) {
                    i += 1;
                    v = v * 8 + (b[i] - b'0') as u32;
                    n += 1;
                }
                out.push(v as u8);
            }
            other => out.push(other),
        }
        i += 1;
    }
    out
}

/// FIELD_SAME_DEFAULT: the default value of a scalar field is unchanged.
pub fn field_same_default(pair: &Pair, out: &mut Findings) {
    let can_have_default = |f: &Field| {
        !matches!(f.cardinality, Cardinality::Repeated | Cardinality::Map)
            && !matches!(f.kind, WireKind::Message | WireKind::Group)
    };
    for (of, nf) in pair.fields() {
        if !can_have_default(of) || !can_have_default(nf) {
            continue;
        }
        let (was, was_text) = default_of(pair.old, of);
        let (now, now_text) = default_of(pair.new, nf);
        if was.is_zero() && now.is_zero() {
            continue;
        }
        if !was.equals(&now) {
            out.add(
                pair.field_subject(of, nf),
                backup(pair.new, &[nf.part(&[7]), nf.site.clone()]),
                backup(pair.old, &[of.part(&[7]), of.site.clone()]),
                format!(
                    "{} changed default value from {was_text} to {now_text}.",
                    field_description(nf)
                ),
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn go_float_formatting() {
        assert_eq!(go_float(1.5, false), "1.5");
        assert_eq!(go_float(1e21, false), "1e+21");
        assert_eq!(go_float(0.00001, false), "1e-05");
        assert_eq!(go_float(100.0, false), "100");
        assert_eq!(go_float(f64::INFINITY, false), "+Inf");
    }

    #[test]
    fn bytes_defaults_unescape() {
        assert_eq!(unescape_bytes("a\\001\\x41\\n"), vec![b'a', 1, b'A', b'\n']);
    }

    #[test]
    fn numeric_defaults_compare_across_kinds() {
        assert!(DefaultValue::Int(1).equals(&DefaultValue::F64(1.0)));
        assert!(DefaultValue::F32(0.1).equals(&DefaultValue::F64(0.1)));
        assert!(!DefaultValue::Int(1).equals(&DefaultValue::Int(2)));
        assert!(DefaultValue::F64(f64::NAN).equals(&DefaultValue::F64(f64::NAN)));
    }
}
