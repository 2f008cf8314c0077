"""Provides the room model fitted from logged runs and the "can this set-point be reached" check.

The fit uses the integrated first-order energy balance over consecutive windows,

    int P dt = UA · int (T - T_o) dt + C · (T_end - T_start)

and solves the two unknowns (heat loss UA in W/K, effective capacity C in J/K) by least squares.
Integrating instead of differentiating keeps a 0.1 K sensor's steps from becoming noise. A real
room is second order (fast air, slow mass), so C and the time constant C / UA are effective
values over the window length (longer windows see more of the mass); the heat loss is the
robust number, and the one the reachability check and feed-forward use; it needs a log in
which the heat input varies (a cooling transient at constant power confounds the mass's stored
heat with loss). Reachability is the steady-state bound T_max = T_o + P_max / UA (docs/physics.md
§2.2).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from nanoheater.exceptions import UsageError
from nanoheater.units import celsius


@dataclass(frozen=True, slots=True)
class RoomSample:
    """One logged instant: time, room and outdoor temperature, heat input."""

    t_s: float
    room_c: float
    outdoor_c: float
    power_w: float


@dataclass(frozen=True, slots=True)
class RoomFit:
    """Fitted first-order room: heat loss, capacity, time constant and fit quality."""

    ua_w_k: float
    capacity_j_k: float
    windows: int
    residual_wh: float
    """RMS energy residual per window."""

    @property
    def tau_s(self) -> float:
        """Time constant C / UA."""
        return self.capacity_j_k / self.ua_w_k

    def describe(self) -> str:
        """One line with the numbers."""
        return (
            f"heat loss {self.ua_w_k:.1f} W/K, capacity {self.capacity_j_k / 1e6:.2f} MJ/K, "
            f"time constant {self.tau_s / 3600:.1f} h ({self.windows} windows)"
        )


def fit_room(samples: Sequence[RoomSample], window_s: float = 8 * 3600.0) -> RoomFit:
    """Fit UA and C from time-ordered ``samples``; UsageError when the data cannot separate them."""
    if len(samples) < 3:
        raise UsageError("need at least three samples to fit a room")
    rows: list[tuple[float, float, float]] = []  # (int (T-To)dt, dT, int P dt)
    start = 0
    while start < len(samples) - 1:
        loss = energy = 0.0
        end = start
        while end < len(samples) - 1 and samples[end].t_s - samples[start].t_s < window_s:
            a, b = samples[end], samples[end + 1]
            dt = b.t_s - a.t_s
            if dt < 0:
                raise UsageError("samples must be in time order")
            # Trapezoid rule; power is held from the earlier sample (it changes in steps).
            loss += dt * ((a.room_c - a.outdoor_c) + (b.room_c - b.outdoor_c)) / 2
            energy += dt * a.power_w
            end += 1
        if samples[end].t_s - samples[start].t_s >= window_s / 2:
            rows.append((loss, samples[end].room_c - samples[start].room_c, energy))
        start = end
    if len(rows) < 2:
        raise UsageError("log too short: need at least two fitting windows")
    # Normal equations for energy = UA·loss + C·rise.
    sll = sum(r[0] * r[0] for r in rows)
    slr = sum(r[0] * r[1] for r in rows)
    srr = sum(r[1] * r[1] for r in rows)
    sle = sum(r[0] * r[2] for r in rows)
    sre = sum(r[1] * r[2] for r in rows)
    det = sll * srr - slr * slr
    if abs(det) <= 1e-12 * max(sll * srr, 1.0):
        raise UsageError(
            "the log does not separate heat loss from capacity (temperature never moved)"
        )
    ua = (sle * srr - sre * slr) / det
    cap = (sll * sre - slr * sle) / det
    if ua <= 0 or cap <= 0:
        raise UsageError(
            f"fit is not physical (UA {ua:.1f} W/K, C {cap:.0f} J/K); log more varied data"
        )
    resid = [r[2] - ua * r[0] - cap * r[1] for r in rows]
    rms_j = (sum(x * x for x in resid) / len(resid)) ** 0.5
    return RoomFit(ua, cap, len(rows), rms_j / 3600.0)


@dataclass(frozen=True, slots=True)
class Reachability:
    """Whether a set-point can be held, with the numbers that decide it."""

    setpoint_c: float
    outdoor_c: float
    max_power_w: float
    ua_w_k: float
    basis: str = ""
    """Where the heat loss came from (``fitted from 168 h of history``); "" when given."""

    @property
    def max_room_c(self) -> float:
        """Warmest the room can be held: T_o + P_max / UA."""
        return self.outdoor_c + self.max_power_w / self.ua_w_k

    @property
    def needed_w(self) -> float:
        """Power needed to hold the set-point: UA · (set - T_o)."""
        return max(0.0, self.ua_w_k * (self.setpoint_c - self.outdoor_c))

    @property
    def reachable(self) -> bool:
        """True when the set-point is at or below the warmest holdable temperature."""
        return self.setpoint_c <= self.max_room_c + 1e-9

    def message(self) -> str:
        """The warning (or confirmation) with the numbers."""
        verdict = "can be reached" if self.reachable else "cannot be reached"
        return (
            f"set-point {celsius(self.setpoint_c)} {verdict}: "
            f"at {celsius(self.outdoor_c)} outdoors, "
            f"{self.max_power_w:.0f} W over a heat loss of {self.ua_w_k:.1f} W/K"
            f"{f' ({self.basis})' if self.basis else ''} holds at most "
            f"{celsius(self.max_room_c)} (needs {self.needed_w:.0f} W)"
        )


def reachability(
    setpoint_c: float, outdoor_c: float, max_power_w: float, ua_w_k: float, *, basis: str = ""
) -> Reachability:
    """Check whether ``setpoint_c`` is reachable; UsageError for a non-positive heat loss."""
    if ua_w_k <= 0:
        raise UsageError("heat loss must be positive")
    return Reachability(setpoint_c, outdoor_c, max_power_w, ua_w_k, basis)
