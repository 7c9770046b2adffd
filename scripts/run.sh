#!/usr/bin/env bash
# README's main command: set up, build, and run plantune's main job on the default built-in model.
#   MODEL      built-in model or network JSON (default: resnet50)
#   BATCH      batch size (default: 32)
#   BUILD_DIR  build folder (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
MODEL=${MODEL:-resnet50}
BATCH=${BATCH:-32}

if [ "${PLANTUNE_SKIP_SETUP:-0}" != "1" ]; then
  bash scripts/setup.sh
fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPLANTUNE_BUILD_TESTS=OFF \
  -DPLANTUNE_BUILD_BENCHMARKS=OFF ${PLANTUNE_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$(nproc)" --target plantune

mkdir -p out
"$BUILD_DIR/tools/plantune" main "$MODEL" --batch "$BATCH" --out out
