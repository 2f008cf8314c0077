"""Pilot tests of the schedule editor: write a schedule in the app, checked, saved, followed."""

from __future__ import annotations

from textual.widgets import Static, TextArea

from firmware_sim.fleet import Fleet
from nanoheater.controller.targets import parse_schedule
from nanoheater.tui.screens.device import DeviceScreen
from nanoheater.tui.screens.schedule_editor import ScheduleEditorScreen
from tests.tui.conftest import MODELS, AppFactory, endpoints, settle


async def test_write_a_schedule_in_the_app_and_follow_it(
    make_app: AppFactory, sim_fleet: Fleet
) -> None:
    """Pins: w opens a template; a mistake is refused in one line; a good one is saved and run."""
    app = make_app()
    key = endpoints(sim_fleet)[MODELS.index("q")]
    path = app.config_file.parent / "schedule.toml"
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await app.push_screen(DeviceScreen(key))
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, ScheduleEditorScreen)
        area = editor.query_one(TextArea)
        assert parse_schedule(area.text).entries, "the template is a working schedule"
        area.text = '[[entry]]\ndays = "someday"\nat = "07:00"\ntarget_c = 20\n'
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleEditorScreen), "a bad schedule is not saved"
        error = str(editor.query_one("#schedule-error", Static).render())
        assert error.startswith("Not saved: ")
        assert "someday" in error
        assert not path.exists()
        area.text = '[[entry]]\ndays = "all"\nat = "07:00"\ntarget_c = 20.5\n'
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)
        assert path.read_text() == area.text
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.control == "schedule schedule.toml"


async def test_edit_a_saved_schedule_in_the_app(make_app: AppFactory, sim_fleet: Fleet) -> None:
    """Pins editing, not only creating: w opens the file that is followed, and saves a change."""
    app = make_app()
    key = endpoints(sim_fleet)[MODELS.index("q")]
    path = app.config_file.parent / "schedule.toml"
    path.parent.mkdir(parents=True, exist_ok=True)
    first = '[[entry]]\ndays = "all"\nat = "07:00"\ntarget_c = 20.5\n'
    path.write_text(first)
    async with app.run_test(size=(100, 32)) as pilot:
        await settle(pilot)
        await app.push_screen(DeviceScreen(key))
        await settle(pilot)
        await pilot.press("w")
        await settle(pilot)
        assert isinstance(app.screen, ScheduleEditorScreen)
        area = app.screen.query_one(TextArea)
        assert area.text == first, "the editor opens the saved file, not the template"
        area.text = (
            first.replace("20.5", "19")
            + '\n[[entry]]\ndays = "sat,sun"\nat = "09:00"\nmode = "Eco"\n'
        )
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, DeviceScreen)
        assert path.read_text() == area.text
        assert len(parse_schedule(path.read_text()).entries) == 2
        entry = app.fleet.get(key)
        assert entry is not None
        assert entry.control == "schedule schedule.toml"
