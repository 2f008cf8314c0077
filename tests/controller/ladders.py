"""Ladders of the real models for controller tests (figures from docs/physics.md §1.1 / §6.2)."""

from __future__ import annotations

from nanoheater.controller.ladder import Ladder, Step

MINI3 = Ladder(
    (
        Step("off", 10.0, 0.0, 0.0),
        Step("Night", 400.0, 33.0, 20.0),
        Step("Heating Eco", 500.0, 40.0, 25.0),
        Step("Heating Super", 650.0, 45.0, 30.0),
        Step("Mining", 800.0, 52.0, 37.5),
    )
)
NANO3S = Ladder(
    (
        Step("Low", 70.0, 30.0, 3.0),
        Step("Medium", 100.0, 35.0, 4.5),
        Step("High", 140.0, 40.0, 6.0),
    )
)
