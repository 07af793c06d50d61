//! Semantic equality of what a writer meant and what a reader saw, field by field, each value
//! read with the type its side declares: integers compare as numbers (so varint widening is
//! equal and a truncation or a zigzag misreading is not), floats as numbers with NaN equal to
//! NaN, strings and bytes as byte strings, maps as sets, an empty repeated field as absent.
//! `DynamicMessage`'s `==` is never used.

use std::collections::BTreeSet;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};

use super::text::{kind_name, scalar, typed};
use super::wire::{
    accepts, default_val, encode, field_wire_type, is_zero, wire_type_name, Msg, Path, Reader,
    Slot, Val,
};
use super::Side;

/// One way the reader's view differs from the writer's.
#[derive(Clone, Debug)]
pub struct Diff {
    pub text: String,
    /// The writer's field where it shows (message full name, number).
    pub writer_field: Option<(String, u32)>,
    /// The reader's field where it shows.
    pub reader_field: Option<(String, u32)>,
}

pub struct Cmp<'s, 'a> {
    pub writer: &'s Side<'a>,
    pub reader: &'s Side<'a>,
    /// Pair fields by JSON key instead of number: through the JSON mapping a writer's field
    /// reaches the reader's field whose JSON name, or proto name, is the key it printed.
    pub by_json_name: bool,
}

/// A field's contents, shaped for comparison.
enum Shape<'v> {
    One(Option<&'v Val>),
    Many(Vec<&'v Val>),
    Map(&'v [(Val, Val)]),
}

fn shape<'v>(f: &FieldDescriptor, slot: Option<&'v Slot>) -> Shape<'v> {
    match slot {
        Some(Slot::One(v)) => Shape::One(Some(v)),
        Some(Slot::List(l)) => Shape::Many(l.iter().collect()),
        Some(Slot::Map(m)) => Shape::Map(m),
        None if f.is_map() => Shape::Map(&[]),
        None if f.is_list() => Shape::Many(Vec::new()),
        None => Shape::One(None),
    }
}

/// A number as a reader holds it.
enum Num {
    Int(i128),
    Float(f64),
}

fn num(v: &Val) -> Option<Num> {
    Some(match v {
        Val::Bool(b) => Num::Int(*b as i128),
        Val::I32(x) | Val::Enum(x) => Num::Int(*x as i128),
        Val::I64(x) => Num::Int(*x as i128),
        Val::U32(x) => Num::Int(*x as i128),
        Val::U64(x) => Num::Int(*x as i128),
        Val::F32(x) => Num::Float(*x as f64),
        Val::F64(x) => Num::Float(*x),
        _ => return None,
    })
}

fn num_eq(a: &Num, b: &Num) -> bool {
    match (a, b) {
        (Num::Int(a), Num::Int(b)) => a == b,
        (Num::Float(a), Num::Float(b)) => (a.is_nan() && b.is_nan()) || a == b,
        (Num::Int(i), Num::Float(f)) | (Num::Float(f), Num::Int(i)) => {
            f.fract() == 0.0 && (*i as f64) == *f && (*f as i128) == *i
        }
    }
}

fn entry_kind(f: &FieldDescriptor) -> Kind {
    f.kind()
}

impl Cmp<'_, '_> {
    /// Compares two top-level messages (see [`Cmp::messages_at`]).
    pub fn messages(
        &self,
        wd: &MessageDescriptor,
        w: &Msg,
        rd: &MessageDescriptor,
        r: &Msg,
        out: &mut Vec<Diff>,
    ) {
        self.messages_at(wd, w, rd, r, &Path::Top, out)
    }

    /// Compares every field both sides declare; fields only the writer declares were kept as
    /// unknown by the reader and are checked by the relay.
    fn messages_at(
        &self,
        wd: &MessageDescriptor,
        w: &Msg,
        rd: &MessageDescriptor,
        r: &Msg,
        path: &Path,
        out: &mut Vec<Diff>,
    ) {
        if self.by_json_name {
            return self.messages_by_json_name(wd, w, rd, r, path, out);
        }
        let numbers: BTreeSet<u32> = wd
            .fields()
            .map(|f| f.number())
            .chain(rd.fields().map(|f| f.number()))
            .collect();
        for n in numbers {
            match (wd.get_field(n), rd.get_field(n)) {
                (Some(wf), Some(rf)) => self.field(wd, &wf, w, rd, &rf, r, path, out),
                (None, Some(rf)) if r.fields.contains_key(&n) => out.push(Diff {
                    text: format!(
                        "{}: the reader sees a value the writer never wrote",
                        Path::Field(path, rf.name())
                    ),
                    writer_field: None,
                    reader_field: Some((rd.full_name().to_string(), n)),
                }),
                _ => {}
            }
        }
    }

    /// [`Self::messages`] through the JSON mapping: each writer field is read by the reader
    /// field that accepts its JSON key (`json_name`, or the proto name, as JSON parsers
    /// accept both); a reader field no key reaches must hold nothing.
    fn messages_by_json_name(
        &self,
        wd: &MessageDescriptor,
        w: &Msg,
        rd: &MessageDescriptor,
        r: &Msg,
        path: &Path,
        out: &mut Vec<Diff>,
    ) {
        let mut reached: BTreeSet<u32> = BTreeSet::new();
        for wf in wd.fields() {
            let key = wf.json_name();
            let Some(rf) = rd
                .fields()
                .find(|rf| rf.json_name() == key || rf.name() == key)
            else {
                // The reader ignores a key it does not know. That loses nothing it declares,
                // unless it declares the same data (the field's number) under another name.
                if let (Some(rf), Some(slot)) =
                    (rd.get_field(wf.number()), w.fields.get(&wf.number()))
                {
                    out.push(Diff {
                        text: format!(
                            "{}: {} read as missing: the reader ignores the JSON key \"{key}\" (its field {} is \"{}\")",
                            Path::Field(path, wf.name()),
                            describe(self.writer, &wf, &shape(&wf, Some(slot))),
                            rf.name(),
                            rf.json_name()
                        ),
                        writer_field: Some((wd.full_name().to_string(), wf.number())),
                        reader_field: Some((rd.full_name().to_string(), rf.number())),
                    });
                }
                continue;
            };
            reached.insert(rf.number());
            self.field(wd, &wf, w, rd, &rf, r, path, out);
        }
        for rf in rd.fields() {
            if !reached.contains(&rf.number()) && r.fields.contains_key(&rf.number()) {
                out.push(Diff {
                    text: format!(
                        "{}: the reader sees a value the writer never wrote",
                        Path::Field(path, rf.name())
                    ),
                    writer_field: None,
                    reader_field: Some((rd.full_name().to_string(), rf.number())),
                });
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn field(
        &self,
        wd: &MessageDescriptor,
        wf: &FieldDescriptor,
        w: &Msg,
        rd: &MessageDescriptor,
        rf: &FieldDescriptor,
        r: &Msg,
        path: &Path,
        out: &mut Vec<Diff>,
    ) {
        let n = wf.number();
        let fpath = Path::Field(path, wf.name());
        let label = if rf.name() != wf.name() {
            format!("{}: ", rf.name())
        } else {
            String::new()
        };
        let ws = shape(wf, w.fields.get(&n));
        let rs = shape(rf, r.fields.get(&rf.number()));
        let (wk, rk) = (entry_kind(wf), entry_kind(rf));
        let before = out.len();
        let whole = |out: &mut Vec<Diff>| {
            out.push(Diff {
                text: format!(
                    "{fpath}: {} read as {label}{}{}",
                    describe(self.writer, wf, &ws),
                    describe(self.reader, rf, &rs),
                    self.unknown_note(wf, rf, r)
                ),
                writer_field: None,
                reader_field: None,
            })
        };
        match (&ws, &rs) {
            (Shape::One(wv), Shape::One(rv)) => match (wv, rv) {
                (None, None) => {
                    // An unset field reads as its declared default: every scalar kind
                    // (strings and bytes too) must default to the same value.
                    let (dw, dr) = (default_val(wf), default_val(rf));
                    // (Defaults of unrelated kinds, a number and a string, say nothing: the
                    // type change shows when the field is set.)
                    let comparable = (num(&dw).is_some() && num(&dr).is_some())
                        || matches!(
                            (&dw, &dr),
                            (Val::Str(_) | Val::Bytes(_), Val::Str(_) | Val::Bytes(_))
                        );
                    if comparable && !self.scalars_eq(&dw, &wk, &dr, &rk) {
                        out.push(Diff {
                            text: format!(
                                "{fpath}: unset, default {} read as {label}unset, default {}",
                                typed(&dw, &wk),
                                typed(&dr, &rk)
                            ),
                            writer_field: None,
                            reader_field: None,
                        });
                    }
                }
                (Some(v), None) => {
                    let dr = default_val(rf);
                    let zero_ok =
                        self.reader.implicit_presence(rf) && self.scalars_eq(v, &wk, &dr, &rk);
                    if !zero_ok {
                        whole(out);
                    }
                }
                (None, Some(v)) => {
                    let dw = default_val(wf);
                    let zero_ok =
                        self.writer.implicit_presence(wf) && self.scalars_eq(&dw, &wk, v, &rk);
                    if !zero_ok {
                        whole(out);
                    }
                }
                (Some(a), Some(b)) => {
                    self.value(a, &wk, b, &rk, &fpath, &label, out);
                }
            },
            (Shape::One(wv), Shape::Many(rl)) => {
                let ok = match (wv, rl.as_slice()) {
                    (None, []) => true,
                    (Some(a), [b]) => self.value(a, &wk, b, &rk, &fpath, &label, out),
                    _ => false,
                };
                if !ok && out.len() == before {
                    whole(out);
                }
            }
            (Shape::Many(wl), Shape::One(rv)) => {
                let ok = match (wl.as_slice(), rv) {
                    ([], None) => true,
                    ([a], Some(b)) => self.value(a, &wk, b, &rk, &fpath, &label, out),
                    ([a], None) => {
                        self.reader.implicit_presence(rf)
                            && self.scalars_eq(a, &wk, &default_val(rf), &rk)
                    }
                    _ => false,
                };
                if !ok && out.len() == before {
                    whole(out);
                }
            }
            (Shape::Many(wl), Shape::Many(rl)) => {
                if wl.len() != rl.len() {
                    whole(out);
                } else {
                    for (i, (a, b)) in wl.iter().zip(rl.iter()).enumerate() {
                        self.value(a, &wk, b, &rk, &Path::Index(&fpath, i), &label, out);
                    }
                }
            }
            (Shape::Map(wm), Shape::Map(rm)) => {
                let (Kind::Message(we), Kind::Message(re)) = (&wk, &rk) else {
                    return;
                };
                let (wkf, wvf) = (we.map_entry_key_field(), we.map_entry_value_field());
                let (rkf, rvf) = (re.map_entry_key_field(), re.map_entry_value_field());
                let mut matched = vec![false; rm.len()];
                for (k, v) in wm.iter() {
                    let key = scalar(k, &wkf.kind());
                    let kpath = Path::Key(&fpath, &key);
                    let found = rm.iter().enumerate().find(|(i, (rk2, _))| {
                        !matched[*i] && self.scalars_eq(k, &wkf.kind(), rk2, &rkf.kind())
                    });
                    match found {
                        Some((i, (_, rv))) => {
                            matched[i] = true;
                            self.value(v, &wvf.kind(), rv, &rvf.kind(), &kpath, &label, out);
                        }
                        None => out.push(Diff {
                            text: format!(
                                "{kpath}: {} read as missing{}",
                                typed(v, &wvf.kind()),
                                self.unknown_note(wf, rf, r)
                            ),
                            writer_field: None,
                            reader_field: None,
                        }),
                    }
                }
                if matched.iter().any(|m| !m) && out.len() == before {
                    whole(out);
                }
            }
            // A map on one side, repeated entries (or a single one) on the other.
            _ => {
                let we = entries(self.writer, wf, &ws);
                let re = entries(self.reader, rf, &rs);
                let ok = we.len() == re.len()
                    && we.iter().all(|a| {
                        re.iter()
                            .any(|b| self.messages_eq(a, &wk, b, &rk) || a.as_ref() == b.as_ref())
                    });
                if !ok {
                    whole(out);
                }
            }
        }
        for d in &mut out[before..] {
            if d.writer_field.is_none() {
                d.writer_field = Some((wd.full_name().to_string(), n));
            }
            if d.reader_field.is_none() {
                d.reader_field = Some((rd.full_name().to_string(), rf.number()));
            }
        }
    }

    /// Explains why a reader holds nothing where the writer wrote something.
    fn unknown_note(&self, wf: &FieldDescriptor, rf: &FieldDescriptor, r: &Msg) -> String {
        let Some(u) = r.unknown.iter().find(|u| u.number == rf.number()) else {
            return String::new();
        };
        let wt = u.raw.wire_type();
        if !accepts(rf, wt) {
            return format!(
                " (the reader kept it as an unknown field: the {} data has wire type {}, {} expects {})",
                kind_name(&wf.kind()),
                wire_type_name(wt),
                kind_name(&rf.kind()),
                wire_type_name(field_wire_type(rf))
            );
        }
        if let Kind::Enum(e) = rf.kind() {
            if self.reader.enum_closed(&e) {
                return format!(
                    " ({} is closed: the reader moved numbers it does not declare to unknown fields)",
                    e.full_name()
                );
            }
        }
        " (the reader kept it as an unknown field)".to_string()
    }

    /// Compares two values, pushing a diff (or nested diffs) when they differ.
    #[allow(clippy::too_many_arguments)]
    fn value(
        &self,
        a: &Val,
        ak: &Kind,
        b: &Val,
        bk: &Kind,
        path: &Path,
        label: &str,
        out: &mut Vec<Diff>,
    ) -> bool {
        match (a, ak, b, bk) {
            (Val::Msg(wm), Kind::Message(wd), Val::Msg(rm), Kind::Message(rd)) => {
                let before = out.len();
                self.messages_at(wd, wm, rd, rm, path, out);
                out.len() == before
            }
            _ => {
                if self.scalars_eq(a, ak, b, bk) {
                    true
                } else {
                    out.push(Diff {
                        text: format!("{path}: {} read as {label}{}", typed(a, ak), typed(b, bk)),
                        writer_field: None,
                        reader_field: None,
                    });
                    false
                }
            }
        }
    }

    fn messages_eq(&self, a: &Val, ak: &Kind, b: &Val, bk: &Kind) -> bool {
        let mut scratch = Vec::new();
        self.value(a, ak, b, bk, &Path::Top, "", &mut scratch) && scratch.is_empty()
    }

    /// Whether two single values mean the same, each read with its own declared type.
    pub fn scalars_eq(&self, a: &Val, ak: &Kind, b: &Val, bk: &Kind) -> bool {
        if let (Some(x), Some(y)) = (num(a), num(b)) {
            return num_eq(&x, &y);
        }
        match (a, ak, b, bk) {
            (Val::Str(x) | Val::Bytes(x), _, Val::Str(y) | Val::Bytes(y), _) => x == y,
            (Val::Msg(_), _, Val::Msg(_), _) => self.messages_eq(a, ak, b, bk),
            // The writer's message, held as bytes by the reader: the same if the bytes
            // read back (by the writer's declarations) as the same message.
            (Val::Msg(m), Kind::Message(md), Val::Bytes(x) | Val::Str(x), _) => {
                let own = Reader { side: self.writer };
                match own.decode(md, x) {
                    Ok(back) => {
                        let same = Cmp {
                            writer: self.writer,
                            reader: self.writer,
                            by_json_name: false,
                        };
                        let mut scratch = Vec::new();
                        same.messages(md, m, md, &back, &mut scratch);
                        scratch.is_empty()
                    }
                    Err(_) => false,
                }
            }
            // Bytes read as a message: the same only if the reader writes them back unchanged.
            (Val::Bytes(x) | Val::Str(x), _, Val::Msg(m), Kind::Message(md)) => {
                encode(self.reader, md, m) == *x
            }
            _ => false,
        }
    }
}

/// A map's entries (or a list's elements) as messages, for comparing a map with repeated
/// entry messages.
fn entries<'v>(side: &Side, f: &FieldDescriptor, s: &Shape<'v>) -> Vec<std::borrow::Cow<'v, Val>> {
    use std::borrow::Cow;
    let entry_fields = match f.kind() {
        Kind::Message(e) if f.is_map() => {
            Some((e.map_entry_key_field(), e.map_entry_value_field()))
        }
        _ => None,
    };
    match s {
        Shape::One(None) => Vec::new(),
        Shape::One(Some(v)) => vec![Cow::Borrowed(*v)],
        Shape::Many(l) => l.iter().map(|v| Cow::Borrowed(*v)).collect(),
        Shape::Map(m) => m
            .iter()
            .map(|(k, v)| {
                // As a reader of the entry message holds it: zero values unset.
                let mut e = Msg::default();
                for (number, x, ef) in [
                    (1, k, entry_fields.as_ref().map(|p| &p.0)),
                    (2, v, entry_fields.as_ref().map(|p| &p.1)),
                ] {
                    if !(ef.is_some_and(|f| side.implicit_presence(f)) && is_zero(x)) {
                        e.fields.insert(number, Slot::One(x.clone()));
                    }
                }
                Cow::Owned(Val::Msg(e))
            })
            .collect(),
    }
}

/// A field's contents with its declared type, as a counterexample shows them.
fn describe(side: &Side, f: &FieldDescriptor, s: &Shape) -> String {
    let k = f.kind();
    match s {
        // Without presence an unset field reads as its zero.
        Shape::One(None) if side.implicit_presence(f) => typed(&default_val(f), &k),
        Shape::One(None) => format!("unset ({})", kind_name(&k)),
        Shape::One(Some(v)) => typed(v, &k),
        Shape::Many(l) => format!(
            "[{}] (repeated {})",
            l.iter()
                .map(|v| scalar(v, &k))
                .collect::<Vec<_>>()
                .join(", "),
            kind_name(&k)
        ),
        Shape::Map(m) => {
            let (kk, vk) = match &k {
                Kind::Message(e) => (
                    e.map_entry_key_field().kind(),
                    e.map_entry_value_field().kind(),
                ),
                _ => (k.clone(), k.clone()),
            };
            format!(
                "{{{}}} (map<{}, {}>)",
                m.iter()
                    .map(|(a, b)| format!("{}: {}", scalar(a, &kk), scalar(b, &vk)))
                    .collect::<Vec<_>>()
                    .join(", "),
                kind_name(&kk),
                kind_name(&vk)
            )
        }
    }
}
