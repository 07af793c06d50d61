#!/usr/bin/env bash
# How protoguard's time and peak memory grow with schema size: generates synthetic schemas of
# 1k, 3k, 10k, 30k and 100k messages, two versions of each differing in ~1% of the messages,
# times `protoguard check NEW --against OLD` with --full and planned (the default) under GNU
# time, and prints a markdown table with the cost per message at each size.
#
# Usage:
#   scripts/scaling.sh [SIZE...]     sizes in messages (default: 1000 3000 10000 30000 100000)
#   scripts/scaling.sh growth [N]    the pathological growth cases at N, 2N, 4N (default
#                                    N = 10000): one message of N fields (check), a package
#                                    name of N parts (check; refused, as buf refuses it), a
#                                    chain of N/2.5 messages with the last changed (prove)
#   scripts/scaling.sh prove-git REPO [REF]   `prove . --against .git#ref=REF` in REPO
#                                    (default HEAD~20; e.g. a googleapis clone), --seed 1
#
# The schemas (per size; files of 100 messages, four files to a package):
#   - proto3 files with go_package / java_package options, a service of 5 RPCs and 2 top-level
#     enums each; one shared file synth/common/v1/common.proto (not counted) that every file
#     imports, with google/protobuf/timestamp.proto;
#   - every message has a doc comment and scalar fields (string, int32/int64/uint32/double/
#     bool/bytes/fixed64), repeated fields, and by turns an enum field, a nested message with a
#     nested enum, maps (string->string, int64->message), a oneof, a field of the shared file's
#     type, a Timestamp, a reference to a message of the previous file of the package (which
#     that file imports), and reserved ranges;
#   - version 2 changes 1% of the messages (at least one), in every 25th file: by turns a field
#     added, a field's type changed, a field deleted, a field renamed, a field made singular.
#     The files importing a changed file are dirty for the planned mode too.
# Both modes must report the same findings (checked; exit 1 if not).
#
# Environment:
#   PROTOGUARD    protoguard binary to use (default: `cargo build --release`, then target/release)
#   TIME_BIN      GNU time (default /usr/bin/time; Debian package `time`)
#   KEEP          set to keep the generated schemas and print their directory
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
TIME_BIN=${TIME_BIN:-/usr/bin/time}
die() { echo "$prog: $*" >&2; exit 2; }

case ${1:-} in
  -h|--help) sed -n '/^# Usage:/,/^# The schemas/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
esac
mode=sizes
case ${1:-} in
  growth) mode=growth; shift ;;
  prove-git) mode=prove-git; shift ;;
esac
sizes=("$@")
[ "$mode" = sizes ] || sizes=()
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 3000 10000 30000 100000)
for s in "${sizes[@]}"; do
  if ! [[ $s =~ ^[0-9]+$ ]] || [ "$s" -lt 100 ]; then die "size $s is not a number of messages >= 100"; fi
done

"$TIME_BIN" -f '%e %M' true >/dev/null 2>&1 ||
  die "GNU time ($TIME_BIN) is missing: install it with 'apt-get install -y time'"
command -v python3 >/dev/null 2>&1 || die "python3 is needed to generate the schemas"
if [ -n "${PROTOGUARD:-}" ]; then
  [ -x "$PROTOGUARD" ] || die "PROTOGUARD=$PROTOGUARD is not executable"
  PROTOGUARD=$(cd "$(dirname "$PROTOGUARD")" && pwd)/$(basename "$PROTOGUARD")
else
  command -v cargo >/dev/null 2>&1 || die "cargo is missing (or set PROTOGUARD=/path/to/protoguard)"
  (cd "$root" && cargo build --release --quiet) >&2 || die "cargo build --release failed"
  PROTOGUARD="$root/target/release/protoguard"
fi

work=$(mktemp -d)

# measure OUT CMD...: GNU time of CMD; prints "wall cpu peak_mb exit".
measure() {
  local o=$1
  shift
  local rc=0
  "$TIME_BIN" -f '%e %U %S %M' -o "$o.time" "$@" >"$o.out" 2>"$o.err" || rc=$?
  local wall user sys kb
  read -r wall user sys kb < <(tail -n 1 "$o.time")
  echo "$wall $(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') $((kb / 1024)) $rc"
}

if [ "$mode" = growth ]; then
  n=${1:-10000}
  [[ $n =~ ^[0-9]+$ ]] && [ "$n" -ge 100 ] || die "growth size $n is not a number >= 100"
  trap 'rm -rf "$work"' EXIT
  echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine:    $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  echo
  echo "| case | size | wall s | CPU s | peak MB | exit | CPU ratio to the previous size |"
  echo "|---|---:|---:|---:|---:|---:|---:|"
  for case in fields package chain; do
    prev=
    for k in 1 2 4; do
      size=$((n * k))
      [ "$case" = chain ] && size=$((n * k * 2 / 5))
      d=$work/$case$size
      python3 - "$d" "$case" "$size" <<'PY'
import os, sys
out, case, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
def write(side, text):
    os.makedirs(os.path.join(out, side), exist_ok=True)
    with open(os.path.join(out, side, "a.proto"), "w") as fh:
        fh.write(text)
for side in ("old", "new"):
    t = "int64" if side == "new" else "int32"
    if case == "fields":
        # Numbers skip 19000-19999, which protobuf reserves.
        nums = [i for i in range(1, n + 1001) if not 19000 <= i <= 19999][:n]
        body = "".join(f"  {t if i == 1 else 'int32'} f{i} = {i};\n" for i in nums)
        write(side, f'syntax = "proto3";\npackage x;\nmessage M {{\n{body}}}\n')
    elif case == "package":
        pkg = ".".join(f"p{i}" for i in range(n))
        write(side, f'syntax = "proto3";\npackage {pkg};\nmessage M {{ {t} a = 1; }}\n')
    else:
        msgs = "".join(f"message M{i} {{ M{i + 1} next = 1; }}\n" for i in range(n - 1))
        write(side, f'syntax = "proto3";\npackage c;\n{msgs}message M{n - 1} {{ {t} v = 1; }}\n')
PY
      case $case in
        chain) cmd=("$PROTOGUARD" prove "$d/new" --against "$d/old" --seed 1) ;;
        *) cmd=("$PROTOGUARD" check "$d/new" --against "$d/old") ;;
      esac
      read -r wall cpu mb rc < <(measure "$d/run" "${cmd[@]}")
      ratio=-
      [ -n "$prev" ] && ratio=$(python3 -c "print(f'{$cpu / max($prev, 0.01):.1f}x')")
      echo "| $case | $size | $wall | $cpu | $mb | $rc | $ratio |"
      prev=$cpu
      rm -rf "$d"
    done
  done
  echo
  echo "fields and package: check; chain: prove --seed 1 (exit 1: counterexamples found). The"
  echo "package name is refused past 101 parts, as buf refuses it (exit 2, located)."
  exit 0
fi

if [ "$mode" = prove-git ]; then
  repo=${1:?prove-git needs a repository}
  ref=${2:-HEAD~20}
  trap 'rm -rf "$work"' EXIT
  echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo "machine:    $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo); load avg $(cut -d' ' -f1-3 /proc/loadavg)"
  read -r wall cpu mb rc < <(cd "$repo" && PROTOGUARD_TIMING=1 measure "$work/prove" "$PROTOGUARD" prove . --against ".git#ref=$ref" --seed 1)
  echo
  echo "| case | wall s | CPU s | peak MB | exit | summary |"
  echo "|---|---:|---:|---:|---:|---|"
  echo "| prove . --against .git#ref=$ref | $wall | $cpu | $mb | $rc | $(tail -n 1 "$work/prove.out") |"
  echo
  grep '^timing:' "$work/prove.err" || true
  exit 0
fi
if [ -n "${KEEP:-}" ]; then
  trap 'echo "schemas kept: $work" >&2' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
script_start=$(date +%s)

# generate DIR MESSAGES: writes DIR/old and DIR/new; prints "files changed_messages bytes".
generate() {
  python3 - "$1" "$2" <<'PY'
import math, os, sys

out, n_messages = sys.argv[1], int(sys.argv[2])
PER_FILE, PER_PACKAGE, CHANGE_EVERY = 100, 4, 25
n_files = max(1, n_messages // PER_FILE)
n_change = max(1, round(n_messages / 100))
changed_files = [f for f in range(n_files) if f % CHANGE_EVERY == 0]
per_changed = math.ceil(n_change / len(changed_files))
changes = {}  # (file, message) -> kind
left = n_change
for f in changed_files:
    k = min(per_changed, left)
    step = max(1, PER_FILE // max(k, 1))
    for i in range(k):
        changes[(f, i * step)] = len(changes) % 5
    left -= k
    if left <= 0:
        break

SCALARS = ["int64", "uint32", "double", "bool", "bytes", "fixed64", "string", "int32"]
COMMON = """syntax = "proto3";

package synth.common.v1;

import "google/protobuf/timestamp.proto";

option go_package = "example.com/synth/common/v1;commonpb";
option java_multiple_files = true;
option java_package = "com.example.synth.common.v1";

// An amount of money in a currency.
message Money {
  // The three-letter currency code.
  string currency_code = 1;
  int64 units = 2;
  int32 nanos = 3;
}

// Who changed what, and when.
message Audit {
  string actor = 1;
  google.protobuf.Timestamp time = 2;
  map<string, string> annotations = 3;
}

// The lifecycle of a resource.
enum State {
  STATE_UNSPECIFIED = 0;
  ACTIVE = 1;
  DELETING = 2;
  DELETED = 3;
}
"""

def package(f):
    return f"synth.p{f // PER_PACKAGE}.v1"

def path(f):
    return f"synth/p{f // PER_PACKAGE}/v1/f{f}.proto"

def message(f, m, change):
    name = f"F{f}M{m}"
    imports_prev = f % PER_PACKAGE != 0
    lines = [f"// {name} is message {m} of file {f}: a resource with a name, counters and labels.",
             f"// It exists to make the schema look like a real API.",
             f"message {name} {{"]
    def field(decl, comment=None):
        if comment:
            lines.append(f"  // {comment}")
        lines.append(f"  {decl};")
    field("string name = 1", "The resource name, unique within its parent.")
    count_type = "int64" if change == 1 else "int32"
    count_name = "total" if change == 3 else "count"
    field(f"{count_type} {count_name} = 2", "How many times the resource was used.")
    field(("string" if change == 4 else "repeated string") + " tags = 3")
    if change != 2:
        field("bool enabled = 4", "Whether the resource is enabled.")
    n = 5
    for k in range(3 + m % 3):
        t = SCALARS[(m + k) % len(SCALARS)]
        field(f"{t} value_{k} = {n}")
        n += 1
    if m % 2 == 0:
        field(f"E{f}x{m % 2} kind = {n}", "What kind of resource this is.")
        n += 1
    if m % 5 == 0:
        lines.append("  // Details of the resource.")
        lines.append("  message Details {")
        lines.append("    string description = 1;")
        lines.append("    repeated int64 ids = 2;")
        if m % 10 == 0:
            lines.append("    enum Level {")
            lines.append("      LEVEL_UNSPECIFIED = 0;")
            lines.append("      LOW = 1;")
            lines.append("      HIGH = 2;")
            lines.append("    }")
            lines.append("    Level level = 3;")
        lines.append("  }")
        field(f"Details details = {n}")
        n += 1
    if m % 3 == 0:
        field(f"map<string, string> labels = {n}", "Labels for filtering.")
        n += 1
    if m % 7 == 0 and m > 0:
        field(f"map<int64, F{f}M{m - 1}> children = {n}")
        n += 1
    if m % 4 == 0:
        lines.append("  // Where the resource comes from.")
        lines.append("  oneof source {")
        lines.append(f"    string uri = {n};")
        lines.append(f"    bytes inline = {n + 1};")
        if m > 0:
            lines.append(f"    F{f}M{m - 1} copy_of = {n + 2};")
        lines.append("  }")
        n += 3
    if m % 6 == 0:
        field(f"synth.common.v1.Money price = {n}")
        field(f"synth.common.v1.State state = {n + 1}")
        n += 2
    if m % 9 == 0:
        field(f"google.protobuf.Timestamp create_time = {n}", "When the resource was created.")
        n += 1
    if m % 8 == 0 and imports_prev:
        field(f"F{f - 1}M{m} previous = {n}")
        n += 1
    if m > 0 and m % 2 == 1:
        field(f"F{f}M{m - 1} parent = {n}")
        n += 1
    if m % 11 == 0:
        lines.append(f"  reserved {n + 10} to {n + 15};")
        lines.append('  reserved "legacy_name";')
    if change == 0:
        field(f"string added_field = {n + 20}", "Added in version 2.")
    lines.append("}")
    return "\n".join(lines) + "\n"

def file_text(f, version):
    pkg = package(f)
    short = f"p{f // PER_PACKAGE}"
    s = [
        "// Generated by scripts/scaling.sh.",
        'syntax = "proto3";',
        "",
        f"package {pkg};",
        "",
        'import "google/protobuf/timestamp.proto";',
        'import "synth/common/v1/common.proto";',
    ]
    if f % PER_PACKAGE != 0:
        s.append(f'import "{path(f - 1)}";')
    s += [
        "",
        f'option go_package = "example.com/synth/{short}/v1;{short}pb";',
        "option java_multiple_files = true;",
        f'option java_package = "com.example.synth.{short}.v1";',
        "",
        f"// Operations on the resources of file {f}.",
        f"service Service{f} {{",
    ]
    for k in range(5):
        s.append(f"  // Gets resource {k}.")
        s.append(f"  rpc Get{k}(F{f}M{2 * k}) returns (F{f}M{2 * k + 1});")
    s.append("}")
    s.append("")
    for e in range(2):
        s.append(f"// Kinds, set {e}.")
        s.append(f"enum E{f}x{e} {{")
        s.append(f"  E{f}X{e}_UNSPECIFIED = 0;")
        for v in range(1, 4 + e):
            s.append(f"  E{f}X{e}_VALUE_{v} = {v};")
        s.append("}")
        s.append("")
    text = "\n".join(s) + "\n"
    parts = [text]
    for m in range(PER_FILE):
        change = changes.get((f, m)) if version == 2 else None
        parts.append(message(f, m, change))
        parts.append("\n")
    return "".join(parts)

total = 0
for version, side in ((1, "old"), (2, "new")):
    base = os.path.join(out, side)
    os.makedirs(os.path.join(base, "synth/common/v1"), exist_ok=True)
    with open(os.path.join(base, "synth/common/v1/common.proto"), "w") as fh:
        fh.write(COMMON)
    for f in range(n_files):
        p = os.path.join(base, path(f))
        os.makedirs(os.path.dirname(p), exist_ok=True)
        t = file_text(f, version)
        total += len(t) if version == 1 else 0
        with open(p, "w") as fh:
            fh.write(t)
print(n_files, len(changes), total)
PY
}

# timed OUT CMD...: runs CMD under GNU time; stdout to OUT.json, exit code to OUT.rc.
timed() {
  local o=$1
  shift
  local rc=0
  "$TIME_BIN" -f '%e %M %U %S' -o "$o.time" "$@" >"$o.json" 2>"$o.stderr" || rc=$?
  echo "$rc" >"$o.rc"
  if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    echo "$prog: protoguard exited $rc: $(head -c 600 "$o.stderr")" >&2
    return 1
  fi
}

echo "date:       $(date -u '+%Y-%m-%d %H:%M UTC')"
echo "machine:    $(nproc) cores ($(grep -m1 'model name' /proc/cpuinfo | sed 's/.*: //')), $(awk '/MemTotal/ {printf "%.0f GB", $2/1048576}' /proc/meminfo)"
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (at start)"
echo "protoguard: $PROTOGUARD ($("$PROTOGUARD" --version 2>&1); project tree at $(cd "$root" && git describe --always --dirty 2>/dev/null || echo "?"))"
echo

results=$work/results
: >"$results"
status=0
for n in "${sizes[@]}"; do
  d=$work/s$n
  mkdir -p "$d"
  echo "$prog: generating $n messages" >&2
  read -r files changed bytes < <(generate "$d" "$n")
  echo "$prog: $n messages: $files files, $changed changed, $((bytes / 1024)) KB per side; timing --full" >&2
  timed "$d/full" "$PROTOGUARD" check "$d/new" --against "$d/old" --use FILE --format json --full || status=1
  echo "$prog: timing planned" >&2
  timed "$d/planned" "$PROTOGUARD" check "$d/new" --against "$d/old" --use FILE --format json || status=1
  nf=$(grep -c . "$d/full.json" || true)
  np=$(grep -c . "$d/planned.json" || true)
  same=same
  if ! cmp -s <(sort "$d/full.json") <(sort "$d/planned.json"); then
    same=DIFFER
    status=1
  fi
  echo "$n $files $changed $bytes $(tail -n 1 "$d/full.time") $(tail -n 1 "$d/planned.time") $nf $np $same" >>"$results"
  [ -n "${KEEP:-}" ] || rm -rf "$d/old" "$d/new"
done

python3 - "$results" <<'PY'
import sys
rows = [l.split() for l in open(sys.argv[1]) if l.strip()]
# Each row: n files changed bytes, full: wall kb user sys, planned: wall kb user sys, nf np same
rows = [[r[0], r[1], r[2], r[3], r[4], r[5], float(r[6]) + float(r[7]), r[8], r[9],
         float(r[10]) + float(r[11]), r[12], r[13], r[14]] for r in rows]
print("| messages | files | full s | full MB | planned s | planned MB | full µs/msg | full KB/msg | planned µs/msg | planned KB/msg | full CPU s | planned CPU s | findings (full = planned) |")
print("|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|")
for n, files, changed, size, fs, fkb, fcpu, ps, pkb, pcpu, nf, np, same in rows:
    n, fs, fkb, ps, pkb = int(n), float(fs), float(fkb), float(ps), float(pkb)
    verdict = f"{nf}" if same == "same" else f"**DIFFER**: {nf} full, {np} planned"
    print(f"| {n:,} | {files} | {fs:.2f} | {fkb / 1024:,.0f} | {ps:.2f} | {pkb / 1024:,.0f} "
          f"| {fs / n * 1e6:.0f} | {fkb / n:.1f} | {ps / n * 1e6:.0f} | {pkb / n:.1f} "
          f"| {fcpu:.2f} | {pcpu:.2f} | {verdict} |")
if len(rows) > 1:
    print()
    print("Marginal cost between consecutive sizes (removes the fixed start-up cost):")
    print()
    print("| from → to messages | full µs/msg | full KB/msg | planned µs/msg | planned KB/msg | full CPU µs/msg | planned CPU µs/msg |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for a, b in zip(rows, rows[1:]):
        dn = int(b[0]) - int(a[0])
        if dn <= 0:
            continue
        d = lambda i: float(b[i]) - float(a[i])
        print(f"| {int(a[0]):,} → {int(b[0]):,} | {d(4) / dn * 1e6:.0f} | {d(5) / dn:.1f} "
              f"| {d(7) / dn * 1e6:.0f} | {d(8) / dn:.1f} | {d(6) / dn * 1e6:.0f} | {d(9) / dn * 1e6:.0f} |")
print()
print("CPU s = user + sys (GNU time): less sensitive than wall time to other load on the machine.")
print("Source size per side: " + ", ".join(f"{int(r[0]):,} msgs {int(r[3]) / 1e6:.1f} MB" for r in rows)
      + f"; changed messages: " + ", ".join(r[2] for r in rows) + ".")
PY
echo
echo "load avg:   $(cut -d' ' -f1-3 /proc/loadavg) (at end); script took $(( $(date +%s) - script_start )) s"
[ "$status" = 0 ] || echo "PROBLEMS: a run failed or --full and planned findings differ (see above)"
exit "$status"
