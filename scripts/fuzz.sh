#!/usr/bin/env bash
# Builds the libFuzzer targets (clang 14, ASan + UBSan) and runs each for a
# bounded time, starting from the seed corpora in fuzz/corpus/. Prints, per
# target, executions, exec/s, corpus size and findings; exits 1 if any target
# found a crash, leak, timeout or oversized allocation (saved under
# <build dir>/findings/<target>/ for a regression test).
#
#   scripts/fuzz.sh                  # every target, 60 s each
#   scripts/fuzz.sh --time 20        # shorter (the CI smoke run)
#   scripts/fuzz.sh config_fuzzer    # one target
#
# Inputs the fuzzer finds interesting accumulate in <build dir>/corpus/<target>/
# across runs (not in the repo; copy a good one into fuzz/corpus/ by hand).
set -euo pipefail
cd "$(dirname "$0")/.."

usage() { echo "usage: $0 [--time SECONDS] [--build-dir DIR] [TARGET...]" >&2; exit 2; }

seconds=60
build_dir=build-fuzz
targets=()
while [ $# -gt 0 ]; do
  case $1 in
    --time) [ $# -ge 2 ] || usage; seconds=$2; shift 2 ;;
    --build-dir) [ $# -ge 2 ] || usage; build_dir=$2; shift 2 ;;
    -h|--help) usage ;;
    -*) echo "fuzz.sh: unknown option $1" >&2; usage ;;
    *) targets+=("$1"); shift ;;
  esac
done
[[ $seconds =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --time wants a whole number of seconds, not '$seconds'" >&2; exit 2; }
all_targets=(reading_fuzzer ack_parser_fuzzer config_fuzzer)
[ ${#targets[@]} -gt 0 ] || targets=("${all_targets[@]}")
for t in "${targets[@]}"; do
  [[ " ${all_targets[*]} " == *" $t "* ]] || { echo "fuzz.sh: no target '$t' (have: ${all_targets[*]})" >&2; exit 2; }
done

# Per target: the largest input worth trying (a reading parser limited to 8 KiB
# in the harness, an ack, a config file) and its dictionary.
max_len() { case $1 in reading_fuzzer) echo 9000 ;; ack_parser_fuzzer) echo 512 ;; config_fuzzer) echo 4096 ;; esac; }
dict() { case $1 in reading_fuzzer) echo fuzz/dict/reading.dict ;; ack_parser_fuzzer) echo fuzz/dict/ack.dict ;; config_fuzzer) echo fuzz/dict/config.dict ;; esac; }

# clang and libFuzzer's runtime are only needed here, not by the normal build.
if ! command -v clang++-14 >/dev/null || ! dpkg-query -W -f='${Status}' libclang-rt-14-dev 2>/dev/null | grep -q "install ok installed"; then
  sudo_cmd=()
  [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends clang-14 libclang-rt-14-dev
fi

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DVITALSD_WERROR=ON -DVITALSD_FUZZ=ON -DVITALSD_BUILD_TESTS=OFF -DVITALSD_BUILD_BENCH=OFF \
  "${launcher[@]}" >/dev/null
cmake --build "$build_dir" -j"$(nproc)" --target "${targets[@]}"

failed=0
summary=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  findings="$build_dir/findings/$t"
  log="$build_dir/fuzz-$t.log"
  mkdir -p "$corpus" "$findings"
  started="$build_dir/.fuzz-started-$t"  # findings of earlier runs are not this run's
  touch "$started"
  echo "== $t: ${seconds}s" >&2
  # -rss_limit_mb / -malloc_limit_mb turn runaway memory (a leak across inputs
  # or one huge allocation) into a finding instead of a slow machine;
  # -timeout does the same for an input that hangs.
  status=0
  "$build_dir/fuzz/$t" -max_total_time="$seconds" -timeout=10 \
    -rss_limit_mb=2048 -malloc_limit_mb=256 -max_len="$(max_len "$t")" \
    -dict="$(dict "$t")" -artifact_prefix="$findings/" -print_final_stats=1 \
    "$corpus" "fuzz/corpus/$t" >"$log" 2>&1 || status=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  corpus_files=$(find "$corpus" -type f | wc -l)
  found=$(find "$findings" -type f -newer "$started" | wc -l)
  line=$(printf '%-18s execs=%-9s exec/s=%-6s corpus=%-5s findings=%s' \
    "$t" "${execs:-?}" "${rate:-?}" "$corpus_files" "$found")
  if [ "$status" -ne 0 ] || [ "$found" -ne 0 ]; then
    failed=1
    line+="  FAILED (exit $status; see $log)"
    grep -E "ERROR|runtime error|SUMMARY|property broken" "$log" | head -5 >&2 || true
  fi
  summary+=("$line")
done

echo "== fuzz summary (${seconds}s per target)"
printf '%s\n' "${summary[@]}"
exit $failed
