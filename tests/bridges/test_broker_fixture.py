"""The Mosquitto fixture is a real broker: a retained message survives a reconnect."""

from __future__ import annotations

import asyncio

import aiomqtt

from tests.mosquitto import Broker


async def test_broker_round_trips_a_retained_message(live_broker: Broker) -> None:
    """A retained publish is delivered to a later subscriber of the same broker."""
    async with aiomqtt.Client(live_broker.host, live_broker.port) as client:
        await client.publish("fixture/hello", b"world", qos=1, retain=True)
    async with aiomqtt.Client(live_broker.host, live_broker.port) as client:
        await client.subscribe("fixture/#")
        message = await asyncio.wait_for(anext(aiter(client.messages)), timeout=5)
    assert message.payload == b"world"
    assert message.retain
