//! The element diff: one pass that pairs the elements of the old and the new index by the
//! keys buf matches on, computed once per run and read by every consumer (the rules through
//! [`crate::rules::Pair`], renames, blast radius and `protoguard semver`).
//!
//! Keys: files by path; packages by name; messages, enums and services by full name;
//! extensions by extendee and number; fields and enum values by number within their paired
//! message or enum ([`ByNumber`], generic over [`Numbered`] elements, where enum aliases share
//! a number); oneofs by name within their message; RPCs by name within their service. The
//! deletion rules' keys are there too ([`Declared`]): messages, enums, extensions and
//! services by file path or by package, and name within the package.
//!
//! What is compared: files and packages of the schema (not imports); elements of the files
//! rules look inside ([`Index::is_checked`]: not imports, not known unchanged). An element of
//! an unchanged file is in that file on both sides, so leaving those files out pairs nothing
//! differently and spares planned runs the work.
//!
//! Orders are stable: pairs and deletions in the old side's order, additions in the new
//! side's, so consumers that print in discovery order print what they printed before.

use std::collections::{BTreeSet, HashMap};
use std::hash::Hash;

use crate::index::{Enum, EnumValue, Field, FileId, Index, Message, Method, Oneof, Service};

mod declared;
#[cfg(test)]
mod tests;

pub use declared::{Declaration, Declared};

/// Elements of one kind, matched across the two sides: pairs (`P`, by default the two
/// elements), elements only the old side has, elements only the new side has.
#[derive(Debug)]
pub struct Matched<T, P = (T, T)> {
    /// Present on both sides, in the old side's order.
    pub both: Vec<P>,
    /// Only on the old side, in its order.
    pub deleted: Vec<T>,
    /// Only on the new side, in its order.
    pub added: Vec<T>,
}

impl<T, P> Default for Matched<T, P> {
    fn default() -> Self {
        Matched {
            both: Vec::new(),
            deleted: Vec::new(),
            added: Vec::new(),
        }
    }
}

/// Pairs `old` with `new` by `key`; the first new element holding a key takes it.
fn match_by<T: Copy, K: Hash + Eq>(
    old: impl IntoIterator<Item = T>,
    new: impl IntoIterator<Item = T>,
    key: impl Fn(T) -> K,
) -> Matched<T> {
    match_keys(old, new, &key, &key)
}

/// [`match_by`] with a key function per side (for ids, which mean nothing without their
/// side's index).
fn match_keys<T: Copy, K: Hash + Eq>(
    old: impl IntoIterator<Item = T>,
    new: impl IntoIterator<Item = T>,
    old_key: impl Fn(T) -> K,
    new_key: impl Fn(T) -> K,
) -> Matched<T> {
    let new: Vec<T> = new.into_iter().collect();
    let mut by_key: HashMap<K, usize> = HashMap::with_capacity(new.len());
    for (i, &n) in new.iter().enumerate() {
        by_key.entry(new_key(n)).or_insert(i);
    }
    let mut taken = vec![false; new.len()];
    let mut out = Matched::default();
    for o in old {
        match by_key.get(&old_key(o)) {
            Some(&i) => {
                taken[i] = true;
                out.both.push((o, new[i]));
            }
            None => out.deleted.push(o),
        }
    }
    out.added = new
        .into_iter()
        .zip(taken)
        .filter(|(_, t)| !t)
        .map(|(n, _)| n)
        .collect();
    out
}

/// An element identified by a number within its parent: a field or an enum value.
pub trait Numbered {
    fn number(&self) -> i32;
    fn name(&self) -> &str;
}

impl Numbered for Field {
    fn number(&self) -> i32 {
        self.number
    }
    fn name(&self) -> &str {
        &self.name
    }
}

impl Numbered for EnumValue {
    fn number(&self) -> i32 {
        self.number
    }
    fn name(&self) -> &str {
        &self.name
    }
}

/// The elements of one parent that hold one number, in declaration order (one field; one
/// enum value, or several aliases).
#[derive(Debug)]
pub struct Group<'a, T> {
    pub number: i32,
    pub members: Vec<&'a T>,
}

impl<'a, T: Numbered> Group<'a, T> {
    /// The first element declared with this number.
    pub fn first(&self) -> &'a T {
        self.members[0]
    }

    pub fn names(&self) -> Vec<&'a str> {
        self.members.iter().map(|m| m.name()).collect()
    }
}

/// A number held on both sides, with the elements holding it on each.
#[derive(Debug)]
pub struct NumberPair<'a, T> {
    pub number: i32,
    pub old: Vec<&'a T>,
    pub new: Vec<&'a T>,
}

/// Numbered elements of a paired parent, matched by number.
pub type ByNumber<'a, T> = Matched<Group<'a, T>, NumberPair<'a, T>>;

/// Groups elements by number, in the order each number first appears.
fn groups<'a, T: Numbered>(items: &'a [T]) -> Vec<Group<'a, T>> {
    let mut out: Vec<Group<'a, T>> = Vec::new();
    let mut at: HashMap<i32, usize> = HashMap::new();
    for item in items {
        match at.get(&item.number()) {
            Some(&i) => out[i].members.push(item),
            None => {
                at.insert(item.number(), out.len());
                out.push(Group {
                    number: item.number(),
                    members: vec![item],
                });
            }
        }
    }
    out
}

/// Matches the numbered elements of two versions of a parent.
pub fn by_number<'a, T: Numbered>(old: &'a [T], new: &'a [T]) -> ByNumber<'a, T> {
    let (old, new) = (groups(old), groups(new));
    let mut new_at: HashMap<i32, usize> =
        new.iter().enumerate().map(|(i, g)| (g.number, i)).collect();
    let mut new: Vec<Option<Group<'a, T>>> = new.into_iter().map(Some).collect();
    let mut out = ByNumber::default();
    for g in old {
        match new_at.remove(&g.number).and_then(|i| new[i].take()) {
            Some(n) => out.both.push(NumberPair {
                number: g.number,
                old: g.members,
                new: n.members,
            }),
            None => out.deleted.push(g),
        }
    }
    out.added = new.into_iter().flatten().collect();
    out
}

/// A oneof with its index in its message's `oneof_decl` (fields point at it by index).
pub type OneofAt<'a> = (usize, &'a Oneof);

/// A message present on both sides, with its fields and oneofs matched.
#[derive(Debug)]
pub struct MessagePair<'a> {
    pub old: &'a Message,
    pub new: &'a Message,
    /// Fields by number.
    pub fields: ByNumber<'a, Field>,
    /// Oneofs by name, synthetic ones (of proto3 `optional` fields) included.
    pub oneofs: Matched<OneofAt<'a>>,
}

impl<'a> MessagePair<'a> {
    fn new(old: &'a Message, new: &'a Message) -> MessagePair<'a> {
        MessagePair {
            old,
            new,
            fields: by_number(&old.fields, &new.fields),
            oneofs: match_by(
                old.oneofs.iter().enumerate(),
                new.oneofs.iter().enumerate(),
                |(_, o)| o.name.as_str(),
            ),
        }
    }

    /// Fields present on both sides (old, new), in the old message's order.
    pub fn field_pairs(&self) -> impl Iterator<Item = (&'a Field, &'a Field)> + '_ {
        self.fields.both.iter().map(|p| (p.old[0], p.new[0]))
    }
}

/// An enum present on both sides, with its values matched by number.
#[derive(Debug)]
pub struct EnumPair<'a> {
    pub old: &'a Enum,
    pub new: &'a Enum,
    pub values: ByNumber<'a, EnumValue>,
}

/// A service present on both sides, with its RPCs matched by name.
#[derive(Debug)]
pub struct ServicePair<'a> {
    pub old: &'a Service,
    pub new: &'a Service,
    pub rpcs: Matched<&'a Method>,
}

/// Every element of two indexes, matched.
#[derive(Debug)]
pub struct Diff<'a> {
    pub old: &'a Index,
    pub new: &'a Index,
    /// Files of the schema (imports left out) by path, unchanged ones included.
    pub files: Matched<FileId>,
    /// Packages of the schema's files by name (the empty package included).
    pub packages: Matched<&'a str>,
    pub messages: Matched<&'a Message, MessagePair<'a>>,
    pub enums: Matched<&'a Enum, EnumPair<'a>>,
    pub services: Matched<&'a Service, ServicePair<'a>>,
    /// Extensions by extendee and number.
    pub extensions: Matched<&'a Field>,
    /// Messages, enums, extensions and services by file path and name within the package
    /// (the per-file deletion rules' key).
    pub in_files: Declared<'a>,
    /// The same by package and name within the package (the per-package deletion rules'
    /// key).
    pub in_packages: Declared<'a>,
}

impl<'a> Diff<'a> {
    /// Matches every element of `old` with `new`.
    pub fn new(old: &'a Index, new: &'a Index) -> Diff<'a> {
        let schema_files = |index: &'a Index| {
            index
                .files
                .iter()
                .enumerate()
                .filter(|(_, f)| !f.is_import)
                .map(|(id, _)| id)
        };
        let files = match_keys(
            schema_files(old),
            schema_files(new),
            |id| old.files[id].name.as_str(),
            |id| new.files[id].name.as_str(),
        );

        let packages_of = |index: &'a Index| -> BTreeSet<&'a str> {
            index.target_files().map(|f| f.package.as_str()).collect()
        };
        let packages = match_by(packages_of(old), packages_of(new), |p| p);

        let messages = pair_with(
            match_by(checked_messages(old), checked_messages(new), |m| {
                m.full_name.as_str()
            }),
            MessagePair::new,
        );
        let enums = pair_with(
            match_by(
                old.enums.iter().filter(|e| old.is_checked(e.file)),
                new.enums.iter().filter(|e| new.is_checked(e.file)),
                |e| e.full_name.as_str(),
            ),
            |old, new| EnumPair {
                old,
                new,
                values: by_number(&old.values, &new.values),
            },
        );
        let services = pair_with(
            match_by(
                old.services.iter().filter(|s| old.is_checked(s.file)),
                new.services.iter().filter(|s| new.is_checked(s.file)),
                |s| s.full_name.as_str(),
            ),
            |old, new| ServicePair {
                old,
                new,
                rpcs: match_by(&old.methods, &new.methods, |m| m.name.as_str()),
            },
        );
        let extensions = match_by(
            old.extensions
                .iter()
                .filter(|f| old.is_checked(f.site.file)),
            new.extensions
                .iter()
                .filter(|f| new.is_checked(f.site.file)),
            |f| (f.extendee.as_str(), f.number),
        );
        Diff {
            old,
            new,
            files,
            packages,
            messages,
            enums,
            services,
            extensions,
            in_files: Declared::new(old, new, declared::Container::File),
            in_packages: Declared::new(old, new, declared::Container::Package),
        }
    }

    /// The paired message of this full name on the old side.
    pub fn message_pair(&self, old_full_name: &str) -> Option<&MessagePair<'a>> {
        self.messages
            .both
            .iter()
            .find(|p| p.old.full_name == old_full_name)
    }
}

fn checked_messages(index: &Index) -> impl Iterator<Item = &Message> {
    index.messages.iter().filter(|m| index.is_checked(m.file))
}

/// Turns plain pairs into pairs with their children matched.
fn pair_with<T: Copy, P>(m: Matched<T>, pair: impl Fn(T, T) -> P) -> Matched<T, P> {
    Matched {
        both: m.both.into_iter().map(|(o, n)| pair(o, n)).collect(),
        deleted: m.deleted,
        added: m.added,
    }
}
