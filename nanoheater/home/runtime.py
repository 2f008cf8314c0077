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
import logging
import time
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from nanoheater.client import HeaterClient
from nanoheater.config import Settings
from nanoheater.controller.leave import ExitSummary
from nanoheater.economics.market import MarketInputs, load_market, offline_market
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.history.retention import RetentionPolicy
from nanoheater.history.store import DATABASE_FILE, AsyncHistoryStore
from nanoheater.home.bus import Bus, Subscription
from nanoheater.home.commands import check, describe, run_command
from nanoheater.home.devices import DeviceSlot, UnknownRef, address_of, resolve_device
from nanoheater.home.intents import INTENTS_FILE, Intents
from nanoheater.home.options import DEFAULT_OVERRIDE_S, HomeOptions, describe_error
from nanoheater.home.records import (
    read_events,
    read_ledger,
    record_decision,
    record_event,
    record_reading,
)
from nanoheater.home.types import (
    DeviceView,
    HomeEvent,
    Override,
    Reading,
    Target,
    ZoneView,
)
from nanoheater.home.zones import ZoneSlot, arm_room_limits, leave_all
from nanoheater.protocol.sanitize import sanitize
from nanoheater.units import celsius

log = logging.getLogger(__name__)


STOP_WAIT_S = 5.0
"""The longest a stop waits for cancelled work to unwind, or for one client to close."""


class Home:
    """Owns every device, zone and intent; see ``docs/design.md`` ("The home service")."""

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
        for name, hosts in options.zones.items():
            for host in hosts:
                self._zone_of[address_of(host)] = name

    # -- lifecycle ------------------------------------------------------------------------------

    @property
    def intents_path(self) -> Path:
        """``<data_dir>/intents.json``."""
        return self.options.data_dir / INTENTS_FILE

    async def start(self) -> None:
        """Load intents, open the history, add the configured devices and start the loops."""
        if self.options.persist:
            self.intents = Intents.load(self.intents_path)
        if self.options.history:
            self.history = await AsyncHistoryStore.open(
                self.options.data_dir / DATABASE_FILE,
                policy=RetentionPolicy.from_settings(self.settings.history),
            )
        for name, hosts in self.options.zones.items():
            self.zone_slots[name] = self._new_zone(name)
            for host in hosts:
                self.add_device(host, announce=False)
        for host in self.options.hosts:
            self.add_device(host, announce=False)
        self._running = True
        self._loops = [
            asyncio.create_task(self._every(self.options.poll_interval_s, self._poll_all)),
            asyncio.create_task(self._every(self.options.control_interval_s, self._tick_all)),
        ]
        if self.options.mdns or self.options.scan:
            rescan = self.options.rescan_interval_s
            self._loops.append(asyncio.create_task(self._every(rescan, self._discover)))
        if self.settings.market.live:
            refresh = self.options.market_refresh_s
            self._loops.append(asyncio.create_task(self._every(refresh, self._refresh_market)))
        self._event("home", "started", f"{len(self.slots)} devices, {len(self.zone_slots)} zones")

    def _new_zone(self, name: str) -> ZoneSlot:
        return ZoneSlot(name, adjust=self.options.zone_choices)

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
            log.info("exit: %s: %s", address, outcome)
            self._event(address, "exit", f"exit level {level}: {outcome}")
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

    async def _drain(self) -> None:
        """Wait for history writes in flight (so a stop loses none)."""
        pending = [t for t in self._tasks if not t.done()]
        if pending:
            await asyncio.wait(pending, timeout=5.0)

    # -- devices --------------------------------------------------------------------------------

    def add_device(self, host: str, *, announce: bool = True) -> DeviceSlot:
        """Own ``host[:port]`` from now on (no-op when already owned)."""
        slot = DeviceSlot.at(host)
        if slot.address in self.slots:
            return self.slots[slot.address]
        slot.zone = self._zone_of.get(slot.address, slot.address)
        # A rename through the service (intents.json) wins over one kept in config.toml (the TUI's).
        names = self.settings.device_names()
        slot.name = self.intents.names.get(slot.address) or names.get(slot.address, "")
        self.slots[slot.address] = slot
        zone = self.zone_slots.setdefault(slot.zone, self._new_zone(slot.zone))
        if slot.address not in zone.addresses:
            zone.addresses.append(slot.address)
            zone.regulator = None  # membership changed: rebuild on the next tick
        if announce:
            self._event(slot.address, "device_added", f"zone {slot.zone}")
        if self._running:
            self._spawn(self._poll(slot))
        return slot

    async def rename(self, ref: str, name: str) -> DeviceView:
        """Give device ``ref`` a name (empty: back to its address); persisted at once."""
        slot = resolve_device(self.slots.values(), ref)
        name = name.strip()
        if len(name) > 64 or not name.isprintable():
            raise UsageError("a name is at most 64 printable characters")
        clash = [s for s in self.slots.values() if s is not slot and name and s.name == name]
        if clash:
            raise UsageError(f"{clash[0].address} is already called {name!r}")
        slot.name = name
        if name:
            self.intents.names[slot.address] = name
        else:
            self.intents.names.pop(slot.address, None)
        self._save()
        self._event(slot.address, "rename", name or "(no name)")
        return slot.view()

    async def forget(self, ref: str) -> None:
        """Stop owning device ``ref`` until a restart or ``add_device``.

        Its slot, its place in its zone (a one-device zone goes with it) and its name intent go;
        a ``device_forgotten`` event tells the bridges, which remove it from Home Assistant.
        """
        slot = resolve_device(self.slots.values(), ref)
        del self.slots[slot.address]
        self.forgotten.add(slot.address)
        zone = self.zone_slots.get(slot.zone)
        if zone is not None and slot.address in zone.addresses:
            zone.addresses.remove(slot.address)
            zone.regulator = None  # membership changed: rebuild on the next tick
            if not zone.addresses and zone.name == slot.address:
                del self.zone_slots[zone.name]
                self.intents.targets.pop(zone.name, None)
                self.intents.overrides.pop(zone.name, None)
        self.intents.names.pop(slot.address, None)
        self._save()
        if slot.client is not None:
            with contextlib.suppress(Exception):
                await slot.client.close()
        self._event(slot.address, "device_forgotten", slot.name or slot.address)

    def record_event(self, subject: str, type: str, detail: str) -> None:
        """Add an event from outside the runtime (an alert) to the stream and the history."""
        self._event(subject, type, detail)

    def devices(self) -> list[DeviceView]:
        """Every owned device, in address order."""
        return [s.view() for s in sorted(self.slots.values(), key=lambda s: s.address)]

    def device(self, ref: str) -> DeviceView:
        """The device ``ref`` names (address, host, identity or name)."""
        return resolve_device(self.slots.values(), ref).view()

    async def _client(self, slot: DeviceSlot) -> HeaterClient:
        if slot.client is None:
            slot.client = await HeaterClient.connect(slot.address, timeout_s=self.options.timeout_s)
        return slot.client

    async def _poll_all(self) -> None:
        for slot in list(self.slots.values()):
            if not slot.polling:
                slot.polling = True
                self._spawn(self._poll(slot))

    async def _poll(self, slot: DeviceSlot) -> None:
        slot.polling = True
        try:
            client = await self._client(slot)
            status = await client.get_status()
        except Exception as exc:
            was = slot.online
            slot.online, slot.error = False, describe_error(exc)
            if was:
                self._event(slot.address, "device_lost", slot.error)
            self.bus.publish(Reading(self.clock(), slot.view()))
            return
        finally:
            slot.polling = False
        self.saw(slot, status)
        zone = self.zone_slots.get(slot.zone)
        if zone is not None and zone.needs_first_tick(self.intents):
            self._spawn(self._tick(zone))

    def saw(self, slot: DeviceSlot, status: Any) -> None:
        """Take ``status`` as ``slot``'s reading: regulator, history, subscribers, readiness."""
        now = self.clock()
        if slot.ever_online and not slot.online:
            self._event(slot.address, "device_back", "answering again")
        slot.status, slot.online, slot.error, slot.updated_s = status, True, None, now
        slot.ever_online = True
        slot.room_c = status.inlet_temp_c
        zone = self.zone_slots.get(slot.zone)
        if zone is not None:
            zone.saw(slot.address, status, now)
        if self.history is not None:
            self._spawn(self._record(status, now, slot.room_c))
        self.bus.publish(Reading(now, slot.view()))
        self.ready.set()

    async def _record(self, status: Any, now: float, room_c: float | None) -> None:
        if self.history is not None:
            market, tariff = self.market, self.settings.tariff
            await record_reading(self.history, status, now, room_c, market, tariff)

    async def _discover(self) -> None:
        from nanoheater.discovery import browse

        async for heater in browse(mdns=self.options.mdns, scan=self.options.scan):
            address = str(heater.address)
            if address not in self.slots and address not in self.forgotten:
                self.add_device(address)

    async def _refresh_market(self) -> None:
        self.market = await load_market(self.settings.market, self.options.data_dir)

    # -- zones ----------------------------------------------------------------------------------

    def zones(self) -> list[ZoneView]:
        """Every zone, by name."""
        return [self._zone_view(z) for z in sorted(self.zone_slots.values(), key=lambda z: z.name)]

    def zone(self, ref: str) -> ZoneView:
        """The zone ``ref`` names, or the zone of the device ``ref`` names."""
        return self._zone_view(self._zone_slot(ref))

    def _zone_slot(self, ref: str) -> ZoneSlot:
        zone = self.zone_slots.get(ref.strip())
        if zone is not None:
            return zone
        try:
            return self.zone_slots[resolve_device(self.slots.values(), ref).zone]
        except UnknownRef:
            raise UnknownRef(f"no zone or device {sanitize(ref, 80)!r} in this home") from None

    def _zone_view(self, zone: ZoneSlot) -> ZoneView:
        return zone.view(self.intents.targets.get(zone.name), self.intents.overrides.get(zone.name))

    async def set_target(self, ref: str, target: Target | None) -> ZoneView:
        """Aim zone ``ref`` at ``target`` (None: stop regulating; devices keep what they run)."""
        zone = self._zone_slot(ref)
        if target is not None:
            zone.validate(
                target, self.settings, self.options.control_interval_s, self.clock, self.slots
            )
            self.intents.targets[zone.name] = target
        else:
            self.intents.targets.pop(zone.name, None)
        self.intents.overrides.pop(zone.name, None)
        self._save()
        await zone.settle()
        zone.regulator = None
        self._event(zone.name, "target", target.describe() if target else "manual control")
        if target is not None:
            self._spawn(self._tick(zone))
        return self._zone_view(zone)

    async def resume(self, ref: str) -> ZoneView:
        """End zone ``ref``'s manual override now; its target applies at once."""
        zone = self._zone_slot(ref)
        if self.intents.overrides.pop(zone.name, None) is not None:
            self._save()
            self._event(zone.name, "resume", "manual override ended")
        if zone.name in self.intents.targets:
            self._spawn(self._tick(zone))
        return self._zone_view(zone)

    async def command(
        self,
        ref: str,
        action: str,
        value: str | int | None = None,
        *,
        override_s: float | None = None,
    ) -> DeviceView:
        """Send a manual command; on a regulated device it becomes its zone's override."""
        slot = resolve_device(self.slots.values(), ref)
        check(action, value)
        text = describe(action, value)
        zone = self.zone_slots[slot.zone]
        if zone.name in self.intents.targets:
            until = self.clock() + (DEFAULT_OVERRIDE_S if override_s is None else override_s)
            self.intents.overrides[zone.name] = Override(slot.address, text, until)
            self._save()
            await zone.settle()
            self._event(zone.name, "override", f"{slot.address}: {text} (manual until {until:.0f})")
        client = await self._client(slot)
        try:
            status = await run_command(client, action, value)
        except NanoheaterError as exc:
            self._event(slot.address, "command_failed", f"{text}: {describe_error(exc)}")
            raise
        self._event(slot.address, "command", text)
        if status is not None:
            self.saw(slot, status)
        return slot.view()

    async def _tick_all(self) -> None:
        now = self.clock()
        for zone in list(self.zone_slots.values()):
            override = self.intents.overrides.get(zone.name)
            if override is not None and now >= override.until_s:
                del self.intents.overrides[zone.name]
                self._save()
                self._event(zone.name, "resume", "manual override expired")
            if zone.name in self.intents.targets and not zone.ticking:
                self._spawn(self._tick(zone))

    async def _tick(self, zone: ZoneSlot) -> None:
        target = self.intents.targets.get(zone.name)
        if target is None or zone.name in self.intents.overrides or zone.ticking:
            return
        decision = await zone.tick(
            target, self.slots, self.settings, self.options.control_interval_s, self.clock
        )
        if decision is None:
            return
        if self.options.backstops:
            await self._arm_backstops(zone)
        self.bus.publish(decision)
        for warning in decision.warnings:
            self._event(zone.name, "warning", warning)
        if self.history is not None:
            keys = {a: self._history_key(a) for a in decision.applied}
            await record_decision(self.history, decision, keys)

    async def _arm_backstops(self, zone: ZoneSlot) -> None:
        """Set each regulated device's own safety limit once per run (docs/service.md)."""
        limit_c = round(self.settings.caps.max_room_temp_c)
        for label, error in await arm_room_limits(zone, limit_c, self._backstops):
            if error is None:
                self._event(label, "backstop", f"device room limit {celsius(limit_c)}")
            else:
                self._event(label, "warning", f"room limit not set: {error}")

    def _history_key(self, subject: str) -> str:
        slot = self.slots.get(subject)
        return slot.status.identity_key if slot is not None and slot.status else subject

    # -- events, persistence --------------------------------------------------------------------

    def subscribe(self, maxsize: int = 1000) -> Subscription:
        """Readings, decisions and events from now on (a slow reader loses its oldest)."""
        return self.bus.subscribe(maxsize)

    def _save(self) -> None:
        if self.options.persist:
            self.intents.save(self.intents_path)

    def _event(self, subject: str, kind: str, detail: str) -> None:
        event = HomeEvent(self.clock(), subject, kind, sanitize(detail, 500))
        log.info("%s %s: %s", kind, subject, event.detail)
        self.bus.publish(event)
        if self.history is not None:
            self._spawn(record_event(self.history, event, self._history_key(subject)))

    def _device_key(self, device: str | None) -> str | None:
        if device is None:
            return None
        return self._history_key(resolve_device(self.slots.values(), device).address)

    async def events_since(self, since_s: float, device: str | None = None) -> list[HomeEvent]:
        """Events from the history since ``since_s`` (optionally of one device)."""
        key = self._device_key(device)
        return [] if self.history is None else await read_events(self.history, since_s, key)

    async def ledger(
        self, since_s: float, until_s: float | None = None, device: str | None = None
    ) -> dict[str, Any]:
        """Energy, heat, sats, cost and revenue totals since ``since_s``."""
        until = self.clock() if until_s is None else until_s
        key = self._device_key(device)
        if self.history is None:
            return {"since_s": since_s, "until_s": until, "device": key}
        return await read_ledger(self.history, since_s, until, key)
