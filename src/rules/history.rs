//! History rules: a number or name reused after it was deleted in an earlier release.
//!
//! They read the ledger of earlier releases ([`crate::history::Ledger`]) and are silent
//! without one (inputs that are not git). They report only what the change under review
//! introduces: a field or value identical in the baseline is left alone (a reuse that was
//! already released is history), and an earlier element still in the baseline at that
//! number is left to the ordinary rules (FIELD_SAME_TYPE, ENUM_VALUE_SAME_NAME...).

use crate::quote::q;
use std::collections::BTreeMap;

use super::{element, field_description, Element, Findings, Pair, Subject};
use crate::history::{FieldRecord, Ledger, ValueRecord};
use crate::index::{Cardinality, Enum, Field, Index, Message, WireKind};

/// Messages of the new side that rules look inside (checked files, no map entries).
fn new_messages<'a>(pair: &'a Pair) -> impl Iterator<Item = &'a Message> + 'a {
    let new = pair.new;
    new.messages
        .iter()
        .filter(move |m| new.is_checked(m.file) && !m.map_entry)
}

fn new_enums<'a>(pair: &'a Pair) -> impl Iterator<Item = &'a Enum> + 'a {
    let new = pair.new;
    new.enums.iter().filter(move |e| new.is_checked(e.file))
}

/// Whether a name as written (`Foo`, `pkg.Foo`, `.pkg.Foo`) can denote the resolved `.pkg.Foo`.
fn names_match(resolved: &str, written: &str) -> bool {
    let r = resolved.trim_start_matches('.');
    let w = written.trim_start_matches('.');
    !w.is_empty() && (r == w || r.ends_with(&format!(".{w}")))
}

/// Whether a compiled field's type is the one a record wrote.
fn type_matches(f: &Field, written: &str) -> bool {
    if f.ty == 0 || matches!(f.ty, 10 | 11 | 14) {
        names_match(&f.type_name, written)
    } else {
        WireKind::from_type(f.ty).name() == written
    }
}

/// Whether a compiled field (with its index, for map entries) has the type a record wrote.
fn same_type(index: &Index, f: &Field, written: &str) -> bool {
    let map = written
        .strip_prefix("map<")
        .and_then(|s| s.strip_suffix('>'))
        .and_then(|s| s.split_once(','));
    if f.cardinality != Cardinality::Map {
        return map.is_none() && type_matches(f, written);
    }
    let Some((k, v)) = map else { return false };
    let Some(entry) = index.message(f.type_name.trim_start_matches('.')) else {
        return false;
    };
    match (entry.field_by_number(1), entry.field_by_number(2)) {
        (Some(key), Some(value)) => type_matches(key, k.trim()) && type_matches(value, v.trim()),
        _ => false,
    }
}

/// Whether two compiled fields have the same name and type.
fn same_field(old_index: &Index, of: &Field, new_index: &Index, nf: &Field) -> bool {
    let is_map = |f: &Field| f.cardinality == Cardinality::Map;
    if of.name != nf.name || is_map(of) != is_map(nf) {
        return false;
    }
    if nf.cardinality == Cardinality::Map {
        let entry = |index: &Index, f: &Field| {
            index
                .message(f.type_name.trim_start_matches('.'))
                .map(|m| {
                    m.fields
                        .iter()
                        .map(|x| (x.number, x.ty, x.type_name.clone()))
                        .collect::<Vec<_>>()
                })
                .unwrap_or_default()
        };
        return entry(old_index, of) == entry(new_index, nf);
    }
    of.ty == nf.ty && of.type_name == nf.type_name
}

/// Whether a record of the ledger is still the field the baseline has at its number.
fn in_baseline(pair: &Pair, old: Option<&Message>, r: &FieldRecord) -> bool {
    old.and_then(|m| m.field_by_number(r.number))
        .is_some_and(|of| of.name == r.name && same_type(pair.old, of, &r.ty))
}

/// Records merged by declaration (name and type), each with the latest release it existed in.
fn latest_by_declaration<'a>(
    records: impl Iterator<Item = &'a FieldRecord>,
) -> Vec<&'a FieldRecord> {
    let mut by: BTreeMap<(&str, &str), &FieldRecord> = BTreeMap::new();
    for r in records {
        let e = by.entry((r.name.as_str(), r.ty.as_str())).or_insert(r);
        if r.last > e.last {
            *e = r;
        }
    }
    let mut out: Vec<&FieldRecord> = by.into_values().collect();
    out.sort_by(|a, b| (a.last, &a.name).cmp(&(b.last, &b.name)));
    out
}

/// `"string coupon" until v1.0.0 and "bytes blob" until v1.1.0`.
fn until_list(ledger: &Ledger, items: &[(String, usize)]) -> String {
    let parts: Vec<String> = items
        .iter()
        .map(|(what, last)| format!("{what} until {}", ledger.label(*last), what = q(what)))
        .collect();
    match parts.as_slice() {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

/// FIELD_NUMBER_REUSED: a field takes a number that, in an earlier release, belonged to a
/// field with another name or type that the baseline no longer has.
pub fn field_number_reused(pair: &Pair, out: &mut Findings) {
    let Some(ledger) = pair.history else { return };
    for nm in new_messages(pair) {
        let Some(history) = ledger.message(&nm.full_name) else {
            continue;
        };
        let om = pair.old.message(&nm.full_name);
        for nf in &nm.fields {
            let before = om.and_then(|m| m.field_by_number(nf.number));
            if before.is_some_and(|of| same_field(pair.old, of, pair.new, nf)) {
                continue;
            }
            let earlier = latest_by_declaration(history.at(nf.number).iter().filter(|r| {
                let same = r.name == nf.name && same_type(pair.new, nf, &r.ty);
                !same && !in_baseline(pair, om, r)
            }));
            if earlier.is_empty() {
                continue;
            }
            let items: Vec<(String, usize)> =
                earlier.iter().map(|r| (r.declaration(), r.last)).collect();
            let before = om.and_then(|m| m.field_by_number(nf.number));
            out.add(
                Subject {
                    old: before.map(|of| Element::field(pair.old, of)),
                    new: Some(Element::field(pair.new, nf)),
                },
                element(pair.new, &nf.site),
                None,
                format!(
                    "{} reuses the number of {}: field {} was {}.",
                    field_description(nf),
                    if earlier.len() == 1 {
                        "a deleted field"
                    } else {
                        "deleted fields"
                    },
                    nf.number,
                    until_list(ledger, &items)
                ),
            );
        }
    }
}

/// FIELD_NAME_REUSED: a field takes a name that, in an earlier release, belonged to a field
/// with another number that the baseline no longer has.
pub fn field_name_reused(pair: &Pair, out: &mut Findings) {
    let Some(ledger) = pair.history else { return };
    for nm in new_messages(pair) {
        let Some(history) = ledger.message(&nm.full_name) else {
            continue;
        };
        let om = pair.old.message(&nm.full_name);
        for nf in &nm.fields {
            if om
                .and_then(|m| m.field_by_number(nf.number))
                .is_some_and(|of| of.name == nf.name)
            {
                continue;
            }
            let Some(numbers) = history.names.get(&nf.name) else {
                continue;
            };
            let mut items: Vec<(String, usize, i32)> = Vec::new();
            for &n in numbers.iter().filter(|&&n| n != nf.number) {
                if om
                    .and_then(|m| m.field_by_number(n))
                    .is_some_and(|of| of.name == nf.name)
                {
                    continue;
                }
                let records =
                    latest_by_declaration(history.at(n).iter().filter(|r| r.name == nf.name));
                if let Some(r) = records.iter().max_by_key(|r| r.last) {
                    items.push((format!("field {n} ({})", q(&r.declaration())), r.last, n));
                }
            }
            if items.is_empty() {
                continue;
            }
            items.sort_by_key(|(_, last, n)| (*last, *n));
            let parts: Vec<String> = items
                .iter()
                .map(|(what, last, _)| format!("{what} until {}", ledger.label(*last)))
                .collect();
            let before = om.and_then(|m| m.field_by_number(nf.number));
            out.add(
                Subject {
                    old: before.map(|of| Element::field(pair.old, of)),
                    new: Some(Element::field(pair.new, nf)),
                },
                element(pair.new, &nf.site),
                None,
                format!(
                    "{} reuses the name of {}: {} was {}.",
                    field_description(nf),
                    if items.len() == 1 {
                        "a deleted field"
                    } else {
                        "deleted fields"
                    },
                    q(&nf.name),
                    join_and(&parts)
                ),
            );
        }
    }
}

fn join_and(parts: &[String]) -> String {
    match parts {
        [] => String::new(),
        [one] => one.clone(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    }
}

fn has_value(e: Option<&Enum>, name: &str, number: i32) -> bool {
    e.is_some_and(|e| {
        e.values
            .iter()
            .any(|v| v.name == name && v.number == number)
    })
}

fn value_description(e: &Enum, name: &str, number: i32) -> String {
    format!(
        "Enum value \"{number}\" with name {name} on enum {}",
        q(&e.name),
        name = q(name)
    )
}

/// Values merged by name, each with the latest release it existed in, oldest first.
fn latest_by_name<'a>(records: impl Iterator<Item = &'a ValueRecord>) -> Vec<&'a ValueRecord> {
    let mut by: BTreeMap<&str, &ValueRecord> = BTreeMap::new();
    for r in records {
        let e = by.entry(r.name.as_str()).or_insert(r);
        if r.last > e.last {
            *e = r;
        }
    }
    let mut out: Vec<&ValueRecord> = by.into_values().collect();
    out.sort_by(|a, b| (a.last, &a.name).cmp(&(b.last, &b.name)));
    out
}

/// ENUM_VALUE_NUMBER_REUSED: a value takes a number that, in an earlier release, belonged
/// to values with other names, none of which the enum (or the baseline) still has there.
pub fn enum_value_number_reused(pair: &Pair, out: &mut Findings) {
    let Some(ledger) = pair.history else { return };
    for ne in new_enums(pair) {
        let Some(history) = ledger.enum_(&ne.full_name) else {
            continue;
        };
        let oe = pair.old.enum_(&ne.full_name);
        for nv in &ne.values {
            if has_value(oe, &nv.name, nv.number) {
                continue;
            }
            let earlier = history.at(nv.number);
            // The number keeps a name it had (the value itself, or an alias): same meaning.
            if earlier
                .iter()
                .any(|r| has_value(Some(ne), &r.name, nv.number))
            {
                continue;
            }
            let earlier =
                latest_by_name(earlier.iter().filter(|r| !has_value(oe, &r.name, r.number)));
            if earlier.is_empty() {
                continue;
            }
            let items: Vec<(String, usize)> =
                earlier.iter().map(|r| (r.name.clone(), r.last)).collect();
            let before = oe.and_then(|e| {
                let v = e.values.iter().find(|v| v.number == nv.number)?;
                Some(Element::enum_value(pair.old, e, v))
            });
            out.add(
                Subject {
                    old: before,
                    new: Some(Element::enum_value(pair.new, ne, nv)),
                },
                element(pair.new, &nv.site),
                None,
                format!(
                    "{} reuses the number of {}: value {} was {}.",
                    value_description(ne, &nv.name, nv.number),
                    if earlier.len() == 1 {
                        "a deleted value"
                    } else {
                        "deleted values"
                    },
                    nv.number,
                    until_list(ledger, &items)
                ),
            );
        }
    }
}

/// ENUM_VALUE_NAME_REUSED: a value takes a name that, in an earlier release, belonged to a
/// value with another number that the baseline no longer has.
pub fn enum_value_name_reused(pair: &Pair, out: &mut Findings) {
    let Some(ledger) = pair.history else { return };
    for ne in new_enums(pair) {
        let Some(history) = ledger.enum_(&ne.full_name) else {
            continue;
        };
        let oe = pair.old.enum_(&ne.full_name);
        for nv in &ne.values {
            if has_value(oe, &nv.name, nv.number) {
                continue;
            }
            let Some(numbers) = history.names.get(&nv.name) else {
                continue;
            };
            let mut items: Vec<(usize, i32)> = Vec::new();
            for &n in numbers.iter().filter(|&&n| n != nv.number) {
                if has_value(oe, &nv.name, n) {
                    continue;
                }
                if let Some(r) = history
                    .at(n)
                    .iter()
                    .filter(|r| r.name == nv.name)
                    .max_by_key(|r| r.last)
                {
                    items.push((r.last, n));
                }
            }
            if items.is_empty() {
                continue;
            }
            items.sort();
            let parts: Vec<String> = items
                .iter()
                .map(|(last, n)| format!("value {n} until {}", ledger.label(*last)))
                .collect();
            let before = oe.and_then(|e| {
                let v = e.values.iter().find(|v| v.number == nv.number)?;
                Some(Element::enum_value(pair.old, e, v))
            });
            out.add(
                Subject {
                    old: before,
                    new: Some(Element::enum_value(pair.new, ne, nv)),
                },
                element(pair.new, &nv.site),
                None,
                format!(
                    "{} reuses the name of {}: {} was {}.",
                    value_description(ne, &nv.name, nv.number),
                    if items.len() == 1 {
                        "a deleted value"
                    } else {
                        "deleted values"
                    },
                    q(&nv.name),
                    join_and(&parts)
                ),
            );
        }
    }
}
