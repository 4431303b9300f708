"""NEWS2, signal_lost and acknowledgements through the real binary and broker."""
import time

from harness import threshold_rule, wait_until

T0 = 1_795_255_200_000  # 2026-11-21T10:00:00Z

SPO2_LOW = threshold_rule("spo2_low", "spo2", "below", [(92, "low"), (90, "medium"), (85, "high")],
                          hysteresis=1)
NEWS2 = '[news2]\nenabled = true\nwindow = "5m"\n\n'
SIGNAL_LOST = '[signal_lost]\nafter = "2s"\nseverity = "medium"\n\n'


def vitals(ts_s, rr, spo2, sbp, hr, temp, **extra):
    return {"ts": T0 + ts_s * 1000, "device": "wb-9", "rr": rr, "spo2": spo2, "sbp": sbp,
            "hr": hr, "temp": temp, **extra}


def test_news2_deteriorating_patient_goes_low_medium_medium_high_and_back(vitalsd, mqtt):
    vitalsd(rules_text=NEWS2 + SPO2_LOW)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    steps = [
        vitals(0, 16, 97, 120, 70, 36.8, o2=False, acvpu="A"),  # 0
        vitals(60, 16, 97, 120, 70, 36.8, acvpu="C"),           # new confusion: 3, low-medium
        vitals(120, 21, 96, 105, 95, 36.8, acvpu="A"),          # 2+0+1+1 = 4 but no 3: clears
        vitals(180, 22, 96, 105, 95, 38.5, acvpu="A"),          # 2+1+1+1 = 5: medium
        vitals(240, 25, 96, 95, 115, 38.5, acvpu="A"),          # 3+2+2+1 = 8: high
        vitals(300, 16, 97, 120, 70, 36.8, acvpu="A"),          # 0: cleared
    ]
    for s in steps:
        pub.publish("vitals/p-news", s)
    alerts = sub.wait_for(5, "alerts/p-news")
    assert all(a["rule"] == "news2" for a in alerts)
    assert [(a["state"], a["severity"], a["score"], a["risk"]) for a in alerts] == [
        ("raised", "low", 3, "low-medium"),
        ("cleared", "low", 4, "low"),
        ("raised", "medium", 5, "medium"),
        ("escalated", "high", 8, "high"),
        ("cleared", "high", 0, "low"),
    ]
    first = alerts[0]
    assert first["metric"] == "news2" and first["value"] == 3
    assert first["subscores"] == {"rr": 0, "spo2": 0, "o2": 0, "sbp": 0, "hr": 0, "acvpu": 3,
                                  "temp": 0}
    assert first["assumed"] == [], "o2 came from an earlier reading, acvpu from this one"
    assert alerts[2]["id"] == alerts[3]["id"] == alerts[4]["id"]
    assert alerts[0]["id"] != alerts[2]["id"]


def test_news2_lists_what_it_assumed(vitalsd, mqtt):
    vitalsd(rules_text=NEWS2 + SPO2_LOW)
    sub = mqtt()
    sub.subscribe("alerts/#")
    mqtt().publish("vitals/p-x", vitals(0, 26, 97, 120, 70, 36.8))  # rr 3, no o2 / acvpu
    (alert,) = sub.wait_for(1)
    assert alert["rule"] == "news2" and alert["assumed"] == ["o2", "acvpu"]


def test_signal_lost_raises_after_silence_and_clears_on_the_next_reading(vitalsd, mqtt):
    d = vitalsd(rules_text=SIGNAL_LOST + SPO2_LOW)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    pub.publish("vitals/p-quiet", {"hr": 70, "device": "wb-q"})
    sent = time.monotonic()
    (lost,) = sub.wait_for(1, "alerts/p-quiet", timeout=30)
    assert time.monotonic() - sent >= 2.0, "not before `after` has passed"
    assert (lost["rule"], lost["metric"], lost["state"], lost["severity"]) == \
        ("signal_lost", "none", "raised", "medium")
    assert lost["value"] is None and lost["reading_ts"] is None and lost["device"] is None
    # The worker sets its gauges after the batch that emitted the alert.
    d.wait_metric('vitalsd_active_alerts{severity="medium"}', lambda v: v == 1)
    pub.publish("vitals/p-quiet", {"hr": 71, "device": "wb-q"})
    alerts = sub.wait_for(2, "alerts/p-quiet")
    assert alerts[1]["state"] == "cleared" and alerts[1]["id"] == lost["id"]
    assert alerts[1]["device"] == "wb-q"


def test_ack_gives_acknowledged_then_cleared_and_bad_acks_are_counted(vitalsd, mqtt):
    d = vitalsd(rules_text=SPO2_LOW)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    pub.publish("vitals/p-ack", {"spo2": 89})
    (raised,) = sub.wait_for(1)
    pub.publish("alerts-ack/p-ack", {"rule": "spo2_low", "by": "rn-42"})
    acked = sub.wait_for(2)[1]
    assert (acked["state"], acked["id"], acked["severity"], acked["by"]) == \
        ("acknowledged", raised["id"], "medium", "rn-42")
    assert acked["value"] is None and acked["reading_ts"] is None
    # Ignored, counted, never a crash: repeated, unknown rule, unknown patient, garbage.
    pub.publish("alerts-ack/p-ack", {"rule": "spo2_low", "by": "rn-42"})
    pub.publish("alerts-ack/p-ack", {"rule": "hr_high"})
    pub.publish("alerts-ack/nobody", {"rule": "spo2_low"})
    pub.publish("alerts-ack/p-ack", b"{oops")
    pub.publish("alerts-ack/p 1", {"rule": "spo2_low"})
    wait_until(lambda: d.metric('vitalsd_acks_total{result="invalid"}') == 2
               and d.metric('vitalsd_acks_total{result="inactive"}') == 2
               and d.metric('vitalsd_acks_total{result="duplicate"}') == 1,
               what="ack counters")
    assert d.metric('vitalsd_acks_total{result="acknowledged"}') == 1
    assert d.metric("vitalsd_readings_received_total") == 1, "acks are not readings"
    # Still active after the ack: it clears only when the condition does.
    pub.publish("vitals/p-ack", {"spo2": 96})
    alerts = sub.wait_for(3)
    assert [a["state"] for a in alerts] == ["raised", "acknowledged", "cleared"]
    assert alerts[2]["id"] == raised["id"]
