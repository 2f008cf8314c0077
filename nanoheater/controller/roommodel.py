"""Provides the two-node room model learned from a log, and what it means in words.

A heated room is second order (docs/physics.md §2.2): the air and furnishings (capacity C_a)
respond in minutes, the building mass (C_m) over a day or more. A one-node fit of such a room
(``roomfit.fit_room``) returns a time constant that depends on how long its windows are and how
the heat varied: 2.8 h to 26 h for the same simulated room. This fit uses the two-node form

    C_a dT_a/dt = P + H_am (T_m - T_a) + H_ao (T_o - T_a)
    C_m dT_m/dt = H_am (T_a - T_m) + H_mo (T_o - T_m)

with only the air (the room sensor) observed. For a trial mass time constant tau = C_m /
(H_am + H_mo), the mass temperature is the first-order filter of w T_a + (1 - w) T_o with
w = H_am / (H_am + H_mo); integrating the air equation over each hour of the log gives

    int P dt = H_ao int (T_a - T_o) dt + H_am int (T_a - F[T_o]) dt
               - (H_am w) int (F[T_a] - F[T_o]) dt + C_a (T_a,end - T_a,start)

which is linear in (H_ao, H_am, H_am w, C_a) for a given tau (F: the filter with that tau).
Least squares per tau on a grid, keeping the tau with the smallest residual, gives every
parameter; integrating instead of differentiating keeps a 0.1 K sensor's steps from becoming
noise. No intercept: a constant internal gain or an outdoor bias cannot be told apart from heat
loss over a week of ordinary weather, so the heat loss is net of them (a bias of 1 K outdoors
moves it by about 1 K / (set - outdoor), ~5 %).

What is shown is defined by the model, not by a window: the heat loss UA (W/K, the steady
state: H_ao plus H_am and H_mo in series), with its spread between the two halves of the log;
the time to warm the air 1 K at full power from a settled room; and the slow time constant of
the fitted pair (the building mass: how long a step in heat takes to settle, 63 %).
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass

from nanoheater.controller.roomfit import RoomSample

WINDOW_S = 3600.0
"""Energy-balance windows: an hour, long enough to smooth a sensor's steps, short enough to see
the air respond."""
MASS_TAU_GRID_H = (0.5, 1.0, 1.5, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 12.0, 16.0, 24.0, 36.0, 48.0)
"""Trial mass time constants, hours."""
WARM_UP_S = 12 * 3600.0
"""The mass filter starts at the first reading; its first 12 h are not fitted (the start guess
fades)."""
MIN_HOURS = 36.0
"""Hours of log (room, outdoor and heat all known) before a fit is tried: the warm-up plus a day."""
MAX_GAP_S = 600.0
"""A window never spans a gap longer than this (the heat in a gap is not known)."""
MIN_POWER_SPREAD = 0.1
"""The hourly heat must vary by at least this share of its largest value: a log at one constant
power cannot tell heat loss from stored heat."""
WARM_BY_K = 1.0
NOT_PHYSICAL = (
    "the log fits no room heated by this heater alone (unmeasured heat: sun, people, "
    "another heater?)"
)


@dataclass(frozen=True, slots=True)
class TwoNodeFit:
    """A fitted two-node room: conductances in W/K, capacities in J/K."""

    h_ao_w_k: float
    h_am_w_k: float
    h_mo_w_k: float
    c_air_j_k: float
    c_mass_j_k: float
    residual_w: float
    """RMS residual of the hourly energy balance, as a mean power."""
    windows: int

    @property
    def ua_w_k(self) -> float:
        """Steady-state heat loss: H_ao in parallel with H_am and H_mo in series."""
        h_am, h_mo = self.h_am_w_k, self.h_mo_w_k
        return self.h_ao_w_k + (h_am * h_mo / (h_am + h_mo) if h_mo > 0 else 0.0)

    def _rates(self) -> tuple[float, float, float, float]:
        ca, cm = self.c_air_j_k, self.c_mass_j_k
        return (
            -(self.h_am_w_k + self.h_ao_w_k) / ca,
            self.h_am_w_k / ca,
            self.h_am_w_k / cm,
            -(self.h_am_w_k + self.h_mo_w_k) / cm,
        )

    @property
    def time_constants_s(self) -> tuple[float, float]:
        """The fast (air) and slow (building mass) time constants of the pair, seconds."""
        a, b, c, d = self._rates()
        trace, det = a + d, a * d - b * c
        root = math.sqrt(max(trace * trace / 4 - det, 0.0))
        fast, slow = trace / 2 - root, trace / 2 + root
        return -1.0 / fast, (-1.0 / slow if slow < 0 else math.inf)

    def warm_time_s(self, power_w: float, by_k: float = WARM_BY_K) -> float | None:
        """Seconds for ``power_w`` more heat to warm a settled room's air by ``by_k``.

        None when it never does within two days (a small heater in a large room).
        """
        if power_w <= 0 or power_w / self.ua_w_k <= by_k:
            return None
        a, b, c, d = self._rates()
        step_s = min(60.0, self.time_constants_s[0] / 20.0)
        air = mass = t = 0.0
        k_p = power_w / self.c_air_j_k
        while t < 2 * 86_400.0:
            air, mass = (
                air + step_s * (k_p + a * air + b * mass),
                mass + step_s * (c * air + d * mass),
            )
            t += step_s
            if air >= by_k:
                return t
        return None


@dataclass(frozen=True, slots=True)
class RoomEstimate:
    """What the app knows about a room: the fit, its spread, and the log behind it."""

    fit: TwoNodeFit
    ua_spread_w_k: float
    """Half the difference between the heat loss fitted on each half of the log."""
    hours: float
    """Hours of log the fit used."""
    fitted_at_s: float

    @property
    def ua_w_k(self) -> float:
        """The heat loss in W/K (feed-forward and reachability use it)."""
        return self.fit.ua_w_k

    def figures(self, max_power_w: float | None) -> dict[str, float | None]:
        """The shown numbers, for JSON: heat loss, its spread, warm-up and settling times."""
        fast_s, slow_s = self.fit.time_constants_s
        warm_s = self.fit.warm_time_s(max_power_w) if max_power_w else None
        return {
            "ua_w_k": round(self.ua_w_k, 2),
            "ua_spread_w_k": round(self.ua_spread_w_k, 2),
            "air_time_constant_min": round(fast_s / 60.0, 1),
            "settle_time_constant_h": None if math.isinf(slow_s) else round(slow_s / 3600.0, 1),
            "warm_1k_at_full_power_min": None if warm_s is None else round(warm_s / 60.0, 1),
            "max_power_w": max_power_w,
            "log_hours": round(self.hours, 1),
            "fitted_at_s": self.fitted_at_s,
        }

    def to_json(self, max_power_w: float | None) -> dict[str, object]:
        """The zone's ``room`` object: ``state`` "fitted", the figures and the one line."""
        return {"state": "fitted", **self.figures(max_power_w), "text": self.describe(max_power_w)}

    def describe(self, max_power_w: float | None) -> str:
        """One line: ``heat loss 20.3 W/K (±0.4); at full power (830 W) warms 1 K in ~4 min...``."""
        fast_s, slow_s = self.fit.time_constants_s
        text = f"heat loss {self.ua_w_k:.1f} W/K (±{self.ua_spread_w_k:.1f})"
        if max_power_w:
            warm_s = self.fit.warm_time_s(max_power_w)
            warm = "not within 2 days" if warm_s is None else f"in ~{_duration(warm_s)}"
            text += f"; at full power ({max_power_w:.0f} W) warms 1 K {warm}"
        settle = "days" if math.isinf(slow_s) else f"~{_duration(slow_s)}"
        return (
            f"{text}; air responds in ~{_duration(fast_s)}, settles over {settle} "
            f"(building mass); from {self.hours:.0f} h of log"
        )


@dataclass(frozen=True, slots=True)
class RoomLearning:
    """No model yet, and why: what the log lacks."""

    reason: str
    hours: float
    """Usable hours of log so far."""
    needed_hours: float = MIN_HOURS

    def to_json(self, max_power_w: float | None = None) -> dict[str, object]:
        """The zone's ``room`` object: ``state`` "learning", why, and the hours so far."""
        del max_power_w  # same signature as RoomEstimate.to_json
        return {
            "state": "learning",
            "reason": self.reason,
            "log_hours": round(self.hours, 1),
            "needed_hours": self.needed_hours,
            "text": self.describe(),
        }

    def describe(self, max_power_w: float | None = None) -> str:
        """One line: ``learning the room: ... (12 of 36 h so far)``."""
        del max_power_w  # same signature as RoomEstimate.describe
        if self.hours < self.needed_hours:
            return (
                f"learning the room: {self.reason} "
                f"({self.hours:.0f} of {self.needed_hours:.0f} h so far)"
            )
        return f"learning the room: {self.reason} ({self.hours:.0f} h of log)"


RoomKnowledge = RoomEstimate | RoomLearning


def _duration(seconds: float) -> str:
    if seconds < 90 * 60:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.0f} h" if seconds >= 10 * 3600 else f"{seconds / 3600:.1f} h"


def usable_hours(samples: Sequence[RoomSample]) -> float:
    """Hours covered by consecutive samples no more than ``MAX_GAP_S`` apart."""
    total = 0.0
    for a, b in itertools.pairwise(samples):
        if 0 < b.t_s - a.t_s <= MAX_GAP_S:
            total += b.t_s - a.t_s
    return total / 3600.0


def learn_room(samples: Sequence[RoomSample], now_s: float) -> RoomKnowledge:
    """The room model from time-ordered ``samples``, or why there is none yet."""
    hours = usable_hours(samples)
    if hours < MIN_HOURS:
        return RoomLearning("needs more hours with room, outdoor and heat recorded", hours)
    if not _heat_varies(samples):
        return RoomLearning("needs hours in which the heat varies (not one constant level)", hours)
    full = _fit(samples)
    if full is None:
        # Free heat the app does not measure (sun, people, another heater) as large as the
        # heater's own makes the log fit no room heated by it alone: show no model, not a wrong one.
        return RoomLearning(NOT_PHYSICAL, hours)
    middle = len(samples) // 2
    halves = [_fit(samples[:middle]), _fit(samples[middle:])]
    spread = (
        abs(halves[0].ua_w_k - halves[1].ua_w_k) / 2
        if halves[0] is not None and halves[1] is not None
        else full.ua_w_k  # a half could not be fitted: say the figure is that uncertain
    )
    return RoomEstimate(full, spread, hours, now_s)


def _fit(samples: Sequence[RoomSample]) -> TwoNodeFit | None:
    """The best two-node fit over the tau grid; None when no tau gives a physical one."""
    if len(samples) < 3:
        return None
    start = samples[0].t_s + WARM_UP_S
    best: tuple[float, TwoNodeFit] | None = None
    if not _heat_varies(samples):
        return None  # a half of the log at one level
    for tau_h in MASS_TAU_GRID_H:
        rows = _rows(samples, tau_h * 3600.0, start)
        if len(rows) < 8:
            return None
        solved = _least_squares([r[:4] for r in rows], [r[4] for r in rows])
        if solved is None:
            continue
        (h_ao, h_am, h_am_w, c_a), rms_j = solved
        if h_am <= 0 or c_a <= 0 or h_ao < 0 or not 0 < h_am_w / h_am <= 1.0:
            continue  # not a physical room at this tau
        w = h_am_w / h_am
        h_mo = h_am * (1 - w) / w
        fit = TwoNodeFit(h_ao, h_am, h_mo, c_a, tau_h * 3600.0 * (h_am + h_mo), 0.0, len(rows))
        if fit.ua_w_k <= 0:
            continue
        if best is None or rms_j < best[0]:
            best = (rms_j, fit)
    if best is None:
        return None
    rms_j, fit = best
    return TwoNodeFit(
        fit.h_ao_w_k,
        fit.h_am_w_k,
        fit.h_mo_w_k,
        fit.c_air_j_k,
        fit.c_mass_j_k,
        rms_j / WINDOW_S,
        fit.windows,
    )


def _heat_varies(samples: Sequence[RoomSample]) -> bool:
    """Whether the hourly mean heat after the warm-up varies by MIN_POWER_SPREAD of its top."""
    start_s = samples[0].t_s + WARM_UP_S
    hours: dict[int, list[float]] = {}
    for s in samples:
        if s.t_s >= start_s:
            hours.setdefault(int(s.t_s // 3600), []).append(s.power_w)
    powers = [sum(v) / len(v) for v in hours.values()]
    top = max(powers, default=0.0)
    return len(powers) >= 2 and top > 0 and top - min(powers) >= MIN_POWER_SPREAD * top


def _rows(
    samples: Sequence[RoomSample], tau_s: float, start_s: float
) -> list[tuple[float, float, float, float, float]]:
    """One row per window: (int(Ta-To), int(Ta-F[To]), -int(F[Ta]-F[To]), dTa, int P)."""
    filtered: list[tuple[float, float]] = []
    m_a, m_o = samples[0].room_c, samples[0].outdoor_c
    for i, s in enumerate(samples):
        if i:
            keep = math.exp(-(s.t_s - samples[i - 1].t_s) / tau_s)
            m_a = s.room_c + (m_a - s.room_c) * keep
            m_o = s.outdoor_c + (m_o - s.outdoor_c) * keep
        filtered.append((m_a, m_o))
    rows = []
    i = 0
    n = len(samples)
    while i < n - 1:
        if samples[i].t_s < start_s:
            i += 1
            continue
        loss = cross = mass = energy = 0.0
        j = i
        while j < n - 1 and samples[j].t_s - samples[i].t_s < WINDOW_S:
            a, b = samples[j], samples[j + 1]
            dt = b.t_s - a.t_s
            if dt > MAX_GAP_S or dt <= 0:
                break
            (fa0, fo0), (fa1, fo1) = filtered[j], filtered[j + 1]
            loss += dt * ((a.room_c - a.outdoor_c) + (b.room_c - b.outdoor_c)) / 2
            cross += dt * ((a.room_c - fo0) + (b.room_c - fo1)) / 2
            mass -= dt * ((fa0 - fo0) + (fa1 - fo1)) / 2
            energy += dt * a.power_w  # power is held from the earlier sample (it steps)
            j += 1
        if samples[j].t_s - samples[i].t_s >= WINDOW_S / 2:
            rows.append((loss, cross, mass, samples[j].room_c - samples[i].room_c, energy))
        i = max(j, i + 1)
    return rows


def _least_squares(
    rows: Sequence[Sequence[float]], ys: Sequence[float]
) -> tuple[list[float], float] | None:
    """Solve the normal equations (Gauss-Jordan, pivoting): the solution and the RMS residual."""
    n = len(rows[0])
    scale = [max(abs(r[k]) for r in rows) or 1.0 for k in range(n)]
    scaled = [[r[k] / scale[k] for k in range(n)] for r in rows]
    m = [
        [sum(r[i] * r[j] for r in scaled) for j in range(n)]
        + [sum(r[i] * y for r, y in zip(scaled, ys, strict=True))]
        for i in range(n)
    ]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        if abs(m[pivot][col]) < 1e-12 * len(rows):
            return None
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                for k in range(col, n + 1):
                    m[r][k] -= f * m[col][k]
    x = [m[i][n] / m[i][i] / scale[i] for i in range(n)]
    residuals = [
        y - sum(a * c for a, c in zip(r, x, strict=True)) for r, y in zip(rows, ys, strict=True)
    ]
    return x, math.sqrt(sum(e * e for e in residuals) / len(residuals))
