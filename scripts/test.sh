#!/usr/bin/env bash
# Set-up command 2: install what is missing, then build and run every test twice:
# a normal build (then the libFuzzer runs and the 60-second soak), then the AddressSanitizer +
# UndefinedBehaviorSanitizer build.
# SKILLD_QUICK=1 skips the sanitizer pass (for local iteration only; CI never sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/deps.sh test
if [ -f tests/node/package-lock.json ]; then
  (cd tests/node && npm ci --no-audit --no-fund --loglevel=error)
fi
jobs=$(nproc)

echo "== build (warnings are errors) =="
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKILLD_WERROR=ON >/dev/null
cmake --build build -j"$jobs"
echo "== tests =="
(cd build && ctest --output-on-failure -j"$jobs" -LE "fuzz|soak")
# Coverage-guided fuzzing: every fuzz target built with clang and libFuzzer (ASan + UBSan) and
# run for 30 s over its corpus (tests/fuzz/CMakeLists.txt); a crash fails CI.
echo "== fuzz (libFuzzer) =="
(cd build && ctest --output-on-failure -j"$jobs" -L fuzz)
# 60 s of steady mixed load: memory and descriptors must stay flat (scripts/soak.sh: 10 min).
echo "== soak =="
(cd build && ctest --output-on-failure -L soak)

if [ "${SKILLD_QUICK:-0}" != 1 ]; then
  echo "== sanitizer build (ASan + UBSan) =="
  cmake -S . -B build-asan -DCMAKE_BUILD_TYPE=Debug -DSKILLD_SANITIZE=ON -DSKILLD_WERROR=ON >/dev/null
  cmake --build build-asan -j"$jobs"
  echo "== tests under sanitizers =="
  (cd build-asan && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
     UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
     ctest --output-on-failure -j"$jobs" -LE "nosan|fuzz|soak")
fi
