"""Provides the room a simulated heater warms (2R2C) and the outdoor weather it loses heat to.

Model and defaults are docs/physics.md §2.2 and §6.1: a fast air node (air plus furnishings,
``C_a``) and a slow building-mass node (``C_m``); the heaters inject into the air node:

    C_a dT_a/dt = P + H_am (T_m - T_a) + H_ao (T_o - T_a)
    C_m dT_m/dt = H_am (T_a - T_m) + H_mo (T_o - T_m)

Explicit Euler is stable here for steps far below the fast time constant (≈ 12 min), so the 1 s
grid of the world is accurate to well under 0.01 K.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from firmware_sim.weather import SECONDS_PER_DAY, Weather

if TYPE_CHECKING:
    from firmware_sim.gains import Gains

COLDEST_HOUR_LOCAL = 5.0
"""Hour of the daily outdoor minimum (docs/physics.md §6.1)."""


@dataclass(frozen=True, slots=True)
class RoomParams:
    """Thermal parameters of one room (W/K and J/K)."""

    h_ao_w_per_k: float
    """Air to outdoors: ventilation and windows."""
    h_mo_w_per_k: float
    """Mass to outdoors: the opaque envelope."""
    h_am_w_per_k: float
    """Air to mass coupling."""
    c_a_j_per_k: float
    """Air node capacity (air plus furnishings)."""
    c_m_j_per_k: float
    """Building mass capacity."""

    @property
    def ua_w_per_k(self) -> float:
        """Steady-state loss coefficient: H_ao in parallel with H_am and H_mo in series.

        docs/physics.md writes UA ≈ H_ao + H_mo; the series H_am term makes the exact value 1-2 %
        lower for the presets (19.7 instead of 20 W/K for the medium room).
        """
        h_am, h_mo = self.h_am_w_per_k, self.h_mo_w_per_k
        return self.h_ao_w_per_k + h_am * h_mo / (h_am + h_mo)


PRESETS: dict[str, RoomParams] = {
    # docs/physics.md §6.1 medium modern room (UA 20 W/K split 13/7).
    "medium": RoomParams(13.0, 7.0, 185.0, 150_000.0, 3_300_000.0),
    # docs/physics.md §6.1 "small" preset: UA 10 W/K; the 6.9/3.4 split of §2.2 scaled to 10 W/K.
    "small": RoomParams(6.7, 3.3, 92.0, 75_000.0, 1_650_000.0),
    # docs/physics.md §2.2 "medium, older": UA 33.5 W/K (23.5 / 10), same capacities as medium.
    "medium-older": RoomParams(23.5, 10.0, 185.0, 150_000.0, 3_300_000.0),
}

HeaterStep = Callable[[float, float, float], float]
"""A heater's ``step(dt_s, now_s, inlet_c)``: advance it and return its wall power in W."""

DEFAULT_INITIAL_C = 16.0
"""Cold-start initial temperature of both nodes (docs/physics.md §6.1)."""


AVERAGE_CLOUD = 0.6
"""Cloud cover of a sky without seeded weather (a winter average; assumption)."""


class Outdoor:
    """Outdoor temperature: a daily sine around ``mean_c`` with its minimum at 05:00 local time.

    ``weather`` (firmware_sim/weather.py), when given, moves the daily mean, scales the swing
    and adds a wander, seeded; without it every day is the same sine. ``override_c`` (set by the
    control endpoint) replaces the profile while it is not None.
    """

    __slots__ = ("amplitude_k", "mean_c", "override_c", "utc_offset_s", "weather")

    def __init__(
        self,
        mean_c: float = 0.0,
        amplitude_k: float = 4.0,
        utc_offset_s: float = 0.0,
        override_c: float | None = None,
        weather: Weather | None = None,
    ) -> None:
        self.mean_c = mean_c
        self.amplitude_k = amplitude_k
        self.utc_offset_s = utc_offset_s
        self.override_c = override_c
        self.weather = weather

    def temp_c(self, t_s: float) -> float:
        """Return the outdoor temperature at epoch time ``t_s``."""
        if self.override_c is not None:
            return self.override_c
        local_s = (t_s + self.utc_offset_s) % SECONDS_PER_DAY
        phase = 2.0 * math.pi * (local_s - COLDEST_HOUR_LOCAL * 3600.0) / SECONDS_PER_DAY
        if self.weather is None:
            return self.mean_c - self.amplitude_k * math.cos(phase)
        mean_k, swing, wander_k = self.weather.offsets(t_s + self.utc_offset_s)
        return self.mean_c + mean_k - self.amplitude_k * swing * math.cos(phase) + wander_k

    def cloud_fraction(self, t_s: float) -> float:
        """Cloud cover at ``t_s`` (0 clear, 1 overcast): the weather's, else AVERAGE_CLOUD."""
        if self.weather is None:
            return AVERAGE_CLOUD
        return self.weather.cloud_fraction(t_s + self.utc_offset_s)


class Room:
    """One room: air and mass temperatures advanced by :meth:`step`."""

    __slots__ = (
        "_k_aa",
        "_k_am",
        "_k_ao",
        "_k_ma",
        "_k_mo",
        "air_c",
        "gains",
        "mass_c",
        "name",
        "params",
    )

    def __init__(
        self,
        params: RoomParams | None = None,
        *,
        air_c: float = DEFAULT_INITIAL_C,
        mass_c: float | None = None,
        name: str = "room",
    ) -> None:
        self.params = params if params is not None else PRESETS["medium"]
        self.air_c = air_c
        self.mass_c = air_c if mass_c is None else mass_c
        self.name = name
        self.gains: Gains | None = None
        """Free heat (people, appliances, sun; firmware_sim/gains.py) into the air, if any."""
        p = self.params
        # Per-joule coefficients, precomputed so the 1 s step is a handful of multiplications.
        self._k_aa = 1.0 / p.c_a_j_per_k
        self._k_am = p.h_am_w_per_k / p.c_a_j_per_k
        self._k_ao = p.h_ao_w_per_k / p.c_a_j_per_k
        self._k_ma = p.h_am_w_per_k / p.c_m_j_per_k
        self._k_mo = p.h_mo_w_per_k / p.c_m_j_per_k

    @classmethod
    def preset(cls, name: str, *, air_c: float = DEFAULT_INITIAL_C) -> Room:
        """Build a room from a named preset ("small", "medium", "medium-older")."""
        try:
            params = PRESETS[name]
        except KeyError:
            raise KeyError(f"unknown room preset {name!r}; known: {', '.join(PRESETS)}") from None
        return cls(params, air_c=air_c, name=name)

    @property
    def thermometer_c(self) -> float:
        """What a virtual room thermometer reads: the true air temperature."""
        return self.air_c

    def steady_state_c(self, power_w: float, outdoor_c: float) -> float:
        """Return the air temperature the room settles at: T_o + P / UA (docs/physics.md §2.2)."""
        return outdoor_c + power_w / self.params.ua_w_per_k

    def run(
        self,
        steps: Sequence[HeaterStep],
        start_s: float,
        outdoor_c: Sequence[float],
        gains_w: Sequence[float] | None = None,
    ) -> float:
        """Advance one 1 s step per ``outdoor_c`` entry with ``steps`` heating; return the end time.

        ``gains_w``, one entry per step, is free heat added to the heaters' power.

        Each of ``steps`` is a heater's ``step(dt_s, now_s, inlet_c)`` returning its power. The
        arithmetic is :meth:`step`'s with ``dt_s = 1`` (x * 1.0 == x exactly: the same floats),
        with both nodes kept in locals for the whole stretch: a simulated fleet runs tens of
        thousands of these steps a second, and a call and four attribute writes per step cost.
        """
        a = self.air_c
        m = self.mass_c
        k_aa, k_am, k_ao = self._k_aa, self._k_am, self._k_ao
        k_ma, k_mo = self._k_ma, self._k_mo
        t = start_s
        if gains_w is not None:
            for out_c, p in zip(outdoor_c, gains_w, strict=True):
                for heater_step in steps:
                    p += heater_step(1.0, t, a)
                a, m = (
                    a + (p * k_aa + k_am * (m - a) + k_ao * (out_c - a)),
                    m + (k_ma * (a - m) + k_mo * (out_c - m)),
                )
                t += 1.0
        elif len(steps) == 1:
            only = steps[0]
            for out_c in outdoor_c:
                p = only(1.0, t, a)
                a, m = (
                    a + (p * k_aa + k_am * (m - a) + k_ao * (out_c - a)),
                    m + (k_ma * (a - m) + k_mo * (out_c - m)),
                )
                t += 1.0
        else:
            for out_c in outdoor_c:
                p = 0.0
                for heater_step in steps:
                    p += heater_step(1.0, t, a)
                a, m = (
                    a + (p * k_aa + k_am * (m - a) + k_ao * (out_c - a)),
                    m + (k_ma * (a - m) + k_mo * (out_c - m)),
                )
                t += 1.0
        self.air_c = a
        self.mass_c = m
        return t

    def step(self, dt_s: float, power_w: float, outdoor_c: float) -> None:
        """Advance both nodes by ``dt_s`` with ``power_w`` injected into the air."""
        a = self.air_c
        m = self.mass_c
        self.air_c = a + dt_s * (
            power_w * self._k_aa + self._k_am * (m - a) + self._k_ao * (outdoor_c - a)
        )
        self.mass_c = m + dt_s * (self._k_ma * (a - m) + self._k_mo * (outdoor_c - m))
