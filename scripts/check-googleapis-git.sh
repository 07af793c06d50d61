#!/usr/bin/env bash
# Git inputs on real history: in a clone of the googleapis corpus (120 commits), checks that
#
#   A  protoguard check . --against '.git#ref=HEAD~119'              (git source, in the clone)
#   B  protoguard check NEW --against OLD                            (HEAD and HEAD~119 exported
#                                                                     with `git archive`, run
#                                                                     from inside NEW)
#   C  buf breaking --against '.git#ref=HEAD~119,depth=120' --error-format json  (in the clone)
#
# give the same findings: A = B on every key protoguard prints (paths normalized to be
# relative to the tree's top), A = C on buf's keys (path, start_line, start_column, end_line,
# end_column, type, message). Prints each run's finding count, exit code, wall time and peak
# RSS (GNU time -v), then the set differences.
#
# Usage: scripts/check-googleapis-git.sh [--no-buf] [--keep DIR]
#   --no-buf    skip C (buf takes about a minute and ~7 GB)
#   --keep DIR  work in DIR and keep the clone, trees and raw outputs there
#
# Exit status: 0 when the findings agree, 1 when they differ or a tool failed, 2 on a setup
# error. When the corpus is absent (a fresh clone of this project has no ../shared) it says
# so and exits 0.
#
# Environment:
#   BUNDLE       the corpus (default: ../shared/corpora/googleapis-protos.bundle next to this repo)
#   DEPTH        how far back the baseline is (default 119, the whole bundle)
#   PROTOGUARD   protoguard binary (default: `cargo build --release`, then target/release)
#   BUF          buf binary (default: /work/tools/node_modules/.bin/buf, `buf` on PATH, else
#                npm-installed @bufbuild/buf@$BUF_VERSION (1.75.0) into $CACHE_DIR)
#   TIME_BIN     GNU time (default /usr/bin/time; Debian package `time`)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
die() { echo "$prog: $*" >&2; exit 2; }

BUNDLE=${BUNDLE:-$root/../shared/corpora/googleapis-protos.bundle}
DEPTH=${DEPTH:-119}
TIME_BIN=${TIME_BIN:-/usr/bin/time}
use_buf=1 keep=""
while [ $# -gt 0 ]; do
  case $1 in
    --no-buf) use_buf=0; shift ;;
    --keep) [ $# -ge 2 ] || die "--keep needs a directory"; keep=$2; shift 2 ;;
    -h|--help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    *) die "unknown argument $1 (see --help)" ;;
  esac
done

if [ ! -f "$BUNDLE" ]; then
  echo "$prog: skipped: the corpus $BUNDLE is absent (set BUNDLE=/path/to/googleapis-protos.bundle)"
  exit 0
fi
command -v git >/dev/null 2>&1 || die "git is needed to clone the bundle"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to compare the findings"
"$TIME_BIN" -v true >/dev/null 2>&1 ||
  die "GNU time ($TIME_BIN -v) is missing: install it with 'apt-get install -y time'"

if [ -z "${PROTOGUARD:-}" ]; then
  command -v cargo >/dev/null 2>&1 || die "cargo is missing (or set PROTOGUARD=/path/to/protoguard)"
  (cd "$root" && cargo build --release --quiet) >&2 || die "cargo build --release failed"
  PROTOGUARD=$root/target/release/protoguard
fi
[ -x "$PROTOGUARD" ] || die "PROTOGUARD=$PROTOGUARD is not executable"
PROTOGUARD=$(cd "$(dirname "$PROTOGUARD")" && pwd)/$(basename "$PROTOGUARD")

find_buf() {
  if [ -n "${BUF:-}" ]; then
    [ -x "$BUF" ] || die "BUF=$BUF is not executable"
    return
  fi
  if [ -x /work/tools/node_modules/.bin/buf ]; then
    BUF=/work/tools/node_modules/.bin/buf
    return
  fi
  if command -v buf >/dev/null 2>&1; then
    BUF=$(command -v buf)
    return
  fi
  local version=${BUF_VERSION:-1.75.0}
  local dir=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/protoguard-compare}/buf-$version
  if [ ! -x "$dir/node_modules/.bin/buf" ]; then
    command -v npm >/dev/null 2>&1 || die "buf is not installed and npm is missing (or set BUF=/path/to/buf)"
    echo "$prog: installing @bufbuild/buf@$version into $dir" >&2
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "@bufbuild/buf@$version" >&2 ||
      die "npm install @bufbuild/buf@$version failed"
  fi
  BUF=$dir/node_modules/.bin/buf
}
[ "$use_buf" = 0 ] || find_buf

if [ -n "$keep" ]; then
  mkdir -p "$keep"
  work=$(cd "$keep" && pwd)
  rm -rf "$work/clone" "$work/new" "$work/old"
else
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
fi

echo "bundle:     $BUNDLE"
echo "protoguard: $PROTOGUARD"
[ "$use_buf" = 0 ] || echo "buf:        $BUF ($("$BUF" --version 2>&1))"
git clone -q -b main "$BUNDLE" "$work/clone"
clone=$work/clone
echo "history:    $(git -C "$clone" rev-list --count HEAD) commits; HEAD $(git -C "$clone" rev-parse --short HEAD), baseline HEAD~$DEPTH $(git -C "$clone" rev-parse --short "HEAD~$DEPTH")"
mkdir -p "$work/new" "$work/old" "$work/out"
git -C "$clone" archive HEAD | tar -x -C "$work/new"
git -C "$clone" archive "HEAD~$DEPTH" | tar -x -C "$work/old"
out=$work/out

# timed NAME DIR CMD...: runs CMD in DIR under GNU time; stdout to out/NAME.json.
timed() {
  local name=$1 dir=$2
  shift 2
  local rc=0
  echo "(running $name: $*)" >&2
  (cd "$dir" && "$TIME_BIN" -v -o "$out/$name.time" "$@") >"$out/$name.json" 2>"$out/$name.stderr" || rc=$?
  echo "$rc" >"$out/$name.rc"
}

timed git "$clone" "$PROTOGUARD" check . --against ".git#ref=HEAD~$DEPTH" --format json
timed dirs "$work/new" "$PROTOGUARD" check . --against "$work/old" --format json
[ "$use_buf" = 0 ] ||
  timed buf "$clone" "$BUF" breaking --against ".git#ref=HEAD~$DEPTH,depth=$((DEPTH + 1))" --error-format json

python3 - "$out" "$work/old" "$use_buf" <<'PY'
import collections, json, os, sys

out, old_dir, use_buf = sys.argv[1], sys.argv[2], sys.argv[3] == "1"
BUF_KEYS = ("path", "start_line", "start_column", "end_line", "end_column", "type", "message")

def stats(name):
    wall, rss = "?", "?"
    for line in open(os.path.join(out, name + ".time"), errors="replace"):
        line = line.strip()
        if line.startswith("Elapsed (wall clock) time"):
            secs = 0.0
            for part in line.rsplit(": ", 1)[1].split(":"):
                secs = secs * 60 + float(part)
            wall = f"{secs:.1f}"
        elif line.startswith("Maximum resident set size"):
            rss = f"{int(line.rsplit(': ', 1)[1]) / 1024:.0f}"
    return wall, rss

def rel(p):
    """A path relative to the tree's top, whichever side printed it."""
    if not isinstance(p, str):
        return p
    for prefix in (old_dir + "/", "./"):
        if p.startswith(prefix):
            p = p[len(prefix):]
    return p

def load(name, keys=None):
    c = collections.Counter()
    with open(os.path.join(out, name + ".json"), encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            o = json.loads(line)
            for k in ("path", "old_path"):
                if k in o:
                    o[k] = rel(o[k])
            ks = keys or tuple(sorted(o))
            c[tuple((k, json.dumps(o.get(k), sort_keys=True)) for k in ks)] += 1
    return c

runs = [("git", "protoguard, .git#ref=HEAD~N"), ("dirs", "protoguard, NEW vs OLD dirs")]
if use_buf:
    runs.append(("buf", "buf breaking, .git#ref"))
ok = True
print()
print(f"{'run':<31} {'findings':>8} {'exit':>4} {'wall s':>7} {'peak MB':>8}")
for name, title in runs:
    rc = open(os.path.join(out, name + ".rc")).read().strip()
    n = sum(1 for l in open(os.path.join(out, name + ".json"), errors="replace") if l.strip())
    wall, rss = stats(name)
    print(f"{title:<31} {n:>8} {rc:>4} {wall:>7} {rss:>8}")
    good = {"buf": ("0", "100")}.get(name, ("0", "1"))
    if rc not in good:
        ok = False
        print(f"  {name} failed (exit {rc}):")
        for l in open(os.path.join(out, name + ".stderr"), errors="replace").readlines()[:10]:
            print("    " + l.rstrip())

def diff(a_name, b_name, keys, label):
    global ok
    a, b = load(a_name, keys), load(b_name, keys)
    only_a, only_b = a - b, b - a
    same = sum((a & b).values())
    verdict = "EQUAL" if not only_a and not only_b else "DIFFER"
    print(f"{label}: {verdict} ({same} identical, {sum(only_a.values())} only {a_name}, "
          f"{sum(only_b.values())} only {b_name})")
    for tag, c in ((a_name, only_a), (b_name, only_b)):
        for t in sorted(c.elements())[:10]:
            print(f"    only {tag}: " + json.dumps({k: json.loads(v) for k, v in t}))
    if verdict != "EQUAL":
        ok = False

print()
diff("git", "dirs", None, "git source vs exported directories (all keys)")
if use_buf:
    diff("git", "buf", BUF_KEYS, "protoguard vs buf breaking (buf's keys)")
sys.exit(0 if ok else 1)
PY
