"""Provides Rooms: the TUI's room models, learned per device from its history, hourly.

The same learning as the home service (``home.roomlearn``): the device's power and room readings
the TUI records, joined with the outdoor readings, fitted by ``controller.roommodel``. The
outdoor reading comes from the caller's ``RoomModel`` (the demo's weather reading); each poll
records it beside the device's sample, on the same clock (the app's: the demo's is the
simulator's). The fitted heat loss goes to
the device's regulator (feed-forward, the "cannot be reached" warning) unless the caller gave
one; the one-line summary goes to the device screen (``RoomLearned``). No Textual here beyond
posting messages and starting workers; the reads run on the history's thread, the fit on a
worker thread.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from nanoheater.controller.regulator import Regulator
from nanoheater.controller.roommodel import RoomKnowledge, RoomLearning
from nanoheater.home.roomlearn import REFIT_S, apply, learn, store_source, top_power_w
from nanoheater.models import HeaterStatus
from nanoheater.tui.messages import RoomLearned

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

    def outdoor_c(self, key: str, now_s: float) -> float | None:
        """The outdoor reading for device ``key``'s room at ``now_s``, when the caller has one."""
        model = self.app.devices.room_model_of(key)
        if model is None or model.outdoor_c is None:
            return None
        return model.outdoor_c(now_s)

    def polled(self, key: str, status: HeaterStatus, when: float) -> None:
        """After a poll received at ``when`` (app clock): record outdoor, refit when due."""
        if self.app.storage.history is None:
            return
        outdoor = self.outdoor_c(key, when)
        if outdoor is not None and when - self._outdoor_at_s.get(key, -OUTDOOR_EVERY_S) >= (
            OUTDOOR_EVERY_S
        ):
            self._outdoor_at_s[key] = when
            self.app.storage.outdoor(when, outdoor)
        if key in self._learning or when < self._due_s.get(key, -1.0):
            return
        self._learning.add(key)
        self._due_s[key] = when + REFIT_S
        self.app.run_worker(
            self._learn(key, status.identity_key, when), group="rooms", exit_on_error=False
        )

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
            return text[:1].upper() + text[1:]
        return f"Room: {knowledge.describe(top_power_w(regulator) or self._top_w(key))}"

    def _top_w(self, key: str) -> float | None:
        try:
            caps = self.app.devices.capabilities_of(key)
        except Exception:
            return None
        return max(p.power_w for p in caps.profiles)
