"""Fixtures of the bridge tests: a real Mosquitto broker on loopback, one per test module."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.home.conftest import fleet, home  # noqa: F401 - the Home fixtures, shared
from tests.mosquitto import Broker, mosquitto_binary


@pytest.fixture(scope="module")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Broker]:
    """A Mosquitto broker on 127.0.0.1 and a free port, stopped after the module's tests."""
    binary = mosquitto_binary()
    if binary is None:
        pytest.fail("mosquitto is not installed: .ci/run installs it (apt-get install mosquitto)")
    server = Broker(binary, tmp_path_factory.mktemp("mosquitto"))
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def live_broker(broker: Broker) -> Broker:
    """The module's broker, started again if an earlier test stopped or killed it."""
    if not broker.running:
        broker.start()
    return broker
