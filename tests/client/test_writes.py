"""Writes against the simulator: each is confirmed by reading back, refusals are typed."""

from __future__ import annotations

import asyncio
import json

import pytest

from firmware_sim.faults import arm_fault
from firmware_sim.server import MemoryLink
from nanoheater.capabilities import capabilities
from nanoheater.client import HeaterClient
from nanoheater.exceptions import (
    CalibratingError,
    ConnectionFailed,
    DeviceRefused,
    UnsupportedError,
    UsageError,
)
from nanoheater.models import HeaterState
from nanoheater.transport.memory import CallableTransport
from tests.client.conftest import MODELS, Rig, make_heater, open_rig


def sim_mode_name(rig: Rig) -> str:
    return rig.heater.profile.modes[rig.heater.state.mode_index].name


def sent_ascset(rig: Rig) -> bool:
    return b"ascset" in rig.sim.last_request


async def test_set_mode_switches_and_reads_back(rig: Rig) -> None:
    """set_mode changes the device's mode and returns the confirmed reading."""
    caps = capabilities(rig.heater.profile.model)
    current = (await rig.client.get_status()).mode
    target = next(p for p in caps.profiles if p.name != current)
    status = await rig.client.set_mode(target.name.upper())
    assert status.mode == target.name
    assert sim_mode_name(rig).casefold() == target.name.casefold()
    assert status.calibrating
    assert status.state is HeaterState.CALIBRATING


async def test_change_while_calibrating_is_typed_and_later_allowed(rig: Rig) -> None:
    """A second change inside the calibration window raises CalibratingError; after it, works."""
    caps = capabilities(rig.heater.profile.model)
    low, high = caps.profiles[0], caps.profiles[-1]
    first = low if (await rig.client.get_status()).mode != low.name else high
    second = high if first is low else low
    await rig.client.set_profile(first)
    with pytest.raises(CalibratingError) as refused:
        await rig.client.set_profile(second)
    assert refused.value.retry_after_s > 0
    assert refused.value.exit_code == 3
    assert rig.sim.host in str(refused.value)
    assert sim_mode_name(rig).casefold() == first.name.casefold()
    rig.heater.world.run_for(rig.heater.profile.calibration_s + 1)
    assert (await rig.client.set_profile(second)).mode == second.name


async def test_calibrating_fault_refuses_mode_changes(rig: Rig) -> None:
    """The simulator's forced-calibration fault surfaces as CalibratingError."""
    arm_fault(rig.heater, "calibrating")
    caps = capabilities(rig.heater.profile.model)
    current = (await rig.client.get_status()).mode
    target = next(p for p in caps.profiles if p.name != current)
    with pytest.raises(CalibratingError):
        await rig.client.set_profile(target)


async def test_setting_the_current_mode_sends_no_write(rig: Rig) -> None:
    """Asking for the mode the device is already in only reads."""
    status = await rig.client.get_status()
    assert status.mode is not None
    again = await rig.client.set_mode(status.mode)
    assert again.mode == status.mode
    assert not sent_ascset(rig)
    assert not again.calibrating


async def test_unknown_mode_is_a_usage_error_listing_choices(rig: Rig) -> None:
    """An unknown mode name fails before sending, naming the valid ones."""
    with pytest.raises(UsageError) as error:
        await rig.client.set_mode("turbo")
    assert capabilities(rig.heater.profile.model).profiles[0].name in str(error.value)
    assert not sent_ascset(rig)


async def test_foreign_profile_is_refused(rig: Rig) -> None:
    """A profile of another model is a usage error."""
    other = next(m for m in MODELS if m != rig.heater.profile.model)
    with pytest.raises(UsageError):
        await rig.client.set_profile(capabilities(other).profiles[0])


async def test_nano3_level_is_its_mode() -> None:
    """On the Nano 3 set_level(0) selects Low through worklevel."""
    rig = await open_rig("nano3")
    try:
        status = await rig.client.set_level(0)
        assert (status.worklevel, status.mode) == (0, "Low")
        assert json.loads(rig.sim.last_request.decode())["command"] != "ascset"
        with pytest.raises(UsageError):
            await rig.client.set_level(7)
    finally:
        await rig.client.close()
        await rig.sim.stop()


async def test_mini3_eco_needs_mode_and_level() -> None:
    """Mini 3 Heating Eco is workmode 0 + worklevel -1, set in one command."""
    rig = await open_rig("mini3")
    try:
        status = await rig.client.set_mode("eco")
        assert (status.mode, status.workmode, status.worklevel) == ("Heating Eco", 0, -1)
        rig.heater.world.run_for(rig.heater.profile.calibration_s + 1)
        status = await rig.client.set_level(0)
        assert status.mode == "Heating Super"
    finally:
        await rig.client.close()
        await rig.sim.stop()


async def test_set_fan_reads_back(fast_rig: Rig) -> None:
    """A manual duty is confirmed by FanR heading to it, then holds; auto returns to the loop."""
    caps = capabilities(fast_rig.heater.profile.model)
    before = (await fast_rig.client.get_status()).fan_percent
    assert before is not None
    duty = 90 if before < 75 else 40
    status = await fast_rig.client.set_fan(duty)
    assert status.fan_percent is not None
    assert abs(status.fan_percent - duty) * 2 <= abs(before - duty)
    assert fast_rig.heater.state.fan_manual_percent == duty
    await asyncio.sleep(1.5)  # 30 simulated seconds: ten fan time constants
    assert (await fast_rig.client.get_status()).fan_percent == duty
    assert duty in caps.fan_percent
    await fast_rig.client.set_fan("auto")
    assert fast_rig.heater.state.fan_manual_percent == -1


async def test_set_fan_out_of_range_is_refused_before_sending(rig: Rig) -> None:
    """Duty outside the model's range (15-100 on MM319, 0-100 on the Nano 3) is a usage error."""
    caps = capabilities(rig.heater.profile.model)
    with pytest.raises(UsageError):
        await rig.client.set_fan(caps.fan_percent.max + 1)
    below = caps.fan_percent.min - 1 if caps.fan_percent.min > 0 else -5  # -1 means auto
    with pytest.raises(UsageError):
        await rig.client.set_fan(below)
    assert not sent_ascset(rig)


async def test_chip_target(rig: Rig) -> None:
    """target-temp reads back as TarT where it exists; elsewhere UnsupportedError, nothing sent."""
    caps = capabilities(rig.heater.profile.model)
    if caps.chip_target_c is None:
        with pytest.raises(UnsupportedError):
            await rig.client.set_chip_target(70)
        assert not sent_ascset(rig)
        return
    status = await rig.client.set_chip_target(70)
    assert status.chip_target_c == 70
    assert rig.heater.state.chip_target_c == 70
    with pytest.raises(UsageError):
        await rig.client.set_chip_target(caps.chip_target_c.max + 1)


async def test_soft_off_and_on(fast_rig: Rig) -> None:
    """Soft off then on, scheduled on the device clock and confirmed; Nano 3S has neither."""
    caps = capabilities(fast_rig.heater.profile.model)
    if not caps.soft_off:
        with pytest.raises(UnsupportedError):
            await fast_rig.client.soft_off()
        assert not sent_ascset(fast_rig)
        return
    off = await fast_rig.client.soft_off()
    assert off.soft_off
    assert off.state is HeaterState.OFF
    assert fast_rig.heater.state.soft_off
    on = await fast_rig.client.soft_on()
    assert not on.soft_off
    assert not fast_rig.heater.state.soft_off


async def test_q_softon_without_reply_is_confirmed_by_reading_back() -> None:
    """A Q that applies softon but closes without replying still counts as on."""
    heater = make_heater("q")
    link = MemoryLink(heater)
    heater.state.soft_off = True

    def q_firmware(request: bytes) -> bytes:
        reply = link.exchange(request)
        if b"softon" in request:
            heater.world.run_for(60)  # the scheduled time passes
            return b""  # asic-rs: "softon closes the connection without responding"
        return reply

    async with HeaterClient(CallableTransport(q_firmware), timeout_s=5.0) as client:
        status = await client.soft_on(lead_s=5.0)
    assert not status.soft_off
    assert not heater.state.soft_off


async def test_lcd_and_led(rig: Rig) -> None:
    """Display and light controls where the model has them, UnsupportedError elsewhere."""
    caps = capabilities(rig.heater.profile.model)
    if "lcd" in caps.ascset_options:
        await rig.client.set_lcd(False)
        assert rig.heater.state.lcd_on is False
    else:
        with pytest.raises(UnsupportedError):
            await rig.client.set_lcd(False)
    if "ledset" in caps.ascset_options:
        await rig.client.set_led(1, brightness=50, color=(255, 0, 0))
        assert rig.heater.state.led_user[:2] == (1, 50)
    else:
        with pytest.raises(UnsupportedError):
            await rig.client.set_led(1)


async def test_reboot_needs_confirmation_then_goes_down(rig: Rig) -> None:
    """reboot() without confirm sends nothing; with it the device drops off until it is back."""
    with pytest.raises(UsageError):
        await rig.client.reboot()
    assert rig.sim.exchanges == 0
    await rig.client.reboot(confirm=True)
    assert rig.sim.last_request.startswith(b'{"command":"ascset"')
    assert rig.heater.is_down()
    with pytest.raises(ConnectionFailed):
        await rig.client.get_status()


async def test_info_reply_that_is_a_refusal_is_caught_by_read_back() -> None:
    """Nano 3S ledset in dark mode answers I "not in (day)mode now": DeviceRefused with it."""
    heater = make_heater("nano3s")
    heater.state.led_mode = 1  # dark mode
    link = MemoryLink(heater)
    async with HeaterClient(CallableTransport(link.exchange), confirm_window_s=0.3) as client:
        with pytest.raises(DeviceRefused) as refused:
            await client.set_led(1, brightness=50)
    assert not isinstance(refused.value, CalibratingError)
    assert "not in (day)mode now" in str(refused.value)
    assert refused.value.exit_code == 3
    assert heater.state.led_user[0] != 1 or heater.state.led_user[1] != 50


@pytest.mark.parametrize("model", ["nano3", "nano3s", "mini3", "q"])
async def test_a_fresh_client_switches_mode_in_three_round_trips(model: str) -> None:
    """A fresh client's set_mode took 4 round trips (identity, before, write, read back); now 3."""
    heater = make_heater(model)
    link = MemoryLink(heater)
    sent: list[bytes] = []

    async def exchange(request: bytes) -> bytes:
        sent.append(request)
        return await link.request(request)

    client = HeaterClient(CallableTransport(exchange, label="sim"), host="sim", timeout_s=2.0)
    caps = capabilities(model)
    current = heater.profile.modes[heater.state.mode_index].name
    target = next(p for p in caps.profiles if p.name != current)
    status = await client.set_mode(target.name)
    assert status.mode == target.name
    commands = [json.loads(r)["command"] for r in sent]
    assert commands == ["version+summary+estats+pools", "ascset", "summary+estats"], commands
    option = json.loads(sent[1])["parameter"].split(",")[1]
    assert option == caps.mode_write(target)[0], "the capability data picks the command"
