#!/usr/bin/env bash
# vitals-pub's expected alerts against the real vitalsd with the shipped rules
# exactly as they are, in real time (about 9 minutes): the same check as the
# CTest entry integration.expected_alerts, which divides every rule duration
# by 30 to fit the test suite. Needs a build (cmake --build build).
#
#   scripts/check-expected-alerts.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")
for bin in "$build_dir/daemon/vitalsd" "$build_dir/tools/vitals-pub/vitals-pub"; do
  [ -x "$bin" ] || { echo "check-expected-alerts: $bin missing; build first" >&2; exit 2; }
done
source_dir=$(pwd)
cd tests/integration
EXPECTED_ALERTS_COMPRESSION=1 \
  VITALSD_BIN="$build_dir/daemon/vitalsd" \
  VITALS_PUB_BIN="$build_dir/tools/vitals-pub/vitals-pub" \
  VITALSD_SOURCE_DIR="$source_dir" \
  exec /usr/bin/python3 -m pytest -q -p no:cacheprovider -s test_expected_alerts.py
