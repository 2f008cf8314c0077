"""The Home runtime on a simulated fleet: devices, zones, targets, overrides, restarts, exit."""

from __future__ import annotations

import asyncio
import json
import tomllib
from pathlib import Path

import pytest

from firmware_sim.fleet import Fleet
from nanoheater.config import load_settings
from nanoheater.exceptions import UsageError
from nanoheater.home import DecisionMade, Home, HomeEvent, Reading, Target, UnknownRef
from nanoheater.home.intents import Intents
from nanoheater.home.lock import DataDirLock, DataDirLocked
from tests.home.conftest import hosts, options, until


async def test_devices_carry_status_keys_and_each_is_its_own_zone(home: Home, fleet: Fleet) -> None:
    """After the first readings every device lists the status --json keys and has a zone."""
    await until(lambda: all(d.online for d in home.devices()))
    views = home.devices()
    assert [v.address for v in views] == hosts(fleet)
    data = views[0].to_json()
    for key in ("model", "product", "firmware", "mac", "dna", "host", "port", "state", "power_w"):
        assert key in data
    assert data["model"] == "nano3s"
    zones = home.zones()
    assert [z.name for z in zones] == hosts(fleet)
    assert zones[0].to_json()["devices"] == [hosts(fleet)[0]]
    assert zones[0].setpoint_c is None


async def test_level_target_is_applied_and_published(home: Home, fleet: Fleet) -> None:
    """A fixed level on the Q's zone (named by its host) is applied and a decision published."""
    q = hosts(fleet)[1]
    async with home.subscribe() as sub:
        view = await home.set_target("127.0.0.3", Target("level", level="Eco"))
        assert view.name == q
        assert view.target is not None
        decision = None
        while decision is None:
            message = await sub.get(10.0)
            assert message is not None
            if isinstance(message, DecisionMade):
                decision = message
    await until(lambda: home.device(q).status is not None and home.device(q).status.mode == "Eco")  # type: ignore[union-attr]
    assert "Eco" in decision.step


async def test_unknown_level_and_zone_are_refused(home: Home) -> None:
    """A level the model lacks is a usage error; an unknown zone names itself."""
    await until(lambda: all(d.online for d in home.devices()))
    with pytest.raises(UsageError, match="unknown mode"):
        await home.set_target("127.0.0.2", Target("level", level="Turbo"))
    with pytest.raises(UnknownRef, match="no zone or device"):
        await home.set_target("attic", Target("setpoint", setpoint_c=21))


async def test_manual_command_on_regulated_device_is_an_override(home: Home, fleet: Fleet) -> None:
    """A manual mode on a regulated device pauses its zone until resume puts the target back."""
    q = hosts(fleet)[1]
    await home.set_target(q, Target("level", level="Eco"))
    await until(lambda: home.device(q).status.mode == "Eco")  # type: ignore[union-attr]
    await home.command(q, "mode", "Super")
    zone = home.zone(q)
    assert zone.override is not None
    assert zone.override.action == "mode Super"
    await asyncio.sleep(1.0)  # several control intervals: the override holds
    assert home.device(q).status.mode == "Super"  # type: ignore[union-attr]
    await home.resume(q)
    assert home.zone(q).override is None
    await until(lambda: home.device(q).status.mode == "Eco")  # type: ignore[union-attr]


async def test_failed_manual_command_leaves_the_zone_regulated(home: Home, fleet: Fleet) -> None:
    """A command that fails (a mode the model lacks) does not pause the zone, nor persist.

    Only a command the device took is an override; the one before it (if any) stays.
    """
    q = hosts(fleet)[1]
    await home.set_target(q, Target("level", level="Eco"))
    await until(lambda: home.device(q).status.mode == "Eco")  # type: ignore[union-attr]
    with pytest.raises(UsageError):
        await home.command(q, "mode", "Turbo")
    assert home.zone(q).override is None
    assert Intents.load(home.intents_path).overrides == {}
    await home.command(q, "mode", "Standard")
    with pytest.raises(UsageError):
        await home.command(q, "mode", "Turbo")
    override = home.zone(q).override
    assert override is not None
    assert override.action == "mode Standard"


async def test_intents_survive_a_restart_and_resume(tmp_path: Path, fleet: Fleet) -> None:
    """A target set before a crash is re-applied by the next Home within a control interval."""
    data = tmp_path / "data"
    first = Home(options(data, fleet))
    await first.start()
    await first.set_target(hosts(fleet)[1], Target("level", level="Standard"))
    # A crash: the loops stop, nothing is left at an exit level.
    first._running = False
    for task in first._loops:
        task.cancel()
    await asyncio.gather(*first._loops, return_exceptions=True)
    if first.history is not None:
        await first.history.close()
    # Someone changes the device while no service runs.
    await until(lambda: True)
    second = Home(options(data, fleet))
    await second.start()
    try:
        assert second.zone(hosts(fleet)[1]).target == Target("level", level="Standard")
        await until(
            lambda: (
                (s := second.device(hosts(fleet)[1]).status) is not None and s.mode == "Standard"
            ),
            5,
        )
    finally:
        await second.stop()


async def test_stop_leaves_regulated_devices_at_exit_level(tmp_path: Path, fleet: Fleet) -> None:
    """Stopping leaves the regulated Q at its lowest heating step and reports it per device."""
    home = Home(options(tmp_path / "d", fleet))
    await home.start()
    q = hosts(fleet)[1]
    await home.set_target(q, Target("level", level="Super"))
    await until(
        lambda: (s := home.device(q).status) is not None and s.mode == "Super" and not s.calibrating
    )
    events: list[HomeEvent] = []
    sub = home.subscribe()
    outcomes = await home.stop("lowest")
    async for message in sub:
        if isinstance(message, HomeEvent):
            events.append(message)
    assert list(outcomes) == [q]
    assert "Eco" in outcomes[q]
    assert any(e.type == "exit" and e.subject == q for e in events)


async def test_readings_reach_subscribers(home: Home) -> None:
    """Every poll publishes a Reading with the device view."""
    async with home.subscribe() as sub:
        message = await sub.get(5.0)
        while message is not None and not isinstance(message, Reading):
            message = await sub.get(5.0)
    assert isinstance(message, Reading)
    assert "model" in message.to_json()["device"]


def test_second_lock_names_the_holder(tmp_path: Path) -> None:
    """A second lock on the same data folder is refused and says who holds it."""
    first = DataDirLock(tmp_path)
    first.acquire("api 127.0.0.1:8128")
    try:
        with pytest.raises(DataDirLocked, match=r"api 127\.0\.0\.1:8128"):
            DataDirLock(tmp_path).acquire()
    finally:
        first.release()
    DataDirLock(tmp_path).acquire()


async def test_mini3_gets_its_own_room_limit_as_a_backstop(tmp_path: Path) -> None:
    """A regulated Mini 3 is given the house's maximum room temperature as its own limittemp.

    The firmware then idles above it in Heating and Night modes even with no service alive.
    """
    async with Fleet(["mini3"], address="127.0.0.2", port=4028, speed=100.0) as mini:
        home = Home(options(tmp_path / "d", mini))
        await home.start()
        try:
            events: list[HomeEvent] = []
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 15.0
            async with home.subscribe() as sub:
                await home.set_target(hosts(mini)[0], Target("level", level="Heating Eco"))
                while not any(e.type == "backstop" for e in events):
                    assert loop.time() < deadline, "no backstop event"
                    message = await sub.get(1.0)
                    if isinstance(message, HomeEvent):
                        events.append(message)
            assert mini.members[0].heater.state.room_limit_c == 26.0  # caps.max_room_temp_c
        finally:
            await home.stop()


async def test_room_limit_is_refused_where_the_firmware_has_none(home: Home, fleet: Fleet) -> None:
    """Only the Mini 3 has limittemp: the Q's client refuses without sending anything."""
    from nanoheater.client import HeaterClient
    from nanoheater.exceptions import UnsupportedError

    async with await HeaterClient.connect(hosts(fleet)[1]) as client:
        with pytest.raises(UnsupportedError, match="no room limit"):
            await client.set_room_limit(26)
    assert fleet.members[1].heater.state.room_limit_c is None


async def test_a_scan_finds_devices_and_announces_them(tmp_path: Path, fleet: Fleet) -> None:
    """With no hosts configured, a --scan range finds both devices; each arrival is an event."""
    home = Home(options(tmp_path / "d", fleet, hosts=(), scan=("127.0.0.2/31",), mdns=False))
    async with home.subscribe() as sub:
        await home.start()
        try:
            await until(lambda: len(home.devices()) == 2 and all(d.online for d in home.devices()))
            added: set[str] = set()
            loop = asyncio.get_running_loop()
            deadline = loop.time() + 5.0
            while added != set(hosts(fleet)) and loop.time() < deadline:
                message = await sub.get(0.5)
                if isinstance(message, HomeEvent) and message.type == "device_added":
                    added.add(message.subject)
            assert added == set(hosts(fleet))
            assert [z.name for z in home.zones()] == hosts(fleet)
        finally:
            await home.stop()


async def test_history_retention_comes_from_the_settings(tmp_path: Path, fleet: Fleet) -> None:
    """The ``[history]`` retention settings were read nowhere; the Home's history follows them."""
    from nanoheater.config import HistorySettings, Settings

    settings = Settings(history=HistorySettings(full_resolution_h=2, minute_means_days=3))
    home = Home(options(tmp_path / "data", fleet, history=True), settings=settings)
    await home.start()
    try:
        assert home.history is not None
        policy = home.history.store.policy
        assert (policy.full_resolution_s, policy.minute_means_s) == (7200, 3 * 86_400)
    finally:
        await home.stop()


async def test_names_from_config_toml_are_shown_and_a_rename_is_written_there(
    tmp_path: Path, fleet: Fleet
) -> None:
    """A name the TUI kept in config.toml (``names``, "host" form) is the device's name in serve.

    A rename goes to the same table (the host form replaced), not to intents.json; clearing the
    name removes the entry.
    """
    config = tmp_path / "config.toml"
    config.write_text('[names]\n"127.0.0.9" = "Living room Q"\n\n[heat]\nheat_pump_cop = 3.5\n')
    settings = load_settings(config).settings
    home = Home(options(tmp_path / "d", fleet, hosts=(), config_file=config), settings)
    assert home.add_device("127.0.0.9:4028").name == "Living room Q"
    view = await home.rename("127.0.0.9:4028", "Attic")
    assert view.name == "Attic"
    assert tomllib.loads(config.read_text()) == {
        "names": {"127.0.0.9:4028": "Attic"},
        "heat": {"heat_pump_cop": 3.5},
    }
    assert Intents.load(home.intents_path).names == {}
    assert (await home.rename("Attic", "")).name == "127.0.0.9:4028"  # no name: the address
    assert tomllib.loads(config.read_text()) == {"heat": {"heat_pump_cop": 3.5}}


async def test_a_refused_config_write_leaves_the_name_as_it_was(
    tmp_path: Path, fleet: Fleet
) -> None:
    """A config.toml that no longer parses is not replaced, and the rename does not happen."""
    config = tmp_path / "config.toml"
    home = Home(options(tmp_path / "d", fleet, hosts=(), config_file=config))
    home.add_device("127.0.0.9:4028")
    config.write_text("[names\n")
    with pytest.raises(UsageError, match="cannot be read"):
        await home.rename("127.0.0.9", "Attic")
    assert home.device("127.0.0.9").name == "127.0.0.9:4028"  # still no name
    assert config.read_text() == "[names\n"


async def test_names_an_older_intents_json_held_move_to_config_toml(
    tmp_path: Path, fleet: Fleet
) -> None:
    """A service rename of an older release (intents.json) is moved to config.toml at start."""
    config = tmp_path / "config.toml"
    config.write_text('[names]\n"127.0.0.2" = "Kitchen"\n"127.0.0.3:4028" = "Old"\n')
    data = tmp_path / "d"
    data.mkdir()
    q = hosts(fleet)[1]
    (data / "intents.json").write_text(json.dumps({"version": 1, "names": {q: "Attic"}}))
    settings = load_settings(config).settings
    home = Home(options(data, fleet, config_file=config), settings)
    await home.start()
    try:
        assert home.device(q).name == "Attic", "the service's rename won before; it still does"
        assert tomllib.loads(config.read_text())["names"] == {"127.0.0.2": "Kitchen", q: "Attic"}
        assert "names" not in json.loads((data / "intents.json").read_text())
    finally:
        await home.stop()
