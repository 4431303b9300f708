"""Start, stop, restart and back-pressure through the real binary and broker."""
import signal
import subprocess

from harness import VITALSD_BIN, threshold_rule, wait_until

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low"), (130, "medium")], hysteresis=5)


def test_readings_published_while_vitalsd_is_down_are_alerted_after_restart(vitalsd, mqtt):
    d = vitalsd(rules_text=HR_HIGH)
    sub = mqtt()
    sub.subscribe("alerts/#")
    assert d.stop() == 0  # the broker keeps the persistent session
    pub = mqtt()
    for p in range(20):
        pub.publish(f"vitals/p-{p}", {"hr": 135})
    d.start()
    alerts = sub.wait_for(20)
    assert sorted(a["patient"] for a in alerts) == sorted(f"p-{p}" for p in range(20))
    assert all(a["state"] == "raised" and a["severity"] == "medium" for a in alerts)


def test_sigterm_drains_every_received_reading_and_publishes_its_alert(vitalsd, mqtt):
    # One worker with a tiny queue, so the readings back up inside vitalsd.
    d = vitalsd(rules_text=HR_HIGH, config={"pipeline": {"workers": 1, "queue_capacity": 8}})
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    n = 3000
    for p in range(n):
        pub.publish(f"vitals/p-{p}", {"hr": 140}, wait=False)
    d.wait_metric("vitalsd_readings_received_total", lambda v: v >= 500)
    received_before_signal = d.metric("vitalsd_readings_received_total")
    assert d.stop(signal.SIGTERM) == 0, d.process.output()
    # Every reading vitalsd took before the signal has its alert on the broker.
    sub.wait_for(int(received_before_signal))
    d.process.wait_for_line(r"shutdown complete")
    # The rest stayed in the broker's session: a restart alerts them.
    d.start()
    wait_until(lambda: len({a["patient"] for a in sub.json_messages()}) == n, timeout=60,
               what=lambda: f"alerts for all {n} patients "
                            f"(have {len({a['patient'] for a in sub.json_messages()})})")
    # Without Redis (this test) vitalsd has no memory across a restart, so a
    # reading the broker redelivers because its PUBACK was lost in the
    # disconnect is alerted again; see test_redis_recovery for the
    # exactly-once case with Redis.


def test_saturated_queues_do_not_wedge_the_pipeline(vitalsd, mqtt):
    # Queues of 2 and a flood of alternating breach / recovery readings: ingest
    # waits on the workers constantly while the notifier publishes an alert per
    # reading on its own connection. Everything must still get through.
    d = vitalsd(rules_text=HR_HIGH, config={"pipeline": {"workers": 2, "queue_capacity": 2}})
    sub = mqtt()
    sub.subscribe("alerts/#")
    pub = mqtt()
    patients, rounds = 10, 400
    for r in range(rounds):
        for p in range(patients):
            pub.publish(f"vitals/s-{p}", {"ts": 1_795_255_200_000 + r * 1000,
                                          "hr": 140 if r % 2 == 0 else 80}, wait=False)
    total = patients * rounds
    d.wait_metric("vitalsd_readings_processed_total", lambda v: v == total, timeout=120)
    alerts = sub.wait_for(total, timeout=120)  # raised and cleared, alternately
    assert d.metric("vitalsd_queue_full_waits_total") > 0, "the queues really were full"
    for p in range(patients):
        states = [a["state"] for a in alerts if a["patient"] == f"s-{p}"]
        assert states == ["raised", "cleared"] * (rounds // 2), f"s-{p} out of order or lost"
    assert d.stop() == 0


def run_cli(*args):
    return subprocess.run([VITALSD_BIN, *map(str, args)], capture_output=True, text=True,
                          timeout=30)


def test_version_and_help():
    r = run_cli("--version")
    assert r.returncode == 0 and r.stdout.startswith("vitalsd ")
    r = run_cli("--help")
    assert r.returncode == 0 and "--check-config" in r.stdout
    r = run_cli("--frobnicate")
    assert r.returncode == 2 and "unknown option '--frobnicate'" in r.stderr


def test_check_config_reports_problems_with_file_line_col(tmp_path):
    rules = tmp_path / "rules.toml"
    rules.write_text(HR_HIGH)
    good = tmp_path / "good.toml"
    good.write_text(f'[rules]\npath = "{rules}"\n')
    r = run_cli("--check-config", "--config", good)
    assert r.returncode == 0, r.stderr
    assert "configuration valid" in r.stdout

    bad = tmp_path / "bad.toml"
    bad.write_text(f'[mqtt]\nqos = "one"\ntreshold = 1\n[rules]\npath = "{rules}"\n')
    r = run_cli("--check-config", "--config", bad)
    assert r.returncode == 1
    assert f"{bad}:2:7:" in r.stderr, r.stderr
    assert f"{bad}:3:1:" in r.stderr, r.stderr
    assert r.stdout == ""

    bad_rules = tmp_path / "bad_rules.toml"
    bad_rules.write_text('[[alert]]\nname = "x"\nmetric = "pulse"\ndirection = "above"\n'
                         'levels = [{ threshold = 1, severity = "low" }]\n')
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'[rules]\npath = "{bad_rules}"\n')
    r = run_cli("--check-config", "--config", cfg)
    assert r.returncode == 1 and f"{bad_rules}:3:" in r.stderr, r.stderr


def test_secrets_never_appear_in_output(tmp_path, mosquitto):
    secret = tmp_path / "pw"
    secret.write_text("s3cr3t-hunter2\n")
    rules = tmp_path / "rules.toml"
    rules.write_text(HR_HIGH)
    cfg = tmp_path / "cfg.toml"
    cfg.write_text(f'[mqtt]\nuri = "{mosquitto.uri}"\nusername = "u"\npassword_file = "{secret}"\n'
                   f'[redis]\nenabled = false\n[metrics]\nlisten = ""\n[rules]\npath = "{rules}"\n')
    r = run_cli("--check-config", "--config", cfg)
    assert r.returncode == 0
    assert "hunter2" not in r.stdout + r.stderr


def test_reconnects_and_resubscribes_after_a_broker_restart(vitalsd, mqtt, mosquitto):
    d = vitalsd(rules_text=HR_HIGH)
    mosquitto.stop()  # the broker forgets every session: vitalsd must subscribe again
    d.process.wait_for_line(r"connection lost")
    mosquitto.start()
    wait_until(lambda: sum("ready: subscribed" in l for l in d.process.lines()) >= 2,
               timeout=60, what="vitalsd to subscribe again")
    sub = mqtt()
    sub.subscribe("alerts/#")
    mqtt().publish("vitals/p-after", {"hr": 150})
    (alert,) = sub.wait_for(1)
    assert alert["patient"] == "p-after"
    d.wait_metric("vitalsd_mqtt_reconnects_total", lambda v: v >= 2)
    assert d.metric("vitalsd_mqtt_connected") == 1


def test_json_log_format_writes_one_object_per_line(vitalsd, mqtt):
    import json
    d = vitalsd(rules_text=HR_HIGH, config={"log": {"format": "json"}})
    mqtt().publish("vitals/p-1", b"not json")
    d.process.wait_for_line(r"malformed_json")
    assert d.stop() == 0
    lines = d.process.lines("err")
    assert lines
    for line in lines:
        entry = json.loads(line)
        assert set(entry) == {"ts", "level", "msg"}, entry


def test_starts_before_the_broker_and_connects_when_it_comes_up(tmp_path):
    from harness import Mosquitto, MqttClient, Vitalsd, free_port
    port = free_port()
    d = Vitalsd(tmp_path, port, rules_text=HR_HIGH, wait_ready=False)
    try:
        d.process.wait_for_line(r"first connect failed")
        broker = Mosquitto(tmp_path, port=port)
        try:
            d.process.wait_for_line(r"ready: subscribed", timeout=60)
            sub = MqttClient(port)
            sub.subscribe("alerts/#")
            MqttClient(port).publish("vitals/p-late", {"hr": 150})
            assert sub.wait_for(1)[0]["patient"] == "p-late"
            assert d.stop() == 0
        finally:
            broker.stop()
    finally:
        if d.process.alive():
            d.process.kill()


def test_sigterm_while_the_broker_has_not_answered_connect_exits_cleanly(tmp_path):
    # A broker that accepts TCP and never sends CONNACK keeps Paho's first
    # connect attempts in flight. Paho refuses to change callbacks then, and
    # that refusal once escaped shutdown as an exception (std::terminate).
    import socket
    from harness import Vitalsd
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)
    silent.settimeout(30)
    accepted = []
    d = Vitalsd(tmp_path, silent.getsockname()[1], rules_text=HR_HIGH, wait_ready=False)
    try:
        for _ in range(2):  # the subscribing and the publishing connection
            conn, _ = silent.accept()
            accepted.append(conn)
            conn.settimeout(30)
            assert conn.recv(1) == b"\x10", "an MQTT CONNECT, never answered"
        assert d.stop(timeout=30) == 0, d.process.output()
    finally:
        for conn in accepted:
            conn.close()
        silent.close()
        if d.process.alive():
            d.process.kill()


def test_every_vitalsd_thread_has_a_name_an_operator_can_read(vitalsd):
    # top -H, gdb and e2e.py's per-thread split tell threads apart by name.
    import os
    d = vitalsd(rules_text=HR_HIGH, config={"pipeline": {"workers": 2}})
    tasks = f"/proc/{d.process.pid}/task"

    def names():
        found = set()
        for tid in os.listdir(tasks):
            try:
                with open(f"{tasks}/{tid}/comm") as f:
                    found.add(f.read().strip())
            except (FileNotFoundError, ProcessLookupError):  # the thread ended meanwhile
                pass
        return found

    expected = {"worker-0", "worker-1", "notifier", "event-loop", "reloader"}
    wait_until(lambda: expected <= names(), what=lambda: f"threads {expected} (have {names()})")
