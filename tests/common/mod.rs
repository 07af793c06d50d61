//! What the integration tests share: running the binary, temporary trees, git repositories
//! built with git2 (and the git command line where libgit2 cannot), and finding buf.
//!
//! Each test file that needs it says `mod common;` (`#[path = "../common/mod.rs"]` from a
//! subdirectory). Every test binary compiles this module on its own, and none uses all of
//! it, hence the `dead_code` allowance.
#![allow(dead_code)]

pub mod fixtures;
#[macro_use]
mod fixture_list;

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use git2::{IndexAddOption, Oid, Repository, RepositoryInitOptions, Signature};
use tempfile::TempDir;

// ---------------------------------------------------------------------------------------
// Files and trees.

/// Writes `root/rel`, creating its directories; returns the path written.
pub fn write(root: &Path, rel: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let p = root.join(rel);
    std::fs::create_dir_all(p.parent().unwrap()).unwrap();
    std::fs::write(&p, contents).unwrap();
    p
}

pub fn tempdir() -> TempDir {
    tempfile::tempdir().expect("tempdir")
}

/// A temp dir with `old/` and `new/` trees from (path, contents) lists.
pub fn trees(old: &[(&str, &str)], new: &[(&str, &str)]) -> TempDir {
    let dir = tempdir();
    for (p, c) in old {
        write(dir.path(), &format!("old/{p}"), c);
    }
    for (p, c) in new {
        write(dir.path(), &format!("new/{p}"), c);
    }
    dir
}

// ---------------------------------------------------------------------------------------
// Running the binary.

/// Git's variables that would point a child at another repository: cleared, so the tests
/// behave the same when `cargo test` itself runs inside a git hook.
pub const GIT_ENV: [&str; 5] = [
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_CEILING_DIRECTORIES",
];

/// The shared scratch cache of runs that do not bring their own: never the user's.
pub fn scratch_cache() -> PathBuf {
    std::env::temp_dir().join("protoguard-test-cache")
}

/// `protoguard ARGS` in `cwd`, plain output (`NO_COLOR`), its caches under `cache`, no
/// standard input and none of git's variables.
pub fn protoguard_command(cwd: &Path, cache: &Path, args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_protoguard"));
    cmd.args(args)
        .current_dir(cwd)
        .env("NO_COLOR", "1")
        .env("XDG_CACHE_HOME", cache)
        .stdin(Stdio::null());
    for var in GIT_ENV {
        cmd.env_remove(var);
    }
    cmd
}

/// Runs `protoguard ARGS` in `cwd` with the scratch cache.
pub fn run(cwd: &Path, args: &[&str]) -> Output {
    run_env(cwd, args, &[])
}

/// [`run`] with extra environment.
pub fn run_env(cwd: &Path, args: &[&str], env: &[(&str, &Path)]) -> Output {
    let mut cmd = protoguard_command(cwd, &scratch_cache(), args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    cmd.output().expect("run protoguard")
}

/// Runs `protoguard ARGS` in `cwd` with its own cache directory.
pub fn run_cached(cwd: &Path, cache: &Path, args: &[&str]) -> Output {
    protoguard_command(cwd, cache, args)
        .output()
        .expect("run protoguard")
}

/// `protoguard check new --against old ARGS` in `cwd`.
pub fn check(cwd: &Path, extra: &[&str]) -> Output {
    let mut args = vec!["check", "new", "--against", "old"];
    args.extend_from_slice(extra);
    run(cwd, &args)
}

/// Standard output, which protoguard always writes as UTF-8.
pub fn stdout(out: &Output) -> String {
    String::from_utf8(out.stdout.clone()).expect("stdout is UTF-8")
}

pub fn stderr(out: &Output) -> String {
    String::from_utf8_lossy(&out.stderr).into_owned()
}

/// The exit code is `code` and nothing panicked; both streams are shown otherwise.
#[track_caller]
pub fn assert_code(out: &Output, code: i32) {
    assert_code_for(out, code, "");
}

/// [`assert_code`], saying `what` was run when it fails.
#[track_caller]
pub fn assert_code_for(out: &Output, code: i32, what: &str) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "{what}\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        stderr(out)
    );
    assert!(!stderr(out).contains("panicked"), "{}", stderr(out));
}

// ---------------------------------------------------------------------------------------
// Git repositories, built with git2.

/// A fixed author and time, so commit ids are the same on every run.
pub fn sig() -> Signature<'static> {
    Signature::new(
        "Test",
        "test@example.com",
        &git2::Time::new(1_700_000_000, 0),
    )
    .unwrap()
}

/// A new repository at `path` whose first branch is `main`.
pub fn init(path: &Path) -> Repository {
    let mut opts = RepositoryInitOptions::new();
    opts.initial_head("main");
    Repository::init_opts(path, &opts).expect("init")
}

/// Stages every change in the work tree (additions, edits and deletions), like `git add -A`.
pub fn stage_all(repo: &Repository) {
    let mut index = repo.index().unwrap();
    index.add_all(["*"], IndexAddOption::DEFAULT, None).unwrap();
    index.update_all(["*"], None).unwrap();
    index.write().unwrap();
}

/// Stages everything in the work tree and commits it on HEAD.
pub fn commit_all(repo: &Repository, message: &str) -> Oid {
    stage_all(repo);
    let tree_id = repo.index().unwrap().write_tree().unwrap();
    let tree = repo.find_tree(tree_id).unwrap();
    let parent = repo.head().ok().and_then(|h| h.peel_to_commit().ok());
    let parents: Vec<&git2::Commit> = parent.iter().collect();
    repo.commit(Some("HEAD"), &sig(), &sig(), message, &tree, &parents)
        .unwrap()
}

/// Writes `files` into the work tree, stages everything and commits on HEAD.
pub fn commit(repo: &Repository, files: &[(&str, &str)], message: &str) -> Oid {
    let root = repo.workdir().unwrap().to_path_buf();
    for (p, c) in files {
        write(&root, p, c);
    }
    commit_all(repo, message)
}

pub fn tag(repo: &Repository, name: &str, at: Oid) {
    let obj = repo.find_object(at, None).unwrap();
    repo.tag_lightweight(name, &obj, false).unwrap();
}

pub fn annotated_tag(repo: &Repository, name: &str, at: Oid) {
    let obj = repo.find_object(at, None).unwrap();
    repo.tag(name, &obj, &sig(), &format!("release {name}"), false)
        .unwrap();
}

/// The git command line, if installed, with git's variables cleared, no user config, a
/// fixed identity, and protoguard's caches (hooks run it) in the scratch directory.
pub fn git_cli(cwd: &Path) -> Option<Command> {
    Command::new("git").arg("--version").output().ok()?;
    let mut cmd = Command::new("git");
    cmd.current_dir(cwd)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env("XDG_CACHE_HOME", scratch_cache());
    for var in GIT_ENV {
        cmd.env_remove(var);
    }
    Some(cmd)
}

/// Runs git, which these tests need installed (.ci/run checks it is), and fails the test
/// unless it succeeds; returns what it printed.
#[track_caller]
pub fn git_ok(cwd: &Path, args: &[&str]) -> Output {
    let out = git_cli(cwd)
        .expect("this test needs the git command line (`git`) on PATH")
        .args(args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git {}: {}",
        args.join(" "),
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

// ---------------------------------------------------------------------------------------
// buf, for the tests that compare with it live.

/// buf 1.75: on PATH, or installed by npm in the repository or the tools directory the
/// scripts use. `None` when it is nowhere (tests that need it are `#[ignore]`d by default).
pub fn buf() -> Option<PathBuf> {
    let on_path = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("buf"));
    let installed = [
        Path::new(env!("CARGO_MANIFEST_DIR")).join("node_modules/.bin/buf"),
        PathBuf::from("/work/tools/node_modules/.bin/buf"),
    ];
    on_path.chain(installed).find(|p| p.is_file())
}
