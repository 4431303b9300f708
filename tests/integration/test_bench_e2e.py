"""Smoke test of the end-to-end bench driver (bench/e2e.py --quick).

Checks what the bench must always show, whatever the machine's speed: every
reading sent reached vitalsd and was processed, every alert vitalsd published
reached a subscriber, and the ceiling subscriber saw every reading. Speed is
not asserted here (bench/README.md has the numbers).
"""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from harness import SOURCE_DIR

BUILD_DIR = Path(os.environ.get("VITALSD_BUILD_DIR", SOURCE_DIR / "build"))


def test_quick_bench_loses_nothing(tmp_path):
    if not (BUILD_DIR / "bench/ceiling_sub").exists():
        pytest.skip("bench probes not built (VITALSD_BUILD_BENCH=OFF)")
    out = tmp_path / "e2e.json"
    run = subprocess.run(
        [sys.executable, str(SOURCE_DIR / "bench/e2e.py"), "--quick", "--build", str(BUILD_DIR),
         "--json", str(out), "--timeout", "60"],
        capture_output=True, text=True, timeout=400)
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads(out.read_text())
    assert [r["scenario"]["qos"] for r in results] == [1, 0]
    for r in results:
        v, c = r["vitalsd"], r["ceiling"]
        assert v["sent"] == r["scenario"]["count"]
        assert v["processed"] == v["sent"] and v["rejected"] == 0
        assert c["received"] == c["sent"] == v["sent"]
        assert v["alerts_published"] > 0, "the flapping rule should have raised alerts"
        assert v["alerts_received"] == v["alerts_published"]
        assert v["latency"]["sampled"] > 0
        # the ceiling sampled 1 reading in 32 for its own delivery latency
        assert c["latency"]["sampled"] == (c["received"] + 31) // 32
        assert 0 <= c["latency"]["p50_ms"] <= c["latency"]["p99_ms"]
        # vitalsd's own histogram (receive -> PUBACK) counted those alerts too
        assert v["inside_p50_ms"] is not None and v["inside_p50_ms"] <= v["inside_p99_ms"]
        # the per-thread split names the threads that do the work
        assert {"MQTTAsync_rcv", "worker-0", "notifier"} <= set(v["threads"])
        assert all(t["cpu_us"] >= 0 and t["wakeups"] >= 0 for t in v["threads"].values())
    assert "| quick-qos1-2k |" in run.stdout
    assert "# quick-qos1-2k: vitalsd by thread" in run.stdout
