"""Tests of ``nanoheater demo``'s fleet start-up: loopback only, with a fallback when busy."""

from __future__ import annotations

import socket

from click.testing import CliRunner

from nanoheater.cli.demo import demo, start_fleet

DEMO_PORT = 40720
"""A fixed port: the run has its own network namespace, so nothing else holds it."""


async def test_demo_fleet_sits_on_consecutive_loopback_addresses() -> None:
    """Pins the default layout: one device per loopback address, all at the same port."""
    fleet = await start_fleet(
        ["nano3s", "q"], address="127.0.0.2", port=DEMO_PORT, speed=60, seed=0
    )
    try:
        hosts = [(m.server.host, m.server.port) for m in fleet.members]
        assert hosts == [("127.0.0.2", DEMO_PORT), ("127.0.0.3", DEMO_PORT)]
    finally:
        await fleet.stop()


async def test_demo_fleet_falls_back_to_ports_when_busy() -> None:
    """Pins that a taken address makes the demo use free ports on 127.0.0.1 instead of failing."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.3", DEMO_PORT + 1))
        squatter.listen()
        fleet = await start_fleet(
            ["nano3s", "q"], address="127.0.0.2", port=DEMO_PORT + 1, speed=60, seed=0
        )
        try:
            hosts = {m.server.host for m in fleet.members}
            ports = {m.server.port for m in fleet.members}
            assert hosts == {"127.0.0.1"}
            assert len(ports) == 2
            assert DEMO_PORT + 1 not in ports
        finally:
            await fleet.stop()


def test_demo_refuses_to_leave_loopback() -> None:
    """Pins that the demo will not listen on a LAN address."""
    result = CliRunner().invoke(demo, ["--address", "192.168.1.10"])
    assert result.exit_code == 2
    assert "loopback" in result.output


def test_demo_rejects_unknown_models() -> None:
    """Pins that a bad --model is a usage error naming the known models."""
    result = CliRunner().invoke(demo, ["--model", "antminer"])
    assert result.exit_code == 2
    assert "unknown model" in result.output
