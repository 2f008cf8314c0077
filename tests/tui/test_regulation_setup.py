"""Pilot tests of how the TUI sets up its controller: tuned defaults, heat loss, modes by name."""

from __future__ import annotations

import inspect

from firmware_sim.device import SimulatedHeater
from firmware_sim.fleet import Fleet
from nanoheater.config import CapsSettings, ControllerSettings, QuietHoursSettings, Settings
from nanoheater.controller.bangbang import TOL_TEMP_K, BangBang
from nanoheater.controller.pi import PI
from nanoheater.controller.targets import FixedLevel, RoomTemperature
from nanoheater.models import DiscoveredHeater
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.regulation import RoomModel, TargetChoice
from tests.fleets import member
from tests.tui.conftest import AppFactory, settle


def _mode(heater: SimulatedHeater) -> str:
    return heater.profile.modes[heater.state.mode_index].name


def _pi(app: NanoheaterApp, key: str) -> PI:
    controller = app.devices.regulators[key].controller
    assert isinstance(controller, PI)
    return controller


async def test_pi_gets_the_tuned_gain_unless_the_user_set_one(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that PI runs the tuned Kp, not config.toml's 400 W/K default, and a set Kp wins."""
    key, _ = member(sim_fleet, "q")
    tuned = inspect.signature(PI).parameters["kp_w_k"].default
    assert tuned != ControllerSettings().pi_kp_w_per_k
    for controller, expected in (
        (ControllerSettings(kind="pi"), tuned),
        (ControllerSettings(kind="pi", pi_kp_w_per_k=333.0), 333.0),
    ):
        app = make_app(settings=Settings(controller=controller))
        async with app.run_test(size=(100, 32)) as pilot:
            await settle(pilot)
            app.devices.engage(key, TargetChoice(RoomTemperature(22.0)))
            await settle(pilot)
            assert _pi(app, key).kp_w_k == expected


async def test_bang_bang_gets_the_tuned_tolerance(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that bang-bang runs Home Assistant's 0.3 K tolerance, not the config's 0.5 K."""
    key, _ = member(sim_fleet, "q")
    app = make_app(settings=Settings(controller=ControllerSettings(kind="bang-bang")))
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(key, TargetChoice(RoomTemperature(22.0)))
        await settle(pilot)
        controller = app.devices.regulators[key].controller
        assert isinstance(controller, BangBang)
        assert controller.cold_tolerance_k == controller.hot_tolerance_k == TOL_TEMP_K


async def test_heat_loss_estimate_reaches_the_controller(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that the room's UA gives a feed-forward start and an unreachable set-point warning."""
    key, heater = member(sim_fleet, "q")
    models: list[str] = []

    def room_model(device: DiscoveredHeater) -> RoomModel:
        models.append(device.host)
        return RoomModel(ua_w_k=400.0, outdoor_c=lambda _t: -30.0)

    app = make_app(room_model=room_model)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        entry = app.fleet.entries[key]
        assert entry.room_temp_c is not None
        app.devices.engage(key, TargetChoice(RoomTemperature(round(entry.room_temp_c, 1))))
        await settle(pilot)
        assert models, "the room model was asked for"
        assert entry.decision is not None
        assert "feed-forward" in entry.decision
        assert any("holds at most" in e.text for e in app.events), "unreachable set-point"
        assert _mode(heater) == heater.profile.modes[-1].name, "the load needs the top mode"


async def test_fixed_levels_by_mode_name(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that fixed levels "Night" (Mini 3) and "Low" (Nano 3) resolve by their mode names."""
    app = make_app()
    mini_key, mini = member(sim_fleet, "mini3")
    nano_key, nano = member(sim_fleet, "nano3")
    nano.set_mode(len(nano.profile.modes) - 1)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(mini_key, TargetChoice(FixedLevel(mode="Night")))
        app.devices.engage(nano_key, TargetChoice(FixedLevel(mode="Low")))
        await settle(pilot)
        assert _mode(mini) == "Night"
        assert _mode(nano) == "Low"
        assert app.fleet.entries[nano_key].decision == "fixed level Low"


async def test_quiet_hours_cap_at_the_mode_they_allow(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that the quiet hours cap a Mini 3 at the mode they allow, worded as the thermostat."""
    quiet = QuietHoursSettings(start_hour=0, end_hour=24, max_power_w=500)
    app = make_app(settings=Settings(caps=CapsSettings(quiet_hours=quiet)))
    key, heater = member(sim_fleet, "mini3")
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        app.devices.engage(key, TargetChoice(FixedLevel(mode="Mining")))
        await settle(pilot)
        decision = app.fleet.entries[key].decision
        assert decision is not None
        assert "fixed level Heating Eco" in decision
        assert "quiet hours: at most 500 W" in decision, "the one quiet-hours window (zone power)"
        assert _mode(heater) == "Heating Eco"
