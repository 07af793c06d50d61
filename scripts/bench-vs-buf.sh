#!/usr/bin/env bash
# Times `buf breaking` and `protoguard check` side by side on the googleapis corpus (a git bundle
# of 120 consecutive commits; see ../shared/corpora/README.md) and prints a markdown table of
# wall time, peak memory and CPU time (GNU time) per case, with the ratio buf/protoguard, then the
# finding counts of both tools per case (compared as sets of path, lines, columns, type and
# message, as scripts/compare-buf.sh does).
#
# Usage:
#   scripts/bench-vs-buf.sh [--no-buf]
#       --no-buf  time protoguard only (buf columns show "—"; no agreement check against buf)
#
# Cases, each run once per tool, sequentially (buf needs ~40-70 s and ~7 GB per case):
#   a  HEAD vs HEAD~20 through git, inside the clone:
#        protoguard check . --against '.git#ref=HEAD~20'
#        buf breaking --against '.git#ref=HEAD~20,depth=30'
#   b  HEAD vs HEAD~1 through git (same form)
#   c  two full trees 119 commits apart (HEAD~119 and HEAD exported with git archive), as
#      directories: both tools from inside the new tree with --against OLD_DIR
#   d  --staged with one changed file: one leaf .proto in the clone gets a breaking edit (a
#      `string` field becomes `bytes`) and is `git add`ed; protoguard runs `check --staged`.
#      buf has no equivalent; its reference is `buf breaking --against '.git#ref=HEAD'` on the
#      work tree (which then equals the index).
#   e  protoguard --full for a and c (what planning saves); the buf columns repeat buf's run of
#      the same case, and the findings must equal both buf's and the planned run's.
#   f  a commit that changes google/rpc/status.proto (imported by hundreds of files, reached by
#      thousands): in a second clone, a commit on HEAD turns `int32 code = 1` into `int64`;
#      both tools compare HEAD with HEAD~1 through git, as in b.
#   g  the latest commit that changes google/cloud/compute/v1/compute.proto (the largest file,
#      4 MB, imported by none) against its parent, both sides read from git:
#        protoguard check git:C --against git:C~1
#        buf breaking '.git#ref=C,depth=N' --against '.git#ref=C~1,depth=N'
#   Cold and warm: every planned protoguard case runs twice. The cold run starts with an empty
#   cache of verified files (a CI runner's first run, without a cache step); the warm run
#   has the cache the cold run left (a developer's machine, a pre-commit hook, or CI with
#   its cache restored). Planned mode compiles the changed files and their importers on each
#   run; the cache only spares compiling the unchanged files again to prove they compile.
# The first table is the issue's: each case with buf, protoguard cold and warm, its target
# and whether the target is met, cold and warm.
# Both tools use their default rules (FILE); the clone has no buf.yaml.
#
# Exit status: 0 when every case ran and the tools agree, 1 on a disagreement or a failed run,
# 2 on a usage or setup error. Without the corpus it prints a message and exits 0.
#
# Environment:
#   CORPUS        the bundle (default: ../shared/corpora/googleapis-protos.bundle next to the project)
#   BUF           buf binary to use (default: `buf` on PATH, else installed with npm into the cache)
#   BUF_VERSION   version of @bufbuild/buf that the cache install gets (default 1.75.0)
#   CACHE_DIR     cache for the npm install (default ${XDG_CACHE_HOME:-~/.cache}/protoguard-compare)
#   PROTOGUARD    protoguard binary to use (default: `cargo build --release`, then target/release)
#   TIME_BIN      GNU time (default /usr/bin/time; Debian package `time`)
#   KEEP          set to keep the work directory (clone, trees, raw outputs) and print its path
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
TIME_BIN=${TIME_BIN:-/usr/bin/time}
CORPUS=${CORPUS:-$root/../shared/corpora/googleapis-protos.bundle}

usage() {
  sed -n '/^# Usage:/,/^# Cases/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-2}"
}
die() { echo "$prog: $*" >&2; exit 2; }

use_buf=1
while [ $# -gt 0 ]; do
  case $1 in
    --no-buf) use_buf=0; shift ;;
    -h|--help) usage 0 ;;
    *) usage ;;
  esac
done

if [ ! -f "$CORPUS" ]; then
  echo "$prog: corpus $CORPUS not found; skipping (set CORPUS=/path/to/googleapis-protos.bundle)"
  exit 0
fi

# ---------------------------------------------------------------- tools (as in compare-buf.sh)

find_buf() {
  if [ -n "${BUF:-}" ]; then
    [ -x "$BUF" ] || die "BUF=$BUF is not executable"
    return
  fi
  if command -v buf >/dev/null 2>&1; then
    BUF=$(command -v buf)
    return
  fi
  local cache=${CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/protoguard-compare}
  local version=${BUF_VERSION:-1.75.0}
  local dir="$cache/buf-$version"
  if [ ! -x "$dir/node_modules/.bin/buf" ]; then
    command -v npm >/dev/null 2>&1 ||
      die "buf is not on PATH and npm is missing to install it (install Node.js/npm, set BUF=/path/to/buf, or use --no-buf)"
    echo "$prog: buf not on PATH; installing @bufbuild/buf@$version into $dir" >&2
    mkdir -p "$dir"
    npm install --silent --no-audit --no-fund --prefix "$dir" "@bufbuild/buf@$version" >&2 ||
      die "npm install @bufbuild/buf@$version failed"
  fi
  BUF="$dir/node_modules/.bin/buf"
}

find_protoguard() {
  if [ -n "${PROTOGUARD:-}" ]; then
    [ -x "$PROTOGUARD" ] || die "PROTOGUARD=$PROTOGUARD is not executable"
    # The cases run from other directories: make a relative path absolute.
    PROTOGUARD=$(cd "$(dirname "$PROTOGUARD")" && pwd)/$(basename "$PROTOGUARD")
    return
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo is missing (needed to build protoguard; or set PROTOGUARD=/path/to/protoguard)"
  (cd "$root" && cargo build --release --quiet) >&2 || die "cargo build --release failed"
  PROTOGUARD="$root/target/release/protoguard"
}

"$TIME_BIN" -f '%e %M' true >/dev/null 2>&1 ||
  die "GNU time ($TIME_BIN) is missing: install it with 'apt-get install -y time'"
command -v python3 >/dev/null 2>&1 || die "python3 is needed for the JSON comparison"
command -v git >/dev/null 2>&1 || die "git is needed"
[ "$use_buf" = 0 ] || find_buf
find_protoguard

work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
  trap 'echo "work directory kept: $work" >&2' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
out=$work/out
mkdir -p "$out"
script_start=$(date +%s)

# ---------------------------------------------------------------- helpers

# run NAME DIR CMD...: runs CMD in DIR under GNU time; stdout to out/NAME.json, the exit code to
# out/NAME.rc, "wall_s peak_kb user_s sys_s" to out/NAME.time.
run() {
  local name=$1 dir=$2
  shift 2
  local rc=0
  echo "  $name: $*" >&2
  (cd "$dir" && XDG_CACHE_HOME="$pg_cache" "$TIME_BIN" -f '%e %M %U %S' -o "$out/$name.time" "$@") \
    >"$out/$name.json" 2>"$out/$name.stderr" || rc=$?
  echo "$rc" >"$out/$name.rc"
  echo "    exit $rc, $(tail -n 1 "$out/$name.time" | awk '{printf "%.2f s, %.0f MB, %.1f s CPU", $1, $2/1024, $3+$4}')" >&2
}

# ok NAME TOOL: whether the run's exit code means success (findings or none) for that tool.
ok() {
  local rc
  rc=$(cat "$out/$1.rc")
  case $2 in
    buf) [ "$rc" = 0 ] || [ "$rc" = 100 ] ;;
    protoguard) [ "$rc" = 0 ] || [ "$rc" = 1 ] ;;
  esac
}

# compare A_JSONL B_JSONL: prints "identical only_a only_b".
compare() {
  python3 - "$@" <<'PY'
import collections, json, sys
KEYS = ("path", "start_line", "start_column", "end_line", "end_column", "type", "message")
def load(path):
    c = collections.Counter()
    for line in open(path, encoding="utf-8", errors="replace"):
        line = line.strip()
        if not line:
            continue
        try:
            o = json.loads(line)
        except ValueError:
            o = {"message": line}
        if not isinstance(o, dict):
            o = {"message": line}
        c[tuple(o.get(k) for k in KEYS)] += 1
    return c
a, b = load(sys.argv[1]), load(sys.argv[2])
print(sum((a & b).values()), sum((a - b).values()), sum((b - a).values()))
PY
}

# ---------------------------------------------------------------- setup

# protoguard's cache (verified files, history): empty at the start of each cold run.
pg_cache=$work/cache
cold() { rm -rf "$pg_cache"; }

echo "$prog: cloning $CORPUS" >&2
git clone -q -b main "$CORPUS" "$work/g"
clone=$work/g
head_id=$(git -C "$clone" rev-parse --short HEAD)
n_commits=$(git -C "$clone" rev-list --count HEAD)
[ "$n_commits" -ge 120 ] || die "the corpus has $n_commits commits; 120 are needed"
mkdir -p "$work/old" "$work/new"
git -C "$clone" archive HEAD~119 | tar -x -C "$work/old"
git -C "$clone" archive HEAD | tar -x -C "$work/new"

# The file for case d: the first (sorted) .proto that no other file imports and that has a
# `string` field, so that the edit is a one-file change that buf reports too.
staged_file=$(cd "$clone" && python3 - <<'PY'
import os, re
files = sorted(os.path.join(d, f)[2:] for d, _, fs in os.walk(".") if ".git" not in d
               for f in fs if f.endswith(".proto"))
imported = set()
texts = {}
for f in files:
    t = open(f, encoding="utf-8").read()
    texts[f] = t
    imported.update(re.findall(r'^import\s+(?:public\s+|weak\s+)?"([^"]+)"', t, re.M))
for f in files:
    if f.startswith("google/cloud/") and f not in imported and \
            re.search(r'^\s+string \w+ = \d+;', texts[f], re.M):
        print(f)
        break
PY
)
[ -n "$staged_file" ] || die "found no leaf .proto with a string field for the --staged case"

# Case f: a second clone with one more commit, changing google/rpc/status.proto.
status_clone=$work/s
git clone -q "$clone" "$status_clone"
python3 - "$status_clone/google/rpc/status.proto" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p, encoding="utf-8").read()
t2 = re.sub(r'^(\s+)int32 code = 1;', r'\1int64 code = 1;', t, count=1, flags=re.M)
assert t2 != t
open(p, "w", encoding="utf-8").write(t2)
PY
git -C "$status_clone" -c user.name=bench -c user.email=bench@example.com commit -qam "status: code becomes int64"
# Case g: the latest commit changing compute.proto, as HEAD~k.
compute_id=$(git -C "$clone" log -1 --format=%h -- google/cloud/compute/v1/compute.proto)
[ -n "$compute_id" ] || die "no commit of the corpus changes google/cloud/compute/v1/compute.proto"
compute_k=$(git -C "$clone" rev-list --count "$compute_id..HEAD")
[ "$(git -C "$clone" rev-list --count "$compute_id")" -ge 2 ] || die "the compute.proto commit $compute_id has no parent in the corpus"

machine="$(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:    $machine"
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "corpus:     $CORPUS (HEAD $head_id, $n_commits commits, $(find "$work/new" -name '*.proto' | wc -l) files)"
if [ "$use_buf" = 1 ]; then echo "buf:        $BUF ($("$BUF" --version 2>&1))"; fi
echo "protoguard: $PROTOGUARD ($("$PROTOGUARD" --version 2>&1); project tree at $(cd "$root" && git describe --always --dirty 2>/dev/null || echo "?"))"
echo "case d:     $staged_file"
echo "case g:     $compute_id (HEAD~$compute_k)"
echo

# ---------------------------------------------------------------- runs

echo "$prog: case a (HEAD vs HEAD~20 through git)" >&2
[ "$use_buf" = 0 ] || run a.buf "$clone" "$BUF" breaking --against '.git#ref=HEAD~20,depth=30' --error-format json
cold
run a.pg "$clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~20' --format json
run a.warm "$clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~20' --format json
run a.full "$clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~20' --format json --full

echo "$prog: case b (HEAD vs HEAD~1 through git)" >&2
[ "$use_buf" = 0 ] || run b.buf "$clone" "$BUF" breaking --against '.git#ref=HEAD~1,depth=30' --error-format json
cold
run b.pg "$clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~1' --format json
run b.warm "$clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~1' --format json

echo "$prog: case f (a commit changing google/rpc/status.proto)" >&2
[ "$use_buf" = 0 ] || run f.buf "$status_clone" "$BUF" breaking --against '.git#ref=HEAD~1,depth=30' --error-format json
cold
run f.pg "$status_clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~1' --format json
run f.warm "$status_clone" "$PROTOGUARD" check . --against '.git#ref=HEAD~1' --format json

echo "$prog: case g (compute.proto at $compute_id against its parent)" >&2
[ "$use_buf" = 0 ] || run g.buf "$clone" "$BUF" breaking ".git#ref=HEAD~$compute_k,depth=$((compute_k + 10))" --against ".git#ref=HEAD~$((compute_k + 1)),depth=$((compute_k + 10))" --error-format json
cold
run g.pg "$clone" "$PROTOGUARD" check "git:HEAD~$compute_k" --against "git:HEAD~$((compute_k + 1))" --format json
run g.warm "$clone" "$PROTOGUARD" check "git:HEAD~$compute_k" --against "git:HEAD~$((compute_k + 1))" --format json

echo "$prog: case c (two trees 119 commits apart, directories)" >&2
[ "$use_buf" = 0 ] || run c.buf "$work/new" "$BUF" breaking . --against "$work/old" --error-format json
cold
run c.pg "$work/new" "$PROTOGUARD" check . --against "$work/old" --format json
run c.warm "$work/new" "$PROTOGUARD" check . --against "$work/old" --format json
run c.full "$work/new" "$PROTOGUARD" check . --against "$work/old" --format json --full

echo "$prog: case d (--staged, one changed file: $staged_file)" >&2
python3 - "$clone/$staged_file" <<'PY'
import re, sys
p = sys.argv[1]
t = open(p, encoding="utf-8").read()
t2 = re.sub(r'^(\s+)string (\w+ = \d+;)', r'\1bytes \2', t, count=1, flags=re.M)
assert t2 != t
open(p, "w", encoding="utf-8").write(t2)
PY
git -C "$clone" add "$staged_file"
[ "$use_buf" = 0 ] || run d.buf "$clone" "$BUF" breaking --against '.git#ref=HEAD' --error-format json
cold
run d.pg "$clone" "$PROTOGUARD" check --staged --format json
run d.warm "$clone" "$PROTOGUARD" check --staged --format json

# ---------------------------------------------------------------- report

status=0
python3 - "$out" "$use_buf" >"$work/report" <<'PY' || status=1
import sys
out, use_buf = sys.argv[1], sys.argv[2] == "1"
def t(name):
    try:
        wall, kb, user, sys_ = open(f"{out}/{name}.time").read().split()[-4:]
        return float(wall), float(kb) / 1024, float(user) + float(sys_)
    except (OSError, ValueError):
        return None
GB = 1024
# key, label, buf run, cold run, warm run, target, test of (buf, protoguard) timings
rows = [
    ("a", "HEAD vs HEAD~20 through git", "a.buf", "a.pg", "a.warm", "≥ 40× buf, ≤ 0.6 GB",
     lambda b, p: b is not None and b[0] / max(p[0], 0.01) >= 40 and p[1] <= 0.6 * GB),
    ("b", "HEAD vs HEAD~1 through git", "b.buf", "b.pg", "b.warm", "≤ 0.4 s",
     lambda b, p: p[0] <= 0.4),
    ("c", "two trees 119 commits apart, directories", "c.buf", "c.pg", "c.warm", "≤ 2.5 s",
     lambda b, p: p[0] <= 2.5),
    ("d", "`--staged`, one changed file (buf: work tree vs `.git#ref=HEAD`)", "d.buf", "d.pg", "d.warm", "≤ 0.3 s",
     lambda b, p: p[0] <= 0.3),
    ("f", "a commit changing google/rpc/status.proto", "f.buf", "f.pg", "f.warm", "≤ 4 s, ≤ 0.6 GB",
     lambda b, p: p[0] <= 4 and p[1] <= 0.6 * GB),
    ("g", "a commit changing compute.proto (4 MB), both sides from git", "g.buf", "g.pg", "g.warm", "≤ 6 s",
     lambda b, p: p[0] <= 6),
]
print("| case | buf wall s / MB | protoguard cold wall s / MB | protoguard warm wall s / MB | buf/protoguard wall, cold / warm | target | met, cold / warm |")
print("|---|---:|---:|---:|---:|---|---|")
def cell(x):
    return f"{x[0]:.2f} / {x[1]:,.0f}" if x else "—"
for key, label, b, c, w, target, met in rows:
    bt = t(b) if use_buf else None
    ct, wt = t(c), t(w)
    ratio = lambda x: f"{bt[0] / max(x[0], 0.01):.0f}×" if bt and x else "—"
    verdict = lambda x: "—" if x is None or (bt is None and "buf" in target) else ("yes" if met(bt, x) else "**no**")
    print(f"| {key}: {label} | {cell(bt)} | {cell(ct)} | {cell(wt)} | {ratio(ct)} / {ratio(wt)} | {target} | {verdict(ct)} / {verdict(wt)} |")
print()
print("| case | buf wall s | buf peak MB | protoguard wall s | protoguard peak MB | ratio (buf/protoguard wall) | buf CPU s | protoguard CPU s |")
print("|---|---:|---:|---:|---:|---:|---:|---:|")
for key, label, b, p in [
    ("e", "a with `--full`", "a.buf", "a.full"),
    ("e", "c with `--full`", "c.buf", "c.full"),
] + [(k, l + " (cold)", b, c) for k, l, b, c, w, _, _ in rows] + [(k, l + " (warm)", b, w) for k, l, b, c, w, _, _ in rows]:
    bt = t(b) if use_buf else None
    pt = t(p)
    cells = [f"{key}: {label}"]
    cells += [f"{bt[0]:.1f}", f"{bt[1]:,.0f}"] if bt else ["—", "—"]
    cells += [f"{pt[0]:.2f}", f"{pt[1]:,.0f}"] if pt else ["—", "—"]
    cells.append(f"{bt[0] / max(pt[0], 0.01):.0f}×" if bt and pt else "—")
    cells.append(f"{bt[2]:.1f}" if bt else "—")
    cells.append(f"{pt[2]:.2f}" if pt else "—")
    print("| " + " | ".join(cells) + " |")
PY
cat "$work/report"
echo
if [ "$use_buf" = 1 ]; then echo "Rows e repeat buf's run of case a / c."; fi
echo "CPU s = user + sys (GNU time): less sensitive than wall time to other load on the machine."
echo

# Findings per case; protoguard's planned and --full runs must agree with each other and with buf.
printf '| case | buf findings | protoguard findings | agreement |\n|---|---:|---:|---|\n'
problems=()
for pair in a:a.pg a:a.warm b:b.pg b:b.warm c:c.pg c:c.warm d:d.pg d:d.warm a:a.full c:c.full f:f.pg f:f.warm g:g.pg g:g.warm; do
  c=${pair%%:*} p=${pair#*:}
  label="$c (${p#*.})"
  [ "${p#*.}" != full ] || label="e ($c with --full)"
  pn=$(grep -c . "$out/$p.json" || true)
  ok "$p" protoguard || problems+=("$p: protoguard exited $(cat "$out/$p.rc"): $(head -c 400 "$out/$p.stderr" | tr '\n' ' ')")
  verdict=""
  if [ "$use_buf" = 1 ]; then
    bn=$(grep -c . "$out/$c.buf.json" || true)
    ok "$c.buf" buf || problems+=("$c.buf: buf exited $(cat "$out/$c.buf.rc"): $(head -c 400 "$out/$c.buf.stderr" | tr '\n' ' ')")
    read -r same ob op < <(compare "$out/$c.buf.json" "$out/$p.json")
    if [ "$ob" = 0 ] && [ "$op" = 0 ]; then
      verdict="identical"
    else
      verdict="**DIFFER**: $same identical, $ob only buf, $op only protoguard"
      problems+=("case $label: $ob finding(s) only buf, $op only protoguard")
    fi
  else
    bn="—"
  fi
  if [ "${p#*.}" = full ] || [ "${p#*.}" = warm ]; then
    read -r same of op < <(compare "$out/$p.json" "$out/$c.pg.json")
    if [ "$of" = 0 ] && [ "$op" = 0 ]; then
      verdict="${verdict:+$verdict; }= planned cold"
    else
      verdict="${verdict:+$verdict; }**planned cold differs**: $of only ${p#*.}, $op only planned cold"
      problems+=("case $c: planned cold and ${p#*.} differ ($of only ${p#*.}, $op only planned cold)")
    fi
  fi
  printf '| %s | %s | %s | %s |\n' "$label" "$bn" "$pn" "${verdict:-—}"
done
echo
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (at end); script took $(( $(date +%s) - script_start )) s"
if [ ${#problems[@]} -gt 0 ]; then
  status=1
  echo
  echo "PROBLEMS:"
  for m in "${problems[@]}"; do echo "  $m"; done
fi
exit "$status"
