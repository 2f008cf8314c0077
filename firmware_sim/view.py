"""Provides what the wire side sees of a device: the HeaterView protocol and per-request figures.

``HeaterView`` is the slice of SimulatedHeater that handlers and blobs use, so tests can drive
them with a small stand-in. ``Snapshot`` computes the derived figures (uptime, cgminer elapsed,
STATE code, averages) once per request; ``Extras`` holds what the firmware keeps and HeaterState
does not model (filter clean time, time zone, voltage override, pool priorities, pending
``setpool`` slots, the decaying MHS averages), per device and without touching the state.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass, field
from typing import Protocol
from weakref import WeakKeyDictionary

from firmware_sim.faults import FaultPlan
from firmware_sim.profile import ModeSpec, Profile
from firmware_sim.state import CGMINER_START_S, HeaterState

__all__ = ["CGMINER_START_S", "HeaterView", "Snapshot", "extras", "snapshot"]
ROLLING_WINDOWS_S = (60.0, 300.0, 900.0)
"""The MHS 1m / 5m / 15m decay windows (cgminer decay_time)."""
INIT_S = 60.0
"""Assumption: SYSTEMSTATU shows "In Init" (Q STATE[0]) for the first minute after boot."""
COUNT_QUANTUM_HASHES = 1024 * 2**32
"""Assumption fitted to the captures: the short-window rates count work in nonces of difficulty
1024, so a 5 s reading of a 3.3 TH/s Nano 3 holds about 4 of them and swings by tens of per
cent (nano3_summary.json: MHS 5s 6.61 against MHS av 3.05 TH/s, +117 %;
nano3s_summary_partial.json: 5.44 against 6.56, -17 %)."""
FIVE_S = 5.0


class HeaterView(Protocol):
    """What the wire side needs from a simulated device (SimulatedHeater or a test stand-in)."""

    profile: Profile
    state: HeaterState
    faults: FaultPlan

    def now(self) -> float:
        """Return the simulated time in epoch seconds."""
        ...

    def set_mode(self, index: int) -> None:
        """Switch to ``profile.modes[index]`` (TarT reset, calibration window)."""
        ...

    def reboot(self, downtime_s: float = ..., after_s: float = ...) -> None:
        """Reboot ``after_s`` from now and stay down ``downtime_s``."""
        ...


@dataclass(slots=True)
class Extras:
    """Firmware settings HeaterState does not hold; kept per device by this module."""

    filter_clean_s: float | None = None
    """Time of the last ``filter-clean``; None = FILTER_START_MIN minutes before boot."""
    timezone: str = "UTC0"
    voltage: int | None = None
    """``voltage,<v>`` override shown in PS[5] until the next mode change."""
    voltage_mode: int = -1
    solo_allowed: int = 1
    lcd_switch: int = 2
    lcd_bright: int = 100
    fac_locked: bool = True
    webpass: str = ""
    """sha256 of the web password; empty means the default (see ascset_periph)."""
    pool_prio: list[int] = field(default_factory=list)
    pool_disabled: set[int] = field(default_factory=set)
    pending_pools: dict[int, tuple[str, str, str]] = field(default_factory=dict)
    """``setpool`` slots waiting for the next boot: index -> (url, user, password)."""
    pending_boot_s: float = 0.0
    rolling_mhs: list[float] = field(default_factory=list)
    """cgminer's decaying 1m / 5m / 15m averages, advanced at each request."""
    rolling_t: float = 0.0
    rolling_total_mh: float = 0.0
    count_rng: random.Random | None = None
    """Draws the nonce counts behind the short-window rates (seeded from the DNA)."""


_EXTRAS: WeakKeyDictionary[object, Extras] = WeakKeyDictionary()


def extras(heater: HeaterView) -> Extras:
    """Return the per-device Extras (created on first use)."""
    found = _EXTRAS.get(heater)
    if found is None:
        found = _EXTRAS[heater] = Extras()
    return found


@dataclass(slots=True)
class Snapshot:
    """Derived figures shared by the blob and the summary/devs/lcd replies, computed once."""

    now: float
    mode: ModeSpec
    uptime_s: float
    elapsed_s: float
    """cgminer's Elapsed (total_secs)."""
    hashing: bool
    state_code: int
    calibrating: bool
    ghs_avg: float
    diff1: float
    rolling_mhs: tuple[float, float, float, float]
    """MHS 5s, 1m, 5m, 15m."""


def snapshot(heater: HeaterView) -> Snapshot:
    """Compute the per-request figures from the device state."""
    st = heater.state
    prof = heater.profile
    now = heater.now()
    uptime = max(0.0, now - st.boot_time_s)
    elapsed = max(0.0, uptime - CGMINER_START_S)
    idle = st.soft_off or st.room_cutoff_active
    if idle:
        code = 2
    elif st.fan_blocked or st.chip_temp_max_c >= prof.thermal.trip_chip_c:
        code = 3
    elif uptime < INIT_S:
        code = 0
    else:
        code = 1
    ghs_avg = st.total_mh / 1000.0 / elapsed if elapsed > 0 else 0.0
    return Snapshot(
        now=now,
        mode=prof.modes[st.mode_index],
        uptime_s=uptime,
        elapsed_s=elapsed,
        hashing=st.hashrate_ghs > 0,
        state_code=code,
        calibrating=now < st.calibrating_until_s,
        ghs_avg=ghs_avg,
        diff1=st.total_mh * 1e6 / 2**32,
        rolling_mhs=_rolling(heater, now),
    )


def poisson(rng: random.Random, mean: float) -> int:
    """One Poisson draw: exact below a mean of 30, the normal approximation above."""
    if mean <= 0.0:
        return 0
    if mean > 30.0:
        return max(0, round(rng.gauss(mean, math.sqrt(mean))))
    limit = math.exp(-mean)
    k, p = 0, rng.random()
    while p > limit:
        k += 1
        p *= rng.random()
    return k


def counted_mhs(rng: random.Random, mh: float, seconds: float) -> float:
    """The rate the firmware reports for ``mh`` MH hashed over ``seconds``: counted in nonces."""
    nonces = poisson(rng, mh * 1e6 / COUNT_QUANTUM_HASHES)
    return nonces * COUNT_QUANTUM_HASHES / 1e6 / seconds


def _rolling(heater: HeaterView, now: float) -> tuple[float, float, float, float]:
    # Each request feeds the rate counted since the previous one (nonces of the work hashed)
    # into the decaying averages, so a sparse poller still sees them move like the firmware's;
    # MHS 5s is the count over the last five seconds at the live rate.
    st = heater.state
    ext = extras(heater)
    rng = ext.count_rng
    if rng is None:
        rng = ext.count_rng = random.Random(f"{st.dna}:counts")
    current = st.hashrate_ghs * 1000.0
    five_s = counted_mhs(rng, current * FIVE_S, FIVE_S)
    if not ext.rolling_mhs or st.total_mh < ext.rolling_total_mh or now < ext.rolling_t:
        ext.rolling_mhs = [current] * len(ROLLING_WINDOWS_S)
    elif now > ext.rolling_t:
        dt = now - ext.rolling_t
        rate = counted_mhs(rng, st.total_mh - ext.rolling_total_mh, dt)
        ext.rolling_mhs = [
            r + (1.0 - math.exp(-dt / w)) * (rate - r)
            for r, w in zip(ext.rolling_mhs, ROLLING_WINDOWS_S, strict=True)
        ]
    ext.rolling_t, ext.rolling_total_mh = now, st.total_mh
    one, five, fifteen = ext.rolling_mhs
    return five_s, one, five, fifteen
