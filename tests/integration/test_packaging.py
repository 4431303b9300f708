"""`cmake --install` layout and the Debian package built by CPack.

Installing the .deb for real and starting the service needs dpkg on the
host and systemd as PID 1, which neither this sandbox nor CI has. So the
package is built and taken apart instead: its control fields, its files,
its conffiles, the packaged config validated by the packaged binary, and its
maintainer scripts run against recording stand-ins for deb-systemd-helper,
deb-systemd-invoke and systemctl.
"""
import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from harness import SOURCE_DIR

BUILD_DIR = Path(os.environ.get("VITALSD_BUILD_DIR", SOURCE_DIR / "build"))
CMAKE = os.environ.get("VITALSD_CMAKE", "cmake")
CPACK = os.environ.get("VITALSD_CPACK", "cpack")
BINDIR = os.environ.get("VITALSD_INSTALL_BINDIR", "/usr/bin")
CONFIG_DIR = os.environ.get("VITALSD_INSTALL_CONFIG_DIR", "/etc/vitalsd")
UNIT_DIR = os.environ.get("VITALSD_INSTALL_UNIT_DIR", "/usr/lib/systemd/system")
SHIPPED_RULES = sorted(p.name for p in (SOURCE_DIR / "rules").glob("*.toml"))


def run(argv, **kwargs):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True, timeout=300,
                          **kwargs)


def under(root, absolute):
    return Path(root) / str(absolute).lstrip("/")


def check_layout(root):
    """The files of an installed vitalsd under `root`, and the unit pointing at them."""
    binary = under(root, BINDIR) / "vitalsd"
    config = under(root, CONFIG_DIR) / "vitalsd.toml"
    unit = under(root, UNIT_DIR) / "vitalsd.service"
    assert os.access(binary, os.X_OK), binary
    assert config.is_file() and unit.is_file()
    assert sorted(p.name for p in (under(root, CONFIG_DIR) / "rules").iterdir()) == SHIPPED_RULES

    text = unit.read_text()
    assert f"ExecStart={BINDIR}/vitalsd --config {CONFIG_DIR}/vitalsd.toml\n" in text
    assert (f"ExecStartPre={BINDIR}/vitalsd --check-config --config {CONFIG_DIR}/vitalsd.toml\n"
            in text)
    # The installed config finds the installed rules, and the binary accepts both.
    assert re.search(r'^path = "rules"', config.read_text(), re.M)
    r = run([binary, "--check-config", "--config", config])
    assert r.returncode == 0, r.stderr
    assert f"rules valid: {under(root, CONFIG_DIR) / 'rules'}" in r.stdout
    return binary, config, unit


def test_cmake_install_puts_everything_in_fhs_places(tmp_path):
    root = tmp_path / "root"
    r = run([CMAKE, "--install", BUILD_DIR], env=dict(os.environ, DESTDIR=str(root)))
    assert r.returncode == 0, r.stdout + r.stderr
    check_layout(root)
    if BINDIR == "/usr/bin":  # the default prefix: the exact places the unit names
        assert (root / "usr/bin/vitalsd").is_file()
        assert (root / "etc/vitalsd/vitalsd.toml").is_file()
        assert (root / "usr/lib/systemd/system/vitalsd.service").read_text() == \
            (SOURCE_DIR / "systemd/vitalsd.service").read_text()


@pytest.fixture(scope="module")
def deb(tmp_path_factory):
    if shutil.which("dpkg-deb") is None or shutil.which("dpkg-shlibdeps") is None:
        pytest.skip("needs dpkg-deb and dpkg-shlibdeps (dpkg-dev)")
    out = tmp_path_factory.mktemp("deb")
    r = run([CPACK, "-G", "DEB", "-B", out], cwd=BUILD_DIR)
    assert r.returncode == 0, r.stdout + r.stderr
    (package,) = out.glob("vitalsd_*.deb")
    return package


def test_the_deb_has_control_fields_and_runtime_dependencies(deb):
    r = run(["dpkg-deb", "-f", deb])
    assert r.returncode == 0, r.stderr
    fields = dict(re.findall(r"^([A-Za-z-]+): (.*)$", r.stdout, re.M))
    assert fields["Package"] == "vitalsd"
    assert fields["Architecture"] == run(["dpkg", "--print-architecture"]).stdout.strip()
    depends = fields["Depends"]
    for lib in ("libpaho-mqttpp3", "libspdlog", "libsystemd0", "libstdc++6", "init-system-helpers"):
        assert lib in depends, depends
    assert fields["Maintainer"]


def test_the_deb_installs_the_layout_with_etc_as_conffiles(deb, tmp_path):
    listing = run(["dpkg-deb", "-c", deb]).stdout
    for path in (f"{BINDIR}/vitalsd", f"{CONFIG_DIR}/vitalsd.toml", f"{UNIT_DIR}/vitalsd.service"):
        assert f".{path}\n" in listing, listing

    control = tmp_path / "control"
    assert run(["dpkg-deb", "-e", deb, control]).returncode == 0
    conffiles = (control / "conffiles").read_text().split()
    assert conffiles == [f"{CONFIG_DIR}/vitalsd.toml"] + [
        f"{CONFIG_DIR}/rules/{name}" for name in SHIPPED_RULES]
    for script in ("postinst", "prerm", "postrm"):
        assert os.access(control / script, os.X_OK), script
        assert run(["sh", "-n", control / script]).returncode == 0, script

    # Unpacked, the package's own binary accepts its own config and rules.
    root = tmp_path / "root"
    assert run(["dpkg-deb", "-x", deb, root]).returncode == 0
    check_layout(root)


def run_maintainer_script(control, script, args, tmp_path):
    """Runs a maintainer script with recording stand-ins for the systemd helpers;
    returns the commands it ran. There is no /run/systemd/system here, which
    is the case of a container or chroot that the scripts must survive."""
    fake_bin = tmp_path / "fake-bin"
    fake_bin.mkdir(exist_ok=True)
    log = tmp_path / "calls.log"
    for tool in ("deb-systemd-helper", "deb-systemd-invoke", "systemctl"):
        stub = fake_bin / tool
        stub.write_text(f'#!/bin/sh\necho "{tool} $*" >> "{log}"\n'
                        # was-enabled: "never enabled before", as on a first install
                        'case "$*" in *was-enabled*) exit 0;; esac\nexit 0\n')
        stub.chmod(0o755)
    if log.exists():
        log.unlink()
    env = dict(os.environ, PATH=f"{fake_bin}:/usr/bin:/bin")
    r = run(["sh", "-e", control / script, *args], env=env)
    assert r.returncode == 0, r.stdout + r.stderr
    return log.read_text().splitlines() if log.exists() else []


@pytest.mark.skipif(os.path.isdir("/run/systemd/system"),
                    reason="systemd is running here: the scripts would start the service")
def test_the_maintainer_scripts_enable_the_service_and_survive_without_systemd(deb, tmp_path):
    control = tmp_path / "control"
    assert run(["dpkg-deb", "-e", deb, control]).returncode == 0
    assert run_maintainer_script(control, "postinst", ["configure"], tmp_path) == [
        "deb-systemd-helper unmask vitalsd.service",
        "deb-systemd-helper --quiet was-enabled vitalsd.service",
        "deb-systemd-helper enable vitalsd.service",
    ]
    # No systemd running: nothing to stop or reload, and no failure either.
    assert run_maintainer_script(control, "prerm", ["remove"], tmp_path) == []
    assert run_maintainer_script(control, "postrm", ["remove"], tmp_path) == [
        "deb-systemd-helper mask vitalsd.service"]
    assert run_maintainer_script(control, "postrm", ["purge"], tmp_path) == [
        "deb-systemd-helper purge vitalsd.service",
        "deb-systemd-helper unmask vitalsd.service",
    ]
