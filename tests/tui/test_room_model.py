"""The TUI learns each device's room from its history, shows it, and regulates with it.

Through ``demo_app``, the demo's own wiring: a simulated fleet, a real SQLite history seeded with
three days of each room (as a user's history would hold them), an outdoor reading with an error
and no heat loss handed over: the TUI fits it like the real app.
"""

from __future__ import annotations

import time

import pytest
from textual.pilot import Pilot

from firmware_sim.fleet import parse_models
from firmware_sim.room import PRESETS
from nanoheater.cli.demo import demo_app
from nanoheater.models import ModelId
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.widgets.target_panel import TargetPanel

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
        await pilot.press("q")
