"""Provides what a simulated controller is told: only what the real app would know.

``nanoheater simulate`` used to hand its controllers the simulated room's exact heat loss and a
perfect outdoor temperature. The real ``thermostat`` and TUI have neither: they have their room
sensor, a room model fitted from their own history, and an outdoor source (a weather service or
an outdoor sensor) that is off by a kelvin or two. This module gives the simulated controller the
same: an outdoor reading with a bias and a slow wander, and a heat loss fitted by
``controller.roomfit.fit_room`` from a three-day learning log of the same room, recorded through
that reading, before the scenario starts. Like sim_harness it imports firmware_sim at the top,
so only the ``simulate`` path may import it, lazily.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from firmware_sim.room import Room
from firmware_sim.sensor import RoomSensor
from nanoheater.controller.roomfit import RoomSample, fit_room
from nanoheater.exceptions import UsageError
from nanoheater.history.records import Sample
from nanoheater.history.store import HistoryStore

OUTDOOR_BIAS_K = 1.0
"""Assumption: a weather-service or balcony reading runs about 1 K warm of the house's own air."""
OUTDOOR_WANDER_K = 1.5
"""Assumption: plus a slow error of +-1.5 K (fronts and sun the service does not see)."""
OUTDOOR_WANDER_PERIOD_S = 17 * 3600.0
"""Not a divisor of a day, so the error does not lock to the daily outdoor cycle."""
LEARN_S = 3 * 86_400.0
"""The learning log: three days of the same room before the scenario starts."""
LEARN_STEP_S = 60.0
LEARN_CYCLE_S = 4 * 3600.0
"""In the learning log the heater runs its top step for 2 h, then stands by for 2 h."""


def outdoor_reading(truth_c: Callable[[float], float]) -> Callable[[float], float]:
    """An outdoor source with a bias and a slow wander around the true ``truth_c(t)``."""

    def read(t_s: float) -> float:
        phase = 2.0 * math.pi * t_s / OUTDOOR_WANDER_PERIOD_S
        return truth_c(t_s) + OUTDOOR_BIAS_K + OUTDOOR_WANDER_K * math.sin(phase)

    return read


def learning_log(
    room: Room,
    top_w: float,
    standby_w: float,
    truth_c: Callable[[float], float],
    start_s: float,
    *,
    sensor: RoomSensor | None = None,
) -> list[RoomSample]:
    """Three days of ``room`` before ``start_s``, as the app would have logged them.

    The heater runs its top step for 2 h, then stands by for 2 h; the outdoor reading is
    ``outdoor_reading``'s; the room reading is ``sensor``'s (sampled every LEARN_STEP_S), else
    the true air. The room's free heat (``room.gains``), which the app never sees, warms it.
    ``room`` is advanced (pass a copy).
    """
    read = outdoor_reading(truth_c)
    gains = room.gains
    samples: list[RoomSample] = []
    t = start_s - LEARN_S
    while t < start_s:
        power_w = top_w if (t - start_s) % LEARN_CYCLE_S < LEARN_CYCLE_S / 2 else standby_w
        air_c = room.air_c if sensor is None else sensor.reading_c
        samples.append(RoomSample(t, air_c, read(t), power_w))
        free_w = 0.0 if gains is None else gains.gain_w(t)
        room.step(LEARN_STEP_S, power_w + free_w, truth_c(t))
        if sensor is not None:
            sensor.sample()
        t += LEARN_STEP_S
    return samples


def seed_history(store: HistoryStore, device: str, samples: list[RoomSample]) -> None:
    """Write ``samples`` into ``store`` as the app records them.

    The device's power and room reading per sample, and the home's outdoor reading
    (``nanoheater demo`` and tests start from such a history, as a real user's would be).
    """
    store.add_samples(
        Sample(device, s.t_s, power_w=s.power_w, room_temp_c=s.room_c) for s in samples
    )
    store.add_outdoor((s.t_s, s.outdoor_c) for s in samples)


def learned_ua_w_k(
    room: Room,
    top_w: float,
    standby_w: float,
    truth_c: Callable[[float], float],
    start_s: float,
    *,
    sensor: RoomSensor | None = None,
) -> float | None:
    """The heat loss the app would have fitted from its history of ``room`` before ``start_s``.

    ``room`` is a copy the caller does not use afterwards; its free heat (``room.gains``), which
    the app never sees, warms it during the log. ``sensor`` (on ``room``, sampled every
    LEARN_STEP_S) is what the log records; without one it records the true air. None when the
    log cannot separate loss from capacity (the app then has no model either).
    """
    samples = learning_log(room, top_w, standby_w, truth_c, start_s, sensor=sensor)
    try:
        fit = fit_room(samples)
    except UsageError:
        return None
    return fit.ua_w_k if fit.ua_w_k > 0 else None
