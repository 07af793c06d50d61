#!/usr/bin/env bash
# `protoguard prove` held against a real protobuf runtime: installs Python's `protobuf` (upb)
# and `grpcio-tools` (protoc) from PyPI into a virtual environment under target/, builds
# protoguard, and runs scripts/prove_vs_runtime.py, which replays every counterexample the
# prover prints through the runtime's readers and searches each single-change mutation with
# the runtime itself. Prints the disagreements and the figures; exits 1 on a false alarm or a
# missed problem. Arguments go to the Python script (--only NAME, --cases N, --seed S).
set -euo pipefail
cd "$(dirname "$0")/.."
venv=target/prove-vs-runtime-venv
if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
"$venv/bin/python" -m pip install --quiet --disable-pip-version-check protobuf grpcio-tools
"$venv/bin/python" -c 'import google.protobuf as p, google.protobuf.internal.api_implementation as a; print("runtime: protobuf", p.__version__, "(" + a.Type() + ")")'
cargo build --quiet
# A copy of its own, so that a rebuild (or another run) does not pull the binary from under it.
bin=$(mktemp "$venv/protoguard.XXXXXX")
trap 'rm -f "$bin"' EXIT
cp target/debug/protoguard "$bin"
chmod +x "$bin"
"$venv/bin/python" scripts/prove_vs_runtime.py --protoguard "$bin" "$@"
