"""Provides PI, a proportional-integral heat demand realised by time-proportioning between rungs.

The law is ``u = ff + Kp*e + (Kp/Ti)*int e dt`` in watts (e = set - room) with feed-forward
``ff = UA * (set - outdoor)`` from the estimated heat loss, so the integral only corrects the
model instead of finding the load from zero (docs/physics.md §2.3). Defaults are tuned on the
simulated default room: Kp 200 W/K (docs/physics.md's 400 W/K oscillated once the 0.1 K sensor
steps, the 5 min calibration lock and the 15 min period were in the loop), Ti 1 h, period 15 min.

Anti-windup, three ways: no integration that pushes further into the law's saturation; the
integrated error is clipped to +/- ``integrate_band_k``; and no downward integration while the
period plan sits entirely at the floor (a set-back would otherwise leave the integral deeply
negative). Far below the set-point (``boost_k``) it runs flat out like bang-bang, and hands back
bumplessly: the integral starts where the law gives the power that was running, so the heat a
cold building mass still soaks up is not forgotten.

Discrete rungs realise the demand: within each period the device runs the rung above the
demand for the duty fraction and the rung below for the rest. No segment between two heating
modes is shorter than ``min_segment_s`` (a mode change locks the device while it calibrates);
an off segment may be shorter (``min_off_segment_s``: soft off/on is not a mode change). The
rounding is carried into the next period so the average stays right.
"""

from __future__ import annotations

from nanoheater.controller.decision import Decision, Observation
from nanoheater.controller.ladder import Ladder
from nanoheater.units import celsius


class PI:
    """PI room controller with time-proportioning and anti-windup."""

    name = "pi"

    def __init__(
        self,
        ladder: Ladder,
        *,
        kp_w_k: float = 200.0,
        ti_s: float = 3600.0,
        period_s: float = 900.0,
        min_segment_s: float = 330.0,
        min_off_segment_s: float = 120.0,
        integrate_band_k: float = 0.5,
        ua_w_k: float | None = None,
        alternate: bool = False,
        boost_k: float | None = 0.7,
    ) -> None:
        if kp_w_k <= 0 or ti_s <= 0 or period_s <= 0 or not 0 <= min_segment_s <= period_s / 2:
            raise ValueError("need kp > 0, ti > 0, period > 0 and 0 <= min segment <= period / 2")
        self.ladder = ladder
        self.kp_w_k = kp_w_k
        self.ti_s = ti_s
        self.period_s = period_s
        self.min_segment_s = min_segment_s
        self.min_off_segment_s = min(min_off_segment_s, min_segment_s)
        self.integrate_band_k = integrate_band_k
        self.ua_w_k = ua_w_k
        self.alternate = alternate
        self.boost_k = boost_k
        self._integral_w = 0.0
        self._last_s: float | None = None
        self._period_start_s: float | None = None
        self._plan: tuple[int, int, float] = (0, 0, 0.0)
        """(first rung, second rung, seconds of the first) for the running period."""
        self._carry_s = 0.0
        """Seconds of upper rung owed (positive) or overpaid (negative) by rounding."""
        self._demand_w = 0.0
        self._saturated = 0
        self._boosting = False
        """-1 while the running period is all floor, +1 while all ceiling, else 0."""

    @property
    def demand_w(self) -> float:
        """The last computed heat demand in watts."""
        return self._demand_w

    def feed_forward_w(self, obs: Observation) -> float:
        """Steady heat loss at the set-point, ``UA · (set - outdoor)``; 0 without a model."""
        if self.ua_w_k is None or obs.outdoor_c is None:
            return 0.0
        return max(0.0, self.ua_w_k * (obs.setpoint_c - obs.outdoor_c))

    def _update_integral(
        self, obs: Observation, error_k: float, ff_w: float, p_min: float, p_max: float
    ) -> None:
        dt = 0.0 if self._last_s is None else max(0.0, obs.now_s - self._last_s)
        self._last_s = obs.now_s
        unsat = ff_w + self._integral_w + self.kp_w_k * error_k
        # Anti-windup: no integration that pushes further into saturation, and the integrated
        # error is clipped to +/- integrate_band_k so a long warm-up against a cold building mass
        # cannot wind the integral up (clipping keeps the law monotone in the set-point).
        # The period plan also saturates the actuator: a demand that rounds to a whole period
        # at the floor must not wind the integral further down (a set-back would otherwise
        # leave it deeply negative). At the ceiling the law's own saturation is enough: during a
        # warm-up the integral must learn the extra heat the cold building mass soaks up.
        high = unsat >= p_max
        low = unsat <= p_min or self._saturated < 0
        if not ((high and error_k > 0) or (low and error_k < 0)):
            clipped = max(-self.integrate_band_k, min(self.integrate_band_k, error_k))
            self._integral_w += self.kp_w_k / self.ti_s * clipped * dt
        self._integral_w = min(max(self._integral_w, p_min - ff_w), p_max - ff_w)

    def _bracket(self, demand_w: float, low: int, high: int) -> tuple[int, int, float]:
        """Rungs just below and above ``demand_w`` within [low, high] and the duty of the upper."""
        for i in range(low, high):
            p_lo, p_hi = self.ladder.power_w(i), self.ladder.power_w(i + 1)
            if p_lo <= demand_w <= p_hi:
                return i, i + 1, (demand_w - p_lo) / (p_hi - p_lo) if p_hi > p_lo else 0.0
        if demand_w >= self.ladder.power_w(high):
            return high, high, 1.0
        return low, low, 0.0

    def _plan_period(self, obs: Observation, lo: int, hi: int, duty: float) -> None:
        want_s = duty * self.period_s + self._carry_s
        on_s = min(max(want_s, 0.0), self.period_s)
        # Soft off/on is not a mode change, so an off segment may be shorter than a mode segment.
        seg_lo = self.min_off_segment_s if self.ladder.steps[lo].is_off else self.min_segment_s
        seg_hi = self.min_segment_s
        if lo == hi:
            on_s = self.period_s
        elif on_s < seg_hi:
            on_s = 0.0 if on_s < seg_hi / 2 else seg_hi
        elif self.period_s - on_s < seg_lo:
            on_s = self.period_s if self.period_s - on_s < seg_lo / 2 else self.period_s - seg_lo
        self._carry_s = max(-self.period_s, min(self.period_s, want_s - on_s))
        current = obs.caps.clamp(obs.current)
        # Start with whichever rung is running now so the boundary costs no switch.
        if self.alternate and current == hi and on_s > 0:
            self._plan = (hi, lo, on_s)
        else:
            self._plan = (lo, hi, self.period_s - on_s)
        self._period_start_s = obs.now_s
        first, second, first_s = self._plan
        rungs = (
            {first} if first_s >= self.period_s else {first, second} if first_s > 0 else {second}
        )
        caps = obs.caps
        self._saturated = -1 if rungs == {caps.low} else 1 if rungs == {caps.high} else 0

    def decide(self, obs: Observation) -> Decision:
        """Return the rung for this instant of the current time-proportioning period."""
        caps = obs.caps
        p_min, p_max = self.ladder.power_w(caps.low), self.ladder.power_w(caps.high)
        error = obs.setpoint_c - obs.room_c
        ff = self.feed_forward_w(obs)
        self._update_integral(obs, error, ff, p_min, p_max)
        boosting = self.boost_k is not None and error > self.boost_k
        if self._boosting and not boosting:
            # Bumpless hand-back from boost: start the integral where the law gives the power
            # that was running, so the heat the cold mass still soaks up is not forgotten.
            self._integral_w = p_max - ff - self.kp_w_k * error
        self._boosting = boosting
        demand = min(max(ff + self._integral_w + self.kp_w_k * error, p_min), p_max)
        if boosting:
            # Far below the set-point a cold building mass soaks up far more than the steady
            # load; run flat out, as the staged controller and bang-bang do.
            demand = p_max
        self._demand_w = demand
        lo, hi, duty = self._bracket(demand, caps.low, caps.high)
        start = self._period_start_s
        if (
            start is None
            or obs.now_s - start >= self.period_s
            or not (
                caps.low <= self._plan[0] <= caps.high and caps.low <= self._plan[1] <= caps.high
            )
        ):
            self._plan_period(obs, lo, hi, duty)
            start = obs.now_s
        first, second, first_s = self._plan
        rung = first if obs.now_s - start < first_s else second
        why = (
            f"{celsius(obs.room_c)}, demand {demand:.0f} W: "
            f"{self.ladder.name(hi)} {duty:.0%} / {self.ladder.name(lo)}"
        )
        return Decision(caps.clamp(rung), why)
