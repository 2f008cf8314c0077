"""Provides the device description model: one JSON file per model in ``firmware_sim/profiles/``.

A profile is data, validated with ``extra="forbid"`` so a typo in a profile fails loudly. Every
figure that is an assumption says so in its ``note`` (docs/physics.md §6.2 marks which ones are).
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

PROFILE_DIR = Path(__file__).parent / "profiles"


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModeSpec(_Strict):
    """One operating point the firmware can be put in."""

    name: str
    """Name as the vendor app shows it ("High", "Heating Eco", "Super")."""
    workmode: int
    """WORKMODE value (on the Nano 3, which has no workmode, the WORKLEVEL value)."""
    worklevel: int
    """WORKLEVEL value reported and accepted with this mode."""
    power_w: float
    """Steady wall power (PS[6] on MM319; on the Nano 3, PS[5] shows the DC side of it)."""
    hashrate_ths: float
    """Steady nominal hashrate (GHSmm)."""
    mpo_w: int
    """MPO[] the firmware reports for the mode (its calibrated maximum power out)."""
    target_temp_c: int
    """Default chip target TarT[] for the mode; target-temp resets to this on a mode change."""
    noise_db: float
    volt: int
    """Voltage parameter shown in ATAn[] and PS[5]."""
    freqs_mhz: tuple[int, int, int, int]
    """PLL frequencies shown in SF0[] / ATAn[]."""
    source: str = ""
    """Where power and hashrate come from (the registry carries the same figures, tested)."""


class ThermalSpec(_Strict):
    """Chip and fan model parameters (docs/physics.md §2.6, §6.2; assumptions unless noted).

    The firmware's fan loop holds the average chip (TAvg) at TarT, so the resistance and the
    ratio below describe TAvg and TMax as the captures show them (docs/heat-truth.md).
    """

    r_th_k_per_w: float
    """Average-chip (TAvg) to inlet thermal resistance at 100 % fan, per watt of heat."""
    tmax_over_tavg: float = 1.075
    """(TMax - inlet) / (TAvg - inlet): how much hotter the hottest chip runs than the mean."""
    outlet_rise_full_fan_k: float = 15.0
    """Exhaust rise over the inlet at the top mode's power with the fan at 100 %."""
    fan_exponent: float = 0.6
    """R_th scales as (fan fraction) ** -fan_exponent."""
    tau_s: float
    """Heatsink time constant."""
    fan_rpm_max: int
    """RPM at 100 % duty."""
    fan_count: int
    fan_min_percent: int = 15
    derate_inlet_c: float
    """Inlet temperature above which the unit reduces power (vendor ambient limit)."""
    trip_chip_c: float = 113.0
    """Overheat constant from driver-avalon.h; the unit idles above it."""


class Profile(_Strict):
    """Everything that makes one simulated model behave like the real one."""

    model: str
    """Short id: nano3, nano3s, mini3, q."""
    family: str
    """"MM318" (Nano 3, driver avalonnano) or "MM319" (Nano 3S, Mini 3, Q; driver avalon)."""
    version: dict[str, str]
    """VERSION[0] fields after CGMiner/API, in wire order, with DNA/MAC filled per instance."""
    device_name: str
    """"AVALON" or "AVANANO" (devs Name, stats ID prefix)."""
    modes: tuple[ModeSpec, ...]
    default_mode: int
    """Index into ``modes`` the unit boots in."""
    mode_option: str
    """"workmode" (MM319) or "worklevel" (Nano 3)."""
    ascset_options: tuple[str, ...]
    """Options listed by ``ascset|0,help``, in the firmware's order."""
    soft_off: bool
    has_inlet_sensor: bool
    room_cutoff: bool = False
    """Mini 3: firmware-side room thermostat on the inlet sensor in Heating/Night modes."""
    standby_power_w: float
    chip_count: int
    core: str
    thermal: ThermalSpec
    ramp_tau_s: float = Field(default=30.0)
    """First-order power ramp time constant (assumption: 60-120 s to full power)."""
    calibration_s: float = Field(default=300.0)
    """Window after a mode change in which further changes are refused (assumption, §6.2)."""
    blob_style: str
    """Which MM ID0 layout to print: "nano3s", "nano3", "mini3" or "q"."""
    note: str = ""
    """Provenance and the assumptions this profile makes."""


@cache
def load_profile(model: str) -> Profile:
    """Load and validate ``profiles/<model>.json``; KeyError for an unknown model."""
    path = PROFILE_DIR / f"{model}.json"
    if not path.is_file():
        raise KeyError(f"unknown model {model!r}; known: {', '.join(known_models())}")
    return Profile.model_validate(json.loads(path.read_text(encoding="utf-8")))


def known_models() -> list[str]:
    """Return the model ids that have a profile file."""
    return sorted(p.stem for p in PROFILE_DIR.glob("*.json"))
