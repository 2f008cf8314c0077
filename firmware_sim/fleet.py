"""Provides Fleet: N simulated heaters in one process, each with its own API listener.

Devices share one World (one clock, one weather) and are seeded from one seed, so a fleet run is
repeatable. Layouts:

- ``addresses`` (default): device i listens on the first address plus i at the same port
  (127.0.0.2, 127.0.0.3, ... :4028), the way real units sit on a LAN. Linux routes all of
  127.0.0.0/8 to ``lo``, so this needs no setup.
- ``ports``: every device on the first address, at consecutive ports (4028, 4029, ...); port 0
  gives each device its own free port.

A background tick advances the world once per wall second (so a recorder sees a steady series
and a quiet device still warms its room); a request advances its own device's room. The tick
works through the rooms in slices and lets the listeners run between them: at ``--speed 60`` a
thousand rooms are 60,000 steps a tick, which in one piece would hold every reply for ~0.15 s.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from firmware_sim.clock import Clock, ScaledClock
from firmware_sim.device import SimulatedHeater, create_heater
from firmware_sim.profile import known_models
from firmware_sim.server import API_PORT, LOOPBACK, SimServer, is_loopback
from firmware_sim.service import Service
from firmware_sim.state import DEFAULT_UPTIME_S
from firmware_sim.world import World

if TYPE_CHECKING:
    from firmware_sim.advertise import Advertiser
    from firmware_sim.record import Recorder

log = logging.getLogger(__name__)

Layout = Literal["addresses", "ports"]
TICK_S = 1.0
"""Wall seconds between background world advances."""
TICK_SLICE_STEPS = 1000
"""Room-steps the tick runs before it yields to the listeners (a few milliseconds of work)."""


def parse_models(specs: Iterable[str]) -> list[str]:
    """Expand ``["nano3s:2", "q"]`` to ``["nano3s", "nano3s", "q"]``; ValueError for bad input."""
    known = known_models()
    models: list[str] = []
    for spec in specs:
        name, _, count_text = spec.strip().lower().partition(":")
        if name not in known:
            raise ValueError(f"unknown model {name!r}; known: {', '.join(known)}")
        try:
            count = int(count_text) if count_text else 1
        except ValueError:
            raise ValueError(f"bad count in {spec!r}; use MODEL or MODEL:N") from None
        if count < 1:
            raise ValueError(f"bad count in {spec!r}; N must be at least 1")
        models.extend([name] * count)
    return models


def plan_endpoints(count: int, address: str, port: int, layout: Layout) -> list[tuple[str, int]]:
    """Return the (host, port) each of ``count`` devices listens on; ValueError if impossible."""
    try:
        first = ipaddress.IPv4Address(address)
    except ValueError:
        raise ValueError(f"{address!r} is not an IPv4 address") from None
    if not 0 <= port <= 65535:
        raise ValueError(f"port {port} is outside 0..65535")
    if layout == "ports":
        if port and port + count - 1 > 65535:
            raise ValueError(f"{count} consecutive ports from {port} run past 65535")
        return [(address, port + i if port else 0) for i in range(count)]
    if count > 1 and first.is_unspecified:
        raise ValueError("consecutive addresses need a concrete first address, not 0.0.0.0")
    last = int(first) + count - 1
    if last > int(ipaddress.IPv4Address("255.255.255.254")) or (
        first.is_loopback and not ipaddress.IPv4Address(last).is_loopback
    ):
        raise ValueError(f"{count} consecutive addresses from {address} leave the range")
    return [(str(ipaddress.IPv4Address(int(first) + i)), port) for i in range(count)]


@dataclass(slots=True)
class FleetMember:
    """One device of a fleet: its index, heater and API server."""

    index: int
    heater: SimulatedHeater
    server: SimServer
    recorder: Recorder | None = None


class Fleet(Service):
    """N heaters of chosen models, each with its own listener; ``async with Fleet([...]) as f:``."""

    def __init__(
        self,
        models: Sequence[str],
        *,
        address: str = LOOPBACK,
        port: int = API_PORT,
        layout: Layout = "addresses",
        speed: float = 1.0,
        seed: int = 0,
        clock: Clock | None = None,
        expose: bool = False,
        serial: bool = False,
        mdns: bool = False,
        interfaces: Sequence[str] | None = None,
        record: str | Path | None = None,
        record_interval_s: float | None = None,
        tick_s: float = TICK_S,
        uptime_s: float = DEFAULT_UPTIME_S,
    ) -> None:
        if not models:
            raise ValueError("a fleet needs at least one model")
        self.endpoints = plan_endpoints(len(models), address, port, layout)
        if not expose:
            outside = [h for h, _ in self.endpoints if not is_loopback(h)]
            if outside:
                raise ValueError(
                    f"{outside[0]} is outside 127.0.0.0/8; pass --expose to listen beyond loopback"
                )
        self.models = list(models)
        self.clock: Clock = clock if clock is not None else ScaledClock(speed)
        self.seed = seed
        self.world = World(self.clock, seed)
        self.members: list[FleetMember] = []
        self._serial = serial
        self._mdns = mdns
        self._interfaces = list(interfaces) if interfaces else None
        self._record = Path(record) if record is not None else None
        self._record_interval_s = record_interval_s
        self._tick_s = tick_s
        self._uptime_s = uptime_s
        self._ticker: asyncio.Task[None] | None = None
        self.advertiser: Advertiser | None = None

    async def start(self) -> None:
        """Build every heater and start its listener; OSError names the endpoint that failed."""
        try:
            for index, (model, (host, port)) in enumerate(
                zip(self.models, self.endpoints, strict=True)
            ):
                heater = create_heater(
                    model, world=self.world, index=index, seed=self.seed, uptime_s=self._uptime_s
                )
                server = SimServer(
                    heater,
                    host=host,
                    port=port,
                    serial_pty=self._serial,
                    serial_port=0 if self._serial else None,
                )
                try:
                    await server.start()
                except OSError as err:
                    raise OSError(
                        err.errno, f"cannot listen on {host}:{port}: {err.strerror}"
                    ) from None
                member = FleetMember(index, heater, server)
                self.members.append(member)
                if self._record is not None:
                    from firmware_sim.record import Recorder

                    member.recorder = Recorder(
                        heater, self.record_path(index), interval_s=self._record_interval_s
                    )
            if self._mdns:
                from firmware_sim.advertise import Advertiser

                self.advertiser = Advertiser(self.members, interfaces=self._interfaces)
                await self.advertiser.start()
        except BaseException:
            await self.stop()
            raise
        self._ticker = asyncio.get_running_loop().create_task(self._tick())

    async def stop(self) -> None:
        """Stop advertising, ticking and serving; close recordings."""
        if self._ticker is not None:
            self._ticker.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._ticker
            self._ticker = None
        if self.advertiser is not None:
            await self.advertiser.stop()
            self.advertiser = None
        for member in self.members:
            await member.server.stop()
            if member.recorder is not None:
                member.recorder.close()
        self.members.clear()

    def record_path(self, index: int) -> Path:
        """Return device ``index``'s CSV path: FILE itself for one device, else FILE-<index>.csv."""
        if self._record is None:
            raise ValueError("this fleet does not record")
        if len(self.models) == 1:
            return self._record
        suffix = self._record.suffix or ".csv"
        return self._record.with_name(f"{self._record.stem}-{index}{suffix}")

    def tick(self) -> None:
        """Advance the world to now; recorders without an interval write one row per tick.

        Also closes the listener of a device whose delayed reboot (``reboot,<after>``) has begun,
        so connections are refused rather than accepted and reset.
        """
        self.world.sync()
        for member in self.members:
            member.server.notice_down()
            if member.recorder is not None:
                if self._record_interval_s is None:
                    member.recorder.sample()
                member.recorder.flush()

    async def catch_up(self) -> None:
        """Advance every room to now in slices, yielding to the listeners between slices."""
        world = self.world
        budget = 0.0
        for room in list(world.rooms):
            budget += max(1.0, world.clock.now() - world.time_s) * len(world.heaters_in(room))
            world.sync_room(room)
            if budget >= TICK_SLICE_STEPS:
                budget = 0.0
                await asyncio.sleep(0)

    async def _tick(self) -> None:
        while True:
            await asyncio.sleep(self._tick_s)
            try:
                await self.catch_up()
                self.tick()
            except Exception:
                # A physics or recording bug must not stop the listeners; say it once a tick.
                log.exception("fleet tick failed")
