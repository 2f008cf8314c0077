"""Run metrics: degree-hours, RMS, overshoot, settling, reach and switch counting."""

from __future__ import annotations

import math

import pytest

from nanoheater.controller.metrics import (
    Point,
    count_switches,
    kelvin_hours_outside,
    last_fraction,
    overshoot_k,
    reach_s,
    rms_error,
    settling_s,
    summary,
)


def series(
    temps: list[float],
    setpoints: list[float] | float = 21.0,
    modes: list[str] | None = None,
    dt: float = 600.0,
) -> list[Point]:
    sp = setpoints if isinstance(setpoints, list) else [setpoints] * len(temps)
    md = modes or ["Night"] * len(temps)
    return [Point(i * dt, t, s, m, 400.0, i * dt / 3600 * 0.4)
            for i, (t, s, m) in enumerate(zip(temps, sp, md, strict=True))]  # fmt: skip


def test_kelvin_hours_and_rms() -> None:
    """1 K below for an hour outside a 0.5 K band is 0.5 K*h; RMS is time-weighted."""
    pts = series([20.0] * 6 + [21.0] * 7)  # six 10-min samples at -1 K, then on target
    assert kelvin_hours_outside(pts) == pytest.approx(0.5)
    assert rms_error(pts) == pytest.approx(math.sqrt(0.5))


def test_overshoot_counts_only_after_reaching_a_raised_set_point() -> None:
    """Overshoot ignores the warm-up and the cool-down after a set-back."""
    pts = series([19.0, 20.5, 21.2, 21.4, 21.1, 21.0, 20.0, 18.0],
                 [21.0, 21.0, 21.0, 21.0, 21.0, 21.0, 17.0, 17.0])  # fmt: skip
    assert overshoot_k(pts) == pytest.approx(0.4)


def test_reach_and_settling() -> None:
    """Reach is the first time within set - 0.5 K; settling is the time after the last exit."""
    pts = series([18.0, 19.0, 20.6, 21.8, 21.2, 21.0, 21.1])
    assert reach_s(pts) == pytest.approx(1200.0)
    assert settling_s(pts) == pytest.approx(2400.0)
    assert settling_s(series([18.0, 19.0])) is None


def test_switch_counting_separates_modes_and_on_off() -> None:
    """A mode change between heating modes and on/off switches are counted apart."""
    pts = series([21.0] * 5, modes=["Night", "Eco", "off", "Night", "Night"])
    sw = count_switches(pts)
    assert (sw.mode_changes, sw.on_off, sw.total) == (1, 2, 3)


def test_last_fraction_and_summary_keys() -> None:
    """The last half keeps the later samples; the summary reports per-day rates and energy."""
    pts = series([21.0] * 145, modes=["Night", "off"] * 72 + ["Night"])  # 24 h, 10-min steps
    half = last_fraction(pts)
    assert half[0].t_s == pytest.approx(12 * 3600)
    report = summary(pts)
    assert report["on_off_per_day"] == pytest.approx(144.0)
    assert report["kwh"] == pytest.approx(9.6)
    assert report["kh_outside_band"] == 0.0
