"""A small stand-in device for the wire tests: a Profile, a HeaterState and a settable clock.

It has exactly what ``firmware_sim.handlers.dispatch`` uses (``HeaterView``), with the state set
to steady figures taken from the captures, so a test can put a unit in the same situation as a
captured one (working in High, in standby...) without running the physics.
"""

from __future__ import annotations

from firmware_sim.faults import FaultPlan
from firmware_sim.profile import Profile, load_profile
from firmware_sim.state import HeaterState, PoolState

NOW_S = 1_765_004_019.0
"""When of nano3s_version.json."""
UPTIME_S = 37_850.0
"""Blob Elapsed of q_stats.json."""


class StandIn:
    """A HeaterView with no physics: what the state says is what the replies show."""

    def __init__(self, model: str, *, standby: bool = False, pools: int = 1) -> None:
        self.profile: Profile = load_profile(model)
        self.faults = FaultPlan()
        self.t = NOW_S
        self.reboots: list[tuple[float, float]] = []
        mode = self.profile.modes[self.profile.default_mode]
        self.state = HeaterState(
            dna="02010000bd448216",
            mac="e0e1a93f3053",
            mode_index=self.profile.default_mode,
            workmode=mode.workmode,
            worklevel=mode.worklevel,
            chip_target_c=float(mode.target_temp_c),
            boot_time_s=NOW_S - UPTIME_S,
            pools=[
                PoolState(
                    url=f"stratum+tcp://pool{k}.sim.invalid:3333",
                    user="worker1",
                    accepted=890,
                    rejected=2,
                    diff_accepted=368550176.0,
                    diff_rejected=786432.0,
                    last_share_time=NOW_S - 60,
                    last_share_difficulty=524288.0,
                    best_share=354914572,
                    getworks=681,
                )
                for k in range(pools)
            ],
        )
        self.set_running(mode.power_w, mode.hashrate_ths * 1000.0)
        if standby:
            self.set_standby()

    def set_running(self, power_w: float, hashrate_ghs: float) -> None:
        """Steady mining figures (nano3s_estats_mmid0.txt proportions)."""
        st = self.state
        st.soft_off = False
        st.power_w = power_w
        st.hashrate_ghs = hashrate_ghs
        st.chip_temp_max_c = 95.0 if self.profile.blob_style == "nano3s" else 86.0
        st.chip_temp_avg_c = st.chip_temp_max_c - 5
        st.inlet_temp_c = 21.0
        st.outlet_temp_c = 45.0
        st.fan_percent = 33.0
        st.fan_rpm = 1520
        st.total_mh = hashrate_ghs * 1000.0 * UPTIME_S

    def set_standby(self) -> None:
        """The Q standby of q_stats.json: soft off, no hashing, fans stopped."""
        st = self.state
        st.soft_off = True
        st.power_w = self.profile.standby_power_w
        st.hashrate_ghs = 0.0
        st.fan_percent = 0.0
        st.fan_rpm = 0
        st.soft_off_time_s = NOW_S - 6000
        st.soft_on_time_s = NOW_S - 6060

    def now(self) -> float:
        """Return the stand-in's clock."""
        return self.t

    def set_mode(self, index: int) -> None:
        """Switch mode the way SimulatedHeater does: TarT reset and a calibration window."""
        mode = self.profile.modes[index]
        st = self.state
        st.mode_index = index
        st.workmode = mode.workmode
        st.worklevel = mode.worklevel
        st.chip_target_c = float(mode.target_temp_c)
        st.calibrating_until_s = self.t + self.profile.calibration_s

    def reboot(self, downtime_s: float = 60.0, after_s: float = 0.0) -> None:
        """Record the reboot request."""
        self.reboots.append((downtime_s, after_s))
