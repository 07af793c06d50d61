#!/usr/bin/env bash
# Tests the `protoguard` hook of .pre-commit-hooks.yaml the way the pre-commit framework runs
# it: pre-commit (from PyPI, in a venv) clones this repository at a commit, builds the hook
# with cargo (`language: rust`), and runs `protoguard check --staged` when .proto files are
# staged. In a temp repository whose .pre-commit-config.yaml names this repository, it checks:
#
#   1. a staged breaking change fails `pre-commit run` (exit 1, the finding printed), and a
#      real `git commit` is refused;
#   2. the same change left unstaged, next to a staged safe change, passes, and commits;
#   3. `git commit -a` with a breaking change in the work tree is refused (git hands the hook
#      a temporary index through GIT_INDEX_FILE);
#   4. `pre-commit run --all-files` on a clean tree passes.
#
# Usage: scripts/test-pre-commit.sh [--head]
#   default  the hook repository is a snapshot of this work tree (tracked and untracked,
#            not ignored files), committed in a temp clone: tests what you have
#   --head   the hook repository is this repository's HEAD, as a user's `rev:` would pin it
#            (needs .pre-commit-hooks.yaml committed)
#
# Exit status: 0 when every step behaves, 1 when one does not, 2 on a setup error.
#
# Environment:
#   CACHE_DIR        the venv with pre-commit and pre-commit's cache of built hooks (default
#                    ${XDG_CACHE_HOME:-~/.cache}/protoguard-pre-commit); the first run builds
#                    the hook with cargo (minutes), later runs of the same commit reuse it
#   PRE_COMMIT_VERSION  the pre-commit release to install (default 4.7.0)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
die() { echo "$prog: $*" >&2; exit 2; }
fail() { echo "FAIL: $*" >&2; failed=1; }
failed=0

mode=worktree
case ${1:-} in
  "") ;;
  --head) mode="head" ;;
  -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
  *) die "unknown argument $1 (see --help)" ;;
esac

command -v git >/dev/null 2>&1 || die "git is missing"
command -v python3 >/dev/null 2>&1 || die "python3 is missing"
command -v cargo >/dev/null 2>&1 || die "cargo is missing (pre-commit builds the hook with it)"

cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/protoguard-pre-commit}
version=${PRE_COMMIT_VERSION:-4.7.0}
venv=$cache/venv-$version
if [ ! -x "$venv/bin/pre-commit" ]; then
  echo "$prog: installing pre-commit $version into $venv" >&2
  python3 -m venv "$venv" || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "pre-commit==$version" ||
    die "pip install pre-commit==$version failed"
fi
export PATH=$venv/bin:$PATH
export PRE_COMMIT_HOME=$cache/pre-commit-home
echo "pre-commit: $(pre-commit --version)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# A clean environment for git: no user config, no hook variables of an outer git.
unset GIT_DIR GIT_WORK_TREE GIT_INDEX_FILE GIT_OBJECT_DIRECTORY
export GIT_CONFIG_NOSYSTEM=1 GIT_CONFIG_GLOBAL=$work/gitconfig
git config --global user.name "Test"
git config --global user.email "test@example.com"
git config --global init.defaultBranch main
git config --global advice.detachedHead false

# ------------------------------------------------------------------ the hook repository
hooks=$work/protoguard
git clone -q "$root" "$hooks"
if [ "$mode" = worktree ]; then
  # Every file of the work tree that git would see, as it is now.
  (cd "$root" && git ls-files -z --cached --others --exclude-standard) |
    (cd "$root" && while IFS= read -r -d '' f; do
      if [ -e "$f" ]; then
        mkdir -p "$hooks/$(dirname "$f")"
        cp -p "$f" "$hooks/$f"
      else
        rm -f "$hooks/$f"
      fi
    done)
  git -C "$hooks" add -A
  if ! git -C "$hooks" diff --cached --quiet; then
    # Dated as HEAD, so the same work tree gives the same commit and pre-commit's cache of
    # the built hook is reused on the next run.
    date=$(git -C "$hooks" log -1 --format=%cI)
    GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date \
      git -C "$hooks" commit -q -m "snapshot of the work tree for $prog"
    echo "hook repository: snapshot of $root's work tree"
  fi
fi
[ -f "$hooks/.pre-commit-hooks.yaml" ] ||
  die "no .pre-commit-hooks.yaml at the tested commit (commit it, or run without --head)"
rev=$(git -C "$hooks" rev-parse HEAD)
echo "hook repository: $hooks at $rev"

# ------------------------------------------------------------------ a user's repository
repo=$work/user
mkdir -p "$repo/proto/acme/v1"
cd "$repo"
git init -q
cat >.pre-commit-config.yaml <<EOF
repos:
  - repo: $hooks
    rev: $rev
    hooks:
      - id: protoguard
EOF
cat >proto/acme/v1/user.proto <<'EOF'
syntax = "proto3";
package acme.v1;

message User {
  string name = 1;
  int64 id = 2;
}
EOF
git add -A
git commit -q -m "v1"
echo "(pre-commit install-hooks: builds protoguard with cargo unless cached)" >&2
pre-commit install-hooks >"$work/install.log" 2>&1 || { cat "$work/install.log" >&2; die "pre-commit install-hooks failed"; }
pre-commit install >/dev/null || die "pre-commit install failed"

breaking() { # deletes field `id`
  sed -i '/int64 id = 2;/d' proto/acme/v1/user.proto
}
safe() { # adds field `email`
  sed -i 's/^}$/  string email = 3;\n}/' proto/acme/v1/user.proto
}
# run_pc LOG ARGS...: pre-commit run, status in $rc
run_pc() {
  local log=$1
  shift
  rc=0
  pre-commit run "$@" >"$log" 2>&1 || rc=$?
}

# 1. A staged breaking change.
breaking
git add proto/acme/v1/user.proto
run_pc "$work/1.log"
if [ "$rc" = 1 ] && grep -q 'FIELD_NO_DELETE' "$work/1.log" && ! grep -q '^protoguard: ' "$work/1.log"; then
  echo "ok   1. staged breaking change: pre-commit run exits 1 with the finding"
  sed -n '/FIELD_NO_DELETE/p' "$work/1.log" | sed 's/^/       /'
else
  fail "1. staged breaking change: pre-commit run exited $rc"
  sed 's/^/       /' "$work/1.log" >&2
fi
head_before=$(git rev-parse HEAD)
if git commit -q -m "break" >"$work/1c.log" 2>&1; then
  fail "1. git commit of a breaking change succeeded"
elif [ "$(git rev-parse HEAD)" = "$head_before" ] && grep -q FIELD_NO_DELETE "$work/1c.log"; then
  echo "ok   1. git commit refused by the hook"
else
  fail "1. git commit failed without the finding"
  sed 's/^/       /' "$work/1c.log" >&2
fi

# 2. The breaking edit unstaged, a safe change staged: pre-commit stashes the unstaged part.
git checkout -q HEAD -- proto/acme/v1/user.proto
safe
git add proto/acme/v1/user.proto
breaking
run_pc "$work/2.log"
if [ "$rc" = 0 ]; then
  echo "ok   2. staged safe change with an unstaged breaking edit: pre-commit run passes"
else
  fail "2. staged safe change: pre-commit run exited $rc"
  sed 's/^/       /' "$work/2.log" >&2
fi
if git commit -q -m "add email" >"$work/2c.log" 2>&1 && [ "$(git rev-parse HEAD)" != "$head_before" ]; then
  echo "ok   2. git commit of the safe change succeeds (the unstaged edit stays in the work tree)"
else
  fail "2. git commit of a safe change failed"
  sed 's/^/       /' "$work/2c.log" >&2
fi
grep -q 'int64 id' proto/acme/v1/user.proto && fail "2. the unstaged edit was lost"

# 3. git commit -a with the breaking edit in the work tree.
head_before=$(git rev-parse HEAD)
if git commit -q -a -m "break (-a)" >"$work/3.log" 2>&1; then
  fail "3. git commit -a of a breaking change succeeded"
elif [ "$(git rev-parse HEAD)" = "$head_before" ] && grep -q FIELD_NO_DELETE "$work/3.log"; then
  echo "ok   3. git commit -a of a breaking change refused"
else
  fail "3. git commit -a failed without the finding"
  sed 's/^/       /' "$work/3.log" >&2
fi

# 4. A clean tree.
git checkout -q HEAD -- proto/acme/v1/user.proto
run_pc "$work/4.log" --all-files
if [ "$rc" = 0 ]; then
  echo "ok   4. pre-commit run --all-files on a clean tree passes"
else
  fail "4. pre-commit run --all-files exited $rc"
  sed 's/^/       /' "$work/4.log" >&2
fi

[ "$failed" = 0 ] && echo "pre-commit hook: all checks passed"
exit "$failed"
