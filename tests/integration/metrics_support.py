"""Helpers for the metrics and dashboard tests: the Prometheus text format with
types, a ward's worth of test traffic, and a private Prometheus server.

Like harness.py: processes are stopped by PID and every wait is bounded.
"""
import json
import math
import re
import shutil
import threading
import time
import urllib.parse
import urllib.request
from pathlib import Path

from harness import SOURCE_DIR, Process, free_port, threshold_rule, wait_until

DASHBOARDS = SOURCE_DIR / "dashboards"

# Ids that look like a hospital's, so a leak into a label would be unmistakable.
PATIENTS = ["mrn-4711-a", "mrn-4712-b", "mrn-4713-c", "mrn-4714-d"]

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low"), (130, "medium")])
SPO2_LOW = threshold_rule("spo2_low", "spo2", "below", [(92, "low"), (85, "high")], hysteresis=1)

# Each patient cycles through normal -> raised (low) -> escalated (medium) ->
# cleared, so every pass produces alerts of two severities and three states.
HR_CYCLE = [80, 120, 140, 80]

# (topic or None for the patient's own, payload, reason): one of each kind the
# dashboard's rejection panel breaks down.
BAD_PAYLOADS = [
    (None, b"{not json", "malformed_json"),
    (None, b'{"hr": 999}', "implausible"),
    (None, b'{"device": "wb-1"}', "no_vitals"),
    (None, b'{"hr": "fast"}', "bad_value"),
    ("vitals/bad topic", b'{"hr": 70}', "bad_topic"),
]
BAD_REASONS = [reason for _, _, reason in BAD_PAYLOADS]


def scrape(port):
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
        return r.read().decode()


_SAMPLE = re.compile(r"^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$")
_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"')


def parse_exposition(text):
    """Prometheus text format -> {family: {"type", "help", "samples": [(name, labels, value)]}}."""
    families = {}
    current = None
    for line in text.splitlines():
        if line.startswith("# HELP ") or line.startswith("# TYPE "):
            name, _, rest = line[7:].partition(" ")
            family = families.setdefault(name, {"type": None, "help": None, "samples": []})
            family["help" if line.startswith("# HELP ") else "type"] = rest
            current = name
        elif line and not line.startswith("#"):
            m = _SAMPLE.match(line)
            assert m, f"not a sample line: {line!r}"
            labels = dict(_LABEL.findall(m.group(2) or ""))
            assert current is not None and m.group(1).startswith(current), line
            families[current]["samples"].append((m.group(1), labels, float(m.group(3))))
    return families


def value(families, family, suffix="", **labels):
    """The value of the one sample `family + suffix` whose labels include `labels`."""
    matches = [v for n, l, v in families[family]["samples"]
               if n == family + suffix and all(l.get(k) == x for k, x in labels.items())]
    assert len(matches) == 1, f"{family}{labels}: {matches}"
    return matches[0]


class WardTraffic:
    """Publishes readings for PATIENTS from a thread until stop(): every patient
    raises, escalates and clears hr_high in turn, and each round one of
    BAD_PAYLOADS goes out so rejections show up too."""

    def __init__(self, client, period=0.05):
        self.client = client
        self.period = period
        self.rounds = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            now_ms = int(time.time() * 1000)
            hr = HR_CYCLE[self.rounds % len(HR_CYCLE)]
            for p in PATIENTS:
                self.client.publish(f"vitals/{p}", {"ts": now_ms, "device": "wb-1", "hr": hr},
                                    wait=False)
            topic, payload, _ = BAD_PAYLOADS[self.rounds % len(BAD_PAYLOADS)]
            patient = PATIENTS[self.rounds % len(PATIENTS)]
            self.client.publish(topic or f"vitals/{patient}", payload, wait=False)
            self.rounds += 1
            self._stop.wait(self.period)

    def stop(self):
        self._stop.set()
        self._thread.join(timeout=10)
        assert not self._thread.is_alive(), "traffic thread did not stop"


class Prometheus:
    """Debian's prometheus on a free loopback port, with a config written by the test."""

    def __init__(self, workdir, config_text, extra_files=()):
        binary = shutil.which("prometheus")
        assert binary, "prometheus is not installed (scripts/install-deps.sh installs it)"
        self.workdir = Path(workdir) / "prometheus"
        self.workdir.mkdir()
        for f in extra_files:
            shutil.copy(f, self.workdir)
        config = self.workdir / "prometheus.yml"
        config.write_text(config_text)
        self.port = free_port()
        self.process = Process([binary, f"--config.file={config}",
                                f"--storage.tsdb.path={self.workdir / 'data'}",
                                f"--web.listen-address=127.0.0.1:{self.port}"], name="prometheus")
        wait_until(self._ready, timeout=30, interval=0.1, what="prometheus to be ready")

    def _ready(self):
        assert self.process.alive(), "prometheus exited:\n" + self.process.output()
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/-/ready", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    def api(self, path, **params):
        url = f"http://127.0.0.1:{self.port}/api/v1/{path}"
        if params:
            url += "?" + urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(url, timeout=10) as r:
                body = json.load(r)
        except urllib.error.HTTPError as e:  # a bad query is a 400 with a JSON error
            body = json.load(e)
        assert body.get("status") == "success", f"{path} {params}: {body}"
        return body["data"]

    def query(self, expr):
        """Instant query; returns the result list (vector) or [scalar]."""
        data = self.api("query", query=expr)
        return data["result"] if data["resultType"] in ("vector", "matrix") else [data["result"]]

    def stop(self):
        self.process.stop()


def has_finite_value(result):
    """True if an instant-query result holds at least one number that is not NaN."""
    values = [r["value"][1] if isinstance(r, dict) else r[1] for r in result]
    return any(not math.isnan(float(v)) for v in values)
