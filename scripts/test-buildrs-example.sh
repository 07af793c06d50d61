#!/usr/bin/env bash
# Builds examples/buildrs-gate the way a user's crate would be built, in a fresh git
# repository of its own with a release tag, and checks that its build.rs gates code
# generation: the release itself builds and runs; a breaking change to proto/ fails
# `cargo build` with protoguard's findings; a compatible change builds again.
#
# Usage: scripts/test-buildrs-example.sh
# Environment: CARGO_TARGET_DIR (default: target/buildrs-example in this repository; the
# first run compiles protoguard and prost-build, minutes).
# Exit status: 0 when every step behaves, 1 when one does not.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$root/target/buildrs-example}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
failed=0
fail() { echo "FAIL: $*" >&2; failed=1; }

cp -r "$root/examples/buildrs-gate" "$work/crate"
cd "$work/crate"
sed -i "s|path = \"../..\"|path = \"$root\"|" Cargo.toml
git init -q -b main .
git -c user.name=t -c user.email=t@example.com commit -q --allow-empty -m init
git add -A
git -c user.name=t -c user.email=t@example.com commit -q -m "v1.0.0"
git tag v1.0.0

echo "1. the release builds and runs"
if cargo build --quiet 2> build.log && cargo run --quiet > run.log 2>> build.log; then
  grep -q 'quantity: 2' run.log || fail "the generated code did not run: $(cat run.log)"
else
  fail "the release did not build: $(tail -20 build.log)"
fi

echo "2. a breaking change (int32 -> int64) fails the build with the finding"
sed -i 's/int32 quantity = 2;/int64 quantity = 2;/' proto/shop/v1/order.proto
if cargo build --quiet 2> build.log; then
  fail "a breaking change built"
else
  grep -q 'FIELD_SAME_TYPE' build.log || fail "the build failed without the finding: $(tail -20 build.log)"
  grep -q 'proto/shop/v1/order.proto:8:3' build.log || fail "the finding is not located: $(grep FIELD build.log)"
fi

echo "3. a compatible change (a new field) builds"
sed -i 's/int64 quantity = 2;/int32 quantity = 2;\n  string note = 3;/' proto/shop/v1/order.proto
cargo build --quiet 2> build.log || fail "a compatible change did not build: $(tail -20 build.log)"

if [ "$failed" = 0 ]; then echo "passed: the build.rs gate works"; else exit 1; fi
