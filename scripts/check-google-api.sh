#!/usr/bin/env bash
# Runs the GOOGLE_API category over real history: for every consecutive pair of the last
# PAIRS commits (default 119) of a googleapis clone, one at a time,
#   protoguard check git:NEW --against git:OLD --use FILE,GOOGLE_API --format json
# and the same with the default rules (FILE) only, timing both. Prints one line per pair
# with a GOOGLE_API finding (its rules and whether the commit declares a break: `!:` in the
# subject or BREAKING in the message), then a markdown table of the totals and both total
# wall times (the table README's "Google API rules" shows; which flagged pairs are real breaks
# is judged by reading their diffs).
#
# Usage: scripts/check-google-api.sh [REPO] [PAIRS]
#   REPO  a googleapis clone (default /work/corpus/googleapis); it is only read.
# Environment: PROTOGUARD (default target/release/protoguard), KEEP=1 keeps the outputs.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
repo=${1:-/work/corpus/googleapis}
pairs=${2:-119}
bin=${PROTOGUARD:-$root/target/release/protoguard}
# Runs happen in other directories: a relative path is made absolute.
[ ! -e "$bin" ] || bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
[ -x "$bin" ] || { echo "build first: cargo build --release" >&2; exit 2; }
work=$(mktemp -d)
[ -n "${KEEP:-}" ] && echo "outputs in $work" >&2 || trap 'rm -rf "$work"' EXIT
export XDG_CACHE_HOME=$work/cache NO_COLOR=1
now() { date +%s.%N; }
t_with=0 t_without=0 flagged=0 declared_flagged=0 declared=0
# Warm the verification cache once, so neither timing pays it.
(cd "$repo" && "$bin" check git:HEAD --against git:HEAD~1 >/dev/null 2>&1) || true
for ((k = pairs; k >= 1; k--)); do
  old=$(git -C "$repo" rev-parse "HEAD~$k")
  new=$(git -C "$repo" rev-parse "HEAD~$((k - 1))")
  msg=$(git -C "$repo" log -1 --format=%B "$new")
  subject=$(git -C "$repo" log -1 --format=%s "$new")
  is_declared=0
  if [[ $subject == *'!:'* ]] || grep -q BREAKING <<<"$msg"; then is_declared=1; declared=$((declared + 1)); fi
  t0=$(now)
  rc=0; (cd "$repo" && "$bin" check "git:$new" --against "git:$old" --format json) >"$work/$k.default" 2>/dev/null || rc=$?
  t1=$(now)
  rc2=0; (cd "$repo" && "$bin" check "git:$new" --against "git:$old" --use FILE,GOOGLE_API --format json) >"$work/$k.json" 2>"$work/$k.err" || rc2=$?
  t2=$(now)
  [ "$rc2" -le 1 ] || { echo "HEAD~$((k - 1)): exit $rc2: $(head -c 300 "$work/$k.err")" >&2; exit 1; }
  t_without=$(awk -v a="$t_without" -v s="$t0" -v e="$t1" 'BEGIN{printf "%.3f", a + e - s}')
  t_with=$(awk -v a="$t_with" -v s="$t1" -v e="$t2" 'BEGIN{printf "%.3f", a + e - s}')
  rules=$(grep -o '"type":"GOOGLE_API_[A-Z_]*"' "$work/$k.json" | sed 's/"type":"GOOGLE_API_//; s/"//' | sort | uniq -c | awk '{printf "%s%s x%s", (NR>1?", ":""), $2, $1}' || true)
  if [ -n "$rules" ]; then
    flagged=$((flagged + 1)); declared_flagged=$((declared_flagged + is_declared))
    printf 'HEAD~%-3s %s declared=%s  %s\n    %s\n' "$((k - 1))" "${new:0:8}" "$is_declared" "$rules" "${subject:0:150}"
  fi
done
not_declared=$((flagged - declared_flagged))
echo
echo "| pairs | declaring a break | flagged by GOOGLE_API | of which declared | of which not declared | default rules s | FILE+GOOGLE_API s |"
echo "|---:|---:|---:|---:|---:|---:|---:|"
echo "| $pairs | $declared | $flagged | $declared_flagged | $not_declared | $t_without | $t_with |"
