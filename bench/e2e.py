#!/usr/bin/python3
"""End-to-end benchmark of vitalsd against a real mosquitto, in one command.

For each scenario (QoS, rate, patients, readings) it runs the same vitals-pub
command twice against a private mosquitto on a loopback port:

  1. ceiling: a minimal Paho subscriber (bench/ceiling_sub) that only counts,
     i.e. what broker + publisher can deliver to one client on this machine;
  2. vitalsd: the real daemon (Redis off, shipped rules plus one `for = 0s`
     rule that flaps for a share of patients so alerts are sampled), with
     bench/alert_latency_sub on alerts/#.

and reports sustained readings/s, vitalsd's rate as a share of the ceiling's,
alert latency (reading ts -> alert received) p50/p99/max next to the ceiling
subscriber's own delivery latency (reading ts -> received), CPU seconds per
million readings for both, vitalsd's peak RSS (VmHWM), and lost readings and
alerts (sent - processed, published - received; must be 0).

    /usr/bin/python3 bench/e2e.py                 # full table (~5 min)
    /usr/bin/python3 bench/e2e.py --quick         # smoke: one small scenario
    /usr/bin/python3 bench/e2e.py --only qos1-20k # scenarios whose name contains it

Exit status 1 if anything was lost (or a process failed), else 0: speed is
reported, never asserted. Run with Debian's python3 (paho-mqtt for harness.py).
"""
import argparse
import json
import os
import shutil
import signal
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

SOURCE_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(SOURCE_DIR / "tests/integration"))
import harness  # noqa: E402  (Mosquitto, Process, free_port, wait_until, parse_metrics)

CLK_TCK = os.sysconf("SC_CLK_TCK")


@dataclass
class Scenario:
    name: str
    qos: int
    rate: int          # readings/s; 0 = flat out
    patients: int
    count: int         # readings to send
    ceiling: bool = True
    flap: bool = True  # add hr_bench_flap (alerts to time); off: shipped rules only


def full_scenarios():
    return [
        Scenario("qos0-flat", 0, 0, 1000, 400_000),
        Scenario("qos1-flat", 1, 0, 1000, 200_000),
        Scenario("qos0-10k", 0, 10_000, 1000, 100_000),
        Scenario("qos1-10k", 1, 10_000, 1000, 100_000),
        Scenario("qos0-20k", 0, 20_000, 1000, 200_000),
        Scenario("qos1-20k", 1, 20_000, 1000, 200_000),
        # A ward's own pace: 1,000 patients, one reading each per second.
        Scenario("ward-qos1-1k", 1, 1_000, 1000, 20_000),
        # Scale: RSS and cost per reading by patients tracked (vitalsd only,
        # shipped rules only: healthy patients raise nothing, so the cost is
        # the readings', not the alerts'). Five readings per patient at 100k.
        Scenario("scale-1k", 0, 20_000, 1_000, 500_000, ceiling=False, flap=False),
        Scenario("scale-10k", 0, 20_000, 10_000, 500_000, ceiling=False, flap=False),
        Scenario("scale-100k", 0, 20_000, 100_000, 500_000, ceiling=False, flap=False),
    ]


def quick_scenarios():
    return [Scenario("quick-qos1-2k", 1, 2_000, 50, 4_000),
            Scenario("quick-qos0-2k", 0, 2_000, 50, 4_000)]


# hr_bench_flap: HR above 74 raises at once and clears at 72 or below, so the
# patients whose baseline sits near 74 bpm flap with noise and drift: about 3%
# of readings cause a transition, each one a latency sample. (Hysteresis 0
# made it 8.5%, far more alerting than a ward, and alerts cost more CPU than
# readings.) The shipped rules run as well.
FLAP_RULE = """
[[alert]]
name = "hr_bench_flap"
metric = "hr"
direction = "above"
levels = [{ threshold = 74, severity = "low" }]
for = "0s"
hysteresis = 2
"""


def cpu_seconds(pid):
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK  # utime + stime


def thread_usage(pid):
    """{tid: (thread name, CPU seconds, times it went to sleep)} for every
    thread of pid. The last is voluntary_ctxt_switches: each is a wake-up
    later, which on this VM costs more than the work it wakes for."""
    out = {}
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            comm, rest = task.joinpath("stat").read_text().rsplit(")", 1)
            status = task.joinpath("status").read_text()
        except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
            continue
        fields = rest.split()
        sleeps = next(int(l.split()[1]) for l in status.splitlines()
                      if l.startswith("voluntary_ctxt_switches:"))
        out[task.name] = (comm.split("(", 1)[1], (int(fields[11]) + int(fields[12])) / CLK_TCK,
                          sleeps)
    return out


def per_thread(before, after, readings):
    """{thread name: {"cpu_us": CPU µs per reading, "wakeups": wake-ups per
    1,000 readings}}, threads of one name summed, costliest first."""
    by_name = {}
    for tid, (name, secs, sleeps) in after.items():
        _, secs0, sleeps0 = before.get(tid, (name, 0.0, 0))
        t = by_name.setdefault(name, {"cpu_us": 0.0, "wakeups": 0.0})
        t["cpu_us"] += (secs - secs0) / max(readings, 1) * 1e6
        t["wakeups"] += (sleeps - sleeps0) / max(readings, 1) * 1000
    return dict(sorted(by_name.items(), key=lambda kv: -kv[1]["cpu_us"]))


def vm_hwm_mb(pid):
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


def histogram_quantile_ms(metrics, name, q):
    """The upper bound (ms) of the bucket holding the q-quantile of a Prometheus
    histogram, or None without observations. Bucket bounds are 1, 2.5, 5, 10,
    25 ms...: a "<= bound" reading, coarse but taken inside vitalsd."""
    buckets = sorted((float(k.split('le="')[1].split('"')[0]), v) for k, v in metrics.items()
                     if k.startswith(name + "_bucket{"))
    total = buckets[-1][1] if buckets else 0
    if total == 0:
        return None
    for bound, count in buckets:
        if count >= q * total:
            return bound * 1000
    return float("inf")


def last_json(process):
    for line in reversed(process.lines("out")):
        if line.startswith("{"):
            return json.loads(line)
    raise AssertionError(f"{process.name} printed no result:\n{process.output()}")


def progress(process):
    counts = [int(l.split()[1]) for l in process.lines("err") if l.startswith("received ")]
    return counts[-1] if counts else 0


class Bench:
    def __init__(self, build, workdir, timeout_s, pub_nagle=False, workers=0):
        self.build = Path(build)
        self.pub_nagle = pub_nagle
        self.workers = workers
        self.workdir = Path(workdir)
        self.timeout = timeout_s
        self.pub_bin = self.build / "tools/vitals-pub/vitals-pub"
        self.vitalsd_bin = self.build / "daemon/vitalsd"
        self.ceiling_bin = self.build / "bench/ceiling_sub"
        self.latency_bin = self.build / "bench/alert_latency_sub"
        for b in (self.pub_bin, self.vitalsd_bin, self.ceiling_bin, self.latency_bin):
            if not b.exists():
                sys.exit(f"missing {b}: cmake --build {self.build} --target vitalsd vitals-pub "
                         "ceiling_sub alert_latency_sub")
        self.rules = self.workdir / "rules"
        self.shipped_rules = SOURCE_DIR / "rules"
        self.rules.mkdir()
        for f in self.shipped_rules.glob("*.toml"):
            shutil.copy(f, self.rules)
        (self.rules / "zz_bench_flap.toml").write_text(FLAP_RULE)
        # Nagle off, or a lone alert waits for the previous segment's ACK
        # (measured: alert p90 ~41 ms with it on).
        self.broker = harness.Mosquitto(self.workdir, extra_conf="set_tcp_nodelay true\n")
        self.run_id = 0

    def publish(self, s, tag):
        """Runs vitals-pub to completion; returns its report."""
        report = self.workdir / f"{s.name}-{tag}-pub.json"
        argv = [self.pub_bin, "--broker", self.broker.uri, "--qos", s.qos, "--patients", s.patients,
                "--rate", s.rate, "--count", s.count, "--seed", 2026, "--no-rules", "--quiet",
                "--client-id", f"bench-pub-{self.run_id}", "--report", report]
        if self.pub_nagle:
            argv.append("--nagle")
        pub = harness.Process(argv, name="vitals-pub")
        code = pub.wait(timeout=self.timeout)
        if code != 0:
            raise AssertionError(f"vitals-pub exited {code}:\n{pub.output()}")
        return json.loads(report.read_text())

    def run_ceiling(self, s):
        self.run_id += 1
        sub = harness.Process([self.ceiling_bin, "--broker", self.broker.uri, "--qos", s.qos,
                               "--count", s.count, "--timeout", self.timeout,
                               "--client-id", f"bench-ceiling-{self.run_id}"], name="ceiling_sub")
        try:
            sub.wait_for_line("^subscribed$")
            report = self.publish(s, "ceiling")
            sub.wait(timeout=self.timeout)  # exits on its own at --count (or its --timeout)
        finally:
            sub.stop()  # by PID; a no-op once it has exited
        r = last_json(sub)
        start_ns = report["rate"]["first_send_ms"] * 1_000_000
        elapsed = (r["last_ns"] - start_ns) / 1e9
        return {"sent": report["sent_total"], "received": r["received"],
                "rate": r["received"] / elapsed if elapsed > 0 else 0.0,
                "cpu_s": r["cpu_s"], "pub_rate": report["rate"]["achieved"],
                "latency": {k: r[k] for k in ("sampled", "p50_ms", "p99_ms", "max_ms")}}

    def run_vitalsd(self, s):
        self.run_id += 1
        alerts = harness.Process([self.latency_bin, "--broker", self.broker.uri, "--qos", 1,
                                  "--timeout", self.timeout,
                                  "--client-id", f"bench-alerts-{self.run_id}"],
                                 name="alert_latency_sub")
        try:
            alerts.wait_for_line("^subscribed$")
        except AssertionError:
            alerts.stop()
            raise
        metrics_port = harness.free_port()
        config = self.workdir / f"vitalsd-{self.run_id}.toml"
        harness.write_toml(config, {
            "mqtt": {"uri": self.broker.uri, "client_id": f"bench-vitalsd-{self.run_id}",
                     "qos": s.qos},
            "redis": {"enabled": False},
            "pipeline": {"workers": self.workers, "shutdown_timeout": "30s"},
            "metrics": {"listen": f"127.0.0.1:{metrics_port}"},
            "log": {"level": "info"},
            "rules": {"path": str(self.rules if s.flap else self.shipped_rules)},
        })
        daemon = harness.Process([self.vitalsd_bin, "--config", config], name="vitalsd")
        try:
            def metrics():
                import urllib.request
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics",
                                            timeout=5) as resp:
                    return harness.parse_metrics(resp.read().decode())

            daemon.wait_for_line(r"ready: subscribed")
            cpu0 = cpu_seconds(daemon.pid)
            threads0 = thread_usage(daemon.pid)
            report = self.publish(s, "vitalsd")
            sent = report["sent_total"]
            harness.wait_until(
                lambda: metrics().get("vitalsd_readings_received_total", 0) >= sent,
                self.timeout, interval=0.05,
                what=lambda: f"vitalsd to receive {sent} readings "
                             f"(has {metrics().get('vitalsd_readings_received_total', 0)})")
            m = harness.wait_until(
                lambda: (lambda m: m if m.get("vitalsd_readings_processed_total", 0)
                         + sum(v for k, v in m.items()
                               if k.startswith("vitalsd_readings_rejected_total")) >= sent
                         else None)(metrics()),
                self.timeout, interval=0.05, what="vitalsd to process every reading")
            done_ns = time.time_ns()
            cpu1 = cpu_seconds(daemon.pid)
            threads1 = thread_usage(daemon.pid)
            harness.wait_until(lambda: metrics().get("vitalsd_alert_publish_pending", 0) == 0,
                               self.timeout, interval=0.05, what="every alert to be published")
            m = metrics()
            published = int(sum(v for k, v in m.items() if k.startswith("vitalsd_alerts_total")))
            harness.wait_until(lambda: progress(alerts) >= published, self.timeout, interval=0.05,
                               what=lambda: f"{published} alerts at the subscriber "
                                            f"(has {progress(alerts)})")
            hwm = vm_hwm_mb(daemon.pid)
        finally:
            code = daemon.stop(timeout=60)
            alerts.stop()
        if code != 0:
            raise AssertionError(f"vitalsd exited {code}:\n{daemon.output()}")
        lat = last_json(alerts)
        processed = int(m.get("vitalsd_readings_processed_total", 0))
        rejected = int(sum(v for k, v in m.items() if k.startswith("vitalsd_readings_rejected_total")))
        elapsed = (done_ns - report["rate"]["first_send_ms"] * 1_000_000) / 1e9
        return {"sent": sent, "processed": processed, "rejected": rejected,
                "rate": processed / elapsed if elapsed > 0 else 0.0,
                "cpu_s": cpu1 - cpu0, "rss_mb": hwm,
                "threads": per_thread(threads0, threads1, processed),
                "alerts_published": published, "alerts_received": lat["received"],
                "latency": lat, "pub_rate": report["rate"]["achieved"],
                # vitalsd's own share of the alert latency: reading received
                # (MQTT callback) -> alert PUBACKed by the broker.
                "inside_p50_ms": histogram_quantile_ms(m, "vitalsd_alert_publish_seconds", 0.5),
                "inside_p99_ms": histogram_quantile_ms(m, "vitalsd_alert_publish_seconds", 0.99),
                "patients": int(m.get("vitalsd_patients_tracked", 0))}


def fmt_rate(v):
    return f"{v:,.0f}"


def row(s, c, v):
    lost_r = v["sent"] - v["processed"] - v["rejected"]
    lost_a = v["alerts_published"] - v["alerts_received"]
    lat = v["latency"]
    per_m = v["cpu_s"] / max(v["processed"], 1) * 1e6
    rate = "flat out" if s.rate == 0 else fmt_rate(s.rate)
    latency = (f"{lat['p50_ms']:.2f} / {lat['p99_ms']:.2f} / {lat['max_ms']:.2f} "
               f"({lat['sampled']:,})" if lat["sampled"] else "– (no alerts)")
    split = (f"{lat['to_emitted_p99_ms']:.0f} / {lat['after_emitted_p99_ms']:.1f} / "
             f"≤ {v['inside_p99_ms']:g}" if lat["sampled"] else "–")
    if c:
        c_per_m = c["cpu_s"] / max(c["received"], 1) * 1e6
        ceiling = (f"{fmt_rate(c['rate'])} | {fmt_rate(v['rate'])} | "
                   f"{v['rate'] / c['rate'] * 100:.1f}% | {c_per_m:.1f} | {per_m:.1f} | "
                   f"{per_m / c_per_m:.2f}x")
        lost_c = c["sent"] - c["received"]
        cl = c["latency"]
        floor = f"{cl['p50_ms']:.2f} / {cl['p99_ms']:.2f}" if cl["sampled"] else "–"
    else:
        ceiling = f"– | {fmt_rate(v['rate'])} | – | – | {per_m:.1f} | –"
        lost_c = "–"
        floor = "–"
    return (f"| {s.name} | {s.qos} | {rate} | {s.patients:,} | {ceiling} | "
            f"{latency} | {floor} | {split} | "
            f"{v['rss_mb']:.1f} | {lost_r} / {lost_a} / {lost_c} |")


HEADER = ("| scenario | QoS | rate asked | patients | ceiling /s | vitalsd /s | ratio | "
          "ceiling CPU s/M | vitalsd CPU s/M | CPU ratio | alert latency p50 / p99 / max ms (n) | "
          "ceiling delivery p50 / p99 ms | p99 ms: ts→emitted / emitted→received / in vitalsd | "
          "peak RSS MB | lost readings / alerts / ceiling |\n"
          "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default=str(SOURCE_DIR / "build"), help="CMake build directory")
    ap.add_argument("--quick", action="store_true", help="one small scenario per QoS (smoke)")
    ap.add_argument("--only", default="", help="run scenarios whose name contains this")
    ap.add_argument("--json", help="also write every number to this file")
    ap.add_argument("--pub-nagle", action="store_true",
                    help="vitals-pub with Nagle on (its --nagle), to see what that costs")
    ap.add_argument("--workers", type=int, default=0,
                    help="vitalsd's pipeline.workers (default 0: one per core)")
    ap.add_argument("--timeout", type=float, default=300, help="bound on any single wait, s")
    args = ap.parse_args()

    # SIGTERM (e.g. from `timeout`) unwinds like Ctrl-C, so the finally
    # blocks stop every process this run started (they are in their own
    # sessions and would otherwise outlive it).
    def interrupted(signo, frame):
        raise KeyboardInterrupt
    signal.signal(signal.SIGTERM, interrupted)

    scenarios = [s for s in (quick_scenarios() if args.quick else full_scenarios())
                 if args.only in s.name]
    workdir = tempfile.mkdtemp(prefix="vitalsd-e2e-")
    bench = Bench(args.build, workdir, args.timeout, pub_nagle=args.pub_nagle,
                  workers=args.workers)
    results = []
    lost = False
    print(f"# vitalsd e2e bench: {os.cpu_count()} CPUs, load average "
          f"{os.getloadavg()[0]:.2f} at start, mosquitto on {bench.broker.uri}", flush=True)
    print(HEADER, flush=True)
    try:
        for s in scenarios:
            c = bench.run_ceiling(s) if s.ceiling else None
            v = bench.run_vitalsd(s)
            results.append({"scenario": s.__dict__, "ceiling": c, "vitalsd": v})
            print(row(s, c, v), flush=True)
            if (v["sent"] != v["processed"] + v["rejected"] or v["rejected"] != 0
                    or v["alerts_published"] != v["alerts_received"]
                    or (c and c["received"] != c["sent"])):
                lost = True
    finally:
        bench.broker.stop()
        shutil.rmtree(workdir, ignore_errors=True)
    for r in results:
        threads = ", ".join(f"{name} {t['cpu_us']:.1f} µs / {t['wakeups']:.0f}"
                            for name, t in r["vitalsd"]["threads"].items() if t["cpu_us"] > 0)
        print(f"# {r['scenario']['name']}: vitalsd by thread, CPU per reading / wake-ups per "
              f"1,000 readings: {threads}")
    print(f"# load average {os.getloadavg()[0]:.2f} at end", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2))
    if lost:
        print("LOSS: a reading or alert was lost or rejected (see the last columns)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
