"""The Home learns each zone's room from the history, shows it and regulates with it."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from firmware_sim.room import PRESETS
from nanoheater.history.store import DATABASE_FILE, HistoryStore
from nanoheater.home import Home, HomeOptions, Target
from tests.fleets import endpoints, loopback_fleet
from tests.home.conftest import FAST, until
from tests.roomlog import history_key, seed

MEDIUM = PRESETS["medium"]


async def test_a_zone_learns_its_room_and_warns_with_the_fitted_heat_loss(tmp_path: Path) -> None:
    """Three days of history: the zone JSON shows the fitted room, the regulator warns with it.

    The Mini 3's room (medium, UA 19.7 W/K) is learned within 10 %; at -30 °C outside its
    830 W cannot hold 21 °C, and the warning quotes the fitted heat loss and its basis.
    """
    data = tmp_path / "data"
    async with loopback_fleet(["mini3"], speed=100.0) as fleet:
        (address,) = endpoints(fleet)
        seed(data / DATABASE_FILE, await history_key(address), MEDIUM, 830.0, 20.0)
        home = Home(
            HomeOptions(data, zones={"living": (address,)}, outdoor=lambda _t: -30.0, **FAST)  # type: ignore[arg-type]
        )
        await home.start()
        try:
            await home.set_target("living", Target("setpoint", setpoint_c=21.0))
            await until(lambda: (home.zone("living").room or {}).get("state") == "fitted")
            room = home.zone("living").to_json()["room"]
            assert room["ua_w_k"] == pytest.approx(MEDIUM.ua_w_per_k, rel=0.10)
            assert room["settle_time_constant_h"] > 24
            assert room["max_power_w"] == 830.0
            assert "warms 1 K in ~" in room["text"]
            await until(lambda: bool(home.zone("living").last_decision)
                        and any("cannot be reached" in w for w in _warnings(home)))  # fmt: skip
            warning = next(w for w in _warnings(home) if "cannot be reached" in w)
            assert f"heat loss of {room['ua_w_k']:.1f} W/K (fitted from 72 h of history)" in warning
            assert f"{MEDIUM.ua_w_per_k:.1f} W/K" not in warning
        finally:
            await home.stop()
        # The outdoor readings the Home took are recorded for the next fit.
        with HistoryStore.open(data / DATABASE_FILE) as store:
            minutes = store.room_log([await history_key(address)], time.time() - 600, time.time())
        assert any(m.outdoor_c == -30.0 for m in minutes)


def _warnings(home: Home) -> list[str]:
    regulator = home.zone_slots["living"].regulator
    return [] if regulator is None else regulator.warnings


async def test_without_enough_history_the_zone_says_what_it_needs(tmp_path: Path) -> None:
    """A fresh history: the zone's room is "learning" with the hours it has and needs."""
    async with loopback_fleet(["nano3s"], speed=100.0) as fleet:
        (address,) = endpoints(fleet)
        home = Home(HomeOptions(tmp_path / "data", zones={"den": (address,)}, **FAST))  # type: ignore[arg-type]
        await home.start()
        try:
            await until(lambda: home.zone("den").room is not None)
            room = home.zone("den").to_json()["room"]
            assert room["state"] == "learning"
            assert room["needed_hours"] == 36.0
            assert room["log_hours"] < 1.0
            assert room["text"].startswith("learning the room: needs more hours")
        finally:
            await home.stop()
