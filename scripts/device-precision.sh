#!/usr/bin/env bash
# Precision results on the GPU (after a build; scripts/device-check.sh builds):
#   1. `plantune compare resnet50`: every conv layer in fp32/tf32/fp16/bf16/int8 (entropy
#      calibration on separate inputs) against the fp32 reference executor, per-layer table and
#      JSON;
#   2. `plantune tune resnet50 --batch 32 --precision fp16,int8 --layouts nhwc`: int8 convolution
#      tactics timed beside fp16 (and conv1 with C padded 3 -> 8 beside unpadded), per-layer
#      table, report, and the int8 / fp16 and padded / unpadded comparison
#      (tools/tune_report_compare.py);
#   3. provenance (date, commit, GPU, driver, cuDNN, commands).
# Writes results/precision/ and its tarball $OUT/precision.tar.gz.
# Environment: BUILD_DIR (default build-device), OUT (default ./out), COMPARE_BATCH (default 8),
#   TUNE_BUDGET_S (default 240).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
COMPARE_BATCH=${COMPARE_BATCH:-8}
TUNE_BUDGET_S=${TUNE_BUDGET_S:-240}
RES=results/precision
mkdir -p "$RES" "$OUT"
source scripts/provenance.sh
plantune="$BUILD_DIR/tools/plantune"
status=0
prov="$RES/provenance.txt"
write_provenance "$prov" "$plantune"

step() {  # step NAME OUTFILE CMD... : runs CMD, stdout to OUTFILE, records command and time
  local name=$1 outfile=$2
  shift 2
  echo "== $name: $*"
  echo "command ($name): $*" >>"$prov"
  local t0=$(date +%s.%N)
  "$@" >"$outfile" 2>"$outfile.stderr"
  local rc=$?
  local t1=$(date +%s.%N)
  echo "wall ($name): $(awk "BEGIN{print $t1 - $t0}") s, exit $rc" | tee -a "$prov"
  tail -25 "$outfile"
  return $rc
}

step compare "$RES/compare_resnet50_b${COMPARE_BATCH}.txt" "$plantune" compare resnet50 \
  --batch "$COMPARE_BATCH" --json "$RES/compare_resnet50_b${COMPARE_BATCH}.json"
rc=$?
# 3: some layer over its precision's default budget (the table says which): a result, not a failure.
if [ $rc -ne 0 ] && [ $rc -ne 3 ]; then status=1; fi

db="$RES/resnet50_b32_int8_fp16.db.json"
rm -f "$db" "$db.lock"
step tune_int8 "$RES/resnet50_b32_int8_fp16.table.txt" "$plantune" tune resnet50 --batch 32 \
  --precision fp16,int8 --layouts nhwc --db "$db" --budget-seconds "$TUNE_BUDGET_S" \
  --report "$RES/resnet50_b32_int8_fp16.report.json" || status=1
if [ -f "$RES/resnet50_b32_int8_fp16.report.json" ]; then
  python3 tools/tune_report_compare.py variants "$RES/resnet50_b32_int8_fp16.report.json" \
    --base nhwc/fp16 --other nhwc/int8 >"$RES/int8_vs_fp16.md" && tail -3 "$RES/int8_vs_fp16.md"
  grep -E "^conv1 " "$RES/resnet50_b32_int8_fp16.table.txt" >"$RES/conv1_padding.txt"
  cat "$RES/conv1_padding.txt"
fi

tar czf "$OUT/precision.tar.gz" "$RES"
exit $status
