"""Provides ZoneLayout: making, renaming and removing zones, and moving devices between them.

Zones live in config.toml's ``[zones]`` (one home for them: the file a user edits and the next
start reads). An edit is written there first, atomically, keeping every other key of the file;
only then does the running Home change, so a refused write changes nothing. A zone's target and
override (``intents.json``) follow it through a rename and go with it when it is removed.

A device in no named zone is a zone of its own, named after its address; it joins a named zone
with ``assign`` and leaves it with ``unassign``. A named zone may be empty.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from typing import Any

from nanoheater.config import update_config
from nanoheater.exceptions import UsageError
from nanoheater.home.devices import DeviceSlot, address_of, resolve_device
from nanoheater.home.types import ZoneView
from nanoheater.home.zone_control import ZoneControl
from nanoheater.home.zones import ZoneSlot

MAX_ZONES = 500
"""More zones than any house has rooms; bounds what one client can make the service keep."""


class ZoneLayout(ZoneControl):
    """Zone edits, written to config.toml ``[zones]`` and applied to the running Home."""

    _edit_lock: asyncio.Lock | None = None

    @property
    def _editing(self) -> asyncio.Lock:
        """Held by each edit, so edits run one after the other.

        An edit writes the file, then awaits ticks in flight; another edit read in between would
        write a layout this one is still changing.
        """
        if self._edit_lock is None:
            self._edit_lock = asyncio.Lock()
        return self._edit_lock

    async def create_zone(self, name: str, devices: Sequence[str] = ()) -> ZoneView:
        """Make zone ``name``, optionally with ``devices`` (each leaves its zone for it)."""
        async with self._editing:
            name = self._new_name(name)
            if sum(z.named for z in self.zone_slots.values()) >= MAX_ZONES:
                raise UsageError(f"at most {MAX_ZONES} zones")
            slots = self._devices(devices)
            layout = self._layout()
            for members in layout.values():
                members[:] = [a for a in members if a not in {s.address for s in slots}]
            layout[name] = [s.address for s in slots]
            self._write(layout)
            zone = self.zone_slots[name] = self._new_zone(name, named=True)
            for slot in slots:
                await self._move(slot, zone)
            self._event(name, "zone", f"made with {len(slots)} devices")
            return self._zone_view(zone)

    async def rename_zone(self, ref: str, name: str) -> ZoneView:
        """Call named zone ``ref`` ``name``; its target and override follow it."""
        async with self._editing:
            zone = self._named(ref)
            name = self._new_name(name, allow=zone.name)
            if name == zone.name:
                return self._zone_view(zone)
            layout = {(name if z == zone.name else z): m for z, m in self._layout().items()}
            self._write(layout)
            old = zone.name
            del self.zone_slots[old]
            zone.name = name
            self.zone_slots[name] = zone
            for address in zone.addresses:
                self._zone_of[address] = name
                if (slot := self.slots.get(address)) is not None:
                    slot.zone = name
            if (target := self.intents.targets.pop(old, None)) is not None:
                self.intents.targets[name] = target
            if (override := self.intents.overrides.pop(old, None)) is not None:
                self.intents.overrides[name] = override
            self._save()
            self._event(name, "zone", f"renamed from {old}")
            return self._zone_view(zone)

    async def delete_zone(self, ref: str) -> list[ZoneView]:
        """Remove named zone ``ref`` and its target; each device becomes a zone of its own.

        The devices keep what they run (as when a target is cleared). Returns every zone.
        """
        async with self._editing:
            zone = self._named(ref)
            layout = self._layout()
            del layout[zone.name]
            self._write(layout)
            await zone.settle()
            for address in list(zone.addresses):
                if (slot := self.slots.get(address)) is not None:
                    await self._move(slot, self._own_zone(slot))
            del self.zone_slots[zone.name]
            self.intents.targets.pop(zone.name, None)
            self.intents.overrides.pop(zone.name, None)
            self._save()
            self._event(zone.name, "zone", "removed; its devices are zones of their own")
            return self.zones()

    async def assign(self, ref: str, devices: Sequence[str]) -> ZoneView:
        """Move ``devices`` into named zone ``ref`` (each leaves the zone it was in)."""
        async with self._editing:
            zone = self._named(ref)
            slots = self._devices(devices)
            if not slots:
                raise UsageError("give at least one device")
            moving = {s.address for s in slots}
            layout = self._layout()
            for members in layout.values():
                members[:] = [a for a in members if a not in moving]
            layout[zone.name] += [s.address for s in slots]
            self._write(layout)
            for slot in slots:
                await self._move(slot, zone)
            self._event(zone.name, "zone", "now has " + ", ".join(zone.addresses))
            return self._zone_view(zone)

    async def unassign(self, ref: str, device: str) -> ZoneView:
        """Take ``device`` out of named zone ``ref``: it becomes a zone of its own."""
        async with self._editing:
            zone = self._named(ref)
            slot = resolve_device(self.slots.values(), device)
            if slot.address not in zone.addresses:
                raise UsageError(f"{slot.address} is not in zone {zone.name}")
            layout = self._layout()
            layout[zone.name].remove(slot.address)
            self._write(layout)
            await self._move(slot, self._own_zone(slot))
            self._event(zone.name, "zone", f"{slot.address} left it")
            return self._zone_view(zone)

    # -- helpers ----------------------------------------------------------------------------------

    def _named(self, ref: str) -> ZoneSlot:
        """The named zone ``ref`` names (a device ref: its zone; its own zone cannot be edited)."""
        zone = self._zone_slot(ref)
        if not zone.named:
            raise UsageError(
                f"{zone.name} is a device's own zone; make a zone (zones add NAME) and assign it"
            )
        return zone

    def _new_name(self, name: str, allow: str | None = None) -> str:
        if not (name := name.strip()):
            raise UsageError("give a zone name")
        if len(name) > 64 or not name.isprintable():
            raise UsageError("a zone name is at most 64 printable characters")
        if name != allow and name in self.zone_slots:
            raise UsageError(f"there is already a zone {name!r}")
        try:
            slot = resolve_device(self.slots.values(), name)
        except UsageError:
            return name  # names no device (or several): a zone name cannot be read as one
        raise UsageError(f"{name!r} names the device {slot.address}; pick another zone name")

    def _devices(self, refs: Iterable[str]) -> list[DeviceSlot]:
        found: list[DeviceSlot] = []
        for ref in refs:
            if not isinstance(ref, str):
                raise UsageError("devices are given as strings (host, host:port, name)")
            slot = resolve_device(self.slots.values(), ref)
            if slot not in found:
                found.append(slot)
        return found

    def _layout(self) -> dict[str, list[str]]:
        """The named zones and their devices now, as ``[zones]`` will hold them."""
        return {z.name: list(z.addresses) for z in self.zone_slots.values() if z.named}

    def _write(self, layout: dict[str, list[str]]) -> None:
        """Write ``layout`` to config.toml ``[zones]`` (nothing without a config file)."""
        path = self.options.config_file
        if path is None or not self.options.persist:
            return

        def change(data: dict[str, Any]) -> None:
            # Keep the user's own spelling ("192.168.1.40") of a device that did not move.
            spelled: dict[str, str] = {}
            old = data.get("zones")
            for hosts in old.values() if isinstance(old, dict) else ():
                for host in hosts if isinstance(hosts, list) else ():
                    try:
                        spelled.setdefault(address_of(str(host)), str(host))
                    except UsageError:
                        continue
            data["zones"] = {z: [spelled.get(a, a) for a in m] for z, m in layout.items()}

        update_config(change, path)

    def _own_zone(self, slot: DeviceSlot) -> ZoneSlot:
        zone = self.zone_slots.get(slot.address)
        if zone is None:
            zone = self.zone_slots[slot.address] = self._new_zone(slot.address)
        return zone

    async def _move(self, slot: DeviceSlot, zone: ZoneSlot) -> None:
        """Put ``slot`` in ``zone``; a device's own zone it leaves goes, with its target."""
        old = self.zone_slots.get(slot.zone)
        if old is zone:
            return
        if old is not None:
            await old.settle()  # a tick in flight must not command a device that has left
            if slot.address in old.addresses:
                old.addresses.remove(slot.address)
            old.regulator = None  # membership changed: rebuild on the next tick
            if not old.named and not old.addresses:
                del self.zone_slots[old.name]
                self.intents.targets.pop(old.name, None)
                self.intents.overrides.pop(old.name, None)
                self._save()
        zone.addresses.append(slot.address)
        zone.regulator = None
        slot.zone = zone.name
        if zone.named:
            self._zone_of[slot.address] = zone.name
        else:
            self._zone_of.pop(slot.address, None)
