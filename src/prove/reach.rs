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
use prost_reflect::{DescriptorPool, Kind, MessageDescriptor};

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
    /// The hot part of the field graph by number, for walks from every proved type: by
    /// name, each walk hashed every name it met, which made a long chain of types
    /// quadratic in time and hashing.
    graph: Graph,
}

/// Hot types by number: for each, its hot field types (message and enum, in field order),
/// whether it changed itself, whether it is a message.
struct Graph {
    ids: HashMap<String, usize>,
    names: Vec<String>,
    edges: Vec<Vec<usize>>,
    own_changed: Vec<bool>,
    is_message: Vec<bool>,
}

impl Graph {
    fn new(
        hot: &HashSet<String>,
        own_changed: &HashSet<String>,
        edges: &HashMap<String, Vec<String>>,
    ) -> Graph {
        let mut names: Vec<String> = hot.iter().cloned().collect();
        names.sort();
        let ids: HashMap<String, usize> = names
            .iter()
            .enumerate()
            .map(|(i, n)| (n.clone(), i))
            .collect();
        let edges_of = |n: &String| -> Vec<usize> {
            edges
                .get(n)
                .map(|tos| tos.iter().filter_map(|t| ids.get(t).copied()).collect())
                .unwrap_or_default()
        };
        Graph {
            edges: names.iter().map(edges_of).collect(),
            own_changed: names.iter().map(|n| own_changed.contains(n)).collect(),
            is_message: names.iter().map(|n| edges.contains_key(n)).collect(),
            ids,
            names,
        }
    }
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
        let graph = Graph::new(&hot, &own_changed, &edges);
        Reach {
            own_changed,
            hot,
            graph,
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
        let g = &self.graph;
        let Some(&root) = g.ids.get(root) else {
            return (0, None);
        };
        let mut dist: Vec<Option<u32>> = vec![None; g.names.len()];
        let mut queue = VecDeque::from([(root, 0u32)]);
        dist[root] = Some(0);
        let mut needed = 0;
        let mut farthest = None;
        while let Some((n, d)) = queue.pop_front() {
            if g.own_changed[n] {
                // A changed message may have changed a message field, which is set only one
                // level further down; a changed enum is a value of the message above it.
                let need = if g.is_message[n] { d + 1 } else { d };
                if need > needed {
                    needed = need;
                    farthest = Some((n, d));
                }
            }
            for &to in &g.edges[n] {
                if dist[to].is_none() {
                    dist[to] = Some(d + 1);
                    queue.push_back((to, d + 1));
                }
            }
        }
        (needed, farthest.map(|(n, d)| (g.names[n].clone(), d)))
    }
}

impl Reach {
    /// Whether a generator of `root` nesting at most `depth` levels (on either side) can set
    /// a value of a changed type: a changed message at most `depth` levels down, a changed
    /// enum in a message that is, or anything a required message field brings below the
    /// depth limit (its smallest valid value is written there). When it cannot, every
    /// message generated reads the same on both sides, and running cases proves nothing.
    /// Over-approximates (a type seen at one depth counts at any): never skips a type whose
    /// cases could find a counterexample.
    pub fn reaches_change(&self, sides: [&Side; 2], root: &str, depth: u32) -> bool {
        // Type -> the most levels still allowed below it when first visited.
        let mut best: HashMap<String, u32> = HashMap::new();
        let mut queue: VecDeque<(MessageDescriptor, u32)> = VecDeque::new();
        for side in sides {
            if let Some(m) = side.pool.get_message_by_name(root) {
                queue.push_back((m, depth));
            }
        }
        while let Some((m, left)) = queue.pop_front() {
            if self.own_changed.contains(m.full_name()) {
                return true;
            }
            if best.get(m.full_name()).is_some_and(|&b| b >= left) {
                continue;
            }
            best.insert(m.full_name().to_string(), left);
            for f in m.fields() {
                // A map is one level: its value is what is generated.
                let (kind, required) = match f.kind() {
                    Kind::Message(entry) if f.is_map() => {
                        (entry.map_entry_value_field().kind(), false)
                    }
                    k => (k, f.is_required()),
                };
                match kind {
                    Kind::Enum(e) if self.own_changed.contains(e.full_name()) => return true,
                    Kind::Message(sub) if self.hot.contains(sub.full_name()) => {
                        if left > 0 {
                            queue.push_back((sub, left - 1));
                        } else if required {
                            queue.push_back((sub, 0));
                        }
                    }
                    _ => {}
                }
            }
        }
        false
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
