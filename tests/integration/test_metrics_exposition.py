"""GET /metrics on a running vitalsd: every SPEC §8 metric with its type and
help, label sets that exist before the first event, the process_* metrics, and
no patient id anywhere in a label."""
import os
import signal
import time
from pathlib import Path

from harness import wait_until
from metrics_support import (BAD_REASONS, HR_HIGH, PATIENTS, SPO2_LOW, WardTraffic,
                             parse_exposition, scrape, value)

# SPEC §8, then what vitalsd adds (documented in the README).
SPEC_METRICS = {
    "vitalsd_readings_received_total": "counter",
    "vitalsd_readings_processed_total": "counter",
    "vitalsd_readings_rejected_total": "counter",
    "vitalsd_alerts_total": "counter",
    "vitalsd_active_alerts": "gauge",
    "vitalsd_queue_depth": "gauge",
    "vitalsd_queue_full_waits_total": "counter",
    "vitalsd_processing_seconds": "histogram",
    "vitalsd_alert_publish_seconds": "histogram",
    "vitalsd_patients_tracked": "gauge",
    "vitalsd_mqtt_connected": "gauge",
    "vitalsd_mqtt_reconnects_total": "counter",
    "vitalsd_redis_up": "gauge",
    "vitalsd_redis_errors_total": "counter",
    "vitalsd_redis_circuit_open": "gauge",
    "vitalsd_config_reloads_total": "counter",
    "vitalsd_config_generation": "gauge",
    "vitalsd_build_info": "gauge",
}
EXTRA_METRICS = {
    "vitalsd_redis_enabled": "gauge",
    "vitalsd_alert_publish_pending": "gauge",
    "vitalsd_alert_publish_failures_total": "counter",
    "process_cpu_seconds_total": "counter",
    "process_resident_memory_bytes": "gauge",
    "process_virtual_memory_bytes": "gauge",
    "process_open_fds": "gauge",
    "process_max_fds": "gauge",
    "process_start_time_seconds": "gauge",
}
LABELS = {
    "vitalsd_readings_rejected_total": {"reason"},
    "vitalsd_alerts_total": {"rule", "severity", "state"},
    "vitalsd_active_alerts": {"severity"},
    "vitalsd_queue_depth": {"worker"},
    "vitalsd_redis_errors_total": {"op"},
    "vitalsd_config_reloads_total": {"result"},
    "vitalsd_build_info": {"version"},
}


def run_traffic_until_alerts(d, mqtt):
    """Drives WardTraffic until alerts of two states have been counted, then
    stops it and waits until every reading is accounted for."""
    traffic = WardTraffic(mqtt())

    def enough():
        f = parse_exposition(scrape(d.metrics_port))
        cycles = value(f, "vitalsd_alerts_total", rule="hr_high", severity="medium",
                       state="cleared") / len(PATIENTS)
        return cycles >= 2 and all(
            value(f, "vitalsd_readings_rejected_total", reason=r) > 0 for r in BAD_REASONS)
    try:
        wait_until(enough, what="two alert cycles per patient and every kind of bad payload")
    finally:
        traffic.stop()

    def settled():
        f = parse_exposition(scrape(d.metrics_port))
        received = value(f, "vitalsd_readings_received_total")
        done = value(f, "vitalsd_readings_processed_total") + sum(
            v for _, _, v in f["vitalsd_readings_rejected_total"]["samples"])
        return f if received == done and value(f, "vitalsd_alert_publish_pending") == 0 else None
    return wait_until(settled, what="received == processed + rejected")


def test_every_spec_metric_has_its_type_help_and_labels(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    families = run_traffic_until_alerts(d, mqtt)

    for name, type_ in {**SPEC_METRICS, **EXTRA_METRICS}.items():
        assert name in families, f"{name} missing"
        f = families[name]
        assert f["type"] == type_, f"{name}: TYPE {f['type']}, want {type_}"
        assert f["help"] and f["help"].strip(), f"{name}: no HELP"
        assert f["samples"], f"{name}: no samples"
        if type_ == "counter":
            assert name.endswith("_total"), name
        for sample, labels, _ in f["samples"]:
            want = LABELS.get(name, set()) | ({"le"} if sample.endswith("_bucket") else set())
            assert set(labels) == want, f"{sample}{labels}: labels should be {want}"

    for name in ("vitalsd_processing_seconds", "vitalsd_alert_publish_seconds"):
        bounds = [float(l["le"]) for n, l, _ in families[name]["samples"] if n.endswith("_bucket")]
        assert bounds == sorted(bounds) and bounds[-1] == float("inf"), name
        assert min(bounds) <= 0.0001 and max(b for b in bounds if b != float("inf")) >= 10, \
            f"{name} buckets must span sub-millisecond to multi-second: {bounds}"
        inf = [v for n, l, v in families[name]["samples"] if l.get("le") == "+Inf"]
        assert value(families, name, "_count") == inf[0] > 0, name

    # The traffic's alerts are all counted, under the rule's own severities.
    f = families
    assert value(f, "vitalsd_alerts_total", rule="hr_high", severity="low", state="raised") >= 2
    assert value(f, "vitalsd_alerts_total", rule="hr_high", severity="medium", state="escalated") >= 2
    assert value(f, "vitalsd_patients_tracked") == len(PATIENTS)
    assert {l["worker"] for _, l, _ in f["vitalsd_queue_depth"]["samples"]} == {"0", "1"}
    assert value(f, "vitalsd_mqtt_connected") == 1
    assert value(f, "vitalsd_redis_enabled") == 0 and value(f, "vitalsd_redis_up") == 0


def test_no_patient_id_in_any_label(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    families = run_traffic_until_alerts(d, mqtt)
    for name, f in families.items():
        for sample, labels, _ in f["samples"]:
            assert not any("patient" in k for k in labels), f"{sample}{labels}"
            for v in labels.values():
                assert not any(p in v for p in PATIENTS), f"patient id in {sample}{labels}"
    assert not any(p in scrape(d.metrics_port) for p in PATIENTS)


def test_label_sets_exist_before_the_first_event_and_follow_reloads(vitalsd):
    d = vitalsd(rules_text=HR_HIGH)
    f = parse_exposition(scrape(d.metrics_port))
    for reason in ("too_large", "bad_topic", "malformed_json", "no_vitals", "bad_value",
                   "implausible", "bad_timestamp", "future_timestamp"):
        assert value(f, "vitalsd_readings_rejected_total", reason=reason) == 0
    for severity in ("low", "medium", "high"):
        assert value(f, "vitalsd_active_alerts", severity=severity) == 0
    for op in ("connect", "profile_get", "subscribe", "stream_add", "active_write",
               "latest_write", "restore"):
        assert value(f, "vitalsd_redis_errors_total", op=op) == 0
    for result in ("success", "failure"):
        assert value(f, "vitalsd_config_reloads_total", result=result) == 0
    assert value(f, "vitalsd_alerts_total", rule="hr_high", severity="medium", state="raised") == 0
    assert value(f, "vitalsd_config_generation") == 1

    # A reload that adds spo2_low brings its series, at zero, in the next scrape.
    d.rules_path.write_text(HR_HIGH + SPO2_LOW)
    d.process.send_signal(signal.SIGHUP)
    wait_until(lambda: value(parse_exposition(scrape(d.metrics_port)),
                             "vitalsd_config_generation") == 2, what="the reload")
    f = parse_exposition(scrape(d.metrics_port))
    assert value(f, "vitalsd_config_reloads_total", result="success") == 1
    assert value(f, "vitalsd_alerts_total", rule="spo2_low", severity="high", state="escalated") == 0
    assert value(f, "vitalsd_alerts_total", rule="hr_high", severity="low", state="cleared") == 0
    assert not [l for _, l, _ in f["vitalsd_alerts_total"]["samples"]
                if l["rule"] == "spo2_low" and l["severity"] == "low" and l["state"] == "escalated"], \
        "escalation never reaches a rule's mildest severity"


def test_process_metrics_describe_the_daemon(vitalsd):
    d = vitalsd(rules_text=HR_HIGH)
    f = parse_exposition(scrape(d.metrics_port))
    pid = d.process.pid
    fds = len(os.listdir(f"/proc/{pid}/fd"))
    assert abs(value(f, "process_open_fds") - fds) <= 3, "about the daemon's own fd count"
    soft_limit = next(int(l.split()[3]) for l in Path(f"/proc/{pid}/limits").read_text().splitlines()
                      if l.startswith("Max open files"))
    assert value(f, "process_max_fds") == soft_limit
    assert value(f, "process_resident_memory_bytes") > 1 << 20
    assert value(f, "process_virtual_memory_bytes") >= value(f, "process_resident_memory_bytes")
    started = value(f, "process_start_time_seconds")
    assert time.time() - 60 < started <= time.time() + 1, "started moments ago"
    assert value(f, "process_cpu_seconds_total") >= 0
