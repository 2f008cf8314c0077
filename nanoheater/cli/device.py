"""Provides the device commands ``status``, ``watch`` and ``set`` of the ``nanoheater`` CLI.

Each takes a target (``HOST[:PORT]``, ``serial:///dev/ttyUSB0`` or a pyserial URL) and ``--json``
for scripts. Errors are one line on stderr with the exit codes of ``cli/output.py``; everything
the device said passes through ``sanitize`` before it reaches the terminal.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any, Literal

import click

from nanoheater.capabilities import product_name
from nanoheater.cli.fleet import (
    fleet_status,
    fleet_watch,
    format_device,
    set_through_service,
    zone_note,
)
from nanoheater.cli.output import fail, print_json, run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.cli.readings import (
    configured_names,
    emitter,
    fleet_targets,
    read_once,
    service_running,
    watch_one,
)
from nanoheater.cli.settle import settling_note
from nanoheater.client import HeaterClient
from nanoheater.const import DEFAULT_TIMEOUT_S
from nanoheater.diagnosis import diagnose
from nanoheater.exceptions import NanoheaterError, UsageError
from nanoheater.models import HeaterState, HeaterStatus
from nanoheater.protocol.sanitize import sanitize


def _timeout_option(func: Any) -> Any:
    return click.option(
        "--timeout",
        "timeout_s",
        type=FiniteFloat(min=0.1, max=600),
        default=DEFAULT_TIMEOUT_S,
        show_default=True,
        help="Deadline of each request in seconds.",
    )(func)


def _json_option(func: Any) -> Any:
    return click.option(
        "--json", "as_json", is_flag=True, help="Print JSON (one object per line)."
    )(func)


def _api_option(func: Any) -> Any:
    return click.option(
        "--api", "api", metavar="HOST:PORT", help="The service, when no TARGET is given."
    )(func)


def _fleet_options(func: Any) -> Any:
    func = click.option(
        "--scan", metavar="CIDR", help="Without HOST and service: also probe this range."
    )(func)
    return click.option(
        "--no-mdns", is_flag=True, help="Without HOST and service: do not browse mDNS."
    )(func)


@click.command()
@click.argument("targets", nargs=-1, metavar="[HOST[:PORT]]...")
@_fleet_options
@_json_option
@_timeout_option
@_api_option
@run_async
async def status(
    targets: tuple[str, ...],
    scan: str | None,
    no_mdns: bool,
    as_json: bool,
    timeout_s: float,
    api: str | None,
) -> None:
    """Show one reading of each heater given. HOST is HOST[:PORT] or a serial URL.

    Without HOST, show every device of the running service (nanoheater serve), or when none
    runs, every configured (config.toml hosts) and discovered heater. With several heaters each
    gets one line (one JSON object with --json); one that does not answer gets a failure line
    and the exit code is 4.
    """
    if len(targets) == 1:
        async with await HeaterClient.connect(targets[0], timeout_s=timeout_s) as client:
            reading = await client.get_status()
        name = configured_names().get(str(reading.address))
        if as_json:
            named = {"name": name} if name else {}
            print_json({**reading.to_json_dict(), **named, "problems": list(diagnose(reading))})
        else:
            click.echo(format_status(reading, name))
        return
    if not targets and await service_running(api):
        await fleet_status(api, as_json)
        return
    addresses = await fleet_targets(targets, mdns=not no_mdns, scan=scan)
    results = await asyncio.gather(*(read_once(a, timeout_s) for a in addresses))
    emit = emitter(as_json, prefix=True, line=format_line, names=configured_names())
    for address, result in zip(addresses, results, strict=True):
        emit(address, result)
    failed = sum(isinstance(r, NanoheaterError) for r in results)
    if failed:
        fail(f"{failed} of {len(addresses)} heaters did not answer", 4)


@click.command()
@click.argument("targets", nargs=-1, metavar="[HOST[:PORT]]...")
@click.option(
    "--interval",
    "interval_s",
    type=FiniteFloat(min=0.1),
    default=5.0,
    show_default=True,
    help="Seconds between readings.",
)
@click.option(
    "--count", type=click.IntRange(min=1), default=None, help="Stop after N polls of each heater."
)
@click.option(
    "--max-failures",
    type=click.IntRange(min=1),
    default=None,
    help="Give up on a heater after N failed polls in a row (exit 4); default: never.",
)
@_fleet_options
@_json_option
@_timeout_option
@_api_option
@run_async
async def watch(
    targets: tuple[str, ...],
    interval_s: float,
    count: int | None,
    max_failures: int | None,
    scan: str | None,
    no_mdns: bool,
    as_json: bool,
    timeout_s: float,
    api: str | None,
) -> None:
    """Print a reading of each heater every --interval seconds until interrupted.

    Without HOST, print every reading of the running service's devices as it comes, or when
    none runs, watch every configured and discovered heater. A failed reading (a slow reply, a
    reboot) is printed as a record of its own and the watch goes on; it stops after --count
    polls, or gives up on a heater after --max-failures failures in a row.
    """
    if not targets and await service_running(api):
        await fleet_watch(api, count, as_json)
        return
    addresses = await fleet_targets(targets, mdns=not no_mdns, scan=scan)
    emit = emitter(as_json, prefix=len(addresses) > 1, line=format_line, names=configured_names())
    kept_on = await asyncio.gather(
        *(
            watch_one(
                a,
                interval_s=interval_s,
                count=count,
                max_failures=max_failures,
                timeout_s=timeout_s,
                emit=emit,
            )
            for a in addresses
        )
    )
    gave_up = [a for a, ok in zip(addresses, kept_on, strict=True) if not ok]
    if gave_up:
        names = ", ".join(sanitize(a, 80) for a in gave_up)
        fail(f"gave up after {max_failures} failed readings in a row: {names}", 4)


@click.command("set")
@click.argument("target", metavar="HOST[:PORT]")
@click.option(
    "--mode", help="Select a heat step by name (e.g. Low, Mid, High, Heating Eco, Super)."
)
@click.option("--level", type=int, help="Set worklevel N (the Nano 3's only control).")
@click.option("--off", "soft_off", is_flag=True, help="Soft off: stop hashing, stay reachable.")
@click.option("--on", "soft_on", is_flag=True, help="Soft on: resume after --off.")
@click.option("--fan", help="Fan duty in percent, or 'auto'.")
@click.option("--chip-target", "chip_target", type=int, help="Chip target temperature (°C).")
@click.option("--reboot", is_flag=True, help="Reboot the device (needs --yes).")
@click.option("--yes", is_flag=True, help="Confirm --reboot.")
@_json_option
@_timeout_option
@_api_option
@run_async
async def set_(
    target: str,
    mode: str | None,
    level: int | None,
    soft_off: bool,
    soft_on: bool,
    fan: str | None,
    chip_target: int | None,
    reboot: bool,
    yes: bool,
    as_json: bool,
    timeout_s: float,
    api: str | None,
) -> None:
    """Change one setting and print the confirmed reading. Give exactly one action.

    When a running service owns the device, the change goes through it; on a device it
    regulates it becomes a manual override (end it with: nanoheater target ZONE --resume).
    """
    actions = {
        "mode": mode is not None,
        "level": level is not None,
        "off": soft_off,
        "on": soft_on,
        "fan": fan is not None,
        "chip-target": chip_target is not None,
        "reboot": reboot,
    }
    chosen = [name for name, given in actions.items() if given]
    if len(chosen) != 1:
        raise UsageError(
            "give exactly one of --mode, --level, --off, --on, --fan, --chip-target, --reboot"
        )
    action = chosen[0]
    if action == "reboot" and not yes:
        raise UsageError("--reboot needs --yes")
    fan_value = _parse_fan(fan) if fan is not None else None
    values: dict[str, str | int | None] = {"mode": mode, "level": level, "fan": fan}
    values["chip-target"] = chip_target
    if action != "reboot":
        through = await set_through_service(
            target, action.replace("-", "_"), values.get(action), api
        )
        if through is not None:
            if as_json:
                print_json({"action": action, **through})
            else:
                click.echo(format_device(through))
                zone = await zone_note(through, api)
                if zone:
                    click.echo(zone)
            return
    async with await HeaterClient.connect(target, timeout_s=timeout_s) as client:
        if action == "reboot":
            await client.reboot(confirm=True)
            if as_json:
                print_json({"action": "reboot", "target": target, "ok": True})
            else:
                click.echo(
                    f"{sanitize(target)}: rebooting; it will be unreachable for about a minute"
                )
            return
        if mode is not None:
            reading = await client.set_mode(mode)
        elif level is not None:
            reading = await client.set_level(level)
        elif soft_off:
            reading = await client.soft_off()
        elif soft_on:
            reading = await client.soft_on()
        elif fan_value is not None:
            reading = await client.set_fan(fan_value)
        elif chip_target is not None:
            reading = await client.set_chip_target(chip_target)
        else:  # pragma: no cover - exactly one action was checked above
            raise UsageError("no action given")
    note = settling_note(action, fan_value, reading)
    if as_json:
        print_json({"action": action, **reading.to_json_dict(), "settling": note})
    else:
        click.echo(format_status(reading))
        if note:
            click.echo(f"  {'settling':<13}{note}")


def _parse_fan(text: str) -> int | Literal["auto"]:
    value = text.strip().lower()
    if value in ("auto", "-1"):
        return "auto"
    if not value.isdigit():
        raise UsageError(f"--fan takes a percentage or 'auto', not {sanitize(text, 20)!r}")
    return int(value)


def _num(value: float | None, unit: str, digits: int = 0) -> str:
    return "—" if value is None else f"{value:.{digits}f} {unit}"


def _chip(reading: HeaterStatus, value: float | None) -> str:
    # A device that is off reads 0 °C chips: not a temperature worth printing (as the TUI).
    off = reading.soft_off or reading.state.value == "off"
    return "—" if off else _num(value, "°C")


def _duration(seconds: int | None) -> str:
    if seconds is None:
        return "—"
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes = rest // 60
    return f"{days}d {hours}h {minutes}m" if days else f"{hours}h {minutes}m"


def _also_calibrating(reading: HeaterStatus) -> bool:
    return reading.calibrating and reading.state is not HeaterState.CALIBRATING


def format_status(reading: HeaterStatus, name: str | None = None) -> str:
    """Return a reading as the human-readable table ``nanoheater status`` prints.

    ``name`` is the one the user gave the device (config.toml ``[names]``), shown first.
    """
    info = reading.info
    model = info.model.value if info.model else "unknown model"
    fan = "—"
    if reading.fan_rpm is not None or reading.fan_percent is not None:
        rpm = "—" if reading.fan_rpm is None else f"{reading.fan_rpm} rpm"
        duty = "" if reading.fan_percent is None else f" ({reading.fan_percent} %)"
        fan = rpm + duty
    rows = [
        ("state", reading.state.value + (" (calibrating)" if _also_calibrating(reading) else "")),
        ("mode", reading.mode or "—"),
        ("power", _num(reading.power_w, "W")),
        ("hashrate", _num(reading.hashrate_ths, "TH/s", 2)),
        (
            "chip temp",
            f"{_chip(reading, reading.chip_temp_max_c)} max, "
            f"{_chip(reading, reading.chip_temp_avg_c)} avg, "
            f"target {_num(reading.chip_target_c, '°C')}",
        ),
        (
            "inlet/outlet",
            f"{_num(reading.inlet_temp_c, '°C')} / {_num(reading.outlet_temp_c, '°C')}",
        ),
        ("fan", fan),
        ("uptime", _duration(reading.uptime_s)),
        ("pool", reading.pool_url or "—"),
        ("firmware", info.firmware or "—"),
        ("mac", info.mac or "—"),
        ("dna", info.dna or "—"),
    ]
    rows += [("problem", problem) for problem in diagnose(reading)]
    header = f"{product_name(info.product, info.model)} ({model}) at {reading.address}"
    if name:
        header = f"{name}: {header}"
    lines = [sanitize(header)]
    lines += [f"  {label:<13}{sanitize(value)}" for label, value in rows]
    return "\n".join(lines)


def format_line(reading: HeaterStatus) -> str:
    """Return a reading as one line (``nanoheater watch``), stamped now: when it arrived.

    Never the device's ``When``: a device clock that lags, runs ahead or jumps would print a
    reading at a time it was not taken (issue 14).
    """
    stamp = time.strftime("%H:%M:%S", time.localtime())
    parts = [
        stamp,
        f"{reading.state.value:<11}",
        f"{reading.mode or '—':<14}",
        f"{_num(reading.power_w, 'W'):>7}",
        f"{_num(reading.hashrate_ths, 'TH/s', 2):>11}",
        f"chip {_chip(reading, reading.chip_temp_max_c)}",
        f"fan {reading.fan_percent if reading.fan_percent is not None else '—'} %",
    ]
    return sanitize("  ".join(parts), 300)
