//! Generators: proptest strategies that build random messages of a writer's type, with the
//! edge values where wire changes show (zero, extremes, negatives, NaN and infinities, empty
//! and non-ASCII strings, invalid UTF-8 in bytes, enum numbers only the other side declares).

use std::cell::RefCell;
use std::collections::{HashMap, HashSet};

use proptest::collection::vec;
use proptest::prelude::*;
use proptest::sample::select;
use proptest::strategy::{Just, Union};
use prost_reflect::{EnumDescriptor, FieldDescriptor, Kind, MessageDescriptor};

use super::wire::{default_val, Msg, Slot, Val};
use super::Side;

/// Most elements in a generated repeated field or map.
const MAX_ELEMS: usize = 3;

type Part = BoxedStrategy<Option<(u32, Slot)>>;

/// Builds the strategies of one writer's types; `other` is the reading side, whose enum
/// numbers the writer may send when its own enum is open.
pub struct Gen<'s, 'a> {
    pub writer: &'s Side<'a>,
    pub other: &'s Side<'a>,
    /// Types that differ between the sides, or reach one that does: message fields of these
    /// types are set more often, so that random messages reach the change however deep.
    hot: &'s HashSet<String>,
    memo: RefCell<HashMap<(String, u32), BoxedStrategy<Msg>>>,
}

impl<'s, 'a> Gen<'s, 'a> {
    pub fn new(writer: &'s Side<'a>, other: &'s Side<'a>, hot: &'s HashSet<String>) -> Self {
        Gen {
            writer,
            other,
            hot,
            memo: RefCell::new(HashMap::new()),
        }
    }

    /// Random messages of `desc`, nesting at most `depth` more levels.
    pub fn message(&self, desc: &MessageDescriptor, depth: u32) -> BoxedStrategy<Msg> {
        let key = (desc.full_name().to_string(), depth);
        if let Some(s) = self.memo.borrow().get(&key) {
            return s.clone();
        }
        let mut parts: Vec<Part> = Vec::new();
        // Wide messages set fewer of their fields per case (about a dozen on average), so
        // that a case of a type with hundreds of fields nested three deep stays small.
        let scale = (12.0 / desc.fields().len().max(1) as f64).min(1.0);
        // Hot message fields are each set often enough that a chain of them is likely, but
        // together about once and a half per message, so recursive types stay small.
        let hot = desc.fields().filter(|f| self.leads_to_change(f)).count();
        let hot_p = (1.5 / hot.max(1) as f64).min(0.9);
        for f in desc.fields() {
            match f.containing_oneof() {
                Some(o) if !o.is_synthetic() => continue,
                _ => parts.push(self.field(&f, depth, scale, hot_p)),
            }
        }
        for o in desc.oneofs().filter(|o| !o.is_synthetic()) {
            // At most one member: none, or one of them (shrinking prefers none).
            let mut options: Vec<(u32, Part)> = vec![(1, Just(None).boxed())];
            for f in o.fields() {
                if let Some(s) = self.element(&f, depth) {
                    let n = f.number();
                    options.push((1, s.prop_map(move |v| Some((n, Slot::One(v)))).boxed()));
                }
            }
            parts.push(Union::new_weighted(options).boxed());
        }
        let s = parts
            .prop_map(|parts| Msg {
                fields: parts.into_iter().flatten().collect(),
                unknown: Vec::new(),
            })
            .boxed();
        self.memo.borrow_mut().insert(key, s.clone());
        s
    }

    /// Whether `f` holds messages of a type that differs between the sides or reaches one.
    fn leads_to_change(&self, f: &FieldDescriptor) -> bool {
        let Kind::Message(m) = f.kind() else {
            return false;
        };
        if f.is_map() {
            return matches!(m.map_entry_value_field().kind(), Kind::Message(v) if self.hot.contains(v.full_name()));
        }
        self.hot.contains(m.full_name())
    }

    /// One field outside a oneof: absent, or a value, a list or a map; `hot_p`, how often a
    /// field leading to a change is set.
    fn field(&self, f: &FieldDescriptor, depth: u32, scale: f64, hot_p: f64) -> Part {
        let n = f.number();
        let hot = self.leads_to_change(f);
        // How often the field is set: hot message fields by `hot_p`, others less in wide
        // messages.
        let weight = |p: f64| if hot { hot_p } else { (p * scale).max(0.02) };
        if f.is_map() {
            let Kind::Message(entry) = f.kind() else {
                return Just(None).boxed();
            };
            let kf = entry.map_entry_key_field();
            let vf = entry.map_entry_value_field();
            let key = self.scalar(&kf);
            let value = self
                .element(&vf, depth)
                .unwrap_or_else(|| Just(minimal_val(&vf, 0)).boxed());
            let max = if matches!(vf.kind(), Kind::Message(_)) {
                2
            } else {
                MAX_ELEMS
            };
            return proptest::option::weighted(weight(0.8), vec((key, value), 0..=max))
                .prop_map(move |entries| {
                    let mut out: Vec<(Val, Val)> = Vec::new();
                    for (k, v) in entries.unwrap_or_default() {
                        if !out.iter().any(|(ok, _)| *ok == k) {
                            out.push((k, v));
                        }
                    }
                    (!out.is_empty()).then_some((n, Slot::Map(out)))
                })
                .boxed();
        }
        let Some(elem) = self.element(f, depth) else {
            // A message field at the depth limit: absent, or its smallest valid value.
            return if f.is_required() {
                Just(Some((n, Slot::One(minimal_val(f, 0))))).boxed()
            } else {
                Just(None).boxed()
            };
        };
        let is_msg = matches!(f.kind(), Kind::Message(_));
        // Messages nest: fewer of them keeps recursive types small.
        let max = if is_msg { 2 } else { MAX_ELEMS };
        if f.is_list() {
            return proptest::option::weighted(weight(0.8), vec(elem, 0..=max))
                .prop_map(move |items| {
                    let items = items.unwrap_or_default();
                    (!items.is_empty()).then_some((n, Slot::List(items)))
                })
                .boxed();
        }
        if f.is_required() {
            return elem.prop_map(move |v| Some((n, Slot::One(v)))).boxed();
        }
        let p = if is_msg { weight(0.3) } else { 0.6 * scale };
        proptest::option::weighted(p, elem)
            .prop_map(move |v| v.map(|v| (n, Slot::One(v))))
            .boxed()
    }

    /// One value of `f`'s type; `None` for a message at the depth limit.
    fn element(&self, f: &FieldDescriptor, depth: u32) -> Option<BoxedStrategy<Val>> {
        match f.kind() {
            Kind::Message(sub) => {
                if depth == 0 {
                    return None;
                }
                Some(self.message(&sub, depth - 1).prop_map(Val::Msg).boxed())
            }
            _ => Some(self.scalar(f)),
        }
    }

    fn scalar(&self, f: &FieldDescriptor) -> BoxedStrategy<Val> {
        match f.kind() {
            Kind::Enum(e) => self.enum_numbers(f, &e),
            k => scalar(&k),
        }
    }

    /// The numbers the writer can send for an enum field: its own values, and when the enum
    /// is open also the other side's values and undeclared ones, negative and extreme.
    fn enum_numbers(&self, f: &FieldDescriptor, e: &EnumDescriptor) -> BoxedStrategy<Val> {
        let mut numbers: Vec<i32> = Vec::new();
        fn add(numbers: &mut Vec<i32>, n: i32) {
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        for v in e.values() {
            add(&mut numbers, v.number());
        }
        if !self.writer.enum_closed(e) {
            let mut others: Vec<EnumDescriptor> = Vec::new();
            if let Some(o) = self.other.pool.get_enum_by_name(e.full_name()) {
                others.push(o);
            }
            if let Some(Kind::Enum(o)) = self
                .other
                .pool
                .get_message_by_name(f.parent_message().full_name())
                .and_then(|m| m.get_field(f.number()))
                .map(|of| of.kind())
            {
                others.push(o);
            }
            for o in &others {
                for v in o.values() {
                    add(&mut numbers, v.number());
                }
            }
            // An open enum field carries any int32: a number neither side declares, and
            // the edges a reader of another type sees differently (-1 is written as ten
            // bytes, which a uint64 reader takes for 18446744073709551615).
            let max = numbers.iter().copied().max().unwrap_or(0);
            for n in [max.saturating_add(1), -1, i32::MIN, i32::MAX] {
                add(&mut numbers, n);
            }
        }
        select(numbers).prop_map(Val::Enum).boxed()
    }
}

fn mix<T: std::fmt::Debug + Clone + 'static>(
    edges: Vec<T>,
    any: BoxedStrategy<T>,
    f: fn(T) -> Val,
) -> BoxedStrategy<Val> {
    Union::new_weighted(vec![(1, select(edges).boxed()), (2, any)])
        .prop_map(f)
        .boxed()
}

/// Scalars of every kind, edge values one time in three.
pub fn scalar(k: &Kind) -> BoxedStrategy<Val> {
    match k {
        Kind::Bool => any::<bool>().prop_map(Val::Bool).boxed(),
        Kind::Int32 | Kind::Sint32 | Kind::Sfixed32 => mix(
            vec![0, 1, -1, i32::MIN, i32::MAX, 150, -150],
            any::<i32>().boxed(),
            Val::I32,
        ),
        Kind::Int64 | Kind::Sint64 | Kind::Sfixed64 => mix(
            vec![
                0,
                1,
                -1,
                i64::MIN,
                i64::MAX,
                i32::MAX as i64 + 1,
                i32::MIN as i64 - 1,
                1 << 32,
                (1 << 53) + 1,
            ],
            any::<i64>().boxed(),
            Val::I64,
        ),
        Kind::Uint32 | Kind::Fixed32 => mix(
            vec![0, 1, u32::MAX, 1 << 31, 150],
            any::<u32>().boxed(),
            Val::U32,
        ),
        Kind::Uint64 | Kind::Fixed64 => mix(
            vec![0, 1, u64::MAX, 1 << 63, 1 << 32, u32::MAX as u64],
            any::<u64>().boxed(),
            Val::U64,
        ),
        Kind::Float => mix(
            vec![
                0.0,
                -0.0,
                1.5,
                -1.0,
                f32::NAN,
                f32::INFINITY,
                f32::NEG_INFINITY,
                f32::MIN,
                f32::MAX,
                f32::MIN_POSITIVE,
                f32::from_bits(1),
            ],
            any::<f32>().boxed(),
            Val::F32,
        ),
        Kind::Double => mix(
            vec![
                0.0,
                -0.0,
                1.5,
                -1.0,
                f64::NAN,
                f64::INFINITY,
                f64::NEG_INFINITY,
                f64::MIN,
                f64::MAX,
                f64::MIN_POSITIVE,
                f64::from_bits(1),
                16_777_217.0,
                1e300,
            ],
            any::<f64>().boxed(),
            Val::F64,
        ),
        Kind::String => mix(
            ["", "a", "é", "日本語", "😀", "\0", "a\nb", "\"q\""]
                .iter()
                .map(|s| s.as_bytes().to_vec())
                .collect(),
            vec(any::<char>(), 0..6)
                .prop_map(|cs| cs.into_iter().collect::<String>().into_bytes())
                .boxed(),
            Val::Str,
        ),
        Kind::Bytes => mix(
            vec![
                vec![],
                vec![0xff],
                vec![0xc3, 0x28],
                vec![0x80],
                b"abc".to_vec(),
                vec![0],
                "é".as_bytes().to_vec(),
                vec![0x08, 0x96, 0x01],
            ],
            vec(any::<u8>(), 0..8).boxed(),
            Val::Bytes,
        ),
        Kind::Enum(e) => select(e.values().map(|v| v.number()).collect::<Vec<_>>())
            .prop_map(Val::Enum)
            .boxed(),
        Kind::Message(_) => Just(Val::Msg(Msg::default())).boxed(),
    }
}

/// The smallest valid value of a field: its zero, or a message holding only its required
/// fields, recursively. A required cycle (`message M { required M m = 1; }`) has no finite
/// valid message: the cycle is cut where a type repeats on the path, so the value stays
/// linear in the schema's size instead of doubling at every level.
pub fn minimal_val(f: &FieldDescriptor, _depth: u32) -> Val {
    minimal_val_on(f, &mut Vec::new())
}

fn minimal_val_on(f: &FieldDescriptor, path: &mut Vec<String>) -> Val {
    match f.kind() {
        Kind::Message(sub) => Val::Msg(minimal_msg(&sub, path)),
        _ => default_val(f),
    }
}

fn minimal_msg(desc: &MessageDescriptor, path: &mut Vec<String>) -> Msg {
    let mut m = Msg::default();
    if path.iter().any(|p| p == desc.full_name()) {
        return m;
    }
    path.push(desc.full_name().to_string());
    for f in desc.fields().filter(|f| f.is_required()) {
        m.fields
            .insert(f.number(), Slot::One(minimal_val_on(&f, path)));
    }
    path.pop();
    m
}

/// The chain of required message fields that leads from `desc` back to a type on the chain
/// (`r.M.a -> r.M`), if there is one: such a type has no finite message that carries all
/// its required fields, so no reader will ever accept one and there is nothing to prove.
pub fn required_cycle(desc: &MessageDescriptor) -> Option<Vec<String>> {
    fn walk(desc: &MessageDescriptor, path: &mut Vec<String>, done: &mut Vec<String>) -> bool {
        let name = desc.full_name().to_string();
        if path.contains(&name) {
            path.push(name);
            return true;
        }
        if done.contains(&name) {
            return false;
        }
        path.push(name.clone());
        for f in desc.fields().filter(|f| f.is_required()) {
            if let Kind::Message(sub) = f.kind() {
                let at = path.len();
                path.push(format!("{}.{}", desc.full_name(), f.name()));
                if walk(&sub, path, done) {
                    return true;
                }
                path.truncate(at);
            }
        }
        path.pop();
        done.push(name);
        false
    }
    let mut path = Vec::new();
    walk(desc, &mut path, &mut Vec::new()).then(|| {
        // Keep the field names and the type that closes the cycle.
        let last = path.last().cloned();
        let mut chain: Vec<String> = path.iter().skip(1).step_by(2).cloned().collect();
        chain.extend(last);
        chain
    })
}
