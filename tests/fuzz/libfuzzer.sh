#!/usr/bin/env bash
# The coverage-guided fuzz runs that ctest's `fuzz` label makes (tests/fuzz/CMakeLists.txt).
#   libfuzzer.sh build SOURCE_DIR OUT_DIR TARGET...   configure and build the targets with clang
#                                                     (-fsanitize=fuzzer,address,undefined)
#   libfuzzer.sh run SOURCE_DIR OUT_DIR TARGET SECONDS run one target for SECONDS over its corpus
# Exits 77 (ctest: skipped) when clang or its libFuzzer runtime is missing (scripts/deps.sh test
# installs clang and libclang-rt-dev). A run writes the inputs it found interesting to
# OUT_DIR/TARGET/new/ (never into the source tree) and any crashing input to
# OUT_DIR/TARGET/crash-*; it fails on a crash, a leak, a timeout or an out-of-memory input.
set -uo pipefail
mode=${1:?usage: libfuzzer.sh build|run SOURCE_DIR OUT_DIR ...}
src=${2:?source dir}
out=${3:?output dir}
shift 3

cc=""
for c in clang clang-16 clang-15 clang-14; do
  if command -v "$c" >/dev/null 2>&1; then cc=$(command -v "$c"); break; fi
done

case "$mode" in
build)
  if [ -z "$cc" ]; then
    echo "skipped: no clang on PATH (scripts/deps.sh test installs clang and libclang-rt-dev)"
    exit 77
  fi
  probe=$(mktemp -d)
  printf 'int LLVMFuzzerTestOneInput(const unsigned char *d, unsigned long n) { (void)d; (void)n; return 0; }\n' >"$probe/p.c"
  if ! "$cc" -fsanitize=fuzzer,address "$probe/p.c" -o "$probe/p" 2>"$probe/err"; then
    echo "skipped: $cc cannot link libFuzzer ($(head -n1 "$probe/err")); install libclang-rt-dev"
    rm -rf "$probe"
    exit 77
  fi
  rm -rf "$probe"
  mkdir -p "$out"
  # Warnings are the gcc -Werror build's gate; this tree only has to build and run.
  echo "== configuring $out with $cc (libFuzzer, ASan, UBSan)"
  CC="$cc" cmake -S "$src" -B "$out/build" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSKILLD_FUZZ=ON \
    -DSKILLD_SANITIZE=ON -DSKILLD_WERROR=OFF >"$out/configure.log" 2>&1 || { cat "$out/configure.log"; exit 1; }
  targets=()
  for t in "$@"; do targets+=(--target "fuzz-$t"); done
  echo "== building ${*}"
  cmake --build "$out/build" -j"$(nproc)" "${targets[@]}" >"$out/build.log" 2>&1 || {
    tail -n 60 "$out/build.log"; exit 1; }
  echo "built ${#} libFuzzer targets in $out/build/tests/fuzz"
  ;;
run)
  t=${1:?target}
  secs=${2:-30}
  bin="$out/build/tests/fuzz/fuzz-$t"
  if [ ! -x "$bin" ]; then
    [ -z "$cc" ] && { echo "skipped: no clang on PATH"; exit 77; }
    echo "fuzz-$t was not built (see fuzz.libfuzzer.build)"; exit 1
  fi
  work="$out/$t"
  rm -rf "$work/new"
  mkdir -p "$work/new"
  # Each input gets 20 s and 2 GiB; leaks are errors (LSan); UBSan findings abort.
  export ASAN_OPTIONS=detect_leaks=1:abort_on_error=1:allocator_may_return_null=1
  export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
  "$bin" -max_total_time="$secs" -timeout=20 -rss_limit_mb=2048 -max_len=131072 \
    -print_final_stats=1 -artifact_prefix="$work/" "$work/new" "$src/tests/fuzz/corpus/$t" \
    >"$work/log" 2>&1
  rc=$?
  grep -E '^(#[0-9]+.*DONE|stat::number_of_executed_units|stat::new_units_added|stat::peak_rss_mb|INFO: seed corpus)' "$work/log" || true
  if [ $rc -ne 0 ]; then
    tail -n 80 "$work/log"
    for a in "$work"/crash-* "$work"/leak-* "$work"/timeout-* "$work"/oom-*; do
      [ -e "$a" ] || continue
      echo "failing input: $a"
      echo "  reproduce: $bin $a"
      echo "  after the fix keep it: cp $a $src/tests/fuzz/corpus/$t/regress-$(basename "$a" | cut -c1-20)"
    done
    exit 1
  fi
  echo "fuzz-$t: ${secs}s, no crash ($(ls "$work/new" | wc -l) new inputs in $work/new)"
  ;;
*)
  echo "unknown mode $mode"; exit 2 ;;
esac
