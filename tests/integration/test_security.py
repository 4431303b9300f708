"""Security through the real binary (SECURITY.md): MQTT over TLS with server verification,
client certificates and a password from a file; Redis AUTH from a file; secrets never in
logs or --check-config output; patient ids validated before they reach a topic or a key;
the metrics endpoint on loopback by default.

Certificates are a throwaway CA made with `openssl` for each test; the broker and Redis
are real mosquitto and redis-server processes on free loopback ports."""
import os
import re
import socket
import ssl
import subprocess
import tomllib
from pathlib import Path

import pytest

from harness import (SOURCE_DIR, VITALS_PUB_BIN, VITALSD_BIN, Mosquitto, MqttClient, RedisServer,
                     Vitalsd, free_port, threshold_rule, wait_until)

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low"), (130, "medium")], hysteresis=5)

# Distinctive secrets: if any of these shows up in output, it leaked.
MQTT_SECRET = "mqtt-S3cret-7f3a9c1e"
OBSERVER_SECRET = "observer-S3cret-0b4d"
REDIS_SECRET = "redis-S3cret-52e8d0aa"
GATEWAY_SECRET = "gateway-S3cret-9c61"


# ---- Certificates and secrets -------------------------------------------------------------

def openssl(*args):
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True, timeout=30)


class Pki:
    """A throwaway CA, a broker certificate for 127.0.0.1/localhost and a client certificate."""

    def __init__(self, folder, name):
        self.dir = Path(folder) / name
        self.dir.mkdir()
        self.ca, ca_key = self.dir / "ca.pem", self.dir / "ca.key"
        openssl("req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", ca_key, "-out", self.ca, "-days", "2",
                "-subj", f"/CN=vitalsd test CA {name}",
                "-addext", "basicConstraints=critical,CA:TRUE",
                "-addext", "keyUsage=critical,keyCertSign,cRLSign")
        self.server_cert, self.server_key = self._issue(
            ca_key, "server", "127.0.0.1", "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
            "extendedKeyUsage=serverAuth\n")
        self.server = (self.server_cert, self.server_key)
        self.client_cert, self.client_key = self._issue(
            ca_key, "client", "vitalsd", "extendedKeyUsage=clientAuth\n")
        # Signed by this CA, but for another host: host-name verification must refuse it.
        self.elsewhere_cert, self.elsewhere_key = self._issue(
            ca_key, "elsewhere", "broker.elsewhere", "subjectAltName=DNS:broker.elsewhere\n"
            "extendedKeyUsage=serverAuth\n")

    def _issue(self, ca_key, what, cn, extensions):
        key, csr, cert = (self.dir / f"{what}.key", self.dir / f"{what}.csr",
                          self.dir / f"{what}.pem")
        ext = self.dir / f"{what}.ext"
        ext.write_text(extensions)
        openssl("req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
                "-nodes", "-keyout", key, "-out", csr, "-subj", f"/CN={cn}")
        openssl("x509", "-req", "-in", csr, "-CA", self.ca, "-CAkey", ca_key, "-CAcreateserial",
                "-out", cert, "-days", "2", "-extfile", ext)
        return cert, key


def secret_file(folder, name, value):
    """A password file as an operator should make one: 0600, a trailing newline."""
    path = Path(folder) / name
    path.touch(mode=0o600)
    path.write_text(value + "\n")
    return path


@pytest.fixture(scope="module")
def pki(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    return Pki(folder, "good"), Pki(folder, "other")


def documented_acl():
    """The mosquitto ACL that SECURITY.md recommends, as written there."""
    text = (SOURCE_DIR / "SECURITY.md").read_text()
    block = re.search(r"acl_file`.*?```\n(.*?)```", text, re.S)
    assert block, "SECURITY.md no longer shows a mosquitto ACL"
    return block.group(1)


def tls_broker(tmp_path, pki, require_certificate=False, cert=None):
    """mosquitto with one TLS listener, a password file, SECURITY.md's ACL (plus a test
    observer allowed everywhere) and no anonymous access."""
    acl = tmp_path / "mosquitto.acl"
    acl.write_text(documented_acl() + "\nuser observer\ntopic readwrite #\n")
    passwords = tmp_path / "mosquitto.passwd"
    for i, (user, password) in enumerate((("vitalsd", MQTT_SECRET),
                                          ("gateway-ward3", GATEWAY_SECRET),
                                          ("observer", OBSERVER_SECRET))):
        subprocess.run(["mosquitto_passwd", "-b", *(["-c"] if i == 0 else []), passwords, user,
                        password], check=True, capture_output=True, timeout=30)
    # Started as root, mosquitto drops to user mosquitto before it reads the password file,
    # which then cannot enter pytest's 0700 folders; a test broker may stay who it is.
    stay = "user root\n" if os.geteuid() == 0 else ""
    return Mosquitto(tmp_path, allow_anonymous=False, extra_conf=(
        f"{stay}cafile {pki.ca}\ncertfile {(cert or pki.server)[0]}\nkeyfile {(cert or pki.server)[1]}\n"
        f"require_certificate {'true' if require_certificate else 'false'}\n"
        f"password_file {passwords}\nacl_file {acl}\n"))


def observer(broker, pki):
    """A test client on the TLS listener, with a client certificate (accepted either way)."""
    return MqttClient(broker.port, username="observer", password=OBSERVER_SECRET,
                      tls={"ca_certs": str(pki.ca), "certfile": str(pki.client_cert),
                           "keyfile": str(pki.client_key), "tls_version": ssl.PROTOCOL_TLS_CLIENT})


def tls_vitalsd(tmp_path, broker, ca, password=MQTT_SECRET, client_cert=None, name="vitalsd",
                wait_ready=True, redis=None, level="debug"):
    mqtt = {"uri": f"ssl://127.0.0.1:{broker.port}", "username": "vitalsd",
            "password_file": str(secret_file(tmp_path, f"{name}-mqtt.secret", password)),
            "ca_file": str(ca)}
    if client_cert:
        mqtt["cert_file"], mqtt["key_file"] = map(str, client_cert)
    return Vitalsd(tmp_path, broker.port, rules_text=HR_HIGH, name=name, wait_ready=wait_ready,
                   config={"mqtt": mqtt, "log": {"level": level}, **({"redis": redis} if redis
                                                                       else {})})


def assert_no_secret(text, where):
    for secret in (MQTT_SECRET, OBSERVER_SECRET, REDIS_SECRET, GATEWAY_SECRET):
        assert secret not in text, f"a secret appeared in {where}"


def stopped(*things):
    for t in things:
        if isinstance(t, Vitalsd):
            if t.process.alive():
                t.process.kill()
        elif isinstance(t, MqttClient):
            t.close()
        else:
            t.stop()


# ---- MQTT over TLS ------------------------------------------------------------------------

def test_tls_and_password_file_carry_readings_and_alerts(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good)
    sub = observer(broker, good)
    d = None
    try:
        sub.subscribe("alerts/#")
        d = tls_vitalsd(tmp_path, broker, good.ca)
        d.wait_metric("vitalsd_mqtt_connected", lambda v: v == 1)
        sub.publish("vitals/p-tls", {"hr": 140})
        (alert,) = sub.wait_for(1, "alerts/p-tls")
        assert (alert["rule"], alert["state"], alert["severity"]) == ("hr_high", "raised", "medium")

        # vitals-pub over the same TLS listener as the ward gateway SECURITY.md's ACL allows.
        pub_secret = secret_file(tmp_path, "pub.secret", GATEWAY_SECRET)
        run = subprocess.run(
            [VITALS_PUB_BIN, "--broker", f"ssl://127.0.0.1:{broker.port}", "--username",
             "gateway-ward3",
             "--password-file", pub_secret, "--ca-file", good.ca, "--patients", "3",
             "--count", "30", "--rate", "0", "--seed", "7", "--client-id", "pub-tls"],
            capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
        d.wait_metric("vitalsd_readings_received_total", lambda v: v >= 31)
        assert_no_secret(run.stdout + run.stderr, "vitals-pub output")
        assert d.stop() == 0
        assert_no_secret(d.process.output(), "vitalsd's debug log")
    finally:
        stopped(*[x for x in (d, sub, broker) if x])


def test_a_broker_certificate_from_another_ca_is_refused(tmp_path, pki):
    good, other = pki
    broker = tls_broker(tmp_path, good)
    sub = observer(broker, good)
    d = None
    try:
        d = tls_vitalsd(tmp_path, broker, other.ca, wait_ready=False)
        sub.publish("vitals/p-1", {"hr": 140})
        d.process.wait_for_line(r"first connect failed: no connection")
        d.process.wait_for_line(r"TLS to ssl://127\.0\.0\.1:\d+: the broker's certificate is not "
                                r"accepted: (self-signed certificate in certificate chain|"
                                r"unable to get local issuer certificate) \(check mqtt\.ca_file")
        # vitals-pub explains the same refusal in its own terms.
        pub_secret = secret_file(tmp_path, "pub.secret", GATEWAY_SECRET)
        run = subprocess.run(
            [VITALS_PUB_BIN, "--broker", f"ssl://127.0.0.1:{broker.port}", "--username",
             "gateway-ward3", "--password-file", pub_secret, "--ca-file", other.ca,
             "--count", "1", "--client-id", "pub-wrong-ca"],
            capture_output=True, text=True, timeout=60)
        assert run.returncode != 0
        assert re.search(r"the broker's certificate is not accepted: .*\(check --ca-file",
                         run.stderr), run.stderr
        m = d.metrics()
        assert m["vitalsd_mqtt_connected"] == 0
        assert m["vitalsd_readings_received_total"] == 0
        assert "ready: subscribed" not in d.process.output()
        # Never connected, nothing to drain: SIGTERM ends it cleanly and at once.
        assert d.stop(timeout=10) == 0, d.process.output()
    finally:
        stopped(*[x for x in (d, sub, broker) if x])


def test_a_broker_certificate_for_another_host_is_refused(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good, cert=(good.elsewhere_cert, good.elsewhere_key))
    d = None
    try:
        d = tls_vitalsd(tmp_path, broker, good.ca, wait_ready=False)
        d.process.wait_for_line(r"TLS to ssl://127\.0\.0\.1:\d+: the broker's certificate is not "
                                r"accepted: IP address mismatch")
        assert d.metric("vitalsd_mqtt_connected") == 0
    finally:
        stopped(*[x for x in (d, broker) if x])


def test_a_wrong_password_is_refused_with_an_auth_error(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good)
    d = None
    try:
        d = tls_vitalsd(tmp_path, broker, good.ca, password="not-the-password", wait_ready=False)
        d.process.wait_for_line(r"first connect failed: broker refused: not authorized .*"
                                r"mqtt\.password_file")
        assert d.metric("vitalsd_mqtt_connected") == 0
        assert "not-the-password" not in d.process.output()
    finally:
        stopped(*[x for x in (d, broker) if x])


def test_a_listener_that_requires_client_certificates(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good, require_certificate=True)
    sub = observer(broker, good)
    with_cert = without = None
    try:
        sub.subscribe("alerts/#")
        with_cert = tls_vitalsd(tmp_path, broker, good.ca, name="with-cert",
                                client_cert=(good.client_cert, good.client_key))
        sub.publish("vitals/p-cert", {"hr": 140})
        sub.wait_for(1, "alerts/p-cert")
        without = tls_vitalsd(tmp_path, broker, good.ca, name="without-cert", wait_ready=False)
        without.process.wait_for_line(r"TLS to ssl://\S+: the broker refused the TLS session: "
                                      r"tlsv13 alert certificate required \(check mqtt\.cert_file")
        assert without.metric("vitalsd_mqtt_connected") == 0
    finally:
        stopped(*[x for x in (with_cert, without, sub, broker) if x])


# ---- Redis AUTH ---------------------------------------------------------------------------

def test_redis_auth_from_a_password_file(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good)
    redis_server = RedisServer(tmp_path, password=REDIS_SECRET)
    sub = observer(broker, good)
    d = None
    try:
        sub.subscribe("alerts/#")
        redis_server.client().hset("vitalsd:patient:p-r", mapping={"hr_high.medium": 150})
        d = tls_vitalsd(tmp_path, broker, good.ca, redis={
            "enabled": True, "port": redis_server.port, "timeout": "300ms",
            "password_file": str(secret_file(tmp_path, "redis.secret", REDIS_SECRET))})
        d.wait_metric("vitalsd_redis_up", lambda v: v == 1)
        sub.publish("vitals/p-r", {"hr": 140})
        (alert,) = sub.wait_for(1, "alerts/p-r")
        assert alert["severity"] == "low", "the profile in Redis was read (medium raised to 150)"
        r = redis_server.client()
        # The stream entry and the active hash are separate writes: wait for both.
        wait_until(lambda: r.xlen("vitalsd:alerts") == 1, what="the alert in the Redis stream")
        wait_until(lambda: r.hget("vitalsd:active:p-r", "hr_high") is not None,
                   what="the alert in vitalsd:active:p-r")
        assert d.stop() == 0
        assert_no_secret(d.process.output(), "vitalsd's debug log")
    finally:
        stopped(*[x for x in (d, sub, redis_server, broker) if x])


def test_a_wrong_redis_password_leaves_redis_down_but_alerts_flowing(tmp_path, pki):
    good, _ = pki
    broker = tls_broker(tmp_path, good)
    redis_server = RedisServer(tmp_path, password=REDIS_SECRET)
    sub = observer(broker, good)
    d = None
    try:
        sub.subscribe("alerts/#")
        d = tls_vitalsd(tmp_path, broker, good.ca, redis={
            "enabled": True, "port": redis_server.port, "timeout": "300ms",
            "password_file": str(secret_file(tmp_path, "redis.secret", "wrong-redis-password"))})
        d.process.wait_for_line(r"AUTH refused .*redis\.password_file")
        assert d.metric("vitalsd_redis_up") == 0
        sub.publish("vitals/p-w", {"hr": 140})
        (alert,) = sub.wait_for(1, "alerts/p-w")
        assert alert["state"] == "raised"
        assert redis_server.client().exists("vitalsd:alerts") == 0
        assert "wrong-redis-password" not in d.process.output()
    finally:
        stopped(*[x for x in (d, sub, redis_server, broker) if x])


# ---- Secrets in --check-config ------------------------------------------------------------

def check_config(config_path):
    run = subprocess.run([VITALSD_BIN, "--check-config", "--config", str(config_path)],
                         capture_output=True, text=True, timeout=30)
    return run.returncode, run.stdout + run.stderr


def test_check_config_never_prints_a_secret(tmp_path, pki):
    good, _ = pki
    rules = tmp_path / "rules.toml"
    rules.write_text(HR_HIGH)
    mqtt_secret = secret_file(tmp_path, "mqtt.secret", MQTT_SECRET)
    redis_secret = secret_file(tmp_path, "redis.secret", REDIS_SECRET)
    valid = (f'[mqtt]\nuri = "ssl://127.0.0.1:8883"\nusername = "vitalsd"\n'
             f'password_file = "{mqtt_secret}"\nca_file = "{good.ca}"\n'
             f'[redis]\npassword_file = "{redis_secret}"\n[rules]\npath = "{rules}"\n')
    config = tmp_path / "valid.toml"
    config.write_text(valid)
    code, out = check_config(config)
    assert code == 0, out
    assert "warning" not in out, "0600 secret files draw no warning"
    assert_no_secret(out, "--check-config output")

    # A secret file every user can read is reported (by path and mode, not contents).
    mqtt_secret.chmod(0o644)
    code, out = check_config(config)
    assert code == 0, out
    assert re.search(r"warning: \[mqtt\] password_file '.*mqtt\.secret' is readable by every user "
                     r"on this host \(mode 0644\): chmod 600", out), out
    assert_no_secret(out, "--check-config output")
    mqtt_secret.chmod(0o600)

    # Mistakes an operator makes with secrets: each is refused, with the reason, and without
    # echoing the secret.
    mistakes = {
        "unknown key 'password'": valid.replace(  # the password inline instead of in a file
            'username = "vitalsd"', f'username = "vitalsd"\npassword = "{MQTT_SECRET}"'),
        "key_file: requires cert_file": valid.replace(  # the password file given as a TLS key
            f'ca_file = "{good.ca}"', f'ca_file = "{good.ca}"\nkey_file = "{mqtt_secret}"'),
        "uri: must not carry a user name or password": valid.replace(  # credentials in the URI
            'uri = "ssl://127.0.0.1:8883"', f'uri = "ssl://vitalsd:{MQTT_SECRET}@127.0.0.1:8883"'),
        "password_file: requires username": valid.replace('username = "vitalsd"\n', ""),
    }
    for i, (reason, text) in enumerate(mistakes.items()):
        path = tmp_path / f"mistake-{i}.toml"
        path.write_text(text)
        code, out = check_config(path)
        assert code == 1 and reason in out, f"expected '{reason}': {out}"
        assert_no_secret(out, f"--check-config output for '{reason}'")


# ---- Patient ids --------------------------------------------------------------------------

# Ids that can reach vitalsd through mosquitto: it refuses + # and NUL in a published topic,
# and (as malformed UTF-8) control characters such as newline; '/' adds a level that
# vitals/+ does not match. The daemon's own check for those is unit-tested.
BAD_IDS = ["a b", "p:1", "p*", "p{1}", "pé", "x" * 65, "p\"1", "p'1", "p\\1", "p;1", "p$1",
           "p@1", "p?1", "[p]"]


def keys_are_expected(keys, good_ids):
    allowed = re.compile(r"^vitalsd:(alerts|(active|latest):(%s))$" % "|".join(
        re.escape(i) for i in good_ids))
    return [k for k in keys if not allowed.match(k)]


def test_bad_patient_ids_never_reach_a_topic_or_a_key(tmp_path, mosquitto, redis_server, mqtt):
    d = Vitalsd(tmp_path, mosquitto.port, rules_text=HR_HIGH, redis_port=redis_server.port)
    try:
        sub = mqtt()
        sub.subscribe("#")
        pub = mqtt()
        expected = BAD_IDS
        for bad in BAD_IDS:
            pub.publish(f"vitals/{bad}", {"hr": 140})
            pub.publish(f"alerts-ack/{bad}", {"rule": "hr_high", "by": "rn-1"})
        pub.publish("vitals/p-ok", {"hr": 140})
        sub.wait_for(1, "alerts/p-ok")
        d.wait_metric('vitalsd_readings_rejected_total{reason="bad_topic"}',
                      lambda v: v == len(expected))
        d.wait_metric('vitalsd_acks_total{result="invalid"}', lambda v: v == len(expected))
        assert d.metric("vitalsd_readings_processed_total") == 1
        alert_topics = {t for t, _ in sub.received("alerts/")}
        assert alert_topics == {"alerts/p-ok"}, alert_topics
        notices = sub.json_messages("vitalsd/rejected")
        assert len(notices) == len(expected)
        assert {n["reason"] for n in notices} == {"bad_topic"}
        assert sorted(n["topic"] for n in notices) == sorted(f"vitals/{i}" for i in expected)

        # An invalidation naming a bad id is dropped, not turned into a key.
        r = redis_server.client()
        for bad in expected + ["*", "vitalsd:*"]:
            r.publish("vitalsd:patient-updated", bad)
        pub.publish("vitals/p-ok2", {"hr": 140})
        sub.wait_for(1, "alerts/p-ok2")
        wait_until(lambda: r.xlen("vitalsd:alerts") == 2, what="both alerts in the stream")
        keys = list(r.scan_iter(count=1000))
        assert keys_are_expected(keys, ["p-ok", "p-ok2"]) == [], keys
        assert d.stop() == 0
    finally:
        if d.process.alive():
            d.process.kill()


# ---- Metrics endpoint ---------------------------------------------------------------------

def listening_sockets_of(pid):
    """(address, port) of every IPv4/IPv6 TCP socket in LISTEN state that `pid` holds."""
    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        try:
            target = os.readlink(fd)
        except OSError:
            continue
        if target.startswith("socket:["):
            inodes.add(target[8:-1])
    found = []
    for table, family in (("/proc/net/tcp", socket.AF_INET), ("/proc/net/tcp6", socket.AF_INET6)):
        if not Path(table).exists():
            continue
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            local, state, inode = fields[1], fields[3], fields[9]
            if state != "0A" or inode not in inodes:  # 0A: TCP_LISTEN
                continue
            addr_hex, port_hex = local.split(":")
            raw = bytes.fromhex(addr_hex)
            # /proc prints each 32-bit word in host (little-endian) order.
            raw = b"".join(raw[i:i + 4][::-1] for i in range(0, len(raw), 4))
            found.append((socket.inet_ntop(family, raw), int(port_hex, 16)))
    return found


def test_metrics_listen_on_loopback_by_default(tmp_path, mosquitto):
    shipped = tomllib.loads((SOURCE_DIR / "config" / "vitalsd.toml").read_text())
    assert shipped["metrics"]["listen"].startswith("127.0.0.1:")
    default_port = 9464
    with socket.socket() as probe:
        taken = probe.connect_ex(("127.0.0.1", default_port)) == 0
    if taken:
        pytest.skip(f"something else listens on the default metrics port {default_port}")
    d = Vitalsd(tmp_path, mosquitto.port, rules_text=HR_HIGH)
    try:
        d.process.stop()
        del d.tables["metrics"]  # no [metrics] section: the built-in default applies
        d.write_config({})
        d.start()
        wait_until(lambda: listening_sockets_of(d.process.pid), what="vitalsd's listener")
        assert listening_sockets_of(d.process.pid) == [("127.0.0.1", default_port)]
        assert d.stop() == 0
    finally:
        if d.process.alive():
            d.process.kill()
