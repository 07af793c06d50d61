//! The binary wire format as the reference implementations (C++, Java, Go) read and write it.
//!
//! prost-reflect's decoder is not used to play a reader: it fails on a field whose wire type
//! does not match its declaration (real readers keep it as an unknown field), it rejects
//! invalid UTF-8 in proto2 strings (real proto2 readers accept it) and it treats every enum as
//! open. This module reads and writes [`Msg`] trees with the semantics of the reference
//! implementations instead, taking only the descriptors from prost-reflect.
//!
//! Why one file of over 800 lines: about 150 of them are tests; the encoder and the decoder
//! are kept side by side so that each wire rule is read once for both directions.

use std::collections::BTreeMap;

use prost_reflect::{FieldDescriptor, Kind, MessageDescriptor};

use super::Side;

/// Deepest nesting a reader accepts (the reference implementations use 100).
const MAX_DEPTH: u32 = 100;

/// One value of a field, typed by the declaration of the side that holds it.
#[derive(Clone, Debug, PartialEq)]
pub enum Val {
    Bool(bool),
    I32(i32),
    I64(i64),
    U32(u32),
    U64(u64),
    F32(f32),
    F64(f64),
    /// A `string` field's bytes: valid UTF-8 unless a proto2 reader accepted invalid data.
    Str(Vec<u8>),
    Bytes(Vec<u8>),
    Enum(i32),
    Msg(Msg),
}

/// What a field holds.
#[derive(Clone, Debug, PartialEq)]
pub enum Slot {
    One(Val),
    List(Vec<Val>),
    /// Entries in the order they were read, keys distinct.
    Map(Vec<(Val, Val)>),
}

/// A message as one side holds it: known fields by number, then what it did not understand.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Msg {
    pub fields: BTreeMap<u32, Slot>,
    pub unknown: Vec<Unknown>,
}

/// A field kept as unknown, with its raw value.
#[derive(Clone, Debug, PartialEq)]
pub struct Unknown {
    pub number: u32,
    pub raw: Raw,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Raw {
    Varint(u64),
    Fixed64(u64),
    Len(Vec<u8>),
    Group(Vec<Unknown>),
    Fixed32(u32),
}

impl Raw {
    pub fn wire_type(&self) -> u8 {
        match self {
            Raw::Varint(_) => 0,
            Raw::Fixed64(_) => 1,
            Raw::Len(_) => 2,
            Raw::Group(_) => 3,
            Raw::Fixed32(_) => 5,
        }
    }
}

/// Why a reader refused the bytes, and at which field.
#[derive(Clone, Debug)]
pub struct ParseError {
    /// Field path from the top-level message, in the reader's names.
    pub path: String,
    pub reason: String,
    /// The reader's field (message full name, number) that failed, if a field did.
    pub field: Option<(String, u32)>,
}

pub fn wire_type_name(wt: u8) -> &'static str {
    match wt {
        0 => "VARINT",
        1 => "I64",
        2 => "LEN",
        3 => "SGROUP",
        4 => "EGROUP",
        5 => "I32",
        _ => "invalid",
    }
}

/// The wire type a field's single value is written with.
pub fn field_wire_type(f: &FieldDescriptor) -> u8 {
    if f.is_group() {
        return 3;
    }
    kind_wire_type(&f.kind())
}

pub fn kind_wire_type(k: &Kind) -> u8 {
    match k {
        Kind::Double | Kind::Fixed64 | Kind::Sfixed64 => 1,
        Kind::Float | Kind::Fixed32 | Kind::Sfixed32 => 5,
        Kind::String | Kind::Bytes | Kind::Message(_) => 2,
        _ => 0,
    }
}

/// Whether a kind can be packed (numeric scalars and enums).
pub fn packable(k: &Kind) -> bool {
    kind_wire_type(k) != 2
}

/// Whether a reader of field `f` takes a value written with wire type `wt`; otherwise the
/// reference readers keep it as an unknown field.
pub fn accepts(f: &FieldDescriptor, wt: u8) -> bool {
    let own = field_wire_type(f);
    wt == own || (wt == 2 && f.is_list() && packable(&f.kind()))
}

/// The value of a field that is not set: its declared default, else the zero of its type.
pub fn default_val(f: &FieldDescriptor) -> Val {
    use prost_reflect::Value as V;
    if let Kind::Message(_) = f.kind() {
        return Val::Msg(Msg::default());
    }
    match f.default_value() {
        V::Bool(b) => Val::Bool(b),
        V::I32(v) => Val::I32(v),
        V::I64(v) => Val::I64(v),
        V::U32(v) => Val::U32(v),
        V::U64(v) => Val::U64(v),
        V::F32(v) => Val::F32(v),
        V::F64(v) => Val::F64(v),
        V::String(s) => Val::Str(s.into_bytes()),
        V::Bytes(b) => Val::Bytes(b.to_vec()),
        V::EnumNumber(n) => Val::Enum(n),
        _ => Val::Msg(Msg::default()),
    }
}

/// The zero value an implicit-presence field does not write (floats compare by bits: a
/// proto3 writer does write `-0.0`).
pub fn is_zero(v: &Val) -> bool {
    match v {
        Val::Bool(b) => !b,
        Val::I32(x) | Val::Enum(x) => *x == 0,
        Val::I64(x) => *x == 0,
        Val::U32(x) => *x == 0,
        Val::U64(x) => *x == 0,
        Val::F32(x) => x.to_bits() == 0,
        Val::F64(x) => x.to_bits() == 0,
        Val::Str(b) | Val::Bytes(b) => b.is_empty(),
        Val::Msg(_) => false,
    }
}

/// A singular field without presence by prost-reflect's account (proto3 without `optional`);
/// [`Side::implicit_presence`] adds editions fields with `field_presence = IMPLICIT`.
pub fn implicit_presence(f: &FieldDescriptor) -> bool {
    !f.is_list() && !f.is_map() && !f.supports_presence() && !f.is_required()
}

// ---- writing ------------------------------------------------------------------------------

fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

fn put_tag(out: &mut Vec<u8>, number: u32, wt: u8) {
    put_varint(out, ((number as u64) << 3) | wt as u64);
}

fn put_len(out: &mut Vec<u8>, number: u32, data: &[u8]) {
    put_tag(out, number, 2);
    put_varint(out, data.len() as u64);
    out.extend_from_slice(data);
}

/// Writes `msg` as a writer declaring `desc` does: known fields in number order (implicit
/// zero values omitted, repeated scalars packed where the declaration says so, map entries
/// with both key and value), then the unknown fields it kept, in the order it read them.
pub fn encode(side: &Side, desc: &MessageDescriptor, msg: &Msg) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(side, desc, msg, &mut out);
    out
}

fn encode_into(side: &Side, desc: &MessageDescriptor, msg: &Msg, out: &mut Vec<u8>) {
    for (&number, slot) in &msg.fields {
        let Some(f) = desc.get_field(number) else {
            continue;
        };
        match slot {
            Slot::One(v) => {
                if side.implicit_presence(&f) && is_zero(v) {
                    continue;
                }
                encode_value(side, &f, number, v, out);
            }
            Slot::List(items) => {
                if items.is_empty() {
                    continue;
                }
                if f.is_packed() && packable(&f.kind()) {
                    let mut body = Vec::new();
                    for v in items {
                        encode_bare(&f.kind(), v, &mut body);
                    }
                    put_len(out, number, &body);
                } else {
                    for v in items {
                        encode_value(side, &f, number, v, out);
                    }
                }
            }
            Slot::Map(entries) => {
                let Kind::Message(entry) = f.kind() else {
                    continue;
                };
                let (kf, vf) = (entry.map_entry_key_field(), entry.map_entry_value_field());
                for (k, v) in entries {
                    let mut body = Vec::new();
                    encode_value(side, &kf, 1, k, &mut body);
                    encode_value(side, &vf, 2, v, &mut body);
                    put_len(out, number, &body);
                }
            }
        }
    }
    for u in &msg.unknown {
        encode_unknown(u, out);
    }
}

fn encode_unknown(u: &Unknown, out: &mut Vec<u8>) {
    put_tag(out, u.number, u.raw.wire_type());
    match &u.raw {
        Raw::Varint(v) => put_varint(out, *v),
        Raw::Fixed64(v) => out.extend_from_slice(&v.to_le_bytes()),
        Raw::Fixed32(v) => out.extend_from_slice(&v.to_le_bytes()),
        Raw::Len(b) => {
            put_varint(out, b.len() as u64);
            out.extend_from_slice(b);
        }
        Raw::Group(items) => {
            for i in items {
                encode_unknown(i, out);
            }
            put_tag(out, u.number, 4);
        }
    }
}

/// One value with its tag.
fn encode_value(side: &Side, f: &FieldDescriptor, number: u32, v: &Val, out: &mut Vec<u8>) {
    let kind = f.kind();
    match (v, &kind) {
        (Val::Msg(m), Kind::Message(d)) => {
            if f.is_group() {
                put_tag(out, number, 3);
                encode_into(side, d, m, out);
                put_tag(out, number, 4);
            } else {
                put_len(out, number, &encode(side, d, m));
            }
        }
        (Val::Str(b) | Val::Bytes(b), _) => put_len(out, number, b),
        _ => {
            put_tag(out, number, kind_wire_type(&kind));
            encode_bare(&kind, v, out);
        }
    }
}

/// A scalar value without its tag.
fn encode_bare(kind: &Kind, v: &Val, out: &mut Vec<u8>) {
    match (kind, v) {
        (Kind::Sint32, Val::I32(x)) => put_varint(out, ((x << 1) ^ (x >> 31)) as u32 as u64),
        (Kind::Sint64, Val::I64(x)) => put_varint(out, ((x << 1) ^ (x >> 63)) as u64),
        (Kind::Sfixed32, Val::I32(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Kind::Fixed32, Val::U32(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Kind::Float, Val::F32(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Kind::Sfixed64, Val::I64(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Kind::Fixed64, Val::U64(x)) => out.extend_from_slice(&x.to_le_bytes()),
        (Kind::Double, Val::F64(x)) => out.extend_from_slice(&x.to_le_bytes()),
        // int32 and enums sign-extend to ten bytes, as every reference writer does.
        (_, Val::I32(x) | Val::Enum(x)) => put_varint(out, *x as i64 as u64),
        (_, Val::I64(x)) => put_varint(out, *x as u64),
        (_, Val::U32(x)) => put_varint(out, *x as u64),
        (_, Val::U64(x)) => put_varint(out, *x),
        (_, Val::Bool(b)) => put_varint(out, *b as u64),
        // A value that does not fit its kind is a bug in the caller: write nothing.
        _ => debug_assert!(false, "{v:?} written as {kind:?}"),
    }
}

// ---- reading ------------------------------------------------------------------------------

struct Cursor<'b> {
    buf: &'b [u8],
    pos: usize,
}

impl<'b> Cursor<'b> {
    fn done(&self) -> bool {
        self.pos >= self.buf.len()
    }
    fn varint(&mut self) -> Result<u64, String> {
        let mut v: u64 = 0;
        for i in 0..10 {
            let Some(&b) = self.buf.get(self.pos) else {
                return Err("truncated varint".into());
            };
            self.pos += 1;
            v |= ((b & 0x7f) as u64) << (7 * i);
            if b < 0x80 {
                return Ok(v);
            }
        }
        Err("varint longer than ten bytes".into())
    }
    fn take(&mut self, n: usize) -> Result<&'b [u8], String> {
        if self.buf.len() - self.pos < n {
            return Err("truncated value".into());
        }
        let s = &self.buf[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }
    fn fixed32(&mut self) -> Result<u32, String> {
        Ok(u32::from_le_bytes(self.take(4)?.try_into().unwrap()))
    }
    fn fixed64(&mut self) -> Result<u64, String> {
        Ok(u64::from_le_bytes(self.take(8)?.try_into().unwrap()))
    }
    fn len_delimited(&mut self) -> Result<&'b [u8], String> {
        let n = self.varint()?;
        if n > (self.buf.len() - self.pos) as u64 {
            return Err("length past the end of the buffer".into());
        }
        self.take(n as usize)
    }
    /// A tag: field number and wire type.
    fn tag(&mut self) -> Result<(u32, u8), String> {
        let key = self.varint()?;
        if key > u32::MAX as u64 {
            return Err("tag out of range".into());
        }
        let number = (key >> 3) as u32;
        let wt = (key & 7) as u8;
        if number == 0 {
            return Err("field number 0".into());
        }
        if wt > 5 {
            return Err(format!("invalid wire type {wt}"));
        }
        Ok((number, wt))
    }
}

/// Reads one raw value of wire type `wt` (a group up to its end tag).
fn read_raw(c: &mut Cursor, number: u32, wt: u8, depth: u32) -> Result<Raw, String> {
    Ok(match wt {
        0 => Raw::Varint(c.varint()?),
        1 => Raw::Fixed64(c.fixed64()?),
        2 => Raw::Len(c.len_delimited()?.to_vec()),
        5 => Raw::Fixed32(c.fixed32()?),
        3 => {
            if depth > MAX_DEPTH {
                return Err("nesting too deep".into());
            }
            let mut items = Vec::new();
            loop {
                if c.done() {
                    return Err(format!("group {number} has no end tag"));
                }
                let (n, w) = c.tag()?;
                if w == 4 {
                    if n != number {
                        return Err(format!("group {number} ended by the end tag of {n}"));
                    }
                    break;
                }
                items.push(Unknown {
                    number: n,
                    raw: read_raw(c, n, w, depth + 1)?,
                });
            }
            Raw::Group(items)
        }
        _ => return Err(format!("unexpected end-group tag for field {number}")),
    })
}

/// A reader: one side's declarations, read the way the reference implementations read.
pub struct Reader<'s, 'a> {
    pub side: &'s Side<'a>,
}

impl Reader<'_, '_> {
    /// Parses a top-level message and checks its required fields, as `ParseFromString` does.
    pub fn decode(&self, desc: &MessageDescriptor, bytes: &[u8]) -> Result<Msg, ParseError> {
        let mut msg = Msg::default();
        let mut c = Cursor { buf: bytes, pos: 0 };
        self.merge(desc, &mut msg, &mut c, None, 0, &Path::Top)?;
        check_required(desc, &msg, &Path::Top)?;
        Ok(msg)
    }

    /// Merges fields into `msg` until the end of the buffer (or the end tag of `group`).
    fn merge(
        &self,
        desc: &MessageDescriptor,
        msg: &mut Msg,
        c: &mut Cursor,
        group: Option<u32>,
        depth: u32,
        path: &Path,
    ) -> Result<(), ParseError> {
        let err = |reason: String| ParseError {
            path: path.render(),
            reason,
            field: None,
        };
        if depth > MAX_DEPTH {
            return Err(err("nesting too deep".into()));
        }
        loop {
            if c.done() {
                return match group {
                    Some(n) => Err(err(format!("group {n} has no end tag"))),
                    None => Ok(()),
                };
            }
            let (number, wt) = c.tag().map_err(err)?;
            if wt == 4 {
                return match group {
                    Some(n) if n == number => Ok(()),
                    _ => Err(err(format!("unexpected end-group tag for field {number}"))),
                };
            }
            match desc.get_field(number) {
                Some(f) if accepts(&f, wt) => {
                    let fpath = Path::Field(path, f.name());
                    self.read_field(desc, &f, wt, msg, c, depth, &fpath)
                        .map_err(|mut e| {
                            if e.field.is_none() {
                                e.field = Some((desc.full_name().to_string(), number));
                            }
                            e
                        })?;
                }
                _ => {
                    let raw = read_raw(c, number, wt, depth).map_err(err)?;
                    msg.unknown.push(Unknown { number, raw });
                }
            }
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn read_field(
        &self,
        desc: &MessageDescriptor,
        f: &FieldDescriptor,
        wt: u8,
        msg: &mut Msg,
        c: &mut Cursor,
        depth: u32,
        path: &Path,
    ) -> Result<(), ParseError> {
        let number = f.number();
        let err = |reason: String| ParseError {
            path: path.render(),
            reason,
            field: Some((desc.full_name().to_string(), number)),
        };
        let kind = f.kind();
        if f.is_map() {
            let Kind::Message(entry) = kind else {
                unreachable!("map field without an entry type")
            };
            let bytes = c.len_delimited().map_err(err)?;
            let mut e = Msg::default();
            let mut ec = Cursor { buf: bytes, pos: 0 };
            self.merge(&entry, &mut e, &mut ec, None, depth + 1, path)?;
            let key_f = entry.map_entry_key_field();
            let val_f = entry.map_entry_value_field();
            let take = |e: &mut Msg, f: &FieldDescriptor| match e.fields.remove(&f.number()) {
                Some(Slot::One(v)) => v,
                _ => default_val(f),
            };
            let k = take(&mut e, &key_f);
            let v = take(&mut e, &val_f);
            // An enum value a closed enum does not declare sends the whole entry to the
            // unknown fields (as C++ and Java do).
            if let Some(Unknown { .. }) = e
                .unknown
                .iter()
                .find(|u| u.number == 2 && matches!(val_f.kind(), Kind::Enum(_)))
            {
                msg.unknown.push(Unknown {
                    number,
                    raw: Raw::Len(bytes.to_vec()),
                });
                return Ok(());
            }
            if let Val::Msg(m) = &v {
                if let Kind::Message(vd) = val_f.kind() {
                    check_required(&vd, m, path)?;
                }
            }
            let slot = msg
                .fields
                .entry(number)
                .or_insert_with(|| Slot::Map(Vec::new()));
            if let Slot::Map(entries) = slot {
                match entries.iter_mut().find(|(ek, _)| *ek == k) {
                    Some(existing) => existing.1 = v,
                    None => entries.push((k, v)),
                }
            }
            return Ok(());
        }
        if let Kind::Message(sub) = &kind {
            let i = if f.is_list() {
                match msg.fields.get(&number) {
                    Some(Slot::List(l)) => l.len(),
                    _ => 0,
                }
            } else {
                0
            };
            let sub_path = if f.is_list() {
                Path::Index(path, i)
            } else {
                *path
            };
            // A singular message read twice is merged; a repeated one gets a new element.
            let mut m = if f.is_list() {
                Msg::default()
            } else {
                match msg.fields.remove(&number) {
                    Some(Slot::One(Val::Msg(m))) => m,
                    _ => Msg::default(),
                }
            };
            if f.is_group() {
                self.merge(sub, &mut m, c, Some(number), depth + 1, &sub_path)?;
            } else {
                let bytes = c.len_delimited().map_err(err)?;
                let mut sc = Cursor { buf: bytes, pos: 0 };
                self.merge(sub, &mut m, &mut sc, None, depth + 1, &sub_path)?;
            }
            set(self.side, f, msg, Val::Msg(m));
            return Ok(());
        }
        if matches!(kind, Kind::String | Kind::Bytes) {
            let bytes = c.len_delimited().map_err(err)?.to_vec();
            let v = if kind == Kind::String {
                if self.side.utf8_verified(f) && std::str::from_utf8(&bytes).is_err() {
                    return Err(err(format!(
                        "string field `{}` holds invalid UTF-8 and {} validates it",
                        f.name(),
                        self.side.syntax_of(f)
                    )));
                }
                Val::Str(bytes)
            } else {
                Val::Bytes(bytes)
            };
            set(self.side, f, msg, v);
            return Ok(());
        }
        // Numeric scalars and enums, one value or a packed run.
        let mut values = Vec::new();
        if wt == 2 {
            let bytes = c.len_delimited().map_err(err)?;
            let mut pc = Cursor { buf: bytes, pos: 0 };
            while !pc.done() {
                values.push(read_scalar(&kind, kind_wire_type(&kind), &mut pc).map_err(err)?);
            }
        } else {
            values.push(read_scalar(&kind, wt, c).map_err(err)?);
        }
        for (v, raw) in values {
            if let (Kind::Enum(e), Val::Enum(n)) = (&kind, &v) {
                if self.side.enum_closed(e) && e.get_value(*n).is_none() {
                    msg.unknown.push(Unknown { number, raw });
                    continue;
                }
            }
            set(self.side, f, msg, v);
        }
        Ok(())
    }
}

/// Reads one numeric scalar; also returns its raw form (for a closed enum's unknown value).
fn read_scalar(kind: &Kind, wt: u8, c: &mut Cursor) -> Result<(Val, Raw), String> {
    Ok(match wt {
        0 => {
            let v = c.varint()?;
            let val = match kind {
                Kind::Int32 => Val::I32(v as i32),
                Kind::Int64 => Val::I64(v as i64),
                Kind::Uint32 => Val::U32(v as u32),
                Kind::Uint64 => Val::U64(v),
                Kind::Sint32 => {
                    let u = v as u32;
                    Val::I32(((u >> 1) as i32) ^ -((u & 1) as i32))
                }
                Kind::Sint64 => Val::I64(((v >> 1) as i64) ^ -((v & 1) as i64)),
                Kind::Bool => Val::Bool(v != 0),
                Kind::Enum(_) => Val::Enum(v as i32),
                _ => unreachable!("varint read as {kind:?}"),
            };
            (val, Raw::Varint(v))
        }
        5 => {
            let v = c.fixed32()?;
            let val = match kind {
                Kind::Fixed32 => Val::U32(v),
                Kind::Sfixed32 => Val::I32(v as i32),
                Kind::Float => Val::F32(f32::from_bits(v)),
                _ => unreachable!("fixed32 read as {kind:?}"),
            };
            (val, Raw::Fixed32(v))
        }
        _ => {
            let v = c.fixed64()?;
            let val = match kind {
                Kind::Fixed64 => Val::U64(v),
                Kind::Sfixed64 => Val::I64(v as i64),
                Kind::Double => Val::F64(f64::from_bits(v)),
                _ => unreachable!("fixed64 read as {kind:?}"),
            };
            (val, Raw::Fixed64(v))
        }
    })
}

/// Stores a value read for `f`: appended to a list, else replacing the field (and the other
/// members of its oneof); an implicit-presence zero reads as unset.
fn set(side: &Side, f: &FieldDescriptor, msg: &mut Msg, v: Val) {
    let number = f.number();
    if f.is_list() {
        match msg
            .fields
            .entry(number)
            .or_insert_with(|| Slot::List(Vec::new()))
        {
            Slot::List(l) => l.push(v),
            other => *other = Slot::List(vec![v]),
        }
        return;
    }
    if let Some(oneof) = f.containing_oneof() {
        for sibling in oneof.fields() {
            if sibling.number() != number {
                msg.fields.remove(&sibling.number());
            }
        }
    }
    if side.implicit_presence(f) && is_zero(&v) {
        msg.fields.remove(&number);
    } else {
        msg.fields.insert(number, Slot::One(v));
    }
}

/// Fails as `ParseFromString` does when a required field is missing, at any depth.
pub fn check_required(desc: &MessageDescriptor, msg: &Msg, path: &Path) -> Result<(), ParseError> {
    for f in desc.fields() {
        let fpath = Path::Field(path, f.name());
        match msg.fields.get(&f.number()) {
            None if f.is_required() => {
                return Err(ParseError {
                    path: fpath.render(),
                    reason: format!("required field `{}` is missing", f.name()),
                    field: Some((desc.full_name().to_string(), f.number())),
                })
            }
            None => {}
            Some(slot) => {
                let Kind::Message(sub) = f.kind() else {
                    continue;
                };
                match slot {
                    Slot::One(Val::Msg(m)) => check_required(&sub, m, &fpath)?,
                    Slot::List(items) => {
                        for (i, v) in items.iter().enumerate() {
                            if let Val::Msg(m) = v {
                                check_required(&sub, m, &Path::Index(&fpath, i))?;
                            }
                        }
                    }
                    // Map values were checked as each entry was read.
                    _ => {}
                }
            }
        }
    }
    Ok(())
}

/// Where a field sits, from the top-level message: made into text only when an error names
/// it (a string per field of every case was a large part of reading a deep message).
#[derive(Clone, Copy)]
pub enum Path<'a> {
    Top,
    Field(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
    /// A map entry, by its key as shown.
    Key(&'a Path<'a>, &'a str),
}

impl std::fmt::Display for Path<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.render())
    }
}

impl Path<'_> {
    /// `a.b[2].c`, as [`join_path`] joins names.
    pub fn render(&self) -> String {
        match self {
            Path::Top => String::new(),
            Path::Field(parent, name) => join_path(&parent.render(), name),
            Path::Index(parent, i) => format!("{}[{i}]", parent.render()),
            Path::Key(parent, key) => format!("{}[{key}]", parent.render()),
        }
    }
}

pub fn join_path(path: &str, name: &str) -> String {
    if path.is_empty() {
        name.to_string()
    } else {
        format!("{path}.{name}")
    }
}

#[cfg(test)]
mod tests {
    //! The wire model against prost-reflect: what this module writes, prost-reflect reads,
    //! and what prost-reflect writes back, this module reads as the same message.

    use proptest::test_runner::{Config, TestCaseError, TestRunner};
    use prost::Message as _;
    use prost_reflect::{DescriptorPool, DynamicMessage};

    use super::*;
    use crate::index::Index;
    use crate::prove::compare::Cmp;
    use crate::prove::gen::Gen;
    use crate::prove::reach::DEFAULT_DEPTH;

    const SCHEMA: &[(&str, &str)] = &[
        (
            "p3.proto",
            r#"syntax = "proto3"; package t;
            message All {
              int32 i32 = 1; int64 i64 = 2; uint32 u32 = 3; uint64 u64 = 4; sint32 s32 = 5;
              sint64 s64 = 6; fixed32 f32 = 7; fixed64 f64 = 8; sfixed32 sf32 = 9;
              sfixed64 sf64 = 10; float fl = 11; double db = 12; bool b = 13; string s = 14;
              bytes by = 15; E e = 16; All child = 17; repeated int32 ri = 18;
              repeated string rs = 19; repeated All rc = 20; map<string, All> ms = 21;
              map<int64, E> me = 22; map<bool, bytes> mb = 23; optional int32 oi = 24;
              oneof choice { string cs = 25; All cm = 26; sint64 cn = 27; }
              repeated double rd = 28; repeated E re = 29;
            }
            enum E { E0 = 0; E1 = 1; E2 = 2; }"#,
        ),
        (
            "p2.proto",
            r#"syntax = "proto2"; package t2;
            message Old {
              required int32 id = 1;
              optional group G = 2 { optional string n = 3; repeated fixed64 xs = 4; }
              repeated C cs = 5 [packed = true]; repeated C us = 6;
              optional C c = 7 [default = B]; optional string s = 8 [default = "d"];
              repeated Old kids = 9; map<string, C> mc = 10; repeated group R = 11 { optional int32 v = 12; }
            }
            enum C { A = 1; B = 2; }"#,
        ),
    ];

    fn pool() -> DescriptorPool {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in SCHEMA {
            std::fs::write(dir.path().join(name), text).unwrap();
        }
        let fds = protox::Compiler::new([dir.path()])
            .unwrap()
            .include_imports(true)
            .open_files(SCHEMA.iter().map(|(n, _)| *n))
            .unwrap()
            .encode_file_descriptor_set();
        DescriptorPool::decode(fds.as_slice()).unwrap()
    }

    #[test]
    fn prost_reflect_reads_what_we_write_and_we_read_what_it_writes() {
        let index = Index::default();
        let side = Side {
            pool: pool(),
            index: &index,
            failed: Default::default(),
            editions: Default::default(),
            implicit: Default::default(),
        };
        for name in ["t.All", "t2.Old"] {
            let desc = side.pool.get_message_by_name(name).unwrap();
            let hot = Default::default();
            let gen = Gen::new(&side, &side, &hot);
            let strategy = gen.message(&desc, DEFAULT_DEPTH);
            let mut runner = TestRunner::new(Config {
                cases: 100,
                failure_persistence: None,
                ..Config::default()
            });
            runner
                .run(&strategy, |msg| {
                    let bytes = encode(&side, &desc, &msg);
                    let dm = DynamicMessage::decode(desc.clone(), bytes.as_slice())
                        .map_err(|e| TestCaseError::fail(format!("prost-reflect: {e}")))?;
                    let back = dm.encode_to_vec();
                    let reader = Reader { side: &side };
                    let ours = reader
                        .decode(&desc, &bytes)
                        .map_err(|e| TestCaseError::fail(e.reason))?;
                    let theirs = reader
                        .decode(&desc, &back)
                        .map_err(|e| TestCaseError::fail(e.reason))?;
                    let cmp = Cmp {
                        writer: &side,
                        reader: &side,
                        by_json_name: false,
                    };
                    let mut diffs = Vec::new();
                    cmp.messages(&desc, &ours, &desc, &theirs, &mut diffs);
                    if diffs.is_empty() {
                        Ok(())
                    } else {
                        Err(TestCaseError::fail(format!("{:?}", diffs[0].text)))
                    }
                })
                .unwrap_or_else(|e| panic!("{name}: {e}"));
        }
    }

    #[test]
    fn mismatched_wire_types_and_closed_enums_go_to_unknown_fields() {
        let index = Index::default();
        let side = Side {
            pool: pool(),
            index: &index,
            failed: Default::default(),
            editions: Default::default(),
            implicit: Default::default(),
        };
        let reader = Reader { side: &side };
        let old = side.pool.get_message_by_name("t2.Old").unwrap();
        // id = 1 (required), field 7 (closed enum C) = 9 (undeclared), field 8 (string)
        // as a varint: both kept as unknown, in order.
        let bytes = [0x08, 0x01, 0x38, 0x09, 0x40, 0x05];
        let m = reader.decode(&old, &bytes).unwrap();
        assert_eq!(m.fields.len(), 1);
        assert_eq!(
            m.unknown,
            vec![
                Unknown {
                    number: 7,
                    raw: Raw::Varint(9)
                },
                Unknown {
                    number: 8,
                    raw: Raw::Varint(5)
                }
            ]
        );
        assert_eq!(encode(&side, &old, &m), bytes);
        // Missing required field.
        assert!(reader.decode(&old, &[0x38, 0x01]).is_err());
        // proto3 string with invalid UTF-8 fails; bytes-typed data does not.
        let all = side.pool.get_message_by_name("t.All").unwrap();
        assert!(reader.decode(&all, &[0x72, 0x01, 0xff]).is_err());
        assert!(reader.decode(&all, &[0x7a, 0x01, 0xff]).is_ok());
        // A packed run for a singular field is an unknown field; for a repeated one, values.
        let m = reader.decode(&all, &[0x0a, 0x02, 0x01, 0x02]).unwrap();
        assert!(m.fields.is_empty() && m.unknown.len() == 1);
        let m = reader
            .decode(&all, &[0x92, 0x01, 0x02, 0x01, 0x02])
            .unwrap();
        assert_eq!(m.fields[&18], Slot::List(vec![Val::I32(1), Val::I32(2)]));
    }
}
