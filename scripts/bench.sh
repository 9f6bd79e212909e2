#!/usr/bin/env bash
# Routing benchmark: builds skilld-bench (release flags) and prints in-process throughput,
# per-query p50/p99 over the dev queries and the resident memory with the knowledge loaded.
# Usage: scripts/bench.sh [DEV_JSONL [ROUNDS]]. Numbers only; nothing is asserted.
set -euo pipefail
cd "$(dirname "$0")/.."
dev=${1:-../shared/eval/routing-dev.jsonl}
rounds=${2:-20}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build-bench --target skilld-bench -j2 >/dev/null
build-bench/tests/bench/skilld-bench "$dev" "$rounds"
