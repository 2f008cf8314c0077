"""Provides BangBang, the on/off baseline with Home Assistant ``generic_thermostat`` semantics.

Semantics copied from HA's component (docs/physics.md §2.3): heat turns on when
``target >= current + cold_tolerance`` and off when ``current >= target + hot_tolerance``, both
tolerances default 0.3 K; with ``min_cycle_duration`` the heater keeps its on/off state until it
has been in it that long. "On" is one fixed rung (the top by default); "off" is the lowest rung,
which is soft off where the model has one and its lowest profile on the Nano 3S.
"""

from __future__ import annotations

from nanoheater.controller.decision import ChangeTracker, Decision, Observation
from nanoheater.controller.ladder import Ladder
from nanoheater.units import celsius

TOL_TEMP_K = 0.3
"""HA generic_thermostat default cold and hot tolerance."""


class BangBang:
    """On/off thermostat between the lowest rung and ``on_index``."""

    name = "bang-bang"

    def __init__(
        self,
        ladder: Ladder,
        *,
        cold_tolerance_k: float = TOL_TEMP_K,
        hot_tolerance_k: float = TOL_TEMP_K,
        min_cycle_s: float = 300.0,
        on_index: int | None = None,
    ) -> None:
        if cold_tolerance_k < 0 or hot_tolerance_k < 0 or min_cycle_s < 0:
            raise ValueError("tolerances and min cycle must be non-negative")
        self.ladder = ladder
        self.cold_tolerance_k = cold_tolerance_k
        self.hot_tolerance_k = hot_tolerance_k
        self.min_cycle_s = min_cycle_s
        self.on_index = ladder.top if on_index is None else on_index
        self._tracker = ChangeTracker()

    def decide(self, obs: Observation) -> Decision:
        """Switch on below target - cold tolerance, off above target + hot tolerance."""
        low = obs.caps.low
        on_rung = obs.caps.clamp(max(self.on_index, low))
        active = obs.current > low
        # Track on/off state changes only (a cap moving the on rung is not a cycle).
        self._tracker.see(obs.now_s, 1 if active else 0)
        too_cold = obs.setpoint_c >= obs.room_c + self.cold_tolerance_k
        too_hot = obs.room_c >= obs.setpoint_c + self.hot_tolerance_k
        held = self._tracker.held_for_s(obs.now_s)
        if (
            self.min_cycle_s
            and held < self.min_cycle_s
            and ((active and too_hot) or (not active and too_cold))
        ):
            state = "on" if active else "off"
            return Decision(
                on_rung if active else low,
                f"min cycle: {state} for {held / 60:.1f} of {self.min_cycle_s / 60:.0f} min",
            )
        if active and too_hot:
            return Decision(
                low,
                f"{celsius(obs.room_c)} >= {obs.setpoint_c:.1f} + {self.hot_tolerance_k} K: off",
            )
        if not active and too_cold:
            return Decision(
                on_rung,
                f"{celsius(obs.room_c)} <= {obs.setpoint_c:.1f} - {self.cold_tolerance_k} K: on",
            )
        if active:
            return Decision(on_rung, f"{celsius(obs.room_c)}: stay on")
        return Decision(low, f"{celsius(obs.room_c)}: stay off")
