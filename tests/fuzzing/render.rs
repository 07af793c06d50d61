//! Schema model → `.proto` source text.

use std::fmt::Write as _;

use super::schema::{Enum, Field, File, Label, Message, Schema, Syntax, Type};

/// Every file of a schema, by import path.
pub fn render(schema: &Schema) -> Vec<(String, Vec<u8>)> {
    schema
        .files
        .iter()
        .map(|f| (f.path.clone(), render_file(f).into_bytes()))
        .collect()
}

pub fn render_file(f: &File) -> String {
    let mut out = String::new();
    match f.syntax {
        Syntax::Proto2 => out.push_str("syntax = \"proto2\";\n"),
        Syntax::Proto3 => out.push_str("syntax = \"proto3\";\n"),
        Syntax::Edition2023 => out.push_str("edition = \"2023\";\n"),
    }
    if !f.package.is_empty() {
        let _ = writeln!(out, "\npackage {};", f.package);
    }
    for i in &f.imports {
        let _ = writeln!(out, "import {i};");
    }
    for o in &f.options {
        let _ = writeln!(out, "option {o};");
    }
    for e in &f.enums {
        enum_text(&mut out, e, 0);
    }
    for m in &f.messages {
        message_text(&mut out, m, 0, f.syntax);
    }
    for s in &f.services {
        let _ = writeln!(out, "\nservice {} {{", s.name);
        for r in &s.rpcs {
            let _ = write!(
                out,
                "  rpc {}({}{}) returns ({}{})",
                r.name,
                if r.client_streaming { "stream " } else { "" },
                r.input,
                if r.server_streaming { "stream " } else { "" },
                r.output
            );
            if r.options.is_empty() {
                out.push_str(";\n");
            } else {
                out.push_str(" {\n");
                for o in &r.options {
                    let _ = writeln!(out, "    option {o};");
                }
                out.push_str("  }\n");
            }
        }
        out.push_str("}\n");
    }
    for x in &f.extends {
        let _ = writeln!(out, "\nextend {} {{", x.extendee);
        for fd in &x.fields {
            field_text(&mut out, fd, 1, f.syntax);
        }
        out.push_str("}\n");
    }
    out
}

fn pad(n: usize) -> String {
    "  ".repeat(n)
}

fn enum_text(out: &mut String, e: &Enum, depth: usize) {
    let p = pad(depth);
    let _ = writeln!(out, "\n{p}enum {} {{", e.name);
    for o in &e.options {
        let _ = writeln!(out, "{p}  option {o};");
    }
    for (name, n) in &e.values {
        let _ = writeln!(out, "{p}  {name} = {n};");
    }
    if !e.reserved.is_empty() {
        let (names, numbers): (Vec<&String>, Vec<&String>) =
            e.reserved.iter().partition(|r| r.starts_with('"'));
        reserved_text(out, &p, &numbers, &names);
    }
    let _ = writeln!(out, "{p}}}");
}

fn reserved_text(out: &mut String, p: &str, numbers: &[&String], names: &[&String]) {
    for group in [numbers, names] {
        if !group.is_empty() {
            let items: Vec<&str> = group.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(out, "{p}  reserved {};", items.join(", "));
        }
    }
}

pub fn type_text(t: &Type) -> String {
    match t {
        Type::Scalar(s) => s.to_string(),
        Type::Named(n) => n.clone(),
        Type::Map(k, v) => format!("map<{k}, {}>", type_text(v)),
    }
}

fn field_text(out: &mut String, f: &Field, depth: usize, syntax: Syntax) {
    let label = match (f.label, syntax) {
        (Label::Plain, _) => "",
        (Label::Optional, _) => "optional ",
        (Label::Required, _) => "required ",
        (Label::Repeated, _) => "repeated ",
    };
    let _ = write!(
        out,
        "{}{label}{} {} = {}",
        pad(depth),
        type_text(&f.ty),
        f.name,
        f.number
    );
    if !f.options.is_empty() {
        let _ = write!(out, " [{}]", f.options.join(", "));
    }
    out.push_str(";\n");
}

fn message_text(out: &mut String, m: &Message, depth: usize, syntax: Syntax) {
    let p = pad(depth);
    let _ = writeln!(out, "\n{p}message {} {{", m.name);
    for o in &m.options {
        let _ = writeln!(out, "{p}  option {o};");
    }
    for f in &m.fields {
        field_text(out, f, depth + 1, syntax);
    }
    for o in &m.oneofs {
        let _ = writeln!(out, "{p}  oneof {} {{", o.name);
        for f in &o.fields {
            field_text(out, f, depth + 2, syntax);
        }
        let _ = writeln!(out, "{p}  }}");
    }
    for e in &m.enums {
        enum_text(out, e, depth + 1);
    }
    for n in &m.messages {
        message_text(out, n, depth + 1, syntax);
    }
    if !m.reserved.is_empty() {
        let (names, numbers): (Vec<&String>, Vec<&String>) =
            m.reserved.iter().partition(|r| r.starts_with('"'));
        reserved_text(out, &p, &numbers, &names);
    }
    for r in &m.extension_ranges {
        let _ = writeln!(out, "{p}  extensions {r};");
    }
    let _ = writeln!(out, "{p}}}");
}
