"""Provides Home: the one owner of the heaters, zones, regulators, history and user intents.

Plain asyncio, no HTTP and no Textual: ``nanoheater serve`` wraps it in the API, the TUI and the
bridges subscribe to it. Loops: a poll of every device each ``poll_interval_s`` (a device whose
poll is still in flight is skipped, so a stalled one never holds up the rest), a control tick of
every regulated zone each ``control_interval_s``, an optional discovery rescan, and a market
refresh. Everything a user sets is persisted at once (``intents.json``) and re-applied on start.
Time is this machine's clock, never a device's.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Coroutine
from dataclasses import replace
from typing import Any

from nanoheater.controller.build import local_zone
from nanoheater.economics.market import load_market
from nanoheater.economics.origin import market_origin
from nanoheater.history.retention import RetentionPolicy
from nanoheater.history.series import DeviceSeries, Window, window_since
from nanoheater.history.store import DATABASE_FILE, AsyncHistoryStore
from nanoheater.history.window_json import window_json
from nanoheater.home.base import log
from nanoheater.home.chart_marks import quiet_spans, schedule_steps
from nanoheater.home.device_set import DeviceSet
from nanoheater.home.devices import resolve_device
from nanoheater.home.intents import Intents
from nanoheater.home.records import read_events, read_ledger
from nanoheater.home.regulation import schedule_for
from nanoheater.home.roomlearn import file_source, store_source
from nanoheater.home.types import HomeEvent
from nanoheater.home.zones import leave_all

__all__ = ["STOP_WAIT_S", "Home"]

ROOM_CHECK_S = 60.0
"""How often the Home looks for a zone whose room model is due for a refit."""

QUIET_AHEAD_S = 3600.0
"""How far past now a zone window's quiet hours go (clients append live readings after it)."""
STOP_WAIT_S = 5.0
"""The longest a stop waits for cancelled work to unwind, or for one client to close."""


class Home(DeviceSet):
    """Owns every device, zone and intent; see ``docs/design.md`` ("The home service").

    Built in layers (``home.base``, ``home.zone_control``, ``home.zone_layout``,
    ``home.device_set``); this one adds the lifecycle (start, the loops, stop at the exit
    level), the market refresh and the history reads.
    """

    # -- lifecycle ----------------------------------------------------------------------------

    async def start(self) -> None:
        """Load intents, open the history, add the configured devices and start the loops."""
        if self.options.persist:
            self.intents = Intents.load(self.intents_path)
            self._adopt_intent_names()
        if self.options.history:
            self.history = await AsyncHistoryStore.open(
                self.options.data_dir / DATABASE_FILE,
                policy=RetentionPolicy.from_settings(self.settings.history),
                clock=self.clock,  # compaction on the same clock the readings are booked on
            )
            self.room_source = store_source(self.history)
        elif self.options.room_log is not None:
            self.room_source = file_source(self.options.room_log)
        for name, hosts in self.options.zones.items():
            self.zone_slots[name] = self._new_zone(name, named=True)
            for host in hosts:
                self.add_device(host, announce=False)
        for host in self.options.hosts:
            self.add_device(host, announce=False)
        self._running = True
        self._loops = [
            asyncio.create_task(self._every(self.options.poll_interval_s, self._poll_all)),
            asyncio.create_task(self._every(self.options.control_interval_s, self._tick_all)),
        ]
        if self.room_source is not None:
            self._loops.append(asyncio.create_task(self._every(ROOM_CHECK_S, self._learn_rooms)))
        if self.options.mdns or self.options.scan:
            rescan = self.options.rescan_interval_s
            self._loops.append(asyncio.create_task(self._every(rescan, self._discover)))
        if self.settings.market.live:
            refresh = self.options.market_refresh_s
            self._loops.append(asyncio.create_task(self._every(refresh, self._refresh_market)))
        self._event("home", "started", f"{len(self.slots)} devices, {len(self.zone_slots)} zones")

    async def stop(
        self,
        exit_level: str | None = None,
        *,
        wait_s: float = 0.0,
        on_wait: Callable[[str, float], None] | None = None,
    ) -> dict[str, str]:
        """Stop the loops, leave regulated devices at the exit level; the summary per device.

        ``wait_s``/``on_wait``: wait up to that long for a calibrating device to accept the
        exit level (``Regulator.shutdown``); the full summaries land in ``exit_summaries``.
        """
        level = exit_level or self.options.exit_level
        self._running = False
        for task in self._loops:
            task.cancel()
        for task in list(self._tasks):
            task.cancel()
        stopping = [*self._loops, *self._tasks]
        if stopping:
            # Bounded: a stop must reach the exit levels even if some task will not unwind.
            await asyncio.wait(stopping, timeout=STOP_WAIT_S)
        self._event("home", "stopping", f"leaving regulated devices at {level}")
        outcomes = await self._leave(level, wait_s, on_wait)
        for address, outcome in outcomes.items():
            # One journal line per device, in the words thermostat and the TUI use on quit.
            log.info("exit: %s: %s", address, outcome)
            self._event(address, "exit", f"exit level {level}: {outcome}", logged=False)
        for slot in self.slots.values():
            if slot.client is not None:
                with contextlib.suppress(Exception):
                    await asyncio.wait_for(slot.client.close(), STOP_WAIT_S)
        await self._drain()
        if self.history is not None:
            await self.history.close()
            self.history = None
        self.bus.close()
        return outcomes

    async def _leave(
        self, level: str, wait_s: float, on_wait: Callable[[str, float], None] | None
    ) -> dict[str, str]:
        zones = [z for z in self.zone_slots.values() if z.regulator is not None]
        return await leave_all(
            zones,
            level,
            self.options.exit_timeout_s,
            wait_s=wait_s,
            on_wait=on_wait,
            summaries=self.exit_summaries,
        )

    async def _every(
        self, interval_s: float, work: Callable[[], Coroutine[Any, Any, None]]
    ) -> None:
        while self._running:
            try:
                await work()
            except Exception:
                log.exception("home loop step failed")
            await asyncio.sleep(interval_s)

    async def _drain(self) -> None:
        """Wait for history writes in flight (so a stop loses none)."""
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=5.0)

    async def _refresh_market(self) -> None:
        self.market = await load_market(self.settings.market, self.options.data_dir)

    # -- history reads --------------------------------------------------------------------------

    def _device_key(self, device: str | None) -> str | None:
        if device is None:
            return None
        return self._history_key(resolve_device(self.slots.values(), device).address)

    async def events_since(self, since_s: float, device: str | None = None) -> list[HomeEvent]:
        """Events from the history since ``since_s`` (optionally of one device)."""
        key = self._device_key(device)
        return [] if self.history is None else await read_events(self.history, since_s, key)

    async def zone_window(self, ref: str, window: Window) -> dict[str, Any]:
        """The zone ``ref`` over ``window`` to now from the history (``window_json``'s object).

        Its room under the zone's set-point and its devices' total power (``zone_window``),
        with ``devices``: their history keys, and under the room the quiet hours and schedule
        steps of the zone's target (``room_marks``; the quiet hours to an hour past now, so a
        client appending live readings keeps them shaded). Without a history: no points.
        """
        zone = self._zone_slot(ref)
        keys = [self._history_key(address) for address in zone.addresses]
        until = self.clock()
        since = window_since(window, until)
        if self.history is None:
            series = DeviceSeries(zone.name, window, since, until, (), (), ())
        else:
            series = await self.history.call(
                lambda store: store.zone_window(zone.name, keys, window, until)
            )
        target = self.intents.targets.get(zone.name)
        regulated = target is not None and target.kind != "off"
        schedule = schedule_for(target) if target is not None and regulated else None
        quiet_until = until + QUIET_AHEAD_S
        config = self.settings.caps.quiet_hours
        tz = local_zone()
        quiet = quiet_spans(schedule, regulated, config, since, quiet_until, tz)
        steps = schedule_steps(schedule, since, until, tz)
        series = replace(series, quiet=tuple(quiet), steps=tuple(steps))
        return window_json(series) | {"devices": keys}

    async def ledger(
        self, since_s: float, until_s: float | None = None, device: str | None = None
    ) -> dict[str, Any]:
        """Energy, heat, sats, cost and revenue totals since ``since_s``.

        ``market`` says where the market figures the service uses now come from and how old
        they are (dated fallback values say so); each reading's sats and revenue were counted
        with the market of its time.
        """
        until = self.clock() if until_s is None else until_s
        key = self._device_key(device)
        if self.history is None:
            return {"since_s": since_s, "until_s": until, "device": key}
        market = market_origin(self.market, self.settings.market, time.time())
        return await read_ledger(self.history, since_s, until, key) | {"market": market}
