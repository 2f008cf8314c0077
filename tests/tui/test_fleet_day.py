"""Pilot tests of the fleet's day: each device's power and heat per hour, stacked, from history."""

from __future__ import annotations

from pathlib import Path

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.history import AsyncHistoryStore, HistoryStore, Window
from nanoheater.history.stacked import SHADES
from nanoheater.tui.app import NanoheaterApp
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.fleet_table import FleetTable
from tests.tui.conftest import MODELS, AppFactory, settle
from tests.tui.seeded_fleet import seed_fleet_day
from tests.tui.test_charts import chart_lines_of

pytestmark = pytest.mark.usefixtures("utc")

POWERS_W = (120.0, 60.0, 30.0, 15.0)
"""Each simulated device's seeded power, in MODELS order (steady: known shares of the pile)."""


async def seed_fleet(
    app: NanoheaterApp, history: AsyncHistoryStore, fleet: Fleet, path: Path, *, steady: bool
) -> tuple[list[str], float]:
    """Seed the day of every simulated device; return their names (MODELS order) and the end."""
    until = app.ledger.latest_s
    assert until is not None
    names = []
    for model, power_w in zip(MODELS, POWERS_W, strict=True):
        member = fleet.members[MODELS.index(model)]
        entry = app.fleet.get(f"{member.server.host}:{member.server.port}")
        assert entry is not None
        assert entry.status is not None
        device = entry.status.identity_key

        def seed(store: HistoryStore, device: str = device, power_w: float = power_w) -> None:
            seed_fleet_day(path, store, device, until, power_w, steady=steady)

        await history.call(seed)
        names.append(entry.short_name)
    return names, until


@pytest.mark.parametrize("size", [(80, 24), (120, 40)], ids=["80x24", "120x40"])
async def test_fleet_day_stacks_each_devices_power_and_heat_from_the_history(
    make_app: AppFactory,
    sim_fleet: Fleet,
    history: AsyncHistoryStore,
    tmp_path: Path,
    size: tuple[int, int],
) -> None:
    """Four devices seeded at 120, 60, 30 and 15 W: four layers, biggest at the bottom, in order.

    Tall terminals show the day under the table; at 80x24 ``d`` shows it instead of the table.
    """
    app = make_app(history=history)
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        names, until = await seed_fleet(
            app, history, sim_fleet, tmp_path / "history.sqlite3", steady=True
        )
        screen = app.screen
        assert isinstance(screen, FleetScreen)
        day = screen.query_one("#fleet-day")
        if size[1] < 30:
            assert not day.display
            await pilot.press("d")
            await settle(pilot)
            assert not screen.query_one(FleetTable).display
        else:
            # The screen read the day when it opened, before the seeding: read it again.
            app.storage.load_fleet_window(Window.H24, until)
            await settle(pilot)
        assert day.display
        power = screen.query_one("#fleet-power", TimeChart)
        heat = screen.query_one("#fleet-heat", TimeChart)
        assert power.stack is not None
        assert heat.stack is not None
        # One layer per device, the one that delivered the most heat first (at the bottom).
        assert [layer.name for layer in power.stack.layers] == names
        assert [layer.name for layer in heat.stack.layers] == names
        for layer, power_w in zip(power.stack.layers, POWERS_W, strict=True):
            seeded = {v for ts, v in layer.points if ts < until - 3600}
            assert seeded == {power_w}
        for layer, power_w in zip(heat.stack.layers, POWERS_W, strict=True):
            hourly = [kwh for ts, kwh in layer.points if ts < until - 3 * 3600]
            assert len(hourly) >= 20
            assert hourly == pytest.approx([power_w / 1000] * len(hourly))

        # On screen: a column in the middle of the day, read from the bottom, shows the layers'
        # shades in order, each over as many rows as its share of the 225 W pile.
        shown = chart_lines_of(power)
        assert shown[0].startswith("Fleet power, last 24 hours")
        legend_rows = 1 + (shown[2][:1] in SHADES)  # the legend wraps onto a second row if needed
        legend = " ".join(shown[1 : 1 + legend_rows])
        for shade, name in zip(SHADES, names, strict=True):
            assert f"{shade} {name}" in legend
        plot_rows = shown[1 + legend_rows : -1]
        column = len(plot_rows[0]) // 2
        cells = [row[column] for row in reversed(plot_rows)]
        levels = 8 * len(plot_rows)
        bounds = [sum(POWERS_W[: i + 1]) / sum(POWERS_W) * levels for i in range(4)]
        expected = [
            SHADES[next(i for i, b in enumerate(bounds) if 8 * row + 4 < b)]
            for row in range(len(plot_rows))
        ]
        assert cells == expected
        assert "".join(cells).count(SHADES[0]) >= len(plot_rows) // 2
        # The heat per hour: its title sums the day, its legend each device's kWh.
        heat_lines = chart_lines_of(heat)
        assert heat_lines[0].startswith("Heat per hour")
        assert "kWh in all" in heat_lines[0]
        assert f"{SHADES[0]} {names[0]}" in heat_lines[1]
        assert "kWh" in heat_lines[1]
        assert any(SHADES[1] in row for row in heat_lines[2:-1])
        if size[1] < 30:
            await pilot.press("d")
            await settle(pilot)
            assert screen.query_one(FleetTable).display
            assert not day.display
