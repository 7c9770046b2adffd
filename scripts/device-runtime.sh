#!/usr/bin/env bash
# The runtime's device results (called by scripts/device-check.sh, or alone after a build), into
# results/runtime/ (RES) with provenance:
#   1. cold: `plantune main resnet50 --batch 32` from an empty tactic database (tunes the fused
#      convolutions and the GEMM, builds the schedule, checks the engine against the reference
#      executor, times it); wall time = "from nothing to a tuned, running ResNet-50";
#   2. warm: the same command again (the database now holds everything);
#   3. `plantune run` at batch 32 and 1 with 1, 2 and 4 streams, per-step profile, JSON;
#   4. PyTorch side by side (tools/torch_bench.py: eager, eager as a CUDA graph; torch.compile
#      only with TORCH_COMPILE=1, it takes minutes per batch size).
# Environment: BUILD_DIR (default build-device), OUT (default ./out), COLD_BUDGET_S (tuning
#   budget of the cold run, default 40), TORCH_COMPILE (default 0), ITERATIONS (default 200).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
COLD_BUDGET_S=${COLD_BUDGET_S:-40}
ITERATIONS=${ITERATIONS:-200}
RES=${RES:-results/runtime}
mkdir -p "$RES" "$OUT"
source scripts/provenance.sh
plantune="$PWD/$BUILD_DIR/tools/plantune"
status=0
prov="$RES/provenance.txt"
write_provenance "$prov" "$plantune"
ms_since() { echo $(( ($(date +%s%N) - $1) / 1000000 )); }

db="$RES/tactics-h100.json"
rm -f "$db" "$db.lock"
main=("$plantune" main resnet50 --batch 32 --db "$db" --out "$OUT/main" --budget-seconds "$COLD_BUDGET_S"
      --iterations "$ITERATIONS")
echo "command (cold): ${main[*]}" >>"$prov"
start=$(date +%s%N)
"${main[@]}" >"$RES/main_cold.txt" 2>"$OUT/main_cold.stderr" || status=1
echo "cold main wall time: $(ms_since "$start") ms" | tee -a "$prov"
tail -25 "$RES/main_cold.txt"; tail -5 "$OUT/main_cold.stderr"

echo "command (warm): ${main[*]}" >>"$prov"
start=$(date +%s%N)
"${main[@]}" >"$RES/main_warm.txt" 2>"$OUT/main_warm.stderr" || status=1
echo "warm main wall time: $(ms_since "$start") ms" | tee -a "$prov"
grep -E "ready in|tuning|Latency|Throughput|check" "$RES/main_warm.txt" | head

for b in 32 1; do
  run=("$plantune" run resnet50 --batch "$b" --db "$db" --layouts nhwc --budget-seconds 30 --checks 6 --streams 1,2,4
       --iterations "$ITERATIONS" --profile --json "$RES/run_b$b.json")
  echo "command (run b$b): ${run[*]}" >>"$prov"
  "${run[@]}" >"$RES/run_b$b.txt" 2>"$OUT/run_b$b.stderr" || status=1
  grep -E "ready in|check|== |Latency|Throughput|GPU Compute" "$RES/run_b$b.txt" | head -20
done

if [ -f tools/torch_bench.py ]; then
  tb=(python3 tools/torch_bench.py --batch 1,32 --iterations "$ITERATIONS" --json "$RES/torch.json"
      --export-weights "$OUT/torchvision")
  if [ "${TORCH_COMPILE:-0}" = "1" ]; then tb+=(--compile); else tb+=(--no-compile); fi
  echo "command (torch): ${tb[*]}" >>"$prov"
  "${tb[@]}" >"$RES/torch.txt" 2>"$OUT/torch.stderr" || status=1
  cat "$RES/torch.txt"; tail -3 "$OUT/torch.stderr"
  # The same torchvision weights and input through plantune, against PyTorch's fp32 output.
  tw="$OUT/torchvision"
  if [ -f "$tw/resnet50.weights.index" ]; then
    cmp=("$plantune" run resnet50 --batch 1 --db "$db" --layouts nhwc --weights "$tw/resnet50.weights.index"
         --input "$tw/input.f32.bin" --expect "$tw/output_fp32.f32.bin" --iterations 20)
    echo "command (torchvision weights): ${cmp[*]}" >>"$prov"
    "${cmp[@]}" >"$RES/torchvision_weights_check.txt" 2>"$OUT/torchvision_check.stderr" || status=1
    grep -E "check" "$RES/torchvision_weights_check.txt"
  fi
fi
exit $status
