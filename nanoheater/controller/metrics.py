"""Provides the comfort and switching metrics of a run (docs/physics.md §2.4) from a series.

Pure functions over ``Point`` lists: degree-hours outside the band, RMS deviation, overshoot,
settling and reach times, mode changes and on/off switches, energy. Used by ``nanoheater
simulate`` and the controller benchmark; nothing here knows where the samples came from.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

OFF_MODE = "off"


@dataclass(frozen=True, slots=True)
class Point:
    """One sample: time, true room air, set-point, what runs, power and the energy meter."""

    t_s: float
    air_c: float
    setpoint_c: float | None
    mode: str
    """Profile name, or ``off`` in standby."""
    power_w: float
    energy_kwh: float
    """Cumulative meter reading."""


@dataclass(frozen=True, slots=True)
class Switches:
    """Mode changes (between two heating modes) and on/off switches (to or from standby)."""

    mode_changes: int
    on_off: int

    @property
    def total(self) -> int:
        """All switches."""
        return self.mode_changes + self.on_off


def count_switches(points: Sequence[Point]) -> Switches:
    """Count mode changes and on/off switches between consecutive samples."""
    modes = onoff = 0
    for a, b in itertools.pairwise(points):
        if a.mode == b.mode:
            continue
        if OFF_MODE in (a.mode, b.mode):
            onoff += 1
        else:
            modes += 1
    return Switches(modes, onoff)


def _errors(points: Sequence[Point]) -> list[tuple[float, float]]:
    """(dt, error) per sample with a set-point; dt is the time to the next sample."""
    out = []
    for a, b in itertools.pairwise(points):
        if a.setpoint_c is not None:
            out.append((b.t_s - a.t_s, a.air_c - a.setpoint_c))
    return out


def kelvin_hours_outside(points: Sequence[Point], band_k: float = 0.5) -> float:
    """Integral of max(0, abs(T - T_set) - band) over time, in K*h."""
    return sum(dt * max(0.0, abs(e) - band_k) for dt, e in _errors(points)) / 3600.0


def rms_error(points: Sequence[Point]) -> float:
    """Time-weighted RMS of T - T_set in K (NaN without set-points)."""
    errs = _errors(points)
    total = sum(dt for dt, _ in errs)
    if total <= 0:
        return math.nan
    return math.sqrt(sum(dt * e * e for dt, e in errs) / total)


def _segments(points: Sequence[Point]) -> list[tuple[int, int, bool]]:
    """(start, end, rose) index ranges of constant set-point; ``rose``: it went up (or began)."""
    segs: list[tuple[int, int, bool]] = []
    start = 0
    for i in range(1, len(points) + 1):
        if i == len(points) or points[i].setpoint_c != points[start].setpoint_c:
            prev = points[start - 1].setpoint_c if start > 0 else None
            cur = points[start].setpoint_c
            rose = cur is not None and (prev is None or cur > prev)
            segs.append((start, i, rose))
            start = i
    return segs


def overshoot_k(points: Sequence[Point]) -> float | None:
    """Largest T - T_set after the room first reaches a raised (or initial) set-point."""
    worst: float | None = None
    for start, end, rose in _segments(points):
        if not rose:
            continue
        reached = False
        for p in points[start:end]:
            assert p.setpoint_c is not None  # noqa: S101 - rose implies a set-point
            if p.air_c >= p.setpoint_c:
                reached = True
            if reached:
                over = p.air_c - p.setpoint_c
                worst = over if worst is None else max(worst, over)
    return worst


def reach_s(points: Sequence[Point], band_k: float = 0.5) -> float | None:
    """Seconds from the start until the room first reaches set-point - band (None: never)."""
    for p in points:
        if p.setpoint_c is not None and p.air_c >= p.setpoint_c - band_k:
            return p.t_s - points[0].t_s
    return None


def settling_s(points: Sequence[Point], band_k: float = 0.5) -> float | None:
    """Seconds from the last set-point change (or start) until abs(error) <= band for good."""
    if not points:
        return None
    start, end, _ = _segments(points)[-1]
    seg = points[start:end]
    last_out = None
    for i, p in enumerate(seg):
        if p.setpoint_c is None or abs(p.air_c - p.setpoint_c) > band_k:
            last_out = i
    if last_out is None:
        return 0.0
    if last_out == len(seg) - 1:
        return None
    return seg[last_out + 1].t_s - seg[0].t_s


def energy_kwh(points: Sequence[Point]) -> float:
    """Meter difference between the first and the last sample."""
    return points[-1].energy_kwh - points[0].energy_kwh if points else 0.0


def last_fraction(points: Sequence[Point], fraction: float = 0.5) -> list[Point]:
    """The samples in the last ``fraction`` of the run's duration."""
    if not points:
        return []
    cut = points[-1].t_s - fraction * (points[-1].t_s - points[0].t_s)
    return [p for p in points if p.t_s >= cut]


def summary(points: Sequence[Point], band_k: float = 0.5) -> dict[str, float | int | None]:
    """The metric set of ``nanoheater simulate --json`` for the whole run and its last half."""
    days = (points[-1].t_s - points[0].t_s) / 86_400.0 if len(points) > 1 else 0.0
    sw = count_switches(points)
    half = last_fraction(points)
    half_days = (half[-1].t_s - half[0].t_s) / 86_400.0 if len(half) > 1 else 0.0
    sw_half = count_switches(half)

    def per_day(n: int, d: float) -> float | None:
        return round(n / d, 2) if d > 0 else None

    def r(x: float | None, nd: int = 3) -> float | None:
        return None if x is None or math.isnan(x) else round(x, nd)

    return {
        "kh_outside_band": r(kelvin_hours_outside(points, band_k)),
        "rms_k": r(rms_error(points)),
        "overshoot_k": r(overshoot_k(points)),
        "settling_h": r(None if (s := settling_s(points, band_k)) is None else s / 3600.0),
        "reach_h": r(None if (t := reach_s(points, band_k)) is None else t / 3600.0),
        "min_c": r(min(p.air_c for p in points), 2),
        "max_c": r(max(p.air_c for p in points), 2),
        "mode_changes_per_day": per_day(sw.mode_changes, days),
        "on_off_per_day": per_day(sw.on_off, days),
        "kwh": r(energy_kwh(points)),
        "last_half_rms_k": r(rms_error(half)),
        "last_half_kh_outside_band": r(kelvin_hours_outside(half, band_k)),
        "last_half_switches_per_day": per_day(sw_half.total, half_days),
        "last_half_kwh": r(energy_kwh(half)),
    }
