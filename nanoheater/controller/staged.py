"""Provides Staged, the multi-level controller that suits Avalon modes best (docs/physics.md §2.3).

One rung up when the room is below ``set - band``, one down above ``set + band``, never more
often than the minimum dwell. Additions that keep it from being slow or overshooting:

* far below the set-point (more than ``boost_k``) it goes straight to the top rung, so a cold
  start is as fast as bang-bang; far above, it drops at once to the rung that matches the load;
* that rung is the feed-forward from the estimated heat loss, ``UA · (set - outdoor)``, which is
  also where it starts, instead of hunting one rung per dwell from whatever the device ran.
  (Landing on it when a warm-up reaches the band was tried and dropped: after a set-back the
  building mass is still cold and the room sagged back out of the band.)

The trend of the measurement (a slope over the last few minutes) is projected ``lookahead_s``
ahead before comparing with the band: sensor lag and the fast air node otherwise make it act
late and overshoot.
"""

from __future__ import annotations

from nanoheater.controller.decision import ChangeTracker, Decision, Observation
from nanoheater.controller.ladder import Ladder
from nanoheater.units import celsius


class Staged:
    """Step one rung at a time with hysteresis, minimum dwell, boost and feed-forward."""

    name = "staged"

    def __init__(
        self,
        ladder: Ladder,
        *,
        band_k: float = 0.3,
        dwell_s: float = 600.0,
        boost_k: float = 1.0,
        ua_w_k: float | None = None,
        lookahead_s: float = 300.0,
        slope_window_s: float = 600.0,
    ) -> None:
        if band_k <= 0 or dwell_s < 0 or boost_k <= band_k:
            raise ValueError("need band > 0, dwell >= 0 and boost > band")
        self.ladder = ladder
        self.band_k = band_k
        self.dwell_s = dwell_s
        self.boost_k = boost_k
        self.ua_w_k = ua_w_k
        self.lookahead_s = lookahead_s
        self.slope_window_s = slope_window_s
        self._tracker = ChangeTracker()
        self._history: list[tuple[float, float]] = []
        self._fresh = True

    def feed_forward(self, setpoint_c: float, outdoor_c: float | None) -> int | None:
        """Rung whose power best matches the estimated steady load, or None without a model."""
        if self.ua_w_k is None or outdoor_c is None:
            return None
        load_w = self.ua_w_k * (setpoint_c - outdoor_c)
        return self.ladder.nearest(load_w, allow_off=load_w <= 0)

    def _slope_k_per_s(self, now_s: float, room_c: float) -> float:
        self._history.append((now_s, room_c))
        while self._history and self._history[0][0] < now_s - self.slope_window_s:
            self._history.pop(0)
        t0, r0 = self._history[0]
        if now_s - t0 < self.slope_window_s / 2:
            return 0.0
        return (room_c - r0) / (now_s - t0)

    def decide(self, obs: Observation) -> Decision:
        """Return the next rung and the reason, within ``obs.caps``."""
        caps = obs.caps
        self._tracker.see(obs.now_s, obs.current)
        slope = self._slope_k_per_s(obs.now_s, obs.room_c)
        # Only project a rising/falling trend that moves toward leaving the band.
        predicted = obs.room_c + slope * self.lookahead_s
        error = obs.setpoint_c - obs.room_c
        current = caps.clamp(obs.current)
        dwell_ok = self._tracker.held_for_s(obs.now_s) >= self.dwell_s
        ff = self.feed_forward(obs.setpoint_c, obs.outdoor_c)
        fresh, self._fresh = self._fresh, False
        if fresh and ff is not None and abs(error) <= self.boost_k:
            # First decision near the set-point: start from the load estimate rather than from
            # whatever the device happened to run (a Mini 3 boots in Mining, 800 W).
            target = caps.clamp(ff)
            return Decision(target, f"start: feed-forward {self.ladder.name(target)}")
        if error > self.boost_k:
            return Decision(caps.high, f"{error:.1f} K below set-point: full heat")
        if error < -self.boost_k:
            # Far above: drop at once (no dwell) to the load estimate, at least one rung.
            target = caps.low if ff is None else caps.clamp(min(ff, current - 1))
            if target < current:
                return Decision(
                    target, f"{-error:.1f} K above set-point: drop to {self.ladder.name(target)}"
                )
        if predicted < obs.setpoint_c - self.band_k and not (
            slope > 0 and obs.room_c > obs.setpoint_c - self.band_k
        ):
            if current < caps.high and dwell_ok:
                up = current + 1
                return Decision(
                    up, f"{celsius(obs.room_c)} below band: up to {self.ladder.name(up)}"
                )
            why = "at ceiling" if current >= caps.high else "dwell"
            return Decision(current, f"{celsius(obs.room_c)} below band, holding ({why})")
        if predicted > obs.setpoint_c + self.band_k:
            if current > caps.low and dwell_ok:
                down = current - 1
                return Decision(
                    down, f"{celsius(obs.room_c)} above band: down to {self.ladder.name(down)}"
                )
            why = "at floor" if current <= caps.low else "dwell"
            return Decision(current, f"{celsius(obs.room_c)} above band, holding ({why})")
        return Decision(
            current, f"{celsius(obs.room_c)} within {obs.setpoint_c:.1f} +/- {self.band_k} K"
        )
