"""Checks a monitor's alert transitions against a vitals-pub report.

vitals-pub's report lists, per patient and rule, the alerts a correct monitor
must raise (certain) and may raise (not certain), with time windows and
severity bounds (tools/vitals-pub/README.md, "Expected alerts"). This module
is the reference reading of that list:

    problems = check_alerts(report, alerts)
    assert not problems, "\\n".join(problems)

`alerts` are the SPEC §5 alert JSON objects as published on alerts/<patient>
(dicts), in any order. Acknowledgements are ignored.
"""

from datetime import datetime

SEVERITY = {"low": 1, "medium": 2, "high": 3}
NEVER = float("inf")


def _ms(rfc3339):
    return int(datetime.fromisoformat(rfc3339).timestamp() * 1000 + 0.5)


def event_time_ms(alert):
    """The send time of the reading that caused the transition; for transitions
    without one (signal_lost raised), when the monitor emitted it."""
    ts = alert.get("reading_ts") or alert.get("emitted_ts")
    return _ms(ts)


def check_alerts(report, alerts):
    """Returns a list of human-readable problems; empty means the monitor did
    exactly what the report expects."""
    expected = report.get("expected_alerts") or {}
    if not expected.get("available"):
        return [f"expected alerts unavailable: {expected.get('reason')}"]
    valid_until = expected.get("valid_until_ms") or NEVER
    entries = {}
    for e in expected["alerts"]:
        entries.setdefault((e["patient"], e["rule"]), []).append(e)

    def window_end(e):
        return e["clear_latest_ms"] if e["clear_latest_ms"] is not None else NEVER

    events = {}
    for a in alerts:
        if a["state"] not in ("raised", "escalated", "cleared"):
            continue
        t = event_time_ms(a)
        if t > valid_until:
            continue
        events.setdefault((a["patient"], a["rule"]), []).append((t, a["state"], a["severity"]))
    for evs in events.values():
        evs.sort()

    problems = []
    # Everything the monitor did falls inside an entry it was allowed by.
    for key, evs in events.items():
        for t, state, severity in evs:
            home = [e for e in entries.get(key, [])
                    if e["raise_earliest_ms"] <= t <= window_end(e)]
            if not home:
                problems.append(f"{key[0]} {key[1]}: unexpected {state} ({severity}) at {t}")
            elif SEVERITY[severity] > max(SEVERITY[e["max_severity"]] for e in home):
                problems.append(f"{key[0]} {key[1]}: {state} at {t} is {severity}, "
                                f"more than the expected {home[0]['max_severity']}")
    # Everything certain happened, in time, severe enough, and cleared as scripted.
    for key, es in entries.items():
        for e in es:
            if not e["certain"] or e["raise_latest_ms"] > valid_until:
                continue
            mine = [ev for ev in events.get(key, [])
                    if e["raise_earliest_ms"] <= ev[0] <= window_end(e)]
            where = f"{key[0]} {key[1]} ({e['phase']})"
            if not any(s == "raised" and t <= e["raise_latest_ms"] for t, s, _ in mine):
                problems.append(f"{where}: not raised within "
                                f"[{e['raise_earliest_ms']}, {e['raise_latest_ms']}]")
                continue
            top = max(SEVERITY[sev] for _, s, sev in mine if s != "cleared")
            if top < SEVERITY[e["severity"]]:
                problems.append(f"{where}: reached {top}, expected at least {e['severity']}")
            ended_cleared = mine[-1][1] == "cleared"
            if e["clear"] == "yes" and window_end(e) <= valid_until and not ended_cleared:
                problems.append(f"{where}: not cleared by {e['clear_latest_ms']}")
            if e["clear"] == "no" and ended_cleared:
                problems.append(f"{where}: cleared at {mine[-1][0]}, expected to stay active")
    return problems
