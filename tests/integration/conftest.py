"""pytest fixtures: a private mosquitto per test, and a factory for vitalsd processes."""
import pytest

from harness import Mosquitto, MqttClient, Vitalsd


@pytest.fixture
def mosquitto(tmp_path):
    broker = Mosquitto(tmp_path)
    yield broker
    broker.stop()


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
