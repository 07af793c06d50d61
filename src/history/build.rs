//! Building a [`Ledger`] from release directories or from a git repository's tags.

use super::*;

// ---- building from directories ----------------------------------------------------------

/// A ledger from directories, oldest first (`(label, import root)`): every `*.proto` below
/// each. Kept in an in-memory cache only. For fixtures and tests.
pub fn from_dirs(releases: &[(String, PathBuf)]) -> Result<Ledger, LoadError> {
    from_dirs_with(releases, Cache::shared_memory())
}

/// [`from_dirs`] with a given cache.
pub fn from_dirs_with(releases: &[(String, PathBuf)], cache: &Cache) -> Result<Ledger, LoadError> {
    let mut timeline = Timeline::default();
    let mut texts: HashMap<Oid, Vec<u8>> = HashMap::new();
    for (label, dir) in releases {
        let mut files = BTreeMap::new();
        for name in crate::compile::find_protos(dir, &[])? {
            let path = dir.join(&name);
            let bytes = std::fs::read(&path).map_err(|e| LoadError::Unreadable {
                path: path.display().to_string(),
                reason: e.to_string(),
            })?;
            let id =
                Oid::hash_object(ObjectType::Blob, &bytes).map_err(|e| LoadError::Unreadable {
                    path: path.display().to_string(),
                    reason: e.message().to_string(),
                })?;
            texts.entry(id).or_insert(bytes);
            files.insert(name, id);
        }
        timeline.push_listing(label.clone(), &files);
    }
    let (labels, spans) = timeline.finish();
    let mut stats = Stats {
        releases: labels.len(),
        ..Default::default()
    };
    let mut warnings = Vec::new();
    let summaries = summaries_for(&spans, cache, &mut stats, &mut warnings, |id| {
        texts
            .remove(&id)
            .ok_or_else(|| "read once and no longer held".to_string())
    })
    .map_err(|unread| {
        let u = &unread[0];
        LoadError::Unreadable {
            path: u.path.clone(),
            reason: u.reason.clone(),
        }
    })?;
    let mut ledger = assemble(labels, &spans, &summaries);
    ledger.stats = stats;
    ledger.warnings = warnings;
    Ok(ledger)
}

// ---- building from git --------------------------------------------------------------------

pub(super) fn bad(spec: &GitSpec, reason: &str) -> LoadError {
    LoadError::Git {
        input: spec.text.clone(),
        reason: reason.to_string(),
    }
}

/// A ledger of the history of a git baseline: the tags matching `tag_pattern` (a glob, as
/// for `latest-release`) whose commit is the baseline or one of its ancestors, oldest
/// first, then the baseline itself. With `all_commits`, every commit reachable from the
/// baseline that changed a `.proto` file under the spec's subdir (the latest
/// [`MAX_HISTORY_COMMITS`] of them), labelled by tag where one points at it.
///
/// Uses the process-wide [`Cache::shared`] (memory and `~/.cache/protoguard`).
pub fn from_git(
    repo: &Repository,
    spec: &GitSpec,
    tag_pattern: &str,
    all_commits: bool,
) -> Result<Ledger, LoadError> {
    from_git_with(repo, spec, tag_pattern, all_commits, Cache::shared())
}

/// [`from_git`] with a given cache.
pub fn from_git_with(
    repo: &Repository,
    spec: &GitSpec,
    tag_pattern: &str,
    all_commits: bool,
    cache: &Cache,
) -> Result<Ledger, LoadError> {
    from_git_reading(repo, spec, tag_pattern, all_commits, false, cache)
}

/// [`from_git_with`]; with `baseline_alone`, a baseline with no release before it is read
/// too (the deprecation cycle counts the baseline's own `deprecated` marks, while the reuse
/// rules, which see the baseline anyway, need nothing from it).
pub fn from_git_reading(
    repo: &Repository,
    spec: &GitSpec,
    tag_pattern: &str,
    all_commits: bool,
    baseline_alone: bool,
    cache: &Cache,
) -> Result<Ledger, LoadError> {
    // The baseline: a commit, or (for the index) HEAD's history without the index itself.
    let (baseline, baseline_label) = match spec.target {
        GitTarget::Staged => {
            let head = repo
                .head()
                .ok()
                .and_then(|h| h.peel_to_commit().ok())
                .map(|c| c.id());
            (head, None)
        }
        _ => {
            let id = git::resolve(repo, spec)?;
            let label = match &spec.target {
                GitTarget::Tag(t) | GitTarget::Branch(t) => t.clone(),
                _ => git::short(id),
            };
            (Some(id), Some(label))
        }
    };
    let (mut notes, mut warnings) = (Vec::new(), Vec::new());
    let Some(baseline) = baseline else {
        return Ok(Ledger::default());
    };
    let tags = matching_tags(repo, tag_pattern, spec)?;
    let mut releases: Vec<(String, Oid)> = if all_commits {
        commits_touching(repo, baseline, spec, &tags, &mut warnings)?
    } else {
        release_tags(repo, baseline, &tags)
    };
    // The baseline comes last, under the name the user gave it (or its tag's).
    if let Some(label) = baseline_label {
        releases.retain(|(_, c)| *c != baseline);
        let label = match &spec.target {
            GitTarget::Tag(_) => label,
            _ => tags
                .iter()
                .find(|(_, c)| *c == baseline)
                .map(|(t, _)| t.clone())
                .unwrap_or(label),
        };
        if releases.is_empty() && !baseline_alone {
            // Nothing before the baseline: what it declares the rules already see in the
            // baseline itself, so its files are not parsed (a large repository without
            // release tags pays nothing).
            notes.push(if all_commits {
                "history: no earlier commit changed a .proto file; nothing earlier to compare with"
                    .to_string()
            } else {
                format!(
                    "history: no release tag matching {tag_pattern:?} precedes the baseline; nothing earlier to compare with"
                )
            });
            return Ok(Ledger {
                releases: vec![label],
                stats: Stats {
                    releases: 1,
                    ..Default::default()
                },
                notes,
                warnings,
                ..Default::default()
            });
        }
        releases.push((label, baseline));
    }

    let meta: Vec<ReleaseMeta> = releases
        .iter()
        .map(|(label, commit)| release_meta(repo, &tags, label, *commit))
        .collect();
    let mut timeline = Timeline::default();
    let mut previous: Option<Oid> = None;
    for (label, commit) in releases {
        let tree = subdir_tree(repo, commit, spec)?;
        let mut changes = Vec::new();
        diff_trees(repo, previous, tree, "", &mut changes).map_err(|e| missing(repo, spec, e))?;
        timeline.push(label, changes);
        previous = tree;
    }
    let (labels, spans) = timeline.finish();
    let mut stats = Stats {
        releases: labels.len(),
        ..Default::default()
    };
    let summaries = summaries_for(&spans, cache, &mut stats, &mut warnings, |id| {
        repo.find_blob(id)
            .map(|b| b.content().to_vec())
            .map_err(|e| e.message().to_string())
    })
    .map_err(|unread| unread_error(repo, spec, &labels, &unread))?;
    let mut ledger = assemble(labels, &spans, &summaries);
    ledger.release_meta = meta;
    ledger.stats = stats;
    ledger.notes = notes;
    ledger.warnings = warnings;
    Ok(ledger)
}

/// Whether a release of the history is a tag matching the pattern, and its date: the
/// tagger's for an annotated tag, else the commit's.
pub(super) fn release_meta(
    repo: &Repository,
    tags: &[(String, Oid)],
    label: &str,
    commit: Oid,
) -> ReleaseMeta {
    let tagged = tags.iter().any(|(t, c)| t == label && *c == commit);
    let tagger = tagged
        .then(|| {
            let reference = repo.find_reference(&format!("refs/tags/{label}")).ok()?;
            let tag = reference.peel_to_tag().ok()?;
            tag.tagger().map(|s| s.when().seconds())
        })
        .flatten();
    let committed = || repo.find_commit(commit).ok().map(|c| c.time().seconds());
    ReleaseMeta {
        tagged,
        time: tagger.or_else(committed),
    }
}

/// Tags matching the pattern that name a commit: (tag, commit).
pub(super) fn matching_tags(
    repo: &Repository,
    pattern: &str,
    spec: &GitSpec,
) -> Result<Vec<(String, Oid)>, LoadError> {
    let names = repo
        .tag_names(Some(pattern))
        .map_err(|e| bad(spec, &format!("cannot list tags: {}", e.message())))?;
    let mut out = Vec::new();
    for name in names.iter() {
        let Ok(Some(name)) = name else { continue };
        if let Ok(commit) = repo
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
        {
            out.push((name.to_string(), commit.id()));
        }
    }
    Ok(out)
}

/// The tags whose commit is the baseline or an ancestor of it, oldest release first: by
/// semver when every tag is a version (`v1.2.0`, `release-1.2.0`), else by commit time.
pub(super) fn release_tags(
    repo: &Repository,
    baseline: Oid,
    tags: &[(String, Oid)],
) -> Vec<(String, Oid)> {
    let mut releases: Vec<(String, Oid)> = tags
        .iter()
        .filter(|(_, c)| *c == baseline || repo.graph_descendant_of(baseline, *c).unwrap_or(false))
        .cloned()
        .collect();
    let version = |name: &str| {
        semver::Version::parse(name.trim_start_matches(|c: char| !c.is_ascii_digit())).ok()
    };
    if releases.iter().all(|(n, _)| version(n).is_some()) {
        releases.sort_by(|a, b| version(&a.0).cmp(&version(&b.0)).then(a.0.cmp(&b.0)));
    } else {
        let time = |c: Oid| repo.find_commit(c).map(|c| c.time().seconds()).unwrap_or(0);
        releases.sort_by(|a, b| time(a.1).cmp(&time(b.1)).then(a.0.cmp(&b.0)));
    }
    releases
}

/// Every commit reachable from the baseline whose `.proto` files under the subdir differ
/// from its first parent's, plus tagged releases, oldest first (the latest
/// [`MAX_HISTORY_COMMITS`]). What leaves the history incomplete goes to `warnings`.
pub(super) fn commits_touching(
    repo: &Repository,
    baseline: Oid,
    spec: &GitSpec,
    tags: &[(String, Oid)],
    warnings: &mut Vec<String>,
) -> Result<Vec<(String, Oid)>, LoadError> {
    let mut tag_of: HashMap<Oid, &str> = HashMap::new();
    for (t, c) in tags {
        tag_of.entry(*c).or_insert(t);
    }
    let mut walk = repo.revwalk().map_err(|e| bad(spec, e.message()))?;
    walk.set_sorting(git2::Sort::TOPOLOGICAL | git2::Sort::TIME)
        .map_err(|e| bad(spec, e.message()))?;
    walk.push(baseline).map_err(|e| bad(spec, e.message()))?;
    let shallow = repo.is_shallow();
    let mut picked = Vec::new();
    let mut truncated = false;
    for id in walk {
        let id = id.map_err(|e| missing(repo, spec, e))?;
        let commit = repo.find_commit(id).map_err(|e| missing(repo, spec, e))?;
        let tree = subdir_tree(repo, id, spec)?;
        // A shallow clone's boundary commits name parents that are not there.
        let parent = match commit.parent_ids().next() {
            Some(p) if shallow && repo.find_commit(p).is_err() => None,
            Some(p) => subdir_tree(repo, p, spec)?,
            None => None,
        };
        let touched = tree != parent && {
            let mut changes = Vec::new();
            diff_trees(repo, parent, tree, "", &mut changes).map_err(|e| missing(repo, spec, e))?;
            !changes.is_empty()
        };
        if touched || tag_of.contains_key(&id) {
            if picked.len() == MAX_HISTORY_COMMITS {
                truncated = true;
                break;
            }
            let label = tag_of
                .get(&id)
                .map(|t| t.to_string())
                .unwrap_or_else(|| git::short(id));
            picked.push((label, id));
        }
    }
    if shallow {
        warnings.push(
            "history: this is a shallow clone, so older commits are missing from the history \
             (`git fetch --unshallow --tags`, or `fetch-depth: 0` in actions/checkout)"
                .into(),
        );
    }
    if truncated {
        warnings.push(format!(
            "history: limited to the latest {MAX_HISTORY_COMMITS} commits that changed .proto files; older ones were not read"
        ));
    }
    picked.reverse();
    Ok(picked)
}

/// A git failure while reading history: the object is missing (with how to get it) or
/// the repository cannot be read.
pub(super) fn missing(repo: &Repository, spec: &GitSpec, e: git2::Error) -> LoadError {
    if e.code() == git2::ErrorCode::NotFound {
        bad(
            spec,
            &format!(
                "history: {}; {}; {WITHOUT_HISTORY}",
                e.message(),
                git::missing_objects_hint(repo)
            ),
        )
    } else {
        bad(spec, &format!("history: {}", e.message()))
    }
}

/// The error for file versions of earlier releases that could not be read.
pub(super) fn unread_error(
    repo: &Repository,
    spec: &GitSpec,
    labels: &[String],
    unread: &[Unread],
) -> LoadError {
    let shown: Vec<String> = unread
        .iter()
        .take(5)
        .map(|u| {
            format!(
                "{} ({}, blob {}: {})",
                crate::compile::display_path(&spec.subdir, &u.path),
                labels.get(u.release).map(String::as_str).unwrap_or("?"),
                git::short(u.blob),
                u.reason
            )
        })
        .collect();
    let more = if unread.len() > shown.len() {
        format!(" and {} more", unread.len() - shown.len())
    } else {
        String::new()
    };
    bad(
        spec,
        &format!(
            "history: {} file version{} of earlier releases cannot be read: {}{more}; {}; \
             {WITHOUT_HISTORY}",
            unread.len(),
            if unread.len() == 1 { "" } else { "s" },
            shown.join(", "),
            git::missing_objects_hint(repo)
        ),
    )
}

/// The tree of the spec's subdir in a commit (`None` when the commit has no such
/// directory). A commit or tree missing from the object database is an error.
pub(super) fn subdir_tree(
    repo: &Repository,
    commit: Oid,
    spec: &GitSpec,
) -> Result<Option<Oid>, LoadError> {
    let tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| missing(repo, spec, e))?;
    let subdir = spec.subdir.trim_matches('/');
    if subdir.is_empty() || subdir == "." {
        return Ok(Some(tree.id()));
    }
    Ok(tree
        .get_path(Path::new(subdir))
        .ok()
        .filter(|entry| entry.kind() == Some(ObjectType::Tree))
        .map(|entry| entry.id()))
}

/// The git file mode of a symbolic link.
pub(super) const LINK_MODE: i32 = 0o120000;

/// The `.proto` files that differ between two trees (either may be absent), recursing only
/// into subtrees whose ids differ. Blobs are never read. Symbolic links are left out: the
/// ledger is keyed by declared names, and a link the comparison follows points inside the
/// import root, at a file read under its own path.
pub(super) fn diff_trees(
    repo: &Repository,
    old: Option<Oid>,
    new: Option<Oid>,
    prefix: &str,
    out: &mut Vec<Change>,
) -> Result<(), git2::Error> {
    if old == new {
        return Ok(());
    }
    type Entries = BTreeMap<String, (Oid, Option<ObjectType>)>;
    let entries = |id: Option<Oid>| -> Result<Entries, git2::Error> {
        let Some(id) = id else {
            return Ok(Entries::new());
        };
        Ok(repo
            .find_tree(id)?
            .iter()
            .filter(|e| e.filemode() != LINK_MODE)
            .filter_map(|e| Some((e.name().ok()?.to_string(), (e.id(), e.kind()))))
            .collect())
    };
    let (o, n) = (entries(old)?, entries(new)?);
    let names: BTreeSet<&String> = o.keys().chain(n.keys()).collect();
    for name in names {
        let (a, b) = (o.get(name), n.get(name));
        if a == b {
            continue;
        }
        let path = format!("{prefix}{name}");
        let tree_of = |e: Option<&(Oid, Option<ObjectType>)>| {
            e.filter(|(_, k)| *k == Some(ObjectType::Tree))
                .map(|(id, _)| *id)
        };
        let proto_of = |e: Option<&(Oid, Option<ObjectType>)>| {
            e.filter(|(_, k)| *k == Some(ObjectType::Blob) && name.ends_with(".proto"))
                .map(|(id, _)| *id)
        };
        let (ta, tb) = (tree_of(a), tree_of(b));
        if ta.is_some() || tb.is_some() {
            diff_trees(repo, ta, tb, &format!("{path}/"), out)?;
        }
        let (pa, pb) = (proto_of(a), proto_of(b));
        if pa != pb {
            out.push((path, pb));
        }
    }
    Ok(())
}
