//! Renames: deleted and added messages, enums, services, RPCs, fields and enum values
//! paired by structure, so that a rename is reported as one rename instead of a deletion
//! and an unrelated addition.
//!
//! Pairing is conservative: a deleted element pairs with an added one only when it is the
//! only deleted element with that structure and the added one is the only added element
//! with it (one candidate each way). Candidates are first paired within their package;
//! across packages, the short name must also match up to case (a type moved to another
//! package, not moved and renamed at once). And the structure must say enough:
//!
//! - **messages**: the same fields by number, wire kind, cardinality and type (a type that
//!   was itself renamed counts as its new name; a type nested in the message counts by its
//!   name relative to the message). Field names may differ, except that a message with a
//!   single field also keeps that field's name, and a message with no fields pairs only
//!   with one of the same short name up to case (a move to another package, a case fix):
//!   one field of a common type, or none, says nothing about identity.
//! - **nested types** of a renamed message pair with the same relative name in its new name
//!   when their structure is the same (no uniqueness needed: the parent is the evidence);
//!   a map field keeping its number pairs its synthesized entries.
//! - **enums**: the same value numbers with the same value names once each enum's
//!   `UPPER_SNAKE_` prefix is taken off (`COLOR_RED` in `Color` and `HUE_RED` in `Hue`).
//! - **services**: the same RPCs (names, request and response types after the message
//!   renames, streaming); an empty service pairs only by short name up to case.
//! - **RPCs** of a service kept by name: the same request, response and streaming.
//! - **fields** of a message kept by name: a field deleted at one number and added at
//!   another with the same name, kind, cardinality and type (renumbered: a wire break).
//! - **enum values** of an enum kept by name: a value name that moved to another number.
//!
//! Pairing repeats until nothing new pairs, so a message whose fields name a renamed
//! message pairs once that one has.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use crate::diff::Diff;
use crate::index::{Enum, Index, Message, Method, Service};

/// What a renamed type is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TypeKind {
    Message,
    Enum,
}

/// Why two types were paired.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Evidence {
    /// Same structure, one candidate each way.
    Structure,
    /// Nested in a renamed message (old parent full name), same relative name and structure.
    Parent(String),
    /// The synthesized entry of a map field (message full name, field name) that kept its
    /// number.
    MapField(String, String),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TypeRename {
    pub to: String,
    pub kind: TypeKind,
    pub evidence: Evidence,
}

/// Every rename found between two sides. Names are full names without a leading dot.
#[derive(Debug, Default)]
pub struct Renames {
    /// Old message or enum → its new name.
    pub types: BTreeMap<String, TypeRename>,
    /// Old service → new service.
    pub services: BTreeMap<String, String>,
    /// (service, old RPC name) → new RPC name.
    pub methods: BTreeMap<(String, String), String>,
    /// (message, old field number) → new number (same name).
    pub fields: BTreeMap<(String, i32), i32>,
    /// (enum, old value number) → new number (same name).
    pub values: BTreeMap<(String, i32), i32>,
    /// New type → old type.
    reverse: HashMap<String, String>,
}

impl Renames {
    /// The new name of a renamed old type.
    pub fn type_to(&self, old: &str) -> Option<&str> {
        self.types
            .get(old.trim_start_matches('.'))
            .map(|r| r.to.as_str())
    }

    /// The old name of a type that is a rename.
    pub fn type_from(&self, new: &str) -> Option<&str> {
        self.reverse
            .get(new.trim_start_matches('.'))
            .map(String::as_str)
    }

    /// A type name of the old side as the new side would write it.
    fn map_type<'s>(&'s self, t: &'s str) -> &'s str {
        let t = t.trim_start_matches('.');
        self.type_to(t).unwrap_or(t)
    }
}

/// Finds the renames between the two sides of an element diff: candidates are the
/// elements it found deleted and added.
pub fn detect(diff: &Diff) -> Renames {
    let (old, new) = (diff.old, diff.new);
    let mut r = Renames::default();
    let mut open = Open::new(diff);
    pair_enums(old, new, &mut open, &mut r);
    loop {
        let mut progress = pair_messages(old, new, &mut open, &mut r);
        progress |= pair_nested(old, new, &mut open, &mut r);
        progress |= pair_map_entries(old, new, &mut open, &mut r);
        if !progress {
            break;
        }
    }
    pair_services(diff, &mut r);
    pair_methods(diff, &mut r);
    pair_fields(diff, &mut r);
    pair_values(diff, &mut r);
    r.reverse = r
        .types
        .iter()
        .map(|(o, t)| (t.to.clone(), o.clone()))
        .collect();
    r
}

/// Deleted and added types not paired yet.
struct Open<'a> {
    old: BTreeSet<&'a str>,
    new: BTreeSet<&'a str>,
}

impl<'a> Open<'a> {
    /// Messages and enums the diff found deleted or added; a name that is a message on one
    /// side and an enum on the other changed kind, which no rename explains.
    fn new(diff: &Diff<'a>) -> Open<'a> {
        let (old, new) = (diff.old, diff.new);
        let deleted = diff
            .messages
            .deleted
            .iter()
            .map(|m| m.full_name.as_str())
            .filter(|n| new.enum_(n).is_none_or(|e| !new.is_checked(e.file)))
            .chain(
                diff.enums
                    .deleted
                    .iter()
                    .map(|e| e.full_name.as_str())
                    .filter(|n| new.message(n).is_none_or(|m| !new.is_checked(m.file))),
            )
            .collect();
        let added = diff
            .messages
            .added
            .iter()
            .map(|m| m.full_name.as_str())
            .filter(|n| old.enum_(n).is_none_or(|e| !old.is_checked(e.file)))
            .chain(
                diff.enums
                    .added
                    .iter()
                    .map(|e| e.full_name.as_str())
                    .filter(|n| old.message(n).is_none_or(|m| !old.is_checked(m.file))),
            )
            .collect();
        Open {
            old: deleted,
            new: added,
        }
    }
}

fn record(r: &mut Renames, open: &mut Open, from: &str, to: &str, kind: TypeKind, ev: Evidence) {
    open.old.remove(from);
    open.new.remove(to);
    r.types.insert(
        from.to_string(),
        TypeRename {
            to: to.to_string(),
            kind,
            evidence: ev,
        },
    );
}

// ---- messages -------------------------------------------------------------------------

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct MessageShape {
    /// (number, wire kind, cardinality, type) by number.
    fields: Vec<(i32, u8, u8, String)>,
    map_entry: bool,
}

/// How a field's type is written in a shape: relative to the message for its own nested
/// types (`~.Inner`), else the new side's name.
fn type_ref(own: &str, t: &str, renames: Option<&Renames>) -> String {
    let t = t.trim_start_matches('.');
    if let Some(rest) = t.strip_prefix(own).filter(|r| r.starts_with('.')) {
        return format!("~{rest}");
    }
    match renames {
        Some(r) => r.map_type(t).to_string(),
        None => t.to_string(),
    }
}

/// The shape of a message; old-side type names go through `renames`.
fn message_shape(m: &Message, renames: Option<&Renames>) -> MessageShape {
    let mut fields: Vec<(i32, u8, u8, String)> = m
        .fields
        .iter()
        .map(|f| {
            let t = if f.kind.is_named_type() {
                type_ref(&m.full_name, &f.type_name, renames)
            } else {
                String::new()
            };
            (f.number, f.kind as u8, f.cardinality as u8, t)
        })
        .collect();
    fields.sort();
    MessageShape {
        fields,
        map_entry: m.map_entry,
    }
}

/// What a message with too little structure must also keep to pair by structure.
fn message_identity(m: &Message) -> Option<String> {
    match m.fields.as_slice() {
        [] => Some(m.name.to_lowercase()),
        [f] => Some(f.name.clone()),
        _ => None,
    }
}

/// A candidate for structural pairing: its package, short name and full name.
struct Candidate<'a, K> {
    package: &'a str,
    short: &'a str,
    key: K,
    name: &'a str,
}

/// Pairs candidates in two passes: within a package (one candidate each way in that
/// package), then across packages among the rest, where the short name must also match up
/// to case (a move to another package, not a move and a rename at once).
fn pair_by_package<'a, K: std::hash::Hash + Eq + Clone>(
    olds: Vec<Candidate<'a, K>>,
    news: Vec<Candidate<'a, K>>,
) -> Vec<(&'a str, &'a str)> {
    let same = unique_pairs(
        olds.iter().map(|c| ((c.package, c.key.clone()), c.name)),
        news.iter().map(|c| ((c.package, c.key.clone()), c.name)),
    );
    let done_old: BTreeSet<&str> = same.iter().map(|p| p.0).collect();
    let done_new: BTreeSet<&str> = same.iter().map(|p| p.1).collect();
    let across = unique_pairs(
        olds.iter()
            .filter(|c| !done_old.contains(c.name))
            .map(|c| ((c.short.to_lowercase(), c.key.clone()), c.name)),
        news.iter()
            .filter(|c| !done_new.contains(c.name))
            .map(|c| ((c.short.to_lowercase(), c.key.clone()), c.name)),
    );
    let mut out = same;
    out.extend(across);
    out.sort();
    out
}

/// Pairs each key with exactly one deleted and exactly one added candidate.
fn unique_pairs<'a, K: std::hash::Hash + Eq>(
    olds: impl Iterator<Item = (K, &'a str)>,
    news: impl Iterator<Item = (K, &'a str)>,
) -> Vec<(&'a str, &'a str)> {
    let mut by_key: HashMap<K, (Vec<&str>, Vec<&str>)> = HashMap::new();
    for (k, n) in olds {
        by_key.entry(k).or_default().0.push(n);
    }
    for (k, n) in news {
        if let Some(e) = by_key.get_mut(&k) {
            e.1.push(n);
        }
    }
    let mut out: Vec<(&str, &str)> = by_key
        .into_values()
        .filter_map(|(o, n)| match (o.as_slice(), n.as_slice()) {
            ([o], [n]) => Some((*o, *n)),
            _ => None,
        })
        .collect();
    out.sort();
    out
}

fn pair_messages<'a>(old: &'a Index, new: &'a Index, open: &mut Open<'a>, r: &mut Renames) -> bool {
    let candidates = |index: &'a Index, names: &BTreeSet<&'a str>, renames: Option<&Renames>| {
        names
            .iter()
            .filter_map(|n| index.message(n))
            .filter(|m| !m.map_entry)
            .map(|m| Candidate {
                package: index.files[m.file].package.as_str(),
                short: m.name.as_str(),
                key: (message_shape(m, renames), message_identity(m)),
                name: m.full_name.as_str(),
            })
            .collect::<Vec<_>>()
    };
    let olds = candidates(old, &open.old, Some(r));
    let news = candidates(new, &open.new, None);
    let pairs = pair_by_package(olds, news);
    for &(o, n) in &pairs {
        record(r, open, o, n, TypeKind::Message, Evidence::Structure);
    }
    !pairs.is_empty()
}

/// Nested messages and enums of renamed messages.
fn pair_nested<'a>(old: &'a Index, new: &'a Index, open: &mut Open<'a>, r: &mut Renames) -> bool {
    let mut found = Vec::new();
    for &o in &open.old {
        let Some((parent, short)) = o.rsplit_once('.') else {
            continue;
        };
        let Some(to_parent) = r.types.get(parent).filter(|t| t.kind == TypeKind::Message) else {
            continue;
        };
        let candidate = format!("{}.{short}", to_parent.to);
        let Some(&n) = open.new.get(candidate.as_str()) else {
            continue;
        };
        let kind = match (old.message(o), new.message(n), old.enum_(o), new.enum_(n)) {
            (Some(om), Some(nm), _, _) if message_shape(om, Some(r)) == message_shape(nm, None) => {
                TypeKind::Message
            }
            (_, _, Some(oe), Some(ne)) if enum_shape(oe) == enum_shape(ne) => TypeKind::Enum,
            _ => continue,
        };
        found.push((o, n, kind, parent.to_string()));
    }
    for (o, n, kind, parent) in &found {
        record(r, open, o, n, *kind, Evidence::Parent(parent.clone()));
    }
    !found.is_empty()
}

/// Map fields that kept their number (in a message kept or renamed) pair their entries.
fn pair_map_entries<'a>(
    old: &'a Index,
    new: &'a Index,
    open: &mut Open<'a>,
    r: &mut Renames,
) -> bool {
    let mut found = Vec::new();
    for &o in &open.old {
        let Some(entry) = old.message(o).filter(|m| m.map_entry) else {
            continue;
        };
        let Some((parent, _)) = o.rsplit_once('.') else {
            continue;
        };
        let Some(om) = old.message(parent) else {
            continue;
        };
        let Some(nm) = new.message(r.map_type(parent)) else {
            continue;
        };
        let Some(of) = om
            .fields
            .iter()
            .find(|f| f.type_name.trim_start_matches('.') == o)
        else {
            continue;
        };
        let Some(nf) = nm.field_by_number(of.number) else {
            continue;
        };
        let n = nf.type_name.trim_start_matches('.');
        let Some(&n) = open.new.get(n) else {
            continue;
        };
        let Some(ne) = new.message(n).filter(|m| m.map_entry) else {
            continue;
        };
        if message_shape(entry, Some(r)) == message_shape(ne, None) {
            found.push((o, n, nm.full_name.clone(), nf.name.clone()));
        }
    }
    for (o, n, message, field) in &found {
        record(
            r,
            open,
            o,
            n,
            TypeKind::Message,
            Evidence::MapField(message.clone(), field.clone()),
        );
    }
    !found.is_empty()
}

// ---- enums --------------------------------------------------------------------------------

/// `OrderStatus` → `ORDER_STATUS`, `HTTPCode` → `HTTP_CODE`.
pub fn upper_snake(name: &str) -> String {
    let chars: Vec<char> = name.chars().collect();
    let mut out = String::new();
    for (i, &c) in chars.iter().enumerate() {
        if i > 0 && c.is_uppercase() {
            let prev = chars[i - 1];
            let next_lower = chars.get(i + 1).is_some_and(|n| n.is_lowercase());
            if prev.is_lowercase() || prev.is_ascii_digit() || (prev.is_uppercase() && next_lower) {
                out.push('_');
            }
        }
        out.extend(c.to_uppercase());
    }
    out
}

/// Value numbers with their names, the enum's `UPPER_SNAKE_` prefix taken off when every
/// value carries it.
fn enum_shape(e: &Enum) -> Vec<(i32, String)> {
    let prefix = format!("{}_", upper_snake(&e.name));
    let strip = e.values.iter().all(|v| v.name.starts_with(&prefix));
    let mut shape: Vec<(i32, String)> = e
        .values
        .iter()
        .map(|v| {
            let name = if strip {
                &v.name[prefix.len()..]
            } else {
                &v.name
            };
            (v.number, name.to_string())
        })
        .collect();
    shape.sort();
    shape
}

fn pair_enums<'a>(old: &'a Index, new: &'a Index, open: &mut Open<'a>, r: &mut Renames) {
    let candidates = |index: &'a Index, names: &BTreeSet<&'a str>| {
        names
            .iter()
            .filter_map(|n| index.enum_(n))
            .map(|e| Candidate {
                package: index.files[e.file].package.as_str(),
                short: e.name.as_str(),
                key: enum_shape(e),
                name: e.full_name.as_str(),
            })
            .collect::<Vec<_>>()
    };
    let olds = candidates(old, &open.old);
    let news = candidates(new, &open.new);
    for (o, n) in pair_by_package(olds, news) {
        record(r, open, o, n, TypeKind::Enum, Evidence::Structure);
    }
}

// ---- services and RPCs ----------------------------------------------------------------------

type MethodShape = (String, String, bool, bool);

fn method_shape(m: &Method, renames: Option<&Renames>) -> MethodShape {
    let map = |t: &str| match renames {
        Some(r) => r.map_type(t).to_string(),
        None => t.trim_start_matches('.').to_string(),
    };
    (
        map(&m.input_type),
        map(&m.output_type),
        m.client_streaming,
        m.server_streaming,
    )
}

#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct ServiceShape {
    methods: Vec<(String, MethodShape)>,
    /// Short name up to case, for a service without RPCs.
    identity: Option<String>,
}

fn service_shape(s: &Service, renames: Option<&Renames>) -> ServiceShape {
    let mut methods: Vec<(String, MethodShape)> = s
        .methods
        .iter()
        .map(|m| (m.name.clone(), method_shape(m, renames)))
        .collect();
    methods.sort();
    ServiceShape {
        identity: methods.is_empty().then(|| s.name.to_lowercase()),
        methods,
    }
}

fn pair_services(diff: &Diff, r: &mut Renames) {
    let olds = service_candidates(diff.old, &diff.services.deleted, Some(r));
    let news = service_candidates(diff.new, &diff.services.added, None);
    let pairs: Vec<(String, String)> = pair_by_package(olds, news)
        .into_iter()
        .map(|(o, n)| (o.to_string(), n.to_string()))
        .collect();
    r.services.extend(pairs);
}

fn service_candidates<'a>(
    index: &'a Index,
    services: &[&'a Service],
    renames: Option<&Renames>,
) -> Vec<Candidate<'a, ServiceShape>> {
    services
        .iter()
        .map(|s| Candidate {
            package: index.files[s.file].package.as_str(),
            short: s.name.as_str(),
            key: service_shape(s, renames),
            name: s.full_name.as_str(),
        })
        .collect()
}

fn pair_methods(diff: &Diff, r: &mut Renames) {
    let mut found = Vec::new();
    for s in &diff.services.both {
        let olds = s
            .rpcs
            .deleted
            .iter()
            .map(|m| (method_shape(m, Some(r)), m.name.as_str()));
        let news = s
            .rpcs
            .added
            .iter()
            .map(|m| (method_shape(m, None), m.name.as_str()));
        for (o, n) in unique_pairs(olds, news) {
            found.push(((s.old.full_name.clone(), o.to_string()), n.to_string()));
        }
    }
    r.methods.extend(found);
}

// ---- fields and values ------------------------------------------------------------------------

/// A field deleted at one number and added at another with the same name, kind,
/// cardinality and type (after the type renames).
fn pair_fields(diff: &Diff, r: &mut Renames) {
    let mut found = Vec::new();
    for m in &diff.messages.both {
        for of in m.fields.deleted.iter().map(|g| g.first()) {
            let Some(nf) = m
                .fields
                .added
                .iter()
                .map(|g| g.first())
                .find(|f| f.name == of.name)
            else {
                continue;
            };
            let same_type = !of.kind.is_named_type()
                || r.map_type(&of.type_name) == nf.type_name.trim_start_matches('.');
            if of.kind == nf.kind && of.cardinality == nf.cardinality && same_type {
                found.push(((m.old.full_name.clone(), of.number), nf.number));
            }
        }
    }
    r.fields.extend(found);
}

/// A value number gone whose names all went to one number the old enum lacked.
fn pair_values(diff: &Diff, r: &mut Renames) {
    let mut found = Vec::new();
    for e in &diff.enums.both {
        for gone in &e.values.deleted {
            let targets: BTreeSet<i32> = gone
                .members
                .iter()
                .filter_map(|v| {
                    e.values
                        .added
                        .iter()
                        .find(|g| g.members.iter().any(|n| n.name == v.name))
                })
                .map(|g| g.number)
                .collect();
            if let [to] = targets.into_iter().collect::<Vec<_>>()[..] {
                found.push(((e.old.full_name.clone(), gone.number), to));
            }
        }
    }
    r.values.extend(found);
}

#[cfg(test)]
mod tests {
    use super::upper_snake;

    #[test]
    fn upper_snake_names() {
        assert_eq!(upper_snake("OrderStatus"), "ORDER_STATUS");
        assert_eq!(upper_snake("HTTPCode"), "HTTP_CODE");
        assert_eq!(upper_snake("Color"), "COLOR");
        assert_eq!(upper_snake("V2Thing"), "V2_THING");
    }
}
