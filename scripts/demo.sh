#!/usr/bin/env bash
# The demo command (README): installs what is missing, builds, starts a private
# mosquitto and redis-server on free loopback ports, starts vitalsd with the
# shipped config and rules (only the addresses changed), and has vitals-pub
# play a small ward with a few deteriorating patients while the alerts are
# printed as they arrive. Ctrl-C stops everything it started.
#
#   scripts/demo.sh [--no-install] [--duration D]   (D bounds the run, e.g. 90s)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)
source scripts/lib.sh

install=1
duration=""
while [ $# -gt 0 ]; do
  case "$1" in
    --no-install) install=0 ;;
    --duration) duration=$2; shift ;;
    -h|--help) sed -n '2,9p' "$0"; exit 0 ;;
    *) echo "demo: unknown option $1" >&2; exit 2 ;;
  esac
  shift
done

[ $install -eq 1 ] && scripts/install-deps.sh
build_dir=${BUILD_DIR:-build}
echo "demo: building in $build_dir (first time: a few minutes)"
cmake -S . -B "$build_dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null
cmake --build "$build_dir" -j"$(nproc)" --target vitalsd vitals-pub > "$build_dir/demo-build.log" 2>&1 ||
  { tail -30 "$build_dir/demo-build.log"; exit 1; }

work=$(mktemp -d /tmp/vitalsd-demo.XXXXXX)
chmod 755 "$work"  # mosquitto drops to its own user and must read its config
cleanup() {
  trap - EXIT INT TERM
  echo
  echo "demo: stopping everything it started"
  stop_started
  echo "demo: logs kept in $work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mqtt_port=$(free_port)
redis_port=$(free_port)
metrics_port=$(free_port)
start_mosquitto "$work" "$mqtt_port"
start_redis "$work" "$redis_port"
ship_config "$work/vitalsd.toml" "$mqtt_port" "$redis_port" "$metrics_port"

"$build_dir/daemon/vitalsd" --config "$work/vitalsd.toml" 2> "$work/vitalsd.log" &
STARTED_PIDS+=($!)
vitalsd_pid=$!
if ! wait_for_line "$work/vitalsd.log" "ready: subscribed" 30 "$vitalsd_pid"; then
  echo "demo: vitalsd did not become ready:" >&2
  cat "$work/vitalsd.log" >&2
  exit 1
fi

# The ward: the plan (vitals-pub --plan, nothing sent) says which patient
# profiles its scenarios need (COPD: NEWS2 Scale 2, lower SpO2 thresholds);
# they go to Redis before the first reading.
pub=$build_dir/tools/vitals-pub/vitals-pub
ward_args=(--patients 12 --rate 12 --time-scale 60 --min-hold 90s --seed 2026 --quiet
           --scenario sepsis:p-0003 --scenario copd:p-0005 --scenario hypoxia:p-0007
           --scenario dropout:p-0011 --scenario artefacts:p-0012)
[ -n "$duration" ] && ward_args+=(--duration "$duration")
"$pub" --plan "${ward_args[@]}" > "$work/vitals-pub-plan.json" 2> "$work/vitals-pub-plan.log" ||
  { cat "$work/vitals-pub-plan.log" >&2; exit 1; }
/usr/bin/python3 - "$work/vitals-pub-plan.json" > "$work/profiles.redis" <<'PY'
import json, sys
for p in json.load(open(sys.argv[1]))["profiles"]:
    fields = " ".join(f"{k} {v}" for k, v in p["fields"].items())
    print(f"HSET vitalsd:patient:{p['patient']} {fields}")
PY
redis-cli -p "$redis_port" < "$work/profiles.redis" > /dev/null

# Subscriber and printer are separate processes joined by a FIFO, so each has
# its own PID to stop (a pipeline's $! is only its last command).
mkfifo "$work/alerts.fifo"
scripts/show-alerts.py < "$work/alerts.fifo" &
STARTED_PIDS+=($!)
mosquitto_sub -p "$mqtt_port" -t 'alerts/#' -t 'vitalsd/rejected' -v > "$work/alerts.fifo" 2> /dev/null &
STARTED_PIDS+=($!)

cat <<TEXT

vitalsd is running: broker tcp://127.0.0.1:$mqtt_port, Redis 127.0.0.1:$redis_port,
metrics http://127.0.0.1:$metrics_port/metrics, log $work/vitalsd.log

A ward of 12 patients sends a reading each per second. Scripted courses, with
illness compressed 60x:
  p-0003  sepsis: heart and breathing rate and temperature climb, then BP falls
  p-0005  COPD (NEWS2 Scale 2 profile in Redis): quiet at SpO2 90 % on air, an
          alert when over-oxygenated, quiet again once titrated
  p-0007  hypoxia: SpO2 falls and breathing quickens, then oxygen is given
  p-0011  sensor dropout: readings stop for 3 minutes (signal_lost)
  p-0012  artefacts: occasional implausible spikes and malformed payloads
Threshold rules wait out their \`for\` (30 s to 2 min) on reading time, so the
first alerts appear after a minute or two. Ctrl-C stops everything.

time      patient  rule         state        sev    detail
TEXT

"$pub" --broker "tcp://127.0.0.1:$mqtt_port" "${ward_args[@]}" \
  --report "$work/vitals-pub-report.json" &
pub_pid=$!
STARTED_PIDS+=($pub_pid)
wait "$pub_pid" || true
echo "demo: the simulated ward has finished; alerts keep showing until Ctrl-C"
[ -n "$duration" ] && exit 0
while kill -0 "$vitalsd_pid" 2>/dev/null; do sleep 1; done
