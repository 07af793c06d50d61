#!/bin/sh
# Rebuilds old.binpb / new.binpb from src_old/ and src_new/.
set -e
cd "$(dirname "$0")"
WKT=${WKT:-$(python3 -c 'import grpc_tools, os; print(os.path.join(os.path.dirname(grpc_tools.__file__), "_proto"))')}
python3 -m grpc_tools.protoc -I src_old -I"$WKT" --include_imports --include_source_info -o old.binpb src_old/*.proto
python3 -m grpc_tools.protoc -I src_new -I"$WKT" --include_imports --include_source_info -o new.binpb src_new/*.proto
