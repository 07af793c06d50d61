#!/usr/bin/env bash
# The long fuzz run: builds the harness in release and runs EXECS executions (default
# 1,000,000) of structure-aware inputs through protoguard's check, semver and prove entry
# points, niced, printing executions per second, crashes, hangs, panics, oracle failures and
# slow inputs as it goes, then a summary with the paths of saved reproducers.
#
#   scripts/fuzz.sh [EXECS] [--seed S] [--workers W] [--timeout-ms T] [--slow-ms M]
#                   [--out DIR] [--skip CLASS,...]
#
# Reproducers go to target/fuzz/{crashes,hangs,panics,failures/CLASS,slow}/SEED-INDEX/
# (the inputs as files, case.txt, reason.txt); replay one with
#   cargo run --release --example fuzz -- --seed S --replay INDEX
# Exit 0 when nothing but slow inputs was found, 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
execs=1000000
if [[ $# -gt 0 && $1 =~ ^[0-9_]+$ ]]; then
  execs=$1
  shift
fi
cargo build --release --example fuzz
exec nice -n 10 target/release/examples/fuzz --execs "$execs" "$@"
