"""Every simulator fault ends in a correct value or a typed error: no crash, hang or blow-up."""

from __future__ import annotations

import asyncio
import time

import pytest

from firmware_sim.faults import arm_fault
from firmware_sim.server import MemoryLink
from firmware_sim.state import CGMINER_START_S
from nanoheater.client import HeaterClient
from nanoheater.exceptions import ConnectionFailed, DeviceTimeout, ProtocolError
from nanoheater.protocol.codec import encode_request
from nanoheater.transport.memory import CallableTransport
from nanoheater.transport.tcp import TcpTransport
from tests.client.conftest import MODELS, Rig, make_heater

TRANSIENT = ("drop", "truncate", "garbage", "no-nul")


def assert_true_reading(rig: Rig, power_w: float | None) -> None:
    assert power_w == pytest.approx(rig.heater.state.power_w, abs=1.0)


@pytest.mark.parametrize("kind", TRANSIENT)
async def test_one_bad_reply_is_retried(rig: Rig, kind: str) -> None:
    """A single dropped, truncated, garbled or NUL-less reply still yields the right status."""
    await rig.client.get_info()
    arm_fault(rig.heater, kind, count=1)
    status = await rig.client.get_status()
    assert_true_reading(rig, status.power_w)
    assert status.info.dna == rig.heater.state.dna


async def test_replies_without_nul_are_fine_for_ever(rig: Rig) -> None:
    """TCP reads to EOF, so a device that never sends the NUL is still understood."""
    arm_fault(rig.heater, "no-nul", count=-1)
    status = await rig.client.get_status()
    assert_true_reading(rig, status.power_w)


@pytest.mark.parametrize(
    ("kind", "error"),
    [("drop", ConnectionFailed), ("garbage", ProtocolError), ("truncate", ProtocolError)],
)
async def test_persistent_fault_is_a_typed_error(
    rig: Rig, kind: str, error: type[Exception]
) -> None:
    """A device that keeps misbehaving gives the matching NanoheaterError with its address."""
    arm_fault(rig.heater, kind, count=-1)
    with pytest.raises(error) as raised:
        await rig.client.get_status()
    assert f"{rig.sim.host}:{rig.sim.port}" in str(raised.value)


async def test_delay_past_the_deadline_is_a_timeout(rig: Rig) -> None:
    """A reply slower than timeout_s becomes DeviceTimeout at the deadline, not a hang."""
    async with await HeaterClient.connect_tcp(rig.sim.host, rig.sim.port, timeout_s=0.3) as client:
        arm_fault(rig.heater, "delay", count=1, delay_s=2.0)
        started = time.monotonic()
        with pytest.raises(DeviceTimeout):
            await client.get_status()
        assert time.monotonic() - started < 1.5
        assert DeviceTimeout.exit_code == 4


async def test_short_delay_within_the_deadline_is_fine(rig: Rig) -> None:
    """A slow but timely reply is simply waited for."""
    arm_fault(rig.heater, "delay", count=1, delay_s=0.2)
    status = await rig.client.get_status()
    assert_true_reading(rig, status.power_w)


async def test_reboot_fault_refuses_then_recovers(rig: Rig) -> None:
    """While rebooting the device refuses (ConnectionFailed); afterwards it answers again."""
    before = await rig.client.get_status()
    arm_fault(rig.heater, "reboot", downtime_s=60)
    with pytest.raises(ConnectionFailed):
        await rig.client.get_status()
    rig.heater.world.run_for(61)
    for _ in range(50):  # the server re-listens on its own wall-clock poll
        try:
            after = await rig.client.get_status()
            break
        except ConnectionFailed:
            await asyncio.sleep(0.05)
    else:
        pytest.fail("device did not come back")
    assert after.info == before.info
    assert after.uptime_s is not None
    # The API reopens when cgminer starts, 30 s after the system booted (the blob's Elapsed).
    assert after.uptime_s <= CGMINER_START_S + 5


async def test_reply_size_is_capped(rig: Rig) -> None:
    """A reply larger than the transport's cap is refused, not accumulated."""
    transport = TcpTransport(rig.sim.host, rig.sim.port, max_reply_bytes=200)
    with pytest.raises(ProtocolError):
        await transport.request(encode_request("estats"))


async def test_write_with_garbled_reply_is_confirmed_by_reading_back(rig: Rig) -> None:
    """A mode change whose reply is garbage, but which the firmware applied, succeeds."""
    status = await rig.client.get_status()
    caps = await rig.client.get_capabilities()
    target = next(p for p in caps.profiles if p.name != status.mode)
    arm_fault(rig.heater, "garbage", count=1)
    assert (await rig.client.set_profile(target)).mode == target.name


@pytest.mark.parametrize("model", MODELS)
async def test_write_whose_request_was_lost_raises(model: str) -> None:
    """A mode change lost before the firmware saw it raises ConnectionFailed; nothing changed."""
    heater = make_heater(model)
    link = MemoryLink(heater)

    def lossy_link(request: bytes) -> bytes:
        # The link eats every write before the device sees it; reads pass.
        return b"" if b"ascset" in request else link.exchange(request)

    transport = CallableTransport(lossy_link)
    async with HeaterClient(transport, timeout_s=2.0, confirm_window_s=0.3) as client:
        status = await client.get_status()
        caps = await client.get_capabilities()
        target = next(p for p in caps.profiles if p.name != status.mode)
        with pytest.raises(ConnectionFailed):
            await client.set_profile(target)
    assert heater.profile.modes[heater.state.mode_index].name.casefold() != target.name.casefold()


async def test_concurrent_callers_never_interleave() -> None:
    """Many tasks on one client: at most one exchange is ever in flight."""
    heater = make_heater("q")
    link = MemoryLink(heater)
    in_flight = 0
    most = 0

    async def device(request: bytes) -> bytes:
        nonlocal in_flight, most
        in_flight += 1
        most = max(most, in_flight)
        try:
            await asyncio.sleep(0.001)
            heater.world.run_for(10)  # device time moves on, so the fan settles on each duty
            return await link.request(request)
        finally:
            in_flight -= 1

    async with HeaterClient(CallableTransport(device)) as client:
        results = await asyncio.gather(
            *(client.get_status() for _ in range(15)),
            *(client.set_fan(50 + i) for i in range(3)),
            return_exceptions=True,
        )
    assert most == 1
    assert all(not isinstance(r, BaseException) for r in results)
    assert heater.state.fan_manual_percent in (50, 51, 52)


async def test_closed_client_refuses_and_close_is_idempotent(rig: Rig) -> None:
    """After close() every call raises ConnectionFailed; closing twice is fine."""
    await rig.client.close()
    await rig.client.close()
    with pytest.raises(ConnectionFailed):
        await rig.client.get_status()


async def test_unreachable_port_is_connection_failed() -> None:
    """Nobody listening: ConnectionFailed with the address, exit code 4."""
    async with await HeaterClient.connect_tcp("127.0.0.1", 1, timeout_s=1.0) as client:
        with pytest.raises(ConnectionFailed) as raised:
            await client.get_status()
    assert "127.0.0.1:1" in str(raised.value)
    assert raised.value.exit_code == 4
