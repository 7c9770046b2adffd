#!/usr/bin/env bash
# The tuner's device results (called by scripts/device-check.sh, or alone after a build):
#   1. `plantune tune resnet50 --batch 32 --precision fp16` over both layouts, into
#      results/tuner/resnet50_b32.db.json, with the per-layer table and a JSON report;
#   2. a warm rerun of the same command (must do 0 timed runs);
#   3. tuner_bench: ResNet-50's distinct convolutions at batch 32, fp16 NHWC, legacy heuristic
#      vs legacy find vs graph heuristic A vs the tuned winner (Google Benchmark JSON), and a
#      geometric-mean summary;
#   4. provenance (date, commit, GPU, driver, cuDNN, commands) in results/tuner/provenance.txt.
# Environment: BUILD_DIR (default build-device), OUT (default ./out),
#   TUNE_BUDGET_S (default 120: budget of step 1; about 2 to 5 s per variant are needed for a
#   full search, so tactics late in the list may end `timeout`), TUNE_LAYOUTS (default
#   nhwc,nchw), BENCH_ORACLE=1 (add the oracle re-timing, about 1 s per layer),
#   BENCH_ORACLE_FULL=1 (with BENCH_ORACLE: the oracle's tactics come from a full search that
#   keeps every candidate, results/tuner/resnet50_b32_full.db.json, tuned first, instead of
#   the tuned database's own candidates),
#   BENCH_MIN_TIME (default 0.02s per benchmark).
set -uo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build-device}
OUT=${OUT:-$PWD/out}
TUNE_BUDGET_S=${TUNE_BUDGET_S:-120}
TUNE_LAYOUTS=${TUNE_LAYOUTS:-nhwc,nchw}
BENCH_MIN_TIME=${BENCH_MIN_TIME:-0.02s}
RES=results/tuner
mkdir -p "$RES" "$OUT"
source scripts/provenance.sh
plantune="$BUILD_DIR/tools/plantune"
bench="$BUILD_DIR/benchmarks/tuner_bench"
status=0

prov="$RES/provenance.txt"
write_provenance "$prov" "$plantune"

db="$RES/resnet50_b32.db.json"
rm -f "$db" "$db.lock"
cmd=("$plantune" tune resnet50 --batch 32 --precision fp16 --layouts "$TUNE_LAYOUTS" --db "$db"
     --budget-seconds "$TUNE_BUDGET_S" --report "$RES/resnet50_b32_fp16.report.json")
echo "command (cold): ${cmd[*]}" >>"$prov"
start=$(date +%s%N)
"${cmd[@]}" >"$RES/resnet50_b32_fp16.table.txt" 2>"$OUT/tune_cold.stderr" || status=1
echo "cold tuning wall time: $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$prov"
cat "$RES/resnet50_b32_fp16.table.txt"

warm=("$plantune" tune resnet50 --batch 32 --precision fp16 --layouts "$TUNE_LAYOUTS" --db "$db")
echo "command (warm): ${warm[*]}" >>"$prov"
start=$(date +%s%N)
"${warm[@]}" >"$OUT/tune_warm.txt" 2>"$OUT/tune_warm.stderr" || status=1
echo "warm rerun wall time: $(( ($(date +%s%N) - start) / 1000000 )) ms; $(grep 'timed runs' "$OUT/tune_warm.txt")" | tee -a "$prov"

bjson="$RES/tuner_bench_resnet50_b32_fp16_nhwc.json"
bcmd=("$bench" --tuner_db "$db" --benchmark_min_time="$BENCH_MIN_TIME" --benchmark_out="$bjson"
      --benchmark_out_format=json)
if [ "${BENCH_ORACLE:-0}" = "1" ]; then bcmd+=(--tuner_oracle); fi
if [ "${BENCH_ORACLE:-0}" = "1" ] && [ "${BENCH_ORACLE_FULL:-0}" = "1" ]; then
  full="$RES/resnet50_b32_full.db.json"
  rm -f "$full" "$full.lock"
  fcmd=("$plantune" tune resnet50 --batch 32 --precision fp16 --layouts nhwc --search full
        --keep-candidates all --db "$full" --report "$RES/resnet50_b32_fp16_full.report.json")
  echo "command (oracle's full search): ${fcmd[*]}" >>"$prov"
  start=$(date +%s%N)
  "${fcmd[@]}" >"$RES/resnet50_b32_fp16_full.table.txt" 2>"$OUT/tune_full.stderr" || status=1
  echo "full search wall time: $(( ($(date +%s%N) - start) / 1000000 )) ms" | tee -a "$prov"
  bcmd+=(--tuner_oracle_db "$full")
fi
echo "command (bench): ${bcmd[*]}" >>"$prov"
"${bcmd[@]}" >"$OUT/tuner_bench.txt" 2>&1 || status=1
tail -5 "$OUT/tuner_bench.txt"

python3 - "$bjson" <<'PY' | tee "$RES/tuner_bench_summary.txt" || status=1
import json, math, sys, collections
d = json.load(open(sys.argv[1]))
t = collections.defaultdict(dict)
for b in d["benchmarks"]:
    if b.get("error_occurred"): continue
    model, layer, method = b["name"].split("/")[:3]
    t[layer][method] = b["real_time"]  # microseconds (manual time)
methods = ["legacy_heuristic", "legacy_find", "graph_heuristic_a", "oracle"]
print(f"{'layer':24s}" + "".join(f"{m:>19s}" for m in ["tuned_us"] + methods))
ratios = collections.defaultdict(list)
for layer, m in t.items():
    if "tuned" not in m: continue
    row = f"{layer:24s}{m['tuned']:19.2f}"
    for k in methods:
        if k in m:
            r = m[k] / m["tuned"]
            ratios[k].append(r)
            row += f"{r:18.2f}x"
        else:
            row += f"{'-':>19s}"
    print(row)
for k in methods:
    if ratios[k]:
        g = math.exp(sum(math.log(x) for x in ratios[k]) / len(ratios[k]))
        print(f"geomean {k} / tuned = {g:.3f} over {len(ratios[k])} layers, min {min(ratios[k]):.3f}")
PY
echo "device-bench exit $status"
exit $status
