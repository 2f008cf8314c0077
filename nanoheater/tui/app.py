"""Provides NanoheaterApp, the Textual application: it routes messages and owns the device workers.

The App is given its services (house style 2.8): ``connect`` opens a client for a device and
``discover`` yields devices. Every network or file operation runs in an async worker
(``tui.workers`` for devices), and its outcome comes back as a message from ``tui.messages``;
handlers only update the fleet state and the visible screen.

The App is assembled from parts over a shared state (``tui.app_base``): screen switching
(``tui.navigation``), device requests and results (``tui.routing``), history and ledger plumbing
(``tui.history_routing``) and fleet and settings edits (``tui.fleet_edits``). This module keeps
construction, start-up and the quit flow (leaving controlled devices at the exit level).
"""

from __future__ import annotations

import time
from collections import deque
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, ClassVar

from textual.app import SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen

from nanoheater.config import Settings, config_path
from nanoheater.economics.market import offline_market
from nanoheater.history import AsyncHistoryStore
from nanoheater.models import DiscoveredHeater
from nanoheater.tui.devices import HISTORY_SAMPLES, FleetState, quit_summary
from nanoheater.tui.eventlog import EventLog
from nanoheater.tui.fleet_edits import FleetEditing
from nanoheater.tui.history_routing import HistoryRouting
from nanoheater.tui.ledger import Ledger, gap_limit_s
from nanoheater.tui.navigation import Navigation, freeze_heap
from nanoheater.tui.palette import palette_commands
from nanoheater.tui.regulation import RoomModelFactory
from nanoheater.tui.rooms import Rooms
from nanoheater.tui.routing import DeviceRouting
from nanoheater.tui.screens.fleet import FleetScreen
from nanoheater.tui.screens.quit_wait import (
    QUIT_WAIT_S,
    QuitWaitScreen,
    calibrating_under_target,
)
from nanoheater.tui.services import Connect, Discover
from nanoheater.tui.storage import Storage
from nanoheater.tui.workers import DeviceWorkers, RoomSensorFactory

__all__ = ["NanoheaterApp", "freeze_heap"]


class NanoheaterApp(Navigation, DeviceRouting, HistoryRouting, FleetEditing):
    """The nanoheater terminal companion: fleet, device, economics, events and settings screens."""

    CSS_PATH = "nanoheater.tcss"
    TITLE = "nanoheater"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("f", "show_fleet", "Fleet"),
        Binding("e", "show_economics", "Economics"),
        Binding("l", "show_events", "Events"),
        Binding("s", "show_settings", "Settings"),
        Binding("q", "quit", "Quit"),
        Binding("question_mark,f1", "help", "Help"),
        Binding("escape", "hide_keys", show=False),  # screens' own Esc close it too
    ]

    def __init__(
        self,
        settings: Settings,
        *,
        connect: Connect,
        discover: Discover,
        hosts: Iterable[DiscoveredHeater] = (),
        config_file: Path | None = None,
        poll_interval_s: float = 1.0,
        control_interval_s: float = 10.0,
        scan_on_start: bool = True,
        live_market: bool = False,
        room_sensor: RoomSensorFactory | None = None,
        room_model: RoomModelFactory | None = None,
        clock: Callable[[], float] = time.time,
        history: AsyncHistoryStore | None = None,
        exit_level: str = "lowest",
        exit_timeout_s: float = 5.0,
        device_time_scale: float = 1.0,
        quit_wait_s: float = QUIT_WAIT_S,
    ) -> None:
        """Create the app.

        Args:
            settings: the user's settings (tariff, market, caps, hosts, controller).
            connect: opens a client for a device.
            discover: yields devices found on the network (the "rescan" key runs it again).
            hosts: devices to show from the start (configured hosts, ``--host``).
            config_file: where Save writes the settings; None for the default config path.
            poll_interval_s: wall seconds between status polls of each device.
            control_interval_s: wall seconds between controller ticks of a regulated device.
            scan_on_start: run ``discover`` once at start-up.
            live_market: fetch live BTC price and difficulty (per ``settings.market``) at start;
                off, the configured or cached values are used and nothing leaves the machine.
            room_sensor: the room thermometer of a device, when the caller has a better one than
                the settings' sensors or the device's inlet (the demo's simulated rooms).
            room_model: the outdoor temperature of a device's room (the demo's weather reading),
                and its heat loss when the caller knows it; without one the heat loss is fitted
                from the history (``tui.rooms``) for the controller's feed-forward and
                reachability warning. None: no outdoor reading, so no room model.
            clock: the app's one clock: readings are booked at the time they arrive on it (a
                device's own clock is never used), and the controllers, events and refusal
                countdowns run on it. This machine's clock, except in the demo, which owns its
                simulator in-process and passes the simulated clock.
            history: the local history to record readings in and read period totals from
                (opened and closed by the caller); None keeps figures for this session only.
            exit_level: on quit, devices under the controller are left at this level (as
                ``nanoheater thermostat --exit-level``): lowest heating step, off or a mode name.
            exit_timeout_s: the longest quitting waits for those devices to answer.
            quit_wait_s: the longest quitting waits, with a countdown on screen, for such a
                device still calibrating after a mode change (it refuses the exit mode until
                then); 0 quits at once with the summary.
            device_time_scale: seconds of ``clock`` per wall second (the demo's ``--speed``);
                the ledger's gap limit grows with it, or an accelerated fleet never counts a kWh.
        """
        super().__init__()
        # The attributes are declared, with what each holds, in tui.app_base.AppBase.
        self.settings = settings
        self.config_file = config_file or config_path()
        self.live_market = live_market
        self.exit_level, self.exit_timeout_s = exit_level, exit_timeout_s
        self.quit_wait_s = quit_wait_s
        self.clock = clock
        self.ledger = Ledger(
            settings.tariff,
            offline_market(settings.market, None),
            max_gap_s=gap_limit_s(poll_interval_s, device_time_scale),
        )
        self.device_time_scale = device_time_scale
        self.discover = discover
        self.poll_interval_s = poll_interval_s
        self.control_interval_s = control_interval_s
        self.scan_on_start = scan_on_start
        self.fleet = FleetState(names=settings.device_names())
        self.events = EventLog()
        self.power_history = deque(maxlen=HISTORY_SAMPLES)
        self.devices = DeviceWorkers(self, connect, room_sensor, room_model)
        self.storage = Storage(self, history)
        self.rooms = Rooms(self)
        self.quit_summary = []
        self.period_totals = None
        for heater in hosts:
            self.fleet.add(heater)

    # -- lifecycle -------------------------------------------------------------------------

    def on_mount(self) -> None:
        """Show the fleet, start polling and control timers, and scan if asked."""
        self.push_screen(FleetScreen())
        self.call_after_refresh(freeze_heap)
        self.set_interval(self.poll_interval_s, self.poll_all, name="poll")
        self._control = self.set_interval(
            self.control_interval_s, self.devices.tick_all, name="control"
        )
        self.poll_all()
        self.load_market()
        if self.scan_on_start:
            self.rescan()

    async def on_unmount(self) -> None:
        """Leave controlled devices at the exit level (bounded wait), then close the clients."""
        outcomes = await self.devices.shutdown(self.exit_level, self.exit_timeout_s)
        await self.devices.close()
        self.quit_summary = quit_summary(self.fleet, outcomes, self.exit_level)

    # -- actions (bindings and command palette) ---------------------------------------------

    async def action_quit(self) -> None:
        """Quit; a device under a heat target still calibrating first gets a bounded wait.

        The wait is on screen (a countdown, ``s`` skips it); the controller is paused so it
        does not open a new calibration window meanwhile.
        """
        waiting = self.quit_wait_s > 0 and not isinstance(self.screen, QuitWaitScreen)
        if not waiting or not calibrating_under_target(self):
            self.exit()
        else:
            self._control.pause()
            self.push_screen(QuitWaitScreen(self.quit_wait_s))

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """The command palette: Textual's own commands plus every nanoheater view and action."""
        yield from super().get_system_commands(screen)
        yield from palette_commands(self)
