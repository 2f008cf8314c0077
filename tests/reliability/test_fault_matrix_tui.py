"""Fault matrix, TUI part: NanoheaterApp (driven by Textual's Pilot) while its device misbehaves.

Pinned per fault: what the user sees (offline mark, event log line, refusal with retry time),
that the App keeps running and heals by itself on the next poll (no restart), and, for commands,
that a faulted write is sent once and applied at most once.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.faults import arm_fault, clear_faults
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.devices import DeviceEntry
from nanoheater.tui.eventlog import Severity
from tests.fleets import advance
from tests.reliability.rigs import Ledger, mode_name
from tests.reliability.tui_rig import key_of, make_app, poll, settle, sim_fleet

READ_FAULTS = ["drop", "truncate", "garbage", "delay", "reboot"]


def _entry(app: NanoheaterApp, key: str) -> DeviceEntry:
    entry = app.fleet.get(key)
    assert entry is not None
    return entry


@pytest.mark.parametrize("kind", READ_FAULTS)
async def test_poll_fault_marks_offline_once_then_heals(kind: str, tmp_path: Path) -> None:
    """Pins: a failing device is shown offline with one logged warning, and is back on next poll."""
    async with sim_fleet(["mini3"]) as fleet:
        heater = fleet.members[0].heater
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            assert _entry(app, key).online is True
            if kind == "reboot":
                arm_fault(heater, "reboot", downtime_s=60.0)
                fleet.members[0].server.notice_down()
            else:
                arm_fault(heater, kind, count=-1, delay_s=1.0)
            await poll(pilot)
            await poll(pilot)
            entry = _entry(app, key)
            assert entry.online is False
            assert entry.state_label == "offline"
            assert entry.error
            assert key in entry.error
            offline = [e for e in app.events if e.text.startswith("offline: ")]
            assert len(offline) == 1
            assert offline[0].severity is Severity.WARNING
            clear_faults(heater)
            advance(fleet, 61.0)
            for _ in range(20):  # a delayed reply may still hold the one-client server
                await poll(pilot)
                if _entry(app, key).online:
                    break
            assert _entry(app, key).online is True
            assert any(e.text == "back online" for e in app.events)
            assert app.is_running


@pytest.mark.parametrize(("model", "kind"), [("mini3", "no-nul"), ("q", "empty-summary")])
async def test_harmless_quirks_stay_online(model: str, kind: str, tmp_path: Path) -> None:
    """Pins: missing NULs and the Q's empty summary are invisible to the user: still online."""
    async with sim_fleet([model]) as fleet:
        heater = fleet.members[0].heater
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            arm_fault(heater, kind, count=-1)
            await poll(pilot)
            entry = _entry(app, key)
            assert entry.online is True
            assert entry.status is not None
            assert entry.status.mode == mode_name(heater)
            assert not [e for e in app.events if e.severity is not Severity.INFO]


async def test_overheat_is_shown_in_the_reading(tmp_path: Path) -> None:
    """Pins: an overheating device stays listed with its hot chip temperature on the chart."""
    async with sim_fleet(["mini3"]) as fleet:
        heater = fleet.members[0].heater
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            arm_fault(heater, "overheat")
            advance(fleet, 5.0)
            await poll(pilot)
            entry = _entry(app, key)
            assert entry.status is not None
            assert entry.status.chip_temp_max_c is not None
            assert entry.status.chip_temp_max_c >= 100.0
            assert entry.recent[-1].chip_temp_c == entry.status.chip_temp_max_c


# fault on the write -> (event text, severity, applied by the firmware)
COMMAND_CASES = [
    ("drop", "failed", Severity.ERROR, False),
    ("truncate", "done", Severity.INFO, True),
    ("garbage", "done", Severity.INFO, True),
    ("delay", "failed", Severity.ERROR, True),
    ("calibrating", "refused", Severity.WARNING, False),
]


@pytest.mark.parametrize(("kind", "outcome", "severity", "applied"), COMMAND_CASES)
async def test_command_under_fault_is_reported_and_applied_at_most_once(
    kind: str, outcome: str, severity: Severity, applied: bool, tmp_path: Path
) -> None:
    """Pins: a faulted mode command is logged done/failed/refused and lands at most once."""
    async with sim_fleet(["mini3"]) as fleet:
        heater = fleet.members[0].heater
        ledger = Ledger(heater)
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            wanted = "Night"
            ledger.before_write = lambda: arm_fault(heater, kind, count=1, delay_s=1.0)
            app.run_command(key, f"set mode {wanted}", lambda c: c.set_mode(wanted))
            await settle(pilot)
            said = [e for e in app.events if e.text.startswith(f"set mode {wanted}")]
            assert len(said) == 1
            assert outcome in said[0].text
            assert said[0].severity is severity
            assert len(ledger.mode_writes()) == 1
            assert ledger.applied_modes == ([wanted] if applied else [])
            if kind == "calibrating":
                refusal = _entry(app, key).refusal
                assert refusal is not None
                assert refusal.retry_in_s() is not None
                assert "retry in" in said[0].text
            clear_faults(heater)
            advance(fleet, 301.0)
            for _ in range(20):
                await poll(pilot)
                if _entry(app, key).online:
                    break
            entry = _entry(app, key)
            assert entry.status is not None
            assert entry.status.mode == mode_name(heater)
            assert app.is_running


async def test_reboot_mid_command_is_reported_and_the_app_heals(tmp_path: Path) -> None:
    """Pins: a reboot under a command gives one failure line; later polls show it applied."""
    async with sim_fleet(["mini3"]) as fleet:
        heater = fleet.members[0].heater
        ledger = Ledger(heater)
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            ledger.after_write = lambda: heater.reboot(downtime_s=60.0)
            app.run_command(key, "set mode Night", lambda c: c.set_mode("Night"))
            await settle(pilot)
            assert [e.severity for e in app.events if e.text.startswith("set mode Night")] == [
                Severity.ERROR
            ]
            advance(fleet, 61.0)
            for _ in range(20):
                await poll(pilot)
                if _entry(app, key).online:
                    break
            entry = _entry(app, key)
            assert entry.status is not None
            assert entry.status.mode == "Night"
            assert ledger.applied_modes == ["Night"]


@pytest.mark.parametrize("kind", ["drop", "garbage", "reboot"])
async def test_tui_controller_holds_off_an_unreachable_device_then_resumes(
    kind: str, tmp_path: Path
) -> None:
    """Pins: the TUI's controller says a failing device is unreachable, sends nothing, resumes."""
    from nanoheater.controller.targets import RoomTemperature
    from nanoheater.tui.regulation import TargetChoice

    async with sim_fleet(["mini3"]) as fleet:
        heater = fleet.members[0].heater
        heater.set_mode(next(i for i, m in enumerate(heater.profile.modes) if m.name == "Night"))
        advance(fleet, 301.0)
        ledger = Ledger(heater)
        app = make_app(fleet, tmp_path)
        key = key_of(fleet)
        async with app.run_test(size=(100, 30)) as pilot:
            await settle(pilot)
            if kind == "reboot":
                arm_fault(heater, "reboot", downtime_s=600.0)
                fleet.members[0].server.notice_down()
            else:
                arm_fault(heater, kind, count=-1)
            app.devices.engage(key, TargetChoice(RoomTemperature(30.0)))
            await settle(pilot)
            for _ in range(3):
                app.devices.tick_all()
                await settle(pilot)
            entry = _entry(app, key)
            assert entry.decision is not None  # the user sees why nothing changes
            assert entry.decision.startswith("fail-safe (inlet: ")
            assert key in entry.decision
            assert ledger.mode_writes() == []
            assert mode_name(heater) == "Night"
            assert app.is_running
            clear_faults(heater)
            advance(fleet, 601.0)
            for _ in range(20):
                await poll(pilot)
                if _entry(app, key).online:
                    break
            app.devices.tick_all()
            await settle(pilot)
            assert mode_name(heater) != "Night", "the controller resumed and turned the heat up"
            assert len(ledger.mode_writes()) == len(ledger.applied_modes) == 1
            assert any(e.text.startswith("controller:") for e in app.events)
            # Hand back to manual: quitting would otherwise wait for an exit level that needs
            # device time to pass, and this fleet's clock stands still.
            app.devices.stop(key)
