#!/usr/bin/env bash
# Run-to-run agreement of the tuner on the GPU (after a build): two independent cold tuning runs
# of ResNet-50's convolutions (fresh databases, fresh random data), then per (layer, variant)
# the two winners' medians and the share within 3% (tools/tune_report_compare.py agreement).
# Writes results/tuner/agreement/ and copies agreement.md to $OUT.
# Environment: BUILD_DIR (default build-device), OUT (default ./out), AGREE_BATCH (default 32),
#   AGREE_PRECISION (default fp16), AGREE_LAYOUTS (default nhwc), TUNE_BUDGET_S (default 150),
#   AGREE_FIRST_REPORT (a report of an earlier, independent run of the same problems to use as
#   run 1, e.g. the fp16 rows of scripts/device-precision.sh's fp16+int8 run: one run fewer).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
B=${AGREE_BATCH:-32}
PR=${AGREE_PRECISION:-fp16}
L=${AGREE_LAYOUTS:-nhwc}
TUNE_BUDGET_S=${TUNE_BUDGET_S:-150}
RES=results/tuner/agreement
mkdir -p "$RES" "$OUT"
source scripts/provenance.sh
plantune="$BUILD_DIR/tools/plantune"
status=0
write_provenance "$RES/provenance.txt" "$plantune"
runs="1 2"
if [ -n "${AGREE_FIRST_REPORT:-}" ]; then
  cp "$AGREE_FIRST_REPORT" "$RES/run1.report.json"
  echo "run 1: $AGREE_FIRST_REPORT (an earlier run)" >>"$RES/provenance.txt"
  runs=2
fi
for run in $runs; do
  db="$RES/run$run.db.json"
  rm -f "$db" "$db.lock"
  cmd=("$plantune" tune resnet50 --batch "$B" --precision "$PR" --layouts "$L" --db "$db"
       --budget-seconds "$TUNE_BUDGET_S" --report "$RES/run$run.report.json")
  echo "command (run $run): ${cmd[*]}" >>"$RES/provenance.txt"
  t0=$(date +%s.%N)
  "${cmd[@]}" >"$RES/run$run.table.txt" 2>"$RES/run$run.stderr" || status=1
  echo "wall (run $run): $(awk "BEGIN{print $(date +%s.%N) - $t0}") s" | tee -a "$RES/provenance.txt"
done
python3 tools/tune_report_compare.py agreement "$RES/run1.report.json" "$RES/run2.report.json" \
  >"$RES/agreement.md" || status=1
tail -1 "$RES/agreement.md"
cp "$RES/agreement.md" "$OUT"/ 2>/dev/null
exit $status
