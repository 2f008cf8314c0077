"""Provides World: the rooms, the heaters in them and the clock that drives them all.

Everything advances on a fixed 1 s grid anchored at the world's start, up to ``clock.now()``:
however often (or rarely) ``sync()`` is called, the same steps run with the same random draws,
so a run's results do not depend on the polling pattern. Rooms do not exchange heat with each
other, so each room and its heaters are advanced as one group for a whole stretch, which keeps
the hot loop free of per-step bookkeeping.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from firmware_sim.clock import Clock, VirtualClock
from firmware_sim.market import Market
from firmware_sim.room import Outdoor, Room

if TYPE_CHECKING:
    from firmware_sim.device import SimulatedHeater

STEP_S = 1.0
"""Grid step; the chip/fan loop has time constants of seconds (physics.md §5.2)."""

Observer = Callable[[float], None]
"""Called with the grid time after the step that reaches it."""


class World:
    """Rooms, heaters, outdoor weather and market, advanced together on a 1 s grid."""

    def __init__(
        self,
        clock: Clock | None = None,
        seed: int = 0,
        *,
        outdoor: Outdoor | None = None,
        market: Market | None = None,
    ) -> None:
        self.clock: Clock = clock if clock is not None else VirtualClock()
        self.seed = seed
        self.outdoor = outdoor if outdoor is not None else Outdoor()
        self.market = market if market is not None else Market()
        self.rooms: list[Room] = []
        self.heaters: list[SimulatedHeater] = []
        self.time_s = float(math.floor(self.clock.now()))
        """Grid time up to which everything has been advanced."""
        self._observers: list[tuple[float, float, Observer]] = []

    def add_room(self, room: Room) -> Room:
        """Register ``room`` (idempotent) and return it."""
        if not any(r is room for r in self.rooms):
            self.rooms.append(room)
        return room

    def add_heater(self, heater: SimulatedHeater) -> None:
        """Register ``heater``; its room is registered too."""
        self.add_room(heater.room)
        self.heaters.append(heater)

    def heaters_in(self, room: Room) -> list[SimulatedHeater]:
        """Return the heaters that warm ``room``."""
        return [h for h in self.heaters if h.room is room]

    def add_observer(self, callback: Observer, interval_s: float) -> None:
        """Call ``callback(t)`` at every grid time that is a multiple of ``interval_s``."""
        if interval_s < STEP_S or interval_s != math.floor(interval_s):
            raise ValueError("observer interval must be a whole number of seconds >= 1")
        first = float(math.floor(self.time_s / interval_s) * interval_s + interval_s)
        self._observers.append((interval_s, first, callback))

    def remove_observer(self, callback: Observer) -> None:
        """Stop calling ``callback``."""
        # Equality, not identity: a bound method is a new object on every attribute access.
        self._observers = [o for o in self._observers if o[2] != callback]

    def outdoor_c(self) -> float:
        """Return the outdoor temperature at the current grid time."""
        return self.outdoor.temp_c(self.time_s)

    def sync(self) -> None:
        """Advance everything on the 1 s grid up to ``clock.now()``."""
        self.advance_to(float(math.floor(self.clock.now())))

    def run_for(self, seconds: float) -> None:
        """Advance a virtual clock by ``seconds`` and sync (only for :class:`VirtualClock`)."""
        if not isinstance(self.clock, VirtualClock):
            raise TypeError("run_for needs a VirtualClock; other clocks advance by themselves")
        self.clock.advance(seconds)
        self.sync()

    def advance_to(self, end_s: float) -> None:
        """Advance everything to grid time ``end_s`` (stopping at observer times on the way)."""
        if end_s <= self.time_s:
            return
        for h in self.heaters:
            h.physics.refresh_market()
        while self.time_s < end_s:
            stop = end_s
            for _interval, due, _cb in self._observers:
                if due < stop:
                    stop = due
            self._run_groups(self.time_s, int(stop - self.time_s))
            self.time_s = stop
            self._fire_observers(stop)

    def _fire_observers(self, t_s: float) -> None:
        for k, (interval, due, cb) in enumerate(self._observers):
            if due <= t_s:
                cb(t_s)
                self._observers[k] = (interval, due + interval, cb)

    def _run_groups(self, start_s: float, n_steps: int) -> None:
        temp_c = self.outdoor.temp_c
        for room in self.rooms:
            steps = [h.physics.step for h in self.heaters if h.room is room]
            room_step = room.step
            t = start_s
            if len(steps) == 1:
                only = steps[0]
                for _ in range(n_steps):
                    room_step(STEP_S, only(STEP_S, t, room.air_c), temp_c(t))
                    t += STEP_S
            else:
                for _ in range(n_steps):
                    inlet = room.air_c
                    p = 0.0
                    for s in steps:
                        p += s(STEP_S, t, inlet)
                    room_step(STEP_S, p, temp_c(t))
                    t += STEP_S
