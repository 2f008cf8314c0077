"""Provides DeviceScreen: one device's live numbers, charts over time, controls and heat target."""

from __future__ import annotations

import math
import time
from typing import ClassVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Grid, VerticalScroll
from textual.widgets import Header, Input, Static

from nanoheater.controller.build import local_zone
from nanoheater.controller.targets import FixedLevel, RoomTemperature
from nanoheater.exceptions import UsageError
from nanoheater.history.charts import device_plots
from nanoheater.history.plot import QUIET_MARK
from nanoheater.history.records import Sample
from nanoheater.history.series import DeviceSeries, Mark, Window, with_live
from nanoheater.home.chart_marks import Span, room_marks
from nanoheater.models import ModelCapabilities
from nanoheater.tui.devices import DeviceEntry
from nanoheater.tui.messages import (
    HeatTargetRequested,
    ManualControlRequested,
    ScheduleEditRequested,
    ScheduleRequested,
)
from nanoheater.tui.regulation import TargetChoice
from nanoheater.tui.screens.base import AppScreen
from nanoheater.tui.widgets.chart import TimeChart
from nanoheater.tui.widgets.controls import DeviceControls
from nanoheater.tui.widgets.device_stats import DeviceStats, RefusalBanner
from nanoheater.tui.widgets.footer import KeyFooter
from nanoheater.tui.widgets.target_panel import SETPOINT_STEP_C, TargetPanel

CHARTS = ("power_w", "room_temp_c", "hashrate_ths", "chip_temp_c")
"""The charts, in ``device_plots`` order: power, room and set-point, hashrate, chip."""
WINDOW_NAMES = {
    Window.M15: "15 minutes",
    Window.H6: "6 hours",
    Window.H24: "24 hours",
    Window.D7: "7 days",
}

READ_AGE_S = 60.0
"""A window is read again when shown or polled at most this often (real seconds); the live
readings (``DeviceEntry.recent``, an hour of them) fill in between."""

WIDE_CHARTS_FROM = 140
"""Terminal width from which the charts sit in one row."""


def model_capabilities(entry: DeviceEntry) -> ModelCapabilities | None:
    """Return the capability record for the device's model, None while it is unknown."""
    from nanoheater.capabilities import capabilities

    model = entry.status.info.model if entry.status else entry.heater.model
    if model is None:
        return None
    try:
        return capabilities(model)
    except UsageError:
        return None


class DeviceScreen(AppScreen):
    """Everything about one device; Escape goes back to the fleet."""

    # The footer must fit 80 columns: keys that also have a button here (soft off/on, manual,
    # -) or work everywhere (f, e, l, s) are not listed; ? shows them all.
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "app.pop_screen", "Back"),
        Binding("plus,equals_sign", "setpoint(1)", "±1 °C"),
        Binding("minus", "setpoint(-1)", "Target -", show=False),
        Binding("t", "engage", "Heat"),
        Binding("m", "manual", "Manual", show=False),
        Binding("o", "soft_power(False)", "Soft off", show=False),
        Binding("n", "soft_power(True)", "Soft on", show=False),
        Binding("w", "edit_schedule", "Week"),
        Binding("v", "next_window", "Window"),
        *(
            Binding(key, f"app.{action}", show=False)
            for key, action in (
                ("f", "show_fleet"),
                ("e", "show_economics"),
                ("l", "show_events"),
                ("s", "show_settings"),
            )
        ),
    ]

    def __init__(self, key: str) -> None:
        """Show device ``key`` of the app's fleet."""
        super().__init__()
        self.key = key
        self._capabilities_for: object = None
        self.window = Window.H24
        """The charts' time window; ``v`` cycles 15 min, 6 h, 24 h, 7 d."""
        self._reads: dict[Window, DeviceSeries] = {}
        """The last history read of each window, kept while the screen is: switching back draws
        at once from it plus the live readings since (``DeviceEntry.recent``)."""
        self._interim: DeviceSeries | None = None
        """The window left, shown in the new span until the new window's first read arrives."""
        self._requested: dict[Window, float] = {}
        """When (``read_clock``) each window was last asked of the history."""
        self.read_clock = time.monotonic
        """Real seconds for ``READ_AGE_S`` (tests move it on)."""
        self._live_setpoints: list[tuple[float, float | None]] = []
        """Set-point changes seen since the screen opened (the reads have the older ones)."""
        self._window_text = ""

    @property
    def entry(self) -> DeviceEntry | None:
        """The device shown (None if it left the fleet)."""
        return self.nano_app.fleet.get(self.key)

    def compose(self) -> ComposeResult:
        """Stats, refusal banner, four charts, controls and the heat target."""
        entry = self.entry
        yield Header()
        with VerticalScroll(id="device-body"):
            yield DeviceStats(id="device-stats")
            yield RefusalBanner(clock=self.nano_app.clock, id="refusal")
            yield Static(id="window-bar", classes="note")
            with Grid(id="charts"):
                for series in CHARTS:
                    yield TimeChart(series, "", id=f"chart-{series}")
            caps = model_capabilities(entry) if entry else None
            self._capabilities_for = caps
            yield DeviceControls(caps, id="controls")
            yield TargetPanel(id="target")
        yield KeyFooter()

    def on_mount(self) -> None:
        """Draw what is known and start the refusal countdown clock."""
        entry = self.entry
        if entry is not None:
            self.sub_title = entry.name
            panel = self.query_one(TargetPanel)
            if entry.target_c is not None:
                panel.setpoint_c = entry.target_c
            caps = model_capabilities(entry)
            if caps is not None:
                panel.set_levels([p.name for p in caps.profiles])
        if self.nano_app.storage.history is None:
            self.window = Window.M15  # live readings only: a day would stay empty for hours
        self.fleet_changed(self.key)  # reads the window too
        self.set_interval(1.0, self.query_one(RefusalBanner).tick)

    def on_resize(self, event: events.Resize) -> None:
        """Put the four charts side by side, taller, on wide terminals."""
        self.query_one("#charts", Grid).set_class(event.size.width >= WIDE_CHARTS_FROM, "-wide")

    def fleet_changed(self, key: str | None) -> None:
        """Redraw when this device (or the whole fleet) changed."""
        if key not in (None, self.key):
            return
        entry = self.entry
        if entry is None:
            return
        if self._capabilities_for is None and model_capabilities(entry) is not None:
            self._rebuild_controls(entry)
        self.query_one(DeviceStats).entry = entry
        self.query_one(RefusalBanner).entry = entry
        self._add_live_setpoint(entry)
        if self._read_due():  # set-points, marks and whole buckets: read again once a minute
            self._load_window()
        self._draw_charts()
        self.query_one(DeviceControls).preset(entry.status)
        panel = self.query_one(TargetPanel)
        panel.control = entry.control
        panel.reason = entry.decision or ""
        panel.room = entry.room_model

    # -- charts --------------------------------------------------------------------------------

    def action_next_window(self) -> None:
        """Show the next time window (15 min, 6 h, 24 h, 7 d); read it unless a recent read is kept.

        A window read less than ``READ_AGE_S`` ago is drawn at once from that read plus the live
        readings since: one draw per switch, no wait for the history thread.
        """
        self._interim = self._reads.get(self.window) or self._interim
        self.window = self.window.next()
        if self.window not in self._reads or self._read_due():
            self._load_window()
        self._draw_charts()

    def show_window(self, series: DeviceSeries) -> None:
        """Take a history read of this device (the App routes ``WindowLoaded`` here)."""
        self._reads[series.window] = series
        if series.window is self.window:
            self._draw_charts()

    def _until(self) -> float:
        entry = self.entry
        received = entry.received_s if entry is not None else None
        return received if received is not None else self.nano_app.clock()

    def _read_due(self) -> bool:
        asked = self._requested.get(self.window)
        return asked is None or self.read_clock() - asked >= READ_AGE_S

    def _load_window(self) -> None:
        entry = self.entry
        if entry is None or entry.status is None:
            return
        self._requested[self.window] = self.read_clock()
        device = entry.status.identity_key
        self.nano_app.storage.load_window(self.key, device, self.window, self._until())

    def _add_live_setpoint(self, entry: DeviceEntry) -> None:
        received_s = entry.received_s
        if received_s is None:
            return
        read = self._reads.get(self.window)
        known = self._live_setpoints or list(read.setpoints if read else ())
        if not known or known[-1][1] != entry.target_c:
            self._live_setpoints.append((received_s, entry.target_c))

    def _shown(self) -> DeviceSeries:
        """The window to draw: its read (or the interim one) and the live readings after it."""
        entry = self.entry
        loaded = self._reads.get(self.window) or self._interim
        after = loaded.until_s if loaded is not None else -math.inf
        live: list[Sample] = []
        if entry is not None:
            for sample in reversed(entry.recent):  # newest first, back to the read's end
                if sample.ts_s < after:
                    break
                live.append(sample)
            live.reverse()
        return with_live(
            loaded,
            self.window,
            live,
            name=self.key,
            until_s=self._until(),
            live_setpoints=self._live_setpoints,
        )

    def _room_marks(self, since_s: float, until_s: float) -> tuple[list[Span], list[Mark]]:
        """Quiet hours and schedule steps in the window, for the room chart.

        Quiet hours: the config's (unless this device's target turned them off) and those of
        the schedule it follows; steps: that schedule's changes of target.
        """
        choice = self.nano_app.devices.choices.get(self.key)
        schedule = choice.schedule if choice is not None else None
        quiet_hours = choice is None or choice.quiet_hours
        config = self.nano_app.settings.caps.quiet_hours
        return room_marks(schedule, quiet_hours, config, since_s, until_s, local_zone())

    def _draw_charts(self) -> None:
        """Give the four charts their plots; each is drawn when painted (``TimeChart``)."""
        entry = self.entry
        status = entry.status if entry is not None else None
        model = status.info.model.value if status and status.info.model else None
        shown = self._shown()
        quiet, steps = self._room_marks(shown.since_s, shown.until_s)
        plots = device_plots(shown, model=model, quiet=quiet, steps=steps)
        for name, plot in zip(CHARTS, plots, strict=True):
            self.query_one(f"#chart-{name}", TimeChart).plot = plot
        origin = (
            "from the history"
            if self.window in self._reads
            else "live readings only (no history file)"
            if self.nano_app.storage.history is None
            else "reading the history…"
        )
        legend = "".join(
            (
                " · [b]◆[/b] mode change · [b]![/b] fault",
                f" · [b]{QUIET_MARK}[/b] quiet hours" if quiet else "",
                " · [b]↑↓[/b] schedule" if steps else "",
            )
        )
        text = f"Last {WINDOW_NAMES[self.window]}, {origin} · [b]v[/b] 15 min/6 h/24 h/7 d{legend}"
        if text != self._window_text:  # an unchanged bar costs no layout of the screen
            self._window_text = text
            self.query_one("#window-bar", Static).update(text)

    def _rebuild_controls(self, entry: DeviceEntry) -> None:
        # The model is known only after the first poll; build the controls it allows then.
        caps = model_capabilities(entry)
        self._capabilities_for = caps
        if caps is not None:
            self.query_one(TargetPanel).set_levels([p.name for p in caps.profiles])
        old = self.query_one(DeviceControls)
        self.query_one("#device-body", VerticalScroll).mount(
            DeviceControls(caps, id="controls"), after=old
        )
        old.remove()

    # -- user intents -> command workers -----------------------------------------------------

    @on(DeviceControls.ModeChosen)
    def _mode_chosen(self, message: DeviceControls.ModeChosen) -> None:
        name = message.name
        self.nano_app.run_command(self.key, f"set mode {name}", lambda c: c.set_mode(name))

    @on(DeviceControls.FanChosen)
    def _fan_chosen(self, message: DeviceControls.FanChosen) -> None:
        percent = message.percent
        label = "auto" if percent < 0 else f"{percent} %"
        self.nano_app.run_command(self.key, f"set fan {label}", lambda c: c.set_fan(percent))

    @on(DeviceControls.SoftPowerChosen)
    def _soft_power_chosen(self, message: DeviceControls.SoftPowerChosen) -> None:
        self.action_soft_power(message.on)

    def action_soft_power(self, on: bool) -> None:
        """Soft on or off, where the model has it."""
        entry = self.entry
        caps = model_capabilities(entry) if entry else None
        if caps is None or not caps.soft_off:
            self.notify("This model has no soft off; change its mode instead.", severity="warning")
            return
        if on:
            self.nano_app.run_command(self.key, "soft on", lambda c: c.soft_on())
        else:
            self.nano_app.run_command(self.key, "soft off", lambda c: c.soft_off())

    @on(TargetPanel.SetpointChosen)
    def _setpoint_chosen(self, message: TargetPanel.SetpointChosen) -> None:
        choice = TargetChoice(RoomTemperature(message.target_c), quiet_hours=message.quiet_hours)
        self.post_message(HeatTargetRequested(self.key, choice))

    @on(TargetPanel.LevelChosen)
    def _level_chosen(self, message: TargetPanel.LevelChosen) -> None:
        choice = TargetChoice(FixedLevel(mode=message.mode), quiet_hours=message.quiet_hours)
        self.post_message(HeatTargetRequested(self.key, choice))

    @on(TargetPanel.ScheduleChosen)
    def _schedule_chosen(self, message: TargetPanel.ScheduleChosen) -> None:
        self.post_message(ScheduleRequested(self.key, message.path, message.quiet_hours))

    @on(TargetPanel.ControlStopped)
    def _control_stopped(self) -> None:
        self.action_manual()

    def action_edit_schedule(self) -> None:
        """Edit the schedule named in the panel (else schedule.toml beside the config).

        A missing file starts from a template; saving it follows it on this device.
        """
        typed = self.query_one("#schedule-path", Input).value.strip()
        path = typed or str(self.nano_app.config_file.parent / "schedule.toml")
        self.post_message(ScheduleEditRequested(self.key, path))

    def action_setpoint(self, steps: int) -> None:
        """Move the room target up or down one step."""
        self.query_one(TargetPanel).step(steps * SETPOINT_STEP_C)

    def action_engage(self) -> None:
        """Start heating to the shown set-point."""
        self.query_one(TargetPanel).engage()

    def action_manual(self) -> None:
        """Stop the controller; the device keeps its current mode."""
        self.post_message(ManualControlRequested(self.key))
