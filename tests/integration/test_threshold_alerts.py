"""Threshold alerts end to end: real mosquitto, real vitalsd, exact alert sequence."""
import re

from harness import threshold_rule

T0 = 1_795_255_200_000  # 2026-11-21T10:00:00Z

SPO2_LOW = threshold_rule("spo2_low", "spo2", "below",
                          [(92, "low"), (90, "medium"), (85, "high")], for_="15s", hysteresis=1)
HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low"), (130, "medium")], hysteresis=5)


def reading(ts_offset_s, **vitals):
    return {"ts": T0 + int(ts_offset_s * 1000), "device": "wb-0042", **vitals}


def test_deteriorating_patient_gives_the_exact_alert_sequence(vitalsd, mqtt):
    vitalsd(rules_text=SPO2_LOW + HR_HIGH)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    for ts, spo2 in [(0, 95), (10, 91), (20, 91), (25, 91), (26, 89), (27, 89), (28, 84),
                     (29, 91), (30, 92.5), (31, 93), (32, 91)]:
        pub.publish("vitals/p-001", reading(ts, spo2=spo2))
    alerts = sub.wait_for(4, "alerts/p-001")
    assert [(a["state"], a["severity"], a["value"], a["threshold"]) for a in alerts] == [
        ("raised", "low", 91, 92),       # 15 s after the breach began at ts 10
        ("escalated", "medium", 89, 90),
        ("escalated", "high", 84, 85),
        ("cleared", "high", 93, 92),     # 92.5 is inside the hysteresis band; 93 = 92 + 1 clears
    ]
    assert len({a["id"] for a in alerts}) == 1, "one id for the whole episode"
    assert re.fullmatch(r"[0-9a-f]{32}", alerts[0]["id"])
    first = alerts[0]
    assert first["patient"] == "p-001" and first["rule"] == "spo2_low" and first["metric"] == "spo2"
    assert first["reading_ts"] == "2026-11-21T10:00:25.000Z"
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z", first["emitted_ts"])
    assert first["device"] == "wb-0042"

    # The breach at ts 32 starts a new pending breach; it has not lasted 15 s, so nothing more.
    pub.publish("vitals/p-001", reading(33, hr=80))
    pub.publish("vitals/p-002", reading(0, hr=131))  # a marker that the pipeline has moved on
    sub.wait_for(1, "alerts/p-002")
    assert len(sub.received("alerts/p-001")) == 4


def test_steady_breach_raises_once_and_patients_are_independent(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    for i in range(50):
        pub.publish("vitals/p-a", reading(i, hr=125), wait=False)
        pub.publish("vitals/p-b", reading(i, hr=70), wait=False)
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == 100)
    # Alerts leave in the order they were emitted, so once the marker's alert
    # is here every alert caused by the 100 readings before it is here too.
    pub.publish("vitals/marker", reading(0, hr=150))
    sub.wait_for(1, "alerts/marker")
    assert [(t, a["state"]) for (t, _), a in zip(sub.received("alerts/p-"), sub.json_messages("alerts/p-"))] \
        == [("alerts/p-a", "raised")]
    assert d.metric('vitalsd_alerts_total{rule="hr_high",severity="low",state="raised"}') == 1


def test_shared_subscription_filter_works(vitalsd, mqtt):
    vitalsd(rules_text=HR_HIGH, config={"mqtt": {"subscribe": "$share/vitalsd/vitals/+"}})
    sub = mqtt()
    sub.subscribe("alerts/#")
    mqtt().publish("vitals/p-1", reading(0, hr=140))
    (alert,) = sub.wait_for(1)
    assert alert["patient"] == "p-1" and alert["severity"] == "medium"


def test_alert_topic_prefix_is_configurable(vitalsd, mqtt):
    vitalsd(rules_text=HR_HIGH, config={"mqtt": {"alert_topic_prefix": "ward7/alerts"}})
    sub = mqtt()
    sub.subscribe("ward7/alerts/#")
    mqtt().publish("vitals/p-1", reading(0, hr=140))
    sub.wait_for(1, "ward7/alerts/p-1")
