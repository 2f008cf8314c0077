"""Provides the direct fleet side of ``status`` and ``watch``: which heaters, readings that go on.

With no address and no running service (``cli/fleet.py`` handles that case), ``status`` and
``watch`` cover every configured heater (config.toml ``hosts``) plus every one discovery finds
(mDNS unless ``--no-mdns``, and ``--scan CIDR``). A configured heater that is down stays in the
list, so its failure is reported rather than silently dropped.

``watch`` is meant to run overnight: a failed reading (a slow reply, a reboot) is one record
in the stream, like a reading, and the watch goes on until ``--count`` polls or
``--max-failures`` failures in a row; one device never stalls another.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from datetime import datetime

import click

from nanoheater import discovery
from nanoheater.address import DeviceAddress
from nanoheater.cli.output import print_json
from nanoheater.client import HeaterClient
from nanoheater.config import load_settings
from nanoheater.diagnosis import diagnose
from nanoheater.exceptions import ConnectionFailed, NanoheaterError, UsageError
from nanoheater.models import HeaterStatus
from nanoheater.protocol.sanitize import sanitize

FLEET_DISCOVERY_S = 3.0
"""How long ``status``/``watch`` without an address listen for mDNS adverts."""


async def service_running(api: str | None) -> bool:
    """Whether a ``nanoheater serve`` answers at ``api`` (or the configured/default address)."""
    from nanoheater.service.address import find_api, listening

    return await listening(find_api(api))


async def fleet_targets(targets: tuple[str, ...], *, mdns: bool, scan: str | None) -> list[str]:
    """The addresses to read: ``targets`` if given, else the configured and discovered heaters.

    Raises:
        UsageError: an address, a configured host or the CIDR is malformed.
        ConnectionFailed: no address was given and none is configured or found.
    """
    if targets:
        # A malformed address is a usage error before any I/O.
        return list(dict.fromkeys(str(DeviceAddress.parse(t)) for t in targets))
    configured = load_settings().settings.hosts
    wanted = dict.fromkeys(str(DeviceAddress.parse(text)) for text in configured)
    if mdns or scan:
        found = await discovery.discover(
            timeout_s=FLEET_DISCOVERY_S, mdns=mdns, scan=scan or (), hosts=()
        )
        for heater in found:
            wanted.setdefault(str(DeviceAddress.from_host_port(heater.host, heater.port)), None)
    if not wanted:
        raise ConnectionFailed(
            "no heaters configured or found; give HOST[:PORT] or add hosts to config.toml"
        )
    return list(wanted)


def failure_record(target: str, exc: NanoheaterError) -> dict[str, object]:
    """The ``--json`` record of a failed reading: when, which device, why, and its exit code."""
    address = DeviceAddress.parse(target)
    return {
        "time": datetime.now().astimezone().isoformat(timespec="seconds"),
        "host": address.host,
        "port": address.tcp_port,
        "error": sanitize(str(exc), 300),
        "exit_code": exc.exit_code,
    }


def failure_line(exc: NanoheaterError) -> str:
    """The human line of a failed reading, shaped like a reading's line."""
    return sanitize(f"{time.strftime('%H:%M:%S')}  no reading: {exc}", 300)


async def read_once(target: str, timeout_s: float) -> HeaterStatus | NanoheaterError:
    """One reading of ``target``, or the error that stopped it (never raised, bar usage)."""
    try:
        async with await HeaterClient.connect(target, timeout_s=timeout_s) as client:
            return await client.get_status()
    except UsageError:
        raise
    except NanoheaterError as exc:
        return exc


async def watch_one(
    target: str,
    *,
    interval_s: float,
    count: int | None,
    max_failures: int | None,
    timeout_s: float,
    emit: Callable[[str, HeaterStatus | NanoheaterError], None],
) -> bool:
    """Poll ``target`` every ``interval_s`` and ``emit`` each reading or failure.

    Stops after ``count`` polls (failed ones included) or ``max_failures`` failures in a row;
    never on its own otherwise. Returns False when it gave up on failures.
    """
    loop = asyncio.get_running_loop()
    polls = in_a_row = 0
    async with await HeaterClient.connect(target, timeout_s=timeout_s) as client:
        while count is None or polls < count:
            started = loop.time()
            try:
                reading: HeaterStatus | NanoheaterError = await client.get_status()
            except UsageError:
                raise
            except NanoheaterError as exc:
                reading = exc
            polls += 1
            emit(target, reading)
            in_a_row = in_a_row + 1 if isinstance(reading, NanoheaterError) else 0
            if max_failures is not None and in_a_row >= max_failures:
                return False
            if count is not None and polls >= count:
                break
            await asyncio.sleep(max(0.0, interval_s - (loop.time() - started)))
    return True


def configured_names() -> dict[str, str]:
    """The user's device names (config.toml ``[names]``) by address; none if it cannot be read.

    Only labels: a config problem is reported by the commands that need the file, not here.
    """
    try:
        return load_settings().settings.device_names()
    except UsageError:
        return {}


def emitter(
    as_json: bool,
    prefix: bool,
    line: Callable[[HeaterStatus], str],
    names: Mapping[str, str] | None = None,
) -> Callable[[str, HeaterStatus | NanoheaterError], None]:
    """Print readings and failures as JSON lines, or as human lines (with the address if many).

    A device the user named (``names``, by address) carries its name: after the address on a
    human line, as ``name`` in a JSON record.
    """
    names = names or {}

    def emit(target: str, result: HeaterStatus | NanoheaterError) -> None:
        name = names.get(target)
        if isinstance(result, NanoheaterError):
            record, text = failure_record(target, result), failure_line(result)
        else:
            record = {**result.to_json_dict(), "problems": list(diagnose(result))}
            text = "" if as_json else line(result)
        if as_json:
            print_json({**record, "name": name} if name else record)
            return
        label = f"{target} {name}" if name else target
        click.echo(f"{sanitize(label, 170)}  {text}" if prefix else text)

    return emit
