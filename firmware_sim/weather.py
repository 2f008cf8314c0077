"""Provides seeded day-to-day weather on top of the outdoor daily sine, and its cloud cover.

:class:`firmware_sim.room.Outdoor` is the diurnal cycle (a sine around a mean, coldest at 05:00).
Real winters are not seven identical sine days: the daily mean drifts, the daily swing is larger
under a clear sky than under cloud, cold snaps come and go for a few days, and the hours wander
around the smooth curve. :class:`Weather` adds all of that, seeded and repeatable:

- per local day an AR(1) offset of the daily mean, an AR(1) cloud cover in 0..1 (the swing is
  1.5x the sine's under a clear sky, 0.5x under full cloud), and sometimes a cold snap (a few
  days several kelvin colder, under clearer skies);
- every three hours an AR(1) wander of a few tenths of a kelvin;
- daily values meet with a smooth (half-cosine) blend over the day, the three-hourly wander
  linearly, so the outdoor air has no steps.

Times are local (epoch seconds plus the outdoor's UTC offset; Outdoor converts). Values are
drawn day by day in a fixed order from one seeded generator, starting ``HISTORY_DAYS`` before
``origin_local_s`` (a learning log before a run sees weather too) and extended
lazily forward: the value at a time never depends on which times were asked for first. The
figures of :data:`WEATHER_PRESETS` are assumptions of a central-European winter, not fits.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

SECONDS_PER_DAY = 86_400.0
KNOTS_PER_DAY = 8
"""Three-hourly wander knots."""
HISTORY_DAYS = 30
"""Days drawn before the origin; earlier times read the first day's values."""


@dataclass(frozen=True, slots=True)
class WeatherVariation:
    """Parameters of the day-to-day weather (all assumptions; see WEATHER_PRESETS)."""

    mean_sd_k: float = 2.5
    """Spread of the daily mean around the sine's mean (stationary standard deviation)."""
    mean_rho: float = 0.75
    """Day-to-day correlation of the daily mean (AR(1))."""
    cloud_rho: float = 0.6
    """Day-to-day correlation of the cloud cover (AR(1) on a latent Gaussian)."""
    cloud_bias: float = 0.4
    """Latent offset: > 0 makes cloudy days more common (a winter sky)."""
    snap_chance_per_day: float = 0.1
    """Chance that a cold snap starts on a day without one."""
    snap_depth_k: float = 7.0
    """Typical drop of the daily mean during a snap (drawn 0.7x-1.3x)."""
    snap_days: tuple[int, int] = (2, 4)
    """Shortest and longest snap, in days."""
    wander_sd_k: float = 0.6
    """Three-hourly wander around the smooth curve (stationary standard deviation)."""
    wander_rho: float = 0.8


WEATHER_PRESETS: dict[str, WeatherVariation] = {
    # A changeable winter: +-2.5 K between days, a cold snap about every ten days.
    "variable": WeatherVariation(),
    # Calmer: maritime winter, small drift, rare snaps.
    "mild": WeatherVariation(mean_sd_k=1.2, snap_chance_per_day=0.03, snap_depth_k=4.0),
}

CLEAR_SWING = 1.5
"""The daily swing under a clear sky, as a multiple of the sine's amplitude."""
CLOUDY_SWING = 0.5
"""The daily swing under full cloud."""
SNAP_CLOUD_SHIFT = 1.0
"""A snap's high pressure clears the sky: the latent cloud value is lowered by this much."""


def _cloud(latent: float) -> float:
    return 1.0 / (1.0 + math.exp(-1.5 * latent))


def _blend(a: float, b: float, f: float) -> float:
    """Half-cosine blend from ``a`` (f = 0) to ``b`` (f = 1): no kink at either end."""
    return a + (b - a) * 0.5 * (1.0 - math.cos(math.pi * f))


class Weather:
    """Seeded day-to-day weather: offsets to the daily sine and the cloud cover at a time."""

    __slots__ = (
        "_cloud",
        "_first_day",
        "_latent_cloud",
        "_mean",
        "_mean_state",
        "_rng",
        "_snap_depth",
        "_snap_left",
        "_wander",
        "_wander_state",
        "variation",
    )

    def __init__(
        self,
        variation: WeatherVariation,
        *,
        seed: int,
        origin_local_s: float,
    ) -> None:
        self.variation = variation
        self._rng = random.Random(f"weather:{seed}")
        self._first_day = int(origin_local_s // SECONDS_PER_DAY) - HISTORY_DAYS
        self._mean: list[float] = []
        """Daily mean offset (snap included) per day from the first day."""
        self._cloud: list[float] = []
        self._wander: list[float] = []
        """KNOTS_PER_DAY entries per day."""
        self._mean_state = self._rng.gauss(0.0, variation.mean_sd_k)
        self._latent_cloud = self._rng.gauss(0.0, 1.0)
        self._wander_state = self._rng.gauss(0.0, variation.wander_sd_k)
        self._snap_left = 0
        self._snap_depth = 0.0

    def _draw_day(self) -> None:
        """Append one day's values; the draws and their order are fixed."""
        v = self.variation
        rng = self._rng
        rho = v.mean_rho
        self._mean_state = rho * self._mean_state + math.sqrt(1.0 - rho * rho) * rng.gauss(
            0.0, v.mean_sd_k
        )
        rho = v.cloud_rho
        self._latent_cloud = rho * self._latent_cloud + math.sqrt(1.0 - rho * rho) * rng.gauss(
            0.0, 1.0
        )
        start = rng.random() < v.snap_chance_per_day
        length = rng.randint(*v.snap_days)
        depth = v.snap_depth_k * (0.7 + 0.6 * rng.random())
        if self._snap_left == 0 and start:
            self._snap_left, self._snap_depth = length, depth
        snap = self._snap_left > 0
        if snap:
            self._snap_left -= 1
        self._mean.append(self._mean_state - (self._snap_depth if snap else 0.0))
        shift = SNAP_CLOUD_SHIFT if snap else 0.0
        self._cloud.append(_cloud(self._latent_cloud + v.cloud_bias - shift))
        rho = v.wander_rho
        for _ in range(KNOTS_PER_DAY):
            self._wander_state = rho * self._wander_state + math.sqrt(1.0 - rho * rho) * rng.gauss(
                0.0, v.wander_sd_k
            )
            self._wander.append(self._wander_state)

    def _day(self, local_s: float) -> tuple[int, float]:
        """Index of the local day from the first drawn day, and the fraction of it gone."""
        day = int(local_s // SECONDS_PER_DAY)
        frac = (local_s - day * SECONDS_PER_DAY) / SECONDS_PER_DAY
        index = day - self._first_day
        if index < 0:
            return 0, 0.0
        # One more day than asked for: the blend reaches into the next day.
        while len(self._mean) <= index + 1:
            self._draw_day()
        return index, frac

    def offsets(self, local_s: float) -> tuple[float, float, float]:
        """(daily mean offset K, swing factor, wander K) at local time ``local_s``."""
        i, f = self._day(local_s)
        mean = _blend(self._mean[i], self._mean[i + 1], f)
        cloud = _blend(self._cloud[i], self._cloud[i + 1], f)
        swing = CLEAR_SWING + (CLOUDY_SWING - CLEAR_SWING) * cloud
        pos = f * KNOTS_PER_DAY
        k = int(pos)
        w = self._wander[i * KNOTS_PER_DAY + k]
        wander = w + (self._wander[i * KNOTS_PER_DAY + k + 1] - w) * (pos - k)
        return mean, swing, wander

    def cloud_fraction(self, local_s: float) -> float:
        """Cloud cover at local time ``local_s``: 0 clear, 1 overcast."""
        i, f = self._day(local_s)
        return _blend(self._cloud[i], self._cloud[i + 1], f)
