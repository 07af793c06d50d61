#!/usr/bin/env bash
# Regenerates proto_fixtures/<id>/expected.json from `buf breaking` itself, so every fixture's
# expectation is buf's verdict on our own case (run once by hand; the test compares protoguard to it).
# Usage: scripts/buf-expected.sh [FIXTURE_DIR...]   (default: every fixture)
# Needs buf on PATH (npm install @bufbuild/buf; node_modules/.bin/buf).
# buf must exit 0 (no finding) or 100 (findings): anything else (a compile error, a bad config)
# stops the script, so an expectation is never written from a failed run. An image fixture
# (old.binpb/new.binpb) that keeps its sources in src_old/ and src_new/ is also checked from
# those sources: buf must give the same findings both ways (the test runs both forms too).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v buf >/dev/null || PATH="$root/node_modules/.bin:/work/tools/node_modules/.bin:$PATH"

# buf_findings DIR NEW OLD: buf's JSON findings from inside DIR, sorted; fails unless buf
# exits 0 or 100.
buf_findings() {
  local rc=0 out
  out=$(cd "$1" && buf breaking "$2" --against "$3" --config "$cfg" --error-format json) || rc=$?
  if [ "$rc" != 0 ] && [ "$rc" != 100 ]; then
    echo "$(basename "$d"): buf exited $rc in $1; expected.json left as it was" >&2
    exit 1
  fi
  [ -z "$out" ] || printf '%s\n' "$out" | LC_ALL=C sort
}

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
for d in "${dirs[@]}"; do
  d=${d%/}
  # History fixtures test protoguard's own rules (buf has none): their expectation is
  # written by hand.
  if [ -d "$d/history" ]; then echo "$(basename "$d"): skipped (history fixture)"; continue; fi
  # GOOGLE_API fixtures test protoguard's own category (buf has no such rules): their
  # expectation is written by protoguard and reviewed by hand.
  case "$(basename "$d")" in google_api_*) echo "$(basename "$d"): skipped (GOOGLE_API fixture)"; continue;; esac
  id=$(basename "$d" | tr '[:lower:]' '[:upper:]')
  cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[\"$id\"]}}"
  if [ -f "$d/use.txt" ]; then cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[$(sed 's/.*/"&"/' "$d/use.txt" | paste -sd,)]}}"; fi
  if [ -f "$d/new.binpb" ]; then
    found=$(buf_findings "$d" new.binpb old.binpb)
    if [ -d "$d/src_new" ] && [ -d "$d/src_old" ]; then
      from_sources=$(buf_findings "$d/src_new" . ../src_old)
      if [ "$found" != "$from_sources" ]; then
        echo "$(basename "$d"): buf's findings from src_new/src_old differ from the images'; regenerate the images (regen.sh)" >&2
        diff <(echo "$found") <(echo "$from_sources") >&2 || true
        exit 1
      fi
    fi
  else
    found=$(buf_findings "$d/new" . ../old)
  fi
  if [ -n "$found" ]; then printf '%s\n' "$found" > "$d/expected.json"; else : > "$d/expected.json"; fi
  echo "$(basename "$d"): $(wc -l < "$d/expected.json") finding(s)"
done
