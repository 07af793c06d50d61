#!/usr/bin/env bash
# What the GOOGLE_API category costs on googleapis: CPU time (user + sys, GNU time) and peak
# memory of `protoguard check` in three cases, each run RUNS times (default 3), medians printed
# as a markdown table:
#   a  HEAD vs HEAD~20 through git   (check git:HEAD --against git:HEAD~20, inside the clone)
#   b  HEAD vs HEAD~1 through git
#   c  two trees 119 commits apart (HEAD~119 and HEAD exported with git archive), directories
# for these variants:
#   default      PROTOGUARD with the default rules (FILE)
#   +GOOGLE_API  PROTOGUARD with --use FILE,GOOGLE_API
#   baseline     BASELINE (optional: a build from before the category, default rules), to
#                isolate what keeping the custom option bytes costs a run without the category
# Each variant has its own verification cache, warmed by one run of each case first, so no
# timing pays a cold cache. CPU time, not wall time: the machine is shared.
#
# Usage: scripts/time-google-api.sh [REPO]
#   REPO  a googleapis clone (default /work/corpus/googleapis); it is only read.
# Environment: PROTOGUARD (default target/release/protoguard), BASELINE (unset: no baseline
#   column), RUNS (default 3), TIME_BIN (default /usr/bin/time).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=$(cd "${1:-/work/corpus/googleapis}" && pwd)
bin=${PROTOGUARD:-$root/target/release/protoguard}
# Runs happen in other directories: a relative path is made absolute.
[ ! -e "$bin" ] || bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
runs=${RUNS:-3}
TIME_BIN=${TIME_BIN:-/usr/bin/time}
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
[ -x "$TIME_BIN" ] || { echo "GNU time not found at $TIME_BIN" >&2; exit 2; }
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/old" "$work/new"
git -C "$repo" archive HEAD~119 | tar -x -C "$work/old"
git -C "$repo" archive HEAD | tar -x -C "$work/new"
export NO_COLOR=1

# run VARIANT CASE: one timed run; prints "cpu_seconds peak_mb".
run() {
  local variant=$1 case=$2 b=$bin rules=() dir=$repo args
  case $variant in
    google) rules=(--use FILE,GOOGLE_API) ;;
    baseline) b=$BASELINE ;;
  esac
  case $case in
    a) args=(check git:HEAD --against git:HEAD~20) ;;
    b) args=(check git:HEAD --against git:HEAD~1) ;;
    c) dir=$work/new args=(check . --against "$work/old") ;;
  esac
  local rc=0
  (cd "$dir" && XDG_CACHE_HOME=$work/cache-$variant "$TIME_BIN" -v -o "$work/time" \
    "$b" "${args[@]}" "${rules[@]}" >/dev/null 2>"$work/err") || rc=$?
  [ "$rc" -le 1 ] || { echo "$variant $case: exit $rc: $(head -c 300 "$work/err")" >&2; exit 1; }
  awk -F': ' '/User time/{u=$2} /System time/{s=$2} /Maximum resident/{m=$2}
    END{printf "%.2f %d\n", u + s, m / 1024}' "$work/time"
}

median() { sort -n | awk '{v[NR]=$1} END{print v[int((NR + 1) / 2)]}'; }

variants=(default google)
[ -n "${BASELINE:-}" ] && variants+=(baseline)
for v in "${variants[@]}"; do for c in a b c; do run "$v" "$c" >/dev/null; done; done
declare -A cpu mem
for ((i = 0; i < runs; i++)); do
  for c in a b c; do
    for v in "${variants[@]}"; do
      read -r s m < <(run "$v" "$c")
      cpu[$v$c]+="$s "$'\n' mem[$v$c]+="$m "$'\n'
    done
  done
done
header="| case | default CPU s | +GOOGLE_API CPU s | overhead |"
[ -n "${BASELINE:-}" ] && header+=" baseline CPU s | default vs baseline |"
header+=" default MB | +GOOGLE_API MB |"
echo "$header"
echo "$header" | sed 's/[^|][^|]*/---:/g; s/^|---:/|---/'
declare -A names=([a]="HEAD vs HEAD~20 through git" [b]="HEAD vs HEAD~1 through git" [c]="two trees 119 commits apart")
for c in a b c; do
  d=$(median <<<"${cpu[default$c]}") g=$(median <<<"${cpu[google$c]}")
  line="| ${names[$c]} | $d | $g | $(awk -v a="$d" -v b="$g" 'BEGIN{printf "%+.1f%%", (b - a) / a * 100}') |"
  if [ -n "${BASELINE:-}" ]; then
    p=$(median <<<"${cpu[baseline$c]}")
    line+=" $p | $(awk -v a="$p" -v b="$d" 'BEGIN{printf "%+.1f%%", (b - a) / a * 100}') |"
  fi
  line+=" $(median <<<"${mem[default$c]}") | $(median <<<"${mem[google$c]}") |"
  echo "$line"
done
echo "(median of $runs runs each, cache warm; $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg))"
