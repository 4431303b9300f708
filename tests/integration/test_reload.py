"""SIGHUP reload through the real binary and broker (SPEC §7, README "Reload")."""
import re
import signal

from harness import replace_file, threshold_rule, wait_until

T0 = 1_795_255_200_000  # 2026-11-21T10:00:00Z


def hr_high(*levels, hysteresis=5, name="hr_high"):
    """hr_high with levels given as thresholds (low, medium, high in turn) or (threshold, severity)."""
    named = [lv if isinstance(lv, tuple) else (lv, ("low", "medium", "high")[i])
             for i, lv in enumerate(levels)]
    return threshold_rule(name, "hr", "above", named, hysteresis=hysteresis)


SPO2_LOW = threshold_rule("spo2_low", "spo2", "below", [(92, "low")], hysteresis=1)
# Never breached by these tests (no reading carries temp); its only job is to
# sit in front of hr_high so that hr_high's position in the rule set changes.
TEMP_HIGH = threshold_rule("temp_high", "temp", "above", [(39, "low")])


def reading(ts_s, **vitals):
    return {"ts": T0 + int(ts_s * 1000), **vitals}


def test_a_changed_threshold_takes_effect_after_sighup(vitalsd, mqtt):
    d = vitalsd(rules_text=hr_high(110))
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    pub.publish("vitals/p-before", reading(0, hr=105))
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == 1)

    d.rules_path.write_text(hr_high(100))
    assert d.reload() == "success"
    assert d.metric("vitalsd_config_generation") == 2
    d.process.wait_for_line(r"reload: rules generation 2 handed to every worker: 1 threshold rules")

    pub.publish("vitals/p-after", reading(1, hr=105))
    (alert,) = sub.wait_for(1)  # p-before (judged against 110) raised nothing
    assert (alert["patient"], alert["state"], alert["threshold"]) == ("p-after", "raised", 100)


def test_an_invalid_rules_file_is_refused_and_the_old_thresholds_still_fire(vitalsd, mqtt):
    d = vitalsd(rules_text=hr_high(110))
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()

    d.rules_path.write_text(hr_high(100).replace('metric = "hr"', 'metric = "pulse"'))
    assert d.reload() == "failure"
    line = d.process.wait_for_line(r"reload refused: .*pulse")
    assert re.search(re.escape(str(d.rules_path)) + r":3:\d+: ", line), line
    d.process.wait_for_line(r"reload refused \(1 problem\); rules generation 1 stays in force")
    assert d.metric("vitalsd_config_generation") == 1

    # A broken vitalsd.toml is refused the same way, even with good rules.
    d.rules_path.write_text(hr_high(100))
    d.write_config({"pipeline": {"workers": "two"}})
    assert d.reload() == "failure"
    line = d.process.wait_for_line(r"reload refused: .*workers")
    assert re.search(re.escape(str(d.config_path)) + r":\d+:\d+: ", line), line
    assert d.reloads() == (0, 2)

    # Still the old rules: 105 is fine under 110, 111 is not.
    pub.publish("vitals/p-1", reading(0, hr=105))
    pub.publish("vitals/p-2", reading(0, hr=111))
    (alert,) = sub.wait_for(1)
    assert (alert["patient"], alert["threshold"]) == ("p-2", 110)
    assert d.process.alive()


def test_a_reload_during_active_alerts_carries_kept_rules_over_and_clears_removed_ones(vitalsd, mqtt):
    d = vitalsd(rules_text=hr_high(110) + SPO2_LOW)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    pub.publish("vitals/p-hr", reading(0, hr=140))
    pub.publish("vitals/p-spo2", reading(0, spo2=88))
    raised = {a["patient"]: a for a in sub.wait_for(2)}

    # hr_high keeps its name with new levels; spo2_low is gone.
    d.rules_path.write_text(TEMP_HIGH + hr_high(100, 135))
    assert d.reload() == "success"
    (removed,) = [a for a in sub.wait_for(3) if a["patient"] == "p-spo2" and a["state"] == "cleared"]
    assert removed["reason"] == "rule_removed"
    assert removed["id"] == raised["p-spo2"]["id"] and removed["severity"] == "low"
    assert removed["value"] is None and removed["threshold"] is None
    assert removed["reading_ts"] is None

    pub.publish("vitals/p-hr", reading(1, hr=140))  # now past 135: escalates the same episode
    pub.publish("vitals/p-hr", reading(2, hr=97))   # clear needs <= 100 - 5 now, not <= 110 - 5
    pub.publish("vitals/p-hr", reading(3, hr=94))
    sub.wait_for(5)
    hr = [a for a in sub.json_messages("alerts/p-hr")]
    assert [(a["state"], a["severity"], a["value"], a["threshold"]) for a in hr] == [
        ("raised", "low", 140, 110),
        ("escalated", "medium", 140, 135),
        ("cleared", "medium", 94, 100),
    ]
    assert len({a["id"] for a in hr}) == 1, "the episode carried over the reload"
    # The worker sets its gauges after the batch that emitted the alert.
    d.wait_metric('vitalsd_active_alerts{severity="low"}', lambda v: v == 0)
    d.wait_metric('vitalsd_active_alerts{severity="medium"}', lambda v: v == 0)


def test_restart_only_keys_are_reported_and_kept_while_live_keys_apply(vitalsd, mqtt):
    d = vitalsd(rules_text=hr_high(110))
    sub = mqtt()
    sub.subscribe("#")
    d.write_config({"pipeline": {"workers": 3},
                    "mqtt": {"alert_topic_prefix": "ward7/alerts"},
                    "log": {"level": "warn"}})
    d.rules_path.write_text(hr_high(100))
    assert d.reload() == "success"
    d.process.wait_for_line(r"\[pipeline\] workers changed; takes effect after a restart")
    d.process.wait_for_line(r"\[mqtt\] alert_topic_prefix changed; takes effect after a restart")

    # The rules applied; the topic prefix did not.
    mqtt().publish("vitals/p-1", reading(0, hr=105))
    (alert,) = sub.wait_for(1, "alerts/")
    assert alert["threshold"] == 100
    assert sub.received("ward7/") == []

    # The restart-only keys are reported again (still not applied); by the time
    # that warning is out, the first reload's info line would have been too,
    # had the new level (warn) not applied at once.
    assert d.reload() == "success"
    wait_until(lambda: sum("[pipeline] workers changed" in l for l in d.process.lines()) == 2)
    assert not any("generation 2 handed" in l for l in d.process.lines())
    assert d.stop() == 0


def test_twenty_sighups_during_a_20000_reading_stream_lose_and_duplicate_nothing(vitalsd, mqtt):
    # Two rule sets that judge every reading of the stream the same way (hr 140
    # breaches 110 and 120; hr 80 clears both, hysteresis 5 included) but put
    # hr_high at a different position, so state must carry over by name. Each
    # patient breaches for 5 readings and recovers for 5: alerts are active
    # half the time, so reloads land on active alerts all along.
    rule_sets = [hr_high(110), TEMP_HIGH + hr_high(120)]
    d = vitalsd(rules_text=rule_sets[0],
                config={"pipeline": {"workers": 4, "queue_capacity": 256}})
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    patients = [f"s-{i:02d}" for i in range(50)]
    per_patient = 400
    chunk = 1000  # readings between reloads
    sent = 0
    sighups = 0

    # The files are replaced atomically: back-to-back reloads read them while
    # the next version is being written (a truncated file would be refused).
    def sighup():
        nonlocal sighups
        replace_file(d.rules_path, rule_sets[(sighups + 1) % 2])
        d.process.send_signal(signal.SIGHUP)
        sighups += 1

    for k in range(per_patient):
        hr = 140 if k % 10 < 5 else 80
        for p in patients:
            pub.publish(f"vitals/{p}", reading(k, hr=hr), wait=False)
            sent += 1
            if sent % chunk == 0 and sighups < 20:
                # Let vitalsd get into the chunk, so the reload lands mid-stream.
                d.wait_metric("vitalsd_readings_received_total", lambda v: v >= sent - chunk // 2,
                              timeout=60)
                sighup()
                if sent == 15 * chunk:  # and a burst, back to back
                    for _ in range(4):
                        sighup()
    assert sent == 20_000 and sighups == 20

    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == sent, timeout=120)
    assert d.metric("vitalsd_readings_received_total") == sent
    alerts = sub.wait_for(len(patients) * per_patient // 5, "alerts/s-", timeout=120)

    for p in patients:
        mine = [a for a in alerts if a["patient"] == p]
        states = [a["state"] for a in mine]
        assert states == ["raised", "cleared"] * (per_patient // 10), f"{p}: {states[:12]}..."
        ids = [a["id"] for a in mine]
        assert all(ids[i] == ids[i + 1] for i in range(0, len(ids), 2)), f"{p}: episode ids"
        assert len(set(ids)) == len(ids) // 2, f"{p}: every episode has its own id"
        assert {a["threshold"] for a in mine} <= {110, 120}
    m = d.metrics()
    assert m['vitalsd_alerts_total{rule="hr_high",severity="low",state="raised"}'] == 2000
    assert m['vitalsd_alerts_total{rule="hr_high",severity="low",state="cleared"}'] == 2000
    assert sum(v for k, v in m.items() if k.startswith("vitalsd_readings_rejected_total")) == 0

    # Every reload that ran succeeded; back-to-back SIGHUPs may share one.
    successes, failures = wait_until(
        lambda: (lambda r: r if r[0] >= 1 else None)(d.reloads()), what="reloads")
    assert failures == 0, "\n".join(l for l in d.process.lines() if "reload" in l)
    assert 1 <= successes <= 20

    # The last SIGHUPs win: after a final burst ending in a distinct file, the
    # rules in force become that file's (probing with fresh patients until then).
    final = TEMP_HIGH + hr_high(125)
    for text in (rule_sets[1], rule_sets[0], final):
        replace_file(d.rules_path, text)
        d.process.send_signal(signal.SIGHUP)
    probes = []

    def probe_sees_final_rules():
        n = len(probes)
        probes.append(f"probe-{n}")
        pub.publish(f"vitals/probe-{n}", reading(0, hr=130))
        (alert,) = sub.wait_for(1, f"alerts/probe-{n}")
        return alert["threshold"] == 125
    wait_until(probe_sees_final_rules, timeout=30, interval=0.05, what="the final rules")
    assert d.stop() == 0
