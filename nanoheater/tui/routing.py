"""Provides DeviceRouting: what screens ask of the devices, and the workers' answers.

Screens ask (poll, command, heat target, schedule, manual control); the App routes each request
to a worker (``tui.workers`` for devices, ``tui.storage`` for schedule files); the UI changes
only when a worker reports back with a message from ``tui.messages``. The handlers do no I/O:
they update the fleet state, log events and refresh the visible screen.
"""

from __future__ import annotations

from textual import on

from nanoheater.diagnosis import diagnose
from nanoheater.tui.app_base import AppBase
from nanoheater.tui.devices import Refusal
from nanoheater.tui.eventlog import Severity
from nanoheater.tui.messages import (
    CommandFailed,
    CommandRefused,
    CommandSucceeded,
    ControllerDecided,
    ControllerEngaged,
    HeaterDiscovered,
    HeatTargetRequested,
    ManualControlRequested,
    PollFailed,
    RoomLearned,
    ScanFinished,
    ScheduleEditRequested,
    ScheduleLoaded,
    ScheduleRequested,
    ScheduleTextRead,
    StatusPolled,
)
from nanoheater.tui.screens.schedule_editor import TEMPLATE, ScheduleEditorScreen
from nanoheater.tui.workers import DeviceAction


class DeviceRouting(AppBase):
    """Device requests out to the workers, and their outcomes back into the fleet state."""

    # -- what screens ask for (each starts a worker) -----------------------------------------

    def poll_all(self) -> None:
        """Record the fleet's total power, then poll every device that has no poll in flight."""
        online = [e.status.power_w or 0.0 for e in self.fleet if e.online and e.status]
        if online:
            self.power_history.append(sum(online))
        for entry in self.fleet:
            self.devices.poll(entry.key)

    def run_command(self, key: str, description: str, action: DeviceAction) -> None:
        """Send a command to device ``key`` in a worker; the outcome becomes an event."""
        self.devices.command(key, description, action)

    def engage_schedule(self, key: str, path: str, quiet_hours: bool) -> None:
        """Read the schedule file at ``path`` in a worker, then follow it on ``key``."""
        self.storage.load_schedule(key, path, quiet_hours)

    def rescan(self) -> None:
        """Run discovery in a worker; devices are added as they are found."""
        self.devices.rescan(self.discover)

    # -- message handlers (no I/O here) -------------------------------------------------------

    @on(StatusPolled)
    def _status_polled(self, message: StatusPolled) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        was_offline = entry.online is False
        self.ledger.record(entry.key, message.status, message.received_s)
        # None clears the old value: a stale or lost sensor is never shown as the current room.
        entry.sensor_room_c = message.room_c
        entry.record(message.status, message.received_s)
        today = self.ledger.on_day(self.ledger.today, entry.key)
        entry.heat_kwh_today, entry.sats_today = today.heat_kwh, today.sats
        if was_offline:
            self.device_event(entry, "online", "back online")
        new, cleared = entry.take_problems(diagnose(message.status))
        for problem in new:  # each once, as an event and a notice, with its reason
            self.device_event(entry, "fault", problem, Severity.WARNING)
            self.notify(f"{entry.name}: {problem}", severity="warning", timeout=10)
        if cleared:
            self.device_event(entry, "fault", cleared)
        self._fleet_changed(message.key)

    @on(PollFailed)
    def _poll_failed(self, message: PollFailed) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        if entry.online is not False:
            self.device_event(entry, "offline", f"offline: {message.error}", Severity.WARNING)
        entry.mark_offline(message.error)
        self._fleet_changed(message.key)

    @on(HeaterDiscovered)
    def _heater_discovered(self, message: HeaterDiscovered) -> None:
        if str(message.heater.address) in self.fleet.removed:
            return  # the user removed it; a rescan must not bring it back
        if not message.heater.answered:
            return  # an advert nothing answered: a claim, not a device to poll
        entry, new = self.fleet.add(message.heater)
        if new:
            self.log_event(entry.name, f"found at {entry.key}")
            self.devices.poll(entry.key)
        self._fleet_changed(None)

    @on(ScanFinished)
    def _scan_finished(self, message: ScanFinished) -> None:
        if message.error:
            self.log_event("", f"scan failed: {message.error}", Severity.ERROR)
        else:
            self.log_event("", f"scan finished: {message.found} found")

    @on(CommandSucceeded)
    def _command_succeeded(self, message: CommandSucceeded) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        entry.refusal = None
        self.device_event(entry, "command", f"{message.description}: done")
        self.devices.poll(message.key)
        self._fleet_changed(message.key)

    @on(CommandRefused)
    def _command_refused(self, message: CommandRefused) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        retry = message.retry_after_s
        entry.refusal = Refusal(
            message.description, message.reason, None if retry is None else self.clock() + retry
        )
        text = f"{message.description} refused: {message.reason}"
        if retry is not None:
            text += f"; retry in {retry:.0f} s"
        self.device_event(entry, "refused", text, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(CommandFailed)
    def _command_failed(self, message: CommandFailed) -> None:
        text = f"{message.description} failed: {message.error}"
        self.storage.event(message.key, "failed", text)
        entry = self.fleet.get(message.key)
        self.log_event(entry.name if entry else message.key, text, Severity.ERROR)

    @on(RoomLearned)
    def _room_learned(self, message: RoomLearned) -> None:
        entry = self.fleet.get(message.key)
        if entry is not None:
            entry.room_model = message.text
            self._fleet_changed(message.key)

    @on(ControllerDecided)
    def _controller_decided(self, message: ControllerDecided) -> None:
        entry = self.fleet.get(message.key)
        if entry is None or entry.control is None:
            return  # a tick that finished after the user took manual control
        entry.decision = message.reason
        entry.sensor_room_c = message.room_c  # None: no fresh reading (see _status_polled)
        if message.applied:
            self.log_event(entry.name, f"controller: {message.applied} ({message.reason})")
            self.devices.poll(message.key)
        for warning in message.warnings:
            if warning not in entry.warned:
                entry.warned.add(warning)
                self.device_event(entry, "warning", warning, Severity.WARNING)
        self._fleet_changed(message.key)

    @on(ScheduleLoaded)
    def _schedule_loaded(self, message: ScheduleLoaded) -> None:
        self.devices.engage(message.key, message.choice)

    # Screens ask; the App routes to the workers; the UI changes when a worker reports back.

    @on(HeatTargetRequested)
    def _heat_target_requested(self, message: HeatTargetRequested) -> None:
        self.devices.engage(message.key, message.choice)

    @on(ScheduleEditRequested)
    def _schedule_edit_requested(self, message: ScheduleEditRequested) -> None:
        self.storage.read_schedule_text(message.key, message.path)

    @on(ScheduleTextRead)
    def _schedule_text_read(self, message: ScheduleTextRead) -> None:
        key, path = message.key, message.path

        def edited(text: str | None) -> None:
            if text is not None:  # it parsed: write it, then follow it
                self.storage.save_schedule(key, path, text)

        self.push_screen(ScheduleEditorScreen(path, message.text or TEMPLATE), edited)

    @on(ScheduleRequested)
    def _schedule_requested(self, message: ScheduleRequested) -> None:
        self.engage_schedule(message.key, message.path, message.quiet_hours)

    @on(ManualControlRequested)
    def _manual_requested(self, message: ManualControlRequested) -> None:
        self.devices.stop(message.key)
        self._fleet_changed(message.key)

    @on(ControllerEngaged)
    def _controller_engaged(self, message: ControllerEngaged) -> None:
        entry = self.fleet.get(message.key)
        if entry is None:
            return
        choice = message.choice
        entry.control, entry.target_c, entry.decision = choice.describe(), choice.setpoint_c, None
        self.device_event(entry, "control", f"heat target: {choice.describe()}")
        self._fleet_changed(message.key)
