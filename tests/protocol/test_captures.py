"""Every real capture in tests/captures decodes, and the values that matter come out right."""

from __future__ import annotations

import fnmatch
from pathlib import Path
from typing import Any

import pytest

from nanoheater.models import HeaterInfo, HeaterState, ModelId
from nanoheater.protocol.blob import parse_blob, parse_hbinfo
from nanoheater.protocol.codec import decode_reply, reply_status
from nanoheater.protocol.parse import (
    find_blob,
    parse_info,
    parse_pools,
    parse_status,
    section,
    version_entry,
)

CAPTURES = Path(__file__).parent.parent / "captures"
REPLY_FILES = sorted(
    p.name
    for p in CAPTURES.iterdir()
    if p.suffix in (".json", ".txt")
    and not p.name.endswith(
        ".capture.json"
    )  # field fixtures: tests/protocol/test_capture_fixtures.py
    and not p.name.startswith(("bitaxe_", "a1566_", "nano3s_estats_", "nano3s_ascset_help"))
)


def load(name: str) -> dict[str, Any]:
    # On the wire every reply ends with one NUL; the files do not store it.
    return decode_reply((CAPTURES / name).read_bytes() + b"\x00")


def test_captures_folder_keeps_its_provenance() -> None:
    """Every copied capture is listed in the README that says where it came from."""
    readme = (CAPTURES / "README.md").read_text(encoding="utf-8")
    for path in CAPTURES.iterdir():
        if path.name == "README.md" or path.name.endswith(".capture.json"):
            continue  # a field fixture carries its own provenance (device, time, source)
        listed = path.name in readme or (
            fnmatch.fnmatch(path.name, "a10_official_*_plaintext.txt")
            and "a10_official_*_plaintext.txt" in readme
        )
        assert listed, path.name


@pytest.mark.parametrize("name", REPLY_FILES)
def test_capture_decodes_with_a_status(name: str) -> None:
    """Each captured CGMiner reply decodes (with or without its NUL) and has a STATUS."""
    body = load(name)
    assert reply_status(body).severity in "SIWEF"
    assert decode_reply((CAPTURES / name).read_bytes()) == body


def test_nano3_reads_92_dc_watts_as_100_at_the_wall_not_314() -> None:
    """Nano 3 power is PS[5] (92 W), not PS[6] (314), and its mode comes from WORKLEVEL."""
    stats = load("nano3_stats.json")
    blob = find_blob(stats)
    assert blob is not None
    info = parse_info(version_entry(load("nano3_version_ABRIDGED.json")), blob)
    summary = section(load("nano3_summary.json"), "SUMMARY")[0]
    status = parse_status(info, blob, host="h", port=4028, summary=summary)
    assert info.model is ModelId.NANO3
    assert info.dna == "02010000d89ada98"  # HDNA; DNA[] is all zeros
    # PS[5] 92 W is the DC side of the adapter; the wall (billed, heating) is 92 / 0.92.
    assert status.power_w == 100.0
    assert status.workmode is None
    assert status.worklevel == 1
    assert status.mode == "Mid"
    assert status.hashrate_ths == pytest.approx(3.3324)
    assert status.inlet_temp_c is None  # Temp[52] is hotter than the outlet: not an inlet sensor
    assert status.outlet_temp_c == 45.0
    assert status.state is HeaterState.MINING
    assert status.accepted == 21853


def test_nano3s_blob_and_version() -> None:
    """Nano 3S: PS[6] watts, -273 inlet becomes None, MAC gets colons, mode 2 is High."""
    blob = parse_blob((CAPTURES / "nano3s_estats_mmid0.txt").read_text(encoding="utf-8"))
    info = parse_info(version_entry(load("nano3s_version.json")), blob)
    status = parse_status(info, blob, host="h", port=4028)
    assert info == HeaterInfo(
        model=ModelId.NANO3S,
        product="Avalon Nano3s",
        firmware="25021401_56abae7",
        mac="e0:e1:a9:3f:30:53",
        dna="020100003cbe4d15",
    )
    assert blob["ITemp"] == -273
    assert status.inlet_temp_c is None
    assert status.power_w == 133.0
    assert status.hashrate_ths == pytest.approx(6.59884)
    assert status.hashrate_nominal_ths == pytest.approx(6.78365)
    assert (status.mode, status.workmode, status.chip_target_c) == ("High", 2, 90.0)
    assert (status.chip_temp_max_c, status.chip_temp_avg_c, status.outlet_temp_c) == (95, 90, 65)
    assert (status.fan_rpm, status.fan_percent, status.uptime_s) == (1520, 33, 10027)
    assert blob["SYSTEMSTATU"] == "Work: In Work, Hash Board: 1"
    assert blob["PVT_T0"] == (85, 91, 91, 91, 91, 90, 85, 86, 95, 95, 91, 87)
    assert blob["LEDUser"] == "0-100-100-5-0-255"


def test_q_standby_stats() -> None:
    """Q in standby: wrapper and 'Nonce Mask' parsed, SoftOFF means off, HB temps used."""
    stats = load("q_stats.json")
    blob = find_blob(stats)
    assert blob is not None
    assert blob["Nonce Mask"] == 25
    assert blob["SSID"] == ""
    info = parse_info(version_entry(load("q_version.json")), blob)
    pools = parse_pools(load("q_pools.json"))
    summary = section(load("q_summary.json"), "SUMMARY")[0]
    status = parse_status(info, blob, host="h", port=4028, summary=summary, pools=pools)
    assert info.model is ModelId.Q
    assert info.mac == "aa:bb:cc:dd:ee:ff"
    assert status.state is HeaterState.OFF
    assert status.soft_off
    assert status.mode == "Eco"
    assert status.power_w == 146.0
    assert (status.inlet_temp_c, status.outlet_temp_c) == (26.0, 27.0)
    assert status.hashrate_ths == 0.0
    assert status.pool_url == "stratum+tcp://pool.example.com:4444"
    assert pools[0].user == "worker1"
    boards = parse_hbinfo(stats["STATS"][0]["HBinfo"])
    assert len(boards["HB0"]["PVT_T0"]) == 160  # type: ignore[arg-type]


def test_q_litestats_carries_the_full_blob() -> None:
    """Q litestats (no STATS/ID wrapper) still yields the summary blob."""
    blob = find_blob(load("q_litestats.json"))
    assert blob is not None
    assert blob["MPO"] == 800
    assert blob["STATE"] == 2


def test_q_truncated_estats_drops_the_cut_blob() -> None:
    """A reply cut mid-blob decodes, but the half blob is not trusted."""
    body = load("q_estats_json_TRUNCATED.txt")
    assert body["STATS"][0]["Elapsed"] == 29497
    assert find_blob(body) is None


def test_mini3_plaintext_stats() -> None:
    """Mini 3 text-dialect stats: the comma inside SYSTEMSTATU does not split the blob."""
    stats = load("mini3_stats_plaintext_TRUNCATED.txt")
    blob = find_blob(stats)
    assert blob is not None
    info = parse_info(version_entry(load("mini3_version_plaintext.txt")), blob)
    status = parse_status(info, blob, host="h", port=4028)
    assert info.model is ModelId.MINI3
    assert info.mac == "e0:e1:a9:3e:2c:7d"
    assert status.power_w == 824.0
    assert (status.inlet_temp_c, status.outlet_temp_c, status.fan_percent) == (39.0, 63.0, 100)
    assert status.state is HeaterState.MINING
    assert "PCOMM" not in blob  # cut off without its value


def test_a15_wallpower_matches_ps6() -> None:
    """The A15 fixture's PS[6] equals its WALLPOWER; empty and padded values are typed."""
    blob = parse_blob((CAPTURES / "a1566_stats_mmid0_pyasic_fixture.txt").read_text("utf-8"))
    ps = blob["PS"]
    assert isinstance(ps, tuple)
    assert ps[6] == blob["WALLPOWER"] == 3731
    assert blob["FACOPTS0"] == ""
    assert blob["DH"] == 1.299
    assert len(blob["PVT_T1"]) == 160  # type: ignore[arg-type]
    assert (
        blob["ATAOPTS0"]
        == "--avalon10-freq 240:258:279:300 --avalon10-voltage-level 1180 --hash-asic 160"
    )


def test_text_dialect_pools_and_version() -> None:
    """A10 text replies map POOL to POOLS and keep VERSION fields."""
    pools = parse_pools(load("a10_official_pools_plaintext.txt"))
    assert pools[0].url == "stratum+tcp://btc.ss.poolin.com:443"
    assert pools[0].stratum_active
    version = version_entry(load("a10_official_version_plaintext.txt"))
    assert version["DNA"] == "0000000000000000"  # leading zeros keep it a string
    assert parse_info(version).dna is None


def test_invalid_command_has_no_description() -> None:
    """Code 14 arrives without Description and still parses."""
    status = reply_status(load("q_invalid_command_minerstats.json"))
    assert (status.severity, status.code, status.description, status.ok) == ("E", 14, None, False)


def test_ascset_info_replies_are_ok() -> None:
    """Softoff success arrives as I/118 and counts as ok; the help list keeps its pipes."""
    assert reply_status(load("q_ascset_softoff.json")).ok
    help_msg = reply_status(load("q_ascset_help.json")).msg
    assert "softoff|filter-clean" in help_msg
    led = reply_status(load("a10_official_ascset_led_query_plaintext.txt"))
    assert (led.severity, led.msg) == ("I", "ASC 0 set info: LED[0]")
