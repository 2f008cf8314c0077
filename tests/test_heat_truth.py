"""Heat truth: registry and simulator carry the figures the captures show (docs/heat-truth.md).

Each test cites the capture it reads from ``tests/captures/`` (provenance in its README). The
registry (``nanoheater/capabilities``) and the simulator (``firmware_sim/profiles``) are written
independently and never import each other; this test reads both and holds them together within
the tolerances stated below.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from firmware_sim.blob import STYLES
from firmware_sim.device import create_heater
from firmware_sim.profile import load_profile
from firmware_sim.state import HeaterState
from nanoheater.capabilities import capabilities, find_profile

CAPTURES = Path(__file__).parent / "captures"
MODELS = ("nano3", "nano3s", "mini3", "q")

POWER_TOLERANCE_W = 0.5
"""Both sides carry the same wall watts; only rounding may differ."""
HASHRATE_TOLERANCE = 0.01
"""1 %: the simulator may carry one more digit of the same figure."""
NOISE_TOLERANCE_DB = 0.0
STANDBY_TOLERANCE_W = 0.0


def _blob(name: str) -> dict[str, str]:
    text = (CAPTURES / name).read_text(encoding="utf-8")
    return dict(re.findall(r"(\w+)\[([^\]]*)\]", text))


@pytest.mark.parametrize("model", MODELS)
def test_registry_and_simulator_agree(model: str) -> None:
    """Every mode has the same wall power, hashrate and noise on both sides; so has standby."""
    caps = capabilities(model)
    sim = load_profile(model)
    assert [p.name for p in caps.profiles] == [m.name for m in sim.modes]
    for reg, mode in zip(caps.profiles, sim.modes, strict=True):
        assert reg.power_w == pytest.approx(mode.power_w, abs=POWER_TOLERANCE_W), reg.name
        assert reg.hashrate_ths == pytest.approx(mode.hashrate_ths, rel=HASHRATE_TOLERANCE)
        assert reg.noise_db == pytest.approx(mode.noise_db, abs=NOISE_TOLERANCE_DB), reg.name
        assert reg.source, f"{model} {reg.name}: the registry must say where its figures come from"
        assert mode.source, f"{model} {mode.name}: the profile must say where its figures come from"
    assert caps.standby_power_w == pytest.approx(sim.standby_power_w, abs=STANDBY_TOLERANCE_W)
    # The simulator prints the Nano 3's PS[5] at the same DC/wall ratio the client undoes.
    sim_eff = STYLES[sim.blob_style].ps_eff if model == "nano3" else 1.0
    assert caps.reported_power_efficiency == pytest.approx(sim_eff)


def test_q_eco_hashrate_is_the_captured_rate() -> None:
    """q_stats.json/q_summary.json: GHSmm 55.0 nominal; realised >= 53.4 before SoftOffTime."""
    stats = json.loads((CAPTURES / "q_stats.json").read_text(encoding="utf-8"))
    entry = stats["STATS"][0]
    blob = _blob("q_stats.json")
    when = stats["STATUS"][0]["When"]
    mined_s = entry["Elapsed"] - (when - int(blob["SoftOffTime"]))
    realised_ths = float(blob["GHSavg"]) * entry["Elapsed"] / mined_s / 1000.0
    summary = json.loads((CAPTURES / "q_summary.json").read_text(encoding="utf-8"))
    s = summary["SUMMARY"][0]
    mined2_s = s["Elapsed"] - (summary["STATUS"][0]["When"] - int(blob["SoftOffTime"]))
    realised2_ths = s["Total MH"] / mined2_s / 1e6
    nominal_ths = float(blob["GHSmm"]) / 1000.0
    assert 53.3 < min(realised_ths, realised2_ths) < 53.6
    eco = find_profile("q", "eco")
    # Between the realised lower bound and the firmware's nominal figure.
    assert min(realised_ths, realised2_ths) <= eco.hashrate_ths <= nominal_ths
    assert eco.power_w == int(blob["MPO"]) == 800
    assert eco.efficiency_j_th < 15.0  # not the 18.6 J/TH of the old derivation


def test_nano3_bills_the_wall_and_keeps_dc_in_ps() -> None:
    """nano3_stats.json: PS[5] 92 W DC at WORKLEVEL[1]; the registry bills Canaan's 100 W wall."""
    blob = _blob("nano3_stats.json")
    ps = [int(x) for x in blob["PS"].split()]
    assert blob["WORKLEVEL"] == "1"
    dc_w = ps[5]
    assert dc_w == 92
    assert ps[4] * ps[3] / 100 == pytest.approx(dc_w, rel=0.1)  # 27.8 V x 3 A: the DC side
    caps = capabilities("nano3")
    mid = find_profile("nano3", "mid")
    assert mid.power_w == 100
    assert dc_w / mid.power_w == pytest.approx(caps.reported_power_efficiency, abs=0.005)
    assert mid.hashrate_ths == pytest.approx(float(blob["GHSspd"]) / 1000.0, rel=0.01)
    assert [p.power_w for p in caps.profiles] == [65, 100, 140]
    # Low from the ATA0/ATA1 PLL frequencies: the middle frequency scales the nominal rate.
    low_mhz = int(blob["ATA0"].split("-")[3].split(":")[2])
    mid_mhz = int(blob["ATA1"].split("-")[3].split(":")[2])
    scaled_low = float(blob["GHSmm"]) / 1000.0 * low_mhz / mid_mhz
    assert find_profile("nano3", "low").hashrate_ths == pytest.approx(scaled_low, rel=0.05)


def test_nano3s_high_hashrate() -> None:
    """nano3s_estats_mmid0.txt at WORKMODE[2]: 6.60-6.78 TH/s, not the 6.0 of the spec sheet."""
    blob = _blob("nano3s_estats_mmid0.txt")
    assert blob["WORKMODE"] == "2"
    rates = [float(blob[k]) / 1000.0 for k in ("GHSspd", "GHSavg", "GHSmm")]
    summary = json.loads((CAPTURES / "nano3s_summary_partial.json").read_text(encoding="utf-8"))
    rates.append(summary["SUMMARY"][0]["MHS av"] / 1e6)
    high = find_profile("nano3s", "high")
    assert min(rates) - 0.05 <= high.hashrate_ths <= max(rates)
    assert high.hashrate_ths == pytest.approx(sum(rates) / len(rates), rel=0.02)


def test_mini3_mining_wall_power() -> None:
    """mini3_stats_plaintext_TRUNCATED.txt: PS[6] 824 W in Mining (839 W elsewhere), not 800."""
    blob = _blob("mini3_stats_plaintext_TRUNCATED.txt")
    wall_w = int(blob["PS"].split()[6])
    assert wall_w == 824
    mining = find_profile("mini3", "mining")
    assert wall_w <= mining.power_w <= 839


def test_q_has_four_fans() -> None:
    """q_stats.json prints Fan1..Fan4; the driver prints one FanN per fan the fan MCU reports."""
    fans = [k for k in _blob("q_stats.json") if re.fullmatch(r"Fan\d", k)]
    assert fans == ["Fan1", "Fan2", "Fan3", "Fan4"]
    assert load_profile("q").thermal.fan_count == 4


def _steady(model: str, mode: str, inlet_c: float, seconds: int = 3600) -> HeaterState:
    """Run one simulated heater in ``mode`` with its inlet held at ``inlet_c`` until it settles."""
    heater = create_heater(model)
    index = [m.name for m in heater.profile.modes].index(mode)
    st = heater.state
    st.mode_index = index
    st.chip_target_c = float(heater.profile.modes[index].target_temp_c)
    heater.physics.settle(inlet_c)
    now = heater.now()
    for k in range(seconds):
        heater.physics.step(1.0, now + k, inlet_c)
    return st


def test_nano3s_regulates_tavg_to_tart() -> None:
    """nano3s_estats_mmid0.txt: TAvg 90 = TarT 90, TMax 95, FanR 33 %, OTemp 65 (inlet ~25 C)."""
    blob = _blob("nano3s_estats_mmid0.txt")
    assert blob["TAvg"] == blob["TarT"] == "90"
    st = _steady("nano3s", "High", 25.0)
    assert st.chip_temp_avg_c == pytest.approx(int(blob["TarT"]), abs=0.5)
    assert st.chip_temp_max_c == pytest.approx(int(blob["TMax"]), abs=1.0)
    assert st.fan_percent == pytest.approx(int(blob["FanR"].rstrip("%")), abs=3.0)
    assert st.outlet_temp_c == pytest.approx(int(blob["OTemp"]), abs=3.0)
    assert not st.derated


def test_nano3_regulates_tavg_to_tart() -> None:
    """nano3_stats.json: TAvg 85 = TarT 85, TMax 87, FanR 43 %, OTemp 45 at Mid (inlet ~25 C)."""
    blob = _blob("nano3_stats.json")
    assert blob["TAvg"] == blob["TarT"] == "85"
    st = _steady("nano3", "Mid", 25.0)
    assert st.chip_temp_avg_c == pytest.approx(85, abs=0.5)
    assert st.chip_temp_max_c == pytest.approx(int(blob["TMax"]), abs=1.0)
    assert st.fan_percent == pytest.approx(int(blob["FanR"].rstrip("%")), abs=3.0)
    assert st.outlet_temp_c == pytest.approx(int(blob["OTemp"]), abs=3.0)


def test_mini3_runs_full_power_above_tart_at_a_hot_inlet() -> None:
    """mini3_stats_plaintext_TRUNCATED.txt: 824 W, fan 100 %, TAvg 82 / TMax 86 > TarT 75 at 39 C.

    The firmware does not cut power to hold TarT once the fan is flat out (the old simulator cut
    this unit to about 719 W); it keeps mining until the inlet limit or the overheat trip.
    """
    blob = _blob("mini3_stats_plaintext_TRUNCATED.txt")
    inlet_c = float(blob["ITemp"])
    st = _steady("mini3", "Mining", inlet_c)
    assert st.power_w == pytest.approx(int(blob["PS"].split()[6]), rel=0.01)
    assert not st.derated
    assert st.fan_percent == pytest.approx(100.0, abs=0.5)
    assert st.chip_temp_avg_c == pytest.approx(int(blob["TAvg"]), abs=1.5)
    assert st.chip_temp_max_c == pytest.approx(int(blob["TMax"]), abs=1.5)
    assert st.chip_temp_max_c > st.chip_target_c + 9
    assert st.outlet_temp_c == pytest.approx(int(blob["OTemp"]), abs=2.0)


def test_q_chip_spread_around_tart() -> None:
    """q_stats.json HBinfo PVT_T0 (last reading before standby): mean 64 at TarT 65, hottest 71."""
    text = (CAPTURES / "q_stats.json").read_text(encoding="utf-8")
    match = re.search(r"PVT_T0\[([^\]]*)\]", text)
    assert match is not None
    temps = [int(t) for t in match.group(1).split()]
    tart = int(_blob("q_stats.json")["TarT"])
    assert sum(temps) / len(temps) == pytest.approx(tart, abs=1.5)
    st = _steady("q", "Eco", 26.0)
    assert st.chip_temp_avg_c == pytest.approx(tart, abs=0.5)
    assert st.chip_temp_max_c == pytest.approx(max(temps), abs=1.5)


def test_q_standby_is_not_the_146_w_the_standby_capture_prints() -> None:
    """The Q's standby draw is an assumption in 10-30 W, not the 146 its standby capture prints.

    q_stats.json in standby: ``PS[6]`` 146, yet every fan at 0 and the hash board 1 K over the
    inlet 1.8 h after ``SoftOffTime``: 146 W of heat cannot leave a fanless box that cool
    (docs/heat-truth.md). Registry and simulator carry the same figure.
    """
    blob = _blob("q_stats.json")
    stats = json.loads((CAPTURES / "q_stats.json").read_text(encoding="utf-8"))
    assert blob["SYSTEMSTATU"].startswith("Work: In Idle")
    assert int(blob["PS"].split()[6]) == 146
    assert [int(blob[f"Fan{k}"]) for k in range(1, 5)] == [0, 0, 0, 0]
    assert int(blob["HBITemp"]) - int(blob["ITemp"]) <= 1
    idle_h = (stats["STATUS"][0]["When"] - int(blob["SoftOffTime"])) / 3600
    assert idle_h == pytest.approx(1.8, abs=0.05)
    caps = capabilities("q")
    assert 10 <= caps.standby_power_w <= 30
    assert load_profile("q").standby_power_w == caps.standby_power_w


def test_q_standard_lies_between_the_captured_eco_and_the_catalogue_super() -> None:
    """Q Standard has no capture: its J/TH is interpolated between Eco (q_stats.json) and Super."""
    eco, standard, top = (find_profile("q", mode) for mode in ("eco", "standard", "super"))
    assert eco.power_w < standard.power_w < top.power_w
    assert eco.efficiency_j_th < standard.efficiency_j_th < top.efficiency_j_th
    assert "assum" in standard.source.lower()
