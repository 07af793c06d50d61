//! Which types a change can reach, and how deep the generator must nest to get there.
//!
//! A message type whose own declaration, and the declaration of every type it reaches through
//! its fields, is identical on both sides reads the same by construction: it is not run. The
//! others are *hot*. When a type is proved, its generator nests messages as deep as the
//! farthest changed type it reaches (at least [`DEFAULT_DEPTH`]), so a break many levels
//! below the type named by `--message` is reached; hot fields are set more often than cold
//! ones, so the random messages go where the change is.

use std::collections::{HashMap, HashSet, VecDeque};

use prost::Message as _;
use prost_reflect::{DescriptorPool, Kind};

use super::Side;

/// Nesting when nothing deeper changed (and the least nesting ever used).
pub const DEFAULT_DEPTH: u32 = 3;
/// The most nesting the automatic depth uses (readers refuse beyond 100).
pub const MAX_AUTO_DEPTH: u32 = 64;

/// The types a change reaches.
pub struct Reach {
    /// Messages and enums whose own declaration differs (or that one side lacks).
    own_changed: HashSet<String>,
    /// Those and every message type reaching one through fields.
    hot: HashSet<String>,
    /// Message → the message and enum types of its fields (both sides).
    edges: HashMap<String, Vec<String>>,
}

impl Reach {
    pub fn new(old: &Side, new: &Side) -> Reach {
        let mut edges: HashMap<String, Vec<String>> = HashMap::new();
        let mut names: HashSet<String> = HashSet::new();
        for pool in [&old.pool, &new.pool] {
            collect(pool, &mut names, &mut edges);
        }
        let own_changed: HashSet<String> = names
            .iter()
            .filter(|n| match (fingerprint(old, n), fingerprint(new, n)) {
                (Some(a), Some(b)) => a != b,
                _ => true,
            })
            .cloned()
            .collect();
        let mut reverse: HashMap<&str, Vec<&str>> = HashMap::new();
        for (from, tos) in &edges {
            for to in tos {
                reverse.entry(to.as_str()).or_default().push(from.as_str());
            }
        }
        let mut hot: HashSet<String> = own_changed.clone();
        let mut queue: Vec<&str> = own_changed.iter().map(String::as_str).collect();
        while let Some(n) = queue.pop() {
            for &from in reverse.get(n).map(Vec::as_slice).unwrap_or_default() {
                if hot.insert(from.to_string()) {
                    queue.push(from);
                }
            }
        }
        Reach {
            own_changed,
            hot,
            edges,
        }
    }

    /// Whether a type, or a type it reaches, differs between the sides.
    pub fn is_hot(&self, name: &str) -> bool {
        self.hot.contains(name)
    }

    pub fn hot(&self) -> &HashSet<String> {
        &self.hot
    }

    /// The nesting a generator of `root` needs to reach every changed type below it (a
    /// changed message needs one more level, for its message fields), and the changed type
    /// needing the most with its distance (in message levels) from `root`.
    pub fn depth_needed(&self, root: &str) -> (u32, Option<(String, u32)>) {
        let mut dist: HashMap<&str, u32> = HashMap::new();
        let mut queue = VecDeque::from([(root, 0u32)]);
        dist.insert(root, 0);
        let mut needed = 0;
        let mut farthest = None;
        while let Some((n, d)) = queue.pop_front() {
            if self.own_changed.contains(n) {
                // A changed message may have changed a message field, which is set only one
                // level further down; a changed enum is a value of the message above it.
                let need = if self.edges.contains_key(n) { d + 1 } else { d };
                if need > needed {
                    needed = need;
                    farthest = Some((n.to_string(), d));
                }
            }
            for to in self.edges.get(n).map(Vec::as_slice).unwrap_or_default() {
                if self.hot.contains(to) && !dist.contains_key(to.as_str()) {
                    dist.insert(to, d + 1);
                    queue.push_back((to, d + 1));
                }
            }
        }
        (needed, farthest)
    }
}

/// Every message (with its field types) and enum of a pool.
fn collect(
    pool: &DescriptorPool,
    names: &mut HashSet<String>,
    edges: &mut HashMap<String, Vec<String>>,
) {
    for e in pool.all_enums() {
        names.insert(e.full_name().to_string());
    }
    for m in pool.all_messages() {
        names.insert(m.full_name().to_string());
        let out = edges.entry(m.full_name().to_string()).or_default();
        for f in m.fields() {
            let to = match f.kind() {
                Kind::Message(t) => t.full_name().to_string(),
                Kind::Enum(t) => t.full_name().to_string(),
                _ => continue,
            };
            if !out.contains(&to) {
                out.push(to);
            }
        }
    }
}

/// A message's declaration without its nested declarations (they are compared when a
/// field reaches them), with its file's syntax and, for a lowered editions file, the
/// resolved features proto2 descriptors cannot hold (implicit presence, closed enums,
/// UTF-8 validation); an enum's likewise.
fn fingerprint(side: &Side, name: &str) -> Option<Vec<u8>> {
    let editions = |file: &str| side.editions.contains(file) as u8;
    if let Some(m) = side.pool.get_message_by_name(name) {
        let mut proto = m.descriptor_proto().clone();
        proto.nested_type.clear();
        proto.enum_type.clear();
        let mut out = proto.encode_to_vec();
        out.push(m.parent_file().syntax() as u8);
        out.push(editions(m.parent_file().name()));
        for f in m.fields() {
            out.push(side.implicit_presence(&f) as u8);
            out.push(side.utf8_verified(&f) as u8);
        }
        return Some(out);
    }
    let e = side.pool.get_enum_by_name(name)?;
    let mut out = e.enum_descriptor_proto().encode_to_vec();
    out.push(e.parent_file().syntax() as u8);
    out.push(editions(e.parent_file().name()));
    out.push(side.enum_closed(&e) as u8);
    Some(out)
}
