//! Protobuf text format of [`Msg`] trees, on one line, for counterexamples.

use prost_reflect::{Kind, MessageDescriptor};

use super::wire::{Msg, Raw, Slot, Unknown, Val};

/// `name: value name { ... }` in field-number order, unknown fields last by number.
pub fn message(desc: &MessageDescriptor, msg: &Msg) -> String {
    let mut parts: Vec<String> = Vec::new();
    for (&number, slot) in &msg.fields {
        let Some(f) = desc.get_field(number) else {
            continue;
        };
        let name = if f.is_group() {
            // Text format names a group field by its type.
            match f.kind() {
                Kind::Message(m) => m.name().to_string(),
                _ => f.name().to_string(),
            }
        } else {
            f.name().to_string()
        };
        let kind = f.kind();
        match slot {
            Slot::One(v) => parts.push(entry(&name, v, &kind)),
            Slot::List(items) => parts.extend(items.iter().map(|v| entry(&name, v, &kind))),
            Slot::Map(entries) => {
                let Kind::Message(e) = &kind else { continue };
                let (kk, vk) = (
                    e.map_entry_key_field().kind(),
                    e.map_entry_value_field().kind(),
                );
                for (k, v) in entries {
                    parts.push(format!(
                        "{name} {{ {} {} }}",
                        entry("key", k, &kk),
                        entry("value", v, &vk)
                    ));
                }
            }
        }
    }
    for u in &msg.unknown {
        parts.push(unknown(u));
    }
    parts.join(" ")
}

fn entry(name: &str, v: &Val, kind: &Kind) -> String {
    match (v, kind) {
        (Val::Msg(m), Kind::Message(d)) => {
            let body = message(d, m);
            if body.is_empty() {
                format!("{name} {{ }}")
            } else {
                format!("{name} {{ {body} }}")
            }
        }
        _ => format!("{name}: {}", scalar(v, kind)),
    }
}

fn unknown(u: &Unknown) -> String {
    match &u.raw {
        Raw::Varint(v) => format!("{}: {v}", u.number),
        Raw::Fixed64(v) => format!("{}: 0x{v:016x}", u.number),
        Raw::Fixed32(v) => format!("{}: 0x{v:08x}", u.number),
        Raw::Len(b) => format!("{}: {}", u.number, quote(b)),
        Raw::Group(items) => format!(
            "{} {{ {} }}",
            u.number,
            items.iter().map(unknown).collect::<Vec<_>>().join(" ")
        ),
    }
}

/// A scalar as text format writes it (enums by name when declared).
pub fn scalar(v: &Val, kind: &Kind) -> String {
    match v {
        Val::Bool(b) => b.to_string(),
        Val::I32(x) => x.to_string(),
        Val::I64(x) => x.to_string(),
        Val::U32(x) => x.to_string(),
        Val::U64(x) => x.to_string(),
        Val::F32(x) => float(*x as f64, format!("{x:?}")),
        Val::F64(x) => float(*x, format!("{x:?}")),
        Val::Str(b) | Val::Bytes(b) => quote(b),
        Val::Enum(n) => match kind {
            Kind::Enum(e) => match e.get_value(*n) {
                Some(v) => v.name().to_string(),
                None => n.to_string(),
            },
            _ => n.to_string(),
        },
        Val::Msg(m) => match kind {
            Kind::Message(d) => match message(d, m) {
                body if body.is_empty() => "{ }".to_string(),
                body => format!("{{ {body} }}"),
            },
            _ => "{ }".to_string(),
        },
    }
}

fn float(x: f64, shown: String) -> String {
    if x.is_nan() {
        "nan".into()
    } else if x.is_infinite() {
        if x > 0.0 { "inf" } else { "-inf" }.into()
    } else {
        shown
    }
}

/// A quoted string: UTF-8 shown as is, control characters and invalid bytes escaped.
pub fn quote(b: &[u8]) -> String {
    let mut out = String::from("\"");
    let mut rest = b;
    while !rest.is_empty() {
        match std::str::from_utf8(rest) {
            Ok(s) => {
                escape_str(s, &mut out);
                break;
            }
            Err(e) => {
                let (good, bad) = rest.split_at(e.valid_up_to());
                escape_str(std::str::from_utf8(good).unwrap_or(""), &mut out);
                let n = e.error_len().unwrap_or(bad.len());
                for byte in &bad[..n] {
                    out.push_str(&format!("\\{byte:03o}"));
                }
                rest = &bad[n..];
            }
        }
    }
    out.push('"');
    out
}

fn escape_str(s: &str, out: &mut String) {
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if c.is_control() => {
                let mut buf = [0u8; 4];
                for byte in c.encode_utf8(&mut buf).bytes() {
                    out.push_str(&format!("\\{byte:03o}"));
                }
            }
            c => out.push(c),
        }
    }
}

/// The declared type of a kind: `int32`, `pkg.Color`, `pkg.Msg`.
pub fn kind_name(k: &Kind) -> String {
    match k {
        Kind::Double => "double".into(),
        Kind::Float => "float".into(),
        Kind::Int32 => "int32".into(),
        Kind::Int64 => "int64".into(),
        Kind::Uint32 => "uint32".into(),
        Kind::Uint64 => "uint64".into(),
        Kind::Sint32 => "sint32".into(),
        Kind::Sint64 => "sint64".into(),
        Kind::Fixed32 => "fixed32".into(),
        Kind::Fixed64 => "fixed64".into(),
        Kind::Sfixed32 => "sfixed32".into(),
        Kind::Sfixed64 => "sfixed64".into(),
        Kind::Bool => "bool".into(),
        Kind::String => "string".into(),
        Kind::Bytes => "bytes".into(),
        Kind::Message(m) => m.full_name().to_string(),
        Kind::Enum(e) => e.full_name().to_string(),
    }
}

/// A value with its type, for "wrote X read as Y": `-1 (int32)`, `RED (= 1, pkg.Color)`.
pub fn typed(v: &Val, kind: &Kind) -> String {
    match (v, kind) {
        (Val::Enum(n), Kind::Enum(e)) => match e.get_value(*n) {
            Some(ev) => format!("{} (= {n}, {})", ev.name(), e.full_name()),
            None => format!("{n} (undeclared in {})", e.full_name()),
        },
        _ => format!("{} ({})", scalar(v, kind), kind_name(kind)),
    }
}

/// The bytes of a message in hex, one byte per pair.
pub fn hex(bytes: &[u8]) -> String {
    bytes
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect::<Vec<_>>()
        .join(" ")
}
