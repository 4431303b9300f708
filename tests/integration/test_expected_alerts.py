"""vitals-pub's expected alerts against what the real vitalsd raises.

One ward plays every scenario vitals-pub offers, next to stable patients,
through a real mosquitto into the real vitalsd (with a real redis-server for
the COPD patient's profile, loaded beforehand from `vitals-pub --plan`). A
subscriber collects every alert on alerts/#, and the reference checker
(expected_alerts.check_alerts) compares them with the report's list.

The rules are the shipped rules/ with every time constant (`for`,
signal_lost `after`, the NEWS2 `window`) divided by COMPRESSION, and the
scenarios are compressed to match (--time-scale, --min-hold, --dropout-gap),
so the ward plays in about 30 s instead of ten minutes. Thresholds, levels,
hysteresis and NEWS2 are the shipped ones unchanged. Run with
EXPECTED_ALERTS_COMPRESSION=1 (scripts/check-expected-alerts.sh) for the
shipped rules exactly as they are, in real time.
"""

import json
import os
import re
from pathlib import Path

import pytest

from expected_alerts import check_alerts
from harness import Mosquitto, RedisServer, Vitalsd, wait_until
from helpers import MqttCollector, Process

SOURCE_DIR = Path(os.environ.get("VITALSD_SOURCE_DIR", Path(__file__).resolve().parents[2]))
COMPRESSION = int(os.environ.get("EXPECTED_ALERTS_COMPRESSION", "30"))

# Every scenario vitals-pub offers, each on its own patient; p-0008..p-0010 are
# stable (p-0007 only has a noisy device, which must not change its alerts).
SCENARIOS = {"sepsis": "p-0001", "hypoxia": "p-0002", "opioid": "p-0003",
             "bradycardia": "p-0004", "copd": "p-0005", "dropout": "p-0006",
             "artefacts": "p-0007"}
STABLE = ["p-0008", "p-0009", "p-0010"]
PATIENTS = 10
RATE = 20  # each patient sends every 0.5 s
SEED = int(os.environ.get("EXPECTED_ALERTS_SEED", "20261202"))  # any seed must pass


def ward_options(compression):
    """vitals-pub options for the ward; the time scale keeps the scripted
    physiology about as fast relative to the rules' `for` at any compression."""
    if compression == 1:
        timing = ["--time-scale", "60", "--min-hold", "150s"]
    else:
        hold_s = max(6, 150 // compression)
        gap_s = max(12, 180 // compression)
        timing = ["--time-scale", str(20 * compression), "--min-hold", f"{hold_s}s",
                  "--dropout-gap", f"{gap_s}s"]
    args = ["--patients", str(PATIENTS), "--rate", str(RATE), "--seed", str(SEED),
            "--artefact-rate", "0.3", *timing]
    for name, patient in SCENARIOS.items():
        args += ["--scenario", f"{name}:{patient}"]
    return args


DURATION = re.compile(r'^(\s*(?:for|after|window)\s*=\s*)"([0-9a-z]+)"', re.MULTILINE)
UNIT_MS = {"ms": 1, "s": 1000, "m": 60_000, "h": 3_600_000}


def duration_ms(text):
    parts = re.findall(r"(\d+)(ms|s|m|h)", text)
    assert "".join(n + u for n, u in parts) == text, f"unexpected duration {text!r}"
    return sum(int(n) * UNIT_MS[u] for n, u in parts)


def compressed_rules(out_dir, compression):
    """The shipped rules with every duration divided by `compression`."""
    shipped = SOURCE_DIR / "rules"
    if compression == 1:
        return shipped
    out_dir.mkdir()
    changed = 0
    for f in sorted(shipped.glob("*.toml")):
        text, n = DURATION.subn(
            lambda m: f'{m.group(1)}"{duration_ms(m.group(2)) // compression}ms"',
            f.read_text())
        changed += n
        (out_dir / f.name).write_text(text)
    assert changed >= 10, "the shipped rules should have a `for` per rule"
    return out_dir


def metric_sum(metrics, name):
    return sum(v for k, v in metrics.items() if k == name or k.startswith(name + "{"))


@pytest.fixture(scope="module")
def ward(tmp_path_factory, vitals_pub_bin):
    """Plays the ward once: returns (plan, report, alerts, vitalsd metrics)."""
    work = tmp_path_factory.mktemp("expected")
    rules = compressed_rules(work / "rules", COMPRESSION)
    options = ward_options(COMPRESSION) + ["--rules", str(rules), "--quiet"]

    # The plan says which profiles the ward needs; they go to Redis first.
    planner = Process(vitals_pub_bin, ["--plan", *options])
    assert planner.wait(30) == 0, planner.stderr_text()
    plan = json.loads(planner.stdout_text())

    broker = Mosquitto(work)
    redis = RedisServer(work)
    daemon = collector = pub = None
    try:
        r = redis.client()
        for profile in plan["profiles"]:
            r.hset(f"vitalsd:patient:{profile['patient']}", mapping=profile["fields"])
        daemon = Vitalsd(work, broker.port, rules_path=rules, redis_port=redis.port)
        collector = MqttCollector(broker.host, broker.port, ["alerts/#"], qos=1).start()

        report_path = work / "report.json"
        pub = Process(vitals_pub_bin, ["--broker", broker.uri, "--report", str(report_path),
                                       *options])
        play_s = plan["rate"]["last_send_ms"] / 1000
        assert pub.wait(play_s + 60) == 0, pub.stderr_text()
        report = json.loads(report_path.read_text())

        # Done when vitalsd has taken in everything that was sent, judged every
        # reading, and every alert it counted has reached the subscriber.
        readings = report["sent_total"] - report["artefacts"]["total"]

        def settled():
            m = daemon.metrics()
            return (m.get("vitalsd_readings_received_total") == report["sent_total"]
                    and m.get("vitalsd_readings_processed_total") == readings
                    and metric_sum(m, "vitalsd_alerts_total") == collector.count()
                    and m)
        metrics = wait_until(settled, timeout=30, what=lambda: (
            f"vitalsd to process {report['sent_total']} messages ({readings} readings) and "
            f"publish its alerts (have {collector.count()} alerts): {daemon.metrics()}"))
        alerts = [json.loads(m.payload) for m in collector.messages]
        yield plan, report, alerts, metrics
    finally:
        if pub:
            pub.stop()
        if collector:
            collector.stop()
        if daemon:
            daemon.stop()
        redis.stop()
        broker.stop()


def problems_of(report, alerts, patient):
    return [p for p in check_alerts(report, alerts) if p.startswith(patient + " ")]


@pytest.mark.parametrize("scenario", sorted(SCENARIOS))
def test_vitalsd_raises_what_the_report_expects(ward, scenario):
    _, report, alerts, _ = ward
    patient = SCENARIOS[scenario]
    expected = [e for e in report["expected_alerts"]["alerts"] if e["patient"] == patient]
    certain = sorted(e["rule"] for e in expected if e["certain"])
    print(f"\n{scenario} ({patient}): certain {certain}; vitalsd raised "
          f"{sorted({a['rule'] for a in alerts if a['patient'] == patient})}")
    # The expectation is worth checking: every course promises alerts, and a
    # noisy device on a stable patient promises no clinical alert (a run of
    # artefacts is a gap between valid readings, so with the compressed
    # signal_lost `after` an optional signal_lost is allowed).
    if scenario == "artefacts":
        assert [e for e in expected if e["certain"] or e["rule"] != "signal_lost"] == []
    else:
        assert certain, f"{scenario}: the report promises no alert at all"
    assert problems_of(report, alerts, patient) == []


def test_stable_patients_stay_quiet(ward):
    _, report, alerts, _ = ward
    quiet = report["expected_alerts"]["quiet_patients"]
    assert set(STABLE) <= set(quiet)
    assert [a for a in alerts if a["patient"] in STABLE] == []


def test_the_whole_ward_passes_the_check(ward):
    _, report, alerts, _ = ward
    assert check_alerts(report, alerts) == []


def test_artefacts_are_rejected_for_the_expected_reasons(ward):
    _, report, _, metrics = ward
    by_reason = {k.split('"')[1]: v for k, v in metrics.items()
                 if k.startswith("vitalsd_readings_rejected_total{") and v > 0}
    assert report["expected_rejections"]["total"] > 0
    assert by_reason == report["expected_rejections"]["by_reason"]


def test_the_plan_foresees_the_run(ward):
    plan, report, _, _ = ward
    assert plan["plan"] is True and report["plan"] is False
    assert plan["profiles"] == report["profiles"]
    assert plan["sent_total"] == report["sent_total"]
    assert [p["sent"] for p in plan["patients"]] == [p["sent"] for p in report["patients"]]

    def shape(r):
        return [(e["patient"], e["rule"], e["certain"], e["severity"], e["clear"])
                for e in r["expected_alerts"]["alerts"]]
    assert shape(plan) == shape(report)
