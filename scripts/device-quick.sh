#!/usr/bin/env bash
# A short GPU check for a small device-time budget: builds only the targets it needs and runs
# the steps named in STEPS, in order, each step's output written as it finishes (so a cut-off
# run still returns what it did). Steps:
#   tests     the GPU tests in TESTS (default: the transforms, the timing routine, the
#             per-layer comparison, the tuner's staged search, threaded preparation, bounded
#             candidates and injected wrong tactics) (tests.txt)
#   layer     one ResNet-50 convolution (128x28x28->128 3x3, batch 32, fp16, NHWC) tuned twice,
#             with 6 runtime-compiled plans per variant and with none (layer_rc*.txt)
#   staged    ResNet-50 batch 32 fp16, both layouts, staged search: each variant's log line
#             says where its time went (tune_staged.txt)
#   bench     the transform bandwidth benchmark (layouts_bench.txt; BENCH_FILTER, default
#             every plantune transform and the copy)
#   compare   `plantune compare resnet50` (compare_resnet50.txt)
#   int8      an fp16 + int8 tuning of ResNet-50 (batch 32, NHWC) (tune_int8.txt)
#   models    the other built-in models (MODELS, default resnet18 vgg19 mobilenet_v2 unet) at
#             batches 32 and 1, fp32, tf32 and fp16, both layouts, one database per model
#             (models.txt; tables and databases in results/quick/models/)
# Under $OUT: quick.log, the files above and all.tar.gz (JSON, databases, reports, stderr and
# provenance, from results/quick/).
#   BUILD_DIR (default build-device), OUT (default ./out), STEPS (default
#   "tests bench staged"), TESTS (paths under BUILD_DIR/tests, each with an optional
#   @gtest-filter), TUNE_BUDGET_S (int8 step, default 60), COMPARE_BATCH (default 4)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
STEPS=${STEPS:-"tests bench staged"}
TESTS=${TESTS:-"layouts/transform_test tuner/measure_test runtime/layer_compare_test
  tuner/tuner_test@*Staged*:*Threads*:*Bounded*:*Injected*"}
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
  measure_test reference_test error_metrics_device_test conv_workload_test tuner_test \
  graph_source_test transform_test transform_timing_test layouts_bench >>"$log" 2>&1 ||
  { echo "build failed"; grep -E "error" "$log" | head -30; exit 1; }
echo "build: $(( $(date +%s) - t0 )) s" | tee -a "$log"
exe="$BUILD_DIR/tools/plantune"
write_provenance "$W/provenance.txt" "$exe"

for step in $STEPS; do
  ts=$(date +%s.%N)
  case $step in
    tests)
      for t in $TESTS; do
        filter=('--gtest_filter=*')
        if [[ $t == *@* ]]; then filter=("--gtest_filter=${t#*@}"); fi
        echo "== $t" >>"$OUT/tests.txt"
        timeout 150 "$BUILD_DIR/tests/${t%%@*}" --gtest_brief=1 "${filter[@]}" \
          >>"$OUT/tests.txt" 2>&1
        echo "$t: exit $?" | tee -a "$log"
      done
      cp "$OUT/tests.txt" "$W/" ;;
    layer)
      for rc in 6 0; do
        rm -f "$W/layer_rc$rc.db.json"
        "$exe" tune scripts/networks/resnet50_c128_28x28_3x3_b32.json --precision fp16 \
          --layouts nhwc --keep-candidates all --max-runtime-compiled $rc \
          --db "$W/layer_rc$rc.db.json" --report "$W/layer_rc$rc.report.json" \
          >"$OUT/layer_rc$rc.txt" 2>&1
        echo "layer (--max-runtime-compiled $rc): exit $?, $(since "$ts") s" | tee -a "$log"
        grep -o "s: enumerate.*" "$OUT/layer_rc$rc.txt" | tee -a "$log"
        cp "$OUT/layer_rc$rc.txt" "$W/"
        ts=$(date +%s.%N)
      done ;;
    staged)
      rm -f "$W/staged.db.json"
      timeout 300 "$exe" tune resnet50 --batch 32 --precision fp16 --layouts nchw,nhwc \
        --search staged --db "$W/staged.db.json" --report "$W/staged.report.json" \
        >"$OUT/tune_staged.txt" 2>"$OUT/tune_staged.stderr"
      echo "staged: exit $?, $(since "$ts") s" | tee -a "$log"
      tail -4 "$OUT/tune_staged.txt" >>"$log"
      cp "$OUT/tune_staged.txt" "$OUT/tune_staged.stderr" "$W/" ;;
    bench)
      timeout 200 "$BUILD_DIR/benchmarks/layouts_bench" \
        --benchmark_filter="${BENCH_FILTER:-cudaMemcpy|plantune/}" \
        --benchmark_repetitions=3 --benchmark_report_aggregates_only=true \
        --benchmark_min_time=0.05s --benchmark_out="$W/layouts_bench.json" \
        --benchmark_out_format=json >"$OUT/layouts_bench.txt" 2>&1
      echo "layouts bench: exit $?, $(since "$ts") s" | tee -a "$log"
      cp "$OUT/layouts_bench.txt" "$W/" ;;
    compare)
      "$exe" compare resnet50 --batch "${COMPARE_BATCH:-4}" --json "$W/compare_resnet50.json" \
        >"$OUT/compare_resnet50.txt" 2>"$W/compare_resnet50.stderr"
      echo "compare: exit $?, $(since "$ts") s" | tee -a "$log"
      cp "$OUT/compare_resnet50.txt" "$W/" ;;
    int8)
      "$exe" tune resnet50 --batch 32 --precision fp16,int8 --layouts nhwc \
        --db "$W/resnet50_b32_int8.db.json" --budget-seconds "${TUNE_BUDGET_S:-60}" \
        --report "$W/resnet50_b32_int8.report.json" >"$OUT/tune_int8.txt" 2>"$W/tune_int8.stderr"
      echo "int8: exit $?, $(since "$ts") s" | tee -a "$log"
      cp "$OUT/tune_int8.txt" "$W/" ;;
    models)
      mkdir -p "$W/models"
      for m in ${MODELS:-resnet18 vgg19 mobilenet_v2 unet}; do
        for b in 32 1; do
          timeout 300 "$exe" tune "$m" --batch $b --precision fp32,tf32,fp16 --layouts nchw,nhwc \
            --db "$W/models/$m.db.json" --report "$W/models/${m}_b$b.report.json" \
            >"$W/models/${m}_b$b.table.txt" 2>"$W/models/${m}_b$b.log"
          rc=$?
          echo "models $m batch $b: exit $rc, $(since "$ts") s;" \
            "$(tail -1 "$W/models/${m}_b$b.table.txt")" | tee -a "$log" "$OUT/models.txt"
          pack
        done
      done ;;
    *) echo "unknown step '$step' (tests layer staged bench compare int8 models)" | tee -a "$log" ;;
  esac
  pack
done
