"""The TUI learns each device's room from its history, shows it, and regulates with it.

Through ``demo_app``, the demo's own wiring: a simulated fleet, a real SQLite history seeded with
three days of each room (as a user's history would hold them), an outdoor reading with an error
and no heat loss handed over: the TUI fits it like the real app.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from firmware_sim.fleet import Fleet, parse_models
from firmware_sim.room import PRESETS
from nanoheater.cli.demo import demo_app
from nanoheater.config import Settings
from nanoheater.history import AsyncHistoryStore
from nanoheater.history.climate import open_read_only
from nanoheater.models import ModelId
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.widgets.target_panel import TargetPanel
from tests.fleets import member
from tests.roomlog import history_key, seed
from tests.tui.conftest import AppFactory, poll, settle

PORT = 40740
MEDIUM_UA_W_K = PRESETS["medium"].ua_w_per_k
"""Every demo device heats a medium room (firmware_sim.device.create_heater)."""


async def _device(app: NanoheaterApp, pilot: Pilot[None], model: ModelId, deadline: float) -> str:
    while time.monotonic() < deadline:
        for entry in app.fleet:
            if entry.status is not None and entry.status.info.model is model:
                return entry.key
        await pilot.pause(0.1)
    raise AssertionError(f"no {model} read in time")


async def _room_line(app: NanoheaterApp, pilot: Pilot[None], key: str, deadline: float) -> str:
    screen = DeviceScreen(key)
    await app.push_screen(screen)
    panel = screen.query_one(TargetPanel)
    while not panel.room.startswith("Room: heat loss") and time.monotonic() < deadline:
        await pilot.pause(0.1)
    return panel.room


async def test_the_device_screen_shows_the_fitted_room_and_warns_with_it() -> None:
    """Mini 3: its heat loss within 10 %, warm-up and settling on screen; Nano 3S: a warning.

    Heating the Nano 3S to 21 °C warns that its 140 W cannot reach it, quoting the heat loss
    fitted for its room.
    """
    models = parse_models(["mini3", "nano3s"])
    async with (
        demo_app(models, address="127.0.0.2", port=PORT, speed=60, seed=0) as app,
        app.run_test(size=(120, 40)) as pilot,
    ):
        deadline = time.monotonic() + 30.0
        mini3 = await _device(app, pilot, ModelId.MINI3, deadline)
        text = await _room_line(app, pilot, mini3, deadline)
        assert text.startswith("Room: heat loss "), text
        ua_w_k = float(text.split()[3])
        assert ua_w_k == pytest.approx(MEDIUM_UA_W_K, rel=0.10)
        assert f"{MEDIUM_UA_W_K:.1f} W/K" not in text  # fitted, not handed over
        assert "warms 1 K in ~" in text
        assert "settles over ~" in text
        assert "from 72 h of log" in text
        room = app.devices.room_model_of(mini3)
        assert room is not None
        assert room.ua_w_k is None  # the demo gives an outdoor reading, no heat loss
        app.pop_screen()

        nano3s = await _device(app, pilot, ModelId.NANO3S, deadline)
        text = await _room_line(app, pilot, nano3s, deadline)
        assert text.startswith("Room: heat loss "), text
        nano_ua_w_k = float(text.split()[3])
        await pilot.press("t")  # heat to the shown set-point, 21 °C
        entry = app.fleet.get(nano3s)
        assert entry is not None
        while time.monotonic() < deadline and not any(
            "cannot be reached" in w for w in entry.warned
        ):
            await pilot.pause(0.1)
        warning = next(w for w in entry.warned if "cannot be reached" in w)
        assert f"heat loss of {nano_ua_w_k:.1f} W/K (fitted from 72 h of history)" in warning
        # Feed-forward: the control law estimates the load from the fitted heat loss too.
        regulator = app.devices.regulators[nano3s]
        assert getattr(regulator.controller, "ua_w_k", None) == pytest.approx(nano_ua_w_k, abs=0.05)
        await pilot.press("q")


async def test_a_configured_outdoor_sensor_is_recorded_and_learned_from(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Without a caller's room model, ``outdoor_sensor`` in the settings is what is used.

    It is read, recorded in the history beside the readings, and the room is learned from that
    history; the regulator's outdoor temperature is the sensor's.
    """
    address, heater = member(sim_fleet, "mini3")
    path = tmp_path / "history.sqlite3"
    device = await history_key(address)
    seed(path, device, heater.room.params, 830.0, 20.0, until_s=sim_fleet.clock.now())
    outdoor = tmp_path / "outdoor.txt"
    outdoor.write_text("-3.5\n")
    # On the fleet's virtual clock, as the demo opens it: compaction must not age the seeded days.
    store = await AsyncHistoryStore.open(path, clock=sim_fleet.clock.now)
    try:
        app = make_app(history=store, settings=Settings(outdoor_sensor=f"file:{outdoor}"))
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for _ in range(3):
                await poll(pilot, sim_fleet, 60)
            entry = app.fleet.get(address)
            assert entry is not None
            assert entry.room_model.startswith("Room: heat loss "), entry.room_model
            ua_w_k = float(entry.room_model.split()[3])
            assert ua_w_k == pytest.approx(heater.room.params.ua_w_per_k, rel=0.10)
            room = app.rooms.room_model(address)
            assert room is not None
            assert room.outdoor_c is not None
            assert room.outdoor_c(0.0) == -3.5  # the regulator's outdoor is the sensor's
        db = open_read_only(path)
        assert db is not None
        now_s = sim_fleet.clock.now()
        rows = db.execute("SELECT temp_c FROM outdoor WHERE ts_s > ?", (now_s - 600,)).fetchall()
        db.close()
        assert (-3.5,) in rows
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("inlet", "(outdoor_sensor: inlet is a device's intake air, not the outdoors;"),
        ("file:{missing}", "(outdoor sensor: cannot read "),
    ],
)
async def test_an_outdoor_sensor_without_a_reading_is_named_on_the_room_line(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path, spec: str, says: str
) -> None:
    """A bad spec or a sensor that cannot be read: the room line says why it is still learning.

    Nothing is raised into the app and nothing is recorded as the outdoor temperature.
    """
    address, _heater = member(sim_fleet, "mini3")
    path = tmp_path / "history.sqlite3"
    store = await AsyncHistoryStore.open(path, clock=sim_fleet.clock.now)
    settings = Settings(outdoor_sensor=spec.format(missing=tmp_path / "no-such-file"))
    try:
        app = make_app(history=store, settings=settings)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(pilot)
            for _ in range(2):
                await poll(pilot, sim_fleet, 60)
            entry = app.fleet.get(address)
            assert entry is not None
            assert entry.room_model.startswith("Learning the room: needs "), entry.room_model
            assert says in entry.room_model, entry.room_model
            room = app.rooms.room_model(address)
            assert room is not None
            assert room.outdoor_c is not None
            assert room.outdoor_c(0.0) is None
    finally:
        await store.close()
    db = open_read_only(path)
    assert db is not None
    assert db.execute("SELECT COUNT(*) FROM outdoor").fetchone() == (0,)
    db.close()
