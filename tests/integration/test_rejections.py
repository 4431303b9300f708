"""Bad input through the real broker: every rejection reason is published, counted and logged."""
import json
import random
import time

from harness import threshold_rule, wait_until

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low")])


def now_ms():
    return int(time.time() * 1000)


CASES = [
    # (topic, payload, reason)
    ("vitals/p-1", b"x" * 2000, "too_large"),
    ("vitals/p 1", b'{"hr": 70}', "bad_topic"),
    ("vitals/" + "p" * 65, b'{"hr": 70}', "bad_topic"),
    ("vitals/p-1", b"{not json", "malformed_json"),
    ("vitals/p-1", b"[1, 2]", "malformed_json"),
    ("vitals/p-1", b'{"device": "wb-1"}', "no_vitals"),
    ("vitals/p-1", b'{"hr": "72"}', "bad_value"),
    ("vitals/p-1", b'{"hr": 1e999}', "bad_value"),
    ("vitals/p-1", b'{"hr": 351}', "implausible"),
    ("vitals/p-1", b'{"temp": 19.9}', "implausible"),
    ("vitals/p-1", b'{"hr": 70, "ts": -1}', "bad_timestamp"),
    ("vitals/p-1", b'{"hr": 70, "ts": "yesterday"}', "bad_timestamp"),
]


def test_every_reason_is_published_counted_and_logged(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH, config={"pipeline": {"max_payload_bytes": 1024}})
    sub = mqtt()
    sub.subscribe("vitalsd/rejected")
    pub = mqtt()
    cases = CASES + [("vitals/p-1", json.dumps({"hr": 70, "ts": now_ms() + 10 * 60_000}).encode(),
                      "future_timestamp")]
    for topic, payload, _ in cases:
        pub.publish(topic, payload)
    notices = sub.wait_for(len(cases), "vitalsd/rejected")
    assert [(n["topic"], n["reason"]) for n in notices] == [(t, r) for t, _, r in cases]
    for n in notices:
        assert n["detail"], n
        assert n["received_ts"].endswith("Z")
    m = d.metrics()
    for reason in {r for _, _, r in cases}:
        expected = sum(1 for _, _, r in cases if r == reason)
        assert m[f'vitalsd_readings_rejected_total{{reason="{reason}"}}'] == expected, reason
    assert m["vitalsd_readings_received_total"] == len(cases)
    assert m["vitalsd_readings_processed_total"] == 0
    # Logged with the reason, never with the payload.
    d.process.wait_for_line(r"rejected reading on .*too_large")
    assert "xxxxxxxxxx" not in d.process.output()


def test_rejection_logging_is_rate_limited(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    pub = mqtt()
    for _ in range(200):
        pub.publish("vitals/p-1", b"garbage", wait=False)
    d.wait_metric('vitalsd_readings_rejected_total{reason="malformed_json"}', lambda v: v == 200)
    logged = [l for l in d.process.lines() if "malformed_json" in l]
    assert 1 <= len(logged) <= 2, logged


def test_survives_10000_random_garbage_payloads(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    rng = random.Random(20261122)
    valid = json.dumps({"hr": 70, "spo2": 97, "rr": 16, "temp": 36.8, "acvpu": "A"}).encode()
    for i in range(10_000):
        kind = i % 3
        if kind == 0:
            payload = bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 200)))
        elif kind == 1:  # a valid payload with a few bytes flipped
            b = bytearray(valid)
            for _ in range(rng.randint(1, 4)):
                b[rng.randrange(len(b))] = rng.getrandbits(8)
            payload = bytes(b)
        else:  # structurally plausible JSON with random values
            payload = json.dumps({rng.choice(["hr", "spo2", "rr", "temp", "sbp", "ts", "o2",
                                              "acvpu", "device"]):
                                  rng.choice([None, True, -1, 1e308, "A", [], {}, 0.5, 400])}).encode()
        pub.publish(f"vitals/g-{i % 50}", payload, qos=1, wait=False)
    d.wait_metric("vitalsd_readings_received_total", lambda v: v == 10_000, timeout=60)
    m = d.metrics()
    rejected = sum(v for k, v in m.items() if k.startswith("vitalsd_readings_rejected_total"))
    wait_until(lambda: d.metric("vitalsd_readings_processed_total") + rejected == 10_000,
               what="received = processed + rejected")
    assert rejected > 9_000
    assert d.process.alive()
    # Still working: a real breach still alerts.
    pub.publish("vitals/after-garbage", {"hr": 150})
    alerts = sub.wait_for(1, "alerts/after-garbage")
    assert alerts[0]["state"] == "raised"
