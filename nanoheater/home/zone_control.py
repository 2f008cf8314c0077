"""Provides ZoneControl: the Home's zones, their targets and overrides, and the control ticks.

A target is persisted at once (``intents.json``); a manual command on a regulated device becomes
its zone's override until it expires or ``resume`` ends it. Each tick runs the zone's
``Regulator`` (``home.zones.ZoneSlot``), arms the devices' own room limits once per run and
records the decision.
"""

from __future__ import annotations

import contextlib

from nanoheater.exceptions import NanoheaterError
from nanoheater.home.base import HomeBase
from nanoheater.home.commands import check, describe, run_command
from nanoheater.home.devices import UnknownRef, resolve_device
from nanoheater.home.options import DEFAULT_OVERRIDE_S, describe_error
from nanoheater.home.records import record_decision
from nanoheater.home.roomlearn import REFIT_S, learn
from nanoheater.home.types import DeviceView, Override, Target, ZoneView
from nanoheater.home.zones import ZoneSlot, arm_room_limits
from nanoheater.protocol.sanitize import sanitize
from nanoheater.units import celsius


class ZoneControl(HomeBase):
    """Zones: views, targets, overrides, manual commands and the control ticks."""

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
        regulated = zone.name in self.intents.targets
        before = self.intents.overrides.get(zone.name)
        if regulated:
            until = self.clock() + (DEFAULT_OVERRIDE_S if override_s is None else override_s)
            self.intents.overrides[zone.name] = Override(slot.address, text, until)
            self._save()
            await zone.settle()
        try:
            status = await run_command(await self._client(slot), action, value)
        except NanoheaterError as exc:
            if regulated:  # Why: only a command the device took pauses the zone.
                self._restore_override(zone.name, before)
            self._event(slot.address, "command_failed", f"{text}: {describe_error(exc)}")
            raise
        if regulated:
            self._event(zone.name, "override", f"{slot.address}: {text} (manual until {until:.0f})")
        self._event(slot.address, "command", text)
        if status is not None:
            self.saw(slot, status)
        return slot.view()

    def _restore_override(self, zone: str, before: Override | None) -> None:
        """Put back the override zone ``zone`` had before a command that failed."""
        if before is None:
            self.intents.overrides.pop(zone, None)
        else:
            self.intents.overrides[zone] = before
        self._save()

    def _zone_keys(self, zone: ZoneSlot) -> tuple[str, ...]:
        """The history keys of the zone's devices read so far."""
        return tuple(
            slot.status.identity_key
            for a in zone.addresses
            if (slot := self.slots.get(a)) is not None and slot.status is not None
        )

    def _room_changed(self, zone: ZoneSlot) -> None:
        keys_changed = self._zone_keys(zone) != zone.room_keys
        if self.room_source is not None and not zone.learning and keys_changed:
            zone.learning = True
            self._spawn(self._learn_room(zone))

    async def _learn_rooms(self) -> None:
        """Refit every zone whose room model is due (hourly) or whose devices changed."""
        now = self.clock()
        for zone in list(self.zone_slots.values()):
            if zone.learning or self.room_source is None:
                continue
            if now >= zone.room_due_s or self._zone_keys(zone) != zone.room_keys:
                zone.learning = True
                await self._learn_room(zone)

    async def _learn_room(self, zone: ZoneSlot) -> None:
        try:
            keys = self._zone_keys(zone)
            if not keys or self.room_source is None:
                return
            now = self.clock()
            knowledge = await learn(self.room_source, keys, now)
            before = zone.room
            zone.learned(knowledge, keys, now + REFIT_S)
            text = knowledge.describe(
                zone.regulator.ladder.power_w(zone.regulator.ladder.top) if zone.regulator else None
            )
            if before is None or before.describe(None) != knowledge.describe(None):
                self._event(zone.name, "room", text)
        finally:
            zone.learning = False

    async def _record_outdoor(self) -> None:
        """Read the outdoor sensor (if configured) and record the outdoor reading (each tick)."""
        try:
            now = self.clock()
            guard = self.outdoor_sensor
            if guard is not None:
                # Guarded: ends by its deadline, raises nothing; None when nothing fresh.
                failing = await guard.read(now) is None
                if failing != self.outdoor_failing:
                    # One line when readings stop (with why) and one when they return.
                    self.outdoor_failing = failing
                    detail = f"no reading: {guard.problem}" if failing else "reading again"
                    self._event("home", "outdoor", f"outdoor sensor: {detail}")
            value, history = self.outdoor_now(now), self.history
            if value is not None and history is not None:
                with contextlib.suppress(Exception):  # a full disk: the readings report it
                    await history.call(lambda store: store.add_outdoor([(now, value)]))
        finally:
            self.reading_outdoor = False

    async def _tick_all(self) -> None:
        if not self.reading_outdoor:
            # In a task: a slow outdoor sensor (up to its deadline) must not delay the ticks.
            self.reading_outdoor = True
            self._spawn(self._record_outdoor())
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
