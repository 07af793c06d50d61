//! Git inputs as a user meets them: every spelling of a git baseline (buf's `.git#branch=`,
//! `#tag=`, `#ref=`, `#commit=`, `,subdir=`, another repository before the `#`, and the short
//! `git:REF[:SUBDIR]`), `--staged` for pre-commit, `--against latest-release`, work trees,
//! linked worktrees, bare and shallow repositories, the errors (exit 2, one line), and a
//! fingerprint proving that protoguard never writes to the repository.
//!
//! Every repository is built here with git2 in a temp dir; only the shallow clone needs the
//! git command line (the test says so and passes when `git` is missing).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use git2::{Oid, Repository, RepositoryInitOptions};
use tempfile::TempDir;

mod common;
use common::{
    annotated_tag, assert_code_for as assert_code, commit, git_cli, git_ok, init, run, run_env,
    sig, stage_all, stderr, stdout, tag, write,
};

// ---------------------------------------------------------------------------------------
// Schemas. Each version differs from WORK by a known set of deleted fields, so the number
// of findings says which commit was read.

/// `name`, `id`.
const V1: &str = "syntax = \"proto3\";
package acme.v1;

message User {
  string name = 1;
  int64 id = 2;
}
";

/// V1 plus `email`: a safe change.
const V2: &str = "syntax = \"proto3\";
package acme.v1;

message User {
  string name = 1;
  int64 id = 2;
  string email = 3;
}
";

/// V2 plus `phone`: a safe change.
const V3: &str = "syntax = \"proto3\";
package acme.v1;

message User {
  string name = 1;
  int64 id = 2;
  string email = 3;
  string phone = 4;
}
";

/// Only `name`: against V1 one field is deleted (`id`), against V2 two, against V3 three.
const WORK: &str = "syntax = \"proto3\";
package acme.v1;

message User {
  string name = 1;
}
";

const FILE: &str = "proto/acme/v1/user.proto";

// ---------------------------------------------------------------------------------------
// Running the binary.

/// The names of the deleted fields reported, sorted: which baseline was read.
fn deleted(out: &Output) -> Vec<String> {
    let mut names: Vec<String> = stdout(out)
        .lines()
        .filter(|l| l.contains("FIELD_NO_DELETE"))
        .filter_map(|l| l.split("with name \"").nth(1))
        .filter_map(|s| s.split('"').next())
        .map(str::to_string)
        .collect();
    names.sort();
    names
}

/// Runs a check expected to report exactly `fields` as deleted (exit 1, or 0 when none).
#[track_caller]
fn expect_deleted(cwd: &Path, args: &[&str], fields: &[&str]) -> Output {
    let out = run(cwd, args);
    let what = format!("protoguard {}  (in {})", args.join(" "), cwd.display());
    assert_code(&out, if fields.is_empty() { 0 } else { 1 }, &what);
    assert_eq!(deleted(&out), fields, "{what}\n{}", stdout(&out));
    out
}

/// Runs a check expected to fail with exit 2 and a one-line reason containing every `needle`.
#[track_caller]
fn expect_error(cwd: &Path, args: &[&str], needles: &[&str]) -> String {
    let out = run(cwd, args);
    let what = format!("protoguard {}  (in {})", args.join(" "), cwd.display());
    assert_code(&out, 2, &what);
    assert_eq!(stdout(&out), "", "{what}");
    let err = stderr(&out);
    assert_eq!(
        err.trim_end().lines().count(),
        1,
        "{what}: expected a one-line reason, got:\n{err}"
    );
    assert!(err.starts_with("protoguard: "), "{what}: {err}");
    for n in needles {
        assert!(err.contains(n), "{what}: {n:?} missing from:\n{err}");
    }
    err
}

// ---------------------------------------------------------------------------------------
// Building repositories with git2.

fn branch(repo: &Repository, name: &str, at: Oid) {
    repo.branch(name, &repo.find_commit(at).unwrap(), false)
        .unwrap();
}

/// Points HEAD at `name` and makes the index and work tree match it.
fn checkout(repo: &Repository, name: &str) {
    repo.set_head(&format!("refs/heads/{name}")).unwrap();
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
}

/// The standard history: V1 (tag v1.0.0) ← V2 (annotated tag v2.0.0) ← V3, on `main`;
/// the work tree then holds WORK, unstaged. Returns the repo and the three commits.
struct History {
    dir: TempDir,
    repo: Repository,
    c1: Oid,
    c2: Oid,
    c3: Oid,
}

impl History {
    fn new() -> History {
        let dir = tempfile::tempdir().unwrap();
        let repo = init(&dir.path().join("repo"));
        let c1 = commit(&repo, &[(FILE, V1), ("README", "acme\n")], "v1");
        tag(&repo, "v1.0.0", c1);
        let c2 = commit(&repo, &[(FILE, V2)], "add email");
        annotated_tag(&repo, "v2.0.0", c2);
        let c3 = commit(&repo, &[(FILE, V3)], "add phone");
        write(&dir.path().join("repo"), FILE, WORK);
        History {
            dir,
            repo,
            c1,
            c2,
            c3,
        }
    }

    fn root(&self) -> PathBuf {
        self.dir.path().join("repo")
    }
}

// ---------------------------------------------------------------------------------------
// Every input form.

#[test]
fn buf_syntax_branch_tag_ref_commit() {
    let h = History::new();
    let root = h.root();
    let c1 = h.c1.to_string();
    let c2 = h.c2.to_string();
    let cases: Vec<(String, Vec<&str>)> = vec![
        (".git#branch=main".into(), vec!["email", "id", "phone"]),
        (".git#tag=v1.0.0".into(), vec!["id"]),
        // An annotated tag is peeled to its commit.
        (".git#tag=v2.0.0".into(), vec!["email", "id"]),
        (".git#ref=HEAD~1".into(), vec!["email", "id"]),
        (".git#ref=HEAD~2".into(), vec!["id"]),
        // Any revspec git understands.
        (".git#ref=main^".into(), vec!["email", "id"]),
        (".git#ref=v2.0.0^{commit}".into(), vec!["email", "id"]),
        (".git#ref=refs/tags/v1.0.0".into(), vec!["id"]),
        (".git#ref=:/add email".into(), vec!["email", "id"]),
        (format!(".git#commit={c1}"), vec!["id"]),
        (format!(".git#commit={}", &c2[..7]), vec!["email", "id"]),
        (format!(".git#ref={}", &c1[..10]), vec!["id"]),
        // buf's clone-time options are accepted and mean nothing for a local repository.
        (".git#ref=HEAD~1,depth=50".into(), vec!["email", "id"]),
        // No key: HEAD.
        (".git".to_string() + "#", vec!["email", "id", "phone"]),
    ];
    for (i, (against, fields)) in cases.iter().enumerate() {
        // NEW names the proto directory; the baseline is read under the same subdirectory.
        expect_deleted(&root, &["check", "proto", "--against", against], fields);
        // The same with an explicit subdir (every other case: the suite stays fast).
        if i % 2 == 1 && i + 1 != cases.len() {
            continue;
        }
        let with_subdir = if against.ends_with('#') {
            format!("{against}subdir=proto")
        } else {
            format!("{against},subdir=proto")
        };
        expect_deleted(
            &root,
            &["check", "proto", "--against", &with_subdir],
            fields,
        );
    }
    // NEW = the repository top: file names include `proto/` on both sides.
    expect_deleted(
        &root,
        &["check", ".", "--against", ".git#tag=v1.0.0"],
        &["id"],
    );
    let _ = h.c3;
}

#[test]
fn short_form_git_ref_and_subdir() {
    let h = History::new();
    let root = h.root();
    expect_deleted(
        &root,
        &["check", "proto", "--against", "git:main"],
        &["email", "id", "phone"],
    );
    expect_deleted(
        &root,
        &["check", "proto", "--against", "git:v1.0.0"],
        &["id"],
    );
    expect_deleted(
        &root,
        &["check", "proto", "--against", "git:HEAD~1:proto"],
        &["email", "id"],
    );
    expect_deleted(&root, &["check", ".", "--against", "git:HEAD~2"], &["id"]);
    // A subdir deeper than NEW's root: the import root moves with it.
    let out = run(
        &root,
        &["check", "proto/acme", "--against", "git:HEAD~2:proto/acme"],
    );
    assert_code(&out, 1, "git:HEAD~2:proto/acme");
}

#[test]
fn findings_name_paths_from_the_repository_top() {
    let h = History::new();
    let out = expect_deleted(
        &h.root(),
        &["check", "proto", "--against", ".git#tag=v1.0.0"],
        &["id"],
    );
    assert!(
        stdout(&out).starts_with(&format!("{FILE}:")),
        "{}",
        stdout(&out)
    );
    let out = run(
        &h.root(),
        &[
            "check",
            "proto",
            "--against",
            ".git#tag=v1.0.0",
            "--format",
            "json",
        ],
    );
    assert_code(&out, 1, "json");
    let v: serde_json::Value = serde_json::from_str(stdout(&out).lines().next().unwrap()).unwrap();
    assert_eq!(v["path"], FILE);
}

#[test]
fn another_repository_before_the_hash() {
    let h = History::new();
    let root = h.root();
    // A second repository next to the first, with its own history.
    let other = init(&h.dir.path().join("other"));
    commit(&other, &[(FILE, V1)], "other v1");
    commit(&other, &[(FILE, V2)], "other v2");
    // Its `.git`, its work tree, absolute or relative, with and without subdir.
    let abs = h.dir.path().join("other").display().to_string();
    for (against, fields) in [
        (
            "../other/.git#branch=main,subdir=proto".to_string(),
            vec!["email", "id"],
        ),
        (
            "../other#branch=main,subdir=proto".to_string(),
            vec!["email", "id"],
        ),
        ("../other#ref=HEAD~1,subdir=proto".to_string(), vec!["id"]),
        (format!("{abs}/.git#ref=main~1,subdir=proto"), vec!["id"]),
        (
            format!("{abs}#branch=main,subdir=proto"),
            vec!["email", "id"],
        ),
    ] {
        expect_deleted(&root, &["check", "proto", "--against", &against], &fields);
    }
    // NEW may be in a plain directory that is no repository at all.
    let plain = h.dir.path().join("plain");
    write(&plain, "acme/v1/user.proto", WORK);
    expect_deleted(
        &plain,
        &[
            "check",
            ".",
            "--against",
            "../other/.git#branch=main,subdir=proto",
        ],
        &["email", "id"],
    );
}

#[test]
fn from_a_subdirectory_of_the_work_tree() {
    let h = History::new();
    let sub = h.root().join("proto");
    expect_deleted(
        &sub,
        &["check", ".", "--against", ".git#branch=main"],
        &["email", "id", "phone"],
    );
    expect_deleted(&sub, &["check", ".", "--against", "git:v1.0.0"], &["id"]);
    expect_deleted(
        &sub,
        &["check", ".", "--against", ".git#ref=HEAD~1,subdir=proto"],
        &["email", "id"],
    );
    // Deeper still: NEW is `.` two levels below the top.
    let deeper = h.root().join("proto/acme");
    expect_deleted(
        &deeper,
        &["check", ".", "--against", ".git#tag=v1.0.0"],
        &["id"],
    );
    // --staged from a subdirectory: nothing staged yet, so nothing to report.
    expect_deleted(&sub, &["check", ".", "--staged"], &[]);
    stage_all(&h.repo);
    expect_deleted(&sub, &["check", ".", "--staged"], &["email", "id", "phone"]);
}

/// A pull-request checkout (actions/checkout with fetch-depth: 0) has no local `main`,
/// only `refs/remotes/origin/main`: `branch=main` must still find it.
#[test]
fn branch_resolves_from_origin_remote_tracking_ref() {
    let h = History::new();
    let root = h.root();
    // The PR head is a detached commit on top of main; the only `main` is origin's.
    let main = h.repo.find_commit(h.c2).unwrap();
    h.repo
        .reference("refs/remotes/origin/main", main.id(), true, "fetch")
        .unwrap();
    h.repo.set_head_detached(h.c3).unwrap();
    h.repo
        .find_branch("main", git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    assert!(h.repo.find_reference("refs/heads/main").is_err());
    expect_deleted(
        &root,
        &["check", "proto", "--against", ".git#branch=main"],
        &["email", "id"],
    );
    expect_deleted(
        &root,
        &["check", "proto", "--against", "git:origin/main"],
        &["email", "id"],
    );
    // A local branch, when there is one, wins over the remote-tracking one.
    branch(&h.repo, "main", h.c1);
    expect_deleted(
        &root,
        &["check", "proto", "--against", ".git#branch=main"],
        &["id"],
    );
}

// ---------------------------------------------------------------------------------------
// --staged: the pre-commit check.

#[test]
fn staged_checks_the_index_against_head() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    commit(&repo, &[(FILE, V2)], "v2");

    // Nothing staged, the work tree untouched: clean.
    expect_deleted(&root, &["check", "proto", "--staged"], &[]);

    // An unstaged breaking edit is ignored: it is not what would be committed.
    write(&root, FILE, WORK);
    expect_deleted(&root, &["check", "proto", "--staged"], &[]);
    // ...while the work tree against HEAD does see it.
    expect_deleted(
        &root,
        &["check", "proto", "--against", ".git#ref=HEAD"],
        &["email", "id"],
    );

    // Staged, it is reported, at the path relative to the repository top.
    stage_all(&repo);
    let out = expect_deleted(&root, &["check", "proto", "--staged"], &["email", "id"]);
    assert!(
        stdout(&out).starts_with(&format!("{FILE}:")),
        "{}",
        stdout(&out)
    );
    // NEW defaults to `.`: the whole work tree.
    expect_deleted(&root, &["check", "--staged"], &["email", "id"]);

    // The work tree is fixed but the fix is not staged: still reported.
    write(&root, FILE, V3);
    expect_deleted(&root, &["check", "proto", "--staged"], &["email", "id"]);

    // A staged fix clears it.
    stage_all(&repo);
    expect_deleted(&root, &["check", "proto", "--staged"], &[]);

    // A new staged file that breaks nothing, next to an unstaged deletion of it.
    write(
        &root,
        "proto/acme/v1/extra.proto",
        "syntax = \"proto3\";\npackage acme.v1;\nmessage Extra {}\n",
    );
    stage_all(&repo);
    std::fs::remove_file(root.join("proto/acme/v1/extra.proto")).unwrap();
    expect_deleted(&root, &["check", "proto", "--staged"], &[]);
}

/// The commit adding the first .proto files (or the first commit of all) breaks nothing:
/// the pre-commit hook must let it through, saying why.
#[test]
fn staged_first_protos_pass() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    // No commit yet.
    write(&root, FILE, V1);
    stage_all(&repo);
    let out = expect_deleted(&root, &["check", "proto", "--staged"], &[]);
    assert!(stderr(&out).contains("baseline: none"), "{}", stderr(&out));
    let out = expect_deleted(&root, &["check", "--staged"], &[]);
    assert!(stderr(&out).contains("baseline: none"), "{}", stderr(&out));
    // A first commit without protos; the protos come next.
    std::fs::remove_dir_all(root.join("proto")).unwrap();
    commit(&repo, &[("README", "hello\n")], "readme");
    write(&root, FILE, V1);
    stage_all(&repo);
    let out = expect_deleted(&root, &["check", "proto", "--staged"], &[]);
    assert!(stderr(&out).contains("under proto"), "{}", stderr(&out));
    // Committed, later changes are checked again.
    commit(&repo, &[], "protos");
    write(&root, FILE, WORK);
    stage_all(&repo);
    let out = expect_deleted(&root, &["check", "proto", "--staged"], &["id"]);
    assert_eq!(stderr(&out), "");
    // An explicit baseline without protos stays an error, as in buf.
    expect_error(
        &root,
        &["check", "proto", "--staged", "--against", ".git#ref=HEAD~1"],
        &["HEAD~1"],
    );
}

/// `git commit -a` and `git commit PATH` run the hook with GIT_INDEX_FILE naming a
/// temporary index: that is what is about to be committed, not .git/index.
#[test]
fn staged_reads_git_index_file() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    commit(&repo, &[(FILE, V2)], "v2");
    write(&root, FILE, WORK);
    stage_all(&repo);
    let alt = dir.path().join("alt-index");
    std::fs::copy(root.join(".git/index"), &alt).unwrap();
    // .git/index back to HEAD: only the alternate index holds the change.
    let head = repo.head().unwrap().peel_to_tree().unwrap();
    let mut index = repo.index().unwrap();
    index.read_tree(&head).unwrap();
    index.write().unwrap();
    expect_deleted(&root, &["check", "proto", "--staged"], &[]);
    let out = run_env(
        &root,
        &["check", "proto", "--staged"],
        &[("GIT_INDEX_FILE", &alt)],
    );
    assert_code(&out, 1, "GIT_INDEX_FILE");
    assert_eq!(deleted(&out), ["email", "id"]);
}

/// The same through real `git commit -a` / `git commit PATH` with a native hook.
#[test]
fn pre_commit_hook_blocks_commit_all() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    assert!(
        git_cli(dir.path()).is_some(),
        "this test needs the git command line (`git`) on PATH"
    );
    let repo = init(&root);
    commit(&repo, &[(FILE, V2)], "v2");
    let hook = root.join(".git/hooks/pre-commit");
    std::fs::create_dir_all(hook.parent().unwrap()).unwrap();
    std::fs::write(
        &hook,
        format!(
            "#!/bin/sh\nexec '{}' check proto --staged\n",
            env!("CARGO_BIN_EXE_protoguard")
        ),
    )
    .unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&hook, std::fs::Permissions::from_mode(0o755)).unwrap();
    }
    let head = || repo.head().unwrap().target().unwrap();
    let before = head();
    write(&root, FILE, WORK);
    for args in [
        vec!["commit", "-q", "-a", "-m", "break"],
        vec!["commit", "-q", "-m", "break", "--", FILE],
    ] {
        let out = git_cli(&root).unwrap().args(&args).output().unwrap();
        assert!(
            !out.status.success(),
            "git {args:?} should be refused by the hook"
        );
        // git shows a hook's output on its stderr.
        let msg = String::from_utf8_lossy(&out.stderr);
        assert!(msg.contains("FIELD_NO_DELETE"), "{msg}");
        assert_eq!(head(), before, "git {args:?} committed");
    }
    write(&root, FILE, V3);
    git_ok(&root, &["commit", "-q", "-a", "-m", "safe"]);
    assert_ne!(head(), before);
}

#[test]
fn staged_with_explicit_against() {
    let h = History::new();
    let root = h.root();
    stage_all(&h.repo);
    // --staged compares the index with any baseline, here the first release.
    expect_deleted(
        &root,
        &["check", "proto", "--staged", "--against", ".git#tag=v1.0.0"],
        &["id"],
    );
    expect_deleted(
        &root,
        &["check", "proto", "--staged", "--against", "latest-release"],
        &["email", "id"],
    );
}

// ---------------------------------------------------------------------------------------
// --against latest-release.

/// A repository with V1, V2, V3 on main and the work tree at WORK, tagged by `tags`
/// (name, which commit: 1, 2 or 3).
fn tagged(tags: &[(&str, u8)]) -> History {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("repo"));
    let c1 = commit(&repo, &[(FILE, V1)], "v1");
    let c2 = commit(&repo, &[(FILE, V2)], "v2");
    let c3 = commit(&repo, &[(FILE, V3)], "v3");
    for (name, at) in tags {
        let id = [c1, c2, c3][usize::from(*at) - 1];
        if name.contains("annotated") {
            annotated_tag(&repo, name, id);
        } else {
            tag(&repo, name, id);
        }
    }
    write(&dir.path().join("repo"), FILE, WORK);
    History {
        dir,
        repo,
        c1,
        c2,
        c3,
    }
}

/// Runs `check proto --against latest-release EXTRA`, expects `fields` deleted and stderr
/// naming `baseline`.
#[track_caller]
fn latest(h: &History, extra: &[&str], fields: &[&str], baseline: &str) {
    let mut args = vec!["check", "proto", "--against", "latest-release"];
    args.extend_from_slice(extra);
    let out = expect_deleted(&h.root(), &args, fields);
    let err = stderr(&out);
    assert!(
        err.contains("baseline") && err.contains(baseline),
        "stderr should name the baseline {baseline:?}:\n{err}"
    );
}

#[test]
fn latest_release_takes_the_highest_semver_tag() {
    // Lexically v1.9.0 > v1.10.0; by semver v1.10.0 wins.
    let h = tagged(&[("v1.9.0", 1), ("v1.10.0", 2), ("v1.2.0", 3)]);
    latest(&h, &[], &["email", "id"], "v1.10.0");
}

#[test]
fn latest_release_ranks_a_prerelease_below_its_release() {
    let h = tagged(&[
        ("v1.0.0", 1),
        ("v1.1.0", 1),
        ("v1.1.0-rc.1", 3),
        ("v1.1.0-beta", 2),
    ]);
    latest(&h, &[], &["id"], "v1.1.0");
    let h = tagged(&[("v1.0.0", 1), ("v1.1.0-rc.1", 2)]);
    latest(&h, &[], &["email", "id"], "v1.1.0-rc.1");
}

#[test]
fn latest_release_ignores_tags_that_are_not_versions_or_do_not_match() {
    // `nightly` matches nothing semver; `w9.0.0` does not match `v*`.
    let h = tagged(&[
        ("v1.0.0", 1),
        ("vnext", 3),
        ("w9.0.0", 3),
        ("v2.0.0-annotated", 2),
    ]);
    latest(&h, &[], &["email", "id"], "v2.0.0-annotated");
}

#[test]
fn latest_release_with_tag_pattern() {
    let h = tagged(&[("release-1.2.0", 1), ("release-1.10.0", 2), ("v9.0.0", 3)]);
    latest(
        &h,
        &["--tag-pattern", "release-*"],
        &["email", "id"],
        "release-1.10.0",
    );
    // The default pattern still sees the v tag.
    latest(&h, &[], &["email", "id", "phone"], "v9.0.0");
}

#[test]
fn latest_release_falls_back_to_the_merge_base_with_main() {
    // No tags. A feature branch forks from main at V1; main moves on to V3.
    let h = tagged(&[]);
    branch(&h.repo, "feature", h.c1);
    checkout(&h.repo, "feature");
    write(&h.root(), FILE, WORK);
    latest(&h, &[], &["id"], "merge-base");
    latest(&h, &[], &["id"], &h.c1.to_string()[..7]);
    // A tag pattern matching nothing falls back the same way.
    latest(&h, &["--tag-pattern", "release-*"], &["id"], "merge-base");
    let _ = (h.c2, h.c3);
}

#[test]
fn latest_release_falls_back_to_origin_main() {
    // A CI clone: the default branch exists only as origin/main.
    let h = tagged(&[]);
    h.repo
        .reference("refs/remotes/origin/main", h.c2, true, "fetch")
        .unwrap();
    branch(&h.repo, "feature", h.c3);
    checkout(&h.repo, "feature");
    h.repo
        .find_branch("main", git2::BranchType::Local)
        .unwrap()
        .delete()
        .unwrap();
    write(&h.root(), FILE, WORK);
    latest(&h, &[], &["email", "id"], "origin/main");
}

// ---------------------------------------------------------------------------------------
// Worktrees, bare repositories.

#[test]
fn linked_worktree() {
    let h = History::new();
    let wt_path = h.dir.path().join("wt");
    let wt = h.repo.worktree("wt", &wt_path, None).unwrap();
    let wt_repo = Repository::open_from_worktree(&wt).unwrap();
    assert!(
        wt_path.join(".git").is_file(),
        "a linked worktree's .git is a file"
    );
    // The worktree's branch `wt` starts at HEAD (V3); edit it there.
    write(&wt_path, FILE, WORK);
    expect_deleted(
        &wt_path,
        &["check", "proto", "--against", ".git#branch=main"],
        &["email", "id", "phone"],
    );
    expect_deleted(
        &wt_path,
        &["check", "proto", "--against", ".git#tag=v1.0.0"],
        &["id"],
    );
    expect_deleted(
        &wt_path.join("proto"),
        &["check", ".", "--against", "git:HEAD~1"],
        &["email", "id"],
    );
    // --staged reads the worktree's own index, not the main one's.
    expect_deleted(&wt_path, &["check", "proto", "--staged"], &[]);
    stage_all(&wt_repo);
    expect_deleted(
        &wt_path,
        &["check", "proto", "--staged"],
        &["email", "id", "phone"],
    );
    // The main work tree's index is untouched by staging in the worktree.
    expect_deleted(&h.root(), &["check", "proto", "--staged"], &[]);
}

/// A bare repository built from blobs, its `main` holding `files`.
fn bare(path: &Path, commits: &[&[(&str, &str)]]) -> Repository {
    let mut opts = RepositoryInitOptions::new();
    opts.bare(true).initial_head("main");
    let repo = Repository::init_opts(path, &opts).unwrap();
    let mut parent: Option<Oid> = None;
    for files in commits {
        let mut index = git2::Index::new().unwrap();
        for (p, c) in *files {
            let id = repo.blob(c.as_bytes()).unwrap();
            let entry = git2::IndexEntry {
                ctime: git2::IndexTime::new(0, 0),
                mtime: git2::IndexTime::new(0, 0),
                dev: 0,
                ino: 0,
                mode: 0o100644,
                uid: 0,
                gid: 0,
                file_size: c.len() as u32,
                id,
                flags: 0,
                flags_extended: 0,
                path: p.as_bytes().to_vec(),
            };
            index.add(&entry).unwrap();
        }
        let tree = repo.find_tree(index.write_tree_to(&repo).unwrap()).unwrap();
        let parents: Vec<git2::Commit> = parent
            .iter()
            .map(|p| repo.find_commit(*p).unwrap())
            .collect();
        let refs: Vec<&git2::Commit> = parents.iter().collect();
        parent = Some(
            repo.commit(Some("refs/heads/main"), &sig(), &sig(), "c", &tree, &refs)
                .unwrap(),
        );
    }
    repo
}

#[test]
fn bare_repository_as_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let bare_path = dir.path().join("schemas.git");
    bare(&bare_path, &[&[(FILE, V1)], &[(FILE, V2)]]);
    let work = dir.path().join("work");
    write(&work, "acme/v1/user.proto", WORK);
    let abs = bare_path.display().to_string();
    expect_deleted(
        &work,
        &[
            "check",
            ".",
            "--against",
            &format!("{abs}#branch=main,subdir=proto"),
        ],
        &["email", "id"],
    );
    expect_deleted(
        &work,
        &[
            "check",
            ".",
            "--against",
            &format!("{abs}#ref=main~1,subdir=proto"),
        ],
        &["id"],
    );
    expect_deleted(
        &work,
        &[
            "check",
            ".",
            "--against",
            "../schemas.git#ref=HEAD,subdir=proto",
        ],
        &["email", "id"],
    );
    // A bare repository has no index worth checking and no work tree.
    let out = run(&bare_path, &["check", ".", "--staged"]);
    assert_code(&out, 2, "--staged in a bare repository");
}

// ---------------------------------------------------------------------------------------
// Errors: exit 2, one line, naming what is wrong.

#[test]
fn unknown_refs_are_named() {
    let h = History::new();
    let root = h.root();
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#ref=no-such-ref"],
        &["no-such-ref", "not found"],
    );
    expect_error(
        &root,
        &["check", "proto", "--against", "git:no-such-ref"],
        &["no-such-ref", "not found"],
    );
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#branch=nope"],
        &[
            "branch",
            "nope",
            "not found",
            "refs/remotes/origin/nope",
            "git fetch origin nope",
        ],
    );
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#tag=v9.9.9"],
        &["tag", "v9.9.9", "not found"],
    );
    expect_error(
        &root,
        &[
            "check",
            "proto",
            "--against",
            ".git#commit=0123456789abcdef0123456789abcdef01234567",
        ],
        &["0123456789abcdef0123456789abcdef01234567", "not found"],
    );
    // A tag is not a branch: `branch=v1.0.0` must not silently read the tag.
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#branch=v1.0.0"],
        &["branch", "v1.0.0"],
    );
    // A revspec naming a tree is not a commit.
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#ref=HEAD^{tree}"],
        &["HEAD^{tree}"],
    );
}

#[test]
fn subdir_missing_in_the_commit() {
    let h = History::new();
    let root = h.root();
    expect_error(
        &root,
        &[
            "check",
            "proto",
            "--against",
            ".git#branch=main,subdir=nope",
        ],
        &["nope", &h.c3.to_string()[..7]],
    );
    expect_error(
        &root,
        &["check", "proto", "--against", "git:HEAD:nope/deeper"],
        &["nope/deeper"],
    );
    // A path that is a file, not a directory.
    expect_error(
        &root,
        &["check", "proto", "--against", "git:HEAD:README"],
        &["README"],
    );
}

#[test]
fn subdir_spellings() {
    let h = History::new();
    let root = h.root();
    // `.` is the top; leading `./`, trailing and doubled slashes mean nothing.
    expect_deleted(
        &root,
        &["check", ".", "--against", ".git#ref=HEAD~2,subdir=."],
        &["id"],
    );
    expect_deleted(
        &root,
        &["check", ".", "--against", "git:HEAD~2:./"],
        &["id"],
    );
    for against in [
        ".git#ref=HEAD~2,subdir=./proto/",
        ".git#ref=HEAD~2,subdir=proto//",
        "git:HEAD~2:/proto",
    ] {
        expect_deleted(&root, &["check", "proto", "--against", against], &["id"]);
    }
    expect_deleted(
        &root,
        &[
            "check",
            "proto/acme",
            "--against",
            ".git#ref=HEAD~2,subdir=./proto//acme/",
        ],
        &["id"],
    );
}

#[test]
fn not_a_repository() {
    let dir = tempfile::tempdir().unwrap();
    write(dir.path(), "a/user.proto", WORK);
    let err = expect_error(
        &dir.path().join("a"),
        &["check", ".", "--against", ".git#branch=main"],
        &["not a git repository"],
    );
    assert!(err.contains(".git#branch=main"), "{err}");
    expect_error(
        &dir.path().join("a"),
        &["check", ".", "--against", "git:HEAD"],
        &["not a git repository"],
    );
    expect_error(
        &dir.path().join("a"),
        &["check", ".", "--staged"],
        &["--staged", "git"],
    );
    expect_error(
        &dir.path().join("a"),
        &["check", ".", "--against", "latest-release"],
        &["latest-release", "not a git repository"],
    );
    expect_error(
        &dir.path().join("a"),
        &["check", ".", "--against", "../missing/.git#branch=main"],
        &["../missing/.git"],
    );
    // A repository with no commit yet.
    let empty = dir.path().join("empty");
    init(&empty);
    write(&empty, "a.proto", WORK);
    expect_error(
        &empty,
        &["check", ".", "--against", ".git#branch=main"],
        &["main", "not found"],
    );
}

#[test]
fn shallow_clone_missing_the_ref() {
    assert!(
        Command::new("git").arg("--version").output().is_ok(),
        "this test needs the git command line (`git`) on PATH, to make a shallow clone"
    );
    let h = History::new();
    branch(&h.repo, "feature", h.c1);
    let url = format!("file://{}", h.root().display());
    let clone = h.dir.path().join("shallow");
    let out = Command::new("git")
        .args(["clone", "-q", "--depth", "1", "-b", "main", &url])
        .arg(&clone)
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "git clone: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(clone.join(".git/shallow").exists());
    write(&clone, FILE, WORK);
    // What the shallow clone has works.
    expect_deleted(
        &clone,
        &["check", "proto", "--against", ".git#ref=HEAD"],
        &["email", "id", "phone"],
    );
    expect_deleted(
        &clone,
        &["check", "proto", "--against", ".git#branch=main"],
        &["email", "id", "phone"],
    );
    // What it lacks is explained.
    for against in [
        ".git#ref=HEAD~1".to_string(),
        ".git#tag=v1.0.0".to_string(),
        ".git#branch=feature".to_string(),
        format!(".git#commit={}", h.c1),
        "git:HEAD~2".to_string(),
    ] {
        expect_error(
            &clone,
            &["check", "proto", "--against", &against],
            &["shallow", "fetch-depth: 0"],
        );
    }
    // latest-release in a shallow clone without tags falls back to origin/main = HEAD.
    let out = run(&clone, &["check", "proto", "--against", "latest-release"]);
    assert_code(&out, 1, "latest-release in a shallow clone");
}

// ---------------------------------------------------------------------------------------
// protoguard never writes to the repository.

/// Every file and directory under `root` (the work tree and all of .git, nothing excluded):
/// path → (contents, modification time); directories with empty contents.
fn fingerprint(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<std::time::SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let meta = std::fs::symlink_metadata(&path).unwrap();
            let rel = path.strip_prefix(root).unwrap().to_path_buf();
            if meta.is_dir() {
                out.insert(rel, (Vec::new(), meta.modified().ok()));
                stack.push(path);
            } else {
                out.insert(rel, (std::fs::read(&path).unwrap(), meta.modified().ok()));
            }
        }
    }
    out
}

#[test]
fn never_writes_to_the_repository() {
    let h = tagged(&[("v1.0.0", 1), ("v1.1.0", 2)]);
    let root = h.root();
    branch(&h.repo, "feature", h.c3);
    // A staged change and an unstaged one, so the index is not trivially HEAD's.
    stage_all(&h.repo);
    write(&root, FILE, V3);
    // A linked worktree too: its admin files live under the main .git.
    let wt_path = h.dir.path().join("wt");
    h.repo.worktree("wt", &wt_path, None).unwrap();
    // Let mtimes settle so a rewrite with the same content would show.
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = fingerprint(h.dir.path());
    for (cwd, args) in [
        (
            root.clone(),
            vec!["check", "proto", "--against", ".git#branch=main"],
        ),
        (
            root.clone(),
            vec![
                "check",
                "proto",
                "--against",
                ".git#tag=v1.0.0,subdir=proto",
            ],
        ),
        (
            root.clone(),
            vec!["check", "proto", "--against", ".git#ref=HEAD~1"],
        ),
        (
            root.clone(),
            vec!["check", "proto", "--against", "git:feature:proto"],
        ),
        (root.clone(), vec!["check", "proto", "--staged"]),
        (
            root.clone(),
            vec!["check", "proto", "--against", "latest-release"],
        ),
        (root.join("proto"), vec!["check", ".", "--staged"]),
        (
            root.clone(),
            vec!["check", "proto", "--against", ".git#ref=nope"],
        ),
        (wt_path.clone(), vec!["check", "proto", "--staged"]),
        (
            wt_path.clone(),
            vec!["check", "proto", "--against", ".git#branch=main"],
        ),
    ] {
        let out = run(&cwd, &args);
        assert!(
            matches!(out.status.code(), Some(0..=2)) && !stderr(&out).contains("panicked"),
            "{args:?}: {}",
            stderr(&out)
        );
    }
    let after = fingerprint(h.dir.path());
    let changed: Vec<_> = before
        .keys()
        .chain(after.keys())
        .filter(|k| before.get(*k) != after.get(*k))
        .collect();
    assert!(
        changed.is_empty(),
        "protoguard changed the repository: {changed:?}"
    );
    assert!(before.keys().any(|k| k.ends_with("index")));
}

/// Issue 10: NEW inside a git submodule, checked from the superproject against its
/// branch, was compared with the superproject's root (a false FILE_NO_DELETE for every
/// file of the superproject). It is compared with the same directory of the submodule,
/// at the commit the superproject's branch records for it; a submodule that is not
/// checked out is an error that says how to get it.
#[test]
fn new_inside_a_submodule_reads_the_submodules_commit() {
    let dir = tempfile::tempdir().unwrap();
    let schemas = init(&dir.path().join("schemas"));
    commit(&schemas, &[(FILE, V2)], "schemas");
    let top = dir.path().join("super");
    let superproject = init(&top);
    commit(&superproject, &[("top.proto", V1)], "top");
    git_ok(
        &top,
        &[
            "-c",
            "protocol.file.allow=always",
            "submodule",
            "add",
            "-q",
            &dir.path().join("schemas").display().to_string(),
            "sub",
        ],
    );
    git_ok(&top, &["commit", "-qm", "add the schemas"]);
    // The submodule's work tree drops `email` (and `id`): only those are reported.
    write(&top.join("sub"), FILE, WORK);
    let out = expect_deleted(
        &top,
        &["check", "sub/proto", "--against", ".git#branch=main"],
        &["email", "id"],
    );
    assert!(!stdout(&out).contains("FILE_NO_DELETE"), "{}", stdout(&out));
    // The same with the subdir spelled out.
    expect_deleted(
        &top,
        &[
            "check",
            "sub/proto",
            "--against",
            ".git#branch=main,subdir=sub/proto",
        ],
        &["email", "id"],
    );
    // A clone whose submodule was never initialised: said, with the command to run.
    git_ok(
        dir.path(),
        &[
            "-c",
            "protocol.file.allow=always",
            "clone",
            "-q",
            "super",
            "bare-clone",
        ],
    );
    let clone = dir.path().join("bare-clone");
    write(&clone, &format!("sub/{FILE}"), WORK);
    expect_error(
        &clone,
        &["check", "sub/proto", "--against", ".git#branch=main"],
        &["submodule \"sub\"", "git submodule update --init sub"],
    );
}

/// Issue 10: a `.proto` committed as a symbolic link was parsed as its link text on the
/// git side while the work tree followed it. Both sides now read the file it points at:
/// against the commit (and from the index), only the field deleted in the work tree is
/// reported. A link that leaves the import root is refused on both sides.
#[cfg(unix)]
#[test]
fn symbolic_links_read_the_same_on_both_sides() {
    use std::os::unix::fs::symlink;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    // proto/acme/v1/user.proto -> ../../.generated/user.proto (a hidden directory, so the
    // file is read once, through the link).
    write(&root, "proto/.generated/user.proto", V2);
    std::fs::create_dir_all(root.join("proto/acme/v1")).unwrap();
    symlink("../../.generated/user.proto", root.join(FILE)).unwrap();
    commit(&repo, &[], "linked");
    let entry = repo
        .head()
        .unwrap()
        .peel_to_tree()
        .unwrap()
        .get_path(Path::new(FILE))
        .unwrap();
    assert_eq!(entry.filemode(), 0o120000, "committed as a link");
    write(&root, "proto/.generated/user.proto", V1);
    expect_deleted(
        &root,
        &["check", "proto", "--against", ".git#branch=main"],
        &["email"],
    );
    stage_all(&repo);
    expect_deleted(&root, &["check", "proto", "--staged"], &["email"]);

    // A link out of the import root: refused in the work tree and in the commit.
    write(&root, "elsewhere/x.proto", V1);
    symlink("../../elsewhere/x.proto", root.join("proto/acme/out.proto")).unwrap();
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#branch=main"],
        &["proto/acme/out.proto", "outside the import root"],
    );
    commit(&repo, &[], "link out");
    std::fs::remove_file(root.join("proto/acme/out.proto")).unwrap();
    expect_error(
        &root,
        &["check", "proto", "--against", ".git#branch=main"],
        &["proto/acme/out.proto", "outside the import root"],
    );
}

// ---------------------------------------------------------------------------------------
// Locations: a git side is located from the text it was compiled from, like a directory.

/// A proto2 message with defaults, before the change.
const DEFAULTS_OLD: &str = "syntax = \"proto2\";
package acme.v1;

message Limits {
  optional int32 max = 1 [default = 10];
  optional string unit = 2 [default = \"s\"];
  optional int64 span = 3;
}
";

/// Defaults changed after tabs and wide characters, a `json_name` added, a type changed
/// after an emoji, and a byte-order mark in front.
const DEFAULTS_NEW: &str = "\u{feff}syntax = \"proto2\";
package acme.v1;

message Limits {
\toptional int32 max = 1 [default\t=\t20];
  /*中*/\toptional string unit = 2 [json_name = \"u\", default = \"ms\"];
  /*😀*/ optional int32 span = 3;
}
";

/// Every finding of a run, as JSON lines with buf's keys.
fn findings_json(out: &Output) -> Vec<String> {
    let mut lines: Vec<String> = stdout(out).lines().map(str::to_string).collect();
    lines.sort();
    lines
}

#[test]
fn git_new_side_is_located_like_a_directory() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    commit(&repo, &[(FILE, DEFAULTS_OLD)], "defaults");
    commit(&repo, &[(FILE, DEFAULTS_NEW)], "change them");
    let json = ["--format", "json", "--use", "FILE"];
    let from_dir = run(
        &root,
        &[
            &["check", "proto", "--against", ".git#ref=HEAD~1"][..],
            &json,
        ]
        .concat(),
    );
    assert_code(&from_dir, 1, "directory NEW");
    let from_dir = findings_json(&from_dir);
    // Four findings: two defaults, the JSON name and the type, at buf 1.75's columns.
    assert_eq!(from_dir.len(), 4, "{from_dir:#?}");
    for (rule, line, column) in [
        ("FIELD_SAME_DEFAULT", 5, 29),
        ("FIELD_SAME_DEFAULT", 6, 56),
        ("FIELD_SAME_JSON_NAME", 6, 39),
        ("FIELD_SAME_TYPE", 7, 19),
    ] {
        let want = format!("\"start_line\":{line},\"start_column\":{column},");
        assert!(
            from_dir
                .iter()
                .any(|l| l.contains(rule) && l.contains(&want)),
            "{rule} at {line}:{column}: {from_dir:#?}"
        );
    }
    let from_git = run(
        &root,
        &[
            &[
                "check",
                ".git#ref=HEAD,subdir=proto",
                "--against",
                ".git#ref=HEAD~1,subdir=proto",
            ][..],
            &json,
        ]
        .concat(),
    );
    assert_code(&from_git, 1, "git NEW");
    assert_eq!(findings_json(&from_git), from_dir);

    // The same change staged, for the pre-commit hook.
    let dir2 = tempfile::tempdir().unwrap();
    let root2 = dir2.path().join("repo");
    let repo2 = init(&root2);
    commit(&repo2, &[(FILE, DEFAULTS_OLD)], "defaults");
    write(&root2, FILE, DEFAULTS_NEW);
    stage_all(&repo2);
    // The work tree then differs from the index: only the index is read.
    write(&root2, FILE, DEFAULTS_OLD);
    let staged = run(
        &root2,
        &[&["check", "proto", "--staged"][..], &json].concat(),
    );
    assert_code(&staged, 1, "--staged");
    assert_eq!(findings_json(&staged), from_dir);
}

/// `--staged` selects rules from the buf.yaml of NEW's directory, as a directory NEW does;
/// without one, buf's no-config default (v1's, without FIELD_SAME_DEFAULT) applies.
#[test]
fn staged_reads_the_work_tree_buf_yaml() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    commit(&repo, &[(FILE, DEFAULTS_OLD)], "defaults");
    write(&root, FILE, DEFAULTS_NEW);
    stage_all(&repo);
    let rules = |out: &Output| -> Vec<String> {
        let mut r: Vec<String> = findings_json(out)
            .iter()
            .map(|l| {
                let v: serde_json::Value = serde_json::from_str(l).unwrap();
                v["type"].as_str().unwrap().to_string()
            })
            .collect();
        r.sort();
        r
    };
    let out = run(&root, &["check", "proto", "--staged", "--format", "json"]);
    assert_code(&out, 1, "--staged without buf.yaml");
    assert_eq!(rules(&out), ["FIELD_SAME_JSON_NAME", "FIELD_SAME_TYPE"]);
    write(&root, "proto/buf.yaml", "version: v2\n");
    let out = run(&root, &["check", "proto", "--staged", "--format", "json"]);
    assert_code(&out, 1, "--staged with a v2 buf.yaml");
    assert_eq!(
        rules(&out),
        [
            "FIELD_SAME_DEFAULT",
            "FIELD_SAME_DEFAULT",
            "FIELD_SAME_JSON_NAME",
            "FIELD_SAME_TYPE"
        ]
    );
}
