#!/usr/bin/env bash
# Set-up command 1: install what is missing, build, and start skilld on 127.0.0.1:8080
# with the embedded ECS simulator as backend. Extra arguments go to `skilld serve`.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh build
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release -DSKILLD_TESTS=OFF >/dev/null
cmake --build build -j"$(nproc)" --target skilld >/dev/null
exec build/skilld serve "$@"
