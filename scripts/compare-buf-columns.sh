#!/usr/bin/env bash
# Columns under stress: copies every source fixture of proto_fixtures/ (not images, not
# history fixtures), re-indents both sides with tabs and puts a comment holding tabs, a CJK
# character and an emoji before the first token of about a third of the lines (the same
# lines on both sides), then runs scripts/compare-buf.sh fixtures on the copies: buf and
# protoguard must agree on every finding, columns included.
#
# Usage: scripts/compare-buf-columns.sh [FIXTURE_DIR...]
# Environment: as scripts/compare-buf.sh (BUF, PROTOGUARD...). Exit status: compare-buf.sh's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
for d in "${dirs[@]}"; do
  d=${d%/}
  [ -d "$d/new" ] && [ ! -d "$d/history" ] || continue
  cp -r "$d" "$work/"
done
python3 - "$work" <<'PY'
import pathlib, random, re, sys
for p in sorted(pathlib.Path(sys.argv[1]).glob("*/*/**/*.proto")):
    side_relative = "/".join(p.parts[-(len(p.parts) - len(pathlib.Path(sys.argv[1]).parts) - 2):])
    rng = random.Random(p.parts[len(pathlib.Path(sys.argv[1]).parts)] + "/" + side_relative)
    out = []
    for line in p.read_text(encoding="utf-8").split("\n"):
        indent = len(line) - len(line.lstrip(" "))
        line = "\t" * (indent // 2) + " " * (indent % 2) + line[indent:]
        body = line.lstrip()
        # (not before a byte-order mark: it is one only at the very start)
        if body and not body.startswith(("//", "\ufeff")) and rng.random() < 0.3:
            at = len(line) - len(body)
            line = line[:at] + "/*中😀\t*/\t" + line[at:]
        out.append(line)
    p.write_text("\n".join(out), encoding="utf-8")
PY
"$root/scripts/compare-buf.sh" fixtures "$work"/*/
