"""Fault matrix, client part: every firmware_sim fault against reads and writes over real TCP.

For each fault the tests pin what the caller sees (a typed error naming the device, or a correct
value), that the same client works again once the fault clears (no restart), and, counting the
requests that reached the simulated firmware, that a write is sent once and applied at most once.
The thermostat and TUI parts live in test_fault_matrix_control.py and test_fault_matrix_tui.py.
"""

from __future__ import annotations

import asyncio

import pytest

from firmware_sim.device import SimulatedHeater
from firmware_sim.faults import arm_fault, clear_faults
from nanoheater.client import HeaterClient
from nanoheater.exceptions import (
    CalibratingError,
    ConnectionFailed,
    DeviceTimeout,
    NanoheaterError,
    ProtocolError,
)
from nanoheater.models import HeaterState, HeaterStatus
from tests.reliability.rigs import Ledger, advance, make_heater, mode_name, open_tcp, tcp_client

TIMEOUT_S = 0.4
"""Every client here gives up after this long: the deadline is the client's own."""


async def _eventually_status(client: HeaterClient, tries: int = 40) -> HeaterStatus:
    """Read until the device answers (a delayed reply may still occupy the one-client server)."""
    last: Exception | None = None
    for _ in range(tries):
        try:
            return await client.get_status()
        except NanoheaterError as exc:
            last = exc
            await asyncio.sleep(0.05)
    raise AssertionError(f"device never recovered: {last}")


def _other_mode(heater: SimulatedHeater) -> str:
    return next(m.name for m in heater.profile.modes if m.name != mode_name(heater))


# ---- reads -------------------------------------------------------------------------------------

READ_PERSISTENT = [
    ("drop", ConnectionFailed),
    ("truncate", ProtocolError),
    ("garbage", ProtocolError),
    ("delay", DeviceTimeout),
]


@pytest.mark.parametrize(("kind", "error"), READ_PERSISTENT)
async def test_read_under_persistent_fault_is_typed_then_recovers(
    kind: str, error: type[Exception]
) -> None:
    """Pins: a device that keeps failing gives a typed error naming it; clearing heals it."""
    heater, _ = make_heater("nano3s")
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_info()
        arm_fault(heater, kind, count=-1, delay_s=1.0)
        with pytest.raises(error) as raised:
            await client.get_status()
        assert f"{sim.host}:{sim.port}" in str(raised.value)
        clear_faults(heater)
        status = await _eventually_status(client)
        assert status.power_w == pytest.approx(heater.state.power_w, abs=1.0)


@pytest.mark.parametrize("kind", ["drop", "truncate", "garbage", "no-nul"])
async def test_one_bad_read_is_invisible(kind: str) -> None:
    """Pins: one dropped, cut, garbled or NUL-less reply is retried and the caller sees a value."""
    heater, _ = make_heater("nano3s")
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_info()
        sent = len(ledger.requests)
        arm_fault(heater, kind, count=1)
        status = await client.get_status()
        assert status.info.dna == heater.state.dna
        # no-nul needs no retry (TCP reads to EOF); the others cost exactly one more exchange.
        assert len(ledger.requests) - sent == (1 if kind == "no-nul" else 2)


async def test_reboot_refuses_then_recovers_same_client() -> None:
    """Pins: during a reboot reads fail as ConnectionFailed; afterwards the same client reads."""
    heater, clock = make_heater("nano3s")
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        before = await client.get_status()
        arm_fault(heater, "reboot", downtime_s=60.0)
        sim.notice_down()
        with pytest.raises(ConnectionFailed):
            await client.get_status()
        advance(heater, clock, 61.0)
        after = await _eventually_status(client)
        assert after.uptime_s is not None
        assert before.uptime_s is not None
        assert after.uptime_s < before.uptime_s + 61


async def test_empty_q_summary_falls_back() -> None:
    """Pins: the Q's empty MM ID0:Summary quirk still yields a full reading (fallback command)."""
    heater, _ = make_heater("q")
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_info()
        arm_fault(heater, "empty-summary", count=-1)
        status = await client.get_status()
        assert status.power_w == pytest.approx(heater.state.power_w, abs=1.0)
        assert status.mode == mode_name(heater)


async def test_overheat_is_visible_in_the_reading() -> None:
    """Pins: an overheating device reads as such (chip at or above the trip), not as an error."""
    heater, clock = make_heater("mini3")
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        arm_fault(heater, "overheat")
        advance(heater, clock, 5.0)
        status = await client.get_status()
        assert status.chip_temp_max_c is not None
        assert status.chip_temp_max_c >= 100.0
        clear_faults(heater)
        advance(heater, clock, 1800.0)
        cooled = await client.get_status()
        assert cooled.chip_temp_max_c is not None
        assert cooled.chip_temp_max_c < status.chip_temp_max_c


# ---- writes ------------------------------------------------------------------------------------

# (fault on the write itself, what the caller sees, whether the firmware applied it)
WRITE_CASES = [
    ("drop", ConnectionFailed, False),
    ("truncate", None, True),
    ("garbage", None, True),
    ("no-nul", None, True),
    ("delay", DeviceTimeout, True),
    ("calibrating", CalibratingError, False),
]


@pytest.mark.parametrize(("kind", "error", "applied"), WRITE_CASES)
@pytest.mark.parametrize("model", ["nano3", "nano3s", "mini3", "q"])
async def test_write_under_fault_is_sent_once_and_applied_at_most_once(
    model: str, kind: str, error: type[Exception] | None, applied: bool
) -> None:
    """Pins: a faulted mode change is sent once; success means applied, an error means told."""
    heater, clock = make_heater(model)
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_status()
        start, wanted = mode_name(heater), _other_mode(heater)
        ledger.before_write = lambda: arm_fault(heater, kind, count=1, delay_s=0.6)
        if error is None:
            status = await client.set_mode(wanted)
            assert status.mode == wanted
        else:
            with pytest.raises(error) as raised:
                await client.set_mode(wanted)
            assert f"{sim.host}:{sim.port}" in str(raised.value)
            if isinstance(raised.value, CalibratingError):
                assert raised.value.retry_after_s > 0
        assert len(ledger.mode_writes()) == 1
        assert ledger.applied_modes == ([wanted] if applied else [])
        assert mode_name(heater) == (wanted if applied else start)
        # Recovery without restart: the same client reads, and a retried write lands once.
        clear_faults(heater)
        advance(heater, clock, 301.0)  # past any calibration window
        status = await _eventually_status(client)
        assert status.mode == mode_name(heater)
        if not applied:
            assert (await client.set_mode(wanted)).mode == wanted
            assert ledger.applied_modes == [wanted]


async def test_reboot_mid_command_is_reported_and_applied_once() -> None:
    """Pins: a device rebooting right after taking a write gives ConnectionFailed, applied once."""
    heater, clock = make_heater("nano3s")
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_status()
        wanted = _other_mode(heater)
        ledger.after_write = lambda: heater.reboot(downtime_s=60.0)
        with pytest.raises(ConnectionFailed):
            await client.set_mode(wanted)
        advance(heater, clock, 61.0)
        status = await _eventually_status(client)
        assert status.mode == wanted
        assert ledger.applied_modes == [wanted]
        assert len(ledger.mode_writes()) == 1
        assert status.state is not HeaterState.FAULT


async def test_soft_off_during_reboot_is_not_replayed() -> None:
    """Pins: a soft off that meets a rebooting device fails and is not silently replayed later."""
    heater, clock = make_heater("mini3")
    ledger = Ledger(heater)
    async with open_tcp(heater) as sim:
        client = tcp_client(sim.host, sim.port, timeout_s=TIMEOUT_S)
        await client.get_status()
        arm_fault(heater, "reboot", downtime_s=60.0)
        sim.notice_down()
        with pytest.raises(ConnectionFailed):
            await client.soft_off(lead_s=0.0)
        advance(heater, clock, 61.0)
        status = await _eventually_status(client)
        assert not status.soft_off
        assert ledger.ascsets("softoff") == []
