"""Provides HomeBase: the state the parts of ``Home`` share, and the plumbing they all call.

``Home`` (``home.runtime``) is built in layers over this base: zone control (``home.zone_control``:
targets, overrides, manual commands and control ticks), the zone layout (``home.zone_layout``:
making, renaming and removing zones, moving devices), the device set (``home.device_set``:
adding, renaming and forgetting devices, polls and discovery) and, on top, the lifecycle (start,
the loops, stop at the exit level) and the history reads. Here: the shared state, background
tasks, taking a reading, events and persisting intents.
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.controller.leave import ExitSummary
from nanoheater.controller.sensors import SensorGuard
from nanoheater.economics.market import MarketInputs, offline_market
from nanoheater.history.health import WriteHealth
from nanoheater.history.store import AsyncHistoryStore
from nanoheater.home.bus import Bus, Subscription
from nanoheater.home.devices import DeviceSlot, address_of
from nanoheater.home.intents import INTENTS_FILE, Intents
from nanoheater.home.options import HomeOptions, describe_error
from nanoheater.home.records import record_event, record_reading
from nanoheater.home.roomlearn import RoomLogSource, outdoor_guard
from nanoheater.home.types import HomeEvent, Reading
from nanoheater.home.zones import SENSOR_TOKEN_ENV, ZoneSlot
from nanoheater.protocol.sanitize import sanitize

# One logger for the whole runtime, under the name it has always had (log filters rely on it).
log = logging.getLogger("nanoheater.home.runtime")


class HomeBase:
    """The shared state of a ``Home``: devices, zones, intents, history, bus and tasks."""

    def __init__(
        self,
        options: HomeOptions,
        settings: Settings | None = None,
        *,
        clock: Callable[[], float] = time.time,
    ) -> None:
        self.options = options
        self.settings = settings or Settings()
        self.clock = clock
        self.ready = asyncio.Event()
        """Set when the first device reading is in (``serve`` signals readiness then)."""
        self.bus = Bus()
        self.slots: dict[str, DeviceSlot] = {}
        self.zone_slots: dict[str, ZoneSlot] = {}
        self.intents = Intents()
        self.history: AsyncHistoryStore | None = None
        self.history_health = WriteHealth()
        """Whether reading writes fail now (a full disk), reported once per episode."""
        self.outdoor_sensor: SensorGuard | None = None
        """The configured outdoor sensor (``outdoor_sensor``) unless the front end reads its own."""
        if self.settings.outdoor_sensor and options.outdoor is None:
            # Built here, so a bad spec is one line and exit 2 before serve takes the lock.
            self.outdoor_sensor = outdoor_guard(
                self.settings.outdoor_sensor,
                token=os.environ.get(SENSOR_TOKEN_ENV),
                ca_file=self.settings.sensor_ca_file,
            )
        self.reading_outdoor = False
        self.outdoor_failing = False
        """Whether the outdoor sensor has no fresh reading now (logged once per episode)."""
        self.room_source: RoomLogSource | None = None
        """Where the zones' room models are learned from (``start`` sets it)."""
        self.market: MarketInputs = offline_market(self.settings.market, options.data_dir)
        self._tasks: set[asyncio.Task[Any]] = set()
        self._loops: list[asyncio.Task[None]] = []
        self._running = False
        self._zone_of: dict[str, str] = {}
        self._backstops: set[str] = set()
        self.exit_summaries: dict[str, ExitSummary] = {}
        """Each regulated device's quit summary, filled by ``stop``."""
        self.forgotten: set[str] = set()
        """Addresses ``forget`` dropped; discovery does not bring them back in this run."""
        self.names: dict[str, str] = self.settings.device_names()
        """Device names by address: config.toml ``[names]`` as read, plus this run's renames
        (which ``rename`` writes there first)."""
        for name, hosts in options.zones.items():
            for host in hosts:
                self._zone_of[address_of(host)] = name

    @property
    def intents_path(self) -> Path:
        """``<data_dir>/intents.json``."""
        return self.options.data_dir / INTENTS_FILE

    def _new_zone(self, name: str, *, named: bool = False) -> ZoneSlot:
        return ZoneSlot(
            name, named=named, adjust=self.options.zone_choices, outdoor=self._outdoor_source()
        )

    def _outdoor_source(self) -> Callable[[float], float | None] | None:
        """What the zones read the outdoor temperature from: the front end's, else the sensor's."""
        if self.options.outdoor is not None:
            return self.options.outdoor
        return self.outdoor_now if self.outdoor_sensor is not None else None

    def outdoor_now(self, now_s: float) -> float | None:
        """The outdoor temperature now: the front end's reading, else the sensor's latest.

        None when the configured sensor has no reading younger than ``OUTDOOR_MAX_AGE_S`` (or
        there is no outdoor source).
        """
        if self.options.outdoor is not None:
            return self.options.outdoor(now_s)
        return self.outdoor_sensor.fresh_c(now_s) if self.outdoor_sensor is not None else None

    def _spawn(self, work: Coroutine[Any, Any, None]) -> asyncio.Task[None]:
        task = asyncio.create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and (error := task.exception()) is not None:
            # A bug must show in the log, not vanish with the task; the loops carry on.
            log.error("home task failed: %s", describe_error(error), exc_info=error)

    async def _client(self, slot: DeviceSlot) -> HeaterClient:
        if slot.client is None:
            slot.client = await HeaterClient.connect(slot.address, timeout_s=self.options.timeout_s)
        return slot.client

    def saw(self, slot: DeviceSlot, status: Any) -> None:
        """Take ``status`` as ``slot``'s reading: regulator, history, subscribers, readiness."""
        now = self.clock()
        if slot.ever_online and not slot.online:
            self._event(slot.address, "device_back", "answering again")
        slot.status, slot.online, slot.error, slot.updated_s = status, True, None, now
        slot.ever_online = True
        zone = self.zone_slots.get(slot.zone)
        slot.room_c = status.inlet_temp_c
        if zone is not None:
            zone.saw(slot.address, status, now)
            # The zone's room sensor, as its regulator last read it, is the room (recorded for
            # the room model); the inlet only stands in while there is none.
            last = zone.last
            fresh_s = 2 * self.options.control_interval_s
            if last is not None and last.room_c is not None and now - last.ts_s <= fresh_s:
                slot.room_c = last.room_c
            self._room_changed(zone)
        if self.history is not None:
            self._spawn(self._record(status, now, slot.room_c))
        self.bus.publish(Reading(now, slot.view()))
        self.ready.set()

    def _room_changed(self, zone: ZoneSlot) -> None:
        """Learn ``zone``'s room now when it has devices it was not learned for (zone_control)."""

    async def _record(self, status: Any, now: float, room_c: float | None) -> None:
        if self.history is not None:
            market, tariff = self.market, self.settings.tariff
            try:
                await record_reading(self.history, status, now, room_c, market, tariff)
            except Exception as exc:
                # A full disk fails every write until space returns: one line when it starts
                # (not one per reading), one when writes work again; the heating goes on.
                if (line := self.history_health.failed(exc)) is not None:
                    log.warning("%s", line)
            else:
                if (line := self.history_health.succeeded()) is not None:
                    log.warning("%s", line)

    # -- events, persistence -----------------------------------------------------------------------

    def record_event(self, subject: str, type: str, detail: str) -> None:
        """Add an event from outside the runtime (an alert) to the stream and the history."""
        self._event(subject, type, detail)

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        """Readings, decisions and events from now on (a slow reader loses its oldest)."""
        return self.bus.subscribe(maxsize)

    def _save(self) -> None:
        if self.options.persist:
            self.intents.save(self.intents_path)

    def _event(self, subject: str, kind: str, detail: str, *, logged: bool = True) -> None:
        """Publish and record an event (``logged=False``: the caller logs it in its own words)."""
        event = HomeEvent(self.clock(), subject, kind, sanitize(detail, 500))
        if logged:
            log.info("%s %s: %s", kind, subject, event.detail)
        self.bus.publish(event)
        if self.history is not None:
            self._spawn(record_event(self.history, event, self._history_key(subject)))

    def _history_key(self, subject: str) -> str:
        slot = self.slots.get(subject)
        return slot.status.identity_key if slot is not None and slot.status else subject
