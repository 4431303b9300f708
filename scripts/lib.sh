# Shared by the demo and bench scripts: free ports, private servers on
# loopback, and stopping by PID whatever was started. Source it; do not run it.

# A TCP port on 127.0.0.1 that nothing listens on right now.
free_port() {
  /usr/bin/python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'
}

# wait_for_port PORT SECONDS: true once something accepts connections on PORT.
wait_for_port() {
  local port=$1 deadline=$((SECONDS + $2))
  until (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.05
  done
}

# wait_for_line FILE REGEX SECONDS PID: true once FILE has a line matching REGEX;
# false on timeout or if PID exits first.
wait_for_line() {
  local file=$1 regex=$2 deadline=$((SECONDS + $3)) pid=$4
  until grep -qE "$regex" "$file" 2>/dev/null; do
    [ $SECONDS -lt $deadline ] || return 1
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.05
  done
}

STARTED_PIDS=()
# stop_started: SIGTERM everything started (newest first), then SIGKILL stragglers.
stop_started() {
  local pid i
  for ((i = ${#STARTED_PIDS[@]} - 1; i >= 0; i--)); do
    pid=${STARTED_PIDS[i]}
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  done
  STARTED_PIDS=()
}

# start_mosquitto DIR PORT: a private broker with no queue limits (nothing dropped).
start_mosquitto() {
  local dir=$1 port=$2
  cat > "$dir/mosquitto.conf" <<CONF
listener $port 127.0.0.1
allow_anonymous true
persistence false
max_queued_messages 0
max_queued_bytes 0
CONF
  mosquitto -c "$dir/mosquitto.conf" > "$dir/mosquitto.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" 10 || { echo "mosquitto did not start; see $dir/mosquitto.log" >&2; return 1; }
}

# start_redis DIR PORT: a private, non-persistent redis-server.
start_redis() {
  local dir=$1 port=$2
  redis-server --port "$port" --bind 127.0.0.1 --save "" --appendonly no \
    --dir "$dir" > "$dir/redis.log" 2>&1 &
  STARTED_PIDS+=($!)
  wait_for_port "$port" 10 || { echo "redis-server did not start; see $dir/redis.log" >&2; return 1; }
}

# ship_config OUT MQTT_PORT REDIS_PORT METRICS_PORT: the shipped config/vitalsd.toml
# with only the addresses changed (and the rules path made absolute).
ship_config() {
  local out=$1 mqtt_port=$2 redis_port=$3 metrics_port=$4 root
  root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
  sed -e "s|^uri = .*|uri = \"tcp://127.0.0.1:$mqtt_port\"|" \
      -e "/^\[redis\]/,/^\[/ s|^port = .*|port = $redis_port|" \
      -e "s|^listen = .*|listen = \"127.0.0.1:$metrics_port\"|" \
      -e "/^\[rules\]/,\$ s|^path = .*|path = \"$root/rules\"|" \
      "$root/config/vitalsd.toml" > "$out"
}
