"""The shipped dashboard, scrape config and alert rules against a live
Prometheus (Debian's) scraping a live vitalsd under test traffic: every panel's
query returns data, and the rules load and evaluate."""
import json
import re
import shutil
import subprocess

from harness import wait_until
from metrics_support import (DASHBOARDS, HR_HIGH, Prometheus, WardTraffic, has_finite_value)

DASHBOARD = DASHBOARDS / "vitalsd.json"
SCRAPE_CONFIG = DASHBOARDS / "prometheus.yml"
ALERT_RULES = DASHBOARDS / "vitalsd-alerts.yml"
ALERT_RULE_TESTS = DASHBOARDS / "vitalsd-alerts.test.yml"

# What Grafana would put in place of its variables. $__rate_interval is at
# least four scrape intervals; with the 1 s scrape below, 15 s leaves room for
# a missed scrape. $instance is multi-valued with allValue ".*" ("All").
GRAFANA_VARIABLES = {
    "$__rate_interval": "15s",
    "$__interval": "5s",
    "$__range": "1h",
    "$job": "vitalsd",
    "$instance": ".*",
}


def promtool(*args):
    binary = shutil.which("promtool")
    assert binary, "promtool is not installed (Debian package prometheus; scripts/install-deps.sh)"
    r = subprocess.run([binary, *map(str, args)], capture_output=True, text=True, timeout=60,
                       cwd=DASHBOARDS)
    assert r.returncode == 0, f"promtool {' '.join(map(str, args))}:\n{r.stdout}{r.stderr}"
    return r.stdout


def panels(dashboard):
    """Every panel, including those nested in collapsed rows."""
    for p in dashboard["panels"]:
        yield p
        yield from p.get("panels", [])


def substitute(expr):
    for var, value in GRAFANA_VARIABLES.items():
        expr = expr.replace(var, value)
    leftover = re.findall(r"\$\{?\w+", expr)
    assert not leftover, f"unknown Grafana variable {leftover} in {expr}"
    return expr


def queries(dashboard):
    """(panel title, refId, expr with variables substituted) for every panel target."""
    return [(p["title"], t["refId"], substitute(t["expr"]))
            for p in panels(dashboard) if p["type"] != "row" for t in p["targets"]]


def test_alert_rules_and_scrape_config_pass_promtool():
    assert "SUCCESS" in promtool("check", "rules", ALERT_RULES.name)
    assert "SUCCESS" in promtool("check", "config", SCRAPE_CONFIG.name)
    assert "SUCCESS" in promtool("test", "rules", ALERT_RULE_TESTS.name)


def test_dashboard_is_portable_and_every_panel_explains_itself():
    d = json.loads(DASHBOARD.read_text())
    assert d["schemaVersion"] >= 38
    (var,) = [v for v in d["templating"]["list"] if v["name"] == "datasource"]
    assert var["type"] == "datasource" and var["query"] == "prometheus"

    # No data source is named by uid: each one is the ${datasource} variable.
    def datasources(node):
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "datasource":
                    yield v
                yield from datasources(v)
        elif isinstance(node, list):
            for v in node:
                yield from datasources(v)
    found = list(datasources(d))
    assert found and all(ds == {"type": "prometheus", "uid": "${datasource}"} for ds in found), \
        [ds for ds in found if ds != {"type": "prometheus", "uid": "${datasource}"}]

    ids = [p["id"] for p in panels(d)]
    assert len(ids) == len(set(ids)), "panel ids are unique"
    cells = set()
    for p in panels(d):
        g = p["gridPos"]
        assert g["x"] >= 0 and g["x"] + g["w"] <= 24, p["title"]
        mine = {(g["x"] + i, g["y"] + j) for i in range(g["w"]) for j in range(g["h"])}
        assert not mine & cells, f"{p['title']} overlaps another panel"
        cells |= mine
        if p["type"] == "row":
            continue
        assert p["title"] and p.get("description"), f"panel {p['id']} needs a title and description"
        refs = [t["refId"] for t in p["targets"]]
        assert refs and len(refs) == len(set(refs)), p["title"]
        assert all(t["expr"].strip() for t in p["targets"]), p["title"]


def test_every_panel_query_returns_data_from_a_live_prometheus(tmp_path, vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)

    # The shipped config, pointed at this vitalsd and sped up; each edit must
    # apply exactly once so a reshaped prometheus.yml fails here, not silently.
    config = SCRAPE_CONFIG.read_text()
    for old, new in [('targets: ["127.0.0.1:9464"]', f'targets: ["127.0.0.1:{d.metrics_port}"]'),
                     ("scrape_interval: 15s", "scrape_interval: 1s"),
                     ("evaluation_interval: 15s", "evaluation_interval: 1s")]:
        assert config.count(old) == 1, f"{old!r} in {SCRAPE_CONFIG}"
        config = config.replace(old, new)
    prometheus = Prometheus(tmp_path, config, extra_files=[ALERT_RULES])
    traffic = WardTraffic(mqtt())
    try:
        dashboard = json.loads(DASHBOARD.read_text())
        todo = queries(dashboard)
        assert len(todo) >= 20

        def empty_panels():
            return [(title, ref, expr) for title, ref, expr in todo
                    if not has_finite_value(prometheus.query(expr))]
        # rate() needs two scrapes inside its window, so the first few seconds
        # are empty; wait (bounded) for every panel rather than for a guess.
        try:
            wait_until(lambda: not empty_panels(), timeout=40, interval=0.5,
                       what="every panel query to return data")
        except AssertionError:
            raise AssertionError("panels without data:\n" + "\n".join(
                f"  {title} [{ref}]: {expr}" for title, ref, expr in empty_panels()))

        # Annotation queries only mark events (a reload, a restart), so there
        # may be nothing to show; they must still be valid PromQL.
        for a in dashboard["annotations"]["list"]:
            prometheus.query(substitute(a["expr"]))

        # The alert rules loaded from the shipped file and evaluate cleanly.
        groups = prometheus.api("rules")["groups"]
        rules = {r["name"]: r for g in groups for r in g["rules"]}
        assert set(rules) == set(re.findall(r"alert: (\w+)", ALERT_RULES.read_text()))
        wait_until(lambda: all(r.get("lastEvaluation", "").startswith("2") and r["health"] == "ok"
                               for g in prometheus.api("rules")["groups"] for r in g["rules"]),
                   timeout=10, what="every alert rule to evaluate")
        # A healthy daemon without Redis configured: nothing fires, and the
        # two rules with guards (fresh start, Redis not configured) are not
        # even pending.
        states = {r["name"]: r["state"] for g in prometheus.api("rules")["groups"]
                  for r in g["rules"]}
        assert "firing" not in states.values(), states
        assert states["VitalsdRedisDown"] == "inactive"
        assert states["VitalsdNoReadings"] == "inactive"
    finally:
        traffic.stop()
        prometheus.stop()
