"""Profiles: every model loads, carries the captured identity and the documented modes."""

from __future__ import annotations

import pytest

from firmware_sim.profile import known_models, load_profile

Q_HELP = (
    "help|voltage|fan-spd|lcd|hash-sn-read|hash-sn-write|volt-tuning|workmode|worklevel|"
    "work_mode_lvl|reboot|softon|softoff|filter-clean|facopts|faclock|activate|solo-allowed|"
    "frequency|loop|password|qr_auth|time"
)
NANO3S_HELP = (
    "help voltage fan-spd ledmode ledset lcd nightlamp wallpaper hash-sn-read hash-sn-write "
    "volt-adjust-switch workmode worklevel work_mode_lvl reboot filter-clean facopts faclock "
    "frequency loop password qr_auth target-temp smart-speed ssdn-pro spdlog pll-sel "
    "aging-parameter"
)


def test_all_four_models_are_known() -> None:
    """The four home miners have a profile file each."""
    assert known_models() == ["mini3", "nano3", "nano3s", "q"]


@pytest.mark.parametrize(
    ("model", "keys"),
    [
        (
            "nano3s",
            "PROD MODEL HWTYPE SWTYPE LVERSION BVERSION CGVERSION DNA MAC UPAPI",
        ),
        ("nano3", "PROD MODEL HWTYPE SWTYPE VERSION HVERSION UPAPI"),
        (
            "mini3",
            "PROD MODEL HWTYPE SWTYPE LVERSION BVERSION CGVERSION MCUVERSION DNA MAC",
        ),
        (
            "q",
            "PROD MODEL HWTYPE SWTYPE LVERSION BVERSION CGVERSION HBMCUVERSION FANMCUVERSION "
            "DNA MAC",
        ),
    ],
)
def test_version_keys_in_capture_order(model: str, keys: str) -> None:
    """VERSION keys follow the capture of each model, in wire order."""
    assert list(load_profile(model).version) == keys.split()


def test_version_values_copied_from_captures() -> None:
    """Firmware strings are the captured ones."""
    assert load_profile("nano3s").version["LVERSION"] == "25021401_56abae7"
    assert load_profile("mini3").version["MCUVERSION"] == "Mini3_hb_v1.0"
    assert load_profile("q").version["FANMCUVERSION"] == "Q_fb_v1.2"
    nano3 = load_profile("nano3").version
    assert nano3["SWTYPE"] == "MM318_X2"
    assert nano3["HVERSION"] == "24071801_b906c52_6223725"


def test_nano3s_modes() -> None:
    """Nano 3S: workmode 0/1/2 at 70/100/140 W, 3/4.5/6 TH/s, TarT 80/85/90, no soft off."""
    p = load_profile("nano3s")
    assert [m.workmode for m in p.modes] == [0, 1, 2]
    assert [m.power_w for m in p.modes] == [70.0, 100.0, 140.0]
    assert [m.hashrate_ths for m in p.modes] == [3.0, 4.5, 6.6]  # High: nano3s_estats_mmid0.txt
    assert [m.target_temp_c for m in p.modes] == [80, 85, 90]
    assert p.modes[2].mpo_w == 133
    assert not p.soft_off
    assert not p.has_inlet_sensor
    assert p.family == "MM319"
    assert p.mode_option == "workmode"
    assert " ".join(p.ascset_options) == NANO3S_HELP


def test_nano3_modes() -> None:
    """Nano 3: MM318/AVANANO, worklevel 0/1/2, captured MPO 60/90/125, soft off, no workmode."""
    p = load_profile("nano3")
    assert p.family == "MM318"
    assert p.device_name == "AVANANO"
    assert p.mode_option == "worklevel"
    assert [m.worklevel for m in p.modes] == [0, 1, 2]
    assert [m.mpo_w for m in p.modes] == [60, 90, 125]
    assert [m.target_temp_c for m in p.modes] == [80, 85, 90]
    # Wall watts (Canaan 65/100/140); the captured PS[5] 92 W at Mid is the DC side (x 0.92).
    assert [m.power_w for m in p.modes] == [65.0, 100.0, 140.0]
    assert p.modes[1].hashrate_ths == 3.33
    assert p.soft_off
    assert "workmode" not in p.ascset_options
    assert {"softoff", "softon", "worklevel", "led"} <= set(p.ascset_options)


def test_mini3_modes() -> None:
    """Mini 3: Heating Eco/Super share workmode 0 (worklevel -1/0); Mining 1; Night 2."""
    p = load_profile("mini3")
    by_name = {m.name: m for m in p.modes}
    assert (by_name["Heating Eco"].workmode, by_name["Heating Eco"].worklevel) == (0, -1)
    assert (by_name["Heating Super"].workmode, by_name["Heating Super"].worklevel) == (0, 0)
    assert by_name["Mining"].workmode == 1
    assert by_name["Night"].workmode == 2
    powers = {m.name: (m.power_w, m.hashrate_ths, m.noise_db) for m in p.modes}
    assert powers["Heating Eco"] == (500.0, 25.0, 40.0)
    assert powers["Heating Super"] == (650.0, 30.0, 45.0)
    assert powers["Mining"][:2] == (830.0, 37.5)  # PS[6] 824 W in mini3_stats_plaintext_TRUNCATED
    assert powers["Night"] == (400.0, 20.0, 33.0)
    assert p.soft_off
    assert p.has_inlet_sensor
    assert p.room_cutoff
    assert {"softon", "softoff", "limittemp", "target-temp", "workmode"} <= set(p.ascset_options)


def test_q_modes() -> None:
    """Avalon Q: Eco/Standard/Super 800/1300/1674 W, TarT 65/80/85, 4 fans, captured help list."""
    p = load_profile("q")
    assert [m.name for m in p.modes] == ["Eco", "Standard", "Super"]
    assert [m.power_w for m in p.modes] == [800.0, 1300.0, 1674.0]
    # Eco from q_stats.json (GHSmm 55.0, realised 53.5); Standard interpolated in J/TH.
    assert [m.hashrate_ths for m in p.modes] == [54.0, 76.0, 90.0]
    assert [m.target_temp_c for m in p.modes] == [65, 80, 85]
    assert p.modes[0].mpo_w == 800
    assert p.thermal.fan_count == 4
    assert p.chip_count == 160
    assert p.soft_off
    assert p.has_inlet_sensor
    assert "|".join(p.ascset_options) == Q_HELP


@pytest.mark.parametrize("model", ["nano3", "nano3s", "mini3", "q"])
def test_profile_marks_its_assumptions(model: str) -> None:
    """Every profile names its sources and lists what it assumes."""
    p = load_profile(model)
    assert "ASSUMED" in p.note
    assert "captures/" in p.note
    assert 0 <= p.default_mode < len(p.modes)
    assert p.blob_style == model
