"""Provides the reference scenarios of ``nanoheater simulate`` and the controller factory.

Scenarios follow docs/physics.md §6.4; they are plain data (no simulator import) so the command can
list them without loading firmware_sim.
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


# Steady start: the mass settles near 185/192 of the air lift at 0 C outdoors.
STEADY_AIR_C, STEADY_MASS_C = 21.0, 20.2
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
    )
}


__all__ = ["CONTROLLERS", "SCENARIOS", "Scenario", "controller_factory"]
