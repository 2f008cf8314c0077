"""The MQTT bridge against a real Mosquitto broker, a real Home and a client playing HA.

The Home runs over simulated heaters; the client subscribes and commands as Home Assistant does:
discovery, states, commands, refusals, re-announce, forgetting, broker restarts, offline.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest

from nanoheater.bridges.broker import parse_broker_url
from nanoheater.bridges.ha_entities import Topics, device_entities, topic_id
from nanoheater.bridges.ha_zone import zone_config_topics
from nanoheater.bridges.mqtt import MqttBridge
from nanoheater.capabilities import capabilities
from nanoheater.home import Home
from tests.bridges.conftest import bounded
from tests.bridges.ha_client import HomeAssistant
from tests.bridges.ha_schema import validate
from tests.home.conftest import until
from tests.mosquitto import Broker


@pytest.fixture
async def bridge(home: Home, live_broker: Broker) -> AsyncIterator[MqttBridge]:
    """A running bridge publishing every 0.2 s."""
    running = MqttBridge(
        home,
        parse_broker_url(live_broker.url),
        publish_interval_s=0.2,
        ledger_refresh_s=0.5,
        currency="USD",
    )
    task = asyncio.create_task(running.run())
    await asyncio.wait_for(running.connected.wait(), 10)
    try:
        yield running
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bounded(task, "the bridge")


def _expected_configs(home: Home) -> int:
    """How many discovery configs the Home's devices and zones make."""
    total = 2 * len(home.zones())
    for device in home.devices():
        assert device.status is not None
        assert device.status.info.model is not None
        caps = capabilities(device.status.info.model)
        total += len(device_entities(device, caps, Topics(), "USD"))
    return total


def _uid(home: Home, index: int) -> str:
    return topic_id(home.devices()[index].key)


async def test_discovery_configs_are_retained_valid_and_complete(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """A late subscriber gets every retained config; each passes the platform's schema."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    await until(lambda: len(bridge._announced) == 4)  # 2 devices + 2 one-device zones
    async with HomeAssistant(live_broker) as ha:
        await ha.until(lambda: len(ha.configs()) == _expected_configs(home))
        configs = ha.configs()
        assert ha.last["nanoheater/bridge/availability"] == b"online"
    for topic, payload in configs.items():
        assert validate(topic.split("/")[1], payload) == [], topic
    nano, q = _uid(home, 0), _uid(home, 1)
    select = configs[f"homeassistant/select/nanoheater_{nano}/mode/config"]
    assert select["options"] == ["Low", "Mid", "High"]
    assert f"homeassistant/switch/nanoheater_{q}/mining/config" in configs
    assert f"homeassistant/switch/nanoheater_{nano}/mining/config" not in configs  # no soft off
    climates = [t for t in configs if t.startswith("homeassistant/climate/")]
    assert len(climates) == 2
    unique = [p["unique_id"] for p in configs.values()]
    assert len(unique) == len(set(unique))


async def test_states_reach_home_assistant(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """Device states carry the reading and the ledger's energy; zones their climate state."""
    nano = _uid(home, 0)
    async with HomeAssistant(live_broker, topics=("nanoheater/#",)) as ha:
        topic = f"nanoheater/device/{nano}/state"
        await ha.until(lambda: topic in ha.last and ha.json(topic)["energy_kwh"] is not None)
        state = ha.json(topic)
        assert state["mode"] in ("Low", "Mid", "High")
        assert state["power_w"] > 0
        assert state["problem"] is None
        # Sats and net cost rest on the fallback market: the state (an attribute) says so.
        assert "config.toml [market] values as of 2025-12-01" in state["market"], state["market"]
        assert ha.last[f"nanoheater/device/{nano}/availability"] == b"online"
        zone = f"nanoheater/zone/{topic_id(hosts_of(home)[0])}/state"
        await ha.until(lambda: zone in ha.last)
        assert ha.json(zone)["mode"] == "off"  # no target yet: not regulated
        assert ha.json(zone)["action"] == "heating"


def hosts_of(home: Home) -> list[str]:
    return [d.address for d in home.devices()]


async def test_commands_round_trip_to_the_devices(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """Mode select, soft off switch and zone set-point go through the Home to the simulator."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    q_uid, q_addr = _uid(home, 1), hosts_of(home)[1]
    async with HomeAssistant(live_broker, topics=("nanoheater/#",)) as ha:
        await ha.send(f"nanoheater/device/{q_uid}/mode/set", "Super")
        result = f"nanoheater/device/{q_uid}/result"
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"], ha.json(result)
        assert home.device(q_addr).status.mode == "Super"  # type: ignore[union-attr]
        state = f"nanoheater/device/{q_uid}/state"
        await ha.until(lambda: ha.json(state)["mode"] == "Super")
        del ha.last[result]
        await ha.send(f"nanoheater/device/{q_uid}/soft/set", "OFF")
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"], ha.json(result)
        await ha.until(lambda: ha.json(state)["soft_off"] is True)
        zone = topic_id(hosts_of(home)[0])
        await ha.send(f"nanoheater/zone/{zone}/temperature/set", "20.5")
        await until(lambda: home.zone(hosts_of(home)[0]).setpoint_c == 20.5)
        zone_state = f"nanoheater/zone/{zone}/state"
        await ha.until(lambda: ha.json(zone_state)["setpoint_c"] == 20.5)
        assert ha.json(zone_state)["mode"] == "heat"
        await ha.send(f"nanoheater/zone/{zone}/preset/set", "eco")
        await ha.until(lambda: ha.json(zone_state)["preset"] == "eco")
        await ha.send(f"nanoheater/zone/{zone}/mode/set", "off")
        await ha.until(lambda: ha.json(zone_state)["mode"] == "off")


async def test_a_refusal_is_reported_back_with_the_retry_time(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """A Nano 3S calibrating after a mode change refuses the next one; HA is told when to retry."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    nano = _uid(home, 0)
    async with HomeAssistant(live_broker, topics=("nanoheater/#",)) as ha:
        result = f"nanoheater/device/{nano}/result"
        current = home.devices()[0].status.mode  # type: ignore[union-attr]
        first = "High" if current != "High" else "Low"
        await ha.send(f"nanoheater/device/{nano}/mode/set", first)
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"], ha.json(result)
        del ha.last[result]
        await ha.send(f"nanoheater/device/{nano}/mode/set", "Mid" if first != "Mid" else "Low")
        await ha.until(lambda: result in ha.last, 20)
        answer = ha.json(result)
        assert answer["ok"] is False
        assert "calibrating" in answer["message"]
        assert answer["retry_after_s"] > 0
        del ha.last[result]
        await ha.send(f"nanoheater/device/{nano}/mode/set", "Turbo")
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"] is False


async def test_home_assistant_birth_message_makes_the_bridge_announce_again(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """After ``homeassistant/status online`` every config is published again, live."""
    await until(lambda: len(bridge._announced) == 4)
    async with HomeAssistant(live_broker) as ha:
        await ha.until(lambda: len(ha.configs()) == _expected_configs(home))
        before = len([m for m in ha.log if m[0].endswith("/config") and not m[2]])
        await ha.send("homeassistant/status", "online")
        await ha.until(
            lambda: (
                len([m for m in ha.log if m[0].endswith("/config") and not m[2]])
                >= before + _expected_configs(home)
            )
        )


async def test_a_forgotten_device_leaves_home_assistant(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """Forgetting a device empties its retained configs (HA deletes the entities)."""
    await until(lambda: len(bridge._announced) == 4)
    q_uid = _uid(home, 1)
    async with HomeAssistant(live_broker) as ha:
        mode = f"homeassistant/select/nanoheater_{q_uid}/mode/config"
        await ha.until(lambda: bool(ha.last.get(mode)))
        await home.forget(hosts_of(home)[1])
        await ha.until(lambda: ha.last.get(mode) == b"")
        await ha.until(lambda: not any(q_uid in t for t in ha.configs()))  # all, not only one
    async with HomeAssistant(live_broker) as late:
        await asyncio.sleep(0.5)
        assert not any(q_uid in t for t in late.configs())


async def test_the_bridge_survives_a_broker_restart(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """The broker goes away for a second; the bridge reconnects and re-announces everything."""
    await until(lambda: len(bridge._announced) == 4)
    sessions = bridge.sessions
    await asyncio.to_thread(live_broker.restart, 1.0)
    await until(lambda: bridge.sessions > sessions, 20)
    async with HomeAssistant(live_broker) as ha:  # the broker kept nothing: all came again
        await ha.until(lambda: len(ha.configs()) == _expected_configs(home), 10)
        assert ha.last["nanoheater/bridge/availability"] == b"online"


async def test_a_stopped_bridge_says_offline(home: Home, live_broker: Broker) -> None:
    """Cancelling the bridge publishes offline (retained): HA greys out every entity."""
    running = MqttBridge(home, parse_broker_url(live_broker.url), publish_interval_s=0.2)
    task = asyncio.create_task(running.run())
    await asyncio.wait_for(running.connected.wait(), 10)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    async with HomeAssistant(live_broker, topics=("nanoheater/bridge/#",)) as ha:
        await ha.until(lambda: "nanoheater/bridge/availability" in ha.last)
        assert ha.last["nanoheater/bridge/availability"] == b"offline"


async def test_fan_duty_and_chip_target_round_trip(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """The numbers set the Nano 3S's fan duty and chip target, read back through the state."""
    await until(lambda: all(d.status is not None for d in home.devices()))
    nano = _uid(home, 0)
    async with HomeAssistant(live_broker, topics=("nanoheater/#",)) as ha:
        result, state = f"nanoheater/device/{nano}/result", f"nanoheater/device/{nano}/state"
        await ha.send(f"nanoheater/device/{nano}/fan/set", "40")
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"], ha.json(result)
        await ha.until(lambda: ha.json(state)["fan_percent"] == 40)
        del ha.last[result]
        await ha.send(f"nanoheater/device/{nano}/chip_target/set", "70.0")
        await ha.until(lambda: result in ha.last, 20)
        assert ha.json(result)["ok"], ha.json(result)
        await ha.until(lambda: ha.json(state)["chip_target_c"] == 70)


async def test_zone_edits_reach_home_assistant(
    home: Home, bridge: MqttBridge, live_broker: Broker
) -> None:
    """A zone made, renamed and removed in the Home appears in, moves in and leaves HA.

    The devices' own zones go when they join the new zone, and come back when it is removed.
    """
    await until(lambda: len(bridge._announced) == 4)
    nano, q = hosts_of(home)

    def climate(zone: str) -> str:
        return zone_config_topics(topic_id(zone), Topics())[0]

    async with HomeAssistant(live_broker) as ha:

        def climates() -> set[str]:
            return {t for t in ha.configs() if t.startswith("homeassistant/climate/")}

        await ha.until(lambda: climates() == {climate(nano), climate(q)})
        await home.create_zone("living", [nano, q])
        await ha.until(lambda: climates() == {climate("living")})
        assert ha.configs()[climate("living")]["device"]["name"] == "living heating"
        await home.rename_zone("living", "lounge")
        await ha.until(lambda: climates() == {climate("lounge")})
        assert ha.configs()[climate("lounge")]["device"]["name"] == "lounge heating"
        await home.delete_zone("lounge")
        await ha.until(lambda: climates() == {climate(nano), climate(q)})
