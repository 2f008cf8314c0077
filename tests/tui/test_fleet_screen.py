"""Pilot tests of the fleet screen: devices appear, go offline, are added and rescanned."""

from __future__ import annotations

import time
import types
from pathlib import Path

import pytest
from textual.widgets import Input, Label

from firmware_sim.fleet import Fleet
from nanoheater.config import Settings, load_settings
from nanoheater.controller.build import SENSOR_MAX_AGE_S
from nanoheater.controller.targets import FixedLevel, RoomTemperature
from nanoheater.models import DiscoveredHeater, DiscoverySource, ModelId
from nanoheater.tui.messages import HeaterDiscovered
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.add_device import AddDeviceScreen
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.screens.rename import RenameScreen
from nanoheater.tui.widgets.fleet_table import COLUMNS, FleetTable
from tests.fleets import MODELS, endpoints
from tests.tui.conftest import AppFactory, poll, settle

COLUMN = {key: index for index, (key, _) in enumerate(COLUMNS)}


async def test_discovered_devices_appear_with_live_numbers(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that every simulated device is discovered, polled and shown with its model and state."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        assert isinstance(app.screen, FleetScreen)
        assert table.row_count == len(MODELS)
        assert sorted(str(e.status.info.model) for e in app.fleet if e.status) == sorted(MODELS)
        for entry in app.fleet:
            assert entry.online is True
            row = table.get_row(entry.key)
            assert str(row[1]) == entry.state_label != "offline"
            assert entry.status is not None
            assert entry.status.power_w
            assert str(row[3]) == f"{entry.status.power_w:,.0f}"


async def test_offline_device_is_marked_not_removed(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that a device that stops answering stays listed, shown offline, and is logged."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        gone = sim_fleet.members[1]
        key = f"{gone.server.host}:{gone.server.port}"
        await gone.server.stop()
        await poll(pilot)
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.online is False
        assert entry.status is not None, "the last reading is kept for display"
        table = app.screen.query_one(FleetTable)
        assert table.row_count == len(MODELS)
        assert str(table.get_row(key)[1]) == "offline"
        # No stale figures: power, hashrate and chips of a device that does not answer are "-".
        row = [str(cell) for cell in table.get_row(key)]
        assert row[COLUMN["power"]] == row[COLUMN["hashrate"]] == row[COLUMN["chip"]] == "-", row
        assert any("offline" in e.text for e in app.events)
        others = [e for e in app.fleet if e.key != key]
        assert all(e.online for e in others)


async def test_add_device_by_address(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that typing an address in the add dialog adds, polls and remembers the device."""
    app = make_app(scan_on_start=False)
    address = endpoints(sim_fleet)[2]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(app.fleet) == 0
        await pilot.press("a")
        assert isinstance(app.screen, AddDeviceScreen)
        await pilot.press(*address, "enter")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        entry = app.fleet.get(address)
        assert entry is not None
        assert entry.online
        assert entry.status is not None
        assert str(entry.status.info.model) == MODELS[2]
        assert address in app.settings.hosts


async def test_bad_address_is_a_notification(make_app: AppFactory) -> None:
    """Pins that a malformed address is reported, not added, and does not crash the app."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a", *"10.0.0.1:99999", "enter")
        await settle(pilot)
        assert len(app.fleet) == 0
        assert any("port" in n.message for n in app._notifications)


async def test_rescan_finds_devices(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the rescan key runs discovery and adds what it finds."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        assert len(app.fleet) == 0
        await pilot.press("r")
        await settle(pilot)
        assert len(app.fleet) == len(MODELS)
        assert all(e.online for e in app.fleet)


async def test_known_hosts_shown_before_they_answer(make_app: AppFactory) -> None:
    """Pins that a configured host nobody answers on is listed as offline, not dropped."""
    silent = DiscoveredHeater(name="garage", host="127.0.0.1", port=1)
    app = make_app(hosts=[silent], scan_on_start=False)
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        entry = app.fleet.get("127.0.0.1:1")
        assert entry is not None
        assert entry.online is False
        assert entry.error
        table = app.screen.query_one(FleetTable)
        assert str(table.get_row("127.0.0.1:1")[0]) == "garage"


async def test_enter_opens_the_device_screen(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that Enter on a row opens that device, and Escape returns to the fleet."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        table.focus()
        selected = table.selected_key
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, DeviceScreen)
        assert app.screen.key == selected
        await pilot.press("escape")
        assert isinstance(app.screen, FleetScreen)


async def test_room_sensor_fills_in_for_devices_without_one(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path
) -> None:
    """Pins that a configured room sensor shows as the room of models with no inlet reading."""
    thermometer = tmp_path / "room"
    thermometer.write_text("19.5\n")
    app = make_app(settings=Settings(sensors=(f"file:{thermometer}",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await poll(pilot)
        nano3s = sim_fleet.members[MODELS.index("nano3s")]
        key = f"{nano3s.server.host}:{nano3s.server.port}"
        assert app.fleet.entries[key].room_temp_c == 19.5
        assert str(app.screen.query_one(FleetTable).get_row(key)[6]) == "19.5"
        q = sim_fleet.members[MODELS.index("q")]
        q_entry = app.fleet.entries[f"{q.server.host}:{q.server.port}"]
        assert q_entry.status is not None
        assert q_entry.room_temp_c == q_entry.status.inlet_temp_c, "a device's own inlet wins"


async def test_a_stale_room_sensor_is_never_shown_as_the_current_room(
    make_app: AppFactory, sim_fleet: Fleet, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Pins (issue 14): once the sensor is older than SENSOR_MAX_AGE_S the room shows nothing.

    The TUI used to keep the last value it had (a file nobody updates any more) and show it
    as the current room temperature; it now reads through a SensorGuard and clears it. The
    workers' wall clock is moved on instead of waiting 15 minutes.
    """
    thermometer = tmp_path / "room"
    thermometer.write_text("19.5\n")
    later = types.SimpleNamespace(time=time.time)
    monkeypatch.setattr("nanoheater.tui.workers.time", later)
    app = make_app(settings=Settings(sensors=(f"file:{thermometer}",)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await poll(pilot)
        nano3s = sim_fleet.members[MODELS.index("nano3s")]
        key = f"{nano3s.server.host}:{nano3s.server.port}"
        assert app.fleet.entries[key].room_temp_c == 19.5
        later.time = lambda: time.time() + SENSOR_MAX_AGE_S + 60  # nobody wrote the file since
        await poll(pilot)
        assert app.fleet.entries[key].room_temp_c is None
        assert str(app.screen.query_one(FleetTable).get_row(key)[6]) != "19.5"


async def test_mouse_click_opens_a_device_and_presses_its_buttons(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that the mouse works: clicking a row opens it, clicking Soft off sends it."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        nano3 = sim_fleet.members[MODELS.index("nano3")]
        key = f"{nano3.server.host}:{nano3.server.port}"
        row = table.get_row_index(key)
        # Two clicks: the first moves the cursor to the row, the second selects it.
        await pilot.click(FleetTable, offset=(3, row + table.header_height))
        await pilot.click(FleetTable, offset=(3, row + table.header_height))
        await pilot.pause()
        assert isinstance(app.screen, DeviceScreen)
        assert app.screen.key == key
        assert nano3.heater.state.soft_off_at_s is None
        assert await pilot.click("#soft-off")
        await settle(pilot)
        assert nano3.heater.state.soft_off_at_s is not None, "the click scheduled a soft off"


async def test_target_column_shows_what_the_controller_holds(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins a Target column (set-point or mode) that fits, right-aligned headers, '-' off chips."""
    app = make_app()
    q_key = endpoints(sim_fleet)[MODELS.index("q")]
    mini_key = endpoints(sim_fleet)[MODELS.index("mini3")]
    sim_fleet.members[MODELS.index("mini3")].heater.state.soft_off = True
    for size in ((100, 30), (80, 24)):
        async with app.run_test(size=size) as pilot:
            await settle(pilot)
            table = app.screen.query_one(FleetTable)
            headers = {str(c.key.value): c.label for c in table.columns.values()}
            assert str(headers["target"]).split("\n") == ["Target", "°C"]
            assert table.virtual_size.width <= table.size.width, "every column fits"
            assert headers["power"].justify == "right"
            assert str(table.get_row(q_key)[COLUMN["target"]]) == "-"
            app.devices.engage(q_key, TargetChoice(RoomTemperature(22.0)))
            await settle(pilot)
            assert str(table.get_row(q_key)[COLUMN["target"]]) == "22.0"
            assert str(table.get_row(mini_key)[COLUMN["chip"]]) == "-"
            app.devices.engage(q_key, TargetChoice(FixedLevel(mode="Eco")))
            await settle(pilot)
            assert str(table.get_row(q_key)[COLUMN["target"]]) == "Eco"
            await pilot.press("q")
        app = make_app()


async def test_the_nano_3_is_named_like_the_others(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that the Nano 3 (PROD "Avalonnano") is shown as "Avalon Nano 3 XXXX"."""
    app = make_app()
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        entry = app.fleet.get(endpoints(sim_fleet)[MODELS.index("nano3")])
        assert entry is not None
        assert entry.status is not None
        assert entry.status.info.product == "Avalonnano"
        assert entry.name.startswith("Avalon Nano 3 ")
        table = app.screen.query_one(FleetTable)
        assert str(table.get_row(entry.key)[0]).startswith("Avalon Nano 3 ")


async def test_rename_a_device(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins that n on the fleet screen renames the device under the cursor ("Living room Q")."""
    app = make_app()
    q_key = endpoints(sim_fleet)[MODELS.index("q")]
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        table.move_cursor(row=table.get_row_index(q_key))
        await pilot.press("n")
        await settle(pilot)
        assert isinstance(app.screen, RenameScreen)
        app.screen.query_one(Input).value = "Living room Q"
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, FleetScreen)
        assert str(table.get_row(q_key)[0]) == "Living room Q"
        assert any("renamed from Avalon Q" in e.text for e in app.events)


async def test_a_rename_is_kept_in_config_toml_and_shown_after_a_restart(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that n stores the name in config.toml (the user's own keys kept) and a restart shows it.

    Before names were stored, the next start showed "Avalon Q ..." again.
    """
    q_key = endpoints(sim_fleet)[MODELS.index("q")]
    app = make_app()
    app.config_file.parent.mkdir(parents=True)
    # The user's own keys, one of them equal to today's default: all of them stay in the file.
    app.config_file.write_text('api = "127.0.0.1:8128"\n[tariff]\nprice_fiat_per_kwh = 0.31\n')
    app.settings = load_settings(app.config_file).settings
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        table.move_cursor(row=table.get_row_index(q_key))
        await pilot.press("n")
        await settle(pilot)
        app.screen.query_one(Input).value = "Living room Q\x1b[2J"
        await pilot.press("enter")
        await settle(pilot)
    saved = load_settings(app.config_file).settings
    assert saved.names == {q_key: "Living room Q[2J"}, "control characters are dropped"
    assert saved.tariff.price_fiat_per_kwh == 0.31
    assert 'api = "127.0.0.1:8128"' in app.config_file.read_text()
    # A restart from the saved file.
    restarted = make_app(settings=saved)
    async with restarted.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = restarted.screen.query_one(FleetTable)
        assert str(table.get_row(q_key)[0]) == "Living room Q[2J"
        others = [str(table.get_row(k)[0]) for k in endpoints(sim_fleet) if k != q_key]
        assert "Living room Q[2J" not in others
        restarted.rename_device(q_key, "")
        await settle(pilot)
        assert str(table.get_row(q_key)[0]).startswith("Avalon Q")
    assert load_settings(restarted.config_file).settings.names == {}


async def test_remove_a_device_also_from_the_configured_hosts(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins that x removes the device, drops it from config hosts, and a rescan keeps it out."""
    keys = endpoints(sim_fleet)
    q_key = keys[MODELS.index("q")]
    app = make_app(settings=Settings(hosts=tuple(keys)))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        table = app.screen.query_one(FleetTable)
        table.move_cursor(row=table.get_row_index(q_key))
        await pilot.press("x")
        await settle(pilot)
        assert q_key not in app.fleet
        assert q_key not in table.rows
        assert q_key not in app.settings.hosts
        assert load_settings(app.config_file).settings.hosts == tuple(k for k in keys if k != q_key)
        app.rescan()
        await settle(pilot)
        assert q_key not in app.fleet, "a rescan does not bring a removed device back"
        app.add_address(q_key)
        await settle(pilot)
        assert q_key in app.fleet, "adding it by address does"


async def test_add_dialog_prompt_is_not_cut_at_80x24(make_app: AppFactory) -> None:
    """Pins that the Add dialog's prompt wraps inside the dialog instead of being cut."""
    app = make_app(scan_on_start=False)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, AddDeviceScreen)
        label = app.screen.query_one("#add-dialog").query_one(Label)
        dialog = app.screen.query_one("#add-dialog")
        assert label.region.right <= dialog.content_region.right
        text = str(label.render())
        assert "port 4028 by default)" in " ".join(text.split())
        assert label.size.height >= 2, "the prompt wraps onto a second line"


async def test_an_advert_nothing_answered_is_not_taken_on(make_app: AppFactory) -> None:
    """Pins (issue 14): an mDNS finding nothing confirmed is not added or polled; others are."""
    app = make_app(scan_on_start=False)
    claim = DiscoveredHeater(
        name="Avalon claim", host="127.0.0.1", port=1, sources=(DiscoverySource.MDNS,)
    )
    confirmed = claim.model_copy(update={"port": 2, "model": ModelId.NANO3S})
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        app.post_message(HeaterDiscovered(claim))
        app.post_message(HeaterDiscovered(confirmed))
        await settle(pilot)
        assert app.fleet.get("127.0.0.1:1") is None
        assert app.fleet.get("127.0.0.1:2") is not None
