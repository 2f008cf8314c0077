"""Provides the service side of ``status``, ``watch`` and ``set``: the fleet through ``serve``.

``status``/``watch`` without a host show every device the running service owns; ``set`` on a
device the service owns goes through it (on a regulated device it becomes a manual override of
its zone, ended by ``nanoheater target ZONE --resume``) instead of fighting its regulator.
"""

from __future__ import annotations

import contextlib
import time
from typing import Any

import click

from nanoheater.cli.output import print_json
from nanoheater.const import plausible_time_s
from nanoheater.home.devices import UnknownRef
from nanoheater.protocol.sanitize import sanitize
from nanoheater.service.address import find_api, listening


def _num(value: Any, unit: str, digits: int = 0) -> str:
    return f"{value:.{digits}f} {unit}" if isinstance(value, (int, float)) else "—"


def format_device(device: dict[str, Any]) -> str:
    """One line per device: host (and name), zone, state, mode, power, hashrate, chip."""
    host = f"{device.get('host')}:{device.get('port')}"
    # The name the user gave it (config.toml [names]); the service's default name is host:port.
    name = device.get("name")
    named = f"{host:<21} {name}" if name and name != host else f"{host:<21}"
    if not device.get("online"):
        return sanitize(f"{named} {device.get('zone')}: offline ({device.get('error') or '—'})")
    # An off device reads 0 °C chips: not a temperature worth printing (as the TUI).
    off = device.get("soft_off") or device.get("state") == "off"
    chip = "—" if off else _num(device.get("chip_temp_max_c"), "°C")
    parts = [
        named,
        f"{device.get('model') or '?':<7}",
        f"{device.get('state') or '—':<11}",
        f"{device.get('mode') or '—':<14}",
        f"{_num(device.get('power_w'), 'W'):>7}",
        f"{_num(device.get('hashrate_ths'), 'TH/s', 2):>11}",
        f"chip {chip}",
        f"zone {device.get('zone')}",
    ]
    return sanitize("  ".join(parts), 300)


async def fleet_status(api: str | None, as_json: bool) -> None:
    """Print every device the service owns (JSON: one object per line)."""
    from nanoheater.service.remote import RemoteHome

    async with RemoteHome(find_api(api)) as home:
        devices = await home.devices()
    for device in devices:
        if as_json:
            print_json(device)
        else:
            click.echo(format_device(device))


async def fleet_watch(api: str | None, count: int | None, as_json: bool) -> None:
    """Print each reading the service streams until interrupted (or ``count`` polls).

    ``count`` is per device, as for a watch of named hosts: every device the service owned
    when the watch began gets ``count`` readings (failed ones included), then it ends.
    """
    from nanoheater.service.remote import RemoteHome

    seen: dict[str, int] = {}
    async with RemoteHome(find_api(api)) as home, contextlib.aclosing(home.stream()) as stream:
        # Why a list first: --count 2 on a fleet of 3 means two rounds, not the first two lines.
        expected = {_address(device) for device in await home.devices()}
        async for kind, data in stream:
            if kind != "reading" or not isinstance(data.get("device"), dict):
                continue
            device = data["device"]
            address = _address(device)
            if count is not None and seen.get(address, 0) >= count:
                continue
            seen[address] = seen.get(address, 0) + 1
            if as_json:
                print_json(device)
            else:
                ts_s = plausible_time_s(data.get("ts_s"))
                stamp = (
                    "--:--:--" if ts_s is None else time.strftime("%H:%M:%S", time.localtime(ts_s))
                )
                click.echo(f"{stamp}  {format_device(device)}")
            if count is not None and all(seen.get(a, 0) >= count for a in expected or seen):
                return


def _address(device: dict[str, Any]) -> str:
    return f"{device.get('host')}:{device.get('port')}"


async def set_through_service(
    target: str, action: str, value: str | int | None, api: str | None
) -> dict[str, Any] | None:
    """Send ``set`` through the service when one runs and owns ``target``; else None.

    None means "talk to the device directly": no service answers, or it does not own the device.
    """
    address = find_api(api)
    if not await listening(address):
        return None  # no service: skip importing the web client at all
    from nanoheater.service.remote import RemoteHome, ServiceUnavailable

    try:
        async with RemoteHome(address) as home:
            try:
                await home.device(target)
            except UnknownRef:
                return None
            return await home.command(target, action, value)
    except ServiceUnavailable:
        return None


async def zone_note(device: dict[str, Any], api: str | None) -> str:
    """``zone Z: manual until ...; nanoheater target Z --resume`` when the zone is overridden."""
    from nanoheater.service.remote import RemoteHome

    async with RemoteHome(find_api(api)) as home:
        zone = await home.zone(str(device.get("zone")))
    until = plausible_time_s(zone.get("manual_until_s"))
    if until is None:
        return ""
    name = sanitize(zone.get("name"), 64)
    stamp = time.strftime("%a %H:%M", time.localtime(until))
    return f"zone {name}: manual until {stamp}; end it with: nanoheater target {name} --resume"


async def refuse_if_service_owns(hosts: tuple[str, ...], api: str | None = None) -> None:
    """Refuse (exit 2) to regulate devices a running service owns: two controllers would fight.

    ``thermostat`` calls this first; the service's own zones do the same job and survive a
    closed terminal (``nanoheater target HOST --c 21``).
    """
    address = find_api(api)
    if not await listening(address):
        return
    from nanoheater.exceptions import NanoheaterError, UsageError
    from nanoheater.service.remote import RemoteHome

    try:
        async with RemoteHome(address) as home:
            owned = await home.devices()
    except NanoheaterError:
        return  # not a nanoheater service, or not ours to ask: nothing to fight with
    addresses = {f"{d.get('host')}:{d.get('port')}" for d in owned}
    hosts_only = {str(d.get("host")) for d in owned}
    for host in hosts:
        if host in addresses or host in hosts_only:
            name = sanitize(host, 80)
            raise UsageError(
                f"{name} is run by nanoheater serve at {address}; set its target there "
                f"(nanoheater target {name} --c 21) or stop the service first"
            )
