#!/usr/bin/env bash
# Regenerates proto_fixtures/<id>/expected.json from `buf breaking` itself, so every fixture's
# expectation is buf's verdict on our own case (run once by hand; the test compares protoguard to it).
# Also writes the rule x fixture matrix: proto_fixtures/all_rules.txt lists every rule buf has
# (rules/*.yaml less protoguard's own history rules, which buf does not know: they read earlier
# releases, so buf cannot have an opinion on them), and proto_fixtures/<id>/all_rules.json holds
# buf's findings on each fixture with all of them on (tests/matrix.rs compares protoguard with it,
# so a false positive of any rule on any fixture shows). buf v2 refuses the deprecated v1 IDs
# (FIELD_SAME_CTYPE, FIELD_SAME_LABEL...), so the matrix names only current IDs.
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
    echo "$(basename "$d"): buf exited $rc in $1; ${file:-expected.json} left as it was" >&2
    exit 1
  fi
  [ -z "$out" ] || printf '%s\n' "$out" | LC_ALL=C sort
}

# protoguard's own rules (tests/common/fixtures.rs HISTORY_RULES, the GOOGLE_API category,
# and the contract's STABILITY_NO_DEMOTE, src/policy POLICY_RULES): no buf counterpart.
history_rules='^(ENUM_VALUE_NAME_REUSED|ENUM_VALUE_NUMBER_REUSED|FIELD_NAME_REUSED|FIELD_NUMBER_REUSED|GOOGLE_API_.*)$'
policy_rules='^(STABILITY_NO_DEMOTE)$'
all_rules=$(cd "$root/rules" && ls -- *.yaml | sed 's/\.yaml$//' | grep -Ev "$history_rules" | grep -Ev "$policy_rules" | LC_ALL=C sort)
printf '%s\n' "$all_rules" > "$root/proto_fixtures/all_rules.txt"
all_cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[$(printf '%s\n' "$all_rules" | sed 's/.*/"&"/' | paste -sd,)]}}"

# findings_of DIR FILE: buf's findings on fixture DIR under $cfg, written to DIR/FILE.
findings_of() {
  local d=$1 file=$2 found
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
  if [ -n "$found" ]; then printf '%s\n' "$found" > "$d/$file"; else : > "$d/$file"; fi
  echo "$(basename "$d"): $(wc -l < "$d/$file") finding(s) in $file"
}

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
for d in "${dirs[@]}"; do
  d=${d%/}
  # Every fixture is in the matrix, history fixtures too (their sides are ordinary sources).
  cfg=$all_cfg
  findings_of "$d" all_rules.json
  # History fixtures test protoguard's own rules (buf has none): their expectation is
  # written by hand.
  if [ -d "$d/history" ]; then echo "$(basename "$d"): expected.json skipped (history fixture)"; continue; fi
  # GOOGLE_API fixtures test protoguard's own category (buf has no such rules): their
  # expectation is written by protoguard and reviewed by hand.
  case "$(basename "$d")" in google_api_*) echo "$(basename "$d"): expected.json skipped (GOOGLE_API fixture)"; continue;; esac
  id=$(basename "$d" | tr '[:lower:]' '[:upper:]')
  # The contract's own rules (buf has no stability marks): written by hand too.
  if [[ $id =~ $policy_rules ]]; then echo "$(basename "$d"): expected.json skipped (policy fixture)"; continue; fi
  cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[\"$id\"]}}"
  if [ -f "$d/use.txt" ]; then cfg="{\"version\":\"v2\",\"breaking\":{\"use\":[$(sed 's/.*/"&"/' "$d/use.txt" | paste -sd,)]}}"; fi
  findings_of "$d" expected.json
done
