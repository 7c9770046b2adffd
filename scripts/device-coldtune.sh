#!/usr/bin/env bash
# Cold tuning time of ResNet-50 on the GPU: what parallel plan preparation and the staged knob
# search change, measured in one run on one machine. Each step tunes into a fresh database
# (a cold run) and keeps its table, report and database under results/coldtune/:
#   b32_fp16_serial   batch 32, fp16, NCHW+NHWC, full search, --prepare-threads 1
#   b32_fp16_full     the same, plan preparation on the default threads
#   b32_fp16_staged   the same, --search staged (the default)
#   b32_fp16_batchspin  the staged one with the spin kernel covering whole batches (--spin
#                     batch, the protocol before the adaptive spin): compare its time and winners
#   b32_fp16_staged_rc  the same, also 6 runtime-compiled plans per variant
#   all_staged        batches 32 and 1, fp16 and tf32, NCHW+NHWC, staged (issue target: <= 60 s)
#   then the same database again: a warm run times nothing
#   all_staged2       all_staged again, cold, and the two runs' agreement (after all_staged)
#   all_prev          all_staged with the timing protocol before the current defaults
#                     (--round-warmup-ms 0.5 --final-max-runs 200 --first-round-runs 5
#                     --spin-margin 1.5), and its agreement with all_staged (after all_staged)
#   fp32_staged       batches 32 and 1, fp32, NCHW+NHWC, staged (the fp32 tables)
# A summary (seconds, timed runs, geomean winner time vs BASE's) goes to summary.txt.
#   BUILD_DIR (default build-device), OUT (default ./out), STEPS (default all of the above),
#   BASE (the step the summary compares winners with, default b32_fp16_full)
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
W=results/coldtune
STEPS=${STEPS:-"b32_fp16_serial b32_fp16_full b32_fp16_staged b32_fp16_batchspin
  b32_fp16_staged_rc all_staged all_staged2 all_prev fp32_staged"}
mkdir -p "$OUT" "$W"
source scripts/provenance.sh
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
log="$OUT/coldtune.log"
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release >>"$log" 2>&1 &&
  cmake --build "$BUILD_DIR" -j "$(nproc)" --target plantune >>"$log" 2>&1 ||
  { echo "build failed"; tail -30 "$log"; exit 1; }
exe="$BUILD_DIR/tools/plantune"
write_provenance "$W/provenance.txt" "$exe"
tune() {  # name, then plantune tune arguments
  local name=$1; shift
  rm -f "$W/$name.db.json"
  local t0; t0=$(date +%s.%N)
  "$exe" tune resnet50 --db "$W/$name.db.json" --report "$W/$name.report.json" "$@" \
    >"$W/$name.table.txt" 2>"$W/$name.stderr"
  local rc=$?
  echo "$name: exit $rc, $(since "$t0") s wall: plantune tune resnet50 $*" | tee -a "$log"
  tail -3 "$W/$name.table.txt" >>"$log"
}
for s in $STEPS; do
  case $s in
    b32_fp16_serial)
      tune "$s" --batch 32 --precision fp16 --layouts nchw,nhwc --search full --prepare-threads 1 ;;
    b32_fp16_full) tune "$s" --batch 32 --precision fp16 --layouts nchw,nhwc --search full ;;
    b32_fp16_staged) tune "$s" --batch 32 --precision fp16 --layouts nchw,nhwc --search staged ;;
    b32_fp16_batchspin)
      tune "$s" --batch 32 --precision fp16 --layouts nchw,nhwc --search staged --spin batch ;;
    b32_fp16_staged_rc)
      tune "$s" --batch 32 --precision fp16 --layouts nchw,nhwc --search staged \
        --max-runtime-compiled 6 ;;
    all_staged|all_staged2|all_prev)
      # the issue's set, cold, into one database; all_staged2 repeats it (run-to-run agreement);
      # all_prev with the earlier timing protocol (agreement with all_staged, which it needs)
      protocol=()
      if [[ $s == all_prev ]]; then
        protocol=(--round-warmup-ms 0.5 --final-max-runs 200 --first-round-runs 5 --spin-margin 1.5)
      fi
      rm -f "$W/$s.db.json"
      t0=$(date +%s.%N)
      for b in 32 1; do
        "$exe" tune resnet50 --db "$W/$s.db.json" --batch $b --precision fp16,tf32 \
          --layouts nchw,nhwc ${protocol[@]+"${protocol[@]}"} --report "$W/${s}_b$b.report.json" \
          >"$W/${s}_b$b.table.txt" 2>"$W/${s}_b$b.stderr"
        echo "$s batch $b: exit $?" | tee -a "$log"
      done
      echo "$s: $(since "$t0") s wall (batches 32 and 1, fp16+tf32, both layouts, staged)" \
        | tee -a "$log"
      if [[ $s == all_staged ]]; then  # then warm: nothing to time
        t0=$(date +%s.%N)
        "$exe" tune resnet50 --db "$W/$s.db.json" --batch 32 --precision fp16,tf32 \
          --layouts nchw,nhwc --report "$W/warm_b32.report.json" \
          >"$W/warm_b32.table.txt" 2>"$W/warm_b32.stderr"
        echo "warm b32: exit $?, $(since "$t0") s;" \
          "$(grep -o 'tuning took.*' "$W/warm_b32.table.txt")" | tee -a "$log"
      else
        for b in 32 1; do
          python3 tools/tune_report_compare.py agreement "$W/all_staged_b$b.report.json" \
            "$W/${s}_b$b.report.json" | tail -1 | sed "s/^/agreement $s b$b: /" \
            | tee -a "$log"
        done
      fi ;;
    fp32_staged)
      for b in 32 1; do
        tune "fp32_staged_b$b" --batch $b --precision fp32 --layouts nchw,nhwc --search staged
      done ;;
    *) echo "unknown step '$s'" | tee -a "$log" ;;
  esac
  cp "$log" "$W/"
  tar czf "$OUT/coldtune.tar.gz" "$W" 2>/dev/null  # after each step: a cut-off run keeps it
done
reports=()
for r in b32_fp16_serial b32_fp16_staged b32_fp16_batchspin b32_fp16_staged_rc \
         all_staged_b32 all_staged_b1 warm_b32 all_staged2_b32 all_staged2_b1 \
         all_prev_b32 all_prev_b1 fp32_staged_b32; do
  if [[ -f "$W/$r.report.json" ]]; then reports+=("$W/$r.report.json"); fi
done
python3 tools/tune_report_compare.py search "$W/${BASE:-b32_fp16_full}.report.json" \
  "${reports[@]}" \
  >"$W/summary.txt" 2>&1
cat "$W/summary.txt" | tee -a "$log"
cp "$log" "$W/"
tar czf "$OUT/coldtune.tar.gz" "$W" 2>/dev/null
