#!/usr/bin/env bash
# Rebuilds old.binpb / new.binpb from src_old/ and src_new/ (editions sources need protoc >= 27).
set -euo pipefail
cd "$(dirname "$0")"
WKT=${WKT:-/root/.pyenv/versions/3.11.7/lib/python3.11/site-packages/grpc_tools/_proto}
python3 -m grpc_tools.protoc -I src_old -I"$WKT" --include_imports --include_source_info -o old.binpb src_old/*.proto
python3 -m grpc_tools.protoc -I src_new -I"$WKT" --include_imports --include_source_info -o new.binpb src_new/*.proto
