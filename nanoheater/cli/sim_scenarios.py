"""Provides the reference scenarios of ``nanoheater simulate`` and the controller factory.

Scenarios follow docs/physics.md §6.4; they are plain data (no simulator import) so the command can
list them without loading firmware_sim. The first five are identical sine days with no free heat
and an ideal sensor, kept as they were so their figures stay comparable. The others add, seeded
(``nanoheater simulate --seed``), what a real winter has: day-to-day weather, people, appliances
and sun, a sensor with a bias and noise, and an occupancy setback. The weather, gains and sensor
fields name presets that live with their physics in firmware_sim (weather.py, gains.py,
sensor.py), as ``room`` names a room preset.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from nanoheater.controller.factory import CONTROLLERS, controller_factory
from nanoheater.economics.tariff import Tariff, TouPeriod


@dataclass(frozen=True, slots=True)
class Scenario:
    """One reference run (docs/physics.md §6.4)."""

    name: str
    description: str
    model: str
    hours: float
    air_c: float
    mass_c: float
    outdoor_mean_c: float
    outdoor_amplitude_k: float = 4.0
    schedule: str = ""
    """Schedule TOML; empty means hold ``setpoint_c``."""
    setpoint_c: float = 21.0
    tariff: Tariff = field(default_factory=lambda: Tariff(price_fiat_per_kwh=0.17, timezone="UTC"))
    economic_limit: float | None = None
    room: str = "medium"
    weather: str = ""
    """firmware_sim.weather.WEATHER_PRESETS name; empty: the same sine every day."""
    gains: str = ""
    """firmware_sim.gains.GAIN_PRESETS name; empty: no free heat."""
    sensor: str = ""
    """firmware_sim.sensor.SENSOR_PRESETS name; empty: ``ideal`` (lag and 0.1 K steps only)."""


# Steady start: the mass settles near 185/192 of the air lift at 0 C outdoors.
STEADY_AIR_C, STEADY_MASS_C = 21.0, 20.2
OCCUPANCY_SCHEDULE = (
    # Up at 06:30, out 08:30-17:00 (17 C), home until 23:00, 18 C at night, every day.
    '[[entry]]\nat = "06:30"\ntarget_c = 21\n[[entry]]\nat = "08:30"\ntarget_c = 17\n'
    '[[entry]]\nat = "17:00"\ntarget_c = 21\n[[entry]]\nat = "23:00"\ntarget_c = 18\n'
)
SCENARIOS: dict[str, Scenario] = {
    s.name: s
    for s in (
        Scenario(
            "cold-start",
            "48 h from 16 C to 21 C, outdoor 0 +/- 4 C, Mini 3",
            "mini3",
            48.0,
            16.0,
            16.0,
            0.0,
        ),
        Scenario(
            "steady-week",
            "7 days holding 21 C, outdoor 0 +/- 4 C, Mini 3",
            "mini3",
            168.0,
            outdoor_mean_c=0.0,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
        Scenario(
            "setback",
            "21 C, 17 C from 09:00 to 17:00, back to 21 C; Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            schedule=(
                '[[entry]]\nat = "09:00"\ntarget_c = 17\n[[entry]]\nat = "17:00"\ntarget_c = 21\n'
            ),
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
        Scenario(
            "cold-snap",
            "-10 C outdoors with an undersized Nano 3S, 21 C wanted",
            "nano3s",
            48.0,
            16.0,
            16.0,
            -10.0,
            0.0,
        ),
        Scenario(
            "tou-peak",
            "time-of-use peak 17-20 h at $0.45 (else $0.17); heating stops above $0.20/kWh net, "
            "pre-heat to 22 C from 14:00; Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            schedule=(
                '[[entry]]\nat = "14:00"\ntarget_c = 22\n[[entry]]\nat = "17:00"\ntarget_c = 21\n'
            ),
            tariff=Tariff(
                price_fiat_per_kwh=0.17,
                periods=(
                    TouPeriod(start_hour=17, end_hour=20, price_fiat_per_kwh=0.45, name="peak"),
                ),
                timezone="UTC",
            ),
            economic_limit=0.20,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
        ),
        Scenario(
            "variable-week",
            "7 days holding 21 C through seeded weather (the daily mean drifts +-2.5 K, "
            "cloud sets the swing, cold snaps); Mini 3",
            "mini3",
            168.0,
            outdoor_mean_c=0.0,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
            weather="variable",
        ),
        Scenario(
            "gains",
            "48 h holding 21 C with people, appliances and winter sun (household pattern, "
            "350 W clear-sky peak); Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
            gains="household",
        ),
        Scenario(
            "noisy-sensor",
            "48 h holding 21 C read through a typical sensor (seeded bias within +-0.5 K, "
            "0.05 K noise); Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
            sensor="typical",
        ),
        Scenario(
            "occupancy",
            "48 h of a household day: 21 C 06:30-08:30 and 17:00-23:00, 17 C away, 18 C at "
            "night, with the household's gains; Mini 3",
            "mini3",
            48.0,
            outdoor_mean_c=0.0,
            schedule=OCCUPANCY_SCHEDULE,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
            gains="household",
        ),
        Scenario(
            "realistic",
            "7 days of all of it: seeded weather, household gains and sun, a typical sensor, "
            "the occupancy setback; Mini 3",
            "mini3",
            168.0,
            outdoor_mean_c=0.0,
            schedule=OCCUPANCY_SCHEDULE,
            air_c=STEADY_AIR_C,
            mass_c=STEADY_MASS_C,
            weather="variable",
            gains="household",
            sensor="typical",
        ),
    )
}


__all__ = ["CONTROLLERS", "SCENARIOS", "Scenario", "controller_factory"]
