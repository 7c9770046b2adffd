#!/usr/bin/env bash
# Layout transform and precision cast bandwidth on the GPU: runs benchmarks/layouts_bench and
# writes Google Benchmark JSON to results/layouts/bench.json (the device, its cuDNN/CUDA
# versions and the measured cudaMemcpy bandwidth are in its "context"; the commit and the
# command are added here). Needs a CUDA device and a build with benchmarks on.
#   BUILD_DIR       build folder (default: build-device, as scripts/device-check.sh)
#   BENCH_MIN_TIME  minimum time per benchmark repetition (default: 0.2s)
#   extra arguments go to the benchmark, e.g. --benchmark_filter=plantune/
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
BENCH_MIN_TIME=${BENCH_MIN_TIME:-0.2s}
exe="$BUILD_DIR/benchmarks/layouts_bench"
if [ ! -x "$exe" ]; then
  echo "bench-layouts: $exe is not built (configure with -DPLANTUNE_BUILD_BENCHMARKS=ON," \
       "then cmake --build $BUILD_DIR --target layouts_bench)" >&2
  exit 1
fi
mkdir -p results/layouts
commit=${PLANTUNE_COMMIT:-$(git rev-parse --short HEAD 2>/dev/null || echo unknown)}
"$exe" --benchmark_out=results/layouts/bench.json --benchmark_out_format=json \
  --benchmark_repetitions=5 --benchmark_report_aggregates_only=true \
  --benchmark_min_time="$BENCH_MIN_TIME" \
  --benchmark_context="commit=$commit,command=scripts/bench-layouts.sh" "$@"
echo "bench-layouts: wrote results/layouts/bench.json"
