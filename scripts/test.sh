#!/usr/bin/env bash
# README's test command: set up, build (warnings as errors), run every test.
# GPU tests (ctest label `gpu`) run where a CUDA device is present and are reported as skipped,
# with their reason, where none is.
#   BUILD_DIR  build folder (default: build)
#   JOBS       parallel jobs (default: number of cores)
set -euo pipefail
cd "$(dirname "$0")/.."
BUILD_DIR=${BUILD_DIR:-build}
JOBS=${JOBS:-$(nproc)}

if [ "${PLANTUNE_SKIP_SETUP:-0}" != "1" ]; then
  bash scripts/setup.sh
fi
generator=()
if command -v ninja >/dev/null 2>&1; then generator=(-G Ninja); fi
cmake -S . -B "$BUILD_DIR" "${generator[@]}" -DCMAKE_BUILD_TYPE=Release -DPLANTUNE_WERROR=ON \
  ${PLANTUNE_CMAKE_ARGS:-}
cmake --build "$BUILD_DIR" -j "$JOBS"

status=0
ctest --test-dir "$BUILD_DIR" -j "$JOBS" --output-on-failure --timeout 600 || status=$?

# Say why each skipped test was skipped (GTEST_SKIP messages), grouped.
log="$BUILD_DIR/Testing/Temporary/LastTest.log"
if [ -f "$log" ]; then
  reasons=$(grep -hoE "Skipped: .*|no CUDA device[^\"]*" "$log" | sed 's/^Skipped: //' | sort | uniq -c || true)
  if [ -n "$reasons" ]; then
    echo
    echo "Skipped tests, by reason:"
    echo "$reasons"
  fi
fi
exit $status
