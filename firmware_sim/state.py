"""Provides HeaterState, the mutable truth of one simulated device.

Why a plain slotted dataclass and not a pydantic model: the physics step touches these fields
86,400 times per simulated day, and attribute access on a slotted dataclass is several times
cheaper. Profiles (static, validated) are pydantic; runtime state is not.

Ownership: ``physics.py`` advances the physical fields in ``step``; ``handlers.py`` reads them to
build replies and changes the control fields (mode, fan, soft off) on ``ascset``; ``faults.py``
sets the fault fields. Replies are always rendered from this state, so after a write the next
read shows it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

CGMINER_START_S = 30.0
"""cgminer starts about 30 s after boot: q_stats.json blob Elapsed 37850 vs envelope 37819. The
API only exists from then on, and every total and average counts from then."""
DEFAULT_UPTIME_S = 3600.0
"""A served fleet starts as units that have been mining for an hour (averages already settled)."""


@dataclass(slots=True)
class PoolState:
    """One configured pool and its counters."""

    url: str
    user: str
    password: str = "x"  # noqa: S105 - cgminer's conventional dummy pool password
    accepted: int = 0
    rejected: int = 0
    diff_accepted: float = 0.0
    diff_rejected: float = 0.0
    last_share_time: float = 0.0
    last_share_difficulty: float = 0.0
    best_share: int = 0
    getworks: int = 0
    alive: bool = True


@dataclass(slots=True)
class HeaterState:
    """Everything that changes while a device runs. Times are simulated epoch seconds."""

    # identity (fixed per instance)
    dna: str
    mac: str
    # control (set by ascset)
    mode_index: int
    """Index into profile.modes of the active mode."""
    workmode: int
    worklevel: int
    chip_target_c: float
    """TarT; resets to the mode default on a mode change or reboot."""
    fan_manual_percent: int = -1
    """-1 = auto (the fan loop holds the chip at TarT); 15..100 fixed duty."""
    soft_off: bool = False
    soft_off_at_s: float | None = None
    """Pending soft off trigger time (softoff,1:<ts>)."""
    soft_on_at_s: float | None = None
    soft_off_time_s: float = 0.0
    """Last soft-off time (Q SoftOffTime[])."""
    soft_on_time_s: float = 0.0
    room_limit_c: float | None = None
    """Mini 3 limittemp: the firmware idles above it in Heating/Night modes."""
    room_cutoff_active: bool = False
    calibrating_until_s: float = 0.0
    """ADJ[0] and mode changes refused while now < this."""
    led_mode: int = 0
    led_user: tuple[int, int, int, int, int, int] = (0, 100, 100, 5, 0, 255)
    lcd_on: bool = True
    # boot
    boot_time_s: float = 0.0
    down_until_s: float = 0.0
    """While now < this the device is rebooting and accepts no connection."""
    boot_reason: int = 1
    """BOOTBY code: 1 power-on, 2 overheat, 4 web, 5 api."""
    # physics (advanced by physics.step)
    power_w: float = 0.0
    """Actual wall power now (ramps toward the mode's power)."""
    hashrate_ghs: float = 0.0
    """Actual hashrate now (GHSspd)."""
    chip_temp_max_c: float = 25.0
    chip_temp_avg_c: float = 25.0
    inlet_temp_c: float = 20.0
    outlet_temp_c: float = 20.0
    fan_percent: float = 0.0
    fan_rpm: int = 0
    derated: bool = False
    """True while inlet heat or chip over-temperature forces reduced power."""
    # faults that change behaviour (set by faults.py)
    fan_blocked: bool = False
    # accounting (advanced by physics.step)
    energy_kwh: float = 0.0
    total_mh: float = 0.0
    """Total MH hashed since boot (summary Total MH)."""
    expected_sats: float = 0.0
    hw_errors: int = 0
    found_blocks: int = 0
    best_share: int = 0
    next_share_s: float = 0.0
    """Time the next accepted share arrives (Poisson stream)."""
    pools: list[PoolState] = field(default_factory=list)
    last_step_s: float = 0.0
    """Simulated time up to which physics has been advanced."""
