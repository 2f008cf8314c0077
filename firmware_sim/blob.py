"""Provides the ``MM ID0`` strings (and the Q's ``MM ID0:Summary``/``HBinfo``) per blob style.

Every string is rendered from HeaterState, so a write shows on the next read. Key order, spacing
and number formats copy the captures (nano3s_estats_mmid0.txt, nano3_stats.json,
mini3_stats_plaintext_TRUNCATED.txt, q_stats.json) and, past the end of a capture, the Nano 3S
source ``avalon_api_stats()``. Per-chip arrays are cached by their integer inputs, because they
dominate the cost of a poll and change only when a temperature crosses a whole degree.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from functools import lru_cache

from firmware_sim.state import HeaterState
from firmware_sim.view import HeaterView, Snapshot, extras

GHS_PER_WU = 4.294967296 / 60.0
"""GHSavg = diff1 / t * 4.294967296, WU = diff1 / t * 60 (driver-avalon.c)."""
MW_MH_PER_NONCE = 1.6e7
"""Assumption fitted to the captures: a chip's MW[] count grows by one per 1.6e7 MH hashed."""
FILTER_START_MIN = 19000
"""Q Filter[] counts minutes since the last filter clean (19143 -> 19145 in 127 s, q_stats)."""
SYSTEM_STATUS = ("In Init", "In Work", "In Idle", "In Fault")
"""driver-avalon.c sysstatus[]; the index is the Q's STATE[] value."""


@dataclass(frozen=True, slots=True)
class Style:
    """Figures a blob style prints that HeaterState does not model; sources in comments."""

    dh_pct: float
    bin: int
    ping_ms: int
    memfree: int
    pll_counts: str
    pvt_mv: int
    ps_ctrl: int
    """PS[1] control-board voltage, x10 mV (Nano 3S: 0)."""
    ps_eff: float
    """PS[4] output power / PS[6] wall power."""
    volt_range: tuple[int, int]
    """PS limits [7]..[8] for ``voltage,<v>`` (assumed except the Q's 2150-2600, thermal-key)."""
    nonce_mask: int


STYLES = {
    # nano3s_estats_mmid0.txt
    "nano3s": Style(2.374, 60, 78, 63728, "499 254 423 648", 301, 0, 1.0, (3400, 4000), 25),
    # nano3_stats.json (PS has no control voltage; PS[5] is DC watts: 92 W at a 100 W wall)
    "nano3": Style(1.474, 0, 166, 0, "0 258 321 1191", 303, 0, 0.92, (280, 360), 1),
    # mini3_stats_plaintext_TRUNCATED.txt; BIN/PING/PLL assumed from the Q (same A3197S chips)
    "mini3": Style(1.768, 36, 17, 64584, "3647 2378 2101 1900", 278, 1210, 0.922, (1900, 2300), 25),
    # q_stats.json
    "q": Style(2.449, 36, 17, 67892, "8843 5769 5098 4610", 275, 1221, 0.957, (2150, 2600), 25),
}


@lru_cache(maxsize=8)
def _pattern(n: int, salt: str) -> tuple[float, ...]:
    # A fixed per-chip spread with min 0 and mean 1, so one scale maps it onto TMax/TAvg.
    rng = random.Random(f"{salt}:{n}")
    raw = [rng.random() ** 1.5 for _ in range(n)]
    low = min(raw)
    mean = sum(raw) / n - low
    return tuple((x - low) / mean if mean > 0 else 0.0 for x in raw)


@lru_cache(maxsize=4096)
def chip_temps(n: int, tmax: int, tavg: int) -> str:
    """PVT_T values: ``%3d `` per chip, hottest chip at TMax, mean near TAvg."""
    spread = max(0, tmax - tavg)
    temps = tuple(round(tmax - p * spread) for p in _pattern(n, "t"))
    return (("%3d " * n) % temps)[:-1]


@lru_cache(maxsize=64)
def chip_volts(n: int, mean_mv: int) -> str:
    """PVT_V values: ``%d`` per chip around the style's mean."""
    return " ".join(str(mean_mv + round((p - 1.0) * 4)) for p in _pattern(n, "v"))


@lru_cache(maxsize=8)
def _work_shares(n: int) -> tuple[float, ...]:
    return tuple((0.8 + 0.2 * p) / MW_MH_PER_NONCE / n for p in _pattern(n, "w"))


# Cached on the exact MH total: one request prints MW0 up to twice (the Q's summary head and
# HBinfo) from the same state, and it is the costliest field (one number per chip).
@lru_cache(maxsize=256)
def chip_works(n: int, total_mh: float) -> str:
    """MW values: matching works per chip, growing with the MH hashed since boot."""
    return " ".join([str(int(total_mh * share)) for share in _work_shares(n)])


def power_status(heater: HeaterView, snap: Snapshot) -> str:
    """The PS[...] values in the model's layout (docs/protocol.md §1.6)."""
    st = heater.state
    style = STYLES[heater.profile.blob_style]
    wall = round(st.power_w)
    volt = voltage_setpoint(heater, snap)
    if heater.profile.blob_style == "nano3s":
        # [2] input mV (USB-C PD), [3] A, [5] ATA voltage, [6] watts = MPO at full power.
        return f"0 0 27541 {int(st.power_w / 27.5)} 0 {volt} {wall}"
    if heater.profile.blob_style == "nano3":
        # "0 0 0 A V*100 W X": [5] is the DC side of the 28 V adapter (92 W at Mid, whose wall
        # figure is 100 W); [6] is not watts (assumed input current, x10 mA).
        dc_w = st.power_w * style.ps_eff
        return f"0 0 0 {int(dc_w / 27.8)} 2780 {round(dc_w)} {int(dc_w / 27.8 * 100)}"
    if not snap.hashing:
        return f"0 {style.ps_ctrl} 4 0 0 {volt} {wall}"
    out_w = round(st.power_w * style.ps_eff)
    hash_v = volt - 2
    return f"0 {style.ps_ctrl} {hash_v} {round(out_w / (hash_v / 100))} {out_w} {volt} {wall}"


def voltage_setpoint(heater: HeaterView, snap: Snapshot) -> int:
    """The voltage parameter: a ``voltage,<v>`` override, else the mode's ATA voltage."""
    ext = extras(heater)
    if ext.voltage is not None and ext.voltage_mode == heater.state.mode_index:
        return ext.voltage
    return snap.mode.volt


def filter_minutes(heater: HeaterView, snap: Snapshot) -> int:
    """Minutes since the last filter clean (Q ``Filter[]``)."""
    cleaned = extras(heater).filter_clean_s
    if cleaned is None:
        return FILTER_START_MIN + int(snap.uptime_s // 60)
    return int(max(0.0, snap.now - cleaned) // 60)


def _ata(heater: HeaterView, snap: Snapshot) -> str:
    # ATA<mode>[MPO-TarT-Volt-PllStart-PllStep]; empty until calibration has finished.
    m = snap.mode
    if snap.calibrating:
        return f"ATA{m.workmode}[]"
    tart = int(heater.state.chip_target_c)
    volt = voltage_setpoint(heater, snap)
    return f"ATA{m.workmode}[{m.mpo_w}-{tart}-{volt}-{m.freqs_mhz[0]}-20]"


def _common_head(heater: HeaterView, snap: Snapshot) -> dict[str, str]:
    st = heater.state
    prof = heater.profile
    style = STYLES[prof.blob_style]
    ver = prof.version
    fw = ver.get("CGVERSION", ver.get("VERSION", ""))
    tmax = int(st.chip_temp_max_c)
    tavg = int(st.chip_temp_avg_c)
    dh = f"{style.dh_pct:.3f}%"
    ghs_mm = snap.mode.hashrate_ths * 1000.0
    freq = sum(snap.mode.freqs_mhz) / 4.0
    return {
        "Ver": f"{ver.get('MODEL', prof.model)}-{fw}",
        "LVer": ver.get("LVERSION", fw),
        "BVer": ver.get("BVERSION", fw),
        "FW": "Release",
        "SYSTEMSTATU": f"Work: {SYSTEM_STATUS[snap.state_code]}, Hash Board: 1",
        "Elapsed": str(int(snap.uptime_s)),
        "BOOTBY": f"0x{st.boot_reason:02X}.00000000",
        "LW": str(int(st.total_mh / 1e4) % 2**32),
        "MH": str(st.hw_errors),
        "HW": str(st.hw_errors),
        "DH": dh,
        "TMax": str(tmax),
        "TAvg": str(tavg),
        "TarT": str(int(st.chip_target_c)),
        "FanR": f"{round(st.fan_percent)}%",
        "PS": power_status(heater, snap),
        "GHSspd": f"{st.hashrate_ghs:.2f}",
        "DHspd": dh if snap.hashing else "0.000%",
        "GHSmm": f"{ghs_mm:.2f}",
        "GHSavg": f"{snap.ghs_avg:.2f}",
        "WU": f"{snap.ghs_avg / GHS_PER_WU:.2f}",
        "Freq": f"{freq:.2f}",
        "MGHS": f"{snap.ghs_avg:.2f}",
        "MTmax": str(tmax),
        "MTavg": str(round(st.chip_temp_avg_c)),
        "TA": str(prof.chip_count),
        "Core": prof.core,
        "BIN": str(style.bin),
        "PING": str(style.ping_ms),
        "SoftOFF": "4" if snap.state_code == 2 else "0",
        "PLL0": style.pll_counts,
        "SF0": " ".join(map(str, snap.mode.freqs_mhz)),
        "PVT_T0": chip_temps(prof.chip_count, tmax, tavg),
        "PVT_V0": chip_volts(prof.chip_count, style.pvt_mv),
        "MW0": chip_works(prof.chip_count, st.total_mh),
        "MEMFREE": str(style.memfree),
        "DNA": st.dna,
        "LcdOnoff": "1" if st.lcd_on else "0",
        "Fans": " ".join(f"Fan{k + 1}[{st.fan_rpm}]" for k in range(prof.thermal.fan_count)),
        "ADJ": "0" if snap.calibrating else "1",
        "WORKMODE": str(st.workmode),
        "WORKLEVEL": str(st.worklevel),
        "MPO": str(snap.mode.mpo_w),
    }


def _led(st: HeaterState) -> str:
    e, b, t, r, g, bl = st.led_user
    return f"LED[{st.led_mode}-0] LEDUser[{e}-{b}-{t}-{r}-{g}-{bl}]"


def _inlet(heater: HeaterView) -> str:
    # The Nano 3S has no inlet sensor and prints the driver's -273 default (ITemp[-273]).
    if not heater.profile.has_inlet_sensor and heater.profile.blob_style == "nano3s":
        return "-273"
    return str(int(heater.state.inlet_temp_c))


def all_estats(heater: HeaterView, snap: Snapshot) -> str:
    """``estats|all`` per-chip arrays (driver-avalon.c show_all_estats), with a leading space."""
    n = heater.profile.chip_count
    freqs = snap.mode.freqs_mhz
    totals = [int(x) for x in STYLES[heater.profile.blob_style].pll_counts.split()]
    counts = [[t // n + (1 if k < t % n else 0) for k in range(n)] for t in totals]
    passed = int(heater.state.total_mh / MW_MH_PER_NONCE / n * 1000)
    parts = [f" CF0_{p}[" + (("%3d " * n) % ((freqs[p],) * n))[:-1] + "]" for p in range(4)]
    parts += [f" PLLCNT0_{p}[" + (("%3d " * n) % tuple(counts[p]))[:-1] + "]" for p in range(4)]
    parts.append(" ERATIO0[" + ("  0.00% " * n)[:-1] + "]")
    parts.append(" C_00_00[" + (f"{passed:7d} " * n)[:-1] + "]")
    parts.append(" C_00_01[" + ("      0 " * n)[:-1] + "]")
    ghs = tuple(sum(counts[p][k] * freqs[p] for p in range(4)) / 1000 for k in range(n))
    parts.append(" GHSmm00[" + (("%7.2f " * n) % ghs)[:-1] + "]")
    return "".join(parts)


def nano3s_blob(heater: HeaterView, snap: Snapshot, show_all: bool = False) -> str:
    """The Nano 3S ``MM ID0`` value, key order as nano3s_estats_mmid0.txt / avalon_api_stats()."""
    h = _common_head(heater, snap)
    st = heater.state
    bar = "" if not snap.calibrating else f" BAR[{_calibration_pct(heater, snap)}]"
    return (
        f"Ver[{h['Ver']}] LVer[{h['LVer']}] BVer[{h['BVer']}] FW[Release] {_led(st)}"
        f" LcdOnoff[{h['LcdOnoff']}] LcdSwitch[{extras(heater).lcd_switch}] DNA[{h['DNA']}]"
        f" MEMFREE[{h['MEMFREE']}] PFCnt[0] NETFAIL[0 0 0 0 0 0 0 0]"
        f" SYSTEMSTATU[{h['SYSTEMSTATU']}] Elapsed[{h['Elapsed']}] BOOTBY[{h['BOOTBY']}]"
        f" LW[{h['LW']}] MH[{h['MH']}] DHW[0] HW[{h['HW']}] DH[{h['DH']}] ITemp[{_inlet(heater)}]"
        f" OTemp[{int(st.outlet_temp_c)}] TMax[{h['TMax']}] TAvg[{h['TAvg']}] TarT[{h['TarT']}]"
        f" {h['Fans']} FanR[{h['FanR']}] PS[{h['PS']}] GHSspd[{h['GHSspd']}]"
        f" DHspd[{h['DHspd']}] GHSmm[{h['GHSmm']}] GHSavg[{h['GHSavg']}] WU[{h['WU']}]"
        f" Freq[{h['Freq']}] MGHS[{h['MGHS']}] MTmax[{h['MTmax']}] MTavg[{h['MTavg']}]"
        f" TA[{h['TA']}] Core[{h['Core']}] BIN[{h['BIN']}] PING[{h['PING']}]"
        f" SoftOFF[{h['SoftOFF']}] ECHU[0] ECMM[0] PLL0[{h['PLL0']}] SF0[{h['SF0']}]"
        f" PVT_T0[{h['PVT_T0']}] PVT_V0[{h['PVT_V0']}] MW0[{h['MW0']}] CRC[0] COMCRC[0]"
        f" {_ata(heater, snap)}{all_estats(heater, snap) if show_all else ''}"
        f" WORKMODE[{h['WORKMODE']}] WORKLEVEL[{h['WORKLEVEL']}]"
        f" MPO[{h['MPO']}] CALIALL[7] ADJ[{h['ADJ']}]{bar}"
    )


def mini3_blob(heater: HeaterView, snap: Snapshot, show_all: bool = False) -> str:
    """The Mini 3 ``MM ID0`` value: the capture's order up to PCOMM, then the MM319 driver's."""
    h = _common_head(heater, snap)
    st = heater.state
    hb_temp = (int(st.outlet_temp_c) + int(st.chip_temp_max_c)) // 2
    mcu = heater.profile.version.get("MCUVERSION", "")
    bar = "" if not snap.calibrating else f" BAR[{_calibration_pct(heater, snap)}]"
    return (
        f"HashStatus[0] Ver[{h['Ver']}] LVer[{h['LVer']}] BVer[{h['BVer']}] Mcu0Ver[{mcu}]"
        f" FW[Release] DNA[{h['DNA']}] MEMFREE[{h['MEMFREE']}] NETFAIL[0 0 0 0 0 0 0 0]"
        f" SYSTEMSTATU[{h['SYSTEMSTATU']}] Elapsed[{h['Elapsed']}] BOOTBY[{h['BOOTBY']}]"
        f" LW[{h['LW']}] MH[{h['MH']}] DHW[0] HW[{h['HW']}] DH[{h['DH']}] ITemp[{_inlet(heater)}]"
        f" OTemp[{int(st.outlet_temp_c)}] HBTemp[{hb_temp}] TMax[{h['TMax']}] TAvg[{h['TAvg']}]"
        f" TarT[{h['TarT']}] {h['Fans']} FanR[{h['FanR']}] PS[{h['PS']}] PCOMM_E[0]"
        f" GHSspd[{h['GHSspd']}] DHspd[{h['DHspd']}] GHSmm[{h['GHSmm']}] GHSavg[{h['GHSavg']}]"
        f" WU[{h['WU']}] Freq[{h['Freq']}] MGHS[{h['MGHS']}] MTmax[{h['MTmax']}]"
        f" MTavg[{h['MTavg']}] TA[{h['TA']}] Core[{h['Core']}] BIN[{h['BIN']}] PING[{h['PING']}]"
        f" SoftOFF[{h['SoftOFF']}] ECHU[0] ECMM[0] PLL0[{h['PLL0']}] SF0[{h['SF0']}]"
        f" PVT_T0[{h['PVT_T0']}] PVT_V0[{h['PVT_V0']}] MW0[{h['MW0']}] CRC[0] COMCRC[0]"
        f" {_ata(heater, snap)}{all_estats(heater, snap) if show_all else ''}"
        f" LcdOnoff[{h['LcdOnoff']}] WORKMODE[{h['WORKMODE']}]"
        f" WORKLEVEL[{h['WORKLEVEL']}] MPO[{h['MPO']}] CALIALL[7] ADJ[{h['ADJ']}]{bar}"
    )


def nano3_blob(heater: HeaterView, snap: Snapshot) -> str:
    """The Nano 3 (MM318) ``MM ID0`` value as nano3_stats.json: doubled spaces, no WORKMODE."""
    h = _common_head(heater, snap)
    st = heater.state
    hver = heater.profile.version.get("HVERSION", "")
    atas = " ".join(
        f"ATA{m.worklevel}[{m.mpo_w}-{m.target_temp_c}-{m.volt}-{':'.join(map(str, m.freqs_mhz))}]"
        for m in heater.profile.modes
    )
    return (
        f"HashStatus[1] Ver[{h['Ver']}] HVer[{hver}]  DNA[0000000000000000]  HDNA[{h['DNA']}]"
        f"  PFCnt[0] NETFAIL[0 0 0 0 0 0 0 0] Elapsed[{h['Elapsed']}] LW[{h['LW']}]"
        f" MH[{h['MH']}] DHW[0] HW[{h['HW']}] DH[{h['DH']}] Temp[{int(st.inlet_temp_c)}]"
        f" OTemp[{int(st.outlet_temp_c)}] TMax[{h['TMax']}] TAvg[{h['TAvg']}] TarT[{h['TarT']}]"
        f" {h['Fans']} FanR[{h['FanR']}] Vo[0] PS[{h['PS']}] GHSspd[{h['GHSspd']}]"
        f" DHspd[{h['DHspd']}] GHSmm[{h['GHSmm']}] GHSavg[{h['GHSavg']}] WU[{h['WU']}]"
        f" Freq[0.00] Led[0] MGHS[{h['MGHS']}] MTmax[{h['MTmax']}] MTavg[{h['MTavg']}]"
        f" TA[{h['TA']}] Core[{h['Core']}] PING[{h['PING']}] SoftOFF[{h['SoftOFF']}] ECHU[0]"
        f" ECMM[0] PLL0[{h['PLL0']}] SF0[{h['SF0']}] PVT_T0[{h['PVT_T0']}]"
        f" PVT_V0[{h['PVT_V0']}] MW0[{h['MW0']}] CRC[0] {atas} WORKLEVEL[{h['WORKLEVEL']}]"
        f" MPO[{h['MPO']}] ADJ[{h['ADJ']}]"
    )


def q_summary(heater: HeaterView, snap: Snapshot) -> str:
    """The Q ``MM ID0:Summary`` value with its ``'STATS':{...}`` wrapper (q_stats.json)."""
    h = _common_head(heater, snap)
    st = heater.state
    ver = heater.profile.version
    idle = snap.state_code == 2
    # In standby the Q reports TMax[0] TAvg[0] (q_stats.json, STATE[2]).
    tmax, tavg = ("0", "0") if idle else (h["TMax"], h["TAvg"])
    return (
        f"'STATS':{{Ver[{h['Ver']}] LVer[{h['LVer']}] BVer[{h['BVer']}]"
        f" HashMcu0Ver[{ver.get('HBMCUVERSION', '')}] FanMcuVer[{ver.get('FANMCUVERSION', '')}]"
        f" CPU[K230] FW[Release] DNA[{h['DNA']}] STATE[{snap.state_code}]"
        f" MEMFREE[{h['MEMFREE']}] NETFAIL[0 0 0 0 0 0 0 0] SSID[] RSSI[0] NetDevType[0]"
        f" SYSTEMSTATU[{h['SYSTEMSTATU']}] Elapsed[{h['Elapsed']}] BOOTBY[{h['BOOTBY']}]"
        f" LW[{h['LW']}] MH[{h['MH']}] DHW[0] HW[{h['HW']}] DH[{h['DH']}]"
        f" ITemp[{_inlet(heater)}] HBITemp[{int(st.inlet_temp_c) + 1}]"
        f" HBOTemp[{int(st.outlet_temp_c)}] TMax[{tmax}] TAvg[{tavg}] TarT[{h['TarT']}]"
        f" {h['Fans']} FanR[{h['FanR']}] SoftOffTime[{int(st.soft_off_time_s)}]"
        f" SoftOnTime[{int(st.soft_on_time_s)}] Filter[{filter_minutes(heater, snap)}]"
        f" FanErr[0] SoloAllowed[{extras(heater).solo_allowed}] PS[{h['PS']}] PCOMM_E[0]"
        f" GHSspd[{h['GHSspd']}] DHspd[{h['DHspd']}] GHSmm[{h['GHSmm']}] GHSavg[{h['GHSavg']}]"
        f" WU[{h['WU']}] Freq[{h['Freq']}] MGHS[{h['MGHS']}] TA[{h['TA']}] Core[{h['Core']}]"
        f" BIN[{h['BIN']}] PING[{h['PING']}] SoftOFF[{h['SoftOFF']}] ECHU[0] ECMM[0]"
        f" PLL0[{h['PLL0']}] SF0[{h['SF0']}] CRC[0] COMCRC[0] {_ata(heater, snap)}"
        f" LcdOnoff[{h['LcdOnoff']}] Activation[0] WORKMODE[{h['WORKMODE']}]"
        f" WORKLEVEL[{h['WORKLEVEL']}] MPO[{h['MPO']}] CALIALL[7] ADJ[{h['ADJ']}]"
        f" Nonce Mask[{STYLES['q'].nonce_mask}]}}"
    )


def q_hbinfo(heater: HeaterView) -> str:
    """The Q ``HBinfo`` value: ``'HB0':{PVT_T0[...] PVT_V0[...] MW0[...]}``."""
    st = heater.state
    n = heater.profile.chip_count
    temps = chip_temps(n, int(st.chip_temp_max_c), int(st.chip_temp_avg_c))
    volts = chip_volts(n, STYLES["q"].pvt_mv)
    return f"'HB0':{{PVT_T0[{temps}] PVT_V0[{volts}] MW0[{chip_works(n, st.total_mh)}]}}"


def lite_blob(heater: HeaterView, snap: Snapshot) -> str:
    """The short ``litestats`` blob of the Nano 3S / Mini 3 (driver-avalon.c show_litestats)."""
    st = heater.state
    limit = int(st.room_limit_c) if st.room_limit_c is not None else 0
    ext = extras(heater)
    return (
        f"LVer[{heater.profile.version.get('LVERSION', '')}]"
        f" BVer[{heater.profile.version.get('BVERSION', '')}] MVer[0] FW[Release]"
        f" STATE[{snap.state_code}] MODE[{st.workmode}] LEVEL[{st.worklevel}]"
        f" GHSspd[{st.hashrate_ghs:f}] ITemp[{_inlet(heater)}] OTemp[{int(st.outlet_temp_c)}]"
        f" Limitemp[{limit}] FanR[{round(st.fan_percent)}%] Filter[{filter_minutes(heater, snap)}]"
        f" {_led(st)} LcdOnoff[{1 if st.lcd_on else 0}] LcdSwitch[{ext.lcd_switch}]"
        f" LcdBright[{ext.lcd_bright}] ECHU[0] ECMM[0] SSID[] RSSI[0] NetDevType[0]"
    )


def _calibration_pct(heater: HeaterView, snap: Snapshot) -> int:
    left = heater.state.calibrating_until_s - snap.now
    total = heater.profile.calibration_s
    return max(0, min(100, int(100 * (1 - left / total)))) if total > 0 else 100


def full_blob(heater: HeaterView, snap: Snapshot, show_all: bool = False) -> str:
    """The ``MM ID0`` (or Q ``MM ID0:Summary``) value; ``show_all`` adds estats|all arrays."""
    style = heater.profile.blob_style
    if style == "q":
        return q_summary(heater, snap)
    if style == "nano3":
        return nano3_blob(heater, snap)
    if style == "mini3":
        return mini3_blob(heater, snap, show_all)
    return nano3s_blob(heater, snap, show_all)
