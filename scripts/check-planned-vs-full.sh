#!/usr/bin/env bash
# Proves on real history that planned loading (compile only the files that can differ) reports
# exactly what a full load (--full) reports: in a clone of the googleapis corpus, for each pair
# of consecutive commits among the last 20 (HEAD~20..HEAD), for the pair (HEAD~119, HEAD) and
# for that pair reversed (HEAD~119 as the new side: every addition becomes a deletion),
#   protoguard check git:NEW --against git:OLD --use FILE,PACKAGE,WIRE_JSON,WIRE --format json
# runs with and without --full, and the outputs and exit codes must be identical byte for byte.
# Then the same for `--staged` in a second clone: google/rpc/status.proto (imported by
# hundreds of files) gets a breaking edit that is staged, google/rpc/code.proto breaking
# edits that are not (the index, not the work tree, is the new side).
# Prints one line per pair with the finding count and both times.
#
# Usage:
#   scripts/check-planned-vs-full.sh [--both-directions] [PAIRS]
#       PAIRS: how many of the latest consecutive pairs to check (default 20).
#       --both-directions: check each consecutive pair reversed too (twice the time).
#
# Exit status: 0 when every pair agrees, 1 on any difference or failed run, 2 on a setup error.
# Without the corpus it prints a message and exits 0 (so CI can run it unconditionally).
# Takes about 20-25 s per pair on a quiet 2-core machine, almost all of it in the --full runs;
# with more cores, pairs run in parallel (JOBS).
#
# Environment:
#   CORPUS        the bundle (default: ../shared/corpora/googleapis-protos.bundle next to the project)
#   PROTOGUARD    protoguard binary to use (default: `cargo build --release`, then target/release)
#   JOBS          pairs checked at a time (default: half the cores, at most one per 4 GB of RAM)
#   KEEP          set to keep the clone and the outputs and print their directory
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
prog=$(basename "$0")
CORPUS=${CORPUS:-$root/../shared/corpora/googleapis-protos.bundle}
RULES=FILE,PACKAGE,WIRE_JSON,WIRE
die() { echo "$prog: $*" >&2; exit 2; }

both=0 pairs=20
while [ $# -gt 0 ]; do
  case $1 in
    -h|--help) sed -n '/^# Usage:/,/^# Exit status/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    --both-directions) both=1; shift ;;
    *) [[ $1 =~ ^[0-9]+$ ]] || die "PAIRS must be a number (see --help)"; pairs=$1; shift ;;
  esac
done
# A --full run of the corpus holds ~3 GB and keeps ~1.5 cores busy.
mem_gb=$(awk '/MemTotal/ {printf "%d", $2/1048576}' /proc/meminfo 2>/dev/null || echo 4)
jobs=${JOBS:-$(( $(nproc 2>/dev/null || echo 2) / 2 ))}
[ "$jobs" -le $((mem_gb / 4)) ] || jobs=$((mem_gb / 4))
[ "$jobs" -ge 1 ] || jobs=1

if [ ! -f "$CORPUS" ]; then
  echo "$prog: corpus $CORPUS not found; skipping (set CORPUS=/path/to/googleapis-protos.bundle)"
  exit 0
fi
command -v git >/dev/null 2>&1 || die "git is needed"
if [ -n "${PROTOGUARD:-}" ]; then
  [ -x "$PROTOGUARD" ] || die "PROTOGUARD=$PROTOGUARD is not executable"
  PROTOGUARD=$(cd "$(dirname "$PROTOGUARD")" && pwd)/$(basename "$PROTOGUARD")
else
  command -v cargo >/dev/null 2>&1 || die "cargo is missing (or set PROTOGUARD=/path/to/protoguard)"
  (cd "$root" && cargo build --release --quiet) >&2 || die "cargo build --release failed"
  PROTOGUARD="$root/target/release/protoguard"
fi

work=$(mktemp -d)
if [ -n "${KEEP:-}" ]; then
  trap 'echo "work directory kept: $work" >&2' EXIT
else
  trap 'rm -rf "$work"' EXIT
fi
script_start=$(date +%s)
git clone -q -b main "$CORPUS" "$work/g"
clone=$work/g
n_commits=$(git -C "$clone" rev-list --count HEAD)
[ "$pairs" -lt "$n_commits" ] || die "the corpus has $n_commits commits; $pairs pairs need $((pairs + 1))"
far=$((n_commits - 1))
[ "$far" -le 119 ] || far=119

# Seconds since the epoch with milliseconds, without GNU date's %N where it is missing.
now() { python3 -c 'import time; print(f"{time.time():.3f}")'; }
if date +%s.%N | grep -q N; then :; else now() { date +%s.%N; }; fi

# run OUT ARGS...: protoguard in the clone; stdout to OUT.json, exit code to OUT.rc, seconds to OUT.s
run() {
  local o=$1 rc=0 t0 t1
  shift
  t0=$(now)
  (cd "$clone" && "$PROTOGUARD" check "$@" --use "$RULES" --format json) >"$o.json" 2>"$o.stderr" || rc=$?
  t1=$(now)
  echo "$rc" >"$o.rc"
  awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.2f", b - a }' >"$o.s"
}

label_of() { if [ "$1" = 0 ]; then echo HEAD; else echo "HEAD~$1"; fi; }

# check_pair I OLD_K NEW_K: both runs of one pair; its table line (and any diff) goes to
# $work/r$I.out, then "ok" or "fail" to $work/r$I.done.
check_pair() {
  local i=$1 ok=$2 nk=$3 old new o
  old=$(git -C "$clone" rev-parse --short=10 "HEAD~$ok")
  new=$(git -C "$clone" rev-parse --short=10 "HEAD~$nk")
  o=$work/p$ok-$nk
  run "$o.planned" "git:$new" --against "git:$old"
  run "$o.full" "git:$new" --against "git:$old" --full
  local n rc rcf result=same
  n=$(grep -c . "$o.planned.json" || true)
  rc=$(cat "$o.planned.rc")
  rcf=$(cat "$o.full.rc")
  if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
    result="FAILED (planned exit $rc: $(head -c 300 "$o.planned.stderr" | tr '\n' ' '))"
  elif [ "$rcf" != 0 ] && [ "$rcf" != 1 ]; then
    result="FAILED (--full exit $rcf: $(head -c 300 "$o.full.stderr" | tr '\n' ' '))"
  elif [ "$rc" != "$rcf" ] || ! cmp -s "$o.planned.json" "$o.full.json"; then
    result="DIFFER (exit $rc vs $rcf; $(grep -c . "$o.full.json" || true) findings with --full)"
  fi
  {
    printf '%-22s %-19s %8s %5s %10s %8s  %s\n' "$(label_of "$ok") -> $(label_of "$nk")" \
      "${old:0:8}..${new:0:8}" "$n" "$rc" "$(cat "$o.planned.s")" "$(cat "$o.full.s")" "$result"
    if [[ $result == DIFFER* ]]; then
      diff <(sort "$o.full.json") <(sort "$o.planned.json") | head -20 |
        sed 's/^</    only --full:  /; s/^>/    only planned: /' | grep '^    ' || true
      if cmp -s <(sort "$o.full.json") <(sort "$o.planned.json"); then
        echo "    (same findings, different order)"
      fi
    fi
  } >"$work/r$i.out"
  if [ "$result" = same ]; then echo ok >"$work/r$i.done"; else echo fail >"$work/r$i.done"; fi
}

# The pairs, as "OLD_K NEW_K": consecutive ones oldest first, then the far pair (and with
# --both-directions each reversed too, and the far pair reversed always: deletions everywhere).
specs=()
for ((k = pairs; k >= 1; k--)); do
  specs+=("$k $((k - 1))")
  [ "$both" = 0 ] || specs+=("$((k - 1)) $k")
done
specs+=("$far 0" "0 $far")

echo "$prog: $PROTOGUARD, rules $RULES, $jobs job(s) at a time, corpus $CORPUS"
printf '%-22s %-19s %8s %5s %10s %8s  %s\n' "old -> new" "old..new" findings exit "planned s" "full s" result
failed=0 next=0
flush() { # prints finished pairs in order
  while [ "$next" -lt "${#specs[@]}" ] && [ -f "$work/r$next.done" ]; do
    cat "$work/r$next.out"
    [ "$(cat "$work/r$next.done")" = ok ] || failed=$((failed + 1))
    next=$((next + 1))
  done
}
for i in "${!specs[@]}"; do
  while [ "$(jobs -rp | wc -l)" -ge "$jobs" ]; do
    wait -n || true
    flush
  done
  # shellcheck disable=SC2086
  check_pair "$i" ${specs[$i]} &
done
wait
flush
while [ "$next" -lt "${#specs[@]}" ]; do # a pair whose check itself broke off
  echo "HEAD~${specs[$next]% *} -> HEAD~${specs[$next]#* }: FAILED (the check broke off)"
  failed=$((failed + 1)) next=$((next + 1))
  flush
done

# --staged: the index against HEAD, in a clone of its own (the pairs above read commits only).
staged_clone=$work/staged
git clone -q "$clone" "$staged_clone"
python3 - "$staged_clone" <<'PY'
import re, sys
top = sys.argv[1]
def edit(rel, pattern, repl):
    p = f"{top}/{rel}"
    t = open(p, encoding="utf-8").read()
    t2 = re.sub(pattern, repl, t, count=1, flags=re.M)
    assert t2 != t, rel
    open(p, "w", encoding="utf-8").write(t2)
edit("google/rpc/status.proto", r"^(\s+)int32 code = 1;", r"\1int64 code = 1;")
edit("google/rpc/code.proto", r"^(\s+)OK = 0;", r"\1OK_RENAMED = 0;")
PY
git -C "$staged_clone" add google/rpc/status.proto
# Unstaged: must not count (a full load of the index does not see it either).
printf '\nmessage NotStaged {}\n' >>"$staged_clone/google/rpc/code.proto"
o=$work/staged-run
(cd "$staged_clone" && "$PROTOGUARD" check --staged --use "$RULES" --format json) >"$o.planned.json" 2>"$o.planned.stderr" || echo $? >"$o.planned.rc"
(cd "$staged_clone" && "$PROTOGUARD" check --staged --full --use "$RULES" --format json) >"$o.full.json" 2>"$o.full.stderr" || echo $? >"$o.full.rc"
rc=$(cat "$o.planned.rc" 2>/dev/null || echo 0)
rcf=$(cat "$o.full.rc" 2>/dev/null || echo 0)
total=$(( ${#specs[@]} + 1 ))
if [ "$rc" != 0 ] && [ "$rc" != 1 ]; then
  echo "--staged (status.proto): FAILED (planned exit $rc: $(head -c 300 "$o.planned.stderr" | tr '\n' ' '))"
  failed=$((failed + 1))
elif [ "$rc" != "$rcf" ] || ! cmp -s "$o.planned.json" "$o.full.json"; then
  echo "--staged (status.proto): DIFFER (exit $rc vs $rcf)"
  diff <(sort "$o.full.json") <(sort "$o.planned.json") | head -20 || true
  failed=$((failed + 1))
else
  echo "--staged (status.proto, exit $rc): $(grep -c . "$o.planned.json" || true) findings, same"
fi

echo "$prog: $((total - failed)) of $total pairs identical; took $(( $(date +%s) - script_start )) s"
[ "$failed" = 0 ]
