"""Command handlers: per-firmware command sets, ascset codes and options, write-then-read."""

from __future__ import annotations

import json
import math
import re
from typing import Any

import pytest

from firmware_sim.handlers import dispatch
from tests.sim.standin import StandIn


def call(sim: StandIn, command: str, parameter: str | None = None) -> Any:
    req: dict[str, str] = {"command": command}
    if parameter is not None:
        req["parameter"] = parameter
    data = dispatch(sim, json.dumps(req).encode())
    assert data.endswith(b"\x00")
    # strict=False: like the firmware, setpool's Msg carries raw newlines inside the string.
    return json.loads(data[:-1], strict=False)


def ascset(sim: StandIn, parameter: str) -> tuple[str, int, str]:
    got = call(sim, "ascset", parameter)["STATUS"][0]
    return got["STATUS"], got["Code"], got["Msg"]


def blob(sim: StandIn) -> dict[str, str]:
    entry = call(sim, "estats")["STATS"][0]
    text = entry.get("MM ID0") or entry["MM ID0:Summary"]
    return {k.strip(): v for k, v in re.findall(r"([^\[\]{]+?)\[([^\]]*)\]", text)}


def lite(sim: StandIn) -> dict[str, str]:
    text = next(iter(call(sim, "litestats")["STATS"][0].values()))
    return {k.strip(): v for k, v in re.findall(r"([^\[\]{]+?)\[([^\]]*)\]", text)}


OK = ("S", 119, "ASC 0 set OK")


def test_handlers_mm319_command_set() -> None:
    """MM319 answers Canaan's list; restart, quit, privileged and minerstats are Code 14."""
    sim = StandIn("q")
    for cmd in ("version", "config", "devs", "edevs", "pools", "summary", "devdetails", "stats"):
        assert call(sim, cmd)["STATUS"][0]["STATUS"] == "S", cmd
    for cmd in ("estats", "litestats", "coin", "lcd"):
        assert call(sim, cmd)["STATUS"][0]["STATUS"] == "S", cmd
    for cmd in ("restart", "quit", "privileged", "minerstats", "addpool", "VERSION"):
        got = call(sim, cmd)["STATUS"][0]
        assert (got["STATUS"], got["Code"], "Description" in got) == ("E", 14, False), cmd


def test_handlers_mm318_command_set() -> None:
    """The Nano 3 has no litestats or time, but stock cgminer's privileged."""
    sim = StandIn("nano3")
    assert call(sim, "litestats")["STATUS"][0]["Code"] == 14
    assert call(sim, "time", "get")["STATUS"][0]["Code"] == 14
    assert call(sim, "privileged")["STATUS"][0]["Code"] == 46
    assert dispatch(sim, b'{"command":"restart"}') == b'{"STATUS":"RESTART","id":1}\x00'
    assert dispatch(sim, b"quit") == b"BYE\x00"
    assert len(sim.reboots) == 2
    assert call(sim, "devdetails")["DEVDETAILS"][0]["Driver"] == "avalonnano"
    assert call(sim, "stats")["STATS"][0]["ID"] == "AVANANO0"


def test_handlers_check_command() -> None:
    """Check says whether a command exists on this firmware; no parameter is E/71."""
    sim = StandIn("nano3s")
    assert call(sim, "check", "litestats")["CHECK"] == [{"Exists": "Y", "Access": "Y"}]
    assert call(sim, "check", "restart")["CHECK"] == [{"Exists": "N", "Access": "N"}]
    assert call(sim, "check")["STATUS"][0]["Code"] == 71
    assert call(StandIn("nano3"), "check", "litestats")["CHECK"][0]["Exists"] == "N"


def test_handlers_time_command() -> None:
    """time|get and time|set answer I/131; no parameter is I/130."""
    sim = StandIn("nano3s")
    got = call(sim, "time", "set,t:1765004019,CST-8")["STATUS"][0]
    assert (got["STATUS"], got["Code"], got["Msg"]) == (
        "I",
        131,
        "Time set info: time t:1765004019 CST-8",
    )
    assert call(sim, "time", "get")["STATUS"][0]["Msg"] == "Time set info: time t:CST-8"
    assert call(sim, "time", "bogus")["STATUS"][0]["Msg"] == "Time set info: time unknown argument"
    assert call(sim, "time")["STATUS"][0]["Code"] == 130


def test_ascset_id_and_option_errors() -> None:
    """Missing parameter 15, missing option 116, bad ASC id 107, unknown option 120."""
    sim = StandIn("nano3s")
    assert call(sim, "ascset")["STATUS"][0]["Code"] == 15
    assert ascset(sim, "0") == ("E", 116, "Missing option after ASC number")
    assert ascset(sim, "0,") == ("E", 116, "Missing option after ASC number")
    assert ascset(sim, "3,help") == ("E", 107, "Invalid ASC id 3 - range is 0 - 0")
    assert ascset(sim, "-1,help")[1] == 107
    assert ascset(sim, "0,softoff,1:5") == ("E", 120, "ASC 0 set failed: Unknown option: softoff")
    assert ascset(sim, "0,fan-spd") == ("E", 120, "ASC 0 set failed: missing fan-spd setting")


def test_ascset_option_case_insensitive_and_help() -> None:
    """Options match case-insensitively; help is I/118 with the model's list."""
    sim = StandIn("nano3s")
    kind, code, msg = ascset(sim, "0,HELP")
    assert (kind, code) == ("I", 118)
    assert msg == "ASC 0 set info: " + "".join(o + "|" for o in sim.profile.ascset_options)
    assert ascset(sim, "0,Fan-Spd,50") == OK


@pytest.mark.parametrize(
    ("model", "present", "absent"),
    [
        ("nano3s", ["ledmode", "ledset", "target-temp", "workmode"], ["softoff", "led", "time"]),
        ("nano3", ["led", "worklevel", "softoff"], ["workmode", "ledmode", "target-temp"]),
        ("mini3", ["limittemp", "softon", "workmode"], ["ledmode", "time", "led"]),
        ("q", ["softoff", "time", "solo-allowed"], ["limittemp", "ledset", "target-temp"]),
    ],
)
def test_ascset_per_model_option_sets(model: str, present: list[str], absent: list[str]) -> None:
    """Each model knows its own options only."""
    sim = StandIn(model)
    for opt in absent:
        assert ascset(sim, f"0,{opt},1")[2] == f"ASC 0 set failed: Unknown option: {opt}"
    for opt in present:
        assert "Unknown option" not in ascset(sim, f"0,{opt},get")[2], opt


def test_ascset_workmode_set_then_read() -> None:
    """workmode,set switches mode; WORKMODE, MPO, TarT and ATA follow on the next read."""
    sim = StandIn("nano3s")
    assert ascset(sim, "0,workmode,get") == ("I", 118, "ASC 0 set info: workmode 2")
    assert ascset(sim, "0,workmode,set,0") == OK
    got = blob(sim)
    assert (got["WORKMODE"], got["MPO"], got["TarT"], got["ADJ"]) == ("0", "67", "80", "0")
    assert got["ATA0"] == ""
    assert "BAR" in got
    sim.t += sim.profile.calibration_s
    got = blob(sim)
    assert (got["ADJ"], got["ATA0"]) == ("1", "67-80-3600-300-20")
    assert "BAR" not in got


def test_ascset_workmode_refused_while_calibrating() -> None:
    """During calibration (ADJ[0]) and with the refuse fault, mode changes are E/120."""
    sim = StandIn("q")
    assert ascset(sim, "0,workmode,set,1") == OK
    refused = ("E", 120, "ASC 0 set failed: current mode 1 is caling Don't permit switch mode")
    assert ascset(sim, "0,workmode,set,2") == refused
    assert sim.state.workmode == 1
    sim.t += sim.profile.calibration_s
    sim.faults.refuse_calibrating = True
    assert ascset(sim, "0,workmode,set,2")[2].endswith("is caling Don't permit switch mode")
    assert ascset(sim, "0,work_mode_lvl,set,2,0")[2].endswith("is caling. Don't permit switch mode")


def test_ascset_workmode_errors_and_same_mode() -> None:
    """Out of range is error:1 with max_mode; bad syntax error:2; same mode is a silent OK."""
    sim = StandIn("q")
    assert ascset(sim, "0,workmode,set,9") == (
        "E",
        120,
        "ASC 0 set failed: error:1 not support set workmode max_mode[3]",
    )
    assert ascset(sim, "0,workmode,bogus")[2] == "ASC 0 set failed: error:2 parameter error"
    assert ascset(sim, "0,workmode,set,0") == OK
    assert sim.state.calibrating_until_s == 0.0


def test_ascset_worklevel_nano3_is_the_mode() -> None:
    """On the Nano 3 worklevel,set,N picks the level; pyasic's power-limit call gets set OK."""
    sim = StandIn("nano3")
    assert ascset(sim, "0,worklevel,set,0") == OK
    assert (sim.state.mode_index, blob(sim)["WORKLEVEL"], blob(sim)["MPO"]) == (0, "0", "60")
    assert "WORKMODE" not in blob(sim)
    sim.t += sim.profile.calibration_s
    assert ascset(sim, "0,worklevel,set,5")[2] == "ASC 0 set failed: worklevel unknown argument"


def test_ascset_mini3_mode_and_level() -> None:
    """Mini 3: Heating (mode 0) takes level -1 (Eco) or 0 (Super); work_mode_lvl sets both."""
    sim = StandIn("mini3")
    assert ascset(sim, "0,work_mode_lvl,set,0,-1") == OK
    assert ascset(sim, "0,work_mode_lvl,get") == (
        "I",
        118,
        "ASC 0 set info: workmode 0 worklevel -1",
    )
    sim.t += sim.profile.calibration_s
    assert ascset(sim, "0,worklevel,set,0") == OK
    assert sim.profile.modes[sim.state.mode_index].name == "Heating Super"
    assert lite(sim)["LEVEL"] == "0"
    assert lite(sim)["MODE"] == "0"


def test_ascset_fan_speed_ranges() -> None:
    """fan-spd: -1 or 15..100 on MM319 (exact error text), 0..100 on the Nano 3."""
    sim = StandIn("nano3s")
    err = "invalid fan value, valid range 15-100 for stable pwm,-1 for auto adjust"
    assert ascset(sim, "0,fan-spd,10") == ("E", 120, f"ASC 0 set failed: {err}")
    assert ascset(sim, "0,fan-spd,x") == (
        "E",
        120,
        "ASC 0 set failed: No value passed to avalon-fan",
    )
    assert ascset(sim, "0,fan-spd,-1") == OK
    assert ascset(sim, "0,fan-spd,100") == OK
    assert sim.state.fan_manual_percent == 100
    assert ascset(StandIn("nano3"), "0,fan-spd,0") == OK


def test_ascset_target_temp_write_then_read() -> None:
    """target-temp 50..90 shows as TarT and in ATA; outside the range is refused."""
    sim = StandIn("nano3s")
    assert ascset(sim, "0,target-temp,70") == OK
    assert blob(sim)["TarT"] == "70"
    assert blob(sim)["ATA2"].startswith("133-70-")
    assert ascset(sim, "0,target-temp,95")[0] == "E"
    assert ascset(sim, "0,target-temp,49")[0] == "E"


def test_ascset_softoff_softon_q() -> None:
    """Q softoff/softon answer I "success softoff:<ts>" and schedule the state change."""
    sim = StandIn("q")
    assert ascset(sim, "0,softoff,1:1765004024") == (
        "I",
        118,
        "ASC 0 set info: success softoff:1765004024",
    )
    state = sim.state
    assert state.soft_off_at_s == 1765004024.0
    assert ascset(sim, "0,softon,1:1765004030")[2] == "ASC 0 set info: success softon:1765004030"
    assert (state.soft_on_at_s, sim.state.soft_off_at_s) == (1765004030.0, 1765004024.0)
    assert ascset(sim, "0,softoff,now")[0] == "E"


def test_ascset_standby_shows_in_blob() -> None:
    """A unit in standby reports STATE[2], SoftOFF[4] and In Idle, and GHSspd 0."""
    sim = StandIn("q", standby=True)
    got = blob(sim)
    assert (got["STATE"], got["SoftOFF"], got["GHSspd"]) == ("2", "4", "0.00")
    assert got["SYSTEMSTATU"] == "Work: In Idle, Hash Board: 1"


def test_ascset_reboot() -> None:
    """reboot,<0..300> calls the device's reboot with that delay; other values are E/120."""
    sim = StandIn("q")
    assert ascset(sim, "0,reboot,30") == OK
    assert sim.reboots == [(60.0, 30.0)]
    assert (
        ascset(sim, "0,reboot,301")[2] == "ASC 0 set failed: reboot value should be 0~300 seconds"
    )
    assert ascset(sim, "0,reboot,-1")[2] == "ASC 0 set failed: reboot value should be 0~300 seconds"
    assert ascset(sim, "0,reboot,x")[2] == "ASC 0 set failed: reboot value not number"
    assert len(sim.reboots) == 1


def test_ascset_lcd_and_leds() -> None:
    """lcd, ledmode and ledset answer I with the driver's texts and show on the next read."""
    sim = StandIn("nano3s")
    assert ascset(sim, "0,lcd,0:0") == ("I", 118, "ASC 0 set info: success lcd:id[0] val[0] len=4")
    assert lite(sim)["LcdOnoff"] == "0"
    assert ascset(sim, "0,ledset,1-80-50-255-0-0") == ("I", 118, "ASC 0 set info: led set ok")
    assert blob(sim)["LEDUser"] == "1-80-50-255-0-0"
    assert ascset(sim, "0,ledmode,1") == ("I", 118, "ASC 0 set info: success set:1")
    assert ascset(sim, "0,ledset,1-80-50-255-0-0") == (
        "I",
        118,
        "ASC 0 set info: not in (day)mode now",
    )
    assert blob(sim)["LED"] == "1-0"
    assert ascset(sim, "0,ledmode,7")[0] == "E"


def test_ascset_nano3_led() -> None:
    """The Nano 3 led option: get answers led[...], setmode answers "led setmode ok"."""
    sim = StandIn("nano3")
    assert ascset(sim, "0,led,setmode,2") == ("I", 118, "ASC 0 set info: led setmode ok")
    assert ascset(sim, "0,led,get")[2].startswith("ASC 0 set info: led[0-2-")
    assert ascset(sim, "0,led,1-1")[0] == "E"


def test_ascset_voltage_query_and_set() -> None:
    """Voltage without a value is I "PS[...]"; a value outside the limits is refused."""
    sim = StandIn("q")
    kind, code, msg = ascset(sim, "0,voltage")
    assert (kind, code) == ("I", 118)
    assert re.fullmatch(r"ASC 0 set info: PS\[(-?\d+ ){6}-?\d+\]", msg)
    assert (
        ascset(sim, "0,voltage,9999")[2]
        == "ASC 0 set failed: Setting invalid: voltage range 2150~2600"
    )
    assert ascset(sim, "0,voltage,2300") == OK
    assert blob(sim)["PS"].split()[5] == "2300"


def test_ascset_filter_clean_and_time_q() -> None:
    """filter-clean,1 restarts Filter[]; time,get answers I on the Q."""
    sim = StandIn("q")
    assert int(blob(sim)["Filter"]) > 1000
    assert ascset(sim, "0,filter-clean,1") == OK
    assert blob(sim)["Filter"] == "0"
    assert ascset(sim, "0,filter-clean,2")[2] == "ASC 0 set failed: Input param error."
    assert ascset(sim, "0,time,get") == ("I", 118, "ASC 0 set info: time t:UTC0")


def test_ascset_limittemp_mini3() -> None:
    """Limittemp is read back as Limitemp in litestats."""
    sim = StandIn("mini3")
    assert ascset(sim, "0,limittemp,22") == OK
    assert lite(sim)["Limitemp"] == "22"


def test_ascset_misc_driver_texts() -> None:
    """loop, facopts and password answer with the driver's strings."""
    sim = StandIn("nano3s")
    assert ascset(sim, "0,loop") == ("I", 118, "ASC 0 set info: LOOP[12 ]")
    assert ascset(sim, "0,facopts,255") == ("I", 118, "ASC 0 set info: FACOPTS_LK[1] WORKMODE[2]")
    assert (
        ascset(sim, "0,password,wrong,new")[2] == "ASC 0 set failed: Auth Failed! password invalid!"
    )
    assert ascset(sim, "0,password,admin,new") == (
        "I",
        118,
        "ASC 0 set info: new password success set.",
    )
    assert ascset(sim, "0,frequency,400:420:440:1200")[0] == "E"


def test_stats_q_empty_summary_quirk() -> None:
    """With the fault armed, Q stats has an empty MM ID0:Summary; litestats still has it."""
    sim = StandIn("q")
    sim.faults.empty_summary_replies = 1
    assert call(sim, "stats")["STATS"][0]["MM ID0:Summary"] == ""
    assert call(sim, "litestats")["STATS"][0]["MM ID0:Summary"].startswith("'STATS':{Ver[Q-")
    assert sim.faults.empty_summary_replies == 0
    assert call(sim, "stats")["STATS"][0]["MM ID0:Summary"] != ""


def test_litestats_short_blob_keys() -> None:
    """Nano 3S litestats is the short blob in driver order, with MM Count and Nonce Mask."""
    entry = call(StandIn("nano3s"), "litestats")["STATS"][0]
    assert list(entry) == ["MM ID0", "MM Count", "Nonce Mask"]
    keys = re.findall(r"(\w+)\[", entry["MM ID0"])
    assert keys == [
        "LVer", "BVer", "MVer", "FW", "STATE", "MODE", "LEVEL", "GHSspd", "ITemp", "OTemp",
        "Limitemp", "FanR", "Filter", "LED", "LEDUser", "LcdOnoff", "LcdSwitch", "LcdBright",
        "ECHU", "ECMM", "SSID", "RSSI", "NetDevType",
    ]  # fmt: skip
    assert re.search(r"GHSspd\[\d+\.\d{6}\]", entry["MM ID0"])


def test_ps_layout_per_model() -> None:
    """PS[6] is wall watts on MM319; on the Nano 3 PS[5] is the watts and PS[6] is not."""
    for model in ("nano3s", "mini3", "q"):
        sim = StandIn(model)
        assert int(blob(sim)["PS"].split()[6]) == round(sim.state.power_w), model
    sim = StandIn("nano3")
    ps = [int(x) for x in blob(sim)["PS"].split()]
    assert ps[:3] == [0, 0, 0]
    # PS[5] is the DC side of the 28 V adapter: 92 W at Mid's 100 W wall (nano3_stats.json).
    assert ps[5] == round(sim.state.power_w * 0.92)
    assert ps[6] != ps[5]


def test_estats_all_adds_per_chip_arrays() -> None:
    """estats|all inserts CF, PLLCNT, ERATIO, C_ and GHSmm arrays between ATA and WORKMODE."""
    sim = StandIn("nano3s")
    plain = list(blob(sim))
    entry = call(sim, "estats", "all")["STATS"][0]["MM ID0"]
    keys = [k.strip() for k, _ in re.findall(r"([^\[\]]+?)\[([^\]]*)\]", entry)]
    extra = [f"CF0_{p}" for p in range(4)] + [f"PLLCNT0_{p}" for p in range(4)]
    extra += ["ERATIO0", "C_00_00", "C_00_01", "GHSmm00"]
    at = plain.index("WORKMODE")
    assert keys == plain[:at] + extra + plain[at:]
    values = dict(re.findall(r"(\w+)\[([^\]]*)\]", entry))
    assert len(values["ERATIO0"].split()) == 12
    assert values["CF0_0"].split() == ["432"] * 12


def test_rolling_averages_decay_after_standby() -> None:
    """MHS 5s follows the live rate; 1m, 5m and 15m decay like cgminer's averages."""
    sim = StandIn("q")
    first = call(sim, "devs")["DEVS"][0]
    assert first["MHS 1m"] == first["MHS 15m"] == pytest.approx(54e6, rel=1e-6)
    sim.set_standby()  # no more MH hashed from here on
    sim.t += 60.0
    got = call(sim, "summary")["SUMMARY"][0]
    assert got["MHS 5s"] == 0.0
    assert got["MHS 1m"] == pytest.approx(54e6 * math.exp(-1.0), rel=1e-3)
    assert got["MHS 5m"] == pytest.approx(54e6 * math.exp(-60 / 300), rel=1e-3)
    assert got["MHS 15m"] == pytest.approx(54e6 * math.exp(-60 / 900), rel=1e-3)
