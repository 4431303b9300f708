"""Fault injection through the real binary, broker and Redis (issue 9): a broker
restart, a Redis crash, a vitalsd crash, a slow Redis, a subscriber that never
reads, and unusable standard streams, each while readings flow.

Readings here are mostly one per patient, each breaching: a reading's effect
is then one `raised` alert for its patient, so "every reading processed once"
is "every patient alerted exactly once", and a duplicate delivery is harmless
but visible (a second id for the patient would be a re-alert).
"""
import fcntl
import json
import os
import signal
import socket
import struct
import subprocess
import termios
import threading
import time

import paho.mqtt.client as paho
import pytest

from harness import (Mosquitto, MqttClient, RedisServer, Vitalsd, threshold_rule,
                     wait_until)

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low"), (130, "medium")], hysteresis=5)
T0 = 1_795_255_200_000


def alerted(sub, prefix="alerts/"):
    """patient -> set of alert ids received (duplicates of a transition collapse)."""
    ids = {}
    for a in sub.json_messages(prefix):
        ids.setdefault(a["patient"], set()).add(a["id"])
    return ids


def wait_all_published(infos, timeout=60):
    wait_until(lambda: all(i.is_published() for i in infos), timeout,
               what=lambda: f"the broker to acknowledge all {len(infos)} readings "
                            f"({sum(i.is_published() for i in infos)} so far)")


class PacedPublisher(threading.Thread):
    """Publishes one breaching reading per patient name, at QoS 1 on a persistent
    session, `interval` apart, whatever the broker is doing: paho keeps what it
    cannot send and sends it (again, if unacknowledged) after reconnecting."""

    def __init__(self, client, names, interval):
        super().__init__(daemon=True)
        self.client, self.names, self.interval = client, names, interval
        self.mids = []
        self.acked = set()  # mids the broker acknowledged (paho's callback thread adds)
        self.while_disconnected = 0  # readings published with no connection up
        client.client.on_publish = lambda c, u, mid: self.acked.add(mid)

    def all_acked(self):
        return len(self.acked.intersection(self.mids)) == len(self.names)

    def run(self):
        for n, name in enumerate(self.names):
            info = self.client.client.publish(f"vitals/{name}",
                                              json.dumps({"ts": T0 + n, "hr": 140}), qos=1)
            if info.rc == paho.MQTT_ERR_NO_CONN:
                self.while_disconnected += 1
            self.mids.append(info.mid)
            time.sleep(self.interval)  # load pacing, not a wait for a condition


def persistent_client(port, client_id):
    c = MqttClient(port, client_id=client_id, clean_session=False)
    c.client.reconnect_delay_set(min_delay=0.1, max_delay=0.5)
    return c


def test_broker_restart_under_load_loses_no_reading(tmp_path):
    broker = Mosquitto(tmp_path, persistent=True)
    d = None
    clients = []
    try:
        d = Vitalsd(tmp_path, broker.port, rules_text=HR_HIGH)
        sub = persistent_client(broker.port, "fault-alerts")
        sub.subscribe("alerts/#")
        pub = persistent_client(broker.port, "fault-pub")
        clients += [sub, pub]
        n = 1500
        names = [f"b-{i}" for i in range(n)]
        publisher = PacedPublisher(pub, names, interval=0.002)
        publisher.start()
        # On the publisher's progress, not vitalsd's: the outage must fall
        # inside the load however fast either side is.
        wait_until(lambda: len(publisher.mids) >= n // 4, what="a quarter of the readings sent")
        broker.stop()  # SIGTERM: mosquitto saves sessions and queued messages
        d.process.wait_for_line(r"connection lost")
        wait_until(lambda: publisher.while_disconnected > 0 or not publisher.is_alive(),
                   what="a reading published during the outage")
        broker.start()  # same port, same persistence file
        publisher.join(timeout=60)
        assert publisher.while_disconnected > 0, "the outage must fall inside the load"
        wait_until(publisher.all_acked, timeout=60,
                   what=lambda: f"the broker to acknowledge all {n} readings "
                                f"({len(publisher.acked)} so far)")
        wait_until(lambda: len(alerted(sub)) == n, timeout=60,
                   what=lambda: f"alerts for all {n} patients (have {len(alerted(sub))})")
        ids = alerted(sub)
        assert set(ids) == set(names)
        re_alerted = {p: i for p, i in ids.items() if len(i) > 1}
        assert not re_alerted, f"re-alerted after a redelivery: {re_alerted}"
        m = d.metrics()
        assert m["vitalsd_readings_received_total"] >= n  # redeliveries count here too
        assert m["vitalsd_mqtt_reconnects_total"] >= 2
        print(f"broker restart: {publisher.while_disconnected} readings published during the "
              f"outage; vitalsd received {m['vitalsd_readings_received_total']:.0f} for {n} sent, "
              f"{m.get('vitalsd_readings_duplicate_total', 0):.0f} recognised as redelivered")
        assert d.stop() == 0
    finally:
        for c in clients:
            c.close()
        if d and d.process.alive():
            d.process.kill()
        broker.stop()


def stream_transitions(r):
    return {(json.loads(f["json"])["id"], f["state"]) for _, f in r.xrange("vitalsd:alerts")}


def active_from_mqtt(sub):
    """(patient, rule) -> the latest transition's JSON as MQTT delivered it, for alerts still active."""
    latest = {}
    for _, payload in sub.received("alerts/"):
        a = json.loads(payload)
        latest[(a["patient"], a["rule"])] = (a, payload.decode())
    return {k: p for k, (a, p) in latest.items() if a["state"] != "cleared"}


@pytest.mark.parametrize("redis_keeps_data", [True, False], ids=["aof", "empty"])
def test_redis_killed_and_restarted_under_load_alerts_flow_and_state_reconciles(
        vitalsd, mqtt, tmp_path, redis_keeps_data):
    # aof: a Redis that keeps its data across a crash (append-only file, fsync
    # per write), as production Redis behind an alerting system should be.
    # empty: one that comes back with nothing; vitalsd writes the active
    # alerts again (the stream keeps only what was written after the crash).
    persistence = ("--appendonly", "yes", "--appendfsync", "always") if redis_keeps_data else ()
    redis = RedisServer(tmp_path, extra_args=persistence)
    try:
        d = vitalsd(rules_text=HR_HIGH, redis_port=redis.port)
        sub = mqtt()
        sub.subscribe("alerts/#")
        pub = mqtt()
        patients = 20

        def send(first, last):
            # Per patient: breach on even rounds, recover on odd ones.
            for r in range(first, last):
                for p in range(patients):
                    pub.publish(f"vitals/r-{p}", {"ts": T0 + r * 1000,
                                                  "hr": 140 if r % 2 == 0 else 80}, wait=False)

        steady = 5  # raised before the crash and unchanged after it
        for p in range(steady):
            pub.publish(f"vitals/st-{p}", {"ts": T0, "hr": 140}, wait=False)
        send(0, 10)
        sub.wait_for(10 * patients + steady)
        before_kill = len(sub.received())
        redis.kill()  # SIGKILL, mid-stream
        d.wait_metric("vitalsd_redis_up", lambda v: v == 0)
        d.wait_metric("vitalsd_redis_circuit_open", lambda v: v == 1)
        send(10, 21)  # during the outage: ends with every patient's alert raised
        sub.wait_for(21 * patients + steady)  # alerting carried on without Redis
        redis.start()  # same port; replays its append-only file
        d.wait_metric("vitalsd_redis_up", lambda v: v == 1, timeout=30)
        d.wait_metric("vitalsd_redis_circuit_open", lambda v: v == 0, timeout=30)
        alerts = sub.json_messages()
        for p in range(patients):
            states = [a["state"] for a in alerts if a["patient"] == f"r-{p}"]
            assert states == ["raised", "cleared"] * 10 + ["raised"], f"r-{p}: lost or reordered"
        # Reconciled: the active hashes say exactly what MQTT said, and the
        # stream holds every transition, the outage's ones appended after it.
        r = redis.client()
        expected = active_from_mqtt(sub)

        def redis_active():
            return {(key.split(":")[-1], rule): value
                    for key in r.scan_iter("vitalsd:active:*")
                    for rule, value in r.hgetall(key).items()}
        assert len(expected) == patients + steady
        wait_until(lambda: redis_active() == expected, timeout=30,
                   what=lambda: f"active hashes to match MQTT ({len(redis_active())} of "
                                f"{len(expected)})")
        mqtt_transitions = {(a["id"], a["state"]) for a in alerts}
        outage = {(a["id"], a["state"]) for a in alerts[before_kill:]}
        # Empty: what was written before the crash is gone, except entries
        # whose write was still unanswered then (parked, written again).
        least = mqtt_transitions if redis_keeps_data else outage
        wait_until(lambda: least <= stream_transitions(r) <= mqtt_transitions,
                   timeout=30, what=lambda: f"the stream to hold every transition "
                                            f"({len(stream_transitions(r))}, want {len(least)})")
        assert d.metric('vitalsd_redis_errors_total{op="stream_add"}') > 0, "the outage was real"
        assert d.stop() == 0
    finally:
        redis.stop()


def test_sigkill_under_load_loses_a_bounded_window_and_no_alert_for_good(vitalsd, mqtt,
                                                                        redis_server):
    # What a crash can lose is what vitalsd had taken and not finished:
    # readings in its queues (at most workers x 2 x queue_capacity: a queue
    # plus the batch in hand) and alerts emitted but not yet acknowledged by
    # the broker (vitalsd_alert_publish_pending), plus a new patient's first
    # readings held for its profile. One worker and a queue of 64 keep the
    # first part small; a flood with an alert per reading makes the second
    # real; the patients are known (profiles cached) so nothing is held.
    workers, capacity = 1, 64
    d = vitalsd(rules_text=HR_HIGH, redis_port=redis_server.port,
                config={"pipeline": {"workers": workers, "queue_capacity": capacity}})
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt(client_id="kill-pub", clean_session=False)
    n = 3000
    for i in range(n):
        pub.publish(f"vitals/k-{i}", {"ts": T0 + i, "hr": 80}, wait=False)
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == n, timeout=60)
    t1 = T0 + n + 1000
    infos = [pub.publish(f"vitals/k-{i}", {"ts": t1 + i, "hr": 140}, wait=False)
             for i in range(n)]
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v >= n + n // 4)
    before = d.metrics()
    d.process.kill()  # SIGKILL while the broker is still streaming the backlog
    wait_all_published(infos)
    alerted_by_first = len(alerted(sub))
    d.start()  # the persistent session hands over what the first run had not acknowledged
    pub.publish("vitals/k-marker", {"ts": t1 + n, "hr": 140})
    sub.wait_for(1, "alerts/k-marker", timeout=60)  # one worker: everything before it is done
    received_by_second = d.metric("vitalsd_readings_received_total") - 1
    lost = n - len(alerted(sub, "alerts/k-")) + 1  # the marker
    acked_by_first = n - received_by_second  # the broker redelivers whatever was not acknowledged
    processed, pending = (before["vitalsd_readings_processed_total"] - n,
                          before["vitalsd_alert_publish_pending"])
    print(f"SIGKILL loss window: {lost} of {n} readings' alerts lost in the crash (first run: "
          f"{acked_by_first:.0f} readings acknowledged to the broker, {alerted_by_first} alerts "
          f"delivered; at the last scrape before the kill: received "
          f"{before['vitalsd_readings_received_total'] - n:.0f}, processed {processed:.0f}, "
          f"alerts pending {pending:.0f})")
    # Every lost one was acknowledged by the first run and, at that scrape,
    # either not yet processed or its alert pending, or was still in the queues.
    assert lost <= workers * 2 * capacity + pending + max(0, acked_by_first - processed)
    # Nothing is lost for good while the condition lasts: Redis holds only
    # alerts the broker acknowledged, so the restart restores those (no second
    # raise) and the next breaching reading raises the ones the crash took.
    for i in range(n):
        pub.publish(f"vitals/k-{i}", {"ts": t1 + n + 1000 + i, "hr": 140}, wait=False)
    pub.publish("vitals/k-marker", {"ts": t1 + 2 * n + 2000, "hr": 80})
    sub.wait_for(2, "alerts/k-marker", timeout=60)
    ids = alerted(sub, "alerts/k-")
    assert len(ids) == n + 1, f"{n + 1 - len(ids)} patients never alerted"
    raised_twice = sum(len(i) > 1 for i in ids.values())
    print(f"after the next reading: every patient alerted; {raised_twice} raised again "
          f"(their alert reached the broker, but not Redis, before the kill)")
    assert d.stop() == 0


def test_slow_redis_does_not_slow_alerting(vitalsd, mqtt, tmp_path):
    redis_server = RedisServer(tmp_path, extra_args=("--enable-debug-command", "local"))
    try:
        slow_redis_scenario(vitalsd, mqtt, redis_server)
    finally:
        redis_server.stop()


def slow_redis_scenario(vitalsd, mqtt, redis_server):
    d = vitalsd(rules_text=HR_HIGH, redis_port=redis_server.port)
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    patients = [f"s-{p}" for p in range(10)]
    for p in patients:  # known patients: their profiles are cached
        pub.publish(f"vitals/{p}", {"ts": T0, "hr": 80})
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == len(patients))
    # DEBUG SLEEP blocks the whole server; the connection that sent it gets
    # its reply when Redis wakes up, which is what `awake` records.
    awake = threading.Event()
    import redis
    slow = redis.Redis(host=redis_server.host, port=redis_server.port, socket_timeout=60)

    def sleep_redis():
        slow.execute_command("DEBUG", "SLEEP", 5)
        awake.set()
    sleeper = threading.Thread(target=sleep_redis, daemon=True)
    sleeper.start()
    wait_until(lambda: not redis_responds(redis_server), what="Redis to be asleep")
    for p in patients:
        pub.publish(f"vitals/{p}", {"ts": T0 + 1000, "hr": 140}, wait=False)
    sub.wait_for(len(patients))
    assert not awake.is_set(), "every alert reached MQTT while Redis slept"
    sleeper.join(timeout=30)
    assert awake.is_set()
    # ...and Redis gets them once it is back. Writes that timed out while it
    # slept were executed when it woke and are written again after the
    # reconnect: the stream is at-least-once, so compare transitions.
    d.wait_metric("vitalsd_redis_up", lambda v: v == 1, timeout=30)
    r = redis_server.client()
    sent = {(a["id"], a["state"]) for a in sub.json_messages()}
    wait_until(lambda: stream_transitions(r) == sent, timeout=30,
               what="the stream to hold every alert after Redis woke up")
    assert d.stop() == 0, d.process.output()


def redis_responds(server):
    import redis
    try:
        return redis.Redis(host=server.host, port=server.port, socket_timeout=0.2).ping()
    except redis.exceptions.RedisError:
        return False


def mqtt_string(s):
    b = s.encode()
    return struct.pack("!H", len(b)) + b


def mqtt_packet(first_byte, body):
    length, encoded = len(body), b""
    while True:
        byte, length = length % 128, length // 128
        encoded += bytes([byte | (0x80 if length else 0)])
        if not length:
            return bytes([first_byte]) + encoded + body


def never_reading_subscriber(port, topic):
    """An MQTT 3.1.1 client that connects (persistent session), subscribes at
    QoS 1 and then never reads its socket again; its receive buffer is tiny,
    so the broker soon has to hold everything for it."""
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.settimeout(10)
    s.connect(("127.0.0.1", port))
    connect = (mqtt_string("MQTT") + bytes([4, 0x00]) + struct.pack("!H", 600)
               + mqtt_string("never-reads"))  # flags 0: clean_session = false
    s.sendall(mqtt_packet(0x10, connect))
    assert s.recv(4) == b"\x20\x02\x00\x00", "CONNACK accepted"
    s.sendall(mqtt_packet(0x82, struct.pack("!H", 1) + mqtt_string(topic) + b"\x01"))
    assert s.recv(5) == b"\x90\x03\x00\x01\x01", "SUBACK granted QoS 1"
    return s


def test_a_subscriber_that_never_reads_does_not_stall_the_pipeline(vitalsd, mqtt, mosquitto):
    d = vitalsd(rules_text=HR_HIGH)
    stuck = never_reading_subscriber(mosquitto.port, "alerts/#")
    try:
        sub = mqtt()
        sub.subscribe("alerts/#")
        pub = mqtt()
        n = 6000
        for i in range(n):
            pub.publish(f"vitals/n-{i}", {"ts": T0 + i, "hr": 140}, wait=False)
        d.wait_metric("vitalsd_readings_processed_total", lambda v: v == n, timeout=60)
        sub.wait_for(n, timeout=60)
        # The broker forwards an alert to subscribers and PUBACKs it to vitalsd
        # independently: the last acks may land just after `sub` has them all.
        d.wait_metric("vitalsd_alert_publish_pending", lambda v: v == 0, timeout=30)
        # The stuck client was sent only a sliver of those alerts: the broker
        # held the rest for it, and nobody else waited.
        alert_bytes = sum(len(p) for _, p in sub.received("alerts/"))
        pending = struct.unpack("i", fcntl.ioctl(stuck.fileno(), termios.FIONREAD, b"\0" * 4))[0]
        assert pending < alert_bytes / 4, (pending, alert_bytes)
        assert d.stop() == 0
    finally:
        stuck.close()


def start_raw(tmp_path, broker_port, name, stderr, pre_exec=""):
    """vitalsd with a test config and stdin/stdout/stderr as given; `pre_exec` is a
    shell redirection applied by `exec` (e.g. closing a stream)."""
    from harness import VITALSD_BIN, free_port, write_toml
    rules = tmp_path / f"{name}-rules.toml"
    rules.write_text(HR_HIGH)
    metrics_port = free_port()
    config = tmp_path / f"{name}.toml"
    write_toml(config, {
        "mqtt": {"uri": f"tcp://127.0.0.1:{broker_port}", "client_id": name},
        "redis": {"enabled": False},
        "pipeline": {"workers": 2},
        "metrics": {"listen": f"127.0.0.1:{metrics_port}"},
        "log": {"level": "info"},
        "rules": {"path": str(rules)},
    })
    proc = subprocess.Popen(["/bin/sh", "-c", f'exec "$0" --config "$1" {pre_exec}',
                             VITALSD_BIN, str(config)],
                            stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr,
                            start_new_session=True)
    return proc, metrics_port


def scrape(port):
    import urllib.request
    from harness import parse_metrics
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as r:
            return parse_metrics(r.read().decode())
    except OSError:
        return {}


def alert_round_trip(mqtt, proc, metrics_port, patient):
    """vitalsd is up, processes a reading and publishes its alert."""
    wait_until(lambda: scrape(metrics_port).get("vitalsd_mqtt_connected") == 1 or proc.poll() is not None,
               what="vitalsd to connect")
    assert proc.poll() is None, f"vitalsd exited with {proc.returncode}"
    sub = mqtt()
    sub.subscribe(f"alerts/{patient}")
    mqtt().publish(f"vitals/{patient}", {"hr": 150})
    sub.wait_for(1, f"alerts/{patient}")


def stop_raw(proc):
    proc.send_signal(signal.SIGTERM)
    return proc.wait(timeout=30)


def test_stderr_on_a_full_disk_does_not_stop_monitoring(tmp_path, mosquitto, mqtt):
    # vitalsd logs only to stderr (SPEC §6 has no log file); /dev/full makes
    # every log write fail with ENOSPC, as a full disk under a redirect would.
    with open("/dev/full", "w") as full:
        proc, port = start_raw(tmp_path, mosquitto.port, "full", stderr=full)
    try:
        alert_round_trip(mqtt, proc, port, "full-1")
        assert stop_raw(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_stderr_pipe_without_reader_does_not_kill_vitalsd(tmp_path, mosquitto, mqtt):
    # A log collector that went away: the first log line would raise SIGPIPE.
    read_end, write_end = os.pipe()
    os.close(read_end)
    proc, port = start_raw(tmp_path, mosquitto.port, "pipe", stderr=write_end)
    os.close(write_end)
    try:
        alert_round_trip(mqtt, proc, port, "pipe-1")
        assert stop_raw(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_closed_standard_streams_are_reopened_on_dev_null(tmp_path, mosquitto, mqtt):
    proc, port = start_raw(tmp_path, mosquitto.port, "closed", stderr=subprocess.DEVNULL,
                           pre_exec="<&- >&- 2>&-")
    try:
        alert_round_trip(mqtt, proc, port, "closed-1")
        for fd in (0, 1, 2):  # not a socket: log lines cannot leak into a connection
            assert os.readlink(f"/proc/{proc.pid}/fd/{fd}") == "/dev/null"
        assert stop_raw(proc) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_a_log_file_setting_is_refused_with_a_clear_error(tmp_path):
    # There is no log file to be unwritable: logs go to stderr / the journal.
    # A config that asks for one is refused, naming the file, line and key.
    from harness import VITALSD_BIN
    rules = tmp_path / "rules.toml"
    rules.write_text(HR_HIGH)
    config = tmp_path / "vitalsd.toml"
    config.write_text(f'[log]\nfile = "/nonexistent/vitalsd.log"\n[rules]\npath = "{rules}"\n')
    r = subprocess.run([VITALSD_BIN, "--config", str(config)], capture_output=True, text=True,
                       timeout=30)
    assert r.returncode == 1
    assert f"{config}:2:1:" in r.stderr and "file" in r.stderr, r.stderr
