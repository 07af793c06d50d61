#!/usr/bin/env bash
# Runs `buf breaking` and `protoguard check` side by side and diffs their findings, compared as
# sets of (path, start_line, start_column, end_line, end_column, type, message) — buf's JSON keys;
# protoguard's extra keys are ignored.
#
# Usage:
#   scripts/compare-buf.sh fixtures [FIXTURE_DIR...]
#       Every proto_fixtures/<dir> (or the ones named). Rules come from <dir>/use.txt (one per
#       line), else the upper-cased dir name. With old.binpb/new.binpb both tools compare the
#       images from inside <dir>, and, when the fixture keeps its sources in src_old/ and
#       src_new/, also those sources from inside <dir>/src_new (reported as "<dir> (sources)");
#       otherwise both run from inside <dir>/new as
#       `buf breaking . --against ../old --config '{"version":"v2","breaking":{"use":[...]}}'`
#       and `protoguard check . --against ../old --use ... --format json`.
#       Prints agree/differ per fixture, then
#       `fixtures: A agree, D differ; findings: N identical, M only buf, K only protoguard`.
#   scripts/compare-buf.sh trees OLD_DIR NEW_DIR [--use RULES] [--out DIR]
#       Both tools from inside NEW_DIR against OLD_DIR (as an absolute path), rules RULES
#       (comma-separated IDs/categories, default FILE; buf gets them through --config, so a
#       buf.yaml in NEW_DIR is not read by buf). Prints each tool's finding count, exit code,
#       wall time and peak RSS (GNU time -v), per-rule counts, the set differences (first 20
#       lines of each side) and the agreement. --out DIR keeps the raw outputs there
#       (buf.json, protoguard.json, *.stderr, *.time, only_buf.json, only_protoguard.json).
#
# Exit status: 0 when the tools agree everywhere, 1 when they differ (or a tool failed), 2 on a
# usage or setup error.
#
# Environment:
#   BUF           buf binary to use (default: `buf` on PATH, else installed with npm into the cache)
#   BUF_VERSION   version of @bufbuild/buf that the cache install gets (default 1.75.0)
#   CACHE_DIR     cache for the npm install (default ${XDG_CACHE_HOME:-~/.cache}/protoguard-compare)
#   PROTOGUARD    protoguard binary to use (default: `cargo build --release`, then target/release)
#   TIME_BIN      GNU time (default /usr/bin/time; Debian package `time`)
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
TIME_BIN=${TIME_BIN:-/usr/bin/time}

usage() {
  sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed '$d; s/^# \{0,1\}//'
  exit "${1:-2}"
}
die() { echo "$prog: $*" >&2; exit 2; }

# ---------------------------------------------------------------- tools

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
      die "buf is not on PATH and npm is missing to install it (install Node.js/npm, or set BUF=/path/to/buf)"
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
    PROTOGUARD=$(cd "$(dirname "$PROTOGUARD")" && pwd)/$(basename "$PROTOGUARD")
    return
  fi
  command -v cargo >/dev/null 2>&1 || die "cargo is missing (needed to build protoguard; or set PROTOGUARD=/path/to/protoguard)"
  # cargo decides whether anything changed; an up-to-date build is a quick no-op.
  (cd "$root" && cargo build --release --quiet) >&2 || die "cargo build --release failed"
  PROTOGUARD="$root/target/release/protoguard"
}

need_gnu_time() {
  if ! "$TIME_BIN" -v true >/dev/null 2>&1; then
    die "trees mode measures time and memory with GNU time ($TIME_BIN -v), which is missing: install it with 'apt-get install -y time'"
  fi
}

command -v python3 >/dev/null 2>&1 || die "python3 is needed for the JSON comparison"

# ---------------------------------------------------------------- comparison (python)

# compare BUF_JSONL PG_JSONL MODE [OUT_DIR]
#   MODE=brief: prints "identical only_buf only_pg" (numbers) and, when they differ, the
#               differing findings indented on stderr-free stdout lines after a blank marker.
#   MODE=full:  the trees report (per-rule table, first 20 differences of each side, agreement).
compare() {
  python3 - "$@" <<'PY'
import collections, json, os, sys

KEYS = ("path", "start_line", "start_column", "end_line", "end_column", "type", "message")

def load(path):
    c = collections.Counter()
    bad = 0
    with open(path, encoding="utf-8", errors="replace") as f:
        for line in f:
            line = line.strip()
            if not line:
                continue
            try:
                o = json.loads(line)
            except ValueError:
                bad += 1
                continue
            if not isinstance(o, dict):
                bad += 1
                continue
            c[tuple(o.get(k) for k in KEYS)] += 1
    return c, bad

def show(t):
    return json.dumps(dict(zip(KEYS, t)), ensure_ascii=False)

def key(t):
    return tuple("" if v is None else (f"{v:09d}" if isinstance(v, int) else str(v)) for v in t)

buf_path, pg_path, mode = sys.argv[1:4]
out = sys.argv[4] if len(sys.argv) > 4 else ""
b, bbad = load(buf_path)
p, pbad = load(pg_path)
same = b & p
only_b = b - p
only_p = p - b
n_same, n_b, n_p = sum(same.values()), sum(only_b.values()), sum(only_p.values())

if mode == "brief":
    print(n_same, n_b, n_p, bbad + pbad)
    for t in sorted(only_b.elements(), key=key):
        print("    only buf:        " + show(t))
    for t in sorted(only_p.elements(), key=key):
        print("    only protoguard: " + show(t))
    sys.exit(0)

if out:
    with open(os.path.join(out, "only_buf.json"), "w") as f:
        for t in sorted(only_b.elements(), key=key):
            f.write(show(t) + "\n")
    with open(os.path.join(out, "only_protoguard.json"), "w") as f:
        for t in sorted(only_p.elements(), key=key):
            f.write(show(t) + "\n")

for name, c, bad in (("buf", b, bbad), ("protoguard", p, pbad)):
    dups = sum(v - 1 for v in c.values() if v > 1)
    if dups:
        print(f"note: {name} reported {dups} duplicate finding(s)")
    if bad:
        print(f"note: {name} printed {bad} line(s) that are not JSON objects")

types = sorted(set(t[5] or "" for t in b) | set(t[5] or "" for t in p))
if types:
    rows = []
    for ty in types:
        def n(c):
            return sum(v for t, v in c.items() if (t[5] or "") == ty)
        rows.append((ty, n(b), n(p), n(only_b), n(only_p)))
    w = max(len("rule"), max(len(r[0]) for r in rows))
    print()
    print(f"{'rule':<{w}}  {'buf':>7}  {'protoguard':>10}  {'only buf':>8}  {'only pg':>7}")
    for r in rows:
        print(f"{r[0]:<{w}}  {r[1]:>7}  {r[2]:>10}  {r[3]:>8}  {r[4]:>7}")

for title, c in (("only buf", only_b), ("only protoguard", only_p)):
    items = sorted(c.elements(), key=key)
    print()
    print(f"{title}: {len(items)}" + (" (first 20)" if len(items) > 20 else ""))
    for t in items[:20]:
        print("  " + show(t))

total = n_same + n_b + n_p
pct = 100.0 * n_same / total if total else 100.0
print()
print(f"agreement: {n_same} identical, {n_b} only buf, {n_p} only protoguard "
      f"({pct:.2f}% of {total} distinct findings agree)")
sys.exit(0 if n_b == 0 and n_p == 0 else 1)
PY
}

rules_json() { # "A,B" -> ["A","B"]
  python3 -c 'import json,sys; print(json.dumps([r.strip() for r in sys.argv[1].split(",") if r.strip()]))' "$1"
}

# ---------------------------------------------------------------- fixtures mode

mode_fixtures() {
  find_buf
  find_protoguard
  local dirs=("$@")
  [ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
  work=$(mktemp -d)
  trap 'rm -rf "$work"' EXIT
  local agree=0 differ=0 same=0 onlyb=0 onlyp=0
  for d in "${dirs[@]}"; do
    d=$(cd "$d" && pwd)
    local name rules cfg bufrc pgrc
    name=$(basename "$d")
    # History fixtures test protoguard's own rules, which buf does not have.
    if [ -d "$d/history" ]; then echo "$name: skipped (history fixture)"; continue; fi
    # So do the fixtures of protoguard's own categories (GOOGLE_API, POLICY).
    own="$root/rules/$(echo "$name" | tr '[:lower:]' '[:upper:]').yaml"
    if [ -f "$own" ] && grep -Eq '^categories: \[(GOOGLE_API|POLICY)' "$own"; then
      echo "$name: skipped (protoguard's own category)"; continue
    fi
    if [ -f "$d/use.txt" ]; then
      rules=$(sed 's/#.*//; s/[[:space:]]//g; /^$/d' "$d/use.txt" | paste -sd, -)
    else
      rules=$(echo "$name" | tr '[:lower:]' '[:upper:]')
    fi
    cfg="{\"version\":\"v2\",\"breaking\":{\"use\":$(rules_json "$rules")}}"
    local forms=()
    if [ -f "$d/new.binpb" ] && [ -f "$d/old.binpb" ]; then
      forms+=("$name|$d|new.binpb|old.binpb")
      # The sources of an image fixture, compiled by each tool.
      if [ -d "$d/src_new" ] && [ -d "$d/src_old" ]; then
        forms+=("$name (sources)|$d/src_new|.|../src_old")
      fi
    elif [ -d "$d/new" ] && [ -d "$d/old" ]; then
      forms+=("$name|$d/new|.|../old")
    else
      echo "$name: skipped (no old/new dirs or images)"
      continue
    fi
    local form label run_dir new_arg old_arg
    for form in "${forms[@]}"; do
      IFS='|' read -r label run_dir new_arg old_arg <<<"$form"
      bufrc=0 pgrc=0
      (cd "$run_dir" && "$BUF" breaking "$new_arg" --against "$old_arg" --config "$cfg" --error-format json) \
        >"$work/buf.json" 2>"$work/buf.err" || bufrc=$?
      (cd "$run_dir" && "$PROTOGUARD" check "$new_arg" --against "$old_arg" --use "$rules" --format json) \
        >"$work/pg.json" 2>"$work/pg.err" || pgrc=$?
      compare "$work/buf.json" "$work/pg.json" brief >"$work/cmp"
      read -r s b p bad <"$work/cmp"
      same=$((same + s)) onlyb=$((onlyb + b)) onlyp=$((onlyp + p))
      local problems=()
      [ "$bufrc" = 0 ] || [ "$bufrc" = 100 ] || problems+=("buf exited $bufrc: $(head -c 300 "$work/buf.err" | tr '\n' ' ')")
      [ "$pgrc" = 0 ] || [ "$pgrc" = 1 ] || problems+=("protoguard exited $pgrc: $(head -c 300 "$work/pg.err" | tr '\n' ' ')")
      [ "$bad" = 0 ] || problems+=("$bad output line(s) not JSON")
      if [ "$b" = 0 ] && [ "$p" = 0 ] && [ ${#problems[@]} = 0 ]; then
        # Exit codes must agree too: buf's 100 means findings, as protoguard's 1 does.
        if { [ "$bufrc" = 100 ] && [ "$pgrc" = 1 ]; } || { [ "$bufrc" = 0 ] && [ "$pgrc" = 0 ]; }; then
          agree=$((agree + 1))
          echo "$label: agree ($s finding(s); $rules)"
          continue
        fi
        problems+=("exit codes disagree: buf $bufrc, protoguard $pgrc")
      fi
      differ=$((differ + 1))
      echo "$label: DIFFER ($s identical, $b only buf, $p only protoguard; $rules)"
      for m in "${problems[@]}"; do echo "    $m"; done
      tail -n +2 "$work/cmp"
    done
  done
  echo "fixtures: $agree agree, $differ differ; findings: $same identical, $onlyb only buf, $onlyp only protoguard"
  [ "$differ" = 0 ]
}

# ---------------------------------------------------------------- trees mode

# timed NAME DIR OUT -- CMD...: runs CMD in DIR under GNU time; stdout to OUT/NAME.json.
timed() {
  local name=$1 dir=$2 out=$3
  shift 4
  local rc=0
  (cd "$dir" && "$TIME_BIN" -v -o "$out/$name.time" "$@") >"$out/$name.json" 2>"$out/$name.stderr" || rc=$?
  echo "$rc" >"$out/$name.rc"
}

time_field() { # FILE -> "wall_seconds peak_mb"
  python3 - "$1" <<'PY'
import re, sys
wall, rss = "?", "?"
for line in open(sys.argv[1], errors="replace"):
    line = line.strip()
    if line.startswith("Elapsed (wall clock) time"):
        v = line.rsplit(": ", 1)[1]
        secs = 0.0
        for part in v.split(":"):
            secs = secs * 60 + float(part)
        wall = f"{secs:.1f}"
    elif line.startswith("Maximum resident set size"):
        rss = f"{int(line.rsplit(': ', 1)[1]) / 1024:.0f}"
print(wall, rss)
PY
}

mode_trees() {
  [ $# -ge 2 ] || usage
  local old=$1 new=$2
  shift 2
  local rules=FILE out=""
  while [ $# -gt 0 ]; do
    case $1 in
      --use) [ $# -ge 2 ] || usage; rules=$2; shift 2 ;;
      --use=*) rules=${1#--use=}; shift ;;
      --out) [ $# -ge 2 ] || usage; out=$2; shift 2 ;;
      --out=*) out=${1#--out=}; shift ;;
      *) usage ;;
    esac
  done
  [ -d "$old" ] || die "OLD_DIR $old is not a directory"
  [ -d "$new" ] || die "NEW_DIR $new is not a directory"
  old=$(cd "$old" && pwd)
  new=$(cd "$new" && pwd)
  need_gnu_time
  find_buf
  find_protoguard
  local keep=$out
  if [ -n "$out" ]; then
    mkdir -p "$out"
    out=$(cd "$out" && pwd)
  else
    out=$(mktemp -d)
    tmp_out=$out
    trap 'rm -rf "$tmp_out"' EXIT
  fi
  local cfg
  cfg="{\"version\":\"v2\",\"breaking\":{\"use\":$(rules_json "$rules")}}"
  echo "old:  $old"
  echo "new:  $new"
  echo "use:  $rules"
  echo "buf:  $BUF ($("$BUF" --version 2>&1))"
  echo "protoguard: $PROTOGUARD"
  echo "(running buf...)" >&2
  timed buf "$new" "$out" -- "$BUF" breaking . --against "$old" --config "$cfg" --error-format json
  echo "(running protoguard...)" >&2
  timed protoguard "$new" "$out" -- "$PROTOGUARD" check . --against "$old" --use "$rules" --format json

  echo
  printf '%-11s %9s %5s %8s %8s\n' tool findings exit "wall s" "peak MB"
  local t ok=1
  for t in buf protoguard; do
    local rc n wall mb
    rc=$(cat "$out/$t.rc")
    n=$(grep -c . "$out/$t.json" || true)
    read -r wall mb < <(time_field "$out/$t.time")
    printf '%-11s %9s %5s %8s %8s\n' "$t" "$n" "$rc" "$wall" "$mb"
  done
  for t in buf protoguard; do
    local rc
    rc=$(cat "$out/$t.rc")
    if { [ "$t" = buf ] && [ "$rc" != 0 ] && [ "$rc" != 100 ]; } ||
       { [ "$t" = protoguard ] && [ "$rc" != 0 ] && [ "$rc" != 1 ]; }; then
      ok=0
      echo
      echo "$t failed (exit $rc); stderr:"
      head -20 "$out/$t.stderr" | sed 's/^/  /'
    fi
  done
  local rc=0
  compare "$out/buf.json" "$out/protoguard.json" full "$out" || rc=$?
  [ -z "$keep" ] || echo "raw outputs: $out"
  [ "$ok" = 1 ] && [ "$rc" = 0 ]
}

# ---------------------------------------------------------------- main

[ $# -ge 1 ] || usage
cmd=$1
shift
case $cmd in
  fixtures) mode_fixtures "$@" ;;
  trees) mode_trees "$@" ;;
  -h|--help|help) usage 0 ;;
  *) usage ;;
esac
