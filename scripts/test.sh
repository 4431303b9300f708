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

# Extra runs, off unless asked for (.ci/run asks for TSan; README "Fuzzing and
# sanitizers"):
#   VITALSD_CI_SANITIZE=address|thread  the suite again in build-<name>, under
#                                       ASan+UBSan or TSan
#   VITALSD_CI_SANITIZE_LABEL=unit      ...only the tests with that CTest label
#   VITALSD_CI_FUZZ_SECONDS=N           each fuzzer for N seconds (scripts/fuzz.sh)
if [ -n "${VITALSD_CI_SANITIZE:-}" ]; then
  san_dir="build-$VITALSD_CI_SANITIZE"
  echo "== the suite again under VITALSD_SANITIZE=$VITALSD_CI_SANITIZE in $san_dir/"
  cmake -S . -B "$san_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVITALSD_WERROR=ON \
    -DVITALSD_SANITIZE="$VITALSD_CI_SANITIZE" -DVITALSD_BUILD_BENCH=OFF
  cmake --build "$san_dir" -j"$(nproc)"
  label=()
  [ -z "${VITALSD_CI_SANITIZE_LABEL:-}" ] || label=(-L "$VITALSD_CI_SANITIZE_LABEL")
  # Every report from every process (vitalsd, vitals-pub, unit tests) goes to
  # a file, so one the test did not look at (a process killed on purpose, an
  # exit code nobody checked) still fails the run.
  reports="$PWD/$san_dir/sanitizer-reports"
  rm -rf "$reports" && mkdir -p "$reports"
  export ASAN_OPTIONS="log_path=$reports/asan" UBSAN_OPTIONS="log_path=$reports/ubsan:print_stacktrace=1"
  export TSAN_OPTIONS="log_path=$reports/tsan"
  # Not run here, because they measure something a sanitizer build changes:
  # packaging (cpack re-installs this tree into a .deb), systemd_unit (strace
  # checks the syscall filter; LeakSanitizer cannot run under ptrace) and
  # vitals_pub_rate (rate accuracy at 5,000/s, a speed the instrumented
  # publisher does not reach).
  ctest --test-dir "$san_dir" --output-on-failure -j"$(nproc)" "${label[@]}" \
    -E '^integration\.(packaging|systemd_unit|vitals_pub_rate)$'
  if [ -n "$(ls -A "$reports")" ]; then
    echo "sanitizer reports in $reports:" >&2
    cat "$reports"/* >&2
    exit 1
  fi
  echo "== no sanitizer reports"
fi
if [ -n "${VITALSD_CI_FUZZ_SECONDS:-}" ]; then
  scripts/fuzz.sh --time "$VITALSD_CI_FUZZ_SECONDS"
fi
