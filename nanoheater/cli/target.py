"""Provides ``nanoheater target``: a running service's heat targets (``zones`` lists them).

It talks to ``nanoheater serve`` (found from ``--api``, else ``NANOHEATER_API``, else the
config's ``api``). A zone may be named by its name or by any of its devices' hosts.
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any

import click

from nanoheater.cli.output import print_json, run_async
from nanoheater.cli.params import FiniteFloat
from nanoheater.const import plausible_time_s
from nanoheater.controller.targets import read_schedule_text
from nanoheater.exceptions import UsageError
from nanoheater.protocol.sanitize import sanitize
from nanoheater.service.remote import RemoteHome, find_api
from nanoheater.units import celsius

API_OPTION = click.option(
    "--api", "api", metavar="HOST:PORT", help="The service (default: NANOHEATER_API, else config)."
)


def _clock(ts_s: float) -> str:
    return time.strftime("%a %H:%M", time.localtime(ts_s))


def format_zone(zone: dict[str, Any]) -> str:
    """One line: name, target, devices, override and the last decision."""
    target = zone.get("target")
    what = sanitize(target.get("describe", "?"), 60) if isinstance(target, dict) else "manual"
    members = zone.get("devices")
    devices = ", ".join(sanitize(d, 60) for d in members) if isinstance(members, list) else ""
    line = f"{sanitize(zone.get('name'), 64)}: {what}  [{devices}]"
    until = plausible_time_s(zone.get("manual_until_s"))
    if until is not None:
        override = zone.get("override")
        action = override.get("action", "") if isinstance(override, dict) else ""
        line += f"  manual until {_clock(until)} ({sanitize(action, 40)})"
    decision = zone.get("decision")
    if isinstance(decision, dict):
        room = decision.get("room_c")
        shown = isinstance(room, int | float) and math.isfinite(room)
        room_text = f"room {celsius(room)}, " if shown else ""
        line += f"  -> {room_text}{sanitize(decision.get('step'), 60)}"
        line += f": {sanitize(decision.get('reason'), 120)}"
    return line


def _body(
    c: float | None, level: str | None, schedule: Path | None, off: bool
) -> dict[str, Any] | None:
    if c is not None:
        return {"setpoint_c": c}
    if level is not None:
        return {"level": level}
    if schedule is not None:
        # A regular file only: a FIFO passed the size check and hung (issue 14).
        return {"schedule_toml": read_schedule_text(schedule), "schedule_name": schedule.name}
    if off:
        return {"off": True}
    return None


@click.command()
@click.argument("zone")
@click.option("--c", "c", type=FiniteFloat(min=0, max=40, min_open=True, max_open=True),
              help="Hold the room at this temperature (C).")  # fmt: skip
@click.option("--level", help="Run a fixed mode (e.g. Low, Eco, Night).")
@click.option(
    "--schedule",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Follow a weekly schedule (TOML, see docs/service.md).",
)
@click.option("--off", is_flag=True, help="Keep the zone off (its lowest step where no off).")
@click.option("--resume", is_flag=True, help="End a manual override; the target applies again.")
@click.option("--clear", is_flag=True, help="Stop regulating; the devices keep what they run.")
@API_OPTION
@click.option("--json", "as_json", is_flag=True, help="Print the zone as JSON.")
@run_async
async def target(
    zone: str,
    c: float | None,
    level: str | None,
    schedule: Path | None,
    off: bool,
    resume: bool,
    clear: bool,
    api: str | None,
    as_json: bool,
) -> None:
    """Set ZONE's heat target in the running service (ZONE may be a device's host).

    Give exactly one of --c, --level, --schedule, --off, --resume, --clear.
    """
    given = [c is not None, level is not None, schedule is not None, off, resume, clear]
    if sum(given) != 1:
        raise UsageError("give exactly one of --c, --level, --schedule, --off, --resume, --clear")
    async with RemoteHome(find_api(api)) as home:
        if resume:
            view = await home.resume(zone)
        elif clear:
            view = await home.set_target(zone, None)
        else:
            view = await home.set_target(zone, _body(c, level, schedule, off))
    if as_json:
        print_json(view)
    else:
        click.echo(format_zone(view))
