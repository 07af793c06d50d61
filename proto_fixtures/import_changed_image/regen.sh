#!/bin/sh
# Rebuilds old.binpb / new.binpb from sources_old/ and sources_new/ with buf, targeting only a/x.proto:
# the files of module b are then marked as imports in the images.
set -e
cd "$(dirname "$0")"
command -v buf >/dev/null || PATH="/work/tools/node_modules/.bin:$PATH"
for side in old new; do
  (cd "sources_$side" && buf build -o "../$side.binpb" --path a/x.proto)
done
