"""Provides DeviceSet: the devices a Home owns, their polls and discovery.

Devices come from the config hosts, ``--host`` and mDNS or scan rescans, one client each. A
device whose poll is still in flight is skipped, so a stalled one never holds up the rest; a
reading feeds the device's zone, the history and the subscribers (``HomeBase.saw``).
"""

from __future__ import annotations

import contextlib
import logging

from nanoheater.config import save_names
from nanoheater.exceptions import UsageError
from nanoheater.home.devices import DeviceSlot, resolve_device
from nanoheater.home.options import describe_error
from nanoheater.home.types import DeviceView, Reading
from nanoheater.home.zone_layout import ZoneLayout

log = logging.getLogger(__name__)


class DeviceSet(ZoneLayout):
    """The owned devices: add, rename, forget, look up, poll and discover."""

    def add_device(self, host: str, *, announce: bool = True) -> DeviceSlot:
        """Own ``host[:port]`` from now on (no-op when already owned)."""
        slot = DeviceSlot.at(host)
        if slot.address in self.slots:
            return self.slots[slot.address]
        slot.zone = self._zone_of.get(slot.address, slot.address)
        slot.name = self.names.get(slot.address, "")
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
        """Give device ``ref`` a name (empty: back to its address), kept in config.toml.

        The name is written to ``[names]`` first (atomically, the rest of the file kept), as the
        TUI's rename writes it, so a refused write changes nothing and every reader (the TUI,
        ``status``, the next start) sees the same name.
        """
        slot = resolve_device(self.slots.values(), ref)
        name = name.strip()
        if len(name) > 64 or not name.isprintable():
            raise UsageError("a name is at most 64 printable characters")
        clash = [s for s in self.slots.values() if s is not slot and name and s.name == name]
        if clash:
            raise UsageError(f"{clash[0].address} is already called {name!r}")
        self._write_names({slot.address: name})
        slot.name = name
        if name:
            self.names[slot.address] = name
        else:
            self.names.pop(slot.address, None)
        self._event(slot.address, "rename", name or "(no name)")
        return slot.view()

    def _adopt_intent_names(self) -> None:
        """Move names an older release kept in intents.json to config.toml ``[names]``.

        They won over config.toml then, so they win now; once written they leave intents.json.
        Without a config file, or if it cannot be written, they are used and left where they are.
        """
        moved = {
            address: name
            for address, name in self.intents.names.items()
            if name.strip() and len(name) <= 64 and name.isprintable()
        }
        if not moved:
            return
        self.names.update(moved)
        if self.options.config_file is None:
            return
        try:
            self._write_names(moved)
        except UsageError as exc:
            log.warning("device names stay in intents.json: %s", exc)
            return
        self.intents.names.clear()
        self._save()

    def _write_names(self, changes: dict[str, str]) -> None:
        """Write ``changes`` to config.toml ``[names]`` (nothing without a config file)."""
        path = self.options.config_file
        if path is not None and self.options.persist:
            save_names(changes, path)

    async def forget(self, ref: str) -> None:
        """Stop owning device ``ref`` until a restart or ``add_device``.

        Its slot and its place in its zone (a one-device zone goes with it) go; its name stays
        in config.toml, as the TUI's remove leaves it, for when it comes back. A
        ``device_forgotten`` event tells the bridges, which remove it from Home Assistant.
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
        self._save()
        if slot.client is not None:
            with contextlib.suppress(Exception):
                await slot.client.close()
        self._event(slot.address, "device_forgotten", slot.name or slot.address)

    def devices(self) -> list[DeviceView]:
        """Every owned device, in address order."""
        return [s.view() for s in sorted(self.slots.values(), key=lambda s: s.address)]

    def device(self, ref: str) -> DeviceView:
        """The device ``ref`` names (address, host, identity or name)."""
        return resolve_device(self.slots.values(), ref).view()

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

    async def _discover(self) -> None:
        from nanoheater.discovery import browse

        async for heater in browse(mdns=self.options.mdns, scan=self.options.scan):
            address = str(heater.address)
            if not heater.answered:
                continue  # an advert is a claim; nothing answered it (discover still lists it)
            if address not in self.slots and address not in self.forgotten:
                self.add_device(address)
