"""firmware_sim weather.py, gains.py and sensor.py: seeded weather, free heat, the room sensor."""

from __future__ import annotations

import itertools
import statistics

import pytest

from firmware_sim.clock import DEFAULT_EPOCH_S, VirtualClock
from firmware_sim.gains import GAIN_PRESETS, Gains
from firmware_sim.room import AVERAGE_CLOUD, Outdoor, Room
from firmware_sim.sensor import SENSOR_PRESETS, RoomSensor, SensorSpec
from firmware_sim.weather import WEATHER_PRESETS, Weather
from firmware_sim.world import World

DAY_S = 86_400.0
T0 = DEFAULT_EPOCH_S


def weathered(seed: int, preset: str = "variable") -> Outdoor:
    """The 0 +- 4 C sine of the scenarios with seeded weather from T0."""
    return Outdoor(0.0, 4.0, weather=Weather(WEATHER_PRESETS[preset], seed=seed, origin_local_s=T0))


def hourly(out: Outdoor, days: int, start_s: float = T0) -> list[float]:
    return [out.temp_c(start_s + h * 3600.0) for h in range(days * 24)]


def test_same_seed_same_weather_whatever_the_order_of_questions() -> None:
    """Two outdoors with one seed agree to the bit, even when one is asked backwards first."""
    a, b = weathered(7), weathered(7)
    backwards = [b.temp_c(T0 + h * 3600.0) for h in reversed(range(60 * 24))]
    assert hourly(a, 60) == list(reversed(backwards))
    assert [a.cloud_fraction(T0 + h * 3600.0) for h in range(48)] == [
        b.cloud_fraction(T0 + h * 3600.0) for h in range(48)
    ]


def test_different_seeds_give_different_weather() -> None:
    """Seeds 1 and 2 differ by kelvins somewhere in a week."""
    diffs = [
        abs(x - y) for x, y in zip(hourly(weathered(1), 7), hourly(weathered(2), 7), strict=True)
    ]
    assert max(diffs) > 2.0


def test_days_drift_and_snaps_come_without_steps() -> None:
    """Over 90 days the daily means spread by kelvins, some day is a cold snap, nothing jumps.

    No minute-to-minute change above 0.05 K.
    """
    out = weathered(3)
    temps = hourly(out, 90)
    daily = [statistics.fmean(temps[d * 24 : d * 24 + 24]) for d in range(90)]
    assert 1.5 < statistics.pstdev(daily) < 6.0
    assert min(daily) < -6.0  # a snap (the plain sine's daily mean is 0)
    minute = [out.temp_c(T0 + 10 * DAY_S + k * 60.0) for k in range(3 * 24 * 60)]
    assert max(abs(b - a) for a, b in itertools.pairwise(minute)) < 0.05


def test_clear_days_swing_more_than_cloudy_ones() -> None:
    """The daily swing follows the cloud: the clearest days of 90 swing more than the cloudiest."""
    out = weathered(5)
    days = []
    for d in range(90):
        noon = T0 + d * DAY_S + 12 * 3600.0
        temps = [out.temp_c(T0 + d * DAY_S + h * 3600.0) for h in range(24)]
        days.append((out.cloud_fraction(noon), max(temps) - min(temps)))
    days.sort()
    clear = statistics.fmean(s for _, s in days[:20])
    cloudy = statistics.fmean(s for _, s in days[-20:])
    assert clear > cloudy + 2.0


def test_without_weather_every_day_is_the_same_sine() -> None:
    """The plain Outdoor (old scenarios) is unchanged: the sine, day after day, average cloud."""
    out = Outdoor(0.0, 4.0)
    temps = hourly(out, 3)
    assert temps[:24] == temps[24:48] == temps[48:]
    assert out.cloud_fraction(T0) == AVERAGE_CLOUD


def run_room(gains: Gains | None, hours: int) -> Room:
    """A medium room at 21 C with no heater, left alone for ``hours`` in a World."""
    clock = VirtualClock()
    world = World(clock, 0, outdoor=Outdoor(0.0, 4.0))
    room = world.add_room(Room.preset("medium", air_c=21.0))
    room.mass_c = 20.2
    room.gains = gains
    world.run_for(hours * 3600.0)
    return room


def test_free_heat_warms_the_room() -> None:
    """With the household's gains an unheated room ends a day kelvins warmer than without."""
    outdoor = Outdoor(0.0, 4.0)
    gains = Gains(GAIN_PRESETS["household"], outdoor, seed=0, origin_s=T0)
    mean_w = statistics.fmean(gains.gain_w(T0 + k * 60.0) for k in range(24 * 60))
    assert 100.0 < mean_w < 250.0
    cold, warm = run_room(None, 24), run_room(gains, 24)
    assert warm.air_c - cold.air_c > 2.0
    assert warm.mass_c > cold.mass_c


def test_sun_shines_by_day_and_less_through_cloud() -> None:
    """No solar gain at night; at noon a clear sky gives more than an overcast one."""
    clear = Outdoor(0.0, 4.0)
    profile = GAIN_PRESETS["household"]
    sun = Gains(profile, clear, seed=0, origin_s=T0)
    assert sun.solar_w(T0 + 2 * 3600.0) == 0.0
    noon = sun.solar_w(T0 + 12 * 3600.0)
    assert noon == pytest.approx(
        profile.solar_peak_w * (1 - (1 - profile.overcast_share) * AVERAGE_CLOUD)
    )
    weathered_sun = Gains(profile, weathered(5), seed=0, origin_s=T0)
    noons = [(weathered_sun.outdoor.cloud_fraction(t), weathered_sun.solar_w(t))
             for t in (T0 + d * DAY_S + 12 * 3600.0 for d in range(30))]  # fmt: skip
    noons.sort()
    assert noons[0][1] > noons[-1][1] + 100.0


def test_internal_gains_are_seeded_per_day() -> None:
    """The same seed gives the same evenings; another seed scales them differently."""
    out = Outdoor()
    evenings = [T0 + d * DAY_S + 20 * 3600.0 for d in range(5)]
    a = [Gains(GAIN_PRESETS["household"], out, seed=1, origin_s=T0).internal_w(t) for t in evenings]
    b = [Gains(GAIN_PRESETS["household"], out, seed=1, origin_s=T0).internal_w(t) for t in evenings]
    c = [Gains(GAIN_PRESETS["household"], out, seed=2, origin_s=T0).internal_w(t) for t in evenings]
    assert a == b != c
    assert all(280.0 <= w <= 420.0 for w in a)  # 350 W +- 20 %


def test_ideal_sensor_is_the_lagged_air_in_tenths() -> None:
    """The ideal preset reads the 60 s lag of the air in 0.1 K steps, no bias, no noise."""
    room = Room(air_c=20.0)
    sensor = RoomSensor(room, SENSOR_PRESETS["ideal"], seed=3)
    room.air_c = 21.0
    for _ in range(6):
        sensor.sample()
    lagged = 20.0 + 1.0 * (1 - 2.718281828459045 ** (-60 / 60))
    assert sensor.reading_c == pytest.approx(round(lagged, 1))
    assert sensor.bias_k == 0.0


def test_sensor_bias_and_noise_are_seeded() -> None:
    """A typical sensor reads the air plus a seeded bias within +-0.5 K, with jitter.

    The same seed gives the same readings, another seed another bias.
    """

    def readings(seed: int) -> tuple[float, list[float]]:
        room = Room(air_c=21.0)
        sensor = RoomSensor(room, SENSOR_PRESETS["typical"], seed=seed)
        out = []
        for _ in range(500):
            sensor.sample()
            out.append(sensor.reading_c)
        return sensor.bias_k, out

    bias, values = readings(4)
    assert readings(4) == (bias, values)
    assert readings(5)[0] != bias
    assert abs(bias) <= 0.5
    assert statistics.fmean(values) == pytest.approx(21.0 + bias, abs=0.03)
    assert len(set(values)) >= 2  # the noise shows through the 0.1 K steps
    assert all(round(v * 10) == pytest.approx(v * 10, abs=1e-6) for v in values)


def test_fixed_bias_shifts_the_reading_not_the_room() -> None:
    """An explicit +1 K bias moves every reading by 1 K and leaves the room's air alone."""
    room = Room(air_c=19.0)
    sensor = RoomSensor(room, SensorSpec(bias_k=1.0), seed=0)
    sensor.sample()
    assert sensor.reading_c == 20.0
    assert room.air_c == 19.0
