"""pytest fixtures shared by vitalsd's integration tests (see harness.py, helpers.py)."""
import os
import sys

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from harness import Mosquitto, MqttClient, RedisServer, Vitalsd  # noqa: E402
from helpers import MqttCollector  # noqa: E402


def pytest_addoption(parser):
    parser.addoption("--vitals-pub", default=os.environ.get("VITALS_PUB_BIN"),
                     help="path to the vitals-pub binary (or env VITALS_PUB_BIN)")
    parser.addoption("--vitalsd", default=os.environ.get("VITALSD_BIN"),
                     help="path to the vitalsd binary (or env VITALSD_BIN)")


def pytest_configure(config):
    config.addinivalue_line("markers", "timing: measures rates; run alone (CTest RUN_SERIAL)")


def _binary(request, option):
    path = request.config.getoption(option)
    if not path or not os.access(path, os.X_OK):
        pytest.fail(f"{option} not given or not executable: {path!r} (build first; CTest passes it)")
    return path


@pytest.fixture(scope="session")
def vitals_pub_bin(request):
    """Path of the vitals-pub binary under test."""
    return _binary(request, "--vitals-pub")


@pytest.fixture(scope="session")
def vitalsd_bin(request):
    """Path of the vitalsd binary under test."""
    return _binary(request, "--vitalsd")


@pytest.fixture
def mosquitto(tmp_path):
    """A fresh broker for one test; stopped (by PID) afterwards."""
    broker = Mosquitto(tmp_path)
    yield broker
    broker.stop()


@pytest.fixture
def redis_server(tmp_path):
    """A fresh redis-server for one test; stopped (by PID) afterwards."""
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture
def mqtt(mosquitto):
    """Opens recording MQTT clients on the test's broker; closes them afterwards."""
    clients = []

    def connect(**kwargs):
        c = MqttClient(mosquitto.port, **kwargs)
        clients.append(c)
        return c
    yield connect
    for c in clients:
        c.close()


@pytest.fixture
def collector(mosquitto):
    """Factory: collector(topics=("#",), qos=1) -> a started MqttCollector on the
    test's broker; all are stopped after the test."""
    started = []

    def make(topics=("#",), qos=1):
        c = MqttCollector(mosquitto.host, mosquitto.port, topics, qos=qos).start()
        started.append(c)
        return c

    yield make
    for c in started:
        c.stop()


@pytest.fixture
def vitalsd(tmp_path, mosquitto):
    """Starts vitalsd processes against the test's broker; stops any left running."""
    started = []

    def start(**kwargs):
        d = Vitalsd(tmp_path, mosquitto.port, **kwargs)
        started.append(d)
        return d
    yield start
    for d in started:
        if d.process and d.process.alive():
            d.process.kill()
