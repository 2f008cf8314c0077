"""Provides ``run_home``: ``nanoheater thermostat``'s run, a one-zone ``Home`` in the foreground.

The thermostat has no control loop of its own: it starts a ``Home`` whose one zone holds its
devices, aims the zone at the flags' target, prints the Home's decisions (one line, or one JSON
object with ``--json``) until ``--duration`` ends or SIGINT/SIGTERM arrives, then stops the Home,
which leaves every device at ``--exit-level``, and prints each device's quit summary.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import signal
import time
from datetime import datetime
from pathlib import Path

import click

from nanoheater.cli.output import print_json
from nanoheater.controller.leave import ExitSummary
from nanoheater.controller.sensors import SensorGuard
from nanoheater.controller.targets import (
    FixedLevel,
    RoomTemperature,
    Schedule,
    read_schedule_text,
)
from nanoheater.home import Home
from nanoheater.home.bus import Subscription
from nanoheater.home.types import DecisionMade, HomeEvent, Target
from nanoheater.protocol.sanitize import sanitize
from nanoheater.units import celsius

ZONE = "thermostat"
"""The name of the thermostat's one zone (in the Home's events and logs)."""

FIRST_DECISION_S = 30.0
"""How long ``--duration`` waits beyond itself for the first decision (connect and first read)."""

TICK_FAILED = "tick failed: "
"""How the Home words a zone tick that raised (``home.zones``); printed as an error line."""


def zone_target(plan: Schedule, schedule: Path | None) -> Target:
    """The Home's description of the flags' target (the zone runs ``plan`` itself)."""
    if schedule is not None:
        # Read once already by load_schedule; the zone shows and checks the same text.
        text = read_schedule_text(schedule)
        return Target("schedule", schedule_toml=text, schedule_name=schedule.name)
    default = plan.default
    if isinstance(default, RoomTemperature):
        return Target("setpoint", setpoint_c=default.setpoint_c)
    if isinstance(default, FixedLevel) and default.mode is not None:
        return Target("level", level=default.mode)
    power_w = default.power_w if isinstance(default, FixedLevel) else None
    return Target("level", level=f"{power_w or 0:g} W")


def _print(decision: DecisionMade, as_json: bool) -> None:
    if decision.step == "-" and decision.reason.startswith(TICK_FAILED):
        # A device or network hiccup does not end the thermostat; the next tick retries.
        click.echo(f"error: {decision.reason.removeprefix(TICK_FAILED)}", err=True)
        return
    stamp = datetime.fromtimestamp(decision.ts_s).astimezone().isoformat(timespec="seconds")
    if as_json:
        click.echo(
            json.dumps(
                {
                    "time": stamp,
                    "room_c": decision.room_c,
                    "setpoint_c": decision.setpoint_c,
                    "step": decision.step,
                    "power_w": decision.power_w,
                    "reason": decision.reason,
                    "applied": decision.applied,
                    "warnings": list(decision.warnings),
                },
                separators=(",", ":"),
            )
        )
        return
    room = celsius(decision.room_c)
    target = celsius(decision.setpoint_c)
    applied = ", ".join(f"{k}: {v}" for k, v in decision.applied.items())
    click.echo(
        f"{stamp} room {room} target {target} -> {decision.step}: {decision.reason} [{applied}]"
    )
    for warning in decision.warnings:
        click.echo(f"{stamp} warning: {warning}")


def _print_room(event: HomeEvent, as_json: bool) -> None:
    """The room model the zone learned from the history (or why it has none yet)."""
    stamp = datetime.fromtimestamp(event.ts_s).astimezone().isoformat(timespec="seconds")
    if as_json:
        click.echo(json.dumps({"time": stamp, "room": event.detail}, separators=(",", ":")))
    else:
        click.echo(f"{stamp} room: {event.detail}")


async def run_home(
    home: Home,
    target: Target,
    outdoor: SensorGuard | None,
    outdoor_c: dict[str, float | None],
    duration_s: float | None,
    interval_s: float,
    exit_level: str,
    exit_wait_s: float,
    as_json: bool,
) -> None:
    """Run ``home`` with ``target`` on its zone until the duration or a signal; leave safe."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.add_signal_handler(sig, stop.set)
    reader = asyncio.create_task(_read_outdoor(outdoor, outdoor_c, interval_s))
    sub = home.subscribe()
    try:
        await home.start()
        try:
            await home.set_target(ZONE, target)
            await _follow(sub, stop, duration_s, as_json)
        finally:
            reader.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reader
            # Whatever ended the run (duration, signal, an error), leave the devices safe.
            await leave_and_report(home, exit_level, exit_wait_s, as_json)
    finally:
        sub.close()
        for sig in (signal.SIGINT, signal.SIGTERM):
            with contextlib.suppress(NotImplementedError, RuntimeError):
                loop.remove_signal_handler(sig)


async def _read_outdoor(
    outdoor: SensorGuard | None, outdoor_c: dict[str, float | None], interval_s: float
) -> None:
    """Keep the outdoor reading the regulator's feed-forward uses fresh (a sensor, no control)."""
    while outdoor is not None:
        outdoor_c["value"] = await outdoor.read(time.time())
        await asyncio.sleep(interval_s)


async def _follow(
    sub: Subscription, stop: asyncio.Event, duration_s: float | None, as_json: bool
) -> None:
    """Print the zone's decisions until ``duration_s`` after the first one, or ``stop``."""
    # The duration counts from the first decision, so even a short run decides once (as the
    # loop the thermostat used to run did); the wait for that first one has its own deadline.
    until = None if duration_s is None else time.time() + duration_s + FIRST_DECISION_S
    printed = False
    while not stop.is_set():
        left_s = 0.2 if until is None else min(0.2, until - time.time())
        if left_s <= 0:
            return
        message = await sub.get(left_s)
        if message is None:
            if sub.closed:
                return
            continue
        if isinstance(message, HomeEvent) and message.type == "room" and message.subject == ZONE:
            _print_room(message, as_json)
        if isinstance(message, DecisionMade) and message.zone == ZONE:
            _print(message, as_json)
            if not printed and duration_s is not None:
                until = time.time() + duration_s
            printed = True


async def leave_and_report(home: Home, level: str, wait_s: float, as_json: bool) -> None:
    """Stop the Home (exit level, with a countdown while waiting) and print the quit summary."""
    shown: dict[str, float] = {}

    def countdown(label: str, left_s: float) -> None:
        # A line when the wait starts and then every half minute, not one per poll.
        if label in shown and shown[label] - left_s < 30:
            return
        shown[label] = left_s
        click.echo(
            f"exit: {sanitize(label)}: calibrating; waiting up to {left_s:.0f} s to set {level}",
            err=True,
        )

    devices = home.zone(ZONE).devices
    await home.stop(level, wait_s=wait_s, on_wait=countdown)
    for address in devices:
        summary = home.exit_summaries.get(address) or _never_read(address, level)
        if as_json:
            print_json(summary.to_json_dict())
        else:
            click.echo(f"exit: {sanitize(summary.line(), 500)}")


def _never_read(address: str, level: str) -> ExitSummary:
    """The summary of a device the Home never read, so never drove: left as it was."""
    why = "it never answered during the run, so it was not driven and was left as it was"
    return ExitSummary(address, "unknown model", level, "unknown", None, None, "unread", why)
