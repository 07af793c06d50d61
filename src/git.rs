//! Git sources: a commit, branch, tag or any revspec of a local repository, or its index
//! (what is about to be committed), read straight from the object database. Nothing is
//! ever written to the repository, and nothing is fetched.
//!
//! Syntax, as buf spells it: `PATH.git#branch=main`, `#tag=v1.2.0`, `#ref=HEAD~1`,
//! `#commit=<sha>`, each with an optional `,subdir=proto`; `PATH` may name another
//! repository (its work tree or its `.git`). Short form: `git:REF[:SUBDIR]`.
//!
//! Why one file of over 800 lines: about 90 of them are tests; the rest is one job, reading
//! trees, blobs and the index of a repository through git2.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::error::LoadError;
use crate::symlinks;

/// What to read from a repository.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum GitTarget {
    Branch(String),
    Tag(String),
    /// Any revspec git understands (`HEAD~1`, `main@{1}`, `v1.0.0^{commit}`...).
    Ref(String),
    Commit(String),
    /// The index: what `git commit` would record now.
    Staged,
}

/// A git input: which repository, what in it, and which directory is the import root.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct GitSpec {
    /// The repository path as given (`.git`, `../other/.git`, `.`); discovered upwards.
    pub repo: PathBuf,
    pub target: GitTarget,
    /// The import root inside the repository, `/`-separated, empty for the top.
    pub subdir: String,
    /// The spec as the user wrote it, for messages.
    pub text: String,
}

impl GitSpec {
    /// Parses `PATH#k=v,...` or `git:REF[:SUBDIR]`; `None` when `spec` is not a git input.
    pub fn parse(spec: &str) -> Option<Result<GitSpec, LoadError>> {
        if let Some(rest) = spec.strip_prefix("git:") {
            let (rev, subdir) = match rest.split_once(':') {
                Some((r, s)) => (r, s),
                None => (rest, ""),
            };
            if rev.is_empty() {
                return Some(Err(bad(spec, "expected git:REF[:SUBDIR]")));
            }
            return Some(Ok(GitSpec {
                repo: PathBuf::from("."),
                target: GitTarget::Ref(rev.to_string()),
                subdir: clean_subdir(subdir),
                text: spec.to_string(),
            }));
        }
        let (path, options) = spec.split_once('#')?;
        if !(path.ends_with(".git") || options.contains("format=git") || has_git_key(options)) {
            return None;
        }
        Some(parse_options(spec, path, options))
    }

    /// The staged index of the repository around the current directory.
    pub fn staged(subdir: &str) -> GitSpec {
        GitSpec {
            repo: PathBuf::from("."),
            target: GitTarget::Staged,
            subdir: clean_subdir(subdir),
            text: "--staged".to_string(),
        }
    }
}

fn has_git_key(options: &str) -> bool {
    options.split(',').any(|kv| {
        matches!(
            kv.split_once('=').map(|(k, _)| k.trim()),
            Some("branch" | "tag" | "ref" | "commit")
        )
    })
}

fn parse_options(spec: &str, path: &str, options: &str) -> Result<GitSpec, LoadError> {
    let mut target = None;
    let mut subdir = String::new();
    for kv in options.split(',').filter(|s| !s.is_empty()) {
        let Some((k, v)) = kv.split_once('=') else {
            return Err(bad(spec, &format!("option {kv:?} is not key=value")));
        };
        let v = v.trim().to_string();
        let t = match k.trim() {
            "branch" => Some(GitTarget::Branch(v)),
            "tag" => Some(GitTarget::Tag(v)),
            "ref" => Some(GitTarget::Ref(v)),
            "commit" => Some(GitTarget::Commit(v)),
            "subdir" => {
                subdir = clean_subdir(&v);
                None
            }
            // Clone-time options of buf: meaningless for a local object database.
            "depth" | "recurse_submodules" | "format" => None,
            other => return Err(bad(spec, &format!("unknown option {other:?}"))),
        };
        if let Some(t) = t {
            if target.replace(t).is_some() {
                return Err(bad(spec, "give only one of branch, tag, ref, commit"));
            }
        }
    }
    Ok(GitSpec {
        repo: PathBuf::from(if path.is_empty() { "." } else { path }),
        target: target.unwrap_or_else(|| GitTarget::Ref("HEAD".into())),
        subdir,
        text: spec.to_string(),
    })
}

/// `proto`, `./proto/`, `proto//v1` and `.` (the top, as no subdir) spelled one way.
fn clean_subdir(s: &str) -> String {
    s.split('/')
        .filter(|c| !c.is_empty() && *c != ".")
        .collect::<Vec<_>>()
        .join("/")
}

fn bad(input: &str, reason: &str) -> LoadError {
    LoadError::Git {
        input: input.to_string(),
        reason: reason.to_string(),
    }
}

/// One `.proto` file read from git: its path relative to the import root, its blob id
/// (equal ids on both sides mean identical content, known before reading), and its text.
#[derive(Clone, Debug)]
pub struct GitFile {
    pub blob: Oid,
    pub text: std::sync::Arc<str>,
}

/// Texts already read (from the other side of the comparison), by blob id: a blob with a
/// known id is never read again.
pub type Known = std::collections::HashMap<Oid, std::sync::Arc<str>>;

/// The `.proto` files of a git input, by path relative to the import root.
#[derive(Debug, Default)]
pub struct GitTree {
    pub files: BTreeMap<String, GitFile>,
    /// What was read, for messages (`abc1234 (tag v1.2.0)`).
    pub described: String,
}

/// Opens the repository a spec names, from any subdirectory, worktree or bare repository.
pub fn open(spec: &GitSpec) -> Result<Repository, LoadError> {
    let mut path = spec.repo.clone();
    if !path.exists() && path.file_name().is_some_and(|n| n == ".git") {
        // `.git` typed from a subdirectory of the work tree: search upwards from here.
        path = path.parent().map(Path::to_path_buf).unwrap_or_default();
        if path.as_os_str().is_empty() {
            path = PathBuf::from(".");
        }
    }
    Repository::discover(&path).map_err(|e| {
        bad(
            &spec.text,
            &format!("not a git repository: {}", e.message()),
        )
    })
}

/// The repository holding `dir`, searched upwards from it as git does: its top (the work
/// tree, or the git directory of a bare repository) and `dir` relative to that top
/// (`/`-separated, empty at the top), which is where the release tags are read.
pub fn discover(dir: &Path) -> Result<(PathBuf, String), LoadError> {
    let repo = Repository::discover(dir).map_err(|e| {
        bad(
            &dir.display().to_string(),
            &format!("not a git repository: {}", e.message()),
        )
    })?;
    let top = repo
        .workdir()
        .map(Path::to_path_buf)
        .unwrap_or_else(|| repo.path().to_path_buf());
    let subdir = dir
        .canonicalize()
        .ok()
        .and_then(|d| Some(d.strip_prefix(top.canonicalize().ok()?).ok()?.to_path_buf()))
        .map(|p| p.to_string_lossy().replace('\\', "/"))
        .unwrap_or_default();
    Ok((top, subdir))
}

/// Resolves a spec to a commit id, saying why when it cannot.
pub fn resolve(repo: &Repository, spec: &GitSpec) -> Result<Oid, LoadError> {
    let (what, found) = match &spec.target {
        GitTarget::Staged => return Err(bad(&spec.text, "the index has no commit")),
        GitTarget::Branch(b) => (
            format!("branch {b:?}"),
            repo.revparse_single(&format!("refs/heads/{b}"))
                .or_else(|_| repo.revparse_single(&format!("refs/remotes/origin/{b}")))
                .or_else(|_| repo.revparse_single(&format!("refs/remotes/{b}"))),
        ),
        GitTarget::Tag(t) => (
            format!("tag {t:?}"),
            repo.revparse_single(&format!("refs/tags/{t}")),
        ),
        GitTarget::Ref(r) => (format!("ref {r:?}"), repo.revparse_single(r)),
        GitTarget::Commit(c) => (format!("commit {c:?}"), repo.revparse_single(c)),
    };
    let object = found.map_err(|e| not_found(repo, spec, &what, e))?;
    let commit = object.peel_to_commit().map_err(|e| {
        bad(
            &spec.text,
            &format!("{what} does not name a commit: {}", e.message()),
        )
    })?;
    Ok(commit.id())
}

fn not_found(repo: &Repository, spec: &GitSpec, what: &str, e: git2::Error) -> LoadError {
    if repo.is_shallow() {
        bad(
            &spec.text,
            &format!(
                "{what} not found: this is a shallow clone, so older commits and other refs are missing. \
                 Fetch full history (`git fetch --unshallow --tags`, or `fetch-depth: 0` in actions/checkout)"
            ),
        )
    } else if let GitTarget::Branch(b) = &spec.target {
        // The fallbacks' libgit2 message ("revspec 'refs/remotes/main' not found") misleads;
        // say where the branch was looked for, and how a CI checkout gets it.
        bad(
            &spec.text,
            &format!(
                "{what} not found: neither refs/heads/{b} nor refs/remotes/origin/{b} exists here \
                 (a CI checkout may lack it: `git fetch origin {b}`)"
            ),
        )
    } else {
        bad(&spec.text, &format!("{what} not found ({})", e.message()))
    }
}

/// The spec that reads what `spec` names when its subdir crosses a submodule: the
/// submodule's own repository, at the commit the superproject's commit records for it
/// (its gitlink), with the rest of the subdir, nested submodules followed in turn. A spec
/// whose subdir crosses no gitlink (or that names the index) is returned as it is.
pub fn through_submodules(spec: &GitSpec) -> Result<GitSpec, LoadError> {
    if spec.target == GitTarget::Staged || spec.subdir.is_empty() {
        return Ok(spec.clone());
    }
    let repo = open(spec)?;
    let commit = resolve(&repo, spec)?;
    let mut tree = repo
        .find_commit(commit)
        .and_then(|c| c.tree())
        .map_err(|e| bad(&spec.text, e.message()))?;
    let parts: Vec<&str> = spec.subdir.split('/').collect();
    for (i, part) in parts.iter().enumerate() {
        let Some((kind, id)) = tree.get_name(part).map(|e| (e.kind(), e.id())) else {
            return Ok(spec.clone());
        };
        match kind {
            Some(ObjectType::Tree) => {
                tree = repo
                    .find_tree(id)
                    .map_err(|e| bad(&spec.text, e.message()))?;
            }
            Some(ObjectType::Commit) => {
                let path = parts[..=i].join("/");
                let pinned = id;
                let not_there = |why: String| {
                    bad(
                        &spec.text,
                        &format!(
                            "{:?} lies in submodule {path:?} (at {}), {why} \
                             (`git submodule update --init {path}`)",
                            spec.subdir,
                            short(pinned)
                        ),
                    )
                };
                let sub = repo
                    .find_submodule(&path)
                    .and_then(|s| s.open())
                    .map_err(|e| {
                        not_there(format!("which is not checked out here: {}", e.message()))
                    })?;
                if sub.find_commit(pinned).is_err() {
                    return Err(not_there(
                        "and that commit is not in the submodule's repository".into(),
                    ));
                }
                let inner = GitSpec {
                    repo: sub
                        .workdir()
                        .map(Path::to_path_buf)
                        .unwrap_or_else(|| sub.path().to_path_buf()),
                    target: GitTarget::Commit(pinned.to_string()),
                    subdir: parts[i + 1..].join("/"),
                    text: format!("{} (submodule {path} at {})", spec.text, short(pinned)),
                };
                return through_submodules(&inner);
            }
            _ => return Ok(spec.clone()),
        }
    }
    Ok(spec.clone())
}

/// Reads the `.proto` files of a commit under `subdir`.
pub fn read_commit(
    repo: &Repository,
    commit: Oid,
    spec: &GitSpec,
    known: &Known,
) -> Result<GitTree, LoadError> {
    let commit = repo
        .find_commit(commit)
        .map_err(|e| bad(&spec.text, e.message()))?;
    let mut tree = commit.tree().map_err(|e| bad(&spec.text, e.message()))?;
    if !spec.subdir.is_empty() {
        let entry = tree.get_path(Path::new(&spec.subdir)).map_err(|_| {
            bad(
                &spec.text,
                &format!(
                    "no directory {:?} in commit {}",
                    spec.subdir,
                    short(commit.id())
                ),
            )
        })?;
        tree = repo
            .find_tree(entry.id())
            .map_err(|_| bad(&spec.text, &format!("{:?} is not a directory", spec.subdir)))?;
    }
    let mut listing = symlinks::Listing::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = entry.name().unwrap_or("");
        if entry.kind() == Some(ObjectType::Blob) {
            listing.insert(
                format!("{dir}{name}"),
                (entry.id(), entry.filemode() as u32),
            );
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| bad(&spec.text, e.message()))?;
    let blobs = follow_links(repo, &listing, spec)?;
    let mut out = GitTree {
        described: short(commit.id()),
        ..Default::default()
    };
    for (path, id) in blobs {
        let file = match known.get(&id) {
            Some(text) => GitFile {
                blob: id,
                text: std::sync::Arc::clone(text),
            },
            None => read_blob(repo, id, &path, spec)?,
        };
        out.files.insert(path, file);
    }
    Ok(out)
}

/// Reads the `.proto` files staged in the index under `subdir` (stage 0 entries).
pub fn read_index(repo: &Repository, spec: &GitSpec, known: &Known) -> Result<GitTree, LoadError> {
    // `git commit -a` and `git commit PATH...` run the pre-commit hook against a temporary
    // index named by GIT_INDEX_FILE: that, not .git/index, is what is about to be committed.
    let named = std::env::var_os("GIT_INDEX_FILE").filter(|p| !p.is_empty());
    let index = match &named {
        // libgit2 would open a missing file as an empty index, and says a corrupt one
        // "no longer exists": name the file and what is wrong with it.
        Some(path) if !Path::new(path).is_file() => {
            return Err(bad(
                &spec.text,
                &format!(
                    "GIT_INDEX_FILE={}: no such index file",
                    Path::new(path).display()
                ),
            ))
        }
        Some(path) => git2::Index::open(Path::new(path)),
        None => repo.index(),
    }
    .map_err(|e| {
        let file = named.as_deref().map_or_else(
            || "the index".to_string(),
            |p| format!("GIT_INDEX_FILE={}", Path::new(p).display()),
        );
        // libgit2 reports a truncated index as a file that "no longer exists".
        let detail = Some(e.message())
            .filter(|m| !m.contains("no longer exists"))
            .map(|m| format!(" ({m})"))
            .unwrap_or_default();
        bad(
            &spec.text,
            &format!("cannot read {file}: corrupt or truncated{detail}"),
        )
    })?;
    let prefix = if spec.subdir.is_empty() {
        String::new()
    } else {
        format!("{}/", spec.subdir)
    };
    let mut out = GitTree {
        described: "the index".into(),
        ..Default::default()
    };
    let mut listing = symlinks::Listing::new();
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).to_string();
        let stage = (entry.flags >> 12) & 0x3;
        if !path.starts_with(&prefix) || entry.mode == GITLINK_MODE {
            continue;
        }
        if stage != 0 {
            if path.ends_with(".proto") {
                return Err(bad(
                    &spec.text,
                    &format!("{path} has unresolved merge conflicts"),
                ));
            }
            continue;
        }
        listing.insert(path[prefix.len()..].to_string(), (entry.id, entry.mode));
    }
    // A staged file the work tree still holds unchanged (git's stat data says so) is read
    // from the work tree: reading thousands of files costs a fraction of inflating their
    // blobs from packs. Only with the repository's own index (the stat cache's).
    let work_tree = named
        .is_none()
        .then(|| repo.workdir().and_then(StatCache::around))
        .flatten();
    let entries = follow_links(repo, &listing, spec)?;
    // The work tree's texts, on two threads (the repository handle stays on this one).
    let from_work_tree = |part: &[(String, Oid)]| -> Vec<Option<std::sync::Arc<str>>> {
        part.iter()
            .map(|(rel, id)| match (&work_tree, known.contains_key(id)) {
                (Some(cache), false) => cache.text_of(&format!("{prefix}{rel}"), *id),
                _ => None,
            })
            .collect()
    };
    let (first, second) = entries.split_at(entries.len() / 2);
    let mut texts = std::thread::scope(|s| {
        let a = s.spawn(|| from_work_tree(first));
        let b = from_work_tree(second);
        let mut a = crate::threads::join(a);
        a.extend(b);
        a
    });
    for ((rel, id), text) in entries.into_iter().zip(texts.drain(..)) {
        let file = match (known.get(&id), text) {
            (Some(text), _) => GitFile {
                blob: id,
                text: std::sync::Arc::clone(text),
            },
            (None, Some(text)) => GitFile { blob: id, text },
            (None, None) => read_blob(repo, id, &format!("{prefix}{rel}"), spec)?,
        };
        out.files.insert(rel, file);
    }
    Ok(out)
}

/// The git file mode of a submodule (a gitlink).
const GITLINK_MODE: u32 = 0o160000;

/// What git's index knows of the files of a work tree: for a file whose size, times and
/// inode are those the index recorded, the blob id of its content, known without reading
/// it twice or hashing it (git's own "stat cache"; hashing every file of a large tree costs
/// more than everything else a run with few changes does).
///
/// It is trusted only where it cannot be wrong:
/// - the file's stat data equals the entry's, before and after it is read, and the entry
///   is not racily clean (recorded no earlier than the index was written, when a change
///   within the same tick would leave the same stat data): as git decides;
/// - nothing converts content between the work tree and the repository: no attributes
///   (`.gitattributes` in the index, `info/attributes`, `core.attributesFile`, the user's
///   or the system's attributes file) and no `core.autocrlf`, so the work tree file is
///   byte for byte the blob;
/// - the index is the repository's own (`GIT_INDEX_FILE` unset), a regular file entry.
///
/// Any other file is hashed, as before.
pub struct StatCache {
    top: PathBuf,
    entries: std::collections::HashMap<String, (Oid, IndexStat)>,
}

/// The stat data an index entry records (each field truncated to 32 bits, as git stores it).
#[derive(Clone, Copy, PartialEq, Eq)]
struct IndexStat {
    mtime: (i32, u32),
    ctime: (i32, u32),
    ino: u32,
    size: u32,
}

impl StatCache {
    /// The cache of the work tree around `dir`, if it has one that can be trusted.
    pub fn around(dir: &Path) -> Option<StatCache> {
        if std::env::var_os("GIT_INDEX_FILE").is_some() {
            return None;
        }
        let home = std::env::var_os("HOME").map(PathBuf::from);
        let xdg = std::env::var_os("XDG_CONFIG_HOME")
            .map(PathBuf::from)
            .or_else(|| home.as_ref().map(|h| h.join(".config")));
        let outside: Vec<PathBuf> = [
            xdg.map(|x| x.join("git/attributes")),
            Some(PathBuf::from("/etc/gitattributes")),
        ]
        .into_iter()
        .flatten()
        .collect();
        StatCache::unless(dir, &outside)
    }

    /// As [`StatCache::around`], with `outside` the attribute files outside the repository
    /// that git would read.
    fn unless(dir: &Path, outside: &[PathBuf]) -> Option<StatCache> {
        let repo = Repository::discover(dir).ok()?;
        let top = repo.workdir()?.canonicalize().ok()?;
        let config = repo.config().ok()?.snapshot().ok()?;
        let converts = config.get_string("core.autocrlf").is_ok_and(|v| {
            !matches!(
                v.to_ascii_lowercase().as_str(),
                "false" | "no" | "off" | "0"
            )
        }) || config.get_string("core.attributesFile").is_ok();
        let info = repo.path().join("info/attributes");
        if converts || info.exists() || outside.iter().any(|f| f.exists()) {
            return None;
        }
        let index_path = repo.path().join("index");
        let index_mtime = stat_mtime(&std::fs::metadata(&index_path).ok()?);
        let index = repo.index().ok()?;
        let mut entries = std::collections::HashMap::new();
        for entry in index.iter() {
            let path = String::from_utf8(entry.path).ok()?;
            if path == ".gitattributes" || path.ends_with("/.gitattributes") {
                return None;
            }
            let stage = (entry.flags >> 12) & 0x3;
            // A regular file (not a link, not a submodule), recorded before the index was
            // written (else racily clean).
            let recorded_at = (entry.mtime.seconds() as i64, entry.mtime.nanoseconds());
            if stage != 0 || entry.mode & 0o170000 != 0o100000 || recorded_at >= index_mtime {
                continue;
            }
            let recorded = IndexStat {
                mtime: (entry.mtime.seconds(), entry.mtime.nanoseconds()),
                ctime: (entry.ctime.seconds(), entry.ctime.nanoseconds()),
                ino: entry.ino,
                size: entry.file_size,
            };
            entries.insert(path, (entry.id, recorded));
        }
        Some(StatCache { top, entries })
    }

    /// Where `root` (a directory) lies in the work tree, `/`-separated (empty for the top),
    /// if it does.
    pub fn place_of(&self, root: &Path) -> Option<String> {
        let here = root.canonicalize().ok()?;
        let rel = here.strip_prefix(&self.top).ok()?;
        rel.components()
            .map(|c| c.as_os_str().to_str())
            .collect::<Option<Vec<_>>>()
            .map(|parts| parts.join("/"))
    }

    /// The blob id of the file at `path` (`rel`, `/`-separated, from the work tree's top)
    /// whose stat data before and after reading it were `before` and `after`, if the index
    /// recorded exactly that.
    pub fn blob_of(
        &self,
        rel: &str,
        before: &std::fs::Metadata,
        after: &std::fs::Metadata,
    ) -> Option<Oid> {
        let (id, recorded) = self.entries.get(rel)?;
        let seen = index_stat(before)?;
        (seen == index_stat(after)? && seen == *recorded).then_some(*id)
    }

    /// The text of the work tree file at `rel` (from the work tree's top), if the index
    /// vouches that it is exactly blob `id` (see [`read_vouched`]) and it is UTF-8 within the
    /// size bound; `None` sends the caller to the blob itself, which reports what is wrong
    /// with it.
    pub fn text_of(&self, rel: &str, id: Oid) -> Option<std::sync::Arc<str>> {
        let (bytes, vouched) = read_vouched(&self.top.join(rel), Some((self, rel))).ok()?;
        (vouched? == id).then_some(())?;
        String::from_utf8(bytes)
            .ok()
            .map(crate::limits::source_text)
    }
}

/// Reads the file at `path` (a regular file within the size bound): its bytes, and its
/// blob id when `vouch` (a stat cache and the file's path from the work tree's top) says
/// the index recorded exactly this file, stat data alike before and after the read (see
/// [`StatCache::blob_of`]).
pub fn read_vouched(
    path: &Path,
    vouch: Option<(&StatCache, &str)>,
) -> Result<(Vec<u8>, Option<Oid>), String> {
    let before = vouch.and_then(|_| std::fs::symlink_metadata(path).ok());
    let bytes = crate::limits::read_regular(path, crate::limits::MAX_SOURCE_BYTES)?;
    let vouched = match (vouch, before) {
        (Some((cache, rel)), Some(before)) => std::fs::symlink_metadata(path)
            .ok()
            .and_then(|after| cache.blob_of(rel, &before, &after)),
        _ => None,
    };
    Ok((bytes, vouched))
}

/// A file's modification time, seconds and nanoseconds.
fn stat_mtime(meta: &std::fs::Metadata) -> (i64, u32) {
    use std::os::unix::fs::MetadataExt;
    (meta.mtime(), meta.mtime_nsec() as u32)
}

/// The stat data of a regular file as the index records it (truncated to 32 bits).
fn index_stat(meta: &std::fs::Metadata) -> Option<IndexStat> {
    use std::os::unix::fs::MetadataExt;
    meta.is_file().then(|| IndexStat {
        mtime: (meta.mtime() as i32, meta.mtime_nsec() as u32),
        ctime: (meta.ctime() as i32, meta.ctime_nsec() as u32),
        ino: meta.ino() as u32,
        size: meta.size() as u32,
    })
}

/// The `.proto` files of an import root's listing, symbolic links followed inside it (see
/// [`symlinks`]): path → blob id of the content.
fn follow_links(
    repo: &Repository,
    listing: &symlinks::Listing,
    spec: &GitSpec,
) -> Result<Vec<(String, Oid)>, LoadError> {
    let read_link = |id: Oid| -> Result<String, String> {
        let blob = repo.find_blob(id).map_err(|e| e.message().to_string())?;
        String::from_utf8(blob.content().to_vec()).map_err(|_| "link text is not UTF-8".into())
    };
    let files = symlinks::proto_files(listing, &read_link).map_err(|(path, why)| {
        bad(
            &spec.text,
            &format!(
                "{}: {why}",
                crate::limits::display_path(&spec.subdir, &path)
            ),
        )
    })?;
    Ok(files.into_iter().collect())
}

/// Whether HEAD is a commit with a `.proto` file under `subdir`. Without one nothing
/// committed can break: the first commit, or the one adding the first `.proto` files.
pub fn head_has_protos(repo: &Repository, subdir: &str) -> bool {
    let Some(tree) = repo.head().ok().and_then(|h| h.peel_to_tree().ok()) else {
        return false;
    };
    let subdir = clean_subdir(subdir);
    let tree = if subdir.is_empty() {
        tree
    } else {
        match tree
            .get_path(Path::new(&subdir))
            .ok()
            .and_then(|e| repo.find_tree(e.id()).ok())
        {
            Some(t) => t,
            None => return false,
        }
    };
    let mut found = false;
    let _ = tree.walk(TreeWalkMode::PreOrder, |_, entry| {
        if entry.kind() == Some(ObjectType::Blob)
            && entry.name().is_ok_and(|n| n.ends_with(".proto"))
        {
            found = true;
            return TreeWalkResult::Abort;
        }
        TreeWalkResult::Ok
    });
    found
}

/// Why objects a commit names may be missing locally, and how to get them. protoguard
/// reads the local object database only (libgit2 cannot fetch a partial clone's missing
/// objects from its promisor remote, as the git command line does on demand).
pub fn missing_objects_hint(repo: &Repository) -> String {
    if let Some((remote, filter)) = partial_clone(repo) {
        let filter = if filter.is_empty() {
            String::new()
        } else {
            format!(" with --filter={filter}")
        };
        return format!(
            "this is a partial clone (remote {remote:?} was cloned{filter}), and protoguard reads \
             only objects present locally and never fetches. Fetch every missing object with \
             `git -c remote.{remote}.partialclonefilter= fetch --refetch {remote}` (git 2.36 or \
             later), or clone without --filter (in actions/checkout, leave out `filter:`)"
        );
    }
    if repo.is_shallow() {
        return "this is a shallow clone, so older objects are missing: \
                `git fetch --unshallow --tags`, or `fetch-depth: 0` in actions/checkout"
            .to_string();
    }
    "the object is missing from the repository's object database (a damaged repository: \
     `git fsck` names what is missing)"
        .to_string()
}

/// The promisor remote and its filter, when the repository is a partial clone.
fn partial_clone(repo: &Repository) -> Option<(String, String)> {
    let config = repo.config().ok()?.snapshot().ok()?;
    let remotes = repo.remotes().ok()?;
    let promisor = remotes.iter().flatten().flatten().find(|r| {
        config
            .get_bool(&format!("remote.{r}.promisor"))
            .unwrap_or(false)
    });
    match promisor {
        Some(r) => Some((
            r.to_string(),
            config
                .get_string(&format!("remote.{r}.partialclonefilter"))
                .unwrap_or_default(),
        )),
        // Repositories made by git before 2.23 name the remote here instead.
        None => config
            .get_string("extensions.partialclone")
            .ok()
            .map(|r| (r, String::new())),
    }
}

fn read_blob(repo: &Repository, id: Oid, path: &str, spec: &GitSpec) -> Result<GitFile, LoadError> {
    let blob = repo.find_blob(id).map_err(|e| {
        let hint = if e.code() == git2::ErrorCode::NotFound {
            format!("; {}", missing_objects_hint(repo))
        } else {
            String::new()
        };
        bad(&spec.text, &format!("{path}: {}{hint}", e.message()))
    })?;
    let text = String::from_utf8(blob.content().to_vec()).map_err(|_| LoadError::Compile {
        location: path.to_string(),
        reason: format!("file '{path}' is not valid utf-8"),
        source_code: None,
        span: None,
    })?;
    Ok(GitFile {
        blob: id,
        text: crate::limits::source_text(text),
    })
}

pub fn short(id: Oid) -> String {
    id.to_string()[..7].to_string()
}

/// `--against latest-release`: the highest semver tag matching `pattern` (a glob, `v*` by
/// default); without one, the merge-base of HEAD with the default branch.
pub fn latest_release(repo: &Repository, pattern: &str) -> Result<(GitSpec, String), LoadError> {
    let mut best: Option<(semver::Version, String)> = None;
    let tags = repo
        .tag_names(Some(pattern))
        .map_err(|e| bad("latest-release", e.message()))?;
    for name in tags.iter() {
        let Ok(Some(name)) = name else { continue };
        let digits = name.trim_start_matches(|c: char| !c.is_ascii_digit());
        let Ok(version) = semver::Version::parse(digits) else {
            continue;
        };
        if repo
            .revparse_single(&format!("refs/tags/{name}"))
            .and_then(|o| o.peel_to_commit())
            .is_err()
        {
            continue;
        }
        if best.as_ref().is_none_or(|(b, _)| version > *b) {
            best = Some((version, name.to_string()));
        }
    }
    if let Some((_, tag)) = best {
        let spec = GitSpec {
            repo: PathBuf::from("."),
            target: GitTarget::Tag(tag.clone()),
            subdir: String::new(),
            text: format!("latest-release (tag {tag})"),
        };
        return Ok((spec, format!("tag {tag}")));
    }
    let head = repo
        .head()
        .ok()
        .and_then(|h| h.peel_to_commit().ok())
        .ok_or_else(|| bad("latest-release", "no release tag and no HEAD commit"))?;
    let candidates = [
        "refs/remotes/origin/HEAD",
        "refs/remotes/origin/main",
        "refs/remotes/origin/master",
        "refs/heads/main",
        "refs/heads/master",
    ];
    for c in candidates {
        let Ok(obj) = repo.revparse_single(c) else {
            continue;
        };
        let Ok(target) = obj.peel_to_commit() else {
            continue;
        };
        if let Ok(base) = repo.merge_base(head.id(), target.id()) {
            let spec = GitSpec {
                repo: PathBuf::from("."),
                target: GitTarget::Commit(base.to_string()),
                subdir: String::new(),
                text: format!("latest-release (merge-base with {c})"),
            };
            return Ok((
                spec,
                format!(
                    "merge-base {} of HEAD and {c} (no tag matches {pattern:?})",
                    short(base)
                ),
            ));
        }
    }
    Err(bad(
        "latest-release",
        &format!("no tag matches {pattern:?} and no default branch (main, master, origin/HEAD) to take a merge-base with"),
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A repository whose index records `a.proto` ("message A {}"), written after the file
    /// (so the entry is not racily clean), and the file's blob id.
    fn indexed_repo() -> (tempfile::TempDir, Repository, Oid) {
        let dir = tempfile::tempdir().unwrap();
        let repo = Repository::init(dir.path()).unwrap();
        std::fs::write(dir.path().join("a.proto"), "message A {}\n").unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        let mut index = repo.index().unwrap();
        index.add_path(Path::new("a.proto")).unwrap();
        index.write().unwrap();
        let blob = Oid::hash_object(ObjectType::Blob, b"message A {}\n").unwrap();
        (dir, repo, blob)
    }

    #[test]
    fn the_index_names_the_blob_of_a_file_it_recorded_and_of_no_other() {
        let (dir, _repo, blob) = indexed_repo();
        let file = dir.path().join("a.proto");
        let cache = StatCache::unless(dir.path(), &[]).expect("no attributes, no autocrlf");
        assert_eq!(cache.place_of(dir.path()).as_deref(), Some(""));
        let meta = std::fs::symlink_metadata(&file).unwrap();
        assert_eq!(cache.blob_of("a.proto", &meta, &meta), Some(blob));
        assert_eq!(cache.blob_of("b.proto", &meta, &meta), None);
        // Other content of the same size, its modification time put back: the change time
        // still tells, as it tells git.
        let mtime = meta.modified().unwrap();
        std::thread::sleep(std::time::Duration::from_millis(20));
        std::fs::write(&file, "message B {}\n").unwrap();
        std::fs::File::options()
            .write(true)
            .open(&file)
            .unwrap()
            .set_modified(mtime)
            .unwrap();
        let edited = std::fs::symlink_metadata(&file).unwrap();
        assert_eq!(edited.len(), meta.len());
        assert_eq!(cache.blob_of("a.proto", &edited, &edited), None);
        // A file that changed while it was read is not taken from the index either.
        assert_eq!(cache.blob_of("a.proto", &meta, &edited), None);
    }

    #[test]
    fn the_index_is_not_trusted_where_content_may_be_converted() {
        let (dir, repo, _) = indexed_repo();
        repo.config()
            .unwrap()
            .set_str("core.autocrlf", "true")
            .unwrap();
        assert!(StatCache::unless(dir.path(), &[]).is_none());
        repo.config()
            .unwrap()
            .set_str("core.autocrlf", "false")
            .unwrap();
        assert!(StatCache::unless(dir.path(), &[]).is_some());
        let user = dir.path().join("user-attributes");
        std::fs::write(&user, "*.proto text eol=crlf\n").unwrap();
        assert!(StatCache::unless(dir.path(), &[user]).is_none());
        std::fs::write(dir.path().join(".gitattributes"), "*.proto text\n").unwrap();
        let mut index = repo.index().unwrap();
        index.add_path(Path::new(".gitattributes")).unwrap();
        index.write().unwrap();
        assert!(StatCache::unless(dir.path(), &[]).is_none());
    }

    #[test]
    fn parses_buf_syntax() {
        let s = GitSpec::parse(".git#branch=main,subdir=proto")
            .unwrap()
            .unwrap();
        assert_eq!(s.target, GitTarget::Branch("main".into()));
        assert_eq!(s.subdir, "proto");
        let s = GitSpec::parse("../other/.git#ref=HEAD~1,depth=50")
            .unwrap()
            .unwrap();
        assert_eq!(s.repo, PathBuf::from("../other/.git"));
        assert_eq!(s.target, GitTarget::Ref("HEAD~1".into()));
        let s = GitSpec::parse("git:v1.2.0:proto").unwrap().unwrap();
        assert_eq!(
            (s.target, s.subdir.as_str()),
            (GitTarget::Ref("v1.2.0".into()), "proto")
        );
        assert!(GitSpec::parse("some/dir").is_none());
        assert!(GitSpec::parse(".git#bogus=1").unwrap().is_err());
        assert!(GitSpec::parse(".git#tag=a,branch=b").unwrap().is_err());
    }
}
