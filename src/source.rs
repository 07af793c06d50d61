//! Sources: what a user names on the command line (a directory that is an import root, or a
//! FileDescriptorSet image) turned into the compiled files of one side.
//!
//! Loading a pair of sides is one sequence (read, plan, compile both sides with
//! verification, fall back to a full load on any error) whose steps share their local
//! state; it reads top to bottom as that sequence. Reading a side is [`crate::read`].

use std::path::{Path, PathBuf};

use std::collections::{BTreeMap, BTreeSet};

use crate::buf_yaml::BufConfig;
use crate::compile::{self, SourceSet};
use crate::error::{ConfigError, LoadError};
use crate::git::{self, GitSpec, GitTarget};
use crate::index::{Index, InputFile};
use crate::plan;
use crate::read::{load_image_input, read_sources, read_sources_knowing};

/// One side of a comparison, as named by the user.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A directory: the import root, every `*.proto` below it is checked.
    Dir(PathBuf),
    /// A binary `FileDescriptorSet` (`buf build -o x.binpb`, `protoc -o x.binpb`).
    Image(PathBuf),
    /// A commit, branch, tag or the index of a git repository.
    Git(GitSpec),
}

impl Input {
    /// Interprets a command-line argument.
    pub fn parse(spec: &str) -> Result<Input, LoadError> {
        if let Some(git) = GitSpec::parse(spec) {
            return git.map(Input::Git);
        }
        if spec.trim().is_empty() {
            return Err(LoadError::EmptyPath);
        }
        let path = PathBuf::from(spec);
        let meta = std::fs::metadata(&path).map_err(|e| match e.kind() {
            std::io::ErrorKind::NotFound => LoadError::NotFound {
                path: spec.to_string(),
            },
            _ => LoadError::Unreadable {
                path: spec.to_string(),
                reason: e.to_string(),
            },
        })?;
        Ok(if meta.is_dir() {
            Input::Dir(path)
        } else if path.extension().is_some_and(|x| x == "proto") {
            // Source files are not images: decoding one would fail with a confusing reason.
            return Err(LoadError::ProtoFile {
                path: spec.to_string(),
            });
        } else {
            Input::Image(path)
        })
    }

    pub fn display(&self) -> String {
        match self {
            Input::Dir(p) | Input::Image(p) => p.display().to_string(),
            Input::Git(g) => g.text.clone(),
        }
    }

    /// The buf.yaml of a directory input, if it has one.
    pub fn buf_config(&self) -> Result<Option<BufConfig>, ConfigError> {
        match self {
            Input::Dir(p) => BufConfig::find(p),
            // A git side follows the layout of the buf.yaml it is compared with.
            Input::Image(_) | Input::Git(_) => Ok(None),
        }
    }
}

/// How to load a side: extra include roots (`-I`), and the layout of its buf.yaml.
#[derive(Clone, Debug, Default)]
pub struct LoadOptions {
    pub includes: Vec<PathBuf>,
    pub layout: Option<BufConfig>,
    /// Keep the encoded `FileDescriptorSet` (for the prover); implies compiling everything.
    pub keep_descriptors: bool,
}

/// One loaded side: its index and the import roots it was read from.
#[derive(Debug)]
pub struct Schema {
    pub index: Index,
    pub input: Input,
    /// The encoded `FileDescriptorSet` with imports, when `keep_descriptors` was asked.
    pub encoded: Option<Vec<u8>>,
    /// Files a planned load compiled without source info (see [`Mode::Planned`]): they
    /// compiled to the same descriptors on both sides, and no finding may be located in
    /// them (the caller checks, and loads again with [`Mode::PlannedWithSpans`] if one is).
    pub spanless: BTreeSet<String>,
}

impl Schema {
    /// Reads, compiles and indexes one side, all of it.
    pub fn load(input: &Input, options: &LoadOptions) -> Result<Schema, LoadError> {
        let set = read_sources(input, options)?;
        crate::limits::on_compile_stack(|| Schema::from_sources(input, &set, options))
    }

    /// Compiles everything of a side already read.
    fn from_sources(
        input: &Input,
        set: &Option<SourceSet>,
        options: &LoadOptions,
    ) -> Result<Schema, LoadError> {
        let (files, encoded) = match set {
            None => {
                let files = load_image_input(input)?;
                let encoded = match (input, options.keep_descriptors) {
                    (Input::Image(p), true) => {
                        crate::limits::read_regular(p, crate::limits::MAX_IMAGE_BYTES).ok()
                    }
                    _ => None,
                };
                (files, encoded)
            }
            Some(set) => {
                let names: Vec<String> = set.files.keys().cloned().collect();
                if options.keep_descriptors {
                    let (files, bytes) = compile::compile_set_encoded(set, &names)?;
                    (files, Some(bytes))
                } else {
                    (compile::compile_set(set, &names)?, None)
                }
            }
        };
        Ok(Schema {
            index: Index::build(files),
            input: input.clone(),
            encoded,
            spanless: BTreeSet::new(),
        })
    }

    /// Loads both sides of a comparison. With `Mode::Planned`, only files that can differ
    /// are compiled (see [`crate::plan`]); the findings are the same as a full load's.
    pub fn load_pair(
        old: (&Input, &LoadOptions),
        new: (&Input, &LoadOptions),
        mode: Mode,
    ) -> Result<(Schema, Schema), LoadError> {
        let (mut o, mut n) = Schema::load_pair_compiled(old, new, mode)?;
        if !matches!(old.0, Input::Image(_)) && !matches!(new.0, Input::Image(_)) {
            crate::shared_imports::mark_unchanged(&mut o.index, &mut n.index);
        }
        Ok((o, n))
    }

    fn load_pair_compiled(
        old: (&Input, &LoadOptions),
        new: (&Input, &LoadOptions),
        mode: Mode,
    ) -> Result<(Schema, Schema), LoadError> {
        let t = std::time::Instant::now();
        let (old_set, new_set) = match (old.0, new.0) {
            // A git side reads only the blobs the other side does not already hold.
            (Input::Git(_), _) => {
                let n = read_sources(new.0, new.1)?;
                let known = known_texts(n.as_ref());
                (read_sources_knowing(old.0, old.1, &known)?, n)
            }
            (_, Input::Git(_)) => {
                let o = read_sources(old.0, old.1)?;
                let known = known_texts(o.as_ref());
                let n = read_sources_knowing(new.0, new.1, &known)?;
                (o, n)
            }
            _ => {
                let (o, n) = std::thread::scope(|s| {
                    let o = s.spawn(|| read_sources(old.0, old.1));
                    let n = read_sources(new.0, new.1);
                    (crate::threads::join(o), n)
                });
                (o?, n?)
            }
        };
        timing("read both sides", t);
        // With descriptors kept (for the prover), they are those of the compiled files: every
        // type a change can reach lives in a dirty file (see [`crate::prove`]).
        let planned = matches!(mode, Mode::Planned | Mode::PlannedWithSpans);
        // An image side, descriptors wanted, planning turned off, or a planned load that
        // failed (its error is then exactly the full load's): compile everything.
        let full = || -> Result<(Schema, Schema), LoadError> {
            let (o, n) = crate::limits::both(
                || Schema::from_sources(old.0, &old_set, old.1),
                || Schema::from_sources(new.0, &new_set, new.1),
            );
            Ok((o?, n?))
        };
        let (Some(old_set), Some(new_set), true) = (&old_set, &new_set, planned) else {
            return full();
        };
        let t = std::time::Instant::now();
        let (old_headers, new_headers) = headers_of(old_set, new_set);
        // Whether a side has an editions file is in its headers: no text is scanned again.
        for (set, headers) in [(old_set, &old_headers), (new_set, &new_headers)] {
            let _ = set
                .editions
                .set(headers.values().any(|h| h.edition.is_some()));
        }
        timing("scan headers", t);
        let t = std::time::Instant::now();
        let mut plan = plan::Plan::new(
            &side_files(old_set, &old_headers),
            &side_files(new_set, &new_headers),
        );
        // A file with an import that resolves nowhere is compiled, so that the user gets
        // the compiler's error for it just as in a full load.
        for (set, headers) in [(old_set, &old_headers), (new_set, &new_headers)] {
            for (name, header) in headers.iter() {
                if !plan.dirty.contains(name) && header.imports.iter().any(|i| !resolvable(set, i))
                {
                    plan.dirty.insert(name.clone());
                }
            }
        }
        // Files dirty only because something they import changed (same text on both
        // sides) are compiled without source info, unless their text may hold a directive
        // the contract reads from comments.
        let spanless: BTreeSet<String> = if mode == Mode::Planned
            && !old.1.keep_descriptors
            && !new.1.keep_descriptors
        {
            plan.dirty
                .iter()
                .filter(
                    |name| match (old_set.files.get(*name), new_set.files.get(*name)) {
                        (Some(a), Some(b)) => a.key == b.key && !plan::may_hold_directive(&a.text),
                        _ => false,
                    },
                )
                .cloned()
                .collect()
        } else {
            BTreeSet::new()
        };
        // Files parsed without source info on both sides are parsed once.
        let shared = compile::SharedParses::default();
        // The index, the encoded descriptors when kept, and a digest of each file compiled
        // without source info.
        type Built = (Index, Option<Vec<u8>>, BTreeMap<String, git2::Oid>);
        let build = |set: &SourceSet,
                     h: &BTreeMap<String, plan::Header>,
                     imports: &[String],
                     keep: bool,
                     spanless: &BTreeSet<String>|
         -> Result<Built, LoadError> {
            let names: Vec<String> = set
                .files
                .keys()
                .filter(|k| plan.dirty.contains(*k))
                .cloned()
                .chain(imports.iter().cloned())
                .collect();
            let t = std::time::Instant::now();
            let (mut inputs, encoded) = if names.is_empty() {
                (Vec::new(), keep.then(Vec::new))
            } else if keep {
                let (inputs, bytes) = compile::compile_set_encoded(set, &names)?;
                (inputs, Some(bytes))
            } else {
                (
                    compile::compile_set_spanless(set, &names, spanless, &shared)?,
                    None,
                )
            };
            timing(
                &format!("compile {} files of {}", names.len(), set.display_root),
                t,
            );
            let digests: BTreeMap<String, git2::Oid> = inputs
                .iter()
                .filter(|i| i.proto.source_code_info.is_none())
                .filter_map(|i| {
                    let name = i.proto.name.as_deref()?;
                    spanless.contains(name).then(|| {
                        let bytes = prost::Message::encode_to_vec(&i.proto);
                        let digest = git2::Oid::hash_object(git2::ObjectType::Blob, &bytes)
                            .unwrap_or(git2::Oid::ZERO_SHA1);
                        (name.to_string(), digest)
                    })
                })
                .collect();
            let compiled: std::collections::HashSet<String> =
                inputs.iter().filter_map(|i| i.proto.name.clone()).collect();
            for input in &mut inputs {
                let name = input.proto.name.as_deref().unwrap_or("");
                input.unchanged = set.files.contains_key(name) && !plan.dirty.contains(name);
            }
            // Files not compiled still exist, with their package: a stub each.
            for (name, f) in &set.files {
                if compiled.contains(name) {
                    continue;
                }
                let header = &h[name];
                inputs.push(InputFile {
                    proto: crate::descriptor::FileDescriptorProto {
                        name: Some(name.clone()),
                        package: Some(header.package.clone()).filter(|p| !p.is_empty()),
                        syntax: match header.edition {
                            Some(_) => Some("editions".to_string()),
                            None => header.syntax.clone(),
                        },
                        edition: header
                            .edition
                            .as_deref()
                            .and_then(crate::features::edition_number),
                        ..Default::default()
                    },
                    display: f.display.clone(),
                    module_root: f.module_root.clone(),
                    content_id: Some(f.key),
                    is_import: false,
                    unchanged: true,
                    text: Some(std::sync::Arc::clone(&f.text)),
                    stub_declares: Some(header.declares),
                });
            }
            inputs.sort_by(|a, b| a.proto.name.cmp(&b.proto.name));
            let t = std::time::Instant::now();
            let index = Index::build(inputs);
            timing(&format!("index {}", set.display_root), t);
            Ok((index, encoded, digests))
        };
        timing(
            &format!(
                "plan ({} of {} files dirty)",
                plan.dirty.len(),
                new_set.files.len()
            ),
            t,
        );
        // Files left out must still compile: once, on one side (see [`crate::verified`]).
        let clean: Vec<String> = old_set
            .files
            .keys()
            .filter(|k| !plan.dirty.contains(*k))
            .cloned()
            .collect();
        // They compile the same on both sides, unless the sides are judged by different
        // compilers (an editions file added or removed: protoc on one side, protox on the
        // other, and the two do not refuse exactly the same schemas): then on both.
        let t = std::time::Instant::now();
        let known = crate::verified::known();
        let mut old_graph = crate::verified::Closures::of(old_set, &old_headers, &is_well_known);
        let mut new_graph = crate::verified::Closures::of(new_set, &new_headers, &is_well_known);
        let mut pending = vec![(
            old_set,
            crate::verified::pending(&mut old_graph, &clean, &known),
        )];
        if new_set.has_editions() != old_set.has_editions() {
            pending.push((
                new_set,
                crate::verified::pending(&mut new_graph, &clean, &known),
            ));
        }
        // Files declaring extensions, together, on each side (the same group once).
        let mut groups: Vec<(&SourceSet, crate::verified::Pending)> = Vec::new();
        for (set, headers, graph) in [
            (old_set, &old_headers, &mut old_graph),
            (new_set, &new_headers, &mut new_graph),
        ] {
            let group = crate::verified::extension_group(graph, headers, &known);
            if !group.names.is_empty() && !groups.iter().any(|(_, g)| g.same_as(&group)) {
                groups.push((set, group));
            }
        }
        timing("find what is verified already", t);
        let verify = || -> Result<(), LoadError> {
            for (set, pending) in &pending {
                if !pending.names.is_empty() {
                    compile::verify_set(set, &pending.names)?;
                    pending.record();
                }
            }
            for (set, group) in &groups {
                compile::verify_together(set, &group.names)?;
                group.record();
            }
            Ok(())
        };
        let t = std::time::Instant::now();
        let ((o, verified), n) = crate::limits::both(
            || {
                crate::limits::both(
                    || {
                        build(
                            old_set,
                            &old_headers,
                            &[],
                            old.1.keep_descriptors,
                            &spanless,
                        )
                    },
                    verify,
                )
            },
            || {
                build(
                    new_set,
                    &new_headers,
                    &[],
                    new.1.keep_descriptors,
                    &spanless,
                )
            },
        );
        // An import only one side's compiled files reach may still be reached from the
        // files left out (the same on both sides): compile their imports too, then the
        // sides hold every import a full load holds (see [`crate::shared_imports`]).
        let with_shared_imports =
            |o: Result<Built, LoadError>,
             n: Result<Built, LoadError>,
             spanless: &BTreeSet<String>| match (o, n) {
                (Ok(o), Ok(n)) if crate::shared_imports::one_sided(&o.0, &n.0) => {
                    let left_out = |set: &SourceSet, h: &BTreeMap<String, plan::Header>| {
                        crate::shared_imports::of_left_out(set, h, &plan.dirty)
                    };
                    let (o_imports, n_imports) = (
                        left_out(old_set, &old_headers),
                        left_out(new_set, &new_headers),
                    );
                    if o_imports.is_empty() && n_imports.is_empty() {
                        (Ok(o), Ok(n))
                    } else {
                        crate::limits::both(
                            || {
                                build(
                                    old_set,
                                    &old_headers,
                                    &o_imports,
                                    old.1.keep_descriptors,
                                    spanless,
                                )
                            },
                            || {
                                build(
                                    new_set,
                                    &new_headers,
                                    &n_imports,
                                    new.1.keep_descriptors,
                                    spanless,
                                )
                            },
                        )
                    }
                }
                other => other,
            };
        let (o, n) = with_shared_imports(o, n, &spanless);
        timing(
            &format!(
                "compile and index ({} unchanged verified)",
                pending.iter().map(|(_, p)| p.names.len()).sum::<usize>()
            ),
            t,
        );
        let (Ok(o), Ok(n), Ok(())) = (o, n, verified) else {
            return full();
        };
        // A file compiled without source info whose descriptors differ between the sides
        // resolves something differently: findings may be located in it, so the sides are
        // compiled again with every file's source info.
        let (o, n) = if o.2 == n.2 {
            (o, n)
        } else {
            let none = BTreeSet::new();
            let (o, n) = crate::limits::both(
                || build(old_set, &old_headers, &[], old.1.keep_descriptors, &none),
                || build(new_set, &new_headers, &[], new.1.keep_descriptors, &none),
            );
            match with_shared_imports(o, n, &none) {
                (Ok(o), Ok(n)) => (o, n),
                _ => return full(),
            }
        };
        let spanless: BTreeSet<String> = o.2.into_keys().collect();
        Ok((
            Schema {
                index: o.0,
                input: old.0.clone(),
                encoded: o.1,
                spanless: spanless.clone(),
            },
            Schema {
                index: n.0,
                input: new.0.clone(),
                encoded: n.1,
                spanless,
            },
        ))
    }
}

/// Prints how long a stage took when `PROTOGUARD_TIMING` is set (for benchmarking), with
/// the process's resident and peak memory where the system tells them (Linux).
pub fn timing(stage: &str, since: std::time::Instant) {
    if std::env::var_os("PROTOGUARD_TIMING").is_some() {
        let memory = std::fs::read_to_string("/proc/self/status")
            .ok()
            .map(|status| {
                let field = |key: &str| {
                    status
                        .lines()
                        .find_map(|l| l.strip_prefix(key))
                        .and_then(|v| v.trim().trim_end_matches(" kB").trim().parse::<u64>().ok())
                        .map_or("?".to_string(), |kb| format!("{} MB", kb / 1024))
                };
                format!(" (rss {}, peak {})", field("VmRSS:"), field("VmHWM:"))
            })
            .unwrap_or_default();
        eprintln!(
            "timing: {stage}: {:.3}s{memory}",
            since.elapsed().as_secs_f64()
        );
    }
}

/// How much of the two sides to compile.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mode {
    /// Only files that can differ (the default). Of those, the files that only an import
    /// made dirty (same text on both sides) are compiled without source info: nothing is
    /// reported in them unless something they resolve changed, which the load itself
    /// sees for their own descriptors ([`Schema::spanless`]); a finding another file's
    /// change places in them is for the caller to see ([`crate::spans_missing`]).
    Planned,
    /// As `Planned`, with every compiled file's source info.
    PlannedWithSpans,
    /// Everything, as a reference for the planned mode.
    Full,
}

/// The texts of a side by content key, for the other side to reuse.
fn known_texts(set: Option<&SourceSet>) -> git::Known {
    set.map(|s| {
        s.files
            .values()
            .map(|f| (f.key, std::sync::Arc::clone(&f.text)))
            .collect()
    })
    .unwrap_or_default()
}

/// What planning needs of a side: each file's content key and header.
fn side_files<'a>(
    set: &'a SourceSet,
    headers: &'a BTreeMap<String, plan::Header>,
) -> plan::SideFiles<'a> {
    plan::SideFiles {
        files: set
            .files
            .iter()
            .map(|(k, f)| (k.as_str(), (f.key, &headers[k])))
            .collect(),
    }
}

/// Whether an import resolves: a file of the side, a file under one of its roots, or a
/// well-known type shipped with the compiler.
fn resolvable(set: &SourceSet, import: &str) -> bool {
    set.files.contains_key(import)
        || set.roots.iter().any(|r| r.path.join(import).is_file())
        || is_well_known(import)
}

/// The files the compilers ship (`google/protobuf/*.proto`), asked once each.
fn is_well_known(import: &str) -> bool {
    use protox::file::FileResolver;
    use std::sync::{Mutex, OnceLock};
    static KNOWN: OnceLock<Mutex<BTreeMap<String, bool>>> = OnceLock::new();
    let known = KNOWN.get_or_init(Default::default);
    if let Some(&k) = known
        .lock()
        .ok()
        .and_then(|m| m.get(import).copied())
        .as_ref()
    {
        return k;
    }
    // protoc, which compiles editions sets, also ships the language feature files.
    let k = import.starts_with("google/protobuf/")
        && (protox::file::GoogleFileResolver::new()
            .open_file(import)
            .is_ok()
            || crate::protoc::ships(import));
    if let Ok(mut m) = known.lock() {
        m.insert(import.to_string(), k);
    }
    k
}

/// The top-level statements of every file of both sides, each distinct content scanned
/// once, on two threads.
fn headers_of(
    old: &SourceSet,
    new: &SourceSet,
) -> (
    BTreeMap<String, plan::Header>,
    BTreeMap<String, plan::Header>,
) {
    // Contents scanned by an earlier run are not scanned again (see crate::header_cache).
    let mut scanned = crate::header_cache::load();
    let mut texts: std::collections::HashMap<git2::Oid, &str> = std::collections::HashMap::new();
    for f in old.files.values().chain(new.files.values()) {
        if !scanned.contains_key(&f.key) {
            texts.entry(f.key).or_insert(&f.text);
        }
    }
    let texts: Vec<(git2::Oid, &str)> = texts.into_iter().collect();
    let (first, second) = texts.split_at(texts.len() / 2);
    let scan_all = |part: &[(git2::Oid, &str)]| -> Vec<(git2::Oid, plan::Header)> {
        part.iter().map(|(k, t)| (*k, plan::scan(t))).collect()
    };
    let fresh: Vec<(git2::Oid, plan::Header)> = std::thread::scope(|s| {
        let a = s.spawn(|| scan_all(first));
        let mut all = scan_all(second);
        all.extend(crate::threads::join(a));
        all
    });
    crate::header_cache::save(&fresh);
    scanned.extend(fresh);
    let per_side = |set: &SourceSet| {
        set.files
            .iter()
            .map(|(name, f)| {
                (
                    name.clone(),
                    scanned.get(&f.key).cloned().unwrap_or_default(),
                )
            })
            .collect()
    };
    (per_side(old), per_side(new))
}

/// The two sides a `check` compares, as resolved from the command line.
#[derive(Debug)]
pub struct InputPair {
    pub new: Input,
    pub old: Input,
    /// Which baseline `latest-release` chose, for the user to see.
    pub baseline: Option<String>,
}

/// Resolves NEW, `--against`, `--staged` and `latest-release` into two inputs.
///
/// - `--staged`: NEW is the index (what is about to be committed) under the directory NEW
///   names in the work tree; the default baseline is `HEAD`.
/// - `--against latest-release`: the highest semver tag matching `tag_pattern`, else the
///   merge-base of HEAD with the default branch.
/// - A git baseline without `subdir=` compared with a directory inside the same work tree
///   reads the same directory of the commit, so `check proto --against git:main` works.
pub fn resolve_pair(
    new: &str,
    against: Option<&str>,
    staged: bool,
    tag_pattern: &str,
) -> Result<InputPair, LoadError> {
    // Where NEW sits inside its work tree, if it is a directory in one.
    let in_repo = |dir: &str| -> Option<(PathBuf, String)> {
        let repo = git2::Repository::discover(dir).ok()?;
        let top = repo.workdir()?.canonicalize().ok()?;
        let here = Path::new(dir).canonicalize().ok()?;
        let rel = here.strip_prefix(&top).ok()?;
        let rel = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy())
            .collect::<Vec<_>>()
            .join("/");
        Some((top, rel))
    };
    let new_input = if staged {
        let (top, rel) = in_repo(new).ok_or_else(|| LoadError::Git {
            input: "--staged".into(),
            reason: format!("{new} is not a directory inside a git work tree"),
        })?;
        let mut spec = GitSpec::staged(&rel);
        spec.repo = top;
        Input::Git(spec)
    } else {
        Input::parse(new)?
    };
    let new_location = match &new_input {
        Input::Dir(_) => in_repo(new),
        Input::Git(g) if g.target == GitTarget::Staged => Some((g.repo.clone(), g.subdir.clone())),
        _ => None,
    };
    let mut baseline = None;
    let mut old_input = match against {
        Some("latest-release") => {
            let from = new_location
                .as_ref()
                .map(|(top, _)| top.clone())
                .unwrap_or_else(|| PathBuf::from("."));
            let repo = git2::Repository::discover(&from).map_err(|e| LoadError::Git {
                input: "latest-release".into(),
                reason: format!("not a git repository: {}", e.message()),
            })?;
            let (mut spec, note) = git::latest_release(&repo, tag_pattern)?;
            spec.repo = from;
            baseline = Some(note);
            Input::Git(spec)
        }
        Some(spec) => Input::parse(spec)?,
        None if staged => {
            let (top, rel) = new_location.clone().unwrap_or_default();
            let head_has_protos = git2::Repository::discover(&top)
                .is_ok_and(|repo| git::head_has_protos(&repo, &rel));
            if head_has_protos {
                Input::Git(GitSpec {
                    repo: top,
                    target: GitTarget::Ref("HEAD".into()),
                    subdir: String::new(),
                    text: "HEAD".into(),
                })
            } else {
                // The first commit, or the first .proto files: every staged file is new and
                // nothing can break, so the index is its own baseline.
                let under = if rel.is_empty() {
                    String::new()
                } else {
                    format!(" under {rel}")
                };
                baseline = Some(format!(
                    "none: HEAD has no .proto files{under}, so every staged file is new"
                ));
                new_input.clone()
            }
        }
        None => {
            return Err(LoadError::Git {
                input: "--against".into(),
                reason: "missing: name the schema to compare with (a directory, an image, a git ref such as .git#branch=main, or latest-release), or use --staged".into(),
            })
        }
    };
    if let (Input::Git(old), Some((top, rel))) = (&mut old_input, &new_location) {
        let old_top = git::open(old)
            .ok()
            .and_then(|r| r.workdir().and_then(|w| w.canonicalize().ok()));
        if old.subdir.is_empty() && !old.text.contains("subdir=") {
            if old_top.as_ref() == Some(top) {
                old.subdir = rel.clone();
            } else if let Some(inner) = old_top
                .as_ref()
                .and_then(|w| top.join(rel).strip_prefix(w).ok().map(Path::to_path_buf))
            {
                // NEW is in a repository nested in the baseline's work tree (a submodule):
                // its place there, followed through the gitlink below.
                old.subdir = inner
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
            }
        }
    }
    // A subdir inside a submodule is read from the submodule, at the commit recorded.
    if let Input::Git(old) = &mut old_input {
        *old = git::through_submodules(old)?;
    }
    Ok(InputPair {
        new: new_input,
        old: old_input,
        baseline,
    })
}
