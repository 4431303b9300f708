#!/usr/bin/env bash
# Soak run (README "Soak run"): a private mosquitto and redis-server, vitalsd
# with the shipped config and rules, and vitals-pub at a steady rate for a
# bounded time, with a SIGHUP reload every --hup-every and one Redis restart
# half-way. Every --sample-every it prints vitalsd's RSS (VmRSS) and open file
# descriptors (/proc/PID/fd); at the end a table and a verdict: no growth
# after warm-up (the first quarter of the run, at least one sample).
#
#   scripts/soak.sh [--duration 10m] [--rate 2000] [--patients 500]
#                   [--hup-every 30] [--sample-every 10] [--no-build]
#
# Exit 0: no growth and every reading sent was received; 1 otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source scripts/lib.sh

duration=10m rate=2000 patients=500 hup_every=30 sample_every=10 build=1
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift ;;
    --rate) rate=$2; shift ;;
    --patients) patients=$2; shift ;;
    --hup-every) hup_every=$2; shift ;;
    --sample-every) sample_every=$2; shift ;;
    --no-build) build=0 ;;
    -h|--help) sed -n '2,12p' "$0"; exit 0 ;;
    *) echo "soak: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

# 90s, 10m, 1h or plain seconds -> seconds.
to_seconds() {
  case "$1" in
    *h) echo $(( ${1%h} * 3600 )) ;;
    *m) echo $(( ${1%m} * 60 )) ;;
    *s) echo "${1%s}" ;;
    *) echo "$1" ;;
  esac
}
total_s=$(to_seconds "$duration")
[ "$total_s" -ge 30 ] 2>/dev/null || { echo "soak: --duration must be at least 30s" >&2; exit 2; }

build_dir=${BUILD_DIR:-build}
if [ $build -eq 1 ]; then
  cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
  cmake --build "$build_dir" -j2 --target vitalsd vitals-pub > "$build_dir/soak-build.log" 2>&1 ||
    { tail -30 "$build_dir/soak-build.log"; exit 1; }
fi

work=$(mktemp -d /tmp/vitalsd-soak.XXXXXX)
chmod 755 "$work"  # mosquitto drops to its own user and must read its config
trap 'stop_started; echo "soak: logs kept in $work"' EXIT
trap 'exit 130' INT TERM

mqtt_port=$(free_port) redis_port=$(free_port) metrics_port=$(free_port)
start_mosquitto "$work" "$mqtt_port"
start_redis "$work" "$redis_port"
redis_pid=${STARTED_PIDS[-1]}
ship_config "$work/vitalsd.toml" "$mqtt_port" "$redis_port" "$metrics_port"

"$build_dir/daemon/vitalsd" --config "$work/vitalsd.toml" 2> "$work/vitalsd.log" &
vitalsd_pid=$!
STARTED_PIDS+=("$vitalsd_pid")
wait_for_line "$work/vitalsd.log" "ready: subscribed" 30 "$vitalsd_pid" ||
  { echo "soak: vitalsd did not become ready:" >&2; cat "$work/vitalsd.log" >&2; exit 1; }

# A ward at a steady rate, a few patients deteriorating (compressed 60x) so
# alerts flow to MQTT and Redis all along.
"$build_dir/tools/vitals-pub/vitals-pub" --broker "tcp://127.0.0.1:$mqtt_port" \
  --patients "$patients" --rate "$rate" --duration "${total_s}s" --qos 1 --seed 7 \
  --time-scale 60 --min-hold 20s --scenario sepsis:1-5 --scenario hypoxia:6-10 \
  --scenario artefacts:11-15 --no-rules --quiet --report "$work/vitals-pub.json" \
  > "$work/vitals-pub.log" 2>&1 &
pub_pid=$!
STARTED_PIDS+=("$pub_pid")

metric() {  # metric NAME -> value (0 if absent)
  curl -s --max-time 5 "http://127.0.0.1:$metrics_port/metrics" |
    awk -v n="$1" '$1 == n { v = $2 } END { print (v == "" ? 0 : v) }'
}
rss_kib() { awk '/^VmRSS:/ { print $2 }' "/proc/$vitalsd_pid/status"; }
fd_count() { ls "/proc/$vitalsd_pid/fd" | wc -l; }

echo "soak: ${total_s}s at $rate readings/s over $patients patients; SIGHUP every ${hup_every}s;" \
     "Redis restart at $((total_s / 2))s; logs in $work"
printf '%6s %10s %5s %12s %8s %6s\n' "t(s)" "RSS(KiB)" "fds" "processed" "reloads" "redis"
samples=()  # "t rss fds"
start=$SECONDS next_sample=0 next_hup=$hup_every redis_restarted=0
while :; do
  t=$((SECONDS - start))
  kill -0 "$vitalsd_pid" 2>/dev/null || { echo "soak: vitalsd died; see $work/vitalsd.log" >&2; exit 1; }
  if [ "$t" -ge "$next_sample" ]; then
    rss=$(rss_kib) fds=$(fd_count)
    samples+=("$t $rss $fds")
    printf '%6d %10d %5d %12.0f %8.0f %6.0f\n' "$t" "$rss" "$fds" \
      "$(metric vitalsd_readings_processed_total)" \
      "$(metric 'vitalsd_config_reloads_total{result="success"}')" "$(metric vitalsd_redis_up)"
    next_sample=$((next_sample + sample_every))
  fi
  if [ "$t" -ge "$next_hup" ] && [ "$t" -lt "$total_s" ]; then
    kill -HUP "$vitalsd_pid"
    next_hup=$((next_hup + hup_every))
  fi
  if [ $redis_restarted -eq 0 ] && [ "$t" -ge $((total_s / 2)) ]; then
    echo "soak: restarting redis-server (SIGTERM, then a fresh one on the same port)"
    kill -TERM "$redis_pid"
    while kill -0 "$redis_pid" 2>/dev/null; do sleep 0.1; done
    start_redis "$work" "$redis_port"
    redis_pid=${STARTED_PIDS[-1]}
    redis_restarted=1
  fi
  [ "$t" -ge "$total_s" ] && ! kill -0 "$pub_pid" 2>/dev/null && break
  [ "$t" -ge $((total_s + 60)) ] && { echo "soak: vitals-pub did not finish" >&2; exit 1; }
  sleep 1
done
wait "$pub_pid" || { echo "soak: vitals-pub failed:" >&2; cat "$work/vitals-pub.log" >&2; exit 1; }

sent=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["sent_total"])' \
  "$work/vitals-pub.json")
deadline=$((SECONDS + 60))
until [ "$(metric vitalsd_readings_received_total | cut -d. -f1)" -ge "$sent" ]; do
  [ $SECONDS -lt $deadline ] || break
  sleep 0.5
done
received=$(metric vitalsd_readings_received_total)
processed=$(metric vitalsd_readings_processed_total)
rejected=$(curl -s --max-time 5 "http://127.0.0.1:$metrics_port/metrics" |
  awk '/^vitalsd_readings_rejected_total\{/ { s += $2 } END { print s + 0 }')
reloads=$(metric 'vitalsd_config_reloads_total{result="success"}')
failed_reloads=$(metric 'vitalsd_config_reloads_total{result="failure"}')

printf '%s\n' "${samples[@]}" > "$work/samples.txt"
/usr/bin/python3 - "$work/samples.txt" "$total_s" "$sent" "$received" "$processed" \
  "$rejected" "$reloads" "$failed_reloads" <<'PY'
import sys
total_s, sent, received, processed, rejected, reloads, failed = (float(x) for x in sys.argv[2:])
rows = [tuple(int(v) for v in line.split()) for line in open(sys.argv[1]) if line.strip()]
warm = max(1, sum(1 for t, _, _ in rows if t <= total_s / 4))
after = rows[warm - 1:]
base_rss, base_fds = after[0][1], after[0][2]
late = rows[-max(1, len(rows) // 4):]                 # the last quarter
late_rss = sorted(r for _, r, _ in late)[len(late) // 2]  # its median: one GC-like spike is not growth
max_fds = max(f for _, _, f in after)
final_fds = rows[-1][2]
rss_growth = late_rss - base_rss
rss_ok = rss_growth <= max(0.05 * base_rss, 4096)     # 5 % or 4 MiB, whichever is larger
fds_ok = final_fds <= base_fds + 2
counts_ok = received >= sent and received == processed + rejected
print()
print(f"warm-up: first {rows[warm - 1][0]} s; after it RSS {base_rss} KiB, {base_fds} fds")
print(f"last quarter: median RSS {late_rss} KiB ({rss_growth:+d} KiB), "
      f"fds max {max_fds}, at end {final_fds}")
print(f"readings: sent {sent:.0f}, received {received:.0f}, processed {processed:.0f}, "
      f"rejected {rejected:.0f} (artefacts); reloads {reloads:.0f} ok, {failed:.0f} failed")
verdict = rss_ok and fds_ok and counts_ok
print("verdict:", "PASS" if verdict else "FAIL",
      "" if rss_ok else "(RSS grew)", "" if fds_ok else "(fds grew)",
      "" if counts_ok else "(readings missing)")
sys.exit(0 if verdict else 1)
PY
