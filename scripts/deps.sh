#!/usr/bin/env bash
# Install what building and testing skilld needs on Debian 12, only what is missing.
# Usage: scripts/deps.sh [build|test]   (test adds cmocka, Node for the SDK tests, the
# official JSON-Schema-Test-Suite, which tests/unit/skills/schema_suite.c runs, Chromium,
# which tests/node/browser.mjs drives headless through playwright-core, clang and its libFuzzer
# runtime for the coverage-guided fuzz runs (ctest label fuzz), nginx for the replicas test
# (tests/node/replicas.mjs runs its own nginx process on loopback with its own configuration)
# and wrk for scripts/bench-compare.sh)
set -euo pipefail
what=${1:-build}
pkgs=(build-essential cmake pkg-config libmicrohttpd-dev libcjson-dev libcurl4-openssl-dev
      libssl-dev libpcre2-dev ca-certificates curl)
if [ "$what" = test ]; then
  pkgs+=(libcmocka-dev nodejs npm python3 json-schema-test-suite chromium clang libclang-rt-dev
         nginx wrk)
fi
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
# A machine may carry its own Node on PATH (not from apt); then npm comes with it.
if command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1; then
  tmp=()
  for p in "${missing[@]}"; do [ "$p" = nodejs ] || [ "$p" = npm ] || tmp+=("$p"); done
  missing=("${tmp[@]+"${tmp[@]}"}")
fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "deps: installing ${missing[*]}" >&2
  SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
