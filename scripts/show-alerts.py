#!/usr/bin/python3
"""Reads `mosquitto_sub -v` lines (topic, space, JSON) from stdin and prints one
readable line per alert transition, for the demo."""
import json
import sys

COLOURS = {"low": "\033[33m", "medium": "\033[38;5;208m", "high": "\033[31;1m"}
RESET = "\033[0m"
use_colour = sys.stdout.isatty()

for line in sys.stdin:
    topic, _, payload = line.rstrip("\n").partition(" ")
    try:
        a = json.loads(payload)
    except ValueError:
        continue
    if topic.startswith("vitalsd/rejected"):
        print(f"  rejected  {a.get('topic', '?'):<16} {a.get('reason')}: {a.get('detail')}",
              flush=True)
        continue
    state = a.get("state", "?")
    sev = a.get("severity", "?")
    when = (a.get("emitted_ts") or "")[11:19]
    what = f"value {a['value']:g}" if isinstance(a.get("value"), (int, float)) else ""
    if a.get("threshold") is not None:
        what += f" (threshold {a['threshold']:g})"
    if a.get("rule") == "news2" and "score" in a:
        what = f"NEWS2 {a['score']} ({a.get('risk')})"
        if a.get("assumed"):
            what += f", assumed {'+'.join(a['assumed'])}"
    if state == "acknowledged":
        what = f"by {a.get('by') or '?'}"
    label = f"{state.upper():<12} {sev:<6}"
    if use_colour and state in ("raised", "escalated"):
        label = COLOURS.get(sev, "") + label + RESET
    print(f"{when}  {a.get('patient', '?'):<8} {a.get('rule', '?'):<12} {label} {what}", flush=True)
