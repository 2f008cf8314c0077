"""Provides FleetEditing: adding, removing and renaming devices, and saving the settings.

Edits that the user makes to the fleet are kept in the config file (hosts and names); the file
is written in a worker (``tui.storage``) and the outcome comes back as ``SettingsSaved``.
"""

from __future__ import annotations

from textual import on

from nanoheater.address import DeviceAddress
from nanoheater.config import Settings, names_device, with_name
from nanoheater.economics.market import offline_market
from nanoheater.exceptions import UsageError
from nanoheater.models import DiscoveredHeater, DiscoverySource
from nanoheater.tui.app_base import AppBase
from nanoheater.tui.devices import DeviceEntry
from nanoheater.tui.eventlog import Severity
from nanoheater.tui.messages import SettingsSaved


class FleetEditing(AppBase):
    """The fleet and settings edits made from the screens, kept in the config file."""

    def add_address(self, address: str, *, remember: bool = False) -> DeviceEntry:
        """Add a device typed as ``host[:port]`` and poll it; raises ValueError if malformed.

        With ``remember`` the address also joins the configured hosts in the config file.
        """
        try:
            parsed = DeviceAddress.parse_tcp(address)
        except UsageError as exc:
            raise ValueError(str(exc)) from None
        heater = DiscoveredHeater(
            name="", host=parsed.host, port=parsed.tcp_port, sources=(DiscoverySource.CONFIG,)
        )
        self.fleet.removed.discard(str(heater.address))  # added back by hand
        entry, new = self.fleet.add(heater)
        if new:
            self.log_event(entry.key, "added by address")
            self._fleet_changed(None)
        if remember and entry.key not in self.settings.hosts:
            hosts = (*self.settings.hosts, entry.key)
            self.save_settings(self.settings.model_copy(update={"hosts": hosts}))
        self.devices.poll(entry.key)
        return entry

    def remove_device(self, key: str) -> None:
        """Forget a device: manual control first, then out of the fleet and the config hosts."""
        self.devices.stop(key)
        entry = self.fleet.remove(key)
        if entry is None:
            return
        self.log_event(entry.name, f"removed ({key})")
        hosts = tuple(h for h in self.settings.hosts if not names_device(h, key))
        if hosts != self.settings.hosts:
            self.save_settings(self.settings.model_copy(update={"hosts": hosts}))
        self._fleet_changed(None)

    def rename_device(self, key: str, name: str) -> None:
        """Show device ``key`` as ``name`` (empty: its own name again), kept in config.toml."""
        entry = self.fleet.get(key)
        if entry is None:
            return
        # Printable only: config.toml refuses anything else, and a refused file stops the next run.
        label = "".join(c for c in name if c.isprintable()).strip()[:40]
        old, entry.label = entry.name, label or None
        self.log_event(entry.name, f"renamed from {old}")
        # Stored under the fleet key; an entry the user wrote as "host" is replaced by it (the
        # rule the service's rename follows too: config.toml [names] is the one home of names).
        names = with_name(self.settings.names, key, label)
        self.fleet.names.pop(key, None)
        if label:
            self.fleet.names[key] = label
        if names != self.settings.names:
            self.save_settings(self.settings.model_copy(update={"names": names}))
        self._fleet_changed(key)

    def save_settings(self, settings: Settings) -> None:
        """Adopt ``settings`` now and write them to the config file in a worker."""
        self.settings = settings
        self.devices.settings_changed()
        self.ledger.tariff = settings.tariff
        self.ledger.market = offline_market(settings.market, None)
        self.storage.save_settings(settings, self.config_file)
        self.load_market()  # the market section may have changed (or live fetching with it)

    @on(SettingsSaved)
    def _settings_saved(self, message: SettingsSaved) -> None:
        if message.error:
            self.log_event("", f"settings not saved: {message.error}", Severity.ERROR)
            return
        self.log_event("", f"settings saved to {message.path}")
        self.notify(f"Saved to {message.path}", title="Settings", timeout=3, markup=False)
        for host in self.settings.hosts:
            if str(DeviceAddress.parse_tcp(host)) not in self.fleet:
                self.add_address(host)
