"""Tests of ``nanoheater demo``: loopback only, a fallback when busy, and what it counts at 600x."""

from __future__ import annotations

import io
import itertools
import re
import socket
import time

from click.testing import CliRunner
from rich.console import Console
from textual.widgets import Static

from firmware_sim.fleet import parse_models
from nanoheater.cli.demo import DEFAULT_MODELS, demo, demo_app, start_fleet
from nanoheater.tui.screens.economics import EconomicsScreen

DEMO_PORT = 40720
"""A fixed port: the run has its own network namespace, so nothing else holds it."""


async def test_demo_fleet_sits_on_consecutive_loopback_addresses() -> None:
    """Pins the default layout: one device per loopback address, all at the same port."""
    fleet = await start_fleet(
        ["nano3s", "q"], address="127.0.0.2", port=DEMO_PORT, speed=60, seed=0
    )
    try:
        hosts = [(m.server.host, m.server.port) for m in fleet.members]
        assert hosts == [("127.0.0.2", DEMO_PORT), ("127.0.0.3", DEMO_PORT)]
    finally:
        await fleet.stop()


async def test_demo_fleet_falls_back_to_ports_when_busy() -> None:
    """Pins that a taken address makes the demo use free ports on 127.0.0.1 instead of failing."""
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.3", DEMO_PORT + 1))
        squatter.listen()
        fleet = await start_fleet(
            ["nano3s", "q"], address="127.0.0.2", port=DEMO_PORT + 1, speed=60, seed=0
        )
        try:
            hosts = {m.server.host for m in fleet.members}
            ports = {m.server.port for m in fleet.members}
            assert hosts == {"127.0.0.1"}
            assert len(ports) == 2
            assert DEMO_PORT + 1 not in ports
        finally:
            await fleet.stop()


def test_demo_refuses_to_leave_loopback() -> None:
    """Pins that the demo will not listen on a LAN address."""
    result = CliRunner().invoke(demo, ["--address", "192.168.1.10"])
    assert result.exit_code == 2
    assert "loopback" in result.output


def test_demo_rejects_unknown_models() -> None:
    """Pins that a bad --model is a usage error naming the known models."""
    result = CliRunner().invoke(demo, ["--model", "antminer"])
    assert result.exit_code == 2
    assert "unknown model" in result.output


def _screen_text(widget: Static) -> str:
    console = Console(width=120, record=True, file=io.StringIO())
    console.print(widget.content)
    return console.export_text()


async def test_demo_at_600x_counts_kwh_and_sats_on_screen() -> None:
    """Pins that ``demo --speed 600`` books heat and sats: on the fleet and economics screens.

    The demo's own wiring (default fleet, its 1 s polls, its history) at 600x: each poll is
    600 s of device time, which the ledger used to drop as a gap (0 kWh, 0 sats forever).
    """
    async with (
        demo_app(
            parse_models(DEFAULT_MODELS), address="127.0.0.2", port=DEMO_PORT + 4, speed=600, seed=0
        ) as app,
        app.run_test(size=(120, 40)) as pilot,
    ):
        deadline = time.monotonic() + 20.0
        totals = ""
        while time.monotonic() < deadline:
            await pilot.pause(0.2)
            totals = _screen_text(app.screen.query_one("#fleet-totals", Static))
            found = re.search(r"heat today ([\d.,]+) kWh · ([\d,]+) sats", totals)
            if found and float(found[1]) > 0 and int(found[2].replace(",", "")) > 0:
                break
        else:
            raise AssertionError(f"no heat or sats counted at 600x: {totals!r}")
        await pilot.press("e")
        assert isinstance(app.screen, EconomicsScreen)
        while time.monotonic() < deadline:
            await pilot.pause(0.2)
            table = _screen_text(app.screen.query_one("#economics-table", Static))
            heat = re.search(r"Heat delivered[\s│]+([\d.,]+) kWh", table)
            sats = re.search(r"Mined \(expected\)[\s│]+([\d,]+) sats", table)
            if heat and sats and float(heat[1]) > 0 and int(sats[1].replace(",", "")) > 0:
                break
        else:
            raise AssertionError(f"the economics screen counts nothing at 600x: {table!r}")
        await pilot.press("q")


async def test_demo_books_readings_on_its_simulated_clock() -> None:
    """Pins that the demo hands the app its simulator's clock: 1 s polls are ~600 s apart.

    Readings are booked when they arrive on the app's clock, never on a device's ``When``; on
    the wall clock the demo's polls would be booked a second apart (and its day would never
    pass), so the demo passes the simulated clock explicitly.
    """
    async with (
        demo_app(["nano3s"], address="127.0.0.2", port=DEMO_PORT + 5, speed=600, seed=0) as app,
        app.run_test(size=(100, 30)) as pilot,
    ):
        deadline = time.monotonic() + 20.0
        entry = None
        while time.monotonic() < deadline and (entry is None or len(entry.recent) < 3):
            await pilot.pause(0.2)
            entry = next(iter(app.fleet), None)
        assert entry is not None
        stamps = [s.ts_s for s in entry.recent]
        assert len(stamps) >= 3, stamps
        gaps = [b - a for a, b in itertools.pairwise(stamps)]
        assert min(gaps) > 100, f"booked on the wall clock: {gaps}"
        assert app.clock() - time.time() > 600, "the app runs on the simulator's clock"
        await pilot.press("q")
