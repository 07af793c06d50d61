#!/usr/bin/env bash
# The worked example of the compatibility contract (examples/contract/): builds a git
# repository whose release tags are the directories v1.0.0, v1.1.0 and v1.2.0, puts next/ in
# its work tree, and checks it against the latest release under next/protoguard.yaml
# (`deprecation: {releases: 2}`):
#   - Order.legacy_code, deprecated since v1.1.0 (two releases) and reserved: allowed;
#   - Order.note, deprecated in v1.2.0 only: breaking, "removable after 1 more release".
# So the run exits 1. Usage: scripts/contract-example.sh [PROTOGUARD_BINARY]
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
example="$here/examples/contract"
bin=${1:-}
if [ -n "$bin" ]; then
  bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
fi
if [ -z "$bin" ]; then
  cargo build --quiet --manifest-path "$here/Cargo.toml"
  bin="${CARGO_TARGET_DIR:-$here/target}/debug/protoguard"
fi

repo=$(mktemp -d)
trap 'rm -rf "$repo"' EXIT
export GIT_AUTHOR_NAME=example GIT_AUTHOR_EMAIL=example@example.com
export GIT_COMMITTER_NAME=example GIT_COMMITTER_EMAIL=example@example.com
git -C "$repo" init --quiet --initial-branch=main

day=0
for release in v1.0.0 v1.1.0 v1.2.0; do
  # Each release is the directory's contents, and nothing else.
  find "$repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
  cp -R "$example/$release/." "$repo/"
  # One release a month, at fixed dates, so that runs are reproducible.
  date="2026-0$((1 + day))-01T12:00:00Z"
  GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git -C "$repo" add -A
  GIT_AUTHOR_DATE=$date GIT_COMMITTER_DATE=$date git -C "$repo" commit --quiet -m "$release"
  git -C "$repo" tag "$release"
  day=$((day + 1))
done
find "$repo" -mindepth 1 -maxdepth 1 ! -name .git -exec rm -rf {} +
# The work tree: next/, its protoguard.yaml included.
cp -R "$example/next/." "$repo/"

echo "\$ protoguard check . --against latest-release   (in a repository tagged v1.0.0, v1.1.0, v1.2.0)"
status=0
(cd "$repo" && "$bin" check . --against latest-release) || status=$?
echo "exit $status"
exit "$status"
