"""Shared helpers for the integration tests: real processes on loopback ports.

Everything started here is stopped by PID, and every wait is bounded: a
condition polled until a deadline, never a sleep standing in for one.
"""
import json
import os
import re
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import paho.mqtt.client as paho

SOURCE_DIR = Path(os.environ.get("VITALSD_SOURCE_DIR", Path(__file__).resolve().parents[2]))
VITALSD_BIN = os.environ.get("VITALSD_BIN", str(SOURCE_DIR / "build/daemon/vitalsd"))
VITALS_PUB_BIN = os.environ.get("VITALS_PUB_BIN", str(SOURCE_DIR / "build/tools/vitals-pub/vitals-pub"))

DEFAULT_TIMEOUT = 20.0


def free_port():
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(predicate, timeout=DEFAULT_TIMEOUT, interval=0.01, what="condition"):
    """Polls predicate() until it returns a truthy value or the deadline passes.

    `what` may be a string or a callable returning one (evaluated on timeout,
    so it can describe the state at that moment).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout}s waiting for {described}")
        time.sleep(interval)


def port_open(port):
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    """A child process whose stdout and stderr lines are collected as they come."""

    def __init__(self, argv, env=None, cwd=None, name=None):
        self.name = name or Path(argv[0]).name
        self.argv = [str(a) for a in argv]
        self._lines = []
        self._lock = threading.Lock()
        self.proc = subprocess.Popen(
            self.argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=env, cwd=cwd,
            start_new_session=True)
        self._readers = [threading.Thread(target=self._read, args=(stream, tag), daemon=True)
                         for stream, tag in ((self.proc.stdout, "out"), (self.proc.stderr, "err"))]
        for t in self._readers:
            t.start()

    def _read(self, stream, tag):
        for raw in iter(stream.readline, b""):
            with self._lock:
                self._lines.append((tag, raw.decode("utf-8", "replace").rstrip("\n")))

    @property
    def pid(self):
        return self.proc.pid

    def lines(self, tag=None):
        with self._lock:
            return [l for t, l in self._lines if tag is None or t == tag]

    def output(self):
        return "\n".join(self.lines())

    def wait_for_line(self, pattern, timeout=DEFAULT_TIMEOUT):
        rx = re.compile(pattern)

        def found():
            if self.proc.poll() is not None and not any(rx.search(l) for l in self.lines()):
                raise AssertionError(
                    f"{self.name} exited ({self.proc.returncode}) before printing /{pattern}/:\n"
                    + self.output())
            return next((l for l in self.lines() if rx.search(l)), None)
        return wait_until(found, timeout, what=f"{self.name} to print /{pattern}/")

    def alive(self):
        return self.proc.poll() is None

    def send_signal(self, signo):
        if self.alive():
            self.proc.send_signal(signo)

    def wait(self, timeout=DEFAULT_TIMEOUT):
        """Waits for exit; returns the exit code (negative: killed by that signal)."""
        code = self.proc.wait(timeout=timeout)
        for t in self._readers:
            t.join(timeout=5)
        return code

    def stop(self, signo=signal.SIGTERM, timeout=DEFAULT_TIMEOUT):
        """Signals the process and waits; kills it if it does not exit in time."""
        if self.alive():
            self.proc.send_signal(signo)
            try:
                return self.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.wait(timeout)
                raise AssertionError(f"{self.name} did not exit within {timeout}s of signal {signo}")
        return self.wait(timeout)

    def kill(self):
        if self.alive():
            self.proc.kill()
        self.wait()


class Mosquitto:
    """A private mosquitto on a free loopback port; restartable on the same port."""

    host = "127.0.0.1"

    def __init__(self, workdir, port=None, extra_conf="", allow_anonymous=True, persistent=False):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.conf = self.workdir / f"mosquitto-{self.port}.conf"
        # persistent: sessions, subscriptions and queued QoS 1 messages are
        # saved to the work folder when the broker stops and loaded when it
        # starts again, as a production broker is set up. `user root` keeps
        # a broker started as root from dropping to the mosquitto user, which
        # could not write there (it has no effect for other users).
        persistence = (f"persistence true\npersistence_location {self.workdir}/\n"
                       f"persistence_file mosquitto-{self.port}.db\nuser root\n"
                       if persistent else "persistence false\n")
        # No limits on queued messages: the tests check that nothing is lost,
        # so the broker must not drop QoS 1 messages for a slow or absent client.
        # extra_conf follows the listener line, so it may hold listener settings
        # (cafile, certfile, keyfile, require_certificate, password_file).
        self.conf.write_text(
            f"listener {self.port} 127.0.0.1\n"
            f"allow_anonymous {'true' if allow_anonymous else 'false'}\n"
            f"{persistence}"
            "max_queued_messages 0\n"
            "max_queued_bytes 0\n"
            f"{extra_conf}")
        self.process = None
        self.start()

    @property
    def uri(self):
        return f"tcp://127.0.0.1:{self.port}"

    def start(self):
        self.process = Process(["mosquitto", "-c", self.conf], name="mosquitto")
        wait_until(lambda: port_open(self.port) or not self.process.alive(),
                   what="mosquitto to listen")
        assert self.process.alive(), self.process.output()

    def stop(self):
        if self.process:
            self.process.stop()
            self.process = None


class RedisServer:
    """A private, non-persistent redis-server on a free loopback port; restartable on the same port."""

    host = "127.0.0.1"

    def __init__(self, workdir, port=None, extra_args=(), password=None):
        self.workdir = Path(workdir)
        self.port = port or free_port()
        self.extra_args = list(extra_args)
        self.password = password
        self.process = None
        self.start()

    def start(self):
        # A password goes in a 0600 config file, not on the command line (ps shows argv).
        conf = []
        if self.password is not None:
            path = self.workdir / f"redis-{self.port}.conf"
            path.touch(mode=0o600)
            path.write_text(f"requirepass {self.password}\n")
            conf = [str(path)]
        self.process = Process(
            ["redis-server", *conf, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.workdir), *self.extra_args],
            name="redis-server")
        wait_until(lambda: self._pings() or not self.process.alive(), what="redis-server to answer")
        assert self.process.alive(), self.process.output()

    def _pings(self):
        try:
            return self.client().ping()
        except Exception:  # noqa: BLE001 - not up yet
            return False

    def client(self):
        import redis
        return redis.Redis(host=self.host, port=self.port, socket_timeout=5,
                           decode_responses=True, password=self.password)

    def stop(self):
        if self.process:
            self.process.stop()
            self.process = None

    def kill(self):
        if self.process:
            self.process.kill()
            self.process = None


class MqttClient:
    """A paho-mqtt client that records every message it receives."""

    def __init__(self, port, client_id=None, clean_session=True, username=None, password=None,
                 tls=None):
        """tls: None for plain TCP, else tls_set() arguments (ca_certs, certfile, keyfile)."""
        self.messages = []  # (topic, payload bytes)
        self._lock = threading.Lock()
        self._connected = threading.Event()
        self.client = paho.Client(client_id=client_id or f"test-{os.getpid()}-{id(self)}",
                                  clean_session=clean_session)
        self.client.max_inflight_messages_set(1000)
        self.client.max_queued_messages_set(0)
        self.client.on_connect = lambda c, u, f, rc: self._connected.set()
        self.client.on_message = self._on_message
        if username is not None:
            self.client.username_pw_set(username, password)
        if tls is not None:
            self.client.tls_set(**tls)
        self.client.connect("127.0.0.1", port, keepalive=30)
        self.client.loop_start()
        if not self._connected.wait(DEFAULT_TIMEOUT):
            raise AssertionError("test MQTT client could not connect")

    def _on_message(self, client, userdata, msg):
        with self._lock:
            self.messages.append((msg.topic, msg.payload))

    def subscribe(self, topic, qos=1):
        done = threading.Event()
        self.client.on_subscribe = lambda c, u, mid, granted: done.set()
        self.client.subscribe(topic, qos)
        if not done.wait(DEFAULT_TIMEOUT):
            raise AssertionError(f"subscribe to {topic} not acknowledged")

    def publish(self, topic, payload, qos=1, wait=True):
        if isinstance(payload, (dict, list)):
            payload = json.dumps(payload)
        info = self.client.publish(topic, payload, qos=qos)
        if wait:
            info.wait_for_publish(timeout=DEFAULT_TIMEOUT)
            assert info.is_published(), f"publish to {topic} not acknowledged"
        return info

    def received(self, topic_prefix=""):
        with self._lock:
            return [(t, p) for t, p in self.messages if t.startswith(topic_prefix)]

    def json_messages(self, topic_prefix=""):
        return [json.loads(p) for _, p in self.received(topic_prefix)]

    def wait_for(self, count, topic_prefix="", timeout=DEFAULT_TIMEOUT):
        """Waits until at least `count` messages under topic_prefix arrived; returns them as JSON."""
        wait_until(lambda: len(self.received(topic_prefix)) >= count, timeout,
                   what=lambda: f"{count} messages on {topic_prefix}* (have "
                                f"{len(self.received(topic_prefix))}: {self.received(topic_prefix)})")
        return self.json_messages(topic_prefix)

    def close(self):
        self.client.loop_stop()
        self.client.disconnect()


def toml_value(v):
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(toml_value(x) for x in v) + "]"
    if isinstance(v, dict):
        return "{ " + ", ".join(f"{k} = {toml_value(x)}" for k, x in v.items()) + " }"
    return json.dumps(str(v))


def replace_file(path, text):
    """Writes `text` to `path` atomically (write a sibling, then rename over), as
    config management should: a reload never reads a half-written file."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text)
    os.replace(tmp, path)


def write_toml(path, tables):
    """Writes {section: {key: value}} as TOML."""
    lines = []
    for section, keys in tables.items():
        lines.append(f"[{section}]")
        lines += [f"{k} = {toml_value(v)}" for k, v in keys.items()]
        lines.append("")
    Path(path).write_text("\n".join(lines))


def threshold_rule(name, metric, direction, levels, for_="0s", hysteresis=0):
    """One [[alert]] table as TOML text; levels = [(threshold, severity), ...]."""
    lv = ", ".join(f'{{ threshold = {t}, severity = "{s}" }}' for t, s in levels)
    return (f'[[alert]]\nname = "{name}"\nmetric = "{metric}"\ndirection = "{direction}"\n'
            f'levels = [{lv}]\nfor = "{for_}"\nhysteresis = {hysteresis}\n\n')


def parse_metrics(text):
    """Prometheus text format -> {'name{labels}': value}; labels sorted as exposed."""
    out = {}
    for line in text.splitlines():
        if not line or line.startswith("#"):
            continue
        key, _, value = line.rpartition(" ")
        out[key] = float(value)
    return out


class NotifyListener:
    """The service manager's end of sd_notify: an AF_UNIX datagram socket whose
    path goes into NOTIFY_SOCKET. Records every message with its arrival time."""

    def __init__(self, path):
        self.path = str(path)
        assert len(self.path.encode()) < 108, f"socket path too long: {self.path}"
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.settimeout(0.1)  # so the reader notices close()
        self._closed = threading.Event()
        self._lock = threading.Lock()
        self._messages = []  # (monotonic time, {key: value})
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self):
        while not self._closed.is_set():
            try:
                data = self.sock.recv(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            fields = dict(line.split("=", 1) for line in data.decode().splitlines() if "=" in line)
            with self._lock:
                self._messages.append((time.monotonic(), fields))

    def messages(self):
        with self._lock:
            return list(self._messages)

    def times_of(self, key, value="1"):
        return [t for t, m in self.messages() if m.get(key) == value]

    def count(self, key, value="1"):
        return len(self.times_of(key, value))

    def wait_for(self, key, value="1", count=1, timeout=DEFAULT_TIMEOUT):
        """Waits until `count` messages carried key=value; returns the messages so far."""
        wait_until(lambda: self.count(key, value) >= count, timeout,
                   what=f"{count} x {key}={value} on NOTIFY_SOCKET (have {self.count(key, value)})")
        return self.messages()

    def close(self):
        self._closed.set()
        self._reader.join(timeout=5)
        self.sock.close()


class Vitalsd:
    """The real vitalsd binary with a config written for the test."""

    def __init__(self, workdir, broker_port, rules_text=None, rules_path=None, config=None,
                 name="vitalsd", wait_ready=True, env=None, redis_port=None):
        self.workdir = Path(workdir)
        self.metrics_port = free_port()
        if rules_path is None:
            rules_path = self.workdir / f"{name}-rules.toml"
            Path(rules_path).write_text(rules_text or "")
        self.rules_path = Path(rules_path)
        tables = {
            "mqtt": {"uri": f"tcp://127.0.0.1:{broker_port}", "client_id": name},
            "redis": ({"enabled": True, "port": redis_port, "timeout": "300ms"}
                      if redis_port else {"enabled": False}),
            "pipeline": {"workers": 2, "shutdown_timeout": "15s"},
            "metrics": {"listen": f"127.0.0.1:{self.metrics_port}"},
            "log": {"level": "info"},
            "rules": {"path": str(self.rules_path)},
        }
        self.tables = tables
        self.config_path = self.workdir / f"{name}.toml"
        self.write_config(config or {})
        self.name = name
        self.env = env
        self.process = None
        self.start(wait_ready)

    def write_config(self, overrides):
        """Merges {section: {key: value}} into the config file (e.g. before a reload)."""
        for section, keys in overrides.items():
            self.tables.setdefault(section, {}).update(keys)
        write_toml(self.config_path, self.tables)

    def start(self, wait_ready=True):
        self.process = Process([VITALSD_BIN, "--config", self.config_path], name=self.name,
                               env=self.env)
        if wait_ready:
            self.process.wait_for_line(r"ready: subscribed")

    def reloads(self):
        """(successful, failed) reloads so far."""
        m = self.metrics()
        return (m.get('vitalsd_config_reloads_total{result="success"}', 0.0),
                m.get('vitalsd_config_reloads_total{result="failure"}', 0.0))

    def reload(self, timeout=DEFAULT_TIMEOUT):
        """Sends SIGHUP and waits for that reload to finish; returns "success" or "failure".

        Only for one reload at a time: with none in progress, one SIGHUP makes exactly one.
        """
        before = self.reloads()
        self.process.send_signal(signal.SIGHUP)
        after = wait_until(lambda: (lambda r: r if r != before else None)(self.reloads()),
                           timeout, what="the reload to finish")
        return "success" if after[0] > before[0] else "failure"

    def metrics(self):
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{self.metrics_port}/metrics", timeout=5) as r:
            return parse_metrics(r.read().decode())

    def metric(self, name, default=0.0):
        return self.metrics().get(name, default)

    def wait_metric(self, name, predicate, timeout=DEFAULT_TIMEOUT):
        return wait_until(lambda: predicate(self.metric(name)), timeout,
                          what=lambda: f"{name} (now {self.metric(name)})")

    def stop(self, signo=signal.SIGTERM, timeout=DEFAULT_TIMEOUT):
        code = self.process.stop(signo, timeout)
        if code != 0:  # pytest shows a failed test's stdout: say why it exited so
            print(f"vitalsd exited {code}; its last log lines:\n"
                  + "\n".join(self.process.lines()[-30:]))
        return code
