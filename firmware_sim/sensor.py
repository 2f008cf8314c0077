"""Provides the room sensor a controller reads: lag, resolution, and a seeded bias and noise.

The room's air (firmware_sim/room.py) is the truth; a real thermostat never sees it. Its sensor
lags (a first-order filter, 60 s by default), prints 0.1 K steps (docs/physics.md §6.1), is off
by a fixed bias (a cheap sensor's accuracy is +-0.5 K, and where it hangs matters as much) and
jitters from reading to reading. :class:`RoomSensor` samples the room on a fixed interval (the
caller's grid, so a seeded run draws the same noise whenever it is read); the bias is drawn once
from the seed. :data:`SENSOR_PRESETS` ``ideal`` is the lag and resolution alone.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass

from firmware_sim.room import Room


@dataclass(frozen=True, slots=True)
class SensorSpec:
    """One room sensor (lag and resolution docs/physics.md §6.1; bias and noise assumptions)."""

    lag_s: float = 60.0
    resolution_k: float = 0.1
    bias_k: float = 0.0
    """Fixed offset of every reading from the air."""
    bias_spread_k: float = 0.0
    """Plus a seeded offset drawn uniformly in +- this."""
    noise_k: float = 0.0
    """Standard deviation of the white noise on each sample."""


SENSOR_PRESETS: dict[str, SensorSpec] = {
    "ideal": SensorSpec(),
    # A typical room sensor (DHT22/SHT-class or a smart plug's): +-0.5 K accuracy, a few
    # hundredths of jitter between readings.
    "typical": SensorSpec(bias_spread_k=0.5, noise_k=0.05),
}


class RoomSensor:
    """A sensor on ``room``'s air, sampled every ``interval_s`` by :meth:`sample`."""

    __slots__ = ("_alpha", "_noise_k", "_raw_c", "_rng", "bias_k", "filtered_c", "room", "spec")

    def __init__(
        self,
        room: Room,
        spec: SensorSpec | None = None,
        *,
        seed: int = 0,
        interval_s: float = 10.0,
    ) -> None:
        self.room = room
        self.spec = spec if spec is not None else SensorSpec()
        self._alpha = 1.0 - math.exp(-interval_s / self.spec.lag_s)
        self._rng = random.Random(f"sensor:{seed}")
        spread = self.spec.bias_spread_k
        self.bias_k = self.spec.bias_k
        if spread > 0.0:
            self.bias_k += spread * (2.0 * self._rng.random() - 1.0)
        self._noise_k = self.spec.noise_k
        self.filtered_c = room.air_c
        """The lagged air temperature (no bias, no noise)."""
        self._raw_c = self.filtered_c + self.bias_k

    def sample(self) -> None:
        """Advance the lag by one interval and take a reading (one noise draw if noisy)."""
        self.filtered_c += (self.room.air_c - self.filtered_c) * self._alpha
        noise = self._rng.gauss(0.0, self._noise_k) if self._noise_k > 0.0 else 0.0
        self._raw_c = self.filtered_c + self.bias_k + noise

    @property
    def reading_c(self) -> float:
        """The last reading, quantised to the sensor's resolution."""
        res = self.spec.resolution_k
        return round(round(self._raw_c / res) * res, 3)
