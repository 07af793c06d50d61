#!/usr/bin/env bash
# Regenerates proto_fixtures/<id>/expected.json from `buf breaking` itself, so every fixture's
# expectation is buf's verdict on our own case (run once by hand; the test compares protoguard to it).
# Usage: scripts/buf-expected.sh [FIXTURE_DIR...]   (default: every fixture)
# Needs buf on PATH (npm install @bufbuild/buf; node_modules/.bin/buf).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
command -v buf >/dev/null || PATH="$root/node_modules/.bin:/work/tools/node_modules/.bin:$PATH"
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
for d in "${dirs[@]}"; do
  d=${d%/}
  # History fixtures test protoguard's own rules (buf has none): their expectation is
  # written by hand.
  if [ -d "$d/history" ]; then echo "$(basename "$d"): skipped (history fixture)"; continue; fi
  id=$(basename "$d" | tr '[:lower:]' '[:upper:]')
  cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[\"$id\"]}}"
  if [ -f "$d/use.txt" ]; then cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[$(sed 's/.*/"&"/' "$d/use.txt" | paste -sd,)]}}"; fi
  if [ -f "$d/new.binpb" ]; then
    (cd "$d" && buf breaking new.binpb --against old.binpb --config "$cfg" --error-format json || true) | LC_ALL=C sort > "$d/expected.json"
  else
    (cd "$d/new" && buf breaking . --against ../old --config "$cfg" --error-format json || true) | LC_ALL=C sort > "$d/expected.json"
  fi
  echo "$(basename "$d"): $(wc -l < "$d/expected.json") finding(s)"
done
