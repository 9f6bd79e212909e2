#!/usr/bin/env bash
# Benchmarks. Numbers only; nothing is asserted.
#  1. skilld-bench: in-process routing throughput and per-query p50/p99 over a JSONL query
#     file, and the resident memory of that process with the knowledge loaded.
#  1b. skilld-schema-bench: sk_schema_validate on a catalogue-sized tool schema, per call.
#  2. The server: starts `skilld serve` (simulator backend) on a free loopback port, sends every
#     query through POST /api/route once, and prints its resident memory (VmRSS, VmHWM).
# Usage: scripts/bench.sh [QUERIES_JSONL [ROUNDS]]
set -euo pipefail
cd "$(dirname "$0")/.."
queries=${1:-../shared/eval/routing-dev.jsonl}
rounds=${2:-20}
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSKILLD_TESTS=ON >/dev/null
cmake --build build-bench --target skilld-bench skilld-schema-bench skilld -j"$(nproc)" >/dev/null

echo "== in-process routing =="
build-bench/tests/bench/skilld-bench "$queries" "$rounds"

echo "== JSON Schema validation (one tool call's arguments) =="
build-bench/tests/bench/skilld-schema-bench

echo "== skilld serve =="
log=$(mktemp)
build-bench/skilld serve --listen 127.0.0.1:0 --log-level warn 2>"$log" &
pid=$!
trap 'kill $pid 2>/dev/null; rm -f "$log"' EXIT
port=""
for _ in $(seq 1 100); do
  port=$(sed -n 's/.*listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$log" | head -n1)
  [ -n "$port" ] && break
  sleep 0.05
done
[ -n "$port" ] || { echo "server did not start"; cat "$log"; exit 1; }
rss() { awk -v k="$1" '$1 == k":" {print $2 " kB"}' /proc/$pid/status; }
echo "resident after start:            $(rss VmRSS)"
n=0
start=$(date +%s%N)
while IFS= read -r line; do
  q=$(printf '%s' "$line" | sed -n 's/.*"query": *\("\([^"\\]\|\\.\)*"\).*/\1/p')
  [ -n "$q" ] || continue
  curl -s -o /dev/null -H 'Content-Type: application/json' \
       --data-binary "{\"query\": $q}" "http://127.0.0.1:$port/api/route"
  n=$((n + 1))
done < "$queries"
end=$(date +%s%N)
echo "requests:                        $n (sequential curl, $(( (end - start) / 1000000 )) ms in all, process start included)"
echo "resident after the requests:     $(rss VmRSS)"

# 3. HTTP throughput under concurrent load, when wrk is installed (apt-get install wrk): one
#    routed question per request, keep-alive connections, loopback only, 10 seconds.
if command -v wrk >/dev/null 2>&1; then
  lua=$(mktemp --suffix=.lua)
  cat > "$lua" <<'LUA'
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"how do I attach a second ENI to my instance in the same zone?"}'
LUA
  echo "== wrk: POST /api/route, 4 connections, 2 threads, 10 s =="
  wrk -t2 -c4 -d10s -s "$lua" --latency "http://127.0.0.1:$port/api/route" | sed -n '/Latency Distribution/,$p'
  rm -f "$lua"
else
  echo "(wrk not installed: HTTP load figures skipped; apt-get install wrk)"
fi
echo "peak resident (VmHWM):           $(rss VmHWM)"
