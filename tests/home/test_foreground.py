"""A foreground Home, as ``nanoheater thermostat`` runs it.

Its own zone choices, nothing persisted, the device's settings left alone, and the full quit
summary per device.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from firmware_sim.fleet import Fleet
from nanoheater.controller.build import ZoneChoices
from nanoheater.controller.targets import FixedLevel, Schedule
from nanoheater.home import Home, Target
from nanoheater.home.intents import INTENTS_FILE
from tests.home.conftest import hosts, options, until


async def test_a_foreground_home_runs_its_own_choices_and_persists_nothing(
    tmp_path: Path,
) -> None:
    """zone_choices wins over the target's schedule; no intents file; no room limit written."""
    data = tmp_path / "data"
    seen: list[ZoneChoices] = []

    def choices(base: ZoneChoices) -> ZoneChoices:
        seen.append(base)
        return replace(base, schedule=Schedule(default=FixedLevel(mode="Night")))

    async with Fleet(["mini3"], address="127.0.0.2", port=4028, speed=100.0) as mini:
        heater = mini.members[0].heater
        limit_before = heater.state.room_limit_c
        home = Home(options(data, mini, persist=False, backstops=False, zone_choices=choices))
        await home.start()
        address = hosts(mini)[0]
        try:
            # The target names Heating Eco; the front end's choices say Night, and they win.
            await home.set_target(address, Target("level", level="Heating Eco"))
            await until(
                lambda: (s := home.device(address).status) is not None and s.mode == "Night"
            )
            assert seen
            assert seen[0].interval_s == options(data, mini).control_interval_s
        finally:
            outcomes = await home.stop("off")
        assert not (data / INTENTS_FILE).exists()
        assert heater.state.room_limit_c == limit_before
    summary = home.exit_summaries[address]
    assert summary.label == address
    assert summary.asked == "off"
    assert outcomes[address] == summary.what()
    assert summary.to_json_dict()["exit"] == address
