"""Home.forget drops a device and its one-device zone; record_event reaches subscribers."""

from __future__ import annotations

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.home import Home, HomeEvent, Target, UnknownRef
from tests.home.conftest import hosts, until


async def test_forget_drops_the_device_its_zone_and_its_target(home: Home, fleet: Fleet) -> None:
    """The device and its own zone are gone, with an event; its target is not kept."""
    q = hosts(fleet)[1]
    await until(lambda: all(d.online for d in home.devices()))
    await home.set_target(q, Target("level", level="Eco"))
    async with home.subscribe() as sub:
        await home.forget(q)
        events: list[HomeEvent] = []
        while not events:
            message = await sub.get(5.0)
            assert message is not None
            if isinstance(message, HomeEvent) and message.type == "device_forgotten":
                events.append(message)
    assert [d.address for d in home.devices()] == hosts(fleet)[:1]
    assert [z.name for z in home.zones()] == hosts(fleet)[:1]
    assert q not in home.intents.targets
    with pytest.raises(UnknownRef):
        home.device(q)


async def test_record_event_is_published(home: Home) -> None:
    """An event recorded from outside (an alert) reaches the stream with its type and detail."""
    async with home.subscribe() as sub:
        home.record_event("office", "alert", "[critical] room at 4.0 C")
        while True:
            message = await sub.get(5.0)
            assert message is not None
            if isinstance(message, HomeEvent) and message.type == "alert":
                break
    assert message.detail == "[critical] room at 4.0 C"
