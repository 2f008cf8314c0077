"""Provides the bridge from the user's settings (config.toml) to controller objects.

Only settings the user actually set override a controller's own tuned defaults: the config
file's built-in defaults are docs/physics.md's starting points (for example PI Kp 400 W/K), while
the controllers here carry values tuned against the simulated room (PI Kp 200 W/K, bang-bang
with Home Assistant's 0.3 K tolerance). A value written in config.toml or the environment
always wins.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import time
from typing import Any

from nanoheater.config import ControllerSettings, QuietHoursSettings
from nanoheater.controller.bangbang import BangBang
from nanoheater.controller.decision import Controller
from nanoheater.controller.factory import controller_factory
from nanoheater.controller.ladder import Ladder
from nanoheater.controller.pi import PI
from nanoheater.controller.staged import Staged
from nanoheater.controller.targets import ALL_DAYS, QuietHours

# settings field -> (controller kind, keyword argument of that controller)
_FIELDS: dict[str, tuple[str, str]] = {
    "tolerance_k": ("staged", "band_k"),
    "min_dwell_s": ("staged", "dwell_s"),
    "bang_bang_tolerance_k": ("bang-bang", "tolerance"),
    "min_on_off_s": ("bang-bang", "min_cycle_s"),
    "pi_kp_w_per_k": ("pi", "kp_w_k"),
    "pi_ti_s": ("pi", "ti_s"),
    "pi_period_s": ("pi", "period_s"),
}


def controller_from_settings(
    kind: str, settings: ControllerSettings, ua_w_k: float | None
) -> Callable[[Ladder], Controller]:
    """A factory for ``kind`` with the controller settings the user set explicitly."""
    chosen = {f: getattr(settings, f) for f in settings.model_fields_set if f in _FIELDS}
    kwargs: dict[str, Any] = {}
    for field, value in chosen.items():
        owner, arg = _FIELDS[field]
        if owner == kind:
            kwargs[arg] = value
    if not kwargs:
        return controller_factory(kind, ua_w_k)
    if kind == "staged":
        return lambda ladder: Staged(ladder, ua_w_k=ua_w_k, **kwargs)
    if kind == "pi":
        if "period_s" in kwargs:
            # Keep the calibration-safe minimum segment inside the configured period.
            kwargs.setdefault("min_segment_s", min(330.0, kwargs["period_s"] / 2))
        return lambda ladder: PI(ladder, ua_w_k=ua_w_k, **kwargs)
    tolerance = kwargs.pop("tolerance", None)
    if tolerance is not None:
        kwargs["cold_tolerance_k"] = kwargs["hot_tolerance_k"] = tolerance
    return lambda ladder: BangBang(ladder, **kwargs)


def clock_time(hours: float) -> time:
    """Hours after local midnight (0..24) as a time of day; 24 becomes ``time.max`` (end of day)."""
    minutes = round(hours * 60)
    if minutes >= 24 * 60:
        return time.max
    return time(minutes // 60, minutes % 60)


def quiet_window(quiet: QuietHoursSettings) -> QuietHours:
    """The config's quiet hours as a daily window, with its per-device ceiling as configured."""
    start, end = clock_time(quiet.start_hour), clock_time(quiet.end_hour)
    return QuietHours(ALL_DAYS, start, end, max_power_w=quiet.max_power_w)


def quiet_from_settings(quiet: QuietHoursSettings, ladders: list[Ladder]) -> QuietHours:
    """The config's nightly per-device power ceiling as a quiet-hours window on the zone total.

    Each device may run up to its highest profile within ``max_power_w`` (0: its lowest
    profile); the window caps the zone at the sum of those, which is the same ceiling for a
    single device and the same total for several.
    """
    total = 0.0
    for ladder in ladders:
        index = ladder.highest_at_most(quiet.max_power_w) if quiet.max_power_w > 0 else 0
        total += ladder.power_w(max(index, ladder.lowest_on()))
    return replace(quiet_window(quiet), max_power_w=total)
