//! The history ledger and the rules that read it (FIELD_NUMBER_REUSED and friends), on git
//! repositories built here with git2 in temp dirs: the acceptance case of issue 6 through
//! the binary and through the library, release selection (tags that are ancestors of the
//! baseline, every commit with `all_commits`), subdirectories, and the per-blob cache
//! (a warm build reads no blob, and nothing is written inside the repository).

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Output;

use git2::Repository;
use protoguard::history::{self, Cache};
use protoguard::source::{self, Mode};
use protoguard::{Input, LoadOptions, Policy, Schema};

mod common;
use common::{
    annotated_tag, commit, git_ok as git, init, run_cached as protoguard, stderr, tag, write,
};

// ---------------------------------------------------------------------------------------
// Schemas of the acceptance case.

/// v1.0.0: `string coupon = 2`.
const V1_0: &str = "syntax = \"proto3\";
package shop.v1;

message Order {
  string id = 1;
  string coupon = 2;
}
";

/// v1.1.0: coupon deleted, its number not reserved.
const V1_1: &str = "syntax = \"proto3\";
package shop.v1;

message Order {
  string id = 1;
}
";

/// The work tree: 2 reused as `int64 discount_cents`.
const WORK: &str = "syntax = \"proto3\";
package shop.v1;

message Order {
  string id = 1;
  int64 discount_cents = 2;
}
";

const FILE: &str = "shop/v1/order.proto";

// ---------------------------------------------------------------------------------------
// Building repositories with git2.

/// The acceptance repository: v1.0.0 (annotated) ← v1.1.0 (lightweight), files under
/// `prefix`; the work tree reuses 2. Returns the temp dir and the repository.
fn acceptance(prefix: &str) -> (tempfile::TempDir, Repository) {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("repo"));
    let file = format!("{prefix}{FILE}");
    let c1 = commit(&repo, &[(&file, V1_0), ("README", "shop\n")], "v1.0.0");
    annotated_tag(&repo, "v1.0.0", c1);
    let c2 = commit(&repo, &[(&file, V1_1)], "drop coupon");
    tag(&repo, "v1.1.0", c2);
    write(&dir.path().join("repo"), &file, WORK);
    (dir, repo)
}

/// Every file and directory under `root` with its content and mtime.
fn fingerprint(root: &Path) -> BTreeMap<PathBuf, (Vec<u8>, Option<std::time::SystemTime>)> {
    let mut out = BTreeMap::new();
    let mut stack = vec![root.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).unwrap() {
            let path = entry.unwrap().path();
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

fn files_under(dir: &Path) -> usize {
    if !dir.exists() {
        return 0;
    }
    fingerprint(dir)
        .values()
        .filter(|(c, _)| !c.is_empty())
        .count()
}

/// The findings of `check NEW --against AGAINST` with the default rules and the history of
/// the baseline (read with a private cache), through the library.
fn check(new: &Path, against: &str, all: bool, cache: &Cache) -> Vec<(String, String)> {
    let pair = source::resolve_pair(&new.display().to_string(), Some(against), false, "v*")
        .expect("resolve");
    let opts = LoadOptions::default();
    let (old, new) =
        Schema::load_pair((&pair.old, &opts), (&pair.new, &opts), Mode::Planned).expect("load");
    let Input::Git(spec) = &pair.old else {
        panic!("baseline is not git: {:?}", pair.old)
    };
    let repo = protoguard::git::open(spec).unwrap();
    let ledger = history::from_git_with(&repo, spec, "v*", all, cache).expect("history");
    let policy = Policy::new(None, &[], &[]).unwrap();
    protoguard::check_with_history(&old, &new, &policy, Some(&ledger))
        .into_iter()
        .map(|a| {
            let v = serde_json::to_value(&a).unwrap();
            (
                v["type"].as_str().unwrap().to_string(),
                v["message"].as_str().unwrap().to_string(),
            )
        })
        .collect()
}

// ---------------------------------------------------------------------------------------
// The acceptance case.

/// Issue 6, first "Done when": `check . --against '.git#tag=v1.1.0'` reports the reuse of
/// coupon's number, naming coupon and v1.0.0, and nothing else (buf reports nothing: the
/// work tree only adds a field to v1.1.0). Needs main.rs to pass the ledger to the rules.
#[test]
fn binary_reports_a_number_reused_after_an_unreserved_delete() {
    let (dir, _repo) = acceptance("");
    let root = dir.path().join("repo");
    let cache = dir.path().join("cache");
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = fingerprint(&root.join(".git"));
    let run = || -> Output {
        protoguard(
            &root,
            &cache,
            &["check", ".", "--against", ".git#tag=v1.1.0"],
        )
    };
    let out = run();
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    let err = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(1),
        "stdout:\n{text}\nstderr:\n{err}"
    );
    let lines: Vec<&str> = text.lines().filter(|l| !l.trim().is_empty()).collect();
    assert_eq!(lines.len(), 1, "{text}");
    let line = lines[0];
    assert!(
        line.starts_with(&format!("{FILE}:6:3: FIELD_NUMBER_REUSED ")),
        "{line}"
    );
    assert!(
        line.contains("\"string coupon\" until v1.0.0") && line.contains("discount_cents"),
        "{line}"
    );
    // Cached outside the repository, and the repository untouched.
    assert!(files_under(&cache.join("protoguard")) > 0, "nothing cached");
    assert_eq!(
        before,
        fingerprint(&root.join(".git")),
        "the run wrote to .git"
    );
    // A second run (warm cache) says the same.
    assert_eq!(String::from_utf8_lossy(&run().stdout), text);
}

#[test]
fn library_reports_a_number_reused_after_an_unreserved_delete() {
    let (dir, _repo) = acceptance("");
    let root = dir.path().join("repo");
    let cache = Cache::at(dir.path().join("cache"));
    let against = format!("{}/.git#tag=v1.1.0", root.display());
    let found = check(&root, &against, false, &cache);
    assert_eq!(
        found,
        [(
            "FIELD_NUMBER_REUSED".to_string(),
            "Field \"2\" with name \"discount_cents\" on message \"Order\" reuses the number of a \
             deleted field: field 2 was \"string coupon\" until v1.0.0."
                .to_string()
        )]
    );
    // Against v1.0.0 the ordinary rules see the change, and the history rule stays quiet.
    let against = format!("{}/.git#tag=v1.0.0", root.display());
    let found = check(&root, &against, false, &cache);
    let rules: Vec<&str> = found.iter().map(|(r, _)| r.as_str()).collect();
    assert!(rules.contains(&"FIELD_SAME_NAME"), "{found:?}");
    assert!(!rules.contains(&"FIELD_NUMBER_REUSED"), "{found:?}");
    // Without a ledger (a directory baseline) the rule is silent.
    assert!(
        protoguard::history_for(&Input::Dir(root.clone()), "v*", false)
            .unwrap()
            .is_none()
    );
}

#[test]
fn subdir_baseline_reads_the_same_directory_of_each_release() {
    let (dir, _repo) = acceptance("proto/");
    let root = dir.path().join("repo");
    let cache = Cache::at(dir.path().join("cache"));
    // NEW is proto/ inside the work tree: the baseline reads proto/ of the tag.
    let against = format!("{}/.git#tag=v1.1.0", root.display());
    let found = check(&root.join("proto"), &against, false, &cache);
    assert_eq!(found.len(), 1, "{found:?}");
    assert!(found[0].1.contains("until v1.0.0"), "{found:?}");
    // An explicit subdir that no release has: nothing to read, nothing found.
    let repo = Repository::open(&root).unwrap();
    let spec =
        protoguard::git::GitSpec::parse(&format!("{}/.git#tag=v1.1.0,subdir=nope", root.display()))
            .unwrap()
            .unwrap();
    let ledger = history::from_git_with(&repo, &spec, "v*", false, &cache).unwrap();
    assert!(ledger.is_empty());
    assert_eq!(ledger.releases(), ["v1.0.0", "v1.1.0"]);
}

// ---------------------------------------------------------------------------------------
// Which releases the ledger reads.

#[test]
fn releases_are_tags_that_are_ancestors_of_the_baseline_plus_the_baseline() {
    let dir = tempfile::tempdir().unwrap();
    let repo = init(&dir.path().join("repo"));
    let c1 = commit(&repo, &[(FILE, V1_0)], "one");
    tag(&repo, "v1.0.0", c1);
    let c2 = commit(&repo, &[(FILE, V1_1)], "two");
    // Not a release: does not match the pattern.
    tag(&repo, "nightly", c2);
    // A release on another line of history: not an ancestor of the baseline.
    let side = repo
        .branch("side", &repo.find_commit(c2).unwrap(), false)
        .unwrap();
    let c3 = commit(&repo, &[(FILE, WORK)], "three");
    repo.set_head(side.get().name().unwrap()).unwrap();
    repo.checkout_head(Some(git2::build::CheckoutBuilder::new().force()))
        .unwrap();
    let side_commit = commit(
        &repo,
        &[(FILE, &V1_0.replace("string coupon = 2", "bytes side = 2"))],
        "side",
    );
    tag(&repo, "v9.0.0", side_commit);
    let cache = Cache::in_memory();
    let spec = |target: &str| {
        protoguard::git::GitSpec::parse(&format!(
            "{}/.git#{target}",
            dir.path().join("repo").display()
        ))
        .unwrap()
        .unwrap()
    };
    let ledger =
        history::from_git_with(&repo, &spec(&format!("commit={c3}")), "v*", false, &cache).unwrap();
    assert_eq!(
        ledger.releases(),
        ["v1.0.0".to_string(), protoguard::git::short(c3)]
    );
    let order = ledger.message("shop.v1.Order").unwrap();
    let names: Vec<&str> = order.at(2).iter().map(|r| r.name.as_str()).collect();
    assert_eq!(
        names,
        ["coupon", "discount_cents"],
        "the side branch's tag was read"
    );
    assert_eq!(order.at(2)[0].declaration(), "string coupon");
    assert_eq!((order.at(2)[0].first, order.at(2)[0].last), (0, 0));
    // A baseline that is itself a release tag is named by it, once.
    let ledger = history::from_git_with(&repo, &spec("tag=v1.0.0"), "v*", false, &cache).unwrap();
    assert_eq!(ledger.releases(), ["v1.0.0"]);
    // Another tag pattern picks other releases.
    let ledger = history::from_git_with(
        &repo,
        &spec(&format!("commit={c3}")),
        "night*",
        false,
        &cache,
    )
    .unwrap();
    assert_eq!(
        ledger.releases(),
        ["nightly".to_string(), protoguard::git::short(c3)]
    );
}

#[test]
fn all_commits_reads_untagged_history() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    let c1 = commit(&repo, &[(FILE, V1_1)], "start");
    tag(&repo, "v1.0.0", c1);
    // coupon lives in two untagged commits only, then goes without a reservation.
    let c2 = commit(&repo, &[(FILE, V1_0)], "add coupon");
    commit(&repo, &[("README", "docs only\n")], "docs");
    let c4 = commit(
        &repo,
        &[(
            FILE,
            &V1_0.replace("  string id = 1;\n", "  string id = 1;\n  // c4\n"),
        )],
        "comment",
    );
    let c5 = commit(&repo, &[(FILE, V1_1)], "drop coupon");
    tag(&repo, "v1.1.0", c5);
    write(&root, FILE, WORK);
    let cache = Cache::in_memory();
    let against = format!("{}/.git#tag=v1.1.0", root.display());
    // The release tags never held coupon: nothing to report.
    assert!(check(&root, &against, false, &cache).is_empty());
    // Every commit that touched a .proto: the docs-only commit is skipped.
    let found = check(&root, &against, true, &cache);
    assert_eq!(found.len(), 1, "{found:?}");
    let last = protoguard::git::short(c4);
    assert!(
        found[0]
            .1
            .contains(&format!("\"string coupon\" until {last}")),
        "{found:?}"
    );
    let spec = protoguard::git::GitSpec::parse(&against).unwrap().unwrap();
    let ledger = history::from_git_with(&repo, &spec, "v*", true, &cache).unwrap();
    assert_eq!(
        ledger.releases(),
        [
            "v1.0.0".to_string(),
            protoguard::git::short(c2),
            last,
            "v1.1.0".to_string()
        ]
    );
}

// ---------------------------------------------------------------------------------------
// The cache.

#[test]
fn warm_cache_reads_no_blob_and_the_repository_is_untouched() {
    let (dir, repo) = acceptance("");
    let root = dir.path().join("repo");
    let cache_dir = dir.path().join("cache");
    let spec = protoguard::git::GitSpec::parse(&format!("{}/.git#tag=v1.1.0", root.display()))
        .unwrap()
        .unwrap();
    std::thread::sleep(std::time::Duration::from_millis(20));
    let before = fingerprint(&root.join(".git"));

    let cold = history::from_git_with(&repo, &spec, "v*", false, &Cache::at(&cache_dir)).unwrap();
    assert_eq!(cold.stats.blobs, 2);
    assert_eq!(cold.stats.blobs_read, 2);
    assert_eq!(cold.stats.disk_hits, 0);
    assert_eq!(files_under(&cache_dir), 2);

    // A new process (fresh memory) with the same disk cache: no blob read, no parse.
    let cache = Cache::at(&cache_dir);
    let warm = history::from_git_with(&repo, &spec, "v*", false, &cache).unwrap();
    assert_eq!(warm.stats.blobs_read, 0);
    assert_eq!(warm.stats.parsed, 0);
    assert_eq!(warm.stats.disk_hits, 2);
    // The same process again: from memory.
    let hot = history::from_git_with(&repo, &spec, "v*", false, &cache).unwrap();
    assert_eq!((hot.stats.blobs_read, hot.stats.memory_hits), (0, 2));
    for l in [&warm, &hot] {
        assert_eq!(l.releases(), cold.releases());
        let (a, b) = (
            cold.message("shop.v1.Order").unwrap(),
            l.message("shop.v1.Order").unwrap(),
        );
        assert_eq!(a.numbers, b.numbers);
        assert_eq!(a.names, b.names);
    }
    assert_eq!(
        before,
        fingerprint(&root.join(".git")),
        "building wrote to .git"
    );
    assert!(!cache_dir.starts_with(&root));
}

#[test]
fn files_that_do_not_parse_are_skipped_and_said() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    let c1 = commit(&repo, &[(FILE, V1_0), ("broken.proto", "message {")], "one");
    tag(&repo, "v1.0.0", c1);
    // Only the old release is broken: the baseline and the work tree compile.
    std::fs::remove_file(root.join("broken.proto")).unwrap();
    let c2 = commit(&repo, &[(FILE, V1_1)], "two");
    tag(&repo, "v1.1.0", c2);
    let spec = protoguard::git::GitSpec::parse(&format!("{}/.git#tag=v1.1.0", root.display()))
        .unwrap()
        .unwrap();
    let ledger = history::from_git_with(&repo, &spec, "v*", false, &Cache::in_memory()).unwrap();
    assert_eq!(ledger.stats.unparsable, 1);
    assert!(
        ledger.warnings.iter().any(|n| n.contains("broken.proto")),
        "{:?}",
        ledger.warnings
    );
    assert!(ledger.message("shop.v1.Order").is_some());
    assert!(
        ledger.describe().contains("2 releases"),
        "{}",
        ledger.describe()
    );
}

#[test]
fn no_release_before_the_baseline_reads_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    commit(&repo, &[(FILE, V1_0)], "one");
    let c2 = commit(&repo, &[(FILE, V1_1)], "two");
    tag(&repo, "v1.1.0", c2);
    let spec = protoguard::git::GitSpec::parse(&format!("{}/.git#ref=HEAD", root.display()))
        .unwrap()
        .unwrap();
    // The only release is the baseline itself: the rules see it directly, nothing is read.
    let ledger = history::from_git_with(&repo, &spec, "v*", false, &Cache::in_memory()).unwrap();
    assert_eq!(ledger.releases(), ["v1.1.0"]);
    assert!(ledger.is_empty());
    assert_eq!(ledger.stats.blobs_read, 0);
    assert!(
        ledger.notes.iter().any(|n| n.contains("no release tag")),
        "{:?}",
        ledger.notes
    );
    // With every commit, the first one is history.
    let ledger = history::from_git_with(&repo, &spec, "v*", true, &Cache::in_memory()).unwrap();
    assert_eq!(ledger.releases().len(), 2);
    assert_eq!(
        ledger.message("shop.v1.Order").unwrap().at(2)[0].name,
        "coupon"
    );
}

// ---------------------------------------------------------------------------------------
// Never silent: what the history cannot read is an error or a warning on every run.

/// Issue 10: in a partial clone (`--filter=blob:none`) the blob of v1.0.0 is not local.
/// The reuse of its field number used to pass with exit 0; now the run fails naming the
/// file and the release, with the command that fetches what is missing, and after that
/// command the finding is back.
#[test]
fn partial_clone_missing_blobs_fail_with_how_to_fetch_them() {
    let (dir, repo) = acceptance("");
    repo.config()
        .unwrap()
        .set_bool("uploadpack.allowFilter", true)
        .unwrap();
    let url = format!("file://{}", dir.path().join("repo").display());
    git(
        dir.path(),
        &["clone", "-q", "--filter=blob:none", &url, "clone"],
    );
    let clone = dir.path().join("clone");
    write(&clone, FILE, WORK);
    let cache = dir.path().join("cache");
    let against = ["check", ".", "--against", ".git#tag=v1.1.0"];

    let out = protoguard(&clone, &cache, &against);
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(FILE) && err.contains("v1.0.0"), "{err}");
    assert!(err.contains("partial clone"), "{err}");
    let fetch = "git -c remote.origin.partialclonefilter= fetch --refetch origin";
    assert!(err.contains(fetch), "{err}");

    // Leaving the history rules out is the way to run without the blobs.
    let mut except = against.to_vec();
    let rules = history::RULES.join(",");
    except.extend(["--except", &rules]);
    let out = protoguard(&clone, &cache, &except);
    assert_eq!(out.status.code(), Some(0), "{}", stderr(&out));
    // The baseline itself missing from the clone: the same advice.
    let out = protoguard(
        &clone,
        &cache,
        &[
            "check",
            ".",
            "--against",
            ".git#tag=v1.0.0",
            "--except",
            &rules,
        ],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(2), "{err}");
    assert!(err.contains(FILE) && err.contains(fetch), "{err}");

    // The advice is right: after it, the reuse is found.
    let args: Vec<&str> = fetch.split(' ').skip(1).collect();
    git(&clone, &args);
    let out = protoguard(&clone, &cache, &against);
    let text = String::from_utf8_lossy(&out.stdout).to_string();
    assert_eq!(out.status.code(), Some(1), "{text}{}", stderr(&out));
    assert!(text.contains("FIELD_NUMBER_REUSED"), "{text}");
}

/// A blob missing from a repository that is not a partial clone: an error that says so.
#[test]
fn a_missing_object_is_an_error() {
    let (dir, repo) = acceptance("");
    let blob = git2::Oid::hash_object(git2::ObjectType::Blob, V1_0.as_bytes()).unwrap();
    let hex = blob.to_string();
    let loose = repo.path().join("objects").join(&hex[..2]).join(&hex[2..]);
    std::fs::remove_file(&loose).expect("the blob is a loose object");
    let spec = protoguard::git::GitSpec::parse(&format!(
        "{}/.git#tag=v1.1.0",
        dir.path().join("repo").display()
    ))
    .unwrap()
    .unwrap();
    let err = history::from_git_with(&repo, &spec, "v*", false, &Cache::in_memory())
        .expect_err("a release's file could not be read")
        .to_string();
    assert!(err.contains(FILE) && err.contains("v1.0.0"), "{err}");
    assert!(err.contains("git fsck"), "{err}");
}

/// A file of an earlier release that does not parse is said on every run, not only with
/// `--verbose`, so a CI log shows the history rules saw less.
#[test]
fn unparsable_history_files_are_said_without_verbose() {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("repo");
    let repo = init(&root);
    let c1 = commit(&repo, &[(FILE, V1_0), ("broken.proto", "message {")], "one");
    tag(&repo, "v1.0.0", c1);
    // Only the old release is broken: the baseline and the work tree compile.
    std::fs::remove_file(root.join("broken.proto")).unwrap();
    let c2 = commit(&repo, &[(FILE, V1_1)], "two");
    tag(&repo, "v1.1.0", c2);
    write(&root, FILE, WORK);
    let out = protoguard(
        &root,
        &dir.path().join("cache"),
        &["check", ".", "--against", ".git#tag=v1.1.0"],
    );
    let err = stderr(&out);
    assert_eq!(out.status.code(), Some(1), "{err}");
    assert!(
        err.contains("warning") && err.contains("broken.proto") && err.contains("do not see"),
        "{err}"
    );
}

/// Issue 10: the disk cache was trusted blindly. An entry replaced by another valid one
/// (another blob's summary), or edited, is recomputed; the verdict stays the same.
#[test]
fn a_foreign_or_edited_cache_entry_is_recomputed() {
    let (dir, repo) = acceptance("");
    let root = dir.path().join("repo");
    let cache_dir = dir.path().join("cache");
    let spec = protoguard::git::GitSpec::parse(&format!("{}/.git#tag=v1.1.0", root.display()))
        .unwrap()
        .unwrap();
    let build = || {
        history::from_git_with(&repo, &spec, "v*", false, &Cache::at(&cache_dir)).expect("history")
    };
    let cold = build();
    let coupon = |l: &history::Ledger| l.message("shop.v1.Order").unwrap().at(2).to_vec();
    assert_eq!(coupon(&cold)[0].name, "coupon");

    let cache = Cache::at(&cache_dir);
    let v1_0 = cache
        .file(git2::Oid::hash_object(git2::ObjectType::Blob, V1_0.as_bytes()).unwrap())
        .unwrap();
    let v1_1 = cache
        .file(git2::Oid::hash_object(git2::ObjectType::Blob, V1_1.as_bytes()).unwrap())
        .unwrap();
    // v1.0.0's entry replaced by v1.1.0's (a valid entry, for another blob).
    std::fs::copy(&v1_1, &v1_0).unwrap();
    let warm = build();
    assert_eq!(warm.stats.rejected, 1, "{:?}", warm.stats);
    assert_eq!(warm.stats.parsed, 1);
    assert_eq!(coupon(&warm), coupon(&cold));
    // Rewritten: the next run trusts it again.
    assert_eq!(build().stats.disk_hits, 2);

    // Edited in place: the field renamed, its blob id and key untouched.
    let text = std::fs::read_to_string(&v1_0).unwrap();
    assert!(text.contains("\"coupon\""), "{text}");
    std::fs::write(&v1_0, text.replace("\"coupon\"", "\"voucher\"")).unwrap();
    let edited = build();
    assert_eq!(edited.stats.rejected, 1, "{:?}", edited.stats);
    assert_eq!(coupon(&edited), coupon(&cold));

    // Written by another build (another parser or summariser): another key, recomputed.
    let text = std::fs::read_to_string(&v1_0).unwrap();
    let value: serde_json::Value = serde_json::from_str(&text).unwrap();
    let key = value["key"].as_str().unwrap().to_string();
    assert!(
        v1_0.to_string_lossy().contains(&key),
        "the key names the directory"
    );
    std::fs::write(&v1_0, text.replace(&key, "history-v2-0.0.0-p0.0.0-0")).unwrap();
    let other = build();
    assert_eq!(other.stats.rejected, 1, "{:?}", other.stats);
    assert_eq!(coupon(&other), coupon(&cold));
}
