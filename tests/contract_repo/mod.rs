//! Git repositories of releases for the contract tests (`tests/contract_*.rs`): each release
//! a tagged commit holding exactly its files at a fixed date, then a work tree, and
//! `protoguard check` run in it with a private cache.

#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature, Time};

pub const DAY: i64 = 86_400;
/// 2026-01-01T12:00:00Z: the first release of every repository here.
pub const EPOCH: i64 = 1_767_268_800;

/// Files by path relative to a release's top, with their text.
pub type Files = Vec<(String, String)>;

/// A release: its tag, its files, and its date in days after [`EPOCH`].
pub type Release = (&'static str, Files, i64);

pub fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/contract")
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The `.proto` files of one release directory of the example, by path relative to it.
pub fn example_release(name: &str) -> Vec<(String, String)> {
    let root = example().join(name);
    let mut out = Vec::new();
    let mut dirs = vec![root.clone()];
    while let Some(d) = dirs.pop() {
        for entry in std::fs::read_dir(&d).unwrap() {
            let p = entry.unwrap().path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.file_name().is_some_and(|n| n != "protoguard.yaml") {
                // The contract is written by `repo` (or left out), never as a release file.
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .into_owned();
                out.push((rel, read(&p)));
            }
        }
    }
    out
}

/// A repository whose commits are `releases` (tag, files, days after [`EPOCH`]), each
/// commit holding exactly its files, tagged lightweight; then `work` written to the work
/// tree (replacing the last release's files) with `contract` as protoguard.yaml at the top
/// (none when `None`).
pub struct Repo {
    pub dir: tempfile::TempDir,
    pub root: PathBuf,
    pub cache: PathBuf,
}

pub fn repo(releases: &[Release], work: &[(String, String)], contract: Option<&str>) -> Repo {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    let git = Repository::init_opts(&root, &opts).unwrap();
    let mut parent: Option<Oid> = None;
    for (tag, files, days) in releases {
        clear(&root);
        for (p, c) in files {
            write(&root, p, c);
        }
        if let Some(c) = contract {
            write(&root, "protoguard.yaml", c);
        }
        let mut index = git.index().unwrap();
        index.clear().unwrap();
        index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
        index.write().unwrap();
        let tree = git.find_tree(index.write_tree().unwrap()).unwrap();
        let sig = Signature::new("t", "t@example.com", &Time::new(EPOCH + days * DAY, 0)).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| git.find_commit(*p).unwrap())
            .collect();
        let parents: Vec<&git2::Commit> = parents.iter().collect();
        let id = git
            .commit(Some("HEAD"), &sig, &sig, tag, &tree, &parents)
            .unwrap();
        git.tag_lightweight(tag, &git.find_object(id, None).unwrap(), false)
            .unwrap();
        parent = Some(id);
    }
    clear(&root);
    for (p, c) in work {
        write(&root, p, c);
    }
    if let Some(c) = contract {
        write(&root, "protoguard.yaml", c);
    }
    let cache = dir.path().join("cache");
    Repo { dir, root, cache }
}

pub fn clear(root: &Path) {
    for entry in std::fs::read_dir(root).unwrap() {
        let p = entry.unwrap().path();
        if p.file_name().is_some_and(|n| n == ".git") {
            continue;
        }
        if p.is_dir() {
            std::fs::remove_dir_all(&p).unwrap();
        } else {
            std::fs::remove_file(&p).unwrap();
        }
    }
}

pub fn write(root: &Path, rel: &str, contents: &str) {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
}

impl Repo {
    pub fn check(&self, args: &[&str]) -> Output {
        let mut all = vec!["check"];
        all.extend_from_slice(args);
        self.run(&all)
    }

    /// Runs any subcommand in the repository.
    pub fn run(&self, args: &[&str]) -> Output {
        Command::new(env!("CARGO_BIN_EXE_protoguard"))
            .args(args)
            .current_dir(&self.root)
            .env("NO_COLOR", "1")
            .env("XDG_CACHE_HOME", &self.cache)
            .output()
            .expect("run protoguard")
    }
}

pub fn text(out: &Output) -> (i32, String, String) {
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
