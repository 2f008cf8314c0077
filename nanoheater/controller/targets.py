"""Provides heat targets and ``plan_at``, which turns them into "what to aim for now".

Targets: a fixed level, a room temperature, a weekly schedule of either with quiet hours, and
the economic limit.

A schedule file is TOML (stdlib ``tomllib``)::

    [[entry]]              # from this time on, until the next entry
    days = "mon-fri"       # "all", "mon-fri", "sat,sun", ...
    at = "06:30"
    target_c = 21          # or: mode = "Night"   or: power_w = 500

    [[quiet]]              # caps noise or mode inside the window (may wrap midnight)
    days = "all"
    from = "22:00"
    to = "07:00"
    max_db = 35            # and/or: max_mode = "Night", max_power_w = 400

Times are local wall-clock times; the caller supplies the time zone, so nothing here reads a clock.
"""

from __future__ import annotations

import math
import tomllib
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, tzinfo
from pathlib import Path
from typing import Any

from nanoheater.atomic import read_regular_file
from nanoheater.capabilities import capabilities
from nanoheater.controller.ladder import Caps, Ladder
from nanoheater.exceptions import UsageError
from nanoheater.models import ModelId
from nanoheater.protocol.sanitize import sanitize
from nanoheater.units import celsius

MAX_SCHEDULE_BYTES = 64_000
"""Largest schedule accepted, as a file or as text sent to the service (real ones are < 2 kB)."""

DAY_NAMES = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ALL_DAYS = frozenset(range(7))


@dataclass(frozen=True, slots=True)
class FixedLevel:
    """Run one heat step: a mode by name (``off`` allowed where the model has it) or watts."""

    mode: str | None = None
    power_w: float | None = None

    def __post_init__(self) -> None:
        if (self.mode is None) == (self.power_w is None):
            raise UsageError("a fixed level needs exactly one of mode or power_w")

    def resolve(self, ladder: Ladder) -> int:
        """Return the rung: the named mode, or the profile nearest the watts."""
        if self.mode is not None:
            index = ladder.index_of(self.mode)
            if index is None:
                names = ", ".join(s.name for s in ladder.steps)
                raise UsageError(f"unknown mode {self.mode!r}; this model has: {names}")
            return index
        power_w = self.power_w if self.power_w is not None else 0.0
        return ladder.nearest(power_w, allow_off=power_w <= 0)

    def describe(self) -> str:
        """Short human text, e.g. ``mode Night`` or ``500 W``."""
        return f"mode {self.mode}" if self.mode is not None else f"{self.power_w:.0f} W"


@dataclass(frozen=True, slots=True)
class RoomTemperature:
    """Hold the room at ``setpoint_c``."""

    setpoint_c: float

    def describe(self) -> str:
        """Short human text, e.g. ``21.0 °C``."""
        return celsius(self.setpoint_c)


HeatTarget = FixedLevel | RoomTemperature


def parse_days(text: str) -> frozenset[int]:
    """Parse ``all``, ``mon-fri``, ``sat,sun`` or ``tue`` into weekday numbers (Monday 0)."""
    text = text.strip().casefold()
    if text in ("all", "*", "daily"):
        return ALL_DAYS
    days: set[int] = set()
    for part in text.split(","):
        part = part.strip()
        if "-" in part:
            a, b = (p.strip()[:3] for p in part.split("-", 1))
            if a not in DAY_NAMES or b not in DAY_NAMES:
                raise UsageError(f"bad day range {part!r}")
            i, j = DAY_NAMES.index(a), DAY_NAMES.index(b)
            days.update((i + k) % 7 for k in range((j - i) % 7 + 1))
        elif part[:3] in DAY_NAMES:
            days.add(DAY_NAMES.index(part[:3]))
        else:
            raise UsageError(f"bad day {part!r}")
    return frozenset(days)


def parse_clock(text: str) -> time:
    """Parse ``HH:MM`` into a time."""
    try:
        hour, minute = (int(x) for x in text.strip().split(":"))
        return time(hour, minute)
    except (ValueError, TypeError):
        raise UsageError(f"bad time {text!r}; use HH:MM") from None


def _minute_of_week(day: int, at: time) -> int:
    return day * 1440 + at.hour * 60 + at.minute


def _local_days(since_s: float, until_s: float, tz: tzinfo) -> Iterator[date]:
    # From the day before (a window that wraps midnight starts then) to the last day.
    day = datetime.fromtimestamp(since_s, tz).date() - timedelta(days=1)
    last = datetime.fromtimestamp(until_s, tz).date()
    while day <= last:
        yield day
        day += timedelta(days=1)


def _moment(day: date, at: time, tz: tzinfo) -> float:
    if at == time.max:  # 24:00
        return datetime.combine(day + timedelta(days=1), time(0), tz).timestamp()
    return datetime.combine(day, at, tz).timestamp()


@dataclass(frozen=True, slots=True)
class ScheduleEntry:
    """From ``at`` on the given weekdays on, aim for ``target`` until the next entry."""

    days: frozenset[int]
    at: time
    target: HeatTarget


@dataclass(frozen=True, slots=True)
class QuietHours:
    """A window (starting on ``days``, may wrap midnight) that caps noise, mode and/or power."""

    days: frozenset[int]
    start: time
    end: time
    max_noise_db: float | None = None
    max_mode: str | None = None
    max_power_w: float | None = None
    """Ceiling on the ladder's power (the zone total when several devices share a ladder)."""

    def active(self, local: datetime) -> bool:
        """Whether ``local`` falls inside the window."""
        now = local.hour * 3600 + local.minute * 60 + local.second
        start = self.start.hour * 3600 + self.start.minute * 60 + self.start.second
        # An end of time.max stands for 24:00, which a time of day cannot say.
        end = 86400 if self.end == time.max else self.end.hour * 3600 + self.end.minute * 60
        day = local.weekday()
        if start <= end:
            return day in self.days and start <= now < end
        # Wraps midnight: the evening part belongs to today, the morning part to yesterday.
        return (day in self.days and now >= start) or ((day - 1) % 7 in self.days and now < end)

    def spans(self, since_s: float, until_s: float, tz: tzinfo) -> list[tuple[float, float]]:
        """The (start, end) epoch seconds of the window between ``since_s`` and ``until_s``.

        Clipped to that range, oldest first; the same window ``active`` reports, for a chart.
        """
        found = []
        for day in _local_days(since_s, until_s, tz):
            if day.weekday() not in self.days:
                continue
            wraps = self.end != time.max and self.end < self.start
            start = _moment(day, self.start, tz)
            end = _moment(day + timedelta(days=1) if wraps else day, self.end, tz)
            low, high = max(start, since_s), min(end, until_s)
            if low < high:
                found.append((low, high))
        return found

    def ceiling(self, ladder: Ladder) -> tuple[int, str]:
        """Highest rung allowed in the window and the reason."""
        high, why = ladder.top, ""
        if self.max_noise_db is not None:
            high = ladder.highest_quieter_than(self.max_noise_db)
            why = f"quiet hours: at most {self.max_noise_db:g} dB"
        if self.max_power_w is not None:
            index = ladder.highest_at_most(self.max_power_w)
            if index < high:
                high, why = index, f"quiet hours: at most {self.max_power_w:.0f} W"
        if self.max_mode is not None:
            index = FixedLevel(mode=self.max_mode).resolve(ladder)
            if index < high:
                high, why = index, f"quiet hours: at most {self.max_mode}"
        return high, why


@dataclass(frozen=True, slots=True)
class Schedule:
    """A weekly schedule of targets with quiet hours; ``default`` fills an empty schedule."""

    entries: tuple[ScheduleEntry, ...] = ()
    quiet: tuple[QuietHours, ...] = ()
    default: HeatTarget | None = None

    def target_at(self, local: datetime) -> HeatTarget | None:
        """The target of the latest entry at or before ``local``, wrapping round the week."""
        now = _minute_of_week(local.weekday(), local.time())
        best: tuple[int, HeatTarget] | None = None
        for entry in self.entries:
            for day in entry.days:
                # Distance back in time from the entry start to now, within one week.
                back = (now - _minute_of_week(day, entry.at)) % (7 * 1440)
                if best is None or back < best[0]:
                    best = (back, entry.target)
        return best[1] if best is not None else self.default

    def steps(
        self, since_s: float, until_s: float, tz: tzinfo
    ) -> list[tuple[float, HeatTarget | None, HeatTarget]]:
        """When the target changes between ``since_s`` and ``until_s``: (time, from, to).

        Oldest first; an entry that sets the target already in force is no change, left out.
        """
        moments = {
            _moment(day, entry.at, tz)
            for day in _local_days(since_s, until_s, tz)
            for entry in self.entries
            if day.weekday() in entry.days
        }
        found: list[tuple[float, HeatTarget | None, HeatTarget]] = []
        for moment in sorted(moments):
            if not since_s <= moment <= until_s:
                continue
            before = self.target_at(datetime.fromtimestamp(moment - 60, tz))
            after = self.target_at(datetime.fromtimestamp(moment, tz))
            if after is not None and after != before:
                found.append((moment, before, after))
        return found

    def caps_at(self, ladder: Ladder, local: datetime, caps: Caps | None = None) -> Caps:
        """Tighten ``caps`` (default: the whole ladder) by every active quiet-hours window."""
        caps = caps if caps is not None else Caps.full(ladder)
        for window in self.quiet:
            if window.active(local):
                high, why = window.ceiling(ladder)
                caps = caps.tighten(high, why)
        return caps


def _target_from(table: dict[str, Any], where: str) -> HeatTarget:
    keys = [k for k in ("target_c", "mode", "power_w") if k in table]
    if len(keys) != 1:
        raise UsageError(f"{where}: give exactly one of target_c, mode, power_w")
    if "target_c" in table:
        return RoomTemperature(_finite(table, "target_c", where))
    if "mode" in table:
        return FixedLevel(mode=str(table["mode"]))
    return FixedLevel(power_w=_finite(table, "power_w", where))


def _finite(table: dict[str, Any], key: str, where: str) -> float:
    """``table[key]`` as a finite number; TOML itself allows ``nan`` and ``inf``."""
    value = table[key]
    try:
        number = float(value)  # a TOML number, or a numeric string as always accepted
    except (TypeError, ValueError):
        number = math.nan
    if isinstance(value, bool) or not math.isfinite(number):
        raise UsageError(f"{where}: {key} must be a finite number, not {sanitize(value, 40)!r}")
    return number


def _tables(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    """``data[key]`` as a list of tables (``[[key]]``); anything else is a usage error."""
    tables = data.get(key, [])
    if not isinstance(tables, list) or not all(isinstance(t, dict) for t in tables):
        raise UsageError(f"schedule: {key} must be a list of [[{key}]] tables")
    return tables


def _toml(text: str) -> dict[str, Any]:
    if len(text) > MAX_SCHEDULE_BYTES:
        raise UsageError(f"schedule: larger than {MAX_SCHEDULE_BYTES} bytes")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(f"schedule: {exc}") from None
    except RecursionError:
        # tomllib recurses per nesting level: 2,000 brackets raised out of every caller.
        raise UsageError("schedule: not valid TOML (nested too deeply)") from None


def parse_schedule(text: str, default: HeatTarget | None = None) -> Schedule:
    """Parse schedule TOML (see the module docstring); UsageError on anything malformed.

    The text is untrusted (a file, the service API, Home Assistant): every shape or value
    that is not a schedule, NaN and infinity included, is a ``UsageError``, never another
    exception (issue 14).
    """
    data = _toml(text)
    entries = []
    for i, e in enumerate(_tables(data, "entry")):
        where = f"entry {i + 1}"
        with _naming(where):
            days, at = parse_days(str(e.get("days", "all"))), parse_clock(str(e.get("at", "")))
        entries.append(ScheduleEntry(days, at, _target_from(e, where)))
    quiet = []
    for i, q in enumerate(_tables(data, "quiet")):
        where = f"quiet {i + 1}"
        with _naming(where):
            days = parse_days(str(q.get("days", "all")))
            start, end = parse_clock(str(q.get("from", ""))), parse_clock(str(q.get("to", "")))
        window = QuietHours(
            days,
            start,
            end,
            _finite(q, "max_db", where) if "max_db" in q else None,
            str(q["max_mode"]) if "max_mode" in q else None,
            _finite(q, "max_power_w", where) if "max_power_w" in q else None,
        )
        if window.max_noise_db is None and window.max_mode is None and window.max_power_w is None:
            raise UsageError(f"{where}: give max_db, max_mode or max_power_w")
        quiet.append(window)
    return Schedule(tuple(entries), tuple(quiet), default)


@contextmanager
def _naming(where: str) -> Iterator[None]:
    """A bad day or time names the entry it is in, as every other schedule error does."""
    try:
        yield
    except UsageError as exc:
        raise UsageError(f"{where}: {exc}") from None


def read_schedule_text(path: Path) -> str:
    """A schedule file's text: a regular UTF-8 file of at most ``MAX_SCHEDULE_BYTES``.

    A FIFO hung the thermostat (and the TUI's event loop) and ``/dev/zero`` read until
    MemoryError, as config.toml once did (issue 14): both are a usage error at once.
    """
    try:
        return read_regular_file(path, MAX_SCHEDULE_BYTES).decode("utf-8")
    except OSError as exc:
        raise UsageError(f"cannot read schedule {path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise UsageError(f"cannot read schedule {path}: not UTF-8 text") from None


def load_schedule(path: Path, default: HeatTarget | None = None) -> Schedule:
    """Read and parse a schedule file."""
    return parse_schedule(read_schedule_text(path), default)


@dataclass(frozen=True, slots=True)
class EconomicLimit:
    """Stop heating while the net cost of heat is above ``max_net_cost_per_kwh``."""

    max_net_cost_per_kwh: float

    def allows(self, net_cost_per_kwh: float | None) -> bool:
        """True when heating is allowed (unknown cost never stops heating)."""
        return net_cost_per_kwh is None or net_cost_per_kwh <= self.max_net_cost_per_kwh


@dataclass(frozen=True, slots=True)
class Plan:
    """What to aim for now: a set-point or a fixed rung, within caps."""

    caps: Caps
    setpoint_c: float | None = None
    fixed_index: int | None = None
    notes: tuple[str, ...] = field(default=())


def plan_at(
    schedule: Schedule,
    ladder: Ladder,
    now_s: float,
    tz: tzinfo,
    *,
    caps: Caps | None = None,
    economic: EconomicLimit | None = None,
    net_cost_per_kwh: float | None = None,
) -> Plan:
    """Resolve the schedule, quiet hours and economic limit at ``now_s`` into a Plan."""
    local = datetime.fromtimestamp(now_s, tz)
    caps = schedule.caps_at(ladder, local, caps)
    notes: list[str] = []
    if economic is not None and not economic.allows(net_cost_per_kwh):
        # Above the limit the cheapest heat is none: cap at the floor (off where possible).
        why = f"heat costs {net_cost_per_kwh:.3f}/kWh > limit {economic.max_net_cost_per_kwh:.3f}"
        caps = Caps(caps.low, caps.low, why)
        notes.append(why)
    target = schedule.target_at(local)
    if target is None:
        return Plan(caps, None, caps.low, (*notes, "no target: lowest step"))
    if isinstance(target, RoomTemperature):
        return Plan(caps, target.setpoint_c, None, tuple(notes))
    return Plan(caps, None, caps.clamp(target.resolve(ladder)), tuple(notes))


EXIT_WORDS = ("lowest", "off")
"""Exit levels every model understands; anything else must be a mode name."""


def check_exit_level(level: str, ladders: Iterable[Ladder] | None = None) -> str:
    """Return ``level`` if it names an exit level of at least one of ``ladders``.

    With no ``ladders`` (the devices are not known yet, as in the TUI), every known model counts.

    Called at start-up, so a typo (``turbo``) is a usage error before any device is driven,
    not a surprise at exit after a whole session at full power.

    Raises:
        UsageError: ``level`` is neither ``lowest``, ``off`` nor a mode of any ladder.
    """
    if level.strip().casefold() in EXIT_WORDS:
        return level
    if ladders is None:
        ladders = [Ladder.from_capabilities(capabilities(m)) for m in ModelId]
    ladders = list(ladders)
    if any(ladder.index_of(level) is not None for ladder in ladders):
        return level
    names = dict.fromkeys(s.name for ladder in ladders for s in ladder.steps if not s.is_off)
    raise UsageError(
        f"--exit-level {level!r} is not a level: give lowest, off or a mode ({', '.join(names)})"
    )


def exit_rung(level: str) -> Callable[[Ladder], int]:
    """The rung a device is left at on exit: ``lowest`` heating step, ``off`` or a mode name."""
    word = level.strip().casefold()

    def pick(ladder: Ladder) -> int:
        if word == "lowest":
            return ladder.lowest_on()
        if word == "off":
            return 0
        return FixedLevel(mode=level).resolve(ladder)

    return pick
