"""systemd/vitalsd.service: verify, the security exposure, and the daemon inside its sandbox.

There is no systemd as PID 1 here (nor in CI), so the unit cannot be started.
What can be checked without it is checked: `systemd-analyze verify` on the
unit as installed, `systemd-analyze security --offline=true` with the
exposure asserted, and the real binary traced with strace through a run
(readings, alerts, a reload, sd_notify, a metrics scrape, shutdown) to show
that it stays inside what the unit allows: the system-call filter, the
address families, no writable-executable memory, no writes to the file
system and nothing from /proc beyond its own process.
"""
import os
import re
import shutil
import signal
import subprocess
import urllib.request
from pathlib import Path

import pytest

from harness import (SOURCE_DIR, VITALSD_BIN, Mosquitto, MqttClient, NotifyListener, Process,
                     free_port, threshold_rule, wait_until, write_toml)

UNIT = SOURCE_DIR / "systemd/vitalsd.service"
BUILD_DIR = Path(os.environ.get("VITALSD_BUILD_DIR", SOURCE_DIR / "build"))
CMAKE = os.environ.get("VITALSD_CMAKE", "cmake")
UNIT_DIR = os.environ.get("VITALSD_INSTALL_UNIT_DIR", "/usr/lib/systemd/system")
MAX_EXPOSURE = 2.0

needs_systemd_analyze = pytest.mark.skipif(shutil.which("systemd-analyze") is None,
                                           reason="systemd-analyze not installed")


def run(argv, **kwargs):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=120,
                          **kwargs)


def unit_settings(key):
    """Every value of `key` in the [Service] section of the unit, in order."""
    values = []
    for line in UNIT.read_text().splitlines():
        if line.startswith(key + "="):
            values.append(line.split("=", 1)[1])
    return values


@needs_systemd_analyze
def test_the_installed_unit_verifies_clean(tmp_path):
    # verify checks that every Exec*= binary exists, so it runs against an
    # alternate root: `cmake --install` into it (the real layout and the real
    # installed unit), plus what a Debian system has anyway: its unit files
    # (sysinit.target & co.) and /bin/kill for ExecReload.
    root = tmp_path / "root"
    r = run([CMAKE, "--install", BUILD_DIR], env=dict(os.environ, DESTDIR=str(root)))
    assert r.returncode == 0, r.stdout + r.stderr
    installed_unit = root / UNIT_DIR.lstrip("/") / "vitalsd.service"
    assert installed_unit.is_file()
    shutil.copytree("/usr/lib/systemd/system", root / "usr/lib/systemd/system",
                    dirs_exist_ok=True, symlinks=True,
                    ignore=lambda d, names: [n for n in names if n == "vitalsd.service"])
    (root / "usr/bin").mkdir(parents=True, exist_ok=True)
    shutil.copy2("/usr/bin/kill", root / "usr/bin/kill")
    if not (root / "bin").exists():
        (root / "bin").symlink_to("usr/bin")  # Debian 12 is merged-/usr

    r = run(["systemd-analyze", "verify", f"--root={root}", "vitalsd.service"])
    assert (r.returncode, r.stdout + r.stderr) == (0, "")

    # And the check has teeth: without the binary the same call fails.
    for exe in root.rglob("vitalsd"):
        if exe.is_file():
            exe.unlink()
    r = run(["systemd-analyze", "verify", f"--root={root}", "vitalsd.service"])
    assert r.returncode != 0 and "is not executable" in r.stderr


@needs_systemd_analyze
def test_security_exposure_is_at_most_2(tmp_path):
    r = run(["systemd-analyze", "security", "--offline=true", "--no-pager", UNIT])
    assert r.returncode == 0, r.stderr
    m = re.search(r"Overall exposure level for vitalsd\.service: (\d+\.\d+)", r.stdout)
    assert m, r.stdout
    assert float(m.group(1)) <= MAX_EXPOSURE, r.stdout
    # systemd-analyze's own gate (its threshold is in tenths).
    r = run(["systemd-analyze", "security", "--offline=true", "--no-pager",
             f"--threshold={int(MAX_EXPOSURE * 10)}", UNIT])
    assert r.returncode == 0, r.stdout


def test_the_unit_has_the_required_service_settings():
    def one(key):
        (value,) = unit_settings(key)
        return value
    assert one("Type") == "notify"
    assert one("NotifyAccess") == "main"
    assert one("ExecStartPre") == "/usr/bin/vitalsd --check-config --config /etc/vitalsd/vitalsd.toml"
    assert one("ExecStart") == "/usr/bin/vitalsd --config /etc/vitalsd/vitalsd.toml"
    assert one("ExecReload") == "/bin/kill -HUP $MAINPID"
    assert one("Restart") == "on-failure"
    assert one("DynamicUser") == "yes"
    assert one("CapabilityBoundingSet") == ""
    assert one("WatchdogSec").endswith("s")
    # Stop timeout above the shipped pipeline.shutdown_timeout (10s): the drain gets its time.
    assert int(one("TimeoutStopSec").rstrip("s")) > 10


# ---- The real binary inside the unit's limits (strace). ----

def syscall_groups():
    """systemd's named system-call sets, e.g. {'@system-service': {'@basic-io', 'read', ...}}."""
    r = run(["systemd-analyze", "syscall-filter", "--no-pager"])
    groups, current = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("@"):
            current = groups.setdefault(line.strip(), set())
        elif current is not None and line.strip() and not line.strip().startswith("#"):
            current.add(line.strip())
    return groups


def expand(names, groups):
    out = set()
    for n in names:
        out |= expand(groups[n], groups) if n.startswith("@") else {n}
    return out


def allowed_syscalls():
    """The unit's SystemCallFilter=: allow-lists add, ~deny-lists then remove."""
    groups = syscall_groups()
    allow, deny = set(), set()
    for value in unit_settings("SystemCallFilter"):
        target = deny if value.startswith("~") else allow
        target |= expand(value.lstrip("~").split(), groups)
    return allow - deny


# Opened read-only from /proc outside the process's own entries, and fine to
# lose: Paho's log initialisation reads /proc/version for its trace banner and
# skips it when fopen() fails (ProcSubset=pid hides it).
PROC_READS_THAT_MAY_FAIL = {"/proc/version"}


@pytest.mark.skipif(shutil.which("strace") is None or shutil.which("systemd-analyze") is None,
                    reason="needs strace and systemd-analyze")
def test_the_daemon_stays_inside_the_units_sandbox(tmp_path):
    broker = Mosquitto(tmp_path)
    listener = NotifyListener(tmp_path / "notify.sock")
    trace = tmp_path / "trace.txt"
    rules = tmp_path / "rules.toml"
    rules.write_text(threshold_rule("hr_high", "hr", "above", [(110, "low")]))
    metrics_port = free_port()
    config = tmp_path / "vitalsd.toml"
    write_toml(config, {"mqtt": {"uri": broker.uri}, "redis": {"enabled": False},
                        "pipeline": {"workers": 2},
                        "metrics": {"listen": f"127.0.0.1:{metrics_port}"},
                        "rules": {"path": str(rules)}})
    env = dict(os.environ, NOTIFY_SOCKET=listener.path, WATCHDOG_USEC="1000000")
    traced = Process(["strace", "-f", "-qq", "-o", trace, VITALSD_BIN, "--config", config],
                     env=env, name="vitalsd")
    try:
        traced.wait_for_line(r"ready: subscribed")
        listener.wait_for("READY")
        children = Path(f"/proc/{traced.pid}/task/{traced.pid}/children").read_text().split()
        vitalsd_pid = int(children[0])
        sub = MqttClient(broker.port)
        sub.subscribe("alerts/#")
        MqttClient(broker.port).publish("vitals/p-1", {"hr": 140})
        sub.wait_for(1)
        with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=5) as r:
            assert b"vitalsd_readings_processed_total" in r.read()
        os.kill(vitalsd_pid, signal.SIGHUP)
        traced.wait_for_line(r"rules generation 2 handed to every worker")
        listener.wait_for("READY", count=2)
        os.kill(vitalsd_pid, signal.SIGTERM)
        assert traced.wait(timeout=30) == 0, traced.output()
    finally:
        if traced.alive():
            traced.kill()
        listener.close()
        broker.stop()

    text = trace.read_text()
    calls = re.findall(r"^\d+\s+([a-z0-9_]+)\((.*)$", text, re.M)
    assert len(calls) > 100, "strace recorded the run"

    used = {name for name, _ in calls}
    assert used - allowed_syscalls() == set(), "SystemCallFilter= would refuse these"

    families = set(re.findall(r"^\d+\s+socket\((AF_[A-Z0-9]+)", text, re.M))
    (allowed_families,) = unit_settings("RestrictAddressFamilies")
    assert families and families <= set(allowed_families.split()), families

    wx = re.findall(r"^\d+\s+(?:mmap|mprotect|pkey_mprotect)\(.*PROT_WRITE.*PROT_EXEC.*$|"
                    r"^\d+\s+(?:mmap|mprotect|pkey_mprotect)\(.*PROT_EXEC.*PROT_WRITE.*$",
                    text, re.M)
    assert wx == [], "MemoryDenyWriteExecute= would refuse these"

    own_proc = re.compile(r"^/proc/(self|thread-self|\d+)/")
    for args in (a for name, a in calls if name in ("open", "openat", "creat")):
        m = re.match(r'(?:AT_FDCWD, )?"([^"]*)", ([A-Z_|]+)', args)
        if not m:
            continue
        path, flags = m.groups()
        writes = any(f in flags for f in ("O_WRONLY", "O_RDWR", "O_CREAT"))
        if writes:
            # ProtectSystem=strict: nothing writable but /dev and its own /proc entries.
            assert own_proc.match(path) or path.startswith("/dev/"), f"writes {path}"
        if path.startswith("/proc/") and not own_proc.match(path):
            assert path in PROC_READS_THAT_MAY_FAIL, f"ProcSubset=pid hides {path}"
