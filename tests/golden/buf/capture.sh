#!/usr/bin/env bash
# Re-captures buf's own output for the parity tests in tests/formats.rs:
#   tests/golden/buf/<case>.<format>  for format in json github-actions msvs junit gitlab-code-quality
# The cases are built in a temporary directory (their paths hold characters that do not belong
# in a repository). Needs buf (npm install @bufbuild/buf); BUF=path/to/buf overrides.
# These files were captured with buf 1.75.0.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
buf="${BUF:-$(command -v buf || echo /work/tools/node_modules/.bin/buf)}"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

write() { mkdir -p "$(dirname "$1")"; cat > "$1"; }

# basic: one file, a deleted message and two retyped fields.
write "$tmp/basic/old/a.proto" <<'P'
syntax = "proto3";
package a;
message M {
  int32 f = 1;
  string g = 2;
}
message N {
  int32 x = 1;
}
P
write "$tmp/basic/new/a.proto" <<'P'
syntax = "proto3";
package a;
message M {
  int64 f = 1;
  bytes g = 2;
}
P

# multi: findings with no file (a deleted file and its package), two files, and a path
# holding the characters a workflow command must escape.
write "$tmp/multi/old/a.proto" <<'P'
syntax = "proto3";
package a;
message M {
  int32 f = 1;
}
P
write "$tmp/multi/new/a.proto" <<'P'
syntax = "proto3";
package a;
message M {
  int64 f = 1;
}
P
write "$tmp/multi/old/b.proto" <<'P'
syntax = "proto3";
package b;
message B {}
P
write "$tmp/multi/old/d,x/c%:.proto" <<'P'
syntax = "proto3";
package c;
message C { int32 z = 1; }
P
write "$tmp/multi/new/d,x/c%:.proto" <<'P'
syntax = "proto3";
package c;
message C { string z = 1; }
P

# xmlchars: a path holding XML and HTML markup characters and a non-ASCII letter.
d="q<&>'\"é"
write "$tmp/xmlchars/old/$d/c.proto" <<'P'
syntax = "proto3";
package c;
message C { int32 z = 1; }
P
write "$tmp/xmlchars/new/$d/c.proto" <<'P'
syntax = "proto3";
package c;
message C { string z = 1; }
P

config='{"version":"v2","breaking":{"use":["FILE","PACKAGE"]}}'
for case in basic multi xmlchars; do
  for format in json github-actions msvs junit gitlab-code-quality; do
    (cd "$tmp/$case/new" && "$buf" breaking . --against ../old --config "$config" --error-format "$format" \
      > "$here/$case.$format") || [ $? -eq 100 ]
  done
done
"$buf" --version
