//! Blast radius: the messages, services and RPCs that reach a type, through fields
//! (transitively, via message-typed fields and map values) or as an RPC's request or
//! response type.
//!
//! The reverse reference graph of a side is built once (one pass over its fields and
//! RPCs); each root is then a breadth-first walk, remembered for the findings that share it.

use std::collections::{BTreeSet, HashMap, HashSet, VecDeque};

use crate::index::Index;

/// The reverse reference graph of one side.
pub struct Graph<'a> {
    index: &'a Index,
    /// Type full name → messages with a field of that type.
    by_field: HashMap<&'a str, Vec<usize>>,
    /// Type full name → RPCs (service, method) taking or returning it.
    by_rpc: HashMap<&'a str, Vec<(usize, usize)>>,
    memo: HashMap<String, Vec<String>>,
}

impl<'a> Graph<'a> {
    pub fn build(index: &'a Index) -> Graph<'a> {
        let mut by_field: HashMap<&str, Vec<usize>> = HashMap::new();
        for (i, m) in index.messages.iter().enumerate() {
            for f in &m.fields {
                if f.kind.is_named_type() {
                    let users = by_field
                        .entry(f.type_name.trim_start_matches('.'))
                        .or_default();
                    if users.last() != Some(&i) {
                        users.push(i);
                    }
                }
            }
        }
        let mut by_rpc: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
        for (s, svc) in index.services.iter().enumerate() {
            for (k, m) in svc.methods.iter().enumerate() {
                let input = m.input_type.trim_start_matches('.');
                let output = m.output_type.trim_start_matches('.');
                by_rpc.entry(input).or_default().push((s, k));
                if output != input {
                    by_rpc.entry(output).or_default().push((s, k));
                }
            }
        }
        Graph {
            index,
            by_field,
            by_rpc,
            memo: HashMap::new(),
        }
    }

    /// Everything of the schema (not imports, not synthesized map entries) that reaches the
    /// type `root` (full name, no leading dot), sorted; RPCs as `pkg.Service.Method`. The
    /// root itself is not listed.
    pub fn reachers(&mut self, root: &str) -> &[String] {
        if !self.memo.contains_key(root) {
            let found = self.walk(root);
            self.memo.insert(root.to_string(), found);
        }
        &self.memo[root]
    }

    fn walk(&self, root: &str) -> Vec<String> {
        let index = self.index;
        let shown = |file: usize| !index.files[file].is_import;
        let mut out = BTreeSet::new();
        let mut seen: HashSet<usize> = HashSet::new();
        let mut queue: VecDeque<&str> = VecDeque::from([root]);
        while let Some(t) = queue.pop_front() {
            for &(s, k) in self.by_rpc.get(t).into_iter().flatten() {
                let svc = &index.services[s];
                if shown(svc.file) {
                    out.insert(format!("{}.{}", svc.full_name, svc.methods[k].name));
                    out.insert(svc.full_name.clone());
                }
            }
            for &m in self.by_field.get(t).into_iter().flatten() {
                if !seen.insert(m) {
                    continue;
                }
                let msg = &index.messages[m];
                if !msg.map_entry && shown(msg.file) {
                    out.insert(msg.full_name.clone());
                }
                queue.push_back(&msg.full_name);
            }
        }
        out.remove(root);
        out.into_iter().collect()
    }
}
