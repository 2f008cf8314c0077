"""Other links and addresses: serial over a pty and socket://, and target parsing."""

from __future__ import annotations

import pytest

from firmware_sim.server import SimServer
from nanoheater.client import HeaterClient
from nanoheater.exceptions import ConnectionFailed, DeviceTimeout
from nanoheater.transport.serial import SerialTransport
from nanoheater.transport.tcp import TcpTransport
from tests.client.conftest import make_heater


async def test_serial_over_a_pty() -> None:
    """The simulator's pty carries the same API: status and a write read back."""
    heater = make_heater("nano3s")
    async with SimServer(heater, serial_pty=True) as sim:
        assert sim.serial is not None
        assert sim.serial.pty_path is not None
        async with await HeaterClient.connect(f"serial://{sim.serial.pty_path}") as client:
            status = await client.get_status()
            assert status.info.dna == heater.state.dna
            assert status.power_w == pytest.approx(heater.state.power_w, abs=1.0)
            changed = await client.set_mode("Low")
            assert changed.mode == "Low"
            assert client.transport.label == sim.serial.pty_path


async def test_serial_over_socket_url() -> None:
    """A pyserial socket:// URL reaches the simulator's serial-over-TCP line."""
    heater = make_heater("q")
    async with SimServer(heater, serial_port=0) as sim:
        assert sim.serial is not None
        url = sim.serial.url
        assert url is not None
        assert url.startswith("socket://127.0.0.1:")
        async with await HeaterClient.connect(url, timeout_s=3.0) as client:
            first = await client.get_status()
            second = await client.get_status()
        assert first.info.dna == second.info.dna == heater.state.dna
        assert second.mode == "Eco"


async def test_serial_reply_without_nul_times_out() -> None:
    """On serial the NUL ends a reply, so a missing one is a DeviceTimeout at the deadline."""
    from firmware_sim.faults import arm_fault

    heater = make_heater("nano3s")
    async with SimServer(heater, serial_port=0) as sim:
        assert sim.serial is not None
        assert sim.serial.url is not None
        transport = SerialTransport(sim.serial.url, timeout_s=0.5)
        arm_fault(heater, "no-nul", count=1)
        with pytest.raises(DeviceTimeout):
            await transport.request(b'{"command":"version"}')
        # The stale bytes are discarded before the next exchange.
        assert (await transport.request(b'{"command":"version"}')).endswith(b"\x00")
        await transport.close()
        await transport.close()


async def test_serial_bad_path_is_connection_failed() -> None:
    """A serial device that does not exist fails with ConnectionFailed naming it."""
    async with await HeaterClient.connect("serial:///dev/nonexistent-nanoheater") as client:
        with pytest.raises(ConnectionFailed) as raised:
            await client.get_status()
    assert "/dev/nonexistent-nanoheater" in str(raised.value)


async def test_closed_transports_refuse() -> None:
    """A closed transport raises ConnectionFailed instead of reconnecting silently."""
    tcp = TcpTransport("127.0.0.1", 4028)
    await tcp.close()
    with pytest.raises(ConnectionFailed):
        await tcp.request(b"{}")


async def test_status_of_a_serial_target_names_it_without_a_port() -> None:
    """``nanoheater status socket://...`` printed ``at socket://127.0.0.1:N:0``; no ``:0`` now."""
    from tests.cli.test_device_cli import run_cli

    heater = make_heater("nano3s")
    async with SimServer(heater, serial_port=0) as sim:
        assert sim.serial is not None
        url = sim.serial.url
        assert url is not None
        code, out, err = await run_cli("status", url)
        async with await HeaterClient.connect(url, timeout_s=3.0) as client:
            status = await client.get_status()
    assert code == 0, err
    assert out.splitlines()[0].endswith(f" at {url}")
    assert status.identity_key == heater.state.dna
    assert str(status.address) == url
