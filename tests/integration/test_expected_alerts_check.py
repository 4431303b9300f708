"""The reference checker for vitals-pub's expected alerts, on made-up alerts."""

from datetime import datetime, timezone

from expected_alerts import check_alerts


def iso(ms):
    return datetime.fromtimestamp(ms / 1000, timezone.utc).isoformat(timespec="milliseconds")


def alert(patient, rule, state, severity, t):
    return {"patient": patient, "rule": rule, "state": state, "severity": severity,
            "reading_ts": iso(t), "emitted_ts": iso(t + 5)}


def report(*entries, valid_until=None):
    return {"expected_alerts": {"available": True, "valid_until_ms": valid_until,
                                "alerts": list(entries)}}


def entry(patient="p-0002", rule="spo2_low", certain=True, severity="medium",
          max_severity="high", earliest=10_000, latest=20_000, clear="yes",
          clear_earliest=50_000, clear_latest=60_000):
    return {"patient": patient, "rule": rule, "phase": "hypoxic", "certain": certain,
            "severity": severity if certain else None, "max_severity": max_severity,
            "raise_earliest_ms": earliest, "raise_latest_ms": latest if certain else None,
            "clear": clear, "clear_earliest_ms": clear_earliest, "clear_latest_ms": clear_latest}


def test_a_monitor_doing_what_was_scripted_passes():
    alerts = [alert("p-0002", "spo2_low", "raised", "low", 15_000),
              alert("p-0002", "spo2_low", "escalated", "high", 30_000),
              alert("p-0002", "spo2_low", "cleared", "high", 55_000)]
    assert check_alerts(report(entry()), alerts) == []


def test_flapping_inside_the_window_is_one_expectation():
    alerts = [alert("p-0002", "spo2_low", "raised", "low", 12_000),
              alert("p-0002", "spo2_low", "cleared", "low", 13_000),
              alert("p-0002", "spo2_low", "raised", "medium", 19_000),
              alert("p-0002", "spo2_low", "cleared", "medium", 58_000)]
    assert check_alerts(report(entry()), alerts) == []


def test_each_kind_of_miss_is_reported():
    cases = [
        ([], "not raised within"),
        ([alert("p-0002", "spo2_low", "raised", "medium", 25_000)], "not raised within"),
        ([alert("p-0002", "spo2_low", "raised", "low", 15_000),
          alert("p-0002", "spo2_low", "cleared", "low", 55_000)], "reached 1, expected at least medium"),
        ([alert("p-0002", "spo2_low", "raised", "medium", 15_000)], "not cleared by 60000"),
        ([alert("p-0002", "spo2_low", "raised", "medium", 15_000),
          alert("p-0002", "spo2_low", "cleared", "medium", 58_000),
          alert("p-0001", "hr_high", "raised", "low", 20_000)], "p-0001 hr_high: unexpected raised"),
        ([alert("p-0002", "spo2_low", "raised", "medium", 5_000)], "unexpected raised"),
    ]
    for alerts, says in cases:
        problems = check_alerts(report(entry()), alerts)
        assert any(says in p for p in problems), (says, problems)


def test_clear_no_means_active_at_the_end():
    stays = entry(clear="no", clear_earliest=None, clear_latest=None)
    flap_then_active = [alert("p-0002", "spo2_low", "raised", "medium", 12_000),
                        alert("p-0002", "spo2_low", "cleared", "medium", 14_000),
                        alert("p-0002", "spo2_low", "raised", "medium", 16_000)]
    assert check_alerts(report(stays), flap_then_active) == []
    problems = check_alerts(report(stays), flap_then_active[:2])
    assert any("expected to stay active" in p for p in problems), problems


def test_optional_entries_allow_but_do_not_require():
    optional = entry(certain=False, clear="maybe", clear_latest=None)
    assert check_alerts(report(optional), []) == []
    assert check_alerts(report(optional), [alert("p-0002", "spo2_low", "raised", "high", 11_000)]) == []


def test_nothing_is_judged_after_valid_until():
    late = [alert("p-0003", "signal_lost", "raised", "medium", 500_000)]
    assert check_alerts(report(valid_until=400_000), late) == []
    assert check_alerts(report(valid_until=600_000), late) != []


def test_acknowledgements_are_ignored_and_unavailable_is_a_problem():
    ack = dict(alert("p-0009", "news2", "acknowledged", "low", 1), reading_ts=None)
    assert check_alerts(report(), [ack]) == []
    assert check_alerts({"expected_alerts": {"available": False, "reason": "flat out"}}, []) != []
