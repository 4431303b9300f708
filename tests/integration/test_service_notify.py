"""systemd's notify protocol, with the test playing the service manager.

vitalsd runs with NOTIFY_SOCKET pointing at a datagram socket the test reads
(and WATCHDOG_USEC set, as WatchdogSec= would), so READY=1, RELOADING=1,
STOPPING=1 and WATCHDOG=1 can be checked for order and timing.
"""
import ctypes
import os
import signal
import time

import pytest

from harness import Mosquitto, NotifyListener, Vitalsd, free_port, threshold_rule, wait_until

HR_HIGH = threshold_rule("hr_high", "hr", "above", [(110, "low")], hysteresis=5)
WATCHDOG_USEC = 1_000_000  # as WatchdogSec=1s would set it
WATCHDOG_S = WATCHDOG_USEC / 1e6


@pytest.fixture
def listener(tmp_path):
    sock = NotifyListener(tmp_path / "notify.sock")
    yield sock
    sock.close()


def notify_env(listener, watchdog_usec=None):
    env = {k: v for k, v in os.environ.items()
           if k not in ("NOTIFY_SOCKET", "WATCHDOG_USEC", "WATCHDOG_PID")}
    env["NOTIFY_SOCKET"] = listener.path
    if watchdog_usec:
        # No WATCHDOG_PID: sd_watchdog_enabled() then accepts any process.
        env["WATCHDOG_USEC"] = str(watchdog_usec)
    return env


def gaps(times):
    return [b - a for a, b in zip(times, times[1:])]


def test_ready_after_subscribing_reloading_ready_around_a_reload_and_stopping(tmp_path, listener):
    port = free_port()
    d = Vitalsd(tmp_path, port, rules_text=HR_HIGH, wait_ready=False,
                env=notify_env(listener, WATCHDOG_USEC))
    broker = None
    try:
        # Given no broker: the event loop runs (the watchdog pings) but vitalsd is not ready.
        d.process.wait_for_line(r"first connect failed")
        listener.wait_for("WATCHDOG", count=2)
        assert listener.count("READY") == 0

        # When the broker comes up, READY=1 follows the subscription.
        broker = Mosquitto(tmp_path, port=port)
        listener.wait_for("READY", timeout=60)
        assert any("ready: subscribed" in line for line in d.process.lines())
        (ready,) = [m for _, m in listener.messages() if m.get("READY") == "1"]
        assert ready["STATUS"].startswith("subscribed; 2 workers; rules generation 1"), ready

        # The pings keep coming, never further apart than systemd's timeout.
        pings_at_ready = listener.count("WATCHDOG")
        listener.wait_for("WATCHDOG", count=pings_at_ready + 4)
        assert max(gaps(listener.times_of("WATCHDOG"))) < WATCHDOG_S

        # A reload is bracketed by RELOADING=1 and READY=1.
        d.process.send_signal(signal.SIGHUP)
        listener.wait_for("READY", count=2)
        (reloading,) = [m for _, m in listener.messages() if m.get("RELOADING") == "1"]
        assert int(reloading["MONOTONIC_USEC"]) > 0
        assert listener.times_of("RELOADING")[0] < listener.times_of("READY")[1]
        assert "rules generation 2" in [m for _, m in listener.messages()
                                        if m.get("READY") == "1"][1]["STATUS"]

        # SIGTERM: STOPPING=1 and nothing claims readiness afterwards.
        assert d.stop() == 0
        listener.wait_for("STOPPING")
        stopping_at = listener.times_of("STOPPING")[0]
        assert all(t < stopping_at for t in listener.times_of("READY"))
    finally:
        if d.process.alive():
            d.process.kill()
        if broker:
            broker.stop()


def test_without_a_watchdog_there_are_no_pings_but_the_rest_works(tmp_path, listener, mosquitto):
    d = Vitalsd(tmp_path, mosquitto.port, rules_text=HR_HIGH, env=notify_env(listener))
    try:
        listener.wait_for("READY")
        d.process.send_signal(signal.SIGHUP)
        listener.wait_for("READY", count=2)
        assert d.stop() == 0
        listener.wait_for("STOPPING")
        assert listener.count("WATCHDOG") == 0
        assert listener.count("RELOADING") == 1
    finally:
        if d.process.alive():
            d.process.kill()


# ---- A wedged worker, made by stopping one thread of the real binary with ptrace. ----

PTRACE_DETACH = 17
PTRACE_SEIZE = 0x4206
PTRACE_INTERRUPT = 0x4207
WALL = 0x40000000  # waitpid __WALL: wait for a thread, not only a process
WNOHANG = 1

libc = ctypes.CDLL(None, use_errno=True)
libc.ptrace.argtypes = [ctypes.c_long, ctypes.c_long, ctypes.c_void_p, ctypes.c_void_p]
libc.ptrace.restype = ctypes.c_long


class ThreadStopped:
    """Stops one thread (not the process) until the block ends: a worker that
    hangs, while the event loop and the other workers run on. ptrace stops a
    single task; SIGSTOP would stop them all."""

    def __init__(self, tid):
        self.tid = tid

    def __enter__(self):
        if libc.ptrace(PTRACE_SEIZE, self.tid, None, None) != 0:
            pytest.skip(f"ptrace not permitted here: {os.strerror(ctypes.get_errno())}")
        assert libc.ptrace(PTRACE_INTERRUPT, self.tid, None, None) == 0
        status = ctypes.c_int()
        wait_until(lambda: libc.waitpid(self.tid, ctypes.byref(status), WALL | WNOHANG) == self.tid,
                   what=f"thread {self.tid} to stop")
        return self

    def __exit__(self, *exc):
        assert libc.ptrace(PTRACE_DETACH, self.tid, None, None) == 0, os.strerror(ctypes.get_errno())


def thread_id(pid, name):
    """The kernel thread id of the thread called `name` (vitalsd names its workers)."""
    for tid in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{tid}/comm") as f:
            if f.read().strip() == name:
                return int(tid)
    raise AssertionError(f"no thread {name} in {pid}")


def shard_of(patient, workers):
    """WorkerPool's FNV-1a sharding, to pick a patient for a given worker."""
    h = 2166136261
    for byte in patient.encode():
        h = ((h ^ byte) * 16777619) & 0xFFFFFFFF
    return h % workers


def patient_on(worker, workers, prefix):
    return next(p for p in (f"{prefix}-{i}" for i in range(1000)) if shard_of(p, workers) == worker)


def test_a_wedged_worker_stops_the_watchdog_pings_until_it_moves_again(tmp_path, listener,
                                                                       mosquitto, mqtt):
    d = Vitalsd(tmp_path, mosquitto.port, rules_text=HR_HIGH,
                env=notify_env(listener, WATCHDOG_USEC), config={"pipeline": {"workers": 2}})
    try:
        listener.wait_for("READY")
        sub = mqtt()
        sub.subscribe("alerts/#")
        pub = mqtt()
        stuck, alive = patient_on(0, 2, "stuck"), patient_on(1, 2, "alive")

        with ThreadStopped(thread_id(d.process.pid, "worker-0")):
            pub.publish(f"vitals/{stuck}", {"hr": 140})
            d.process.wait_for_line(r"watchdog: worker 0 has had readings queued \(1 now\)")
            # The other worker carries on: the judgement is per worker.
            pub.publish(f"vitals/{alive}", {"hr": 140})
            sub.wait_for(1, f"alerts/{alive}")
            # No ping for longer than WatchdogSec: systemd would now kill and restart vitalsd.
            wait_until(lambda: time.monotonic() - listener.times_of("WATCHDOG")[-1] > 1.5 * WATCHDOG_S,
                       what="the watchdog pings to stop")
            assert sub.received(f"alerts/{stuck}") == []
            pings_while_stuck = listener.count("WATCHDOG")

        d.process.wait_for_line(r"watchdog: every worker is making progress again")
        listener.wait_for("WATCHDOG", count=pings_while_stuck + 1)
        (alert,) = sub.wait_for(1, f"alerts/{stuck}")  # the held reading, processed once
        assert alert["state"] == "raised"
        assert d.stop() == 0
    finally:
        if d.process.alive():
            d.process.kill()
