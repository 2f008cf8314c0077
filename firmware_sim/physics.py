"""Provides the per-second physics of one simulated heater (docs/physics.md §2.6, §3, §6.2).

One :class:`HeaterPhysics` per device holds the profile constants and the internal integrators
(derate factor, fan command, work until the next share) that are not part of the wire-visible
``HeaterState``. :meth:`HeaterPhysics.step` advances one step and returns the wall power, which
the world feeds into the room. Order inside a step: scheduled soft off/on and reboot, firmware
room cut-off, power ramp toward the mode power (derated), fan loop holding TAvg at TarT, chip
temperatures with heatsink lag (TMax a fixed ratio above TAvg), derate only near the trip,
outlet air, then accounting (energy, hashes, expected sats, and the shares those hashes find,
booked by firmware_sim/mining.py).

Speed matters (docs/physics.md §5.2: a simulated day at 1 s steps in well under a second), so the
step reads everything into locals, allocates nothing and keeps Pydantic out of the loop.
"""

from __future__ import annotations

import math
import random
from typing import TYPE_CHECKING, Protocol

from firmware_sim.market import Market, sample_share_work
from firmware_sim.mining import backfill_mining, book_share
from firmware_sim.profile import Profile
from firmware_sim.state import CGMINER_START_S, HeaterState

if TYPE_CHECKING:
    from firmware_sim.room import Room

DOWN_TAU_S = 5.0
"""Assumption: power falls with a 5 s time constant on soft off, derate or idle."""
FAN_TAU_S = 3.0
"""Assumption: fan spin-up/down time constant."""
FAN_KP_PERCENT_PER_K = 10.0
"""Assumption: proportional gain of the auto fan loop on top of its feed-forward duty."""
FAN_KI_PERCENT_PER_K_S = 0.05
"""Assumption: integral gain; it keeps the fan at 100 % while TAvg stays above TarT."""
STALLED_FLOW_FRACTION = 0.05
"""Assumption: airflow left (natural convection) with the fan stopped or blocked."""
DERATE_BELOW_TRIP_K = 8.0
"""Assumption: with the fan at 100 % the firmware cuts power only to keep TMax 8 K under the
overheat trip. It does not derate at TarT: a Mini 3 ran 824 W with TAvg = TarT + 7 and
TMax = TarT + 11 at a 39 C inlet (tests/captures/mini3_stats_plaintext_TRUNCATED.txt)."""
DERATE_DOWN_TAU_S = 5.0
"""Assumption: how fast the firmware lowers its frequency when too hot."""
DERATE_UP_TAU_S = 120.0
"""Assumption: how fast it climbs back once the fan has headroom again."""
DERATE_FLOOR = 0.05
INLET_DERATE_SPAN_K = 10.0
"""Assumption: power falls linearly to idle over 10 K above the inlet limit (S21-like shape)."""
OVERHEAT_CLEAR_BELOW_TARGET_K = 10.0
"""Assumption: after a trip the unit restarts once the chip is 10 K below TarT."""
HASH_NOISE = 0.02
"""Assumption: ±1 % uniform jitter on the real-time hashrate."""
ROOM_CUTOFF_HYSTERESIS_K = 1.0
ROOM_CUTOFF_WORKMODES = (0, 2)
"""Mini 3 Heating (0) and Night (2) obey the room limit, Mining (1) not (docs/physics.md §1.2)."""


class _HasPhysics(Protocol):
    physics: HeaterPhysics
    room: Room


class HeaterPhysics:
    """Physics integrators and constants of one heater; :meth:`step` is the hot loop."""

    __slots__ = (
        "_a_down",
        "_a_drt_down",
        "_a_drt_up",
        "_a_fan",
        "_a_hs",
        "_a_up",
        "_derate_inlet_c",
        "_dt",
        "_fan_exp",
        "_fan_min",
        "_inv_fan_exp",
        "_k_out",
        "_max_over_avg",
        "_mode_power",
        "_mode_target",
        "_mode_ths",
        "_mode_workmode",
        "_net_diff",
        "_r100",
        "_room_cutoff",
        "_rpm_max",
        "_sats_per_hash",
        "_share_diff",
        "_standby_w",
        "_trip_c",
        "derate",
        "fan_cmd_percent",
        "fan_integral",
        "market",
        "overheat",
        "profile",
        "reboot_at_s",
        "rng",
        "shares_total",
        "state",
        "work_left",
    )

    def __init__(
        self, profile: Profile, state: HeaterState, rng: random.Random, market: Market
    ) -> None:
        self.profile = profile
        self.state = state
        self.rng = rng
        self.market = market
        self._mode_power = tuple(m.power_w for m in profile.modes)
        self._mode_ths = tuple(m.hashrate_ths for m in profile.modes)
        self._mode_target = tuple(float(m.target_temp_c) for m in profile.modes)
        self._mode_workmode = tuple(m.workmode for m in profile.modes)
        # Plain floats copied out of the (pydantic) profile: the step never touches pydantic.
        th = profile.thermal
        self._standby_w = profile.standby_power_w
        self._room_cutoff = profile.room_cutoff
        self._r100 = th.r_th_k_per_w
        self._fan_exp = th.fan_exponent
        self._fan_min = float(th.fan_min_percent)
        self._rpm_max = float(th.fan_rpm_max)
        self._derate_inlet_c = th.derate_inlet_c
        self._trip_c = th.trip_chip_c
        self._inv_fan_exp = 1.0 / th.fan_exponent
        self._k_out = th.outlet_rise_full_fan_k / max(self._mode_power)
        self._max_over_avg = th.tmax_over_tavg
        self._dt = -1.0
        self._a_up = self._a_down = self._a_fan = self._a_hs = 0.0
        self._a_drt_down = self._a_drt_up = 0.0
        self.fan_integral = 0.0
        self.derate = 1.0
        self.overheat = False
        self.fan_cmd_percent = 0.0
        self.reboot_at_s = math.inf
        self.shares_total = 0
        self._sats_per_hash = self._share_diff = self._net_diff = 0.0
        self.refresh_market()
        self.work_left = sample_share_work(rng, self._share_diff)

    def refresh_market(self) -> None:
        """Re-read the market (the world calls this once per sync, not per step)."""
        m = self.market
        self._sats_per_hash = m.sats_per_hash()
        self._share_diff = m.share_difficulty
        self._net_diff = m.difficulty

    def _set_dt(self, dt_s: float) -> None:
        self._dt = dt_s
        self._a_up = -math.expm1(-dt_s / self.profile.ramp_tau_s)
        self._a_down = -math.expm1(-dt_s / DOWN_TAU_S)
        self._a_fan = -math.expm1(-dt_s / FAN_TAU_S)
        self._a_hs = -math.expm1(-dt_s / self.profile.thermal.tau_s)
        self._a_drt_down = -math.expm1(-dt_s / DERATE_DOWN_TAU_S)
        self._a_drt_up = -math.expm1(-dt_s / DERATE_UP_TAU_S)

    def settle(self, inlet_c: float) -> None:
        """Put the unit in its steady running state for the current mode (used at creation)."""
        st = self.state
        i = st.mode_index
        p = self._mode_power[i]
        st.power_w = p
        st.hashrate_ghs = self._mode_ths[i] * 1000.0
        st.inlet_temp_c = inlet_c
        th = self.profile.thermal
        heat = p - self.profile.standby_power_w
        rise = st.chip_target_c - inlet_c
        duty = 100.0 if rise <= 0 else (heat * th.r_th_k_per_w / rise) ** self._inv_fan_exp * 100
        duty = min(100.0, max(float(th.fan_min_percent), duty))
        st.fan_percent = self.fan_cmd_percent = duty
        st.fan_rpm = int(th.fan_rpm_max * duty / 100.0)
        avg = inlet_c + heat * th.r_th_k_per_w * (duty / 100.0) ** -th.fan_exponent
        st.chip_temp_avg_c = avg
        st.chip_temp_max_c = inlet_c + (avg - inlet_c) * self._max_over_avg
        st.outlet_temp_c = min(st.chip_temp_max_c, inlet_c + p * self._k_out * 100.0 / duty)

    def boot(self, now_s: float) -> None:
        """Cgminer starts at ``now_s``: counters and TarT reset; power ramps from idle.

        The system booted CGMINER_START_S earlier (the blob's Elapsed counts from there), and
        the API opens now, so totals and averages all count from the same instant.
        """
        st = self.state
        st.boot_time_s = now_s - CGMINER_START_S
        st.chip_target_c = self._mode_target[st.mode_index]
        st.soft_off = False
        st.room_cutoff_active = False
        st.total_mh = 0.0
        st.hw_errors = 0
        st.found_blocks = 0
        st.best_share = 0
        for pool in st.pools:
            pool.accepted = pool.rejected = 0
            pool.diff_accepted = pool.diff_rejected = 0.0
            pool.best_share = 0
        self.derate = 1.0
        self.overheat = False
        self.fan_integral = 0.0
        self.reboot_at_s = math.inf

    def backfill(self, mined_s: float, now_s: float) -> None:
        """Book ``mined_s`` seconds of steady mining before ``now_s`` (a unit already running)."""
        shares = backfill_mining(self.state, self._share_diff, mined_s, now_s)
        if shares is not None:
            self.shares_total = shares

    def step(self, dt_s: float, now_s: float, inlet_c: float) -> float:
        """Advance from ``now_s`` to ``now_s + dt_s`` with inlet air ``inlet_c``; return power."""
        if dt_s != self._dt:
            self._set_dt(dt_s)
        st = self.state
        standby = self._standby_w
        i = st.mode_index

        # --- scheduled events and the reasons not to mine --------------------------------
        down = False
        if now_s >= self.reboot_at_s:
            if now_s < st.down_until_s:
                down = True
            else:
                self.boot(st.down_until_s)
        if st.soft_off_at_s is not None and now_s >= st.soft_off_at_s:
            st.soft_off = True
            st.soft_off_time_s = st.soft_off_at_s
            st.soft_off_at_s = None
        if st.soft_on_at_s is not None and now_s >= st.soft_on_at_s:
            st.soft_off = False
            st.soft_on_time_s = st.soft_on_at_s
            st.soft_on_at_s = None
        limit = st.room_limit_c
        if (
            self._room_cutoff
            and limit is not None
            and self._mode_workmode[i] in ROOM_CUTOFF_WORKMODES
        ):
            if st.room_cutoff_active:
                if inlet_c < limit - ROOM_CUTOFF_HYSTERESIS_K:
                    st.room_cutoff_active = False
            elif inlet_c > limit:
                st.room_cutoff_active = True
        else:
            st.room_cutoff_active = False
        target_c = st.chip_target_c
        # The firmware's fan loop regulates the average chip (TAvg) to TarT, not the hottest:
        # nano3s_estats_mmid0.txt TAvg 90 = TarT 90 with TMax 95; nano3_stats.json TAvg 85 =
        # TarT 85 with TMax 87.
        chip = st.chip_temp_avg_c
        if self.overheat and chip < target_c - OVERHEAT_CLEAR_BELOW_TARGET_K:
            self.overheat = False
        running = not (down or st.soft_off or st.room_cutoff_active or self.overheat)

        # --- power ----------------------------------------------------------------------
        mode_p = self._mode_power[i]
        inlet_factor = 1.0
        over = inlet_c - self._derate_inlet_c
        if over > 0.0:
            inlet_factor = max(0.0, 1.0 - over / INLET_DERATE_SPAN_K)
        if running:
            factor = self.derate if self.derate < inlet_factor else inlet_factor
            target_p = standby + (mode_p - standby) * factor
        else:
            target_p = standby
        p = st.power_w
        if target_p > p:
            p += (target_p - p) * self._a_up
        else:
            p += (target_p - p) * self._a_down
        heat = p - standby
        if heat < 0.0:
            heat = 0.0

        # --- fan loop ---------------------------------------------------------------------
        fan_min = self._fan_min
        if down or not (running or self.overheat):
            cmd = 0.0
        elif st.fan_manual_percent >= 0:
            cmd = float(st.fan_manual_percent)
        elif self.overheat:
            cmd = 100.0
        else:
            err = chip - target_c
            rise = target_c - inlet_c
            # Feed-forward: the duty whose R_th puts this heat exactly at TarT.
            ff = 100.0 if rise <= 0.0 else (heat * self._r100 / rise) ** self._inv_fan_exp * 100.0
            integral = self.fan_integral
            cmd = ff + FAN_KP_PERCENT_PER_K * err + integral
            # Anti-windup: integrate only while the command is not pinned in the error's direction.
            if (err > 0.0 and cmd < 100.0) or (err < 0.0 and cmd > fan_min):
                integral += FAN_KI_PERCENT_PER_K_S * err * dt_s
                if integral > 100.0:
                    integral = 100.0
                elif integral < -100.0:
                    integral = -100.0
                self.fan_integral = integral
            if cmd > 100.0:
                cmd = 100.0
            elif cmd < fan_min:
                cmd = fan_min
        self.fan_cmd_percent = cmd
        fan = st.fan_percent
        fan += (cmd - fan) * self._a_fan
        st.fan_percent = fan
        flow = fan * 0.01
        if st.fan_blocked or flow < STALLED_FLOW_FRACTION:
            flow = STALLED_FLOW_FRACTION
        st.fan_rpm = 0 if st.fan_blocked else int(self._rpm_max * fan * 0.01)

        # --- chip temperature and protection ----------------------------------------------
        r_th = self._r100 * flow**-self._fan_exp
        chip_ss = inlet_c + heat * r_th
        chip += (chip_ss - chip) * self._a_hs
        st.chip_temp_avg_c = chip
        tmax = inlet_c + (chip - inlet_c) * self._max_over_avg
        st.chip_temp_max_c = tmax
        d = self.derate
        if running:
            d_star = 1.0
            # The power whose steady TMax, with the most air the fan can give (all of it on
            # auto, the set duty on manual, none when blocked), sits just under the trip: above
            # 1 whenever the fan can cope, so no derate; below it with a blocked fan.
            if st.fan_blocked:
                air = STALLED_FLOW_FRACTION
            elif st.fan_manual_percent >= 0:
                air = st.fan_manual_percent * 0.01
            else:
                air = 1.0
            if air < STALLED_FLOW_FRACTION:
                air = STALLED_FLOW_FRACTION
            cap = (mode_p - standby) * self._r100 * air**-self._fan_exp * self._max_over_avg
            if cap > 0.0:
                d_star = (self._trip_c - DERATE_BELOW_TRIP_K - inlet_c) / cap
                if d_star > 1.0:
                    d_star = 1.0
                elif d_star < DERATE_FLOOR:
                    d_star = DERATE_FLOOR
            d += (d_star - d) * (self._a_drt_down if d_star < d else self._a_drt_up)
            self.derate = d
        if tmax > self._trip_c and not self.overheat:
            self.overheat = True
            # Restart gently after the trip rather than straight back at full power.
            self.derate = d = DERATE_FLOOR
        st.derated = d < 0.999 or inlet_factor < 1.0 or self.overheat
        outlet = inlet_c + p * self._k_out / flow
        st.outlet_temp_c = outlet if outlet < tmax else (tmax if tmax > inlet_c else inlet_c)
        st.inlet_temp_c = inlet_c

        # --- hashing and accounting -------------------------------------------------------
        st.power_w = p
        st.energy_kwh += p * dt_s / 3.6e6
        span = mode_p - standby
        if running and heat > 0.0 and span > 0.0:
            ghs = self._mode_ths[i] * 1000.0 * heat / span
            ghs *= 1.0 + HASH_NOISE * (self.rng.random() - 0.5)
        else:
            ghs = 0.0
        st.hashrate_ghs = ghs
        if ghs > 0.0:
            hashes = ghs * 1e9 * dt_s
            st.total_mh += hashes * 1e-6
            st.expected_sats += hashes * self._sats_per_hash
            left = self.work_left - hashes
            while left <= 0.0:
                at_s = now_s + dt_s * (1.0 + left / hashes)
                if book_share(st, self.rng, self._share_diff, self._net_diff, at_s):
                    self.shares_total += 1
                left += sample_share_work(self.rng, self._share_diff)
            self.work_left = left
            st.next_share_s = now_s + dt_s + left / (ghs * 1e9)
        st.last_step_s = now_s + dt_s
        return p


def step_heater(heater: _HasPhysics, dt_s: float, now_s: float) -> float:
    """Advance ``heater`` by ``dt_s`` from ``now_s``, its inlet at its room's air; return power."""
    return heater.physics.step(dt_s, now_s, heater.room.air_c)
