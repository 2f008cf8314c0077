"""Provides the Home's room learning: each zone's room model, refitted from the history hourly.

The log is what the history keeps (``history.climate.room_log``: the zone's devices' power and
room readings per minute, joined with the outdoor readings); the fit is
``controller.roommodel.learn_room``. Reading runs on the history's own thread (or, for a
``thermostat`` that keeps no history, on a worker thread over a read-only connection to the
one ``serve`` or the TUI keeps), and the fit on a worker thread: the event loop never waits.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from pathlib import Path

from nanoheater.controller.regulator import Regulator
from nanoheater.controller.roomfit import RoomSample
from nanoheater.controller.roommodel import RoomEstimate, RoomKnowledge, learn_room
from nanoheater.controller.sensors import SensorGuard, sensor_from_spec
from nanoheater.exceptions import UsageError
from nanoheater.history.climate import RoomMinute, open_read_only, room_log
from nanoheater.history.store import AsyncHistoryStore

REFIT_S = 3600.0
"""A zone's room model is refitted this often (and when its devices change)."""
OUTDOOR_MAX_AGE_S = 3600.0
"""An outdoor sensor's reading older than this is not used (weather changes slowly; a weather
service updates hourly at best)."""
LOG_S = 7 * 86_400.0
"""The fit reads the last week of the log."""

RoomLogSource = Callable[[Sequence[str], float, float], Awaitable[list[RoomMinute]]]
"""Reads the room log of a zone's devices (history keys) over [since, until)."""


def check_outdoor_spec(spec: str, name: str = "outdoor_sensor") -> None:
    """Refuse what cannot be an outdoor sensor, without building it (no I/O).

    Raises:
        UsageError: not ``file:``, ``cmd:`` or ``http(s)://`` (``inlet`` is indoor air); one line
            that names the setting (``name``).
    """
    if not spec.startswith(("file:", "cmd:", "http://", "https://")):
        why = (
            "inlet is a device's intake air, not the outdoors"
            if spec.strip() == "inlet"
            else f"unknown sensor {spec[:80]!r}"
        )
        raise UsageError(f"{name}: {why}; use file:PATH, cmd:COMMAND or an http(s) URL")


def outdoor_guard(
    spec: str,
    *,
    token: str | None = None,
    ca_file: Path | None = None,
    name: str = "outdoor_sensor",
) -> SensorGuard:
    """The outdoor sensor of ``spec`` (``file:``, ``cmd:``, ``http(s)://...#path``), guarded.

    Every read ends by the guard's deadline and no exception escapes it; a reading older than
    ``OUTDOOR_MAX_AGE_S`` is none. Building it does no I/O beyond reading an https ``ca_file``.

    Raises:
        UsageError: ``spec`` is not a sensor, or is ``inlet`` (a device's intake air is indoors);
            one line that names the setting (``name``).
    """
    check_outdoor_spec(spec, name)
    try:
        sensor = sensor_from_spec(spec, token=token, ca_file=ca_file)
    except UsageError as exc:
        raise UsageError(f"{name}: {exc}") from None
    return SensorGuard(sensor, OUTDOOR_MAX_AGE_S)


def store_source(history: AsyncHistoryStore) -> RoomLogSource:
    """The room log from the Home's own history, read on the history thread."""

    async def read(devices: Sequence[str], since_s: float, until_s: float) -> list[RoomMinute]:
        return await history.call(lambda store: store.room_log(devices, since_s, until_s))

    return read


def file_source(path: Path) -> RoomLogSource:
    """The room log from the history file at ``path``, opened read-only for each read."""

    def read_now(devices: Sequence[str], since_s: float, until_s: float) -> list[RoomMinute]:
        db = open_read_only(path)
        if db is None:
            return []
        with contextlib.closing(db):
            return room_log(db, devices, since_s, until_s)

    async def read(devices: Sequence[str], since_s: float, until_s: float) -> list[RoomMinute]:
        return await asyncio.to_thread(read_now, devices, since_s, until_s)

    return read


async def learn(source: RoomLogSource, devices: Sequence[str], now_s: float) -> RoomKnowledge:
    """The room model of the zone of ``devices`` from the last week of its log."""
    minutes = await source(devices, now_s - LOG_S, now_s)
    samples = [RoomSample(m.t_s, m.room_c, m.outdoor_c, m.power_w) for m in minutes]
    return await asyncio.to_thread(learn_room, samples, now_s)


def apply(regulator: Regulator | None, knowledge: RoomKnowledge | None) -> None:
    """Give a fitted heat loss to ``regulator`` (feed-forward, reachability).

    A heat loss the user gave (``thermostat --ua``) is never replaced by a fitted one.
    """
    if regulator is None or not isinstance(knowledge, RoomEstimate):
        return
    if regulator.ua_w_k is not None and not regulator.heat_loss_basis:
        return
    regulator.set_heat_loss(knowledge.ua_w_k, f"fitted from {knowledge.hours:.0f} h of history")


def top_power_w(regulator: Regulator | None) -> float | None:
    """The zone's full power (the figures' "at full power"), once its regulator exists."""
    return None if regulator is None else regulator.ladder.power_w(regulator.ladder.top)
