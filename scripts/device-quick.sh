#!/usr/bin/env bash
# A short GPU check for a small device-time budget: builds only the targets it needs, runs
# `plantune compare resnet50`, the GPU tests of the per-layer comparison, the int8 tactics, the
# tuner (threaded plan preparation, staged search), the transform kernels and timing, then an
# fp16 + int8 tuning of ResNet-50 (batch 32, NHWC) and the transform bandwidth, each
# step's output written as it finishes (so a cut-off run still returns what it did): under $OUT
# quick.log, tests.txt, compare_resnet50.txt, tune_int8.txt, layouts_bench.txt and all.tar.gz
# (JSON, databases, stderr and provenance, from results/quick/).
#   BUILD_DIR (default build-device), OUT (default ./out), TUNE_BUDGET_S (default 60),
#   COMPARE_BATCH (default 4)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
W=results/quick
mkdir -p "$OUT" "$W"
source scripts/provenance.sh
pack() { tar czf "$OUT/all.tar.gz" "$W" 2>/dev/null; }
log="$OUT/quick.log"
: >"$log"
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
t0=$(date +%s)
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >>"$log" 2>&1 || { echo "configure failed"; tail -30 "$log"; exit 1; }
cmake --build "$BUILD_DIR" -j "$(nproc)" --target plantune layer_compare_test legacy_source_test \
  conv_workload_test tuner_test graph_source_test transform_test transform_timing_test \
  layouts_bench >>"$log" 2>&1 || { echo "build failed"; grep -E "error" "$log" | head -30; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s" | tee -a "$log"
write_provenance "$W/provenance.txt" "$BUILD_DIR/tools/plantune"
"$BUILD_DIR/tools/plantune" compare resnet50 --batch "${COMPARE_BATCH:-4}" \
  --json "$W/compare_resnet50.json" >"$OUT/compare_resnet50.txt" 2>"$W/compare_resnet50.stderr"
echo "compare: exit $?" | tee -a "$log"
cp "$OUT/compare_resnet50.txt" "$W/"; pack
for t in runtime/layer_compare_test tuner/legacy_source_test tuner/conv_workload_test \
         tuner/graph_source_test layouts/transform_test layouts/transform_timing_test tuner/tuner_test; do
  echo "== $t" >>"$OUT/tests.txt"
  timeout 120 "$BUILD_DIR/tests/$t" --gtest_brief=1 >>"$OUT/tests.txt" 2>&1
  echo "$t: exit $?" | tee -a "$log"
done
"$BUILD_DIR/tools/plantune" tune resnet50 --batch 32 --precision fp16,int8 --layouts nhwc \
  --db "$W/resnet50_b32_int8.db.json" --budget-seconds "${TUNE_BUDGET_S:-60}" \
  --report "$W/resnet50_b32_int8.report.json" >"$OUT/tune_int8.txt" 2>"$W/tune_int8.stderr"
echo "tune: exit $?" | tee -a "$log"
cp "$OUT/tune_int8.txt" "$W/"; pack
"$BUILD_DIR/benchmarks/layouts_bench" --benchmark_filter='cudaMemcpy|plantune/' --benchmark_repetitions=3 \
  --benchmark_report_aggregates_only=true --benchmark_min_time=0.05s \
  --benchmark_out="$W/layouts_bench.json" --benchmark_out_format=json >"$OUT/layouts_bench.txt" 2>&1
echo "layouts bench: exit $?" | tee -a "$log"
cp "$OUT/tests.txt" "$OUT/layouts_bench.txt" "$W/"; pack
