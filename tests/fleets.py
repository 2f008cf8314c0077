"""One way to put a simulated fleet on loopback for a test, and to name its members.

Every test package that needs several heaters (TUI, home service, discovery, reliability) uses
``loopback_fleet``: in virtual time (nothing moves until the test calls ``advance``) on free
ports of 127.0.0.1, or in scaled real time on 127.0.0.2, .3, ... port 4028 (the private network
namespace the run makes provides those addresses). Members are named by ``endpoints``, the same
``host:port`` text the TUI and the home service key devices by (``DeviceAddress``).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

from firmware_sim.clock import VirtualClock
from firmware_sim.device import SimulatedHeater
from firmware_sim.fleet import Fleet
from nanoheater.address import DeviceAddress

MODELS = ("nano3s", "nano3", "mini3", "q")
"""One device of each model."""


@asynccontextmanager
async def loopback_fleet(
    models: Sequence[str],
    *,
    speed: float | None = None,
    mdns: bool = False,
) -> AsyncIterator[Fleet]:
    """Simulated heaters of ``models`` on loopback, stopped when the context exits.

    Args:
        models: one model name per device, in order.
        speed: None for virtual time on free ports of 127.0.0.1 (``advance`` moves it); a factor
            for scaled real time on 127.0.0.2, .3, ... port 4028.
        mdns: advertise the members (only inside the run's private namespace).
    """
    if speed is None:
        fleet = Fleet(
            list(models),
            address="127.0.0.1",
            port=0,
            layout="ports",
            clock=VirtualClock(),
            seed=0,
            tick_s=3600,
            mdns=mdns,
        )
    else:
        fleet = Fleet(list(models), address="127.0.0.2", port=4028, speed=speed, mdns=mdns)
    async with fleet:
        yield fleet


def endpoints(fleet: Fleet) -> list[str]:
    """``host:port`` of every member, in order (the key the TUI and the home give a device)."""
    return [str(DeviceAddress.tcp(m.server.host, m.server.port)) for m in fleet.members]


def member(fleet: Fleet, model: str) -> tuple[str, SimulatedHeater]:
    """The address and heater of the first member of ``model``."""
    found = next(m for m in fleet.members if m.heater.profile.model == model)
    return str(DeviceAddress.tcp(found.server.host, found.server.port)), found.heater


def advance(fleet: Fleet, seconds: float) -> None:
    """Move a virtual-time fleet forward and let the physics catch up."""
    clock = fleet.clock
    assert isinstance(clock, VirtualClock), "advance() needs a virtual-time fleet"
    clock.advance(seconds)
    fleet.world.sync()
