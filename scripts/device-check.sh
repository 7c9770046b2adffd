#!/usr/bin/env bash
# One call on the GPU machine: configure and build (Release) with that machine's paths, run every
# test including the `gpu` label, print `plantune info`, run the short benchmarks, and leave logs
# and result files under $OUT (default: ./out). At most a handful of files, so that they all come
# back: device-check.log (everything), info.json, ctest.xml, results.tar.gz (results/ written here),
# side.tar.gz (the benchmark scripts' own logs and outputs).
#   BUILD_DIR   default build-device
#   SKIP_BENCH  1 to skip the benchmarks (tuner, layouts and runtime)
#   SKIP_TUNER_BENCH, SKIP_RUNTIME, SKIP_PRECISION  1 to skip one of them
#   AGREEMENT   1 to add the tuner's run-to-run agreement (two cold tuning runs, minutes)
#   TEST_REGEX  run only the tests whose names match (ctest -R)
set -uo pipefail
cd "$(dirname "$0")/.."
OUT=${OUT:-$PWD/out}
BUILD_DIR=${BUILD_DIR:-build-device}
mkdir -p "$OUT"
log="$OUT/device-check.log"
: >"$log"
say() { echo "== $*" | tee -a "$log"; }
run() { echo "\$ $*" >>"$log"; "$@" >>"$log" 2>&1; }

say "environment $(date -u +%FT%TZ) commit ${PLANTUNE_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}"
run nvidia-smi --query-gpu=name,driver_version,memory.total,clocks.max.sm --format=csv
run nvcc --version
run cmake --version
ls /usr/include/*/cudnn_version.h /usr/include/cudnn_version.h /usr/local/cuda/include/cudnn_version.h >>"$log" 2>&1

say "configure"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
if ! run cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release ${PLANTUNE_CMAKE_ARGS:-}; then
  say "configure FAILED"; tail -40 "$log"; exit 1
fi
grep -E "cuDNN|CUDA" "$log" | grep -v "^\\$" | tail -5
say "build"
start=$(date +%s)
if ! run cmake --build "$BUILD_DIR" -j "$(nproc)"; then
  say "build FAILED"; grep -E "error|Error" "$log" | head -40; exit 1
fi
say "build took $(( $(date +%s) - start )) s"

say "plantune info"
"$BUILD_DIR/tools/plantune" info | tee -a "$log"
"$BUILD_DIR/tools/plantune" info --json >"$OUT/info.json" 2>>"$log"

say "tests (all labels)"
ctest --test-dir "$BUILD_DIR" -j 4 ${TEST_REGEX:+-R "$TEST_REGEX"} --output-on-failure --timeout 300 --output-junit "$OUT/ctest.xml" \
  >>"$log" 2>&1
test_status=$?
grep -E "tests passed|tests failed|Failed|\*\*\*|Skipped|Not Run" "$log" | tail -30
say "gpu-labelled tests"
ctest --test-dir "$BUILD_DIR" -L gpu -N | tail -1 | tee -a "$log"

bench_status=0
# The benchmark scripts' own logs and outputs go to one folder packed into side.tar.gz at the
# end, so that $OUT keeps the handful of files named at the top (a copy-back may take few files).
side="$OUT/side"
mkdir -p "$side"
if [ "${SKIP_BENCH:-0}" != "1" ]; then
  say "benchmarks"
  if [ "${SKIP_TUNER_BENCH:-0}" != "1" ]; then
    BUILD_DIR="$BUILD_DIR" OUT="$side" bash scripts/device-bench.sh >>"$log" 2>&1 || bench_status=$?
  fi
  if [ "${SKIP_TUNER_BENCH:-0}" != "1" ] && [ -x scripts/bench-layouts.sh ]; then
    BUILD_DIR="$BUILD_DIR" BENCH_MIN_TIME=${BENCH_MIN_TIME:-0.05s} bash scripts/bench-layouts.sh \
      >>"$log" 2>&1 || bench_status=$?
  fi
  if [ "${SKIP_RUNTIME:-0}" != "1" ]; then
    say "runtime"
    BUILD_DIR="$BUILD_DIR" OUT="$side" bash scripts/device-runtime.sh >>"$log" 2>&1 || bench_status=$?
  fi
  if [ "${SKIP_PRECISION:-0}" != "1" ]; then
    say "precision"
    BUILD_DIR="$BUILD_DIR" OUT="$side" bash scripts/device-precision.sh >>"$log" 2>&1 || bench_status=$?
  fi
  if [ "${AGREEMENT:-0}" = "1" ]; then
    say "tuner agreement"
    BUILD_DIR="$BUILD_DIR" OUT="$side" bash scripts/device-agreement.sh >>"$log" 2>&1 || bench_status=$?
  fi
  say "benchmarks exit $bench_status"
fi

if [ -d results ]; then
  tar czf "$OUT/results.tar.gz" results 2>>"$log"
fi
# (not the exported torchvision weights: about 100 MB, over what comes back)
tar czf "$OUT/side.tar.gz" -C "$OUT" --exclude=side/torchvision side 2>>"$log" && rm -rf "$side"
say "done: tests exit $test_status, benchmarks exit $bench_status"
exit $(( test_status != 0 || bench_status != 0 ))
