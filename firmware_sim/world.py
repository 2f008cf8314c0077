"""Provides World: the rooms, the heaters in them and the clock that drives them all.

Everything advances on a fixed 1 s grid anchored at the world's start, up to ``clock.now()``:
however often (or rarely) ``sync()`` is called, the same steps run with the same random draws,
so a run's results do not depend on the polling pattern. Rooms do not exchange heat with each
other, so each room and its heaters are advanced as one group for a whole stretch, which keeps
the hot loop free of per-step bookkeeping.

Each group keeps its own grid time. A request needs only its own device's room, so
:meth:`World.sync_room` advances that one group (O(1) in the fleet size, not O(rooms)); the
fleet's background tick and every control action still call :meth:`World.sync` for all of them.
A group's steps and random draws do not depend on when it is advanced, so lazy groups give the
same results. While an observer is registered every sync is a full one, because observers see
the whole world at one grid time.
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
"""Grid step; the chip/fan loop has time constants of seconds (docs/physics.md §5.2)."""

Observer = Callable[[float], None]
"""Called with the grid time after the step that reaches it."""


class _Group:
    """One room, the heaters in it and the grid time up to which they have been advanced."""

    __slots__ = ("heaters", "room", "steps", "time_s")

    def __init__(self, room: Room, time_s: float) -> None:
        self.room = room
        self.heaters: list[SimulatedHeater] = []
        self.steps: list[Callable[[float, float, float], float]] = []
        self.time_s = time_s


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
        """Grid time up to which everything has been advanced (a room may be further on)."""
        self._observers: list[tuple[float, float, Observer]] = []
        # Keyed by id(): rooms are compared by identity, and the group keeps the room alive.
        self._groups: dict[int, _Group] = {}

    def add_room(self, room: Room) -> Room:
        """Register ``room`` (idempotent) and return it."""
        if id(room) not in self._groups:
            self.rooms.append(room)
            self._groups[id(room)] = _Group(room, self.time_s)
        return room

    def add_heater(self, heater: SimulatedHeater) -> None:
        """Register ``heater``; its room is registered too."""
        self.add_room(heater.room)
        group = self._groups[id(heater.room)]
        group.heaters.append(heater)
        group.steps.append(heater.physics.step)
        self.heaters.append(heater)

    def heaters_in(self, room: Room) -> list[SimulatedHeater]:
        """Return the heaters that warm ``room``."""
        group = self._groups.get(id(room))
        return list(group.heaters) if group is not None else []

    def add_observer(self, callback: Observer, interval_s: float) -> None:
        """Call ``callback(t)`` at every grid time that is a multiple of ``interval_s``."""
        if interval_s < STEP_S or interval_s != math.floor(interval_s):
            raise ValueError("observer interval must be a whole number of seconds >= 1")
        # Rooms synced on their own may be ahead: bring the others level first.
        ahead = max((g.time_s for g in self._groups.values()), default=self.time_s)
        self.advance_to(ahead)
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

    def sync_room(self, room: Room) -> None:
        """Advance ``room`` and its heaters up to ``clock.now()`` (everything, with observers)."""
        group = self._groups.get(id(room))
        if group is None or self._observers:
            self.sync()
            return
        end_s = float(math.floor(self.clock.now()))
        if end_s > group.time_s:
            self._run_group(group, end_s, None)

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
        while self.time_s < end_s:
            stop = end_s
            for _interval, due, _cb in self._observers:
                if due < stop:
                    stop = due
            # One outdoor series for the stretch, shared by every room that starts with it.
            outdoor = self._outdoor_series(self.time_s, int(stop - self.time_s))
            for group in self._groups.values():
                if group.time_s < stop:
                    self._run_group(group, stop, outdoor if group.time_s == self.time_s else None)
            self.time_s = stop
            self._fire_observers(stop)

    def _fire_observers(self, t_s: float) -> None:
        for k, (interval, due, cb) in enumerate(self._observers):
            if due <= t_s:
                cb(t_s)
                self._observers[k] = (interval, due + interval, cb)

    def _outdoor_series(self, start_s: float, n_steps: int) -> list[float]:
        temp_c = self.outdoor.temp_c
        return [temp_c(start_s + k * STEP_S) for k in range(n_steps)]

    def _run_group(self, group: _Group, end_s: float, outdoor: list[float] | None) -> None:
        """Advance one group from its own grid time to ``end_s``; ``outdoor`` if precomputed."""
        t = group.time_s
        n_steps = int(end_s - t)
        if outdoor is None:
            outdoor = self._outdoor_series(t, n_steps)
        for h in group.heaters:
            h.physics.refresh_market()
        gains = group.room.gains
        group.room.run(group.steps, t, outdoor, None if gains is None else gains.series(t, n_steps))
        group.time_s = end_s
