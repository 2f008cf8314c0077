"""Provides the free heat a room gets besides its heaters: people, appliances and the sun.

Injected into the room's air node next to the heaters' power (firmware_sim/room.py, ``Room.run``):

- **Internal gains** follow a daily occupancy pattern (local hours: asleep, up, away, evening),
  each day scaled by a seeded factor (people are not clockwork).
- **Solar gains** through the windows: a half-sine between sunrise and sunset peaking at solar
  noon, scaled by the sky, from the full clear-sky peak down to ``overcast_share`` of it under
  full cloud (the cloud cover is the outdoor weather's, firmware_sim/weather.py).

The figures of :data:`GAIN_PRESETS` are assumptions for a 20 m² living room in winter with a
south window of about 2 m² (clear-sky winter irradiance on a vertical south pane 300-500 W/m²,
g-value about 0.5), not measurements.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from firmware_sim.room import Outdoor
from firmware_sim.weather import HISTORY_DAYS, SECONDS_PER_DAY


@dataclass(frozen=True, slots=True)
class GainProfile:
    """Free heat of one room (all assumptions; see GAIN_PRESETS)."""

    internal_w: tuple[tuple[float, float], ...]
    """(local hour, W) steps from that hour on; the first must be at hour 0."""
    solar_peak_w: float
    """Clear-sky solar gain at solar noon through the room's windows."""
    sunrise_h: float = 8.0
    sunset_h: float = 16.0
    overcast_share: float = 0.2
    """Share of the clear-sky solar gain left under full cloud (diffuse light)."""
    day_spread: float = 0.2
    """Each day's internal gains are scaled by a seeded factor in 1 +- this."""

    def internal_at(self, hour: float) -> float:
        """Internal gain (W) at local ``hour`` before the day's scaling."""
        watts = self.internal_w[0][1]
        for start_h, w in self.internal_w:
            if hour >= start_h:
                watts = w
        return watts


GAIN_PRESETS: dict[str, GainProfile] = {
    # Two people: asleep, up 06:30-08:30 (kettle, lights), away 08:30-17:00 (fridge, standby),
    # evening 17:00-23:00 (people, TV, lights, cooking); a 2 m² south window.
    "household": GainProfile(
        internal_w=((0.0, 60.0), (6.5, 250.0), (8.5, 40.0), (17.0, 350.0), (23.0, 60.0)),
        solar_peak_w=350.0,
    ),
    # Someone at home all day (home office): more daytime gains, same window.
    "home-office": GainProfile(
        internal_w=((0.0, 60.0), (6.5, 250.0), (8.5, 200.0), (17.0, 350.0), (23.0, 60.0)),
        solar_peak_w=350.0,
    ),
}


class Gains:
    """Seeded internal and solar gains of one room at any time."""

    __slots__ = ("_first_day", "_rng", "_scale", "outdoor", "profile")

    def __init__(
        self, profile: GainProfile, outdoor: Outdoor, *, seed: int, origin_s: float
    ) -> None:
        self.profile = profile
        self.outdoor = outdoor
        self._rng = random.Random(f"gains:{seed}")
        # Days before the origin, as the weather's: a learning log sees gains too.
        self._first_day = int((origin_s + outdoor.utc_offset_s) // SECONDS_PER_DAY) - HISTORY_DAYS
        self._scale: list[float] = []

    def _day_scale(self, day: int) -> float:
        index = max(0, day - self._first_day)
        spread = self.profile.day_spread
        while len(self._scale) <= index:
            self._scale.append(1.0 + spread * (2.0 * self._rng.random() - 1.0))
        return self._scale[index]

    def internal_w(self, t_s: float) -> float:
        """People and appliances at epoch time ``t_s``."""
        local_s = t_s + self.outdoor.utc_offset_s
        day = int(local_s // SECONDS_PER_DAY)
        hour = (local_s - day * SECONDS_PER_DAY) / 3600.0
        return self.profile.internal_at(hour) * self._day_scale(day)

    def solar_w(self, t_s: float) -> float:
        """Sun through the windows at epoch time ``t_s``."""
        p = self.profile
        hour = ((t_s + self.outdoor.utc_offset_s) % SECONDS_PER_DAY) / 3600.0
        if not p.sunrise_h < hour < p.sunset_h:
            return 0.0
        shape = math.sin(math.pi * (hour - p.sunrise_h) / (p.sunset_h - p.sunrise_h))
        cloud = self.outdoor.cloud_fraction(t_s)
        return p.solar_peak_w * shape * (1.0 - (1.0 - p.overcast_share) * cloud)

    def gain_w(self, t_s: float) -> float:
        """All free heat into the room air at epoch time ``t_s``."""
        return self.internal_w(t_s) + self.solar_w(t_s)

    def series(self, start_s: float, n_steps: int) -> list[float]:
        """:meth:`gain_w` at ``start_s`` and each of the next ``n_steps - 1`` seconds."""
        gain_w = self.gain_w
        return [gain_w(start_s + k) for k in range(n_steps)]
