//! Releases as a timeline of file versions, assembled into a [`Ledger`].

use super::*;

// ---- releases as a timeline of file versions ------------------------------------------

/// Which file versions existed in which releases: per path, consecutive runs of one blob.
#[derive(Default)]
pub(super) struct Timeline {
    labels: Vec<String>,
    /// Path → (blob, index of the release it appeared in), for files present now.
    open: HashMap<String, (Oid, usize)>,
    spans: Vec<Span>,
}

/// A file that changed between two consecutive releases: its path and its new blob, or
/// `None` when it was deleted.
pub(super) type Change = (String, Option<Oid>);

impl Timeline {
    /// The next release, given as what changed since the previous one.
    pub(super) fn push(&mut self, label: String, changes: Vec<Change>) {
        let i = self.labels.len();
        self.labels.push(label);
        for (path, new) in changes {
            if let Some((blob, since)) = self.open.remove(&path) {
                self.spans.push((blob, path.clone(), since, i - 1));
            }
            if let Some(blob) = new {
                self.open.insert(path, (blob, i));
            }
        }
    }

    /// The next release, given as every file it holds.
    pub(super) fn push_listing(&mut self, label: String, files: &BTreeMap<String, Oid>) {
        let mut changes: Vec<Change> = Vec::new();
        for (path, &(blob, _)) in &self.open {
            match files.get(path) {
                Some(&b) if b == blob => {}
                other => changes.push((path.clone(), other.copied())),
            }
        }
        for (path, &blob) in files {
            if !self.open.contains_key(path) {
                changes.push((path.clone(), Some(blob)));
            }
        }
        self.push(label, changes);
    }

    pub(super) fn finish(mut self) -> (Vec<String>, Vec<Span>) {
        let last = self.labels.len().saturating_sub(1);
        for (path, (blob, since)) in self.open.drain() {
            self.spans.push((blob, path, since, last));
        }
        self.spans.sort();
        (self.labels, self.spans)
    }
}

/// Merges the summaries of every span into a ledger.
pub(super) fn assemble(
    labels: Vec<String>,
    spans: &[Span],
    summaries: &HashMap<Oid, Arc<Summary>>,
) -> Ledger {
    let mut ledger = Ledger {
        release_meta: vec![
            ReleaseMeta {
                tagged: true,
                time: None
            };
            labels.len()
        ],
        releases: labels,
        ..Default::default()
    };
    for (blob, _, first, last) in spans {
        let Some(summary) = summaries.get(blob) else {
            continue;
        };
        for decl in &summary.elements {
            let h = ledger
                .elements
                .entry((decl.kind, decl.full_name.clone()))
                .or_default();
            h.present.push((*first, *last));
            if decl.deprecated {
                h.deprecated.push((*first, *last));
            }
        }
        for (message, fields) in &summary.messages {
            let h = ledger.messages.entry(message.clone()).or_default();
            for (number, name, ty, label) in fields {
                h.names.entry(name.clone()).or_default().insert(*number);
                let records = h.numbers.entry(*number).or_default();
                match records
                    .iter_mut()
                    .find(|r| r.name == *name && r.ty == *ty && r.label == *label)
                {
                    Some(r) => {
                        r.first = r.first.min(*first);
                        r.last = r.last.max(*last);
                    }
                    None => records.push(FieldRecord {
                        number: *number,
                        name: name.clone(),
                        ty: ty.clone(),
                        label: label.clone(),
                        first: *first,
                        last: *last,
                    }),
                }
            }
        }
        for (enum_, values) in &summary.enums {
            let h = ledger.enums.entry(enum_.clone()).or_default();
            for (number, name) in values {
                h.names.entry(name.clone()).or_default().insert(*number);
                let records = h.numbers.entry(*number).or_default();
                match records.iter_mut().find(|r| r.name == *name) {
                    Some(r) => {
                        r.first = r.first.min(*first);
                        r.last = r.last.max(*last);
                    }
                    None => records.push(ValueRecord {
                        number: *number,
                        name: name.clone(),
                        first: *first,
                        last: *last,
                    }),
                }
            }
        }
    }
    for h in ledger.messages.values_mut() {
        for r in h.numbers.values_mut() {
            r.sort_by(|a, b| (a.first, a.last, &a.name).cmp(&(b.first, b.last, &b.name)));
        }
    }
    for h in ledger.enums.values_mut() {
        for r in h.numbers.values_mut() {
            r.sort_by(|a, b| (a.first, a.last, &a.name).cmp(&(b.first, b.last, &b.name)));
        }
    }
    ledger
}

/// A file version of an earlier release that could not be read: its path, the release
/// it first appears in, its blob id and why.
#[derive(Debug)]
pub struct Unread {
    pub path: String,
    pub release: usize,
    pub blob: Oid,
    pub reason: String,
}

/// Summaries for every blob of the spans: from memory, from disk, else read (by `read`)
/// and parsed, on several threads. Updates `stats` and the cache; the warnings say which
/// files do not parse. Fails with every blob `read` could not deliver: a ledger missing
/// a release's files would let a reused number pass unseen.
pub(super) fn summaries_for(
    spans: &[Span],
    cache: &Cache,
    stats: &mut Stats,
    warnings: &mut Vec<String>,
    mut read: impl FnMut(Oid) -> Result<Vec<u8>, String>,
) -> Result<HashMap<Oid, Arc<Summary>>, Vec<Unread>> {
    summaries_with(spans, cache, stats, warnings, &mut read, &summarize_bytes)
}

/// A file's bytes summarised (text that is not UTF-8 contributes nothing, and says so).
pub(super) fn summarize_bytes(path: &str, bytes: &[u8]) -> Summary {
    match std::str::from_utf8(bytes) {
        Ok(text) => summarize(path, text),
        Err(_) => Summary {
            error: Some(format!("{path}: not valid UTF-8")),
            ..Default::default()
        },
    }
}

/// [`summaries_for`] with the summariser given (tests make it panic).
pub(super) fn summaries_with(
    spans: &[Span],
    cache: &Cache,
    stats: &mut Stats,
    warnings: &mut Vec<String>,
    read: &mut dyn FnMut(Oid) -> Result<Vec<u8>, String>,
    summarise: &(dyn Fn(&str, &[u8]) -> Summary + Sync),
) -> Result<HashMap<Oid, Arc<Summary>>, Vec<Unread>> {
    // Each blob under the first path and release it appears in (for messages).
    let mut names: BTreeMap<Oid, (&str, usize)> = BTreeMap::new();
    for (blob, path, first, _) in spans {
        let e = names.entry(*blob).or_insert((path, *first));
        if *first < e.1 {
            *e = (path, *first);
        }
    }
    stats.blobs = names.len();
    let mut out = HashMap::new();
    let mut todo: Vec<(Oid, &str, Vec<u8>)> = Vec::new();
    let mut unread = Vec::new();
    for (&id, &(path, release)) in &names {
        if let Some(s) = cache.in_memory_get(id) {
            stats.memory_hits += 1;
            out.insert(id, s);
            continue;
        }
        match cache.on_disk_get(id) {
            Lookup::Hit(s) => {
                stats.disk_hits += 1;
                out.insert(id, s);
                continue;
            }
            Lookup::Rejected => stats.rejected += 1,
            Lookup::Miss => {}
        }
        match read(id) {
            Ok(bytes) => {
                stats.blobs_read += 1;
                todo.push((id, path, bytes));
            }
            Err(reason) => unread.push(Unread {
                path: path.to_string(),
                release,
                blob: id,
                reason,
            }),
        }
    }
    if !unread.is_empty() {
        unread.sort_by(|a, b| (a.release, &a.path).cmp(&(b.release, &b.path)));
        return Err(unread);
    }
    stats.parsed = todo.len();
    let parse_all = |part: &[(Oid, &str, Vec<u8>)]| -> Vec<(Oid, Summary)> {
        part.iter()
            .map(|(id, path, bytes)| (*id, summarise(path, bytes)))
            .collect()
    };
    let threads = std::thread::available_parallelism()
        .map(|n| n.get())
        .unwrap_or(1)
        .clamp(1, 16);
    let chunk = todo.len().div_ceil(threads).max(8);
    let parsed: Vec<(Oid, Summary)> = std::thread::scope(|s| {
        let handles: Vec<_> = todo
            .chunks(chunk)
            .map(|part| s.spawn(move || parse_all(part)))
            .collect();
        // A worker's panic is this thread's panic: never a ledger with a chunk missing.
        handles.into_iter().flat_map(crate::threads::join).collect()
    });
    for (id, summary) in parsed {
        cache.store(id, &summary);
        let summary = Arc::new(summary);
        cache.remember(id, Arc::clone(&summary));
        out.insert(id, summary);
    }
    let mut bad: Vec<&str> = Vec::new();
    for (id, s) in &out {
        if s.error.is_some() {
            stats.unparsable += 1;
            if let Some((path, _)) = names.get(id) {
                bad.push(path);
            }
        }
    }
    if !bad.is_empty() {
        bad.sort();
        bad.dedup();
        let first_error = names
            .keys()
            .filter_map(|id| out.get(id)?.error.clone())
            .next()
            .unwrap_or_default();
        warnings.push(format!(
            "history: {} file version{} in earlier releases do{} not parse, so the history rules \
             do not see what {} declared ({}; first error: {first_error})",
            stats.unparsable,
            if stats.unparsable == 1 { "" } else { "s" },
            if stats.unparsable == 1 { "es" } else { "" },
            if stats.unparsable == 1 { "it" } else { "they" },
            bad.iter().take(5).copied().collect::<Vec<_>>().join(", ")
        ));
    }
    Ok(out)
}
