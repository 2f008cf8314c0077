"""Provides Rooms: the TUI's room models, learned per device from its history, hourly.

The same learning as the home service (``home.roomlearn``): the device's power and room readings
the TUI records, joined with the outdoor readings, fitted by ``controller.roommodel``. The
outdoor reading comes from the caller's ``RoomModel`` (the demo's weather reading), else from
the configured ``outdoor_sensor`` (read in a worker, guarded: a deadline, no exception, nothing
older than an hour used); a poll records it (at most every 30 s) beside the device's sample, on
the same clock (the app's: the demo's is the simulator's). The fitted heat loss goes to the
device's regulator (feed-forward, the "cannot be reached" warning) unless the caller gave one;
the one-line summary goes to the device screen (``RoomLearned``). No Textual here beyond
posting messages and starting workers; the reads run on the history's thread, the fit on a
worker thread.
"""

from __future__ import annotations

import os
import time
from typing import TYPE_CHECKING

from nanoheater.controller.regulator import Regulator
from nanoheater.controller.roommodel import RoomKnowledge, RoomLearning
from nanoheater.controller.sensors import SensorGuard
from nanoheater.exceptions import NanoheaterError
from nanoheater.home.roomlearn import (
    REFIT_S,
    apply,
    learn,
    outdoor_guard,
    store_source,
    top_power_w,
)
from nanoheater.home.zones import SENSOR_TOKEN_ENV
from nanoheater.models import HeaterStatus
from nanoheater.tui.messages import RoomLearned
from nanoheater.tui.regulation import RoomModel

if TYPE_CHECKING:
    from nanoheater.tui.app import NanoheaterApp

OUTDOOR_EVERY_S = 30.0
"""An outdoor reading is recorded at most this often (app clock) per device."""
NO_HISTORY = "Room model: none (it is learned from the history, and this run keeps none)"


class Rooms:
    """Each device's room model: learned from the history, given to its regulator."""

    def __init__(self, app: NanoheaterApp) -> None:
        """Learn for ``app``'s devices from its history (``app.storage.history``)."""
        self.app = app
        self.known: dict[str, RoomKnowledge] = {}
        self._due_s: dict[str, float] = {}
        self._learning: set[str] = set()
        self._outdoor_at_s: dict[str, float] = {}
        self._sensor: tuple[str, SensorGuard] | None = None
        """The configured outdoor sensor (its spec, to rebuild it when the settings change)."""
        self.outdoor_problem = ""
        """Why the configured outdoor sensor gives no reading now ("" when it does)."""
        self._reading = False

    def outdoor_sensor_c(self) -> float | None:
        """The configured outdoor sensor's reading, None when it is older than an hour."""
        sensor = self._sensor
        return sensor[1].fresh_c(time.time()) if sensor is not None else None

    def room_model(self, key: str) -> RoomModel | None:
        """What the regulator of ``key`` is told of its room: the caller's, else the sensor's."""
        given = self.app.devices.room_model_of(key)
        if given is not None or not self.app.settings.outdoor_sensor:
            return given
        return RoomModel(outdoor_c=lambda _t: self.outdoor_sensor_c())

    def polled(self, key: str, status: HeaterStatus, when: float) -> None:
        """After a poll received at ``when`` (app clock): record outdoor, refit when due."""
        if self.app.storage.history is None:
            return
        if when - self._outdoor_at_s.get(key, -OUTDOOR_EVERY_S) >= OUTDOOR_EVERY_S:
            self._outdoor_at_s[key] = when
            given = self.app.devices.room_model_of(key)
            if given is not None and given.outdoor_c is not None:
                outdoor = given.outdoor_c(when)
                if outdoor is not None:
                    self.app.storage.outdoor(when, outdoor)
            elif self.app.settings.outdoor_sensor and not self._reading:
                self._reading = True
                self.app.run_worker(self._read_outdoor(when), group="rooms", exit_on_error=False)
        if key in self._learning or when < self._due_s.get(key, -1.0):
            return
        self._learning.add(key)
        self._due_s[key] = when + REFIT_S
        self.app.run_worker(
            self._learn(key, status.identity_key, when), group="rooms", exit_on_error=False
        )

    async def _read_outdoor(self, when: float) -> None:
        """Read the configured outdoor sensor (guarded: deadline, no exception) and record it."""
        try:
            settings = self.app.settings
            spec = settings.outdoor_sensor
            if not spec:
                return
            if self._sensor is None or self._sensor[0] != spec:
                self._sensor = None
                token = os.environ.get(SENSOR_TOKEN_ENV)
                guard = outdoor_guard(spec, token=token, ca_file=settings.sensor_ca_file)
                self._sensor = (spec, guard)
            guard = self._sensor[1]
            value = await guard.read(time.time())
            self._outdoor_problem(f"outdoor sensor: {guard.problem}" if value is None else "")
            if value is not None:
                self.app.storage.outdoor(when, value)
        except NanoheaterError as exc:
            self._outdoor_problem(str(exc))  # a bad spec: no reading, and the screen says why
        finally:
            self._reading = False

    def _outdoor_problem(self, problem: str) -> None:
        """Note why there is no outdoor reading; the room lines say so when that starts or ends."""
        changed = bool(problem) != bool(self.outdoor_problem)
        self.outdoor_problem = problem
        if changed:
            for key in list(self.known):
                regulator = self.app.devices.regulators.get(key)
                self.app.post_message(RoomLearned(key, self.describe(key, regulator)))

    async def _learn(self, key: str, device: str, now_s: float) -> None:
        try:
            history = self.app.storage.history
            if history is None:
                return
            knowledge = await learn(store_source(history), [device], now_s)
            self.known[key] = knowledge
            regulator = self.app.devices.regulators.get(key)
            self.given(key, regulator)
            self.app.post_message(RoomLearned(key, self.describe(key, regulator)))
        finally:
            self._learning.discard(key)

    def given(self, key: str, regulator: Regulator | None) -> None:
        """Hand the fitted heat loss to ``key``'s regulator (a caller's own UA stays)."""
        apply(regulator, self.known.get(key))

    def describe(self, key: str, regulator: Regulator | None = None) -> str:
        """The device screen's line for ``key``."""
        if self.app.storage.history is None:
            return NO_HISTORY
        knowledge = self.known.get(key)
        if knowledge is None:
            return ""
        if isinstance(knowledge, RoomLearning):
            text = knowledge.describe()  # "learning the room: needs ..."
            if self.outdoor_problem and self.app.devices.room_model_of(key) is None:
                text += f" ({self.outdoor_problem})"
            return text[:1].upper() + text[1:]
        return f"Room: {knowledge.describe(top_power_w(regulator) or self._top_w(key))}"

    def _top_w(self, key: str) -> float | None:
        try:
            caps = self.app.devices.capabilities_of(key)
        except Exception:
            return None
        return max(p.power_w for p in caps.profiles)
