"""Provides DeviceWorkers, the App's device I/O: polls, commands and controller ticks, in workers.

Every coroutine here runs in a Textual worker started on the App, catches every failure, and
reports the outcome as a message from ``tui.messages``; nothing here touches a widget. Polls and
controller ticks skip a device whose previous one is still in flight, so a slow device is never
queued up and a stalled one never blocks the others.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from typing import TYPE_CHECKING, Any

from nanoheater.capabilities import capabilities
from nanoheater.controller.build import SENSOR_MAX_AGE_S, build_regulator
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.leave import exit_summary
from nanoheater.controller.regulator import Member, Regulator
from nanoheater.controller.sensors import RoomSensor, SensorGuard, sensor_from_spec
from nanoheater.controller.targets import exit_rung
from nanoheater.exceptions import CalibratingError, DeviceRefused, NanoheaterError, UsageError
from nanoheater.models import DiscoveredHeater, ModelCapabilities
from nanoheater.tui.messages import (
    CommandFailed,
    CommandRefused,
    CommandSucceeded,
    ControllerDecided,
    ControllerEngaged,
    HeaterDiscovered,
    PollFailed,
    ScanFinished,
    StatusPolled,
)
from nanoheater.tui.regulation import RoomModel, RoomModelFactory, TargetChoice, zone_choices
from nanoheater.tui.services import Connect, DeviceClient, Discover

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp

DeviceAction = Callable[[DeviceClient], Awaitable[object]]
"""A command to run against one device's client."""

RoomSensorFactory = Callable[[DiscoveredHeater], RoomSensor | None]
"""Returns the room thermometer for a device, or None to fall back to the settings."""


def describe_error(exc: BaseException) -> str:
    """One line for a notification: the library's message, else the exception type and text."""
    if isinstance(exc, NanoheaterError):
        return str(exc)
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


class DeviceWorkers:
    """Clients, in-flight bookkeeping and regulators for every device of the App's fleet."""

    def __init__(
        self,
        app: NanoheaterApp,
        connect: Connect,
        room_sensor: RoomSensorFactory | None,
        room_model: RoomModelFactory | None = None,
    ) -> None:
        """Work for ``app``, opening clients with ``connect``."""
        self.app = app
        self.connect = connect
        self.room_sensor = room_sensor
        self.room_model = room_model
        self.clients: dict[str, DeviceClient] = {}
        self.regulators: dict[str, Regulator] = {}
        self.choices: dict[str, TargetChoice] = {}
        self._polling: set[str] = set()
        self._ticking: set[str] = set()
        self._room_sensors: dict[str, SensorGuard | None] = {}

    def _start(self, work: Coroutine[Any, Any, None], group: str, exclusive: bool = False) -> None:
        self.app.run_worker(work, name=group, group=group, exclusive=exclusive, exit_on_error=False)

    def settings_changed(self) -> None:
        """Forget sensors built from the old settings."""
        self._room_sensors.clear()

    async def client(self, key: str) -> DeviceClient:
        """The open client for ``key``, connecting on first use."""
        client = self.clients.get(key)
        if client is None:
            entry = self.app.fleet.get(key)
            if entry is None:
                raise KeyError(key)
            client = await self.connect(entry.heater)
            self.clients[key] = client
        return client

    async def close(self) -> None:
        """Close every client (on exit)."""
        clients, self.clients = list(self.clients.values()), {}
        for client in clients:
            close = getattr(client, "close", None)
            if close is not None:
                try:
                    await close()
                except Exception:  # noqa: S112 - closing is best effort at exit
                    continue

    # -- polls ---------------------------------------------------------------------------------

    def poll(self, key: str) -> None:
        """Start a status poll of ``key`` unless one is already in flight."""
        if key in self._polling or key not in self.app.fleet:
            return
        self._polling.add(key)
        self._start(self._poll(key), f"poll:{key}")

    async def _poll(self, key: str) -> None:
        try:
            client = await self.client(key)
            status = await client.get_status()
            # Booked at the time it arrived, on the app's clock (the demo's is its simulator's):
            # a device's own ``When`` is an untrusted claim, and one that lags, runs ahead or
            # jumps back must not book its readings in another day or age the fleet (issue 14).
            received_s = self.app.clock()
        except Exception as exc:
            self.clients.pop(key, None)
            self.app.post_message(PollFailed(key, describe_error(exc)))
        else:
            room_c = None if status.inlet_temp_c is not None else await self._room(key, client)
            self.app.post_message(StatusPolled(key, status, received_s, room_c))
            # Recorded here, not in the handler: a newer reading may replace an unhandled one.
            # Never an older value as current: no fresh reading is recorded as none.
            room = status.inlet_temp_c if status.inlet_temp_c is not None else room_c
            self.app.storage.record(status, room, received_s)
            self.app.rooms.polled(key, status, received_s)
        finally:
            self._polling.discard(key)

    async def _room(self, key: str, client: DeviceClient) -> float | None:
        """The room temperature from an external sensor, for a device without an inlet reading.

        Through a ``SensorGuard``: a deadline on every read, no exception escapes, and a reading
        older than SENSOR_MAX_AGE_S (a file nobody updates) is None, never shown as current.
        """
        if key not in self._room_sensors:
            sensor = self._external_sensor(key)
            guard = SensorGuard(sensor, SENSOR_MAX_AGE_S) if sensor is not None else None
            self._room_sensors[key] = guard
        guard = self._room_sensors[key]
        return await guard.read(time.time()) if guard is not None else None

    # -- discovery -----------------------------------------------------------------------------

    def rescan(self, discover: Discover) -> None:
        """Run ``discover``; each device found is posted as it arrives."""
        self._start(self._rescan(discover), "discovery", exclusive=True)

    async def _rescan(self, discover: Discover) -> None:
        found = 0
        error: str | None = None
        try:
            async for heater in discover():
                found += 1
                self.app.post_message(HeaterDiscovered(heater))
        except Exception as exc:
            error = describe_error(exc)
        self.app.post_message(ScanFinished(found, error))

    # -- commands ------------------------------------------------------------------------------

    def command(self, key: str, description: str, action: DeviceAction) -> None:
        """Send ``action`` to ``key``; a newer command to the same device replaces a pending one."""
        self._start(self._command(key, description, action), f"command:{key}", exclusive=True)

    async def _command(self, key: str, description: str, action: DeviceAction) -> None:
        post = self.app.post_message
        try:
            await action(await self.client(key))
        except asyncio.CancelledError:
            # A newer command replaced this one mid-flight: say so rather than drop it silently.
            post(CommandFailed(key, description, "replaced by a newer command before confirmed"))
            raise
        except CalibratingError as exc:
            post(CommandRefused(key, description, exc.reason, exc.retry_after_s))
        except DeviceRefused as exc:
            post(CommandRefused(key, description, exc.reason))
        except Exception as exc:
            post(CommandFailed(key, description, describe_error(exc)))
        else:
            post(CommandSucceeded(key, description))

    # -- heat control --------------------------------------------------------------------------

    def engage(self, key: str, choice: TargetChoice) -> None:
        """Build a regulator aiming for ``choice`` in a worker; it replaces any running one.

        Nothing is shown until it is built: the worker posts ``ControllerEngaged`` on success
        (the App then shows the device under control) or ``CommandFailed`` (nothing changed).
        """
        if self.app.fleet.get(key) is None:
            return
        self._start(self._engage(key, choice), f"control:{key}", exclusive=True)

    def stop(self, key: str) -> None:
        """Hand ``key`` back to manual control; the device keeps whatever it runs now."""
        entry = self.app.fleet.get(key)
        if entry is None or entry.control is None:
            return
        self.choices.pop(key, None)
        self.regulators.pop(key, None)
        self.app.workers.cancel_group(self.app, f"control:{key}")
        self._ticking.discard(key)
        entry.control = entry.target_c = entry.decision = None
        self.app.device_event(entry, "control", "manual control")

    def tick_all(self) -> None:
        """Start one controller tick per regulated device that has none in flight."""
        for key in list(self.regulators):
            if key not in self._ticking:
                self._ticking.add(key)
                self._start(self._tick(key), f"control:{key}")

    def capabilities_of(self, key: str) -> ModelCapabilities:
        """The capabilities of device ``key``'s model; NanoheaterError before its first reading."""
        entry = self.app.fleet.get(key)
        model = entry.status.info.model if entry and entry.status else None
        if model is None:
            raise NanoheaterError("the device's model is not known yet (no reading)")
        return capabilities(model)

    def _injected_sensor(self, key: str) -> RoomSensor | None:
        """The thermometer the caller injected for this device (the demo's), if any."""
        entry = self.app.fleet.get(key)
        if self.room_sensor is None or entry is None:
            return None
        return self.room_sensor(entry.heater)

    def _external_sensor(self, key: str) -> RoomSensor | None:
        """The injected thermometer of this device, else the first configured external sensor."""
        sensor = self._injected_sensor(key)
        if sensor is not None:
            return sensor
        specs = [spec for spec in self.app.settings.sensors if spec != "inlet"]
        try:
            ca_file = self.app.settings.sensor_ca_file
            return sensor_from_spec(specs[0], ca_file=ca_file) if specs else None
        except NanoheaterError:
            return None

    def room_model_of(self, key: str) -> RoomModel | None:
        """What the caller knows of the device's room (outdoor reading, maybe a heat loss)."""
        entry = self.app.fleet.get(key)
        if self.room_model is None or entry is None:
            return None
        return self.room_model(entry.heater)

    async def _engage(self, key: str, choice: TargetChoice) -> None:
        try:
            client = await self.client(key)
            caps = self.capabilities_of(key)
            regulator = build_regulator(
                [Member(key, client, caps)],
                self.app.settings,
                zone_choices(
                    choice, sensor=self._injected_sensor(key), room=self.app.rooms.room_model(key)
                ),
                # The app's clock, never the device's: in the demo it is the simulator's, so
                # dwell times and schedules pass at its speed, not the wall clock's.
                clock=self.app.clock,
            )
        except Exception as exc:
            self.app.post_message(
                CommandFailed(key, f"heat to {choice.describe()}", describe_error(exc))
            )
            return
        self.app.rooms.given(key, regulator)  # the heat loss fitted from the history, if any
        self.choices[key] = choice
        self.regulators[key] = regulator
        self.app.post_message(ControllerEngaged(key, choice))
        self._ticking.add(key)
        await self._tick(key)

    async def _tick(self, key: str) -> None:
        try:
            regulator = self.regulators.get(key)
            if regulator is None:
                return
            try:
                record = await regulator.tick()
            except Exception as exc:
                self.app.post_message(ControllerDecided(key, f"tick failed: {describe_error(exc)}"))
                return
            sent = {k: v for k, v in record.applied.items() if v not in ("ok", "unreachable")}
            # Every decision goes to the history, here in the worker: the message below may be
            # replaced by a newer one before the App handles it.
            await self.app.storage.decision(key, record)
            self.app.post_message(
                ControllerDecided(
                    key,
                    record.reason,
                    profile=record.step,
                    room_c=record.room_c,
                    applied="; ".join(sent.values()),
                    warnings=tuple(regulator.warnings),
                )
            )
        finally:
            self._ticking.discard(key)

    # -- leaving -------------------------------------------------------------------------------

    async def shutdown(self, level: str, timeout_s: float) -> dict[str, str]:
        """Leave every device under control at the exit ``level``, like ``nanoheater thermostat``.

        Devices run in parallel, and the whole exit waits at most ``timeout_s``, so an unreachable
        device never holds up quitting. Devices under manual control are not touched. What was
        done goes into the events log and the history, and is returned per device key.
        """
        regulators, self.regulators = dict(self.regulators), {}
        self.choices.clear()
        if not regulators:
            return {}
        asked = exit_rung(level)

        def pick(ladder: Ladder) -> int:
            # A mode one model lacks (Night on a Q) leaves that one at its lowest step instead.
            try:
                return asked(ladder)
            except UsageError:
                return ladder.lowest_on()

        async def leave(regulator: Regulator) -> str:
            results = await regulator.shutdown(pick)
            summaries = [
                exit_summary(m, pick(m.ladder), results.get(m.label, "")) for m in regulator.members
            ]
            return "; ".join(s.what() for s in summaries)

        tasks = {key: asyncio.ensure_future(leave(reg)) for key, reg in regulators.items()}
        _, pending = await asyncio.wait(tasks.values(), timeout=timeout_s)
        for task in pending:
            task.cancel()
        outcomes: dict[str, str] = {}
        for key, task in tasks.items():
            if task in pending:
                outcomes[key] = f"no answer within {timeout_s:g} s; left as it was"
            elif (error := task.exception()) is not None:
                outcomes[key] = f"failed: {describe_error(error)}"
            else:
                outcomes[key] = task.result()
        if pending:
            await asyncio.wait(pending)  # let the cancelled ones unwind before clients close
        for key, outcome in outcomes.items():
            entry = self.app.fleet.get(key)
            text = f"exit level {level}: {outcome}"
            self.app.events.add(entry.name if entry else key, text)
            await self.app.storage.write_event(key, "exit", text)
        return outcomes
