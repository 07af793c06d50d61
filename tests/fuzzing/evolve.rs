//! Evolution steps: what a team changes between two versions of a schema, applied to the
//! model so that the new side stays mostly valid. Each step names itself for the case notes.

use super::rng::Rng;
use super::schema::{self, Field, Label, Message, Rpc, Schema, Syntax, Type, OPTS_PATH, SCALARS};

/// A message addressed by file and the indexes of its nesting.
type MsgPath = (usize, Vec<usize>);

fn message_paths(schema: &Schema) -> Vec<MsgPath> {
    fn walk(m: &Message, file: usize, path: &mut Vec<usize>, out: &mut Vec<MsgPath>) {
        out.push((file, path.clone()));
        for (i, n) in m.messages.iter().enumerate() {
            path.push(i);
            walk(n, file, path, out);
            path.pop();
        }
    }
    let mut out = Vec::new();
    for (fi, f) in schema.files.iter().enumerate() {
        if f.path == OPTS_PATH {
            continue;
        }
        for (i, m) in f.messages.iter().enumerate() {
            walk(m, fi, &mut vec![i], &mut out);
        }
    }
    out
}

fn message_mut<'a>(schema: &'a mut Schema, (file, path): &MsgPath) -> &'a mut Message {
    let mut m = &mut schema.files[*file].messages[path[0]];
    for &i in &path[1..] {
        m = &mut m.messages[i];
    }
    m
}

/// Applies 1 to 3 evolution steps; returns their names.
pub fn evolve(schema: &mut Schema, rng: &mut Rng) -> Vec<String> {
    let mut notes = Vec::new();
    for _ in 0..1 + rng.below(3) {
        if let Some(note) = step(schema, rng) {
            notes.push(note);
        }
    }
    notes
}

fn step(schema: &mut Schema, rng: &mut Rng) -> Option<String> {
    let paths = message_paths(schema);
    if paths.is_empty() {
        return None;
    }
    let at = rng.pick(&paths).clone();
    let syntax = schema.files[at.0].syntax;
    let file_count = schema.files.len();
    let op = rng.below(30);
    let m = message_mut(schema, &at);
    let nfields = m.fields.len();
    let fi = if nfields > 0 { rng.below(nfields) } else { 0 };
    Some(match op {
        0 | 1 if nfields > 0 => {
            let f = m.fields.remove(fi);
            if rng.chance(40) {
                m.reserved.push(f.number.to_string());
            }
            if rng.chance(30) {
                m.reserved.push(format!("\"{}\"", f.name));
            }
            format!("delete field {}.{}", m.name, f.name)
        }
        2 if nfields > 0 => {
            m.fields[fi].name.push_str("_v2");
            format!("rename field {}.{}", m.name, m.fields[fi].name)
        }
        3 if nfields > 0 => {
            let n = *rng.pick(&[1, 2, 3, 15, 16, 2047, 2048, 536_870_911, 19_000, 0, -1]);
            m.fields[fi].number = if rng.chance(60) {
                m.fields[fi].number + 1
            } else {
                n
            };
            format!("renumber field {}.{}", m.name, m.fields[fi].name)
        }
        4 | 5 if nfields > 0 => {
            m.fields[fi].ty = Type::Scalar(rng.pick_str(SCALARS));
            format!("retype field {}.{}", m.name, m.fields[fi].name)
        }
        6 if nfields > 0 => {
            let f = &mut m.fields[fi];
            if !matches!(f.ty, Type::Map(..)) {
                f.label = *rng.pick(&[
                    Label::Plain,
                    Label::Optional,
                    Label::Required,
                    Label::Repeated,
                ]);
                if syntax == Syntax::Proto3 && f.label == Label::Required && rng.chance(80) {
                    f.label = Label::Optional;
                }
            }
            format!("relabel field {}.{}", m.name, f.name)
        }
        7 | 8 => {
            let number = m.fields.iter().map(|f| f.number).max().unwrap_or(0) + 1;
            m.fields.push(Field {
                label: if syntax == Syntax::Proto2 {
                    Label::Optional
                } else {
                    Label::Plain
                },
                ty: Type::Scalar(rng.pick_str(SCALARS)),
                name: format!("added{number}"),
                number,
                options: Vec::new(),
            });
            format!("add field {}.added{number}", m.name)
        }
        9 if nfields > 0 => {
            let mut f = m.fields.remove(fi);
            if matches!(f.ty, Type::Map(..)) || f.label == Label::Repeated {
                m.fields.push(f);
                return None;
            }
            f.label = Label::Plain;
            match m.oneofs.first_mut() {
                Some(o) => o.fields.push(f),
                None => m.oneofs.push(schema::Oneof {
                    name: "choice".into(),
                    fields: vec![f],
                }),
            }
            format!("move field into oneof in {}", m.name)
        }
        10 if !m.oneofs.is_empty() => {
            let o = m.oneofs.remove(0);
            for mut f in o.fields {
                if syntax == Syntax::Proto2 {
                    f.label = Label::Optional;
                }
                m.fields.push(f);
            }
            format!("dissolve oneof of {}", m.name)
        }
        11 if nfields > 0 => {
            let f = &mut m.fields[fi];
            let opts = [
                "deprecated = true",
                "json_name = \"renamedJson\"",
                "jstype = JS_NUMBER",
                "ctype = STRING_PIECE",
                "packed = false",
                "default = 7",
                "lazy = true",
            ];
            if !f.options.is_empty() && rng.chance(50) {
                f.options.remove(rng.below(f.options.len()));
            } else {
                f.options.push(rng.pick(&opts).to_string());
            }
            format!("re-option field {}.{}", m.name, f.name)
        }
        12 if !m.enums.is_empty() => {
            let e = &mut m.enums[0];
            match rng.below(4) {
                0 if e.values.len() > 1 => {
                    e.values.pop();
                }
                1 => e.values[0].0.push_str("_RENAMED"),
                2 => {
                    let last = e.values.last().map_or(0, |v| v.1);
                    e.values
                        .push((format!("{}_NEW", e.name.to_uppercase()), last + 1));
                }
                _ => e.values.last_mut().unwrap().1 += 7,
            }
            format!("change enum {}", e.name)
        }
        13 => {
            m.name.push('2');
            format!("rename message to {}", m.name)
        }
        14 if !m.messages.is_empty() => {
            let gone = m.messages.remove(0);
            format!("delete nested message {}", gone.name)
        }
        15 if !m.reserved.is_empty() => {
            m.reserved.clear();
            format!("drop reserved of {}", m.name)
        }
        16 => {
            m.options.push(
                rng.pick(&[
                    "deprecated = true",
                    "message_set_wire_format = true",
                    "no_standard_descriptor_accessor = true",
                ])
                .to_string(),
            );
            format!("re-option message {}", m.name)
        }
        17 if nfields > 1 => {
            m.fields.swap(0, nfields - 1);
            format!("reorder fields of {}", m.name)
        }
        18 if nfields > 0 => {
            if let Type::Scalar(s) = m.fields[fi].ty {
                m.fields[fi].ty = Type::Map("string", Box::new(Type::Scalar(s)));
                m.fields[fi].label = Label::Plain;
            }
            format!("map-ify field {}.{}", m.name, m.fields[fi].name)
        }
        _ => return file_step(schema, rng, at.0, file_count),
    })
}

fn file_step(schema: &mut Schema, rng: &mut Rng, fi: usize, count: usize) -> Option<String> {
    let f = &mut schema.files[fi];
    Some(match rng.below(12) {
        0 if f.messages.len() > 1 => {
            let gone = f.messages.remove(rng.below(f.messages.len()));
            format!("delete message {}", gone.name)
        }
        1 => {
            f.package = rng.pick(&["", "a", "shop.v2", "x.y.z"]).to_string();
            format!("change package of {}", f.path)
        }
        2 => {
            f.syntax = *rng.pick(&[
                Syntax::Proto2,
                Syntax::Proto3,
                Syntax::Proto3,
                Syntax::Edition2023,
            ]);
            format!("change syntax of {}", f.path)
        }
        3 => {
            if !f.options.is_empty() && rng.chance(50) {
                f.options.pop();
            } else {
                f.options.push(
                    rng.pick(&[
                        "java_package = \"com.example.other\"",
                        "go_package = \"example.com/other\"",
                        "optimize_for = SPEED",
                        "cc_generic_services = true",
                        "java_string_check_utf8 = true",
                        "php_generic_services = true",
                    ])
                    .to_string(),
                );
            }
            format!("re-option file {}", f.path)
        }
        4 if !f.services.is_empty() => {
            let s = &mut f.services[0];
            if s.rpcs.len() > 1 && rng.chance(40) {
                s.rpcs.pop();
            } else {
                let r: &mut Rpc = &mut s.rpcs[0];
                match rng.below(4) {
                    0 => r.client_streaming = !r.client_streaming,
                    1 => r.server_streaming = !r.server_streaming,
                    2 => std::mem::swap(&mut r.input, &mut r.output),
                    _ => r.options.push("idempotency_level = IDEMPOTENT".into()),
                }
            }
            format!("change service {}", s.name)
        }
        5 if !f.services.is_empty() => {
            let gone = f.services.remove(0);
            format!("delete service {}", gone.name)
        }
        6 if count > 1 => {
            let gone = schema.files.remove(fi);
            format!("delete file {}", gone.path)
        }
        7 => {
            f.path = f.path.replace(".proto", "_moved.proto");
            format!("rename file to {}", f.path)
        }
        8 if !f.enums.is_empty() => {
            let gone = f.enums.remove(0);
            format!("delete enum {}", gone.name)
        }
        9 if count > 1 && !f.messages.is_empty() => {
            let m = f.messages.pop().unwrap();
            let to = (fi + 1) % count;
            let name = m.name.clone();
            schema.files[to].messages.push(m);
            format!("move message {name} to another file")
        }
        10 => {
            f.imports.clear();
            format!("drop imports of {}", f.path)
        }
        _ => {
            let mut added = Rng::new(rng.next_u64());
            let extra = schema::generate(&mut added);
            let mut file = extra.files.last().unwrap().clone();
            file.path = format!("added/{}", file.path);
            file.imports
                .retain(|i| !i.contains("f0") && !i.contains("f1"));
            schema.files.push(file);
            "add file".into()
        }
    })
}
