"""Shared helpers for vitalsd's integration tests.

Run with Debian's /usr/bin/python3 (it sees python3-paho-mqtt and
python3-pytest). Everything here is bounded: every wait has a timeout, and
every process started is stopped by its PID.

    free_port()                         a free TCP port on 127.0.0.1
    wait_for(condition, timeout, ...)   poll until condition() is truthy
    Process(path, args, ...)            a child process with captured output
    make_tls_files(workdir)             a throwaway CA and a server certificate for 127.0.0.1
    Mosquitto(workdir, ...)             a throwaway broker on a loopback port (TLS, users optional)
    MqttCollector(host, port, ...)      a subscriber that records what arrives
    spec2_verdict(payload, now_ms)      SPEC §2: "ok" or the rejection reason
"""

import json
import os
import pwd
import re
import shutil
import signal
import socket
import ssl
import subprocess
import threading
import time

import paho.mqtt.client as mqtt


def free_port(host="127.0.0.1"):
    """A TCP port nothing listens on right now (the kernel picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def wait_for(condition, timeout, interval=0.02, message=None):
    """Calls condition() until it returns something truthy, and returns that.

    Raises TimeoutError (with `message`, or the condition's name) after
    `timeout` seconds. This is the only way tests should wait: never a bare
    sleep standing in for a condition.
    """
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            what = message or getattr(condition, "__name__", "condition")
            raise TimeoutError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def port_open(host, port):
    """True if something accepts TCP connections on host:port."""
    try:
        with socket.create_connection((host, port), timeout=0.2):
            return True
    except OSError:
        return False


class Process:
    """A child process started by path, with stdout and stderr captured line by line.

        p = Process("/path/to/vitalsd", ["--config", cfg])
        p.wait_for_line(r"ready", timeout=10)   # matched on stderr by default
        p.stop()                                 # SIGTERM, then SIGKILL if needed
        p.returncode, p.stderr_lines, p.stdout_lines

    Also a context manager that stops the process on exit.
    """

    def __init__(self, path, args=(), env=None, cwd=None):
        self.path = str(path)
        self.args = [str(a) for a in args]
        self.stdout_lines = []
        self.stderr_lines = []
        self._cond = threading.Condition()
        full_env = dict(os.environ)
        if env:
            full_env.update({k: str(v) for k, v in env.items()})
        self.popen = subprocess.Popen(
            [self.path, *self.args],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=full_env,
            cwd=cwd,
            text=True,
            bufsize=1,
        )
        self._readers = [
            threading.Thread(target=self._read, args=(self.popen.stdout, self.stdout_lines), daemon=True),
            threading.Thread(target=self._read, args=(self.popen.stderr, self.stderr_lines), daemon=True),
        ]
        for r in self._readers:
            r.start()

    def _read(self, stream, lines):
        for line in stream:
            with self._cond:
                lines.append(line.rstrip("\n"))
                self._cond.notify_all()
        stream.close()

    @property
    def pid(self):
        return self.popen.pid

    @property
    def returncode(self):
        return self.popen.poll()

    def running(self):
        return self.popen.poll() is None

    def stderr_text(self):
        with self._cond:
            return "\n".join(self.stderr_lines)

    def stdout_text(self):
        with self._cond:
            return "\n".join(self.stdout_lines)

    def wait_for_line(self, pattern, timeout, stream="stderr"):
        """Returns the first line (from the start of output) matching the regex."""
        lines = self.stderr_lines if stream == "stderr" else self.stdout_lines
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        with self._cond:
            while True:
                for line in lines:
                    if regex.search(line):
                        return line
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(
                        f"{os.path.basename(self.path)}: no {stream} line matching {pattern!r} "
                        f"within {timeout}s; {stream} so far:\n" + "\n".join(lines[-20:]))
                self._cond.wait(min(left, 0.1))

    def wait(self, timeout):
        """Waits for exit; returns the exit status. Raises TimeoutError if still running."""
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            raise TimeoutError(f"{os.path.basename(self.path)} still running after {timeout}s") from None
        for r in self._readers:
            r.join(timeout=5)
        return rc

    def send_signal(self, sig):
        if self.running():
            self.popen.send_signal(sig)

    def stop(self, sig=signal.SIGTERM, timeout=10):
        """Sends `sig`, waits up to `timeout`, then SIGKILLs. Returns the exit status."""
        if self.running():
            self.popen.send_signal(sig)
            try:
                self.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.popen.kill()
                self.popen.wait(timeout=5)
        for r in self._readers:
            r.join(timeout=5)
        return self.popen.returncode

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()


def mosquitto_binary():
    return shutil.which("mosquitto") or "/usr/sbin/mosquitto"


def make_tls_files(workdir):
    """A CA and a server certificate for 127.0.0.1/localhost, valid for a day.

    Returns {"ca": path, "cert": path, "key": path} (the server's cert and key).
    """
    d = str(workdir)
    ca_key, ca, key, csr, cert = (os.path.join(d, n) for n in
                                  ("ca.key", "ca.crt", "server.key", "server.csr", "server.crt"))
    ext = os.path.join(d, "server.ext")
    with open(ext, "w") as f:
        f.write("subjectAltName=IP:127.0.0.1,DNS:localhost\n")
    ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
    for cmd in (["req", "-x509", *ec, "-keyout", ca_key, "-out", ca, "-days", "1",
                 "-subj", "/CN=vitalsd test CA"],
                ["req", *ec, "-keyout", key, "-out", csr, "-subj", "/CN=localhost"],
                ["x509", "-req", "-in", csr, "-CA", ca, "-CAkey", ca_key, "-CAcreateserial",
                 "-out", cert, "-days", "1", "-extfile", ext]):
        subprocess.run(["openssl", *cmd], check=True, capture_output=True, timeout=30)
    return {"ca": ca, "cert": cert, "key": key}


class Mosquitto:
    """A mosquitto 2.0 broker on 127.0.0.1:<free port>, in memory, for one test.

    Queues are unbounded (max_queued_messages 0) so a QoS 1 subscriber that
    falls behind loses nothing, and counts can be compared exactly.

        with Mosquitto(tmp_path) as broker:
            broker.uri  # "tcp://127.0.0.1:PORT"
    """

    def __init__(self, workdir, port=None, extra_conf="", tls=None, users=None):
        """tls: make_tls_files() output, for a TLS-only listener; users:
        {"name": "password"}, which turns anonymous access off."""
        self.host = "127.0.0.1"
        self.port = port or free_port()
        self.workdir = str(workdir)
        self.conf_path = os.path.join(self.workdir, f"mosquitto-{self.port}.conf")
        self.extra_conf = extra_conf
        self.tls = tls
        self.users = users
        self.process = None

    @property
    def uri(self):
        return f"{'ssl' if self.tls else 'tcp'}://{self.host}:{self.port}"

    def _security_conf(self):
        lines = []
        if self.tls:
            lines += [f"cafile {self.tls['ca']}", f"certfile {self.tls['cert']}",
                      f"keyfile {self.tls['key']}"]
        if self.users:
            passwd = os.path.join(self.workdir, f"mosquitto-{self.port}.passwd")
            open(passwd, "w").close()
            tool = shutil.which("mosquitto_passwd") or "/usr/bin/mosquitto_passwd"
            for name, password in self.users.items():
                subprocess.run([tool, "-b", passwd, name, password], check=True,
                               capture_output=True, timeout=30)
            lines += ["allow_anonymous false", f"password_file {passwd}"]
        else:
            lines.append("allow_anonymous true")
        return "".join(line + "\n" for line in lines)

    def start(self, timeout=10):
        with open(self.conf_path, "w") as f:
            f.write(
                f"listener {self.port} {self.host}\n"
                # Run as whoever runs the tests: as root, mosquitto would
                # otherwise switch to user "mosquitto" and lose access to
                # files in the test's private temporary folder.
                f"user {pwd.getpwuid(os.getuid()).pw_name}\n"
                + self._security_conf() +
                "persistence false\n"
                "max_queued_messages 0\n"
                "max_inflight_messages 0\n"
                "log_dest stderr\n"
                "log_type error\n"
                "log_type warning\n"
                f"{self.extra_conf}\n")
        self.process = Process(mosquitto_binary(), ["-c", self.conf_path])
        try:
            wait_for(lambda: port_open(self.host, self.port) or not self.process.running(),
                     timeout, message=f"mosquitto on port {self.port}")
            if not self.process.running():
                raise RuntimeError("mosquitto exited: " + self.process.stderr_text())
        except BaseException:
            self.process.stop()
            raise
        return self

    def stop(self):
        if self.process:
            self.process.stop(signal.SIGTERM, timeout=10)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


class Message:
    __slots__ = ("topic", "payload", "received")

    def __init__(self, topic, payload, received):
        self.topic = topic
        self.payload = payload  # bytes
        self.received = received  # time.monotonic() when on_message ran


class MqttCollector:
    """Subscribes and records every message with its receive time.

        with MqttCollector(broker.host, broker.port, ["vitals/#"], qos=1) as c:
            ...
            c.wait_for_count(1000, timeout=10)
            c.messages, c.by_topic(), c.count()
    """

    def __init__(self, host, port, topics=("#",), qos=1, client_id=None, ca_file=None,
                 username=None, password=None):
        self.host, self.port = host, port
        self.topics = list(topics)
        self.qos = qos
        self._lock = threading.Lock()
        self._messages = []
        self._subscribed = threading.Event()
        self._client = mqtt.Client(client_id=client_id or f"collector-{os.getpid()}-{id(self)}",
                                   clean_session=True)
        self._client.on_connect = self._on_connect
        self._client.on_subscribe = lambda *a: self._subscribed.set()
        self._client.on_message = self._on_message
        if ca_file:
            self._client.tls_set_context(ssl.create_default_context(cafile=ca_file))
        if username:
            self._client.username_pw_set(username, password)

    def _on_connect(self, client, userdata, flags, rc):
        if rc == 0:
            client.subscribe([(t, self.qos) for t in self.topics])

    def _on_message(self, client, userdata, msg):
        now = time.monotonic()
        with self._lock:
            self._messages.append(Message(msg.topic, msg.payload, now))

    def start(self, timeout=10):
        self._client.connect(self.host, self.port, keepalive=30)
        self._client.loop_start()
        if not self._subscribed.wait(timeout):
            self.stop()
            raise TimeoutError(f"no SUBACK from {self.host}:{self.port} within {timeout}s")
        return self

    def stop(self):
        self._client.disconnect()
        self._client.loop_stop()

    @property
    def messages(self):
        with self._lock:
            return list(self._messages)

    def count(self):
        with self._lock:
            return len(self._messages)

    def by_topic(self):
        out = {}
        for m in self.messages:
            out.setdefault(m.topic, []).append(m)
        return out

    def wait_for_count(self, n, timeout):
        return wait_for(lambda: self.count() >= n, timeout,
                        message=f"{n} messages (have {self.count()})")

    def wait_until_quiet(self, quiet, timeout):
        """Waits until nothing has arrived for `quiet` seconds; returns the count."""
        def settled():
            msgs = self.messages
            last = msgs[-1].received if msgs else 0
            return time.monotonic() - last >= quiet
        wait_for(settled, timeout, message=f"{quiet}s without messages")
        return self.count()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


_VITAL_RANGES = {"hr": (0, 350), "spo2": (0, 100), "rr": (0, 120), "temp": (20, 45),
                 "sbp": (0, 400), "dbp": (0, 300)}


def spec2_verdict(payload, now_ms, max_payload_bytes=65536):
    """What a SPEC §2 monitor makes of a reading payload: "ok" or the reason.

    Written from the table in SPEC §2, independently of any producer.
    RFC 3339 string timestamps are not checked in detail (reported "ok").
    """
    if len(payload) > max_payload_bytes:
        return "too_large"
    try:
        doc = json.loads(payload, parse_constant=lambda c: float("nan"))
    except (ValueError, UnicodeDecodeError):
        return "malformed_json"
    if not isinstance(doc, dict):
        return "malformed_json"
    problems = []
    ts = doc.get("ts")
    if "ts" in doc and not isinstance(ts, str):
        if isinstance(ts, bool) or not isinstance(ts, int) or ts < 0:
            problems.append("bad_timestamp")
        elif ts > now_ms + 5 * 60 * 1000:
            problems.append("future_timestamp")
    if "device" in doc and (not isinstance(doc["device"], str) or len(doc["device"]) > 64):
        problems.append("bad_value")
    has_vital = False
    for name, (lo, hi) in _VITAL_RANGES.items():
        if name not in doc:
            continue
        has_vital = True
        v = doc[name]
        if isinstance(v, bool) or not isinstance(v, (int, float)) or v != v or v in (float("inf"), float("-inf")):
            problems.append("bad_value")
        elif not lo <= v <= hi:
            problems.append("implausible")
    if "acvpu" in doc:
        has_vital = True
        if doc["acvpu"] not in ("A", "C", "V", "P", "U"):
            problems.append("bad_value")
    if "o2" in doc:
        has_vital = True
        if not isinstance(doc["o2"], bool):
            problems.append("bad_value")
    if problems:
        return problems[0]
    return "ok" if has_vital else "no_vitals"
