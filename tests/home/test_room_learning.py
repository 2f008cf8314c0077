"""The Home learns each zone's room from the history, shows it and regulates with it."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from firmware_sim.room import PRESETS
from nanoheater.config import Settings
from nanoheater.exceptions import UsageError
from nanoheater.history.climate import open_read_only
from nanoheater.history.store import DATABASE_FILE, HistoryStore
from nanoheater.home import Home, HomeEvent, HomeOptions, Target
from nanoheater.home.bus import Subscription
from tests.fleets import endpoints, loopback_fleet
from tests.home.conftest import FAST, until
from tests.roomlog import history_key, seed

MEDIUM = PRESETS["medium"]


@pytest.mark.parametrize("source", ["front end", "config"])
async def test_a_zone_learns_its_room_and_warns_with_the_fitted_heat_loss(
    tmp_path: Path, source: str
) -> None:
    """Three days of history: the zone JSON shows the fitted room, the regulator warns with it.

    The Mini 3's room (medium, UA 19.7 W/K) is learned within 10 %; at -30 °C outside its
    830 W cannot hold 21 °C, and the warning quotes the fitted heat loss and its basis.
    """
    data = tmp_path / "data"
    async with loopback_fleet(["mini3"], speed=100.0) as fleet:
        (address,) = endpoints(fleet)
        seed(data / DATABASE_FILE, await history_key(address), MEDIUM, 830.0, 20.0)
        outdoor = tmp_path / "outdoor.txt"
        outdoor.write_text("-30.0\n")
        if source == "config":  # serve: [settings] outdoor_sensor, read by the Home itself
            options = HomeOptions(data, zones={"living": (address,)}, **FAST)  # type: ignore[arg-type]
            settings = Settings(outdoor_sensor=f"file:{outdoor}")
        else:  # a front end's own reading (thermostat --outdoor)
            options = HomeOptions(
                data,
                zones={"living": (address,)},
                outdoor=lambda _t: -30.0,
                **FAST,  # type: ignore[arg-type]
            )
            settings = Settings()
        home = Home(options, settings)
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
            # Feed-forward: the control law estimates the load from the fitted heat loss too.
            regulator = home.zone_slots["living"].regulator
            assert regulator is not None
            assert getattr(regulator.controller, "ua_w_k", None) == pytest.approx(
                room["ua_w_k"], abs=0.05
            )
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


async def test_a_stale_outdoor_reading_is_not_used_nor_recorded(tmp_path: Path) -> None:
    """An outdoor file last written two hours ago: no outdoor for the zone, none recorded.

    One event says why; once the file is written again the reading is used and recorded, and
    one event says so.
    """
    data = tmp_path / "data"
    outdoor = tmp_path / "outdoor.txt"
    outdoor.write_text("-7.0\n")
    two_hours_ago = time.time() - 7200
    os.utime(outdoor, (two_hours_ago, two_hours_ago))
    async with loopback_fleet(["nano3s"], speed=100.0) as fleet:
        (address,) = endpoints(fleet)
        options = HomeOptions(data, zones={"den": (address,)}, **FAST)  # type: ignore[arg-type]
        home = Home(options, Settings(outdoor_sensor=f"file:{outdoor}"))
        events: list[HomeEvent] = []
        async with home.subscribe() as sub:
            await home.start()
            try:
                await home.set_target("den", Target("setpoint", setpoint_c=21.0))
                await _outdoor_event(sub, events)
                assert "no reading" in events[-1].detail
                assert "stale" in events[-1].detail
                await until(lambda: home.zone("den").last_decision is not None)
                assert home.outdoor_now(time.time()) is None
                regulator = home.zone_slots["den"].regulator
                assert regulator is not None
                assert regulator.outdoor is not None  # the zone reads the Home's sensor...
                assert regulator.outdoor(time.time()) is None  # ...which has nothing fresh
                outdoor.write_text("-5.0\n")
                await _outdoor_event(sub, events)
                assert events[-1].detail == "outdoor sensor: reading again"
                assert regulator.outdoor(time.time()) == -5.0
                await until(lambda: _outdoor_rows(data) != [])
            finally:
                await home.stop()
    assert set(_outdoor_rows(data)) == {-5.0}  # the stale -7.0 was never recorded


async def _outdoor_event(sub: Subscription, events: list[HomeEvent]) -> None:
    """Wait (10 s at most) for the next "outdoor" event and add it to ``events``."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        message = await sub.get(0.5)
        if isinstance(message, HomeEvent) and message.type == "outdoor":
            events.append(message)
            return
    raise AssertionError("no outdoor event")


def _outdoor_rows(data: Path) -> list[float]:
    db = open_read_only(data / DATABASE_FILE)
    if db is None:
        return []
    try:
        return [row[0] for row in db.execute("SELECT temp_c FROM outdoor")]
    finally:
        db.close()


@pytest.mark.parametrize(
    ("spec", "says"),
    [
        ("ftp://x/outdoor", "outdoor_sensor: unknown sensor 'ftp://x/outdoor'"),
        ("inlet", "outdoor_sensor: inlet is a device's intake air, not the outdoors"),
    ],
)
def test_a_bad_outdoor_sensor_is_refused_before_the_home_starts(
    tmp_path: Path, spec: str, says: str
) -> None:
    """Building the Home refuses it (serve: one line, exit 2, before it takes the data folder)."""
    with pytest.raises(UsageError) as refused:
        Home(HomeOptions(tmp_path / "data"), Settings(outdoor_sensor=spec))
    assert str(refused.value).startswith(says)
