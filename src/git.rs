//! Git sources: a commit, branch, tag or any revspec of a local repository, or its index
//! (what is about to be committed), read straight from the object database. Nothing is
//! ever written to the repository, and nothing is fetched.
//!
//! Syntax, as buf spells it: `PATH.git#branch=main`, `#tag=v1.2.0`, `#ref=HEAD~1`,
//! `#commit=<sha>`, each with an optional `,subdir=proto`; `PATH` may name another
//! repository (its work tree or its `.git`). Short form: `git:REF[:SUBDIR]`.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use git2::{ObjectType, Oid, Repository, TreeWalkMode, TreeWalkResult};

use crate::error::LoadError;

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
    let mut blobs = Vec::new();
    tree.walk(TreeWalkMode::PreOrder, |dir, entry| {
        let name = entry.name().unwrap_or("");
        if entry.kind() == Some(ObjectType::Blob) && name.ends_with(".proto") {
            blobs.push((format!("{dir}{name}"), entry.id()));
        }
        TreeWalkResult::Ok
    })
    .map_err(|e| bad(&spec.text, e.message()))?;
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
    for entry in index.iter() {
        let path = String::from_utf8_lossy(&entry.path).to_string();
        let stage = (entry.flags >> 12) & 0x3;
        if !path.ends_with(".proto") || !path.starts_with(&prefix) {
            continue;
        }
        if stage != 0 {
            return Err(bad(
                &spec.text,
                &format!("{path} has unresolved merge conflicts"),
            ));
        }
        let rel = path[prefix.len()..].to_string();
        let file = match known.get(&entry.id) {
            Some(text) => GitFile {
                blob: entry.id,
                text: std::sync::Arc::clone(text),
            },
            None => read_blob(repo, entry.id, &path, spec)?,
        };
        out.files.insert(rel, file);
    }
    Ok(out)
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

fn read_blob(repo: &Repository, id: Oid, path: &str, spec: &GitSpec) -> Result<GitFile, LoadError> {
    let blob = repo
        .find_blob(id)
        .map_err(|e| bad(&spec.text, &format!("{path}: {}", e.message())))?;
    let text = String::from_utf8(blob.content().to_vec()).map_err(|_| LoadError::Compile {
        location: path.to_string(),
        reason: format!("file '{path}' is not valid utf-8"),
        source_code: None,
        span: None,
    })?;
    Ok(GitFile {
        blob: id,
        text: text.into(),
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
