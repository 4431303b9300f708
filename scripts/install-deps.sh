#!/usr/bin/env bash
# Installs the Debian 12 packages vitalsd needs to build, test and run its demo,
# but only those that are missing, so running it again is cheap and changes nothing.
set -euo pipefail

packages=(
  # build
  cmake g++ make pkg-config
  libboost-dev libpaho-mqttpp-dev libpaho-mqtt-dev libssl-dev libhiredis-dev
  prometheus-cpp-dev libspdlog-dev libfmt-dev libtomlplusplus-dev libsimdjson-dev
  libsystemd-dev libgtest-dev libgmock-dev libbenchmark-dev
  # servers and clients used by the demo and the integration tests
  mosquitto mosquitto-clients redis-server redis-tools
  prometheus  # the dashboard and alert-rule tests run prometheus and promtool
  # integration tests (run with Debian's /usr/bin/python3)
  python3 python3-pytest python3-paho-mqtt python3-redis openssl procps
  # service and packaging tests: systemd-analyze, strace, CPack's DEB generator
  systemd strace dpkg-dev file
)

missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all ${#packages[@]} packages present"
  exit 0
fi

echo "install-deps: installing ${missing[*]}"
sudo_cmd=()
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null; then
    sudo_cmd=(sudo)
  else
    echo "install-deps: need root (or sudo) to install: ${missing[*]}" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
"${sudo_cmd[@]}" apt-get update -q
"${sudo_cmd[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
