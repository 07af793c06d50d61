#!/usr/bin/env bash
# The proto3 fixtures rewritten as edition 2023, checked side by side with buf.
#
# Every proto_fixtures/<dir> with old/ and new/ directories (history fixtures aside) is copied
# to a temporary directory, and each of its proto3 files without `optional` becomes an
# edition 2023 file meaning the same: `edition = "2023";`, `option features.field_presence =
# IMPLICIT;` after the package, reserved names written as identifiers, `java_string_check_utf8`
# (not allowed in editions) dropped. The copies then go through `scripts/compare-buf.sh
# fixtures` (same rules as the originals): protoguard (compiling with protoc) and buf must
# report the same findings on all of them. Their findings differ from the originals'
# expected.json where a conversion changes the schema (FILE_SAME_SYNTAX never fires, as both
# sides are converted), so only the two tools are compared.
#
# Usage: scripts/compare-buf-editions.sh [FIXTURE_DIR...]   (default: every fixture)
# Environment: as scripts/compare-buf.sh (BUF, PROTOGUARD...). Exit status: that of compare-buf.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("$root"/proto_fixtures/*/)
python3 - "$work" "${dirs[@]}" <<'PY'
import os, re, shutil, sys

out, dirs = sys.argv[1], sys.argv[2:]
for d in dirs:
    d = d.rstrip("/")
    name = os.path.basename(d)
    if os.path.isdir(os.path.join(d, "history")):
        continue
    if not all(os.path.isdir(os.path.join(d, s)) for s in ("old", "new")):
        continue
    dest = os.path.join(out, name)
    shutil.copytree(d, dest)
    for side in ("old", "new"):
        for top, _, files in os.walk(os.path.join(dest, side)):
            for f in files:
                if not f.endswith(".proto"):
                    continue
                path = os.path.join(top, f)
                text = open(path, encoding="utf-8").read()
                if not re.search(r'^syntax\s*=\s*"proto3";', text, re.M) or re.search(r"\boptional\b", text):
                    continue
                text = re.sub(r'^syntax\s*=\s*"proto3";', 'edition = "2023";', text, count=1, flags=re.M)
                implicit = "option features.field_presence = IMPLICIT;"
                text, n = re.subn(r"^(package [^;]+;)", r"\1\n" + implicit, text, count=1, flags=re.M)
                if n == 0:
                    text = text.replace('edition = "2023";', 'edition = "2023";\n' + implicit, 1)
                text = re.sub(
                    r'reserved\s+((?:"[^"]*"\s*,?\s*)+);',
                    lambda m: "reserved " + ", ".join(re.findall(r'"([^"]*)"', m.group(1))) + ";",
                    text,
                )
                text = re.sub(r"^option java_string_check_utf8 = \w+;\n", "", text, flags=re.M)
                open(path, "w", encoding="utf-8").write(text)
PY
[ -n "$(ls "$work")" ] || { echo "no fixture to convert" >&2; exit 2; }
"$root/scripts/compare-buf.sh" fixtures "$work"/*/
