"""vitals-pub against a real mosquitto: rate accuracy measured by a subscriber,
bounded runs that always stop, exact delivery at QoS 1, determinism across
runs, and SPEC §2 validity of everything but the deliberate artefacts.
"""

import json
import re
import signal
import time

import pytest

from helpers import Mosquitto, MqttCollector, Process, free_port, make_tls_files, spec2_verdict

TS = re.compile(rb'"ts":[0-9.]+')


def run_pub(binary, broker, *args, timeout=60):
    """Runs vitals-pub to completion (bounded by `timeout`); returns the Process."""
    p = Process(binary, ["--broker", broker.uri, "--quiet", *args])
    p.wait(timeout)
    return p


def read_report(path):
    with open(path) as f:
        return json.load(f)


def sustained_rate(times):
    """Messages/s over the middle 80% of a run (start-up and tail trimmed)."""
    times = sorted(times)
    lo, hi = len(times) // 10, len(times) * 9 // 10
    return (hi - lo) / (times[hi] - times[lo])


@pytest.mark.timing
@pytest.mark.parametrize("rate", [200, 1000, 5000])
def test_rate_is_held_within_2_percent(vitals_pub_bin, mosquitto, collector, tmp_path, rate):
    # Given a subscriber timestamping every reading as it arrives
    sub = collector(["vitals/#"], qos=0)
    report = tmp_path / "report.json"
    # When vitals-pub sends at `rate` for 4 s
    p = run_pub(vitals_pub_bin, mosquitto, "--patients", "100", "--rate", rate, "--duration", "4s",
                "--qos", "1", "--seed", "1", "--report", report, timeout=30)
    assert p.returncode == 0, p.stderr_text()
    r = read_report(report)
    sub.wait_for_count(r["sent_total"], timeout=10)
    # Then the subscriber measures the asked rate within 2 %
    times = [m.received for m in sub.messages]
    measured = sustained_rate(times)
    whole = (len(times) - 1) / (max(times) - min(times))
    print(f"\nasked {rate}/s: subscriber {measured:.2f}/s ({100 * (measured - rate) / rate:+.2f} %),"
          f" whole run {whole:.2f}/s; vitals-pub reports {r['rate']['achieved']:.2f}/s,"
          f" max lag {r['rate']['max_lag_ms']:.1f} ms")
    assert abs(measured - rate) / rate < 0.02, f"subscriber measured {measured:.1f}/s for {rate}/s"
    # And vitals-pub reports what it achieved, which agrees
    assert abs(r["rate"]["achieved"] - rate) / rate < 0.02, r["rate"]
    assert r["sent_total"] == rate * 4


def test_count_run_stops_and_qos1_delivers_exactly_what_the_report_says(
        vitals_pub_bin, mosquitto, collector, tmp_path):
    sub = collector(["vitals/#"], qos=1)
    report = tmp_path / "report.json"
    start = time.monotonic()
    p = run_pub(vitals_pub_bin, mosquitto, "--patients", "25", "--rate", "0", "--clients", "3",
                "--count", "20000", "--qos", "1", "--seed", "3", "--report", report, timeout=60)
    assert p.returncode == 0, p.stderr_text()
    assert time.monotonic() - start < 60
    r = read_report(report)
    assert r["sent_total"] == 20000
    sub.wait_for_count(20000, timeout=30)
    assert sub.wait_until_quiet(0.5, timeout=10) == 20000
    per_topic = {t: len(ms) for t, ms in sub.by_topic().items()}
    assert per_topic == {p["topic"]: p["sent"] for p in r["patients"]}


def test_paced_duration_run_stops_on_time_with_the_scheduled_count(
        vitals_pub_bin, mosquitto, collector, tmp_path):
    sub = collector(["vitals/#"], qos=1)
    report = tmp_path / "report.json"
    start = time.monotonic()
    p = run_pub(vitals_pub_bin, mosquitto, "--patients", "10", "--rate", "100",
                "--duration", "2s", "--report", report, timeout=30)
    elapsed = time.monotonic() - start
    assert p.returncode == 0, p.stderr_text()
    assert 1.9 < elapsed < 7, elapsed
    assert read_report(report)["sent_total"] == 200
    assert sub.wait_for_count(200, timeout=10)
    assert sub.wait_until_quiet(0.5, timeout=10) == 200


def test_flat_out_duration_run_stops(vitals_pub_bin, mosquitto, tmp_path):
    start = time.monotonic()
    p = run_pub(vitals_pub_bin, mosquitto, "--rate", "0", "--duration", "1s", "--qos", "0",
                timeout=30)
    assert p.returncode == 0, p.stderr_text()
    assert time.monotonic() - start < 10


def test_scenario_run_stops_when_the_script_is_over(vitals_pub_bin, mosquitto, tmp_path):
    # sepsis at time scale 3000 with 1 s plateaus: about 4.3 s of script
    report = tmp_path / "report.json"
    start = time.monotonic()
    p = run_pub(vitals_pub_bin, mosquitto, "--patients", "3", "--rate", "30", "--time-scale",
                "3000", "--min-hold", "1s", "--scenario", "sepsis", "--report", report, timeout=30)
    assert p.returncode == 0, p.stderr_text()
    assert time.monotonic() - start < 15
    r = read_report(report)
    phases = [ph["phase"] for ph in r["phases"]]
    assert phases == ["stable", "early_sepsis", "compensated", "decompensating", "septic_shock",
                      "resuscitation", "recovered"]
    assert all(ph["messages"] > 0 for ph in r["phases"])


def test_same_seed_same_payloads_through_the_broker(vitals_pub_bin, mosquitto, collector, tmp_path):
    def payloads(prefix):
        sub = collector([f"{prefix}/#"], qos=1)
        p = run_pub(vitals_pub_bin, mosquitto, "--topic-prefix", prefix, "--patients", "6",
                    "--rate", "0", "--clients", "2", "--count", "3000", "--seed", "42",
                    "--scenario", "hypoxia:2", "--scenario", "artefacts:3", timeout=60)
        assert p.returncode == 0, p.stderr_text()
        sub.wait_for_count(3000, timeout=30)
        # ts is the send time, so it is the one field that may differ
        return {t.split("/", 1)[1]: [TS.sub(b'"ts":T', m.payload) for m in ms]
                for t, ms in sub.by_topic().items()}

    first, second = payloads("run1"), payloads("run2")
    assert first == second
    assert sum(len(v) for v in first.values()) == 3000


def test_every_payload_is_valid_except_the_artefacts(vitals_pub_bin, mosquitto, collector, tmp_path):
    sub = collector(["vitals/#"], qos=1)
    report = tmp_path / "report.json"
    p = run_pub(vitals_pub_bin, mosquitto, "--patients", "8", "--rate", "0", "--count", "8000",
                "--seed", "9", "--scenario", "artefacts:2,5", "--artefact-rate", "0.2",
                "--scenario", "sepsis:1", "--scenario", "opioid:3", "--report", report, timeout=60)
    assert p.returncode == 0, p.stderr_text()
    r = read_report(report)
    sub.wait_for_count(r["sent_total"], timeout=30)
    now_ms = int(time.time() * 1000)
    rejected = {}
    for m in sub.messages:
        verdict = spec2_verdict(m.payload, now_ms)
        if m.topic in ("vitals/p-0002", "vitals/p-0005"):
            if verdict != "ok":
                rejected[verdict] = rejected.get(verdict, 0) + 1
        else:
            assert verdict == "ok", (m.topic, m.payload[:200])
    assert rejected == r["expected_rejections"]["by_reason"]
    assert sum(rejected.values()) == r["artefacts"]["total"] > 0


def test_unbounded_runs_and_bad_options_are_refused(vitals_pub_bin):
    for args, says in [([], "unbounded"), (["--rate", "10"], "unbounded"),
                       (["--count", "1", "--qos", "2"], "must be 0 or 1"),
                       (["--count", "1", "--duration", "5"], "missing unit")]:
        p = Process(vitals_pub_bin, args)
        assert p.wait(10) == 2, args
        assert says in p.stderr_text(), p.stderr_text()


def test_unreachable_broker_fails_fast(vitals_pub_bin):
    p = Process(vitals_pub_bin, ["--broker", f"tcp://127.0.0.1:{free_port()}", "--count", "5"])
    assert p.wait(30) == 1
    assert "cannot connect" in p.stderr_text()


def test_sigint_stops_a_long_run_and_still_writes_the_report(
        vitals_pub_bin, mosquitto, collector, tmp_path):
    sub = collector(["vitals/#"], qos=1)
    report = tmp_path / "report.json"
    p = Process(vitals_pub_bin, ["--broker", mosquitto.uri, "--rate", "50", "--duration", "10m",
                                 "--report", report])
    sub.wait_for_count(20, timeout=10)
    p.send_signal(signal.SIGINT)
    assert p.wait(5) == 130
    r = read_report(report)
    assert r["interrupted"] is True
    assert sub.wait_until_quiet(0.5, timeout=10) == r["sent_total"]


def test_tls_and_password_like_the_daemon(vitals_pub_bin, tmp_path):
    tls = make_tls_files(tmp_path)
    (tmp_path / "password").write_text("s3cret\n")
    (tmp_path / "wrong").write_text("guess\n")
    with Mosquitto(tmp_path, tls=tls, users={"ward7": "s3cret"}) as broker:
        with MqttCollector(broker.host, broker.port, ["vitals/#"], ca_file=tls["ca"],
                           username="ward7", password="s3cret") as sub:
            ok = Process(vitals_pub_bin, ["--broker", broker.uri, "--ca-file", tls["ca"],
                                          "--username", "ward7", "--password-file",
                                          tmp_path / "password", "--count", "50", "--rate", "0"])
            assert ok.wait(30) == 0, ok.stderr_text()
            sub.wait_for_count(50, timeout=10)
        refused = Process(vitals_pub_bin, ["--broker", broker.uri, "--ca-file", tls["ca"],
                                           "--username", "ward7", "--password-file",
                                           tmp_path / "wrong", "--count", "5"])
        assert refused.wait(30) == 1
        assert "cannot connect" in refused.stderr_text()
        assert "guess" not in refused.stderr_text()  # secrets never printed
