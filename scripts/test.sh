#!/usr/bin/env bash
# The test command (README, .ci/run): installs what is missing, builds with
# warnings as errors, runs every unit and integration test.
set -euo pipefail
cd "$(dirname "$0")/.."

scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVITALSD_WERROR=ON
cmake --build "$build_dir" -j"$(nproc)"
ctest --test-dir "$build_dir" --output-on-failure -j"$(nproc)" "$@"

# Optional extra runs, off unless asked for (README "Fuzzing and sanitizers"):
#   VITALSD_CI_SANITIZE=address|thread  the suite again in build-<name>, under
#                                       ASan+UBSan or TSan
#   VITALSD_CI_SANITIZE_LABEL=unit      ...only the tests with that CTest label
#   VITALSD_CI_FUZZ_SECONDS=N           each fuzzer for N seconds (scripts/fuzz.sh)
if [ -n "${VITALSD_CI_SANITIZE:-}" ]; then
  san_dir="build-$VITALSD_CI_SANITIZE"
  cmake -S . -B "$san_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVITALSD_WERROR=ON \
    -DVITALSD_SANITIZE="$VITALSD_CI_SANITIZE" -DVITALSD_BUILD_BENCH=OFF
  cmake --build "$san_dir" -j"$(nproc)"
  label=()
  [ -z "${VITALSD_CI_SANITIZE_LABEL:-}" ] || label=(-L "$VITALSD_CI_SANITIZE_LABEL")
  ctest --test-dir "$san_dir" --output-on-failure -j"$(nproc)" "${label[@]}"
fi
if [ -n "${VITALSD_CI_FUZZ_SECONDS:-}" ]; then
  scripts/fuzz.sh --time "$VITALSD_CI_FUZZ_SECONDS"
fi
