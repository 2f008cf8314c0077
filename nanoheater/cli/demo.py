"""Provides ``nanoheater demo``: a simulated fleet on loopback, in this process, with the TUI on it.

The simulator is imported inside the command (only here and in ``simulate``; house style 2.2).
Devices listen on 127.0.0.2, 127.0.0.3, ... port 4028 like units on a LAN; when those cannot be
bound, on consecutive free ports of 127.0.0.1. Nothing is sent beyond loopback: discovery only
probes the fleet's own endpoints, mDNS stays off, and live market prices are not fetched.
The demo's settings and history go to a scratch folder, never over the user's config or history.
"""

from __future__ import annotations

import asyncio
import shutil
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from nanoheater.cli.output import handle_errors, logs_to_file, require_terminal
from nanoheater.cli.params import FiniteFloat
from nanoheater.protocol.sanitize import sanitize

if TYPE_CHECKING:
    from firmware_sim.fleet import Fleet
    from firmware_sim.room import Room
    from nanoheater.history import HistoryStore
    from nanoheater.models import HeaterStatus
    from nanoheater.tui.app import NanoheaterApp

DEFAULT_MODELS = ("nano3s:2", "nano3", "mini3", "q")
"""Two Nano 3S, a Nano 3, a Mini 3 and an Avalon Q."""


async def start_fleet(
    models: list[str], *, address: str, port: int, speed: float, seed: int
) -> Fleet:
    """Start the fleet on consecutive loopback addresses, else on free ports of 127.0.0.1."""
    from firmware_sim.fleet import Fleet

    fleet = Fleet(models, address=address, port=port, speed=speed, seed=seed)
    try:
        await fleet.start()
    except OSError:
        # Another demo (or a real service) holds the port, or extra loopback addresses are
        # unavailable on this OS: fall back to one address, kernel-chosen ports.
        fleet = Fleet(models, address="127.0.0.1", port=0, layout="ports", speed=speed, seed=seed)
        await fleet.start()
    return fleet


@click.command()
@click.option(
    "--model",
    "models",
    multiple=True,
    metavar="MODEL[:N]",
    help="Simulated devices (repeatable); default: nano3s:2 nano3 mini3 q.",
)
@click.option(
    "--speed",
    type=FiniteFloat(min=0.1),
    default=60.0,
    show_default=True,
    help="Simulated seconds per wall second (60: a heating hour per minute).",
)
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the simulation.")
@click.option(
    "--address", default="127.0.0.2", show_default=True, help="First loopback address of the fleet."
)
@click.option("--port", type=click.IntRange(0, 65535), default=4028, show_default=True)
@handle_errors
def demo(models: tuple[str, ...], speed: float, seed: int, address: str, port: int) -> None:
    """Run the TUI on a simulated fleet on loopback (nothing reaches your LAN)."""
    from firmware_sim.fleet import parse_models
    from firmware_sim.server import is_loopback

    if not is_loopback(address):
        raise click.BadParameter(
            "the demo stays on loopback: use an address in 127.0.0.0/8", param_hint="--address"
        )
    try:
        expanded = parse_models(models or DEFAULT_MODELS)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--model") from None
    require_terminal("the demo")
    asyncio.run(_run(expanded, address=address, port=port, speed=speed, seed=seed))


async def _run(models: list[str], *, address: str, port: int, speed: float, seed: int) -> None:
    async with demo_app(models, address=address, port=port, speed=speed, seed=seed) as app:
        with logs_to_file(Path(tempfile.gettempdir()) / "nanoheater-demo.log"):
            await app.run_async()
    for line in app.quit_summary:
        click.echo(f"exit: {sanitize(line, 500)}")


async def read_once(endpoint: str) -> HeaterStatus | None:
    """One reading of the device at ``endpoint`` (None if it does not answer)."""
    from nanoheater.client import HeaterClient
    from nanoheater.exceptions import NanoheaterError

    try:
        client = await HeaterClient.connect(endpoint)
        try:
            return await client.get_status()
        finally:
            await client.close()
    except NanoheaterError:
        return None


def seed_fleet_history(
    store: HistoryStore, fleet: Fleet, statuses: list[HeaterStatus | None]
) -> None:
    """Three days of each member's room before now, as a user's history would hold them.

    Each room is a copy of the member's (same parameters and temperatures now) run through
    ``sim_knowledge.learning_log`` (its top step 2 h, standby 2 h) up to the simulator's now,
    so the TUI has a room model to learn from the start, as it would after three days of use.
    """
    from firmware_sim.room import Room
    from nanoheater.capabilities import capabilities
    from nanoheater.cli.sim_knowledge import learning_log, seed_history

    now_s = fleet.clock.now()
    for member, status in zip(fleet.members, statuses, strict=True):
        if status is None or status.info.model is None:
            continue
        caps = capabilities(status.info.model)
        top_w = max(p.power_w for p in caps.profiles)
        room = member.heater.room
        copy = Room(room.params, air_c=room.air_c, mass_c=room.mass_c)
        log = learning_log(copy, top_w, caps.standby_power_w, fleet.world.outdoor.temp_c, now_s)
        seed_history(store, status.identity_key, log)


@asynccontextmanager
async def demo_app(
    models: list[str], *, address: str, port: int, speed: float, seed: int
) -> AsyncIterator[NanoheaterApp]:
    """Start the simulated fleet and yield the TUI wired to it, as ``nanoheater demo`` runs it.

    The app is not run here (the command runs it; tests drive it with Pilot). On exit the
    history is closed, the fleet stopped and the scratch folder removed. The demo owns its
    simulator in-process, so it hands the app (and the history's compaction) the simulated
    clock explicitly: readings are booked when they arrive on that clock, which runs at
    ``speed``, and no device's own ``When`` is ever trusted for it.
    """
    from nanoheater.cli.sim_knowledge import outdoor_reading
    from nanoheater.client import HeaterClient
    from nanoheater.config import load_settings
    from nanoheater.controller.sensors import Reading, RoomSensor
    from nanoheater.discovery import browse
    from nanoheater.history import AsyncHistoryStore
    from nanoheater.models import DiscoveredHeater
    from nanoheater.tui.app import NanoheaterApp
    from nanoheater.tui.regulation import RoomModel

    fleet = await start_fleet(models, address=address, port=port, speed=speed, seed=seed)
    endpoints = [f"{m.server.host}:{m.server.port}" for m in fleet.members]
    statuses = [await read_once(endpoint) for endpoint in endpoints]
    rooms = {(m.server.host, m.server.port): m.heater.room for m in fleet.members}

    class RoomThermometer:
        """The simulated room's air temperature: the thermometer a real home would have."""

        def __init__(self, label: str, room: Room) -> None:
            self.label = label
            self.room = room

        async def read(self, now_s: float) -> Reading:
            return Reading(float(self.room.air_c), now_s)

    def room_sensor(heater: DiscoveredHeater) -> RoomSensor | None:
        room = rooms.get((heater.host, heater.port))
        return None if room is None else RoomThermometer(f"room of {heater.host}", room)

    # What a real home has: a weather reading off by a bias and a wander, no heat loss. The TUI
    # fits the heat loss from its history, which starts as the fleet's last three days.
    outdoor = outdoor_reading(fleet.world.outdoor.temp_c)

    def room_model(heater: DiscoveredHeater) -> RoomModel | None:
        room = rooms.get((heater.host, heater.port))
        return None if room is None else RoomModel(outdoor_c=outdoor)

    settings = load_settings(defaults_on_error=True).settings.model_copy(update={"hosts": ()})

    async def connect(heater: DiscoveredHeater) -> HeaterClient:
        return await HeaterClient.connect_tcp(heater.host, heater.port)

    def discover() -> AsyncIterator[DiscoveredHeater]:
        # Probe exactly the fleet's endpoints; no mDNS, no subnet scan.
        return browse(mdns=False, hosts=endpoints)

    # A fresh scratch folder per run: the demo's settings and history never touch the user's.
    scratch = Path(tempfile.mkdtemp(prefix="nanoheater-demo-"))
    history = await AsyncHistoryStore.open(scratch / "history.sqlite3", clock=fleet.clock.now)
    await history.call(lambda store: seed_fleet_history(store, fleet, statuses))
    app = NanoheaterApp(
        settings,
        connect=connect,
        discover=discover,
        config_file=scratch / "config.toml",
        history=history,
        live_market=False,
        control_interval_s=2.0,
        room_sensor=room_sensor,
        room_model=room_model,
        clock=fleet.clock.now,
        device_time_scale=speed,
    )
    app.sub_title = f"demo: {len(models)} simulated devices at {speed:g}x"
    try:
        yield app
    finally:
        await history.close()
        await fleet.stop()
        shutil.rmtree(scratch, ignore_errors=True)
